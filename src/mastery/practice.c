/* practice.c — the next best item of a student's practice (自主练习,
 * docs/teaching.md §Practice): over the chosen points (or the default scope:
 * the points of the subject the student has met or their class's tasks
 * cover; the whole subject when there are none, all are mastered or they
 * have no item left), the points in the order of plan.c (prerequisites not
 * mastered first, then the weak points, then the mastered ones) and the
 * published objective item whose Elo prediction of a right answer, σ(θ − d),
 * is nearest the middle of the band of the student's tier: an item inside the
 * band first, then the earlier pass, then the nearer to the middle; ties go
 * to the point met first in the walk, then the older item. Items of the
 * student's last SH_MASTERY_PRACTICE_RECENT practice answers are left out.
 * Reads the graph, item, assign and mastery tables; writes nothing. */
#include "mastery/module.h"

#include "core/buf.h"

#include <math.h>
#include <stdio.h>

/* The default scope: each point of the subject the student has a state on or
 * that the class's tasks (not practice) cover, with the state's P(known). */
static const char MET_SQL[] =
    "SELECT p.id, ms.p_known FROM kg_point p LEFT JOIN mastery_state ms ON ms.point_id = p.id"
    " AND ms.student_id = $1 AND ms.school_id = $2 WHERE p.subject = $3 AND (ms.id IS NOT NULL OR p.id IN"
    " (SELECT k.point_id FROM assign_task t JOIN assign_task_item ti ON ti.task_id = t.id"
    " AND ti.school_id = t.school_id JOIN item_kp k ON k.version_id = ti.item_version_id"
    " WHERE t.class_id = $4 AND t.school_id = $2 AND t.subject = $3 AND t.status <> 'draft'"
    " AND t.kind <> 'practice')) ORDER BY p.id";

static const char SUBJECT_SQL[] = "SELECT id FROM kg_point WHERE subject = $1 ORDER BY id";

static const char STATES_SQL[] =
    "SELECT point_id, p_known, ability FROM mastery_state WHERE student_id = $2 AND school_id = $3"
    " AND (point_id IN (%1$s) OR point_id IN " SH_MASTERY_SCOPE_POINTS ")";

/* Published objective items whose main point is in scope, without the items
 * of the student's last $4 practice answers, with their Elo difficulty (or
 * the bank's 1–5 when none yet). */
static const char ITEMS_SQL[] =
    "SELECT k.point_id, iv.id, mi.difficulty, iv.difficulty FROM item i JOIN item_version iv"
    " ON iv.item_id = i.id AND iv.no = i.published AND iv.status = 'published'"
    " JOIN item_kp k ON k.version_id = iv.id AND k.ordinal = 1 LEFT JOIN mastery_item mi ON mi.item_id = i.id"
    " WHERE i.published > 0 AND iv.type <> 'subjective' AND (k.point_id IN (%1$s) OR k.point_id IN " SH_MASTERY_SCOPE_POINTS
    ") AND i.id NOT IN (SELECT v.item_id FROM assign_answer a"
    " JOIN assign_task_item ti ON ti.id = a.task_item_id AND ti.school_id = a.school_id"
    " JOIN assign_task t ON t.id = ti.task_id AND t.school_id = ti.school_id"
    " JOIN item_version v ON v.id = a.item_version_id WHERE ti.student_id = $2 AND a.school_id = $3"
    " AND t.kind = 'practice' ORDER BY a.answered_at DESC, a.id DESC LIMIT $4) ORDER BY k.point_id, i.id";

typedef struct ctx {
    json_t *points, *edges, *known, *ability,
        *items; /* known, ability: point → P, θ; items: point → [{_v, d}] */
    sh_mastery_pick *best;
} ctx;

static int on_key(void *arg, sh_stmt *s) {
    return sh_buf_printf(arg, "%s%lld", ((sh_buf *)arg)->len > 1 ? "," : "", (long long)sh_col_i64(s, 0));
}

typedef struct met {
    sh_buf *keys;
    int open; /* points not mastered (or never met) */
} met;

static int on_met(void *arg, sh_stmt *s) {
    met *m = arg;
    m->open += sh_col_is_null(s, 1) || sh_col_double(s, 1) < SH_MASTERY_MASTERED;
    return on_key(m->keys, s);
}

static int on_state(void *arg, sh_stmt *s) {
    ctx *x = arg;
    char key[24];
    snprintf(key, sizeof key, "%lld", (long long)sh_col_i64(s, 0));
    return json_object_set_new(x->known, key, json_real(sh_col_double(s, 1))) == 0 &&
                   json_object_set_new(x->ability, key, json_real(sh_col_double(s, 2))) == 0
               ? SH_OK
               : SH_ERR;
}

/* items[point] += {_v: version, d: Elo difficulty} */
static int on_item(void *arg, sh_stmt *s) {
    ctx *x = arg;
    return sh_mastery_group_add(
        x->items, sh_col_i64(s, 0),
        json_pack("{sIsf}", "_v", (json_int_t)sh_col_i64(s, 1), "d", sh_mastery_item_difficulty(s, 2, 3)));
}

/* The default scope into keys ("[3,7]"): the points met, unless whole (or
 * none is open: nothing met, or all of it mastered), the whole subject;
 * *whole says which. */
static int default_scope(sh_conn *c, int64_t student, int64_t school, int64_t klass, const char *subject,
                         int *whole, sh_buf *keys, sh_err *err) {
    met m = {keys, 0};
    sh_buf_reset(keys);
    sh_buf_putc(keys, '[');
    sh_stmt *s;
    if (!*whole) {
        s = sh_prepare(c, MET_SQL, err);
        if (s) {
            sh_bind_i64(s, 1, student);
            sh_bind_i64(s, 2, school);
            sh_bind_text(s, 3, subject, -1);
            sh_bind_i64(s, 4, klass);
        }
        if (sh_mastery_each_row(s, err, on_met, &m) != SH_OK)
            return SH_ERR;
    }
    if (!m.open) {
        *whole = 1;
        sh_buf_reset(keys);
        sh_buf_putc(keys, '[');
        s = sh_prepare(c, SUBJECT_SQL, err);
        if (s)
            sh_bind_text(s, 1, subject, -1);
        if (sh_mastery_each_row(s, err, on_key, keys) != SH_OK)
            return SH_ERR;
    }
    sh_buf_putc(keys, ']');
    return sh_buf_ok(keys) == SH_OK ? SH_OK : sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
}

/* The point's item nearest the middle of the band, when better than the best
 * so far: inside the band, then an earlier pass, then nearer the target (a
 * later visit only wins by being strictly nearer). */
static void consider(void *arg, const sh_mastery_band *b, json_t *p, double pk, int pass, const char *why) {
    ctx *x = arg;
    sh_mastery_pick *best = x->best;
    double predicted = 0;
    json_t *it = sh_mastery_best_item(sh_mastery_of_point(x->items, p), sh_mastery_ability(x->ability, p), b,
                                      NULL, &predicted);
    if (!it)
        return;
    double target = (b->lo + b->hi) / 2, gap = fabs(predicted - target);
    int in_band = sh_mastery_in_band(b, predicted);
    if (best->version && (in_band < best->in_band ||
                          (in_band == best->in_band &&
                           (pass > best->pass ||
                            (pass == best->pass && !(gap < fabs(best->predicted - best->target) - 1e-12))))))
        return;
    *best = (sh_mastery_pick){.version = json_integer_value(json_object_get(it, "_v")),
                              .point = sh_mastery_point_key(p),
                              .p_known = pk,
                              .predicted = predicted,
                              .target = target,
                              .lo = b->lo,
                              .hi = b->hi,
                              .tier = b->tier,
                              .why = why,
                              .pass = pass,
                              .in_band = in_band};
}

/* The pick over the points whose keys are points_json. */
static int choose(sh_conn *c, int64_t student, int64_t school, const char *points_json, sh_mastery_pick *out,
                  sh_err *err) {
    *out = (sh_mastery_pick){.why = NULL};
    ctx x = {json_array(), json_object(), json_object(), json_object(), json_object(), out};
    int rc = sh_mastery_scope_load(c, points_json, x.points, x.edges, err);
    sh_stmt *s = NULL;
    if (rc == SH_OK && (s = sh_mastery_prepare_scope(c, STATES_SQL, points_json, err)) != NULL) {
        sh_bind_i64(s, 2, student);
        sh_bind_i64(s, 3, school);
    }
    if (rc == SH_OK)
        rc = sh_mastery_each_row(s, err, on_state, &x);
    if (rc == SH_OK && (s = sh_mastery_prepare_scope(c, ITEMS_SQL, points_json, err)) != NULL) {
        sh_bind_i64(s, 2, student);
        sh_bind_i64(s, 3, school);
        sh_bind_i64(s, 4, SH_MASTERY_PRACTICE_RECENT);
    }
    if (rc == SH_OK)
        rc = sh_mastery_each_row(s, err, on_item, &x);
    if (rc == SH_OK) {
        double mean;
        const sh_mastery_band *b = sh_mastery_walk(x.points, x.edges, x.known, consider, &x, &mean);
        out->mean = mean;
        if (!out->version) {
            out->tier = b->tier;
            out->why = !json_array_size(x.points)
                           ? "还没有可以练习的知识点"
                           : "这些知识点暂时没有可以练习的客观题（最近练过的题不会马上重复）";
        }
    }
    json_decref(x.points);
    json_decref(x.edges);
    json_decref(x.known);
    json_decref(x.ability);
    json_decref(x.items);
    return rc;
}

int sh_mastery_practice_next(sh_conn *c, int64_t student, int64_t school, int64_t klass, const char *subject,
                             const char *points_json, sh_mastery_pick *out, sh_err *err) {
    if (points_json)
        return choose(c, student, school, points_json, out, err);
    /* the default scope; when it has nothing left to offer, the whole subject */
    sh_buf keys;
    sh_buf_init(&keys, (size_t)64 * 1024);
    int whole = 0, rc = default_scope(c, student, school, klass, subject, &whole, &keys, err);
    if (rc == SH_OK)
        rc = choose(c, student, school, keys.data, out, err);
    if (rc == SH_OK && !out->version && !whole) {
        whole = 1;
        rc = default_scope(c, student, school, klass, subject, &whole, &keys, err);
        if (rc == SH_OK)
            rc = choose(c, student, school, keys.data, out, err);
    }
    sh_buf_free(&keys);
    return rc;
}

json_t *sh_mastery_answer_moves(sh_conn *c, int64_t answer, int64_t school, sh_err *err) {
    sh_stmt *s = sh_prepare(
        c,
        "SELECT p.uid, p.code, p.name, ev.p_known, (SELECT e2.p_known FROM mastery_event e2"
        " WHERE e2.student_id = ev.student_id AND e2.point_id = ev.point_id AND e2.school_id = ev.school_id"
        " AND e2.id < ev.id ORDER BY e2.id DESC LIMIT 1), COALESCE(mp.prior, $3) FROM mastery_event ev"
        " JOIN assign_answer a ON a.id = ev.answer_id AND a.school_id = ev.school_id"
        " JOIN item_kp k ON k.version_id = a.item_version_id AND k.point_id = ev.point_id"
        " JOIN kg_point p ON p.id = ev.point_id LEFT JOIN mastery_param mp ON mp.point_id = ev.point_id"
        " WHERE ev.answer_id = $1 AND ev.school_id = $2 ORDER BY k.ordinal",
        err);
    if (!s)
        return NULL;
    sh_bind_i64(s, 1, answer);
    sh_bind_i64(s, 2, school);
    sh_bind_double(s, 3, sh_mastery_defaults.prior);
    json_t *list = json_array();
    int rc;
    while ((rc = sh_step(s, err)) == SH_ROW) {
        double before = sh_col_is_null(s, 4) ? sh_col_double(s, 5) : sh_col_double(s, 4);
        json_array_append_new(list, json_pack("{s:{s:s,s:s,s:s},s:f,s:f}", "point", "id", sh_col_text(s, 0),
                                              "code", sh_col_text(s, 1), "name", sh_col_text(s, 2), "before",
                                              round(before * 10000) / 10000, "after",
                                              round(sh_col_double(s, 3) * 10000) / 10000));
    }
    sh_stmt_done(s);
    if (rc != SH_DONE) {
        json_decref(list);
        return NULL;
    }
    return list;
}
