/* or_impl.h — private to src/oneroster/: the declaration of each OneRoster
 * entity as served (its derived SQL, its fields with their CSV header, REST
 * member, masking and filter expression) and what the files of the module
 * share. */
#ifndef SH_OR_IMPL_H
#define SH_OR_IMPL_H

#include "oneroster/oneroster.h"

#define SH_OR_REST_BASE "/ims/oneroster/rostering/v1p2"

typedef enum {
    OR_TEXT = 1, /* text as stored */
    OR_CONST,    /* REST only, the text of col itself ("active") */
    OR_TIME,     /* UTC ms → ISO 8601 (dateLastModified); blank in bulk CSV */
    OR_BOOL,     /* 'true' / 'false' text; a JSON boolean over REST */
    OR_REF,      /* sourcedId of another object: a GUIDRef over REST */
    OR_REFS,     /* comma-separated sourcedIds: an array of GUIDRefs */
    OR_LIST,     /* comma-separated values: an array of strings */
    OR_FAMILY,   /* family name: the first character of col (a Chinese name) */
    OR_GIVEN,    /* given name: the rest of col */
    OR_SECRET,   /* an encrypted roster field: clear only when unmasked */
} sh_or_type;

/* Where an encrypted value comes from: the declared entity and field, the
 * derived columns holding its ciphertext, the row uid it is bound to and its
 * stored masked form (NULL: omitted when masked). */
typedef struct sh_or_secret {
    const sh_entity *entity;
    const char *field;
    const char *ct_col, *uid_col, *mask_col;
} sh_or_secret;

typedef struct sh_or_field {
    const char *csv;  /* CSV header; NULL: REST only */
    const char *json; /* REST member ("metadata.x" goes inside metadata); NULL: CSV only */
    const char *col;  /* column of the derived row */
    sh_or_type type;
    const char *ref; /* OR_REF / OR_REFS: the GUIDRef type ("org", "academicSession" …) */
    sh_mask mask;    /* how it shows to a reader who may not unmask (NONE: always clear) */
    const sh_or_secret *secret;
} sh_or_field;

struct sh_or_entity {
    const char *collection; /* "users": REST path and wrapper member */
    const char *single;     /* "user": wrapper member of one object */
    const char *file;       /* "users.csv" */
    const char *sql;        /* the derived rows: columns named as the fields' col, plus
                               sourcedId and the scope columns below */
    const char *scope_set;  /* org ids a row hangs under, over alias t (sh_scope_org_set) */
    int city_wide;          /* readable by anyone holding roster.read (terms) */
    const sh_or_field *fields;
    int nfields;
};

extern const sh_or_entity sh_or_orgs, sh_or_sessions, sh_or_courses, sh_or_classes, sh_or_users, sh_or_roles,
    sh_or_enrollments, sh_or_demographics;

/* The value of field f in the current row of s (columns of the derived SQL,
 * looked up by name in cols), as the reader may see it; NULL when empty.
 * Pool-allocated. */
typedef struct sh_or_row {
    sh_stmt *s;
    const sh_or_entity *e;
    int *col_of; /* per field: column index of f->col in s (-1: none) */
    int *aux_of; /* per field: secret ct, uid, mask column indexes (3 per field) */
    int unmask;
    sh_pool *p;
} sh_or_row;

/* Bind the derived columns of e to the statement's result columns. */
int sh_or_row_init(sh_or_row *r, sh_pool *p, const sh_or_entity *e, sh_stmt *s, int unmask);
const char *sh_or_value(const sh_or_row *r, int field);

/* SELECT * FROM (derived) t WHERE scope [AND extra] into sql. */
int sh_or_select(sh_buf *sql, const sh_or_entity *e, const sh_scope *scope, const char *extra);

/* Family / given name of a Chinese name (pool). */
const char *sh_or_family(sh_pool *p, const char *name);
const char *sh_or_given(sh_pool *p, const char *name);

/* CEDS grade code of a grade node's name ("七年级" → "07"), NULL when unknown;
 * and back ("07" → "七年级"). */
const char *sh_or_grade_code(const char *name);
const char *sh_or_grade_name(const char *code);

/* REST (rest.c): the handlers, the scope of a request's reads as an
 * sh_or_scope_fn (ctx: sh_or_req_ctx), unmask_reason checked and audited, and
 * req->err turned into the OneRoster error payload. */
typedef struct req_scope {
    sh_req *req;
    int unmask;
} sh_or_req_ctx;
int sh_or_rest_list(sh_req *req);
int sh_or_rest_get(sh_req *req);
int sh_or_req_scope(void *ctx, const sh_or_entity *e, sh_scope *out, sh_err *err);
int sh_or_unmask(sh_req *req, const char *what, int *unmask);
int sh_or_reply_error(sh_req *req);

/* A sourcedId we accept as a public id: 1–64 of [A-Za-z0-9._-]. */
int sh_or_valid_id(const char *v);

#endif
