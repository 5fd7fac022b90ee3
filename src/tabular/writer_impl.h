/* writer_impl.h — private to the writer sources of src/tabular: the writer object shared by
 * the dispatch (writer.c) and the two forms (csv_writer.c, xlsx_writer.c), and
 * the helpers both forms use. Nothing outside src/tabular includes this. */
#ifndef SH_TABULAR_WRITER_IMPL_H
#define SH_TABULAR_WRITER_IMPL_H

#include "core/buf.h"
#include "tabular/writer.h"

/* What a form provides. Each returns SH_OK/SH_ERR with err filled. */
typedef struct sh_table_writer_ops {
    int (*header)(sh_table_writer *w, const char *const *names, const char *const *hints, int n, sh_err *err);
    int (*row)(sh_table_writer *w, const char *const *cells, int n, sh_err *err);
    /* Write out everything still pending and release the form's state
     * (w->impl is NULL afterwards, on either result). */
    int (*finish)(sh_table_writer *w, sh_err *err);
    /* Release the form's state without finishing the file. */
    void (*discard)(sh_table_writer *w);
} sh_table_writer_ops;

struct sh_table_writer {
    const sh_table_writer_ops *ops;
    void *impl;     /* the form's own state */
    char *path;     /* where the file goes on success */
    char *tmp_path; /* where the bytes are written until close renames them */
    long rows;      /* rows written so far, header included */
    int broken;     /* a write failed: later writes and close fail too */
    sh_buf scratch; /* a cell as written (neutralised, repaired) */
};

/* Start the CSV form on fd (an empty temporary file, owned from now on, closed
 * on SH_ERR too): UTF-8 with a byte order mark, or GB18030 without one. */
int sh_csv_writer_start(sh_table_writer *w, int fd, int gb18030, sh_err *err);
/* Start the XLSX form writing w->tmp_path; sheet may be NULL. */
int sh_xlsx_writer_start(sh_table_writer *w, const char *sheet, sh_err *err);

/* 1 when v must get a leading apostrophe (see writer.c). */
int sh_table_cell_needs_escape(const char *v);
/* v as to write it: v itself, or "'" + v in w->scratch. NULL (w->broken set,
 * err filled) when the scratch buffer cannot grow. NULL v gives "". */
const char *sh_table_writer_cell(sh_table_writer *w, const char *v, sh_err *err);
/* Set err to write_failed (500, a Chinese message with the file and the reason
 * errnum gives; 0 when unknown) and mark w broken. Returns SH_ERR. */
int sh_table_write_failed(sh_table_writer *w, sh_err *err, int errnum);
/* Set err to out_of_memory and mark w broken. Returns SH_ERR. */
int sh_table_writer_nomem(sh_table_writer *w, sh_err *err);
/* Display width of UTF-8 text in spreadsheet columns: East Asian wide and
 * full-width characters count 2, others 1 (invalid bytes count 1 each). */
int sh_table_display_width(const char *s);

#endif
