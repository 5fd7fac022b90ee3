/* alloc.h — the single allocation wrapper of Shushu.
 *
 * Every heap allocation in the program goes through these functions (jansson's
 * allocator is routed here too), so memory is counted in one place and tests can
 * make the Nth allocation fail to exercise every error path.
 *
 * Convention: sh_malloc/sh_calloc/sh_realloc return NULL on failure (they never
 * abort); callers must handle NULL. sh_xstrdup returns NULL on failure too. */
#ifndef SH_ALLOC_H
#define SH_ALLOC_H

#include <stddef.h>

void *sh_malloc(size_t size);
void *sh_calloc(size_t n, size_t size);
void *sh_realloc(void *ptr, size_t size);
void sh_free(void *ptr);
char *sh_strdup(const char *s);
char *sh_strndup(const char *s, size_t n);

/* Bytes currently allocated through this wrapper (approximate: includes headers). */
size_t sh_alloc_used(void);

/* Test hook: make allocation number n (1-based, counted from this call) fail.
 * n == 0 disables injection. Returns the number of allocations made since the
 * last call, so a torture loop can learn how many allocations an operation does. */
size_t sh_alloc_fail_at(size_t n);

#endif
