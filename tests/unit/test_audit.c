/* test_audit.c — the hash-chained audit log: a clean chain verifies; editing,
 * deleting (in the middle or at the end) or swapping one row directly in the
 * database is caught and the first bad entry named (SEC-11); the store refuses
 * UPDATE and DELETE; nothing is written without the key (SEC-12); the purge
 * refuses entries younger than 180 days (SEC-13). */
#include "harness.h"

#include "audit/audit.h"
#include "core/clock.h"
#include "core/keys.h"

#include <stdio.h>

static const sh_migration_set *audit_set(void) {
    static sh_migration_set set;
    set.module = sh_audit_module.name;
    set.list = sh_audit_module.migrations;
    set.count = sh_audit_module.nmigrations;
    return &set;
}

static sh_db *fresh(const char *name, sh_conn **c) {
    char path[512], key[600];
    snprintf(path, sizeof path, "%s/%s", sh_test_tmpdir(), name);
    remove(path);
    snprintf(key, sizeof key, "%s/audit-test.key", sh_test_tmpdir());
    sh_err e;
    sh_err_init(&e);
    sh_db *db = NULL;
    if (sh_db_open(path, SH_DB_CREATE, 2, &db, &e) != SH_OK || sh_keys_load(key, 1, &e) != SH_OK ||
        sh_migrate(db, audit_set(), 1, 0, NULL, &e) != SH_OK)
        return NULL;
    *c = sh_db_acquire(db, &e);
    for (int i = 1; i <= 6; i++) {
        char obj[32];
        snprintf(obj, sizeof obj, "org_unit:%d", i);
        sh_audit_event ev = {.event = i % 2 ? "login" : "login_failed",
                             .ok = i % 2,
                             .account_id = i,
                             .actor = "zhang.san",
                             .role = "school_admin",
                             .ip = "10.0.0.8",
                             .object = obj,
                             .detail = "第 n 次"};
        if (sh_audit_write(*c, &ev, &e) != SH_OK)
            return NULL;
    }
    return db;
}

static int64_t verify(sh_conn *c) {
    sh_audit_report r;
    sh_err e;
    sh_err_init(&e);
    if (sh_audit_verify(c, &r, &e) != SH_OK)
        return -1;
    return r.first_bad;
}

TEST(audit_chain_verifies_and_store_refuses_changes) {
    sh_conn *c;
    sh_db *db = fresh("audit1.db", &c);
    REQUIRE(db);
    sh_err e;
    sh_err_init(&e);
    CHECK(verify(c) == 0);
    CHECK(sh_exec(c, "UPDATE audit_log SET detail = 'x' WHERE id = 2", &e) == SH_ERR);
    CHECK(sh_exec(c, "DELETE FROM audit_log WHERE id = 2", &e) == SH_ERR);
    CHECK(verify(c) == 0);
    sh_db_release(c);
    sh_db_close(db);
}

TEST(audit_detects_edit_delete_swap_and_truncation) {
    static const char *attacks[] = {
        "UPDATE audit_log SET detail = '改过' WHERE id = 3",
        "UPDATE audit_log SET result = 'success' WHERE id = 4",
        "DELETE FROM audit_log WHERE id = 3",
        /* swap rows 3 and 4 (contents and hashes) */
        "UPDATE audit_log SET id = -3 WHERE id = 3; UPDATE audit_log SET id = 3 WHERE id = 4;"
        " UPDATE audit_log SET id = 4 WHERE id = -3",
        "DELETE FROM audit_log WHERE id = 6",
        "UPDATE audit_log SET ts = ts + 1 WHERE id = 3",
    };
    static const int64_t first_bad[] = {3, 4, 3, 3, 6, 3};
    for (size_t i = 0; i < sizeof attacks / sizeof attacks[0]; i++) {
        sh_conn *c;
        char name[32];
        snprintf(name, sizeof name, "audit-attack%zu.db", i);
        sh_db *db = fresh(name, &c);
        REQUIRE(db);
        sh_err e;
        sh_err_init(&e);
        /* someone with the database file, not the product: drop the guards first */
        CHECK(sh_exec(c, "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete", &e) == SH_OK);
        CHECK(sh_exec(c, attacks[i], &e) == SH_OK);
        int64_t bad = verify(c);
        if (bad != first_bad[i])
            fprintf(stderr, "    attack %zu: first bad %lld, expected %lld\n", i, (long long)bad,
                    (long long)first_bad[i]);
        CHECK(bad == first_bad[i]);
        sh_db_release(c);
        sh_db_close(db);
    }
}

TEST(audit_write_fails_without_key_and_writes_nothing) {
    sh_conn *c;
    sh_db *db = fresh("audit-nokey.db", &c);
    REQUIRE(db);
    sh_keys_unload();
    sh_err e;
    sh_err_init(&e);
    sh_audit_event ev = {.event = "export", .ok = 1, .actor = "x"};
    CHECK(sh_audit_write(c, &ev, &e) == SH_ERR);
    CHECK(e.status == 503);
    int64_t n = 0;
    CHECK(sh_query_i64(c, "SELECT COUNT(*) FROM audit_log", &n, &e) == SH_ROW && n == 6);
    sh_db_release(c);
    sh_db_close(db);
}

TEST(audit_purge_keeps_180_days_and_the_chain) {
    sh_conn *c;
    sh_db *db = fresh("audit-purge.db", &c);
    REQUIRE(db);
    sh_err e;
    sh_err_init(&e);
    int64_t deleted = -1, day = 86400000LL;
    CHECK(sh_audit_purge(c, sh_now_ms() - 179 * day, &deleted, &e) == SH_ERR);
    CHECK_STR(e.first.code, "retention");
    CHECK(deleted == 0);
    CHECK(sh_audit_purge(c, sh_now_ms() - 181 * day, &deleted, &e) == SH_OK);
    CHECK(deleted == 0); /* nothing that old yet */
    sh_db_release(c);
    sh_db_close(db);
    /* six entries written 200 days ago, then three today */
    sh_clock_shift(-200 * day);
    db = fresh("audit-purge2.db", &c);
    sh_clock_shift(0);
    REQUIRE(db);
    for (int i = 0; i < 3; i++) {
        sh_audit_event ev = {.event = "login", .ok = 1, .actor = "new"};
        CHECK(sh_audit_write(c, &ev, &e) == SH_OK);
    }
    CHECK(sh_audit_purge(c, sh_now_ms() - 181 * day, &deleted, &e) == SH_OK);
    CHECK(deleted == 6);
    int64_t n = 0;
    CHECK(sh_query_i64(c, "SELECT COUNT(*) FROM audit_log WHERE actor = 'zhang.san'", &n, &e) == SH_ROW &&
          n == 0);
    CHECK(sh_query_i64(c, "SELECT COUNT(*) FROM audit_log WHERE actor = 'new'", &n, &e) == SH_ROW && n == 3);
    CHECK(sh_query_i64(c, "SELECT COUNT(*) FROM audit_log WHERE event = 'audit_purge'", &n, &e) == SH_ROW &&
          n == 1);
    /* the guards are back */
    CHECK(sh_exec(c, "DELETE FROM audit_log", &e) == SH_ERR);
    CHECK(verify(c) == 0);
    sh_db_release(c);
    sh_db_close(db);
}
