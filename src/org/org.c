/* org.c — organisation tree declarations, storage, closure maintenance and the
 * read API (scoped by the identity module's authorisation). */
#include "org/org.h"

#include "app.h"
#include "core/alloc.h"
#include "core/clock.h"
#include "http/kept.h"
#include "identity/access.h"
#include "model/api.h"
#include "model/identifiers.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

static int check_kind(const sh_field *f, const char *v, sh_err *err) {
    static const char *kinds[] = {SH_ORG_CITY,  SH_ORG_DISTRICT, SH_ORG_SCHOOL,    SH_ORG_CAMPUS,
                                  SH_ORG_GRADE, SH_ORG_CLASS,    SH_ORG_DEPARTMENT};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(v, kinds[i]) == 0)
            return SH_OK;
    return sh_err_add(err, 400, "invalid_kind", f->name, v,
                      "“%s”应为 city、district、school、campus、grade、class 或 department 之一", f->label);
}

static const sh_field org_fields[] = {
    SH_FIELD_KEY,
    SH_FIELD_UID("机构标识"),
    {.name = "kind",
     .column = "kind",
     .type = SH_T_TEXT,
     .label = "机构类型",
     .grade = SH_L1,
     .max_len = 16,
     .flags = SH_F_REQUIRED | SH_F_FILTER | SH_F_IMMUTABLE,
     .check = check_kind,
     .doc = "city 市、district 区县、school 学校、campus 校区、grade 年级、class 班级、department 局内处室"},
    {.name = "name",
     .column = "name",
     .type = SH_T_TEXT,
     .label = "名称",
     .grade = SH_L1,
     .max_len = 100,
     .flags = SH_F_REQUIRED | SH_F_FILTER},
    {.name = "parent",
     .column = "parent_id",
     .type = SH_T_REF,
     .ref = "org_unit",
     .label = "上级机构",
     .grade = SH_L1,
     .flags = SH_F_FILTER},
    {.name = "region_code",
     .column = "region_code",
     .type = SH_T_CODE,
     .code_table = "gb2260_region",
     .label = "行政区划码",
     .grade = SH_L1,
     .max_len = 6,
     .flags = SH_F_FILTER},
    {.name = "school_code",
     .column = "school_code",
     .type = SH_T_TEXT,
     .label = "学校标识码",
     .grade = SH_L1,
     .max_len = 10,
     .flags = SH_F_FILTER | SH_F_UNIQUE,
     .check = sh_check_school_code},
    {.name = "_school",
     .column = "school_id",
     .type = SH_T_INT,
     .label = "所属学校",
     .grade = SH_L1,
     .flags = SH_F_INTERNAL},
    SH_FIELD_CREATED_AT,
    SH_FIELD_UPDATED_AT,
};

const sh_entity sh_org_unit_entity = {
    .name = "org_unit", .table = "org_unit", .label = "机构", SH_FIELDS(org_fields)};

static const sh_field closure_fields[] = {
    {.name = "ancestor", .column = "ancestor_id", .type = SH_T_INT, .label = "上级机构", .grade = SH_L1},
    {.name = "descendant", .column = "descendant_id", .type = SH_T_INT, .label = "下级机构", .grade = SH_L1},
    {.name = "depth", .column = "depth", .type = SH_T_INT, .label = "层级差", .grade = SH_L1},
};

static const sh_entity closure_entity = {.name = "org_closure",
                                         .table = "org_closure",
                                         .label = "机构层级关系",
                                         SH_FIELDS(closure_fields),
                                         .flags = SH_E_INTERNAL};

static const sh_field history_fields[] = {
    {.name = "org", .column = "org_id", .type = SH_T_INT, .label = "机构", .grade = SH_L1},
    {.name = "name", .column = "name", .type = SH_T_TEXT, .label = "原名称", .grade = SH_L1},
    {.name = "parent", .column = "parent_id", .type = SH_T_INT, .label = "原上级机构", .grade = SH_L1},
    {.name = "valid_from", .column = "valid_from", .type = SH_T_TIME, .label = "起始时间", .grade = SH_L1},
    {.name = "valid_to", .column = "valid_to", .type = SH_T_TIME, .label = "截止时间", .grade = SH_L1},
    {.name = "changed_by", .column = "changed_by", .type = SH_T_INT, .label = "修改人", .grade = SH_L2},
};

static const sh_entity history_entity = {.name = "org_history",
                                         .table = "org_history",
                                         .label = "机构沿革",
                                         SH_FIELDS(history_fields),
                                         .flags = SH_E_INTERNAL};

static const sh_migration migrations[] = {
    {1, "organisation tree",
     "CREATE TABLE org_unit ("
     " id INTEGER PRIMARY KEY, uid TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, name TEXT NOT NULL,"
     " parent_id INTEGER REFERENCES org_unit(id), region_code TEXT, school_code TEXT UNIQUE,"
     " school_id INTEGER, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);"
     "CREATE INDEX org_unit_parent ON org_unit(parent_id);"
     "CREATE TABLE org_closure ("
     " ancestor_id INTEGER NOT NULL REFERENCES org_unit(id), descendant_id INTEGER NOT NULL REFERENCES org_unit(id),"
     " depth INTEGER NOT NULL, PRIMARY KEY (ancestor_id, descendant_id));"
     "CREATE INDEX org_closure_descendant ON org_closure(descendant_id, ancestor_id);",
     "CREATE TABLE org_unit ("
     " id BIGSERIAL PRIMARY KEY, uid TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, name TEXT NOT NULL,"
     " parent_id BIGINT REFERENCES org_unit(id), region_code TEXT, school_code TEXT UNIQUE,"
     " school_id BIGINT, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);"
     "CREATE INDEX org_unit_parent ON org_unit(parent_id);"
     "CREATE TABLE org_closure ("
     " ancestor_id BIGINT NOT NULL REFERENCES org_unit(id), descendant_id BIGINT NOT NULL REFERENCES org_unit(id),"
     " depth INTEGER NOT NULL, PRIMARY KEY (ancestor_id, descendant_id));"
     "CREATE INDEX org_closure_descendant ON org_closure(descendant_id, ancestor_id);"},
    {2, "organisation history (renames and moves)",
     "CREATE TABLE org_history (org_id INTEGER NOT NULL REFERENCES org_unit(id), name TEXT NOT NULL,"
     " parent_id INTEGER, valid_from BIGINT NOT NULL, valid_to BIGINT NOT NULL, changed_by INTEGER,"
     " PRIMARY KEY (org_id, valid_to));",
     "CREATE TABLE org_history (org_id BIGINT NOT NULL REFERENCES org_unit(id), name TEXT NOT NULL,"
     " parent_id BIGINT, valid_from BIGINT NOT NULL, valid_to BIGINT NOT NULL, changed_by BIGINT,"
     " PRIMARY KEY (org_id, valid_to));"},
    {3, "find a school's classes and grades by name (imports name them)",
     "CREATE INDEX org_unit_school ON org_unit(school_id, kind, name);",
     "CREATE INDEX org_unit_school ON org_unit(school_id, kind, name);"},
};

int sh_org_insert(sh_conn *c, const sh_org_new *n, int64_t *id, sh_err *err) {
    char uid[27];
    if (!n->uid)
        sh_new_uid(uid);
    int64_t now = sh_now_ms();
    sh_stmt *s =
        sh_prepare(c,
                   "INSERT INTO org_unit (uid, kind, name, parent_id, region_code, school_code,"
                   " school_id, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$8) RETURNING id",
                   err);
    if (!s)
        return SH_ERR;
    sh_bind_text(s, 1, n->uid ? n->uid : uid, -1);
    sh_bind_text(s, 2, n->kind, -1);
    sh_bind_text(s, 3, n->name, -1);
    if (n->parent)
        sh_bind_i64(s, 4, n->parent);
    else
        sh_bind_null(s, 4);
    sh_bind_text(s, 5, n->region_code, -1);
    sh_bind_text(s, 6, n->school_code, -1);
    if (n->school_id)
        sh_bind_i64(s, 7, n->school_id);
    else
        sh_bind_null(s, 7);
    sh_bind_i64(s, 8, now);
    int rc = sh_step(s, err);
    if (rc == SH_ROW)
        *id = sh_col_i64(s, 0);
    sh_stmt_done(s);
    if (rc != SH_ROW)
        return SH_ERR;
    s = sh_prepare(
        c,
        "INSERT INTO org_closure (ancestor_id, descendant_id, depth) "
        "SELECT ancestor_id, CAST($1 AS BIGINT), depth + 1 FROM org_closure WHERE descendant_id = $2 "
        "UNION ALL SELECT CAST($1 AS BIGINT), CAST($1 AS BIGINT), 0",
        err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, *id);
    sh_bind_i64(s, 2, n->parent);
    rc = sh_step(s, err);
    sh_stmt_done(s);
    return rc == SH_ERR ? SH_ERR : SH_OK;
}

static int list_orgs(sh_req *req) {
    sh_scope sc;
    return sh_scope_org(req, "org.read", "id", &sc) == SH_OK ? sh_api_list(req, &sh_org_unit_entity, &sc)
                                                             : SH_ERR;
}

/* An org's record is read on every page of the console and changes rarely: the
 * reply is kept per org and reach while the tree is unchanged (http/kept.h). */
static int get_org(sh_req *req) {
    static const char *const tables[] = {"org_unit", "org_closure", NULL};
    const char *uid = sh_req_param(req, "id");
    const char *reach = sh_scope_reach(req, "org.read");
    const char *key =
        uid && reach && strlen(uid) <= 64 ? sh_psprintf(req->pool, "org %s %s", uid, reach) : NULL;
    uint64_t generation = sh_db_generation(req->app->db, tables);
    int kept = sh_kept_reply(req, key, generation);
    if (kept != 0)
        return kept > 0 ? SH_OK : SH_ERR;
    sh_scope sc;
    if (sh_scope_org(req, "org.read", "id", &sc) != SH_OK ||
        sh_api_get(req, &sh_org_unit_entity, uid, &sc) != SH_OK)
        return SH_ERR;
    sh_kept_keep(req, key, generation);
    return SH_OK;
}

/* The kinds a node of each kind may sit under. */
static int parent_fits(const char *kind, const char *parent_kind) {
    static const struct {
        const char *kind, *parents;
    } fits[] = {
        {SH_ORG_DISTRICT, " city "}, {SH_ORG_SCHOOL, " district "},
        {SH_ORG_CAMPUS, " school "}, {SH_ORG_GRADE, " school campus "},
        {SH_ORG_CLASS, " grade "},   {SH_ORG_DEPARTMENT, " city district "},
    };
    char word[24];
    snprintf(word, sizeof word, " %s ", parent_kind ? parent_kind : "");
    for (size_t i = 0; i < sizeof fits / sizeof fits[0]; i++)
        if (strcmp(fits[i].kind, kind) == 0)
            return strstr(fits[i].parents, word) != NULL;
    return 0; /* a city is the root and is made by `shushu init` */
}

typedef struct org_row {
    int64_t id, parent, school_id;
    char kind[16];
} org_row;

/* An org by public id, within the caller's reach for perm (else 404, like missing). */
static int find_org(sh_req *req, const char *uid, const char *perm, org_row *o) {
    sh_scope sc;
    sh_conn *c = sh_req_conn(req);
    if (!c || sh_scope_org(req, perm, "id", &sc) != SH_OK)
        return SH_ERR;
    sh_buf *sql = sh_pool_buf(req->pool, 400);
    if (!sql)
        return SH_ERR;
    sh_buf_printf(sql,
                  "SELECT t.id, COALESCE(t.parent_id, 0), t.kind, COALESCE(t.school_id, 0) FROM org_unit t"
                  " WHERE t.uid = $2 AND %s",
                  sc.where);
    sh_stmt *s = sh_buf_ok(sql) == SH_OK ? sh_prepare(c, sql->data, &req->err) : NULL;
    if (!s)
        return SH_ERR;
    sc.bind(s, sc.ctx);
    sh_bind_text(s, 2, uid ? uid : "", -1);
    int rc = sh_step(s, &req->err);
    if (rc == SH_ROW) {
        o->id = sh_col_i64(s, 0);
        o->parent = sh_col_i64(s, 1);
        snprintf(o->kind, sizeof o->kind, "%s", sh_col_text(s, 2));
        o->school_id = sh_col_i64(s, 3);
    }
    sh_stmt_done(s);
    return rc;
}

/* The school a node under parent belongs to: the parent itself when it is a school. */
static int64_t school_of(const org_row *parent) {
    return strcmp(parent->kind, SH_ORG_SCHOOL) == 0 ? parent->id : parent->school_id;
}

static int create_org(sh_req *req) {
    json_t *b = NULL;
    if (sh_req_json(req, &b) != SH_OK)
        return SH_ERR;
    int rc = SH_ERR;
    sh_record r;
    org_row parent = {0};
    if (sh_record_from_json(req->pool, &sh_org_unit_entity, b, SH_INPUT_CREATE, &r, &req->err) != SH_OK)
        goto out;
    const char *kind = r.v[sh_entity_field_index(&sh_org_unit_entity, "kind")].s;
    const char *parent_uid = r.v[sh_entity_field_index(&sh_org_unit_entity, "parent")].s;
    int found = parent_uid ? find_org(req, parent_uid, "org.write", &parent) : SH_DONE;
    if (found == SH_ERR)
        goto out;
    if (found == SH_DONE) {
        sh_err_set(&req->err, 400, "unknown_parent", "parent", "上级机构不存在或不在您的管辖范围内");
        goto out;
    }
    if (!parent_fits(kind, parent.kind)) {
        sh_err_set(&req->err, 400, "wrong_parent", "parent", "“%s”类机构不能设在“%s”类机构之下", kind,
                   parent.kind);
        goto out;
    }
    const char *school_code = r.v[sh_entity_field_index(&sh_org_unit_entity, "school_code")].s;
    if (strcmp(kind, SH_ORG_SCHOOL) == 0 && !school_code) {
        sh_err_set(&req->err, 400, "required", "school_code", "学校须填写学校标识码");
        goto out;
    }
    if (strcmp(kind, SH_ORG_SCHOOL) != 0 && school_code) {
        sh_err_set(&req->err, 400, "not_a_school", "school_code", "只有学校有学校标识码");
        goto out;
    }
    sh_conn *c = sh_req_conn(req);
    char uid[27], object[64];
    sh_new_uid(uid);
    sh_org_new n = {.kind = kind,
                    .name = r.v[sh_entity_field_index(&sh_org_unit_entity, "name")].s,
                    .region_code = r.v[sh_entity_field_index(&sh_org_unit_entity, "region_code")].s,
                    .school_code = school_code,
                    .parent = parent.id,
                    .uid = uid,
                    .school_id = school_of(&parent)};
    int64_t id;
    snprintf(object, sizeof object, "org_unit:%s", uid);
    if (sh_begin_write(c, &req->err) != SH_OK)
        goto out;
    if (sh_org_insert(c, &n, &id, &req->err) != SH_OK ||
        sh_audit_req(req, "create", 1, object, n.name) != SH_OK || sh_commit(c, &req->err) != SH_OK) {
        sh_rollback(c);
        if (req->err.status == 409)
            sh_err_set(&req->err, 409, "school_code_taken", "school_code", "学校标识码“%s”已被使用",
                       school_code);
        goto out;
    }
    if ((rc = sh_api_get(req, &sh_org_unit_entity, uid, NULL)) == SH_OK)
        req->status = 201;
out:
    json_decref(b);
    return rc;
}

/* Run a write binding ids as $1..$n and, with_text, text (maybe NULL) as $(n+1). */
static int exec_ids(sh_conn *c, const char *sql, const int64_t *ids, int n, int with_text, const char *text,
                    sh_err *err) {
    sh_stmt *s = sh_prepare(c, sql, err);
    if (!s)
        return SH_ERR;
    for (int i = 0; i < n; i++)
        sh_bind_i64(s, i + 1, ids[i]);
    if (with_text)
        sh_bind_text(s, n + 1, text, -1);
    int rc = sh_step(s, err);
    sh_stmt_done(s);
    return rc == SH_ERR ? SH_ERR : SH_OK;
}

/* Rename and/or move a node; the old name and parent are kept in org_history. */
static int update_org(sh_req *req) {
    json_t *b = NULL;
    if (sh_req_json(req, &b) != SH_OK)
        return SH_ERR;
    int rc = SH_ERR;
    sh_record r;
    org_row o = {0}, parent = {0};
    const char *key;
    json_t *v;
    json_object_foreach(b, key, v) {
        if (strcmp(key, "name") != 0 && strcmp(key, "parent") != 0)
            sh_err_add(&req->err, 400, "immutable", key, NULL, "只能修改名称（name）和上级机构（parent）");
    }
    if (sh_err_count(&req->err) ||
        sh_record_from_json(req->pool, &sh_org_unit_entity, b, SH_INPUT_UPDATE, &r, &req->err) != SH_OK)
        goto out;
    int found = find_org(req, sh_req_param(req, "id"), "org.write", &o);
    if (found != SH_ROW) {
        if (found == SH_DONE)
            sh_err_set(&req->err, 404, "not_found", NULL, "机构不存在");
        goto out;
    }
    const char *name = r.v[sh_entity_field_index(&sh_org_unit_entity, "name")].s;
    const char *parent_uid = r.v[sh_entity_field_index(&sh_org_unit_entity, "parent")].s;
    int64_t new_parent = o.parent;
    if (parent_uid) {
        found = find_org(req, parent_uid, "org.write", &parent);
        if (found == SH_ERR)
            goto out;
        if (found == SH_DONE) {
            sh_err_set(&req->err, 400, "unknown_parent", "parent", "上级机构不存在或不在您的管辖范围内");
            goto out;
        }
        if (!parent_fits(o.kind, parent.kind)) {
            sh_err_set(&req->err, 400, "wrong_parent", "parent", "“%s”类机构不能设在“%s”类机构之下", o.kind,
                       parent.kind);
            goto out;
        }
        if (o.school_id && school_of(&parent) != o.school_id) {
            sh_err_set(&req->err, 400, "other_school", "parent", "年级、班级只能在本校内调整");
            goto out;
        }
        new_parent = parent.id;
    }
    sh_conn *c = sh_req_conn(req);
    int64_t under = 0;
    if (new_parent != o.parent) { /* a node cannot move under itself or its own subtree */
        sh_stmt *s = sh_prepare(c, "SELECT 1 FROM org_closure WHERE ancestor_id = $1 AND descendant_id = $2",
                                &req->err);
        if (!s)
            goto out;
        sh_bind_i64(s, 1, o.id);
        sh_bind_i64(s, 2, new_parent);
        under = sh_step(s, &req->err);
        sh_stmt_done(s);
        if (under == SH_ERR)
            goto out;
        if (under == SH_ROW) {
            sh_err_set(&req->err, 400, "cycle", "parent", "不能把机构移到它自己的下级之下");
            goto out;
        }
    }
    int64_t now = sh_now_ms();
    char object[64];
    snprintf(object, sizeof object, "org_unit:%s", sh_req_param(req, "id"));
    if (sh_begin_write(c, &req->err) != SH_OK)
        goto out;
    int64_t args[] = {o.id, now, sh_principal_of(req)->account_id, new_parent};
    int st = exec_ids(c,
                      "INSERT INTO org_history (org_id, name, parent_id, valid_from, valid_to, changed_by)"
                      " SELECT id, name, parent_id, updated_at, $2, $3 FROM org_unit WHERE id = $1",
                      args, 3, 0, NULL, &req->err);
    if (st == SH_OK)
        st = exec_ids(
            c, "UPDATE org_unit SET parent_id = $4, updated_at = $2, name = COALESCE($5, name) WHERE id = $1",
            args, 4, 1, name, &req->err);
    if (st == SH_OK && new_parent != o.parent) /* re-hang the subtree: drop the old ancestors, add the new */
        st =
            exec_ids(c,
                     "DELETE FROM org_closure WHERE descendant_id IN"
                     " (SELECT descendant_id FROM org_closure WHERE ancestor_id = $1) AND ancestor_id NOT IN"
                     " (SELECT descendant_id FROM org_closure WHERE ancestor_id = $1)",
                     args, 1, 0, NULL, &req->err) == SH_OK &&
                    exec_ids(
                        c,
                        "INSERT INTO org_closure (ancestor_id, descendant_id, depth)"
                        " SELECT a.ancestor_id, d.descendant_id, a.depth + d.depth + 1"
                        " FROM org_closure a, org_closure d WHERE a.descendant_id = $2 AND d.ancestor_id = $1",
                        (int64_t[]){o.id, new_parent}, 2, 0, NULL, &req->err) == SH_OK
                ? SH_OK
                : SH_ERR;
    char *detail = json_dumps(b, JSON_COMPACT | JSON_SORT_KEYS);
    if (st == SH_ERR || sh_audit_req(req, "update", 1, object, detail) != SH_OK ||
        sh_commit(c, &req->err) != SH_OK)
        sh_rollback(c);
    else
        rc = sh_api_get(req, &sh_org_unit_entity, sh_req_param(req, "id"), NULL);
    sh_free(detail);
out:
    json_decref(b);
    return rc;
}

/* The node's ancestors from the root down (for breadcrumbs), itself last. */
static int org_path(sh_req *req) {
    org_row o;
    int found = find_org(req, sh_req_param(req, "id"), "org.read", &o);
    if (found != SH_ROW)
        return found == SH_DONE ? sh_err_set(&req->err, 404, "not_found", NULL, "机构不存在") : SH_ERR;
    sh_conn *c = sh_req_conn(req);
    sh_stmt *s =
        sh_prepare(c,
                   "SELECT u.uid, u.kind, u.name FROM org_closure x JOIN org_unit u ON u.id = x.ancestor_id"
                   " WHERE x.descendant_id = $1 ORDER BY x.depth DESC",
                   &req->err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, o.id);
    json_t *items = json_array();
    int rc;
    while ((rc = sh_step(s, &req->err)) == SH_ROW) {
        json_t *n = json_object();
        json_object_set_new(n, "id", json_string(sh_col_text(s, 0)));
        json_object_set_new(n, "kind", json_string(sh_col_text(s, 1)));
        json_object_set_new(n, "name", json_string(sh_col_text(s, 2)));
        json_array_append_new(items, n);
    }
    sh_stmt_done(s);
    return sh_reply_items(req, items, rc);
}

static const sh_route routes[] = {
    {SH_GET, "/api/v1/orgs", "org.read", list_orgs, "列出机构（市、区县、学校、年级、班级）", NULL,
     &sh_org_unit_entity, SH_ROUTE_LIST},
    {SH_POST, "/api/v1/orgs", "org.write", create_org, "新建机构（在管辖范围内）", &sh_org_unit_entity,
     &sh_org_unit_entity, 0},
    {SH_GET, "/api/v1/orgs/{id}", "org.read", get_org, "查看一个机构", NULL, &sh_org_unit_entity, 0},
    {SH_PATCH, "/api/v1/orgs/{id}", "org.write", update_org, "机构改名或调整隶属（保留沿革）", NULL,
     &sh_org_unit_entity, 0},
    {SH_GET, "/api/v1/orgs/{id}/path", "org.read", org_path, "机构的上级路径（用于面包屑）", NULL, NULL, 0},
};

static const sh_entity *const entities[] = {&sh_org_unit_entity, &closure_entity, &history_entity};

const sh_module sh_org_module = {
    .name = "org",
    .label = "机构",
    .routes = routes,
    .nroutes = sizeof routes / sizeof routes[0],
    .migrations = migrations,
    .nmigrations = sizeof migrations / sizeof migrations[0],
    .entities = entities,
    .nentities = sizeof entities / sizeof entities[0],
};
