/* admin.c — `shushu migrate`, `shushu backup` and `shushu restore`. */
#include "cli/cli.h"

#include "audit/audit.h"
#include "core/keys.h"
#include "store/backup.h"

#include <stdio.h>
#include <string.h>

int cmd_migrate(int argc, char **argv) {
    sh_opt opts[] = {
        {"db", 1, NULL, "数据库：SQLite 文件路径（或 postgres:// 地址）"},
        {"create", 0, NULL, "数据库不存在时创建一个空库"},
        {"keys", 1, NULL, "密钥文件，默认为数据库旁的 .key 文件（PostgreSQL 必须指定）"},
        {NULL, 0, NULL, NULL},
    };
    const char *pos[1];
    int npos, rc = sh_cli_parse("migrate", argc, argv, opts, pos, 0, &npos);
    if (rc)
        return rc < 0 ? 0 : rc;
    const char *db = sh_cli_get(opts, "db");
    if (!db) {
        fprintf(stderr, "shushu migrate: 需要 --db\n");
        sh_cli_usage("migrate", "--db PATH [--create]", opts);
        return 2;
    }
    sh_app app = {0};
    sh_cli_config(&app.cfg);
    app.cfg.key_file = sh_cli_get(opts, "keys");
    sh_err err;
    sh_err_init(&err);
    rc = 1;
    if (sh_app_init(&app, &err) != SH_OK ||
        sh_app_open_store(&app, db, sh_cli_get(opts, "create") ? SH_DB_CREATE : 0, &err) != SH_OK) {
        sh_cli_error("迁移失败", &err);
    } else {
        sh_conn *c = sh_db_acquire(app.db, &err);
        printf("数据库结构已是最新：");
        for (int i = 0; c && i < app.nmodules; i++) {
            int v = 0;
            sh_schema_version(c, app.modules[i]->name, &v, NULL);
            printf("%s%s %d", i ? "，" : "", app.modules[i]->name, v);
        }
        printf("\n");
        sh_db_release(c);
        rc = 0;
    }
    sh_app_close(&app);
    sh_err_clear(&err);
    return rc;
}

int cmd_backup(int argc, char **argv) {
    sh_opt opts[] = {
        {"db", 1, NULL, "要备份的数据库（服务运行时也可备份）"},
        {"to", 1, NULL, "备份文件路径；旁边写 .manifest.json 清单（PostgreSQL：pg_dump 自定义格式）"},
        {"keys", 1, NULL, "密钥文件，默认为数据库旁的 .key 文件"},
        {NULL, 0, NULL, NULL},
    };
    const char *pos[1];
    int npos, rc = sh_cli_parse("backup", argc, argv, opts, pos, 0, &npos);
    if (rc)
        return rc < 0 ? 0 : rc;
    const char *db = sh_cli_get(opts, "db"), *to = sh_cli_get(opts, "to");
    if (!db || !to) {
        fprintf(stderr, "shushu backup: 需要 --db 和 --to\n");
        sh_cli_usage("backup", "--db PATH --to BACKUP_FILE", opts);
        return 2;
    }
    sh_err err;
    sh_err_init(&err);
    sh_db *d = NULL;
    rc = 1;
    if (sh_db_open(db, 0, 1, &d, &err) != SH_OK ||
        sh_keys_open(sh_db_file(d), sh_cli_get(opts, "keys"), 0, &err) != SH_OK)
        sh_cli_error("无法打开数据库", &err);
    else if (sh_backup(d, to, &err) != SH_OK) {
        sh_cli_error("备份失败", &err);
        sh_cli_audit(d, "backup", 0, to, err.first.message);
    } else if (sh_cli_audit(d, "backup", 1, to, NULL) != SH_OK) {
        fprintf(stderr, "备份已写出，但无法记入审计日志\n");
    } else {
        printf("备份完成：%s（清单 %s.manifest.json）\n", to, to);
        rc = 0;
    }
    sh_db_close(d);
    sh_keys_unload();
    sh_err_clear(&err);
    return rc;
}

int cmd_restore(int argc, char **argv) {
    sh_opt opts[] = {
        {"from", 1, NULL, "备份文件（须有同名 .manifest.json 清单）"},
        {"db", 1, NULL, "要恢复到的数据库：SQLite 文件（将被替换；服务须先停止）或空的 PostgreSQL 数据库"},
        {"verify-only", 0, NULL, "只校验备份，不恢复"},
        {"keys", 1, NULL, "目标数据库的密钥文件，默认为其旁边的 .key 文件"},
        {NULL, 0, NULL, NULL},
    };
    const char *pos[1];
    int npos, rc = sh_cli_parse("restore", argc, argv, opts, pos, 0, &npos);
    if (rc)
        return rc < 0 ? 0 : rc;
    const char *from = sh_cli_get(opts, "from"), *db = sh_cli_get(opts, "db");
    int verify_only = sh_cli_get(opts, "verify-only") != NULL;
    if (!from || (!db && !verify_only)) {
        fprintf(stderr, "shushu restore: 需要 --from 和 --db\n");
        sh_cli_usage("restore", "--from BACKUP_FILE --db PATH", opts);
        return 2;
    }
    sh_err err;
    sh_err_init(&err);
    rc = 1;
    if (verify_only) {
        if (sh_backup_verify(from, &err) != SH_OK)
            sh_cli_error("校验失败", &err);
        else {
            printf("备份完好：%s 与清单一致，完整性检查通过\n", from);
            rc = 0;
        }
    } else if (sh_keys_open(sh_db_url_is_postgres(db) ? NULL : db, sh_cli_get(opts, "keys"), 0, &err) !=
               SH_OK) {
        sh_cli_error("恢复失败（未做任何改动）", &err);
    } else if (sh_restore(from, db, &err) != SH_OK) {
        sh_cli_error("恢复失败（未做任何改动）", &err);
    } else {
        sh_db *d = NULL;
        if (sh_db_open(db, 0, 1, &d, &err) != SH_OK || sh_cli_audit(d, "restore", 1, from, NULL) != SH_OK)
            fprintf(stderr, "已恢复，但无法记入审计日志：%s\n", err.first.message);
        else {
            printf("已从 %s 恢复到 %s（校验通过）\n", from, db);
            rc = 0;
        }
        sh_db_close(d);
    }
    sh_keys_unload();
    sh_err_clear(&err);
    return rc;
}

int cmd_verify(int argc, char **argv) {
    sh_opt opts[] = {
        {"db", 1, NULL, "数据库"},
        {"keys", 1, NULL, "密钥文件，默认为数据库旁的 .key 文件"},
        {NULL, 0, NULL, NULL},
    };
    const char *pos[1];
    int npos, rc = sh_cli_parse("verify", argc, argv, opts, pos, 1, &npos);
    if (rc)
        return rc < 0 ? 0 : rc;
    const char *db = sh_cli_get(opts, "db");
    if (npos != 1 || strcmp(pos[0], "audit") != 0 || !db) {
        fprintf(stderr, "shushu verify: 用法为 shushu verify audit --db PATH\n");
        sh_cli_usage("verify", "audit --db PATH [--keys PATH]", opts);
        return 2;
    }
    sh_err err;
    sh_err_init(&err);
    sh_db *d = NULL;
    sh_conn *c = NULL;
    sh_audit_report r;
    rc = 1;
    if (sh_db_open(db, SH_DB_READONLY, 1, &d, &err) != SH_OK ||
        sh_keys_open(sh_db_file(d), sh_cli_get(opts, "keys"), 0, &err) != SH_OK ||
        !(c = sh_db_acquire(d, &err)) || sh_audit_verify(c, &r, &err) != SH_OK) {
        sh_cli_error("无法校验审计日志", &err);
    } else if (r.first_bad) {
        printf("审计日志被改动：第一个异常记录是序号 %lld —— %s（此前 %lld 条完好）\n",
               (long long)r.first_bad, r.reason, (long long)r.checked);
    } else {
        printf("审计日志完好：%lld 条记录的摘要链校验通过\n", (long long)r.checked);
        rc = 0;
    }
    sh_db_release(c);
    sh_db_close(d);
    sh_keys_unload();
    sh_err_clear(&err);
    return rc;
}
