/* api.c — generic list/read handlers over entity declarations. See api.h. */
#include "model/api.h"

#include "app.h"

#include <string.h>

#define MAX_ARGS 64

typedef struct args {
    sh_pool *pool;
    const char **k, **v;
    int n, overflow;
} args;

static void collect(void *ctx, const char *k, const char *v) {
    args *a = ctx;
    if (a->n == MAX_ARGS) {
        a->overflow = 1;
        return;
    }
    a->k[a->n] = k;
    a->v[a->n] = v;
    a->n++;
}

int sh_api_query_args(sh_req *req, const char ***keys, const char ***vals, int *n) {
    args a = {req->pool, sh_palloc(req->pool, sizeof(char *) * MAX_ARGS),
              sh_palloc(req->pool, sizeof(char *) * MAX_ARGS), 0, 0};
    if (!a.k || !a.v)
        return sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
    sh_req_each_query(req, collect, &a);
    if (a.overflow)
        return sh_err_set(&req->err, 400, "too_many_parameters", NULL, "查询参数过多（最多 %d 个）",
                          MAX_ARGS);
    *keys = a.k;
    *vals = a.v;
    *n = a.n;
    return SH_OK;
}

int sh_api_list(sh_req *req, const sh_entity *e, const sh_scope *scope) {
    const char **k = NULL, **v = NULL;
    int n = 0;
    if (sh_api_query_args(req, &k, &v, &n) != SH_OK)
        return SH_ERR;
    sh_list_query q;
    if (sh_list_query_parse(req->pool, e, k, v, n, NULL, &q, &req->err) != SH_OK)
        return SH_ERR;
    sh_buf *sql = sh_pool_buf(req->pool, 16384);
    int extra = scope ? scope->nparams : 0;
    if (!sql || sh_list_sql(sql, e, &q, scope ? scope->where : NULL, extra) != SH_OK)
        return sh_err_set(&req->err, 500, "internal", NULL, "无法生成查询");
    sh_conn *c = sh_req_conn(req);
    if (!c)
        return SH_ERR;
    sh_stmt *s = sh_prepare(c, sql->data, &req->err);
    if (!s)
        return SH_ERR;
    if ((scope && scope->bind && scope->bind(s, scope->ctx) != SH_OK) ||
        sh_list_bind(s, e, &q, extra) != SH_OK) {
        sh_stmt_done(s);
        return sh_err_set(&req->err, 500, "internal", NULL, "查询参数绑定失败");
    }
    json_t *items = json_array();
    json_t *out = json_object();
    sh_view view = {0};
    int rc = SH_DONE, rows = 0;
    int64_t last = 0;
    while (items && out && (rc = sh_step(s, &req->err)) == SH_ROW) {
        if (rows == q.limit)
            break; /* the extra row only says there is a next page */
        json_t *o = sh_row_json(e, s, &view);
        if (!o || json_array_append_new(items, o) != 0) {
            rc = SH_ERR;
            sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
            break;
        }
        last = sh_col_i64(s, 0);
        rows++;
    }
    int more = rows == q.limit && rc == SH_ROW;
    sh_stmt_done(s);
    if (!items || !out || rc == SH_ERR) {
        json_decref(items);
        json_decref(out);
        if (!req->err.status)
            sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
        return SH_ERR;
    }
    json_object_set_new(out, "items", items);
    if (more) {
        char cur[SH_CURSOR_MAX];
        sh_cursor_encode(last, cur);
        json_object_set_new(out, "next_cursor", json_string(cur));
    } else {
        json_object_set_new(out, "next_cursor", json_null());
    }
    return sh_reply_json(req, 200, out);
}

int sh_api_get(sh_req *req, const sh_entity *e, const char *uid, const sh_scope *scope) {
    const sh_field *uf = NULL;
    for (int i = 0; i < e->nfields && !uf; i++)
        if (e->fields[i].type == SH_T_UID)
            uf = &e->fields[i];
    if (!uf || !uid || strlen(uid) > 64)
        return sh_err_set(&req->err, 404, "not_found", NULL, "%s不存在", e->label);
    sh_buf *sql = sh_pool_buf(req->pool, 16384);
    int extra = scope ? scope->nparams : 0;
    if (!sql)
        return sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
    sh_buf_puts(sql, "SELECT ");
    sh_select_columns(sql, e, "t");
    sh_buf_printf(sql, " FROM %s t WHERE t.%s = $%d", e->table, uf->column, extra + 1);
    if (scope && scope->where)
        sh_buf_printf(sql, " AND (%s)", scope->where);
    if (sh_buf_ok(sql) != SH_OK)
        return sh_err_set(&req->err, 500, "internal", NULL, "无法生成查询");
    sh_conn *c = sh_req_conn(req);
    if (!c)
        return SH_ERR;
    sh_stmt *s = sh_prepare(c, sql->data, &req->err);
    if (!s)
        return SH_ERR;
    if (scope && scope->bind)
        scope->bind(s, scope->ctx);
    sh_bind_text(s, extra + 1, uid, -1);
    int rc = sh_step(s, &req->err);
    json_t *o = NULL;
    sh_view view = {0};
    if (rc == SH_ROW)
        o = sh_row_json(e, s, &view);
    sh_stmt_done(s);
    if (rc == SH_ERR)
        return SH_ERR;
    if (rc == SH_DONE)
        return sh_err_set(&req->err, 404, "not_found", NULL, "%s不存在", e->label);
    return sh_reply_json(req, 200, o);
}
