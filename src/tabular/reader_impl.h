/* reader_impl.h — private to src/tabular/: the reader object shared by reader.c
 * (open, dispatch, limits), csv_reader.c and xlsx_reader.c, the row being built
 * and the UTF-8 checks. Nothing outside src/tabular/ and its tests includes it. */
#ifndef SH_TABULAR_READER_IMPL_H
#define SH_TABULAR_READER_IMPL_H

#include "core/buf.h"
#include "core/err.h"
#include "tabular/reader.h"

#include <stddef.h>

/* A row being built: cells placed by column, gaps filled with empty cells.
 * n is the column of the last non-empty cell (trailing empty cells are never
 * stored), so a blank row has n == 0. */
typedef struct sh_row {
    sh_buf text;        /* cell bytes, each cell NUL-terminated */
    size_t *off;        /* off[i]: start of cell i in text */
    const char **cells; /* built by sh_row_finish */
    int n, cap;
} sh_row;

void sh_row_init(sh_row *r, size_t max_text);
void sh_row_free(sh_row *r);
void sh_row_clear(sh_row *r);
/* Put s (len bytes, no NUL inside) at column col (1-based, > r->n); the columns
 * between become empty cells. SH_ERR only when memory runs out. */
int sh_row_put(sh_row *r, int col, const char *s, size_t len);
/* Point r->cells at the cells. SH_ERR only when memory runs out. */
int sh_row_finish(sh_row *r);

typedef struct sh_csv sh_csv;
typedef struct sh_xlsx sh_xlsx;

struct sh_table_reader {
    const unsigned char *data; /* the whole file */
    size_t len;
    void *map;           /* data is this mmap of a file (unmapped on close), or NULL */
    sh_table_limits lim; /* with the defaults filled in */
    const char *encoding;
    long row;   /* file row of the row last returned */
    sh_row out; /* the row returned by sh_table_next */
    sh_err err; /* the reader's own error; copied to the caller's */
    int failed; /* a call failed: later calls repeat the error */
    sh_csv *csv;
    sh_xlsx *xlsx;
};

/* Record a problem in r->err (status, code, row, column, Chinese message) and
 * return SH_ERR. */
int sh_table_fail(sh_table_reader *r, int status, const char *code, long row, long column, const char *fmt,
                  ...) __attribute__((format(printf, 6, 7)));
int sh_table_oom(sh_table_reader *r, long row);

/* Backends: open sets r->encoding and the backend state; next fills r->out and
 * r->row and returns SH_ROW / SH_DONE / SH_ERR (with sh_table_fail); close frees
 * whatever open or next left, including after a failed open. */
void sh_csv_progress(const sh_table_reader *r, size_t *done, size_t *total);
void sh_xlsx_progress(const sh_table_reader *r, size_t *done, size_t *total);
int sh_csv_open(sh_table_reader *r);
int sh_csv_next(sh_table_reader *r);
void sh_csv_close(sh_table_reader *r);
int sh_xlsx_open(sh_table_reader *r);
int sh_xlsx_next(sh_table_reader *r);
void sh_xlsx_close(sh_table_reader *r);

/* Length of the longest prefix of s[0..n) that is valid UTF-8 without NUL bytes
 * (n when all of it is). *nonascii (may be NULL) is set when that prefix holds a
 * multi-byte character; *cjk (may be NULL) when it holds a three-byte CJK
 * character or CJK punctuation (U+3000..U+9FFF, U+FF00..U+FFEF). */
size_t sh_utf8_valid_prefix(const unsigned char *s, size_t n, int *nonascii, int *cjk);

#endif
