/* mastery.h — 学情: each student's mastery of each knowledge point, kept by BKT
 * with an O(1) online update per graded answer, seeded by DINA from a 课前问学
 * diagnostic; Elo item difficulty; the class and student reports built on it
 * (docs/teaching.md). The assignment module tells it of every graded
 * submission through sh_mastery_submission. */
#ifndef SH_MASTERY_H
#define SH_MASTERY_H

#include "app.h"

#include <jansson.h>

extern const sh_module sh_mastery_module;

/* A submission's answers were graded (objective ones at submit, a subjective
 * one when the teacher scored it): bring the student's mastery of the items'
 * knowledge points up to date from the answers not yet counted, and for a
 * diagnostic task seed the starting mastery of the task's students from DINA.
 * In the caller's write transaction; an answer is counted once however often
 * this is called. */
int sh_mastery_submission(sh_conn *c, int64_t submission, sh_err *err);

/* Items of a student's last this many practice answers are not offered again. */
#define SH_MASTERY_PRACTICE_RECENT 20

/* The next best practice item (docs/teaching.md §Practice). */
typedef struct sh_mastery_pick {
    int64_t version, point;      /* the item version and its main point; 0 when nothing to practise */
    double p_known, predicted;   /* P(known) of the point, Elo chance of a right answer on the item, now */
    double target, lo, hi, mean; /* the tier's band, its middle, the mean P(known) of the tier */
    const char *tier, *why;      /* A/B/C; why this point, or why nothing (Chinese) */
    int pass;                    /* 0 a prerequisite, 1 a weak point, 2 a mastered point */
    int in_band;                 /* predicted lies in the band (else the item nearest it) */
} sh_mastery_pick;

/* The next best item for the student (key, school; klass the class they are
 * in now) in subject (a course code) over the points whose keys are the JSON
 * array points_json ("[3,7]"; NULL: the default scope). out->version is 0
 * when there is nothing to practise, with out->why. Reads only. */
int sh_mastery_practice_next(sh_conn *c, int64_t student, int64_t school, int64_t klass, const char *subject,
                             const char *points_json, sh_mastery_pick *out, sh_err *err);

/* How a counted answer moved the student's P(known), one object per point of
 * its item (main point first): {point: {id, code, name}, before, after} —
 * after from the answer's event, before from the event before it on the point
 * (or the point's prior). A new JSON array; NULL with err on failure. */
json_t *sh_mastery_answer_moves(sh_conn *c, int64_t answer, int64_t school, sh_err *err);

#endif
