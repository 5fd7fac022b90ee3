/* registry.c — entity registry filled from the module list. See registry.h. */
#include "model/registry.h"

#include "app.h"

#include <string.h>

#define MAX_ENTITIES 512

static const sh_entity *all[MAX_ENTITIES];
static int count;

int sh_registry_init(const sh_module *const *mods, int n, sh_err *err) {
    count = 0;
    for (int m = 0; m < n; m++) {
        for (int i = 0; i < mods[m]->nentities; i++) {
            const sh_entity *e = mods[m]->entities[i];
            if (sh_registry_entity(e->name))
                return sh_err_set(err, 500, "duplicate_entity", NULL, "实体 %s 重复声明", e->name);
            if (count == MAX_ENTITIES)
                return sh_err_set(err, 500, "too_many_entities", NULL, "实体过多");
            all[count++] = e;
        }
    }
    for (int i = 0; i < count; i++)
        for (int f = 0; f < all[i]->nfields; f++) {
            const sh_field *fd = &all[i]->fields[f];
            if (fd->type == SH_T_REF && !sh_registry_entity(fd->ref))
                return sh_err_set(err, 500, "unknown_reference", NULL, "%s.%s 引用了未声明的实体 %s",
                                  all[i]->name, fd->name, fd->ref ? fd->ref : "(无)");
        }
    return SH_OK;
}

const sh_entity *sh_registry_entity(const char *name) {
    if (!name)
        return NULL;
    for (int i = 0; i < count; i++)
        if (strcmp(all[i]->name, name) == 0)
            return all[i];
    return NULL;
}

const sh_entity *sh_registry_by_table(const char *table) {
    for (int i = 0; i < count; i++)
        if (strcmp(all[i]->table, table) == 0)
            return all[i];
    return NULL;
}

int sh_registry_count(void) { return count; }
const sh_entity *sh_registry_at(int i) { return i >= 0 && i < count ? all[i] : NULL; }
