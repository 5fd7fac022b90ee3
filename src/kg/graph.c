/* graph.c — the knowledge graph in the store: finding a point, the transitive
 * closure query, and changing a point's prerequisites with the cycle check run
 * over the whole graph as it would be after the change (sh_kg_find_cycle). */
#include "kg/module.h"

#include "core/alloc.h"

#include <stdio.h>
#include <stdlib.h>

#define MAX_REF 64

int kg_point_load(sh_conn *c, sh_pool *p, const char *ref, kg_ref *out, sh_err *err) {
    if (!ref || !*ref || strlen(ref) > MAX_REF)
        return sh_err_set(err, 404, "not_found", NULL, "知识点不存在");
    sh_stmt *s = sh_prepare(c, "SELECT id, uid, code, name FROM kg_point WHERE uid = $1 OR code = $1", err);
    if (!s)
        return SH_ERR;
    sh_bind_text(s, 1, ref, -1);
    int rc = sh_step(s, err);
    if (rc == SH_ROW)
        *out = (kg_ref){.key = sh_col_i64(s, 0),
                        .uid = sh_pstrdup(p, sh_col_text(s, 1)),
                        .code = sh_pstrdup(p, sh_col_text(s, 2)),
                        .name = sh_pstrdup(p, sh_col_text(s, 3))};
    sh_stmt_done(s);
    if (rc == SH_DONE)
        sh_err_set(err, 404, "not_found", NULL, "知识点“%s”不存在", ref);
    return rc;
}

int64_t sh_kg_point_key(sh_conn *c, const char *ref, sh_err *err) {
    sh_pool *p = sh_pool_create();
    kg_ref r = {0};
    int rc = p ? kg_point_load(c, p, ref, &r, err) : SH_ERR;
    sh_pool_destroy(p);
    return rc == SH_ROW ? r.key : 0;
}

const char *sh_kg_closure_sql(const char *dir, int n, char *buf, size_t cap) {
    int up = strcmp(dir, "prerequisites") == 0;
    snprintf(buf, cap,
             "SELECT id, MIN(depth) AS depth FROM (WITH RECURSIVE walk(id, depth) AS ("
             "SELECT %s, 1 FROM kg_edge WHERE %s = $%d UNION "
             "SELECT e.%s, w.depth + 1 FROM kg_edge e JOIN walk w ON e.%s = w.id WHERE w.depth < 64)"
             " SELECT id, depth FROM walk) r GROUP BY id",
             up ? "prereq_id" : "point_id", up ? "point_id" : "prereq_id", n, up ? "prereq_id" : "point_id",
             up ? "point_id" : "prereq_id");
    return buf;
}

int kg_cycle_error(sh_err *err, long row, long col, const char *const *codes, const char *const *names,
                   int n) {
    char msg[1024];
    size_t off = 0;
    if (n < 1)
        return sh_err_add(err, 409, "kg_cycle", "prerequisites", NULL, "先修关系会形成循环");
    for (int i = 0; i <= n && off < sizeof msg; i++) {
        int k = i % n; /* back to the first */
        off += (size_t)snprintf(msg + off, sizeof msg - off, "%s%s%s%s", i ? " → " : "", codes[k],
                                names && names[k] ? " " : "", names && names[k] ? names[k] : "");
    }
    if (row)
        return sh_err_add_at(err, 409, "kg_cycle", row, col, codes[0], "先修关系形成循环：%s", msg);
    return sh_err_add(err, 409, "kg_cycle", "prerequisites", codes[0], "先修关系会形成循环：%s", msg);
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int index_of(const int64_t *keys, int n, int64_t k) {
    const int64_t *f = bsearch(&k, keys, (size_t)n, sizeof *keys, cmp_i64);
    return f ? (int)(f - keys) : -1;
}

/* Every edge of the graph, except the point's own when it gets new ones, plus
 * the point's new ones; SH_OK when acyclic, else 409 naming the cycle. */
static int check_graph(sh_conn *c, sh_pool *p, int64_t point, const int64_t *keys, int n, int keep_others,
                       sh_err *err) {
    int64_t total = 0;
    if (sh_query_i64(c, "SELECT COUNT(*) FROM kg_point", &total, err) == SH_ERR)
        return SH_ERR;
    int64_t nedges = 0;
    if (sh_query_i64(c, "SELECT COUNT(*) FROM kg_edge", &nedges, err) == SH_ERR)
        return SH_ERR;
    int64_t *ids = sh_palloc(p, (size_t)(total + 1) * sizeof *ids);
    sh_kg_arc *arcs = sh_palloc(p, (size_t)(nedges + n + 1) * sizeof *arcs);
    int *cycle = sh_palloc(p, (size_t)(total + 1) * sizeof *cycle);
    if (!ids || !arcs || !cycle)
        return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    int nid = 0, narc = 0;
    sh_stmt *s = sh_prepare(c, "SELECT id FROM kg_point ORDER BY id", err);
    if (!s)
        return SH_ERR;
    int rc;
    while ((rc = sh_step(s, err)) == SH_ROW && nid < total)
        ids[nid++] = sh_col_i64(s, 0);
    sh_stmt_done(s);
    s = rc == SH_ERR ? NULL : sh_prepare(c, "SELECT point_id, prereq_id FROM kg_edge", err);
    if (!s)
        return SH_ERR;
    while ((rc = sh_step(s, err)) == SH_ROW && narc < nedges) {
        int64_t from = sh_col_i64(s, 0);
        if (from == point && !keep_others)
            continue;
        arcs[narc].from = index_of(ids, nid, from);
        arcs[narc].to = index_of(ids, nid, sh_col_i64(s, 1));
        if (arcs[narc].from >= 0 && arcs[narc].to >= 0)
            narc++;
    }
    sh_stmt_done(s);
    if (rc == SH_ERR)
        return SH_ERR;
    for (int i = 0; i < n; i++) {
        arcs[narc] = (sh_kg_arc){index_of(ids, nid, point), index_of(ids, nid, keys[i])};
        if (arcs[narc].from >= 0 && arcs[narc].to >= 0)
            narc++;
    }
    int len = 0;
    rc = sh_kg_find_cycle(nid, arcs, narc, cycle, &len);
    if (rc == SH_ERR)
        return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    if (rc == 0)
        return SH_OK;
    const char **codes = sh_palloc(p, (size_t)len * sizeof *codes);
    const char **names = sh_palloc(p, (size_t)len * sizeof *names);
    s = codes && names ? sh_prepare(c, "SELECT code, name FROM kg_point WHERE id = $1", err) : NULL;
    if (!s)
        return SH_ERR;
    for (int i = 0; i < len; i++) {
        sh_stmt_reset(s);
        sh_bind_i64(s, 1, ids[cycle[i]]);
        int st = sh_step(s, err);
        codes[i] = st == SH_ROW ? sh_pstrdup(p, sh_col_text(s, 0)) : "?";
        names[i] = st == SH_ROW ? sh_pstrdup(p, sh_col_text(s, 1)) : NULL;
    }
    sh_stmt_done(s);
    return kg_cycle_error(err, 0, 0, codes, names, len);
}

/* The record of an edge for the write path. */
static int edge_record(sh_pool *p, int64_t point, int64_t prereq, sh_record *r) {
    r->e = &sh_kg_edge_entity;
    r->v = sh_pcalloc(p, (size_t)sh_kg_edge_entity.nfields * sizeof *r->v);
    if (!r->v)
        return SH_ERR;
    r->v[sh_entity_field_index(&sh_kg_edge_entity, "point")] = (sh_value){.set = 1, .i = point};
    r->v[sh_entity_field_index(&sh_kg_edge_entity, "prerequisite")] = (sh_value){.set = 1, .i = prereq};
    return SH_OK;
}

int kg_set_prerequisites(sh_conn *c, sh_pool *p, int64_t point, const int64_t *keys, int n, int flags,
                         const sh_provenance *pv, int *added, int *removed, sh_err *err) {
    int keep_others = flags & KG_KEEP_OTHERS;
    for (int i = 0; i < n; i++)
        if (keys[i] == point)
            return sh_err_add(err, 409, "kg_cycle", "prerequisites", NULL, "知识点不能以自身为先修");
    if (!(flags & KG_CHECKED) && check_graph(c, p, point, keys, n, keep_others, err) != SH_OK)
        return SH_ERR;
    /* the edges there are now */
    int64_t have[512];
    int64_t edge_key[512];
    int nhave = 0, rc;
    sh_stmt *s = sh_prepare(c, "SELECT prereq_id, id FROM kg_edge WHERE point_id = $1 ORDER BY id", err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, point);
    while ((rc = sh_step(s, err)) == SH_ROW && nhave < 512) {
        have[nhave] = sh_col_i64(s, 0);
        edge_key[nhave++] = sh_col_i64(s, 1);
    }
    sh_stmt_done(s);
    if (rc == SH_ERR)
        return SH_ERR;
    int nadd = 0, nrem = 0;
    for (int i = 0; i < nhave && !keep_others; i++) {
        int wanted = 0;
        for (int j = 0; j < n && !wanted; j++)
            wanted = keys[j] == have[i];
        if (!wanted) {
            if (sh_record_delete(c, p, &sh_kg_edge_entity, edge_key[i], 0, pv, err) != SH_OK)
                return SH_ERR;
            nrem++;
        }
    }
    for (int j = 0; j < n; j++) {
        int there = 0;
        for (int i = 0; i < nhave && !there; i++)
            there = keys[j] == have[i];
        for (int k = 0; k < j && !there; k++)
            there = keys[k] == keys[j];
        if (there)
            continue;
        sh_record r;
        int64_t key;
        if (edge_record(p, point, keys[j], &r) != SH_OK)
            return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
        if (sh_record_insert(c, p, &r, 0, pv, &key, NULL, err) != SH_OK)
            return SH_ERR;
        nadd++;
    }
    if (added)
        *added = nadd;
    if (removed)
        *removed = nrem;
    return SH_OK;
}

int kg_remove_edge(sh_conn *c, sh_pool *p, int64_t point, int64_t prereq, const sh_provenance *pv,
                   sh_err *err) {
    sh_stmt *s = sh_prepare(c, "SELECT id FROM kg_edge WHERE point_id = $1 AND prereq_id = $2", err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, point);
    sh_bind_i64(s, 2, prereq);
    int rc = sh_step(s, err);
    int64_t key = rc == SH_ROW ? sh_col_i64(s, 0) : 0;
    sh_stmt_done(s);
    if (rc == SH_ERR)
        return SH_ERR;
    if (rc == SH_DONE)
        return sh_err_set(err, 404, "not_found", NULL, "没有这条先修关系");
    return sh_record_delete(c, p, &sh_kg_edge_entity, key, 0, pv, err);
}
