/* grades.c — the grade succession rule used by the year-end promotion (升级).
 *
 * Grade nodes of the organisation tree are named (一年级 … 六年级, 七年级 … 九年级
 * or 初一 … 初三, 高一 … 高三). Each name is a year of a stage: primary 1–6, junior
 * secondary 1–3, senior secondary 1–3. The JY/T 1001 年级 code of a single year is
 * 1, 2, 3, 5, 7, 9 for years 1 to 6: the codes between (4 三年级及以上, 6 四年级及
 * 以上, 8 五年级及以上, 10 六年级及以上) group several years and never name one
 * class's grade, so succession steps over them. A year moves to the next year of
 * its stage. The last year of a stage graduates, except that the sixth primary
 * year moves on to 七年级 in a school that has junior grades as well (九年一贯制,
 * no entrance examination in between); the third junior year always graduates
 * (中考 decides where a pupil goes next). */
#include "lifecycle/module.h"

#include <string.h>

static const struct {
    const char *name;
    int stage, year;
} names[] = {
    {"一年级", SH_STAGE_PRIMARY, 1}, {"二年级", SH_STAGE_PRIMARY, 2}, {"三年级", SH_STAGE_PRIMARY, 3},
    {"四年级", SH_STAGE_PRIMARY, 4}, {"五年级", SH_STAGE_PRIMARY, 5}, {"六年级", SH_STAGE_PRIMARY, 6},
    {"七年级", SH_STAGE_JUNIOR, 1},  {"八年级", SH_STAGE_JUNIOR, 2},  {"九年级", SH_STAGE_JUNIOR, 3},
    {"初一", SH_STAGE_JUNIOR, 1},    {"初二", SH_STAGE_JUNIOR, 2},    {"初三", SH_STAGE_JUNIOR, 3},
    {"高一", SH_STAGE_SENIOR, 1},    {"高二", SH_STAGE_SENIOR, 2},    {"高三", SH_STAGE_SENIOR, 3},
};

static const int years_of[] = {[SH_STAGE_PRIMARY] = 6, [SH_STAGE_JUNIOR] = 3, [SH_STAGE_SENIOR] = 3};
static const char *const jyt_codes[] = {"1", "2", "3", "5", "7", "9"};

int sh_grade_parse(const char *name, int *stage, int *year) {
    for (size_t i = 0; name && i < sizeof names / sizeof names[0]; i++)
        if (strcmp(names[i].name, name) == 0) {
            *stage = names[i].stage;
            *year = names[i].year;
            return 1;
        }
    return 0;
}

const char *sh_grade_name(int stage, int year) {
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].stage == stage && names[i].year == year)
            return names[i].name; /* the first spelling is the canonical one */
    return NULL;
}

const char *sh_grade_jyt_code(int year) { return year >= 1 && year <= 6 ? jyt_codes[year - 1] : NULL; }

int sh_grade_next(int stage, int year, int school_has_junior, int *next_stage, int *next_year) {
    if (stage < SH_STAGE_PRIMARY || stage > SH_STAGE_SENIOR || year < 1 || year > years_of[stage])
        return -1;
    if (year < years_of[stage]) {
        *next_stage = stage;
        *next_year = year + 1;
        return 1;
    }
    if (stage == SH_STAGE_PRIMARY && school_has_junior) {
        *next_stage = SH_STAGE_JUNIOR;
        *next_year = 1;
        return 1;
    }
    return 0;
}
