/* router.h — matching a method and path against the route tables of all modules.
 *
 * Routes are compiled once at start. A route with no permission, a path that does
 * not start with '/', two routes with the same method and pattern, or a path
 * parameter name repeated within a pattern stop the program from starting: a
 * route without a declared permission never serves. */
#ifndef SH_ROUTER_H
#define SH_ROUTER_H

#include "app.h"

typedef struct sh_router sh_router;

typedef struct sh_route_ref {
    const sh_route *route;
    const sh_module *module;
} sh_route_ref;

int sh_router_build(const sh_module *const *mods, int n, sh_router **out, sh_err *err);
void sh_router_free(sh_router *r);

/* Match. Returns the route index (>= 0) and fills the request's path parameters
 * (pointing into pool memory); -1 when no pattern matches the path; -2 when a
 * pattern matches but not for this method (*allowed gets the methods that would). */
int sh_router_match(const sh_router *r, sh_req *req, int *allowed);

int sh_router_count(const sh_router *r);
const sh_route_ref *sh_router_at(const sh_router *r, int i);
/* Method name for an SH_GET … flag. */
const char *sh_method_name(int m);
int sh_method_parse(const char *name);

#endif
