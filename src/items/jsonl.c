/* jsonl.c — the item bank as JSON Lines (the layout of the shipped item
 * files): import with every line checked first (JSON, the item rules, knowledge
 * points in the graph, codes unique in the input) and nothing written on any
 * problem; items upsert on their code (unchanged ones are left alone, changed
 * ones get a new version or their draft changed; with publish they are published
 * at once); export writes the same layout (an item made without a code is
 * exported under its public id, which an import finds it by), so export →
 * import changes nothing.
 * Also the API routes over both. */
#include "items/module.h"

#include "core/alloc.h"
#include "identity/access.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define MAX_LINES 100000

typedef struct parsed {
    long line;
    sh_item it;
    int64_t kp[SH_ITEM_MAX_KP];
} parsed;

static void line_error(sh_items_import_result *res, const char *name, long line, const sh_err *e) {
    size_t n = sh_err_count(e);
    for (size_t i = 0; i < n; i++) {
        const sh_err_item *it = e->nmore ? &e->more[i] : &e->first;
        sh_err_add_at(&res->err, 400, it->code, line, 0, it->field, "%s%s第 %ld 行%s%s：%s", name ? name : "",
                      name ? " " : "", line, it->field[0] ? " " : "", it->field, it->message);
    }
}

int sh_items_import(sh_conn *c, sh_pool *p, const char *data, size_t len, const char *name, int publish,
                    const sh_provenance *pv, sh_items_import_result *res) {
    parsed *rows = sh_calloc(MAX_LINES, sizeof *rows);
    if (!rows)
        return sh_err_set(&res->err, 500, "out_of_memory", NULL, "内存不足");
    int n = 0;
    long line = 0;
    size_t before = sh_err_count(&res->err);
    for (size_t at = 0; at < len;) {
        const char *start = data + at, *nl = memchr(start, '\n', len - at);
        size_t llen = nl ? (size_t)(nl - start) : len - at;
        at += llen + (nl ? 1 : 0);
        line++;
        if (llen && start[llen - 1] == '\r')
            llen--;
        size_t k = 0;
        while (k < llen && (start[k] == ' ' || start[k] == '\t'))
            k++;
        if (k == llen)
            continue; /* blank line */
        sh_err e;
        sh_err_init(&e);
        if (n >= MAX_LINES) {
            sh_err_add_at(&res->err, 400, "too_many", line, 0, NULL, "一次至多导入 %d 道题", MAX_LINES);
            break;
        }
        if (llen > SH_ITEM_MAX_JSON) {
            sh_err_add(&e, 400, "too_long", NULL, NULL, "这一行有 %zu 字节，一道题至多 %zu 字节", llen,
                       SH_ITEM_MAX_JSON);
            line_error(res, name, line, &e);
            sh_err_clear(&e);
            continue;
        }
        json_error_t je;
        json_t *obj = json_loadb(start, llen, JSON_REJECT_DUPLICATES, &je);
        if (!obj) {
            sh_err_add(&e, 400, "invalid_json", NULL, NULL, "不是合法的 JSON（第 %d 列：%.80s）", je.column,
                       je.text);
        } else if (sh_item_parse(obj, &rows[n].it, &e) == SH_OK) {
            rows[n].line = line;
            rows[n].it.code = rows[n].it.code ? sh_pstrdup(p, rows[n].it.code) : NULL;
            for (int j = 0; j < rows[n].it.nkp; j++)
                rows[n].it.kp[j] = sh_pstrdup(p, rows[n].it.kp[j]);
            if (!rows[n].it.code)
                sh_err_add(&e, 400, "required", "code", NULL, "导入的题目须有“题目编码”");
            else if (items_kp_keys(c, &rows[n].it, rows[n].kp, 0, &e) == SH_OK)
                for (int j = 0; j < n; j++)
                    if (strcmp(rows[j].it.code, rows[n].it.code) == 0) {
                        sh_err_add(&e, 400, "duplicate", "code", NULL, "题目编码“%s”与第 %ld 行重复",
                                   rows[n].it.code, rows[j].line);
                        break;
                    }
            if (sh_err_count(&e))
                json_decref(rows[n].it.content);
            else
                n++;
        }
        json_decref(obj);
        if (sh_err_count(&e))
            line_error(res, name, line, &e);
        sh_err_clear(&e);
    }
    res->lines += line;
    int rc = sh_err_count(&res->err) > before ? SH_ERR : SH_OK;
    for (int i = 0; i < n && rc == SH_OK; i++) {
        item_row row;
        sh_err e;
        sh_err_init(&e);
        int found = items_find(c, p, rows[i].it.code, &row, &e);
        sh_err_clear(&e);
        int changed = 0;
        const char *uid;
        const char *status = publish ? "published" : "draft";
        if (found == SH_ERR)
            rc = sh_err_set(&res->err, 500, "store_error", NULL, "无法读取题目");
        else
            rc = items_save(c, p, found == SH_ROW ? &row : NULL, &rows[i].it, rows[i].kp, 0, pv->actor,
                            status, pv, &changed, &uid, &res->err);
        if (rc == SH_OK && found != SH_ROW)
            res->created++;
        else if (rc == SH_OK && changed)
            res->updated++;
        else if (rc == SH_OK)
            res->unchanged++;
        if (rc == SH_OK && publish && (found != SH_ROW || changed || strcmp(row.status, "published") != 0))
            res->published++;
    }
    for (int i = 0; i < n; i++)
        json_decref(rows[i].it.content);
    sh_free(rows);
    return rc;
}

int sh_items_export(sh_conn *c, const char *path, int status_all, sh_err *err) {
    FILE *f = fopen(path, "w");
    if (!f)
        return sh_err_set(err, 500, "write_failed", NULL, "无法写出文件");
    char sql[1024];
    const char *kps =
        sh_db_kind_of_conn(c) == SH_DB_POSTGRES
            ? "SELECT string_agg(p.code, ';' ORDER BY k.ordinal) FROM item_kp k"
              " JOIN kg_point p ON p.id = k.point_id WHERE k.version_id = v.id"
            : "SELECT group_concat(code, ';') FROM (SELECT p.code FROM item_kp k"
              " JOIN kg_point p ON p.id = k.point_id WHERE k.version_id = v.id ORDER BY k.ordinal)";
    snprintf(
        sql, sizeof sql,
        "SELECT COALESCE(i.code, i.uid), v.content, (%s) FROM item i JOIN item_version v ON v.item_id = i.id AND v.no = %s"
        " WHERE %s ORDER BY i.code, i.id",
        kps, status_all ? "i.latest" : "i.published", status_all ? "1 = 1" : "i.published > 0");
    sh_stmt *s = sh_prepare(c, sql, err);
    int rc = s ? SH_OK : SH_ERR;
    while (s && (rc = sh_step(s, err)) == SH_ROW) {
        json_t *o = json_loads(sh_col_text(s, 1), 0, NULL), *kp = json_array();
        char *codes = sh_col_text(s, 2) ? sh_strdup(sh_col_text(s, 2)) : NULL, *save = NULL;
        for (char *t = codes ? strtok_r(codes, ";", &save) : NULL; t; t = strtok_r(NULL, ";", &save))
            json_array_append_new(kp, json_string(t));
        sh_free(codes);
        if (o && sh_col_text(s, 0))
            json_object_set_new(o, "code", json_string(sh_col_text(s, 0)));
        if (o)
            json_object_set_new(o, "knowledge_points", kp);
        else
            json_decref(kp);
        char *line = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        if (line)
            fprintf(f, "%s\n", line);
        sh_free(line);
        json_decref(o);
    }
    if (s)
        sh_stmt_done(s);
    if (fclose(f) != 0 && rc != SH_ERR)
        rc = sh_err_set(err, 500, "write_failed", NULL, "无法写出文件");
    return rc == SH_ERR ? SH_ERR : SH_OK;
}

/* ---- API ---- */

static int bool_query(sh_req *req, const char *name, int *out) {
    const char *v = sh_req_query(req, name);
    *out = v && strcmp(v, "true") == 0;
    if (v && strcmp(v, "true") != 0 && strcmp(v, "false") != 0)
        return sh_err_set(&req->err, 400, "invalid_query", name, "%s 应为 true 或 false", name);
    return SH_OK;
}

int items_import_api(sh_req *req) {
    int dry, publish;
    if (bool_query(req, "dry_run", &dry) != SH_OK || bool_query(req, "publish", &publish) != SH_OK)
        return SH_ERR;
    if (publish && !sh_can(req, "items.review"))
        return sh_err_set(&req->err, 403, "forbidden", "publish", "直接发布须有审核题目的权限");
    sh_conn *c = sh_req_conn(req);
    if (!c || sh_begin_write(c, &req->err) != SH_OK)
        return SH_ERR;
    sh_provenance pv = sh_req_provenance(req);
    pv.source = "import";
    sh_items_import_result res = {0};
    sh_err_init(&res.err);
    int rc = sh_items_import(c, req->pool, req->body.data ? req->body.data : "", req->body.len, NULL, publish,
                             &pv, &res);
    if (rc == SH_OK && !dry)
        rc = sh_commit(c, &res.err);
    else
        sh_rollback(c);
    if (rc != SH_OK && res.err.status >= 500) {
        req->err = res.err;
        return SH_ERR;
    }
    if (rc == SH_OK && !dry) {
        char detail[160];
        snprintf(detail, sizeof detail, "%ld created, %ld updated, %ld published", res.created, res.updated,
                 res.published);
        sh_audit_req(req, "items_import", 1, "items", detail);
    }
    json_t *o = json_pack(
        "{s:b,s:b,s:I,s:I,s:I,s:I,s:I,s:o}", "dry_run", dry, "committed", rc == SH_OK && !dry, "lines",
        (json_int_t)res.lines, "created", (json_int_t)(rc == SH_OK ? res.created : 0), "updated",
        (json_int_t)(rc == SH_OK ? res.updated : 0), "unchanged", (json_int_t)res.unchanged, "published",
        (json_int_t)(rc == SH_OK ? res.published : 0), "errors", sh_err_items_json(&res.err, 500));
    sh_err_clear(&res.err);
    return sh_reply_json(req, 200, o); /* a refused file is an answer: committed false, errors */
}

int items_export_api(sh_req *req) {
    int all;
    if (bool_query(req, "all", &all) != SH_OK)
        return SH_ERR;
    if (all && !sh_can(req, "items.review"))
        return sh_err_set(&req->err, 403, "forbidden", "all", "导出未发布的题目须有审核题目的权限");
    sh_conn *c = sh_req_conn(req);
    if (!c)
        return SH_ERR;
    char path[SH_TEMP_PATH];
    if (sh_reply_temp_path(req, path) != SH_OK)
        return SH_ERR;
    if (sh_items_export(c, path, all, &req->err) != SH_OK) {
        unlink(path);
        return SH_ERR;
    }
    return sh_reply_temp_file(req, path, "text/plain; charset=utf-8", "items.jsonl", "题库", "jsonl");
}
