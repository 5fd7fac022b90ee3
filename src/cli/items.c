/* items.c — `shushu items import FILE.jsonl|DIR --db PATH [--publish]
 * [--dry-run]` and `shushu items export --db PATH [--out FILE] [--all]`: the
 * item bank as JSON Lines. A folder imports every *.jsonl in it, in name order,
 * in one transaction: any error in any file and nothing is written. The same
 * import loads the shipped item bank in `shushu demo` (sh_cli_load_items). */
#include "cli/cli.h"

#include "core/alloc.h"
#include "items/items.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_FILE ((size_t)64 << 20)
#define MAX_FILES 256

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The files to import: path itself, or the *.jsonl of the folder path, sorted. */
static int list_files(const char *path, char **files, int *n) {
    struct stat st;
    *n = 0;
    if (stat(path, &st) != 0)
        return SH_ERR;
    if (!S_ISDIR(st.st_mode)) {
        files[(*n)++] = strdup(path);
        return SH_OK;
    }
    DIR *d = opendir(path);
    if (!d)
        return SH_ERR;
    struct dirent *e;
    while ((e = readdir(d)) && *n < MAX_FILES) {
        size_t len = strlen(e->d_name);
        if (len > 6 && strcmp(e->d_name + len - 6, ".jsonl") == 0) {
            size_t cap = strlen(path) + len + 2;
            files[*n] = malloc(cap);
            if (files[*n])
                snprintf(files[(*n)++], cap, "%s/%s", path, e->d_name);
        }
    }
    closedir(d);
    qsort(files, (size_t)*n, sizeof *files, cmp_str);
    return SH_OK;
}

int sh_cli_load_items(sh_db *db, const char *path, int publish, int dry_run, const sh_provenance *pv,
                      sh_items_import_result *res) {
    char *files[MAX_FILES];
    int n = 0;
    if (list_files(path, files, &n) != SH_OK)
        return sh_err_set(&res->err, 400, "not_found", NULL, "找不到 %s", path);
    sh_err err;
    sh_err_init(&err);
    sh_conn *c = sh_db_acquire(db, &res->err);
    sh_pool *p = sh_pool_create();
    int rc = c && p ? sh_begin_write(c, &res->err) : SH_ERR;
    int failed = rc != SH_OK;
    for (int i = 0; i < n && rc == SH_OK; i++) {
        size_t len = 0;
        char *data = sh_cli_read_file("items import", "文件", files[i], MAX_FILE, &len);
        if (!data) {
            failed = 1;
            continue;
        }
        const char *slash = strrchr(files[i], '/');
        if (sh_items_import(c, p, data, len, slash ? slash + 1 : files[i], publish, pv, res) != SH_OK)
            failed = 1; /* go on: every file's problems are reported together */
        if (res->err.status >= 500)
            rc = SH_ERR;
        sh_free(data);
    }
    if (c && sh_in_tx(c)) {
        if (!failed && !dry_run)
            rc = sh_commit(c, &res->err);
        else
            sh_rollback(c);
    }
    if (c)
        sh_db_release(c);
    sh_pool_destroy(p);
    for (int i = 0; i < n; i++)
        free(files[i]);
    return failed ? SH_ERR : rc;
}

static int items_import_cmd(int argc, char **argv) {
    sh_opt opts[] = {
        {"db", 1, NULL, "目标数据库"},
        {"publish", 0, NULL, "导入即发布（用于经过审核的题库文件）"},
        {"dry-run", 0, NULL, "只校验，不写入：列出全部错误"},
        {"keys", 1, NULL, "密钥文件，默认为数据库旁的 .key 文件"},
        {NULL, 0, NULL, NULL},
    };
    const char *pos[1];
    int npos, rc = sh_cli_parse("items import", argc, argv, opts, pos, 1, &npos);
    if (rc)
        return rc < 0 ? 0 : rc;
    const char *db = sh_cli_get(opts, "db");
    if (!db || npos != 1) {
        fprintf(stderr, "shushu items import: 需要文件（或文件夹）和 --db\n");
        sh_cli_usage("items import", "FILE.jsonl|DIR --db PATH [--publish] [--dry-run]", opts);
        return 2;
    }
    sh_app app = {0};
    if (sh_cli_open(&app, db, sh_cli_get(opts, "keys")) != SH_OK)
        return 1;
    int dry = sh_cli_get(opts, "dry-run") != NULL, publish = sh_cli_get(opts, "publish") != NULL;
    sh_provenance pv = {.source = "import", .source_ref = pos[0]};
    sh_items_import_result res = {0};
    sh_err_init(&res.err);
    rc = 1;
    if (sh_cli_load_items(app.db, pos[0], publish, dry, &pv, &res) != SH_OK) {
        if (sh_err_count(&res.err)) {
            fprintf(stderr, "发现 %zu 处错误，未写入任何数据：\n", sh_err_count(&res.err));
            sh_cli_print_file_errors(&res.err);
        }
    } else {
        printf("%s：%ld 行，新建 %ld、更新 %ld、无变化 %ld、发布 %ld%s\n", dry ? "校验通过" : "导入完成",
               res.lines, res.created, res.updated, res.unchanged, res.published, dry ? "（未写入）" : "");
        rc = 0;
        if (!dry) {
            char detail[300];
            snprintf(detail, sizeof detail, "items import from %s: %ld created, %ld updated, %ld published",
                     pos[0], res.created, res.updated, res.published);
            rc = sh_cli_audit(app.db, "items_import", 1, "items", detail) == SH_OK ? 0 : 1;
        }
    }
    sh_err_clear(&res.err);
    sh_app_close(&app);
    return rc;
}

static int items_export_cmd(int argc, char **argv) {
    sh_opt opts[] = {
        {"db", 1, NULL, "数据库"},
        {"out", 1, NULL, "写入的文件（默认输出到标准输出）"},
        {"all", 0, NULL, "导出每道题的最新版本（默认只导出已发布的版本）"},
        {"keys", 1, NULL, "密钥文件，默认为数据库旁的 .key 文件"},
        {NULL, 0, NULL, NULL},
    };
    int npos, rc = sh_cli_parse("items export", argc, argv, opts, NULL, 0, &npos);
    if (rc)
        return rc < 0 ? 0 : rc;
    const char *db = sh_cli_get(opts, "db"), *out = sh_cli_get(opts, "out");
    if (!db) {
        fprintf(stderr, "shushu items export: 需要 --db\n");
        sh_cli_usage("items export", "--db PATH [--out FILE.jsonl] [--all]", opts);
        return 2;
    }
    sh_app app = {0};
    if (sh_cli_open(&app, db, sh_cli_get(opts, "keys")) != SH_OK)
        return 1;
    sh_err err;
    sh_err_init(&err);
    sh_conn *c = sh_db_acquire(app.db, &err);
    rc = 1;
    if (c && sh_items_export(c, out ? out : "/dev/stdout", sh_cli_get(opts, "all") != NULL, &err) == SH_OK)
        rc = 0;
    else
        sh_cli_error("导出失败", &err);
    if (c)
        sh_db_release(c);
    sh_err_clear(&err);
    sh_app_close(&app);
    return rc;
}

int cmd_items(int argc, char **argv) {
    if (argc > 0 && strcmp(argv[0], "import") == 0)
        return items_import_cmd(argc - 1, argv + 1);
    if (argc > 0 && strcmp(argv[0], "export") == 0)
        return items_export_cmd(argc - 1, argv + 1);
    fprintf(stderr, "用法：shushu items import FILE.jsonl|DIR --db PATH [--publish] [--dry-run]\n"
                    "      shushu items export --db PATH [--out FILE.jsonl] [--all]\n");
    return 2;
}
