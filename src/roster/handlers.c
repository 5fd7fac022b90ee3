/* handlers.c — the roster's HTTP handlers: generic list, read, create, update and
 * history over the route's entity, persons with deduplication on the ID number,
 * and a class's current students. Every read goes through sh_roster_scope; every
 * write through model/write.h inside one transaction. */
#include "roster/module.h"

#include "audit/audit.h"
#include "changes/changes.h"
#include "app.h"
#include "core/clock.h"
#include "http/kept.h"
#include "identity/access.h"
#include "identity/account.h"
#include "import/template.h"
#include "model/export.h"
#include "model/fieldcrypt.h"
#include "model/identifiers.h"
#include "model/write.h"
#include "org/org.h"
#include "roster/persons.h"

#include <stdio.h>
#include <string.h>

/* The org nodes a row hangs under, for the scope filter. Rows of a class (its
 * profile, enrolments, teaching) reach the class's teachers as well as the
 * school; students and their family members reach the teachers of the
 * student's current class; school-wide rows (profile, staff) only the school.
 * (One current class: a scalar subquery of two rows is an error on PostgreSQL.) */
#define CURRENT_CLASS(student)                                                                               \
    "(SELECT e.class_id FROM enrollment e WHERE e.student_id = " student " AND e.exit_date IS NULL LIMIT 1)"
const char *sh_roster_scope_orgs(const sh_entity *e) {
    if (e == &sh_student_entity)
        return "(t.school_id, " CURRENT_CLASS("t.id") ")";
    if (e == &sh_guardian_entity)
        return "(t.school_id, " CURRENT_CLASS("t.student_id") ")";
    if (e == &sh_class_profile_entity || e == &sh_enrollment_entity || e == &sh_teaching_entity)
        return "(t.school_id, t.class_id)";
    return "t.school_id";
}

int sh_roster_scope(sh_req *req, const sh_entity *e, const char *perm, sh_scope *out) {
    int rc;
    if (e == &sh_term_entity || e == &sh_person_profile_entity || e == &sh_person_document_entity) {
        /* terms are city-wide; profiles and documents are only read through the
         * roles of their person (not listed on their own) */
        *out = (sh_scope){0};
        rc = SH_OK;
    } else {
        rc = sh_scope_org_set(req, perm, sh_roster_scope_orgs(e), out);
    }
    if (rc != SH_OK)
        return rc;
    const char *reason = sh_req_query(req, "unmask_reason");
    if (!reason)
        return SH_OK;
    size_t n = strlen(reason);
    if (n < 2 || n > 200)
        return sh_err_set(&req->err, 400, "invalid_unmask_reason", "unmask_reason",
                          "查看明文须填写事由（2–200 个字符）");
    if (!sh_can(req, "roster.unmask"))
        return sh_err_set(&req->err, 403, "forbidden", NULL, "没有查看敏感字段明文的权限");
    /* the rows shown are those the caller may unmask */
    if (sh_scope_org(req, "roster.unmask", "school_id", out) != SH_OK)
        return SH_ERR;
    out->unmask = 1;
    char detail[320];
    snprintf(detail, sizeof detail, "%s %s：%s", req->method_name, req->path, reason);
    return sh_audit_req(req, "unmask", 1, e->name, detail) == SH_OK ? SH_OK : SH_ERR;
}

int sh_roster_list(sh_req *req) {
    const sh_entity *e = req->route->reply;
    sh_scope sc;
    sh_table_format fmt;
    int exporting = sh_export_format(req, &fmt);
    if (exporting < 0 || sh_roster_scope(req, e, "roster.read", &sc) != SH_OK)
        return SH_ERR;
    if (!exporting)
        return sh_api_list(req, e, &sc);
    /* a file of personal data leaving the system: audited with what and how much */
    long rows = 0;
    const char *tpl = e == &sh_student_entity ? sh_req_query(req, "template") : NULL;
    int rc = tpl ? sh_import_export_list(req, tpl, &sc, fmt, &rows) : sh_api_export(req, e, &sc, fmt, &rows);
    char detail[200];
    snprintf(detail, sizeof detail, "%s%s%s %s: %ld rows%s", fmt == SH_TABLE_CSV ? "csv" : "xlsx",
             tpl ? " " : "", tpl ? tpl : "", rc == SH_OK ? "exported" : "refused", rows,
             sc.unmask ? ", unmasked" : ", masked");
    if (sh_audit_req(req, "export", rc == SH_OK, e->name, detail) != SH_OK)
        return SH_ERR;
    return rc;
}

int sh_roster_get(sh_req *req) {
    const sh_entity *e = req->route->reply;
    sh_scope sc;
    return sh_roster_scope(req, e, "roster.read", &sc) == SH_OK
               ? sh_api_get(req, e, sh_req_param(req, "id"), &sc)
               : SH_ERR;
}

int sh_roster_history(sh_req *req) {
    const sh_entity *e = req->route->reply;
    sh_scope sc;
    return sh_roster_scope(req, e, "roster.read", &sc) == SH_OK
               ? sh_changes_history(req, e, sh_req_param(req, "id"), &sc)
               : SH_ERR;
}

static int field_index(const sh_entity *e, const char *name) { return sh_entity_field_index(e, name); }

/* The writer's provenance: console for a browser session, api for a token. */
static sh_provenance provenance(sh_req *req) { return sh_req_provenance(req); }

/* References inside the row's school: a class (or grade) node of that school, a
 * student or staff row of that school. Every mismatch is a field error. */
static int same_school(sh_req *req, sh_conn *c, const sh_record *r, int64_t school, sh_err *err) {
    const sh_entity *e = r->e;
    size_t before = sh_err_count(err);
    for (int i = 0; i < e->nfields; i++) {
        const sh_field *f = &e->fields[i];
        const sh_value *v = &r->v[i];
        if (f->type != SH_T_REF || !v->set || v->is_null || strcmp(f->column, "school_id") == 0)
            continue;
        const char *sql = NULL;
        if (strcmp(f->ref, "org_unit") == 0)
            sql = "SELECT 1 FROM org_unit WHERE id = $1 AND kind = 'class' AND school_id = $2";
        else if (strcmp(f->ref, "student") == 0)
            sql = "SELECT 1 FROM student WHERE id = $1 AND school_id = $2";
        else if (strcmp(f->ref, "staff") == 0)
            sql = "SELECT 1 FROM staff WHERE id = $1 AND school_id = $2";
        if (!sql)
            continue;
        sh_stmt *s = sh_prepare(c, sql, err);
        if (!s)
            return SH_ERR;
        sh_bind_i64(s, 1, v->i);
        sh_bind_i64(s, 2, school);
        int rc = sh_step(s, err);
        sh_stmt_done(s);
        if (rc == SH_ERR)
            return SH_ERR;
        if (rc == SH_DONE)
            sh_err_add(err, 400, "wrong_school", f->name, v->s, "“%s”不属于该学校%s", f->label,
                       strcmp(f->ref, "org_unit") == 0 ? "（应为本校的班级）" : "");
    }
    (void)req;
    return sh_err_count(err) > before ? SH_ERR : SH_OK;
}

/* Checks across fields of one record. */
static int record_rules(const sh_record *r, sh_err *err) {
    int entry = field_index(r->e, "entry_date"), exit = field_index(r->e, "exit_date");
    if (entry >= 0 && exit >= 0 && r->v[entry].set && r->v[exit].set && !r->v[exit].is_null &&
        r->v[entry].s && r->v[exit].s && strcmp(r->v[exit].s, r->v[entry].s) < 0)
        return sh_err_add(err, 400, "invalid_date_order", "exit_date", r->v[exit].s,
                          "离班日期不能早于入班日期");
    int start = field_index(r->e, "start_date"), end = field_index(r->e, "end_date");
    if (start >= 0 && end >= 0 && r->v[start].set && r->v[end].set && r->v[start].s && r->v[end].s &&
        strcmp(r->v[end].s, r->v[start].s) <= 0)
        return sh_err_add(err, 400, "invalid_date_order", "end_date", r->v[end].s, "结束日期应晚于开始日期");
    return SH_OK;
}

/* The root of the tree (the city): where city-wide data is written from. */
static int64_t root_org(sh_conn *c, sh_err *err) {
    int64_t id = 0;
    return sh_query_i64(c, "SELECT id FROM org_unit WHERE parent_id IS NULL ORDER BY id LIMIT 1", &id, err) ==
                   SH_ERR
               ? -1
               : id;
}

/* The school field must name a school node. */
static int is_school(sh_conn *c, int64_t org, sh_err *err) {
    sh_stmt *s = sh_prepare(c, "SELECT 1 FROM org_unit WHERE id = $1 AND kind = 'school'", err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, org);
    int rc = sh_step(s, err);
    sh_stmt_done(s);
    if (rc == SH_ERR)
        return SH_ERR;
    return rc == SH_ROW ? SH_OK : sh_err_add(err, 400, "not_a_school", "school", NULL, "“学校”应为一所学校");
}

/* Reply with the row as the caller may read it. */
static int reply_row(sh_req *req, const sh_entity *e, const char *uid, int status) {
    sh_scope sc;
    if (sh_roster_scope(req, e, "roster.read", &sc) != SH_OK)
        return SH_ERR;
    int rc = sh_api_get(req, e, uid, &sc);
    if (rc == SH_OK)
        req->status = status;
    return rc;
}

int sh_roster_create(sh_req *req) {
    const sh_entity *e = req->route->body;
    json_t *body;
    if (sh_req_json(req, &body) != SH_OK)
        return SH_ERR;
    sh_record r;
    int rc = sh_record_from_json(req->pool, e, body, SH_INPUT_CREATE, &r, &req->err);
    json_decref(body);
    if (rc != SH_OK || record_rules(&r, &req->err) != SH_OK)
        return SH_ERR;
    sh_conn *c = sh_req_conn(req);
    if (!c || sh_begin_write(c, &req->err) != SH_OK)
        return SH_ERR;
    int school_at = field_index(e, "school");
    int64_t school = 0;
    rc = sh_record_resolve_refs(c, &r, &req->err);
    if (rc == SH_OK) {
        school = school_at >= 0 ? r.v[school_at].i : root_org(c, &req->err);
        int may = school >= 0 ? sh_can_at(req, "roster.write", school) : SH_ERR;
        if (may == 0 && school_at >= 0) /* a school out of reach looks missing */
            rc = sh_err_add(&req->err, 404, "not_found", "school", NULL, "学校不存在");
        else if (may == 0) /* city-wide rows are readable by all: refusing hides nothing */
            rc = sh_err_set(&req->err, 403, "forbidden", NULL, "只有市级可以维护%s", e->label);
        else if (may < 0)
            rc = SH_ERR;
    }
    if (rc == SH_OK && school_at >= 0)
        rc = is_school(c, school, &req->err);
    if (rc == SH_OK && school_at >= 0)
        rc = same_school(req, c, &r, school, &req->err);
    int64_t key = 0;
    const char *uid = NULL;
    sh_provenance pv = provenance(req);
    if (rc == SH_OK)
        rc = sh_record_insert(c, req->pool, &r, school_at >= 0 ? school : 0, &pv, &key, &uid, &req->err);
    if (rc == SH_OK)
        rc = sh_commit(c, &req->err);
    else
        sh_rollback(c);
    return rc == SH_OK ? reply_row(req, e, uid, 201) : SH_ERR;
}

int sh_roster_update(sh_req *req) {
    const sh_entity *e = req->route->reply;
    json_t *body;
    if (sh_req_json(req, &body) != SH_OK)
        return SH_ERR;
    sh_record r;
    int rc = sh_record_from_json(req->pool, e, body, SH_INPUT_UPDATE, &r, &req->err);
    json_decref(body);
    if (rc != SH_OK || record_rules(&r, &req->err) != SH_OK)
        return SH_ERR;
    const char *uid = sh_req_param(req, "id");
    sh_scope sc;
    if (sh_roster_scope(req, e, "roster.write", &sc) != SH_OK)
        return SH_ERR;
    sh_conn *c = sh_req_conn(req);
    if (!c || sh_begin_write(c, &req->err) != SH_OK)
        return SH_ERR;
    char sql[1024];
    int has_school = field_index(e, "school") >= 0;
    snprintf(sql, sizeof sql, "SELECT t.id, %s FROM %s t WHERE t.uid = $%d%s%s%s",
             has_school ? "t.school_id" : "0", e->table, sc.nparams + 1, sc.where ? " AND (" : "",
             sc.where ? sc.where : "", sc.where ? ")" : "");
    sh_stmt *s = sh_prepare(c, sql, &req->err);
    int64_t key = 0, school = 0;
    rc = s ? SH_OK : SH_ERR;
    if (s) {
        if (sc.bind)
            sc.bind(s, sc.ctx);
        sh_bind_text(s, sc.nparams + 1, uid ? uid : "", -1);
        int step = sh_step(s, &req->err);
        if (step == SH_ROW) {
            key = sh_col_i64(s, 0);
            school = sh_col_i64(s, 1);
        }
        sh_stmt_done(s);
        rc = step == SH_ERR    ? SH_ERR
             : step == SH_DONE ? sh_err_set(&req->err, 404, "not_found", NULL, "%s不存在", e->label)
                               : SH_OK;
    }
    if (rc == SH_OK && !has_school) { /* city-wide rows: written from the city */
        int64_t root = root_org(c, &req->err);
        int may = root >= 0 ? sh_can_at(req, "roster.write", root) : SH_ERR;
        rc = may == 1   ? SH_OK
             : may == 0 ? sh_err_set(&req->err, 403, "forbidden", NULL, "只有市级可以维护%s", e->label)
                        : SH_ERR;
    }
    if (rc == SH_OK)
        rc = sh_record_resolve_refs(c, &r, &req->err);
    if (rc == SH_OK && has_school)
        rc = same_school(req, c, &r, school, &req->err);
    int changed = 0;
    sh_provenance pv = provenance(req);
    if (rc == SH_OK)
        rc = sh_record_update(c, req->pool, &r, key, school, &pv, &changed, &req->err);
    if (rc == SH_OK)
        rc = sh_commit(c, &req->err);
    else
        sh_rollback(c);
    return rc == SH_OK ? reply_row(req, e, uid, 200) : SH_ERR;
}

/* Text member of a JSON object, normalised; NULL when absent. Removes it. */
static const char *take_text(sh_req *req, json_t *body, const sh_field *f, sh_err *err) {
    json_t *v = json_object_get(body, f->name);
    const char *out = NULL;
    if (v && !json_is_string(v))
        sh_err_add(err, 400, "invalid_type", f->name, NULL, "“%s”应为文本", f->label);
    else if (v)
        sh_field_parse_text(req->pool, f, json_string_value(v), &out, err);
    json_object_del(body, f->name);
    return out;
}

static const sh_field person_name_field = {
    .name = "name", .label = "姓名", .type = SH_T_TEXT, .max_len = 50, .flags = SH_F_REQUIRED};
static const sh_field id_type_field = {.name = "id_type",
                                       .label = "身份证件类型",
                                       .type = SH_T_CODE,
                                       .code_table = "jyt_id_document_type",
                                       .max_len = 1};
static const sh_field id_number_field = {
    .name = "id_number", .label = "身份证件号", .type = SH_T_TEXT, .max_len = 20};

static const char *uid_of(sh_conn *c, sh_pool *p, const char *table, int64_t id, sh_err *err) {
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT uid FROM %s WHERE id = $1", table);
    sh_stmt *s = sh_prepare(c, sql, err);
    if (!s)
        return NULL;
    sh_bind_i64(s, 1, id);
    const char *uid = sh_step(s, err) == SH_ROW ? sh_pstrdup(p, sh_col_text(s, 0)) : NULL;
    sh_stmt_done(s);
    return uid;
}

int sh_roster_create_person(sh_req *req) {
    json_t *body;
    if (sh_req_json(req, &body) != SH_OK)
        return SH_ERR;
    if (!json_is_object(body)) {
        json_decref(body);
        return sh_err_set(&req->err, 400, "invalid_body", NULL, "请求体应为 JSON 对象");
    }
    const char *name = take_text(req, body, &person_name_field, &req->err);
    const char *type = take_text(req, body, &id_type_field, &req->err);
    const char *number = take_text(req, body, &id_number_field, &req->err);
    sh_record prof;
    int rc =
        sh_record_from_json(req->pool, &sh_person_profile_entity, body, SH_INPUT_UPDATE, &prof, &req->err);
    json_decref(body);
    if (!name || !*name)
        sh_err_add(&req->err, 400, "required", "name", NULL, "缺少必填项“姓名”");
    /* the document is checked with the rest: every error is reported at once */
    int bad = rc != SH_OK || sh_err_count(&req->err);
    int birth_at = sh_entity_field_index(&sh_person_profile_entity, "birth_date");
    int gender_at = sh_entity_field_index(&sh_person_profile_entity, "gender");
    if (!prof.v ||
        sh_person_check_document(req->pool, &type, &number, &prof.v[birth_at], &prof.v[gender_at],
                                 &req->err) != SH_OK ||
        bad)
        return SH_ERR;
    if (!sh_can(req, "roster.write"))
        return sh_err_set(&req->err, 403, "forbidden", NULL, "没有维护基础数据的权限");
    sh_conn *c = sh_req_conn(req);
    if (!c || sh_begin_write(c, &req->err) != SH_OK)
        return SH_ERR;
    int64_t person = number ? sh_person_by_document(c, type, number, &req->err) : 0;
    int existing = person > 0;
    sh_provenance pv = provenance(req);
    rc = person < 0 ? SH_ERR : SH_OK;
    if (rc == SH_OK && !existing)
        rc = sh_person_register(c, req->pool, name, type, number, &prof, &pv, &person, &req->err);
    const char *uid = rc == SH_OK ? uid_of(c, req->pool, "person", person, &req->err) : NULL;
    if (rc == SH_OK && uid)
        rc = sh_commit(c, &req->err);
    else
        sh_rollback(c);
    if (rc != SH_OK || !uid)
        return SH_ERR;
    json_t *out = json_pack("{s:s,s:b}", "person", uid, "existing", existing);
    return sh_reply_json(req, existing ? 200 : 201, out);
}

/* What a class roster reads: a write to any of these builds it anew. */
static const char *const roster_tables[] = {"org_unit", "org_closure",    "enrollment", "student",
                                            "person",   "person_profile", NULL};

int sh_roster_class_students(sh_req *req) {
    const char *class_uid = sh_req_param(req, "id");
    sh_scope sc;
    if (sh_roster_scope(req, &sh_student_entity, "roster.read", &sc) != SH_OK)
        return SH_ERR;
    /* A masked roster is the same for every reader with the same reach on the same
     * day (the under-14 flag depends on it): kept while its tables are unchanged. */
    const char *key = NULL;
    uint64_t generation = 0;
    if (!sc.unmask && class_uid && strlen(class_uid) <= 64) {
        const char *reach = sh_scope_reach(req, "roster.read");
        char today[11];
        sh_today_iso(today);
        key = reach ? sh_psprintf(req->pool, "class-roster %s %s %s", class_uid, reach, today) : NULL;
        generation = sh_db_generation(req->app->db, roster_tables);
        int kept = sh_kept_reply(req, key, generation);
        if (kept != 0)
            return kept > 0 ? SH_OK : SH_ERR;
    }
    sh_conn *c = sh_req_conn(req);
    if (!c)
        return SH_ERR;
    /* the class must be in reach: a read of it through the org scope */
    sh_scope org;
    if (sh_scope_org(req, "roster.read", "id", &org) != SH_OK)
        return SH_ERR;
    char sql[2048];
    snprintf(sql, sizeof sql, "SELECT t.id FROM org_unit t WHERE t.uid = $2 AND t.kind = 'class' AND %s",
             org.where);
    sh_stmt *s = sh_prepare(c, sql, &req->err);
    if (!s)
        return SH_ERR;
    org.bind(s, org.ctx);
    sh_bind_text(s, 2, class_uid ? class_uid : "", -1);
    int rc = sh_step(s, &req->err);
    int64_t class_id = rc == SH_ROW ? sh_col_i64(s, 0) : 0;
    sh_stmt_done(s);
    if (rc == SH_ERR)
        return SH_ERR;
    if (!class_id)
        return sh_err_set(&req->err, 404, "not_found", NULL, "班级不存在");
    sh_buf *out = sh_reply_json_begin(req, 200);
    sh_buf *q = sh_pool_buf(req->pool, 8192);
    sh_buf_puts(q, "SELECT ");
    sh_select_columns(q, &sh_student_entity, "t");
    sh_buf_printf(q, " FROM enrollment e JOIN student t ON t.id = e.student_id"
                     " WHERE e.class_id = $1 AND e.exit_date IS NULL ORDER BY t.name, t.id");
    if (sh_buf_ok(q) != SH_OK)
        return sh_err_set(&req->err, 500, "internal", NULL, "无法生成查询");
    s = sh_prepare(c, q->data, &req->err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, class_id);
    sh_view view = {.unmask = sc.unmask};
    sh_buf_puts(out, "{\"items\":[");
    int n = 0;
    while ((rc = sh_step(s, &req->err)) == SH_ROW) {
        if (n++)
            sh_buf_putc(out, ',');
        sh_row_write(out, &sh_student_entity, s, &view);
    }
    sh_stmt_done(s);
    if (rc == SH_ERR)
        return SH_ERR;
    sh_buf_puts(out, "]}");
    if (sh_buf_ok(out) != SH_OK)
        return sh_err_set(&req->err, 500, "reply_too_large", NULL, "应答过大");
    sh_kept_keep(req, key, generation);
    return SH_OK;
}
