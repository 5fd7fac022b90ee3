/* observe.c — keeping mastery up to date from graded submissions
 * (sh_mastery_submission): every graded answer not yet counted moves the
 * student's P(known) of each knowledge point of its item by one BKT step
 * (kt_bkt_step) and the Elo ability / item difficulty (kt_elo_update), leaves
 * one mastery_event row per (answer, point) and upserts mastery_state; a
 * diagnostic task then re-seeds its students from DINA (diagnose.c). Reads the
 * assign, item and mastery tables with one query; writes mastery tables only. */
#include "mastery/module.h"

#include "core/buf.h"
#include "core/clock.h"
#include "core/uid.h"
#include "kt/kt.h"

#include <string.h>

const kt_bkt sh_mastery_defaults = {.prior = 0.3, .learn = 0.15, .forget = 0, .guess = 0.2, .slip = 0.1};
const kt_elo sh_mastery_elo = {.alpha = 1, .beta = 0.05};

int sh_mastery_correct(const char *verdict, int64_t score, int64_t max_score) {
    if (strcmp(verdict, "right") == 0)
        return 1;
    if (strcmp(verdict, "scored") == 0)
        return max_score > 0 && score * 5 >= max_score * 3; /* at least 60 % of the item's score */
    return 0;
}

double sh_mastery_elo_start(int difficulty) { return (difficulty - 3) * 0.5; }

double sh_mastery_item_difficulty(sh_stmt *s, int elo, int bank) {
    return sh_col_is_null(s, elo) ? sh_mastery_elo_start((int)sh_col_i64(s, bank)) : sh_col_double(s, elo);
}

/* The answers of the submission not yet counted, one row per (answer, point),
 * with what the update needs: the point's parameters, the student's state and
 * the item's Elo difficulty (NULL when none yet). */
static const char UNCOUNTED_SQL[] =
    "SELECT a.id, k.point_id, iv.item_id, a.verdict, COALESCE(a.score, 0), ti.score, a.answered_at,"
    " COALESCE(p.prior, $4), COALESCE(p.learn, $5), COALESCE(p.forget, $6), COALESCE(p.guess, $7),"
    " COALESCE(p.slip, $8), s.p_known, COALESCE(s.ability, 0), COALESCE(s.answers, 0), COALESCE(s.rights, 0),"
    " mi.difficulty, COALESCE(mi.answers, 0), iv.difficulty"
    " FROM assign_answer a"
    " JOIN assign_task_item ti ON ti.id = a.task_item_id AND ti.school_id = a.school_id"
    " JOIN item_version iv ON iv.id = a.item_version_id"
    " JOIN item_kp k ON k.version_id = a.item_version_id"
    " LEFT JOIN mastery_param p ON p.point_id = k.point_id"
    " LEFT JOIN mastery_state s ON s.student_id = $3 AND s.point_id = k.point_id AND s.school_id = $2"
    " LEFT JOIN mastery_item mi ON mi.item_id = iv.item_id"
    " WHERE a.submission_id = $1 AND a.school_id = $2 AND a.verdict IN ('right', 'wrong', 'scored')"
    " AND NOT EXISTS (SELECT 1 FROM mastery_event e WHERE e.answer_id = a.id AND e.point_id = k.point_id)"
    " ORDER BY a.answered_at, a.id, k.ordinal";

static const char EVENT_SQL[] =
    "INSERT INTO mastery_event (school_id, student_id, point_id, answer_id, kind, correct, p_correct, p_known, at)"
    " VALUES ($1, $2, $3, $4, 'answer', $5, $6, $7, $8)";

static const char STATE_SQL[] =
    "INSERT INTO mastery_state (uid, school_id, student_id, point_id, p_known, answers, rights, source, ability,"
    " version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $10)"
    " ON CONFLICT (student_id, point_id) DO UPDATE SET p_known = excluded.p_known, answers = excluded.answers,"
    " rights = excluded.rights, source = excluded.source, ability = excluded.ability,"
    " version = mastery_state.version + 1, updated_at = excluded.updated_at";

static const char ITEM_SQL[] =
    "INSERT INTO mastery_item (uid, item_id, difficulty, answers, version, created_at, updated_at)"
    " VALUES ($1, $2, $3, $4, 1, $5, $5) ON CONFLICT (item_id) DO UPDATE SET difficulty = excluded.difficulty,"
    " answers = excluded.answers, version = mastery_item.version + 1, updated_at = excluded.updated_at";

typedef struct point_state {
    int64_t point;
    double p_known, ability;
    int answers, rights;
} point_state;

typedef struct item_state {
    int64_t item;
    double difficulty;
    int answers;
} item_state;

typedef struct tally {
    sh_buf points, items; /* point_state[], item_state[] */
} tally;

/* The entry of key in an array of structs kept in b whose first member is an
 * int64_t key; a new zeroed one when absent (*fresh set), NULL when out of memory. */
static void *entry(sh_buf *b, size_t size, int64_t key, int *fresh) {
    for (size_t off = 0; off < b->len; off += size)
        if (*(const int64_t *)(b->data + off) == key)
            return *fresh = 0, b->data + off;
    char zero[sizeof(point_state) > sizeof(item_state) ? sizeof(point_state) : sizeof(item_state)] = {0};
    if (sh_buf_append(b, zero, size) != SH_OK)
        return NULL;
    *fresh = 1;
    void *e = b->data + b->len - size;
    *(int64_t *)e = key;
    return e;
}

static point_state *find_point(tally *t, int64_t point, sh_stmt *s) {
    int fresh;
    point_state *p = entry(&t->points, sizeof *p, point, &fresh);
    if (p && fresh) {
        p->p_known = sh_col_is_null(s, 12) ? sh_col_double(s, 7) : sh_col_double(s, 12);
        p->ability = sh_col_double(s, 13);
        p->answers = (int)sh_col_i64(s, 14);
        p->rights = (int)sh_col_i64(s, 15);
    }
    return p;
}

static item_state *find_item(tally *t, int64_t item, sh_stmt *s) {
    int fresh;
    item_state *it = entry(&t->items, sizeof *it, item, &fresh);
    if (it && fresh) {
        it->difficulty = sh_mastery_item_difficulty(s, 16, 18);
        it->answers = (int)sh_col_i64(s, 17);
    }
    return it;
}

/* Step every uncounted (answer, point) row and write its event. */
static int count_answers(sh_conn *c, const sh_mastery_sub *sub, tally *t, sh_err *err) {
    sh_stmt *s = sh_prepare(c, UNCOUNTED_SQL, err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, sub->id);
    sh_bind_i64(s, 2, sub->school);
    sh_bind_i64(s, 3, sub->student);
    sh_bind_double(s, 4, sh_mastery_defaults.prior);
    sh_bind_double(s, 5, sh_mastery_defaults.learn);
    sh_bind_double(s, 6, sh_mastery_defaults.forget);
    sh_bind_double(s, 7, sh_mastery_defaults.guess);
    sh_bind_double(s, 8, sh_mastery_defaults.slip);
    sh_stmt *ev = sh_prepare(c, EVENT_SQL, err);
    if (!ev) {
        sh_stmt_done(s);
        return SH_ERR;
    }
    int rc;
    int64_t last_answer = 0;
    while ((rc = sh_step(s, err)) == SH_ROW) {
        int64_t answer = sh_col_i64(s, 0);
        int correct = sh_mastery_correct(sh_col_text(s, 3), sh_col_i64(s, 4), sh_col_i64(s, 5));
        point_state *p = find_point(t, sh_col_i64(s, 1), s);
        item_state *it = find_item(t, sh_col_i64(s, 2), s);
        if (!p || !it) {
            rc = sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
            break;
        }
        double g = sh_col_double(s, 10), sl = sh_col_double(s, 11);
        double predicted = p->p_known * (1 - sl) + (1 - p->p_known) * g;
        p->p_known = kt_bkt_step(p->p_known, sh_col_double(s, 8), sh_col_double(s, 9), g, sl, correct);
        p->rights += correct;
        /* Elo: the ability of each point moves; the item's difficulty moves once
         * per answer (with its first point), so a two-point item is not counted twice */
        double difficulty = it->difficulty;
        int n_item = it->answers;
        kt_elo_update(&sh_mastery_elo, &p->ability, &p->answers, &difficulty, &n_item, correct);
        if (answer != last_answer)
            it->difficulty = difficulty, it->answers = n_item;
        last_answer = answer;
        sh_stmt_reset(ev);
        sh_bind_i64(ev, 1, sub->school);
        sh_bind_i64(ev, 2, sub->student);
        sh_bind_i64(ev, 3, p->point);
        sh_bind_i64(ev, 4, answer);
        sh_bind_i64(ev, 5, correct);
        sh_bind_double(ev, 6, predicted);
        sh_bind_double(ev, 7, p->p_known);
        sh_bind_i64(ev, 8, sh_col_i64(s, 6));
        if (sh_step(ev, err) != SH_DONE) {
            rc = SH_ERR;
            break;
        }
    }
    sh_stmt_done(ev);
    sh_stmt_done(s);
    return rc == SH_DONE ? SH_OK : SH_ERR;
}

/* Write the states and item difficulties the answers moved. */
static int save(sh_conn *c, const sh_mastery_sub *sub, const tally *t, sh_err *err) {
    int64_t now = sh_now_ms();
    char uid[SH_UID_LEN + 1];
    sh_stmt *s = sh_prepare(c, STATE_SQL, err);
    if (!s)
        return SH_ERR;
    int rc = SH_OK;
    const point_state *points = (const point_state *)t->points.data;
    size_t npoints = t->points.len / sizeof *points;
    for (size_t i = 0; i < npoints && rc == SH_OK; i++) {
        const point_state *p = &points[i];
        sh_stmt_reset(s);
        sh_new_uid(uid);
        sh_bind_text(s, 1, uid, -1);
        sh_bind_i64(s, 2, sub->school);
        sh_bind_i64(s, 3, sub->student);
        sh_bind_i64(s, 4, p->point);
        sh_bind_double(s, 5, p->p_known);
        sh_bind_i64(s, 6, p->answers);
        sh_bind_i64(s, 7, p->rights);
        sh_bind_text(s, 8, sub->diagnostic ? "diagnostic" : "bkt", -1);
        sh_bind_double(s, 9, p->ability);
        sh_bind_i64(s, 10, now);
        rc = sh_step(s, err) == SH_DONE ? SH_OK : SH_ERR;
    }
    sh_stmt_done(s);
    if (rc != SH_OK || !(s = sh_prepare(c, ITEM_SQL, err)))
        return SH_ERR;
    const item_state *items = (const item_state *)t->items.data;
    size_t nitems = t->items.len / sizeof *items;
    for (size_t i = 0; i < nitems && rc == SH_OK; i++) {
        sh_stmt_reset(s);
        sh_new_uid(uid);
        sh_bind_text(s, 1, uid, -1);
        sh_bind_i64(s, 2, items[i].item);
        sh_bind_double(s, 3, items[i].difficulty);
        sh_bind_i64(s, 4, items[i].answers);
        sh_bind_i64(s, 5, now);
        rc = sh_step(s, err) == SH_DONE ? SH_OK : SH_ERR;
    }
    sh_stmt_done(s);
    return rc;
}

static int load_submission(sh_conn *c, int64_t submission, sh_mastery_sub *out, sh_err *err) {
    sh_stmt *s =
        sh_prepare(c,
                   "SELECT sub.school_id, sub.student_id, sub.task_id, t.kind FROM assign_submission sub"
                   " JOIN assign_task t ON t.id = sub.task_id AND t.school_id = sub.school_id"
                   " WHERE sub.id = $1",
                   err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, submission);
    int rc = sh_step(s, err);
    if (rc == SH_ROW) {
        out->id = submission;
        out->school = sh_col_i64(s, 0);
        out->student = sh_col_i64(s, 1);
        out->task = sh_col_i64(s, 2);
        out->diagnostic = strcmp(sh_col_text(s, 3), "diagnostic") == 0;
    }
    sh_stmt_done(s);
    if (rc == SH_DONE)
        return sh_err_set(err, 404, "not_found", NULL, "作答记录不存在");
    return rc == SH_ROW ? SH_OK : SH_ERR;
}

int sh_mastery_submission(sh_conn *c, int64_t submission, sh_err *err) {
    sh_mastery_sub sub = {0};
    if (load_submission(c, submission, &sub, err) != SH_OK)
        return SH_ERR;
    tally t;
    sh_buf_init(&t.points, 0);
    sh_buf_init(&t.items, 0);
    int rc = count_answers(c, &sub, &t, err);
    if (rc == SH_OK)
        rc = save(c, &sub, &t, err);
    sh_buf_free(&t.points);
    sh_buf_free(&t.items);
    if (rc == SH_OK && sub.diagnostic)
        rc = sh_mastery_diagnose(c, &sub, err);
    return rc;
}
