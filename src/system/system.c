/* system.c — health, metrics, the API document and deployment facts. */
#include "system/system.h"

#include "core/alloc.h"
#include "core/clock.h"
#include "http/metrics.h"
#include "http/server.h"
#include "model/openapi.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

static const sh_field meta_fields[] = {
    {.name = "key", .column = "key", .type = SH_T_TEXT, .label = "键", .grade = SH_L1},
    {.name = "value", .column = "value", .type = SH_T_TEXT, .label = "值", .grade = SH_L1},
};
static const sh_entity meta_entity = {.name = "shushu_meta",
                                      .table = "shushu_meta",
                                      .label = "部署信息",
                                      SH_FIELDS(meta_fields),
                                      .flags = SH_E_INTERNAL};

static const sh_field migration_fields[] = {
    {.name = "module", .column = "module", .type = SH_T_TEXT, .label = "模块", .grade = SH_L1},
    {.name = "version", .column = "version", .type = SH_T_INT, .label = "版本", .grade = SH_L1},
    {.name = "name", .column = "name", .type = SH_T_TEXT, .label = "说明", .grade = SH_L1},
    {.name = "applied_at", .column = "applied_at", .type = SH_T_TIME, .label = "应用时间", .grade = SH_L1},
};
static const sh_entity migration_entity = {.name = "schema_migrations",
                                           .table = "schema_migrations",
                                           .label = "结构版本",
                                           SH_FIELDS(migration_fields),
                                           .flags = SH_E_INTERNAL};

static const sh_migration migrations[] = {
    {1, "deployment facts", "CREATE TABLE shushu_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"},
};

int sh_meta_get(sh_conn *c, const char *key, char *out, size_t cap, sh_err *err) {
    sh_stmt *s = sh_prepare(c, "SELECT value FROM shushu_meta WHERE key = $1", err);
    if (!s)
        return SH_ERR;
    sh_bind_text(s, 1, key, -1);
    int rc = sh_step(s, err);
    if (rc == SH_ROW)
        snprintf(out, cap, "%s", sh_col_text(s, 0));
    sh_stmt_done(s);
    return rc;
}

int sh_meta_set(sh_conn *c, const char *key, const char *value, sh_err *err) {
    sh_stmt *s = sh_prepare(
        c, "INSERT INTO shushu_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = $2",
        err);
    if (!s)
        return SH_ERR;
    sh_bind_text(s, 1, key, -1);
    sh_bind_text(s, 2, value, -1);
    int rc = sh_step(s, err);
    sh_stmt_done(s);
    return rc == SH_ERR ? SH_ERR : SH_OK;
}

/* ---- /healthz: the store is probed at most once a second, so health checks
 * stay cheap under load yet never report a dead store for long ---- */

static atomic_int_fast64_t last_probe_ms;
static atomic_int store_ok = 1;
static char schema_json[1024] = "{}";
static char *openapi_text;
static size_t openapi_len;

static int probe_store(sh_req *req) {
    int64_t now = sh_now_ms(), last = atomic_load(&last_probe_ms);
    if (now - last < 1000 || !atomic_compare_exchange_strong(&last_probe_ms, &last, now))
        return atomic_load(&store_ok);
    sh_err e;
    sh_err_init(&e);
    int64_t one = 0;
    sh_conn *c = sh_db_acquire(req->app->db, &e);
    int ok = c && sh_query_i64(c, "SELECT 1", &one, &e) == SH_ROW && one == 1;
    sh_db_release(c);
    sh_err_clear(&e);
    atomic_store(&store_ok, ok);
    return ok;
}

/* The reply changes at most once a second (uptime, the probe): each thread keeps
 * the last one it built and reuses it within the same second. */
static int healthz(sh_req *req) {
    static _Thread_local char cached[1400];
    static _Thread_local size_t cached_len;
    static _Thread_local int64_t cached_sec = -1;
    static _Thread_local int cached_ok;
    int ok = probe_store(req);
    int64_t up = (sh_now_ms() - req->app->started_ms) / 1000;
    if (up != cached_sec || ok != cached_ok) {
        sh_buf b;
        sh_buf_init_fixed(&b, cached, sizeof cached);
        sh_buf_printf(&b,
                      "{\"status\":\"%s\",\"version\":\"" SHUSHU_VERSION
                      "\",\"store\":\"%s\",\"store_ok\":%s,"
                      "\"demo\":%s,\"uptime_s\":%lld,\"schema\":%s}",
                      ok ? "ok" : "degraded", sh_db_kind_name(req->app->db), ok ? "true" : "false",
                      req->app->demo ? "true" : "false", (long long)up, schema_json);
        if (sh_buf_ok(&b) != SH_OK)
            return sh_err_set(&req->err, 500, "internal", NULL, "健康检查应答过大");
        cached_len = b.len;
        cached_sec = up;
        cached_ok = ok;
    }
    return sh_reply_raw(req, ok ? 200 : 503, "application/json; charset=utf-8", cached, cached_len);
}

static int metrics(sh_req *req) {
    const sh_server *srv = sh_server_current();
    if (sh_metrics_render(&req->out, req->app->router, srv ? sh_server_connections(srv) : 0) != SH_OK)
        return sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
    req->status = 200;
    req->out_type = "text/plain; version=0.0.4; charset=utf-8";
    return SH_OK;
}

static int openapi(sh_req *req) {
    if (!openapi_text)
        return sh_err_set(&req->err, 503, "not_ready", NULL, "接口文档尚未生成");
    return sh_reply_raw(req, 200, "application/json; charset=utf-8", openapi_text, openapi_len);
}

static int api_docs(sh_req *req) {
    sh_reply_header(req, "Location", "/developer/api");
    return sh_reply_empty(req, 302);
}

static int start(sh_app *app, sh_err *err) {
    /* schema versions for /healthz */
    sh_conn *c = sh_db_acquire(app->db, err);
    if (!c)
        return SH_ERR;
    sh_buf b;
    sh_buf_init_fixed(&b, schema_json, sizeof schema_json);
    sh_buf_putc(&b, '{');
    for (int i = 0, n = 0; i < app->nmodules; i++) {
        int v = 0;
        if (!app->modules[i]->nmigrations)
            continue; /* nothing stored, no schema version */
        sh_schema_version(c, app->modules[i]->name, &v, NULL);
        sh_buf_printf(&b, "%s\"%s\":%d", n++ ? "," : "", app->modules[i]->name, v);
    }
    sh_buf_putc(&b, '}');
    char demo[8] = "";
    app->demo = sh_meta_get(c, "demo", demo, sizeof demo, NULL) == SH_ROW && strcmp(demo, "1") == 0;
    sh_db_release(c);
    if (sh_buf_ok(&b) != SH_OK)
        strcpy(schema_json, "{}");
    json_t *doc = sh_openapi_build(app, SHUSHU_VERSION);
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (!text)
        return sh_err_set(err, 500, "out_of_memory", NULL, "无法生成接口文档");
    sh_free(openapi_text);
    openapi_text = text;
    openapi_len = strlen(text);
    return SH_OK;
}

static const sh_route routes[] = {
    {SH_GET, "/healthz", SH_PUBLIC, healthz, "健康检查：版本、存储状态、结构版本", NULL, NULL, SH_ROUTE_RAW},
    {SH_GET, "/metrics", "system.metrics", metrics, "Prometheus 指标", NULL, NULL, SH_ROUTE_RAW},
    {SH_GET, "/api/openapi.json", SH_PUBLIC, openapi, "OpenAPI 3.1 接口文档", NULL, NULL, 0},
    {SH_GET, "/api/docs", SH_PUBLIC, api_docs, "接口文档页面（跳转到控制台的 API 文档）", NULL, NULL,
     SH_ROUTE_RAW},
};

static const sh_entity *const entities[] = {&meta_entity, &migration_entity};

const sh_module sh_system_module = {
    .name = "system",
    .label = "系统",
    .routes = routes,
    .nroutes = sizeof routes / sizeof routes[0],
    .migrations = migrations,
    .nmigrations = sizeof migrations / sizeof migrations[0],
    .entities = entities,
    .nentities = sizeof entities / sizeof entities[0],
    .start = start,
};
