/* xlsx_reader.c — the XLSX backend of the tabular reader: libzip opens the
 * package, libxml2's streaming xmlReader reads xl/workbook.xml and its
 * relationships (to find the first worksheet; xl/worksheets/sheet1.xml when they
 * do not say), the shared strings (rich-text runs joined, phonetic runs left
 * out, _xHHHH_ escapes decoded) and then the worksheet one row per call.
 *
 * Cells are placed by their reference (r="B3"), so missing cells stay empty.
 * Values: shared and inline strings as text, t="str" formula results, t="b" as
 * TRUE / FALSE, numbers as written (only float noise beyond 15 significant digits
 * is rounded the way Excel shows it). Date styles are not read: a date is its
 * serial number, see sh_excel_serial_date.
 *
 * Hostile packages: every entry read is checked before inflating (declared size
 * against what is left of max_uncompressed, and a compression ratio above 200:1
 * for entries over 1 MiB), and the bytes actually inflated are counted against
 * both the declared size and the limit. XML is parsed without network access,
 * without entity substitution or DTD loading, and any <!DOCTYPE or <!ENTITY is
 * refused before libxml2 sees it. Memory for shared strings is bounded by
 * max_uncompressed; the worksheet is streamed. */
#include "core/alloc.h"
#include "tabular/reader_impl.h"

#include <libxml/xmlreader.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#define MAX_RATIO 200
#define RATIO_FLOOR ((zip_uint64_t)1 << 20)
#define XLSX_MAX_ROW 1048576L
#define XLSX_MAX_COL 16384
#define PATH_CAP 512
#define ABSENT 1 /* entry_open: no such entry */

/* One zip entry streamed into an xmlReader. */
typedef struct xml_in {
    sh_xlsx *x;
    zip_file_t *zf;
    xmlTextReaderPtr xr;
    const char *name;
    zip_uint64_t declared, got;
    int too_large, lied, io_error, dtd;
    int lt; /* DTD sniffing: 1 after '<', 2 after "<!" */
} xml_in;

typedef struct sst_ent {
    size_t off, len; /* len SIZE_MAX: longer than max_cell_bytes */
} sst_ent;

enum cell_type { CT_NUM, CT_SST, CT_INLINE, CT_STR, CT_BOOL, CT_OTHER };

struct sh_xlsx {
    zip_t *zip;
    size_t inflated, budget;
    sh_buf sst_text, sst_idx;
    size_t nsst;
    sh_buf cell; /* text of the cell (or shared string) being read */
    xml_in sheet;
    char sheet_path[PATH_CAP];
    /* where the worksheet reader is */
    int in_data, done, in_row, in_c, in_v, in_is, in_t, rph;
    long cur_row, last_row;
    int next_col, col;
    enum cell_type ctype;
};

static int streq(const xmlChar *a, const char *b) { return a && strcmp((const char *)a, b) == 0; }

/* ---- zip entries ---- */

static int io_read(void *ctx, char *buf, int len) {
    xml_in *in = ctx;
    sh_xlsx *x = in->x;
    if (len <= 0)
        return 0;
    zip_int64_t n = zip_fread(in->zf, buf, (zip_uint64_t)len);
    if (n < 0) {
        in->io_error = 1;
        return -1;
    }
    if ((zip_uint64_t)n > in->declared - in->got) {
        in->lied = 1;
        return -1;
    }
    if ((zip_uint64_t)n > x->budget - x->inflated) {
        in->too_large = 1;
        return -1;
    }
    in->got += (zip_uint64_t)n;
    x->inflated += (size_t)n;
    for (zip_int64_t i = 0; i < n; i++) {
        char c = buf[i];
        if (in->lt == 2 && c != '[' && c != '-') {
            in->dtd = 1;
            return -1;
        }
        in->lt = c == '<' ? 1 : (in->lt == 1 && c == '!') ? 2 : 0;
    }
    return (int)n;
}

static void quiet(void *arg, const char *msg, xmlParserSeverities severity, xmlTextReaderLocatorPtr locator) {
    (void)arg;
    (void)msg;
    (void)severity;
    (void)locator;
}

static void entry_close(xml_in *in) {
    if (in->xr)
        xmlFreeTextReader(in->xr);
    if (in->zf)
        zip_fclose(in->zf);
    sh_xlsx *x = in->x;
    memset(in, 0, sizeof *in);
    in->x = x;
}

static int too_large(sh_table_reader *r, long row) {
    return sh_table_fail(r, 413, "xlsx_too_large", row, 0, "XLSX 文件解压后超过上限（%zu 字节），已拒绝",
                         r->lim.max_uncompressed);
}

/* The error for a failed entry, from what io_read saw. */
static int entry_error(sh_table_reader *r, const xml_in *in, long row) {
    if (in->too_large)
        return too_large(r, row);
    if (in->lied)
        return sh_table_fail(r, 413, "xlsx_too_large", row, 0,
                             "XLSX 文件中 %s 解压后的实际大小超过它声明的大小，已拒绝", in->name);
    if (in->dtd)
        return sh_table_fail(r, 400, "invalid_xlsx", row, 0, "XLSX 文件中 %s 含有 DTD 或实体声明，已拒绝",
                             in->name);
    if (in->io_error)
        return sh_table_fail(r, 400, "invalid_xlsx", row, 0, "XLSX 文件已损坏：无法解压 %s", in->name);
    if (row > 0)
        return sh_table_fail(r, 400, "invalid_xlsx", row, 0,
                             "XLSX 文件已损坏：%s 在第 %ld 行附近不是有效的 XML", in->name, row);
    return sh_table_fail(r, 400, "invalid_xlsx", 0, 0, "XLSX 文件已损坏：%s 不是有效的 XML", in->name);
}

/* Open entry name for streaming. SH_OK, ABSENT when there is no such entry,
 * SH_ERR when it may not or cannot be read. */
static int entry_open(sh_table_reader *r, const char *name, xml_in *in) {
    sh_xlsx *x = r->xlsx;
    entry_close(in);
    in->name = name;
    zip_int64_t idx = zip_name_locate(x->zip, name, ZIP_FL_NOCASE);
    if (idx < 0)
        return ABSENT;
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(x->zip, (zip_uint64_t)idx, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE) ||
        !(st.valid & ZIP_STAT_COMP_SIZE))
        return sh_table_fail(r, 400, "invalid_xlsx", 0, 0, "XLSX 文件已损坏：无法读取 %s 的信息", name);
    if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE)
        return sh_table_fail(r, 400, "invalid_xlsx", 0, 0, "XLSX 文件已加密，请先在 Excel 中取消密码");
    if (st.size > x->budget - x->inflated)
        return too_large(r, 0);
    if (st.size > RATIO_FLOOR && (st.comp_size == 0 || st.size / st.comp_size > MAX_RATIO))
        return sh_table_fail(r, 413, "xlsx_too_large", 0, 0,
                             "XLSX 文件中 %s 的压缩比异常（超过 %d:1），已拒绝", name, MAX_RATIO);
    in->declared = st.size;
    in->zf = zip_fopen_index(x->zip, (zip_uint64_t)idx, 0);
    if (!in->zf)
        return sh_table_fail(r, 400, "invalid_xlsx", 0, 0, "XLSX 文件已损坏：无法解压 %s", name);
    in->xr = xmlReaderForIO(io_read, NULL, in, name, NULL,
                            XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!in->xr) /* it reads the first bytes already */
        return in->too_large || in->lied || in->dtd || in->io_error ? entry_error(r, in, 0)
                                                                    : sh_table_oom(r, 0);
    xmlTextReaderSetErrorHandler(in->xr, quiet, NULL);
    return SH_OK;
}

/* Copy attribute name of the current element into out. 1 found, 0 absent, -1
 * too long. */
static int get_attr(xmlTextReaderPtr xr, const char *name, char *out, size_t cap) {
    out[0] = '\0';
    if (xmlTextReaderMoveToAttribute(xr, (const xmlChar *)name) != 1)
        return 0;
    const xmlChar *v = xmlTextReaderConstValue(xr);
    size_t n = v ? strlen((const char *)v) : 0;
    int rc = n < cap ? 1 : -1;
    if (rc == 1 && n)
        memcpy(out, v, n + 1);
    xmlTextReaderMoveToElement(xr);
    return rc;
}

/* ---- text helpers ---- */

static int hexval(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Decode Excel's _xHHHH_ escapes (characters XML cannot carry) in place; returns
 * the new length. _x0000_ and surrogates stay as written. */
static size_t unescape_x(char *s, size_t n) {
    size_t i = 0, o = 0;
    while (i < n) {
        if (s[i] == '_' && n - i >= 7 && s[i + 1] == 'x' && s[i + 6] == '_') {
            int h0 = hexval(s[i + 2]), h1 = hexval(s[i + 3]), h2 = hexval(s[i + 4]), h3 = hexval(s[i + 5]);
            if (h0 >= 0 && h1 >= 0 && h2 >= 0 && h3 >= 0) {
                unsigned cp = (unsigned)(h0 << 12 | h1 << 8 | h2 << 4 | h3);
                if (cp != 0 && (cp < 0xD800 || cp > 0xDFFF)) {
                    if (cp < 0x80)
                        s[o++] = (char)cp;
                    else if (cp < 0x800) {
                        s[o++] = (char)(0xC0 | cp >> 6);
                        s[o++] = (char)(0x80 | (cp & 0x3F));
                    } else {
                        s[o++] = (char)(0xE0 | cp >> 12);
                        s[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
                        s[o++] = (char)(0x80 | (cp & 0x3F));
                    }
                    i += 7;
                    continue;
                }
            }
        }
        s[o++] = s[i++];
    }
    return o;
}

/* Append the text of the current node to b when it is character data. */
static void append_text(xmlTextReaderPtr xr, sh_buf *b) {
    int t = xmlTextReaderNodeType(xr);
    if (t != XML_READER_TYPE_TEXT && t != XML_READER_TYPE_CDATA && t != XML_READER_TYPE_WHITESPACE &&
        t != XML_READER_TYPE_SIGNIFICANT_WHITESPACE)
        return;
    const xmlChar *v = xmlTextReaderConstValue(xr);
    if (v)
        sh_buf_puts(b, (const char *)v);
}

/* ---- workbook and relationships ---- */

/* The r:id of the first <sheet> in xl/workbook.xml, or "" when there is none. */
static int read_workbook(sh_table_reader *r, char *rid, size_t cap) {
    xml_in in = {.x = r->xlsx};
    rid[0] = '\0';
    int rc = entry_open(r, "xl/workbook.xml", &in);
    if (rc != SH_OK) {
        entry_close(&in);
        return rc == ABSENT ? SH_OK : SH_ERR;
    }
    while ((rc = xmlTextReaderRead(in.xr)) == 1) {
        if (xmlTextReaderNodeType(in.xr) != XML_READER_TYPE_ELEMENT ||
            !streq(xmlTextReaderConstLocalName(in.xr), "sheet"))
            continue;
        for (int a = xmlTextReaderMoveToFirstAttribute(in.xr); a == 1;
             a = xmlTextReaderMoveToNextAttribute(in.xr)) {
            const xmlChar *v = xmlTextReaderConstValue(in.xr);
            if (streq(xmlTextReaderConstLocalName(in.xr), "id") && xmlTextReaderConstNamespaceUri(in.xr) &&
                v && strlen((const char *)v) < cap) {
                strcpy(rid, (const char *)v);
                break;
            }
        }
        break;
    }
    if (rc < 0) {
        entry_error(r, &in, 0);
        entry_close(&in);
        return SH_ERR;
    }
    entry_close(&in);
    return SH_OK;
}

/* A relationship target of xl/workbook.xml as a path in the package. */
static int resolve(const char *target, char *out, size_t cap) {
    const char *base = "xl/";
    if (target[0] == '/') {
        base = "";
        target++;
    }
    while (strncmp(target, "./", 2) == 0)
        target += 2;
    if (strncmp(target, "../", 3) == 0) {
        base = "";
        target += 3;
    }
    int n = snprintf(out, cap, "%s%s", base, target);
    if (n < 0 || (size_t)n >= cap || !target[0]) {
        out[0] = '\0';
        return SH_ERR;
    }
    return SH_OK;
}

static int ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* From xl/_rels/workbook.xml.rels: the path of relationship rid and of the
 * shared strings ("" when not named). */
static int read_rels(sh_table_reader *r, const char *rid, char *sheet, char *sst) {
    xml_in in = {.x = r->xlsx};
    sheet[0] = sst[0] = '\0';
    int rc = entry_open(r, "xl/_rels/workbook.xml.rels", &in);
    if (rc != SH_OK) {
        entry_close(&in);
        return rc == ABSENT ? SH_OK : SH_ERR;
    }
    char id[128], type[256], target[PATH_CAP], mode[32];
    while ((rc = xmlTextReaderRead(in.xr)) == 1) {
        if (xmlTextReaderNodeType(in.xr) != XML_READER_TYPE_ELEMENT ||
            !streq(xmlTextReaderConstLocalName(in.xr), "Relationship"))
            continue;
        if (get_attr(in.xr, "Id", id, sizeof id) != 1 || get_attr(in.xr, "Type", type, sizeof type) != 1 ||
            get_attr(in.xr, "Target", target, sizeof target) != 1)
            continue;
        if (get_attr(in.xr, "TargetMode", mode, sizeof mode) != 0)
            continue; /* External */
        if (rid[0] && strcmp(id, rid) == 0)
            resolve(target, sheet, PATH_CAP);
        else if (ends_with(type, "/sharedStrings"))
            resolve(target, sst, PATH_CAP);
    }
    if (rc < 0) {
        entry_error(r, &in, 0);
        entry_close(&in);
        return SH_ERR;
    }
    entry_close(&in);
    return SH_OK;
}

/* ---- shared strings ---- */

static int sst_push(sh_table_reader *r, sh_xlsx *x) {
    sst_ent e = {0, SIZE_MAX};
    if (x->cell.failed && !x->cell.too_big)
        return sh_table_oom(r, 0);
    if (!x->cell.failed) {
        size_t n = unescape_x(x->cell.data, x->cell.len);
        if (n <= r->lim.max_cell_bytes) {
            e.off = x->sst_text.len;
            e.len = n;
            if (sh_buf_append(&x->sst_text, x->cell.data, n) != SH_OK)
                return x->sst_text.too_big ? too_large(r, 0) : sh_table_oom(r, 0);
        }
    }
    if (sh_buf_append(&x->sst_idx, &e, sizeof e) != SH_OK)
        return x->sst_idx.too_big ? too_large(r, 0) : sh_table_oom(r, 0);
    x->nsst++;
    sh_buf_reset(&x->cell);
    return SH_OK;
}

static int read_sst(sh_table_reader *r, const char *path) {
    sh_xlsx *x = r->xlsx;
    xml_in in = {.x = x};
    int rc = entry_open(r, path, &in);
    if (rc != SH_OK) {
        entry_close(&in);
        return rc == ABSENT ? SH_OK : SH_ERR;
    }
    int in_si = 0, in_t = 0, rph = 0;
    while ((rc = xmlTextReaderRead(in.xr)) == 1) {
        int type = xmlTextReaderNodeType(in.xr);
        const xmlChar *name = xmlTextReaderConstLocalName(in.xr);
        if (type == XML_READER_TYPE_ELEMENT) {
            int empty = xmlTextReaderIsEmptyElement(in.xr) == 1;
            if (streq(name, "si")) {
                sh_buf_reset(&x->cell);
                in_si = !empty;
                in_t = rph = 0;
                if (empty && sst_push(r, x) != SH_OK)
                    break;
            } else if (in_si && streq(name, "rPh") && !empty)
                rph++;
            else if (in_si && streq(name, "t") && !empty && !rph)
                in_t = 1;
        } else if (type == XML_READER_TYPE_END_ELEMENT) {
            if (streq(name, "t"))
                in_t = 0;
            else if (streq(name, "rPh") && rph > 0)
                rph--;
            else if (streq(name, "si") && in_si) {
                in_si = 0;
                if (sst_push(r, x) != SH_OK)
                    break;
            }
        } else if (in_t)
            append_text(in.xr, &x->cell);
    }
    if (rc < 0)
        entry_error(r, &in, 0);
    entry_close(&in);
    return r->failed ? SH_ERR : SH_OK;
}

/* ---- open ---- */

int sh_xlsx_open(sh_table_reader *r) {
    sh_xlsx *x = sh_calloc(1, sizeof *x);
    if (!x)
        return sh_table_oom(r, 0);
    r->xlsx = x;
    r->encoding = "XLSX";
    x->sheet.x = x;
    x->budget = r->lim.max_uncompressed;
    sh_buf_init(&x->sst_text, x->budget);
    sh_buf_init(&x->sst_idx, x->budget);
    sh_buf_init(&x->cell, r->lim.max_cell_bytes * 7 + 8); /* room for _xHHHH_ escapes */
    xmlInitParser();

    zip_error_t zerr;
    zip_error_init(&zerr);
    zip_source_t *src = zip_source_buffer_create(r->data, r->len, 0, &zerr);
    if (src)
        x->zip = zip_open_from_source(src, ZIP_RDONLY, &zerr);
    if (!x->zip) {
        if (src)
            zip_source_free(src);
        int ze = zip_error_code_zip(&zerr);
        zip_error_fini(&zerr);
        if (ze == ZIP_ER_MEMORY)
            return sh_table_oom(r, 0);
        return sh_table_fail(r, 400, "invalid_xlsx", 0, 0, "不是有效的 XLSX 文件：压缩包已损坏或不完整");
    }
    zip_error_fini(&zerr);

    char rid[128], sst[PATH_CAP];
    if (read_workbook(r, rid, sizeof rid) != SH_OK || read_rels(r, rid, x->sheet_path, sst) != SH_OK)
        return SH_ERR;
    if (read_sst(r, sst[0] ? sst : "xl/sharedStrings.xml") != SH_OK)
        return SH_ERR;
    int rc = x->sheet_path[0] ? entry_open(r, x->sheet_path, &x->sheet) : ABSENT;
    if (rc == ABSENT) {
        strcpy(x->sheet_path, "xl/worksheets/sheet1.xml");
        rc = entry_open(r, x->sheet_path, &x->sheet);
    }
    if (rc == ABSENT)
        return sh_table_fail(r, 400, "invalid_xlsx", 0, 0, "不是有效的 XLSX 文件：找不到工作表");
    return rc;
}

/* ---- the worksheet ---- */

static long here(const sh_xlsx *x) { return x->in_row ? x->cur_row : x->last_row + 1; }

static int bad_sheet(sh_table_reader *r, const char *what) {
    long row = here(r->xlsx);
    return sh_table_fail(r, 400, "invalid_xlsx", row, 0, "XLSX 文件已损坏：第 %ld 行%s", row, what);
}

/* "B3" -> column 2, row 3. */
static int parse_ref(const char *s, int *col, long *row) {
    int c = 0, i = 0;
    while (i < 3 && s[i] >= 'A' && s[i] <= 'Z')
        c = c * 26 + (s[i++] - 'A' + 1);
    long rw = 0;
    int digits = 0;
    while (s[i] >= '0' && s[i] <= '9' && digits < 8) {
        rw = rw * 10 + (s[i++] - '0');
        digits++;
    }
    if (s[i] || c == 0 || c > XLSX_MAX_COL || rw < 1 || rw > XLSX_MAX_ROW)
        return SH_ERR;
    *col = c;
    *row = rw;
    return SH_OK;
}

static int parse_row_number(const char *s, long *row) {
    long rw = 0;
    int i = 0;
    while (s[i] >= '0' && s[i] <= '9' && i < 8)
        rw = rw * 10 + (s[i++] - '0');
    if (s[i] || i == 0 || rw < 1 || rw > XLSX_MAX_ROW)
        return SH_ERR;
    *row = rw;
    return SH_OK;
}

static enum cell_type cell_type_of(const char *t) {
    if (!t[0] || strcmp(t, "n") == 0)
        return CT_NUM;
    if (strcmp(t, "s") == 0)
        return CT_SST;
    if (strcmp(t, "inlineStr") == 0)
        return CT_INLINE;
    if (strcmp(t, "str") == 0)
        return CT_STR;
    if (strcmp(t, "b") == 0)
        return CT_BOOL;
    return CT_OTHER; /* "e" (an error such as #N/A), "d" (ISO 8601): as written */
}

/* Numbers with float noise ("0.10000000000000001") as Excel shows them (15
 * significant digits); every other number stays as written. */
static void tidy_number(sh_buf *b) {
    int digits = 0, started = 0;
    for (size_t i = 0; i < b->len && b->data[i] != 'e' && b->data[i] != 'E'; i++) {
        if (b->data[i] >= '1' && b->data[i] <= '9')
            started = 1;
        if (started && b->data[i] >= '0' && b->data[i] <= '9')
            digits++;
    }
    if (digits < 16)
        return;
    char *end;
    double v = strtod(b->data, &end);
    char tmp[40];
    if (*end || snprintf(tmp, sizeof tmp, "%.15g", v) >= (int)sizeof tmp || strpbrk(tmp, "eEin"))
        return;
    sh_buf_reset(b);
    sh_buf_puts(b, tmp);
}

static int shared_string(sh_table_reader *r, const char *s, size_t n, sst_ent *e) {
    sh_xlsx *x = r->xlsx;
    size_t idx = 0;
    if (n == 0 || n > 10)
        return SH_ERR;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return SH_ERR;
        idx = idx * 10 + (size_t)(s[i] - '0');
    }
    if (idx >= x->nsst)
        return SH_ERR;
    memcpy(e, x->sst_idx.data + idx * sizeof *e, sizeof *e);
    return SH_OK;
}

static int finish_cell(sh_table_reader *r) {
    sh_xlsx *x = r->xlsx;
    long row = x->cur_row;
    int col = x->col;
    x->in_c = x->in_v = x->in_is = x->in_t = x->rph = 0;
    x->next_col = col + 1;
    if (x->cell.failed)
        return x->cell.too_big ? sh_table_fail(r, 400, "cell_too_long", row, col,
                                               "第 %ld 行第 %d 列的内容太长（最多 %zu 字节）", row, col,
                                               r->lim.max_cell_bytes)
                               : sh_table_oom(r, row);
    const char *s = x->cell.len ? x->cell.data : "";
    size_t n = x->cell.len;
    switch (x->ctype) {
    case CT_SST: {
        sst_ent e;
        if (shared_string(r, s, n, &e) != SH_OK)
            return sh_table_fail(r, 400, "invalid_xlsx", row, col,
                                 "XLSX 文件已损坏：第 %ld 行第 %d 列引用了不存在的共享字符串", row, col);
        s = e.len == SIZE_MAX || e.len == 0 ? "" : x->sst_text.data + e.off;
        n = e.len;
        break;
    }
    case CT_INLINE:
    case CT_STR: n = x->cell.len ? unescape_x(x->cell.data, x->cell.len) : 0; break;
    case CT_BOOL:
        if (n == 1 && (s[0] == '0' || s[0] == '1')) {
            s = s[0] == '1' ? "TRUE" : "FALSE";
            n = strlen(s);
        }
        break;
    case CT_NUM:
        tidy_number(&x->cell);
        if (sh_buf_ok(&x->cell) != SH_OK)
            return sh_table_oom(r, row);
        s = x->cell.len ? x->cell.data : "";
        n = x->cell.len;
        break;
    case CT_OTHER: break;
    }
    if (n == 0)
        return SH_OK;
    if (n > r->lim.max_cell_bytes)
        return sh_table_fail(r, 400, "cell_too_long", row, col,
                             "第 %ld 行第 %d 列的内容太长（最多 %zu 字节）", row, col, r->lim.max_cell_bytes);
    if (col > r->lim.max_columns)
        return sh_table_fail(r, 400, "too_many_columns", row, col, "第 %ld 行的列数超过上限（最多 %d 列）",
                             row, r->lim.max_columns);
    if (sh_row_put(&r->out, col, s, n) != SH_OK)
        return sh_table_oom(r, row);
    return SH_OK;
}

static int start_row(sh_table_reader *r, int empty) {
    sh_xlsx *x = r->xlsx;
    char ref[16];
    long rw = x->last_row + 1;
    int a = get_attr(x->sheet.xr, "r", ref, sizeof ref);
    if (a < 0 || (a == 1 && parse_row_number(ref, &rw) != SH_OK) || rw <= x->last_row)
        return sh_table_fail(r, 400, "invalid_xlsx", x->last_row + 1, 0,
                             "XLSX 文件已损坏：第 %ld 行之后的行号不正确、重复或顺序错误", x->last_row);
    x->cur_row = rw;
    x->next_col = 1;
    x->in_row = !empty;
    if (empty)
        x->last_row = rw;
    return SH_OK;
}

static int start_cell(sh_table_reader *r, int empty) {
    sh_xlsx *x = r->xlsx;
    char ref[16], t[16];
    int col = x->next_col;
    long rw = x->cur_row;
    int a = get_attr(x->sheet.xr, "r", ref, sizeof ref);
    if (a < 0 || (a == 1 && parse_ref(ref, &col, &rw) != SH_OK))
        return bad_sheet(r, "有不正确的单元格位置");
    if (rw != x->cur_row || col < x->next_col || col > XLSX_MAX_COL)
        return bad_sheet(r, "的单元格位置重复或顺序错误");
    if (get_attr(x->sheet.xr, "t", t, sizeof t) < 0)
        return bad_sheet(r, "有不正确的单元格类型");
    x->ctype = cell_type_of(t);
    x->col = col;
    x->in_c = 1;
    x->in_v = x->in_is = x->in_t = x->rph = 0;
    sh_buf_reset(&x->cell);
    return empty ? finish_cell(r) : SH_OK;
}

static int on_start(sh_table_reader *r, const xmlChar *name, int empty) {
    sh_xlsx *x = r->xlsx;
    if (!x->in_data) {
        if (streq(name, "sheetData")) {
            x->in_data = !empty;
            x->done = empty;
        }
        return SH_OK;
    }
    if (streq(name, "row"))
        return x->in_row ? bad_sheet(r, "的行没有结束") : start_row(r, empty);
    if (!x->in_row)
        return SH_OK;
    if (streq(name, "c"))
        return x->in_c ? bad_sheet(r, "的单元格没有结束") : start_cell(r, empty);
    if (!x->in_c || empty)
        return SH_OK;
    if (streq(name, "v"))
        x->in_v = 1;
    else if (streq(name, "is"))
        x->in_is = 1;
    else if (x->in_is && streq(name, "rPh"))
        x->rph++;
    else if (x->in_is && !x->rph && streq(name, "t"))
        x->in_t = 1;
    return SH_OK;
}

/* SH_ROW when a non-blank row ended, SH_OK to go on (x->done set at the end of the data). */
static int on_end(sh_table_reader *r, const xmlChar *name) {
    sh_xlsx *x = r->xlsx;
    if (!x->in_data)
        return SH_OK;
    if (streq(name, "sheetData")) {
        x->done = 1;
        return x->in_row ? bad_sheet(r, "的行没有结束") : SH_DONE;
    }
    if (streq(name, "row") && x->in_row) {
        if (x->in_c)
            return bad_sheet(r, "的单元格没有结束");
        x->in_row = 0;
        x->last_row = x->cur_row;
        if (r->out.n == 0)
            return SH_OK;
        if (x->cur_row > r->lim.max_rows)
            return sh_table_fail(r, 413, "too_many_rows", x->cur_row, 0, "文件行数超过上限（最多 %ld 行）",
                                 r->lim.max_rows);
        r->row = x->cur_row;
        return SH_ROW;
    }
    if (!x->in_c)
        return SH_OK;
    if (streq(name, "c"))
        return finish_cell(r);
    if (streq(name, "v"))
        x->in_v = 0;
    else if (streq(name, "is"))
        x->in_is = 0;
    else if (streq(name, "rPh") && x->rph > 0)
        x->rph--;
    else if (streq(name, "t"))
        x->in_t = 0;
    return SH_OK;
}

int sh_xlsx_next(sh_table_reader *r) {
    sh_xlsx *x = r->xlsx;
    xmlTextReaderPtr xr = x->sheet.xr;
    while (!x->done) {
        int rc = xmlTextReaderRead(xr);
        if (rc < 0)
            return entry_error(r, &x->sheet, here(x));
        if (rc == 0) {
            x->done = 1;
            return x->in_data ? bad_sheet(r, "之后文件意外结束") : SH_DONE;
        }
        int type = xmlTextReaderNodeType(xr);
        if (type == XML_READER_TYPE_ELEMENT)
            rc = on_start(r, xmlTextReaderConstLocalName(xr), xmlTextReaderIsEmptyElement(xr) == 1);
        else if (type == XML_READER_TYPE_END_ELEMENT)
            rc = on_end(r, xmlTextReaderConstLocalName(xr));
        else if (x->in_c && (x->in_v || x->in_t)) {
            append_text(xr, &x->cell);
            rc = SH_OK;
        } else
            rc = SH_OK;
        if (rc != SH_OK)
            return rc;
    }
    return SH_DONE;
}

void sh_xlsx_progress(const sh_table_reader *r, size_t *done, size_t *total) {
    const xml_in *in = &r->xlsx->sheet;
    *total = in->zf ? (size_t)in->declared : 0;
    *done = *total ? (size_t)in->got : 0;
}

void sh_xlsx_close(sh_table_reader *r) {
    sh_xlsx *x = r->xlsx;
    if (!x)
        return;
    entry_close(&x->sheet);
    if (x->zip)
        zip_discard(x->zip);
    sh_buf_free(&x->sst_text);
    sh_buf_free(&x->sst_idx);
    sh_buf_free(&x->cell);
    sh_free(x);
    r->xlsx = NULL;
}
