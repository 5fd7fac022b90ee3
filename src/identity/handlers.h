/* handlers.h — the identity module's HTTP handlers, listed in its one route table
 * (module.c): sign-in (auth_api.c) and administration (admin_api.c). */
#ifndef SH_IDENTITY_HANDLERS_H
#define SH_IDENTITY_HANDLERS_H

#include "http/http.h"
#include "store/store.h"

int sh_auth_login(sh_req *req);
int sh_auth_logout(sh_req *req);
int sh_auth_me(sh_req *req);
int sh_auth_mfa_verify(sh_req *req);
int sh_auth_totp_begin(sh_req *req);
int sh_auth_totp_confirm(sh_req *req);
int sh_auth_password(sh_req *req);

int sh_admin_list_accounts(sh_req *req);
int sh_admin_get_account(sh_req *req);
int sh_admin_create_account(sh_req *req);
int sh_admin_disable_account(sh_req *req);
int sh_admin_enable_account(sh_req *req);
int sh_admin_unlock_account(sh_req *req);
int sh_admin_reset_password(sh_req *req);
int sh_admin_list_roles(sh_req *req);
int sh_admin_create_role(sh_req *req);
int sh_admin_list_assignments(sh_req *req);
int sh_admin_assign_role(sh_req *req);
int sh_admin_revoke_role(sh_req *req);
int sh_admin_list_tokens(sh_req *req);
int sh_admin_create_token(sh_req *req);
int sh_admin_revoke_token(sh_req *req);
int sh_admin_get_policy(sh_req *req);
int sh_admin_set_policy(sh_req *req);

/* Replace an account's password (the old hash goes to the history). */
int sh_account_set_password(sh_conn *c, int64_t account_id, const char *old_hash, const char *password,
                            int must_change, sh_err *err);

#endif
