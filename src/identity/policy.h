/* policy.h — the security policy (rules.md §2.4): password rules, lockout, session
 * timeouts and the inactivity limit, with the assessors' defaults, stored in the
 * database so the security administrator can tighten it (never loosen it below
 * the level-3 floor). */
#ifndef SH_POLICY_H
#define SH_POLICY_H

#include "identity/password.h"
#include "store/store.h"

#include <jansson.h>

typedef struct sh_security_policy {
    sh_password_policy password;
    int lock_threshold; /* consecutive failures that lock an account */
    int lock_minutes;   /* how long it stays locked */
    int idle_minutes;   /* a session unused this long ends (SEC-05) */
    int session_hours;  /* absolute lifetime of a session */
    int inactive_days;  /* an account unused this long is disabled (SEC-08) */
} sh_security_policy;

void sh_security_policy_defaults(sh_security_policy *p);
/* The stored policy (defaults for anything not stored). Read through a cache that
 * lives a few seconds, so every server process sees a change soon. */
int sh_security_policy_load(sh_conn *c, sh_security_policy *p, sh_err *err);
/* The cached policy when it is fresh (1), without touching the store; 0 otherwise. */
int sh_security_policy_cached(sh_security_policy *p);
/* Apply a JSON object of changes onto p: unknown names, wrong types and values
 * outside the allowed range are each an error naming the field. */
int sh_security_policy_update(sh_security_policy *p, const json_t *changes, sh_err *err);
int sh_security_policy_save(sh_conn *c, const sh_security_policy *p, sh_err *err);
json_t *sh_security_policy_json(const sh_security_policy *p);
/* Forget the cached copy (tests move the clock; saving does it too). */
void sh_security_policy_forget(void);

#endif
