/* module.c — the xAPI module: its storage (LRS clients, statements with the
 * indexes behind the statement filters, merged activity definitions,
 * attachment contents), its one route table, and the start hook that wraps the
 * authorisation for /xapi/ and initialises the MIME parser. */
#include "xapi/x_impl.h"

#include "store/partition.h"

/* Bookkeeping tables, declared so every stored column has a grade. Statements
 * are learning records of (mostly minor) people, named by opaque ids: L3. */
static const sh_field statement_fields[] = {
    SH_FIELD_KEY,
    {.name = "statement_id", .column = "statement_id", .type = SH_T_TEXT, .label = "语句 id", .grade = SH_L1},
    {.name = "org", .column = "org_id", .type = SH_T_INT, .label = "所属机构", .grade = SH_L1},
    {.name = "client", .column = "client_id", .type = SH_T_INT, .label = "写入客户端", .grade = SH_L1},
    {.name = "verb", .column = "verb_id", .type = SH_T_TEXT, .label = "动词", .grade = SH_L1},
    {.name = "registration", .column = "registration", .type = SH_T_TEXT, .label = "注册号", .grade = SH_L2},
    {.name = "void_target",
     .column = "void_target",
     .type = SH_T_TEXT,
     .label = "作废的语句",
     .grade = SH_L1},
    {.name = "voided", .column = "voided", .type = SH_T_BOOL, .label = "已作废", .grade = SH_L1},
    {.name = "stored", .column = "stored_ms", .type = SH_T_TIME, .label = "存储时间", .grade = SH_L1},
    {.name = "body", .column = "body", .type = SH_T_TEXT, .label = "语句内容", .grade = SH_L3},
};
static const sh_entity statement_entity = {.name = "xapi_statement",
                                           .table = "xapi_statement",
                                           .label = "学习记录语句",
                                           SH_FIELDS(statement_fields),
                                           .flags = SH_E_INTERNAL};

static const sh_field agent_index_fields[] = {
    {.name = "agent_key", .column = "agent_key", .type = SH_T_TEXT, .label = "人员标识", .grade = SH_L3},
    {.name = "related", .column = "related", .type = SH_T_INT, .label = "关联方式", .grade = SH_L1},
    {.name = "statement", .column = "statement_pk", .type = SH_T_INT, .label = "语句", .grade = SH_L1},
};
static const sh_entity agent_index_entity = {.name = "xapi_statement_agent",
                                             .table = "xapi_statement_agent",
                                             .label = "语句人员索引",
                                             SH_FIELDS(agent_index_fields),
                                             .flags = SH_E_INTERNAL};

static const sh_field activity_index_fields[] = {
    {.name = "activity_id", .column = "activity_id", .type = SH_T_TEXT, .label = "活动 id", .grade = SH_L1},
    {.name = "related", .column = "related", .type = SH_T_INT, .label = "关联方式", .grade = SH_L1},
    {.name = "statement", .column = "statement_pk", .type = SH_T_INT, .label = "语句", .grade = SH_L1},
};
static const sh_entity activity_index_entity = {.name = "xapi_statement_activity",
                                                .table = "xapi_statement_activity",
                                                .label = "语句活动索引",
                                                SH_FIELDS(activity_index_fields),
                                                .flags = SH_E_INTERNAL};

static const sh_field activity_fields[] = {
    {.name = "activity_id", .column = "activity_id", .type = SH_T_TEXT, .label = "活动 id", .grade = SH_L1},
    {.name = "definition", .column = "definition", .type = SH_T_TEXT, .label = "活动定义", .grade = SH_L1},
    SH_FIELD_UPDATED_AT,
};
static const sh_entity activity_entity = {.name = "xapi_activity",
                                          .table = "xapi_activity",
                                          .label = "学习活动",
                                          SH_FIELDS(activity_fields),
                                          .flags = SH_E_INTERNAL};

static const sh_field attachment_fields[] = {
    {.name = "sha2", .column = "sha2", .type = SH_T_TEXT, .label = "SHA-2 摘要", .grade = SH_L1},
    {.name = "content_type",
     .column = "content_type",
     .type = SH_T_TEXT,
     .label = "内容类型",
     .grade = SH_L1},
    {.name = "length", .column = "length", .type = SH_T_INT, .label = "字节数", .grade = SH_L1},
    {.name = "data", .column = "data", .type = SH_T_BLOB, .label = "附件内容", .grade = SH_L3},
    SH_FIELD_CREATED_AT,
};
static const sh_entity attachment_entity = {.name = "xapi_attachment",
                                            .table = "xapi_attachment",
                                            .label = "语句附件",
                                            SH_FIELDS(attachment_fields),
                                            .flags = SH_E_INTERNAL};

static const sh_field document_fields[] = {
    SH_FIELD_KEY,
    {.name = "kind", .column = "kind", .type = SH_T_TEXT, .label = "文档类别", .grade = SH_L1},
    {.name = "activity_id", .column = "activity_id", .type = SH_T_TEXT, .label = "活动 id", .grade = SH_L1},
    {.name = "agent_key", .column = "agent_key", .type = SH_T_TEXT, .label = "人员标识", .grade = SH_L3},
    {.name = "registration", .column = "registration", .type = SH_T_TEXT, .label = "注册号", .grade = SH_L2},
    {.name = "doc_id", .column = "doc_id", .type = SH_T_TEXT, .label = "文档 id", .grade = SH_L1},
    {.name = "org", .column = "org_id", .type = SH_T_INT, .label = "所属机构", .grade = SH_L1},
    {.name = "content_type",
     .column = "content_type",
     .type = SH_T_TEXT,
     .label = "内容类型",
     .grade = SH_L1},
    {.name = "content", .column = "content", .type = SH_T_BLOB, .label = "文档内容", .grade = SH_L3},
    {.name = "etag", .column = "etag", .type = SH_T_TEXT, .label = "ETag", .grade = SH_L1},
    {.name = "updated", .column = "updated_ms", .type = SH_T_TIME, .label = "更新时间", .grade = SH_L1},
};
static const sh_entity document_entity = {.name = "xapi_document",
                                          .table = "xapi_document",
                                          .label = "学习状态与档案文档",
                                          SH_FIELDS(document_fields),
                                          .flags = SH_E_INTERNAL};

static const sh_entity *const entities[] = {&x_client_entity,       &statement_entity, &agent_index_entity,
                                            &activity_index_entity, &activity_entity,  &attachment_entity,
                                            &document_entity};

/* The indexes behind the statement filters (order: id), on both backends. */
#define XAPI_STATEMENT_INDEXES                                                                               \
    "CREATE INDEX xapi_statement_org ON xapi_statement(org_id, id);"                                         \
    "CREATE INDEX xapi_statement_verb ON xapi_statement(verb_id, id);"                                       \
    "CREATE INDEX xapi_statement_registration ON xapi_statement(registration, id)"                           \
    " WHERE registration IS NOT NULL;"                                                                       \
    "CREATE INDEX xapi_statement_stored ON xapi_statement(stored_ms);"                                       \
    "CREATE INDEX xapi_statement_void ON xapi_statement(void_target) WHERE void_target IS NOT NULL;"

#define XAPI_TABLES(PK, INT64, BYTES)                                                                            \
    "CREATE TABLE xapi_client (" PK ", uid TEXT NOT NULL UNIQUE, name TEXT NOT NULL,"                            \
    " client_key TEXT NOT NULL UNIQUE, secret_hash TEXT NOT NULL,"                                               \
    " org_id " INT64 " NOT NULL REFERENCES org_unit(id), can_read INTEGER NOT NULL,"                             \
    " can_write INTEGER NOT NULL, external_agents INTEGER NOT NULL DEFAULT 0,"                                   \
    " created_by " INT64 " REFERENCES account(id), revoked_at BIGINT, created_at BIGINT NOT NULL,"               \
    " updated_at BIGINT NOT NULL);"                                                                              \
    "CREATE INDEX xapi_client_org ON xapi_client(org_id);"                                                       \
    "CREATE TABLE xapi_statement (" PK ", statement_id TEXT NOT NULL UNIQUE,"                                    \
    " org_id " INT64 " NOT NULL REFERENCES org_unit(id), client_id " INT64                                       \
    " NOT NULL REFERENCES xapi_client(id), verb_id TEXT NOT NULL, registration TEXT, void_target TEXT,"          \
    " voided INTEGER NOT NULL DEFAULT 0, stored_ms BIGINT NOT NULL, body TEXT NOT NULL);" XAPI_STATEMENT_INDEXES \
    "CREATE TABLE xapi_statement_agent (agent_key TEXT NOT NULL, related INTEGER NOT NULL,"                      \
    " statement_pk " INT64 " NOT NULL REFERENCES xapi_statement(id),"                                            \
    " PRIMARY KEY (agent_key, related, statement_pk));"                                                          \
    "CREATE TABLE xapi_statement_activity (activity_id TEXT NOT NULL, related INTEGER NOT NULL,"                 \
    " statement_pk " INT64 " NOT NULL REFERENCES xapi_statement(id),"                                            \
    " PRIMARY KEY (activity_id, related, statement_pk));"                                                        \
    "CREATE TABLE xapi_activity (activity_id TEXT PRIMARY KEY, definition TEXT NOT NULL,"                        \
    " updated_at BIGINT NOT NULL);"                                                                              \
    "CREATE TABLE xapi_attachment (sha2 TEXT PRIMARY KEY, content_type TEXT NOT NULL, length BIGINT NOT NULL,"   \
    " data " BYTES " NOT NULL, created_at BIGINT NOT NULL);"

#define XAPI_DOCUMENTS(PK, INT64, BYTES)                                                                     \
    "CREATE TABLE xapi_document (" PK ", kind TEXT NOT NULL, activity_id TEXT NOT NULL,"                     \
    " agent_key TEXT NOT NULL, registration TEXT NOT NULL, doc_id TEXT NOT NULL,"                            \
    " org_id " INT64 " NOT NULL REFERENCES org_unit(id), content_type TEXT NOT NULL, content " BYTES         \
    " NOT NULL, etag TEXT NOT NULL, updated_ms BIGINT NOT NULL,"                                             \
    " UNIQUE (kind, activity_id, agent_key, registration, doc_id));"

/* Rebuild an index table of migration 1 as a WITHOUT ROWID table (SQLite only:
 * a PostgreSQL table is a heap and its primary key index either way). */
#define XAPI_INDEX_WITHOUT_ROWID(table, key)                                                                 \
    "CREATE TABLE " table "_new (" key " TEXT NOT NULL, related INTEGER NOT NULL,"                           \
    " statement_pk INTEGER NOT NULL REFERENCES xapi_statement(id),"                                          \
    " PRIMARY KEY (" key ", related, statement_pk)) WITHOUT ROWID;"                                          \
    "INSERT INTO " table "_new SELECT " key ", related, statement_pk FROM " table ";"                        \
    "DROP TABLE " table ";"                                                                                  \
    "ALTER TABLE " table "_new RENAME TO " table ";"

/* PostgreSQL: xapi_statement partitioned by the month of stored_ms (store/partition.h),
 * keyed by (id, stored_ms). A partitioned table cannot hold statement_id unique
 * across months, so xapi_statement_key (statement_id → id, not partitioned) does:
 * a trigger adds a row per stored statement, and a second statement under the same
 * id fails there with the uniqueness violation the LRS answers 409 to, whatever
 * month the first is in. The index tables reference it (checked at commit). */
#define XAPI_PARTITIONED_PG                                                                                                                     \
    "ALTER TABLE xapi_statement_agent DROP CONSTRAINT xapi_statement_agent_statement_pk_fkey;"                                                  \
    "ALTER TABLE xapi_statement_activity DROP CONSTRAINT xapi_statement_activity_statement_pk_fkey;"                                            \
    "ALTER TABLE xapi_statement RENAME TO xapi_statement_unpartitioned;"                                                                        \
    "ALTER TABLE xapi_statement_unpartitioned RENAME CONSTRAINT xapi_statement_pkey"                                                            \
    " TO xapi_statement_unpartitioned_pkey;"                                                                                                    \
    "ALTER TABLE xapi_statement_unpartitioned RENAME CONSTRAINT xapi_statement_statement_id_key"                                                \
    " TO xapi_statement_unpartitioned_statement_id_key;"                                                                                        \
    "DROP INDEX xapi_statement_org, xapi_statement_verb, xapi_statement_registration, xapi_statement_stored,"                                   \
    " xapi_statement_void;"                                                                                                                     \
    "CREATE TABLE xapi_statement (id BIGINT NOT NULL DEFAULT nextval('xapi_statement_id_seq'),"                                                 \
    " statement_id TEXT NOT NULL, org_id BIGINT NOT NULL REFERENCES org_unit(id),"                                                              \
    " client_id BIGINT NOT NULL REFERENCES xapi_client(id), verb_id TEXT NOT NULL, registration TEXT,"                                          \
    " void_target TEXT, voided INTEGER NOT NULL DEFAULT 0, stored_ms BIGINT NOT NULL, body TEXT NOT NULL)"                                      \
    " PARTITION BY RANGE (stored_ms);"                                                                                                          \
    "ALTER SEQUENCE xapi_statement_id_seq OWNED BY xapi_statement.id;" SH_PG_MONTHLY(                                                           \
        "xapi_statement", "stored_ms",                                                                                                          \
        "xapi_statement_unpartitioned") "INSERT INTO xapi_statement SELECT * FROM xapi_statement_unpartitioned;"                                \
                                        "CREATE TABLE xapi_statement_key (statement_id TEXT PRIMARY KEY, statement_pk BIGINT NOT NULL UNIQUE);" \
                                        "INSERT INTO xapi_statement_key SELECT statement_id, id FROM xapi_statement_unpartitioned;"             \
                                        "DROP TABLE xapi_statement_unpartitioned;"                                                              \
                                        "ALTER TABLE xapi_statement ADD PRIMARY KEY (id, stored_ms);"                                           \
                                        "CREATE INDEX xapi_statement_statement_id ON xapi_statement(statement_id);" XAPI_STATEMENT_INDEXES      \
                                        "ALTER TABLE xapi_statement_agent ADD FOREIGN KEY (statement_pk)"                                       \
                                        " REFERENCES xapi_statement_key(statement_pk) DEFERRABLE INITIALLY DEFERRED;"                           \
                                        "ALTER TABLE xapi_statement_activity ADD FOREIGN KEY (statement_pk)"                                    \
                                        " REFERENCES xapi_statement_key(statement_pk) DEFERRABLE INITIALLY DEFERRED;"                           \
                                        "CREATE FUNCTION xapi_statement_key_sync() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"                \
                                        " IF TG_OP = 'INSERT' THEN"                                                                             \
                                        " INSERT INTO xapi_statement_key (statement_id, statement_pk) VALUES (NEW.statement_id, NEW.id);"       \
                                        " ELSIF TG_OP = 'UPDATE' THEN"                                                                          \
                                        " UPDATE xapi_statement_key SET statement_id = NEW.statement_id WHERE statement_pk = NEW.id;"           \
                                        " ELSIF TG_OP = 'DELETE' THEN DELETE FROM xapi_statement_key WHERE statement_pk = OLD.id;"              \
                                        " ELSE DELETE FROM xapi_statement_key; END IF; RETURN NULL; END $$;"                                    \
                                        "CREATE TRIGGER xapi_statement_key_sync AFTER INSERT OR DELETE OR UPDATE OF statement_id"               \
                                        " ON xapi_statement FOR EACH ROW EXECUTE FUNCTION xapi_statement_key_sync();"                           \
                                        "CREATE TRIGGER xapi_statement_key_truncate AFTER TRUNCATE ON xapi_statement"                           \
                                        " FOR EACH STATEMENT EXECUTE FUNCTION xapi_statement_key_sync();"

static const sh_migration migrations[] = {
    {1, "LRS clients, statements with their filter indexes, activities, attachments",
     XAPI_TABLES("id INTEGER PRIMARY KEY", "INTEGER", "BLOB"),
     XAPI_TABLES("id BIGSERIAL PRIMARY KEY", "BIGINT", "BYTEA")},
    {2, "state, activity profile and agent profile documents",
     XAPI_DOCUMENTS("id INTEGER PRIMARY KEY", "INTEGER", "BLOB"),
     XAPI_DOCUMENTS("id BIGSERIAL PRIMARY KEY", "BIGINT", "BYTEA")},
    {3, "filter index tables without a rowid (SQLite): one B-tree insert per index row instead of two",
     XAPI_INDEX_WITHOUT_ROWID("xapi_statement_agent", "agent_key")
         XAPI_INDEX_WITHOUT_ROWID("xapi_statement_activity", "activity_id"),
     "SELECT 1"},
    {4, "statements partitioned by month, their ids unique through xapi_statement_key (PostgreSQL)",
     "SELECT 1", XAPI_PARTITIONED_PG},
};

static int start(sh_app *app, sh_err *err) {
    (void)err;
    x_multipart_init();
    x_install_auth(app);
    return SH_OK;
}

static void stop(sh_app *app) {
    (void)app;
    x_commit_stop();
}

#define XAPI_TAG "xAPI"

/* GET (one document or the ids), PUT (replace), POST (merge JSON), DELETE. No
 * server ETag: the documents carry their own (quoted SHA-1). */
#define XAPI_DOC_ROUTES(path, handler, what)                                                                   \
    {SH_GET,  path, "xapi.read", handler, "xAPI：读取" what, NULL, NULL, SH_ROUTE_NO_BODY | SH_ROUTE_RAW,      \
     XAPI_TAG},                                                                                                \
        {SH_PUT, path, "xapi.write", handler, "xAPI：存入（替换）" what, NULL, NULL, SH_ROUTE_RAW, XAPI_TAG},  \
        {SH_POST, path, "xapi.write", handler, "xAPI：合并 JSON 到" what, NULL, NULL, SH_ROUTE_RAW, XAPI_TAG}, \
    {                                                                                                          \
        SH_DELETE, path, "xapi.write", handler, "xAPI：删除" what, NULL, NULL, SH_ROUTE_RAW, XAPI_TAG          \
    }

static const sh_route routes[] = {
    {SH_GET, "/xapi/about", SH_PUBLIC, x_about, "xAPI：本 LRS 支持的版本（无需认证）", NULL, NULL,
     SH_ROUTE_NO_BODY, XAPI_TAG},
    {SH_GET, "/xapi/statements", "xapi.read", x_statements,
     "xAPI：按 statementId / voidedStatementId 读取一条语句，或按 agent、verb、activity、registration、since、until "
     "等条件查询（more 翻页；只含本客户端管辖范围内的语句）",
     NULL, NULL, SH_ROUTE_NO_BODY, XAPI_TAG},
    {SH_PUT, "/xapi/statements", "xapi.write", x_statements,
     "xAPI：以 statementId 存入一条语句（JSON 或带附件的 multipart/mixed）", NULL, NULL, 0, XAPI_TAG},
    {SH_POST, "/xapi/statements", "xapi.write", x_statements,
     "xAPI：存入一条或一批语句（全部合法才存入），或以 ?method= 使用替代请求语法", NULL, NULL, 0, XAPI_TAG},
    {SH_GET, "/xapi/agents", "xapi.read", x_agents, "xAPI：人员（Person）对象", NULL, NULL, SH_ROUTE_NO_BODY,
     XAPI_TAG},
    {SH_GET, "/xapi/activities", "xapi.read", x_activities, "xAPI：活动及其合并后的定义", NULL, NULL,
     SH_ROUTE_NO_BODY, XAPI_TAG},
    XAPI_DOC_ROUTES("/xapi/activities/state", x_state,
                    "学习状态文档（activityId、agent、registration、stateId）"),
    XAPI_DOC_ROUTES("/xapi/activities/profile", x_activity_profile,
                    "活动档案文档（activityId、profileId；ETag 并发控制）"),
    XAPI_DOC_ROUTES("/xapi/agents/profile", x_agent_profile,
                    "人员档案文档（agent、profileId；ETag 并发控制）"),
    {SH_GET, "/api/v1/xapi/clients", "xapi.manage", x_clients_list, "列出 LRS 客户端", NULL, &x_client_entity,
     SH_ROUTE_LIST, XAPI_TAG},
    {SH_POST, "/api/v1/xapi/clients", "xapi.manage", x_clients_create,
     "登记 LRS 客户端（绑定机构与读写权限；secret 只显示一次）", NULL, &x_client_entity, 0, XAPI_TAG},
    {SH_GET, "/api/v1/xapi/statements", "xapi.manage", x_console_statements,
     "浏览学习记录语句（管理控制台）：与 /xapi/statements 相同的筛选（agent 可为人员编号）与 more 翻页，"
     "只含您有 xapi.manage 权限的机构及其下属机构的语句",
     NULL, NULL, SH_ROUTE_NO_BODY, XAPI_TAG},
    {SH_DELETE, "/api/v1/xapi/clients/{id}", "xapi.manage", x_clients_revoke, "撤销 LRS 客户端", NULL, NULL,
     0, XAPI_TAG},
};

const sh_module sh_xapi_module = {
    .name = "xapi",
    .label = "学习记录库（xAPI）",
    .routes = routes,
    .nroutes = sizeof routes / sizeof routes[0],
    .migrations = migrations,
    .nmigrations = sizeof migrations / sizeof migrations[0],
    .entities = entities,
    .nentities = sizeof entities / sizeof entities[0],
    .start = start,
    .stop = stop,
};
