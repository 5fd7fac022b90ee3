/* resources.c — the small xAPI resources: /xapi/about (versions; no
 * authentication, no version header needed), /xapi/agents (the Person object
 * of an agent: its identifiers as arrays) and /xapi/activities (the activity
 * with every definition merged from the statements that carried it). */
#include "xapi/x_impl.h"

#include <string.h>

int x_about(sh_req *req) {
    return sh_reply_json(req, 200, json_pack("{s:[s,s,s,s]}", "version", "1.0.3", "1.0.2", "1.0.1", "1.0.0"));
}

int x_agents(sh_req *req) {
    static const char *const allowed[] = {"agent", NULL};
    if (x_only_params(req, allowed) != SH_OK)
        return SH_ERR;
    const char *v = x_param(req, "agent");
    if (!v)
        return sh_err_set(&req->err, 400, "missing_parameter", "agent", "须带 agent 参数");
    json_t *a = json_loads(v, 0, NULL);
    const char *t = json_string_value(json_object_get(a, "objectType"));
    if (!a || x_validate_agent(a, "agent", &req->err) != SH_OK || (t && strcmp(t, "Agent") != 0)) {
        json_decref(a);
        sh_err_clear(&req->err);
        return sh_err_set(&req->err, 400, "invalid_parameter", "agent",
                          "agent 应为带一个标识的 Agent 的 JSON");
    }
    json_t *p = json_pack("{s:s}", "objectType", "Person");
    static const char *const ifis[] = {"name", "mbox", "mbox_sha1sum", "openid", "account", NULL};
    for (const char *const *k = ifis; *k; k++) {
        json_t *val = json_object_get(a, *k);
        /* a Shushu person is named by their opaque account only */
        if (val && !(strcmp(*k, "name") == 0 && x_agent_person(a, x_ctx_of(req)->base)))
            json_object_set_new(p, *k, json_pack("[O]", val));
    }
    json_decref(a);
    return sh_reply_json(req, 200, p);
}

int x_activities(sh_req *req) {
    static const char *const allowed[] = {"activityId", NULL};
    if (x_only_params(req, allowed) != SH_OK)
        return SH_ERR;
    const char *id = x_param(req, "activityId");
    if (!id)
        return sh_err_set(&req->err, 400, "missing_parameter", "activityId", "须带 activityId 参数");
    if (!x_valid_iri(id))
        return sh_err_set(&req->err, 400, "invalid_parameter", "activityId", "activityId 应为 IRI");
    sh_conn *c = sh_req_conn(req);
    if (!c)
        return SH_ERR;
    sh_stmt *s = sh_prepare(c, "SELECT definition FROM xapi_activity WHERE activity_id = $1", &req->err);
    if (!s)
        return SH_ERR;
    sh_bind_text(s, 1, id, -1);
    int rc = sh_step(s, &req->err);
    json_t *def = rc == SH_ROW ? json_loads(sh_col_text(s, 0), 0, NULL) : NULL;
    sh_stmt_done(s);
    if (rc == SH_ERR)
        return SH_ERR;
    json_t *out = json_pack("{s:s,s:s}", "objectType", "Activity", "id", id);
    if (def)
        json_object_set_new(out, "definition", def);
    return sh_reply_json(req, 200, out);
}
