/* reply.c — building replies in memory and reading the request, for handlers.
 * The server (server.c) sends what is built here. */
#include "http/http.h"

#include "app.h"
#include "store/store.h"

#include <fcntl.h>
#include <sodium.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *sh_req_param(const sh_req *req, const char *name) {
    for (int i = 0; i < req->nparams; i++)
        if (strcmp(req->param_names[i], name) == 0)
            return req->param_values[i];
    return NULL;
}

const char *sh_req_query(const sh_req *req, const char *name) {
    return MHD_lookup_connection_value(req->mhd, MHD_GET_ARGUMENT_KIND, name);
}

const char *sh_req_header(const sh_req *req, const char *name) {
    return MHD_lookup_connection_value(req->mhd, MHD_HEADER_KIND, name);
}

const char *sh_req_cookie(const sh_req *req, const char *name) {
    return MHD_lookup_connection_value(req->mhd, MHD_COOKIE_KIND, name);
}

typedef struct each_ctx {
    void (*fn)(void *ctx, const char *k, const char *v);
    void *ctx;
} each_ctx;

static enum MHD_Result each_arg(void *cls, enum MHD_ValueKind kind, const char *k, const char *v) {
    (void)kind;
    each_ctx *e = cls;
    e->fn(e->ctx, k, v ? v : "");
    return MHD_YES;
}

void sh_req_each_query(const sh_req *req, void (*fn)(void *ctx, const char *k, const char *v), void *ctx) {
    each_ctx e = {fn, ctx};
    MHD_get_connection_values(req->mhd, MHD_GET_ARGUMENT_KIND, each_arg, &e);
}

void sh_form_decode(char *s) {
    for (char *p = s; *p; p++)
        if (*p == '+')
            *p = ' ';
    MHD_http_unescape(s);
}

void sh_req_conn_release(sh_req *req) {
    sh_db_release(req->conn);
    req->conn = NULL;
}

static void release_conn(void *arg) { sh_req_conn_release(arg); }

sh_conn *sh_req_conn(sh_req *req) {
    if (req->conn)
        return req->conn;
    sh_conn *c = sh_db_acquire(req->app->db, &req->err);
    if (!c)
        return NULL;
    if (sh_pool_cleanup(req->pool, release_conn, req) != SH_OK) {
        sh_db_release(c);
        sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
        return NULL;
    }
    sh_conn_deadline(c, req->app->cfg.query_timeout_ms);
    req->conn = c;
    return c;
}

int sh_req_json(sh_req *req, json_t **out) {
    *out = NULL;
    const char *ct = req->content_type;
    size_t jl = strlen("application/json");
    if (!ct || strncasecmp(ct, "application/json", jl) != 0 || (ct[jl] && ct[jl] != ';' && ct[jl] != ' '))
        return sh_err_set(&req->err, 415, "unsupported_media_type", NULL,
                          "请求体须为 JSON（Content-Type: application/json）");
    if (req->body.len == 0)
        return sh_err_set(&req->err, 400, "empty_body", NULL, "请求体为空");
    json_error_t je;
    json_t *j = json_loadb(req->body.data, req->body.len, JSON_REJECT_DUPLICATES, &je);
    if (!j)
        return sh_err_set(&req->err, 400, "invalid_json", NULL,
                          "请求体不是合法的 JSON（第 %d 行第 %d 列）：%s", je.line, je.column, je.text);
    if (!json_is_object(j)) {
        json_decref(j);
        return sh_err_set(&req->err, 400, "invalid_body", NULL, "请求体应为 JSON 对象");
    }
    *out = j;
    return SH_OK;
}

/* A new reply body: the old one and its ETag go. */
static void reset_out(sh_req *req) {
    sh_buf_reset(&req->out);
    req->etag[0] = '\0';
}

static int dump_cb(const char *buf, size_t size, void *data) {
    return sh_buf_append(data, buf, size) == SH_OK ? 0 : -1;
}

/* One pass: dumping into a guessed room would serialise every reply larger than
 * the guess twice. */
int sh_json_append(sh_buf *b, const json_t *v) {
    return json_dump_callback(v, dump_cb, b, JSON_COMPACT) == 0 ? SH_OK : SH_ERR;
}

int sh_reply_json(sh_req *req, int status, json_t *obj) {
    if (!obj)
        return sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
    reset_out(req);
    int rc = sh_json_append(&req->out, obj);
    json_decref(obj);
    if (rc != SH_OK)
        return sh_err_set(&req->err, 500, "reply_too_large", NULL, "应答过大");
    req->status = status;
    req->out_type = "application/json; charset=utf-8";
    return SH_OK;
}

int sh_reply_items(sh_req *req, json_t *items, int rc) {
    if (rc == SH_ERR) {
        json_decref(items);
        return SH_ERR;
    }
    json_t *out = json_object();
    if (out)
        json_object_set_new(out, "items", items);
    else
        json_decref(items);
    return sh_reply_json(req, 200, out);
}

void sh_body_etag(const char *data, size_t len, char out[SH_ETAG_SIZE]) {
    unsigned char h[16];
    crypto_generichash(h, sizeof h, (const unsigned char *)(data ? data : ""), len, NULL, 0);
    out[0] = '"';
    sodium_bin2hex(out + 1, 33, h, sizeof h);
    out[33] = '"';
    out[34] = '\0';
}

sh_buf *sh_reply_json_begin(sh_req *req, int status) {
    reset_out(req);
    req->status = status;
    req->out_type = "application/json; charset=utf-8";
    return &req->out;
}

int sh_reply_raw(sh_req *req, int status, const char *content_type, const char *data, size_t len) {
    reset_out(req);
    if (sh_buf_append(&req->out, data, len) != SH_OK)
        return sh_err_set(&req->err, 500, "reply_too_large", NULL, "应答过大");
    req->status = status;
    req->out_type = content_type;
    return SH_OK;
}

static void close_unsent(void *arg) {
    sh_req *req = arg;
    if (req->out_fd_set)
        close(req->out_fd);
    req->out_fd_set = 0;
}

int sh_reply_file(sh_req *req, int status, const char *content_type, int fd, size_t len) {
    if (req->out_fd_set || sh_pool_cleanup(req->pool, close_unsent, req) != SH_OK) {
        close(fd);
        return sh_err_set(&req->err, 500, "internal", NULL, "无法发送文件");
    }
    reset_out(req);
    req->out_fd_set = 1;
    req->out_fd = fd;
    req->out_fd_len = len;
    req->status = status;
    req->out_type = content_type;
    return SH_OK;
}

int sh_reply_temp_path(sh_req *req, char path[SH_TEMP_PATH]) {
    const char *dir = getenv("TMPDIR");
    int n = snprintf(path, SH_TEMP_PATH, "%s/shushu-reply-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = n > 0 && n < SH_TEMP_PATH ? mkstemp(path) : -1;
    if (fd < 0)
        return sh_err_set(&req->err, 500, "write_failed", NULL, "无法创建临时文件");
    close(fd);
    return SH_OK;
}

int sh_reply_temp_file(sh_req *req, const char *path, const char *content_type, const char *filename,
                       const char *label, const char *ext) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    unlink(path);
    off_t len = fd >= 0 ? lseek(fd, 0, SEEK_END) : -1;
    if (len < 0 || lseek(fd, 0, SEEK_SET) != 0) {
        if (fd >= 0)
            close(fd);
        return sh_err_set(&req->err, 500, "write_failed", NULL, "无法读取生成的文件");
    }
    char disp[512];
    int n = snprintf(disp, sizeof disp, "attachment; filename=\"%s.%s\"", filename, ext);
    if (label && *label) {
        n += snprintf(disp + n, sizeof disp - (size_t)n, "; filename*=UTF-8''");
        for (size_t i = 0; label[i] && (size_t)n + 16 < sizeof disp; i++)
            n += snprintf(disp + n, sizeof disp - (size_t)n, "%%%02X", (unsigned char)label[i]);
        snprintf(disp + n, sizeof disp - (size_t)n, ".%s", ext);
    }
    sh_reply_header(req, "Content-Disposition", disp);
    return sh_reply_file(req, 200, content_type, fd, (size_t)len);
}

int sh_reply_empty(sh_req *req, int status) {
    reset_out(req);
    req->status = status;
    req->out_type = NULL;
    return SH_OK;
}

int sh_reply_header(sh_req *req, const char *name, const char *value) {
    if (req->nextra == (int)(sizeof req->extra_headers / sizeof req->extra_headers[0]))
        return SH_ERR;
    const char *v = sh_pstrdup(req->pool, value);
    if (!v)
        return SH_ERR;
    req->extra_headers[req->nextra][0] = name;
    req->extra_headers[req->nextra][1] = v;
    req->nextra++;
    return SH_OK;
}

static void put_item(sh_buf *b, const sh_err_item *it) {
    sh_buf_puts(b, "{\"code\":");
    sh_buf_json_str(b, it->code, strlen(it->code));
    sh_buf_puts(b, ",\"message\":");
    sh_buf_json_str(b, it->message, strlen(it->message));
    if (it->field[0]) {
        sh_buf_puts(b, ",\"field\":");
        sh_buf_json_str(b, it->field, strlen(it->field));
    }
    if (it->value[0]) {
        sh_buf_puts(b, ",\"value\":");
        sh_buf_json_str(b, it->value, strlen(it->value));
    }
    if (it->row)
        sh_buf_printf(b, ",\"row\":%ld", it->row);
    if (it->column)
        sh_buf_printf(b, ",\"column\":%ld", it->column);
}

void sh_reply_error(sh_req *req, const sh_err *err) {
    sh_buf *b = &req->out;
    sh_buf_reset(b);
    int status = err->status >= 400 && err->status <= 599 ? err->status : 500;
    sh_buf_puts(b, "{\"error\":");
    put_item(b, &err->first);
    if (err->nmore > 1) {
        sh_buf_puts(b, ",\"details\":[");
        for (size_t i = 0; i < err->nmore; i++) {
            if (i)
                sh_buf_putc(b, ',');
            put_item(b, &err->more[i]);
            sh_buf_putc(b, '}');
        }
        sh_buf_putc(b, ']');
    }
    sh_buf_puts(b, "}}");
    if (sh_buf_ok(b) != SH_OK) { /* cannot even say what went wrong: a fixed body */
        sh_buf_free(b);
        sh_buf_init(b, 0);
        sh_buf_puts(b, "{\"error\":{\"code\":\"internal\",\"message\":\"服务器内部错误\"}}");
    }
    req->status = status;
    req->out_type = "application/json; charset=utf-8";
}

json_t *sh_err_items_json(const sh_err *e, size_t max) {
    json_t *a = json_array();
    size_t n = sh_err_count(e);
    for (size_t i = 0; i < n && i < max; i++) {
        const sh_err_item *it = e->nmore ? &e->more[i] : &e->first;
        json_t *o = json_pack("{s:s,s:s}", "code", it->code, "message", it->message);
        if (it->row)
            json_object_set_new(o, "row", json_integer(it->row));
        if (it->column)
            json_object_set_new(o, "column", json_integer(it->column));
        if (it->value[0])
            json_object_set_new(o, "value", json_string(it->value));
        json_array_append_new(a, o);
    }
    return a;
}
