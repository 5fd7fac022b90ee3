/* module.c — the item bank module: its route table, entities and migrations. */
#include "items/module.h"

#define TAG "题库"

static const sh_route routes[] = {
    {SH_GET, "/api/v1/items", "items.read", items_list,
     "查找题目：knowledge_point（编码或标识；include=prerequisites|dependants 时含其先修或后续知识点）、type、"
     "difficulty、status、q（题干文字）；limit 至多 200，cursor 翻页",
     NULL, NULL, SH_ROUTE_NO_BODY, TAG},
    {SH_POST, "/api/v1/items", "items.write", items_create,
     "新建题目草稿（与题库 JSONL 每行的格式相同：type、stem、options、answer、explanation、knowledge_points、"
     "difficulty、source、score、rubric）",
     NULL, NULL, 0, TAG},
    {SH_GET, "/api/v1/items/export", "items.read", items_export_api,
     "导出题库 JSON Lines（已发布的版本；all=true 时为最新版本，须有审核权限）", NULL, NULL, SH_ROUTE_NO_BODY,
     TAG},
    {SH_POST, "/api/v1/items/imports", "items.write", items_import_api,
     "导入题库 JSON Lines（按题目编码更新；dry_run=true 只校验；publish=true 直接发布，须有审核权限）；"
     "任何一行有错则全部不写入",
     NULL, NULL, SH_ROUTE_UPLOAD, TAG},
    {SH_GET, "/api/v1/items/{id}", "items.read", items_get,
     "查看题目（标识或编码）：本人可见的最新版本，或 version=N 的版本", NULL, NULL, SH_ROUTE_NO_BODY, TAG},
    {SH_PUT, "/api/v1/items/{id}", "items.write", items_put,
     "修改题目内容：草稿就地修改；已发布的题目不变，生成新版本草稿（仅编写人或审核人）", NULL, NULL, 0, TAG},
    {SH_GET, "/api/v1/items/{id}/versions", "items.read", items_versions, "题目的各个版本及其状态", NULL,
     NULL, SH_ROUTE_NO_BODY, TAG},
    {SH_POST, "/api/v1/items/{id}/submit", "items.write", items_submit, "草稿提交审核", NULL, NULL, 0, TAG},
    {SH_POST, "/api/v1/items/{id}/review", "items.review", items_review,
     "审核：{\"decision\": \"approve\" | \"reject\", \"note\": \"审核意见\"}（退回须填意见；不能审核本人编写的题目）",
     NULL, NULL, 0, TAG},
    {SH_POST, "/api/v1/items/{id}/retire", "items.review", items_retire, "停用已发布的题目", NULL, NULL, 0,
     TAG},
    {SH_POST, "/api/v1/items/{id}/check", "items.read", items_check_api,
     "判断作答是否正确：{\"response\": …}，回答 right、wrong 或 needs_scoring（主观题待教师评分）", NULL,
     NULL, 0, TAG},
};

static const sh_entity *const entities[] = {&sh_item_entity, &sh_item_version_entity, &sh_item_kp_entity};

const sh_module sh_items_module = {
    .name = "items",
    .label = TAG,
    .routes = routes,
    .nroutes = sizeof routes / sizeof routes[0],
    .migrations = sh_items_migrations,
    .nmigrations = 2, /* the length of sh_items_migrations (entities.c) */
    .entities = entities,
    .nentities = sizeof entities / sizeof entities[0],
};
