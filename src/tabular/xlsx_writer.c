/* xlsx_writer.c — the XLSX form of the tabular writer, on libxlsxwriter 1.1.4.
 *
 * The workbook is always in constant-memory mode: each row goes to a temporary
 * file (in the target's directory, so it lands on the same disk as the export
 * and not in a RAM-backed /tmp) as soon as the next row starts, so a million-row
 * export takes the memory of one row. In that mode strings are stored inline in
 * the sheet (<c t="inlineStr">) rather than in xl/sharedStrings.xml.
 *
 * Every cell is written with worksheet_write_string: never as a formula or a
 * number, after the formula neutralisation of writer.c (so the apostrophe is
 * part of the stored text and the reader's sh_table_unescape_cell removes it, as
 * for CSV). Text that is not valid UTF-8, or holds U+FFFE/U+FFFF, would make the
 * XML unreadable, so each such byte is replaced by U+FFFD; control characters
 * are escaped by libxlsxwriter itself (_x0001_). Because readers (Excel, ours)
 * decode such _xHHHH_ escapes, text that itself looks like one ("_x0041_") has
 * its underscore written as _x005F_, as OOXML prescribes, so it reads back as
 * written.
 *
 * Header row: bold on a light fill, frozen, each column as wide as its name
 * (CJK and full-width characters count 2) and formatted as text ("@"), so that
 * values people type into an import template — ID numbers, 学籍号, phone
 * numbers — stay text instead of becoming 1.1E+17.
 *
 * Hints: a header hint becomes a cell comment on that header cell. This works in
 * constant-memory mode (libxlsxwriter keeps comments apart from the streamed
 * row data; its own test suite has comments in this mode), with one condition:
 * a comment must be added while its row is the current one, which holds because
 * the comments are written right after the header cells and before any data row.
 * So there is no need to leave constant-memory mode or add a second worksheet.
 *
 * A row Excel cannot hold (past 1,048,576 rows or 16,384 columns, or a cell over
 * 32,767 characters) is refused before any of it is written, and the writer stays
 * usable. libxlsxwriter allocates with its own malloc, outside sh_alloc.
 *
 * Write errors: libxlsxwriter 1.1.4 does not check its writes to the row
 * temporary file nor to the temporary copy of each XML part, so with a full disk
 * (or a file size limit) workbook_close can report success for a truncated
 * workbook. Two guards make that an error: the row temporary file's stdio error
 * flag is checked after each row and once more, flushed, before closing; and
 * after workbook_close the finished file is read back with libzip (CRC-checked):
 * every part must end as XML does, and the sheet must end with </worksheet> and
 * hold exactly the rows that were written. Reading back costs one decompression
 * of the file, small beside writing it. */
#include "tabular/writer_impl.h"

#include "core/alloc.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <xlsxwriter.h>
#include <zip.h>

#define HEADER_FILL 0xDDEBF7 /* light blue */
#define MIN_WIDTH 8
#define MAX_WIDTH 60
#define MAX_CELL_CHARS 32767
#define VERIFY_CHUNK ((size_t)64 * 1024)
#define VERIFY_KEEP 32 /* bytes kept from one chunk to the next */
#define SHEET_PART "xl/worksheets/sheet1.xml"

typedef struct xlsx_impl {
    lxw_workbook *wb;
    lxw_worksheet *ws;
    lxw_format *head; /* header cells */
    lxw_format *text; /* columns: text, so typed values stay text */
    char *tmpdir;     /* must outlive wb */
    sh_buf fixed;     /* a cell with invalid UTF-8 replaced */
    long sheet_rows;  /* rows that hold at least one cell: <row> elements in the sheet */
} xlsx_impl;

/* Length of the valid UTF-8 sequence at p that XML 1.0 allows, or 0. */
static int utf8_seq(const unsigned char *p) {
    unsigned char c = p[0];
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        return (p[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        unsigned char lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
        if (p[1] < lo || p[1] > hi || (p[2] & 0xC0) != 0x80)
            return 0;
        if (c == 0xEF && p[1] == 0xBF && (p[2] == 0xBE || p[2] == 0xBF))
            return 0; /* U+FFFE, U+FFFF */
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        unsigned char lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
        if (p[1] < lo || p[1] > hi || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80)
            return 0;
        return 4;
    }
    return 0;
}

/* Characters in s once each invalid byte counts as one (U+FFFD); *valid = 0
 * when there was one. */
static size_t utf8_chars(const char *s, int *valid) {
    const unsigned char *p = (const unsigned char *)s;
    size_t n = 0;
    *valid = 1;
    while (*p) {
        int len = utf8_seq(p);
        if (!len) {
            *valid = 0;
            len = 1;
        }
        p += len;
        n++;
    }
    return n;
}

static int is_hex(unsigned char c) {
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

/* 1 when p starts with text a reader would decode as an escape: _xHHHH_. */
static int looks_escaped(const unsigned char *p) {
    return p[0] == '_' && p[1] == 'x' && is_hex(p[2]) && is_hex(p[3]) && is_hex(p[4]) && is_hex(p[5]) &&
           p[6] == '_';
}

/* v with each invalid byte replaced by U+FFFD and the underscore of each
 * _xHHHH_ written _x005F_, in x->fixed; NULL on no memory. */
static const char *repaired(xlsx_impl *x, const char *v) {
    const unsigned char *p = (const unsigned char *)v;
    sh_buf_reset(&x->fixed);
    while (*p) {
        int len = utf8_seq(p);
        if (looks_escaped(p)) {
            sh_buf_append(&x->fixed, "_x005F_", 7);
            p++;
        } else if (len) {
            sh_buf_append(&x->fixed, p, (size_t)len);
            p += len;
        } else {
            sh_buf_append(&x->fixed, "\xEF\xBF\xBD", 3);
            p++;
        }
    }
    return sh_buf_ok(&x->fixed) == SH_OK ? x->fixed.data : NULL;
}

/* The text to hand to libxlsxwriter: v itself when nothing needs changing. */
static const char *xml_text(sh_table_writer *w, const char *v, sh_err *err) {
    int valid;
    utf8_chars(v, &valid);
    for (const char *u = strchr(v, '_'); valid && u; u = strchr(u + 1, '_'))
        valid = !looks_escaped((const unsigned char *)u);
    if (valid)
        return v;
    const char *r = repaired(w->impl, v);
    if (!r)
        sh_table_writer_nomem(w, err);
    return r;
}

static int lxw_failed(sh_table_writer *w, lxw_error e, int errnum, sh_err *err) {
    if (e == LXW_ERROR_MEMORY_MALLOC_FAILED)
        return sh_table_writer_nomem(w, err);
    return sh_table_write_failed(w, err, errnum);
}

static int with_place(sh_err *err, long row, int column) {
    if (err) {
        err->first.row = row;
        err->first.column = column;
    }
    return SH_ERR;
}

/* Refuse, before writing anything, a row Excel cannot hold. */
static int check_row(const sh_table_writer *w, const char *const *cells, int n, sh_err *err) {
    long file_row = w->rows + 1;
    if (w->rows >= LXW_ROW_MAX) {
        sh_err_set(err, 422, "too_many_rows", NULL,
                   "XLSX 文件最多 %d 行（含表头），请改用 CSV 或缩小导出范围", LXW_ROW_MAX);
        return with_place(err, file_row, 0);
    }
    if (n > LXW_COL_MAX) {
        sh_err_set(err, 422, "too_many_columns", NULL, "XLSX 文件最多 %d 列", LXW_COL_MAX);
        return with_place(err, file_row, 0);
    }
    for (int i = 0; i < n; i++) {
        if (!cells[i])
            continue;
        int valid;
        size_t chars = utf8_chars(cells[i], &valid) + (size_t)sh_table_cell_needs_escape(cells[i]);
        if (chars > MAX_CELL_CHARS) {
            sh_err_set(err, 422, "cell_too_long", NULL, "第 %ld 行第 %d 列超过 %d 个字符，XLSX 单元格放不下",
                       file_row, i + 1, MAX_CELL_CHARS);
            return with_place(err, file_row, i + 1);
        }
    }
    return SH_OK;
}

/* SH_ERR (write_failed) when a write to the row temporary file has failed.
 * errno is cleared before each cell is written, so it still tells why. */
static int check_tmpfile(sh_table_writer *w, int flush, sh_err *err) {
    xlsx_impl *x = w->impl;
    FILE *f = x->ws->optimize_tmpfile;
    if (!f)
        return SH_OK;
    if (flush)
        errno = 0;
    if ((flush && fflush(f) != 0) || ferror(f))
        return sh_table_write_failed(w, err, errno);
    return SH_OK;
}

static int write_cells(sh_table_writer *w, const char *const *cells, int n, lxw_format *fmt, sh_err *err) {
    xlsx_impl *x = w->impl;
    lxw_row_t row = (lxw_row_t)w->rows;
    int stored = 0;
    for (int i = 0; i < n; i++) {
        const char *v = sh_table_writer_cell(w, cells[i], err);
        if (v)
            v = xml_text(w, v, err);
        if (!v)
            return SH_ERR;
        if (!*v && !fmt)
            continue; /* an empty cell: nothing to store */
        errno = 0;
        lxw_error e = worksheet_write_string(x->ws, row, (lxw_col_t)i, v, fmt);
        if (e == LXW_ERROR_MAX_STRING_LENGTH_EXCEEDED) { /* only when _x005F_ made it longer */
            w->broken = 1;
            sh_err_set(err, 422, "cell_too_long", NULL, "第 %ld 行第 %d 列超过 %d 个字符，XLSX 单元格放不下",
                       w->rows + 1, i + 1, MAX_CELL_CHARS);
            return with_place(err, w->rows + 1, i + 1);
        }
        if (e != LXW_NO_ERROR)
            return lxw_failed(w, e, errno, err);
        stored = 1;
    }
    x->sheet_rows += stored;
    return check_tmpfile(w, 0, err);
}

/* A comment box big enough to read the hint without resizing it. */
static void comment_box(const char *hint, lxw_comment_options *o) {
    int lines = 1 + sh_table_display_width(hint) / 36;
    for (const char *p = hint; *p; p++)
        lines += *p == '\n';
    int height = 20 + 15 * lines;
    memset(o, 0, sizeof *o);
    o->width = 260;
    o->height = (uint16_t)(height < 74 ? 74 : height > 480 ? 480 : height);
}

static int xlsx_header(sh_table_writer *w, const char *const *names, const char *const *hints, int n,
                       sh_err *err) {
    xlsx_impl *x = w->impl;
    if (check_row(w, names, n, err) != SH_OK)
        return SH_ERR;
    for (int i = 0; i < n; i++) {
        int width = sh_table_display_width(names[i]) + 2;
        width = width < MIN_WIDTH ? MIN_WIDTH : width > MAX_WIDTH ? MAX_WIDTH : width;
        lxw_error e = worksheet_set_column(x->ws, (lxw_col_t)i, (lxw_col_t)i, width, x->text);
        if (e != LXW_NO_ERROR)
            return lxw_failed(w, e, 0, err);
    }
    if (write_cells(w, names, n, x->head, err) != SH_OK)
        return SH_ERR;
    /* Comments now, while row 0 is still the current row of constant-memory mode. */
    for (int i = 0; hints && i < n; i++) {
        if (!hints[i] || !*hints[i])
            continue;
        const char *hint = xml_text(w, hints[i], err);
        if (!hint)
            return SH_ERR;
        lxw_comment_options o;
        comment_box(hint, &o);
        lxw_error e = worksheet_write_comment_opt(x->ws, 0, (lxw_col_t)i, hint, &o);
        if (e == LXW_ERROR_MAX_STRING_LENGTH_EXCEEDED) {
            w->broken = 1;
            sh_err_set(err, 500, "hint_too_long", NULL, "第 %d 列表头的填写说明超过 %d 个字符", i + 1,
                       MAX_CELL_CHARS);
            return with_place(err, 1, i + 1);
        }
        if (e != LXW_NO_ERROR)
            return lxw_failed(w, e, 0, err);
    }
    worksheet_freeze_panes(x->ws, 1, 0);
    return SH_OK;
}

static int xlsx_row(sh_table_writer *w, const char *const *cells, int n, sh_err *err) {
    if (check_row(w, cells, n, err) != SH_OK)
        return SH_ERR;
    return write_cells(w, cells, n, NULL, err);
}

static void xlsx_release(sh_table_writer *w) {
    xlsx_impl *x = w->impl;
    sh_free(x->tmpdir);
    sh_buf_free(&x->fixed);
    sh_free(x);
    w->impl = NULL;
}

/* Occurrences of "<row " in buf[0..len) that end past the first kept bytes:
 * matches lying wholly in the bytes kept from the previous chunk were counted
 * with that chunk. */
static long count_rows(const char *buf, size_t len, size_t kept) {
    static const char pat[] = "<row ";
    const size_t m = sizeof pat - 1;
    long n = 0;
    const char *p = buf;
    const char *end = buf + len;
    while ((p = memmem(p, (size_t)(end - p), pat, m)) != NULL) {
        if ((size_t)(p - buf) + m > kept)
            n++;
        p++;
    }
    return n;
}

static int ends_with(const char *buf, size_t len, const char *suffix) {
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' '))
        len--;
    size_t m = strlen(suffix);
    return len >= m && memcmp(buf + len - m, suffix, m) == 0;
}

/* Read one part through; SH_OK when it ends as XML does (and, for the sheet,
 * with </worksheet> after exactly want_rows rows). buf holds VERIFY_CHUNK +
 * VERIFY_KEEP bytes. */
static int verify_part(zip_t *z, zip_uint64_t index, const char *name, long want_rows, char *buf) {
    zip_file_t *f = zip_fopen_index(z, index, 0);
    if (!f)
        return SH_ERR;
    int is_sheet = strcmp(name, SHEET_PART) == 0;
    size_t kept = 0;
    long rows = 0;
    zip_int64_t got;
    while ((got = zip_fread(f, buf + kept, VERIFY_CHUNK)) > 0) {
        size_t len = kept + (size_t)got;
        if (is_sheet)
            rows += count_rows(buf, len, kept);
        kept = len < VERIFY_KEEP ? len : VERIFY_KEEP;
        memmove(buf, buf + len - kept, kept);
    }
    zip_fclose(f);
    if (got < 0)
        return SH_ERR; /* damaged: bad CRC or deflate stream */
    if (!ends_with(buf, kept, is_sheet ? "</worksheet>" : ">"))
        return SH_ERR;
    return !is_sheet || rows == want_rows ? SH_OK : SH_ERR;
}

/* The finished workbook, read back. SH_OK when it is complete. */
static int verify_file(sh_table_writer *w, long want_rows, sh_err *err) {
    int zerr = 0;
    zip_t *z = zip_open(w->tmp_path, ZIP_RDONLY | ZIP_CHECKCONS, &zerr);
    if (!z)
        return sh_table_write_failed(w, err, zerr == ZIP_ER_MEMORY ? ENOMEM : 0);
    char *buf = sh_malloc(VERIFY_CHUNK + VERIFY_KEEP);
    if (!buf) {
        zip_discard(z);
        return sh_table_writer_nomem(w, err);
    }
    int rc = SH_OK, sheet_seen = 0;
    zip_int64_t n = zip_get_num_entries(z, 0);
    for (zip_int64_t i = 0; rc == SH_OK && i < n; i++) {
        const char *name = zip_get_name(z, (zip_uint64_t)i, 0);
        if (!name) {
            rc = SH_ERR;
            break;
        }
        sheet_seen |= strcmp(name, SHEET_PART) == 0;
        rc = verify_part(z, (zip_uint64_t)i, name, want_rows, buf);
    }
    sh_free(buf);
    zip_discard(z);
    if (rc == SH_OK && !sheet_seen)
        rc = SH_ERR;
    return rc == SH_OK ? SH_OK : sh_table_write_failed(w, err, 0);
}

static int xlsx_finish(sh_table_writer *w, sh_err *err) {
    xlsx_impl *x = w->impl;
    long want_rows = x->sheet_rows;
    if (check_tmpfile(w, 1, err) != SH_OK) {
        lxw_workbook_free(x->wb);
        x->wb = NULL;
        xlsx_release(w);
        return SH_ERR;
    }
    errno = 0;
    lxw_error e = workbook_close(x->wb); /* frees the workbook whatever the result */
    int errnum = errno;
    x->wb = NULL;
    xlsx_release(w);
    if (e != LXW_NO_ERROR)
        return lxw_failed(w, e, errnum, err);
    return verify_file(w, want_rows, err);
}

static void xlsx_discard(sh_table_writer *w) {
    xlsx_impl *x = w->impl;
    if (!x)
        return;
    if (x->wb)
        lxw_workbook_free(x->wb); /* closes and drops the row temporary file */
    xlsx_release(w);
}

static const sh_table_writer_ops xlsx_ops = {xlsx_header, xlsx_row, xlsx_finish, xlsx_discard};

/* Excel's rules for a sheet name: 1 to 31 characters, none of []:*?/\, not
 * starting or ending with an apostrophe. Bad characters become '_'. */
static void sheet_name(const char *in, char *out, size_t cap) {
    size_t len = 0;
    int chars = 0;
    const unsigned char *p = (const unsigned char *)(in ? in : "");
    while (*p && chars < LXW_SHEETNAME_MAX) {
        int n = utf8_seq(p);
        if (!n) {
            p++;
            continue;
        }
        if (len + (size_t)n + 1 > cap)
            break;
        if (n == 1 && (*p < 0x20 || strchr("[]:*?/\\", *p)))
            out[len] = '_';
        else
            memcpy(out + len, p, (size_t)n);
        len += (size_t)n;
        p += n;
        chars++;
    }
    out[len] = '\0';
    if (len > 0 && out[0] == '\'')
        out[0] = '_';
    if (len > 0 && out[len - 1] == '\'')
        out[len - 1] = '_';
    if (len == 0)
        snprintf(out, cap, "Sheet1");
}

static char *dir_of(const char *path) {
    const char *slash = strrchr(path, '/');
    if (!slash)
        return sh_strdup(".");
    if (slash == path)
        return sh_strdup("/");
    return sh_strndup(path, (size_t)(slash - path));
}

int sh_xlsx_writer_start(sh_table_writer *w, const char *sheet, sh_err *err) {
    xlsx_impl *x = sh_calloc(1, sizeof *x);
    if (!x)
        return sh_table_writer_nomem(w, err);
    sh_buf_init(&x->fixed, 0);
    w->impl = x;
    w->ops = &xlsx_ops;
    x->tmpdir = dir_of(w->path);
    if (!x->tmpdir) {
        xlsx_discard(w);
        return sh_table_writer_nomem(w, err);
    }
    lxw_workbook_options opt = {.constant_memory = LXW_TRUE, .tmpdir = x->tmpdir, .use_zip64 = LXW_FALSE};
    x->wb = workbook_new_opt(w->tmp_path, &opt);
    if (!x->wb) {
        xlsx_discard(w);
        return sh_table_writer_nomem(w, err);
    }
    char name[LXW_MAX_SHEETNAME_LENGTH];
    sheet_name(sheet, name, sizeof name);
    if (workbook_validate_sheet_name(x->wb, name) != LXW_NO_ERROR)
        snprintf(name, sizeof name, "Sheet1");
    errno = 0;
    x->ws = workbook_add_worksheet(x->wb, name); /* creates the row temporary file */
    if (!x->ws) {
        int e = errno;
        xlsx_discard(w);
        return e == ENOMEM ? sh_table_writer_nomem(w, err) : sh_table_write_failed(w, err, e);
    }
    x->head = workbook_add_format(x->wb);
    x->text = workbook_add_format(x->wb);
    if (!x->head || !x->text) {
        xlsx_discard(w);
        return sh_table_writer_nomem(w, err);
    }
    format_set_bold(x->head);
    format_set_pattern(x->head, LXW_PATTERN_SOLID);
    format_set_bg_color(x->head, HEADER_FILL);
    format_set_num_format(x->head, "@");
    format_set_num_format(x->text, "@");
    worksheet_set_comments_author(x->ws, "数枢");
    return SH_OK;
}
