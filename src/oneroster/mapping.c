/* mapping.c — how the canonical roster is seen as OneRoster 1.2: one derived
 * query per OneRoster entity (the read model the CSV export and the REST API
 * both read, so the two never disagree) and its fields, each with its CSV
 * header, REST member and masking.
 *
 *   orgs              the organisation tree down to schools: the city is type
 *                     `state`, a district/county `district`, a school `school`
 *                     with `identifier` = 学校标识码; sourcedId = the org node's
 *                     uid. metadata.* carry what a school needs to be created
 *                     again: regionCode (GB/T 2260) and the school profile
 *                     (schoolType, stages, runningBody, urbanRural, address,
 *                     founded). Bureau departments, campuses, grades and
 *                     classes are not orgs (grades ride on classes).
 *   academicSessions  a `schoolYear` per 学年 (sourcedId "sy-2026-2027", dates
 *                     spanning its terms) and each term (学期) as a `term` whose
 *                     parent is its school year; schoolYear is the ending year;
 *                     metadata.semester the JY/T 学期 code.
 *   courses           derived per school × grade × subject: "GRADEUID.SUBJECT"
 *                     for every subject taught in a grade (teaching assignments),
 *                     and "GRADEUID.HR" for the grade's homeroom classes.
 *   classes           every class node as classType `homeroom` (sourcedId = its
 *                     uid, classCode = 班号, the latest term) and every
 *                     class × subject × term that has teaching assignments as
 *                     `scheduled` ("CLASSUID.SUBJECT.TERMUID"). metadata.grade /
 *                     gradeSourcedId name the grade node; classType, entryYear
 *                     the class profile; homeroomSourcedId the class a scheduled
 *                     section is taught to.
 *   users             students (sourcedId = 学籍 record uid, role student,
 *                     identifier = 全国学籍号 only for a reader who unmasks,
 *                     otherwise omitted), staff (staff uid, role teacher,
 *                     identifier = 工号) and family members (one user per
 *                     guardian relation, its uid; role guardian, or relative
 *                     when not a guardian; agentSourcedIds = the student).
 *                     userMasterIdentifier = the person's uid, so one person in
 *                     several roles stays one person; familyName is the first
 *                     character of the name, givenName the rest (masked names
 *                     show as 张 / *). No ID number ever appears. metadata.status
 *                     (学籍 / staff status), relation (GB/T 4761), isGuardian,
 *                     entryMonth. roles.csv (1.2) gives each user one primary
 *                     role at their school.
 *   enrollments       students in their homeroom class (each enrolment record,
 *                     with its dates), the head teacher (班主任) as the primary
 *                     teacher of the homeroom (sourcedId = the class profile's
 *                     uid) and teachers in their scheduled classes (one per
 *                     teaching assignment, primary for the first of a section).
 *   demographics      students and staff: sex (GB/T 2261.1 1/2 → male/female)
 *                     and birthDate, graded L3: year only ("2012-**-**") unless
 *                     the reader unmasks.
 *
 * Scope: each derived row carries the org ids it hangs under (sc_school,
 * sc_class), the same as the roster's rows, and sh_scope_org_set restricts to
 * the caller's reach. Orgs reach a caller who holds a role at or under them
 * (a school's district and city are visible to it, another school is not).
 * Terms are city-wide like the roster's. */
#include "oneroster/or_impl.h"

#include "core/clock.h"
#include "model/fieldcrypt.h"
#include "model/list.h"
#include "roster/roster.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define GRADE_SQL(x)                                                                                                     \
    "CASE " x " WHEN '一年级' THEN '01' WHEN '二年级' THEN '02' WHEN '三年级' THEN '03' WHEN '四年级' THEN " \
    "'04' WHEN '五年级' THEN '05' WHEN '六年级' THEN '06' WHEN '七年级' THEN '07' WHEN '八年级' THEN '08' "  \
    "WHEN '九年级' THEN '09' WHEN '高一' THEN '10' WHEN '高二' THEN '11' WHEN '高三' THEN '12' END"
#define SUBJECT_SQL(code)                                                                                    \
    "COALESCE((SELECT ci.name FROM code_item ci JOIN code_table ct ON ct.id = ci.table_id"                   \
    " AND ci.version = ct.version WHERE ct.uid = 'jyt_k12_course' AND ci.code = " code "), " code ")"
#define CURRENT_CLASS(student)                                                                               \
    "(SELECT e.class_id FROM enrollment e WHERE e.student_id = " student " AND e.exit_date IS NULL LIMIT 1)"
#define LATEST_TERM "(SELECT tm.uid FROM term tm ORDER BY tm.start_date DESC LIMIT 1)"

static const struct {
    const char *name, *code;
} grades[] = {
    {"一年级", "01"}, {"二年级", "02"}, {"三年级", "03"}, {"四年级", "04"},
    {"五年级", "05"}, {"六年级", "06"}, {"七年级", "07"}, {"八年级", "08"},
    {"九年级", "09"}, {"高一", "10"},   {"高二", "11"},   {"高三", "12"},
};

const char *sh_or_grade_code(const char *name) {
    for (size_t i = 0; name && i < sizeof grades / sizeof grades[0]; i++)
        if (strcmp(grades[i].name, name) == 0)
            return grades[i].code;
    return NULL;
}

const char *sh_or_grade_name(const char *code) {
    for (size_t i = 0; code && i < sizeof grades / sizeof grades[0]; i++)
        if (strcmp(grades[i].code, code) == 0)
            return grades[i].name;
    return NULL;
}

int sh_or_valid_id(const char *v) {
    size_t n = v ? strlen(v) : 0;
    if (n == 0 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = v[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
              c == '-' || c == '_'))
            return 0;
    }
    return 1;
}

/* ---- orgs ---- */

static const sh_or_field org_fields[] = {
    {"sourcedId", "sourcedId", "sid", OR_TEXT},
    {"status", "status", "status", OR_TEXT},
    {"dateLastModified", "dateLastModified", "updated", OR_TIME},
    {"name", "name", "name", OR_TEXT},
    {"type", "type", "type", OR_TEXT},
    {"identifier", "identifier", "identifier", OR_TEXT},
    {"parentSourcedId", "parent", "parent", OR_REF, "org"},
    {"metadata.regionCode", "metadata.regionCode", "m_region", OR_TEXT},
    {"metadata.schoolType", "metadata.schoolType", "m_school_type", OR_TEXT},
    {"metadata.stages", "metadata.stages", "m_stages", OR_TEXT},
    {"metadata.runningBody", "metadata.runningBody", "m_running_body", OR_TEXT},
    {"metadata.urbanRural", "metadata.urbanRural", "m_urban_rural", OR_TEXT},
    {"metadata.address", "metadata.address", "m_address", OR_TEXT},
    {"metadata.founded", "metadata.founded", "m_founded", OR_TEXT},
};
const sh_or_entity sh_or_orgs = {
    .collection = "orgs",
    .single = "org",
    .file = "orgs.csv",
    .sql =
        "SELECT o.uid AS sid, 'active' AS status,"
        " CASE WHEN sp.updated_at > o.updated_at THEN sp.updated_at ELSE o.updated_at END AS updated,"
        " o.name AS name, CASE o.kind WHEN 'city' THEN 'state' ELSE o.kind END AS type,"
        " o.school_code AS identifier, p.uid AS parent, o.region_code AS m_region,"
        " sp.school_type AS m_school_type, sp.stages AS m_stages, sp.running_body AS m_running_body,"
        " sp.urban_rural AS m_urban_rural, sp.address AS m_address, sp.founded AS m_founded, o.id AS sc_org"
        " FROM org_unit o LEFT JOIN org_unit p ON p.id = o.parent_id"
        " LEFT JOIN school_profile sp ON sp.school_id = o.id"
        " WHERE o.kind IN ('city', 'district', 'school')",
    .scope_set = "(SELECT d.descendant_id FROM org_closure d WHERE d.ancestor_id = t.sc_org)",
    .fields = org_fields,
    .nfields = sizeof org_fields / sizeof org_fields[0],
};

/* ---- academic sessions ---- */

static const sh_or_field session_fields[] = {
    {"sourcedId", "sourcedId", "sid", OR_TEXT},
    {"status", "status", "status", OR_TEXT},
    {"dateLastModified", "dateLastModified", "updated", OR_TIME},
    {"title", "title", "title", OR_TEXT},
    {"type", "type", "type", OR_TEXT},
    {"startDate", "startDate", "start_date", OR_TEXT},
    {"endDate", "endDate", "end_date", OR_TEXT},
    {"parentSourcedId", "parent", "parent", OR_REF, "academicSession"},
    {"schoolYear", "schoolYear", "school_year", OR_TEXT},
    {"metadata.semester", "metadata.semester", "m_semester", OR_TEXT},
};
const sh_or_entity sh_or_sessions = {
    .collection = "academicSessions",
    .single = "academicSession",
    .file = "academicSessions.csv",
    .sql = "SELECT 'sy-' || y.school_year AS sid, 'active' AS status, MAX(y.updated_at) AS updated,"
           " y.school_year || '学年' AS title, 'schoolYear' AS type, MIN(y.start_date) AS start_date,"
           " MAX(y.end_date) AS end_date, NULL AS parent, substr(y.school_year, 6, 4) AS school_year,"
           " NULL AS m_semester FROM term y GROUP BY y.school_year"
           " UNION ALL SELECT m.uid, 'active', m.updated_at, m.name, 'term', m.start_date, m.end_date,"
           " 'sy-' || m.school_year, substr(m.school_year, 6, 4), m.semester FROM term m",
    .city_wide = 1,
    .fields = session_fields,
    .nfields = sizeof session_fields / sizeof session_fields[0],
};

/* ---- courses ---- */

static const sh_or_field course_fields[] = {
    {"sourcedId", "sourcedId", "sid", OR_TEXT},
    {"status", "status", "status", OR_TEXT},
    {"dateLastModified", "dateLastModified", "updated", OR_TIME},
    {"schoolYearSourcedId", "schoolYear", "school_year", OR_REF, "academicSession"},
    {"title", "title", "title", OR_TEXT},
    {"courseCode", "courseCode", "course_code", OR_TEXT},
    {"grades", "grades", "grades", OR_LIST},
    {"orgSourcedId", "org", "org", OR_REF, "org"},
    {"subjects", "subjects", "subjects", OR_LIST},
    {"subjectCodes", "subjectCodes", "subject_codes", OR_LIST},
};
const sh_or_entity sh_or_courses = {
    .collection = "courses",
    .single = "course",
    .file = "courses.csv",
    .sql =
        "SELECT g.uid || '.HR' AS sid, 'active' AS status, g.updated_at AS updated, NULL AS school_year,"
        " g.name || '行政班' AS title, 'HR' AS course_code, " GRADE_SQL(
            "g.name") " AS grades,"
                      " s.uid AS org, NULL AS subjects, NULL AS subject_codes, g.school_id AS sc_school"
                      " FROM org_unit g JOIN org_unit s ON s.id = g.school_id WHERE g.kind = 'grade'"
                      " UNION ALL SELECT g.uid || '.' || x.subject, 'active', x.updated, NULL,"
                      " g.name || " SUBJECT_SQL("x.subject") ", x.subject, " GRADE_SQL(
                          "g.name") ", s.uid,"
                                    " " SUBJECT_SQL(
                                        "x.subject") ", x.subject, g.school_id"
                                                     " FROM (SELECT c.parent_id AS grade_id, ta.subject AS subject, MAX(ta.updated_at) AS updated"
                                                     " FROM teaching_assignment ta JOIN org_unit c ON c.id = ta.class_id GROUP BY c.parent_id, ta.subject) x"
                                                     " JOIN org_unit g ON g.id = x.grade_id JOIN org_unit s ON s.id = g.school_id",
    .scope_set = "t.sc_school",
    .fields = course_fields,
    .nfields = sizeof course_fields / sizeof course_fields[0],
};

/* ---- classes ---- */

static const sh_or_field class_fields[] = {
    {"sourcedId", "sourcedId", "sid", OR_TEXT},
    {"status", "status", "status", OR_TEXT},
    {"dateLastModified", "dateLastModified", "updated", OR_TIME},
    {"title", "title", "title", OR_TEXT},
    {"grades", "grades", "grades", OR_LIST},
    {"courseSourcedId", "course", "course", OR_REF, "course"},
    {"classCode", "classCode", "class_code", OR_TEXT},
    {"classType", "classType", "class_type", OR_TEXT},
    {"location", "location", "location", OR_TEXT},
    {"schoolSourcedId", "school", "school", OR_REF, "org"},
    {"termSourcedIds", "terms", "terms", OR_REFS, "academicSession"},
    {"subjects", "subjects", "subjects", OR_LIST},
    {"subjectCodes", "subjectCodes", "subject_codes", OR_LIST},
    {"periods", "periods", "periods", OR_LIST},
    {"metadata.grade", "metadata.grade", "m_grade", OR_TEXT},
    {"metadata.gradeSourcedId", "metadata.gradeSourcedId", "m_grade_id", OR_TEXT},
    {"metadata.classType", "metadata.classType", "m_class_type", OR_TEXT},
    {"metadata.entryYear", "metadata.entryYear", "m_entry_year", OR_TEXT},
    {"metadata.homeroomSourcedId", "metadata.homeroomSourcedId", "m_homeroom", OR_TEXT},
};
const sh_or_entity sh_or_classes = {
    .collection = "classes",
    .single = "class",
    .file = "classes.csv",
    .sql =
        "SELECT c.uid AS sid, 'active' AS status, c.updated_at AS updated, c.name AS title,"
        " " GRADE_SQL(
            "g.name") " AS grades, g.uid || '.HR' AS course, cp.class_number AS class_code,"
                      " 'homeroom' AS class_type, NULL AS location, s.uid AS school, " LATEST_TERM
                      " AS terms,"
                      " NULL AS subjects, NULL AS subject_codes, NULL AS periods, g.name AS m_grade, g.uid AS m_grade_id,"
                      " cp.class_type AS m_class_type, cp.entry_year AS m_entry_year, NULL AS m_homeroom,"
                      " c.school_id AS sc_school, c.id AS sc_class"
                      " FROM org_unit c JOIN org_unit g ON g.id = c.parent_id JOIN org_unit s ON s.id = c.school_id"
                      " LEFT JOIN class_profile cp ON cp.class_id = c.id WHERE c.kind = 'class'"
                      " UNION ALL SELECT c.uid || '.' || x.subject || '.' || tm.uid, 'active', x.updated,"
                      " c.name || " SUBJECT_SQL("x.subject") ", " GRADE_SQL(
                          "g.name") ", g.uid || '.' || x.subject,"
                                    " NULL, 'scheduled', NULL, s.uid, tm.uid, " SUBJECT_SQL(
                                        "x.subject") ", x.subject, NULL, g.name,"
                                                     " g.uid, NULL, NULL, c.uid, c.school_id, c.id"
                                                     " FROM (SELECT ta.class_id AS class_id, ta.subject AS subject, ta.term_id AS term_id,"
                                                     " MAX(ta.updated_at) AS updated FROM teaching_assignment ta"
                                                     " GROUP BY ta.class_id, ta.subject, ta.term_id) x"
                                                     " JOIN org_unit c ON c.id = x.class_id JOIN org_unit g ON g.id = c.parent_id"
                                                     " JOIN org_unit s ON s.id = c.school_id JOIN term tm ON tm.id = x.term_id",
    .scope_set = "(t.sc_school, t.sc_class)",
    .fields = class_fields,
    .nfields = sizeof class_fields / sizeof class_fields[0],
};

/* ---- users (and their roles) ---- */

static const sh_or_secret student_number = {&sh_student_entity, "student_number", "ident_ct", "sid", NULL};

#define USERS_SQL                                                                                                                               \
    "SELECT st.uid AS sid, 'active' AS status, st.updated_at AS updated,"                                                                       \
    " CASE WHEN st.status = '01' THEN 'true' ELSE 'false' END AS enabled, st.name AS name, NULL AS ident,"                                      \
    " st.student_number AS ident_ct, NULL AS agents,"                                                                                           \
    " " GRADE_SQL(                                                                                                                              \
        "(SELECT g.name FROM org_unit g JOIN org_unit c ON c.parent_id = g.id"                                                                  \
        " WHERE c.id = " CURRENT_CLASS(                                                                                                         \
            "st.id") ")") " AS grades,"                                                                                                         \
                          " pe.uid AS master, s.uid AS primary_org, 'student' AS role, st.status AS m_status,"                                  \
                          " NULL AS m_relation, NULL AS m_is_guardian, st.entry_month AS m_entry_month,"                                        \
                          " st.school_id AS sc_school, " CURRENT_CLASS(                                                                         \
                              "st.id") " AS sc_class"                                                                                           \
                                       " FROM student st JOIN person pe ON pe.id = st.person_id JOIN org_unit s ON s.id = st.school_id"         \
                                       " UNION ALL SELECT sf.uid, 'active', sf.updated_at, 'true', sf.name, sf.staff_number, NULL, NULL, NULL," \
                                       " pe.uid, s.uid, 'teacher', sf.status, NULL, NULL, NULL, sf.school_id, NULL"                             \
                                       " FROM staff sf JOIN person pe ON pe.id = sf.person_id JOIN org_unit s ON s.id = sf.school_id"           \
                                       " UNION ALL SELECT gl.uid, 'active', gl.updated_at, 'true', gl.name, NULL, NULL, st.uid, NULL, pe.uid,"  \
                                       " s.uid, CASE WHEN gl.is_guardian = 1 THEN 'guardian' ELSE 'relative' END, NULL, gl.relation,"           \
                                       " CASE WHEN gl.is_guardian = 1 THEN 'true' ELSE 'false' END, NULL, gl.school_id,"                        \
                                       " " CURRENT_CLASS(                                                                                       \
                                           "gl.student_id") " FROM guardian_link gl JOIN student st ON st.id = gl.student_id"                   \
                                                            " JOIN person pe ON pe.id = gl.person_id JOIN org_unit s ON s.id = gl.school_id"

static const sh_or_field user_fields[] = {
    {"sourcedId", "sourcedId", "sid", OR_TEXT},
    {"status", "status", "status", OR_TEXT},
    {"dateLastModified", "dateLastModified", "updated", OR_TIME},
    {"enabledUser", "enabledUser", "enabled", OR_BOOL},
    {"username", "username", "username", OR_TEXT},
    {"userIds", "userIds", "user_ids", OR_LIST},
    {"givenName", "givenName", "name", OR_GIVEN, NULL, SH_MASK_NAME},
    {"familyName", "familyName", "name", OR_FAMILY},
    {"middleName", "middleName", "middle_name", OR_TEXT},
    {"identifier", "identifier", "ident", OR_SECRET, NULL, SH_MASK_HIDE, &student_number},
    {"email", "email", "email", OR_TEXT},
    {"sms", "sms", "sms", OR_TEXT},
    {"phone", "phone", "phone", OR_TEXT},
    {"agentSourcedIds", "agents", "agents", OR_REFS, "user"},
    {"grades", "grades", "grades", OR_LIST},
    {"password", NULL, "password", OR_TEXT},
    {"userMasterIdentifier", "userMasterIdentifier", "master", OR_TEXT},
    {"resourceSourcedIds", NULL, "resources", OR_LIST},
    {"preferredGivenName", "preferredGivenName", "preferred_given", OR_TEXT},
    {"preferredMiddleName", "preferredMiddleName", "preferred_middle", OR_TEXT},
    {"preferredFamilyName", "preferredFamilyName", "preferred_family", OR_TEXT},
    {"primaryOrgSourcedId", "primaryOrg", "primary_org", OR_REF, "org"},
    {"pronouns", "pronouns", "pronouns", OR_TEXT},
    {NULL, "role", "role", OR_TEXT},
    {"metadata.status", "metadata.status", "m_status", OR_TEXT},
    {"metadata.relation", "metadata.relation", "m_relation", OR_TEXT},
    {"metadata.isGuardian", "metadata.isGuardian", "m_is_guardian", OR_TEXT},
    {"metadata.entryMonth", "metadata.entryMonth", "m_entry_month", OR_TEXT},
};
const sh_or_entity sh_or_users = {
    .collection = "users",
    .single = "user",
    .file = "users.csv",
    .sql = USERS_SQL,
    .scope_set = "(t.sc_school, t.sc_class)",
    .fields = user_fields,
    .nfields = sizeof user_fields / sizeof user_fields[0],
};

static const sh_or_field role_fields[] = {
    {"sourcedId", NULL, "sid", OR_TEXT},
    {"status", NULL, "status", OR_TEXT},
    {"dateLastModified", NULL, "updated", OR_TIME},
    {"userSourcedId", NULL, "sid", OR_TEXT},
    {"roleType", NULL, "primary", OR_CONST},
    {"role", NULL, "role", OR_TEXT},
    {"beginDate", NULL, "begin_date", OR_TEXT},
    {"endDate", NULL, "end_date", OR_TEXT},
    {"orgSourcedId", NULL, "primary_org", OR_TEXT},
    {"userProfileSourcedId", NULL, "profile", OR_TEXT},
};
/* roles.csv: written in the same pass over the users' rows */
const sh_or_entity sh_or_roles = {
    .collection = "roles",
    .single = "role",
    .file = "roles.csv",
    .sql = USERS_SQL,
    .scope_set = "(t.sc_school, t.sc_class)",
    .fields = role_fields,
    .nfields = sizeof role_fields / sizeof role_fields[0],
};

/* ---- enrollments ---- */

static const sh_or_field enrollment_fields[] = {
    {"sourcedId", "sourcedId", "sid", OR_TEXT},
    {"status", "status", "status", OR_TEXT},
    {"dateLastModified", "dateLastModified", "updated", OR_TIME},
    {"classSourcedId", "class", "cls", OR_REF, "class"},
    {"schoolSourcedId", "school", "school", OR_REF, "org"},
    {"userSourcedId", "user", "usr", OR_REF, "user"},
    {"role", "role", "role", OR_TEXT},
    {"primary", "primary", "is_primary", OR_BOOL},
    {"beginDate", "beginDate", "begin_date", OR_TEXT},
    {"endDate", "endDate", "end_date", OR_TEXT},
};
const sh_or_entity sh_or_enrollments = {
    .collection = "enrollments",
    .single = "enrollment",
    .file = "enrollments.csv",
    .sql =
        "SELECT e.uid AS sid, 'active' AS status, e.updated_at AS updated, c.uid AS cls, s.uid AS school,"
        " st.uid AS usr, 'student' AS role, 'false' AS is_primary, e.entry_date AS begin_date,"
        " e.exit_date AS end_date, e.school_id AS sc_school, e.class_id AS sc_class"
        " FROM enrollment e JOIN student st ON st.id = e.student_id JOIN org_unit c ON c.id = e.class_id"
        " JOIN org_unit s ON s.id = e.school_id"
        " UNION ALL SELECT cp.uid, 'active', cp.updated_at, c.uid, s.uid, sf.uid, 'teacher', 'true', NULL,"
        " NULL, cp.school_id, cp.class_id FROM class_profile cp JOIN staff sf ON sf.id = cp.head_teacher_id"
        " JOIN org_unit c ON c.id = cp.class_id JOIN org_unit s ON s.id = cp.school_id"
        " UNION ALL SELECT ta.uid, 'active', ta.updated_at, c.uid || '.' || ta.subject || '.' || tm.uid, s.uid,"
        " sf.uid, 'teacher', CASE WHEN ta.id = (SELECT MIN(a.id) FROM teaching_assignment a"
        " WHERE a.class_id = ta.class_id AND a.subject = ta.subject AND a.term_id = ta.term_id)"
        " THEN 'true' ELSE 'false' END, tm.start_date, tm.end_date, ta.school_id, ta.class_id"
        " FROM teaching_assignment ta JOIN staff sf ON sf.id = ta.staff_id JOIN org_unit c ON c.id = ta.class_id"
        " JOIN org_unit s ON s.id = ta.school_id JOIN term tm ON tm.id = ta.term_id",
    .scope_set = "(t.sc_school, t.sc_class)",
    .fields = enrollment_fields,
    .nfields = sizeof enrollment_fields / sizeof enrollment_fields[0],
};

/* ---- demographics ---- */

static const sh_or_secret birth_date = {&sh_person_profile_entity, "birth_date", "birth_ct", "birth_uid",
                                        "birth_mask"};

static const sh_or_field demographic_fields[] = {
    {"sourcedId", "sourcedId", "sid", OR_TEXT},
    {"status", "status", "status", OR_TEXT},
    {"dateLastModified", "dateLastModified", "updated", OR_TIME},
    {"birthDate", "birthDate", NULL, OR_SECRET, NULL, SH_MASK_DATE, &birth_date},
    {"sex", "sex", "sex", OR_TEXT},
    {"americanIndianOrAlaskaNative", NULL, "none", OR_TEXT},
    {"asian", NULL, "none", OR_TEXT},
    {"blackOrAfricanAmerican", NULL, "none", OR_TEXT},
    {"nativeHawaiianOrOtherPacificIslander", NULL, "none", OR_TEXT},
    {"white", NULL, "none", OR_TEXT},
    {"demographicRaceTwoOrMoreRaces", NULL, "none", OR_TEXT},
    {"hispanicOrLatinoEthnicity", NULL, "none", OR_TEXT},
    {"countryOfBirthCode", NULL, "none", OR_TEXT},
    {"stateOfBirthAbbreviation", NULL, "none", OR_TEXT},
    {"cityOfBirth", NULL, "none", OR_TEXT},
    {"publicSchoolResidenceStatus", NULL, "none", OR_TEXT},
};
const sh_or_entity sh_or_demographics = {
    .collection = "demographics",
    .single = "demographics",
    .file = "demographics.csv",
    .sql =
        "SELECT st.uid AS sid, 'active' AS status, pp.updated_at AS updated, pp.birth_date AS birth_ct,"
        " pp.uid AS birth_uid, pp.birth_date_mask AS birth_mask,"
        " CASE COALESCE(st.gender, pp.gender) WHEN '1' THEN 'male' WHEN '2' THEN 'female' END AS sex,"
        " st.school_id AS sc_school, " CURRENT_CLASS(
            "st.id") " AS sc_class"
                     " FROM student st JOIN person_profile pp ON pp.person_id = st.person_id"
                     " UNION ALL SELECT sf.uid, 'active', pp.updated_at, pp.birth_date, pp.uid, pp.birth_date_mask,"
                     " CASE pp.gender WHEN '1' THEN 'male' WHEN '2' THEN 'female' END, sf.school_id, NULL"
                     " FROM staff sf JOIN person_profile pp ON pp.person_id = sf.person_id",
    .scope_set = "(t.sc_school, t.sc_class)",
    .fields = demographic_fields,
    .nfields = sizeof demographic_fields / sizeof demographic_fields[0],
};

static const sh_or_entity *const served[] = {&sh_or_orgs,        &sh_or_sessions, &sh_or_courses,
                                             &sh_or_classes,     &sh_or_users,    &sh_or_enrollments,
                                             &sh_or_demographics};

const sh_or_entity *sh_or_entity_named(const char *collection) {
    for (size_t i = 0; collection && i < sizeof served / sizeof served[0]; i++)
        if (strcmp(served[i]->collection, collection) == 0)
            return served[i];
    return NULL;
}

/* ---- reading derived rows ---- */

int sh_or_select(sh_buf *sql, const sh_or_entity *e, const sh_scope *scope, const char *extra) {
    sh_buf_printf(sql, "SELECT * FROM (%s) t WHERE 1 = 1", e->sql);
    if (scope && scope->where)
        sh_buf_printf(sql, " AND (%s)", scope->where);
    if (extra && *extra)
        sh_buf_printf(sql, " AND (%s)", extra);
    return sh_buf_ok(sql);
}

static int column_named(sh_stmt *s, const char *name) {
    int n = sh_col_count(s);
    for (int i = 0; name && i < n; i++)
        if (strcasecmp(sh_col_name(s, i), name) == 0)
            return i;
    return -1;
}

int sh_or_row_init(sh_or_row *r, sh_pool *p, const sh_or_entity *e, sh_stmt *s, int unmask) {
    *r = (sh_or_row){.s = s, .e = e, .unmask = unmask, .p = p};
    r->col_of = sh_palloc(p, sizeof(int) * (size_t)e->nfields);
    r->aux_of = sh_palloc(p, sizeof(int) * 3 * (size_t)e->nfields);
    if (!r->col_of || !r->aux_of)
        return SH_ERR;
    for (int i = 0; i < e->nfields; i++) {
        const sh_or_field *f = &e->fields[i];
        r->col_of[i] = f->type == OR_CONST ? -1 : column_named(s, f->col);
        const sh_or_secret *x = f->secret;
        r->aux_of[3 * (size_t)i] = x ? column_named(s, x->ct_col) : -1;
        r->aux_of[3 * (size_t)i + 1] = x ? column_named(s, x->uid_col) : -1;
        r->aux_of[3 * (size_t)i + 2] = x ? column_named(s, x->mask_col) : -1;
    }
    return SH_OK;
}

static const char *text_at(const sh_or_row *r, int col) {
    if (col < 0 || sh_col_is_null(r->s, col))
        return NULL;
    const char *v = sh_col_text(r->s, col);
    return v && *v ? v : NULL;
}

/* Bytes of the UTF-8 character at s. */
static size_t char_len(const char *s) {
    unsigned char c = (unsigned char)*s;
    size_t n = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    for (size_t i = 1; i < n; i++)
        if (!s[i])
            return i;
    return n;
}

const char *sh_or_family(sh_pool *p, const char *name) {
    return name && *name ? sh_pstrndup(p, name, char_len(name)) : NULL;
}

const char *sh_or_given(sh_pool *p, const char *name) {
    if (!name || !*name)
        return NULL;
    const char *rest = name + char_len(name);
    return *rest ? sh_pstrdup(p, rest) : NULL;
}

const char *sh_or_value(const sh_or_row *r, int i) {
    const sh_or_field *f = &r->e->fields[i];
    if (f->type == OR_CONST)
        return f->col;
    if (f->type == OR_SECRET) {
        int ct = r->aux_of[3 * (size_t)i];
        if (ct >= 0 && !sh_col_is_null(r->s, ct)) {
            if (!r->unmask)
                return sh_pstrdup(r->p, text_at(r, r->aux_of[3 * (size_t)i + 2]));
            const sh_field *sf = sh_entity_field(f->secret->entity, f->secret->field);
            const char *uid = text_at(r, r->aux_of[3 * (size_t)i + 1]);
            return sf && uid ? sh_field_open(r->p, f->secret->entity, sf, uid, sh_col_blob(r->s, ct),
                                             sh_col_len(r->s, ct))
                             : NULL;
        }
        return sh_pstrdup(r->p, text_at(r, r->col_of[i]));
    }
    const char *v = text_at(r, r->col_of[i]);
    if (!v)
        return NULL;
    switch (f->type) {
    case OR_TIME: {
        char iso[SH_ISO_LEN];
        sh_fmt_iso_ms(sh_col_i64(r->s, r->col_of[i]), iso);
        return sh_pstrdup(r->p, iso);
    }
    case OR_FAMILY: return sh_or_family(r->p, v);
    case OR_GIVEN: return r->unmask || f->mask == SH_MASK_NONE ? sh_or_given(r->p, v) : "*";
    default: break;
    }
    if (f->mask != SH_MASK_NONE && !r->unmask)
        return sh_mask_value(r->p, f->mask, v);
    return sh_pstrdup(r->p, v);
}
