/* dictionary.c — the data dictionary (数据字典) as an API, derived from the entity
 * declarations: what each entity holds, each field's type, length, code table and
 * data grade, and a validation endpoint that checks a JSON record against the
 * declarations without storing anything (integrators test their payloads with
 * it; the console's forms use the same messages). Public: it describes the
 * platform's structure, never anyone's data. */
#include "dictionary/dictionary.h"

#include "model/registry.h"

#include <string.h>

static const char *type_name(sh_type t) {
    switch (t) {
    case SH_T_UID: return "id";
    case SH_T_TEXT: return "text";
    case SH_T_INT: return "integer";
    case SH_T_BOOL: return "boolean";
    case SH_T_DATE: return "date";
    case SH_T_TIME: return "datetime";
    case SH_T_CODE: return "code";
    case SH_T_REF: return "reference";
    default: return "internal";
    }
}

static int exposed(const sh_entity *e) { return e && !(e->flags & SH_E_INTERNAL); }

static int visible(const sh_field *f) {
    return !(f->flags & SH_F_INTERNAL) && f->type != SH_T_KEY && f->type != SH_T_BLOB;
}

static json_t *describe(const sh_entity *e, int with_fields) {
    char grade[3] = {'L', (char)('0' + sh_entity_grade(e)), 0};
    json_t *o = json_pack("{s:s,s:s,s:s}", "name", e->name, "label", e->label, "grade", grade);
    if (!o || !with_fields)
        return o;
    json_t *fields = json_array();
    for (int i = 0; i < e->nfields; i++) {
        const sh_field *f = &e->fields[i];
        if (!visible(f))
            continue;
        char g[3] = {'L', (char)('0' + f->grade), 0};
        json_t *fo = json_pack(
            "{s:s,s:s,s:s,s:s,s:b,s:b,s:b,s:b,s:b}", "name", f->name, "label", f->label, "type",
            type_name(f->type), "grade", g, "required", (f->flags & SH_F_REQUIRED) != 0, "read_only",
            (f->flags & SH_F_READONLY) != 0 || f->type == SH_T_UID, "filter", (f->flags & SH_F_FILTER) != 0,
            "masked", f->mask != SH_MASK_NONE, "encrypted", (f->flags & SH_F_ENCRYPT) != 0);
        if (fo && (f->type == SH_T_TEXT || f->type == SH_T_CODE))
            json_object_set_new(fo, "max_length", json_integer(f->max_len ? f->max_len : 200));
        if (fo && f->code_table)
            json_object_set_new(fo, "code_table", json_string(f->code_table));
        if (fo && f->doc)
            json_object_set_new(fo, "description", json_string(f->doc));
        json_array_append_new(fields, fo);
    }
    json_object_set_new(o, "fields", fields);
    return o;
}

static int list_entities(sh_req *req) {
    json_t *items = json_array();
    for (int i = 0; items && i < sh_registry_count(); i++)
        if (exposed(sh_registry_at(i)))
            json_array_append_new(items, describe(sh_registry_at(i), 0));
    return sh_reply_json(req, 200, json_pack("{s:o}", "items", items));
}

static const sh_entity *find(sh_req *req) {
    const sh_entity *e = sh_registry_entity(sh_req_param(req, "entity"));
    if (!exposed(e)) {
        sh_err_set(&req->err, 404, "not_found", "entity", "数据字典中没有这个实体");
        return NULL;
    }
    return e;
}

static int get_entity(sh_req *req) {
    const sh_entity *e = find(req);
    return e ? sh_reply_json(req, 200, describe(e, 1)) : SH_ERR;
}

static int validate(sh_req *req) {
    const sh_entity *e = find(req);
    if (!e)
        return SH_ERR;
    const char *mode = sh_req_query(req, "mode");
    if (mode && strcmp(mode, "create") != 0 && strcmp(mode, "update") != 0)
        return sh_err_set(&req->err, 400, "invalid_parameter", "mode", "mode 应为 create 或 update");
    json_t *body;
    if (sh_req_json(req, &body) != SH_OK)
        return SH_ERR;
    sh_record r;
    sh_input_mode m = mode && strcmp(mode, "update") == 0 ? SH_INPUT_UPDATE : SH_INPUT_CREATE;
    int rc = sh_record_from_json(req->pool, e, body, m, &r, &req->err);
    json_decref(body);
    if (rc != SH_OK) {
        if (sh_err_count(&req->err) > 1) /* say how many, the details list each */
            snprintf(req->err.first.message, sizeof req->err.first.message, "有 %zu 处错误，第一处：%.160s",
                     sh_err_count(&req->err), req->err.more[0].message);
        return SH_ERR;
    }
    json_t *norm = json_object();
    for (int i = 0; norm && i < e->nfields; i++) {
        const sh_field *f = &e->fields[i];
        const sh_value *v = &r.v[i];
        if (!v->set)
            continue;
        json_t *jv = v->is_null               ? json_null()
                     : (f->type == SH_T_INT)  ? json_integer(v->i)
                     : (f->type == SH_T_BOOL) ? json_boolean(v->i)
                                              : json_string(v->s);
        json_object_set_new(norm, f->name, jv);
    }
    return sh_reply_json(req, 200, json_pack("{s:b,s:o}", "valid", 1, "normalised", norm));
}

static const sh_route routes[] = {
    {SH_GET, "/api/v1/dictionary", SH_PUBLIC, list_entities, "数据字典：列出全部实体及其数据分级", NULL, NULL,
     0},
    {SH_GET, "/api/v1/dictionary/{entity}", SH_PUBLIC, get_entity,
     "数据字典：一个实体的字段、类型、代码表与分级", NULL, NULL, 0},
    {SH_POST, "/api/v1/dictionary/{entity}/validate", SH_PUBLIC, validate,
     "按数据字典校验一条记录（不保存）；mode=create|update", NULL, NULL, 0},
};

const sh_module sh_dictionary_module = {
    .name = "dictionary",
    .label = "数据字典",
    .routes = routes,
    .nroutes = sizeof routes / sizeof routes[0],
};
