/* promotion.c — the year-end promotion of a whole school (升级), run when its
 * approval flow approves it: every student whose current enrolment in a class
 * began before the effective date leaves that class on the effective date and
 * enters the class with the same number in the next grade (grades.c gives the
 * succession; a missing grade node or class is created under the school, named
 * like its neighbours), and the last grade of a stage graduates (enrolment
 * ended, status 07 毕业). JY/T 1001 has no 异动类别 for a regular promotion or
 * graduation — they are not 异动 — so these enrolments carry no exit or entry
 * type; the promotion's student_change record says what happened. Enrolments
 * that began on or after the effective date already belong to the new year and
 * are left alone, which also makes a repeated run change nothing. */
#include "lifecycle/module.h"

#include "audit/audit.h"
#include "org/org.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct grade_node {
    int64_t id, parent;
    const char *name;
    int stage, year, known;
} grade_node;

typedef struct klass {
    int64_t id, grade;
    const char *name;
    int number;
    int graduate;
    int stage, year; /* the next grade */
    int64_t target;  /* the class students move to, once found or made */
} klass;

typedef struct row {
    int64_t enrollment, student;
    int klass; /* index into plan.classes */
} row;

typedef struct plan {
    grade_node *grades;
    int ngrades, capgrades;
    klass *classes;
    int nclasses, capclasses;
    row *rows;
    int nrows, caprows;
    int has_junior;
} plan;

/* Make room for one more element of an array kept in pool memory. */
static void *room(sh_pool *p, void *arr, int n, int *cap, size_t size) {
    if (n < *cap)
        return arr;
    int more = *cap ? *cap * 2 : 16;
    void *grown = sh_palloc(p, size * (size_t)more);
    if (grown && n)
        memcpy(grown, arr, size * (size_t)n);
    if (grown)
        *cap = more;
    return grown;
}

/* The class number in a name like 七年级（3）班 or 7(3)班; 0 when none. */
int sh_lc_class_number(const char *name) {
    for (const char *s = name; s && *s; s++) {
        const char *d = NULL;
        if (*s == '(')
            d = s + 1;
        else if (strncmp(s, "\xEF\xBC\x88", 3) == 0) /* （ */
            d = s + 3;
        if (d && *d >= '0' && *d <= '9') {
            char *end;
            long n = strtol(d, &end, 10);
            if (n > 0 && n < 1000 && (*end == ')' || strncmp(end, "\xEF\xBC\x89", 3) == 0)) /* ） */
                return (int)n;
        }
    }
    return 0;
}

/* The class number of a class profile (班号, e.g. "03"); 0 when none. */
static int profile_number(const char *v) {
    if (!v || *v < '0' || *v > '9')
        return 0;
    char *end;
    long n = strtol(v, &end, 10);
    return *end == '\0' && n > 0 && n < 1000 ? (int)n : 0;
}

static int load_grades(sh_conn *c, sh_pool *p, int64_t school, plan *pl, sh_err *err) {
    sh_stmt *s = sh_prepare(c,
                            "SELECT id, COALESCE(parent_id, 0), name FROM org_unit WHERE school_id = $1"
                            " AND kind = 'grade' ORDER BY id",
                            err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, school);
    int rc;
    while ((rc = sh_step(s, err)) == SH_ROW) {
        pl->grades = room(p, pl->grades, pl->ngrades, &pl->capgrades, sizeof *pl->grades);
        if (!pl->grades) {
            sh_stmt_done(s);
            return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
        }
        grade_node *g = &pl->grades[pl->ngrades++];
        *g = (grade_node){
            .id = sh_col_i64(s, 0), .parent = sh_col_i64(s, 1), .name = sh_pstrdup(p, sh_col_text(s, 2))};
        g->known = sh_grade_parse(g->name, &g->stage, &g->year);
        if (g->known && g->stage == SH_STAGE_JUNIOR)
            pl->has_junior = 1;
    }
    sh_stmt_done(s);
    return rc == SH_ERR ? SH_ERR : SH_OK;
}

static const grade_node *grade_of(const plan *pl, int64_t id) {
    for (int i = 0; i < pl->ngrades; i++)
        if (pl->grades[i].id == id)
            return &pl->grades[i];
    return NULL;
}

/* Who moves where: the current enrolments that began before the date, by class,
 * each class with its next grade or graduation. Every problem is reported. */
static int build_plan(sh_conn *c, sh_pool *p, int64_t school, const char *date, plan *pl, sh_err *err) {
    memset(pl, 0, sizeof *pl);
    if (load_grades(c, p, school, pl, err) != SH_OK)
        return SH_ERR;
    sh_stmt *s = sh_prepare(c,
                            "SELECT e.id, e.student_id, e.class_id, k.name, COALESCE(k.parent_id, 0),"
                            " cp.class_number FROM enrollment e JOIN org_unit k ON k.id = e.class_id"
                            " LEFT JOIN class_profile cp ON cp.class_id = k.id"
                            " WHERE e.school_id = $1 AND e.exit_date IS NULL AND e.entry_date < $2"
                            " ORDER BY e.class_id, e.id",
                            err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, school);
    sh_bind_text(s, 2, date, -1);
    int rc;
    while ((rc = sh_step(s, err)) == SH_ROW) {
        int64_t cls = sh_col_i64(s, 2);
        if (!pl->nclasses || pl->classes[pl->nclasses - 1].id != cls) {
            pl->classes = room(p, pl->classes, pl->nclasses, &pl->capclasses, sizeof *pl->classes);
            if (!pl->classes)
                break;
            klass *k = &pl->classes[pl->nclasses++];
            *k = (klass){.id = cls, .grade = sh_col_i64(s, 4), .name = sh_pstrdup(p, sh_col_text(s, 3))};
            k->number = sh_lc_class_number(k->name);
            if (!k->number)
                k->number = profile_number(sh_col_text(s, 5));
        }
        pl->rows = room(p, pl->rows, pl->nrows, &pl->caprows, sizeof *pl->rows);
        if (!pl->rows)
            break;
        pl->rows[pl->nrows++] =
            (row){.enrollment = sh_col_i64(s, 0), .student = sh_col_i64(s, 1), .klass = pl->nclasses - 1};
    }
    sh_stmt_done(s);
    if (rc == SH_ERR)
        return SH_ERR;
    if (rc == SH_ROW)
        return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    size_t before = sh_err_count(err);
    for (int i = 0; i < pl->nclasses; i++) {
        klass *k = &pl->classes[i];
        const grade_node *g = grade_of(pl, k->grade);
        if (!g || !g->known) {
            int reported = 0; /* once per grade */
            for (int j = 0; j < i; j++)
                reported |= pl->classes[j].grade == k->grade;
            if (!reported)
                sh_err_add(err, 400, "unknown_grade", "school", g ? g->name : k->name,
                           "无法确定“%s”的下一年级：年级应名为一年级至九年级、初一至初三或高一至高三",
                           g ? g->name : k->name);
            continue;
        }
        int next = sh_grade_next(g->stage, g->year, pl->has_junior, &k->stage, &k->year);
        k->graduate = next == 0;
        if (next == 1 && !k->number)
            sh_err_add(err, 400, "unknown_class_number", "school", k->name,
                       "无法确定班级“%s”的班号：班级名称应含（班号），或在班级档案中填写班号", k->name);
    }
    return sh_err_count(err) > before ? SH_ERR : SH_OK;
}

int sh_lc_plan_promotion(sh_conn *c, sh_pool *p, int64_t school, const char *effective_date, sh_err *err) {
    plan pl;
    return build_plan(c, p, school, effective_date, &pl, err);
}

/* Insert an org node and audit it as the approval's decider. */
static int new_org(const sh_flow_run *run, const char *kind, const char *name, int64_t parent, int64_t school,
                   int64_t *id, sh_err *err) {
    sh_org_new n = {.kind = kind, .name = name, .parent = parent, .school_id = school};
    if (sh_org_insert(run->c, &n, id, err) != SH_OK)
        return SH_ERR;
    sh_stmt *s = sh_prepare(
        run->c, "SELECT o.uid, (SELECT login FROM account WHERE id = $2) FROM org_unit o WHERE o.id = $1",
        err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, *id);
    sh_bind_i64(s, 2, run->pv ? run->pv->actor : 0);
    char object[64] = "", actor[72] = "-";
    if (sh_step(s, err) == SH_ROW) {
        snprintf(object, sizeof object, "org:%s", sh_col_text(s, 0));
        if (sh_col_text(s, 1))
            snprintf(actor, sizeof actor, "%s", sh_col_text(s, 1));
    }
    sh_stmt_done(s);
    char detail[200];
    snprintf(detail, sizeof detail, "学年升级新建%s：%s", strcmp(kind, SH_ORG_GRADE) == 0 ? "年级" : "班级",
             name);
    sh_audit_event ev = {.event = "create",
                         .ok = 1,
                         .account_id = run->pv ? run->pv->actor : 0,
                         .actor = actor,
                         .object = object,
                         .detail = detail};
    return sh_audit_write(run->c, &ev, err);
}

/* The class students of k move to: the next grade's class with the same number,
 * made (with the grade node when needed) when it does not exist. */
static int target_class(const sh_flow_run *run, int64_t school, plan *pl, klass *k, int *created,
                        sh_err *err) {
    const grade_node *cur = grade_of(pl, k->grade);
    const grade_node *next = NULL;
    for (int i = 0; i < pl->ngrades; i++) {
        const grade_node *g = &pl->grades[i];
        if (g->known && g->stage == k->stage && g->year == k->year && (!next || g->parent == cur->parent))
            next = g;
    }
    if (!next) {
        pl->grades = room(run->pool, pl->grades, pl->ngrades, &pl->capgrades, sizeof *pl->grades);
        if (!pl->grades)
            return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
        grade_node *g = &pl->grades[pl->ngrades];
        *g = (grade_node){.parent = cur->parent,
                          .name = sh_grade_name(k->stage, k->year),
                          .stage = k->stage,
                          .year = k->year,
                          .known = 1};
        if (new_org(run, SH_ORG_GRADE, g->name, g->parent, school, &g->id, err) != SH_OK)
            return SH_ERR;
        pl->ngrades++;
        next = g;
    }
    sh_stmt *s = sh_prepare(run->c,
                            "SELECT k.id, k.name, cp.class_number FROM org_unit k"
                            " LEFT JOIN class_profile cp ON cp.class_id = k.id"
                            " WHERE k.parent_id = $1 AND k.kind = 'class' ORDER BY k.id",
                            err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, next->id);
    int rc = SH_DONE;
    k->target = 0;
    while (!k->target && (rc = sh_step(s, err)) == SH_ROW) {
        int n = sh_lc_class_number(sh_col_text(s, 1));
        if (!n)
            n = profile_number(sh_col_text(s, 2));
        if (n == k->number)
            k->target = sh_col_i64(s, 0);
    }
    sh_stmt_done(s);
    if (!k->target && rc == SH_ERR)
        return SH_ERR;
    if (k->target)
        return SH_OK;
    char name[128];
    snprintf(name, sizeof name, "%s（%d）班", next->name, k->number);
    (*created)++;
    return new_org(run, SH_ORG_CLASS, name, next->id, school, &k->target, err);
}

int sh_lc_apply_promotion(const sh_flow_run *run, sh_err *err) {
    sh_stmt *s =
        sh_prepare(run->c, "SELECT id, school_id, effective_date FROM student_change WHERE uid = $1", err);
    if (!s)
        return SH_ERR;
    sh_bind_text(s, 1, run->request->subject_uid, -1);
    int rc = sh_step(s, err);
    int64_t id = rc == SH_ROW ? sh_col_i64(s, 0) : 0, school = rc == SH_ROW ? sh_col_i64(s, 1) : 0;
    const char *date = rc == SH_ROW ? sh_pstrdup(run->pool, sh_col_text(s, 2)) : NULL;
    sh_stmt_done(s);
    if (rc != SH_ROW)
        return rc == SH_ERR ? SH_ERR
                            : sh_err_set(err, 500, "missing_change", NULL, "升级申请所指的记录不存在");
    plan pl;
    if (build_plan(run->c, run->pool, school, date, &pl, err) != SH_OK)
        return SH_ERR;
    int64_t counts[3] = {0, 0, 0}; /* promoted, graduated, classes created */
    int created = 0;
    for (int i = 0; i < pl.nclasses; i++)
        if (!pl.classes[i].graduate && target_class(run, school, &pl, &pl.classes[i], &created, err) != SH_OK)
            return SH_ERR;
    for (int i = 0; i < pl.nrows; i++) {
        const row *r = &pl.rows[i];
        const klass *k = &pl.classes[r->klass];
        if (sh_lc_end_enrollment(run, r->enrollment, school, date, NULL, err) != SH_OK)
            return SH_ERR;
        if (k->graduate) {
            if (sh_lc_set_status(run, r->student, school, "07", err) != SH_OK)
                return SH_ERR;
            counts[1]++;
        } else {
            if (sh_lc_start_enrollment(run, school, r->student, k->target, date, NULL, err) != SH_OK)
                return SH_ERR;
            counts[0]++;
        }
    }
    counts[2] = created;
    return sh_lc_mark(run, id, school, "approved", counts, err);
}
