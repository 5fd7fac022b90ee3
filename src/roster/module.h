/* module.h — what the roster's files share inside the module: its migrations,
 * the scope of each entity's rows and the handlers of its route table. */
#ifndef SH_ROSTER_MODULE_H
#define SH_ROSTER_MODULE_H

#include "model/api.h"
#include "roster/roster.h"
#include "store/migrate.h"

#define SH_ROSTER_NMIGRATIONS 3
extern const sh_migration sh_roster_migrations[SH_ROSTER_NMIGRATIONS];

/* The org nodes a row of e (alias t) hangs under, as SQL for sh_scope_org_set. */
const char *sh_roster_scope_orgs(const sh_entity *e);

/* Rows of e the caller reaches with perm (and, with unmask requested by a reason
 * header, whether sensitive fields show in clear — audited here). */
int sh_roster_scope(sh_req *req, const sh_entity *e, const char *perm, sh_scope *out);

/* Generic handlers over the route's reply entity. */
int sh_roster_list(sh_req *req);
int sh_roster_get(sh_req *req);
int sh_roster_create(sh_req *req);
int sh_roster_update(sh_req *req);
int sh_roster_history(sh_req *req);
/* Persons: create with profile and identity document, deduplicated on the ID. */
int sh_roster_create_person(sh_req *req);
/* Persons (person_api.c): one person's summary, the duplicate-candidates report
 * and the merge of a duplicate into the person kept. */
int sh_roster_get_person(sh_req *req);
int sh_roster_duplicates(sh_req *req);
int sh_roster_merge_person(sh_req *req);
/* The students currently in a class (GET /api/v1/classes/{id}/students). */
int sh_roster_class_students(sh_req *req);
/* The signed-in student's own record and the students a guardian guards
 * (my_api.c), for the portal. */
int sh_roster_my_students(sh_req *req);
/* Counts of the care and support flags of the students of a school or district
 * (flags.c, GET /api/v1/student-flags?org=). */
int sh_roster_student_flags(sh_req *req);

#endif
