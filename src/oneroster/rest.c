/* rest.c — the read-only OneRoster 1.2 rostering REST API under
 * /ims/oneroster/rostering/v1p2/: each collection of mapping.c and each object
 * by sourcedId, wrapped as {"users": […]} / {"user": {…}}, with X-Total-Count,
 * limit/offset paging, sort/orderBy, filter and fields (filter.c). References
 * are GUIDRefs ({href, sourcedId, type}); metadata.* members go inside
 * "metadata"; a user's role is its "roles" list. Reads are scoped to the
 * caller (roster.read) and masked like the rest of the API: unmask_reason with
 * roster.unmask shows sensitive fields in clear, audited. Out-of-scope objects
 * answer like missing ones. Errors use the OneRoster payload (imsx_codeMajor,
 * imsx_severity, imsx_description, imsx_CodeMinor) beside our own error. */
#include "oneroster/or_impl.h"

#include "identity/access.h"

#include <stdio.h>
#include <string.h>

static int scope_of(sh_req *req, const sh_or_entity *e, int unmask, sh_scope *out) {
    if (unmask) { /* the rows shown are those the caller may unmask */
        if (e->city_wide) {
            *out = (sh_scope){.unmask = 1};
            return SH_OK;
        }
        if (sh_scope_org_set(req, "roster.unmask", e == &sh_or_orgs ? e->scope_set : "t.sc_school", out) !=
            SH_OK)
            return SH_ERR;
        out->unmask = 1;
        return SH_OK;
    }
    if (e->city_wide) {
        *out = (sh_scope){0};
        return SH_OK;
    }
    return sh_scope_org_set(req, "roster.read", e->scope_set, out);
}

int sh_or_req_scope(void *ctx, const sh_or_entity *e, sh_scope *out, sh_err *err) {
    sh_or_req_ctx *rs = ctx;
    int rc = scope_of(rs->req, e, rs->unmask, out);
    if (rc != SH_OK && err != &rs->req->err)
        *err = rs->req->err;
    return rc;
}

/* Check unmask_reason (with roster.unmask) and audit it; *unmask 1 when given. */
int sh_or_unmask(sh_req *req, const char *what, int *unmask) {
    *unmask = 0;
    const char *reason = sh_req_query(req, "unmask_reason");
    if (!reason)
        return SH_OK;
    size_t n = strlen(reason);
    if (n < 2 || n > 200)
        return sh_err_set(&req->err, 400, "invalid_unmask_reason", "unmask_reason",
                          "查看明文须填写事由（2–200 个字符）");
    if (!sh_can(req, "roster.unmask"))
        return sh_err_set(&req->err, 403, "forbidden", NULL, "没有查看敏感字段明文的权限");
    char detail[320];
    snprintf(detail, sizeof detail, "%s %s：%s", req->method_name, req->path, reason);
    if (sh_audit_req(req, "unmask", 1, what, detail) != SH_OK)
        return SH_ERR;
    *unmask = 1;
    return SH_OK;
}

/* ---- errors in the OneRoster shape ---- */

static const char *minor_of(const sh_err *e) {
    const char *code = e->first.code;
    if (strncmp(code, "invalid_filter_field", 20) == 0 || strcmp(code, "invalid_selection_field") == 0 ||
        strcmp(code, "invalid_sort_field") == 0)
        return code;
    switch (e->status) {
    case 401: return "unauthorisedrequest";
    case 403: return "forbidden";
    case 404: return "unknownobject";
    case 503: return "server_busy";
    default: return e->status >= 500 ? "internal_server_error" : "invaliddata";
    }
}

/* Turn req->err into the OneRoster error payload (and our own error beside it). */
int sh_or_reply_error(sh_req *req) {
    sh_err *e = &req->err;
    int status = e->status >= 400 && e->status <= 599 ? e->status : 500;
    json_t *body =
        json_pack("{s:s,s:s,s:s,s:{s:[{s:s,s:s}]},s:{s:s,s:s}}", "imsx_codeMajor", "failure", "imsx_severity",
                  "error", "imsx_description", e->first.message, "imsx_CodeMinor", "imsx_codeMinorField",
                  "imsx_codeMinorFieldName", "TargetEndSystem", "imsx_codeMinorFieldValue", minor_of(e),
                  "error", "code", e->first.code, "message", e->first.message);
    if (body && e->first.field[0])
        json_object_set_new(json_object_get(body, "error"), "field", json_string(e->first.field));
    sh_err_clear(e);
    sh_err_init(e);
    return sh_reply_json(req, status, body);
}

/* ---- writing objects ---- */

static const char *collection_of(const char *type) {
    static const char *const map[][2] = {{"org", "orgs"},       {"academicSession", "academicSessions"},
                                         {"course", "courses"}, {"class", "classes"},
                                         {"user", "users"},     {"enrollment", "enrollments"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(map[i][0], type) == 0)
            return map[i][1];
    return "orgs";
}

static void guid_ref(sh_buf *b, const char *type, const char *id, size_t n) {
    sh_buf_printf(b, "{\"href\":\"%s/%s/", SH_OR_REST_BASE, collection_of(type));
    sh_buf_append(b, id, n); /* a sourcedId of ours: [A-Za-z0-9._-] */
    sh_buf_puts(b, "\",\"sourcedId\":");
    sh_buf_json_str(b, id, n);
    sh_buf_printf(b, ",\"type\":\"%s\"}", type);
}

/* Comma-separated v as a JSON array (of GUIDRefs when type). */
static void list(sh_buf *b, const char *v, const char *type) {
    sh_buf_putc(b, '[');
    int k = 0;
    for (const char *p = v; *p;) {
        size_t n = strcspn(p, ",");
        if (n) {
            if (k++)
                sh_buf_putc(b, ',');
            if (type)
                guid_ref(b, type, p, n);
            else
                sh_buf_json_str(b, p, n);
        }
        p += n + (p[n] == ',');
    }
    sh_buf_putc(b, ']');
}

static void write_object(sh_buf *b, const sh_or_row *r, unsigned long long fields) {
    const sh_or_entity *e = r->e;
    sh_buf_putc(b, '{');
    int k = 0, nmeta = 0;
    const char *org = NULL;
    for (int i = 0; i < e->nfields; i++)
        if (e->fields[i].json && strcmp(e->fields[i].json, "primaryOrg") == 0)
            org = sh_or_value(r, i);
    for (int i = 0; i < e->nfields; i++) {
        const sh_or_field *f = &e->fields[i];
        if (!f->json || (fields && !(fields & (1ULL << i))))
            continue;
        if (strncmp(f->json, "metadata.", 9) == 0) {
            nmeta++;
            continue;
        }
        const char *v = sh_or_value(r, i);
        if (!v)
            continue;
        if (k++)
            sh_buf_putc(b, ',');
        if (e == &sh_or_users && strcmp(f->json, "role") == 0) {
            sh_buf_printf(b, "\"roles\":[{\"roleType\":\"primary\",\"role\":");
            sh_buf_json_str(b, v, strlen(v));
            if (org) {
                sh_buf_puts(b, ",\"org\":");
                guid_ref(b, "org", org, strlen(org));
            }
            sh_buf_puts(b, "}]");
            continue;
        }
        sh_buf_json_str(b, f->json, strlen(f->json));
        sh_buf_putc(b, ':');
        switch (f->type) {
        case OR_REF: guid_ref(b, f->ref, v, strlen(v)); break;
        case OR_REFS: list(b, v, f->ref); break;
        case OR_LIST: list(b, v, NULL); break;
        case OR_BOOL: sh_buf_puts(b, strcmp(v, "true") == 0 ? "true" : "false"); break;
        default: sh_buf_json_str(b, v, strlen(v)); break;
        }
    }
    if (nmeta) {
        int m = 0;
        for (int i = 0; i < e->nfields; i++) {
            const sh_or_field *f = &e->fields[i];
            if (!f->json || strncmp(f->json, "metadata.", 9) != 0 || (fields && !(fields & (1ULL << i))))
                continue;
            const char *v = sh_or_value(r, i);
            if (!v)
                continue;
            sh_buf_puts(b, m++ ? "," : k++ ? ",\"metadata\":{" : "\"metadata\":{");
            sh_buf_json_str(b, f->json + 9, strlen(f->json + 9));
            sh_buf_putc(b, ':');
            sh_buf_json_str(b, v, strlen(v));
        }
        if (m)
            sh_buf_putc(b, '}');
    }
    sh_buf_putc(b, '}');
}

/* ---- handlers ---- */

/* The entity of the route: the path segment after the base. */
static const sh_or_entity *route_entity(const sh_req *req) {
    const char *p = req->route->path + strlen(SH_OR_REST_BASE) + 1;
    char name[32];
    size_t n = strcspn(p, "/");
    if (n >= sizeof name)
        return NULL;
    memcpy(name, p, n);
    name[n] = '\0';
    return sh_or_entity_named(name);
}

static const char *const known_params[] = {"limit",  "offset", "sort",         "orderBy",
                                           "filter", "fields", "unmask_reason"};

typedef struct param_check {
    const char *bad;
} param_check;

static void check_param(void *ctx, const char *k, const char *v) {
    (void)v;
    param_check *pc = ctx;
    for (size_t i = 0; i < sizeof known_params / sizeof known_params[0]; i++)
        if (strcmp(k, known_params[i]) == 0)
            return;
    if (!pc->bad)
        pc->bad = k;
}

static int run_list(sh_req *req, const sh_or_entity *e) {
    param_check pc = {0};
    sh_req_each_query(req, check_param, &pc);
    if (pc.bad)
        return sh_err_set(&req->err, 400, "invalid_data", NULL, "不认识的查询参数“%.60s”", pc.bad);
    int unmask;
    if (sh_or_unmask(req, e->collection, &unmask) != SH_OK)
        return SH_ERR;
    sh_or_query q;
    if (sh_or_query_parse(req->pool, e, sh_req_query(req, "limit"), sh_req_query(req, "offset"),
                          sh_req_query(req, "sort"), sh_req_query(req, "orderBy"),
                          sh_req_query(req, "filter"), sh_req_query(req, "fields"), unmask, &q,
                          &req->err) != SH_OK)
        return SH_ERR;
    sh_scope sc;
    if (scope_of(req, e, unmask, &sc) != SH_OK)
        return SH_ERR;
    sh_buf *where = sh_pool_buf(req->pool, 8192), *order = sh_pool_buf(req->pool, 512),
           *sql = sh_pool_buf(req->pool, 65536), *count = sh_pool_buf(req->pool, 65536);
    if (!where || !order || !sql || !count || sh_or_query_sql(e, &q, sc.nparams + 1, where, order) != SH_OK ||
        sh_or_select(sql, e, &sc, where->data) != SH_OK)
        return sh_err_set(&req->err, 500, "internal", NULL, "无法生成查询");
    sh_buf_printf(count, "SELECT count(*) FROM (%s) c", sql->data);
    sh_buf_printf(sql, " ORDER BY %s LIMIT %d OFFSET %d", order->data, q.limit, q.offset);
    if (sh_buf_ok(sql) != SH_OK || sh_buf_ok(count) != SH_OK)
        return sh_err_set(&req->err, 500, "internal", NULL, "无法生成查询");
    sh_conn *c = sh_req_conn(req);
    if (!c)
        return SH_ERR;
    sh_stmt *s = sh_prepare(c, count->data, &req->err);
    if (!s)
        return SH_ERR;
    if (sc.bind)
        sc.bind(s, sc.ctx);
    sh_or_query_bind(s, e, &q, sc.nparams + 1);
    int rc = sh_step(s, &req->err);
    int64_t total = rc == SH_ROW ? sh_col_i64(s, 0) : 0;
    sh_stmt_done(s);
    if (rc == SH_ERR)
        return SH_ERR;
    s = sh_prepare(c, sql->data, &req->err);
    if (!s)
        return SH_ERR;
    if (sc.bind)
        sc.bind(s, sc.ctx);
    sh_or_query_bind(s, e, &q, sc.nparams + 1);
    sh_or_row r;
    if (sh_or_row_init(&r, req->pool, e, s, sc.unmask) != SH_OK) {
        sh_stmt_done(s);
        return sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
    }
    sh_buf *out = sh_reply_json_begin(req, 200);
    sh_buf_printf(out, "{\"%s\":[", e->collection);
    int n = 0;
    while ((rc = sh_step(s, &req->err)) == SH_ROW) {
        if (n++)
            sh_buf_putc(out, ',');
        write_object(out, &r, q.fields);
    }
    sh_stmt_done(s);
    if (rc == SH_ERR)
        return SH_ERR;
    sh_buf_puts(out, "]}");
    if (sh_buf_ok(out) != SH_OK)
        return sh_err_set(&req->err, 500, "reply_too_large", NULL, "应答过大");
    char tc[24];
    snprintf(tc, sizeof tc, "%lld", (long long)total);
    sh_reply_header(req, "X-Total-Count", tc);
    return SH_OK;
}

static int run_get(sh_req *req, const sh_or_entity *e) {
    param_check pc = {0};
    sh_req_each_query(req, check_param, &pc);
    if (pc.bad)
        return sh_err_set(&req->err, 400, "invalid_data", NULL, "不认识的查询参数“%.60s”", pc.bad);
    int unmask;
    if (sh_or_unmask(req, e->collection, &unmask) != SH_OK)
        return SH_ERR;
    sh_or_query q;
    if (sh_or_query_parse(req->pool, e, NULL, NULL, NULL, NULL, NULL, sh_req_query(req, "fields"), unmask, &q,
                          &req->err) != SH_OK)
        return SH_ERR;
    const char *id = sh_req_param(req, "sourcedId");
    if (!sh_or_valid_id(id))
        return sh_err_set(&req->err, 404, "not_found", NULL, "对象不存在");
    sh_scope sc;
    if (scope_of(req, e, unmask, &sc) != SH_OK)
        return SH_ERR;
    sh_buf *sql = sh_pool_buf(req->pool, 65536);
    char extra[32];
    snprintf(extra, sizeof extra, "t.sid = $%d", sc.nparams + 1);
    if (!sql || sh_or_select(sql, e, &sc, extra) != SH_OK)
        return sh_err_set(&req->err, 500, "internal", NULL, "无法生成查询");
    sh_conn *c = sh_req_conn(req);
    sh_stmt *s = c ? sh_prepare(c, sql->data, &req->err) : NULL;
    if (!s)
        return SH_ERR;
    if (sc.bind)
        sc.bind(s, sc.ctx);
    sh_bind_text(s, sc.nparams + 1, id, -1);
    int rc = sh_step(s, &req->err);
    sh_or_row r;
    if (rc == SH_ROW && sh_or_row_init(&r, req->pool, e, s, sc.unmask) == SH_OK) {
        sh_buf *out = sh_reply_json_begin(req, 200);
        sh_buf_printf(out, "{\"%s\":", e->single);
        write_object(out, &r, q.fields);
        sh_buf_putc(out, '}');
        rc =
            sh_buf_ok(out) == SH_OK ? SH_OK : sh_err_set(&req->err, 500, "reply_too_large", NULL, "应答过大");
    } else if (rc == SH_DONE) {
        rc = sh_err_set(&req->err, 404, "not_found", NULL, "对象不存在");
    } else if (rc == SH_ROW) {
        rc = sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
    }
    sh_stmt_done(s);
    return rc;
}

int sh_or_rest_list(sh_req *req) {
    const sh_or_entity *e = route_entity(req);
    int rc = e ? run_list(req, e) : sh_err_set(&req->err, 404, "not_found", NULL, "对象不存在");
    return rc == SH_OK ? SH_OK : sh_or_reply_error(req);
}

int sh_or_rest_get(sh_req *req) {
    const sh_or_entity *e = route_entity(req);
    int rc = e ? run_get(req, e) : sh_err_set(&req->err, 404, "not_found", NULL, "对象不存在");
    return rc == SH_OK ? SH_OK : sh_or_reply_error(req);
}
