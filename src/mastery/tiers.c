/* tiers.c — tiered homework suggestions (分层作业, docs/teaching.md §Tiers):
 * per student of a class a tier from the mean P(known) over the chosen points
 * (A ≥ 0.7, B ≥ 0.4, else C) and up to SH_MASTERY_TIER_ITEMS published items
 * on the student's weak points and their prerequisites not mastered
 * (prerequisites first), one per point visited: the point's item whose Elo
 * prediction of a right answer, σ(θ − d), is nearest the middle of the tier's
 * band, when it lies inside the band. A student none of whose points has an
 * item inside the band gets, in the same order, each point's item nearest
 * the band (one per point), marked in_band false. The order of the points
 * and the choice of a point's item are plan.c's, shared with the practice.
 * Five queries whatever the class size. Reads the roster, graph, item and
 * mastery tables; writes nothing. */
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
    "SELECT ms.student_id, ms.point_id, ms.p_known, ms.ability FROM mastery_state ms JOIN enrollment en"
    " ON en.student_id = ms.student_id AND en.school_id = ms.school_id AND en.class_id = $1"
    " AND en.exit_date IS NULL WHERE ms.school_id = $2";

/* published items whose main point is in scope (the keys of a JSON array bound
 * as $1, through the store's sh_sql_json_ids subquery written where %1$s
 * stands, or a direct prerequisite of one), with their Elo difficulty (or the
 * bank's 1–5 when none yet) */
static const char ITEMS_SQL[] =
    "SELECT k.point_id, i.code, iv.uid, iv.stem, i.id, mi.difficulty, iv.difficulty FROM item i"
    " JOIN item_version iv ON iv.item_id = i.id AND iv.no = i.published"
    " JOIN item_kp k ON k.version_id = iv.id AND k.ordinal = 1 LEFT JOIN mastery_item mi ON mi.item_id = i.id"
    " WHERE i.published > 0 AND (k.point_id IN (%1$s) OR k.point_id IN " SH_MASTERY_SCOPE_POINTS
    ") ORDER BY k.point_id, i.id";

static double round4(double v) { return round(v * 10000) / 10000; }

static sh_stmt *prepare_class(sh_conn *c, const char *sql, int64_t class_id, int64_t school, sh_err *err) {
    sh_stmt *s = sh_prepare(c, sql, err);
    if (s) {
        sh_bind_i64(s, 1, class_id);
        sh_bind_i64(s, 2, school);
    }
    return s;
}

/* state, ability: student → point → P(known), θ; edges: point → [prereq];
 * items: point → [item]; difficulty: item code → d */
typedef struct ctx {
    json_t *students, *state, *ability, *edges, *items, *points, *difficulty;
} ctx;

static int on_student(void *arg, sh_stmt *s) {
    ctx *x = arg;
    json_t *o = json_pack("{sIssss}", "_key", (json_int_t)sh_col_i64(s, 0), "id", sh_col_text(s, 1), "name",
                          sh_col_text(s, 2));
    return o && json_array_append_new(x->students, o) == 0 ? SH_OK : SH_ERR;
}

/* map[student][point] = v */
static int put(json_t *map, const char *student, const char *point, double v) {
    json_t *of = json_object_get(map, student);
    if (!of)
        json_object_set_new(map, student, of = json_object());
    return json_object_set_new(of, point, json_real(v));
}

static int on_state(void *arg, sh_stmt *s) {
    ctx *x = arg;
    char student[24], point[24];
    snprintf(student, sizeof student, "%lld", (long long)sh_col_i64(s, 0));
    snprintf(point, sizeof point, "%lld", (long long)sh_col_i64(s, 1));
    return put(x->state, student, point, sh_col_double(s, 2)) == 0 &&
                   put(x->ability, student, point, sh_col_double(s, 3)) == 0
               ? SH_OK
               : SH_ERR;
}

static int on_item(void *arg, sh_stmt *s) {
    ctx *x = arg;
    double d = sh_mastery_item_difficulty(s, 5, 6);
    json_t *o = json_pack("{sssssssIsf}", "item", sh_col_text(s, 1), "version", sh_col_text(s, 2), "stem",
                          sh_col_text(s, 3), "_v", (json_int_t)sh_col_i64(s, 4), "d", d);
    return sh_mastery_group_add(x->items, sh_col_i64(s, 0), o) == SH_OK &&
                   json_object_set_new(x->difficulty, sh_col_text(s, 1), json_real(round4(d))) == 0
               ? SH_OK
               : SH_ERR;
}

typedef struct walk {
    ctx *x;
    const json_t *ability;  /* point → θ of the student */
    json_t *out, *fallback; /* the items inside the band; each visited point's nearest the band */
    json_t *taken;          /* item keys of out */
} walk;

/* Append to list the item it of point p (and its key to taken, unless NULL). */
static void add(json_t *list, json_t *taken, const json_t *it, json_t *p, double ability, double predicted,
                int in_band, const char *why) {
    json_t *ref = json_pack("{sOsOsO}", "id", json_object_get(p, "id"), "code", json_object_get(p, "code"),
                            "name", json_object_get(p, "name"));
    json_array_append_new(list,
                          json_pack("{sOsOsOsosfsbsfss}", "item", json_object_get(it, "item"), "version",
                                    json_object_get(it, "version"), "stem", json_object_get(it, "stem"),
                                    "point", ref, "predicted", round4(predicted), "in_band", in_band,
                                    "ability", round4(ability), "reason", why));
    if (taken)
        json_array_append(taken, json_object_get(it, "_v"));
}

/* The point's item nearest the middle of the band not suggested yet: into
 * the suggestions when inside the band (a point visited twice gives its next
 * item); and a point's first item into the fallback (a sh_mastery_visit). */
static void suggest(void *arg, const sh_mastery_band *b, json_t *p, double pk, int pass, const char *why) {
    (void)pk, (void)pass;
    walk *w = arg;
    json_t *items = sh_mastery_of_point(w->x->items, p);
    double ability = sh_mastery_ability(w->ability, p), predicted = 0;
    const json_t *it;
    if (json_array_size(w->out) < SH_MASTERY_TIER_ITEMS &&
        (it = sh_mastery_best_item(items, ability, b, w->taken, &predicted)) &&
        sh_mastery_in_band(b, predicted))
        add(w->out, w->taken, it, p, ability, predicted, 1, why);
    /* the fallback takes one item per point: a point's second item would be harder still */
    size_t i;
    json_t *o;
    json_array_foreach(w->fallback, i, o) if (json_equal(json_object_get(json_object_get(o, "point"), "id"),
                                                         json_object_get(p, "id"))) return;
    if (json_array_size(w->fallback) < SH_MASTERY_TIER_ITEMS &&
        (it = sh_mastery_best_item(items, ability, b, NULL, &predicted)))
        add(w->fallback, NULL, it, p, ability, predicted, sh_mastery_in_band(b, predicted), why);
}

static json_t *student_tier(ctx *x, json_t *st) {
    char key[24];
    snprintf(key, sizeof key, "%lld", (long long)json_integer_value(json_object_get(st, "_key")));
    walk w = {x, json_object_get(x->ability, key), json_array(), json_array(), json_array()};
    double mean;
    const sh_mastery_band *b =
        sh_mastery_walk(x->points, x->edges, json_object_get(x->state, key), suggest, &w, &mean);
    json_t *o = json_pack("{sOsOsssf}", "id", json_object_get(st, "id"), "name", json_object_get(st, "name"),
                          "tier", b->tier, "mean", round4(mean));
    /* nothing inside the band: never leave the student without a suggestion */
    json_object_set(o, "items", json_array_size(w.out) ? w.out : w.fallback);
    json_decref(w.out);
    json_decref(w.fallback);
    json_decref(w.taken);
    return o;
}

int sh_mastery_tiers(sh_conn *c, int64_t class_id, int64_t school, const char *points_json, json_t **out,
                     sh_err *err) {
    ctx x = {json_array(),  json_object(), json_object(), json_object(),
             json_object(), json_array(),  json_object()};
    int rc = sh_mastery_each_row(prepare_class(c, STUDENTS_SQL, class_id, school, err), err, on_student, &x);
    if (rc == SH_OK)
        rc = sh_mastery_each_row(prepare_class(c, STATES_SQL, class_id, school, err), err, on_state, &x);
    if (rc == SH_OK)
        rc = sh_mastery_scope_load(c, points_json, x.points, x.edges, err);
    if (rc == SH_OK)
        rc = sh_mastery_each_row(sh_mastery_prepare_scope(c, ITEMS_SQL, points_json, err), err, on_item, &x);
    if (rc == SH_OK) {
        json_t *r = json_object(), *students = json_array(), *bands = json_object();
        for (size_t i = 0; i < json_array_size(x.students); i++)
            json_array_append_new(students, student_tier(&x, json_array_get(x.students, i)));
        for (int k = 0; k < 3; k++)
            json_object_set_new(bands, sh_mastery_bands[k].tier,
                                json_pack("{sfsfsf}", "from_mean", sh_mastery_bands[k].from, "predicted_min",
                                          sh_mastery_bands[k].lo, "predicted_max", sh_mastery_bands[k].hi));
        json_object_set_new(r, "bands", bands);
        json_object_set(r, "difficulty", x.difficulty);
        json_object_set_new(r, "students", students);
        *out = r;
    }
    json_decref(x.students);
    json_decref(x.state);
    json_decref(x.ability);
    json_decref(x.difficulty);
    json_decref(x.edges);
    json_decref(x.items);
    json_decref(x.points);
    return rc;
}
