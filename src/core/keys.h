/* keys.h — the deployment's secret keys, kept outside the database.
 *
 * One master key (32 random bytes, hex) lives in a key file beside the database
 * (DB.key, mode 0600) or where --keys points. Purpose keys are derived from it
 * (libsodium's BLAKE2b KDF): the audit chain's HMAC key, and later the field
 * encryption and lookup-hash keys. A database without its key file cannot be
 * verified or decrypted, so start-up refuses rather than guessing. */
#ifndef SH_KEYS_H
#define SH_KEYS_H

#include "core/err.h"

#include <stddef.h>

#define SH_KEY_BYTES 32

typedef enum { SH_KEY_AUDIT = 1, SH_KEY_FIELD = 2, SH_KEY_LOOKUP = 3 } sh_key_purpose;

/* Load the key file of a database: key_file when given, else DB_FILE.key beside an
 * SQLite file (db_file NULL: a server database, which must name its key file).
 * With create, make one (0600) when it does not exist. */
int sh_keys_open(const char *db_file, const char *key_file, int create, sh_err *err);
/* Load the key file at path; with create, make one (0600) when it does not exist. */
int sh_keys_load(const char *path, int create, sh_err *err);
int sh_keys_loaded(void);
/* Derive the key for a purpose (out gets SH_KEY_BYTES). SH_ERR when none is loaded. */
int sh_keys_derive(sh_key_purpose purpose, unsigned char *out);
/* Forget the keys (zeroed). */
void sh_keys_unload(void);

#endif
