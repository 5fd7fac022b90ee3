/* oneroster.c — the OneRoster commands:
 *   shushu export oneroster --db PATH --out FILE.zip [--org ORG_UID] [--unmask-reason 事由]
 *   shushu import oneroster FILE.zip --db PATH [--dry-run]
 * The export covers the whole database or the subtree of one org node, masked
 * like the API unless a reason is given (then in clear, audited); the import
 * runs the zip all or nothing and prints every error with its file, row and
 * column. Both are recorded in the audit log. */
#include "cli/cli.h"

#include "audit/audit.h"
#include "core/alloc.h"
#include "oneroster/or_impl.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define ERRORS_SHOWN 50

static int audit(sh_db *d, const char *event, const char *object, const char *detail) {
    sh_err err;
    sh_err_init(&err);
    sh_conn *c = sh_db_acquire(d, &err);
    sh_audit_event ev = {.event = event, .ok = 1, .actor = "cli", .object = object, .detail = detail};
    int rc = c && sh_begin_write(c, &err) == SH_OK && sh_audit_write(c, &ev, &err) == SH_OK &&
                     sh_commit(c, &err) == SH_OK
                 ? SH_OK
                 : SH_ERR;
    if (c && rc != SH_OK)
        sh_rollback(c);
    sh_db_release(c);
    sh_err_clear(&err);
    return rc;
}

/* ---- export ---- */

typedef struct cli_scope {
    int64_t org; /* 0: everything */
    int unmask;
} cli_scope;

static int bind_org(sh_stmt *s, void *ctx) { return sh_bind_i64(s, 1, *(int64_t *)ctx); }

static int scope_fn(void *ctx, const sh_or_entity *e, sh_scope *out, sh_err *err) {
    (void)err;
    cli_scope *cs = ctx;
    static _Thread_local char where[512];
    *out = (sh_scope){.unmask = cs->unmask};
    if (!cs->org || e->city_wide)
        return SH_OK;
    snprintf(where, sizeof where,
             "EXISTS (SELECT 1 FROM org_closure x WHERE x.descendant_id %s %s AND x.ancestor_id = $1)",
             e->scope_set[0] == '(' ? "IN" : "=", e->scope_set);
    out->where = where;
    out->nparams = 1;
    out->bind = bind_org;
    out->ctx = &cs->org;
    return SH_OK;
}

int cmd_export(int argc, char **argv) {
    if (argc > 0 && strcmp(argv[0], "students") == 0)
        return sh_cli_export_students(argc - 1, argv + 1);
    sh_opt opts[] = {
        {"db", 1, NULL, "数据库"},
        {"out", 1, NULL, "写出的 zip 文件"},
        {"org", 1, NULL, "只导出该机构（市、区县、学校）之下的数据（机构标识）"},
        {"unmask-reason", 1, NULL, "以明文导出敏感字段的事由（记入审计日志）；不填则脱敏"},
        {"keys", 1, NULL, "密钥文件，默认为数据库旁的 .key 文件"},
        {NULL, 0, NULL, NULL},
    };
    const char *pos[1];
    int npos, rc = sh_cli_parse("export", argc, argv, opts, pos, 1, &npos);
    if (rc)
        return rc < 0 ? 0 : rc;
    const char *db = sh_cli_get(opts, "db"), *out = sh_cli_get(opts, "out"), *org = sh_cli_get(opts, "org"),
               *reason = sh_cli_get(opts, "unmask-reason");
    if (npos != 1 || strcmp(pos[0], "oneroster") != 0 || !db || !out) {
        fprintf(stderr, "shushu export: 需要格式 oneroster、--db 和 --out\n");
        sh_cli_usage("export", "oneroster --db PATH --out FILE.zip [--org 机构标识] [--unmask-reason 事由]",
                     opts);
        return 2;
    }
    if (reason && (strlen(reason) < 2 || strlen(reason) > 200)) {
        fprintf(stderr, "shushu export: 事由应为 2–200 个字符\n");
        return 2;
    }
    sh_app app = {0};
    sh_cli_config(&app.cfg);
    app.cfg.key_file = sh_cli_get(opts, "keys");
    sh_err err;
    sh_err_init(&err);
    rc = 1;
    sh_conn *c = NULL;
    cli_scope cs = {.unmask = reason != NULL};
    if (sh_app_init(&app, &err) != SH_OK || sh_app_open_store(&app, db, 0, &err) != SH_OK ||
        !(c = sh_db_acquire(app.db, &err))) {
        sh_cli_error("无法打开数据库", &err);
        goto out;
    }
    if (org) {
        sh_stmt *s = sh_prepare(c, "SELECT id FROM org_unit WHERE uid = $1", &err);
        if (s) {
            sh_bind_text(s, 1, org, -1);
            if (sh_step(s, &err) == SH_ROW)
                cs.org = sh_col_i64(s, 0);
            sh_stmt_done(s);
        }
        if (!cs.org) {
            fprintf(stderr, "shushu export: 机构“%s”不存在\n", org);
            goto out;
        }
    }
    sh_or_export_counts n;
    if (sh_or_export(c, scope_fn, &cs, out, &n, &err) != SH_OK) {
        sh_cli_error("导出失败", &err);
        goto out;
    }
    sh_db_release(c);
    c = NULL;
    char detail[600];
    snprintf(detail, sizeof detail,
             "oneroster export to %s%s%s: %ld orgs, %ld classes, %ld users, %ld enrollments%s%s", out,
             org ? " of " : "", org ? org : "", n.orgs, n.classes, n.users, n.enrollments,
             reason ? "; unmasked: " : "", reason ? reason : "");
    if (audit(app.db, reason ? "unmask" : "export", "oneroster", detail) != SH_OK)
        fprintf(stderr, "已导出，但无法记入审计日志\n");
    printf(
        "OneRoster 1.2 → %s：%ld 个机构，%ld 个学年学期，%ld 门课程，%ld 个班级，%ld 个用户，%ld 条选课记录，"
        "%ld 条人口学信息%s\n",
        out, n.orgs, n.sessions, n.courses, n.classes, n.users, n.enrollments, n.demographics,
        reason ? "（明文）" : "（敏感字段已脱敏）");
    rc = 0;
out:
    sh_db_release(c);
    sh_app_close(&app);
    sh_err_clear(&err);
    return rc;
}

/* ---- import ---- */

static char *read_file(const char *path, size_t *len) {
    struct stat st;
    FILE *f = fopen(path, "rb");
    if (!f || fstat(fileno(f), &st) != 0 || st.st_size < 0) {
        if (f)
            fclose(f);
        return NULL;
    }
    char *data = sh_malloc((size_t)st.st_size + 1);
    *len = data ? fread(data, 1, (size_t)st.st_size, f) : 0;
    fclose(f);
    if (data && *len != (size_t)st.st_size) {
        sh_free(data);
        return NULL;
    }
    return data;
}

int cmd_import_oneroster(int argc, char **argv) {
    sh_opt opts[] = {
        {"db", 1, NULL, "目标数据库"},
        {"dry-run", 0, NULL, "只校验，不写入：列出全部错误"},
        {"keys", 1, NULL, "密钥文件，默认为数据库旁的 .key 文件"},
        {NULL, 0, NULL, NULL},
    };
    const char *pos[1];
    int npos, rc = sh_cli_parse("import oneroster", argc, argv, opts, pos, 1, &npos);
    if (rc)
        return rc < 0 ? 0 : rc;
    const char *db = sh_cli_get(opts, "db");
    if (!db || npos != 1) {
        fprintf(stderr, "shushu import oneroster: 需要 zip 文件和 --db\n");
        sh_cli_usage("import oneroster", "FILE.zip --db PATH [--dry-run]", opts);
        return 2;
    }
    size_t len = 0;
    char *data = read_file(pos[0], &len);
    if (!data) {
        fprintf(stderr, "shushu import oneroster: 无法读取 %s\n", pos[0]);
        return 1;
    }
    sh_app app = {0};
    sh_cli_config(&app.cfg);
    app.cfg.key_file = sh_cli_get(opts, "keys");
    sh_err err;
    sh_err_init(&err);
    sh_or_import_result res;
    memset(&res, 0, sizeof res);
    sh_err_init(&res.err);
    rc = 1;
    sh_conn *c = NULL;
    if (sh_app_init(&app, &err) != SH_OK || sh_app_open_store(&app, db, 0, &err) != SH_OK ||
        !(c = sh_db_acquire(app.db, &err))) {
        sh_cli_error("无法打开数据库", &err);
        goto out;
    }
    sh_or_import_opts o = {.dry_run = sh_cli_get(opts, "dry-run") != NULL,
                           .pv = {.source = "import", .source_ref = pos[0]}};
    int run = sh_or_import(c, data, len, &o, &res);
    sh_db_release(c);
    c = NULL;
    for (int i = 0; i < res.nfiles; i++)
        printf("%s：%ld 行，新建 %ld、更新 %ld、无变化 %ld\n", res.files[i].file, res.files[i].rows,
               res.files[i].created, res.files[i].updated, res.files[i].unchanged);
    if (run != SH_OK) {
        sh_cli_error("导入失败，未写入任何数据", &res.err);
        goto out;
    }
    if (res.nerrors) {
        fprintf(stderr, "发现 %ld 处错误，%s：\n", res.nerrors,
                o.dry_run ? "请修改后再导入" : "未写入任何数据");
        size_t n = sh_err_count(&res.err);
        for (size_t i = 0; i < n && i < ERRORS_SHOWN; i++) {
            const sh_err_item *it = res.err.nmore ? &res.err.more[i] : &res.err.first;
            if (it->row && it->column)
                fprintf(stderr, "  第 %ld 行第 %ld 列：%s\n", it->row, it->column, it->message);
            else if (it->row)
                fprintf(stderr, "  第 %ld 行：%s\n", it->row, it->message);
            else
                fprintf(stderr, "  %s\n", it->message);
        }
        goto out;
    }
    if (o.dry_run) {
        printf("校验通过（未写入）\n");
        rc = 0;
        goto out;
    }
    char detail[600];
    snprintf(detail, sizeof detail, "oneroster import from %s", pos[0]);
    if (audit(app.db, "import", "oneroster", detail) != SH_OK)
        fprintf(stderr, "数据已导入，但无法记入审计日志\n");
    printf("导入完成\n");
    rc = 0;
out:
    sh_db_release(c);
    sh_or_import_result_clear(&res);
    sh_app_close(&app);
    sh_err_clear(&err);
    sh_free(data);
    return rc;
}
