/* backup_pg.c — `shushu backup` and `restore` on PostgreSQL through pg_dump and
 * pg_restore (custom format), with the checksum manifest of backup.h. The tools
 * run as child processes with an argument vector (no shell); the database URL is
 * passed to them as given. */
#include "store/backup.h"

#include "store/backend.h"

#include "core/clock.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define PG_BIN "/usr/lib/postgresql/15/bin/"

/* Run a PostgreSQL client tool (from PostgreSQL 15's folder when it is there, else
 * from PATH) with its output to /dev/null and its errors to errfile. 0 on exit 0. */
static int run_tool(const char *tool, const char *const *args, const char *errfile) {
    char path[256];
    snprintf(path, sizeof path, PG_BIN "%s", tool);
    const char *file = access(path, X_OK) == 0 ? path : tool;
    const char *argv[16];
    int n = 0;
    argv[n++] = tool;
    for (; args[n - 1] && n < 15; n++)
        argv[n] = args[n - 1];
    argv[n] = NULL;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, errfile, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid;
    int rc = posix_spawnp(&pid, file, &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        return -1;
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* The first line of what a tool wrote to errfile, for the message. */
static const char *tool_error(const char *errfile, char *buf, size_t cap) {
    FILE *f = fopen(errfile, "r");
    buf[0] = '\0';
    if (f) {
        if (!fgets(buf, (int)cap, f))
            buf[0] = '\0';
        fclose(f);
    }
    buf[strcspn(buf, "\n")] = '\0';
    return buf[0] ? buf : "无输出";
}

typedef struct counts {
    sh_conn *c;
    json_t *tables;
    sh_err *err;
    int failed;
} counts;

static void count_table(void *ctx, const char *table) {
    counts *k = ctx;
    char sql[256];
    int64_t n = 0;
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM \"%s\"", table);
    if (k->failed || strchr(table, '"') || sh_query_i64(k->c, sql, &n, k->err) != SH_ROW)
        k->failed = 1;
    else
        json_object_set_new(k->tables, table, json_integer(n));
}

/* Row counts per table and schema versions, as the SQLite manifest has them. */
static json_t *describe(sh_conn *c, sh_err *err) {
    counts k = {.c = c, .tables = json_object(), .err = err};
    json_t *schema = json_object();
    if (sh_list_tables(c, count_table, &k, err) != SH_OK)
        k.failed = 1;
    sh_stmt *s =
        k.failed ? NULL
                 : sh_prepare(c, "SELECT module, MAX(version) FROM schema_migrations GROUP BY module", err);
    int rc = s ? SH_ROW : SH_ERR;
    while (s && (rc = sh_step(s, err)) == SH_ROW)
        json_object_set_new(schema, sh_col_text(s, 0), json_integer(sh_col_i64(s, 1)));
    sh_stmt_done(s);
    if (k.failed || rc == SH_ERR) {
        json_decref(k.tables);
        json_decref(schema);
        return NULL;
    }
    return json_pack("{s:o,s:o}", "tables", k.tables, "schema", schema);
}

int sh_backup_pg(sh_db *db, const char *dest, sh_err *err) {
    struct stat st;
    if (stat(dest, &st) == 0)
        return sh_err_set(err, 409, "exists", "dest", "备份文件 %s 已存在，不会覆盖", dest);
    char part[4200], errfile[4300], snapshot[64] = "";
    snprintf(part, sizeof part, "%s.part", dest);
    snprintf(errfile, sizeof errfile, "%s.log", part);
    sh_conn *c = sh_db_acquire(db, err);
    if (!c)
        return SH_ERR;
    json_t *m = NULL;
    int rc = SH_ERR;
    /* one snapshot: exported to pg_dump, and the row counts read in it */
    if (sh_begin(c, err) != SH_OK ||
        sh_exec(c, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", err) != SH_OK)
        goto out;
    sh_stmt *s = sh_prepare(c, "SELECT pg_export_snapshot()", err);
    if (s && sh_step(s, err) == SH_ROW)
        snprintf(snapshot, sizeof snapshot, "%s", sh_col_text(s, 0));
    sh_stmt_done(s);
    if (!snapshot[0] || !(m = describe(c, err)))
        goto out;
    const char *args[] = {"--format=custom", "--no-owner", "--snapshot", snapshot, "--file", part,
                          "--dbname",        db->url,      NULL};
    char msg[200];
    if (run_tool("pg_dump", args, errfile) != 0) {
        sh_err_set(err, 500, "backup_failed", NULL, "pg_dump 失败：%s", tool_error(errfile, msg, sizeof msg));
        goto out;
    }
    json_object_set_new(m, "dump_format", json_string("pg_dump custom"));
    if (sh_backup_seal(m, "postgres", part, dest, err) != SH_OK)
        goto out;
    rc = SH_OK;
out:
    if (sh_in_tx(c))
        sh_rollback(c);
    sh_db_release(c);
    json_decref(m);
    unlink(part);
    unlink(errfile);
    return rc;
}

int sh_backup_verify_pg(const char *backup, json_t **out, sh_err *err) {
    char manifest[4200], errfile[4300], hex[65], msg[200];
    snprintf(manifest, sizeof manifest, "%s.manifest.json", backup);
    snprintf(errfile, sizeof errfile, "%s.verify.log", backup);
    json_error_t je;
    json_t *m = json_load_file(manifest, JSON_REJECT_DUPLICATES, &je);
    if (!m)
        return sh_err_set(err, 400, "manifest_missing", NULL, "找不到或无法读取备份清单 %s", manifest);
    const char *format = json_string_value(json_object_get(m, "format"));
    const char *store = json_string_value(json_object_get(m, "store"));
    const char *want = json_string_value(json_object_get(m, "sha256"));
    long long size = -1;
    int rc = SH_ERR;
    if (!format || strcmp(format, SH_BACKUP_FORMAT) != 0 || !store || strcmp(store, "postgres") != 0 ||
        !want || !json_is_object(json_object_get(m, "tables"))) {
        sh_err_set(err, 400, "manifest_invalid", NULL, "备份清单格式不正确：%s", manifest);
    } else if (sh_file_sha256(backup, hex, &size, err) != SH_OK) {
        /* err set */
    } else if (size != json_integer_value(json_object_get(m, "bytes")) || strcmp(hex, want) != 0) {
        sh_err_set(err, 400, "checksum_mismatch", NULL,
                   "备份文件与清单不符（大小或 SHA-256 不一致），可能已损坏或被改动");
    } else {
        const char *args[] = {"--list", backup, NULL};
        if (run_tool("pg_restore", args, errfile) != 0)
            sh_err_set(err, 400, "backup_corrupt", NULL, "pg_restore 无法读取备份：%s",
                       tool_error(errfile, msg, sizeof msg));
        else
            rc = SH_OK;
    }
    unlink(errfile);
    if (rc == SH_OK && out)
        *out = m;
    else
        json_decref(m);
    return rc;
}

static void any_table(void *ctx, const char *table) {
    (void)table;
    (*(int *)ctx)++;
}

int sh_restore_pg(const char *backup, const char *url, sh_err *err) {
    json_t *m = NULL;
    if (sh_backup_verify_pg(backup, &m, err) != SH_OK)
        return SH_ERR;
    sh_db *db = NULL;
    sh_conn *c = NULL;
    int rc = SH_ERR, tables = 0;
    json_t *now = NULL;
    char errfile[4300], msg[200];
    snprintf(errfile, sizeof errfile, "%s.restore.log", backup);
    if (sh_db_open(url, 0, 1, &db, err) != SH_OK || !(c = sh_db_acquire(db, err)) ||
        sh_list_tables(c, any_table, &tables, err) != SH_OK)
        goto out;
    if (tables) {
        sh_err_set(err, 409, "target_not_empty", "db", "目标数据库已有 %d 张表：只恢复到空数据库", tables);
        goto out;
    }
    const char *args[] = {"--no-owner", "--exit-on-error", "--single-transaction", "--dbname", url, backup,
                          NULL};
    if (run_tool("pg_restore", args, errfile) != 0) {
        sh_err_set(err, 500, "restore_failed", NULL, "pg_restore 失败，已整体回滚（目标数据库未改动）：%s",
                   tool_error(errfile, msg, sizeof msg));
        goto out;
    }
    if (!(now = describe(c, err)))
        goto out;
    if (!json_equal(json_object_get(now, "tables"), json_object_get(m, "tables"))) {
        sh_err_set(err, 500, "rowcount_mismatch", NULL,
                   "恢复后各表的行数与清单不符：请勿使用该数据库，清空后重新恢复");
        goto out;
    }
    rc = SH_OK;
out:
    unlink(errfile);
    json_decref(now);
    json_decref(m);
    sh_db_release(c);
    sh_db_close(db);
    return rc;
}
