/* admin_api.c — administration of identities under the scope filter: accounts
 * (create with a one-time initial password, disable, enable, unlock, reset),
 * roles and their assignments (三员分立, no escalation), API tokens and the
 * security policy. Every change is audited in the same transaction. */
#include "identity/access.h"
#include "identity/account.h"
#include "identity/handlers.h"
#include "identity/policy.h"
#include "identity/session.h"
#include "identity/token.h"

#include "core/alloc.h"
#include "core/clock.h"
#include "org/org.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

static const sh_field assignment_fields[] = {
    SH_FIELD_KEY,
    SH_FIELD_UID("分配标识"),
    {.name = "account",
     .column = "account_id",
     .type = SH_T_REF,
     .ref = "account",
     .label = "账号",
     .grade = SH_L2,
     .flags = SH_F_REQUIRED | SH_F_IMMUTABLE | SH_F_FILTER},
    {.name = "role",
     .column = "role",
     .type = SH_T_TEXT,
     .label = "角色",
     .grade = SH_L1,
     .max_len = SH_ROLE_CODE_MAX,
     .flags = SH_F_REQUIRED | SH_F_IMMUTABLE | SH_F_FILTER},
    {.name = "org",
     .column = "org_id",
     .type = SH_T_REF,
     .ref = "org_unit",
     .label = "机构范围",
     .grade = SH_L1,
     .flags = SH_F_REQUIRED | SH_F_IMMUTABLE | SH_F_FILTER},
    {.name = "_created_by",
     .column = "created_by",
     .type = SH_T_INT,
     .label = "分配人",
     .grade = SH_L2,
     .flags = SH_F_INTERNAL},
    SH_FIELD_CREATED_AT,
    SH_FIELD_UPDATED_AT,
};
const sh_entity sh_role_assignment_entity = {
    .name = "role_assignment", .table = "role_assignment", .label = "角色分配", SH_FIELDS(assignment_fields)};

/* Resolve a public id of a table with an org_id column to its keys, inside the
 * caller's reach for perm. Out of reach answers exactly like missing (404). */
static int find_scoped(sh_req *req, const sh_entity *e, const char *uid, const char *perm, int64_t *id,
                       int64_t *org) {
    sh_scope sc;
    if (!uid || strlen(uid) > 64 || sh_scope_org(req, perm, "org_id", &sc) != SH_OK)
        return uid && strlen(uid) <= 64 ? SH_ERR
                                        : sh_err_set(&req->err, 404, "not_found", NULL, "%s不存在", e->label);
    sh_buf *sql = sh_pool_buf(req->pool, 512);
    sh_conn *c = sh_req_conn(req);
    if (!sql || !c)
        return SH_ERR;
    sh_buf_printf(sql, "SELECT t.id, t.org_id FROM %s t WHERE t.uid = $2 AND %s", e->table, sc.where);
    sh_stmt *s = sh_buf_ok(sql) == SH_OK ? sh_prepare(c, sql->data, &req->err) : NULL;
    if (!s)
        return SH_ERR;
    sc.bind(s, sc.ctx);
    sh_bind_text(s, 2, uid, -1);
    int rc = sh_step(s, &req->err);
    if (rc == SH_ROW) {
        *id = sh_col_i64(s, 0);
        *org = sh_col_i64(s, 1);
    }
    sh_stmt_done(s);
    if (rc == SH_DONE)
        return sh_err_set(&req->err, 404, "not_found", NULL, "%s不存在", e->label);
    return rc == SH_ROW ? SH_OK : SH_ERR;
}

/* Resolve an org's public id given in a body field; in reach for perm or 404-like 400. */
static int org_in_reach(sh_req *req, const char *field, const char *uid, const char *perm, int64_t *org) {
    sh_conn *c = sh_req_conn(req);
    if (!c)
        return SH_ERR;
    if (!uid)
        return sh_err_set(&req->err, 400, "required", field, "请指定机构");
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
    int in = rc == SH_ROW ? sh_can_at(req, perm, *org) : 0;
    if (in == SH_ERR)
        return SH_ERR;
    if (!in)
        return sh_err_set(&req->err, 400, "unknown_org", field, "机构不存在或不在您的管辖范围内");
    return SH_OK;
}

/* Run an update plus its audit entry in one transaction. */
static int write_audited(sh_req *req, const char *sql, int64_t id, const char *event, const char *object,
                         const char *detail) {
    sh_conn *c = sh_req_conn(req);
    if (!c || sh_begin_write(c, &req->err) != SH_OK)
        return SH_ERR;
    sh_stmt *s = sh_prepare(c, sql, &req->err);
    int rc = SH_ERR;
    if (s) {
        sh_bind_i64(s, 1, sh_now_ms());
        sh_bind_i64(s, 2, id);
        rc = sh_step(s, &req->err);
        sh_stmt_done(s);
    }
    if (rc == SH_ERR || sh_audit_req(req, event, 1, object, detail) != SH_OK ||
        sh_commit(c, &req->err) != SH_OK) {
        sh_rollback(c);
        return SH_ERR;
    }
    return SH_OK;
}

int sh_admin_list_accounts(sh_req *req) {
    sh_scope sc;
    return sh_scope_org(req, "account.read", "org_id", &sc) == SH_OK
               ? sh_api_list(req, &sh_account_entity, &sc)
               : SH_ERR;
}

int sh_admin_get_account(sh_req *req) {
    sh_scope sc;
    return sh_scope_org(req, "account.read", "org_id", &sc) == SH_OK
               ? sh_api_get(req, &sh_account_entity, sh_req_param(req, "id"), &sc)
               : SH_ERR;
}

static json_t *account_reply(sh_req *req, const char *uid) {
    /* re-read through the generic reader so the reply has the declared shape */
    sh_scope sc;
    return sh_scope_org(req, "account.read", "org_id", &sc) == SH_OK
               ? sh_api_get_json(req, &sh_account_entity, uid, &sc)
               : NULL;
}

int sh_admin_create_account(sh_req *req) {
    json_t *b = NULL;
    if (sh_req_json(req, &b) != SH_OK)
        return SH_ERR;
    int rc = SH_ERR;
    const char *name = json_string_value(json_object_get(b, "name"));
    const char *login = json_string_value(json_object_get(b, "login"));
    int64_t org = 0;
    const char *key;
    json_t *v;
    json_object_foreach(b, key, v) {
        if (strcmp(key, "name") != 0 && strcmp(key, "login") != 0 && strcmp(key, "org") != 0)
            sh_err_add(&req->err, 400, "unknown_field", key, NULL,
                       "不能设置字段“%s”（可用：name、login、org）", key);
    }
    if (sh_err_count(&req->err))
        goto out;
    if (org_in_reach(req, "org", json_string_value(json_object_get(b, "org")), "account.write", &org) !=
        SH_OK)
        goto out;
    char password[SH_PASSWORD_GENERATED + 1];
    sh_password_generate(password);
    const sh_principal *p = sh_principal_of(req);
    sh_account_new n = {.name = name,
                        .login = login ? login : "",
                        .password = password,
                        .must_change = 1,
                        .org_id = org,
                        .actor = p->login,
                        .actor_id = p->account_id,
                        .actor_ip = req->client_ip};
    sh_conn *c = sh_req_conn(req);
    int64_t id;
    char uid[27];
    if (!c || sh_begin_write(c, &req->err) != SH_OK)
        goto out;
    if (sh_account_create(c, &n, &id, uid, &req->err) != SH_OK || sh_commit(c, &req->err) != SH_OK) {
        sh_rollback(c);
        goto out;
    }
    json_t *o = account_reply(req, uid);
    if (o)
        json_object_set_new(o, "initial_password", json_string(password));
    sodium_memzero(password, sizeof password);
    rc = sh_reply_json(req, 201, o);
out:
    json_decref(b);
    return rc;
}

static int account_action(sh_req *req, const char *perm, const char *sql, const char *event) {
    int64_t id = 0, org = 0;
    if (find_scoped(req, &sh_account_entity, sh_req_param(req, "id"), perm, &id, &org) != SH_OK)
        return SH_ERR;
    const sh_principal *p = sh_principal_of(req);
    if (id == p->account_id)
        return sh_err_set(&req->err, 409, "own_account", NULL, "不能对自己的账号执行此操作");
    char object[64];
    snprintf(object, sizeof object, "account:%s", sh_req_param(req, "id"));
    if (write_audited(req, sql, id, event, object, NULL) != SH_OK)
        return SH_ERR;
    return sh_reply_json(req, 200, account_reply(req, sh_req_param(req, "id")));
}

int sh_admin_disable_account(sh_req *req) {
    /* ending the sessions happens as the account is read disabled on their next request */
    return account_action(req, "account.write",
                          "UPDATE account SET disabled = 1, updated_at = $1 WHERE id = $2",
                          "account_disabled");
}

int sh_admin_enable_account(sh_req *req) {
    /* enabling counts as use, so the inactivity limit starts again */
    return account_action(
        req, "account.write",
        "UPDATE account SET disabled = 0, last_login_at = $1, updated_at = $1 WHERE id = $2",
        "account_enabled");
}

int sh_admin_unlock_account(sh_req *req) {
    return account_action(
        req, "account.unlock",
        "UPDATE account SET failed_logins = 0, locked_until = NULL, updated_at = $1 WHERE id = $2", "unlock");
}

int sh_admin_reset_password(sh_req *req) {
    int64_t id = 0, org = 0;
    if (find_scoped(req, &sh_account_entity, sh_req_param(req, "id"), "account.write", &id, &org) != SH_OK)
        return SH_ERR;
    if (id == sh_principal_of(req)->account_id)
        return sh_err_set(&req->err, 409, "own_account", NULL, "请在“修改密码”中修改自己的密码");
    sh_conn *c = sh_req_conn(req);
    char password[SH_PASSWORD_GENERATED + 1], object[64];
    sh_password_generate(password);
    snprintf(object, sizeof object, "account:%s", sh_req_param(req, "id"));
    sh_stmt *s = sh_prepare(c, "SELECT password_hash FROM account WHERE id = $1", &req->err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, id);
    char old[SH_PASSWORD_HASH_MAX] = "";
    if (sh_step(s, &req->err) == SH_ROW)
        snprintf(old, sizeof old, "%s", sh_col_text(s, 0));
    sh_stmt_done(s);
    if (sh_begin_write(c, &req->err) != SH_OK)
        return SH_ERR;
    if (sh_account_set_password(c, id, old, password, 1, &req->err) != SH_OK ||
        sh_session_end(c, 0, id, "password_reset", &req->err) != SH_OK ||
        sh_audit_req(req, "password_reset", 1, object, NULL) != SH_OK || sh_commit(c, &req->err) != SH_OK) {
        sh_rollback(c);
        sodium_memzero(password, sizeof password);
        return SH_ERR;
    }
    json_t *o = json_object();
    json_object_set_new(o, "initial_password", json_string(password));
    sodium_memzero(password, sizeof password);
    return sh_reply_json(req, 200, o);
}

static json_t *role_json(const sh_role *r) {
    json_t *o = json_object(), *perms = json_array();
    json_object_set_new(o, "code", json_string(r->code));
    json_object_set_new(o, "label", json_string(r->label));
    for (int i = 0; i < SH_ROLE_MAX_PERMS && r->perms[i]; i++)
        json_array_append_new(perms, json_string(r->perms[i]));
    json_object_set_new(o, "permissions", perms);
    json_object_set_new(o, "builtin", json_boolean(r->flags & SH_ROLE_BUILTIN));
    json_object_set_new(o, "triad", json_boolean(r->flags & SH_ROLE_TRIAD));
    json_object_set_new(o, "mfa_required", json_boolean(sh_role_needs_mfa(r)));
    return o;
}

int sh_admin_list_roles(sh_req *req) {
    json_t *o = json_object(), *roles = json_array(), *perms = json_array();
    int n;
    const sh_role *b = sh_builtin_roles(&n);
    for (int i = 0; i < n; i++)
        json_array_append_new(roles, role_json(&b[i]));
    sh_conn *c = sh_req_conn(req);
    sh_stmt *s = c ? sh_prepare(c, "SELECT code FROM role ORDER BY code", &req->err) : NULL;
    if (!s) {
        json_decref(o);
        json_decref(roles);
        json_decref(perms);
        return SH_ERR;
    }
    char codes[64][SH_ROLE_CODE_MAX + 1];
    int nc = 0;
    while (nc < 64 && sh_step(s, &req->err) == SH_ROW)
        snprintf(codes[nc++], sizeof codes[0], "%s", sh_col_text(s, 0));
    sh_stmt_done(s);
    for (int i = 0; i < nc; i++) {
        sh_role r;
        if (sh_role_find(c, codes[i], &r, &req->err) == SH_ROW)
            json_array_append_new(roles, role_json(&r));
    }
    const sh_permission *all = sh_permissions(&n);
    for (int i = 0; i < n; i++) {
        json_t *p = json_object();
        json_object_set_new(p, "name", json_string(all[i].name));
        json_object_set_new(p, "label", json_string(all[i].label));
        json_array_append_new(perms, p);
    }
    json_object_set_new(o, "roles", roles);
    json_object_set_new(o, "permissions", perms);
    return sh_reply_json(req, 200, o);
}

/* Validate a JSON array of permission names into perms (pointing at the shared names). */
static int parse_perm_list(sh_req *req, const json_t *arr, const char **perms, int *n) {
    *n = 0;
    if (!json_is_array(arr) || json_array_size(arr) == 0 || json_array_size(arr) >= SH_ROLE_MAX_PERMS)
        return sh_err_set(&req->err, 400, "invalid_permissions", "permissions",
                          "权限应为 1–%d 个权限名的数组", SH_ROLE_MAX_PERMS - 1);
    int nall;
    const sh_permission *all = sh_permissions(&nall);
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) {
        const char *name = json_string_value(v);
        const char *found = NULL;
        for (int k = 0; name && k < nall && !found; k++)
            if (strcmp(all[k].name, name) == 0)
                found = all[k].name;
        if (!found)
            return sh_err_set(&req->err, 400, "unknown_permission", "permissions", "没有名为“%s”的权限",
                              name ? name : "?");
        perms[(*n)++] = found;
    }
    return SH_OK;
}

int sh_admin_create_role(sh_req *req) {
    json_t *b = NULL;
    if (sh_req_json(req, &b) != SH_OK)
        return SH_ERR;
    int rc = SH_ERR;
    const char *code = json_string_value(json_object_get(b, "code"));
    const char *label = json_string_value(json_object_get(b, "label"));
    sh_role r = {0};
    int n = 0;
    size_t cl = code ? strlen(code) : 0;
    int code_ok = cl >= 3 && cl <= SH_ROLE_CODE_MAX;
    for (size_t i = 0; code_ok && i < cl; i++)
        code_ok = (code[i] >= 'a' && code[i] <= 'z') || (code[i] >= '0' && code[i] <= '9') || code[i] == '_';
    if (!code_ok)
        sh_err_add(&req->err, 400, "invalid_code", "code", NULL, "角色代码应为 3–%d 个小写字母、数字或下划线",
                   SH_ROLE_CODE_MAX);
    if (!label || !*label || strlen(label) >= sizeof r.label)
        sh_err_add(&req->err, 400, "invalid_label", "label", NULL, "请填写角色名称（不超过 30 个字）");
    if (sh_err_count(&req->err) ||
        parse_perm_list(req, json_object_get(b, "permissions"), (const char **)r.perms, &n) != SH_OK)
        goto out;
    if (sh_builtin_role(code))
        sh_err_set(&req->err, 409, "role_exists", "code", "“%s”是内置角色", code);
    sh_conn *c = sh_req_conn(req);
    if (req->err.status || !c || sh_begin_write(c, &req->err) != SH_OK)
        goto out;
    char list[1024] = "";
    for (int i = 0; i < n; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? " " : "", r.perms[i]);
    sh_stmt *s = sh_prepare(c,
                            "INSERT INTO role (code, label, permissions, created_at, updated_at)"
                            " VALUES ($1, $2, $3, $4, $4)",
                            &req->err);
    int st = SH_ERR;
    if (s) {
        sh_bind_text(s, 1, code, -1);
        sh_bind_text(s, 2, label, -1);
        sh_bind_text(s, 3, list, -1);
        sh_bind_i64(s, 4, sh_now_ms());
        st = sh_step(s, &req->err);
        sh_stmt_done(s);
    }
    char object[64];
    snprintf(object, sizeof object, "role:%s", code);
    if (st == SH_ERR || sh_audit_req(req, "role_defined", 1, object, list) != SH_OK ||
        sh_commit(c, &req->err) != SH_OK) {
        sh_rollback(c);
        if (req->err.status == 409)
            sh_err_set(&req->err, 409, "role_exists", "code", "角色代码“%s”已存在", code);
        goto out;
    }
    snprintf(r.code, sizeof r.code, "%s", code);
    snprintf(r.label, sizeof r.label, "%s", label);
    rc = sh_reply_json(req, 201, role_json(&r));
out:
    json_decref(b);
    return rc;
}

int sh_admin_list_assignments(sh_req *req) {
    sh_scope sc;
    return sh_scope_org(req, "role.read", "org_id", &sc) == SH_OK
               ? sh_api_list(req, &sh_role_assignment_entity, &sc)
               : SH_ERR;
}

/* 三员分立 (SEC-09): a triad role is held alone; nobody holds two of them. */
static int triad_conflict(sh_req *req, sh_conn *c, int64_t account, const sh_role *adding) {
    sh_stmt *s = sh_prepare(c, "SELECT role FROM role_assignment WHERE account_id = $1", &req->err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, account);
    int rc, conflict = 0;
    char held[SH_ROLE_CODE_MAX + 1] = "";
    while (!conflict && (rc = sh_step(s, &req->err)) == SH_ROW) {
        const char *code = sh_col_text(s, 0);
        const sh_role *r = sh_builtin_role(code);
        int held_triad = r && (r->flags & SH_ROLE_TRIAD);
        if (strcmp(code, adding->code) != 0 && (held_triad || (adding->flags & SH_ROLE_TRIAD))) {
            conflict = 1;
            snprintf(held, sizeof held, "%s", code);
        }
    }
    sh_stmt_done(s);
    if (rc == SH_ERR)
        return SH_ERR;
    if (conflict) {
        const sh_role *h = sh_builtin_role(held);
        return sh_err_set(&req->err, 409, "separation_of_duties", "role",
                          "三员分立：该账号已有角色“%s”，%s只能单独担任", h ? h->label : held,
                          (adding->flags & SH_ROLE_TRIAD) ? adding->label
                          : h                             ? h->label
                                                          : held);
    }
    return SH_OK;
}

int sh_admin_assign_role(sh_req *req) {
    json_t *b = NULL;
    if (sh_req_json(req, &b) != SH_OK)
        return SH_ERR;
    int rc = SH_ERR;
    const char *acc_uid = json_string_value(json_object_get(b, "account"));
    const char *code = json_string_value(json_object_get(b, "role"));
    int64_t account = 0, account_org = 0, org = 0;
    sh_role role;
    sh_conn *c = sh_req_conn(req);
    if (!c)
        goto out;
    if (!acc_uid ||
        find_scoped(req, &sh_account_entity, acc_uid, "role.assign", &account, &account_org) != SH_OK) {
        sh_err_clear(&req->err);
        sh_err_set(&req->err, 400, "unknown_account", "account", "账号不存在或不在您的管辖范围内");
        goto out;
    }
    int found = code ? sh_role_find(c, code, &role, &req->err) : SH_DONE;
    if (found == SH_ERR)
        goto out;
    if (found == SH_DONE) {
        sh_err_set(&req->err, 400, "unknown_role", "role", "没有这个角色");
        goto out;
    }
    if (org_in_reach(req, "org", json_string_value(json_object_get(b, "org")), "role.assign", &org) != SH_OK)
        goto out;
    int may = sh_can_grant(req, &role, org);
    if (may == SH_ERR)
        goto out;
    if (!may) {
        sh_err_set(&req->err, 403, "cannot_grant", "role", "不能分配超出本人权限的角色“%s”", role.label);
        sh_audit_req(req, "permission_denied", 0, "role_assignment", role.code);
        goto out;
    }
    char kind[16] = "";
    sh_stmt *ks = sh_prepare(c, "SELECT kind FROM org_unit WHERE id = $1", &req->err);
    if (!ks)
        goto out;
    sh_bind_i64(ks, 1, org);
    if (sh_step(ks, &req->err) == SH_ROW)
        snprintf(kind, sizeof kind, "%s", sh_col_text(ks, 0));
    sh_stmt_done(ks);
    if (!sh_role_fits_org(&role, kind)) {
        static const char *const names[][2] = {{"city", "市"},     {"district", "区县"}, {"school", "学校"},
                                               {"campus", "校区"}, {"grade", "年级"},    {"class", "班级"}};
        char where[64] = "";
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
            char word[24];
            snprintf(word, sizeof word, " %s ", names[i][0]);
            if (strstr(role.org_kinds, word))
                snprintf(where + strlen(where), sizeof where - strlen(where), "%s%s", where[0] ? "或" : "",
                         names[i][1]);
        }
        sh_err_set(&req->err, 400, "wrong_org_kind", "org", "“%s”只能分配在%s一级", role.label, where);
        goto out;
    }
    if (sh_begin_write(c, &req->err) != SH_OK)
        goto out;
    char uid[27], object[96];
    snprintf(object, sizeof object, "account:%s", acc_uid);
    if (triad_conflict(req, c, account, &role) == SH_OK &&
        sh_account_grant(c, account, role.code, org, sh_principal_of(req)->account_id, uid, &req->err) ==
            SH_OK &&
        sh_audit_req(req, "role_assigned", 1, object, role.code) == SH_OK &&
        sh_commit(c, &req->err) == SH_OK) {
        if ((rc = sh_api_get(req, &sh_role_assignment_entity, uid, NULL)) == SH_OK)
            req->status = 201;
        goto out;
    }
    sh_rollback(c);
    if (req->err.status == 409 && strcmp(req->err.first.code, "separation_of_duties") != 0)
        sh_err_set(&req->err, 409, "already_assigned", "role", "该账号在此机构已有这个角色");
out:
    json_decref(b);
    return rc;
}

int sh_admin_revoke_role(sh_req *req) {
    int64_t id = 0, org = 0;
    if (find_scoped(req, &sh_role_assignment_entity, sh_req_param(req, "id"), "role.assign", &id, &org) !=
        SH_OK)
        return SH_ERR;
    sh_conn *c = sh_req_conn(req);
    sh_stmt *s = sh_prepare(c, "SELECT role, account_id FROM role_assignment WHERE id = $1", &req->err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, id);
    sh_role role;
    int64_t account = 0;
    char code[SH_ROLE_CODE_MAX + 1] = "";
    if (sh_step(s, &req->err) == SH_ROW) {
        snprintf(code, sizeof code, "%s", sh_col_text(s, 0));
        account = sh_col_i64(s, 1);
    }
    sh_stmt_done(s);
    int may = sh_role_find(c, code, &role, &req->err) == SH_ROW ? sh_can_grant(req, &role, org) : 1;
    if (may == SH_ERR)
        return SH_ERR;
    if (!may)
        return sh_err_set(&req->err, 403, "cannot_grant", NULL, "不能收回超出本人权限的角色");
    if (account == sh_principal_of(req)->account_id)
        return sh_err_set(&req->err, 409, "own_account", NULL, "不能收回自己的角色");
    char object[64];
    snprintf(object, sizeof object, "role_assignment:%s", sh_req_param(req, "id"));
    if (sh_begin_write(c, &req->err) != SH_OK)
        return SH_ERR;
    s = sh_prepare(c, "DELETE FROM role_assignment WHERE id = $1", &req->err);
    int st = SH_ERR;
    if (s) {
        sh_bind_i64(s, 1, id);
        st = sh_step(s, &req->err);
        sh_stmt_done(s);
    }
    if (st == SH_ERR || sh_audit_req(req, "role_revoked", 1, object, code) != SH_OK ||
        sh_commit(c, &req->err) != SH_OK) {
        sh_rollback(c);
        return SH_ERR;
    }
    return sh_reply_empty(req, 204);
}

int sh_admin_list_tokens(sh_req *req) {
    sh_scope sc;
    return sh_scope_org(req, "token.manage", "org_id", &sc) == SH_OK
               ? sh_api_list(req, &sh_api_token_entity, &sc)
               : SH_ERR;
}

int sh_admin_create_token(sh_req *req) {
    json_t *b = NULL;
    if (sh_req_json(req, &b) != SH_OK)
        return SH_ERR;
    int rc = SH_ERR;
    const char *name = json_string_value(json_object_get(b, "name"));
    json_t *days_j = json_object_get(b, "expires_in_days");
    int64_t days = days_j ? json_integer_value(days_j) : 90, org = 0;
    const char *perms[SH_ROLE_MAX_PERMS];
    int n = 0;
    if (!name || !*name || strlen(name) > 100)
        sh_err_add(&req->err, 400, "required", "name", NULL, "请填写令牌名称（说明用途，不超过 100 字节）");
    if (days_j && (!json_is_integer(days_j) || days < 1 || days > 365))
        sh_err_add(&req->err, 400, "out_of_range", "expires_in_days", NULL,
                   "有效天数应为 1 到 365 之间的整数");
    if (sh_err_count(&req->err) ||
        parse_perm_list(req, json_object_get(b, "permissions"), perms, &n) != SH_OK ||
        org_in_reach(req, "org", json_string_value(json_object_get(b, "org")), "token.manage", &org) != SH_OK)
        goto out;
    for (int i = 0; i < n; i++) {
        sh_role one = {.perms = {perms[i], NULL}};
        int may = sh_can_at(req, perms[i], org);
        if (may == SH_ERR)
            goto out;
        if (!may || sh_role_needs_mfa(&one)) {
            sh_err_set(&req->err, 400, "permission_not_allowed", "permissions",
                       "接口令牌不能带有权限“%s”（管理类权限，或超出您在该机构的权限）", perms[i]);
            goto out;
        }
    }
    sh_conn *c = sh_req_conn(req);
    char token[SH_API_TOKEN_TEXT], uid[27], object[64];
    sh_api_token_new t = {.name = name,
                          .owner = sh_principal_of(req)->account_id,
                          .org_id = org,
                          .perms = perms,
                          .nperms = n,
                          .expires_at = sh_now_ms() + days * 86400000LL};
    if (!c || sh_begin_write(c, &req->err) != SH_OK)
        goto out;
    if (sh_api_token_create(c, &t, token, uid, &req->err) != SH_OK ||
        (snprintf(object, sizeof object, "api_token:%s", uid),
         sh_audit_req(req, "token_created", 1, object, name)) != SH_OK ||
        sh_commit(c, &req->err) != SH_OK) {
        sh_rollback(c);
        goto out;
    }
    json_t *o = sh_api_get_json(req, &sh_api_token_entity, uid, NULL);
    if (o) {
        json_object_set_new(o, "token", json_string(token));
        rc = sh_reply_json(req, 201, o);
    }
    sodium_memzero(token, sizeof token);
out:
    json_decref(b);
    return rc;
}

int sh_admin_revoke_token(sh_req *req) {
    int64_t id = 0, org = 0;
    if (find_scoped(req, &sh_api_token_entity, sh_req_param(req, "id"), "token.manage", &id, &org) != SH_OK)
        return SH_ERR;
    char object[64];
    snprintf(object, sizeof object, "api_token:%s", sh_req_param(req, "id"));
    if (write_audited(
            req, "UPDATE api_token SET revoked_at = $1, updated_at = $1 WHERE id = $2 AND revoked_at IS NULL",
            id, "token_revoked", object, NULL) != SH_OK)
        return SH_ERR;
    return sh_reply_empty(req, 204);
}

int sh_admin_get_policy(sh_req *req) {
    sh_security_policy p;
    sh_conn *c = sh_req_conn(req);
    if (!c || sh_security_policy_load(c, &p, &req->err) != SH_OK)
        return SH_ERR;
    return sh_reply_json(req, 200, sh_security_policy_json(&p));
}

int sh_admin_set_policy(sh_req *req) {
    json_t *b = NULL;
    if (sh_req_json(req, &b) != SH_OK)
        return SH_ERR;
    sh_security_policy p;
    sh_conn *c = sh_req_conn(req);
    int rc = SH_ERR;
    sh_security_policy_forget();
    if (!c || sh_security_policy_load(c, &p, &req->err) != SH_OK ||
        sh_security_policy_update(&p, b, &req->err) != SH_OK || sh_begin_write(c, &req->err) != SH_OK)
        goto out;
    char *detail = json_dumps(b, JSON_COMPACT | JSON_SORT_KEYS);
    if (sh_security_policy_save(c, &p, &req->err) != SH_OK ||
        sh_audit_req(req, "policy_changed", 1, "security_policy", detail) != SH_OK ||
        sh_commit(c, &req->err) != SH_OK)
        sh_rollback(c);
    else
        rc = sh_reply_json(req, 200, sh_security_policy_json(&p));
    sh_free(detail);
out:
    json_decref(b);
    return rc;
}
