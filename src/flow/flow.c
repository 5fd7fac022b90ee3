/* flow.c — the flow engine's storage and step logic: the flow_request and
 * flow_decision declarations and tables, the registry of declared flows,
 * submission, and which step (and which org node) decides next. The HTTP side is
 * in handlers.c. See flow.h. */
#include "flow/module.h"

#include "core/alloc.h"
#include "core/clock.h"
#include "core/uid.h"

#include <stdio.h>
#include <string.h>

/* The school a request or decision belongs to: the distribution column. */
#define SCHOOL_FIELD(label_)                                                                                 \
    {                                                                                                        \
        .name = "school", .column = "school_id", .type = SH_T_REF, .ref = "org_unit", .label = (label_),     \
        .grade = SH_L1, .flags = SH_F_FILTER                                                                 \
    }

static const sh_field request_fields[] = {
    SH_FIELD_KEY,
    SH_FIELD_UID("申请编号"),
    {.name = "flow",
     .column = "flow",
     .type = SH_T_TEXT,
     .label = "审批事项",
     .grade = SH_L1,
     .flags = SH_F_FILTER,
     .max_len = 40},
    {.name = "label", .column = "label", .type = SH_T_TEXT, .label = "事项名称", .grade = SH_L1},
    SCHOOL_FIELD("学校"),
    {.name = "target_school",
     .column = "target_school_id",
     .type = SH_T_REF,
     .ref = "org_unit",
     .label = "目标学校",
     .grade = SH_L1},
    {.name = "subject_entity",
     .column = "subject_entity",
     .type = SH_T_TEXT,
     .label = "申请对象类别",
     .grade = SH_L1},
    {.name = "subject",
     .column = "subject_uid",
     .type = SH_T_TEXT,
     .label = "申请对象",
     .grade = SH_L1,
     .doc = "所属模块记录的公开标识（如学籍异动记录）"},
    {.name = "_payload",
     .column = "payload",
     .type = SH_T_TEXT,
     .label = "申请内容（JSON，只含公开标识与代码，不含 L4 明文）",
     .grade = SH_L2,
     .flags = SH_F_INTERNAL},
    {.name = "state",
     .column = "state",
     .type = SH_T_TEXT,
     .label = "状态",
     .grade = SH_L1,
     .flags = SH_F_FILTER,
     .max_len = 10,
     .doc = "pending 待审批，approved 已通过，rejected 已驳回，cancelled 已撤回"},
    {.name = "step", .column = "step", .type = SH_T_INT, .label = "当前步骤", .grade = SH_L1},
    {.name = "step_label",
     .column = "step_label",
     .type = SH_T_TEXT,
     .label = "当前步骤名称",
     .grade = SH_L1},
    {.name = "_decider_perm",
     .column = "decider_perm",
     .type = SH_T_TEXT,
     .label = "当前步骤所需权限",
     .grade = SH_L1,
     .flags = SH_F_INTERNAL},
    {.name = "_decider_org",
     .column = "decider_org_id",
     .type = SH_T_INT,
     .label = "当前步骤审批机构",
     .grade = SH_L1,
     .flags = SH_F_INTERNAL},
    {.name = "_submitter",
     .column = "submitter_id",
     .type = SH_T_INT,
     .label = "提交人",
     .grade = SH_L2,
     .flags = SH_F_INTERNAL},
    {.name = "deadline_at", .column = "deadline_at", .type = SH_T_TIME, .label = "办理期限", .grade = SH_L1},
    {.name = "decided_at", .column = "decided_at", .type = SH_T_TIME, .label = "办结时间", .grade = SH_L1},
    SH_FIELD_VERSION,
    SH_FIELD_CREATED_AT,
    SH_FIELD_UPDATED_AT,
};
const sh_entity sh_flow_request_entity = {
    .name = "flow_request", .table = "flow_request", .label = "审批申请", SH_FIELDS(request_fields)};

static const sh_field decision_fields[] = {
    SH_FIELD_KEY,
    SH_FIELD_UID("审批意见编号"),
    {.name = "request",
     .column = "request_id",
     .type = SH_T_REF,
     .ref = "flow_request",
     .label = "审批申请",
     .grade = SH_L1,
     .flags = SH_F_FILTER},
    SCHOOL_FIELD("学校"),
    {.name = "step", .column = "step", .type = SH_T_INT, .label = "步骤", .grade = SH_L1},
    {.name = "step_label", .column = "step_label", .type = SH_T_TEXT, .label = "步骤名称", .grade = SH_L1},
    {.name = "_decider",
     .column = "decider_id",
     .type = SH_T_INT,
     .label = "审批人",
     .grade = SH_L2,
     .flags = SH_F_INTERNAL},
    {.name = "decision",
     .column = "decision",
     .type = SH_T_TEXT,
     .label = "审批结论",
     .grade = SH_L1,
     .doc = "approve 同意，reject 驳回"},
    {.name = "comment",
     .column = "comment",
     .type = SH_T_TEXT,
     .label = "审批意见",
     .grade = SH_L2,
     .max_len = 500},
    SH_FIELD_VERSION,
    SH_FIELD_CREATED_AT,
    SH_FIELD_UPDATED_AT,
};
const sh_entity sh_flow_decision_entity = {
    .name = "flow_decision", .table = "flow_decision", .label = "审批意见", SH_FIELDS(decision_fields)};

#define FLOW_TABLES(PK, INT64)                                                                               \
    "CREATE TABLE flow_request (" PK ", uid TEXT NOT NULL UNIQUE, flow TEXT NOT NULL, label TEXT NOT NULL,"  \
    " school_id " INT64 " NOT NULL REFERENCES org_unit(id), target_school_id " INT64                         \
    " REFERENCES org_unit(id), subject_entity TEXT NOT NULL, subject_uid TEXT NOT NULL,"                     \
    " payload TEXT NOT NULL, state TEXT NOT NULL, step INTEGER NOT NULL, step_label TEXT NOT NULL,"          \
    " decider_perm TEXT NOT NULL, decider_org_id " INT64 " NOT NULL, submitter_id " INT64 ","                \
    " deadline_at BIGINT, decided_at BIGINT, version " INT64 " NOT NULL, created_at BIGINT NOT NULL,"        \
    " updated_at BIGINT NOT NULL);"                                                                          \
    "CREATE INDEX flow_request_school ON flow_request(school_id, id);"                                       \
    "CREATE INDEX flow_request_decider ON flow_request(state, decider_org_id);"                              \
    "CREATE INDEX flow_request_submitter ON flow_request(submitter_id);"                                     \
    "CREATE INDEX flow_request_subject ON flow_request(subject_uid, state);"                                 \
    "CREATE TABLE flow_decision (" PK ", uid TEXT NOT NULL UNIQUE, request_id " INT64                        \
    " NOT NULL REFERENCES flow_request(id), school_id " INT64 " NOT NULL REFERENCES org_unit(id),"           \
    " step INTEGER NOT NULL, step_label TEXT NOT NULL, decider_id " INT64 " NOT NULL,"                       \
    " decision TEXT NOT NULL, comment TEXT, version " INT64 " NOT NULL, created_at BIGINT NOT NULL,"         \
    " updated_at BIGINT NOT NULL);"                                                                          \
    "CREATE INDEX flow_decision_school ON flow_decision(school_id, id);"                                     \
    "CREATE INDEX flow_decision_request ON flow_decision(request_id, step);"                                 \
    "CREATE INDEX flow_decision_decider ON flow_decision(decider_id, request_id);"

const sh_migration sh_flow_migrations[] = {
    {1, "approval flows: requests and decisions", FLOW_TABLES("id INTEGER PRIMARY KEY", "INTEGER"),
     FLOW_TABLES("id BIGSERIAL PRIMARY KEY", "BIGINT")},
};
const int sh_flow_nmigrations = sizeof sh_flow_migrations / sizeof sh_flow_migrations[0];

/* ---- registry ---- */

#define MAX_FLOWS 64
static const sh_flow *flows[MAX_FLOWS];
static int nflows;

/* Permission names are spliced into the visibility predicate: letters, dots and
 * underscores only (they come from declarations, never from requests). */
static int plain_name(const char *s) {
    if (!s || !*s || strlen(s) > 48)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || *s == '.' || *s == '_'))
            return 0;
    return 1;
}

int sh_flow_register(const sh_flow *f, sh_err *err) {
    for (int i = 0; i < nflows; i++)
        if (flows[i] == f)
            return SH_OK;
    if (!f->name || !f->label || f->nsteps < 1 || !plain_name(f->name))
        return sh_err_set(err, 500, "bad_flow", NULL, "审批流程声明不完整");
    for (int i = 0; i < f->nsteps; i++)
        if (!f->steps[i].label || !plain_name(f->steps[i].permission) || f->steps[i].at < SH_FLOW_AT_SCHOOL ||
            f->steps[i].at > SH_FLOW_AT_DISTRICT)
            return sh_err_set(err, 500, "bad_flow", NULL, "审批流程“%s”的第 %d 步声明不完整", f->label,
                              i + 1);
    if (sh_flow_find(f->name))
        return sh_err_set(err, 500, "bad_flow", NULL, "审批流程“%s”重复声明", f->name);
    if (nflows == MAX_FLOWS)
        return sh_err_set(err, 500, "bad_flow", NULL, "审批流程过多");
    flows[nflows++] = f;
    return SH_OK;
}

const sh_flow *sh_flow_find(const char *name) {
    for (int i = 0; name && i < nflows; i++)
        if (strcmp(flows[i]->name, name) == 0)
            return flows[i];
    return NULL;
}

int sh_flow_permissions(const char **out, int max) {
    int n = 0;
    for (int i = 0; i < nflows; i++)
        for (int j = 0; j < flows[i]->nsteps; j++) {
            const char *perm = flows[i]->steps[j].permission;
            int seen = 0;
            for (int k = 0; k < n && !seen; k++)
                seen = strcmp(out[k], perm) == 0;
            if (!seen && n < max)
                out[n++] = perm;
        }
    return n;
}

/* ---- step logic ---- */

sh_flow_next sh_flow_after(const sh_flow *f, int step, int approve) {
    if (step < 1 || step > f->nsteps) /* not a step of this flow: nothing moves */
        return (sh_flow_next){.state = "pending", .step = step, .final = 0};
    if (!approve)
        return (sh_flow_next){.state = "rejected", .step = step, .final = 1};
    if (step == f->nsteps)
        return (sh_flow_next){.state = "approved", .step = step, .final = 1};
    return (sh_flow_next){.state = "pending", .step = step + 1, .final = 0};
}

int64_t sh_flow_step_org(sh_conn *c, const sh_flow *f, int step, int64_t school_id, int64_t target_school_id,
                         sh_err *err) {
    if (step < 1 || step > f->nsteps) {
        sh_err_set(err, 500, "bad_flow", NULL, "审批流程“%s”没有第 %d 步", f->label, step);
        return 0;
    }
    switch (f->steps[step - 1].at) {
    case SH_FLOW_AT_SCHOOL: return school_id;
    case SH_FLOW_AT_TARGET_SCHOOL:
        if (!target_school_id)
            sh_err_set(err, 400, "no_target_school", "target_school", "该申请没有目标学校");
        return target_school_id;
    case SH_FLOW_AT_DISTRICT: {
        sh_stmt *s =
            sh_prepare(c,
                       "SELECT x.ancestor_id FROM org_closure x JOIN org_unit o ON o.id = x.ancestor_id"
                       " WHERE x.descendant_id = $1 AND o.kind = 'district' ORDER BY x.depth LIMIT 1",
                       err);
        if (!s)
            return 0;
        sh_bind_i64(s, 1, school_id);
        int rc = sh_step(s, err);
        int64_t id = rc == SH_ROW ? sh_col_i64(s, 0) : 0;
        sh_stmt_done(s);
        if (rc == SH_DONE)
            sh_err_set(err, 400, "no_district", "school", "该学校不在任何区县之下，无法由区县审批");
        return id;
    }
    }
    sh_err_set(err, 500, "bad_flow", NULL, "审批流程“%s”的第 %d 步没有审批机构", f->label, step);
    return 0;
}

/* ---- records written through model/write.h ---- */

sh_record sh_flow_record(sh_pool *p, const sh_entity *e) {
    sh_record r = {.e = e, .v = sh_pcalloc(p, sizeof(sh_value) * (size_t)e->nfields)};
    return r;
}

void sh_flow_set_i(sh_record *r, const char *field, int64_t v) {
    int i = sh_entity_field_index(r->e, field);
    if (i >= 0)
        r->v[i] = (sh_value){.set = 1, .i = v};
}

void sh_flow_set_s(sh_record *r, const char *field, const char *v) {
    int i = sh_entity_field_index(r->e, field);
    if (i >= 0)
        r->v[i] = (sh_value){.set = 1, .is_null = v == NULL, .s = v};
}

void sh_flow_set_null(sh_record *r, const char *field) {
    int i = sh_entity_field_index(r->e, field);
    if (i >= 0)
        r->v[i] = (sh_value){.set = 1, .is_null = 1};
}

int sh_flow_submit(sh_conn *c, sh_pool *p, const sh_flow_submission *s, int64_t *key, const char **uid,
                   sh_err *err) {
    const sh_flow *f = s->flow;
    if (!sh_flow_find(f->name))
        return sh_err_set(err, 500, "bad_flow", NULL, "审批流程“%s”未登记", f->label);
    int64_t org = sh_flow_step_org(c, f, 1, s->school_id, s->target_school_id, err);
    if (!org)
        return SH_ERR;
    json_t *empty = s->payload ? NULL : json_object();
    char *payload = json_dumps(s->payload ? s->payload : empty, JSON_COMPACT);
    json_decref(empty);
    const char *text = payload ? sh_pstrdup(p, payload) : NULL;
    sh_free(payload);
    sh_record r = sh_flow_record(p, &sh_flow_request_entity);
    if (!r.v || !text)
        return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    sh_flow_set_s(&r, "flow", f->name);
    sh_flow_set_s(&r, "label", f->label);
    sh_flow_set_i(&r, "school", s->school_id);
    if (s->target_school_id)
        sh_flow_set_i(&r, "target_school", s->target_school_id);
    sh_flow_set_s(&r, "subject_entity", s->subject_entity);
    sh_flow_set_s(&r, "subject", s->subject_uid);
    sh_flow_set_s(&r, "_payload", text);
    sh_flow_set_s(&r, "state", "pending");
    sh_flow_set_i(&r, "step", 1);
    sh_flow_set_s(&r, "step_label", f->steps[0].label);
    sh_flow_set_s(&r, "_decider_perm", f->steps[0].permission);
    sh_flow_set_i(&r, "_decider_org", org);
    sh_flow_set_i(&r, "_submitter", s->pv ? s->pv->actor : 0);
    if (f->deadline_days > 0)
        sh_flow_set_i(&r, "deadline_at", sh_now_ms() + (int64_t)f->deadline_days * 86400000);
    return sh_record_insert(c, p, &r, s->school_id, s->pv, key, uid, err);
}
