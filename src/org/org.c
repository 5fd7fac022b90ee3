/* org.c — organisation tree declarations, storage, closure maintenance and the
 * read API (scoped by the identity module's authorisation). */
#include "org/org.h"

#include "core/clock.h"
#include "model/api.h"
#include "model/identifiers.h"

#include <sodium.h>
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
};

void sh_new_uid(char out[27]) {
    static const char alphabet[] = "0123456789abcdefghjkmnpqrstvwxyz"; /* Crockford base32 */
    unsigned char r[17];
    randombytes_buf(r, 16);
    r[16] = 0;
    int bit = 0;
    for (int i = 0; i < 26; i++, bit += 5) {
        int byte = bit / 8, off = bit % 8;
        unsigned v = ((unsigned)r[byte] << 8 | r[byte + 1]) >> (11 - off);
        out[i] = alphabet[v & 31];
    }
    out[26] = '\0';
}

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
    s = sh_prepare(c,
                   "INSERT INTO org_closure (ancestor_id, descendant_id, depth) "
                   "SELECT ancestor_id, $1, depth + 1 FROM org_closure WHERE descendant_id = $2 "
                   "UNION ALL SELECT $1, $1, 0",
                   err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, *id);
    sh_bind_i64(s, 2, n->parent);
    rc = sh_step(s, err);
    sh_stmt_done(s);
    return rc == SH_ERR ? SH_ERR : SH_OK;
}

static int list_orgs(sh_req *req) { return sh_api_list(req, &sh_org_unit_entity, NULL); }

static int get_org(sh_req *req) {
    return sh_api_get(req, &sh_org_unit_entity, sh_req_param(req, "id"), NULL);
}

static const sh_route routes[] = {
    {SH_GET, "/api/v1/orgs", "org.read", list_orgs, "列出机构（市、区县、学校、年级、班级）", NULL,
     &sh_org_unit_entity, SH_ROUTE_LIST},
    {SH_GET, "/api/v1/orgs/{id}", "org.read", get_org, "查看一个机构", NULL, &sh_org_unit_entity, 0},
};

static const sh_entity *const entities[] = {&sh_org_unit_entity, &closure_entity};

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
