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

int64_t sh_person_by_document(sh_conn *c, const char *type, const char *number, sh_err *err) {
    unsigned char h[SH_LOOKUP_HASH_BYTES];
    if (sh_lookup_hash(number, strlen(number), h) != SH_OK)
        return sh_err_set(err, 500, "encryption_unavailable", NULL, "未加载密钥");
    sh_stmt *s =
        sh_prepare(c, "SELECT person_id FROM person_document WHERE doc_type = $1 AND number_hash = $2", err);
    if (!s)
        return SH_ERR;
    sh_bind_text(s, 1, type, -1);
    sh_bind_blob(s, 2, h, sizeof h);
    int rc = sh_step(s, err);
    int64_t id = rc == SH_ROW ? sh_col_i64(s, 0) : 0;
    sh_stmt_done(s);
    return rc == SH_ERR ? SH_ERR : id;
}

int sh_person_match_hex(const char *name, const char *gender, const char *birth,
                        char out[SH_LOOKUP_HASH_BYTES * 2 + 1]) {
    char key[256];
    unsigned char h[SH_LOOKUP_HASH_BYTES];
    int n = snprintf(key, sizeof key, "%s|%s|%s", name, gender ? gender : "", birth ? birth : "");
    if (n <= 0 || (size_t)n >= sizeof key || sh_lookup_hash(key, (size_t)n, h) != SH_OK)
        return SH_ERR;
    for (size_t i = 0; i < sizeof h; i++)
        snprintf(out + 2 * i, 3, "%02x", h[i]);
    return SH_OK;
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
    return number ? sh_person_add_document(c, p, *person, type, number, pv, err) : SH_OK;
}

int sh_person_add_document(sh_conn *c, sh_pool *p, int64_t person, const char *type, const char *number,
                           const sh_provenance *pv, sh_err *err) {
    sh_record doc = {.e = &sh_person_document_entity,
                     .v = sh_pcalloc(p, sizeof(sh_value) * (size_t)sh_person_document_entity.nfields)};
    if (!doc.v)
        return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    put(&doc, "person", (sh_value){.i = person});
    put(&doc, "type", (sh_value){.s = type ? type : "1"});
    put(&doc, "number", (sh_value){.s = number});
    int64_t key;
    return sh_record_insert(c, p, &doc, 0, pv, &key, NULL, err);
}
