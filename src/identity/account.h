/* account.h — persons and their accounts: one person record per human whatever
 * roles they hold, an account belongs to a person, and login names are unique
 * case-insensitively after normalisation (SEC-01). */
#ifndef SH_ACCOUNT_H
#define SH_ACCOUNT_H

#include "app.h"

extern const sh_module sh_identity_module;
extern const sh_entity sh_person_entity, sh_account_entity, sh_password_history_entity;

#define SH_LOGIN_MAX 64

/* Normalise a login as typed: trim, full-width to ASCII, then check it is 3–64
 * characters of letters, digits and . _ - @. display gets the login as it will be
 * shown (case kept), key the lowercase form that must be unique. */
int sh_login_normalise(const char *in, char display[SH_LOGIN_MAX + 1], char key[SH_LOGIN_MAX + 1],
                       sh_err *err);

typedef struct sh_account_new {
    const char *name;  /* the person's name */
    int64_t person_id; /* an existing person (0: create one with name) */
    const char *login;
    const char *password; /* checked against the policy, then hashed */
    int must_change;      /* an initial or reset password: change at first sign-in */
    int64_t org_id;       /* the organisation the account belongs to */
    const char *actor;    /* who creates it, for the audit log ("cli" when NULL) */
    int64_t actor_id;     /* their account (0 for the command line) */
    const char *actor_ip;
} sh_account_new;

/* Create the account (and its person) inside the caller's write transaction, audited.
 * 409 login_taken when the login exists in any case; 400 with every broken
 * password rule otherwise. */
int sh_account_create(sh_conn *c, const sh_account_new *n, int64_t *account_id, char account_uid[27],
                      sh_err *err);

/* Assign a role at an org node (the caller audits and checks who may). uid receives
 * the assignment's public id. 409 when the account already holds it there. */
int sh_account_grant(sh_conn *c, int64_t account_id, const char *role, int64_t org_id, int64_t created_by,
                     char uid[27], sh_err *err);

/* 1 when the database has at least one account (made by `shushu init` or
 * `shushu demo`), 0 when not, SH_ERR on a store failure. */
int sh_identity_initialised(sh_db *db, sh_err *err);

/* Disable (and audit) accounts unused for inactive_days (SEC-08): never signed in
 * since creation, or not since. Up to 1000 per call; *count gets how many. */
int sh_account_disable_inactive(sh_conn *c, int inactive_days, int *count, sh_err *err);

#endif
