/* api.h — generic list and read handlers driven by entity declarations.
 *
 * A module handler that lists or reads an entity calls these with the scope
 * predicate the access layer gives it (DESIGN §3.2); they parse the query, run one
 * query with key-set paging and reply {"items":[…],"next_cursor":…} or the object. */
#ifndef SH_MODEL_API_H
#define SH_MODEL_API_H

#include "http/http.h"
#include "model/list.h"

/* A predicate restricting rows to what the caller may see, with its parameters
 * numbered from 1 (they are bound before the list's own). where NULL = all rows. */
typedef struct sh_scope {
    const char *where;
    int nparams;
    int (*bind)(sh_stmt *s, void *ctx); /* binds $1..$nparams */
    void *ctx;
    int unmask; /* sensitive fields in clear: the caller holds the unmask permission
                   over these rows and gave a reason (audited by the caller) */
} sh_scope;

/* Collect the request's query arguments (at most 64). */
int sh_api_query_args(sh_req *req, const char ***keys, const char ***vals, int *n);

int sh_api_list(sh_req *req, const sh_entity *e, const sh_scope *scope);
/* The same, accepting the query parameters named in `also` (NULL-terminated),
 * which the caller reads itself (and turns into the scope's predicate). */
int sh_api_list_with(sh_req *req, const sh_entity *e, const sh_scope *scope, const char *const *also);
/* The list's statement, scope and query bound (for callers that write the rows
 * their own way, such as exports). NULL with req->err. */
sh_stmt *sh_api_list_prepare(sh_req *req, const sh_entity *e, const sh_scope *scope, const sh_list_query *q);
/* Read one by public id; out-of-scope answers exactly like missing (404). */
int sh_api_get(sh_req *req, const sh_entity *e, const char *uid, const sh_scope *scope);
/* The same record as a JSON object instead of the reply (for a handler that adds
 * to it, such as a secret shown once); NULL with req->err. The caller owns it. */
json_t *sh_api_get_json(sh_req *req, const sh_entity *e, const char *uid, const sh_scope *scope);

#endif
