/* practice_answer.c — answering the item offered in practice (docs/teaching.md
 * §Practice): only the student, only the offer (the one task item without an
 * answer); graded at once with sh_item_check, recorded as an assign_answer,
 * counted through the mastery seam (sh_mastery_submission) in the same write
 * transaction, which also offers the next item; the reply carries the
 * verdict, the whole item, how P(known) moved and the next item. The same
 * answer again (a double tap) gets the same result and counts nothing. xAPI
 * answered after the commit, with the practice's registration. */
#include "assign/module.h"

#include "core/alloc.h"
#include "core/clock.h"
#include "core/pool.h"
#include "items/items.h"
#include "xapi/xapi.h"

static int oom(sh_req *req) { return sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足"); }

/* The offer the answer names, as the caller reaches it. */
typedef struct answering {
    int64_t item, version, school, task, sub, answer;
    int own, score;
    const char *subject, *registration, *content, *item_uid, *student_uid, *response;
    const char *verdict;
} answering;

static int find_answering(sh_req *req, sh_conn *c, const char *uid, answering *a) {
    const sh_principal *p = sh_principal_of(req);
    int rc = SH_DONE;
    if (p && p->person_id && uid && strlen(uid) <= 64) {
        sh_stmt *s = sh_prepare(
            c,
            "SELECT ti.id, ti.item_version_id, ti.school_id, t.id, sub.id, m.own, ti.score, t.subject,"
            " sub.registration, v.content, i.uid, st.uid FROM " ASSIGN_MINE " m"
            " JOIN assign_task_item ti ON ti.student_id = m.sid"
            " JOIN assign_task t ON t.id = ti.task_id AND t.school_id = ti.school_id AND t.kind = 'practice'"
            " JOIN assign_submission sub ON sub.task_id = t.id AND sub.school_id = t.school_id"
            " AND sub.student_id = ti.student_id JOIN item_version v ON v.id = ti.item_version_id"
            " JOIN item i ON i.id = v.item_id JOIN student st ON st.id = ti.student_id AND st.school_id = ti.school_id"
            " WHERE ti.uid = $2 ORDER BY m.own DESC LIMIT 1",
            &req->err);
        if (!s)
            return SH_ERR;
        sh_bind_i64(s, 1, p->person_id);
        sh_bind_text(s, 2, uid, -1);
        rc = sh_step(s, &req->err);
        if (rc == SH_ROW) {
            *a = (answering){.item = sh_col_i64(s, 0),
                             .version = sh_col_i64(s, 1),
                             .school = sh_col_i64(s, 2),
                             .task = sh_col_i64(s, 3),
                             .sub = sh_col_i64(s, 4),
                             .own = (int)sh_col_i64(s, 5),
                             .score = (int)sh_col_i64(s, 6),
                             .subject = sh_pstrdup(req->pool, sh_col_text(s, 7)),
                             .registration = sh_pstrdup(req->pool, sh_col_text(s, 8)),
                             .content = sh_pstrdup(req->pool, sh_col_text(s, 9)),
                             .item_uid = sh_pstrdup(req->pool, sh_col_text(s, 10)),
                             .student_uid = sh_pstrdup(req->pool, sh_col_text(s, 11))};
            if (!a->subject || !a->registration || !a->content || !a->item_uid || !a->student_uid)
                rc = oom(req);
        }
        sh_stmt_done(s);
    }
    if (rc == SH_ERR)
        return SH_ERR;
    if (rc != SH_ROW)
        return sh_err_set(&req->err, 404, "not_found", "item", "没有这道练习题");
    if (!a->own)
        return sh_err_set(&req->err, 403, "not_own", NULL, "只有学生本人可以作答，家长只能查看");
    return SH_OK;
}

/* Inside the write transaction: the offer is still there, and its answer if
 * it has one (a double tap, or the reply of the first try lost). */
static int still_offered(sh_req *req, sh_conn *c, answering *a) {
    sh_stmt *s =
        sh_prepare(c,
                   "SELECT a.id, a.response, a.verdict FROM assign_task_item ti LEFT JOIN assign_answer a"
                   " ON a.task_item_id = ti.id AND a.school_id = ti.school_id"
                   " WHERE ti.id = $1 AND ti.school_id = $2",
                   &req->err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, a->item);
    sh_bind_i64(s, 2, a->school);
    int rc = sh_step(s, &req->err);
    if (rc == SH_ROW && !sh_col_is_null(s, 0)) {
        a->answer = sh_col_i64(s, 0);
        a->response = sh_pstrdup(req->pool, sh_col_text(s, 1));
        a->verdict = sh_pstrdup(req->pool, sh_col_text(s, 2));
    }
    sh_stmt_done(s);
    if (rc == SH_DONE)
        return sh_err_set(&req->err, 409, "replaced", "item", "这道题已换成新的题目，请作答新的题目");
    return rc == SH_ROW ? SH_OK : SH_ERR;
}

/* Grade and record the answer, count it through the mastery seam. In the
 * caller's write transaction. */
static int record_answer(sh_req *req, sh_conn *c, answering *a, const char *text, int right) {
    sh_provenance pv = sh_req_provenance(req);
    sh_record r;
    if (sh_record_blank(req->pool, &sh_assign_answer_entity, &r) != SH_OK)
        return oom(req);
    a->verdict = right ? "right" : "wrong";
    sh_record_set_i(&r, "school", a->school);
    sh_record_set_i(&r, "submission", a->sub);
    sh_record_set_i(&r, "task_item", a->item);
    sh_record_set_i(&r, "item_version", a->version);
    sh_record_set_s(&r, "response", text);
    sh_record_set_s(&r, "verdict", a->verdict);
    sh_record_set_i(&r, "score", right ? a->score : 0);
    sh_record_set_i(&r, "answered_at", sh_now_ms());
    if (sh_record_insert(c, req->pool, &r, a->school, &pv, &a->answer, NULL, &req->err) != SH_OK)
        return SH_ERR;
    /* the practice's running score: the answers' scores over their items' */
    sh_stmt *s =
        sh_prepare(c,
                   "SELECT COALESCE(SUM(a.score), 0), COALESCE(SUM(ti.score), 0) FROM assign_answer a"
                   " JOIN assign_task_item ti ON ti.id = a.task_item_id AND ti.school_id = a.school_id"
                   " WHERE a.submission_id = $1 AND a.school_id = $2",
                   &req->err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, a->sub);
    sh_bind_i64(s, 2, a->school);
    int rc = sh_step(s, &req->err);
    int64_t score = rc == SH_ROW ? sh_col_i64(s, 0) : 0, max = rc == SH_ROW ? sh_col_i64(s, 1) : 0;
    sh_stmt_done(s);
    int changed;
    if (rc != SH_ROW || sh_record_blank(req->pool, &sh_assign_submission_entity, &r) != SH_OK)
        return req->err.status ? SH_ERR : oom(req);
    sh_record_set_i(&r, "score", score);
    sh_record_set_i(&r, "max_score", max);
    if (sh_record_update(c, req->pool, &r, a->sub, a->school, &pv, &changed, &req->err) != SH_OK)
        return SH_ERR;
    return sh_mastery_submission(c, a->sub, &req->err);
}

static void record_statement(sh_req *req, const answering *a) {
    int right = strcmp(a->verdict, "right") == 0;
    json_t *result = json_pack("{s:s,s:b,s:{s:i,s:i,s:i}}", "response", a->response, "success", right,
                               "score", "raw", right ? a->score : 0, "min", 0, "max", a->score);
    sh_xapi_record(req, &(sh_xapi_event){.verb = SH_XAPI_ANSWERED,
                                         .type = SH_XAPI_ITEM,
                                         .object = a->item_uid,
                                         .registration = a->registration,
                                         .result = result});
    json_decref(result);
}

int assign_practice_answer(sh_req *req) {
    sh_conn *c = sh_req_conn(req);
    json_t *body;
    if (!c || sh_req_json(req, &body) != SH_OK)
        return SH_ERR;
    answering a = {0};
    const char *uid = sh_pstrdup(req->pool, json_string_value(json_object_get(body, "item"))), *points = NULL;
    const json_t *resp = json_object_get(body, "response");
    int rc = SH_OK;
    if (!json_is_object(body))
        rc = sh_err_set(&req->err, 400, "invalid_body", NULL, "请求体应为 JSON 对象");
    else if (!uid || !*uid)
        rc = sh_err_set(&req->err, 400, "required", "item", "请给出练习题的标识（item）");
    else if (!resp || json_is_null(resp))
        rc = sh_err_set(&req->err, 400, "required", "response", "请填写作答");
    if (rc == SH_OK)
        rc = find_answering(req, c, uid, &a);
    assign_learner l;
    if (rc == SH_OK)
        rc = assign_learner_find(req, c, a.student_uid, &l);
    if (rc == SH_OK)
        rc = assign_practice_points(req, c, a.subject, NULL, json_object_get(body, "points"), &points);
    json_t *content = rc == SH_OK ? json_loads(a.content, 0, NULL) : NULL;
    sh_answer_verdict v = content ? sh_item_check(content, resp) : SH_ANSWER_INVALID;
    json_decref(content);
    char *text = NULL;
    if (rc == SH_OK && (v == SH_ANSWER_INVALID || v == SH_ANSWER_NEEDS_SCORING))
        rc = sh_err_set(&req->err, 400, "invalid_response", "response", ASSIGN_INVALID_RESPONSE);
    else if (rc == SH_OK && (!(text = json_dumps(resp, JSON_COMPACT | JSON_ENCODE_ANY)) ||
                             strlen(text) > ASSIGN_MAX_RESPONSE))
        rc = sh_err_set(&req->err, 400, "too_long", "response", "作答太长（至多 %d 字节）",
                        ASSIGN_MAX_RESPONSE);
    sh_mastery_pick pick;
    assign_offer o;
    int repeated = 0;
    if (rc == SH_OK && (rc = sh_begin_write(c, &req->err)) == SH_OK) {
        rc = still_offered(req, c, &a);
        if (rc == SH_OK && a.answer) { /* answered already: the same answer again is the same result */
            repeated = 1;
            if (strcmp(a.response, text) != 0)
                rc = sh_err_set(&req->err, 409, "already_answered", "item", "这道题已经作答过了");
        } else if (rc == SH_OK) {
            a.response = sh_pstrdup(req->pool, text);
            rc = a.response ? record_answer(req, c, &a, a.response, v == SH_ANSWER_RIGHT) : oom(req);
        }
        if (rc == SH_OK)
            rc = assign_practice_pick(req, c, &l, a.subject, points, &pick, &o);
        if (rc == SH_OK)
            rc = sh_commit(c, &req->err);
        else
            sh_rollback(c);
    }
    sh_free(text);
    json_decref(body);
    if (rc != SH_OK)
        return SH_ERR;
    if (!repeated)
        record_statement(req, &a);
    json_t *item = assign_version_json(c, a.version, 1, &req->err);
    json_t *moves = item ? sh_mastery_answer_moves(c, a.answer, a.school, &req->err) : NULL;
    json_t *next = moves ? assign_practice_next_json(req, c, &l, a.subject, &pick, &o) : NULL;
    if (!next) {
        json_decref(item);
        json_decref(moves);
        return req->err.status ? SH_ERR : oom(req);
    }
    json_t *r = json_object();
    json_object_set_new(r, "id", json_string(uid));
    json_object_set_new(r, "verdict", json_string(a.verdict));
    json_object_set_new(r, "verdict_name", json_string(assign_status_name(a.verdict)));
    json_object_set_new(r, "repeated", json_boolean(repeated));
    json_t *response = json_loads(a.response, JSON_DECODE_ANY, NULL);
    json_object_set_new(r, "response", response ? response : json_null());
    json_object_set_new(r, "item", item);
    json_object_set_new(r, "mastery", moves);
    json_object_set_new(r, "next", next);
    return sh_reply_json(req, 200, r);
}
