/* module.c — the OneRoster module: its route table (the read-only rostering
 * REST API, the CSV zip export and import) and the two file handlers. The
 * export streams into a temporary zip that the reply then carries; the import
 * runs the uploaded zip all or nothing and is audited. */
#include "oneroster/or_impl.h"

#include "audit/audit.h"
#include "core/uid.h"
#include "identity/access.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* An API import may run this long (as the other imports). */
#define IMPORT_DEADLINE_MS (10 * 60 * 1000)
#define REPLY_ERRORS 200

static int export_zip(sh_req *req) {
    sh_or_req_ctx rs = {.req = req};
    if (sh_or_unmask(req, "oneroster", &rs.unmask) != SH_OK)
        return SH_ERR;
    sh_conn *c = sh_req_conn(req);
    if (!c)
        return SH_ERR;
    sh_conn_deadline(c, IMPORT_DEADLINE_MS);
    char path[SH_TEMP_PATH];
    if (sh_reply_temp_path(req, path) != SH_OK)
        return SH_ERR;
    sh_or_export_counts n;
    if (sh_or_export(c, sh_or_req_scope, &rs, path, &n, &req->err) != SH_OK) {
        unlink(path);
        return SH_ERR;
    }
    FILE *f = fopen(path, "rb");
    sh_buf *b = sh_pool_buf(req->pool, (size_t)req->app->cfg.max_upload_bytes);
    char chunk[65536];
    size_t got;
    while (f && b && (got = fread(chunk, 1, sizeof chunk, f)) > 0)
        sh_buf_append(b, chunk, got);
    if (f)
        fclose(f);
    unlink(path);
    if (!b || sh_buf_ok(b) != SH_OK)
        return sh_err_set(&req->err, 413, "export_too_large", NULL,
                          "导出文件超过接口上限，请用命令行 shushu export oneroster 导出");
    char detail[200];
    snprintf(detail, sizeof detail, "oneroster export: %ld orgs, %ld classes, %ld users, %ld enrollments%s",
             n.orgs, n.classes, n.users, n.enrollments, rs.unmask ? " (unmasked)" : "");
    if (sh_audit_req(req, "export", 1, "oneroster", detail) != SH_OK)
        return SH_ERR;
    sh_reply_header(req, "Content-Disposition", "attachment; filename=\"oneroster.zip\"");
    return sh_reply_raw(req, 200, "application/zip", b->data, b->len);
}

static json_t *errors_json(const sh_err *e) {
    json_t *a = json_array();
    size_t n = sh_err_count(e);
    for (size_t i = 0; a && i < n && i < REPLY_ERRORS; i++) {
        const sh_err_item *it = e->nmore ? &e->more[i] : &e->first;
        const char *colon = strchr(it->field, ':');
        json_t *o = json_pack("{s:s%,s:I,s:I,s:s,s:s,s:s}", "file", it->field,
                              colon ? (size_t)(colon - it->field) : 0, "row", (json_int_t)it->row, "column",
                              (json_int_t)it->column, "field", colon ? colon + 1 : it->field, "code",
                              it->code, "message", it->message);
        if (o && it->value[0])
            json_object_set_new(o, "value", json_string(it->value));
        json_array_append_new(a, o);
    }
    return a;
}

static int import_zip(sh_req *req) {
    const char *dry = sh_req_query(req, "dry_run");
    if (dry && strcmp(dry, "true") != 0 && strcmp(dry, "false") != 0)
        return sh_err_set(&req->err, 400, "invalid_dry_run", "dry_run", "dry_run 应为 true 或 false");
    if (!req->body.len)
        return sh_err_set(&req->err, 400, "empty_file", NULL, "请求体应为 OneRoster CSV 的 zip 压缩包");
    sh_conn *c = sh_req_conn(req);
    if (!c)
        return SH_ERR;
    sh_conn_deadline(c, IMPORT_DEADLINE_MS);
    char uid[SH_UID_LEN + 1];
    sh_new_uid(uid);
    const sh_principal *p = sh_principal_of(req);
    sh_or_import_opts o = {.dry_run = dry && strcmp(dry, "true") == 0,
                           .pv = {.actor = p ? p->account_id : 0,
                                  .source = "import",
                                  .source_ref = sh_psprintf(req->pool, "import:%s", uid)},
                           .req = req};
    sh_or_import_result res;
    int rc = sh_or_import(c, req->body.data, req->body.len, &o, &res);
    if (rc != SH_OK) { /* not a OneRoster zip, or the store failed: the error as it is */
        sh_err_clear(&req->err);
        req->err = res.err;
        return SH_ERR;
    }
    char detail[200];
    snprintf(detail, sizeof detail, "oneroster %s: %ld errors",
             o.dry_run       ? "dry run"
             : res.committed ? "committed"
                             : "refused",
             res.nerrors);
    if (sh_audit_req(req, "import", res.committed || o.dry_run, uid, detail) != SH_OK) {
        sh_or_import_result_clear(&res);
        return SH_ERR;
    }
    json_t *files = json_array();
    for (int i = 0; i < res.nfiles; i++) {
        const sh_or_file_result *f = &res.files[i];
        json_array_append_new(files,
                              json_pack("{s:s,s:I,s:I,s:I,s:I}", "file", f->file, "rows", (json_int_t)f->rows,
                                        "created", (json_int_t)f->created, "updated", (json_int_t)f->updated,
                                        "unchanged", (json_int_t)f->unchanged));
    }
    json_t *out = json_pack("{s:s,s:s,s:b,s:b,s:o,s:I,s:o}", "id", uid, "kind", "oneroster", "dry_run",
                            o.dry_run, "committed", res.committed, "files", files, "error_count",
                            (json_int_t)res.nerrors, "errors", errors_json(&res.err));
    sh_or_import_result_clear(&res);
    return sh_reply_json(req, res.committed ? 201 : 200, out);
}

#define OR_ROUTES(coll, label)                                                                               \
    {SH_GET,                                                                                                 \
     SH_OR_REST_BASE "/" coll,                                                                               \
     "roster.read",                                                                                          \
     sh_or_rest_list,                                                                                        \
     "OneRoster 1.2：列出" label "（limit/offset、sort/orderBy、filter、fields；管辖范围内，敏感字段脱敏）", \
     NULL,                                                                                                   \
     NULL,                                                                                                   \
     SH_ROUTE_NO_BODY,                                                                                       \
     "OneRoster"},                                                                                           \
    {                                                                                                        \
        SH_GET, SH_OR_REST_BASE "/" coll "/{sourcedId}", "roster.read", sh_or_rest_get,                      \
            "OneRoster 1.2：按 sourcedId 查看一个" label, NULL, NULL, SH_ROUTE_NO_BODY, "OneRoster"          \
    }

static const sh_route routes[] = {
    OR_ROUTES("orgs", "机构"),
    OR_ROUTES("academicSessions", "学年与学期"),
    OR_ROUTES("courses", "课程"),
    OR_ROUTES("classes", "班级"),
    OR_ROUTES("users", "用户"),
    OR_ROUTES("enrollments", "选课（在班）记录"),
    OR_ROUTES("demographics", "人口学信息"),
    {SH_GET, "/api/v1/exports/oneroster", "roster.read", export_zip,
     "导出 OneRoster 1.2 CSV（zip；管辖范围内，带 unmask_reason 且有权限时为明文，留审计）", NULL, NULL,
     SH_ROUTE_NO_BODY | SH_ROUTE_RAW, "OneRoster"},
    {SH_POST, "/api/v1/imports/oneroster", "roster.write", import_zip,
     "导入 OneRoster 1.2 CSV zip（dry_run=true 只校验）：全部文件正确才写入，错误给出文件、行与列", NULL,
     NULL, SH_ROUTE_UPLOAD, "OneRoster"},
};

const sh_module sh_oneroster_module = {
    .name = "oneroster",
    .label = "OneRoster",
    .routes = routes,
    .nroutes = sizeof routes / sizeof routes[0],
};
