/* write.c — insert, update and delete of declared entities with encryption,
 * change versions and provenance. See write.h. Talks to the store only through
 * statements built from the declarations (no user text in SQL). */
#include "model/write.h"

#include "core/alloc.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/uid.h"
#include "model/fieldcrypt.h"
#include "model/list.h"
#include "model/registry.h"

#include <stdlib.h>
#include <string.h>

#define WRITE_SQL_MAX 16384

static int is_stamp(const sh_field *f, const char *name) {
    return f->type == SH_T_TIME && (f->flags & SH_F_READONLY) && strcmp(f->column, name) == 0;
}
static int is_version(const sh_field *f) {
    return f->type == SH_T_INT && (f->flags & SH_F_READONLY) && strcmp(f->column, "version") == 0;
}

int sh_record_resolve_refs(sh_conn *c, const sh_record *r, sh_err *err) {
    size_t before = sh_err_count(err);
    for (int i = 0; i < r->e->nfields; i++) {
        const sh_field *f = &r->e->fields[i];
        sh_value *v = &r->v[i];
        if (f->type != SH_T_REF || !v->set || v->is_null || !v->s || v->i)
            continue;
        const sh_entity *target = sh_registry_entity(f->ref);
        if (!target) {
            sh_err_add(err, 500, "internal", f->name, NULL, "“%s”引用了未声明的实体", f->label);
            continue;
        }
        char sql[160];
        snprintf(sql, sizeof sql, "SELECT id FROM %s WHERE uid = $1", target->table);
        sh_stmt *s = sh_prepare(c, sql, err);
        if (!s)
            return SH_ERR;
        sh_bind_text(s, 1, v->s, -1);
        int rc = sh_step(s, err);
        if (rc == SH_ROW)
            v->i = sh_col_i64(s, 0);
        sh_stmt_done(s);
        if (rc == SH_ERR)
            return SH_ERR;
        if (rc == SH_DONE)
            sh_err_add(err, 400, "unknown_reference", f->name, v->s, "“%s”所指的%s不存在", f->label,
                       target->label);
    }
    return sh_err_count(err) > before ? SH_ERR : SH_OK;
}

/* References given by key only (set by the server, not the client) get their
 * public id, so the change log names every reference the way subscribers see it. */
static int public_refs(sh_conn *c, sh_pool *p, const sh_record *r, sh_err *err) {
    for (int i = 0; i < r->e->nfields; i++) {
        const sh_field *f = &r->e->fields[i];
        sh_value *v = &r->v[i];
        if (f->type != SH_T_REF || !v->set || v->is_null || v->s || !v->i)
            continue;
        const sh_entity *target = sh_registry_entity(f->ref);
        char sql[160];
        snprintf(sql, sizeof sql, "SELECT uid FROM %s WHERE id = $1", target ? target->table : "");
        sh_stmt *s = target ? sh_prepare(c, sql, err) : NULL;
        if (!s)
            return target ? SH_ERR
                          : sh_err_set(err, 500, "internal", f->name, "“%s”引用了未声明的实体", f->label);
        sh_bind_i64(s, 1, v->i);
        int rc = sh_step(s, err);
        if (rc == SH_ROW)
            v->s = sh_pstrdup(p, sh_col_text(s, 0));
        sh_stmt_done(s);
        if (rc == SH_ERR)
            return SH_ERR;
        if (rc == SH_DONE || !v->s)
            return sh_err_add(err, 400, "unknown_reference", f->name, NULL, "“%s”所指的%s不存在", f->label,
                              target->label);
    }
    return SH_OK;
}

/* Bind one plain value of field f. */
static int bind_value(sh_stmt *s, int n, const sh_field *f, const sh_value *v) {
    if (v->is_null)
        return sh_bind_null(s, n);
    switch (f->type) {
    case SH_T_INT:
    case SH_T_BOOL:
    case SH_T_TIME:
    case SH_T_KEY:
    case SH_T_REF: return sh_bind_i64(s, n, v->i);
    default: return sh_bind_text(s, n, v->s, -1);
    }
}

/* The stored forms of an encrypted value: ciphertext, mask text, lookup hash. */
typedef struct sealed {
    const unsigned char *ct;
    size_t ctlen;
    const char *mask;
    unsigned char hash[SH_LOOKUP_HASH_BYTES];
} sealed;

static int seal_value(sh_pool *p, const sh_entity *e, const sh_field *f, const char *uid, const char *plain,
                      sealed *out, sh_err *err) {
    if (sh_field_seal(p, e, f, uid, plain, &out->ct, &out->ctlen) != SH_OK)
        return sh_err_set(err, 500, "encryption_unavailable", f->name, "无法加密“%s”：未加载密钥", f->label);
    out->mask = sh_field_has_mask_column(f) ? sh_mask_value(p, f->mask, plain) : NULL;
    if (sh_field_has_hash_column(f) && sh_lookup_hash(plain, strlen(plain), out->hash) != SH_OK)
        return sh_err_set(err, 500, "encryption_unavailable", f->name, "无法计算“%s”的检索摘要", f->label);
    return SH_OK;
}

/* Bind an encrypted field's columns from n on (ciphertext, [mask], [hash]);
 * returns the next parameter number. NULL value: all NULL. */
static int bind_sealed(sh_stmt *s, int n, const sh_field *f, const sealed *v, int is_null) {
    if (is_null)
        sh_bind_null(s, n++);
    else
        sh_bind_blob(s, n++, v->ct, v->ctlen);
    if (sh_field_has_mask_column(f)) {
        if (is_null || !v->mask)
            sh_bind_null(s, n++);
        else
            sh_bind_text(s, n++, v->mask, -1);
    }
    if (sh_field_has_hash_column(f)) {
        if (is_null)
            sh_bind_null(s, n++);
        else
            sh_bind_blob(s, n++, v->hash, sizeof v->hash);
    }
    return n;
}

/* The column names of an encrypted field (ciphertext, [mask], [hash]); built
 * without printf, as every insert builds its statement. */
static void sealed_columns(sh_buf *sql, const sh_field *f, const char *sep) {
    sh_buf_puts(sql, sep);
    sh_buf_puts(sql, f->column);
    if (sh_field_has_mask_column(f)) {
        sh_buf_puts(sql, ", ");
        sh_buf_puts(sql, f->column);
        sh_buf_puts(sql, "_mask");
    }
    if (sh_field_has_hash_column(f)) {
        sh_buf_puts(sql, ", ");
        sh_buf_puts(sql, f->column);
        sh_buf_puts(sql, "_hash");
    }
}

/* ", $n" (or "$n" for the first) without printf. */
static void put_param(sh_buf *sql, int n) {
    char tmp[16];
    int i = (int)sizeof tmp;
    tmp[--i] = '\0';
    do
        tmp[--i] = (char)('0' + n % 10);
    while ((n /= 10) > 0 && i > 4);
    tmp[--i] = '$';
    sh_buf_puts(sql, tmp + i);
}

static int encrypted_columns(const sh_field *f) {
    return 1 + sh_field_has_mask_column(f) + sh_field_has_hash_column(f);
}

/* The JSON texts a change_log row carries, built straight into pool buffers
 * (a jansson tree per change cost a tenth of an import): the changed fields, and
 * for creates and deletes the natural keys. */
typedef struct change_text {
    sh_buf *fields; /* [{"field":…,"from":…,"to":…}, …] */
    sh_buf *keys;   /* {"name":value, …, "id":uid}, or NULL */
} change_text;

static int change_text_init(sh_pool *p, change_text *t, int with_keys) {
    t->fields = sh_pool_buf(p, WRITE_SQL_MAX);
    t->keys = with_keys ? sh_pool_buf(p, WRITE_SQL_MAX) : NULL;
    if (!t->fields || (with_keys && !t->keys))
        return SH_ERR;
    sh_buf_putc(t->fields, '[');
    if (t->keys)
        sh_buf_putc(t->keys, '{');
    return SH_OK;
}

static void json_text_or_null(sh_buf *b, const char *v) {
    if (v)
        sh_buf_json_str(b, v, strlen(v));
    else
        sh_buf_puts(b, "null");
}

/* Add a plain natural key of r (or of the stored row). */
static void natural_key_json(change_text *t, const sh_field *f, const sh_value *v) {
    if (!(f->flags & SH_F_UNIQUE) || (f->flags & SH_F_ENCRYPT) || !v->set || v->is_null ||
        (f->type != SH_T_INT && f->type != SH_T_BOOL && !v->s))
        return;
    if (t->keys->len > 1)
        sh_buf_putc(t->keys, ',');
    sh_buf_json_str(t->keys, f->name, strlen(f->name));
    sh_buf_putc(t->keys, ':');
    if (f->type == SH_T_INT || f->type == SH_T_BOOL)
        sh_buf_printf(t->keys, "%lld", (long long)v->i);
    else
        sh_buf_json_str(t->keys, v->s, strlen(v->s));
}

/* Close the texts (the keys with the row's public id); SH_ERR when too long. */
static int change_text_end(change_text *t, const char *uid, sh_err *err) {
    sh_buf_putc(t->fields, ']');
    if (t->keys) {
        if (t->keys->len > 1)
            sh_buf_putc(t->keys, ',');
        sh_buf_puts(t->keys, "\"id\":");
        json_text_or_null(t->keys, uid ? uid : "");
        sh_buf_putc(t->keys, '}');
    }
    if (sh_buf_ok(t->fields) != SH_OK || (t->keys && sh_buf_ok(t->keys) != SH_OK))
        return sh_err_set(err, 500, "internal", NULL, "变更记录过长");
    return SH_OK;
}

/* Write the change_log row and return its version in *version. */
static int log_change(sh_conn *c, const sh_entity *e, const char *uid, int64_t school_id, const char *op,
                      change_text *t, const sh_provenance *pv, int64_t *version, sh_err *err) {
    if (change_text_end(t, uid, err) != SH_OK)
        return SH_ERR;
    const char *fj = t->fields->data, *nj = t->keys ? t->keys->data : NULL;
    sh_stmt *s =
        sh_prepare(c,
                   "INSERT INTO change_log (entity, row_uid, school_id, op, fields, natural_key, actor_id,"
                   " source, source_ref, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
                   " RETURNING version",
                   err);
    int rc = SH_ERR;
    if (s) {
        sh_bind_text(s, 1, e->name, -1);
        sh_bind_text(s, 2, uid, -1);
        if (school_id)
            sh_bind_i64(s, 3, school_id);
        else
            sh_bind_null(s, 3);
        sh_bind_text(s, 4, op, -1);
        sh_bind_text(s, 5, fj, -1);
        sh_bind_text(s, 6, nj, -1);
        if (pv && pv->actor)
            sh_bind_i64(s, 7, pv->actor);
        else
            sh_bind_null(s, 7);
        sh_bind_text(s, 8, pv && pv->source ? pv->source : "system", -1);
        sh_bind_text(s, 9, pv ? pv->source_ref : NULL, -1);
        sh_bind_i64(s, 10, sh_now_ms());
        rc = sh_step(s, err);
        if (rc == SH_ROW) {
            *version = sh_col_i64(s, 0);
            rc = SH_OK;
        } else if (rc == SH_DONE) {
            rc = sh_err_set(err, 500, "internal", NULL, "变更记录未返回版本号");
        }
    }
    sh_stmt_done(s);
    return rc;
}

/* One entry of the change list: the field, and for plain fields graded L1–L2 the
 * values before and after. */
static void change_entry(change_text *t, const sh_field *f, const char *from, const char *to) {
    sh_buf *b = t->fields;
    sh_buf_puts(b, b->len > 1 ? ",{\"field\":" : "{\"field\":");
    sh_buf_json_str(b, f->name, strlen(f->name));
    if (f->grade <= SH_L2 && !(f->flags & SH_F_ENCRYPT)) {
        sh_buf_puts(b, ",\"from\":");
        json_text_or_null(b, from);
        sh_buf_puts(b, ",\"to\":");
        json_text_or_null(b, to);
    }
    sh_buf_putc(b, '}');
}

static const char *value_text(sh_pool *p, const sh_field *f, const sh_value *v) {
    if (!v->set || v->is_null)
        return NULL;
    if (f->type == SH_T_REF)
        return v->s;
    if (f->type == SH_T_INT || f->type == SH_T_BOOL || f->type == SH_T_TIME || f->type == SH_T_KEY)
        return sh_psprintf(p, "%lld", (long long)v->i);
    return v->s;
}

int sh_record_insert(sh_conn *c, sh_pool *p, const sh_record *r, int64_t school_id, const sh_provenance *pv,
                     int64_t *key, const char **uid_out, sh_err *err) {
    const sh_entity *e = r->e;
    if (sh_record_resolve_refs(c, r, err) != SH_OK || public_refs(c, p, r, err) != SH_OK)
        return SH_ERR;
    const char *uid = NULL;
    for (int i = 0; i < e->nfields; i++)
        if (e->fields[i].type == SH_T_UID && r->v[i].set && r->v[i].s)
            uid = r->v[i].s;
    if (!uid) {
        char *u = sh_palloc(p, SH_UID_LEN + 1);
        if (!u)
            return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
        sh_new_uid(u);
        uid = u;
    }
    sealed *seals = sh_pcalloc(p, sizeof(sealed) * (size_t)e->nfields);
    change_text t;
    if (!seals || change_text_init(p, &t, 1) != SH_OK)
        return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    int rc = SH_OK;
    for (int i = 0; rc == SH_OK && i < e->nfields; i++) {
        const sh_field *f = &e->fields[i];
        const sh_value *v = &r->v[i];
        if (!v->set || f->type == SH_T_UID || f->type == SH_T_KEY)
            continue;
        if ((f->flags & SH_F_ENCRYPT) && !v->is_null)
            rc = seal_value(p, e, f, uid, v->s, &seals[i], err);
        if (!(f->flags & SH_F_INTERNAL))
            change_entry(&t, f, NULL, value_text(p, f, v));
        natural_key_json(&t, f, v);
    }
    int64_t version = 0;
    if (rc == SH_OK)
        rc = log_change(c, e, uid, school_id, "create", &t, pv, &version, err);
    if (rc != SH_OK)
        return SH_ERR;

    sh_buf *sql = sh_pool_buf(p, WRITE_SQL_MAX);
    if (!sql)
        return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    sh_buf_puts(sql, "INSERT INTO ");
    sh_buf_puts(sql, e->table);
    sh_buf_puts(sql, " (");
    const char *sep = "";
    int nparams = 0;
    for (int i = 0; i < e->nfields; i++) {
        const sh_field *f = &e->fields[i];
        const sh_value *v = &r->v[i];
        int stamp = is_stamp(f, "created_at") || is_stamp(f, "updated_at") || is_version(f);
        if (f->type == SH_T_KEY || (!v->set && f->type != SH_T_UID && !stamp))
            continue;
        if (f->flags & SH_F_ENCRYPT) {
            sealed_columns(sql, f, sep);
            nparams += encrypted_columns(f);
        } else {
            sh_buf_puts(sql, sep);
            sh_buf_puts(sql, f->column);
            nparams++;
        }
        sep = ", ";
    }
    sh_buf_puts(sql, ") VALUES (");
    for (int n = 1; n <= nparams; n++) {
        if (n > 1)
            sh_buf_puts(sql, ", ");
        put_param(sql, n);
    }
    sh_buf_puts(sql, ") RETURNING id");
    if (sh_buf_ok(sql) != SH_OK)
        return sh_err_set(err, 500, "internal", NULL, "语句过长");
    sh_stmt *s = sh_prepare(c, sql->data, err);
    if (!s)
        return SH_ERR;
    int64_t now = sh_now_ms();
    int n = 1;
    for (int i = 0; i < e->nfields; i++) {
        const sh_field *f = &e->fields[i];
        const sh_value *v = &r->v[i];
        if (f->type == SH_T_KEY)
            continue;
        if (f->type == SH_T_UID)
            sh_bind_text(s, n++, uid, -1);
        else if (is_stamp(f, "created_at") || is_stamp(f, "updated_at"))
            sh_bind_i64(s, n++, now);
        else if (is_version(f))
            sh_bind_i64(s, n++, version);
        else if (!v->set)
            continue;
        else if (f->flags & SH_F_ENCRYPT)
            n = bind_sealed(s, n, f, &seals[i], v->is_null);
        else
            bind_value(s, n++, f, v);
    }
    rc = sh_step(s, err);
    if (rc == SH_ROW)
        *key = sh_col_i64(s, 0);
    sh_stmt_done(s);
    if (rc != SH_ROW)
        return rc == SH_ERR ? SH_ERR : sh_err_set(err, 500, "internal", NULL, "写入未返回编号");
    if (uid_out)
        *uid_out = uid;
    return SH_OK;
}

/* Read the stored row: the plain value of each field as text (decrypted for
 * encrypted ones), and its uid. */
typedef struct stored_row {
    const char **text; /* per field; NULL when NULL or not read */
    const char *uid;
} stored_row;

static int read_row(sh_conn *c, sh_pool *p, const sh_entity *e, int64_t key, stored_row *out, sh_err *err) {
    sh_buf *sql = sh_pool_buf(p, WRITE_SQL_MAX);
    out->text = sh_pcalloc(p, sizeof(char *) * (size_t)e->nfields);
    if (!sql || !out->text)
        return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    sh_buf_puts(sql, "SELECT ");
    const char *sep = "";
    const char *key_col = "id";
    for (int i = 0; i < e->nfields; i++) {
        const sh_field *f = &e->fields[i];
        if (f->type == SH_T_KEY)
            key_col = f->column;
        sh_buf_printf(sql, "%s%s", sep, f->column);
        sep = ", ";
    }
    sh_buf_printf(sql, " FROM %s WHERE %s = $1", e->table, key_col);
    if (sh_buf_ok(sql) != SH_OK)
        return sh_err_set(err, 500, "internal", NULL, "语句过长");
    sh_stmt *s = sh_prepare(c, sql->data, err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, key);
    int rc = sh_step(s, err);
    if (rc == SH_ROW) {
        for (int i = 0; i < e->nfields; i++)
            if (e->fields[i].type == SH_T_UID && !sh_col_is_null(s, i))
                out->uid = sh_pstrdup(p, sh_col_text(s, i));
        for (int i = 0; i < e->nfields; i++) {
            const sh_field *f = &e->fields[i];
            if (sh_col_is_null(s, i))
                continue;
            if (f->flags & SH_F_ENCRYPT)
                out->text[i] = sh_field_open(p, e, f, out->uid, sh_col_blob(s, i), sh_col_len(s, i));
            else if (f->type == SH_T_REF) /* compared by key: keep the number */
                out->text[i] = sh_psprintf(p, "%lld", (long long)sh_col_i64(s, i));
            else
                out->text[i] = sh_pstrdup(p, sh_col_text(s, i));
        }
    }
    sh_stmt_done(s);
    if (rc == SH_ERR)
        return SH_ERR;
    if (rc == SH_DONE)
        return sh_err_set(err, 404, "not_found", NULL, "%s不存在", e->label);
    return SH_OK;
}

static int same(const char *a, const char *b) { return (!a && !b) || (a && b && strcmp(a, b) == 0); }

int sh_record_update(sh_conn *c, sh_pool *p, const sh_record *r, int64_t key, int64_t school_id,
                     const sh_provenance *pv, int *changed, sh_err *err) {
    const sh_entity *e = r->e;
    *changed = 0;
    if (sh_record_resolve_refs(c, r, err) != SH_OK || public_refs(c, p, r, err) != SH_OK)
        return SH_ERR;
    stored_row old = {0};
    if (read_row(c, p, e, key, &old, err) != SH_OK)
        return SH_ERR;
    char *differs = sh_pcalloc(p, (size_t)e->nfields);
    sealed *seals = sh_pcalloc(p, sizeof(sealed) * (size_t)e->nfields);
    change_text t;
    if (!differs || !seals || change_text_init(p, &t, 0) != SH_OK)
        return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    int rc = SH_OK;
    for (int i = 0; rc == SH_OK && i < e->nfields; i++) {
        const sh_field *f = &e->fields[i];
        const sh_value *v = &r->v[i];
        if (!v->set || f->type == SH_T_KEY || f->type == SH_T_UID || (f->flags & SH_F_READONLY))
            continue;
        const char *now_text = f->type == SH_T_REF && v->set && !v->is_null
                                   ? sh_psprintf(p, "%lld", (long long)v->i)
                                   : value_text(p, f, v);
        if (same(old.text[i], now_text))
            continue;
        differs[i] = 1;
        (*changed)++;
        if ((f->flags & SH_F_ENCRYPT) && !v->is_null)
            rc = seal_value(p, e, f, old.uid, v->s, &seals[i], err);
        if (!(f->flags & SH_F_INTERNAL))
            change_entry(&t, f, f->type == SH_T_REF ? NULL : old.text[i],
                         f->type == SH_T_REF ? v->s : now_text);
    }
    int64_t version = 0;
    if (rc == SH_OK && *changed)
        rc = log_change(c, e, old.uid, school_id, "update", &t, pv, &version, err);
    if (rc != SH_OK || !*changed)
        return rc;

    sh_buf *sql = sh_pool_buf(p, WRITE_SQL_MAX);
    if (!sql)
        return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    sh_buf_printf(sql, "UPDATE %s SET ", e->table);
    int n = 0;
    const char *sep = "";
    for (int i = 0; i < e->nfields; i++) {
        const sh_field *f = &e->fields[i];
        if (differs[i] && (f->flags & SH_F_ENCRYPT)) {
            sh_buf_printf(sql, "%s%s = $%d", sep, f->column, ++n);
            if (sh_field_has_mask_column(f))
                sh_buf_printf(sql, ", %s_mask = $%d", f->column, ++n);
            if (sh_field_has_hash_column(f))
                sh_buf_printf(sql, ", %s_hash = $%d", f->column, ++n);
        } else if (differs[i] || is_stamp(f, "updated_at") || is_version(f)) {
            sh_buf_printf(sql, "%s%s = $%d", sep, f->column, ++n);
        } else {
            continue;
        }
        sep = ", ";
    }
    sh_buf_printf(sql, " WHERE id = $%d", ++n);
    if (sh_buf_ok(sql) != SH_OK)
        return sh_err_set(err, 500, "internal", NULL, "语句过长");
    sh_stmt *s = sh_prepare(c, sql->data, err);
    if (!s)
        return SH_ERR;
    n = 1;
    for (int i = 0; i < e->nfields; i++) {
        const sh_field *f = &e->fields[i];
        if (differs[i] && (f->flags & SH_F_ENCRYPT))
            n = bind_sealed(s, n, f, &seals[i], r->v[i].is_null);
        else if (differs[i])
            bind_value(s, n++, f, &r->v[i]);
        else if (is_stamp(f, "updated_at"))
            sh_bind_i64(s, n++, sh_now_ms());
        else if (is_version(f))
            sh_bind_i64(s, n++, version);
    }
    sh_bind_i64(s, n, key);
    rc = sh_step(s, err);
    sh_stmt_done(s);
    return rc == SH_ERR ? SH_ERR : SH_OK;
}

int sh_record_delete(sh_conn *c, sh_pool *p, const sh_entity *e, int64_t key, int64_t school_id,
                     const sh_provenance *pv, sh_err *err) {
    stored_row old = {0};
    if (read_row(c, p, e, key, &old, err) != SH_OK)
        return SH_ERR;
    change_text t;
    if (change_text_init(p, &t, 1) != SH_OK)
        return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    for (int i = 0; i < e->nfields; i++) {
        const sh_field *f = &e->fields[i];
        sh_value v = {.set = old.text[i] != NULL, .is_null = old.text[i] == NULL, .s = old.text[i]};
        if (old.text[i] && (f->type == SH_T_INT || f->type == SH_T_BOOL))
            v.i = strtoll(old.text[i], NULL, 10);
        if (f->type != SH_T_REF)
            natural_key_json(&t, f, &v);
    }
    int64_t version = 0;
    int rc = log_change(c, e, old.uid, school_id, "delete", &t, pv, &version, err);
    if (rc != SH_OK)
        return SH_ERR;
    char sql[160];
    snprintf(sql, sizeof sql, "DELETE FROM %s WHERE id = $1", e->table);
    sh_stmt *s = sh_prepare(c, sql, err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, key);
    rc = sh_step(s, err);
    sh_stmt_done(s);
    return rc == SH_ERR ? SH_ERR : SH_OK;
}
