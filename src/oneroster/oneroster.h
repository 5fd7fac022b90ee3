/* oneroster.h — OneRoster 1.2 over the canonical roster: a derived read model
 * (mapping.c) served three ways: a CSV zip export (`shushu export oneroster`,
 * GET /api/v1/exports/oneroster), a CSV zip import running one import kind per
 * OneRoster file inside one write transaction (`shushu import oneroster`,
 * POST /api/v1/imports/oneroster), and the read-only rostering REST API under
 * /ims/oneroster/rostering/v1p2/. Every read goes through the caller's scope and
 * the masking of the rest of the API; every write through model/write.h. */
#ifndef SH_ONEROSTER_H
#define SH_ONEROSTER_H

#include "app.h"
#include "import/import.h"
#include "model/api.h"

extern const sh_module sh_oneroster_module;

/* ---- export ---- */

typedef struct sh_or_entity sh_or_entity;

/* The rows of entity e a reader reaches (out->where NULL: all of them); out->unmask
 * when they show in clear. SH_ERR with err. */
typedef int (*sh_or_scope_fn)(void *ctx, const sh_or_entity *e, sh_scope *out, sh_err *err);

typedef struct sh_or_export_counts {
    long orgs, sessions, courses, classes, users, enrollments, demographics;
} sh_or_export_counts;

/* Write the OneRoster CSV zip (manifest and one bulk file per entity) of what
 * scope gives to path, replaced only when complete. Rows stream from the store
 * into temporary CSV files that the zip compresses from disk, so memory does not
 * grow with the data. SH_ERR with err; nothing is left at path then. */
int sh_or_export(sh_conn *c, sh_or_scope_fn scope, void *ctx, const char *path, sh_or_export_counts *counts,
                 sh_err *err);

/* ---- import ---- */

/* Counts of one OneRoster file of an import. */
typedef struct sh_or_file_result {
    const char *file; /* "users.csv" */
    long rows, created, updated, unchanged;
} sh_or_file_result;

#define SH_OR_NFILES 8

typedef struct sh_or_import_result {
    sh_or_file_result files[SH_OR_NFILES];
    int nfiles;
    long nerrors;
    int committed;
    /* every kept error; each item's field is "file:column key" (e.g.
     * "users.csv:sourcedId"), with row and column of that file */
    sh_err err;
} sh_or_import_result;

typedef struct sh_or_import_opts {
    int dry_run;
    sh_provenance pv;
    sh_req *req; /* the API caller (writes checked against its reach); NULL: the command line */
} sh_or_import_opts;

/* Import a OneRoster CSV zip (len bytes at data) over c, all or nothing. SH_OK
 * when the zip could be read through (check res->nerrors); SH_ERR when it could
 * not (res->err says why: not a zip, no manifest, unknown version, too large).
 * Call sh_or_import_result_clear afterwards. */
int sh_or_import(sh_conn *c, const void *data, size_t len, const sh_or_import_opts *o,
                 sh_or_import_result *res);
void sh_or_import_result_clear(sh_or_import_result *res);

/* ---- REST query parameters (parsed from outside input; fuzzed) ---- */

#define SH_OR_MAX_PREDICATES 8

typedef struct sh_or_query {
    int limit, offset;
    int sort;  /* field index, -1: sourcedId */
    int desc;  /* orderBy=desc */
    int npred; /* filter predicates */
    struct {
        int field;
        int op;            /* SH_OR_OP_* */
        int or_before;     /* joined to the previous one by OR (else AND) */
        const char *value; /* as bound: for ~ with LIKE wildcards escaped and added */
        int64_t ms;        /* a dateLastModified value as UTC milliseconds */
    } pred[SH_OR_MAX_PREDICATES];
    unsigned long long fields; /* bit per field index of the REST members asked for; 0: all */
} sh_or_query;

enum { SH_OR_OP_EQ, SH_OR_OP_NE, SH_OR_OP_GT, SH_OR_OP_GE, SH_OR_OP_LT, SH_OR_OP_LE, SH_OR_OP_CONTAINS };

/* The entity served at a collection name ("users"), or NULL. */
const sh_or_entity *sh_or_entity_named(const char *collection);
/* Parse limit, offset, sort, orderBy, filter and fields for e. unmasked: the
 * reader sees sensitive fields in clear (otherwise filtering or sorting on them
 * is refused). Errors: 400 with code invalid_filter_field, invalid_selection_field,
 * invalid_sort_field or invalid_data (the OneRoster minor codes) and a Chinese
 * message. */
int sh_or_query_parse(sh_pool *p, const sh_or_entity *e, const char *limit, const char *offset,
                      const char *sort, const char *order_by, const char *filter, const char *fields,
                      int unmasked, sh_or_query *q, sh_err *err);
/* The SQL predicate and ORDER BY of q over the derived row alias t, parameters
 * numbered from first_param; values are bound by sh_or_query_bind, never spliced. */
int sh_or_query_sql(const sh_or_entity *e, const sh_or_query *q, int first_param, sh_buf *where,
                    sh_buf *order);
int sh_or_query_bind(sh_stmt *s, const sh_or_entity *e, const sh_or_query *q, int first_param);

#endif
