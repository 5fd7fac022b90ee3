/* mastery.c — `shushu mastery fit --db PATH [--forgets] [--threads N]`: fit
 * BKT per knowledge point from every counted answer and store the parameters
 * the online update uses (src/mastery/fit.c); a summary line at the end. */
#include "cli/cli.h"
#include "core/clock.h"
#include "mastery/module.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int mastery_fit_cmd(int argc, char **argv) {
    sh_opt opts[] = {
        {"db", 1, NULL, "数据库（SQLite 文件路径或 postgres:// 地址）"},
        {"forgets", 0, NULL, "同时拟合遗忘率"},
        {"threads", 1, NULL, "线程数（默认为 CPU 数）"},
        {"keys", 1, NULL, "密钥文件，默认为数据库旁的 .key 文件"},
        {NULL, 0, NULL, NULL},
    };
    int npos, rc = sh_cli_parse("mastery fit", argc, argv, opts, NULL, 0, &npos);
    if (rc)
        return rc < 0 ? 0 : rc;
    const char *db = sh_cli_get(opts, "db"), *t = sh_cli_get(opts, "threads");
    if (!db) {
        fprintf(stderr, "shushu mastery fit: 需要 --db\n");
        sh_cli_usage("mastery fit", "--db PATH [--forgets] [--threads N]", opts);
        return 2;
    }
    long threads = sysconf(_SC_NPROCESSORS_ONLN);
    if (t) {
        char *end;
        errno = 0;
        threads = strtol(t, &end, 10);
        if (errno || end == t || *end || threads < 1 || threads > 256) {
            fprintf(stderr, "shushu mastery fit: 选项 --threads 应为 1 到 256 之间的整数，实际为“%s”\n", t);
            return 2;
        }
    }
    sh_app app = {0};
    if (sh_cli_open(&app, db, sh_cli_get(opts, "keys")) != SH_OK)
        return 1;
    long long t0 = sh_now_ms();
    sh_err err;
    sh_err_init(&err);
    sh_mastery_fit_result res = {0};
    sh_conn *c = sh_db_acquire(app.db, &err);
    rc = c && sh_mastery_fit(c, sh_cli_get(opts, "forgets") != NULL, (int)(threads > 0 ? threads : 1), &res,
                             &err) == SH_OK
             ? 0
             : 1;
    if (c)
        sh_db_release(c);
    if (rc)
        sh_cli_error("mastery fit", &err);
    else if (res.points == 0)
        printf("没有已计入的作答，未拟合任何参数\n");
    else {
        printf("拟合完成：%ld 个知识点，%ld 条作答，对数似然 %.3f，用时 %.2f 秒\n", res.points, res.answers,
               res.log_likelihood, (double)(sh_now_ms() - t0) / 1000);
        char detail[160];
        snprintf(detail, sizeof detail, "mastery fit: %ld points from %ld answers", res.points, res.answers);
        rc = sh_cli_audit(app.db, "mastery_fit", 1, "mastery_param", detail) == SH_OK ? 0 : 1;
    }
    sh_err_clear(&err);
    sh_app_close(&app);
    return rc;
}

int cmd_mastery(int argc, char **argv) {
    if (argc >= 1 && strcmp(argv[0], "fit") == 0)
        return mastery_fit_cmd(argc - 1, argv + 1);
    int help = argc >= 1 && strcmp(argv[0], "--help") == 0;
    if (!help)
        fprintf(stderr, "shushu mastery: 需要子命令 fit\n");
    fprintf(help ? stdout : stderr, "用法：shushu mastery fit --db PATH [--forgets] [--threads N]\n"
                                    "由已计入的作答拟合各知识点的 BKT 参数，供在线更新使用\n");
    return help ? 0 : 2;
}
