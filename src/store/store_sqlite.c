/* store_sqlite.c — the embedded SQLite backend of the store.
 *
 * Each pooled connection opens the file with WAL journaling, foreign keys on,
 * synchronous=FULL (an acknowledged commit survives power loss) and a busy timeout.
 * Parameters are written $1, $2, … in SQL; SQLite treats them as named parameters,
 * so each statement keeps a small map from n to SQLite's parameter index.
 *
 * `INSERT … RETURNING id`, where id is the table's INTEGER PRIMARY KEY (the rowid),
 * is the portable way to learn a new row's key. SQLite runs RETURNING through a
 * temporary table opened and closed on every execution — a third of the cost of a
 * small insert — so such statements are prepared without the clause and answer
 * the one row from sqlite3_last_insert_rowid instead. */
#include "store/backend.h"

#include "core/alloc.h"
#include "core/clock.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#define MAX_PARAMS 64

typedef struct sq_conn {
    sh_conn base;
    sqlite3 *h;
} sq_conn;

typedef struct sq_stmt {
    sh_stmt base;
    sqlite3_stmt *h;
    int rowid_returning; /* RETURNING of the rowid emulated (see above) */
    int returned;        /* 1: the emulated row is current; 2: it was read */
    int64_t rowid;
    unsigned char nparams;
    unsigned char index_of[MAX_PARAMS + 1]; /* $n → sqlite index (0 = absent) */
} sq_stmt;

#define SQ(c) (((sq_conn *)(c))->h)
#define ST(s) ((sq_stmt *)(s))

static int fail(sqlite3 *h, int rc, sh_err *err, const char *what) {
    int ext = h ? sqlite3_extended_errcode(h) : rc;
    const char *msg = h ? sqlite3_errmsg(h) : sqlite3_errstr(rc);
    if ((ext & 0xff) == SQLITE_CONSTRAINT) {
        if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY)
            return sh_err_set(err, 409, "conflict", NULL, "记录已存在（唯一性冲突）");
        if (ext == SQLITE_CONSTRAINT_FOREIGNKEY)
            return sh_err_set(err, 409, "reference_violation", NULL, "引用的记录不存在或仍被引用");
        return sh_err_set(err, 400, "constraint_violation", NULL, "数据不满足约束：%s", msg);
    }
    if ((ext & 0xff) == SQLITE_INTERRUPT)
        return sh_err_set(err, 503, "query_timeout", NULL, "查询超时，请缩小查询范围后重试");
    if ((ext & 0xff) == SQLITE_BUSY || (ext & 0xff) == SQLITE_LOCKED)
        return sh_err_set(err, 503, "store_busy", NULL, "数据库繁忙，请稍后重试");
    if ((ext & 0xff) == SQLITE_READONLY)
        return sh_err_set(err, 503, "store_readonly", NULL, "数据库为只读");
    if ((ext & 0xff) == SQLITE_NOTADB || (ext & 0xff) == SQLITE_CORRUPT)
        return sh_err_set(err, 500, "store_corrupt", NULL, "文件不是有效的数据库或已损坏");
    return sh_err_set(err, 500, "store_error", NULL, "数据库错误（%s）：%s", what, msg);
}

/* Called every few thousand virtual-machine steps: past the deadline, interrupt. */
static int past_deadline(void *arg) {
    const sh_conn *c = arg;
    return c->deadline_ns && sh_mono_ns() > c->deadline_ns;
}

/* Before SQLite starts: no global memory statistics, whose mutex every allocation
 * of every connection would otherwise take (the worker threads contend on it). */
static void configure_sqlite(void) { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); }

/* Every row written marks its table's slot; store.c raises the slots' data
 * generations once the transaction commits (sh_db_generation). */
static void row_written(void *arg, int op, const char *db, const char *table, sqlite3_int64 rowid) {
    (void)op, (void)db, (void)rowid;
    ((sh_conn *)arg)->dirty |= UINT64_C(1) << sh_table_slot(table);
}
static void rolled_back(void *arg) { ((sh_conn *)arg)->dirty = 0; }

/* Checkpoints off the writers' path. A commit that leaves the write-ahead log
 * at CHECKPOINT_PAGES or more wakes the database's checkpointer thread, which
 * copies the log back into the database file on a connection of its own
 * (PASSIVE: it never blocks readers or writers). The writer goes on at once
 * instead of doing that work, with its fsyncs, inside its commit as SQLite's
 * own auto-checkpoint would. Should the thread or its connection fail, writers
 * checkpoint inline as before. */
#define CHECKPOINT_PAGES 1000

typedef struct sq_checkpointer {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    int started, failed, wanted, stopping;
    const char *file; /* the sh_db's */
} sq_checkpointer;

static pthread_mutex_t checkpointer_mu = PTHREAD_MUTEX_INITIALIZER;

static void *checkpoint_loop(void *arg) {
    sq_checkpointer *k = arg;
    sqlite3 *h = NULL;
    int rc =
        sqlite3_open_v2(k->file, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI, NULL);
    if (rc == SQLITE_OK) /* a first read opens the file and finds it in WAL mode */
        rc = sqlite3_exec(h, "SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL);
    pthread_mutex_lock(&k->mu);
    k->failed = rc != SQLITE_OK;
    while (!k->failed) {
        while (!k->wanted && !k->stopping)
            pthread_cond_wait(&k->cv, &k->mu);
        if (k->stopping)
            break;
        k->wanted = 0;
        pthread_mutex_unlock(&k->mu);
        sqlite3_wal_checkpoint_v2(h, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        pthread_mutex_lock(&k->mu);
    }
    pthread_mutex_unlock(&k->mu);
    sqlite3_close(h);
    return NULL;
}

static int wal_written(void *arg, sqlite3 *h, const char *name, int pages) {
    sq_checkpointer *k = arg;
    if (pages < CHECKPOINT_PAGES)
        return SQLITE_OK;
    pthread_mutex_lock(&k->mu);
    if (!k->started && !k->failed) {
        k->started = pthread_create(&k->thread, NULL, checkpoint_loop, k) == 0;
        k->failed = !k->started;
    }
    int by_writer = k->failed;
    k->wanted = 1;
    pthread_cond_signal(&k->cv);
    pthread_mutex_unlock(&k->mu);
    if (by_writer)
        sqlite3_wal_checkpoint_v2(h, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    return SQLITE_OK;
}

/* The database's checkpointer, made with its first writable connection; NULL
 * when memory is short (the connection then keeps SQLite's auto-checkpoint). */
static sq_checkpointer *checkpointer_of(sh_db *db) {
    pthread_mutex_lock(&checkpointer_mu);
    sq_checkpointer *k = db->backend;
    if (!k && (k = sh_calloc(1, sizeof *k))) {
        pthread_mutex_init(&k->mu, NULL);
        pthread_cond_init(&k->cv, NULL);
        k->file = db->file;
        db->backend = k;
    }
    pthread_mutex_unlock(&checkpointer_mu);
    return k;
}

static void sq_db_close(sh_db *db) {
    sq_checkpointer *k = db->backend;
    if (!k)
        return;
    pthread_mutex_lock(&k->mu);
    k->stopping = 1;
    pthread_cond_signal(&k->cv);
    int started = k->started;
    pthread_mutex_unlock(&k->mu);
    if (started)
        pthread_join(k->thread, NULL);
    pthread_mutex_destroy(&k->mu);
    pthread_cond_destroy(&k->cv);
    sh_free(k);
    db->backend = NULL;
}

static int sq_conn_open(sh_db *db, sh_conn **out, sh_err *err) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, configure_sqlite);
    sq_conn *c = sh_calloc(1, sizeof *c);
    if (!c)
        return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    int fl = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI;
    fl |= (db->flags & SH_DB_READONLY) ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
    if (db->flags & SH_DB_CREATE)
        fl |= SQLITE_OPEN_CREATE;
    int rc = sqlite3_open_v2(db->file, &c->h, fl, NULL);
    if (rc != SQLITE_OK) {
        if (rc == SQLITE_CANTOPEN)
            sh_err_set(err, 404, "db_not_found", "db", "无法打开数据库文件 %s（不存在或无权限）", db->file);
        else
            fail(c->h, rc, err, "open");
        sqlite3_close(c->h);
        sh_free(c);
        return SH_ERR;
    }
    sqlite3_busy_timeout(c->h, 10000);
    sqlite3_progress_handler(c->h, 4000, past_deadline, &c->base);
    sqlite3_extended_result_codes(c->h, 1);
    sqlite3_update_hook(c->h, row_written, &c->base);
    sqlite3_rollback_hook(c->h, rolled_back, &c->base);
    sq_checkpointer *k = (db->flags & SH_DB_READONLY) ? NULL : checkpointer_of(db);
    if (k)
        sqlite3_wal_hook(c->h, wal_written, k); /* in place of the auto-checkpoint */
    const char *pragmas = (db->flags & SH_DB_READONLY) ? "PRAGMA foreign_keys=ON; PRAGMA query_only=ON;"
                                                       : "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                                                         "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;";
    char *msg = NULL;
    rc = sqlite3_exec(c->h, pragmas, NULL, NULL, &msg);
    sqlite3_free(msg);
    if (rc != SQLITE_OK) {
        fail(c->h, rc, err, "open");
        sqlite3_close(c->h);
        sh_free(c);
        return SH_ERR;
    }
    *out = &c->base;
    return SH_OK;
}

static void sq_conn_close(sh_conn *c) {
    sqlite3_close(SQ(c));
    sh_free(c);
}

static int sq_exec(sh_conn *c, const char *sql, sh_err *err) {
    int rc = sqlite3_exec(SQ(c), sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? SH_OK : fail(SQ(c), rc, err, "exec");
}

/* The length of sql without a trailing " RETURNING col" when it is a plain INSERT
 * into a table whose col is its INTEGER PRIMARY KEY; 0 otherwise. */
static size_t rowid_returning(sqlite3 *h, const char *sql) {
    static const char insert[] = "INSERT INTO ", returning[] = " RETURNING ";
    if (strncmp(sql, insert, sizeof insert - 1) != 0 || strstr(sql, " ON CONFLICT") || strstr(sql, " OR "))
        return 0;
    const char *r = strstr(sql, returning);
    if (!r || strstr(r + 1, returning))
        return 0;
    const char *col = r + sizeof returning - 1;
    char table[64], column[64];
    size_t tn = strcspn(sql + sizeof insert - 1, " ("), cn = strlen(col);
    if (!tn || tn >= sizeof table || !cn || cn >= sizeof column ||
        col[strspn(col, "abcdefghijklmnopqrstuvwxyz_")])
        return 0;
    memcpy(table, sql + sizeof insert - 1, tn);
    table[tn] = '\0';
    memcpy(column, col, cn + 1);
    const char *type = NULL;
    int pk = 0;
    if (sqlite3_table_column_metadata(h, NULL, table, column, &type, NULL, NULL, &pk, NULL) != SQLITE_OK ||
        !pk || !type || sqlite3_stricmp(type, "INTEGER") != 0)
        return 0;
    /* a single-column primary key: no other column of the table is part of it */
    sqlite3_stmt *info = NULL;
    int others = 0;
    char q[128];
    snprintf(q, sizeof q, "SELECT COUNT(*) FROM pragma_table_info('%s') WHERE pk > 0", table);
    if (sqlite3_prepare_v2(h, q, -1, &info, NULL) == SQLITE_OK && sqlite3_step(info) == SQLITE_ROW)
        others = sqlite3_column_int(info, 0) - 1;
    sqlite3_finalize(info);
    return others == 0 ? (size_t)(r - sql) : 0;
}

static sh_stmt *sq_prepare(sh_conn *c, const char *sql, sh_err *err) {
    sq_stmt *s = sh_calloc(1, sizeof *s);
    if (!s) {
        sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
        return NULL;
    }
    size_t plain = rowid_returning(SQ(c), sql);
    s->rowid_returning = plain > 0;
    int rc = sqlite3_prepare_v3(SQ(c), sql, plain ? (int)plain : -1, SQLITE_PREPARE_PERSISTENT, &s->h, NULL);
    if (rc != SQLITE_OK) {
        fail(SQ(c), rc, err, "prepare");
        sh_free(s);
        return NULL;
    }
    int count = sqlite3_bind_parameter_count(s->h);
    for (int i = 1; i <= count; i++) {
        const char *name = sqlite3_bind_parameter_name(s->h, i);
        if (!name || name[0] != '$')
            continue;
        int n = 0;
        for (const char *p = name + 1; *p >= '0' && *p <= '9' && n <= MAX_PARAMS; p++)
            n = n * 10 + (*p - '0');
        if (n >= 1 && n <= MAX_PARAMS) {
            s->index_of[n] = (unsigned char)i;
            if (n > s->nparams)
                s->nparams = (unsigned char)n;
        }
    }
    return &s->base;
}

static void sq_finalize(sh_stmt *s) {
    sqlite3_finalize(ST(s)->h);
    sh_free(s);
}

static void sq_reset(sh_stmt *s) {
    ST(s)->returned = 0;
    sqlite3_reset(ST(s)->h);
    sqlite3_clear_bindings(ST(s)->h);
}

static int idx(sh_stmt *s, int n) { return (n >= 1 && n <= MAX_PARAMS) ? ST(s)->index_of[n] : 0; }

#define BIND(call)                                                                                           \
    int i = idx(s, n);                                                                                       \
    if (!i)                                                                                                  \
        return SH_ERR;                                                                                       \
    return (call) == SQLITE_OK ? SH_OK : SH_ERR

static int sq_bind_i64(sh_stmt *s, int n, int64_t v) { BIND(sqlite3_bind_int64(ST(s)->h, i, v)); }
static int sq_bind_double(sh_stmt *s, int n, double v) { BIND(sqlite3_bind_double(ST(s)->h, i, v)); }
static int sq_bind_text(sh_stmt *s, int n, const char *v, size_t len) {
    BIND(sqlite3_bind_text64(ST(s)->h, i, v, len, SQLITE_TRANSIENT, SQLITE_UTF8));
}
static int sq_bind_blob(sh_stmt *s, int n, const void *v, size_t len) {
    BIND(sqlite3_bind_blob64(ST(s)->h, i, v, len, SQLITE_TRANSIENT));
}
static int sq_bind_null(sh_stmt *s, int n) { BIND(sqlite3_bind_null(ST(s)->h, i)); }

static int sq_step(sh_stmt *s, sh_err *err) {
    sq_stmt *q = ST(s);
    if (q->returned) {
        q->returned = 2;
        return SH_DONE;
    }
    int rc = sqlite3_step(q->h);
    if (rc == SQLITE_ROW)
        return SH_ROW;
    if (rc == SQLITE_DONE && q->rowid_returning && sqlite3_changes64(SQ(s->conn)) > 0) {
        q->rowid = sqlite3_last_insert_rowid(SQ(s->conn));
        q->returned = 1;
        return SH_ROW;
    }
    if (rc == SQLITE_DONE)
        return SH_DONE;
    fail(SQ(s->conn), rc, err, "step");
    sqlite3_reset(ST(s)->h);
    return SH_ERR;
}

/* The emulated RETURNING row has one column, the new rowid. */
#define RETURNED(s) (ST(s)->returned == 1)
static int sq_col_count(sh_stmt *s) { return RETURNED(s) ? 1 : sqlite3_column_count(ST(s)->h); }
static const char *sq_col_name(sh_stmt *s, int c) { return sqlite3_column_name(ST(s)->h, c); }
static int sq_col_is_null(sh_stmt *s, int c) {
    return RETURNED(s) ? c != 0 : sqlite3_column_type(ST(s)->h, c) == SQLITE_NULL;
}
static int64_t sq_col_i64(sh_stmt *s, int c) {
    return RETURNED(s) ? (c == 0 ? ST(s)->rowid : 0) : sqlite3_column_int64(ST(s)->h, c);
}
static double sq_col_double(sh_stmt *s, int c) { return sqlite3_column_double(ST(s)->h, c); }
static const char *sq_col_text(sh_stmt *s, int c) { return (const char *)sqlite3_column_text(ST(s)->h, c); }
static size_t sq_col_len(sh_stmt *s, int c) { return (size_t)sqlite3_column_bytes(ST(s)->h, c); }
static const void *sq_col_blob(sh_stmt *s, int c) { return sqlite3_column_blob(ST(s)->h, c); }
static int64_t sq_changes(sh_conn *c) { return sqlite3_changes64(SQ(c)); }
static int sq_autocommit(sh_conn *c) { return sqlite3_get_autocommit(SQ(c)); }

/* PRAGMA data_version: changes when another connection (of any process) commits. */
static int sq_data_version(sh_conn *c, int64_t *out, sh_err *err) {
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(SQ(c), "PRAGMA data_version", -1, &s, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW)
        *out = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return rc == SQLITE_ROW ? SH_OK : fail(SQ(c), rc, err, "data_version");
}

const sh_db_ops sh_sqlite_ops = {
    .name = "sqlite",
    .kind = SH_DB_SQLITE,
    .conn_open = sq_conn_open,
    .conn_close = sq_conn_close,
    .exec = sq_exec,
    .prepare = sq_prepare,
    .finalize = sq_finalize,
    .reset = sq_reset,
    .bind_i64 = sq_bind_i64,
    .bind_double = sq_bind_double,
    .bind_text = sq_bind_text,
    .bind_blob = sq_bind_blob,
    .bind_null = sq_bind_null,
    .step = sq_step,
    .col_count = sq_col_count,
    .col_name = sq_col_name,
    .col_is_null = sq_col_is_null,
    .col_i64 = sq_col_i64,
    .col_double = sq_col_double,
    .col_text = sq_col_text,
    .col_len = sq_col_len,
    .col_blob = sq_col_blob,
    .changes = sq_changes,
    .autocommit = sq_autocommit,
    .data_version = sq_data_version,
    .begin_sql = "BEGIN",
    .begin_write_sql = "BEGIN IMMEDIATE",
    .list_tables_sql = "SELECT name FROM sqlite_schema WHERE type='table' AND name NOT LIKE "
                       "'sqlite_%' ORDER BY name",
    .table_columns_sql = "SELECT name FROM pragma_table_info($1) ORDER BY cid",
    .db_close = sq_db_close,
};
