/* module.c — imports over the API: upload a CSV or XLSX file to
 * POST /api/v1/imports/{kind} (dry_run=true to only check it; async=true to have
 * it imported in the background and watch its progress), read the import's
 * record and its errors (JSON, or a CSV report to sort and fix from), download
 * the kind's XLSX template. Each import is a job recorded in import_job with its
 * state, counts and errors, visible to whoever ran it, and audited (job.c,
 * runner.c). The same engine as `shushu import` runs it; an upload is checked
 * against the caller's reach row by row (a school outside it is an unknown
 * school). */
#include "import/import.h"
#include "import/jobs.h"
#include "import/template.h"

#include "audit/audit.h"
#include "core/alloc.h"
#include "core/clock.h"
#include "core/uid.h"
#include "identity/access.h"
#include "identity/account.h"
#include "tabular/writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* An API import may run this long in its request (async ones: jobs.h). */
#define IMPORT_DEADLINE_MS (10 * 60 * 1000)

static int may_write(void *ctx, int64_t school, sh_err *err) {
    (void)err;
    return sh_can_at(ctx, "roster.write", school);
}

static int upload(sh_req *req) {
    const char *kind_name = sh_req_param(req, "kind");
    const sh_import_kind *kind = sh_import_kind_named(kind_name);
    if (!kind)
        return sh_err_set(&req->err, 404, "not_found", NULL, "没有“%s”这种导入类别（可用：%s）",
                          kind_name ? kind_name : "", sh_import_kind_names());
    const char *dry = sh_req_query(req, "dry_run");
    if (dry && strcmp(dry, "true") != 0 && strcmp(dry, "false") != 0)
        return sh_err_set(&req->err, 400, "invalid_dry_run", "dry_run", "dry_run 应为 true 或 false");
    const char *format = sh_req_query(req, "format");
    if (format && strcmp(format, "csv") != 0 && strcmp(format, "xlsx") != 0)
        return sh_err_set(&req->err, 400, "invalid_format", "format", "format 应为 csv 或 xlsx");
    if (!req->body.len)
        return sh_err_set(&req->err, 400, "empty_file", NULL, "请求体应为要导入的 CSV 或 XLSX 文件");
    const char *async = sh_req_query(req, "async");
    if (async && strcmp(async, "true") != 0 && strcmp(async, "false") != 0)
        return sh_err_set(&req->err, 400, "invalid_async", "async", "async 应为 true 或 false");
    sh_table_format fmt = !format ? SH_TABLE_AUTO : strcmp(format, "csv") == 0 ? SH_TABLE_CSV : SH_TABLE_XLSX;
    int dry_run = dry && strcmp(dry, "true") == 0;
    const char *tpl = sh_req_query(req, "template");
    const sh_import_template *named = tpl ? sh_import_template_named(kind, tpl) : NULL;
    if (tpl && !named)
        return sh_err_set(&req->err, 400, "unknown_template", "template",
                          "不认识的导入模板“%s”，%s可用的模板：%s", tpl, kind->label,
                          sh_import_template_names(kind));
    char uid[SH_UID_LEN + 1];
    sh_new_uid(uid);
    if (async && strcmp(async, "true") == 0) {
        if (sh_import_job_begin(req, uid, kind->name, dry_run, "queued") != SH_OK ||
            sh_import_submit(req, uid, kind, named ? named->name : NULL, dry_run, fmt) != SH_OK)
            return SH_ERR; /* a refused job stays queued in the record until the next start marks it */
        char location[64];
        snprintf(location, sizeof location, "/api/v1/imports/%s", uid);
        sh_reply_header(req, "Location", location);
        return sh_reply_json(req, 202,
                             json_pack("{s:s,s:s,s:b,s:s}", "id", uid, "kind", kind->name, "dry_run", dry_run,
                                       "state", "queued"));
    }
    sh_table_reader *r;
    if (sh_table_open_mem(req->body.data, req->body.len, fmt, NULL, &r, &req->err) != SH_OK)
        return SH_ERR;
    sh_conn *c = sh_req_conn(req);
    if (!c || sh_import_job_begin(req, uid, kind->name, dry_run, "running") != SH_OK) {
        sh_table_close(r);
        return SH_ERR;
    }
    sh_conn_deadline(c, IMPORT_DEADLINE_MS);
    const sh_principal *p = sh_principal_of(req);
    sh_import_opts o = {.dry_run = dry_run,
                        .template_name = named ? named->name : NULL,
                        .pv = {.actor = p ? p->account_id : 0,
                               .source = "import",
                               .source_ref = sh_psprintf(req->pool, "import:%s", uid)},
                        .may_write = may_write,
                        .ctx = req};
    sh_import_result res;
    int rc = sh_import_run(c, kind, r, &o, &res);
    sh_table_close(r);
    if (sh_import_job_finish(req, uid, kind->name, o.dry_run, &res) != SH_OK) {
        sh_import_result_clear(&res);
        return SH_ERR;
    }
    if (rc != SH_OK && res.err.status >= 500) { /* the store failed, not the file */
        req->err = res.err;
        sh_err_init(&res.err);
        sh_import_result_clear(&res);
        return SH_ERR;
    }
    json_t *out = sh_import_job_reply(uid, kind->name, o.dry_run, &res);
    sh_import_result_clear(&res);
    return sh_reply_json(req, res.committed ? 201 : 200, out);
}

/* The caller's import with this id (others' look missing). */
static sh_stmt *find_job(sh_req *req, sh_conn *c, const char *columns) {
    const sh_principal *p = sh_principal_of(req);
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT %s FROM import_job WHERE uid = $1 AND actor_id = $2", columns);
    sh_stmt *s = sh_prepare(c, sql, &req->err);
    if (!s)
        return NULL;
    const char *id = sh_req_param(req, "id");
    sh_bind_text(s, 1, id ? id : "", -1);
    sh_bind_i64(s, 2, p ? p->account_id : -1);
    int rc = sh_step(s, &req->err);
    if (rc == SH_ROW)
        return s;
    sh_stmt_done(s);
    if (rc == SH_DONE)
        sh_err_set(&req->err, 404, "not_found", NULL, "导入记录不存在");
    return NULL;
}

static int get_job(sh_req *req) {
    sh_conn *c = sh_req_conn(req);
    sh_stmt *s = c ? find_job(req, c,
                              "uid, kind, dry_run, committed, rows, created, updated, unchanged, error_count,"
                              " encoding, ignored_columns, errors, created_at, state, finished_at, template")
                   : NULL;
    if (!s)
        return SH_ERR;
    json_t *errs = json_loads(sh_col_text(s, 11), 0, NULL);
    if (json_array_size(errs) > SH_IMPORT_REPLY_ERRORS) {
        json_t *cut = json_array();
        for (size_t i = 0; i < SH_IMPORT_REPLY_ERRORS; i++)
            json_array_append(cut, json_array_get(errs, i));
        json_decref(errs);
        errs = cut;
    }
    json_t *o = json_pack("{s:s,s:s,s:b,s:b,s:I,s:I,s:I,s:I,s:I,s:s?,s:s?,s:o,s:I}", "id", sh_col_text(s, 0),
                          "kind", sh_col_text(s, 1), "dry_run", (int)sh_col_i64(s, 2), "committed",
                          (int)sh_col_i64(s, 3), "rows", (json_int_t)sh_col_i64(s, 4), "created",
                          (json_int_t)sh_col_i64(s, 5), "updated", (json_int_t)sh_col_i64(s, 6), "unchanged",
                          (json_int_t)sh_col_i64(s, 7), "error_count", (json_int_t)sh_col_i64(s, 8),
                          "encoding", sh_col_text(s, 9), "ignored_columns", sh_col_text(s, 10), "errors",
                          errs ? errs : json_array(), "created_at", (json_int_t)sh_col_i64(s, 12));
    const char *state = sh_col_text(s, 13);
    json_object_set_new(o, "state", json_string(state ? state : "done"));
    if (!sh_col_is_null(s, 15))
        json_object_set_new(o, "template", json_string(sh_col_text(s, 15)));
    if (!sh_col_is_null(s, 14))
        json_object_set_new(o, "finished_at", json_integer(sh_col_i64(s, 14)));
    long rows;
    int percent;
    if (state && (strcmp(state, "queued") == 0 || strcmp(state, "running") == 0) &&
        sh_import_progress_of(sh_col_text(s, 0), &rows, &percent)) {
        json_object_set_new(o, "rows", json_integer(rows));
        json_object_set_new(o, "progress", percent < 0 ? json_null() : json_integer(percent));
    }
    sh_stmt_done(s);
    return sh_reply_json(req, 200, o);
}

/* Write a table to a temporary file with fill(), then reply with the file. */
static int reply_table(sh_req *req, sh_table_format fmt, const char *filename,
                       int (*fill)(sh_req *req, const char *path, void *ctx), void *ctx) {
    char path[SH_TEMP_PATH];
    if (sh_reply_temp_path(req, path) != SH_OK)
        return SH_ERR;
    if (fill(req, path, ctx) != SH_OK) {
        unlink(path);
        return SH_ERR;
    }
    return sh_reply_temp_file(req, path, sh_table_content_type(fmt), filename, NULL,
                              fmt == SH_TABLE_CSV ? "csv" : "xlsx");
}

static int fill_errors(sh_req *req, const char *path, void *ctx) {
    json_t *errs = ctx;
    sh_import_result res;
    memset(&res, 0, sizeof res);
    sh_err_init(&res.err);
    size_t i;
    json_t *e;
    json_array_foreach(errs, i, e) {
        const char *v = json_string_value(json_object_get(e, "value"));
        sh_err_add(&res.err, 400, json_string_value(json_object_get(e, "code")),
                   json_string_value(json_object_get(e, "field")), v, "%s",
                   json_string_value(json_object_get(e, "message")));
        sh_err_item *it = res.err.nmore ? &res.err.more[res.err.nmore - 1] : &res.err.first;
        it->row = (long)json_integer_value(json_object_get(e, "row"));
        it->column = (long)json_integer_value(json_object_get(e, "column"));
    }
    int rc = sh_import_write_report(&res, path, SH_TABLE_CSV, &req->err);
    sh_import_result_clear(&res);
    return rc;
}

static int job_errors(sh_req *req) {
    sh_conn *c = sh_req_conn(req);
    sh_stmt *s = c ? find_job(req, c, "errors") : NULL;
    if (!s)
        return SH_ERR;
    json_t *errs = json_loads(sh_col_text(s, 0), 0, NULL);
    sh_stmt_done(s);
    if (!json_is_array(errs)) {
        json_decref(errs);
        return sh_err_set(&req->err, 500, "internal", NULL, "导入记录已损坏");
    }
    int rc = reply_table(req, SH_TABLE_CSV, "import-errors", fill_errors, errs);
    json_decref(errs);
    return rc;
}

static int fill_template(sh_req *req, const char *path, void *ctx) {
    const sh_import_kind *k = ctx;
    const char **names = sh_palloc(req->pool, sizeof(char *) * (size_t)k->ncolumns);
    const char **hints = sh_palloc(req->pool, sizeof(char *) * (size_t)k->ncolumns);
    if (!names || !hints)
        return sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
    int n = 0;
    for (int i = 0; i < k->ncolumns; i++) {
        const sh_import_column *col = &k->columns[i];
        if (col->flags & SH_IMPORT_FORM_ONLY)
            continue;
        names[n] = col->flags & SH_IMPORT_REQUIRED ? sh_psprintf(req->pool, "★%s", col->header) : col->header;
        hints[n++] = col->hint;
    }
    sh_table_writer *w;
    if (sh_table_writer_open(path, SH_TABLE_XLSX, k->label, &w, &req->err) != SH_OK)
        return SH_ERR;
    if (sh_table_write_header(w, names, hints, n, &req->err) != SH_OK) {
        sh_table_writer_abort(w);
        return SH_ERR;
    }
    return sh_table_writer_close(w, &req->err);
}

static int template(sh_req *req) {
    const char *name = sh_req_param(req, "kind");
    const sh_import_kind *k = sh_import_kind_named(name);
    if (!k)
        return sh_err_set(&req->err, 404, "not_found", NULL, "没有这种导入类别（可用：%s）",
                          sh_import_kind_names());
    char filename[64];
    snprintf(filename, sizeof filename, "template-%s", k->name);
    return reply_table(req, SH_TABLE_XLSX, filename, fill_template, (void *)k);
}

static const sh_route routes[] = {
    {SH_POST, "/api/v1/imports/{kind}", "roster.write", upload,
     "导入文件（请求体为 CSV 或 XLSX；dry_run=true 只校验；async=true 立即返回 202，"
     "在后台导入，用 GET /api/v1/imports/{id} 查看进度）：全部正确才写入，返回每处错误的行、列与说明",
     NULL, &sh_import_job_entity, SH_ROUTE_UPLOAD, "基础数据"},
    {SH_GET, "/api/v1/imports/{id}", "roster.write", get_job, "查看自己的一次导入：计数与错误", NULL,
     &sh_import_job_entity, SH_ROUTE_NO_BODY, "基础数据"},
    {SH_GET, "/api/v1/imports/{id}/errors.csv", "roster.write", job_errors, "下载一次导入的全部错误（CSV）",
     NULL, NULL, SH_ROUTE_NO_BODY | SH_ROUTE_RAW, "基础数据"},
    {SH_GET, "/api/v1/import-templates/{kind}", "roster.write", template,
     "下载导入模板（XLSX：中文表头，★ 为必填，批注说明代码）", NULL, NULL, SH_ROUTE_NO_BODY | SH_ROUTE_RAW,
     "基础数据"},
};

static const sh_entity *const entities[] = {&sh_import_job_entity};

static int start(sh_app *app, sh_err *err) {
    sh_conn *c = sh_db_acquire(app->db, err);
    if (!c)
        return SH_ERR;
    int rc = sh_import_jobs_recover(c, err);
    sh_db_release(c);
    return rc;
}

static void stop(sh_app *app) {
    (void)app;
    sh_import_jobs_stop();
}

const sh_module sh_import_module = {
    .name = "import",
    .label = "数据导入",
    .routes = routes,
    .nroutes = sizeof routes / sizeof routes[0],
    .migrations = sh_import_job_migrations,
    .nmigrations = SH_IMPORT_JOB_NMIGRATIONS,
    .entities = entities,
    .nentities = sizeof entities / sizeof entities[0],
    .start = start,
    .stop = stop,
};
