/* report.c — the class 学情 report as JSON (docs/teaching.md §Reports): the
 * knowledge points the class's tasks of a subject (or one task) touched, the
 * students enrolled now, the point × student heat map of P(known) with the
 * answers counted, the students at risk with their reasons, the most-chosen
 * wrong options with the option's misconception, and the prerequisite gaps
 * behind weak points. A fixed number of queries whatever the class size.
 * Reads the roster, assign, item, graph and mastery tables; writes nothing. */
#include "mastery/module.h"

#include "core/alloc.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* The points of the class's tasks of the subject ($1 class, $2 school, $3
 * subject, $4 task or 0), and the class's current students. */
#define POINTS_OF_TASKS                                                                                      \
    "SELECT k.point_id FROM assign_task t JOIN assign_task_item ti ON ti.school_id = t.school_id"            \
    " AND ti.task_id = t.id JOIN item_kp k ON k.version_id = ti.item_version_id"                             \
    " WHERE t.class_id = $1 AND t.school_id = $2 AND t.subject = $3 AND ($4 = 0 OR t.id = $4)"               \
    " AND t.status <> 'draft' AND t.kind <> 'practice'"
#define CLASS_STATES                                                                                             \
    "SELECT ms.student_id, ms.point_id, ms.p_known, ms.answers, ms.rights"                                       \
    " FROM mastery_state ms JOIN enrollment en ON en.school_id = ms.school_id AND en.student_id = ms.student_id" \
    " AND en.class_id = $1 AND en.exit_date IS NULL WHERE ms.school_id = $2"

static const char STUDENTS_SQL[] =
    "SELECT s.id, s.uid, s.name FROM enrollment en JOIN student s ON s.id = en.student_id"
    " AND s.school_id = en.school_id WHERE en.class_id = $1 AND en.school_id = $2 AND en.exit_date IS NULL"
    " ORDER BY s.id";

static const char POINTS_SQL[] =
    "SELECT p.id, p.uid, p.code, p.name FROM kg_point p WHERE p.id IN (" POINTS_OF_TASKS
    ") ORDER BY p.grade, p.semester, p.ordinal, p.id";

static const char CELLS_SQL[] = CLASS_STATES " AND ms.point_id IN (" POINTS_OF_TASKS ")";

/* Each student's answers on these points, newest first (an answer to a
 * two-point item is one answer). */
static const char RECENT_SQL[] =
    "SELECT ev.student_id, MIN(ev.correct) FROM mastery_event ev JOIN enrollment en"
    " ON en.student_id = ev.student_id AND en.school_id = ev.school_id AND en.class_id = $1 AND en.exit_date IS NULL"
    " WHERE ev.school_id = $2 AND ev.kind = 'answer' AND ev.point_id IN (" POINTS_OF_TASKS ")"
    " GROUP BY ev.student_id, ev.answer_id ORDER BY ev.student_id, MAX(ev.at) DESC, ev.answer_id DESC";

#define CLASS_ANSWERS                                                                                         \
    " FROM assign_answer a JOIN assign_task_item ti ON ti.id = a.task_item_id AND ti.school_id = a.school_id" \
    " JOIN assign_task t ON t.id = ti.task_id AND t.school_id = ti.school_id"                                 \
    " WHERE t.class_id = $1 AND t.school_id = $2 AND t.subject = $3 AND ($4 = 0 OR t.id = $4)"                \
    " AND t.kind <> 'practice'"

static const char WRONG_SQL[] =
    "SELECT iv.uid, iv.stem, iv.content, g.response, g.n, tot.n FROM (SELECT a.item_version_id AS vid,"
    " a.response AS response, COUNT(*) AS n" CLASS_ANSWERS
    " AND a.verdict = 'wrong' GROUP BY a.item_version_id,"
    " a.response) g JOIN (SELECT a.item_version_id AS vid, COUNT(*) AS n" CLASS_ANSWERS
    " AND a.verdict IN ('right', 'wrong') GROUP BY a.item_version_id) tot ON tot.vid = g.vid"
    " JOIN item_version iv ON iv.id = g.vid WHERE iv.type = 'single'"
    " ORDER BY g.n DESC, iv.id, g.response LIMIT 30";

static const char GAPS_SQL[] =
    "SELECT e.point_id, pp.uid, pp.code, pp.name, AVG(cs.p_known), COUNT(cs.p_known) FROM kg_edge e"
    " JOIN kg_point pp ON pp.id = e.prereq_id LEFT JOIN (" CLASS_STATES ") cs ON cs.point_id = e.prereq_id"
    " WHERE e.point_id IN (" POINTS_OF_TASKS ") GROUP BY e.point_id, e.prereq_id, pp.uid, pp.code, pp.name"
    " ORDER BY e.point_id, pp.code";

typedef struct report_args {
    int64_t class_id, school, task;
    const char *subject;
} report_args;

/* sql with the report's parameters bound: $1 class, $2 school and, unless the
 * SQL is STUDENTS_SQL (which takes only those two), $3 subject and $4 task. */
static sh_stmt *prepare(sh_conn *c, const char *sql, const report_args *a, sh_err *err) {
    sh_stmt *s = sh_prepare(c, sql, err);
    if (s) {
        sh_bind_i64(s, 1, a->class_id);
        sh_bind_i64(s, 2, a->school);
        if (sql != STUDENTS_SQL) {
            sh_bind_text(s, 3, a->subject, -1);
            sh_bind_i64(s, 4, a->task);
        }
    }
    return s;
}

static double round4(double v) { return round(v * 10000) / 10000; }

/* Index of key in the "_key" members of arr's objects, or -1. */
static int find(json_t *keys, int64_t key) {
    size_t i;
    json_t *v;
    json_array_foreach(keys, i, v) if (json_integer_value(v) == key) return (int)i;
    return -1;
}

/* Rows of sql as objects of (id, uid, name[, code]) into out and their keys into keys. */
static int load_list(sh_conn *c, const char *sql, const report_args *a, int with_code, json_t *out,
                     json_t *keys, sh_err *err) {
    sh_stmt *s = prepare(c, sql, a, err);
    if (!s)
        return SH_ERR;
    int rc;
    while ((rc = sh_step(s, err)) == SH_ROW) {
        json_t *o = json_object();
        json_object_set_new(o, "id", json_string(sh_col_text(s, 1)));
        if (with_code)
            json_object_set_new(o, "code", json_string(sh_col_text(s, 2)));
        json_object_set_new(o, "name", json_string(sh_col_text(s, with_code ? 3 : 2)));
        json_array_append_new(out, o);
        json_array_append_new(keys, json_integer(sh_col_i64(s, 0)));
    }
    sh_stmt_done(s);
    return rc == SH_DONE ? SH_OK : SH_ERR;
}

typedef struct grid {
    int nstudents, npoints;
    json_t *cells;        /* [student][point]: {p_known, answers, rights} or null */
    double *sum, *n;      /* per point: Σ p_known, students with a state */
    double *rights, *ans; /* per point: Σ rights, Σ answers */
    double *ssum, *sn;    /* per student */
} grid;

static int load_cells(sh_conn *c, const report_args *a, json_t *skeys, json_t *pkeys, grid *g, sh_err *err) {
    sh_stmt *s = prepare(c, CELLS_SQL, a, err);
    if (!s)
        return SH_ERR;
    int rc;
    while ((rc = sh_step(s, err)) == SH_ROW) {
        int st = find(skeys, sh_col_i64(s, 0)), k = find(pkeys, sh_col_i64(s, 1));
        if (st < 0 || k < 0)
            continue;
        double p = sh_col_double(s, 2);
        json_t *cell = json_object();
        json_object_set_new(cell, "p_known", json_real(round4(p)));
        json_object_set_new(cell, "answers", json_integer(sh_col_i64(s, 3)));
        json_object_set_new(cell, "rights", json_integer(sh_col_i64(s, 4)));
        json_array_set_new(json_array_get(g->cells, (size_t)st), (size_t)k, cell);
        g->sum[k] += p, g->n[k] += 1;
        g->rights[k] += (double)sh_col_i64(s, 4), g->ans[k] += (double)sh_col_i64(s, 3);
        g->ssum[st] += p, g->sn[st] += 1;
    }
    sh_stmt_done(s);
    return rc == SH_DONE ? SH_OK : SH_ERR;
}

/* Students at risk: mean P(known) over the points met below SH_MASTERY_RISK_MEAN,
 * or the last SH_MASTERY_RISK_WRONG answers on these points all wrong. */
static int at_risk(sh_conn *c, const report_args *a, json_t *students, json_t *skeys, const grid *g,
                   json_t *out, sh_err *err) {
    int *wrong_run = sh_calloc((size_t)g->nstudents + 1, sizeof *wrong_run);
    int *seen = sh_calloc((size_t)g->nstudents + 1, sizeof *seen);
    if (!wrong_run || !seen) {
        sh_free(wrong_run);
        sh_free(seen);
        return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    }
    sh_stmt *s = prepare(c, RECENT_SQL, a, err);
    int rc = s ? SH_DONE : SH_ERR;
    while (s && (rc = sh_step(s, err)) == SH_ROW) {
        int st = find(skeys, sh_col_i64(s, 0));
        if (st < 0 || seen[st] >= SH_MASTERY_RISK_WRONG)
            continue;
        if (seen[st]++ == wrong_run[st] && !sh_col_i64(s, 1))
            wrong_run[st]++;
    }
    if (s)
        sh_stmt_done(s);
    for (int st = 0; rc == SH_DONE && st < g->nstudents; st++) {
        json_t *reasons = json_array();
        double mean = g->sn[st] > 0 ? g->ssum[st] / g->sn[st] : -1;
        char why[160];
        if (mean >= 0 && mean < SH_MASTERY_RISK_MEAN) {
            snprintf(why, sizeof why, "已学的 %d 个知识点平均掌握概率 %.2f，低于 %.2f", (int)g->sn[st], mean,
                     SH_MASTERY_RISK_MEAN);
            json_array_append_new(reasons, json_string(why));
        }
        if (wrong_run[st] >= SH_MASTERY_RISK_WRONG) {
            snprintf(why, sizeof why, "最近 %d 次作答全部答错", SH_MASTERY_RISK_WRONG);
            json_array_append_new(reasons, json_string(why));
        }
        if (json_array_size(reasons) == 0) {
            json_decref(reasons);
            continue;
        }
        json_t *o = json_deep_copy(json_array_get(students, (size_t)st));
        json_object_set_new(o, "mean", mean >= 0 ? json_real(round4(mean)) : json_null());
        json_object_set_new(o, "reasons", reasons);
        json_array_append_new(out, o);
    }
    sh_free(wrong_run);
    sh_free(seen);
    return rc == SH_DONE ? SH_OK : SH_ERR;
}

static int wrong_options(sh_conn *c, const report_args *a, json_t *out, sh_err *err) {
    sh_stmt *s = prepare(c, WRONG_SQL, a, err);
    if (!s)
        return SH_ERR;
    int rc;
    while ((rc = sh_step(s, err)) == SH_ROW) {
        json_t *content = json_loads(sh_col_text(s, 2), 0, NULL);
        json_t *resp = json_loads(sh_col_text(s, 3), JSON_DECODE_ANY, NULL);
        const char *key = json_string_value(resp);
        json_t *opt = NULL, *o;
        size_t i;
        json_array_foreach(json_object_get(content, "options"), i,
                           o) if (key && strcmp(json_string_value(json_object_get(o, "key")) ?: "", key) == 0)
            opt = o;
        if (opt) {
            json_t *r = json_object();
            json_object_set_new(r, "item", json_string(sh_col_text(s, 0)));
            json_object_set_new(r, "stem", json_string(sh_col_text(s, 1)));
            json_object_set_new(r, "option", json_string(key));
            json_object_set(r, "text", json_object_get(opt, "text"));
            json_t *mis = json_object_get(opt, "misconception");
            json_object_set(r, "misconception", mis ? mis : json_null());
            json_object_set_new(r, "chosen", json_integer(sh_col_i64(s, 4)));
            json_object_set_new(r, "answers", json_integer(sh_col_i64(s, 5)));
            json_object_set_new(r, "share",
                                json_real(round4((double)sh_col_i64(s, 4) / (double)sh_col_i64(s, 5))));
            json_array_append_new(out, r);
        }
        json_decref(content);
        json_decref(resp);
    }
    sh_stmt_done(s);
    return rc == SH_DONE ? SH_OK : SH_ERR;
}

/* Weak points (class mean below SH_MASTERY_WEAK) and their prerequisites whose
 * class mean is below SH_MASTERY_GAP or that nobody has answered yet. */
static int gaps(sh_conn *c, const report_args *a, json_t *points, json_t *pkeys, const grid *g, json_t *out,
                sh_err *err) {
    sh_stmt *s = prepare(c, GAPS_SQL, a, err);
    if (!s)
        return SH_ERR;
    int rc;
    while ((rc = sh_step(s, err)) == SH_ROW) {
        int k = find(pkeys, sh_col_i64(s, 0));
        if (k < 0 || g->n[k] == 0 || g->sum[k] / g->n[k] >= SH_MASTERY_WEAK)
            continue;
        int measured = sh_col_i64(s, 5) > 0;
        double mean = measured ? sh_col_double(s, 4) : 0;
        if (measured && mean >= SH_MASTERY_GAP)
            continue;
        json_t *o = json_object();
        json_object_set(o, "point", json_array_get(points, (size_t)k));
        json_object_set_new(o, "point_mean", json_real(round4(g->sum[k] / g->n[k])));
        json_t *pre = json_object();
        json_object_set_new(pre, "id", json_string(sh_col_text(s, 1)));
        json_object_set_new(pre, "code", json_string(sh_col_text(s, 2)));
        json_object_set_new(pre, "name", json_string(sh_col_text(s, 3)));
        json_object_set_new(o, "prerequisite", pre);
        json_object_set_new(o, "prerequisite_mean", measured ? json_real(round4(mean)) : json_null());
        json_object_set_new(o, "reason",
                            json_string(measured ? "先修知识点全班掌握不足" : "先修知识点尚未测评"));
        json_array_append_new(out, o);
    }
    sh_stmt_done(s);
    return rc == SH_DONE ? SH_OK : SH_ERR;
}

int sh_mastery_class_report(sh_conn *c, int64_t class_id, int64_t school, const char *subject, int64_t task,
                            json_t **out, sh_err *err) {
    report_args a = {class_id, school, task, subject};
    json_t *r = json_object(), *students = json_array(), *points = json_array();
    json_t *skeys = json_array(), *pkeys = json_array();
    json_object_set_new(r, "students", students);
    json_object_set_new(r, "points", points);
    grid g = {0};
    int rc = load_list(c, STUDENTS_SQL, &a, 0, students, skeys, err);
    if (rc == SH_OK)
        rc = load_list(c, POINTS_SQL, &a, 1, points, pkeys, err);
    if (rc == SH_OK) {
        g.nstudents = (int)json_array_size(students), g.npoints = (int)json_array_size(points);
        size_t np = (size_t)g.npoints + 1, ns = (size_t)g.nstudents + 1;
        double *all = sh_calloc(4 * np + 2 * ns, sizeof(double));
        if (!all) {
            json_decref(skeys);
            json_decref(pkeys);
            json_decref(r);
            return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
        }
        g.sum = all, g.n = all + np, g.rights = all + 2 * np, g.ans = all + 3 * np;
        g.ssum = all + 4 * np, g.sn = all + 4 * np + ns;
        g.cells = json_array();
        for (int st = 0; st < g.nstudents; st++) {
            json_t *row = json_array();
            for (int k = 0; k < g.npoints; k++)
                json_array_append_new(row, json_null());
            json_array_append_new(g.cells, row);
        }
        json_object_set_new(r, "cells", g.cells);
    }
    if (rc == SH_OK)
        rc = load_cells(c, &a, skeys, pkeys, &g, err);
    if (rc == SH_OK) {
        for (int k = 0; k < g.npoints; k++) {
            json_t *p = json_array_get(points, (size_t)k);
            json_object_set_new(p, "mean", g.n[k] > 0 ? json_real(round4(g.sum[k] / g.n[k])) : json_null());
            json_object_set_new(p, "students", json_integer((json_int_t)g.n[k]));
            json_object_set_new(p, "answers", json_integer((json_int_t)g.ans[k]));
            json_object_set_new(p, "right_rate",
                                g.ans[k] > 0 ? json_real(round4(g.rights[k] / g.ans[k])) : json_null());
            json_object_set_new(p, "weak", json_boolean(g.n[k] > 0 && g.sum[k] / g.n[k] < SH_MASTERY_WEAK));
        }
        for (int st = 0; st < g.nstudents; st++)
            json_object_set_new(json_array_get(students, (size_t)st), "mean",
                                g.sn[st] > 0 ? json_real(round4(g.ssum[st] / g.sn[st])) : json_null());
        json_t *risk = json_array(), *wrong = json_array(), *gap = json_array();
        json_object_set_new(r, "at_risk", risk);
        json_object_set_new(r, "wrong_options", wrong);
        json_object_set_new(r, "gaps", gap);
        rc = at_risk(c, &a, students, skeys, &g, risk, err);
        if (rc == SH_OK)
            rc = wrong_options(c, &a, wrong, err);
        if (rc == SH_OK)
            rc = gaps(c, &a, points, pkeys, &g, gap, err);
    }
    sh_free(g.sum); /* the block of all six arrays */
    json_decref(skeys);
    json_decref(pkeys);
    if (rc != SH_OK) {
        json_decref(r);
        return SH_ERR;
    }
    *out = r;
    return SH_OK;
}
