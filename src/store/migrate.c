/* migrate.c — applies module migrations and refuses newer schemas. See migrate.h. */
#include "store/migrate.h"

#include "core/clock.h"
#include "core/log.h"

#include <string.h>

static const char *BOOT_SQL = "CREATE TABLE IF NOT EXISTS schema_migrations ("
                              " module TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL,"
                              " applied_at BIGINT NOT NULL, PRIMARY KEY (module, version))";

int sh_schema_version(sh_conn *c, const char *module, int *version, sh_err *err) {
    *version = 0;
    sh_stmt *s = sh_prepare(c, "SELECT COALESCE(MAX(version),0) FROM schema_migrations WHERE module=$1", err);
    if (!s)
        return SH_ERR;
    sh_bind_text(s, 1, module, -1);
    int rc = sh_step(s, err);
    if (rc == SH_ROW)
        *version = (int)sh_col_i64(s, 0);
    sh_stmt_done(s);
    return rc == SH_ERR ? SH_ERR : SH_OK;
}

static int check_unknown_modules(sh_conn *c, const sh_migration_set *sets, int nsets, sh_err *err) {
    sh_stmt *s = sh_prepare(c, "SELECT DISTINCT module FROM schema_migrations", err);
    if (!s)
        return SH_ERR;
    int rc;
    while ((rc = sh_step(s, err)) == SH_ROW) {
        const char *m = sh_col_text(s, 0);
        int known = 0;
        for (int i = 0; i < nsets && !known; i++)
            known = strcmp(sets[i].module, m) == 0;
        if (!known) {
            sh_err_set(err, 409, "schema_newer", NULL,
                       "数据库包含本程序不认识的模块“%s”的结构，可能由更新版本的 shushu 创建；请升级程序", m);
            sh_stmt_done(s);
            return SH_ERR;
        }
    }
    sh_stmt_done(s);
    return rc == SH_ERR ? SH_ERR : SH_OK;
}

int sh_migrate(sh_db *db, const sh_migration_set *sets, int nsets, int dry_run, int *applied, sh_err *err) {
    if (applied)
        *applied = 0;
    sh_conn *c = sh_db_acquire(db, err);
    if (!c)
        return SH_ERR;
    int rc = SH_ERR;
    if (sh_exec(c, BOOT_SQL, err) != SH_OK)
        goto out;
    if (check_unknown_modules(c, sets, nsets, err) != SH_OK)
        goto out;
    /* first pass: refuse newer schemas before changing anything */
    for (int i = 0; i < nsets; i++) {
        int have;
        if (sh_schema_version(c, sets[i].module, &have, err) != SH_OK)
            goto out;
        int known = sets[i].count ? sets[i].list[sets[i].count - 1].version : 0;
        if (have > known) {
            sh_err_set(err, 409, "schema_newer", NULL,
                       "数据库中模块“%s”的结构版本为 %d，比本程序支持的 %d 新；请使用更新版本的 shushu",
                       sets[i].module, have, known);
            goto out;
        }
    }
    for (int i = 0; i < nsets; i++) {
        int have;
        if (sh_schema_version(c, sets[i].module, &have, err) != SH_OK)
            goto out;
        for (int j = 0; j < sets[i].count; j++) {
            const sh_migration *m = &sets[i].list[j];
            if (m->version <= have)
                continue;
            if (applied)
                (*applied)++;
            if (dry_run)
                continue;
            const char *sql = (m->sql_pg && sh_db_kind_of(db) == SH_DB_POSTGRES) ? m->sql_pg : m->sql;
            if (sh_begin_write(c, err) != SH_OK)
                goto out;
            if (sh_exec(c, sql, err) != SH_OK) {
                sh_rollback(c);
                sh_log(SH_LOG_ERROR, "migrate_failed", "%s %d %s: %s", sets[i].module, m->version, m->name,
                       err ? err->first.message : "");
                goto out;
            }
            sh_stmt *s = sh_prepare(c,
                                    "INSERT INTO schema_migrations (module, version, name, applied_at) "
                                    "VALUES ($1, $2, $3, $4)",
                                    err);
            if (!s) {
                sh_rollback(c);
                goto out;
            }
            sh_bind_text(s, 1, sets[i].module, -1);
            sh_bind_i64(s, 2, m->version);
            sh_bind_text(s, 3, m->name, -1);
            sh_bind_i64(s, 4, sh_now_ms());
            int st = sh_step(s, err);
            sh_stmt_done(s);
            if (st == SH_ERR || sh_commit(c, err) != SH_OK) {
                sh_rollback(c);
                goto out;
            }
            sh_log(SH_LOG_INFO, "migrated", "%s %d %s", sets[i].module, m->version, m->name);
        }
    }
    rc = SH_OK;
out:
    sh_db_release(c);
    return rc;
}
