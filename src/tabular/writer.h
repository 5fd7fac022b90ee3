/* writer.h — writing a tabular file: CSV (UTF-8 with BOM so Excel shows Chinese,
 * CRLF, RFC 4180 quoting) or XLSX (libxlsxwriter, constant-memory mode, one
 * worksheet, every cell a string so nothing is ever a formula). Exports and
 * import templates write through this interface only.
 *
 * Spreadsheet formula injection is neutralised in both forms: a cell that starts
 * with = + - @ or a tab or carriage return, and is not a plain number, is written
 * with a leading apostrophe ('), which spreadsheet programs show as text and
 * sh_table_unescape_cell removes on import. */
#ifndef SH_TABULAR_WRITER_H
#define SH_TABULAR_WRITER_H

#include "core/err.h"
#include "tabular/reader.h"

typedef struct sh_table_writer sh_table_writer;

/* Create path (replacing it) as fmt (CSV or XLSX). sheet: the worksheet's name
 * (XLSX; ignored for CSV). */
int sh_table_writer_open(const char *path, sh_table_format fmt, const char *sheet, sh_table_writer **out,
                         sh_err *err);
/* The header row: bold, frozen, columns sized to the names (XLSX). hints[i]
 * (may be NULL, or any entry NULL) becomes a cell comment on the header, e.g.
 * the codes a column accepts (XLSX; ignored for CSV). */
int sh_table_write_header(sh_table_writer *w, const char *const *names, const char *const *hints, int n,
                          sh_err *err);
/* One data row; a NULL cell is empty. */
int sh_table_write_row(sh_table_writer *w, const char *const *cells, int n, sh_err *err);
/* Finish and close the file. SH_ERR when it could not be written completely
 * (the file is then removed). Frees w in every case. */
int sh_table_writer_close(sh_table_writer *w, sh_err *err);
/* Drop an unfinished file: close, remove, free. */
void sh_table_writer_abort(sh_table_writer *w);

/* The media type of a file of fmt (CSV: text/csv in UTF-8; XLSX: SpreadsheetML). */
const char *sh_table_content_type(sh_table_format fmt);

/* The cell as to write it (neutralised as above), in the pool-free form: returns
 * v itself when nothing changes, else a string in buf (size ≥ strlen(v) + 2). */
const char *sh_table_escape_cell(const char *v, char *buf, size_t size);
/* Undo sh_table_escape_cell: "'=x" → "=x". Returns a pointer into v. */
const char *sh_table_unescape_cell(const char *v);

#endif
