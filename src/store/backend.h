/* backend.h — the contract between the generic store (store.c) and a backend.
 *
 * A backend implements sh_db_ops. Its connection and statement structs begin with
 * the generic sh_conn / sh_stmt so the generic code can keep the pool and the
 * statement cache. Only src/store/ includes this header. */
#ifndef SH_STORE_BACKEND_H
#define SH_STORE_BACKEND_H

#include "store/store.h"

#include <pthread.h>

#define SH_STMT_CACHE 256

typedef struct sh_db_ops sh_db_ops;

struct sh_stmt {
    sh_conn *conn;
    char *sql; /* owned copy, key of the cache */
    uint64_t hash;
    int in_use;
    int cached; /* lives in conn->cache; else finalized on done */
};

struct sh_conn {
    sh_db *db;
    sh_conn *next_idle;
    sh_stmt *cache[SH_STMT_CACHE];
    unsigned evict_turn; /* which way of a full set is evicted next */
    int in_tx;
    uint64_t deadline_ns; /* monotonic; 0 = none */
    uint64_t dirty;       /* table slots (sh_table_slot) written since the last commit */
};

/* Tables are followed in this many slots (a table's slot: a hash of its name). */
#define SH_TABLE_SLOTS 64
unsigned sh_table_slot(const char *table);

struct sh_db {
    const sh_db_ops *ops;
    char *url;
    char *file; /* sqlite path */
    int flags;
    int max_conns, open_conns;
    sh_conn *idle;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    /* data generations (sh_db_generation): per table slot, and an epoch raised when
     * another process is seen to have written; the watch connection asks for that */
    _Atomic uint64_t generation[SH_TABLE_SLOTS];
    _Atomic uint64_t epoch;
    pthread_mutex_t watch_mu;
    sh_conn *watch;
    _Atomic uint64_t watched_at_ns;
    int64_t data_version;
    _Atomic int64_t partitions_due_ms; /* next monthly partition upkeep (partition.h); 0 = at once */
    void *backend; /* the backend's own state of this database (SQLite: the checkpointer) */
};

struct sh_db_ops {
    const char *name;
    sh_db_kind kind;
    int (*conn_open)(sh_db *db, sh_conn **out, sh_err *err);
    void (*conn_close)(sh_conn *c);
    int (*exec)(sh_conn *c, const char *sql, sh_err *err);
    sh_stmt *(*prepare)(sh_conn *c, const char *sql, sh_err *err);
    void (*finalize)(sh_stmt *s);
    void (*reset)(sh_stmt *s);
    int (*bind_i64)(sh_stmt *s, int n, int64_t v);
    int (*bind_double)(sh_stmt *s, int n, double v);
    int (*bind_text)(sh_stmt *s, int n, const char *v, size_t len);
    int (*bind_blob)(sh_stmt *s, int n, const void *v, size_t len);
    int (*bind_null)(sh_stmt *s, int n);
    int (*step)(sh_stmt *s, sh_err *err);
    int (*col_count)(sh_stmt *s);
    const char *(*col_name)(sh_stmt *s, int col);
    int (*col_is_null)(sh_stmt *s, int col);
    int64_t (*col_i64)(sh_stmt *s, int col);
    double (*col_double)(sh_stmt *s, int col);
    const char *(*col_text)(sh_stmt *s, int col);
    size_t (*col_len)(sh_stmt *s, int col);
    const void *(*col_blob)(sh_stmt *s, int col);
    int64_t (*changes)(sh_conn *c);
    int (*autocommit)(sh_conn *c); /* 1 when no transaction is open */
    /* A number that changes when another connection commits; NULL when the
     * backend cannot tell (then only this process's own writes are followed). */
    int (*data_version)(sh_conn *c, int64_t *out, sh_err *err);
    /* Bulk load (sh_copy_begin): NULL when the backend has none. */
    int (*copy_begin)(sh_conn *c, const char *sql, sh_err *err);
    int (*copy_data)(sh_conn *c, const char *data, size_t len, sh_err *err);
    int (*copy_end)(sh_conn *c, int abort, sh_err *err);
    const char *begin_sql, *begin_write_sql;
    const char *list_tables_sql;   /* one column: table name */
    const char *table_columns_sql; /* $1 = table; one column: column name */
    void (*db_close)(sh_db *db);   /* NULL, or release db->backend */
};

extern const sh_db_ops sh_sqlite_ops;
extern const sh_db_ops sh_pg_ops;

/* Account time spent in the backend (called by store.c around backend calls). */
void sh_store_account(uint64_t ns);

#endif
