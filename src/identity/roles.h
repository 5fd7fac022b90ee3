/* roles.h — permissions and roles: the built-in roles of an education bureau's
 * platform and the three administrators (三员分立, SEC-09), plus custom roles that
 * are sets of permissions.
 *
 * A permission is a short name ("org.read") that routes declare. A role is a set of
 * permissions; an account holds roles through assignments scoped to an org node.
 * Built-in roles are data in roles.c; custom roles live in the role table. */
#ifndef SH_ROLES_H
#define SH_ROLES_H

#include "store/store.h"

#define SH_ROLE_CODE_MAX 32
#define SH_ROLE_MAX_PERMS 32

/* Permission of routes every signed-in session may call at any stage of sign-in
 * (me, logout, second factor, password change). */
#define SH_SESSION "session"

enum {
    SH_ROLE_ADMIN = 1,   /* administrative: needs a second factor (SEC-06) */
    SH_ROLE_TRIAD = 2,   /* one of the three administrators: held alone (SEC-09) */
    SH_ROLE_BUILTIN = 4, /* shipped with the product; cannot be changed */
};

typedef struct sh_permission {
    const char *name;
    const char *label; /* Chinese */
} sh_permission;

typedef struct sh_role {
    char code[SH_ROLE_CODE_MAX + 1];
    char label[96];                       /* Chinese */
    const char *perms[SH_ROLE_MAX_PERMS]; /* NULL-terminated; point into sh_permissions() */
    unsigned flags;
    const char *org_kinds; /* " city district " — where it may be assigned; NULL: anywhere */
} sh_role;

/* Every permission routes may declare (besides SH_PUBLIC and SH_SESSION). */
const sh_permission *sh_permissions(int *n);
int sh_permission_known(const char *name);

/* Built-in roles. */
const sh_role *sh_builtin_roles(int *n);
const sh_role *sh_builtin_role(const char *code);

/* Find a role by code: built-in, or custom from the store (copied into *out). SH_ROW
 * when found, SH_DONE when not, SH_ERR on a store failure. */
int sh_role_find(sh_conn *c, const char *code, sh_role *out, sh_err *err);

int sh_role_has(const sh_role *r, const char *perm);
/* May the role be assigned at an org node of this kind? */
int sh_role_fits_org(const sh_role *r, const char *org_kind);
/* A role needs a second factor when it is administrative or may unmask L4 data. */
int sh_role_needs_mfa(const sh_role *r);

#endif
