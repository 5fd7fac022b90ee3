/* pool.c — arena allocator with cleanup list. See pool.h. */
#include "core/pool.h"

#include "core/alloc.h"
#include "core/err.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define CHUNK 4096
#define ALIGN 16

typedef struct chunk {
    struct chunk *next;
    size_t used, size;
    _Alignas(ALIGN) unsigned char data[];
} chunk;

typedef struct cleanup {
    struct cleanup *next;
    sh_cleanup_fn fn;
    void *arg;
} cleanup;

struct sh_pool {
    chunk *head;
    cleanup *cleanups;
    size_t total;
};

sh_pool *sh_pool_create(void) { return sh_calloc(1, sizeof(sh_pool)); }

void sh_pool_destroy(sh_pool *p) {
    if (!p)
        return;
    for (cleanup *c = p->cleanups; c; c = c->next)
        c->fn(c->arg);
    chunk *ch = p->head;
    while (ch) {
        chunk *next = ch->next;
        sh_free(ch);
        ch = next;
    }
    sh_free(p);
}

void *sh_palloc(sh_pool *p, size_t n) {
    if (n > SIZE_MAX / 2)
        return NULL;
    n = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    if (n == 0)
        n = ALIGN;
    chunk *ch = p->head;
    if (!ch || ch->size - ch->used < n) {
        size_t size = n > CHUNK / 2 ? n : CHUNK;
        chunk *nc = sh_malloc(sizeof(chunk) + size);
        if (!nc)
            return NULL;
        nc->used = 0;
        nc->size = size;
        if (n > CHUNK / 2 && ch) {
            /* big block: keep the current chunk as head for small ones */
            nc->next = ch->next;
            ch->next = nc;
        } else {
            nc->next = ch;
            p->head = nc;
        }
        ch = nc;
    }
    void *r = ch->data + ch->used;
    ch->used += n;
    p->total += n;
    return r;
}

void *sh_pcalloc(sh_pool *p, size_t n) {
    void *r = sh_palloc(p, n);
    if (r)
        memset(r, 0, n);
    return r;
}

char *sh_pstrndup(sh_pool *p, const char *s, size_t n) {
    char *r = sh_palloc(p, n + 1);
    if (!r)
        return NULL;
    memcpy(r, s, n);
    r[n] = '\0';
    return r;
}

char *sh_pstrdup(sh_pool *p, const char *s) { return s ? sh_pstrndup(p, s, strlen(s)) : NULL; }

char *sh_psprintf(sh_pool *p, const char *fmt, ...) {
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *r = n < 0 ? NULL : sh_palloc(p, (size_t)n + 1);
    if (r)
        vsnprintf(r, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return r;
}

int sh_pool_cleanup(sh_pool *p, sh_cleanup_fn fn, void *arg) {
    cleanup *c = sh_palloc(p, sizeof *c);
    if (!c) {
        fn(arg);
        return SH_ERR;
    }
    c->fn = fn;
    c->arg = arg;
    c->next = p->cleanups;
    p->cleanups = c;
    return SH_OK;
}

static void buf_cleanup(void *arg) { sh_buf_free(arg); }

sh_buf *sh_pool_buf(sh_pool *p, size_t max) {
    sh_buf *b = sh_palloc(p, sizeof *b);
    if (!b)
        return NULL;
    sh_buf_init(b, max);
    if (sh_pool_cleanup(p, buf_cleanup, b) != SH_OK)
        return NULL;
    return b;
}

size_t sh_pool_used(const sh_pool *p) { return p->total; }
