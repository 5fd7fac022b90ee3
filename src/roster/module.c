/* module.c — the roster module: its route table, entity list and migrations. */
#include "roster/module.h"

#define ROSTER_ROUTES(path, entity, label)                                                                   \
    {SH_GET, "/api/v1/" path, "roster.read", sh_roster_list, "列出" label "（管辖范围内，敏感字段脱敏）",    \
     NULL,   &entity,         SH_ROUTE_LIST, "基础数据"},                                                    \
        {SH_POST, "/api/v1/" path, "roster.write", sh_roster_create, "新建" label, &entity, &entity,         \
         0,       "基础数据"},                                                                               \
        {SH_GET,                                                                                             \
         "/api/v1/" path "/{id}",                                                                            \
         "roster.read",                                                                                      \
         sh_roster_get,                                                                                      \
         "查看一条" label "（带 unmask_reason 参数且有权限时显示明文，留审计）",                             \
         NULL,                                                                                               \
         &entity,                                                                                            \
         0,                                                                                                  \
         "基础数据"},                                                                                        \
        {SH_PATCH,                                                                                           \
         "/api/v1/" path "/{id}",                                                                            \
         "roster.write",                                                                                     \
         sh_roster_update,                                                                                   \
         "修改" label "（只写有变化的字段）",                                                                \
         &entity,                                                                                            \
         &entity,                                                                                            \
         0,                                                                                                  \
         "基础数据"},                                                                                        \
    {                                                                                                        \
        SH_GET, "/api/v1/" path "/{id}/history", "roster.read", sh_roster_history,                           \
            "一条" label "的变更历史（谁、何时、经由何处、改了哪些字段）", NULL, &entity, SH_ROUTE_NO_BODY,  \
            "基础数据"                                                                                   \
    }

static const sh_route routes[] = {
    ROSTER_ROUTES("schools", sh_school_profile_entity, "学校档案"),
    ROSTER_ROUTES("terms", sh_term_entity, "学期"),
    ROSTER_ROUTES("classes", sh_class_profile_entity, "班级档案"),
    ROSTER_ROUTES("staff", sh_staff_entity, "教职工"),
    ROSTER_ROUTES("students", sh_student_entity, "学生"),
    ROSTER_ROUTES("guardians", sh_guardian_entity, "家庭成员"),
    ROSTER_ROUTES("enrollments", sh_enrollment_entity, "在班记录"),
    ROSTER_ROUTES("teaching-assignments", sh_teaching_entity, "任课安排"),
    {SH_POST, "/api/v1/persons", "roster.write", sh_roster_create_person,
     "登记人员（档案与身份证件；按证件号查重，已登记则返回原人员）", NULL, NULL, 0, "基础数据"},
    {SH_GET, "/api/v1/persons/{id}", "roster.read", sh_roster_get_person,
     "查看一名人员：档案摘要（脱敏）、是否未满 14 周岁、管辖范围内的角色；已合并的人员给出保留的人员", NULL,
     NULL, SH_ROUTE_NO_BODY, "基础数据"},
    {SH_POST, "/api/v1/persons/{id}/merge", "roster.write", sh_roster_merge_person,
     "把重复登记的人员合并到保留的人员（{\"into\": 人员标识, \"reason\": 事由}；角色、证件、账号与缺少的档案字段"
     "移到保留的人员，原记录标为已合并，留审计）",
     NULL, NULL, 0, "基础数据"},
    {SH_GET, "/api/v1/duplicate-candidates", "roster.write", sh_roster_duplicates,
     "疑似重复人员：姓名、性别、出生日期相同而身份证件号不同或缺失的人员分组（管辖范围内，脱敏）", NULL, NULL,
     SH_ROUTE_NO_BODY, "基础数据"},
    {SH_GET, "/api/v1/class-rosters/{id}", "roster.read", sh_roster_class_students,
     "班级花名册：班级当前在班的学生（{id} 为班级机构标识）", NULL, &sh_student_entity, SH_ROUTE_NO_BODY,
     "基础数据"},
    {SH_GET, "/api/v1/student-flags", "roster.read", sh_roster_student_flags,
     "学校或区县（org 参数）在读学生中留守儿童（单亲、双亲）、随迁子女、孤儿、残疾、随班就读、需要资助与需要乘坐"
     "校车的人数（只给人数）",
     NULL, NULL, SH_ROUTE_NO_BODY, "基础数据"},
    {SH_GET, "/api/v1/my/students", "self.read", sh_roster_my_students,
     "本人的学籍与本人监护的学生：学校、班级、年级、班主任（学生与家长的门户；学籍号脱敏）", NULL, NULL,
     SH_ROUTE_NO_BODY, "基础数据"},
};

static const sh_entity *const entities[] = {
    &sh_person_profile_entity, &sh_person_document_entity, &sh_school_profile_entity, &sh_term_entity,
    &sh_class_profile_entity,  &sh_staff_entity,           &sh_student_entity,        &sh_guardian_entity,
    &sh_enrollment_entity,     &sh_teaching_entity,
};

const sh_module sh_roster_module = {
    .name = "roster",
    .label = "基础数据",
    .routes = routes,
    .nroutes = sizeof routes / sizeof routes[0],
    .migrations = sh_roster_migrations,
    .nmigrations = SH_ROSTER_NMIGRATIONS,
    .entities = entities,
    .nentities = sizeof entities / sizeof entities[0],
};
