/* csv_reader.c — the CSV backend of the tabular reader: libcsv splits records
 * (RFC 4180 quoting, CRLF, LF or CR line ends), this file decides the encoding,
 * converts GB18030 to UTF-8 with iconv, numbers the rows and applies the limits.
 *
 * Encoding: a file whose bytes are all valid UTF-8 is UTF-8 (a leading BOM is
 * dropped). Otherwise the first invalid byte decides: if a UTF-8 Chinese
 * character (or a BOM) came before it, the file is UTF-8 that goes wrong at that
 * row (mixed_encoding / invalid_encoding); if only ASCII (or two-byte UTF-8,
 * which GBK text often also is) came before it, the file
 * is GB18030 (which includes GBK and GB2312) and each cell is converted. In a
 * GB18030 file, a row that is entirely valid UTF-8 with Chinese characters in it
 * is UTF-8 pasted into a GBK file and is refused (mixed_encoding) rather than
 * turned into mojibake. A NUL byte is never text.
 *
 * Rows are spreadsheet rows: the header is row 1, every line end outside quotes
 * ends a row (so blank lines count), and a line break inside a quoted cell does
 * not start a new row: such a record is numbered by the row where it starts.
 * Spaces around cells are kept. libcsv is fed one line (or at most one chunk) at
 * a time, so at most one record completes per feed and memory stays bounded. */
#include "core/alloc.h"
#include "tabular/reader_impl.h"

#include <csv.h>
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <string.h>

#define CHUNK 65536
/* libcsv's parser state while inside a field (FIELD_BEGUN in libcsv.c); with
 * p.quoted set at the end of the input it means an unclosed quote. */
#define LIBCSV_FIELD_BEGUN 2

struct sh_csv {
    struct csv_parser p;
    int p_ready;
    iconv_t cd; /* (iconv_t)-1 unless the file is GB18030 */
    int gb;
    size_t pos;                /* next byte of r->data to feed */
    size_t bad_at;             /* UTF-8 file: offset of the first invalid byte, or SIZE_MAX */
    int bad_mixed;             /* ... and UTF-8 Chinese came before it */
    long rec_row;              /* row of the record being parsed */
    int ncols;                 /* fields completed in that record */
    int last_cr;               /* the last line end was CR with no field since (CRLF's LF follows) */
    int row_ready;             /* a non-blank record completed */
    int finished;              /* csv_fini done */
    int row_utf8, row_cjk_col; /* GB18030: record valid as UTF-8 so far / first column with UTF-8 Chinese */
    sh_buf conv;               /* one converted cell */
    sh_table_reader *r;
};

/* ---- UTF-8 ---- */

size_t sh_utf8_valid_prefix(const unsigned char *s, size_t n, int *nonascii, int *cjk) {
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c >= 0x01 && c < 0x80) {
            i++;
            continue;
        }
        size_t need;
        unsigned char lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF)
            need = 1;
        else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            if (c == 0xE0)
                lo = 0xA0;
            else if (c == 0xED)
                hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            if (c == 0xF0)
                lo = 0x90;
            else if (c == 0xF4)
                hi = 0x8F;
        } else
            return i; /* NUL, a stray continuation byte, C0, C1 or F5..FF */
        if (n - i <= need || s[i + 1] < lo || s[i + 1] > hi)
            return i;
        for (size_t k = 2; k <= need; k++)
            if (s[i + k] < 0x80 || s[i + k] > 0xBF)
                return i;
        if (nonascii)
            *nonascii = 1;
        if (cjk && need == 2 && ((c >= 0xE3 && c <= 0xE9) || (c == 0xEF && s[i + 1] >= 0xBC)))
            *cjk = 1;
        i += need + 1;
    }
    return n;
}

/* ---- libcsv callbacks ---- */

static int space_never(unsigned char c) {
    (void)c;
    return 0;
}

static int cell_too_long(sh_table_reader *r, long row, int col) {
    return sh_table_fail(r, 400, "cell_too_long", row, col, "第 %ld 行第 %d 列的内容太长（最多 %zu 字节）",
                         row, col, r->lim.max_cell_bytes);
}

static int not_text(sh_table_reader *r, long row, int col) {
    return sh_table_fail(r, 400, "invalid_encoding", row, col, "第 %ld 行不是有效的 UTF-8 或 GB18030 文本",
                         row);
}

static int utf8_in_gbk(sh_table_reader *r, long row, int col) {
    return sh_table_fail(r, 400, "mixed_encoding", row, col,
                         "第 %ld 行是 UTF-8 编码，而文件其余部分是 GBK/GB18030：请把整个文件另存为同一种编码",
                         row);
}

/* Convert one GB18030 cell into c->conv. */
static int gb_convert(sh_csv *c, const unsigned char *s, size_t n, int col) {
    sh_table_reader *r = c->r;
    sh_buf_reset(&c->conv);
    iconv(c->cd, NULL, NULL, NULL, NULL);
    char *in = (char *)s; /* iconv's prototype; the input is not written */
    size_t inleft = n;
    char tmp[1024];
    while (inleft > 0) {
        char *outp = tmp;
        size_t outleft = sizeof tmp;
        size_t rc = iconv(c->cd, &in, &inleft, &outp, &outleft);
        int e = errno;
        if (sh_buf_append(&c->conv, tmp, sizeof tmp - outleft) != SH_OK)
            return c->conv.too_big ? cell_too_long(r, c->rec_row, col) : sh_table_oom(r, c->rec_row);
        if (rc == (size_t)-1 && e != E2BIG) {
            int cjk = 0;
            if (sh_utf8_valid_prefix(s, n, NULL, &cjk) == n && cjk)
                return utf8_in_gbk(r, c->rec_row, col);
            return not_text(r, c->rec_row, col);
        }
    }
    return SH_OK;
}

static void on_field(void *field, size_t n, void *data) {
    sh_csv *c = data;
    sh_table_reader *r = c->r;
    if (r->failed)
        return;
    int col = ++c->ncols;
    const unsigned char *s = field;
    if (n == 0)
        return;
    if (c->gb) {
        if (memchr(s, 0, n)) {
            not_text(r, c->rec_row, col);
            return;
        }
        int cjk = 0;
        if (sh_utf8_valid_prefix(s, n, NULL, &cjk) != n)
            c->row_utf8 = 0;
        else if (cjk && !c->row_cjk_col)
            c->row_cjk_col = col;
        if (gb_convert(c, s, n, col) != SH_OK)
            return;
        s = (const unsigned char *)c->conv.data;
        n = c->conv.len;
    }
    if (n > r->lim.max_cell_bytes) {
        cell_too_long(r, c->rec_row, col);
        return;
    }
    if (col > r->lim.max_columns) {
        sh_table_fail(r, 400, "too_many_columns", c->rec_row, col, "第 %ld 行的列数超过上限（最多 %d 列）",
                      c->rec_row, r->lim.max_columns);
        return;
    }
    if (sh_row_put(&r->out, col, (const char *)s, n) != SH_OK)
        sh_table_oom(r, c->rec_row);
}

static void on_record(int end, void *data) {
    sh_csv *c = data;
    sh_table_reader *r = c->r;
    if (r->failed)
        return;
    if (end == '\n' && c->last_cr && c->ncols == 0) { /* the LF of a CRLF */
        c->last_cr = 0;
        return;
    }
    long row = c->rec_row;
    if (c->gb && c->row_utf8 && c->row_cjk_col) {
        utf8_in_gbk(r, row, c->row_cjk_col);
        return;
    }
    if (r->out.n > 0) {
        if (row > r->lim.max_rows) {
            sh_table_fail(r, 413, "too_many_rows", row, 0, "文件行数超过上限（最多 %ld 行）",
                          r->lim.max_rows);
            return;
        }
        r->row = row;
        c->row_ready = 1;
    }
    c->rec_row++;
    c->ncols = 0;
    c->last_cr = end == '\r';
    c->row_utf8 = 1;
    c->row_cjk_col = 0;
}

/* ---- open, next, close ---- */

int sh_csv_open(sh_table_reader *r) {
    sh_csv *c = sh_calloc(1, sizeof *c);
    if (!c)
        return sh_table_oom(r, 0);
    r->csv = c;
    c->r = r;
    c->cd = (iconv_t)-1;
    c->rec_row = 1;
    c->row_utf8 = 1;
    c->bad_at = SIZE_MAX;
    sh_buf_init(&c->conv, r->lim.max_cell_bytes);
    if (csv_init(&c->p, CSV_REPALL_NL) != 0)
        return sh_table_oom(r, 0);
    c->p_ready = 1;
    csv_set_space_func(&c->p, space_never);
    csv_set_realloc_func(&c->p, sh_realloc);
    csv_set_free_func(&c->p, sh_free);

    const unsigned char *d = r->data;
    int bom = r->len >= 3 && d[0] == 0xEF && d[1] == 0xBB && d[2] == 0xBF;
    if (bom)
        c->pos = 3;
    int cjk = 0;
    size_t valid = sh_utf8_valid_prefix(d + c->pos, r->len - c->pos, NULL, &cjk) + c->pos;
    r->encoding = "UTF-8";
    if (valid == r->len)
        return SH_OK;
    /* Only UTF-8 Chinese before the first bad byte makes this a broken UTF-8
     * file: GBK text often starts with byte pairs that are also valid two-byte
     * UTF-8 (学 is D1 A7 in GBK, a Cyrillic letter in UTF-8). */
    if (bom || cjk || d[valid] == 0) {
        c->bad_at = valid;
        c->bad_mixed = cjk && d[valid] != 0;
        return SH_OK;
    }
    c->gb = 1;
    r->encoding = "GB18030";
    c->cd = iconv_open("UTF-8", "GB18030");
    if (c->cd == (iconv_t)-1)
        return sh_table_fail(r, 500, "internal", 0, 0, "系统不支持 GB18030 编码转换");
    return SH_OK;
}

static int bad_byte(sh_csv *c) {
    sh_table_reader *r = c->r;
    long row = c->rec_row;
    int col = c->ncols + 1;
    if (r->data[c->bad_at] == 0)
        return sh_table_fail(r, 400, "invalid_encoding", row, col,
                             "第 %ld 行含有空字节，不是文本（可能是 UTF-16 或二进制文件）", row);
    if (c->bad_mixed)
        return sh_table_fail(
            r, 400, "mixed_encoding", row, col,
            "第 %ld 行不是 UTF-8 编码（可能是 GBK），而前面的行是 UTF-8：请把整个文件另存为同一种编码", row);
    return sh_table_fail(r, 400, "invalid_encoding", row, col, "第 %ld 行不是有效的 UTF-8 文本", row);
}

static size_t next_line_end(const unsigned char *d, size_t from, size_t to) {
    for (size_t i = from; i < to; i++)
        if (d[i] == '\n' || d[i] == '\r')
            return i + 1;
    return to;
}

int sh_csv_next(sh_table_reader *r) {
    sh_csv *c = r->csv;
    c->row_ready = 0;
    /* raw bytes that surely exceed the limit once in UTF-8 (GB18030 never shrinks below half) */
    size_t raw_max = c->gb ? r->lim.max_cell_bytes * 2 : r->lim.max_cell_bytes;
    while (!c->row_ready) {
        if (c->pos == r->len) {
            if (c->finished)
                return SH_DONE;
            if (c->p.quoted && c->p.pstate == LIBCSV_FIELD_BEGUN)
                return sh_table_fail(r, 400, "invalid_csv", c->rec_row, c->ncols + 1,
                                     "第 %ld 行第 %d 列的引号没有闭合", c->rec_row, c->ncols + 1);
            c->finished = 1;
            if (csv_fini(&c->p, on_field, on_record, c) != 0 && !r->failed)
                return sh_table_oom(r, c->rec_row);
        } else {
            if (c->pos == c->bad_at)
                return bad_byte(c);
            size_t end = r->len - c->pos > CHUNK ? c->pos + CHUNK : r->len;
            if (c->bad_at < end)
                end = c->bad_at;
            end = next_line_end(r->data, c->pos, end);
            size_t n = end - c->pos;
            if (csv_parse(&c->p, r->data + c->pos, n, on_field, on_record, c) != n && !r->failed)
                return csv_error(&c->p) == CSV_ENOMEM ? sh_table_oom(r, c->rec_row)
                                                      : cell_too_long(r, c->rec_row, c->ncols + 1);
            c->pos = end;
            if (!r->failed && c->p.entry_pos > raw_max)
                return cell_too_long(r, c->rec_row, c->ncols + 1);
        }
        if (r->failed)
            return SH_ERR;
    }
    return SH_ROW;
}

void sh_csv_progress(const sh_table_reader *r, size_t *done, size_t *total) {
    *done = r->csv->pos;
    *total = r->len;
}

void sh_csv_close(sh_table_reader *r) {
    sh_csv *c = r->csv;
    if (!c)
        return;
    if (c->p_ready)
        csv_free(&c->p);
    if (c->cd != (iconv_t)-1)
        iconv_close(c->cd);
    sh_buf_free(&c->conv);
    sh_free(c);
    r->csv = NULL;
}
