/* accounts.c — first accounts from the command line. See accounts.h. */
#include "cli/accounts.h"

#include "audit/audit.h"
#include "identity/account.h"
#include "identity/factor.h"
#include "identity/password.h"
#include "identity/roles.h"

#include <sodium.h>
#include <string.h>

int sh_cli_add_account(sh_conn *c, const char *name, const char *login, const char *password, int must_change,
                       int64_t account_org, const char *role, int64_t org, int64_t *id, sh_err *err) {
    sh_account_new n = {.name = name,
                        .login = login,
                        .password = password,
                        .must_change = must_change,
                        .org_id = account_org};
    char uid[27], grant[27], object[64];
    if (sh_account_create(c, &n, id, uid, err) != SH_OK ||
        sh_account_grant(c, *id, role, org, 0, grant, err) != SH_OK)
        return SH_ERR;
    snprintf(object, sizeof object, "account:%s", uid);
    sh_audit_event ev = {.event = "role_assigned", .ok = 1, .actor = "cli", .object = object, .detail = role};
    return sh_audit_write(c, &ev, err);
}

/* The n-th org of a kind in creation order (the demo city is deterministic)
 * whose school code matches code_like ("%" for any: classes have none). */
static int64_t nth_org(sh_conn *c, const char *kind, const char *code_like, int64_t under, int n,
                       char name[128], sh_err *err) {
    sh_stmt *s =
        sh_prepare(c,
                   "SELECT u.id, u.name FROM org_unit u JOIN org_closure x ON x.descendant_id = u.id"
                   " WHERE u.kind = $1 AND x.ancestor_id = $2 AND COALESCE(u.school_code, '') LIKE $4"
                   " ORDER BY u.id LIMIT 1 OFFSET $3",
                   err);
    if (!s)
        return 0;
    sh_bind_text(s, 1, kind, -1);
    sh_bind_i64(s, 2, under);
    sh_bind_i64(s, 3, n);
    sh_bind_text(s, 4, code_like, -1);
    int64_t id = 0;
    if (sh_step(s, err) == SH_ROW) {
        id = sh_col_i64(s, 0);
        snprintf(name, 128, "%s", sh_col_text(s, 1));
    }
    sh_stmt_done(s);
    return id;
}

static void csv_field(FILE *f, const char *v) {
    fputc('"', f);
    for (; *v; v++) {
        if (*v == '"')
            fputc('"', f);
        fputc(*v, f);
    }
    fputc('"', f);
}

int sh_cli_demo_accounts(sh_conn *c, FILE *csv, sh_err *err) {
    char city_name[128], district_name[128], school_name[128], class_name[128], class2_name[128];
    char junior_name[128], jclass_name[128], jclass2_name[128];
    int64_t city = 0;
    if (sh_query_i64(c, "SELECT id FROM org_unit WHERE parent_id IS NULL ORDER BY id LIMIT 1", &city, err) !=
        SH_ROW)
        return err->status ? SH_ERR : sh_err_set(err, 500, "no_city", NULL, "演示城市不存在");
    snprintf(city_name, sizeof city_name, "示范市");
    int64_t district = nth_org(c, "district", "%", city, 0, district_name, err);
    int64_t school = district ? nth_org(c, "school", "%", district, 0, school_name, err) : 0;
    int64_t klass = school ? nth_org(c, "class", "%", school, 0, class_name, err) : 0;
    int64_t klass2 = school ? nth_org(c, "class", "%", school, 1, class2_name, err) : 0;
    /* the teaching loop's 初中 maths: a 初级中学 (school code 31…) of the same district */
    int64_t junior = district ? nth_org(c, "school", "31%", district, 0, junior_name, err) : 0;
    int64_t jclass = junior ? nth_org(c, "class", "%", junior, 0, jclass_name, err) : 0;
    int64_t jclass2 = junior ? nth_org(c, "class", "%", junior, 1, jclass2_name, err) : 0;
    if (!klass || !klass2 || !jclass || !jclass2)
        return err->status ? SH_ERR : sh_err_set(err, 500, "no_class", NULL, "演示城市缺少班级");
    char two_classes[300], junior_classes[500], junior_class[400];
    snprintf(two_classes, sizeof two_classes, "%s、%s", class_name, class2_name);
    snprintf(junior_classes, sizeof junior_classes, "%s %s、%s", junior_name, jclass_name, jclass2_name);
    snprintf(junior_class, sizeof junior_class, "%s %s", junior_name, jclass_name);
    /* the first account of each role comes first (tests and the README take it as the role's) */
    const struct {
        const char *role, *login, *name;
        int64_t account_org, org, org2; /* org2: a second class the role is held at, 0 none */
        const char *scope;
    } people[] = {
        {"city_admin", "city.admin", "王建国", city, city, 0, city_name},
        {"district_admin", "district.admin", "李卫东", district, district, 0, district_name},
        {"school_admin", "school.admin", "赵敏", school, school, 0, school_name},
        {"researcher", "researcher", "陈思远", district, district, 0, district_name},
        {"head_teacher", "head.teacher", "刘芳", school, klass, 0, class_name},
        {"teacher", "teacher", "孙志强", school, klass, klass2, two_classes},
        {"student", "student", "周子涵", school, klass, 0, class_name},
        {"guardian", "guardian", "周海涛", school, klass, 0, class_name},
        {"sysadmin", "sysadmin", "吴磊", city, city, 0, city_name},
        {"secadmin", "secadmin", "郑洁", city, city, 0, city_name},
        {"auditadmin", "auditadmin", "黄晓燕", city, city, 0, city_name},
        {"teacher", "math.teacher", "杨丽华", junior, jclass, jclass2, junior_classes},
        {"student", "junior.student", "李浩然", junior, jclass, 0, junior_class},
    };
    fputs("\xEF\xBB\xBF"
          "role,role_label,login,password,scope,totp_secret\n",
          csv);
    for (size_t i = 0; i < sizeof people / sizeof people[0]; i++) {
        char password[SH_PASSWORD_GENERATED + 1], secret[40] = "", grant[27];
        sh_password_generate(password);
        int64_t id;
        /* demo accounts skip the forced first change so a demo can start at once */
        int rc = sh_cli_add_account(c, people[i].name, people[i].login, password, 0, people[i].account_org,
                                    people[i].role, people[i].org, &id, err);
        if (rc == SH_OK && people[i].org2) /* a subject teacher of two classes */
            rc = sh_account_grant(c, id, people[i].role, people[i].org2, 0, grant, err);
        const sh_role *r = sh_builtin_role(people[i].role);
        if (rc == SH_OK && sh_role_needs_mfa(r))
            rc = sh_factor_totp_enrol_active(c, id, secret, err);
        if (rc != SH_OK) {
            sodium_memzero(password, sizeof password);
            return SH_ERR;
        }
        fprintf(csv, "%s,", people[i].role);
        csv_field(csv, r->label);
        fprintf(csv, ",%s,", people[i].login);
        csv_field(csv, password);
        fputc(',', csv);
        csv_field(csv, people[i].scope);
        fprintf(csv, ",%s\n", secret);
        sodium_memzero(password, sizeof password);
    }
    return ferror(csv) ? sh_err_set(err, 500, "write_failed", NULL, "无法写入演示账号清单") : SH_OK;
}
