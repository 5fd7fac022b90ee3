/* module.h — private to src/assign/: the migrations and entities, the store
 * side of tasks, submissions and answers, and the route handlers. */
#ifndef SH_ASSIGN_MODULE_H
#define SH_ASSIGN_MODULE_H

#include "assign/assign.h"
#include "identity/access.h"
#include "mastery/mastery.h"
#include "model/api.h"
#include "model/write.h"

#include <jansson.h>
#include <string.h>

extern const sh_migration sh_assign_migrations[];
extern const int sh_assign_nmigrations;
extern const sh_entity sh_assign_task_entity;
extern const sh_entity sh_assign_task_item_entity;
extern const sh_entity sh_assign_submission_entity;
extern const sh_entity sh_assign_answer_entity;

#define ASSIGN_MAX_ITEMS 300 /* items of one task, all students together (tiered: up to 3 each, and more) */
#define ASSIGN_MAX_RESPONSE 20000 /* bytes of one response as JSON */
#define ASSIGN_INVALID_RESPONSE                                                                                                      \
    "作答的形式与题型不符：单选题为选项字母，多选题为选项字母的数组，判断题为 true 或 false，" \
    "填空题为数字，主观题为文字"

/* The student rows the caller reaches in the portal, with own = 1 for their
 * own record and 0 for a child they are the legal guardian of: $1 is the
 * caller's person. */
#define ASSIGN_MINE                                                                                          \
    "(SELECT t.id AS sid, 1 AS own FROM student t WHERE t.person_id = $1"                                    \
    " UNION ALL SELECT g.student_id, 0 FROM guardian_link g WHERE g.person_id = $1 AND g.is_guardian = 1)"

/* A task as the store holds it. */
typedef struct assign_task {
    int64_t key, school, klass, due_at;
    const char *uid, *status, *kind, *title, *subject;
    int tiered;
} assign_task;

/* Load the task with public id uid (no reach check: the caller decides):
 * SH_OK, or SH_ERR with 404. */
int assign_task_load(sh_req *req, sh_conn *c, const char *uid, assign_task *out);
/* A time column as ISO 8601 (null when NULL), and a number rounded to
 * 1/scale (null when NULL), for replies. */
json_t *assign_time_json(sh_stmt *s, int col);
json_t *assign_round_json(sh_stmt *s, int col, double scale);
/* Find the task with public id uid that the caller reaches with perm (at its
 * class): SH_OK, or SH_ERR with 404 (missing and out of reach alike). */
int assign_task_find(sh_req *req, sh_conn *c, const char *uid, const char *perm, assign_task *out);
/* The task as JSON: its fields, and with items its items (content, answer and
 * explanation), each item's right rate among graded answers and the students'
 * tiers (the teacher's view). */
json_t *assign_task_json(sh_req *req, sh_conn *c, const assign_task *t, int items);

/* The columns assign_task_row_json reads, over assign_task t joined to its
 * class org_unit k (the last is t.id), and the row as JSON with its counts. */
const char *assign_task_columns(void);
json_t *assign_task_row_json(sh_stmt *s);
/* Give each item of items (JSON objects whose "id" is a task item's uid) its
 * "knowledge_points" [{id, code, name}], in one query. */
int assign_items_kp(sh_conn *c, const assign_task *t, json_t *items, sh_err *err);

/* Build the task's items from the request body (items chosen and/or
 * automatic selection) and write them, replacing any the task had; sets
 * tiered. In the caller's write transaction; every problem is a field error. */
int assign_task_build(sh_req *req, sh_conn *c, const assign_task *t, const json_t *body, int *tiered);

/* One candidate or chosen item version. */
typedef struct assign_pick {
    int64_t version, item, point;
    int difficulty, score;
} assign_pick;

/* Automatic selection: count published items tagged with the points (keys),
 * none the class had in another task, spread over the points and over
 * difficulty; a diagnostic covers each point at least once. Fills out[0..count-1].
 * SH_ERR with a 400 field error when the bank has too few. */
int assign_select(sh_conn *c, int64_t klass, int64_t task, const int64_t *points, int npoints, int count,
                  int diagnostic, assign_pick *out, sh_err *err);

/* Grade every answer of the submission (objective items with sh_item_check,
 * subjective ones need scoring, unanswered ones wrong with 0), then total the
 * submission: submitted, or scored when nothing needs scoring. In the caller's
 * write transaction; calls the mastery seam. */
int assign_grade_submission(sh_conn *c, sh_pool *p, int64_t submission, int64_t school,
                            const sh_provenance *pv, sh_err *err);
/* Total the submission's answer scores again (submitted_at set when
 * submitting); scored when no answer needs scoring. Calls the mastery seam. */
int assign_total(sh_conn *c, sh_pool *p, int64_t submission, int64_t school, int submitting,
                 const sh_provenance *pv, sh_err *err);
/* The submission as JSON with its task and each of the student's items with
 * the answer; answers, explanations and rubrics only when reveal (the teacher,
 * or the student after submitting). NULL with err set on failure. */
json_t *assign_submission_json(sh_req *req, sh_conn *c, const assign_task *t, int64_t submission, int reveal);

/* Take out of an item's content what a student may not see before answering:
 * the answer, explanation, rubric, tolerance and the options' misconceptions. */
void assign_hide_answer(json_t *content);

/* Chinese name of a status or verdict. */
const char *assign_status_name(const char *status);

int assign_tasks_list(sh_req *req);
int assign_task_create(sh_req *req);
int assign_task_get(sh_req *req);
int assign_task_put(sh_req *req);
int assign_task_publish(sh_req *req);
int assign_task_close(sh_req *req);
int assign_task_submissions(sh_req *req);
int assign_submission_get(sh_req *req);
int assign_answer_score(sh_req *req);

int assign_my_tasks(sh_req *req);
int assign_my_task(sh_req *req);
int assign_my_answer(sh_req *req);
int assign_my_submit(sh_req *req);

/* Practice (自主练习, docs/teaching.md §Practice): practice.c (the student and
 * the next item), practice_offer.c (the offers in the store), practice_answer.c. */
typedef struct assign_learner {
    int64_t student, school, klass; /* klass: the class they are in now, 0 when none */
    int own;                        /* the caller is the student (a guardian reads only) */
    const char *uid, *name;
} assign_learner;
/* An offer: the task item of a practice waiting for the student's answer. */
typedef struct assign_offer {
    int64_t key, version;
    const char *uid;
} assign_offer;
/* The caller's own student record, or with uid (non-empty) one of theirs or a
 * child they are the legal guardian of: SH_OK, or SH_ERR with 404. */
int assign_learner_find(sh_req *req, sh_conn *c, const char *uid, assign_learner *l);
/* The chosen points (codes or ids of the subject, at most 50) from a
 * comma-separated list or a JSON array, as a JSON array of keys; *json NULL
 * when none is given. SH_ERR with 400 naming the field points. */
int assign_practice_points(sh_req *req, sh_conn *c, const char *subject, const char *list, const json_t *arr,
                           const char **json);
/* Pick the next item for the learner and, for the student, offer it (in the
 * caller's write transaction then). Nothing when the learner is in no class. */
int assign_practice_pick(sh_req *req, sh_conn *c, const assign_learner *l, const char *subject,
                         const char *points, sh_mastery_pick *pick, assign_offer *o);
/* Make the pick the learner's offer, replacing an unanswered other one; the
 * practice task is made on the first offer (practice_offer.c). */
int assign_practice_offer(sh_req *req, sh_conn *c, const assign_learner *l, const char *subject,
                          const sh_mastery_pick *pick, assign_offer *o);
/* The next item as the replies give it; NULL with req->err on failure. */
json_t *assign_practice_next_json(sh_req *req, sh_conn *c, const assign_learner *l, const char *subject,
                                  const sh_mastery_pick *pick, const assign_offer *o);
/* An item version's content with its item {id, code} and score; whole when
 * reveal, else as the student sees it before answering. */
json_t *assign_version_json(sh_conn *c, int64_t version, int reveal, sh_err *err);

int assign_practice_next(sh_req *req);
int assign_practice_answer(sh_req *req);

#endif
