/* jobs.h — private to src/import/: the record of each import (table import_job)
 * and the background runner that imports uploads while the caller watches.
 *
 * Every API import is a job with a state: queued → running → done, or
 * interrupted when the server stopped before it finished (its write transaction
 * never committed, so nothing of it was written), or failed when the store
 * failed. A synchronous upload (the default) runs inside its request; with
 * ?async=true the request answers 202 at once and the runner imports it, one job
 * at a time per server process, reporting how far it has read
 * (GET /api/v1/imports/{id} → progress). */
#ifndef SH_IMPORT_JOBS_H
#define SH_IMPORT_JOBS_H

#include "import/import.h"

/* Errors a JSON reply carries (the CSV report gives them all). */
#define SH_IMPORT_REPLY_ERRORS 200
#define SH_IMPORT_JOB_NMIGRATIONS 3

extern const sh_entity sh_import_job_entity;
extern const sh_migration sh_import_job_migrations[SH_IMPORT_JOB_NMIGRATIONS];

/* ---- the record (job.c) ---- */

/* Record a new job of the caller in state (queued or running), in its own
 * transaction. */
int sh_import_job_begin(sh_req *req, const char *uid, const char *kind, int dry_run, const char *state);
/* Mark a job running. */
int sh_import_job_running(sh_req *req, const char *uid);
/* Record the outcome: counts, kept errors, state done (or failed when the store
 * failed), and the audit entry, in one transaction. */
int sh_import_job_finish(sh_req *req, const char *uid, const char *kind, int dry_run,
                         const sh_import_result *res);
/* The reply describing a finished import (counts and the first errors). */
json_t *sh_import_job_reply(const char *uid, const char *kind, int dry_run, const sh_import_result *res);
/* At start: jobs left queued or running by a process of this host that no
 * longer runs become interrupted. */
int sh_import_jobs_recover(sh_conn *c, sh_err *err);
/* "host:pid": which process runs a job. */
const char *sh_import_runner_name(void);

/* ---- the runner (runner.c) ---- */

/* Queue the request's upload as job uid (already recorded as queued). SH_ERR with
 * 503 busy (and a Retry-After header) when the queue is full. */
int sh_import_submit(sh_req *req, const char *uid, const sh_import_kind *kind, const char *template_name,
                     int dry_run, sh_table_format fmt);
/* Where job uid stands when this process runs it: 1 with rows read and percent
 * of the file read (-1 unknown), 0 when this process does not run it. */
int sh_import_progress_of(const char *uid, long *rows, int *percent);
/* Interrupt the running job, drop the queued ones and wait for the runner. */
void sh_import_jobs_stop(void);

#endif
