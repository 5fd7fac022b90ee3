/* demo_people.h — a deterministic generator of realistic Chinese people for the
 * demo city (`shushu demo`): names drawn from surnames weighted by their real
 * frequency and given names typical of the person's gender and generation,
 * birth dates, 18-character 居民身份证号 (GB 11643), mobile numbers, home
 * addresses, and a child's father and mother. Pure functions over a generator
 * state: no database, no clock; the same seed and the same calls give the same
 * people.
 *
 * ID numbers are unique across everything one generator issues. It keeps, per
 * (county, birth day, gender), how many numbers it has issued: a uint16_t for
 * each of the 36,525 days from 1930-01-01 to 2029-12-31 and both genders, that is
 * 146 KB per county, allocated the first time a county is used (12 counties:
 * 1.75 MB), whatever the number of people. The n-th number of a slot gets the
 * n-th element of a fixed permutation of its 499 sequence codes (odd 001–997 for
 * men, even 002–998 for women), so the codes look scattered, not counted. When a
 * slot is full the person is born a day later (within the range asked for). */
#ifndef SH_DEMO_PEOPLE_H
#define SH_DEMO_PEOPLE_H

#include "core/err.h"
#include "core/rng.h"

#include <stddef.h>
#include <stdint.h>

/* ---- calendar ---- */

/* Day number (days since 1900-01-01) of a date from 1900 to 2199; -1 when the
 * date does not exist. */
int32_t sh_day_of(int y, int m, int d);
/* The date of a day number, as numbers and as YYYY-MM-DD (out: 11 bytes). */
void sh_day_date(int32_t day, int *y, int *m, int *d);
void sh_day_iso(int32_t day, char out[11]);
/* The same month and day `years` earlier (29 February becomes 28 February). */
int32_t sh_day_years_before(int32_t day, int years);

/* ---- people ---- */

/* Days the generator issues ID numbers for (birth dates outside are refused). */
#define SH_PEOPLE_FIRST_YEAR 1930
#define SH_PEOPLE_LAST_YEAR 2029

typedef struct sh_people sh_people;

/* A new generator; NULL when out of memory. */
sh_people *sh_people_new(uint64_t seed);
void sh_people_free(sh_people *g);
/* The generator's random stream, for the caller's own draws (deterministic too). */
sh_rng *sh_people_rng(sh_people *g);
/* ID numbers issued so far, and bytes of counters held. */
uint64_t sh_people_issued(const sh_people *g);
size_t sh_people_memory(const sh_people *g);

/* Where people live: the county (GB/T 2260, 6 digits) whose code most of their
 * ID numbers carry and whose name ends the address prefix. */
typedef struct sh_people_place {
    const char *county;                /* e.g. "370702" */
    const char *prefix;                /* address up to the county: 山东省潍坊市潍城区 */
    int rural;                         /* addresses in villages rather than on streets */
    const char *const *born_elsewhere; /* other counties some were born in (may be NULL) */
    int nelsewhere;
} sh_people_place;

#define SH_PEOPLE_NAME_MAX 16 /* 2–4 characters of UTF-8 and the NUL */

typedef struct sh_gen_person {
    char name[SH_PEOPLE_NAME_MAX];
    char surname[8];    /* the surname part of name (one or two characters) */
    char gender[2];     /* "1" male, "2" female (GB/T 2261.1) */
    char birth[11];     /* YYYY-MM-DD */
    int32_t birth_day;  /* the same as a day number */
    char county[7];     /* county code the ID number carries */
    char id_number[19]; /* 居民身份证号 */
    char phone[12];     /* 11-digit mobile number */
    char address[192];  /* home address, starting with the place's prefix */
} sh_gen_person;

/* A person of the given gender ('1', '2', or 0: drawn, slightly more boys as
 * among Chinese births) born between the two days (inclusive), with surname
 * (NULL: drawn by frequency), an ID number unique in this generator, a mobile
 * number and an address in place. SH_ERR (with err) when the range is outside
 * SH_PEOPLE_FIRST_YEAR–SH_PEOPLE_LAST_YEAR, empty, or has no free ID number. */
int sh_people_make(sh_people *g, const sh_people_place *place, char gender, int32_t born_from,
                   int32_t born_to, const char *surname, sh_gen_person *out, sh_err *err);

/* A child's father and mother: 24–50 full years older than the child, with their
 * own ID numbers and phones and the child's address. The father carries the
 * child's surname, except for the few children named after their mother. */
int sh_people_parents(sh_people *g, const sh_people_place *place, const sh_gen_person *child,
                      sh_gen_person *father, sh_gen_person *mother, sh_err *err);

/* Pieces, for callers that compose people themselves. */
const char *sh_people_surname(sh_people *g); /* drawn by frequency */
void sh_people_name(sh_people *g, const char *surname, char gender, int birth_year,
                    char out[SH_PEOPLE_NAME_MAX]);
void sh_people_phone(sh_people *g, char out[12]);
void sh_people_address(sh_people *g, const sh_people_place *place, char *out, size_t size);
/* The address of a school or an office: street and number, or a village. */
void sh_people_site_address(sh_people *g, const sh_people_place *place, char *out, size_t size);
/* A temporary 学籍号: L + county + birth date (YYYYMMDD) + 4 digits from a
 * counter, so the first 10,000 a generator makes are all different. */
void sh_people_temp_student_number(sh_people *g, const char *county, const char *birth, char out[20]);

#endif
