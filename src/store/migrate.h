/* migrate.h — versioned schema migrations, per module.
 *
 * Each module declares its migrations as an array of sh_migration in version order
 * (1, 2, 3, …). sh_migrate applies the missing ones at start, each in its own
 * transaction, and records them in schema_migrations. A database that holds a
 * version of some module newer than this program knows is refused with a clear
 * message and nothing is changed. */
#ifndef SH_MIGRATE_H
#define SH_MIGRATE_H

#include "store/store.h"

typedef struct sh_migration {
    int version;
    const char *name;
    const char *sql;    /* both backends unless sql_pg is set */
    const char *sql_pg; /* PostgreSQL variant, when the dialects differ */
} sh_migration;

typedef struct sh_migration_set {
    const char *module;
    const sh_migration *list;
    int count;
} sh_migration_set;

/* Apply what is missing. applied (may be NULL) receives the number of migrations
 * applied. dry_run: only check and count. */
int sh_migrate(sh_db *db, const sh_migration_set *sets, int nsets, int dry_run, int *applied, sh_err *err);

/* Highest applied version of module (0 when none or no schema yet). */
int sh_schema_version(sh_conn *c, const char *module, int *version, sh_err *err);

#endif
