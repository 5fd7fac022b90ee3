/* fieldcrypt.c — field encryption and keyed lookup hashes. See fieldcrypt.h. */
#include "model/fieldcrypt.h"

#include "core/keys.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

int sh_field_has_mask_column(const sh_field *f) {
    return (f->flags & SH_F_ENCRYPT) && f->mask != SH_MASK_NONE && f->mask != SH_MASK_HIDE;
}

int sh_field_has_hash_column(const sh_field *f) {
    return (f->flags & SH_F_ENCRYPT) && (f->flags & SH_F_LOOKUP);
}

int sh_lookup_hash(const char *value, size_t n, unsigned char out[SH_LOOKUP_HASH_BYTES]) {
    unsigned char key[SH_KEY_BYTES], mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    if (sh_keys_derive(SH_KEY_LOOKUP, key) != SH_OK)
        return SH_ERR;
    int ok = HMAC(EVP_sm3(), key, sizeof key, (const unsigned char *)value, n, mac, &maclen) != NULL &&
             maclen >= SH_LOOKUP_HASH_BYTES;
    sodium_memzero(key, sizeof key);
    if (ok)
        memcpy(out, mac, SH_LOOKUP_HASH_BYTES);
    sodium_memzero(mac, sizeof mac);
    return ok ? SH_OK : SH_ERR;
}

static void field_ad(char *ad, size_t cap, const sh_entity *e, const sh_field *f, const char *uid) {
    snprintf(ad, cap, "%s.%s/%s", e->table, f->column, uid ? uid : "");
}

int sh_field_seal(sh_pool *p, const sh_entity *e, const sh_field *f, const char *uid, const char *plain,
                  const unsigned char **ct, size_t *n) {
    char ad[160];
    field_ad(ad, sizeof ad, e, f, uid);
    size_t len = strlen(plain);
    unsigned char *out = sh_palloc(p, len + SH_SEAL_OVERHEAD);
    if (!out || sh_seal(SH_KEY_FIELD, ad, (const unsigned char *)plain, len, out) != SH_OK)
        return SH_ERR;
    *ct = out;
    *n = len + SH_SEAL_OVERHEAD;
    return SH_OK;
}

const char *sh_field_open(sh_pool *p, const sh_entity *e, const sh_field *f, const char *uid, const void *ct,
                          size_t n) {
    if (!ct || n < SH_SEAL_OVERHEAD)
        return NULL;
    char ad[160];
    field_ad(ad, sizeof ad, e, f, uid);
    char *out = sh_palloc(p, n - SH_SEAL_OVERHEAD + 1);
    if (!out || sh_unseal(SH_KEY_FIELD, ad, ct, n, (unsigned char *)out) != SH_OK)
        return NULL;
    out[n - SH_SEAL_OVERHEAD] = '\0';
    return out;
}
