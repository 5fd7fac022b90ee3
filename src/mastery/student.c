/* student.c — one student's 学情 report as JSON: P(known) now per knowledge
 * point with its history (mastery over time, from mastery_event), the weak
 * points and the next steps — each weak point's prerequisites the student has
 * not mastered come first, then the weak point itself, weakest first. Three
 * queries. Reads the graph and mastery tables; writes nothing. */
#include "mastery/module.h"

#include <math.h>
#include <string.h>

static const char POINTS_SQL[] =
    "SELECT ms.point_id, p.uid, p.code, p.name, ms.p_known, ms.answers, ms.rights, ms.source"
    " FROM mastery_state ms JOIN kg_point p ON p.id = ms.point_id"
    " WHERE ms.student_id = $1 AND ms.school_id = $2 AND ($3 = '' OR p.subject = $3)"
    " ORDER BY p.grade, p.semester, p.ordinal, p.id";

static const char HISTORY_SQL[] =
    "SELECT ev.point_id, ev.at, ev.p_known, ev.kind, ev.correct FROM mastery_event ev"
    " WHERE ev.student_id = $1 AND ev.school_id = $2 AND ($3 = '' OR ev.point_id IN"
    " (SELECT p.id FROM kg_point p WHERE p.subject = $3)) ORDER BY ev.at, ev.id";

/* The prerequisites of the student's weak points, with the student's P(known)
 * of each (NULL when never met). */
static const char PREREQ_SQL[] =
    "SELECT e.point_id, pp.uid, pp.code, pp.name, ms.p_known FROM kg_edge e JOIN kg_point pp ON pp.id = e.prereq_id"
    " LEFT JOIN mastery_state ms ON ms.point_id = e.prereq_id AND ms.student_id = $1 AND ms.school_id = $2"
    " WHERE e.point_id IN (SELECT w.point_id FROM mastery_state w JOIN kg_point wp ON wp.id = w.point_id"
    " WHERE w.student_id = $1 AND w.school_id = $2 AND w.p_known < $4 AND ($3 = '' OR wp.subject = $3))"
    " ORDER BY pp.grade, pp.semester, pp.ordinal, pp.id";

static double round4(double v) { return round(v * 10000) / 10000; }

static sh_stmt *prepare(sh_conn *c, const char *sql, int64_t student, int64_t school, const char *subject,
                        sh_err *err) {
    sh_stmt *s = sh_prepare(c, sql, err);
    if (s) {
        sh_bind_i64(s, 1, student);
        sh_bind_i64(s, 2, school);
        sh_bind_text(s, 3, subject ? subject : "", -1);
        if (sql == PREREQ_SQL)
            sh_bind_double(s, 4, SH_MASTERY_WEAK);
    }
    return s;
}

static json_t *point_ref(sh_stmt *s) {
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(sh_col_text(s, 1)));
    json_object_set_new(o, "code", json_string(sh_col_text(s, 2)));
    json_object_set_new(o, "name", json_string(sh_col_text(s, 3)));
    return o;
}

static void add_step(json_t *steps, json_t *point, const char *why, json_t *p_known) {
    size_t i;
    json_t *v;
    json_array_foreach(steps, i, v) if (json_equal(json_object_get(json_object_get(v, "point"), "id"),
                                                   json_object_get(point, "id"))) {
        json_decref(point);
        json_decref(p_known);
        return;
    }
    json_t *o = json_object();
    json_object_set_new(o, "point", point);
    json_object_set_new(o, "p_known", p_known);
    json_object_set_new(o, "reason", json_string(why));
    json_array_append_new(steps, o);
}

int sh_mastery_student_report(sh_conn *c, int64_t student, int64_t school, const char *subject, json_t **out,
                              sh_err *err) {
    json_t *r = json_object(), *points = json_array(), *weak = json_array(), *steps = json_array();
    json_t *keys = json_object(); /* point key → its object in points */
    json_object_set_new(r, "points", points);
    json_object_set_new(r, "weak_points", weak);
    json_object_set_new(r, "next_steps", steps);
    sh_stmt *s = prepare(c, POINTS_SQL, student, school, subject, err);
    int rc = s ? SH_DONE : SH_ERR;
    char key[24];
    while (s && (rc = sh_step(s, err)) == SH_ROW) {
        json_t *o = point_ref(s);
        double p = sh_col_double(s, 4);
        json_object_set_new(o, "p_known", json_real(round4(p)));
        json_object_set_new(o, "answers", json_integer(sh_col_i64(s, 5)));
        json_object_set_new(o, "rights", json_integer(sh_col_i64(s, 6)));
        json_object_set_new(o, "source", json_string(sh_col_text(s, 7)));
        json_object_set_new(o, "mastered", json_boolean(p >= SH_MASTERY_MASTERED));
        json_object_set_new(o, "history", json_array());
        json_array_append_new(points, o);
        snprintf(key, sizeof key, "%lld", (long long)sh_col_i64(s, 0));
        json_object_set(keys, key, o);
        if (p < SH_MASTERY_WEAK) {
            json_t *w = point_ref(s);
            json_object_set_new(w, "p_known", json_real(round4(p)));
            json_array_append_new(weak, w);
        }
    }
    if (s)
        sh_stmt_done(s);
    if (rc == SH_DONE && (s = prepare(c, HISTORY_SQL, student, school, subject, err)) == NULL)
        rc = SH_ERR;
    while (rc != SH_ERR && s && (rc = sh_step(s, err)) == SH_ROW) {
        snprintf(key, sizeof key, "%lld", (long long)sh_col_i64(s, 0));
        json_t *o = json_object_get(keys, key);
        if (!o)
            continue;
        json_t *h = json_object();
        json_object_set_new(h, "at", json_integer(sh_col_i64(s, 1)));
        json_object_set_new(h, "p_known", json_real(round4(sh_col_double(s, 2))));
        json_object_set_new(h, "kind", json_string(sh_col_text(s, 3)));
        json_object_set_new(h, "correct",
                            sh_col_is_null(s, 4) ? json_null() : json_boolean(sh_col_i64(s, 4)));
        json_array_append_new(json_object_get(o, "history"), h);
    }
    if (s && rc != SH_ERR)
        sh_stmt_done(s);
    /* next steps: prerequisites not mastered first, then the weak points, weakest first */
    if (rc == SH_DONE && (s = prepare(c, PREREQ_SQL, student, school, subject, err)) == NULL)
        rc = SH_ERR;
    while (rc != SH_ERR && s && (rc = sh_step(s, err)) == SH_ROW) {
        int met = !sh_col_is_null(s, 4);
        double p = met ? sh_col_double(s, 4) : 0;
        if (met && p >= SH_MASTERY_MASTERED)
            continue;
        add_step(steps, point_ref(s), met ? "先修知识点尚未掌握，先复习" : "先修知识点尚未练习，先补上",
                 met ? json_real(round4(p)) : json_null());
    }
    if (s && rc != SH_ERR)
        sh_stmt_done(s);
    size_t nweak = json_array_size(weak);
    for (size_t done = 0; done < nweak; done++) { /* selection by P(known), ascending */
        json_t *best = NULL;
        size_t i;
        json_t *w;
        json_array_foreach(weak, i, w) {
            int taken = 0;
            size_t j;
            json_t *st;
            json_array_foreach(steps, j, st) taken |=
                json_equal(json_object_get(json_object_get(st, "point"), "id"), json_object_get(w, "id"));
            if (!taken && (!best || json_real_value(json_object_get(w, "p_known")) <
                                        json_real_value(json_object_get(best, "p_known"))))
                best = w;
        }
        if (!best)
            break;
        json_t *pt = json_object();
        json_object_set(pt, "id", json_object_get(best, "id"));
        json_object_set(pt, "code", json_object_get(best, "code"));
        json_object_set(pt, "name", json_object_get(best, "name"));
        add_step(steps, pt, "掌握不足，多做练习", json_deep_copy(json_object_get(best, "p_known")));
    }
    json_decref(keys);
    if (rc == SH_ERR) {
        json_decref(r);
        return SH_ERR;
    }
    *out = r;
    return SH_OK;
}
