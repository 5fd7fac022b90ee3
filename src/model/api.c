/* api.c — generic list/read handlers over entity declarations. See api.h. */
#include "model/api.h"

#include "app.h"

#include <pthread.h>
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

sh_stmt *sh_api_list_prepare(sh_req *req, const sh_entity *e, const sh_scope *scope, const sh_list_query *q) {
    sh_buf *sql = sh_pool_buf(req->pool, 16384);
    int extra = scope ? scope->nparams : 0;
    if (!sql || sh_list_sql(sql, e, q, scope ? scope->where : NULL, extra) != SH_OK) {
        sh_err_set(&req->err, 500, "internal", NULL, "无法生成查询");
        return NULL;
    }
    sh_conn *c = sh_req_conn(req);
    sh_stmt *s = c ? sh_prepare(c, sql->data, &req->err) : NULL;
    if (s && ((scope && scope->bind && scope->bind(s, scope->ctx) != SH_OK) ||
              sh_list_bind(s, e, q, extra) != SH_OK)) {
        sh_stmt_done(s);
        sh_err_set(&req->err, 500, "internal", NULL, "查询参数绑定失败");
        return NULL;
    }
    return s;
}

int sh_api_list(sh_req *req, const sh_entity *e, const sh_scope *scope) {
    return sh_api_list_with(req, e, scope, NULL);
}

int sh_api_list_with(sh_req *req, const sh_entity *e, const sh_scope *scope, const char *const *also) {
    const char **k = NULL, **v = NULL;
    int n = 0;
    if (sh_api_query_args(req, &k, &v, &n) != SH_OK)
        return SH_ERR;
    sh_list_query q;
    if (sh_list_query_parse(req->pool, e, k, v, n, also, &q, &req->err) != SH_OK)
        return SH_ERR;
    sh_stmt *s = sh_api_list_prepare(req, e, scope, &q);
    if (!s)
        return SH_ERR;
    sh_buf *out = sh_reply_json_begin(req, 200);
    sh_view view = {.unmask = scope && scope->unmask};
    int rc = SH_DONE, rows = 0;
    int64_t last = 0;
    sh_buf_puts(out, "{\"items\":[");
    while ((rc = sh_step(s, &req->err)) == SH_ROW) {
        if (rows == q.limit)
            break; /* the extra row only says there is a next page */
        if (rows)
            sh_buf_putc(out, ',');
        sh_row_write(out, e, s, &view);
        last = sh_col_i64(s, 0);
        rows++;
    }
    int more = rows == q.limit && rc == SH_ROW;
    sh_stmt_done(s);
    if (rc == SH_ERR)
        return SH_ERR;
    sh_buf_puts(out, "],\"next_cursor\":");
    if (more) {
        char cur[SH_CURSOR_MAX];
        sh_cursor_encode(last, cur);
        sh_buf_json_str(out, cur, strlen(cur));
    } else {
        sh_buf_puts(out, "null");
    }
    sh_buf_putc(out, '}');
    return sh_buf_ok(out) == SH_OK ? SH_OK : sh_err_set(&req->err, 500, "reply_too_large", NULL, "应答过大");
}

/* The read-by-id SQL of an entity under a scope predicate is the same for every
 * request of a route: it is built once and kept (entries are never replaced, so a
 * found text stays valid without the lock). */
#define GET_SQL_SLOTS 64
static struct {
    const sh_entity *e;
    char where[256];
    char sql[4096];
} get_sqls[GET_SQL_SLOTS];
static int nget_sqls;
static pthread_rwlock_t get_sql_lock = PTHREAD_RWLOCK_INITIALIZER; /* readers never wait for each other */

static const char *build_get_sql(sh_buf *sql, const sh_entity *e, const sh_field *uf, const sh_scope *scope) {
    int extra = scope ? scope->nparams : 0;
    sh_buf_puts(sql, "SELECT ");
    sh_select_columns(sql, e, "t");
    sh_buf_printf(sql, " FROM %s t WHERE t.%s = $%d", e->table, uf->column, extra + 1);
    if (scope && scope->where)
        sh_buf_printf(sql, " AND (%s)", scope->where);
    return sh_buf_ok(sql) == SH_OK ? sql->data : NULL;
}

static const char *get_sql(sh_req *req, const sh_entity *e, const sh_field *uf, const sh_scope *scope) {
    const char *where = scope && scope->where ? scope->where : "";
    const char *found = NULL;
    pthread_rwlock_rdlock(&get_sql_lock);
    for (int i = 0; i < nget_sqls && !found; i++)
        if (get_sqls[i].e == e && strcmp(get_sqls[i].where, where) == 0)
            found = get_sqls[i].sql;
    pthread_rwlock_unlock(&get_sql_lock);
    if (found)
        return found;
    sh_buf *sql = sh_pool_buf(req->pool, 16384);
    const char *text = sql ? build_get_sql(sql, e, uf, scope) : NULL;
    if (!text || strlen(where) >= sizeof get_sqls[0].where || strlen(text) >= sizeof get_sqls[0].sql)
        return text;
    pthread_rwlock_wrlock(&get_sql_lock);
    if (nget_sqls < GET_SQL_SLOTS) {
        get_sqls[nget_sqls].e = e;
        memcpy(get_sqls[nget_sqls].where, where, strlen(where) + 1);
        memcpy(get_sqls[nget_sqls].sql, text, strlen(text) + 1);
        nget_sqls++;
    }
    pthread_rwlock_unlock(&get_sql_lock);
    return text;
}

int sh_api_get(sh_req *req, const sh_entity *e, const char *uid, const sh_scope *scope) {
    const sh_field *uf = NULL;
    for (int i = 0; i < e->nfields && !uf; i++)
        if (e->fields[i].type == SH_T_UID)
            uf = &e->fields[i];
    if (!uf || !uid || strlen(uid) > 64)
        return sh_err_set(&req->err, 404, "not_found", NULL, "%s不存在", e->label);
    int extra = scope ? scope->nparams : 0;
    const char *sql = get_sql(req, e, uf, scope);
    if (!sql)
        return sh_err_set(&req->err, 500, "internal", NULL, "无法生成查询");
    sh_conn *c = sh_req_conn(req);
    if (!c)
        return SH_ERR;
    sh_stmt *s = sh_prepare(c, sql, &req->err);
    if (!s)
        return SH_ERR;
    if (scope && scope->bind)
        scope->bind(s, scope->ctx);
    sh_bind_text(s, extra + 1, uid, -1);
    int rc = sh_step(s, &req->err);
    sh_view view = {.unmask = scope && scope->unmask};
    if (rc == SH_ROW)
        sh_row_write(sh_reply_json_begin(req, 200), e, s, &view);
    sh_stmt_done(s);
    if (rc == SH_ERR)
        return SH_ERR;
    if (rc == SH_DONE)
        return sh_err_set(&req->err, 404, "not_found", NULL, "%s不存在", e->label);
    return sh_buf_ok(&req->out) == SH_OK ? SH_OK
                                         : sh_err_set(&req->err, 500, "reply_too_large", NULL, "应答过大");
}

json_t *sh_api_get_json(sh_req *req, const sh_entity *e, const char *uid, const sh_scope *scope) {
    if (sh_api_get(req, e, uid, scope) != SH_OK)
        return NULL;
    json_error_t je;
    json_t *o = json_loadb(req->out.data, req->out.len, 0, &je);
    sh_buf_reset(&req->out);
    if (!o)
        sh_err_set(&req->err, 500, "internal", NULL, "无法读取%s", e->label);
    return o;
}
