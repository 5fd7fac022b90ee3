/* kinds_org.c — the import kinds of orgs.csv, academicSessions.csv,
 * courses.csv and classes.csv (mapping.c says how each column maps):
 *
 *   orgs      the city (type state) is the database's root when it has one;
 *             districts and schools are found by sourcedId (the node's uid),
 *             schools also by 学校标识码 (identifier), and otherwise created
 *             under their parent with the sourcedId as uid (a school needs its
 *             identifier and a region code: metadata.regionCode or the
 *             parent's); the school profile upserts from metadata.*.
 *   academicSessions  terms upsert on sourcedId, else on school year + semester;
 *             school years and grading periods are checked, not stored.
 *   courses   derived data here: checked (their org must be known), not stored.
 *   classes   a homeroom class is a class node under its grade node (found or
 *             made from metadata.grade / gradeSourcedId, or the CEDS grade)
 *             with its class profile; a scheduled class is remembered as
 *             (homeroom class, subject, term) for its teachers' enrollments.
 *
 * Creating a district or school through the API needs org.write at the parent;
 * changing terms needs roster.write at the city (terms are city-wide). */
#include "oneroster/or_import.h"

#include "codes/codes.h"
#include "model/identifiers.h"
#include "org/org.h"
#include "roster/roster.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEAD_COLUMNS(prefix)                                                                                 \
    [prefix##_SID] = {"sourcedId", "sourcedId", NULL, NULL, SH_IMPORT_REQUIRED},                             \
    [prefix##_STATUS] = {"status", "status", NULL, NULL, 0},                                                 \
    [prefix##_DLM] = {"dateLastModified", "dateLastModified", NULL, NULL, 0}

static const char *cell_norm(sh_import *im, const sh_import_row *row, int col) {
    const char *v = sh_import_cell(row, col);
    return v ? sh_normalise_text(im->row_pool, v) : NULL;
}

static int64_t root_city(sh_import *im, sh_err *err) {
    int64_t id = 0;
    return sh_query_i64(
               im->c, "SELECT id FROM org_unit WHERE parent_id IS NULL AND kind = 'city' ORDER BY id LIMIT 1",
               &id, err) == SH_ERR
               ? SH_ERR
               : id;
}

/* A new org node with uid sid (NULL: generated). */
static int64_t add_org(sh_import *im, const char *kind, const char *name, int64_t parent, const char *region,
                       const char *code, int64_t school, const char *sid, sh_err *err) {
    if (sid && or_i64(im, "SELECT count(*) FROM org_unit WHERE id > $1 AND uid = $2", 0, -1, sid, err) > 0)
        sid = NULL; /* the uid is taken by another node: a fresh one */
    sh_org_new n = {.kind = kind,
                    .name = name,
                    .region_code = region,
                    .school_code = code,
                    .parent = parent,
                    .uid = sid,
                    .school_id = school};
    int64_t id = 0;
    return sh_org_insert(im->c, &n, &id, err) == SH_OK ? id : SH_ERR;
}

/* ---- orgs ---- */

enum {
    O_SID,
    O_STATUS,
    O_DLM,
    O_NAME,
    O_TYPE,
    O_IDENT,
    O_PARENT,
    O_REGION,
    O_SCHOOL_TYPE,
    O_STAGES,
    O_RUNNING,
    O_URBAN,
    O_ADDRESS,
    O_FOUNDED,
    O_COUNT
};

static const sh_import_column org_columns[O_COUNT] = {
    HEAD_COLUMNS(O),
    [O_NAME] = {"name", "name", NULL, NULL, SH_IMPORT_REQUIRED},
    [O_TYPE] = {"type", "type", NULL, "state、district 或 school", SH_IMPORT_REQUIRED},
    [O_IDENT] = {"identifier", "identifier", NULL, "学校标识码", 0},
    [O_PARENT] = {"parentSourcedId", "parentSourcedId", NULL, NULL, 0},
    [O_REGION] = {"regionCode", "metadata.regionCode", NULL, "GB/T 2260 行政区划码", 0},
    [O_SCHOOL_TYPE] = {"schoolType", "metadata.schoolType", NULL, NULL, 0},
    [O_STAGES] = {"stages", "metadata.stages", NULL, NULL, 0},
    [O_RUNNING] = {"runningBody", "metadata.runningBody", NULL, NULL, 0},
    [O_URBAN] = {"urbanRural", "metadata.urbanRural", NULL, NULL, 0},
    [O_ADDRESS] = {"address", "metadata.address", NULL, NULL, 0},
    [O_FOUNDED] = {"founded", "metadata.founded", NULL, NULL, 0},
};

static int school_profile(sh_import *im, const sh_import_row *row, int64_t school, sh_err *err) {
    sh_record r = sh_import_record(im->row_pool, &sh_school_profile_entity);
    if (!r.v)
        return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    static const struct {
        int col;
        const char *field;
    } cols[] = {{O_SCHOOL_TYPE, "school_type"}, {O_STAGES, "stages"},   {O_RUNNING, "running_body"},
                {O_URBAN, "urban_rural"},       {O_ADDRESS, "address"}, {O_FOUNDED, "founded"}};
    size_t before = sh_err_count(err);
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
        sh_import_set(im, row, cols[i].col, &r, cols[i].field, err);
    if (sh_err_count(err) > before)
        return SH_ERR;
    int64_t key = or_i64(im, "SELECT id FROM school_profile WHERE school_id = $1", school, -1, NULL, err);
    if (key < 0)
        return SH_ERR;
    if (!key)
        *sh_import_value(&r, "school") = (sh_value){.set = 1, .i = school};
    return sh_import_upsert(im, &r, &key, school, 1, err);
}

static const char *region_of(sh_import *im, const sh_import_row *row, int64_t parent, sh_err *err) {
    const char *v = cell_norm(im, row, O_REGION);
    if (v && sh_code_valid("gb2260_region", v) != 1) {
        sh_err_add(err, 400, "invalid_code", "regionCode", v,
                   "“metadata.regionCode”不是 GB/T 2260 行政区划码");
        return NULL;
    }
    if (v || !parent)
        return v;
    sh_stmt *s = sh_prepare(im->c, "SELECT region_code FROM org_unit WHERE id = $1", err);
    if (!s)
        return NULL;
    sh_bind_i64(s, 1, parent);
    const char *r =
        sh_step(s, err) == SH_ROW && sh_col_text(s, 0) ? sh_pstrdup(im->row_pool, sh_col_text(s, 0)) : NULL;
    sh_stmt_done(s);
    return r;
}

static int org_row(sh_import *im, const sh_import_row *row, sh_err *err) {
    const char *sid = or_sid(im, row, O_SID, err);
    const char *name = cell_norm(im, row, O_NAME), *type = cell_norm(im, row, O_TYPE);
    if (!sid)
        return SH_ERR;
    if (!name || !type)
        return sh_err_add(err, 400, "required", name ? "type" : "name", NULL, "缺少必填项“%s”",
                          name ? "type" : "name");
    if (strlen(name) > 300)
        return sh_err_add(err, 400, "too_long", "name", NULL, "“name”过长");
    const char *kind = strcmp(type, "state") == 0      ? SH_ORG_CITY
                       : strcmp(type, "district") == 0 ? SH_ORG_DISTRICT
                       : strcmp(type, "school") == 0   ? SH_ORG_SCHOOL
                                                       : NULL;
    if (!kind)
        return sh_err_add(err, 400, "unsupported_org_type", "type", type,
                          "不支持的机构类型“%s”（只接受 state、district、school）", type);
    or_ctx *x = or_ctx_of(im);
    int64_t id = or_org(im, sid, kind, NULL, err);
    if (id < 0)
        return SH_ERR;
    if (!id && or_i64(im, "SELECT count(*) FROM org_unit WHERE id > $1 AND uid = $2", 0, -1, sid, err) > 0)
        return sh_err_add(err, 400, "sourced_id_taken", "sourcedId", sid, "sourcedId %s 已被另一种机构使用",
                          sid);
    if (strcmp(kind, SH_ORG_CITY) == 0) {
        if (!id) {
            int64_t root = root_city(im, err);
            if (root < 0)
                return SH_ERR;
            if (!root && x->req)
                return sh_err_add(err, 403, "forbidden", "type", NULL, "市级机构只能在初始化时建立");
            if (root) {
                im->res->unchanged++;
                return or_map_put(&x->map, "o:", sid, root, 0, NULL) == SH_OK
                           ? SH_OK
                           : sh_err_add(err, 500, "out_of_memory", NULL, NULL, "内存不足");
            }
            const char *region = region_of(im, row, 0, err);
            if (sh_err_count(err))
                return SH_ERR;
            if (add_org(im, SH_ORG_CITY, name, 0, region, NULL, 0, sid, err) < 0)
                return SH_ERR;
            im->res->created++;
            return SH_OK;
        }
        im->res->unchanged++;
        return SH_OK;
    }
    if (id && strcmp(kind, SH_ORG_SCHOOL) == 0) {
        int may = or_may(im, "roster.write", id, err);
        if (may < 0)
            return SH_ERR;
        if (!may)
            return sh_err_add(err, 400, "unknown_school", "sourcedId", sid, "学校 %s 不存在或不在管辖范围内",
                              sid);
        return school_profile(im, row, id, err);
    }
    if (id) {
        im->res->unchanged++;
        return SH_OK;
    }
    const char *code = NULL;
    if (strcmp(kind, SH_ORG_SCHOOL) == 0) {
        code = cell_norm(im, row, O_IDENT);
        if (!code)
            return sh_err_add(err, 400, "required", "identifier", NULL, "学校须有 identifier（学校标识码）");
        if (!sh_valid_school_code(code))
            return sh_err_add(err, 400, "invalid_school_code", "identifier", code, "“%s”不是有效的学校标识码",
                              code);
        id = or_i64(im, "SELECT id FROM org_unit WHERE school_code = $2 AND kind = 'school' AND id > $1", 0,
                    -1, code, err);
        if (id < 0)
            return SH_ERR;
        if (id) { /* the same school under another id */
            int may = or_may(im, "roster.write", id, err);
            if (may < 0)
                return SH_ERR;
            if (!may)
                return sh_err_add(err, 400, "unknown_school", "identifier", code,
                                  "学校标识码 %s 已属于管辖范围外的学校", code);
            if (or_map_put(&x->map, "o:", sid, id, 0, NULL) != SH_OK)
                return sh_err_add(err, 500, "out_of_memory", NULL, NULL, "内存不足");
            return school_profile(im, row, id, err);
        }
    }
    const char *psid = or_first(im, row, O_PARENT);
    int64_t parent = strcmp(kind, SH_ORG_DISTRICT) == 0 ? or_org(im, psid, SH_ORG_CITY, NULL, err)
                                                        : or_org(im, psid, SH_ORG_DISTRICT, SH_ORG_CITY, err);
    if (parent < 0)
        return SH_ERR;
    if (!parent)
        return sh_err_add(err, 400, "unknown_parent", "parentSourcedId", psid,
                          "上级机构 %s 不存在（应在本文件前面的行或数据库中）", psid ? psid : "");
    if (strcmp(kind, SH_ORG_DISTRICT) == 0) { /* a district of that name already there */
        int64_t same =
            or_i64(im, "SELECT id FROM org_unit WHERE parent_id = $1 AND kind = 'district' AND name = $2",
                   parent, -1, name, err);
        if (same < 0)
            return SH_ERR;
        if (same) {
            im->res->unchanged++;
            return or_map_put(&x->map, "o:", sid, same, 0, NULL) == SH_OK
                       ? SH_OK
                       : sh_err_add(err, 500, "out_of_memory", NULL, NULL, "内存不足");
        }
    }
    int may = or_may(im, "org.write", parent, err);
    if (may < 0)
        return SH_ERR;
    if (!may)
        return sh_err_add(err, 400, "unknown_parent", "parentSourcedId", psid,
                          "上级机构 %s 不存在或不在管辖范围内", psid);
    const char *region = region_of(im, row, parent, err);
    if (sh_err_count(err))
        return SH_ERR;
    if (!region && code)
        return sh_err_add(err, 400, "required", "regionCode", NULL,
                          "新建学校须有 metadata.regionCode（行政区划码）");
    int64_t made = add_org(im, kind, name, parent, region, code, 0, sid, err);
    if (made < 0)
        return SH_ERR;
    if (strcmp(kind, SH_ORG_SCHOOL) != 0) {
        im->res->created++;
        return SH_OK;
    }
    return school_profile(im, row, made, err);
}

const sh_import_kind sh_or_kind_orgs = {
    .name = "orgs", .label = "orgs.csv", .columns = org_columns, .ncolumns = O_COUNT, .row = org_row};

/* ---- academic sessions ---- */

enum { S_SID, S_STATUS, S_DLM, S_TITLE, S_TYPE, S_START, S_END, S_PARENT, S_YEAR, S_SEMESTER, S_COUNT };

static const sh_import_column session_columns[S_COUNT] = {
    HEAD_COLUMNS(S),
    [S_TITLE] = {"title", "title", NULL, NULL, SH_IMPORT_REQUIRED},
    [S_TYPE] = {"type", "type", NULL, "schoolYear、term、semester 或 gradingPeriod", SH_IMPORT_REQUIRED},
    [S_START] = {"startDate", "startDate", NULL, "YYYY-MM-DD", SH_IMPORT_REQUIRED},
    [S_END] = {"endDate", "endDate", NULL, "YYYY-MM-DD", SH_IMPORT_REQUIRED},
    [S_PARENT] = {"parentSourcedId", "parentSourcedId", NULL, NULL, 0},
    [S_YEAR] = {"schoolYear", "schoolYear", NULL, "学年的结束年份，如 2027", SH_IMPORT_REQUIRED},
    [S_SEMESTER] = {"semester", "metadata.semester", NULL, "1 秋季学期，2 春季学期", 0},
};

static int session_row(sh_import *im, const sh_import_row *row, sh_err *err) {
    const char *sid = or_sid(im, row, S_SID, err);
    const char *type = cell_norm(im, row, S_TYPE), *year = cell_norm(im, row, S_YEAR);
    sh_record r = sh_import_record(im->row_pool, &sh_term_entity);
    if (!r.v)
        return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    sh_import_set(im, row, S_START, &r, "start_date", err);
    sh_import_set(im, row, S_END, &r, "end_date", err);
    sh_import_set(im, row, S_TITLE, &r, "name", err);
    if (!sid || !type || sh_err_count(err))
        return SH_ERR;
    if (!year || strlen(year) != 4 || strspn(year, "0123456789") != 4)
        return sh_err_add(err, 400, "invalid_school_year", "schoolYear", year, "“schoolYear”应为四位年份");
    if (strcmp(type, "schoolYear") == 0 || strcmp(type, "gradingPeriod") == 0) {
        im->res->unchanged++; /* school years are the terms' years; grading periods are not kept */
        return SH_OK;
    }
    if (strcmp(type, "term") != 0 && strcmp(type, "semester") != 0)
        return sh_err_add(err, 400, "unsupported_session_type", "type", type, "不支持的学期类型“%s”", type);
    const char *start = sh_import_value(&r, "start_date")->s, *end = sh_import_value(&r, "end_date")->s;
    if (start && end && strcmp(end, start) <= 0)
        return sh_err_add(err, 400, "invalid_date_order", "endDate", end, "结束日期应晚于开始日期");
    const char *school_year = sh_psprintf(im->row_pool, "%ld-%s", strtol(year, NULL, 10) - 1, year);
    const char *semester = cell_norm(im, row, S_SEMESTER);
    if (semester && sh_code_valid("jyt_semester", semester) != 1)
        return sh_err_add(err, 400, "invalid_code", "semester", semester, "“metadata.semester”应为 1 或 2");
    if (!semester) { /* autumn terms start from August to January */
        long month = start ? strtol(start + 5, NULL, 10) : 9;
        semester = month >= 8 || month == 1 ? "1" : "2";
    }
    int64_t key = or_i64(im, "SELECT id FROM term WHERE id > $1 AND uid = $2", 0, -1, sid, err);
    if (key == 0) {
        sh_stmt *s = sh_prepare(im->c, "SELECT id FROM term WHERE school_year = $1 AND semester = $2", err);
        if (!s)
            return SH_ERR;
        sh_bind_text(s, 1, school_year, -1);
        sh_bind_text(s, 2, semester, -1);
        int rc = sh_step(s, err);
        key = rc == SH_ROW ? sh_col_i64(s, 0) : rc == SH_ERR ? SH_ERR : 0;
        sh_stmt_done(s);
        if (key > 0 && or_map_put(&or_ctx_of(im)->map, "t:", sid, key, 0, NULL) != SH_OK)
            return sh_err_add(err, 500, "out_of_memory", NULL, NULL, "内存不足");
    }
    if (key < 0)
        return SH_ERR;
    or_ctx *x = or_ctx_of(im);
    if (x->req) { /* terms are city-wide: kept as they are unless the caller writes at the city */
        int64_t root = root_city(im, err);
        int may = root > 0 ? or_may(im, "roster.write", root, err) : 0;
        if (root < 0 || may < 0)
            return SH_ERR;
        if (!may && key) {
            im->res->unchanged++;
            return SH_OK;
        }
        if (!may)
            return sh_err_add(err, 400, "forbidden", "sourcedId", sid, "学期 %s 不存在；只有市级可以新建学期",
                              sid);
    }
    if (!key) {
        *sh_import_value(&r, "id") = (sh_value){.set = 1, .s = sid};
        *sh_import_value(&r, "school_year") = (sh_value){.set = 1, .s = school_year};
        *sh_import_value(&r, "semester") = (sh_value){.set = 1, .s = semester};
    }
    return sh_import_upsert(im, &r, &key, 0, 1, err);
}

const sh_import_kind sh_or_kind_sessions = {.name = "academicSessions",
                                            .label = "academicSessions.csv",
                                            .columns = session_columns,
                                            .ncolumns = S_COUNT,
                                            .row = session_row};

/* ---- courses ---- */

enum {
    K_SID,
    K_STATUS,
    K_DLM,
    K_YEAR,
    K_TITLE,
    K_CODE,
    K_GRADES,
    K_ORG,
    K_SUBJECTS,
    K_SUBJECT_CODES,
    K_COUNT
};

static const sh_import_column course_columns[K_COUNT] = {
    HEAD_COLUMNS(K),
    [K_YEAR] = {"schoolYearSourcedId", "schoolYearSourcedId", NULL, NULL, 0},
    [K_TITLE] = {"title", "title", NULL, NULL, SH_IMPORT_REQUIRED},
    [K_CODE] = {"courseCode", "courseCode", NULL, NULL, 0},
    [K_GRADES] = {"grades", "grades", NULL, NULL, 0},
    [K_ORG] = {"orgSourcedId", "orgSourcedId", NULL, NULL, SH_IMPORT_REQUIRED},
    [K_SUBJECTS] = {"subjects", "subjects", NULL, NULL, 0},
    [K_SUBJECT_CODES] = {"subjectCodes", "subjectCodes", NULL, NULL, 0},
};

/* Courses are derived from grades and teaching assignments: checked only. */
static int course_row(sh_import *im, const sh_import_row *row, sh_err *err) {
    const char *sid = or_sid(im, row, K_SID, err);
    const char *org = or_first(im, row, K_ORG);
    if (!sid)
        return SH_ERR;
    int64_t id = or_org(im, org, SH_ORG_SCHOOL, SH_ORG_DISTRICT, err);
    if (id < 0)
        return SH_ERR;
    if (!id)
        return sh_err_add(err, 400, "unknown_org", "orgSourcedId", org, "机构 %s 不存在", org ? org : "");
    im->res->unchanged++;
    return SH_OK;
}

const sh_import_kind sh_or_kind_courses = {.name = "courses",
                                           .label = "courses.csv",
                                           .columns = course_columns,
                                           .ncolumns = K_COUNT,
                                           .row = course_row};

/* ---- classes ---- */

enum {
    C_SID,
    C_STATUS,
    C_DLM,
    C_TITLE,
    C_GRADES,
    C_COURSE,
    C_CODE,
    C_TYPE,
    C_LOCATION,
    C_SCHOOL,
    C_TERMS,
    C_SUBJECTS,
    C_SUBJECT_CODES,
    C_PERIODS,
    C_GRADE,
    C_GRADE_ID,
    C_CLASS_TYPE,
    C_ENTRY_YEAR,
    C_HOMEROOM,
    C_COUNT
};

static const sh_import_column class_columns[C_COUNT] = {
    HEAD_COLUMNS(C),
    [C_TITLE] = {"title", "title", NULL, NULL, SH_IMPORT_REQUIRED},
    [C_GRADES] = {"grades", "grades", NULL, NULL, 0},
    [C_COURSE] = {"courseSourcedId", "courseSourcedId", NULL, NULL, 0},
    [C_CODE] = {"classCode", "classCode", NULL, "班号", 0},
    [C_TYPE] = {"classType", "classType", NULL, "homeroom 或 scheduled", SH_IMPORT_REQUIRED},
    [C_LOCATION] = {"location", "location", NULL, NULL, 0},
    [C_SCHOOL] = {"schoolSourcedId", "schoolSourcedId", NULL, NULL, SH_IMPORT_REQUIRED},
    [C_TERMS] = {"termSourcedIds", "termSourcedIds", NULL, NULL, 0},
    [C_SUBJECTS] = {"subjects", "subjects", NULL, NULL, 0},
    [C_SUBJECT_CODES] = {"subjectCodes", "subjectCodes", NULL, "JY/T 课程代码", 0},
    [C_PERIODS] = {"periods", "periods", NULL, NULL, 0},
    [C_GRADE] = {"grade", "metadata.grade", NULL, "年级名称，如 七年级", 0},
    [C_GRADE_ID] = {"gradeSourcedId", "metadata.gradeSourcedId", NULL, NULL, 0},
    [C_CLASS_TYPE] = {"classTypeCode", "metadata.classType", NULL, "JY/T 班级类型代码", 0},
    [C_ENTRY_YEAR] = {"entryYear", "metadata.entryYear", NULL, NULL, 0},
    [C_HOMEROOM] = {"homeroomSourcedId", "metadata.homeroomSourcedId", NULL, NULL, 0},
};

/* The grade node of the row in school: by gradeSourcedId, else by name, else new. */
static int64_t grade_of(sh_import *im, const sh_import_row *row, int64_t school, sh_err *err) {
    const char *gsid = sh_import_cell(row, C_GRADE_ID);
    const char *name = cell_norm(im, row, C_GRADE);
    if (!name)
        name = sh_or_grade_name(or_first(im, row, C_GRADES));
    if (gsid && !sh_or_valid_id(gsid))
        return sh_err_add(err, 400, "invalid_sourced_id", "gradeSourcedId", gsid,
                          "“metadata.gradeSourcedId”无效");
    if (gsid) {
        int64_t id =
            or_i64(im, "SELECT id FROM org_unit WHERE school_id = $1 AND kind = 'grade' AND uid = $2", school,
                   -1, gsid, err);
        if (id)
            return id;
    }
    if (!name)
        return sh_err_add(err, 400, "unknown_grade", "grade", NULL,
                          "无法确定年级：请填写 metadata.grade 或 grades（01–12）");
    if (strlen(name) > 100)
        return sh_err_add(err, 400, "too_long", "grade", NULL, "“metadata.grade”过长");
    int64_t id = or_i64(im, "SELECT id FROM org_unit WHERE parent_id = $1 AND kind = 'grade' AND name = $2",
                        school, -1, name, err);
    if (id)
        return id;
    return add_org(im, SH_ORG_GRADE, name, school, NULL, NULL, school, gsid, err);
}

static int homeroom_row(sh_import *im, const sh_import_row *row, const char *sid, int64_t school,
                        sh_err *err) {
    sh_record r = sh_import_record(im->row_pool, &sh_class_profile_entity);
    if (!r.v)
        return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    sh_import_set(im, row, C_CODE, &r, "class_number", err);
    sh_import_set(im, row, C_CLASS_TYPE, &r, "class_type", err);
    sh_import_set(im, row, C_ENTRY_YEAR, &r, "entry_year", err);
    const char *title = cell_norm(im, row, C_TITLE);
    if (title && strlen(title) > 300)
        sh_err_add(err, 400, "too_long", "title", NULL, "“title”过长");
    if (sh_err_count(err))
        return SH_ERR;
    int64_t in_school = 0;
    int64_t cls = or_row(im, "org_unit", "c:", sid, &in_school, err);
    if (cls < 0)
        return SH_ERR;
    if (cls &&
        (in_school != school || or_i64(im, "SELECT count(*) FROM org_unit WHERE id = $1 AND kind = 'class'",
                                       cls, -1, NULL, err) != 1))
        return sh_err_add(err, 400, "sourced_id_taken", "sourcedId", sid, "sourcedId %s 已被其他记录使用",
                          sid);
    if (!cls) {
        int64_t grade = grade_of(im, row, school, err);
        if (grade <= 0)
            return SH_ERR;
        cls = or_i64(im, "SELECT id FROM org_unit WHERE parent_id = $1 AND kind = 'class' AND name = $2",
                     grade, -1, title, err);
        if (cls > 0 && or_map_put(&or_ctx_of(im)->map, "c:", sid, cls, 0, NULL) != SH_OK)
            return sh_err_add(err, 500, "out_of_memory", NULL, NULL, "内存不足");
        if (cls == 0)
            cls = add_org(im, SH_ORG_CLASS, title, grade, NULL, NULL, school, sid, err);
        if (cls < 0)
            return SH_ERR;
    }
    int64_t key = or_i64(im, "SELECT id FROM class_profile WHERE class_id = $1", cls, -1, NULL, err);
    if (key < 0)
        return SH_ERR;
    if (!key) {
        *sh_import_value(&r, "school") = (sh_value){.set = 1, .i = school};
        *sh_import_value(&r, "class") = (sh_value){.set = 1, .i = cls};
    }
    return sh_import_upsert(im, &r, &key, school, 1, err);
}

static int class_row(sh_import *im, const sh_import_row *row, sh_err *err) {
    const char *sid = or_sid(im, row, C_SID, err);
    const char *type = cell_norm(im, row, C_TYPE);
    int64_t school = or_school(im, row, C_SCHOOL, err);
    if (!sid || !type || !school)
        return SH_ERR;
    if (strcmp(type, "homeroom") == 0)
        return homeroom_row(im, row, sid, school, err);
    if (strcmp(type, "scheduled") != 0)
        return sh_err_add(err, 400, "unsupported_class_type", "classType", type,
                          "不支持的班级类型“%s”（应为 homeroom 或 scheduled）", type);
    const char *home = sh_import_cell(row, C_HOMEROOM), *subject = or_first(im, row, C_SUBJECT_CODES),
               *term = or_first(im, row, C_TERMS);
    int64_t in_school = 0, cls = or_row(im, "org_unit", "c:", home, &in_school, err);
    if (cls < 0)
        return SH_ERR;
    if (!cls || in_school != school)
        return sh_err_add(err, 400, "unknown_class", "homeroomSourcedId", home,
                          "授课班级须在 metadata.homeroomSourcedId 中指明本校的行政班");
    if (!subject || sh_code_valid("jyt_k12_course", subject) != 1)
        return sh_err_add(err, 400, "invalid_code", "subjectCodes", subject,
                          "“subjectCodes”应为 JY/T 课程代码");
    const or_entry *t = or_map_get(&or_ctx_of(im)->map, "t:", term);
    int64_t term_id =
        t ? t->a : or_i64(im, "SELECT id FROM term WHERE id > $1 AND uid = $2", 0, -1, term ? term : "", err);
    if (term_id < 0)
        return SH_ERR;
    if (!term_id)
        return sh_err_add(err, 400, "unknown_term", "termSourcedIds", term, "学期 %s 不存在",
                          term ? term : "");
    im->res->unchanged++;
    return or_map_put(&or_ctx_of(im)->map, "s:", sid, cls, term_id, subject) == SH_OK
               ? SH_OK
               : sh_err_add(err, 500, "out_of_memory", NULL, NULL, "内存不足");
}

const sh_import_kind sh_or_kind_classes = {.name = "classes",
                                           .label = "classes.csv",
                                           .columns = class_columns,
                                           .ncolumns = C_COUNT,
                                           .row = class_row};
