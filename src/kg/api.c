/* api.c — CSV import and export of the knowledge graph over HTTP:
 * POST /api/v1/kg/imports (the file as the body; ?dry_run=true only checks) and
 * GET /api/v1/kg/export (the whole graph, or ?subject=14). Imports are audited. */
#include "kg/module.h"

#include "identity/access.h"
#include "tabular/writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int kg_import_api(sh_req *req) {
    const char *dry = sh_req_query(req, "dry_run");
    if (dry && strcmp(dry, "true") != 0 && strcmp(dry, "false") != 0)
        return sh_err_set(&req->err, 400, "invalid_query", "dry_run", "dry_run 应为 true 或 false");
    int dry_run = dry && strcmp(dry, "true") == 0;
    sh_conn *c = sh_req_conn(req);
    if (!c)
        return SH_ERR;
    sh_provenance pv = sh_req_provenance(req);
    pv.source = "import";
    sh_kg_import_result res = {0};
    sh_err_init(&res.err);
    int rc = sh_kg_import_tx(c, req->body.data ? req->body.data : "", req->body.len, dry_run, &pv, &res);
    json_t *o =
        json_pack("{s:b,s:b,s:I,s:I,s:I,s:I,s:I,s:I}", "dry_run", dry_run, "committed",
                  rc == SH_OK && !dry_run, "rows", (json_int_t)res.rows, "created", (json_int_t)res.created,
                  "updated", (json_int_t)res.updated, "unchanged", (json_int_t)res.unchanged, "edges_added",
                  (json_int_t)res.edges_added, "edges_removed", (json_int_t)res.edges_removed);
    if (rc != SH_OK && res.err.status >= 500) {
        req->err = res.err; /* the store failed: the usual error reply */
        json_decref(o);
        return SH_ERR;
    }
    json_object_set_new(o, "errors", sh_err_items_json(&res.err, 500));
    if (rc != SH_OK) { /* nothing was written: say so, with every problem */
        json_object_set_new(o, "created", json_integer(0));
        json_object_set_new(o, "updated", json_integer(0));
    }
    sh_err_clear(&res.err);
    if (!dry_run && rc == SH_OK) {
        char detail[160];
        snprintf(detail, sizeof detail, "%ld rows, %ld created, %ld updated", res.rows, res.created,
                 res.updated);
        sh_audit_req(req, "kg_import", 1, "kg", detail);
    }
    return sh_reply_json(req, 200, o); /* a refused file is an answer: committed false, errors */
}

int kg_export_api(sh_req *req) {
    const char *subject = sh_req_query(req, "subject");
    if (subject && (strlen(subject) > 8 || sh_code_valid("jyt_k12_course", subject) != 1))
        return sh_err_set(&req->err, 400, "invalid_code", "subject", "学科应为 JY/T 1001 课程代码，如 14");
    sh_conn *c = sh_req_conn(req);
    if (!c)
        return SH_ERR;
    char path[SH_TEMP_PATH];
    if (sh_reply_temp_path(req, path) != SH_OK)
        return SH_ERR;
    if (sh_kg_export(c, req->pool, subject, path, &req->err) != SH_OK) {
        unlink(path);
        return SH_ERR;
    }
    return sh_reply_temp_file(req, path, sh_table_content_type(SH_TABLE_CSV), "knowledge-graph.csv",
                              "知识图谱", "csv");
}
