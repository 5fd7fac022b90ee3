/* or_import.h — private to src/oneroster/: the import kinds of the OneRoster
 * files and what their row functions share (the import's context, a map of
 * sourcedIds met in earlier files, lookups of organisations and people). */
#ifndef SH_OR_IMPORT_H
#define SH_OR_IMPORT_H

#include "import/kinds.h"
#include "oneroster/or_impl.h"

/* A string → (a, b, sub) map for what earlier files of the zip taught later ones:
 * "o:" org and "t:" term and "c:" class and "u:" user sourcedIds that matched
 * existing rows under another uid, "s:" scheduled sections (class, term,
 * subject), "r:" the primary role of each user (role, school), "p:" persons by
 * userMasterIdentifier. */
typedef struct or_entry {
    char *key;
    int64_t a, b;
    char sub[8];
} or_entry;

typedef struct or_map {
    or_entry *slots;
    size_t cap, n;
    sh_pool *keys;
} or_map;

typedef struct or_ctx {
    sh_req *req; /* API caller, NULL: the command line */
    or_map map;
    char today[11];
} or_ctx;

enum { OR_ROLE_STUDENT = 1, OR_ROLE_STAFF, OR_ROLE_GUARDIAN, OR_ROLE_RELATIVE };

int or_map_put(or_map *m, const char *prefix, const char *key, int64_t a, int64_t b, const char *sub);
const or_entry *or_map_get(const or_map *m, const char *prefix, const char *key);

static inline or_ctx *or_ctx_of(sh_import *im) { return im->o->ctx; }

/* The sourcedId of column col, checked (required; 1–64 of [A-Za-z0-9._-]) and
 * once per file; NULL with an error. */
const char *or_sid(sh_import *im, const sh_import_row *row, int col, sh_err *err);
/* The first of a comma-separated list of sourcedIds in column col (NULL when empty). */
const char *or_first(sh_import *im, const sh_import_row *row, int col);
/* The org node named by sourcedId sid, of kind (or kind2 when not NULL): its
 * key, 0 when unknown, SH_ERR on failure. */
int64_t or_org(sh_import *im, const char *sid, const char *kind, const char *kind2, sh_err *err);
/* A school named in column col: known, and writable by the importer; 0 with an
 * error otherwise. */
int64_t or_school(sh_import *im, const sh_import_row *row, int col, sh_err *err);
/* May the importer write at org? 1, 0, SH_ERR. perm: roster.write or org.write. */
int or_may(sh_import *im, const char *perm, int64_t org, sh_err *err);
/* The row of table whose uid is sid (or that sid was mapped to under prefix):
 * its key and school; 0 when none. */
int64_t or_row(sh_import *im, const char *table, const char *prefix, const char *sid, int64_t *school,
               sh_err *err);
/* Two-key and one-key lookups: $1 = a, $2 = b (b < 0: not bound) / $2 = text. */
int64_t or_i64(sh_import *im, const char *sql, int64_t a, int64_t b, const char *text, sh_err *err);

extern const sh_import_kind sh_or_kind_orgs, sh_or_kind_sessions, sh_or_kind_courses, sh_or_kind_classes,
    sh_or_kind_roles, sh_or_kind_users, sh_or_kind_enrollments, sh_or_kind_demographics;

#endif
