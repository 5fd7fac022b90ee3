/* runner.c — imports run in the background (POST /api/v1/imports/{kind}?async=true).
 *
 * One runner thread per server process takes jobs from a short queue, one at a
 * time (writes to one store are one at a time anyway). A job carries a copy of
 * the upload and of the caller as authenticated, and runs as a request of its
 * own: its pool, its store connection, the caller's reach checked row by row and
 * the audit entry in the caller's name — exactly what the synchronous upload
 * does. How far it has read is kept here, in memory, for
 * GET /api/v1/imports/{id}; the outcome goes to the job's record. A full queue
 * answers 503 with Retry-After rather than holding more uploads in memory.
 * Stopping interrupts the running job through its connection's deadline (its
 * transaction rolls back) and drops the queued ones; both are then marked
 * interrupted by the next start. */
#include "import/jobs.h"

#include "core/alloc.h"
#include "core/log.h"
#include "core/pool.h"
#include "core/uid.h"
#include "identity/access.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define QUEUE_MAX 2 /* waiting jobs (each holds its upload, up to max_upload_bytes) */
#define RECENT 16   /* jobs whose progress is remembered */
#define JOB_DEADLINE_MS (2 * 60 * 60 * 1000)

typedef struct job {
    char uid[SH_UID_LEN + 1];
    const sh_import_kind *kind;
    const char *template_name; /* a template's own (static) name, or NULL */
    int dry_run;
    sh_table_format fmt;
    unsigned char *data;
    size_t len;
    sh_app *app;
    sh_principal principal;
    char ip[64];
    char path[128];
    struct job *next;
} job;

typedef struct progress {
    long rows;
    int percent;
    char uid[SH_UID_LEN + 1];
} progress;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static pthread_t thread;
static int started, stopping, queued;
static job *head, *tail;
static progress recent[RECENT];
static int next_recent;
static sh_conn *running_conn; /* the running job's connection, for stop */

static progress *progress_slot(const char *uid) {
    for (int i = 0; i < RECENT; i++)
        if (strcmp(recent[i].uid, uid) == 0)
            return &recent[i];
    return NULL;
}

/* What the engine's callbacks get: the job's request and uid. */
typedef struct run_ctx {
    sh_req *req;
    const char *uid;
} run_ctx;

static void on_progress(void *ctx, long rows, size_t done, size_t total) {
    const run_ctx *x = ctx;
    pthread_mutex_lock(&lock);
    progress *p = progress_slot(x->uid);
    if (p) {
        p->rows = rows;
        p->percent = total ? (int)(done * 100 / total) : -1;
    }
    pthread_mutex_unlock(&lock);
}

static int may_write(void *ctx, int64_t school, sh_err *err) {
    (void)err;
    return sh_can_at(((const run_ctx *)ctx)->req, "roster.write", school);
}

/* Import job j as a request of its own; its outcome goes to its record. */
static void run(job *j) {
    sh_req rq = {.pool = sh_pool_create(), .app = j->app, .method = SH_POST, .method_name = "POST"};
    if (!rq.pool)
        return;
    rq.path = j->path;
    rq.client_ip = j->ip;
    rq.principal = &j->principal;
    sh_err_init(&rq.err);
    sh_conn *c = sh_req_conn(&rq);
    if (c) /* before stop can see the connection: its deadline must not be overwritten */
        sh_conn_deadline(c, JOB_DEADLINE_MS);
    pthread_mutex_lock(&lock);
    int go = c && !stopping;
    running_conn = go ? c : NULL;
    pthread_mutex_unlock(&lock);
    if (go)
        go = sh_import_job_running(&rq, j->uid) == SH_OK;
    if (go) {
        run_ctx x = {.req = &rq, .uid = j->uid};
        sh_import_opts o = {.dry_run = j->dry_run,
                            .template_name = j->template_name,
                            .pv = {.actor = j->principal.account_id,
                                   .source = "import",
                                   .source_ref = sh_psprintf(rq.pool, "import:%s", j->uid)},
                            .may_write = may_write,
                            .progress = on_progress,
                            .ctx = &x};
        sh_import_result res;
        memset(&res, 0, sizeof res);
        sh_err_init(&res.err);
        sh_table_reader *r = NULL;
        if (sh_table_open_mem(j->data, j->len, j->fmt, NULL, &r, &res.err) == SH_OK) {
            sh_import_run(c, j->kind, r, &o, &res);
            sh_table_close(r);
        } else {
            res.nerrors = 1;
        }
        pthread_mutex_lock(&lock);
        int interrupted = stopping;
        pthread_mutex_unlock(&lock);
        /* stopped half-way: left running, marked interrupted by the next start */
        if (!interrupted && sh_import_job_finish(&rq, j->uid, j->kind->name, j->dry_run, &res) != SH_OK)
            sh_log(SH_LOG_ERROR, "import_record_failed", "import %s: %s", j->uid, rq.err.first.message);
        sh_import_result_clear(&res);
    }
    pthread_mutex_lock(&lock);
    running_conn = NULL;
    progress *p = progress_slot(j->uid);
    if (p)
        p->uid[0] = '\0'; /* finished: the record tells the rest */
    pthread_mutex_unlock(&lock);
    sh_err_clear(&rq.err);
    sh_pool_destroy(rq.pool);
}

static void free_job(job *j) {
    if (j) {
        sh_free(j->data);
        sh_free(j);
    }
}

static void *runner(void *arg) {
    (void)arg;
    for (;;) {
        pthread_mutex_lock(&lock);
        while (!head && !stopping)
            pthread_cond_wait(&wake, &lock);
        if (stopping) {
            pthread_mutex_unlock(&lock);
            return NULL;
        }
        job *j = head;
        head = j->next;
        if (!head)
            tail = NULL;
        queued--;
        pthread_mutex_unlock(&lock);
        run(j);
        free_job(j);
    }
}

int sh_import_submit(sh_req *req, const char *uid, const sh_import_kind *kind, const char *template_name,
                     int dry_run, sh_table_format fmt) {
    const sh_principal *who = sh_principal_of(req);
    job *j = sh_calloc(1, sizeof *j);
    if (j)
        j->data = sh_malloc(req->body.len ? req->body.len : 1);
    if (!j || !j->data || !who) {
        free_job(j);
        return sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
    }
    memcpy(j->data, req->body.data, req->body.len);
    j->len = req->body.len;
    snprintf(j->uid, sizeof j->uid, "%s", uid);
    j->kind = kind;
    j->template_name = template_name;
    j->dry_run = dry_run;
    j->fmt = fmt;
    j->app = req->app;
    j->principal = *who;
    snprintf(j->ip, sizeof j->ip, "%s", req->client_ip ? req->client_ip : "");
    snprintf(j->path, sizeof j->path, "%s", req->path ? req->path : "");
    pthread_mutex_lock(&lock);
    int rc = SH_OK;
    if (stopping || queued >= QUEUE_MAX) {
        rc = SH_ERR;
    } else if (!started && pthread_create(&thread, NULL, runner, NULL) != 0) {
        rc = SH_ERR;
    } else {
        started = 1;
        j->next = NULL;
        if (tail)
            tail->next = j;
        else
            head = j;
        tail = j;
        queued++;
        progress *p = &recent[next_recent++ % RECENT];
        *p = (progress){.rows = 0, .percent = 0, .uid = ""};
        snprintf(p->uid, sizeof p->uid, "%s", uid);
        pthread_cond_signal(&wake);
    }
    pthread_mutex_unlock(&lock);
    if (rc == SH_OK)
        return SH_OK;
    free_job(j);
    sh_reply_header(req, "Retry-After", "60");
    return sh_err_set(&req->err, 503, "busy", NULL, "导入任务排队已满，请稍后再试");
}

int sh_import_progress_of(const char *uid, long *rows, int *percent) {
    pthread_mutex_lock(&lock);
    const progress *p = progress_slot(uid);
    if (p) {
        *rows = p->rows;
        *percent = p->percent;
    }
    pthread_mutex_unlock(&lock);
    return p != NULL;
}

void sh_import_jobs_stop(void) {
    pthread_mutex_lock(&lock);
    stopping = 1;
    if (running_conn)
        sh_conn_deadline(running_conn, 1); /* its next statement is interrupted */
    job *j = head;
    head = tail = NULL;
    queued = 0;
    int join = started;
    pthread_cond_broadcast(&wake);
    pthread_mutex_unlock(&lock);
    while (j) {
        job *next = j->next;
        free_job(j);
        j = next;
    }
    if (join)
        pthread_join(thread, NULL);
    pthread_mutex_lock(&lock);
    started = stopping = 0; /* a later start (tests open several apps) runs again */
    pthread_mutex_unlock(&lock);
}
