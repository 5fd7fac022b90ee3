/* import.c — `shushu import KIND FILE --db PATH [--dry-run] [--report FILE]`:
 * bulk import of base data from a CSV or XLSX file through the import engine
 * (import/import.h), with a progress bar on a terminal, a summary, every error
 * with its row and column, and optionally the errors as a CSV report. The import
 * is recorded in the audit log. */
#include "cli/cli.h"

#include "audit/audit.h"
#include "import/import.h"
#include "import/template.h"

#include <stdio.h>
#include <string.h>

#define ERRORS_SHOWN 50

static void on_progress(void *ctx, long rows, size_t done, size_t total) {
    char note[48];
    snprintf(note, sizeof note, "%ld 行", rows);
    sh_progress_at(ctx, total ? (long long)done : 0, (long long)total, note);
}

static void print_errors(const sh_import_result *res) {
    size_t n = sh_err_count(&res->err);
    for (size_t i = 0; i < n && i < ERRORS_SHOWN; i++) {
        const sh_err_item *it = res->err.nmore ? &res->err.more[i] : &res->err.first;
        if (it->row && it->column)
            fprintf(stderr, "  第 %ld 行第 %ld 列：%s\n", it->row, it->column, it->message);
        else if (it->row)
            fprintf(stderr, "  第 %ld 行：%s\n", it->row, it->message);
        else
            fprintf(stderr, "  %s\n", it->message);
    }
    if (res->nerrors > ERRORS_SHOWN)
        fprintf(stderr, "  ……共 %ld 处错误（用 --report 导出全部）\n", res->nerrors);
}

static int audit_import(sh_db *d, const char *kind, const char *file, const sh_import_result *res) {
    char detail[600];
    snprintf(detail, sizeof detail, "import %s from %s: %ld rows, %ld created, %ld updated, %ld errors", kind,
             file, res->rows, res->created, res->updated, res->nerrors);
    return sh_cli_audit(d, "import", 1, kind, detail);
}

int cmd_import(int argc, char **argv) {
    if (argc > 0 && strcmp(argv[0], "oneroster") == 0) /* a zip of several files: its own command */
        return cmd_import_oneroster(argc - 1, argv + 1);
    sh_opt opts[] = {
        {"db", 1, NULL, "目标数据库"},
        {"dry-run", 0, NULL, "只校验，不写入：列出全部错误"},
        {"report", 1, NULL, "把全部错误写成 CSV 报告（行、列、字段、值、说明）"},
        {"format", 1, NULL, "csv 或 xlsx；默认按文件内容判断"},
        {"template", 1, NULL,
         "文件的模板：shushu（数枢导入模板）或 national（全国学籍系统学生基本信息表）；默认按表头判断"},
        {"keys", 1, NULL, "密钥文件，默认为数据库旁的 .key 文件"},
        {NULL, 0, NULL, NULL},
    };
    const char *pos[2];
    int npos, rc = sh_cli_parse("import", argc, argv, opts, pos, 2, &npos);
    if (rc)
        return rc < 0 ? 0 : rc;
    const char *db = sh_cli_get(opts, "db"), *format = sh_cli_get(opts, "format");
    const sh_import_kind *kind = npos == 2 ? sh_import_kind_named(pos[0]) : NULL;
    if (!db || npos != 2 || !kind || (format && strcmp(format, "csv") != 0 && strcmp(format, "xlsx") != 0)) {
        if (npos == 2 && !kind)
            fprintf(stderr, "shushu import: 不认识的数据类别“%s”，应为 %s\n", pos[0], sh_import_kind_names());
        else
            fprintf(stderr, "shushu import: 需要数据类别、文件和 --db\n");
        sh_cli_usage("import", "KIND FILE --db PATH [--template NAME] [--dry-run] [--report ERRORS.csv]",
                     opts);
        return 2;
    }
    const char *tpl = sh_cli_get(opts, "template");
    if (tpl && !sh_import_template_named(kind, tpl)) {
        fprintf(stderr, "shushu import: 不认识的导入模板“%s”，%s可用的模板：%s\n", tpl, kind->label,
                sh_import_template_names(kind));
        return 2;
    }
    sh_table_format fmt = !format ? SH_TABLE_AUTO : strcmp(format, "csv") == 0 ? SH_TABLE_CSV : SH_TABLE_XLSX;
    sh_app app = {0};
    sh_cli_config(&app.cfg);
    app.cfg.key_file = sh_cli_get(opts, "keys");
    sh_err err;
    sh_err_init(&err);
    sh_table_reader *r = NULL;
    sh_import_result res;
    memset(&res, 0, sizeof res);
    rc = 1;
    if (sh_app_init(&app, &err) != SH_OK || sh_app_open_store(&app, db, 0, &err) != SH_OK) {
        sh_cli_error("无法打开数据库", &err);
        goto out;
    }
    if (sh_table_open(pos[1], fmt, NULL, &r, &err) != SH_OK) {
        sh_cli_error("无法读取文件", &err);
        goto out;
    }
    sh_conn *c = sh_db_acquire(app.db, &err);
    if (!c) {
        sh_cli_error("无法打开数据库", &err);
        goto out;
    }
    sh_progress pg;
    sh_progress_start(&pg, sh_cli_get(opts, "dry-run") ? "校验" : "导入", 0);
    sh_import_opts o = {.dry_run = sh_cli_get(opts, "dry-run") != NULL,
                        .template_name = tpl,
                        .pv = {.source = "import", .source_ref = pos[1]},
                        .progress = on_progress,
                        .ctx = &pg};
    int run = sh_import_run(c, kind, r, &o, &res);
    sh_progress_end(&pg);
    sh_db_release(c);
    printf("%s：%ld 行（模板 %s，文件编码 %s）", kind->label, res.rows,
           res.template_used ? res.template_used->label : "-", res.encoding ? res.encoding : "-");
    if (res.ignored[0])
        printf("；未使用的列：%s", res.ignored);
    printf("\n");
    if (run != SH_OK && !res.nerrors) {
        sh_cli_error("导入失败", &res.err);
        goto out;
    }
    if (res.nerrors) {
        fprintf(stderr, "发现 %ld 处错误，%s：\n", res.nerrors,
                o.dry_run ? "请修改后再导入" : "未写入任何数据");
        print_errors(&res);
    }
    const char *report = sh_cli_get(opts, "report");
    if (report && sh_import_write_report(&res, report, SH_TABLE_CSV, &err) != SH_OK)
        sh_cli_error("无法写出错误报告", &err);
    else if (report)
        printf("错误报告 → %s\n", report);
    if (res.nerrors)
        goto out;
    if (o.dry_run) {
        printf("校验通过：将新建 %ld 条、更新 %ld 条、%ld 条无变化（未写入）\n", res.created, res.updated,
               res.unchanged);
        rc = 0;
        goto out;
    }
    printf("导入完成：新建 %ld 条、更新 %ld 条、%ld 条无变化\n", res.created, res.updated, res.unchanged);
    if (audit_import(app.db, kind->name, pos[1], &res) != SH_OK)
        fprintf(stderr, "数据已导入，但无法记入审计日志\n");
    rc = 0;
out:
    sh_table_close(r);
    sh_import_result_clear(&res);
    sh_app_close(&app);
    sh_err_clear(&err);
    return rc;
}
