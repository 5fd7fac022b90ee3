/* codes.c — the code-table module: storage, loading from CSV (libcsv), the
 * in-memory validation index and the public read API (code tables are national
 * reference data, not personal data). */
#include "codes/codes.h"

#include "core/alloc.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/strset.h"
#include "model/api.h"

#include <csv.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

/* ---- declarations ---- */

static const sh_field code_table_fields[] = {
    SH_FIELD_KEY,
    {.name = "id",
     .column = "uid",
     .type = SH_T_UID,
     .label = "代码表标识",
     .grade = SH_L1,
     .max_len = 64,
     .doc = "代码表的标识，即数据文件名，例如 gb2260_region"},
    {.name = "title",
     .column = "title",
     .type = SH_T_TEXT,
     .label = "名称",
     .grade = SH_L1,
     .flags = SH_F_READONLY},
    {.name = "standard",
     .column = "standard",
     .type = SH_T_TEXT,
     .label = "标准",
     .grade = SH_L1,
     .flags = SH_F_READONLY | SH_F_FILTER},
    {.name = "version",
     .column = "version",
     .type = SH_T_TEXT,
     .label = "版本",
     .grade = SH_L1,
     .flags = SH_F_READONLY,
     .doc = "数据文件的 BLAKE2b 摘要（前 16 位十六进制）"},
    {.name = "item_count",
     .column = "item_count",
     .type = SH_T_INT,
     .label = "代码数",
     .grade = SH_L1,
     .flags = SH_F_READONLY},
    {.name = "loaded_at",
     .column = "loaded_at",
     .type = SH_T_TIME,
     .label = "加载时间",
     .grade = SH_L1,
     .flags = SH_F_READONLY},
};

static const sh_entity code_table_entity = {
    .name = "code_table", .table = "code_table", .label = "代码表", SH_FIELDS(code_table_fields)};

static const sh_field code_item_fields[] = {
    SH_FIELD_KEY,
    {.name = "_table",
     .column = "table_id",
     .type = SH_T_INT,
     .label = "所属代码表",
     .grade = SH_L1,
     .flags = SH_F_INTERNAL},
    {.name = "_version",
     .column = "version",
     .type = SH_T_TEXT,
     .label = "版本",
     .grade = SH_L1,
     .flags = SH_F_INTERNAL},
    {.name = "code",
     .column = "code",
     .type = SH_T_TEXT,
     .label = "代码",
     .grade = SH_L1,
     .flags = SH_F_READONLY | SH_F_FILTER,
     .max_len = 32},
    {.name = "name",
     .column = "name",
     .type = SH_T_TEXT,
     .label = "名称",
     .grade = SH_L1,
     .flags = SH_F_READONLY},
    {.name = "parent",
     .column = "parent",
     .type = SH_T_TEXT,
     .label = "上级代码",
     .grade = SH_L1,
     .flags = SH_F_READONLY | SH_F_FILTER,
     .max_len = 32},
    {.name = "note",
     .column = "note",
     .type = SH_T_TEXT,
     .label = "说明",
     .grade = SH_L1,
     .flags = SH_F_READONLY,
     .max_len = 2000},
};

static const sh_entity code_item_entity = {
    .name = "code_item", .table = "code_item", .label = "代码", SH_FIELDS(code_item_fields)};

static const sh_migration migrations[] = {
    {1, "code tables",
     "CREATE TABLE code_table ("
     " id INTEGER PRIMARY KEY, uid TEXT NOT NULL UNIQUE, title TEXT NOT NULL, standard TEXT NOT NULL,"
     " version TEXT NOT NULL, item_count INTEGER NOT NULL DEFAULT 0, loaded_at BIGINT NOT NULL);"
     "CREATE TABLE code_item ("
     " id INTEGER PRIMARY KEY, table_id INTEGER NOT NULL REFERENCES code_table(id), version TEXT NOT NULL,"
     " code TEXT NOT NULL, name TEXT NOT NULL, parent TEXT, note TEXT,"
     " UNIQUE (table_id, version, code));",
     "CREATE TABLE code_table ("
     " id BIGSERIAL PRIMARY KEY, uid TEXT NOT NULL UNIQUE, title TEXT NOT NULL, standard TEXT NOT NULL,"
     " version TEXT NOT NULL, item_count INTEGER NOT NULL DEFAULT 0, loaded_at BIGINT NOT NULL);"
     "CREATE TABLE code_item ("
     " id BIGSERIAL PRIMARY KEY, table_id BIGINT NOT NULL REFERENCES code_table(id), version TEXT NOT NULL,"
     " code TEXT NOT NULL, name TEXT NOT NULL, parent TEXT, note TEXT,"
     " UNIQUE (table_id, version, code));"},
};

/* ---- in-memory index: "table\x1fcode" of current versions ---- */

static sh_strset *index_set;
static sh_strset *known_tables;

static int lookup(const char *table, const char *code) {
    if (!known_tables || !sh_strset_has(known_tables, table, strlen(table)))
        return -1;
    char key[256];
    int n = snprintf(key, sizeof key, "%s\x1f%s", table, code);
    if (n < 0 || (size_t)n >= sizeof key)
        return 0;
    return sh_strset_has(index_set, key, (size_t)n);
}

static int rebuild_index(sh_conn *c, sh_err *err) {
    sh_strset *set = sh_strset_new(8192), *tables = sh_strset_new(64);
    if (!set || !tables) {
        sh_strset_free(set);
        sh_strset_free(tables);
        return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    }
    sh_stmt *s = sh_prepare(c,
                            "SELECT t.uid, i.code FROM code_item i JOIN code_table t ON t.id = i.table_id "
                            "AND t.version = i.version",
                            err);
    int rc = s ? SH_OK : SH_ERR;
    while (s && (rc = sh_step(s, err)) == SH_ROW) {
        char key[256];
        const char *t = sh_col_text(s, 0);
        int n = snprintf(key, sizeof key, "%s\x1f%s", t, sh_col_text(s, 1));
        if (n > 0 && (size_t)n < sizeof key &&
            (sh_strset_add(set, key, (size_t)n) != SH_OK || sh_strset_add(tables, t, strlen(t)) != SH_OK)) {
            rc = sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
            break;
        }
    }
    sh_stmt_done(s);
    if (rc == SH_ERR) {
        sh_strset_free(set);
        sh_strset_free(tables);
        return SH_ERR;
    }
    /* tables with no items are still known */
    s = sh_prepare(c, "SELECT uid FROM code_table", err);
    while (s && sh_step(s, err) == SH_ROW)
        sh_strset_add(tables, sh_col_text(s, 0), sh_col_len(s, 0));
    sh_stmt_done(s);
    sh_strset *old_set = index_set, *old_tables = known_tables;
    index_set = set;
    known_tables = tables;
    sh_strset_free(old_set); /* only at start, before requests are served */
    sh_strset_free(old_tables);
    sh_set_code_lookup(lookup);
    return SH_OK;
}

/* ---- loading CSV files ---- */

typedef struct loader {
    sh_conn *c;
    sh_stmt *ins;
    int64_t table_id;
    const char *version;
    int col, row;
    int col_code, col_name, col_parent, col_note;
    char *cells[4];
    int ncols;
    char *headers[16];
    int items, failed;
    sh_err *err;
} loader;

static void on_field(void *data, size_t len, void *ctx) {
    loader *l = ctx;
    if (l->failed)
        return;
    if (l->row == 0) {
        if (l->col < 16)
            l->headers[l->col] = sh_strndup(data, len);
    } else {
        int which = l->col == l->col_code     ? 0
                    : l->col == l->col_name   ? 1
                    : l->col == l->col_parent ? 2
                    : l->col == l->col_note   ? 3
                                              : -1;
        if (which >= 0) {
            sh_free(l->cells[which]);
            l->cells[which] = sh_strndup(data, len);
        }
    }
    l->col++;
}

static void on_row(int term, void *ctx) {
    (void)term;
    loader *l = ctx;
    if (l->failed)
        return;
    if (l->row == 0) {
        l->col_code = l->col_name = l->col_parent = l->col_note = -1;
        for (int i = 0; i < l->col && i < 16; i++) {
            const char *h = l->headers[i] ? l->headers[i] : "";
            if (strcmp(h, "code") == 0)
                l->col_code = i;
            else if (strcmp(h, "name") == 0)
                l->col_name = i;
            else if (strcmp(h, "parent") == 0)
                l->col_parent = i;
            else if (strcmp(h, "note") == 0)
                l->col_note = i;
            sh_free(l->headers[i]);
            l->headers[i] = NULL;
        }
        if (l->col_code < 0 || l->col_name < 0) {
            l->failed = 1;
            sh_err_set(l->err, 400, "invalid_code_file", NULL, "代码表文件缺少 code 或 name 列");
        }
    } else if (l->cells[0] && l->cells[0][0]) {
        sh_stmt *s = l->ins;
        sh_bind_i64(s, 1, l->table_id);
        sh_bind_text(s, 2, l->version, -1);
        sh_bind_text(s, 3, l->cells[0], -1);
        sh_bind_text(s, 4, l->cells[1] ? l->cells[1] : "", -1);
        sh_bind_text(s, 5, l->cells[2] && l->cells[2][0] ? l->cells[2] : NULL, -1);
        sh_bind_text(s, 6, l->cells[3] && l->cells[3][0] ? l->cells[3] : NULL, -1);
        if (sh_step(s, l->err) == SH_ERR)
            l->failed = 1;
        else
            l->items++;
        sh_stmt_reset(s);
    }
    for (int i = 0; i < 4; i++) {
        sh_free(l->cells[i]);
        l->cells[i] = NULL;
    }
    l->col = 0;
    l->row++;
}

static int read_file(const char *path, unsigned char **data, size_t *len, sh_err *err) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return sh_err_set(err, 404, "code_file_missing", NULL, "找不到代码表文件 %s", path);
    sh_buf b;
    sh_buf_init(&b, 16u << 20);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (sh_buf_append(&b, chunk, n) != SH_OK)
            break;
    fclose(f);
    if (sh_buf_ok(&b) != SH_OK) {
        sh_buf_free(&b);
        return sh_err_set(err, 400, "code_file_too_big", NULL, "代码表文件过大：%s", path);
    }
    *data = (unsigned char *)sh_buf_detach(&b, len);
    return SH_OK;
}

static int load_table(sh_conn *c, const char *dir, const char *id, const char *title, const char *standard,
                      int *loaded, sh_err *err) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.csv", dir, id);
    unsigned char *data = NULL;
    size_t len = 0;
    if (read_file(path, &data, &len, err) != SH_OK)
        return SH_ERR;
    unsigned char h[8];
    crypto_generichash(h, sizeof h, data ? data : (const unsigned char *)"", len, NULL, 0);
    char version[17];
    sodium_bin2hex(version, sizeof version, h, sizeof h);

    int rc = SH_ERR;
    sh_stmt *s = sh_prepare(c, "SELECT id, version FROM code_table WHERE uid = $1", err);
    if (!s)
        goto out;
    sh_bind_text(s, 1, id, -1);
    int64_t table_id = 0;
    int same = 0, st = sh_step(s, err);
    if (st == SH_ROW) {
        table_id = sh_col_i64(s, 0);
        same = strcmp(sh_col_text(s, 1), version) == 0;
    }
    sh_stmt_done(s);
    if (st == SH_ERR)
        goto out;
    if (same) {
        rc = SH_OK;
        goto out;
    }
    if (sh_begin_write(c, err) != SH_OK)
        goto out;
    if (!table_id) {
        s = sh_prepare(c,
                       "INSERT INTO code_table (uid, title, standard, version, loaded_at) "
                       "VALUES ($1, $2, $3, '', $4) RETURNING id",
                       err);
        if (!s)
            goto fail;
        sh_bind_text(s, 1, id, -1);
        sh_bind_text(s, 2, title, -1);
        sh_bind_text(s, 3, standard, -1);
        sh_bind_i64(s, 4, sh_now_ms());
        st = sh_step(s, err);
        if (st == SH_ROW)
            table_id = sh_col_i64(s, 0);
        sh_stmt_done(s);
        if (st != SH_ROW)
            goto fail;
    }
    loader l = {.c = c, .table_id = table_id, .version = version, .err = err};
    l.ins = sh_prepare(c,
                       "INSERT INTO code_item (table_id, version, code, name, parent, note) "
                       "VALUES ($1, $2, $3, $4, $5, $6)",
                       err);
    struct csv_parser p;
    if (!l.ins || csv_init(&p, CSV_STRICT | CSV_APPEND_NULL) != 0)
        goto fail;
    csv_set_realloc_func(&p, sh_realloc);
    csv_set_free_func(&p, sh_free);
    if (csv_parse(&p, data, len, on_field, on_row, &l) != len || csv_fini(&p, on_field, on_row, &l) != 0) {
        if (!l.failed)
            sh_err_set(err, 400, "invalid_code_file", NULL, "代码表文件 %s 的 CSV 格式有误：%s", path,
                       csv_strerror(csv_error(&p)));
        l.failed = 1;
    }
    csv_free(&p);
    sh_stmt_done(l.ins);
    for (int i = 0; i < 4; i++)
        sh_free(l.cells[i]);
    for (int i = 0; i < 16; i++)
        sh_free(l.headers[i]);
    if (l.failed)
        goto fail;
    s = sh_prepare(c,
                   "UPDATE code_table SET title = $2, standard = $3, version = $4, item_count = $5, "
                   "loaded_at = $6 WHERE id = $1",
                   err);
    if (!s)
        goto fail;
    sh_bind_i64(s, 1, table_id);
    sh_bind_text(s, 2, title, -1);
    sh_bind_text(s, 3, standard, -1);
    sh_bind_text(s, 4, version, -1);
    sh_bind_i64(s, 5, l.items);
    sh_bind_i64(s, 6, sh_now_ms());
    st = sh_step(s, err);
    sh_stmt_done(s);
    if (st == SH_ERR || sh_commit(c, err) != SH_OK)
        goto fail;
    (*loaded)++;
    rc = SH_OK;
    goto out;
fail:
    sh_rollback(c);
out:
    sh_free(data);
    return rc;
}

typedef struct manifest {
    char *cells[3];
    int col, row;
    sh_conn *c;
    const char *dir;
    int *loaded;
    sh_err *err;
    int failed, tables;
} manifest;

static void man_field(void *data, size_t len, void *ctx) {
    manifest *m = ctx;
    if (m->col < 3) {
        sh_free(m->cells[m->col]);
        m->cells[m->col] = sh_strndup(data, len);
    }
    m->col++;
}

static void man_row(int term, void *ctx) {
    (void)term;
    manifest *m = ctx;
    if (m->row > 0 && !m->failed && m->cells[0] && m->cells[1] && m->cells[2]) {
        if (load_table(m->c, m->dir, m->cells[0], m->cells[1], m->cells[2], m->loaded, m->err) != SH_OK)
            m->failed = 1;
        m->tables++;
    }
    for (int i = 0; i < 3; i++) {
        sh_free(m->cells[i]);
        m->cells[i] = NULL;
    }
    m->col = 0;
    m->row++;
}

int sh_codes_sync(sh_db *db, const char *dir, int *loaded, sh_err *err) {
    *loaded = 0;
    char path[1024];
    snprintf(path, sizeof path, "%s/tables.csv", dir);
    unsigned char *data = NULL;
    size_t len = 0;
    if (read_file(path, &data, &len, err) != SH_OK)
        return SH_ERR;
    sh_conn *c = sh_db_acquire(db, err);
    if (!c) {
        sh_free(data);
        return SH_ERR;
    }
    manifest m = {.c = c, .dir = dir, .loaded = loaded, .err = err};
    struct csv_parser p;
    int rc = SH_ERR;
    if (csv_init(&p, CSV_STRICT | CSV_APPEND_NULL) == 0) {
        csv_set_realloc_func(&p, sh_realloc);
        csv_set_free_func(&p, sh_free);
        size_t used = csv_parse(&p, data, len, man_field, man_row, &m);
        int fin = csv_fini(&p, man_field, man_row, &m);
        if (used != len || fin != 0)
            sh_err_set(err, 400, "invalid_code_file", NULL, "代码表清单 %s 格式有误", path);
        else if (!m.failed)
            rc = SH_OK;
        csv_free(&p);
    }
    for (int i = 0; i < 3; i++)
        sh_free(m.cells[i]);
    if (rc == SH_OK)
        rc = rebuild_index(c, err);
    if (rc == SH_OK && *loaded)
        sh_log(SH_LOG_INFO, "codes_loaded", "%d of %d code tables loaded or updated", *loaded, m.tables);
    sh_db_release(c);
    sh_free(data);
    return rc;
}

int sh_codes_name(sh_conn *c, const char *table, const char *code, char *out, size_t cap, sh_err *err) {
    sh_stmt *s = sh_prepare(c,
                            "SELECT i.name FROM code_item i JOIN code_table t ON t.id = i.table_id "
                            "AND t.version = i.version WHERE t.uid = $1 AND i.code = $2",
                            err);
    if (!s)
        return SH_ERR;
    sh_bind_text(s, 1, table, -1);
    sh_bind_text(s, 2, code, -1);
    int rc = sh_step(s, err);
    if (rc == SH_ROW)
        snprintf(out, cap, "%s", sh_col_text(s, 0));
    sh_stmt_done(s);
    return rc;
}

int sh_codes_code_of(sh_conn *c, const char *table, const char *name, char *out, size_t cap, sh_err *err) {
    sh_stmt *s = sh_prepare(
        c,
        "SELECT i.code FROM code_item i JOIN code_table t ON t.id = i.table_id "
        "AND t.version = i.version WHERE t.uid = $1 AND i.name = $2 ORDER BY length(i.code) LIMIT 1",
        err);
    if (!s)
        return SH_ERR;
    sh_bind_text(s, 1, table, -1);
    sh_bind_text(s, 2, name, -1);
    int rc = sh_step(s, err);
    if (rc == SH_ROW)
        snprintf(out, cap, "%s", sh_col_text(s, 0));
    sh_stmt_done(s);
    return rc;
}

int sh_codes_list(sh_conn *c, const char *table, char *out, size_t cap, sh_err *err) {
    sh_stmt *s = sh_prepare(c,
                            "SELECT i.code, i.name FROM code_item i JOIN code_table t ON t.id = i.table_id "
                            "AND t.version = i.version WHERE t.uid = $1 ORDER BY i.code",
                            err);
    if (!s)
        return SH_ERR;
    sh_bind_text(s, 1, table, -1);
    size_t used = 0;
    int rc, n = 0;
    out[0] = '\0';
    while ((rc = sh_step(s, err)) == SH_ROW) {
        if (n == 8) { /* enough to show what is meant */
            if (used + 4 < cap)
                memcpy(out + used, "…", 4);
            break;
        }
        int w = snprintf(out + used, cap - used, "%s%s %s", n++ ? "，" : "", sh_col_text(s, 0),
                         sh_col_text(s, 1));
        if (w < 0 || (size_t)w >= cap - used) {
            out[used] = '\0';
            if (used + 4 < cap)
                memcpy(out + used, "…", 4);
            break;
        }
        used += (size_t)w;
    }
    sh_stmt_done(s);
    return rc == SH_ERR ? SH_ERR : SH_OK;
}

/* ---- API ---- */

static int start(sh_app *app, sh_err *err) {
    int loaded;
    char dir[1100];
    snprintf(dir, sizeof dir, "%s/codes", app->cfg.data_dir);
    return sh_codes_sync(app->db, dir, &loaded, err);
}

static int list_tables(sh_req *req) { return sh_api_list(req, &code_table_entity, NULL); }

static int bind_table(sh_stmt *s, void *ctx) { return sh_bind_text(s, 1, ctx, -1); }

static int list_items(sh_req *req) {
    const char *table = sh_req_param(req, "table");
    if (lookup(table, "") < 0)
        return sh_err_set(&req->err, 404, "not_found", "table", "代码表不存在");
    sh_scope scope = {
        .where = "t.table_id = (SELECT ct.id FROM code_table ct WHERE ct.uid = $1) AND t.version = "
                 "(SELECT ct.version FROM code_table ct WHERE ct.uid = $1)",
        .nparams = 1,
        .bind = bind_table,
        .ctx = (void *)table,
    };
    return sh_api_list(req, &code_item_entity, &scope);
}

static int get_table(sh_req *req) {
    return sh_api_get(req, &code_table_entity, sh_req_param(req, "table"), NULL);
}

static const sh_route routes[] = {
    {SH_GET, "/api/v1/codes", SH_PUBLIC, list_tables, "列出代码表（国家与行业标准代码）", NULL,
     &code_table_entity, SH_ROUTE_LIST},
    {SH_GET, "/api/v1/codes/{table}", SH_PUBLIC, get_table, "查看一个代码表", NULL, &code_table_entity, 0},
    {SH_GET, "/api/v1/codes/{table}/items", SH_PUBLIC, list_items, "列出代码表中的代码（可按上级代码筛选）",
     NULL, &code_item_entity, SH_ROUTE_LIST},
};

static const sh_entity *const entities[] = {&code_table_entity, &code_item_entity};

const sh_module sh_codes_module = {
    .name = "codes",
    .label = "代码表",
    .routes = routes,
    .nroutes = sizeof routes / sizeof routes[0],
    .migrations = migrations,
    .nmigrations = sizeof migrations / sizeof migrations[0],
    .entities = entities,
    .nentities = sizeof entities / sizeof entities[0],
    .start = start,
};
