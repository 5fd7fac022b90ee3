/* commit.c — group commit of statement writes. Request threads validate and
 * check scope on their own, then hand their batch to one committer thread and
 * wait. The committer takes every batch waiting, writes each inside a
 * savepoint of one transaction (a batch that fails — a conflicting id — rolls
 * back alone and gets its own error), commits once and wakes the requests:
 * one fsync for many requests, and nothing is acknowledged before the commit.
 *
 * The queue is bounded in statements (X_QUEUE_MAX, or SHUSHU_XAPI_QUEUE_MAX in
 * the environment): a batch that does not fit while others wait is answered
 * 503 with Retry-After instead of growing memory. The thread starts with the
 * first batch and stops in the module's stop hook; a batch submitted while it
 * stops is written by its own request. */
#include "xapi/x_impl.h"

#include "core/clock.h"
#include "core/log.h"

#include <pthread.h>
#include <stdlib.h>

#define X_QUEUE_MAX 20000
#define BATCH_DEADLINE_MS 30000

typedef struct x_job {
    sh_req *req;
    json_t *arr;
    const x_part *parts;
    int nparts;
    const int64_t *orgs;
    size_t n;
    int done, rc;
    struct x_job *next;
} x_job;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work = PTHREAD_COND_INITIALIZER, finished = PTHREAD_COND_INITIALIZER;
static x_job *head, *tail;
static size_t queued;
static int started, stopping;
static pthread_t thread;
static sh_db *db;

static size_t queue_max(void) {
    const char *v = getenv("SHUSHU_XAPI_QUEUE_MAX");
    long n = v ? strtol(v, NULL, 10) : 0;
    return n > 0 ? (size_t)n : X_QUEUE_MAX;
}

/* Write the jobs in one transaction, a savepoint each. */
static void write_group(sh_conn *c, x_job *jobs) {
    sh_err err;
    sh_err_init(&err);
    sh_conn_deadline(c, BATCH_DEADLINE_MS);
    int began = sh_begin_write(c, &err) == SH_OK;
    int64_t now = sh_now_ms();
    for (x_job *j = jobs; j; j = j->next) {
        if (!began) {
            j->rc = sh_err_set(&j->req->err, 503, "store_busy", NULL, "存储暂不可用，请稍后重试");
            continue;
        }
        if (sh_exec(c, "SAVEPOINT xapi_batch", &j->req->err) != SH_OK) {
            j->rc = SH_ERR;
            continue;
        }
        j->rc = x_write_statements(j->req, c, j->arr, j->parts, j->nparts, j->orgs, now);
        if (j->rc != SH_OK)
            sh_exec(c, "ROLLBACK TO xapi_batch", NULL);
        sh_exec(c, "RELEASE xapi_batch", NULL);
    }
    if (began && sh_commit(c, &err) != SH_OK) {
        sh_rollback(c);
        sh_log(SH_LOG_ERROR, "xapi_commit_failed", "%s", err.first.message);
        for (x_job *j = jobs; j; j = j->next)
            if (j->rc == SH_OK)
                j->rc = sh_err_set(&j->req->err, 503, "store_busy", NULL, "存储暂不可用，请稍后重试");
    }
    sh_err_clear(&err);
}

static void *committer(void *arg) {
    (void)arg;
    sh_err err;
    sh_err_init(&err);
    sh_conn *c = sh_db_acquire(db, &err);
    pthread_mutex_lock(&mu);
    for (;;) {
        while (!head && !stopping)
            pthread_cond_wait(&work, &mu);
        if (!head)
            break;
        x_job *jobs = head;
        head = tail = NULL;
        for (x_job *j = jobs; j; j = j->next)
            queued -= j->n;
        pthread_mutex_unlock(&mu);
        if (c) {
            write_group(c, jobs);
        } else {
            for (x_job *j = jobs; j; j = j->next)
                j->rc = sh_err_set(&j->req->err, 503, "store_busy", NULL, "存储暂不可用，请稍后重试");
        }
        pthread_mutex_lock(&mu);
        for (x_job *j = jobs; j; j = j->next)
            j->done = 1;
        pthread_cond_broadcast(&finished);
    }
    pthread_mutex_unlock(&mu);
    if (c)
        sh_db_release(c);
    sh_err_clear(&err);
    return NULL;
}

/* The request writes its own batch in a transaction of its own. */
static int write_alone(sh_req *req, json_t *arr, const x_part *parts, int nparts, const int64_t *orgs) {
    sh_conn *c = sh_req_conn(req);
    if (!c || sh_begin_write(c, &req->err) != SH_OK)
        return SH_ERR;
    if (x_write_statements(req, c, arr, parts, nparts, orgs, sh_now_ms()) != SH_OK ||
        sh_commit(c, &req->err) != SH_OK) {
        sh_rollback(c);
        return SH_ERR;
    }
    return SH_OK;
}

int x_commit_submit(sh_req *req, json_t *arr, const x_part *parts, int nparts, const int64_t *orgs) {
    x_job job = {
        .req = req, .arr = arr, .parts = parts, .nparts = nparts, .orgs = orgs, .n = json_array_size(arr)};
    pthread_mutex_lock(&mu);
    if (stopping) {
        pthread_mutex_unlock(&mu);
        return write_alone(req, arr, parts, nparts, orgs);
    }
    if (!started) {
        db = req->app->db;
        if (pthread_create(&thread, NULL, committer, NULL) != 0) {
            pthread_mutex_unlock(&mu);
            return write_alone(req, arr, parts, nparts, orgs);
        }
        started = 1;
    }
    if (queued && queued + job.n > queue_max()) {
        pthread_mutex_unlock(&mu);
        sh_reply_header(req, "Retry-After", "1");
        return sh_err_set(&req->err, 503, "queue_full", NULL, "学习记录写入繁忙，请稍后重试");
    }
    queued += job.n;
    if (tail)
        tail->next = &job;
    else
        head = &job;
    tail = &job;
    pthread_cond_signal(&work);
    while (!job.done)
        pthread_cond_wait(&finished, &mu);
    pthread_mutex_unlock(&mu);
    return job.rc;
}

void x_commit_stop(void) {
    pthread_mutex_lock(&mu);
    stopping = 1;
    int was = started;
    pthread_cond_broadcast(&work);
    pthread_mutex_unlock(&mu);
    if (was)
        pthread_join(thread, NULL);
    /* stopping stays set: later batches (none once the server has stopped) write alone */
}
