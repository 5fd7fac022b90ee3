/* flags.c — the care and support indicators of a school or district from the
 * students' registry-form flags (datahub.md §5.5): how many pupils studying
 * there (status 01) are left behind by one or both parents (留守儿童), migrant
 * workers' children (随迁子女), orphans, disabled or in inclusive classes
 * (残疾 / 随班就读), in need of aid (资助) or of the school bus. The flags are
 * encrypted at rest, so the counts are made here, one pass over the org's
 * students, and only the counts leave the server. */
#include "roster/module.h"

#include "identity/access.h"
#include "model/fieldcrypt.h"

#include <stdio.h>
#include <string.h>

/* The counted flags: the field, and the value that counts (NULL: any value). */
static const struct {
    const char *name, *field, *value;
} counted[] = {
    {"left_behind_single", "left_behind", "1"},
    {"left_behind_both", "left_behind", "2"},
    {"migrant_child", "migrant_child", "1"},
    {"orphan", "orphan", "1"},
    {"disabled", "disability_type", NULL},
    {"inclusive", "inclusive", "1"},
    {"needs_aid", "needs_aid", "1"},
    {"school_bus", "school_bus", "1"},
};
#define NCOUNTED (sizeof counted / sizeof counted[0])

/* The org named by ?org= (a school, district or the city) in the caller's reach: its key, 0 with 404. */
static int64_t org_in_reach(sh_req *req, sh_conn *c, const char **name) {
    const char *uid = sh_req_query(req, "org");
    if (!uid || !*uid || strlen(uid) > 64)
        return sh_err_set(&req->err, 400, "invalid_org", "org", "请用 org 参数指定学校或区县"), 0;
    sh_scope org;
    if (sh_scope_org(req, "roster.read", "id", &org) != SH_OK)
        return 0;
    char sql[1024];
    snprintf(sql, sizeof sql, "SELECT t.id, t.name FROM org_unit t WHERE t.uid = $%d AND %s", org.nparams + 1,
             org.where ? org.where : "1 = 1");
    sh_stmt *s = sh_prepare(c, sql, &req->err);
    if (!s)
        return 0;
    if (org.bind)
        org.bind(s, org.ctx);
    sh_bind_text(s, org.nparams + 1, uid, -1);
    int rc = sh_step(s, &req->err);
    int64_t id = rc == SH_ROW ? sh_col_i64(s, 0) : 0;
    *name = rc == SH_ROW ? sh_pstrdup(req->pool, sh_col_text(s, 1)) : NULL;
    sh_stmt_done(s);
    if (rc == SH_DONE)
        sh_err_set(&req->err, 404, "not_found", "org", "机构不存在或不在管辖范围内");
    return rc == SH_ROW ? id : 0;
}

int sh_roster_student_flags(sh_req *req) {
    sh_conn *c = sh_req_conn(req);
    const char *name = NULL;
    int64_t org = c ? org_in_reach(req, c, &name) : 0;
    if (!org)
        return SH_ERR;
    const sh_field *fields[NCOUNTED];
    sh_buf *sql = sh_pool_buf(req->pool, 2048);
    sh_buf_puts(sql, "SELECT t.uid");
    for (size_t i = 0; i < NCOUNTED; i++) {
        fields[i] = &sh_student_entity.fields[sh_entity_field_index(&sh_student_entity, counted[i].field)];
        sh_buf_printf(sql, ", t.%s", fields[i]->column);
    }
    sh_buf_puts(sql, " FROM student t WHERE t.status = '01' AND t.school_id IN"
                     " (SELECT descendant_id FROM org_closure WHERE ancestor_id = $1)");
    if (sh_buf_ok(sql) != SH_OK)
        return sh_err_set(&req->err, 500, "internal", NULL, "无法生成查询");
    sh_stmt *s = sh_prepare(c, sql->data, &req->err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, org);
    long students = 0, n[NCOUNTED] = {0};
    int rc;
    while ((rc = sh_step(s, &req->err)) == SH_ROW) {
        students++;
        sh_pool *p = sh_pool_create();
        if (!p) {
            sh_stmt_done(s);
            return sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
        }
        for (size_t i = 0; i < NCOUNTED; i++) {
            int col = (int)i + 1;
            if (sh_col_is_null(s, col))
                continue;
            const char *v = fields[i]->flags & SH_F_ENCRYPT
                                ? sh_field_open(p, &sh_student_entity, fields[i], sh_col_text(s, 0),
                                                sh_col_blob(s, col), sh_col_len(s, col))
                                : sh_col_text(s, col);
            if (v && *v && (!counted[i].value || strcmp(v, counted[i].value) == 0))
                n[i]++;
        }
        sh_pool_destroy(p);
    }
    sh_stmt_done(s);
    if (rc == SH_ERR)
        return SH_ERR;
    json_t *counts = json_object();
    for (size_t i = 0; i < NCOUNTED; i++)
        json_object_set_new(counts, counted[i].name, json_integer(n[i]));
    return sh_reply_json(req, 200,
                         json_pack("{s:s,s:s,s:I,s:o}", "org", sh_req_query(req, "org"), "name", name,
                                   "students", (json_int_t)students, "counts", counts));
}
