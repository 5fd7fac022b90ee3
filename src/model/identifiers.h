/* identifiers.h — validation of Chinese national identifiers at the edge
 * (datahub.md §Identifiers): 学校（机构）标识码 today; 公民身份号码 (GB 11643) and
 * 学籍号 join as the roster needs them. Each check is an sh_check_fn usable in a
 * field declaration, and adds a Chinese error naming the field. */
#ifndef SH_IDENTIFIERS_H
#define SH_IDENTIFIERS_H

#include "model/entity.h"

/* 10 digits AABBCCCCCC: AA a known school category, BB a GB/T 2260 province. */
int sh_check_school_code(const sh_field *f, const char *v, sh_err *err);
/* The same check as a predicate: 1 when v is a well-formed 学校标识码. */
int sh_valid_school_code(const char *v);

/* GB 11643 check character (ISO 7064 MOD 11-2) of the first 17 digits: '0'–'9' or
 * 'X'; 0 when first17 is not 17 ASCII digits. */
char sh_id18_check_char(const char *first17);

/* Why an 18-character 公民身份号码 is not valid (0 when it is): */
typedef enum {
    SH_ID18_OK = 0,
    SH_ID18_FORM,   /* not 17 digits + digit or X */
    SH_ID18_REGION, /* address code not a GB/T 2260 county (or its city/province) */
    SH_ID18_DATE,   /* birth date not a real date, or in the future */
    SH_ID18_CHECK,  /* check character wrong */
} sh_id18_problem;
/* v must already be normalised (upper-case X). today is YYYYMMDD, for the
 * not-in-the-future rule. */
sh_id18_problem sh_id18_validate(const char *v, const char *today);
/* The field check: a 居民身份证号 (18 characters); error codes invalid_id_number,
 * invalid_id_region, invalid_id_birth_date, invalid_id_check_digit. */
int sh_check_id_number(const sh_field *f, const char *v, sh_err *err);

/* 全国学籍号: G + a valid 身份证号, J + 18 digits in the ID form (region + birth date
 * + sequence + check character), or L + region + birth date + 4 digits. */
int sh_valid_student_number(const char *v, const char *today);
int sh_check_student_number(const sh_field *f, const char *v, sh_err *err);
/* Birth date YYYY-MM-DD carried by an ID number or a J/L/G 学籍号 (out gets 11
 * bytes); SH_ERR when v carries none. */
int sh_identifier_birth_date(const char *v, char out[11]);

/* A person's name as 户籍 records it: Chinese characters (any CJK block), with the
 * 间隔号 · of minority and foreign names, or a name in Latin letters with spaces,
 * hyphens, dots and apostrophes (foreign nationals); starting with a letter or a
 * character. No digits, no symbols — nothing a spreadsheet would run. */
int sh_valid_person_name(const char *v);
int sh_check_person_name(const sh_field *f, const char *v, sh_err *err);

/* Telephone: an 11-digit mobile number (1[3-9]…) or a fixed line 0AA(A)-NNNNNNN(N). */
int sh_valid_phone(const char *v);
int sh_check_phone(const sh_field *f, const char *v, sh_err *err);

#endif
