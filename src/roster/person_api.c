/* person_api.c — the HTTP side of one person, one record: a person's summary
 * (GET /api/v1/persons/{id}, with the under-14 flag), the duplicate-candidates
 * report and the merge of a duplicate into the person kept. A person is in reach
 * through their role rows (student, staff, family member) in reach; a person
 * without any role only from the city. The merge is a direct action with a
 * reason, audited: it goes through no approval flow (see docs/architecture.md). */
#include "roster/module.h"

#include "audit/audit.h"
#include "identity/access.h"
#include "model/fieldcrypt.h"
#include "model/list.h"
#include "roster/person_ops.h"
#include "roster/persons.h"

#include <stdlib.h>
#include <string.h>

static const sh_entity *const role_entities[3] = {&sh_student_entity, &sh_staff_entity, &sh_guardian_entity};

/* Persons whose role rows the caller reaches with perm. */
static int person_scope(sh_req *req, const char *perm, sh_person_scope *out) {
    sh_scope s[3];
    for (int i = 0; i < 3; i++)
        if (sh_scope_org_set(req, perm, sh_roster_scope_orgs(role_entities[i]), &s[i]) != SH_OK)
            return SH_ERR;
    const char *w =
        sh_psprintf(req->pool,
                    "EXISTS (SELECT 1 FROM student t WHERE t.person_id = pe.id AND (%s))"
                    " OR EXISTS (SELECT 1 FROM staff t WHERE t.person_id = pe.id AND (%s))"
                    " OR EXISTS (SELECT 1 FROM guardian_link t WHERE t.person_id = pe.id AND (%s))",
                    s[0].where, s[1].where, s[2].where);
    if (!w)
        return sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
    *out = (sh_person_scope){.where = w,
                             .role_where = {s[0].where, s[1].where, s[2].where},
                             .nparams = s[0].nparams,
                             .bind = s[0].bind,
                             .ctx = s[0].ctx};
    return SH_OK;
}

/* The root of the organisation tree (the city). */
static int64_t root_org(sh_conn *c, sh_err *err) {
    int64_t id = 0;
    return sh_query_i64(c, "SELECT id FROM org_unit WHERE parent_id IS NULL ORDER BY id LIMIT 1", &id, err) ==
                   SH_ERR
               ? SH_ERR
               : id;
}

/* Does the caller reach the person with perm? 1, 0, or SH_ERR. */
static int person_visible(sh_req *req, sh_conn *c, const sh_person_scope *sc, const char *perm,
                          int64_t person) {
    char sql[2048];
    snprintf(
        sql, sizeof sql,
        "SELECT CASE WHEN %s THEN 1 ELSE 0 END, (SELECT count(*) FROM student WHERE person_id = pe.id)"
        " + (SELECT count(*) FROM staff WHERE person_id = pe.id)"
        " + (SELECT count(*) FROM guardian_link WHERE person_id = pe.id) FROM person pe WHERE pe.id = $%d",
        sc->where, sc->nparams + 1);
    sh_stmt *s = sh_prepare(c, sql, &req->err);
    if (!s)
        return SH_ERR;
    sc->bind(s, sc->ctx);
    sh_bind_i64(s, sc->nparams + 1, person);
    int rc = sh_step(s, &req->err);
    int in = rc == SH_ROW && sh_col_i64(s, 0), roles = rc == SH_ROW ? (int)sh_col_i64(s, 1) : 0;
    sh_stmt_done(s);
    if (rc == SH_ERR)
        return SH_ERR;
    if (rc == SH_DONE || in || roles)
        return in;
    int64_t root = root_org(c, &req->err); /* a person with no role: the city's */
    return root < 0 ? SH_ERR : root ? sh_can_at(req, perm, root) : 0;
}

static json_t *under_14_of(const char *mask, const char *uid, const void *ct, size_t n) {
    int v = sh_under_14_of_row(mask, uid, ct, n);
    return v < 0 ? json_null() : json_boolean(v);
}

int sh_roster_get_person(sh_req *req) {
    sh_conn *c = sh_req_conn(req);
    if (!c)
        return SH_ERR;
    const char *uid = sh_req_param(req, "id"), *merged_into = NULL;
    int64_t person = sh_person_key(c, req->pool, uid, &merged_into, &req->err);
    if (person < 0)
        return SH_ERR;
    if (!person && merged_into) /* an old public id: answered by the person kept */
        person = sh_person_key(c, req->pool, merged_into, NULL, &req->err);
    sh_person_scope sc;
    if (person < 0 || person_scope(req, "roster.read", &sc) != SH_OK)
        return SH_ERR;
    int vis = person ? person_visible(req, c, &sc, "roster.read", person) : 0;
    if (vis < 0)
        return SH_ERR;
    if (!vis)
        return sh_err_set(&req->err, 404, "not_found", NULL, "人员不存在");
    if (merged_into) {
        json_t *out = json_pack("{s:s,s:s,s:s}", "id", uid, "merged_into", merged_into, "message",
                                "该人员是重复登记，已合并至另一人员记录");
        return sh_reply_json(req, 200, out);
    }
    sh_stmt *s =
        sh_prepare(c,
                   "SELECT pe.uid, pe.name, pp.uid, pp.gender, pp.birth_date_mask, pp.birth_date,"
                   " (SELECT d.number_mask FROM person_document d WHERE d.person_id = pe.id"
                   " AND d.doc_type = '1')"
                   " FROM person pe LEFT JOIN person_profile pp ON pp.person_id = pe.id WHERE pe.id = $1",
                   &req->err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, person);
    int rc = sh_step(s, &req->err);
    json_t *out = NULL;
    if (rc == SH_ROW) {
        const char *name = sh_col_text(s, 1);
        out =
            json_pack("{s:s,s:s?,s:n,s:s?,s:s?,s:o,s:s?,s:[]}", "id", sh_col_text(s, 0), "name",
                      name ? sh_mask_value(req->pool, SH_MASK_NAME, name) : NULL, "merged_into", "gender",
                      sh_col_text(s, 3), "birth_date", sh_col_text(s, 4), "under_14",
                      under_14_of(sh_col_text(s, 4), sh_col_text(s, 2), sh_col_blob(s, 5), sh_col_len(s, 5)),
                      "id_number", sh_col_text(s, 6), "roles");
    }
    sh_stmt_done(s);
    if (rc != SH_ROW || !out)
        return rc == SH_ERR ? SH_ERR : sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
    /* the role rows in reach */
    static const char *const tables[3] = {"student", "staff", "guardian_link"};
    static const char *const kinds[3] = {"student", "staff", "guardian"};
    for (int i = 0; i < 3; i++) {
        char *sql = sh_psprintf(req->pool,
                                "SELECT t.uid, o.uid, o.name FROM %s t JOIN org_unit o ON o.id = t.school_id"
                                " WHERE t.person_id = $%d AND (%s) ORDER BY t.id",
                                tables[i], sc.nparams + 1, sc.role_where[i]);
        sh_stmt *r = sql ? sh_prepare(c, sql, &req->err) : NULL;
        if (!r) {
            json_decref(out);
            return sql ? SH_ERR : sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
        }
        sc.bind(r, sc.ctx);
        sh_bind_i64(r, sc.nparams + 1, person);
        while ((rc = sh_step(r, &req->err)) == SH_ROW)
            json_array_append_new(json_object_get(out, "roles"),
                                  json_pack("{s:s,s:s,s:s,s:s}", "kind", kinds[i], "id", sh_col_text(r, 0),
                                            "school", sh_col_text(r, 1), "school_name", sh_col_text(r, 2)));
        sh_stmt_done(r);
        if (rc == SH_ERR) {
            json_decref(out);
            return SH_ERR;
        }
    }
    return sh_reply_json(req, 200, out);
}

int sh_roster_duplicates(sh_req *req) {
    const char **k = NULL, **v = NULL;
    int n = 0;
    if (sh_api_query_args(req, &k, &v, &n) != SH_OK)
        return SH_ERR;
    int limit = SH_LIST_DEFAULT_LIMIT;
    int64_t after = 0;
    for (int i = 0; i < n; i++) {
        if (strcmp(k[i], "limit") == 0) {
            char *end = NULL;
            long l = strtol(v[i] ? v[i] : "", &end, 10);
            if (!v[i] || !*v[i] || *end || l < 1 || l > SH_LIST_MAX_LIMIT)
                sh_err_add(&req->err, 400, "invalid_limit", "limit", v[i], "limit 应为 1–%d 的整数",
                           SH_LIST_MAX_LIMIT);
            else
                limit = (int)l;
        } else if (strcmp(k[i], "cursor") == 0) {
            sh_cursor_decode(v[i] ? v[i] : "", &after, &req->err);
        } else {
            sh_err_add(&req->err, 400, "unknown_parameter", k[i], NULL, "不认识的查询参数“%s”", k[i]);
        }
    }
    if (sh_err_count(&req->err))
        return SH_ERR;
    sh_person_scope sc;
    if (person_scope(req, "roster.write", &sc) != SH_OK)
        return SH_ERR;
    sh_conn *c = sh_req_conn(req);
    json_t *groups = NULL;
    int64_t next = 0;
    if (!c || sh_duplicates_page(c, req->pool, &sc, after, limit, &groups, &next, &req->err) != SH_OK)
        return SH_ERR;
    char cur[SH_CURSOR_MAX];
    if (next)
        sh_cursor_encode(next, cur);
    return sh_reply_json(req, 200,
                         json_pack("{s:o,s:s?}", "items", groups, "next_cursor", next ? cur : NULL));
}

/* The merge body: {"into": "<person id>", "reason": "…"} — both required. */
static int merge_body(sh_req *req, const char **into, const char **reason) {
    json_t *body;
    if (sh_req_json(req, &body) != SH_OK)
        return SH_ERR;
    if (!json_is_object(body)) {
        json_decref(body);
        return sh_err_set(&req->err, 400, "invalid_body", NULL, "请求体应为 JSON 对象");
    }
    const char *key;
    json_t *val;
    json_object_foreach(body, key, val) {
        if (strcmp(key, "into") != 0 && strcmp(key, "reason") != 0)
            sh_err_add(&req->err, 400, "unknown_field", key, NULL, "不认识的字段“%s”", key);
    }
    json_t *i = json_object_get(body, "into"), *r = json_object_get(body, "reason");
    if (!json_is_string(i) || !*json_string_value(i))
        sh_err_add(&req->err, 400, "required", "into", NULL, "缺少必填项“合并至”（保留的人员标识）");
    else
        *into = sh_pstrdup(req->pool, json_string_value(i));
    const char *rs = json_is_string(r) ? sh_normalise_text(req->pool, json_string_value(r)) : NULL;
    size_t chars = 0;
    for (const unsigned char *q = (const unsigned char *)rs; q && *q; q++)
        chars += (*q & 0xC0) != 0x80;
    if (!rs || chars < 2 || chars > 200)
        sh_err_add(&req->err, 400, "invalid_reason", "reason", NULL, "须填写合并事由（2–200 个字符）");
    else
        *reason = rs;
    json_decref(body);
    return sh_err_count(&req->err) ? SH_ERR : SH_OK;
}

/* The writer's provenance: console for a browser session, api for a token. */
static sh_provenance provenance(sh_req *req) {
    const sh_principal *p = sh_principal_of(req);
    sh_provenance pv = {.actor = p ? p->account_id : 0, .source = "console"};
    if (p && p->token_id) {
        pv.source = "api";
        pv.source_ref = sh_psprintf(req->pool, "token:%lld", (long long)p->token_id);
    }
    return pv;
}

/* Checks of a merge inside its transaction: both persons in reach, every school
 * involved within the caller's roster.write. */
static int merge_checks(sh_req *req, sh_conn *c, const char *from_uid, const char *into_uid, int64_t *from,
                        int64_t *into) {
    const char *merged = NULL;
    sh_person_scope sc;
    if (person_scope(req, "roster.write", &sc) != SH_OK)
        return SH_ERR;
    *from = sh_person_key(c, req->pool, from_uid, &merged, &req->err);
    if (*from < 0)
        return SH_ERR;
    if (!*from && merged) { /* reach judged on the person it went into */
        int64_t kept = sh_person_key(c, req->pool, merged, NULL, &req->err);
        int vis = kept > 0 ? person_visible(req, c, &sc, "roster.write", kept) : kept;
        if (vis < 0)
            return SH_ERR;
        return vis ? sh_err_set(&req->err, 409, "already_merged", NULL, "该人员已合并至人员 %s，无需再合并",
                                merged)
                   : sh_err_set(&req->err, 404, "not_found", NULL, "人员不存在");
    }
    int vis = *from ? person_visible(req, c, &sc, "roster.write", *from) : 0;
    if (vis < 0)
        return SH_ERR;
    if (!vis)
        return sh_err_set(&req->err, 404, "not_found", NULL, "人员不存在");
    *into = sh_person_key(c, req->pool, into_uid, &merged, &req->err);
    if (*into < 0)
        return SH_ERR;
    vis = *into ? person_visible(req, c, &sc, "roster.write", *into) : 0;
    if (vis < 0)
        return SH_ERR;
    if (!vis && merged)
        return sh_err_set(&req->err, 409, "already_merged", "into",
                          "所选的保留人员已合并至人员 %s，请改为合并到该人员", merged);
    if (!vis)
        return sh_err_set(&req->err, 400, "unknown_reference", "into", "“合并至”所指的人员不存在");
    int64_t *schools = NULL;
    int n = 0;
    if (sh_person_schools(c, req->pool, *from, *into, &schools, &n, &req->err) != SH_OK)
        return SH_ERR;
    for (int i = 0; i < n; i++) {
        int may = sh_can_at(req, "roster.write", schools[i]);
        if (may < 0)
            return SH_ERR;
        if (!may)
            return sh_err_set(&req->err, 403, "forbidden", NULL,
                              "合并涉及管辖范围以外的学校，须由同时管辖这些学校的管理员办理");
    }
    return SH_OK;
}

int sh_roster_merge_person(sh_req *req) {
    const char *from_uid = sh_req_param(req, "id"), *into_uid = NULL, *reason = NULL;
    if (merge_body(req, &into_uid, &reason) != SH_OK)
        return SH_ERR;
    sh_conn *c = sh_req_conn(req);
    if (!c || sh_begin_write(c, &req->err) != SH_OK)
        return SH_ERR;
    int64_t from = 0, into = 0;
    sh_provenance pv = provenance(req);
    json_t *warnings = json_array();
    int rc = warnings ? merge_checks(req, c, from_uid, into_uid, &from, &into)
                      : sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
    if (rc == SH_OK)
        rc = sh_person_merge(c, req->pool, from, into, &pv, warnings, &req->err);
    if (rc == SH_OK) {
        const char *object = sh_psprintf(req->pool, "person:%s", from_uid);
        const char *detail = sh_psprintf(req->pool, "合并至 person:%s；事由：%s", into_uid, reason);
        rc = object && detail ? sh_audit_req(req, "person_merge", 1, object, detail)
                              : sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
    }
    if (rc == SH_OK)
        rc = sh_commit(c, &req->err);
    else
        sh_rollback(c);
    if (rc != SH_OK) {
        json_decref(warnings);
        return SH_ERR;
    }
    return sh_reply_json(
        req, 200,
        json_pack("{s:s,s:s,s:o}", "person", from_uid, "merged_into", into_uid, "warnings", warnings));
}
