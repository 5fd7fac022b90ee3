/* test_identifiers.c — GB 11643 公民身份号码 and 全国学籍号 checks, and today's
 * date in China. */
#include "harness.h"

#include "core/clock.h"
#include "model/identifiers.h"

TEST(id18_check_char_matches_the_standard_example) {
    CHECK(sh_id18_check_char("11010519491231002") == 'X');
    CHECK(sh_id18_check_char("37070220100315123") == '0');
    CHECK(sh_id18_check_char("1101051949123100") == 0); /* too short: the 17th is NUL */
    CHECK(sh_id18_check_char("1101051949123100A") == 0);
}

TEST(id18_validate_names_each_problem) {
    CHECK(sh_id18_validate("11010519491231002X", "20261123") == SH_ID18_OK);
    CHECK(sh_id18_validate("370702201003151230", "20261123") == SH_ID18_OK);
    CHECK(sh_id18_validate("110105202002290012", "20261123") == SH_ID18_OK);   /* 2020 is a leap year */
    CHECK(sh_id18_validate("11010519491231002x", "20261123") == SH_ID18_FORM); /* not normalised */
    CHECK(sh_id18_validate("1101051949123100", "20261123") == SH_ID18_FORM);
    CHECK(sh_id18_validate("11010519491231002Y", "20261123") == SH_ID18_FORM);
    CHECK(sh_id18_validate("11010519491231002X0", "20261123") == SH_ID18_FORM);
    CHECK(sh_id18_validate("11010519491231002", "20261123") == SH_ID18_FORM);
    CHECK(sh_id18_validate("110105194912310021", "20261123") == SH_ID18_CHECK);
    /* 2019-02-29 does not exist; the check character is made right so only the date is wrong */
    char v[19] = "11010520190229001";
    v[17] = sh_id18_check_char(v);
    v[18] = 0;
    CHECK(sh_id18_validate(v, "20261123") == SH_ID18_DATE);
    /* born after the processing date */
    char future[19] = "11010520301231001";
    future[17] = sh_id18_check_char(future);
    future[18] = 0;
    CHECK(sh_id18_validate(future, "20261123") == SH_ID18_DATE);
    /* province 00 does not exist (no region table loaded: the province digit is checked) */
    char region[19] = "00010519491231002";
    region[17] = sh_id18_check_char(region);
    region[18] = 0;
    CHECK(sh_id18_validate(region, "20261123") == SH_ID18_REGION);
}

static int error_code_is(sh_err *e, const char *code) {
    return sh_err_count(e) > 0 && strcmp(e->first.code, code) == 0;
}

TEST(id_number_field_check_reports_in_chinese) {
    sh_field f = {.name = "id_number", .label = "身份证件号"};
    sh_err e;
    sh_err_init(&e);
    CHECK(sh_check_id_number(&f, "11010519491231002X", &e) == SH_OK);
    CHECK(sh_err_count(&e) == 0);
    CHECK(sh_check_id_number(&f, "110105194912310021", &e) == SH_ERR);
    CHECK(error_code_is(&e, "invalid_id_check_digit"));
    CHECK(strstr(e.first.message, "校验位") != NULL);
    CHECK_STR(e.first.field, "id_number");
    sh_err_clear(&e);
}

TEST(student_number_forms) {
    CHECK(sh_valid_student_number("G11010519491231002X", "20261123"));
    CHECK(!sh_valid_student_number("G110105194912310021", "20261123")); /* G carries a bad ID */
    CHECK(sh_valid_student_number("J370702201003151230", "20261123"));
    CHECK(sh_valid_student_number("L370702201003154821", "20261123"));  /* 4 random digits, no check */
    CHECK(!sh_valid_student_number("L370702201302304821", "20261123")); /* 2013-02-30 */
    CHECK(!sh_valid_student_number("X370702201003151230", "20261123"));
    CHECK(!sh_valid_student_number("370702201003151230", "20261123"));
    CHECK(!sh_valid_student_number("J37070220100315123", "20261123"));
    char birth[11];
    CHECK(sh_identifier_birth_date("J370702201003151230", birth) == SH_OK);
    CHECK_STR(birth, "2010-03-15");
    CHECK(sh_identifier_birth_date("11010519491231002X", birth) == SH_OK);
    CHECK_STR(birth, "1949-12-31");
    CHECK(sh_identifier_birth_date("abc", birth) == SH_ERR);
}

TEST(today_in_china_follows_the_clock_shift) {
    char d[11];
    sh_today_iso(d);
    CHECK(strlen(d) == 10 && d[4] == '-' && d[7] == '-');
    sh_clock_shift(400LL * 86400 * 1000);
    char later[11];
    sh_today_iso(later);
    sh_clock_shift(0);
    CHECK(strcmp(later, d) > 0);
}

TEST(person_names_as_household_registers_write_them) {
    const char *good[] = {"张三",           "欧阳娜娜",   "阿依古丽·买买提",
                          "爱新觉罗・溥仪", "John Smith", "Mary-Jane O'Neil",
                          "王〇",           "𠮷野"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        CHECK(sh_valid_person_name(good[i]));
    const char *bad[] = {"",  "=HYPERLINK(\"x\")", "张三1", "·张三", "张··三", "@李四", "王五!", " 赵六",
                         "+1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(!sh_valid_person_name(bad[i]));
}
