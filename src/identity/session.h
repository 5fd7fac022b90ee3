/* session.h — sign-in sessions kept in the store (so several server processes can
 * share them): a random token that only the browser holds (HttpOnly cookie), stored
 * as a hash; an idle timeout and an absolute lifetime (SEC-05); the stage of the
 * sign-in (second factor or password change still owed); and a CSRF token derived
 * from the session token for cookie-authenticated writes. */
#ifndef SH_SESSION_H
#define SH_SESSION_H

#include "identity/policy.h"
#include "store/store.h"

#define SH_SESSION_COOKIE "shushu_session"
#define SH_TOKEN_TEXT 44 /* 32 random bytes, base64url without padding, NUL */
#define SH_TOKEN_HASH_HEX 65

/* Stages of a sign-in. Only an active session reaches routes other than SH_SESSION. */
#define SH_STAGE_ACTIVE "active"
#define SH_STAGE_MFA "mfa"             /* password accepted; second factor owed */
#define SH_STAGE_MFA_ENROL "mfa_enrol" /* the role needs a second factor the account lacks */
#define SH_STAGE_PASSWORD "password"   /* initial, reset or expired password must be changed */

typedef struct sh_session {
    int64_t id, account_id, created_at, last_seen_at, expires_at;
    char stage[16];
} sh_session;

/* Outcome of a lookup besides a row: why there is none. */
typedef enum { SH_SESSION_NONE = 0, SH_SESSION_IDLE, SH_SESSION_EXPIRED } sh_session_end_reason;

/* A new random token (base64url) and its hash (hex). */
void sh_token_new(char token[SH_TOKEN_TEXT]);
void sh_token_hash(const char *token, char hex[SH_TOKEN_HASH_HEX]);

/* Start a session for an account at a stage. token receives the secret for the cookie. */
int sh_session_create(sh_conn *c, int64_t account_id, const char *stage, const char *ip,
                      const sh_security_policy *p, char token[SH_TOKEN_TEXT], sh_session *out, sh_err *err);
/* Check a live session found by its token hash (the caller reads it together with
 * its account): SH_ROW when it is valid now; SH_DONE when it just ran out (idle or
 * past its lifetime, *why says which), and it is then ended in the store.
 * Refreshes last_seen_at at most every 30 seconds. */
int sh_session_validate(sh_conn *c, sh_session *ses, const sh_security_policy *p, sh_session_end_reason *why,
                        sh_err *err);
/* 1 when a session known at last_seen_at needs no store work now: not timed out
 * and not due for its last_seen_at refresh (so a cached copy may serve). */
int sh_session_settled(const sh_session *ses, const sh_security_policy *p, int64_t now);
int sh_session_set_stage(sh_conn *c, int64_t id, const char *stage, sh_err *err);
/* End one session, or (id 0) every live session of an account. */
int sh_session_end(sh_conn *c, int64_t id, int64_t account_id, const char *reason, sh_err *err);
/* End every live session of an account except keep (after a password change). */
int sh_session_end_others(sh_conn *c, int64_t account_id, int64_t keep, sh_err *err);
/* The CSRF token of a session token: a keyed hash, so it needs no storage. */
int sh_session_csrf(const char *token, char out[SH_TOKEN_TEXT]);

#endif
