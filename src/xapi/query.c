/* query.c — GET /xapi/statements: one statement by statementId or
 * voidedStatementId, or a StatementResult filtered by agent, verb, activity,
 * registration (with related_agents / related_activities), since, until, in
 * stored order (newest first unless ascending), limit per page and a `more`
 * link to the next page. The link is a relative URL carrying the same filters
 * and an opaque position (the last statement's internal order key): pages are
 * stable under concurrent inserts. Reads return only statements whose org lies
 * under the client's org node, and voided statements only by
 * voidedStatementId. */
#include "xapi/x_impl.h"

#include "core/alloc.h"
#include "core/clock.h"
#include "model/api.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCOPE_SQL                                                                                            \
    "EXISTS (SELECT 1 FROM org_closure x WHERE x.descendant_id = s.org_id AND x.ancestor_id = $1)"

static const char *const query_params[] = {
    "statementId",        "voidedStatementId", "agent", "verb",  "activity", "registration",
    "related_activities", "related_agents",    "since", "until", "limit",    "format",
    "attachments",        "ascending",         "more",  NULL};

static int bool_param(sh_req *req, const char *name, int *out) {
    const char *v = x_param(req, name);
    *out = 0;
    if (!v)
        return SH_OK;
    if (strcmp(v, "true") == 0)
        return *out = 1, SH_OK;
    if (strcmp(v, "false") == 0)
        return SH_OK;
    return sh_err_set(&req->err, 400, "invalid_parameter", name, "%s 应为 true 或 false", name);
}

static int bind_client_org(sh_stmt *s, void *ctx) {
    sh_bind_i64(s, 1, *(const int64_t *)ctx);
    return SH_OK;
}

typedef struct qopts {
    const char *format; /* exact, ids, canonical */
    int attachments;
    const char *lang;
} qopts;

/* Text of one statement in the requested format, appended to out. */
static int put_statement(sh_buf *out, const char *body, const qopts *o) {
    if (strcmp(o->format, "exact") == 0)
        return sh_buf_puts(out, body);
    json_t *st = json_loads(body, 0, NULL);
    if (!st)
        return SH_ERR;
    if (strcmp(o->format, "ids") == 0)
        x_format_ids(st);
    else
        x_format_canonical(st, o->lang);
    char *text = json_dumps(st, JSON_COMPACT);
    json_decref(st);
    if (!text)
        return SH_ERR;
    int rc = sh_buf_puts(out, text);
    sh_free(text);
    return rc;
}

/* The stored contents of the attachments the statements name, as parts. */
static int collect_parts(sh_req *req, const char *json, size_t len, x_part **parts, int *nparts) {
    *parts = NULL;
    *nparts = 0;
    json_t *doc = json_loadb(json, len, 0, NULL);
    if (!doc)
        return sh_err_set(&req->err, 500, "internal", NULL, "服务器内部错误");
    json_t *list = json_object_get(doc, "statements");
    if (!list) { /* a single statement */
        list = json_array();
        json_array_append(list, doc);
    } else {
        json_incref(list);
    }
    size_t cap = 0, i;
    json_t *st;
    json_array_foreach(list, i, st) { cap += json_array_size(json_object_get(st, "attachments")); }
    x_part *p = cap ? sh_pcalloc(req->pool, sizeof *p * cap) : NULL;
    sh_conn *c = sh_req_conn(req);
    int rc = SH_OK;
    json_array_foreach(list, i, st) {
        size_t k;
        json_t *a;
        json_array_foreach(json_object_get(st, "attachments"), k, a) {
            const char *sha2 = json_string_value(json_object_get(a, "sha2"));
            int dup = 0;
            for (int d = 0; d < *nparts && !dup; d++)
                dup = strcmp(p[d].sha2, sha2) == 0;
            if (dup || !p || !c || rc != SH_OK)
                continue;
            sh_stmt *s =
                sh_prepare(c, "SELECT content_type, data FROM xapi_attachment WHERE sha2 = $1", &req->err);
            if (!s) {
                rc = SH_ERR;
                continue;
            }
            sh_bind_text(s, 1, sha2, -1);
            int r = sh_step(s, &req->err);
            if (r == SH_ROW) {
                size_t n = sh_col_len(s, 1);
                unsigned char *data = sh_palloc(req->pool, n ? n : 1);
                if (data && n)
                    memcpy(data, sh_col_blob(s, 1), n);
                p[*nparts] =
                    (x_part){sh_pstrdup(req->pool, sh_col_text(s, 0)), sh_pstrdup(req->pool, sha2), data, n};
                (*nparts)++;
            }
            sh_stmt_done(s);
            if (r == SH_ERR)
                rc = SH_ERR;
        }
    }
    json_decref(list);
    json_decref(doc);
    *parts = p;
    return rc;
}

static int reply(sh_req *req, sh_buf *b, const qopts *o) {
    if (sh_buf_ok(b) != SH_OK)
        return sh_err_set(&req->err, 500, "reply_too_large", NULL, "应答过大");
    if (!o->attachments)
        return sh_reply_raw(req, 200, "application/json; charset=utf-8", b->data, b->len);
    x_part *parts;
    int nparts;
    if (collect_parts(req, b->data, b->len, &parts, &nparts) != SH_OK)
        return SH_ERR;
    return x_multipart_reply(req, b->data, b->len, parts, nparts);
}

static int get_one(sh_req *req, const char *id, int voided, const qopts *o) {
    const char *allowed[] = {voided ? "voidedStatementId" : "statementId", "format", "attachments", NULL};
    if (x_only_params(req, allowed) != SH_OK)
        return sh_err_set(&req->err, 400, "invalid_parameter", voided ? "voidedStatementId" : "statementId",
                          "按 id 读取语句时只能再带 format 与 attachments 参数");
    if (!x_valid_uuid(id))
        return sh_err_set(&req->err, 400, "invalid_parameter", voided ? "voidedStatementId" : "statementId",
                          "语句 id 应为 UUID");
    sh_conn *c = sh_req_conn(req);
    if (!c)
        return SH_ERR;
    sh_stmt *s = sh_prepare(
        c, "SELECT s.body, s.voided FROM xapi_statement s WHERE s.statement_id = $2 AND " SCOPE_SQL,
        &req->err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, x_ctx_of(req)->client.org_id);
    sh_bind_text(s, 2, id, -1);
    int rc = sh_step(s, &req->err);
    sh_buf *b = sh_pool_buf(req->pool, 0);
    int found = rc == SH_ROW && (int)sh_col_i64(s, 1) == voided;
    if (found && b && put_statement(b, sh_col_text(s, 0), o) != SH_OK)
        rc = SH_ERR;
    sh_stmt_done(s);
    if (rc == SH_ERR)
        return SH_ERR;
    if (!found)
        return sh_err_set(&req->err, 404, "not_found", NULL, "语句不存在");
    return b ? reply(req, b, o) : sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
}

typedef struct filters {
    char agent[X_AGENT_KEY_MAX];
    const char *verb, *activity, *registration;
    int related_agents, related_activities, ascending, has_agent;
    int64_t since, until, after;
    int has_since, has_until, has_after;
    int limit;
} filters;

static int parse_filters(sh_req *req, filters *f) {
    memset(f, 0, sizeof *f);
    const char *v;
    if ((v = x_param(req, "agent"))) {
        char base[300];
        x_base(req, base, sizeof base);
        json_t *a = json_loads(v, 0, NULL);
        if (!a && !x_ctx_of(req) && *v != '{' && *v &&
            strlen(v) < 64) /* the console: a person's opaque uid */
            a = json_pack("{s:s,s:{s:s,s:s}}", "objectType", "Agent", "account", "homePage", base, "name", v);
        int ok = a && x_validate_agent(a, "agent", &req->err) == SH_OK;
        ok = ok && x_agent_key(a, base, f->agent, sizeof f->agent) == SH_OK;
        json_decref(a);
        if (!ok) {
            sh_err_clear(&req->err);
            return sh_err_set(&req->err, 400, "invalid_parameter", "agent",
                              "agent 应为带一个标识的 Agent 或 Group 的 JSON");
        }
        f->has_agent = 1;
    }
    if ((f->verb = x_param(req, "verb")) && !x_valid_iri(f->verb))
        return sh_err_set(&req->err, 400, "invalid_parameter", "verb", "verb 应为 IRI");
    if ((f->activity = x_param(req, "activity")) && !x_valid_iri(f->activity))
        return sh_err_set(&req->err, 400, "invalid_parameter", "activity", "activity 应为 IRI");
    if ((f->registration = x_param(req, "registration")) && !x_valid_uuid(f->registration))
        return sh_err_set(&req->err, 400, "invalid_parameter", "registration", "registration 应为 UUID");
    if ((v = x_param(req, "since"))) {
        if (x_parse_time(v, &f->since) != SH_OK)
            return sh_err_set(&req->err, 400, "invalid_parameter", "since", "since 应为 ISO 8601 时间");
        f->has_since = 1;
    }
    if ((v = x_param(req, "until"))) {
        if (x_parse_time(v, &f->until) != SH_OK)
            return sh_err_set(&req->err, 400, "invalid_parameter", "until", "until 应为 ISO 8601 时间");
        f->has_until = 1;
    }
    f->limit = 100;
    if ((v = x_param(req, "limit"))) {
        char *end;
        long n = strtol(v, &end, 10);
        if (!*v || *end || n < 0)
            return sh_err_set(&req->err, 400, "invalid_parameter", "limit", "limit 应为非负整数");
        f->limit = n == 0 || n > X_MAX_LIMIT ? X_MAX_LIMIT : (int)n;
    }
    if ((v = x_param(req, "more"))) {
        char *end;
        long long n = v[0] == 'p' ? strtoll(v + 1, &end, 10) : -1;
        if (n < 0 || *end)
            return sh_err_set(&req->err, 400, "invalid_parameter", "more", "more 不是本服务给出的翻页位置");
        f->after = n;
        f->has_after = 1;
    }
    if (bool_param(req, "related_agents", &f->related_agents) != SH_OK ||
        bool_param(req, "related_activities", &f->related_activities) != SH_OK ||
        bool_param(req, "ascending", &f->ascending) != SH_OK)
        return SH_ERR;
    return SH_OK;
}

typedef struct more_ctx {
    sh_buf *b;
    int n;
} more_ctx;

static void put_param(void *ctx, const char *k, const char *v) {
    more_ctx *m = ctx;
    if (strcmp(k, "more") == 0)
        return;
    sh_buf_putc(m->b, m->n++ ? '&' : '?');
    for (const char *s = k; *s; s++)
        sh_buf_printf(m->b, (isalnum((unsigned char)*s) || strchr("-_.~", *s)) ? "%c" : "%%%02X",
                      (unsigned char)*s);
    sh_buf_putc(m->b, '=');
    for (const char *s = v; *s; s++)
        sh_buf_printf(m->b, (isalnum((unsigned char)*s) || strchr("-_.~", *s)) ? "%c" : "%%%02X",
                      (unsigned char)*s);
}

/* A StatementResult page of the statements in scope sc that match the request's
 * filters; `more` continues at path. */
static int get_many(sh_req *req, const qopts *o, const sh_scope *sc, const char *path) {
    filters f;
    if (parse_filters(req, &f) != SH_OK)
        return SH_ERR;
    x_ctx *x = x_ctx_of(req);
    sh_buf *sql = sh_pool_buf(req->pool, 0);
    if (!sql)
        return sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
    int np = sc->nparams;
    sh_buf_printf(sql, "SELECT s.id, s.body FROM xapi_statement s WHERE s.voided = 0 AND %s", sc->where);
    int p_agent = 0, p_verb = 0, p_act = 0, p_reg = 0, p_since = 0, p_until = 0, p_after = 0;
    if (f.has_agent)
        sh_buf_printf(sql,
                      " AND s.id IN (SELECT statement_pk FROM xapi_statement_agent WHERE agent_key = $%d"
                      " AND related <= %d)",
                      p_agent = ++np, f.related_agents);
    if (f.verb)
        sh_buf_printf(sql, " AND s.verb_id = $%d", p_verb = ++np);
    if (f.activity)
        sh_buf_printf(sql,
                      " AND s.id IN (SELECT statement_pk FROM xapi_statement_activity WHERE activity_id = $%d"
                      " AND related <= %d)",
                      p_act = ++np, f.related_activities);
    if (f.registration)
        sh_buf_printf(sql, " AND s.registration = $%d", p_reg = ++np);
    if (f.has_since)
        sh_buf_printf(sql, " AND s.stored_ms > $%d", p_since = ++np);
    if (f.has_until)
        sh_buf_printf(sql, " AND s.stored_ms <= $%d", p_until = ++np);
    if (f.has_after)
        sh_buf_printf(sql, " AND s.id %s $%d", f.ascending ? ">" : "<", p_after = ++np);
    sh_buf_printf(sql, " ORDER BY s.id %s LIMIT %d", f.ascending ? "ASC" : "DESC", f.limit + 1);
    sh_conn *c = sh_req_conn(req);
    if (!c || sh_buf_ok(sql) != SH_OK)
        return SH_ERR;
    sh_stmt *s = sh_prepare(c, sql->data, &req->err);
    if (!s)
        return SH_ERR;
    if (sc->bind(s, sc->ctx) != SH_OK) {
        sh_stmt_done(s);
        return SH_ERR;
    }
    if (p_agent)
        sh_bind_text(s, p_agent, f.agent, -1);
    if (p_verb)
        sh_bind_text(s, p_verb, f.verb, -1);
    if (p_act)
        sh_bind_text(s, p_act, f.activity, -1);
    if (p_reg)
        sh_bind_text(s, p_reg, f.registration, -1);
    if (p_since)
        sh_bind_i64(s, p_since, f.since);
    if (p_until)
        sh_bind_i64(s, p_until, f.until);
    if (p_after)
        sh_bind_i64(s, p_after, f.after);
    sh_buf *b = sh_pool_buf(req->pool, 0);
    if (!b) {
        sh_stmt_done(s);
        return sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
    }
    sh_buf_puts(b, "{\"statements\":[");
    int n = 0, rc;
    int64_t last = 0;
    while ((rc = sh_step(s, &req->err)) == SH_ROW) {
        if (n == f.limit) {
            n++;
            break;
        }
        if (n++)
            sh_buf_putc(b, ',');
        last = sh_col_i64(s, 0);
        if (put_statement(b, sh_col_text(s, 1), o) != SH_OK) {
            rc = sh_err_set(&req->err, 500, "internal", NULL, "服务器内部错误");
            break;
        }
    }
    sh_stmt_done(s);
    if (rc == SH_ERR)
        return SH_ERR;
    sh_buf_puts(b, "],\"more\":\"");
    if (n > f.limit) {
        more_ctx m = {b, 0};
        sh_buf_puts(b, path);
        if (x && x->alt)
            for (int i = 0; i < x->params.n; i++)
                put_param(&m, x->params.k[i], x->params.v[i]);
        else
            sh_req_each_query(req, put_param, &m);
        sh_buf_printf(b, "%cmore=p%lld", m.n ? '&' : '?', (long long)last);
    }
    sh_buf_puts(b, "\"}");
    return reply(req, b, o);
}

int x_get_statements(sh_req *req) {
    if (x_only_params(req, query_params) != SH_OK)
        return SH_ERR;
    qopts o = {.format = "exact"};
    const char *fmt = x_param(req, "format");
    if (fmt) {
        if (strcmp(fmt, "exact") != 0 && strcmp(fmt, "ids") != 0 && strcmp(fmt, "canonical") != 0)
            return sh_err_set(&req->err, 400, "invalid_parameter", "format",
                              "format 应为 ids、exact 或 canonical");
        o.format = fmt;
    }
    if (bool_param(req, "attachments", &o.attachments) != SH_OK)
        return SH_ERR;
    o.lang = x_header(req, "Accept-Language");
    const char *id = x_param(req, "statementId");
    const char *vid = x_param(req, "voidedStatementId");
    if (id && vid)
        return sh_err_set(&req->err, 400, "invalid_parameter", "statementId",
                          "statementId 与 voidedStatementId 不能同时给出");
    if (id || vid)
        return get_one(req, id ? id : vid, vid != NULL, &o);
    sh_scope sc = {
        .where = SCOPE_SQL, .nparams = 1, .bind = bind_client_org, .ctx = &x_ctx_of(req)->client.org_id};
    return get_many(req, &o, &sc, "/xapi/statements");
}

/* GET /api/v1/xapi/statements: the console's statement browser. The same
 * filters and paging as /xapi/statements (agent may also be a person's opaque
 * uid), over the statements under the nodes where the caller holds
 * xapi.manage; exact format, no attachments. */
int x_console_statements(sh_req *req) {
    static const char *const allowed[] = {
        "agent", "verb",  "activity", "registration", "related_agents", "related_activities",
        "since", "until", "limit",    "ascending",    "more",           NULL};
    if (x_only_params(req, allowed) != SH_OK)
        return SH_ERR;
    sh_scope sc;
    if (sh_scope_org_set(req, "xapi.manage", "s.org_id", &sc) != SH_OK)
        return SH_ERR;
    qopts o = {.format = "exact"};
    return get_many(req, &o, &sc, "/api/v1/xapi/statements");
}
