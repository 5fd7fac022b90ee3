/* accounts.h — creating the first accounts from the command line: the three
 * administrators of `shushu init` and the demo accounts of `shushu demo`. */
#ifndef SH_CLI_ACCOUNTS_H
#define SH_CLI_ACCOUNTS_H

#include "store/store.h"

#include <stdio.h>

/* Create an account belonging to account_org with one role at org (audited as
 * done from the command line). must_change as for sh_account_new. */
int sh_cli_add_account(sh_conn *c, const char *name, const char *login, const char *password, int must_change,
                       int64_t account_org, const char *role, int64_t org, int64_t *id, sh_err *err);

/* Demo accounts, one per built-in role, in the demo city, then a 初中 maths
 * teacher (math.teacher, two 七年级 classes of the first district's first
 * 初级中学) and a student of the first of them (junior.student) for the
 * teaching loop; written to csv (role, role_label, login, password, scope,
 * totp_secret), the first account of each role first. */
int sh_cli_demo_accounts(sh_conn *c, FILE *csv, sh_err *err);

#endif
