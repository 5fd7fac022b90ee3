/* module.h — what the lifecycle module's files share: the kinds of change and
 * their flows, the grade succession rule, record helpers and the handlers. */
#ifndef SH_LIFECYCLE_MODULE_H
#define SH_LIFECYCLE_MODULE_H

#include "flow/flow.h"
#include "lifecycle/lifecycle.h"
#include "model/api.h"

/* A kind of change a student can be the subject of. */
typedef struct sh_change_kind {
    const char *kind;  /* "transfer" */
    const char *code;  /* JY/T 异动类别: "21" */
    const char *label; /* "转学" */
    const sh_flow *flow;
    int needs_enrolled;     /* the student must be in a class now */
    int to_class;           /* 1: a target class is required */
    int to_school;          /* 1: a target school is required (transfers) */
    int reason;             /* 1: a reason code is required */
    const char *status;     /* student status after approval (NULL: unchanged) */
    const char *entry_type; /* entry type of the new enrolment (NULL: none) */
} sh_change_kind;

const sh_change_kind *sh_change_kind_by_code(const char *code);
const sh_change_kind *sh_change_kind_by_name(const char *kind);
extern const sh_flow sh_promotion_flow;

/* Grade succession (grades.c). Stages of a grade name. */
enum { SH_STAGE_PRIMARY = 0, SH_STAGE_JUNIOR = 1, SH_STAGE_SENIOR = 2 };
/* 1 and the stage and year (1-based) of a grade name; 0 for a name not known. */
int sh_grade_parse(const char *name, int *stage, int *year);
/* Canonical name of a stage's year, or NULL. */
const char *sh_grade_name(int stage, int year);
/* JY/T 1001 年级 code of a year of schooling (1, 2, 3, 5, 7, 9), or NULL. */
const char *sh_grade_jyt_code(int year);
/* The grade after (stage, year): 1 with the next one, 0 when the pupil graduates,
 * -1 for a grade that is not a year of a stage. school_has_junior: the school has
 * junior grades (the primary sixth year then continues to 七年级). */
int sh_grade_next(int stage, int year, int school_has_junior, int *next_stage, int *next_year);

/* The class number in a class name like 七年级（3）班; 0 when none. */
int sh_lc_class_number(const char *name);

/* Records built in code (values in p). */
sh_record sh_lc_record(sh_pool *p, const sh_entity *e);
void sh_lc_set_i(sh_record *r, const char *field, int64_t v);
void sh_lc_set_s(sh_record *r, const char *field, const char *v);

/* Scope of student_change rows for the caller: the sending and the receiving
 * school (unmasking the reason with roster.unmask and a reason, audited). */
int sh_lc_scope(sh_req *req, const char *perm, sh_scope *out);
/* The writer's provenance (console or api token). */
sh_provenance sh_lc_provenance(sh_req *req);
/* Date arithmetic on YYYY-MM-DD: today (China) plus days, into out. */
void sh_lc_date_plus(int days, char out[11]);

/* Writes of the effects (apply.c), in the decision's transaction. */
int sh_lc_mark(const sh_flow_run *run, int64_t id, int64_t school, const char *state, const int64_t *counts,
               sh_err *err);
int sh_lc_end_enrollment(const sh_flow_run *run, int64_t enrollment, int64_t school, const char *date,
                         const char *exit_type, sh_err *err);
int sh_lc_start_enrollment(const sh_flow_run *run, int64_t school, int64_t student, int64_t class_id,
                           const char *date, const char *entry_type, sh_err *err);
int sh_lc_set_status(const sh_flow_run *run, int64_t student, int64_t school, const char *status,
                     sh_err *err);

/* Flow callbacks (apply.c, promotion.c). */
int sh_lc_apply_change(const sh_flow_run *run, sh_err *err);
int sh_lc_close_change(const sh_flow_run *run, sh_err *err);
int sh_lc_apply_promotion(const sh_flow_run *run, sh_err *err);
/* Check a promotion can be carried out (no writes): SH_OK or errors. */
int sh_lc_plan_promotion(sh_conn *c, sh_pool *p, int64_t school, const char *effective_date, sh_err *err);

/* Handlers. */
int sh_lc_list(sh_req *req);
int sh_lc_get(sh_req *req);
int sh_lc_history(sh_req *req);
int sh_lc_create(sh_req *req);
int sh_lc_promote(sh_req *req);

#endif
