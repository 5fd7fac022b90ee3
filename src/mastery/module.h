/* module.h — private to src/mastery/: the migrations, the model side (states,
 * parameters, DINA seeding) and the report handlers. */
#ifndef SH_MASTERY_MODULE_H
#define SH_MASTERY_MODULE_H

#include "kt/kt.h"
#include "mastery/mastery.h"
#include "model/api.h"

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
