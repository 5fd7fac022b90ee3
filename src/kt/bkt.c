/* bkt.c — the BKT model itself: emission tables, the scaled forward pass
 * (prediction), one E-step (forward filtering, then the smoother-form backward
 * pass accumulating expected counts), the M-step, the batch one-step-ahead
 * prediction and the single online step. Threads and restarts are in
 * bkt_fit.c. See kt.h and docs/knowledge-tracing.md for the formulas.
 *
 * Layout for speed: a skill's responses are one contiguous array of codes
 * (2 · local item + correct), so the emission probabilities are two table
 * lookups; the filtered P(known) of each response goes into a scratch array
 * owned by the caller; nothing is allocated here. The log-likelihood is a
 * running product of the normalisers, folded into a double sum of logs before
 * it can underflow (one log per many responses instead of one per response). */
#include "core/alloc.h"
#include "kt/kt.h"

#include <math.h>
#include <string.h>

#define PMIN 1e-6 /* parameters stay in [PMIN, 1 − PMIN]: no emission is ever exactly 0 */
#define FOLD 1e-250

static double clamp(double v) { return v < PMIN ? PMIN : v > 1 - PMIN ? 1 - PMIN : v; }

void kt_bkt_emissions(const kt_bkt *p, uint32_t nitems, double *e0, double *e1) {
    for (size_t i = 0; i < nitems; i++) {
        double g = p->nitems > i && p->guesses ? p->guesses[i] : p->guess;
        double s = p->nitems > i && p->slips ? p->slips[i] : p->slip;
        e0[2 * i] = 1 - g;
        e0[2 * i + 1] = g;
        e1[2 * i] = s;
        e1[2 * i + 1] = 1 - s;
    }
}

double kt_bkt_forward(const kt_bkt *p, const double *e0, const double *e1, const uint32_t *code, size_t m,
                      double *pred) {
    double known = p->prior, ll = 0, prod = 1;
    const double stay = 1 - p->forget, learn = p->learn;
    for (size_t t = 0; t < m; t++) {
        uint32_t c = code[t];
        uint32_t right = c | 1u;
        if (pred)
            pred[t] = known * e1[right] + (1 - known) * e0[right];
        double n1 = known * e1[c], n0 = (1 - known) * e0[c], z = n0 + n1;
        double f = n1 / z;
        prod *= z;
        if (prod < FOLD) {
            ll += log(prod);
            prod = 1;
        }
        known = f * stay + (1 - f) * learn;
    }
    return ll + log(prod);
}

void kt_bkt_estep(const kt_bkt *p, const double *e0, const double *e1, const uint32_t *code,
                  const size_t *seq_start, uint32_t nseq, uint32_t nitems, double *alpha, kt_counts *c) {
    const double learn = p->learn, forget = p->forget, stay = 1 - forget, prior = p->prior;
    double init1 = 0, xi01 = 0, xi10 = 0, from0 = 0, from1 = 0, ll = 0, prod = 1;
    double *c0 = c->c0, *c1 = c->c1;
    const size_t off = nseq ? seq_start[0] : 0; /* alpha[t - off] belongs to response t */
    memset(c0, 0, 2 * (size_t)nitems * sizeof *c0);
    memset(c1, 0, 2 * (size_t)nitems * sizeof *c1);
    for (uint32_t s = 0; s < nseq; s++) {
        size_t a = seq_start[s], b = seq_start[s + 1];
        /* forward, unnormalised: (u0, u1) = P(answers up to t, state at t). The
         * recursion is two multiply-adds per response; the division that gives
         * alpha[t] = P(known at t | answers up to t) is off that chain. The pair
         * is rescaled by 2^600 (exactly) before it can underflow. */
        uint32_t k = code[a];
        double u0 = (1 - prior) * e0[k], u1 = prior * e1[k];
        alpha[a - off] = u1 / (u0 + u1);
        for (size_t t = a + 1; t < b; t++) {
            k = code[t];
            double v0 = (u0 * (1 - learn) + u1 * forget) * e0[k];
            double v1 = (u0 * learn + u1 * stay) * e1[k];
            double z = v0 + v1;
            if (z < 0x1p-600) {
                v0 *= 0x1p600;
                v1 *= 0x1p600;
                z *= 0x1p600;
                ll -= 600 * M_LN2;
            }
            alpha[t - off] = v1 / z;
            u0 = v0;
            u1 = v1;
        }
        prod *= u0 + u1; /* P(this sequence), folded into ll before it can underflow */
        if (prod < FOLD) {
            ll += log(prod);
            prod = 1;
        }
        /* backward (smoother form): g = P(known at t+1 | all answers); the
         * divisions by the predicted state depend on alpha only, not on g */
        double g = alpha[b - 1 - off];
        c1[code[b - 1]] += g;
        c0[code[b - 1]] += 1 - g;
        for (size_t t = b - 1; t-- > a;) {
            double f = alpha[t - off];
            double q1 = f * stay + (1 - f) * learn, q0 = 1 - q1;
            double iq1 = 1 / (q1 > 1e-300 ? q1 : 1e-300), iq0 = 1 / (q0 > 1e-300 ? q0 : 1e-300);
            double r1 = g * iq1, r0 = (1 - g) * iq0;
            double x01 = (1 - f) * learn * r1, x10 = f * forget * r0, x11 = f * stay * r1;
            double g1 = x10 + x11; /* P(known at t | all answers) */
            xi01 += x01;
            xi10 += x10;
            from0 += 1 - g1;
            from1 += g1;
            k = code[t];
            c1[k] += g1;
            c0[k] += 1 - g1;
            g = g1;
        }
        init1 += g;
    }
    c->init1 = init1;
    c->xi01 = xi01;
    c->xi10 = xi10;
    c->from0 = from0;
    c->from1 = from1;
    c->ll = ll + log(prod);
}

void kt_bkt_mstep(kt_bkt *p, const kt_counts *c, uint32_t nitems, int forgets, uint32_t nseq) {
    if (nseq > 0)
        p->prior = clamp(c->init1 / nseq);
    if (c->from0 > 0)
        p->learn = clamp(c->xi01 / c->from0);
    p->forget = forgets && c->from1 > 0 ? clamp(c->xi10 / c->from1) : forgets ? p->forget : 0;
    double right0 = 0, all0 = 0, wrong1 = 0, all1 = 0;
    for (size_t i = 0; i < nitems; i++) {
        double r0 = c->c0[2 * i + 1], a0 = c->c0[2 * i] + r0, w1 = c->c1[2 * i], a1 = w1 + c->c1[2 * i + 1];
        right0 += r0;
        all0 += a0;
        wrong1 += w1;
        all1 += a1;
        if (p->nitems > i && p->guesses) {
            if (a0 > 0)
                p->guesses[i] = clamp(r0 / a0);
            if (a1 > 0)
                p->slips[i] = clamp(w1 / a1);
        }
    }
    if (all0 > 0)
        p->guess = clamp(right0 / all0);
    if (all1 > 0)
        p->slip = clamp(wrong1 / all1);
}

int kt_predict(const kt_data *d, const kt_model *m, double *pred, sh_err *err) {
    uint32_t maxitems = 1;
    for (int32_t s = 0; s < d->nskills; s++)
        maxitems = d->skill_nitems[s] > maxitems ? d->skill_nitems[s] : maxitems;
    /* the tables of one skill at a time, on the stack when small */
    double small[4 * 64], *tab = small;
    if (maxitems > 64 && !(tab = sh_malloc(4 * (size_t)maxitems * sizeof *tab)))
        return sh_err_set(err, 500, "out_of_memory", NULL, "预测时内存不足");
    for (int32_t s = 0; s < d->nskills; s++) {
        const kt_bkt *p = &m->skill[s];
        double *e0 = tab, *e1 = tab + 2 * (size_t)d->skill_nitems[s];
        kt_bkt_emissions(p, d->skill_nitems[s], e0, e1);
        for (uint32_t q = d->skill_seq[s]; q < d->skill_seq[s + 1]; q++) {
            size_t a = d->seq_start[q], b = d->seq_start[q + 1];
            double known = p->prior;
            for (size_t t = a; t < b; t++) {
                uint32_t c = d->code[t];
                pred[d->row[t]] = known * e1[c | 1u] + (1 - known) * e0[c | 1u];
                double n1 = known * e1[c], f = n1 / (n1 + (1 - known) * e0[c]);
                known = f * (1 - p->forget) + (1 - f) * p->learn;
            }
        }
    }
    if (tab != small)
        sh_free(tab);
    return SH_OK;
}

double kt_bkt_step(double p_known, double learn, double forget, double g, double s, int correct) {
    double n1 = correct ? p_known * (1 - s) : p_known * s;
    double n0 = correct ? (1 - p_known) * g : (1 - p_known) * (1 - g);
    double f = n1 / (n0 + n1);
    return f * (1 - forget) + (1 - f) * learn;
}
