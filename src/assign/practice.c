/* practice.c — the portal's practice (自主练习, docs/teaching.md §Practice):
 * the next best item for a student (the choice is the mastery module's,
 * sh_mastery_practice_next) and answering it item by item, graded at once with
 * sh_item_check and counted through the mastery seam in the same write
 * transaction. Practice is stored in the assignment tables: one task of kind
 * practice per student, subject and class (made on first use, published), its
 * items appended one per offer with student_id and predicted set. Only the
 * item last offered to the student (the one task item without an answer) can
 * be answered; a new offer replaces it. A guardian reads the next item but
 * records and answers nothing. Reach is the relationship alone (ASSIGN_MINE). */
#include "assign/module.h"

#include "core/alloc.h"
#include "core/clock.h"
#include "core/pool.h"
#include "core/uid.h"
#include "items/items.h"
#include "mastery/mastery.h"
#include "xapi/xapi.h"

#include <math.h>
#include <stdio.h>

#define MAX_POINTS 50

/* The student the practice is for, as the caller reaches them. */
typedef struct learner {
    int64_t student, school, klass; /* klass: the class they are in now, 0 when none */
    int own;                        /* the caller is the student */
    const char *uid, *name;
} learner;

/* The practice task and submission of a learner in a subject. */
typedef struct practice {
    int64_t task, sub;
    const char *registration;
} practice;

/* An offer: the task item waiting for the student's answer. */
typedef struct offer {
    int64_t key, version;
    const char *uid;
} offer;

static double round4(double v) { return round(v * 10000) / 10000; }

static int oom(sh_req *req) { return sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足"); }

/* The caller's own student record, or with uid (non-empty) one of the
 * caller's records or a child they are the legal guardian of: SH_OK, or 404. */
static int find_learner(sh_req *req, sh_conn *c, const char *uid, learner *l) {
    const sh_principal *p = sh_principal_of(req);
    *l = (learner){0};
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
        *l = (learner){.student = sh_col_i64(s, 0),
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
static int parse_points(sh_req *req, sh_conn *c, const char *subject, const char *list, const json_t *arr,
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

/* The learner's practice task of the subject in their class; made (with its
 * submission) when missing and make. p->task 0 when none. */
static int find_practice(sh_req *req, sh_conn *c, const learner *l, const char *subject, int make,
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
static int pending_offer(sh_req *req, sh_conn *c, const learner *l, const practice *p, offer *o) {
    *o = (offer){0};
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
        *o = (offer){sh_col_i64(s, 0), sh_col_i64(s, 1), sh_pstrdup(req->pool, sh_col_text(s, 2))};
    sh_stmt_done(s);
    return rc == SH_ERR ? SH_ERR : SH_OK;
}

/* Append the picked item to the learner's practice as the new offer,
 * replacing an unanswered one (the same item stays as it is). In the caller's
 * write transaction. */
static int make_offer(sh_req *req, sh_conn *c, const learner *l, const char *subject,
                      const sh_mastery_pick *pick, offer *o) {
    practice p;
    if (find_practice(req, c, l, subject, pick->version != 0, &p) != SH_OK)
        return SH_ERR;
    *o = (offer){0};
    if (!p.task)
        return SH_OK;
    offer old;
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
static json_t *version_json(sh_conn *c, int64_t version, int reveal, sh_err *err) {
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
static json_t *next_json(sh_req *req, sh_conn *c, const learner *l, const char *subject,
                         const sh_mastery_pick *pick, const offer *o) {
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
        json_t *item = version_json(c, pick->version, 0, &req->err),
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
static int pick_next(sh_req *req, sh_conn *c, const learner *l, const char *subject, const char *points,
                     sh_mastery_pick *pick, offer *o) {
    *o = (offer){0};
    *pick = (sh_mastery_pick){0};
    if (!l->klass)
        return SH_OK;
    if (sh_mastery_practice_next(c, l->student, l->school, l->klass, subject, points, pick, &req->err) !=
        SH_OK)
        return SH_ERR;
    return l->own ? make_offer(req, c, l, subject, pick, o) : SH_OK;
}

int assign_practice_next(sh_req *req) {
    sh_conn *c = sh_req_conn(req);
    learner l;
    const char *subject = sh_req_query(req, "subject"), *points = NULL;
    if (!c || check_subject(req, subject) != SH_OK ||
        find_learner(req, c, sh_req_query(req, "student"), &l) != SH_OK ||
        parse_points(req, c, subject, sh_req_query(req, "points"), NULL, &points) != SH_OK)
        return SH_ERR;
    sh_mastery_pick pick;
    offer o;
    int rc = SH_OK;
    if (l.own) {
        rc = sh_begin_write(c, &req->err);
        if (rc == SH_OK) {
            rc = pick_next(req, c, &l, subject, points, &pick, &o);
            if (rc == SH_OK)
                rc = sh_commit(c, &req->err);
            else
                sh_rollback(c);
        }
    } else {
        rc = pick_next(req, c, &l, subject, points, &pick, &o);
    }
    json_t *r = rc == SH_OK ? next_json(req, c, &l, subject, &pick, &o) : NULL;
    return r ? sh_reply_json(req, 200, r) : SH_ERR;
}

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
    learner l;
    if (rc == SH_OK)
        rc = find_learner(req, c, a.student_uid, &l);
    if (rc == SH_OK)
        rc = parse_points(req, c, a.subject, NULL, json_object_get(body, "points"), &points);
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
    offer o;
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
            rc = pick_next(req, c, &l, a.subject, points, &pick, &o);
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
    json_t *item = version_json(c, a.version, 1, &req->err);
    json_t *moves = item ? sh_mastery_answer_moves(c, a.answer, a.school, &req->err) : NULL;
    json_t *next = moves ? next_json(req, c, &l, a.subject, &pick, &o) : NULL;
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
