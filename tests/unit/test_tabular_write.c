/* test_tabular_write.c — the tabular writer: exact CSV bytes (BOM, CRLF, RFC 4180
 * quoting, Chinese), formula neutralisation and its undoing, XLSX files opened
 * again with libzip and libxml2 (every cell a string, no formula, header comments,
 * frozen header), write failures (missing directory, file size limit, no memory)
 * answered with an error and no file left behind, and a 10,000-row XLSX. */
#include "harness.h"

#include "core/alloc.h"
#include "tabular/writer.h"
#include "tabular/writer_impl.h"

#include <dirent.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

/* A fresh folder for one test under the run's temporary folder. */
static void test_dir(const char *name, char *out, size_t cap) {
    snprintf(out, cap, "%s/%s", sh_test_tmpdir(), name);
    mkdir(out, 0700);
}

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *data = NULL;
    if (fseek(f, 0, SEEK_END) == 0) {
        long n = ftell(f);
        rewind(f);
        data = n >= 0 ? sh_malloc((size_t)n + 1) : NULL;
        if (data && fread(data, 1, (size_t)n, f) == (size_t)n) {
            data[n] = '\0';
            *len = (size_t)n;
        } else {
            sh_free(data);
            data = NULL;
        }
    }
    fclose(f);
    return data;
}

/* One member of a zip file, NUL-terminated; NULL when missing. */
static char *zip_member(const char *path, const char *name, size_t *len) {
    int zerr = 0;
    zip_t *z = zip_open(path, ZIP_RDONLY, &zerr);
    if (!z)
        return NULL;
    char *out = NULL;
    zip_stat_t st;
    if (zip_stat(z, name, 0, &st) == 0 && (st.valid & ZIP_STAT_SIZE)) {
        zip_file_t *f = zip_fopen(z, name, 0);
        if (f) {
            out = sh_malloc((size_t)st.size + 1);
            if (out && zip_fread(f, out, st.size) == (zip_int64_t)st.size) {
                out[st.size] = '\0';
                *len = (size_t)st.size;
            } else {
                sh_free(out);
                out = NULL;
            }
            zip_fclose(f);
        }
    }
    zip_discard(z);
    return out;
}

static int exists(const char *path) { return access(path, F_OK) == 0; }

/* Entries of dir whose name holds ".tmp-": what a failed write must not leave. */
static int leftovers(const char *dir) {
    DIR *d = opendir(dir);
    int n = 0;
    if (!d)
        return -1;
    const struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strstr(e->d_name, ".tmp-") != NULL;
    closedir(d);
    return n;
}

/* ---- neutralisation ---- */

TEST(tabular_escape_unescape_round_trip) {
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"", ""},
        {"abc", "abc"},
        {"张三", "张三"},
        {"=1+1", "'=1+1"},
        {"@SUM(A1)", "'@SUM(A1)"},
        {"-cmd", "'-cmd"},
        {"+86 138", "'+86 138"},
        {"-3", "-3"},
        {"+1.5", "+1.5"},
        {"-.5", "-.5"},
        {"-0.25", "-0.25"},
        {"-", "'-"},
        {"+", "'+"},
        {"-.", "'-."},
        {"-1e5", "'-1e5"},
        {"-3 ", "'-3 "},
        {"1-2", "1-2"},
        {"=", "'="},
        {"\t1", "'\t1"},
        {"\rx", "'\rx"},
        {" =1", " =1"},
        {"'abc", "'abc"},
        {"'", "'"},
        {"''=x", "''=x"},
        {"'x=1", "'x=1"},
    };
    char buf[64];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *in = cases[i].in;
        const char *esc = sh_table_escape_cell(in, buf, strlen(in) + 2);
        CHECK_STR(esc, cases[i].out);
        if (strcmp(in, cases[i].out) == 0)
            CHECK(esc == in); /* unchanged values are not copied */
        CHECK_STR(sh_table_unescape_cell(esc), in);
    }
    /* unescape removes exactly one apostrophe, only before one of the six */
    const char *v = "'=x";
    CHECK(sh_table_unescape_cell(v) == v + 1);
    v = "'x";
    CHECK(sh_table_unescape_cell(v) == v);
    CHECK_STR(sh_table_unescape_cell("''=x"), "''=x");
    CHECK_STR(sh_table_unescape_cell("'+86"), "+86");
    /* The one value the round trip cannot keep: a real apostrophe before one of
     * the six. It is no formula, so it is written as it is, and read back
     * without its apostrophe, as the unescape rule must for "'=x" written by us. */
    v = "'=x";
    CHECK(sh_table_escape_cell(v, buf, sizeof buf) == v);
    CHECK_STR(sh_table_unescape_cell(v), "=x");
    CHECK(sh_table_unescape_cell(NULL) == NULL);
    /* a buffer too small is refused rather than overrun */
    CHECK(sh_table_escape_cell("=1+1", buf, 5) == NULL);
    CHECK_STR(sh_table_escape_cell("=1+1", buf, 6), "'=1+1");
}

TEST(tabular_display_width_counts_cjk_as_two) {
    CHECK(sh_table_display_width("") == 0);
    CHECK(sh_table_display_width(NULL) == 0);
    CHECK(sh_table_display_width("ab") == 2);
    CHECK(sh_table_display_width("姓名") == 4);
    CHECK(sh_table_display_width("学籍号（G）") == 11);
    CHECK(sh_table_display_width("a\xFF") == 2);
}

/* ---- CSV ---- */

TEST(tabular_csv_bytes_exact) {
    char dir[300], path[400];
    test_dir("csv_exact", dir, sizeof dir);
    snprintf(path, sizeof path, "%s/out.csv", dir);
    sh_err err;
    sh_err_init(&err);
    sh_table_writer *w = NULL;
    REQUIRE(sh_table_writer_open(path, SH_TABLE_CSV, "ignored", &w, &err) == SH_OK);
    const char *names[] = {"姓名", "备注"};
    const char *hints[] = {"填写中文姓名", NULL};
    CHECK(sh_table_write_header(w, names, hints, 2, &err) == SH_OK);
    const char *r1[] = {"张三", "a,b"};
    const char *r2[] = {"李四", "say \"hi\""};
    const char *r3[] = {"王五", "line1\nline2"};
    const char *r4[] = {NULL, ""};
    const char *r5[] = {"cr\r", "x"};
    CHECK(sh_table_write_row(w, r1, 2, &err) == SH_OK);
    CHECK(sh_table_write_row(w, r2, 2, &err) == SH_OK);
    CHECK(sh_table_write_row(w, r3, 2, &err) == SH_OK);
    CHECK(sh_table_write_row(w, r4, 2, &err) == SH_OK);
    CHECK(sh_table_write_row(w, r5, 2, &err) == SH_OK);
    CHECK(!exists(path)); /* the target appears only when the file is complete */
    CHECK(sh_table_writer_close(w, &err) == SH_OK);
    const char expect[] = "\xEF\xBB\xBF"
                          "姓名,备注\r\n"
                          "张三,\"a,b\"\r\n"
                          "李四,\"say \"\"hi\"\"\"\r\n"
                          "王五,\"line1\nline2\"\r\n"
                          ",\r\n"
                          "\"cr\r\",x\r\n";
    size_t len = 0;
    char *got = slurp(path, &len);
    REQUIRE(got != NULL);
    CHECK(len == sizeof expect - 1);
    CHECK(memcmp(got, expect, sizeof expect - 1) == 0);
    sh_free(got);
    struct stat st;
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
    CHECK(leftovers(dir) == 0);
    sh_err_clear(&err);
}

TEST(tabular_csv_gb18030_bytes_exact) {
    char dir[300], path[400];
    test_dir("csv_gb", dir, sizeof dir);
    snprintf(path, sizeof path, "%s/out.csv", dir);
    sh_err err;
    sh_err_init(&err);
    sh_table_writer *w = NULL;
    REQUIRE(sh_table_writer_open(path, SH_TABLE_CSV_GB18030, NULL, &w, &err) == SH_OK);
    const char *names[] = {"学校", "备注"};
    const char *r1[] = {"张三", "a,\"b\""};
    CHECK(sh_table_write_header(w, names, NULL, 2, &err) == SH_OK);
    CHECK(sh_table_write_row(w, r1, 2, &err) == SH_OK);
    CHECK(sh_table_writer_close(w, &err) == SH_OK);
    /* no byte order mark; 学校 备注 张三 in GBK; quoting as in UTF-8 */
    const char expect[] = "\xD1\xA7\xD0\xA3,\xB1\xB8\xD7\xA2\r\n\xD5\xC5\xC8\xFD,\"a,\"\"b\"\"\"\r\n";
    size_t len = 0;
    char *got = slurp(path, &len);
    REQUIRE(got != NULL);
    CHECK(len == sizeof expect - 1);
    CHECK(memcmp(got, expect, sizeof expect - 1) == 0);
    sh_free(got);
    sh_err_clear(&err);
}

TEST(tabular_csv_neutralises_formulas) {
    char dir[300], path[400];
    test_dir("csv_formula", dir, sizeof dir);
    snprintf(path, sizeof path, "%s/f.csv", dir);
    sh_err err;
    sh_err_init(&err);
    sh_table_writer *w = NULL;
    REQUIRE(sh_table_writer_open(path, SH_TABLE_AUTO, NULL, &w, &err) == SH_OK);
    const char *row[] = {"=1+1", "@SUM(A1)", "-cmd", "+86 138", "-3", "+1.5", "\tx", "'=x", "=a,b", "\rx"};
    CHECK(sh_table_write_row(w, row, 10, &err) == SH_OK);
    CHECK(sh_table_writer_close(w, &err) == SH_OK);
    const char expect[] =
        "\xEF\xBB\xBF'=1+1,'@SUM(A1),'-cmd,'+86 138,-3,+1.5,'\tx,'=x,\"'=a,b\",\"'\rx\"\r\n";
    size_t len = 0;
    char *got = slurp(path, &len);
    REQUIRE(got != NULL);
    CHECK(len == sizeof expect - 1 && memcmp(got, expect, len) == 0);
    sh_free(got);
    sh_err_clear(&err);
}

TEST(tabular_replace_only_on_success_and_abort_leaves_nothing) {
    char dir[300], path[400];
    test_dir("replace", dir, sizeof dir);
    snprintf(path, sizeof path, "%s/r.csv", dir);
    FILE *f = fopen(path, "wb");
    REQUIRE(f != NULL);
    fputs("old", f);
    fclose(f);
    sh_err err;
    sh_err_init(&err);
    const char *row[] = {"new"};
    sh_table_writer *w = NULL;
    REQUIRE(sh_table_writer_open(path, SH_TABLE_CSV, NULL, &w, &err) == SH_OK);
    CHECK(sh_table_write_row(w, row, 1, &err) == SH_OK);
    sh_table_writer_abort(w);
    size_t len = 0;
    char *got = slurp(path, &len);
    CHECK(got && strcmp(got, "old") == 0); /* an aborted export leaves the old file alone */
    sh_free(got);
    CHECK(leftovers(dir) == 0);

    REQUIRE(sh_table_writer_open(path, SH_TABLE_XLSX, NULL, &w, &err) == SH_OK);
    CHECK(sh_table_write_row(w, row, 1, &err) == SH_OK);
    sh_table_writer_abort(w);
    CHECK(leftovers(dir) == 0);
    sh_table_writer_abort(NULL);

    REQUIRE(sh_table_writer_open(path, SH_TABLE_CSV, NULL, &w, &err) == SH_OK);
    CHECK(sh_table_write_row(w, row, 1, &err) == SH_OK);
    CHECK(sh_table_writer_close(w, &err) == SH_OK);
    got = slurp(path, &len);
    CHECK(got && strcmp(got, "\xEF\xBB\xBFnew\r\n") == 0);
    sh_free(got);
    sh_err_clear(&err);
}

TEST(tabular_header_must_come_first) {
    char dir[300], path[400];
    test_dir("order", dir, sizeof dir);
    snprintf(path, sizeof path, "%s/o.csv", dir);
    sh_err err;
    sh_err_init(&err);
    sh_table_writer *w = NULL;
    REQUIRE(sh_table_writer_open(path, SH_TABLE_CSV, NULL, &w, &err) == SH_OK);
    const char *row[] = {"a"};
    CHECK(sh_table_write_row(w, row, 1, &err) == SH_OK);
    CHECK(sh_table_write_header(w, row, NULL, 1, &err) == SH_ERR);
    CHECK_STR(err.first.code, "invalid_argument");
    CHECK(sh_table_write_row(w, NULL, 1, &err) == SH_ERR);
    CHECK(sh_table_write_row(w, row, 1, &err) == SH_OK); /* still usable */
    CHECK(sh_table_writer_close(w, &err) == SH_OK);
    CHECK(sh_table_writer_close(NULL, &err) == SH_ERR);
    sh_err_clear(&err);
}

/* ---- write failures ---- */

TEST(tabular_unwritable_path_is_write_failed) {
    char dir[300], path[400];
    test_dir("unwritable", dir, sizeof dir);
    sh_err err;
    sh_err_init(&err);
    const sh_table_format fmts[] = {SH_TABLE_CSV, SH_TABLE_XLSX};
    for (int i = 0; i < 2; i++) {
        sh_table_writer *w = (sh_table_writer *)&err; /* must be reset to NULL */
        CHECK(sh_table_writer_open("/nonexistent-shushu-dir/x.out", fmts[i], NULL, &w, &err) == SH_ERR);
        CHECK(w == NULL);
        CHECK_STR(err.first.code, "write_failed");
        CHECK(err.status == 500);
        CHECK(strstr(err.first.message, "目录不存在") != NULL);
        CHECK(strstr(err.first.message, "/nonexistent-shushu-dir/x.out") != NULL);
    }
    /* a path under a regular file */
    char file[400];
    snprintf(file, sizeof file, "%s/plain", dir);
    FILE *f = fopen(file, "wb");
    REQUIRE(f != NULL);
    fclose(f);
    snprintf(path, sizeof path, "%s/plain/x.csv", dir);
    sh_table_writer *w = NULL;
    CHECK(sh_table_writer_open(path, SH_TABLE_CSV, NULL, &w, &err) == SH_ERR);
    CHECK_STR(err.first.code, "write_failed");
    CHECK(w == NULL);
    sh_err_clear(&err);
}

/* Write rows under a 16 KiB file size limit until something fails; the file
 * must then be refused as a whole and nothing left on disk. */
static void fill_past_limit(sh_table_format fmt, const char *dir, const char *name) {
    char path[400];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    struct rlimit old, lim;
    REQUIRE(getrlimit(RLIMIT_FSIZE, &old) == 0);
    void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
    lim = old;
    lim.rlim_cur = 16 * 1024;
    REQUIRE(setrlimit(RLIMIT_FSIZE, &lim) == 0);
    sh_err err;
    sh_err_init(&err);
    sh_table_writer *w = NULL;
    int rc = sh_table_writer_open(path, fmt, "数据", &w, &err);
    char cell[64];
    const char *row[4] = {cell, "张三", "=HYPERLINK(\"x\")", "备注备注备注备注"};
    for (int i = 0; rc == SH_OK && i < 20000; i++) {
        snprintf(cell, sizeof cell, "%d-%d", i, i * 7919); /* varied, so zip cannot squeeze it small */
        rc = sh_table_write_row(w, row, 4, &err);
    }
    if (w)
        rc = sh_table_writer_close(w, &err);
    setrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, old_handler);
    CHECK(rc == SH_ERR);
    CHECK_STR(err.first.code, "write_failed");
    CHECK(strstr(err.first.message, "文件超过允许的大小") != NULL ||
          strstr(err.first.message, "写入") != NULL);
    CHECK(!exists(path));
    CHECK(leftovers(dir) == 0);
    sh_err_clear(&err);
}

/* 300 rows written to path under a file size limit (0: none). */
static int write_300(const char *path, rlim_t limit, sh_err *err) {
    struct rlimit old, lim;
    if (getrlimit(RLIMIT_FSIZE, &old) != 0)
        return SH_ERR + 10;
    void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
    lim = old;
    if (limit)
        lim.rlim_cur = limit;
    setrlimit(RLIMIT_FSIZE, &lim);
    sh_table_writer *w = NULL;
    int rc = sh_table_writer_open(path, SH_TABLE_XLSX, NULL, &w, err);
    char cell[32];
    const char *row[] = {cell, "abcdefghij"};
    for (int i = 0; rc == SH_OK && i < 300; i++) {
        snprintf(cell, sizeof cell, "%d", i * 7919);
        rc = sh_table_write_row(w, row, 2, err);
    }
    if (w)
        rc = sh_table_writer_close(w, err);
    setrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, old_handler);
    return rc;
}

/* The rows fit under the limit, the assembled sheet part (the rows plus its head
 * and tail) does not: libxlsxwriter reports success for a truncated part, and
 * only reading the file back can tell. */
TEST(tabular_xlsx_truncated_part_is_detected) {
    char dir[300], path[400];
    test_dir("xlsx_trunc", dir, sizeof dir);
    snprintf(path, sizeof path, "%s/t.xlsx", dir);
    sh_err err;
    sh_err_init(&err);
    REQUIRE(write_300(path, 0, &err) == SH_OK);
    size_t len = 0;
    char *sheet = zip_member(path, "xl/worksheets/sheet1.xml", &len);
    REQUIRE(sheet != NULL);
    const char *data = strstr(sheet, "<sheetData>");
    REQUIRE(data != NULL);
    CHECK(data - sheet > 100); /* the head alone is longer than the margin below */
    sh_free(sheet);
    unlink(path);
    CHECK(write_300(path, (rlim_t)len - 60, &err) == SH_ERR);
    CHECK_STR(err.first.code, "write_failed");
    CHECK(!exists(path));
    CHECK(leftovers(dir) == 0);
    sh_err_clear(&err);
}

TEST(tabular_write_error_removes_file) {
    char dir[300];
    test_dir("fsize", dir, sizeof dir);
    fill_past_limit(SH_TABLE_CSV, dir, "big.csv");
    fill_past_limit(SH_TABLE_XLSX, dir, "big.xlsx");
}

/* Every allocation of ours failing in turn: an error or success, never a leak. */
static int one_pass(sh_table_format fmt, const char *path, sh_err *err) {
    sh_table_writer *w = NULL;
    if (sh_table_writer_open(path, fmt, "表", &w, err) != SH_OK)
        return SH_ERR;
    const char *names[] = {"姓名", "备注"};
    const char *hints[] = {"中文", "bad \xFF utf-8"};
    const char *row[] = {"=1", "a\xC0z"};
    if (sh_table_write_header(w, names, hints, 2, err) != SH_OK ||
        sh_table_write_row(w, row, 2, err) != SH_OK || sh_table_write_row(w, row, 2, err) != SH_OK) {
        /* a failed write leaves the writer broken: close refuses and cleans up */
        if (sh_table_writer_close(w, err) != SH_ERR)
            return SH_OK + 1;
        return SH_ERR;
    }
    return sh_table_writer_close(w, err);
}

TEST(tabular_out_of_memory_everywhere) {
    char dir[300], path[400];
    test_dir("oom", dir, sizeof dir);
    const sh_table_format fmts[] = {SH_TABLE_CSV, SH_TABLE_XLSX};
    for (int f = 0; f < 2; f++) {
        snprintf(path, sizeof path, "%s/oom%d", dir, f);
        int succeeded = 0;
        for (size_t n = 1; n < 100 && !succeeded; n++) {
            sh_err err;
            sh_err_init(&err);
            unlink(path);
            sh_alloc_fail_at(n);
            int rc = one_pass(fmts[f], path, &err);
            sh_alloc_fail_at(0);
            if (rc == SH_OK) {
                succeeded = 1;
                CHECK(exists(path));
            } else {
                CHECK(rc == SH_ERR);
                CHECK(!exists(path));
                CHECK(strcmp(err.first.code, "out_of_memory") == 0 ||
                      strcmp(err.first.code, "write_failed") == 0);
            }
            CHECK(leftovers(dir) == 0);
            sh_err_clear(&err);
        }
        CHECK(succeeded);
    }
}

/* ---- XLSX ---- */

/* Over the <c> elements of a sheet: how many there are, how many hold a formula
 * (<f>) and how many are not strings (t other than inlineStr or s). */
static void count_cells(xmlNode *n, int *cells, int *formulas, int *non_strings) {
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (xmlStrcmp(n->name, BAD_CAST "f") == 0)
            (*formulas)++;
        if (xmlStrcmp(n->name, BAD_CAST "c") == 0) {
            (*cells)++;
            xmlChar *t = xmlGetProp(n, BAD_CAST "t");
            if (!t || (xmlStrcmp(t, BAD_CAST "inlineStr") != 0 && xmlStrcmp(t, BAD_CAST "s") != 0))
                (*non_strings)++;
            xmlFree(t);
        }
        count_cells(n->children, cells, formulas, non_strings);
    }
}

TEST(tabular_xlsx_strings_comments_no_formulas) {
    char dir[300], path[400];
    test_dir("xlsx", dir, sizeof dir);
    snprintf(path, sizeof path, "%s/学生.XLSX", dir);
    sh_err err;
    sh_err_init(&err);
    sh_table_writer *w = NULL;
    REQUIRE(sh_table_writer_open(path, SH_TABLE_AUTO, "学生名单", &w, &err) == SH_OK);
    const char *names[] = {"姓名", "学籍号", "备注"};
    const char *hints[] = {"填写中文姓名", NULL, "可填：是/否"};
    CHECK(sh_table_write_header(w, names, hints, 3, &err) == SH_OK);
    const char *r1[] = {"张三", "G11010519491231002X", "=1+1"};
    const char *r2[] = {"李四", NULL, "-cmd"};
    const char *r3[] = {"123", "-3",
                        "a\xFF"
                        "b"};
    CHECK(sh_table_write_row(w, r1, 3, &err) == SH_OK);
    CHECK(sh_table_write_row(w, r2, 3, &err) == SH_OK);
    CHECK(sh_table_write_row(w, r3, 3, &err) == SH_OK);
    const char *r4[] = {"x_x0041_y", "_x12_", "a\x01z"};
    CHECK(sh_table_write_row(w, r4, 3, &err) == SH_OK);
    CHECK(sh_table_writer_close(w, &err) == SH_OK);

    size_t len = 0;
    char *raw = slurp(path, &len);
    REQUIRE(raw != NULL);
    CHECK(len > 4 && memcmp(raw, "PK\x03\x04", 4) == 0);
    sh_free(raw);

    char *sheet = zip_member(path, "xl/worksheets/sheet1.xml", &len);
    REQUIRE(sheet != NULL);
    size_t sslen = 0;
    char *shared = zip_member(path, "xl/sharedStrings.xml", &sslen); /* absent in constant-memory mode */
    const char *texts[] = {"姓名",
                           "学籍号",
                           "备注",
                           "张三",
                           "G11010519491231002X",
                           "'=1+1",
                           "'-cmd",
                           "x_x005F_x0041_y", /* a literal _xHHHH_ is not decoded on reading */
                           "_x12_",
                           "a_x0001_z", /* a control character, escaped by libxlsxwriter */
                           "a\xEF\xBF\xBD"
                           "b"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        char elem[64];
        snprintf(elem, sizeof elem, "<t>%s</t>", texts[i]);
        int found = strstr(sheet, elem) != NULL || (shared && strstr(shared, elem) != NULL);
        if (!found)
            sh_test_fail(__FILE__, __LINE__, texts[i]);
    }
    CHECK(strstr(sheet, "<f>") == NULL && strstr(sheet, "<f ") == NULL);
    CHECK(strstr(sheet, "state=\"frozen\"") != NULL);
    CHECK(strstr(sheet, "<cols>") != NULL);
    xmlDoc *doc = xmlReadMemory(sheet, (int)len, "sheet1.xml", NULL, XML_PARSE_NONET);
    REQUIRE(doc != NULL);
    int cells = 0, formulas = 0, non_strings = 0;
    count_cells(xmlDocGetRootElement(doc), &cells, &formulas, &non_strings);
    xmlFreeDoc(doc);
    CHECK(cells == 14); /* 3 header + 3 + 2 (NULL skipped) + 3 + 3 */
    CHECK(formulas == 0);
    CHECK(non_strings == 0); /* "123" and "-3" are text, not numbers */
    sh_free(sheet);
    sh_free(shared);

    char *comments = zip_member(path, "xl/comments1.xml", &len);
    REQUIRE(comments != NULL);
    CHECK(strstr(comments, "填写中文姓名") != NULL);
    CHECK(strstr(comments, "可填：是/否") != NULL);
    CHECK(strstr(comments, "ref=\"A1\"") != NULL && strstr(comments, "ref=\"C1\"") != NULL);
    CHECK(strstr(comments, "ref=\"B1\"") == NULL);
    sh_free(comments);

    char *book = zip_member(path, "xl/workbook.xml", &len);
    REQUIRE(book != NULL);
    CHECK(strstr(book, "name=\"学生名单\"") != NULL);
    sh_free(book);
    char *styles = zip_member(path, "xl/styles.xml", &len);
    REQUIRE(styles != NULL);
    CHECK(strstr(styles, "<b/>") != NULL);
    CHECK(strstr(styles, "formatCode=\"@\"") != NULL || strstr(styles, "numFmtId=\"49\"") != NULL);
    sh_free(styles);
    sh_err_clear(&err);
}

TEST(tabular_xlsx_sheet_name_is_made_valid) {
    char dir[300], path[400];
    test_dir("xlsx_name", dir, sizeof dir);
    snprintf(path, sizeof path, "%s/n.xlsx", dir);
    sh_err err;
    sh_err_init(&err);
    sh_table_writer *w = NULL;
    REQUIRE(sh_table_writer_open(path, SH_TABLE_XLSX, "'2024/2025 [秋]: 一二三四五六七八九十一二三四五六七'",
                                 &w, &err) == SH_OK);
    CHECK(sh_table_writer_close(w, &err) == SH_OK);
    size_t len = 0;
    char *book = zip_member(path, "xl/workbook.xml", &len);
    REQUIRE(book != NULL);
    CHECK(strstr(book, "name=\"_2024_2025 _秋__ 一二三四五六七八九十一二三四五\"") != NULL);
    sh_free(book);
    sh_err_clear(&err);
}

TEST(tabular_xlsx_refuses_a_cell_too_long_and_goes_on) {
    char dir[300], path[400];
    test_dir("xlsx_long", dir, sizeof dir);
    snprintf(path, sizeof path, "%s/l.xlsx", dir);
    sh_err err;
    sh_err_init(&err);
    sh_table_writer *w = NULL;
    REQUIRE(sh_table_writer_open(path, SH_TABLE_XLSX, NULL, &w, &err) == SH_OK);
    const char *names[] = {"a", "b"};
    CHECK(sh_table_write_header(w, names, NULL, 2, &err) == SH_OK);
    char *big = sh_malloc(32768 + 1);
    REQUIRE(big != NULL);
    memset(big, 'x', 32768);
    big[32768] = '\0';
    const char *bad[] = {"ok", big};
    CHECK(sh_table_write_row(w, bad, 2, &err) == SH_ERR);
    CHECK_STR(err.first.code, "cell_too_long");
    CHECK(err.first.row == 2 && err.first.column == 2);
    big[32766] = '\0'; /* 32,766 characters, plus the apostrophe of "=…" would still fit */
    big[0] = '=';
    const char *good[] = {"fine", big};
    CHECK(sh_table_write_row(w, good, 2, &err) == SH_OK);
    CHECK(sh_table_writer_close(w, &err) == SH_OK);
    size_t len = 0;
    char *sheet = zip_member(path, "xl/worksheets/sheet1.xml", &len);
    REQUIRE(sheet != NULL);
    CHECK(strstr(sheet, "<t>ok</t>") == NULL); /* the refused row left nothing */
    CHECK(strstr(sheet, "<row r=\"2\"") != NULL && strstr(sheet, "<t>fine</t>") != NULL);
    CHECK(strstr(sheet, "<row r=\"3\"") == NULL);
    sh_free(sheet);
    sh_free(big);
    sh_err_clear(&err);
}

TEST(tabular_xlsx_ten_thousand_rows_constant_memory) {
    char dir[300], path[400];
    test_dir("xlsx_big", dir, sizeof dir);
    snprintf(path, sizeof path, "%s/big.xlsx", dir);
    sh_err err;
    sh_err_init(&err);
    sh_table_writer *w = NULL;
    REQUIRE(sh_table_writer_open(path, SH_TABLE_XLSX, "数据", &w, &err) == SH_OK);
    const char *names[] = {"序号", "姓名", "学校", "成绩", "备注"};
    const char *hints[] = {"从 1 开始", NULL, NULL, "0–100", NULL};
    CHECK(sh_table_write_header(w, names, hints, 5, &err) == SH_OK);
    size_t used_before = sh_alloc_used();
    char num[32], score[32];
    const char *row[] = {num, "王小明", "潍坊市第一中学", score, "=SUM(A1:A9)"};
    int ok = 1;
    for (int i = 1; i <= 10000 && ok; i++) {
        snprintf(num, sizeof num, "%d", i);
        snprintf(score, sizeof score, "%d.5", i % 100);
        ok = sh_table_write_row(w, row, 5, &err) == SH_OK;
    }
    CHECK(ok);
    CHECK(sh_alloc_used() <= used_before + 4096); /* nothing of ours grows per row */
    CHECK(sh_table_writer_close(w, &err) == SH_OK);
    size_t len = 0;
    char *sheet = zip_member(path, "xl/worksheets/sheet1.xml", &len);
    REQUIRE(sheet != NULL);
    CHECK(strstr(sheet, "<row r=\"10001\"") != NULL);
    CHECK(strstr(sheet, "<t>10000</t>") != NULL);
    CHECK(strstr(sheet, "<f>") == NULL);
    CHECK(strstr(sheet, "t=\"n\"") == NULL);
    sh_free(sheet);
    CHECK(leftovers(dir) == 0);
    sh_err_clear(&err);
}
