/* kind_staff.c — importing staff (教职工): one row gives the person (found by the
 * ID number's keyed hash, registered when new) and the staff record in the
 * school. Natural key: the school and the 工号; a 工号 twice in one file, or an
 * ID number already used by another 工号 of the school, is a row error. */
#include "import/kinds.h"

#include "roster/persons.h"
#include "roster/roster.h"

#include <string.h>

enum {
    C_SCHOOL,
    C_NAME,
    C_NUMBER,
    C_GENDER,
    C_BIRTH,
    C_ID_TYPE,
    C_ID_NUMBER,
    C_ETHNICITY,
    C_PHONE,
    C_CATEGORY,
    C_EDUCATION,
    C_TITLE,
    C_STAFFING,
    C_STATUS,
    C_SUBJECTS,
    C_COUNT
};

static const sh_import_column columns[C_COUNT] = {
    [C_SCHOOL] = {"school_code", "学校标识码", "学校代码", "10 位学校标识码", SH_IMPORT_REQUIRED, 0},
    [C_NAME] = {"name", "姓名", "教职工姓名|教师姓名", NULL, SH_IMPORT_REQUIRED, SH_MASK_NAME},
    [C_NUMBER] = {"staff_number", "工号", "教职工号|教职工编号", "本校唯一", SH_IMPORT_REQUIRED, 0},
    [C_GENDER] = {"gender", "性别", "性别码", "1 男，2 女（也可写“男”“女”）", 0, 0},
    [C_BIRTH] = {"birth_date", "出生日期", NULL, "YYYY-MM-DD；有身份证号时可不填", 0, SH_MASK_DATE},
    [C_ID_TYPE] = {"id_type", "身份证件类型", "证件类型", "1 居民身份证（默认）", 0, 0},
    [C_ID_NUMBER] = {"id_number", "身份证件号", "身份证号|身份证件号码|证件号码", NULL, 0, SH_MASK_ID},
    [C_ETHNICITY] = {"ethnicity", "民族", NULL, "代码或名称，如 01 或 汉族", 0, SH_MASK_HIDE},
    [C_PHONE] = {"phone", "联系电话", "手机号|手机号码", NULL, 0, SH_MASK_PHONE},
    [C_CATEGORY] = {"category", "教职工类别", "教职工类别码", NULL, 0, 0},
    [C_EDUCATION] = {"education", "学历", "最高学历", "代码或名称，如 21 或 大学本科", 0, 0},
    [C_TITLE] = {"title", "职称", "专业技术职务", NULL, 0, 0},
    [C_STAFFING] = {"staffing", "编制类别", NULL, NULL, 0, 0},
    [C_STATUS] = {"status", "当前状态", "任职状态", NULL, 0, 0},
    [C_SUBJECTS] = {"subjects", "任教学科", "任教学科码", "课程代码，空格分隔，如 13 14", 0, 0},
};

static const struct {
    int col;
    const char *field;
} staff_cols[] = {
    {C_NAME, "name"},   {C_NUMBER, "staff_number"}, {C_CATEGORY, "category"}, {C_EDUCATION, "education"},
    {C_TITLE, "title"}, {C_STAFFING, "staffing"},   {C_STATUS, "status"},     {C_SUBJECTS, "subjects"},
};
static const struct {
    int col;
    const char *field;
} profile_cols[] = {
    {C_GENDER, "gender"}, {C_BIRTH, "birth_date"}, {C_ETHNICITY, "ethnicity"}, {C_PHONE, "phone"}};

static int staff_row(sh_import *im, const sh_import_row *row, sh_err *err) {
    sh_pool *p = im->row_pool;
    sh_record st = sh_import_record(p, &sh_staff_entity),
              prof = sh_import_record(p, &sh_person_profile_entity);
    if (!st.v || !prof.v)
        return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    int64_t school = sh_import_school(im, row, C_SCHOOL, err);
    for (size_t i = 0; i < sizeof staff_cols / sizeof staff_cols[0]; i++)
        sh_import_set(im, row, staff_cols[i].col, &st, staff_cols[i].field, err);
    for (size_t i = 0; i < sizeof profile_cols / sizeof profile_cols[0]; i++)
        sh_import_set(im, row, profile_cols[i].col, &prof, profile_cols[i].field, err);
    const char *type, *number;
    int bad = sh_err_count(err) > 0;
    if (sh_import_document(im, row, C_ID_TYPE, C_ID_NUMBER, &prof, &type, &number, err) != SH_OK || bad)
        return SH_ERR;
    const char *staff_number = sh_import_value(&st, "staff_number")->s;
    const char *name = sh_import_value(&st, "name")->s;
    if (sh_import_once(im, row, C_NUMBER, sh_psprintf(p, "no:%lld:%s", (long long)school, staff_number),
                       err) != SH_OK ||
        (number &&
         sh_import_once(im, row, C_ID_NUMBER, sh_psprintf(p, "id:%s:%s", type, number), err) != SH_OK))
        return SH_ERR;
    int64_t key = 0, person = 0;
    sh_stmt *s =
        sh_prepare(im->c, "SELECT id, person_id FROM staff WHERE school_id = $1 AND staff_number = $2", err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, school);
    sh_bind_text(s, 2, staff_number, -1);
    int rc = sh_step(s, err);
    if (rc == SH_ROW) {
        key = sh_col_i64(s, 0);
        person = sh_col_i64(s, 1);
    }
    sh_stmt_done(s);
    if (rc == SH_ERR)
        return SH_ERR;
    int64_t by_doc = number ? sh_person_by_document(im->c, type, number, err) : 0;
    if (by_doc < 0)
        return SH_ERR;
    if (key && number && by_doc != person) {
        /* the 工号's holder may gain a document, not change it */
        int64_t has =
            by_doc
                ? 1
                : sh_import_i64(im,
                                "SELECT count(*) FROM person_document WHERE person_id = $1 AND doc_type = $2",
                                person, NULL, 0, type, err);
        if (has < 0)
            return SH_ERR;
        if (has)
            return sh_err_add(err, 400, "number_taken", "staff_number", staff_number,
                              "工号 %s 在本校已属于另一位教职工（身份证件号不同）", staff_number);
        if (sh_person_add_document(im->c, p, person, type, number, NULL, NULL, &im->o->pv, err) != SH_OK)
            return SH_ERR;
    }
    if (!person)
        person = by_doc;
    if (sh_import_person(im, &person, name, type, number, NULL, &prof, err) != SH_OK)
        return SH_ERR;
    if (!key) {
        *sh_import_value(&st, "school") = (sh_value){.set = 1, .i = school};
        *sh_import_value(&st, "person") = (sh_value){.set = 1, .i = person};
    }
    return sh_import_upsert(im, &st, &key, school, 1, err);
}

const sh_import_kind sh_import_staff = {
    .name = "staff",
    .label = "教职工",
    .columns = columns,
    .ncolumns = C_COUNT,
    .row = staff_row,
};
