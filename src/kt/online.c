/* online.c — online knowledge tracing: one P(known) per (student, skill) in an
 * open-addressing table (64-bit key, multiplicative hash, linear probing, at
 * most half full), and the O(1) update per answer: predict, condition on the
 * answer, one transition. See kt.h. */
#include "core/alloc.h"
#include "kt/kt.h"

#include <string.h>

typedef struct slot {
    uint64_t key; /* (student << 32 | skill) + 1; 0 = empty */
    double known;
} slot;

struct kt_tracker {
    slot *slots;
    size_t mask, count;
    int shift;
};

static uint64_t key_of(uint32_t student, uint32_t skill) { return ((uint64_t)student << 32 | skill) + 1; }

static size_t home(const kt_tracker *t, uint64_t key) {
    return (size_t)((key * 0x9E3779B97F4A7C15ull) >> t->shift) & t->mask;
}

kt_tracker *kt_tracker_new(size_t expected) {
    kt_tracker *t = sh_calloc(1, sizeof *t);
    if (!t)
        return NULL;
    size_t cap = 64;
    int bits = 6;
    while (cap < expected * 2 && bits < 60) {
        cap *= 2;
        bits++;
    }
    t->slots = sh_calloc(cap, sizeof *t->slots);
    if (!t->slots) {
        sh_free(t);
        return NULL;
    }
    t->mask = cap - 1;
    t->shift = 64 - bits;
    return t;
}

void kt_tracker_free(kt_tracker *t) {
    if (!t)
        return;
    sh_free(t->slots);
    sh_free(t);
}

size_t kt_tracker_count(const kt_tracker *t) { return t ? t->count : 0; }

static slot *find(const kt_tracker *t, uint64_t key) {
    size_t i = home(t, key);
    while (t->slots[i].key && t->slots[i].key != key)
        i = (i + 1) & t->mask;
    return &t->slots[i];
}

static int grow(kt_tracker *t) {
    size_t cap = (t->mask + 1) * 2;
    slot *old = t->slots, *slots = sh_calloc(cap, sizeof *slots);
    if (!slots)
        return SH_ERR;
    size_t oldcap = t->mask + 1;
    t->slots = slots;
    t->mask = cap - 1;
    t->shift--;
    for (size_t i = 0; i < oldcap; i++)
        if (old[i].key)
            *find(t, old[i].key) = old[i];
    sh_free(old);
    return SH_OK;
}

/* The slot of key, added (with known = prior) when absent; NULL when out of memory. */
static slot *get(kt_tracker *t, uint64_t key, double prior) {
    slot *s = find(t, key);
    if (s->key)
        return s;
    if ((t->count + 1) * 2 > t->mask + 1) {
        if (grow(t) != SH_OK)
            return NULL;
        s = find(t, key);
    }
    s->key = key;
    s->known = prior;
    t->count++;
    return s;
}

double kt_tracker_mastery(const kt_tracker *t, uint32_t student, uint32_t skill, double prior) {
    const slot *s = find(t, key_of(student, skill));
    return s->key ? s->known : prior;
}

int kt_tracker_set(kt_tracker *t, uint32_t student, uint32_t skill, double p_known) {
    slot *s = get(t, key_of(student, skill), p_known);
    if (!s)
        return SH_ERR;
    s->known = p_known;
    return SH_OK;
}

int kt_tracker_update(kt_tracker *t, uint32_t student, uint32_t skill, const kt_bkt *p, double g, double s,
                      int correct, double *predicted) {
    slot *st = get(t, key_of(student, skill), p->prior);
    if (!st)
        return SH_ERR;
    if (predicted)
        *predicted = st->known * (1 - s) + (1 - st->known) * g;
    st->known = kt_bkt_step(st->known, p->learn, p->forget, g, s, correct);
    return SH_OK;
}
