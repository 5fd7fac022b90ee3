/* audit.h — the security audit log (SEC-10 … SEC-13): append-only, hash-chained.
 *
 * Each entry carries HMAC-SM3(audit key, previous entry's hash ‖ this entry's
 * fields), so an edit, a deletion or a reordering anywhere breaks the chain from
 * that entry on, and without the key file nobody can recompute it. The store
 * refuses UPDATE and DELETE on the table (triggers); the product has no path that
 * edits it. An auditable operation writes its entry in the same transaction as
 * its effect, so it either happens audited or does not happen (SEC-12). */
#ifndef SH_AUDIT_H
#define SH_AUDIT_H

#include "app.h"

extern const sh_module sh_audit_module;

#define SH_AUDIT_MIN_RETENTION_DAYS 180

typedef struct sh_audit_event {
    const char *event;  /* login, login_failed, lock, backup, restore, create, … */
    int ok;             /* success (1) or failure (0) */
    int64_t account_id; /* 0: the command line or an anonymous caller */
    const char *actor;  /* login name, "cli", or "-" */
    const char *role;   /* role acted in, or NULL */
    const char *ip;     /* source address, or NULL */
    const char *object; /* what it was about (entity:public id, a file, …) */
    const char *detail; /* short free text; never secrets */
} sh_audit_event;

/* Append one entry. Inside the caller's write transaction when there is one, else
 * in its own. SH_ERR (and nothing written) when the key is missing or the store
 * fails: the caller must then not go ahead with the operation. */
int sh_audit_write(sh_conn *c, const sh_audit_event *ev, sh_err *err);

typedef struct sh_audit_report {
    int64_t checked;   /* entries verified */
    int64_t first_bad; /* id of the first entry that fails, 0 when all are good */
    char reason[160];
} sh_audit_report;

/* Walk the chain from the start (or the purge checkpoint) to the head. SH_OK when
 * the walk ran (look at report->first_bad), SH_ERR when it could not run. */
int sh_audit_verify(sh_conn *c, sh_audit_report *report, sh_err *err);

/* Delete entries older than before_ms, keeping the chain verifiable from the first
 * kept entry. Refuses when before_ms is younger than the minimum retention. */
int sh_audit_purge(sh_conn *c, int64_t before_ms, int64_t *deleted, sh_err *err);

#endif
