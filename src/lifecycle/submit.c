/* submit.c — the lifecycle routes: list and read student_change records (scoped
 * to the sending and the receiving school), their history, and the submission of
 * a change for a student or of a school's year-end promotion. A submission is
 * checked in full (codes, the student's current enrolment, the classes and
 * schools named, dates, a change already pending) and then written with its
 * approval request in one transaction; nothing is written on any error. */
#include "lifecycle/module.h"

#include "audit/audit.h"
#include "changes/changes.h"
#include "core/clock.h"
#include "core/uid.h"
#include "identity/access.h"
#include "model/write.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- shared helpers ---- */

sh_record sh_lc_record(sh_pool *p, const sh_entity *e) {
    sh_record r = {.e = e, .v = sh_pcalloc(p, sizeof(sh_value) * (size_t)e->nfields)};
    return r;
}

void sh_lc_set_i(sh_record *r, const char *field, int64_t v) {
    int i = sh_entity_field_index(r->e, field);
    if (i >= 0)
        r->v[i] = (sh_value){.set = 1, .i = v};
}

void sh_lc_set_s(sh_record *r, const char *field, const char *v) {
    int i = sh_entity_field_index(r->e, field);
    if (i >= 0)
        r->v[i] = (sh_value){.set = 1, .is_null = v == NULL, .s = v};
}

sh_provenance sh_lc_provenance(sh_req *req) { return sh_req_provenance(req); }

void sh_lc_date_plus(int days, char out[11]) {
    char today[11];
    sh_today_iso(today);
    struct tm t = {0};
    t.tm_year = (int)strtol(today, NULL, 10) - 1900;
    t.tm_mon = (int)strtol(today + 5, NULL, 10) - 1;
    t.tm_mday = (int)strtol(today + 8, NULL, 10) + days;
    t.tm_hour = 12;
    time_t when = timegm(&t);
    struct tm norm;
    gmtime_r(&when, &norm);
    strftime(out, 11, "%Y-%m-%d", &norm);
}

#define CHANGE_ORGS "(t.school_id, t.to_school_id)"

int sh_lc_scope(sh_req *req, const char *perm, sh_scope *out) {
    if (sh_scope_org_set(req, perm, CHANGE_ORGS, out) != SH_OK)
        return SH_ERR;
    const char *reason = sh_req_query(req, "unmask_reason");
    if (!reason)
        return SH_OK;
    size_t n = strlen(reason);
    if (n < 2 || n > 200)
        return sh_err_set(&req->err, 400, "invalid_unmask_reason", "unmask_reason",
                          "查看明文须填写事由（2–200 个字符）");
    if (!sh_can(req, "roster.unmask"))
        return sh_err_set(&req->err, 403, "forbidden", NULL, "没有查看敏感字段明文的权限");
    if (sh_scope_org_set(req, "roster.unmask", CHANGE_ORGS, out) != SH_OK)
        return SH_ERR;
    out->unmask = 1;
    char detail[320];
    snprintf(detail, sizeof detail, "%s %s：%s", req->method_name, req->path, reason);
    return sh_audit_req(req, "unmask", 1, "student_change", detail) == SH_OK ? SH_OK : SH_ERR;
}

int sh_lc_list(sh_req *req) {
    sh_scope sc;
    if (sh_scope_org_set(req, "roster.read", CHANGE_ORGS, &sc) != SH_OK)
        return SH_ERR;
    return sh_api_list(req, &sh_student_change_entity, &sc);
}

int sh_lc_get(sh_req *req) {
    sh_scope sc;
    return sh_lc_scope(req, "roster.read", &sc) == SH_OK
               ? sh_api_get(req, &sh_student_change_entity, sh_req_param(req, "id"), &sc)
               : SH_ERR;
}

int sh_lc_history(sh_req *req) {
    sh_scope sc;
    return sh_scope_org_set(req, "roster.read", CHANGE_ORGS, &sc) == SH_OK
               ? sh_changes_history(req, &sh_student_change_entity, sh_req_param(req, "id"), &sc)
               : SH_ERR;
}

static int reply_change(sh_req *req, const char *uid) {
    sh_scope sc;
    if (sh_scope_org_set(req, "roster.read", CHANGE_ORGS, &sc) != SH_OK)
        return SH_ERR;
    int rc = sh_api_get(req, &sh_student_change_entity, uid, &sc);
    if (rc == SH_OK)
        req->status = 201;
    return rc;
}

/* ---- checks against the store ---- */

static sh_value *val(sh_record *r, const char *field) { return &r->v[sh_entity_field_index(r->e, field)]; }
static int given(sh_record *r, const char *field) {
    const sh_value *v = val(r, field);
    return v->set && !v->is_null;
}

/* 1 when org is a node of kind in school (school 0: any), 0 when not, SH_ERR. */
static int org_is(sh_conn *c, int64_t org, const char *kind, int64_t school, sh_err *err) {
    sh_stmt *s = sh_prepare(c,
                            "SELECT 1 FROM org_unit WHERE id = $1 AND kind = $2"
                            " AND ($3 = 0 OR school_id = $3 OR (kind = 'school' AND id = $3))",
                            err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, org);
    sh_bind_text(s, 2, kind, -1);
    sh_bind_i64(s, 3, school);
    int rc = sh_step(s, err);
    sh_stmt_done(s);
    return rc == SH_ERR ? SH_ERR : rc == SH_ROW;
}

typedef struct student_now {
    int64_t id, school, person;
    const char *uid, *status;
    int64_t enrollment, class_id; /* current enrolment, 0 when none */
    const char *entry_date;       /* of the current enrolment */
    const char *last_exit;        /* latest exit date of an ended enrolment, or NULL */
} student_now;

/* The student as the caller may change them (roster.change at their school):
 * SH_ROW, SH_DONE (404 on the field) or SH_ERR. */
static int load_student(sh_req *req, sh_conn *c, int64_t id, student_now *out) {
    sh_scope sc;
    if (sh_scope_org_set(req, "roster.change", "t.school_id", &sc) != SH_OK)
        return SH_ERR;
    char *sql = sh_psprintf(req->pool,
                            "SELECT t.id, t.school_id, t.person_id, t.uid, t.status FROM student t"
                            " WHERE t.id = $2 AND %s",
                            sc.where);
    sh_stmt *s = sql ? sh_prepare(c, sql, &req->err) : NULL;
    if (!s)
        return SH_ERR;
    sc.bind(s, sc.ctx);
    sh_bind_i64(s, 2, id);
    int rc = sh_step(s, &req->err);
    if (rc == SH_ROW) {
        out->id = sh_col_i64(s, 0);
        out->school = sh_col_i64(s, 1);
        out->person = sh_col_i64(s, 2);
        out->uid = sh_pstrdup(req->pool, sh_col_text(s, 3));
        out->status = sh_pstrdup(req->pool, sh_col_text(s, 4));
    }
    sh_stmt_done(s);
    if (rc == SH_DONE)
        sh_err_add(&req->err, 404, "not_found", "student", NULL, "学生不存在");
    if (rc != SH_ROW)
        return rc;
    s = sh_prepare(
        c,
        "SELECT id, class_id, entry_date FROM enrollment WHERE student_id = $1 AND exit_date IS NULL"
        " ORDER BY id DESC LIMIT 1",
        &req->err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, id);
    rc = sh_step(s, &req->err);
    if (rc == SH_ROW) {
        out->enrollment = sh_col_i64(s, 0);
        out->class_id = sh_col_i64(s, 1);
        out->entry_date = sh_pstrdup(req->pool, sh_col_text(s, 2));
    }
    sh_stmt_done(s);
    if (rc == SH_ERR)
        return SH_ERR;
    s = sh_prepare(c, "SELECT max(exit_date) FROM enrollment WHERE student_id = $1", &req->err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, id);
    rc = sh_step(s, &req->err);
    if (rc == SH_ROW && sh_col_text(s, 0))
        out->last_exit = sh_pstrdup(req->pool, sh_col_text(s, 0));
    sh_stmt_done(s);
    return rc == SH_ERR ? SH_ERR : SH_ROW;
}

/* 1 when one query with a single int64 parameter (and an optional second)
 * returns a row. */
static int exists2(sh_conn *c, const char *sql, int64_t a, int64_t b, sh_err *err) {
    sh_stmt *s = sh_prepare(c, sql, err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, a);
    if (strstr(sql, "$2"))
        sh_bind_i64(s, 2, b);
    int rc = sh_step(s, err);
    sh_stmt_done(s);
    return rc == SH_ERR ? SH_ERR : rc == SH_ROW;
}

/* Every check of a student's change that needs the store; errors are added. */
static int check_change(sh_req *req, sh_conn *c, const sh_change_kind *k, sh_record *r,
                        const student_now *st) {
    sh_err *err = &req->err;
    size_t before = sh_err_count(err);
    int64_t to_school = given(r, "to_school") ? val(r, "to_school")->i : 0;
    int64_t to_class = given(r, "to_class") ? val(r, "to_class")->i : 0;
    if (k->needs_enrolled && !st->enrollment)
        sh_err_add(err, 400, "not_enrolled", "student", NULL, "该学生当前不在任何班级（未在读），不能办理%s",
                   k->label);
    if (!k->needs_enrolled && strcmp(k->kind, "resumption") == 0 &&
        (strcmp(st->status, "02") != 0 || st->enrollment))
        sh_err_add(err, 400, "not_suspended", "student", NULL, "只有休学中的学生才能办理复学");
    if (to_school) {
        int is = org_is(c, to_school, "school", 0, err);
        if (is < 0)
            return SH_ERR;
        if (!is)
            sh_err_add(err, 400, "not_a_school", "to_school", NULL, "“转入学校”应为一所学校");
        else if (to_school == st->school)
            sh_err_add(err, 400, "same_school", "to_school", NULL, "“转入学校”不能是学生现在的学校");
    }
    if (to_class) {
        int64_t school = to_school ? to_school : st->school;
        int is = org_is(c, to_class, "class", school, err);
        if (is < 0)
            return SH_ERR;
        if (!is)
            sh_err_add(err, 400, "wrong_school", "to_class", NULL, "“新班级”应为%s的班级",
                       to_school ? "转入学校" : "本校");
        else if (to_class == st->class_id)
            sh_err_add(err, 400, "same_class", "to_class", NULL, "“新班级”不能是学生现在所在的班级");
    }
    if (to_school) { /* the same person studying at the receiving school already */
        int there =
            exists2(c,
                    "SELECT 1 FROM student s JOIN enrollment e ON e.student_id = s.id AND e.exit_date IS NULL"
                    " WHERE s.person_id = $1 AND s.school_id = $2",
                    st->person, to_school, err);
        if (there < 0)
            return SH_ERR;
        if (there)
            sh_err_add(err, 409, "already_enrolled", "to_school", NULL, "该学生已在转入学校就读");
    }
    const char *date = val(r, "effective_date")->s;
    const char *lower = k->needs_enrolled ? st->entry_date : st->last_exit;
    char upper[11];
    sh_lc_date_plus(366, upper);
    if (date && lower && strcmp(date, lower) < 0)
        sh_err_add(err, 400, "date_out_of_range", "effective_date", date, "“异动日期”不能早于%s（%s）", lower,
                   k->needs_enrolled ? "学生进入现班级的日期" : "学生离开原班级的日期");
    else if (date && strcmp(date, upper) > 0)
        sh_err_add(err, 400, "date_out_of_range", "effective_date", date, "“异动日期”不能晚于 %s（一年以内）",
                   upper);
    int pending = exists2(c, "SELECT 1 FROM student_change WHERE student_id = $1 AND state = 'pending'",
                          st->id, 0, err);
    if (pending < 0)
        return SH_ERR;
    if (pending)
        sh_err_add(err, 409, "pending_change", "student", NULL, "该学生已有待审批的学籍异动，请先办结");
    return sh_err_count(err) > before ? SH_ERR : SH_OK;
}

/* ---- POST /api/v1/student-changes ---- */

/* Checks of the body alone: the kind follows from the code, and each kind names
 * what it needs. */
static const sh_change_kind *check_body(sh_req *req, sh_record *r) {
    sh_err *err = &req->err;
    /* kept by the server as the approval goes on (the write path updates them,
     * so they are not declared read-only): refused here like read-only fields */
    static const char *const kept[] = {"state", "approval_date", "promoted", "graduated", "classes_created"};
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
        if (val(r, kept[i])->set)
            sh_err_add(err, 400, "read_only", kept[i], NULL, "“%s”由系统生成，不能写入",
                       sh_entity_field(r->e, kept[i])->label);
    const sh_value *code = val(r, "change_type");
    const sh_change_kind *k = code->set && !code->is_null ? sh_change_kind_by_code(code->s) : NULL;
    if (!given(r, "student"))
        sh_err_add(err, 400, "required", "student", NULL, "缺少必填项“学生”");
    if (!code->set || code->is_null)
        sh_err_add(err, 400, "required", "change_type", NULL, "缺少必填项“异动类别”");
    else if (!k)
        sh_err_add(
            err, 400, "unsupported_change_type", "change_type", code->s,
            "暂不支持异动类别 %s，可办理：11 休学、12 复学、21 转学、29 转班级、31 退学；学年升级请用升级申请",
            code->s);
    if (!k)
        return NULL;
    static const struct {
        const char *field, *label;
    } targets[] = {{"to_class", "新班级"}, {"to_school", "转入学校"}, {"reason", "异动原因"}};
    int need[] = {k->to_class, k->to_school, k->reason};
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        int has = given(r, targets[i].field);
        if (need[i] && !has)
            sh_err_add(err, 400, "required", targets[i].field, NULL, "办理%s须填写“%s”", k->label,
                       targets[i].label);
        else if (!need[i] && has && strcmp(targets[i].field, "reason") != 0)
            sh_err_add(err, 400, "not_applicable", targets[i].field, NULL, "办理%s不填写“%s”", k->label,
                       targets[i].label);
    }
    return k;
}

static json_t *payload_of(const sh_change_kind *k, const char *kind, sh_record *r, const char *change_uid,
                          const char *student_uid) {
    json_t *o = json_pack("{s:s,s:s,s:s}", "kind", kind, "change", change_uid, "effective_date",
                          val(r, "effective_date")->s);
    if (student_uid)
        json_object_set_new(o, "student", json_string(student_uid));
    if (k)
        json_object_set_new(o, "change_type", json_string(k->code));
    const char *refs[] = {"to_school", "to_class"};
    for (size_t i = 0; i < 2; i++)
        if (given(r, refs[i]) && val(r, refs[i])->s)
            json_object_set_new(o, refs[i], json_string(val(r, refs[i])->s));
    return o;
}

/* Submit the flow and insert the change record with the preset uid. */
static int write_change(sh_req *req, sh_conn *c, const sh_flow *flow, sh_record *r, int64_t school,
                        int64_t target_school, const char *uid, json_t *payload) {
    sh_provenance pv = sh_lc_provenance(req);
    sh_flow_submission sub = {.flow = flow,
                              .school_id = school,
                              .target_school_id = target_school,
                              .subject_entity = "student_change",
                              .subject_uid = uid,
                              .payload = payload,
                              .pv = &pv};
    int64_t request = 0, key = 0;
    if (sh_flow_submit(c, req->pool, &sub, &request, NULL, &req->err) != SH_OK)
        return SH_ERR;
    sh_lc_set_s(r, "id", uid);
    sh_lc_set_i(r, "school", school);
    sh_lc_set_i(r, "request", request);
    sh_lc_set_s(r, "state", "pending");
    return sh_record_insert(c, req->pool, r, school, &pv, &key, NULL, &req->err);
}

int sh_lc_create(sh_req *req) {
    json_t *body;
    if (sh_req_json(req, &body) != SH_OK)
        return SH_ERR;
    sh_record r;
    int rc = sh_record_from_json(req->pool, &sh_student_change_entity, body, SH_INPUT_CREATE, &r, &req->err);
    json_decref(body);
    if (rc != SH_OK)
        return SH_ERR;
    const sh_change_kind *k = check_body(req, &r);
    if (sh_err_count(&req->err) || !k)
        return SH_ERR;
    sh_conn *c = sh_req_conn(req);
    if (!c || sh_begin_write(c, &req->err) != SH_OK)
        return SH_ERR;
    student_now st = {0};
    rc = sh_record_resolve_refs(c, &r, &req->err);
    if (rc == SH_OK)
        rc = load_student(req, c, val(&r, "student")->i, &st) == SH_ROW ? SH_OK : SH_ERR;
    if (rc == SH_OK)
        rc = check_change(req, c, k, &r, &st);
    char *uid = sh_palloc(req->pool, SH_UID_LEN + 1);
    if (rc == SH_OK && !uid)
        rc = sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
    if (rc == SH_OK) {
        sh_new_uid(uid);
        sh_lc_set_s(&r, "kind", k->kind);
        if (st.class_id)
            sh_lc_set_i(&r, "from_class", st.class_id);
        json_t *payload = payload_of(k, k->kind, &r, uid, st.uid);
        rc = write_change(req, c, k->flow, &r, st.school,
                          given(&r, "to_school") ? val(&r, "to_school")->i : 0, uid, payload);
        json_decref(payload);
    }
    if (rc == SH_OK)
        rc = sh_commit(c, &req->err);
    else
        sh_rollback(c);
    return rc == SH_OK ? reply_change(req, uid) : SH_ERR;
}

/* ---- POST /api/v1/promotions ---- */

static int check_school_year(const char *v) {
    if (!v || strlen(v) != 9 || v[4] != '-')
        return 0;
    for (int i = 0; i < 9; i++)
        if (i != 4 && (v[i] < '0' || v[i] > '9'))
            return 0;
    long first = strtol(v, NULL, 10), second = strtol(v + 5, NULL, 10);
    return second == first + 1 && first >= 2000 && first < 2100;
}

int sh_lc_promote(sh_req *req) {
    json_t *body;
    if (sh_req_json(req, &body) != SH_OK)
        return SH_ERR;
    if (!json_is_object(body)) {
        json_decref(body);
        return sh_err_set(&req->err, 400, "invalid_body", NULL, "请求体应为 JSON 对象");
    }
    static const struct {
        const char *name, *label;
        int required;
    } fields[] = {{"school", "学校", 1},
                  {"school_year", "学年", 1},
                  {"effective_date", "异动日期", 1},
                  {"document_number", "审批文号", 0}};
    const char *v[4] = {NULL, NULL, NULL, NULL};
    const char *key;
    json_t *jv;
    json_object_foreach(body, key, jv) {
        size_t i = 0;
        while (i < 4 && strcmp(fields[i].name, key) != 0)
            i++;
        if (i == 4) {
            sh_err_add(&req->err, 400, "unknown_field", key, NULL, "不认识的字段“%s”", key);
        } else if (!json_is_string(jv)) {
            sh_err_add(&req->err, 400, "invalid_type", key, NULL, "“%s”应为文本", fields[i].label);
        } else {
            const sh_field *f = sh_entity_field(&sh_student_change_entity, key);
            sh_field f2 = *f;
            if (f2.type == SH_T_REF)
                f2.type = SH_T_TEXT;
            sh_field_parse_text(req->pool, &f2, json_string_value(jv), &v[i], &req->err);
        }
    }
    json_decref(body);
    for (size_t i = 0; i < 4; i++)
        if (fields[i].required && !v[i] && !sh_err_count(&req->err))
            sh_err_add(&req->err, 400, "required", fields[i].name, NULL, "缺少必填项“%s”", fields[i].label);
    if (sh_err_count(&req->err))
        return SH_ERR;
    const char *year = v[1], *date = v[2];
    if (!check_school_year(year))
        return sh_err_add(&req->err, 400, "invalid_school_year", "school_year", year,
                          "“学年”应为相邻两年，例如 2025-2026");
    /* a year's promotion happens in its summer: June to September of its second year */
    char lo[11], hi[11];
    snprintf(lo, sizeof lo, "%.4s-06-01", year + 5);
    snprintf(hi, sizeof hi, "%.4s-09-30", year + 5);
    if (strcmp(date, lo) < 0 || strcmp(date, hi) > 0)
        return sh_err_add(&req->err, 400, "date_out_of_range", "effective_date", date,
                          "%s 学年的升级日期应在 %s 至 %s 之间", year, lo, hi);

    sh_conn *c = sh_req_conn(req);
    if (!c || sh_begin_write(c, &req->err) != SH_OK)
        return SH_ERR;
    int64_t school = 0;
    sh_stmt *s = sh_prepare(c, "SELECT id FROM org_unit WHERE uid = $1 AND kind = 'school'", &req->err);
    int rc = s ? SH_OK : SH_ERR;
    if (s) {
        sh_bind_text(s, 1, v[0], -1);
        if (sh_step(s, &req->err) == SH_ROW)
            school = sh_col_i64(s, 0);
        sh_stmt_done(s);
    }
    int may = rc == SH_OK && school ? sh_can_at(req, "roster.change", school) : 0;
    if (rc == SH_OK && may < 0)
        rc = SH_ERR;
    else if (rc == SH_OK && !may)
        rc = sh_err_add(&req->err, 404, "not_found", "school", NULL, "学校不存在");
    if (rc == SH_OK) {
        s = sh_prepare(c,
                       "SELECT state FROM student_change WHERE school_id = $1 AND kind = 'promotion'"
                       " AND school_year = $2 AND state IN ('pending', 'approved') LIMIT 1",
                       &req->err);
        rc = s ? SH_OK : SH_ERR;
        if (s) {
            sh_bind_i64(s, 1, school);
            sh_bind_text(s, 2, year, -1);
            int step = sh_step(s, &req->err);
            if (step == SH_ROW)
                rc = sh_err_add(&req->err, 409, "already_promoted", "school_year", year,
                                strcmp(sh_col_text(s, 0), "pending") == 0 ? "%s学年的升级已在审批中"
                                                                          : "%s学年已经升级，不能重复升级",
                                year);
            else if (step == SH_ERR)
                rc = SH_ERR;
            sh_stmt_done(s);
        }
    }
    if (rc == SH_OK)
        rc = sh_lc_plan_promotion(c, req->pool, school, date, &req->err);
    char *uid = sh_palloc(req->pool, SH_UID_LEN + 1);
    if (rc == SH_OK && !uid)
        rc = sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
    if (rc == SH_OK) {
        sh_new_uid(uid);
        sh_record r = sh_lc_record(req->pool, &sh_student_change_entity);
        if (!r.v) {
            rc = sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
        } else {
            sh_lc_set_s(&r, "kind", "promotion");
            sh_lc_set_s(&r, "school_year", year);
            sh_lc_set_s(&r, "effective_date", date);
            if (v[3] && *v[3])
                sh_lc_set_s(&r, "document_number", v[3]);
            json_t *payload = json_pack("{s:s,s:s,s:s,s:s}", "kind", "promotion", "change", uid,
                                        "school_year", year, "effective_date", date);
            rc = write_change(req, c, &sh_promotion_flow, &r, school, 0, uid, payload);
            json_decref(payload);
        }
    }
    if (rc == SH_OK)
        rc = sh_commit(c, &req->err);
    else
        sh_rollback(c);
    return rc == SH_OK ? reply_change(req, uid) : SH_ERR;
}
