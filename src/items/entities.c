/* entities.c — the item bank's declarations and tables: the item (its public
 * id, code, owning org and which of its versions are the latest and the
 * published one), its versions (content as canonical JSON beside the columns
 * lists filter on) and each version's knowledge points. Written through
 * model/write.h, so every version and status change is in the change log. */
#include "items/module.h"

#define F(name_, col_, type_, label_, ...)                                                                   \
    { .name = (name_), .column = (col_), .type = (type_), .label = (label_), .grade = SH_L1, __VA_ARGS__ }
/* Who wrote or reviewed: an account key, never shown. */
#define ACCOUNT(name_, col_, label_)                                                                         \
    {                                                                                                        \
        .name = (name_), .column = (col_), .type = SH_T_INT, .label = (label_), .grade = SH_L2,              \
        .flags = SH_F_INTERNAL                                                                               \
    }

static const sh_field item_fields[] = {
    SH_FIELD_KEY,
    SH_FIELD_UID("题目标识"),
    F("code", "code", SH_T_TEXT, "题目编码", .max_len = 40, .flags = SH_F_UNIQUE | SH_F_IMMUTABLE),
    F("org", "org_id", SH_T_REF, "所属机构", .ref = "org_unit", .flags = SH_F_IMMUTABLE,
      .doc = "编写人所在机构；导入的题目属于全市"),
    ACCOUNT("_author", "author_id", "编写人"),
    F("latest", "latest", SH_T_INT, "最新版本号"),
    F("status", "status", SH_T_TEXT, "最新版本状态", .max_len = 12),
    F("published", "published", SH_T_INT, "已发布版本号", .doc = "0 表示没有已发布的版本"),
    SH_FIELD_VERSION,
    SH_FIELD_CREATED_AT,
    SH_FIELD_UPDATED_AT,
};
const sh_entity sh_item_entity = {
    .name = "item", .table = "item", .label = "题目", SH_FIELDS(item_fields), .flags = SH_E_INTERNAL};

static const sh_field version_fields[] = {
    SH_FIELD_KEY,
    SH_FIELD_UID("题目版本标识"),
    F("item", "item_id", SH_T_REF, "题目", .ref = "item", .flags = SH_F_IMMUTABLE),
    F("no", "no", SH_T_INT, "版本号", .flags = SH_F_IMMUTABLE),
    F("status", "status", SH_T_TEXT, "状态", .max_len = 12,
      .doc = "draft 草稿、in_review 待审核、published 已发布、retired 已停用"),
    F("type", "type", SH_T_TEXT, "题型", .max_len = 12),
    F("difficulty", "difficulty", SH_T_INT, "难度"),
    F("score", "score", SH_T_INT, "分值"),
    F("stem", "stem", SH_T_TEXT, "题干", .max_len = 6000),
    F("content", "content", SH_T_TEXT, "题目内容", .max_len = 70000, .doc = "规范化的题目 JSON"),
    ACCOUNT("_author", "author_id", "编写人"),
    ACCOUNT("_reviewer", "reviewer_id", "审核人"),
    F("review_note", "review_note", SH_T_TEXT, "审核意见", .max_len = 500),
    F("published_at", "published_at", SH_T_TIME, "发布时间"),
    SH_FIELD_VERSION,
    SH_FIELD_CREATED_AT,
    SH_FIELD_UPDATED_AT,
};
const sh_entity sh_item_version_entity = {.name = "item_version",
                                          .table = "item_version",
                                          .label = "题目版本",
                                          SH_FIELDS(version_fields),
                                          .flags = SH_E_INTERNAL};

static const sh_field kp_fields[] = {
    SH_FIELD_KEY,
    SH_FIELD_UID("题目知识点标识"),
    F("item_version", "version_id", SH_T_REF, "题目版本", .ref = "item_version", .flags = SH_F_IMMUTABLE),
    F("point", "point_id", SH_T_REF, "知识点", .ref = "kg_point", .flags = SH_F_IMMUTABLE),
    F("ordinal", "ordinal", SH_T_INT, "顺序", .doc = "1 为主知识点"),
    SH_FIELD_VERSION,
    SH_FIELD_CREATED_AT,
    SH_FIELD_UPDATED_AT,
};
const sh_entity sh_item_kp_entity = {.name = "item_kp",
                                     .table = "item_kp",
                                     .label = "题目知识点",
                                     SH_FIELDS(kp_fields),
                                     .flags = SH_E_INTERNAL};

#define ITEM_TABLES(PK, INT64)                                                                               \
    "CREATE TABLE item (" PK ", uid TEXT NOT NULL UNIQUE, code TEXT UNIQUE, org_id " INT64                   \
    " REFERENCES org_unit(id), author_id " INT64 ", latest INTEGER NOT NULL, status TEXT NOT NULL,"          \
    " published INTEGER NOT NULL DEFAULT 0, version " INT64 " NOT NULL, created_at BIGINT NOT NULL,"         \
    " updated_at BIGINT NOT NULL);"                                                                          \
    "CREATE TABLE item_version (" PK ", uid TEXT NOT NULL UNIQUE, item_id " INT64                            \
    " NOT NULL REFERENCES item(id), no INTEGER NOT NULL, status TEXT NOT NULL, type TEXT NOT NULL,"          \
    " difficulty INTEGER NOT NULL, score INTEGER NOT NULL, stem TEXT NOT NULL, content TEXT NOT NULL,"       \
    " author_id " INT64 ", reviewer_id " INT64 ", review_note TEXT, published_at BIGINT,"                    \
    " version " INT64 " NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,"                   \
    " UNIQUE (item_id, no));"                                                                                \
    "CREATE INDEX item_version_status ON item_version(status, type, difficulty);"                            \
    "CREATE TABLE item_kp (" PK ", uid TEXT NOT NULL UNIQUE, version_id " INT64                              \
    " NOT NULL REFERENCES item_version(id), point_id " INT64 " NOT NULL REFERENCES kg_point(id),"            \
    " ordinal INTEGER NOT NULL, version " INT64 " NOT NULL, created_at BIGINT NOT NULL,"                     \
    " updated_at BIGINT NOT NULL, UNIQUE (version_id, point_id));"                                           \
    "CREATE INDEX item_kp_point ON item_kp(point_id, version_id);"

const sh_migration sh_items_migrations[] = {
    {1, "item bank: items, versions and their knowledge points",
     ITEM_TABLES("id INTEGER PRIMARY KEY", "INTEGER"), ITEM_TABLES("id BIGSERIAL PRIMARY KEY", "BIGINT")},
    /* the stem search of the item list: v.stem LIKE '%q%' (items_list) */
    {2, "trigram index for the stem search (PostgreSQL)", "SELECT 1",
     SH_PG_TRIGRAM_INDEXES(
         "CREATE INDEX item_version_stem_trgm ON item_version USING gin (stem gin_trgm_ops);")},
};
const int sh_items_nmigrations = sizeof sh_items_migrations / sizeof sh_items_migrations[0];
