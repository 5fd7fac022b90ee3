/* plan.c — tiered homework and the next best item (see plan.h for the rules). */
#include "mastery/plan.h"

#include <math.h>
#include <stdlib.h>

#define MAX_ORDER 64 /* points in play for one student */

plan_tier plan_tier_of(const plan_point *pts, int npts) {
    double sum = 0;
    int n = 0;
    for (int i = 0; i < npts; i++)
        if (pts[i].target) {
            sum += pts[i].p_known;
            n++;
        }
    double mean = n ? sum / n : 1.0;
    return mean >= 0.70 ? PLAN_TIER_A : mean >= 0.40 ? PLAN_TIER_B : PLAN_TIER_C;
}

plan_band plan_band_of(plan_tier t) {
    static const plan_band bands[] = {{0.50, 0.80}, {0.60, 0.85}, {0.70, 0.95}};
    return bands[t >= PLAN_TIER_A && t <= PLAN_TIER_C ? t : PLAN_TIER_B];
}

double plan_predict(const plan_point *p, const plan_item *it) {
    double g = it && it->guess >= 0 ? it->guess : p->guess, s = it && it->slip >= 0 ? it->slip : p->slip;
    return p->p_known * (1 - s) + (1 - p->p_known) * g;
}

/* qsort_r order of point indexes by P(known), then index (stable across runs). */
static int by_p_known(const void *a, const void *b, void *points) {
    const plan_point *pts = points;
    double x = pts[*(const int *)a].p_known, y = pts[*(const int *)b].p_known;
    return x < y ? -1 : x > y ? 1 : *(const int *)a - *(const int *)b;
}

/* The points in the order items are taken from: target points weakest first,
 * each weak one preceded by its weak prerequisites (weakest first). Returns how
 * many; prerequisites of strong targets and strong prerequisites are left out. */
static int point_order(const plan_point *pts, int npts, int *order) {
    int targets[MAX_ORDER], nt = 0, n = 0;
    for (int i = 0; i < npts && nt < MAX_ORDER; i++)
        if (pts[i].target)
            targets[nt++] = i;
    qsort_r(targets, (size_t)nt, sizeof *targets, by_p_known, (void *)pts);
    for (int k = 0; k < nt && n < MAX_ORDER; k++) {
        int t = targets[k];
        if (pts[t].p_known < PLAN_WEAK) {
            int pre[MAX_ORDER], np = 0;
            for (int i = 0; i < npts && np < MAX_ORDER; i++)
                if (!pts[i].target && pts[i].prereq_of == t && pts[i].p_known < PLAN_WEAK)
                    pre[np++] = i;
            qsort_r(pre, (size_t)np, sizeof *pre, by_p_known, (void *)pts);
            for (int j = 0; j < np && n < MAX_ORDER; j++) {
                int seen = 0;
                for (int m = 0; m < n; m++)
                    seen |= order[m] == pre[j];
                if (!seen)
                    order[n++] = pre[j];
            }
        }
        if (n < MAX_ORDER)
            order[n++] = t;
    }
    return n;
}

static double band_distance(double p, plan_band b) {
    return p < b.low ? b.low - p : p > b.high ? p - b.high : 0;
}

int plan_choose(const plan_point *pts, int npts, const plan_item *items, int nitems, plan_tier t, int want,
                int *chosen, double *predicted) {
    int order[MAX_ORDER], norder = point_order(pts, npts, order), n = 0;
    plan_band b = plan_band_of(t);
    double mid = (b.low + b.high) / 2;
    /* phase 0: items inside the band, one per point per round; phase 1: the rest, nearest the band */
    for (int phase = 0; phase < 2 && n < want; phase++) {
        for (int progress = 1; progress && n < want;) {
            progress = 0;
            for (int k = 0; k < norder && n < want; k++) {
                int best = -1;
                double best_score = 0;
                for (int i = 0; i < nitems; i++) {
                    if (items[i].used || items[i].point != order[k])
                        continue;
                    int taken = 0;
                    for (int j = 0; j < n && !taken; j++)
                        taken = chosen[j] == i;
                    if (taken)
                        continue;
                    double p = plan_predict(&pts[order[k]], &items[i]), d = band_distance(p, b);
                    if (phase == 0 && d > 0)
                        continue;
                    double score = phase == 0 ? fabs(p - mid) : d;
                    if (best < 0 || score < best_score) {
                        best = i;
                        best_score = score;
                    }
                }
                if (best >= 0) {
                    if (predicted)
                        predicted[n] = plan_predict(&pts[order[k]], &items[best]);
                    chosen[n++] = best;
                    progress = 1;
                }
            }
        }
    }
    return n;
}

int plan_next(const plan_point *pts, int npts, const plan_item *items, int nitems) {
    int order[MAX_ORDER], norder = point_order(pts, npts, order);
    for (int k = 0; k < norder; k++) {
        int best = -1;
        double best_d = 0;
        for (int i = 0; i < nitems; i++) {
            if (items[i].used || items[i].point != order[k])
                continue;
            double p = plan_predict(&pts[order[k]], &items[i]);
            if (p < 0.50 || p > 0.90)
                continue;
            if (best < 0 || fabs(p - 0.70) < best_d) {
                best = i;
                best_d = fabs(p - 0.70);
            }
        }
        if (best >= 0)
            return best;
    }
    int best = -1;
    double best_d = 0;
    for (int i = 0; i < nitems; i++) {
        if (items[i].used || items[i].point < 0 || items[i].point >= npts)
            continue;
        double d = fabs(plan_predict(&pts[items[i].point], &items[i]) - 0.70);
        if (best < 0 || d < best_d) {
            best = i;
            best_d = d;
        }
    }
    return best;
}
