/* kind_classes.c — importing classes (班级): one row names a school, a grade and a
 * class, and gives the class's profile (班号, 班级类型, 入学年份, 班主任 by 工号).
 * A grade or class the school does not have yet is added to the organisation
 * tree under the school (grades by name, classes by name within their grade);
 * the profile is upserted on the class. Natural key: school, grade and class
 * name; the same class twice in one file is a row error. Staff come after
 * classes only for the head teacher: a 工号 the school does not have is an error,
 * so a first import of a school goes classes (without 班主任) → staff → classes
 * again, or staff first. */
#include "import/kinds.h"

#include "org/org.h"
#include "roster/roster.h"

#include <string.h>

enum { C_SCHOOL, C_GRADE, C_CLASS, C_NUMBER, C_TYPE, C_ENTRY_YEAR, C_HEAD, C_COUNT };

static const sh_import_column columns[C_COUNT] = {
    [C_SCHOOL] = {"school_code", "学校标识码", "学校代码|学校识别码", "10 位学校标识码", SH_IMPORT_REQUIRED,
                  0},
    [C_GRADE] = {"grade", "年级", "年级名称|所在年级", "如 七年级、高一", SH_IMPORT_REQUIRED, 0},
    [C_CLASS] = {"class", "班级", "班级名称", "如 七年级（1）班", SH_IMPORT_REQUIRED, 0},
    [C_NUMBER] = {"class_number", "班号", NULL, "如 01", 0, 0},
    [C_TYPE] = {"class_type", "班级类型", "班级类型码", "代码或名称，如 10 或 小学普通班", 0, 0},
    [C_ENTRY_YEAR] = {"entry_year", "入学年份", "年级（级）|入学年度", "如 2026", 0, 0},
    [C_HEAD] = {"head_teacher", "班主任工号", "班主任教职工号", "本校教职工的工号", 0, 0},
};

/* The org node of kind under parent with this name; 0 when there is none. */
static int64_t node(sh_import *im, int64_t parent, const char *kind, const char *name, sh_err *err) {
    sh_stmt *s =
        sh_prepare(im->c, "SELECT id FROM org_unit WHERE parent_id = $1 AND kind = $2 AND name = $3", err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, parent);
    sh_bind_text(s, 2, kind, -1);
    sh_bind_text(s, 3, name, -1);
    int rc = sh_step(s, err);
    int64_t id = rc == SH_ROW ? sh_col_i64(s, 0) : 0;
    sh_stmt_done(s);
    return rc == SH_ERR ? SH_ERR : id;
}

/* The node, added under parent when the school does not have it yet. */
static int64_t node_or_new(sh_import *im, int64_t school, int64_t parent, const char *kind, const char *name,
                           sh_err *err) {
    int64_t id = node(im, parent, kind, name, err);
    if (id)
        return id;
    sh_org_new n = {.kind = kind, .name = name, .parent = parent, .school_id = school};
    return sh_org_insert(im->c, &n, &id, err) == SH_OK ? id : SH_ERR;
}

static int class_row(sh_import *im, const sh_import_row *row, sh_err *err) {
    sh_pool *p = im->row_pool;
    sh_record cp = sh_import_record(p, &sh_class_profile_entity);
    if (!cp.v)
        return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    int64_t school = sh_import_school(im, row, C_SCHOOL, err);
    const char *grade = sh_import_cell(row, C_GRADE), *name = sh_import_cell(row, C_CLASS);
    grade = grade ? sh_normalise_text(p, grade) : NULL;
    name = name ? sh_normalise_text(p, name) : NULL;
    if (!grade || !*grade)
        sh_err_add(err, 400, "required", "grade", NULL, "缺少必填项“年级”");
    if (!name || !*name)
        sh_err_add(err, 400, "required", "class", NULL, "缺少必填项“班级”");
    else if (strlen(name) > 100)
        sh_err_add(err, 400, "too_long", "class", NULL, "“班级”过长");
    sh_import_set(im, row, C_NUMBER, &cp, "class_number", err);
    sh_import_set(im, row, C_TYPE, &cp, "class_type", err);
    sh_import_set(im, row, C_ENTRY_YEAR, &cp, "entry_year", err);
    const char *head = sh_import_cell(row, C_HEAD);
    if (sh_err_count(err) || !school)
        return SH_ERR;
    if (sh_import_once(im, row, C_CLASS, sh_psprintf(p, "class:%lld:%s:%s", (long long)school, grade, name),
                       err) != SH_OK)
        return SH_ERR;
    if (head) {
        head = sh_normalise_text(p, head);
        int64_t staff = sh_import_i64(im, "SELECT id FROM staff WHERE school_id = $1 AND staff_number = $2",
                                      school, NULL, 0, head, err);
        if (staff < 0)
            return SH_ERR;
        if (!staff)
            return sh_err_add(err, 400, "unknown_staff", "head_teacher", head, "本校没有工号为 %s 的教职工",
                              head);
        *sh_import_value(&cp, "head_teacher") = (sh_value){.set = 1, .i = staff};
    }
    int64_t grade_id = node_or_new(im, school, school, SH_ORG_GRADE, grade, err);
    int64_t class_id = grade_id > 0 ? node_or_new(im, school, grade_id, SH_ORG_CLASS, name, err) : SH_ERR;
    if (class_id < 0)
        return SH_ERR;
    int64_t key =
        sh_import_i64(im, "SELECT id FROM class_profile WHERE class_id = $1", class_id, NULL, 0, NULL, err);
    if (key < 0)
        return SH_ERR;
    if (!key) {
        *sh_import_value(&cp, "school") = (sh_value){.set = 1, .i = school};
        *sh_import_value(&cp, "class") = (sh_value){.set = 1, .i = class_id};
    }
    return sh_import_upsert(im, &cp, &key, school, 1, err);
}

const sh_import_kind sh_import_classes = {
    .name = "classes",
    .label = "班级",
    .columns = columns,
    .ncolumns = C_COUNT,
    .row = class_row,
};
