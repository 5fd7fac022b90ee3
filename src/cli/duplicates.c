/* duplicates.c — `shushu duplicates`: the duplicate-candidates report of the
 * whole database (persons sharing name, gender and birth date with different or
 * missing ID numbers), printed or written as CSV/XLSX. Values are masked as in
 * the API: the report is for finding duplicates, not for reading their data. */
#include "cli/cli.h"

#include "core/pool.h"
#include "roster/person_ops.h"
#include "tabular/writer.h"

#include <stdio.h>
#include <string.h>

static const char *const header[] = {"组号", "人员标识", "姓名", "性别", "出生日期", "身份证件号", "角色"};
#define NCOLS (int)(sizeof header / sizeof header[0])

/* "学生@某某小学；家庭成员@某某小学" */
static const char *roles_text(sh_pool *p, json_t *roles) {
    sh_buf *b = sh_pool_buf(p, 1024);
    size_t i;
    json_t *r;
    json_array_foreach(roles, i, r) {
        const char *kind = json_string_value(json_object_get(r, "kind"));
        const char *label = strcmp(kind, "student") == 0 ? "学生"
                            : strcmp(kind, "staff") == 0 ? "教职工"
                                                         : "家庭成员";
        sh_buf_printf(b, "%s%s@%s", i ? "；" : "", label,
                      json_string_value(json_object_get(r, "school_name")));
    }
    return b && sh_buf_ok(b) == SH_OK ? b->data : "";
}

static const char *text(json_t *o, const char *k) {
    const char *v = json_string_value(json_object_get(o, k));
    return v ? v : "";
}

int cmd_duplicates(int argc, char **argv) {
    sh_opt opts[] = {
        {"db", 1, NULL, "数据库"},
        {"out", 1, NULL, "写出报告：.csv 或 .xlsx 文件；不给则打印"},
        {"keys", 1, NULL, "密钥文件，默认为数据库旁的 .key 文件"},
        {NULL, 0, NULL, NULL},
    };
    const char *pos[1];
    int npos, rc = sh_cli_parse("duplicates", argc, argv, opts, pos, 0, &npos);
    if (rc)
        return rc < 0 ? 0 : rc;
    const char *db = sh_cli_get(opts, "db"), *out = sh_cli_get(opts, "out");
    size_t olen = out ? strlen(out) : 0;
    int xlsx = olen > 5 && strcmp(out + olen - 5, ".xlsx") == 0;
    if (!db || (out && !xlsx && !(olen > 4 && strcmp(out + olen - 4, ".csv") == 0))) {
        fprintf(stderr, "shushu duplicates: 需要 --db；--out 应为 .csv 或 .xlsx 文件\n");
        sh_cli_usage("duplicates", "--db PATH [--out FILE.csv|FILE.xlsx]", opts);
        return 2;
    }
    sh_app app = {0};
    sh_cli_config(&app.cfg);
    app.cfg.key_file = sh_cli_get(opts, "keys");
    sh_err err;
    sh_err_init(&err);
    sh_table_writer *w = NULL;
    sh_conn *c = NULL;
    sh_pool *p = sh_pool_create();
    rc = 1;
    if (!p || sh_app_init(&app, &err) != SH_OK || sh_app_open_store(&app, db, 0, &err) != SH_OK ||
        !(c = sh_db_acquire(app.db, &err))) {
        sh_cli_error("无法打开数据库", &err);
        goto done;
    }
    if (out &&
        (sh_table_writer_open(out, xlsx ? SH_TABLE_XLSX : SH_TABLE_CSV, "疑似重复人员", &w, &err) != SH_OK ||
         sh_table_write_header(w, header, NULL, NCOLS, &err) != SH_OK)) {
        sh_cli_error("无法写出报告", &err);
        goto done;
    }
    int64_t after = 0, next = 0;
    long ngroups = 0, npersons = 0;
    do {
        json_t *groups = NULL;
        if (sh_duplicates_page(c, p, NULL, after, 200, &groups, &next, &err) != SH_OK) {
            sh_cli_error("无法生成报告", &err);
            goto done;
        }
        size_t gi, pi;
        json_t *g, *person;
        json_array_foreach(groups, gi, g) {
            ngroups++;
            char group_no[24];
            snprintf(group_no, sizeof group_no, "%ld", ngroups);
            json_array_foreach(json_object_get(g, "persons"), pi, person) {
                npersons++;
                const char *gender = text(person, "gender");
                const char *cells[] = {group_no,
                                       text(person, "id"),
                                       text(person, "name"),
                                       strcmp(gender, "1") == 0   ? "男"
                                       : strcmp(gender, "2") == 0 ? "女"
                                                                  : gender,
                                       text(person, "birth_date"),
                                       *text(person, "id_number") ? text(person, "id_number") : "（无）",
                                       roles_text(p, json_object_get(person, "roles"))};
                if (w && sh_table_write_row(w, cells, NCOLS, &err) != SH_OK) {
                    json_decref(groups);
                    sh_cli_error("无法写出报告", &err);
                    goto done;
                }
                if (!w)
                    printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\n", cells[0], cells[1], cells[2], cells[3], cells[4],
                           cells[5], cells[6]);
            }
        }
        json_decref(groups);
        after = next;
        sh_pool_destroy(p);
        if (!(p = sh_pool_create())) {
            sh_err_set(&err, 500, "out_of_memory", NULL, "内存不足");
            sh_cli_error("无法生成报告", &err);
            goto done;
        }
    } while (next);
    if (w) {
        sh_table_writer *done_w = w;
        w = NULL;
        if (sh_table_writer_close(done_w, &err) != SH_OK) {
            sh_cli_error("无法写出报告", &err);
            goto done;
        }
    }
    printf("疑似重复人员：%ld 组，共 %ld 人%s%s\n", ngroups, npersons, out ? " → " : "", out ? out : "");
    rc = 0;
done:
    if (w)
        sh_table_writer_abort(w);
    sh_db_release(c);
    sh_pool_destroy(p);
    sh_app_close(&app);
    sh_err_clear(&err);
    return rc;
}
