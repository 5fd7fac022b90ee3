/* init.c — `shushu init`: make a new deployment's database with its city and the
 * three administrators (系统管理员, 安全管理员, 审计管理员). There is no default
 * account with a known password (SEC-07): each administrator's password is typed
 * here (twice, not echoed) or read from a file for scripted installs. */
#include "cli/accounts.h"
#include "cli/cli.h"

#include "codes/codes.h"
#include "identity/password.h"
#include "identity/policy.h"
#include "model/entity.h"
#include "org/org.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static const struct {
    const char *role, *login, *label;
} admins[] = {
    {"sysadmin", "sysadmin", "系统管理员"},
    {"secadmin", "secadmin", "安全管理员"},
    {"auditadmin", "auditadmin", "审计管理员"},
};

/* One line from f without its newline; 0 at end of input. */
static int read_line(FILE *f, char *out, size_t cap) {
    if (!fgets(out, (int)cap, f))
        return 0;
    out[strcspn(out, "\r\n")] = '\0';
    return 1;
}

static int prompt_hidden(const char *prompt, char *out, size_t cap) {
    struct termios old, quiet;
    fputs(prompt, stderr);
    int tty = tcgetattr(STDIN_FILENO, &old) == 0;
    if (tty) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    int ok = read_line(stdin, out, cap);
    if (tty)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    fputc('\n', stderr);
    return ok;
}

/* Ask until a password meets the policy and is typed the same twice. */
static int ask_password(const sh_password_policy *pol, const char *login, const char *label, char *out,
                        size_t cap) {
    char again[256], prompt[160];
    for (int tries = 0; tries < 5; tries++) {
        snprintf(prompt, sizeof prompt, "%s（%s）的密码：", label, login);
        if (!prompt_hidden(prompt, out, cap))
            return SH_ERR;
        sh_err e;
        sh_err_init(&e);
        if (sh_password_check(pol, login, out, &e) != SH_OK) {
            sh_cli_error("密码不符合策略", &e);
            sh_err_clear(&e);
            continue;
        }
        if (!prompt_hidden("再输入一次：", again, sizeof again))
            return SH_ERR;
        int same = strcmp(again, out) == 0;
        sodium_memzero(again, sizeof again);
        if (same)
            return SH_OK;
        fprintf(stderr, "两次输入不一致，请重新输入\n");
    }
    return SH_ERR;
}

int cmd_init(int argc, char **argv) {
    sh_opt opts[] = {
        {"db", 1, NULL, "新部署的数据库（SQLite 文件路径或 postgres:// 地址）"},
        {"keys", 1, NULL, "密钥文件，默认为数据库旁的 .key 文件（PostgreSQL 必须指定）"},
        {"city-name", 1, NULL, "市（或县）教育局所辖行政区的名称，例如 潍坊市"},
        {"region-code", 1, NULL, "该行政区的 GB/T 2260 六位代码，例如 370700"},
        {"password-file", 1, NULL, "从文件读取三位管理员的密码（每行一个：系统、安全、审计），用于脚本安装"},
        {NULL, 0, NULL, NULL},
    };
    const char *pos[1];
    int npos, rc = sh_cli_parse("init", argc, argv, opts, pos, 0, &npos);
    if (rc)
        return rc < 0 ? 0 : rc;
    const char *db = sh_cli_get(opts, "db"), *city = sh_cli_get(opts, "city-name"),
               *region = sh_cli_get(opts, "region-code"), *pwfile = sh_cli_get(opts, "password-file");
    if (!db || !city || !region) {
        fprintf(stderr, "shushu init: 需要 --db、--city-name 和 --region-code\n");
        sh_cli_usage("init", "--db PATH --city-name 名称 --region-code 六位代码 [--password-file FILE]",
                     opts);
        return 2;
    }
    if (!pwfile && !isatty(STDIN_FILENO)) {
        fprintf(stderr, "shushu init: 标准输入不是终端；请在终端中运行，或用 --password-file 提供密码\n");
        return 2;
    }
    sh_app app = {0};
    sh_cli_config(&app.cfg);
    app.cfg.key_file = sh_cli_get(opts, "keys");
    sh_err err;
    sh_err_init(&err);
    char passwords[3][256] = {{0}};
    FILE *pf = NULL;
    sh_conn *c = NULL;
    rc = 1;
    if (sh_app_init(&app, &err) != SH_OK || sh_app_open_store(&app, db, SH_DB_CREATE, &err) != SH_OK) {
        sh_cli_error("无法创建数据库", &err);
        goto out;
    }
    if (!(c = sh_db_acquire(app.db, &err))) {
        sh_cli_error("无法打开数据库", &err);
        goto out;
    }
    int64_t accounts = 0, orgs = 0;
    if (sh_query_i64(c, "SELECT COUNT(*) FROM account", &accounts, &err) == SH_ERR ||
        sh_query_i64(c, "SELECT COUNT(*) FROM org_unit", &orgs, &err) == SH_ERR) {
        sh_cli_error("无法读取数据库", &err);
        goto out;
    }
    if (accounts || orgs) {
        fprintf(stderr, "shushu init: %s 已经初始化（已有账号或机构），不再重复\n", db);
        goto out;
    }
    if (sh_code_valid("gb2260_region", region) != 1) {
        fprintf(stderr, "shushu init: “%s”不是 GB/T 2260 行政区划代码\n", region);
        rc = 2;
        goto out;
    }
    sh_security_policy pol;
    if (sh_security_policy_load(c, &pol, &err) != SH_OK) {
        sh_cli_error("无法读取安全策略", &err);
        goto out;
    }
    if (pwfile && !(pf = fopen(pwfile, "r"))) {
        fprintf(stderr, "shushu init: 无法读取 %s\n", pwfile);
        goto out;
    }
    for (int i = 0; i < 3; i++) {
        int ok = pf ? read_line(pf, passwords[i], sizeof passwords[i])
                    : ask_password(&pol.password, admins[i].login, admins[i].label, passwords[i],
                                   sizeof passwords[i]) == SH_OK;
        if (!ok) {
            fprintf(stderr, "shushu init: 没有得到%s的密码，未做任何改动\n", admins[i].label);
            goto out;
        }
    }
    int64_t city_id, id;
    sh_org_new root = {.kind = SH_ORG_CITY, .name = city, .region_code = region};
    if (sh_begin_write(c, &err) != SH_OK || sh_org_insert(c, &root, &city_id, &err) != SH_OK)
        goto failed;
    for (int i = 0; i < 3; i++)
        if (sh_cli_add_account(c, admins[i].label, admins[i].login, passwords[i], 0, city_id, admins[i].role,
                               city_id, &id, &err) != SH_OK)
            goto failed;
    if (sh_commit(c, &err) != SH_OK)
        goto failed;
    printf("已初始化 %s：%s（%s）与三位管理员账号 sysadmin、secadmin、auditadmin。\n"
           "首次登录时须绑定动态验证码（手机验证器应用扫码）。启动服务：shushu serve --db %s\n",
           db, city, region, db);
    rc = 0;
    goto out;
failed:
    sh_rollback(c);
    sh_cli_error("初始化失败（未做任何改动）", &err);
out:
    sodium_memzero(passwords, sizeof passwords);
    if (pf)
        fclose(pf);
    if (c)
        sh_db_release(c);
    sh_app_close(&app);
    sh_err_clear(&err);
    return rc;
}
