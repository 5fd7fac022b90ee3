/* changes.h — the change log: one increasing change version over all tables,
 * every insert, update and delete with who, when, through what and which fields
 * (written by model/write.c). Read two ways: the change feed for subscribers
 * (GET /api/v1/changes?since=VERSION, with tombstones carrying natural keys) and a
 * record's history (sh_changes_history, used by the modules' …/{id}/history
 * routes). */
#ifndef SH_CHANGES_H
#define SH_CHANGES_H

#include "app.h"
#include "model/api.h"

extern const sh_module sh_changes_module;

/* Reply with the history of the record of entity e with public id uid — after
 * checking the record exists within scope (404 otherwise, like a read). */
int sh_changes_history(sh_req *req, const sh_entity *e, const char *uid, const sh_scope *scope);

#endif
