/* kt_bench.c — the knowledge-tracing benchmark tool (bench/kt.sh runs it):
 *
 *   kt_bench gen DIR [--students N] [--skills N] [--per N] [--seed N] [--forgets] [--items N]
 *       synthetic answers from a known BKT model (docs/knowledge-tracing.md §3.3):
 *       DIR/all.csv, DIR/train.csv and DIR/test.csv (every fifth student, chosen
 *       at random, held out) and DIR/truth.json (the true parameters, in the
 *       format `shushu kt predict --params` reads, with the seed).
 *   kt_bench em FILE.csv [ITER]     core EM throughput on one thread (response·iterations/s)
 *   kt_bench online FILE.csv        online updates/s including the (student, skill) lookup
 *   kt_bench score PRED.csv         pooled AUC, RMSE and log-likelihood per response of
 *                                   `shushu kt predict` output
 *   kt_bench mae FIT.json TRUTH.json  mean absolute error of each parameter over skills
 *
 * Results are printed as `name value` lines for the script to read. */
#include "core/alloc.h"
#include "core/clock.h"
#include "kt/kt.h"
#include "tabular/reader.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const sh_err *e) {
    fprintf(stderr, "kt_bench: %s: %s\n", what, e ? e->first.message : "");
    exit(1);
}

static long arg_long(int argc, char **argv, const char *name, long dflt) {
    for (int i = 0; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return strtol(argv[i + 1], NULL, 10);
    return dflt;
}

static int arg_flag(int argc, char **argv, const char *name) {
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return 1;
    return 0;
}

static double uniform(sh_rng *r, double lo, double hi) { return lo + (hi - lo) * kt_uniform(r); }

/* ---- gen ---- */

typedef struct truth {
    double prior, learn, forget, guess, slip;
    double *g, *s; /* per item, or NULL */
} truth;

static FILE *open_out(const char *dir, const char *name) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(1);
    }
    return f;
}

static int gen(int argc, char **argv) {
    if (argc < 1)
        return 2;
    const char *dir = argv[0];
    long students = arg_long(argc, argv, "--students", 2000), skills = arg_long(argc, argv, "--skills", 50);
    long per = arg_long(argc, argv, "--per", 10), items = arg_long(argc, argv, "--items", 0);
    uint64_t seed = (uint64_t)arg_long(argc, argv, "--seed", 42);
    int forgets = arg_flag(argc, argv, "--forgets");
    sh_rng r;
    sh_rng_seed(&r, seed);
    truth *t = calloc((size_t)skills, sizeof *t);
    json_t *js = json_object();
    char name[64], item[80];
    for (long k = 0; k < skills; k++) {
        t[k].prior = uniform(&r, 0.05, 0.6);
        t[k].learn = uniform(&r, 0.05, 0.35);
        t[k].guess = uniform(&r, 0.05, 0.30);
        t[k].slip = uniform(&r, 0.02, 0.20);
        t[k].forget = forgets ? uniform(&r, 0.01, 0.10) : 0;
        json_t *o = json_pack("{s:f,s:f,s:f,s:f,s:f}", "prior", t[k].prior, "learn", t[k].learn, "forget",
                              t[k].forget, "guess", t[k].guess, "slip", t[k].slip);
        if (items > 0) {
            t[k].g = malloc((size_t)items * sizeof *t[k].g);
            t[k].s = malloc((size_t)items * sizeof *t[k].s);
            json_t *gs = json_object(), *ss = json_object();
            for (long i = 0; i < items; i++) {
                t[k].g[i] = uniform(&r, 0.05, 0.30);
                t[k].s[i] = uniform(&r, 0.02, 0.20);
                snprintf(item, sizeof item, "kp%02ld-q%ld", k + 1, i + 1);
                json_object_set_new(gs, item, json_real(t[k].g[i]));
                json_object_set_new(ss, item, json_real(t[k].s[i]));
            }
            json_object_set_new(o, "guesses", gs);
            json_object_set_new(o, "slips", ss);
        }
        snprintf(name, sizeof name, "kp%02ld", k + 1);
        json_object_set_new(js, name, o);
    }
    json_t *root = json_pack("{s:s,s:b,s:b,s:I,s:o}", "model", "BKT", "forgets", forgets, "multigs",
                             items > 0, "seed", (json_int_t)seed, "skills", js);
    char path[4096];
    snprintf(path, sizeof path, "%s/truth.json", dir);
    json_dump_file(root, path, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
    json_decref(root);

    FILE *all = open_out(dir, "all.csv"), *train = open_out(dir, "train.csv"),
         *test = open_out(dir, "test.csv");
    const char *header =
        items > 0 ? "order_id,user_id,skill_name,correct,item_id\n" : "order_id,user_id,skill_name,correct\n";
    fputs(header, all);
    fputs(header, train);
    fputs(header, test);
    size_t slots = (size_t)skills * (size_t)per;
    long *slot = malloc(slots * sizeof *slot);
    int *known = malloc((size_t)skills * sizeof *known);
    long long order = 0;
    for (long u = 0; u < students; u++) {
        FILE *side = kt_uniform(&r) < 0.2 ? test : train;
        for (long k = 0; k < skills; k++)
            known[k] = kt_uniform(&r) < t[k].prior;
        /* interleave the skills in time: a shuffled list of skill slots */
        for (size_t i = 0; i < slots; i++)
            slot[i] = (long)(i / (size_t)per);
        for (size_t i = slots - 1; i > 0; i--) {
            size_t j = (size_t)(sh_rng_next(&r) % (i + 1));
            long tmp = slot[i];
            slot[i] = slot[j];
            slot[j] = tmp;
        }
        for (size_t i = 0; i < slots; i++) {
            long k = slot[i], it = items > 0 ? (long)(sh_rng_next(&r) % (uint64_t)items) : 0;
            double g = items > 0 ? t[k].g[it] : t[k].guess, s = items > 0 ? t[k].s[it] : t[k].slip;
            int y = kt_uniform(&r) < (known[k] ? 1 - s : g);
            if (!known[k])
                known[k] = kt_uniform(&r) < t[k].learn;
            else if (forgets && kt_uniform(&r) < t[k].forget)
                known[k] = 0;
            char line[160];
            int n = items > 0
                        ? snprintf(line, sizeof line, "%lld,u%05ld,kp%02ld,%d,kp%02ld-q%ld\n", ++order, u + 1,
                                   k + 1, y, k + 1, it + 1)
                        : snprintf(line, sizeof line, "%lld,u%05ld,kp%02ld,%d\n", ++order, u + 1, k + 1, y);
            fwrite(line, 1, (size_t)n, all);
            fwrite(line, 1, (size_t)n, side);
        }
    }
    fclose(all);
    fclose(train);
    fclose(test);
    printf("responses %lld\n", order);
    return 0;
}

/* ---- em ---- */

static kt_data *load(const char *path) {
    sh_err e;
    sh_err_init(&e);
    kt_data *d = NULL;
    if (kt_data_read_file(path, NULL, &d, &e) != SH_OK)
        die(path, &e);
    return d;
}

static int em(int argc, char **argv) {
    if (argc < 1)
        return 2;
    kt_data *d = load(argv[0]);
    int iters = argc > 1 ? atoi(argv[1]) : 20;
    kt_fit_opts o = {.restarts = 1, .threads = 1, .seed = 7, .max_iter = iters, .tol = 1e-300};
    kt_model m;
    sh_err e;
    sh_err_init(&e);
    double best = 0, work = 0;
    for (int round = 0; round < 3; round++) { /* best of three: the machine is shared */
        double t0 = now_s();
        if (kt_fit(d, &o, &m, &e) != SH_OK)
            die("fit", &e);
        double secs = now_s() - t0;
        work = 0; /* response·iterations: each E-step covers its skill's responses */
        for (int32_t s = 0; s < d->nskills; s++)
            work += (double)(d->skill_start[s + 1] - d->skill_start[s]) * m.skill[s].iterations;
        best = work / secs > best ? work / secs : best;
        kt_model_free(&m);
    }
    printf("em_iterations_per_fit %.1f\n", work / (double)d->n);
    printf("em_response_iterations_per_s %.0f\n", best);
    kt_data_free(d);
    return 0;
}

/* ---- online ---- */

static int online(int argc, char **argv) {
    if (argc < 1)
        return 2;
    kt_data *d = load(argv[0]);
    /* replay in file order: (student, skill, correct) of each row */
    uint32_t *stu = malloc(d->n * sizeof *stu), *sk = malloc(d->n * sizeof *sk);
    uint8_t *y = malloc(d->n);
    for (int32_t s = 0; s < d->nskills; s++)
        for (uint32_t q = d->skill_seq[s]; q < d->skill_seq[s + 1]; q++)
            for (size_t k = d->seq_start[q]; k < d->seq_start[q + 1]; k++) {
                stu[d->row[k]] = (uint32_t)d->seq_user[q];
                sk[d->row[k]] = (uint32_t)s;
                y[d->row[k]] = d->code[k] & 1u;
            }
    kt_bkt *p = calloc((size_t)(uint32_t)d->nskills + 1, sizeof *p);
    for (int32_t s = 0; s < d->nskills; s++)
        p[s] = (kt_bkt){.prior = 0.3, .learn = 0.15, .forget = 0, .guess = 0.2, .slip = 0.1};
    double best = 0, sum = 0;
    for (int round = 0; round < 3; round++) {
        kt_tracker *t = kt_tracker_new(1024); /* grows as students appear, as in serving */
        double t0 = now_s();
        for (size_t i = 0; i < d->n; i++) {
            double pred;
            const kt_bkt *ps = &p[sk[i]];
            kt_tracker_update(t, stu[i], sk[i], ps, ps->guess, ps->slip, y[i], &pred);
            sum += pred;
        }
        double rate = (double)d->n / (now_s() - t0);
        best = rate > best ? rate : best;
        kt_tracker_free(t);
    }
    double known = 0.3, t0 = now_s();
    for (int round = 0; round < 10; round++)
        for (size_t i = 0; i < d->n; i++)
            known = kt_bkt_step(known, 0.15, 0, 0.2, 0.1, y[i]);
    double arith = 10.0 * (double)d->n / (now_s() - t0);
    printf("online_updates_per_s %.0f\n", best);
    printf("online_arithmetic_per_s %.0f\n", arith);
    printf("online_checksum %.3f %.6f\n", sum, known);
    free(stu);
    free(sk);
    free(y);
    free(p);
    kt_data_free(d);
    return 0;
}

/* ---- score ---- */

typedef struct scored {
    double p;
    int y;
} scored;

static int by_p(const void *a, const void *b) {
    double x = ((const scored *)a)->p, z = ((const scored *)b)->p;
    return x < z ? -1 : x > z;
}

static int score(int argc, char **argv) {
    if (argc < 1)
        return 2;
    sh_err e;
    sh_err_init(&e);
    sh_table_reader *r;
    sh_table_limits lim = {.max_rows = 20000000};
    if (sh_table_open(argv[0], SH_TABLE_CSV, &lim, &r, &e) != SH_OK)
        die(argv[0], &e);
    size_t n = 0, cap = 1 << 20;
    scored *v = malloc(cap * sizeof *v);
    const char *const *cells;
    int nc, first = 1;
    while (sh_table_next(r, &cells, &nc, &e) == SH_ROW) {
        if (first) {
            first = 0;
            continue;
        }
        if (nc < 5)
            continue;
        if (n == cap) {
            scored *nv = realloc(v, (cap *= 2) * sizeof *v);
            if (!nv)
                die("out of memory", NULL);
            v = nv;
        }
        v[n].y = atoi(cells[3]);
        v[n++].p = strtod(cells[4], NULL);
    }
    sh_table_close(r);
    double se = 0, ll = 0;
    for (size_t i = 0; i < n; i++) {
        double p = v[i].p < 1e-9 ? 1e-9 : v[i].p > 1 - 1e-9 ? 1 - 1e-9 : v[i].p;
        se += (v[i].y - v[i].p) * (v[i].y - v[i].p);
        ll += v[i].y ? log(p) : log(1 - p);
    }
    /* AUC from the rank sum of the positives, ties given their average rank */
    qsort(v, n, sizeof *v, by_p);
    double rank_sum = 0, pos = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && v[j].p == v[i].p)
            j++;
        double avg = (double)(i + 1 + j) / 2;
        for (size_t k = i; k < j; k++)
            if (v[k].y) {
                rank_sum += avg;
                pos++;
            }
        i = j;
    }
    double neg = (double)n - pos;
    printf("responses %zu\n", n);
    printf("auc %.5f\n", (rank_sum - pos * (pos + 1) / 2) / (pos * neg));
    printf("rmse %.5f\n", sqrt(se / (double)n));
    printf("ll_per_response %.5f\n", ll / (double)n);
    free(v);
    return 0;
}

/* ---- mae ---- */

static int mae(int argc, char **argv) {
    if (argc < 2)
        return 2;
    json_error_t je;
    json_t *fit = json_load_file(argv[0], 0, &je), *truth_json = json_load_file(argv[1], 0, &je);
    if (!fit || !truth_json) {
        fprintf(stderr, "kt_bench mae: %s\n", je.text);
        return 1;
    }
    static const char *const keys[] = {"prior", "learn", "forget", "guess", "slip"};
    double sum[5] = {0};
    int n = 0;
    const char *name;
    json_t *t;
    json_object_foreach(json_object_get(truth_json, "skills"), name, t) {
        json_t *f = json_object_get(json_object_get(fit, "skills"), name);
        if (!f)
            continue;
        n++;
        for (int k = 0; k < 5; k++)
            sum[k] += fabs(json_number_value(json_object_get(f, keys[k])) -
                           json_number_value(json_object_get(t, keys[k])));
    }
    for (int k = 0; k < 5; k++)
        printf("mae_%s %.4f\n", keys[k], n ? sum[k] / n : 0);
    json_decref(fit);
    json_decref(truth_json);
    return 0;
}

int main(int argc, char **argv) {
    json_set_alloc_funcs(sh_malloc, sh_free);
    if (argc >= 2 && strcmp(argv[1], "gen") == 0)
        return gen(argc - 2, argv + 2);
    if (argc >= 2 && strcmp(argv[1], "em") == 0)
        return em(argc - 2, argv + 2);
    if (argc >= 2 && strcmp(argv[1], "online") == 0)
        return online(argc - 2, argv + 2);
    if (argc >= 2 && strcmp(argv[1], "score") == 0)
        return score(argc - 2, argv + 2);
    if (argc >= 2 && strcmp(argv[1], "mae") == 0)
        return mae(argc - 2, argv + 2);
    fprintf(stderr, "usage: kt_bench gen|em|online|score|mae … (see bench/kt_bench.c)\n");
    return 2;
}
