/* tpl_national.c — the national student-registry form (全国中小学生学籍信息管理
 * 系统《学生基本信息表》, datahub.md §5.5) as an import template over the students
 * kind: its headers with the variants real files use, and the code table of
 * each coded column where the form's codes are not the stored table's (户口性质
 * 1 农业 / 2 非农业 against GA 324.1's 1 非农业家庭 / 2 农业家庭; the form's
 * shorter list of 身份证件类型). The export writes the same declaration back. */
#include "import/template.h"

#include "import/kinds.h"

/* The form's 户口性质 → GA 324.1 (1 非农业家庭户口, 2 农业家庭户口). */
static const char *const hukou_map[] = {"1", "2", "2", "1", NULL};
/* The form writes 国籍/地区 as GB/T 2659 letters; the stored table keys them by
 * number (the letters of other countries are not loaded: give their number). */
static const char *const country_map[] = {"CHN", "156", "HKG", "344", "MAC", "446", "TWN", "158", NULL};

#define MEMBER(n, cn)                                                                                        \
    {"m" #n "_name", "家庭成员或监护人" cn "姓名", "成员" #n "姓名|家庭成员" #n "姓名"},                     \
        {"m" #n "_relation", "家庭成员或监护人" cn "关系", "成员" #n "关系|家庭成员" #n "关系"},             \
        {"m" #n "_relation_note", "家庭成员或监护人" cn "关系说明", "成员" #n "关系说明"},                   \
        {"m" #n "_address", "家庭成员或监护人" cn "现住址", "成员" #n "现住址"},                             \
        {"m" #n "_hukou_place", "家庭成员或监护人" cn "户口所在地", "成员" #n "户口所在地", NULL, NULL,      \
         SH_TPL_REGION},                                                                                     \
        {"m" #n "_phone", "家庭成员或监护人" cn "联系电话", "成员" #n "联系电话"},                           \
        {"m" #n "_is_guardian", "家庭成员或监护人" cn "是否监护人", "成员" #n "是否监护人"},                 \
        {"m" #n "_id_type", "家庭成员或监护人" cn "身份证件类型", "成员" #n "身份证件类型",                  \
         "xjxt_id_document_type"},                                                                           \
        {"m" #n "_id_number", "家庭成员或监护人" cn "身份证件号",                                            \
         "成员" #n "身份证件号|成员" #n "身份证号"},                                                         \
        {"m" #n "_ethnicity", "家庭成员或监护人" cn "民族", "成员" #n "民族"},                               \
        {"m" #n "_work_unit", "家庭成员或监护人" cn "工作单位", "成员" #n "工作单位"}, {                     \
        "m" #n "_work_position", "家庭成员或监护人" cn "职务", "成员" #n "职务"                            \
    }

static const sh_import_tcol columns[] = {
    {"school_code", "学校标识码", "学校代码"},
    {"name", "姓名", "学生姓名"},
    {"gender", "性别", "性别码"},
    {"birth_date", "出生日期", NULL, NULL, NULL, SH_TPL_COMPACT},
    {"birth_place", "出生地", "出生地行政区划", NULL, NULL, SH_TPL_REGION},
    {"native_place", "籍贯", NULL, NULL, NULL, SH_TPL_REGION},
    {"ethnicity", "民族", "民族码"},
    {"nationality", "国籍/地区", "国籍|国籍地区", NULL, country_map},
    {"id_type", "身份证件类型", "证件类型", "xjxt_id_document_type"},
    {"id_number", "身份证件号", "身份证号|身份证件号码|身份证号码"},
    {"hmt_overseas", "港澳台侨外", "港澳台侨外码"},
    {"political_status", "政治面貌"},
    {"health", "健康状况"},
    {"name_pinyin", "姓名拼音"},
    {"former_name", "曾用名"},
    {"id_valid", "身份证件有效期", "证件有效期|身份证有效期", NULL, NULL, SH_TPL_PERIOD},
    {"hukou_place", "户口所在地", "户口所在地行政区划", NULL, NULL, SH_TPL_REGION},
    {"hukou_type", "户口性质", NULL, "xjxt_hukou_type", hukou_map},
    {"specialty", "特长"},
    {"student_number", "全国学籍号", "学籍号|学籍编号"},
    {"local_number", "学籍辅号"},
    {"class_number", "班内学号"},
    {"grade", "年级"},
    {"class", "班级", "班级名称"},
    {"entry_month", "入学年月", NULL, NULL, NULL, SH_TPL_COMPACT},
    {"admission_mode", "入学方式"},
    {"attendance_mode", "就读方式"},
    {"student_source", "学生来源"},
    {"address", "现住址"},
    {"mail_address", "通信地址"},
    {"home_address", "家庭地址"},
    {"phone", "联系电话"},
    {"postcode", "邮政编码"},
    {"email", "电子信箱"},
    {"homepage", "主页地址"},
    {"only_child", "是否独生子女"},
    {"preschool", "是否受过学前教育"},
    {"left_behind", "是否留守儿童"},
    {"migrant_child", "是否进城务工人员随迁子女", "是否随迁子女"},
    {"orphan", "是否孤儿"},
    {"martyr_child", "是否烈士或优抚子女"},
    {"inclusive", "随班就读", "是否随班就读"},
    {"disability_type", "残疾类型"},
    {"gov_degree", "是否由政府购买学位"},
    {"needs_aid", "是否需要申请资助"},
    {"one_subsidy", "是否享受一补"},
    {"distance", "上下学距离", "上下学距离（公里）"},
    {"commute_mode", "上下学方式"},
    {"school_bus", "是否需要乘坐校车"},
    MEMBER(1, "一"),
    MEMBER(2, "二"),
    /* Not columns of the national form: the hub's 学生类别 and the date the
     * student joined the class, after the form's own columns so their order
     * stays the form's; without them a re-import would lose the two. */
    {"category", "学生类别", "学生类别码"},
    {"entry_date", "入班日期", NULL, NULL, NULL, SH_TPL_COMPACT},
};

const sh_import_template sh_template_national = {
    .name = "national",
    .label = "全国学籍系统《学生基本信息表》",
    .kind = &sh_import_students,
    .columns = columns,
    .ncolumns = sizeof columns / sizeof columns[0],
};
