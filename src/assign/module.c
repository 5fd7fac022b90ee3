/* module.c — the assignment module: its route table, entities and migrations.
 * Teachers reach a task through its class (assign.read / assign.write held at
 * the class or above); students and guardians through the "my" routes, whose
 * reach is the relationship alone (self.read). */
#include "assign/module.h"

#define TAG "作业"

static const sh_route routes[] = {
    {SH_GET, "/api/v1/assign/tasks", "assign.read", assign_tasks_list,
     "班级的作业（class=班级标识，必填）：新的在前，含已布置、已提交、已评分人数和平均分", NULL, NULL,
     SH_ROUTE_NO_BODY, TAG},
    {SH_POST, "/api/v1/assign/tasks", "assign.write", assign_task_create,
     "新建作业草稿：class、kind（diagnostic 课前问学 | homework 课后作业）、title、subject（课程代码，数学 14）、"
     "due_at；items: [{item: 题目标识或编码, student?: 学生标识, score?}] 选题，或 select: {knowledge_points: "
     "[编码], count} 按知识点自动选题；tiers: {学生标识: \"A\"|\"B\"|\"C\"}",
     NULL, NULL, 0, TAG},
    {SH_GET, "/api/v1/assign/tasks/{id}", "assign.read", assign_task_get,
     "查看作业：题目（含答案、解析、评分标准）与每题的正确率", NULL, NULL, SH_ROUTE_NO_BODY, TAG},
    {SH_PUT, "/api/v1/assign/tasks/{id}", "assign.write", assign_task_put,
     "修改草稿作业（与新建相同的字段；题目整体替换）", NULL, NULL, 0, TAG},
    {SH_POST, "/api/v1/assign/tasks/{id}/publish", "assign.write", assign_task_publish,
     "发布：给班级在读的每个学生布置（没有题目的作业不能发布）", NULL, NULL, 0, TAG},
    {SH_POST, "/api/v1/assign/tasks/{id}/close", "assign.write", assign_task_close, "截止收取：不再接受作答",
     NULL, NULL, 0, TAG},
    {SH_GET, "/api/v1/assign/tasks/{id}/submissions", "assign.read", assign_task_submissions,
     "作业的每个学生的提交：状态、得分、待评分题数", NULL, NULL, SH_ROUTE_NO_BODY, TAG},
    {SH_GET, "/api/v1/assign/submissions/{id}", "assign.read", assign_submission_get,
     "一个学生的提交与每题作答", NULL, NULL, SH_ROUTE_NO_BODY, TAG},
    {SH_POST, "/api/v1/assign/answers/{id}/score", "assign.write", assign_answer_score,
     "按评分标准给主观题评分：{\"score\": 0…题目分值, \"comment\": \"评语\"}", NULL, NULL, 0, TAG},
    {SH_GET, "/api/v1/my/tasks", "self.read", assign_my_tasks,
     "本人（家长：所监护学生）的作业：未完成的在前，按截止时间", NULL, NULL, SH_ROUTE_NO_BODY, TAG},
    {SH_GET, "/api/v1/my/tasks/{id}", "self.read", assign_my_task,
     "作答一份作业（标识为作业提交标识）：提交前不含答案与解析；含已保存的作答", NULL, NULL, SH_ROUTE_NO_BODY,
     TAG},
    {SH_PUT, "/api/v1/my/tasks/{id}/answers/{item}", "self.read", assign_my_answer,
     "保存一题的作答（仅学生本人，提交前可多次保存）：{\"response\": …}", NULL, NULL, 0, TAG},
    {SH_POST, "/api/v1/my/tasks/{id}/submit", "self.read", assign_my_submit,
     "提交作业（仅一次）：客观题立即判分，主观题待教师评分，未答的题记为错误", NULL, NULL, 0, TAG},
    {SH_GET, "/api/v1/my/practice/next", "self.read", assign_practice_next,
     "自主练习的下一题：subject（课程代码，必填）、points（知识点编码，逗号分隔，可选）、student（家长：所监护学生，"
     "只读）；按先修优先、薄弱优先的顺序选出预测答对概率最接近该层次目标的客观题；无题可练时 item 为 null 并说明原因",
     NULL, NULL, SH_ROUTE_NO_BODY, TAG},
    {SH_POST, "/api/v1/my/practice/answers", "self.read", assign_practice_answer,
     "作答自主练习的一题（仅学生本人，只能作答最近给出的那道题）：{\"item\": 题目标识, \"response\": …, "
     "\"points\"?: [编码]}；立即判分，返回正误、答案、解析、知识点掌握概率的变化和下一题",
     NULL, NULL, 0, TAG},
};

static const sh_entity *const entities[] = {&sh_assign_task_entity, &sh_assign_task_item_entity,
                                            &sh_assign_submission_entity, &sh_assign_answer_entity};

const sh_module sh_assign_module = {
    .name = "assign",
    .label = TAG,
    .routes = routes,
    .nroutes = sizeof routes / sizeof routes[0],
    .migrations = sh_assign_migrations,
    .nmigrations = 1,
    .entities = entities,
    .nentities = sizeof entities / sizeof entities[0],
};
