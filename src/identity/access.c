/* access.c — authentication of a request, the permission check, the sign-in stage,
 * CSRF, denial auditing and the scope filter. See access.h. */
#include "identity/access.h"

#include "app.h"
#include "audit/audit.h"
#include "core/clock.h"
#include "identity/principal_cache.h"
#include "identity/session.h"
#include "identity/token.h"

#include <sodium.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

const sh_principal *sh_principal_of(const sh_req *req) { return req->principal; }

/* Add one assignment to p (role looked up: built-in at once, custom in the store). */
static int add_grant(sh_conn *c, sh_principal *p, const char *role, int64_t org, sh_err *err) {
    if (p->ngrants == SH_MAX_GRANTS)
        return SH_OK;
    int rc = sh_role_find(c, role, &p->grants[p->ngrants].role, err);
    if (rc == SH_ERR)
        return SH_ERR;
    if (rc == SH_ROW) /* a custom role deleted since gives nothing */
        p->grants[p->ngrants++].org_id = org;
    return SH_OK;
}

int sh_principal_load_grants(sh_conn *c, sh_principal *p, sh_err *err) {
    sh_stmt *s =
        sh_prepare(c, "SELECT role, org_id FROM role_assignment WHERE account_id = $1 ORDER BY id", err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, p->account_id);
    char codes[SH_MAX_GRANTS][SH_ROLE_CODE_MAX + 1];
    int64_t orgs[SH_MAX_GRANTS];
    int n = 0, rc;
    while ((rc = sh_step(s, err)) == SH_ROW && n < SH_MAX_GRANTS) {
        snprintf(codes[n], sizeof codes[n], "%s", sh_col_text(s, 0));
        orgs[n++] = sh_col_i64(s, 1);
    }
    sh_stmt_done(s);
    if (rc == SH_ERR)
        return SH_ERR;
    p->ngrants = 0;
    for (int i = 0; i < n; i++)
        if (add_grant(c, p, codes[i], orgs[i], err) != SH_OK)
            return SH_ERR;
    return SH_OK;
}

/* The session of a cookie with its account and role assignments, in one statement
 * (one row per assignment): the hot path of every signed-in request. SH_ROW when a
 * live session exists (not yet checked for timeouts). */
static int load_session(sh_conn *c, const char *hash, sh_session *ses, sh_principal *p, int *disabled,
                        sh_err *err) {
    sh_stmt *s =
        sh_prepare(c,
                   "SELECT s.id, s.account_id, s.stage, s.created_at, s.last_seen_at, s.expires_at,"
                   " a.uid, a.login, a.person_id, COALESCE(a.org_id, 0), a.disabled, r.role, r.org_id"
                   " FROM session s JOIN account a ON a.id = s.account_id"
                   " LEFT JOIN role_assignment r ON r.account_id = a.id"
                   " WHERE s.token_hash = $1 AND s.ended_at IS NULL ORDER BY r.id",
                   err);
    if (!s)
        return SH_ERR;
    sh_bind_text(s, 1, hash, -1);
    char codes[SH_MAX_GRANTS][SH_ROLE_CODE_MAX + 1];
    int64_t orgs[SH_MAX_GRANTS];
    int n = 0, rows = 0, rc;
    while ((rc = sh_step(s, err)) == SH_ROW) {
        if (rows++ == 0) {
            ses->id = sh_col_i64(s, 0);
            ses->account_id = p->account_id = sh_col_i64(s, 1);
            snprintf(ses->stage, sizeof ses->stage, "%s", sh_col_text(s, 2));
            ses->created_at = sh_col_i64(s, 3);
            ses->last_seen_at = sh_col_i64(s, 4);
            ses->expires_at = sh_col_i64(s, 5);
            snprintf(p->account_uid, sizeof p->account_uid, "%s", sh_col_text(s, 6));
            snprintf(p->login, sizeof p->login, "%s", sh_col_text(s, 7));
            p->person_id = sh_col_i64(s, 8);
            p->org_id = sh_col_i64(s, 9);
            *disabled = (int)sh_col_i64(s, 10);
        }
        if (!sh_col_is_null(s, 11) && n < SH_MAX_GRANTS) {
            snprintf(codes[n], sizeof codes[n], "%s", sh_col_text(s, 11));
            orgs[n++] = sh_col_i64(s, 12);
        }
    }
    sh_stmt_done(s);
    if (rc == SH_ERR)
        return SH_ERR;
    for (int i = 0; i < n; i++)
        if (add_grant(c, p, codes[i], orgs[i], err) != SH_OK)
            return SH_ERR;
    return rows ? SH_ROW : SH_DONE;
}

/* Fill req->principal from the session cookie or a bearer token. SH_OK with no
 * principal when the request carries neither. */
static int authenticate(sh_req *req) {
    const char *auth = sh_req_header(req, "Authorization");
    const char *cookie = sh_req_cookie(req, SH_SESSION_COOKIE);
    if (!auth && !cookie)
        return SH_OK;
    sh_principal *p = sh_palloc(req->pool, sizeof *p);
    if (!p)
        return sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
    memset(p, 0, offsetof(sh_principal, grants)); /* grants are filled as counted */
    int disabled = 0;
    sh_security_policy pol;
    sh_session ses;
    char hash[SH_TOKEN_HASH_HEX];
    int64_t now = sh_now_ms();
    hash[0] = '\0';
    if (!auth && strlen(cookie) == SH_TOKEN_TEXT - 1) {
        if (sh_principal_cache_get(cookie, now, p, &ses) && sh_security_policy_cached(&pol) &&
            sh_session_settled(&ses, &pol, now)) {
            req->principal = p;
            return SH_OK;
        }
        sh_token_hash(cookie, hash);
    }
    sh_conn *c = sh_req_conn(req);
    if (!c)
        return SH_ERR;
    if (auth) {
        if (strncasecmp(auth, "Bearer ", 7) != 0)
            return sh_err_set(&req->err, 401, "unauthenticated", NULL,
                              "不支持的认证方式：请使用 Bearer 接口令牌");
        int rc = sh_api_token_principal(c, auth + 7, p, &req->err);
        if (rc == SH_ERR)
            return SH_ERR;
        if (rc == SH_DONE)
            return sh_err_set(&req->err, 401, "invalid_token", NULL, "接口令牌无效、已过期或已撤销");
    } else {
        sh_session_end_reason why = SH_SESSION_NONE;
        if (sh_security_policy_load(c, &pol, &req->err) != SH_OK)
            return SH_ERR;
        int rc = hash[0] ? load_session(c, hash, &ses, p, &disabled, &req->err) : SH_DONE;
        if (rc == SH_ROW && !disabled)
            rc = sh_session_validate(c, &ses, &pol, &why, &req->err);
        if (rc == SH_ERR)
            return SH_ERR;
        if (rc == SH_DONE)
            return why != SH_SESSION_NONE
                       ? sh_err_set(&req->err, 401, "session_expired", NULL,
                                    why == SH_SESSION_IDLE ? "长时间未操作，已自动退出，请重新登录"
                                                           : "登录已超过最长有效时间，请重新登录")
                       : sh_err_set(&req->err, 401, "unauthenticated", NULL, "请先登录");
        if (disabled) {
            sh_session_end(c, ses.id, 0, "disabled", &req->err);
            return sh_err_set(&req->err, 401, "account_disabled", NULL, "账号已停用，请联系管理员");
        }
        p->session_id = ses.id;
        snprintf(p->stage, sizeof p->stage, "%s", ses.stage);
        if (sh_session_csrf(cookie, p->csrf) != SH_OK)
            return sh_err_set(&req->err, 500, "keys_missing", NULL, "服务器密钥未加载");
        sh_principal_cache_put(cookie, now, p, &ses);
    }
    req->principal = p;
    return SH_OK;
}

static int loopback(const char *ip) { return ip && (strncmp(ip, "127.", 4) == 0 || strcmp(ip, "::1") == 0); }

static int deny(sh_req *req, const char *code, const char *why) {
    char object[200];
    snprintf(object, sizeof object, "route:%s %s", req->method_name, req->route->path);
    if (sh_audit_req(req, "permission_denied", 0, object, code) != SH_OK) {
        sh_err_clear(&req->err);
        return sh_err_set(&req->err, 503, "audit_unavailable", NULL, "审计日志不可用，操作已拒绝");
    }
    return sh_err_set(&req->err, 403, code, NULL, "%s", why);
}

int sh_access_authorize(sh_req *req) {
    const char *perm = req->route->permission;
    if (strcmp(perm, SH_PUBLIC) == 0)
        return SH_OK;
    if (strcmp(perm, "system.metrics") == 0 && loopback(req->client_ip))
        return SH_OK;
    if (authenticate(req) != SH_OK)
        return SH_ERR;
    const sh_principal *p = req->principal;
    if (!p)
        return sh_err_set(&req->err, 401, "unauthenticated", NULL, "请先登录");
    if (p->session_id && !(req->method & (SH_GET | SH_HEAD | SH_OPTIONS))) {
        const char *t = sh_req_header(req, "X-CSRF-Token");
        if (!t || strlen(t) != strlen(p->csrf) || sodium_memcmp(t, p->csrf, strlen(t)) != 0)
            return deny(req, "csrf_failed", "页面已过期或请求来源不明，请刷新页面后重试");
    }
    if (strcmp(perm, SH_SESSION) == 0)
        return SH_OK;
    if (p->session_id && strcmp(p->stage, SH_STAGE_ACTIVE) != 0) {
        if (strcmp(p->stage, SH_STAGE_MFA) == 0)
            return sh_err_set(&req->err, 403, "mfa_required", NULL, "请先输入动态验证码完成登录");
        if (strcmp(p->stage, SH_STAGE_MFA_ENROL) == 0)
            return sh_err_set(&req->err, 403, "mfa_enrolment_required", NULL,
                              "您的角色须绑定动态验证码后才能使用");
        return sh_err_set(&req->err, 403, "password_change_required", NULL, "请先修改密码");
    }
    if (!sh_can(req, perm))
        return deny(req, "forbidden", "您没有执行此操作的权限");
    return SH_OK;
}

int sh_can(const sh_req *req, const char *perm) {
    const sh_principal *p = req->principal;
    for (int i = 0; p && i < p->ngrants; i++)
        if (sh_role_has(&p->grants[i].role, perm))
            return 1;
    return 0;
}

sh_provenance sh_req_provenance(sh_req *req) {
    const sh_principal *p = sh_principal_of(req);
    sh_provenance pv = {.actor = p ? p->account_id : 0, .source = "console"};
    if (p && p->token_id) {
        pv.source = "api";
        pv.source_ref = sh_psprintf(req->pool, "token:%lld", (long long)p->token_id);
    }
    return pv;
}

const char *sh_scope_reach(sh_req *req, const char *perm) {
    const sh_principal *p = req->principal;
    sh_buf *b = sh_pool_buf(req->pool, 256);
    if (!b)
        return NULL;
    sh_buf_putc(b, '[');
    int n = 0;
    for (int i = 0; p && i < p->ngrants; i++)
        if (sh_role_has(&p->grants[i].role, perm))
            sh_buf_printf(b, "%s%lld", n++ ? "," : "", (long long)p->grants[i].org_id);
    sh_buf_putc(b, ']');
    return sh_buf_ok(b) == SH_OK ? b->data : NULL;
}

int sh_can_at(sh_req *req, const char *perm, int64_t org_id) {
    const char *orgs = sh_scope_reach(req, perm);
    sh_conn *c = sh_req_conn(req);
    if (!orgs || !c)
        return SH_ERR;
    char ids[96], sql[192];
    snprintf(sql, sizeof sql, "SELECT 1 FROM org_closure WHERE descendant_id = $1 AND ancestor_id IN (%s)",
             sh_sql_json_ids(c, 2, ids, sizeof ids));
    sh_stmt *s = sh_prepare(c, sql, &req->err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, org_id);
    sh_bind_text(s, 2, orgs, -1);
    int rc = sh_step(s, &req->err);
    sh_stmt_done(s);
    return rc == SH_ERR ? SH_ERR : rc == SH_ROW;
}

int sh_can_grant(sh_req *req, const sh_role *role, int64_t org_id) {
    int rc = sh_can_at(req, "role.grant_any", org_id);
    if (rc != 0)
        return rc;
    for (int i = 0; i < SH_ROLE_MAX_PERMS && role->perms[i]; i++)
        if ((rc = sh_can_at(req, role->perms[i], org_id)) != 1)
            return rc;
    return !(role->flags & SH_ROLE_TRIAD);
}

/* The scope's one parameter: its number and the org id or JSON list it binds. */
typedef struct scope_param {
    int n;
    int64_t one;
    const char *orgs; /* NULL: bind one */
} scope_param;

static int bind_scope(sh_stmt *s, void *ctx) {
    const scope_param *sp = ctx;
    return sp->orgs ? sh_bind_text(s, sp->n, sp->orgs, -1) : sh_bind_i64(s, sp->n, sp->one);
}

int sh_scope_org_set_from(sh_req *req, const char *perm, const char *org_set, int param, sh_scope *out) {
    const sh_principal *p = req->principal;
    scope_param *sp = sh_pcalloc(req->pool, sizeof *sp);
    int n = 0;
    for (int i = 0; sp && p && i < p->ngrants; i++)
        if (sh_role_has(&p->grants[i].role, perm) && n++ == 0)
            sp->one = p->grants[i].org_id;
    const char *orgs = n == 1 ? "" : sh_scope_reach(req, perm);
    sh_buf *w = sh_pool_buf(req->pool, 200 + strlen(org_set));
    if (!sp || !orgs || !w)
        return sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
    sp->n = param;
    sp->orgs = n == 1 ? NULL : orgs;
    /* per row one probe of the closure's (descendant, ancestor) index: cheap for a
     * read by id and for a page of a list, whatever the size of the caller's reach.
     * The usual caller holds the permission at one node: a plain parameter. */
    sh_buf_printf(w, "EXISTS (SELECT 1 FROM org_closure x WHERE x.descendant_id %s%s AND x.ancestor_id ",
                  strchr(org_set, ',') || strstr(org_set, "SELECT") ? "IN " : "= ", org_set);
    char ids[96];
    if (n == 1)
        sh_buf_printf(w, "= $%d)", param);
    else if (sh_req_conn(req))
        sh_buf_printf(w, "IN (%s))", sh_sql_json_ids(sh_req_conn(req), param, ids, sizeof ids));
    else
        return SH_ERR; /* req->err says why there is no connection */
    if (sh_buf_ok(w) != SH_OK)
        return sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
    *out = (sh_scope){.where = w->data, .nparams = 1, .bind = bind_scope, .ctx = sp};
    return SH_OK;
}

int sh_scope_org_set(sh_req *req, const char *perm, const char *org_set, sh_scope *out) {
    return sh_scope_org_set_from(req, perm, org_set, 1, out);
}

int sh_scope_org(sh_req *req, const char *perm, const char *column, sh_scope *out) {
    char set[80];
    snprintf(set, sizeof set, "t.%s", column);
    return sh_scope_org_set(req, perm, set, out);
}

int sh_audit_req(sh_req *req, const char *event, int ok, const char *object, const char *detail) {
    const sh_principal *p = req->principal;
    if (ok) /* an audited change may change what callers may do */
        sh_principal_cache_forget();
    char roles[160] = "";
    size_t used = 0;
    for (int i = 0; p && i < p->ngrants && used < sizeof roles - 1; i++) {
        int seen = 0;
        for (int j = 0; j < i && !seen; j++)
            seen = strcmp(p->grants[j].role.code, p->grants[i].role.code) == 0;
        if (seen)
            continue;
        int w = snprintf(roles + used, sizeof roles - used, "%s%s", used ? "," : "", p->grants[i].role.code);
        used = w > 0 && (size_t)w < sizeof roles - used ? used + (size_t)w : sizeof roles - 1;
    }
    sh_conn *c = sh_req_conn(req);
    if (!c)
        return SH_ERR;
    sh_audit_event ev = {.event = event,
                         .ok = ok,
                         .account_id = p ? p->account_id : 0,
                         .actor = p ? p->login : "-",
                         .role = roles[0] ? roles : NULL,
                         .ip = req->client_ip,
                         .object = object,
                         .detail = detail};
    return sh_audit_write(c, &ev, &req->err);
}
