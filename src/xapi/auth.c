/* auth.c — who calls /xapi/ and how: LRS clients authenticate with HTTP Basic
 * (key:secret, the secret stored only as a hash like API tokens), every request
 * but /xapi/about carries X-Experience-API-Version 1.0.x, and every reply says
 * 1.0.3. The alternate request syntax (POST ?method=X with the headers,
 * parameters and content in a form body) is unpacked here, before
 * authentication, because the Authorization header travels in the form.
 *
 * The module wraps the identity module's authorisation: /xapi/ routes are
 * decided here, every other route is passed on unchanged. A signed-in session
 * or an API token on an /xapi/ route goes to the identity module, whose
 * permission check refuses it (xapi.read and xapi.write are held only by LRS
 * clients), so such a call is denied and audited like any other. */
#include "xapi/x_impl.h"

#include "core/clock.h"
#include "identity/session.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static int (*next_authorize)(sh_req *req);

static int is_xapi_route(const sh_req *req) { return strncmp(req->route->path, "/xapi/", 6) == 0; }

x_ctx *x_ctx_of(sh_req *req) {
    return req->route && is_xapi_route(req) && req->principal ? (x_ctx *)req->principal : NULL;
}

static const char *form_get(const x_form *f, const char *name, int nocase) {
    for (int i = 0; i < f->n; i++)
        if (nocase ? strcasecmp(f->k[i], name) == 0 : strcmp(f->k[i], name) == 0)
            return f->v[i];
    return NULL;
}

const char *x_header(sh_req *req, const char *name) {
    x_ctx *x = x_ctx_of(req);
    const char *v = x && x->alt ? form_get(&x->headers, name, 1) : NULL;
    return v ? v : sh_req_header(req, name);
}

const char *x_param(sh_req *req, const char *name) {
    x_ctx *x = x_ctx_of(req);
    if (x && x->alt)
        return form_get(&x->params, name, 0);
    return sh_req_query(req, name);
}

typedef struct param_check {
    const char *const *allowed;
    const char *bad;
    int dup;
    const char *seen[32];
    int nseen;
} param_check;

static void check_one(void *ctx, const char *k, const char *v) {
    (void)v;
    param_check *pc = ctx;
    int ok = 0;
    for (const char *const *a = pc->allowed; *a && !ok; a++)
        ok = strcmp(*a, k) == 0;
    for (int i = 0; ok && i < pc->nseen; i++)
        if (strcmp(pc->seen[i], k) == 0)
            ok = 0, pc->dup = 1;
    if (ok && pc->nseen < 32)
        pc->seen[pc->nseen++] = k;
    if (!ok && !pc->bad)
        pc->bad = k;
}

int x_only_params(sh_req *req, const char *const *allowed) {
    param_check pc = {allowed, NULL};
    x_ctx *x = x_ctx_of(req);
    if (x && x->alt)
        for (int i = 0; i < x->params.n; i++)
            check_one(&pc, x->params.k[i], x->params.v[i]);
    else
        sh_req_each_query(req, check_one, &pc);
    if (pc.bad && pc.dup)
        return sh_err_set(&req->err, 400, "duplicate_parameter", pc.bad, "参数“%.60s”重复", pc.bad);
    if (pc.bad)
        return sh_err_set(&req->err, 400, "unknown_parameter", pc.bad,
                          "不支持的参数“%.60s”（xAPI 参数名区分大小写）", pc.bad);
    return SH_OK;
}

static int is_header_name(const char *k) {
    static const char *const names[] = {"Authorization",
                                        "X-Experience-API-Version",
                                        "Content-Type",
                                        "Content-Length",
                                        "If-Match",
                                        "If-None-Match",
                                        NULL};
    for (const char *const *n = names; *n; n++)
        if (strcasecmp(*n, k) == 0)
            return 1;
    return 0;
}

static void count_one(void *ctx, const char *k, const char *v) {
    (void)k, (void)v;
    ++*(int *)ctx;
}

/* POST ?method=X with an application/x-www-form-urlencoded body. */
static int alternate_syntax(sh_req *req, x_ctx *x, const char *method) {
    int nq = 0;
    sh_req_each_query(req, count_one, &nq);
    if (nq != 1)
        return sh_err_set(&req->err, 400, "alternate_syntax", "method",
                          "替代请求语法（?method=）不能再带其他查询参数，参数应放在表单中");
    static const struct {
        const char *name;
        int m;
    } methods[] = {
        {"GET", SH_GET}, {"HEAD", SH_HEAD}, {"PUT", SH_PUT}, {"POST", SH_POST}, {"DELETE", SH_DELETE}};
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (strcmp(method, methods[i].name) == 0)
            x->method = methods[i].m;
    if (!x->method)
        return sh_err_set(&req->err, 400, "alternate_syntax", "method",
                          "method 应为 GET、PUT、POST 或 DELETE");
    const char *ct = req->content_type;
    if (!ct || strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0)
        return sh_err_set(&req->err, 400, "alternate_syntax", NULL,
                          "替代请求语法的请求体须为 application/x-www-form-urlencoded 表单");
    char *form = sh_pstrndup(req->pool, req->body.data ? req->body.data : "", req->body.len);
    int cap = 1;
    for (const char *p = form; p && *p; p++)
        cap += *p == '&';
    x->headers.k = sh_palloc(req->pool, sizeof(char *) * (size_t)cap);
    x->headers.v = sh_palloc(req->pool, sizeof(char *) * (size_t)cap);
    x->params.k = sh_palloc(req->pool, sizeof(char *) * (size_t)cap);
    x->params.v = sh_palloc(req->pool, sizeof(char *) * (size_t)cap);
    if (!form || !x->headers.k || !x->headers.v || !x->params.k || !x->params.v)
        return sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
    char *save = NULL;
    for (char *kv = strtok_r(form, "&", &save); kv; kv = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(kv, '=');
        char *v = eq ? eq + 1 : kv + strlen(kv);
        if (eq)
            *eq = '\0';
        sh_form_decode(kv);
        sh_form_decode(v);
        if (strcmp(kv, "content") == 0) {
            x->body = v;
            x->body_len = strlen(v);
        } else if (is_header_name(kv)) {
            x->headers.k[x->headers.n] = kv;
            x->headers.v[x->headers.n++] = v;
        } else {
            x->params.k[x->params.n] = kv;
            x->params.v[x->params.n++] = v;
        }
    }
    x->alt = 1;
    x->content_type = form_get(&x->headers, "Content-Type", 1);
    if (!x->content_type && x->body)
        x->content_type = "application/json";
    return SH_OK;
}

static void client_of_row(sh_stmt *s, x_client *c) {
    c->id = sh_col_i64(s, 0);
    snprintf(c->uid, sizeof c->uid, "%s", sh_col_text(s, 1));
    snprintf(c->key, sizeof c->key, "%s", sh_col_text(s, 2));
    snprintf(c->name, sizeof c->name, "%s", sh_col_text(s, 3));
    c->org_id = sh_col_i64(s, 5);
    c->can_read = (int)sh_col_i64(s, 6);
    c->can_write = (int)sh_col_i64(s, 7);
    c->external = (int)sh_col_i64(s, 8);
}

/* Basic key:secret → the client. SH_OK, or SH_ERR with 401. */
static int basic_client(sh_req *req, x_ctx *x, const char *auth) {
    const char *b64 = auth + 6;
    while (*b64 == ' ')
        b64++;
    unsigned char raw[256];
    size_t len = 0;
    if (strlen(b64) > 340 || sodium_base642bin(raw, sizeof raw - 1, b64, strlen(b64), NULL, &len, NULL,
                                               sodium_base64_VARIANT_ORIGINAL) != 0)
        return sh_err_set(&req->err, 401, "invalid_credentials", NULL, "Authorization 头格式不正确");
    raw[len] = '\0';
    char *colon = memchr(raw, ':', len);
    if (!colon || strlen((char *)raw) != len)
        return sh_err_set(&req->err, 401, "invalid_credentials", NULL, "Authorization 头格式不正确");
    *colon = '\0';
    const char *key = (const char *)raw, *secret = colon + 1;
    sh_conn *c = sh_req_conn(req);
    if (!c)
        return SH_ERR;
    sh_stmt *s = sh_prepare(c,
                            "SELECT id, uid, client_key, name, secret_hash, org_id, can_read, can_write,"
                            " external_agents FROM xapi_client WHERE client_key = $1 AND revoked_at IS NULL",
                            &req->err);
    if (!s)
        return SH_ERR;
    sh_bind_text(s, 1, key, -1);
    int rc = sh_step(s, &req->err);
    int ok = 0;
    if (rc == SH_ROW) {
        char hash[SH_TOKEN_HASH_HEX];
        sh_token_hash(secret, hash);
        const char *stored = sh_col_text(s, 4);
        ok = stored && strlen(stored) == strlen(hash) && sodium_memcmp(stored, hash, strlen(hash)) == 0;
        if (ok)
            client_of_row(s, &x->client);
    }
    sh_stmt_done(s);
    sodium_memzero(raw, sizeof raw);
    if (rc == SH_ERR)
        return SH_ERR;
    if (!ok) {
        sh_reply_header(req, "WWW-Authenticate", "Basic realm=\"xAPI\"");
        return sh_err_set(&req->err, 401, "invalid_credentials", NULL, "LRS 客户端凭据无效或已撤销");
    }
    x->p.org_id = x->client.org_id;
    snprintf(x->p.login, sizeof x->p.login, "xapi:%.58s", x->client.key);
    snprintf(x->p.account_uid, sizeof x->p.account_uid, "%s", x->client.uid);
    req->principal = &x->p;
    return SH_OK;
}

static int valid_version(const char *v) {
    if (!v || strncmp(v, "1.0", 3) != 0)
        return 0;
    if (!v[3])
        return 1;
    if (v[3] != '.' || !v[4])
        return 0;
    for (const char *p = v + 4; *p; p++)
        if (*p < '0' || *p > '9')
            return 0;
    return 1;
}

void x_base(sh_req *req, char *out, size_t cap) {
    const char *host = sh_req_header(req, "Host");
    const char *proto = sh_req_header(req, "X-Forwarded-Proto");
    snprintf(out, cap, "%s://%s", proto && strcmp(proto, "https") == 0 ? "https" : "http",
             host ? host : "localhost");
}

static int xapi_authorize(sh_req *req) {
    if (!is_xapi_route(req))
        return next_authorize(req);
    sh_reply_header(req, "X-Experience-API-Version", X_VERSION);
    if (strcmp(req->route->path, "/xapi/statements") == 0) {
        char now[SH_ISO_LEN];
        sh_fmt_iso_ms(sh_now_ms(), now);
        sh_reply_header(req, "X-Experience-API-Consistent-Through", now);
    }
    if (strcmp(req->route->permission, SH_PUBLIC) == 0)
        return SH_OK;
    x_ctx *x = sh_pcalloc(req->pool, sizeof *x);
    if (!x)
        return sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
    x->method = req->method;
    x->content_type = req->content_type;
    x->body = req->body.data;
    x->body_len = req->body.len;
    x_base(req, x->base, sizeof x->base);
    const char *alt = req->method == SH_POST ? sh_req_query(req, "method") : NULL;
    if (alt && alternate_syntax(req, x, alt) != SH_OK)
        return SH_ERR;
    const char *auth = alt ? form_get(&x->headers, "Authorization", 1) : NULL;
    if (!auth)
        auth = sh_req_header(req, "Authorization");
    if (!auth || strncasecmp(auth, "Basic ", 6) != 0) {
        if (auth || sh_req_cookie(req, SH_SESSION_COOKIE)) { /* a session or token: refused there, audited */
            if (next_authorize(req) != SH_OK)
                return SH_ERR;
            return sh_err_set(&req->err, 403, "forbidden", NULL,
                              "xAPI 接口须使用 LRS 客户端凭据（HTTP Basic）");
        }
        sh_reply_header(req, "WWW-Authenticate", "Basic realm=\"xAPI\"");
        return sh_err_set(&req->err, 401, "unauthenticated", NULL,
                          "请使用 LRS 客户端的 key 与 secret 以 HTTP Basic 方式认证");
    }
    if (basic_client(req, x, auth) != SH_OK)
        return SH_ERR;
    int write = x->method & (SH_PUT | SH_POST | SH_DELETE);
    if (write ? !x->client.can_write : !x->client.can_read) {
        char object[120];
        snprintf(object, sizeof object, "route:%s %s", req->method_name, req->route->path);
        if (sh_audit_req(req, "permission_denied", 0, object,
                         write ? "xapi client without write" : "xapi client without read") != SH_OK)
            return SH_ERR;
        return sh_err_set(&req->err, 403, "forbidden", NULL,
                          write ? "此 LRS 客户端没有写入权限" : "此 LRS 客户端没有读取权限");
    }
    const char *version = x->alt ? form_get(&x->headers, "X-Experience-API-Version", 1) : NULL;
    if (!version)
        version = sh_req_header(req, "X-Experience-API-Version");
    if (!version)
        return sh_err_set(&req->err, 400, "missing_version", "X-Experience-API-Version",
                          "缺少 X-Experience-API-Version 请求头（应为 1.0.x）");
    if (!valid_version(version))
        return sh_err_set(&req->err, 400, "unsupported_version", "X-Experience-API-Version",
                          "不支持的 xAPI 版本“%.20s”（接受 1.0.x）", version);
    return SH_OK;
}

void x_install_auth(sh_app *app) {
    if (app->authorize == xapi_authorize)
        return;
    next_authorize = app->authorize;
    app->authorize = xapi_authorize;
}
