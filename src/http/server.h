/* server.h — the HTTP server: libmicrohttpd with its internal epoll thread pool.
 *
 * It owns the request lifecycle: per-request pool, body limits, routing,
 * authorisation, the handler call, security headers, ETags, the access log and
 * metrics, and a graceful stop that lets requests in flight finish. */
#ifndef SH_SERVER_H
#define SH_SERVER_H

#include "app.h"

typedef struct sh_server sh_server;

/* Start serving app (routes and store must be ready). */
int sh_server_start(sh_app *app, sh_server **out, sh_err *err);
/* The port actually bound (useful with port 0). */
int sh_server_port(const sh_server *s);
/* Stop accepting, wait up to grace_ms for requests in flight, then stop. */
void sh_server_stop(sh_server *s, int grace_ms);
/* Connections currently open. */
unsigned sh_server_connections(const sh_server *s);

/* The running server, for /metrics (one server per process). */
const sh_server *sh_server_current(void);

#endif
