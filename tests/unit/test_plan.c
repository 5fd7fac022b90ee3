/* test_plan.c — tiered homework and the next best item (src/mastery/plan.c)
 * against a hand-worked class of points: tiers from mean mastery, predictions,
 * the order of points (weak targets' weak prerequisites first), the band of
 * each tier, used items skipped, and the next best item. */
#include "harness.h"

#include "mastery/plan.h"

#include <math.h>

static int near(double a, double b) { return fabs(a - b) < 1e-12; }

/* guess 0.2, slip 0.1 throughout, so P(right) = 0.9·P(L) + 0.2·(1 − P(L)) = 0.2 + 0.7·P(L):
 *   0 target,             P(L) 0.30 → 0.41 (weak)
 *   1 target,             P(L) 0.80 → 0.76
 *   2 prerequisite of 0,  P(L) 0.50 → 0.55 (weak)
 *   3 prerequisite of 0,  P(L) 0.90 → 0.83 (strong: not practised)
 * Mean over the targets (0.30 + 0.80) / 2 = 0.55 → tier B, band 0.60–0.85.
 * Order of points: 2 (weak prerequisite of the weakest target), 0, then 1. */
static const plan_point pts[] = {
    {.key = 10, .p_known = 0.30, .guess = 0.2, .slip = 0.1, .target = 1, .prereq_of = -1},
    {.key = 11, .p_known = 0.80, .guess = 0.2, .slip = 0.1, .target = 1, .prereq_of = -1},
    {.key = 12, .p_known = 0.50, .guess = 0.2, .slip = 0.1, .target = 0, .prereq_of = 0},
    {.key = 13, .p_known = 0.90, .guess = 0.2, .slip = 0.1, .target = 0, .prereq_of = 0},
};

/* item 4 has its own guess 0.5: 0.9·0.3 + 0.5·0.7 = 0.62 */
static plan_item items[] = {
    {.key = 100, .point = 0, .guess = -1, .slip = -1},            /* 0.41 */
    {.key = 101, .point = 2, .guess = -1, .slip = -1},            /* 0.55 */
    {.key = 102, .point = 1, .guess = -1, .slip = -1},            /* 0.76 */
    {.key = 103, .point = 1, .guess = -1, .slip = -1, .used = 1}, /* answered before */
    {.key = 104, .point = 0, .guess = 0.5, .slip = -1},           /* 0.62 */
    {.key = 105, .point = 3, .guess = -1, .slip = -1},            /* 0.83, a strong prerequisite */
    {.key = 106, .point = 1, .guess = -1, .slip = -1},            /* 0.76 */
};
#define NPTS 4
#define NITEMS 7

TEST(plan_tiers_and_predictions_by_hand) {
    CHECK(plan_tier_of(pts, NPTS) == PLAN_TIER_B);
    plan_point strong[] = {{.p_known = 0.7, .target = 1, .prereq_of = -1},
                           {.p_known = 0.75, .target = 1, .prereq_of = -1}};
    CHECK(plan_tier_of(strong, 2) == PLAN_TIER_A);
    strong[0].p_known = 0.2;
    strong[1].p_known = 0.5;
    CHECK(plan_tier_of(strong, 2) == PLAN_TIER_C); /* mean 0.35 */
    CHECK(near(plan_predict(&pts[0], &items[0]), 0.41));
    CHECK(near(plan_predict(&pts[0], &items[4]), 0.62));
    CHECK(near(plan_predict(&pts[2], &items[1]), 0.55));
    CHECK(near(plan_band_of(PLAN_TIER_C).low, 0.70) && near(plan_band_of(PLAN_TIER_C).high, 0.95));
}

/* Tier B (band 0.60–0.85, middle 0.725). In the band first, one item per point
 * and round in the order 2, 0, 1: item 4 (point 0, 0.62), item 2 (point 1,
 * 0.76; item 6 ties and comes later), then item 6; then outside the band,
 * nearest first: item 1 (0.55, 0.05 below). Item 3 is used, item 5's point is
 * strong, item 0 (0.41) is farther than the four wanted. */
TEST(plan_choose_tier_b_by_hand) {
    int chosen[6];
    double pred[6];
    int n = plan_choose(pts, NPTS, items, NITEMS, PLAN_TIER_B, 4, chosen, pred);
    REQUIRE(n == 4);
    CHECK(chosen[0] == 4 && chosen[1] == 2 && chosen[2] == 6 && chosen[3] == 1);
    CHECK(near(pred[0], 0.62) && near(pred[1], 0.76) && near(pred[2], 0.76) && near(pred[3], 0.55));
    /* asking for more takes the rest of the points in play, never item 3 or 5 */
    n = plan_choose(pts, NPTS, items, NITEMS, PLAN_TIER_B, 6, chosen, NULL);
    CHECK(n == 5 && chosen[4] == 0);
}

/* Tier C (band 0.70–0.95): only the point-1 items are inside; then the nearest
 * below the band in point order: item 1 (0.15 below), item 4 (0.08 below, but
 * point 0 comes after point 2 in the round). */
TEST(plan_choose_tier_c_by_hand) {
    int chosen[4];
    int n = plan_choose(pts, NPTS, items, NITEMS, PLAN_TIER_C, 4, chosen, NULL);
    REQUIRE(n == 4);
    CHECK(chosen[0] == 2 && chosen[1] == 6 && chosen[2] == 1 && chosen[3] == 4);
}

/* The next best item: point 2 first (weak prerequisite of the weakest target),
 * its item 1 predicted 0.55 is within 0.50–0.90; once answered, point 0's item 4
 * (0.62; item 0 at 0.41 is too hard); once every item is used, none. */
TEST(plan_next_best_item_by_hand) {
    plan_item copy[NITEMS];
    memcpy(copy, items, sizeof copy);
    CHECK(plan_next(pts, NPTS, copy, NITEMS) == 1);
    copy[1].used = 1;
    CHECK(plan_next(pts, NPTS, copy, NITEMS) == 4);
    for (int i = 0; i < NITEMS; i++)
        copy[i].used = 1;
    CHECK(plan_next(pts, NPTS, copy, NITEMS) == -1);
}
