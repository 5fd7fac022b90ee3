/* access.h — who is calling and what they may reach: the one place that decides.
 *
 * The identity module installs sh_access_authorize as the application's
 * authorisation. It authenticates the request (session cookie, or an API token
 * as "Authorization: Bearer"), checks the route's permission against the caller's
 * roles (default deny), enforces the sign-in stage and CSRF on cookie writes, and
 * audits every denial. Handlers then restrict what they read or change with the
 * scope filter below: rows whose organisation lies under a node where the caller
 * holds the permission. Out-of-scope objects answer exactly like missing ones. */
#ifndef SH_ACCESS_H
#define SH_ACCESS_H

#include "http/http.h"
#include "identity/roles.h"
#include "model/api.h"
#include "model/write.h"

#define SH_MAX_GRANTS 32

typedef struct sh_grant {
    sh_role role;
    int64_t org_id;
} sh_grant;

typedef struct sh_principal {
    int64_t account_id, person_id, org_id;
    char account_uid[27];
    char login[65];
    int64_t session_id; /* signed in through a session (0 for a token) */
    int64_t token_id;   /* calling with an API token (0 for a session) */
    char stage[16];     /* sign-in stage of a session */
    char csrf[44];      /* CSRF token of a cookie session */
    int ngrants;
    sh_grant grants[SH_MAX_GRANTS];
} sh_principal;

int sh_access_authorize(sh_req *req);

/* The signed-in caller, or NULL (public routes called anonymously). */
const sh_principal *sh_principal_of(const sh_req *req);
/* Holds perm somewhere. */
int sh_can(const sh_req *req, const char *perm);
/* Holds perm at org_id or above it. 1 yes, 0 no, SH_ERR (-1) on a store failure. */
int sh_can_at(sh_req *req, const char *perm, int64_t org_id);
/* Holds every permission of role at org_id or above (no escalation through
 * assignment), or role.grant_any. */
int sh_can_grant(sh_req *req, const sh_role *role, int64_t org_id);

/* The org ids where the caller holds perm, as a JSON array ("[12,40]") in the
 * request's pool: the caller's reach, e.g. in the key of a kept reply
 * (http/kept.h). NULL when memory is short. */
const char *sh_scope_reach(sh_req *req, const char *perm);

/* Scope filter for a table whose column holds an org id: rows under any node
 * where the caller holds perm. The predicate uses the alias t and $1. */
int sh_scope_org(sh_req *req, const char *perm, const char *column, sh_scope *out);
/* The same over a set of org ids given as SQL: a single expression ("t.school_id")
 * or a parenthesised list/subquery ("(t.school_id, (SELECT …))"): rows any of whose
 * orgs lie under a node where the caller holds perm. */
int sh_scope_org_set(sh_req *req, const char *perm, const char *org_set, sh_scope *out);
/* The same with its parameter numbered param instead of 1, so that several
 * scopes (one per permission) can be combined in one predicate. */
int sh_scope_org_set_from(sh_req *req, const char *perm, const char *org_set, int param, sh_scope *out);

/* The writer's provenance for this request's caller: console for a browser
 * session, api (with the token as source_ref) for an API token. */
sh_provenance sh_req_provenance(sh_req *req);

/* Write an audit entry for this request's caller (account, role, source IP). */
int sh_audit_req(sh_req *req, const char *event, int ok, const char *object, const char *detail);

/* Load the grants of an account (role assignments) into p. */
int sh_principal_load_grants(sh_conn *c, sh_principal *p, sh_err *err);

#endif
