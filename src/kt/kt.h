/* kt.h — knowledge tracing: Bayesian Knowledge Tracing per knowledge point
 * (skill) with optional forgetting and per-item guess/slip (KT-IDEM), fitted by
 * EM over a scaled forward–backward pass with seeded random restarts on several
 * threads; the one-step-ahead prediction; the O(1) online update with a
 * (student, skill) state table; DINA over a Q-matrix for the pre-class
 * diagnostic; Elo item difficulty and student ability. See
 * docs/knowledge-tracing.md.
 *
 * Responses are read from pyBKT's CSV layout (order_id,user_id,skill_name,
 * correct[,item_id]) into compact arrays grouped by skill, then by student,
 * each student's answers in order_id order (responses.c). Functions that can
 * fail follow the project's convention (SH_OK / SH_ERR with an sh_err). */
#ifndef SH_KT_H
#define SH_KT_H

#include "core/rng.h"
#include "core/err.h"

#include <stddef.h>
#include <stdint.h>

/* ---- random numbers: the project's xoshiro256** (sh_rng), seeded per use ---- */

/* Uniform in [0, 1) from r. */
double kt_uniform(sh_rng *r);

/* ---- names: strings mapped to dense ids 0, 1, 2, … in first-seen order ---- */

typedef struct kt_names kt_names;

kt_names *kt_names_new(void);
void kt_names_free(kt_names *n);
/* The id of s (len bytes), adding it when new; -1 when out of memory. */
int32_t kt_names_intern(kt_names *n, const char *s, size_t len);
/* The id of s, or -1 when it is not there. */
int32_t kt_names_find(const kt_names *n, const char *s, size_t len);
const char *kt_names_get(const kt_names *n, int32_t id);
int32_t kt_names_count(const kt_names *n);

/* ---- responses ---- */

/* The responses of a file, regrouped: skill by skill (skill ids in order of
 * first appearance), within a skill student by student, each student's answers
 * (a "sequence") by order_id (ties keep the file order). Position k in the
 * arrays below is the k-th response in that grouping. */
typedef struct kt_data {
    kt_names *skills, *users, *items; /* items: empty when the file has no item_id column */
    size_t n;                         /* responses */
    uint32_t *code; /* [n] 2 · item + correct; item local to the skill (0 without item_id) */
    uint32_t *row;  /* [n] the response's position in the file (0 = first data row) */
    int64_t *order; /* [n] order_id */
    int32_t nskills;
    size_t *skill_start;    /* [nskills + 1] first response of each skill */
    uint32_t *skill_seq;    /* [nskills + 1] first sequence of each skill */
    uint32_t nseq;          /* sequences (student × skill) */
    size_t *seq_start;      /* [nseq + 1] first response of each sequence */
    int32_t *seq_user;      /* [nseq] the sequence's student */
    uint32_t *skill_nitems; /* [nskills] distinct items of the skill (1 without item_id) */
    uint32_t *skill_item0;  /* [nskills + 1] where the skill's items start in item_ids */
    int32_t *item_ids;      /* global item id (in items) of each skill's local items */
} kt_data;

typedef struct kt_read_limits {
    uint64_t max_file_bytes; /* 0 = 512 MiB */
    long max_rows;           /* data rows (0 = 10,000,000) */
} kt_read_limits;

/* Read a CSV file (UTF-8 or GB18030, header row, RFC 4180 quoting; the columns
 * found by name, in any order; other columns ignored). Every problem is an
 * sh_err naming the row and column: a missing column, a non-binary correct, an
 * empty user, skill or item, an order_id that is not an integer, an empty file,
 * a header without rows, a file or row count over the limits (refused before
 * anything is read). On SH_ERR *out is NULL and nothing is left allocated. */
int kt_data_read_file(const char *path, const kt_read_limits *lim, kt_data **out, sh_err *err);
/* The same over bytes in memory (tests, fuzzing). */
int kt_data_read_mem(const void *bytes, size_t len, const kt_read_limits *lim, kt_data **out, sh_err *err);
void kt_data_free(kt_data *d);

/* ---- BKT ---- */

/* One skill's parameters. With per-item guess/slip, guesses[i] and slips[i]
 * are the skill's local item i (nitems of them); guess and slip then hold the
 * response-weighted means, for reports. */
typedef struct kt_bkt {
    double prior, learn, forget, guess, slip;
    uint32_t nitems;         /* 0: one guess/slip for the skill */
    double *guesses, *slips; /* [nitems] or NULL */
    double log_likelihood;   /* of the skill's responses under these parameters */
    int iterations;          /* E-steps of the fit that was kept */
} kt_bkt;

typedef struct kt_fit_opts {
    int forgets;  /* learn a forgetting rate (else it stays 0) */
    int multigs;  /* guess/slip per item (needs the item_id column) */
    int restarts; /* random starts per skill, best log-likelihood kept (0 = 5) */
    int threads;  /* 0 = 1 */
    uint64_t seed;
    int max_iter; /* E-steps per start (0 = 100) */
    double tol;   /* stop when the log-likelihood gains less than this (0 = 1e-3) */
} kt_fit_opts;

typedef struct kt_model {
    int32_t nskills;
    kt_bkt *skill; /* [nskills], in the data's skill order */
    int forgets, multigs;
    double log_likelihood; /* sum over skills */
    long iterations;       /* E-steps of the kept fits, summed over skills */
} kt_model;

/* Fit every skill of d. The result depends on the seed and the data only, not
 * on the number of threads. SH_ERR on bad options or out of memory. */
int kt_fit(const kt_data *d, const kt_fit_opts *o, kt_model *out, sh_err *err);
void kt_model_free(kt_model *m);

/* Emission tables for the E-step and prediction: for local item i and answer y,
 * e0[2i + y] = P(y | not known) and e1[2i + y] = P(y | known). nitems entries
 * of each pair are filled (the skill's guess/slip where p has no per-item
 * values). */
void kt_bkt_emissions(const kt_bkt *p, uint32_t nitems, double *e0, double *e1);

/* Forward filtering over one sequence of m responses (codes 2·item + correct):
 * pred[t] = P(correct at t | answers before t). Returns the log-likelihood. */
double kt_bkt_forward(const kt_bkt *p, const double *e0, const double *e1, const uint32_t *code, size_t m,
                      double *pred);

/* Expected counts of one E-step over one skill (scratch for the EM loop). */
typedef struct kt_counts {
    double init1;        /* Σ over sequences of P(known at the first answer) */
    double xi01, xi10;   /* expected learn / forget transitions */
    double from0, from1; /* expected time in each state before a transition */
    double *c0, *c1;     /* [2 · nitems]: expected (not known / known) mass per code */
    double ll;           /* log-likelihood (natural log) */
} kt_counts;

/* One E-step over the sequences seq_start[0..nseq] (offsets into code) with
 * scratch alpha (one double per response from seq_start[0] on). Fills c
 * (c0/c1, 2 · nitems each, are zeroed first). */
void kt_bkt_estep(const kt_bkt *p, const double *e0, const double *e1, const uint32_t *code,
                  const size_t *seq_start, uint32_t nseq, uint32_t nitems, double *alpha, kt_counts *c);
/* The M-step: new parameters from c (a row without mass keeps its value). */
void kt_bkt_mstep(kt_bkt *p, const kt_counts *c, uint32_t nitems, int forgets, uint32_t nseq);

/* One-step-ahead predictions for every response of d, by file row:
 * pred[d->row[k]] for response k. Skill s uses m->skill[s]. SH_ERR only when
 * out of memory. */
int kt_predict(const kt_data *d, const kt_model *m, double *pred, sh_err *err);

/* ---- params JSON (what `shushu kt fit` prints, `kt predict` reads) ---- */

/* The model as JSON text (sh_malloc'd, NUL-terminated), or NULL when out of memory. */
char *kt_model_json(const kt_data *d, const kt_model *m);
/* Read parameters for every skill of d from JSON text: each skill must be
 * there with every value a number in [0, 1]; per-item guesses/slips are
 * optional (items not listed use the skill's guess/slip). */
int kt_model_from_json(const char *text, size_t len, const kt_data *d, kt_model *out, sh_err *err);

/* ---- online tracking: one state per (student, skill), O(1) per answer ---- */

typedef struct kt_tracker kt_tracker;

kt_tracker *kt_tracker_new(size_t expected);
void kt_tracker_free(kt_tracker *t);
/* P(known) of (student, skill) now: the stored state, else prior. */
double kt_tracker_mastery(const kt_tracker *t, uint32_t student, uint32_t skill, double prior);
/* Set the state, e.g. from a DINA diagnosis. SH_ERR when out of memory. */
int kt_tracker_set(kt_tracker *t, uint32_t student, uint32_t skill, double p_known);
/* One answer: *predicted (may be NULL) gets P(correct) before it; the state
 * becomes the posterior given the answer, then one transition. g and s are the
 * guess/slip of the item answered. SH_ERR when out of memory. */
int kt_tracker_update(kt_tracker *t, uint32_t student, uint32_t skill, const kt_bkt *p, double g, double s,
                      int correct, double *predicted);
size_t kt_tracker_count(const kt_tracker *t);

/* The arithmetic of one update alone: P(known) after answering (posterior, then transition). */
double kt_bkt_step(double p_known, double learn, double forget, double g, double s, int correct);

/* ---- DINA ---- */

#define KT_DINA_MAX_SKILLS 12

typedef struct kt_dina {
    int nitems, nskills;
    const uint8_t *q;     /* [nitems × nskills] item j needs skill k when q[j·nskills + k] */
    double *guess, *slip; /* [nitems] */
    double *pi;           /* [2^nskills] share of each mastery profile */
    double log_likelihood;
    int iterations;
} kt_dina;

/* Fit guess/slip per item and the profile shares by EM over the 2^K profiles.
 * x: [nstudents × nitems] answers 0/1, or -1 for not answered. out's arrays
 * are allocated here (free with kt_dina_free). */
int kt_dina_fit(const uint8_t *q, int nitems, int nskills, const int8_t *x, int nstudents, int max_iter,
                double tol, kt_dina *out, sh_err *err);
/* A student's per-skill P(mastered | answers) (x: nitems answers, -1 = none):
 * the starting P(known) of each skill for BKT. SH_ERR only when out of memory. */
int kt_dina_mastery(const kt_dina *m, const int8_t *x, double *mastery);
void kt_dina_free(kt_dina *m);

/* ---- Elo ---- */

typedef struct kt_elo {
    double alpha, beta; /* K(n) = alpha / (1 + beta·n) */
} kt_elo;

/* P(correct) = 1 / (1 + exp(−(ability − difficulty))). */
double kt_elo_p(double ability, double difficulty);
/* One answer: ability and difficulty move by K(answers so far)·(correct − p);
 * the counts go up by one. Returns p before the update. */
double kt_elo_update(const kt_elo *e, double *ability, int *n_student, double *difficulty, int *n_item,
                     int correct);

#endif
