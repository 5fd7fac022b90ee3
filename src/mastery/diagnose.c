/* diagnose.c — the 课前问学 diagnostic seeds each student's starting mastery:
 * DINA (kt_dina_fit over the task's submitted answers, Q-matrix from item_kp)
 * gives every submitted student P(mastered) per knowledge point; a class too
 * small to fit (fewer than SH_MASTERY_DINA_MIN students) or a task over more
 * than KT_DINA_MAX_SKILLS points falls back to the per-point BKT posterior of
 * the student's diagnostic answers from the prior. The seed replaces the
 * state only while its source is still "diagnostic" (no later answer moved it)
 * and leaves a "diagnostic" event when it changes the value. Three queries
 * (Q-matrix, answers, parameters), whatever the class size. */
#include "mastery/module.h"

#include "core/alloc.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/uid.h"
#include "kt/kt.h"

#include <string.h>

static const char Q_SQL[] = "SELECT DISTINCT ti.item_version_id, k.point_id FROM assign_task_item ti"
                            " JOIN item_kp k ON k.version_id = ti.item_version_id"
                            " WHERE ti.task_id = $1 AND ti.school_id = $2 ORDER BY 1, 2";

static const char ANSWERS_SQL[] =
    "SELECT sub.student_id, a.item_version_id, a.verdict, COALESCE(a.score, 0), ti.score"
    " FROM assign_submission sub"
    " JOIN assign_answer a ON a.submission_id = sub.id AND a.school_id = sub.school_id"
    " JOIN assign_task_item ti ON ti.id = a.task_item_id AND ti.school_id = a.school_id"
    " WHERE sub.task_id = $1 AND sub.school_id = $2 AND (sub.status IN ('submitted', 'scored') OR sub.id = $3)"
    " AND a.verdict IN ('right', 'wrong', 'scored') ORDER BY sub.student_id, a.answered_at, a.id";

static const char PARAMS_SQL[] =
    "SELECT p.point_id, p.prior, p.learn, p.forget, p.guess, p.slip"
    " FROM mastery_param p WHERE p.point_id IN (SELECT k.point_id"
    " FROM assign_task_item ti JOIN item_kp k ON k.version_id = ti.item_version_id"
    " WHERE ti.task_id = $1 AND ti.school_id = $2)";

static const char SEED_SQL[] =
    "INSERT INTO mastery_state (uid, school_id, student_id, point_id, p_known, answers, rights, source, ability,"
    " version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 0, 0, 'diagnostic', 0, 1, $6, $6)"
    " ON CONFLICT (student_id, point_id) DO UPDATE SET p_known = excluded.p_known,"
    " version = mastery_state.version + 1, updated_at = excluded.updated_at"
    " WHERE mastery_state.source = 'diagnostic' AND ABS(mastery_state.p_known - excluded.p_known) > 1e-6";

static const char SEED_EVENT_SQL[] =
    "INSERT INTO mastery_event (school_id, student_id, point_id, answer_id, kind, correct, p_correct, p_known, at)"
    " VALUES ($1, $2, $3, NULL, 'diagnostic', NULL, NULL, $4, $5)";

typedef struct diag {
    int64_t *items, *points, *students;
    int nitems, npoints, nstudents;
    uint8_t *q;     /* [nitems × npoints] */
    int8_t *x;      /* [nstudents × nitems], -1 = not answered; the last answer counts */
    kt_bkt *params; /* [npoints] */
    double *seed;   /* [nstudents × npoints], < 0 = no seed */
} diag;

static int index_of(const int64_t *v, int n, int64_t key) {
    for (int i = 0; i < n; i++)
        if (v[i] == key)
            return i;
    return -1;
}

/* Append key to v (capacity doubling) unless there; its index, or -1 when out of memory. */
static int add_key(int64_t **v, int *n, int64_t key) {
    int i = index_of(*v, *n, key);
    if (i >= 0)
        return i;
    if ((*n & (*n - 1)) == 0) { /* grow at 0, 1, 2, 4, … */
        int64_t *nv = sh_realloc(*v, (size_t)(*n ? 2 * *n : 1) * sizeof *nv);
        if (!nv)
            return -1;
        *v = nv;
    }
    (*v)[*n] = key;
    return (*n)++;
}

static void diag_free(diag *d) {
    sh_free(d->items);
    sh_free(d->points);
    sh_free(d->students);
    sh_free(d->q);
    sh_free(d->x);
    sh_free(d->params);
    sh_free(d->seed);
}

/* Q-matrix rows (item, point) into d. */
static int load_q(sh_conn *c, const sh_mastery_sub *sub, diag *d, sh_buf *pairs, sh_err *err) {
    sh_stmt *s = sh_prepare(c, Q_SQL, err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, sub->task);
    sh_bind_i64(s, 2, sub->school);
    int rc;
    while ((rc = sh_step(s, err)) == SH_ROW) {
        int64_t pair[2] = {sh_col_i64(s, 0), sh_col_i64(s, 1)};
        if (sh_buf_append(pairs, pair, sizeof pair) != SH_OK ||
            add_key(&d->items, &d->nitems, sh_col_i64(s, 0)) < 0 ||
            add_key(&d->points, &d->npoints, sh_col_i64(s, 1)) < 0) {
            rc = sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
            break;
        }
    }
    sh_stmt_done(s);
    return rc == SH_DONE ? SH_OK : SH_ERR;
}

typedef struct answer_row {
    int64_t student, item;
    int correct;
} answer_row;

static int load_answers(sh_conn *c, const sh_mastery_sub *sub, sh_buf *rows, diag *d, sh_err *err) {
    sh_stmt *s = sh_prepare(c, ANSWERS_SQL, err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, sub->task);
    sh_bind_i64(s, 2, sub->school);
    sh_bind_i64(s, 3, sub->id);
    int rc;
    while ((rc = sh_step(s, err)) == SH_ROW) {
        answer_row r = {sh_col_i64(s, 0), sh_col_i64(s, 1),
                        sh_mastery_correct(sh_col_text(s, 2), sh_col_i64(s, 3), sh_col_i64(s, 4))};
        if (sh_buf_append(rows, &r, sizeof r) != SH_OK ||
            add_key(&d->students, &d->nstudents, r.student) < 0) {
            rc = sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
            break;
        }
    }
    sh_stmt_done(s);
    return rc == SH_DONE ? SH_OK : SH_ERR;
}

static int load_params(sh_conn *c, const sh_mastery_sub *sub, diag *d, sh_err *err) {
    for (int k = 0; k < d->npoints; k++)
        d->params[k] = sh_mastery_defaults;
    sh_stmt *s = sh_prepare(c, PARAMS_SQL, err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, sub->task);
    sh_bind_i64(s, 2, sub->school);
    int rc;
    while ((rc = sh_step(s, err)) == SH_ROW) {
        int k = index_of(d->points, d->npoints, sh_col_i64(s, 0));
        if (k >= 0) {
            kt_bkt *p = &d->params[k];
            p->prior = sh_col_double(s, 1), p->learn = sh_col_double(s, 2), p->forget = sh_col_double(s, 3);
            p->guess = sh_col_double(s, 4), p->slip = sh_col_double(s, 5);
        }
    }
    sh_stmt_done(s);
    return rc == SH_DONE ? SH_OK : SH_ERR;
}

/* The fallback: per point, BKT from the prior over the student's answers to
 * the items that need it, in answer order. No answer to a point: no seed. */
static void seed_bkt(diag *d, const answer_row *rows, int nrows) {
    if (!d->seed || !d->q || !d->params)
        return;
    for (int r = 0; r < nrows; r++) {
        int st = index_of(d->students, d->nstudents, rows[r].student);
        int j = index_of(d->items, d->nitems, rows[r].item);
        if (st < 0 || j < 0)
            continue;
        for (int k = 0; k < d->npoints; k++) {
            if (!d->q[(size_t)j * d->npoints + k])
                continue;
            double *v = &d->seed[(size_t)st * d->npoints + k];
            const kt_bkt *p = &d->params[k];
            *v = kt_bkt_step(*v < 0 ? p->prior : *v, p->learn, p->forget, p->guess, p->slip, rows[r].correct);
        }
    }
}

static int seed_dina(diag *d, sh_err *err) {
    kt_dina m;
    if (kt_dina_fit(d->q, d->nitems, d->npoints, d->x, d->nstudents, 200, 1e-6, &m, err) != SH_OK)
        return SH_ERR;
    int rc = SH_OK;
    for (int st = 0; st < d->nstudents && rc == SH_OK; st++)
        if (kt_dina_mastery(&m, d->x + (size_t)st * d->nitems, d->seed + (size_t)st * d->npoints) != SH_OK)
            rc = sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    kt_dina_free(&m);
    return rc;
}

static int write_seeds(sh_conn *c, const sh_mastery_sub *sub, const diag *d, sh_err *err) {
    sh_stmt *s = sh_prepare(c, SEED_SQL, err);
    if (!s)
        return SH_ERR;
    sh_stmt *ev = sh_prepare(c, SEED_EVENT_SQL, err);
    if (!ev) {
        sh_stmt_done(s);
        return SH_ERR;
    }
    int64_t now = sh_now_ms();
    char uid[SH_UID_LEN + 1];
    int rc = SH_OK;
    for (int st = 0; d->seed && st < d->nstudents && rc == SH_OK; st++)
        for (int k = 0; k < d->npoints && rc == SH_OK; k++) {
            double v = d->seed[(size_t)st * d->npoints + k];
            if (v < 0)
                continue;
            sh_stmt_reset(s);
            sh_new_uid(uid);
            sh_bind_text(s, 1, uid, -1);
            sh_bind_i64(s, 2, sub->school);
            sh_bind_i64(s, 3, d->students[st]);
            sh_bind_i64(s, 4, d->points[k]);
            sh_bind_double(s, 5, v);
            sh_bind_i64(s, 6, now);
            if (sh_step(s, err) != SH_DONE) {
                rc = SH_ERR;
                break;
            }
            if (sh_changes(c) == 0)
                continue;
            sh_stmt_reset(ev);
            sh_bind_i64(ev, 1, sub->school);
            sh_bind_i64(ev, 2, d->students[st]);
            sh_bind_i64(ev, 3, d->points[k]);
            sh_bind_double(ev, 4, v);
            sh_bind_i64(ev, 5, now);
            rc = sh_step(ev, err) == SH_DONE ? SH_OK : SH_ERR;
        }
    sh_stmt_done(ev);
    sh_stmt_done(s);
    return rc;
}

int sh_mastery_diagnose(sh_conn *c, const sh_mastery_sub *sub, sh_err *err) {
    diag d = {0};
    sh_buf pairs_buf, rows_buf;
    sh_buf_init(&pairs_buf, 0);
    sh_buf_init(&rows_buf, 0);
    int rc = load_q(c, sub, &d, &pairs_buf, err);
    if (rc == SH_OK)
        rc = load_answers(c, sub, &rows_buf, &d, err);
    const int64_t *pairs = (const int64_t *)pairs_buf.data;
    const answer_row *rows = (const answer_row *)rows_buf.data;
    int npairs = (int)(pairs_buf.len / (2 * sizeof *pairs)), nrows = (int)(rows_buf.len / sizeof *rows);
    if (rc == SH_OK && d.npoints && d.nstudents) {
        size_t nx = (size_t)d.nstudents * d.nitems, ns = (size_t)d.nstudents * d.npoints;
        d.q = sh_calloc((size_t)d.nitems * d.npoints, 1);
        d.x = sh_malloc(nx);
        d.params = sh_malloc((size_t)d.npoints * sizeof *d.params);
        d.seed = sh_malloc(ns * sizeof *d.seed);
        if (!d.q || !d.x || !d.params || !d.seed)
            rc = sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
        else {
            memset(d.x, -1, nx);
            for (size_t i = 0; i < ns; i++)
                d.seed[i] = -1;
            for (int i = 0; i < npairs; i++)
                d.q[(size_t)index_of(d.items, d.nitems, pairs[(size_t)i * 2]) * d.npoints +
                    (size_t)index_of(d.points, d.npoints, pairs[(size_t)i * 2 + 1])] = 1;
            for (int r = 0; r < nrows; r++) {
                int j = index_of(d.items, d.nitems, rows[r].item);
                if (j >= 0)
                    d.x[(size_t)index_of(d.students, d.nstudents, rows[r].student) * d.nitems + (size_t)j] =
                        (int8_t)rows[r].correct;
            }
            rc = load_params(c, sub, &d, err);
        }
        if (rc == SH_OK) {
            if (d.nstudents >= SH_MASTERY_DINA_MIN && d.npoints <= KT_DINA_MAX_SKILLS)
                rc = seed_dina(&d, err);
            else
                seed_bkt(&d, rows, nrows);
        }
        if (rc == SH_OK)
            rc = write_seeds(c, sub, &d, err);
    }
    sh_buf_free(&pairs_buf);
    sh_buf_free(&rows_buf);
    diag_free(&d);
    return rc;
}
