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

/* PostgreSQL migration text: GIN trigram indexes (pg_trgm) for substring search
 * (`col LIKE '%' || $1 || '%'`), given as the CREATE INDEX statements. The
 * extension is created when missing; a server without it (or a role that may not
 * create it) skips the indexes with a warning in the event log, and the migration
 * goes on: the searches then scan, as before. */
#define SH_PG_TRIGRAM_INDEXES(create_index_statements)                                                           \
    "DO $$ BEGIN CREATE EXTENSION IF NOT EXISTS pg_trgm; EXCEPTION WHEN OTHERS THEN"                             \
    " RAISE WARNING 'shushu: pg_trgm is not available (%), substring search runs without trigram indexes',"      \
    " SQLERRM; END $$;"                                                                                          \
    "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN " create_index_statements \
    " END IF; END $$;"

/* Apply what is missing. applied (may be NULL) receives the number of migrations
 * applied. dry_run: only check and count. */
int sh_migrate(sh_db *db, const sh_migration_set *sets, int nsets, int dry_run, int *applied, sh_err *err);

/* Highest applied version of module (0 when none or no schema yet). */
int sh_schema_version(sh_conn *c, const char *module, int *version, sh_err *err);

#endif
