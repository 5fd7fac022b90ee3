/* template.h — import templates as declarations: which headers a file of a
 * given layout uses for a kind's columns, and which code table (and mapping to
 * the stored codes) each coded column uses in that layout. The project's own
 * template of each kind is the kind's own column list; the national
 * student-registry form (全国学籍系统《学生基本信息表》) is another declaration over
 * the same students kind. A file's template is named by the caller or detected
 * from its header row; the export writes a template's layout back. */
#ifndef SH_IMPORT_TEMPLATE_H
#define SH_IMPORT_TEMPLATE_H

#include "import/import.h"
#include "model/api.h"

/* How a template writes a column's values (import accepts both forms; export
 * writes the template's). */
enum {
    SH_TPL_COMPACT = 1 << 0, /* dates YYYYMMDD, months YYYYMM */
    SH_TPL_REGION = 1 << 1,  /* a division: 6 digits, or the 12-digit code whose first 6 are the county */
    SH_TPL_PERIOD = 1 << 2, /* a document's period of validity in one cell: 2010.06.01-2020.06.01, …-长期 */
};

typedef struct sh_import_tcol {
    const char *key;        /* the kind column it fills */
    const char *header;     /* the header in this template */
    const char *aliases;    /* other accepted headers, '|'-separated; may be NULL */
    const char *codes;      /* this template's code table for the column; NULL: the stored field's */
    const char *const *map; /* pairs {template code, stored code}, NULL-ended; NULL: the same codes */
    unsigned format;        /* SH_TPL_… */
} sh_import_tcol;

typedef struct sh_import_template {
    const char *name;  /* "national", for --template and ?template= */
    const char *label; /* "全国学籍系统《学生基本信息表》" */
    const sh_import_kind *kind;
    /* NULL: the kind's own columns (those not marked SH_IMPORT_FORM_ONLY) */
    const sh_import_tcol *columns;
    int ncolumns;
} sh_import_template;

extern const sh_import_template sh_template_national;

/* The template of kind named name ("shushu" is every kind's own); NULL when none. */
const sh_import_template *sh_import_template_named(const sh_import_kind *kind, const char *name);
/* The names of kind's templates, for messages: "shushu, national". */
const char *sh_import_template_names(const sh_import_kind *kind);
/* The template of kind whose headers best match a header row (the kind's own on a tie). */
const sh_import_template *sh_import_template_detect(sh_pool *p, const sh_import_kind *kind,
                                                    const char *const *cells, int n);

/* Column j of template t: header, aliases and the index of the kind column it
 * fills (-1 when the kind has no column of that key); tc: the template column,
 * NULL for a kind's own template. Number of columns: sh_import_template_ncolumns. */
int sh_import_template_ncolumns(const sh_import_template *t);
int sh_import_template_column(const sh_import_template *t, int j, const char **header, const char **aliases,
                              const sh_import_tcol **tc);

/* A header as compared: normalised, without ★ * ＊ marks, spaces or a trailing
 * note in brackets ("出生日期（YYYY-MM-DD）"); NULL when out of memory. */
const char *sh_import_header_key(sh_pool *p, const char *h);
/* Does key (a header key) name the column with this header and aliases? */
int sh_import_header_matches(sh_pool *p, const char *key, const char *header, const char *aliases);

/* Reply with the students of the list (the request's filters, under scope) as a
 * file of fmt in the layout of the students template named template_name
 * (400 unknown_template for a template without its own layout); *rows gets the
 * number written. Masked unless scope->unmask. */
int sh_import_export_list(sh_req *req, const char *template_name, const sh_scope *scope, sh_table_format fmt,
                          long *rows);

/* Write the students of keys (n of them, in that order) to path as a file of fmt
 * in the layout of the students template named template_name, masked unless
 * unmask (the caller decided the reader may see them in clear). SH_OK, or
 * SH_ERR with err set and no file left at path (400 unknown_template). */
int sh_import_export_form(sh_conn *c, const char *template_name, const int64_t *keys, long n, int unmask,
                          const char *path, sh_table_format fmt, sh_err *err);

/* The stored code of a template code through map, or the template code of a
 * stored one (reverse); code itself when the map has no pair for it. */
const char *sh_import_map_code(const char *const *map, const char *code, int reverse);

/* Reading a period of validity (SH_TPL_PERIOD): what was wrong with the cell. */
typedef enum {
    SH_PERIOD_OK = 0,
    SH_PERIOD_FORM,  /* not two dates (or a date and 长期) joined by a separator */
    SH_PERIOD_DATE,  /* a date that does not exist (2020.02.30); bad gets it as written */
    SH_PERIOD_ORDER, /* the end is not after the start */
} sh_period_problem;

/* Read a period of validity: "2010.06.01-2020.06.01" or "2010.06.01-长期" (长期有效
 * too), the dates also as 2010-06-01, 2010/6/1 or 20100601, the two joined by
 * - — – － ~ ～ 至 or 到, spaces allowed around the join. from and to get
 * YYYY-MM-DD (to "" for 长期); v must be normalised text (ASCII digits). */
sh_period_problem sh_import_period_read(const char *v, char from[11], char to[11], char bad[32]);
/* The period written the form's way ("2010.06.01-2020.06.01", to NULL or "":
 * "2010.06.01-长期"); NULL when from is not a date (nothing to write). */
const char *sh_import_period_write(sh_pool *p, const char *from, const char *to);

#endif
