/* roles.c — the permission list, the built-in roles and lookup of custom roles. */
#include "identity/roles.h"

#include <stdio.h>
#include <string.h>

static const sh_permission permissions[] = {
    {"org.read", "查看机构"},
    {"org.write", "维护机构（新建、改名、调整隶属）"},
    {"account.read", "查看账号"},
    {"account.write", "管理账号（新建、停用、启用、重置密码）"},
    {"account.unlock", "解锁账号"},
    {"role.read", "查看角色"},
    {"role.assign", "分配角色（不超出本人权限）"},
    {"role.grant_any", "分配任意角色（含三员）"},
    {"role.write", "定义自定义角色"},
    {"token.manage", "管理接口令牌"},
    {"policy.read", "查看安全策略"},
    {"policy.write", "修改安全策略"},
    {"audit.read", "查看审计日志"},
    {"system.metrics", "读取运行指标"},
    {"roster.read", "查看基础数据（学校、班级、教职工、学生、家长；敏感字段脱敏）"},
    {"roster.write", "维护基础数据"},
    {"roster.unmask", "查看敏感字段明文（须填写事由，全部审计）"},
    {"roster.change", "提出学籍异动（转学、休学、复学、退学、转班、升级）"},
    {"roster.approve", "审批学籍异动"},
    {"flow.use", "办理审批事项（查看本人提交或待本人审批的申请，审批、撤回）"},
    {"change.read", "读取数据变更流（供订阅系统同步）"},
    {"xapi.manage", "登记与撤销 LRS 客户端（学习记录库的接入凭据）"},
    {"xapi.read", "读取学习记录（仅 LRS 客户端凭据持有，不授予角色）"},
    {"xapi.write", "写入学习记录（仅 LRS 客户端凭据持有，不授予角色）"},
    {"self.read", "查看本人及本人监护的学生的学籍信息（学生、家长门户）"},
    {"kg.read", "查看知识图谱（知识点、先修关系）"},
    {"kg.write", "维护知识图谱（全市共用：新建、修改、删除知识点与先修关系，导入导出）"},
    {"items.read", "查看题库（已发布的题目；本人的草稿）"},
    {"items.write", "编写题目（草稿、修改、提交审核）"},
    {"items.review", "审核题目（发布、退回、停用）"},
    {"assign.read", "查看班级的作业、学生的提交与作答"},
    {"assign.write", "布置作业（新建、修改、发布、截止）与给主观题评分"},
    {"mastery.read", "查看学情报告（班级知识点掌握情况、学困预警、学生掌握变化）"},
};

const sh_permission *sh_permissions(int *n) {
    *n = (int)(sizeof permissions / sizeof permissions[0]);
    return permissions;
}

int sh_permission_known(const char *name) {
    for (size_t i = 0; i < sizeof permissions / sizeof permissions[0]; i++)
        if (strcmp(permissions[i].name, name) == 0)
            return 1;
    return 0;
}

#define ORG_ADMIN_PERMS                                                                                      \
    "org.read", "org.write", "account.read", "account.write", "account.unlock", "role.read", "role.assign",  \
        "token.manage", "roster.read", "roster.write", "roster.unmask", "change.read", "roster.change",      \
        "roster.approve", "flow.use", "xapi.manage"

/* City and district administrators hold assign.write as well as assign.read: assigning a teacher
 * or head teacher role needs every permission of it (no escalation). */
static const sh_role builtin[] = {
    {"city_admin",
     "市级管理员",
     {ORG_ADMIN_PERMS, "kg.read", "kg.write", "items.read", "items.write", "items.review", "assign.read",
      "assign.write", "mastery.read"},
     SH_ROLE_ADMIN | SH_ROLE_BUILTIN,
     " city "},
    {"district_admin",
     "区县管理员",
     {ORG_ADMIN_PERMS, "kg.read", "items.read", "items.write", "assign.read", "assign.write", "mastery.read"},
     SH_ROLE_ADMIN | SH_ROLE_BUILTIN,
     " district "},
    {"school_admin",
     "学校管理员",
     {ORG_ADMIN_PERMS, "kg.read", "items.read", "items.write", "items.review", "assign.read", "assign.write",
      "mastery.read"},
     SH_ROLE_ADMIN | SH_ROLE_BUILTIN,
     " school campus "},
    {"researcher",
     "教研员",
     {"org.read", "kg.read", "kg.write", "items.read", "items.write", "items.review", "mastery.read"},
     SH_ROLE_BUILTIN,
     " city district "},
    {"head_teacher",
     "班主任",
     {"org.read", "roster.read", "kg.read", "items.read", "items.write", "assign.read", "assign.write",
      "mastery.read"},
     SH_ROLE_BUILTIN,
     " class "},
    {"teacher",
     "任课教师",
     {"org.read", "roster.read", "kg.read", "items.read", "items.write", "assign.read", "assign.write",
      "mastery.read"},
     SH_ROLE_BUILTIN,
     " class "},
    {"student", "学生", {"self.read"}, SH_ROLE_BUILTIN, " class "},
    {"guardian", "家长", {"self.read"}, SH_ROLE_BUILTIN, " class "},
    /* 三员: the system administrator runs the system and its accounts, the security
     * administrator grants roles and sets policy, the audit administrator reads the
     * audit log and nothing else. Nobody can change audit records. */
    {"sysadmin",
     "系统管理员",
     {"org.read", "org.write", "account.read", "account.write", "system.metrics"},
     SH_ROLE_ADMIN | SH_ROLE_TRIAD | SH_ROLE_BUILTIN,
     " city "},
    {"secadmin",
     "安全管理员",
     {"org.read", "account.read", "account.unlock", "role.read", "role.assign", "role.grant_any",
      "role.write", "token.manage", "policy.read", "policy.write"},
     SH_ROLE_ADMIN | SH_ROLE_TRIAD | SH_ROLE_BUILTIN,
     " city "},
    {"auditadmin", "审计管理员", {"audit.read"}, SH_ROLE_ADMIN | SH_ROLE_TRIAD | SH_ROLE_BUILTIN, " city "},
};

const sh_role *sh_builtin_roles(int *n) {
    *n = (int)(sizeof builtin / sizeof builtin[0]);
    return builtin;
}

const sh_role *sh_builtin_role(const char *code) {
    for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; i++)
        if (strcmp(builtin[i].code, code) == 0)
            return &builtin[i];
    return NULL;
}

/* Point perms at the permission table's names for a space-separated list. */
static void parse_perms(const char *list, sh_role *out) {
    int n = 0;
    while (list && *list && n < SH_ROLE_MAX_PERMS - 1) {
        while (*list == ' ')
            list++;
        size_t len = strcspn(list, " ");
        for (size_t i = 0; len && i < sizeof permissions / sizeof permissions[0]; i++)
            if (strlen(permissions[i].name) == len && memcmp(permissions[i].name, list, len) == 0)
                out->perms[n++] = permissions[i].name;
        list += len;
    }
    out->perms[n] = NULL;
}

int sh_role_find(sh_conn *c, const char *code, sh_role *out, sh_err *err) {
    const sh_role *b = sh_builtin_role(code);
    if (b) {
        *out = *b;
        return SH_ROW;
    }
    if (strlen(code) > SH_ROLE_CODE_MAX)
        return SH_DONE;
    sh_stmt *s = sh_prepare(c, "SELECT code, label, permissions FROM role WHERE code = $1", err);
    if (!s)
        return SH_ERR;
    sh_bind_text(s, 1, code, -1);
    int rc = sh_step(s, err);
    if (rc == SH_ROW) {
        memset(out, 0, sizeof *out);
        snprintf(out->code, sizeof out->code, "%s", sh_col_text(s, 0));
        snprintf(out->label, sizeof out->label, "%s", sh_col_text(s, 1));
        parse_perms(sh_col_text(s, 2), out);
    }
    sh_stmt_done(s);
    return rc;
}

int sh_role_has(const sh_role *r, const char *perm) {
    for (int i = 0; i < SH_ROLE_MAX_PERMS && r->perms[i]; i++)
        if (strcmp(r->perms[i], perm) == 0)
            return 1;
    return 0;
}

int sh_role_fits_org(const sh_role *r, const char *org_kind) {
    char word[24];
    snprintf(word, sizeof word, " %s ", org_kind);
    return !r->org_kinds || strstr(r->org_kinds, word) != NULL;
}

int sh_role_needs_mfa(const sh_role *r) {
    if (r->flags & SH_ROLE_ADMIN)
        return 1;
    for (int i = 0; i < SH_ROLE_MAX_PERMS && r->perms[i]; i++) {
        size_t n = strlen(r->perms[i]);
        if (n > 7 && strcmp(r->perms[i] + n - 7, ".unmask") == 0)
            return 1;
        /* a custom role that administers accounts, roles or policy is administrative */
        if (strncmp(r->perms[i], "account.", 8) == 0 && strcmp(r->perms[i], "account.read") != 0)
            return 1;
        if (strncmp(r->perms[i], "role.", 5) == 0 && strcmp(r->perms[i], "role.read") != 0)
            return 1;
        if (strncmp(r->perms[i], "policy.", 7) == 0 || strcmp(r->perms[i], "audit.read") == 0 ||
            strcmp(r->perms[i], "token.manage") == 0 || strcmp(r->perms[i], "xapi.manage") == 0)
            return 1;
    }
    return 0;
}
