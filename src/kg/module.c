/* module.c — the knowledge graph module: its route table, entities and
 * migrations. */
#include "kg/module.h"

#define TAG "知识图谱"

static const sh_route routes[] = {
    {SH_GET, "/api/v1/kg/subjects", "kg.read", kg_subjects, "列出有知识点的学科（代码、名称、知识点数）",
     NULL, NULL, SH_ROUTE_NO_BODY, TAG},
    {SH_GET, "/api/v1/kg/points", "kg.read", kg_points_list,
     "列出知识点（按学科、教材版本、年级、学期、章、节、编码筛选；q 按名称或编码搜索）", NULL,
     &sh_kg_point_entity, SH_ROUTE_LIST, TAG},
    {SH_POST, "/api/v1/kg/points", "kg.write", kg_point_create,
     "新建知识点；可带 prerequisites（先修知识点的编码或标识列表），形成循环的先修关系被拒绝",
     &sh_kg_point_entity, &sh_kg_point_entity, 0, TAG},
    {SH_GET, "/api/v1/kg/points/{id}", "kg.read", kg_point_get,
     "查看知识点（标识或编码）及其直接先修、直接后续知识点", NULL, &sh_kg_point_entity, SH_ROUTE_NO_BODY,
     TAG},
    {SH_PATCH, "/api/v1/kg/points/{id}", "kg.write", kg_point_update,
     "修改知识点（改名留痕于变更记录）；给出 prerequisites 时先修关系改为该列表", &sh_kg_point_entity,
     &sh_kg_point_entity, 0, TAG},
    {SH_DELETE, "/api/v1/kg/points/{id}", "kg.write", kg_point_delete,
     "删除知识点（仍是其他知识点的先修或被题目引用时拒绝）", NULL, NULL, SH_ROUTE_NO_BODY, TAG},
    {SH_GET, "/api/v1/kg/points/{id}/history", "kg.read", kg_point_history,
     "知识点的变更记录（谁、何时、改了什么）", NULL, NULL, SH_ROUTE_NO_BODY, TAG},
    {SH_GET, "/api/v1/kg/points/{id}/prerequisites", "kg.read", kg_prerequisites,
     "知识点的先修知识点；transitive=true 时沿先修关系逐层展开，depth 为层数", NULL, NULL, SH_ROUTE_NO_BODY,
     TAG},
    {SH_POST, "/api/v1/kg/points/{id}/prerequisites", "kg.write", kg_edge_add,
     "添加先修关系：{\"prerequisite\": \"编码或标识\"}；会形成循环时拒绝并指出循环", NULL,
     &sh_kg_point_entity, 0, TAG},
    {SH_DELETE, "/api/v1/kg/points/{id}/prerequisites/{prerequisite}", "kg.write", kg_edge_remove,
     "删除先修关系", NULL, &sh_kg_point_entity, SH_ROUTE_NO_BODY, TAG},
    {SH_GET, "/api/v1/kg/points/{id}/dependants", "kg.read", kg_dependants,
     "以该知识点为先修的后续知识点；transitive=true 时逐层展开，depth 为层数", NULL, NULL, SH_ROUTE_NO_BODY,
     TAG},
    {SH_POST, "/api/v1/kg/imports", "kg.write", kg_import_api,
     "导入知识图谱 CSV（列：code、name、subject、edition、grade、semester、chapter、section、prerequisites、description）；"
     "dry_run=true 只校验；有任何错误则不写入，逐行列出错误",
     NULL, NULL, SH_ROUTE_UPLOAD, TAG},
    {SH_GET, "/api/v1/kg/export", "kg.read", kg_export_api,
     "导出知识图谱 CSV（与导入格式相同；subject 可按学科）", NULL, NULL, SH_ROUTE_NO_BODY, TAG},
};

static const sh_entity *const entities[] = {&sh_kg_point_entity, &sh_kg_edge_entity};

const sh_module sh_kg_module = {
    .name = "kg",
    .label = TAG,
    .routes = routes,
    .nroutes = sizeof routes / sizeof routes[0],
    .migrations = sh_kg_migrations,
    .nmigrations = 2, /* the length of sh_kg_migrations (entities.c) */
    .entities = entities,
    .nentities = sizeof entities / sizeof entities[0],
};
