/* import.c — importing a OneRoster CSV zip: checks the zip and its manifest
 * (manifest.version 1.0, oneroster.version 1.2, each file bulk or absent), then
 * runs the files in dependency order — orgs, academicSessions, courses,
 * classes, roles, users, enrollments, demographics — each as an import kind of
 * the one import engine, inside ONE write transaction: the zip is imported all
 * or nothing, a dry run answers what a commit would, and every error names its
 * file, row and column. Importing stops after the first file with errors (the
 * later files name its rows). Rows upsert on their sourcedId or natural key, so
 * importing the same zip again changes nothing. Also the helpers the kinds'
 * row functions share. */
#include "oneroster/or_import.h"

#include "core/alloc.h"
#include "core/clock.h"
#include "identity/access.h"
#include "tabular/writer.h"
#include "oneroster/zipread.h"

#include <stdio.h>
#include <string.h>

/* ---- the map ---- */

static uint64_t hash(const char *s) {
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static int grow(or_map *m) {
    size_t cap = m->cap ? m->cap * 2 : 1024;
    or_entry *slots = sh_calloc(cap, sizeof *slots);
    if (!slots)
        return SH_ERR;
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->slots[i].key)
            continue;
        size_t j = hash(m->slots[i].key) & (cap - 1);
        while (slots[j].key)
            j = (j + 1) & (cap - 1);
        slots[j] = m->slots[i];
    }
    sh_free(m->slots);
    m->slots = slots;
    m->cap = cap;
    return SH_OK;
}

static char *joined(char *buf, size_t cap, const char *prefix, const char *key) {
    int n = snprintf(buf, cap, "%s%s", prefix, key);
    return n > 0 && (size_t)n < cap ? buf : NULL;
}

int or_map_put(or_map *m, const char *prefix, const char *key, int64_t a, int64_t b, const char *sub) {
    char k[160];
    if (!joined(k, sizeof k, prefix, key))
        return SH_ERR;
    if ((m->n + 1) * 10 > m->cap * 7 && grow(m) != SH_OK)
        return SH_ERR;
    if (!m->keys && !(m->keys = sh_pool_create()))
        return SH_ERR;
    size_t j = hash(k) & (m->cap - 1);
    while (m->slots[j].key && strcmp(m->slots[j].key, k) != 0)
        j = (j + 1) & (m->cap - 1);
    if (!m->slots[j].key) {
        if (!(m->slots[j].key = sh_pstrdup(m->keys, k)))
            return SH_ERR;
        m->n++;
    }
    m->slots[j].a = a;
    m->slots[j].b = b;
    snprintf(m->slots[j].sub, sizeof m->slots[j].sub, "%s", sub ? sub : "");
    return SH_OK;
}

const or_entry *or_map_get(const or_map *m, const char *prefix, const char *key) {
    char k[160];
    if (!m->cap || !key || !joined(k, sizeof k, prefix, key))
        return NULL;
    size_t j = hash(k) & (m->cap - 1);
    while (m->slots[j].key) {
        if (strcmp(m->slots[j].key, k) == 0)
            return &m->slots[j];
        j = (j + 1) & (m->cap - 1);
    }
    return NULL;
}

static void map_free(or_map *m) {
    sh_free(m->slots);
    sh_pool_destroy(m->keys);
    memset(m, 0, sizeof *m);
}

/* ---- helpers for the row functions ---- */

const char *or_sid(sh_import *im, const sh_import_row *row, int col, sh_err *err) {
    const char *v = sh_import_cell(row, col);
    const sh_import_column *c = &im->kind->columns[col];
    if (!v) {
        sh_err_add(err, 400, "required", c->key, NULL, "缺少必填项“%s”", c->header);
        return NULL;
    }
    if (!sh_or_valid_id(v)) {
        sh_err_add(err, 400, "invalid_sourced_id", c->key, v,
                   "“%s”应为 1–64 个字母、数字、点、连字符或下划线", c->header);
        return NULL;
    }
    if (col == 0 && sh_import_once(im, row, col, sh_psprintf(im->row_pool, "sid:%s", v), err) != SH_OK)
        return NULL;
    return v;
}

const char *or_first(sh_import *im, const sh_import_row *row, int col) {
    const char *v = sh_import_cell(row, col);
    if (!v)
        return NULL;
    size_t n = strcspn(v, ",");
    const char *s = v;
    while (n && *s == ' ') {
        s++;
        n--;
    }
    while (n && s[n - 1] == ' ')
        n--;
    return n ? sh_pstrndup(im->row_pool, s, n) : NULL;
}

int64_t or_i64(sh_import *im, const char *sql, int64_t a, int64_t b, const char *text, sh_err *err) {
    sh_stmt *s = sh_prepare(im->c, sql, err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, a);
    if (text)
        sh_bind_text(s, 2, text, -1);
    else if (b >= 0)
        sh_bind_i64(s, 2, b);
    int rc = sh_step(s, err);
    int64_t v = rc == SH_ROW ? sh_col_i64(s, 0) : 0;
    sh_stmt_done(s);
    return rc == SH_ERR ? SH_ERR : v;
}

int64_t or_org(sh_import *im, const char *sid, const char *kind, const char *kind2, sh_err *err) {
    if (!sid)
        return 0;
    const or_entry *m = or_map_get(&or_ctx_of(im)->map, "o:", sid);
    if (m)
        return m->a;
    sh_stmt *s = sh_prepare(im->c, "SELECT id FROM org_unit WHERE uid = $1 AND kind IN ($2, $3)", err);
    if (!s)
        return SH_ERR;
    sh_bind_text(s, 1, sid, -1);
    sh_bind_text(s, 2, kind, -1);
    sh_bind_text(s, 3, kind2 ? kind2 : kind, -1);
    int rc = sh_step(s, err);
    int64_t id = rc == SH_ROW ? sh_col_i64(s, 0) : 0;
    sh_stmt_done(s);
    return rc == SH_ERR ? SH_ERR : id;
}

int or_may(sh_import *im, const char *perm, int64_t org, sh_err *err) {
    (void)err;
    sh_req *req = or_ctx_of(im)->req;
    return req ? sh_can_at(req, perm, org) : 1;
}

int64_t or_school(sh_import *im, const sh_import_row *row, int col, sh_err *err) {
    const sh_import_column *c = &im->kind->columns[col];
    const char *sid = or_first(im, row, col);
    if (!sid) {
        sh_err_add(err, 400, "required", c->key, NULL, "缺少必填项“%s”", c->header);
        return 0;
    }
    int64_t id = or_org(im, sid, "school", NULL, err);
    int may = id > 0 ? or_may(im, "roster.write", id, err) : 0;
    if (id < 0 || may < 0)
        return 0;
    if (!id || !may) {
        sh_err_add(err, 400, "unknown_school", c->key, sid, "学校 %s 不存在或不在管辖范围内", sid);
        return 0;
    }
    return id;
}

int64_t or_row(sh_import *im, const char *table, const char *prefix, const char *sid, int64_t *school,
               sh_err *err) {
    *school = 0;
    if (!sid)
        return 0;
    const or_entry *m = or_map_get(&or_ctx_of(im)->map, prefix, sid);
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT id, school_id FROM %s WHERE %s", table, m ? "id = $1" : "uid = $1");
    sh_stmt *s = sh_prepare(im->c, sql, err);
    if (!s)
        return SH_ERR;
    if (m)
        sh_bind_i64(s, 1, m->a);
    else
        sh_bind_text(s, 1, sid, -1);
    int rc = sh_step(s, err);
    int64_t id = 0;
    if (rc == SH_ROW) {
        id = sh_col_i64(s, 0);
        *school = sh_col_i64(s, 1);
    }
    sh_stmt_done(s);
    return rc == SH_ERR ? SH_ERR : id;
}

/* ---- the run ---- */

static const struct {
    const char *name; /* manifest file.X */
    const sh_import_kind *kind;
} files[SH_OR_NFILES] = {
    {"orgs", &sh_or_kind_orgs},
    {"academicSessions", &sh_or_kind_sessions},
    {"courses", &sh_or_kind_courses},
    {"classes", &sh_or_kind_classes},
    {"roles", &sh_or_kind_roles},
    {"users", &sh_or_kind_users},
    {"enrollments", &sh_or_kind_enrollments},
    {"demographics", &sh_or_kind_demographics},
};

#define MAX_PROPS 64

typedef struct manifest {
    char name[MAX_PROPS][64], value[MAX_PROPS][64];
    int n;
} manifest;

static const char *prop(const manifest *m, const char *name) {
    for (int i = 0; i < m->n; i++)
        if (strcmp(m->name[i], name) == 0)
            return m->value[i];
    return NULL;
}

static int read_manifest(sh_or_zip *z, manifest *m, sh_err *err) {
    char *data;
    size_t len;
    int rc = sh_or_zip_read(z, "manifest.csv", &data, &len, err);
    if (rc == SH_DONE)
        return sh_err_set(err, 400, "missing_manifest", NULL,
                          "zip 压缩包中没有 manifest.csv，不是 OneRoster CSV 文件");
    if (rc == SH_ERR)
        return SH_ERR;
    sh_table_reader *r;
    sh_table_limits lim = {.max_cell_bytes = 256, .max_columns = 8, .max_rows = MAX_PROPS + 1};
    if (sh_table_open_mem(data, len, SH_TABLE_CSV, &lim, &r, err) != SH_OK) {
        sh_free(data);
        return SH_ERR;
    }
    const char *const *cells;
    int n, header = 1;
    m->n = 0;
    while ((rc = sh_table_next(r, &cells, &n, err)) == SH_ROW) {
        const char *k = n > 0 ? sh_table_unescape_cell(cells[0]) : "";
        const char *v = n > 1 ? sh_table_unescape_cell(cells[1]) : "";
        if (header) {
            if (strcmp(k, "propertyName") != 0 || strcmp(v, "value") != 0) {
                rc = sh_err_set(err, 400, "invalid_manifest", NULL,
                                "manifest.csv 的表头应为 propertyName,value");
                break;
            }
            header = 0;
            continue;
        }
        if (m->n == MAX_PROPS || strlen(k) >= 64 || strlen(v) >= 64) {
            rc = sh_err_set(err, 400, "invalid_manifest", NULL, "manifest.csv 第 %ld 行过长或行数过多",
                            sh_table_row(r));
            break;
        }
        snprintf(m->name[m->n], 64, "%s", k);
        snprintf(m->value[m->n], 64, "%s", v);
        m->n++;
    }
    sh_table_close(r);
    sh_free(data);
    if (rc == SH_ERR)
        return SH_ERR;
    if (header)
        return sh_err_set(err, 400, "invalid_manifest", NULL, "manifest.csv 是空的");
    const char *mv = prop(m, "manifest.version"), *ov = prop(m, "oneroster.version");
    if (!mv || strcmp(mv, "1.0") != 0)
        return sh_err_set(err, 400, "unsupported_version", "manifest.version",
                          "manifest.version 应为 1.0（文件中为“%s”）", mv ? mv : "");
    if (!ov || strcmp(ov, "1.2") != 0)
        return sh_err_set(err, 400, "unsupported_version", "oneroster.version",
                          "只支持 OneRoster 1.2（文件中 oneroster.version 为“%s”）", ov ? ov : "");
    for (int i = 0; i < SH_OR_NFILES; i++) {
        char key[64];
        snprintf(key, sizeof key, "file.%s", files[i].name);
        const char *v = prop(m, key);
        if (v && strcmp(v, "bulk") != 0 && strcmp(v, "absent") != 0 && strcmp(v, "") != 0)
            return sh_err_set(err, 400, "unsupported_mode", key, "%s 为“%s”：只支持 bulk（整体）或 absent",
                              key, v);
    }
    return SH_OK;
}

/* Copy one file's errors into the result, the file named in each field. */
static void collect(sh_or_import_result *res, const char *file, const sh_import_result *r) {
    size_t n = sh_err_count(&r->err);
    for (size_t i = 0; i < n; i++) {
        const sh_err_item *it = r->err.nmore ? &r->err.more[i] : &r->err.first;
        char field[64];
        int w = snprintf(field, sizeof field, "%.24s:%.38s", file, it->field);
        (void)w;
        size_t before = res->err.nmore;
        sh_err_add(&res->err, r->err.status ? r->err.status : 400, it->code, field,
                   it->value[0] ? it->value : NULL, "%s：%s", file, it->message);
        sh_err_item *last = res->err.nmore ? &res->err.more[res->err.nmore - 1] : &res->err.first;
        if (res->err.nmore > before || before == 0) {
            last->row = it->row;
            last->column = it->column;
            if (res->err.nmore == 1) {
                res->err.first.row = it->row;
                res->err.first.column = it->column;
            }
        }
    }
    res->nerrors += r->nerrors > (long)n ? r->nerrors : (long)n;
}

static int may_write(void *ctx, int64_t school, sh_err *err) {
    (void)err;
    or_ctx *x = ctx;
    return x->req ? sh_can_at(x->req, "roster.write", school) : 1;
}

int sh_or_import(sh_conn *c, const void *data, size_t len, const sh_or_import_opts *o,
                 sh_or_import_result *res) {
    memset(res, 0, sizeof *res);
    sh_err_init(&res->err);
    sh_or_zip *z;
    if (sh_or_zip_open(data, len, &z, &res->err) != SH_OK) {
        res->nerrors = 1;
        return SH_ERR;
    }
    manifest *m = sh_calloc(1, sizeof *m);
    if (!m || read_manifest(z, m, &res->err) != SH_OK) {
        if (!m)
            sh_err_set(&res->err, 500, "out_of_memory", NULL, "内存不足");
        sh_free(m);
        sh_or_zip_close(z);
        res->nerrors = 1;
        return SH_ERR;
    }
    or_ctx ctx = {.req = o->req};
    sh_today_iso(ctx.today);
    sh_import_opts io = {.dry_run = o->dry_run, .pv = o->pv, .may_write = may_write, .ctx = &ctx};
    int rc = sh_begin_write(c, &res->err);
    for (int i = 0; rc == SH_OK && i < SH_OR_NFILES && !res->nerrors; i++) {
        char key[64], file[64];
        snprintf(key, sizeof key, "file.%s", files[i].name);
        snprintf(file, sizeof file, "%s.csv", files[i].name);
        const char *mode = prop(m, key);
        if (!mode || strcmp(mode, "bulk") != 0)
            continue;
        char *bytes;
        size_t n;
        int got = sh_or_zip_read(z, file, &bytes, &n, &res->err);
        if (got == SH_DONE)
            rc = sh_err_set(&res->err, 400, "missing_file", key,
                            "manifest.csv 声明 %s 为 bulk，但压缩包中没有 %s", key, file);
        if (got != SH_ROW) {
            rc = SH_ERR;
            break;
        }
        sh_table_reader *r;
        if (sh_table_open_mem(bytes, n, SH_TABLE_CSV, NULL, &r, &res->err) != SH_OK) {
            sh_free(bytes);
            rc = SH_ERR;
            break;
        }
        sh_import_result one;
        int run = sh_import_run_in(c, files[i].kind, r, &io, &one);
        sh_table_close(r);
        sh_free(bytes);
        sh_or_file_result *fr = &res->files[res->nfiles++];
        *fr = (sh_or_file_result){.file = files[i].kind->label,
                                  .rows = one.rows,
                                  .created = one.created,
                                  .updated = one.updated,
                                  .unchanged = one.unchanged};
        if (run != SH_OK && one.err.status >= 500) { /* the store failed, not the file */
            sh_err_clear(&res->err);
            res->err = one.err;
            rc = SH_ERR;
            break;
        }
        collect(res, file, &one);
        sh_import_result_clear(&one);
        if (run != SH_OK && !res->nerrors)
            res->nerrors = 1;
    }
    sh_free(m);
    sh_or_zip_close(z);
    map_free(&ctx.map);
    if (rc != SH_OK) {
        sh_rollback(c);
        if (!res->nerrors)
            res->nerrors = 1;
        return SH_ERR;
    }
    if (res->nerrors || o->dry_run) {
        sh_rollback(c);
        return SH_OK;
    }
    if (sh_commit(c, &res->err) != SH_OK) {
        res->nerrors++;
        return SH_ERR;
    }
    res->committed = 1;
    return SH_OK;
}

void sh_or_import_result_clear(sh_or_import_result *res) { sh_err_clear(&res->err); }
