/* members.c — family members as import rows give them (the guardians kind, and
 * the two family blocks of the national registry form): the adult check of a
 * legal guardian and keeping the member as a person of their own, deduplicated
 * like anyone else, linked to the student. */
#include "import/kinds.h"

#include "core/clock.h"
#include "roster/roster.h"

#include <stdio.h>
#include <stdlib.h>

/* Whole years between a birth date and today. */
static int age_on(const char *birth, const char *today) {
    int years = (int)(strtol(today, NULL, 10) - strtol(birth, NULL, 10));
    if (strcmp(today + 5, birth + 5) < 0)
        years--;
    return years;
}

int sh_import_member_adult(sh_import *im, sh_import_member *m, int col, sh_err *err) {
    const sh_value *birth = sh_import_value(&m->prof, "birth_date");
    char today[11];
    sh_today_iso(today);
    if (!sh_import_value(&m->link, "is_guardian")->i || !birth->set || !birth->s ||
        age_on(birth->s, today) >= 18)
        return SH_OK;
    return sh_err_add(err, 400, "guardian_not_adult", im->kind->columns[col].key, NULL,
                      "监护人应已成年（按出生日期，今天未满 18 周岁）");
}

int sh_import_member_read(sh_import *im, const sh_import_row *row, int base, sh_import_member *m,
                          sh_err *err) {
    int any = 0;
    for (int i = 0; i < SH_MEMBER_COLUMNS && !any; i++)
        any = sh_import_cell(row, base + i) != NULL;
    if (!any)
        return 0;
    sh_pool *p = im->row_pool;
    *m = (sh_import_member){.link = sh_import_record(p, &sh_guardian_entity),
                            .prof = sh_import_record(p, &sh_person_profile_entity)};
    if (!m->link.v || !m->prof.v)
        return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    size_t before = sh_err_count(err);
    static const struct {
        int col;
        int on_link;
        const char *field;
    } cols[] = {
        {SH_MEMBER_NAME, 1, "name"},
        {SH_MEMBER_RELATION, 1, "relation"},
        {SH_MEMBER_RELATION_NOTE, 1, "relation_note"},
        {SH_MEMBER_GUARDIAN, 1, "is_guardian"},
        {SH_MEMBER_ADDRESS, 0, "address"},
        {SH_MEMBER_HUKOU_PLACE, 0, "hukou_place"},
        {SH_MEMBER_PHONE, 0, "phone"},
        {SH_MEMBER_ETHNICITY, 0, "ethnicity"},
        {SH_MEMBER_WORK_UNIT, 0, "work_unit"},
        {SH_MEMBER_POSITION, 0, "work_position"},
    };
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
        sh_import_set(im, row, base + cols[i].col, cols[i].on_link ? &m->link : &m->prof, cols[i].field, err);
    for (int i = SH_MEMBER_NAME; i <= SH_MEMBER_RELATION; i++)
        if (!sh_import_value(&m->link, i == SH_MEMBER_NAME ? "name" : "relation")->set &&
            !sh_import_cell(row, base + i))
            sh_err_add(err, 400, "required", im->kind->columns[base + i].key, NULL,
                       "填写了家庭成员信息，但缺少“%s”", sh_import_header(im, base + i));
    sh_value *g = sh_import_value(&m->link, "is_guardian");
    if (!g->set)
        *g = (sh_value){.set = 1, .s = "0", .i = 0};
    int bad = sh_err_count(err) > before;
    if (sh_import_document(im, row, base + SH_MEMBER_ID_TYPE, base + SH_MEMBER_ID_NUMBER, &m->prof, &m->type,
                           &m->number, err) != SH_OK ||
        bad)
        return SH_ERR;
    if (sh_import_member_adult(im, m, base + SH_MEMBER_GUARDIAN, err) != SH_OK)
        return SH_ERR;
    return 1;
}

int sh_import_member_write(sh_import *im, int64_t school, int64_t student, sh_import_member *m, int count,
                           sh_err *err) {
    sh_pool *p = im->row_pool;
    const char *name = sh_import_value(&m->link, "name")->s,
               *relation = sh_import_value(&m->link, "relation")->s;
    /* the member: by document, else the student's existing member of that name and relation */
    int64_t person = m->number
                         ? sh_person_by_document(im->c, m->type, m->number, err)
                         : sh_import_i64(im,
                                         "SELECT person_id FROM guardian_link WHERE student_id = $1"
                                         " AND name || '|' || relation = $2",
                                         student, NULL, 0, sh_psprintf(p, "%s|%s", name, relation), err);
    if (person < 0)
        return SH_ERR;
    if (sh_import_person(im, &person, name, m->type, m->number, NULL, &m->prof, err) != SH_OK)
        return SH_ERR;
    int64_t key = sh_import_i64_2(im, "SELECT id FROM guardian_link WHERE student_id = $1 AND person_id = $2",
                                  student, person, err);
    if (key < 0)
        return SH_ERR;
    if (!key) {
        *sh_import_value(&m->link, "school") = (sh_value){.set = 1, .i = school};
        *sh_import_value(&m->link, "student") = (sh_value){.set = 1, .i = student};
        *sh_import_value(&m->link, "person") = (sh_value){.set = 1, .i = person};
    }
    return sh_import_upsert(im, &m->link, &key, school, count, err);
}
