/* flow.h — the one approval mechanism (DESIGN §3.7).
 *
 * A module that needs a second person's yes declares a flow as data: its name,
 * Chinese label, ordered steps (each with the permission its decider needs and
 * the org node where the decider must hold it: the request's school, the target
 * school, or the district above the school), an optional deadline, and what
 * happens on final approval and on rejection. The module submits requests with
 * sh_flow_submit inside its own write transaction; this module stores them
 * (flow_request, flow_decision), serves them under /api/v1/approvals (list, read,
 * decide, cancel), audits every decision, and runs the owner's callback in the
 * same write transaction as the final decision: an approval either fully applies
 * or changes nothing and the request stays pending. No module writes approval
 * code of its own. */
#ifndef SH_FLOW_H
#define SH_FLOW_H

#include "app.h"
#include "model/write.h"

#include <jansson.h>

extern const sh_module sh_flow_module;
extern const sh_entity sh_flow_request_entity;
extern const sh_entity sh_flow_decision_entity;

/* Where the decider of a step must hold the step's permission (at that node or
 * above it). */
typedef enum {
    SH_FLOW_AT_SCHOOL = 1,    /* the request's school */
    SH_FLOW_AT_TARGET_SCHOOL, /* the school the request names as its target */
    SH_FLOW_AT_DISTRICT,      /* the district (区县) above the request's school */
} sh_flow_at;

typedef struct sh_flow_step {
    const char *label;      /* Chinese: "转出学校审核" */
    const char *permission; /* what the decider needs, e.g. "roster.approve" */
    sh_flow_at at;
} sh_flow_step;

/* One request as the callbacks see it. */
typedef struct sh_flow_request {
    int64_t id;
    const char *uid;
    const char *flow;
    int64_t school_id, target_school_id; /* target 0 when none */
    const char *subject_entity, *subject_uid;
    json_t *payload; /* borrowed; the module's own data, never L4 plaintext */
    int64_t submitter_id;
} sh_flow_request;

/* What a callback runs in: the decision's write transaction, the request's pool,
 * and the decider's provenance for the writes it makes. */
typedef struct sh_flow_run {
    sh_conn *c;
    sh_pool *pool;
    const sh_flow_request *request;
    const sh_provenance *pv;
    const char *outcome; /* "approved", "rejected" or "cancelled" */
    const char *today;   /* YYYY-MM-DD in Asia/Shanghai: the decision's date */
} sh_flow_run;

/* SH_OK to go ahead, SH_ERR with err filled (a 4xx with a Chinese message when the
 * request can no longer be applied): the decision is then not recorded. */
typedef int (*sh_flow_callback)(const sh_flow_run *run, sh_err *err);

typedef struct sh_flow {
    const char *name;  /* "student_transfer" */
    const char *label; /* "转学" */
    const sh_flow_step *steps;
    int nsteps;
    int deadline_days;           /* 0: none */
    sh_flow_callback on_approve; /* final approval; may be NULL */
    sh_flow_callback on_reject;  /* rejection or cancellation; may be NULL */
} sh_flow;

/* Make a flow known (from a module's start hook). Registering the same flow
 * again is a no-op; SH_ERR when the registry is full or a step is malformed. */
int sh_flow_register(const sh_flow *f, sh_err *err);
const sh_flow *sh_flow_find(const char *name);

/* A new request. subject_uid names the module's record the request is about;
 * uid may be preset (NULL: generated). */
typedef struct sh_flow_submission {
    const sh_flow *flow;
    int64_t school_id, target_school_id;
    const char *subject_entity, *subject_uid;
    json_t *payload;         /* borrowed; may be NULL */
    const sh_provenance *pv; /* pv->actor is the submitter */
} sh_flow_submission;

/* Insert the request at its first step inside the caller's write transaction.
 * *key and *uid (pool) describe it. */
int sh_flow_submit(sh_conn *c, sh_pool *p, const sh_flow_submission *s, int64_t *key, const char **uid,
                   sh_err *err);

/* The step logic, pure: after a decision (approve 1/0) on step `step` (1-based)
 * of f, the request's next state ("pending", "approved", "rejected") and step. */
typedef struct sh_flow_next {
    const char *state;
    int step;
    int final; /* the decision ends the request */
} sh_flow_next;
sh_flow_next sh_flow_after(const sh_flow *f, int step, int approve);

/* Org node where the decider of step (1-based) must hold its permission: the
 * request's school, its target school or the district above the school. 0 with an
 * error when it cannot be found. */
int64_t sh_flow_step_org(sh_conn *c, const sh_flow *f, int step, int64_t school_id, int64_t target_school_id,
                         sh_err *err);

#endif
