/* filter.c — the query parameters of the OneRoster REST collections, parsed
 * from outside input into a small structure and turned into SQL whose values
 * are always bound, never spliced (tests/fuzz/fuzz_oneroster_filter.c):
 *
 *   limit   1–1000, default 100          offset  0–2^31, default 0
 *   sort    a field; orderBy asc | desc  fields  comma-separated members
 *   filter  predicate { (" AND " | " OR ") predicate }, at most 8, where
 *           predicate = field operator quoted-value, operator one of
 *           = != > >= < <= ~ (contains), the value in '…' or "…" (the quote
 *           doubled inside), e.g. familyName='刘' AND role='teacher'.
 *           AND binds tighter than OR, as in SQL. A reference is filtered by
 *           its sourcedId (school='…' or school.sourcedId='…');
 *           dateLastModified compares as a time (ISO 8601).
 *
 * Fields a reader sees masked (givenName, birthDate) may be filtered or sorted
 * on only by a reader who unmasks; encrypted ones (identifier of a student)
 * never, because the store holds no clear text to compare. */
#include "oneroster/or_impl.h"

#include "core/clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_LIMIT 1000
#define DEFAULT_LIMIT 100
#define MAX_VALUE ((size_t)200)

static int bad(sh_err *err, const char *code, const char *field, const char *fmt, const char *what) {
    return sh_err_set(err, 400, code, field, fmt, what ? what : "");
}

/* Does the derived SQL of e produce column col? ("AS col" followed by a
 * non-name character) */
static int has_column(const sh_or_entity *e, const char *col) {
    size_t n = strlen(col);
    for (const char *p = e->sql; (p = strstr(p, " AS ")) != NULL; p += 4) {
        const char *q = p + 4;
        if (strncmp(q, col, n) == 0) {
            char c = q[n];
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
                return 1;
        }
    }
    return 0;
}

/* The field with this REST member name ("school", "school.sourcedId",
 * "metadata.grade", "role"); -1 when none. */
static int field_named(const sh_or_entity *e, const char *name, size_t n) {
    static const char suffix[] = ".sourcedId";
    size_t sl = sizeof suffix - 1;
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < e->nfields; i++) {
            const char *j = e->fields[i].json;
            if (j && strlen(j) == n && strncmp(j, name, n) == 0)
                return i;
        }
        if (pass == 0 && n > sl && strncmp(name + n - sl, suffix, sl) == 0)
            n -= sl;
        else
            break;
    }
    return -1;
}

/* May field i be compared or sorted on? SH_OK, or SH_ERR with err. */
static int comparable(const sh_or_entity *e, int i, int unmasked, const char *code, sh_err *err) {
    const sh_or_field *f = &e->fields[i];
    if (f->type == OR_SECRET || f->type == OR_CONST || !f->col || !has_column(e, f->col))
        return bad(err, code, f->json, "字段“%s”不能用于筛选或排序", f->json);
    if (f->mask != SH_MASK_NONE && !unmasked)
        return bad(err, code, f->json, "字段“%s”已脱敏，只有带 unmask_reason 查看明文时才能用于筛选或排序",
                   f->json);
    return SH_OK;
}

static int parse_int(const char *v, long lo, long hi, long *out) {
    char *end;
    if (!v || !*v || strspn(v, "0123456789") != strlen(v) || strlen(v) > 10)
        return SH_ERR;
    long n = strtol(v, &end, 10);
    if (*end || n < lo || n > hi)
        return SH_ERR;
    *out = n;
    return SH_OK;
}

/* One predicate at *pp; advances past it. */
static int parse_pred(sh_pool *p, const sh_or_entity *e, const char **pp, int unmasked, sh_or_query *q, int k,
                      sh_err *err) {
    const char *s = *pp;
    while (*s == ' ')
        s++;
    const char *name = s;
    while ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '.' ||
           *s == '_')
        s++;
    size_t n = (size_t)(s - name);
    if (!n)
        return bad(err, "invalid_filter_field", "filter", "filter 应为“字段 运算符 '值'”的形式%s", NULL);
    int f = field_named(e, name, n);
    if (f < 0)
        return bad(err, "invalid_filter_field", "filter", "filter 中的字段“%s”不存在",
                   sh_pstrndup(p, name, n > 64 ? 64 : n));
    if (comparable(e, f, unmasked, "invalid_filter_field", err) != SH_OK)
        return SH_ERR;
    while (*s == ' ')
        s++;
    static const struct {
        const char *text;
        int op;
    } ops[] = {{"!=", SH_OR_OP_NE}, {">=", SH_OR_OP_GE}, {"<=", SH_OR_OP_LE},     {"=", SH_OR_OP_EQ},
               {">", SH_OR_OP_GT},  {"<", SH_OR_OP_LT},  {"~", SH_OR_OP_CONTAINS}};
    int op = -1;
    for (size_t i = 0; i < sizeof ops / sizeof ops[0] && op < 0; i++)
        if (strncmp(s, ops[i].text, strlen(ops[i].text)) == 0) {
            op = ops[i].op;
            s += strlen(ops[i].text);
        }
    if (op < 0)
        return bad(err, "invalid_filter_field", "filter", "filter 的运算符应为 = != > >= < <= ~ 之一%s",
                   NULL);
    while (*s == ' ')
        s++;
    char quote = *s;
    if (quote != '\'' && quote != '"')
        return bad(err, "invalid_filter_field", "filter", "filter 的值应放在引号中%s", NULL);
    s++;
    sh_buf *v = sh_pool_buf(p, MAX_VALUE * 4);
    if (!v)
        return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    for (;;) {
        if (!*s)
            return bad(err, "invalid_filter_field", "filter", "filter 的值缺少结束引号%s", NULL);
        if (*s == quote && s[1] == quote) {
            sh_buf_putc(v, quote);
            s += 2;
        } else if (*s == quote) {
            s++;
            break;
        } else {
            sh_buf_putc(v, *s++);
        }
    }
    if (sh_buf_ok(v) != SH_OK || v->len > MAX_VALUE)
        return bad(err, "invalid_filter_field", "filter", "filter 的值过长%s", NULL);
    const char *value = v->len ? v->data : "";
    q->pred[k].field = f;
    q->pred[k].op = op;
    q->pred[k].value = value;
    if (e->fields[f].type == OR_TIME) {
        if (op == SH_OR_OP_CONTAINS || sh_parse_iso_ms(value, &q->pred[k].ms) != SH_OK)
            return bad(err, "invalid_filter_field", "filter",
                       "dateLastModified 应与 ISO 8601 时间比较，例如 '2026-09-01T00:00:00Z'%s", NULL);
    } else if (op == SH_OR_OP_CONTAINS) { /* LIKE with the wildcards of the value escaped */
        sh_buf *l = sh_pool_buf(p, MAX_VALUE * 8);
        if (!l)
            return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
        sh_buf_putc(l, '%');
        for (const char *c = value; *c; c++) {
            if (*c == '%' || *c == '_' || *c == '\\')
                sh_buf_putc(l, '\\');
            sh_buf_putc(l, *c);
        }
        sh_buf_putc(l, '%');
        if (sh_buf_ok(l) != SH_OK)
            return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
        q->pred[k].value = l->data;
    }
    *pp = s;
    return SH_OK;
}

static int parse_filter(sh_pool *p, const sh_or_entity *e, const char *filter, int unmasked, sh_or_query *q,
                        sh_err *err) {
    const char *s = filter;
    for (int k = 0;; k++) {
        if (parse_pred(p, e, &s, unmasked, q, k, err) != SH_OK)
            return SH_ERR;
        q->npred = k + 1;
        while (*s == ' ')
            s++;
        if (!*s)
            return SH_OK;
        if (k + 1 == SH_OR_MAX_PREDICATES)
            return bad(err, "invalid_filter_field", "filter", "filter 最多 8 个条件%s", NULL);
        if (strncmp(s, "AND ", 4) == 0 && s > filter && s[-1] == ' ') {
            s += 4;
        } else if (strncmp(s, "OR ", 3) == 0 && s > filter && s[-1] == ' ') {
            s += 3;
            q->pred[k + 1].or_before = 1;
        } else {
            return bad(err, "invalid_filter_field", "filter", "filter 的条件之间应以“ AND ”或“ OR ”连接%s",
                       NULL);
        }
    }
}

static int parse_fields(sh_pool *p, const sh_or_entity *e, const char *fields, sh_or_query *q, sh_err *err) {
    const char *s = fields;
    while (*s) {
        size_t n = strcspn(s, ",");
        const char *name = s;
        while (n && *name == ' ') {
            name++;
            n--;
        }
        while (n && name[n - 1] == ' ')
            n--;
        int found = 0;
        for (int i = 0; i < e->nfields && n; i++) {
            const char *j = e->fields[i].json;
            if (!j)
                continue;
            int meta = n == 8 && strncmp(name, "metadata", 8) == 0 && strncmp(j, "metadata.", 9) == 0;
            int roles = n == 5 && strncmp(name, "roles", 5) == 0 && strcmp(j, "role") == 0;
            if (meta || roles || (strlen(j) == n && strncmp(j, name, n) == 0)) {
                q->fields |= 1ULL << i;
                found = 1;
            }
        }
        if (!found)
            return bad(err, "invalid_selection_field", "fields", "fields 中的字段“%s”不存在",
                       sh_pstrndup(p, name, n > 64 ? 64 : n));
        s += strcspn(s, ",");
        if (*s == ',')
            s++;
    }
    if (!q->fields)
        return bad(err, "invalid_selection_field", "fields", "fields 不能为空%s", NULL);
    q->fields |= 1ULL; /* sourcedId always */
    return SH_OK;
}

int sh_or_query_parse(sh_pool *p, const sh_or_entity *e, const char *limit, const char *offset,
                      const char *sort, const char *order_by, const char *filter, const char *fields,
                      int unmasked, sh_or_query *q, sh_err *err) {
    memset(q, 0, sizeof *q);
    q->limit = DEFAULT_LIMIT;
    q->sort = -1;
    long n;
    if (limit) {
        if (parse_int(limit, 1, MAX_LIMIT, &n) != SH_OK)
            return bad(err, "invalid_data", "limit", "limit 应为 1–1000 的整数%s", NULL);
        q->limit = (int)n;
    }
    if (offset) {
        if (parse_int(offset, 0, 2147483647L, &n) != SH_OK)
            return bad(err, "invalid_data", "offset", "offset 应为不小于 0 的整数%s", NULL);
        q->offset = (int)n;
    }
    if (sort) {
        q->sort = field_named(e, sort, strlen(sort));
        if (q->sort < 0)
            return bad(err, "invalid_sort_field", "sort", "sort 的字段“%s”不存在",
                       strlen(sort) > 64 ? "" : sort);
        if (comparable(e, q->sort, unmasked, "invalid_sort_field", err) != SH_OK)
            return SH_ERR;
    }
    if (order_by) {
        if (strcmp(order_by, "asc") != 0 && strcmp(order_by, "desc") != 0)
            return bad(err, "invalid_sort_field", "orderBy", "orderBy 应为 asc 或 desc%s", NULL);
        q->desc = strcmp(order_by, "desc") == 0;
    }
    if (filter && *filter && parse_filter(p, e, filter, unmasked, q, err) != SH_OK)
        return SH_ERR;
    if (fields && parse_fields(p, e, fields, q, err) != SH_OK)
        return SH_ERR;
    return SH_OK;
}

/* The SQL expression of field i over alias t. */
static void field_expr(sh_buf *b, const sh_or_field *f) {
    if (f->type == OR_FAMILY)
        sh_buf_printf(b, "substr(t.%s, 1, 1)", f->col);
    else if (f->type == OR_GIVEN)
        sh_buf_printf(b, "substr(t.%s, 2)", f->col);
    else
        sh_buf_printf(b, "t.%s", f->col);
}

int sh_or_query_sql(const sh_or_entity *e, const sh_or_query *q, int first_param, sh_buf *where,
                    sh_buf *order) {
    static const char *const sql_ops[] = {"=", "<>", ">", ">=", "<", "<=", "LIKE"};
    if (q->npred)
        sh_buf_puts(where, "(");
    for (int k = 0; k < q->npred; k++) {
        const sh_or_field *f = &e->fields[q->pred[k].field];
        if (k)
            sh_buf_puts(where, q->pred[k].or_before ? " OR " : " AND ");
        int op = q->pred[k].op;
        if (op == SH_OR_OP_NE && f->type != OR_TIME) {
            sh_buf_puts(where, "COALESCE(");
            field_expr(where, f);
            sh_buf_printf(where, ", '') <> $%d", first_param + k);
            continue;
        }
        field_expr(where, f);
        sh_buf_printf(where, " %s $%d%s", sql_ops[op], first_param + k,
                      op == SH_OR_OP_CONTAINS ? " ESCAPE '\\'" : "");
    }
    if (q->npred)
        sh_buf_puts(where, ")");
    if (q->sort >= 0) {
        field_expr(order, &e->fields[q->sort]);
        sh_buf_printf(order, " %s, ", q->desc ? "DESC" : "ASC");
    }
    sh_buf_printf(order, "t.sid %s", q->sort < 0 && q->desc ? "DESC" : "ASC");
    return sh_buf_ok(where) == SH_OK && sh_buf_ok(order) == SH_OK ? SH_OK : SH_ERR;
}

int sh_or_query_bind(sh_stmt *s, const sh_or_entity *e, const sh_or_query *q, int first_param) {
    for (int k = 0; k < q->npred; k++) {
        int rc = e->fields[q->pred[k].field].type == OR_TIME
                     ? sh_bind_i64(s, first_param + k, q->pred[k].ms)
                     : sh_bind_text(s, first_param + k, q->pred[k].value, -1);
        if (rc != SH_OK)
            return SH_ERR;
    }
    return SH_OK;
}
