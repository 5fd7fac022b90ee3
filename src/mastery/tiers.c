/* tiers.c — tiered homework suggestions (分层作业, docs/teaching.md §Tiers):
 * per student of a class a tier from the mean P(known) over the chosen points
 * (A ≥ 0.7, B ≥ 0.4, else C) and up to SH_MASTERY_TIER_ITEMS published items
 * on the student's weak points and their prerequisites not mastered
 * (prerequisites first), each with the BKT prediction of a right answer,
 * P(L)(1 − S) + (1 − P(L))G, inside the tier's band (nearest its middle
 * first). Five queries whatever the class size. Reads the roster, graph,
 * item and mastery tables; writes nothing. */
#include "mastery/module.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* $1 class, $2 school. */
static const char STUDENTS_SQL[] =
    "SELECT s.id, s.uid, s.name FROM enrollment en JOIN student s ON s.id = en.student_id"
    " AND s.school_id = en.school_id WHERE en.class_id = $1 AND en.school_id = $2 AND en.exit_date IS NULL"
    " ORDER BY s.id";

static const char STATES_SQL[] =
    "SELECT ms.student_id, ms.point_id, ms.p_known FROM mastery_state ms JOIN enrollment en"
    " ON en.student_id = ms.student_id AND en.school_id = ms.school_id AND en.class_id = $1"
    " AND en.exit_date IS NULL WHERE ms.school_id = $2";

/* The chosen points (the keys of a JSON array bound as $1, through the
 * store's sh_sql_json_ids subquery written where %1$s stands) and their
 * direct prerequisites, with parameters ($2–$5: the defaults when none). */
#define SCOPE_POINTS "(SELECT e.prereq_id FROM kg_edge e WHERE e.point_id IN (%1$s))"
static const char POINTS_SQL[] =
    "SELECT p.id, p.uid, p.code, p.name, COALESCE(mp.prior, $2), COALESCE(mp.learn, $3), COALESCE(mp.guess, $4),"
    " COALESCE(mp.slip, $5), CASE WHEN p.id IN (%1$s) THEN 1 ELSE 0 END FROM kg_point p"
    " LEFT JOIN mastery_param mp ON mp.point_id = p.id WHERE p.id IN (%1$s) OR p.id IN " SCOPE_POINTS
    " ORDER BY p.grade, p.semester, p.ordinal, p.id";

static const char EDGES_SQL[] = "SELECT e.point_id, e.prereq_id FROM kg_edge e WHERE e.point_id IN (%1$s)";

/* published items whose main point is in scope */
static const char ITEMS_SQL[] =
    "SELECT k.point_id, i.code, iv.uid, iv.stem FROM item i JOIN item_version iv ON iv.item_id = i.id"
    " AND iv.no = i.published JOIN item_kp k ON k.version_id = iv.id AND k.ordinal = 1"
    " WHERE i.published > 0 AND (k.point_id IN (%1$s) OR k.point_id IN " SCOPE_POINTS
    ") ORDER BY k.point_id, i.id";

const sh_mastery_band sh_mastery_bands[3] = {
    {"A", 0.7, 0.50, 0.75}, /* strong: items that stretch */
    {"B", 0.4, 0.60, 0.85},
    {"C", 0.0, 0.70, 0.92}, /* struggling: items they can succeed at, to build up */
};

static double round4(double v) { return round(v * 10000) / 10000; }

typedef struct pt {
    int64_t id;
    double prior, guess, slip;
    int chosen;
    json_t *ref;
} pt;

static int step_all(sh_stmt *s, sh_err *err, int (*fn)(void *ctx, sh_stmt *s), void *ctx) {
    int rc;
    while ((rc = sh_step(s, err)) == SH_ROW)
        if (fn(ctx, s) != SH_OK) {
            rc = sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
            break;
        }
    sh_stmt_done(s);
    return rc == SH_DONE ? SH_OK : SH_ERR;
}

static sh_stmt *prepare_class(sh_conn *c, const char *sql, int64_t class_id, int64_t school, sh_err *err) {
    sh_stmt *s = sh_prepare(c, sql, err);
    if (s) {
        sh_bind_i64(s, 1, class_id);
        sh_bind_i64(s, 2, school);
    }
    return s;
}

typedef struct ctx {
    json_t *students, *state, *edges, *items,
        *points; /* state: "student:point" → p; edges: point → [prereq] */
} ctx;

static int on_student(void *arg, sh_stmt *s) {
    ctx *x = arg;
    json_t *o = json_pack("{sIssss}", "_key", (json_int_t)sh_col_i64(s, 0), "id", sh_col_text(s, 1), "name",
                          sh_col_text(s, 2));
    return o && json_array_append_new(x->students, o) == 0 ? SH_OK : SH_ERR;
}

static int on_state(void *arg, sh_stmt *s) {
    ctx *x = arg;
    char key[48];
    snprintf(key, sizeof key, "%lld:%lld", (long long)sh_col_i64(s, 0), (long long)sh_col_i64(s, 1));
    return json_object_set_new(x->state, key, json_real(sh_col_double(s, 2))) == 0 ? SH_OK : SH_ERR;
}

static int on_point(void *arg, sh_stmt *s) {
    ctx *x = arg;
    json_t *o = json_pack("{sIsssssssfsfsfsfsb}", "_key", (json_int_t)sh_col_i64(s, 0), "id",
                          sh_col_text(s, 1), "code", sh_col_text(s, 2), "name", sh_col_text(s, 3), "prior",
                          sh_col_double(s, 4), "learn", sh_col_double(s, 5), "guess", sh_col_double(s, 6),
                          "slip", sh_col_double(s, 7), "chosen", (int)sh_col_i64(s, 8));
    return o && json_array_append_new(x->points, o) == 0 ? SH_OK : SH_ERR;
}

static int on_edge(void *arg, sh_stmt *s) {
    ctx *x = arg;
    char key[24];
    snprintf(key, sizeof key, "%lld", (long long)sh_col_i64(s, 0));
    json_t *list = json_object_get(x->edges, key);
    if (!list)
        json_object_set_new(x->edges, key, list = json_array());
    return json_array_append_new(list, json_integer(sh_col_i64(s, 1))) == 0 ? SH_OK : SH_ERR;
}

static int on_item(void *arg, sh_stmt *s) {
    ctx *x = arg;
    char key[24];
    snprintf(key, sizeof key, "%lld", (long long)sh_col_i64(s, 0));
    json_t *list = json_object_get(x->items, key);
    if (!list)
        json_object_set_new(x->items, key, list = json_array());
    json_t *o = json_pack("{ssssss}", "item", sh_col_text(s, 1), "version", sh_col_text(s, 2), "stem",
                          sh_col_text(s, 3));
    return o && json_array_append_new(list, o) == 0 ? SH_OK : SH_ERR;
}

static json_t *point_of(ctx *x, int64_t key) {
    size_t i;
    json_t *p;
    json_array_foreach(x->points, i, p) if (json_integer_value(json_object_get(p, "_key")) == key) return p;
    return NULL;
}

static double known(ctx *x, int64_t student, json_t *p) {
    char key[48];
    snprintf(key, sizeof key, "%lld:%lld", (long long)student,
             (long long)json_integer_value(json_object_get(p, "_key")));
    json_t *v = json_object_get(x->state, key);
    return v ? json_real_value(v) : json_real_value(json_object_get(p, "prior"));
}

/* Add up to the tier's share of items on point p (skipping items already chosen). */
static void suggest(ctx *x, json_t *out, json_t *p, double pk, const sh_mastery_band *b, const char *why) {
    char key[24];
    snprintf(key, sizeof key, "%lld", (long long)json_integer_value(json_object_get(p, "_key")));
    double g = json_real_value(json_object_get(p, "guess")), s = json_real_value(json_object_get(p, "slip"));
    double predicted = pk * (1 - s) + (1 - pk) * g;
    if (predicted < b->lo || predicted > b->hi)
        return;
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(x->items, key), i, it) {
        if (json_array_size(out) >= SH_MASTERY_TIER_ITEMS)
            return;
        int taken = 0;
        size_t j;
        json_t *o;
        json_array_foreach(out, j, o) taken |=
            json_equal(json_object_get(o, "item"), json_object_get(it, "item"));
        if (taken)
            continue;
        json_t *ref = json_pack("{sOsOsO}", "id", json_object_get(p, "id"), "code",
                                json_object_get(p, "code"), "name", json_object_get(p, "name"));
        json_array_append_new(out,
                              json_pack("{sOsOsOsosfss}", "item", json_object_get(it, "item"), "version",
                                        json_object_get(it, "version"), "stem", json_object_get(it, "stem"),
                                        "point", ref, "predicted", round4(predicted), "reason", why));
        return; /* one item per point, so the suggestions spread over the points */
    }
}

static json_t *student_tier(ctx *x, json_t *st) {
    int64_t sid = json_integer_value(json_object_get(st, "_key"));
    double sum = 0;
    int n = 0;
    size_t i;
    json_t *p;
    json_array_foreach(x->points, i, p) if (json_is_true(json_object_get(p, "chosen"))) sum +=
        known(x, sid, p),
        n++;
    double mean = n ? sum / n : 0;
    const sh_mastery_band *b = &sh_mastery_bands[2];
    for (int k = 0; k < 3; k++)
        if (mean >= sh_mastery_bands[k].from) {
            b = &sh_mastery_bands[k];
            break;
        }
    json_t *items = json_array();
    /* prerequisites of weak chosen points first, then the weak points, then the other chosen points */
    for (int pass = 0; pass < 3; pass++)
        json_array_foreach(x->points, i, p) {
            if (!json_is_true(json_object_get(p, "chosen")))
                continue;
            double pk = known(x, sid, p);
            int weak = pk < SH_MASTERY_MASTERED;
            if (pass == 0 && weak) {
                char key[24];
                snprintf(key, sizeof key, "%lld", (long long)json_integer_value(json_object_get(p, "_key")));
                size_t j;
                json_t *pre;
                json_array_foreach(json_object_get(x->edges, key), j, pre) {
                    json_t *pp = point_of(x, json_integer_value(pre));
                    double ppk = pp ? known(x, sid, pp) : 1;
                    if (pp && ppk < SH_MASTERY_MASTERED)
                        suggest(x, items, pp, ppk, b, "先修知识点未掌握");
                }
            } else if ((pass == 1 && weak) || (pass == 2 && !weak))
                suggest(x, items, p, pk, b, weak ? "薄弱知识点" : "巩固提高");
        }
    json_t *o = json_pack("{sOsOsssf}", "id", json_object_get(st, "id"), "name", json_object_get(st, "name"),
                          "tier", b->tier, "mean", round4(mean));
    json_object_set_new(o, "items", items);
    return o;
}

/* sql_fmt with the point subquery written in, prepared, the points bound as $1
 * (and for POINTS_SQL the default parameters as $2–$5). */
static sh_stmt *prepare_points(sh_conn *c, const char *sql_fmt, const char *points_json, sh_err *err) {
    char ids[128], sql[2048];
    sh_sql_json_ids(c, 1, ids, sizeof ids);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    snprintf(sql, sizeof sql, sql_fmt, ids);
#pragma GCC diagnostic pop
    sh_stmt *s = sh_prepare(c, sql, err);
    if (s) {
        sh_bind_text(s, 1, points_json, -1);
        if (sql_fmt == POINTS_SQL) {
            sh_bind_double(s, 2, sh_mastery_defaults.prior);
            sh_bind_double(s, 3, sh_mastery_defaults.learn);
            sh_bind_double(s, 4, sh_mastery_defaults.guess);
            sh_bind_double(s, 5, sh_mastery_defaults.slip);
        }
    }
    return s;
}

int sh_mastery_tiers(sh_conn *c, int64_t class_id, int64_t school, const char *points_json, json_t **out,
                     sh_err *err) {
    ctx x = {json_array(), json_object(), json_object(), json_object(), json_array()};
    int rc = step_all(prepare_class(c, STUDENTS_SQL, class_id, school, err), err, on_student, &x);
    if (rc == SH_OK)
        rc = step_all(prepare_class(c, STATES_SQL, class_id, school, err), err, on_state, &x);
    if (rc == SH_OK)
        rc = step_all(prepare_points(c, POINTS_SQL, points_json, err), err, on_point, &x);
    if (rc == SH_OK)
        rc = step_all(prepare_points(c, EDGES_SQL, points_json, err), err, on_edge, &x);
    if (rc == SH_OK)
        rc = step_all(prepare_points(c, ITEMS_SQL, points_json, err), err, on_item, &x);
    if (rc == SH_OK) {
        json_t *r = json_object(), *students = json_array(), *bands = json_object();
        for (size_t i = 0; i < json_array_size(x.students); i++)
            json_array_append_new(students, student_tier(&x, json_array_get(x.students, i)));
        for (int k = 0; k < 3; k++)
            json_object_set_new(bands, sh_mastery_bands[k].tier,
                                json_pack("{sfsfsf}", "from_mean", sh_mastery_bands[k].from, "predicted_min",
                                          sh_mastery_bands[k].lo, "predicted_max", sh_mastery_bands[k].hi));
        json_object_set_new(r, "bands", bands);
        json_object_set_new(r, "students", students);
        *out = r;
    }
    json_decref(x.students);
    json_decref(x.state);
    json_decref(x.edges);
    json_decref(x.items);
    json_decref(x.points);
    return rc;
}
