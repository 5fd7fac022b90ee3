/* store.h — the database interface every module uses.
 *
 * A database is opened by URL: a file path (or sqlite:PATH) for the embedded SQLite
 * backend, postgres://… (or postgresql://…, a libpq connection URL) for PostgreSQL. SQL is written once with
 * $1, $2, … parameters; both backends bind them by number. Modules never build SQL from user text: only from
 * entity declarations and constants.
 *
 * Connections come from a small pool owned by the database. Each connection caches
 * its prepared statements, keyed by SQL text. Rows are stepped one at a time, so
 * large results stream. Errors follow err.h: SH_ERR plus a filled sh_err (status
 * 500 with code "store_error" unless a more precise code applies, e.g. 409
 * "conflict" on a uniqueness violation). */
#ifndef SH_STORE_H
#define SH_STORE_H

#include "core/buf.h"
#include "core/err.h"

#include <stddef.h>
#include <stdint.h>

typedef struct sh_db sh_db;
typedef struct sh_conn sh_conn;
typedef struct sh_stmt sh_stmt;

typedef enum { SH_DB_SQLITE = 1, SH_DB_POSTGRES = 2 } sh_db_kind;

enum {
    SH_DB_CREATE = 1,   /* create the database when it does not exist */
    SH_DB_READONLY = 2, /* open read-only */
};

/* Step results: SH_ROW and SH_DONE (core/err.h). */

/* 1 when url names a PostgreSQL database (postgres:// or postgresql://). */
int sh_db_url_is_postgres(const char *url);

/* Open the database at url with up to max_conns pooled connections (0 = 16).
 * On SH_ERR *out is NULL. */
int sh_db_open(const char *url, int flags, int max_conns, sh_db **out, sh_err *err);
/* Close every pooled connection. All connections must have been released. */
void sh_db_close(sh_db *db);
sh_db_kind sh_db_kind_of(const sh_db *db);
sh_db_kind sh_db_kind_of_conn(const sh_conn *c);
const char *sh_db_kind_name(const sh_db *db); /* "sqlite" | "postgres" */
/* File path of an SQLite database; NULL for other backends. */
const char *sh_db_file(const sh_db *db);

/* The data generation of tables (a NULL-terminated list of names): a number that
 * grows after every committed change to any of them, for keeping derived data
 * (replies, lookups) in memory. Read it BEFORE reading the data a kept copy is
 * built from, and keep the copy with it; the copy is current while the number is
 * unchanged. Changes made through this database handle count as soon as their
 * commit returns; commits by other processes on the same file are noticed
 * within SH_DB_WATCH_MS (they raise every table's generation). */
#define SH_DB_WATCH_MS 100
uint64_t sh_db_generation(sh_db *db, const char *const *tables);

/* Take a connection from the pool (opening one if needed; waits when all are busy).
 * NULL with err filled when a connection cannot be opened. */
sh_conn *sh_db_acquire(sh_db *db, sh_err *err);
/* Give it back: any statement still in use is reset, an open transaction rolled back. */
void sh_db_release(sh_conn *c);

/* Interrupt store work on this connection that runs past ms milliseconds from now
 * (0 = no limit); the step then fails with 503 "query_timeout". Cleared on release. */
void sh_conn_deadline(sh_conn *c, int ms);

/* Run SQL without parameters, possibly several statements (migrations, pragmas). */
int sh_exec(sh_conn *c, const char *sql, sh_err *err);

/* Prepare (or fetch from the connection's cache) a statement with $n parameters.
 * Release it with sh_stmt_done when finished. NULL with err filled on failure. */
sh_stmt *sh_prepare(sh_conn *c, const char *sql, sh_err *err);
void sh_stmt_done(sh_stmt *s);
/* Reset for another execution with new bindings, keeping the statement in use. */
void sh_stmt_reset(sh_stmt *s);

/* Bind parameter n (1-based, the n of $n). Return SH_OK or SH_ERR (bad index). */
int sh_bind_i64(sh_stmt *s, int n, int64_t v);
int sh_bind_double(sh_stmt *s, int n, double v);
int sh_bind_text(sh_stmt *s, int n, const char *v, int len); /* len < 0: strlen; v NULL binds NULL */
int sh_bind_blob(sh_stmt *s, int n, const void *v, size_t len);
int sh_bind_null(sh_stmt *s, int n);

/* SH_ROW, SH_DONE or SH_ERR. */
int sh_step(sh_stmt *s, sh_err *err);

int sh_col_count(sh_stmt *s);
const char *sh_col_name(sh_stmt *s, int col);
int sh_col_is_null(sh_stmt *s, int col);
int64_t sh_col_i64(sh_stmt *s, int col);
double sh_col_double(sh_stmt *s, int col);
const char *sh_col_text(sh_stmt *s, int col); /* NULL when NULL; valid until the next step */
size_t sh_col_len(sh_stmt *s, int col);
const void *sh_col_blob(sh_stmt *s, int col);

/* Rows changed by the last write on this connection. */
int64_t sh_changes(sh_conn *c);

/* Transactions. sh_begin_write takes the write lock at once (SQLite BEGIN IMMEDIATE),
 * so a write transaction never fails half-way for lack of the lock. */
int sh_begin(sh_conn *c, sh_err *err);
int sh_begin_write(sh_conn *c, sh_err *err);
int sh_commit(sh_conn *c, sh_err *err);
void sh_rollback(sh_conn *c);
int sh_in_tx(const sh_conn *c);
/* A bulk write follows on this connection (an import, the demo city): on (1) gives
 * it a page cache large enough that a transaction of a million rows does not
 * spill its indexes to the WAL half-way (SQLite: 256 MiB, taken only as used);
 * off (0) returns to the default. Nothing on PostgreSQL, whose buffers are the
 * server's. */
void sh_bulk_write(sh_conn *c, int on);

/* Bulk load of one table inside the caller's write transaction: PostgreSQL's
 * COPY … FROM STDIN in its text format (one line per row, values separated by
 * tabs; sh_copy_text/_bytes/_null append values in that form). sh_copy_supported
 * is 0 when the backend has no such path (SQLite: insert instead). Between
 * sh_copy_begin and sh_copy_end the connection takes nothing but sh_copy_send;
 * sh_copy_end with abort set ends a copy that is given up (its transaction is then
 * rolled back). Each returns SH_OK or SH_ERR with err filled. */
int sh_copy_supported(const sh_conn *c);
int sh_copy_begin(sh_conn *c, const char *table, const char *const *cols, int ncols, sh_err *err);
int sh_copy_send(sh_conn *c, const char *data, size_t len, sh_err *err);
int sh_copy_end(sh_conn *c, int abort, sh_err *err);
void sh_copy_text(sh_buf *b, const char *v, size_t len);
void sh_copy_bytes(sh_buf *b, const void *v, size_t len);
void sh_copy_null(sh_buf *b);

/* Columns of a table as stored (for the declaration check). Calls fn once per
 * column; SH_ERR when the table does not exist. */
int sh_table_columns(sh_conn *c, const char *table, void (*fn)(void *ctx, const char *column), void *ctx,
                     sh_err *err);
/* Names of all user tables. */
int sh_list_tables(sh_conn *c, void (*fn)(void *ctx, const char *table), void *ctx, sh_err *err);

/* Time spent in the store since start (nanoseconds) and number of calls. */
typedef struct sh_store_stats {
    uint64_t ns;
    uint64_t calls;
} sh_store_stats;
sh_store_stats sh_store_stats_get(void);

/* The SQL of a subquery listing the integers of a JSON array bound as parameter $n
 * (several ids in one parameter, for `col IN (…)`): json_each on SQLite,
 * json_array_elements_text on PostgreSQL. Written into buf (96 bytes suffice). */
const char *sh_sql_json_ids(const sh_conn *c, int n, char *buf, size_t cap);

/* One-shot helpers for the common case of a single value. */
int sh_query_i64(sh_conn *c, const char *sql, int64_t *out, sh_err *err); /* SH_DONE if no row */

#endif
