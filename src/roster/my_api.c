/* my_api.c — the roster as a student or a guardian sees it in the portal
 * (GET /api/v1/my/students): the signed-in person's own student record and the
 * students they are the legal guardian of, each with school, current class, grade
 * and head teacher. Reach comes from the relationship alone (the account's person
 * is the student, or a guardian link of the student names that person), never from
 * an org node; nothing else of the roster is shown (minimum necessary: no
 * identity numbers, the 学籍号 masked). Reads the roster and org tables only. */
#include "roster/module.h"

#include "codes/codes.h"
#include "identity/access.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

/* One query: the person's student rows (relation "self") then the students the
 * person guards, each with its current enrolment (at most one open row) and the
 * class's head teacher. Every join carries the student's school_id. */
static const char MY_STUDENTS_SQL[] =
    "SELECT s.uid, s.name, s.gender, s.status, s.entry_month, s.student_number_mask, m.rel,"
    " sch.uid, sch.name, c.uid, c.name, g.name, st.name"
    " FROM (SELECT t.id AS sid, 'self' AS rel, 0 AS ord FROM student t WHERE t.person_id = $1"
    "       UNION ALL SELECT t.student_id, t.relation, 1 FROM guardian_link t"
    "       WHERE t.person_id = $1 AND t.is_guardian = 1) m"
    " JOIN student s ON s.id = m.sid"
    " JOIN org_unit sch ON sch.id = s.school_id"
    " LEFT JOIN enrollment e ON e.student_id = s.id AND e.school_id = s.school_id AND e.exit_date IS NULL"
    " LEFT JOIN org_unit c ON c.id = e.class_id"
    " LEFT JOIN org_unit g ON g.id = c.parent_id AND g.kind = 'grade'"
    " LEFT JOIN class_profile cp ON cp.class_id = c.id AND cp.school_id = s.school_id"
    " LEFT JOIN staff st ON st.id = cp.head_teacher_id AND st.school_id = s.school_id"
    " ORDER BY m.ord, s.id";

static json_t *text_or_null(sh_stmt *s, int col) {
    return sh_col_is_null(s, col) ? json_null() : json_string(sh_col_text(s, col));
}

/* "code" and "code_name" members for a coded column (the name from its table).
 * SH_ERR only when the store fails. */
static int put_code(sh_conn *c, json_t *o, const char *key, const char *table, sh_stmt *s, int col,
                    sh_err *err) {
    if (sh_col_is_null(s, col)) {
        json_object_set_new(o, key, json_null());
        return SH_OK;
    }
    const char *code = sh_col_text(s, col);
    json_object_set_new(o, key, json_string(code));
    char name[128], k[48];
    snprintf(k, sizeof k, "%s_name", key);
    int rc = sh_codes_name(c, table, code, name, sizeof name, err);
    if (rc == SH_ROW)
        json_object_set_new(o, k, json_string(name));
    return rc == SH_ERR ? SH_ERR : SH_OK;
}

static json_t *ref(sh_stmt *s, int uid_col, int name_col) {
    if (sh_col_is_null(s, name_col))
        return json_null();
    json_t *o = json_object();
    if (uid_col >= 0)
        json_object_set_new(o, "id", json_string(sh_col_text(s, uid_col)));
    json_object_set_new(o, "name", json_string(sh_col_text(s, name_col)));
    return o;
}

int sh_roster_my_students(sh_req *req) {
    const sh_principal *p = sh_principal_of(req);
    sh_conn *c = sh_req_conn(req);
    if (!c)
        return SH_ERR;
    json_t *items = json_array();
    if (!items)
        return sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
    /* an API token has no person: it sees nobody */
    sh_stmt *s = p && p->person_id ? sh_prepare(c, MY_STUDENTS_SQL, &req->err) : NULL;
    if (p && p->person_id && !s) {
        json_decref(items);
        return SH_ERR;
    }
    int rc = SH_DONE;
    if (s) {
        sh_bind_i64(s, 1, p->person_id);
        while ((rc = sh_step(s, &req->err)) == SH_ROW) {
            json_t *o = json_object();
            const char *rel = sh_col_text(s, 6);
            json_object_set_new(o, "id", json_string(sh_col_text(s, 0)));
            json_object_set_new(o, "name", json_string(sh_col_text(s, 1)));
            int bad = put_code(c, o, "gender", "gb2261_1_sex", s, 2, &req->err) != SH_OK ||
                      put_code(c, o, "status", "jyt_student_status", s, 3, &req->err) != SH_OK;
            json_object_set_new(o, "entry_month", text_or_null(s, 4));
            json_object_set_new(o, "student_number", text_or_null(s, 5));
            if (strcmp(rel, "self") == 0) {
                json_object_set_new(o, "relation", json_string("self"));
                json_object_set_new(o, "relation_name", json_string("本人"));
            } else {
                bad |= put_code(c, o, "relation", "gb4761_family_relation", s, 6, &req->err) != SH_OK;
            }
            json_object_set_new(o, "school", ref(s, 7, 8));
            json_object_set_new(o, "class", ref(s, 9, 10));
            json_object_set_new(o, "grade", ref(s, -1, 11));
            json_object_set_new(o, "head_teacher", ref(s, -1, 12));
            json_array_append_new(items, o);
            if (bad) {
                rc = SH_ERR;
                break;
            }
        }
        sh_stmt_done(s);
    }
    if (rc == SH_ERR) {
        json_decref(items);
        return SH_ERR;
    }
    json_t *reply = json_object();
    json_object_set_new(reply, "items", items);
    return sh_reply_json(req, 200, reply);
}
