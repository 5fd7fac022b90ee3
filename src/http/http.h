/* http.h — what a handler sees: the request, its reply, and the route table types.
 *
 * A handler gets an sh_req, reads the method, path parameters, query and (already
 * size-checked) body, and builds its reply in memory with the sh_reply_* functions.
 * It never touches the connection: the server writes the reply, adds the security
 * headers, the ETag, the access-log line and the metrics. Everything a request
 * allocates comes from req->pool and is released in one call when it completes.
 *
 * Handler convention: return SH_OK after setting a reply, or SH_ERR with req->err
 * filled (the server turns it into the error body of DESIGN §5). */
#ifndef SH_HTTP_H
#define SH_HTTP_H

#include "core/buf.h"
#include "core/err.h"
#include "core/pool.h"

#include <jansson.h>
#include <stdint.h>

typedef struct sh_app sh_app;
typedef struct sh_req sh_req;
typedef struct sh_entity sh_entity;
typedef struct sh_conn sh_conn;
typedef int (*sh_handler)(sh_req *req);

enum {
    SH_GET = 1,
    SH_HEAD = 2,
    SH_POST = 4,
    SH_PUT = 8,
    SH_PATCH = 16,
    SH_DELETE = 32,
    SH_OPTIONS = 64,
};

/* Permission of routes anyone may call without signing in. */
#define SH_PUBLIC "public"

/* Route flags. */
enum {
    SH_ROUTE_LIST = 1,    /* takes limit/cursor and field filters; replies {items,next_cursor} */
    SH_ROUTE_NO_BODY = 2, /* refuses a request body */
    SH_ROUTE_RAW = 4,     /* not a JSON API route (metrics, health): no ETag, no JSON body check */
    SH_ROUTE_UPLOAD = 8,  /* takes a file as its body, up to max_upload_bytes (with Content-Length) */
};

typedef struct sh_route {
    int method;             /* one of SH_GET … */
    const char *path;       /* "/api/v1/orgs/{id}" — {name} is a path parameter */
    const char *permission; /* SH_PUBLIC or a permission name; a route without one never registers */
    sh_handler handler;
    const char *summary;    /* Chinese, for the API document */
    const sh_entity *body;  /* request body entity (POST/PUT/PATCH), or NULL */
    const sh_entity *reply; /* entity of the reply (single or list items), or NULL */
    unsigned flags;
    const char *tag; /* group in the API document; defaults to the module name */
} sh_route;

#define SH_MAX_PATH_PARAMS 6
#define SH_ETAG_SIZE 36 /* quoted hex of a 128-bit hash, with the terminator */

struct sh_req {
    sh_pool *pool;
    sh_app *app;
    void *mhd; /* struct MHD_Connection *, for the server only */
    int method;
    const char *method_name;
    const char *path; /* decoded path, without query */
    const sh_route *route;
    int route_index;
    const char *param_names[SH_MAX_PATH_PARAMS];
    const char *param_values[SH_MAX_PATH_PARAMS];
    int nparams;
    const char *content_type;
    sh_buf body;
    char request_id[20];
    const char *client_ip;
    uint64_t t0_ns;
    sh_conn *conn;   /* store connection, taken on first use (sh_req_conn) */
    void *principal; /* the signed-in party, set by authentication (identity module) */

    /* reply */
    int status;
    sh_buf out;
    const char *out_type;
    const char *extra_headers[8][2];
    int nextra;
    size_t sent_bytes; /* body bytes handed to the connection, for the access log */
    int out_fd_set;    /* the body is the file out_fd (sh_reply_file), not out */
    int out_fd;
    size_t out_fd_len;
    char etag[SH_ETAG_SIZE]; /* ETag of out when already known (kept replies); else computed */
    sh_err err;
    /* deferred reply (sh_req_defer): the continuation and the state, server only */
    int (*then)(sh_req *req);
    int deferred;
};

/* Path parameter by name; NULL when absent. */
const char *sh_req_param(const sh_req *req, const char *name);
/* Query argument (decoded); NULL when absent. */
const char *sh_req_query(const sh_req *req, const char *name);
/* Request header; NULL when absent. */
const char *sh_req_header(const sh_req *req, const char *name);
/* Cookie sent with the request (parsed by the server); NULL when absent. */
const char *sh_req_cookie(const sh_req *req, const char *name);
/* Iterate all query arguments. */
void sh_req_each_query(const sh_req *req, void (*fn)(void *ctx, const char *k, const char *v), void *ctx);
/* Decode one application/x-www-form-urlencoded component in place: '+' is a
 * space, %HH a byte (libmicrohttpd's unescaping). */
void sh_form_decode(char *s);
/* The store connection for this request, released when the handler returns.
 * NULL with req->err filled when none can be had. */
sh_conn *sh_req_conn(sh_req *req);
/* Give the request's store connection back to the pool now (idempotent; a later
 * sh_req_conn takes one again). The server calls it when the handler returns,
 * so that a reply waiting to be sent holds no connection: a worker thread that
 * has answered many requests before writing their replies would otherwise hold
 * one per reply and could wait for a connection forever. A handler that waits
 * for something else (the xAPI group commit) calls it before waiting. */
void sh_req_conn_release(sh_req *req);

/* Deferred replies, for a handler that waits for work done by another thread
 * (the xAPI group commit) without holding a worker thread: the handler hands
 * the work over, calls sh_req_defer(req, then) and returns SH_OK without a
 * reply. The server suspends the connection (its worker goes on with other
 * connections); the other thread calls sh_req_resume(req) once the work is done
 * and touches the request no more; then the server calls then(req) on a worker
 * thread, which builds the reply as a handler would (SH_OK, or SH_ERR with
 * req->err). The request stays alive (its pool, body and reply) until then. */
void sh_req_defer(sh_req *req, int (*then)(sh_req *req));
void sh_req_resume(sh_req *req);

/* The ETag of a reply body: 128-bit BLAKE2b, quoted hex. */
void sh_body_etag(const char *data, size_t len, char out[SH_ETAG_SIZE]);

/* Parse the body as a JSON object. SH_ERR (400 invalid_json / 415) with req->err. */
int sh_req_json(sh_req *req, json_t **out);

/* Replies. Each returns SH_OK (or SH_ERR when the reply cannot be built). */
int sh_reply_json(sh_req *req, int status, json_t *obj); /* steals obj */
/* Append v to b as compact JSON text. SH_OK, or SH_ERR when b refuses it. */
int sh_json_append(sh_buf *b, const json_t *v);
/* Reply 200 {"items": items} when rc is not SH_ERR; steals items either way. */
int sh_reply_items(sh_req *req, json_t *items, int rc);
/* Start a JSON reply written as text straight into the returned buffer (for
 * generated rows); the caller checks sh_buf_ok at the end. */
sh_buf *sh_reply_json_begin(sh_req *req, int status);
int sh_reply_raw(sh_req *req, int status, const char *content_type, const char *data, size_t len);
int sh_reply_empty(sh_req *req, int status);
int sh_reply_header(sh_req *req, const char *name, const char *value); /* value copied to pool */
/* Reply with the len bytes of the open file fd from its start, streamed from
 * the file rather than copied into memory (exports). The reply owns fd from
 * here: it is closed when sent, or when the request ends without sending it.
 * Give an unlinked temporary file so nothing stays on disk. */
int sh_reply_file(sh_req *req, int status, const char *content_type, int fd, size_t len);
/* A new empty file, private to this process (mode 0600, under $TMPDIR or /tmp),
 * for a reply to be written into and then sent by sh_reply_temp_file; its name
 * in path. SH_ERR with a 500 in req->err when it cannot be made. */
#define SH_TEMP_PATH 512
int sh_reply_temp_path(sh_req *req, char path[SH_TEMP_PATH]);
/* The same for the file at path, which is unlinked at once (the reply holds it
 * open), with Content-Disposition naming it filename (ASCII) and, when given,
 * label (UTF-8, e.g. 学生) for clients that read RFC 6266's filename*. */
int sh_reply_temp_file(sh_req *req, const char *path, const char *content_type, const char *filename,
                       const char *label, const char *ext);
/* The problems of a file (an import) as a JSON array of {code, message, row,
 * column, value} (row, column and value when known), at most max of them. */
json_t *sh_err_items_json(const sh_err *e, size_t max);
/* Serialise an error into req->out (used by the server; handlers return SH_ERR instead). */
void sh_reply_error(sh_req *req, const sh_err *err);

#endif
