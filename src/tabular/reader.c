/* reader.c — opening a tabular file (a path is mapped into memory, an upload is
 * read where it lies), telling CSV from XLSX, filling in the limits, handing
 * rows from the CSV or XLSX backend to the caller, and the row being built that
 * both backends share. Also Excel's date serials. See reader.h. */
#include "tabular/reader.h"

#include "core/alloc.h"
#include "tabular/reader_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_CELL_BYTES 4096
#define DEFAULT_COLUMNS 256
#define DEFAULT_ROWS 5000000L
#define DEFAULT_UNCOMPRESSED ((size_t)1 << 30)

/* ---- the row being built ---- */

void sh_row_init(sh_row *r, size_t max_text) {
    memset(r, 0, sizeof *r);
    sh_buf_init(&r->text, max_text);
}

void sh_row_free(sh_row *r) {
    sh_buf_free(&r->text);
    sh_free(r->off);
    sh_free(r->cells);
    r->off = NULL;
    r->cells = NULL;
    r->n = r->cap = 0;
}

void sh_row_clear(sh_row *r) {
    sh_buf_reset(&r->text);
    r->n = 0;
}

static int row_reserve(sh_row *r, int need) {
    if (need <= r->cap)
        return SH_OK;
    int cap = r->cap ? r->cap : 16;
    while (cap < need)
        cap = cap > INT32_MAX / 2 ? need : cap * 2;
    size_t *off = sh_realloc(r->off, (size_t)cap * sizeof *off);
    if (!off)
        return SH_ERR;
    r->off = off;
    const char **cells = sh_realloc(r->cells, (size_t)cap * sizeof *cells);
    if (!cells)
        return SH_ERR;
    r->cells = cells;
    r->cap = cap;
    return SH_OK;
}

int sh_row_put(sh_row *r, int col, const char *s, size_t len) {
    if (col <= r->n || row_reserve(r, col) != SH_OK)
        return SH_ERR;
    while (r->n < col - 1) {
        r->off[r->n++] = r->text.len;
        if (sh_buf_putc(&r->text, '\0') != SH_OK)
            return SH_ERR;
    }
    r->off[r->n++] = r->text.len;
    if (sh_buf_append(&r->text, s, len) != SH_OK || sh_buf_putc(&r->text, '\0') != SH_OK)
        return SH_ERR;
    return SH_OK;
}

int sh_row_finish(sh_row *r) {
    for (int i = 0; i < r->n; i++)
        r->cells[i] = r->text.data + r->off[i];
    return SH_OK;
}

/* ---- errors ---- */

int sh_table_fail(sh_table_reader *r, int status, const char *code, long row, long column, const char *fmt,
                  ...) {
    char msg[sizeof r->err.first.message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sh_err_clear(&r->err);
    sh_err_add_at(&r->err, status, code, row, column, NULL, "%s", msg);
    r->failed = 1;
    return SH_ERR;
}

int sh_table_oom(sh_table_reader *r, long row) {
    return sh_table_fail(r, 500, "out_of_memory", row, 0, "读取表格时内存不足");
}

/* Copy the reader's error to the caller's. */
static int report(const sh_err *mine, sh_err *err) {
    const sh_err_item *it = &mine->first;
    return sh_err_add_at(err, mine->status, it->code, it->row, it->column, it->value[0] ? it->value : NULL,
                         "%s", it->message);
}

/* ---- open, next, close ---- */

static void fill_limits(sh_table_limits *dst, const sh_table_limits *lim) {
    memset(dst, 0, sizeof *dst);
    if (lim)
        *dst = *lim;
    if (dst->max_cell_bytes == 0)
        dst->max_cell_bytes = DEFAULT_CELL_BYTES;
    if (dst->max_columns <= 0)
        dst->max_columns = DEFAULT_COLUMNS;
    if (dst->max_rows <= 0)
        dst->max_rows = DEFAULT_ROWS;
    if (dst->max_uncompressed == 0)
        dst->max_uncompressed = DEFAULT_UNCOMPRESSED;
    /* keep the arithmetic on these far from overflow */
    if (dst->max_cell_bytes > SIZE_MAX / 8)
        dst->max_cell_bytes = SIZE_MAX / 8;
    if (dst->max_uncompressed > SIZE_MAX / 4)
        dst->max_uncompressed = SIZE_MAX / 4;
}

/* The most text a row may hold: every column at its longest, plus terminators. */
static size_t row_text_max(const sh_table_limits *l) {
    size_t per = l->max_cell_bytes + 1, cols = (size_t)l->max_columns;
    if (per > (SIZE_MAX / 4) / cols)
        return SIZE_MAX / 4;
    return per * cols + 1;
}

static int is_zip(const unsigned char *d, size_t n) {
    return n >= 4 && d[0] == 'P' && d[1] == 'K' && ((d[2] == 3 && d[3] == 4) || (d[2] == 5 && d[3] == 6));
}

static int is_ole2(const unsigned char *d, size_t n) {
    static const unsigned char sig[8] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};
    return n >= 8 && memcmp(d, sig, 8) == 0;
}

/* Finish opening r over r->data; on failure r is closed and the error reported. */
static int open_reader(sh_table_reader *r, sh_table_format fmt, sh_table_reader **out, sh_err *err) {
    int rc;
    if (fmt == SH_TABLE_AUTO) {
        if (is_ole2(r->data, r->len)) {
            sh_table_fail(r, 400, "unsupported_format", 0, 0,
                          "不支持旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 或 CSV 后再导入");
            rc = SH_ERR;
            goto done;
        }
        fmt = is_zip(r->data, r->len) ? SH_TABLE_XLSX : SH_TABLE_CSV;
    }
    rc = fmt == SH_TABLE_XLSX ? sh_xlsx_open(r) : sh_csv_open(r); /* CSV in either encoding */
done:
    if (rc != SH_OK) {
        report(&r->err, err);
        sh_table_close(r);
        return SH_ERR;
    }
    *out = r;
    return SH_OK;
}

static sh_table_reader *new_reader(const sh_table_limits *lim) {
    sh_table_reader *r = sh_calloc(1, sizeof *r);
    if (!r)
        return NULL;
    fill_limits(&r->lim, lim);
    sh_row_init(&r->out, row_text_max(&r->lim));
    sh_err_init(&r->err);
    return r;
}

int sh_table_open_mem(const void *data, size_t len, sh_table_format fmt, const sh_table_limits *lim,
                      sh_table_reader **out, sh_err *err) {
    if (!out || (!data && len))
        return sh_err_set(err, 500, "internal", NULL, "读取表格的参数不正确");
    *out = NULL;
    sh_table_reader *r = new_reader(lim);
    if (!r)
        return sh_err_add_at(err, 500, "out_of_memory", 0, 0, NULL, "读取表格时内存不足");
    r->data = data;
    r->len = len;
    return open_reader(r, fmt, out, err);
}

int sh_table_open(const char *path, sh_table_format fmt, const sh_table_limits *lim, sh_table_reader **out,
                  sh_err *err) {
    if (!out || !path)
        return sh_err_set(err, 500, "internal", NULL, "读取表格的参数不正确");
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return sh_err_add_at(err, 400, "file_unreadable", 0, 0, path, "无法打开文件：%s", strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uintmax_t)st.st_size > SIZE_MAX / 2) {
        close(fd);
        return sh_err_add_at(err, 400, "file_unreadable", 0, 0, path, "不是可以读取的普通文件");
    }
    void *map = NULL;
    if (st.st_size > 0) {
        map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map == MAP_FAILED) {
            int e = errno;
            close(fd);
            return sh_err_add_at(err, 400, "file_unreadable", 0, 0, path, "无法读取文件：%s", strerror(e));
        }
    }
    close(fd);
    sh_table_reader *r = new_reader(lim);
    if (!r) {
        if (map)
            munmap(map, (size_t)st.st_size);
        return sh_err_add_at(err, 500, "out_of_memory", 0, 0, NULL, "读取表格时内存不足");
    }
    r->map = map;
    r->data = map;
    r->len = (size_t)st.st_size;
    return open_reader(r, fmt, out, err);
}

int sh_table_next(sh_table_reader *r, const char *const **cells, int *ncells, sh_err *err) {
    if (!r || !cells || !ncells)
        return sh_err_set(err, 500, "internal", NULL, "读取表格的参数不正确");
    *cells = NULL;
    *ncells = 0;
    if (r->failed)
        return report(&r->err, err);
    sh_row_clear(&r->out);
    int rc = r->xlsx ? sh_xlsx_next(r) : sh_csv_next(r);
    if (rc == SH_ERR) {
        if (!r->failed) /* a backend must always say why; never leave the caller guessing */
            sh_table_fail(r, 500, "internal", r->row + 1, 0, "读取第 %ld 行时出错", r->row + 1);
        return report(&r->err, err);
    }
    if (rc == SH_ROW) {
        if (sh_row_finish(&r->out) != SH_OK) {
            sh_table_oom(r, r->row);
            return report(&r->err, err);
        }
        *cells = r->out.cells;
        *ncells = r->out.n;
    }
    return rc;
}

long sh_table_row(const sh_table_reader *r) { return r ? r->row : 0; }

void sh_table_progress(const sh_table_reader *r, size_t *done, size_t *total) {
    *done = *total = 0;
    if (r && r->csv)
        sh_csv_progress(r, done, total);
    else if (r && r->xlsx)
        sh_xlsx_progress(r, done, total);
}

const char *sh_table_encoding(const sh_table_reader *r) { return r && r->encoding ? r->encoding : ""; }

void sh_table_close(sh_table_reader *r) {
    if (!r)
        return;
    sh_csv_close(r);
    sh_xlsx_close(r);
    sh_row_free(&r->out);
    sh_err_clear(&r->err);
    if (r->map)
        munmap(r->map, r->len);
    sh_free(r);
}

/* ---- Excel date serials ---- */

/* Days since 1970-01-01 to a civil date (proleptic Gregorian), by 400-year eras. */
static void civil_from_days(long long z, int *y, int *m, int *d) {
    z += 719468; /* shift the epoch to 0000-03-01 */
    long long era = (z >= 0 ? z : z - 146096) / 146097;
    long long doe = z - era * 146097;                                      /* day of era, 0..146096 */
    long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* year of era, 0..399 */
    long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* day of year from March 1 */
    long long mp = (5 * doy + 2) / 153;                                    /* month from March, 0..11 */
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

/* Serial 60 is Excel's phantom 1900-02-29, a day that never was: it is refused
 * rather than mapped to a neighbour, so a wrong date never slips in quietly. */
int sh_excel_serial_date(const char *v, char out[11]) {
    if (!v || !out)
        return SH_ERR;
    long long serial = 0;
    const char *p = v;
    if (*p < '0' || *p > '9')
        return SH_ERR;
    while (*p >= '0' && *p <= '9') {
        serial = serial * 10 + (*p - '0');
        if (serial > 2958465)
            return SH_ERR;
        p++;
    }
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return SH_ERR;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p || serial < 1 || serial == 60)
        return SH_ERR;
    /* 1..59 count from 1899-12-31; from 61 on, Excel's extra day shifts the base to 1899-12-30 */
    long long days = serial < 60 ? serial - 25568 : serial - 25569;
    int y, m, d;
    civil_from_days(days, &y, &m, &d);
    if (y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31)
        return SH_ERR;
    char buf[32]; /* wide enough for any int, so the compiler sees no truncation */
    snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
    memcpy(out, buf, 11);
    return SH_OK;
}
