/* entities.c — the declarations of the mastery tables (their columns and data
 * grades; the tables themselves are in schema.c). All four are bookkeeping of
 * the model, written by observe.c, diagnose.c and fit.c only, so they are
 * internal (no generic API). A student's mastery is a learning record of a
 * minor: graded L3, shown only to the class's teachers, the admins in scope
 * and the student and guardians. Real numbers (probabilities, Elo ratings,
 * log-likelihoods) are stored as REAL; the model declares them as text. */
#include "mastery/module.h"

#define F(name_, col_, type_, label_, grade_)                                                                \
    { .name = (name_), .column = (col_), .type = (type_), .label = (label_), .grade = (grade_) }
#define REAL(name_, label_, grade_)                                                                          \
    {                                                                                                        \
        .name = (name_), .column = (name_), .type = SH_T_TEXT, .label = (label_), .grade = (grade_),         \
        .doc = "实数（模型计算值）"                                                                 \
    }
#define REF(name_, col_, label_, ref_)                                                                       \
    { .name = (name_), .column = (col_), .type = SH_T_REF, .label = (label_), .grade = SH_L2, .ref = (ref_) }

static const sh_field param_fields[] = {
    SH_FIELD_KEY,
    SH_FIELD_UID("参数标识"),
    REF("point", "point_id", "知识点", "kg_point"),
    REAL("prior", "初始掌握概率", SH_L1),
    REAL("learn", "学会概率", SH_L1),
    REAL("forget", "遗忘概率", SH_L1),
    REAL("guess", "猜对概率", SH_L1),
    REAL("slip", "失误概率", SH_L1),
    F("responses", "responses", SH_T_INT, "拟合作答数", SH_L1),
    REAL("log_likelihood", "对数似然", SH_L1),
    F("fitted_at", "fitted_at", SH_T_TIME, "拟合时间", SH_L1),
    SH_FIELD_VERSION,
    SH_FIELD_CREATED_AT,
    SH_FIELD_UPDATED_AT,
};
const sh_entity sh_mastery_param_entity = {.name = "mastery_param",
                                           .table = "mastery_param",
                                           .label = "知识点 BKT 参数",
                                           SH_FIELDS(param_fields),
                                           .flags = SH_E_INTERNAL};

static const sh_field item_fields[] = {
    SH_FIELD_KEY,
    SH_FIELD_UID("题目难度标识"),
    REF("item", "item_id", "题目", "item"),
    REAL("difficulty", "Elo 难度", SH_L1),
    F("answers", "answers", SH_T_INT, "作答次数", SH_L1),
    SH_FIELD_VERSION,
    SH_FIELD_CREATED_AT,
    SH_FIELD_UPDATED_AT,
};
const sh_entity sh_mastery_item_entity = {.name = "mastery_item",
                                          .table = "mastery_item",
                                          .label = "题目 Elo 难度",
                                          SH_FIELDS(item_fields),
                                          .flags = SH_E_INTERNAL};

static const sh_field state_fields[] = {
    SH_FIELD_KEY,
    SH_FIELD_UID("掌握状态标识"),
    REF("school", "school_id", "学校", "org_unit"),
    REF("student", "student_id", "学生", "student"),
    REF("point", "point_id", "知识点", "kg_point"),
    REAL("p_known", "掌握概率", SH_L3),
    F("answers", "answers", SH_T_INT, "计入作答数", SH_L3),
    F("rights", "rights", SH_T_INT, "答对数", SH_L3),
    F("source", "source", SH_T_TEXT, "来源", SH_L2),
    REAL("ability", "Elo 能力值", SH_L3),
    SH_FIELD_VERSION,
    SH_FIELD_CREATED_AT,
    SH_FIELD_UPDATED_AT,
};
const sh_entity sh_mastery_state_entity = {.name = "mastery_state",
                                           .table = "mastery_state",
                                           .label = "知识点掌握状态",
                                           SH_FIELDS(state_fields),
                                           .flags = SH_E_INTERNAL};

static const sh_field event_fields[] = {
    SH_FIELD_KEY,
    REF("school", "school_id", "学校", "org_unit"),
    REF("student", "student_id", "学生", "student"),
    REF("point", "point_id", "知识点", "kg_point"),
    F("answer", "answer_id", SH_T_INT, "作答", SH_L2),
    F("kind", "kind", SH_T_TEXT, "类型", SH_L2),
    F("correct", "correct", SH_T_INT, "是否答对", SH_L3),
    REAL("p_correct", "预测答对概率", SH_L3),
    REAL("p_known", "掌握概率", SH_L3),
    F("at", "at", SH_T_TIME, "时间", SH_L2),
};
const sh_entity sh_mastery_event_entity = {.name = "mastery_event",
                                           .table = "mastery_event",
                                           .label = "掌握变化记录",
                                           SH_FIELDS(event_fields),
                                           .flags = SH_E_INTERNAL};
