/* principal_cache.c — the cache of signed-in callers. See principal_cache.h. */
#include "identity/principal_cache.h"

#include <pthread.h>
#include <sodium.h>
#include <stddef.h>
#include <string.h>

#define SLOTS 512

typedef struct slot {
    sh_principal p;
    sh_session ses;
    int64_t cached_at;
    unsigned generation;
    unsigned char tag[crypto_shorthash_siphashx24_BYTES];
} slot;

static slot slots[SLOTS];
static unsigned generation = 1;
static pthread_rwlock_t lock = PTHREAD_RWLOCK_INITIALIZER; /* readers never wait for each other */

static unsigned char tag_key[crypto_shorthash_siphashx24_KEYBYTES];
static pthread_once_t tag_key_once = PTHREAD_ONCE_INIT;
static void make_tag_key(void) { randombytes_buf(tag_key, sizeof tag_key); }

/* The token's tag and its slot. */
static slot *slot_of(const char *token, unsigned char tag[crypto_shorthash_siphashx24_BYTES]) {
    pthread_once(&tag_key_once, make_tag_key);
    crypto_shorthash_siphashx24(tag, (const unsigned char *)token, strlen(token), tag_key);
    unsigned h = (unsigned)tag[0] | (unsigned)tag[1] << 8;
    return &slots[h % SLOTS];
}

static size_t principal_bytes(const sh_principal *p) {
    return offsetof(sh_principal, grants) + (size_t)p->ngrants * sizeof p->grants[0];
}

int sh_principal_cache_get(const char *token, int64_t now_ms, sh_principal *p, sh_session *ses) {
    unsigned char tag[crypto_shorthash_siphashx24_BYTES];
    slot *s = slot_of(token, tag);
    int hit = 0;
    pthread_rwlock_rdlock(&lock);
    if (s->generation == generation && sodium_memcmp(s->tag, tag, sizeof tag) == 0 &&
        now_ms >= s->cached_at && now_ms - s->cached_at < SH_PRINCIPAL_CACHE_MS) {
        memcpy(p, &s->p, principal_bytes(&s->p));
        *ses = s->ses;
        hit = 1;
    }
    pthread_rwlock_unlock(&lock);
    return hit;
}

void sh_principal_cache_put(const char *token, int64_t now_ms, const sh_principal *p, const sh_session *ses) {
    unsigned char tag[crypto_shorthash_siphashx24_BYTES];
    slot *s = slot_of(token, tag);
    pthread_rwlock_wrlock(&lock);
    memcpy(s->tag, tag, sizeof tag);
    s->cached_at = now_ms;
    s->generation = generation;
    s->ses = *ses;
    memcpy(&s->p, p, principal_bytes(p));
    pthread_rwlock_unlock(&lock);
}

void sh_principal_cache_forget(void) {
    pthread_rwlock_wrlock(&lock);
    generation++;
    pthread_rwlock_unlock(&lock);
}
