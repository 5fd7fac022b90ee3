/* person_ops.c — the duplicate-candidates report and the merge of persons
 * (person_ops.h). Reads through the store with bound parameters only; every
 * write goes through model/write.h so each moved row has its history. */
#include "roster/person_ops.h"

#include "core/alloc.h"
#include "identity/account.h"
#include "model/fieldcrypt.h"
#include "model/list.h"
#include "roster/persons.h"
#include "roster/roster.h"

#include <stdio.h>
#include <string.h>

#define MAX_ROWS 256 /* rows of one person moved in one merge (roles, documents, accounts) */

/* ---- small store helpers ---- */

static int64_t one_i64(sh_conn *c, const char *sql, int64_t a, int64_t b, sh_err *err) {
    sh_stmt *s = sh_prepare(c, sql, err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, a);
    if (strstr(sql, "$2"))
        sh_bind_i64(s, 2, b);
    int rc = sh_step(s, err);
    int64_t v = rc == SH_ROW && !sh_col_is_null(s, 0) ? sh_col_i64(s, 0) : 0;
    sh_stmt_done(s);
    return rc == SH_ERR ? SH_ERR : v;
}

static const char *one_text(sh_conn *c, sh_pool *p, const char *sql, int64_t a, sh_err *err) {
    sh_stmt *s = sh_prepare(c, sql, err);
    if (!s)
        return NULL;
    sh_bind_i64(s, 1, a);
    const char *v =
        sh_step(s, err) == SH_ROW && !sh_col_is_null(s, 0) ? sh_pstrdup(p, sh_col_text(s, 0)) : NULL;
    sh_stmt_done(s);
    return v;
}

static sh_record new_record(sh_pool *p, const sh_entity *e) {
    return (sh_record){.e = e, .v = sh_pcalloc(p, sizeof(sh_value) * (size_t)e->nfields)};
}

static void put(sh_record *r, const char *name, sh_value v) {
    int at = sh_entity_field_index(r->e, name);
    if (at >= 0) {
        v.set = 1;
        r->v[at] = v;
    }
}

/* ---- lookups ---- */

int64_t sh_person_key(sh_conn *c, sh_pool *p, const char *uid, const char **merged_into, sh_err *err) {
    if (merged_into)
        *merged_into = NULL;
    if (!uid || strlen(uid) > 64)
        return 0;
    sh_stmt *s = sh_prepare(c,
                            "SELECT p.id, (SELECT m.uid FROM person m WHERE m.id = p.merged_into)"
                            " FROM person p WHERE p.uid = $1",
                            err);
    if (!s)
        return SH_ERR;
    sh_bind_text(s, 1, uid, -1);
    int rc = sh_step(s, err);
    int64_t id = 0;
    if (rc == SH_ROW && sh_col_is_null(s, 1))
        id = sh_col_i64(s, 0);
    else if (rc == SH_ROW && merged_into)
        *merged_into = sh_pstrdup(p, sh_col_text(s, 1));
    sh_stmt_done(s);
    return rc == SH_ERR ? SH_ERR : id;
}

int sh_person_schools(sh_conn *c, sh_pool *p, int64_t a, int64_t b, int64_t **schools, int *n, sh_err *err) {
    sh_stmt *s = sh_prepare(c,
                            "SELECT school_id FROM student WHERE person_id IN ($1, $2)"
                            " UNION SELECT school_id FROM staff WHERE person_id IN ($1, $2)"
                            " UNION SELECT school_id FROM guardian_link WHERE person_id IN ($1, $2)",
                            err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, a);
    sh_bind_i64(s, 2, b);
    int cap = 16, rc = SH_DONE, oom = 0;
    int64_t *list = sh_palloc(p, sizeof(int64_t) * (size_t)cap);
    *n = 0;
    oom = !list;
    while (!oom && (rc = sh_step(s, err)) == SH_ROW) {
        if (*n == cap) {
            int64_t *more = sh_palloc(p, sizeof(int64_t) * (size_t)cap * 2);
            if (!more) {
                oom = 1;
                break;
            }
            memcpy(more, list, sizeof(int64_t) * (size_t)cap);
            list = more;
            cap *= 2;
        }
        list[(*n)++] = sh_col_i64(s, 0);
    }
    sh_stmt_done(s);
    *schools = list;
    if (oom) /* never a partial list: every school involved must be checked */
        return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    return rc == SH_ERR ? SH_ERR : SH_OK;
}

/* ---- the duplicate-candidates report ---- */

/* The groups of the page: match hash and cursor key, persons in key order. The
 * hash groups are found on the match index first (only hashes held by two or
 * more complete profiles), then narrowed to persons in reach and not merged. A
 * group where everyone holds a 居民身份证 is left out: two valid, different ID
 * numbers with the same birth date are two people who share a name (the demo
 * city has a few), and the merge would refuse them anyway. */
#define DUP_CANDIDATES                                                                                          \
    "SELECT pp.match_hash AS h, pp.person_id AS pid, (SELECT count(*) FROM person_document d WHERE"             \
    " d.person_id = pp.person_id AND d.doc_type = '1') AS ids FROM person_profile pp JOIN person pe ON pe.id =" \
    " pp.person_id WHERE pp.match_hash IN (SELECT match_hash FROM person_profile WHERE match_hash IS NOT"       \
    " NULL AND gender IS NOT NULL AND birth_date IS NOT NULL GROUP BY match_hash HAVING count(*) > 1)"          \
    " AND pp.gender IS NOT NULL AND pp.birth_date IS NOT NULL AND pe.merged_into IS NULL"

static int append_roles(sh_conn *c, sh_pool *p, const sh_person_scope *sc, json_t *ids, json_t *by_person,
                        sh_err *err) {
    char *list = json_dumps(ids, JSON_COMPACT);
    sh_buf *q = sh_pool_buf(p, 8192);
    if (!list || !q) {
        sh_free(list);
        return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    }
    static const struct {
        const char *table, *kind;
    } kinds[] = {{"student", "student"}, {"staff", "staff"}, {"guardian_link", "guardian"}};
    int k = sc && sc->where ? sc->nparams : 0;
    char in_ids[96];
    sh_sql_json_ids(c, k + 1, in_ids, sizeof in_ids);
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        sh_buf_printf(q,
                      "%sSELECT t.person_id, '%s', t.uid, o.uid, o.name FROM %s t JOIN org_unit o ON o.id ="
                      " t.school_id WHERE t.person_id IN (%s)",
                      i ? " UNION ALL " : "", kinds[i].kind, kinds[i].table, in_ids);
        if (sc && sc->where) /* only the role rows in reach */
            sh_buf_printf(q, " AND (%s)", sc->role_where[i]);
    }
    sh_buf_puts(q, " ORDER BY 1, 2, 3");
    sh_stmt *s = sh_buf_ok(q) == SH_OK ? sh_prepare(c, q->data, err) : NULL;
    if (!s) {
        sh_free(list);
        return sh_buf_ok(q) == SH_OK ? SH_ERR : sh_err_set(err, 500, "internal", NULL, "无法生成查询");
    }
    if (sc && sc->where && sc->bind)
        sc->bind(s, sc->ctx);
    sh_bind_text(s, k + 1, list, -1);
    int rc;
    while ((rc = sh_step(s, err)) == SH_ROW) {
        char key[24];
        snprintf(key, sizeof key, "%lld", (long long)sh_col_i64(s, 0));
        json_t *roles = json_object_get(by_person, key);
        if (roles)
            json_array_append_new(roles, json_pack("{s:s,s:s,s:s,s:s}", "kind", sh_col_text(s, 1), "id",
                                                   sh_col_text(s, 2), "school", sh_col_text(s, 3),
                                                   "school_name", sh_col_text(s, 4)));
    }
    sh_stmt_done(s);
    sh_free(list);
    return rc == SH_ERR ? SH_ERR : SH_OK;
}

int sh_duplicates_page(sh_conn *c, sh_pool *p, const sh_person_scope *sc, int64_t after, int limit,
                       json_t **groups, int64_t *next, sh_err *err) {
    *groups = NULL;
    *next = 0;
    int k = sc && sc->where ? sc->nparams : 0;
    sh_buf *q = sh_pool_buf(p, 8192);
    if (!q)
        return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    sh_buf_printf(q, "WITH c AS (" DUP_CANDIDATES "%s%s%s),", sc && sc->where ? " AND (" : "",
                  sc && sc->where ? sc->where : "", sc && sc->where ? ")" : "");
    sh_buf_printf(
        q,
        " g AS (SELECT h, min(pid) AS k FROM c GROUP BY h"
        " HAVING count(*) > 1 AND min(ids) = 0 AND min(pid) > $%d"
        " ORDER BY 2 LIMIT $%d)"
        " SELECT g.k, pe.id, pe.uid, pe.name, pp.gender, pp.birth_date_mask,"
        " (SELECT d.number_mask FROM person_document d WHERE d.person_id = pe.id AND d.doc_type = '1'),"
        " (SELECT count(*) FROM person_document d WHERE d.person_id = pe.id)"
        " FROM g JOIN c ON c.h = g.h JOIN person pe ON pe.id = c.pid"
        " JOIN person_profile pp ON pp.person_id = pe.id ORDER BY g.k, pe.id",
        k + 1, k + 2);
    if (sh_buf_ok(q) != SH_OK)
        return sh_err_set(err, 500, "internal", NULL, "无法生成查询");
    sh_stmt *s = sh_prepare(c, q->data, err);
    if (!s)
        return SH_ERR;
    if (sc && sc->where && sc->bind)
        sc->bind(s, sc->ctx);
    sh_bind_i64(s, k + 1, after);
    sh_bind_i64(s, k + 2, limit + 1);
    json_t *out = json_array(), *ids = json_array(), *by_person = json_object();
    json_t *group = NULL;
    int64_t group_key = 0;
    int ngroups = 0, rc;
    while ((rc = sh_step(s, err)) == SH_ROW) {
        int64_t gk = sh_col_i64(s, 0);
        if (!group || gk != group_key) {
            if (ngroups == limit) { /* the extra group only says there is a next page */
                *next = group_key;
                break;
            }
            group = json_pack("{s:[]}", "persons");
            json_array_append_new(out, group);
            group_key = gk;
            ngroups++;
        }
        const char *name = sh_col_text(s, 3);
        json_t *roles = json_array();
        json_t *person = json_pack("{s:s,s:s?,s:s?,s:s?,s:s?,s:b,s:o}", "id", sh_col_text(s, 2), "name",
                                   name ? sh_mask_value(p, SH_MASK_NAME, name) : NULL, "gender",
                                   sh_col_text(s, 4), "birth_date", sh_col_text(s, 5), "id_number",
                                   sh_col_text(s, 6), "has_document", sh_col_i64(s, 7) > 0, "roles", roles);
        json_array_append_new(json_object_get(group, "persons"), person);
        char key[24];
        snprintf(key, sizeof key, "%lld", (long long)sh_col_i64(s, 1));
        json_object_set(by_person, key, roles);
        json_array_append_new(ids, json_integer(sh_col_i64(s, 1)));
    }
    sh_stmt_done(s);
    int ok = rc != SH_ERR && out && ids && by_person;
    if (ok && json_array_size(ids) && append_roles(c, p, sc, ids, by_person, err) != SH_OK)
        ok = 0;
    json_decref(ids);
    json_decref(by_person);
    if (!ok) {
        json_decref(out);
        return sh_err_count(err) ? SH_ERR : sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    }
    *groups = out;
    return SH_OK;
}

/* ---- merge ---- */

/* Point one row's person reference at `into`, through the write path. */
static int repoint(sh_conn *c, sh_pool *p, const sh_entity *e, int64_t key, int64_t school, int64_t into,
                   const sh_provenance *pv, sh_err *err) {
    sh_record r = new_record(p, e);
    if (!r.v)
        return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    put(&r, "person", (sh_value){.i = into});
    int changed = 0;
    return sh_record_update(c, p, &r, key, school, pv, &changed, err);
}

/* Keys (and schools) of the rows of a table that hold the person. */
static int rows_of(sh_conn *c, const char *sql, int64_t person, int64_t *keys, int64_t *schools, int *n,
                   sh_err *err) {
    sh_stmt *s = sh_prepare(c, sql, err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, person);
    int rc;
    *n = 0;
    while ((rc = sh_step(s, err)) == SH_ROW && *n < MAX_ROWS) {
        keys[*n] = sh_col_i64(s, 0);
        schools[*n] = sh_col_count(s) > 1 && !sh_col_is_null(s, 1) ? sh_col_i64(s, 1) : 0;
        (*n)++;
    }
    sh_stmt_done(s);
    if (rc == SH_ROW)
        return sh_err_set(err, 409, "too_many_rows", NULL, "该人员的记录过多，无法一次合并");
    return rc == SH_ERR ? SH_ERR : SH_OK;
}

static int move_rows(sh_conn *c, sh_pool *p, const sh_entity *e, const char *sql, int64_t from, int64_t into,
                     const sh_provenance *pv, int *moved, sh_err *err) {
    int64_t *keys = sh_palloc(p, sizeof(int64_t) * MAX_ROWS),
            *schools = sh_palloc(p, sizeof(int64_t) * MAX_ROWS);
    int n = 0;
    if (!keys || !schools)
        return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    if (rows_of(c, sql, from, keys, schools, &n, err) != SH_OK)
        return SH_ERR;
    for (int i = 0; i < n; i++)
        if (repoint(c, p, e, keys[i], schools[i], into, pv, err) != SH_OK)
            return SH_ERR;
    *moved += n;
    return SH_OK;
}

/* The profile fields a merge fills in on the person kept. */
static const char *const profile_fields[] = {"gender", "birth_date", "ethnicity", "nationality",
                                             "phone",  "address",    "work_unit"};
#define NPROFILE (sizeof profile_fields / sizeof profile_fields[0])

/* A person's profile: key, uid and the plain values of profile_fields (NULL when
 * empty). *key 0 when there is no profile. */
typedef struct profile {
    int64_t key;
    const char *uid;
    const char *v[NPROFILE];
} profile;

static int load_profile(sh_conn *c, sh_pool *p, int64_t person, profile *out, sh_err *err) {
    memset(out, 0, sizeof *out);
    char sql[512];
    int n = snprintf(sql, sizeof sql, "SELECT id, uid");
    for (size_t i = 0; i < NPROFILE; i++)
        n += snprintf(sql + n, sizeof sql - (size_t)n, ", %s",
                      sh_entity_field(&sh_person_profile_entity, profile_fields[i])->column);
    snprintf(sql + n, sizeof sql - (size_t)n, " FROM person_profile WHERE person_id = $1");
    sh_stmt *s = sh_prepare(c, sql, err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, person);
    int rc = sh_step(s, err);
    if (rc == SH_ROW) {
        out->key = sh_col_i64(s, 0);
        out->uid = sh_pstrdup(p, sh_col_text(s, 1));
        for (size_t i = 0; i < NPROFILE; i++) {
            const sh_field *f = sh_entity_field(&sh_person_profile_entity, profile_fields[i]);
            int col = (int)i + 2;
            if (sh_col_is_null(s, col))
                continue;
            out->v[i] = f->flags & SH_F_ENCRYPT ? sh_field_open(p, &sh_person_profile_entity, f, out->uid,
                                                                sh_col_blob(s, col), sh_col_len(s, col))
                                                : sh_pstrdup(p, sh_col_text(s, col));
            if (!out->v[i] && (f->flags & SH_F_ENCRYPT)) {
                sh_stmt_done(s);
                return sh_err_set(err, 500, "decryption_failed", f->name, "无法解密“%s”：密钥不符", f->label);
            }
        }
    }
    sh_stmt_done(s);
    return rc == SH_ERR ? SH_ERR : SH_OK;
}

int sh_person_refresh_match(sh_conn *c, sh_pool *p, int64_t person, const sh_provenance *pv, sh_err *err) {
    profile pr;
    if (load_profile(c, p, person, &pr, err) != SH_OK)
        return SH_ERR;
    if (!pr.key)
        return SH_OK;
    const char *name = one_text(c, p, "SELECT name FROM person WHERE id = $1", person, err);
    char hex[SH_LOOKUP_HASH_BYTES * 2 + 1];
    if (!name || sh_person_match_hex(name, pr.v[0], pr.v[1], hex) != SH_OK)
        return sh_err_count(err) ? SH_ERR
                                 : sh_err_set(err, 500, "encryption_unavailable", NULL, "无法计算查重摘要");
    sh_record r = new_record(p, &sh_person_profile_entity);
    if (!r.v)
        return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    put(&r, "_match", (sh_value){.s = sh_pstrdup(p, hex)});
    int changed = 0;
    return sh_record_update(c, p, &r, pr.key, 0, pv, &changed, err);
}

static int merge_profile(sh_conn *c, sh_pool *p, int64_t from, int64_t into, const sh_provenance *pv,
                         sh_err *err) {
    profile a, b;
    if (load_profile(c, p, from, &a, err) != SH_OK || load_profile(c, p, into, &b, err) != SH_OK)
        return SH_ERR;
    if (!a.key)
        return SH_OK;
    if (!b.key) /* the kept person has none: the duplicate's profile becomes theirs */
        return repoint(c, p, &sh_person_profile_entity, a.key, 0, into, pv, err) == SH_OK
                   ? sh_person_refresh_match(c, p, into, pv, err)
                   : SH_ERR;
    sh_record r = new_record(p, &sh_person_profile_entity);
    if (!r.v)
        return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    int filled = 0;
    for (size_t i = 0; i < NPROFILE; i++)
        if (!b.v[i] && a.v[i]) {
            put(&r, profile_fields[i], (sh_value){.s = a.v[i]});
            filled++;
        }
    int changed = 0;
    if (filled && sh_record_update(c, p, &r, b.key, 0, pv, &changed, err) != SH_OK)
        return SH_ERR;
    return filled ? sh_person_refresh_match(c, p, into, pv, err) : SH_OK;
}

/* A count that must be zero, else the conflict named. */
static int refuse_if(sh_conn *c, const char *sql, int64_t from, int64_t into, const char *code,
                     const char *message, sh_err *err) {
    int64_t n = one_i64(c, sql, from, into, err);
    if (n < 0)
        return SH_ERR;
    return n ? sh_err_set(err, 409, code, NULL, "%s", message) : SH_OK;
}

int sh_person_merge(sh_conn *c, sh_pool *p, int64_t from, int64_t into, const sh_provenance *pv,
                    json_t *warnings, sh_err *err) {
    if (from == into)
        return sh_err_set(err, 400, "same_person", "into", "不能把人员合并到其本人");
    int64_t state = one_i64(c,
                            "SELECT count(*) FROM person WHERE id IN ($1, $2) AND merged_into IS NULL"
                            " AND $1 <> $2",
                            from, into, err);
    if (state < 0)
        return SH_ERR;
    if (state != 2)
        return sh_err_set(err, 404, "not_found", NULL, "人员不存在");
    /* documents: one of a type both hold must be the same number (then they are
     * the same row, impossible for two persons): different numbers refuse */
    if (refuse_if(c,
                  "SELECT count(*) FROM person_document a JOIN person_document b ON b.doc_type = a.doc_type"
                  " WHERE a.person_id = $1 AND b.person_id = $2",
                  from, into, "id_number_conflict",
                  "两人登记了不同的身份证件号，不是同一个人，不能合并；如证件号有误请先更正", err) != SH_OK ||
        refuse_if(c,
                  "SELECT count(*) FROM student a JOIN student b ON b.school_id = a.school_id"
                  " WHERE a.person_id = $1 AND b.person_id = $2",
                  from, into, "same_school_student",
                  "两人都是同一所学校的学生（重复学籍），请先由学校注销其中一条学籍再合并", err) != SH_OK ||
        refuse_if(c,
                  "SELECT count(*) FROM staff a JOIN staff b ON b.school_id = a.school_id"
                  " WHERE a.person_id = $1 AND b.person_id = $2",
                  from, into, "same_school_staff",
                  "两人都是同一所学校的教职工，请先由学校处理其中一条记录再合并", err) != SH_OK ||
        refuse_if(c,
                  "SELECT count(*) FROM guardian_link a JOIN guardian_link b ON b.student_id = a.student_id"
                  " WHERE a.person_id = $1 AND b.person_id = $2",
                  from, into, "same_family_member",
                  "两人登记为同一名学生的家庭成员，请先删除其中一条关系再合并", err) != SH_OK ||
        refuse_if(c,
                  "SELECT count(*) FROM guardian_link g JOIN student s ON s.id = g.student_id"
                  " WHERE (g.person_id = $1 AND s.person_id = $2) OR (g.person_id = $2 AND s.person_id = $1)",
                  from, into, "guardian_of_self",
                  "一人登记为另一人的家庭成员，合并后将成为本人的家长，不能合并", err) != SH_OK)
        return SH_ERR;
    int moved = 0;
    if (move_rows(c, p, &sh_student_entity, "SELECT id, school_id FROM student WHERE person_id = $1", from,
                  into, pv, &moved, err) != SH_OK ||
        move_rows(c, p, &sh_staff_entity, "SELECT id, school_id FROM staff WHERE person_id = $1", from, into,
                  pv, &moved, err) != SH_OK ||
        move_rows(c, p, &sh_guardian_entity, "SELECT id, school_id FROM guardian_link WHERE person_id = $1",
                  from, into, pv, &moved, err) != SH_OK ||
        move_rows(c, p, &sh_person_document_entity, "SELECT id FROM person_document WHERE person_id = $1",
                  from, into, pv, &moved, err) != SH_OK ||
        move_rows(c, p, &sh_account_entity, "SELECT id FROM account WHERE person_id = $1", from, into, pv,
                  &moved, err) != SH_OK ||
        merge_profile(c, p, from, into, pv, err) != SH_OK)
        return SH_ERR;
    sh_record r = new_record(p, &sh_person_entity);
    if (!r.v)
        return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    put(&r, "merged_into", (sh_value){.i = into});
    int changed = 0;
    if (sh_record_update(c, p, &r, from, 0, pv, &changed, err) != SH_OK)
        return SH_ERR;
    /* persons merged into `from` earlier now point at `into` (no chains) */
    int64_t keys[MAX_ROWS], schools[MAX_ROWS];
    int n = 0;
    if (rows_of(c, "SELECT id FROM person WHERE merged_into = $1", from, keys, schools, &n, err) != SH_OK)
        return SH_ERR;
    for (int i = 0; i < n; i++) {
        sh_record m = new_record(p, &sh_person_entity);
        if (!m.v)
            return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
        put(&m, "merged_into", (sh_value){.i = into});
        if (sh_record_update(c, p, &m, keys[i], 0, pv, &changed, err) != SH_OK)
            return SH_ERR;
    }
    int64_t current =
        one_i64(c, "SELECT count(DISTINCT school_id) FROM student WHERE person_id = $1 AND status = '01'",
                into, 0, err);
    if (current < 0)
        return SH_ERR;
    if (warnings && current > 1)
        json_array_append_new(warnings, json_string("合并后该人员在多所学校均为在读学生（重复学籍），"
                                                    "请相关学校通过学籍异动注销多余的学籍"));
    return SH_OK;
}
