/* csv.c — the knowledge graph as a CSV file (the layout of the files under data/kg:
 * code,name,subject,edition,grade,semester,chapter,section,prerequisites,
 * description). Import checks every row first — columns, the fields as the
 * entity declares them, subjects by name or code, prerequisites that exist in
 * the file or the store, and the whole resulting graph for a cycle — and writes
 * only when there is no problem at all: points upsert on their code (a point
 * keeps its place in the textbook order; new points join after the subject's
 * last, in file order), a point's prerequisites become exactly the row's. Export writes the same layout, so
 * export → import → export is identical. */
#include "kg/module.h"

#include "codes/codes.h"
#include "tabular/reader.h"
#include "tabular/writer.h"

#include <stdio.h>
#include <stdlib.h>

#define NCOLS 10
#define MAX_ROWS 20000
static const char *const columns[NCOLS] = {"code",     "name",    "subject", "edition",       "grade",
                                           "semester", "chapter", "section", "prerequisites", "description"};
enum { C_CODE, C_NAME, C_SUBJECT, C_EDITION, C_GRADE, C_SEMESTER, C_CHAPTER, C_SECTION, C_PREREQ, C_DESC };

typedef struct row {
    long line;
    sh_record r;
    const char *code;
    const char **prereqs;
    int nprereqs;
    int64_t key; /* existing point, 0 when new */
} row;

typedef struct node {
    const char *code;
    int64_t key;
    int row; /* index in rows, -1 for a point only in the store */
} node;

static int cmp_node(const void *a, const void *b) {
    return strcmp(((const node *)a)->code, ((const node *)b)->code);
}

static node *find_node(node *nodes, int n, const char *code) {
    node k = {.code = code};
    return bsearch(&k, nodes, (size_t)n, sizeof *nodes, cmp_node);
}

/* Copy the first problem of one cell's check into res->err at row, col. */
static void cell_error(sh_kg_import_result *res, long line, int col, const sh_err *e) {
    sh_err_add_at(&res->err, 400, e->first.code, line, col + 1, e->first.value, "%s", e->first.message);
}

static int set_text(sh_pool *p, row *rw, int col, int filecol, const char *v, sh_kg_import_result *res) {
    const sh_entity *E = &sh_kg_point_entity;
    int i = sh_entity_field_index(E, columns[col]);
    const sh_field *f = &E->fields[i];
    sh_value *out = &rw->r.v[i];
    out->set = 1;
    const char *norm = NULL;
    sh_err e;
    sh_err_init(&e);
    int rc = sh_field_parse_text(p, f, v, &norm, &e);
    if (rc == SH_OK && norm && !*norm && (f->flags & SH_F_REQUIRED))
        rc = sh_err_add(&e, 400, "required", f->name, NULL, "请填写“%s”", f->label);
    if (rc != SH_OK)
        cell_error(res, rw->line, filecol, &e);
    sh_err_clear(&e);
    out->s = norm;
    out->is_null = !norm || !*norm;
    return rc;
}

/* Parse one data row into rw; problems go to res->err. */
static void parse_row(sh_conn *c, sh_pool *p, const char *const *cells, int ncells, const int *at, row *rw,
                      sh_kg_import_result *res) {
    const sh_entity *E = &sh_kg_point_entity;
    const char *cell[NCOLS];
    for (int k = 0; k < NCOLS; k++)
        cell[k] = at[k] >= 0 && at[k] < ncells ? sh_table_unescape_cell(cells[at[k]]) : "";
    rw->r.e = E;
    rw->r.v = sh_pcalloc(p, (size_t)E->nfields * sizeof *rw->r.v);
    if (!rw->r.v)
        return;
    static const int texts[] = {C_CODE, C_NAME, C_EDITION, C_SEMESTER, C_CHAPTER, C_SECTION, C_DESC};
    for (size_t k = 0; k < sizeof texts / sizeof texts[0]; k++)
        set_text(p, rw, texts[k], at[texts[k]], cell[texts[k]], res);
    rw->code = rw->r.v[sh_entity_field_index(E, "code")].s;
    /* subject: its name (数学) or its JY/T 1001 code (14) */
    char code[16] = "";
    sh_err e;
    sh_err_init(&e);
    const char *subj = sh_normalise_text(p, cell[C_SUBJECT]);
    if (subj && sh_code_valid("jyt_k12_course", subj) == 1)
        snprintf(code, sizeof code, "%s", subj);
    else if (!subj || sh_codes_code_of(c, "jyt_k12_course", subj, code, sizeof code, &e) != SH_ROW)
        sh_err_add_at(&res->err, 400, "invalid_code", rw->line, at[C_SUBJECT] + 1, cell[C_SUBJECT],
                      "“学科”应为 JY/T 1001 课程名称或代码（如 数学 或 14），实际为“%.60s”", cell[C_SUBJECT]);
    sh_err_clear(&e);
    rw->r.v[sh_entity_field_index(E, "subject")] = (sh_value){.set = 1, .s = sh_pstrdup(p, code)};
    /* grade */
    char *end;
    long g = strtol(cell[C_GRADE], &end, 10);
    if (!*cell[C_GRADE] || *end || g < 1 || g > 12)
        sh_err_add_at(&res->err, 400, "invalid_grade", rw->line, at[C_GRADE] + 1, cell[C_GRADE],
                      "“年级”应为 1 到 12 的整数（七年级为 7），实际为“%.20s”", cell[C_GRADE]);
    rw->r.v[sh_entity_field_index(E, "grade")] = (sh_value){.set = 1, .i = g};
    /* prerequisites: codes separated by ';' */
    char *list = sh_pstrdup(p, cell[C_PREREQ]);
    rw->prereqs = sh_pcalloc(p, (strlen(cell[C_PREREQ]) / 2 + 1) * sizeof *rw->prereqs);
    for (char *save = NULL, *t = list ? strtok_r(list, ";；", &save) : NULL; t && rw->prereqs;
         t = strtok_r(NULL, ";；", &save)) {
        const char *norm = sh_normalise_text(p, t);
        if (norm && *norm)
            rw->prereqs[rw->nprereqs++] = norm;
    }
    if (rw->nprereqs > 50)
        sh_err_add_at(&res->err, 400, "too_many", rw->line, at[C_PREREQ] + 1, NULL,
                      "一个知识点至多 50 个先修知识点，这里有 %d 个", rw->nprereqs);
}

/* Map the header to the columns; every missing or unknown one is an error. */
static int map_header(const char *const *cells, int n, int *at, sh_kg_import_result *res) {
    for (int k = 0; k < NCOLS; k++)
        at[k] = -1;
    for (int i = 0; i < n; i++) {
        const char *h = sh_table_unescape_cell(cells[i]);
        int k = 0;
        while (k < NCOLS && strcmp(columns[k], h) != 0)
            k++;
        if (k == NCOLS)
            sh_err_add_at(
                &res->err, 400, "unknown_column", 1, i + 1, h, "不认识的列“%.60s”，应为：%s", h,
                "code,name,subject,edition,grade,semester,chapter,section,prerequisites,description");
        else if (at[k] >= 0)
            sh_err_add_at(&res->err, 400, "duplicate_column", 1, i + 1, h, "列“%s”出现了两次", h);
        else
            at[k] = i;
    }
    for (int k = 0; k < NCOLS; k++)
        if (at[k] < 0 && k != C_SECTION && k != C_DESC)
            sh_err_add_at(&res->err, 400, "missing_column", 1, 0, columns[k], "缺少列“%s”", columns[k]);
    return sh_err_count(&res->err) ? SH_ERR : SH_OK;
}

/* Nodes: the store's points and the file's, sorted by code. */
static node *load_nodes(sh_conn *c, sh_pool *p, row *rows, int nrows, int *nn, sh_err *err) {
    int64_t total = 0;
    if (sh_query_i64(c, "SELECT COUNT(*) FROM kg_point", &total, err) == SH_ERR)
        return NULL;
    node *nodes = sh_palloc(p, (size_t)(total + nrows + 1) * sizeof *nodes);
    if (!nodes) {
        sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
        return NULL;
    }
    int n = 0;
    sh_stmt *s = sh_prepare(c, "SELECT id, code FROM kg_point", err);
    int rc = s ? SH_ROW : SH_ERR;
    while (s && n < total && (rc = sh_step(s, err)) == SH_ROW)
        nodes[n++] = (node){.code = sh_pstrdup(p, sh_col_text(s, 1)), .key = sh_col_i64(s, 0), .row = -1};
    if (s)
        sh_stmt_done(s);
    if (rc == SH_ERR)
        return NULL;
    qsort(nodes, (size_t)n, sizeof *nodes, cmp_node);
    int stored = n;
    for (int i = 0; i < nrows; i++) {
        if (!rows[i].code)
            continue;
        node k = {.code = rows[i].code};
        node *f = bsearch(&k, nodes, (size_t)stored, sizeof *nodes, cmp_node);
        if (f) {
            f->row = i;
            rows[i].key = f->key;
        } else {
            nodes[n++] = (node){.code = rows[i].code, .row = i};
        }
    }
    qsort(nodes, (size_t)n, sizeof *nodes, cmp_node);
    *nn = n;
    return nodes;
}

/* Prerequisites exist, no duplicates of codes, and the graph after the import is
 * a DAG. */
static int check_graph_rows(sh_conn *c, sh_pool *p, row *rows, int nrows, int pcol, node *nodes, int nn,
                            sh_kg_import_result *res) {
    int dup = 0; /* duplicate codes in the file: reported elsewhere, no cycle check */
    for (int i = 1; i < nn; i++)
        dup |= strcmp(nodes[i - 1].code, nodes[i].code) == 0;
    long narcs = 0;
    for (int i = 0; i < nrows; i++)
        narcs += rows[i].nprereqs;
    int64_t stored_edges = 0;
    if (sh_query_i64(c, "SELECT COUNT(*) FROM kg_edge", &stored_edges, &res->err) == SH_ERR)
        return SH_ERR;
    sh_kg_arc *arcs = sh_palloc(p, (size_t)(narcs + stored_edges + 1) * sizeof *arcs);
    int *cycle = sh_palloc(p, (size_t)(nn + 1) * sizeof *cycle);
    if (!arcs || !cycle)
        return sh_err_set(&res->err, 500, "out_of_memory", NULL, "内存不足");
    int na = 0;
    for (int i = 0; i < nrows; i++) {
        node *from = rows[i].code ? find_node(nodes, nn, rows[i].code) : NULL;
        for (int j = 0; j < rows[i].nprereqs; j++) {
            node *to = find_node(nodes, nn, rows[i].prereqs[j]);
            if (!to)
                sh_err_add_at(&res->err, 400, "unknown_reference", rows[i].line, pcol, rows[i].prereqs[j],
                              "先修知识点“%.60s”既不在文件中，也不在知识图谱中", rows[i].prereqs[j]);
            else if (from == to)
                sh_err_add_at(&res->err, 409, "kg_cycle", rows[i].line, pcol, rows[i].prereqs[j],
                              "知识点“%.60s”不能以自身为先修", rows[i].code);
            else if (from)
                arcs[na++] = (sh_kg_arc){(int)(from - nodes), (int)(to - nodes)};
        }
    }
    /* the store's edges of points the file does not list */
    sh_stmt *s = sh_prepare(c,
                            "SELECT a.code, b.code FROM kg_edge e JOIN kg_point a ON a.id = e.point_id"
                            " JOIN kg_point b ON b.id = e.prereq_id",
                            &res->err);
    int rc = s ? SH_ROW : SH_ERR;
    while (s && (rc = sh_step(s, &res->err)) == SH_ROW && na < narcs + stored_edges) {
        node *from = find_node(nodes, nn, sh_col_text(s, 0)), *to = find_node(nodes, nn, sh_col_text(s, 1));
        if (from && to && from->row < 0)
            arcs[na++] = (sh_kg_arc){(int)(from - nodes), (int)(to - nodes)};
    }
    if (s)
        sh_stmt_done(s);
    if (rc == SH_ERR)
        return SH_ERR;
    if (sh_err_count(&res->err) || dup)
        return SH_ERR;
    int len = 0;
    rc = sh_kg_find_cycle(nn, arcs, na, cycle, &len);
    if (rc == SH_ERR)
        return sh_err_set(&res->err, 500, "out_of_memory", NULL, "内存不足");
    if (rc == 0)
        return SH_OK;
    const char **codes = sh_palloc(p, (size_t)len * sizeof *codes);
    if (!codes)
        return sh_err_set(&res->err, 500, "out_of_memory", NULL, "内存不足");
    for (int i = 0; i < len; i++)
        codes[i] = nodes[cycle[i]].code;
    int r0 = nodes[cycle[0]].row;
    return kg_cycle_error(&res->err, r0 >= 0 ? rows[r0].line : 1, pcol, codes, NULL, len);
}

/* Write the rows: upsert each point, then set each one's prerequisites. */
static int apply(sh_conn *c, sh_pool *p, row *rows, int nrows, node *nodes, int nn, const sh_provenance *pv,
                 sh_kg_import_result *res) {
    int ord = sh_entity_field_index(&sh_kg_point_entity, "ordinal");
    int subj = sh_entity_field_index(&sh_kg_point_entity, "subject");
    const char *last_subject = NULL;
    int64_t next = 0;
    for (int i = 0; i < nrows; i++) {
        const char *subject = rows[i].r.v[subj].s;
        if (!rows[i].key) { /* a new point joins the textbook order after the subject's last */
            if (!last_subject || strcmp(last_subject, subject) != 0) {
                sh_stmt *s = sh_prepare(
                    c, "SELECT COALESCE(MAX(ordinal), 0) FROM kg_point WHERE subject = $1", &res->err);
                if (!s)
                    return SH_ERR;
                sh_bind_text(s, 1, subject, -1);
                int st = sh_step(s, &res->err);
                next = st == SH_ROW ? sh_col_i64(s, 0) : 0;
                sh_stmt_done(s);
                if (st == SH_ERR)
                    return SH_ERR;
                last_subject = subject;
            }
            rows[i].r.v[ord] = (sh_value){.set = 1, .i = ++next};
        }
        if (rows[i].key) {
            int changed = 0;
            if (sh_record_update(c, p, &rows[i].r, rows[i].key, 0, pv, &changed, &res->err) != SH_OK)
                return SH_ERR;
            if (changed)
                res->updated++;
            else
                res->unchanged++;
        } else {
            if (sh_record_insert(c, p, &rows[i].r, 0, pv, &rows[i].key, NULL, &res->err) != SH_OK)
                return SH_ERR;
            res->created++;
        }
        find_node(nodes, nn, rows[i].code)->key = rows[i].key;
    }
    for (int i = 0; i < nrows; i++) {
        int64_t *keys = sh_palloc(p, (size_t)(rows[i].nprereqs + 1) * sizeof *keys);
        if (!keys)
            return sh_err_set(&res->err, 500, "out_of_memory", NULL, "内存不足");
        for (int j = 0; j < rows[i].nprereqs; j++)
            keys[j] = find_node(nodes, nn, rows[i].prereqs[j])->key;
        int added = 0, removed = 0;
        if (kg_set_prerequisites(c, p, rows[i].key, keys, rows[i].nprereqs, KG_CHECKED, pv, &added, &removed,
                                 &res->err) != SH_OK)
            return SH_ERR;
        res->edges_added += added;
        res->edges_removed += removed;
    }
    return SH_OK;
}

int sh_kg_import(sh_conn *c, sh_pool *p, const char *data, size_t len, const sh_provenance *pv,
                 sh_kg_import_result *res) {
    sh_table_reader *r = NULL;
    sh_table_limits lim = {.max_cell_bytes = 4096, .max_columns = 32, .max_rows = MAX_ROWS + 1};
    if (sh_table_open_mem(data, len, SH_TABLE_CSV, &lim, &r, &res->err) != SH_OK)
        return SH_ERR;
    const char *const *cells;
    int ncells, at[NCOLS];
    int rc = sh_table_next(r, &cells, &ncells, &res->err);
    if (rc == SH_DONE)
        rc = sh_err_set(&res->err, 400, "empty_file", NULL, "文件是空的：第一行应为列名");
    if (rc != SH_ROW || map_header(cells, ncells, at, res) != SH_OK) {
        sh_table_close(r);
        return SH_ERR;
    }
    row *rows = sh_pcalloc(p, MAX_ROWS * sizeof *rows);
    int nrows = 0;
    while (rows && (rc = sh_table_next(r, &cells, &ncells, &res->err)) == SH_ROW && nrows < MAX_ROWS) {
        rows[nrows].line = sh_table_row(r);
        parse_row(c, p, cells, ncells, at, &rows[nrows], res);
        nrows++;
    }
    sh_table_close(r);
    if (!rows)
        return sh_err_set(&res->err, 500, "out_of_memory", NULL, "内存不足");
    if (rc == SH_ERR)
        return SH_ERR;
    res->rows = nrows;
    for (int i = 0; i < nrows; i++) /* duplicate codes in the file */
        for (int j = 0; j < i && rows[i].code; j++)
            if (rows[j].code && strcmp(rows[i].code, rows[j].code) == 0) {
                sh_err_add_at(&res->err, 400, "duplicate", rows[i].line, at[C_CODE] + 1, rows[i].code,
                              "知识点编码“%s”与第 %ld 行重复", rows[i].code, rows[j].line);
                break;
            }
    int nn = 0;
    node *nodes = load_nodes(c, p, rows, nrows, &nn, &res->err);
    if (!nodes)
        return SH_ERR;
    if (check_graph_rows(c, p, rows, nrows, at[C_PREREQ] + 1, nodes, nn, res) != SH_OK ||
        sh_err_count(&res->err))
        return SH_ERR;
    return apply(c, p, rows, nrows, nodes, nn, pv, res);
}

/* ---- export ---- */

typedef struct edge_row {
    int64_t point;
    const char *code;
} edge_row;

int sh_kg_export(sh_conn *c, sh_pool *p, const char *subject, const char *path, sh_err *err) {
    int64_t nedges = 0;
    if (sh_query_i64(c, "SELECT COUNT(*) FROM kg_edge", &nedges, err) == SH_ERR)
        return SH_ERR;
    edge_row *edges = sh_palloc(p, (size_t)(nedges + 1) * sizeof *edges);
    sh_stmt *s =
        edges ? sh_prepare(c,
                           "SELECT e.point_id, b.code FROM kg_edge e JOIN kg_point b ON b.id = e.prereq_id"
                           " ORDER BY e.point_id, b.subject, b.ordinal, b.code",
                           err)
              : NULL;
    if (!s)
        return edges ? SH_ERR : sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    int ne = 0, rc = SH_ROW;
    while (ne < nedges && (rc = sh_step(s, err)) == SH_ROW)
        edges[ne++] = (edge_row){sh_col_i64(s, 0), sh_pstrdup(p, sh_col_text(s, 1))};
    sh_stmt_done(s);
    if (rc == SH_ERR)
        return SH_ERR;
    sh_table_writer *w = NULL;
    if (sh_table_writer_open(path, SH_TABLE_CSV, "知识图谱", &w, err) != SH_OK)
        return SH_ERR;
    if (sh_table_write_header(w, columns, NULL, NCOLS, err) != SH_OK) {
        sh_table_writer_abort(w);
        return SH_ERR;
    }
    s = sh_prepare(c,
                   "SELECT id, code, name, subject, edition, grade, semester, chapter, section, description"
                   " FROM kg_point WHERE ($1 = '' OR subject = $1) ORDER BY subject, ordinal, code",
                   err);
    if (!s) {
        sh_table_writer_abort(w);
        return SH_ERR;
    }
    sh_bind_text(s, 1, subject ? subject : "", -1);
    rc = SH_OK;
    while (rc == SH_OK && (rc = sh_step(s, err)) == SH_ROW) {
        int64_t id = sh_col_i64(s, 0);
        sh_buf pre;
        sh_buf_init(&pre, (size_t)64 * 1024);
        int lo = 0, hi = ne; /* edges are sorted by point: the first of this one */
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            if (edges[mid].point < id)
                lo = mid + 1;
            else
                hi = mid;
        }
        for (int k = lo; k < ne && edges[k].point == id; k++) {
            if (pre.len)
                sh_buf_putc(&pre, ';');
            sh_buf_puts(&pre, edges[k].code);
        }
        char subj[64], grade[16];
        if (sh_codes_name(c, "jyt_k12_course", sh_col_text(s, 3), subj, sizeof subj, err) != SH_ROW)
            snprintf(subj, sizeof subj, "%s", sh_col_text(s, 3));
        snprintf(grade, sizeof grade, "%lld", (long long)sh_col_i64(s, 5));
        const char *cells[NCOLS] = {sh_col_text(s, 1),
                                    sh_col_text(s, 2),
                                    subj,
                                    sh_col_text(s, 4),
                                    grade,
                                    sh_col_text(s, 6),
                                    sh_col_text(s, 7),
                                    sh_col_text(s, 8),
                                    pre.len ? pre.data : "",
                                    sh_col_text(s, 9)};
        rc = sh_table_write_row(w, cells, NCOLS, err) == SH_OK ? SH_OK : SH_ERR;
        sh_buf_free(&pre);
    }
    sh_stmt_done(s);
    if (rc == SH_ERR) {
        sh_table_writer_abort(w);
        return SH_ERR;
    }
    return sh_table_writer_close(w, err);
}

int sh_kg_import_tx(sh_conn *c, const char *data, size_t len, int dry_run, const sh_provenance *pv,
                    sh_kg_import_result *res) {
    sh_pool *p = sh_pool_create();
    if (!p)
        return sh_err_set(&res->err, 500, "out_of_memory", NULL, "内存不足");
    int rc = sh_begin_write(c, &res->err);
    if (rc == SH_OK) {
        rc = sh_kg_import(c, p, data, len, pv, res);
        if (rc == SH_OK && !dry_run)
            rc = sh_commit(c, &res->err);
        else
            sh_rollback(c);
    }
    sh_pool_destroy(p);
    return rc;
}
