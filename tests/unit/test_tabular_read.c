/* test_tabular_read.c — the tabular reader: CSV in UTF-8 (with and without BOM)
 * and GB18030, quoting, line ends, blank and ragged rows, row numbers, limits,
 * broken and mixed encodings; XLSX written by libxlsxwriter and built by hand
 * with libzip (shared strings, inline strings, gaps, dates, first sheet),
 * damaged packages and zip bombs; Excel date serials; allocation failures. */
#include "harness.h"

#include "core/alloc.h"
#include "tabular/reader.h"

#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>
#include <zip.h>

/* ---- helpers ---- */

typedef struct dump {
    char text[4096]; /* "row:cell|cell\n" per row returned */
    int rc;          /* SH_DONE, or SH_ERR from open or next */
    sh_err e;
    char enc[16];
} dump;

/* The rows read so far (a function, so the compiler does not size CHECK_STR's copy by the array). */
__attribute__((noinline)) static const char *text_of(const dump *d) { return d->text; }

static void read_rows(sh_table_reader *r, dump *d) {
    const char *const *cells;
    int n;
    size_t len = strlen(d->text);
    while ((d->rc = sh_table_next(r, &cells, &n, &d->e)) == SH_ROW) {
        len += (size_t)snprintf(d->text + len, sizeof d->text - len, "%ld:", sh_table_row(r));
        for (int i = 0; i < n && len < sizeof d->text; i++)
            len += (size_t)snprintf(d->text + len, sizeof d->text - len, "%s%s", i ? "|" : "", cells[i]);
        if (len < sizeof d->text)
            len += (size_t)snprintf(d->text + len, sizeof d->text - len, "\n");
        if (len >= sizeof d->text)
            break;
    }
}

/* Keep only the first error in d, so a dump owns no memory. */
static void keep_first_error(dump *d) {
    sh_err_item first = d->e.first;
    int status = d->e.status;
    sh_err_clear(&d->e);
    d->e.first = first;
    d->e.status = status;
}

/* Read everything from bytes (fmt AUTO) into d. */
static void dump_mem(const void *data, size_t len, const sh_table_limits *lim, dump *d) {
    memset(d, 0, sizeof *d);
    sh_err_init(&d->e);
    sh_table_reader *r = NULL;
    if (sh_table_open_mem(data, len, SH_TABLE_AUTO, lim, &r, &d->e) != SH_OK) {
        d->rc = SH_ERR;
        keep_first_error(d);
        return;
    }
    snprintf(d->enc, sizeof d->enc, "%s", sh_table_encoding(r));
    read_rows(r, d);
    sh_table_close(r);
    keep_first_error(d);
}

static void dump_str(const char *s, const sh_table_limits *lim, dump *d) { dump_mem(s, strlen(s), lim, d); }

static void dump_file(const char *path, const sh_table_limits *lim, dump *d) {
    memset(d, 0, sizeof *d);
    sh_err_init(&d->e);
    sh_table_reader *r = NULL;
    if (sh_table_open(path, SH_TABLE_AUTO, lim, &r, &d->e) != SH_OK) {
        d->rc = SH_ERR;
        keep_first_error(d);
        return;
    }
    snprintf(d->enc, sizeof d->enc, "%s", sh_table_encoding(r));
    read_rows(r, d);
    sh_table_close(r);
    keep_first_error(d);
}

static int failed_with(dump *d, const char *code, long row, long col) {
    int ok = d->rc == SH_ERR && strcmp(d->e.first.code, code) == 0 && d->e.first.row == row &&
             d->e.first.column == col && d->e.first.message[0] != '\0';
    if (!ok)
        fprintf(stderr, "    got rc=%d code=%s row=%ld col=%ld msg=%s\n", d->rc, d->e.first.code,
                d->e.first.row, d->e.first.column, d->e.first.message);
    return ok;
}

/* UTF-8 text to GB18030 bytes (NUL-terminated) in out. */
static size_t to_gb(const char *utf8, char *out, size_t cap) {
    iconv_t cd = iconv_open("GB18030", "UTF-8");
    if (cd == (iconv_t)-1)
        return 0;
    char *in = (char *)utf8, *o = out;
    size_t inleft = strlen(utf8), outleft = cap - 1;
    size_t rc = iconv(cd, &in, &inleft, &o, &outleft);
    iconv_close(cd);
    if (rc == (size_t)-1)
        return 0;
    *o = '\0';
    return (size_t)(o - out);
}

static char *tmp_path(const char *name, char *buf, size_t cap) {
    snprintf(buf, cap, "%s/%s", sh_test_tmpdir(), name);
    return buf;
}

/* ---- CSV ---- */

TEST(csv_utf8_without_and_with_bom) {
    dump d;
    dump_str("姓名,学号\n张三,G001\n", NULL, &d);
    CHECK(d.rc == SH_DONE);
    CHECK_STR(text_of(&d), "1:姓名|学号\n2:张三|G001\n");
    CHECK_STR(d.enc, "UTF-8");
    dump_str("\xEF\xBB\xBF姓名,学号\r\n李四,G002\r\n", NULL, &d);
    CHECK(d.rc == SH_DONE);
    CHECK_STR(text_of(&d), "1:姓名|学号\n2:李四|G002\n"); /* the BOM is not part of the first header */
    CHECK_STR(d.enc, "UTF-8");
    dump_str("", NULL, &d);
    CHECK(d.rc == SH_DONE && d.text[0] == '\0');
    dump_str("\xEF\xBB\xBF", NULL, &d);
    CHECK(d.rc == SH_DONE && d.text[0] == '\0');
}

TEST(csv_gb18030_is_detected_and_converted) {
    /* 𠀀 (U+20000) and € take four-byte and two-byte GB18030 forms */
    const char *utf8 = "姓名,学校,备注\n王小明,潍坊市第一中学,𠀀€\n欧阳娜娜,\"庆阳,西峰\",\n";
    char gb[512];
    size_t n = to_gb(utf8, gb, sizeof gb);
    REQUIRE(n > 0);
    CHECK(memcmp(gb, utf8, 4) != 0);
    dump d;
    dump_mem(gb, n, NULL, &d);
    CHECK(d.rc == SH_DONE);
    CHECK_STR(d.enc, "GB18030");
    CHECK_STR(text_of(&d), "1:姓名|学校|备注\n2:王小明|潍坊市第一中学|𠀀€\n3:欧阳娜娜|庆阳,西峰\n");
}

TEST(csv_gb18030_starting_like_two_byte_utf8) {
    /* 学 is D1 A7 in GBK, which is also a valid two-byte UTF-8 sequence: the
     * national registry form's header (学校标识码 …) must still read as GB18030 */
    char gb[256];
    size_t n = to_gb("学校标识码,姓名\n3437000001,张三\n", gb, sizeof gb);
    REQUIRE(n > 0);
    CHECK((unsigned char)gb[0] == 0xD1 && (unsigned char)gb[1] == 0xA7);
    dump d;
    dump_mem(gb, n, NULL, &d);
    CHECK(d.rc == SH_DONE);
    CHECK_STR(d.enc, "GB18030");
    CHECK_STR(text_of(&d), "1:学校标识码|姓名\n2:3437000001|张三\n");
}

TEST(csv_quoting_and_line_ends) {
    dump d;
    dump_str("a,b,c\r\n\"x,y\",\"line1\nline2\",\"say \"\"hi\"\"\"\r\nnext,row,\"\"\r\n", NULL, &d);
    CHECK(d.rc == SH_DONE);
    /* the record with a line break in a cell is row 2; the next record is row 3 */
    CHECK_STR(text_of(&d), "1:a|b|c\n2:x,y|line1\nline2|say \"hi\"\n3:next|row\n");
    dump_str("h1,h2\rv1,v2\r", NULL, &d); /* old Mac line ends */
    CHECK_STR(text_of(&d), "1:h1|h2\n2:v1|v2\n");
    dump_str("h\nlast row without line end", NULL, &d);
    CHECK_STR(text_of(&d), "1:h\n2:last row without line end\n");
    dump_str(" a , b \n", NULL, &d); /* spaces are kept */
    CHECK_STR(text_of(&d), "1: a | b \n");
}

TEST(csv_blank_and_ragged_rows) {
    dump d;
    dump_str("h1,h2,h3\n\n,,\r\n1\n1,2,3,4\n\r\n1,,3\na,b,,\n", NULL, &d);
    CHECK(d.rc == SH_DONE);
    /* rows 2, 3 and 6 are blank and skipped but still counted; trailing empty cells are not returned */
    CHECK_STR(text_of(&d), "1:h1|h2|h3\n4:1\n5:1|2|3|4\n7:1||3\n8:a|b\n");
}

TEST(csv_unclosed_quote_is_an_error) {
    dump d;
    dump_str("a,b\n1,\"open\n2,3\n", NULL, &d);
    CHECK(failed_with(&d, "invalid_csv", 2, 2));
    CHECK(strstr(d.e.first.message, "第 2 行") != NULL);
    CHECK_STR(text_of(&d), "1:a|b\n");
}

TEST(csv_limits_name_the_row_and_column) {
    sh_table_limits lim = {.max_cell_bytes = 10, .max_columns = 3, .max_rows = 4};
    dump d;
    dump_str("a,b,c\n1,2,3\n1,01234567890,3\n", &lim, &d);
    CHECK(failed_with(&d, "cell_too_long", 3, 2));
    CHECK(strstr(d.e.first.message, "第 3 行第 2 列") != NULL);
    CHECK_STR(text_of(&d), "1:a|b|c\n2:1|2|3\n");
    dump_str("a,b,c\n1,\"0123456789\n0123456789\",3\n", &lim, &d); /* long inside quotes, across lines */
    CHECK(failed_with(&d, "cell_too_long", 2, 2));
    dump_str("a,b,c\n1,2,3,4\n", &lim, &d);
    CHECK(failed_with(&d, "too_many_columns", 2, 4));
    dump_str("a,b,c\n1,2,3,,,,,\n", &lim, &d); /* empty cells past the limit are harmless */
    CHECK(d.rc == SH_DONE);
    dump_str("a\n2\n3\n4\n5\n", &lim, &d);
    CHECK(failed_with(&d, "too_many_rows", 5, 0));
    CHECK_STR(text_of(&d), "1:a\n2:2\n3:3\n4:4\n");
    dump_str("a\n2\n3\n4\n\n\n", &lim, &d); /* trailing blank rows do not count */
    CHECK(d.rc == SH_DONE);

    /* in GB18030 the limit applies to the UTF-8 text: 4 Chinese characters are 12 bytes */
    char gb[64];
    size_t n = to_gb("名字\n一二三\n一二三四\n", gb, sizeof gb);
    REQUIRE(n > 0);
    dump_mem(gb, n, &lim, &d);
    CHECK(failed_with(&d, "cell_too_long", 3, 1));
    CHECK_STR(text_of(&d), "1:名字\n2:一二三\n");

    /* a huge unquoted cell is refused without holding it all */
    size_t big = 300000;
    char *s = malloc(big + 8);
    REQUIRE(s);
    memcpy(s, "h\n", 2);
    memset(s + 2, 'x', big);
    dump_mem(s, big + 2, NULL, &d);
    CHECK(failed_with(&d, "cell_too_long", 2, 1));
    free(s);
}

TEST(csv_invalid_bytes_name_the_row) {
    dump d;
    dump_str("a,b\n1,2\n3,\xFF\xFE\xFD\n", NULL, &d);
    CHECK(failed_with(&d, "invalid_encoding", 3, 2));
    CHECK(strstr(d.e.first.message, "第 3 行不是有效的 UTF-8 或 GB18030 文本") != NULL);
    CHECK_STR(text_of(&d), "1:a|b\n2:1|2\n");
    dump_str("\xEF\xBB\xBF"
             "a,b\n1,2\n3,\xB0\xA1\n",
             NULL, &d); /* a BOM says UTF-8: GBK later is wrong */
    CHECK(failed_with(&d, "invalid_encoding", 3, 2));
    static const char nul[] = "a,b\n1,x\0y\n";
    dump_mem(nul, sizeof nul - 1, NULL, &d);
    CHECK(failed_with(&d, "invalid_encoding", 2, 2));
    static const char utf16[] = "\xFF\xFE"
                                "a\0,\0b\0";
    dump_mem(utf16, sizeof utf16 - 1, NULL, &d);
    CHECK(failed_with(&d, "invalid_encoding", 1, 1));
}

TEST(csv_mixed_encodings_are_refused) {
    char gbk[64], buf[256];
    size_t n = to_gb("李四,男\n", gbk, sizeof gbk);
    REQUIRE(n > 0);
    dump d;
    /* UTF-8 first, then a GBK row */
    int len = snprintf(buf, sizeof buf, "姓名,性别\n张三,男\n%s", gbk);
    dump_mem(buf, (size_t)len, NULL, &d);
    CHECK(failed_with(&d, "mixed_encoding", 3, 1));
    CHECK_STR(text_of(&d), "1:姓名|性别\n2:张三|男\n");
    /* GBK first, then UTF-8 rows: with an even number of characters they would convert silently */
    n = to_gb("姓名,性别\n张三,男\n", gbk, sizeof gbk);
    REQUIRE(n > 0);
    len = snprintf(buf, sizeof buf, "%s欧阳娜娜,女生\n", gbk);
    dump_mem(buf, (size_t)len, NULL, &d);
    CHECK(failed_with(&d, "mixed_encoding", 3, 1));
    CHECK_STR(d.enc, "GB18030");
    CHECK_STR(text_of(&d), "1:姓名|性别\n2:张三|男\n");
    len = snprintf(buf, sizeof buf, "%sid,王小明\n", gbk); /* odd number: conversion fails, still named */
    dump_mem(buf, (size_t)len, NULL, &d);
    CHECK(failed_with(&d, "mixed_encoding", 3, 2));
}

TEST(csv_from_a_file_and_missing_files) {
    char path[512];
    tmp_path("students.csv", path, sizeof path);
    FILE *f = fopen(path, "wb");
    REQUIRE(f);
    fputs("学号,姓名\r\nG1,甲\r\n", f);
    fclose(f);
    dump d;
    dump_file(path, NULL, &d);
    CHECK(d.rc == SH_DONE);
    CHECK_STR(text_of(&d), "1:学号|姓名\n2:G1|甲\n");
    tmp_path("empty.csv", path, sizeof path);
    f = fopen(path, "wb");
    REQUIRE(f);
    fclose(f);
    dump_file(path, NULL, &d);
    CHECK(d.rc == SH_DONE && d.text[0] == '\0');
    tmp_path("no-such-file.csv", path, sizeof path);
    dump_file(path, NULL, &d);
    CHECK(d.rc == SH_ERR);
    CHECK_STR(d.e.first.code, "file_unreadable");
    dump_file(sh_test_tmpdir(), NULL, &d);
    CHECK_STR(d.e.first.code, "file_unreadable");
    sh_err_clear(&d.e);
}

TEST(old_xls_files_are_named) {
    static const char xls[] = "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1 rest of an OLE2 file";
    dump d;
    dump_mem(xls, sizeof xls - 1, NULL, &d);
    CHECK(failed_with(&d, "unsupported_format", 0, 0));
    CHECK(strstr(d.e.first.message, ".xls") != NULL);
}

TEST(errors_after_a_failure_repeat_and_add_to_a_list) {
    sh_table_reader *r = NULL;
    sh_err e;
    sh_err_init(&e);
    const char *s = "a\n\xFF\n";
    REQUIRE(sh_table_open_mem(s, strlen(s), SH_TABLE_CSV, NULL, &r, &e) == SH_OK);
    const char *const *cells;
    int n;
    CHECK(sh_table_next(r, &cells, &n, &e) == SH_ROW && n == 1);
    CHECK(sh_table_next(r, &cells, &n, &e) == SH_ERR);
    CHECK(sh_table_next(r, &cells, &n, &e) == SH_ERR);
    CHECK(sh_err_count(&e) == 2);
    CHECK(e.first.row == 2 && e.more && e.more[1].row == 2);
    sh_table_close(r);
    sh_err_clear(&e);
}

/* ---- XLSX written by libxlsxwriter ---- */

static void write_students(const char *path, int constant_memory) {
    lxw_workbook_options opt = {.constant_memory = constant_memory ? LXW_TRUE : LXW_FALSE};
    lxw_workbook *wb = workbook_new_opt(path, &opt);
    if (!wb)
        return;
    lxw_worksheet *ws = workbook_add_worksheet(wb, "学生");
    lxw_worksheet *other = workbook_add_worksheet(wb, "说明");
    lxw_format *datefmt = workbook_add_format(wb);
    format_set_num_format(datefmt, "yyyy-mm-dd");
    lxw_format *bold = workbook_add_format(wb);
    format_set_bold(bold);
    worksheet_write_string(ws, 0, 0, "姓名", NULL);
    worksheet_write_string(ws, 0, 1, "学号", NULL);
    worksheet_write_string(ws, 0, 2, "入学日期", NULL);
    worksheet_write_string(ws, 0, 3, "在校", NULL);
    worksheet_write_string(ws, 1, 0, "张三", NULL);
    worksheet_write_number(ws, 1, 1, 1001, NULL);
    lxw_datetime dt = {2023, 9, 1, 0, 0, 0};
    worksheet_write_datetime(ws, 1, 2, &dt, datefmt);
    worksheet_write_boolean(ws, 1, 3, 1, NULL);
    /* row 3 (index 2) left empty; row 4 has a gap in column B */
    if (!constant_memory) {
        lxw_rich_string_tuple a = {.format = bold, .string = "李"}, b = {.format = NULL, .string = "四"};
        lxw_rich_string_tuple *rich[] = {&a, &b, NULL};
        worksheet_write_rich_string(ws, 3, 0, rich, NULL);
    } else
        worksheet_write_string(ws, 3, 0, "李四", NULL);
    worksheet_write_number(ws, 3, 2, 45170.5, NULL);
    worksheet_write_number(ws, 3, 3, 3.25, NULL);
    worksheet_write_blank(ws, 4, 0, bold); /* a formatted but empty cell: a blank row */
    worksheet_write_string(other, 0, 0, "不应读到", NULL);
    workbook_close(wb);
}

TEST(xlsx_from_libxlsxwriter_shared_and_inline_strings) {
    for (int cm = 0; cm < 2; cm++) {
        char path[512];
        tmp_path(cm ? "students-inline.xlsx" : "students.xlsx", path, sizeof path);
        write_students(path, cm);
        dump d;
        dump_file(path, NULL, &d);
        CHECK(d.rc == SH_DONE);
        CHECK_STR(d.enc, "XLSX");
        CHECK_STR(text_of(&d), "1:姓名|学号|入学日期|在校\n2:张三|1001|45170|TRUE\n4:李四||45170.5|3.25\n");
        char date[11];
        CHECK(sh_excel_serial_date("45170", date) == SH_OK);
        CHECK_STR(date, "2023-09-01");
        /* limits apply to XLSX too */
        sh_table_limits lim = {.max_columns = 3};
        dump_file(path, &lim, &d);
        CHECK(failed_with(&d, "too_many_columns", 1, 4));
        sh_table_limits lim2 = {.max_cell_bytes = 7};
        dump_file(path, &lim2, &d);
        CHECK(failed_with(&d, "cell_too_long", 1, 3)); /* 入学日期 is 12 bytes, 姓名 6 */
        sh_table_limits lim3 = {.max_rows = 3};
        dump_file(path, &lim3, &d);
        CHECK(failed_with(&d, "too_many_rows", 4, 0));
    }
}

/* ---- XLSX built by hand ---- */

typedef struct part {
    const char *name;
    const void *data;
    size_t len; /* 0: strlen(data) */
} part;

static int write_zip(const char *path, const part *parts, int n) {
    int zerr = 0;
    zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
    if (!z)
        return -1;
    for (int i = 0; i < n; i++) {
        size_t len = parts[i].len ? parts[i].len : strlen(parts[i].data);
        zip_source_t *s = zip_source_buffer(z, parts[i].data, len, 0);
        if (!s || zip_file_add(z, parts[i].name, s, ZIP_FL_OVERWRITE) < 0) {
            zip_source_free(s);
            zip_discard(z);
            return -1;
        }
    }
    return zip_close(z) == 0 ? 0 : -1;
}

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return b;
}

static const char workbook_xml[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
    "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
    "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
    "<sheets><sheet name=\"名单\" sheetId=\"7\" r:id=\"rId9\"/><sheet name=\"其他\" sheetId=\"1\" r:id=\"rId1\"/>"
    "</sheets></workbook>";

static const char rels_xml[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
    "worksheet\" Target=\"worksheets/sheet1.xml\"/>"
    "<Relationship Id=\"rId9\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
    "worksheet\" Target=\"/xl/worksheets/list.xml\"/>"
    "<Relationship Id=\"rId3\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
    "sharedStrings\" Target=\"strings.xml\"/>"
    "</Relationships>";

static const char sst_xml[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
    "<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" count=\"4\" uniqueCount=\"4\">"
    "<si><t>学号</t></si>"
    "<si><r><rPr><b/></rPr><t>欧阳</t></r><r><t xml:space=\"preserve\"> 娜娜</t></r>"
    "<rPh sb=\"0\" eb=\"2\"><t>ouyang</t></rPh></si>"
    "<si/>"
    "<si><t>一行_x000D__x000A_两行 &amp; 5_x005F_x</t></si>"
    "</sst>";

static const char list_xml[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
    "<x:worksheet xmlns:x=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
    "<x:dimension ref=\"A1:E6\"/><x:sheetData>"
    "<x:row r=\"1\"><x:c r=\"A1\" t=\"s\"><x:v>0</x:v></x:c><x:c r=\"C1\" t=\"inlineStr\"><x:is>"
    "<x:r><x:t>备</x:t></x:r><x:r><x:t>注</x:t></x:r></x:is></x:c></x:row>"
    "<x:row r=\"2\"><x:c t=\"s\"><x:v>1</x:v></x:c><x:c><x:v>0.10000000000000001</x:v></x:c>"
    "<x:c t=\"str\"><x:f>A2&amp;\"!\"</x:f><x:v>欧阳 娜娜!</x:v></x:c><x:c t=\"b\"><x:v>0</x:v></x:c>"
    "<x:c t=\"e\"><x:v>#N/A</x:v></x:c></x:row>"
    "<x:row r=\"3\"/>"
    "<x:row r=\"4\"><x:c r=\"A4\" s=\"1\"/><x:c r=\"B4\" t=\"s\"><x:v>2</x:v></x:c><x:c r=\"C4\"><x:f>1+1</x:f></x:c>"
    "</x:row>"
    "<x:row r=\"6\"><x:c r=\"B6\" t=\"s\"><x:v>3</x:v></x:c><x:c r=\"E6\"><x:v>110105194912310020</x:v></x:c>"
    "</x:row></x:sheetData><x:mergeCells count=\"0\"/></x:worksheet>";

static const char sheet1_xml[] =
    "<worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>不应读到</t>"
    "</is></c></row></sheetData></worksheet>";

TEST(xlsx_by_hand_first_sheet_rich_text_and_types) {
    char path[512];
    tmp_path("hand.xlsx", path, sizeof path);
    part parts[] = {{"xl/workbook.xml", workbook_xml, 0},
                    {"xl/_rels/workbook.xml.rels", rels_xml, 0},
                    {"xl/strings.xml", sst_xml, 0},
                    {"xl/worksheets/list.xml", list_xml, 0},
                    {"xl/worksheets/sheet1.xml", sheet1_xml, 0}};
    REQUIRE(write_zip(path, parts, 5) == 0);
    dump d;
    dump_file(path, NULL, &d);
    CHECK(d.rc == SH_DONE);
    CHECK_STR(
        text_of(&d),
        "1:学号||备注\n2:欧阳 娜娜|0.1|欧阳 娜娜!|FALSE|#N/A\n6:|一行\r\n两行 & 5_x|||110105194912310020\n");
}

TEST(xlsx_without_workbook_reads_sheet1) {
    char path[512];
    tmp_path("bare.xlsx", path, sizeof path);
    part parts[] = {{"xl/worksheets/sheet1.xml", sheet1_xml, 0}};
    REQUIRE(write_zip(path, parts, 1) == 0);
    dump d;
    dump_file(path, NULL, &d);
    CHECK(d.rc == SH_DONE);
    CHECK_STR(text_of(&d), "1:不应读到\n");
    part none[] = {{"word/document.xml", "<w/>", 0}};
    REQUIRE(write_zip(path, none, 1) == 0);
    dump_file(path, NULL, &d);
    CHECK(failed_with(&d, "invalid_xlsx", 0, 0));
}

TEST(xlsx_malformed_sheets) {
    struct {
        const char *xml, *code;
        long row;
    } cases[] = {
        {"<worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"s\"><v>5</v></c></row></sheetData></worksheet>",
         "invalid_xlsx", 1},
        {"<worksheet><sheetData><row r=\"2\"><c r=\"B2\"><v>1</v></c><c r=\"A2\"><v>2</v></c></row>"
         "</sheetData></worksheet>",
         "invalid_xlsx", 2},
        {"<worksheet><sheetData><row r=\"2\"/><row r=\"2\"/></sheetData></worksheet>", "invalid_xlsx", 3},
        {"<worksheet><sheetData><row r=\"1\"><c r=\"A1\"><v>1</v></c></row><row r=\"2\"><c r=\"A2\"><v>",
         "invalid_xlsx", 2},
        {"<?xml version=\"1.0\"?><!DOCTYPE w [<!ENTITY a \"aaaaaaaa\">]><worksheet><sheetData><row r=\"1\">"
         "<c r=\"A1\" t=\"inlineStr\"><is><t>&a;</t></is></c></row></sheetData></worksheet>",
         "invalid_xlsx", 1},
        {"<worksheet><sheetData><row r=\"1\"><c r=\"ZZZZ1\"><v>1</v></c></row></sheetData></worksheet>",
         "invalid_xlsx", 1},
    };
    char path[512];
    tmp_path("bad-sheet.xlsx", path, sizeof path);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        part parts[] = {{"xl/worksheets/sheet1.xml", cases[i].xml, 0}};
        REQUIRE(write_zip(path, parts, 1) == 0);
        dump d;
        dump_file(path, NULL, &d);
        int ok =
            d.rc == SH_ERR && strcmp(d.e.first.code, cases[i].code) == 0 && d.e.first.row == cases[i].row;
        if (!ok)
            fprintf(stderr, "    case %zu: rc=%d code=%s row=%ld msg=%s\n", i, d.rc, d.e.first.code,
                    d.e.first.row, d.e.first.message);
        CHECK(ok);
        if (i == 4)
            CHECK(strstr(d.e.first.message, "DTD") != NULL);
        sh_err_clear(&d.e);
    }
}

TEST(xlsx_damaged_zip_is_refused) {
    char path[512];
    tmp_path("damaged.xlsx", path, sizeof path);
    write_students(path, 0);
    size_t len = 0;
    char *b = slurp(path, &len);
    REQUIRE(b && len > 1000);
    dump d;
    dump_mem(b, len / 2, NULL, &d); /* cut in half: no central directory */
    CHECK(failed_with(&d, "invalid_xlsx", 0, 0));
    CHECK(strstr(d.e.first.message, "XLSX") != NULL);
    dump_mem("PK\x03\x04garbage", 11, NULL, &d);
    CHECK(failed_with(&d, "invalid_xlsx", 0, 0));
    /* scribble over every compressed entry's data: whatever breaks, it is named and nothing crashes */
    for (size_t at = 64; at + 32 < len; at += 97) {
        char *c = malloc(len);
        REQUIRE(c);
        memcpy(c, b, len);
        memset(c + at, 0x5A, 16);
        dump_mem(c, len, NULL, &d);
        CHECK(d.rc == SH_DONE || (d.rc == SH_ERR && d.e.first.code[0] && d.e.first.message[0]));
        sh_err_clear(&d.e);
        free(c);
    }
    free(b);
}

static void put_le32(unsigned char *p, unsigned v) {
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

TEST(xlsx_zip_bombs_are_refused) {
    size_t big = (size_t)10 << 20;
    char *zeros = calloc(1, big);
    REQUIRE(zeros);
    char path[512];
    tmp_path("bomb.xlsx", path, sizeof path);
    part parts[] = {{"xl/worksheets/sheet1.xml", zeros, big}};
    int w = write_zip(path, parts, 1);
    free(zeros);
    REQUIRE(w == 0);
    dump d;
    /* declared size over the limit */
    sh_table_limits lim = {.max_uncompressed = (size_t)1 << 20};
    dump_file(path, &lim, &d);
    CHECK(failed_with(&d, "xlsx_too_large", 0, 0));
    /* under a large limit, the 1000:1 ratio gives it away */
    dump_file(path, NULL, &d);
    CHECK(failed_with(&d, "xlsx_too_large", 0, 0));
    CHECK(strstr(d.e.first.message, "压缩比") != NULL);

    /* an entry that lies about its size: declared 1000 bytes, inflates to 10 MB */
    size_t len = 0;
    unsigned char *b = (unsigned char *)slurp(path, &len);
    REQUIRE(b);
    int patched = 0;
    for (size_t i = 0; i + 46 < len; i++) {
        if (memcmp(b + i, "PK\x03\x04", 4) == 0) {
            put_le32(b + i + 22, 1000);
            patched++;
        } else if (memcmp(b + i, "PK\x01\x02", 4) == 0) {
            put_le32(b + i + 24, 1000);
            patched++;
        }
    }
    CHECK(patched == 2);
    dump_mem(b, len, &lim, &d);
    CHECK(d.rc == SH_ERR);
    CHECK_STR(d.e.first.code, "xlsx_too_large");
    CHECK(strstr(d.e.first.message, "声明") != NULL);
    sh_err_clear(&d.e);
    free(b);

    /* the total inflated across entries counts too: a valid workbook under a tiny limit */
    tmp_path("small-limit.xlsx", path, sizeof path);
    write_students(path, 0);
    sh_table_limits tiny = {.max_uncompressed = 2000};
    dump_file(path, &tiny, &d);
    CHECK(d.rc == SH_ERR);
    CHECK_STR(d.e.first.code, "xlsx_too_large");
    sh_err_clear(&d.e);
}

/* ---- dates ---- */

TEST(excel_serial_dates) {
    char out[11];
    struct {
        const char *v, *date;
    } ok[] = {{"1", "1900-01-01"},     {"59", "1900-02-28"},      {"61", "1900-03-01"},
              {"45170", "2023-09-01"}, {"45170.5", "2023-09-01"}, {"45170.999", "2023-09-01"},
              {"36526", "2000-01-01"}, {"43890", "2020-02-29"},   {"2958465", "9999-12-31"}};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        memset(out, 0, sizeof out);
        CHECK(sh_excel_serial_date(ok[i].v, out) == SH_OK);
        CHECK_STR(out, ok[i].date);
    }
    const char *bad[] = {"60",     "0",     "2958466", "99999999999999999999",
                         "",       "abc",   "-1",      " 45170",
                         "45170 ", "4.5e4", "45170.",  ".5",
                         "0x10",   NULL};
    for (int i = 0; bad[i]; i++)
        CHECK(sh_excel_serial_date(bad[i], out) == SH_ERR);
    CHECK(sh_excel_serial_date(NULL, out) == SH_ERR);
}

/* ---- allocation failures ---- */

static void torture(const void *data, size_t len) {
    for (size_t n = 1; n < 2000; n++) {
        dump d;
        sh_alloc_fail_at(n);
        dump_mem(data, len, NULL, &d);
        size_t made = sh_alloc_fail_at(0);
        CHECK(d.rc == SH_DONE || (d.rc == SH_ERR && strcmp(d.e.first.code, "out_of_memory") == 0));
        sh_err_clear(&d.e);
        if (made < n)
            break; /* the whole read ran without reaching allocation n */
    }
}

TEST(reader_survives_allocation_failures) {
    char gb[256];
    size_t n = to_gb("姓名,学校\n王小明,\"潍坊市\n第一中学\"\n", gb, sizeof gb);
    REQUIRE(n > 0);
    torture(gb, n);
    const char *u = "a,b,c\n1,2,3\n";
    torture(u, strlen(u));
    char path[512];
    tmp_path("torture.xlsx", path, sizeof path);
    write_students(path, 0);
    size_t len = 0;
    char *b = slurp(path, &len);
    REQUIRE(b);
    torture(b, len);
    free(b);
}
