/* writer.c — the tabular writer's front: opening (into a temporary file next to
 * the target, renamed over it only when everything was written), the order of
 * calls, dispatch to the CSV or XLSX form, and the formula neutralisation both
 * forms share (sh_table_escape_cell / sh_table_unescape_cell). See writer.h.
 *
 * Files are created with mode 0600 (mkstemp): exports carry personal data of
 * minors, and the server or the operator that asked for them is their owner.
 *
 * Neutralisation: a cell that starts with = + - @ TAB or CR and is not a plain
 * decimal number (optional sign, digits, optional fraction: "-3", "+1.5"; not
 * "-1e5", "+86 138") gets a leading apostrophe. sh_table_unescape_cell removes
 * exactly one apostrophe, and only when one of those six characters follows it,
 * so "'abc" and "''=x" come back unchanged. The one value a round trip cannot
 * keep is a real apostrophe before one of the six ("'=x", not a formula, so
 * written as it is): on import it reads as "=x", the same as our own "'=x". No
 * escape could avoid that without changing the unescape rule. */
#include "tabular/writer_impl.h"

#include "core/alloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define TMP_SUFFIX ".tmp-XXXXXX"

/* ---- neutralisation ---- */

static int is_trigger(char c) {
    return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

/* Optional sign, digits, optional '.' and digits; at least one digit. */
static int is_plain_number(const char *v) {
    const char *p = v;
    int digits = 0;
    if (*p == '+' || *p == '-')
        p++;
    while (is_digit(*p)) {
        p++;
        digits++;
    }
    if (*p == '.') {
        p++;
        while (is_digit(*p)) {
            p++;
            digits++;
        }
    }
    return digits > 0 && *p == '\0';
}

int sh_table_cell_needs_escape(const char *v) {
    if (!v || !is_trigger(v[0]))
        return 0;
    if (v[0] == '+' || v[0] == '-')
        return !is_plain_number(v);
    return 1;
}

/* Returns NULL when buf is too small (size < strlen(v) + 2). */
const char *sh_table_escape_cell(const char *v, char *buf, size_t size) {
    if (!sh_table_cell_needs_escape(v))
        return v;
    size_t n = strlen(v);
    if (!buf || size < n + 2)
        return NULL;
    buf[0] = '\'';
    memcpy(buf + 1, v, n + 1);
    return buf;
}

const char *sh_table_unescape_cell(const char *v) {
    if (v && v[0] == '\'' && is_trigger(v[1]))
        return v + 1;
    return v;
}

/* ---- display width ---- */

static int is_wide(unsigned long c) {
    return (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0x303E) || (c >= 0x3041 && c <= 0x33FF) ||
           (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xA000 && c <= 0xA4CF) ||
           (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFE30 && c <= 0xFE4F) ||
           (c >= 0xFF00 && c <= 0xFF60) || (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x1F300 && c <= 0x1F64F) ||
           (c >= 0x1F900 && c <= 0x1F9FF) || (c >= 0x20000 && c <= 0x3FFFD);
}

int sh_table_display_width(const char *s) {
    int width = 0;
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    while (*p) {
        unsigned long c = *p;
        int len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
        int ok = len > 0;
        if (len > 1) {
            c &= 0x7F >> len;
            for (int i = 1; i < len && ok; i++) {
                if ((p[i] & 0xC0) != 0x80)
                    ok = 0;
                else
                    c = (c << 6) | (p[i] & 0x3F);
            }
        }
        if (!ok) { /* an invalid byte counts as one narrow character */
            width++;
            p++;
            continue;
        }
        width += is_wide(c) ? 2 : 1;
        p += len;
    }
    return width;
}

/* ---- shared helpers for the forms ---- */

const char *sh_table_writer_cell(sh_table_writer *w, const char *v, sh_err *err) {
    if (!v)
        return "";
    if (!sh_table_cell_needs_escape(v))
        return v;
    sh_buf_reset(&w->scratch);
    sh_buf_putc(&w->scratch, '\'');
    sh_buf_puts(&w->scratch, v);
    if (sh_buf_ok(&w->scratch) != SH_OK) {
        sh_table_writer_nomem(w, err);
        return NULL;
    }
    return w->scratch.data;
}

static const char *reason(int errnum) {
    switch (errnum) {
    case ENOENT: return "目录不存在";
    case ENOTDIR: return "路径中有一段不是目录";
    case EACCES:
    case EPERM: return "没有写入权限";
    case ENOSPC: return "磁盘空间不足";
    case EDQUOT: return "超出磁盘配额";
    case EFBIG: return "文件超过允许的大小";
    case EROFS: return "文件系统只读";
    case EISDIR: return "目标是一个目录";
    case ENAMETOOLONG: return "路径过长";
    case EIO: return "磁盘读写错误";
    case ENOMEM: return "内存不足";
    default: return "写入未完成";
    }
}

/* The path shortened to fit a message, cut on a UTF-8 character boundary. */
static void short_path(const char *path, char *out, size_t cap) {
    size_t n = strlen(path);
    if (n < cap) {
        memcpy(out, path, n + 1);
        return;
    }
    const char *tail = path + n - (cap - 4); /* "..." + the end of the path */
    while (((unsigned char)*tail & 0xC0) == 0x80)
        tail++;
    snprintf(out, cap, "...%s", tail);
}

int sh_table_write_failed(sh_table_writer *w, sh_err *err, int errnum) {
    char shown[120];
    if (w)
        w->broken = 1;
    short_path(w && w->path ? w->path : "", shown, sizeof shown);
    return sh_err_set(err, 500, "write_failed", NULL, "无法写入文件“%s”：%s", shown, reason(errnum));
}

int sh_table_writer_nomem(sh_table_writer *w, sh_err *err) {
    if (w)
        w->broken = 1;
    return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足，无法写入表格文件");
}

/* ---- the writer ---- */

static void writer_free(sh_table_writer *w) {
    sh_buf_free(&w->scratch);
    sh_free(w->path);
    sh_free(w->tmp_path);
    sh_free(w);
}

static int ends_with_ci(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

int sh_table_writer_open(const char *path, sh_table_format fmt, const char *sheet, sh_table_writer **out,
                         sh_err *err) {
    if (!out || !path || !*path)
        return sh_err_set(err, 500, "invalid_argument", NULL, "未指定要写入的文件");
    *out = NULL;
    if (fmt == SH_TABLE_AUTO)
        fmt = ends_with_ci(path, ".xlsx") ? SH_TABLE_XLSX : SH_TABLE_CSV;
    if (fmt != SH_TABLE_CSV && fmt != SH_TABLE_XLSX && fmt != SH_TABLE_CSV_GB18030)
        return sh_err_set(err, 500, "invalid_argument", NULL, "不支持的表格文件格式");

    sh_table_writer *w = sh_calloc(1, sizeof *w);
    if (!w)
        return sh_table_writer_nomem(NULL, err);
    sh_buf_init(&w->scratch, 0);
    size_t n = strlen(path);
    w->path = sh_strdup(path);
    w->tmp_path = sh_malloc(n + sizeof TMP_SUFFIX);
    if (!w->path || !w->tmp_path) {
        writer_free(w);
        return sh_table_writer_nomem(NULL, err);
    }
    memcpy(w->tmp_path, path, n);
    memcpy(w->tmp_path + n, TMP_SUFFIX, sizeof TMP_SUFFIX);

    int fd = mkstemp(w->tmp_path);
    if (fd < 0) {
        int e = errno;
        sh_table_write_failed(w, err, e);
        writer_free(w);
        return SH_ERR;
    }
    int rc;
    if (fmt != SH_TABLE_XLSX) {
        rc = sh_csv_writer_start(w, fd, fmt == SH_TABLE_CSV_GB18030, err);
    } else {
        close(fd); /* libxlsxwriter opens the file by name when the workbook closes */
        rc = sh_xlsx_writer_start(w, sheet, err);
    }
    if (rc != SH_OK) {
        unlink(w->tmp_path);
        writer_free(w);
        return SH_ERR;
    }
    *out = w;
    return SH_OK;
}

static int refuse_broken(sh_err *err) {
    return sh_err_set(err, 500, "write_failed", NULL, "表格文件此前已写入失败，无法继续写入");
}

int sh_table_write_header(sh_table_writer *w, const char *const *names, const char *const *hints, int n,
                          sh_err *err) {
    if (!w || n < 0 || (n > 0 && !names))
        return sh_err_set(err, 500, "invalid_argument", NULL, "表头参数无效");
    if (w->broken)
        return refuse_broken(err);
    if (w->rows > 0)
        return sh_err_set(err, 500, "invalid_argument", NULL, "表头必须在数据行之前写入，且只能写一次");
    if (w->ops->header(w, names, hints, n, err) != SH_OK)
        return SH_ERR;
    w->rows++;
    return SH_OK;
}

int sh_table_write_row(sh_table_writer *w, const char *const *cells, int n, sh_err *err) {
    if (!w || n < 0 || (n > 0 && !cells))
        return sh_err_set(err, 500, "invalid_argument", NULL, "数据行参数无效");
    if (w->broken)
        return refuse_broken(err);
    if (w->ops->row(w, cells, n, err) != SH_OK)
        return SH_ERR;
    w->rows++;
    return SH_OK;
}

int sh_table_writer_close(sh_table_writer *w, sh_err *err) {
    if (!w)
        return sh_err_set(err, 500, "invalid_argument", NULL, "未打开表格文件");
    int rc;
    if (w->broken) {
        w->ops->discard(w);
        rc = refuse_broken(err);
    } else {
        rc = w->ops->finish(w, err);
        if (rc == SH_OK && rename(w->tmp_path, w->path) != 0)
            rc = sh_table_write_failed(w, err, errno);
    }
    if (rc != SH_OK)
        unlink(w->tmp_path);
    writer_free(w);
    return rc;
}

void sh_table_writer_abort(sh_table_writer *w) {
    if (!w)
        return;
    w->ops->discard(w);
    unlink(w->tmp_path);
    writer_free(w);
}

const char *sh_table_content_type(sh_table_format fmt) {
    return fmt == SH_TABLE_XLSX ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                                : "text/csv; charset=utf-8";
}
