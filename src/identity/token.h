/* token.h — API tokens for integrations: random, shown once, stored as a hash,
 * bound to an org node and a permission set, expiring and revocable. A token acts
 * for the account that made it, never beyond what it was given. */
#ifndef SH_TOKEN_H
#define SH_TOKEN_H

#include "identity/access.h"

#define SH_API_TOKEN_PREFIX "sht_"
#define SH_API_TOKEN_TEXT 48 /* prefix + 43 base64url characters + NUL */

extern const sh_entity sh_api_token_entity;

typedef struct sh_api_token_new {
    const char *name;
    int64_t owner;  /* account making it */
    int64_t org_id; /* node it reaches (with its subtree) */
    const char *const *perms;
    int nperms;
    int64_t expires_at;
} sh_api_token_new;

/* Store a new token; token receives the secret (shown once), uid its public id. */
int sh_api_token_create(sh_conn *c, const sh_api_token_new *n, char token[SH_API_TOKEN_TEXT], char uid[27],
                        sh_err *err);
/* Principal of a presented token: SH_ROW when it is valid now and its account is
 * enabled, SH_DONE otherwise. */
int sh_api_token_principal(sh_conn *c, const char *token, sh_principal *p, sh_err *err);

#endif
