/* student.c — the portal's "my" routes for assignments: the signed-in
 * student's tasks (a guardian: their children's, read only), one task to
 * answer (marked started on the student's first open), saving an answer
 * (checked against the item's type) and submitting (graded at once). Reach is
 * the relationship alone: the submission's student is the caller's person or a
 * student the caller guards. xAPI statements (started, answered, submitted)
 * are recorded after each commit, with the submission's registration. */
#include "assign/module.h"

#include "core/alloc.h"
#include "core/clock.h"
#include "core/pool.h"
#include "items/items.h"
#include "xapi/xapi.h"

#include <stdio.h>

int assign_my_tasks(sh_req *req) {
    const sh_principal *p = sh_principal_of(req);
    sh_conn *c = sh_req_conn(req);
    if (!c)
        return SH_ERR;
    json_t *items = json_array();
    if (!p || !p->person_id) /* an API token has no person: it sees nothing */
        return sh_reply_items(req, items, SH_OK);
    sh_stmt *s = sh_prepare(
        c,
        "SELECT sub.uid, t.uid, t.kind, t.title, t.subject, t.status, t.due_at, sub.status, sub.score,"
        " sub.max_score, st.uid, st.name, m.own, sub.submitted_at,"
        " (SELECT COUNT(*) FROM assign_task_item ti WHERE ti.task_id = t.id AND ti.school_id = t.school_id"
        "  AND (ti.student_id IS NULL OR ti.student_id = sub.student_id)),"
        " (SELECT COUNT(*) FROM assign_answer a WHERE a.submission_id = sub.id AND a.school_id = sub.school_id)"
        " FROM " ASSIGN_MINE " m JOIN student st ON st.id = m.sid"
        " JOIN assign_submission sub ON sub.student_id = st.id AND sub.school_id = st.school_id"
        " JOIN assign_task t ON t.id = sub.task_id AND t.school_id = sub.school_id"
        " WHERE sub.status <> 'draft' AND t.status <> 'draft' AND t.kind <> 'practice'"
        " ORDER BY CASE WHEN t.status = 'published' AND sub.status IN ('assigned', 'started') THEN 0 ELSE 1 END,"
        " CASE WHEN t.due_at IS NULL THEN 1 ELSE 0 END, t.due_at, sub.id DESC LIMIT 500",
        &req->err);
    if (!s) {
        json_decref(items);
        return SH_ERR;
    }
    sh_bind_i64(s, 1, p->person_id);
    int rc;
    while ((rc = sh_step(s, &req->err)) == SH_ROW) {
        const char *status = sh_col_text(s, 7), *tstatus = sh_col_text(s, 5);
        int done = strcmp(status, "submitted") == 0 || strcmp(status, "scored") == 0;
        json_t *o = json_object();
        json_object_set_new(o, "id", json_string(sh_col_text(s, 0)));
        json_object_set_new(o, "task", json_string(sh_col_text(s, 1)));
        json_object_set_new(o, "kind", json_string(sh_col_text(s, 2)));
        json_object_set_new(o, "kind_name", json_string(assign_status_name(sh_col_text(s, 2))));
        json_object_set_new(o, "title", json_string(sh_col_text(s, 3)));
        json_object_set_new(o, "subject", json_string(sh_col_text(s, 4)));
        json_object_set_new(o, "task_status", json_string(tstatus));
        json_object_set_new(o, "due_at", assign_time_json(s, 6));
        json_object_set_new(o, "status", json_string(status));
        json_object_set_new(
            o, "status_name",
            json_string(strcmp(tstatus, "closed") == 0 && !done ? "已截止" : assign_status_name(status)));
        json_object_set_new(o, "open", json_boolean(!done && strcmp(tstatus, "published") == 0));
        json_object_set_new(o, "score",
                            done && !sh_col_is_null(s, 8) ? json_integer(sh_col_i64(s, 8)) : json_null());
        json_object_set_new(o, "max_score",
                            sh_col_is_null(s, 9) ? json_null() : json_integer(sh_col_i64(s, 9)));
        json_object_set_new(o, "student",
                            json_pack("{s:s,s:s}", "id", sh_col_text(s, 10), "name", sh_col_text(s, 11)));
        json_object_set_new(o, "own", json_boolean(sh_col_i64(s, 12)));
        json_object_set_new(o, "item_count", json_integer(sh_col_i64(s, 14)));
        json_object_set_new(o, "answered", json_integer(done ? sh_col_i64(s, 14) : sh_col_i64(s, 15)));
        json_array_append_new(items, o);
    }
    sh_stmt_done(s);
    return sh_reply_items(req, items, rc);
}

/* A submission the caller reaches. */
typedef struct mine {
    assign_task task;
    int64_t key;
    int own; /* the caller is the student (may answer) */
    const char *status, *registration;
} mine;

static int find_mine(sh_req *req, sh_conn *c, mine *m) {
    const sh_principal *p = sh_principal_of(req);
    const char *uid = sh_req_param(req, "id");
    int rc = SH_DONE;
    const char *task_uid = NULL;
    if (p && p->person_id && uid && strlen(uid) <= 64) {
        sh_stmt *s = sh_prepare(c,
                                "SELECT sub.id, MAX(m.own), sub.status, sub.registration, t.uid"
                                " FROM " ASSIGN_MINE " m JOIN assign_submission sub ON sub.student_id = m.sid"
                                " JOIN assign_task t ON t.id = sub.task_id AND t.school_id = sub.school_id"
                                " WHERE sub.uid = $2 AND sub.status <> 'draft' AND t.status <> 'draft'"
                                " AND t.kind <> 'practice'"
                                " GROUP BY sub.id, sub.status, sub.registration, t.uid",
                                &req->err);
        if (!s)
            return SH_ERR;
        sh_bind_i64(s, 1, p->person_id);
        sh_bind_text(s, 2, uid, -1);
        rc = sh_step(s, &req->err);
        if (rc == SH_ROW) {
            m->key = sh_col_i64(s, 0);
            m->own = (int)sh_col_i64(s, 1);
            m->status = sh_pstrdup(req->pool, sh_col_text(s, 2));
            m->registration = sh_pstrdup(req->pool, sh_col_text(s, 3));
            task_uid = sh_pstrdup(req->pool, sh_col_text(s, 4));
        }
        sh_stmt_done(s);
    }
    if (rc == SH_ERR)
        return SH_ERR;
    if (rc != SH_ROW)
        return sh_err_set(&req->err, 404, "not_found", NULL, "作业不存在");
    /* the task as it stands (reach is the relationship, checked above) */
    if (assign_task_load(req, c, task_uid, &m->task) != SH_OK)
        return SH_ERR;
    return m->status && m->registration ? SH_OK
                                        : sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
}

/* The caller may change the submission: they are the student, the task is
 * open and the submission not yet submitted. */
static int may_answer(sh_req *req, const mine *m) {
    if (!m->own)
        return sh_err_set(&req->err, 403, "not_own", NULL, "只有学生本人可以作答，家长只能查看");
    if (strcmp(m->task.status, "closed") == 0)
        return sh_err_set(&req->err, 409, "closed", NULL, "作业已截止，不能再作答");
    if (strcmp(m->status, "assigned") != 0 && strcmp(m->status, "started") != 0)
        return sh_err_set(&req->err, 409, "submitted", NULL, "作业已提交，不能再修改");
    return SH_OK;
}

/* may_answer again inside the caller's write transaction, on the rows as they
 * are now: a second submit or a save racing a submit (a double tap) finds the
 * submission already submitted and changes nothing. */
static int still_open(sh_req *req, sh_conn *c, mine *m) {
    sh_stmt *s = sh_prepare(c,
                            "SELECT sub.status, t.status FROM assign_submission sub JOIN assign_task t"
                            " ON t.id = sub.task_id AND t.school_id = sub.school_id"
                            " WHERE sub.id = $1 AND sub.school_id = $2",
                            &req->err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, m->key);
    sh_bind_i64(s, 2, m->task.school);
    int rc = sh_step(s, &req->err);
    if (rc == SH_ROW) {
        m->status = sh_pstrdup(req->pool, sh_col_text(s, 0));
        m->task.status = sh_pstrdup(req->pool, sh_col_text(s, 1));
    }
    sh_stmt_done(s);
    if (rc == SH_DONE)
        return sh_err_set(&req->err, 404, "not_found", NULL, "作业不存在");
    if (rc != SH_ROW)
        return SH_ERR;
    if (!m->status || !m->task.status)
        return sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
    return may_answer(req, m);
}

/* Mark the submission started (in the caller's write transaction). */
static int start(sh_req *req, sh_conn *c, const mine *m, const sh_provenance *pv) {
    sh_record r;
    int changed;
    if (sh_record_blank(req->pool, &sh_assign_submission_entity, &r) != SH_OK)
        return sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
    sh_record_set_s(&r, "status", "started");
    sh_record_set_i(&r, "started_at", sh_now_ms());
    return sh_record_update(c, req->pool, &r, m->key, m->task.school, pv, &changed, &req->err);
}

static void record_started(sh_req *req, const mine *m) {
    sh_xapi_record(req, &(sh_xapi_event){.verb = SH_XAPI_STARTED,
                                         .type = SH_XAPI_ASSIGNMENT,
                                         .object = m->task.uid,
                                         .name = m->task.title,
                                         .registration = m->registration});
}

int assign_my_task(sh_req *req) {
    sh_conn *c = sh_req_conn(req);
    mine m = {.status = "", .registration = "", .task = {.status = "", .title = ""}};
    if (!c || find_mine(req, c, &m) != SH_OK)
        return SH_ERR;
    int started = 0;
    if (m.own && strcmp(m.status, "assigned") == 0 && strcmp(m.task.status, "published") == 0) {
        sh_provenance pv = sh_req_provenance(req);
        int rc = sh_begin_write(c, &req->err);
        if (rc == SH_OK) {
            rc = start(req, c, &m, &pv);
            if (rc == SH_OK)
                rc = sh_commit(c, &req->err);
            else
                sh_rollback(c);
        }
        if (rc != SH_OK)
            return SH_ERR;
        started = 1;
    }
    json_t *o = assign_submission_json(req, c, &m.task, m.key, 0);
    if (!o)
        return SH_ERR;
    if (started)
        record_started(req, &m);
    json_object_set_new(o, "own", json_boolean(m.own));
    return sh_reply_json(req, 200, o);
}

int assign_my_answer(sh_req *req) {
    sh_conn *c = sh_req_conn(req);
    json_t *body;
    mine m = {.status = "", .registration = "", .task = {.status = "", .title = ""}};
    if (!c || sh_req_json(req, &body) != SH_OK)
        return SH_ERR;
    int rc = find_mine(req, c, &m);
    if (rc == SH_OK)
        rc = may_answer(req, &m);
    /* the task item among the student's items, with its content */
    const char *item = sh_req_param(req, "item");
    int64_t ti = 0, version = 0, answer = 0;
    json_t *content = NULL;
    if (rc == SH_OK && item && strlen(item) <= 64) {
        sh_stmt *s = sh_prepare(
            c,
            "SELECT ti.id, ti.item_version_id, v.content FROM assign_submission sub"
            " JOIN assign_task_item ti ON ti.task_id = sub.task_id AND ti.school_id = sub.school_id"
            " AND (ti.student_id IS NULL OR ti.student_id = sub.student_id)"
            " JOIN item_version v ON v.id = ti.item_version_id"
            " WHERE sub.id = $1 AND sub.school_id = $2 AND ti.uid = $3",
            &req->err);
        rc = s ? SH_OK : SH_ERR;
        if (s) {
            sh_bind_i64(s, 1, m.key);
            sh_bind_i64(s, 2, m.task.school);
            sh_bind_text(s, 3, item, -1);
            if (sh_step(s, &req->err) == SH_ROW) {
                ti = sh_col_i64(s, 0);
                version = sh_col_i64(s, 1);
                content = json_loads(sh_col_text(s, 2), 0, NULL);
            }
            sh_stmt_done(s);
            rc = req->err.status ? SH_ERR : SH_OK;
        }
    }
    if (rc == SH_OK && !ti)
        rc = sh_err_set(&req->err, 404, "not_found", "item", "这份作业中没有这道题");
    const json_t *resp = json_object_get(body, "response");
    char *text = NULL;
    if (rc == SH_OK) {
        if (!json_is_object(body) || !resp || json_is_null(resp))
            rc = sh_err_set(&req->err, 400, "required", "response", "请填写作答");
        else if (sh_item_check(content, resp) == SH_ANSWER_INVALID)
            rc = sh_err_set(&req->err, 400, "invalid_response", "response", ASSIGN_INVALID_RESPONSE);
        else if (!(text = json_dumps(resp, JSON_COMPACT | JSON_ENCODE_ANY)) ||
                 strlen(text) > ASSIGN_MAX_RESPONSE)
            rc = sh_err_set(&req->err, 400, "too_long", "response", "作答太长（至多 %d 字节）",
                            ASSIGN_MAX_RESPONSE);
    }
    json_decref(content);
    sh_provenance pv = sh_req_provenance(req);
    int started = 0;
    if (rc == SH_OK && (rc = sh_begin_write(c, &req->err)) == SH_OK) {
        rc = still_open(req, c, &m);
        if (rc == SH_OK && strcmp(m.status, "assigned") == 0) {
            rc = start(req, c, &m, &pv);
            started = 1;
        }
        if (rc == SH_OK) { /* the answer as it is now: a save racing this one may have made it */
            sh_stmt *q =
                sh_prepare(c,
                           "SELECT id FROM assign_answer WHERE submission_id = $1 AND task_item_id = $2"
                           " AND school_id = $3",
                           &req->err);
            if (!q)
                rc = SH_ERR;
            else {
                sh_bind_i64(q, 1, m.key);
                sh_bind_i64(q, 2, ti);
                sh_bind_i64(q, 3, m.task.school);
                int r = sh_step(q, &req->err);
                answer = r == SH_ROW ? sh_col_i64(q, 0) : 0;
                rc = r == SH_ERR ? SH_ERR : SH_OK;
                sh_stmt_done(q);
            }
        }
        sh_record r;
        if (rc == SH_OK && sh_record_blank(req->pool, &sh_assign_answer_entity, &r) != SH_OK)
            rc = sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
        if (rc == SH_OK) {
            sh_record_set_s(&r, "response", sh_pstrdup(req->pool, text));
            sh_record_set_s(&r, "verdict", "pending");
            sh_record_set_i(&r, "answered_at", sh_now_ms());
            int changed;
            int64_t key;
            if (answer) {
                rc = sh_record_update(c, req->pool, &r, answer, m.task.school, &pv, &changed, &req->err);
            } else {
                sh_record_set_i(&r, "school", m.task.school);
                sh_record_set_i(&r, "submission", m.key);
                sh_record_set_i(&r, "task_item", ti);
                sh_record_set_i(&r, "item_version", version);
                rc = sh_record_insert(c, req->pool, &r, m.task.school, &pv, &key, NULL, &req->err);
            }
        }
        if (rc == SH_OK)
            rc = sh_commit(c, &req->err);
        else
            sh_rollback(c);
    }
    sh_free(text);
    json_decref(body);
    if (rc != SH_OK)
        return SH_ERR;
    if (started)
        record_started(req, &m);
    return sh_reply_json(req, 200, json_pack("{s:s,s:s}", "item", item, "verdict", "pending"));
}

/* The answered statements of a graded submission, then the submitted one. */
static void record_submitted(sh_req *req, sh_conn *c, const mine *m) {
    sh_err err;
    sh_err_init(&err);
    sh_stmt *s =
        sh_prepare(c,
                   "SELECT i.uid, a.response, a.verdict, a.score, ti.score FROM assign_answer a"
                   " JOIN assign_task_item ti ON ti.id = a.task_item_id AND ti.school_id = a.school_id"
                   " JOIN item_version v ON v.id = a.item_version_id JOIN item i ON i.id = v.item_id"
                   " WHERE a.submission_id = $1 AND a.school_id = $2 ORDER BY ti.ordinal",
                   &err);
    int64_t raw = 0, max = 0;
    if (s) {
        sh_bind_i64(s, 1, m->key);
        sh_bind_i64(s, 2, m->task.school);
        while (sh_step(s, &err) == SH_ROW) {
            const char *verdict = sh_col_text(s, 2);
            json_t *result = json_pack("{s:s}", "response", sh_col_text(s, 1));
            int64_t got = sh_col_is_null(s, 3) ? 0 : sh_col_i64(s, 3), of = sh_col_i64(s, 4);
            if (strcmp(verdict, "needs_scoring") != 0) {
                json_object_set_new(result, "success", json_boolean(strcmp(verdict, "right") == 0));
                json_object_set_new(
                    result, "score",
                    json_pack("{s:I,s:i,s:I}", "raw", (json_int_t)got, "min", 0, "max", (json_int_t)of));
            }
            raw += got;
            max += of;
            sh_xapi_record(req, &(sh_xapi_event){.verb = SH_XAPI_ANSWERED,
                                                 .type = SH_XAPI_ITEM,
                                                 .object = sh_col_text(s, 0),
                                                 .registration = m->registration,
                                                 .result = result});
            json_decref(result);
        }
        sh_stmt_done(s);
    }
    sh_err_clear(&err);
    json_t *result = json_pack("{s:b,s:{s:f,s:I,s:i,s:I}}", "completion", 1, "score", "scaled",
                               max ? (double)raw / (double)max : 0.0, "raw", (json_int_t)raw, "min", 0, "max",
                               (json_int_t)max);
    sh_xapi_record(req, &(sh_xapi_event){.verb = SH_XAPI_SUBMITTED,
                                         .type = SH_XAPI_ASSIGNMENT,
                                         .object = m->task.uid,
                                         .name = m->task.title,
                                         .registration = m->registration,
                                         .result = result});
    json_decref(result);
}

int assign_my_submit(sh_req *req) {
    sh_conn *c = sh_req_conn(req);
    mine m = {.status = "", .registration = "", .task = {.status = "", .title = ""}};
    if (!c || find_mine(req, c, &m) != SH_OK || may_answer(req, &m) != SH_OK)
        return SH_ERR;
    sh_provenance pv = sh_req_provenance(req);
    int started = 0;
    int rc = sh_begin_write(c, &req->err);
    if (rc == SH_OK) {
        rc = still_open(req, c, &m);
        started = rc == SH_OK && strcmp(m.status, "assigned") == 0;
        if (started)
            rc = start(req, c, &m, &pv);
        if (rc == SH_OK)
            rc = assign_grade_submission(c, req->pool, m.key, m.task.school, &pv, &req->err);
        if (rc == SH_OK)
            rc = sh_commit(c, &req->err);
        else
            sh_rollback(c);
    }
    if (rc != SH_OK)
        return SH_ERR;
    if (started)
        record_started(req, &m);
    record_submitted(req, c, &m);
    json_t *o = assign_submission_json(req, c, &m.task, m.key, 1);
    if (!o)
        return SH_ERR;
    json_object_set_new(o, "own", json_boolean(1));
    return sh_reply_json(req, 200, o);
}
