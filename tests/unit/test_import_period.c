/* test_import_period.c — the national form's 身份证件有效期 cell: the forms real
 * files use (dots, hyphens, slashes or no separator in the dates; a hyphen,
 * a dash, a tilde or 至 between them; 长期 for no end), the values refused
 * (impossible dates, an end not after the start, anything else), and the form
 * written back so that it reads again as the same period. */
#include "harness.h"

#include "core/pool.h"
#include "import/template.h"

#include <string.h>

/* Read v; on success check the period read. */
static int reads_as(const char *v, const char *from, const char *to) {
    char f[11], t[11], bad[32];
    return sh_import_period_read(v, f, t, bad) == SH_PERIOD_OK && strcmp(f, from) == 0 && strcmp(t, to) == 0;
}

static sh_period_problem problem(const char *v, char bad[32]) {
    char f[11], t[11];
    return sh_import_period_read(v, f, t, bad);
}

TEST(period_reads_the_forms_real_files_use) {
    CHECK(reads_as("2010.06.01-2020.06.01", "2010-06-01", "2020-06-01"));
    CHECK(reads_as("2010-06-01-2020-06-01", "2010-06-01", "2020-06-01"));
    CHECK(reads_as("2010-06-01—2020-06-01", "2010-06-01", "2020-06-01")); /* an em dash */
    CHECK(reads_as("2010/6/1——2020/6/1", "2010-06-01", "2020-06-01"));
    CHECK(reads_as("20100601-20200601", "2010-06-01", "2020-06-01"));
    CHECK(reads_as("2010.06.01 至 2020.06.01", "2010-06-01", "2020-06-01"));
    CHECK(reads_as(" 2010.06.01 ~ 2020.06.01 ", "2010-06-01", "2020-06-01"));
    CHECK(reads_as("2010.06.01－2020.06.01", "2010-06-01", "2020-06-01")); /* a full-width hyphen */
    CHECK(reads_as("2016.02.29-2021.02.28", "2016-02-29", "2021-02-28"));
}

TEST(period_without_an_end_is_long_term) {
    CHECK(reads_as("2010.06.01-长期", "2010-06-01", ""));
    CHECK(reads_as("2010-06-01—长期有效", "2010-06-01", ""));
    CHECK(reads_as("20100601 - 长期", "2010-06-01", ""));
}

TEST(period_refuses_impossible_dates_naming_them) {
    char bad[32];
    CHECK(problem("2010.02.01-2020.02.30", bad) == SH_PERIOD_DATE);
    CHECK_STR(bad, "2020.02.30");
    CHECK(problem("2010.13.01-2020.06.01", bad) == SH_PERIOD_DATE);
    CHECK_STR(bad, "2010.13.01");
    CHECK(problem("2019.02.29-长期", bad) == SH_PERIOD_DATE); /* 2019 is not a leap year */
    CHECK_STR(bad, "2019.02.29");
    CHECK(problem("1899.12.31-1909.12.31", bad) == SH_PERIOD_DATE);
    CHECK(problem("20100600-20200601", bad) == SH_PERIOD_DATE);
    CHECK_STR(bad, "20100600");
}

TEST(period_refuses_an_end_not_after_the_start) {
    char bad[32];
    CHECK(problem("2020.06.01-2010.06.01", bad) == SH_PERIOD_ORDER);
    CHECK(problem("2020.06.01-2020.06.01", bad) == SH_PERIOD_ORDER);
    CHECK(problem("2020.06.02-2020.06.01", bad) == SH_PERIOD_ORDER);
}

TEST(period_refuses_other_forms) {
    char bad[32];
    static const char *const wrong[] = {
        "2010.06.01",            /* no end */
        "2010.06.01-",           /* an empty end */
        "-2020.06.01",           /* no start */
        "长期",                  /* no start */
        "2010.06.01 2020.06.01", /* no separator between */
        "2010.06-01-2020.06.01", /* two separators in one date */
        "2010.006.01-2020.06.01",
        "10.06.01-20.06.01",
        "2010.06.01-2020.06.01x",
        "2010.06.01-2020.06.01-2030.06.01",
        "2010.06.01-永久",
        "201006-202006",
        "2010年6月1日-2020年6月1日",
        "",
    };
    for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
        CHECK(problem(wrong[i], bad) == SH_PERIOD_FORM);
        if (problem(wrong[i], bad) != SH_PERIOD_FORM)
            fprintf(stderr, "    read: %s\n", wrong[i]);
    }
}

TEST(period_is_written_the_forms_way_and_reads_back) {
    sh_pool *p = sh_pool_create();
    REQUIRE(p);
    CHECK_STR(sh_import_period_write(p, "2010-06-01", "2020-06-01"), "2010.06.01-2020.06.01");
    CHECK_STR(sh_import_period_write(p, "2010-06-01", ""), "2010.06.01-长期");
    CHECK_STR(sh_import_period_write(p, "2010-06-01", NULL), "2010.06.01-长期");
    CHECK(sh_import_period_write(p, NULL, "2020-06-01") == NULL);
    CHECK(sh_import_period_write(p, "", "2020-06-01") == NULL);
    CHECK(reads_as(sh_import_period_write(p, "2016-02-29", "2021-02-28"), "2016-02-29", "2021-02-28"));
    CHECK(reads_as(sh_import_period_write(p, "1998-12-31", NULL), "1998-12-31", ""));
    sh_pool_destroy(p);
}
