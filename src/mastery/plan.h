/* plan.h — tiered homework (分层作业) and the next best item, as pure
 * functions over numbers the caller has read from the store: a student's
 * P(known) of each knowledge point in play, the points' guess/slip, and the
 * candidate items with their main knowledge point. No store, no allocation.
 *
 * A student's tier comes from the mean P(known) over the points the homework
 * targets: A (≥ 0.70, 巩固提高), B (≥ 0.40, 查漏补缺), C (below, 夯实基础). Each
 * tier has a band of predicted success, P(right) = P(L)(1 − slip) + (1 − P(L))·guess
 * (the BKT one-step prediction): A 0.50–0.80 (stretching), B 0.60–0.85, C 0.70–0.95
 * (success first, to build on). Items are chosen weakest point first, and for a
 * weak point (P(known) < 0.60) its weak prerequisites before it; an item whose
 * prediction lies in the band is preferred, then the nearest to the band. */
#ifndef SH_MASTERY_PLAN_H
#define SH_MASTERY_PLAN_H

#include <stdint.h>

#define PLAN_WEAK 0.60 /* P(known) below this makes a point weak */

typedef enum { PLAN_TIER_A = 0, PLAN_TIER_B = 1, PLAN_TIER_C = 2 } plan_tier;

typedef struct plan_band {
    double low, high;
} plan_band;

/* A knowledge point in play for one student. */
typedef struct plan_point {
    int64_t key;
    double p_known; /* the student's P(known) now (the prior when never seen) */
    double guess, slip;
    int target;    /* 1: the homework is about it; 0: only a prerequisite of one */
    int prereq_of; /* index of the target point it is a prerequisite of, or -1 */
} plan_point;

/* A candidate item: its key, the index of its main knowledge point, and its own
 * guess/slip when the fit has them (KT-IDEM; negative: the point's). */
typedef struct plan_item {
    int64_t key;
    int point; /* index into the points array */
    double guess, slip;
    int used; /* set by the caller for items the student has answered (skipped) */
} plan_item;

/* The tier of a student from the mean P(known) over the target points (A when
 * there is none). */
plan_tier plan_tier_of(const plan_point *pts, int npts);
/* The band of predicted success of a tier. */
plan_band plan_band_of(plan_tier t);
/* P(right) of item it (whose point is p). */
double plan_predict(const plan_point *p, const plan_item *it);

/* Choose up to want items for one student of tier t: writes their indexes into
 * chosen (room for want) and the predictions into predicted (may be NULL), and
 * returns how many were chosen. Never picks an item twice or a used one. */
int plan_choose(const plan_point *pts, int npts, const plan_item *items, int nitems, plan_tier t, int want,
                int *chosen, double *predicted);

/* The next best item for practice: among the items not used, the one on the
 * weakest point (prerequisites of a weak point first) whose prediction is
 * nearest 0.70, taken from the first point in that order with an item
 * predicted between 0.50 and 0.90, else the nearest 0.70 of all; -1 when none
 * is left. */
int plan_next(const plan_point *pts, int npts, const plan_item *items, int nitems);

#endif
