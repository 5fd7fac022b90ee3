/* transfer.h — copying a whole deployment from one store to another (SQLite to
 * PostgreSQL, `shushu migrate-data`) and proving the copy equal.
 *
 * The plan is the source's tables (all but schema_migrations), each of which must
 * exist in the target with the same columns; column kinds, primary keys and
 * foreign keys are read from the target's catalog (PostgreSQL), so rows are
 * written parents first and values bound as the target stores them.
 *
 * The checksum of a table is computed the same way on both sides, through the
 * store interface: rows in primary-key order (text keys in byte order: SQLite's
 * BINARY, PostgreSQL's COLLATE "C"), each value normalised by the target column's
 * kind and fed length-prefixed into SHA-256 (NULL has its own tag):
 *   - integers, booleans and text: the text the store reads (booleans read as 1
 *     and 0 on both backends; times are integer milliseconds);
 *   - double precision: the double printed with 17 significant digits, real
 *     (float4) rounded to float and printed with 9 — the precision stored;
 *   - bytea / BLOB: the bytes.
 * Keys are paged (key-set, 5,000 rows a page), so a large table is never held
 * whole in memory. */
#ifndef SH_STORE_TRANSFER_H
#define SH_STORE_TRANSFER_H

#include "store/store.h"

#define SH_XFER_MAX_COLS 64
#define SH_XFER_NAME 64

typedef enum { SH_XK_TEXT = 0, SH_XK_FLOAT8, SH_XK_FLOAT4, SH_XK_BYTES } sh_xfer_kind;

typedef struct sh_xfer_table {
    char name[SH_XFER_NAME];
    int ncols;
    char cols[SH_XFER_MAX_COLS][SH_XFER_NAME];
    unsigned char kinds[SH_XFER_MAX_COLS];   /* sh_xfer_kind */
    unsigned char textual[SH_XFER_MAX_COLS]; /* a text type on the target (collatable) */
    int npk, pk[8];                          /* primary-key columns (indexes into cols) */
    int self_fk;                             /* a column referencing this table's key; -1 none */
    char serial[SH_XFER_NAME];               /* a column fed by a sequence; "" none */
    int64_t rows[2];                         /* [0] source, [1] target */
    char sum[2][65];                         /* SHA-256 hex, same sides */
} sh_xfer_table;

typedef struct sh_xfer_plan {
    sh_xfer_table *t; /* in an order where referenced tables come first */
    int n;
} sh_xfer_plan;

/* Progress of the copy: rows of table done so far out of total. */
typedef void (*sh_xfer_progress)(void *ctx, const char *table, int64_t done, int64_t total);

/* The first table of src's deployment that already holds rows in dst, into which
 * ("" when every such table is empty or missing). */
int sh_xfer_target_in_use(sh_conn *src, sh_conn *dst, char *which, size_t cap, sh_err *err);
/* Both sides at the same schema versions (schema_migrations per module); a clear
 * error naming the difference otherwise. */
int sh_xfer_same_schema(sh_conn *src, sh_conn *dst, sh_err *err);
/* Build the plan (dst must be PostgreSQL with the schema in place). Free with
 * sh_xfer_plan_free. */
int sh_xfer_plan_read(sh_conn *src, sh_conn *dst, sh_xfer_plan *p, sh_err *err);
void sh_xfer_plan_free(sh_xfer_plan *p);
/* In one write transaction of dst: empty the plan's tables, copy every row of src
 * (read in one snapshot), give the copied months their partitions (partition.h),
 * set the sequences past the copied keys, commit. On
 * SH_ERR the transaction was rolled back: dst holds what it held before. */
int sh_xfer_copy(sh_conn *src, sh_conn *dst, sh_xfer_plan *p, sh_xfer_progress fn, void *ctx, sh_err *err);
/* Row count and checksum of table t on side (0 source, 1 target) through c. */
int sh_xfer_checksum(sh_conn *c, sh_xfer_table *t, int side, sh_err *err);

#endif
