/* store.c — items and their versions in the store: find an item, resolve its
 * knowledge points, save new content (in place for a draft, as a new version
 * after a published one), move a version through its statuses, and read
 * versions back as JSON. Every write goes through model/write.h. */
#include "items/module.h"

#include "core/alloc.h"
#include "core/clock.h"
#include "kg/kg.h"

#include <stdio.h>

int items_find(sh_conn *c, sh_pool *p, const char *ref, item_row *out, sh_err *err) {
    if (!ref || !*ref || strlen(ref) > 64)
        return sh_err_set(err, 404, "not_found", NULL, "题目不存在");
    sh_stmt *s =
        sh_prepare(c,
                   "SELECT id, uid, code, status, latest, published, COALESCE(author_id, 0) FROM item"
                   " WHERE uid = $1 OR code = $1",
                   err);
    if (!s)
        return SH_ERR;
    sh_bind_text(s, 1, ref, -1);
    int rc = sh_step(s, err);
    if (rc == SH_ROW)
        *out = (item_row){.key = sh_col_i64(s, 0),
                          .uid = sh_pstrdup(p, sh_col_text(s, 1)),
                          .code = sh_col_text(s, 2) ? sh_pstrdup(p, sh_col_text(s, 2)) : NULL,
                          .status = sh_pstrdup(p, sh_col_text(s, 3)),
                          .latest = (int)sh_col_i64(s, 4),
                          .published = (int)sh_col_i64(s, 5),
                          .author = sh_col_i64(s, 6)};
    sh_stmt_done(s);
    if (rc == SH_DONE)
        sh_err_set(err, 404, "not_found", NULL, "题目不存在");
    return rc;
}

int items_kp_keys(sh_conn *c, const sh_item *it, int64_t *keys, long line, sh_err *err) {
    size_t before = sh_err_count(err);
    for (int i = 0; i < it->nkp; i++) {
        sh_err e;
        sh_err_init(&e);
        keys[i] = sh_kg_point_key(c, it->kp[i], &e);
        int failed = e.status >= 500;
        sh_err_clear(&e);
        if (failed)
            return sh_err_set(err, 500, "store_error", NULL, "无法读取知识点");
        if (!keys[i] && line)
            sh_err_add_at(err, 400, "unknown_reference", line, 0, it->kp[i], "知识点“%s”不在知识图谱中",
                          it->kp[i]);
        else if (!keys[i])
            sh_err_add(err, 400, "unknown_reference", "knowledge_points", it->kp[i],
                       "知识点“%s”不在知识图谱中", it->kp[i]);
    }
    return sh_err_count(err) > before ? SH_ERR : SH_OK;
}

static int oom(sh_err *err) { return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足"); }

/* The version's knowledge points become kp[0..n-1] (ordered). */
static int write_kp(sh_conn *c, sh_pool *p, int64_t vid, const int64_t *kp, int n, const sh_provenance *pv,
                    sh_err *err) {
    int64_t old[8];
    int nold = 0, rc;
    sh_stmt *s = sh_prepare(c, "SELECT id FROM item_kp WHERE version_id = $1", err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, vid);
    while ((rc = sh_step(s, err)) == SH_ROW && nold < 8)
        old[nold++] = sh_col_i64(s, 0);
    sh_stmt_done(s);
    if (rc == SH_ERR)
        return SH_ERR;
    for (int i = 0; i < nold; i++)
        if (sh_record_delete(c, p, &sh_item_kp_entity, old[i], 0, pv, err) != SH_OK)
            return SH_ERR;
    for (int i = 0; i < n; i++) {
        sh_record r;
        int64_t key;
        if (sh_record_blank(p, &sh_item_kp_entity, &r) != SH_OK)
            return oom(err);
        sh_record_set_i(&r, "item_version", vid);
        sh_record_set_i(&r, "point", kp[i]);
        sh_record_set_i(&r, "ordinal", i + 1);
        if (sh_record_insert(c, p, &r, 0, pv, &key, NULL, err) != SH_OK)
            return SH_ERR;
    }
    return SH_OK;
}

/* The latest version: key, status, content and its knowledge point keys. */
typedef struct latest_version {
    int64_t vid;
    const char *status, *content;
    int64_t kp[8];
    int nkp;
} latest_version;

static int load_latest(sh_conn *c, sh_pool *p, const item_row *row, latest_version *out, sh_err *err) {
    sh_stmt *s =
        sh_prepare(c, "SELECT id, status, content FROM item_version WHERE item_id = $1 AND no = $2", err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, row->key);
    sh_bind_i64(s, 2, row->latest);
    int rc = sh_step(s, err);
    if (rc == SH_ROW) {
        out->vid = sh_col_i64(s, 0);
        out->status = sh_pstrdup(p, sh_col_text(s, 1));
        out->content = sh_pstrdup(p, sh_col_text(s, 2));
    }
    sh_stmt_done(s);
    if (rc == SH_DONE)
        sh_err_set(err, 500, "internal", NULL, "题目缺少最新版本");
    if (rc != SH_ROW)
        return SH_ERR;
    if (!out->status || !out->content) {
        oom(err);
        return SH_ERR;
    }
    s = sh_prepare(c, "SELECT point_id FROM item_kp WHERE version_id = $1 ORDER BY ordinal", err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, out->vid);
    out->nkp = 0;
    while ((rc = sh_step(s, err)) == SH_ROW && out->nkp < 8)
        out->kp[out->nkp++] = sh_col_i64(s, 0);
    sh_stmt_done(s);
    return rc == SH_ERR ? SH_ERR : SH_OK;
}

static int insert_version(sh_conn *c, sh_pool *p, int64_t item, int no, const char *status, const sh_item *it,
                          const char *content, int64_t author, const sh_provenance *pv, int64_t *vid,
                          sh_err *err) {
    sh_record r;
    if (sh_record_blank(p, &sh_item_version_entity, &r) != SH_OK)
        return oom(err);
    sh_record_set_i(&r, "item", item);
    sh_record_set_i(&r, "no", no);
    sh_record_set_s(&r, "status", status);
    sh_record_set_s(&r, "type", it->type);
    sh_record_set_i(&r, "difficulty", it->difficulty);
    sh_record_set_i(&r, "score", it->score);
    sh_record_set_s(&r, "stem", json_string_value(json_object_get(it->content, "stem")));
    sh_record_set_s(&r, "content", content);
    if (author)
        sh_record_set_i(&r, "_author", author);
    if (strcmp(status, "published") == 0)
        sh_record_set_i(&r, "published_at", sh_now_ms());
    return sh_record_insert(c, p, &r, 0, pv, vid, NULL, err);
}

/* Retire the version published before (if any, and not `keep`). */
static int retire_previous(sh_conn *c, sh_pool *p, int64_t item, int published, int keep,
                           const sh_provenance *pv, sh_err *err) {
    if (!published || published == keep)
        return SH_OK;
    sh_stmt *s = sh_prepare(c, "SELECT id FROM item_version WHERE item_id = $1 AND no = $2", err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, item);
    sh_bind_i64(s, 2, published);
    int rc = sh_step(s, err);
    int64_t vid = rc == SH_ROW ? sh_col_i64(s, 0) : 0;
    sh_stmt_done(s);
    if (rc == SH_ERR)
        return SH_ERR;
    sh_record r;
    int changed;
    if (sh_record_blank(p, &sh_item_version_entity, &r) != SH_OK)
        return oom(err);
    sh_record_set_s(&r, "status", "retired");
    return vid ? sh_record_update(c, p, &r, vid, 0, pv, &changed, err) : SH_OK;
}

int items_save(sh_conn *c, sh_pool *p, const item_row *row, const sh_item *it, const int64_t *kp, int64_t org,
               int64_t author, const char *status, const sh_provenance *pv, int *changed, const char **uid,
               sh_err *err) {
    char *dump = json_dumps(it->content, JSON_COMPACT | JSON_SORT_KEYS);
    const char *content = dump ? sh_pstrdup(p, dump) : NULL;
    sh_free(dump);
    if (!content)
        return oom(err);
    int publish = strcmp(status, "published") == 0;
    *changed = 1;
    sh_record ir;
    if (sh_record_blank(p, &sh_item_entity, &ir) != SH_OK)
        return oom(err);
    if (!row) { /* a new item at version 1 */
        int64_t key = 0, vid = 0;
        sh_record_set_s(&ir, "code", it->code);
        if (org)
            sh_record_set_i(&ir, "org", org);
        if (author)
            sh_record_set_i(&ir, "_author", author);
        sh_record_set_i(&ir, "latest", 1);
        sh_record_set_s(&ir, "status", status);
        sh_record_set_i(&ir, "published", publish ? 1 : 0);
        if (sh_record_insert(c, p, &ir, 0, pv, &key, uid, err) != SH_OK ||
            insert_version(c, p, key, 1, status, it, content, author, pv, &vid, err) != SH_OK)
            return SH_ERR;
        return write_kp(c, p, vid, kp, it->nkp, pv, err);
    }
    *uid = row->uid;
    latest_version lv = {0};
    if (load_latest(c, p, row, &lv, err) != SH_OK)
        return SH_ERR;
    int same = lv.content && strcmp(lv.content, content) == 0 && lv.nkp == it->nkp;
    for (int i = 0; same && i < it->nkp; i++)
        same = lv.kp[i] == kp[i];
    if (same && (!publish || strcmp(lv.status, "published") == 0)) {
        *changed = 0;
        return SH_OK;
    }
    int no = row->latest, item_changed = 0;
    if (same) { /* publish the latest as it is */
        *changed = 0;
        return items_set_status(c, p, row, "published", author, NULL, pv, err);
    }
    if (strcmp(lv.status, "draft") == 0 || strcmp(lv.status, "in_review") == 0) {
        sh_record vr;
        if (sh_record_blank(p, &sh_item_version_entity, &vr) != SH_OK)
            return oom(err);
        sh_record_set_s(&vr, "status", status);
        sh_record_set_s(&vr, "type", it->type);
        sh_record_set_i(&vr, "difficulty", it->difficulty);
        sh_record_set_i(&vr, "score", it->score);
        sh_record_set_s(&vr, "stem", json_string_value(json_object_get(it->content, "stem")));
        sh_record_set_s(&vr, "content", content);
        if (publish)
            sh_record_set_i(&vr, "published_at", sh_now_ms());
        int ch;
        if (sh_record_update(c, p, &vr, lv.vid, 0, pv, &ch, err) != SH_OK ||
            write_kp(c, p, lv.vid, kp, it->nkp, pv, err) != SH_OK)
            return SH_ERR;
        item_changed = strcmp(lv.status, status) != 0;
    } else { /* published or retired: never changed, a new version */
        int64_t vid = 0;
        no = row->latest + 1;
        if (insert_version(c, p, row->key, no, status, it, content, author, pv, &vid, err) != SH_OK ||
            write_kp(c, p, vid, kp, it->nkp, pv, err) != SH_OK)
            return SH_ERR;
        item_changed = 1;
    }
    if (publish && retire_previous(c, p, row->key, row->published, no, pv, err) != SH_OK)
        return SH_ERR;
    if (!item_changed && !publish)
        return SH_OK;
    sh_record_set_i(&ir, "latest", no);
    sh_record_set_s(&ir, "status", status);
    if (publish)
        sh_record_set_i(&ir, "published", no);
    int ch;
    return sh_record_update(c, p, &ir, row->key, 0, pv, &ch, err);
}

int items_set_status(sh_conn *c, sh_pool *p, const item_row *row, const char *status, int64_t reviewer,
                     const char *note, const sh_provenance *pv, sh_err *err) {
    latest_version lv = {0};
    if (load_latest(c, p, row, &lv, err) != SH_OK)
        return SH_ERR;
    int publish = strcmp(status, "published") == 0;
    sh_record vr, ir;
    if (sh_record_blank(p, &sh_item_version_entity, &vr) != SH_OK ||
        sh_record_blank(p, &sh_item_entity, &ir) != SH_OK)
        return oom(err);
    sh_record_set_s(&vr, "status", status);
    if (reviewer && (publish || note))
        sh_record_set_i(&vr, "_reviewer", reviewer);
    if (note)
        sh_record_set_s(&vr, "review_note", note);
    if (publish)
        sh_record_set_i(&vr, "published_at", sh_now_ms());
    int ch;
    if (sh_record_update(c, p, &vr, lv.vid, 0, pv, &ch, err) != SH_OK)
        return SH_ERR;
    if (publish && retire_previous(c, p, row->key, row->published, row->latest, pv, err) != SH_OK)
        return SH_ERR;
    sh_record_set_s(&ir, "status", status);
    if (publish)
        sh_record_set_i(&ir, "published", row->latest);
    else if (strcmp(status, "retired") == 0)
        sh_record_set_i(&ir, "published", 0);
    return sh_record_update(c, p, &ir, row->key, 0, pv, &ch, err);
}

static void put_time(json_t *o, const char *name, sh_stmt *s, int col) {
    if (sh_col_is_null(s, col)) {
        json_object_set_new(o, name, json_null());
        return;
    }
    char iso[SH_ISO_LEN];
    sh_fmt_iso_ms(sh_col_i64(s, col), iso);
    json_object_set_new(o, name, json_string(iso));
}

json_t *items_row_json(sh_stmt *s) {
    json_t *o = json_loads(sh_col_text(s, 5), 0, NULL);
    if (!o)
        return NULL;
    json_object_set_new(o, "id", json_string(sh_col_text(s, 0)));
    json_object_set_new(o, "code", sh_col_text(s, 1) ? json_string(sh_col_text(s, 1)) : json_null());
    json_object_set_new(o, "_vid", json_integer(sh_col_i64(s, 2)));
    json_object_set_new(o, "version", json_integer(sh_col_i64(s, 3)));
    json_object_set_new(o, "status", json_string(sh_col_text(s, 4)));
    json_object_set_new(o, "review_note", sh_col_text(s, 6) ? json_string(sh_col_text(s, 6)) : json_null());
    put_time(o, "published_at", s, 7);
    put_time(o, "created_at", s, 8);
    put_time(o, "updated_at", s, 9);
    json_object_set_new(o, "latest_version", json_integer(sh_col_i64(s, 10)));
    json_object_set_new(o, "published_version", json_integer(sh_col_i64(s, 11)));
    return o;
}

int items_fill_kp(sh_conn *c, json_t *items, sh_err *err) {
    json_t *ids = json_array();
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) {
        json_array_append(ids, json_object_get(it, "_vid"));
        json_object_set_new(it, "knowledge_points", json_array());
    }
    char *text = json_dumps(ids, JSON_COMPACT);
    json_decref(ids);
    char sub[128], sql[512];
    snprintf(sql, sizeof sql,
             "SELECT k.version_id, p.uid, p.code, p.name FROM item_kp k JOIN kg_point p ON p.id = k.point_id"
             " WHERE k.version_id IN (%s) ORDER BY k.version_id, k.ordinal",
             sh_sql_json_ids(c, 1, sub, sizeof sub));
    sh_stmt *s = text ? sh_prepare(c, sql, err) : NULL;
    if (!s) {
        sh_free(text);
        return text ? SH_ERR : oom(err);
    }
    sh_bind_text(s, 1, text, -1);
    int rc;
    while ((rc = sh_step(s, err)) == SH_ROW) {
        json_int_t vid = sh_col_i64(s, 0);
        json_array_foreach(items, i, it) {
            if (json_integer_value(json_object_get(it, "_vid")) == vid)
                json_array_append_new(json_object_get(it, "knowledge_points"),
                                      json_pack("{s:s,s:s,s:s}", "id", sh_col_text(s, 1), "code",
                                                sh_col_text(s, 2), "name", sh_col_text(s, 3)));
        }
    }
    sh_stmt_done(s);
    sh_free(text);
    json_array_foreach(items, i, it) { json_object_del(it, "_vid"); }
    return rc == SH_ERR ? SH_ERR : SH_OK;
}
