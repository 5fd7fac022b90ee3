/* transfer.c — copy a deployment between stores and checksum its tables (see
 * transfer.h). Everything goes through the store interface; the only
 * backend-specific SQL is the target's catalog (PostgreSQL) and the collation of
 * text keys. A target that takes COPY (PostgreSQL) gets each table in one COPY;
 * else rows go a few per INSERT. Table and column names come from the catalogs
 * and are checked to be plain identifiers before they are put into SQL. */
#include "store/transfer.h"

#include "store/partition.h"

#include "core/alloc.h"
#include "core/buf.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_ROWS 5000
#define MAX_PARAMS 64 /* per statement, as both backends bind */
#define SKIP_TABLE "schema_migrations"

static int plain_name(const char *s) {
    if (!s || !*s || strlen(s) >= SH_XFER_NAME)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return 0;
    return 1;
}

/* ---- names of the source's tables ---- */

typedef struct names {
    char (*v)[SH_XFER_NAME];
    int n, cap, bad;
} names;

static void add_name(void *ctx, const char *name) {
    names *ns = ctx;
    if (strcmp(name, SKIP_TABLE) == 0)
        return;
    if (!plain_name(name)) {
        ns->bad = 1;
        return;
    }
    if (ns->n == ns->cap) {
        int cap = ns->cap ? ns->cap * 2 : 64;
        void *v = sh_realloc(ns->v, (size_t)cap * SH_XFER_NAME);
        if (!v) {
            ns->bad = 1;
            return;
        }
        ns->v = v;
        ns->cap = cap;
    }
    snprintf(ns->v[ns->n++], SH_XFER_NAME, "%s", name);
}

static int source_tables(sh_conn *src, names *ns, sh_err *err) {
    memset(ns, 0, sizeof *ns);
    if (sh_list_tables(src, add_name, ns, err) != SH_OK)
        return SH_ERR;
    if (ns->bad)
        return sh_err_set(err, 400, "invalid_source", "from", "源数据库含有名称不合规的表，无法迁移");
    return SH_OK;
}

static int table_exists(sh_conn *c, const char *table, int *yes, sh_err *err) {
    *yes = 0;
    sh_stmt *s = sh_prepare(c,
                            sh_db_kind_of_conn(c) == SH_DB_POSTGRES
                                ? "SELECT 1 WHERE to_regclass($1) IS NOT NULL"
                                : "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = $1",
                            err);
    if (!s)
        return SH_ERR;
    sh_bind_text(s, 1, table, -1);
    int rc = sh_step(s, err);
    sh_stmt_done(s);
    *yes = rc == SH_ROW;
    return rc == SH_ERR ? SH_ERR : SH_OK;
}

int sh_xfer_target_in_use(sh_conn *src, sh_conn *dst, char *which, size_t cap, sh_err *err) {
    names ns;
    which[0] = '\0';
    if (source_tables(src, &ns, err) != SH_OK) {
        sh_free(ns.v);
        return SH_ERR;
    }
    int rc = SH_OK;
    for (int i = 0; i < ns.n && !which[0] && rc == SH_OK; i++) {
        int yes;
        /* the audit chain's head is a row the migrations themselves write */
        if (strcmp(ns.v[i], "audit_head") == 0 || (rc = table_exists(dst, ns.v[i], &yes, err)) != SH_OK ||
            !yes)
            continue;
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT 1 FROM %s LIMIT 1", ns.v[i]);
        sh_stmt *s = sh_prepare(dst, sql, err);
        int st = s ? sh_step(s, err) : SH_ERR;
        sh_stmt_done(s);
        if (st == SH_ERR)
            rc = SH_ERR;
        else if (st == SH_ROW)
            snprintf(which, cap, "%s", ns.v[i]);
    }
    sh_free(ns.v);
    return rc;
}

/* "module version, …" of a store's schema_migrations. */
static int versions(sh_conn *c, sh_buf *out, sh_err *err) {
    sh_stmt *s = sh_prepare(
        c, "SELECT module, MAX(version) FROM schema_migrations GROUP BY module ORDER BY module", err);
    if (!s)
        return SH_ERR;
    int rc;
    while ((rc = sh_step(s, err)) == SH_ROW)
        sh_buf_printf(out, "%s%s %lld", out->len ? "，" : "", sh_col_text(s, 0), (long long)sh_col_i64(s, 1));
    sh_stmt_done(s);
    return rc == SH_ERR ? SH_ERR : SH_OK;
}

int sh_xfer_same_schema(sh_conn *src, sh_conn *dst, sh_err *err) {
    sh_buf a, b;
    sh_buf_init(&a, 1 << 16);
    sh_buf_init(&b, 1 << 16);
    int rc = SH_ERR;
    if (versions(src, &a, err) == SH_OK && versions(dst, &b, err) == SH_OK) {
        if (a.len && b.len && strcmp(a.data, b.data) == 0)
            rc = SH_OK;
        else
            sh_err_set(err, 409, "schema_differs", "from",
                       "源数据库的结构版本（%s）与本程序（%s）不同：请先运行 shushu migrate --db 源数据库",
                       a.len ? a.data : "无", b.len ? b.data : "无");
    }
    sh_buf_free(&a);
    sh_buf_free(&b);
    return rc;
}

/* ---- the plan, from the target's catalog ---- */

static sh_xfer_table *find(sh_xfer_plan *p, const char *name) {
    for (int i = 0; i < p->n; i++)
        if (strcmp(p->t[i].name, name) == 0)
            return &p->t[i];
    return NULL;
}

static int col_index(const sh_xfer_table *t, const char *col) {
    for (int i = 0; i < t->ncols; i++)
        if (strcmp(t->cols[i], col) == 0)
            return i;
    return -1;
}

static unsigned char kind_of(const char *pg_type) {
    if (strcmp(pg_type, "double precision") == 0 || strcmp(pg_type, "numeric") == 0)
        return SH_XK_FLOAT8;
    if (strcmp(pg_type, "real") == 0)
        return SH_XK_FLOAT4;
    if (strcmp(pg_type, "bytea") == 0)
        return SH_XK_BYTES;
    return SH_XK_TEXT;
}

static int read_columns(sh_conn *dst, sh_xfer_plan *p, sh_err *err) {
    sh_stmt *s = sh_prepare(dst,
                            "SELECT table_name, column_name, data_type,"
                            " COALESCE(column_default LIKE 'nextval(%' OR is_identity = 'YES', false)"
                            " FROM information_schema.columns WHERE table_schema = current_schema()"
                            " ORDER BY table_name, ordinal_position",
                            err);
    if (!s)
        return SH_ERR;
    int rc;
    while ((rc = sh_step(s, err)) == SH_ROW) {
        sh_xfer_table *t = find(p, sh_col_text(s, 0));
        if (!t)
            continue;
        const char *col = sh_col_text(s, 1);
        if (!plain_name(col) || t->ncols == SH_XFER_MAX_COLS) {
            sh_stmt_done(s);
            return sh_err_set(err, 500, "unsupported_schema", NULL, "表 %s 的列无法迁移（%s）", t->name, col);
        }
        snprintf(t->cols[t->ncols], SH_XFER_NAME, "%s", col);
        const char *type = sh_col_text(s, 2);
        t->textual[t->ncols] = strcmp(type, "text") == 0 || strncmp(type, "character", 9) == 0;
        t->kinds[t->ncols++] = kind_of(type);
        if (sh_col_i64(s, 3))
            snprintf(t->serial, SH_XFER_NAME, "%s", col);
    }
    sh_stmt_done(s);
    return rc == SH_ERR ? SH_ERR : SH_OK;
}

static int read_keys(sh_conn *dst, sh_xfer_plan *p, sh_err *err) {
    sh_stmt *s =
        sh_prepare(dst,
                   "SELECT c.relname, a.attname FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid"
                   " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)"
                   " WHERE i.indisprimary AND c.relnamespace = current_schema()::regnamespace"
                   " ORDER BY c.relname, array_position(i.indkey::int2[], a.attnum)",
                   err);
    if (!s)
        return SH_ERR;
    int rc;
    while ((rc = sh_step(s, err)) == SH_ROW) {
        sh_xfer_table *t = find(p, sh_col_text(s, 0));
        int at = t ? col_index(t, sh_col_text(s, 1)) : -1;
        if (t && at >= 0 && t->npk < 8)
            t->pk[t->npk++] = at;
    }
    sh_stmt_done(s);
    return rc == SH_ERR ? SH_ERR : SH_OK;
}

/* Foreign keys: each table's parents (bit i of deps[t] = references table i), and a
 * single-column reference of a table to itself. */
static int read_refs(sh_conn *dst, sh_xfer_plan *p, unsigned char *deps, sh_err *err) {
    sh_stmt *s = sh_prepare(dst,
                            "SELECT c.relname, r.relname, a.attname, array_length(f.conkey, 1)"
                            " FROM pg_constraint f JOIN pg_class c ON c.oid = f.conrelid"
                            " JOIN pg_class r ON r.oid = f.confrelid"
                            " JOIN pg_attribute a ON a.attrelid = f.conrelid AND a.attnum = f.conkey[1]"
                            " WHERE f.contype = 'f' AND c.relnamespace = current_schema()::regnamespace",
                            err);
    if (!s)
        return SH_ERR;
    int rc;
    while ((rc = sh_step(s, err)) == SH_ROW) {
        sh_xfer_table *t = find(p, sh_col_text(s, 0)), *r = find(p, sh_col_text(s, 1));
        if (!t || !r)
            continue;
        if (t == r && sh_col_i64(s, 3) == 1)
            t->self_fk = col_index(t, sh_col_text(s, 2));
        else if (t != r)
            deps[(t - p->t) * p->n + (r - p->t)] = 1;
    }
    sh_stmt_done(s);
    return rc == SH_ERR ? SH_ERR : SH_OK;
}

/* Parents first (Kahn's algorithm over deps); a cycle between tables is refused. */
static int order_tables(sh_xfer_plan *p, const unsigned char *deps, sh_err *err) {
    sh_xfer_table *out = sh_calloc((size_t)p->n, sizeof *out);
    unsigned char *done = sh_calloc((size_t)p->n, 1);
    int n = 0, progress = 1;
    while (out && done && n < p->n && progress) {
        progress = 0;
        for (int i = 0; i < p->n; i++) {
            int ready = !done[i];
            for (int j = 0; ready && j < p->n; j++)
                ready = !deps[i * p->n + j] || done[j];
            if (ready) {
                out[n++] = p->t[i];
                done[i] = 1;
                progress = 1;
            }
        }
    }
    int rc = SH_OK;
    if (!out || !done)
        rc = sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    else if (n < p->n)
        rc = sh_err_set(err, 500, "unsupported_schema", NULL, "表之间的外键构成循环，无法确定复制顺序");
    else
        memcpy(p->t, out, (size_t)p->n * sizeof *out);
    sh_free(out);
    sh_free(done);
    return rc;
}

typedef struct col_check {
    const sh_xfer_table *t;
    int seen, unknown;
    char first_unknown[SH_XFER_NAME];
} col_check;

static void check_col(void *ctx, const char *column) {
    col_check *cc = ctx;
    cc->seen++;
    if (col_index(cc->t, column) < 0 && !cc->unknown++)
        snprintf(cc->first_unknown, sizeof cc->first_unknown, "%s", column);
}

int sh_xfer_plan_read(sh_conn *src, sh_conn *dst, sh_xfer_plan *p, sh_err *err) {
    memset(p, 0, sizeof *p);
    names ns;
    if (source_tables(src, &ns, err) != SH_OK) {
        sh_free(ns.v);
        return SH_ERR;
    }
    p->t = sh_calloc((size_t)(ns.n ? ns.n : 1), sizeof *p->t);
    if (!p->t) {
        sh_free(ns.v);
        return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    }
    for (int i = 0; i < ns.n; i++) {
        snprintf(p->t[i].name, SH_XFER_NAME, "%s", ns.v[i]);
        p->t[i].self_fk = -1;
    }
    p->n = ns.n;
    sh_free(ns.v);
    unsigned char *deps = sh_calloc((size_t)p->n * (size_t)p->n + 1, 1);
    int rc = deps && read_columns(dst, p, err) == SH_OK && read_keys(dst, p, err) == SH_OK &&
                     read_refs(dst, p, deps, err) == SH_OK
                 ? SH_OK
                 : SH_ERR;
    if (!deps)
        sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    for (int i = 0; rc == SH_OK && i < p->n; i++) {
        sh_xfer_table *t = &p->t[i];
        col_check cc = {.t = t};
        if (!t->ncols)
            rc = sh_err_set(err, 409, "schema_differs", "to", "目标数据库没有表 %s", t->name);
        else if (!t->npk)
            rc = sh_err_set(err, 500, "unsupported_schema", NULL, "表 %s 没有主键，无法校验", t->name);
        else if (sh_table_columns(src, t->name, check_col, &cc, err) != SH_OK)
            rc = SH_ERR;
        else if (cc.unknown || cc.seen != t->ncols)
            rc = sh_err_set(err, 409, "schema_differs", "from", "表 %s 的列在两边不同%s%s", t->name,
                            cc.unknown ? "：目标没有列 " : "", cc.unknown ? cc.first_unknown : "");
        for (int k = 0; rc == SH_OK && k < t->npk; k++)
            if (t->kinds[t->pk[k]] != SH_XK_TEXT)
                rc =
                    sh_err_set(err, 500, "unsupported_schema", NULL, "表 %s 的主键类型无法分页校验", t->name);
    }
    if (rc == SH_OK)
        rc = order_tables(p, deps, err);
    sh_free(deps);
    if (rc != SH_OK)
        sh_xfer_plan_free(p);
    return rc;
}

void sh_xfer_plan_free(sh_xfer_plan *p) {
    sh_free(p->t);
    p->t = NULL;
    p->n = 0;
}

/* ---- values ---- */

static void col_list(sh_buf *b, const sh_xfer_table *t, const char *prefix) {
    for (int i = 0; i < t->ncols; i++)
        sh_buf_printf(b, "%s%s%s", i ? ", " : "", prefix, t->cols[i]);
}

/* Bind column col of the current row of from as parameter n of to. */
static int bind_value(sh_stmt *to, int n, sh_stmt *from, int col, unsigned char kind) {
    if (sh_col_is_null(from, col))
        return sh_bind_null(to, n);
    switch (kind) {
    case SH_XK_FLOAT8:
    case SH_XK_FLOAT4: return sh_bind_double(to, n, sh_col_double(from, col));
    case SH_XK_BYTES: return sh_bind_blob(to, n, sh_col_blob(from, col), sh_col_len(from, col));
    default: return sh_bind_text(to, n, sh_col_text(from, col), (int)sh_col_len(from, col));
    }
}

/* ---- the copy ---- */

static int count_rows(sh_conn *c, const char *table, int64_t *n, sh_err *err) {
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s", table);
    return sh_query_i64(c, sql, n, err) == SH_ERR ? SH_ERR : SH_OK;
}

/* The source rows of t, parents before children when t references itself. */
static void source_select(sh_buf *b, const sh_xfer_table *t) {
    const char *key = t->cols[t->pk[0]];
    if (t->self_fk >= 0 && t->npk == 1) {
        sh_buf_printf(b,
                      "WITH RECURSIVE d(k, n) AS (SELECT %s, 0 FROM %s WHERE %s IS NULL UNION ALL"
                      " SELECT t.%s, d.n + 1 FROM %s t JOIN d ON t.%s = d.k WHERE d.n < 10000) SELECT ",
                      key, t->name, t->cols[t->self_fk], key, t->name, t->cols[t->self_fk]);
        col_list(b, t, "t.");
        sh_buf_printf(b, " FROM %s t JOIN d ON t.%s = d.k ORDER BY d.n, t.%s", t->name, key, key);
        return;
    }
    sh_buf_puts(b, "SELECT ");
    col_list(b, t, "");
    sh_buf_printf(b, " FROM %s ORDER BY ", t->name);
    for (int k = 0; k < t->npk; k++)
        sh_buf_printf(b, "%s%s", k ? ", " : "", t->cols[t->pk[k]]);
}

static void insert_sql(sh_buf *b, const sh_xfer_table *t, int rows) {
    sh_buf_printf(b, "INSERT INTO %s (", t->name);
    col_list(b, t, "");
    sh_buf_puts(b, ") VALUES ");
    for (int r = 0, n = 1; r < rows; r++) {
        sh_buf_puts(b, r ? ", (" : "(");
        for (int i = 0; i < t->ncols; i++)
            sh_buf_printf(b, "%s$%d", i ? ", " : "", n++);
        sh_buf_putc(b, ')');
    }
}

/* Append the current row of from as a line of COPY's text format. */
static void copy_line(sh_buf *b, sh_stmt *from, const sh_xfer_table *t) {
    for (int i = 0; i < t->ncols; i++) {
        if (i)
            sh_buf_putc(b, '\t');
        if (sh_col_is_null(from, i)) {
            sh_copy_null(b);
        } else if (t->kinds[i] == SH_XK_BYTES) {
            sh_copy_bytes(b, sh_col_blob(from, i), sh_col_len(from, i));
        } else if (t->kinds[i] == SH_XK_FLOAT8 || t->kinds[i] == SH_XK_FLOAT4) {
            sh_buf_printf(b, "%.17g", sh_col_double(from, i));
        } else {
            sh_copy_text(b, sh_col_text(from, i), sh_col_len(from, i));
        }
    }
    sh_buf_putc(b, '\n');
}

#define COPY_CHUNK (1u << 20) /* bytes of rows sent at a time */

/* The rows of in into t by COPY: one statement for the whole table. */
static int copy_rows(sh_conn *dst, sh_xfer_table *t, sh_stmt *in, int64_t total, int64_t *done,
                     sh_xfer_progress fn, void *ctx, sh_err *err) {
    const char *cols[SH_XFER_MAX_COLS];
    for (int i = 0; i < t->ncols; i++)
        cols[i] = t->cols[i];
    if (sh_copy_begin(dst, t->name, cols, t->ncols, err) != SH_OK)
        return SH_ERR;
    sh_buf lines;
    sh_buf_init(&lines, 0);
    int rc = SH_OK, st = SH_DONE;
    while (rc == SH_OK && (st = sh_step(in, err)) == SH_ROW) {
        if (*done == total) {
            rc = sh_err_set(err, 409, "source_changed", "from", "复制表 %s 时源数据的行数发生变化", t->name);
            break;
        }
        copy_line(&lines, in, t);
        if (sh_buf_ok(&lines) != SH_OK)
            rc = sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
        else if (lines.len >= COPY_CHUNK && (rc = sh_copy_send(dst, lines.data, lines.len, err)) == SH_OK)
            sh_buf_reset(&lines);
        if (++*done % PAGE_ROWS == 0 && fn)
            fn(ctx, t->name, *done, total);
    }
    if (rc == SH_OK && st == SH_ERR)
        rc = SH_ERR;
    if (rc == SH_OK && lines.len)
        rc = sh_copy_send(dst, lines.data, lines.len, err);
    sh_buf_free(&lines);
    if (sh_copy_end(dst, rc != SH_OK, err) != SH_OK)
        rc = SH_ERR;
    if (rc == SH_OK && fn && *done % PAGE_ROWS)
        fn(ctx, t->name, *done, total);
    return rc;
}

static int copy_table(sh_conn *src, sh_conn *dst, sh_xfer_table *t, sh_xfer_progress fn, void *ctx,
                      sh_err *err) {
    int64_t total = 0, done = 0;
    if (count_rows(src, t->name, &total, err) != SH_OK)
        return SH_ERR;
    int batch = t->ncols <= MAX_PARAMS ? MAX_PARAMS / t->ncols : 0;
    if (!batch)
        return sh_err_set(err, 500, "unsupported_schema", NULL, "表 %s 的列太多，无法复制", t->name);
    sh_buf sql;
    sh_buf_init(&sql, 1 << 20);
    source_select(&sql, t);
    sh_stmt *in = sh_buf_ok(&sql) == SH_OK ? sh_prepare(src, sql.data, err) : NULL, *out = NULL;
    int rc = in ? SH_OK : SH_ERR, in_batch = 0, size = 0, st = SH_DONE;
    int by_copy = rc == SH_OK && sh_copy_supported(dst); /* else a few rows per INSERT */
    if (by_copy)
        rc = copy_rows(dst, t, in, total, &done, fn, ctx, err);
    while (!by_copy && rc == SH_OK && (st = sh_step(in, err)) == SH_ROW) {
        if (!out) { /* a statement for the next min(batch, left) rows */
            size = total - done < batch ? (int)(total - done) : batch;
            if (size <= 0) {
                rc = sh_err_set(err, 409, "source_changed", "from", "复制表 %s 时源数据的行数发生变化",
                                t->name);
                break;
            }
            sh_buf_reset(&sql);
            insert_sql(&sql, t, size);
            if ((sh_buf_ok(&sql) != SH_OK) || !(out = sh_prepare(dst, sql.data, err))) {
                rc = SH_ERR;
                break;
            }
        }
        for (int i = 0; rc == SH_OK && i < t->ncols; i++)
            if (bind_value(out, in_batch * t->ncols + i + 1, in, i, t->kinds[i]) != SH_OK)
                rc = sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
        if (rc == SH_OK && ++in_batch == size) {
            if (sh_step(out, err) == SH_ERR) {
                rc = SH_ERR;
                break;
            }
            done += size;
            in_batch = 0;
            sh_stmt_done(out);
            out = NULL;
            if (fn)
                fn(ctx, t->name, done, total);
        }
    }
    if (st == SH_ERR)
        rc = SH_ERR;
    if (rc == SH_OK && done != total)
        rc = sh_err_set(err, 409, "source_invalid", "from",
                        "表 %s 只能按引用顺序读出 %lld 行（共 %lld 行）：存在循环或断开的自引用", t->name,
                        (long long)done, (long long)total);
    if (rc != SH_OK && err && err->status && !strstr(err->first.message, t->name)) {
        char msg[sizeof err->first.message];
        snprintf(msg, sizeof msg, "%s", err->first.message);
        snprintf(err->first.message, sizeof err->first.message, "复制表 %s 失败：%.120s", t->name, msg);
    }
    sh_stmt_done(out);
    sh_stmt_done(in);
    sh_buf_free(&sql);
    return rc;
}

static int reset_sequences(sh_conn *dst, const sh_xfer_plan *p, sh_err *err) {
    for (int i = 0; i < p->n; i++) {
        const sh_xfer_table *t = &p->t[i];
        if (!t->serial[0])
            continue;
        char sql[512];
        snprintf(sql, sizeof sql,
                 "SELECT setval(pg_get_serial_sequence('%s', '%s'), COALESCE(MAX(%s), 0) + 1, false) FROM %s",
                 t->name, t->serial, t->serial, t->name);
        int64_t v;
        if (sh_query_i64(dst, sql, &v, err) == SH_ERR)
            return SH_ERR;
    }
    return SH_OK;
}

int sh_xfer_copy(sh_conn *src, sh_conn *dst, sh_xfer_plan *p, sh_xfer_progress fn, void *ctx, sh_err *err) {
    sh_buf sql;
    sh_buf_init(&sql, 1 << 20);
    sh_buf_puts(&sql, "TRUNCATE ");
    for (int i = 0; i < p->n; i++)
        sh_buf_printf(&sql, "%s%s", i ? ", " : "", p->t[i].name);
    sh_buf_puts(&sql, " RESTART IDENTITY");
    int rc = SH_ERR;
    if ((sh_buf_ok(&sql) != SH_OK) || !p->n) {
        sh_err_set(err, 400, "invalid_source", "from", "源数据库没有可迁移的表");
        sh_buf_free(&sql);
        return SH_ERR;
    }
    if (sh_begin(src, err) != SH_OK) {
        sh_buf_free(&sql);
        return SH_ERR;
    }
    if (sh_begin_write(dst, err) == SH_OK && sh_exec(dst, sql.data, err) == SH_OK) {
        rc = SH_OK;
        for (int i = 0; rc == SH_OK && i < p->n; i++)
            rc = copy_table(src, dst, &p->t[i], fn, ctx, err);
        /* rows of months before the target's partitions wait in DEFAULT: give them theirs */
        if (rc == SH_OK)
            rc = sh_partitions_upkeep_tx(dst, err);
        if (rc == SH_OK)
            rc = reset_sequences(dst, p, err);
        if (rc == SH_OK)
            rc = sh_commit(dst, err);
    }
    if (rc != SH_OK)
        sh_rollback(dst);
    sh_rollback(src);
    sh_buf_free(&sql);
    return rc;
}

/* ---- checksums ---- */

static void feed(crypto_hash_sha256_state *h, char tag, const void *v, size_t n) {
    unsigned char head[9];
    head[0] = (unsigned char)tag;
    for (int i = 0; i < 8; i++)
        head[1 + i] = (unsigned char)((uint64_t)n >> (8 * i));
    crypto_hash_sha256_update(h, head, sizeof head);
    if (n)
        crypto_hash_sha256_update(h, v, n);
}

static void feed_value(crypto_hash_sha256_state *h, sh_stmt *s, int col, unsigned char kind) {
    char num[40];
    if (sh_col_is_null(s, col)) {
        feed(h, 'N', NULL, 0);
        return;
    }
    switch (kind) {
    case SH_XK_FLOAT8:
        feed(h, 'V', num, (size_t)snprintf(num, sizeof num, "%.17g", sh_col_double(s, col)));
        break;
    case SH_XK_FLOAT4:
        feed(h, 'V', num, (size_t)snprintf(num, sizeof num, "%.9g", (double)(float)sh_col_double(s, col)));
        break;
    case SH_XK_BYTES: feed(h, 'V', sh_col_blob(s, col), sh_col_len(s, col)); break;
    default: feed(h, 'V', sh_col_text(s, col), sh_col_len(s, col));
    }
}

/* Byte order for a text key on PostgreSQL (SQLite's BINARY is byte order already). */
static const char *collate(const sh_xfer_table *t, int col, int pg) {
    return pg && t->textual[col] ? " COLLATE \"C\"" : "";
}

/* SELECT … [WHERE (keys) > ($1, …)] ORDER BY keys LIMIT n, keys compared bytewise. */
static void page_sql(sh_buf *b, const sh_xfer_table *t, int after, int pg) {
    sh_buf_puts(b, "SELECT ");
    col_list(b, t, "");
    sh_buf_printf(b, " FROM %s", t->name);
    if (after) {
        sh_buf_puts(b, " WHERE (");
        for (int k = 0; k < t->npk; k++)
            sh_buf_printf(b, "%s%s%s", k ? ", " : "", t->cols[t->pk[k]], collate(t, t->pk[k], pg));
        sh_buf_puts(b, ") > (");
        for (int k = 0; k < t->npk; k++)
            sh_buf_printf(b, "%s$%d", k ? ", " : "", k + 1);
        sh_buf_putc(b, ')');
    }
    sh_buf_puts(b, " ORDER BY ");
    for (int k = 0; k < t->npk; k++)
        sh_buf_printf(b, "%s%s%s", k ? ", " : "", t->cols[t->pk[k]], collate(t, t->pk[k], pg));
    sh_buf_printf(b, " LIMIT %d", PAGE_ROWS);
}

int sh_xfer_checksum(sh_conn *c, sh_xfer_table *t, int side, sh_err *err) {
    int pg = sh_db_kind_of_conn(c) == SH_DB_POSTGRES;
    sh_buf first, next;
    sh_buf_init(&first, 1 << 20);
    sh_buf_init(&next, 1 << 20);
    page_sql(&first, t, 0, pg);
    page_sql(&next, t, 1, pg);
    crypto_hash_sha256_state h;
    crypto_hash_sha256_init(&h);
    sh_buf last[8];
    for (int k = 0; k < 8; k++)
        sh_buf_init(&last[k], 1 << 16);
    int64_t rows = 0, in_page = PAGE_ROWS;
    int rc = sh_buf_ok(&first) == SH_OK && sh_buf_ok(&next) == SH_OK ? SH_OK : SH_ERR;
    if (rc == SH_OK)
        rc = sh_begin(c, err); /* one snapshot for every page */
    if (rc == SH_OK && pg)
        rc = sh_exec(c, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ", err);
    while (rc == SH_OK && in_page == PAGE_ROWS) {
        sh_stmt *s = sh_prepare(c, rows ? next.data : first.data, err);
        if (!s) {
            rc = SH_ERR;
            break;
        }
        for (int k = 0; rows && k < t->npk; k++)
            sh_bind_text(s, k + 1, last[k].data, (int)last[k].len);
        in_page = 0;
        int st;
        while ((st = sh_step(s, err)) == SH_ROW) {
            for (int i = 0; i < t->ncols; i++)
                feed_value(&h, s, i, t->kinds[i]);
            feed(&h, 'R', NULL, 0);
            for (int k = 0; k < t->npk; k++) { /* where the next page starts */
                sh_buf_reset(&last[k]);
                sh_buf_append(&last[k], sh_col_text(s, t->pk[k]), sh_col_len(s, t->pk[k]));
            }
            in_page++;
            rows++;
        }
        if (st == SH_ERR)
            rc = SH_ERR;
        sh_stmt_done(s);
    }
    if (sh_in_tx(c))
        sh_rollback(c);
    for (int k = 0; k < 8; k++)
        sh_buf_free(&last[k]);
    if (rc == SH_OK) {
        unsigned char d[crypto_hash_sha256_BYTES];
        crypto_hash_sha256_final(&h, d);
        sodium_bin2hex(t->sum[side], sizeof t->sum[side], d, sizeof d);
        t->rows[side] = rows;
    }
    sh_buf_free(&first);
    sh_buf_free(&next);
    return rc;
}
