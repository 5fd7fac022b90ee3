/* export.c — lists as CSV or XLSX files. See export.h. */
#include "model/export.h"

#include "codes/codes.h"
#include "core/alloc.h"
#include "tabular/writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Code names met in one export, so each is looked up once. */
#define NAMES_CACHED 512
typedef struct names {
    sh_conn *c;
    sh_pool *p;
    int n;
    const char *table[NAMES_CACHED], *code[NAMES_CACHED], *name[NAMES_CACHED];
} names;

static const char *code_name(void *ctx, const char *table, const char *code) {
    names *m = ctx;
    for (int i = 0; i < m->n; i++)
        if (m->table[i] == table && strcmp(m->code[i], code) == 0)
            return m->name[i];
    char name[256];
    const char *v = sh_codes_name(m->c, table, code, name, sizeof name, NULL) == SH_ROW && name[0]
                        ? sh_pstrdup(m->p, name)
                        : sh_pstrdup(m->p, code);
    if (m->n < NAMES_CACHED && v) {
        m->table[m->n] = table;
        m->code[m->n] = sh_pstrdup(m->p, code);
        m->name[m->n++] = v;
    }
    return v;
}

int sh_export_format(sh_req *req, sh_table_format *fmt) {
    const char *f = sh_req_query(req, "format");
    if (!f)
        return 0;
    if (strcmp(f, "csv") == 0)
        *fmt = SH_TABLE_CSV;
    else if (strcmp(f, "xlsx") == 0)
        *fmt = SH_TABLE_XLSX;
    else
        return sh_err_set(&req->err, 400, "invalid_format", "format", "format 应为 csv 或 xlsx");
    return 1;
}

/* Write the rows of s to the writer; SH_OK, or SH_ERR with req->err. */
static int write_rows(sh_req *req, const sh_entity *e, sh_stmt *s, const sh_view *view, sh_table_writer *w,
                      long *rows) {
    names *m = sh_pcalloc(req->pool, sizeof *m);
    const char **cells = sh_palloc(req->pool, sizeof(char *) * (size_t)(e->nfields + e->ncomputed));
    if (!m || !cells)
        return sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
    m->c = sh_req_conn(req);
    m->p = req->pool;
    sh_code_names codes = {code_name, m};
    int rc;
    while ((rc = sh_step(s, &req->err)) == SH_ROW) {
        if (*rows == SH_EXPORT_MAX_ROWS)
            return sh_err_set(&req->err, 413, "export_too_large", NULL,
                              "导出超过 %d 行，请加筛选条件分批导出", SH_EXPORT_MAX_ROWS);
        sh_pool *row = sh_pool_create();
        int n = row ? sh_row_texts(row, e, s, view, &codes, cells) : -1;
        int ok = n >= 0 && sh_table_write_row(w, cells, n, &req->err) == SH_OK;
        sh_pool_destroy(row);
        if (!ok)
            return n < 0 ? sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足") : SH_ERR;
        ++*rows;
    }
    return rc == SH_ERR ? SH_ERR : SH_OK;
}

int sh_api_export(sh_req *req, const sh_entity *e, const sh_scope *scope, sh_table_format fmt, long *rows) {
    *rows = 0;
    const char **k = NULL, **v = NULL;
    int n = 0;
    static const char *const also[] = {"format", "unmask_reason", NULL};
    if (sh_api_query_args(req, &k, &v, &n) != SH_OK)
        return SH_ERR;
    sh_list_query q;
    if (sh_list_query_parse(req->pool, e, k, v, n, also, &q, &req->err) != SH_OK)
        return SH_ERR;
    q.limit = SH_EXPORT_MAX_ROWS + 1; /* the extra row says there are too many */
    q.after = 0;
    sh_stmt *s = sh_api_list_prepare(req, e, scope, &q);
    if (!s)
        return SH_ERR;
    /* the file, made here and streamed (then gone) by sh_reply_temp_file */
    char path[SH_TEMP_PATH];
    if (sh_reply_temp_path(req, path) != SH_OK) {
        sh_stmt_done(s);
        return SH_ERR;
    }
    sh_view view = {.unmask = scope && scope->unmask};
    const char **heads = sh_palloc(req->pool, sizeof(char *) * (size_t)(e->nfields + e->ncomputed));
    sh_table_writer *w = NULL;
    int rc = heads ? SH_OK : sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
    if (rc == SH_OK)
        rc = sh_table_writer_open(path, fmt, e->label, &w, &req->err);
    if (rc == SH_OK)
        rc = sh_table_write_header(w, heads, NULL, sh_row_headers(e, &view, heads), &req->err);
    if (rc == SH_OK)
        rc = write_rows(req, e, s, &view, w, rows);
    sh_stmt_done(s);
    if (rc == SH_OK) {
        rc = sh_table_writer_close(w, &req->err);
        w = NULL;
    }
    if (w)
        sh_table_writer_abort(w);
    if (rc != SH_OK) {
        unlink(path);
        return SH_ERR;
    }
    return sh_reply_temp_file(req, path, sh_table_content_type(fmt), e->name, e->label,
                              fmt == SH_TABLE_CSV ? "csv" : "xlsx");
}
