/* app.h — the module contract and the running application.
 *
 * A capability is a folder under src/ with one sh_module: its routes, its
 * migrations and its entity declarations, all as data. Adding a capability is
 * adding a folder and one line in the module list of src/main.c. The core reads
 * these tables: the router registers the routes (refusing any without a
 * permission), the migrator applies the migrations, the model machinery derives
 * JSON, validation, lists and the OpenAPI document from the entities. */
#ifndef SH_APP_H
#define SH_APP_H

#include "http/http.h"
#include "model/entity.h"
#include "store/migrate.h"
#include "store/store.h"

typedef struct sh_module {
    const char *name;  /* short English name: "system", "org", … */
    const char *label; /* Chinese name, used as the API document tag */
    const sh_route *routes;
    int nroutes;
    const sh_migration *migrations;
    int nmigrations;
    const sh_entity *const *entities;
    int nentities;
    /* Called once after migrations; may be NULL. */
    int (*start)(sh_app *app, sh_err *err);
    /* Called once before the store closes (background work ends here); may be NULL. */
    void (*stop)(sh_app *app);
} sh_module;

typedef struct sh_config {
    const char *db_url;
    const char *listen_host;
    int listen_port;
    const char *web_dir;    /* built console, default web/dist */
    const char *data_dir;   /* shipped data (code tables), default data */
    const char *access_log; /* "-" stdout, "off", or a path */
    const char *key_file;   /* secret keys; default DB.key beside an SQLite file */
    int threads;            /* worker threads of the HTTP server */
    int max_connections;
    int max_body_bytes;
    int max_upload_bytes;  /* bodies of SH_ROUTE_UPLOAD routes (file imports) */
    int header_bytes;      /* per-connection memory for headers */
    int request_timeout_s; /* idle time before a connection is closed */
    int query_timeout_ms;  /* store work one request may do before it is interrupted */
} sh_config;

struct sh_app {
    sh_config cfg;
    sh_db *db;
    const sh_module *const *modules;
    int nmodules;
    struct sh_router *router;
    struct sh_static *web;
    int64_t started_ms;
    int demo;            /* database made by `shushu demo` */
    int modules_stopped; /* sh_app_stop_modules has run */
    /* Decides whether req may call its route; SH_OK or SH_ERR with req->err
     * (401/403). Installed by the identity module; the default allows only
     * SH_PUBLIC routes. */
    int (*authorize)(sh_req *req);
};

/* The modules compiled into this program (defined in main.c). */
extern const sh_module *const sh_modules[];
extern const int sh_nmodules;

void sh_app_defaults(sh_config *cfg);
/* Register the modules' entities and routes (refusing a route without a
 * permission) and install the default authorisation. */
int sh_app_init(sh_app *app, sh_err *err);
/* Open the store, apply every module's migrations, then run the modules' start
 * hooks (code tables load, documents are generated). */
int sh_app_open_store(sh_app *app, const char *url, int flags, sh_err *err);
/* Apply every module's migrations to db (an open store; nothing else is started). */
int sh_app_migrate(const sh_app *app, sh_db *db, sh_err *err);
/* Run the modules' stop hooks, once: work they hold (the xAPI group commit)
 * is finished and every request waiting on it resumed. sh_app_close calls it
 * when the server has not. */
void sh_app_stop_modules(sh_app *app);
void sh_app_close(sh_app *app);

#endif
