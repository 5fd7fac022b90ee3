/* list.c — list query parsing, cursor coding and row → JSON, all driven by the
 * entity declarations. See list.h. */
#include "model/list.h"

#include "core/clock.h"
#include "model/fieldcrypt.h"
#include "model/registry.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define CURSOR_PREFIX "k1."

void sh_cursor_encode(int64_t key, char *out) {
    char raw[32];
    int n = snprintf(raw, sizeof raw, CURSOR_PREFIX "%lld", (long long)key);
    sodium_bin2base64(out, SH_CURSOR_MAX, (const unsigned char *)raw, (size_t)n,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

int sh_cursor_decode(const char *s, int64_t *key, sh_err *err) {
    unsigned char raw[40];
    size_t len = 0;
    size_t slen = strlen(s);
    if (slen == 0 || slen > 40 ||
        sodium_base642bin(raw, sizeof raw - 1, s, slen, NULL, &len, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
        goto bad;
    raw[len] = '\0';
    size_t plen = strlen(CURSOR_PREFIX);
    if (len <= plen || len > plen + 18 || memcmp(raw, CURSOR_PREFIX, plen) != 0)
        goto bad;
    if (raw[plen] == '0')
        goto bad;
    int64_t v = 0;
    for (size_t i = plen; i < len; i++) {
        if (raw[i] < '0' || raw[i] > '9')
            goto bad;
        v = v * 10 + (raw[i] - '0');
    }
    *key = v;
    return SH_OK;
bad:
    return sh_err_set(err, 400, "invalid_cursor", "cursor", "分页游标无效，请从第一页重新获取");
}

static int parse_limit(const char *v, int *out) {
    if (!*v || strlen(v) > 4)
        return SH_ERR;
    int n = 0;
    for (const char *c = v; *c; c++) {
        if (*c < '0' || *c > '9')
            return SH_ERR;
        n = n * 10 + (*c - '0');
    }
    if (n < 1 || n > SH_LIST_MAX_LIMIT)
        return SH_ERR;
    *out = n;
    return SH_OK;
}

static int in_list(const char *const *also, const char *k) {
    for (; also && *also; also++)
        if (strcmp(*also, k) == 0)
            return 1;
    return 0;
}

int sh_list_query_parse(sh_pool *p, const sh_entity *e, const char *const *keys, const char *const *vals,
                        int n, const char *const *also, sh_list_query *q, sh_err *err) {
    memset(q, 0, sizeof *q);
    q->limit = SH_LIST_DEFAULT_LIMIT;
    size_t before = sh_err_count(err);
    int seen_limit = 0, seen_cursor = 0;
    for (int i = 0; i < n; i++) {
        const char *k = keys[i], *v = vals[i] ? vals[i] : "";
        if (strcmp(k, "limit") == 0) {
            if (seen_limit++ || parse_limit(v, &q->limit) != SH_OK)
                sh_err_add(err, 400, "invalid_limit", "limit", NULL,
                           "limit 应为 1 到 %d 之间的整数，且只能出现一次", SH_LIST_MAX_LIMIT);
            continue;
        }
        if (strcmp(k, "cursor") == 0) {
            sh_err one;
            sh_err_init(&one);
            if (seen_cursor++ || sh_cursor_decode(v, &q->after, &one) != SH_OK)
                sh_err_add(err, 400, "invalid_cursor", "cursor", NULL, "分页游标无效，请从第一页重新获取");
            continue;
        }
        if (in_list(also, k))
            continue;
        int fi = sh_entity_field_index(e, k);
        const sh_field *f = fi >= 0 ? &e->fields[fi] : NULL;
        if (!f || !(f->flags & SH_F_FILTER)) {
            sh_err_add(err, 400, "unknown_parameter", k, NULL, "不支持的查询参数“%.60s”", k);
            continue;
        }
        if (q->nfilters == SH_LIST_MAX_FILTERS) {
            sh_err_add(err, 400, "too_many_filters", k, NULL, "筛选条件过多");
            continue;
        }
        for (int j = 0; j < q->nfilters; j++)
            if (q->filters[j].field == fi) {
                sh_err_add(err, 400, "duplicate_parameter", k, NULL, "查询参数“%s”重复", k);
                goto next;
            }
        sh_filter *flt = &q->filters[q->nfilters];
        flt->field = fi;
        if (f->type == SH_T_INT || f->type == SH_T_BOOL) {
            char *end = NULL;
            long long x = strtoll(v, &end, 10);
            if (f->type == SH_T_BOOL) {
                if (strcmp(v, "true") == 0)
                    x = 1;
                else if (strcmp(v, "false") == 0)
                    x = 0;
                else {
                    sh_err_add(err, 400, "invalid_filter", k, NULL, "“%s”应为 true 或 false", f->label);
                    continue;
                }
            } else if (!*v || *end || strlen(v) > 19) {
                sh_err_add(err, 400, "invalid_filter", k, NULL, "“%s”应为整数", f->label);
                continue;
            }
            flt->v.i = x;
        } else if (f->type == SH_T_TEXT || f->type == SH_T_CODE || f->type == SH_T_DATE ||
                   f->type == SH_T_REF) {
            sh_field relaxed = *f;
            relaxed.flags &= ~(unsigned)SH_F_REQUIRED;
            if (sh_field_parse_text(p, &relaxed, v, &flt->v.s, err) != SH_OK)
                continue;
        } else {
            sh_err_add(err, 400, "unknown_parameter", k, NULL, "不支持按“%s”筛选", f->label);
            continue;
        }
        flt->v.set = 1;
        q->nfilters++;
    next:;
    }
    return sh_err_count(err) > before ? SH_ERR : SH_OK;
}

static const sh_field *key_field(const sh_entity *e) {
    for (int i = 0; i < e->nfields; i++)
        if (e->fields[i].type == SH_T_KEY)
            return &e->fields[i];
    return NULL;
}

/* The column lists page by: the key field's, else a declared "id" column (a
 * table whose id is exposed as a field, such as the audit log's sequence). */
static const char *key_column(const sh_entity *e) {
    const sh_field *k = key_field(e);
    if (k)
        return k->column;
    for (int i = 0; i < e->nfields; i++)
        if (strcmp(e->fields[i].column, "id") == 0)
            return "id";
    return "rowid";
}

static int visible(const sh_field *f) {
    return !(f->flags & SH_F_INTERNAL) && f->type != SH_T_KEY && f->type != SH_T_BLOB;
}

int sh_select_columns(sh_buf *sql, const sh_entity *e, const char *alias) {
    sh_buf_printf(sql, "%s.%s", alias, key_column(e));
    for (int i = 0; i < e->nfields; i++) {
        const sh_field *f = &e->fields[i];
        if (!visible(f))
            continue;
        if (f->type == SH_T_REF) {
            const sh_entity *r = sh_registry_entity(f->ref);
            sh_buf_printf(sql, ", (SELECT r.uid FROM %s r WHERE r.id = %s.%s)",
                          r ? r->table : "missing_entity", alias, f->column);
        } else if (f->flags & SH_F_ENCRYPT) { /* two columns: the masked form, then the ciphertext */
            if (sh_field_has_mask_column(f))
                sh_buf_printf(sql, ", %s.%s_mask, %s.%s", alias, f->column, alias, f->column);
            else
                sh_buf_printf(sql, ", NULL, %s.%s", alias, f->column);
        } else {
            sh_buf_printf(sql, ", %s.%s", alias, f->column);
        }
    }
    for (int i = 0; i < e->ncomputed; i++) {
        sh_buf_puts(sql, ", ");
        e->computed[i].select(sql, alias);
    }
    return sh_buf_ok(sql);
}

int sh_list_sql(sh_buf *sql, const sh_entity *e, const sh_list_query *q, const char *extra_where,
                int extra_params) {
    const char *key = key_column(e);
    int n = extra_params;
    sh_buf_puts(sql, "SELECT ");
    sh_select_columns(sql, e, "t");
    sh_buf_printf(sql, " FROM %s t WHERE t.%s > $%d", e->table, key, ++n);
    if (extra_where && *extra_where)
        sh_buf_printf(sql, " AND (%s)", extra_where);
    for (int i = 0; i < q->nfilters; i++) {
        const sh_field *f = &e->fields[q->filters[i].field];
        if (f->type == SH_T_REF) {
            const sh_entity *r = sh_registry_entity(f->ref);
            sh_buf_printf(sql, " AND t.%s = (SELECT r.id FROM %s r WHERE r.uid = $%d)", f->column,
                          r ? r->table : "missing_entity", ++n);
        } else if (sh_field_has_hash_column(f)) {
            sh_buf_printf(sql, " AND t.%s_hash = $%d", f->column, ++n);
        } else {
            sh_buf_printf(sql, " AND t.%s = $%d", f->column, ++n);
        }
    }
    sh_buf_printf(sql, " ORDER BY t.%s LIMIT $%d", key, ++n);
    return sh_buf_ok(sql);
}

int sh_list_bind(sh_stmt *s, const sh_entity *e, const sh_list_query *q, int extra_params) {
    int n = extra_params;
    int rc = sh_bind_i64(s, ++n, q->after);
    for (int i = 0; i < q->nfilters; i++) {
        const sh_field *f = &e->fields[q->filters[i].field];
        if (f->type == SH_T_INT || f->type == SH_T_BOOL) {
            rc |= sh_bind_i64(s, ++n, q->filters[i].v.i);
        } else if (sh_field_has_hash_column(f)) {
            unsigned char h[SH_LOOKUP_HASH_BYTES];
            const char *v = q->filters[i].v.s;
            rc |= sh_lookup_hash(v, strlen(v), h);
            rc |= sh_bind_blob(s, ++n, h, sizeof h);
        } else
            rc |= sh_bind_text(s, ++n, q->filters[i].v.s, -1);
    }
    rc |= sh_bind_i64(s, ++n, q->limit + 1); /* one more tells whether a next page exists */
    return rc ? SH_ERR : SH_OK;
}

static size_t utf8_len_at(const unsigned char *s) {
    if (*s < 0x80)
        return 1;
    if ((*s & 0xE0) == 0xC0)
        return 2;
    if ((*s & 0xF0) == 0xE0)
        return 3;
    return 4;
}

const char *sh_mask_value(sh_pool *p, sh_mask m, const char *v) {
    size_t n = strlen(v);
    sh_buf *b = sh_pool_buf(p, n * 4 + 16);
    if (!b)
        return NULL;
    switch (m) {
    case SH_MASK_NONE: return v;
    case SH_MASK_HIDE: return NULL;
    case SH_MASK_NAME: { /* keep the first character */
        size_t first = n ? utf8_len_at((const unsigned char *)v) : 0;
        if (first > n)
            first = n;
        sh_buf_append(b, v, first);
        size_t chars = 0;
        for (size_t i = first; i < n; i += utf8_len_at((const unsigned char *)v + i))
            chars++;
        for (size_t i = 0; i < (chars ? chars : 1); i++)
            sh_buf_putc(b, '*');
        break;
    }
    case SH_MASK_ID:
    case SH_MASK_PHONE: { /* keep the first 6 (ID) or 3 (phone) and the last 4 */
        size_t head = m == SH_MASK_ID ? 6 : 3;
        if (n <= head + 4) {
            for (size_t i = 0; i < n; i++)
                sh_buf_putc(b, '*');
            break;
        }
        sh_buf_append(b, v, head);
        for (size_t i = head; i < n - 4; i++)
            sh_buf_putc(b, '*');
        sh_buf_append(b, v + n - 4, 4);
        break;
    }
    case SH_MASK_ADDRESS: { /* keep up to the first 区/县/市 after the first 6 characters */
        const char *cut = NULL;
        const char *marks[] = {"区", "县", "旗"};
        for (size_t i = 0; i < 3; i++) {
            const char *hit = strstr(v, marks[i]);
            if (hit && (!cut || hit < cut))
                cut = hit + strlen(marks[i]);
        }
        if (cut)
            sh_buf_append(b, v, (size_t)(cut - v));
        sh_buf_puts(b, "****");
        break;
    }
    case SH_MASK_DATE:
        sh_buf_append(b, v, n >= 4 ? 4 : n);
        sh_buf_puts(b, n >= 4 ? "-**-**" : "");
        break;
    }
    return sh_buf_ok(b) == SH_OK ? b->data : NULL;
}

/* Decimal text of v, written by hand: every row has several. */
static void put_i64(sh_buf *out, int64_t v) {
    char tmp[24];
    int n = 0;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[sizeof tmp - 1 - n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        tmp[sizeof tmp - 1 - n++] = '-';
    sh_buf_append(out, tmp + sizeof tmp - n, (size_t)n);
}

/* An encrypted field's value for the reader: the stored mask, or the decrypted
 * text for a reader who may unmask (NULL when hidden, absent or not decryptable). */
static const char *encrypted_value(sh_pool **scratch, const sh_entity *e, const sh_field *f, sh_stmt *s,
                                   int c, int masked, const char *uid) {
    if (masked)
        return sh_col_is_null(s, c) ? NULL : sh_col_text(s, c);
    if (sh_col_is_null(s, c + 1))
        return NULL;
    if (!*scratch && !(*scratch = sh_pool_create()))
        return NULL;
    return sh_field_open(*scratch, e, f, uid, sh_col_blob(s, c + 1), sh_col_len(s, c + 1));
}

/* The row's public id (encrypted values are bound to it). */
static const char *row_uid(const sh_entity *e, sh_stmt *s) {
    for (int i = 0, c = 1; i < e->nfields; i++) {
        if (!visible(&e->fields[i]))
            continue;
        if (e->fields[i].type == SH_T_UID)
            return sh_col_text(s, c);
        c += e->fields[i].flags & SH_F_ENCRYPT ? 2 : 1;
    }
    return NULL;
}

int sh_row_write(sh_buf *out, const sh_entity *e, sh_stmt *s, const sh_view *view) {
    sh_buf_putc(out, '{');
    int col = 1; /* column 0 is the key */
    int first = 1;
    const char *uid = row_uid(e, s);
    sh_pool *scratch = NULL;
    for (int i = 0; i < e->nfields; i++) {
        const sh_field *f = &e->fields[i];
        if (!visible(f))
            continue;
        int c = col++;
        int masked = f->mask != SH_MASK_NONE && !(view && view->unmask);
        if (f->flags & SH_F_ENCRYPT)
            col++;
        if (masked && f->mask == SH_MASK_HIDE)
            continue;
        if (!first)
            sh_buf_putc(out, ',');
        first = 0;
        sh_buf_json_str(out, f->name, strlen(f->name));
        sh_buf_putc(out, ':');
        if (f->flags & SH_F_ENCRYPT) {
            const char *v = encrypted_value(&scratch, e, f, s, c, masked, uid);
            if (v)
                sh_buf_json_str(out, v, strlen(v));
            else
                sh_buf_puts(out, "null");
        } else if (sh_col_is_null(s, c)) {
            sh_buf_puts(out, "null");
        } else if (f->type == SH_T_INT) {
            put_i64(out, sh_col_i64(s, c));
        } else if (f->type == SH_T_BOOL) {
            sh_buf_puts(out, sh_col_i64(s, c) ? "true" : "false");
        } else if (f->type == SH_T_TIME) {
            char iso[SH_ISO_LEN];
            sh_fmt_iso_ms(sh_col_i64(s, c), iso);
            sh_buf_json_str(out, iso, SH_ISO_LEN - 1);
        } else if (masked) {
            /* a scratch pool keeps masking allocation-free for callers */
            sh_pool *tmp = sh_pool_create();
            const char *m = tmp ? sh_mask_value(tmp, f->mask, sh_col_text(s, c)) : NULL;
            if (m)
                sh_buf_json_str(out, m, strlen(m));
            else
                sh_buf_puts(out, "null");
            sh_pool_destroy(tmp);
        } else {
            sh_buf_json_str(out, sh_col_text(s, c), sh_col_len(s, c));
        }
    }
    for (int i = 0; i < e->ncomputed; i++) {
        const sh_computed *k = &e->computed[i];
        if (!first)
            sh_buf_putc(out, ',');
        first = 0;
        sh_buf_json_str(out, k->name, strlen(k->name));
        sh_buf_putc(out, ':');
        k->write(out, s, col);
        col += k->ncols;
    }
    sh_pool_destroy(scratch);
    sh_buf_putc(out, '}');
    return sh_buf_ok(out);
}

/* Columns sh_select_columns gives the declared fields (the key not counted). */
static int columns_of(const sh_entity *e) {
    int n = 0;
    for (int i = 0; i < e->nfields; i++)
        if (visible(&e->fields[i]))
            n += e->fields[i].flags & SH_F_ENCRYPT ? 2 : 1;
    return n;
}

/* Shown to this reader at all (a hidden mask leaves the column out). */
static int shown(const sh_field *f, const sh_view *view) {
    return visible(f) && !(f->mask == SH_MASK_HIDE && !(view && view->unmask));
}

int sh_row_headers(const sh_entity *e, const sh_view *view, const char **names) {
    int n = 0;
    for (int i = 0; i < e->nfields; i++)
        if (shown(&e->fields[i], view))
            names[n++] = e->fields[i].label;
    for (int i = 0; i < e->ncomputed; i++)
        names[n++] = e->computed[i].label;
    return n;
}

/* A computed value's JSON as a cell: 是/否 for booleans, the text of a string,
 * empty for null. */
static const char *computed_text(sh_pool *p, const sh_computed *k, sh_stmt *s, int col) {
    sh_buf *b = sh_pool_buf(p, 4096);
    if (!b)
        return NULL;
    k->write(b, s, col);
    if (sh_buf_ok(b) != SH_OK || !b->len || strcmp(b->data, "null") == 0)
        return NULL;
    if (strcmp(b->data, "true") == 0 || strcmp(b->data, "false") == 0)
        return b->data[0] == 't' ? "是" : "否";
    json_t *j = json_loads(b->data, JSON_DECODE_ANY, NULL);
    const char *v = json_is_string(j) ? sh_pstrdup(p, json_string_value(j)) : sh_pstrdup(p, b->data);
    json_decref(j);
    return v;
}

int sh_row_texts(sh_pool *p, const sh_entity *e, sh_stmt *s, const sh_view *view, sh_code_names *codes,
                 const char **cells) {
    const char *uid = row_uid(e, s);
    int n = 0;
    for (int i = 0, c = 1; i < e->nfields; i++) {
        const sh_field *f = &e->fields[i];
        if (!visible(f))
            continue;
        int col = c;
        c += f->flags & SH_F_ENCRYPT ? 2 : 1;
        if (!shown(f, view))
            continue;
        int masked = f->mask != SH_MASK_NONE && !(view && view->unmask);
        const char *v = NULL;
        if (f->flags & SH_F_ENCRYPT) {
            v = encrypted_value(&p, e, f, s, col, masked, uid);
        } else if (sh_col_is_null(s, col)) {
            v = NULL;
        } else if (f->type == SH_T_INT) {
            v = sh_psprintf(p, "%lld", (long long)sh_col_i64(s, col));
        } else if (f->type == SH_T_BOOL) {
            v = sh_col_i64(s, col) ? "是" : "否";
        } else if (f->type == SH_T_TIME) {
            char local[SH_LOCAL_TIME_LEN];
            sh_fmt_local_ms(sh_col_i64(s, col), local);
            v = sh_pstrdup(p, local);
        } else if (masked) {
            v = sh_mask_value(p, f->mask, sh_col_text(s, col));
        } else if (f->type == SH_T_CODE && codes && codes->name) {
            v = codes->name(codes->ctx, f->code_table, sh_col_text(s, col));
        } else {
            v = sh_pstrdup(p, sh_col_text(s, col));
        }
        cells[n++] = v;
    }
    for (int i = 0, c = 1 + columns_of(e); i < e->ncomputed; c += e->computed[i++].ncols)
        cells[n++] = computed_text(p, &e->computed[i], s, c);
    return n;
}
