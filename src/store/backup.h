/* backup.h — consistent online backups with a checksum manifest, and verified
 * restores.
 *
 * SQLite: the backup API copies the database while the server keeps serving (the
 * copy is one consistent snapshot). Beside the copy, DEST.manifest.json records
 * the format, time, size, SHA-256, schema versions and row counts per table.
 * Restore checks the manifest, the checksum and PRAGMA integrity_check before it
 * replaces anything, and refuses a target that a running server holds open.
 *
 * PostgreSQL (backup_pg.c): pg_dump in its custom format from one exported
 * snapshot, with the row counts per table counted in that same snapshot; the
 * manifest is the same file with "store": "postgres". Restore checks the
 * checksum and that pg_restore can read the archive, refuses a target database
 * that already holds tables, restores in one transaction and then compares every
 * table's row count with the manifest. */
#ifndef SH_BACKUP_H
#define SH_BACKUP_H

#include "store/store.h"

#include <jansson.h>

#define SH_BACKUP_FORMAT "shushu-backup-1"

int sh_backup(sh_db *db, const char *dest, sh_err *err);
int sh_restore(const char *backup, const char *target, sh_err *err);
/* Check a backup against its manifest without restoring it. */
int sh_backup_verify(const char *backup, sh_err *err);

/* The PostgreSQL path (called by the three above for a postgres:// store or a
 * manifest whose store is "postgres"). sh_backup_verify_pg fills *manifest (when
 * not NULL; the caller json_decrefs it) after checking the file. */
int sh_backup_pg(sh_db *db, const char *dest, sh_err *err);
int sh_restore_pg(const char *backup, const char *url, sh_err *err);
int sh_backup_verify_pg(const char *backup, json_t **manifest, sh_err *err);

/* Finish a backup file part into dest with its manifest (backup.c). */
int sh_backup_seal(json_t *m, const char *store, const char *part, const char *dest, sh_err *err);
/* SHA-256 (hex) and size of a file; fsync of a path (0 or -1). */
int sh_file_sha256(const char *path, char hex[65], long long *size, sh_err *err);
int sh_fsync_path(const char *path);

/* Claim a database file (flock on FILE.lock): servers take a shared claim (several
 * may serve one file), a restore an exclusive one, so a restore never replaces a
 * file under a running server. Released by sh_db_unclaim or process exit. */
int sh_db_claim(const char *file, int exclusive, int *fd, sh_err *err);
void sh_db_unclaim(int fd);

#endif
