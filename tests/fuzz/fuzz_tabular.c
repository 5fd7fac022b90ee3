/* fuzz_tabular.c — libFuzzer driver for the tabular reader: the bytes are opened
 * as an upload (format AUTO, so CSV in UTF-8 or GB18030 and XLSX are all
 * reached) and every row is read, once with the default limits (uncompressed
 * size capped at 16 MiB) and once with tight ones. Checks: a failure always says
 * why and where it can; rows come in increasing order; every cell is valid
 * UTF-8 within the limits.
 *
 * Seeds in tests/fuzz/corpus/tabular/: small CSV files written by hand (UTF-8,
 * BOM, CRLF, quoting, GB18030 via `iconv -f UTF-8 -t GB18030`, mixed encodings)
 * and small XLSX files made with python3's zipfile module (xl/workbook.xml, its
 * .rels, sharedStrings.xml with rich text and a worksheet with shared, inline,
 * str, b, e and number cells, gaps and blank rows; one without a workbook, one
 * with a DTD). */
#include "core/alloc.h"
#include "tabular/reader.h"
#include "tabular/reader_impl.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static void read_all(const uint8_t *data, size_t size, const sh_table_limits *lim) {
    sh_err e;
    sh_err_init(&e);
    sh_table_reader *r = NULL;
    if (sh_table_open_mem(data, size, SH_TABLE_AUTO, lim, &r, &e) != SH_OK) {
        if (sh_err_count(&e) == 0 || !e.first.code[0] || !e.first.message[0] || r)
            __builtin_trap(); /* a failure must always say why */
        sh_err_clear(&e);
        return;
    }
    size_t max_cell = lim && lim->max_cell_bytes ? lim->max_cell_bytes : 4096;
    int max_cols = lim && lim->max_columns ? lim->max_columns : 256;
    const char *const *cells;
    int n, rc;
    long last = 0;
    while ((rc = sh_table_next(r, &cells, &n, &e)) == SH_ROW) {
        long row = sh_table_row(r);
        if (row <= last || n <= 0 || n > max_cols)
            __builtin_trap();
        last = row;
        for (int i = 0; i < n; i++) {
            size_t len = strlen(cells[i]);
            if (len > max_cell ||
                sh_utf8_valid_prefix((const unsigned char *)cells[i], len, NULL, NULL) != len)
                __builtin_trap();
        }
        if (n > 0 && cells[n - 1][0] == '\0')
            __builtin_trap(); /* trailing empty cells are never returned */
    }
    if (rc == SH_ERR && (sh_err_count(&e) == 0 || !e.first.code[0] || !e.first.message[0]))
        __builtin_trap();
    sh_table_close(r);
    sh_err_clear(&e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    sh_table_limits defaults = {.max_uncompressed = (size_t)16 << 20};
    read_all(data, size, &defaults);
    sh_table_limits tight = {
        .max_cell_bytes = 16, .max_columns = 4, .max_rows = 8, .max_uncompressed = 65536};
    read_all(data, size, &tight);
    return 0;
}
