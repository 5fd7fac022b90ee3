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
    const x_rows *rows; /* prepared by the request's thread; NULL for an owned job until written */
    const x_part *parts;
    int nparts;
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
    json_t *arr;
    int64_t org;
    sh_pool *pool; /* its prepared rows, made by the committer */
    x_rows rows;
} owned;

/* A recorded statement: prepared as the platform client on first try, at its
 * node unless the person's org is known. */
static int prepare_owned(sh_conn *c, x_job *j) {
    owned *o = (owned *)j;
    if (j->rows && o->x.client.id == platform.id && platform.id)
        return SH_OK;
    if (!platform.id && x_platform_client(c, &platform, j->err) != SH_OK)
        return SH_ERR;
    o->x.client = platform;
    if (!o->org)
        o->org = platform.org_id;
    if (!o->pool && !(o->pool = sh_pool_create()))
        return sh_err_set(j->err, 500, "out_of_memory", NULL, "内存不足");
    if (x_prepare_rows(&o->x, o->pool, o->arr, &o->org, &o->rows, j->err) != SH_OK)
        return SH_ERR;
    j->rows = &o->rows;
    return SH_OK;
}

static void free_owned(x_job *j) {
    owned *o = (owned *)j;
    if (j->rc != SH_OK)
        sh_log(SH_LOG_WARN, "xapi_record_failed", "%s", j->err->first.message);
    json_decref(o->arr);
    sh_pool_destroy(o->pool);
    sh_err_clear(j->err);
    sh_free(o);
}

#define JOB_PENDING 1 /* rc of a job not written yet in this try */
#define JOB_PARTIAL 2 /* write_job: failed after writing part of it */

/* Write one job. A batch of several statements gets a savepoint, so that one
 * whose statement is refused rolls back alone; a single statement is refused
 * before it writes anything, but for a store error. SH_OK, SH_ERR (nothing of
 * the job left written), or JOB_PARTIAL when it failed after writing: the caller
 * rolls the group back and tries again without it. */
static int write_job(sh_conn *c, x_job *j, int64_t now) {
    int batch = j->n > 1, wrote = 0;
    if (!j->req && prepare_owned(c, j) != SH_OK)
        return SH_ERR;
    if (batch && sh_exec(c, "SAVEPOINT xapi_batch", j->err) != SH_OK)
        return JOB_PARTIAL;
    int rc = x_write_rows(j->x, j->err, c, j->rows, j->parts, j->nparts, now, &wrote);
    if (batch) {
        if (rc != SH_OK)
            sh_exec(c, "ROLLBACK TO xapi_batch", NULL);
        sh_exec(c, "RELEASE xapi_batch", NULL);
        return rc;
    }
    return rc != SH_OK && wrote ? JOB_PARTIAL : rc;
}

/* Write the jobs in one transaction and commit once. */
static void write_group(sh_conn *c, x_job *jobs) {
    sh_err err;
    sh_err_init(&err);
    for (x_job *j = jobs; j; j = j->next)
        j->rc = JOB_PENDING;
    for (int again = 1; again;) {
        again = 0;
        sh_conn_deadline(c, BATCH_DEADLINE_MS);
        int began = sh_begin_write(c, &err) == SH_OK;
        int64_t now = sh_now_ms();
        for (x_job *j = jobs; j && !again; j = j->next) {
            if (j->rc != JOB_PENDING)
                continue;
            if (!began) {
                j->rc = sh_err_set(j->err, 503, "store_busy", NULL, "存储暂不可用，请稍后重试");
                continue;
            }
            j->rc = write_job(c, j, now);
            if (j->rc == JOB_PARTIAL) { /* written in part: undo the group, try again without it */
                j->rc = SH_ERR;
                sh_rollback(c);
                platform.id = 0; /* it may have been created in what was rolled back */
                for (x_job *k = jobs; k; k = k->next)
                    if (k->rc == SH_OK)
                        k->rc = JOB_PENDING;
                again = 1;
            }
        }
        if (!again && began && sh_commit(c, &err) != SH_OK) {
            sh_rollback(c);
            platform.id = 0;
            sh_log(SH_LOG_ERROR, "xapi_commit_failed", "%s", err.first.message);
            for (x_job *j = jobs; j; j = j->next)
                if (j->rc == SH_OK)
                    j->rc = sh_err_set(j->err, 503, "store_busy", NULL, "存储暂不可用，请稍后重试");
        }
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
static int write_alone(sh_req *req, const x_rows *rows, const x_part *parts, int nparts) {
    sh_conn *c = sh_req_conn(req);
    int wrote;
    if (!c || sh_begin_write(c, &req->err) != SH_OK)
        return SH_ERR;
    if (x_write_rows(x_ctx_of(req), &req->err, c, rows, parts, nparts, sh_now_ms(), &wrote) != SH_OK ||
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
    o->arr = arr;
    o->job = (x_job){.x = &o->x, .err = &o->err, .n = json_array_size(arr)};
    pthread_mutex_lock(&mu);
    int ok = ensure_started(with) == SH_OK && queued + o->job.n <= queue_max();
    if (ok)
        append(&o->job);
    pthread_mutex_unlock(&mu);
    if (!ok)
        sh_free(o); /* the caller still owns arr */
    return ok ? SH_OK : SH_ERR;
}

int x_commit_submit(sh_req *req, const x_rows *rows, const x_part *parts, int nparts,
                    int (*then)(sh_req *req)) {
    x_job local = {0}, *job = then ? sh_pcalloc(req->pool, sizeof *job) : &local;
    if (!job)
        return sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
    *job = (x_job){.req = req,
                   .x = x_ctx_of(req),
                   .err = &req->err,
                   .rows = rows,
                   .parts = parts,
                   .nparts = nparts,
                   .n = rows->n,
                   .deferred = then != NULL};
    pthread_mutex_lock(&mu);
    if (ensure_started(req->app->db) != SH_OK) {
        pthread_mutex_unlock(&mu);
        return write_alone(req, rows, parts, nparts);
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
