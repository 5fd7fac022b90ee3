/* server.c — libmicrohttpd glue: request lifecycle, limits, headers, logging.
 *
 * Keep-alive: libmicrohttpd 0.9.75 closes the connection when a handler answers on
 * the first call for a request, so every request is answered on a later call, after
 * its upload (possibly empty) has been consumed (DESIGN §8). The only exception is
 * a body announced larger than the limit: that one is refused at once and the
 * connection closed, so the client cannot make us read it.
 *
 * Deferred replies (sh_req_defer): the connection is suspended after the handler
 * returns and resumed by sh_req_resume from another thread; libmicrohttpd then
 * calls on_request again and the continuation builds the reply. defer_mu orders
 * the two, so a resume that comes before the suspension skips it. */
#include "http/server.h"

#include "core/alloc.h"
#include "core/clock.h"
#include "core/log.h"
#include "http/metrics.h"
#include "http/router.h"
#include "http/static.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct sh_server {
    struct MHD_Daemon *d;
    sh_app *app;
    int port;
};

static atomic_int inflight;
static pthread_mutex_t defer_mu = PTHREAD_MUTEX_INITIALIZER;
enum { DEFER_NONE, DEFER_ASKED, DEFER_SUSPENDED, DEFER_RESUMED };
static atomic_uint_fast64_t req_counter;
static char req_prefix[9];
static const sh_server *current;

static const char *CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                         "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
                         "frame-ancestors 'none'; object-src 'none'; base-uri 'self'; form-action 'self'";

static const char *API_CSP = "default-src 'none'; frame-ancestors 'none'";

const sh_server *sh_server_current(void) { return current; }

static int is_api_path(const char *p) {
    static const char *prefixes[] = {"/api/", "/xapi/",   "/oauth2/", "/.well-known/",
                                     "/ims/", "/healthz", "/metrics"};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (strncmp(p, prefixes[i], strlen(prefixes[i])) == 0)
            return 1;
    return strcmp(p, "/api") == 0;
}

/* What the server keeps per TCP connection: the client address, formatted once. */
typedef struct conn_state {
    char ip[INET6_ADDRSTRLEN];
} conn_state;

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode code) {
    (void)cls;
    if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        sh_free(*socket_context);
        *socket_context = NULL;
        return;
    }
    conn_state *cs = sh_malloc(sizeof *cs);
    if (!cs)
        return;
    strcpy(cs->ip, "-");
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci && ci->client_addr) {
        if (ci->client_addr->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, cs->ip,
                      sizeof cs->ip);
        else if (ci->client_addr->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ci->client_addr)->sin6_addr, cs->ip,
                      sizeof cs->ip);
    }
    *socket_context = cs;
}

static void body_cleanup(void *arg) {
    sh_req *req = arg;
    sh_buf_free(&req->body);
    sh_buf_free(&req->out);
    sh_err_clear(&req->err);
}

static sh_req *req_new(sh_app *app, struct MHD_Connection *c, const char *url, const char *method) {
    sh_pool *p = sh_pool_create();
    if (!p)
        return NULL;
    sh_req *req = sh_pcalloc(p, sizeof *req);
    if (!req) {
        sh_pool_destroy(p);
        return NULL;
    }
    req->pool = p;
    req->app = app;
    req->mhd = c;
    req->t0_ns = sh_mono_ns();
    req->method = sh_method_parse(method);
    req->method_name = sh_pstrndup(p, method, strnlen(method, 16));
    req->path = sh_pstrdup(p, url);
    req->route_index = SH_METRIC_UNMATCHED;
    sh_buf_init(&req->body, (size_t)app->cfg.max_body_bytes);
    sh_buf_init(&req->out, 0);
    sh_err_init(&req->err);
    if (!req->method_name || !req->path || sh_pool_cleanup(p, body_cleanup, req) != SH_OK) {
        sh_pool_destroy(p);
        return NULL;
    }
    /* request id: 8 hex digits of this process, 10 of the request counter */
    static const char hexd[] = "0123456789abcdef";
    uint64_t n = atomic_fetch_add(&req_counter, 1);
    memcpy(req->request_id, req_prefix, 8);
    for (int i = 17; i >= 8; i--, n >>= 4)
        req->request_id[i] = hexd[n & 15];
    req->request_id[18] = '\0';
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    const conn_state *cs = ci ? ci->socket_context : NULL;
    req->client_ip = cs ? cs->ip : "-";
    req->content_type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    atomic_fetch_add(&inflight, 1);
    return req;
}

/* Every reply: nosniff, a Content-Security-Policy with frame-ancestors 'none', the
 * request id. API replies (OWASP's REST set) are never cached and may load nothing;
 * console pages get the full document policy and the headers that only matter to
 * documents. */
static void add_common_headers(struct MHD_Response *r, const sh_req *req, int api) {
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "X-Request-Id", req->request_id);
    if (api) {
        MHD_add_response_header(r, "Content-Security-Policy", API_CSP);
        MHD_add_response_header(r, "Cache-Control", "no-store");
    } else {
        MHD_add_response_header(r, "Content-Security-Policy", CSP);
        MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
        MHD_add_response_header(r, "X-Frame-Options", "DENY");
        MHD_add_response_header(r, "Cross-Origin-Opener-Policy", "same-origin");
        MHD_add_response_header(r, "Permissions-Policy", "camera=(), microphone=(), geolocation=()");
    }
}

static int etag_matches(const char *inm, const char *etag) {
    /* If-None-Match holds "*" or a list of tags, possibly weak (W/"…") */
    return inm && (strcmp(inm, "*") == 0 || strstr(inm, etag) != NULL);
}

static enum MHD_Result send_reply(sh_req *req, struct MHD_Connection *c, int api) {
    struct MHD_Response *r;
    int status = req->status ? req->status : 500;
    char etag[SH_ETAG_SIZE] = "";
    if (api && req->method & (SH_GET | SH_HEAD) && status == 200 && req->route &&
        !(req->route->flags & SH_ROUTE_RAW) && !req->out_fd_set) {
        if (req->etag[0])
            memcpy(etag, req->etag, sizeof etag);
        else
            sh_body_etag(req->out.data, req->out.len, etag);
        if (etag_matches(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match"), etag)) {
            status = 304;
            sh_buf_reset(&req->out);
        }
    }
    size_t len = req->out.len;
    req->sent_bytes = len;
    if (req->out_fd_set && status != 304) {
        len = req->out_fd_len;
        req->sent_bytes = len;
        r = MHD_create_response_from_fd64(len, req->out_fd); /* MHD closes the file when done */
        if (r)
            req->out_fd_set = 0;
    } else if (len) {
        char *data = sh_buf_detach(&req->out, &len);
        r = MHD_create_response_from_buffer_with_free_callback(len, data, sh_free);
        if (!r)
            sh_free(data);
    } else {
        r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    }
    if (!r)
        return MHD_NO;
    add_common_headers(r, req, api);
    if (len && req->out_type)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, req->out_type);
    if (etag[0])
        MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
    for (int i = 0; i < req->nextra; i++)
        MHD_add_response_header(r, req->extra_headers[i][0], req->extra_headers[i][1]);
    req->status = status;
    enum MHD_Result ok = MHD_queue_response(c, (unsigned)status, r);
    MHD_destroy_response(r);
    return ok;
}

static enum MHD_Result send_static(sh_req *req, struct MHD_Connection *c, const sh_static_file *f) {
    const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match");
    int not_modified = etag_matches(inm, f->etag);
    struct MHD_Response *r =
        MHD_create_response_from_buffer(not_modified ? 0 : f->len, (void *)f->data, MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    add_common_headers(r, req, 0);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, f->content_type);
    MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, f->etag);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, f->cache_control);
    req->status = not_modified ? 304 : 200;
    req->sent_bytes = not_modified ? 0 : f->len;
    enum MHD_Result ok = MHD_queue_response(c, (unsigned)req->status, r);
    MHD_destroy_response(r);
    return ok;
}

static void allow_header(sh_req *req, int allowed) {
    char list[80] = "";
    static const int order[] = {SH_GET, SH_HEAD, SH_POST, SH_PUT, SH_PATCH, SH_DELETE};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        if (allowed & order[i]) {
            if (list[0])
                strcat(list, ", ");
            strcat(list, sh_method_name(order[i]));
        }
    sh_reply_header(req, "Allow", list);
}

/* Route, authorise and run the handler; leaves the reply (or req->err) in req.
 * Returns the static file to send instead, or NULL. */
static const sh_static_file *dispatch(sh_req *req) {
    sh_app *app = req->app;
    int allowed = 0;
    int idx = req->method ? sh_router_match(app->router, req, &allowed) : -1;
    if (!req->method) {
        sh_err_set(&req->err, 405, "method_not_allowed", NULL, "不支持的请求方法 %s", req->method_name);
        return NULL;
    }
    if (idx == -2) {
        allow_header(req, allowed);
        sh_err_set(&req->err, 405, "method_not_allowed", NULL, "此地址不支持 %s 方法", req->method_name);
        return NULL;
    }
    if (idx < 0) {
        if ((req->method & (SH_GET | SH_HEAD)) && !is_api_path(req->path)) {
            const sh_static_file *f = sh_static_find(app->web, req->path, 1);
            if (f) {
                req->route_index = SH_METRIC_STATIC;
                return f;
            }
            if (!app->web || !sh_static_count(app->web)) {
                req->route_index = SH_METRIC_STATIC;
                static const char note[] =
                    "<!doctype html><meta charset=utf-8><title>数枢</title>"
                    "<p>控制台网页尚未构建：请运行 <code>make run</code> 或 "
                    "<code>make web</code>。API 可用：<a href=/api/docs>/api/docs</a></p>";
                sh_reply_raw(req, 503, "text/html; charset=utf-8", note, sizeof note - 1);
                return NULL;
            }
        }
        sh_err_set(&req->err, 404, "not_found", NULL, "请求的地址不存在");
        return NULL;
    }
    req->route_index = idx;
    req->route = sh_router_at(app->router, idx)->route;
    if (req->body.too_big) {
        sh_err_set(&req->err, 413, "body_too_large", NULL, "请求体超过 %zu 字节的上限",
                   req->body.max ? req->body.max : (size_t)app->cfg.max_body_bytes);
        return NULL;
    }
    if (app->authorize(req) != SH_OK) {
        if (!req->err.status)
            sh_err_set(&req->err, 403, "forbidden", NULL, "无权访问");
        return NULL;
    }
    if (req->body.len &&
        (req->route->flags & SH_ROUTE_NO_BODY || req->method & (SH_GET | SH_HEAD | SH_DELETE))) {
        sh_err_set(&req->err, 400, "unexpected_body", NULL, "此请求不应带请求体");
        return NULL;
    }
    if (req->route->handler(req) != SH_OK && !req->err.status)
        sh_err_set(&req->err, 500, "internal", NULL, "服务器内部错误");
    sh_req_conn_release(req); /* the reply is built: it waits to be sent without a store connection */
    return NULL;
}

void sh_req_defer(sh_req *req, int (*then)(sh_req *req)) {
    req->then = then;
    req->deferred = DEFER_ASKED;
}

void sh_req_resume(sh_req *req) {
    pthread_mutex_lock(&defer_mu);
    int suspended = req->deferred == DEFER_SUSPENDED;
    req->deferred = DEFER_RESUMED;
    if (suspended)
        MHD_resume_connection(req->mhd);
    pthread_mutex_unlock(&defer_mu);
}

/* After the handler: suspend a deferred request, unless it was resumed already.
 * 1 when suspended (nothing to send yet). */
static int suspend_deferred(sh_req *req, struct MHD_Connection *c) {
    pthread_mutex_lock(&defer_mu);
    int suspend = req->deferred == DEFER_ASKED;
    if (suspend) {
        req->deferred = DEFER_SUSPENDED;
        MHD_suspend_connection(c);
    }
    pthread_mutex_unlock(&defer_mu);
    return suspend;
}

/* A resumed request: its continuation builds the reply. */
static void run_deferred(sh_req *req) {
    req->deferred = DEFER_NONE;
    if (req->then(req) != SH_OK && !req->err.status)
        sh_err_set(&req->err, 500, "internal", NULL, "服务器内部错误");
    sh_req_conn_release(req);
}

/* The body limit of a file upload route, or 0 when the request is not one. */
static int upload_limit(sh_app *app, sh_req *req) {
    int allowed = 0;
    int idx = sh_router_match(app->router, req, &allowed);
    req->nparams = 0; /* matched again at dispatch */
    const sh_route *r = idx >= 0 ? sh_router_at(app->router, idx)->route : NULL;
    return r && (r->flags & SH_ROUTE_UPLOAD) ? app->cfg.max_upload_bytes : 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size,
                                  void **con_cls) {
    (void)version;
    sh_app *app = cls;
    sh_req *req = *con_cls;
    if (!req) {
        req = req_new(app, c, url, method);
        if (!req)
            return MHD_NO;
        *con_cls = req;
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        unsigned long long length = cl ? strtoull(cl, NULL, 10) : 0;
        int limit = length > (unsigned long long)app->cfg.max_body_bytes ? upload_limit(app, req) : 0;
        if (limit)
            sh_buf_init(&req->body, (size_t)limit);
        if (length > (unsigned long long)(limit ? limit : app->cfg.max_body_bytes)) {
            /* refuse now, without reading the body; the connection then closes */
            sh_err_set(&req->err, 413, "body_too_large", NULL, "请求体超过 %d 字节的上限",
                       limit ? limit : app->cfg.max_body_bytes);
            sh_reply_error(req, &req->err);
            return send_reply(req, c, 1);
        }
        return MHD_YES;
    }
    if (req->deferred == DEFER_RESUMED) {
        run_deferred(req);
        if (req->err.status)
            sh_reply_error(req, &req->err);
        return send_reply(req, c, 1);
    }
    if (req->status) /* already answered (oversized body) */ {
        *upload_size = 0;
        return MHD_YES;
    }
    if (*upload_size) {
        if (!req->body.too_big && sh_buf_append(&req->body, upload, *upload_size) != SH_OK) {
            int too_big = req->body.too_big;
            sh_buf_free(&req->body);
            req->body.too_big = 1;
            if (!too_big)
                sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
        }
        *upload_size = 0;
        return MHD_YES;
    }
    const sh_static_file *f = dispatch(req);
    if (f)
        return send_static(req, c, f);
    if (req->then) { /* deferred: wait for the resume even when req->err is set (the module's
                      * worker may have set a conflict already): until it resumes, it holds req */
        if (suspend_deferred(req, c))
            return MHD_YES;
        run_deferred(req); /* resumed before it could be suspended */
    }
    if (req->err.status)
        sh_reply_error(req, &req->err);
    return send_reply(req, c, 1);
}

/* The access-log line, built without printf: this runs once per request. */
static void put_u64(sh_buf *b, uint64_t v) {
    char d[24];
    int n = 0;
    do {
        d[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    char out[24];
    for (int i = 0; i < n; i++)
        out[i] = d[n - 1 - i];
    sh_buf_append(b, out, (size_t)n);
}

static void append_access_line(sh_buf *b, const sh_req *req, const char *route, int status, uint64_t dur_ns) {
    static _Thread_local int64_t cached_sec = -1;
    static _Thread_local char cached_iso[SH_ISO_LEN];
    int64_t now = sh_now_ms();
    if (now / 1000 != cached_sec) { /* format the date once a second per thread */
        cached_sec = now / 1000;
        sh_fmt_iso_ms(cached_sec * 1000, cached_iso);
    }
    char ts[SH_ISO_LEN];
    memcpy(ts, cached_iso, SH_ISO_LEN);
    int ms = (int)(now % 1000);
    ts[20] = (char)('0' + ms / 100);
    ts[21] = (char)('0' + ms / 10 % 10);
    ts[22] = (char)('0' + ms % 10);
#define LIT(text) sh_buf_append(b, text, sizeof text - 1)
    LIT("{\"ts\":\"");
    sh_buf_append(b, ts, SH_ISO_LEN - 1);
    LIT("\",\"id\":\"");
    sh_buf_append(b, req->request_id, 18);
    LIT("\",\"ip\":\"");
    sh_buf_puts(b, req->client_ip); /* formatted by inet_ntop: nothing to escape */
    LIT("\",\"method\":");
    if (req->method) { /* a known method; otherwise whatever the client sent, escaped */
        LIT("\"");
        sh_buf_puts(b, sh_method_name(req->method));
        LIT("\"");
    } else {
        sh_buf_json_str(b, req->method_name, strlen(req->method_name));
    }
    LIT(",\"route\":\"");
    sh_buf_puts(b, route); /* a route pattern of ours or a fixed word: nothing to escape */
    LIT("\",\"status\":");
    put_u64(b, (uint64_t)status);
    LIT(",\"bytes\":");
    put_u64(b, req->sent_bytes);
    LIT(",\"us\":");
    put_u64(b, dur_ns / 1000);
#undef LIT
    sh_buf_putc(b, '}');
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
    (void)cls;
    (void)c;
    sh_req *req = *con_cls;
    if (!req)
        return;
    uint64_t dur = sh_mono_ns() - req->t0_ns;
    int status = req->status ? req->status : 499; /* client went away before a reply */
    if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK && !req->status)
        status = 499;
    sh_metrics_record(req->route_index, status, dur);
    char line[1024];
    sh_buf b;
    sh_buf_init_fixed(&b, line, sizeof line);
    const char *route = req->route                             ? req->route->path
                        : req->route_index == SH_METRIC_STATIC ? "static"
                                                               : "unmatched";
    append_access_line(&b, req, route, status, dur);
    if (sh_buf_ok(&b) == SH_OK)
        sh_log_access(b.data, b.len);
    sh_pool_destroy(req->pool);
    *con_cls = NULL;
    atomic_fetch_sub(&inflight, 1);
}

static void mhd_log(void *cls, const char *fmt, va_list ap) {
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    sh_log(SH_LOG_WARN, "http", "%s", msg);
}

int sh_server_start(sh_app *app, sh_server **out, sh_err *err) {
    *out = NULL;
    unsigned char rnd[4];
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(req_prefix, sizeof req_prefix, rnd, sizeof rnd);
    struct addrinfo hints = {0}, *ai = NULL;
    hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE;
    hints.ai_socktype = SOCK_STREAM;
    char port[16];
    snprintf(port, sizeof port, "%d", app->cfg.listen_port);
    if (getaddrinfo(app->cfg.listen_host, port, &hints, &ai) != 0 || !ai)
        return sh_err_set(err, 400, "invalid_listen", "listen",
                          "监听地址 %s 无效（应为 IP 地址，如 127.0.0.1）", app->cfg.listen_host);
    sh_server *s = sh_calloc(1, sizeof *s);
    if (!s) {
        freeaddrinfo(ai);
        return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    }
    s->app = app;
    unsigned flags =
        MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
    if (ai->ai_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    s->d = MHD_start_daemon(
        flags, (uint16_t)app->cfg.listen_port, NULL, NULL, on_request, app, MHD_OPTION_EXTERNAL_LOGGER,
        mhd_log, NULL, /* first, so every message comes here */
        MHD_OPTION_SOCK_ADDR, ai->ai_addr, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)app->cfg.threads,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)app->cfg.max_connections, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)app->cfg.header_bytes, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)app->cfg.request_timeout_s,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)0, MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, app, MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL,
        MHD_OPTION_END);
    freeaddrinfo(ai);
    if (!s->d) {
        sh_free(s);
        return sh_err_set(err, 500, "listen_failed", "listen", "无法在 %s:%d 上监听（端口被占用或无权限）",
                          app->cfg.listen_host, app->cfg.listen_port);
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? di->port : app->cfg.listen_port;
    current = s;
    *out = s;
    return SH_OK;
}

int sh_server_port(const sh_server *s) { return s->port; }

unsigned sh_server_connections(const sh_server *s) {
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
    return di ? di->num_connections : 0;
}

void sh_server_stop(sh_server *s, int grace_ms) {
    if (!s)
        return;
    MHD_socket fd = MHD_quiesce_daemon(s->d);
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
    for (int waited = 0; atomic_load(&inflight) > 0 && waited < grace_ms; waited += 10)
        usleep(10000);
    /* Requests still deferred belong to a module's worker (the xAPI committer):
     * stopping the modules finishes that work and resumes them, and they are
     * answered before the daemon goes, which would otherwise free them under
     * the worker. */
    if (atomic_load(&inflight) > 0 && s->app) {
        sh_app_stop_modules(s->app);
        for (int waited = 0; atomic_load(&inflight) > 0 && waited < grace_ms; waited += 10)
            usleep(10000);
    }
    if (atomic_load(&inflight) > 0)
        sh_log(SH_LOG_WARN, "shutdown", "%d request(s) still running after %d ms; closing",
               atomic_load(&inflight), grace_ms);
    MHD_stop_daemon(s->d);
    current = NULL;
    sh_free(s);
}
