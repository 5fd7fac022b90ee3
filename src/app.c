/* app.c — wiring shared by the subcommands: configuration defaults, opening the
 * store with every module's migrations, starting the modules, and the default
 * authorisation used until the identity module installs its own. */
#include "app.h"

#include "core/keys.h"
#include "core/log.h"
#include "http/router.h"
#include "model/registry.h"
#include "system/system.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void sh_app_defaults(sh_config *cfg) {
    memset(cfg, 0, sizeof *cfg);
    cfg->listen_host = "127.0.0.1";
    cfg->listen_port = 8080;
    cfg->web_dir = "web/dist";
    cfg->data_dir = "data";
    cfg->access_log = "-";
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    cfg->threads = n > 0 && n < 64 ? (int)n : 2;
    cfg->max_connections = 2000;
    cfg->max_body_bytes = 1 << 20;
    cfg->max_upload_bytes = 64 << 20;
    cfg->header_bytes = 32 * 1024;
    cfg->request_timeout_s = 30;
    cfg->query_timeout_ms = 10000;
}

static int loopback(const char *ip) { return ip && (strncmp(ip, "127.", 4) == 0 || strcmp(ip, "::1") == 0); }

/* Until accounts exist, only public routes answer; Prometheus may scrape
 * /metrics from the same machine. */
static int default_authorize(sh_req *req) {
    const char *perm = req->route->permission;
    if (strcmp(perm, SH_PUBLIC) == 0)
        return SH_OK;
    if (strcmp(perm, "system.metrics") == 0 && loopback(req->client_ip))
        return SH_OK;
    return sh_err_set(&req->err, 401, "unauthenticated", NULL, "请先登录");
}

int sh_app_init(sh_app *app, sh_err *err) {
    app->modules = sh_modules;
    app->nmodules = sh_nmodules;
    if (!app->authorize)
        app->authorize = default_authorize;
    if (sh_registry_init(app->modules, app->nmodules, err) != SH_OK)
        return SH_ERR;
    return sh_router_build(app->modules, app->nmodules, &app->router, err);
}

/* The fingerprint of the master key the database was last re-encrypted under
 * (core/keys.h), into out; "" when none is recorded or it cannot be read. */
static void recorded_fingerprint(sh_db *db, char out[65]) {
    sh_err e;
    sh_err_init(&e);
    out[0] = '\0';
    sh_conn *c = sh_db_acquire(db, &e);
    if (c && sh_meta_get(c, "key_fingerprint", out, 65, &e) != SH_ROW)
        out[0] = '\0';
    sh_db_release(c);
    sh_err_clear(&e);
}

int sh_app_migrate(const sh_app *app, sh_db *db, sh_err *err) {
    sh_migration_set sets[64];
    int n = 0;
    for (int i = 0; i < app->nmodules && n < 64; i++)
        if (app->modules[i]->nmigrations)
            sets[n++] = (sh_migration_set){app->modules[i]->name, app->modules[i]->migrations,
                                           app->modules[i]->nmigrations};
    int applied = 0;
    return sh_migrate(db, sets, n, 0, &applied, err);
}

int sh_app_open_store(sh_app *app, const char *url, int flags, sh_err *err) {
    if (sh_db_open(url, flags, app->cfg.threads + 4, &app->db, err) != SH_OK)
        return SH_ERR;
    char key_path[4200], pending[4300], fp[65], now[33];
    struct stat st;
    if (sh_keys_path(sh_db_file(app->db), app->cfg.key_file, key_path, sizeof key_path, err) != SH_OK)
        goto fail;
    snprintf(pending, sizeof pending, "%s.new", key_path);
    if (stat(pending, &st) == 0) { /* a key rotation was interrupted: settle it first */
        recorded_fingerprint(app->db, fp);
        if (sh_keys_settle(key_path, fp[0] ? fp : NULL, err) != SH_OK)
            goto fail;
    }
    if (sh_keys_load(key_path, (flags & SH_DB_CREATE) != 0, err) != SH_OK)
        goto fail;
    if (sh_app_migrate(app, app->db, err) != SH_OK)
        goto fail;
    recorded_fingerprint(app->db, fp);
    if (fp[0] && (sh_keys_fingerprint(now) != SH_OK || strcmp(fp, now) != 0)) {
        sh_err_set(err, 400, "key_mismatch", "keys",
                   "密钥文件 %s 与数据库不符（数据库已轮换到另一把密钥）：请使用轮换后的密钥文件", key_path);
        goto fail;
    }
    for (int i = 0; i < app->nmodules; i++)
        if (app->modules[i]->start && app->modules[i]->start(app, err) != SH_OK)
            goto fail;
    return SH_OK;
fail:
    sh_db_close(app->db);
    app->db = NULL;
    return SH_ERR;
}

void sh_app_stop_modules(sh_app *app) {
    if (app->modules_stopped)
        return;
    app->modules_stopped = 1;
    for (int i = app->nmodules - 1; i >= 0; i--)
        if (app->db && app->modules[i]->stop)
            app->modules[i]->stop(app);
}

void sh_app_close(sh_app *app) {
    sh_app_stop_modules(app);
    sh_keys_unload();
    sh_db_close(app->db);
    app->db = NULL;
    sh_router_free(app->router);
    app->router = NULL;
}
