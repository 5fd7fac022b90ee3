/* pool.h — per-request memory pool (arena) with cleanups.
 *
 * Every byte a request needs comes from its pool and is released by one
 * sh_pool_destroy. Things that are not memory (a statement, a file, a jansson value)
 * register a cleanup that runs, last registered first, when the pool is destroyed.
 * Allocation functions return NULL when memory runs out; nothing is freed singly. */
#ifndef SH_POOL_H
#define SH_POOL_H

#include "core/buf.h"

#include <stdarg.h>
#include <stddef.h>

typedef struct sh_pool sh_pool;
typedef void (*sh_cleanup_fn)(void *arg);

sh_pool *sh_pool_create(void);
void sh_pool_destroy(sh_pool *p);

void *sh_palloc(sh_pool *p, size_t n); /* 16-byte aligned */
void *sh_pcalloc(sh_pool *p, size_t n);
char *sh_pstrdup(sh_pool *p, const char *s);
char *sh_pstrndup(sh_pool *p, const char *s, size_t n);
char *sh_psprintf(sh_pool *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Register fn(arg) to run at destroy. SH_OK or SH_ERR (out of memory: fn is then
 * called at once, so the caller never leaks). */
int sh_pool_cleanup(sh_pool *p, sh_cleanup_fn fn, void *arg);

/* A buffer whose memory is released with the pool. NULL when out of memory. */
sh_buf *sh_pool_buf(sh_pool *p, size_t max);

/* Bytes handed out by this pool so far. */
size_t sh_pool_used(const sh_pool *p);

#endif
