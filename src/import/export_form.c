/* export_form.c — a scoped list of students written in an import template's
 * layout (the national registry form): the template's headers, each column read
 * from the field its key names (the student, their profile and identity
 * document, the first two family members with theirs), codes mapped back
 * through the template's map and written the template's way (YYYYMMDD, YYYYMM,
 * the document's period as 2010.06.01-2020.06.01 or …-长期),
 * sensitive values masked unless the reader unmasked. Importing the file gives
 * the same records. Rows are read in batches of keys (one query per batch, not
 * per student). */
#include "import/template.h"

#include "import/kinds.h"
#include "model/export.h"
#include "model/fieldcrypt.h"
#include "tabular/writer.h"
#include "roster/roster.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define BATCH 64 /* keys bound per query (the stores bind at most 64 parameters) */

/* The tables a row is read from, with their alias in the query. */
enum { S_STUDENT, S_PROFILE, S_DOC, S_LINK1, S_PROF1, S_DOC1, S_LINK2, S_PROF2, S_DOC2, NSRC };
static const struct {
    const char *alias;
    const sh_entity *e;
} srcs[NSRC] = {
    {"t", &sh_student_entity},   {"pp", &sh_person_profile_entity}, {"d", &sh_person_document_entity},
    {"l1", &sh_guardian_entity}, {"p1", &sh_person_profile_entity}, {"d1", &sh_person_document_entity},
    {"l2", &sh_guardian_entity}, {"p2", &sh_person_profile_entity}, {"d2", &sh_person_document_entity},
};

#define FROM                                                                                                   \
    " FROM student t JOIN org_unit o ON o.id = t.school_id"                                                    \
    " LEFT JOIN person_profile pp ON pp.person_id = t.person_id"                                               \
    " LEFT JOIN person_document d ON d.id ="                                                                   \
    " (SELECT min(x.id) FROM person_document x WHERE x.person_id = t.person_id)"                               \
    " LEFT JOIN enrollment en ON en.id ="                                                                      \
    " (SELECT min(x.id) FROM enrollment x WHERE x.student_id = t.id AND x.exit_date IS NULL)"                  \
    " LEFT JOIN org_unit c ON c.id = en.class_id LEFT JOIN org_unit g ON g.id = c.parent_id"                   \
    " LEFT JOIN guardian_link l1 ON l1.id = (SELECT min(x.id) FROM guardian_link x WHERE x.student_id = t.id)" \
    " LEFT JOIN person_profile p1 ON p1.person_id = l1.person_id"                                              \
    " LEFT JOIN person_document d1 ON d1.id ="                                                                 \
    " (SELECT min(x.id) FROM person_document x WHERE x.person_id = l1.person_id)"                              \
    " LEFT JOIN guardian_link l2 ON l2.id ="                                                                   \
    " (SELECT min(x.id) FROM guardian_link x WHERE x.student_id = t.id AND x.id > l1.id)"                      \
    " LEFT JOIN person_profile p2 ON p2.person_id = l2.person_id"                                              \
    " LEFT JOIN person_document d2 ON d2.id ="                                                                 \
    " (SELECT min(x.id) FROM person_document x WHERE x.person_id = l2.person_id)"

/* Where a template column's value is stored: a source and its field, or an
 * expression of the organisation tree (school code, grade, class) or of the
 * current enrolment (入班日期). */
typedef struct source {
    int src; /* -1: expr */
    const sh_field *f;
    const char *expr;
} source;

static const sh_field *field_named(const sh_entity *e, const char *name) {
    /* the document's columns are called id_type / id_number in the templates */
    const char *column = strcmp(name, "id_type") == 0     ? "doc_type"
                         : strcmp(name, "id_number") == 0 ? "number"
                                                          : NULL;
    for (int i = 0; i < e->nfields; i++)
        if (column ? strcmp(e->fields[i].column, column) == 0 : strcmp(e->fields[i].name, name) == 0)
            return &e->fields[i];
    return NULL;
}

static source resolve(const char *key) {
    static const struct {
        const char *key, *expr;
    } tree[] = {{"school_code", "o.school_code"},
                {"grade", "g.name"},
                {"class", "c.name"},
                {"entry_date", "en.entry_date"},
                /* the period of validity: start|end (no end: 长期), NULL without a start */
                {"id_valid", "d.valid_from || '|' || COALESCE(d.valid_to, '')"}};
    for (size_t i = 0; i < sizeof tree / sizeof tree[0]; i++)
        if (strcmp(key, tree[i].key) == 0)
            return (source){.src = -1, .expr = tree[i].expr};
    int first = S_STUDENT;
    if (key[0] == 'm' && (key[1] == '1' || key[1] == '2') && key[2] == '_') {
        first = key[1] == '1' ? S_LINK1 : S_LINK2;
        key += 3;
    }
    for (int s = first; s < first + 3; s++) {
        const sh_field *f = field_named(srcs[s].e, key);
        if (f)
            return (source){.src = s, .f = f};
    }
    return (source){.src = -1, .expr = "NULL"};
}

/* A stored value written the template's way. */
static const char *written(sh_pool *p, const sh_import_tcol *tc, const sh_field *f, const char *v) {
    if (f && f->type == SH_T_BOOL)
        return strcmp(v, "0") == 0 ? "0" : "1";
    if (tc->format & SH_TPL_PERIOD) {
        const char *bar = strchr(v, '|');
        return bar ? sh_import_period_write(p, sh_pstrndup(p, v, (size_t)(bar - v)), bar + 1) : NULL;
    }
    if (tc->map)
        v = sh_import_map_code(tc->map, v, 1);
    if ((tc->format & SH_TPL_COMPACT) && (strlen(v) == 10 || strlen(v) == 7) && v[4] == '-')
        return strlen(v) == 10 ? sh_psprintf(p, "%.4s%.2s%.2s", v, v + 5, v + 8)
                               : sh_psprintf(p, "%.4s%.2s", v, v + 5);
    return v;
}

typedef struct exporter {
    sh_conn *c;
    sh_err *err;
    const sh_import_template *t;
    source *cols;
    int ncols;
    int unmask;
    sh_table_writer *w;
    const char **cells;
} exporter;

/* Columns of the query: the sources' uids (for decryption), then one per template column. */
static int select_sql(const exporter *x, sh_buf *sql, int n) {
    sh_buf_printf(sql, "SELECT ");
    for (int s = 0; s < NSRC; s++)
        sh_buf_printf(sql, "%s%s.uid", s ? ", " : "", srcs[s].alias);
    for (int i = 0; i < x->ncols; i++) {
        const source *c = &x->cols[i];
        if (c->src < 0)
            sh_buf_printf(sql, ", %s", c->expr);
        else
            sh_buf_printf(sql, ", %s.%s", srcs[c->src].alias, c->f->column);
    }
    sh_buf_printf(sql, FROM " WHERE t.id IN (");
    for (int i = 0; i < n; i++)
        sh_buf_printf(sql, "%s$%d", i ? ", " : "", i + 1);
    sh_buf_printf(sql, ") ORDER BY t.id");
    return sh_buf_ok(sql);
}

static int write_batch(exporter *x, const int64_t *keys, int n) {
    sh_buf sql;
    sh_buf_init(&sql, 1u << 20);
    if (select_sql(x, &sql, n) != SH_OK) {
        sh_buf_free(&sql);
        return sh_err_set(x->err, 500, "out_of_memory", NULL, "内存不足");
    }
    sh_stmt *s = sh_prepare(x->c, sql.data, x->err);
    sh_buf_free(&sql);
    if (!s)
        return SH_ERR;
    for (int i = 0; i < n; i++)
        sh_bind_i64(s, i + 1, keys[i]);
    int rc;
    while ((rc = sh_step(s, x->err)) == SH_ROW) {
        sh_pool *p = sh_pool_create();
        if (!p) {
            rc = sh_err_set(x->err, 500, "out_of_memory", NULL, "内存不足");
            break;
        }
        for (int i = 0; i < x->ncols; i++) {
            const source *col = &x->cols[i];
            const sh_import_tcol *tc = &x->t->columns[i];
            const int at = NSRC + i;
            const char *v = NULL;
            if (sh_col_is_null(s, at)) {
                v = NULL;
            } else if (col->src >= 0 && (col->f->flags & SH_F_ENCRYPT)) {
                v = sh_field_open(p, srcs[col->src].e, col->f, sh_col_text(s, col->src), sh_col_blob(s, at),
                                  sh_col_len(s, at));
            } else {
                v = sh_col_text(s, at);
                v = v ? sh_pstrdup(p, v) : NULL;
            }
            if (v && col->src >= 0 && col->f->mask && !x->unmask)
                v = col->f->mask == SH_MASK_HIDE ? NULL : sh_mask_value(p, col->f->mask, v);
            else if (v)
                v = written(p, tc, col->src >= 0 ? col->f : NULL, v);
            x->cells[i] = v ? v : "";
        }
        int ok = sh_table_write_row(x->w, x->cells, x->ncols, x->err) == SH_OK;
        sh_pool_destroy(p);
        if (!ok) {
            rc = SH_ERR;
            break;
        }
    }
    sh_stmt_done(s);
    return rc == SH_ERR ? SH_ERR : SH_OK;
}

/* The keys of the students in the list (scope and filters), in key order. */
static int64_t *list_keys(sh_req *req, const sh_scope *scope, long *n) {
    const char **k = NULL, **v = NULL;
    int nargs = 0;
    static const char *const also[] = {"format", "unmask_reason", "template", NULL};
    sh_list_query q;
    if (sh_api_query_args(req, &k, &v, &nargs) != SH_OK ||
        sh_list_query_parse(req->pool, &sh_student_entity, k, v, nargs, also, &q, &req->err) != SH_OK)
        return NULL;
    q.limit = SH_EXPORT_MAX_ROWS + 1;
    q.after = 0;
    sh_stmt *s = sh_api_list_prepare(req, &sh_student_entity, scope, &q);
    if (!s)
        return NULL;
    size_t cap = 1024;
    int64_t *keys = sh_palloc(req->pool, cap * sizeof *keys);
    int rc = SH_DONE;
    *n = 0;
    if (!keys) {
        sh_stmt_done(s);
        sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
        return NULL;
    }
    while ((rc = sh_step(s, &req->err)) == SH_ROW) {
        if (*n == SH_EXPORT_MAX_ROWS) {
            sh_stmt_done(s);
            sh_err_set(&req->err, 413, "export_too_large", NULL, "导出超过 %d 行，请加筛选条件分批导出",
                       SH_EXPORT_MAX_ROWS);
            return NULL;
        }
        if ((size_t)*n == cap) {
            int64_t *more = sh_palloc(req->pool, cap * 2 * sizeof *keys);
            if (!more) {
                keys = NULL;
                break;
            }
            memcpy(more, keys, cap * sizeof *keys);
            keys = more;
            cap *= 2;
        }
        keys[(*n)++] = sh_col_i64(s, 0);
    }
    sh_stmt_done(s);
    if (!keys) {
        sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
        return NULL;
    }
    return rc == SH_ERR ? NULL : keys;
}

/* The students template of that name with a layout of its own; NULL with 400 unknown_template. */
static const sh_import_template *form_template(const char *name, sh_err *err) {
    const sh_import_template *t = sh_import_template_named(&sh_import_students, name);
    if (!t || !t->columns)
        sh_err_set(err, 400, "unknown_template", "template", "不认识的导出模板“%s”，可用：national", name);
    return t && t->columns ? t : NULL;
}

int sh_import_export_form(sh_conn *c, const char *template_name, const int64_t *keys, long n, int unmask,
                          const char *path, sh_table_format fmt, sh_err *err) {
    const sh_import_template *t = form_template(template_name, err);
    if (!t)
        return SH_ERR;
    sh_pool *p = sh_pool_create();
    exporter x = {.c = c, .err = err, .t = t, .ncols = t->ncolumns, .unmask = unmask};
    x.cols = p ? sh_palloc(p, sizeof(source) * (size_t)x.ncols) : NULL;
    x.cells = p ? sh_palloc(p, sizeof(char *) * (size_t)x.ncols) : NULL;
    const char **heads = p ? sh_palloc(p, sizeof(char *) * (size_t)x.ncols) : NULL;
    if (!x.cols || !x.cells || !heads) {
        sh_pool_destroy(p);
        return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    }
    for (int i = 0; i < x.ncols; i++) {
        x.cols[i] = resolve(t->columns[i].key);
        heads[i] = t->columns[i].header;
    }
    int rc = sh_table_writer_open(path, fmt, "学生基本信息", &x.w, err);
    if (rc == SH_OK)
        rc = sh_table_write_header(x.w, heads, NULL, x.ncols, err);
    for (long at = 0; rc == SH_OK && at < n; at += BATCH)
        rc = write_batch(&x, keys + at, (int)(n - at < BATCH ? n - at : BATCH));
    if (rc == SH_OK) {
        rc = sh_table_writer_close(x.w, err);
        x.w = NULL;
    }
    if (x.w)
        sh_table_writer_abort(x.w);
    sh_pool_destroy(p);
    if (rc != SH_OK)
        unlink(path);
    return rc == SH_OK ? SH_OK : SH_ERR;
}

int sh_import_export_list(sh_req *req, const char *template_name, const sh_scope *scope, sh_table_format fmt,
                          long *rows) {
    *rows = 0;
    if (!form_template(template_name, &req->err))
        return SH_ERR;
    sh_conn *c = sh_req_conn(req);
    long n;
    int64_t *keys = c ? list_keys(req, scope, &n) : NULL;
    if (!keys)
        return SH_ERR;
    char path[SH_TEMP_PATH];
    if (sh_reply_temp_path(req, path) != SH_OK ||
        sh_import_export_form(c, template_name, keys, n, scope && scope->unmask, path, fmt, &req->err) !=
            SH_OK)
        return SH_ERR;
    *rows = n;
    return sh_reply_temp_file(req, path, sh_table_content_type(fmt), "students-national", "学生基本信息表",
                              fmt == SH_TABLE_CSV ? "csv" : "xlsx");
}
