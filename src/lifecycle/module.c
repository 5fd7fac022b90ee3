/* module.c — the lifecycle module: the student_change declaration and table, the
 * approval flows it declares (one per kind of change, and the promotion), the
 * kinds of change with their JY/T codes and effects, and the route table. */
#include "lifecycle/module.h"

#include <string.h>

static const sh_field change_fields[] = {
    SH_FIELD_KEY,
    SH_FIELD_UID("异动记录标识"),
    {.name = "school",
     .column = "school_id",
     .type = SH_T_REF,
     .ref = "org_unit",
     .label = "学校",
     .grade = SH_L1,
     .flags = SH_F_READONLY | SH_F_FILTER,
     .doc = "提出异动的学校（转学时为转出学校）"},
    {.name = "student",
     .column = "student_id",
     .type = SH_T_REF,
     .ref = "student",
     .label = "学生",
     .grade = SH_L1,
     .flags = SH_F_FILTER | SH_F_IMMUTABLE},
    {.name = "kind",
     .column = "kind",
     .type = SH_T_TEXT,
     .label = "异动种类",
     .grade = SH_L1,
     .flags = SH_F_READONLY | SH_F_FILTER,
     .doc =
         "transfer 转学，suspension 休学，resumption 复学，withdrawal 退学，class_change 转班级，promotion "
         "学年升级"},
    {.name = "change_type",
     .column = "change_type",
     .type = SH_T_CODE,
     .code_table = "jyt_enrollment_change_type",
     .label = "异动类别",
     .grade = SH_L2,
     .max_len = 2,
     .flags = SH_F_FILTER | SH_F_IMMUTABLE,
     .doc = "JY/T 1001 学籍异动类别：11 休学，12 复学，21 转学（转出），29 转班级，31 退学"},
    {.name = "reason",
     .column = "reason",
     .type = SH_T_CODE,
     .code_table = "jyt_enrollment_change_reason",
     .label = "异动原因",
     .grade = SH_L3,
     .max_len = 2,
     .mask = SH_MASK_HIDE,
     .flags = SH_F_IMMUTABLE,
     .doc = "JY/T 1001 学籍异动原因（含疾病、死亡原因，属敏感信息，默认不显示）"},
    {.name = "effective_date",
     .column = "effective_date",
     .type = SH_T_DATE,
     .label = "异动日期",
     .grade = SH_L2,
     .flags = SH_F_REQUIRED | SH_F_IMMUTABLE},
    {.name = "approval_date",
     .column = "approval_date",
     .type = SH_T_DATE,
     .label = "审批日期",
     .grade = SH_L2,
     .doc = "由系统在审批通过时填写"},
    {.name = "document_number",
     .column = "document_number",
     .type = SH_T_TEXT,
     .label = "审批文号",
     .grade = SH_L2,
     .max_len = 50,
     .flags = SH_F_IMMUTABLE},
    {.name = "from_class",
     .column = "from_class_id",
     .type = SH_T_REF,
     .ref = "org_unit",
     .label = "原班级",
     .grade = SH_L1,
     .flags = SH_F_READONLY},
    {.name = "to_school",
     .column = "to_school_id",
     .type = SH_T_REF,
     .ref = "org_unit",
     .label = "转入学校",
     .grade = SH_L1,
     .flags = SH_F_FILTER | SH_F_IMMUTABLE},
    {.name = "to_class",
     .column = "to_class_id",
     .type = SH_T_REF,
     .ref = "org_unit",
     .label = "新班级",
     .grade = SH_L1,
     .flags = SH_F_IMMUTABLE},
    {.name = "school_year",
     .column = "school_year",
     .type = SH_T_TEXT,
     .label = "学年",
     .grade = SH_L1,
     .max_len = 9,
     .flags = SH_F_READONLY | SH_F_FILTER,
     .doc = "学年升级：升级的学年，如 2025-2026"},
    {.name = "request",
     .column = "request_id",
     .type = SH_T_REF,
     .ref = "flow_request",
     .label = "审批申请",
     .grade = SH_L1,
     .flags = SH_F_READONLY},
    {.name = "state",
     .column = "state",
     .type = SH_T_TEXT,
     .label = "状态",
     .grade = SH_L1,
     .flags = SH_F_FILTER,
     .doc = "由系统维护：pending 待审批，approved 已生效，rejected 已驳回，cancelled 已撤回"},
    {.name = "promoted", .column = "promoted", .type = SH_T_INT, .label = "升级人数", .grade = SH_L1},
    {.name = "graduated", .column = "graduated", .type = SH_T_INT, .label = "毕业人数", .grade = SH_L1},
    {.name = "classes_created",
     .column = "classes_created",
     .type = SH_T_INT,
     .label = "新建班级数",
     .grade = SH_L1},
    SH_FIELD_VERSION,
    SH_FIELD_CREATED_AT,
    SH_FIELD_UPDATED_AT,
};
const sh_entity sh_student_change_entity = {
    .name = "student_change", .table = "student_change", .label = "学籍异动", SH_FIELDS(change_fields)};

#define CHANGE_TABLE(PK, INT64)                                                                              \
    "CREATE TABLE student_change (" PK ", uid TEXT NOT NULL UNIQUE,"                                         \
    " school_id " INT64 " NOT NULL REFERENCES org_unit(id), student_id " INT64 " REFERENCES student(id),"    \
    " kind TEXT NOT NULL, change_type TEXT, reason TEXT, effective_date TEXT NOT NULL, approval_date TEXT,"  \
    " document_number TEXT, from_class_id " INT64 " REFERENCES org_unit(id), to_school_id " INT64            \
    " REFERENCES org_unit(id), to_class_id " INT64 " REFERENCES org_unit(id), school_year TEXT,"             \
    " request_id " INT64 " REFERENCES flow_request(id), state TEXT NOT NULL, promoted INTEGER,"              \
    " graduated INTEGER, classes_created INTEGER, version " INT64 " NOT NULL, created_at BIGINT NOT NULL,"   \
    " updated_at BIGINT NOT NULL);"                                                                          \
    "CREATE INDEX student_change_school ON student_change(school_id, id);"                                   \
    "CREATE INDEX student_change_student ON student_change(student_id, state);"                              \
    "CREATE INDEX student_change_to_school ON student_change(to_school_id, id);"                             \
    "CREATE INDEX student_change_year ON student_change(school_id, kind, school_year);"

static const sh_migration migrations[] = {
    {1, "student lifecycle changes (学籍异动)", CHANGE_TABLE("id INTEGER PRIMARY KEY", "INTEGER"),
     CHANGE_TABLE("id BIGSERIAL PRIMARY KEY", "BIGINT")},
};

/* ---- the flows ---- */

static const sh_flow_step school_step[] = {{"学校审核", "roster.approve", SH_FLOW_AT_SCHOOL}};
static const sh_flow_step transfer_steps[] = {
    {"转出学校审核", "roster.approve", SH_FLOW_AT_SCHOOL},
    {"转入学校审核", "roster.approve", SH_FLOW_AT_TARGET_SCHOOL},
};
static const sh_flow_step promotion_steps[] = {{"区县教育局审批", "roster.approve", SH_FLOW_AT_DISTRICT}};

#define SCHOOL_FLOW(name_, label_)                                                                           \
    {                                                                                                        \
        .name = (name_), .label = (label_), .steps = school_step, .nsteps = 1, .deadline_days = 15,          \
        .on_approve = sh_lc_apply_change, .on_reject = sh_lc_close_change                                    \
    }

static const sh_flow transfer_flow = {.name = "student_transfer",
                                      .label = "转学",
                                      .steps = transfer_steps,
                                      .nsteps = 2,
                                      .deadline_days = 30,
                                      .on_approve = sh_lc_apply_change,
                                      .on_reject = sh_lc_close_change};
static const sh_flow suspension_flow = SCHOOL_FLOW("student_suspension", "休学");
static const sh_flow resumption_flow = SCHOOL_FLOW("student_resumption", "复学");
static const sh_flow withdrawal_flow = SCHOOL_FLOW("student_withdrawal", "退学");
static const sh_flow class_change_flow = SCHOOL_FLOW("student_class_change", "转班级");
const sh_flow sh_promotion_flow = {.name = "school_promotion",
                                   .label = "学年升级",
                                   .steps = promotion_steps,
                                   .nsteps = 1,
                                   .deadline_days = 30,
                                   .on_approve = sh_lc_apply_promotion,
                                   .on_reject = sh_lc_close_change};

/* The kinds of change a student can be the subject of: JY/T code, flow, what
 * must be given and what changes on approval. */
static const sh_change_kind kinds[] = {
    {"transfer", "21", "转学", &transfer_flow, 1, 1, 1, 0, "10", "22"},
    {"suspension", "11", "休学", &suspension_flow, 1, 0, 0, 1, "02", NULL},
    {"resumption", "12", "复学", &resumption_flow, 0, 1, 0, 0, "01", "12"},
    {"withdrawal", "31", "退学", &withdrawal_flow, 1, 0, 0, 1, "03", NULL},
    {"class_change", "29", "转班级", &class_change_flow, 1, 1, 0, 0, NULL, "29"},
};

const sh_change_kind *sh_change_kind_by_code(const char *code) {
    for (size_t i = 0; code && i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(kinds[i].code, code) == 0)
            return &kinds[i];
    return NULL;
}

const sh_change_kind *sh_change_kind_by_name(const char *kind) {
    for (size_t i = 0; kind && i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(kinds[i].kind, kind) == 0)
            return &kinds[i];
    return NULL;
}

static int start(sh_app *app, sh_err *err) {
    (void)app;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (sh_flow_register(kinds[i].flow, err) != SH_OK)
            return SH_ERR;
    return sh_flow_register(&sh_promotion_flow, err);
}

/* ---- routes ---- */

static const sh_route routes[] = {
    {SH_GET, "/api/v1/student-changes", "roster.read", sh_lc_list,
     "列出学籍异动记录（转出、转入学校均可见；异动原因默认不显示）", NULL, &sh_student_change_entity,
     SH_ROUTE_LIST, "学籍异动"},
    {SH_POST, "/api/v1/student-changes", "roster.change", sh_lc_create,
     "提出学籍异动：按异动类别 11 休学、12 复学、21 转学、29 转班级、31 退学，提交审批；审批通过后生效",
     &sh_student_change_entity, &sh_student_change_entity, 0, "学籍异动"},
    {SH_GET, "/api/v1/student-changes/{id}", "roster.read", sh_lc_get,
     "查看一条学籍异动记录（带 unmask_reason 参数且有权限时显示异动原因，留审计）", NULL,
     &sh_student_change_entity, 0, "学籍异动"},
    {SH_GET, "/api/v1/student-changes/{id}/history", "roster.read", sh_lc_history,
     "一条学籍异动记录的变更历史（提交、生效或驳回）", NULL, &sh_student_change_entity, SH_ROUTE_NO_BODY,
     "学籍异动"},
    {SH_POST, "/api/v1/promotions", "roster.change", sh_lc_promote,
     "提出全校学年升级：{school, school_year, effective_date, document_number}；区县审批通过后各年级升入下一年级，"
     "毕业年级毕业（同一学年只能升级一次）",
     NULL, &sh_student_change_entity, 0, "学籍异动"},
};

static const sh_entity *const entities[] = {&sh_student_change_entity};

const sh_module sh_lifecycle_module = {
    .name = "lifecycle",
    .label = "学籍异动",
    .routes = routes,
    .nroutes = sizeof routes / sizeof routes[0],
    .migrations = migrations,
    .nmigrations = sizeof migrations / sizeof migrations[0],
    .entities = entities,
    .nentities = sizeof entities / sizeof entities[0],
    .start = start,
};
