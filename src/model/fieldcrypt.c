/* fieldcrypt.c — field encryption and keyed lookup hashes. See fieldcrypt.h. */
#include "model/fieldcrypt.h"

#include "core/keys.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

int sh_field_has_mask_column(const sh_field *f) {
    return (f->flags & SH_F_ENCRYPT) && f->mask != SH_MASK_NONE && f->mask != SH_MASK_HIDE;
}

int sh_field_has_hash_column(const sh_field *f) {
    return (f->flags & SH_F_ENCRYPT) && (f->flags & SH_F_LOOKUP);
}

/* HMAC-SM3 keyed with the lookup key, set up once per key generation and copied
 * for each hash: OpenSSL's one-shot HMAC() looks the digest up and derives the
 * key schedule on every call, a tenth of an import's time. */
static pthread_mutex_t mac_lock = PTHREAD_MUTEX_INITIALIZER;
static EVP_MAC *mac_alg;
static EVP_MAC_CTX *mac_keyed;
static unsigned mac_generation;

static EVP_MAC_CTX *keyed_copy(void) {
    pthread_mutex_lock(&mac_lock);
    unsigned gen = sh_keys_generation();
    if (!mac_alg)
        mac_alg = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (mac_alg && (!mac_keyed || mac_generation != gen)) {
        unsigned char key[SH_KEY_BYTES];
        char digest[] = "SM3";
        OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                               OSSL_PARAM_construct_end()};
        EVP_MAC_CTX_free(mac_keyed);
        mac_keyed = NULL;
        if (sh_keys_derive(SH_KEY_LOOKUP, key) == SH_OK) {
            mac_keyed = EVP_MAC_CTX_new(mac_alg);
            if (mac_keyed && !EVP_MAC_init(mac_keyed, key, sizeof key, params)) {
                EVP_MAC_CTX_free(mac_keyed);
                mac_keyed = NULL;
            }
        }
        sodium_memzero(key, sizeof key);
        mac_generation = gen;
    }
    EVP_MAC_CTX *copy = mac_keyed ? EVP_MAC_CTX_dup(mac_keyed) : NULL;
    pthread_mutex_unlock(&mac_lock);
    return copy;
}

int sh_lookup_hash(const char *value, size_t n, unsigned char out[SH_LOOKUP_HASH_BYTES]) {
    if (!sh_keys_loaded())
        return SH_ERR;
    EVP_MAC_CTX *m = keyed_copy();
    unsigned char mac[EVP_MAX_MD_SIZE];
    size_t maclen = 0;
    int ok = m && EVP_MAC_update(m, (const unsigned char *)value, n) &&
             EVP_MAC_final(m, mac, &maclen, sizeof mac) && maclen >= SH_LOOKUP_HASH_BYTES;
    EVP_MAC_CTX_free(m);
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
