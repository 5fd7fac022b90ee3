/* apply.c — what a student's change does when its approval flow ends: on final
 * approval the current enrolment is ended (exit date and type), a new one begins
 * where the change leads (the receiving school's class for a transfer, the new
 * class for a class change or a resumption), the student's status changes, and
 * the change record is marked approved with its approval date; on rejection or
 * cancellation only the record's state changes. Everything goes through the write
 * path inside the decision's transaction. The student's situation is checked
 * again first: when it no longer matches the request (the student left, changed
 * class, is already at the receiving school), the approval fails with a Chinese
 * error and nothing changes. */
#include "lifecycle/module.h"

#include "model/fieldcrypt.h"
#include "roster/roster.h"

#include <string.h>

typedef struct change_row {
    int64_t id, school, student, from_class, to_school, to_class;
    const char *kind, *code, *effective;
} change_row;

static const char *dup(sh_pool *p, sh_stmt *s, int col) {
    return sh_col_text(s, col) ? sh_pstrdup(p, sh_col_text(s, col)) : NULL;
}

static int load_change(sh_conn *c, sh_pool *p, const char *uid, change_row *out, sh_err *err) {
    sh_stmt *s = sh_prepare(c,
                            "SELECT id, school_id, COALESCE(student_id, 0), COALESCE(from_class_id, 0),"
                            " COALESCE(to_school_id, 0), COALESCE(to_class_id, 0), kind, change_type,"
                            " effective_date FROM student_change WHERE uid = $1",
                            err);
    if (!s)
        return SH_ERR;
    sh_bind_text(s, 1, uid, -1);
    int rc = sh_step(s, err);
    if (rc == SH_ROW)
        *out = (change_row){.id = sh_col_i64(s, 0),
                            .school = sh_col_i64(s, 1),
                            .student = sh_col_i64(s, 2),
                            .from_class = sh_col_i64(s, 3),
                            .to_school = sh_col_i64(s, 4),
                            .to_class = sh_col_i64(s, 5),
                            .kind = dup(p, s, 6),
                            .code = dup(p, s, 7),
                            .effective = dup(p, s, 8)};
    sh_stmt_done(s);
    if (rc == SH_DONE)
        return sh_err_set(err, 500, "missing_change", NULL, "审批申请所指的学籍异动记录不存在");
    return rc == SH_ROW ? SH_OK : SH_ERR;
}

/* Mark the record with the outcome (and, when approved, the approval date and
 * the promotion's counts when given). */
int sh_lc_mark(const sh_flow_run *run, int64_t id, int64_t school, const char *state, const int64_t *counts,
               sh_err *err) {
    sh_record r = sh_lc_record(run->pool, &sh_student_change_entity);
    if (!r.v)
        return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    sh_lc_set_s(&r, "state", state);
    if (strcmp(state, "approved") == 0)
        sh_lc_set_s(&r, "approval_date", run->today);
    if (counts) {
        sh_lc_set_i(&r, "promoted", counts[0]);
        sh_lc_set_i(&r, "graduated", counts[1]);
        sh_lc_set_i(&r, "classes_created", counts[2]);
    }
    int changed = 0;
    return sh_record_update(run->c, run->pool, &r, id, school, run->pv, &changed, err);
}

int sh_lc_close_change(const sh_flow_run *run, sh_err *err) {
    change_row ch = {0};
    if (load_change(run->c, run->pool, run->request->subject_uid, &ch, err) != SH_OK)
        return SH_ERR;
    return sh_lc_mark(run, ch.id, ch.school, run->outcome, NULL, err);
}

int sh_lc_end_enrollment(const sh_flow_run *run, int64_t enrollment, int64_t school, const char *date,
                         const char *exit_type, sh_err *err) {
    sh_record r = sh_lc_record(run->pool, &sh_enrollment_entity);
    if (!r.v)
        return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    sh_lc_set_s(&r, "exit_date", date);
    if (exit_type)
        sh_lc_set_s(&r, "exit_type", exit_type);
    int changed = 0;
    return sh_record_update(run->c, run->pool, &r, enrollment, school, run->pv, &changed, err);
}

int sh_lc_start_enrollment(const sh_flow_run *run, int64_t school, int64_t student, int64_t class_id,
                           const char *date, const char *entry_type, sh_err *err) {
    sh_record r = sh_lc_record(run->pool, &sh_enrollment_entity);
    if (!r.v)
        return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    sh_lc_set_i(&r, "school", school);
    sh_lc_set_i(&r, "student", student);
    sh_lc_set_i(&r, "class", class_id);
    sh_lc_set_s(&r, "entry_date", date);
    if (entry_type)
        sh_lc_set_s(&r, "entry_type", entry_type);
    int64_t key = 0;
    return sh_record_insert(run->c, run->pool, &r, school, run->pv, &key, NULL, err);
}

int sh_lc_set_status(const sh_flow_run *run, int64_t student, int64_t school, const char *status,
                     sh_err *err) {
    sh_record r = sh_lc_record(run->pool, &sh_student_entity);
    if (!r.v)
        return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    sh_lc_set_s(&r, "status", status);
    int changed = 0;
    return sh_record_update(run->c, run->pool, &r, student, school, run->pv, &changed, err);
}

/* The fields a student row at the receiving school takes over from the sending
 * school's row: the same person with the same 学籍号 (decrypted here and sealed
 * again for the new row, whose public id binds the ciphertext). */
static const char *const carried[] = {"name",        "gender",     "student_number",  "category",
                                      "entry_month", "hukou_type", "attendance_mode", "inclusive"};

/* The student's row at the receiving school: the existing one (a student who
 * comes back) or a new copy of the sending row. */
static int receiving_student(const sh_flow_run *run, int64_t from, int64_t school, int64_t *out,
                             sh_err *err) {
    sh_conn *c = run->c;
    sh_stmt *s = sh_prepare(c,
                            "SELECT r.id FROM student r JOIN student f ON f.person_id = r.person_id"
                            " WHERE f.id = $1 AND r.school_id = $2 ORDER BY r.id DESC LIMIT 1",
                            err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, from);
    sh_bind_i64(s, 2, school);
    int rc = sh_step(s, err);
    *out = rc == SH_ROW ? sh_col_i64(s, 0) : 0;
    sh_stmt_done(s);
    if (rc == SH_ERR)
        return SH_ERR;
    if (*out)
        return sh_lc_set_status(run, *out, school, "01", err);
    const sh_entity *e = &sh_student_entity;
    sh_buf *q = sh_pool_buf(run->pool, 1024);
    if (!q)
        return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    sh_buf_puts(q, "SELECT uid, person_id");
    for (size_t i = 0; i < sizeof carried / sizeof carried[0]; i++)
        sh_buf_printf(q, ", %s", sh_entity_field(e, carried[i])->column);
    sh_buf_puts(q, " FROM student WHERE id = $1");
    s = sh_buf_ok(q) == SH_OK ? sh_prepare(c, q->data, err) : NULL;
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, from);
    rc = sh_step(s, err);
    sh_record r = sh_lc_record(run->pool, e);
    if (rc == SH_ROW && r.v) {
        const char *uid = dup(run->pool, s, 0);
        sh_lc_set_i(&r, "school", school);
        sh_lc_set_i(&r, "person", sh_col_i64(s, 1));
        sh_lc_set_s(&r, "status", "01");
        for (size_t i = 0; i < sizeof carried / sizeof carried[0]; i++) {
            const sh_field *f = sh_entity_field(e, carried[i]);
            int col = (int)i + 2;
            if (sh_col_is_null(s, col))
                continue;
            const char *v = (f->flags & SH_F_ENCRYPT)
                                ? sh_field_open(run->pool, e, f, uid, sh_col_blob(s, col), sh_col_len(s, col))
                                : dup(run->pool, s, col);
            if (!v) {
                rc = sh_err_set(err, 500, "decryption_failed", f->name, "无法读取学生的“%s”", f->label);
                break;
            }
            sh_lc_set_s(&r, carried[i], v);
        }
    }
    sh_stmt_done(s);
    if (rc == SH_ERR)
        return SH_ERR;
    if (rc != SH_ROW || !r.v)
        return sh_err_set(err, 500, "missing_student", "student", "学生记录不存在");
    return sh_record_insert(c, run->pool, &r, school, run->pv, out, NULL, err);
}

int sh_lc_apply_change(const sh_flow_run *run, sh_err *err) {
    sh_conn *c = run->c;
    change_row ch = {0};
    if (load_change(c, run->pool, run->request->subject_uid, &ch, err) != SH_OK)
        return SH_ERR;
    const sh_change_kind *k = sh_change_kind_by_name(ch.kind);
    if (!k)
        return sh_err_set(err, 500, "unknown_change_kind", NULL, "未知的学籍异动种类");
    /* the student now */
    sh_stmt *s =
        sh_prepare(c,
                   "SELECT s.status, COALESCE(e.id, 0), COALESCE(e.class_id, 0), e.entry_date"
                   " FROM student s LEFT JOIN enrollment e ON e.student_id = s.id AND e.exit_date IS NULL"
                   " WHERE s.id = $1 ORDER BY e.id DESC LIMIT 1",
                   err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, ch.student);
    int rc = sh_step(s, err);
    const char *status = rc == SH_ROW ? dup(run->pool, s, 0) : NULL;
    int64_t enrollment = rc == SH_ROW ? sh_col_i64(s, 1) : 0, current = rc == SH_ROW ? sh_col_i64(s, 2) : 0;
    const char *entry = rc == SH_ROW ? dup(run->pool, s, 3) : NULL;
    sh_stmt_done(s);
    if (rc == SH_ERR)
        return SH_ERR;
    if (k->needs_enrolled && (!enrollment || current != ch.from_class))
        return sh_err_set(
            err, 409, "student_not_in_class", "student",
            "该学生已不在提出申请时的班级（可能已转出、调班或升级），申请无法生效；请驳回，或由提交人撤回后重新申请");
    if (!k->needs_enrolled && (enrollment || !status || strcmp(status, "02") != 0))
        return sh_err_set(err, 409, "not_suspended", "student",
                          "该学生已不在休学中，复学申请无法生效；请驳回");
    if (entry && ch.effective && strcmp(ch.effective, entry) < 0)
        return sh_err_set(err, 409, "date_out_of_range", "effective_date",
                          "异动日期 %s 早于学生进入现班级的日期 %s，申请无法生效；请驳回后重新申请",
                          ch.effective, entry);
    int64_t school = ch.to_school ? ch.to_school : ch.school;
    if (ch.to_class) {
        s = sh_prepare(c, "SELECT 1 FROM org_unit WHERE id = $1 AND kind = 'class' AND school_id = $2", err);
        if (!s)
            return SH_ERR;
        sh_bind_i64(s, 1, ch.to_class);
        sh_bind_i64(s, 2, school);
        rc = sh_step(s, err);
        sh_stmt_done(s);
        if (rc == SH_ERR)
            return SH_ERR;
        if (rc == SH_DONE)
            return sh_err_set(err, 409, "class_gone", "to_class",
                              "新班级已不属于该学校，申请无法生效；请驳回");
    }
    if (ch.to_school) {
        s = sh_prepare(c,
                       "SELECT 1 FROM student r JOIN student f ON f.person_id = r.person_id"
                       " JOIN enrollment e ON e.student_id = r.id AND e.exit_date IS NULL"
                       " WHERE f.id = $1 AND r.school_id = $2",
                       err);
        if (!s)
            return SH_ERR;
        sh_bind_i64(s, 1, ch.student);
        sh_bind_i64(s, 2, ch.to_school);
        rc = sh_step(s, err);
        sh_stmt_done(s);
        if (rc == SH_ERR)
            return SH_ERR;
        if (rc == SH_ROW)
            return sh_err_set(err, 409, "already_enrolled", "to_school",
                              "该学生已在转入学校就读，申请无法生效");
    }
    /* the effects, in the order a reader of the change feed replays them */
    if (enrollment && sh_lc_end_enrollment(run, enrollment, ch.school, ch.effective, k->code, err) != SH_OK)
        return SH_ERR;
    if (k->status && sh_lc_set_status(run, ch.student, ch.school, k->status, err) != SH_OK)
        return SH_ERR;
    int64_t target = ch.student;
    if (ch.to_school && receiving_student(run, ch.student, ch.to_school, &target, err) != SH_OK)
        return SH_ERR;
    if (ch.to_class &&
        sh_lc_start_enrollment(run, school, target, ch.to_class, ch.effective, k->entry_type, err) != SH_OK)
        return SH_ERR;
    return sh_lc_mark(run, ch.id, ch.school, "approved", NULL, err);
}
