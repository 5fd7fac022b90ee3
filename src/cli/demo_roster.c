/* demo_roster.c — the people of the demo city. See demo_roster.h.
 *
 * Per school: its profile; teacher "slots" (one subject, or a bundle at a 教学点,
 * over the classes one teacher takes: two classes of a grade for 语文 and 数学,
 * more across grades for the other subjects) each filled by a staff member, plus
 * administrators, support and service staff; class profiles whose head teacher
 * is one of the class's own teachers; teaching assignments for the current term;
 * then the students class by class, each with a family (father and mother), some
 * sharing the family of an older brother or sister in the same school. */
#include "cli/demo_roster.h"

#include "cli/demo_people.h"
#include "core/alloc.h"
#include "identity/account.h"
#include "model/fieldcrypt.h"
#include "model/write.h"
#include "roster/persons.h"
#include "roster/roster.h"

#include <stdio.h>
#include <string.h>

#define Y SH_DEMO_SCHOOL_YEAR

enum { PRIMARY, JUNIOR, SENIOR, TEACHING_POINT };

/* Subjects a stage teaches (JY/T course codes), how many classes one teacher
 * takes, which grades have it, and whether a teacher stays within one grade. */
typedef struct subject {
    const char *codes; /* one code, or several taught by the same teacher */
    int load, lo, hi, per_grade;
} subject;

static const subject primary_subjects[] = {
    {"13", 2, 1, 6, 1}, {"14", 2, 1, 6, 1}, {"41", 3, 3, 6, 1}, {"11", 5, 1, 6, 0}, {"15", 5, 1, 6, 0},
    {"22", 6, 1, 6, 0}, {"24", 6, 1, 6, 0}, {"25", 6, 1, 6, 0}, {"61", 8, 3, 6, 0}, {NULL, 0, 0, 0, 0},
};
static const subject point_subjects[] = {
    {"13", 3, 1, 3, 0},
    {"14", 3, 1, 3, 0},
    {"11 22 24 25", 3, 1, 3, 0},
    {NULL, 0, 0, 0, 0},
};
static const subject junior_subjects[] = {
    {"13", 2, 7, 9, 1}, {"14", 2, 7, 9, 1}, {"41", 2, 7, 9, 1}, {"12", 4, 7, 9, 0}, {"16", 4, 8, 9, 0},
    {"17", 4, 9, 9, 0}, {"18", 4, 7, 8, 0}, {"20", 4, 7, 8, 0}, {"21", 4, 7, 9, 0}, {"22", 5, 7, 9, 0},
    {"24", 8, 7, 8, 0}, {"25", 8, 7, 8, 0}, {"61", 8, 7, 8, 0}, {NULL, 0, 0, 0, 0},
};
static const subject senior_subjects[] = {
    {"13", 2, 10, 12, 1}, {"14", 2, 10, 12, 1}, {"41", 2, 10, 12, 1}, {"12", 4, 10, 12, 0},
    {"16", 3, 10, 12, 0}, {"17", 3, 10, 12, 0}, {"18", 3, 10, 12, 0}, {"20", 4, 10, 12, 0},
    {"21", 4, 10, 12, 0}, {"22", 5, 10, 12, 0}, {"26", 8, 10, 11, 0}, {"27", 8, 10, 11, 0},
    {NULL, 0, 0, 0, 0},
};
static const subject *const stage_subjects[] = {primary_subjects, junior_subjects, senior_subjects,
                                                point_subjects};

/* Per stage: 办学类型, 学段, 班级类型, 学生类别, first grade level, and the 职称 of
 * its teachers (高级, 一级, 二级). */
static const struct {
    const char *school_type, *stage, *class_type, *category;
    int first_level;
    const char *titles[3];
} stages[] = {
    {"211", "2", "10", "21100", 1, {"413", "414", "415"}},
    {"311", "3", "20", "31100", 7, {"052", "053", "054"}},
    {"342", "4", "40", "32100", 10, {"052", "053", "054"}},
    {"218", "2", "13", "21100", 1, {"413", "414", "415"}},
};

/* Every code written below, checked against the loaded code tables first. */
static const struct {
    const char *table, *code;
} codes_used[] = {
    {"jyt_school_type", "211"},
    {"jyt_school_type", "218"},
    {"jyt_school_type", "311"},
    {"jyt_school_type", "342"},
    {"jyt_teaching_stage", "2"},
    {"jyt_teaching_stage", "3"},
    {"jyt_teaching_stage", "4"},
    {"jyt_school_running_body", "11"},
    {"jyt_school_running_body", "12"},
    {"jyt_urban_rural_type", "111"},
    {"jyt_urban_rural_type", "112"},
    {"jyt_urban_rural_type", "121"},
    {"jyt_urban_rural_type", "122"},
    {"jyt_urban_rural_type", "220"},
    {"jyt_k12_class_type", "10"},
    {"jyt_k12_class_type", "13"},
    {"jyt_k12_class_type", "20"},
    {"jyt_k12_class_type", "40"},
    {"jyt_semester", "1"},
    {"jyt_semester", "2"},
    {"jyt_staff_category", "11"},
    {"jyt_staff_category", "12"},
    {"jyt_staff_category", "13"},
    {"jyt_staff_category", "14"},
    {"jyt_staff_category", "55"},
    {"jyt_k12_staffing_category", "1"},
    {"jyt_k12_staffing_category", "2"},
    {"jyt_k12_staffing_category", "3"},
    {"jyt_k12_staffing_category", "4"},
    {"jyt_k12_staffing_category", "6"},
    {"jyt_staff_status", "04"},
    {"jyt_staff_status", "11"},
    {"jyt_staff_status", "14"},
    {"gb4658_education_level", "14"},
    {"gb4658_education_level", "21"},
    {"gb4658_education_level", "31"},
    {"gb4658_education_level", "41"},
    {"gb4658_education_level", "61"},
    {"gb4658_education_level", "71"},
    {"gb8561_professional_title", "052"},
    {"gb8561_professional_title", "053"},
    {"gb8561_professional_title", "054"},
    {"gb8561_professional_title", "413"},
    {"gb8561_professional_title", "414"},
    {"gb8561_professional_title", "415"},
    {"gb8561_professional_title", "074"},
    {"jyt_student_category", "21100"},
    {"jyt_student_category", "31100"},
    {"jyt_student_category", "32100"},
    {"jyt_student_status", "01"},
    {"jyt_student_status", "10"},
    {"ga324_1_hukou_type", "1"},
    {"ga324_1_hukou_type", "2"},
    {"jyt_attendance_mode", "1"},
    {"jyt_attendance_mode", "2"},
    {"jyt_yes_no", "0"},
    {"jyt_yes_no", "1"},
    {"gb4761_family_relation", "51"},
    {"gb4761_family_relation", "52"},
    {"jyt_enrollment_change_type", "21"},
    {"jyt_enrollment_change_type", "22"},
    {"jyt_id_document_type", "1"},
    {"gb2261_1_sex", "1"},
    {"gb2261_1_sex", "2"},
    {"gb2659_country", "156"},
    {"gb3304_ethnicity", "01"},
    {"gb3304_ethnicity", "02"},
    {"gb3304_ethnicity", "03"},
    {"gb3304_ethnicity", "06"},
    {"gb3304_ethnicity", "08"},
    {"gb3304_ethnicity", "11"},
};

static const char *minority[] = {"03", "03", "03", "11", "02", "08", "06"}; /* 回族 most often in Shandong */

static const char *work_units[] = {
    "个体经营",         "务农",         "自由职业", "人民医院",   "供电公司",     "税务局",          "机械厂",
    "纺织有限公司",     "食品有限公司", "中心小学", "农商银行",   "物流公司",     "建筑工程公司",    "超市",
    "汽车配件有限公司", "邮政分公司",   "卫生院",   "街道办事处", "化工有限公司", "电子科技有限公司"};

static const char *const grade_names[] = {"一年级", "二年级", "三年级", "四年级", "五年级", "六年级",
                                          "七年级", "八年级", "九年级", "高一",   "高二",   "高三"};

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the run ---- */

/* A demo account whose person gets a place in the roster. */
typedef struct demo_account {
    const char *login;
    char gender;
    int64_t person;
    char name[64];
    int64_t org[2];
    int norg;
    int64_t school; /* the school of org[0] when it is a class, 0 otherwise */
} demo_account;

/* the teaching loop's 初中 maths teacher and student come last (cli/accounts.c) */
enum {
    ACC_HEAD,
    ACC_TEACHER,
    ACC_ADMIN,
    ACC_STUDENT,
    ACC_GUARDIAN,
    ACC_JUNIOR_TEACHER,
    ACC_JUNIOR_STUDENT,
    NACCOUNTS
};

/* A student to be written into a later school: a duplicate registration or a
 * transfer. */
typedef struct carry {
    int transfer; /* 0: duplicate without a document */
    int stage, level;
    int64_t from_school;
    int placed;
    sh_gen_person child, dad, mum;
    char eth[3];
    int64_t person, father, mother; /* transfer: the same persons */
    char person_uid[32], father_uid[32], mother_uid[32];
    char student_number[20];
} carry;

typedef struct run {
    sh_conn *c;
    sh_people *people;
    sh_rng rng;
    sh_provenance pv;
    sh_demo_roster_stats st;
    int64_t term;
    char term_uid[32];
    char counties[64][7];
    const char *elsewhere[64];
    int ncounties;
    demo_account acc[NACCOUNTS];
    int64_t account_school;
    carry *carries;
    int ncarries, capcarries, dup_quota, transfer_quota, dups, transfers;
    int bad_field;
    uint64_t seed; /* of the run: the registry-form flags are drawn from it (care_flags) */
} run;

typedef struct class_ctx {
    int64_t id;
    const char *uid;
    int level, number, entry_year;
    int head;   /* slot of its head teacher, -1 none */
    int seated; /* students so far */
} class_ctx;

typedef struct slot {
    const char *codes;
    int *classes, n;
    int64_t staff;
    const char *staff_uid;
    int is_head, reserved, account; /* account: ACC_* whose person fills it, -1 none */
} slot;

typedef struct family {
    int64_t father, mother;
    const char *father_uid, *mother_uid;
    sh_gen_person *dad, *mum;
    char child_surname[8], eth[3];
    int32_t child_day;
    int level, rural;
} family;

typedef struct school_ctx {
    int64_t id;
    char uid[32], name[160], code[16], county[8], district[64], prefix[128];
    int kind, index, urban_district;
    sh_people_place urban, rural;
    int rural_per_mille;
    class_ctx *classes;
    int nclasses;
    slot *slots;
    int nslots, capslots;
    family *families;
    int nfamilies, capfamilies;
    int staff_seq;
    int dup_class, transfer_class; /* classes that give a student to a later school, -1 none */
} school_ctx;

static int oom(sh_err *err) { return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足"); }

/* ---- records ---- */

static sh_record rec(sh_pool *p, const sh_entity *e) {
    return (sh_record){.e = e, .v = sh_pcalloc(p, sizeof(sh_value) * (size_t)e->nfields)};
}
static void put_text(run *R, sh_record *r, const char *field, const char *v) {
    int at = r->v ? sh_entity_field_index(r->e, field) : 0;
    if (at < 0)
        R->bad_field = 1;
    else if (!r->v)
        return; /* out of memory: insert() says so */
    else if (v)
        r->v[at] = (sh_value){.set = 1, .s = v};
}
static void put_int(run *R, sh_record *r, const char *field, int64_t v) {
    int at = r->v ? sh_entity_field_index(r->e, field) : 0;
    if (at < 0)
        R->bad_field = 1;
    else if (!r->v)
        return; /* out of memory: insert() says so */
    else
        r->v[at] = (sh_value){.set = 1, .i = v};
}
/* A reference: the internal key, and the public id the change log shows. */
static void put_ref(run *R, sh_record *r, const char *field, int64_t key, const char *uid) {
    int at = r->v ? sh_entity_field_index(r->e, field) : 0;
    if (at < 0)
        R->bad_field = 1;
    else if (!r->v)
        return; /* out of memory: insert() says so */
    else
        r->v[at] = (sh_value){.set = 1, .i = key, .s = uid};
}

static int insert(run *R, sh_pool *p, const sh_record *r, int64_t school, int64_t *key, const char **uid,
                  sh_err *err) {
    if (!r->v)
        return oom(err);
    if (R->bad_field)
        return sh_err_set(err, 500, "internal", NULL, "演示数据写入了未声明的字段（%s）", r->e->name);
    int64_t k;
    return sh_record_insert(R->c, p, r, school, &R->pv, key ? key : &k, uid, err);
}

static int query_text(sh_conn *c, sh_pool *p, const char *sql, int64_t id, const char **out, sh_err *err) {
    sh_stmt *s = sh_prepare(c, sql, err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, id);
    int rc = sh_step(s, err);
    if (rc == SH_ROW)
        *out = sh_pstrdup(p, sh_col_text(s, 0) ? sh_col_text(s, 0) : "");
    sh_stmt_done(s);
    if (rc == SH_ROW)
        return *out ? SH_OK : oom(err);
    return rc == SH_ERR ? SH_ERR : sh_err_set(err, 500, "internal", NULL, "演示数据引用的记录不存在");
}

/* ---- persons ---- */

static const char *pick(sh_rng *r, const char *const *list, size_t n) {
    return list[sh_rng_below(r, (uint32_t)n)];
}

static void family_ethnicity(run *R, char out[3]) {
    snprintf(out, 3, "%s", sh_rng_chance(&R->rng, 7) ? pick(&R->rng, minority, NELEMS(minority)) : "01");
}

static const char *work_unit(run *R, sh_pool *p, const school_ctx *S) {
    const char *w = pick(&R->rng, work_units, NELEMS(work_units));
    if (strcmp(w, "个体经营") == 0 || strcmp(w, "务农") == 0 || strcmp(w, "自由职业") == 0)
        return w;
    return sh_psprintf(p, "%s%s", S->district, w);
}

static void put_profile(run *R, sh_record *prof, const sh_gen_person *g, const char *eth, int phone,
                        const char *work) {
    put_text(R, prof, "gender", g->gender);
    put_text(R, prof, "birth_date", g->birth);
    put_text(R, prof, "ethnicity", eth);
    put_text(R, prof, "nationality", "156");
    put_text(R, prof, "phone", phone ? g->phone : NULL);
    put_text(R, prof, "address", g->address);
    put_text(R, prof, "work_unit", work);
}

/* Register a person with profile and (when doc) 居民身份证; key and uid (pool). */
static int new_person(run *R, sh_pool *p, const sh_gen_person *g, const char *eth, int doc, int phone,
                      const char *work, int64_t *key, const char **uid, sh_err *err) {
    sh_record prof = rec(p, &sh_person_profile_entity);
    if (!prof.v)
        return oom(err);
    put_profile(R, &prof, g, eth, phone, work);
    if (R->bad_field)
        return sh_err_set(err, 500, "internal", NULL, "演示数据写入了未声明的字段（人员档案）");
    if (sh_person_register(R->c, p, g->name, doc ? "1" : NULL, doc ? g->id_number : NULL, &prof, &R->pv, key,
                           err) != SH_OK)
        return SH_ERR;
    R->st.persons++;
    return query_text(R->c, p, "SELECT uid FROM person WHERE id = $1", *key, uid, err);
}

/* Give a demo account's person (made with a name only) a profile and document. */
static int complete_person(run *R, sh_pool *p, int64_t person, const sh_gen_person *g, const char *eth,
                           const char *work, const char **uid, sh_err *err) {
    if (query_text(R->c, p, "SELECT uid FROM person WHERE id = $1", person, uid, err) != SH_OK)
        return SH_ERR;
    char hex[SH_LOOKUP_HASH_BYTES * 2 + 1];
    if (sh_person_match_hex(g->name, g->gender, g->birth, hex) != SH_OK)
        return sh_err_set(err, 500, "encryption_unavailable", NULL, "无法计算查重摘要");
    sh_record prof = rec(p, &sh_person_profile_entity);
    if (!prof.v)
        return oom(err);
    put_ref(R, &prof, "person", person, *uid);
    put_profile(R, &prof, g, eth, 1, work);
    put_text(R, &prof, "_match", sh_pstrdup(p, hex));
    if (insert(R, p, &prof, 0, NULL, NULL, err) != SH_OK)
        return SH_ERR;
    return sh_person_add_document(R->c, p, person, "1", g->id_number, NULL, NULL, &R->pv, err);
}

/* The surname of a demo account's name (its first character). */
static void first_char(const char *name, char out[8]) {
    size_t n = (unsigned char)name[0] >= 0xE0 ? 3 : 1;
    snprintf(out, 8, "%.*s", (int)n, name);
}

/* A generated person who is the demo account's person. */
static int account_person(run *R, const sh_people_place *pl, int which, int32_t from, int32_t to,
                          sh_gen_person *g, sh_err *err) {
    char surname[8];
    first_char(R->acc[which].name, surname);
    if (sh_people_make(R->people, pl, R->acc[which].gender, from, to, surname, g, err) != SH_OK)
        return SH_ERR;
    snprintf(g->name, sizeof g->name, "%.*s", SH_PEOPLE_NAME_MAX - 1, R->acc[which].name);
    return SH_OK;
}

/* ---- the run's setup ---- */

static int check_codes(sh_err *err) {
    for (size_t i = 0; i < NELEMS(codes_used); i++)
        if (sh_code_valid(codes_used[i].table, codes_used[i].code) != 1)
            return sh_err_set(err, 500, "demo_code_unknown", NULL, "演示数据所用代码 %s 不在代码表 %s 中",
                              codes_used[i].code, codes_used[i].table);
    for (size_t s = 0; s < NELEMS(stage_subjects); s++)
        for (const subject *j = stage_subjects[s]; j->codes; j++) {
            char code[8];
            for (const char *q = j->codes; *q;) {
                size_t n = strcspn(q, " ");
                snprintf(code, sizeof code, "%.*s", (int)n, q);
                if (sh_code_valid("jyt_k12_course", code) != 1)
                    return sh_err_set(err, 500, "demo_code_unknown", NULL,
                                      "演示数据所用课程代码 %s 不在代码表中", code);
                q += n + (q[n] == ' ');
            }
        }
    return SH_OK;
}

static int add_terms(run *R, sh_err *err) {
    sh_pool *p = sh_pool_create();
    if (!p)
        return oom(err);
    int rc = sh_begin_write(R->c, err);
    for (int t = 0; rc == SH_OK && t < 2; t++) { /* the last term, then the current one */
        sh_record r = rec(p, &sh_term_entity);
        int y = Y - 1 + t;
        put_text(R, &r, "school_year", sh_psprintf(p, "%d-%d", y, y + 1));
        put_text(R, &r, "semester", t ? "1" : "2");
        put_text(R, &r, "name", sh_psprintf(p, "%d—%d 学年第%s学期", y, y + 1, t ? "一" : "二"));
        put_text(R, &r, "start_date", t ? sh_psprintf(p, "%d-09-01", Y) : sh_psprintf(p, "%d-02-23", Y));
        put_text(R, &r, "end_date", t ? sh_psprintf(p, "%d-01-22", Y + 1) : sh_psprintf(p, "%d-07-10", Y));
        const char *uid = NULL;
        rc = insert(R, p, &r, 0, &R->term, &uid, err);
        if (rc == SH_OK)
            snprintf(R->term_uid, sizeof R->term_uid, "%s", uid);
    }
    if (rc == SH_OK)
        rc = sh_commit(R->c, err);
    else
        sh_rollback(R->c);
    sh_pool_destroy(p);
    return rc;
}

/* The demo accounts (cli/accounts.c) with their persons and the orgs of their roles. */
static int load_accounts(run *R, sh_err *err) {
    static const struct {
        const char *login;
        char gender;
    } logins[NACCOUNTS] = {{"head.teacher", '2'},  {"teacher", '1'},  {"school.admin", '2'},
                           {"student", '2'},       {"guardian", '1'}, {"math.teacher", '2'},
                           {"junior.student", '1'}};
    sh_stmt *s =
        sh_prepare(R->c,
                   "SELECT a.person_id, p.name, r.org_id FROM account a JOIN person p ON p.id = a.person_id"
                   " LEFT JOIN role_assignment r ON r.account_id = a.id WHERE a.login_key = $1 ORDER BY r.id",
                   err);
    if (!s)
        return SH_ERR;
    for (int i = 0; i < NACCOUNTS; i++) {
        demo_account *a = &R->acc[i];
        a->login = logins[i].login;
        a->gender = logins[i].gender;
        sh_stmt_reset(s);
        sh_bind_text(s, 1, a->login, -1);
        int rc;
        while ((rc = sh_step(s, err)) == SH_ROW) {
            a->person = sh_col_i64(s, 0);
            snprintf(a->name, sizeof a->name, "%s", sh_col_text(s, 1) ? sh_col_text(s, 1) : "");
            if (a->norg < 2 && !sh_col_is_null(s, 2))
                a->org[a->norg++] = sh_col_i64(s, 2);
        }
        if (rc == SH_ERR) {
            sh_stmt_done(s);
            return SH_ERR;
        }
        if (!a->name[0] || strlen(a->name) >= SH_PEOPLE_NAME_MAX) /* a name as the generator's */
            a->person = 0;
    }
    sh_stmt_done(s);
    /* the school of each account's class; the accounts' school is the head teacher's */
    s = sh_prepare(R->c, "SELECT school_id FROM org_unit WHERE id = $1 AND kind = 'class'", err);
    if (!s)
        return SH_ERR;
    for (int i = 0; i < NACCOUNTS; i++) {
        demo_account *a = &R->acc[i];
        if (!a->norg)
            continue;
        sh_stmt_reset(s);
        sh_bind_i64(s, 1, a->org[0]);
        int rc = sh_step(s, err);
        if (rc == SH_ERR) {
            sh_stmt_done(s);
            return SH_ERR;
        }
        if (rc == SH_ROW)
            a->school = sh_col_i64(s, 0);
    }
    sh_stmt_done(s);
    R->account_school = R->acc[ACC_HEAD].school;
    return SH_OK;
}

/* 1 when a demo account has a class in the school. */
static int has_accounts(const run *R, int64_t school) {
    for (int i = 0; i < NACCOUNTS; i++)
        if (school && R->acc[i].school == school)
            return 1;
    return 0;
}

/* The counties of the city: where people born elsewhere come from. */
static int load_counties(run *R, sh_err *err) {
    sh_stmt *s =
        sh_prepare(R->c,
                   "SELECT DISTINCT region_code FROM org_unit WHERE kind = 'district' AND region_code IS NOT "
                   "NULL ORDER BY region_code",
                   err);
    if (!s)
        return SH_ERR;
    int rc;
    while ((rc = sh_step(s, err)) == SH_ROW && R->ncounties < (int)NELEMS(R->counties)) {
        const char *code = sh_col_text(s, 0);
        if (!code || strlen(code) != 6)
            continue;
        memcpy(R->counties[R->ncounties], code, 7);
        R->elsewhere[R->ncounties] = R->counties[R->ncounties];
        R->ncounties++;
    }
    sh_stmt_done(s);
    return rc == SH_ERR ? SH_ERR : SH_OK;
}

/* ---- a school ---- */

int sh_demo_grade_level(const char *name) {
    for (size_t i = 0; i < NELEMS(grade_names); i++)
        if (strcmp(name, grade_names[i]) == 0)
            return (int)i + 1;
    return 0;
}

static int load_classes(run *R, sh_pool *p, school_ctx *S, sh_err *err) {
    sh_stmt *s =
        sh_prepare(R->c,
                   "SELECT c.id, c.uid, g.name, g.id FROM org_unit c JOIN org_unit g ON g.id = c.parent_id"
                   " WHERE c.school_id = $1 AND c.kind = 'class' AND g.kind = 'grade' ORDER BY g.id, c.id",
                   err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, S->id);
    int rc, cap = 0;
    int64_t last_grade = 0;
    int number = 0;
    while ((rc = sh_step(s, err)) == SH_ROW) {
        int level = sh_demo_grade_level(sh_col_text(s, 2) ? sh_col_text(s, 2) : "");
        int64_t grade = sh_col_i64(s, 3);
        number = grade == last_grade ? number + 1 : 1;
        last_grade = grade;
        if (!level)
            continue; /* a grade the demo does not know: left empty */
        if (S->nclasses == cap) {
            cap = cap ? cap * 2 : 32;
            class_ctx *more = sh_palloc(p, sizeof *more * (size_t)cap);
            if (!more) {
                sh_stmt_done(s);
                return oom(err);
            }
            if (S->nclasses)
                memcpy(more, S->classes, sizeof *more * (size_t)S->nclasses);
            S->classes = more;
        }
        class_ctx *k = &S->classes[S->nclasses++];
        *k = (class_ctx){.id = sh_col_i64(s, 0),
                         .uid = sh_pstrdup(p, sh_col_text(s, 1)),
                         .level = level,
                         .number = number,
                         .head = -1};
    }
    sh_stmt_done(s);
    if (rc == SH_ERR)
        return SH_ERR;
    if (S->kind < 0) /* not told by its code: by its grades */
        S->kind = !S->nclasses || S->classes[0].level <= 6 ? PRIMARY
                  : S->classes[0].level <= 9               ? JUNIOR
                                                           : SENIOR;
    for (int i = 0; i < S->nclasses; i++) {
        class_ctx *k = &S->classes[i];
        int first = stages[S->kind].first_level;
        k->entry_year = Y - (k->level >= first ? k->level - first : 0);
    }
    return SH_OK;
}

static int add_school_profile(run *R, sh_pool *p, school_ctx *S, sh_err *err) {
    sh_rng *r = &R->rng;
    int notable = strstr(S->name, "实验") || strstr(S->name, "第");
    const char *urban_rural = S->kind == TEACHING_POINT ? "220"
                              : S->urban_district       ? (notable ? "111" : "112")
                                                        : (notable ? "121" : "122");
    char address[192];
    sh_people_site_address(R->people, S->kind == TEACHING_POINT ? &S->rural : &S->urban, address,
                           sizeof address);
    int founded =
        S->kind == TEACHING_POINT ? 1958 + (int)sh_rng_below(r, 40) : 1950 + (int)sh_rng_below(r, 63);
    int private_school = S->kind != TEACHING_POINT && S->index > 0 && sh_rng_chance(r, 50);
    sh_record rp = rec(p, &sh_school_profile_entity);
    put_ref(R, &rp, "school", S->id, S->uid);
    put_text(R, &rp, "school_type", stages[S->kind].school_type);
    put_text(R, &rp, "stages", stages[S->kind].stage);
    put_text(R, &rp, "running_body", private_school ? "12" : "11");
    put_text(R, &rp, "urban_rural", urban_rural);
    put_text(R, &rp, "address", sh_pstrdup(p, address));
    put_text(R, &rp, "founded",
             sh_psprintf(p, "%d-%02d", founded, sh_rng_chance(r, 800) ? 9 : 1 + (int)sh_rng_below(r, 12)));
    return insert(R, p, &rp, S->id, NULL, NULL, err);
}

/* ---- staff ---- */

static int add_slot(sh_pool *p, school_ctx *S, const char *codes, const int *classes, int n, sh_err *err) {
    if (S->nslots == S->capslots) {
        int cap = S->capslots ? S->capslots * 2 : 64;
        slot *more = sh_palloc(p, sizeof *more * (size_t)cap);
        if (!more)
            return oom(err);
        if (S->nslots)
            memcpy(more, S->slots, sizeof *more * (size_t)S->nslots);
        S->slots = more;
        S->capslots = cap;
    }
    int *cl = sh_palloc(p, sizeof *cl * (size_t)n);
    if (!cl)
        return oom(err);
    memcpy(cl, classes, sizeof *cl * (size_t)n);
    S->slots[S->nslots++] = (slot){.codes = codes, .classes = cl, .n = n, .account = -1};
    return SH_OK;
}

/* Teacher slots: for each subject, the school's classes that have it, in
 * groups of `load` (within a grade for subjects taught daily). */
static int plan_slots(sh_pool *p, school_ctx *S, sh_err *err) {
    int *group = sh_palloc(p, sizeof *group * (size_t)(S->nclasses + 1));
    if (!group)
        return oom(err);
    for (const subject *j = stage_subjects[S->kind]; j->codes; j++) {
        int n = 0, level = 0;
        for (int i = 0; i < S->nclasses; i++) {
            const class_ctx *k = &S->classes[i];
            if (k->level < j->lo || k->level > j->hi)
                continue;
            if (n && (n == j->load || (j->per_grade && k->level != level))) {
                if (add_slot(p, S, j->codes, group, n, err) != SH_OK)
                    return SH_ERR;
                n = 0;
            }
            group[n++] = i;
            level = k->level;
        }
        if (n && add_slot(p, S, j->codes, group, n, err) != SH_OK)
            return SH_ERR;
    }
    return SH_OK;
}

static int teaches(const slot *t, int klass_index) {
    for (int i = 0; i < t->n; i++)
        if (t->classes[i] == klass_index)
            return 1;
    return 0;
}

static int class_index(const school_ctx *S, int64_t id) {
    for (int i = 0; i < S->nclasses; i++)
        if (S->classes[i].id == id)
            return i;
    return -1;
}

/* The demo accounts of this school take their places: the head teacher teaches
 * 语文 in her class and heads it, each subject teacher teaches 数学 in theirs. */
static void place_account_teachers(run *R, school_ctx *S) {
    static const struct {
        int acc;
        const char *codes;
        int head;
    } places[] = {{ACC_HEAD, "13", 1}, {ACC_TEACHER, "14", 0}, {ACC_JUNIOR_TEACHER, "14", 0}};
    for (size_t j = 0; j < NELEMS(places); j++) {
        const demo_account *a = &R->acc[places[j].acc];
        int k = a->person && a->norg && a->school == S->id ? class_index(S, a->org[0]) : -1;
        for (int i = 0; k >= 0 && i < S->nslots; i++) {
            slot *t = &S->slots[i];
            if (t->account >= 0 || strcmp(t->codes, places[j].codes) != 0 || !teaches(t, k))
                continue;
            t->account = places[j].acc;
            if (places[j].head) {
                t->is_head = 1;
                S->classes[k].head = i;
            } else {
                t->reserved = 1; /* a subject teacher, not a head teacher */
            }
            k = -1;
        }
    }
}

/* Age-appropriate education and title of a teacher. */
static void teacher_grades(run *R, const school_ctx *S, int age, const char **education, const char **title) {
    sh_rng *r = &R->rng;
    int secondary = S->kind == JUNIOR || S->kind == SENIOR;
    uint32_t x = sh_rng_below(r, 100);
    if (age >= 50)
        *education = x < 40 ? "31" : x < 95 ? "21" : "41";
    else if (age >= 35)
        *education = x < 12 ? "31" : x < 92 ? "21" : "14";
    else
        *education = x < (secondary ? 2u : 7u) ? "31" : x < (secondary ? 75u : 92u) ? "21" : "14";
    const char *const *titles = stages[S->kind].titles;
    x = sh_rng_below(r, 100);
    if (age < 28)
        *title = x < 35 ? NULL : titles[2];
    else if (age < 39)
        *title = x < 60 ? titles[1] : titles[2];
    else
        *title = x < 45 ? titles[0] : titles[1];
}

typedef enum { TEACHER, ADMIN, SUPPORT, SERVICE } staff_kind;

static int add_staff(run *R, sh_pool *p, school_ctx *S, staff_kind kind, const char *subjects, int account,
                     int64_t *key, const char **uid, sh_err *err) {
    sh_rng *r = &R->rng;
    /* 25 to 59 years old at the start of the school year */
    int32_t from = sh_day_of(Y - 60, 9, 2), to = sh_day_of(Y - 25, 9, 1);
    int female_per_mille = kind == SERVICE                                   ? 300
                           : subjects && strcmp(subjects, "22") == 0         ? 300
                           : S->kind == PRIMARY || S->kind == TEACHING_POINT ? 750
                                                                             : 600;
    char gender = sh_rng_chance(r, (uint32_t)female_per_mille) ? '2' : '1';
    sh_gen_person g;
    const sh_people_place *pl = S->rural_per_mille >= 600 && sh_rng_chance(r, 500) ? &S->rural : &S->urban;
    if (account >= 0 ? account_person(R, pl, account, from, to, &g, err)
                     : sh_people_make(R->people, pl, gender, from, to, NULL, &g, err))
        return SH_ERR;
    int by, bm, bd;
    sh_day_date(g.birth_day, &by, &bm, &bd);
    int age = Y - by - (bm > 9 || (bm == 9 && bd > 1));
    const char *category, *staffing, *education = "21", *title = NULL, *status = "11";
    switch (kind) {
    case TEACHER:
        category = "11";
        staffing = "1";
        teacher_grades(R, S, age, &education, &title);
        if (account < 0 && sh_rng_chance(r, 20)) { /* a few 代课教师 */
            category = "55";
            staffing = "6";
            education = "31";
            title = NULL;
        }
        break;
    case ADMIN:
        category = "13";
        staffing = "2";
        teacher_grades(R, S, age < 35 ? 35 : age, &education, &title);
        break;
    case SUPPORT:
        category = "12";
        staffing = "3";
        education = sh_rng_chance(r, 600) ? "21" : "31";
        title = sh_rng_chance(r, 400) ? "074" : NULL;
        break;
    default:
        category = "14";
        staffing = "4";
        education = sh_rng_chance(r, 500) ? "61" : "71";
        break;
    }
    if (sh_rng_chance(r, 10))
        status = "14";
    else if (age >= 56 && sh_rng_chance(r, 100))
        status = "04";
    int hired = by + 22 + (int)sh_rng_below(r, 4);
    if (hired > Y)
        hired = Y;
    int64_t person = account >= 0 ? R->acc[account].person : 0;
    const char *person_uid = NULL;
    const char *work = S->name;
    int rc = account >= 0 ? complete_person(R, p, R->acc[account].person, &g, "01", work, &person_uid, err)
                          : new_person(R, p, &g, "01", 1, 1, work, &person, &person_uid, err);
    if (rc != SH_OK)
        return SH_ERR;
    sh_record st = rec(p, &sh_staff_entity);
    put_ref(R, &st, "school", S->id, S->uid);
    put_ref(R, &st, "person", person, person_uid);
    put_text(R, &st, "name", sh_pstrdup(p, g.name));
    put_text(R, &st, "staff_number", sh_psprintf(p, "%04d%03d", hired, ++S->staff_seq));
    put_text(R, &st, "category", category);
    put_text(R, &st, "education", education);
    put_text(R, &st, "title", title);
    put_text(R, &st, "staffing", staffing);
    put_text(R, &st, "status", status);
    put_text(R, &st, "subjects", subjects);
    if (insert(R, p, &st, S->id, key, uid, err) != SH_OK)
        return SH_ERR;
    R->st.staff++;
    return SH_OK;
}

/* Staff of the school: one per teacher slot, then the others. sp keeps what the
 * school's later rows refer to; tp is for the rest. */
static int add_all_staff(run *R, sh_pool *sp, sh_pool *tp, school_ctx *S, sh_err *err) {
    for (int i = 0; i < S->nslots; i++) {
        slot *t = &S->slots[i];
        const char *uid = NULL;
        if (add_staff(R, tp, S, TEACHER, t->codes, t->account, &t->staff, &uid, err) != SH_OK)
            return SH_ERR;
        if (!uid || !(t->staff_uid = sh_pstrdup(sp, uid)))
            return oom(err);
    }
    if (S->kind == TEACHING_POINT)
        return SH_OK; /* the teachers run it */
    int admins = 2 + S->nclasses / 12, support = 1 + S->nclasses / 15, service = 1 + S->nclasses / 10;
    for (int i = 0; i < admins + support + service; i++) {
        staff_kind k = i < admins ? ADMIN : i < admins + support ? SUPPORT : SERVICE;
        int account = i == 0 && S->id == R->account_school && R->acc[ACC_ADMIN].person ? ACC_ADMIN : -1;
        if (add_staff(R, tp, S, k, NULL, account, NULL, NULL, err) != SH_OK)
            return SH_ERR;
    }
    return SH_OK;
}

/* ---- classes and teaching ---- */

static int add_classes(run *R, sh_pool *p, school_ctx *S, sh_err *err) {
    /* head teachers: the first of the class's own teachers (语文, 数学, …) not
     * heading another class yet */
    for (int c = 0; c < S->nclasses; c++) {
        class_ctx *k = &S->classes[c];
        for (int i = 0; k->head < 0 && i < S->nslots; i++) {
            slot *t = &S->slots[i];
            if (!t->is_head && !t->reserved && teaches(t, c)) {
                t->is_head = 1;
                k->head = i;
            }
        }
        sh_record r = rec(p, &sh_class_profile_entity);
        put_ref(R, &r, "school", S->id, S->uid);
        put_ref(R, &r, "class", k->id, k->uid);
        put_text(R, &r, "class_number", sh_psprintf(p, "%02d", k->number));
        put_text(R, &r, "class_type", stages[S->kind].class_type);
        put_int(R, &r, "entry_year", k->entry_year);
        if (k->head >= 0)
            put_ref(R, &r, "head_teacher", S->slots[k->head].staff, S->slots[k->head].staff_uid);
        if (insert(R, p, &r, S->id, NULL, NULL, err) != SH_OK)
            return SH_ERR;
        R->st.classes++;
    }
    for (int i = 0; i < S->nslots; i++) {
        const slot *t = &S->slots[i];
        for (int c = 0; c < t->n; c++) {
            const class_ctx *k = &S->classes[t->classes[c]];
            char code[8];
            for (const char *q = t->codes; *q;) {
                size_t n = strcspn(q, " ");
                snprintf(code, sizeof code, "%.*s", (int)n, q);
                q += n + (q[n] == ' ');
                sh_record r = rec(p, &sh_teaching_entity);
                put_ref(R, &r, "school", S->id, S->uid);
                put_ref(R, &r, "staff", t->staff, t->staff_uid);
                put_ref(R, &r, "class", k->id, k->uid);
                put_text(R, &r, "subject", sh_pstrdup(p, code));
                put_ref(R, &r, "term", R->term, R->term_uid);
                if (insert(R, p, &r, S->id, NULL, NULL, err) != SH_OK)
                    return SH_ERR;
            }
        }
    }
    return SH_OK;
}

/* ---- students ---- */

int sh_demo_class_size(sh_rng *r, int level, int teaching_point) {
    if (teaching_point)
        return 6 + (int)sh_rng_below(r, 10);
    return level <= 6   ? 36 + (int)sh_rng_below(r, 10)
           : level <= 9 ? 40 + (int)sh_rng_below(r, 11)
                        : 42 + (int)sh_rng_below(r, 11);
}

static int class_size(run *R, const school_ctx *S) {
    static const int level_of_kind[] = {[PRIMARY] = 1, [JUNIOR] = 7, [SENIOR] = 10, [TEACHING_POINT] = 1};
    return sh_demo_class_size(&R->rng, level_of_kind[S->kind], S->kind == TEACHING_POINT);
}

/* The 学籍 row and the enrolment of a student in class k. */
typedef struct pupil {
    const sh_gen_person *g;
    int64_t person;
    const char *person_uid;
    const char *student_number; /* NULL: none */
    const char *entry_month, *entry_date, *entry_type;
    int rural, transfer_out;
    int64_t student, enrollment;
    const char *student_uid;
} pupil;

/* The registry form's care and support flags of the next student, from a hash
 * of the run's seed and the student's number in the run (deterministic by seed;
 * the run's random stream, and so every other demo value, stays as it was).
 * Shares, per mille: 留守儿童 80 in the countryside (50 one parent away, 30 both)
 * and 10 in towns; 随迁子女 120 in towns, 20 in the countryside; 孤儿 2; 烈士或
 * 优抚子女 1; 残疾 10 (most of them 随班就读); 资助 120 in the countryside, 40 in
 * towns; 校车 150 of country pupils of compulsory school, 10 in towns. */
static void care_flags(run *R, sh_record *st, int level, int rural, int *inclusive) {
    uint64_t x = R->seed ^ ((uint64_t)R->st.students + 1) * 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull; /* splitmix64 */
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    x ^= x >> 31;
    unsigned draw[7];
    for (int i = 0; i < 7; i++, x = x >> 9 | x << 55)
        draw[i] = (unsigned)(x % 1000);
    const char *left = draw[0] < (rural ? 50u : 6u) ? "1" : draw[0] < (rural ? 80u : 10u) ? "2" : "0";
    put_text(R, st, "left_behind", left);
    put_text(R, st, "migrant_child", draw[1] < (rural ? 20u : 120u) ? "1" : "0");
    put_text(R, st, "orphan", draw[2] < 2 ? "1" : "0");
    put_text(R, st, "martyr_child", draw[2] >= 2 && draw[2] < 3 ? "1" : "0");
    if (draw[3] < 10) {
        static const char *const kinds[] = {"1", "2", "3", "9"};
        put_text(R, st, "disability_type", kinds[draw[4] % 4]);
        *inclusive = *inclusive || draw[4] % 10 < 7;
    }
    put_text(R, st, "needs_aid", draw[5] < (rural ? 120u : 40u) ? "1" : "0");
    put_text(R, st, "school_bus", level <= 9 && draw[6] < (rural ? 150u : 10u) ? "1" : "0");
}

static int add_pupil(run *R, sh_pool *p, school_ctx *S, class_ctx *k, pupil *u, sh_err *err) {
    sh_rng *r = &R->rng;
    int seat = ++k->seated;
    sh_record st = rec(p, &sh_student_entity);
    put_ref(R, &st, "school", S->id, S->uid);
    put_ref(R, &st, "person", u->person, u->person_uid);
    put_text(R, &st, "name", u->g->name);
    put_text(R, &st, "gender", u->g->gender);
    put_text(R, &st, "student_number", u->student_number);
    put_text(R, &st, "local_number", sh_psprintf(p, "%d%02d%02d", k->entry_year, k->number, seat));
    put_text(R, &st, "category", stages[S->kind].category);
    put_text(R, &st, "status", "01");
    put_text(R, &st, "entry_month", u->entry_month);
    put_text(R, &st, "hukou_type", sh_rng_chance(r, u->rural ? 700 : 150) ? "2" : "1");
    int boards = S->kind == SENIOR ? 600 : S->kind == JUNIOR && u->rural ? 300 : 0;
    put_text(R, &st, "attendance_mode", sh_rng_chance(r, (uint32_t)boards) ? "2" : "1");
    int inclusive = sh_rng_chance(r, 3);
    care_flags(R, &st, k->level, u->rural, &inclusive);
    put_text(R, &st, "inclusive", inclusive ? "1" : "0");
    if (insert(R, p, &st, S->id, &u->student, &u->student_uid, err) != SH_OK)
        return SH_ERR;
    sh_record en = rec(p, &sh_enrollment_entity);
    put_ref(R, &en, "school", S->id, S->uid);
    put_ref(R, &en, "student", u->student, u->student_uid);
    put_ref(R, &en, "class", k->id, k->uid);
    put_text(R, &en, "entry_date", u->entry_date);
    put_text(R, &en, "entry_type", u->entry_type);
    if (insert(R, p, &en, S->id, &u->enrollment, NULL, err) != SH_OK)
        return SH_ERR;
    R->st.students++;
    return SH_OK;
}

static int add_guardian(run *R, sh_pool *p, school_ctx *S, const pupil *u, int64_t person, const char *uid,
                        const char *name, const char *relation, sh_err *err) {
    sh_record g = rec(p, &sh_guardian_entity);
    put_ref(R, &g, "school", S->id, S->uid);
    put_ref(R, &g, "student", u->student, u->student_uid);
    put_ref(R, &g, "person", person, uid);
    put_text(R, &g, "name", name);
    put_text(R, &g, "relation", relation);
    put_int(R, &g, "is_guardian", 1);
    if (insert(R, p, &g, S->id, NULL, NULL, err) != SH_OK)
        return SH_ERR;
    R->st.guardians++;
    return SH_OK;
}

/* An older brother's or sister's family in this school, or NULL. */
static family *sibling_family(run *R, school_ctx *S, int level, int32_t from) {
    if (!S->nfamilies || !sh_rng_chance(&R->rng, 70))
        return NULL;
    family *f = &S->families[sh_rng_below(&R->rng, (uint32_t)S->nfamilies)];
    /* an older child, born at least ten months before this one can be */
    if (f->level >= level || f->child_day > from - 300)
        return NULL;
    return f;
}

static family *new_family(sh_pool *p, school_ctx *S) {
    if (S->nfamilies == S->capfamilies) {
        int cap = S->capfamilies ? S->capfamilies * 2 : 256;
        family *more = sh_palloc(p, sizeof *more * (size_t)cap);
        if (!more)
            return NULL;
        if (S->nfamilies)
            memcpy(more, S->families, sizeof *more * (size_t)S->nfamilies);
        S->families = more;
        S->capfamilies = cap;
    }
    family *f = &S->families[S->nfamilies];
    *f = (family){0};
    f->dad = sh_pcalloc(p, sizeof *f->dad);
    f->mum = sh_pcalloc(p, sizeof *f->mum);
    if (!f->dad || !f->mum)
        return NULL;
    S->nfamilies++;
    return f;
}

static carry *new_carry(run *R, int transfer, const school_ctx *S, const class_ctx *k) {
    if (R->ncarries == R->capcarries)
        return NULL;
    carry *x = &R->carries[R->ncarries++];
    memset(x, 0, sizeof *x);
    x->transfer = transfer;
    x->stage = S->kind == TEACHING_POINT ? PRIMARY : S->kind;
    x->level = k->level;
    x->from_school = S->id;
    if (transfer)
        R->transfers++;
    else
        R->dups++;
    return x;
}

/* The transfer out in the middle of October of this term (any class may lose a
 * student then, the first grade too): the enrolment closes, the 学籍 says
 * 转学（转出）. Written as updates, so the history shows them. */
static int transfer_out(run *R, sh_pool *p, school_ctx *S, const pupil *u, sh_err *err) {
    sh_record en = rec(p, &sh_enrollment_entity), st = rec(p, &sh_student_entity);
    put_text(R, &en, "exit_date", sh_psprintf(p, "%d-10-15", Y));
    put_text(R, &en, "exit_type", "21");
    put_text(R, &st, "status", "10");
    if (!en.v || !st.v || R->bad_field)
        return oom(err);
    int changed;
    if (sh_record_update(R->c, p, &en, u->enrollment, S->id, &R->pv, &changed, err) != SH_OK ||
        sh_record_update(R->c, p, &st, u->student, S->id, &R->pv, &changed, err) != SH_OK)
        return SH_ERR;
    R->st.transfers++;
    return SH_OK;
}

/* A new family's father and mother as persons; demo_father: the father is the
 * demo guardian's person. Their keys and uids stay with the school (sp). */
static int add_parents(run *R, sh_pool *sp, sh_pool *p, const school_ctx *S, family *fam, int demo_father,
                       sh_err *err) {
    const char *uid = NULL;
    int rc = demo_father
                 ? complete_person(R, p, R->acc[ACC_GUARDIAN].person, fam->dad, fam->eth, work_unit(R, p, S),
                                   &uid, err)
                 : new_person(R, p, fam->dad, fam->eth, 1, 1, work_unit(R, p, S), &fam->father, &uid, err);
    if (rc != SH_OK)
        return SH_ERR;
    if (demo_father)
        fam->father = R->acc[ACC_GUARDIAN].person;
    if (!(fam->father_uid = sh_pstrdup(sp, uid)))
        return oom(err);
    const char *eth = sh_rng_chance(&R->rng, 950) ? fam->eth : "01";
    if (new_person(R, p, fam->mum, eth, 1, 1, work_unit(R, p, S), &fam->mother, &uid, err) != SH_OK)
        return SH_ERR;
    return (fam->mother_uid = sh_pstrdup(sp, uid)) ? SH_OK : oom(err);
}

/* One student of class k, with their family. demo: the ACC_* student account
 * whose person this is, -1 none. which_carry: 0 none, 1 the copy of a duplicate
 * registration, 2 a transfer, to be written in a later school. */
static int add_student(run *R, sh_pool *sp, sh_pool *p, school_ctx *S, class_ctx *k, int demo,
                       int which_carry, sh_err *err) {
    sh_rng *r = &R->rng;
    int demo_student = demo >= 0;
    /* the demo guardian is the father of the first demo student */
    int demo_father = demo == ACC_STUDENT && R->acc[ACC_GUARDIAN].person;
    /* born in the school year for the grade; a few a year older */
    int age_shift = sh_rng_chance(r, 40) ? 1 : 0;
    int32_t from = sh_day_of(Y - 6 - k->level - age_shift, 9, 1),
            to = sh_day_of(Y - 5 - k->level - age_shift, 8, 31);
    family *fam = demo_student ? NULL : sibling_family(R, S, k->level, from);
    int rural = fam ? fam->rural : sh_rng_chance(r, (uint32_t)S->rural_per_mille);
    const sh_people_place *pl = rural ? &S->rural : &S->urban;
    sh_gen_person child;
    if (demo_student
            ? account_person(R, pl, demo, from, to, &child, err)
            : sh_people_make(R->people, pl, 0, from, to, fam ? fam->child_surname : NULL, &child, err))
        return SH_ERR;
    int sibling = fam != NULL;
    if (!fam) {
        if (!(fam = new_family(sp, S)))
            return oom(err);
        family_ethnicity(R, fam->eth);
        fam->rural = rural;
        fam->level = k->level;
        fam->child_day = child.birth_day;
        snprintf(fam->child_surname, sizeof fam->child_surname, "%s", child.surname);
        if (sh_people_parents(R->people, pl, &child, fam->dad, fam->mum, err) != SH_OK)
            return SH_ERR;
        if (demo_father)
            snprintf(fam->dad->name, sizeof fam->dad->name, "%.*s", SH_PEOPLE_NAME_MAX - 1,
                     R->acc[ACC_GUARDIAN].name);
    } else {
        snprintf(child.address, sizeof child.address, "%s", fam->dad->address);
    }
    /* a few without an ID number yet: a temporary 学籍号 (L) and no document */
    int doc = which_carry || demo_student || !sh_rng_chance(r, 5);
    char number[20];
    if (doc)
        snprintf(number, sizeof number, "G%s", child.id_number);
    else
        sh_people_temp_student_number(R->people, child.county, child.birth, number);
    pupil u = {.g = &child,
               .student_number = number,
               .entry_month = sh_psprintf(p, "%d-09", k->entry_year),
               .entry_date = sh_psprintf(p, "%d-09-01", k->entry_year),
               .rural = rural};
    int phone = (S->kind == SENIOR && sh_rng_chance(r, 300)) || (S->kind == JUNIOR && sh_rng_chance(r, 100));
    int rc = demo_student
                 ? complete_person(R, p, R->acc[demo].person, &child, fam->eth, NULL, &u.person_uid, err)
                 : new_person(R, p, &child, fam->eth, doc, phone, NULL, &u.person, &u.person_uid, err);
    if (rc != SH_OK)
        return SH_ERR;
    if (demo_student)
        u.person = R->acc[demo].person;
    if (add_pupil(R, p, S, k, &u, err) != SH_OK)
        return SH_ERR;
    if (!sibling && add_parents(R, sp, p, S, fam, demo_father, err) != SH_OK)
        return SH_ERR;
    if (add_guardian(R, p, S, &u, fam->father, fam->father_uid, fam->dad->name, "51", err) != SH_OK ||
        add_guardian(R, p, S, &u, fam->mother, fam->mother_uid, fam->mum->name, "52", err) != SH_OK)
        return SH_ERR;
    if (!which_carry)
        return SH_OK;
    carry *x = new_carry(R, which_carry == 2, S, k);
    if (!x)
        return SH_OK;
    x->child = child;
    x->dad = *fam->dad;
    x->mum = *fam->mum;
    snprintf(x->eth, sizeof x->eth, "%s", fam->eth);
    x->person = u.person;
    x->father = fam->father;
    x->mother = fam->mother;
    snprintf(x->person_uid, sizeof x->person_uid, "%s", u.person_uid);
    snprintf(x->father_uid, sizeof x->father_uid, "%s", fam->father_uid);
    snprintf(x->mother_uid, sizeof x->mother_uid, "%s", fam->mother_uid);
    snprintf(x->student_number, sizeof x->student_number, "%s", number);
    return which_carry == 2 ? transfer_out(R, p, S, &u, err) : SH_OK;
}

/* A student of an earlier school arrives in class k: a transfer (the same
 * person, 学籍号 and family, 转入 this term) or a duplicate registration (a new
 * person with the same name, gender and birth date and no document, parents
 * likewise). */
static int place_carry(run *R, sh_pool *p, school_ctx *S, class_ctx *k, carry *x, sh_err *err) {
    pupil u = {.g = &x->child,
               .entry_month =
                   x->transfer ? sh_psprintf(p, "%d-10", Y) : sh_psprintf(p, "%d-09", k->entry_year),
               .entry_date = x->transfer ? sh_psprintf(p, "%d-10-16", Y) /* the day after leaving */
                                         : sh_psprintf(p, "%d-09-01", k->entry_year)};
    int64_t father = x->father, mother = x->mother;
    const char *father_uid = x->father_uid, *mother_uid = x->mother_uid;
    if (x->transfer) {
        u.person = x->person;
        u.person_uid = x->person_uid;
        u.student_number = x->student_number;
        u.entry_type = "22";
    } else if (new_person(R, p, &x->child, x->eth, 0, 0, NULL, &u.person, &u.person_uid, err) != SH_OK ||
               new_person(R, p, &x->dad, x->eth, 0, 1, NULL, &father, &father_uid, err) != SH_OK ||
               new_person(R, p, &x->mum, x->eth, 0, 1, NULL, &mother, &mother_uid, err) != SH_OK) {
        return SH_ERR;
    }
    if (add_pupil(R, p, S, k, &u, err) != SH_OK ||
        add_guardian(R, p, S, &u, father, father_uid, x->dad.name, "51", err) != SH_OK ||
        add_guardian(R, p, S, &u, mother, mother_uid, x->mum.name, "52", err) != SH_OK)
        return SH_ERR;
    x->placed = 1;
    if (!x->transfer)
        R->st.duplicates++;
    return SH_OK;
}

static int fill_class(run *R, sh_pool *sp, school_ctx *S, int c, sh_err *err) {
    sh_pool *p = sh_pool_create();
    if (!p)
        return oom(err);
    class_ctx *k = &S->classes[c];
    int n = class_size(R, S), rc = SH_OK;
    int demo = -1; /* the student account of this class, the class's first student */
    static const int students[] = {ACC_STUDENT, ACC_JUNIOR_STUDENT};
    for (size_t j = 0; j < NELEMS(students); j++) {
        const demo_account *a = &R->acc[students[j]];
        if (a->person && a->norg && a->school == S->id && a->org[0] == k->id)
            demo = students[j];
    }
    for (int i = 0; rc == SH_OK && i < n; i++) {
        int which = i == 3 && c == S->dup_class ? 1 : i == 5 && c == S->transfer_class ? 2 : 0;
        rc = add_student(R, sp, p, S, k, i == 0 ? demo : -1, which, err);
    }
    /* students of earlier schools who arrive in this grade */
    int stage = S->kind;
    for (int i = 0; rc == SH_OK && i < R->ncarries; i++) {
        carry *x = &R->carries[i];
        if (!x->placed && x->from_school != S->id && x->stage == stage && x->level == k->level)
            rc = place_carry(R, p, S, k, x, err);
    }
    sh_pool_destroy(p);
    return rc;
}

/* Which classes give a student to a later school: every other school of the
 * first three quarters a duplicate registration (up to the quota, a third of the
 * schools), one school in eleven a transfer, the demo accounts' school neither. */
static void choose_carries(run *R, school_ctx *S, int nschools) {
    S->dup_class = S->transfer_class = -1;
    if (!S->nclasses || S->id == R->account_school || !R->capcarries)
        return;
    if (S->index % 2 == 1 && S->index < nschools * 3 / 4 && R->dups < R->dup_quota)
        S->dup_class = (int)sh_rng_below(&R->rng, (uint32_t)S->nclasses);
    if (S->index % 11 == 5 && R->transfers < R->transfer_quota)
        S->transfer_class = (int)sh_rng_below(&R->rng, (uint32_t)S->nclasses);
}

static int fill_school(run *R, school_ctx *S, int nschools, sh_err *err) {
    sh_pool *sp = sh_pool_create(), *tp = sh_pool_create();
    if (!sp || !tp) {
        sh_pool_destroy(sp);
        sh_pool_destroy(tp);
        return oom(err);
    }
    int rc = sh_begin_write(R->c, err);
    if (rc == SH_OK)
        rc = load_classes(R, sp, S, err);
    if (rc == SH_OK)
        rc = add_school_profile(R, tp, S, err);
    if (rc == SH_OK)
        rc = plan_slots(sp, S, err);
    if (rc == SH_OK) {
        place_account_teachers(R, S);
        rc = add_all_staff(R, sp, tp, S, err);
    }
    if (rc == SH_OK)
        rc = add_classes(R, tp, S, err);
    sh_pool_destroy(tp);
    if (rc == SH_OK)
        choose_carries(R, S, nschools);
    for (int c = 0; rc == SH_OK && c < S->nclasses; c++)
        rc = fill_class(R, sp, S, c, err);
    if (rc == SH_OK)
        rc = sh_commit(R->c, err);
    else
        sh_rollback(R->c);
    sh_pool_destroy(sp);
    if (rc == SH_OK)
        R->st.schools++;
    return rc;
}

/* ---- the schools of the city ---- */

typedef struct school_row {
    int64_t id;
    char uid[32], name[160], code[16], county[8], district[64];
} school_row;

static int load_schools(run *R, school_row **out, int *n, sh_err *err) {
    sh_stmt *s =
        sh_prepare(R->c,
                   "SELECT s.id, s.uid, s.name, s.school_code, s.region_code, d.name FROM org_unit s"
                   " LEFT JOIN org_unit d ON d.id = s.parent_id WHERE s.kind = 'school' ORDER BY s.id",
                   err);
    if (!s)
        return SH_ERR;
    int rc, cap = 0;
    *out = NULL;
    *n = 0;
    while ((rc = sh_step(s, err)) == SH_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            school_row *more = sh_realloc(*out, sizeof *more * (size_t)cap);
            if (!more) {
                rc = oom(err);
                break;
            }
            *out = more;
        }
        school_row *w = &(*out)[(*n)++];
        const char *t;
        w->id = sh_col_i64(s, 0);
        snprintf(w->uid, sizeof w->uid, "%s", (t = sh_col_text(s, 1)) ? t : "");
        snprintf(w->name, sizeof w->name, "%s", (t = sh_col_text(s, 2)) ? t : "");
        snprintf(w->code, sizeof w->code, "%s", (t = sh_col_text(s, 3)) ? t : "");
        snprintf(w->county, sizeof w->county, "%s", (t = sh_col_text(s, 4)) ? t : "");
        snprintf(w->district, sizeof w->district, "%s", (t = sh_col_text(s, 5)) ? t : "");
    }
    sh_stmt_done(s);
    return rc == SH_ERR ? SH_ERR : SH_OK;
}

static void describe(run *R, const school_row *w, int index, school_ctx *S) {
    memset(S, 0, sizeof *S);
    S->id = w->id;
    S->index = index;
    snprintf(S->uid, sizeof S->uid, "%s", w->uid);
    snprintf(S->name, sizeof S->name, "%s", w->name);
    snprintf(S->code, sizeof S->code, "%s", w->code);
    /* a school without a county of its own takes the city's first */
    snprintf(S->county, sizeof S->county, "%s",
             strlen(w->county) == 6 ? w->county
             : R->ncounties         ? R->counties[0]
                                    : "370702");
    snprintf(S->district, sizeof S->district, "%s", w->district);
    /* the demo city is 潍坊 (370700) under another name: its people live there */
    snprintf(S->prefix, sizeof S->prefix, "山东省潍坊市%s", w->district);
    size_t dl = strlen(w->district);
    S->urban_district = dl >= 3 && strcmp(w->district + dl - 3, "区") == 0;
    if (strncmp(w->code, "21", 2) == 0)
        S->kind = strstr(w->name, "教学点") ? TEACHING_POINT : PRIMARY;
    else if (strncmp(w->code, "31", 2) == 0)
        S->kind = JUNIOR;
    else if (strncmp(w->code, "34", 2) == 0)
        S->kind = SENIOR;
    else
        S->kind = -1; /* decided by its grades */
    int notable = strstr(w->name, "实验") || strstr(w->name, "第");
    S->rural_per_mille = strstr(w->name, "教学点") ? 1000 : S->urban_district ? 100 : notable ? 250 : 600;
    S->urban = (sh_people_place){
        .county = S->county, .prefix = S->prefix, .born_elsewhere = R->elsewhere, .nelsewhere = R->ncounties};
    S->rural = S->urban;
    S->rural.rural = 1;
}

int sh_demo_roster(sh_conn *c, uint64_t seed, sh_demo_people which, sh_progress *pg, sh_demo_roster_stats *st,
                   sh_err *err) {
    if (st)
        memset(st, 0, sizeof *st);
    if (which == SH_DEMO_PEOPLE_NONE)
        return SH_OK;
    if (check_codes(err) != SH_OK)
        return SH_ERR;
    run *R = sh_calloc(1, sizeof *R);
    if (!R)
        return oom(err);
    R->c = c;
    R->pv = (sh_provenance){.actor = 0, .source = "system"};
    sh_rng_seed(&R->rng, seed ^ 0x5eed0f5c0015ull);
    R->seed = seed;
    R->people = sh_people_new(seed);
    school_row *rows = NULL;
    int nrows = 0, rc = R->people ? SH_OK : oom(err);
    /* the indexes being written outgrow SQLite's default 2 MB page cache at once */
    sh_bulk_write(c, 1);
    if (rc == SH_OK)
        rc = load_counties(R, err);
    if (rc == SH_OK)
        rc = load_accounts(R, err);
    if (rc == SH_OK)
        rc = load_schools(R, &rows, &nrows, err);
    if (rc == SH_OK)
        rc = add_terms(R, err);
    if (rc == SH_OK && which == SH_DEMO_PEOPLE_ALL) {
        /* data problems scale with the city: 20 duplicates and 5 transfers in 60 schools */
        R->dup_quota = (nrows + 2) / 3;
        R->transfer_quota = (nrows + 10) / 12;
        R->capcarries = R->dup_quota + R->transfer_quota;
        R->carries = R->capcarries ? sh_calloc((size_t)R->capcarries, sizeof *R->carries) : NULL;
        if (R->capcarries && !R->carries)
            rc = oom(err);
    }
    for (int i = 0; rc == SH_OK && i < nrows; i++) {
        if (which == SH_DEMO_PEOPLE_SCHOOL && !has_accounts(R, rows[i].id) &&
            !(R->account_school == 0 && i == 0))
            continue;
        school_ctx S;
        describe(R, &rows[i], i, &S);
        rc = fill_school(R, &S, nrows, err);
        if (pg)
            sh_progress_step(pg, 1);
    }
    sh_bulk_write(c, 0);
    if (st)
        *st = R->st;
    sh_free(rows);
    sh_free(R->carries);
    sh_people_free(R->people);
    sh_free(R);
    return rc;
}
