/* entities.c — the declarations of the assignment tables (docs/teaching.md):
 * the task, its items, each student's submission and answers. Every write goes
 * through model/write.h with them, so each change is in the change log. */
#include "assign/module.h"

#define G(grade_, name_, col_, type_, label_, ...)                                                           \
    { .name = (name_), .column = (col_), .type = (type_), .label = (label_), .grade = (grade_), __VA_ARGS__ }
#define F(...) G(SH_L1, __VA_ARGS__)
/* Values about one student's work (their answers and results): L2. */
#define P(...) G(SH_L2, __VA_ARGS__)
/* Who wrote or scored: an account key, never shown. */
#define ACCOUNT(name_, col_, label_)                                                                         \
    {                                                                                                        \
        .name = (name_), .column = (col_), .type = SH_T_INT, .label = (label_), .grade = SH_L2,              \
        .flags = SH_F_INTERNAL                                                                               \
    }
#define SCHOOL F("school", "school_id", SH_T_REF, "学校", .ref = "org_unit", .flags = SH_F_IMMUTABLE)

static const sh_field task_fields[] = {
    SH_FIELD_KEY,
    SH_FIELD_UID("作业标识"),
    SCHOOL,
    F("class", "class_id", SH_T_REF, "班级", .ref = "org_unit", .flags = SH_F_IMMUTABLE),
    F("subject", "subject", SH_T_CODE, "学科", .code_table = "jyt_k12_course", .max_len = 8),
    F("kind", "kind", SH_T_TEXT, "类型", .max_len = 12,
      .doc = "diagnostic 课前问学、homework 课后作业、practice 自主练习"),
    F("title", "title", SH_T_TEXT, "标题", .max_len = 60),
    F("status", "status", SH_T_TEXT, "状态", .max_len = 12,
      .doc = "draft 草稿、published 已发布、closed 已截止"),
    F("tiered", "tiered", SH_T_INT, "分层", .doc = "1 表示学生的题目不同（分层作业）"),
    ACCOUNT("_author", "author_id", "布置人"),
    F("due_at", "due_at", SH_T_TIME, "截止时间"),
    F("published_at", "published_at", SH_T_TIME, "发布时间"),
    F("closed_at", "closed_at", SH_T_TIME, "截止收取时间"),
    SH_FIELD_VERSION,
    SH_FIELD_CREATED_AT,
    SH_FIELD_UPDATED_AT,
};
const sh_entity sh_assign_task_entity = {.name = "assign_task",
                                         .table = "assign_task",
                                         .label = "作业",
                                         SH_FIELDS(task_fields),
                                         .flags = SH_E_INTERNAL};

static const sh_field task_item_fields[] = {
    SH_FIELD_KEY,
    SH_FIELD_UID("作业题目标识"),
    SCHOOL,
    F("task", "task_id", SH_T_REF, "作业", .ref = "assign_task", .flags = SH_F_IMMUTABLE),
    F("item_version", "item_version_id", SH_T_REF, "题目版本", .ref = "item_version",
      .flags = SH_F_IMMUTABLE),
    F("ordinal", "ordinal", SH_T_INT, "题号"),
    F("score", "score", SH_T_INT, "分值"),
    P("student", "student_id", SH_T_REF, "学生", .ref = "student",
      .doc = "空：全班都做；有值：该生的题目（分层作业）"),
    {.name = "predicted",
     .column = "predicted",
     .type = SH_T_TEXT,
     .label = "预测正确率",
     .grade = SH_L2,
     .flags = SH_F_INTERNAL,
     .doc = "选题时模型给出的答对概率（教师选题时为空）"},
    SH_FIELD_VERSION,
    SH_FIELD_CREATED_AT,
    SH_FIELD_UPDATED_AT,
};
const sh_entity sh_assign_task_item_entity = {.name = "assign_task_item",
                                              .table = "assign_task_item",
                                              .label = "作业题目",
                                              SH_FIELDS(task_item_fields),
                                              .flags = SH_E_INTERNAL};

static const sh_field submission_fields[] = {
    SH_FIELD_KEY,
    SH_FIELD_UID("作业提交标识"),
    SCHOOL,
    F("task", "task_id", SH_T_REF, "作业", .ref = "assign_task", .flags = SH_F_IMMUTABLE),
    P("student", "student_id", SH_T_REF, "学生", .ref = "student", .flags = SH_F_IMMUTABLE),
    P("tier", "tier", SH_T_TEXT, "层次", .max_len = 1, .doc = "分层作业的 A、B、C 层"),
    F("status", "status", SH_T_TEXT, "状态", .max_len = 12,
      .doc = "assigned 已布置、started 作答中、submitted 已提交、scored 已评分"),
    F("registration", "registration", SH_T_TEXT, "学习记录注册号", .max_len = 36,
      .doc = "把该生本次作业的 xAPI 学习记录连在一起的 UUID"),
    F("started_at", "started_at", SH_T_TIME, "开始时间"),
    F("submitted_at", "submitted_at", SH_T_TIME, "提交时间"),
    F("scored_at", "scored_at", SH_T_TIME, "评分完成时间"),
    P("score", "score", SH_T_INT, "得分"),
    F("max_score", "max_score", SH_T_INT, "满分"),
    SH_FIELD_VERSION,
    SH_FIELD_CREATED_AT,
    SH_FIELD_UPDATED_AT,
};
const sh_entity sh_assign_submission_entity = {.name = "assign_submission",
                                               .table = "assign_submission",
                                               .label = "作业提交",
                                               SH_FIELDS(submission_fields),
                                               .flags = SH_E_INTERNAL};

static const sh_field answer_fields[] = {
    SH_FIELD_KEY,
    SH_FIELD_UID("作答标识"),
    SCHOOL,
    F("submission", "submission_id", SH_T_REF, "作业提交", .ref = "assign_submission",
      .flags = SH_F_IMMUTABLE),
    F("task_item", "task_item_id", SH_T_REF, "作业题目", .ref = "assign_task_item", .flags = SH_F_IMMUTABLE),
    F("item_version", "item_version_id", SH_T_REF, "题目版本", .ref = "item_version",
      .flags = SH_F_IMMUTABLE),
    P("response", "response", SH_T_TEXT, "作答", .max_len = 20000, .doc = "作答的 JSON"),
    F("verdict", "verdict", SH_T_TEXT, "判定", .max_len = 16,
      .doc = "pending 未提交、right 正确、wrong 错误、needs_scoring 待评分、scored 已评分"),
    P("score", "score", SH_T_INT, "得分"),
    ACCOUNT("_scorer", "scorer_id", "评分教师"),
    P("comment", "comment", SH_T_TEXT, "评语", .max_len = 500),
    F("answered_at", "answered_at", SH_T_TIME, "作答时间"),
    F("scored_at", "scored_at", SH_T_TIME, "评分时间"),
    SH_FIELD_VERSION,
    SH_FIELD_CREATED_AT,
    SH_FIELD_UPDATED_AT,
};
const sh_entity sh_assign_answer_entity = {.name = "assign_answer",
                                           .table = "assign_answer",
                                           .label = "作答",
                                           SH_FIELDS(answer_fields),
                                           .flags = SH_E_INTERNAL};
