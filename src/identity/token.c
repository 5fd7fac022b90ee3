/* token.c — storage and checking of API tokens. See token.h. */
#include "identity/token.h"

#include "core/clock.h"
#include "identity/session.h"
#include "org/org.h"

#include <stdio.h>
#include <string.h>

#define USE_MS 60000 /* last_used_at is refreshed at most this often */

static const sh_field token_fields[] = {
    SH_FIELD_KEY,
    SH_FIELD_UID("令牌标识"),
    {.name = "name",
     .column = "name",
     .type = SH_T_TEXT,
     .label = "名称",
     .grade = SH_L1,
     .max_len = 100,
     .flags = SH_F_REQUIRED | SH_F_FILTER},
    {.name = "prefix",
     .column = "prefix",
     .type = SH_T_TEXT,
     .label = "令牌前缀",
     .grade = SH_L1,
     .flags = SH_F_READONLY,
     .doc = "令牌的前 12 个字符，用于辨认；令牌本身只在创建时显示一次"},
    {.name = "_hash",
     .column = "token_hash",
     .type = SH_T_TEXT,
     .label = "令牌摘要",
     .grade = SH_L4,
     .flags = SH_F_INTERNAL},
    {.name = "owner",
     .column = "account_id",
     .type = SH_T_REF,
     .ref = "account",
     .label = "创建账号",
     .grade = SH_L2,
     .flags = SH_F_READONLY | SH_F_FILTER},
    {.name = "org",
     .column = "org_id",
     .type = SH_T_REF,
     .ref = "org_unit",
     .label = "适用机构",
     .grade = SH_L1,
     .flags = SH_F_REQUIRED | SH_F_IMMUTABLE | SH_F_FILTER},
    {.name = "permissions",
     .column = "permissions",
     .type = SH_T_TEXT,
     .label = "权限",
     .grade = SH_L1,
     .max_len = 1000,
     .flags = SH_F_REQUIRED | SH_F_IMMUTABLE,
     .doc = "以空格分隔的权限名"},
    {.name = "expires_at",
     .column = "expires_at",
     .type = SH_T_TIME,
     .label = "到期时间",
     .grade = SH_L1,
     .flags = SH_F_READONLY},
    {.name = "revoked_at",
     .column = "revoked_at",
     .type = SH_T_TIME,
     .label = "撤销时间",
     .grade = SH_L1,
     .flags = SH_F_READONLY},
    {.name = "last_used_at",
     .column = "last_used_at",
     .type = SH_T_TIME,
     .label = "最近使用",
     .grade = SH_L2,
     .flags = SH_F_READONLY},
    SH_FIELD_CREATED_AT,
    SH_FIELD_UPDATED_AT,
};

const sh_entity sh_api_token_entity = {
    .name = "api_token", .table = "api_token", .label = "接口令牌", SH_FIELDS(token_fields)};

int sh_api_token_create(sh_conn *c, const sh_api_token_new *n, char token[SH_API_TOKEN_TEXT], char uid[27],
                        sh_err *err) {
    char secret[SH_TOKEN_TEXT], hash[SH_TOKEN_HASH_HEX], perms[1024] = "", prefix[13];
    sh_token_new(secret);
    snprintf(token, SH_API_TOKEN_TEXT, "%s%s", SH_API_TOKEN_PREFIX, secret);
    sodium_memzero(secret, sizeof secret);
    sh_token_hash(token, hash);
    snprintf(prefix, sizeof prefix, "%s", token);
    size_t used = 0;
    for (int i = 0; i < n->nperms; i++) {
        int w = snprintf(perms + used, sizeof perms - used, "%s%s", i ? " " : "", n->perms[i]);
        if (w < 0 || (size_t)w >= sizeof perms - used)
            return sh_err_set(err, 400, "too_many_permissions", "permissions", "权限过多");
        used += (size_t)w;
    }
    sh_new_uid(uid);
    int64_t now = sh_now_ms();
    sh_stmt *s = sh_prepare(c,
                            "INSERT INTO api_token (uid, name, prefix, token_hash, account_id, org_id,"
                            " permissions, expires_at, created_at, updated_at)"
                            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
                            err);
    if (!s)
        return SH_ERR;
    sh_bind_text(s, 1, uid, -1);
    sh_bind_text(s, 2, n->name, -1);
    sh_bind_text(s, 3, prefix, -1);
    sh_bind_text(s, 4, hash, -1);
    sh_bind_i64(s, 5, n->owner);
    sh_bind_i64(s, 6, n->org_id);
    sh_bind_text(s, 7, perms, -1);
    sh_bind_i64(s, 8, n->expires_at);
    sh_bind_i64(s, 9, now);
    int rc = sh_step(s, err);
    sh_stmt_done(s);
    return rc == SH_ERR ? SH_ERR : SH_OK;
}

int sh_api_token_principal(sh_conn *c, const char *token, sh_principal *p, sh_err *err) {
    if (strlen(token) != SH_API_TOKEN_TEXT - 1 || strncmp(token, SH_API_TOKEN_PREFIX, 4) != 0)
        return SH_DONE;
    char hash[SH_TOKEN_HASH_HEX];
    sh_token_hash(token, hash);
    int64_t now = sh_now_ms();
    sh_stmt *s = sh_prepare(c,
                            "SELECT t.id, t.org_id, t.permissions, t.last_used_at, a.id, a.uid, a.login,"
                            " a.person_id, a.org_id FROM api_token t JOIN account a ON a.id = t.account_id"
                            " WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2"
                            " AND a.disabled = 0",
                            err);
    if (!s)
        return SH_ERR;
    sh_bind_text(s, 1, hash, -1);
    sh_bind_i64(s, 2, now);
    int rc = sh_step(s, err);
    int64_t last_used = 0;
    if (rc == SH_ROW) {
        p->token_id = sh_col_i64(s, 0);
        sh_grant *g = &p->grants[0];
        memset(g, 0, sizeof *g);
        snprintf(g->role.code, sizeof g->role.code, "api_token");
        snprintf(g->role.label, sizeof g->role.label, "接口令牌");
        g->org_id = sh_col_i64(s, 1);
        /* keep only permissions that still exist, pointing at the shared names */
        const char *list = sh_col_text(s, 2);
        int np = 0, nall;
        const sh_permission *all = sh_permissions(&nall);
        for (int i = 0; i < nall && np < SH_ROLE_MAX_PERMS - 1; i++) {
            size_t len = strlen(all[i].name);
            for (const char *q = list; q && (q = strstr(q, all[i].name)); q += len)
                if ((q == list || q[-1] == ' ') && (q[len] == ' ' || q[len] == '\0')) {
                    g->role.perms[np++] = all[i].name;
                    break;
                }
        }
        p->ngrants = 1;
        last_used = sh_col_is_null(s, 3) ? 0 : sh_col_i64(s, 3);
        p->account_id = sh_col_i64(s, 4);
        snprintf(p->account_uid, sizeof p->account_uid, "%s", sh_col_text(s, 5));
        snprintf(p->login, sizeof p->login, "%s", sh_col_text(s, 6));
        p->person_id = sh_col_i64(s, 7);
        p->org_id = sh_col_i64(s, 8);
    }
    sh_stmt_done(s);
    if (rc != SH_ROW || now - last_used < USE_MS)
        return rc;
    s = sh_prepare(c, "UPDATE api_token SET last_used_at = $1 WHERE id = $2", err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, now);
    sh_bind_i64(s, 2, p->token_id);
    int urc = sh_step(s, err);
    sh_stmt_done(s);
    return urc == SH_ERR ? SH_ERR : SH_ROW;
}
