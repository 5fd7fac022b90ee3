/* keys.h — the deployment's secret keys, kept outside the database.
 *
 * The key file beside the database (DB.key, mode 0600) or where --keys points
 * holds a master key (32 random bytes, hex) on its first line and, once keys
 * have been rotated, a second line "stable HEX". Purpose keys are derived from
 * them (libsodium's BLAKE2b KDF):
 *   - from the master: field encryption, lookup hashes, CSRF — what `shushu keys
 *     rotate` replaces, re-encrypting and re-hashing every stored value;
 *   - from the stable key (the master itself in a file without the line): the
 *     audit chain's HMAC and the hashes of recovery codes — values that cannot be
 *     recomputed from the data (past audit entries stay verifiable; codes are
 *     never stored), so rotation carries this key over unchanged.
 * A one-line file of earlier versions reads as before. A database without its
 * key file cannot be verified or decrypted, so start-up refuses rather than
 * guessing.
 *
 * Rotation and crash safety. `shushu keys rotate` writes the new key file as
 * KEYFILE.new (fsync'd), re-encrypts everything in one transaction that also
 * records the new master's fingerprint in the database (shushu_meta
 * key_fingerprint), commits, then renames KEYFILE.new over KEYFILE. A crash can
 * leave KEYFILE.new behind; whoever opens the store next settles it with one
 * rule (sh_keys_settle): when the database records the fingerprint of the key in
 * KEYFILE.new, the rotation committed and KEYFILE.new replaces KEYFILE; in every
 * other case it did not, and KEYFILE.new is removed. A key file whose master does
 * not match a recorded fingerprint is refused. */
#ifndef SH_KEYS_H
#define SH_KEYS_H

#include "core/err.h"

#include <stddef.h>

#define SH_KEY_BYTES 32

typedef enum {
    SH_KEY_AUDIT = 1,   /* stable */
    SH_KEY_FIELD = 2,   /* master */
    SH_KEY_LOOKUP = 3,  /* master */
    SH_KEY_CSRF = 4,    /* master */
    SH_KEY_RECOVERY = 5 /* stable (derived as the lookup key was, so older codes still verify) */
} sh_key_purpose;

/* Load the key file of a database: key_file when given, else DB_FILE.key beside an
 * SQLite file (db_file NULL: a server database, which must name its key file).
 * With create, make one (0600) when it does not exist. */
int sh_keys_open(const char *db_file, const char *key_file, int create, sh_err *err);
/* Load the key file at path; with create, make one (0600) when it does not exist. */
int sh_keys_load(const char *path, int create, sh_err *err);
int sh_keys_loaded(void);
/* A number that changes whenever the keys in use change (load, rotation,
 * unload), for callers that keep something derived from them. */
unsigned sh_keys_generation(void);
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

/* The key file of a database (as sh_keys_open finds it) into out. */
int sh_keys_path(const char *db_file, const char *key_file, char *out, size_t cap, sh_err *err);
/* Hex fingerprint of the master key in use (a derived value; reveals nothing). */
int sh_keys_fingerprint(char out[33]);
/* Settle a rotation left unfinished at key file path (see above): db_fingerprint
 * is what the database records (NULL: nothing). SH_OK when there was nothing to
 * settle or it was settled. */
int sh_keys_settle(const char *path, const char *db_fingerprint, sh_err *err);
/* Rotation (single-threaded command line only). sh_keys_new_master makes a new
 * random master in m; sh_keys_write_pending writes path.new with m and the stable
 * key in use (exclusive create, 0600, fsync of file and folder);
 * sh_keys_swap_master puts m in use and gives back the master that was, so a
 * value can be opened under one and sealed under the other; sh_keys_commit_file
 * renames path.new over path (fsync'd). */
void sh_keys_new_master(unsigned char m[SH_KEY_BYTES]);
int sh_keys_write_pending(const char *path, const unsigned char m[SH_KEY_BYTES], sh_err *err);
void sh_keys_swap_master(unsigned char m[SH_KEY_BYTES]);
int sh_keys_commit_file(const char *path, sh_err *err);

#endif
