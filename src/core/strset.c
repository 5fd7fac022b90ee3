/* strset.c — open-addressing string set with FNV-1a hashing. See strset.h. */
#include "core/strset.h"

#include "core/alloc.h"
#include "core/err.h"

#include <stdint.h>
#include <string.h>

typedef struct slot {
    char *key;
    size_t len;
    uint64_t hash;
} slot;

struct sh_strset {
    slot *slots;
    size_t cap, n;
};

static uint64_t fnv(const char *k, size_t n) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)k[i];
        h *= 1099511628211ull;
    }
    return h;
}

sh_strset *sh_strset_new(size_t expected) {
    sh_strset *s = sh_calloc(1, sizeof *s);
    if (!s)
        return NULL;
    size_t cap = 16;
    while (cap < expected * 2)
        cap *= 2;
    s->slots = sh_calloc(cap, sizeof(slot));
    if (!s->slots) {
        sh_free(s);
        return NULL;
    }
    s->cap = cap;
    return s;
}

void sh_strset_free(sh_strset *s) {
    if (!s)
        return;
    for (size_t i = 0; i < s->cap; i++)
        sh_free(s->slots[i].key);
    sh_free(s->slots);
    sh_free(s);
}

static slot *find(slot *slots, size_t cap, const char *k, size_t n, uint64_t h) {
    size_t i = (size_t)h & (cap - 1);
    while (slots[i].key && !(slots[i].hash == h && slots[i].len == n && memcmp(slots[i].key, k, n) == 0))
        i = (i + 1) & (cap - 1);
    return &slots[i];
}

static int grow(sh_strset *s) {
    size_t cap = s->cap * 2;
    slot *ns = sh_calloc(cap, sizeof(slot));
    if (!ns)
        return SH_ERR;
    for (size_t i = 0; i < s->cap; i++)
        if (s->slots[i].key)
            *find(ns, cap, s->slots[i].key, s->slots[i].len, s->slots[i].hash) = s->slots[i];
    sh_free(s->slots);
    s->slots = ns;
    s->cap = cap;
    return SH_OK;
}

int sh_strset_add(sh_strset *s, const char *key, size_t len) {
    if ((s->n + 1) * 2 > s->cap && grow(s) != SH_OK)
        return SH_ERR;
    uint64_t h = fnv(key, len);
    slot *sl = find(s->slots, s->cap, key, len, h);
    if (sl->key)
        return SH_OK;
    sl->key = sh_strndup(key, len);
    if (!sl->key)
        return SH_ERR;
    sl->len = len;
    sl->hash = h;
    s->n++;
    return SH_OK;
}

int sh_strset_has(const sh_strset *s, const char *key, size_t len) {
    if (!s)
        return 0;
    return find(s->slots, s->cap, key, len, fnv(key, len))->key != NULL;
}

size_t sh_strset_count(const sh_strset *s) { return s ? s->n : 0; }
