/* metrics.h — request counters and latency histogram, rendered in Prometheus text
 * format at /metrics. Counting is lock-free (relaxed atomics). */
#ifndef SH_METRICS_H
#define SH_METRICS_H

#include "core/buf.h"
#include "http/router.h"

#include <stdint.h>

/* Pseudo-route indexes for requests that matched no API route. */
#define SH_METRIC_STATIC (-2)
#define SH_METRIC_UNMATCHED (-1)

int sh_metrics_init(int nroutes);
/* Size the counters for the app's routes; SH_OK or SH_ERR. */
int sh_metrics_init_for(const struct sh_app *app);
void sh_metrics_free(void);
void sh_metrics_record(int route_index, int status, uint64_t dur_ns);
int sh_metrics_render(sh_buf *out, const sh_router *r, unsigned open_connections);
/* Add one to a named counter of a module's own events (name a Prometheus metric
 * name ending in _total, help one line; both string literals), rendered with the
 * others. Any thread; at most 16 names (further ones are not counted). */
void sh_metrics_count(const char *name, const char *help);

#endif
