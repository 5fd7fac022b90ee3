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
 * stops is written by its own request.
 *
 * A request does not wait in its worker thread: it is deferred (http.h,
 * sh_req_defer) and the committer resumes it after the commit, so one fsync
 * serves as many requests as there are connections, not worker threads.
 *
 * Statements the platform records itself (record.c) join the same queue without
 * a waiting request: the committer owns them, writes them as the platform
 * client and frees them; a failure is logged, and one that does not fit is
 * dropped by the caller (a sign-in never waits for the LRS). */
#include "xapi/x_impl.h"

#include "core/alloc.h"
#include "core/clock.h"
#include "core/log.h"

#include <pthread.h>
#include <stdlib.h>

#define X_QUEUE_MAX 20000
#define BATCH_DEADLINE_MS 30000

typedef struct x_job {
    sh_req *req; /* NULL for a statement the platform records: owned, nobody waits */
    const x_ctx *x;
    sh_err *err;
    json_t *arr;
    const x_part *parts;
    int nparts;
    const int64_t *orgs;
    size_t n;
    int done, rc;
    int deferred; /* the request is suspended: resume it instead of waking a waiting thread */
    struct x_job *next;
} x_job;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work = PTHREAD_COND_INITIALIZER, finished = PTHREAD_COND_INITIALIZER;
static x_job *head, *tail;
static size_t queued;
static int started, stopping;
static x_client platform; /* committer thread only */
static pthread_t thread;
static sh_db *db;

static size_t queue_max(void) {
    const char *v = getenv("SHUSHU_XAPI_QUEUE_MAX");
    long n = v ? strtol(v, NULL, 10) : 0;
    return n > 0 ? (size_t)n : X_QUEUE_MAX;
}

/* A statement the platform records, with everything the committer needs. */
typedef struct owned {
    x_job job; /* first: the job is the allocation */
    x_ctx x;
    sh_err err;
    int64_t org;
} owned;

/* A recorded statement: written as the platform client, at its node unless the
 * person's org is known. */
static int write_owned(sh_conn *c, x_job *j, int64_t now) {
    owned *o = (owned *)j;
    if (!platform.id && x_platform_client(c, &platform, j->err) != SH_OK)
        return SH_ERR;
    o->x.client = platform;
    if (!o->org)
        o->org = platform.org_id;
    return x_write_statements(&o->x, j->err, c, j->arr, NULL, 0, j->orgs, now);
}

static void free_owned(x_job *j) {
    if (j->rc != SH_OK)
        sh_log(SH_LOG_WARN, "xapi_record_failed", "%s", j->err->first.message);
    json_decref(j->arr);
    sh_err_clear(j->err);
    sh_free(j); /* the owned block it begins */
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
            j->rc = sh_err_set(j->err, 503, "store_busy", NULL, "存储暂不可用，请稍后重试");
            continue;
        }
        if (sh_exec(c, "SAVEPOINT xapi_batch", j->err) != SH_OK) {
            j->rc = SH_ERR;
            continue;
        }
        j->rc = j->req ? x_write_statements(j->x, j->err, c, j->arr, j->parts, j->nparts, j->orgs, now)
                       : write_owned(c, j, now);
        if (j->rc != SH_OK)
            sh_exec(c, "ROLLBACK TO xapi_batch", NULL);
        sh_exec(c, "RELEASE xapi_batch", NULL);
    }
    if (began && sh_commit(c, &err) != SH_OK) {
        sh_rollback(c);
        sh_log(SH_LOG_ERROR, "xapi_commit_failed", "%s", err.first.message);
        for (x_job *j = jobs; j; j = j->next)
            if (j->rc == SH_OK)
                j->rc = sh_err_set(j->err, 503, "store_busy", NULL, "存储暂不可用，请稍后重试");
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
                j->rc = sh_err_set(j->err, 503, "store_busy", NULL, "存储暂不可用，请稍后重试");
        }
        pthread_mutex_lock(&mu);
        for (x_job *j = jobs, *next; j; j = next) {
            next = j->next; /* an owned job is freed here, a request's wakes its thread */
            if (!j->req)
                free_owned(j);
            else if (j->deferred)
                sh_req_resume(j->req); /* the job lives in the request's pool: not touched after this */
            else
                j->done = 1;
        }
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
    if (x_write_statements(x_ctx_of(req), &req->err, c, arr, parts, nparts, orgs, sh_now_ms()) != SH_OK ||
        sh_commit(c, &req->err) != SH_OK) {
        sh_rollback(c);
        return SH_ERR;
    }
    return SH_OK;
}

/* Start the committer on first use; called with mu held. SH_OK when running. */
static int ensure_started(sh_db *with) {
    if (stopping)
        return SH_ERR;
    if (!started) {
        db = with;
        if (pthread_create(&thread, NULL, committer, NULL) != 0)
            return SH_ERR;
        started = 1;
    }
    return SH_OK;
}

static void append(x_job *job) {
    queued += job->n;
    if (tail)
        tail->next = job;
    else
        head = job;
    tail = job;
    pthread_cond_signal(&work);
}

int x_commit_enqueue(sh_db *with, const x_ctx *x, json_t *arr, int64_t org) {
    owned *o = sh_calloc(1, sizeof *o);
    if (!o)
        return SH_ERR;
    o->x = *x;
    o->org = org;
    sh_err_init(&o->err);
    o->job = (x_job){.x = &o->x, .err = &o->err, .arr = arr, .orgs = &o->org, .n = json_array_size(arr)};
    pthread_mutex_lock(&mu);
    int ok = ensure_started(with) == SH_OK && queued + o->job.n <= queue_max();
    if (ok)
        append(&o->job);
    pthread_mutex_unlock(&mu);
    if (!ok)
        sh_free(o); /* the caller still owns arr */
    return ok ? SH_OK : SH_ERR;
}

int x_commit_submit(sh_req *req, json_t *arr, const x_part *parts, int nparts, const int64_t *orgs,
                    int (*then)(sh_req *req)) {
    x_job local = {0}, *job = then ? sh_pcalloc(req->pool, sizeof *job) : &local;
    if (!job)
        return sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
    *job = (x_job){.req = req,
                   .x = x_ctx_of(req),
                   .err = &req->err,
                   .arr = arr,
                   .parts = parts,
                   .nparts = nparts,
                   .orgs = orgs,
                   .n = json_array_size(arr),
                   .deferred = then != NULL};
    pthread_mutex_lock(&mu);
    if (ensure_started(req->app->db) != SH_OK) {
        pthread_mutex_unlock(&mu);
        return write_alone(req, arr, parts, nparts, orgs);
    }
    if (queued && queued + job->n > queue_max()) {
        pthread_mutex_unlock(&mu);
        sh_reply_header(req, "Retry-After", "1");
        return sh_err_set(&req->err, 503, "queue_full", NULL, "学习记录写入繁忙，请稍后重试");
    }
    if (then) { /* the worker thread goes on; the committer resumes the request */
        x_ctx_of(req)->job = job;
        sh_req_defer(req, then);
        append(job);
        pthread_mutex_unlock(&mu);
        return X_DEFERRED;
    }
    append(job);
    while (!job->done)
        pthread_cond_wait(&finished, &mu);
    pthread_mutex_unlock(&mu);
    return job->rc;
}

int x_commit_result(sh_req *req) {
    const x_ctx *x = x_ctx_of(req);
    return x && x->job ? ((const x_job *)x->job)->rc : SH_ERR;
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
