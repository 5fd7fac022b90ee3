/* test_store.c — the SQLite backend through the store interface: $n binding in
 * any order, the statement cache, transactions, migrations and the refusal of a
 * schema newer than the program. */
#include "harness.h"

#include "store/migrate.h"

#include <stdio.h>
#include <time.h>

static sh_db *open_temp(const char *name) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", sh_test_tmpdir(), name);
    remove(path);
    sh_db *db = NULL;
    sh_err e;
    sh_err_init(&e);
    sh_db_open(path, SH_DB_CREATE, 4, &db, &e);
    return db;
}

TEST(store_binds_numbered_parameters_in_any_order) {
    sh_db *db = open_temp("bind.db");
    REQUIRE(db);
    sh_err e;
    sh_err_init(&e);
    sh_conn *c = sh_db_acquire(db, &e);
    REQUIRE(c);
    CHECK(sh_exec(c, "CREATE TABLE t (a INTEGER, b TEXT, c REAL, d BLOB)", &e) == SH_OK);
    sh_stmt *s = sh_prepare(c, "INSERT INTO t (b, a, c, d) VALUES ($2, $1, $3, $4)", &e);
    REQUIRE(s);
    CHECK(sh_bind_i64(s, 1, 42) == SH_OK);
    CHECK(sh_bind_text(s, 2, "数枢", -1) == SH_OK);
    CHECK(sh_bind_double(s, 3, 2.5) == SH_OK);
    CHECK(sh_bind_blob(s, 4, "\0\1", 2) == SH_OK);
    CHECK(sh_bind_i64(s, 5, 1) == SH_ERR); /* no $5 */
    CHECK(sh_step(s, &e) == SH_DONE);
    sh_stmt_done(s);
    s = sh_prepare(c, "SELECT a, b, c, length(d), $1 FROM t WHERE a = $1", &e);
    REQUIRE(s);
    sh_bind_i64(s, 1, 42);
    CHECK(sh_step(s, &e) == SH_ROW);
    CHECK(sh_col_i64(s, 0) == 42);
    CHECK_STR(sh_col_text(s, 1), "数枢");
    CHECK(sh_col_double(s, 2) == 2.5);
    CHECK(sh_col_i64(s, 3) == 2);
    CHECK(sh_step(s, &e) == SH_DONE);
    sh_stmt_done(s);
    sh_db_release(c);
    sh_db_close(db);
}

TEST(store_caches_statements_and_handles_nesting) {
    sh_db *db = open_temp("cache.db");
    REQUIRE(db);
    sh_err e;
    sh_err_init(&e);
    sh_conn *c = sh_db_acquire(db, &e);
    REQUIRE(c);
    const char *sql = "SELECT 1";
    sh_stmt *a = sh_prepare(c, sql, &e);
    sh_stmt *b = sh_prepare(c, sql, &e); /* same SQL while a is in use: a second statement */
    CHECK(a && b && a != b);
    sh_stmt_done(b);
    sh_stmt_done(a);
    sh_stmt *again = sh_prepare(c, sql, &e);
    CHECK(again == a); /* served from the cache */
    sh_stmt_done(again);
    CHECK(sh_prepare(c, "SELEC nonsense", &e) == NULL);
    CHECK(e.status == 500);
    sh_db_release(c);
    sh_db_close(db);
}

TEST(store_transactions_roll_back_and_map_conflicts) {
    sh_db *db = open_temp("tx.db");
    REQUIRE(db);
    sh_err e;
    sh_err_init(&e);
    sh_conn *c = sh_db_acquire(db, &e);
    REQUIRE(c);
    sh_exec(c, "CREATE TABLE u (k TEXT PRIMARY KEY)", &e);
    CHECK(sh_begin_write(c, &e) == SH_OK);
    sh_exec(c, "INSERT INTO u VALUES ('a')", &e);
    sh_rollback(c);
    int64_t n = -1;
    CHECK(sh_query_i64(c, "SELECT COUNT(*) FROM u", &n, &e) == SH_ROW && n == 0);
    sh_exec(c, "INSERT INTO u VALUES ('a')", &e);
    CHECK(sh_exec(c, "INSERT INTO u VALUES ('a')", &e) == SH_ERR);
    CHECK(e.status == 409);
    CHECK_STR(e.first.code, "conflict");
    /* a connection given back inside a transaction is rolled back */
    CHECK(sh_begin_write(c, &e) == SH_OK);
    sh_exec(c, "INSERT INTO u VALUES ('b')", &e);
    sh_db_release(c);
    c = sh_db_acquire(db, &e);
    CHECK(sh_query_i64(c, "SELECT COUNT(*) FROM u", &n, &e) == SH_ROW && n == 1);
    sh_db_release(c);
    sh_db_close(db);
}

TEST(store_open_errors_are_clear) {
    sh_db *db = NULL;
    sh_err e;
    sh_err_init(&e);
    CHECK(sh_db_open("/nonexistent/dir/x.db", 0, 1, &db, &e) == SH_ERR);
    CHECK(db == NULL);
    CHECK_STR(e.first.code, "db_not_found");
    CHECK(sh_db_open("", 0, 1, &db, &e) == SH_ERR);
    CHECK(sh_db_open("postgres://localhost/x", 0, 1, &db, &e) == SH_ERR);
    char path[512];
    snprintf(path, sizeof path, "%s/notadb", sh_test_tmpdir());
    FILE *f = fopen(path, "w");
    fputs("this is not a database, just some text that is long enough to have a header.........", f);
    fclose(f);
    CHECK(sh_db_open(path, 0, 1, &db, &e) == SH_ERR);
    CHECK_STR(e.first.code, "store_corrupt");
}

static const sh_migration m_v2[] = {{1, "one", "CREATE TABLE m1 (x INTEGER)"},
                                    {2, "two", "CREATE TABLE m2 (y INTEGER)"}};
static const sh_migration m_bad[] = {{1, "one", "CREATE TABLE m1 (x INTEGER)"},
                                     {2, "two", "CREATE TABLE m2 (y INTEGER)"},
                                     {3, "broken", "CREATE TABLE m3 (z INTEGER); THIS IS NOT SQL"}};

TEST(migrations_apply_once_and_refuse_newer_schema) {
    sh_db *db = open_temp("mig.db");
    REQUIRE(db);
    sh_err e;
    sh_err_init(&e);
    sh_migration_set one = {"mod", m_v2, 1}, two = {"mod", m_v2, 2};
    int applied = 0;
    CHECK(sh_migrate(db, &two, 1, 0, &applied, &e) == SH_OK && applied == 2);
    CHECK(sh_migrate(db, &two, 1, 0, &applied, &e) == SH_OK && applied == 0);
    /* an older program (knows only version 1) refuses and changes nothing */
    CHECK(sh_migrate(db, &one, 1, 0, &applied, &e) == SH_ERR);
    CHECK_STR(e.first.code, "schema_newer");
    CHECK(strstr(e.first.message, "升级") || strstr(e.first.message, "更新"));
    /* a module the program does not know at all */
    sh_migration_set other = {"other", m_v2, 2};
    CHECK(sh_migrate(db, &other, 1, 0, &applied, &e) == SH_ERR);
    CHECK_STR(e.first.code, "schema_newer");
    /* a failing migration leaves nothing half-done */
    sh_migration_set bad = {"mod", m_bad, 3};
    CHECK(sh_migrate(db, &bad, 1, 0, &applied, &e) == SH_ERR);
    sh_conn *c = sh_db_acquire(db, &e);
    int v = 0;
    CHECK(sh_schema_version(c, "mod", &v, &e) == SH_OK && v == 2);
    int64_t n = 0;
    CHECK(sh_query_i64(c, "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'm3'", &n, &e) == SH_ROW &&
          n == 0);
    sh_db_release(c);
    sh_db_close(db);
}

TEST(store_interrupts_work_past_the_deadline) {
    sh_db *db = open_temp("deadline.db");
    REQUIRE(db);
    sh_err e;
    sh_err_init(&e);
    sh_conn *c = sh_db_acquire(db, &e);
    REQUIRE(c);
    sh_conn_deadline(c, 50);
    int64_t n = 0;
    /* a query that would run for minutes */
    int rc =
        sh_query_i64(c,
                     "WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM r WHERE x < 1000000000) "
                     "SELECT COUNT(*) FROM r",
                     &n, &e);
    CHECK(rc == SH_ERR);
    CHECK(e.status == 503);
    CHECK_STR(e.first.code, "query_timeout");
    sh_db_release(c); /* the deadline does not follow the connection */
    c = sh_db_acquire(db, &e);
    CHECK(sh_query_i64(c, "SELECT 7", &n, &e) == SH_ROW && n == 7);
    sh_db_release(c);
    sh_db_close(db);
}

/* Wait past the watch interval so that the next generation asks the file. */
static void past_watch_interval(void) {
    struct timespec ts = {0, (SH_DB_WATCH_MS + 20) * 1000000L};
    nanosleep(&ts, NULL);
}

TEST(store_data_generation_rises_after_commits_only) {
    sh_db *db = open_temp("generation.db");
    REQUIRE(db);
    sh_err e;
    sh_err_init(&e);
    sh_conn *c = sh_db_acquire(db, &e);
    REQUIRE(c);
    CHECK(sh_exec(c, "CREATE TABLE a (x INTEGER); CREATE TABLE b (x INTEGER)", &e) == SH_OK);
    const char *const only_a[] = {"a", NULL}, *const only_b[] = {"b", NULL};
    past_watch_interval();
    uint64_t a0 = sh_db_generation(db, only_a), b0 = sh_db_generation(db, only_b);
    CHECK(sh_db_generation(db, only_a) == a0); /* nothing written: unchanged */

    /* inside a transaction: unchanged until the commit returns, then raised */
    CHECK(sh_begin_write(c, &e) == SH_OK);
    CHECK(sh_exec(c, "INSERT INTO a VALUES (1)", &e) == SH_OK);
    CHECK(sh_db_generation(db, only_a) == a0);
    CHECK(sh_commit(c, &e) == SH_OK);
    uint64_t a1 = sh_db_generation(db, only_a);
    CHECK(a1 > a0);
    CHECK(sh_db_generation(db, only_b) == b0); /* another table: unchanged */

    /* a rolled back write raises nothing */
    CHECK(sh_begin_write(c, &e) == SH_OK);
    CHECK(sh_exec(c, "INSERT INTO a VALUES (2)", &e) == SH_OK);
    sh_rollback(c);
    CHECK(sh_db_generation(db, only_a) == a1);

    /* a statement outside a transaction: raised once it is done */
    sh_stmt *s = sh_prepare(c, "UPDATE a SET x = x + 1", &e);
    REQUIRE(s);
    CHECK(sh_step(s, &e) == SH_DONE);
    sh_stmt_done(s);
    uint64_t a2 = sh_db_generation(db, only_a);
    CHECK(a2 > a1);
    sh_db_release(c);

    /* a commit through another handle of the file (as another process would make)
     * is noticed once the watch interval has passed */
    char path[512];
    snprintf(path, sizeof path, "%s/generation.db", sh_test_tmpdir());
    sh_db *other = NULL;
    REQUIRE(sh_db_open(path, 0, 1, &other, &e) == SH_OK);
    sh_conn *oc = sh_db_acquire(other, &e);
    REQUIRE(oc);
    CHECK(sh_exec(oc, "INSERT INTO b VALUES (1)", &e) == SH_OK);
    sh_db_release(oc);
    sh_db_close(other);
    past_watch_interval();
    CHECK(sh_db_generation(db, only_b) > b0);
    uint64_t b1 = sh_db_generation(db, only_b);
    past_watch_interval();
    CHECK(sh_db_generation(db, only_b) == b1); /* nothing more written: steady */
    sh_db_close(db);
}

/* Size of a file, 0 when absent. */
static long file_size(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fclose(f);
    return n;
}

TEST(store_keeps_the_log_bounded_when_checkpoints_leave_the_writer) {
    sh_db *db = open_temp("wal.db");
    REQUIRE(db);
    char wal[600];
    snprintf(wal, sizeof wal, "%s/wal.db-wal", sh_test_tmpdir());
    sh_err e;
    sh_err_init(&e);
    sh_conn *c = sh_db_acquire(db, &e);
    REQUIRE(c);
    CHECK(sh_exec(c, "CREATE TABLE t (v BLOB)", &e) == SH_OK);
    /* 40 commits of 1 MiB: 10,000 pages of log were it never checkpointed */
    long largest = 0;
    for (int i = 0; i < 40; i++) {
        CHECK(sh_begin_write(c, &e) == SH_OK);
        CHECK(sh_exec(c,
                      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1024)"
                      " INSERT INTO t SELECT randomblob(1024) FROM n",
                      &e) == SH_OK);
        CHECK(sh_commit(c, &e) == SH_OK);
        struct timespec pause = {0, 20 * 1000000};
        nanosleep(&pause, NULL); /* time for the checkpointer between commits */
        long n = file_size(wal);
        if (n > largest)
            largest = n;
    }
    /* the log is reused once checkpointed: it stays near the threshold (1,000 pages
     * of 4 KiB plus the commit that crossed it), far below the 40 MiB written */
    CHECK(largest > 0);
    CHECK(largest < 16L * 1024 * 1024);
    sh_stmt *s = sh_prepare(c, "SELECT count(*) FROM t", &e);
    REQUIRE(s);
    CHECK(sh_step(s, &e) == SH_ROW);
    CHECK(sh_col_i64(s, 0) == 40 * 1024);
    sh_stmt_done(s);
    sh_db_release(c);
    sh_db_close(db);
    CHECK(file_size(wal) == 0); /* the last connection closed: log written back and removed */
}
