/* report.c — an import's errors as a table people can sort and fix from: one row
 * per error with file row, column, field, value and the Chinese explanation. */
#include "import/import.h"

#include "tabular/writer.h"

#include <stdio.h>

int sh_import_write_report(const sh_import_result *res, const char *path, sh_table_format fmt, sh_err *err) {
    sh_table_writer *w;
    if (sh_table_writer_open(path, fmt, "错误", &w, err) != SH_OK)
        return SH_ERR;
    static const char *const head[] = {"行", "列", "字段", "值", "错误代码", "说明"};
    int rc = sh_table_write_header(w, head, NULL, 6, err);
    size_t n = sh_err_count(&res->err);
    for (size_t i = 0; rc == SH_OK && i < n; i++) {
        const sh_err_item *it = res->err.nmore ? &res->err.more[i] : &res->err.first;
        char row[24] = "", col[24] = "";
        if (it->row)
            snprintf(row, sizeof row, "%ld", it->row);
        if (it->column)
            snprintf(col, sizeof col, "%ld", it->column);
        const char *cells[] = {row, col, it->field, it->value, it->code, it->message};
        rc = sh_table_write_row(w, cells, 6, err);
    }
    if (rc != SH_OK) {
        sh_table_writer_abort(w);
        return SH_ERR;
    }
    return sh_table_writer_close(w, err);
}
