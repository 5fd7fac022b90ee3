/* import.h — bulk import of base data from files (CSV, XLSX): one engine for the
 * command line (`shushu import`) and the API (import jobs).
 *
 * A kind (students, staff, guardians …) is a declaration: the columns it takes,
 * each with the header names real files use, and a row function that validates
 * one row and writes it through model/write.h. The engine maps the header row to
 * the kind's columns by name, then runs every row inside one write transaction:
 * each problem becomes an error with file row, column, value and a Chinese
 * message; at the end the transaction commits only when there was no error and
 * this is not a dry run, so an import is all or nothing and a dry run answers
 * exactly what a commit would. Rows upsert on their natural keys: importing the
 * same file again changes nothing. */
#ifndef SH_IMPORT_H
#define SH_IMPORT_H

#include "app.h"
#include "model/write.h"
#include "tabular/reader.h"

extern const sh_module sh_import_module;

enum {
    SH_IMPORT_REQUIRED = 1,
    SH_IMPORT_FORM_ONLY = 2, /* read only through a template that declares it, not the kind's own */
};

typedef struct sh_import_column {
    const char *key;     /* the column's key; the entity field name where it maps to one */
    const char *header;  /* the header of our template, e.g. "身份证件号" */
    const char *aliases; /* other accepted headers, '|'-separated; may be NULL */
    const char *hint;    /* what to write, for the template (codes, formats); may be NULL */
    unsigned flags;
    sh_mask mask; /* how a value of this column is shown in error reports (its field's mask) */
} sh_import_column;

typedef struct sh_import sh_import;
typedef struct sh_import_kind sh_import_kind;
typedef struct sh_import_template sh_import_template;
typedef struct sh_import_tcol sh_import_tcol;

/* One data row as the row function sees it. */
typedef struct sh_import_row {
    long file_row;
    const char *const *cells;
    int ncells;
    const int *at; /* per kind column: index into cells, -1 when the file lacks it */
} sh_import_row;

struct sh_import_kind {
    const char *name;  /* "students" */
    const char *label; /* "学生" */
    const sh_import_column *columns;
    int ncolumns;
    /* Validate and write one row. Errors go to err with field = a column key (the
     * engine adds row and column); SH_ERR when the row has any. */
    int (*row)(sh_import *im, const sh_import_row *row, sh_err *err);
};

/* May the importer write to this school? 1 yes, 0 no (the school looks unknown),
 * SH_ERR on failure. NULL: everything (the command line). */
typedef int (*sh_import_may_write)(void *ctx, int64_t school_id, sh_err *err);
/* Where a running import stands: rows read, and bytes of the file read of its
 * total (tabular/reader.h sh_table_progress; total 0 when not known yet). */
typedef void (*sh_import_progress)(void *ctx, long rows, size_t done_bytes, size_t total_bytes);

typedef struct sh_import_opts {
    int dry_run;
    const char *template_name; /* the file's template (template.h); NULL: detected from its headers */
    sh_provenance pv;          /* source "import", source_ref the job */
    sh_import_may_write may_write;
    sh_import_progress progress;
    void *ctx;
} sh_import_opts;

typedef struct sh_import_result {
    long rows;                               /* data rows read */
    long created, updated, unchanged;        /* rows, by what happened to their main record */
    long nerrors;                            /* all errors (err keeps the first 8,192 in detail) */
    const char *encoding;                    /* what the file was read as */
    const sh_import_template *template_used; /* the template the headers were read with */
    int committed;
    char ignored[512]; /* headers not used, comma-separated */
    sh_err err;        /* the row errors (status 400), or the file error */
} sh_import_result;

/* What a row function works with. */
struct sh_import {
    sh_conn *c;
    sh_pool *row_pool; /* reset after every row */
    const sh_import_opts *o;
    const sh_import_kind *kind;
    sh_import_result *res;
    struct sh_strset *seen; /* natural keys met so far in this file */
    const sh_import_template *tpl;
    const sh_import_tcol **tcol; /* per kind column: its template column, NULL when the kind's own */
};

const sh_import_kind *sh_import_kind_named(const char *name);
/* The kinds, for help texts and the API document: "students, staff, …". */
const char *sh_import_kind_names(void);

/* Run an import of kind from r over connection c. SH_OK when the file was read
 * through (check res->nerrors); SH_ERR when it could not be (res->err says why).
 * Nothing is written unless SH_OK, no error and not a dry run. Call
 * sh_import_result_clear afterwards. */
int sh_import_run(sh_conn *c, const sh_import_kind *kind, sh_table_reader *r, const sh_import_opts *o,
                  sh_import_result *res);
/* The same inside the caller's write transaction (several files imported all
 * or nothing): begins, commits and rolls back nothing, and never sets
 * res->committed. Rows of this file stay written in the transaction whatever
 * happened; the caller rolls back when any file had errors or on a dry run. */
int sh_import_run_in(sh_conn *c, const sh_import_kind *kind, sh_table_reader *r, const sh_import_opts *o,
                     sh_import_result *res);
void sh_import_result_clear(sh_import_result *res);
/* Every kept error as a table (CSV or XLSX): 行, 列, 字段, 值, 错误代码, 说明. */
int sh_import_write_report(const sh_import_result *res, const char *path, sh_table_format fmt, sh_err *err);

/* Helpers for row functions. */
/* The header of kind column i in the file's template, for messages. */
const char *sh_import_header(const sh_import *im, int i);
/* The cell of kind column i, trimmed by the entity layer later; NULL when absent or empty. */
const char *sh_import_cell(const sh_import_row *row, int i);
/* Parse the cell of column i as field f (normalised into *out; NULL when empty).
 * Missing required values are errors. */
int sh_import_field(sh_import *im, const sh_import_row *row, int i, const sh_field *f, const char **out,
                    sh_err *err);
/* Set record value v of field name from the cell of column i (parsed as that
 * field of r's entity); nothing when empty. */
int sh_import_set(sh_import *im, const sh_import_row *row, int i, sh_record *r, const char *name,
                  sh_err *err);
/* Note a natural key of this row (e.g. "id:" + ID number); a key already met in
 * this file is an error on column i. */
int sh_import_once(sh_import *im, const sh_import_row *row, int i, const char *key, sh_err *err);
/* The school named by its 学校标识码 in column i, checked against may_write; 0 with an error when unknown. */
int64_t sh_import_school(sh_import *im, const sh_import_row *row, int i, sh_err *err);

#endif
