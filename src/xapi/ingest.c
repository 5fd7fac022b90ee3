/* ingest.c — storing statements: the scope rule for the people they name, ids,
 * conflicts, voiding, the LRS-set properties (stored, authority, version), the
 * filter indexes, merged activity definitions and attachment contents, all in
 * one write transaction per request. Nothing is acknowledged before the
 * transaction has committed (SQLite with synchronous=FULL), and a batch with
 * one rejected statement stores nothing.
 *
 * Who may be named (docs/decisions.md, "xAPI: people by opaque account"): a
 * Shushu person is an Agent whose account.homePage is this deployment's
 * address and account.name the person's opaque uid. Every such person in a
 * statement must be under the client's org node, and carries no name (the
 * statement must not hold it). Agents identified otherwise (mbox, openid,
 * another system's account) are refused unless the client is registered for
 * external agents, and even then an mbox that holds a mainland mobile number is
 * refused. */
#include "xapi/x_impl.h"

#include "core/alloc.h"
#include "core/clock.h"
#include "core/uid.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define PERSON_CACHE 64

typedef struct person_hit {
    const char *uid;
    int64_t org; /* 0: not found in scope */
} person_hit;

typedef struct walk {
    sh_req *req;
    x_ctx *x;
    const char *prefix;
    int64_t org; /* org of the statement: the actor's school */
    int failed;
    person_hit cache[PERSON_CACHE];
    int ncache;
} walk;

/* The school under the client's node where the person is a student, staff
 * member, family member or account holder; 0 when none. */
static int person_org(walk *w, const char *uid, int64_t *org) {
    for (int i = 0; i < w->ncache; i++)
        if (strcmp(w->cache[i].uid, uid) == 0)
            return *org = w->cache[i].org, SH_OK;
    sh_conn *c = sh_req_conn(w->req);
    if (!c)
        return SH_ERR;
    sh_stmt *s = sh_prepare(
        c,
        "SELECT o.org FROM (SELECT st.school_id AS org FROM student st JOIN person p ON p.id = st.person_id"
        " WHERE p.uid = $1 UNION ALL SELECT sf.school_id FROM staff sf JOIN person p ON p.id = sf.person_id"
        " WHERE p.uid = $1 UNION ALL SELECT g.school_id FROM guardian_link g JOIN person p ON p.id = g.person_id"
        " WHERE p.uid = $1 UNION ALL SELECT a.org_id FROM account a JOIN person p ON p.id = a.person_id"
        " WHERE p.uid = $1 AND a.org_id IS NOT NULL) o"
        " WHERE EXISTS (SELECT 1 FROM org_closure x WHERE x.descendant_id = o.org AND x.ancestor_id = $2)"
        " LIMIT 1",
        &w->req->err);
    if (!s)
        return SH_ERR;
    sh_bind_text(s, 1, uid, -1);
    sh_bind_i64(s, 2, w->x->client.org_id);
    int rc = sh_step(s, &w->req->err);
    *org = rc == SH_ROW ? sh_col_i64(s, 0) : 0;
    sh_stmt_done(s);
    if (rc == SH_ERR)
        return SH_ERR;
    if (w->ncache < PERSON_CACHE) {
        w->cache[w->ncache].uid = sh_pstrdup(w->req->pool, uid);
        w->cache[w->ncache++].org = *org;
    }
    return SH_OK;
}

/* An mbox whose address holds 11 digits starting with 1: a mobile number. */
static int holds_phone(const char *mbox) {
    int run = 0;
    for (const char *p = mbox; *p; p++) {
        run = isdigit((unsigned char)*p) ? run + 1 : 0;
        if (run == 11 && p[-10] == '1')
            return 1;
    }
    return 0;
}

static void check_agent(void *ctx, const json_t *a, int related) {
    walk *w = ctx;
    if (w->failed)
        return;
    sh_req *req = w->req;
    const char *uid = x_agent_person(a, w->x->base);
    const char *mbox = json_string_value(json_object_get(a, "mbox"));
    if (uid) {
        if (json_object_get(a, "name")) {
            w->failed = 1;
            sh_err_set(&req->err, 400, "personal_data", "name",
                       "%s以数枢账号标识的人员不能带 name（姓名属个人信息，统计与分析只用不透明账号）",
                       w->prefix);
            return;
        }
        int64_t org = 0;
        if (person_org(w, uid, &org) != SH_OK) {
            w->failed = 1;
            return;
        }
        if (!org) {
            w->failed = 1;
            sh_err_set(&req->err, 403, "out_of_scope", "actor",
                       "%s人员“%.40s”不存在或不在此 LRS 客户端的管辖范围内", w->prefix, uid);
            return;
        }
        if (!w->org && related == 0)
            w->org = org;
        return;
    }
    const char *t = json_string_value(json_object_get(a, "objectType"));
    int anonymous_group = t && strcmp(t, "Group") == 0 && !mbox && !json_object_get(a, "mbox_sha1sum") &&
                          !json_object_get(a, "openid") && !json_object_get(a, "account");
    if (anonymous_group) /* its members are checked one by one */
        return;
    if (mbox && holds_phone(mbox)) {
        w->failed = 1;
        sh_err_set(
            &req->err, 400, "personal_data", "mbox",
            "%s不能以手机号标识人员；请使用数枢账号（account.homePage 为本平台地址，account.name 为人员编号）",
            w->prefix);
        return;
    }
    if (!w->x->client.external) {
        w->failed = 1;
        sh_err_set(
            &req->err, 400, "person_not_by_account", "actor",
            "%s人员须以数枢账号标识（account.homePage 为 %s，account.name 为人员编号），不得使用邮箱、手机号或姓名",
            w->prefix, w->x->base);
    }
}

int x_agent_org(sh_req *req, const json_t *agent, int64_t *org) {
    x_ctx *x = x_ctx_of(req);
    walk *w = sh_pcalloc(req->pool, sizeof *w);
    if (!w)
        return sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
    w->req = req;
    w->x = x;
    w->prefix = "";
    check_agent(w, agent, 0);
    if (w->failed)
        return SH_ERR;
    *org = w->org ? w->org : x->client.org_id;
    return SH_OK;
}

/* A UUID in standard form laid out as version 7 (RFC 9562): 48 bits of the
 * time in milliseconds first, so generated ids grow at the end of the unique
 * index instead of touching pages all over it. */

/* Same statement, ignoring what the LRS sets (stored, authority, and version
 * when the new one left it to the LRS). */
static int same_statement(const json_t *incoming, int version_given, const char *stored_text) {
    json_t *old = json_loads(stored_text, 0, NULL);
    json_t *inc = json_deep_copy(incoming);
    int same = 0;
    if (old && inc) {
        json_object_del(old, "stored");
        json_object_del(old, "authority");
        json_object_del(inc, "stored");
        json_object_del(inc, "authority");
        if (!version_given) {
            json_object_del(old, "version");
            json_object_del(inc, "version");
        }
        same = json_equal(old, inc);
    }
    json_decref(old);
    json_decref(inc);
    return same;
}

static int exec1(sh_conn *c, const char *sql, const char *text, int64_t i, sh_err *err) {
    sh_stmt *s = sh_prepare(c, sql, err);
    if (!s)
        return SH_ERR;
    sh_bind_text(s, 1, text, -1);
    sh_bind_i64(s, 2, i);
    int rc = sh_step(s, err);
    sh_stmt_done(s);
    return rc == SH_ERR ? SH_ERR : SH_OK;
}

/* ---- preparing, in the request's thread ---- */

typedef struct collect {
    sh_pool *pool;
    const char *base;
    x_index_key *keys;
    int n, cap;
    int failed;
} collect;

static void add_key(collect *k, const char *key, int related, const json_t *definition) {
    if (k->failed)
        return;
    if (k->n == k->cap) {
        int cap = k->cap ? k->cap * 2 : 4;
        x_index_key *grown = sh_palloc(k->pool, sizeof *grown * (size_t)cap);
        if (!grown || !key) {
            k->failed = 1;
            return;
        }
        if (k->n)
            memcpy(grown, k->keys, sizeof *grown * (size_t)k->n);
        k->keys = grown;
        k->cap = cap;
    }
    k->keys[k->n++] = (x_index_key){key, related, definition};
}

static void collect_agent(void *ctx, const json_t *a, int related) {
    collect *k = ctx;
    char key[X_AGENT_KEY_MAX];
    if (x_agent_key(a, k->base, key, sizeof key) == SH_OK) /* an anonymous group has none */
        add_key(k, sh_pstrdup(k->pool, key), related, NULL);
}

static void collect_activity(void *ctx, const json_t *a, int related) {
    const char *id = json_string_value(json_object_get(a, "id"));
    const json_t *def = json_object_get(a, "definition");
    if (id)
        add_key(ctx, id, related, json_is_object(def) && json_object_size(def) ? def : NULL);
}

/* The authority of this client's statements. */
static json_t *authority_of(const x_ctx *x) {
    char home[340];
    snprintf(home, sizeof home, "%s/xapi/clients", x->base);
    return json_pack("{s:s,s:s,s:{s:s,s:s}}", "objectType", "Agent", "name", x->client.name, "account",
                     "homePage", home, "name", x->client.key);
}

int x_prepare_rows(const x_ctx *x, sh_pool *pool, json_t *arr, const int64_t *orgs, x_rows *out,
                   sh_err *err) {
    size_t n = json_array_size(arr);
    out->n = n;
    out->row = sh_pcalloc(pool, sizeof *out->row * (n ? n : 1));
    out->text = sh_pool_buf(pool, 0);
    json_t *auth = authority_of(x);
    int ok = out->row && out->text && auth;
    for (size_t i = 0; i < n && ok; i++) {
        json_t *st = json_array_get(arr, i);
        x_row *r = &out->row[i];
        r->st = st;
        r->org = orgs[i];
        if (!json_object_get(st, "id")) { /* a new id cannot be stored or voided yet */
            char id[37];
            sh_new_uuid(id);
            r->generated = 1;
            if (json_object_set_new(st, "id", json_string(id)) != 0) {
                ok = 0;
                break;
            }
        }
        r->id = json_string_value(json_object_get(st, "id"));
        r->verb = json_string_value(json_object_get(json_object_get(st, "verb"), "id"));
        r->registration = json_string_value(json_object_get(json_object_get(st, "context"), "registration"));
        if (strcmp(r->verb, X_VOIDED_VERB) == 0)
            r->void_target = json_string_value(json_object_get(json_object_get(st, "object"), "id"));
        r->version_given = json_object_get(st, "version") != NULL;
        json_object_del(st, "stored"); /* set by the writer */
        ok = json_object_set(st, "authority", auth) == 0 &&
             (r->version_given || json_object_set_new(st, "version", json_string("1.0.0")) == 0);
        collect agents = {pool, x->base, NULL, 0, 0, 0}, activities = {pool, x->base, NULL, 0, 0, 0};
        x_each_agent(st, collect_agent, &agents);
        x_each_activity(st, collect_activity, &activities);
        r->agents = agents.keys;
        r->nagents = agents.n;
        r->activities = activities.keys;
        r->nactivities = activities.n;
        r->text_at = out->text->len;
        ok = ok && !agents.failed && !activities.failed && sh_json_append(out->text, st) == SH_OK;
        r->text_len = out->text->len - r->text_at;
    }
    json_decref(auth);
    return ok ? SH_OK : sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
}

/* ---- writing, in the committer's thread ---- */

static int index_rows(sh_conn *c, const char *sql, const x_index_key *keys, int n, int64_t pk, sh_err *err) {
    for (int i = 0; i < n; i++) {
        sh_stmt *s = sh_prepare(c, sql, err);
        if (!s)
            return SH_ERR;
        sh_bind_text(s, 1, keys[i].key, -1);
        sh_bind_i64(s, 2, keys[i].related);
        sh_bind_i64(s, 3, pk);
        int rc = sh_step(s, err);
        sh_stmt_done(s);
        if (rc == SH_ERR)
            return SH_ERR;
    }
    return SH_OK;
}

/* Merge a definition into the stored one: language maps key by key, the rest
 * replaced. */
static int merge_definition(sh_conn *c, const char *id, const json_t *def, sh_err *err) {
    sh_stmt *s = sh_prepare(c, "SELECT definition FROM xapi_activity WHERE activity_id = $1", err);
    if (!s)
        return SH_ERR;
    sh_bind_text(s, 1, id, -1);
    int rc = sh_step(s, err);
    json_t *old = rc == SH_ROW ? json_loads(sh_col_text(s, 0), 0, NULL) : NULL;
    sh_stmt_done(s);
    if (rc == SH_ERR)
        return SH_ERR;
    json_t *merged = old ? json_deep_copy(old) : json_object();
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)def, k, v) {
        json_t *cur = json_object_get(merged, k);
        if ((strcmp(k, "name") == 0 || strcmp(k, "description") == 0) && json_is_object(cur))
            json_object_update(cur, v);
        else
            json_object_set(merged, k, v);
    }
    int same = old && json_equal(old, merged); /* the usual case: nothing new to write */
    json_decref(old);
    char *text = same ? NULL : json_dumps(merged, JSON_COMPACT);
    json_decref(merged);
    if (same)
        return SH_OK;
    if (!text)
        return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    s = sh_prepare(c,
                   "INSERT INTO xapi_activity (activity_id, definition, updated_at) VALUES ($1, $2, $3)"
                   " ON CONFLICT (activity_id) DO UPDATE SET definition = excluded.definition,"
                   " updated_at = excluded.updated_at",
                   err);
    if (s) {
        sh_bind_text(s, 1, id, -1);
        sh_bind_text(s, 2, text, -1);
        sh_bind_i64(s, 3, sh_now_ms());
        rc = sh_step(s, err);
        sh_stmt_done(s);
    }
    sh_free(text);
    return !s || rc == SH_ERR ? SH_ERR : SH_OK;
}

static int store_parts(sh_conn *c, const json_t *st, const x_part *parts, int nparts, sh_err *err) {
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(st, "attachments"), i, a) {
        const char *sha2 = json_string_value(json_object_get(a, "sha2"));
        for (int p = 0; p < nparts; p++) {
            if (strcmp(parts[p].sha2, sha2) != 0)
                continue;
            sh_stmt *s =
                sh_prepare(c,
                           "INSERT INTO xapi_attachment (sha2, content_type, length, data, created_at)"
                           " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                           err);
            if (!s)
                return SH_ERR;
            sh_bind_text(s, 1, sha2, -1);
            sh_bind_text(s, 2, parts[p].content_type, -1);
            sh_bind_i64(s, 3, (int64_t)parts[p].len);
            sh_bind_blob(s, 4, parts[p].data, parts[p].len);
            sh_bind_i64(s, 5, sh_now_ms());
            int rc = sh_step(s, err);
            sh_stmt_done(s);
            if (rc == SH_ERR)
                return SH_ERR;
            break;
        }
    }
    return SH_OK;
}

/* Voiding: the target may not itself void; a known target in scope is marked. */
static int apply_voiding(const x_ctx *x, sh_err *err, sh_conn *c, const char *target, const char *prefix,
                         int *wrote) {
    sh_stmt *s =
        sh_prepare(c,
                   "SELECT s.id, s.void_target IS NOT NULL FROM xapi_statement s WHERE s.statement_id = $1"
                   " AND EXISTS (SELECT 1 FROM org_closure x WHERE x.descendant_id = s.org_id"
                   " AND x.ancestor_id = $2)",
                   err);
    if (!s)
        return SH_ERR;
    sh_bind_text(s, 1, target, -1);
    sh_bind_i64(s, 2, x->client.org_id);
    int rc = sh_step(s, err);
    int64_t pk = rc == SH_ROW ? sh_col_i64(s, 0) : 0;
    int voiding = rc == SH_ROW && sh_col_i64(s, 1);
    sh_stmt_done(s);
    if (rc == SH_ERR)
        return SH_ERR;
    if (voiding)
        return sh_err_set(err, 400, "invalid_statement", "object.id", "%s不能作废另一条作废语句", prefix);
    if (pk)
        *wrote = 1;
    return pk ? exec1(c,
                      "UPDATE xapi_statement SET voided = 1 WHERE id = $2 AND CAST($1 AS TEXT) IS NOT NULL",
                      "", pk, err)
              : SH_OK;
}

static int insert_statement(const x_ctx *x, sh_err *err, sh_conn *c, const x_row *r, const char *text,
                            size_t len, int64_t stored_ms) {
    sh_stmt *s =
        r->generated
            ? sh_prepare(c,
                         "INSERT INTO xapi_statement (statement_id, org_id, client_id, verb_id, registration,"
                         " void_target, voided, stored_ms, body) VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8)"
                         " RETURNING id",
                         err)
            : sh_prepare(c,
                         "INSERT INTO xapi_statement (statement_id, org_id, client_id, verb_id, registration,"
                         " void_target, voided, stored_ms, body) VALUES ($1, $2, $3, $4, $5, $6,"
                         " CASE WHEN EXISTS (SELECT 1 FROM xapi_statement v WHERE v.void_target = $1)"
                         " THEN 1 ELSE 0 END, $7, $8) RETURNING id",
                         err);
    if (!s)
        return SH_ERR;
    sh_bind_text(s, 1, r->id, -1);
    sh_bind_i64(s, 2, r->org);
    sh_bind_i64(s, 3, x->client.id);
    sh_bind_text(s, 4, r->verb, -1);
    sh_bind_text(s, 5, r->registration, -1);
    sh_bind_text(s, 6, r->void_target, -1);
    sh_bind_i64(s, 7, stored_ms);
    sh_bind_text(s, 8, text, (int)len);
    int rc = sh_step(s, err);
    int64_t pk = rc == SH_ROW ? sh_col_i64(s, 0) : 0;
    sh_stmt_done(s);
    if (rc == SH_ERR)
        return SH_ERR;
    if (index_rows(c,
                   "INSERT INTO xapi_statement_agent (agent_key, related, statement_pk) VALUES ($1, $2, $3)"
                   " ON CONFLICT DO NOTHING",
                   r->agents, r->nagents, pk, err) != SH_OK ||
        index_rows(c,
                   "INSERT INTO xapi_statement_activity (activity_id, related, statement_pk)"
                   " VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                   r->activities, r->nactivities, pk, err) != SH_OK)
        return SH_ERR;
    for (int i = 0; i < r->nactivities; i++)
        if (r->activities[i].definition &&
            merge_definition(c, r->activities[i].key, r->activities[i].definition, err) != SH_OK)
            return SH_ERR;
    return SH_OK;
}

/* Statements already stored under the same id: SH_ROW with *same set, SH_DONE when none. */
static int existing(sh_err *err, sh_conn *c, const x_row *r, int *same) {
    sh_stmt *s = sh_prepare(c, "SELECT body FROM xapi_statement WHERE statement_id = $1", err);
    if (!s)
        return SH_ERR;
    sh_bind_text(s, 1, r->id, -1);
    int rc = sh_step(s, err);
    if (rc == SH_ROW)
        *same = same_statement(r->st, r->version_given, sh_col_text(s, 0));
    sh_stmt_done(s);
    return rc;
}

int x_write_rows(const x_ctx *x, sh_err *err, sh_conn *c, const x_rows *rows, const x_part *parts, int nparts,
                 int64_t now, int *wrote) {
    /* the text stored: "stored" first, then the prepared statement without its opening brace */
    char head[16 + SH_ISO_LEN] = "{\"stored\":\"";
    sh_fmt_iso_ms(now, head + strlen(head));
    strcat(head, "\",");
    sh_buf text;
    sh_buf_init(&text, 0);
    int rc = SH_OK;
    *wrote = 0;
    for (size_t i = 0; i < rows->n && rc == SH_OK; i++) {
        const x_row *r = &rows->row[i];
        char prefix[48] = "";
        if (rows->n > 1)
            snprintf(prefix, sizeof prefix, "第 %zu 条语句：", i + 1);
        int same = 0;
        int ex = r->generated ? SH_DONE : existing(err, c, r, &same);
        if (ex == SH_ERR) {
            rc = SH_ERR;
        } else if (ex == SH_ROW) {
            if (!same)
                rc = sh_err_set(err, 409, "statement_conflict", "id",
                                "%s语句 id 已存在且内容不同（同一 id 的语句不能修改）", prefix);
        } else {
            if (r->void_target)
                rc = apply_voiding(x, err, c, r->void_target, prefix, wrote);
            if (rc == SH_OK) {
                sh_buf_reset(&text);
                sh_buf_puts(&text, head);
                sh_buf_append(&text, rows->text->data + r->text_at + 1, r->text_len - 1);
                *wrote = 1;
                rc = sh_buf_ok(&text) == SH_OK ? insert_statement(x, err, c, r, text.data, text.len, now)
                                               : sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
                if (rc == SH_OK)
                    rc = store_parts(c, r->st, parts, nparts, err);
            }
        }
    }
    sh_buf_free(&text);
    return rc;
}

json_t *x_statement_ids(const json_t *arr) {
    json_t *ids = json_array();
    size_t i;
    json_t *st;
    json_array_foreach(arr, i, st) {
        if (ids)
            json_array_append(ids, json_object_get(st, "id"));
    }
    return ids;
}

static void decref(void *arg) { json_decref(arg); }

int x_store_statements(sh_req *req, json_t *arr, const x_part *parts, int nparts, int (*then)(sh_req *req)) {
    x_ctx *x = x_ctx_of(req);
    size_t n = json_array_size(arr);
    int64_t *orgs = sh_pcalloc(req->pool, sizeof(int64_t) * (n ? n : 1));
    walk *w = sh_pcalloc(req->pool, sizeof *w);
    if (!orgs || !w)
        return sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
    w->req = req;
    w->x = x;
    /* the people each statement names, before anything is written */
    for (size_t i = 0; i < n; i++) {
        json_t *st = json_array_get(arr, i);
        char prefix[48] = "";
        if (n > 1)
            snprintf(prefix, sizeof prefix, "第 %zu 条语句：", i + 1);
        w->prefix = prefix;
        w->org = 0;
        json_object_del(st, "authority"); /* the LRS sets it from the credentials */
        x_each_agent(st, check_agent, w);
        if (w->failed)
            return SH_ERR;
        orgs[i] = w->org ? w->org : x->client.org_id;
    }
    /* the store is only read above: give the connection back while the batch waits */
    sh_req_conn_release(req);
    if (then) { /* the statements outlive the handler until the continuation */
        if (sh_pool_cleanup(req->pool, decref, json_incref(arr)) != SH_OK) {
            json_decref(arr);
            return sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
        }
        x->pending = arr;
    }
    x_rows *rows = sh_pcalloc(req->pool, sizeof *rows);
    if (!rows)
        return sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
    if (x_prepare_rows(x, req->pool, arr, orgs, rows, &req->err) != SH_OK)
        return SH_ERR;
    return x_commit_submit(req, rows, parts, nparts, then);
}
