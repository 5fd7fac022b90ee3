/* module.h — private to src/mastery/: the migrations, the model side (states,
 * parameters, DINA seeding) and the report handlers. */
#ifndef SH_MASTERY_MODULE_H
#define SH_MASTERY_MODULE_H

#include "kt/kt.h"
#include "mastery/mastery.h"
#include "model/api.h"

#include <jansson.h>

extern const sh_migration sh_mastery_migrations[];
extern const int sh_mastery_nmigrations;
extern const sh_entity sh_mastery_param_entity, sh_mastery_item_entity, sh_mastery_state_entity,
    sh_mastery_event_entity;

/* BKT parameters of a point without a fitted mastery_param row, and the Elo rates. */
extern const kt_bkt sh_mastery_defaults;
extern const kt_elo sh_mastery_elo;

/* Fewest submitted students for which DINA is fitted on a diagnostic; below,
 * each point is seeded with the BKT posterior of the student's answers. */
#define SH_MASTERY_DINA_MIN 10

/* Report thresholds on P(known) (docs/teaching.md §Reports): a point is weak
 * for a class or a student below WEAK; a prerequisite behind a weak point is a
 * gap below GAP (or when nobody has answered it); a student is at risk whose
 * mean over the points met is below RISK_MEAN or whose last RISK_WRONG
 * answers were all wrong; a point is mastered from MASTERED on. */
#define SH_MASTERY_WEAK 0.5
#define SH_MASTERY_GAP 0.6
#define SH_MASTERY_RISK_MEAN 0.4
#define SH_MASTERY_RISK_WRONG 3
#define SH_MASTERY_MASTERED 0.8

/* The class report of class_id (an org key) in school for subject (a course
 * code) over the class's tasks, or one task (its key; 0 = all): see report.c.
 * *out is a new JSON object. */
int sh_mastery_class_report(sh_conn *c, int64_t class_id, int64_t school, const char *subject, int64_t task,
                            json_t **out, sh_err *err);
/* A student's report (student key, school) over the points of subject (a
 * course code, as kg_point.subject holds it; NULL = all): see student.c. */
int sh_mastery_student_report(sh_conn *c, int64_t student, int64_t school, const char *subject, json_t **out,
                              sh_err *err);

/* Tiered homework (tiers.c): a tier from the mean P(known) over the chosen
 * points (from `from` on), and the band its suggested items' predicted
 * chance of a right answer must fall in. */
typedef struct sh_mastery_band {
    const char *tier;
    double from, lo, hi;
} sh_mastery_band;
extern const sh_mastery_band sh_mastery_bands[3];
#define SH_MASTERY_TIER_ITEMS 3

/* The plan shared by tiers and practice (plan.c). A point is a JSON object
 * {_key, id, code, name, prior, learn, guess, slip, chosen}. */
/* The direct prerequisites of the chosen points: SQL for `IN …`, the chosen
 * points' subquery written where %1$s stands. */
#define SH_MASTERY_SCOPE_POINTS "(SELECT e.prereq_id FROM kg_edge e WHERE e.point_id IN (%1$s))"
/* sql_fmt with the store's subquery over the JSON array of point keys bound
 * as $1 written where %1$s stands, prepared, points_json bound; NULL with err. */
sh_stmt *sh_mastery_prepare_scope(sh_conn *c, const char *sql_fmt, const char *points_json, sh_err *err);
/* Step s (NULL: SH_ERR, err already set) to its end, fn per row; finishes s. */
int sh_mastery_each_row(sh_stmt *s, sh_err *err, int (*fn)(void *ctx, sh_stmt *s), void *ctx);
/* The chosen points (keys in points_json) and their direct prerequisites into
 * the array points (graph order, with parameters), the edges of the chosen
 * points into the object edges (point key → [prereq key]). */
int sh_mastery_scope_load(sh_conn *c, const char *points_json, json_t *points, json_t *edges, sh_err *err);
int64_t sh_mastery_point_key(const json_t *point);
/* value (a new reference, taken) appended to the array of the object groups
 * under key (an integer, as its text); SH_OK or SH_ERR. */
int sh_mastery_group_add(json_t *groups, int64_t key, json_t *value);
/* A sh_mastery_each_row callback: the row's column 1 (an integer) appended to
 * the array of the object arg under column 0 (an integer, as its key). */
int sh_mastery_group_row(void *arg, sh_stmt *s);
/* map's value under point's key (maps keyed by point: P(known), θ, items); NULL none. */
json_t *sh_mastery_of_point(const json_t *map, const json_t *point);
/* The student's Elo ability θ on point, from abilities (point key → θ); a
 * point never met 0, where the Elo update of observe.c starts. */
double sh_mastery_ability(const json_t *abilities, const json_t *point);
/* Whether a predicted chance of a right answer lies in the tier's band. */
int sh_mastery_in_band(const sh_mastery_band *b, double predicted);
/* Of items (an array of {_v: item key, d: Elo difficulty, …}, oldest first)
 * not in taken (an array of item keys; NULL: none), the one whose Elo
 * prediction σ(ability − d) is nearest the middle of b's band (so one inside
 * the band when there is one, else the one nearest the band), the older on a
 * tie, *predicted set; NULL when none. */
json_t *sh_mastery_best_item(const json_t *items, double ability, const sh_mastery_band *b,
                             const json_t *taken, double *predicted);
/* An item's Elo difficulty from a row: column elo (mastery_item.difficulty)
 * when not NULL, else column bank (the bank's 1–5) through
 * sh_mastery_elo_start. */
double sh_mastery_item_difficulty(sh_stmt *s, int elo, int bank);
/* Called by the walk for each point to work on, in order; pass 0 a
 * prerequisite (not mastered) of a chosen point not mastered, 1 a chosen point
 * not mastered, 2 a mastered chosen point; why in Chinese. A point may come twice. */
typedef void (*sh_mastery_visit)(void *arg, const sh_mastery_band *b, json_t *point, double p_known, int pass,
                                 const char *why);
/* One student's tier from the mean P(known) over the chosen points (known:
 * point key → P, a point missing at its prior; *mean set), then visit on each
 * point in the order above (within a pass, graph order). Returns the band. */
const sh_mastery_band *sh_mastery_walk(json_t *points, json_t *edges, const json_t *known,
                                       sh_mastery_visit visit, void *arg, double *mean);
/* Tiers and suggested items for each student of the class over the points
 * whose keys are the JSON array points_json ("[3,7]"). */
int sh_mastery_tiers(sh_conn *c, int64_t class_id, int64_t school, const char *points_json, json_t **out,
                     sh_err *err);

/* What `shushu mastery fit` did. */
typedef struct sh_mastery_fit_result {
    long answers, points;
    double log_likelihood;
} sh_mastery_fit_result;
/* Fit BKT per knowledge point (with a forgetting rate when forgets) from every
 * counted answer and store the parameters in mastery_param, in its own write
 * transaction (fit.c). No answers: nothing is written, SH_OK. */
int sh_mastery_fit(sh_conn *c, int forgets, int threads, sh_mastery_fit_result *res, sh_err *err);

/* Route handlers (handlers.c). */
int sh_mastery_class_api(sh_req *req);
int sh_mastery_student_api(sh_req *req);
int sh_mastery_my_api(sh_req *req);
int sh_mastery_tiers_api(sh_req *req);

/* The submission being counted. */
typedef struct sh_mastery_sub {
    int64_t id, school, student, task;
    int diagnostic; /* the task is a 课前问学 diagnostic */
} sh_mastery_sub;

/* Whether a graded answer counts as right: verdict right, or scored with at
 * least 60 % of the item's score. */
int sh_mastery_correct(const char *verdict, int64_t score, int64_t max_score);
/* Starting Elo difficulty of an item from its bank difficulty 1–5 (logits). */
double sh_mastery_elo_start(int difficulty);
/* Re-fit the diagnostic task of sub and seed its submitted students (diagnose.c). */
int sh_mastery_diagnose(sh_conn *c, const sh_mastery_sub *sub, sh_err *err);

#endif
