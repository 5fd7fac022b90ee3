/* auth_api.c — the sign-in API: login (password, then the second factor when a
 * role needs one), logout, me, password change and TOTP enrolment, with lockout
 * (SEC-04), forced and periodic password change (SEC-03), inactivity (SEC-08) and
 * every step audited (SEC-10). */
#include "identity/handlers.h"

#include "audit/audit.h"
#include "core/clock.h"
#include "core/log.h"
#include "identity/access.h"
#include "identity/account.h"
#include "identity/factor.h"
#include "identity/session.h"
#include "xapi/xapi.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define DAY_MS 86400000LL

typedef struct account_row {
    int64_t id, org_id, password_changed_at, locked_until, last_login_at, created_at;
    int failed, disabled, must_change;
    char uid[27], login[SH_LOGIN_MAX + 1], hash[SH_PASSWORD_HASH_MAX];
} account_row;

static int load_by(sh_conn *c, const char *where, const char *text, int64_t id, account_row *a, sh_err *err) {
    char sql[400];
    snprintf(sql, sizeof sql,
             "SELECT id, uid, login, password_hash, org_id, password_changed_at, COALESCE(locked_until, 0),"
             " COALESCE(last_login_at, 0), created_at, failed_logins, disabled, must_change_password"
             " FROM account WHERE %s = $1",
             where);
    sh_stmt *s = sh_prepare(c, sql, err);
    if (!s)
        return SH_ERR;
    if (text)
        sh_bind_text(s, 1, text, -1);
    else
        sh_bind_i64(s, 1, id);
    int rc = sh_step(s, err);
    if (rc == SH_ROW) {
        a->id = sh_col_i64(s, 0);
        snprintf(a->uid, sizeof a->uid, "%s", sh_col_text(s, 1));
        snprintf(a->login, sizeof a->login, "%s", sh_col_text(s, 2));
        snprintf(a->hash, sizeof a->hash, "%s", sh_col_text(s, 3));
        a->org_id = sh_col_i64(s, 4);
        a->password_changed_at = sh_col_i64(s, 5);
        a->locked_until = sh_col_i64(s, 6);
        a->last_login_at = sh_col_i64(s, 7);
        a->created_at = sh_col_i64(s, 8);
        a->failed = (int)sh_col_i64(s, 9);
        a->disabled = (int)sh_col_i64(s, 10);
        a->must_change = (int)sh_col_i64(s, 11);
    }
    sh_stmt_done(s);
    return rc;
}

static int exec_i64(sh_conn *c, const char *sql, int64_t a, int64_t b, sh_err *err) {
    sh_stmt *s = sh_prepare(c, sql, err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, a);
    sh_bind_i64(s, 2, b);
    int rc = sh_step(s, err);
    sh_stmt_done(s);
    return rc == SH_ERR ? SH_ERR : SH_OK;
}

/* Audit from the sign-in path, where the caller is known by login only. */
static int audit_login(sh_req *req, sh_conn *c, const account_row *a, const char *login, const char *event,
                       int ok, const char *detail) {
    char object[64];
    snprintf(object, sizeof object, "account:%s", a && a->id ? a->uid : "-");
    sh_audit_event ev = {.event = event,
                         .ok = ok,
                         .account_id = a ? a->id : 0,
                         .actor = a && a->id ? a->login : login,
                         .ip = req->client_ip,
                         .object = object,
                         .detail = detail};
    return sh_audit_write(c, &ev, &req->err);
}

static int password_due(const account_row *a, const sh_security_policy *pol, int64_t now) {
    return a->must_change || now - a->password_changed_at >= (int64_t)pol->password.max_age_days * DAY_MS;
}

/* The stage after the password (or after the second factor when mfa_done). */
static int next_stage(sh_conn *c, const sh_principal *p, const account_row *a, const sh_security_policy *pol,
                      int mfa_done, const char **stage, sh_err *err) {
    int need_mfa = 0;
    for (int i = 0; i < p->ngrants; i++)
        need_mfa |= sh_role_needs_mfa(&p->grants[i].role);
    if (need_mfa && !mfa_done) {
        const sh_factor_kind *k = sh_factor_active(c, a->id, err);
        if (!k && err->status)
            return SH_ERR;
        *stage = k ? SH_STAGE_MFA : SH_STAGE_MFA_ENROL;
        return SH_OK;
    }
    *stage = password_due(a, pol, sh_now_ms()) ? SH_STAGE_PASSWORD : SH_STAGE_ACTIVE;
    return SH_OK;
}

static void set_cookie(sh_req *req, const char *token, int max_age) {
    const char *proto = sh_req_header(req, "X-Forwarded-Proto");
    char v[160];
    snprintf(v, sizeof v, "%s=%s; Path=/; Max-Age=%d; HttpOnly; SameSite=Strict%s", SH_SESSION_COOKIE, token,
             max_age, proto && strcmp(proto, "https") == 0 ? "; Secure" : "");
    sh_reply_header(req, "Set-Cookie", v);
}

/* {idle_minutes, expires_at}: when the session ends if nothing more is asked
 * (the idle timeout of the policy, counted by the server from its last request)
 * and at the latest (ISO time), so the console can warn before either. */
static json_t *session_json(sh_req *req, sh_conn *c, int64_t session_id) {
    sh_security_policy pol;
    int64_t expires = 0;
    json_t *o = json_object();
    if (sh_security_policy_load(c, &pol, &req->err) != SH_OK)
        return o;
    json_object_set_new(o, "idle_minutes", json_integer(pol.idle_minutes));
    sh_stmt *s = sh_prepare(c, "SELECT expires_at FROM session WHERE id = $1", &req->err);
    if (!s)
        return o;
    sh_bind_i64(s, 1, session_id);
    if (sh_step(s, &req->err) == SH_ROW)
        expires = sh_col_i64(s, 0);
    sh_stmt_done(s);
    if (expires) {
        char iso[SH_ISO_LEN];
        sh_fmt_iso_ms(expires, iso);
        json_object_set_new(o, "expires_at", json_string(iso));
    }
    return o;
}

/* {stage, csrf_token, account, roles, …}: what the console needs after each step. */
static json_t *me_json(sh_req *req, sh_conn *c, const sh_principal *p) {
    json_t *o = json_object(), *roles = json_array(), *perms = json_array();
    json_object_set_new(o, "stage", json_string(p->session_id ? p->stage : SH_STAGE_ACTIVE));
    if (p->session_id)
        json_object_set_new(o, "csrf_token", json_string(p->csrf));
    json_t *acc = json_object();
    json_object_set_new(acc, "id", json_string(p->account_uid));
    json_object_set_new(acc, "login", json_string(p->login));
    sh_stmt *s =
        sh_prepare(c,
                   "SELECT p.name, a.must_change_password, a.password_changed_at,"
                   " (SELECT count(*) FROM auth_factor f WHERE f.account_id = a.id AND f.state = 'active')"
                   " FROM account a JOIN person p ON p.id = a.person_id WHERE a.id = $1",
                   &req->err);
    if (s) {
        sh_bind_i64(s, 1, p->account_id);
        if (sh_step(s, &req->err) == SH_ROW) {
            json_object_set_new(acc, "name", json_string(sh_col_text(s, 0)));
            json_object_set_new(acc, "must_change_password", json_boolean(sh_col_i64(s, 1)));
            json_object_set_new(acc, "password_changed_at", json_integer(sh_col_i64(s, 2)));
            json_object_set_new(acc, "mfa_enrolled", json_boolean(sh_col_i64(s, 3) > 0));
        }
        sh_stmt_done(s);
    }
    json_object_set_new(o, "account", acc);
    int need_mfa = 0;
    s = sh_prepare(c, "SELECT uid, kind, name FROM org_unit WHERE id = $1", &req->err);
    for (int i = 0; s && i < p->ngrants; i++) {
        const sh_grant *g = &p->grants[i];
        need_mfa |= sh_role_needs_mfa(&g->role);
        json_t *r = json_object();
        json_object_set_new(r, "role", json_string(g->role.code));
        json_object_set_new(r, "label", json_string(g->role.label));
        sh_stmt_reset(s);
        sh_bind_i64(s, 1, g->org_id);
        if (sh_step(s, &req->err) == SH_ROW) {
            json_t *org = json_object();
            json_object_set_new(org, "id", json_string(sh_col_text(s, 0)));
            json_object_set_new(org, "kind", json_string(sh_col_text(s, 1)));
            json_object_set_new(org, "name", json_string(sh_col_text(s, 2)));
            json_object_set_new(r, "org", org);
        }
        json_array_append_new(roles, r);
        for (int j = 0; j < SH_ROLE_MAX_PERMS && g->role.perms[j]; j++) {
            int dup = 0;
            for (size_t k = 0; k < json_array_size(perms) && !dup; k++)
                dup = strcmp(json_string_value(json_array_get(perms, k)), g->role.perms[j]) == 0;
            if (!dup)
                json_array_append_new(perms, json_string(g->role.perms[j]));
        }
    }
    if (s)
        sh_stmt_done(s);
    json_object_set_new(o, "roles", roles);
    json_object_set_new(o, "permissions", perms);
    json_object_set_new(o, "mfa_required", json_boolean(need_mfa));
    json_object_set_new(o, "demo", json_boolean(req->app->demo));
    if (p->session_id)
        json_object_set_new(o, "session", session_json(req, c, p->session_id));
    return o;
}

/* The request body held a password or a code in clear: wipe it (SEC-17). */
static void forget_body(sh_req *req) {
    if (req->body.data)
        sodium_memzero(req->body.data, req->body.len);
}

static const char *body_string(const json_t *b, const char *name) {
    return json_string_value(json_object_get(b, name));
}

/* Build the principal of a just-authenticated account (no session yet). */
static int principal_for(sh_req *req, sh_conn *c, const account_row *a, sh_principal **out) {
    sh_principal *p = sh_pcalloc(req->pool, sizeof *p);
    if (!p)
        return sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
    p->account_id = a->id;
    p->org_id = a->org_id;
    snprintf(p->account_uid, sizeof p->account_uid, "%s", a->uid);
    snprintf(p->login, sizeof p->login, "%s", a->login);
    if (sh_principal_load_grants(c, p, &req->err) != SH_OK)
        return SH_ERR;
    *out = p;
    return SH_OK;
}

/* Count a failed proof (password or second factor); lock at the threshold. Runs in
 * its own write transaction; returns 1 when this failure locked the account. */
static int count_failure(sh_req *req, sh_conn *c, account_row *a, const sh_security_policy *pol,
                         const char *what) {
    int64_t now = sh_now_ms();
    int locked = a->failed + 1 >= pol->lock_threshold;
    if (sh_begin_write(c, &req->err) != SH_OK)
        return SH_ERR;
    int rc = locked ? exec_i64(c, "UPDATE account SET failed_logins = 0, locked_until = $1 WHERE id = $2",
                               now + (int64_t)pol->lock_minutes * 60000, a->id, &req->err)
                    : exec_i64(c, "UPDATE account SET failed_logins = failed_logins + $1 WHERE id = $2", 1,
                               a->id, &req->err);
    char detail[80];
    snprintf(detail, sizeof detail, "%s；连续失败 %d 次", what, a->failed + 1);
    if (rc == SH_OK)
        rc = audit_login(req, c, a, NULL, "login_failed", 0, detail);
    if (rc == SH_OK && locked) {
        snprintf(detail, sizeof detail, "连续失败 %d 次，锁定 %d 分钟", a->failed + 1, pol->lock_minutes);
        rc = audit_login(req, c, a, NULL, "lock", 1, detail);
    }
    if (rc == SH_OK)
        rc = sh_commit(c, &req->err);
    if (rc != SH_OK) {
        sh_rollback(c);
        return SH_ERR;
    }
    return locked;
}

static int locked_error(sh_req *req, int64_t until) {
    int64_t mins = (until - sh_now_ms() + 59999) / 60000;
    return sh_err_set(&req->err, 423, "account_locked", NULL,
                      "连续登录失败次数过多，账号已锁定，请 %lld 分钟后再试或联系管理员解锁",
                      (long long)mins);
}

/* Disable inactive accounts at most once an hour, on the sign-in path (which
 * writes anyway): the first sign-in after a start sweeps, then hourly. */
static void sweep_inactive(sh_conn *c, const sh_security_policy *pol) {
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    static int64_t last;
    int64_t now = sh_now_ms();
    pthread_mutex_lock(&lock);
    int due = now - last >= 3600000;
    if (due)
        last = now;
    pthread_mutex_unlock(&lock);
    sh_err e;
    sh_err_init(&e);
    int n = 0;
    if (due && sh_account_disable_inactive(c, pol->inactive_days, &n, &e) != SH_OK)
        sh_log(SH_LOG_WARN, "inactive_sweep_failed", "%s", e.first.message);
    sh_err_clear(&e);
}

int sh_auth_login(sh_req *req) {
    json_t *b = NULL;
    if (sh_req_json(req, &b) != SH_OK)
        return SH_ERR;
    const char *login_in = body_string(b, "login"), *password = body_string(b, "password");
    char display[SH_LOGIN_MAX + 1], key[SH_LOGIN_MAX + 1];
    int rc = SH_ERR;
    if (!login_in || !password) {
        if (!login_in)
            sh_err_add(&req->err, 400, "required", "login", NULL, "请输入登录名");
        if (!password)
            sh_err_add(&req->err, 400, "required", "password", NULL, "请输入密码");
        goto out;
    }
    if (strlen(password) > (size_t)4 * SH_PASSWORD_MAX_LEN ||
        sh_login_normalise(login_in, display, key, &req->err) != SH_OK) {
        sh_err_clear(&req->err);
        sh_err_set(&req->err, 401, "invalid_credentials", NULL, "登录名或密码不正确");
        goto out;
    }
    sh_conn *c = sh_req_conn(req);
    sh_security_policy pol;
    account_row a = {0};
    if (!c || sh_security_policy_load(c, &pol, &req->err) != SH_OK)
        goto out;
    sweep_inactive(c, &pol);
    int found = load_by(c, "login_key", key, 0, &a, &req->err);
    if (found == SH_ERR)
        goto out;
    int64_t now = sh_now_ms();
    if (found == SH_DONE) {
        /* the same work as a real check, so timing does not tell which logins exist */
        static const char dummy[] = "$argon2id$v=19$m=65536,t=3,p=1$c29tZXNhbHRzb21lc2FsdA$"
                                    "2mDqHRIJ0nqtjwGLwr2TQoVBBzjgTfVYbvlDtDRZ4uY";
        sh_password_verify(dummy, password);
        if (audit_login(req, c, NULL, display, "login_failed", 0, "登录名不存在") == SH_OK)
            sh_err_set(&req->err, 401, "invalid_credentials", NULL, "登录名或密码不正确");
        goto out;
    }
    if (a.locked_until > now) {
        if (audit_login(req, c, &a, NULL, "login_failed", 0, "账号已锁定") == SH_OK)
            locked_error(req, a.locked_until);
        goto out;
    }
    if (!sh_password_verify(a.hash, password)) {
        int locked = count_failure(req, c, &a, &pol, "密码错误");
        if (locked == 1)
            locked_error(req, now + (int64_t)pol.lock_minutes * 60000);
        else if (locked == 0)
            sh_err_set(&req->err, 401, "invalid_credentials", NULL, "登录名或密码不正确");
        goto out;
    }
    int64_t last_use = a.last_login_at ? a.last_login_at : a.created_at;
    int inactive = !a.disabled && now - last_use >= (int64_t)pol.inactive_days * DAY_MS;
    if (a.disabled || inactive) {
        if (sh_begin_write(c, &req->err) != SH_OK)
            goto out;
        if ((!inactive || (exec_i64(c, "UPDATE account SET disabled = 1, updated_at = $1 WHERE id = $2", now,
                                    a.id, &req->err) == SH_OK &&
                           audit_login(req, c, &a, NULL, "account_disabled", 1,
                                       "超过闲置期限未使用，自动停用") == SH_OK)) &&
            audit_login(req, c, &a, NULL, "login_failed", 0, "账号已停用") == SH_OK &&
            sh_commit(c, &req->err) == SH_OK) {
            if (inactive)
                sh_err_set(&req->err, 403, "account_inactive", NULL,
                           "账号超过 %d 天未使用，已自动停用，请联系管理员启用", pol.inactive_days);
            else
                sh_err_set(&req->err, 403, "account_disabled", NULL, "账号已停用，请联系管理员");
        } else {
            sh_rollback(c);
        }
        goto out;
    }
    sh_principal *p = NULL;
    const char *stage = NULL;
    char token[SH_TOKEN_TEXT];
    sh_session ses;
    if (principal_for(req, c, &a, &p) != SH_OK || !p ||
        next_stage(c, p, &a, &pol, 0, &stage, &req->err) != SH_OK)
        goto out;
    if (sh_begin_write(c, &req->err) != SH_OK)
        goto out;
    char hash[SH_PASSWORD_HASH_MAX];
    int rehash = sh_password_needs_rehash(a.hash) && sh_password_hash(password, hash, &req->err) == SH_OK;
    sh_stmt *s =
        rehash ? sh_prepare(c, "UPDATE account SET password_hash = $1 WHERE id = $2", &req->err) : NULL;
    if (s) {
        sh_bind_text(s, 1, hash, -1);
        sh_bind_i64(s, 2, a.id);
        sh_step(s, &req->err);
        sh_stmt_done(s);
    }
    if (exec_i64(
            c, "UPDATE account SET failed_logins = 0, locked_until = NULL, last_login_at = $1 WHERE id = $2",
            now, a.id, &req->err) != SH_OK ||
        sh_session_create(c, a.id, stage, req->client_ip, &pol, token, &ses, &req->err) != SH_OK ||
        audit_login(req, c, &a, NULL, "login", 1, strcmp(stage, SH_STAGE_ACTIVE) ? stage : NULL) != SH_OK ||
        sh_commit(c, &req->err) != SH_OK || sh_session_csrf(token, p->csrf) != SH_OK) {
        sh_rollback(c);
        if (!req->err.status)
            sh_err_set(&req->err, 500, "keys_missing", NULL, "服务器密钥未加载");
        goto out;
    }
    p->session_id = ses.id;
    snprintf(p->stage, sizeof p->stage, "%s", stage);
    req->principal = p;
    if (strcmp(stage, SH_STAGE_ACTIVE) == 0)
        sh_xapi_record(req, &(sh_xapi_event){.verb = SH_XAPI_SIGNED_IN, .type = SH_XAPI_PLATFORM});
    set_cookie(req, token, pol.session_hours * 3600);
    sodium_memzero(token, sizeof token);
    rc = sh_reply_json(req, 200, me_json(req, c, p));
out:
    if (password)
        sodium_memzero((char *)password, strlen(password));
    forget_body(req);
    json_decref(b);
    return rc;
}

int sh_auth_logout(sh_req *req) {
    const sh_principal *p = req->principal;
    if (!p->session_id)
        return sh_err_set(&req->err, 400, "not_a_session", NULL, "接口令牌无需退出登录");
    sh_conn *c = sh_req_conn(req);
    if (!c || sh_begin_write(c, &req->err) != SH_OK)
        return SH_ERR;
    if (sh_session_end(c, p->session_id, 0, "logout", &req->err) != SH_OK ||
        sh_audit_req(req, "logout", 1, NULL, NULL) != SH_OK || sh_commit(c, &req->err) != SH_OK) {
        sh_rollback(c);
        return SH_ERR;
    }
    if (strcmp(p->stage, SH_STAGE_ACTIVE) == 0)
        sh_xapi_record(req, &(sh_xapi_event){.verb = SH_XAPI_SIGNED_OUT, .type = SH_XAPI_PLATFORM});
    set_cookie(req, "", 0);
    return sh_reply_empty(req, 204);
}

int sh_auth_me(sh_req *req) {
    sh_conn *c = sh_req_conn(req);
    return c ? sh_reply_json(req, 200, me_json(req, c, req->principal)) : SH_ERR;
}

/* Move a session on after a step of sign-in, audited with the step's event. */
static int advance(sh_req *req, sh_conn *c, sh_principal *p, const account_row *a, const char *event,
                   const char *detail, json_t *reply) {
    sh_security_policy pol;
    const char *stage;
    if (sh_security_policy_load(c, &pol, &req->err) != SH_OK ||
        next_stage(c, p, a, &pol, 1, &stage, &req->err) != SH_OK)
        goto fail;
    if (p->session_id && sh_session_set_stage(c, p->session_id, stage, &req->err) != SH_OK)
        goto fail;
    if (exec_i64(c, "UPDATE account SET failed_logins = $1 WHERE id = $2", 0, a->id, &req->err) != SH_OK ||
        sh_audit_req(req, event, 1, NULL, detail) != SH_OK || sh_commit(c, &req->err) != SH_OK)
        goto fail;
    if (strcmp(p->stage, SH_STAGE_ACTIVE) != 0 && strcmp(stage, SH_STAGE_ACTIVE) == 0) /* signed in now */
        sh_xapi_record(req, &(sh_xapi_event){.verb = SH_XAPI_SIGNED_IN, .type = SH_XAPI_PLATFORM});
    snprintf(p->stage, sizeof p->stage, "%s", stage);
    json_t *o = me_json(req, c, p);
    if (reply && o)
        json_object_update(o, reply);
    json_decref(reply);
    return sh_reply_json(req, 200, o);
fail:
    sh_rollback(c);
    json_decref(reply);
    return SH_ERR;
}

int sh_auth_mfa_verify(sh_req *req) {
    sh_principal *p = req->principal;
    if (!p->session_id || strcmp(p->stage, SH_STAGE_MFA) != 0)
        return sh_err_set(&req->err, 409, "wrong_stage", NULL, "当前无需输入动态验证码");
    json_t *b = NULL;
    if (sh_req_json(req, &b) != SH_OK)
        return SH_ERR;
    sh_conn *c = sh_req_conn(req);
    sh_security_policy pol;
    account_row a = {0};
    int rc = SH_ERR;
    if (!c || sh_security_policy_load(c, &pol, &req->err) != SH_OK ||
        load_by(c, "id", NULL, p->account_id, &a, &req->err) != SH_ROW)
        goto out;
    if (a.locked_until > sh_now_ms()) {
        locked_error(req, a.locked_until);
        goto out;
    }
    const char *recovery = body_string(b, "recovery_code");
    const sh_factor_kind *k = sh_factor_active(c, a.id, &req->err);
    if (!k && req->err.status)
        goto out;
    if (sh_begin_write(c, &req->err) != SH_OK)
        goto out;
    int ok = recovery ? sh_recovery_code_use(c, a.id, recovery, &req->err)
             : k      ? k->verify(c, a.id, 0, b, &req->err)
                 : sh_err_set(&req->err, 400, "mfa_not_enrolled", NULL, "账号未绑定动态验证码");
    if (ok != SH_OK) {
        sh_rollback(c);
        if (req->err.status != 401)
            goto out;
        sh_err saved = req->err;
        sh_err_init(&req->err);
        int locked = count_failure(req, c, &a, &pol, recovery ? "恢复码错误" : "动态验证码错误");
        if (locked == 0) {
            req->err = saved;
        } else {
            sh_err_clear(&saved);
            if (locked == 1)
                locked_error(req, sh_now_ms() + (int64_t)pol.lock_minutes * 60000);
        }
        goto out;
    }
    rc = advance(req, c, p, &a, "login_mfa", recovery || !k ? "使用恢复码" : k->label, NULL);
out:
    json_decref(b);
    return rc;
}

int sh_auth_totp_begin(sh_req *req) {
    sh_principal *p = req->principal;
    if (!p->session_id ||
        (strcmp(p->stage, SH_STAGE_MFA_ENROL) != 0 && strcmp(p->stage, SH_STAGE_ACTIVE) != 0))
        return sh_err_set(&req->err, 409, "wrong_stage", NULL, "请先完成登录");
    sh_conn *c = sh_req_conn(req);
    json_t *o = json_object();
    if (!c || !o || sh_begin_write(c, &req->err) != SH_OK) {
        json_decref(o);
        return SH_ERR;
    }
    if (sh_factor_totp.enrol_begin(c, p->account_id, p->login, o, &req->err) != SH_OK ||
        sh_commit(c, &req->err) != SH_OK) {
        sh_rollback(c);
        json_decref(o);
        return SH_ERR;
    }
    return sh_reply_json(req, 200, o);
}

int sh_auth_totp_confirm(sh_req *req) {
    sh_principal *p = req->principal;
    if (!p->session_id ||
        (strcmp(p->stage, SH_STAGE_MFA_ENROL) != 0 && strcmp(p->stage, SH_STAGE_ACTIVE) != 0))
        return sh_err_set(&req->err, 409, "wrong_stage", NULL, "请先完成登录");
    json_t *b = NULL;
    if (sh_req_json(req, &b) != SH_OK)
        return SH_ERR;
    sh_conn *c = sh_req_conn(req);
    account_row a = {0};
    int rc = SH_ERR;
    char codes[SH_RECOVERY_CODES][SH_RECOVERY_CODE_TEXT];
    if (!c || load_by(c, "id", NULL, p->account_id, &a, &req->err) != SH_ROW ||
        sh_begin_write(c, &req->err) != SH_OK)
        goto out;
    if (sh_factor_totp.verify(c, a.id, 1, b, &req->err) != SH_OK ||
        sh_factor_activate(c, a.id, &sh_factor_totp, &req->err) != SH_OK ||
        sh_recovery_codes_new(c, a.id, codes, &req->err) != SH_OK) {
        sh_rollback(c);
        goto out;
    }
    json_t *extra = json_object(), *list = json_array();
    for (int i = 0; i < SH_RECOVERY_CODES; i++)
        json_array_append_new(list, json_string(codes[i]));
    sodium_memzero(codes, sizeof codes);
    json_object_set_new(extra, "recovery_codes", list);
    if (strcmp(p->stage, SH_STAGE_ACTIVE) == 0) { /* re-enrolment by a signed-in person */
        if (sh_audit_req(req, "mfa_enrolled", 1, NULL, sh_factor_totp.label) != SH_OK ||
            sh_commit(c, &req->err) != SH_OK) {
            sh_rollback(c);
            json_decref(extra);
            goto out;
        }
        json_t *o = me_json(req, c, p);
        json_object_update(o, extra);
        json_decref(extra);
        rc = sh_reply_json(req, 200, o);
        goto out;
    }
    rc = advance(req, c, p, &a, "mfa_enrolled", sh_factor_totp.label, extra);
out:
    json_decref(b);
    return rc;
}

/* Is password one of the last n the account used (the current one included)? */
static int reused(sh_conn *c, const account_row *a, const char *password, int n, sh_err *err) {
    if (sh_password_verify(a->hash, password))
        return 1;
    sh_stmt *s = sh_prepare(c,
                            "SELECT password_hash FROM password_history WHERE account_id = $1"
                            " ORDER BY changed_at DESC LIMIT $2",
                            err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, a->id);
    sh_bind_i64(s, 2, n > 1 ? n - 1 : 0);
    int rc, hit = 0;
    while (!hit && (rc = sh_step(s, err)) == SH_ROW)
        hit = sh_password_verify(sh_col_text(s, 0), password);
    sh_stmt_done(s);
    return rc == SH_ERR ? SH_ERR : hit;
}

int sh_account_set_password(sh_conn *c, int64_t account_id, const char *old_hash, const char *password,
                            int must_change, sh_err *err) {
    char hash[SH_PASSWORD_HASH_MAX];
    if (sh_password_hash(password, hash, err) != SH_OK)
        return SH_ERR;
    int64_t now = sh_now_ms();
    sh_stmt *s = sh_prepare(c,
                            "INSERT INTO password_history (account_id, password_hash, changed_at)"
                            " VALUES ($1, $2, $3)",
                            err);
    int rc = SH_ERR;
    if (s) {
        sh_bind_i64(s, 1, account_id);
        sh_bind_text(s, 2, old_hash, -1);
        sh_bind_i64(s, 3, now);
        rc = sh_step(s, err);
        sh_stmt_done(s);
    }
    s = rc == SH_ERR ? NULL
                     : sh_prepare(c,
                                  "UPDATE account SET password_hash = $1, must_change_password = $2,"
                                  " password_changed_at = $3, failed_logins = 0, locked_until = NULL,"
                                  " updated_at = $3 WHERE id = $4",
                                  err);
    if (s) {
        sh_bind_text(s, 1, hash, -1);
        sh_bind_i64(s, 2, must_change);
        sh_bind_i64(s, 3, now);
        sh_bind_i64(s, 4, account_id);
        rc = sh_step(s, err);
        sh_stmt_done(s);
    }
    sodium_memzero(hash, sizeof hash);
    return s && rc != SH_ERR ? SH_OK : SH_ERR;
}

int sh_auth_password(sh_req *req) {
    sh_principal *p = req->principal;
    if (!p->session_id)
        return sh_err_set(&req->err, 400, "not_a_session", NULL, "请登录后修改密码");
    if (strcmp(p->stage, SH_STAGE_ACTIVE) != 0 && strcmp(p->stage, SH_STAGE_PASSWORD) != 0)
        return sh_err_set(&req->err, 409, "wrong_stage", NULL, "请先完成登录");
    json_t *b = NULL;
    if (sh_req_json(req, &b) != SH_OK)
        return SH_ERR;
    const char *cur = body_string(b, "current_password"), *next = body_string(b, "new_password");
    int rc = SH_ERR;
    sh_conn *c = sh_req_conn(req);
    sh_security_policy pol;
    account_row a = {0};
    if (!cur)
        sh_err_add(&req->err, 400, "required", "current_password", NULL, "请输入当前密码");
    if (!next)
        sh_err_add(&req->err, 400, "required", "new_password", NULL, "请输入新密码");
    if (!cur || !next || !c || sh_security_policy_load(c, &pol, &req->err) != SH_OK ||
        load_by(c, "id", NULL, p->account_id, &a, &req->err) != SH_ROW)
        goto out;
    if (!sh_password_verify(a.hash, cur)) {
        sh_audit_req(req, "password_change", 0, NULL, "当前密码不正确");
        sh_err_clear(&req->err);
        sh_err_set(&req->err, 400, "wrong_password", "current_password", "当前密码不正确");
        goto out;
    }
    char key[SH_LOGIN_MAX + 1], display[SH_LOGIN_MAX + 1];
    sh_login_normalise(a.login, display, key, &req->err);
    sh_err_clear(&req->err);
    sh_err rules;
    sh_err_init(&rules);
    if (sh_password_check(&pol.password, key, next, &rules) != SH_OK) {
        /* the policy names the field "password"; here it is the new one */
        for (size_t i = 0; i < sh_err_count(&rules); i++) {
            const sh_err_item *it = rules.nmore ? &rules.more[i] : &rules.first;
            sh_err_add(&req->err, 400, it->code, "new_password", NULL, "%s", it->message);
        }
        sh_err_clear(&rules);
        goto out;
    }
    int r = reused(c, &a, next, pol.password.history, &req->err);
    if (r == 1)
        sh_err_set(&req->err, 400, "password_reused", "new_password",
                   "新密码不能与最近 %d 次使用过的密码相同", pol.password.history);
    if (r != 0 || sh_begin_write(c, &req->err) != SH_OK)
        goto out;
    if (sh_account_set_password(c, a.id, a.hash, next, 0, &req->err) != SH_OK ||
        sh_session_end_others(c, a.id, p->session_id, &req->err) != SH_OK) {
        sh_rollback(c);
        goto out;
    }
    a.must_change = 0;
    a.password_changed_at = sh_now_ms();
    rc = advance(req, c, p, &a, "password_change", NULL, NULL);
out:
    if (cur)
        sodium_memzero((char *)cur, strlen(cur));
    if (next)
        sodium_memzero((char *)next, strlen(next));
    forget_body(req);
    json_decref(b);
    return rc;
}
