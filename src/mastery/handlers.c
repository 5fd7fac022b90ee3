/* handlers.c — the 学情 report routes: a class's report (JSON, or CSV/XLSX
 * with ?format=), a student's report for the staff in scope (mastery.read at
 * the student's class or above), and the student's own or guarded child's
 * report in the portal (self.read: the relationship alone). Out-of-scope
 * classes and students answer exactly like missing ones (404). */
#include "mastery/module.h"

#include "core/pool.h"
#include "core/buf.h"
#include "identity/access.h"
#include "kg/kg.h"
#include "model/export.h"
#include "tabular/writer.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The course code of ?subject= (required for a class): SH_OK, or SH_ERR with 400. */
static int subject_of(sh_req *req, int required, const char **code) {
    *code = sh_req_query(req, "subject");
    if (!*code || !**code) {
        *code = NULL;
        return required ? sh_err_set(&req->err, 400, "required", "subject",
                                     "请指定学科（subject，课程代码，如数学 14）")
                        : SH_OK;
    }
    if (sh_code_valid("jyt_k12_course", *code) != 1)
        return sh_err_set(&req->err, 400, "invalid_code", "subject", "学科代码不存在：%.20s", *code);
    return SH_OK;
}

/* Key and school of the class with public id uid that the caller may read. */
static int class_in_scope(sh_req *req, const char *uid, int64_t *key, int64_t *school) {
    sh_conn *c = sh_req_conn(req);
    sh_stmt *s =
        c ? sh_prepare(c, "SELECT id, school_id FROM org_unit WHERE uid = $1 AND kind = 'class'", &req->err)
          : NULL;
    if (!s)
        return SH_ERR;
    sh_bind_text(s, 1, uid, -1);
    int rc = sh_step(s, &req->err);
    if (rc == SH_ROW)
        *key = sh_col_i64(s, 0), *school = sh_col_i64(s, 1);
    sh_stmt_done(s);
    if (rc == SH_ERR)
        return SH_ERR;
    int can = rc == SH_ROW ? sh_can_at(req, "mastery.read", *key) : 0;
    if (can < 0)
        return SH_ERR;
    return can ? SH_OK : sh_err_set(&req->err, 404, "not_found", NULL, "班级不存在或无权查看");
}

/* The task of ?task= (a public id) of this class; 0 when not given. */
static int task_of(sh_req *req, int64_t class_id, int64_t school, int64_t *task) {
    *task = 0;
    const char *uid = sh_req_query(req, "task");
    if (!uid || !*uid)
        return SH_OK;
    sh_stmt *s = sh_prepare(sh_req_conn(req),
                            "SELECT id FROM assign_task WHERE uid = $1 AND class_id = $2 AND school_id = $3"
                            " AND kind <> 'practice'",
                            &req->err);
    if (!s)
        return SH_ERR;
    sh_bind_text(s, 1, uid, -1);
    sh_bind_i64(s, 2, class_id);
    sh_bind_i64(s, 3, school);
    int rc = sh_step(s, &req->err);
    if (rc == SH_ROW)
        *task = sh_col_i64(s, 0);
    sh_stmt_done(s);
    if (rc == SH_DONE)
        return sh_err_set(&req->err, 404, "task_not_found", "task", "该班级没有这项作业");
    return rc == SH_ROW ? SH_OK : SH_ERR;
}

/* The report as a table: a row per student (P(known) per point), then the class mean. */
static int write_table(sh_req *req, json_t *r, sh_table_format fmt) {
    json_t *points = json_object_get(r, "points"), *students = json_object_get(r, "students");
    json_t *cells = json_object_get(r, "cells");
    size_t np = json_array_size(points), n = np + 2;
    const char **row = sh_pcalloc(req->pool, n * sizeof *row);
    char path[SH_TEMP_PATH];
    if (!row)
        return sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
    if (sh_reply_temp_path(req, path) != SH_OK)
        return SH_ERR;
    sh_table_writer *w = NULL;
    int rc = sh_table_writer_open(path, fmt, "学情报告", &w, &req->err);
    row[0] = "学生";
    for (size_t k = 0; k < np; k++) {
        json_t *p = json_array_get(points, k);
        row[k + 1] = sh_psprintf(req->pool, "%s %s", json_string_value(json_object_get(p, "code")),
                                 json_string_value(json_object_get(p, "name")));
    }
    row[np + 1] = "平均掌握概率";
    if (rc == SH_OK)
        rc = sh_table_write_header(w, row, NULL, (int)n, &req->err);
    for (size_t st = 0; rc == SH_OK && st <= json_array_size(students); st++) {
        int mean_row = st == json_array_size(students);
        json_t *who = mean_row ? NULL : json_array_get(students, st);
        row[0] = mean_row ? "全班平均" : json_string_value(json_object_get(who, "name"));
        for (size_t k = 0; k <= np; k++) {
            json_t *v = k == np    ? (mean_row ? NULL : json_object_get(who, "mean"))
                        : mean_row ? json_object_get(json_array_get(points, k), "mean")
                                   : json_object_get(json_array_get(json_array_get(cells, st), k), "p_known");
            row[k + 1] = json_is_number(v) ? sh_psprintf(req->pool, "%.2f", json_number_value(v)) : "";
        }
        rc = sh_table_write_row(w, row, (int)n, &req->err);
    }
    if (rc == SH_OK) {
        rc = sh_table_writer_close(w, &req->err);
        w = NULL;
    }
    if (w)
        sh_table_writer_abort(w);
    if (rc != SH_OK) {
        unlink(path);
        return SH_ERR;
    }
    return sh_reply_temp_file(req, path, sh_table_content_type(fmt), "mastery", "学情报告",
                              fmt == SH_TABLE_CSV ? "csv" : "xlsx");
}

int sh_mastery_class_api(sh_req *req) {
    int64_t class_id = 0, school = 0, task = 0;
    const char *subject;
    sh_table_format fmt = SH_TABLE_CSV;
    int file = sh_export_format(req, &fmt);
    if (file == SH_ERR || subject_of(req, 1, &subject) != SH_OK ||
        class_in_scope(req, sh_req_param(req, "id"), &class_id, &school) != SH_OK ||
        task_of(req, class_id, school, &task) != SH_OK)
        return SH_ERR;
    json_t *r;
    if (sh_mastery_class_report(sh_req_conn(req), class_id, school, subject, task, &r, &req->err) != SH_OK)
        return SH_ERR;
    json_object_set_new(r, "subject", json_string(subject));
    if (file) {
        int rc = write_table(req, r, fmt);
        json_decref(r);
        return rc;
    }
    return sh_reply_json(req, 200, r);
}

static int student_reply(sh_req *req, int64_t student, int64_t school, const char *uid, const char *name) {
    const char *subject;
    if (subject_of(req, 0, &subject) != SH_OK)
        return SH_ERR;
    json_t *r;
    if (sh_mastery_student_report(sh_req_conn(req), student, school, subject, &r, &req->err) != SH_OK)
        return SH_ERR;
    json_t *who = json_object();
    json_object_set_new(who, "id", json_string(uid));
    json_object_set_new(who, "name", json_string(name));
    json_object_set_new(r, "student", who);
    return sh_reply_json(req, 200, r);
}

/* The student with public id uid, with the class they are in now. */
static int find_student(sh_req *req, const char *uid, int64_t *key, int64_t *school, int64_t *class_id,
                        const char **name) {
    sh_stmt *s =
        sh_prepare(sh_req_conn(req),
                   "SELECT s.id, s.school_id, e.class_id, s.name FROM student s LEFT JOIN enrollment e"
                   " ON e.student_id = s.id AND e.school_id = s.school_id AND e.exit_date IS NULL"
                   " WHERE s.uid = $1",
                   &req->err);
    if (!s)
        return SH_ERR;
    sh_bind_text(s, 1, uid, -1);
    int rc = sh_step(s, &req->err);
    if (rc == SH_ROW) {
        *key = sh_col_i64(s, 0), *school = sh_col_i64(s, 1);
        *class_id = sh_col_is_null(s, 2) ? *school : sh_col_i64(s, 2);
        *name = sh_pstrdup(req->pool, sh_col_text(s, 3));
    }
    sh_stmt_done(s);
    if (rc == SH_DONE)
        return sh_err_set(&req->err, 404, "not_found", NULL, "学生不存在或无权查看");
    return rc == SH_ROW ? SH_OK : SH_ERR;
}

int sh_mastery_student_api(sh_req *req) {
    int64_t student = 0, school = 0, class_id = 0;
    const char *uid = sh_req_param(req, "id"), *name = NULL;
    if (!sh_req_conn(req) || find_student(req, uid, &student, &school, &class_id, &name) != SH_OK)
        return SH_ERR;
    int can = sh_can_at(req, "mastery.read", class_id);
    if (can < 0)
        return SH_ERR;
    if (!can)
        return sh_err_set(&req->err, 404, "not_found", NULL, "学生不存在或无权查看");
    return student_reply(req, student, school, uid, name);
}

/* The portal: ?student= one of the caller's own records or a student they are
 * the legal guardian of; without it, the caller's own student record. */
int sh_mastery_my_api(sh_req *req) {
    const sh_principal *p = sh_principal_of(req);
    sh_conn *c = sh_req_conn(req);
    if (!c)
        return SH_ERR;
    if (!p || !p->person_id)
        return sh_err_set(&req->err, 404, "not_found", NULL, "没有可查看的学生");
    const char *want = sh_req_query(req, "student");
    sh_stmt *s =
        sh_prepare(c,
                   "SELECT s.id, s.school_id, s.uid, s.name FROM student s WHERE (s.person_id = $1"
                   " OR s.id IN (SELECT g.student_id FROM guardian_link g WHERE g.person_id = $1"
                   " AND g.is_guardian = 1)) AND ($2 = '' OR s.uid = $2) ORDER BY (s.person_id = $1) DESC,"
                   " s.id LIMIT 1",
                   &req->err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, p->person_id);
    sh_bind_text(s, 2, want ? want : "", -1);
    int rc = sh_step(s, &req->err);
    int64_t student = 0, school = 0;
    const char *uid = NULL, *name = NULL;
    if (rc == SH_ROW) {
        student = sh_col_i64(s, 0), school = sh_col_i64(s, 1);
        uid = sh_pstrdup(req->pool, sh_col_text(s, 2));
        name = sh_pstrdup(req->pool, sh_col_text(s, 3));
    }
    sh_stmt_done(s);
    if (rc == SH_ERR)
        return SH_ERR;
    if (rc == SH_DONE)
        return sh_err_set(&req->err, 404, "not_found", "student", "没有可查看的学生");
    return student_reply(req, student, school, uid, name);
}

/* The keys of ?points= (knowledge point codes or ids, comma separated, at most
 * 50) as a JSON array, or without it the points of the class's tasks of the subject. */
static int points_of(sh_req *req, int64_t class_id, int64_t school, const char *subject, char **json) {
    const char *list = sh_req_query(req, "points");
    sh_conn *c = sh_req_conn(req);
    sh_buf *b = sh_pool_buf(req->pool, 4096);
    if (!b)
        return sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
    sh_buf_putc(b, '[');
    int n = 0;
    if (list && *list) {
        if (strlen(list) > 2000)
            return sh_err_set(&req->err, 400, "too_long", "points", "知识点过多（至多 50 个）");
        char *copy = sh_pstrdup(req->pool, list), *save = NULL;
        for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            if (++n > 50)
                return sh_err_set(&req->err, 400, "too_many", "points", "知识点过多（至多 50 个）");
            int64_t key = sh_kg_point_key(c, tok, &req->err);
            if (key < 0)
                return SH_ERR;
            if (key == 0)
                return sh_err_set(&req->err, 400, "unknown_point", "points", "知识点不存在：%.40s", tok);
            sh_buf_printf(b, "%s%lld", n > 1 ? "," : "", (long long)key);
        }
    } else {
        sh_stmt *s =
            sh_prepare(c,
                       "SELECT DISTINCT k.point_id FROM assign_task t JOIN assign_task_item ti"
                       " ON ti.task_id = t.id AND ti.school_id = t.school_id JOIN item_kp k"
                       " ON k.version_id = ti.item_version_id WHERE t.class_id = $1 AND t.school_id = $2"
                       " AND t.subject = $3 AND t.status <> 'draft' AND t.kind <> 'practice' ORDER BY 1",
                       &req->err);
        if (!s)
            return SH_ERR;
        sh_bind_i64(s, 1, class_id);
        sh_bind_i64(s, 2, school);
        sh_bind_text(s, 3, subject, -1);
        int rc;
        while ((rc = sh_step(s, &req->err)) == SH_ROW)
            sh_buf_printf(b, "%s%lld", n++ ? "," : "", (long long)sh_col_i64(s, 0));
        sh_stmt_done(s);
        if (rc == SH_ERR)
            return SH_ERR;
    }
    sh_buf_putc(b, ']');
    if (sh_buf_ok(b) != SH_OK)
        return sh_err_set(&req->err, 400, "too_long", "points", "知识点过多（至多 50 个）");
    *json = b->data;
    return SH_OK;
}

int sh_mastery_tiers_api(sh_req *req) {
    int64_t class_id = 0, school = 0;
    const char *subject;
    char *points = NULL;
    if (subject_of(req, 1, &subject) != SH_OK ||
        class_in_scope(req, sh_req_param(req, "id"), &class_id, &school) != SH_OK ||
        points_of(req, class_id, school, subject, &points) != SH_OK)
        return SH_ERR;
    json_t *r;
    if (sh_mastery_tiers(sh_req_conn(req), class_id, school, points, &r, &req->err) != SH_OK)
        return SH_ERR;
    json_object_set_new(r, "subject", json_string(subject));
    return sh_reply_json(req, 200, r);
}
