/* metrics.c — Prometheus counters: requests by route and status, a latency
 * histogram, store time, open connections and memory in use. */
#include "http/metrics.h"

#include "core/alloc.h"
#include "store/store.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

static const int statuses[] = {200, 201, 204, 206, 301, 302, 304, 400, 401, 403, 404,
                               405, 406, 409, 412, 413, 415, 422, 429, 431, 500, 503};
#define NSTATUS ((int)(sizeof statuses / sizeof statuses[0]) + 1) /* + other */

static const double buckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                 0.1,    0.25,  0.5,    1,     2.5,  5,     10};
#define NBUCKET ((int)(sizeof buckets / sizeof buckets[0]))

typedef struct counters {
    atomic_uint_fast64_t by_status[NSTATUS];
} counters;

static counters *per_route; /* nroutes + 2 (unmatched, static) */
static int nslots;
static atomic_uint_fast64_t hist[NBUCKET + 1];
static atomic_uint_fast64_t dur_sum_ns, dur_count;

#define NNAMED 16
static struct {
    const char *name, *help;
    atomic_uint_fast64_t n;
} named[NNAMED];
static atomic_int nnamed;
static pthread_mutex_t named_mu = PTHREAD_MUTEX_INITIALIZER;

void sh_metrics_count(const char *name, const char *help) {
    int n = atomic_load(&nnamed);
    for (int i = 0; i < n; i++)
        if (strcmp(named[i].name, name) == 0) {
            atomic_fetch_add_explicit(&named[i].n, 1, memory_order_relaxed);
            return;
        }
    pthread_mutex_lock(&named_mu); /* first use of a name: register it */
    n = atomic_load(&nnamed);
    int i = 0;
    while (i < n && strcmp(named[i].name, name) != 0)
        i++;
    if (i == n && n < NNAMED) {
        named[i].name = name;
        named[i].help = help;
        atomic_store(&nnamed, n + 1);
    }
    if (i < NNAMED)
        atomic_fetch_add_explicit(&named[i].n, 1, memory_order_relaxed);
    pthread_mutex_unlock(&named_mu);
}

int sh_metrics_init(int nroutes) {
    nslots = nroutes + 2;
    per_route = sh_calloc((size_t)nslots, sizeof(counters));
    return per_route ? 0 : -1;
}

int sh_metrics_init_for(const sh_app *app) {
    return sh_metrics_init(sh_router_count(app->router)) == 0 ? 0 : -1;
}

void sh_metrics_free(void) {
    sh_free(per_route);
    per_route = NULL;
}

static int status_slot(int status) {
    for (int i = 0; i < NSTATUS - 1; i++)
        if (statuses[i] == status)
            return i;
    return NSTATUS - 1;
}

void sh_metrics_record(int route_index, int status, uint64_t dur_ns) {
    if (!per_route)
        return;
    int slot = route_index + 2; /* static (-2) → 0, unmatched (-1) → 1, routes after */
    if (slot < 0 || slot >= nslots)
        return;
    atomic_fetch_add_explicit(&per_route[slot].by_status[status_slot(status)], 1, memory_order_relaxed);
    double secs = (double)dur_ns / 1e9;
    int b = 0;
    while (b < NBUCKET && secs > buckets[b])
        b++;
    atomic_fetch_add_explicit(&hist[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&dur_sum_ns, dur_ns, memory_order_relaxed);
    atomic_fetch_add_explicit(&dur_count, 1, memory_order_relaxed);
}

int sh_metrics_render(sh_buf *o, const sh_router *r, unsigned open_connections) {
    sh_buf_puts(o, "# HELP shushu_http_requests_total HTTP requests by route pattern, method and status.\n"
                   "# TYPE shushu_http_requests_total counter\n");
    for (int slot = 0; slot < nslots; slot++) {
        const char *route = slot == 0 ? "static" : slot == 1 ? "unmatched" : NULL;
        const char *method = "";
        if (!route) {
            const sh_route_ref *ref = sh_router_at(r, slot - 2);
            route = ref->route->path;
            method = sh_method_name(ref->route->method);
        }
        for (int s = 0; s < NSTATUS; s++) {
            uint64_t v = atomic_load_explicit(&per_route[slot].by_status[s], memory_order_relaxed);
            if (!v)
                continue;
            sh_buf_printf(o, "shushu_http_requests_total{route=\"%s\",method=\"%s\",status=\"", route,
                          method);
            if (s < NSTATUS - 1)
                sh_buf_printf(o, "%d", statuses[s]);
            else
                sh_buf_puts(o, "other");
            sh_buf_printf(o, "\"} %llu\n", (unsigned long long)v);
        }
    }
    sh_buf_puts(o, "# HELP shushu_http_request_duration_seconds Time from request start to reply queued.\n"
                   "# TYPE shushu_http_request_duration_seconds histogram\n");
    uint64_t cum = 0;
    for (int b = 0; b <= NBUCKET; b++) {
        cum += atomic_load_explicit(&hist[b], memory_order_relaxed);
        if (b < NBUCKET)
            sh_buf_printf(o, "shushu_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n", buckets[b],
                          (unsigned long long)cum);
        else
            sh_buf_printf(o, "shushu_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
                          (unsigned long long)cum);
    }
    sh_buf_printf(o, "shushu_http_request_duration_seconds_sum %.6f\n",
                  (double)atomic_load(&dur_sum_ns) / 1e9);
    sh_buf_printf(o, "shushu_http_request_duration_seconds_count %llu\n",
                  (unsigned long long)atomic_load(&dur_count));
    sh_store_stats st = sh_store_stats_get();
    sh_buf_printf(o,
                  "# HELP shushu_store_seconds_total Time spent in store calls.\n"
                  "# TYPE shushu_store_seconds_total counter\n"
                  "shushu_store_seconds_total %.6f\n"
                  "# HELP shushu_store_calls_total Store calls (prepare, step, exec).\n"
                  "# TYPE shushu_store_calls_total counter\n"
                  "shushu_store_calls_total %llu\n"
                  "# HELP shushu_http_open_connections Open client connections.\n"
                  "# TYPE shushu_http_open_connections gauge\n"
                  "shushu_http_open_connections %u\n"
                  "# HELP shushu_memory_bytes Heap bytes in use through the allocator.\n"
                  "# TYPE shushu_memory_bytes gauge\n"
                  "shushu_memory_bytes %zu\n",
                  (double)st.ns / 1e9, (unsigned long long)st.calls, open_connections, sh_alloc_used());
    int n = atomic_load(&nnamed);
    for (int i = 0; i < n; i++)
        sh_buf_printf(o, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", named[i].name, named[i].help,
                      named[i].name, named[i].name, (unsigned long long)atomic_load(&named[i].n));
    return sh_buf_ok(o);
}
