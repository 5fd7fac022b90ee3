/* engine.c — the import engine: maps a file's header row to a kind's columns,
 * runs every data row through the kind's row function inside one write
 * transaction, collects every error with its file row and column, and commits
 * only a clean, non-dry run (import.h). */
#include "import/import.h"

#include "import/template.h"

#include "codes/codes.h"
#include "core/alloc.h"
#include "core/strset.h"
#include "model/list.h"
#include "org/org.h"
#include "tabular/writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROGRESS_EVERY 1000

/* Put row and column on the error just added to the result. */
static void stamp_last(sh_import_result *res, long row, long column) {
    if (res->err.nmore) {
        res->err.more[res->err.nmore - 1].row = row;
        res->err.more[res->err.nmore - 1].column = column;
    }
    if (res->err.nmore <= 1) {
        res->err.first.row = row;
        res->err.first.column = column;
    }
    res->nerrors++;
}

/* Map the header row through template t: at[i] = file column of kind column i,
 * tcol[i] = the template column read into it. Missing required columns and
 * repeated ones are errors (row 1). */
static int map_header(sh_pool *p, const sh_import_template *t, const char *const *cells, int n, int *at,
                      const sh_import_tcol **tcol, sh_import_result *res) {
    const sh_import_kind *k = t->kind;
    for (int i = 0; i < k->ncolumns; i++)
        at[i] = -1;
    size_t used = 0;
    int nc = sh_import_template_ncolumns(t);
    for (int j = 0; j < n; j++) {
        const char *key = sh_import_header_key(p, cells[j]);
        if (!key || !*key)
            continue;
        int found = -1;
        const char *header = NULL, *aliases;
        const sh_import_tcol *tc = NULL;
        for (int c = 0; c < nc && found < 0; c++) {
            int i = sh_import_template_column(t, c, &header, &aliases, &tc);
            if (i >= 0 && sh_import_header_matches(p, key, header, aliases))
                found = i;
        }
        if (found < 0) {
            int w =
                snprintf(res->ignored + used, sizeof res->ignored - used, "%s%s", used ? "，" : "", cells[j]);
            if (w > 0 && (size_t)w < sizeof res->ignored - used)
                used += (size_t)w;
            else
                res->ignored[used] = '\0'; /* a header cut short would not be UTF-8 */
            continue;
        }
        if (at[found] >= 0) {
            sh_err_add(&res->err, 400, "duplicate_column", k->columns[found].key, cells[j],
                       "第 %d 列与第 %d 列都是“%s”", j + 1, at[found] + 1, header);
            stamp_last(res, 1, j + 1);
            continue;
        }
        at[found] = j;
        tcol[found] = tc;
    }
    for (int i = 0; i < k->ncolumns; i++)
        if (at[i] < 0 && (k->columns[i].flags & SH_IMPORT_REQUIRED)) {
            sh_err_add(&res->err, 400, "missing_column", k->columns[i].key, NULL, "缺少必需的列“%s”（%s）",
                       k->columns[i].header, t->label);
            stamp_last(res, 1, 0);
        }
    return res->nerrors ? SH_ERR : SH_OK;
}

/* Copy one row's errors into the result with row and column set. */
static void collect(sh_pool *p, sh_import_result *res, const sh_import_kind *k, const int *at, long row,
                    const sh_err *e) {
    size_t n = sh_err_count(e);
    for (size_t i = 0; i < n; i++) {
        const sh_err_item *it = e->nmore ? &e->more[i] : &e->first;
        long column = 0;
        sh_mask mask = SH_MASK_NONE;
        for (int c = 0; c < k->ncolumns; c++)
            if (strcmp(k->columns[c].key, it->field) == 0) {
                column = at[c] + 1;
                mask = k->columns[c].mask;
            }
        /* sensitive values never reach the report or the stored job as given */
        const char *v = !it->value[0] || mask == SH_MASK_HIDE ? NULL
                        : mask                                ? sh_mask_value(p, mask, it->value)
                                                              : it->value;
        size_t before = res->err.nmore;
        sh_err_add(&res->err, strcmp(it->code, "conflict") == 0 ? 409 : 400, it->code, it->field, v, "%s",
                   it->message);
        if (res->err.nmore > before || before == 0)
            stamp_last(res, row, column);
        else
            res->nerrors++; /* beyond the kept detail: counted only */
    }
}

/* A store failure (not a row's fault) stops the import. */
static int fatal(const sh_err *e) { return e->status >= 500; }

/* The run; own_tx: begin here and commit or roll back at the end (else the
 * caller's transaction holds the rows and the caller decides). */
static int run(sh_conn *c, const sh_import_kind *k, sh_table_reader *r, const sh_import_opts *o,
               sh_import_result *res, int own_tx) {
    memset(res, 0, sizeof *res);
    sh_err_init(&res->err);
    res->encoding = sh_table_encoding(r);
    sh_pool *p = sh_pool_create();
    int *at = p ? sh_pcalloc(p, sizeof(int) * (size_t)k->ncolumns) : NULL;
    const sh_import_tcol **tcol =
        p ? sh_pcalloc(p, sizeof(const sh_import_tcol *) * (size_t)k->ncolumns) : NULL;
    if (!at || !tcol) {
        sh_pool_destroy(p);
        return sh_err_set(&res->err, 500, "out_of_memory", NULL, "内存不足");
    }
    const char *const *cells;
    int n, rc = sh_table_next(r, &cells, &n, &res->err);
    if (rc == SH_DONE)
        rc = sh_err_set(&res->err, 400, "empty_file", NULL, "文件是空的：第一行应为表头");
    const sh_import_template *t = NULL;
    if (rc != SH_ERR && o->template_name && !(t = sh_import_template_named(k, o->template_name)))
        rc = sh_err_set(&res->err, 400, "unknown_template", "template",
                        "不认识的导入模板“%s”，%s可用的模板：%s", o->template_name, k->label,
                        sh_import_template_names(k));
    if (rc != SH_ERR && !t)
        t = sh_import_template_detect(p, k, cells, n);
    res->template_used = t;
    /* a kind with no registered template (OneRoster's files) is read by its own columns */
    sh_import_template own = {.name = k->name, .label = k->label, .kind = k};
    if (!t)
        t = &own;
    if (rc == SH_ERR || map_header(p, t, cells, n, at, tcol, res) != SH_OK) {
        sh_pool_destroy(p);
        return SH_ERR;
    }
    if (own_tx && sh_begin_write(c, &res->err) != SH_OK) {
        sh_pool_destroy(p);
        return SH_ERR;
    }
    sh_import im = {
        .c = c, .o = o, .kind = k, .res = res, .seen = sh_strset_new(1024), .tpl = t, .tcol = tcol};
    if (!im.seen) {
        if (own_tx)
            sh_rollback(c);
        sh_pool_destroy(p);
        return sh_err_set(&res->err, 500, "out_of_memory", NULL, "内存不足");
    }
    sh_err row_err;
    sh_err_init(&row_err);
    while ((rc = sh_table_next(r, &cells, &n, &res->err)) == SH_ROW) {
        res->rows++;
        im.row_pool = sh_pool_create();
        if (!im.row_pool) {
            rc = sh_err_set(&res->err, 500, "out_of_memory", NULL, "内存不足");
            break;
        }
        sh_import_row row = {.file_row = sh_table_row(r), .cells = cells, .ncells = n, .at = at};
        if (k->row(&im, &row, &row_err) != SH_OK) {
            if (fatal(&row_err)) {
                res->err = row_err; /* hands over the detail list */
                sh_err_init(&row_err);
                sh_pool_destroy(im.row_pool);
                rc = SH_ERR;
                break;
            }
            collect(im.row_pool, res, k, at, row.file_row, &row_err);
        }
        sh_err_clear(&row_err);
        sh_pool_destroy(im.row_pool);
        im.row_pool = NULL;
        if (o->progress && res->rows % PROGRESS_EVERY == 0) {
            size_t done, total;
            sh_table_progress(r, &done, &total);
            o->progress(o->ctx, res->rows, done, total);
        }
    }
    sh_err_clear(&row_err);
    sh_strset_free(im.seen);
    sh_pool_destroy(p);
    if (rc == SH_ERR) { /* the file could not be read through (or the store failed) */
        if (own_tx)
            sh_rollback(c);
        if (res->err.first.row == 0 && sh_table_row(r) > 0 && res->err.status < 500)
            res->err.first.row = sh_table_row(r) + 1;
        res->nerrors++;
        return SH_ERR;
    }
    if (o->progress)
        o->progress(o->ctx, res->rows, 1, 1);
    if (!own_tx)
        return SH_OK;
    if (res->nerrors || o->dry_run) {
        sh_rollback(c);
        return SH_OK;
    }
    if (sh_commit(c, &res->err) != SH_OK) {
        res->nerrors++;
        return SH_ERR;
    }
    res->committed = 1;
    return SH_OK;
}

int sh_import_run(sh_conn *c, const sh_import_kind *k, sh_table_reader *r, const sh_import_opts *o,
                  sh_import_result *res) {
    sh_bulk_write(c, 1);
    int rc = run(c, k, r, o, res, 1);
    sh_bulk_write(c, 0);
    return rc;
}

int sh_import_run_in(sh_conn *c, const sh_import_kind *k, sh_table_reader *r, const sh_import_opts *o,
                     sh_import_result *res) {
    return run(c, k, r, o, res, 0);
}

void sh_import_result_clear(sh_import_result *res) { sh_err_clear(&res->err); }

/* ---- helpers for row functions ---- */

const char *sh_import_header(const sh_import *im, int i) {
    return im->tcol && im->tcol[i] ? im->tcol[i]->header : im->kind->columns[i].header;
}

const char *sh_import_cell(const sh_import_row *row, int i) {
    int j = row->at[i];
    if (j < 0 || j >= row->ncells)
        return NULL;
    const char *v = sh_table_unescape_cell(row->cells[j]);
    return *v ? v : NULL;
}

/* Dates as spreadsheets and clerks write them: an Excel serial, 2014/3/5,
 * 2014.3.5, 20140305 or 2014-3-5, made YYYY-MM-DD. Anything else is left for the
 * field check to refuse. */
static const char *import_date(sh_pool *p, const char *v) {
    char out[11];
    size_t n = strlen(v), digits = strspn(v, "0123456789");
    if (digits == n && n <= 6 && sh_excel_serial_date(v, out) == SH_OK)
        return sh_pstrdup(p, out);
    if (digits == n && n == 8)
        return sh_psprintf(p, "%.4s-%.2s-%.2s", v, v + 4, v + 6);
    /* y{sep}m{sep}d with one separator of / . - and 1–2 digit month and day */
    char *end;
    long y = strtol(v, &end, 10);
    char sep = *end;
    if (end - v != 4 || (sep != '/' && sep != '.' && sep != '-'))
        return v;
    const char *ms = end + 1;
    long m = strtol(ms, &end, 10);
    if (end == ms || end - ms > 2 || *end != sep)
        return v;
    const char *ds = end + 1;
    long d = strtol(ds, &end, 10);
    if (end == ds || end - ds > 2 || *end)
        return v;
    return sh_psprintf(p, "%04ld-%02ld-%02ld", y, m, d);
    return v;
}

/* A coded value given by its name (汉族, 男, 在读) in table: its code; else v unchanged. */
static const char *code_by_name(sh_import *im, const char *table, const char *v, sh_err *err) {
    if (sh_code_valid(table, v) != 0)
        return v;
    char code[16];
    const char *norm = sh_normalise_text(im->row_pool, v);
    int rc = sh_codes_code_of(im->c, table, norm ? norm : v, code, sizeof code, err);
    return rc == SH_ROW ? sh_pstrdup(im->row_pool, code) : v;
}

/* A value written the template's way made the stored way: a 12-digit division
 * code cut to its county, YYYYMM made YYYY-MM. */
static const char *template_format(sh_pool *p, const sh_import_tcol *tc, const sh_field *f, const char *v) {
    size_t n = strlen(v), digits = strspn(v, "0123456789");
    if ((tc->format & SH_TPL_REGION) && n == 12 && digits == 12)
        return sh_pstrndup(p, v, 6);
    if ((tc->format & SH_TPL_COMPACT) && f->type == SH_T_TEXT && n == 6 && digits == 6)
        return sh_psprintf(p, "%.4s-%.2s", v, v + 4);
    return v;
}

/* The cell of column i as a code of table (given as the code or its name); NULL
 * with an error naming the expected codes when the table has neither. */
static const char *checked_code(sh_import *im, int i, const char *table, const char *v, sh_err *err) {
    size_t before = sh_err_count(err);
    v = code_by_name(im, table, v, err);
    if (sh_err_count(err) > before)
        return NULL;
    if (sh_code_valid(table, v) != 0)
        return v;
    char expected[400];
    if (sh_codes_list(im->c, table, expected, sizeof expected, err) == SH_OK)
        sh_err_add(err, 400, "invalid_code", im->kind->columns[i].key, v, "“%s”不能填“%s”，应为：%s",
                   sh_import_header(im, i), v, expected);
    return NULL;
}

/* A code of the template's own table for column i, mapped to the stored code. */
static const char *template_code(sh_import *im, int i, const sh_import_tcol *tc, const char *v, sh_err *err) {
    if (tc->codes && !(v = checked_code(im, i, tc->codes, v, err)))
        return NULL;
    return sh_import_map_code(tc->map, v, 0);
}

int sh_import_field(sh_import *im, const sh_import_row *row, int i, const sh_field *f, const char **out,
                    sh_err *err) {
    *out = NULL;
    const char *v = sh_import_cell(row, i);
    const sh_import_column *col = &im->kind->columns[i];
    const sh_import_tcol *tc = im->tcol ? im->tcol[i] : NULL;
    if (v && tc)
        v = template_format(im->row_pool, tc, f, v);
    if (v && tc && (tc->codes || tc->map) && f->type == SH_T_CODE && !(v = template_code(im, i, tc, v, err)))
        return SH_ERR;
    if (v && f->type == SH_T_DATE)
        v = import_date(im->row_pool, v);
    else if (v && f->type == SH_T_CODE && !(v = checked_code(im, i, f->code_table, v, err)))
        return SH_ERR;
    size_t before = sh_err_count(err);
    if (v && sh_field_parse_text(im->row_pool, f, v, out, err) != SH_OK) {
        /* report under the column's key, whatever the field's name */
        sh_err_item *it = err->nmore ? &err->more[err->nmore - 1] : &err->first;
        if (sh_err_count(err) > before)
            snprintf(it->field, sizeof it->field, "%s", col->key);
        *out = NULL;
        return SH_ERR;
    }
    if (*out && !**out)
        *out = NULL;
    if (!*out && (col->flags & SH_IMPORT_REQUIRED))
        return sh_err_add(err, 400, "required", col->key, NULL, "缺少必填项“%s”", sh_import_header(im, i));
    return SH_OK;
}

int sh_import_set(sh_import *im, const sh_import_row *row, int i, sh_record *r, const char *name,
                  sh_err *err) {
    int at = sh_entity_field_index(r->e, name);
    if (at < 0)
        return sh_err_add(err, 500, "internal", name, NULL, "导入模板引用了未声明的字段");
    const char *v;
    if (sh_import_field(im, row, i, &r->e->fields[at], &v, err) != SH_OK)
        return SH_ERR;
    if (!v)
        return SH_OK;
    const sh_field *f = &r->e->fields[at];
    const char *key = im->kind->columns[i].key;
    int64_t n = 0;
    if (f->type == SH_T_INT) {
        char *end;
        n = strtoll(v, &end, 10);
        if (*end || end == v || (f->min < f->max && (n < f->min || n > f->max)))
            return sh_err_add(err, 400, "invalid_number", key, v, "“%s”应为整数%s", f->label,
                              f->min < f->max ? sh_psprintf(im->row_pool, "（%lld–%lld）", (long long)f->min,
                                                            (long long)f->max)
                                              : "");
    } else if (f->type == SH_T_BOOL) {
        static const char *const yes[] = {"是", "1", "true", "Y", "y"}, *const no[] = {"否", "0", "false",
                                                                                       "N", "n"};
        int found = -1;
        for (size_t k = 0; k < 5 && found < 0; k++)
            found = strcmp(v, yes[k]) == 0 ? 1 : strcmp(v, no[k]) == 0 ? 0 : -1;
        if (found < 0)
            return sh_err_add(err, 400, "invalid_boolean", key, v, "“%s”应填“是”或“否”", f->label);
        n = found;
    }
    r->v[at] = (sh_value){.set = 1, .s = v, .i = n};
    return SH_OK;
}

int sh_import_once(sh_import *im, const sh_import_row *row, int i, const char *key, sh_err *err) {
    (void)row;
    size_t n = strlen(key);
    if (sh_strset_has(im->seen, key, n))
        return sh_err_add(err, 400, "duplicate_in_file", im->kind->columns[i].key, NULL,
                          "“%s”与本文件前面的一行重复", sh_import_header(im, i));
    return sh_strset_add(im->seen, key, n) == SH_OK
               ? SH_OK
               : sh_err_add(err, 500, "out_of_memory", NULL, NULL, "内存不足");
}

int64_t sh_import_school(sh_import *im, const sh_import_row *row, int i, sh_err *err) {
    const char *code = sh_import_cell(row, i);
    const sh_import_column *col = &im->kind->columns[i];
    if (!code) {
        sh_err_add(err, 400, "required", col->key, NULL, "缺少必填项“%s”", sh_import_header(im, i));
        return 0;
    }
    const char *norm = sh_normalise_text(im->row_pool, code);
    sh_stmt *s = sh_prepare(im->c, "SELECT id FROM org_unit WHERE school_code = $1 AND kind = 'school'", err);
    if (!s)
        return 0;
    sh_bind_text(s, 1, norm ? norm : code, -1);
    int rc = sh_step(s, err);
    int64_t id = rc == SH_ROW ? sh_col_i64(s, 0) : 0;
    sh_stmt_done(s);
    if (rc == SH_ERR)
        return 0;
    int may = id && im->o->may_write ? im->o->may_write(im->o->ctx, id, err) : 1;
    if (may < 0)
        return 0;
    if (!id || !may) {
        sh_err_add(err, 400, "unknown_school", col->key, code, "学校标识码 %s 不存在或不在管辖范围内", code);
        return 0;
    }
    return id;
}
