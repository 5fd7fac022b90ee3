/* account.c — the identity module's storage of persons and accounts, login
 * normalisation and account creation. Sign-in, sessions, roles and the scope
 * filter build on these tables. */
#include "identity/account.h"

#include "audit/audit.h"
#include "core/clock.h"
#include "identity/password.h"
#include "identity/policy.h"
#include "model/identifiers.h"
#include "org/org.h"

#include <ctype.h>
#include <string.h>

static const sh_field person_fields[] = {
    SH_FIELD_KEY,
    SH_FIELD_UID("人员标识"),
    {.name = "name",
     .column = "name",
     .type = SH_T_TEXT,
     .label = "姓名",
     .grade = SH_L3,
     .max_len = 50,
     .flags = SH_F_REQUIRED,
     .mask = SH_MASK_NAME,
     .check = sh_check_person_name},
    {.name = "merged_into",
     .column = "merged_into",
     .type = SH_T_REF,
     .ref = "person",
     .label = "已合并至",
     .grade = SH_L1,
     .flags = SH_F_IMMUTABLE,
     .doc = "重复登记的人员合并后保留的记录（见 POST /api/v1/persons/{id}/merge）；空表示未被合并"},
    SH_FIELD_CREATED_AT,
    SH_FIELD_UPDATED_AT,
};
const sh_entity sh_person_entity = {
    .name = "person", .table = "person", .label = "人员", SH_FIELDS(person_fields)};

static const sh_field account_fields[] = {
    SH_FIELD_KEY,
    SH_FIELD_UID("账号标识"),
    {.name = "person",
     .column = "person_id",
     .type = SH_T_REF,
     .ref = "person",
     .label = "人员",
     .grade = SH_L2,
     .flags = SH_F_REQUIRED | SH_F_IMMUTABLE},
    {.name = "org",
     .column = "org_id",
     .type = SH_T_REF,
     .ref = "org_unit",
     .label = "所属机构",
     .grade = SH_L1,
     .flags = SH_F_REQUIRED | SH_F_FILTER},
    {.name = "login",
     .column = "login",
     .type = SH_T_TEXT,
     .label = "登录名",
     .grade = SH_L2,
     .max_len = SH_LOGIN_MAX,
     .flags = SH_F_REQUIRED | SH_F_FILTER},
    {.name = "_login_key",
     .column = "login_key",
     .type = SH_T_TEXT,
     .label = "登录名（规范化）",
     .grade = SH_L2,
     .flags = SH_F_INTERNAL | SH_F_UNIQUE},
    {.name = "_password",
     .column = "password_hash",
     .type = SH_T_TEXT,
     .label = "密码摘要",
     .grade = SH_L4,
     .flags = SH_F_INTERNAL},
    {.name = "must_change_password",
     .column = "must_change_password",
     .type = SH_T_BOOL,
     .label = "须修改密码",
     .grade = SH_L1,
     .flags = SH_F_READONLY},
    {.name = "password_changed_at",
     .column = "password_changed_at",
     .type = SH_T_TIME,
     .label = "密码修改时间",
     .grade = SH_L2,
     .flags = SH_F_READONLY},
    {.name = "_failed",
     .column = "failed_logins",
     .type = SH_T_INT,
     .label = "连续失败次数",
     .grade = SH_L2,
     .flags = SH_F_INTERNAL},
    {.name = "locked_until",
     .column = "locked_until",
     .type = SH_T_TIME,
     .label = "锁定至",
     .grade = SH_L2,
     .flags = SH_F_READONLY},
    {.name = "last_login_at",
     .column = "last_login_at",
     .type = SH_T_TIME,
     .label = "最近登录",
     .grade = SH_L2,
     .flags = SH_F_READONLY},
    {.name = "disabled",
     .column = "disabled",
     .type = SH_T_BOOL,
     .label = "已停用",
     .grade = SH_L1,
     .flags = SH_F_FILTER},
    SH_FIELD_CREATED_AT,
    SH_FIELD_UPDATED_AT,
};
const sh_entity sh_account_entity = {
    .name = "account", .table = "account", .label = "账号", SH_FIELDS(account_fields)};

static const sh_field history_fields[] = {
    {.name = "account", .column = "account_id", .type = SH_T_INT, .label = "账号", .grade = SH_L2},
    {.name = "password_hash",
     .column = "password_hash",
     .type = SH_T_TEXT,
     .label = "旧密码摘要",
     .grade = SH_L4},
    {.name = "changed_at", .column = "changed_at", .type = SH_T_TIME, .label = "修改时间", .grade = SH_L2},
};
const sh_entity sh_password_history_entity = {.name = "password_history",
                                              .table = "password_history",
                                              .label = "密码历史",
                                              SH_FIELDS(history_fields),
                                              .flags = SH_E_INTERNAL};

int sh_login_normalise(const char *in, char display[SH_LOGIN_MAX + 1], char key[SH_LOGIN_MAX + 1],
                       sh_err *err) {
    sh_pool *p = sh_pool_create();
    char *v = p ? sh_normalise_text(p, in) : NULL;
    if (!v) {
        sh_pool_destroy(p);
        return sh_err_set(err, 500, "out_of_memory", "login", "内存不足");
    }
    size_t n = strlen(v);
    int ok = n >= 3 && n <= SH_LOGIN_MAX;
    for (size_t i = 0; ok && i < n; i++)
        ok = isalnum((unsigned char)v[i]) || strchr("._-@", v[i]) != NULL;
    if (ok) {
        memcpy(display, v, n + 1);
        for (size_t i = 0; i <= n; i++)
            key[i] = (char)tolower((unsigned char)v[i]);
    }
    sh_pool_destroy(p);
    if (!ok)
        return sh_err_add(err, 400, "invalid_login", "login", NULL,
                          "登录名应为 3–%d 个字母、数字或 . _ - @ 字符", SH_LOGIN_MAX);
    return SH_OK;
}

static int insert_account(sh_conn *c, const sh_account_new *n, const char *name, const char *display,
                          const char *key, int64_t *account_id, char account_uid[27], sh_err *err);

int sh_account_create(sh_conn *c, const sh_account_new *n, int64_t *account_id, char account_uid[27],
                      sh_err *err) {
    char display[SH_LOGIN_MAX + 1], key[SH_LOGIN_MAX + 1];
    sh_password_policy policy;
    sh_security_policy sec;
    if (sh_security_policy_load(c, &sec, err) != SH_OK)
        return SH_ERR;
    policy = sec.password;
    size_t before = sh_err_count(err);
    if (sh_login_normalise(n->login, display, key, err) == SH_OK)
        sh_password_check(&policy, key, n->password, err);
    else
        sh_password_check(&policy, NULL, n->password, err);
    sh_pool *pool = sh_pool_create();
    const char *name = NULL;
    if (!pool)
        return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    if (!n->person_id && (!n->name || !*n->name))
        sh_err_add(err, 400, "required", "name", NULL, "缺少姓名");
    else if (!n->person_id) /* the person's name as declared: trimmed, at most 50 characters */
        sh_field_parse_text(pool, sh_entity_field(&sh_person_entity, "name"), n->name, &name, err);
    if (sh_err_count(err) > before) {
        sh_pool_destroy(pool);
        return SH_ERR;
    }
    int rc = insert_account(c, n, name, display, key, account_id, account_uid, err);
    sh_pool_destroy(pool);
    return rc;
}

/* The writes of sh_account_create, after validation. */
static int insert_account(sh_conn *c, const sh_account_new *n, const char *name, const char *display,
                          const char *key, int64_t *account_id, char account_uid[27], sh_err *err) {
    sh_stmt *s = sh_prepare(c, "SELECT 1 FROM account WHERE login_key = $1", err);
    if (!s)
        return SH_ERR;
    sh_bind_text(s, 1, key, -1);
    int rc = sh_step(s, err);
    sh_stmt_done(s);
    if (rc == SH_ERR)
        return SH_ERR;
    if (rc == SH_ROW)
        return sh_err_set(err, 409, "login_taken", "login", "登录名“%s”已被使用（不区分大小写）", display);
    char hash[SH_PASSWORD_HASH_MAX];
    if (sh_password_hash(n->password, hash, err) != SH_OK)
        return SH_ERR;
    int64_t now = sh_now_ms(), person = n->person_id;
    char uid[27];
    if (!person) {
        sh_new_uid(uid);
        s = sh_prepare(
            c, "INSERT INTO person (uid, name, created_at, updated_at) VALUES ($1, $2, $3, $3) RETURNING id",
            err);
        if (!s)
            return SH_ERR;
        sh_bind_text(s, 1, uid, -1);
        sh_bind_text(s, 2, name, -1);
        sh_bind_i64(s, 3, now);
        rc = sh_step(s, err);
        if (rc == SH_ROW)
            person = sh_col_i64(s, 0);
        sh_stmt_done(s);
        if (rc != SH_ROW)
            return SH_ERR;
    }
    sh_new_uid(uid);
    s = sh_prepare(
        c,
        "INSERT INTO account (uid, person_id, login, login_key, password_hash, must_change_password,"
        " password_changed_at, org_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $7, $7)"
        " RETURNING id",
        err);
    if (!s)
        return SH_ERR;
    sh_bind_text(s, 1, uid, -1);
    sh_bind_i64(s, 2, person);
    sh_bind_text(s, 3, display, -1);
    sh_bind_text(s, 4, key, -1);
    sh_bind_text(s, 5, hash, -1);
    sh_bind_i64(s, 6, n->must_change ? 1 : 0);
    sh_bind_i64(s, 7, now);
    if (n->org_id)
        sh_bind_i64(s, 8, n->org_id);
    else
        sh_bind_null(s, 8);
    rc = sh_step(s, err);
    if (rc == SH_ROW)
        *account_id = sh_col_i64(s, 0);
    sh_stmt_done(s);
    sodium_memzero(hash, sizeof hash);
    if (rc != SH_ROW)
        return SH_ERR;
    char object[64];
    snprintf(object, sizeof object, "account:%s", uid);
    if (account_uid)
        memcpy(account_uid, uid, sizeof uid);
    sh_audit_event ev = {.event = "account_created",
                         .ok = 1,
                         .account_id = n->actor_id,
                         .actor = n->actor ? n->actor : "cli",
                         .ip = n->actor_ip,
                         .object = object,
                         .detail = display};
    return sh_audit_write(c, &ev, err);
}

int sh_account_grant(sh_conn *c, int64_t account_id, const char *role, int64_t org_id, int64_t created_by,
                     char uid[27], sh_err *err) {
    sh_new_uid(uid);
    sh_stmt *s =
        sh_prepare(c,
                   "INSERT INTO role_assignment (uid, account_id, role, org_id, created_by, created_at,"
                   " updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)",
                   err);
    if (!s)
        return SH_ERR;
    sh_bind_text(s, 1, uid, -1);
    sh_bind_i64(s, 2, account_id);
    sh_bind_text(s, 3, role, -1);
    sh_bind_i64(s, 4, org_id);
    if (created_by)
        sh_bind_i64(s, 5, created_by);
    else
        sh_bind_null(s, 5);
    sh_bind_i64(s, 6, sh_now_ms());
    int rc = sh_step(s, err);
    sh_stmt_done(s);
    return rc == SH_ERR ? SH_ERR : SH_OK;
}

int sh_identity_initialised(sh_db *db, sh_err *err) {
    sh_conn *c = sh_db_acquire(db, err);
    if (!c)
        return SH_ERR;
    int64_t n = 0;
    int rc = sh_query_i64(c, "SELECT COUNT(*) FROM account", &n, err);
    sh_db_release(c);
    return rc == SH_ERR ? SH_ERR : n > 0;
}

int sh_account_disable_inactive(sh_conn *c, int inactive_days, int *count, sh_err *err) {
    int64_t cutoff = sh_now_ms() - (int64_t)inactive_days * 86400000LL;
    *count = 0;
    if (sh_begin_write(c, err) != SH_OK)
        return SH_ERR;
    sh_stmt *s = sh_prepare(c,
                            "SELECT id, uid FROM account WHERE disabled = 0"
                            " AND COALESCE(last_login_at, created_at) < $1 ORDER BY id LIMIT 1000",
                            err);
    int rc = s ? SH_OK : SH_ERR;
    int64_t ids[1000];
    char uids[1000][27];
    int n = 0, st = SH_DONE;
    if (s) {
        sh_bind_i64(s, 1, cutoff);
        while (n < 1000 && (st = sh_step(s, err)) == SH_ROW) {
            ids[n] = sh_col_i64(s, 0);
            snprintf(uids[n], sizeof uids[n], "%s", sh_col_text(s, 1));
            n++;
        }
        sh_stmt_done(s);
        rc = st == SH_ERR ? SH_ERR : SH_OK;
    }
    for (int i = 0; i < n && rc == SH_OK; i++) {
        s = sh_prepare(c, "UPDATE account SET disabled = 1, updated_at = $1 WHERE id = $2", err);
        if (!s) {
            rc = SH_ERR;
            break;
        }
        sh_bind_i64(s, 1, sh_now_ms());
        sh_bind_i64(s, 2, ids[i]);
        rc = sh_step(s, err) == SH_ERR ? SH_ERR : SH_OK;
        sh_stmt_done(s);
        char object[64], detail[64];
        snprintf(object, sizeof object, "account:%.26s", uids[i]);
        snprintf(detail, sizeof detail, "超过 %d 天未使用，自动停用", inactive_days);
        sh_audit_event ev = {
            .event = "account_disabled", .ok = 1, .actor = "system", .object = object, .detail = detail};
        if (rc == SH_OK)
            rc = sh_audit_write(c, &ev, err);
    }
    if (rc == SH_OK && sh_commit(c, err) == SH_OK) {
        *count = n;
        return SH_OK;
    }
    sh_rollback(c);
    return SH_ERR;
}
