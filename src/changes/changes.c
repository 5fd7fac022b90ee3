/* changes.c — the change_log table, the change feed and per-record history. See
 * changes.h. */
#include "changes/changes.h"

#include "core/clock.h"
#include "identity/access.h"
#include "store/partition.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const sh_field change_fields[] = {
    {.name = "version", .column = "version", .type = SH_T_KEY, .label = "变更版本", .grade = SH_L1},
    {.name = "entity", .column = "entity", .type = SH_T_TEXT, .label = "实体", .grade = SH_L1},
    {.name = "id", .column = "row_uid", .type = SH_T_TEXT, .label = "记录标识", .grade = SH_L1},
    {.name = "_school",
     .column = "school_id",
     .type = SH_T_INT,
     .label = "所属学校",
     .grade = SH_L1,
     .flags = SH_F_INTERNAL},
    {.name = "op",
     .column = "op",
     .type = SH_T_TEXT,
     .label = "操作（create/update/delete）",
     .grade = SH_L1},
    {.name = "fields",
     .column = "fields",
     .type = SH_T_TEXT,
     .label = "变更字段",
     .grade = SH_L2,
     .doc = "JSON 数组；L1–L2 字段带变更前后的值，L3 及以上只记字段名"},
    {.name = "natural_key", .column = "natural_key", .type = SH_T_TEXT, .label = "自然键", .grade = SH_L2},
    {.name = "_actor",
     .column = "actor_id",
     .type = SH_T_INT,
     .label = "操作人",
     .grade = SH_L2,
     .flags = SH_F_INTERNAL},
    {.name = "source",
     .column = "source",
     .type = SH_T_TEXT,
     .label = "来源",
     .grade = SH_L1,
     .doc = "console 控制台、api 接口、import 批量导入、sync 同步、system 系统"},
    {.name = "source_ref", .column = "source_ref", .type = SH_T_TEXT, .label = "来源标识", .grade = SH_L1},
    {.name = "at", .column = "at", .type = SH_T_TIME, .label = "时间", .grade = SH_L1},
};

static const sh_entity change_entity = {
    .name = "change", .table = "change_log", .label = "数据变更", SH_FIELDS(change_fields)};

static const sh_migration migrations[] = {
    {1, "change log",
     "CREATE TABLE change_log (version INTEGER PRIMARY KEY, entity TEXT NOT NULL, row_uid TEXT NOT NULL,"
     " school_id INTEGER, op TEXT NOT NULL, fields TEXT NOT NULL, natural_key TEXT, actor_id INTEGER,"
     " source TEXT NOT NULL, source_ref TEXT, at BIGINT NOT NULL);"
     "CREATE INDEX change_log_row ON change_log(row_uid, version);",
     "CREATE TABLE change_log (version BIGSERIAL PRIMARY KEY, entity TEXT NOT NULL, row_uid TEXT NOT NULL,"
     " school_id BIGINT, op TEXT NOT NULL, fields TEXT NOT NULL, natural_key TEXT, actor_id BIGINT,"
     " source TEXT NOT NULL, source_ref TEXT, at BIGINT NOT NULL);"
     "CREATE INDEX change_log_row ON change_log(row_uid, version);"},
    /* PostgreSQL: partitioned by the month of at (store/partition.h), keyed by
     * (version, at); version keeps its one sequence, so the feed's order is the
     * same single increasing number across months. */
    {2, "change log partitioned by month (PostgreSQL)", "SELECT 1",
     "ALTER TABLE change_log RENAME TO change_log_unpartitioned;"
     "ALTER TABLE change_log_unpartitioned RENAME CONSTRAINT change_log_pkey TO change_log_unpartitioned_pkey;"
     "DROP INDEX change_log_row;"
     "CREATE TABLE change_log (version BIGINT NOT NULL DEFAULT nextval('change_log_version_seq'),"
     " entity TEXT NOT NULL, row_uid TEXT NOT NULL, school_id BIGINT, op TEXT NOT NULL, fields TEXT NOT NULL,"
     " natural_key TEXT, actor_id BIGINT, source TEXT NOT NULL, source_ref TEXT, at BIGINT NOT NULL)"
     " PARTITION BY RANGE (at);"
     "ALTER SEQUENCE change_log_version_seq OWNED BY change_log.version;" SH_PG_MONTHLY(
         "change_log", "at",
         "change_log_unpartitioned") "INSERT INTO change_log SELECT * FROM change_log_unpartitioned;"
                                     "DROP TABLE change_log_unpartitioned;"
                                     "ALTER TABLE change_log ADD PRIMARY KEY (version, at);"
                                     "CREATE INDEX change_log_row ON change_log(row_uid, version);"},
};

#define FEED_DEFAULT_LIMIT 100
#define FEED_MAX_LIMIT 1000

/* One change as JSON; the stored JSON texts are parsed back so clients get
 * structure, not strings. With_actor adds the account's login (history view). */
static json_t *change_json(sh_stmt *s, int with_actor) {
    json_t *o = json_object();
    json_object_set_new(o, "version", json_integer(sh_col_i64(s, 0)));
    json_object_set_new(o, "entity", json_string(sh_col_text(s, 1)));
    json_object_set_new(o, "id", json_string(sh_col_text(s, 2)));
    json_object_set_new(o, "op", json_string(sh_col_text(s, 3)));
    json_t *fields = json_loads(sh_col_text(s, 4), 0, NULL);
    json_object_set_new(o, "fields", fields ? fields : json_array());
    if (!sh_col_is_null(s, 5)) {
        json_t *nk = json_loads(sh_col_text(s, 5), 0, NULL);
        if (nk)
            json_object_set_new(o, "natural_key", nk);
    }
    json_object_set_new(o, "source", json_string(sh_col_text(s, 6)));
    if (!sh_col_is_null(s, 7))
        json_object_set_new(o, "source_ref", json_string(sh_col_text(s, 7)));
    char iso[SH_ISO_LEN];
    sh_fmt_iso_ms(sh_col_i64(s, 8), iso);
    json_object_set_new(o, "at", json_string(iso));
    if (with_actor)
        json_object_set_new(o, "actor", sh_col_is_null(s, 9) ? json_null() : json_string(sh_col_text(s, 9)));
    return o;
}

static int parse_count(const char *v, int64_t min, int64_t max, int64_t *out) {
    if (!v || !*v || strlen(v) > 19)
        return SH_ERR;
    for (const char *p = v; *p; p++)
        if (*p < '0' || *p > '9')
            return SH_ERR;
    long long n = strtoll(v, NULL, 10);
    if (n < min || n > max)
        return SH_ERR;
    *out = n;
    return SH_OK;
}

static void check_args(void *ctx, const char *k, const char *v) {
    (void)v;
    int *unknown = ctx;
    if (strcmp(k, "since") != 0 && strcmp(k, "limit") != 0 && strcmp(k, "entity") != 0)
        (*unknown)++;
}

/* GET /api/v1/changes?since=VERSION[&limit=N][&entity=NAME] */
static int change_feed(sh_req *req) {
    int unknown = 0;
    sh_req_each_query(req, check_args, &unknown);
    if (unknown)
        return sh_err_set(&req->err, 400, "unknown_parameter", NULL, "只接受 since、limit、entity 参数");
    int64_t since = 0, limit = FEED_DEFAULT_LIMIT;
    const char *v = sh_req_query(req, "since");
    if (v && parse_count(v, 0, INT64_MAX, &since) != SH_OK)
        return sh_err_set(&req->err, 400, "invalid_since", "since",
                          "since 应为非负整数（上次取到的变更版本）");
    v = sh_req_query(req, "limit");
    if (v && parse_count(v, 1, FEED_MAX_LIMIT, &limit) != SH_OK)
        return sh_err_set(&req->err, 400, "invalid_limit", "limit", "limit 应为 1 到 %d 之间的整数",
                          FEED_MAX_LIMIT);
    const char *entity = sh_req_query(req, "entity");
    sh_scope sc;
    if (sh_scope_org(req, "change.read", "school_id", &sc) != SH_OK)
        return SH_ERR;
    char sql[1024];
    /* city-wide rows (no school) reach every holder of the permission */
    snprintf(
        sql, sizeof sql,
        "SELECT t.version, t.entity, t.row_uid, t.op, t.fields, t.natural_key, t.source, t.source_ref, t.at"
        " FROM change_log t WHERE t.version > $2 AND (t.school_id IS NULL OR %s)%s"
        " ORDER BY t.version LIMIT $3",
        sc.where, entity ? " AND t.entity = $4" : "");
    sh_conn *c = sh_req_conn(req);
    sh_stmt *s = c ? sh_prepare(c, sql, &req->err) : NULL;
    if (!s)
        return SH_ERR;
    sc.bind(s, sc.ctx);
    sh_bind_i64(s, 2, since);
    sh_bind_i64(s, 3, limit);
    if (entity)
        sh_bind_text(s, 4, entity, -1);
    json_t *items = json_array();
    int64_t last = since;
    int rc;
    while ((rc = sh_step(s, &req->err)) == SH_ROW) {
        last = sh_col_i64(s, 0);
        json_array_append_new(items, change_json(s, 0));
    }
    sh_stmt_done(s);
    if (rc == SH_ERR) {
        json_decref(items);
        return SH_ERR;
    }
    json_t *out = json_object();
    json_object_set_new(out, "has_more", json_boolean((int64_t)json_array_size(items) == limit));
    json_object_set_new(out, "items", items);
    json_object_set_new(out, "next_since", json_integer(last));
    return sh_reply_json(req, 200, out);
}

int sh_changes_history(sh_req *req, const sh_entity *e, const char *uid, const sh_scope *scope) {
    if (!uid || strlen(uid) > 64)
        return sh_err_set(&req->err, 404, "not_found", NULL, "%s不存在", e->label);
    sh_conn *c = sh_req_conn(req);
    if (!c)
        return SH_ERR;
    /* the record must be in reach, exactly like a read of it */
    char sql[1024];
    int extra = scope ? scope->nparams : 0;
    snprintf(sql, sizeof sql, "SELECT 1 FROM %s t WHERE t.uid = $%d%s%s%s", e->table, extra + 1,
             scope && scope->where ? " AND (" : "", scope && scope->where ? scope->where : "",
             scope && scope->where ? ")" : "");
    sh_stmt *s = sh_prepare(c, sql, &req->err);
    if (!s)
        return SH_ERR;
    if (scope && scope->bind)
        scope->bind(s, scope->ctx);
    sh_bind_text(s, extra + 1, uid, -1);
    int rc = sh_step(s, &req->err);
    sh_stmt_done(s);
    if (rc == SH_ERR)
        return SH_ERR;
    if (rc == SH_DONE)
        return sh_err_set(&req->err, 404, "not_found", NULL, "%s不存在", e->label);
    s = sh_prepare(
        c,
        "SELECT t.version, t.entity, t.row_uid, t.op, t.fields, t.natural_key, t.source, t.source_ref,"
        " t.at, a.login FROM change_log t LEFT JOIN account a ON a.id = t.actor_id"
        " WHERE t.row_uid = $1 AND t.entity = $2 ORDER BY t.version",
        &req->err);
    if (!s)
        return SH_ERR;
    sh_bind_text(s, 1, uid, -1);
    sh_bind_text(s, 2, e->name, -1);
    json_t *items = json_array();
    while ((rc = sh_step(s, &req->err)) == SH_ROW)
        json_array_append_new(items, change_json(s, 1));
    sh_stmt_done(s);
    return sh_reply_items(req, items, rc);
}

static const sh_route routes[] = {
    {SH_GET, "/api/v1/changes", "change.read", change_feed,
     "变更流：取某版本之后的全部变更（含删除的墓碑与自然键），供订阅系统增量同步", NULL, &change_entity,
     SH_ROUTE_NO_BODY},
};

static const sh_entity *const entities[] = {&change_entity};

const sh_module sh_changes_module = {
    .name = "changes",
    .label = "数据变更",
    .routes = routes,
    .nroutes = sizeof routes / sizeof routes[0],
    .migrations = migrations,
    .nmigrations = sizeof migrations / sizeof migrations[0],
    .entities = entities,
    .nentities = sizeof entities / sizeof entities[0],
};
