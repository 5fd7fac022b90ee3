/* alloc.c — counting allocator with failure injection for tests.
 *
 * A small header in front of each block records its size so that the total in use
 * can be kept. Touches nothing but the C library. */
#include "core/alloc.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define HDR 16 /* keeps 16-byte alignment of the user pointer */

static atomic_size_t used_bytes;
static atomic_size_t alloc_count;
static atomic_size_t fail_at; /* 0 = never */
static atomic_int counting;   /* set by the first sh_alloc_fail_at: a test counts */

static int should_fail(void) {
    if (!atomic_load_explicit(&counting, memory_order_relaxed))
        return 0; /* the program: no count shared by every thread's allocations */
    size_t target = atomic_load_explicit(&fail_at, memory_order_relaxed);
    size_t n = atomic_fetch_add_explicit(&alloc_count, 1, memory_order_relaxed) + 1;
    return target != 0 && n == target;
}

void *sh_malloc(size_t size) {
    if (size > SIZE_MAX - HDR || should_fail())
        return NULL;
    unsigned char *p = malloc(size + HDR);
    if (!p)
        return NULL;
    memcpy(p, &size, sizeof size);
    atomic_fetch_add_explicit(&used_bytes, size, memory_order_relaxed);
    return p + HDR;
}

void *sh_calloc(size_t n, size_t size) {
    if (size && n > SIZE_MAX / size)
        return NULL;
    void *p = sh_malloc(n * size);
    if (p)
        memset(p, 0, n * size);
    return p;
}

void *sh_realloc(void *ptr, size_t size) {
    if (!ptr)
        return sh_malloc(size);
    if (size > SIZE_MAX - HDR || should_fail())
        return NULL;
    unsigned char *base = (unsigned char *)ptr - HDR;
    size_t old;
    memcpy(&old, base, sizeof old);
    unsigned char *p = realloc(base, size + HDR);
    if (!p)
        return NULL;
    memcpy(p, &size, sizeof size);
    atomic_fetch_sub_explicit(&used_bytes, old, memory_order_relaxed);
    atomic_fetch_add_explicit(&used_bytes, size, memory_order_relaxed);
    return p + HDR;
}

void sh_free(void *ptr) {
    if (!ptr)
        return;
    unsigned char *base = (unsigned char *)ptr - HDR;
    size_t old;
    memcpy(&old, base, sizeof old);
    atomic_fetch_sub_explicit(&used_bytes, old, memory_order_relaxed);
    free(base);
}

char *sh_strndup(const char *s, size_t n) {
    char *p = sh_malloc(n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *sh_strdup(const char *s) { return sh_strndup(s, strlen(s)); }

size_t sh_alloc_used(void) { return atomic_load(&used_bytes); }

size_t sh_alloc_fail_at(size_t n) {
    atomic_store(&counting, 1);
    size_t made = atomic_exchange(&alloc_count, 0);
    atomic_store(&fail_at, n);
    return made;
}
