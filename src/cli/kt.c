/* kt.c — `shushu kt`: the batch side of knowledge tracing. `kt fit FILE.csv`
 * fits BKT per knowledge point and prints the parameters as JSON; `kt predict
 * --params FILE.json FILE.csv` prints each answer's one-step-ahead probability
 * of being right, as CSV in the file's row order. Input in pyBKT's layout
 * (order_id,user_id,skill_name,correct[,item_id]); see docs/knowledge-tracing.md. */
#include "cli/cli.h"

#include "core/alloc.h"
#include "core/clock.h"
#include "kt/kt.h"

#include <csv.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_PARAMS_BYTES ((size_t)64 << 20)

/* Every problem recorded in err, one line each. */
static void print_errors(const char *what, const sh_err *err) {
    size_t n = err->nmore ? err->nmore : 1;
    fprintf(stderr, "shushu kt %s: %s\n", what, n > 1 ? "文件有以下问题，未作处理：" : err->first.message);
    for (size_t i = 0; n > 1 && i < n; i++)
        fprintf(stderr, "  %s\n", err->more[i].message);
}

/* A whole number option in [lo, hi]; 2 (usage error, reported) when not. */
static int int_opt(const sh_opt *opts, const char *name, long lo, long hi, long dflt, long *out) {
    const char *v = sh_cli_get(opts, name);
    *out = dflt;
    if (!v)
        return 0;
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || end == v || *end || n < lo || n > hi) {
        fprintf(stderr, "shushu kt: 选项 --%s 应为 %ld 到 %ld 之间的整数，实际为“%s”\n", name, lo, hi, v);
        return 2;
    }
    *out = n;
    return 0;
}

static int kt_fit_cmd(int argc, char **argv) {
    sh_opt opts[] = {
        {"forgets", 0, NULL, "同时拟合遗忘率"},
        {"multigs", 0, NULL, "每道题各自的猜测与失误（需要 item_id 列）"},
        {"restarts", 1, NULL, "每个知识点的随机初值次数，取对数似然最高者（默认 5）"},
        {"threads", 1, NULL, "线程数（默认为 CPU 数）"},
        {"seed", 1, NULL, "随机种子（默认 42；同一种子结果相同，与线程数无关）"},
        {"max-iter", 1, NULL, "每次拟合最多的 EM 迭代次数（默认 100；对数似然增加不足 0.001 即停止）"},
        {NULL, 0, NULL, NULL},
    };
    const char *pos[1];
    int npos, rc = sh_cli_parse("kt fit", argc, argv, opts, pos, 1, &npos);
    if (rc)
        return rc < 0 ? 0 : rc;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN), restarts, threads, seed, max_iter;
    if (npos != 1) {
        fprintf(stderr, "shushu kt fit: 需要一个作答记录 CSV 文件\n");
        sh_cli_usage(
            "kt fit",
            "FILE.csv [--forgets] [--multigs] [--restarts N] [--threads N] [--seed N] [--max-iter N]", opts);
        return 2;
    }
    if (int_opt(opts, "restarts", 1, 1000, 5, &restarts) ||
        int_opt(opts, "threads", 1, 256, cpus > 0 ? cpus : 1, &threads) ||
        int_opt(opts, "seed", 0, 2147483647L, 42, &seed) ||
        int_opt(opts, "max-iter", 1, 100000, 100, &max_iter))
        return 2;
    long long t0 = sh_now_ms();
    sh_err err;
    sh_err_init(&err);
    kt_data *d = NULL;
    kt_model m = {0};
    char *json = NULL;
    rc = 1;
    if (kt_data_read_file(pos[0], NULL, &d, &err) != SH_OK) {
        print_errors("fit", &err);
        goto done;
    }
    kt_fit_opts o = {.forgets = sh_cli_get(opts, "forgets") != NULL,
                     .multigs = sh_cli_get(opts, "multigs") != NULL,
                     .restarts = (int)restarts,
                     .threads = (int)threads,
                     .seed = (uint64_t)seed,
                     .max_iter = (int)max_iter};
    if (kt_fit(d, &o, &m, &err) != SH_OK) {
        print_errors("fit", &err);
        goto done;
    }
    if (!(json = kt_model_json(d, &m))) {
        fprintf(stderr, "shushu kt fit: 内存不足\n");
        goto done;
    }
    if (puts(json) == EOF || fflush(stdout) != 0) {
        fprintf(stderr, "shushu kt fit: 无法写出结果：%s\n", strerror(errno));
        goto done;
    }
    fprintf(
        stderr,
        "拟合完成：%d 个知识点，%zu 条作答，%u 个学生×知识点序列，对数似然 %.3f，EM 迭代共 %ld 次，用时 %.2f 秒\n",
        d->nskills, d->n, d->nseq, m.log_likelihood, m.iterations, (double)(sh_now_ms() - t0) / 1000);
    rc = 0;
done:
    sh_free(json); /* jansson allocates through sh_malloc (set in main) */
    kt_model_free(&m);
    kt_data_free(d);
    sh_err_clear(&err);
    return rc;
}

/* One CSV cell: quoted (by libcsv) only when it needs to be. */
static void put_cell(const char *s, int last) {
    if (strpbrk(s, ",\"\r\n"))
        csv_fwrite(stdout, s, strlen(s));
    else
        fputs(s, stdout);
    putchar(last ? '\n' : ',');
}

static int kt_predict_cmd(int argc, char **argv) {
    sh_opt opts[] = {
        {"params", 1, NULL, "参数文件（shushu kt fit 的输出）"},
        {NULL, 0, NULL, NULL},
    };
    const char *pos[1];
    int npos, rc = sh_cli_parse("kt predict", argc, argv, opts, pos, 1, &npos);
    if (rc)
        return rc < 0 ? 0 : rc;
    const char *params = sh_cli_get(opts, "params");
    if (npos != 1 || !params) {
        fprintf(stderr, "shushu kt predict: 需要 --params 参数文件和一个作答记录 CSV 文件\n");
        sh_cli_usage("kt predict", "--params FILE.json FILE.csv", opts);
        return 2;
    }
    sh_err err;
    sh_err_init(&err);
    kt_data *d = NULL;
    kt_model m = {0};
    double *pred = NULL;
    size_t len = 0;
    char *text = sh_cli_read_file("kt predict", "参数文件", params, MAX_PARAMS_BYTES, &len);
    rc = 1;
    if (!text)
        goto done;
    if (kt_data_read_file(pos[0], NULL, &d, &err) != SH_OK ||
        kt_model_from_json(text, len, d, &m, &err) != SH_OK || !(pred = sh_malloc(d->n * sizeof *pred)) ||
        kt_predict(d, &m, pred, &err) != SH_OK) {
        if (!sh_err_count(&err))
            sh_err_set(&err, 500, "out_of_memory", NULL, "内存不足");
        print_errors("predict", &err);
        goto done;
    }
    /* back to file order: at[row] = position in d, seq[row] = its sequence */
    uint32_t *at = sh_malloc(d->n * sizeof *at), *seq = sh_malloc(d->n * sizeof *seq);
    int32_t *seq_skill = sh_malloc((d->nseq ? d->nseq : 1) * sizeof *seq_skill);
    if (!at || !seq || !seq_skill) {
        fprintf(stderr, "shushu kt predict: 内存不足\n");
        sh_free(at);
        sh_free(seq);
        sh_free(seq_skill);
        goto done;
    }
    for (int32_t s = 0; s < d->nskills; s++)
        for (uint32_t q = d->skill_seq[s]; q < d->skill_seq[s + 1]; q++) {
            seq_skill[q] = s;
            for (size_t k = d->seq_start[q]; k < d->seq_start[q + 1]; k++) {
                at[d->row[k]] = (uint32_t)k;
                seq[d->row[k]] = q;
            }
        }
    fputs("order_id,user_id,skill_name,correct,predicted\n", stdout);
    for (size_t r = 0; r < d->n; r++) {
        size_t k = at[r];
        printf("%lld,", (long long)d->order[k]);
        put_cell(kt_names_get(d->users, d->seq_user[seq[r]]), 0);
        put_cell(kt_names_get(d->skills, seq_skill[seq[r]]), 0);
        printf("%u,%.6f\n", d->code[k] & 1u, pred[r]);
    }
    sh_free(at);
    sh_free(seq);
    sh_free(seq_skill);
    if (fflush(stdout) != 0) {
        fprintf(stderr, "shushu kt predict: 无法写出结果：%s\n", strerror(errno));
        goto done;
    }
    rc = 0;
done:
    sh_free(text);
    sh_free(pred);
    kt_model_free(&m);
    kt_data_free(d);
    sh_err_clear(&err);
    return rc;
}

int cmd_kt(int argc, char **argv) {
    if (argc >= 1 && strcmp(argv[0], "fit") == 0)
        return kt_fit_cmd(argc - 1, argv + 1);
    if (argc >= 1 && strcmp(argv[0], "predict") == 0)
        return kt_predict_cmd(argc - 1, argv + 1);
    int help = argc >= 1 && strcmp(argv[0], "--help") == 0;
    if (!help)
        fprintf(stderr, "shushu kt: 需要子命令 fit 或 predict\n");
    fprintf(
        help ? stdout : stderr,
        "用法：shushu kt fit FILE.csv [--forgets] [--multigs] [--restarts N] [--threads N] [--seed N] [--max-iter N]\n"
        "      shushu kt predict --params FILE.json FILE.csv\n"
        "作答记录为 CSV：order_id,user_id,skill_name,correct[,item_id]（首行为表头）\n");
    return help ? 0 : 2;
}
