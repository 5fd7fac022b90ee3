/* handlers.c — the knowledge graph routes: subjects in use, knowledge points
 * (list with text search, read with direct prerequisites and dependants, create,
 * change, delete, history), prerequisite edges (add, remove) and the transitive
 * prerequisites or dependants of a point with their depth. A point is named in
 * paths by its public id or its code. Writes go through model/write.h inside one
 * write transaction; a change that would close a cycle is refused whole. */
#include "kg/module.h"

#include "changes/changes.h"
#include "codes/codes.h"
#include "identity/access.h"

#include <stdio.h>

#define MAX_PREREQS 50

int kg_subjects(sh_req *req) {
    sh_conn *c = sh_req_conn(req);
    sh_stmt *s = c ? sh_prepare(c, "SELECT subject, COUNT(*) FROM kg_point GROUP BY subject ORDER BY subject",
                                &req->err)
                   : NULL;
    if (!s)
        return SH_ERR;
    json_t *items = json_array();
    int rc;
    while ((rc = sh_step(s, &req->err)) == SH_ROW) {
        char name[64];
        if (sh_codes_name(c, "jyt_k12_course", sh_col_text(s, 0), name, sizeof name, &req->err) != SH_ROW)
            snprintf(name, sizeof name, "%s", sh_col_text(s, 0));
        json_array_append_new(items, json_pack("{s:s,s:s,s:I}", "code", sh_col_text(s, 0), "name", name,
                                               "points", (json_int_t)sh_col_i64(s, 1)));
    }
    sh_stmt_done(s);
    return sh_reply_items(req, items, rc);
}

static int bind_q(sh_stmt *s, void *ctx) { return sh_bind_text(s, 1, ctx, -1); }

int kg_points_list(sh_req *req) {
    static const char *const also[] = {"q", NULL};
    const char *q = sh_req_query(req, "q");
    sh_scope sc = {0};
    if (q && *q) {
        if (strlen(q) > 100)
            return sh_err_set(&req->err, 400, "invalid_query", "q", "搜索词不能超过 100 字节");
        sc = (sh_scope){.where = "(t.name LIKE '%' || $1 || '%' OR t.code LIKE $1 || '%')",
                        .nparams = 1,
                        .bind = bind_q,
                        .ctx = (void *)q};
    }
    return sh_api_list_with(req, &sh_kg_point_entity, q && *q ? &sc : NULL, also);
}

/* [{id, code, name}] of the points on one side of the point's edges. */
static json_t *neighbours(sh_req *req, sh_conn *c, int64_t key, int up) {
    json_t *a = json_array();
    sh_stmt *s =
        sh_prepare(c,
                   up ? "SELECT p.uid, p.code, p.name FROM kg_edge e JOIN kg_point p ON p.id = e.prereq_id"
                        " WHERE e.point_id = $1 ORDER BY p.ordinal, p.id"
                      : "SELECT p.uid, p.code, p.name FROM kg_edge e JOIN kg_point p ON p.id = e.point_id"
                        " WHERE e.prereq_id = $1 ORDER BY p.ordinal, p.id",
                   &req->err);
    if (!s)
        return a;
    sh_bind_i64(s, 1, key);
    while (sh_step(s, &req->err) == SH_ROW)
        json_array_append_new(a, json_pack("{s:s,s:s,s:s}", "id", sh_col_text(s, 0), "code",
                                           sh_col_text(s, 1), "name", sh_col_text(s, 2)));
    sh_stmt_done(s);
    return a;
}

static int reply_point(sh_req *req, sh_conn *c, const char *ref, int status) {
    kg_ref r;
    if (kg_point_load(c, req->pool, ref, &r, &req->err) != SH_ROW)
        return SH_ERR;
    json_t *o = sh_api_get_json(req, &sh_kg_point_entity, r.uid, NULL);
    if (!o)
        return SH_ERR;
    json_object_set_new(o, "prerequisites", neighbours(req, c, r.key, 1));
    json_object_set_new(o, "dependants", neighbours(req, c, r.key, 0));
    return sh_reply_json(req, status, o);
}

int kg_point_get(sh_req *req) {
    sh_conn *c = sh_req_conn(req);
    return c ? reply_point(req, c, sh_req_param(req, "id"), 200) : SH_ERR;
}

/* Take "prerequisites" (an array of public ids or codes) out of body into keys;
 * *n = -1 when absent. Every unknown one is a field error. */
static int take_prereqs(sh_req *req, sh_conn *c, json_t *body, int64_t *keys, int *n) {
    json_t *a = json_object_get(body, "prerequisites");
    *n = -1;
    if (!a)
        return SH_OK;
    int rc = SH_OK;
    if (!json_is_array(a) || json_array_size(a) > MAX_PREREQS)
        rc = sh_err_add(&req->err, 400, "invalid_type", "prerequisites", NULL,
                        "“先修知识点”应为知识点编码或标识的列表，至多 %d 个", MAX_PREREQS);
    size_t i;
    json_t *v;
    *n = 0;
    json_array_foreach(a, i, v) {
        if (rc != SH_OK)
            break;
        kg_ref r;
        sh_err e;
        sh_err_init(&e);
        int st = json_is_string(v) ? kg_point_load(c, req->pool, json_string_value(v), &r, &e) : SH_DONE;
        sh_err_clear(&e);
        if (st == SH_ROW)
            keys[(*n)++] = r.key;
        else if (st == SH_DONE)
            sh_err_add(&req->err, 400, "unknown_reference", "prerequisites",
                       json_is_string(v) ? json_string_value(v) : NULL, "先修知识点“%s”不存在",
                       json_is_string(v) ? json_string_value(v) : "（不是文本）");
        else
            return SH_ERR;
    }
    json_object_del(body, "prerequisites");
    return sh_err_count(&req->err) ? SH_ERR : SH_OK;
}

static int next_ordinal(sh_conn *c, const char *subject, int64_t *out, sh_err *err) {
    sh_stmt *s = sh_prepare(c, "SELECT COALESCE(MAX(ordinal), 0) + 1 FROM kg_point WHERE subject = $1", err);
    if (!s)
        return SH_ERR;
    sh_bind_text(s, 1, subject, -1);
    int rc = sh_step(s, err);
    *out = rc == SH_ROW ? sh_col_i64(s, 0) : 1;
    sh_stmt_done(s);
    return rc == SH_ERR ? SH_ERR : SH_OK;
}

int kg_point_create(sh_req *req) {
    json_t *body;
    if (sh_req_json(req, &body) != SH_OK)
        return SH_ERR;
    sh_conn *c = sh_req_conn(req);
    int64_t keys[MAX_PREREQS];
    int n = -1;
    sh_record r;
    int rc = c ? take_prereqs(req, c, body, keys, &n) : SH_ERR;
    if (sh_record_from_json(req->pool, &sh_kg_point_entity, body, SH_INPUT_CREATE, &r, &req->err) != SH_OK)
        rc = SH_ERR;
    json_decref(body);
    if (rc != SH_OK || sh_begin_write(c, &req->err) != SH_OK)
        return SH_ERR;
    int ord = sh_entity_field_index(&sh_kg_point_entity, "ordinal");
    if (!r.v[ord].set)
        rc = next_ordinal(c, r.v[sh_entity_field_index(&sh_kg_point_entity, "subject")].s, &r.v[ord].i,
                          &req->err);
    r.v[ord].set = 1;
    sh_provenance pv = sh_req_provenance(req);
    int64_t key = 0;
    const char *uid = NULL;
    if (rc == SH_OK)
        rc = sh_record_insert(c, req->pool, &r, 0, &pv, &key, &uid, &req->err);
    if (rc == SH_OK && n > 0)
        rc = kg_set_prerequisites(c, req->pool, key, keys, n, 0, &pv, NULL, NULL, &req->err);
    if (rc == SH_OK)
        rc = sh_commit(c, &req->err);
    else
        sh_rollback(c);
    if (rc != SH_OK && req->err.status == 409 && strcmp(req->err.first.code, "conflict") == 0)
        sh_err_set(&req->err, 409, "conflict", "code", "知识点编码已存在");
    return rc == SH_OK ? reply_point(req, c, uid, 201) : SH_ERR;
}

int kg_point_update(sh_req *req) {
    json_t *body;
    if (sh_req_json(req, &body) != SH_OK)
        return SH_ERR;
    sh_conn *c = sh_req_conn(req);
    kg_ref pt;
    int64_t keys[MAX_PREREQS];
    int n = -1;
    sh_record r;
    int rc = c ? kg_point_load(c, req->pool, sh_req_param(req, "id"), &pt, &req->err) : SH_ERR;
    if (rc != SH_ROW) {
        json_decref(body);
        return SH_ERR;
    }
    rc = take_prereqs(req, c, body, keys, &n);
    if (sh_record_from_json(req->pool, &sh_kg_point_entity, body, SH_INPUT_UPDATE, &r, &req->err) != SH_OK)
        rc = SH_ERR;
    json_decref(body);
    if (rc != SH_OK || sh_begin_write(c, &req->err) != SH_OK)
        return SH_ERR;
    sh_provenance pv = sh_req_provenance(req);
    int changed = 0;
    rc = sh_record_update(c, req->pool, &r, pt.key, 0, &pv, &changed, &req->err);
    if (rc == SH_OK && n >= 0)
        rc = kg_set_prerequisites(c, req->pool, pt.key, keys, n, 0, &pv, NULL, NULL, &req->err);
    if (rc == SH_OK)
        rc = sh_commit(c, &req->err);
    else
        sh_rollback(c);
    if (rc != SH_OK && req->err.status == 409 && strcmp(req->err.first.code, "conflict") == 0)
        sh_err_set(&req->err, 409, "conflict", "code", "知识点编码已存在");
    return rc == SH_OK ? reply_point(req, c, pt.uid, 200) : SH_ERR;
}

int kg_point_delete(sh_req *req) {
    sh_conn *c = sh_req_conn(req);
    kg_ref pt;
    if (!c || kg_point_load(c, req->pool, sh_req_param(req, "id"), &pt, &req->err) != SH_ROW)
        return SH_ERR;
    int64_t deps = 0;
    if (sh_begin_write(c, &req->err) != SH_OK)
        return SH_ERR;
    sh_stmt *s = sh_prepare(c, "SELECT COUNT(*) FROM kg_edge WHERE prereq_id = $1", &req->err);
    int rc = s ? SH_OK : SH_ERR;
    if (s) {
        sh_bind_i64(s, 1, pt.key);
        rc = sh_step(s, &req->err) == SH_ROW ? SH_OK : SH_ERR;
        deps = sh_col_i64(s, 0);
        sh_stmt_done(s);
    }
    if (rc == SH_OK && deps > 0)
        rc = sh_err_set(&req->err, 409, "kg_in_use", NULL,
                        "知识点“%s”是 %lld 个知识点的先修，请先删除这些先修关系", pt.name, (long long)deps);
    sh_provenance pv = sh_req_provenance(req);
    if (rc == SH_OK)
        rc = kg_set_prerequisites(c, req->pool, pt.key, NULL, 0, 0, &pv, NULL, NULL, &req->err);
    if (rc == SH_OK)
        rc = sh_record_delete(c, req->pool, &sh_kg_point_entity, pt.key, 0, &pv, &req->err);
    if (rc != SH_OK && strcmp(req->err.first.code, "reference_violation") == 0)
        sh_err_set(&req->err, 409, "kg_in_use", NULL, "知识点“%s”已被题目引用，不能删除", pt.name);
    if (rc == SH_OK)
        rc = sh_commit(c, &req->err);
    else
        sh_rollback(c);
    return rc == SH_OK ? sh_reply_empty(req, 204) : SH_ERR;
}

int kg_point_history(sh_req *req) {
    sh_conn *c = sh_req_conn(req);
    kg_ref pt;
    if (!c || kg_point_load(c, req->pool, sh_req_param(req, "id"), &pt, &req->err) != SH_ROW)
        return SH_ERR;
    return sh_changes_history(req, &sh_kg_point_entity, pt.uid, NULL);
}

int kg_edge_add(sh_req *req) {
    json_t *body;
    if (sh_req_json(req, &body) != SH_OK)
        return SH_ERR;
    sh_conn *c = sh_req_conn(req);
    kg_ref pt, pre;
    const char *ref = json_string_value(json_object_get(body, "prerequisite"));
    int rc = c ? kg_point_load(c, req->pool, sh_req_param(req, "id"), &pt, &req->err) : SH_ERR;
    if (rc == SH_ROW && !ref)
        rc = sh_err_set(&req->err, 400, "required", "prerequisite", "请指定先修知识点（编码或标识）");
    else if (rc == SH_ROW && kg_point_load(c, req->pool, ref, &pre, &req->err) != SH_ROW)
        rc = req->err.status == 404 ? sh_err_set(&req->err, 400, "unknown_reference", "prerequisite",
                                                 "先修知识点“%.60s”不存在", ref)
                                    : SH_ERR;
    json_decref(body);
    if (rc != SH_ROW || sh_begin_write(c, &req->err) != SH_OK)
        return SH_ERR;
    sh_provenance pv = sh_req_provenance(req);
    int added = 0;
    rc =
        kg_set_prerequisites(c, req->pool, pt.key, &pre.key, 1, KG_KEEP_OTHERS, &pv, &added, NULL, &req->err);
    if (rc == SH_OK)
        rc = sh_commit(c, &req->err);
    else
        sh_rollback(c);
    return rc == SH_OK ? reply_point(req, c, pt.uid, added ? 201 : 200) : SH_ERR;
}

int kg_edge_remove(sh_req *req) {
    sh_conn *c = sh_req_conn(req);
    kg_ref pt, pre;
    if (!c || kg_point_load(c, req->pool, sh_req_param(req, "id"), &pt, &req->err) != SH_ROW ||
        kg_point_load(c, req->pool, sh_req_param(req, "prerequisite"), &pre, &req->err) != SH_ROW ||
        sh_begin_write(c, &req->err) != SH_OK)
        return SH_ERR;
    sh_provenance pv = sh_req_provenance(req);
    int rc = kg_remove_edge(c, req->pool, pt.key, pre.key, &pv, &req->err);
    if (rc == SH_OK)
        rc = sh_commit(c, &req->err);
    else
        sh_rollback(c);
    return rc == SH_OK ? reply_point(req, c, pt.uid, 200) : SH_ERR;
}

/* The point's prerequisites (up) or dependants, transitively with ?transitive=true. */
static int walk(sh_req *req, int up) {
    sh_conn *c = sh_req_conn(req);
    kg_ref pt;
    if (!c || kg_point_load(c, req->pool, sh_req_param(req, "id"), &pt, &req->err) != SH_ROW)
        return SH_ERR;
    const char *t = sh_req_query(req, "transitive");
    if (t && strcmp(t, "true") != 0 && strcmp(t, "false") != 0)
        return sh_err_set(&req->err, 400, "invalid_query", "transitive", "transitive 应为 true 或 false");
    char closure[512], sql[1024];
    sh_kg_closure_sql(up ? "prerequisites" : "dependants", 1, closure, sizeof closure);
    snprintf(sql, sizeof sql,
             "SELECT p.uid, p.code, p.name, p.grade, p.semester, p.chapter, p.section, w.depth FROM (%s) w"
             " JOIN kg_point p ON p.id = w.id WHERE w.depth <= $2 ORDER BY w.depth, p.ordinal, p.id",
             closure);
    sh_stmt *s = sh_prepare(c, sql, &req->err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, pt.key);
    sh_bind_i64(s, 2, t && strcmp(t, "true") == 0 ? 64 : 1);
    json_t *items = json_array();
    int rc;
    while ((rc = sh_step(s, &req->err)) == SH_ROW) {
        json_t *o =
            json_pack("{s:s,s:s,s:s,s:I,s:s,s:s,s:I}", "id", sh_col_text(s, 0), "code", sh_col_text(s, 1),
                      "name", sh_col_text(s, 2), "grade", (json_int_t)sh_col_i64(s, 3), "semester",
                      sh_col_text(s, 4), "chapter", sh_col_text(s, 5), "depth", (json_int_t)sh_col_i64(s, 7));
        json_object_set_new(o, "section", sh_col_text(s, 6) ? json_string(sh_col_text(s, 6)) : json_null());
        json_array_append_new(items, o);
    }
    sh_stmt_done(s);
    return sh_reply_items(req, items, rc);
}

int kg_prerequisites(sh_req *req) { return walk(req, 1); }

int kg_dependants(sh_req *req) { return walk(req, 0); }
