/* module.c — the mastery (学情) module: its route table, entities and migrations. */
#include "mastery/module.h"

#define TAG "学情"

static const sh_route routes[] = {
    {SH_GET, "/api/v1/classes/{id}/mastery", "mastery.read", sh_mastery_class_api,
     "班级学情报告：subject（课程代码，必填）、task（作业标识，可选）；知识点 × 学生掌握概率热力图、"
     "学困预警及原因、高频错误选项及其错因、薄弱知识点背后的先修缺口；format=csv|xlsx 下载",
     NULL, NULL, SH_ROUTE_NO_BODY, TAG},
    {SH_GET, "/api/v1/classes/{id}/tiers", "mastery.read", sh_mastery_tiers_api,
     "分层作业建议：subject（课程代码，必填）、points（知识点编码，逗号分隔，缺省为该学科作业涉及的知识点）；"
     "每名学生的层次 A/B/C 与针对薄弱知识点及其先修知识点的推荐题目，各附预测答对概率（在该层次的区间内）",
     NULL, NULL, SH_ROUTE_NO_BODY, TAG},
    {SH_GET, "/api/v1/students/{id}/mastery", "mastery.read", sh_mastery_student_api,
     "学生学情：各知识点掌握概率及其变化、薄弱知识点、下一步学习建议（先修优先）；subject 可选", NULL, NULL,
     SH_ROUTE_NO_BODY, TAG},
    {SH_GET, "/api/v1/my/mastery", "self.read", sh_mastery_my_api,
     "本人或本人监护的学生的学习情况（student 为学生标识，缺省为本人）；subject 可选", NULL, NULL,
     SH_ROUTE_NO_BODY, TAG},
};

static const sh_entity *const entities[] = {&sh_mastery_param_entity, &sh_mastery_item_entity,
                                            &sh_mastery_state_entity, &sh_mastery_event_entity};

const sh_module sh_mastery_module = {
    .name = "mastery",
    .label = TAG,
    .routes = routes,
    .nroutes = sizeof routes / sizeof routes[0],
    .migrations = sh_mastery_migrations,
    .nmigrations = 1,
    .entities = entities,
    .nentities = sizeof entities / sizeof entities[0],
};
