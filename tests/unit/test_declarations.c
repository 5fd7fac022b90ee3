/* test_declarations.c — every stored column of every table, after all modules'
 * migrations, is declared in an entity with a data grade (DR-01); every entity's
 * table exists and every declared column is stored; the OpenAPI document covers
 * every route. A table or column added without a declaration fails here. */
#include "harness.h"

#include "app.h"
#include "http/router.h"
#include "model/openapi.h"
#include "model/registry.h"

#include <stdio.h>

typedef struct ctx {
    sh_conn *c;
    const char *table;
    int missing;
    char names[64][64];
    int n;
} ctx;

static void on_column(void *arg, const char *column) {
    ctx *x = arg;
    const sh_entity *e = sh_registry_by_table(x->table);
    const sh_field *found = NULL;
    for (int i = 0; e && i < e->nfields; i++)
        if (strcmp(e->fields[i].column, column) == 0)
            found = &e->fields[i];
    if (!found || found->grade < SH_L1 || found->grade > SH_L4) {
        fprintf(stderr, "    column %s.%s has no declaration or no grade\n", x->table, column);
        x->missing++;
    }
}

static void on_table(void *arg, const char *table) {
    ctx *x = arg;
    if (x->n < 64)
        snprintf(x->names[x->n++], 64, "%s", table);
}

static void count_column(void *arg, const char *column) {
    (void)column;
    (*(int *)arg)++;
}

TEST(every_stored_column_is_declared_with_a_grade) {
    sh_app app = {0};
    sh_app_defaults(&app.cfg);
    app.cfg.data_dir = "data";
    sh_err e;
    sh_err_init(&e);
    char path[512];
    snprintf(path, sizeof path, "%s/decl.db", sh_test_tmpdir());
    REQUIRE(sh_app_init(&app, &e) == SH_OK);
    if (sh_app_open_store(&app, path, SH_DB_CREATE, &e) != SH_OK) {
        fprintf(stderr, "    %s\n", e.first.message);
        REQUIRE(0);
    }
    ctx x = {0};
    x.c = sh_db_acquire(app.db, &e);
    REQUIRE(x.c);
    CHECK(sh_list_tables(x.c, on_table, &x, &e) == SH_OK);
    CHECK(x.n >= 5);
    for (int i = 0; i < x.n; i++) {
        x.table = x.names[i];
        if (!sh_registry_by_table(x.table)) {
            fprintf(stderr, "    table %s has no entity declaration\n", x.table);
            x.missing++;
            continue;
        }
        sh_table_columns(x.c, x.table, on_column, &x, &e);
    }
    CHECK(x.missing == 0);
    /* and the other way: every declared entity is stored, column by column */
    for (int i = 0; i < sh_registry_count(); i++) {
        const sh_entity *ent = sh_registry_at(i);
        int cols = 0;
        CHECK(sh_table_columns(x.c, ent->table, count_column, &cols, &e) == SH_OK);
        if (cols != ent->nfields)
            fprintf(stderr, "    %s: %d stored columns, %d declared fields\n", ent->table, cols,
                    ent->nfields);
        CHECK(cols == ent->nfields);
    }
    sh_db_release(x.c);

    json_t *doc = sh_openapi_build(&app, "test");
    REQUIRE(doc);
    json_t *paths = json_object_get(doc, "paths");
    for (int i = 0; i < sh_router_count(app.router); i++) {
        const sh_route *rt = sh_router_at(app.router, i)->route;
        json_t *item = json_object_get(paths, rt->path);
        CHECK(item != NULL);
        char m[8] = {0};
        const char *mn = sh_method_name(rt->method);
        for (int k = 0; mn[k] && k < 7; k++)
            m[k] = (char)(mn[k] | 0x20);
        json_t *op = json_object_get(item, m);
        CHECK(op && json_string_value(json_object_get(op, "x-permission")));
    }
    json_t *org = json_object_get(json_object_get(json_object_get(doc, "components"), "schemas"), "org_unit");
    CHECK_STR(json_string_value(
                  json_object_get(json_object_get(json_object_get(org, "properties"), "name"), "x-grade")),
              "L1");
    json_decref(doc);
    sh_app_close(&app);
}
