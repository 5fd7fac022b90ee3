/* kind_guardians.c — importing family members (家庭成员): one row names a student
 * of the school (by ID number or 全国学籍号) and a family member, who becomes a
 * person of their own (deduplicated on their ID number like anyone else) with
 * the relation and whether they are a legal guardian. A guardian must be an
 * adult on the day of the import (when their birth date is known). Natural key:
 * the student and the member (by document, else by name and relation). */
#include "import/kinds.h"

#include "core/clock.h"
#include "model/fieldcrypt.h"
#include "roster/persons.h"
#include "roster/roster.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    C_SCHOOL,
    C_STUDENT_ID,
    C_STUDENT_NUMBER,
    C_NAME,
    C_RELATION,
    C_GUARDIAN,
    C_ID_TYPE,
    C_ID_NUMBER,
    C_BIRTH,
    C_PHONE,
    C_WORK,
    C_COUNT
};

static const sh_import_column columns[C_COUNT] = {
    [C_SCHOOL] = {"school_code", "学校标识码", "学校代码", "10 位学校标识码", SH_IMPORT_REQUIRED, 0},
    [C_STUDENT_ID] = {"student_id_number", "学生身份证件号", "学生身份证号", "与“学生全国学籍号”至少填一项",
                      0, SH_MASK_ID},
    [C_STUDENT_NUMBER] = {"student_number", "学生全国学籍号", "学籍号|全国学籍号", NULL, 0, SH_MASK_ID},
    [C_NAME] = {"name", "成员姓名", "家庭成员姓名|监护人姓名|家长姓名", NULL, SH_IMPORT_REQUIRED,
                SH_MASK_NAME},
    [C_RELATION] = {"relation", "关系", "与学生关系|家庭成员关系", "代码或名称：51 父亲，52 母亲 …",
                    SH_IMPORT_REQUIRED, SH_MASK_HIDE},
    [C_GUARDIAN] = {"is_guardian", "是否监护人", "监护人", "是 / 否（或 1 / 0）", SH_IMPORT_REQUIRED, 0},
    [C_ID_TYPE] = {"id_type", "成员身份证件类型", "身份证件类型", "1 居民身份证（默认）", 0, 0},
    [C_ID_NUMBER] = {"id_number", "成员身份证件号", "身份证件号|身份证号|成员身份证号", NULL, 0, SH_MASK_ID},
    [C_BIRTH] = {"birth_date", "成员出生日期", "出生日期", "有身份证号时可不填", 0, SH_MASK_DATE},
    [C_PHONE] = {"phone", "联系电话", "成员联系电话|手机号", NULL, 0, SH_MASK_PHONE},
    [C_WORK] = {"work_unit", "工作单位", "成员工作单位", NULL, 0, SH_MASK_HIDE},
};

/* The student of the row, in the school: by ID number, else by 学籍号. */
static int64_t find_student(sh_import *im, const sh_import_row *row, int64_t school, sh_err *err) {
    static const sh_field id_field = {
        .name = "student_id_number", .label = "学生身份证件号", .type = SH_T_TEXT, .max_len = 20};
    static const sh_field sn_field = {
        .name = "student_number", .label = "学生全国学籍号", .type = SH_T_TEXT, .max_len = 19};
    const char *id, *sn;
    if (sh_import_field(im, row, C_STUDENT_ID, &id_field, &id, err) != SH_OK ||
        sh_import_field(im, row, C_STUDENT_NUMBER, &sn_field, &sn, err) != SH_OK)
        return SH_ERR;
    if (!id && !sn)
        return sh_err_add(err, 400, "required", "student_id_number", NULL,
                          "“学生身份证件号”与“学生全国学籍号”至少填一项");
    if (!school)
        return SH_ERR;
    int64_t student = 0;
    if (id) {
        char *up = sh_pstrdup(im->row_pool, id);
        for (char *q = up; q && *q; q++)
            if (*q == 'x')
                *q = 'X';
        int64_t person = up ? sh_person_by_document(im->c, "1", up, err) : SH_ERR;
        student = person > 0
                      ? sh_import_i64_2(im, "SELECT id FROM student WHERE school_id = $1 AND person_id = $2",
                                        school, person, err)
                      : person;
    } else {
        unsigned char h[SH_LOOKUP_HASH_BYTES];
        if (sh_lookup_hash(sn, strlen(sn), h) != SH_OK)
            return sh_err_set(err, 500, "encryption_unavailable", NULL, "未加载密钥");
        student =
            sh_import_i64(im, "SELECT id FROM student WHERE school_id = $1 AND student_number_hash = $2",
                          school, h, sizeof h, NULL, err);
    }
    if (student == 0)
        return sh_err_add(err, 400, "unknown_student", id ? "student_id_number" : "student_number", NULL,
                          "本校没有这名学生（请先导入学生）");
    return student;
}

static int guardian_row(sh_import *im, const sh_import_row *row, sh_err *err) {
    sh_pool *p = im->row_pool;
    sh_import_member m = {.link = sh_import_record(p, &sh_guardian_entity),
                          .prof = sh_import_record(p, &sh_person_profile_entity)};
    if (!m.link.v || !m.prof.v)
        return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    int64_t school = sh_import_school(im, row, C_SCHOOL, err);
    int64_t student = find_student(im, row, school, err);
    sh_import_set(im, row, C_NAME, &m.link, "name", err);
    sh_import_set(im, row, C_RELATION, &m.link, "relation", err);
    sh_import_set(im, row, C_GUARDIAN, &m.link, "is_guardian", err);
    sh_import_set(im, row, C_BIRTH, &m.prof, "birth_date", err);
    sh_import_set(im, row, C_PHONE, &m.prof, "phone", err);
    sh_import_set(im, row, C_WORK, &m.prof, "work_unit", err);
    int bad = sh_err_count(err) > 0 || student <= 0;
    if (sh_import_document(im, row, C_ID_TYPE, C_ID_NUMBER, &m.prof, &m.type, &m.number, err) != SH_OK || bad)
        return SH_ERR;
    if (sh_import_member_adult(im, &m, m.number ? C_ID_NUMBER : C_BIRTH, err) != SH_OK)
        return SH_ERR;
    const char *name = sh_import_value(&m.link, "name")->s,
               *relation = sh_import_value(&m.link, "relation")->s;
    const char *key_text = m.number ? sh_psprintf(p, "%lld:id:%s:%s", (long long)student, m.type, m.number)
                                    : sh_psprintf(p, "%lld:nm:%s:%s", (long long)student, name, relation);
    if (sh_import_once(im, row, m.number ? C_ID_NUMBER : C_NAME, key_text, err) != SH_OK)
        return SH_ERR;
    return sh_import_member_write(im, school, student, &m, 1, err);
}

const sh_import_kind sh_import_guardians = {
    .name = "guardians",
    .label = "家庭成员",
    .columns = columns,
    .ncolumns = C_COUNT,
    .row = guardian_row,
};
