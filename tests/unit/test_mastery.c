/* test_mastery.c — the mastery model against hand computation: a small class
 * built by SQL (students, four knowledge points where P2 needs P1, eight
 * single-choice items, a homework and a diagnostic) counted through
 * sh_mastery_submission; every P(known) is recomputed here with the BKT
 * formula; an answer counts once; a diagnostic seeds the starting mastery
 * (the BKT fallback for a small class, DINA for a larger one). */
#include "harness.h"

#include "app.h"
#include "kt/kt.h"
#include "mastery/module.h"

#include <math.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>

#define NPOINTS 4
#define NITEMS 8

/* item i (1-based) needs point item_point[i-1] (and item 8 also point 4) */
static const int item_point[NITEMS] = {1, 1, 2, 2, 3, 3, 4, 3};

/* The chosen option of each student (row) for each item (column); 'A' is right. */
static const char *const picks[6] = {
    "AAAAAAAA", /* S1: all right */
    "ABAAAAAA", /* S2 */
    "BBBBAAAA", /* S3: weak at P1 and P2 */
    "BCBCAABB", /* S4 */
    "AABBABAA", /* S5 */
    "CBBBBBBB", /* S6: all wrong */
};

static int exec(sh_conn *c, const char *sql) {
    sh_err e;
    sh_err_init(&e);
    int rc = sh_exec(c, sql, &e);
    if (rc != SH_OK)
        fprintf(stderr, "    %s\n    %s\n", sql, e.first.message);
    sh_err_clear(&e);
    return rc;
}

static int execf(sh_conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int execf(sh_conn *c, const char *fmt, ...) {
    char sql[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    return exec(c, sql);
}

/* A fresh store with every module's tables, the org tree, the graph and items. */
static sh_app *open_app(const char *name, sh_conn **c) {
    static sh_app app;
    memset(&app, 0, sizeof app);
    sh_app_defaults(&app.cfg);
    app.cfg.data_dir = "data";
    char path[512];
    snprintf(path, sizeof path, "%s/%s", sh_test_tmpdir(), name);
    remove(path);
    sh_err e;
    sh_err_init(&e);
    if (sh_app_init(&app, &e) != SH_OK || sh_app_open_store(&app, path, SH_DB_CREATE, &e) != SH_OK ||
        !(*c = sh_db_acquire(app.db, &e)))
        return NULL;
    int bad =
        exec(*c, "INSERT INTO org_unit (id, uid, kind, name, parent_id, school_id, created_at, updated_at)"
                 " VALUES (1, 'o1', 'city', '市', NULL, NULL, 1, 1), (2, 'o2', 'school', '一中', 1, 2, 1, 1),"
                 " (3, 'o3', 'class', '七年级1班', 2, 2, 1, 1)");
    for (int k = 1; k <= NPOINTS; k++)
        bad |= execf(*c,
                     "INSERT INTO kg_point (id, uid, subject, code, name, edition, grade, semester, chapter,"
                     " ordinal, version, created_at, updated_at) VALUES (%d, 'p%d', '14', 'P%d', '知识点%d',"
                     " '人教版', 7, '上', '第一章', %d, 1, 1, 1)",
                     k, k, k, k, k);
    bad |= exec(*c, "INSERT INTO kg_edge (uid, point_id, prereq_id, version, created_at, updated_at)"
                    " VALUES ('e1', 2, 1, 1, 1, 1)");
    for (int i = 1; i <= NITEMS; i++) {
        bad |= execf(
            *c,
            "INSERT INTO item (id, uid, code, latest, status, published, version, created_at, updated_at)"
            " VALUES (%d, 'i%d', 'I%d', 1, 'published', 1, 1, 1, 1)",
            i, i, i);
        bad |= execf(
            *c,
            "INSERT INTO item_version (id, uid, item_id, no, status, type, difficulty, score, stem,"
            " content, version, created_at, updated_at) VALUES (%d, 'v%d', %d, 1, 'published', 'single',"
            " 3, 5, '题%d', '{\"type\":\"single\",\"stem\":\"题%d\",\"options\":[{\"key\":\"A\","
            "\"text\":\"对\"},{\"key\":\"B\",\"text\":\"错\",\"misconception\":\"误解%dB\"},"
            "{\"key\":\"C\",\"text\":\"错\"}],\"answer\":\"A\",\"score\":5}', 1, 1, 1)",
            i, i, i, i, i, i);
        bad |=
            execf(*c,
                  "INSERT INTO item_kp (uid, version_id, point_id, ordinal, version, created_at, updated_at)"
                  " VALUES ('k%d', %d, %d, 1, 1, 1, 1)",
                  i, i, item_point[i - 1]);
    }
    bad |=
        exec(*c, "INSERT INTO item_kp (uid, version_id, point_id, ordinal, version, created_at, updated_at)"
                 " VALUES ('k8b', 8, 4, 2, 1, 1, 1)");
    return bad ? NULL : &app;
}

/* nstudents students (ids from 1) in class 3. */
static int add_students(sh_conn *c, int nstudents) {
    int bad = 0;
    for (int s = 1; s <= nstudents; s++)
        bad |= execf(
            c,
            "INSERT INTO person (id, uid, name, created_at, updated_at) VALUES (%d, 'pe%d', '学生%d', 1, 1);"
            "INSERT INTO student (id, uid, school_id, person_id, name, status, version, created_at,"
            " updated_at) VALUES (%d, 's%d', 2, %d, '学生%d', '01', 1, 1, 1);"
            "INSERT INTO enrollment (uid, school_id, student_id, class_id, entry_date, version,"
            " created_at, updated_at) VALUES ('en%d', 2, %d, 3, '2026-09-01', 1, 1, 1)",
            s, s, s, s, s, s, s, s, s);
    return bad;
}

/* Task `task` of kind over items first..last, every student's answers from
 * pick(student, item) (0 = no answer), submitted; submission ids task*100 + s. */
static int add_task(sh_conn *c, int task, const char *kind, int first, int last, int nstudents,
                    char (*pick)(int s, int i)) {
    int bad = execf(c,
                    "INSERT INTO assign_task (id, uid, school_id, class_id, subject, kind, title, status,"
                    " version, created_at, updated_at) VALUES (%d, 't%d', 2, 3, '14', '%s', '作业%d',"
                    " 'published', 1, 1, 1)",
                    task, task, kind, task);
    for (int i = first; i <= last; i++)
        bad |= execf(
            c,
            "INSERT INTO assign_task_item (id, uid, school_id, task_id, item_version_id, ordinal, score,"
            " version, created_at, updated_at) VALUES (%d, 'ti%d', 2, %d, %d, %d, 5, 1, 1, 1)",
            task * 100 + i, task * 100 + i, task, i, i);
    for (int s = 1; s <= nstudents; s++) {
        int sub = task * 100 + s;
        bad |= execf(c,
                     "INSERT INTO assign_submission (id, uid, school_id, task_id, student_id, status,"
                     " registration, version, created_at, updated_at) VALUES (%d, 'sub%d', 2, %d, %d,"
                     " 'submitted', 'r%d', 1, 1, 1)",
                     sub, sub, task, s, sub);
        for (int i = first; i <= last; i++) {
            char p = pick(s, i);
            if (p)
                bad |= execf(c,
                             "INSERT INTO assign_answer (uid, school_id, submission_id, task_item_id,"
                             " item_version_id, response, verdict, score, answered_at, version, created_at,"
                             " updated_at) VALUES ('a%d-%d', 2, %d, %d, %d, '\"%c\"', '%s', %d, %d, 1, 1, 1)",
                             sub, i, sub, task * 100 + i, i, p, p == 'A' ? "right" : "wrong",
                             p == 'A' ? 5 : 0, task * 1000 + i);
        }
    }
    return bad;
}

static char homework_pick(int s, int i) { return picks[s - 1][i - 1]; }

static int count_all(sh_conn *c, int task, int nstudents) {
    sh_err e;
    sh_err_init(&e);
    int rc = SH_OK;
    for (int s = 1; s <= nstudents && rc == SH_OK; s++)
        rc = sh_mastery_submission(c, task * 100 + s, &e);
    if (rc != SH_OK)
        fprintf(stderr, "    %s\n", e.first.message);
    sh_err_clear(&e);
    return rc;
}

/* BKT by hand: the posterior given the answer, then the learning transition. */
static double hand_step(double p, int right) {
    const double learn = 0.15, guess = 0.2, slip = 0.1;
    double post = right ? p * (1 - slip) / (p * (1 - slip) + (1 - p) * guess)
                        : p * slip / (p * slip + (1 - p) * (1 - guess));
    return post + (1 - post) * learn;
}

/* The hand value of student s's P(known) of point k after the homework. */
static double hand_known(int s, int k) {
    double p = 0.3;
    for (int i = 1; i <= NITEMS; i++)
        if (item_point[i - 1] == k || (i == 8 && k == 4))
            p = hand_step(p, picks[s - 1][i - 1] == 'A');
    return p;
}

static double query_double(sh_conn *c, const char *fmt, int a, int b) {
    char sql[512];
    snprintf(sql, sizeof sql, fmt, a, b);
    sh_err e;
    sh_err_init(&e);
    sh_stmt *st = sh_prepare(c, sql, &e);
    double v = -1;
    if (st && sh_step(st, &e) == SH_ROW)
        v = sh_col_double(st, 0);
    if (st)
        sh_stmt_done(st);
    sh_err_clear(&e);
    return v;
}

static int64_t query_count(sh_conn *c, const char *sql) {
    int64_t n = -1;
    sh_err e;
    sh_err_init(&e);
    sh_query_i64(c, sql, &n, &e);
    sh_err_clear(&e);
    return n;
}

TEST(mastery_bkt_steps_match_hand_computation) {
    sh_conn *c;
    sh_app *app = open_app("mastery1.db", &c);
    REQUIRE(app);
    REQUIRE(add_students(c, 6) == SH_OK);
    REQUIRE(add_task(c, 1, "homework", 1, NITEMS, 6, homework_pick) == SH_OK);
    REQUIRE(count_all(c, 1, 6) == SH_OK);
    /* one literal check of the formula: S2 on P1 answers right then wrong */
    CHECK(fabs(hand_known(2, 1) - 0.348994) < 1e-6);
    for (int s = 1; s <= 6; s++)
        for (int k = 1; k <= NPOINTS; k++) {
            double got = query_double(
                c, "SELECT p_known FROM mastery_state WHERE student_id = %d AND point_id = %d", s, k);
            if (fabs(got - hand_known(s, k)) > 1e-12)
                fprintf(stderr, "    S%d P%d: %.9f, by hand %.9f\n", s, k, got, hand_known(s, k));
            CHECK(fabs(got - hand_known(s, k)) < 1e-12);
        }
    /* answers and rights counted: S4 on P3 (items 5, 6, 8: A, A, B) */
    CHECK(query_double(
              c, "SELECT answers * 10 + rights FROM mastery_state WHERE student_id = %d AND point_id = %d", 4,
              3) == 32);
    /* 6 students × (8 items + the second point of item 8) events */
    CHECK(query_count(c, "SELECT COUNT(*) FROM mastery_event WHERE kind = 'answer'") == 54);
    /* the event's prediction is P(L)(1 − S) + (1 − P(L))G before the answer: the first answer, P(L) = prior
     */
    CHECK(fabs(query_double(c, "SELECT p_correct FROM mastery_event WHERE student_id = %d AND answer_id = %d",
                            1, 1) -
               (0.3 * 0.9 + 0.7 * 0.2)) < 1e-12);
    /* Elo: item 1 (bank difficulty 3 → 0) saw 4 right and 2 wrong answers and moved */
    CHECK(query_count(c, "SELECT answers FROM mastery_item WHERE item_id = 1") == 6);
    /* counting again changes nothing: an answer counts once */
    double before = query_double(c, "SELECT SUM(p_known) + %d * 0 + %d * 0 FROM mastery_state", 0, 0);
    REQUIRE(count_all(c, 1, 6) == SH_OK);
    CHECK(query_count(c, "SELECT COUNT(*) FROM mastery_event") == 54);
    CHECK(query_double(c, "SELECT SUM(p_known) + %d * 0 + %d * 0 FROM mastery_state", 0, 0) == before);
    CHECK(query_count(c, "SELECT SUM(answers) FROM mastery_state") == 54);
    /* an unknown submission is a clear error */
    sh_err e;
    sh_err_init(&e);
    CHECK(sh_mastery_submission(c, 999999, &e) == SH_ERR && e.status == 404);
    sh_err_clear(&e);
    sh_db_release(c);
    sh_app_close(app);
}

TEST(mastery_scored_answers_count_right_at_sixty_percent) {
    CHECK(sh_mastery_correct("scored", 3, 5) == 1);
    CHECK(sh_mastery_correct("scored", 2, 5) == 0);
    CHECK(sh_mastery_correct("scored", 6, 10) == 1);
    CHECK(sh_mastery_correct("scored", 0, 0) == 0);
    CHECK(sh_mastery_correct("right", 0, 0) == 1);
    CHECK(sh_mastery_correct("wrong", 5, 5) == 0);
}

/* Diagnostic answers: item i right for students whose bit (i − 1) of s is clear. */
static char diag_pick(int s, int i) { return (s >> (i - 1)) & 1 ? 'B' : 'A'; }

TEST(mastery_diagnostic_small_class_seeds_from_bkt) {
    sh_conn *c;
    sh_app *app = open_app("mastery2.db", &c);
    REQUIRE(app);
    REQUIRE(add_students(c, 6) == SH_OK);
    REQUIRE(add_task(c, 2, "diagnostic", 1, 4, 6, diag_pick) == SH_OK);
    REQUIRE(count_all(c, 2, 6) == SH_OK);
    /* 6 students < SH_MASTERY_DINA_MIN: each point's BKT posterior from the prior */
    for (int s = 1; s <= 6; s++) {
        double p1 = hand_step(hand_step(0.3, diag_pick(s, 1) == 'A'), diag_pick(s, 2) == 'A');
        double p2 = hand_step(hand_step(0.3, diag_pick(s, 3) == 'A'), diag_pick(s, 4) == 'A');
        CHECK(fabs(query_double(
                       c, "SELECT p_known FROM mastery_state WHERE student_id = %d AND point_id = %d", s, 1) -
                   p1) < 1e-12);
        CHECK(fabs(query_double(
                       c, "SELECT p_known FROM mastery_state WHERE student_id = %d AND point_id = %d", s, 2) -
                   p2) < 1e-12);
    }
    CHECK(query_count(c, "SELECT COUNT(*) FROM mastery_state WHERE source = 'diagnostic'") == 12);
    /* the seed equals the online value here, so no diagnostic event was needed */
    CHECK(query_count(c, "SELECT COUNT(*) FROM mastery_event WHERE kind = 'answer'") == 24);
    sh_db_release(c);
    sh_app_close(app);
}

TEST(mastery_diagnostic_fits_dina_and_later_answers_win) {
    enum { N = 16 };
    sh_conn *c;
    sh_app *app = open_app("mastery3.db", &c);
    REQUIRE(app);
    REQUIRE(add_students(c, N) == SH_OK);
    REQUIRE(add_task(c, 2, "diagnostic", 1, 4, N, diag_pick) == SH_OK);
    REQUIRE(count_all(c, 2, N) == SH_OK);
    /* the same fit done here: items 1–4, points 1 and 2, answers by diag_pick */
    uint8_t q[8] = {1, 0, 1, 0, 0, 1, 0, 1};
    int8_t x[N * 4];
    for (int s = 1; s <= N; s++)
        for (int i = 1; i <= 4; i++)
            x[(s - 1) * 4 + i - 1] = diag_pick(s, i) == 'A';
    kt_dina m;
    sh_err e;
    sh_err_init(&e);
    REQUIRE(kt_dina_fit(q, 4, 2, x, N, 200, 1e-6, &m, &e) == SH_OK);
    for (int s = 1; s <= N; s++) {
        double want[2];
        REQUIRE(kt_dina_mastery(&m, x + (s - 1) * 4, want) == SH_OK);
        for (int k = 1; k <= 2; k++)
            CHECK(fabs(query_double(
                           c, "SELECT p_known FROM mastery_state WHERE student_id = %d AND point_id = %d", s,
                           k) -
                       want[k - 1]) < 1e-9);
    }
    kt_dina_free(&m);
    CHECK(query_count(c, "SELECT COUNT(*) FROM mastery_event WHERE kind = 'diagnostic' AND student_id = 1") ==
          2);
    /* a homework answer afterwards moves the state on from the seed and it is no longer re-seeded */
    double seeded =
        query_double(c, "SELECT p_known FROM mastery_state WHERE student_id = %d AND point_id = %d", 1, 1);
    REQUIRE(add_task(c, 3, "homework", 1, 1, 1, homework_pick) == SH_OK);
    REQUIRE(count_all(c, 3, 1) == SH_OK);
    CHECK(fabs(query_double(c, "SELECT p_known FROM mastery_state WHERE student_id = %d AND point_id = %d", 1,
                            1) -
               hand_step(seeded, 1)) < 1e-12);
    CHECK(query_count(c, "SELECT COUNT(*) FROM mastery_state WHERE student_id = 1 AND point_id = 1"
                         " AND source = 'bkt'") == 1);
    REQUIRE(count_all(c, 2, 1) == SH_OK);
    CHECK(fabs(query_double(c, "SELECT p_known FROM mastery_state WHERE student_id = %d AND point_id = %d", 1,
                            1) -
               hand_step(seeded, 1)) < 1e-12);
    sh_db_release(c);
    sh_app_close(app);
}

static double class_mean(int k) {
    double sum = 0;
    for (int s = 1; s <= 6; s++)
        sum += hand_known(s, k);
    return sum / 6;
}

static double student_mean(int s) {
    double sum = 0;
    for (int k = 1; k <= NPOINTS; k++)
        sum += hand_known(s, k);
    return sum / NPOINTS;
}

static double num(json_t *v) { return json_is_number(v) ? json_number_value(v) : -1; }

TEST(mastery_class_report_matches_hand_computation) {
    sh_conn *c;
    sh_app *app = open_app("mastery4.db", &c);
    REQUIRE(app);
    REQUIRE(add_students(c, 6) == SH_OK);
    REQUIRE(add_task(c, 1, "homework", 1, NITEMS, 6, homework_pick) == SH_OK);
    REQUIRE(count_all(c, 1, 6) == SH_OK);
    json_t *r = NULL;
    sh_err e;
    sh_err_init(&e);
    REQUIRE(sh_mastery_class_report(c, 3, 2, "14", 0, &r, &e) == SH_OK);
    json_t *points = json_object_get(r, "points"), *students = json_object_get(r, "students");
    CHECK(json_array_size(points) == NPOINTS && json_array_size(students) == 6);
    /* the heat map: every cell is the hand BKT value (rounded to 4 places) */
    for (int s = 1; s <= 6; s++)
        for (int k = 1; k <= NPOINTS; k++) {
            json_t *cell =
                json_array_get(json_array_get(json_object_get(r, "cells"), (size_t)s - 1), (size_t)k - 1);
            CHECK(fabs(num(json_object_get(cell, "p_known")) - hand_known(s, k)) < 0.00005);
        }
    /* answers counted and right rate of P1 (items 1 and 2): 12 answers, 5 right */
    json_t *p1 = json_array_get(points, 0);
    CHECK_STR(json_string_value(json_object_get(p1, "code")), "P1");
    CHECK(json_integer_value(json_object_get(p1, "answers")) == 12);
    CHECK(fabs(num(json_object_get(p1, "right_rate")) - 5.0 / 12) < 0.00005);
    for (int k = 1; k <= NPOINTS; k++)
        CHECK(fabs(num(json_object_get(json_array_get(points, (size_t)k - 1), "mean")) - class_mean(k)) <
              0.00005);
    /* at risk: mean below 0.4, or the last three answers all wrong (only S6 has that) */
    json_t *risk = json_object_get(r, "at_risk");
    size_t want = 0;
    for (int s = 1; s <= 6; s++) {
        int expect = student_mean(s) < 0.4 || s == 6, found = 0;
        want += (size_t)expect;
        size_t i;
        json_t *v;
        char uid[16];
        snprintf(uid, sizeof uid, "s%d", s);
        json_array_foreach(risk, i, v) if (strcmp(json_string_value(json_object_get(v, "id")), uid) == 0) {
            found = 1;
            CHECK(json_array_size(json_object_get(v, "reasons")) >= 1);
        }
        if (found != expect)
            fprintf(stderr, "    S%d mean %.4f: at risk %d, expected %d\n", s, student_mean(s), found,
                    expect);
        CHECK(found == expect);
    }
    CHECK(json_array_size(risk) == want && want >= 2);
    /* wrong options: 11 (item, option) pairs chosen; the top one item 3's B, 4 of 6 answers */
    json_t *wrong = json_object_get(r, "wrong_options"), *top = json_array_get(wrong, 0);
    CHECK(json_array_size(wrong) == 11);
    CHECK_STR(json_string_value(json_object_get(top, "item")), "v3");
    CHECK_STR(json_string_value(json_object_get(top, "option")), "B");
    CHECK_STR(json_string_value(json_object_get(top, "misconception")), "误解3B");
    CHECK(json_integer_value(json_object_get(top, "chosen")) == 4 &&
          json_integer_value(json_object_get(top, "answers")) == 6);
    size_t i;
    json_t *v;
    json_array_foreach(wrong, i, v) {
        const char *item = json_string_value(json_object_get(v, "item")),
                   *opt = json_string_value(json_object_get(v, "option"));
        int it = item[1] - '0', n = 0;
        for (int s = 0; s < 6; s++)
            n += picks[s][it - 1] == opt[0];
        CHECK(json_integer_value(json_object_get(v, "chosen")) == n);
        CHECK(opt[0] == 'B' ? json_is_string(json_object_get(v, "misconception"))
                            : json_is_null(json_object_get(v, "misconception")));
    }
    /* gaps: P2 (needs P1) weak and P1 below 0.6 */
    int gap = class_mean(2) < 0.5 && class_mean(1) < 0.6;
    json_t *gaps = json_object_get(r, "gaps");
    CHECK(json_array_size(gaps) == (size_t)gap);
    if (gap)
        CHECK_STR(json_string_value(
                      json_object_get(json_object_get(json_array_get(gaps, 0), "prerequisite"), "code")),
                  "P1");
    json_decref(r);
    /* one task only, and the student report: weak points and next steps with prerequisites first */
    REQUIRE(sh_mastery_class_report(c, 3, 2, "14", 1, &r, &e) == SH_OK);
    CHECK(json_array_size(json_object_get(r, "points")) == NPOINTS);
    json_decref(r);
    REQUIRE(sh_mastery_class_report(c, 3, 2, "15", 0, &r, &e) == SH_OK); /* another subject: nothing */
    CHECK(json_array_size(json_object_get(r, "points")) == 0 &&
          json_array_size(json_object_get(r, "at_risk")) == 0);
    json_decref(r);
    REQUIRE(sh_mastery_student_report(c, 3, 2, "14", &r, &e) == SH_OK);
    json_t *sp = json_object_get(r, "points");
    CHECK(json_array_size(sp) == NPOINTS);
    /* S3's P1 history: two answers, the last one the state now */
    json_t *h = json_object_get(json_array_get(sp, 0), "history");
    CHECK(json_array_size(h) == 2);
    CHECK(fabs(num(json_object_get(json_array_get(h, 1), "p_known")) - hand_known(3, 1)) < 0.00005);
    json_t *steps = json_object_get(r, "next_steps");
    /* S3 is weak at P1 and P2: P1 is P2's prerequisite, so it comes first */
    CHECK(hand_known(3, 1) < 0.5 && hand_known(3, 2) < 0.5);
    CHECK_STR(json_string_value(json_object_get(json_object_get(json_array_get(steps, 0), "point"), "code")),
              "P1");
    CHECK_STR(json_string_value(json_object_get(json_object_get(json_array_get(steps, 1), "point"), "code")),
              "P2");
    json_decref(r);
    sh_err_clear(&e);
    sh_db_release(c);
    sh_app_close(app);
}

TEST(mastery_fit_stores_parameters_the_online_update_uses) {
    sh_conn *c;
    sh_app *app = open_app("mastery5.db", &c);
    REQUIRE(app);
    sh_mastery_fit_result res;
    sh_err e;
    sh_err_init(&e);
    int fit = sh_mastery_fit(c, 0, 1, &res, &e); /* nothing counted yet: nothing fitted */
    if (fit != SH_OK)
        fprintf(stderr, "    %s\n", e.first.message);
    REQUIRE(fit == SH_OK);
    CHECK(res.answers == 0 && res.points == 0);
    REQUIRE(add_students(c, 6) == SH_OK);
    REQUIRE(add_task(c, 1, "homework", 1, NITEMS, 6, homework_pick) == SH_OK);
    REQUIRE(count_all(c, 1, 6) == SH_OK);
    REQUIRE(sh_mastery_fit(c, 1, 2, &res, &e) == SH_OK);
    CHECK(res.answers == 54 && res.points == NPOINTS && res.log_likelihood < 0);
    CHECK(query_count(
              c,
              "SELECT COUNT(*) FROM mastery_param WHERE prior BETWEEN 0 AND 1 AND learn BETWEEN 0 AND 1"
              " AND forget BETWEEN 0 AND 1 AND guess BETWEEN 0 AND 1 AND slip BETWEEN 0 AND 1") == NPOINTS);
    CHECK(query_count(c, "SELECT SUM(responses) FROM mastery_param") == 54);
    /* the next answer on P1 steps with the fitted parameters */
    double p =
        query_double(c, "SELECT p_known FROM mastery_state WHERE student_id = %d AND point_id = %d", 1, 1);
    double learn = query_double(c, "SELECT learn + %d + %d FROM mastery_param WHERE point_id = 1", 0, 0);
    double forget = query_double(c, "SELECT forget + %d + %d FROM mastery_param WHERE point_id = 1", 0, 0);
    double guess = query_double(c, "SELECT guess + %d + %d FROM mastery_param WHERE point_id = 1", 0, 0);
    double slip = query_double(c, "SELECT slip + %d + %d FROM mastery_param WHERE point_id = 1", 0, 0);
    REQUIRE(add_task(c, 3, "homework", 1, 1, 1, homework_pick) == SH_OK);
    REQUIRE(count_all(c, 3, 1) == SH_OK);
    double post = p * (1 - slip) / (p * (1 - slip) + (1 - p) * guess);
    CHECK(fabs(query_double(c, "SELECT p_known FROM mastery_state WHERE student_id = %d AND point_id = %d", 1,
                            1) -
               (post * (1 - forget) + (1 - post) * learn)) < 1e-12);
    sh_err_clear(&e);
    sh_db_release(c);
    sh_app_close(app);
}

/* Bank difficulties and one Elo difficulty for the fixture's items, so the
 * Elo prediction σ(θ − d) differs from item to item: d = (bank − 3) / 2
 * (items 1–8: banks 1, 3, 2, 5, 1, 4, 3, 2), except item 6 whose
 * mastery_item row (−0.3) overrides its bank's 4. */
static int set_difficulties(sh_conn *c) {
    static const int bank[NITEMS] = {1, 3, 2, 5, 1, 4, 3, 2};
    int bad = 0;
    for (int i = 1; i <= NITEMS; i++)
        bad |= execf(c, "UPDATE item_version SET difficulty = %d WHERE id = %d", bank[i - 1], i);
    return bad | exec(c, "INSERT INTO mastery_item (uid, item_id, difficulty, answers, version, created_at,"
                         " updated_at) VALUES ('mi6', 6, -0.3, 4, 1, 1, 1)");
}

/* A state of student s on point k: P(known) and Elo ability. */
static int set_state(sh_conn *c, int s, int k, double p, double ability) {
    return execf(
        c,
        "INSERT INTO mastery_state (uid, school_id, student_id, point_id, p_known, answers, rights,"
        " source, ability, version, created_at, updated_at) VALUES ('ms%d-%d', 2, %d, %d, %.2f, 1, 0,"
        " 'bkt', %.2f, 1, 1, 1)",
        s, k, s, k, p, ability);
}

static double sigma(double x) { return 1 / (1 + exp(-x)); }

/* Student st's suggestions are the items (codes), each with the point, the
 * Elo prediction σ(θ − d) and whether it lies in the band. */
static void check_items(json_t *st, int n, const char *const *items, const char *const *points,
                        const double *predicted, int in_band) {
    json_t *list = json_object_get(st, "items");
    CHECK(json_array_size(list) == (size_t)n);
    for (int i = 0; i < n && (size_t)i < json_array_size(list); i++) {
        json_t *it = json_array_get(list, (size_t)i);
        CHECK_STR(json_string_value(json_object_get(it, "item")), items[i]);
        CHECK_STR(json_string_value(json_object_get(json_object_get(it, "point"), "code")), points[i]);
        CHECK(fabs(num(json_object_get(it, "predicted")) - predicted[i]) < 0.00005);
        CHECK(json_is_true(json_object_get(it, "in_band")) == in_band);
    }
}

/* Tiers by hand: the mean P(known) gives the tier; each point visited (P1, the
 * prerequisite of P2, first when P2 is weak) gives its item whose σ(θ − d) is
 * nearest the middle of the band, kept when inside the band; a student with
 * nothing inside the band gets each point's nearest, marked in_band false. */
TEST(mastery_tiers_choose_items_by_elo_inside_the_band) {
    sh_conn *c;
    sh_app *app = open_app("mastery6.db", &c);
    REQUIRE(app);
    REQUIRE(add_students(c, 3) == SH_OK);
    REQUIRE(set_difficulties(c) == SH_OK);
    /* S1 strong: P(known) 0.9 everywhere, θ 1.0, 0.8, 1.2, 0.5; S2 never met
     * (the priors 0.3, θ 0); S3 struggling: 0.1 and θ −1.5 everywhere */
    const double strong[4] = {1.0, 0.8, 1.2, 0.5};
    for (int k = 1; k <= 4; k++)
        REQUIRE(set_state(c, 1, k, 0.9, strong[k - 1]) == SH_OK && set_state(c, 3, k, 0.1, -1.5) == SH_OK);
    json_t *r = NULL;
    sh_err e;
    sh_err_init(&e);
    REQUIRE(sh_mastery_tiers(c, 3, 2, "[1,2,3,4]", &r, &e) == SH_OK);
    json_t *students = json_object_get(r, "students");
    REQUIRE(json_array_size(students) == 3);
    /* S1: mean 0.9 → A, band 0.50–0.75 (middle 0.625), no weak point: P1–P4 in
     * graph order. P1: I1 σ(2) 0.881, I2 σ(1) 0.731 → I2, inside. P2: I3
     * σ(1.3) 0.786, I4 σ(−0.2) 0.450 → I3, outside. P3: I5 σ(2.2), I6 σ(1.5)
     * 0.818 (its Elo −0.3, not its bank's 4), I8 σ(1.7) → I6, outside. P4: I7
     * σ(0.5) 0.622, inside */
    json_t *st = json_array_get(students, 0);
    CHECK_STR(json_string_value(json_object_get(st, "tier")), "A");
    check_items(st, 2, (const char *const[]){"I2", "I7"}, (const char *const[]){"P1", "P4"},
                (const double[]){sigma(1), sigma(0.5)}, 1);
    CHECK(fabs(num(json_object_get(json_array_get(json_object_get(st, "items"), 0), "ability")) - 1.0) <
          1e-9);
    /* S2: mean 0.3 → C, band 0.70–0.92 (middle 0.81), θ 0. P1 (prerequisite of
     * P2): I1 σ(1) 0.731, inside; P1 again (weak): I2 0.5, outside; P2: I3
     * σ(0.5), outside; P3: I5 σ(1), inside; P4: I7 0.5, outside */
    st = json_array_get(students, 1);
    CHECK_STR(json_string_value(json_object_get(st, "tier")), "C");
    check_items(st, 2, (const char *const[]){"I1", "I5"}, (const char *const[]){"P1", "P3"},
                (const double[]){sigma(1), sigma(1)}, 1);
    CHECK_STR(json_string_value(json_object_get(json_array_get(json_object_get(st, "items"), 0), "reason")),
              "先修知识点未掌握");
    /* S3: mean 0.1 → C, θ −1.5: nothing reaches 0.70, so the first three points
     * visited give their item nearest the band, one per point: P1 I1 σ(−0.5)
     * (P1 again gives nothing: its I2 σ(−1.5) would be harder), P2 I3 σ(−1),
     * P3 I5 σ(−0.5) */
    st = json_array_get(students, 2);
    CHECK_STR(json_string_value(json_object_get(st, "tier")), "C");
    check_items(st, 3, (const char *const[]){"I1", "I3", "I5"}, (const char *const[]){"P1", "P2", "P3"},
                (const double[]){sigma(-0.5), sigma(-1), sigma(-0.5)}, 0);
    /* the Elo difficulty of every candidate, for the dialog's swaps */
    json_t *d = json_object_get(r, "difficulty");
    CHECK(fabs(num(json_object_get(d, "I6")) + 0.3) < 1e-9 &&
          fabs(num(json_object_get(d, "I4")) - 1) < 1e-9 && fabs(num(json_object_get(d, "I1")) + 1) < 1e-9);
    json_decref(r);
    sh_err_clear(&e);
    sh_db_release(c);
    sh_app_close(app);
}

/* The next best practice item, by hand over the fixture's graph (point 1 is
 * the prerequisite of point 2; items 1–2 on point 1, 3–4 on 2, 5, 6 and 8 on
 * 3, 7 on 4) with the difficulties above: an item inside the band beats an
 * earlier pass, then the earlier pass, then the nearer to the band's middle. */
TEST(mastery_practice_next_follows_the_walk_and_the_band_middle) {
    sh_conn *c;
    sh_app *app = open_app("mastery7.db", &c);
    REQUIRE(app);
    REQUIRE(add_students(c, 1) == SH_OK);
    REQUIRE(set_difficulties(c) == SH_OK);
    const double known[4] = {0.5, 0.3, 0.6, 0.9}, ability[4] = {-1.0, -0.4, 1.0, 1.5};
    for (int k = 1; k <= 4; k++)
        REQUIRE(set_state(c, 1, k, known[k - 1], ability[k - 1]) == SH_OK);
    sh_err e;
    sh_err_init(&e);
    sh_mastery_pick p;
    /* points 2, 3, 4: mean 0.6 → B (0.60–0.85, target 0.725). P1, the
     * prerequisite of the weak P2, comes first but its best, I1 σ(0) 0.5, is
     * outside; so is P2's I3 σ(0.1); the weak P3's I6 σ(1.3) 0.786 is inside
     * and nearer than the mastered P4's I7 σ(1.5) 0.818 */
    REQUIRE(sh_mastery_practice_next(c, 1, 2, 3, "14", "[2,3,4]", &p, &e) == SH_OK);
    CHECK(p.version == 6 && p.point == 3 && p.pass == 1 && p.in_band);
    CHECK_STR(p.tier, "B");
    CHECK(fabs(p.target - 0.725) < 1e-12 && fabs(p.predicted - sigma(1.3)) < 1e-12 &&
          fabs(p.mean - 0.6) < 1e-12 && fabs(p.p_known - 0.6) < 1e-12);
    CHECK_STR(p.why, "薄弱知识点");
    /* points 3, 4: mean 0.75 → A (0.50–0.75): both best items (I6 0.786, I7
     * 0.818) are above the band; the earlier pass (the weak P3) wins */
    REQUIRE(sh_mastery_practice_next(c, 1, 2, 3, "14", "[3,4]", &p, &e) == SH_OK);
    CHECK(p.version == 6 && p.point == 3 && p.pass == 1 && !p.in_band);
    CHECK_STR(p.tier, "A");
    /* point 1 only: B; I1 σ(0) 0.5 is nearer the band than I2 σ(−1) */
    REQUIRE(sh_mastery_practice_next(c, 1, 2, 3, "14", "[1]", &p, &e) == SH_OK);
    CHECK(p.version == 1 && !p.in_band && fabs(p.predicted - 0.5) < 1e-12);
    /* point 4 only: mastered, still offered (pass 2) */
    REQUIRE(sh_mastery_practice_next(c, 1, 2, 3, "14", "[4]", &p, &e) == SH_OK);
    CHECK(p.version == 7 && p.pass == 2);
    CHECK_STR(p.why, "巩固提高");
    /* the default scope: the points met (all four, mean 0.575 → B): as the first case */
    REQUIRE(sh_mastery_practice_next(c, 1, 2, 3, "14", NULL, &p, &e) == SH_OK);
    CHECK(p.version == 6 && p.pass == 1 && p.in_band);
    /* no items on a point: nothing, with the reason */
    REQUIRE(exec(c,
                 "INSERT INTO kg_point (id, uid, subject, code, name, edition, grade, semester, chapter,"
                 " ordinal, version, created_at, updated_at) VALUES (9, 'p9', '14', 'P9', '空', '人教版', 7,"
                 " '上', '第一章', 9, 1, 1, 1)") == SH_OK);
    REQUIRE(sh_mastery_practice_next(c, 1, 2, 3, "14", "[9]", &p, &e) == SH_OK);
    CHECK(p.version == 0 && p.why && strlen(p.why) > 0);
    sh_err_clear(&e);
    sh_db_release(c);
    sh_app_close(app);
}
