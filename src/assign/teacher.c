/* teacher.c — the teacher's routes: a class's tasks with their counts, create
 * and edit a draft, publish (a submission per student enrolled then), close,
 * read a task with its items and right rates, its submissions, one submission
 * with its answers, and score a subjective answer against its rubric. A task is
 * reached through its class: assign.read / assign.write at the class or above. */
#include "assign/module.h"

#include "core/clock.h"
#include "core/pool.h"
#include "core/uid.h"

#include <stdio.h>

static int64_t me(sh_req *req) {
    const sh_principal *p = sh_principal_of(req);
    return p ? p->account_id : 0;
}

/* The class with public id uid within the caller's reach for perm. */
static int find_class(sh_req *req, sh_conn *c, const char *uid, const char *perm, int64_t *klass,
                      int64_t *school) {
    *klass = 0;
    if (uid && strlen(uid) <= 64) {
        sh_stmt *s =
            sh_prepare(c, "SELECT id, school_id FROM org_unit WHERE uid = $1 AND kind = 'class'", &req->err);
        if (!s)
            return SH_ERR;
        sh_bind_text(s, 1, uid, -1);
        if (sh_step(s, &req->err) == SH_ROW) {
            *klass = sh_col_i64(s, 0);
            *school = sh_col_i64(s, 1);
        }
        sh_stmt_done(s);
        if (req->err.status)
            return SH_ERR;
    }
    int reach = *klass ? sh_can_at(req, perm, *klass) : 0;
    if (reach < 0)
        return SH_ERR;
    return reach ? SH_OK : sh_err_set(&req->err, 404, "not_found", "class", "班级不存在");
}

int assign_tasks_list(sh_req *req) {
    sh_conn *c = sh_req_conn(req);
    int64_t klass = 0, school = 0;
    const char *cls = sh_req_query(req, "class");
    if (!c)
        return SH_ERR;
    if (!cls)
        return sh_err_set(&req->err, 400, "required", "class", "请指定班级（class=班级标识）");
    if (find_class(req, c, cls, "assign.read", &klass, &school) != SH_OK)
        return SH_ERR;
    char sql[2400];
    snprintf(
        sql, sizeof sql,
        "SELECT %s FROM assign_task t JOIN org_unit k ON k.id = t.class_id"
        " WHERE t.class_id = $1 AND t.school_id = $2 AND t.kind <> 'practice' ORDER BY t.id DESC LIMIT 500",
        assign_task_columns());
    sh_stmt *s = sh_prepare(c, sql, &req->err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, klass);
    sh_bind_i64(s, 2, school);
    json_t *items = json_array();
    int rc;
    while ((rc = sh_step(s, &req->err)) == SH_ROW)
        json_array_append_new(items, assign_task_row_json(s));
    sh_stmt_done(s);
    return sh_reply_items(req, items, rc);
}

/* The task's own fields from body into r (kind, title, subject, due_at);
 * every problem a field error. */
static void task_fields(sh_req *req, const json_t *body, sh_record *r, int create) {
    const char *kind = json_string_value(json_object_get(body, "kind"));
    const char *title = json_string_value(json_object_get(body, "title"));
    const char *subject = json_string_value(json_object_get(body, "subject"));
    const json_t *due = json_object_get(body, "due_at");
    if (kind || create) {
        if (!kind || (strcmp(kind, "diagnostic") != 0 && strcmp(kind, "homework") != 0))
            sh_err_add(&req->err, 400, "invalid_kind", "kind", NULL,
                       "类型应为 diagnostic（课前问学）或 homework（课后作业）");
        else
            sh_record_set_s(r, "kind", kind);
    }
    if (title || create) {
        const char *t = title ? sh_normalise_text(req->pool, title) : NULL;
        if (!t || !*t)
            sh_err_add(&req->err, 400, "required", "title", NULL, "请填写作业标题");
        else if (strlen(t) > 180)
            sh_err_add(&req->err, 400, "too_long", "title", NULL, "作业标题不能超过 60 字");
        else
            sh_record_set_s(r, "title", t);
    }
    if (subject || create) {
        if (!subject)
            subject = "14";
        if (strlen(subject) > 8 || sh_code_valid("jyt_k12_course", subject) != 1)
            sh_err_add(&req->err, 400, "invalid_code", "subject", NULL,
                       "学科应为中小学课程代码（数学为 14）");
        else
            sh_record_set_s(r, "subject", sh_pstrdup(req->pool, subject));
    }
    if (due && !json_is_null(due)) {
        int64_t ms;
        if (!json_is_string(due) || sh_parse_iso_ms(json_string_value(due), &ms) != SH_OK)
            sh_err_add(&req->err, 400, "invalid_time", "due_at", NULL,
                       "截止时间应为 ISO 8601 时间，如 2026-12-01T10:00:00Z");
        else
            sh_record_set_i(r, "due_at", ms);
    } else if (due) {
        sh_record_set_s(r, "due_at", NULL);
    }
}

static int reply_task(sh_req *req, sh_conn *c, const assign_task *t, int status) {
    json_t *o = assign_task_json(req, c, t, 1);
    return o ? sh_reply_json(req, status, o) : SH_ERR;
}

int assign_task_create(sh_req *req) {
    sh_conn *c = sh_req_conn(req);
    json_t *body;
    if (!c || sh_req_json(req, &body) != SH_OK)
        return SH_ERR;
    assign_task t = {0};
    int rc = json_is_object(body) ? SH_OK
                                  : sh_err_set(&req->err, 400, "invalid_body", NULL, "请求体应为 JSON 对象");
    if (rc == SH_OK)
        rc = find_class(req, c, json_string_value(json_object_get(body, "class")), "assign.write", &t.klass,
                        &t.school);
    sh_record r;
    if (rc == SH_OK && sh_record_blank(req->pool, &sh_assign_task_entity, &r) != SH_OK)
        rc = sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
    if (rc == SH_OK) {
        task_fields(req, body, &r, 1);
        rc = sh_err_count(&req->err) ? SH_ERR : SH_OK;
    }
    sh_provenance pv = sh_req_provenance(req);
    if (rc == SH_OK && (rc = sh_begin_write(c, &req->err)) == SH_OK) {
        sh_record_set_i(&r, "school", t.school);
        sh_record_set_i(&r, "class", t.klass);
        sh_record_set_s(&r, "status", "draft");
        sh_record_set_i(&r, "tiered", 0);
        sh_record_set_i(&r, "_author", me(req));
        rc = sh_record_insert(c, req->pool, &r, t.school, &pv, &t.key, &t.uid, &req->err);
        t.kind = r.v[sh_entity_field_index(r.e, "kind")].s;
        int tiered = 0;
        if (rc == SH_OK)
            rc = assign_task_build(req, c, &t, body, &tiered);
        if (rc == SH_OK && tiered) {
            sh_record u;
            int changed;
            rc = sh_record_blank(req->pool, &sh_assign_task_entity, &u);
            if (rc == SH_OK)
                sh_record_set_i(&u, "tiered", 1);
            if (rc == SH_OK)
                rc = sh_record_update(c, req->pool, &u, t.key, t.school, &pv, &changed, &req->err);
        }
        if (rc == SH_OK)
            rc = sh_commit(c, &req->err);
        else
            sh_rollback(c);
    }
    json_decref(body);
    return rc == SH_OK ? reply_task(req, c, &t, 201) : SH_ERR;
}

/* Refuse unless the task is in status want (409, naming both). */
static int need_status(sh_req *req, const assign_task *t, const char *want) {
    if (strcmp(t->status, want) == 0)
        return SH_OK;
    return sh_err_set(&req->err, 409, "invalid_state", "status", "作业当前为“%s”，只有“%s”的作业可以这样操作",
                      assign_status_name(t->status), assign_status_name(want));
}

int assign_task_put(sh_req *req) {
    sh_conn *c = sh_req_conn(req);
    json_t *body;
    assign_task t = {0};
    if (!c || sh_req_json(req, &body) != SH_OK)
        return SH_ERR;
    int rc = json_is_object(body) ? SH_OK
                                  : sh_err_set(&req->err, 400, "invalid_body", NULL, "请求体应为 JSON 对象");
    if (rc == SH_OK)
        rc = assign_task_find(req, c, sh_req_param(req, "id"), "assign.write", &t);
    if (rc == SH_OK)
        rc = need_status(req, &t, "draft");
    const json_t *cls = rc == SH_OK ? json_object_get(body, "class") : NULL;
    if (cls && !json_is_null(cls)) {
        sh_stmt *s = sh_prepare(c, "SELECT uid FROM org_unit WHERE id = $1", &req->err);
        if (s) {
            sh_bind_i64(s, 1, t.klass);
            if (sh_step(s, &req->err) == SH_ROW &&
                (!json_is_string(cls) || strcmp(json_string_value(cls), sh_col_text(s, 0)) != 0))
                sh_err_set(&req->err, 400, "immutable", "class", "作业的班级不能修改");
            sh_stmt_done(s);
        }
        rc = req->err.status ? SH_ERR : SH_OK;
    }
    sh_record r;
    if (rc == SH_OK && sh_record_blank(req->pool, &sh_assign_task_entity, &r) != SH_OK)
        rc = sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
    if (rc == SH_OK) {
        task_fields(req, body, &r, 0);
        rc = sh_err_count(&req->err) ? SH_ERR : SH_OK;
    }
    sh_provenance pv = sh_req_provenance(req);
    if (rc == SH_OK && (rc = sh_begin_write(c, &req->err)) == SH_OK) {
        const sh_value *k = &r.v[sh_entity_field_index(r.e, "kind")];
        if (k->set)
            t.kind = k->s;
        int tiered = t.tiered, changed;
        if (json_object_get(body, "items") || json_object_get(body, "select") ||
            json_object_get(body, "tiers"))
            rc = assign_task_build(req, c, &t, body, &tiered);
        sh_record_set_i(&r, "tiered", tiered);
        if (rc == SH_OK)
            rc = sh_record_update(c, req->pool, &r, t.key, t.school, &pv, &changed, &req->err);
        if (rc == SH_OK)
            rc = sh_commit(c, &req->err);
        else
            sh_rollback(c);
    }
    json_decref(body);
    return rc == SH_OK ? reply_task(req, c, &t, 200) : SH_ERR;
}

int assign_task_get(sh_req *req) {
    sh_conn *c = sh_req_conn(req);
    assign_task t = {0};
    if (!c || assign_task_find(req, c, sh_req_param(req, "id"), "assign.read", &t) != SH_OK)
        return SH_ERR;
    return reply_task(req, c, &t, 200);
}

/* Set the task's status (and the time field of it) through the write path. */
static int set_status(sh_req *req, sh_conn *c, const assign_task *t, const char *status, const char *at_field,
                      const sh_provenance *pv) {
    sh_record r;
    int changed;
    if (sh_record_blank(req->pool, &sh_assign_task_entity, &r) != SH_OK)
        return sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
    sh_record_set_s(&r, "status", status);
    sh_record_set_i(&r, at_field, sh_now_ms());
    return sh_record_update(c, req->pool, &r, t->key, t->school, pv, &changed, &req->err);
}

/* The students enrolled in the class now, their draft tier rows, and the
 * number of items each would get: make every submission assigned. */
static int make_submissions(sh_req *req, sh_conn *c, const assign_task *t, const sh_provenance *pv) {
    sh_stmt *s = sh_prepare(
        c,
        "SELECT e.student_id, sub.id,"
        " (SELECT COUNT(*) FROM assign_task_item ti WHERE ti.task_id = $1 AND ti.school_id = $2"
        "  AND (ti.student_id IS NULL OR ti.student_id = e.student_id)),"
        " (SELECT COALESCE(SUM(ti.score), 0) FROM assign_task_item ti WHERE ti.task_id = $1 AND ti.school_id = $2"
        "  AND (ti.student_id IS NULL OR ti.student_id = e.student_id)), st.name"
        " FROM (SELECT DISTINCT student_id FROM enrollment WHERE class_id = $3 AND school_id = $2"
        "  AND exit_date IS NULL) e JOIN student st ON st.id = e.student_id AND st.school_id = $2"
        " LEFT JOIN assign_submission sub ON sub.task_id = $1 AND sub.student_id = e.student_id"
        " AND sub.school_id = $2 ORDER BY e.student_id",
        &req->err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, t->key);
    sh_bind_i64(s, 2, t->school);
    sh_bind_i64(s, 3, t->klass);
    typedef struct one {
        int64_t student, sub, max;
    } one;
    size_t cap = 256, n = 0;
    one *all = sh_pcalloc(req->pool, cap * sizeof *all);
    int rc = all ? SH_ROW : SH_ERR;
    while (rc == SH_ROW && (rc = sh_step(s, &req->err)) == SH_ROW) {
        if (sh_col_i64(s, 2) == 0) {
            rc = sh_err_set(&req->err, 409, "empty_task", "items", "学生“%s”没有题目，不能发布",
                            sh_col_text(s, 4));
            break;
        }
        if (n == cap) {
            one *more = sh_pcalloc(req->pool, cap * 2 * sizeof *more);
            if (!more) {
                rc = SH_ERR;
                break;
            }
            memcpy(more, all, cap * sizeof *all);
            all = more;
            cap *= 2;
        }
        all[n++] = (one){sh_col_i64(s, 0), sh_col_is_null(s, 1) ? 0 : sh_col_i64(s, 1), sh_col_i64(s, 3)};
    }
    sh_stmt_done(s);
    if (rc == SH_ERR)
        return req->err.status ? SH_ERR : sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
    if (n == 0)
        return sh_err_set(&req->err, 409, "empty_class", "class", "班级没有在读学生，不能发布");
    for (size_t i = 0; i < n; i++) {
        sh_record r;
        char reg[37];
        sh_new_uuid(reg);
        if (sh_record_blank(req->pool, &sh_assign_submission_entity, &r) != SH_OK)
            return sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
        sh_record_set_s(&r, "status", "assigned");
        sh_record_set_s(&r, "registration", sh_pstrdup(req->pool, reg));
        sh_record_set_i(&r, "max_score", all[i].max);
        int changed;
        int64_t key;
        if (all[i].sub) {
            rc = sh_record_update(c, req->pool, &r, all[i].sub, t->school, pv, &changed, &req->err);
        } else {
            sh_record_set_i(&r, "school", t->school);
            sh_record_set_i(&r, "task", t->key);
            sh_record_set_i(&r, "student", all[i].student);
            rc = sh_record_insert(c, req->pool, &r, t->school, pv, &key, NULL, &req->err);
        }
        if (rc != SH_OK)
            return SH_ERR;
    }
    return SH_OK;
}

int assign_task_publish(sh_req *req) {
    sh_conn *c = sh_req_conn(req);
    assign_task t = {0};
    if (!c || assign_task_find(req, c, sh_req_param(req, "id"), "assign.write", &t) != SH_OK ||
        need_status(req, &t, "draft") != SH_OK)
        return SH_ERR;
    sh_stmt *s = sh_prepare(c, "SELECT COUNT(*) FROM assign_task_item WHERE task_id = $1 AND school_id = $2",
                            &req->err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, t.key);
    sh_bind_i64(s, 2, t.school);
    int64_t nitems = sh_step(s, &req->err) == SH_ROW ? sh_col_i64(s, 0) : 0;
    sh_stmt_done(s);
    if (req->err.status)
        return SH_ERR;
    if (!nitems)
        return sh_err_set(&req->err, 409, "empty_task", "items", "作业还没有题目，不能发布");
    sh_provenance pv = sh_req_provenance(req);
    int rc = sh_begin_write(c, &req->err);
    if (rc == SH_OK) {
        rc = make_submissions(req, c, &t, &pv);
        if (rc == SH_OK)
            rc = set_status(req, c, &t, "published", "published_at", &pv);
        if (rc == SH_OK)
            rc = sh_commit(c, &req->err);
        else
            sh_rollback(c);
    }
    return rc == SH_OK ? reply_task(req, c, &t, 200) : SH_ERR;
}

int assign_task_close(sh_req *req) {
    sh_conn *c = sh_req_conn(req);
    assign_task t = {0};
    if (!c || assign_task_find(req, c, sh_req_param(req, "id"), "assign.write", &t) != SH_OK ||
        need_status(req, &t, "published") != SH_OK)
        return SH_ERR;
    if (strcmp(t.kind, "practice") == 0)
        return sh_err_set(&req->err, 409, "practice", "kind", "自主练习由学生自己进行，不能截止");
    sh_provenance pv = sh_req_provenance(req);
    int rc = sh_begin_write(c, &req->err);
    if (rc == SH_OK) {
        rc = set_status(req, c, &t, "closed", "closed_at", &pv);
        if (rc == SH_OK)
            rc = sh_commit(c, &req->err);
        else
            sh_rollback(c);
    }
    return rc == SH_OK ? reply_task(req, c, &t, 200) : SH_ERR;
}

#define SUBMISSION_COLUMNS                                                                                   \
    "sub.uid, st.uid, st.name, sub.tier, sub.status, sub.started_at, sub.submitted_at, sub.scored_at,"       \
    " sub.score, sub.max_score, (SELECT COUNT(*) FROM assign_answer a WHERE a.submission_id = sub.id"        \
    " AND a.school_id = sub.school_id AND a.verdict = 'needs_scoring')"

static json_t *submission_json(sh_stmt *s) {
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(sh_col_text(s, 0)));
    json_object_set_new(o, "student",
                        json_pack("{s:s,s:s}", "id", sh_col_text(s, 1), "name", sh_col_text(s, 2)));
    json_object_set_new(o, "tier", sh_col_is_null(s, 3) ? json_null() : json_string(sh_col_text(s, 3)));
    json_object_set_new(o, "status", json_string(sh_col_text(s, 4)));
    json_object_set_new(o, "status_name", json_string(assign_status_name(sh_col_text(s, 4))));
    json_object_set_new(o, "started_at", assign_time_json(s, 5));
    json_object_set_new(o, "submitted_at", assign_time_json(s, 6));
    json_object_set_new(o, "scored_at", assign_time_json(s, 7));
    json_object_set_new(o, "score", sh_col_is_null(s, 8) ? json_null() : json_integer(sh_col_i64(s, 8)));
    json_object_set_new(o, "max_score", sh_col_is_null(s, 9) ? json_null() : json_integer(sh_col_i64(s, 9)));
    json_object_set_new(o, "needs_scoring", json_integer(sh_col_i64(s, 10)));
    return o;
}

int assign_task_submissions(sh_req *req) {
    sh_conn *c = sh_req_conn(req);
    assign_task t = {0};
    if (!c || assign_task_find(req, c, sh_req_param(req, "id"), "assign.read", &t) != SH_OK)
        return SH_ERR;
    sh_stmt *s =
        sh_prepare(c,
                   "SELECT " SUBMISSION_COLUMNS " FROM assign_submission sub JOIN student st"
                   " ON st.id = sub.student_id AND st.school_id = sub.school_id"
                   " WHERE sub.task_id = $1 AND sub.school_id = $2 AND sub.status <> 'draft' ORDER BY st.id",
                   &req->err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, t.key);
    sh_bind_i64(s, 2, t.school);
    json_t *items = json_array();
    int rc;
    while ((rc = sh_step(s, &req->err)) == SH_ROW)
        json_array_append_new(items, submission_json(s));
    sh_stmt_done(s);
    return sh_reply_items(req, items, rc);
}

/* The submission with public id uid whose task the caller reaches with perm. */
static int find_submission(sh_req *req, sh_conn *c, const char *uid, const char *perm, assign_task *t,
                           int64_t *key) {
    const char *task_uid = NULL;
    if (uid && strlen(uid) <= 64) {
        sh_stmt *s = sh_prepare(
            c,
            "SELECT sub.id, t.uid FROM assign_submission sub JOIN assign_task t ON t.id = sub.task_id"
            " AND t.school_id = sub.school_id WHERE sub.uid = $1 AND sub.status <> 'draft'",
            &req->err);
        if (!s)
            return SH_ERR;
        sh_bind_text(s, 1, uid, -1);
        if (sh_step(s, &req->err) == SH_ROW) {
            *key = sh_col_i64(s, 0);
            task_uid = sh_pstrdup(req->pool, sh_col_text(s, 1));
        }
        sh_stmt_done(s);
        if (req->err.status)
            return SH_ERR;
    }
    if (!task_uid || assign_task_find(req, c, task_uid, perm, t) != SH_OK) {
        sh_err_clear(&req->err);
        return sh_err_set(&req->err, 404, "not_found", NULL, "作业提交不存在");
    }
    return SH_OK;
}

int assign_submission_get(sh_req *req) {
    sh_conn *c = sh_req_conn(req);
    assign_task t = {0};
    int64_t key = 0;
    if (!c || find_submission(req, c, sh_req_param(req, "id"), "assign.read", &t, &key) != SH_OK)
        return SH_ERR;
    json_t *o = assign_submission_json(req, c, &t, key, 1);
    return o ? sh_reply_json(req, 200, o) : SH_ERR;
}

int assign_answer_score(sh_req *req) {
    sh_conn *c = sh_req_conn(req);
    json_t *body;
    if (!c || sh_req_json(req, &body) != SH_OK)
        return SH_ERR;
    const char *uid = sh_req_param(req, "id");
    int64_t answer = 0, sub = 0, max = 0;
    const char *sub_uid = NULL, *verdict = NULL;
    sh_stmt *s =
        uid && strlen(uid) <= 64
            ? sh_prepare(
                  c,
                  "SELECT a.id, a.verdict, ti.score, sub.uid, sub.id FROM assign_answer a"
                  " JOIN assign_task_item ti ON ti.id = a.task_item_id AND ti.school_id = a.school_id"
                  " JOIN assign_submission sub ON sub.id = a.submission_id AND sub.school_id = a.school_id"
                  " WHERE a.uid = $1",
                  &req->err)
            : NULL;
    if (s) {
        sh_bind_text(s, 1, uid, -1);
        if (sh_step(s, &req->err) == SH_ROW) {
            answer = sh_col_i64(s, 0);
            verdict = sh_pstrdup(req->pool, sh_col_text(s, 1));
            max = sh_col_i64(s, 2);
            sub_uid = sh_pstrdup(req->pool, sh_col_text(s, 3));
            sub = sh_col_i64(s, 4);
        }
        sh_stmt_done(s);
    }
    assign_task t = {0};
    int64_t key = 0;
    int rc = req->err.status ? SH_ERR : SH_OK;
    if (rc == SH_OK && (!answer || find_submission(req, c, sub_uid, "assign.write", &t, &key) != SH_OK)) {
        sh_err_clear(&req->err);
        rc = sh_err_set(&req->err, 404, "not_found", NULL, "作答不存在");
    }
    if (rc == SH_OK && verdict && strcmp(verdict, "needs_scoring") != 0 && strcmp(verdict, "scored") != 0)
        rc = sh_err_set(&req->err, 409, "not_subjective", NULL,
                        "只有已提交的主观题作答需要教师评分（当前：%s）", assign_status_name(verdict));
    const json_t *score = json_object_get(body, "score");
    const char *comment = json_string_value(json_object_get(body, "comment"));
    if (rc == SH_OK) {
        if (!json_is_integer(score) || json_integer_value(score) < 0 || json_integer_value(score) > max)
            sh_err_add(&req->err, 400, "out_of_range", "score", NULL, "得分应为 0 到 %lld 的整数",
                       (long long)max);
        if (json_object_get(body, "comment") && !json_is_null(json_object_get(body, "comment")) &&
            (!comment || strlen(comment) > 1500))
            sh_err_add(&req->err, 400, "too_long", "comment", NULL, "评语应为不超过 500 字的文字");
        rc = sh_err_count(&req->err) ? SH_ERR : SH_OK;
    }
    sh_provenance pv = sh_req_provenance(req);
    if (rc == SH_OK && (rc = sh_begin_write(c, &req->err)) == SH_OK) {
        sh_record r;
        int changed;
        rc = sh_record_blank(req->pool, &sh_assign_answer_entity, &r);
        if (rc == SH_OK) {
            sh_record_set_s(&r, "verdict", "scored");
            sh_record_set_i(&r, "score", json_integer_value(score));
            sh_record_set_i(&r, "_scorer", me(req));
            sh_record_set_s(&r, "comment", comment && *comment ? sh_pstrdup(req->pool, comment) : NULL);
            sh_record_set_i(&r, "scored_at", sh_now_ms());
            rc = sh_record_update(c, req->pool, &r, answer, t.school, &pv, &changed, &req->err);
        }
        if (rc == SH_OK)
            rc = assign_total(c, req->pool, sub, t.school, 0, &pv, &req->err);
        if (rc == SH_OK)
            rc = sh_commit(c, &req->err);
        else
            sh_rollback(c);
    }
    json_decref(body);
    if (rc != SH_OK)
        return SH_ERR;
    json_t *o = assign_submission_json(req, c, &t, sub, 1);
    return o ? sh_reply_json(req, 200, o) : SH_ERR;
}
