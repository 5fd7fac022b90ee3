/* handlers.c — the item bank routes: list and search (knowledge point, with
 * its prerequisites or dependants, type, difficulty, status, text), create a
 * draft, read (the latest version the caller may see, or ?version=N), replace
 * the content (a draft in place; after publication a new version), the
 * versions, submit for review, review (publish or return with a note; never
 * one's own), retire, and check a response against an item. Drafts are seen by
 * their author and by reviewers; published and retired versions by every
 * reader. */
#include "items/module.h"

#include "core/clock.h"
#include "identity/access.h"
#include "kg/kg.h"
#include "model/list.h"

#include <stdio.h>
#include <stdlib.h>

#define LIST_MAX 200

static int64_t me(sh_req *req) {
    const sh_principal *p = sh_principal_of(req);
    return p ? p->account_id : 0;
}

/* The version of item i a caller sees: the latest when it is published or
 * retired, or theirs, or they review; else the published one. $1 is the
 * caller, $2 1 for a reviewer. */
#define VISIBLE_NO                                                                                           \
    "CASE WHEN i.status IN ('published', 'retired') OR i.author_id = $1 OR $2 = 1 THEN i.latest"             \
    " ELSE i.published END"

static int bind_who(sh_req *req, sh_stmt *s) {
    sh_bind_i64(s, 1, me(req));
    return sh_bind_i64(s, 2, sh_can(req, "items.review") ? 1 : 0);
}

static int reply_item(sh_req *req, sh_conn *c, const char *uid, int no, int status) {
    char sql[1024];
    snprintf(sql, sizeof sql,
             "SELECT " ITEMS_COLUMNS " FROM item i JOIN item_version v ON v.item_id = i.id AND v.no = %s"
             " WHERE i.uid = $3",
             no ? "$4 AND (v.status IN ('published', 'retired') OR i.author_id = $1 OR $2 = 1)" : VISIBLE_NO);
    sh_stmt *s = sh_prepare(c, sql, &req->err);
    if (!s)
        return SH_ERR;
    bind_who(req, s);
    sh_bind_text(s, 3, uid, -1);
    sh_bind_i64(s, 4, no);
    int rc = sh_step(s, &req->err);
    json_t *o = rc == SH_ROW ? items_row_json(s) : NULL;
    sh_stmt_done(s);
    if (rc != SH_ROW)
        return rc == SH_ERR ? SH_ERR : sh_err_set(&req->err, 404, "not_found", NULL, "题目不存在");
    json_t *one = json_pack("[o]", o);
    if (items_fill_kp(c, one, &req->err) != SH_OK) {
        json_decref(one);
        return SH_ERR;
    }
    json_t *out = json_incref(json_array_get(one, 0));
    json_decref(one);
    return sh_reply_json(req, status, out);
}

/* Find the item and check the caller sees some version of it (404 when not). */
static int find_visible(sh_req *req, sh_conn *c, item_row *row) {
    if (items_find(c, req->pool, sh_req_param(req, "id"), row, &req->err) != SH_ROW)
        return SH_ERR;
    int mine = row->author == me(req), reviewer = sh_can(req, "items.review");
    if (row->published || mine || reviewer || strcmp(row->status, "published") == 0)
        return SH_OK;
    return sh_err_set(&req->err, 404, "not_found", NULL, "题目不存在");
}

int items_get(sh_req *req) {
    sh_conn *c = sh_req_conn(req);
    item_row row;
    if (!c || find_visible(req, c, &row) != SH_OK)
        return SH_ERR;
    const char *v = sh_req_query(req, "version");
    char *end = NULL;
    long no = v ? strtol(v, &end, 10) : 0;
    if (v && (*end || no < 1 || no > 100000))
        return sh_err_set(&req->err, 400, "invalid_query", "version", "version 应为正整数");
    return reply_item(req, c, row.uid, (int)no, 200);
}

int items_versions(sh_req *req) {
    sh_conn *c = sh_req_conn(req);
    item_row row;
    if (!c || find_visible(req, c, &row) != SH_OK)
        return SH_ERR;
    sh_stmt *s =
        sh_prepare(c,
                   "SELECT v.no, v.status, v.created_at, v.published_at, v.review_note FROM item_version v"
                   " JOIN item i ON i.id = v.item_id WHERE v.item_id = $3 AND (v.status IN ('published',"
                   " 'retired') OR i.author_id = $1 OR $2 = 1) ORDER BY v.no",
                   &req->err);
    if (!s)
        return SH_ERR;
    bind_who(req, s);
    sh_bind_i64(s, 3, row.key);
    json_t *items = json_array();
    int rc;
    while ((rc = sh_step(s, &req->err)) == SH_ROW) {
        char iso[SH_ISO_LEN];
        sh_fmt_iso_ms(sh_col_i64(s, 2), iso);
        json_t *o = json_pack("{s:I,s:s,s:s}", "version", (json_int_t)sh_col_i64(s, 0), "status",
                              sh_col_text(s, 1), "created_at", iso);
        json_object_set_new(o, "review_note",
                            sh_col_text(s, 4) ? json_string(sh_col_text(s, 4)) : json_null());
        json_array_append_new(items, o);
    }
    sh_stmt_done(s);
    return sh_reply_items(req, items, rc);
}

/* ---- list ---- */

typedef struct list_args {
    const char *type, *status, *q, *include;
    int64_t kp;
    int difficulty, limit;
    int64_t after;
} list_args;

static int parse_list(sh_req *req, sh_conn *c, list_args *a) {
    static const char *const names[] = {"knowledge_point", "include", "type", "difficulty", "status", "q",
                                        "limit",           "cursor",  NULL};
    const char **k = NULL, **v = NULL;
    int n = 0;
    if (sh_api_query_args(req, &k, &v, &n) != SH_OK)
        return SH_ERR;
    memset(a, 0, sizeof *a);
    a->limit = 50;
    for (int i = 0; i < n; i++) {
        int known = 0;
        for (const char *const *nm = names; *nm && !known; nm++)
            known = strcmp(*nm, k[i]) == 0;
        if (!known)
            sh_err_add(&req->err, 400, "unknown_parameter", k[i], NULL, "不认识的查询参数“%.40s”", k[i]);
    }
    for (int i = 0; i < n; i++) {
        char *end;
        if (strcmp(k[i], "knowledge_point") == 0) {
            sh_err e;
            sh_err_init(&e);
            a->kp = sh_kg_point_key(c, v[i], &e);
            sh_err_clear(&e);
            if (!a->kp)
                sh_err_add(&req->err, 400, "unknown_reference", "knowledge_point", NULL,
                           "知识点“%.60s”不存在", v[i]);
        } else if (strcmp(k[i], "include") == 0) {
            a->include = v[i];
            if (strcmp(v[i], "prerequisites") != 0 && strcmp(v[i], "dependants") != 0)
                sh_err_add(&req->err, 400, "invalid_query", "include", NULL,
                           "include 应为 prerequisites 或 dependants");
        } else if (strcmp(k[i], "type") == 0) {
            a->type = v[i];
        } else if (strcmp(k[i], "status") == 0) {
            a->status = v[i];
        } else if (strcmp(k[i], "q") == 0) {
            a->q = v[i];
            if (strlen(v[i]) > 100)
                sh_err_add(&req->err, 400, "invalid_query", "q", NULL, "搜索词不能超过 100 字节");
        } else if (strcmp(k[i], "difficulty") == 0) {
            a->difficulty = (int)strtol(v[i], &end, 10);
            if (*end || a->difficulty < 1 || a->difficulty > 5)
                sh_err_add(&req->err, 400, "invalid_query", "difficulty", NULL, "难度应为 1 到 5 的整数");
        } else if (strcmp(k[i], "limit") == 0) {
            a->limit = (int)strtol(v[i], &end, 10);
            if (*end || a->limit < 1 || a->limit > LIST_MAX)
                sh_err_add(&req->err, 400, "invalid_limit", "limit", NULL, "limit 应为 1 到 %d 之间的整数",
                           LIST_MAX);
        } else if (strcmp(k[i], "cursor") == 0) {
            sh_err e;
            sh_err_init(&e);
            if (sh_cursor_decode(v[i], &a->after, &e) != SH_OK)
                sh_err_add(&req->err, 400, "invalid_cursor", "cursor", NULL, "cursor 无效");
            sh_err_clear(&e);
        }
    }
    if (a->include && !a->kp)
        sh_err_add(&req->err, 400, "invalid_query", "include", NULL, "include 须与 knowledge_point 一起使用");
    return sh_err_count(&req->err) ? SH_ERR : SH_OK;
}

int items_list(sh_req *req) {
    sh_conn *c = sh_req_conn(req);
    list_args a;
    if (!c || parse_list(req, c, &a) != SH_OK)
        return SH_ERR;
    char closure[512];
    sh_buf *sql = sh_pool_buf(req->pool, 8192);
    if (!sql)
        return sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
    sh_buf_puts(sql, "SELECT " ITEMS_COLUMNS
                     " FROM item i JOIN item_version v ON v.item_id = i.id AND v.no = " VISIBLE_NO
                     " WHERE i.id > $3");
    if (a.kp) {
        sh_buf_puts(sql,
                    " AND EXISTS (SELECT 1 FROM item_kp k WHERE k.version_id = v.id AND (k.point_id = $4");
        if (a.include)
            sh_buf_printf(sql, " OR k.point_id IN (SELECT id FROM (%s) w)",
                          sh_kg_closure_sql(a.include, 4, closure, sizeof closure));
        sh_buf_puts(sql, "))");
    }
    if (a.type)
        sh_buf_puts(sql, " AND v.type = $5");
    if (a.difficulty)
        sh_buf_puts(sql, " AND v.difficulty = $6");
    if (a.status)
        sh_buf_puts(sql, " AND v.status = $7");
    if (a.q && *a.q)
        sh_buf_puts(sql, " AND v.stem LIKE '%' || $8 || '%'");
    sh_buf_puts(sql, " ORDER BY i.id LIMIT $9");
    if (sh_buf_ok(sql) != SH_OK)
        return sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
    sh_stmt *s = sh_prepare(c, sql->data, &req->err);
    if (!s)
        return SH_ERR;
    bind_who(req, s);
    sh_bind_i64(s, 3, a.after);
    sh_bind_i64(s, 4, a.kp);
    sh_bind_text(s, 5, a.type, -1);
    sh_bind_i64(s, 6, a.difficulty);
    sh_bind_text(s, 7, a.status, -1);
    sh_bind_text(s, 8, a.q, -1);
    sh_bind_i64(s, 9, a.limit + 1);
    json_t *items = json_array();
    int rc, n = 0;
    int64_t last = 0;
    while ((rc = sh_step(s, &req->err)) == SH_ROW && n < a.limit) {
        json_t *o = items_row_json(s);
        if (o)
            json_array_append_new(items, o);
        last = sh_col_i64(s, 12);
        n++;
    }
    int more = rc == SH_ROW;
    sh_stmt_done(s);
    if (rc == SH_ERR || items_fill_kp(c, items, &req->err) != SH_OK) {
        json_decref(items);
        return SH_ERR;
    }
    char cursor[SH_CURSOR_MAX];
    if (more)
        sh_cursor_encode(last, cursor);
    return sh_reply_json(
        req, 200,
        json_pack("{s:o,s:o}", "items", items, "next_cursor", more ? json_string(cursor) : json_null()));
}

/* ---- writes ---- */

/* The body as a checked item with its knowledge points' keys. */
static int body_item(sh_req *req, sh_conn *c, sh_item *it, int64_t *kp) {
    json_t *body;
    if (sh_req_json(req, &body) != SH_OK)
        return SH_ERR;
    /* fields a reply carries may come back from an editor: not content */
    static const char *const echoed[] = {
        "id",         "version",    "status",         "review_note",       "published_at",
        "created_at", "updated_at", "latest_version", "published_version", NULL};
    for (const char *const *e = echoed; *e; e++)
        json_object_del(body, *e);
    json_t *kps = json_object_get(body, "knowledge_points");
    size_t i;
    json_t *v;
    json_array_foreach(kps, i, v) { /* [{code}] as a reply has them, or codes */
        if (json_is_object(v) && json_is_string(json_object_get(v, "code")))
            json_array_set(kps, i, json_object_get(v, "code"));
    }
    int rc = sh_item_parse(body, it, &req->err);
    if (rc == SH_OK && it->code)
        it->code = sh_pstrdup(req->pool, it->code);
    for (int k = 0; k < it->nkp; k++)
        it->kp[k] = sh_pstrdup(req->pool, it->kp[k]);
    json_decref(body);
    if (rc == SH_OK && items_kp_keys(c, it, kp, 0, &req->err) != SH_OK) {
        json_decref(it->content);
        return SH_ERR;
    }
    return rc;
}

int items_create(sh_req *req) {
    sh_conn *c = sh_req_conn(req);
    sh_item it;
    int64_t kp[SH_ITEM_MAX_KP];
    if (!c || body_item(req, c, &it, kp) != SH_OK)
        return SH_ERR;
    const sh_principal *pr = sh_principal_of(req);
    sh_provenance pv = sh_req_provenance(req);
    int changed;
    const char *uid = NULL;
    int rc = sh_begin_write(c, &req->err);
    if (rc == SH_OK)
        rc = items_save(c, req->pool, NULL, &it, kp, pr ? pr->org_id : 0, me(req), "draft", &pv, &changed,
                        &uid, &req->err);
    json_decref(it.content);
    if (rc == SH_OK)
        rc = sh_commit(c, &req->err);
    else
        sh_rollback(c);
    if (rc != SH_OK && strcmp(req->err.first.code, "conflict") == 0)
        sh_err_set(&req->err, 409, "conflict", "code", "题目编码已存在");
    return rc == SH_OK ? reply_item(req, c, uid, 0, 201) : SH_ERR;
}

/* The author of the item or a reviewer may change it; others are refused. */
static int may_edit(sh_req *req, const item_row *row) {
    if (row->author == me(req) || sh_can(req, "items.review"))
        return SH_OK;
    return sh_err_set(&req->err, 403, "forbidden", NULL, "只能修改本人编写的题目");
}

int items_put(sh_req *req) {
    sh_conn *c = sh_req_conn(req);
    item_row row;
    sh_item it;
    int64_t kp[SH_ITEM_MAX_KP];
    if (!c || find_visible(req, c, &row) != SH_OK || may_edit(req, &row) != SH_OK ||
        body_item(req, c, &it, kp) != SH_OK)
        return SH_ERR;
    int rc = SH_OK;
    if (it.code && (!row.code || strcmp(it.code, row.code) != 0))
        rc = sh_err_set(&req->err, 400, "immutable", "code", "题目编码不能修改");
    sh_provenance pv = sh_req_provenance(req);
    int changed;
    const char *uid = NULL;
    if (rc == SH_OK)
        rc = sh_begin_write(c, &req->err);
    if (rc == SH_OK) {
        rc = items_save(c, req->pool, &row, &it, kp, 0, me(req), "draft", &pv, &changed, &uid, &req->err);
        if (rc == SH_OK)
            rc = sh_commit(c, &req->err);
        else
            sh_rollback(c);
    }
    json_decref(it.content);
    return rc == SH_OK ? reply_item(req, c, row.uid, 0, 200) : SH_ERR;
}

/* Move the latest version from `from` to `to`, in one write transaction. */
static int transition(sh_req *req, const char *from, const char *to, const char *note, int reviewing) {
    sh_conn *c = sh_req_conn(req);
    item_row row;
    if (!c || find_visible(req, c, &row) != SH_OK)
        return SH_ERR;
    if (!reviewing && may_edit(req, &row) != SH_OK)
        return SH_ERR;
    if (strcmp(row.status, from) != 0) {
        static const char *const names[][2] = {
            {"draft", "草稿"}, {"in_review", "待审核"}, {"published", "已发布"}, {"retired", "已停用"}};
        const char *now = row.status, *want = from;
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
            if (strcmp(names[i][0], row.status) == 0)
                now = names[i][1];
            if (strcmp(names[i][0], from) == 0)
                want = names[i][1];
        }
        return sh_err_set(&req->err, 409, "invalid_state", "status",
                          "题目当前为“%s”，只有“%s”的题目可以这样操作", now, want);
    }
    if (reviewing && strcmp(from, "in_review") == 0) { /* never one's own */
        sh_stmt *s = sh_prepare(
            c, "SELECT COALESCE(author_id, 0) FROM item_version WHERE item_id = $1 AND no = $2", &req->err);
        if (!s)
            return SH_ERR;
        sh_bind_i64(s, 1, row.key);
        sh_bind_i64(s, 2, row.latest);
        int64_t author = sh_step(s, &req->err) == SH_ROW ? sh_col_i64(s, 0) : 0;
        sh_stmt_done(s);
        if (author == me(req))
            return sh_err_set(&req->err, 409, "own_item", NULL, "不能审核本人编写的题目，请由其他审核人审核");
    }
    sh_provenance pv = sh_req_provenance(req);
    int rc = sh_begin_write(c, &req->err);
    if (rc == SH_OK)
        rc = items_set_status(c, req->pool, &row, to, reviewing ? me(req) : 0, note, &pv, &req->err);
    char object[80];
    snprintf(object, sizeof object, "item:%s:%d", row.uid, row.latest);
    if (rc == SH_OK && reviewing)
        rc = sh_audit_req(req,
                          strcmp(to, "published") == 0 ? "item_published"
                          : strcmp(to, "retired") == 0 ? "item_retired"
                                                       : "item_returned",
                          1, object, note);
    if (rc == SH_OK)
        rc = sh_commit(c, &req->err);
    else
        sh_rollback(c);
    return rc == SH_OK ? reply_item(req, c, row.uid, 0, 200) : SH_ERR;
}

int items_submit(sh_req *req) { return transition(req, "draft", "in_review", NULL, 0); }

int items_review(sh_req *req) {
    json_t *body;
    if (sh_req_json(req, &body) != SH_OK)
        return SH_ERR;
    const char *d = json_string_value(json_object_get(body, "decision"));
    const char *note = json_string_value(json_object_get(body, "note"));
    int rc = SH_OK;
    if (!d || (strcmp(d, "approve") != 0 && strcmp(d, "reject") != 0))
        rc = sh_err_set(&req->err, 400, "invalid_decision", "decision",
                        "decision 应为 approve（发布）或 reject（退回）");
    else if (strcmp(d, "reject") == 0 && (!note || !*note))
        rc = sh_err_set(&req->err, 400, "required", "note", "退回须填写审核意见");
    else if (note && strlen(note) > 1500)
        rc = sh_err_set(&req->err, 400, "too_long", "note", "审核意见不能超过 500 字");
    const char *kept = note ? sh_pstrdup(req->pool, note) : NULL;
    int approve = d && strcmp(d, "approve") == 0;
    json_decref(body);
    if (rc != SH_OK)
        return SH_ERR;
    return transition(req, "in_review", approve ? "published" : "draft", kept, 1);
}

int items_retire(sh_req *req) { return transition(req, "published", "retired", NULL, 1); }

/* Check a response against the item's visible version: the verdict, for the
 * editor's preview and for clients; grading calls sh_item_check itself. */
int items_check_api(sh_req *req) {
    json_t *body;
    if (sh_req_json(req, &body) != SH_OK)
        return SH_ERR;
    sh_conn *c = sh_req_conn(req);
    item_row row;
    int rc = c ? find_visible(req, c, &row) : SH_ERR;
    json_t *content = NULL;
    if (rc == SH_OK) {
        char sql[512];
        snprintf(
            sql, sizeof sql,
            "SELECT v.content FROM item i JOIN item_version v ON v.item_id = i.id AND v.no = %s WHERE i.id = $3",
            VISIBLE_NO);
        sh_stmt *s = sh_prepare(c, sql, &req->err);
        rc = s ? SH_OK : SH_ERR;
        if (s) {
            bind_who(req, s);
            sh_bind_i64(s, 3, row.key);
            if (sh_step(s, &req->err) == SH_ROW)
                content = json_loads(sh_col_text(s, 0), 0, NULL);
            sh_stmt_done(s);
        }
    }
    sh_answer_verdict v =
        content ? sh_item_check(content, json_object_get(body, "response")) : SH_ANSWER_INVALID;
    json_decref(content);
    json_decref(body);
    if (rc != SH_OK)
        return SH_ERR;
    if (v == SH_ANSWER_INVALID)
        return sh_err_set(&req->err, 400, "invalid_response", "response", "作答的形式与题型不符");
    static const char *const names[] = {"wrong", "right", "needs_scoring"};
    return sh_reply_json(req, 200, json_pack("{s:s}", "verdict", names[v]));
}
