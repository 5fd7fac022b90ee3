/* demo_roster.h — the people of the demo city (`shushu demo`): once the
 * organisation tree and the demo accounts exist, fill every school with its
 * profile, staff (工号, categories, education, titles, subjects), class profiles
 * with head teachers, teaching assignments for the current term, and students
 * with their 学籍, enrolment and two guardians, each a person with a profile and
 * an identity document (one person however many roles, persons.h). Everything
 * is written through sh_record_insert as the system (source "system", actor 0),
 * so fields are encrypted and masked and every row is in the change log.
 *
 * The demo accounts get a place in this story: the head teacher (刘芳) heads
 * her class and teaches it 语文, the teacher (孙志强) teaches 数学 in his two
 * classes, the school administrator (赵敏) is on the school's staff, the student
 * (周子涵) sits in the head teacher's class and the guardian (周海涛) is her
 * father.
 *
 * It also plants a few realistic data problems for the duplicate report: about
 * one school in three registers, in a later school of the same stage, a copy of
 * one of its students (same name, gender and birth date, parents likewise) with
 * no identity document; and about one school in eleven loses a student who
 * transferred out in mid-October of this term (enrolment closed, 学籍 status 10)
 * to a later school (a new 学籍 row and enrolment of the same person, 转入).
 *
 * One write transaction per school, with its own memory pool, so time and memory
 * grow with the largest school, not the city. Deterministic for a seed. */
#ifndef SH_DEMO_ROSTER_H
#define SH_DEMO_ROSTER_H

#include "cli/cli.h"

#include <stdint.h>

/* Which schools get people. */
typedef enum {
    SH_DEMO_PEOPLE_NONE = 0, /* only the organisation tree and the accounts */
    SH_DEMO_PEOPLE_SCHOOL,   /* the schools of the demo accounts' classes (SH_DEMO_ACCOUNT_SCHOOLS) */
    SH_DEMO_PEOPLE_ALL,      /* every school */
} sh_demo_people;

/* Schools the demo accounts have classes in: the first school of the first
 * district (a 高中) and the district's first 初级中学 (the teaching loop's). */
#define SH_DEMO_ACCOUNT_SCHOOLS 2

typedef struct sh_demo_roster_stats {
    long long schools, classes, staff, students, guardians, persons, transfers, duplicates;
} sh_demo_roster_stats;

/* The current and the previous term (written for any choice but NONE). */
#define SH_DEMO_SCHOOL_YEAR 2026 /* 2026—2027 学年 */

/* The level (1–12) of a grade the demo knows by name (一年级 … 高三); 0 otherwise. */
int sh_demo_grade_level(const char *name);
/* How many students a class of this level gets (a 教学点's class few). */
struct sh_rng;
int sh_demo_class_size(struct sh_rng *r, int level, int teaching_point);

/* Fill the schools of the demo city. pg (may be NULL) steps once per school;
 * st (may be NULL) gets the counts. Runs its own transactions: c must not be in
 * one. On SH_ERR the schools done so far stay written. */
int sh_demo_roster(sh_conn *c, uint64_t seed, sh_demo_people which, sh_progress *pg, sh_demo_roster_stats *st,
                   sh_err *err);

#endif
