/* kg.h — the knowledge graph module: knowledge points of a subject mapped to a
 * textbook (edition, grade, semester, chapter, section, order) and their
 * prerequisite edges, which always form a DAG. The graph is city-wide reference
 * data: readable with kg.read, written with kg.write. Other modules (the item
 * bank, assignments, reports) refer to knowledge points by their key or code.
 *
 * The DAG check (sh_kg_find_cycle) is pure and store-free; the CSV layout
 * (sh_kg_import, sh_kg_export) is the one of the files under data/kg, shared by the API,
 * the command line and the demo. */
#ifndef SH_KG_H
#define SH_KG_H

#include "app.h"
#include "model/write.h"

#include <stdio.h>

extern const sh_module sh_kg_module;
extern const sh_entity sh_kg_point_entity;
extern const sh_entity sh_kg_edge_entity;

/* ---- the DAG check (dag.c) ---- */

/* A prerequisite edge between node indexes 0..n-1: `from` needs `to` first. */
typedef struct sh_kg_arc {
    int from, to;
} sh_kg_arc;

/* Whether the arcs over n nodes hold a cycle. 0: none. 1: one was found and its
 * nodes are in cycle[0..*len-1] (cycle[0] needs cycle[1] … needs cycle[0]);
 * cycle has room for n entries. SH_ERR when memory runs out or an arc names a
 * node outside 0..n-1. */
int sh_kg_find_cycle(int n, const sh_kg_arc *arcs, int narcs, int *cycle, int *len);

/* ---- store helpers (graph.c) ---- */

/* Key of the knowledge point with public id or code `ref`; 0 when none. */
int64_t sh_kg_point_key(sh_conn *c, const char *ref, sh_err *err);
/* Would an edge point → prerequisite (keys) close a cycle? SH_OK when not;
 * SH_ERR with 409 kg_cycle naming the cycle (by code and name) when it would. */
int sh_kg_check_edge(sh_conn *c, sh_pool *p, int64_t point, int64_t prerequisite, sh_err *err);
/* SQL of a subquery listing the keys of every point reached from the point
 * whose key is bound as $n, following prerequisite edges (dir "prerequisites")
 * or the reverse (dir "dependants"), with the least depth: columns (id, depth).
 * Written into buf. */
const char *sh_kg_closure_sql(const char *dir, int n, char *buf, size_t cap);

/* ---- CSV layout (csv.c) ---- */

typedef struct sh_kg_import_result {
    long rows, created, updated, unchanged, edges_added, edges_removed;
    sh_err err; /* every problem, with row and column */
} sh_kg_import_result;

/* Import the CSV bytes (data/kg layout) inside the caller's write transaction:
 * every row is checked first (columns, codes, subjects, grades, prerequisites
 * that exist, no cycle); on any problem nothing is written and SH_ERR returns
 * with every problem in res->err. Points upsert on their code; a point's
 * prerequisites become exactly the row's; re-importing changes nothing. A dry
 * run is this followed by the caller's rollback (the counts are then exact). */
int sh_kg_import(sh_conn *c, sh_pool *p, const char *data, size_t len, const sh_provenance *pv,
                 sh_kg_import_result *res);
/* The same in its own write transaction (rolled back on a dry run or any
 * problem), for the command line, the API and the demo. */
int sh_kg_import_tx(sh_conn *c, const char *data, size_t len, int dry_run, const sh_provenance *pv,
                    sh_kg_import_result *res);
/* Write the whole graph (or one subject's, by code; NULL = all) as CSV in the
 * same layout to path (UTF-8, RFC 4180). */
int sh_kg_export(sh_conn *c, sh_pool *p, const char *subject, const char *path, sh_err *err);

#endif
