/* handlers.c — the approval routes: list the requests the caller may see (those
 * they submitted or decided, and pending ones whose current step they may
 * decide, within their reach), read one with its steps and decisions, decide the
 * current step, cancel one's own request. A decision, its audit entry and — when
 * it ends the request — the owning module's callback commit together or not at
 * all. Out-of-reach requests answer exactly like missing ones. */
#include "flow/module.h"

#include "core/clock.h"
#include "identity/access.h"

#include <stdio.h>
#include <string.h>

#define MAX_PERMS 8

/* The visibility predicate: $1 is the caller's account; each step permission of
 * the registered flows adds one scope parameter. */
typedef struct visibility {
    int64_t me;
    int n;
    sh_scope sub[MAX_PERMS];
} visibility;

static int bind_visibility(sh_stmt *s, void *ctx) {
    const visibility *v = ctx;
    int rc = sh_bind_i64(s, 1, v->me);
    for (int i = 0; rc == SH_OK && i < v->n; i++)
        rc = v->sub[i].bind(s, v->sub[i].ctx);
    return rc;
}

static int visible_scope(sh_req *req, sh_scope *out) {
    const sh_principal *p = sh_principal_of(req);
    visibility *v = sh_pcalloc(req->pool, sizeof *v);
    sh_buf *w = sh_pool_buf(req->pool, 2048);
    if (!v || !w)
        return sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
    v->me = p ? p->account_id : 0;
    const char *perms[MAX_PERMS];
    int n = sh_flow_permissions(perms, MAX_PERMS);
    sh_buf_puts(w, "(t.submitter_id = $1 OR EXISTS (SELECT 1 FROM flow_decision d WHERE d.request_id = t.id"
                   " AND d.decider_id = $1) OR (t.state = 'pending' AND (0 = 1");
    for (int i = 0; i < n; i++) {
        if (sh_scope_org_set_from(req, perms[i], "t.decider_org_id", i + 2, &v->sub[i]) != SH_OK)
            return SH_ERR;
        sh_buf_printf(w, " OR (t.decider_perm = '%s' AND %s)", perms[i], v->sub[i].where);
    }
    v->n = n;
    sh_buf_puts(w, ")))");
    if (sh_buf_ok(w) != SH_OK)
        return sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
    *out = (sh_scope){.where = w->data, .nparams = 1 + n, .bind = bind_visibility, .ctx = v};
    return SH_OK;
}

int sh_flow_list(sh_req *req) {
    sh_scope sc;
    return visible_scope(req, &sc) == SH_OK ? sh_api_list(req, &sh_flow_request_entity, &sc) : SH_ERR;
}

/* The request as the engine needs it. */
typedef struct loaded {
    sh_flow_request r;
    const sh_flow *flow;
    const char *state, *decider_perm;
    int step;
    int64_t decider_org, deadline_at;
} loaded;

/* Load the request with public id uid if the caller may see it: SH_ROW, SH_DONE
 * (404 set) or SH_ERR. */
static int load(sh_req *req, sh_conn *c, const char *uid, loaded *out) {
    sh_scope sc = {0};
    if (visible_scope(req, &sc) != SH_OK)
        return SH_ERR;
    char *sql = sh_psprintf(req->pool,
                            "SELECT t.id, t.uid, t.flow, t.school_id, COALESCE(t.target_school_id, 0),"
                            " t.subject_entity, t.subject_uid, t.payload, t.state, t.step, t.decider_perm,"
                            " t.decider_org_id, COALESCE(t.submitter_id, 0), COALESCE(t.deadline_at, 0)"
                            " FROM flow_request t WHERE t.uid = $%d AND %s",
                            sc.nparams + 1, sc.where);
    sh_stmt *s = sql ? sh_prepare(c, sql, &req->err) : NULL;
    if (!s)
        return SH_ERR;
    if (sc.bind)
        sc.bind(s, sc.ctx);
    sh_bind_text(s, sc.nparams + 1, uid && strlen(uid) <= 64 ? uid : "", -1);
    int rc = sh_step(s, &req->err);
    if (rc == SH_ROW) {
        sh_pool *p = req->pool;
        out->r = (sh_flow_request){.id = sh_col_i64(s, 0),
                                   .uid = sh_pstrdup(p, sh_col_text(s, 1)),
                                   .flow = sh_pstrdup(p, sh_col_text(s, 2)),
                                   .school_id = sh_col_i64(s, 3),
                                   .target_school_id = sh_col_i64(s, 4),
                                   .subject_entity = sh_pstrdup(p, sh_col_text(s, 5)),
                                   .subject_uid = sh_pstrdup(p, sh_col_text(s, 6)),
                                   .payload = json_loads(sh_col_text(s, 7), 0, NULL),
                                   .submitter_id = sh_col_i64(s, 12)};
        out->state = sh_pstrdup(p, sh_col_text(s, 8));
        out->step = (int)sh_col_i64(s, 9);
        out->decider_perm = sh_pstrdup(p, sh_col_text(s, 10));
        out->decider_org = sh_col_i64(s, 11);
        out->deadline_at = sh_col_i64(s, 13);
        out->flow = sh_flow_find(out->r.flow);
    }
    sh_stmt_done(s);
    if (rc == SH_DONE)
        sh_err_set(&req->err, 404, "not_found", NULL, "审批申请不存在");
    return rc;
}

static const char *text_of(sh_conn *c, sh_pool *p, const char *sql, int64_t id, sh_err *err) {
    sh_stmt *s = sh_prepare(c, sql, err);
    if (!s)
        return NULL;
    sh_bind_i64(s, 1, id);
    const char *out =
        sh_step(s, err) == SH_ROW && sh_col_text(s, 0) ? sh_pstrdup(p, sh_col_text(s, 0)) : NULL;
    sh_stmt_done(s);
    return out;
}

static const char *state_label(const char *state) {
    return strcmp(state, "pending") == 0    ? "待审批"
           : strcmp(state, "approved") == 0 ? "已通过"
           : strcmp(state, "rejected") == 0 ? "已驳回"
                                            : "已撤回";
}

/* Steps with their deciding org and how far each got. */
static json_t *steps_json(sh_req *req, sh_conn *c, const loaded *l) {
    json_t *a = json_array();
    for (int i = 1; l->flow && i <= l->flow->nsteps; i++) {
        const sh_flow_step *st = &l->flow->steps[i - 1];
        sh_err ignore;
        sh_err_init(&ignore);
        int64_t org = sh_flow_step_org(c, l->flow, i, l->r.school_id, l->r.target_school_id, &ignore);
        sh_err_clear(&ignore);
        const char *state = i < l->step                        ? "approved"
                            : i > l->step                      ? "waiting"
                            : strcmp(l->state, "pending") == 0 ? "current"
                                                               : l->state;
        if (i > l->step && strcmp(l->state, "pending") != 0)
            state = "skipped";
        json_t *o = json_pack("{s:i,s:s,s:s,s:s}", "step", i, "label", st->label, "permission",
                              st->permission, "state", state);
        const char *ouid =
            org ? text_of(c, req->pool, "SELECT uid FROM org_unit WHERE id = $1", org, &req->err) : NULL;
        const char *oname =
            org ? text_of(c, req->pool, "SELECT name FROM org_unit WHERE id = $1", org, &req->err) : NULL;
        json_object_set_new(o, "org", ouid ? json_string(ouid) : json_null());
        json_object_set_new(o, "org_name", oname ? json_string(oname) : json_null());
        json_array_append_new(a, o);
    }
    return a;
}

static json_t *decisions_json(sh_req *req, sh_conn *c, int64_t request) {
    json_t *a = json_array();
    sh_stmt *s = sh_prepare(c,
                            "SELECT d.uid, d.step, d.step_label, d.decision, d.comment, d.created_at, a.login"
                            " FROM flow_decision d LEFT JOIN account a ON a.id = d.decider_id"
                            " WHERE d.request_id = $1 ORDER BY d.id",
                            &req->err);
    if (!s)
        return a;
    sh_bind_i64(s, 1, request);
    while (sh_step(s, &req->err) == SH_ROW) {
        char iso[SH_ISO_LEN];
        sh_fmt_iso_ms(sh_col_i64(s, 5), iso);
        json_t *o =
            json_pack("{s:s,s:I,s:s,s:s,s:s}", "id", sh_col_text(s, 0), "step", (json_int_t)sh_col_i64(s, 1),
                      "step_label", sh_col_text(s, 2), "decision", sh_col_text(s, 3), "at", iso);
        json_object_set_new(o, "comment", sh_col_text(s, 4) ? json_string(sh_col_text(s, 4)) : json_null());
        json_object_set_new(o, "decider", sh_col_text(s, 6) ? json_string(sh_col_text(s, 6)) : json_null());
        json_array_append_new(a, o);
    }
    sh_stmt_done(s);
    return a;
}

/* May the caller decide the loaded request's current step? 1, 0 or SH_ERR. */
static int may_decide(sh_req *req, const loaded *l) {
    const sh_principal *p = sh_principal_of(req);
    if (strcmp(l->state, "pending") != 0 || !p || p->account_id == l->r.submitter_id)
        return 0;
    return sh_can_at(req, l->decider_perm, l->decider_org);
}

/* Reply with the request: its declared fields, its payload, steps and
 * decisions, and what the caller may do with it. */
static int reply_request(sh_req *req, sh_conn *c, const char *uid, int status) {
    loaded l = {0};
    int rc = load(req, c, uid, &l);
    if (rc != SH_ROW)
        return SH_ERR;
    sh_buf *b = sh_pool_buf(req->pool, 8192);
    sh_buf *q = sh_pool_buf(req->pool, 4096);
    if (!b || !q) {
        json_decref(l.r.payload);
        return sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
    }
    sh_buf_puts(q, "SELECT ");
    sh_select_columns(q, &sh_flow_request_entity, "t");
    sh_buf_puts(q, " FROM flow_request t WHERE t.id = $1");
    sh_stmt *s = sh_buf_ok(q) == SH_OK ? sh_prepare(c, q->data, &req->err) : NULL;
    if (!s) {
        json_decref(l.r.payload);
        return SH_ERR;
    }
    sh_bind_i64(s, 1, l.r.id);
    sh_view view = {0};
    if (sh_step(s, &req->err) == SH_ROW)
        sh_row_write(b, &sh_flow_request_entity, s, &view);
    sh_stmt_done(s);
    json_t *o = sh_buf_ok(b) == SH_OK && b->len ? json_loadb(b->data, b->len, 0, NULL) : NULL;
    if (!o) {
        json_decref(l.r.payload);
        return sh_err_set(&req->err, 500, "internal", NULL, "无法读取审批申请");
    }
    const sh_principal *p = sh_principal_of(req);
    int decide = may_decide(req, &l);
    json_object_set_new(o, "state_label", json_string(state_label(l.state)));
    json_object_set_new(o, "payload", l.r.payload ? l.r.payload : json_object());
    const char *by = l.r.submitter_id ? text_of(c, req->pool, "SELECT login FROM account WHERE id = $1",
                                                l.r.submitter_id, &req->err)
                                      : NULL;
    json_object_set_new(o, "submitted_by", by ? json_string(by) : json_null());
    json_object_set_new(
        o, "overdue",
        json_boolean(strcmp(l.state, "pending") == 0 && l.deadline_at && sh_now_ms() > l.deadline_at));
    json_object_set_new(o, "may_decide", json_boolean(decide == 1));
    json_object_set_new(
        o, "may_cancel",
        json_boolean(strcmp(l.state, "pending") == 0 && p && p->account_id == l.r.submitter_id));
    json_object_set_new(o, "steps", steps_json(req, c, &l));
    json_object_set_new(o, "decisions", decisions_json(req, c, l.r.id));
    if (decide < 0) {
        json_decref(o);
        return SH_ERR;
    }
    return sh_reply_json(req, status, o);
}

int sh_flow_get(sh_req *req) {
    sh_conn *c = sh_req_conn(req);
    return c ? reply_request(req, c, sh_req_param(req, "id"), 200) : SH_ERR;
}

/* The writer's provenance: console for a browser session, api for a token. */
static sh_provenance provenance(sh_req *req) { return sh_req_provenance(req); }

static const char *org_name(sh_conn *c, sh_pool *p, int64_t org, sh_err *err) {
    const char *n = text_of(c, p, "SELECT name FROM org_unit WHERE id = $1", org, err);
    return n ? n : "相应机构";
}

/* End the request (final decision or cancellation) or move it to its next step,
 * then run the owner's callback for an ending. */
static int advance(sh_req *req, sh_conn *c, const loaded *l, const sh_flow_next *next, const char *outcome,
                   const sh_provenance *pv) {
    if (!l->flow)
        return sh_err_set(&req->err, 500, "unknown_flow", NULL, "审批流程“%s”未登记", l->r.flow);
    sh_record r = sh_flow_record(req->pool, &sh_flow_request_entity);
    if (!r.v)
        return sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
    sh_flow_set_s(&r, "state", next->state);
    if (next->final) {
        sh_flow_set_i(&r, "decided_at", sh_now_ms());
    } else {
        int64_t org =
            sh_flow_step_org(c, l->flow, next->step, l->r.school_id, l->r.target_school_id, &req->err);
        if (!org)
            return SH_ERR;
        sh_flow_set_i(&r, "step", next->step);
        sh_flow_set_s(&r, "step_label", l->flow->steps[next->step - 1].label);
        sh_flow_set_s(&r, "_decider_perm", l->flow->steps[next->step - 1].permission);
        sh_flow_set_i(&r, "_decider_org", org);
    }
    int changed = 0;
    if (sh_record_update(c, req->pool, &r, l->r.id, l->r.school_id, pv, &changed, &req->err) != SH_OK)
        return SH_ERR;
    if (!next->final)
        return SH_OK;
    char today[11];
    sh_today_iso(today);
    sh_flow_run run = {
        .c = c, .pool = req->pool, .request = &l->r, .pv = pv, .outcome = outcome, .today = today};
    sh_flow_callback cb = strcmp(outcome, "approved") == 0 ? l->flow->on_approve : l->flow->on_reject;
    return cb ? cb(&run, &req->err) : SH_OK;
}

/* Text member of the body, or NULL; type errors are reported. */
static const char *body_text(json_t *body, const char *name, const char *label, sh_err *err) {
    json_t *v = json_object_get(body, name);
    if (!v || json_is_null(v))
        return NULL;
    if (!json_is_string(v)) {
        sh_err_add(err, 400, "invalid_type", name, NULL, "“%s”应为文本", label);
        return NULL;
    }
    return json_string_value(v);
}

int sh_flow_decide(sh_req *req) {
    json_t *body;
    if (sh_req_json(req, &body) != SH_OK)
        return SH_ERR;
    if (!json_is_object(body)) {
        json_decref(body);
        return sh_err_set(&req->err, 400, "invalid_body", NULL, "请求体应为 JSON 对象");
    }
    const char *key;
    json_t *val;
    json_object_foreach(body, key, val) {
        if (strcmp(key, "decision") != 0 && strcmp(key, "comment") != 0)
            sh_err_add(&req->err, 400, "unknown_field", key, NULL, "不认识的字段“%s”", key);
    }
    const char *decision = body_text(body, "decision", "审批结论", &req->err);
    const char *comment_in = body_text(body, "comment", "审批意见", &req->err);
    const char *comment = NULL;
    const sh_field *cf = sh_entity_field(&sh_flow_decision_entity, "comment");
    if (comment_in)
        sh_field_parse_text(req->pool, cf, comment_in, &comment, &req->err);
    decision = decision ? sh_pstrdup(req->pool, decision) : NULL;
    json_decref(body);
    int approve = decision && strcmp(decision, "approve") == 0;
    if (!sh_err_count(&req->err) && (!decision || (!approve && strcmp(decision, "reject") != 0)))
        sh_err_add(&req->err, 400, "invalid_decision", "decision", NULL,
                   "“审批结论”应为 approve（同意）或 reject（驳回）");
    if (!sh_err_count(&req->err) && !approve && (!comment || !*comment))
        sh_err_add(&req->err, 400, "required", "comment", NULL, "驳回时须填写“审批意见”");
    if (sh_err_count(&req->err))
        return SH_ERR;

    sh_conn *c = sh_req_conn(req);
    if (!c || sh_begin_write(c, &req->err) != SH_OK)
        return SH_ERR;
    const char *uid = sh_req_param(req, "id");
    loaded l = {0};
    int rc = load(req, c, uid, &l) == SH_ROW ? SH_OK : SH_ERR;
    const sh_principal *p = sh_principal_of(req);
    if (rc == SH_OK && !l.flow)
        rc = sh_err_set(&req->err, 500, "unknown_flow", NULL, "审批流程“%s”未登记", l.r.flow);
    if (rc == SH_OK && strcmp(l.state, "pending") != 0)
        rc = sh_err_set(&req->err, 409, "not_pending", NULL, "该申请%s，不能再审批", state_label(l.state));
    if (rc == SH_OK) {
        int may = sh_can_at(req, l.decider_perm, l.decider_org);
        if (may == 0)
            rc =
                sh_err_set(&req->err, 403, "not_decider", NULL, "当前步骤“%s”须由%s审批",
                           l.flow->steps[l.step - 1].label, org_name(c, req->pool, l.decider_org, &req->err));
        else if (may < 0)
            rc = SH_ERR;
    }
    if (rc == SH_OK && p && p->account_id == l.r.submitter_id)
        rc = sh_err_set(&req->err, 403, "own_request", NULL, "不能审批本人提交的申请，须由另一人审批");
    sh_provenance pv = provenance(req);
    if (rc == SH_OK) { /* the decision, through the write path */
        sh_record d = sh_flow_record(req->pool, &sh_flow_decision_entity);
        if (!d.v)
            rc = sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
        int64_t dkey = 0;
        if (rc == SH_OK) {
            sh_flow_set_i(&d, "request", l.r.id);
            sh_flow_set_i(&d, "school", l.r.school_id);
            sh_flow_set_i(&d, "step", l.step);
            sh_flow_set_s(&d, "step_label", l.flow->steps[l.step - 1].label);
            sh_flow_set_i(&d, "_decider", p ? p->account_id : 0);
            sh_flow_set_s(&d, "decision", approve ? "approve" : "reject");
            sh_flow_set_s(&d, "comment", comment && *comment ? comment : NULL);
            rc = sh_record_insert(c, req->pool, &d, l.r.school_id, &pv, &dkey, NULL, &req->err);
        }
    }
    if (rc == SH_OK) {
        char object[96], detail[240];
        snprintf(object, sizeof object, "flow_request:%s", l.r.uid);
        snprintf(detail, sizeof detail, "%s 第 %d 步（%s）：%s", l.flow->name, l.step,
                 l.flow->steps[l.step - 1].label, approve ? "同意" : "驳回");
        rc = sh_audit_req(req, "flow_decision", 1, object, detail);
    }
    sh_flow_next next = sh_flow_after(l.flow ? l.flow : &(sh_flow){.nsteps = 0}, l.step, approve);
    if (rc == SH_OK)
        rc = advance(req, c, &l, &next, next.state, &pv);
    json_decref(l.r.payload);
    if (rc == SH_OK)
        rc = sh_commit(c, &req->err);
    else
        sh_rollback(c);
    return rc == SH_OK ? reply_request(req, c, uid, 200) : SH_ERR;
}

int sh_flow_cancel(sh_req *req) {
    sh_conn *c = sh_req_conn(req);
    if (!c || sh_begin_write(c, &req->err) != SH_OK)
        return SH_ERR;
    const char *uid = sh_req_param(req, "id");
    loaded l = {0};
    int rc = load(req, c, uid, &l) == SH_ROW ? SH_OK : SH_ERR;
    const sh_principal *p = sh_principal_of(req);
    if (rc == SH_OK && !l.flow)
        rc = sh_err_set(&req->err, 500, "unknown_flow", NULL, "审批流程“%s”未登记", l.r.flow);
    if (rc == SH_OK && (!p || p->account_id != l.r.submitter_id))
        rc = sh_err_set(&req->err, 403, "not_submitter", NULL, "只有提交人可以撤回申请");
    if (rc == SH_OK && strcmp(l.state, "pending") != 0)
        rc = sh_err_set(&req->err, 409, "not_pending", NULL, "该申请%s，不能撤回", state_label(l.state));
    sh_provenance pv = provenance(req);
    if (rc == SH_OK) {
        char object[96], detail[160];
        snprintf(object, sizeof object, "flow_request:%s", l.r.uid);
        snprintf(detail, sizeof detail, "%s 撤回（第 %d 步时）", l.r.flow, l.step);
        rc = sh_audit_req(req, "flow_cancel", 1, object, detail);
    }
    sh_flow_next next = {.state = "cancelled", .step = l.step, .final = 1};
    if (rc == SH_OK)
        rc = advance(req, c, &l, &next, "cancelled", &pv);
    json_decref(l.r.payload);
    if (rc == SH_OK)
        rc = sh_commit(c, &req->err);
    else
        sh_rollback(c);
    return rc == SH_OK ? reply_request(req, c, uid, 200) : SH_ERR;
}
