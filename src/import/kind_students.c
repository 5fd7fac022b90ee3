/* kind_students.c — importing students (学生): one row gives the person (found by
 * the ID number's keyed hash, registered when new), the student's 学籍 record in
 * the school and, when a class is named, the enrolment in it. Natural keys: the
 * person (ID document; without one, the 学籍号 or name + gender + birth date
 * within the school) and the school. A student studying at another school, a
 * class change, or the same person twice in one file are row errors: moves
 * between classes and schools are lifecycle actions (学籍异动), not imports. */
#include "import/kinds.h"

#include "core/clock.h"
#include "import/template.h"
#include "model/fieldcrypt.h"
#include "roster/persons.h"
#include "roster/roster.h"

#include <stdio.h>
#include <string.h>

enum {
    C_SCHOOL,
    C_NAME,
    C_GENDER,
    C_BIRTH,
    C_ID_TYPE,
    C_ID_NUMBER,
    C_STUDENT_NUMBER,
    C_LOCAL_NUMBER,
    C_ETHNICITY,
    C_NATIONALITY,
    C_CATEGORY,
    C_STATUS,
    C_ENTRY_MONTH,
    C_HUKOU,
    C_ATTENDANCE,
    C_INCLUSIVE,
    C_GRADE,
    C_CLASS,
    C_ENTRY_DATE,
    C_PHONE,
    C_ADDRESS,
    /* read only through the national registry form (template.h, tpl_national.c) */
    C_BIRTH_PLACE,
    C_NATIVE_PLACE,
    C_HUKOU_PLACE,
    C_POLITICAL,
    C_HMT,
    C_HEALTH,
    C_PINYIN,
    C_FORMER_NAME,
    C_ID_VALID,
    C_ADMISSION,
    C_SOURCE,
    C_CLASS_NUMBER,
    C_SPECIALTY,
    C_MAIL_ADDRESS,
    C_HOME_ADDRESS,
    C_POSTCODE,
    C_EMAIL,
    C_HOMEPAGE,
    C_ONLY_CHILD,
    C_PRESCHOOL,
    C_LEFT_BEHIND,
    C_MIGRANT,
    C_ORPHAN,
    C_MARTYR,
    C_DISABILITY,
    C_GOV_DEGREE,
    C_NEEDS_AID,
    C_ONE_SUBSIDY,
    C_DISTANCE,
    C_COMMUTE,
    C_SCHOOL_BUS,
    C_MEMBER1, /* the two family blocks, M_COUNT columns each */
    C_MEMBER2 = C_MEMBER1 + SH_MEMBER_COLUMNS,
    C_COUNT = C_MEMBER2 + SH_MEMBER_COLUMNS
};

/* A form-only column: its header comes from the template that reads it. */
#define FORM(k, m)                                                                                           \
    { k, NULL, NULL, NULL, SH_IMPORT_FORM_ONLY, m }
#define MEMBER_COLUMNS(n)                                                                                    \
    [C_MEMBER##n + SH_MEMBER_NAME] = FORM("m" #n "_name", SH_MASK_NAME),                                     \
                   [C_MEMBER##n + SH_MEMBER_RELATION] = FORM("m" #n "_relation", SH_MASK_HIDE),              \
                   [C_MEMBER##n + SH_MEMBER_RELATION_NOTE] = FORM("m" #n "_relation_note", SH_MASK_HIDE),    \
                   [C_MEMBER##n + SH_MEMBER_ADDRESS] = FORM("m" #n "_address", SH_MASK_ADDRESS),             \
                   [C_MEMBER##n + SH_MEMBER_HUKOU_PLACE] = FORM("m" #n "_hukou_place", SH_MASK_NONE),        \
                   [C_MEMBER##n + SH_MEMBER_PHONE] = FORM("m" #n "_phone", SH_MASK_PHONE),                   \
                   [C_MEMBER##n + SH_MEMBER_GUARDIAN] = FORM("m" #n "_is_guardian", SH_MASK_NONE),           \
                   [C_MEMBER##n + SH_MEMBER_ID_TYPE] = FORM("m" #n "_id_type", SH_MASK_NONE),                \
                   [C_MEMBER##n + SH_MEMBER_ID_NUMBER] = FORM("m" #n "_id_number", SH_MASK_ID),              \
                   [C_MEMBER##n + SH_MEMBER_ETHNICITY] = FORM("m" #n "_ethnicity", SH_MASK_HIDE),            \
                   [C_MEMBER##n + SH_MEMBER_WORK_UNIT] = FORM("m" #n "_work_unit", SH_MASK_HIDE),            \
                   [C_MEMBER##n + SH_MEMBER_POSITION] = FORM("m" #n "_work_position", SH_MASK_HIDE)

static const sh_import_column columns[C_COUNT] = {
    [C_SCHOOL] = {"school_code", "学校标识码", "学校代码|学校识别码", "10 位学校标识码", SH_IMPORT_REQUIRED},
    [C_NAME] = {"name", "姓名", "学生姓名", NULL, SH_IMPORT_REQUIRED, SH_MASK_NAME},
    [C_GENDER] = {"gender", "性别", "性别码", "1 男，2 女（也可写“男”“女”）", 0},
    [C_BIRTH] = {"birth_date", "出生日期", "出生年月日", "YYYY-MM-DD；有身份证号时可不填", 0, SH_MASK_DATE},
    [C_ID_TYPE] = {"id_type", "身份证件类型", "证件类型|身份证件类型码", "1 居民身份证（默认），A 护照 …", 0},
    [C_ID_NUMBER] = {"id_number", "身份证件号", "身份证号|身份证件号码|证件号码|身份证号码", NULL, 0,
                     SH_MASK_ID},
    [C_STUDENT_NUMBER] = {"student_number", "全国学籍号", "学籍号|学籍编号",
                          "G+身份证号、J 或 L 开头的 19 位", 0, SH_MASK_ID},
    [C_LOCAL_NUMBER] = {"local_number", "学籍辅号", "校内学号|学号", NULL, 0, SH_MASK_ID},
    [C_ETHNICITY] = {"ethnicity", "民族", "民族码", "代码或名称，如 01 或 汉族", 0, SH_MASK_HIDE},
    [C_NATIONALITY] = {"nationality", "国籍/地区", "国籍|国籍地区", "如 CHN 或 中国", 0},
    [C_CATEGORY] = {"category", "学生类别", "学生类别码", NULL, 0},
    [C_STATUS] = {"status", "学生当前状态", "学籍状态|当前状态", "01 在读（默认）…", 0},
    [C_ENTRY_MONTH] = {"entry_month", "入学年月", "入学时间|入学日期", "YYYY-MM", 0},
    [C_HUKOU] = {"hukou_type", "户口性质", "户口性质码", NULL, 0, SH_MASK_HIDE},
    [C_ATTENDANCE] = {"attendance_mode", "就读方式", "就读方式码", "1 走读，2 住校", 0},
    [C_INCLUSIVE] = {"inclusive", "随班就读", "是否随班就读", "0 否，1 是", 0, SH_MASK_HIDE},
    [C_GRADE] = {"grade", "年级", "所在年级", "与机构树中的年级名称一致，如 七年级", 0},
    [C_CLASS] = {"class", "班级", "所在班级|班级名称", "与机构树中的班级名称一致，如 七年级（1）班", 0},
    [C_ENTRY_DATE] = {"entry_date", "入班日期", NULL, "YYYY-MM-DD；不填时取入学年月的 1 日", 0},
    [C_PHONE] = {"phone", "联系电话", "手机号|手机号码|电话", NULL, 0, SH_MASK_PHONE},
    [C_ADDRESS] = {"address", "现住址", "家庭住址|住址", NULL, 0, SH_MASK_ADDRESS},
    [C_BIRTH_PLACE] = FORM("birth_place", SH_MASK_NONE),
    [C_NATIVE_PLACE] = FORM("native_place", SH_MASK_NONE),
    [C_HUKOU_PLACE] = FORM("hukou_place", SH_MASK_NONE),
    [C_POLITICAL] = FORM("political_status", SH_MASK_NONE),
    [C_HMT] = FORM("hmt_overseas", SH_MASK_NONE),
    [C_HEALTH] = FORM("health", SH_MASK_HIDE),
    [C_PINYIN] = FORM("name_pinyin", SH_MASK_HIDE),
    [C_FORMER_NAME] = FORM("former_name", SH_MASK_NAME),
    [C_ID_VALID] = FORM("id_valid", SH_MASK_NONE),
    [C_ADMISSION] = FORM("admission_mode", SH_MASK_NONE),
    [C_SOURCE] = FORM("student_source", SH_MASK_NONE),
    [C_CLASS_NUMBER] = FORM("class_number", SH_MASK_NONE),
    [C_SPECIALTY] = FORM("specialty", SH_MASK_HIDE),
    [C_MAIL_ADDRESS] = FORM("mail_address", SH_MASK_ADDRESS),
    [C_HOME_ADDRESS] = FORM("home_address", SH_MASK_ADDRESS),
    [C_POSTCODE] = FORM("postcode", SH_MASK_HIDE),
    [C_EMAIL] = FORM("email", SH_MASK_HIDE),
    [C_HOMEPAGE] = FORM("homepage", SH_MASK_NONE),
    [C_ONLY_CHILD] = FORM("only_child", SH_MASK_HIDE),
    [C_PRESCHOOL] = FORM("preschool", SH_MASK_NONE),
    [C_LEFT_BEHIND] = FORM("left_behind", SH_MASK_HIDE),
    [C_MIGRANT] = FORM("migrant_child", SH_MASK_HIDE),
    [C_ORPHAN] = FORM("orphan", SH_MASK_HIDE),
    [C_MARTYR] = FORM("martyr_child", SH_MASK_HIDE),
    [C_DISABILITY] = FORM("disability_type", SH_MASK_HIDE),
    [C_GOV_DEGREE] = FORM("gov_degree", SH_MASK_HIDE),
    [C_NEEDS_AID] = FORM("needs_aid", SH_MASK_HIDE),
    [C_ONE_SUBSIDY] = FORM("one_subsidy", SH_MASK_HIDE),
    [C_DISTANCE] = FORM("distance", SH_MASK_HIDE),
    [C_COMMUTE] = FORM("commute_mode", SH_MASK_HIDE),
    [C_SCHOOL_BUS] = FORM("school_bus", SH_MASK_HIDE),
    MEMBER_COLUMNS(1),
    MEMBER_COLUMNS(2),
};

/* Student fields taken from the file, by column. */
static const struct {
    int col;
    const char *field;
} student_cols[] = {
    {C_NAME, "name"},
    {C_GENDER, "gender"},
    {C_STUDENT_NUMBER, "student_number"},
    {C_LOCAL_NUMBER, "local_number"},
    {C_CATEGORY, "category"},
    {C_STATUS, "status"},
    {C_ENTRY_MONTH, "entry_month"},
    {C_HUKOU, "hukou_type"},
    {C_ATTENDANCE, "attendance_mode"},
    {C_INCLUSIVE, "inclusive"},
    {C_ADMISSION, "admission_mode"},
    {C_SOURCE, "student_source"},
    {C_CLASS_NUMBER, "class_number"},
    {C_SPECIALTY, "specialty"},
    {C_MAIL_ADDRESS, "mail_address"},
    {C_HOME_ADDRESS, "home_address"},
    {C_POSTCODE, "postcode"},
    {C_EMAIL, "email"},
    {C_HOMEPAGE, "homepage"},
    {C_ONLY_CHILD, "only_child"},
    {C_PRESCHOOL, "preschool"},
    {C_LEFT_BEHIND, "left_behind"},
    {C_MIGRANT, "migrant_child"},
    {C_ORPHAN, "orphan"},
    {C_MARTYR, "martyr_child"},
    {C_DISABILITY, "disability_type"},
    {C_GOV_DEGREE, "gov_degree"},
    {C_NEEDS_AID, "needs_aid"},
    {C_ONE_SUBSIDY, "one_subsidy"},
    {C_DISTANCE, "distance"},
    {C_COMMUTE, "commute_mode"},
    {C_SCHOOL_BUS, "school_bus"},
};
static const struct {
    int col;
    const char *field;
} profile_cols[] = {
    {C_BIRTH, "birth_date"},
    {C_ETHNICITY, "ethnicity"},
    {C_NATIONALITY, "nationality"},
    {C_PHONE, "phone"},
    {C_ADDRESS, "address"},
    {C_BIRTH_PLACE, "birth_place"},
    {C_NATIVE_PLACE, "native_place"},
    {C_HUKOU_PLACE, "hukou_place"},
    {C_POLITICAL, "political_status"},
    {C_HMT, "hmt_overseas"},
    {C_HEALTH, "health"},
    {C_PINYIN, "name_pinyin"},
    {C_FORMER_NAME, "former_name"},
};

/* The class (an org node of kind class in the school) named in the row; 0 when
 * none is named, SH_ERR with an error when it cannot be found or is ambiguous. */
static int64_t find_class(sh_import *im, const sh_import_row *row, int64_t school, sh_err *err) {
    const char *name = sh_import_cell(row, C_CLASS), *grade = sh_import_cell(row, C_GRADE);
    if (!name)
        return 0;
    name = sh_normalise_text(im->row_pool, name);
    grade = grade ? sh_normalise_text(im->row_pool, grade) : NULL;
    sh_stmt *s = sh_prepare(im->c,
                            "SELECT c.id FROM org_unit c JOIN org_unit g ON g.id = c.parent_id"
                            " WHERE c.school_id = $1 AND c.kind = 'class' AND c.name = $2"
                            " AND (CAST($3 AS TEXT) IS NULL OR g.name = $3) LIMIT 2",
                            err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, school);
    sh_bind_text(s, 2, name, -1);
    sh_bind_text(s, 3, grade, -1);
    int64_t id = 0, n = 0;
    int rc;
    while ((rc = sh_step(s, err)) == SH_ROW && ++n == 1)
        id = sh_col_i64(s, 0);
    sh_stmt_done(s);
    if (rc == SH_ERR)
        return SH_ERR;
    if (n == 0)
        return sh_err_add(err, 400, "unknown_class", "class", name, "本校没有名为“%s”的班级%s", name,
                          grade ? "（在所填年级下）" : "");
    if (n > 1)
        return sh_err_add(err, 400, "ambiguous_class", "class", name,
                          "本校有多个名为“%s”的班级，请填写“年级”列", name);
    return id;
}

/* The person of a student without an ID document: through the 学籍号 or the
 * name + gender + birth-date hash, among the school's students. */
static int64_t person_in_school(sh_import *im, int64_t school, const char *student_number, const char *match,
                                sh_err *err) {
    if (student_number) {
        unsigned char h[SH_LOOKUP_HASH_BYTES];
        if (sh_lookup_hash(student_number, strlen(student_number), h) != SH_OK)
            return sh_err_set(err, 500, "encryption_unavailable", NULL, "未加载密钥");
        int64_t p = sh_import_i64(
            im, "SELECT person_id FROM student WHERE school_id = $1 AND student_number_hash = $2", school, h,
            sizeof h, NULL, err);
        if (p)
            return p;
    }
    return sh_import_i64(
        im,
        "SELECT s.person_id FROM student s JOIN person_profile pp ON pp.person_id = s.person_id"
        " WHERE s.school_id = $1 AND pp.match_hash = $2",
        school, NULL, 0, match, err);
}

static int enrol(sh_import *im, int64_t school, int64_t student, int64_t cls, const char *date, sh_err *err) {
    int64_t current =
        sh_import_i64(im, "SELECT class_id FROM enrollment WHERE student_id = $1 AND exit_date IS NULL",
                      student, NULL, 0, NULL, err);
    if (current < 0)
        return SH_ERR;
    if (current == cls)
        return SH_OK;
    if (current)
        return sh_err_add(err, 400, "class_change", "class", NULL,
                          "该学生已在本校另一个班级，调班请通过学籍异动办理");
    sh_record e = sh_import_record(im->row_pool, &sh_enrollment_entity);
    if (!e.v)
        return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    *sh_import_value(&e, "school") = (sh_value){.set = 1, .i = school};
    *sh_import_value(&e, "student") = (sh_value){.set = 1, .i = student};
    *sh_import_value(&e, "class") = (sh_value){.set = 1, .i = cls};
    *sh_import_value(&e, "entry_date") = (sh_value){.set = 1, .s = date};
    int64_t key = 0;
    return sh_record_insert(im->c, im->row_pool, &e, school, &im->o->pv, &key, NULL, err);
}

/* The document's period of validity in the row (身份证件有效期), read the form's
 * way (template.h sh_import_period_read); nothing given when the cell is empty. */
static int read_period(sh_import *im, const sh_import_row *row, sh_import_period *out, sh_err *err) {
    *out = (sh_import_period){0};
    const char *v = sh_import_cell(row, C_ID_VALID);
    v = v ? sh_normalise_text(im->row_pool, v) : NULL;
    if (!v || !*v)
        return SH_OK;
    char from[11], to[11], bad[32];
    const char *h = sh_import_header(im, C_ID_VALID);
    static const char *const form = "应写作“2010.06.01-2020.06.01”或“2010.06.01-长期”";
    switch (sh_import_period_read(v, from, to, bad)) {
    case SH_PERIOD_OK: break;
    case SH_PERIOD_FORM: return sh_err_add(err, 400, "invalid_period", "id_valid", v, "“%s”%s", h, form);
    case SH_PERIOD_DATE:
        return sh_err_add(err, 400, "invalid_date", "id_valid", v, "“%s”中的日期“%s”不存在，%s", h, bad,
                          form);
    case SH_PERIOD_ORDER:
        return sh_err_add(err, 400, "period_order", "id_valid", v, "“%s”的截止日期应晚于起始日期，%s", h,
                          form);
    }
    *out = (sh_import_period){.given = 1,
                              .from = sh_pstrdup(im->row_pool, from),
                              .to = to[0] ? sh_pstrdup(im->row_pool, to) : NULL};
    return out->from && (!to[0] || out->to) ? SH_OK : sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
}

/* A period needs the document it belongs to, and cannot start before the birth. */
static int check_period(sh_import *im, const sh_import_row *row, const sh_import_period *period,
                        const char *number, sh_record *prof, sh_err *err) {
    if (!period->given)
        return SH_OK;
    const char *v = sh_import_cell(row, C_ID_VALID);
    if (!number)
        return sh_err_add(err, 400, "period_without_document", "id_valid", v, "填写了“%s”，但没有“%s”",
                          sh_import_header(im, C_ID_VALID), sh_import_header(im, C_ID_NUMBER));
    const sh_value *b = sh_import_value(prof, "birth_date");
    if (b->set && !b->is_null && b->s && strcmp(period->from, b->s) < 0)
        return sh_err_add(err, 400, "period_before_birth", "id_valid", v, "“%s”的起始日期早于出生日期",
                          sh_import_header(im, C_ID_VALID));
    return SH_OK;
}

static int student_row(sh_import *im, const sh_import_row *row, sh_err *err) {
    sh_pool *p = im->row_pool;
    sh_record st = sh_import_record(p, &sh_student_entity),
              prof = sh_import_record(p, &sh_person_profile_entity);
    if (!st.v || !prof.v)
        return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    int64_t school = sh_import_school(im, row, C_SCHOOL, err);
    for (size_t i = 0; i < sizeof student_cols / sizeof student_cols[0]; i++)
        sh_import_set(im, row, student_cols[i].col, &st, student_cols[i].field, err);
    for (size_t i = 0; i < sizeof profile_cols / sizeof profile_cols[0]; i++)
        sh_import_set(im, row, profile_cols[i].col, &prof, profile_cols[i].field, err);
    static const sh_field entry_field = {.name = "entry_date", .label = "入班日期", .type = SH_T_DATE};
    const char *type, *number, *entry_date;
    sh_import_field(im, row, C_ENTRY_DATE, &entry_field, &entry_date, err);
    sh_value *sg = sh_import_value(&st, "gender"), *pg = sh_import_value(&prof, "gender");
    *pg = *sg; /* one column, one check: the profile's gender is the student's */
    sh_import_member members[2];
    int has[2];
    for (int m = 0; m < 2; m++)
        has[m] = sh_import_member_read(im, row, m ? C_MEMBER2 : C_MEMBER1, &members[m], err);
    sh_import_period period;
    read_period(im, row, &period, err);
    int bad = sh_err_count(err) > 0;
    if (sh_import_document(im, row, C_ID_TYPE, C_ID_NUMBER, &prof, &type, &number, err) != SH_OK || bad ||
        check_period(im, row, &period, number, &prof, err) != SH_OK)
        return SH_ERR;
    if (!sg->set && pg->set)
        *sg = *pg;
    const char *name = sh_import_value(&st, "name")->s;
    const char *sn =
        sh_import_value(&st, "student_number")->set ? sh_import_value(&st, "student_number")->s : NULL;
    if (sn && number && sn[0] == 'G' && strcmp(type, "1") == 0 && strcmp(sn + 1, number) != 0)
        return sh_err_add(err, 400, "student_number_mismatch", "student_number", NULL,
                          "G 字头的全国学籍号应为 G 加身份证件号");
    if (!sh_import_value(&st, "status")->set)
        *sh_import_value(&st, "status") = (sh_value){.set = 1, .s = "01"};
    /* the same person twice in one file */
    if (number &&
        sh_import_once(im, row, C_ID_NUMBER, sh_psprintf(p, "id:%s:%s", type, number), err) != SH_OK)
        return SH_ERR;
    if (sn && sh_import_once(im, row, C_STUDENT_NUMBER, sh_psprintf(p, "sn:%s", sn), err) != SH_OK)
        return SH_ERR;
    int64_t cls = find_class(im, row, school, err);
    if (cls < 0)
        return SH_ERR;

    /* the person: by document, else within the school */
    int64_t person = number ? sh_person_by_document(im->c, type, number, err) : 0;
    char match[SH_LOOKUP_HASH_BYTES * 2 + 1];
    if (person == 0 && !number) {
        const sh_value *b = sh_import_value(&prof, "birth_date");
        if (sh_person_match_hex(name, pg->set ? pg->s : NULL, b->set ? b->s : NULL, match) != SH_OK)
            return sh_err_set(err, 500, "encryption_unavailable", NULL, "未加载密钥");
        person = person_in_school(im, school, sn, match, err);
    }
    if (person < 0)
        return SH_ERR;
    /* the student in this school, if already there; else not studying elsewhere */
    int64_t key = person
                      ? sh_import_i64_2(im, "SELECT id FROM student WHERE person_id = $1 AND school_id = $2",
                                        person, school, err)
                      : 0;
    if (key < 0)
        return SH_ERR;
    if (person && !key) {
        int64_t elsewhere =
            sh_import_i64_2(im,
                            "SELECT count(*) FROM student WHERE person_id = $1 AND school_id <> $2"
                            " AND status = '01'",
                            person, school, err);
        if (elsewhere < 0)
            return SH_ERR;
        if (elsewhere > 0)
            return sh_err_add(err, 400, "enrolled_elsewhere", number ? "id_number" : "name", NULL,
                              "该学生在另一所学校在读，转学请通过学籍异动办理");
    }
    if (sh_import_person(im, &person, name, type, number, &period, &prof, err) != SH_OK)
        return SH_ERR;
    if (!key) { /* school and person are immutable: set on insert only */
        *sh_import_value(&st, "school") = (sh_value){.set = 1, .i = school};
        *sh_import_value(&st, "person") = (sh_value){.set = 1, .i = person};
    }
    if (sh_import_upsert(im, &st, &key, school, 1, err) != SH_OK)
        return SH_ERR;
    for (int m = 0; m < 2; m++)
        if (has[m] > 0 && sh_import_member_write(im, school, key, &members[m], 0, err) != SH_OK)
            return SH_ERR;
    if (!cls)
        return SH_OK;
    if (!entry_date) {
        const sh_value *m = sh_import_value(&st, "entry_month");
        char today[11];
        sh_today_iso(today);
        entry_date = m->set ? sh_psprintf(p, "%s-01", m->s) : sh_pstrdup(p, today);
    }
    return enrol(im, school, key, cls, entry_date, err);
}

const sh_import_kind sh_import_students = {
    .name = "students",
    .label = "学生",
    .columns = columns,
    .ncolumns = C_COUNT,
    .row = student_row,
};
