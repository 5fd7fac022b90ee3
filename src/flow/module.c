/* module.c — the flow module: its route table, entities and migrations. Flows
 * themselves are declared by the modules that own them (see flow.h). */
#include "flow/module.h"

static const sh_route routes[] = {
    {SH_GET, "/api/v1/approvals", "flow.use", sh_flow_list,
     "列出本人可见的审批申请（本人提交或审批过的，以及当前步骤由本人审批的待办）", NULL,
     &sh_flow_request_entity, SH_ROUTE_LIST, "审批"},
    {SH_GET, "/api/v1/approvals/{id}", "flow.use", sh_flow_get,
     "查看一件审批申请：各步骤、审批意见，以及本人能否审批、撤回", NULL, &sh_flow_request_entity,
     SH_ROUTE_NO_BODY, "审批"},
    {SH_POST, "/api/v1/approvals/{id}/decisions", "flow.use", sh_flow_decide,
     "审批当前步骤：{\"decision\": \"approve\" | \"reject\", \"comment\": \"审批意见\"}（驳回须填意见；"
     "不能审批本人提交的申请；最后一步同意时申请的变更在同一事务中生效）",
     NULL, &sh_flow_request_entity, 0, "审批"},
    {SH_POST, "/api/v1/approvals/{id}/cancel", "flow.use", sh_flow_cancel, "提交人撤回待审批的申请", NULL,
     &sh_flow_request_entity, 0, "审批"},
};

static const sh_entity *const entities[] = {&sh_flow_request_entity, &sh_flow_decision_entity};

const sh_module sh_flow_module = {
    .name = "flow",
    .label = "审批",
    .routes = routes,
    .nroutes = sizeof routes / sizeof routes[0],
    .migrations = sh_flow_migrations,
    .nmigrations = 1,
    .entities = entities,
    .nentities = sizeof entities / sizeof entities[0],
};
