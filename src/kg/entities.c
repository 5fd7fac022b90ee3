/* entities.c — the knowledge graph's declarations and tables: knowledge points
 * (kg_point) and prerequisite edges (kg_edge). Both are city-wide (no school),
 * written through model/write.h so every change, a rename included, has its
 * history in the change log. */
#include "kg/module.h"

static int check_code(const sh_field *f, const char *v, sh_err *err) {
    for (const char *s = v; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' ||
              *s == '.' || *s == '_'))
            return sh_err_add(err, 400, "invalid_code", f->name, v,
                              "“%s”只能由字母、数字、点、横线和下划线组成，如 RJM-1.2.2", f->label);
    return SH_OK;
}

static int check_semester(const sh_field *f, const char *v, sh_err *err) {
    if (strcmp(v, "上") == 0 || strcmp(v, "下") == 0)
        return SH_OK;
    return sh_err_add(err, 400, "invalid_semester", f->name, v, "“%s”应为“上”或“下”", f->label);
}

static const sh_field point_fields[] = {
    SH_FIELD_KEY,
    SH_FIELD_UID("知识点标识"),
    {.name = "subject",
     .column = "subject",
     .type = SH_T_CODE,
     .code_table = "jyt_k12_course",
     .label = "学科",
     .grade = SH_L1,
     .max_len = 8,
     .flags = SH_F_REQUIRED | SH_F_FILTER,
     .doc = "JY/T 1001 中小学课程代码，数学为 14"},
    {.name = "code",
     .column = "code",
     .type = SH_T_TEXT,
     .label = "知识点编码",
     .grade = SH_L1,
     .max_len = 40,
     .flags = SH_F_REQUIRED | SH_F_UNIQUE | SH_F_FILTER,
     .check = check_code,
     .doc = "全市唯一，如 RJM-1.2.2（人教版教材编号）"},
    {.name = "name",
     .column = "name",
     .type = SH_T_TEXT,
     .label = "知识点名称",
     .grade = SH_L1,
     .max_len = 60,
     .flags = SH_F_REQUIRED},
    {.name = "description",
     .column = "description",
     .type = SH_T_TEXT,
     .label = "掌握要求",
     .grade = SH_L1,
     .max_len = 500,
     .doc = "学生掌握该知识点后能做什么（课标表述）"},
    {.name = "edition",
     .column = "edition",
     .type = SH_T_TEXT,
     .label = "教材版本",
     .grade = SH_L1,
     .max_len = 40,
     .flags = SH_F_REQUIRED | SH_F_FILTER},
    {.name = "grade",
     .column = "grade",
     .type = SH_T_INT,
     .label = "年级",
     .grade = SH_L1,
     .min = 1,
     .max = 12,
     .flags = SH_F_REQUIRED | SH_F_FILTER,
     .doc = "1–12，七年级为 7"},
    {.name = "semester",
     .column = "semester",
     .type = SH_T_TEXT,
     .label = "学期",
     .grade = SH_L1,
     .max_len = 1,
     .flags = SH_F_REQUIRED | SH_F_FILTER,
     .check = check_semester,
     .doc = "上 或 下"},
    {.name = "chapter",
     .column = "chapter",
     .type = SH_T_TEXT,
     .label = "章",
     .grade = SH_L1,
     .max_len = 60,
     .flags = SH_F_REQUIRED | SH_F_FILTER},
    {.name = "section",
     .column = "section",
     .type = SH_T_TEXT,
     .label = "节",
     .grade = SH_L1,
     .max_len = 60,
     .flags = SH_F_FILTER},
    {.name = "ordinal",
     .column = "ordinal",
     .type = SH_T_INT,
     .label = "教材顺序",
     .grade = SH_L1,
     .min = 0,
     .max = 1000000,
     .doc = "在本学科教材中的先后顺序；新建时不填则排在最后"},
    SH_FIELD_VERSION,
    SH_FIELD_CREATED_AT,
    SH_FIELD_UPDATED_AT,
};

const sh_entity sh_kg_point_entity = {
    .name = "kg_point", .table = "kg_point", .label = "知识点", SH_FIELDS(point_fields)};

static const sh_field edge_fields[] = {
    SH_FIELD_KEY,
    SH_FIELD_UID("先修关系标识"),
    {.name = "point",
     .column = "point_id",
     .type = SH_T_REF,
     .ref = "kg_point",
     .label = "知识点",
     .grade = SH_L1,
     .flags = SH_F_REQUIRED | SH_F_IMMUTABLE | SH_F_FILTER},
    {.name = "prerequisite",
     .column = "prereq_id",
     .type = SH_T_REF,
     .ref = "kg_point",
     .label = "先修知识点",
     .grade = SH_L1,
     .flags = SH_F_REQUIRED | SH_F_IMMUTABLE | SH_F_FILTER},
    SH_FIELD_VERSION,
    SH_FIELD_CREATED_AT,
    SH_FIELD_UPDATED_AT,
};

const sh_entity sh_kg_edge_entity = {
    .name = "kg_edge", .table = "kg_edge", .label = "先修关系", SH_FIELDS(edge_fields)};

#define KG_TABLES(PK, INT64)                                                                                 \
    "CREATE TABLE kg_point (" PK ", uid TEXT NOT NULL UNIQUE, subject TEXT NOT NULL, code TEXT NOT NULL"     \
    " UNIQUE, name TEXT NOT NULL, description TEXT, edition TEXT NOT NULL, grade INTEGER NOT NULL,"          \
    " semester TEXT NOT NULL, chapter TEXT NOT NULL, section TEXT, ordinal INTEGER NOT NULL DEFAULT 0,"      \
    " version " INT64 " NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);"                  \
    "CREATE INDEX kg_point_subject ON kg_point(subject, grade, semester, ordinal);"                          \
    "CREATE TABLE kg_edge (" PK ", uid TEXT NOT NULL UNIQUE, point_id " INT64                                \
    " NOT NULL REFERENCES kg_point(id), prereq_id " INT64 " NOT NULL REFERENCES kg_point(id),"               \
    " version " INT64 " NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,"                   \
    " UNIQUE (point_id, prereq_id), CHECK (point_id <> prereq_id));"                                         \
    "CREATE INDEX kg_edge_prereq ON kg_edge(prereq_id, point_id);"

const sh_migration sh_kg_migrations[] = {
    {1, "knowledge graph: points and prerequisite edges", KG_TABLES("id INTEGER PRIMARY KEY", "INTEGER"),
     KG_TABLES("id BIGSERIAL PRIMARY KEY", "BIGINT")},
    /* the point search: name LIKE '%q%' OR code LIKE 'q%' (kg_points_list) */
    {2, "trigram indexes for the point search (PostgreSQL)", "SELECT 1",
     SH_PG_TRIGRAM_INDEXES("CREATE INDEX kg_point_name_trgm ON kg_point USING gin (name gin_trgm_ops);"
                           "CREATE INDEX kg_point_code_trgm ON kg_point USING gin (code gin_trgm_ops);")},
};
const int sh_kg_nmigrations = sizeof sh_kg_migrations / sizeof sh_kg_migrations[0];
