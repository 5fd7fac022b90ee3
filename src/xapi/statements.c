/* statements.c — the /xapi/statements resource: PUT (one statement under
 * statementId), POST (one or an array), GET/HEAD (query.c), each reached
 * directly or through the alternate request syntax. Bodies are JSON, or
 * multipart/mixed when attachments travel with the statements; every
 * attachment without a fileUrl must have its part and every part its
 * attachment. */
#include "xapi/x_impl.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static int is_type(const char *ct, const char *want) {
    size_t n = strlen(want);
    return ct && strncasecmp(ct, want, n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

/* Parts and attachment declarations must match one to one (by sha2). */
static int match_parts(sh_req *req, json_t *arr, const x_part *parts, int nparts) {
    size_t i;
    json_t *st;
    int used = 0;
    json_array_foreach(arr, i, st) {
        size_t k;
        json_t *a;
        json_array_foreach(json_object_get(st, "attachments"), k, a) {
            const char *sha2 = json_string_value(json_object_get(a, "sha2"));
            int found = 0;
            for (int p = 0; p < nparts && !found; p++)
                found = strcmp(parts[p].sha2, sha2) == 0;
            if (!found && !json_object_get(a, "fileUrl"))
                return sh_err_set(&req->err, 400, "attachment_missing", "attachments",
                                  "附件 %.20s… 既没有 fileUrl，也没有随请求发送的内容", sha2);
            used += found;
        }
    }
    for (int p = 0; p < nparts; p++) {
        int found = 0;
        json_array_foreach(arr, i, st) {
            size_t k;
            json_t *a;
            json_array_foreach(json_object_get(st, "attachments"), k, a) {
                found |= strcmp(json_string_value(json_object_get(a, "sha2")), parts[p].sha2) == 0;
            }
        }
        if (!found)
            return sh_err_set(&req->err, 400, "attachment_extra", NULL,
                              "请求中有未在语句 attachments 中声明的附件部分");
    }
    (void)used;
    return SH_OK;
}

/* The body as statements (an array; single statements are wrapped) and parts. */
static int read_body(sh_req *req, x_ctx *x, json_t **arr, x_part **parts, int *nparts) {
    const char *json = x->body;
    size_t len = x->body_len;
    *parts = NULL;
    *nparts = 0;
    *arr = NULL;
    if (is_type(x->content_type, "multipart/mixed")) {
        if (x_multipart_parse(req, x->content_type, x->body, x->body_len, &json, &len, parts, nparts) !=
            SH_OK)
            return SH_ERR;
    } else if (!is_type(x->content_type, "application/json")) {
        return sh_err_set(&req->err, 400, "unsupported_media_type", NULL,
                          "语句请求体须为 application/json 或 multipart/mixed");
    }
    if (!json || !len)
        return sh_err_set(&req->err, 400, "empty_body", NULL, "请求体为空");
    json_error_t je;
    json_t *j = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    if (!j)
        return sh_err_set(&req->err, 400, "invalid_json", NULL,
                          "请求体不是合法的 JSON（第 %d 行第 %d 列）：%.80s", je.line, je.column, je.text);
    if (json_is_object(j)) {
        json_t *a = json_array();
        json_array_append_new(a, j);
        j = a;
    }
    if (!json_is_array(j) || json_array_size(j) == 0) {
        json_decref(j);
        return sh_err_set(&req->err, 400, "invalid_body", NULL, "请求体应为一条语句或语句数组");
    }
    if (json_array_size(j) > X_MAX_BATCH) {
        json_decref(j);
        return sh_err_set(&req->err, 413, "batch_too_large", NULL, "一次最多提交 %d 条语句", X_MAX_BATCH);
    }
    size_t n = json_array_size(j);
    for (size_t i = 0; i < n; i++) {
        char prefix[32] = "";
        if (n > 1)
            snprintf(prefix, sizeof prefix, "[%zu]", i);
        json_t *st = json_array_get(j, i);
        if (x_validate_statement(st, prefix, &req->err) != SH_OK ||
            x_check_signature(st, *parts, *nparts, prefix, &req->err) != SH_OK) {
            json_decref(j);
            return SH_ERR;
        }
    }
    if (match_parts(req, j, *parts, *nparts) != SH_OK) {
        json_decref(j);
        return SH_ERR;
    }
    *arr = j;
    return SH_OK;
}

/* Continuations of a deferred write: the reply once the commit is done. */
static int put_done(sh_req *req) { return x_commit_result(req) == SH_OK ? sh_reply_empty(req, 204) : SH_ERR; }

static int post_done(sh_req *req) {
    return x_commit_result(req) == SH_OK ? sh_reply_json(req, 200, x_statement_ids(x_ctx_of(req)->pending))
                                         : SH_ERR;
}

static int put_statement(sh_req *req, x_ctx *x) {
    static const char *const allowed[] = {"statementId", NULL};
    if (x_only_params(req, allowed) != SH_OK)
        return SH_ERR;
    const char *id = x_param(req, "statementId");
    if (!id)
        return sh_err_set(&req->err, 400, "missing_statement_id", "statementId", "PUT 须带 statementId 参数");
    if (!x_valid_uuid(id))
        return sh_err_set(&req->err, 400, "invalid_parameter", "statementId", "statementId 应为 UUID");
    json_t *arr;
    x_part *parts;
    int nparts;
    if (read_body(req, x, &arr, &parts, &nparts) != SH_OK)
        return SH_ERR;
    json_t *st = json_array_get(arr, 0);
    const char *given = json_string_value(json_object_get(st, "id"));
    int rc = SH_ERR;
    if (json_array_size(arr) != 1)
        sh_err_set(&req->err, 400, "invalid_body", NULL, "PUT 只能提交一条语句");
    else if (given && strcasecmp(given, id) != 0)
        sh_err_set(&req->err, 400, "statement_id_mismatch", "id", "语句中的 id 与 statementId 参数不一致");
    else if (json_object_set_new(st, "id", json_string(id)) == 0)
        rc = x_store_statements(req, arr, parts, nparts, put_done);
    if (rc == SH_OK)
        rc = sh_reply_empty(req, 204);
    json_decref(arr);
    return rc == X_DEFERRED ? SH_OK : rc;
}

static int post_statements(sh_req *req, x_ctx *x) {
    static const char *const none[] = {NULL};
    if (x_only_params(req, none) != SH_OK)
        return SH_ERR;
    json_t *arr;
    x_part *parts;
    int nparts;
    if (read_body(req, x, &arr, &parts, &nparts) != SH_OK)
        return SH_ERR;
    int rc = x_store_statements(req, arr, parts, nparts, post_done);
    if (rc == SH_OK)
        rc = sh_reply_json(req, 200, x_statement_ids(arr));
    json_decref(arr);
    return rc == X_DEFERRED ? SH_OK : rc;
}

int x_statements(sh_req *req) {
    x_ctx *x = x_ctx_of(req);
    if (!x)
        return sh_err_set(&req->err, 403, "forbidden", NULL, "xAPI 接口须使用 LRS 客户端凭据（HTTP Basic）");
    switch (x->method) {
    case SH_GET:
    case SH_HEAD: return x_get_statements(req);
    case SH_PUT: return put_statement(req, x);
    case SH_POST: return post_statements(req, x);
    default: return sh_err_set(&req->err, 405, "method_not_allowed", NULL, "/xapi/statements 不支持此方法");
    }
}
