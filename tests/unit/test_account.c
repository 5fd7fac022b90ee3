/* test_account.c — SEC-01: a login already taken in any case or width is refused;
 * logins are normalised; a new account's password follows the policy (SEC-02) and
 * is stored only as an argon2id hash; creation is audited; a failed creation writes
 * nothing. */
#include "harness.h"

#include "app.h"
#include "audit/audit.h"
#include "identity/account.h"
#include "identity/password.h"

#include <stdio.h>

static sh_app app;

static sh_conn *open_db(const char *name) {
    memset(&app, 0, sizeof app);
    sh_app_defaults(&app.cfg);
    app.cfg.data_dir = "data";
    char path[512];
    snprintf(path, sizeof path, "%s/%s", sh_test_tmpdir(), name);
    sh_err e;
    sh_err_init(&e);
    if (sh_app_init(&app, &e) != SH_OK || sh_app_open_store(&app, path, SH_DB_CREATE, &e) != SH_OK) {
        fprintf(stderr, "    %s\n", e.first.message);
        return NULL;
    }
    return sh_db_acquire(app.db, &e);
}

static int create(sh_conn *c, const char *login, const char *password, sh_err *e) {
    sh_account_new n = {.name = "张三", .login = login, .password = password, .must_change = 1};
    int64_t id = 0;
    if (sh_begin_write(c, e) != SH_OK)
        return SH_ERR;
    if (sh_account_create(c, &n, &id, NULL, e) != SH_OK) {
        sh_rollback(c);
        return SH_ERR;
    }
    return sh_commit(c, e);
}

TEST(login_normalisation) {
    char d[SH_LOGIN_MAX + 1], k[SH_LOGIN_MAX + 1];
    sh_err e;
    sh_err_init(&e);
    CHECK(sh_login_normalise("  ＺｈａｎｇＳａｎ.01 ", d, k, &e) == SH_OK);
    CHECK_STR(d, "ZhangSan.01");
    CHECK_STR(k, "zhangsan.01");
    CHECK(sh_login_normalise("张三", d, k, &e) == SH_ERR);
    CHECK(sh_login_normalise("ab", d, k, &e) == SH_ERR);
    CHECK(sh_login_normalise("a b c", d, k, &e) == SH_ERR);
    CHECK(sh_login_normalise("x';--", d, k, &e) == SH_ERR);
    sh_err_clear(&e);
}

TEST(login_unique_case_insensitively) {
    sh_conn *c = open_db("accounts.db");
    REQUIRE(c);
    sh_err e;
    sh_err_init(&e);
    if (create(c, "ZhangSan", "Jiaoyu-2026", &e) != SH_OK)
        fprintf(stderr, "    create: %s\n", e.first.message);
    CHECK(e.status == 0);
    const char *same[] = {"zhangsan", "ZHANGSAN", " zhangsan ", "ｚｈａｎｇｓａｎ", NULL};
    for (int i = 0; same[i]; i++) {
        sh_err_clear(&e);
        CHECK(create(c, same[i], "Jiaoyu-2027", &e) == SH_ERR);
        CHECK_STR(e.first.code, "login_taken");
        CHECK(e.status == 409);
    }
    sh_err_clear(&e);
    /* weak password and bad login: every problem at once, nothing written */
    CHECK(create(c, "li", "123", &e) == SH_ERR);
    CHECK(sh_err_count(&e) >= 3);
    sh_err_clear(&e);
    int64_t n = 0;
    CHECK(sh_query_i64(c, "SELECT COUNT(*) FROM account", &n, &e) == SH_ROW && n == 1);
    CHECK(sh_query_i64(c, "SELECT COUNT(*) FROM person", &n, &e) == SH_ROW && n == 1);
    /* the password exists only as an argon2id hash, and it verifies */
    sh_stmt *s = sh_prepare(c, "SELECT password_hash, must_change_password, login FROM account", &e);
    REQUIRE(s);
    REQUIRE(sh_step(s, &e) == SH_ROW);
    CHECK(strncmp(sh_col_text(s, 0), "$argon2id$", 10) == 0);
    CHECK(strstr(sh_col_text(s, 0), "Jiaoyu") == NULL);
    CHECK(sh_password_verify(sh_col_text(s, 0), "Jiaoyu-2026"));
    CHECK(sh_col_i64(s, 1) == 1);
    CHECK_STR(sh_col_text(s, 2), "ZhangSan");
    sh_stmt_done(s);
    /* creation is audited, and the chain holds */
    CHECK(sh_query_i64(c, "SELECT COUNT(*) FROM audit_log WHERE event = 'account_created'", &n, &e) ==
              SH_ROW &&
          n == 1);
    sh_audit_report r;
    CHECK(sh_audit_verify(c, &r, &e) == SH_OK && r.first_bad == 0);
    sh_db_release(c);
    sh_app_close(&app);
}
