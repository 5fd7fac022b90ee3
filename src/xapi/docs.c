/* docs.c — the document resources of xAPI 1.0.3: state (/xapi/activities/state),
 * activity profile (/xapi/activities/profile) and agent profile
 * (/xapi/agents/profile). One store for all three: a document is keyed by its
 * kind, activity, agent, registration and id, holds its content type and bytes,
 * and answers with a quoted SHA-1 ETag.
 *
 * PUT replaces, POST merges JSON objects one level deep (or creates), GET gives
 * one document or the ids (with since), DELETE removes one (or, for state, all
 * that match). If-Match and If-None-Match are honoured (412 when they fail);
 * a profile PUT with neither over an existing document is 409. State and
 * agent-profile documents are about an agent, so the statements' rule on who
 * may be named applies, and they are read back only under the client's node;
 * activity profiles describe activities and are shared. */
#include "xapi/x_impl.h"

#include "core/alloc.h"
#include "core/clock.h"

#include <openssl/evp.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

typedef enum { DOC_STATE, DOC_ACTIVITY_PROFILE, DOC_AGENT_PROFILE } doc_kind;

static const char *const kind_names[] = {"state", "activity_profile", "agent_profile"};

typedef struct doc_key {
    doc_kind kind;
    const char *activity, *registration, *id;
    char agent[X_AGENT_KEY_MAX];
    int64_t org;
    const char *id_param; /* stateId or profileId */
} doc_key;

#define SCOPE_DOC                                                                                             \
    " AND (kind = 'activity_profile' OR EXISTS (SELECT 1 FROM org_closure x WHERE x.descendant_id = d.org_id" \
    " AND x.ancestor_id = $6))"

static void etag_of(const void *data, size_t len, char out[43]) {
    unsigned char dig[EVP_MAX_MD_SIZE];
    unsigned int dl = 0;
    char hex[41];
    EVP_Digest(data, len, dig, &dl, EVP_sha1(), NULL);
    sodium_bin2hex(hex, sizeof hex, dig, 20);
    snprintf(out, 43, "\"%s\"", hex);
}

/* The request's parameters into k; SH_ERR with 400. */
static int read_key(sh_req *req, doc_kind kind, int method, doc_key *k) {
    memset(k, 0, sizeof *k);
    k->kind = kind;
    k->id_param = kind == DOC_STATE ? "stateId" : "profileId";
    static const char *const state_params[] = {"activityId", "agent", "registration",
                                               "stateId",    "since", NULL};
    static const char *const aprof_params[] = {"activityId", "profileId", "since", NULL};
    static const char *const gprof_params[] = {"agent", "profileId", "since", NULL};
    const char *const *allowed = kind == DOC_STATE              ? state_params
                                 : kind == DOC_ACTIVITY_PROFILE ? aprof_params
                                                                : gprof_params;
    if (x_only_params(req, allowed) != SH_OK)
        return SH_ERR;
    if (kind != DOC_AGENT_PROFILE) {
        k->activity = x_param(req, "activityId");
        if (!k->activity)
            return sh_err_set(&req->err, 400, "missing_parameter", "activityId", "须带 activityId 参数");
        if (!x_valid_iri(k->activity))
            return sh_err_set(&req->err, 400, "invalid_parameter", "activityId", "activityId 应为 IRI");
    }
    k->activity = k->activity ? k->activity : "";
    if (kind != DOC_ACTIVITY_PROFILE) {
        const char *a = x_param(req, "agent");
        if (!a)
            return sh_err_set(&req->err, 400, "missing_parameter", "agent", "须带 agent 参数");
        json_t *j = json_loads(a, 0, NULL);
        int ok = j && x_validate_agent(j, "agent", &req->err) == SH_OK &&
                 x_agent_key(j, x_ctx_of(req)->base, k->agent, sizeof k->agent) == SH_OK;
        if (!ok) {
            json_decref(j);
            sh_err_clear(&req->err);
            return sh_err_set(&req->err, 400, "invalid_parameter", "agent",
                              "agent 应为带一个标识的 Agent 的 JSON");
        }
        int rc = x_agent_org(req, j, &k->org);
        json_decref(j);
        if (rc != SH_OK)
            return SH_ERR;
    }
    k->registration = kind == DOC_STATE ? x_param(req, "registration") : NULL;
    if (k->registration && !x_valid_uuid(k->registration))
        return sh_err_set(&req->err, 400, "invalid_parameter", "registration", "registration 应为 UUID");
    k->registration = k->registration ? k->registration : "";
    k->id = x_param(req, k->id_param);
    int needs_id = method & (SH_PUT | SH_POST) || (kind != DOC_STATE && method == SH_DELETE);
    if (!k->id && needs_id)
        return sh_err_set(&req->err, 400, "missing_parameter", k->id_param, "须带 %s 参数", k->id_param);
    if (k->id && x_param(req, "since"))
        return sh_err_set(&req->err, 400, "invalid_parameter", "since", "since 只用于列出文档 id");
    if (!(method & (SH_GET | SH_HEAD)) && x_param(req, "since"))
        return sh_err_set(&req->err, 400, "invalid_parameter", "since", "since 只用于 GET");
    return SH_OK;
}

static void bind_key(sh_stmt *s, const doc_key *k, sh_req *req) {
    sh_bind_text(s, 1, kind_names[k->kind], -1);
    sh_bind_text(s, 2, k->activity, -1);
    sh_bind_text(s, 3, k->agent, -1);
    sh_bind_text(s, 4, k->registration, -1);
    sh_bind_text(s, 5, k->id ? k->id : "", -1);
    sh_bind_i64(s, 6, x_ctx_of(req)->client.org_id);
}

typedef struct doc {
    int found;
    int64_t pk;
    char *type;
    unsigned char *data;
    size_t len;
    char etag[43];
    int64_t updated;
} doc;

static int load(sh_req *req, sh_conn *c, const doc_key *k, doc *d) {
    memset(d, 0, sizeof *d);
    sh_stmt *s =
        sh_prepare(c,
                   "SELECT d.id, d.content_type, d.content, d.etag, d.updated_ms FROM xapi_document d"
                   " WHERE kind = $1 AND activity_id = $2 AND agent_key = $3 AND registration = $4"
                   " AND doc_id = $5" SCOPE_DOC,
                   &req->err);
    if (!s)
        return SH_ERR;
    bind_key(s, k, req);
    int rc = sh_step(s, &req->err);
    if (rc == SH_ROW) {
        d->found = 1;
        d->pk = sh_col_i64(s, 0);
        d->type = sh_pstrdup(req->pool, sh_col_text(s, 1));
        d->len = sh_col_len(s, 2);
        d->data = sh_palloc(req->pool, d->len + 1);
        if (d->data) {
            memcpy(d->data, sh_col_blob(s, 2), d->len);
            d->data[d->len] = 0;
        }
        snprintf(d->etag, sizeof d->etag, "%s", sh_col_text(s, 3));
        d->updated = sh_col_i64(s, 4);
    }
    sh_stmt_done(s);
    return rc == SH_ERR ? SH_ERR : SH_OK;
}

static int is_json(const char *type) { return type && strncasecmp(type, "application/json", 16) == 0; }

/* If-Match / If-None-Match against the current document: SH_ERR with 412. */
static int preconditions(sh_req *req, const doc *d) {
    const char *im = x_header(req, "If-Match");
    const char *inm = x_header(req, "If-None-Match");
    if (im && (!d->found || (strcmp(im, "*") != 0 && !strstr(im, d->etag))))
        return sh_err_set(&req->err, 412, "precondition_failed", "If-Match",
                          "文档已被修改或不存在（If-Match 不符）");
    if (inm && d->found && (strcmp(inm, "*") == 0 || strstr(inm, d->etag)))
        return sh_err_set(&req->err, 412, "precondition_failed", "If-None-Match",
                          "文档已存在（If-None-Match 不符）");
    return SH_OK;
}

static int save(sh_req *req, sh_conn *c, const doc_key *k, const doc *old, const char *type, const void *data,
                size_t len) {
    char etag[43];
    etag_of(data, len, etag);
    sh_stmt *s;
    if (old->found) {
        s = sh_prepare(c,
                       "UPDATE xapi_document SET content_type = $1, content = $2, etag = $3, updated_ms = $4"
                       " WHERE id = $5",
                       &req->err);
        if (!s)
            return SH_ERR;
        sh_bind_text(s, 1, type, -1);
        sh_bind_blob(s, 2, data, len);
        sh_bind_text(s, 3, etag, -1);
        sh_bind_i64(s, 4, sh_now_ms());
        sh_bind_i64(s, 5, old->pk);
    } else {
        s = sh_prepare(
            c,
            "INSERT INTO xapi_document (kind, activity_id, agent_key, registration, doc_id, org_id,"
            " content_type, content, etag, updated_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            &req->err);
        if (!s)
            return SH_ERR;
        sh_bind_text(s, 1, kind_names[k->kind], -1);
        sh_bind_text(s, 2, k->activity, -1);
        sh_bind_text(s, 3, k->agent, -1);
        sh_bind_text(s, 4, k->registration, -1);
        sh_bind_text(s, 5, k->id, -1);
        sh_bind_i64(s, 6, k->org ? k->org : x_ctx_of(req)->client.org_id);
        sh_bind_text(s, 7, type, -1);
        sh_bind_blob(s, 8, data, len);
        sh_bind_text(s, 9, etag, -1);
        sh_bind_i64(s, 10, sh_now_ms());
    }
    int rc = sh_step(s, &req->err);
    sh_stmt_done(s);
    return rc == SH_ERR ? SH_ERR : SH_OK;
}

static int write_doc(sh_req *req, const doc_key *k, int merge) {
    x_ctx *x = x_ctx_of(req);
    const char *type = x->content_type ? x->content_type : "application/octet-stream";
    json_t *incoming = NULL;
    if (merge) {
        json_error_t je;
        incoming = is_json(type) && x->body_len ? json_loadb(x->body, x->body_len, 0, &je) : NULL;
        if (!json_is_object(incoming)) {
            json_decref(incoming);
            return sh_err_set(&req->err, 400, "invalid_document", NULL,
                              "POST 合并的文档须为 application/json 的 JSON 对象");
        }
    }
    sh_conn *c = sh_req_conn(req);
    if (!c || sh_begin_write(c, &req->err) != SH_OK) {
        json_decref(incoming);
        return SH_ERR;
    }
    doc d;
    int rc = load(req, c, k, &d);
    if (rc == SH_OK)
        rc = preconditions(req, &d);
    if (rc == SH_OK && !merge && d.found && k->kind != DOC_STATE && !x_header(req, "If-Match") &&
        !x_header(req, "If-None-Match"))
        rc = sh_err_set(&req->err, 409, "document_conflict", NULL,
                        "文档已存在：请带 If-Match（当前 ETag）覆盖，或带 If-None-Match: * 只在不存在时创建");
    char *merged = NULL;
    if (rc == SH_OK && merge && d.found) {
        json_t *old = is_json(d.type) ? json_loadb((const char *)d.data, d.len, 0, NULL) : NULL;
        if (!json_is_object(old))
            rc = sh_err_set(&req->err, 400, "invalid_document", NULL, "已有文档不是 JSON 对象，不能合并");
        else if (json_object_update(old, incoming) != 0 || !(merged = json_dumps(old, JSON_COMPACT)))
            rc = sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
        json_decref(old);
    }
    if (rc == SH_OK)
        rc = merged ? save(req, c, k, &d, "application/json", merged, strlen(merged))
                    : save(req, c, k, &d, type, x->body ? x->body : "", x->body_len);
    sh_free(merged);
    json_decref(incoming);
    if (rc != SH_OK || sh_commit(c, &req->err) != SH_OK) {
        sh_rollback(c);
        return SH_ERR;
    }
    return sh_reply_empty(req, 204);
}

static int get_doc(sh_req *req, const doc_key *k) {
    sh_conn *c = sh_req_conn(req);
    if (!c)
        return SH_ERR;
    if (k->id) {
        doc d;
        if (load(req, c, k, &d) != SH_OK)
            return SH_ERR;
        if (!d.found)
            return sh_err_set(&req->err, 404, "not_found", NULL, "文档不存在");
        char when[SH_ISO_LEN];
        sh_fmt_iso_ms(d.updated, when);
        sh_reply_header(req, "ETag", d.etag);
        sh_reply_header(req, "Last-Modified", when);
        return sh_reply_raw(req, 200, d.type, (const char *)d.data, d.len);
    }
    int64_t since = 0;
    const char *sv = x_param(req, "since");
    if (sv && x_parse_time(sv, &since) != SH_OK)
        return sh_err_set(&req->err, 400, "invalid_parameter", "since", "since 应为 ISO 8601 时间");
    sh_stmt *s =
        sh_prepare(c,
                   "SELECT d.doc_id FROM xapi_document d WHERE kind = $1 AND activity_id = $2"
                   " AND agent_key = $3 AND registration = $4 AND $5 = '' AND d.updated_ms > $7" SCOPE_DOC
                   " ORDER BY d.doc_id",
                   &req->err);
    if (!s)
        return SH_ERR;
    bind_key(s, k, req);
    sh_bind_i64(s, 7, sv ? since : -1);
    json_t *ids = json_array();
    int rc;
    while ((rc = sh_step(s, &req->err)) == SH_ROW)
        json_array_append_new(ids, json_string(sh_col_text(s, 0)));
    sh_stmt_done(s);
    if (rc == SH_ERR) {
        json_decref(ids);
        return SH_ERR;
    }
    return sh_reply_json(req, 200, ids);
}

static int delete_doc(sh_req *req, const doc_key *k) {
    sh_conn *c = sh_req_conn(req);
    if (!c || sh_begin_write(c, &req->err) != SH_OK)
        return SH_ERR;
    int rc = SH_OK;
    if (k->id) {
        doc d;
        rc = load(req, c, k, &d);
        if (rc == SH_OK && (x_header(req, "If-Match") || x_header(req, "If-None-Match")))
            rc = preconditions(req, &d);
    }
    if (rc == SH_OK) {
        sh_stmt *s = sh_prepare(
            c,
            "DELETE FROM xapi_document AS d WHERE kind = $1 AND activity_id = $2 AND agent_key = $3"
            " AND registration = $4 AND ($5 = '' OR doc_id = $5)" SCOPE_DOC,
            &req->err);
        if (!s)
            rc = SH_ERR;
        else {
            bind_key(s, k, req);
            rc = sh_step(s, &req->err) == SH_ERR ? SH_ERR : SH_OK;
            sh_stmt_done(s);
        }
    }
    if (rc != SH_OK || sh_commit(c, &req->err) != SH_OK) {
        sh_rollback(c);
        return SH_ERR;
    }
    return sh_reply_empty(req, 204);
}

static int documents(sh_req *req, doc_kind kind) {
    x_ctx *x = x_ctx_of(req);
    if (!x)
        return sh_err_set(&req->err, 403, "forbidden", NULL, "xAPI 接口须使用 LRS 客户端凭据（HTTP Basic）");
    doc_key k;
    if (read_key(req, kind, x->method, &k) != SH_OK)
        return SH_ERR;
    switch (x->method) {
    case SH_GET:
    case SH_HEAD: return get_doc(req, &k);
    case SH_PUT: return write_doc(req, &k, 0);
    case SH_POST: return write_doc(req, &k, 1);
    case SH_DELETE: return delete_doc(req, &k);
    default: return sh_err_set(&req->err, 405, "method_not_allowed", NULL, "不支持此方法");
    }
}

int x_state(sh_req *req) { return documents(req, DOC_STATE); }
int x_activity_profile(sh_req *req) { return documents(req, DOC_ACTIVITY_PROFILE); }
int x_agent_profile(sh_req *req) { return documents(req, DOC_AGENT_PROFILE); }
