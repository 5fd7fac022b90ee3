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

typedef enum { SH_KEY_AUDIT = 1, SH_KEY_FIELD = 2, SH_KEY_LOOKUP = 3, SH_KEY_CSRF = 4 } sh_key_purpose;

/* Load the key file of a database: key_file when given, else DB_FILE.key beside an
 * SQLite file (db_file NULL: a server database, which must name its key file).
 * With create, make one (0600) when it does not exist. */
int sh_keys_open(const char *db_file, const char *key_file, int create, sh_err *err);
/* Load the key file at path; with create, make one (0600) when it does not exist. */
int sh_keys_load(const char *path, int create, sh_err *err);
int sh_keys_loaded(void);
/* Derive the key for a purpose (out gets SH_KEY_BYTES). SH_ERR when none is loaded. */
int sh_keys_derive(sh_key_purpose purpose, unsigned char *out);
/* Authenticated encryption (XChaCha20-Poly1305) under a purpose's key, bound to
 * ad (what the value is, e.g. "totp:42", so a value cannot be moved to another
 * row). out of sh_seal gets n + SH_SEAL_OVERHEAD bytes (nonce first); out of
 * sh_unseal gets n - SH_SEAL_OVERHEAD. SH_ERR when no key is loaded or the value
 * was tampered with. */
#define SH_SEAL_OVERHEAD 40
int sh_seal(sh_key_purpose purpose, const char *ad, const unsigned char *m, size_t n, unsigned char *out);
int sh_unseal(sh_key_purpose purpose, const char *ad, const unsigned char *c, size_t n, unsigned char *out);
/* Forget the keys (zeroed). */
void sh_keys_unload(void);

#endif
