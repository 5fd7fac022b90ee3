/* fuzz_entity.h — an entity with every field type and rule, shared by the fuzz
 * drivers so the mapper and the list parser meet every code path. */
#ifndef SH_FUZZ_ENTITY_H
#define SH_FUZZ_ENTITY_H

#include "model/identifiers.h"

static int fuzz_codes(const char *table, const char *code) {
    (void)table;
    return code[0] == '1';
}

static const sh_field fuzz_fields[] = {
    SH_FIELD_KEY,
    SH_FIELD_UID("标识"),
    {.name = "name",
     .column = "name",
     .type = SH_T_TEXT,
     .label = "名称",
     .grade = SH_L3,
     .max_len = 20,
     .flags = SH_F_REQUIRED | SH_F_FILTER,
     .mask = SH_MASK_NAME},
    {.name = "kind",
     .column = "kind",
     .type = SH_T_CODE,
     .code_table = "t",
     .label = "类型",
     .grade = SH_L1,
     .flags = SH_F_FILTER},
    {.name = "day",
     .column = "day",
     .type = SH_T_DATE,
     .label = "日期",
     .grade = SH_L2,
     .flags = SH_F_FILTER},
    {.name = "n",
     .column = "n",
     .type = SH_T_INT,
     .label = "数量",
     .grade = SH_L1,
     .min = -5,
     .max = 500,
     .flags = SH_F_FILTER},
    {.name = "flag",
     .column = "flag",
     .type = SH_T_BOOL,
     .label = "标志",
     .grade = SH_L1,
     .flags = SH_F_FILTER},
    {.name = "school_code",
     .column = "school_code",
     .type = SH_T_TEXT,
     .label = "学校标识码",
     .grade = SH_L1,
     .max_len = 10,
     .check = sh_check_school_code,
     .flags = SH_F_IMMUTABLE | SH_F_FILTER},
    {.name = "at",
     .column = "at",
     .type = SH_T_TIME,
     .label = "时间",
     .grade = SH_L1,
     .flags = SH_F_READONLY},
    {.name = "blob", .column = "blob", .type = SH_T_BLOB, .label = "密文", .grade = SH_L4},
};
static const sh_entity fuzz_entity = {
    .name = "fz", .table = "fz", .label = "模糊测试", SH_FIELDS(fuzz_fields)};

#endif
