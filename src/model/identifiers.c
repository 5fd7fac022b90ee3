/* identifiers.c — national identifier checks. See identifiers.h. */
#include "model/identifiers.h"

#include "core/clock.h"

#include <stdio.h>
#include <string.h>

static const char *school_categories[] = {"11", "21", "22", "31", "32", "33", "34", "35",
                                          "36", "37", "41", "42", "51", "91", "92", "93"};

int sh_valid_school_code(const char *v) {
    if (strlen(v) != 10)
        return 0;
    for (int i = 0; i < 10; i++)
        if (v[i] < '0' || v[i] > '9')
            return 0;
    int cat = 0;
    for (size_t i = 0; i < sizeof school_categories / sizeof school_categories[0]; i++)
        cat |= strncmp(v, school_categories[i], 2) == 0;
    if (!cat)
        return 0;
    char province[7];
    snprintf(province, sizeof province, "%.2s0000", v + 2);
    int known = sh_code_valid("gb2260_region", province);
    if (known < 0) /* region table not loaded: accept the special provinces and 11–65 */
        return (v[2] >= '1' && v[2] <= '8');
    return known == 1;
}

int sh_check_school_code(const sh_field *f, const char *v, sh_err *err) {
    if (sh_valid_school_code(v))
        return SH_OK;
    return sh_err_add(err, 400, "invalid_school_code", f->name, v,
                      "“%s”应为 10 位数字：前 2 位为学校类别码，第 3–4 位为省级行政区划码", f->label);
}

char sh_id18_check_char(const char *first17) {
    static const int weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    static const char map[] = "10X98765432";
    int sum = 0;
    for (int i = 0; i < 17; i++) {
        if (first17[i] < '0' || first17[i] > '9')
            return 0;
        sum += (first17[i] - '0') * weights[i];
    }
    return map[sum % 11];
}

static int digits(const char *v, int n) {
    for (int i = 0; i < n; i++)
        if (v[i] < '0' || v[i] > '9')
            return 0;
    return 1;
}

/* The address code is a county of GB/T 2260, or (older numbers, abolished
 * counties folded into their city) its city or province. With no region table
 * loaded, only the province digits are checked. */
static int known_region(const char *six) {
    int known = sh_code_valid("gb2260_region", six);
    if (known < 0)
        return six[0] >= '1' && six[0] <= '8';
    if (known == 1)
        return 1;
    char up[7];
    snprintf(up, sizeof up, "%.4s00", six);
    if (sh_code_valid("gb2260_region", up) == 1)
        return 1;
    snprintf(up, sizeof up, "%.2s0000", six);
    return sh_code_valid("gb2260_region", up) == 1;
}

/* YYYYMMDD at v: a real date from 1900 on and not after today (YYYYMMDD). */
static int birth_ok(const char *v, const char *today) {
    char iso[11];
    snprintf(iso, sizeof iso, "%.4s-%.2s-%.2s", v, v + 4, v + 6);
    if (!sh_valid_date(iso))
        return 0;
    return !today || strncmp(v, today, 8) <= 0;
}

static void today_compact(char out[9]) {
    char iso[11];
    sh_today_iso(iso);
    snprintf(out, 9, "%.4s%.2s%.2s", iso, iso + 5, iso + 8);
}

sh_id18_problem sh_id18_validate(const char *v, const char *today) {
    if (strlen(v) != 18 || !digits(v, 17) || !((v[17] >= '0' && v[17] <= '9') || v[17] == 'X'))
        return SH_ID18_FORM;
    if (!known_region(v))
        return SH_ID18_REGION;
    if (!birth_ok(v + 6, today))
        return SH_ID18_DATE;
    if (sh_id18_check_char(v) != v[17])
        return SH_ID18_CHECK;
    return SH_ID18_OK;
}

int sh_check_id_number(const sh_field *f, const char *v, sh_err *err) {
    char today[9];
    today_compact(today);
    switch (sh_id18_validate(v, today)) {
    case SH_ID18_OK: return SH_OK;
    case SH_ID18_FORM:
        return sh_err_add(err, 400, "invalid_id_number", f->name, v,
                          "“%s”应为 18 位：17 位数字加 1 位数字或 X", f->label);
    case SH_ID18_REGION:
        return sh_err_add(err, 400, "invalid_id_region", f->name, v, "“%s”前 6 位不是有效的行政区划代码",
                          f->label);
    case SH_ID18_DATE:
        return sh_err_add(err, 400, "invalid_id_birth_date", f->name, v, "“%s”第 7–14 位不是有效的出生日期",
                          f->label);
    case SH_ID18_CHECK: break;
    }
    return sh_err_add(err, 400, "invalid_id_check_digit", f->name, v, "“%s”校验位不正确", f->label);
}

int sh_valid_student_number(const char *v, const char *today) {
    if (strlen(v) != 19)
        return 0;
    switch (v[0]) {
    case 'G': return sh_id18_validate(v + 1, today) == SH_ID18_OK;
    case 'J': return sh_id18_validate(v + 1, today) == SH_ID18_OK;
    case 'L': return digits(v + 1, 18) && known_region(v + 1) && birth_ok(v + 7, today);
    default: return 0;
    }
}

int sh_check_student_number(const sh_field *f, const char *v, sh_err *err) {
    char today[9];
    today_compact(today);
    if (sh_valid_student_number(v, today))
        return SH_OK;
    return sh_err_add(
        err, 400, "invalid_student_number", f->name, v,
        "“%s”应为 G 加身份证号、J 加 18 位（区划码+出生日期+顺序码+校验位）或 L 加 18 位（区划码+出生日期+4 "
        "位数字）",
        f->label);
}

int sh_identifier_birth_date(const char *v, char out[11]) {
    size_t n = strlen(v);
    const char *d = NULL;
    if (n == 18 && digits(v, 17))
        d = v + 6;
    else if (n == 19 && (v[0] == 'G' || v[0] == 'J' || v[0] == 'L') && digits(v + 1, 17))
        d = v + 7;
    if (!d)
        return SH_ERR;
    snprintf(out, 11, "%.4s-%.2s-%.2s", d, d + 4, d + 6);
    return sh_valid_date(out) ? SH_OK : SH_ERR;
}

int sh_valid_phone(const char *v) {
    size_t n = strlen(v);
    if (n == 11 && v[0] == '1' && v[1] >= '3' && v[1] <= '9')
        return digits(v, 11);
    /* a fixed line: 3–4 digit area code starting with 0, a dash, 7–8 digits */
    const char *dash = strchr(v, '-');
    if (!dash || v[0] != '0')
        return 0;
    size_t area = (size_t)(dash - v), local = n - area - 1;
    return area >= 3 && area <= 4 && local >= 7 && local <= 8 && digits(v, (int)area) &&
           digits(dash + 1, (int)local);
}

int sh_check_phone(const sh_field *f, const char *v, sh_err *err) {
    if (sh_valid_phone(v))
        return SH_OK;
    return sh_err_add(err, 400, "invalid_phone", f->name, v,
                      "“%s”应为 11 位手机号或“区号-号码”形式的固定电话", f->label);
}

/* The code point at *p (UTF-8, already checked valid by the entity layer);
 * advances *p. */
static unsigned next_code_point(const unsigned char **p) {
    const unsigned char *s = *p;
    unsigned c = s[0];
    int n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (n > 1)
        c &= 0xFF >> (n + 1);
    for (int i = 1; i < n && s[i]; i++)
        c = c << 6 | (s[i] & 0x3F);
    *p = s + n;
    return c;
}

static int is_han(unsigned c) {
    return (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xF900 && c <= 0xFAFF) ||
           (c >= 0x20000 && c <= 0x3134F) || c == 0x3007; /* 〇 */
}

int sh_valid_person_name(const char *v) {
    const unsigned char *p = (const unsigned char *)v;
    int han = 0, latin = 0, n = 0;
    unsigned prev = 0;
    while (*p) {
        unsigned c = next_code_point(&p);
        int letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
        int mark = c == 0xB7 || c == 0x30FB || c == 0x2022; /* 间隔号 as keyboards type it */
        int joiner = c == ' ' || c == '-' || c == '.' || c == '\'';
        if (is_han(c))
            han = 1;
        else if (letter)
            latin = 1;
        else if (!mark && !joiner)
            return 0;
        if (n == 0 && (mark || joiner))
            return 0;
        if ((mark || joiner) &&
            (prev == 0xB7 || prev == 0x30FB || prev == 0x2022 || prev == ' ' || prev == '-'))
            return 0; /* two separators in a row */
        prev = c;
        n++;
    }
    return n > 0 && (han || latin);
}

int sh_check_person_name(const sh_field *f, const char *v, sh_err *err) {
    if (sh_valid_person_name(v))
        return SH_OK;
    return sh_err_add(err, 400, "invalid_name", f->name, v, "“%s”只能由汉字、字母、间隔号（·）和空格组成",
                      f->label);
}
