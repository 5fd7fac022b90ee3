/* account.h — persons and their accounts: one person record per human whatever
 * roles they hold, an account belongs to a person, and login names are unique
 * case-insensitively after normalisation (SEC-01). */
#ifndef SH_ACCOUNT_H
#define SH_ACCOUNT_H

#include "app.h"

extern const sh_module sh_identity_module;

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
    const char *actor;    /* who creates it, for the audit log */
} sh_account_new;

/* Create the account (and its person) inside the caller's write transaction, audited.
 * 409 login_taken when the login exists in any case; 400 with every broken
 * password rule otherwise. */
int sh_account_create(sh_conn *c, const sh_account_new *n, int64_t *account_id, sh_err *err);

#endif
