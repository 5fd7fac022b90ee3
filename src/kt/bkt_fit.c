/* bkt_fit.c — fitting BKT to every skill of a data set: seeded random starts
 * (one task per skill and start), EM on each until the log-likelihood stops
 * rising or the iteration cap, spread over pthreads that take tasks from a
 * shared counter (largest skills first), then the best start of each skill
 * kept. Each task's random stream comes from (seed, skill, start) only, so the
 * result does not depend on the number of threads. Each thread allocates its
 * scratch once; the EM loop allocates nothing. */
#include "core/alloc.h"
#include "kt/kt.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_RESTARTS 5
#define DEFAULT_MAX_ITER 100
#define DEFAULT_TOL 1e-3
#define MAX_THREADS 256
#define MAX_RESTARTS 1000

typedef struct task {
    int32_t skill;
    int restart;
    kt_bkt result; /* guesses/slips point into the fit's shared block */
} task;

typedef struct fit {
    const kt_data *d;
    const kt_fit_opts *o;
    task *tasks;
    size_t ntasks;
    size_t *order; /* tasks, largest skill first */
    atomic_size_t next;
    size_t max_n; /* responses of the largest skill */
    uint32_t max_items;
} fit;

/* pyBKT's random initial model (generate/random_model_uni.py): prior U(0,1),
 * learn U(0,0.4), guess U(0,0.4), slip U(0,0.3); forget U(0,0.2) when learned. */
static void random_start(kt_bkt *p, uint64_t seed, int32_t skill, int restart, int forgets) {
    sh_rng r;
    sh_rng_seed(&r, seed ^ ((uint64_t)(uint32_t)skill << 32) ^
                        (uint64_t)(uint32_t)restart * 0x9E3779B97F4A7C15ull);
    p->prior = 0.01 + 0.98 * kt_uniform(&r);
    p->learn = 0.01 + 0.39 * kt_uniform(&r);
    p->guess = 0.01 + 0.39 * kt_uniform(&r);
    p->slip = 0.01 + 0.29 * kt_uniform(&r);
    p->forget = forgets ? 0.01 + 0.19 * kt_uniform(&r) : 0;
    for (uint32_t i = 0; i < p->nitems; i++) {
        p->guesses[i] = 0.01 + 0.39 * kt_uniform(&r);
        p->slips[i] = 0.01 + 0.29 * kt_uniform(&r);
    }
}

static void run_task(fit *f, task *t, double *alpha, double *e0, double *e1, kt_counts *c) {
    const kt_data *d = f->d;
    const kt_fit_opts *o = f->o;
    int32_t s = t->skill;
    uint32_t nitems = d->skill_nitems[s], seq0 = d->skill_seq[s], nseq = d->skill_seq[s + 1] - seq0;
    kt_bkt *p = &t->result;
    random_start(p, o->seed, s, t->restart, o->forgets);
    const size_t *starts = d->seq_start + seq0;
    const uint32_t *code = d->code;
    double prev = 0, ll = 0;
    int it;
    for (it = 1;; it++) {
        kt_bkt_emissions(p, nitems, e0, e1);
        kt_bkt_estep(p, e0, e1, code, starts, nseq, nitems, alpha, c);
        ll = c->ll;
        if ((it > 1 && ll - prev < o->tol) || it >= o->max_iter)
            break;
        prev = ll;
        kt_bkt_mstep(p, c, nitems, o->forgets, nseq);
    }
    p->log_likelihood = ll;
    p->iterations = it;
}

static void *worker(void *arg) {
    fit *f = arg;
    size_t m = (size_t)f->max_items * 2;
    double *alpha = sh_malloc((f->max_n ? f->max_n : 1) * sizeof *alpha);
    double *tab = sh_malloc(4 * m * sizeof *tab);
    kt_counts c = {0};
    if (!alpha || !tab) {
        sh_free(alpha);
        sh_free(tab);
        return (void *)1;
    }
    c.c0 = tab + 2 * m;
    c.c1 = tab + 3 * m;
    for (;;) {
        size_t i = atomic_fetch_add(&f->next, 1);
        if (i >= f->ntasks)
            break;
        run_task(f, &f->tasks[f->order[i]], alpha, tab, tab + m, &c);
    }
    sh_free(alpha);
    sh_free(tab);
    return NULL;
}

static int larger_first(const void *a, const void *b, void *ctx) {
    const fit *f = ctx;
    const task *x = &f->tasks[*(const size_t *)a], *y = &f->tasks[*(const size_t *)b];
    size_t nx = f->d->skill_start[x->skill + 1] - f->d->skill_start[x->skill];
    size_t ny = f->d->skill_start[y->skill + 1] - f->d->skill_start[y->skill];
    if (nx != ny)
        return nx > ny ? -1 : 1;
    size_t ia = *(const size_t *)a, ib = *(const size_t *)b;
    return ia < ib ? -1 : ia > ib;
}

void kt_model_free(kt_model *m) {
    if (!m || !m->skill)
        return;
    for (int32_t s = 0; s < m->nskills; s++) {
        sh_free(m->skill[s].guesses);
        sh_free(m->skill[s].slips);
    }
    sh_free(m->skill);
    memset(m, 0, sizeof *m);
}

/* Copy the best start of each skill into out. */
static int keep_best(const fit *f, int restarts, kt_model *out) {
    const kt_data *d = f->d;
    out->skill = sh_calloc((size_t)d->nskills ? (size_t)d->nskills : 1, sizeof *out->skill);
    if (!out->skill)
        return SH_ERR;
    out->nskills = d->nskills;
    for (int32_t s = 0; s < d->nskills; s++) {
        const task *best = &f->tasks[(size_t)s * restarts];
        for (int r = 1; r < restarts; r++) {
            const task *t = &f->tasks[(size_t)s * restarts + r];
            if (t->result.log_likelihood > best->result.log_likelihood)
                best = t;
        }
        kt_bkt *p = &out->skill[s];
        *p = best->result;
        p->guesses = p->slips = NULL;
        if (best->result.nitems) {
            p->guesses = sh_malloc(best->result.nitems * sizeof *p->guesses);
            p->slips = sh_malloc(best->result.nitems * sizeof *p->slips);
            if (!p->guesses || !p->slips)
                return SH_ERR;
            memcpy(p->guesses, best->result.guesses, best->result.nitems * sizeof *p->guesses);
            memcpy(p->slips, best->result.slips, best->result.nitems * sizeof *p->slips);
        }
        out->log_likelihood += p->log_likelihood;
        out->iterations += p->iterations;
    }
    return SH_OK;
}

int kt_fit(const kt_data *d, const kt_fit_opts *opts, kt_model *out, sh_err *err) {
    memset(out, 0, sizeof *out);
    kt_fit_opts o = *opts;
    if (o.restarts == 0)
        o.restarts = DEFAULT_RESTARTS;
    if (o.max_iter == 0)
        o.max_iter = DEFAULT_MAX_ITER;
    if (o.tol <= 0)
        o.tol = DEFAULT_TOL;
    if (o.threads <= 0)
        o.threads = 1;
    if (o.restarts < 1 || o.restarts > MAX_RESTARTS || o.max_iter < 1 || o.threads > MAX_THREADS)
        return sh_err_set(err, 400, "invalid_option", NULL, "拟合参数超出范围（restarts 1–%d，threads 1–%d）",
                          MAX_RESTARTS, MAX_THREADS);
    if (o.multigs && kt_names_count(d->items) == 0)
        return sh_err_set(err, 400, "missing_column", "item_id",
                          "--multigs 需要 item_id 列（每题的猜测与失误）");
    out->forgets = o.forgets;
    out->multigs = o.multigs;
    fit f = {.d = d, .o = &o, .ntasks = (size_t)d->nskills * (size_t)o.restarts};
    size_t nper = 0; /* per-item values over all tasks */
    for (int32_t s = 0; s < d->nskills; s++) {
        size_t n = d->skill_start[s + 1] - d->skill_start[s];
        f.max_n = n > f.max_n ? n : f.max_n;
        f.max_items = d->skill_nitems[s] > f.max_items ? d->skill_nitems[s] : f.max_items;
        if (o.multigs)
            nper += d->skill_nitems[s];
    }
    nper *= (size_t)o.restarts;
    f.tasks = sh_calloc(f.ntasks ? f.ntasks : 1, sizeof *f.tasks);
    f.order = sh_malloc((f.ntasks ? f.ntasks : 1) * sizeof *f.order);
    double *per = sh_malloc((nper ? nper : 1) * 2 * sizeof *per);
    int rc = SH_ERR;
    if (!f.tasks || !f.order || !per) {
        sh_err_set(err, 500, "out_of_memory", NULL, "拟合时内存不足");
        goto done;
    }
    double *next_per = per;
    for (size_t i = 0; i < f.ntasks; i++) {
        task *t = &f.tasks[i];
        t->skill = (int32_t)(i / (size_t)o.restarts);
        t->restart = (int)(i % (size_t)o.restarts);
        if (o.multigs) {
            t->result.nitems = d->skill_nitems[t->skill];
            t->result.guesses = next_per;
            t->result.slips = next_per + t->result.nitems;
            next_per += 2 * (size_t)t->result.nitems;
        }
        f.order[i] = i;
    }
    qsort_r(f.order, f.ntasks, sizeof *f.order, larger_first, &f);
    atomic_init(&f.next, 0);
    int nthreads = o.threads < (int)f.ntasks ? o.threads : (int)f.ntasks;
    pthread_t th[MAX_THREADS];
    int started = 0, failed = 0;
    for (; started < nthreads - 1; started++)
        if (pthread_create(&th[started], NULL, worker, &f) != 0)
            break;
    failed |= worker(&f) != NULL;
    for (int i = 0; i < started; i++) {
        void *res;
        pthread_join(th[i], &res);
        failed |= res != NULL;
    }
    if (failed || keep_best(&f, o.restarts, out) != SH_OK) {
        kt_model_free(out);
        sh_err_set(err, 500, "out_of_memory", NULL, "拟合时内存不足");
        goto done;
    }
    rc = SH_OK;
done:
    sh_free(f.tasks);
    sh_free(f.order);
    sh_free(per);
    return rc;
}
