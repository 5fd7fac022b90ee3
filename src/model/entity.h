/* entity.h — entity declarations: the one place a stored thing is described.
 *
 * Each entity is a table of fields: JSON name, storage column, type, length,
 * whether required, code table, validation rule, Chinese label, data grade
 * (L1–L4, rules.md §1.3) and whether the field is masked and encrypted. JSON input
 * and output, validation messages, list filters, key-set cursors and the OpenAPI
 * document are derived from these declarations (the files in src/model/). Every stored column of
 * every table must be declared here with a grade — tests/unit/test_declarations.c
 * fails otherwise. */
#ifndef SH_ENTITY_H
#define SH_ENTITY_H

#include "core/err.h"
#include "core/pool.h"

#include <jansson.h>
#include <stdint.h>

typedef enum {
    SH_T_KEY = 1, /* internal integer primary key: never leaves the server */
    SH_T_UID,     /* opaque public id (text), the handle clients use */
    SH_T_TEXT,
    SH_T_INT,
    SH_T_BOOL,
    SH_T_DATE, /* YYYY-MM-DD, stored as text */
    SH_T_TIME, /* UTC milliseconds, stored as integer, shown as ISO 8601 */
    SH_T_CODE, /* a code from a national or local code table, stored as text */
    SH_T_REF,  /* reference to another entity: internal key stored, public id shown */
    SH_T_BLOB, /* opaque bytes (hashes, ciphertext); never in JSON */
} sh_type;

typedef enum { SH_L1 = 1, SH_L2, SH_L3, SH_L4 } sh_grade;

typedef enum {
    SH_MASK_NONE = 0,
    SH_MASK_NAME,    /* 张*  */
    SH_MASK_ID,      /* first 6 (region) and last 4 kept: 110105********1234 */
    SH_MASK_PHONE,   /* 138****1234 */
    SH_MASK_ADDRESS, /* up to the county: 北京市东城区**** */
    SH_MASK_DATE,    /* year only */
    SH_MASK_HIDE,    /* not shown at all */
} sh_mask;

enum {
    SH_F_REQUIRED = 1 << 0,  /* must be given on create */
    SH_F_READONLY = 1 << 1,  /* set by the server; refused in input */
    SH_F_FILTER = 1 << 2,    /* lists accept ?name=value */
    SH_F_UNIQUE = 1 << 3,    /* natural key */
    SH_F_ENCRYPT = 1 << 4,   /* stored encrypted (AEAD) with a keyed hash beside it */
    SH_F_INTERNAL = 1 << 5,  /* never in JSON (keys, hashes, bookkeeping) */
    SH_F_IMMUTABLE = 1 << 6, /* may be given on create, not changed later */
    SH_F_LOOKUP = 1 << 7,    /* with SH_F_ENCRYPT: exact lookups through a keyed hash */
};

/* Storage of an encrypted field (SH_F_ENCRYPT, text types only): `column` holds
 * the AEAD ciphertext bound to the table, column and row uid; `column`_mask holds
 * the masked form (110105********1234) when the field has a visible mask, so lists
 * shown masked never decrypt; `column`_hash holds the keyed hash (HMAC-SM3) of the
 * normalised value when the field is SH_F_LOOKUP. Nothing else stores the value.
 * See sh_field_has_mask_column / sh_field_has_hash_column below. */

/* Extra validation of a normalised text value. Return SH_OK, or SH_ERR after
 * sh_err_add(err, 400, code, field->name, value, "中文说明"). */
typedef struct sh_field sh_field;
typedef int (*sh_check_fn)(const sh_field *f, const char *value, sh_err *err);

struct sh_field {
    const char *name;   /* JSON name */
    const char *column; /* storage column */
    sh_type type;
    const char *label; /* Chinese label, used in messages and documents */
    sh_grade grade;
    unsigned flags;
    int max_len;            /* characters, for text; 0 = 200 */
    int64_t min, max;       /* for integers (both 0: any) */
    const char *code_table; /* for SH_T_CODE: table id, e.g. "gb2260_region" */
    const char *ref;        /* for SH_T_REF: entity name */
    sh_mask mask;           /* how it is masked when the reader may not see it */
    sh_check_fn check;
    const char *doc; /* longer description for the API document */
};

enum {
    SH_E_INTERNAL = 1, /* not exposed as an API schema (bookkeeping tables) */
};

/* A value computed each time a row is read and never stored (the under-14 flag
 * of DR-03): `select` appends, after the declared columns, ncols SQL expressions
 * over the row aliased `alias`; `write` appends the JSON value from the row's
 * columns col … col + ncols - 1. Lists, reads and the API document (read-only)
 * show it after the declared fields. */
struct sh_buf;
struct sh_stmt;
typedef struct sh_computed {
    const char *name, *label, *doc;
    const char *json_type; /* "boolean", "string", … for the API document */
    sh_grade grade;
    int ncols;
    void (*select)(struct sh_buf *sql, const char *alias);
    void (*write)(struct sh_buf *out, struct sh_stmt *s, int col);
} sh_computed;

typedef struct sh_entity {
    const char *name;  /* "org_unit" */
    const char *table; /* storage table */
    const char *label; /* Chinese name */
    const sh_field *fields;
    int nfields;
    unsigned flags;
    const sh_computed *computed; /* values computed at read time (may be NULL) */
    int ncomputed;
} sh_entity;

/* Derived storage columns of an encrypted field (see SH_F_LOOKUP above). */
int sh_field_has_mask_column(const sh_field *f);
int sh_field_has_hash_column(const sh_field *f);

#define SH_FIELDS(arr) (arr), (int)(sizeof(arr) / sizeof((arr)[0]))

/* The fields most entities share, declared once. */
#define SH_FIELD_KEY                                                                                         \
    {                                                                                                        \
        .name = "_key", .column = "id", .type = SH_T_KEY, .label = "内部编号", .grade = SH_L1,               \
        .flags = SH_F_INTERNAL                                                                               \
    }
#define SH_FIELD_UID(label_)                                                                                 \
    { .name = "id", .column = "uid", .type = SH_T_UID, .label = (label_), .grade = SH_L1 }
#define SH_FIELD_CREATED_AT                                                                                  \
    {                                                                                                        \
        .name = "created_at", .column = "created_at", .type = SH_T_TIME, .label = "创建时间",                \
        .grade = SH_L1, .flags = SH_F_READONLY                                                               \
    }
#define SH_FIELD_UPDATED_AT                                                                                  \
    {                                                                                                        \
        .name = "updated_at", .column = "updated_at", .type = SH_T_TIME, .label = "更新时间",                \
        .grade = SH_L1, .flags = SH_F_READONLY                                                               \
    }

/* The row's change version (one increasing sequence over all tables; see
 * model/write.h): set by the server on every insert and update. */
#define SH_FIELD_VERSION                                                                                     \
    {                                                                                                        \
        .name = "version", .column = "version", .type = SH_T_INT, .label = "变更版本", .grade = SH_L1,       \
        .flags = SH_F_READONLY                                                                               \
    }

/* One value of a record. Text values are NUL-terminated, in the pool. */
typedef struct sh_value {
    int set; /* given in the input (or filled by the server) */
    int is_null;
    int64_t i;     /* INT, BOOL, TIME, KEY, REF (after resolution) */
    const char *s; /* TEXT, DATE, CODE, UID, REF (public id as given) */
} sh_value;

typedef struct sh_record {
    const sh_entity *e;
    sh_value *v; /* e->nfields values, in declaration order */
} sh_record;

/* Input modes for sh_record_from_json. */
typedef enum { SH_INPUT_CREATE, SH_INPUT_UPDATE } sh_input_mode;

const sh_field *sh_entity_field(const sh_entity *e, const char *name);
int sh_entity_field_index(const sh_entity *e, const char *name);

/* A record of e with every value unset (values from p); SH_ERR when out of
 * memory. Then values set by field name (a NULL text is a null). */
int sh_record_blank(sh_pool *p, const sh_entity *e, sh_record *r);
void sh_record_set_i(sh_record *r, const char *name, int64_t v);
void sh_record_set_s(sh_record *r, const char *name, const char *v);
/* Highest grade of the entity's fields (就高从严, DR-02). */
sh_grade sh_entity_grade(const sh_entity *e);

/* Map a JSON object to a record: unknown fields, read-only fields, wrong types,
 * over-long text, bad dates, missing required fields — every problem is added to
 * err (400 "validation_failed" family, one item per field) and SH_ERR returned.
 * Text is normalised (trimmed, full-width digits and spaces made ASCII). */
int sh_record_from_json(sh_pool *p, const sh_entity *e, const json_t *obj, sh_input_mode mode, sh_record *out,
                        sh_err *err);

/* Validate one text value for field f (normalises into *norm, pool-allocated). */
int sh_field_parse_text(sh_pool *p, const sh_field *f, const char *in, const char **norm, sh_err *err);

/* Code-table lookup used by SH_T_CODE validation; installed by the codes module.
 * Returns 1 when code is in table, 0 when not, -1 when the table is unknown. */
typedef int (*sh_code_lookup_fn)(const char *table, const char *code);
void sh_set_code_lookup(sh_code_lookup_fn fn);
int sh_code_valid(const char *table, const char *code);

/* Normalise user text: trim ASCII and ideographic (U+3000) spaces at both ends,
 * turn full-width digits and Latin letters into ASCII. Punctuation is kept (school
 * names use full-width brackets). NULL when out of memory. */
char *sh_normalise_text(sh_pool *p, const char *in);

/* Check YYYY-MM-DD is a real calendar date between 1900 and 2100. */
int sh_valid_date(const char *s);

#endif
