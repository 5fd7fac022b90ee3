/* plan.c — the order in which a student's knowledge points are worked on,
 * shared by the tiered homework suggestions (tiers.c) and the practice's next
 * best item (practice.c), docs/teaching.md §Tiers and §Practice: the tier
 * from the mean P(known) over the chosen points (a point never met at its
 * prior), then the not-mastered prerequisites of the chosen points not
 * mastered, the chosen points not mastered, and the mastered ones; and the
 * choice of a point's item by its Elo prediction of a right answer,
 * σ(θ − d) (kt_elo_p: θ the student's ability on the point, d the item's
 * difficulty), nearest the middle of the tier's band. Also the loading of the
 * chosen points, their prerequisites and parameters. Reads the graph and
 * mastery_param; writes nothing. */
#include "mastery/module.h"

#include <math.h>
#include <stdio.h>

/* The chosen points and their direct prerequisites, with parameters ($2–$5:
 * the defaults when none). */
static const char POINTS_SQL[] =
    "SELECT p.id, p.uid, p.code, p.name, COALESCE(mp.prior, $2), COALESCE(mp.learn, $3), COALESCE(mp.guess, $4),"
    " COALESCE(mp.slip, $5), CASE WHEN p.id IN (%1$s) THEN 1 ELSE 0 END FROM kg_point p"
    " LEFT JOIN mastery_param mp ON mp.point_id = p.id WHERE p.id IN (%1$s) OR p.id IN " SH_MASTERY_SCOPE_POINTS
    " ORDER BY p.grade, p.semester, p.ordinal, p.id";

static const char EDGES_SQL[] = "SELECT e.point_id, e.prereq_id FROM kg_edge e WHERE e.point_id IN (%1$s)";

const sh_mastery_band sh_mastery_bands[3] = {
    {"A", 0.7, 0.50, 0.75}, /* strong: items that stretch */
    {"B", 0.4, 0.60, 0.85},
    {"C", 0.0, 0.70, 0.92}, /* struggling: items they can succeed at, to build up */
};

int sh_mastery_each_row(sh_stmt *s, sh_err *err, int (*fn)(void *ctx, sh_stmt *s), void *ctx) {
    if (!s)
        return SH_ERR;
    int rc;
    while ((rc = sh_step(s, err)) == SH_ROW)
        if (fn(ctx, s) != SH_OK) {
            rc = sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
            break;
        }
    sh_stmt_done(s);
    return rc == SH_DONE ? SH_OK : SH_ERR;
}

sh_stmt *sh_mastery_prepare_scope(sh_conn *c, const char *sql_fmt, const char *points_json, sh_err *err) {
    char ids[128], sql[2048];
    sh_sql_json_ids(c, 1, ids, sizeof ids);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    snprintf(sql, sizeof sql, sql_fmt, ids);
#pragma GCC diagnostic pop
    sh_stmt *s = sh_prepare(c, sql, err);
    if (s)
        sh_bind_text(s, 1, points_json, -1);
    return s;
}

static int on_point(void *arg, sh_stmt *s) {
    json_t *o = json_pack("{sIsssssssfsfsfsfsb}", "_key", (json_int_t)sh_col_i64(s, 0), "id",
                          sh_col_text(s, 1), "code", sh_col_text(s, 2), "name", sh_col_text(s, 3), "prior",
                          sh_col_double(s, 4), "learn", sh_col_double(s, 5), "guess", sh_col_double(s, 6),
                          "slip", sh_col_double(s, 7), "chosen", (int)sh_col_i64(s, 8));
    return o && json_array_append_new(arg, o) == 0 ? SH_OK : SH_ERR;
}

int sh_mastery_group_add(json_t *groups, int64_t key, json_t *value) {
    char k[24];
    snprintf(k, sizeof k, "%lld", (long long)key);
    json_t *list = json_object_get(groups, k);
    if (!list && json_object_set_new(groups, k, list = json_array()) != 0) {
        json_decref(value);
        return SH_ERR;
    }
    return value && json_array_append_new(list, value) == 0 ? SH_OK : SH_ERR;
}

int sh_mastery_group_row(void *arg, sh_stmt *s) {
    return sh_mastery_group_add(arg, sh_col_i64(s, 0), json_integer(sh_col_i64(s, 1)));
}

int sh_mastery_scope_load(sh_conn *c, const char *points_json, json_t *points, json_t *edges, sh_err *err) {
    sh_stmt *s = sh_mastery_prepare_scope(c, POINTS_SQL, points_json, err);
    if (s) {
        sh_bind_double(s, 2, sh_mastery_defaults.prior);
        sh_bind_double(s, 3, sh_mastery_defaults.learn);
        sh_bind_double(s, 4, sh_mastery_defaults.guess);
        sh_bind_double(s, 5, sh_mastery_defaults.slip);
    }
    if (sh_mastery_each_row(s, err, on_point, points) != SH_OK)
        return SH_ERR;
    return sh_mastery_each_row(sh_mastery_prepare_scope(c, EDGES_SQL, points_json, err), err,
                               sh_mastery_group_row, edges);
}

int64_t sh_mastery_point_key(const json_t *point) {
    return json_integer_value(json_object_get(point, "_key"));
}

static json_t *point_of(json_t *points, int64_t key) {
    size_t i;
    json_t *p;
    json_array_foreach(points, i, p) if (sh_mastery_point_key(p) == key) return p;
    return NULL;
}

json_t *sh_mastery_of_point(const json_t *map, const json_t *point) {
    char key[24];
    snprintf(key, sizeof key, "%lld", (long long)sh_mastery_point_key(point));
    return json_object_get(map, key);
}

/* The student's P(known) of p: from known (point key → P), else the point's prior. */
static double known_of(const json_t *known, json_t *p) {
    json_t *v = sh_mastery_of_point(known, p);
    return v ? json_number_value(v) : json_real_value(json_object_get(p, "prior"));
}

double sh_mastery_ability(const json_t *abilities, const json_t *point) {
    json_t *v = sh_mastery_of_point(abilities, point);
    return v ? json_number_value(v) : 0;
}

int sh_mastery_in_band(const sh_mastery_band *b, double predicted) {
    return predicted >= b->lo && predicted <= b->hi;
}

static int taken_in(const json_t *taken, json_int_t key) {
    size_t i;
    json_t *v;
    json_array_foreach(taken, i, v) if (json_integer_value(v) == key) return 1;
    return 0;
}

json_t *sh_mastery_best_item(const json_t *items, double ability, const sh_mastery_band *b,
                             const json_t *taken, double *predicted) {
    double target = (b->lo + b->hi) / 2, best_gap = 0;
    json_t *best = NULL;
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) {
        if (taken && taken_in(taken, json_integer_value(json_object_get(it, "_v"))))
            continue;
        double p = kt_elo_p(ability, json_real_value(json_object_get(it, "d")));
        /* strictly nearer wins: ties go to the earlier (older) item */
        if (!best || fabs(p - target) < best_gap - 1e-12) {
            best = it;
            best_gap = fabs(p - target);
            *predicted = p;
        }
    }
    return best;
}

const sh_mastery_band *sh_mastery_walk(json_t *points, json_t *edges, const json_t *known,
                                       sh_mastery_visit visit, void *arg, double *mean_out) {
    double sum = 0;
    int n = 0;
    size_t i;
    json_t *p;
    json_array_foreach(points, i, p) if (json_is_true(json_object_get(p, "chosen"))) sum +=
        known_of(known, p),
        n++;
    double mean = n ? sum / n : 0;
    const sh_mastery_band *b = &sh_mastery_bands[2];
    for (int k = 0; k < 3; k++)
        if (mean >= sh_mastery_bands[k].from) {
            b = &sh_mastery_bands[k];
            break;
        }
    if (mean_out)
        *mean_out = mean;
    /* prerequisites of weak chosen points first, then the weak points, then the other chosen points */
    for (int pass = 0; pass < 3; pass++)
        json_array_foreach(points, i, p) {
            if (!json_is_true(json_object_get(p, "chosen")))
                continue;
            double pk = known_of(known, p);
            int weak = pk < SH_MASTERY_MASTERED;
            if (pass == 0 && weak) {
                size_t j;
                json_t *pre;
                json_array_foreach(sh_mastery_of_point(edges, p), j, pre) {
                    json_t *pp = point_of(points, json_integer_value(pre));
                    double ppk = pp ? known_of(known, pp) : 1;
                    if (pp && ppk < SH_MASTERY_MASTERED)
                        visit(arg, b, pp, ppk, pass, "先修知识点未掌握");
                }
            } else if ((pass == 1 && weak) || (pass == 2 && !weak))
                visit(arg, b, p, pk, pass, weak ? "薄弱知识点" : "巩固提高");
        }
    return b;
}
