/* module.h — private to src/kg/: the migrations, the route handlers and the
 * graph helpers they share. */
#ifndef SH_KG_MODULE_H
#define SH_KG_MODULE_H

#include "kg/kg.h"
#include "model/api.h"

#include <string.h>

extern const sh_migration sh_kg_migrations[];
extern const int sh_kg_nmigrations;

/* A point as the handlers name it in replies and messages. */
typedef struct kg_ref {
    int64_t key;
    const char *uid, *code, *name;
} kg_ref;

/* Load the point with public id or code `ref`: SH_ROW, SH_DONE (404 set), SH_ERR. */
int kg_point_load(sh_conn *c, sh_pool *p, const char *ref, kg_ref *out, sh_err *err);
/* Make the point's prerequisites exactly keys[0..n-1] (duplicates ignored), or
 * add them to the ones it has (KG_KEEP_OTHERS), refusing a self-reference or a
 * cycle (unless the caller has checked the final graph: KG_CHECKED); adds and
 * removes edges through the write path. *added and *removed (may be NULL) count
 * the edges. In the caller's write transaction. */
enum { KG_KEEP_OTHERS = 1, KG_CHECKED = 2 };
int kg_set_prerequisites(sh_conn *c, sh_pool *p, int64_t point, const int64_t *keys, int n, int flags,
                         const sh_provenance *pv, int *added, int *removed, sh_err *err);
/* Remove one edge; 404 when it does not exist. */
int kg_remove_edge(sh_conn *c, sh_pool *p, int64_t point, int64_t prereq, const sh_provenance *pv,
                   sh_err *err);
/* The cycle message: "…会形成循环：A 名 → B 名 → A 名" from codes and names. */
int kg_cycle_error(sh_err *err, long row, long col, const char *const *codes, const char *const *names,
                   int n);

int kg_subjects(sh_req *req);
int kg_points_list(sh_req *req);
int kg_point_get(sh_req *req);
int kg_point_create(sh_req *req);
int kg_point_update(sh_req *req);
int kg_point_delete(sh_req *req);
int kg_point_history(sh_req *req);
int kg_edge_add(sh_req *req);
int kg_edge_remove(sh_req *req);
int kg_prerequisites(sh_req *req);
int kg_dependants(sh_req *req);
int kg_import_api(sh_req *req);
int kg_export_api(sh_req *req);

#endif
