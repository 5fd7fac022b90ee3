/* task.c — a task in the store: finding a task within the caller's reach (its
 * class), and the task as JSON with its items and each item's right rate.
 * Reads assign_*, item_version and item_kp. */
#include "assign/module.h"

#include "core/clock.h"
#include "core/pool.h"

#include <stdio.h>

const char *assign_status_name(const char *status) {
    static const char *const names[][2] = {
        {"draft", "草稿"},        {"published", "已发布"},     {"closed", "已截止"},
        {"assigned", "未开始"},   {"started", "作答中"},       {"submitted", "已提交"},
        {"scored", "已评分"},     {"pending", "未提交"},       {"right", "正确"},
        {"wrong", "错误"},        {"needs_scoring", "待评分"}, {"diagnostic", "课前问学"},
        {"homework", "课后作业"}, {"practice", "自主练习"},
    };
    for (size_t i = 0; status && i < sizeof names / sizeof names[0]; i++)
        if (strcmp(names[i][0], status) == 0)
            return names[i][1];
    return status ? status : "";
}

int assign_task_load(sh_req *req, sh_conn *c, const char *uid, assign_task *out) {
    if (!uid || strlen(uid) > 64)
        return sh_err_set(&req->err, 404, "not_found", NULL, "作业不存在");
    sh_stmt *s = sh_prepare(c,
                            "SELECT id, school_id, class_id, COALESCE(due_at, 0), uid, status, kind, title,"
                            " subject, tiered FROM assign_task WHERE uid = $1",
                            &req->err);
    if (!s)
        return SH_ERR;
    sh_bind_text(s, 1, uid, -1);
    int rc = sh_step(s, &req->err);
    if (rc == SH_ROW)
        *out = (assign_task){.key = sh_col_i64(s, 0),
                             .school = sh_col_i64(s, 1),
                             .klass = sh_col_i64(s, 2),
                             .due_at = sh_col_i64(s, 3),
                             .uid = sh_pstrdup(req->pool, sh_col_text(s, 4)),
                             .status = sh_pstrdup(req->pool, sh_col_text(s, 5)),
                             .kind = sh_pstrdup(req->pool, sh_col_text(s, 6)),
                             .title = sh_pstrdup(req->pool, sh_col_text(s, 7)),
                             .subject = sh_pstrdup(req->pool, sh_col_text(s, 8)),
                             .tiered = (int)sh_col_i64(s, 9)};
    sh_stmt_done(s);
    if (rc == SH_ROW && (!out->uid || !out->status || !out->kind || !out->title || !out->subject))
        return sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
    return rc == SH_ROW   ? SH_OK
           : rc == SH_ERR ? SH_ERR
                          : sh_err_set(&req->err, 404, "not_found", NULL, "作业不存在");
}

int assign_task_find(sh_req *req, sh_conn *c, const char *uid, const char *perm, assign_task *out) {
    if (assign_task_load(req, c, uid, out) != SH_OK)
        return SH_ERR;
    int reach = sh_can_at(req, perm, out->klass);
    if (reach < 0)
        return SH_ERR;
    return reach ? SH_OK : sh_err_set(&req->err, 404, "not_found", NULL, "作业不存在");
}

json_t *assign_time_json(sh_stmt *s, int col) {
    if (sh_col_is_null(s, col))
        return json_null();
    char iso[SH_ISO_LEN];
    sh_fmt_iso_ms(sh_col_i64(s, col), iso);
    return json_string(iso);
}

json_t *assign_round_json(sh_stmt *s, int col, double scale) {
    if (sh_col_is_null(s, col))
        return json_null();
    return json_real((double)(int64_t)(sh_col_double(s, col) * scale + 0.5) / scale);
}

/* The task's own fields with its class and counts. */
#define TASK_COLUMNS                                                                                         \
    "t.uid, t.kind, t.title, t.subject, t.status, t.tiered, t.due_at, t.published_at, t.closed_at,"          \
    " t.created_at, k.uid, k.name,"                                                                          \
    " (SELECT COUNT(*) FROM assign_submission s WHERE s.task_id = t.id AND s.school_id = t.school_id"        \
    "  AND s.status <> 'draft'),"                                                                            \
    " (SELECT COUNT(*) FROM assign_submission s WHERE s.task_id = t.id AND s.school_id = t.school_id"        \
    "  AND s.status IN ('submitted', 'scored')),"                                                            \
    " (SELECT COUNT(*) FROM assign_submission s WHERE s.task_id = t.id AND s.school_id = t.school_id"        \
    "  AND s.status = 'scored'),"                                                                            \
    " (SELECT AVG(s.score * 1.0) FROM assign_submission s WHERE s.task_id = t.id"                            \
    "  AND s.school_id = t.school_id AND s.status IN ('submitted', 'scored')),"                              \
    " (SELECT COUNT(*) FROM assign_task_item i WHERE i.task_id = t.id AND i.school_id = t.school_id), t.id"

const char *assign_task_columns(void) { return TASK_COLUMNS; }

json_t *assign_task_row_json(sh_stmt *s) {
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(sh_col_text(s, 0)));
    json_object_set_new(o, "kind", json_string(sh_col_text(s, 1)));
    json_object_set_new(o, "kind_name", json_string(assign_status_name(sh_col_text(s, 1))));
    json_object_set_new(o, "title", json_string(sh_col_text(s, 2)));
    json_object_set_new(o, "subject", json_string(sh_col_text(s, 3)));
    json_object_set_new(o, "status", json_string(sh_col_text(s, 4)));
    json_object_set_new(o, "status_name", json_string(assign_status_name(sh_col_text(s, 4))));
    json_object_set_new(o, "tiered", json_boolean(sh_col_i64(s, 5)));
    json_object_set_new(o, "due_at", assign_time_json(s, 6));
    json_object_set_new(o, "published_at", assign_time_json(s, 7));
    json_object_set_new(o, "closed_at", assign_time_json(s, 8));
    json_object_set_new(o, "created_at", assign_time_json(s, 9));
    json_object_set_new(o, "class",
                        json_pack("{s:s,s:s}", "id", sh_col_text(s, 10), "name", sh_col_text(s, 11)));
    json_object_set_new(o, "assigned", json_integer(sh_col_i64(s, 12)));
    json_object_set_new(o, "submitted", json_integer(sh_col_i64(s, 13)));
    json_object_set_new(o, "scored", json_integer(sh_col_i64(s, 14)));
    json_object_set_new(o, "average_score", assign_round_json(s, 15, 10));
    json_object_set_new(o, "item_count", json_integer(sh_col_i64(s, 16)));
    return o;
}

/* sql prepared with the task's key as $1 and its school as $2; NULL on failure. */
static sh_stmt *prepare_task(sh_conn *c, const char *sql, const assign_task *t, sh_err *err) {
    sh_stmt *s = sh_prepare(c, sql, err);
    if (s) {
        sh_bind_i64(s, 1, t->key);
        sh_bind_i64(s, 2, t->school);
    }
    return s;
}

/* Each item of the task: ordinal, score, the student it is for, its content
 * (whole: the teacher's view), knowledge points and right rate. */
static int task_items_json(sh_req *req, sh_conn *c, const assign_task *t, json_t *out) {
    sh_stmt *s = prepare_task(
        c,
        "SELECT ti.uid, ti.ordinal, ti.score, st.uid, st.name, v.content, i.uid, i.code, v.no,"
        " (SELECT COUNT(*) FROM assign_answer a WHERE a.task_item_id = ti.id AND a.school_id = ti.school_id"
        "  AND a.verdict IN ('right', 'wrong', 'scored')),"
        " (SELECT COUNT(*) FROM assign_answer a WHERE a.task_item_id = ti.id AND a.school_id = ti.school_id"
        "  AND (a.verdict = 'right' OR (a.verdict = 'scored' AND a.score = ti.score))),"
        " (SELECT COUNT(*) FROM assign_answer a WHERE a.task_item_id = ti.id AND a.school_id = ti.school_id"
        "  AND a.verdict = 'needs_scoring'),"
        " (SELECT AVG(a.score * 1.0) FROM assign_answer a WHERE a.task_item_id = ti.id"
        "  AND a.school_id = ti.school_id AND a.verdict IN ('right', 'wrong', 'scored'))"
        " FROM assign_task_item ti JOIN item_version v ON v.id = ti.item_version_id"
        " JOIN item i ON i.id = v.item_id LEFT JOIN student st ON st.id = ti.student_id"
        " AND st.school_id = ti.school_id WHERE ti.task_id = $1 AND ti.school_id = $2"
        " ORDER BY ti.student_id IS NOT NULL, ti.ordinal, ti.id",
        t, &req->err);
    if (!s)
        return SH_ERR;
    int rc;
    while ((rc = sh_step(s, &req->err)) == SH_ROW) {
        json_t *content = json_loads(sh_col_text(s, 5), 0, NULL);
        json_t *o = json_is_object(content) ? content : json_object();
        if (!json_is_object(content))
            json_decref(content);
        json_object_set_new(o, "id", json_string(sh_col_text(s, 0)));
        json_object_set_new(o, "ordinal", json_integer(sh_col_i64(s, 1)));
        json_object_set_new(o, "score", json_integer(sh_col_i64(s, 2)));
        json_object_set_new(o, "student",
                            sh_col_is_null(s, 3)
                                ? json_null()
                                : json_pack("{s:s,s:s}", "id", sh_col_text(s, 3), "name", sh_col_text(s, 4)));
        json_object_set_new(o, "item",
                            json_pack("{s:s,s:s?,s:I}", "id", sh_col_text(s, 6), "code", sh_col_text(s, 7),
                                      "version", (json_int_t)sh_col_i64(s, 8)));
        int64_t graded = sh_col_i64(s, 9), right = sh_col_i64(s, 10);
        json_object_set_new(o, "graded", json_integer(graded));
        json_object_set_new(o, "right", json_integer(right));
        json_object_set_new(o, "needs_scoring", json_integer(sh_col_i64(s, 11)));
        json_object_set_new(o, "right_rate",
                            graded ? json_real((double)(int64_t)(1000.0 * right / graded + 0.5) / 1000)
                                   : json_null());
        json_object_set_new(o, "average_score", assign_round_json(s, 12, 10));
        json_array_append_new(out, o);
    }
    sh_stmt_done(s);
    return rc == SH_ERR ? SH_ERR : assign_items_kp(c, t, out, &req->err);
}

int assign_items_kp(sh_conn *c, const assign_task *t, json_t *items, sh_err *err) {
    sh_stmt *s =
        prepare_task(c,
                     "SELECT ti.uid, p.uid, p.code, p.name FROM assign_task_item ti"
                     " JOIN item_kp k ON k.version_id = ti.item_version_id"
                     " JOIN kg_point p ON p.id = k.point_id WHERE ti.task_id = $1 AND ti.school_id = $2"
                     " ORDER BY ti.id, k.ordinal",
                     t, err);
    if (!s)
        return SH_ERR;
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) { json_object_set_new(it, "knowledge_points", json_array()); }
    int rc;
    while ((rc = sh_step(s, err)) == SH_ROW) {
        json_array_foreach(items, i, it) {
            if (strcmp(json_string_value(json_object_get(it, "id")), sh_col_text(s, 0)) == 0)
                json_array_append_new(json_object_get(it, "knowledge_points"),
                                      json_pack("{s:s,s:s,s:s}", "id", sh_col_text(s, 1), "code",
                                                sh_col_text(s, 2), "name", sh_col_text(s, 3)));
        }
    }
    sh_stmt_done(s);
    return rc == SH_ERR ? SH_ERR : SH_OK;
}

/* The students' tiers of a tiered task (a draft's rows of status draft too),
 * in class order: [{student: {id, name}, tier}]. */
static int task_tiers_json(sh_req *req, sh_conn *c, const assign_task *t, json_t *out) {
    sh_stmt *s =
        prepare_task(c,
                     "SELECT st.uid, st.name, sub.tier FROM assign_submission sub JOIN student st"
                     " ON st.id = sub.student_id AND st.school_id = sub.school_id"
                     " WHERE sub.task_id = $1 AND sub.school_id = $2 AND sub.tier IS NOT NULL ORDER BY st.id",
                     t, &req->err);
    if (!s)
        return SH_ERR;
    int rc;
    while ((rc = sh_step(s, &req->err)) == SH_ROW)
        json_array_append_new(out, json_pack("{s:{s:s,s:s},s:s}", "student", "id", sh_col_text(s, 0), "name",
                                             sh_col_text(s, 1), "tier", sh_col_text(s, 2)));
    sh_stmt_done(s);
    return rc == SH_ERR ? SH_ERR : SH_OK;
}

json_t *assign_task_json(sh_req *req, sh_conn *c, const assign_task *t, int items) {
    sh_stmt *s =
        prepare_task(c,
                     "SELECT " TASK_COLUMNS " FROM assign_task t JOIN org_unit k ON k.id = t.class_id"
                     " WHERE t.id = $1 AND t.school_id = $2",
                     t, &req->err);
    if (!s)
        return NULL;
    json_t *o = sh_step(s, &req->err) == SH_ROW ? assign_task_row_json(s) : NULL;
    sh_stmt_done(s);
    if (o && items) {
        json_t *list = json_array(), *tiers = json_array();
        json_object_set_new(o, "items", list);
        json_object_set_new(o, "tiers", tiers);
        if (task_items_json(req, c, t, list) != SH_OK || task_tiers_json(req, c, t, tiers) != SH_OK) {
            json_decref(o);
            return NULL;
        }
    }
    if (!o && !req->err.status)
        sh_err_set(&req->err, 404, "not_found", NULL, "作业不存在");
    return o;
}
