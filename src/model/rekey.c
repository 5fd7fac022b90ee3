/* rekey.c — re-encryption of every encrypted column under a new master key
 * (rekey.h). Rows are read a page at a time by key, decrypted under the key in
 * use and written back sealed under the other; statements are built from the
 * declarations only. */
#include "model/rekey.h"

#include "core/buf.h"
#include "core/keys.h"
#include "core/pool.h"
#include "model/fieldcrypt.h"
#include "model/registry.h"

#include <string.h>

#define PAGE 200

/* One row's plain values, per encrypted field of the entity (NULL: NULL). */
typedef struct row {
    int64_t key;
    const char *uid;
    const char **plain;
} row;

static int encrypted(const sh_entity *e, int i) { return (e->fields[i].flags & SH_F_ENCRYPT) != 0; }

static int read_page(sh_conn *c, sh_pool *p, const sh_entity *e, const char *key_col, const char *uid_col,
                     int64_t after, row *rows, int *n, sh_err *err) {
    sh_buf *q = sh_pool_buf(p, 4096);
    if (!q)
        return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    sh_buf_printf(q, "SELECT %s, %s", key_col, uid_col);
    for (int i = 0; i < e->nfields; i++)
        if (encrypted(e, i))
            sh_buf_printf(q, ", %s", e->fields[i].column);
    sh_buf_printf(q, " FROM %s WHERE %s > $1 ORDER BY %s LIMIT %d", e->table, key_col, key_col, PAGE);
    sh_stmt *s = sh_buf_ok(q) == SH_OK ? sh_prepare(c, q->data, err) : NULL;
    if (!s)
        return sh_buf_ok(q) == SH_OK ? SH_ERR : sh_err_set(err, 500, "internal", NULL, "语句过长");
    sh_bind_i64(s, 1, after);
    int rc;
    *n = 0;
    while ((rc = sh_step(s, err)) == SH_ROW) {
        row *r = &rows[(*n)++];
        r->key = sh_col_i64(s, 0);
        r->uid = sh_pstrdup(p, sh_col_text(s, 1));
        r->plain = sh_pcalloc(p, sizeof(char *) * (size_t)e->nfields);
        if (!r->plain || !r->uid) {
            sh_stmt_done(s);
            return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
        }
        for (int i = 0, col = 2; i < e->nfields; i++) {
            if (!encrypted(e, i))
                continue;
            int at = col++;
            if (sh_col_is_null(s, at))
                continue;
            r->plain[i] = sh_field_open(p, e, &e->fields[i], r->uid, sh_col_blob(s, at), sh_col_len(s, at));
            if (!r->plain[i]) {
                sh_stmt_done(s);
                return sh_err_set(
                    err, 500, "decryption_failed", e->fields[i].name,
                    "%s.%s 的一个值无法用当前密钥解密（行 %lld）：密钥文件与数据库不符，未做任何改动",
                    e->table, e->fields[i].column, (long long)r->key);
            }
        }
    }
    sh_stmt_done(s);
    return rc == SH_ERR ? SH_ERR : SH_OK;
}

/* Seal one row's values under the key now in use and write them. */
static int write_row(sh_conn *c, sh_pool *p, const sh_entity *e, const char *key_col, const row *r,
                     long *values, sh_err *err) {
    sh_buf *q = sh_pool_buf(p, 4096);
    if (!q)
        return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    sh_buf_printf(q, "UPDATE %s SET ", e->table);
    int n = 0;
    for (int i = 0; i < e->nfields; i++) {
        if (!encrypted(e, i) || !r->plain[i])
            continue;
        sh_buf_printf(q, "%s%s = $%d", n ? ", " : "", e->fields[i].column, n + 1);
        n++;
        if (sh_field_has_hash_column(&e->fields[i])) {
            sh_buf_printf(q, ", %s_hash = $%d", e->fields[i].column, n + 1);
            n++;
        }
    }
    if (!n)
        return SH_OK;
    sh_buf_printf(q, " WHERE %s = $%d", key_col, n + 1);
    sh_stmt *s = sh_buf_ok(q) == SH_OK ? sh_prepare(c, q->data, err) : NULL;
    if (!s)
        return sh_buf_ok(q) == SH_OK ? SH_ERR : sh_err_set(err, 500, "internal", NULL, "语句过长");
    int b = 1;
    for (int i = 0; i < e->nfields; i++) {
        if (!encrypted(e, i) || !r->plain[i])
            continue;
        const unsigned char *ct = NULL;
        size_t len = 0;
        unsigned char h[SH_LOOKUP_HASH_BYTES];
        if (sh_field_seal(p, e, &e->fields[i], r->uid, r->plain[i], &ct, &len) != SH_OK ||
            (sh_field_has_hash_column(&e->fields[i]) &&
             sh_lookup_hash(r->plain[i], strlen(r->plain[i]), h) != SH_OK)) {
            sh_stmt_done(s);
            return sh_err_set(err, 500, "encryption_unavailable", NULL, "无法用新密钥加密");
        }
        sh_bind_blob(s, b++, ct, len);
        if (sh_field_has_hash_column(&e->fields[i]))
            sh_bind_blob(s, b++, h, sizeof h);
        (*values)++;
    }
    sh_bind_i64(s, b, r->key);
    int rc = sh_step(s, err);
    sh_stmt_done(s);
    return rc == SH_ERR ? SH_ERR : SH_OK;
}

static int rekey_entity(sh_conn *c, const sh_entity *e, unsigned char other[32], long *values, sh_err *err) {
    const char *key_col = NULL, *uid_col = NULL;
    int any = 0;
    for (int i = 0; i < e->nfields; i++) {
        if (e->fields[i].type == SH_T_KEY)
            key_col = e->fields[i].column;
        if (e->fields[i].type == SH_T_UID)
            uid_col = e->fields[i].column;
        any |= encrypted(e, i);
    }
    /* without a uid the values are not sealed by fieldcrypt (its associated data is
     * the row's uid): their owner re-seals them (second factors: identity/factor.h) */
    if (!any || !key_col || !uid_col)
        return SH_OK;
    int64_t after = 0;
    for (;;) {
        sh_pool *p = sh_pool_create();
        row *rows = p ? sh_pcalloc(p, sizeof(row) * PAGE) : NULL;
        int n = 0, rc = rows ? read_page(c, p, e, key_col, uid_col, after, rows, &n, err)
                             : sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
        if (rc == SH_OK && n) {
            sh_keys_swap_master(other); /* seal under the other key */
            for (int i = 0; rc == SH_OK && i < n; i++)
                rc = write_row(c, p, e, key_col, &rows[i], values, err);
            sh_keys_swap_master(other);
            after = rows[n - 1].key;
        }
        sh_pool_destroy(p);
        if (rc != SH_OK)
            return SH_ERR;
        if (n < PAGE)
            return SH_OK;
    }
}

int sh_rekey_entities(sh_conn *c, unsigned char other[32], long *values, sh_err *err) {
    *values = 0;
    for (int i = 0; i < sh_registry_count(); i++)
        if (rekey_entity(c, sh_registry_at(i), other, values, err) != SH_OK)
            return SH_ERR;
    return SH_OK;
}
