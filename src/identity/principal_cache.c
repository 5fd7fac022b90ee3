/* principal_cache.c — the cache of signed-in callers. See principal_cache.h. */
#include "identity/principal_cache.h"

#include <pthread.h>
#include <stddef.h>
#include <string.h>

#define SLOTS 512

typedef struct slot {
    sh_principal p;
    sh_session ses;
    int64_t cached_at;
    unsigned generation;
    char key[SH_TOKEN_HASH_HEX];
} slot;

static slot slots[SLOTS];
static unsigned generation = 1;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static slot *slot_of(const char *hex) {
    unsigned h = 0;
    for (int i = 0; i < 8 && hex[i]; i++)
        h = h * 16 + (unsigned)(hex[i] <= '9' ? hex[i] - '0' : hex[i] - 'a' + 10);
    return &slots[h % SLOTS];
}

static size_t principal_bytes(const sh_principal *p) {
    return offsetof(sh_principal, grants) + (size_t)p->ngrants * sizeof p->grants[0];
}

int sh_principal_cache_get(const char *token_hash, int64_t now_ms, sh_principal *p, sh_session *ses) {
    slot *s = slot_of(token_hash);
    int hit = 0;
    pthread_mutex_lock(&lock);
    if (s->generation == generation && strcmp(s->key, token_hash) == 0 && now_ms >= s->cached_at &&
        now_ms - s->cached_at < SH_PRINCIPAL_CACHE_MS) {
        memcpy(p, &s->p, principal_bytes(&s->p));
        *ses = s->ses;
        hit = 1;
    }
    pthread_mutex_unlock(&lock);
    return hit;
}

void sh_principal_cache_put(const char *token_hash, int64_t now_ms, const sh_principal *p,
                            const sh_session *ses) {
    slot *s = slot_of(token_hash);
    pthread_mutex_lock(&lock);
    memcpy(s->key, token_hash, SH_TOKEN_HASH_HEX);
    s->cached_at = now_ms;
    s->generation = generation;
    s->ses = *ses;
    memcpy(&s->p, p, principal_bytes(p));
    pthread_mutex_unlock(&lock);
}

void sh_principal_cache_forget(void) {
    pthread_mutex_lock(&lock);
    generation++;
    pthread_mutex_unlock(&lock);
}
