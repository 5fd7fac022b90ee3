/* log.h — JSON-lines logging.
 *
 * Two streams: the event log (start, stop, errors; stderr by default) and the access
 * log (one line per request; stdout by default or a file). Lines are built by the
 * caller's thread and handed to a buffer that a background writer flushes every
 * 200 ms or when it fills, so logging never puts a write(2) on the request path.
 * Values are escaped; callers must never pass secrets (passwords, tokens, cookies,
 * request bodies) — the access log records method, route, status, sizes and time. */
#ifndef SH_LOG_H
#define SH_LOG_H

#include "core/buf.h"

typedef enum { SH_LOG_DEBUG, SH_LOG_INFO, SH_LOG_WARN, SH_LOG_ERROR } sh_log_level;

/* Start the background writer. access_path NULL or "-" means stdout; "off" disables
 * the access log. Returns SH_OK or SH_ERR (file cannot be opened). */
int sh_log_start(const char *access_path);
/* Flush and stop the writer. Safe to call when not started. */
void sh_log_stop(void);
void sh_log_set_level(sh_log_level min);

/* Event log line: {"ts":…,"level":…,"event":event,"msg":formatted}. */
void sh_log(sh_log_level lvl, const char *event, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Append one complete JSON object (without newline) to the access log. */
void sh_log_access(const char *line, size_t len);

#endif
