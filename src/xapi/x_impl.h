/* x_impl.h — what the files of the xAPI module share: the per-request context
 * (the LRS client that called, the effective method and parameters of the
 * alternate request syntax), the statement validator, agent identity keys, the
 * statement store and the reply formats. Nothing outside src/xapi includes it
 * (the unit tests and the fuzz driver do, to reach the validator). */
#ifndef SH_X_IMPL_H
#define SH_X_IMPL_H

#include "identity/access.h"
#include "xapi/xapi.h"

#include <jansson.h>

#define X_VERSION "1.0.3"
#define X_VOIDED_VERB "http://adlnet.gov/expapi/verbs/voided"
#define X_SIGNATURE_USAGE "http://adlnet.gov/expapi/attachments/signature"
#define X_MAX_BATCH 1000   /* statements in one POST */
#define X_MAX_LIMIT 500    /* statements in one page (limit=0 gives this) */
#define X_KEY_PREFIX "xk_" /* client keys: xk_ + 20 base32 characters */
#define X_AGENT_KEY_MAX 600

/* ---- validate.c: statements and their parts, per xAPI 1.0.3 (no store) ---- */

/* Check a statement strictly (required and unknown properties, types, UUIDs,
 * IRIs, timestamps, durations, language maps, interaction components, score
 * ranges, context rules, exactly one IFI per agent, voiding form) and
 * normalise it in place (contextActivities become arrays). SH_OK, or SH_ERR
 * with a 400 in err naming the property path (prefix, e.g. "[2]", leads it). */
int x_validate_statement(json_t *st, const char *prefix, sh_err *err);
/* An Agent or identified/anonymous Group (as the agent query parameter). */
int x_validate_agent(const json_t *a, const char *path, sh_err *err);
int x_valid_uuid(const char *s);
int x_valid_iri(const char *s);
int x_valid_lang_tag(const char *s);
/* ISO 8601 date and time (offset optional, read as UTC when absent) to UTC
 * milliseconds. SH_OK or SH_ERR. */
int x_parse_time(const char *s, int64_t *ms);
int x_valid_duration(const char *s);

/* ---- agent.c: identity of agents ---- */

/* The key an Agent or identified Group is indexed by: "mbox:…", "sha1:…",
 * "openid:…", "account:HOMEPAGE NAME", or "person:UID" for a Shushu person
 * (account.homePage equal to base). SH_ERR for an anonymous group or when the
 * key does not fit. */
int x_agent_key(const json_t *a, const char *base, char *out, size_t cap);
/* The opaque person uid when a names a Shushu person (account.homePage equal to
 * base, with or without a trailing slash), else NULL. */
const char *x_agent_person(const json_t *a, const char *base);
/* Call fn on every Agent and Group of a statement (actor, object, authority,
 * context instructor and team, group members, sub-statement), with related 0
 * for the actor and an agent object and 1 for the others. */
void x_each_agent(const json_t *st, void (*fn)(void *ctx, const json_t *agent, int related), void *ctx);
/* Call fn on every activity id of a statement: the object (related 0), the
 * context activities and a sub-statement's (related 1). */
void x_each_activity(const json_t *st, void (*fn)(void *ctx, const json_t *activity, int related), void *ctx);

/* ---- auth.c: LRS clients and the request context ---- */

typedef struct x_client {
    int64_t id, org_id;
    char uid[27];
    char key[32];
    char name[101];
    int can_read, can_write, external;
} x_client;

typedef struct x_form {
    int n;
    const char **k, **v;
} x_form;

typedef struct x_ctx {
    sh_principal p; /* first: req->principal points here (audit reads it) */
    x_client client;
    int method;               /* effective method: the request's, or ?method= of the alternate syntax */
    int alt;                  /* alternate request syntax */
    x_form params;            /* alt: the form's fields that are not headers or content */
    x_form headers;           /* alt: the form's header fields */
    const char *content_type; /* effective */
    const char *body;
    size_t body_len;
    char base[300];  /* this deployment's address, scheme://host */
    json_t *pending; /* statements handed to the committer, the reply deferred */
    void *job;       /* their place in the committer's queue (commit.c) */
} x_ctx;

/* Wrap the application's authorisation: /xapi/ routes are called by LRS
 * clients with HTTP Basic credentials (and the version header); other routes
 * are left to the identity module. */
void x_install_auth(sh_app *app);
x_ctx *x_ctx_of(sh_req *req);
/* This deployment's address as the request reached it (scheme://host). */
void x_base(sh_req *req, char *out, size_t cap);
const char *x_param(sh_req *req, const char *name);
const char *x_header(sh_req *req, const char *name);
/* 400 unless every parameter is one of allowed (NULL-terminated, exact case). */
int x_only_params(sh_req *req, const char *const *allowed);

/* ---- multipart.c: multipart/mixed bodies (GMime) ---- */

typedef struct x_part {
    const char *content_type;
    const char *sha2;
    const unsigned char *data;
    size_t len;
} x_part;

/* Split a multipart/mixed body: the first part (JSON statements) into *json,
 * the attachment parts into parts (pool memory). SH_ERR with a 400 when the
 * body breaks xAPI's rules (boundary, part types, hash and encoding headers,
 * hashes that do not match). */
int x_multipart_parse(sh_req *req, const char *content_type, const char *body, size_t len, const char **json,
                      size_t *json_len, x_part **parts, int *nparts);
/* Reply 200 multipart/mixed: the JSON text, then the parts. */
int x_multipart_reply(sh_req *req, const char *json, size_t json_len, const x_part *parts, int nparts);
void x_multipart_init(void);

/* ---- statements ---- */

#define X_DEFERRED 2 /* handed to the committer; the reply is built by the continuation */

/* ingest.c: check who the statements name, give them ids and store the batch
 * in one transaction. SH_OK when stored; X_DEFERRED when handed to the group
 * committer, whose then(req) builds the reply (x_commit_result says how the
 * commit went; x->pending holds the statements); SH_ERR with req->err. */
int x_store_statements(sh_req *req, json_t *arr, const x_part *parts, int nparts, int (*then)(sh_req *req));
/* The ids of the statements of arr, in order (a new array; NULL when memory is short). */
json_t *x_statement_ids(const json_t *arr);
/* A checked statement made ready to store by the request's own thread, so that
 * the one thread that writes (commit.c) only runs SQL: its text with authority
 * and version set and "stored" left out (the writer puts it first), the values
 * of its columns and the keys of its index rows. Pool memory; the strings point
 * into the statement, which the batch keeps alive. */
typedef struct x_index_key {
    const char *key; /* agent key or activity id */
    int related;
    const json_t *definition; /* activities: the definition to merge, or NULL */
} x_index_key;

typedef struct x_row {
    const json_t *st; /* compared with a stored statement of the same id */
    const char *id, *verb, *registration, *void_target;
    int version_given;
    int generated; /* the id is the LRS's own: nothing can be stored under it or void it yet */
    int64_t org;
    size_t text_at, text_len; /* in x_rows.text */
    x_index_key *agents, *activities;
    int nagents, nactivities;
} x_row;

typedef struct x_rows {
    x_row *row;
    size_t n;
    sh_buf *text; /* the statements' JSON texts, one after another */
} x_rows;

/* Prepare arr (checked statements from client x, orgs[i] the org of statement
 * i; those without an id get one) in pool. SH_OK or SH_ERR (out of memory) with err set. */
int x_prepare_rows(const x_ctx *x, sh_pool *pool, json_t *arr, const int64_t *orgs, x_rows *out, sh_err *err);
/* Write prepared statements in the caller's transaction on c, stored at now:
 * conflicts (409), voiding, the indexes, definitions and attachments. SH_OK,
 * or SH_ERR with err set; *wrote says whether anything was written before the
 * failure (the caller then rolls back). */
int x_write_rows(const x_ctx *x, sh_err *err, sh_conn *c, const x_rows *rows, const x_part *parts, int nparts,
                 int64_t now, int *wrote);
/* commit.c: hand a checked batch to the group committer. With then, the
 * request is deferred (sh_req_defer) and X_DEFERRED returned: the committer
 * resumes it when the batch is committed or refused, and then(req) reads the
 * outcome with x_commit_result. Without then (or when the committer cannot take
 * it: stopping), the call waits and returns SH_OK or SH_ERR with req->err (409,
 * 400, 503). A batch that does not fit the queue gets 503 at once. */
int x_commit_submit(sh_req *req, const x_rows *rows, const x_part *parts, int nparts,
                    int (*then)(sh_req *req));
/* SH_OK, or SH_ERR with req->err set by the committer: a deferred batch's outcome. */
int x_commit_result(sh_req *req);
/* Hand one statement the platform records (record.c) to the committer without
 * waiting. x is copied; the committer owns arr from here (freed once written); org 0
 * means the platform client's node. SH_OK when queued; SH_ERR when the queue is
 * full or the committer is stopping (the statement is dropped: the caller logs). */
int x_commit_enqueue(sh_db *db, const x_ctx *x, json_t *arr, int64_t org);
/* The platform's own LRS client (the authority of the statements it records),
 * created under the root org on first use, inside the committer's transaction. */
int x_platform_client(sh_conn *c, x_client *out, sh_err *err);
void x_commit_stop(void);
/* The org a document about agent belongs to (its person's school, or the
 * client's node for an agent outside the platform), after the rules of
 * x_store_statements on who may be named. SH_ERR with 400/403. */
int x_agent_org(sh_req *req, const json_t *agent, int64_t *org);
/* query.c */
int x_get_statements(sh_req *req);
int x_console_statements(sh_req *req);
/* format.c: the statement as ids or canonical (in place, on a copy). */
void x_format_ids(json_t *st);
void x_format_canonical(json_t *st, const char *accept_language);
/* signature.c: a signed statement's JWS attachment is well formed and signs it. */
int x_check_signature(const json_t *st, const x_part *parts, int nparts, const char *prefix, sh_err *err);

/* handlers */
int x_statements(sh_req *req);
int x_about(sh_req *req);
int x_agents(sh_req *req);
int x_activities(sh_req *req);
int x_state(sh_req *req);
int x_activity_profile(sh_req *req);
int x_agent_profile(sh_req *req);
int x_clients_list(sh_req *req);
int x_clients_create(sh_req *req);
int x_clients_revoke(sh_req *req);

extern const sh_entity x_client_entity;

#endif
