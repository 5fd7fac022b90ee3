/* kg.c — `shushu kg import FILE.csv --db PATH [--dry-run]` and `shushu kg
 * export --db PATH [--out FILE.csv] [--subject 14]`: the knowledge graph as a
 * CSV file (the layout of src/kg/csv.c). An import checks everything first and
 * writes nothing on any error; each error names its row and column. */
#include "cli/cli.h"

#include "core/alloc.h"
#include "kg/kg.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define MAX_FILE ((size_t)32 << 20)

/* Every problem of an import, one line each, with row and column. */
void sh_cli_print_file_errors(const sh_err *err) {
    size_t n = sh_err_count(err);
    for (size_t i = 0; i < n && i < 200; i++) {
        const sh_err_item *it = err->nmore ? &err->more[i] : &err->first;
        if (it->row && it->column)
            fprintf(stderr, "  第 %ld 行第 %ld 列：%s\n", it->row, it->column, it->message);
        else if (it->row)
            fprintf(stderr, "  第 %ld 行：%s\n", it->row, it->message);
        else
            fprintf(stderr, "  %s\n", it->message);
    }
    if (n > 200)
        fprintf(stderr, "  ……共 %zu 处错误\n", n);
}

/* Open the app on db for a subcommand; SH_ERR with the reason printed. */
int sh_cli_open(sh_app *app, const char *db, const char *keys) {
    sh_cli_config(&app->cfg);
    app->cfg.key_file = keys;
    sh_err err;
    sh_err_init(&err);
    int rc = sh_app_init(app, &err) == SH_OK && sh_app_open_store(app, db, 0, &err) == SH_OK ? SH_OK : SH_ERR;
    if (rc != SH_OK) {
        sh_cli_error("无法打开数据库", &err);
        sh_app_close(app); /* nothing is left open when it fails */
    }
    sh_err_clear(&err);
    return rc;
}

static int kg_import_cmd(int argc, char **argv) {
    sh_opt opts[] = {
        {"db", 1, NULL, "目标数据库"},
        {"dry-run", 0, NULL, "只校验，不写入：列出全部错误"},
        {"keys", 1, NULL, "密钥文件，默认为数据库旁的 .key 文件"},
        {NULL, 0, NULL, NULL},
    };
    const char *pos[1];
    int npos, rc = sh_cli_parse("kg import", argc, argv, opts, pos, 1, &npos);
    if (rc)
        return rc < 0 ? 0 : rc;
    const char *db = sh_cli_get(opts, "db");
    if (!db || npos != 1) {
        fprintf(stderr, "shushu kg import: 需要文件和 --db\n");
        sh_cli_usage("kg import", "FILE.csv --db PATH [--dry-run]", opts);
        return 2;
    }
    size_t len = 0;
    char *data = sh_cli_read_file("kg import", "文件", pos[0], MAX_FILE, &len);
    if (!data)
        return 1;
    sh_app app = {0};
    rc = 1;
    if (sh_cli_open(&app, db, sh_cli_get(opts, "keys")) != SH_OK)
        goto out;
    sh_err err;
    sh_err_init(&err);
    sh_conn *c = sh_db_acquire(app.db, &err);
    if (!c) {
        sh_cli_error("无法打开数据库", &err);
        goto out;
    }
    int dry = sh_cli_get(opts, "dry-run") != NULL;
    sh_provenance pv = {.source = "import", .source_ref = pos[0]};
    sh_kg_import_result res = {0};
    sh_err_init(&res.err);
    int run = sh_kg_import_tx(c, data, len, dry, &pv, &res);
    if (run != SH_OK) {
        fprintf(stderr, "发现 %zu 处错误，未写入任何数据：\n", sh_err_count(&res.err));
        sh_cli_print_file_errors(&res.err);
    } else {
        printf("%s：%ld 个知识点，新建 %ld、更新 %ld、无变化 %ld；先修关系新增 %ld、删除 %ld%s\n",
               dry ? "校验通过" : "导入完成", res.rows, res.created, res.updated, res.unchanged,
               res.edges_added, res.edges_removed, dry ? "（未写入）" : "");
        rc = 0;
        if (!dry) {
            char detail[300];
            snprintf(detail, sizeof detail, "kg import from %s: %ld rows, %ld created, %ld updated", pos[0],
                     res.rows, res.created, res.updated);
            rc = sh_cli_audit(app.db, "kg_import", 1, "kg", detail) == SH_OK ? 0 : 1;
        }
    }
    sh_err_clear(&res.err);
    sh_err_clear(&err);
    sh_db_release(c);
out:
    sh_app_close(&app);
    sh_free(data);
    return rc;
}

static int kg_export_cmd(int argc, char **argv) {
    sh_opt opts[] = {
        {"db", 1, NULL, "数据库"},
        {"out", 1, NULL, "写入的文件（默认输出到标准输出）"},
        {"subject", 1, NULL, "只导出一个学科（JY/T 1001 课程代码，如 14）"},
        {"keys", 1, NULL, "密钥文件，默认为数据库旁的 .key 文件"},
        {NULL, 0, NULL, NULL},
    };
    int npos, rc = sh_cli_parse("kg export", argc, argv, opts, NULL, 0, &npos);
    if (rc)
        return rc < 0 ? 0 : rc;
    const char *db = sh_cli_get(opts, "db"), *out = sh_cli_get(opts, "out");
    if (!db) {
        fprintf(stderr, "shushu kg export: 需要 --db\n");
        sh_cli_usage("kg export", "--db PATH [--out FILE.csv] [--subject 14]", opts);
        return 2;
    }
    sh_app app = {0};
    if (sh_cli_open(&app, db, sh_cli_get(opts, "keys")) != SH_OK)
        return 1;
    sh_err err;
    sh_err_init(&err);
    char tmp[] = "/tmp/shushu-kg-XXXXXX";
    int fd = out ? -1 : mkstemp(tmp);
    if (fd >= 0)
        close(fd);
    sh_conn *c = sh_db_acquire(app.db, &err);
    sh_pool *p = sh_pool_create();
    rc = 1;
    if (c && p && (out || fd >= 0) &&
        sh_kg_export(c, p, sh_cli_get(opts, "subject"), out ? out : tmp, &err) == SH_OK) {
        rc = 0;
        if (!out) { /* to stdout */
            size_t len = 0;
            char *text = sh_cli_read_file("kg export", "临时文件", tmp, (size_t)1 << 30, &len);
            if (!text || fwrite(text, 1, len, stdout) != len)
                rc = 1;
            sh_free(text);
        }
    } else {
        sh_cli_error("导出失败", &err);
    }
    if (!out && fd >= 0)
        unlink(tmp);
    sh_pool_destroy(p);
    if (c)
        sh_db_release(c);
    sh_err_clear(&err);
    sh_app_close(&app);
    return rc;
}

int cmd_kg(int argc, char **argv) {
    if (argc > 0 && strcmp(argv[0], "import") == 0)
        return kg_import_cmd(argc - 1, argv + 1);
    if (argc > 0 && strcmp(argv[0], "export") == 0)
        return kg_export_cmd(argc - 1, argv + 1);
    fprintf(stderr, "用法：shushu kg import FILE.csv --db PATH [--dry-run]\n"
                    "      shushu kg export --db PATH [--out FILE.csv] [--subject 14]\n");
    return 2;
}
