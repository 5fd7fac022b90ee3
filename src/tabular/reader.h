/* reader.h — reading a tabular file row by row, whatever its form: CSV in UTF-8
 * (with or without BOM) or GBK/GB18030 (detected, converted to UTF-8), and XLSX
 * (first worksheet; shared strings, inline strings, numbers; cells placed by their
 * reference so gaps stay empty). Imports read through this interface only.
 *
 * Every problem is an sh_err with the file row (1-based; the header is row 1)
 * and, where known, the column (1-based): broken encodings, oversized cells,
 * too many columns or rows, a damaged or oversized zip (zip bombs are refused by
 * the declared and the actual uncompressed size), malformed XML. */
#ifndef SH_TABULAR_READER_H
#define SH_TABULAR_READER_H

#include "core/err.h"

#include <stddef.h>

/* SH_TABLE_CSV_GB18030: written as Excel on Chinese Windows saves CSV (GB18030,
 * no byte order mark); read like any CSV (the encoding is detected). */
typedef enum { SH_TABLE_AUTO, SH_TABLE_CSV, SH_TABLE_XLSX, SH_TABLE_CSV_GB18030 } sh_table_format;

typedef struct sh_table_limits {
    size_t max_cell_bytes;   /* longest cell in UTF-8 bytes (0 = 4096) */
    int max_columns;         /* (0 = 256) */
    long max_rows;           /* data rows and header (0 = 5,000,000) */
    size_t max_uncompressed; /* XLSX: total bytes inflated from the zip (0 = 1 GiB) */
} sh_table_limits;

typedef struct sh_table_reader sh_table_reader;

/* Open a file (fmt AUTO: a zip signature means XLSX, anything else CSV). */
int sh_table_open(const char *path, sh_table_format fmt, const sh_table_limits *lim, sh_table_reader **out,
                  sh_err *err);
/* Open bytes in memory (an upload); data must outlive the reader. */
int sh_table_open_mem(const void *data, size_t len, sh_table_format fmt, const sh_table_limits *lim,
                      sh_table_reader **out, sh_err *err);

/* The next row: SH_ROW with *cells (UTF-8, NUL-terminated, valid until the next
 * call) and *ncells; SH_DONE at the end; SH_ERR with err (row and column set).
 * Blank rows (every cell empty) are skipped. A cell is returned as written:
 * no trimming (the entity layer normalises). */
int sh_table_next(sh_table_reader *r, const char *const **cells, int *ncells, sh_err *err);
/* The file row of the row last returned (1-based). */
long sh_table_row(const sh_table_reader *r);
/* How far reading has come, in bytes: of the file (CSV) or of the worksheet as
 * its zip entry declares it inflated (XLSX). *total is 0 before a worksheet is
 * open. For progress bars: rows are not known until they are read. */
void sh_table_progress(const sh_table_reader *r, size_t *done, size_t *total);
/* "UTF-8", "GB18030" or "XLSX": what the file was read as. */
const char *sh_table_encoding(const sh_table_reader *r);
void sh_table_close(sh_table_reader *r);

/* An Excel date serial ("45170", "45170.5") as YYYY-MM-DD in out[11] (1900 date
 * system, with Excel's phantom 1900-02-29). SH_OK, or SH_ERR when v is not a
 * serial in 1..2958465. */
int sh_excel_serial_date(const char *v, char out[11]);

#endif
