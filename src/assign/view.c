/* view.c — a submission as JSON: its task, status and score, and each of the
 * student's items in order with the saved or graded answer. Until the student
 * has submitted (and for the student only) the items carry no answer,
 * explanation, rubric or the misconception behind an option. Reads assign_*,
 * item_version and kg_point. */
#include "assign/module.h"

#include "core/clock.h"

void assign_hide_answer(json_t *o) {
    json_object_del(o, "answer");
    json_object_del(o, "explanation");
    json_object_del(o, "rubric");
    json_object_del(o, "tolerance");
    size_t i;
    json_t *opt;
    json_array_foreach(json_object_get(o, "options"), i, opt) { json_object_del(opt, "misconception"); }
}

static int items_json(sh_req *req, sh_conn *c, const assign_task *t, int64_t submission, int reveal,
                      json_t *out) {
    sh_stmt *s = sh_prepare(
        c,
        "SELECT ti.uid, ti.score, v.content, a.uid, a.response, a.verdict, a.score, a.comment, a.scored_at"
        " FROM assign_submission sub JOIN assign_task_item ti ON ti.task_id = sub.task_id"
        " AND ti.school_id = sub.school_id AND (ti.student_id IS NULL OR ti.student_id = sub.student_id)"
        " JOIN item_version v ON v.id = ti.item_version_id"
        " LEFT JOIN assign_answer a ON a.submission_id = sub.id AND a.task_item_id = ti.id"
        " AND a.school_id = sub.school_id WHERE sub.id = $1 AND sub.school_id = $2"
        " ORDER BY ti.student_id IS NOT NULL, ti.ordinal, ti.id",
        &req->err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, submission);
    sh_bind_i64(s, 2, t->school);
    int rc, no = 0;
    while ((rc = sh_step(s, &req->err)) == SH_ROW) {
        json_t *o = json_loads(sh_col_text(s, 2), 0, NULL);
        if (!json_is_object(o)) {
            json_decref(o);
            o = json_object();
        }
        if (!reveal)
            assign_hide_answer(o);
        json_object_del(o, "source");
        json_object_set_new(o, "id", json_string(sh_col_text(s, 0)));
        json_object_set_new(o, "no", json_integer(++no));
        json_object_set_new(o, "score", json_integer(sh_col_i64(s, 1)));
        json_t *a = json_object();
        if (!sh_col_is_null(s, 3)) {
            json_t *resp = json_loads(sh_col_text(s, 4), JSON_DECODE_ANY, NULL);
            json_object_set_new(a, "id", json_string(sh_col_text(s, 3)));
            json_object_set_new(a, "response", resp ? resp : json_null());
            const char *verdict = sh_col_text(s, 5);
            int graded = strcmp(verdict, "pending") != 0;
            json_object_set_new(a, "verdict", json_string(verdict));
            json_object_set_new(a, "verdict_name", json_string(assign_status_name(verdict)));
            json_object_set_new(
                a, "score", graded && !sh_col_is_null(s, 6) ? json_integer(sh_col_i64(s, 6)) : json_null());
            json_object_set_new(a, "comment",
                                sh_col_is_null(s, 7) ? json_null() : json_string(sh_col_text(s, 7)));
            json_object_set_new(a, "scored_at", assign_time_json(s, 8));
            json_object_set_new(o, "student_answer", a);
        } else {
            json_decref(a);
            json_object_set_new(o, "student_answer", json_null());
        }
        json_array_append_new(out, o);
    }
    sh_stmt_done(s);
    return rc == SH_ERR ? SH_ERR : assign_items_kp(c, t, out, &req->err);
}

json_t *assign_submission_json(sh_req *req, sh_conn *c, const assign_task *t, int64_t submission,
                               int reveal) {
    sh_stmt *s =
        sh_prepare(c,
                   "SELECT sub.uid, st.uid, st.name, sub.tier, sub.status, sub.started_at, sub.submitted_at,"
                   " sub.scored_at, sub.score, sub.max_score FROM assign_submission sub JOIN student st"
                   " ON st.id = sub.student_id AND st.school_id = sub.school_id"
                   " WHERE sub.id = $1 AND sub.school_id = $2",
                   &req->err);
    if (!s)
        return NULL;
    sh_bind_i64(s, 1, submission);
    sh_bind_i64(s, 2, t->school);
    json_t *o = NULL;
    if (sh_step(s, &req->err) == SH_ROW) {
        const char *status = sh_col_text(s, 4);
        o = json_object();
        json_object_set_new(o, "id", json_string(sh_col_text(s, 0)));
        json_object_set_new(o, "student",
                            json_pack("{s:s,s:s}", "id", sh_col_text(s, 1), "name", sh_col_text(s, 2)));
        json_object_set_new(o, "tier", sh_col_is_null(s, 3) ? json_null() : json_string(sh_col_text(s, 3)));
        json_object_set_new(o, "status", json_string(status));
        json_object_set_new(o, "status_name", json_string(assign_status_name(status)));
        json_object_set_new(o, "started_at", assign_time_json(s, 5));
        json_object_set_new(o, "submitted_at", assign_time_json(s, 6));
        json_object_set_new(o, "scored_at", assign_time_json(s, 7));
        json_object_set_new(o, "score", sh_col_is_null(s, 8) ? json_null() : json_integer(sh_col_i64(s, 8)));
        json_object_set_new(o, "max_score",
                            sh_col_is_null(s, 9) ? json_null() : json_integer(sh_col_i64(s, 9)));
        reveal |= strcmp(status, "submitted") == 0 || strcmp(status, "scored") == 0;
        if (!(strcmp(status, "submitted") == 0 || strcmp(status, "scored") == 0))
            json_object_set_new(o, "score", json_null());
    }
    sh_stmt_done(s);
    if (!o) {
        if (!req->err.status)
            sh_err_set(&req->err, 404, "not_found", NULL, "作业提交不存在");
        return NULL;
    }
    json_t *task = assign_task_json(req, c, t, 0), *items = json_array();
    json_object_set_new(o, "revealed", json_boolean(reveal));
    json_object_set_new(o, "task", task ? task : json_null());
    json_object_set_new(o, "items", items);
    if (!task || items_json(req, c, t, submission, reveal, items) != SH_OK) {
        json_decref(o);
        return NULL;
    }
    return o;
}
