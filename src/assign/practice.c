/* practice.c — the portal's practice (自主练习, docs/teaching.md §Practice):
 * the student it is for (their own record, or a guardian's child, read
 * only), the subject and points asked for, and the next best item — the
 * mastery module's choice (sh_mastery_practice_next), offered to the student
 * (practice_offer.c) — as the reply gives it. Reach is the relationship
 * alone (ASSIGN_MINE). Answering is practice_answer.c. */
#include "assign/module.h"

#include "core/pool.h"

#include <math.h>
#include <stdio.h>

#define MAX_POINTS 50

static double round4(double v) { return round(v * 10000) / 10000; }

static int oom(sh_req *req) { return sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足"); }

/* The caller's own student record, or with uid (non-empty) one of the
 * caller's records or a child they are the legal guardian of: SH_OK, or 404. */
int assign_learner_find(sh_req *req, sh_conn *c, const char *uid, assign_learner *l) {
    const sh_principal *p = sh_principal_of(req);
    *l = (assign_learner){0};
    if (!p || !p->person_id || (uid && strlen(uid) > 64))
        return sh_err_set(&req->err, 404, "not_found", "student", "没有可查看的学生");
    sh_stmt *s = sh_prepare(
        c,
        "SELECT st.id, st.school_id, st.uid, st.name, m.own, (SELECT e.class_id FROM enrollment e"
        " WHERE e.student_id = st.id AND e.school_id = st.school_id AND e.exit_date IS NULL ORDER BY e.id DESC"
        " LIMIT 1) FROM " ASSIGN_MINE " m JOIN student st ON st.id = m.sid WHERE ($2 = '' OR st.uid = $2)"
        " ORDER BY m.own DESC, st.id LIMIT 1",
        &req->err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, p->person_id);
    sh_bind_text(s, 2, uid ? uid : "", -1);
    int rc = sh_step(s, &req->err);
    if (rc == SH_ROW) {
        *l = (assign_learner){.student = sh_col_i64(s, 0),
                              .school = sh_col_i64(s, 1),
                              .uid = sh_pstrdup(req->pool, sh_col_text(s, 2)),
                              .name = sh_pstrdup(req->pool, sh_col_text(s, 3)),
                              .own = (int)sh_col_i64(s, 4),
                              .klass = sh_col_is_null(s, 5) ? 0 : sh_col_i64(s, 5)};
    }
    sh_stmt_done(s);
    if (rc == SH_ERR)
        return SH_ERR;
    if (rc == SH_DONE)
        return sh_err_set(&req->err, 404, "not_found", "student", "没有可查看的学生");
    return l->uid && l->name ? SH_OK : oom(req);
}

static int check_subject(sh_req *req, const char *subject) {
    if (!subject || !*subject)
        return sh_err_set(&req->err, 400, "required", "subject",
                          "请指定学科（subject，课程代码，如数学 14）");
    if (strlen(subject) > 8 || sh_code_valid("jyt_k12_course", subject) != 1)
        return sh_err_set(&req->err, 400, "invalid_code", "subject", "学科代码不存在：%.20s", subject);
    return SH_OK;
}

/* One point code (or id) of the subject into b ("[3,7"); 400 when unknown or of another subject. */
static int add_point(sh_req *req, sh_conn *c, const char *subject, const char *code, sh_buf *b) {
    sh_stmt *s =
        strlen(code) <= 64
            ? sh_prepare(c, "SELECT id, subject FROM kg_point WHERE code = $1 OR uid = $1", &req->err)
            : NULL;
    if (!s && req->err.status)
        return SH_ERR;
    int64_t key = 0;
    int same = 0;
    if (s) {
        sh_bind_text(s, 1, code, -1);
        if (sh_step(s, &req->err) == SH_ROW) {
            key = sh_col_i64(s, 0);
            const char *of = sh_col_text(s, 1);
            same = of && subject && strcmp(of, subject) == 0;
        }
        sh_stmt_done(s);
        if (req->err.status)
            return SH_ERR;
    }
    if (!key)
        return sh_err_set(&req->err, 400, "unknown_point", "points", "知识点不存在：%.40s", code);
    if (!same)
        return sh_err_set(&req->err, 400, "wrong_subject", "points", "知识点“%.40s”不属于这个学科", code);
    sh_buf_printf(b, "%s%lld", b->len > 1 ? "," : "", (long long)key);
    return SH_OK;
}

/* The chosen points as a JSON array of keys (*json NULL: none chosen, the
 * default scope): from a comma-separated list (the query) or a JSON array of
 * codes (the answer's body), at most MAX_POINTS. */
int assign_practice_points(sh_req *req, sh_conn *c, const char *subject, const char *list, const json_t *arr,
                           const char **json) {
    *json = NULL;
    if ((!list || !*list) && (!arr || json_is_null(arr)))
        return SH_OK;
    sh_buf *b = sh_pool_buf(req->pool, 4096);
    if (!b)
        return oom(req);
    sh_buf_putc(b, '[');
    int n = 0;
    if (arr) {
        if (!json_is_array(arr) || json_array_size(arr) > MAX_POINTS)
            return sh_err_set(&req->err, 400, "invalid_points", "points",
                              "points 应为至多 %d 个知识点编码的数组", MAX_POINTS);
        size_t i;
        json_t *v;
        json_array_foreach(arr, i, v) {
            if (!json_is_string(v))
                return sh_err_set(&req->err, 400, "invalid_points", "points", "points 应为知识点编码的数组");
            if (add_point(req, c, subject, json_string_value(v), b) != SH_OK)
                return SH_ERR;
            n++;
        }
    } else {
        if (strlen(list) > 2000)
            return sh_err_set(&req->err, 400, "too_many", "points", "知识点过多（至多 %d 个）", MAX_POINTS);
        char *copy = sh_pstrdup(req->pool, list), *save = NULL;
        if (!copy)
            return oom(req);
        for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            if (++n > MAX_POINTS)
                return sh_err_set(&req->err, 400, "too_many", "points", "知识点过多（至多 %d 个）",
                                  MAX_POINTS);
            if (add_point(req, c, subject, tok, b) != SH_OK)
                return SH_ERR;
        }
    }
    sh_buf_putc(b, ']');
    if (!n)
        return SH_OK;
    if (sh_buf_ok(b) != SH_OK)
        return oom(req);
    *json = b->data;
    return SH_OK;
}

/* {id, code, name} of a point. */
static json_t *point_json(sh_conn *c, int64_t point, sh_err *err) {
    sh_stmt *s = sh_prepare(c, "SELECT uid, code, name FROM kg_point WHERE id = $1", err);
    if (!s)
        return NULL;
    sh_bind_i64(s, 1, point);
    json_t *o = sh_step(s, err) == SH_ROW ? json_pack("{s:s,s:s,s:s}", "id", sh_col_text(s, 0), "code",
                                                      sh_col_text(s, 1), "name", sh_col_text(s, 2))
                                          : NULL;
    sh_stmt_done(s);
    return o;
}

/* The item version's content with its item {id, code} and score; whole when
 * reveal, else as the student sees it before answering. */
json_t *assign_version_json(sh_conn *c, int64_t version, int reveal, sh_err *err) {
    sh_stmt *s = sh_prepare(c,
                            "SELECT v.content, v.score, i.uid, i.code FROM item_version v"
                            " JOIN item i ON i.id = v.item_id WHERE v.id = $1",
                            err);
    if (!s)
        return NULL;
    sh_bind_i64(s, 1, version);
    json_t *o = NULL;
    if (sh_step(s, err) == SH_ROW && (o = json_loads(sh_col_text(s, 0), 0, NULL)) != NULL) {
        if (!reveal)
            assign_hide_answer(o);
        json_object_del(o, "source");
        json_object_set_new(o, "score", json_integer(sh_col_i64(s, 1)));
        json_object_set_new(o, "item",
                            json_pack("{s:s,s:s?}", "id", sh_col_text(s, 2), "code", sh_col_text(s, 3)));
    }
    sh_stmt_done(s);
    return o;
}

/* The next item as the reply gives it: the item (with the offer's id for the
 * student), its point, the prediction, P(known) and the tier, or item null
 * with the reason; and how many the student has practised in the subject. */
json_t *assign_practice_next_json(sh_req *req, sh_conn *c, const assign_learner *l, const char *subject,
                                  const sh_mastery_pick *pick, const assign_offer *o) {
    json_t *r = json_object();
    json_object_set_new(r, "student", json_pack("{s:s,s:s}", "id", l->uid, "name", l->name));
    json_object_set_new(r, "subject", json_string(subject));
    json_object_set_new(r, "own", json_boolean(l->own));
    json_object_set_new(r, "tier", pick->tier ? json_string(pick->tier) : json_null());
    json_object_set_new(r, "mean", json_real(round4(pick->mean)));
    if (!pick->version) {
        json_object_set_new(r, "item", json_null());
        json_object_set_new(r, "reason", json_string(pick->why ? pick->why : "不在读，暂时不能练习"));
    } else {
        json_t *item = assign_version_json(c, pick->version, 0, &req->err),
               *point = point_json(c, pick->point, &req->err);
        if (!item || !point) {
            json_decref(item);
            json_decref(point);
            json_decref(r);
            if (!req->err.status)
                oom(req);
            return NULL;
        }
        json_object_set_new(item, "id", o && o->uid ? json_string(o->uid) : json_null());
        json_object_set_new(r, "item", item);
        json_object_set_new(r, "point", point);
        json_object_set_new(r, "reason", json_string(pick->why));
        json_object_set_new(r, "predicted", json_real(round4(pick->predicted)));
        json_object_set_new(r, "in_band", json_boolean(pick->in_band));
        json_object_set_new(r, "p_known", json_real(round4(pick->p_known)));
        json_object_set_new(
            r, "band", json_pack("{s:f,s:f,s:f}", "min", pick->lo, "max", pick->hi, "target", pick->target));
    }
    /* the subject's practice so far, over every class the student practised in */
    sh_stmt *s =
        sh_prepare(c,
                   "SELECT COUNT(*), COUNT(CASE WHEN a.verdict = 'right' THEN 1 END) FROM assign_answer a"
                   " JOIN assign_submission sub ON sub.id = a.submission_id AND sub.school_id = a.school_id"
                   " JOIN assign_task t ON t.id = sub.task_id AND t.school_id = sub.school_id"
                   " WHERE sub.student_id = $1 AND sub.school_id = $2 AND t.kind = 'practice'"
                   " AND t.subject = $3",
                   &req->err);
    if (s) {
        sh_bind_i64(s, 1, l->student);
        sh_bind_i64(s, 2, l->school);
        sh_bind_text(s, 3, subject, -1);
    }
    int rc = s ? sh_step(s, &req->err) : SH_ERR;
    if (rc == SH_ROW) {
        json_object_set_new(r, "practised", json_integer(sh_col_i64(s, 0)));
        json_object_set_new(r, "right", json_integer(sh_col_i64(s, 1)));
    }
    if (s)
        sh_stmt_done(s);
    if (rc != SH_ROW) {
        json_decref(r);
        return NULL;
    }
    return r;
}

/* Pick the next item for the learner and, for the student, offer it (in the
 * caller's write transaction when own). */
int assign_practice_pick(sh_req *req, sh_conn *c, const assign_learner *l, const char *subject,
                         const char *points, sh_mastery_pick *pick, assign_offer *o) {
    *o = (assign_offer){0};
    *pick = (sh_mastery_pick){0};
    if (!l->klass)
        return SH_OK;
    if (sh_mastery_practice_next(c, l->student, l->school, l->klass, subject, points, pick, &req->err) !=
        SH_OK)
        return SH_ERR;
    return l->own ? assign_practice_offer(req, c, l, subject, pick, o) : SH_OK;
}

int assign_practice_next(sh_req *req) {
    sh_conn *c = sh_req_conn(req);
    assign_learner l;
    const char *subject = sh_req_query(req, "subject"), *points = NULL;
    if (!c || check_subject(req, subject) != SH_OK ||
        assign_learner_find(req, c, sh_req_query(req, "student"), &l) != SH_OK ||
        assign_practice_points(req, c, subject, sh_req_query(req, "points"), NULL, &points) != SH_OK)
        return SH_ERR;
    sh_mastery_pick pick;
    assign_offer o;
    int rc = SH_OK;
    if (l.own) {
        rc = sh_begin_write(c, &req->err);
        if (rc == SH_OK) {
            rc = assign_practice_pick(req, c, &l, subject, points, &pick, &o);
            if (rc == SH_OK)
                rc = sh_commit(c, &req->err);
            else
                sh_rollback(c);
        }
    } else {
        rc = assign_practice_pick(req, c, &l, subject, points, &pick, &o);
    }
    json_t *r = rc == SH_OK ? assign_practice_next_json(req, c, &l, subject, &pick, &o) : NULL;
    return r ? sh_reply_json(req, 200, r) : SH_ERR;
}
