/* kept.c — replies kept in memory while their data is unchanged. See kept.h. */
#include "http/kept.h"

#include "core/alloc.h"

#include <pthread.h>
#include <string.h>

#define SLOTS 1024 /* at most a few tens of MiB: rosters are about 26 KiB */

typedef struct slot {
    char *key; /* one allocation: key, then body */
    char *body;
    size_t len;
    uint64_t generation;
    char etag[SH_ETAG_SIZE];
} slot;

static slot slots[SLOTS];
static pthread_rwlock_t lock = PTHREAD_RWLOCK_INITIALIZER; /* readers never wait for each other */

static slot *slot_of(const char *key) {
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (const char *k = key; *k; k++)
        h = (h ^ (unsigned char)*k) * 1099511628211ull;
    return &slots[h % SLOTS];
}

int sh_kept_reply(sh_req *req, const char *key, uint64_t generation) {
    if (!key)
        return 0;
    const slot *s = slot_of(key);
    sh_buf *out = sh_reply_json_begin(req, 200);
    pthread_rwlock_rdlock(&lock);
    int hit = s->body && s->generation == generation && strcmp(s->key, key) == 0;
    if (hit) {
        sh_buf_append(out, s->body, s->len);
        memcpy(req->etag, s->etag, sizeof req->etag);
    }
    pthread_rwlock_unlock(&lock);
    if (hit && sh_buf_ok(out) != SH_OK)
        return sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
    return hit;
}

void sh_kept_keep(sh_req *req, const char *key, uint64_t generation) {
    size_t len = req->out.len;
    if (!key || req->status != 200 || len > SH_KEPT_MAX_BYTES || sh_buf_ok(&req->out) != SH_OK)
        return;
    size_t klen = strlen(key) + 1;
    char *copy = sh_malloc(klen + (len ? len : 1));
    if (!copy)
        return;
    memcpy(copy, key, klen);
    memcpy(copy + klen, req->out.data, len);
    char etag[SH_ETAG_SIZE];
    sh_body_etag(copy + klen, len, etag);
    slot *s = slot_of(key);
    pthread_rwlock_wrlock(&lock);
    char *old = s->key;
    s->key = copy;
    s->body = copy + klen;
    s->len = len;
    s->generation = generation;
    memcpy(s->etag, etag, sizeof etag);
    pthread_rwlock_unlock(&lock);
    sh_free(old);
}
