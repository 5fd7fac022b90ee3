/* mastery.h — 学情: each student's mastery of each knowledge point, kept by BKT
 * with an O(1) online update per graded answer, seeded by DINA from a 课前问学
 * diagnostic; Elo item difficulty; the class and student reports built on it
 * (docs/teaching.md). The assignment module tells it of every graded
 * submission through sh_mastery_submission. */
#ifndef SH_MASTERY_H
#define SH_MASTERY_H

#include "app.h"

extern const sh_module sh_mastery_module;

/* A submission's answers were graded (objective ones at submit, a subjective
 * one when the teacher scored it): bring the student's mastery of the items'
 * knowledge points up to date from the answers not yet counted, and for a
 * diagnostic task seed the starting mastery of the task's students from DINA.
 * In the caller's write transaction; an answer is counted once however often
 * this is called. */
int sh_mastery_submission(sh_conn *c, int64_t submission, sh_err *err);

#endif
