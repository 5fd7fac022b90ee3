/* export_students.c — the students of a school or district as the national
 * registry form from the command line:
 *   shushu export students --template national --org 学校标识码或机构标识 --out FILE.xlsx|FILE.csv
 *                          --db PATH [--unmask-reason 事由]
 * The file is the one the API gives (import/export_form.c), masked unless a
 * reason is given; the export, and any unmasking, goes to the audit log as the
 * API's does. */
#include "cli/cli.h"

#include "core/alloc.h"
#include "import/kinds.h"
#include "import/template.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* The org named by a 10-digit school code or a public id: its key, 0 when none. */
static int64_t org_key(sh_conn *c, const char *org, sh_err *err) {
    sh_stmt *s = sh_prepare(c, "SELECT id FROM org_unit WHERE uid = $1 OR school_code = $1", err);
    if (!s)
        return -1;
    sh_bind_text(s, 1, org, -1);
    int rc = sh_step(s, err);
    int64_t id = rc == SH_ROW ? sh_col_i64(s, 0) : 0;
    sh_stmt_done(s);
    return rc == SH_ERR ? -1 : id;
}

/* The keys of the students of org's subtree, in key order (sh_malloc'd). */
static int64_t *student_keys(sh_conn *c, int64_t org, long *n, sh_err *err) {
    sh_stmt *s = sh_prepare(c,
                            "SELECT t.id FROM student t WHERE t.school_id IN"
                            " (SELECT descendant_id FROM org_closure WHERE ancestor_id = $1) ORDER BY t.id",
                            err);
    if (!s)
        return NULL;
    sh_bind_i64(s, 1, org);
    size_t cap = 1024;
    int64_t *keys = sh_malloc(cap * sizeof *keys);
    int rc = SH_DONE;
    *n = 0;
    while (keys && (rc = sh_step(s, err)) == SH_ROW) {
        if ((size_t)*n == cap) {
            int64_t *more = sh_realloc(keys, cap * 2 * sizeof *keys);
            if (!more) {
                sh_free(keys);
                keys = NULL;
                break;
            }
            keys = more;
            cap *= 2;
        }
        keys[(*n)++] = sh_col_i64(s, 0);
    }
    sh_stmt_done(s);
    if (!keys)
        sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    if (rc == SH_ERR) {
        sh_free(keys);
        return NULL;
    }
    return keys;
}

static int has_suffix(const char *s, const char *suffix) {
    size_t n = strlen(s), k = strlen(suffix);
    return n > k && strcasecmp(s + n - k, suffix) == 0;
}

int sh_cli_export_students(int argc, char **argv) {
    sh_opt opts[] = {
        {"db", 1, NULL, "数据库"},
        {"template", 1, NULL, "导出模板：national（全国学籍系统《学生基本信息表》）"},
        {"org", 1, NULL, "学校标识码，或学校、区县的机构标识（导出其下全部学生）"},
        {"out", 1, NULL, "写出的文件（.xlsx 或 .csv）"},
        {"unmask-reason", 1, NULL, "以明文导出敏感字段的事由（记入审计日志）；不填则脱敏"},
        {"keys", 1, NULL, "密钥文件，默认为数据库旁的 .key 文件"},
        {NULL, 0, NULL, NULL},
    };
    static const char synopsis[] =
        "students --template national --org 学校标识码或机构标识 --out FILE.xlsx|FILE.csv --db PATH"
        " [--unmask-reason 事由]";
    int npos, rc = sh_cli_parse("export students", argc, argv, opts, NULL, 0, &npos);
    if (rc)
        return rc < 0 ? 0 : rc;
    const char *db = sh_cli_get(opts, "db"), *out = sh_cli_get(opts, "out"), *org = sh_cli_get(opts, "org"),
               *tpl = sh_cli_get(opts, "template"), *reason = sh_cli_get(opts, "unmask-reason");
    if (!db || !out || !org || !tpl) {
        fprintf(stderr, "shushu export students: 需要 --template、--org、--out 和 --db\n");
        sh_cli_usage("export", synopsis, opts);
        return 2;
    }
    if (!has_suffix(out, ".xlsx") && !has_suffix(out, ".csv")) {
        fprintf(stderr, "shushu export students: --out 应为 .xlsx 或 .csv 文件\n");
        return 2;
    }
    if (reason && (strlen(reason) < 2 || strlen(reason) > 200)) {
        fprintf(stderr, "shushu export students: 事由应为 2–200 个字符\n");
        return 2;
    }
    const sh_import_template *t = sh_import_template_named(&sh_import_students, tpl);
    if (!t || !t->columns) {
        fprintf(stderr, "shushu export students: 不认识的导出模板“%s”，可用：national\n", tpl);
        return 2;
    }
    sh_table_format fmt = has_suffix(out, ".csv") ? SH_TABLE_CSV : SH_TABLE_XLSX;
    sh_app app = {0};
    if (sh_cli_open(&app, db, sh_cli_get(opts, "keys")) != SH_OK)
        return 1;
    sh_err err;
    sh_err_init(&err);
    rc = 1;
    long n = 0;
    int64_t *keys = NULL;
    sh_conn *c = sh_db_acquire(app.db, &err);
    int64_t key = c ? org_key(c, org, &err) : -1;
    if (key == 0)
        fprintf(stderr, "shushu export students: 机构“%s”不存在\n", org);
    else if (key < 0 || !(keys = student_keys(c, key, &n, &err)) ||
             sh_import_export_form(c, tpl, keys, n, reason != NULL, out, fmt, &err) != SH_OK)
        sh_cli_error("导出失败", &err);
    else
        rc = 0;
    sh_free(keys);
    sh_db_release(c);
    if (key > 0) {
        char detail[600];
        snprintf(detail, sizeof detail, "%s %s %s to %s of %s: %ld rows, %s%s",
                 fmt == SH_TABLE_CSV ? "csv" : "xlsx", tpl, rc == 0 ? "exported" : "refused", out, org,
                 rc == 0 ? n : 0L, reason ? "unmasked: " : "masked", reason ? reason : "");
        if (reason && rc == 0 && sh_cli_audit(app.db, "unmask", 1, "student", detail) != SH_OK)
            rc = 1;
        if (sh_cli_audit(app.db, "export", rc == 0, "student", detail) != SH_OK)
            rc = 1;
    }
    if (rc == 0)
        printf("%s → %s：%ld 名学生%s\n", t->label, out, n, reason ? "（明文）" : "（敏感字段已脱敏）");
    sh_err_clear(&err);
    sh_app_close(&app);
    return rc;
}
