/* fieldcrypt.h — encryption at rest of sensitive fields (rules.md DR-07, DR-08).
 *
 * An SH_F_ENCRYPT field is stored as AEAD ciphertext (core/keys.h sh_seal under
 * the field key) bound to "table.column/uid", so a value copied to another row or
 * column does not decrypt. Exact lookups go through a keyed hash (HMAC-SM3 under
 * the lookup key) of the normalised value: the same ID number hashes alike in every
 * table, which is what deduplication across roles needs. */
#ifndef SH_FIELDCRYPT_H
#define SH_FIELDCRYPT_H

#include "core/pool.h"
#include "model/entity.h"

#include <stddef.h>

#define SH_LOOKUP_HASH_BYTES 16

/* Keyed hash of value. SH_ERR when no key is loaded. */
int sh_lookup_hash(const char *value, size_t n, unsigned char out[SH_LOOKUP_HASH_BYTES]);

/* Encrypt plain for field f of the row with public id uid; *ct (pool) gets
 * strlen(plain) + SH_SEAL_OVERHEAD bytes. SH_ERR when no key is loaded or out of
 * memory. */
int sh_field_seal(sh_pool *p, const sh_entity *e, const sh_field *f, const char *uid, const char *plain,
                  const unsigned char **ct, size_t *n);
/* Decrypt; the text (pool, NUL-terminated) or NULL when the value does not
 * authenticate (tampered, moved, or the wrong key). */
const char *sh_field_open(sh_pool *p, const sh_entity *e, const sh_field *f, const char *uid, const void *ct,
                          size_t n);

#endif
