/* roster_cache.c — class rosters kept as their reply. See roster_cache.h. */
#include "roster/roster_cache.h"

#include "core/alloc.h"

#include <pthread.h>
#include <string.h>

#define SLOTS 512 /* about 13 MiB at 26 KiB a roster */

typedef struct slot {
    int64_t class_id, version;
    char day[11];
    char *body;
    size_t len;
} slot;

static slot slots[SLOTS];
static pthread_rwlock_t lock = PTHREAD_RWLOCK_INITIALIZER;

int sh_roster_cache_get(int64_t class_id, int64_t version, const char *day, sh_buf *out) {
    const slot *s = &slots[(uint64_t)class_id % SLOTS];
    pthread_rwlock_rdlock(&lock);
    int hit = s->body && s->class_id == class_id && s->version == version && strcmp(s->day, day) == 0;
    if (hit)
        sh_buf_append(out, s->body, s->len);
    pthread_rwlock_unlock(&lock);
    return hit;
}

void sh_roster_cache_put(int64_t class_id, int64_t version, const char *day, const char *body, size_t len) {
    char *copy = sh_malloc(len ? len : 1);
    if (!copy)
        return;
    memcpy(copy, body, len);
    slot *s = &slots[(uint64_t)class_id % SLOTS];
    pthread_rwlock_wrlock(&lock);
    char *old = s->body;
    s->class_id = class_id;
    s->version = version;
    memcpy(s->day, day, sizeof s->day);
    s->body = copy;
    s->len = len;
    pthread_rwlock_unlock(&lock);
    sh_free(old);
}
