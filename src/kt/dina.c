/* dina.c — DINA cognitive diagnosis for the pre-class diagnostic (课前诊断):
 * item j needs the skills q[j] marks; a student of mastery profile c answers
 * right with 1 − slip_j when c holds all of them (η = 1), else with guess_j.
 * EM over the 2^K profiles (K ≤ 12): the E-step gives each student's posterior
 * over profiles, the M-step re-estimates guess, slip and the profile shares.
 * kt_dina_mastery turns one student's answers into P(mastered) per skill, the
 * starting P(known) of BKT. Cost O(students × items × 2^K) per iteration. */
#include "core/alloc.h"
#include "kt/kt.h"

#include <math.h>
#include <string.h>

#define PMIN 1e-6

static double clamp(double v) { return v < PMIN ? PMIN : v > 1 - PMIN ? 1 - PMIN : v; }

void kt_dina_free(kt_dina *m) {
    if (!m)
        return;
    sh_free(m->guess);
    sh_free(m->slip);
    sh_free(m->pi);
    m->guess = m->slip = m->pi = NULL;
}

/* The skills item j needs, as a bit mask. */
static uint32_t need_mask(const kt_dina *m, int j) {
    uint32_t mask = 0;
    for (int k = 0; k < m->nskills; k++)
        if (m->q[(size_t)j * m->nskills + k])
            mask |= 1u << k;
    return mask;
}

/* post[c] = P(profile c | answers x); returns log P(x). */
static double posterior(const kt_dina *m, const uint32_t *need, const int8_t *x, double *post) {
    int nprof = 1 << m->nskills;
    double top = -INFINITY;
    for (int c = 0; c < nprof; c++) {
        double l = log(m->pi[c] > 0 ? m->pi[c] : 1e-300);
        for (int j = 0; j < m->nitems; j++) {
            if (x[j] < 0)
                continue;
            int eta = ((uint32_t)c & need[j]) == need[j];
            double p = eta ? 1 - m->slip[j] : m->guess[j];
            l += log(x[j] ? p : 1 - p);
        }
        post[c] = l;
        top = l > top ? l : top;
    }
    double sum = post[0] = exp(post[0] - top);
    for (int c = 1; c < nprof; c++)
        sum += post[c] = exp(post[c] - top);
    for (int c = 0; c < nprof; c++)
        post[c] /= sum;
    return top + log(sum);
}

int kt_dina_fit(const uint8_t *q, int nitems, int nskills, const int8_t *x, int nstudents, int max_iter,
                double tol, kt_dina *out, sh_err *err) {
    memset(out, 0, sizeof *out);
    if (nitems < 1 || nskills < 1 || nskills > KT_DINA_MAX_SKILLS || nstudents < 1 || max_iter < 1)
        return sh_err_set(err, 400, "invalid_option", NULL,
                          "诊断模型的规模不正确（知识点 1–%d 个，题目与学生至少各 1）", KT_DINA_MAX_SKILLS);
    int nprof = 1 << nskills;
    out->q = q;
    out->nitems = nitems;
    out->nskills = nskills;
    out->guess = sh_malloc((size_t)nitems * sizeof *out->guess);
    out->slip = sh_malloc((size_t)nitems * sizeof *out->slip);
    out->pi = sh_malloc((size_t)nprof * sizeof *out->pi);
    double *post = sh_malloc((size_t)nprof * sizeof *post),
           *pi_new = sh_malloc((size_t)nprof * sizeof *pi_new);
    double *acc = sh_malloc(4 * (size_t)nitems * sizeof *acc);
    uint32_t *need = sh_malloc((size_t)nitems * sizeof *need);
    int rc = SH_ERR;
    if (!out->guess || !out->slip || !out->pi || !post || !pi_new || !acc || !need) {
        sh_err_set(err, 500, "out_of_memory", NULL, "诊断模型拟合时内存不足");
        kt_dina_free(out);
        goto done;
    }
    for (int j = 0; j < nitems; j++) {
        out->guess[j] = out->slip[j] = 0.2;
        need[j] = need_mask(out, j);
    }
    for (int c = 0; c < nprof; c++)
        out->pi[c] = 1.0 / nprof;
    double prev = -INFINITY;
    for (out->iterations = 1;; out->iterations++) {
        double ll = 0;
        memset(pi_new, 0, (size_t)nprof * sizeof *pi_new);
        memset(acc, 0, 4 * (size_t)nitems * sizeof *acc);
        double *n0 = acc, *r0 = acc + nitems, *n1 = acc + (size_t)2 * nitems, *r1 = acc + (size_t)3 * nitems;
        for (int i = 0; i < nstudents; i++) {
            const int8_t *xi = x + (size_t)i * nitems;
            ll += posterior(out, need, xi, post);
            for (int c = 0; c < nprof; c++)
                pi_new[c] += post[c];
            for (int j = 0; j < nitems; j++) {
                if (xi[j] < 0)
                    continue;
                double p1 = 0; /* P(η = 1) for this student and item */
                for (int c = 0; c < nprof; c++)
                    if (((uint32_t)c & need[j]) == need[j])
                        p1 += post[c];
                n1[j] += p1;
                r1[j] += p1 * xi[j];
                n0[j] += 1 - p1;
                r0[j] += (1 - p1) * xi[j];
            }
        }
        out->log_likelihood = ll;
        if (out->iterations >= max_iter || ll - prev < tol)
            break;
        prev = ll;
        for (int j = 0; j < nitems; j++) {
            if (n0[j] > 0)
                out->guess[j] = clamp(r0[j] / n0[j]);
            if (n1[j] > 0)
                out->slip[j] = clamp((n1[j] - r1[j]) / n1[j]);
        }
        for (int c = 0; c < nprof; c++)
            out->pi[c] = pi_new[c] / nstudents;
    }
    rc = SH_OK;
done:
    sh_free(post);
    sh_free(pi_new);
    sh_free(acc);
    sh_free(need);
    return rc;
}

int kt_dina_mastery(const kt_dina *m, const int8_t *x, double *mastery) {
    int nprof = 1 << m->nskills;
    double post[1 << KT_DINA_MAX_SKILLS] = {0};
    uint32_t need[256], *needp = need;
    if (m->nitems > 256 && !(needp = sh_malloc((size_t)m->nitems * sizeof *needp)))
        return SH_ERR;
    for (int j = 0; j < m->nitems; j++)
        needp[j] = need_mask(m, j);
    posterior(m, needp, x, post);
    for (int k = 0; k < m->nskills; k++) {
        mastery[k] = 0;
        for (int c = 0; c < nprof; c++)
            if ((uint32_t)c >> k & 1u)
                mastery[k] += post[c];
    }
    if (needp != need)
        sh_free(needp);
    return SH_OK;
}
