/* test_persons.c — the under-14 flag's boundary (DR-03: the day before and the
 * day of the 14th birthday, 29 February births) and the match hash that finds
 * duplicate registrations whatever spacing or dot a name was typed with. */
#include "harness.h"

#include "core/err.h"
#include "core/keys.h"
#include "roster/persons.h"

#include <stdio.h>

TEST(under_14_turns_false_on_the_14th_birthday) {
    CHECK(sh_under_14("2012-11-23", "2026-11-22") == 1); /* the day before */
    CHECK(sh_under_14("2012-11-23", "2026-11-23") == 0); /* the birthday itself */
    CHECK(sh_under_14("2012-11-23", "2026-11-24") == 0);
    CHECK(sh_under_14("2012-12-31", "2026-01-01") == 1); /* born later than the boundary year */
    CHECK(sh_under_14("2011-01-01", "2026-12-31") == 0);
    CHECK(sh_under_14("2016-06-01", "2026-11-23") == 1);
    CHECK(sh_under_14(NULL, "2026-11-23") == -1);
    CHECK(sh_under_14("2012", "2026-11-23") == -1);
}

TEST(under_14_of_a_29_february_birth_ends_on_1_march) {
    /* 2012 + 14 = 2026 is not a leap year (it never is: 14 is not a multiple of 4) */
    CHECK(sh_under_14("2012-02-29", "2026-02-28") == 1);
    CHECK(sh_under_14("2012-02-29", "2026-03-01") == 0);
    CHECK(sh_under_14("2012-02-29", "2026-02-27") == 1);
}

TEST(under_14_by_year_decides_all_but_the_boundary_year) {
    CHECK(sh_under_14_by_year("2013-**-**", "2026-11-23") == 1);
    CHECK(sh_under_14_by_year("2011-**-**", "2026-11-23") == 0);
    CHECK(sh_under_14_by_year("2012-**-**", "2026-11-23") == -1);
    CHECK(sh_under_14_by_year("20x1-**-**", "2026-11-23") == -1);
    CHECK(sh_under_14_by_year(NULL, "2026-11-23") == -1);
}

TEST(match_hash_ignores_spacing_width_and_name_dots) {
    char key[512];
    snprintf(key, sizeof key, "%s/persons-test.key", sh_test_tmpdir());
    sh_err e;
    sh_err_init(&e);
    REQUIRE(sh_keys_load(key, 1, &e) == SH_OK);
    char a[33], b[33], c[33], d[33], f[33], g[33];
    REQUIRE(sh_person_match_hex("张三", "1", "2013-05-20", a) == SH_OK);
    REQUIRE(sh_person_match_hex(" 张\xe3\x80\x80三 ", "1", "2013-05-20", b) == SH_OK); /* ideographic space */
    CHECK_STR(a, b);
    REQUIRE(sh_person_match_hex("阿依古丽·买买提", "2", "2010-01-02", c) == SH_OK);
    REQUIRE(sh_person_match_hex("阿依古丽\xe2\x80\xa2买买提", "2", "2010-01-02", d) == SH_OK); /* bullet */
    CHECK_STR(c, d);
    REQUIRE(sh_person_match_hex("ＡＬＩＣＥ", "2", "2010-01-02", f) == SH_OK); /* full-width */
    REQUIRE(sh_person_match_hex("alice", "2", "2010-01-02", g) == SH_OK);
    CHECK_STR(f, g);
    /* a different gender or birth date is another person */
    REQUIRE(sh_person_match_hex("张三", "2", "2013-05-20", b) == SH_OK);
    CHECK(strcmp(a, b) != 0);
    REQUIRE(sh_person_match_hex("张三", "1", "2013-05-21", b) == SH_OK);
    CHECK(strcmp(a, b) != 0);
    CHECK(sh_person_match_hex(NULL, "1", "2013-05-20", b) == SH_ERR);
    sh_keys_unload();
    sh_err_clear(&e);
}
