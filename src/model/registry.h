/* registry.h — the entities of all modules, looked up by name.
 *
 * Filled once at start from the module list (before any thread serves requests),
 * read-only afterwards. References between entities (SH_T_REF) and the OpenAPI
 * document resolve through it. */
#ifndef SH_REGISTRY_H
#define SH_REGISTRY_H

#include "model/entity.h"

struct sh_module;

/* Register the entities of the modules. SH_ERR when two share a name or a
 * reference names an unknown entity. */
int sh_registry_init(const struct sh_module *const *mods, int n, sh_err *err);
const sh_entity *sh_registry_entity(const char *name);
/* The entity stored in `table`, or NULL. */
const sh_entity *sh_registry_by_table(const char *table);
int sh_registry_count(void);
const sh_entity *sh_registry_at(int i);

#endif
