/* log.c — buffered JSON-lines writer for the event and access logs. See log.h. */
#include "core/log.h"

#include "core/alloc.h"
#include "core/clock.h"
#include "core/err.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define LOG_BUF_MAX (1 << 20) /* lines beyond 1 MiB pending are dropped and counted */

typedef struct stream {
    int fd; /* -1 = off */
    sh_buf pending;
    unsigned long dropped;
} stream;

/* Access-log lines go first to a buffer of the request's own thread (an uncontended
 * lock, no sharing between workers); the writer drains every thread's buffer. */
#define THREAD_BUF ((size_t)64 * 1024)
typedef struct tbuf {
    pthread_mutex_t mu;
    struct tbuf *next;
    size_t len;
    char data[THREAD_BUF];
} tbuf;
static _Thread_local tbuf *my_tbuf;
static tbuf *_Atomic all_tbufs;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static stream ev = {2, {0}, 0};
static stream acc = {1, {0}, 0};
static int running, stopping;
static pthread_t writer;
static sh_log_level min_level = SH_LOG_INFO;
static FILE *acc_file;

static void flush_stream(stream *s, sh_buf *scratch) {
    if (s->fd < 0 || s->pending.len == 0)
        return;
    /* swap under the lock: caller holds mu */
    sh_buf tmp = s->pending;
    s->pending = *scratch;
    sh_buf_reset(&s->pending);
    *scratch = tmp;
    int fd = s->fd;
    pthread_mutex_unlock(&mu);
    size_t off = 0;
    while (off < scratch->len) {
        ssize_t w = write(fd, scratch->data + off, scratch->len - off);
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    pthread_mutex_lock(&mu);
}

static void write_all(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

/* Move every thread's pending access lines to the file. Called by the writer
 * (without mu held) and at stop. */
static void drain_threads(char *scratch) {
    for (tbuf *t = atomic_load(&all_tbufs); t; t = t->next) {
        pthread_mutex_lock(&t->mu);
        size_t n = t->len;
        memcpy(scratch, t->data, n);
        t->len = 0;
        pthread_mutex_unlock(&t->mu);
        if (n && acc.fd >= 0)
            write_all(acc.fd, scratch, n);
    }
}

static void *writer_main(void *arg) {
    (void)arg;
    sh_buf scratch;
    sh_buf_init(&scratch, LOG_BUF_MAX);
    char *drain = sh_malloc(THREAD_BUF);
    pthread_mutex_lock(&mu);
    for (;;) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 200 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        if (!stopping)
            pthread_cond_timedwait(&cv, &mu, &ts);
        flush_stream(&ev, &scratch);
        flush_stream(&acc, &scratch);
        if (drain) {
            pthread_mutex_unlock(&mu);
            drain_threads(drain);
            pthread_mutex_lock(&mu);
        }
        if (stopping)
            break;
    }
    pthread_mutex_unlock(&mu);
    sh_buf_free(&scratch);
    sh_free(drain);
    return NULL;
}

int sh_log_start(const char *access_path) {
    sh_buf_init(&ev.pending, LOG_BUF_MAX);
    sh_buf_init(&acc.pending, LOG_BUF_MAX);
    if (access_path && strcmp(access_path, "off") == 0) {
        acc.fd = -1;
    } else if (access_path && strcmp(access_path, "-") != 0) {
        acc_file = fopen(access_path, "a");
        if (!acc_file)
            return SH_ERR;
        acc.fd = fileno(acc_file);
    }
    stopping = 0;
    if (pthread_create(&writer, NULL, writer_main, NULL) != 0)
        return SH_ERR;
    running = 1;
    return SH_OK;
}

static void append_line(stream *s, const char *line, size_t len) {
    pthread_mutex_lock(&mu);
    if (s->fd >= 0) {
        if (!running) { /* no writer: write through */
            (void)!write(s->fd, line, len);
            (void)!write(s->fd, "\n", 1);
        } else if (len + 1 > s->pending.max - s->pending.len ||
                   sh_buf_append(&s->pending, line, len) != SH_OK) {
            s->dropped++; /* writer is behind by a whole buffer: drop, never block */
            s->pending.failed = s->pending.too_big = 0;
        } else if (sh_buf_putc(&s->pending, '\n') != SH_OK) {
            s->pending.len -= len; /* out of memory: take the half line back */
            s->pending.failed = 0;
            s->dropped++;
        } else if (s->pending.len > LOG_BUF_MAX / 2) {
            pthread_cond_signal(&cv);
        }
    }
    pthread_mutex_unlock(&mu);
}

void sh_log_stop(void) {
    if (!running)
        return;
    pthread_mutex_lock(&mu);
    stopping = 1;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
    pthread_join(writer, NULL);
    running = 0;
    tbuf *t = atomic_exchange(&all_tbufs, NULL);
    while (t) { /* the writer drained them; the HTTP threads are gone */
        tbuf *next = t->next;
        pthread_mutex_destroy(&t->mu);
        sh_free(t);
        t = next;
    }
    my_tbuf = NULL;
    sh_buf_free(&ev.pending);
    sh_buf_free(&acc.pending);
    if (acc_file) {
        fclose(acc_file);
        acc_file = NULL;
    }
    acc.fd = 1;
}

void sh_log_set_level(sh_log_level min) { min_level = min; }

void sh_log(sh_log_level lvl, const char *event, const char *fmt, ...) {
    static const char *names[] = {"debug", "info", "warn", "error"};
    if (lvl < min_level)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char ts[SH_ISO_LEN];
    sh_fmt_iso_ms(sh_now_ms(), ts);
    sh_buf b;
    sh_buf_init(&b, 8192);
    sh_buf_printf(&b, "{\"ts\":\"%s\",\"level\":\"%s\",\"event\":", ts, names[lvl]);
    sh_buf_json_str(&b, event, strlen(event));
    sh_buf_puts(&b, ",\"msg\":");
    sh_buf_json_str(&b, msg, strlen(msg));
    sh_buf_putc(&b, '}');
    if (sh_buf_ok(&b) == SH_OK)
        append_line(&ev, b.data, b.len);
    sh_buf_free(&b);
}

void sh_log_access(const char *line, size_t len) {
    if (!running || acc.fd < 0 || len + 1 > THREAD_BUF) {
        append_line(&acc, line, len);
        return;
    }
    tbuf *t = my_tbuf;
    if (!t) {
        t = sh_malloc(sizeof *t);
        if (!t) {
            append_line(&acc, line, len);
            return;
        }
        pthread_mutex_init(&t->mu, NULL);
        t->len = 0;
        t->next = atomic_load(&all_tbufs);
        while (!atomic_compare_exchange_weak(&all_tbufs, &t->next, t))
            ;
        my_tbuf = t;
    }
    pthread_mutex_lock(&t->mu);
    if (t->len + len + 1 > THREAD_BUF) { /* full between two drains: write it out here */
        write_all(acc.fd, t->data, t->len);
        t->len = 0;
    }
    memcpy(t->data + t->len, line, len);
    t->data[t->len + len] = '\n';
    t->len += len + 1;
    pthread_mutex_unlock(&t->mu);
}
