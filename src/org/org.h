/* org.h — the organisation tree: city → district/county → school → campus → grade
 * → class, plus bureau departments, kept with a closure table so that "is X under
 * Y" is one indexed lookup (DESIGN §3.2). This module declares the tree and its
 * storage; the identity module builds access control on it. */
#ifndef SH_ORG_H
#define SH_ORG_H

#include "app.h"
#include "core/uid.h"

extern const sh_module sh_org_module;
extern const sh_entity sh_org_unit_entity;

/* Kinds of organisation nodes (stored as text). */
#define SH_ORG_CITY "city"
#define SH_ORG_DISTRICT "district"
#define SH_ORG_SCHOOL "school"
#define SH_ORG_CAMPUS "campus"
#define SH_ORG_GRADE "grade"
#define SH_ORG_CLASS "class"
#define SH_ORG_DEPARTMENT "department"

typedef struct sh_org_new {
    const char *kind, *name, *region_code, *school_code;
    int64_t parent;    /* internal key, 0 for the root */
    const char *uid;   /* NULL: generated */
    int64_t school_id; /* school this node belongs to (0 above schools) */
} sh_org_new;

/* Insert one node and its closure rows in the caller's write transaction.
 * *id receives the internal key. */
int sh_org_insert(sh_conn *c, const sh_org_new *n, int64_t *id, sh_err *err);

#endif
