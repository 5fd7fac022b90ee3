/* module.c — the identity module: its storage (persons, accounts, roles and
 * their assignments, sessions, second factors, API tokens, the security policy),
 * its one route table, and the start hook that installs the access check. */
#include "identity/account.h"

#include "identity/access.h"
#include "identity/handlers.h"
#include "identity/token.h"

extern const sh_entity sh_role_assignment_entity;

/* Bookkeeping tables, declared so every stored column has a grade. */
static const sh_field role_fields[] = {
    SH_FIELD_KEY,
    {.name = "code", .column = "code", .type = SH_T_TEXT, .label = "角色代码", .grade = SH_L1},
    {.name = "label", .column = "label", .type = SH_T_TEXT, .label = "角色名称", .grade = SH_L1},
    {.name = "permissions", .column = "permissions", .type = SH_T_TEXT, .label = "权限", .grade = SH_L1},
    SH_FIELD_CREATED_AT,
    SH_FIELD_UPDATED_AT,
};
static const sh_entity role_entity = {
    .name = "role", .table = "role", .label = "自定义角色", SH_FIELDS(role_fields), .flags = SH_E_INTERNAL};

static const sh_field session_fields[] = {
    SH_FIELD_KEY,
    {.name = "token_hash",
     .column = "token_hash",
     .type = SH_T_TEXT,
     .label = "会话令牌摘要",
     .grade = SH_L4},
    {.name = "account", .column = "account_id", .type = SH_T_INT, .label = "账号", .grade = SH_L2},
    {.name = "stage", .column = "stage", .type = SH_T_TEXT, .label = "登录阶段", .grade = SH_L1},
    {.name = "ip", .column = "ip", .type = SH_T_TEXT, .label = "来源地址", .grade = SH_L3},
    SH_FIELD_CREATED_AT,
    {.name = "last_seen_at",
     .column = "last_seen_at",
     .type = SH_T_TIME,
     .label = "最近活动",
     .grade = SH_L2},
    {.name = "expires_at", .column = "expires_at", .type = SH_T_TIME, .label = "最长有效至", .grade = SH_L1},
    {.name = "ended_at", .column = "ended_at", .type = SH_T_TIME, .label = "结束时间", .grade = SH_L1},
    {.name = "end_reason", .column = "end_reason", .type = SH_T_TEXT, .label = "结束原因", .grade = SH_L1},
};
static const sh_entity session_entity = {.name = "session",
                                         .table = "session",
                                         .label = "登录会话",
                                         SH_FIELDS(session_fields),
                                         .flags = SH_E_INTERNAL};

static const sh_field factor_fields[] = {
    SH_FIELD_KEY,
    {.name = "account", .column = "account_id", .type = SH_T_INT, .label = "账号", .grade = SH_L2},
    {.name = "kind", .column = "kind", .type = SH_T_TEXT, .label = "因子类型", .grade = SH_L1},
    {.name = "state", .column = "state", .type = SH_T_TEXT, .label = "状态", .grade = SH_L1},
    {.name = "secret",
     .column = "secret",
     .type = SH_T_BLOB,
     .label = "密钥（加密）",
     .grade = SH_L4,
     .flags = SH_F_ENCRYPT},
    {.name = "last_step",
     .column = "last_step",
     .type = SH_T_INT,
     .label = "最近使用的时间步",
     .grade = SH_L2},
    SH_FIELD_CREATED_AT,
    {.name = "confirmed_at",
     .column = "confirmed_at",
     .type = SH_T_TIME,
     .label = "绑定时间",
     .grade = SH_L1},
};
static const sh_entity factor_entity = {.name = "auth_factor",
                                        .table = "auth_factor",
                                        .label = "第二认证因子",
                                        SH_FIELDS(factor_fields),
                                        .flags = SH_E_INTERNAL};

static const sh_field recovery_fields[] = {
    {.name = "account", .column = "account_id", .type = SH_T_INT, .label = "账号", .grade = SH_L2},
    {.name = "code_hash", .column = "code_hash", .type = SH_T_TEXT, .label = "恢复码摘要", .grade = SH_L4},
    {.name = "used_at", .column = "used_at", .type = SH_T_TIME, .label = "使用时间", .grade = SH_L1},
};
static const sh_entity recovery_entity = {.name = "recovery_code",
                                          .table = "recovery_code",
                                          .label = "恢复码",
                                          SH_FIELDS(recovery_fields),
                                          .flags = SH_E_INTERNAL};

static const sh_field policy_fields[] = {
    {.name = "name", .column = "name", .type = SH_T_TEXT, .label = "策略项", .grade = SH_L1},
    {.name = "value", .column = "value", .type = SH_T_INT, .label = "取值", .grade = SH_L1},
};
static const sh_entity policy_entity = {.name = "security_policy",
                                        .table = "security_policy",
                                        .label = "安全策略",
                                        SH_FIELDS(policy_fields),
                                        .flags = SH_E_INTERNAL};

static const sh_migration migrations[] = {
    {1, "persons and accounts",
     "CREATE TABLE person (id INTEGER PRIMARY KEY, uid TEXT NOT NULL UNIQUE, name TEXT NOT NULL,"
     " created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);"
     "CREATE TABLE account (id INTEGER PRIMARY KEY, uid TEXT NOT NULL UNIQUE,"
     " person_id INTEGER NOT NULL REFERENCES person(id), login TEXT NOT NULL, login_key TEXT NOT NULL UNIQUE,"
     " password_hash TEXT NOT NULL, must_change_password INTEGER NOT NULL DEFAULT 1,"
     " password_changed_at BIGINT NOT NULL, failed_logins INTEGER NOT NULL DEFAULT 0, locked_until BIGINT,"
     " last_login_at BIGINT, disabled INTEGER NOT NULL DEFAULT 0, created_at BIGINT NOT NULL,"
     " updated_at BIGINT NOT NULL);"
     "CREATE INDEX account_person ON account(person_id);"
     "CREATE TABLE password_history (account_id INTEGER NOT NULL REFERENCES account(id),"
     " password_hash TEXT NOT NULL, changed_at BIGINT NOT NULL, PRIMARY KEY (account_id, changed_at));",
     "CREATE TABLE person (id BIGSERIAL PRIMARY KEY, uid TEXT NOT NULL UNIQUE, name TEXT NOT NULL,"
     " created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);"
     "CREATE TABLE account (id BIGSERIAL PRIMARY KEY, uid TEXT NOT NULL UNIQUE,"
     " person_id BIGINT NOT NULL REFERENCES person(id), login TEXT NOT NULL, login_key TEXT NOT NULL UNIQUE,"
     " password_hash TEXT NOT NULL, must_change_password INTEGER NOT NULL DEFAULT 1,"
     " password_changed_at BIGINT NOT NULL, failed_logins INTEGER NOT NULL DEFAULT 0, locked_until BIGINT,"
     " last_login_at BIGINT, disabled INTEGER NOT NULL DEFAULT 0, created_at BIGINT NOT NULL,"
     " updated_at BIGINT NOT NULL);"
     "CREATE INDEX account_person ON account(person_id);"
     "CREATE TABLE password_history (account_id BIGINT NOT NULL REFERENCES account(id),"
     " password_hash TEXT NOT NULL, changed_at BIGINT NOT NULL, PRIMARY KEY (account_id, changed_at));"},
    {2, "roles, sessions, second factors, API tokens, security policy",
     "ALTER TABLE account ADD COLUMN org_id INTEGER REFERENCES org_unit(id);"
     "CREATE INDEX account_org ON account(org_id);"
     "CREATE TABLE role (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, label TEXT NOT NULL,"
     " permissions TEXT NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);"
     "CREATE TABLE role_assignment (id INTEGER PRIMARY KEY, uid TEXT NOT NULL UNIQUE,"
     " account_id INTEGER NOT NULL REFERENCES account(id), role TEXT NOT NULL,"
     " org_id INTEGER NOT NULL REFERENCES org_unit(id), created_by INTEGER, created_at BIGINT NOT NULL,"
     " updated_at BIGINT NOT NULL, UNIQUE (account_id, role, org_id));"
     "CREATE INDEX role_assignment_org ON role_assignment(org_id);"
     "CREATE TABLE session (id INTEGER PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE,"
     " account_id INTEGER NOT NULL REFERENCES account(id), stage TEXT NOT NULL, ip TEXT,"
     " created_at BIGINT NOT NULL, last_seen_at BIGINT NOT NULL, expires_at BIGINT NOT NULL,"
     " ended_at BIGINT, end_reason TEXT);"
     "CREATE INDEX session_account ON session(account_id);"
     "CREATE TABLE auth_factor (id INTEGER PRIMARY KEY, account_id INTEGER NOT NULL REFERENCES account(id),"
     " kind TEXT NOT NULL, state TEXT NOT NULL, secret BLOB NOT NULL, last_step BIGINT NOT NULL,"
     " created_at BIGINT NOT NULL, confirmed_at BIGINT, UNIQUE (account_id, kind, state));"
     "CREATE TABLE recovery_code (account_id INTEGER NOT NULL REFERENCES account(id), code_hash TEXT NOT NULL,"
     " used_at BIGINT, PRIMARY KEY (account_id, code_hash));"
     "CREATE TABLE api_token (id INTEGER PRIMARY KEY, uid TEXT NOT NULL UNIQUE, name TEXT NOT NULL,"
     " prefix TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE, account_id INTEGER NOT NULL REFERENCES account(id),"
     " org_id INTEGER NOT NULL REFERENCES org_unit(id), permissions TEXT NOT NULL, expires_at BIGINT NOT NULL,"
     " revoked_at BIGINT, last_used_at BIGINT, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);"
     "CREATE INDEX api_token_org ON api_token(org_id);"
     "CREATE TABLE security_policy (name TEXT PRIMARY KEY, value INTEGER NOT NULL);",
     "ALTER TABLE account ADD COLUMN org_id BIGINT REFERENCES org_unit(id);"
     "CREATE INDEX account_org ON account(org_id);"
     "CREATE TABLE role (id BIGSERIAL PRIMARY KEY, code TEXT NOT NULL UNIQUE, label TEXT NOT NULL,"
     " permissions TEXT NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);"
     "CREATE TABLE role_assignment (id BIGSERIAL PRIMARY KEY, uid TEXT NOT NULL UNIQUE,"
     " account_id BIGINT NOT NULL REFERENCES account(id), role TEXT NOT NULL,"
     " org_id BIGINT NOT NULL REFERENCES org_unit(id), created_by BIGINT, created_at BIGINT NOT NULL,"
     " updated_at BIGINT NOT NULL, UNIQUE (account_id, role, org_id));"
     "CREATE INDEX role_assignment_org ON role_assignment(org_id);"
     "CREATE TABLE session (id BIGSERIAL PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE,"
     " account_id BIGINT NOT NULL REFERENCES account(id), stage TEXT NOT NULL, ip TEXT,"
     " created_at BIGINT NOT NULL, last_seen_at BIGINT NOT NULL, expires_at BIGINT NOT NULL,"
     " ended_at BIGINT, end_reason TEXT);"
     "CREATE INDEX session_account ON session(account_id);"
     "CREATE TABLE auth_factor (id BIGSERIAL PRIMARY KEY, account_id BIGINT NOT NULL REFERENCES account(id),"
     " kind TEXT NOT NULL, state TEXT NOT NULL, secret BYTEA NOT NULL, last_step BIGINT NOT NULL,"
     " created_at BIGINT NOT NULL, confirmed_at BIGINT, UNIQUE (account_id, kind, state));"
     "CREATE TABLE recovery_code (account_id BIGINT NOT NULL REFERENCES account(id), code_hash TEXT NOT NULL,"
     " used_at BIGINT, PRIMARY KEY (account_id, code_hash));"
     "CREATE TABLE api_token (id BIGSERIAL PRIMARY KEY, uid TEXT NOT NULL UNIQUE, name TEXT NOT NULL,"
     " prefix TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE, account_id BIGINT NOT NULL REFERENCES account(id),"
     " org_id BIGINT NOT NULL REFERENCES org_unit(id), permissions TEXT NOT NULL, expires_at BIGINT NOT NULL,"
     " revoked_at BIGINT, last_used_at BIGINT, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);"
     "CREATE INDEX api_token_org ON api_token(org_id);"
     "CREATE TABLE security_policy (name TEXT PRIMARY KEY, value INTEGER NOT NULL);"},
    {3, "persons merged into another keep a pointer to it",
     "ALTER TABLE person ADD COLUMN merged_into INTEGER REFERENCES person(id);"
     "CREATE INDEX person_merged_into ON person(merged_into);",
     "ALTER TABLE person ADD COLUMN merged_into BIGINT REFERENCES person(id);"
     "CREATE INDEX person_merged_into ON person(merged_into);"},
};

static const sh_route routes[] = {
    {SH_POST, "/api/v1/auth/login", SH_PUBLIC, sh_auth_login, "登录（登录名和密码）", NULL, NULL, 0, "auth"},
    {SH_POST, "/api/v1/auth/logout", SH_SESSION, sh_auth_logout, "退出登录", NULL, NULL, SH_ROUTE_NO_BODY,
     "auth"},
    {SH_GET, "/api/v1/auth/me", SH_SESSION, sh_auth_me, "当前登录的账号、角色与权限", NULL, NULL, 0, "auth"},
    {SH_POST, "/api/v1/auth/mfa/verify", SH_SESSION, sh_auth_mfa_verify, "输入动态验证码或恢复码完成登录",
     NULL, NULL, 0, "auth"},
    {SH_POST, "/api/v1/auth/mfa/totp", SH_SESSION, sh_auth_totp_begin,
     "开始绑定动态验证码（返回密钥与二维码内容）", NULL, NULL, SH_ROUTE_NO_BODY, "auth"},
    {SH_POST, "/api/v1/auth/mfa/totp/confirm", SH_SESSION, sh_auth_totp_confirm,
     "确认绑定动态验证码（返回恢复码）", NULL, NULL, 0, "auth"},
    {SH_POST, "/api/v1/auth/password", SH_SESSION, sh_auth_password, "修改本人密码", NULL, NULL, 0, "auth"},
    {SH_GET, "/api/v1/accounts", "account.read", sh_admin_list_accounts, "列出账号", NULL, &sh_account_entity,
     SH_ROUTE_LIST},
    {SH_POST, "/api/v1/accounts", "account.write", sh_admin_create_account, "新建账号（返回一次性初始密码）",
     &sh_account_entity, &sh_account_entity, 0},
    {SH_GET, "/api/v1/accounts/{id}", "account.read", sh_admin_get_account, "查看账号", NULL,
     &sh_account_entity, 0},
    {SH_POST, "/api/v1/accounts/{id}/disable", "account.write", sh_admin_disable_account, "停用账号", NULL,
     NULL, SH_ROUTE_NO_BODY},
    {SH_POST, "/api/v1/accounts/{id}/enable", "account.write", sh_admin_enable_account, "启用账号", NULL,
     NULL, SH_ROUTE_NO_BODY},
    {SH_POST, "/api/v1/accounts/{id}/unlock", "account.unlock", sh_admin_unlock_account, "解锁账号", NULL,
     NULL, SH_ROUTE_NO_BODY},
    {SH_POST, "/api/v1/accounts/{id}/reset-password", "account.write", sh_admin_reset_password,
     "重置密码（返回一次性密码，登录后须修改）", NULL, NULL, SH_ROUTE_NO_BODY},
    {SH_GET, "/api/v1/roles", "role.read", sh_admin_list_roles, "列出角色及其权限", NULL, NULL, 0},
    {SH_POST, "/api/v1/roles", "role.write", sh_admin_create_role, "定义自定义角色", NULL, NULL, 0},
    {SH_GET, "/api/v1/role-assignments", "role.read", sh_admin_list_assignments, "列出角色分配", NULL,
     &sh_role_assignment_entity, SH_ROUTE_LIST},
    {SH_POST, "/api/v1/role-assignments", "role.assign", sh_admin_assign_role,
     "给账号分配角色（限定机构范围）", &sh_role_assignment_entity, &sh_role_assignment_entity, 0},
    {SH_DELETE, "/api/v1/role-assignments/{id}", "role.assign", sh_admin_revoke_role, "收回角色", NULL, NULL,
     0},
    {SH_GET, "/api/v1/tokens", "token.manage", sh_admin_list_tokens, "列出接口令牌", NULL,
     &sh_api_token_entity, SH_ROUTE_LIST},
    {SH_POST, "/api/v1/tokens", "token.manage", sh_admin_create_token, "创建接口令牌（令牌只显示一次）", NULL,
     &sh_api_token_entity, 0},
    {SH_DELETE, "/api/v1/tokens/{id}", "token.manage", sh_admin_revoke_token, "撤销接口令牌", NULL, NULL, 0},
    {SH_GET, "/api/v1/security/policy", "policy.read", sh_admin_get_policy, "查看安全策略", NULL, NULL, 0},
    {SH_PUT, "/api/v1/security/policy", "policy.write", sh_admin_set_policy, "修改安全策略", NULL, NULL, 0},
};

static const sh_entity *const entities[] = {&sh_person_entity,
                                            &sh_account_entity,
                                            &sh_password_history_entity,
                                            &sh_role_assignment_entity,
                                            &sh_api_token_entity,
                                            &role_entity,
                                            &session_entity,
                                            &factor_entity,
                                            &recovery_entity,
                                            &policy_entity};

static int start(sh_app *app, sh_err *err) {
    (void)err;
    app->authorize = sh_access_authorize;
    return SH_OK;
}

const sh_module sh_identity_module = {
    .name = "identity",
    .label = "统一身份",
    .routes = routes,
    .nroutes = sizeof routes / sizeof routes[0],
    .migrations = migrations,
    .nmigrations = sizeof migrations / sizeof migrations[0],
    .entities = entities,
    .nentities = sizeof entities / sizeof entities[0],
    .start = start,
};
