/* module.c — imports over the API: upload a CSV or XLSX file to
 * POST /api/v1/imports/{kind} (dry_run=true to only check it), read the import's
 * record and its errors (JSON, or a CSV report to sort and fix from), download
 * the kind's XLSX template. Each import is recorded in import_job with its
 * counts and errors, visible to whoever ran it, and audited. The same engine as
 * `shushu import` runs it; an upload is checked against the caller's reach row
 * by row (a school outside it is an unknown school). */
#include "import/import.h"

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

/* An API import may run this long (a CLI import has no limit). */
#define IMPORT_DEADLINE_MS (10 * 60 * 1000)
/* Errors kept with the job (the CSV report gives them all, up to the engine's cap). */
#define JOB_ERRORS_KEPT 8192
#define REPLY_ERRORS 200

static const sh_field job_fields[] = {
    SH_FIELD_KEY,
    SH_FIELD_UID("导入标识"),
    {.name = "kind", .column = "kind", .type = SH_T_TEXT, .label = "数据类别", .grade = SH_L1},
    {.name = "_actor",
     .column = "actor_id",
     .type = SH_T_INT,
     .label = "导入者",
     .grade = SH_L2,
     .flags = SH_F_INTERNAL},
    {.name = "dry_run", .column = "dry_run", .type = SH_T_BOOL, .label = "仅校验", .grade = SH_L1},
    {.name = "committed", .column = "committed", .type = SH_T_BOOL, .label = "已写入", .grade = SH_L1},
    {.name = "rows", .column = "rows", .type = SH_T_INT, .label = "数据行数", .grade = SH_L1},
    {.name = "created", .column = "created", .type = SH_T_INT, .label = "新建", .grade = SH_L1},
    {.name = "updated", .column = "updated", .type = SH_T_INT, .label = "更新", .grade = SH_L1},
    {.name = "unchanged", .column = "unchanged", .type = SH_T_INT, .label = "无变化", .grade = SH_L1},
    {.name = "error_count", .column = "error_count", .type = SH_T_INT, .label = "错误数", .grade = SH_L1},
    {.name = "encoding", .column = "encoding", .type = SH_T_TEXT, .label = "文件编码", .grade = SH_L1},
    {.name = "ignored_columns",
     .column = "ignored_columns",
     .type = SH_T_TEXT,
     .label = "未使用的列",
     .grade = SH_L1},
    {.name = "_errors",
     .column = "errors",
     .type = SH_T_TEXT,
     .label = "错误明细（JSON，值已按分级脱敏）",
     .grade = SH_L3,
     .flags = SH_F_INTERNAL},
    SH_FIELD_CREATED_AT,
};
static const sh_entity job_entity = {
    .name = "import_job", .table = "import_job", .label = "导入记录", SH_FIELDS(job_fields)};

#define JOB_TABLE(PK, INT64)                                                                                 \
    "CREATE TABLE import_job (" PK ", uid TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, actor_id " INT64 ","     \
    " dry_run INTEGER NOT NULL, committed INTEGER NOT NULL, rows " INT64 " NOT NULL, created " INT64         \
    " NOT NULL, updated " INT64 " NOT NULL, unchanged " INT64 " NOT NULL, error_count " INT64 " NOT NULL,"   \
    " encoding TEXT, ignored_columns TEXT, errors TEXT NOT NULL, created_at BIGINT NOT NULL);"               \
    "CREATE INDEX import_job_actor ON import_job(actor_id, id);"

static const sh_migration migrations[] = {
    {1, "import jobs: who imported what, the counts and the errors",
     JOB_TABLE("id INTEGER PRIMARY KEY", "INTEGER"), JOB_TABLE("id BIGSERIAL PRIMARY KEY", "BIGINT")},
};

static int may_write(void *ctx, int64_t school, sh_err *err) {
    (void)err;
    return sh_can_at(ctx, "roster.write", school);
}

/* The kept errors as JSON. Values of sensitive columns were never put in them
 * (the engine reports identifiers by field, not value). */
static json_t *errors_json(const sh_err *e, size_t max) {
    json_t *a = json_array();
    size_t n = sh_err_count(e);
    for (size_t i = 0; a && i < n && i < max; i++) {
        const sh_err_item *it = e->nmore ? &e->more[i] : &e->first;
        json_t *o =
            json_pack("{s:I,s:I,s:s,s:s,s:s}", "row", (json_int_t)it->row, "column", (json_int_t)it->column,
                      "field", it->field, "code", it->code, "message", it->message);
        if (o && it->value[0])
            json_object_set_new(o, "value", json_string(it->value));
        json_array_append_new(a, o);
    }
    return a;
}

static int record_job(sh_req *req, sh_conn *c, const char *uid, const char *kind, int dry_run,
                      const sh_import_result *res) {
    json_t *errs = errors_json(&res->err, JOB_ERRORS_KEPT);
    char *text = errs ? json_dumps(errs, JSON_COMPACT) : NULL;
    json_decref(errs);
    if (!text)
        return sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
    const sh_principal *p = sh_principal_of(req);
    int rc = sh_begin_write(c, &req->err);
    sh_stmt *s = rc == SH_OK
                     ? sh_prepare(c,
                                  "INSERT INTO import_job (uid, kind, actor_id, dry_run, committed, rows,"
                                  " created, updated, unchanged, error_count, encoding, ignored_columns,"
                                  " errors, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,"
                                  " $11, $12, $13, $14)",
                                  &req->err)
                     : NULL;
    if (s) {
        sh_bind_text(s, 1, uid, -1);
        sh_bind_text(s, 2, kind, -1);
        sh_bind_i64(s, 3, p ? p->account_id : 0);
        sh_bind_i64(s, 4, dry_run);
        sh_bind_i64(s, 5, res->committed);
        sh_bind_i64(s, 6, res->rows);
        sh_bind_i64(s, 7, res->created);
        sh_bind_i64(s, 8, res->updated);
        sh_bind_i64(s, 9, res->unchanged);
        sh_bind_i64(s, 10, res->nerrors);
        sh_bind_text(s, 11, res->encoding, -1);
        sh_bind_text(s, 12, res->ignored[0] ? res->ignored : NULL, -1);
        sh_bind_text(s, 13, text, -1);
        sh_bind_i64(s, 14, sh_now_ms());
        rc = sh_step(s, &req->err) == SH_DONE ? SH_OK : SH_ERR;
        sh_stmt_done(s);
    } else {
        rc = SH_ERR;
    }
    sh_free(text);
    char detail[200];
    snprintf(detail, sizeof detail, "%s %s: %ld rows, %ld created, %ld updated, %ld errors", kind,
             dry_run          ? "dry run"
             : res->committed ? "committed"
                              : "refused",
             res->rows, res->created, res->updated, res->nerrors);
    if (rc == SH_OK && sh_audit_req(req, "import", res->committed || dry_run, uid, detail) == SH_OK &&
        sh_commit(c, &req->err) == SH_OK)
        return SH_OK;
    sh_rollback(c);
    return SH_ERR;
}

static json_t *job_reply(const char *uid, const char *kind, int dry_run, const sh_import_result *res) {
    json_t *o = json_pack("{s:s,s:s,s:b,s:b,s:I,s:I,s:I,s:I,s:I,s:s?,s:s?,s:o}", "id", uid, "kind", kind,
                          "dry_run", dry_run, "committed", res->committed, "rows", (json_int_t)res->rows,
                          "created", (json_int_t)res->created, "updated", (json_int_t)res->updated,
                          "unchanged", (json_int_t)res->unchanged, "error_count", (json_int_t)res->nerrors,
                          "encoding", res->encoding, "ignored_columns", res->ignored[0] ? res->ignored : NULL,
                          "errors", errors_json(&res->err, REPLY_ERRORS));
    return o;
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
    sh_table_format fmt = !format ? SH_TABLE_AUTO : strcmp(format, "csv") == 0 ? SH_TABLE_CSV : SH_TABLE_XLSX;
    sh_table_reader *r;
    if (sh_table_open_mem(req->body.data, req->body.len, fmt, NULL, &r, &req->err) != SH_OK)
        return SH_ERR;
    sh_conn *c = sh_req_conn(req);
    if (!c) {
        sh_table_close(r);
        return SH_ERR;
    }
    sh_conn_deadline(c, IMPORT_DEADLINE_MS);
    char uid[SH_UID_LEN + 1];
    sh_new_uid(uid);
    const sh_principal *p = sh_principal_of(req);
    sh_import_opts o = {.dry_run = dry && strcmp(dry, "true") == 0,
                        .pv = {.actor = p ? p->account_id : 0,
                               .source = "import",
                               .source_ref = sh_psprintf(req->pool, "import:%s", uid)},
                        .may_write = may_write,
                        .ctx = req};
    sh_import_result res;
    int rc = sh_import_run(c, kind, r, &o, &res);
    sh_table_close(r);
    if (rc != SH_OK && res.err.status >= 500) { /* the store failed, not the file */
        req->err = res.err;
        return SH_ERR;
    }
    if (record_job(req, c, uid, kind->name, o.dry_run, &res) != SH_OK) {
        sh_import_result_clear(&res);
        return SH_ERR;
    }
    json_t *out = job_reply(uid, kind->name, o.dry_run, &res);
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
                              " encoding, ignored_columns, errors, created_at")
                   : NULL;
    if (!s)
        return SH_ERR;
    json_t *errs = json_loads(sh_col_text(s, 11), 0, NULL);
    if (json_array_size(errs) > REPLY_ERRORS) {
        json_t *cut = json_array();
        for (size_t i = 0; i < REPLY_ERRORS; i++)
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
    sh_stmt_done(s);
    return sh_reply_json(req, 200, o);
}

/* Write a table to a temporary file with fill(), then reply with its bytes. */
static int reply_table(sh_req *req, sh_table_format fmt, const char *filename,
                       int (*fill)(sh_req *req, const char *path, void *ctx), void *ctx) {
    char path[] = "/tmp/shushu-table-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return sh_err_set(&req->err, 500, "write_failed", NULL, "无法创建临时文件");
    close(fd);
    int rc = fill(req, path, ctx);
    FILE *f = rc == SH_OK ? fopen(path, "rb") : NULL;
    sh_buf *b = sh_pool_buf(req->pool, (size_t)req->app->cfg.max_upload_bytes);
    char chunk[65536];
    size_t n;
    while (f && b && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        sh_buf_append(b, chunk, n);
    if (f)
        fclose(f);
    unlink(path);
    if (rc != SH_OK)
        return SH_ERR;
    if (!b || sh_buf_ok(b) != SH_OK)
        return sh_err_set(&req->err, 500, "reply_too_large", NULL, "文件过大");
    char disp[200];
    snprintf(disp, sizeof disp, "attachment; filename=\"%s\"", filename);
    sh_reply_header(req, "Content-Disposition", disp);
    return sh_reply_raw(req, 200,
                        fmt == SH_TABLE_CSV
                            ? "text/csv; charset=utf-8"
                            : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        b->data, b->len);
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
    int rc = reply_table(req, SH_TABLE_CSV, "import-errors.csv", fill_errors, errs);
    json_decref(errs);
    return rc;
}

static int fill_template(sh_req *req, const char *path, void *ctx) {
    const sh_import_kind *k = ctx;
    const char **names = sh_palloc(req->pool, sizeof(char *) * (size_t)k->ncolumns);
    const char **hints = sh_palloc(req->pool, sizeof(char *) * (size_t)k->ncolumns);
    if (!names || !hints)
        return sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
    for (int i = 0; i < k->ncolumns; i++) {
        const sh_import_column *col = &k->columns[i];
        names[i] = col->flags & SH_IMPORT_REQUIRED ? sh_psprintf(req->pool, "★%s", col->header) : col->header;
        hints[i] = col->hint;
    }
    sh_table_writer *w;
    if (sh_table_writer_open(path, SH_TABLE_XLSX, k->label, &w, &req->err) != SH_OK)
        return SH_ERR;
    if (sh_table_write_header(w, names, hints, k->ncolumns, &req->err) != SH_OK) {
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
    snprintf(filename, sizeof filename, "template-%s.xlsx", k->name);
    return reply_table(req, SH_TABLE_XLSX, filename, fill_template, (void *)k);
}

static const sh_route routes[] = {
    {SH_POST, "/api/v1/imports/{kind}", "roster.write", upload,
     "导入文件（请求体为 CSV 或 XLSX；dry_run=true 只校验）：全部正确才写入，返回每处错误的行、列与说明",
     NULL, &job_entity, SH_ROUTE_UPLOAD, "基础数据"},
    {SH_GET, "/api/v1/imports/{id}", "roster.write", get_job, "查看自己的一次导入：计数与错误", NULL,
     &job_entity, SH_ROUTE_NO_BODY, "基础数据"},
    {SH_GET, "/api/v1/imports/{id}/errors.csv", "roster.write", job_errors, "下载一次导入的全部错误（CSV）",
     NULL, NULL, SH_ROUTE_NO_BODY | SH_ROUTE_RAW, "基础数据"},
    {SH_GET, "/api/v1/import-templates/{kind}", "roster.write", template,
     "下载导入模板（XLSX：中文表头，★ 为必填，批注说明代码）", NULL, NULL, SH_ROUTE_NO_BODY | SH_ROUTE_RAW,
     "基础数据"},
};

static const sh_entity *const entities[] = {&job_entity};

const sh_module sh_import_module = {
    .name = "import",
    .label = "数据导入",
    .routes = routes,
    .nroutes = sizeof routes / sizeof routes[0],
    .migrations = migrations,
    .nmigrations = sizeof migrations / sizeof migrations[0],
    .entities = entities,
    .nentities = sizeof entities / sizeof entities[0],
};
