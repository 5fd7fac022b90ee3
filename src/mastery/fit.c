/* fit.c — the batch side (`shushu mastery fit`): BKT parameters per knowledge
 * point fitted by kt_fit (EM, restarts, threads) from every counted answer in
 * mastery_event, stored in mastery_param so that the online update uses
 * fitted values instead of the defaults. The answers are handed to the kt
 * reader in its CSV layout (order_id,user_id,skill_name,correct), so there is
 * one reader of responses. Reads mastery_event; writes mastery_param. */
#include "mastery/module.h"

#include "core/buf.h"
#include "core/clock.h"
#include "core/uid.h"

#include <stdlib.h>

static const char ANSWERS_SQL[] = "SELECT ev.student_id, ev.point_id, ev.correct FROM mastery_event ev"
                                  " WHERE ev.kind = 'answer' ORDER BY ev.at, ev.id";

static const char PARAM_SQL[] =
    "INSERT INTO mastery_param (uid, point_id, prior, learn, forget, guess, slip, responses, log_likelihood,"
    " fitted_at, version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $10, $10)"
    " ON CONFLICT (point_id) DO UPDATE SET prior = excluded.prior, learn = excluded.learn,"
    " forget = excluded.forget, guess = excluded.guess, slip = excluded.slip, responses = excluded.responses,"
    " log_likelihood = excluded.log_likelihood, fitted_at = excluded.fitted_at,"
    " version = mastery_param.version + 1, updated_at = excluded.updated_at";

static int read_answers(sh_conn *c, sh_buf *csv, long *n, sh_err *err) {
    sh_stmt *s = sh_prepare(c, ANSWERS_SQL, err);
    if (!s)
        return SH_ERR;
    sh_buf_puts(csv, "order_id,user_id,skill_name,correct\n");
    int rc;
    *n = 0;
    while ((rc = sh_step(s, err)) == SH_ROW)
        sh_buf_printf(csv, "%ld,%lld,%lld,%d\n", ++*n, (long long)sh_col_i64(s, 0),
                      (long long)sh_col_i64(s, 1), sh_col_i64(s, 2) ? 1 : 0);
    sh_stmt_done(s);
    if (rc == SH_DONE && sh_buf_ok(csv) != SH_OK)
        return sh_err_set(err, 500, "out_of_memory", NULL, "作答记录过多，内存不足");
    return rc == SH_DONE ? SH_OK : SH_ERR;
}

/* Responses of skill k (a count over the data's grouping). */
static long skill_responses(const kt_data *d, int32_t k) {
    return (long)(d->skill_start[k + 1] - d->skill_start[k]);
}

static int store(sh_conn *c, const kt_data *d, const kt_model *m, sh_err *err) {
    sh_stmt *s = sh_prepare(c, PARAM_SQL, err);
    if (!s)
        return SH_ERR;
    int64_t now = sh_now_ms();
    char uid[SH_UID_LEN + 1];
    int rc = SH_OK;
    for (int32_t k = 0; k < d->nskills && rc == SH_OK; k++) {
        const kt_bkt *p = &m->skill[k];
        sh_stmt_reset(s);
        sh_new_uid(uid);
        sh_bind_text(s, 1, uid, -1);
        sh_bind_i64(s, 2, strtoll(kt_names_get(d->skills, k), NULL, 10));
        sh_bind_double(s, 3, p->prior);
        sh_bind_double(s, 4, p->learn);
        sh_bind_double(s, 5, p->forget);
        sh_bind_double(s, 6, p->guess);
        sh_bind_double(s, 7, p->slip);
        sh_bind_i64(s, 8, skill_responses(d, k));
        sh_bind_double(s, 9, p->log_likelihood);
        sh_bind_i64(s, 10, now);
        rc = sh_step(s, err) == SH_DONE ? SH_OK : SH_ERR;
    }
    sh_stmt_done(s);
    return rc;
}

int sh_mastery_fit(sh_conn *c, int forgets, int threads, sh_mastery_fit_result *res, sh_err *err) {
    res->answers = 0, res->points = 0;
    sh_buf csv;
    sh_buf_init(&csv, 0);
    int rc = read_answers(c, &csv, &res->answers, err);
    if (rc != SH_OK || res->answers == 0) {
        sh_buf_free(&csv);
        return rc;
    }
    kt_data *d = NULL;
    kt_model m = {0};
    kt_fit_opts o = {.forgets = forgets, .restarts = 5, .threads = threads > 0 ? threads : 1, .seed = 42};
    rc = kt_data_read_mem(csv.data, csv.len, NULL, &d, err);
    sh_buf_free(&csv);
    if (rc == SH_OK)
        rc = kt_fit(d, &o, &m, err);
    if (rc == SH_OK && (rc = sh_begin_write(c, err)) == SH_OK) {
        rc = store(c, d, &m, err);
        if (rc == SH_OK)
            rc = sh_commit(c, err);
        else
            sh_rollback(c);
    }
    if (rc == SH_OK)
        res->points = d->nskills, res->log_likelihood = m.log_likelihood;
    kt_model_free(&m);
    kt_data_free(d);
    return rc;
}
