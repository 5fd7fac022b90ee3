/* record.c — the platform's own learning events as statements
 * (docs/xapi-profile.md): the profile's verbs and activity types with their
 * zh-CN and en-US display names, sh_xapi_record (the one call other modules
 * use), and the platform's LRS client, the authority of what it records.
 *
 * A recorded statement names the signed-in person by opaque uid (never a name),
 * belongs to the account's org, goes through the same validator as statements
 * from LRS clients and joins the same group commit — without the caller
 * waiting: a full queue drops it with a warning and a metric. */
#include "xapi/x_impl.h"

#include "core/clock.h"
#include "core/log.h"
#include "core/uid.h"
#include "http/metrics.h"

#include <stdio.h>
#include <string.h>

#define PLATFORM_KEY "xk_platform"

static const struct {
    const char *id, *zh, *en;
} verbs[] = {
    [SH_XAPI_SIGNED_IN] = {"https://w3id.org/xapi/adl/verbs/logged-in", "登录", "logged in"},
    [SH_XAPI_SIGNED_OUT] = {"https://w3id.org/xapi/adl/verbs/logged-out", "退出登录", "logged out"},
    [SH_XAPI_OPENED] = {"http://id.tincanapi.com/verb/viewed", "打开", "viewed"},
    [SH_XAPI_STARTED] = {"http://adlnet.gov/expapi/verbs/attempted", "开始作答", "attempted"},
    [SH_XAPI_SUBMITTED] = {"http://activitystrea.ms/schema/1.0/submit", "提交", "submitted"},
    [SH_XAPI_ANSWERED] = {"http://adlnet.gov/expapi/verbs/answered", "作答", "answered"},
    [SH_XAPI_ATTENDED] = {"http://adlnet.gov/expapi/verbs/attended", "出席", "attended"},
};

static const struct {
    const char *type, *path, *zh, *en;
} types[] = {
    [SH_XAPI_PLATFORM] = {"http://activitystrea.ms/schema/1.0/application", "platform", "数枢平台",
                          "Shushu platform"},
    [SH_XAPI_RESOURCE] = {"http://id.tincanapi.com/activitytype/resource", "resource", "学习资源",
                          "learning resource"},
    [SH_XAPI_ASSIGNMENT] = {"http://adlnet.gov/expapi/activities/assessment", "assignment", "作业",
                            "assignment"},
    [SH_XAPI_ITEM] = {"http://adlnet.gov/expapi/activities/cmi.interaction", "item", "题目", "item"},
    [SH_XAPI_CLASS_SESSION] = {"http://adlnet.gov/expapi/activities/meeting", "class-session", "课堂",
                               "class session"},
};

static void count_dropped(const char *why, const char *verb) {
    sh_log(SH_LOG_WARN, "xapi_record_dropped", "%s: %s", why, verb);
    sh_metrics_count("shushu_xapi_records_dropped_total",
                     "Statements the platform recorded but dropped (LRS queue full or stopping).");
}

/* The opaque uid of the account's person: SH_ROW, or SH_DONE / SH_ERR. */
static int person_uid(sh_req *req, int64_t account_id, char out[SH_UID_LEN + 1]) {
    sh_conn *c = sh_req_conn(req);
    sh_stmt *s =
        c ? sh_prepare(c, "SELECT p.uid FROM account a JOIN person p ON p.id = a.person_id WHERE a.id = $1",
                       &req->err)
          : NULL;
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, account_id);
    int rc = sh_step(s, &req->err);
    if (rc == SH_ROW)
        snprintf(out, SH_UID_LEN + 1, "%s", sh_col_text(s, 0));
    sh_stmt_done(s);
    return rc;
}

static json_t *statement_of(const x_ctx *x, const char *uid, const sh_xapi_event *ev) {
    char now[SH_ISO_LEN], object[600]; /* the id is given when the statement is stored */
    sh_fmt_iso_ms(sh_now_ms(), now);
    if (ev->object)
        snprintf(object, sizeof object, "%s/xapi/activities/%s/%s", x->base, types[ev->type].path,
                 ev->object);
    else
        snprintf(object, sizeof object, "%s/xapi/activities/%s", x->base, types[ev->type].path);
    json_t *st =
        json_pack("{s:{s:s, s:{s:s, s:s}}, s:{s:s, s:{s:s, s:s}}, s:{s:s, s:s, s:{s:s, s:{s:s, s:s}}},"
                  " s:{s:s, s:s}, s:s}",
                  "actor", "objectType", "Agent", "account", "homePage", x->base, "name", uid, "verb", "id",
                  verbs[ev->verb].id, "display", "zh-CN", verbs[ev->verb].zh, "en-US", verbs[ev->verb].en,
                  "object", "objectType", "Activity", "id", object, "definition", "type",
                  types[ev->type].type, "name", "zh-CN", ev->name ? ev->name : types[ev->type].zh, "en-US",
                  types[ev->type].en, "context", "platform", "数枢", "language", "zh-CN", "timestamp", now);
    json_t *ctx = json_object_get(st, "context");
    if (st && ev->registration)
        json_object_set_new(ctx, "registration", json_string(ev->registration));
    if (st && ev->result)
        json_object_set_new(st, "result", json_deep_copy(ev->result));
    return st;
}

void sh_xapi_record(sh_req *req, const sh_xapi_event *ev) {
    const sh_principal *p = sh_principal_of(req);
    if (!p || !p->account_id || (unsigned)ev->verb >= sizeof verbs / sizeof verbs[0] ||
        (unsigned)ev->type >= sizeof types / sizeof types[0])
        return;
    char uid[SH_UID_LEN + 1];
    sh_err saved = req->err; /* recording never changes the caller's outcome */
    sh_err_init(&req->err);
    int rc = person_uid(req, p->account_id, uid);
    sh_err_clear(&req->err);
    req->err = saved;
    if (rc != SH_ROW)
        return;
    x_ctx *x = sh_pcalloc(req->pool, sizeof *x);
    if (!x)
        return;
    x_base(req, x->base, sizeof x->base);
    json_t *st = statement_of(x, uid, ev);
    json_t *arr = json_array();
    sh_err err;
    sh_err_init(&err);
    if (!st || !arr || json_array_append_new(arr, st) != 0 || x_validate_statement(st, "", &err) != SH_OK) {
        sh_log(SH_LOG_ERROR, "xapi_record_invalid", "%s: %s", verbs[ev->verb].en,
               err.first.message[0] ? err.first.message : "out of memory");
        sh_err_clear(&err);
        json_decref(arr);
        return;
    }
    if (x_commit_enqueue(req->app->db, x, arr, p->org_id) != SH_OK) {
        count_dropped("queue full", verbs[ev->verb].en);
        json_decref(arr);
    }
}

int x_platform_client(sh_conn *c, x_client *out, sh_err *err) {
    for (int pass = 0; pass < 2; pass++) {
        sh_stmt *s = sh_prepare(
            c, "SELECT id, uid, org_id FROM xapi_client WHERE client_key = '" PLATFORM_KEY "'", err);
        if (!s)
            return SH_ERR;
        int rc = sh_step(s, err);
        if (rc == SH_ROW) {
            *out = (x_client){.id = sh_col_i64(s, 0), .org_id = sh_col_i64(s, 2), .can_write = 1};
            snprintf(out->uid, sizeof out->uid, "%s", sh_col_text(s, 1));
            snprintf(out->key, sizeof out->key, "%s", PLATFORM_KEY);
            snprintf(out->name, sizeof out->name, "%s", "数枢平台");
        }
        sh_stmt_done(s);
        if (rc != SH_DONE)
            return rc == SH_ROW ? SH_OK : SH_ERR;
        if (pass)
            break;
        /* first use: the platform's client at the root of the org tree, with a
         * secret hash no secret has (it never signs in) */
        char uid[SH_UID_LEN + 1];
        sh_new_uid(uid);
        s = sh_prepare(
            c,
            "INSERT INTO xapi_client (uid, name, client_key, secret_hash, org_id, can_read, can_write,"
            " external_agents, created_at, updated_at) SELECT $1, '数枢平台', '" PLATFORM_KEY
            "', '-', id, 0, 1, 0, $2, $2 FROM org_unit WHERE parent_id IS NULL ORDER BY id LIMIT 1",
            err);
        if (!s)
            return SH_ERR;
        sh_bind_text(s, 1, uid, -1);
        sh_bind_i64(s, 2, sh_now_ms());
        rc = sh_step(s, err);
        sh_stmt_done(s);
        if (rc == SH_ERR)
            return SH_ERR;
    }
    return sh_err_set(err, 500, "no_root_org", NULL, "尚未建立机构树，无法记录平台学习事件");
}
