/* module.h — what the flow module's files share: its migrations, the registry's
 * permission list, record builders and the route handlers. */
#ifndef SH_FLOW_MODULE_H
#define SH_FLOW_MODULE_H

#include "flow/flow.h"

extern const sh_migration sh_flow_migrations[];
extern const int sh_flow_nmigrations;

/* The distinct permissions of every registered flow's steps (at most max). */
int sh_flow_permissions(const char **out, int max);

/* A record of e with no field set (values in p); v is NULL when out of memory. */
sh_record sh_flow_record(sh_pool *p, const sh_entity *e);
void sh_flow_set_i(sh_record *r, const char *field, int64_t v);
void sh_flow_set_s(sh_record *r, const char *field, const char *v); /* NULL: stored as NULL */
void sh_flow_set_null(sh_record *r, const char *field);

int sh_flow_list(sh_req *req);
int sh_flow_get(sh_req *req);
int sh_flow_decide(sh_req *req);
int sh_flow_cancel(sh_req *req);

#endif
