/* openapi.c — derives the OpenAPI 3.1 document from routes and entities.
 *
 * Paths come from every module's route table ({name} parameters, permission as
 * x-permission, summary, tag); schemas from the entity declarations (type,
 * maxLength, Chinese description, x-grade, x-code-table, readOnly, required). */
#include "model/openapi.h"

#include "http/router.h"
#include "model/list.h"
#include "model/registry.h"

#include <string.h>

static json_t *field_schema(const sh_field *f) {
    json_t *p = json_object();
    switch (f->type) {
    case SH_T_INT: json_object_set_new(p, "type", json_string("integer")); break;
    case SH_T_BOOL: json_object_set_new(p, "type", json_string("boolean")); break;
    case SH_T_DATE:
        json_object_set_new(p, "type", json_string("string"));
        json_object_set_new(p, "format", json_string("date"));
        break;
    case SH_T_TIME:
        json_object_set_new(p, "type", json_string("string"));
        json_object_set_new(p, "format", json_string("date-time"));
        break;
    default:
        json_object_set_new(p, "type", json_string("string"));
        if (f->type == SH_T_TEXT || f->type == SH_T_CODE)
            json_object_set_new(p, "maxLength", json_integer(f->max_len ? f->max_len : 200));
    }
    if (f->type == SH_T_INT && (f->min || f->max)) {
        json_object_set_new(p, "minimum", json_integer(f->min));
        json_object_set_new(p, "maximum", json_integer(f->max));
    }
    const char *desc = f->doc ? f->doc : f->label;
    json_object_set_new(p, "title", json_string(f->label));
    json_object_set_new(p, "description", json_string(desc));
    char grade[4] = {'L', (char)('0' + f->grade), 0, 0};
    json_object_set_new(p, "x-grade", json_string(grade));
    if (f->code_table)
        json_object_set_new(p, "x-code-table", json_string(f->code_table));
    if (f->ref)
        json_object_set_new(p, "x-ref-entity", json_string(f->ref));
    if (f->mask != SH_MASK_NONE)
        json_object_set_new(p, "x-masked", json_true());
    if (f->flags & SH_F_ENCRYPT)
        json_object_set_new(p, "x-encrypted", json_true());
    if (f->flags & SH_F_READONLY || f->type == SH_T_UID)
        json_object_set_new(p, "readOnly", json_true());
    return p;
}

static json_t *entity_schema(const sh_entity *e) {
    json_t *s = json_object(), *props = json_object(), *req = json_array();
    json_object_set_new(s, "type", json_string("object"));
    json_object_set_new(s, "title", json_string(e->label));
    for (int i = 0; i < e->nfields; i++) {
        const sh_field *f = &e->fields[i];
        if (f->flags & SH_F_INTERNAL || f->type == SH_T_KEY || f->type == SH_T_BLOB)
            continue;
        json_object_set_new(props, f->name, field_schema(f));
        if (f->flags & SH_F_REQUIRED)
            json_array_append_new(req, json_string(f->name));
    }
    for (int i = 0; i < e->ncomputed; i++) {
        const sh_computed *k = &e->computed[i];
        char grade[3] = {'L', (char)('0' + k->grade), 0};
        json_object_set_new(props, k->name,
                            json_pack("{s:s,s:s,s:s,s:s,s:b,s:b}", "type", k->json_type, "title", k->label,
                                      "description", k->doc ? k->doc : k->label, "x-grade", grade, "readOnly",
                                      1, "x-computed", 1));
    }
    json_object_set_new(s, "properties", props);
    json_object_set_new(s, "additionalProperties", json_false());
    if (json_array_size(req))
        json_object_set_new(s, "required", req);
    else
        json_decref(req);
    char grade[3] = {'L', (char)('0' + sh_entity_grade(e)), 0};
    json_object_set_new(s, "x-grade", json_string(grade));
    return s;
}

static json_t *ref(const char *name) {
    char buf[160];
    snprintf(buf, sizeof buf, "#/components/schemas/%s", name);
    return json_pack("{s:s}", "$ref", buf);
}

static json_t *param(const char *name, const char *in, int required, const char *type, const char *desc) {
    return json_pack("{s:s,s:s,s:b,s:{s:s},s:s}", "name", name, "in", in, "required", required, "schema",
                     "type", type, "description", desc);
}

static void add_list_params(json_t *params, const sh_entity *e) {
    json_array_append_new(params, param("limit", "query", 0, "integer", "每页条数，1–500，默认 50"));
    json_array_append_new(params, param("cursor", "query", 0, "string", "上一页应答中的 next_cursor"));
    for (int i = 0; e && i < e->nfields; i++)
        if (e->fields[i].flags & SH_F_FILTER) {
            char d[200];
            snprintf(d, sizeof d, "按“%s”筛选（等于）", e->fields[i].label);
            json_array_append_new(params, param(e->fields[i].name, "query", 0,
                                                e->fields[i].type == SH_T_INT ? "integer" : "string", d));
        }
}

static json_t *error_response(const char *desc) {
    return json_pack("{s:s,s:{s:{s:o}}}", "description", desc, "content", "application/json", "schema",
                     ref("Error"));
}

static json_t *error_schema(void) {
    return json_pack("{s:s,s:{s:{s:s,s:{s:{s:s},s:{s:s},s:{s:s},s:{s:s},s:{s:s},s:{s:s}},s:[s,s]}},s:[s]}",
                     "type", "object", "properties", "error", "type", "object", "properties", "code", "type",
                     "string", "message", "type", "string", "field", "type", "string", "row", "type",
                     "integer", "column", "type", "integer", "details", "type", "array", "required", "code",
                     "message", "required", "error");
}

json_t *sh_openapi_build(const sh_app *app, const char *version) {
    json_t *doc = json_object(), *paths = json_object(), *schemas = json_object(), *tags = json_array();
    if (!doc || !paths || !schemas || !tags) {
        json_decref(doc);
        json_decref(paths);
        json_decref(schemas);
        json_decref(tags);
        return NULL;
    }
    json_object_set_new(doc, "openapi", json_string("3.1.0"));
    json_object_set_new(
        doc, "info",
        json_pack(
            "{s:s,s:s,s:s}", "title", "数枢 Shushu API", "version", version, "description",
            "市级教育数据中枢与智慧教育平台的接口。错误统一返回 {\"error\":{\"code\",\"message\",\"field\"}}；"
            "列表使用 limit 与不透明的 cursor 分页；字段的 x-grade 为数据分级（L1–L4）。"));
    for (int m = 0; m < app->nmodules; m++)
        json_array_append_new(tags, json_pack("{s:s,s:s}", "name", app->modules[m]->label, "description",
                                              app->modules[m]->name));
    for (int i = 0; i < sh_router_count(app->router); i++) {
        const sh_route_ref *rr = sh_router_at(app->router, i);
        const sh_route *rt = rr->route;
        json_t *item = json_object_get(paths, rt->path);
        if (!item) {
            item = json_object();
            json_object_set_new(paths, rt->path, item);
        }
        char method[8];
        const char *mn = sh_method_name(rt->method);
        size_t k = 0;
        for (; k < sizeof method - 1 && mn[k]; k++)
            method[k] = (char)(mn[k] | 0x20);
        method[k] = 0;
        json_t *op = json_object();
        json_object_set_new(op, "summary", json_string(rt->summary));
        json_object_set_new(op, "tags", json_pack("[s]", rt->tag ? rt->tag : rr->module->label));
        json_object_set_new(op, "x-permission", json_string(rt->permission));
        char opid[200];
        snprintf(opid, sizeof opid, "%s %s", mn, rt->path);
        json_object_set_new(op, "operationId", json_string(opid));
        json_t *params = json_array();
        for (const char *p = strchr(rt->path, '{'); p; p = strchr(p + 1, '{')) {
            const char *end = strchr(p, '}');
            if (!end)
                break;
            char name[64];
            snprintf(name, sizeof name, "%.*s", (int)(end - p - 1), p + 1);
            json_array_append_new(params, param(name, "path", 1, "string", "标识"));
        }
        if (rt->flags & SH_ROUTE_LIST)
            add_list_params(params, rt->reply);
        json_object_set_new(op, "parameters", params);
        if (rt->body)
            json_object_set_new(op, "requestBody",
                                json_pack("{s:b,s:{s:{s:o}}}", "required", 1, "content", "application/json",
                                          "schema", ref(rt->body->name)));
        json_t *responses = json_object();
        json_t *ok = json_pack("{s:s}", "description", "成功");
        if (rt->reply) {
            json_t *schema = (rt->flags & SH_ROUTE_LIST)
                                 ? json_pack("{s:s,s:{s:{s:s,s:o},s:{s:[s,s]}}}", "type", "object",
                                             "properties", "items", "type", "array", "items",
                                             ref(rt->reply->name), "next_cursor", "type", "string", "null")
                                 : ref(rt->reply->name);
            json_object_set_new(ok, "content", json_pack("{s:{s:o}}", "application/json", "schema", schema));
        }
        json_object_set_new(responses, rt->method == SH_POST ? "201" : "200", ok);
        json_object_set_new(responses, "400", error_response("请求有误（字段错误在 details 中）"));
        if (strcmp(rt->permission, SH_PUBLIC) != 0) {
            json_object_set_new(responses, "401", error_response("未登录"));
            json_object_set_new(responses, "403", error_response("无权访问"));
        }
        json_object_set_new(responses, "404", error_response("不存在或不在权限范围内"));
        json_object_set_new(op, "responses", responses);
        json_object_set_new(item, method, op);
    }
    for (int i = 0; i < sh_registry_count(); i++) {
        const sh_entity *e = sh_registry_at(i);
        if (!(e->flags & SH_E_INTERNAL))
            json_object_set_new(schemas, e->name, entity_schema(e));
    }
    json_object_set_new(schemas, "Error", error_schema());
    json_object_set_new(doc, "tags", tags);
    json_object_set_new(doc, "paths", paths);
    json_object_set_new(doc, "components", json_pack("{s:o}", "schemas", schemas));
    return doc;
}
