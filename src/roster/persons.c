/* persons.c — finding and registering people once (persons.h). */
#include "roster/persons.h"

#include "identity/account.h"
#include "model/identifiers.h"
#include "roster/roster.h"

#include <stdio.h>
#include <string.h>

static const sh_field id_number_field = {
    .name = "id_number", .label = "身份证件号", .type = SH_T_TEXT, .max_len = 20};

int sh_person_check_document(sh_pool *p, const char **type, const char **number, sh_value *birth,
                             sh_value *gender, sh_err *err) {
    if (!*number)
        return SH_OK;
    if (!*type)
        *type = "1";
    char *up = sh_pstrdup(p, *number);
    if (!up)
        return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    for (char *q = up; *q; q++)
        if (*q == 'x')
            *q = 'X';
    *number = up;
    if (strcmp(*type, "1") != 0)
        return SH_OK;
    if (sh_check_id_number(&id_number_field, up, err) != SH_OK)
        return SH_ERR;
    char id_birth[11];
    if (sh_identifier_birth_date(up, id_birth) == SH_OK) {
        if (birth->set && !birth->is_null && birth->s && strcmp(birth->s, id_birth) != 0)
            return sh_err_add(err, 400, "birth_date_mismatch", "birth_date", birth->s,
                              "出生日期与身份证件号中的出生日期（%s）不一致", id_birth);
        if (!birth->set || birth->is_null)
            *birth = (sh_value){.set = 1, .s = sh_pstrdup(p, id_birth)};
    }
    if (strlen(up) == 18) { /* the 17th digit: odd for men, even for women */
        const char *g = (up[16] - '0') % 2 ? "1" : "2";
        if (gender->set && !gender->is_null && gender->s && strcmp(gender->s, g) != 0 &&
            (strcmp(gender->s, "1") == 0 || strcmp(gender->s, "2") == 0))
            return sh_err_add(err, 400, "gender_mismatch", "gender", gender->s,
                              "性别与身份证件号（第 17 位）所示的性别不一致");
        if (!gender->set || gender->is_null)
            *gender = (sh_value){.set = 1, .s = g};
    }
    return SH_OK;
}

/* One column (person_id or id) of the document of that type and number; 0 when none. */
static int64_t document_row(sh_conn *c, int key, const char *type, const char *number, sh_err *err) {
    unsigned char h[SH_LOOKUP_HASH_BYTES];
    if (sh_lookup_hash(number, strlen(number), h) != SH_OK)
        return sh_err_set(err, 500, "encryption_unavailable", NULL, "未加载密钥");
    sh_stmt *s =
        sh_prepare(c,
                   key ? "SELECT id FROM person_document WHERE doc_type = $1 AND number_hash = $2"
                       : "SELECT person_id FROM person_document WHERE doc_type = $1 AND number_hash = $2",
                   err);
    if (!s)
        return SH_ERR;
    sh_bind_text(s, 1, type, -1);
    sh_bind_blob(s, 2, h, sizeof h);
    int rc = sh_step(s, err);
    int64_t id = rc == SH_ROW ? sh_col_i64(s, 0) : 0;
    sh_stmt_done(s);
    return rc == SH_ERR ? SH_ERR : id;
}

int64_t sh_person_by_document(sh_conn *c, const char *type, const char *number, sh_err *err) {
    return document_row(c, 0, type, number, err);
}

int64_t sh_person_document_key(sh_conn *c, const char *type, const char *number, sh_err *err) {
    return document_row(c, 1, type, number, err);
}

/* The name as the match hash sees it: spaces (ASCII and ideographic) dropped,
 * full-width forms made ASCII, Latin letters upper-cased and the separators of
 * transliterated names (· • ・ ． .) made one middle dot, so "张 三", "张三" and
 * "阿依古丽•买买提" / "阿依古丽·买买提" from different imports hash alike. */
static size_t match_name(const char *in, char *out, size_t cap) {
    size_t n = 0;
    const unsigned char *s = (const unsigned char *)in;
    while (*s && n + 4 < cap) {
        unsigned cp = 0;
        size_t len = 1;
        if (s[0] < 0x80)
            cp = s[0];
        else if ((s[0] & 0xE0) == 0xC0 && s[1])
            cp = (s[0] & 0x1Fu) << 6 | (s[1] & 0x3Fu), len = 2;
        else if ((s[0] & 0xF0) == 0xE0 && s[1] && s[2])
            cp = (s[0] & 0x0Fu) << 12 | (s[1] & 0x3Fu) << 6 | (s[2] & 0x3Fu), len = 3;
        else { /* anything else is copied as it is */
            out[n++] = (char)*s++;
            continue;
        }
        if (cp >= 0xFF01 && cp <= 0xFF5E && cp != 0xFF0E)
            cp -= 0xFEE0;
        if (cp == ' ' || cp == '\t' || cp == 0x3000 || cp == 0xA0) {
            s += len;
            continue;
        }
        if (cp == '.' || cp == 0xB7 || cp == 0x2022 || cp == 0x30FB || cp == 0xFF0E || cp == 0x2027) {
            out[n++] = (char)0xC2;
            out[n++] = (char)0xB7;
        } else if (cp < 0x80) {
            out[n++] = (char)(cp >= 'a' && cp <= 'z' ? cp - 32 : cp);
        } else {
            memcpy(out + n, s, len);
            n += len;
        }
        s += len;
    }
    out[n] = '\0';
    return *s ? 0 : n; /* 0: too long */
}

int sh_person_match_hex(const char *name, const char *gender, const char *birth,
                        char out[SH_LOOKUP_HASH_BYTES * 2 + 1]) {
    char norm[200], key[300];
    unsigned char h[SH_LOOKUP_HASH_BYTES];
    if (!name || !match_name(name, norm, sizeof norm))
        return SH_ERR;
    /* a domain tag keeps these hashes apart from the ID-number hashes under the same key */
    int n =
        snprintf(key, sizeof key, "person-match\n%s|%s|%s", norm, gender ? gender : "", birth ? birth : "");
    if (n <= 0 || (size_t)n >= sizeof key || sh_lookup_hash(key, (size_t)n, h) != SH_OK)
        return SH_ERR;
    for (size_t i = 0; i < sizeof h; i++)
        snprintf(out + 2 * i, 3, "%02x", h[i]);
    return SH_OK;
}

/* The year of text starting with four digits (a date or its year-only mask); 0 otherwise. */
static int year_of(const char *s) {
    int y = 0;
    for (int i = 0; i < 4; i++) {
        if (!s || s[i] < '0' || s[i] > '9')
            return 0;
        y = y * 10 + (s[i] - '0');
    }
    return y;
}

int sh_under_14_by_year(const char *birth_year, const char *today) {
    int year = year_of(today), born = year_of(birth_year);
    if (!born || !year)
        return -1;
    return born > year - 14 ? 1 : born < year - 14 ? 0 : -1;
}

int sh_under_14(const char *birth, const char *today) {
    if (!birth || strlen(birth) != 10 || !today || strlen(today) != 10)
        return -1;
    int by = sh_under_14_by_year(birth, today);
    if (by >= 0)
        return by;
    /* born in the boundary year: 14 from the birthday on (MM-DD compared as text;
     * a 29 February birth is 14 from 1 March, as the 14th birthday year is never leap) */
    return strcmp(today + 5, birth + 5) < 0;
}

/* Set one value of a record built here. */
static void put(sh_record *r, const char *name, sh_value v) {
    int at = sh_entity_field_index(r->e, name);
    if (at >= 0) {
        v.set = 1;
        r->v[at] = v;
    }
}

int sh_person_register(sh_conn *c, sh_pool *p, const char *name, const char *type, const char *number,
                       sh_record *profile, const sh_provenance *pv, int64_t *person, sh_err *err) {
    sh_record pr = {.e = &sh_person_entity,
                    .v = sh_pcalloc(p, sizeof(sh_value) * (size_t)sh_person_entity.nfields)};
    if (!pr.v)
        return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    put(&pr, "name", (sh_value){.s = name});
    if (sh_record_insert(c, p, &pr, 0, pv, person, NULL, err) != SH_OK)
        return SH_ERR;
    int g = sh_entity_field_index(profile->e, "gender"), b = sh_entity_field_index(profile->e, "birth_date");
    char hex[SH_LOOKUP_HASH_BYTES * 2 + 1];
    if (sh_person_match_hex(name, profile->v[g].set ? profile->v[g].s : NULL,
                            profile->v[b].set ? profile->v[b].s : NULL, hex) != SH_OK)
        return sh_err_set(err, 500, "encryption_unavailable", NULL, "无法计算查重摘要");
    put(profile, "person", (sh_value){.i = *person});
    put(profile, "_match", (sh_value){.s = sh_pstrdup(p, hex)});
    int64_t key;
    if (sh_record_insert(c, p, profile, 0, pv, &key, NULL, err) != SH_OK)
        return SH_ERR;
    return number ? sh_person_add_document(c, p, *person, type, number, NULL, NULL, pv, err) : SH_OK;
}

int sh_person_add_document(sh_conn *c, sh_pool *p, int64_t person, const char *type, const char *number,
                           const char *valid_from, const char *valid_to, const sh_provenance *pv,
                           sh_err *err) {
    sh_record doc = {.e = &sh_person_document_entity,
                     .v = sh_pcalloc(p, sizeof(sh_value) * (size_t)sh_person_document_entity.nfields)};
    if (!doc.v)
        return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    put(&doc, "person", (sh_value){.i = person});
    put(&doc, "type", (sh_value){.s = type ? type : "1"});
    put(&doc, "number", (sh_value){.s = number});
    if (valid_from) {
        put(&doc, "valid_from", (sh_value){.s = valid_from});
        put(&doc, "valid_to", (sh_value){.s = valid_to, .is_null = !valid_to});
    }
    int64_t key;
    return sh_record_insert(c, p, &doc, 0, pv, &key, NULL, err);
}

int sh_person_match_rehash(sh_conn *c, long *n, sh_err *err) {
    const sh_field *bf = sh_entity_field(&sh_person_profile_entity, "birth_date");
    int64_t after = 0;
    *n = 0;
    for (;;) {
        sh_pool *p = sh_pool_create();
        if (!p)
            return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
        sh_stmt *s =
            sh_prepare(c,
                       "SELECT pp.id, pp.uid, pe.name, pp.gender, pp.birth_date FROM person_profile pp"
                       " JOIN person pe ON pe.id = pp.person_id WHERE pp.id > $1 ORDER BY pp.id LIMIT 200",
                       err);
        if (!s) {
            sh_pool_destroy(p);
            return SH_ERR;
        }
        sh_bind_i64(s, 1, after);
        int64_t keys[200];
        const char *hashes[200];
        int rows = 0, rc, bad = 0;
        while ((rc = sh_step(s, err)) == SH_ROW && rows < 200) {
            const char *birth = sh_col_is_null(s, 4)
                                    ? NULL
                                    : sh_field_open(p, &sh_person_profile_entity, bf, sh_col_text(s, 1),
                                                    sh_col_blob(s, 4), sh_col_len(s, 4));
            char hex[SH_LOOKUP_HASH_BYTES * 2 + 1];
            keys[rows] = after = sh_col_i64(s, 0);
            bad |= !sh_col_is_null(s, 4) && !birth;
            hashes[rows++] = sh_person_match_hex(sh_col_text(s, 2), sh_col_text(s, 3), birth, hex) == SH_OK
                                 ? sh_pstrdup(p, hex)
                                 : NULL;
        }
        sh_stmt_done(s);
        if (rc == SH_ERR || bad) {
            sh_pool_destroy(p);
            return bad ? sh_err_set(err, 500, "decryption_failed", "birth_date", "出生日期无法用当前密钥解密")
                       : SH_ERR;
        }
        for (int i = 0; i < rows; i++) {
            s = sh_prepare(c, "UPDATE person_profile SET match_hash = $1 WHERE id = $2", err);
            if (!s) {
                sh_pool_destroy(p);
                return SH_ERR;
            }
            sh_bind_text(s, 1, hashes[i], -1);
            sh_bind_i64(s, 2, keys[i]);
            rc = sh_step(s, err);
            sh_stmt_done(s);
            if (rc == SH_ERR) {
                sh_pool_destroy(p);
                return SH_ERR;
            }
            (*n)++;
        }
        sh_pool_destroy(p);
        if (rows < 200)
            return SH_OK;
    }
}
