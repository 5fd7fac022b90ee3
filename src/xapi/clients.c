/* clients.c — LRS client credentials, registered by administrators under
 * /api/v1/xapi/clients: create (the secret is shown once and stored only as a
 * hash), list (scoped to where the caller holds xapi.manage), revoke. Each
 * client is bound to an org node and may read and/or write statements about the
 * people under it. Creating and revoking are audited in the same transaction. */
#include "xapi/x_impl.h"

#include "core/clock.h"
#include "core/uid.h"
#include "identity/session.h"
#include "model/api.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

static const sh_field client_fields[] = {
    SH_FIELD_KEY,
    SH_FIELD_UID("客户端标识"),
    {.name = "name",
     .column = "name",
     .type = SH_T_TEXT,
     .label = "名称",
     .grade = SH_L1,
     .max_len = 100,
     .flags = SH_F_REQUIRED | SH_F_FILTER},
    {.name = "key",
     .column = "client_key",
     .type = SH_T_TEXT,
     .label = "客户端 key",
     .grade = SH_L1,
     .flags = SH_F_READONLY,
     .doc = "HTTP Basic 的用户名；secret 只在创建时显示一次"},
    {.name = "_secret_hash",
     .column = "secret_hash",
     .type = SH_T_TEXT,
     .label = "secret 摘要",
     .grade = SH_L4,
     .flags = SH_F_INTERNAL},
    {.name = "org",
     .column = "org_id",
     .type = SH_T_REF,
     .ref = "org_unit",
     .label = "适用机构",
     .grade = SH_L1,
     .flags = SH_F_REQUIRED | SH_F_IMMUTABLE | SH_F_FILTER,
     .doc = "客户端只能写入、读取该机构及其下属机构人员的学习记录"},
    {.name = "read", .column = "can_read", .type = SH_T_BOOL, .label = "可读取", .grade = SH_L1},
    {.name = "write", .column = "can_write", .type = SH_T_BOOL, .label = "可写入", .grade = SH_L1},
    {.name = "external_agents",
     .column = "external_agents",
     .type = SH_T_BOOL,
     .label = "允许平台外人员",
     .grade = SH_L1,
     .doc =
         "为 true 时可写入不以数枢账号标识的人员（mbox、openid、其他系统账号），仅用于平台外学习者与一致性测试"},
    {.name = "created_by",
     .column = "created_by",
     .type = SH_T_REF,
     .ref = "account",
     .label = "创建账号",
     .grade = SH_L2,
     .flags = SH_F_READONLY},
    {.name = "revoked_at",
     .column = "revoked_at",
     .type = SH_T_TIME,
     .label = "撤销时间",
     .grade = SH_L1,
     .flags = SH_F_READONLY},
    SH_FIELD_CREATED_AT,
    SH_FIELD_UPDATED_AT,
};

const sh_entity x_client_entity = {
    .name = "xapi_client", .table = "xapi_client", .label = "LRS 客户端", SH_FIELDS(client_fields)};

int x_clients_list(sh_req *req) {
    sh_scope sc;
    return sh_scope_org(req, "xapi.manage", "org_id", &sc) == SH_OK ? sh_api_list(req, &x_client_entity, &sc)
                                                                    : SH_ERR;
}

/* The org node of uid when the caller holds xapi.manage at or above it. */
static int org_in_reach(sh_req *req, const char *uid, int64_t *org) {
    sh_conn *c = sh_req_conn(req);
    if (!c)
        return SH_ERR;
    if (!uid)
        return sh_err_set(&req->err, 400, "required", "org", "请指定机构");
    sh_stmt *s = sh_prepare(c, "SELECT id FROM org_unit WHERE uid = $1", &req->err);
    if (!s)
        return SH_ERR;
    sh_bind_text(s, 1, uid, -1);
    int rc = sh_step(s, &req->err);
    if (rc == SH_ROW)
        *org = sh_col_i64(s, 0);
    sh_stmt_done(s);
    if (rc == SH_ERR)
        return SH_ERR;
    int in = rc == SH_ROW ? sh_can_at(req, "xapi.manage", *org) : 0;
    if (in == SH_ERR)
        return SH_ERR;
    return in ? SH_OK : sh_err_set(&req->err, 400, "unknown_org", "org", "机构不存在或不在您的管辖范围内");
}

static int flag(sh_req *req, json_t *b, const char *name, int *out) {
    json_t *j = json_object_get(b, name);
    if (j && !json_is_boolean(j))
        return sh_err_add(&req->err, 400, "invalid_type", name, NULL, "%s 应为 true 或 false", name);
    *out = j ? json_is_true(j) : 0;
    return SH_OK;
}

int x_clients_create(sh_req *req) {
    json_t *b = NULL;
    if (sh_req_json(req, &b) != SH_OK)
        return SH_ERR;
    int rc = SH_ERR, rd = 0, wr = 0, ext = 0;
    static const char *const allowed[] = {"name", "org", "read", "write", "external_agents", NULL};
    const char *k;
    json_t *v;
    json_object_foreach(b, k, v) {
        int ok = 0;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = strcmp(*a, k) == 0;
        if (!ok)
            sh_err_add(&req->err, 400, "unknown_field", k, NULL, "不认识的字段");
    }
    const char *name = json_string_value(json_object_get(b, "name"));
    if (!name || !*name || strlen(name) > 100)
        sh_err_add(&req->err, 400, "required", "name", NULL, "请填写客户端名称（说明用途，不超过 100 字节）");
    flag(req, b, "read", &rd);
    flag(req, b, "write", &wr);
    flag(req, b, "external_agents", &ext);
    if (!sh_err_count(&req->err) && !rd && !wr)
        sh_err_add(&req->err, 400, "required", "read", NULL, "客户端至少应可读取或可写入");
    int64_t org = 0;
    if (sh_err_count(&req->err) ||
        org_in_reach(req, json_string_value(json_object_get(b, "org")), &org) != SH_OK)
        goto out;
    char uid[SH_UID_LEN + 1], key[32], secret[SH_TOKEN_TEXT], hash[SH_TOKEN_HASH_HEX], object[64];
    sh_new_uid(uid);
    snprintf(key, sizeof key, "%s%.20s", X_KEY_PREFIX, uid + 6); /* the random part of a uid */
    sh_token_new(secret);
    sh_token_hash(secret, hash);
    const sh_principal *p = sh_principal_of(req);
    sh_conn *c = sh_req_conn(req);
    if (!c || sh_begin_write(c, &req->err) != SH_OK)
        goto out;
    sh_stmt *s = sh_prepare(c,
                            "INSERT INTO xapi_client (uid, name, client_key, secret_hash, org_id, can_read,"
                            " can_write, external_agents, created_by, created_at, updated_at)"
                            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
                            &req->err);
    int st = SH_ERR;
    if (s) {
        sh_bind_text(s, 1, uid, -1);
        sh_bind_text(s, 2, name, -1);
        sh_bind_text(s, 3, key, -1);
        sh_bind_text(s, 4, hash, -1);
        sh_bind_i64(s, 5, org);
        sh_bind_i64(s, 6, rd);
        sh_bind_i64(s, 7, wr);
        sh_bind_i64(s, 8, ext);
        sh_bind_i64(s, 9, p ? p->account_id : 0);
        sh_bind_i64(s, 10, sh_now_ms());
        st = sh_step(s, &req->err);
        sh_stmt_done(s);
    }
    snprintf(object, sizeof object, "xapi_client:%s", uid);
    if (st == SH_ERR || sh_audit_req(req, "xapi_client_created", 1, object, name) != SH_OK ||
        sh_commit(c, &req->err) != SH_OK) {
        sh_rollback(c);
        goto out;
    }
    json_t *o = sh_api_get_json(req, &x_client_entity, uid, NULL);
    if (o) {
        json_object_set_new(o, "secret", json_string(secret));
        rc = sh_reply_json(req, 201, o);
    }
    sodium_memzero(secret, sizeof secret);
out:
    json_decref(b);
    return rc;
}

int x_clients_revoke(sh_req *req) {
    const char *uid = sh_req_param(req, "id");
    sh_conn *c = sh_req_conn(req);
    if (!c)
        return SH_ERR;
    sh_stmt *s =
        sh_prepare(c, "SELECT id, org_id, secret_hash = '-' FROM xapi_client WHERE uid = $1", &req->err);
    if (!s)
        return SH_ERR;
    sh_bind_text(s, 1, uid, -1);
    int rc = sh_step(s, &req->err);
    int64_t id = 0, org = 0;
    int platform = 0;
    if (rc == SH_ROW)
        id = sh_col_i64(s, 0), org = sh_col_i64(s, 1), platform = (int)sh_col_i64(s, 2);
    sh_stmt_done(s);
    if (rc == SH_ERR)
        return SH_ERR;
    int in = rc == SH_ROW ? sh_can_at(req, "xapi.manage", org) : 0;
    if (in == SH_ERR)
        return SH_ERR;
    if (!in)
        return sh_err_set(&req->err, 404, "not_found", NULL, "LRS 客户端不存在");
    if (platform)
        return sh_err_set(&req->err, 400, "platform_client", NULL,
                          "这是平台自身记录学习事件所用的客户端（没有 secret，不能登录），不能撤销");
    char object[64];
    snprintf(object, sizeof object, "xapi_client:%s", uid);
    if (sh_begin_write(c, &req->err) != SH_OK)
        return SH_ERR;
    s = sh_prepare(
        c, "UPDATE xapi_client SET revoked_at = $1, updated_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        &req->err);
    int st = SH_ERR;
    if (s) {
        sh_bind_i64(s, 1, sh_now_ms());
        sh_bind_i64(s, 2, id);
        st = sh_step(s, &req->err);
        sh_stmt_done(s);
    }
    if (st == SH_ERR || sh_audit_req(req, "xapi_client_revoked", 1, object, NULL) != SH_OK ||
        sh_commit(c, &req->err) != SH_OK) {
        sh_rollback(c);
        return SH_ERR;
    }
    return sh_reply_empty(req, 204);
}
