/* partition.c — upkeep of the monthly partitions of the event tables on PostgreSQL
 * (see partition.h): which tables, when, and the block that creates the months. */
#include "store/partition.h"

#include "store/backend.h"

#include "core/buf.h"
#include "core/clock.h"
#include "core/log.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define MAX_TABLES 16
#define NAME_MAX_LEN 48
#define RETRY_MS INT64_C(3600000) /* after a failed upkeep */

typedef struct partitioned {
    char table[MAX_TABLES][NAME_MAX_LEN], key[MAX_TABLES][NAME_MAX_LEN];
    int n;
} partitioned;

static int plain(const char *s) {
    if (!s || !*s || strlen(s) >= NAME_MAX_LEN - 12) /* room for _yYYYYmMM and _default */
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return 0;
    return 1;
}

/* Range-partitioned tables of the schema with one key column and a DEFAULT
 * partition named <table>_default: the monthly ones. */
static int monthly_tables(sh_conn *c, partitioned *p, sh_err *err) {
    p->n = 0;
    sh_stmt *s = sh_prepare(c,
                            "SELECT t.relname, a.attname FROM pg_partitioned_table p"
                            " JOIN pg_class t ON t.oid = p.partrelid"
                            " JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]"
                            " WHERE p.partstrat = 'r' AND p.partnatts = 1 AND NOT t.relispartition"
                            " AND t.relnamespace = current_schema()::regnamespace"
                            " AND EXISTS (SELECT 1 FROM pg_inherits i JOIN pg_class d ON d.oid = i.inhrelid"
                            " WHERE i.inhparent = t.oid AND d.relname = t.relname || '_default')"
                            " ORDER BY 1",
                            err);
    if (!s)
        return SH_ERR;
    int rc;
    while ((rc = sh_step(s, err)) == SH_ROW)
        if (p->n < MAX_TABLES && plain(sh_col_text(s, 0)) && plain(sh_col_text(s, 1))) {
            snprintf(p->table[p->n], NAME_MAX_LEN, "%s", sh_col_text(s, 0));
            snprintf(p->key[p->n++], NAME_MAX_LEN, "%s", sh_col_text(s, 1));
        }
    sh_stmt_done(s);
    return rc == SH_ERR ? SH_ERR : SH_OK;
}

int sh_partitions_upkeep_tx(sh_conn *c, sh_err *err) {
    if (sh_db_kind_of_conn(c) != SH_DB_POSTGRES)
        return SH_OK;
    partitioned p;
    if (monthly_tables(c, &p, err) != SH_OK)
        return SH_ERR;
    char head[256];
    for (int i = 0; i < p.n; i++) {
        sh_buf sql;
        sh_buf_init(&sql, 1 << 16);
        snprintf(head, sizeof head, "DO $$ DECLARE t text := '%s'; k text := '%s'; src text := '%s_default';",
                 p.table[i], p.key[i], p.table[i]);
        sh_buf_puts(&sql, head);
        sh_buf_puts(&sql, SH_PG_MONTHLY_BODY);
        int rc = sh_buf_ok(&sql) == SH_OK ? sh_exec(c, sql.data, err)
                                          : sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
        sh_buf_free(&sql);
        if (rc != SH_OK)
            return SH_ERR;
    }
    return SH_OK;
}

int sh_partitions_upkeep(sh_conn *c, sh_err *err) {
    if (sh_db_kind_of_conn(c) != SH_DB_POSTGRES)
        return SH_OK;
    /* creating a partition locks its parent against readers for a moment: waited for at
     * most 2 s (a long reader, or this thread's own read elsewhere), else tried later */
    if (sh_begin_write(c, err) != SH_OK)
        return SH_ERR;
    if (sh_exec(c, "SET LOCAL lock_timeout = '2s'", err) != SH_OK ||
        sh_partitions_upkeep_tx(c, err) != SH_OK) {
        sh_rollback(c);
        return SH_ERR;
    }
    return sh_commit(c, err);
}

/* The first millisecond of the UTC month after now. */
static int64_t next_month_ms(int64_t now) {
    time_t secs = (time_t)(now / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    tm.tm_mday = 1;
    tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    tm.tm_mon += 1; /* timegm normalises month 12 into January of the next year */
    return (int64_t)timegm(&tm) * 1000;
}

void sh_partitions_due(sh_conn *c) {
    sh_db *db = c->db;
    if (db->ops->kind != SH_DB_POSTGRES || (db->flags & SH_DB_READONLY) || c->in_tx)
        return;
    int64_t now = sh_now_ms(), due = atomic_load(&db->partitions_due_ms);
    /* one thread of the process runs it; the others write on (into DEFAULT at worst) */
    if (due > now || !atomic_compare_exchange_strong(&db->partitions_due_ms, &due, next_month_ms(now)))
        return;
    sh_err err;
    sh_err_init(&err);
    if (sh_partitions_upkeep(c, &err) != SH_OK) {
        sh_log(SH_LOG_WARN, "partition_upkeep_failed",
               "monthly partitions not created (retried in an hour): %s", err.first.message);
        atomic_store(&db->partitions_due_ms, now + RETRY_MS);
    }
    sh_err_clear(&err);
}
