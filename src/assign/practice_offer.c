/* practice_offer.c — practice in the assignment tables (docs/teaching.md
 * §Practice): one task of kind practice per student, subject and class, made
 * with its submission on the student's first offer (published, tiered), and
 * its items appended one per offer with student_id and predicted set. The
 * offer is the one task item without an answer; a new pick replaces it (its
 * row deleted), the same pick keeps it. Writes through model/write.h, in the
 * caller's write transaction. */
#include "assign/module.h"

#include "core/clock.h"
#include "core/pool.h"
#include "core/uid.h"

static int oom(sh_req *req) { return sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足"); }

/* The practice task and submission of a learner in a subject. */
typedef struct practice {
    int64_t task, sub;
    const char *registration;
} practice;

/* The learner's practice task of the subject in their class; made (with its
 * submission) when missing and make. p->task 0 when none. */
static int find_practice(sh_req *req, sh_conn *c, const assign_learner *l, const char *subject, int make,
                         practice *p) {
    *p = (practice){0};
    sh_stmt *s =
        sh_prepare(c,
                   "SELECT t.id, sub.id, sub.registration FROM assign_task t JOIN assign_submission sub"
                   " ON sub.task_id = t.id AND sub.school_id = t.school_id WHERE t.school_id = $1"
                   " AND t.class_id = $2 AND t.subject = $3 AND t.kind = 'practice' AND sub.student_id = $4"
                   " ORDER BY t.id LIMIT 1",
                   &req->err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, l->school);
    sh_bind_i64(s, 2, l->klass);
    sh_bind_text(s, 3, subject, -1);
    sh_bind_i64(s, 4, l->student);
    int rc = sh_step(s, &req->err);
    if (rc == SH_ROW) {
        p->task = sh_col_i64(s, 0);
        p->sub = sh_col_i64(s, 1);
        p->registration = sh_pstrdup(req->pool, sh_col_text(s, 2));
    }
    sh_stmt_done(s);
    if (rc == SH_ERR)
        return SH_ERR;
    if (p->task || !make)
        return SH_OK;
    sh_provenance pv = sh_req_provenance(req);
    const sh_principal *who = sh_principal_of(req);
    int64_t now = sh_now_ms();
    sh_record r;
    if (sh_record_blank(req->pool, &sh_assign_task_entity, &r) != SH_OK)
        return oom(req);
    sh_record_set_i(&r, "school", l->school);
    sh_record_set_i(&r, "class", l->klass);
    sh_record_set_s(&r, "subject", subject);
    sh_record_set_s(&r, "kind", "practice");
    sh_record_set_s(&r, "title", "自主练习");
    sh_record_set_s(&r, "status", "published");
    sh_record_set_i(&r, "tiered", 1);
    sh_record_set_i(&r, "_author", who ? who->account_id : 0);
    sh_record_set_i(&r, "published_at", now);
    if (sh_record_insert(c, req->pool, &r, l->school, &pv, &p->task, NULL, &req->err) != SH_OK)
        return SH_ERR;
    char reg[SH_UUID_LEN + 1];
    sh_new_uuid(reg);
    p->registration = sh_pstrdup(req->pool, reg);
    if (!p->registration || sh_record_blank(req->pool, &sh_assign_submission_entity, &r) != SH_OK)
        return oom(req);
    sh_record_set_i(&r, "school", l->school);
    sh_record_set_i(&r, "task", p->task);
    sh_record_set_i(&r, "student", l->student);
    sh_record_set_s(&r, "status", "started");
    sh_record_set_s(&r, "registration", p->registration);
    sh_record_set_i(&r, "started_at", now);
    sh_record_set_i(&r, "score", 0);
    sh_record_set_i(&r, "max_score", 0);
    return sh_record_insert(c, req->pool, &r, l->school, &pv, &p->sub, NULL, &req->err);
}

/* The task item of p waiting for an answer (o->key 0 when none). */
static int pending_offer(sh_req *req, sh_conn *c, const assign_learner *l, const practice *p,
                         assign_offer *o) {
    *o = (assign_offer){0};
    sh_stmt *s =
        sh_prepare(c,
                   "SELECT ti.id, ti.item_version_id, ti.uid FROM assign_task_item ti WHERE ti.task_id = $1"
                   " AND ti.school_id = $2 AND NOT EXISTS (SELECT 1 FROM assign_answer a"
                   " WHERE a.task_item_id = ti.id AND a.school_id = ti.school_id)"
                   " ORDER BY ti.ordinal DESC LIMIT 1",
                   &req->err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, p->task);
    sh_bind_i64(s, 2, l->school);
    int rc = sh_step(s, &req->err);
    if (rc == SH_ROW)
        *o = (assign_offer){sh_col_i64(s, 0), sh_col_i64(s, 1), sh_pstrdup(req->pool, sh_col_text(s, 2))};
    sh_stmt_done(s);
    return rc == SH_ERR ? SH_ERR : SH_OK;
}

/* Append the picked item to the learner's practice as the new offer,
 * replacing an unanswered one (the same item stays as it is). In the caller's
 * write transaction. */
int assign_practice_offer(sh_req *req, sh_conn *c, const assign_learner *l, const char *subject,
                          const sh_mastery_pick *pick, assign_offer *o) {
    practice p;
    if (find_practice(req, c, l, subject, pick->version != 0, &p) != SH_OK)
        return SH_ERR;
    *o = (assign_offer){0};
    if (!p.task)
        return SH_OK;
    assign_offer old;
    if (pending_offer(req, c, l, &p, &old) != SH_OK)
        return SH_ERR;
    if (old.key && old.version == pick->version) {
        *o = old;
        return SH_OK;
    }
    sh_provenance pv = sh_req_provenance(req);
    if (old.key && sh_record_delete(c, req->pool, &sh_assign_task_item_entity, old.key, l->school, &pv,
                                    &req->err) != SH_OK)
        return SH_ERR;
    if (!pick->version)
        return SH_OK;
    sh_stmt *s =
        sh_prepare(c,
                   "SELECT (SELECT COALESCE(MAX(ordinal), 0) FROM assign_task_item WHERE task_id = $1"
                   " AND school_id = $2), score FROM item_version WHERE id = $3",
                   &req->err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, p.task);
    sh_bind_i64(s, 2, l->school);
    sh_bind_i64(s, 3, pick->version);
    int rc = sh_step(s, &req->err);
    int64_t ordinal = rc == SH_ROW ? sh_col_i64(s, 0) + 1 : 0, score = rc == SH_ROW ? sh_col_i64(s, 1) : 0;
    sh_stmt_done(s);
    if (rc != SH_ROW)
        return SH_ERR;
    sh_record r;
    if (sh_record_blank(req->pool, &sh_assign_task_item_entity, &r) != SH_OK)
        return oom(req);
    sh_record_set_i(&r, "school", l->school);
    sh_record_set_i(&r, "task", p.task);
    sh_record_set_i(&r, "item_version", pick->version);
    sh_record_set_i(&r, "ordinal", ordinal);
    sh_record_set_i(&r, "score", score);
    sh_record_set_i(&r, "student", l->student);
    sh_record_set_s(&r, "predicted", sh_psprintf(req->pool, "%.6f", pick->predicted));
    o->version = pick->version;
    return sh_record_insert(c, req->pool, &r, l->school, &pv, &o->key, &o->uid, &req->err);
}
