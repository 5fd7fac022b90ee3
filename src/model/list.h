/* list.h — list queries derived from entity declarations: limit, opaque key-set
 * cursor and equality filters on fields declared SH_F_FILTER.
 *
 * Lists page by the internal key (stable under inserts: a new row never shifts a
 * page a client is reading). The cursor is opaque to clients (base64url text) and
 * is checked strictly when it comes back. Unknown query parameters are refused. */
#ifndef SH_LIST_H
#define SH_LIST_H

#include "core/buf.h"
#include "model/entity.h"
#include "store/store.h"

#define SH_LIST_DEFAULT_LIMIT 50
#define SH_LIST_MAX_LIMIT 500
#define SH_LIST_MAX_FILTERS 16
#define SH_CURSOR_MAX 64

typedef struct sh_filter {
    int field; /* index in e->fields */
    sh_value v;
} sh_filter;

typedef struct sh_list_query {
    int limit;
    int64_t after; /* key of the last row already seen; 0 = from the start */
    sh_filter filters[SH_LIST_MAX_FILTERS];
    int nfilters;
} sh_list_query;

/* Encode a cursor for the row with internal key `key` into out (SH_CURSOR_MAX). */
void sh_cursor_encode(int64_t key, char *out);
/* Decode; SH_ERR with 400 invalid_cursor when s is not a cursor this server made. */
int sh_cursor_decode(const char *s, int64_t *key, sh_err *err);

/* Parse n query arguments. Names listed in `also` (NULL-terminated, may be NULL)
 * are accepted and left to the caller. Every problem is reported in err. */
int sh_list_query_parse(sh_pool *p, const sh_entity *e, const char *const *keys, const char *const *vals,
                        int n, const char *const *also, sh_list_query *q, sh_err *err);

/* SELECT of the entity's visible columns (key first) with the query's filters,
 * an optional extra predicate (scope filter; its parameters start at *param and
 * are bound by the caller) and key-set paging. Binds nothing; see sh_list_bind. */
int sh_list_sql(sh_buf *sql, const sh_entity *e, const sh_list_query *q, const char *extra_where,
                int extra_params);
/* Bind the query's filter and paging parameters (they follow the extra ones). */
int sh_list_bind(sh_stmt *s, const sh_entity *e, const sh_list_query *q, int extra_params);

/* Column list (key first, then every field that appears in JSON) for the entity,
 * as used by sh_list_sql; the row → JSON mapper reads columns in this order. */
int sh_select_columns(sh_buf *sql, const sh_entity *e, const char *alias);

/* Reader's view of sensitive fields. */
typedef struct sh_view {
    int unmask; /* the reader holds the unmask permission and gave a reason */
} sh_view;

/* Append the current row (columns as sh_select_columns) to out as a JSON object. */
int sh_row_write(sh_buf *out, const sh_entity *e, sh_stmt *s, const sh_view *view);

/* The same row as the text of spreadsheet cells, for exports: the labels of the
 * columns this reader is shown (hidden-mask fields left out unless unmasked) go
 * to names, the row's values, masked alike, to cells (both with room for
 * e->nfields + e->ncomputed; computed values come last); each returns how many. Booleans read 是/否, times
 * China's local time, and codes their name when codes->name gives one (else the code). */
typedef struct sh_code_names {
    const char *(*name)(void *ctx, const char *table, const char *code);
    void *ctx;
} sh_code_names;
int sh_row_headers(const sh_entity *e, const sh_view *view, const char **names);
int sh_row_texts(sh_pool *p, const sh_entity *e, sh_stmt *s, const sh_view *view, sh_code_names *codes,
                 const char **cells);

/* Mask a value for display (pool-allocated). */
const char *sh_mask_value(sh_pool *p, sh_mask m, const char *v);

#endif
