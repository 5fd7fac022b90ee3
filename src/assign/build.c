/* build.c — a draft task's items from the request body: items chosen by id or
 * code (pinned to their published version, for everyone or for one student of
 * the class), items selected automatically over knowledge points (select.c),
 * and the students' tiers. Replaces what the draft had; every problem of the
 * body is a field error and nothing is written. Writes through model/write.h. */
#include "assign/module.h"

#include "core/pool.h"
#include "kg/kg.h"

#include <stdio.h>

#define MAX_POINTS 20
#define MAX_SELECT 50
#define MAX_TIERS 200

typedef struct built_item {
    int64_t version, item, student;
    int score;
} built_item;

typedef struct built_tier {
    int64_t student;
    char tier[2];
} built_tier;

/* The published version of the item with id or code ref: SH_ROW, SH_DONE, SH_ERR. */
static int published_version(sh_conn *c, const char *ref, built_item *out, sh_err *err) {
    sh_stmt *s = sh_prepare(c,
                            "SELECT v.id, i.id, v.score FROM item i JOIN item_version v ON v.item_id = i.id"
                            " AND v.no = i.published WHERE (i.uid = $1 OR i.code = $1) AND i.published > 0"
                            " AND v.status = 'published'",
                            err);
    if (!s)
        return SH_ERR;
    sh_bind_text(s, 1, ref, -1);
    int rc = sh_step(s, err);
    if (rc == SH_ROW) {
        out->version = sh_col_i64(s, 0);
        out->item = sh_col_i64(s, 1);
        out->score = (int)sh_col_i64(s, 2);
    }
    sh_stmt_done(s);
    return rc;
}

/* Key of the student with public id uid enrolled in the task's class now; 0 when none. */
static int64_t class_student(sh_conn *c, const assign_task *t, const char *uid, sh_err *err) {
    sh_stmt *s = sh_prepare(c,
                            "SELECT s.id FROM student s JOIN enrollment e ON e.student_id = s.id"
                            " AND e.school_id = s.school_id AND e.exit_date IS NULL AND e.class_id = $2"
                            " WHERE s.uid = $1 AND s.school_id = $3",
                            err);
    if (!s)
        return 0;
    sh_bind_text(s, 1, uid, -1);
    sh_bind_i64(s, 2, t->klass);
    sh_bind_i64(s, 3, t->school);
    int64_t key = sh_step(s, err) == SH_ROW ? sh_col_i64(s, 0) : 0;
    sh_stmt_done(s);
    return key;
}

static int parse_items(sh_conn *c, const assign_task *t, const json_t *list, built_item *out, int *n,
                       sh_err *err) {
    if (!list)
        return SH_OK;
    if (!json_is_array(list))
        return sh_err_add(err, 400, "invalid_type", "items", NULL, "items 应为数组");
    if (json_array_size(list) > ASSIGN_MAX_ITEMS)
        return sh_err_add(err, 400, "too_many", "items", NULL, "一份作业至多 %d 道题", ASSIGN_MAX_ITEMS);
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v) {
        char field[48];
        const char *ref =
            json_is_string(v) ? json_string_value(v) : json_string_value(json_object_get(v, "item"));
        const json_t *student = json_is_object(v) ? json_object_get(v, "student") : NULL;
        const json_t *score = json_is_object(v) ? json_object_get(v, "score") : NULL;
        built_item b = {0};
        snprintf(field, sizeof field, "items[%zu].item", i);
        if (!ref || !*ref || strlen(ref) > 64) {
            sh_err_add(err, 400, "required", field, NULL, "第 %zu 题没有给出题目标识或编码", i + 1);
            continue;
        }
        int rc = published_version(c, ref, &b, err);
        if (rc == SH_ERR)
            return SH_ERR;
        if (rc != SH_ROW) {
            sh_err_add(err, 400, "unknown_reference", field, ref, "题目“%.60s”不存在或尚未发布", ref);
            continue;
        }
        if (student && !json_is_null(student)) {
            snprintf(field, sizeof field, "items[%zu].student", i);
            const char *su = json_string_value(student);
            b.student = su && strlen(su) <= 64 ? class_student(c, t, su, err) : 0;
            if (err->status >= 500)
                return SH_ERR;
            if (!b.student) {
                sh_err_add(err, 400, "unknown_reference", field, su, "学生“%.60s”不在本班", su ? su : "");
                continue;
            }
        }
        if (score && !json_is_null(score)) {
            snprintf(field, sizeof field, "items[%zu].score", i);
            if (!json_is_integer(score) || json_integer_value(score) < 1 || json_integer_value(score) > 100) {
                sh_err_add(err, 400, "out_of_range", field, NULL, "分值应为 1 到 100 的整数");
                continue;
            }
            b.score = (int)json_integer_value(score);
        }
        for (int k = 0; k < *n; k++)
            if (out[k].item == b.item && out[k].student == b.student) {
                snprintf(field, sizeof field, "items[%zu].item", i);
                sh_err_add(err, 400, "duplicate", field, ref, "题目“%.60s”重复选择", ref);
                b.item = 0;
                break;
            }
        if (b.item)
            out[(*n)++] = b;
    }
    return SH_OK;
}

static int parse_select(sh_conn *c, const assign_task *t, const json_t *sel, built_item *out, int *n,
                        sh_err *err) {
    if (!sel || json_is_null(sel))
        return SH_OK;
    const json_t *kps = json_object_get(sel, "knowledge_points"), *count = json_object_get(sel, "count");
    if (!json_is_object(sel) || !json_is_array(kps) || json_array_size(kps) < 1 ||
        json_array_size(kps) > MAX_POINTS)
        return sh_err_add(err, 400, "invalid_select", "select.knowledge_points", NULL,
                          "自动选题须给出 1 到 %d 个知识点编码", MAX_POINTS);
    if (!json_is_integer(count) || json_integer_value(count) < 1 || json_integer_value(count) > MAX_SELECT)
        return sh_err_add(err, 400, "out_of_range", "select.count", NULL, "自动选题的题数应为 1 到 %d",
                          MAX_SELECT);
    int64_t points[MAX_POINTS];
    int np = 0;
    size_t i;
    json_t *v;
    json_array_foreach(kps, i, v) {
        const char *code = json_string_value(v);
        sh_err e;
        sh_err_init(&e);
        int64_t key = code && strlen(code) <= 64 ? sh_kg_point_key(c, code, &e) : 0;
        int failed = e.status >= 500;
        sh_err_clear(&e);
        if (failed)
            return sh_err_set(err, 500, "store_error", NULL, "无法读取知识点");
        if (!key) {
            char field[48];
            snprintf(field, sizeof field, "select.knowledge_points[%zu]", i);
            sh_err_add(err, 400, "unknown_reference", field, code, "知识点“%.60s”不在知识图谱中",
                       code ? code : "");
            continue;
        }
        int dup = 0;
        for (int k = 0; k < np; k++)
            dup |= points[k] == key;
        if (!dup)
            points[np++] = key;
    }
    int want = (int)json_integer_value(count);
    if (sh_err_count(err) || *n + want > ASSIGN_MAX_ITEMS)
        return sh_err_count(err) ? SH_ERR
                                 : sh_err_add(err, 400, "too_many", "select.count", NULL,
                                              "一份作业至多 %d 道题", ASSIGN_MAX_ITEMS);
    assign_pick picks[MAX_SELECT];
    if (assign_select(c, t->klass, t->key, points, np, want, strcmp(t->kind, "diagnostic") == 0, picks,
                      err) != SH_OK)
        return SH_ERR;
    for (int k = 0; k < want; k++) {
        int dup = 0;
        for (int j = 0; j < *n; j++)
            dup |= out[j].item == picks[k].item && !out[j].student;
        if (!dup)
            out[(*n)++] =
                (built_item){.version = picks[k].version, .item = picks[k].item, .score = picks[k].score};
    }
    return SH_OK;
}

static int parse_tiers(sh_conn *c, const assign_task *t, const json_t *tiers, built_tier *out, int *n,
                       sh_err *err) {
    if (!tiers || json_is_null(tiers))
        return SH_OK;
    if (!json_is_object(tiers) || json_object_size(tiers) > MAX_TIERS)
        return sh_err_add(err, 400, "invalid_type", "tiers", NULL,
                          "tiers 应为 {学生标识: \"A\"|\"B\"|\"C\"}，至多 %d 人", MAX_TIERS);
    const char *uid;
    json_t *v;
    json_object_foreach((json_t *)tiers, uid, v) {
        char field[96];
        snprintf(field, sizeof field, "tiers.%.60s", uid);
        const char *tier = json_string_value(v);
        if (!tier || strlen(tier) != 1 || !strchr("ABC", tier[0])) {
            sh_err_add(err, 400, "invalid_tier", field, NULL, "层次应为 A、B 或 C");
            continue;
        }
        int64_t key = strlen(uid) <= 64 ? class_student(c, t, uid, err) : 0;
        if (err->status >= 500)
            return SH_ERR;
        if (!key) {
            sh_err_add(err, 400, "unknown_reference", field, uid, "学生“%.60s”不在本班", uid);
            continue;
        }
        out[*n] = (built_tier){.student = key, .tier = {tier[0], 0}};
        (*n)++;
    }
    return SH_OK;
}

/* Delete the rows of table (an entity) that belong to the task (the draft's
 * items, or its tier rows). */
static int delete_rows(sh_conn *c, sh_pool *p, const sh_entity *e, const assign_task *t,
                       const sh_provenance *pv, sh_err *err) {
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT id FROM %s WHERE task_id = $1 AND school_id = $2", e->table);
    sh_stmt *s = sh_prepare(c, sql, err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, t->key);
    sh_bind_i64(s, 2, t->school);
    int64_t *keys = sh_pcalloc(p, (ASSIGN_MAX_ITEMS + MAX_TIERS) * sizeof *keys);
    int n = 0;
    while (keys && sh_step(s, err) == SH_ROW && n < ASSIGN_MAX_ITEMS + MAX_TIERS)
        keys[n++] = sh_col_i64(s, 0);
    sh_stmt_done(s);
    if (!keys || err->status)
        return keys ? SH_ERR : sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    for (int i = 0; i < n; i++)
        if (sh_record_delete(c, p, e, keys[i], t->school, pv, err) != SH_OK)
            return SH_ERR;
    return SH_OK;
}

int assign_task_build(sh_req *req, sh_conn *c, const assign_task *t, const json_t *body, int *tiered) {
    built_item *items = sh_pcalloc(req->pool, (ASSIGN_MAX_ITEMS + MAX_SELECT) * sizeof *items);
    built_tier *tiers = sh_pcalloc(req->pool, MAX_TIERS * sizeof *tiers);
    if (!items || !tiers)
        return sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
    int n = 0, nt = 0;
    if (parse_items(c, t, json_object_get(body, "items"), items, &n, &req->err) != SH_OK &&
        req->err.status >= 500)
        return SH_ERR;
    if (!sh_err_count(&req->err) &&
        parse_select(c, t, json_object_get(body, "select"), items, &n, &req->err) != SH_OK &&
        req->err.status >= 500)
        return SH_ERR;
    if (parse_tiers(c, t, json_object_get(body, "tiers"), tiers, &nt, &req->err) != SH_OK &&
        req->err.status >= 500)
        return SH_ERR;
    if (sh_err_count(&req->err))
        return SH_ERR;
    sh_provenance pv = sh_req_provenance(req);
    if (delete_rows(c, req->pool, &sh_assign_task_item_entity, t, &pv, &req->err) != SH_OK ||
        delete_rows(c, req->pool, &sh_assign_submission_entity, t, &pv, &req->err) != SH_OK)
        return SH_ERR;
    *tiered = nt > 0;
    for (int i = 0; i < n; i++) {
        sh_record r;
        int64_t key;
        if (sh_record_blank(req->pool, &sh_assign_task_item_entity, &r) != SH_OK)
            return sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
        sh_record_set_i(&r, "school", t->school);
        sh_record_set_i(&r, "task", t->key);
        sh_record_set_i(&r, "item_version", items[i].version);
        sh_record_set_i(&r, "ordinal", i + 1);
        sh_record_set_i(&r, "score", items[i].score);
        if (items[i].student) {
            sh_record_set_i(&r, "student", items[i].student);
            *tiered = 1;
        }
        if (sh_record_insert(c, req->pool, &r, t->school, &pv, &key, NULL, &req->err) != SH_OK)
            return SH_ERR;
    }
    /* a draft keeps its students' tiers in submission rows of status draft;
     * publishing makes them assigned and adds the rest of the class */
    for (int i = 0; i < nt; i++) {
        sh_record r;
        int64_t key;
        if (sh_record_blank(req->pool, &sh_assign_submission_entity, &r) != SH_OK)
            return sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
        sh_record_set_i(&r, "school", t->school);
        sh_record_set_i(&r, "task", t->key);
        sh_record_set_i(&r, "student", tiers[i].student);
        sh_record_set_s(&r, "tier", sh_pstrdup(req->pool, tiers[i].tier));
        sh_record_set_s(&r, "status", "draft");
        sh_record_set_s(&r, "registration", "");
        if (sh_record_insert(c, req->pool, &r, t->school, &pv, &key, NULL, &req->err) != SH_OK)
            return SH_ERR;
    }
    return SH_OK;
}
