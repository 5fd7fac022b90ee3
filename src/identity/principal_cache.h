/* principal_cache.h — a short-lived, in-process cache of signed-in callers.
 *
 * Reading a session, its account and its role assignments is the cost of every
 * signed-in request. The store stays the truth (sessions live there, so several
 * server processes can serve one city); this cache only remembers, for at most
 * SH_PRINCIPAL_CACHE_MS, what the store said about a session token. Any audited
 * change made through this process (sign-out, password change, role or account
 * changes, policy) empties it at once; a change made through another process is
 * seen within SH_PRINCIPAL_CACHE_MS. */
#ifndef SH_PRINCIPAL_CACHE_H
#define SH_PRINCIPAL_CACHE_H

#include "identity/access.h"
#include "identity/session.h"

#define SH_PRINCIPAL_CACHE_MS 1000

/* Copy the cached caller of a session token hash; 1 when found and fresh. */
int sh_principal_cache_get(const char *token_hash, int64_t now_ms, sh_principal *p, sh_session *ses);
void sh_principal_cache_put(const char *token_hash, int64_t now_ms, const sh_principal *p,
                            const sh_session *ses);
/* Forget every cached caller. */
void sh_principal_cache_forget(void);

#endif
