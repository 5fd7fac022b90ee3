/* kinds_user.c — the import kinds of roles.csv, users.csv, enrollments.csv and
 * demographics.csv (mapping.c says how each column maps):
 *
 *   roles        each user's primary role (student; teacher, administrator,
 *                aide → staff; guardian, parent → a guardian; relative → a
 *                family member who is not a guardian) at a school, kept for
 *                users.csv.
 *   users        a person (the same one for every row with the same
 *                userMasterIdentifier, or the person of the existing row with
 *                this sourcedId; otherwise a new person, without an identity
 *                document: OneRoster files never carry ID numbers) and their
 *                role record: a student (学籍) upserting on sourcedId or school
 *                + person, with the 全国学籍号 from identifier when it is one in
 *                clear; a staff member upserting on sourcedId or school + 工号
 *                (identifier); a family member of each student in
 *                agentSourcedIds, upserting on student + person.
 *   enrollments  a student in a homeroom class is an enrolment (on sourcedId,
 *                else student + class + begin date; a student already in another
 *                class is an error: class changes are 学籍异动); the primary
 *                teacher of a homeroom class is its head teacher; a teacher of a
 *                scheduled class is a teaching assignment (staff, class,
 *                subject, term).
 *   demographics sex and a full birthDate (a masked year is left alone) on the
 *                person's profile and the student record. */
#include "oneroster/or_import.h"

#include "identity/account.h"
#include "model/fieldcrypt.h"
#include "model/identifiers.h"
#include "roster/persons.h"
#include "roster/roster.h"

#include <stdio.h>
#include <string.h>

#define HEAD_COLUMNS(prefix)                                                                                 \
    [prefix##_SID] = {"sourcedId", "sourcedId", NULL, NULL, SH_IMPORT_REQUIRED},                             \
    [prefix##_STATUS] = {"status", "status", NULL, NULL, 0},                                                 \
    [prefix##_DLM] = {"dateLastModified", "dateLastModified", NULL, NULL, 0}

static int oom(sh_err *err) { return sh_err_add(err, 500, "out_of_memory", NULL, NULL, "内存不足"); }

/* ---- roles ---- */

enum { R_SID, R_STATUS, R_DLM, R_USER, R_TYPE, R_ROLE, R_BEGIN, R_END, R_ORG, R_PROFILE, R_COUNT };

static const sh_import_column role_columns[R_COUNT] = {
    HEAD_COLUMNS(R),
    [R_USER] = {"userSourcedId", "userSourcedId", NULL, NULL, SH_IMPORT_REQUIRED},
    [R_TYPE] = {"roleType", "roleType", NULL, "primary 或 secondary", SH_IMPORT_REQUIRED},
    [R_ROLE] = {"role", "role", NULL, "student、teacher、guardian …", SH_IMPORT_REQUIRED},
    [R_BEGIN] = {"beginDate", "beginDate", NULL, NULL, 0},
    [R_END] = {"endDate", "endDate", NULL, NULL, 0},
    [R_ORG] = {"orgSourcedId", "orgSourcedId", NULL, NULL, SH_IMPORT_REQUIRED},
    [R_PROFILE] = {"userProfileSourcedId", "userProfileSourcedId", NULL, NULL, 0},
};

static int role_code(const char *role) {
    static const struct {
        const char *name;
        int code;
    } roles[] = {{"student", OR_ROLE_STUDENT},     {"teacher", OR_ROLE_STAFF},
                 {"administrator", OR_ROLE_STAFF}, {"aide", OR_ROLE_STAFF},
                 {"proctor", OR_ROLE_STAFF},       {"guardian", OR_ROLE_GUARDIAN},
                 {"parent", OR_ROLE_GUARDIAN},     {"relative", OR_ROLE_RELATIVE}};
    for (size_t i = 0; role && i < sizeof roles / sizeof roles[0]; i++)
        if (strcmp(roles[i].name, role) == 0)
            return roles[i].code;
    return 0;
}

static int role_row(sh_import *im, const sh_import_row *row, sh_err *err) {
    const char *sid = or_sid(im, row, R_SID, err), *user = or_sid(im, row, R_USER, err);
    const char *type = sh_import_cell(row, R_TYPE), *role = sh_import_cell(row, R_ROLE);
    if (!sid || !user)
        return SH_ERR;
    if (!type || (strcmp(type, "primary") != 0 && strcmp(type, "secondary") != 0))
        return sh_err_add(err, 400, "invalid_role_type", "roleType", type,
                          "“roleType”应为 primary 或 secondary");
    int code = role_code(role);
    if (!code)
        return sh_err_add(err, 400, "unsupported_role", "role", role, "不支持的角色“%s”", role ? role : "");
    int64_t school = or_school(im, row, R_ORG, err);
    if (!school)
        return SH_ERR;
    im->res->unchanged++;
    if (strcmp(type, "primary") != 0)
        return SH_OK; /* one role per person and school here: the primary one */
    or_ctx *x = or_ctx_of(im);
    if (or_map_get(&x->map, "r:", user))
        return sh_err_add(err, 400, "duplicate_primary_role", "userSourcedId", user,
                          "用户 %s 有不止一个主要角色", user);
    return or_map_put(&x->map, "r:", user, code, school, NULL) == SH_OK ? SH_OK : oom(err);
}

const sh_import_kind sh_or_kind_roles = {
    .name = "roles", .label = "roles.csv", .columns = role_columns, .ncolumns = R_COUNT, .row = role_row};

/* ---- users ---- */

enum {
    U_SID,
    U_STATUS,
    U_DLM,
    U_ENABLED,
    U_USERNAME,
    U_USER_IDS,
    U_GIVEN,
    U_FAMILY,
    U_MIDDLE,
    U_IDENT,
    U_EMAIL,
    U_SMS,
    U_PHONE,
    U_AGENTS,
    U_GRADES,
    U_PASSWORD,
    U_MASTER,
    U_RESOURCES,
    U_PREF_GIVEN,
    U_PREF_MIDDLE,
    U_PREF_FAMILY,
    U_PRIMARY_ORG,
    U_PRONOUNS,
    U_M_STATUS,
    U_M_RELATION,
    U_M_GUARDIAN,
    U_M_ENTRY,
    U_COUNT
};

static const sh_import_column user_columns[U_COUNT] = {
    HEAD_COLUMNS(U),
    [U_ENABLED] = {"enabledUser", "enabledUser", NULL, NULL, 0},
    [U_USERNAME] = {"username", "username", NULL, NULL, 0},
    [U_USER_IDS] = {"userIds", "userIds", NULL, NULL, 0},
    [U_GIVEN] = {"givenName", "givenName", NULL, NULL, 0, SH_MASK_NAME},
    [U_FAMILY] = {"familyName", "familyName", NULL, NULL, SH_IMPORT_REQUIRED, SH_MASK_NAME},
    [U_MIDDLE] = {"middleName", "middleName", NULL, NULL, 0},
    [U_IDENT] = {"identifier", "identifier", NULL, "学生：全国学籍号；教职工：工号", 0, SH_MASK_ID},
    [U_EMAIL] = {"email", "email", NULL, NULL, 0},
    [U_SMS] = {"sms", "sms", NULL, NULL, 0, SH_MASK_HIDE},
    [U_PHONE] = {"phone", "phone", NULL, NULL, 0, SH_MASK_HIDE},
    [U_AGENTS] = {"agentSourcedIds", "agentSourcedIds", NULL, NULL, 0},
    [U_GRADES] = {"grades", "grades", NULL, NULL, 0},
    [U_PASSWORD] = {"password", "password", NULL, NULL, 0, SH_MASK_HIDE},
    [U_MASTER] = {"userMasterIdentifier", "userMasterIdentifier", NULL, NULL, 0},
    [U_RESOURCES] = {"resourceSourcedIds", "resourceSourcedIds", NULL, NULL, 0},
    [U_PREF_GIVEN] = {"preferredGivenName", "preferredGivenName", NULL, NULL, 0},
    [U_PREF_MIDDLE] = {"preferredMiddleName", "preferredMiddleName", NULL, NULL, 0},
    [U_PREF_FAMILY] = {"preferredFamilyName", "preferredFamilyName", NULL, NULL, 0},
    [U_PRIMARY_ORG] = {"primaryOrgSourcedId", "primaryOrgSourcedId", NULL, NULL, 0},
    [U_PRONOUNS] = {"pronouns", "pronouns", NULL, NULL, 0},
    [U_M_STATUS] = {"status_code", "metadata.status", NULL, "学籍状态或教职工当前状态代码", 0},
    [U_M_RELATION] = {"relation", "metadata.relation", NULL, "GB/T 4761 家庭关系代码", 0},
    [U_M_GUARDIAN] = {"isGuardian", "metadata.isGuardian", NULL, "true 或 false", 0},
    [U_M_ENTRY] = {"entry_month", "metadata.entryMonth", NULL, "YYYY-MM", 0},
};

/* The person of a user row: the existing row's person, else the one registered
 * for the same userMasterIdentifier in this import, else a new one. */
static int person_of(sh_import *im, const char *master, const char *name, int64_t found, int64_t *person,
                     sh_err *err) {
    or_ctx *x = or_ctx_of(im);
    *person = found;
    const or_entry *e = !found && master ? or_map_get(&x->map, "p:", master) : NULL;
    if (e)
        *person = e->a;
    if (!*person) {
        sh_record prof = sh_import_record(im->row_pool, &sh_person_profile_entity);
        if (!prof.v)
            return oom(err);
        if (sh_person_register(im->c, im->row_pool, name, NULL, NULL, &prof, &im->o->pv, person, err) !=
            SH_OK)
            return SH_ERR;
    }
    return master && !e && or_map_put(&x->map, "p:", master, *person, 0, NULL) != SH_OK ? oom(err) : SH_OK;
}

/* An existing row of table with this sourcedId: key, school and person. */
static int64_t existing(sh_import *im, const char *table, const char *sid, int64_t *school, int64_t *person,
                        sh_err *err) {
    const or_entry *m = or_map_get(&or_ctx_of(im)->map, "u:", sid);
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT id, school_id, person_id FROM %s WHERE %s", table,
             m ? "id = $1" : "uid = $1");
    sh_stmt *s = sh_prepare(im->c, sql, err);
    if (!s)
        return SH_ERR;
    if (m)
        sh_bind_i64(s, 1, m->a);
    else
        sh_bind_text(s, 1, sid, -1);
    int rc = sh_step(s, err);
    int64_t id = 0;
    if (rc == SH_ROW) {
        id = sh_col_i64(s, 0);
        *school = sh_col_i64(s, 1);
        *person = sh_col_i64(s, 2);
    }
    sh_stmt_done(s);
    return rc == SH_ERR ? SH_ERR : id;
}

static int student_user(sh_import *im, const sh_import_row *row, const char *sid, const char *name,
                        int64_t school, sh_err *err) {
    sh_record st = sh_import_record(im->row_pool, &sh_student_entity);
    if (!st.v)
        return oom(err);
    *sh_import_value(&st, "name") = (sh_value){.set = 1, .s = name};
    sh_import_set(im, row, U_M_STATUS, &st, "status", err);
    sh_import_set(im, row, U_M_ENTRY, &st, "entry_month", err);
    const char *ident = sh_import_cell(row, U_IDENT);
    if (ident && !strchr(ident, '*')) /* a masked 学籍号 is not one */
        sh_import_set(im, row, U_IDENT, &st, "student_number", err);
    if (sh_err_count(err))
        return SH_ERR;
    if (!sh_import_value(&st, "status")->set) {
        const char *en = sh_import_cell(row, U_ENABLED);
        *sh_import_value(&st, "status") =
            (sh_value){.set = 1, .s = en && strcmp(en, "false") == 0 ? "03" : "01"};
    }
    int64_t at = 0, person = 0, key = existing(im, "student", sid, &at, &person, err);
    if (key < 0)
        return SH_ERR;
    if (key && at != school)
        return sh_err_add(err, 400, "sourced_id_taken", "sourcedId", sid, "sourcedId %s 已被其他记录使用",
                          sid);
    if (person_of(im, sh_import_cell(row, U_MASTER), name, person, &person, err) != SH_OK)
        return SH_ERR;
    if (!key) {
        key = or_i64(im, "SELECT id FROM student WHERE person_id = $1 AND school_id = $2", person, school,
                     NULL, err);
        if (key < 0)
            return SH_ERR;
        if (key && or_map_put(&or_ctx_of(im)->map, "u:", sid, key, 0, NULL) != SH_OK)
            return oom(err);
    }
    if (!key) {
        *sh_import_value(&st, "id") = (sh_value){.set = 1, .s = sid};
        *sh_import_value(&st, "school") = (sh_value){.set = 1, .i = school};
        *sh_import_value(&st, "person") = (sh_value){.set = 1, .i = person};
    }
    return sh_import_upsert(im, &st, &key, school, 1, err);
}

static int staff_user(sh_import *im, const sh_import_row *row, const char *sid, const char *name,
                      int64_t school, sh_err *err) {
    sh_record sf = sh_import_record(im->row_pool, &sh_staff_entity);
    if (!sf.v)
        return oom(err);
    *sh_import_value(&sf, "name") = (sh_value){.set = 1, .s = name};
    sh_import_set(im, row, U_M_STATUS, &sf, "status", err);
    sh_import_set(im, row, U_IDENT, &sf, "staff_number", err);
    if (sh_err_count(err))
        return SH_ERR;
    const sh_value *number = sh_import_value(&sf, "staff_number");
    if (!number->set)
        return sh_err_add(err, 400, "required", "identifier", NULL, "教职工须在 identifier 中填写工号");
    int64_t at = 0, person = 0, key = existing(im, "staff", sid, &at, &person, err);
    if (key < 0)
        return SH_ERR;
    if (key && at != school)
        return sh_err_add(err, 400, "sourced_id_taken", "sourcedId", sid, "sourcedId %s 已被其他记录使用",
                          sid);
    if (!key) {
        key = or_i64(im, "SELECT id FROM staff WHERE school_id = $1 AND staff_number = $2", school, -1,
                     number->s, err);
        if (key < 0)
            return SH_ERR;
        if (key) {
            person = or_i64(im, "SELECT person_id FROM staff WHERE id = $1", key, -1, NULL, err);
            if (or_map_put(&or_ctx_of(im)->map, "u:", sid, key, 0, NULL) != SH_OK)
                return oom(err);
        }
    }
    if (person < 0 || person_of(im, sh_import_cell(row, U_MASTER), name, person, &person, err) != SH_OK)
        return SH_ERR;
    if (!key) {
        *sh_import_value(&sf, "id") = (sh_value){.set = 1, .s = sid};
        *sh_import_value(&sf, "school") = (sh_value){.set = 1, .i = school};
        *sh_import_value(&sf, "person") = (sh_value){.set = 1, .i = person};
    } else {
        *sh_import_value(&sf, "staff_number") = (sh_value){0}; /* unique key: found by it or kept */
    }
    return sh_import_upsert(im, &sf, &key, school, 1, err);
}

static int guardian_user(sh_import *im, const sh_import_row *row, const char *sid, const char *name,
                         int64_t school, int role, sh_err *err) {
    const char *agents = sh_import_cell(row, U_AGENTS);
    if (!agents)
        return sh_err_add(err, 400, "required", "agentSourcedIds", NULL,
                          "家长须在 agentSourcedIds 中填写学生");
    sh_record base = sh_import_record(im->row_pool, &sh_guardian_entity);
    if (!base.v)
        return oom(err);
    *sh_import_value(&base, "name") = (sh_value){.set = 1, .s = name};
    sh_import_set(im, row, U_M_RELATION, &base, "relation", err);
    const char *g = sh_import_cell(row, U_M_GUARDIAN);
    if (g && strcmp(g, "true") != 0 && strcmp(g, "false") != 0)
        sh_err_add(err, 400, "invalid_boolean", "isGuardian", g, "“metadata.isGuardian”应为 true 或 false");
    if (sh_err_count(err))
        return SH_ERR;
    if (!sh_import_value(&base, "relation")->set)
        *sh_import_value(&base, "relation") = (sh_value){.set = 1, .s = "80"};
    *sh_import_value(&base, "is_guardian") =
        (sh_value){.set = 1, .i = g ? strcmp(g, "true") == 0 : role == OR_ROLE_GUARDIAN};
    int64_t at = 0, person = 0, first = existing(im, "guardian_link", sid, &at, &person, err);
    if (first < 0)
        return SH_ERR;
    if (first && at != school)
        return sh_err_add(err, 400, "sourced_id_taken", "sourcedId", sid, "sourcedId %s 已被其他记录使用",
                          sid);
    if (person_of(im, sh_import_cell(row, U_MASTER), name, person, &person, err) != SH_OK)
        return SH_ERR;
    int n = 0;
    for (const char *p = agents; *p;) {
        size_t len = strcspn(p, ",");
        char *agent = sh_pstrndup(im->row_pool, p, len);
        p += len + (p[len] == ',');
        while (agent && *agent == ' ')
            agent++;
        if (!agent || !*agent)
            continue;
        int64_t in_school = 0, student = or_row(im, "student", "u:", agent, &in_school, err);
        if (student < 0)
            return SH_ERR;
        if (!student || in_school != school)
            return sh_err_add(err, 400, "unknown_student", "agentSourcedIds", agent, "学生 %s 不在本校",
                              agent);
        sh_record r = {.e = base.e,
                       .v = sh_pcalloc(im->row_pool, sizeof(sh_value) * (size_t)base.e->nfields)};
        if (!r.v)
            return oom(err);
        memcpy(r.v, base.v, sizeof(sh_value) * (size_t)base.e->nfields);
        int64_t key =
            n == 0 && first
                ? first
                : or_i64(im, "SELECT id FROM guardian_link WHERE student_id = $1 AND person_id = $2", student,
                         person, NULL, err);
        if (key < 0)
            return SH_ERR;
        if (!key) {
            if (n == 0)
                *sh_import_value(&r, "id") = (sh_value){.set = 1, .s = sid};
            *sh_import_value(&r, "school") = (sh_value){.set = 1, .i = school};
            *sh_import_value(&r, "student") = (sh_value){.set = 1, .i = student};
            *sh_import_value(&r, "person") = (sh_value){.set = 1, .i = person};
        }
        if (sh_import_upsert(im, &r, &key, school, 1, err) != SH_OK)
            return SH_ERR;
        n++;
    }
    return n ? SH_OK
             : sh_err_add(err, 400, "required", "agentSourcedIds", NULL,
                          "家长须在 agentSourcedIds 中填写学生");
}

static int user_row(sh_import *im, const sh_import_row *row, sh_err *err) {
    const char *sid = or_sid(im, row, U_SID, err);
    const char *family = sh_import_cell(row, U_FAMILY), *given = sh_import_cell(row, U_GIVEN);
    if (!sid)
        return SH_ERR;
    const char *name = sh_normalise_text(
        im->row_pool, sh_psprintf(im->row_pool, "%s%s", family ? family : "", given ? given : ""));
    if (!name || !*name || strlen(name) > 150)
        return sh_err_add(err, 400, "invalid_name", "familyName", NULL,
                          "姓名（familyName + givenName）缺失或过长");
    const or_entry *role = or_map_get(&or_ctx_of(im)->map, "r:", sid);
    if (!role)
        return sh_err_add(err, 400, "missing_role", "sourcedId", sid, "roles.csv 中没有用户 %s 的主要角色",
                          sid);
    int64_t school = role->b;
    switch (role->a) {
    case OR_ROLE_STUDENT: return student_user(im, row, sid, name, school, err);
    case OR_ROLE_STAFF: return staff_user(im, row, sid, name, school, err);
    default: return guardian_user(im, row, sid, name, school, (int)role->a, err);
    }
}

const sh_import_kind sh_or_kind_users = {
    .name = "users", .label = "users.csv", .columns = user_columns, .ncolumns = U_COUNT, .row = user_row};

/* ---- enrollments ---- */

enum { E_SID, E_STATUS, E_DLM, E_CLASS, E_SCHOOL, E_USER, E_ROLE, E_PRIMARY, E_BEGIN, E_END, E_COUNT };

static const sh_import_column enrollment_columns[E_COUNT] = {
    HEAD_COLUMNS(E),
    [E_CLASS] = {"classSourcedId", "classSourcedId", NULL, NULL, SH_IMPORT_REQUIRED},
    [E_SCHOOL] = {"schoolSourcedId", "schoolSourcedId", NULL, NULL, SH_IMPORT_REQUIRED},
    [E_USER] = {"userSourcedId", "userSourcedId", NULL, NULL, SH_IMPORT_REQUIRED},
    [E_ROLE] = {"role", "role", NULL, "student 或 teacher", SH_IMPORT_REQUIRED},
    [E_PRIMARY] = {"primary", "primary", NULL, "true 或 false", 0},
    [E_BEGIN] = {"entry_date", "beginDate", NULL, "YYYY-MM-DD", 0},
    [E_END] = {"exit_date", "endDate", NULL, "YYYY-MM-DD", 0},
};

static int student_enrollment(sh_import *im, const sh_import_row *row, const char *sid, int64_t school,
                              int64_t cls, sh_err *err) {
    const char *user = sh_import_cell(row, E_USER);
    int64_t at = 0, student = or_row(im, "student", "u:", user, &at, err);
    if (student < 0)
        return SH_ERR;
    if (!student || at != school)
        return sh_err_add(err, 400, "unknown_user", "userSourcedId", user, "学生 %s 不在本校",
                          user ? user : "");
    sh_record e = sh_import_record(im->row_pool, &sh_enrollment_entity);
    if (!e.v)
        return oom(err);
    sh_import_set(im, row, E_BEGIN, &e, "entry_date", err);
    sh_import_set(im, row, E_END, &e, "exit_date", err);
    if (sh_err_count(err))
        return SH_ERR;
    sh_value *begin = sh_import_value(&e, "entry_date"), *end = sh_import_value(&e, "exit_date");
    if (!begin->set)
        *begin = (sh_value){.set = 1, .s = or_ctx_of(im)->today};
    if (end->set && strcmp(end->s, begin->s) < 0)
        return sh_err_add(err, 400, "invalid_date_order", "exit_date", end->s, "离班日期不能早于入班日期");
    int64_t key = or_i64(im, "SELECT id FROM enrollment WHERE id > $1 AND uid = $2", 0, -1, sid, err);
    if (key < 0)
        return SH_ERR;
    if (key && or_i64(im, "SELECT count(*) FROM enrollment WHERE id = $1 AND student_id = $2", key, student,
                      NULL, err) != 1)
        return sh_err_add(err, 400, "sourced_id_taken", "sourcedId", sid,
                          "sourcedId %s 属于另一名学生的在班记录", sid);
    if (!key) {
        sh_stmt *s = sh_prepare(
            im->c, "SELECT id FROM enrollment WHERE student_id = $1 AND class_id = $2 AND entry_date = $3",
            err);
        if (!s)
            return SH_ERR;
        sh_bind_i64(s, 1, student);
        sh_bind_i64(s, 2, cls);
        sh_bind_text(s, 3, begin->s, -1);
        int rc = sh_step(s, err);
        key = rc == SH_ROW ? sh_col_i64(s, 0) : rc == SH_ERR ? SH_ERR : 0;
        sh_stmt_done(s);
        if (key < 0)
            return SH_ERR;
    }
    if (!key && !end->set) {
        int64_t current =
            or_i64(im, "SELECT class_id FROM enrollment WHERE student_id = $1 AND exit_date IS NULL", student,
                   -1, NULL, err);
        if (current < 0)
            return SH_ERR;
        if (current && current != cls)
            return sh_err_add(err, 400, "class_change", "classSourcedId", NULL,
                              "该学生已在本校另一个班级，调班请通过学籍异动办理");
    }
    if (!key) {
        *sh_import_value(&e, "id") = (sh_value){.set = 1, .s = sid};
        *sh_import_value(&e, "school") = (sh_value){.set = 1, .i = school};
        *sh_import_value(&e, "student") = (sh_value){.set = 1, .i = student};
        *sh_import_value(&e, "class") = (sh_value){.set = 1, .i = cls};
    } else {
        *begin = (sh_value){0}; /* part of the natural key: kept */
        if (!end->set)
            *end = (sh_value){.set = 1, .is_null = 1};
    }
    return sh_import_upsert(im, &e, &key, school, 1, err);
}

static int teacher_enrollment(sh_import *im, const sh_import_row *row, const char *sid, int64_t school,
                              int64_t cls, const or_entry *section, sh_err *err) {
    const char *user = sh_import_cell(row, E_USER), *primary = sh_import_cell(row, E_PRIMARY);
    int64_t at = 0, staff = or_row(im, "staff", "u:", user, &at, err);
    if (staff < 0)
        return SH_ERR;
    if (!staff || at != school)
        return sh_err_add(err, 400, "unknown_user", "userSourcedId", user, "教职工 %s 不在本校",
                          user ? user : "");
    if (section) { /* a teacher of a scheduled class: a teaching assignment */
        sh_record t = sh_import_record(im->row_pool, &sh_teaching_entity);
        if (!t.v)
            return oom(err);
        sh_stmt *s = sh_prepare(im->c,
                                "SELECT id FROM teaching_assignment WHERE staff_id = $1 AND class_id = $2"
                                " AND subject = $3 AND term_id = $4",
                                err);
        if (!s)
            return SH_ERR;
        sh_bind_i64(s, 1, staff);
        sh_bind_i64(s, 2, section->a);
        sh_bind_text(s, 3, section->sub, -1);
        sh_bind_i64(s, 4, section->b);
        int rc = sh_step(s, err);
        int64_t key = rc == SH_ROW ? sh_col_i64(s, 0) : rc == SH_ERR ? SH_ERR : 0;
        sh_stmt_done(s);
        if (key < 0)
            return SH_ERR;
        if (!key) {
            if (or_i64(im, "SELECT count(*) FROM teaching_assignment WHERE id > $1 AND uid = $2", 0, -1, sid,
                       err) == 0)
                *sh_import_value(&t, "id") = (sh_value){.set = 1, .s = sid};
            *sh_import_value(&t, "school") = (sh_value){.set = 1, .i = school};
            *sh_import_value(&t, "staff") = (sh_value){.set = 1, .i = staff};
            *sh_import_value(&t, "class") = (sh_value){.set = 1, .i = section->a};
            *sh_import_value(&t, "subject") =
                (sh_value){.set = 1, .s = sh_pstrdup(im->row_pool, section->sub)};
            *sh_import_value(&t, "term") = (sh_value){.set = 1, .i = section->b};
        }
        return sh_import_upsert(im, &t, &key, school, 1, err);
    }
    if (!primary || strcmp(primary, "true") != 0) {
        im->res->unchanged++; /* other teachers of a homeroom class are not kept */
        return SH_OK;
    }
    sh_record p = sh_import_record(im->row_pool, &sh_class_profile_entity);
    if (!p.v)
        return oom(err);
    int64_t key = or_i64(im, "SELECT id FROM class_profile WHERE class_id = $1", cls, -1, NULL, err);
    if (key < 0)
        return SH_ERR;
    *sh_import_value(&p, "head_teacher") = (sh_value){.set = 1, .i = staff};
    if (!key) {
        if (or_i64(im, "SELECT count(*) FROM class_profile WHERE id > $1 AND uid = $2", 0, -1, sid, err) == 0)
            *sh_import_value(&p, "id") = (sh_value){.set = 1, .s = sid};
        *sh_import_value(&p, "school") = (sh_value){.set = 1, .i = school};
        *sh_import_value(&p, "class") = (sh_value){.set = 1, .i = cls};
    }
    return sh_import_upsert(im, &p, &key, school, 1, err);
}

static int enrollment_row(sh_import *im, const sh_import_row *row, sh_err *err) {
    const char *sid = or_sid(im, row, E_SID, err);
    const char *csid = or_sid(im, row, E_CLASS, err), *role = sh_import_cell(row, E_ROLE);
    int64_t school = or_school(im, row, E_SCHOOL, err);
    if (!sid || !csid || !school)
        return SH_ERR;
    const or_entry *section = or_map_get(&or_ctx_of(im)->map, "s:", csid);
    int64_t at = 0, cls = section ? section->a : or_row(im, "org_unit", "c:", csid, &at, err);
    if (cls < 0)
        return SH_ERR;
    if (!section && (!cls || at != school ||
                     or_i64(im, "SELECT count(*) FROM org_unit WHERE id = $1 AND kind = 'class'", cls, -1,
                            NULL, err) != 1))
        return sh_err_add(err, 400, "unknown_class", "classSourcedId", csid, "班级 %s 不在本校", csid);
    if (role && strcmp(role, "student") == 0) {
        if (section)
            return sh_err_add(err, 400, "unsupported_enrollment", "classSourcedId", csid,
                              "学生只登记在行政班（homeroom）中");
        return student_enrollment(im, row, sid, school, cls, err);
    }
    if (role && strcmp(role, "teacher") == 0)
        return teacher_enrollment(im, row, sid, school, cls, section, err);
    return sh_err_add(err, 400, "unsupported_role", "role", role,
                      "不支持的选课角色“%s”（应为 student 或 teacher）", role ? role : "");
}

const sh_import_kind sh_or_kind_enrollments = {.name = "enrollments",
                                               .label = "enrollments.csv",
                                               .columns = enrollment_columns,
                                               .ncolumns = E_COUNT,
                                               .row = enrollment_row};

/* ---- demographics ---- */

enum { D_SID, D_STATUS, D_DLM, D_BIRTH, D_SEX, D_COUNT };

static const sh_import_column demographic_columns[D_COUNT] = {
    HEAD_COLUMNS(D),
    [D_BIRTH] = {"birthDate", "birthDate", NULL, "YYYY-MM-DD", 0, SH_MASK_DATE},
    [D_SEX] = {"sex", "sex", NULL, "male 或 female", 0},
};

static int demographic_row(sh_import *im, const sh_import_row *row, sh_err *err) {
    const char *sid = or_sid(im, row, D_SID, err);
    if (!sid)
        return SH_ERR;
    const char *sex = sh_import_cell(row, D_SEX), *birth = sh_import_cell(row, D_BIRTH);
    const char *gender = !sex ? NULL : strcmp(sex, "male") == 0 ? "1" : strcmp(sex, "female") == 0 ? "2" : "";
    if (gender && !*gender && strcmp(sex, "other") != 0 && strcmp(sex, "unspecified") != 0)
        return sh_err_add(err, 400, "invalid_sex", "sex", sex,
                          "“sex”应为 male、female、other 或 unspecified");
    if (gender && !*gender)
        gender = NULL;
    if (birth && !strchr(birth, '*') && !sh_valid_date(birth))
        return sh_err_add(err, 400, "invalid_date", "birthDate", NULL,
                          "“birthDate”应为 YYYY-MM-DD 格式的日期");
    if (birth && strchr(birth, '*'))
        birth = NULL; /* only the year was shown to the exporter */
    int64_t at = 0, person = 0, student = existing(im, "student", sid, &at, &person, err);
    if (student < 0)
        return SH_ERR;
    if (!student && existing(im, "staff", sid, &at, &person, err) < 0)
        return SH_ERR;
    if (!person)
        return sh_err_add(err, 400, "unknown_user", "sourcedId", sid, "用户 %s 不存在（应在 users.csv 中）",
                          sid);
    int may = or_may(im, "roster.write", at, err);
    if (may < 0)
        return SH_ERR;
    if (!may)
        return sh_err_add(err, 400, "unknown_user", "sourcedId", sid, "用户 %s 不存在或不在管辖范围内", sid);
    sh_record prof = sh_import_record(im->row_pool, &sh_person_profile_entity);
    if (!prof.v)
        return oom(err);
    if (gender)
        *sh_import_value(&prof, "gender") = (sh_value){.set = 1, .s = gender};
    if (birth)
        *sh_import_value(&prof, "birth_date") = (sh_value){.set = 1, .s = birth};
    sh_stmt *s = sh_prepare(im->c,
                            "SELECT p.name, pp.id FROM person p LEFT JOIN person_profile pp"
                            " ON pp.person_id = p.id WHERE p.id = $1",
                            err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, person);
    int rc = sh_step(s, err);
    const char *name = rc == SH_ROW ? sh_pstrdup(im->row_pool, sh_col_text(s, 0)) : NULL;
    int64_t key = rc == SH_ROW ? sh_col_i64(s, 1) : 0;
    sh_stmt_done(s);
    if (rc == SH_ERR)
        return SH_ERR;
    char match[SH_LOOKUP_HASH_BYTES * 2 + 1];
    if (name && (gender || birth)) {
        if (sh_person_match_hex(name, gender, birth, match) != SH_OK)
            return sh_err_set(err, 500, "encryption_unavailable", NULL, "未加载密钥");
        *sh_import_value(&prof, "_match") = (sh_value){.set = 1, .s = sh_pstrdup(im->row_pool, match)};
    }
    if (!key)
        *sh_import_value(&prof, "person") = (sh_value){.set = 1, .i = person};
    if (sh_import_upsert(im, &prof, &key, 0, 1, err) != SH_OK)
        return SH_ERR;
    if (!student || !gender)
        return SH_OK;
    sh_record st = sh_import_record(im->row_pool, &sh_student_entity);
    if (!st.v)
        return oom(err);
    *sh_import_value(&st, "gender") = (sh_value){.set = 1, .s = gender};
    return sh_import_upsert(im, &st, &student, at, 0, err);
}

const sh_import_kind sh_or_kind_demographics = {.name = "demographics",
                                                .label = "demographics.csv",
                                                .columns = demographic_columns,
                                                .ncolumns = D_COUNT,
                                                .row = demographic_row};
