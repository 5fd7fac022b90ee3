/* store.c — generic part of the store: opening by URL, the connection pool, the
 * per-connection statement cache, transactions and time accounting. Backends
 * (store_sqlite.c, store_pg.c) do the talking to the database. */
#include "store/backend.h"
#include "store/partition.h"

#include "core/alloc.h"
#include "core/clock.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

static atomic_uint_fast64_t store_ns, store_calls;

void sh_store_account(uint64_t ns) {
    atomic_fetch_add_explicit(&store_ns, ns, memory_order_relaxed);
    atomic_fetch_add_explicit(&store_calls, 1, memory_order_relaxed);
}

sh_store_stats sh_store_stats_get(void) {
    sh_store_stats s = {atomic_load(&store_ns), atomic_load(&store_calls)};
    return s;
}

int sh_db_url_is_postgres(const char *url) {
    return url && (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0);
}

int sh_db_open(const char *url, int flags, int max_conns, sh_db **out, sh_err *err) {
    *out = NULL;
    if (!url || !*url)
        return sh_err_set(err, 400, "invalid_db_url", "db", "未指定数据库（--db 路径或 postgres:// 地址）");
    const sh_db_ops *ops;
    const char *file = NULL;
    if (sh_db_url_is_postgres(url)) {
        ops = &sh_pg_ops;
    } else {
        ops = &sh_sqlite_ops;
        file = strncmp(url, "sqlite:", 7) == 0 ? url + 7 : url;
        if (!*file)
            return sh_err_set(err, 400, "invalid_db_url", "db", "SQLite 数据库路径为空");
    }
    sh_db *db = sh_calloc(1, sizeof *db);
    if (!db)
        return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    db->ops = ops;
    db->flags = flags;
    db->max_conns = max_conns > 0 ? max_conns : 16;
    db->url = sh_strdup(url);
    db->file = file ? sh_strdup(file) : NULL;
    pthread_mutex_init(&db->mu, NULL);
    pthread_cond_init(&db->cv, NULL);
    pthread_mutex_init(&db->watch_mu, NULL);
    if (!db->url || (file && !db->file)) {
        sh_db_close(db);
        return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    }
    /* open one connection now so a bad path fails at open, not at first use */
    sh_conn *c = sh_db_acquire(db, err);
    if (!c) {
        sh_db_close(db);
        return SH_ERR;
    }
    sh_db_release(c);
    *out = db;
    return SH_OK;
}

static void conn_destroy(sh_conn *c) {
    const sh_db_ops *ops = c->db->ops;
    for (int i = 0; i < SH_STMT_CACHE; i++) {
        if (c->cache[i]) {
            char *sql = c->cache[i]->sql;
            ops->finalize(c->cache[i]);
            sh_free(sql);
        }
    }
    ops->conn_close(c);
}

void sh_db_close(sh_db *db) {
    if (!db)
        return;
    while (db->idle) {
        sh_conn *c = db->idle;
        db->idle = c->next_idle;
        conn_destroy(c);
    }
    if (db->watch)
        conn_destroy(db->watch);
    if (db->ops->db_close)
        db->ops->db_close(db);
    pthread_mutex_destroy(&db->watch_mu);
    pthread_mutex_destroy(&db->mu);
    pthread_cond_destroy(&db->cv);
    sh_free(db->url);
    sh_free(db->file);
    sh_free(db);
}

sh_db_kind sh_db_kind_of(const sh_db *db) { return db->ops->kind; }
sh_db_kind sh_db_kind_of_conn(const sh_conn *c) { return c->db->ops->kind; }
const char *sh_db_kind_name(const sh_db *db) { return db->ops->name; }
const char *sh_db_file(const sh_db *db) { return db->file; }

unsigned sh_table_slot(const char *table) {
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *table; table++)
        h = (h ^ (unsigned char)*table) * 16777619u;
    return h % SH_TABLE_SLOTS;
}

/* Once the connection's changes are committed (no transaction open any more),
 * raise the generation of every table they touched. After the commit, never
 * before: a reader that sees the new number also sees the new rows. */
static void publish(sh_conn *c) {
    if (!c->dirty || !c->db->ops->autocommit(c))
        return;
    for (unsigned i = 0; i < SH_TABLE_SLOTS; i++)
        if (c->dirty & (UINT64_C(1) << i))
            atomic_fetch_add(&c->db->generation[i], 1);
    c->dirty = 0;
}

/* Commits by other processes: the watch connection's data version, asked at most
 * every SH_DB_WATCH_MS by whichever caller comes first. */
static void watch_others(sh_db *db) {
    uint64_t now = sh_mono_ns();
    if (!db->ops->data_version || now - atomic_load(&db->watched_at_ns) < (uint64_t)SH_DB_WATCH_MS * 1000000u)
        return;
    if (pthread_mutex_trylock(&db->watch_mu) != 0)
        return; /* another caller is asking */
    int64_t v = 0;
    if (!db->watch && db->ops->conn_open(db, &db->watch, NULL) == SH_OK)
        db->watch->db = db;
    if (!db->watch || db->ops->data_version(db->watch, &v, NULL) != SH_OK || v != db->data_version)
        atomic_fetch_add(&db->epoch, 1); /* changed, or cannot tell: assume changed */
    db->data_version = v;
    atomic_store(&db->watched_at_ns, sh_mono_ns());
    pthread_mutex_unlock(&db->watch_mu);
}

uint64_t sh_db_generation(sh_db *db, const char *const *tables) {
    watch_others(db);
    uint64_t g = atomic_load(&db->epoch);
    for (; tables && *tables; tables++)
        g += atomic_load(&db->generation[sh_table_slot(*tables)]);
    return g;
}

sh_conn *sh_db_acquire(sh_db *db, sh_err *err) {
    pthread_mutex_lock(&db->mu);
    for (;;) {
        if (db->idle) {
            sh_conn *c = db->idle;
            db->idle = c->next_idle;
            c->next_idle = NULL;
            pthread_mutex_unlock(&db->mu);
            return c;
        }
        if (db->open_conns < db->max_conns)
            break;
        pthread_cond_wait(&db->cv, &db->mu);
    }
    db->open_conns++;
    pthread_mutex_unlock(&db->mu);
    sh_conn *c = NULL;
    if (db->ops->conn_open(db, &c, err) != SH_OK) {
        pthread_mutex_lock(&db->mu);
        db->open_conns--;
        pthread_cond_signal(&db->cv);
        pthread_mutex_unlock(&db->mu);
        return NULL;
    }
    c->db = db;
    return c;
}

void sh_db_release(sh_conn *c) {
    if (!c)
        return;
    for (int i = 0; i < SH_STMT_CACHE; i++) {
        sh_stmt *s = c->cache[i];
        if (s && s->in_use) {
            c->db->ops->reset(s);
            s->in_use = 0;
        }
    }
    if (c->in_tx)
        sh_rollback(c);
    publish(c);
    c->deadline_ns = 0;
    sh_db *db = c->db;
    pthread_mutex_lock(&db->mu);
    c->next_idle = db->idle;
    db->idle = c;
    pthread_cond_signal(&db->cv);
    pthread_mutex_unlock(&db->mu);
}

void sh_conn_deadline(sh_conn *c, int ms) {
    c->deadline_ns = ms > 0 ? sh_mono_ns() + (uint64_t)ms * 1000000u : 0;
}

int sh_exec(sh_conn *c, const char *sql, sh_err *err) {
    uint64_t t0 = sh_mono_ns();
    int rc = c->db->ops->exec(c, sql, err);
    sh_store_account(sh_mono_ns() - t0);
    publish(c);
    return rc;
}

static uint64_t hash_sql(const char *s) {
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

/* The cache is 4-way set-associative: a statement may sit in any of the 4 slots
 * after its hash's, so two statements of one request that hash alike do not
 * evict each other on every call. */
#define CACHE_WAYS 4

sh_stmt *sh_prepare(sh_conn *c, const char *sql, sh_err *err) {
    uint64_t h = hash_sql(sql);
    size_t base = (size_t)(h % SH_STMT_CACHE);
    for (size_t w = 0; w < CACHE_WAYS; w++) {
        sh_stmt *s = c->cache[(base + w) % SH_STMT_CACHE];
        if (s && s->hash == h && !s->in_use && strcmp(s->sql, sql) == 0) {
            s->in_use = 1;
            return s;
        }
    }
    uint64_t t0 = sh_mono_ns();
    sh_stmt *n = c->db->ops->prepare(c, sql, err);
    sh_store_account(sh_mono_ns() - t0);
    if (!n)
        return NULL;
    n->conn = c;
    n->hash = h;
    n->in_use = 1;
    n->sql = sh_strdup(sql);
    if (!n->sql) {
        c->db->ops->finalize(n);
        sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
        return NULL;
    }
    /* take an empty slot of the set, else evict an idle occupant (rotating) */
    size_t victim = SH_STMT_CACHE;
    for (size_t w = 0; w < CACHE_WAYS && victim == SH_STMT_CACHE; w++)
        if (!c->cache[(base + w) % SH_STMT_CACHE])
            victim = (base + w) % SH_STMT_CACHE;
    for (size_t w = 0; w < CACHE_WAYS && victim == SH_STMT_CACHE; w++) {
        size_t i = (base + (c->evict_turn + w) % CACHE_WAYS) % SH_STMT_CACHE;
        if (!c->cache[i]->in_use)
            victim = i;
    }
    if (victim != SH_STMT_CACHE) {
        sh_stmt *old = c->cache[victim];
        if (old) {
            char *old_sql = old->sql;
            c->db->ops->finalize(old);
            sh_free(old_sql);
            c->evict_turn++;
        }
        c->cache[victim] = n;
        n->cached = 1;
    }
    return n;
}

void sh_stmt_done(sh_stmt *s) {
    if (!s)
        return;
    const sh_db_ops *ops = s->conn->db->ops;
    sh_conn *c = s->conn;
    if (s->cached) {
        ops->reset(s);
        s->in_use = 0;
    } else {
        char *sql = s->sql;
        ops->finalize(s);
        sh_free(sql);
    }
    publish(c);
}

void sh_stmt_reset(sh_stmt *s) {
    s->conn->db->ops->reset(s);
    publish(s->conn);
}

#define OPS(s) ((s)->conn->db->ops)
int sh_bind_i64(sh_stmt *s, int n, int64_t v) { return OPS(s)->bind_i64(s, n, v); }
int sh_bind_double(sh_stmt *s, int n, double v) { return OPS(s)->bind_double(s, n, v); }
int sh_bind_text(sh_stmt *s, int n, const char *v, int len) {
    if (!v)
        return OPS(s)->bind_null(s, n);
    return OPS(s)->bind_text(s, n, v, len < 0 ? strlen(v) : (size_t)len);
}
int sh_bind_blob(sh_stmt *s, int n, const void *v, size_t len) { return OPS(s)->bind_blob(s, n, v, len); }
int sh_bind_null(sh_stmt *s, int n) { return OPS(s)->bind_null(s, n); }

int sh_step(sh_stmt *s, sh_err *err) {
    uint64_t t0 = sh_mono_ns();
    int rc = OPS(s)->step(s, err);
    sh_store_account(sh_mono_ns() - t0);
    return rc;
}

int sh_col_count(sh_stmt *s) { return OPS(s)->col_count(s); }
const char *sh_col_name(sh_stmt *s, int col) { return OPS(s)->col_name(s, col); }
int sh_col_is_null(sh_stmt *s, int col) { return OPS(s)->col_is_null(s, col); }
int64_t sh_col_i64(sh_stmt *s, int col) { return OPS(s)->col_i64(s, col); }
double sh_col_double(sh_stmt *s, int col) { return OPS(s)->col_double(s, col); }
const char *sh_col_text(sh_stmt *s, int col) { return OPS(s)->col_text(s, col); }
size_t sh_col_len(sh_stmt *s, int col) { return OPS(s)->col_len(s, col); }
const void *sh_col_blob(sh_stmt *s, int col) { return OPS(s)->col_blob(s, col); }
int64_t sh_changes(sh_conn *c) { return c->db->ops->changes(c); }

int sh_begin(sh_conn *c, sh_err *err) {
    if (sh_exec(c, c->db->ops->begin_sql, err) != SH_OK)
        return SH_ERR;
    c->in_tx = 1;
    return SH_OK;
}

int sh_begin_write(sh_conn *c, sh_err *err) {
    sh_partitions_due(c); /* monthly partitions, before the first write of a month */
    if (sh_exec(c, c->db->ops->begin_write_sql, err) != SH_OK)
        return SH_ERR;
    c->in_tx = 1;
    return SH_OK;
}

int sh_commit(sh_conn *c, sh_err *err) {
    if (sh_exec(c, "COMMIT", err) != SH_OK) {
        sh_rollback(c);
        return SH_ERR;
    }
    c->in_tx = 0;
    return SH_OK;
}

void sh_rollback(sh_conn *c) {
    c->dirty = 0; /* nothing of it was committed */
    sh_exec(c, "ROLLBACK", NULL);
    c->in_tx = 0;
}

int sh_in_tx(const sh_conn *c) { return c->in_tx; }

void sh_bulk_write(sh_conn *c, int on) {
    if (c->db->ops->kind == SH_DB_SQLITE)
        sh_exec(c, on ? "PRAGMA cache_size = -262144" : "PRAGMA cache_size = -2000", NULL);
}

static int each_name(sh_conn *c, const char *sql, const char *arg, void (*fn)(void *ctx, const char *name),
                     void *ctx, sh_err *err) {
    sh_stmt *s = sh_prepare(c, sql, err);
    if (!s)
        return SH_ERR;
    if (arg)
        sh_bind_text(s, 1, arg, -1);
    int rc, rows = 0;
    while ((rc = sh_step(s, err)) == SH_ROW) {
        fn(ctx, sh_col_text(s, 0));
        rows++;
    }
    sh_stmt_done(s);
    if (rc == SH_ERR)
        return SH_ERR;
    if (arg && rows == 0)
        return sh_err_set(err, 404, "no_such_table", NULL, "数据表 %s 不存在", arg);
    return SH_OK;
}

int sh_table_columns(sh_conn *c, const char *table, void (*fn)(void *ctx, const char *column), void *ctx,
                     sh_err *err) {
    return each_name(c, c->db->ops->table_columns_sql, table, fn, ctx, err);
}

int sh_list_tables(sh_conn *c, void (*fn)(void *ctx, const char *table), void *ctx, sh_err *err) {
    return each_name(c, c->db->ops->list_tables_sql, NULL, fn, ctx, err);
}

const char *sh_sql_json_ids(const sh_conn *c, int n, char *buf, size_t cap) {
    if (c->db->ops->kind == SH_DB_POSTGRES)
        snprintf(buf, cap, "SELECT CAST(value AS BIGINT) FROM json_array_elements_text(CAST($%d AS JSON))",
                 n);
    else
        snprintf(buf, cap, "SELECT value FROM json_each($%d)", n);
    return buf;
}

/* ---- bulk load (COPY) ---- */

int sh_copy_supported(const sh_conn *c) { return c->db->ops->copy_begin != NULL; }

int sh_copy_begin(sh_conn *c, const char *table, const char *const *cols, int ncols, sh_err *err) {
    if (!sh_copy_supported(c))
        return sh_err_set(err, 500, "unsupported", NULL, "此数据库不支持批量装入");
    sh_buf sql;
    sh_buf_init(&sql, 1 << 16);
    sh_buf_printf(&sql, "COPY %s (", table);
    for (int i = 0; i < ncols; i++)
        sh_buf_printf(&sql, "%s%s", i ? ", " : "", cols[i]);
    sh_buf_puts(&sql, ") FROM STDIN");
    uint64_t t0 = sh_mono_ns();
    int rc = sh_buf_ok(&sql) == SH_OK ? c->db->ops->copy_begin(c, sql.data, err)
                                      : sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    sh_store_account(sh_mono_ns() - t0);
    if (rc == SH_OK)
        c->dirty |= UINT64_C(1) << sh_table_slot(table);
    sh_buf_free(&sql);
    return rc;
}

int sh_copy_send(sh_conn *c, const char *data, size_t len, sh_err *err) {
    uint64_t t0 = sh_mono_ns();
    int rc = c->db->ops->copy_data(c, data, len, err);
    sh_store_account(sh_mono_ns() - t0);
    return rc;
}

int sh_copy_end(sh_conn *c, int abort, sh_err *err) {
    uint64_t t0 = sh_mono_ns();
    int rc = c->db->ops->copy_end(c, abort, err);
    sh_store_account(sh_mono_ns() - t0);
    return rc;
}

/* COPY's text format: backslash, tab, newline and carriage return escaped. */
void sh_copy_text(sh_buf *b, const char *v, size_t len) {
    size_t from = 0;
    for (size_t i = 0; i < len; i++) {
        const char *esc = v[i] == '\\'   ? "\\\\"
                          : v[i] == '\t' ? "\\t"
                          : v[i] == '\n' ? "\\n"
                          : v[i] == '\r' ? "\\r"
                                         : NULL;
        if (!esc)
            continue;
        sh_buf_append(b, v + from, i - from);
        sh_buf_puts(b, esc);
        from = i + 1;
    }
    sh_buf_append(b, v + from, len - from);
}

/* bytea in its hex form, whose leading backslash COPY wants doubled. */
void sh_copy_bytes(sh_buf *b, const void *v, size_t len) {
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = v;
    sh_buf_puts(b, "\\\\x");
    for (size_t i = 0; i < len; i++) {
        char pair[2] = {hex[p[i] >> 4], hex[p[i] & 15]};
        sh_buf_append(b, pair, 2);
    }
}

void sh_copy_null(sh_buf *b) { sh_buf_puts(b, "\\N"); }

int sh_query_i64(sh_conn *c, const char *sql, int64_t *out, sh_err *err) {
    sh_stmt *s = sh_prepare(c, sql, err);
    if (!s)
        return SH_ERR;
    int rc = sh_step(s, err);
    if (rc == SH_ROW)
        *out = sh_col_i64(s, 0);
    sh_stmt_done(s);
    return rc;
}
