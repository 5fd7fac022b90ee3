/* names.c — strings (student, skill and item ids) mapped to dense ids in order
 * of first appearance: an open-addressing table (FNV-1a, linear probing) over
 * copies of the strings. Used while reading responses. See kt.h. */
#include "core/alloc.h"
#include "kt/kt.h"

#include <string.h>

struct kt_names {
    char **str;    /* [count] the strings, by id */
    uint32_t *len; /* [count] their lengths */
    int32_t count, cap;
    int32_t *slots;   /* [nslots] id + 1, 0 = empty */
    uint32_t *hashes; /* [count] */
    size_t nslots;    /* power of two */
};

static uint32_t fnv(const char *s, size_t n) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

kt_names *kt_names_new(void) {
    kt_names *n = sh_calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->nslots = 64;
    n->slots = sh_calloc(n->nslots, sizeof *n->slots);
    if (!n->slots) {
        sh_free(n);
        return NULL;
    }
    return n;
}

void kt_names_free(kt_names *n) {
    if (!n)
        return;
    for (int32_t i = 0; i < n->count; i++)
        sh_free(n->str[i]);
    sh_free(n->str);
    sh_free(n->len);
    sh_free(n->hashes);
    sh_free(n->slots);
    sh_free(n);
}

static size_t probe(const kt_names *n, const char *s, size_t len, uint32_t h) {
    size_t mask = n->nslots - 1, i = h & mask;
    for (;;) {
        int32_t id = n->slots[i] - 1;
        if (id < 0 || (n->hashes[id] == h && n->len[id] == len && memcmp(n->str[id], s, len) == 0))
            return i;
        i = (i + 1) & mask;
    }
}

int32_t kt_names_find(const kt_names *n, const char *s, size_t len) {
    return n->slots[probe(n, s, len, fnv(s, len))] - 1;
}

static int grow_slots(kt_names *n) {
    size_t ns = n->nslots * 2;
    int32_t *slots = sh_calloc(ns, sizeof *slots);
    if (!slots)
        return SH_ERR;
    for (int32_t id = 0; id < n->count; id++) {
        size_t i = n->hashes[id] & (ns - 1);
        while (slots[i])
            i = (i + 1) & (ns - 1);
        slots[i] = id + 1;
    }
    sh_free(n->slots);
    n->slots = slots;
    n->nslots = ns;
    return SH_OK;
}

static int grow_ids(kt_names *n) {
    int32_t cap = n->cap ? n->cap * 2 : 64;
    char **str = sh_realloc(n->str, (size_t)cap * sizeof *str);
    if (!str)
        return SH_ERR;
    n->str = str;
    uint32_t *len = sh_realloc(n->len, (size_t)cap * sizeof *len);
    if (!len)
        return SH_ERR;
    n->len = len;
    uint32_t *hashes = sh_realloc(n->hashes, (size_t)cap * sizeof *hashes);
    if (!hashes)
        return SH_ERR;
    n->hashes = hashes;
    n->cap = cap;
    return SH_OK;
}

int32_t kt_names_intern(kt_names *n, const char *s, size_t len) {
    uint32_t h = fnv(s, len);
    size_t i = probe(n, s, len, h);
    if (n->slots[i])
        return n->slots[i] - 1;
    if (n->count == INT32_MAX - 1 || (n->count == n->cap && grow_ids(n) != SH_OK))
        return -1;
    if ((size_t)(n->count + 1) * 2 > n->nslots) { /* keep the table at most half full */
        if (grow_slots(n) != SH_OK)
            return -1;
        i = probe(n, s, len, h);
    }
    char *copy = sh_strndup(s, len);
    if (!copy)
        return -1;
    int32_t id = n->count++;
    n->str[id] = copy;
    n->len[id] = (uint32_t)len;
    n->hashes[id] = h;
    n->slots[i] = id + 1;
    return id;
}

const char *kt_names_get(const kt_names *n, int32_t id) { return id >= 0 && id < n->count ? n->str[id] : ""; }

int32_t kt_names_count(const kt_names *n) { return n ? n->count : 0; }
