/* partition.h — monthly range partitions of the event tables on PostgreSQL.
 *
 * audit_log, change_log and xapi_statement are partitioned by the month (UTC) of
 * the BIGINT millisecond column that says when a row was written. Each has a
 * DEFAULT partition, <table>_default, so a write never fails for lack of a month,
 * and one partition per month, <table>_yYYYYmMM, created ahead: the month of now
 * and the next two.
 *
 * One SQL block does all the upkeep of one table (SH_PG_MONTHLY): it creates the
 * DEFAULT partition when missing, then a partition for every month that has rows
 * in a source table and for now and the next two months; rows of such a month
 * that wait in DEFAULT are moved into the new partition (with the table's user
 * triggers off on DEFAULT for the move: a move is neither a delete of an audit
 * entry nor the end of a statement). The modules' migrations run it with their
 * old, unpartitioned table as the source while they convert it; the store runs it
 * with DEFAULT as the source on the first write transaction of each process and
 * again on the first one of every new month (sh_partitions_due). Nothing on
 * SQLite. */
#ifndef SH_STORE_PARTITION_H
#define SH_STORE_PARTITION_H

#include "store/store.h"

/* The body of the block, after the DECLARE of t (the partitioned table), k (its key
 * column, milliseconds) and src (the table whose months need partitions). */
#define SH_PG_MONTHLY_BODY                                                                                   \
    " m date; months date[]; lo bigint; hi bigint; part text; has boolean; deflt text := t || '_default';"   \
    " BEGIN"                                                                                                 \
    " IF to_regclass(deflt) IS NULL THEN"                                                                    \
    " EXECUTE format('CREATE TABLE %I PARTITION OF %I DEFAULT', deflt, t); END IF;"                          \
    " EXECUTE format('SELECT array_agg(m ORDER BY m) FROM (SELECT date_trunc(''month'', to_timestamp(%I"     \
    " / 1000.0) AT TIME ZONE ''UTC'')::date FROM %I UNION SELECT (date_trunc(''month'', now() AT TIME ZONE"  \
    " ''UTC'') + n * interval ''1 month'')::date FROM generate_series(0, 2) n) x(m)', k, src) INTO months;"  \
    " FOREACH m IN ARRAY months LOOP"                                                                        \
    " part := t || to_char(m, '\"_y\"YYYY\"m\"MM');"                                                         \
    " CONTINUE WHEN to_regclass(part) IS NOT NULL;"                                                          \
    " lo := extract(epoch FROM m::timestamp) * 1000;"                                                        \
    " hi := extract(epoch FROM m + interval '1 month') * 1000;"                                              \
    " EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE %I >= %s AND %I < %s)', deflt, k, lo, k, hi)"    \
    " INTO STRICT has;"                                                                                      \
    " IF has THEN"                                                                                           \
    " EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part, t);"        \
    " EXECUTE format('ALTER TABLE %I DISABLE TRIGGER USER', deflt);"                                         \
    " EXECUTE format('WITH moved AS (DELETE FROM %I WHERE %I >= %s AND %I < %s RETURNING *)"                 \
    " INSERT INTO %I SELECT * FROM moved', deflt, k, lo, k, hi, part);"                                      \
    " EXECUTE format('ALTER TABLE %I ENABLE TRIGGER USER', deflt);"                                          \
    " EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%s) TO (%s)', t, part, lo, hi);"   \
    " RAISE NOTICE 'shushu: partition % created, rows of its month moved out of %', part, deflt;"            \
    " ELSE"                                                                                                  \
    " EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%s) TO (%s)', part, t, lo, hi);"      \
    " END IF; END LOOP; END $$;"

/* The upkeep block of table t by key column k, with the months of table src. */
#define SH_PG_MONTHLY(t, k, src)                                                                             \
    "DO $$ DECLARE t text := '" t "'; k text := '" k "'; src text := '" src "';" SH_PG_MONTHLY_BODY

/* Run the upkeep of every monthly-partitioned table of the database (each range-
 * partitioned table with one key column and a <table>_default partition), in one
 * write transaction of its own. c must not be in a transaction. SH_OK, or SH_ERR
 * with err filled and nothing changed. Nothing to do on SQLite. */
int sh_partitions_upkeep(sh_conn *c, sh_err *err);
/* The same inside the caller's write transaction (a bulk copy: its old months). */
int sh_partitions_upkeep_tx(sh_conn *c, sh_err *err);

/* Called by sh_begin_write before it begins: runs the upkeep when this database
 * handle has not run it yet, or not since the month turned (an hour later again
 * after a failure, which is logged; writes go on into DEFAULT meanwhile). */
void sh_partitions_due(sh_conn *c);

#endif
