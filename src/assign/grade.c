/* grade.c — grading a submission: at submit every item of the student is
 * graded (objective items with sh_item_check, subjective ones left to the
 * teacher, unanswered ones wrong with 0), and after each grading or scoring the
 * submission's total and status follow; the mastery module hears of it in the
 * same transaction. Writes assign_answer and assign_submission. */
#include "assign/module.h"

#include "core/clock.h"
#include "core/pool.h"
#include "items/items.h"
#include "mastery/mastery.h"

typedef struct to_grade {
    int64_t task_item, version, answer;
    int score;
    const char *content, *response;
} to_grade;

static int oom(sh_err *err) { return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足"); }

int assign_grade_submission(sh_conn *c, sh_pool *p, int64_t submission, int64_t school,
                            const sh_provenance *pv, sh_err *err) {
    sh_stmt *s = sh_prepare(
        c,
        "SELECT ti.id, ti.item_version_id, ti.score, v.content, a.id, a.response"
        " FROM assign_submission sub JOIN assign_task_item ti ON ti.task_id = sub.task_id"
        " AND ti.school_id = sub.school_id AND (ti.student_id IS NULL OR ti.student_id = sub.student_id)"
        " JOIN item_version v ON v.id = ti.item_version_id"
        " LEFT JOIN assign_answer a ON a.submission_id = sub.id AND a.task_item_id = ti.id"
        " AND a.school_id = sub.school_id WHERE sub.id = $1 AND sub.school_id = $2",
        err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, submission);
    sh_bind_i64(s, 2, school);
    to_grade *g = sh_pcalloc(p, ASSIGN_MAX_ITEMS * sizeof *g);
    int n = 0, rc = g ? SH_ROW : SH_ERR;
    while (rc == SH_ROW && (rc = sh_step(s, err)) == SH_ROW && n < ASSIGN_MAX_ITEMS) {
        g[n] = (to_grade){.task_item = sh_col_i64(s, 0),
                          .version = sh_col_i64(s, 1),
                          .score = (int)sh_col_i64(s, 2),
                          .content = sh_pstrdup(p, sh_col_text(s, 3)),
                          .answer = sh_col_is_null(s, 4) ? 0 : sh_col_i64(s, 4),
                          .response = sh_col_is_null(s, 5) ? NULL : sh_pstrdup(p, sh_col_text(s, 5))};
        n++;
    }
    sh_stmt_done(s);
    if (!g)
        return oom(err);
    if (rc == SH_ERR)
        return SH_ERR;
    int64_t now = sh_now_ms();
    for (int i = 0; i < n; i++) {
        json_t *content = json_loads(g[i].content, 0, NULL);
        json_t *resp = g[i].response ? json_loads(g[i].response, JSON_DECODE_ANY, NULL) : NULL;
        sh_answer_verdict v = resp && !json_is_null(resp) ? sh_item_check(content, resp) : SH_ANSWER_WRONG;
        json_decref(content);
        json_decref(resp);
        sh_record r;
        if (sh_record_blank(p, &sh_assign_answer_entity, &r) != SH_OK)
            return oom(err);
        const char *verdict = v == SH_ANSWER_RIGHT           ? "right"
                              : v == SH_ANSWER_NEEDS_SCORING ? "needs_scoring"
                                                             : "wrong";
        sh_record_set_s(&r, "verdict", verdict);
        if (v == SH_ANSWER_NEEDS_SCORING)
            sh_record_set_s(&r, "score", NULL);
        else
            sh_record_set_i(&r, "score", v == SH_ANSWER_RIGHT ? g[i].score : 0);
        if (g[i].answer) {
            int changed;
            rc = sh_record_update(c, p, &r, g[i].answer, school, pv, &changed, err);
        } else {
            int64_t key;
            sh_record_set_i(&r, "school", school);
            sh_record_set_i(&r, "submission", submission);
            sh_record_set_i(&r, "task_item", g[i].task_item);
            sh_record_set_i(&r, "item_version", g[i].version);
            sh_record_set_s(&r, "response", "null");
            sh_record_set_i(&r, "answered_at", now);
            rc = sh_record_insert(c, p, &r, school, pv, &key, NULL, err);
        }
        if (rc != SH_OK)
            return SH_ERR;
    }
    return assign_total(c, p, submission, school, 1, pv, err);
}

int assign_total(sh_conn *c, sh_pool *p, int64_t submission, int64_t school, int submitting,
                 const sh_provenance *pv, sh_err *err) {
    sh_stmt *s =
        sh_prepare(c,
                   "SELECT COALESCE(SUM(score), 0), COUNT(CASE WHEN verdict = 'needs_scoring' THEN 1 END)"
                   " FROM assign_answer WHERE submission_id = $1 AND school_id = $2",
                   err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, submission);
    sh_bind_i64(s, 2, school);
    int rc = sh_step(s, err);
    int64_t score = rc == SH_ROW ? sh_col_i64(s, 0) : 0, open = rc == SH_ROW ? sh_col_i64(s, 1) : 0;
    sh_stmt_done(s);
    if (rc != SH_ROW)
        return SH_ERR;
    sh_record r;
    int changed;
    if (sh_record_blank(p, &sh_assign_submission_entity, &r) != SH_OK)
        return oom(err);
    int64_t now = sh_now_ms();
    sh_record_set_i(&r, "score", score);
    sh_record_set_s(&r, "status", open ? "submitted" : "scored");
    if (!open)
        sh_record_set_i(&r, "scored_at", now);
    if (submitting)
        sh_record_set_i(&r, "submitted_at", now);
    if (sh_record_update(c, p, &r, submission, school, pv, &changed, err) != SH_OK)
        return SH_ERR;
    return sh_mastery_submission(c, submission, err);
}
