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
    for (int i = 0; e && i < e->nfields; i++) {
        const sh_field *f = &e->fields[i];
        size_t n = strlen(f->column);
        /* an encrypted field's derived columns: column_mask, column_hash */
        int derived = strncmp(column, f->column, n) == 0 &&
                      ((sh_field_has_mask_column(f) && strcmp(column + n, "_mask") == 0) ||
                       (sh_field_has_hash_column(f) && strcmp(column + n, "_hash") == 0));
        if (strcmp(f->column, column) == 0 || derived)
            found = f;
    }
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
        int expected = 0;
        for (int k = 0; k < ent->nfields; k++)
            expected +=
                1 + sh_field_has_mask_column(&ent->fields[k]) + sh_field_has_hash_column(&ent->fields[k]);
        if (cols != expected)
            fprintf(stderr, "    %s: %d stored columns, %d declared\n", ent->table, cols, expected);
        CHECK(cols == expected);
        /* a filter on an encrypted field compares keyed hashes: it needs one */
        for (int k = 0; k < ent->nfields; k++) {
            const sh_field *f = &ent->fields[k];
            if ((f->flags & SH_F_ENCRYPT) && (f->flags & SH_F_FILTER) && !(f->flags & SH_F_LOOKUP)) {
                fprintf(stderr, "    %s.%s: filter on an encrypted field without a lookup hash\n", ent->table,
                        f->column);
                CHECK(0);
            }
        }
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
