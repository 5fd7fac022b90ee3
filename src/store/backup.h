/* backup.h — consistent online backups with a checksum manifest, and verified
 * restores.
 *
 * SQLite: the backup API copies the database while the server keeps serving (the
 * copy is one consistent snapshot). Beside the copy, DEST.manifest.json records
 * the format, time, size, SHA-256, schema versions and row counts per table.
 * Restore checks the manifest, the checksum and PRAGMA integrity_check before it
 * replaces anything, and refuses a target that a running server holds open. */
#ifndef SH_BACKUP_H
#define SH_BACKUP_H

#include "store/store.h"

int sh_backup(sh_db *db, const char *dest, sh_err *err);
int sh_restore(const char *backup, const char *target, sh_err *err);
/* Check a backup against its manifest without restoring it. */
int sh_backup_verify(const char *backup, sh_err *err);

/* Claim a database file (flock on FILE.lock): servers take a shared claim (several
 * may serve one file), a restore an exclusive one, so a restore never replaces a
 * file under a running server. Released by sh_db_unclaim or process exit. */
int sh_db_claim(const char *file, int exclusive, int *fd, sh_err *err);
void sh_db_unclaim(int fd);

#endif
