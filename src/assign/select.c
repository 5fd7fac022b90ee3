/* select.c — automatic selection of a task's items over knowledge points (the
 * rule is in docs/teaching.md): published items tagged with the points, none
 * that the class had in another task; a diagnostic first takes one item per
 * point (the one nearest the middle difficulty), then points take turns and
 * each turn takes the item whose difficulty the selection has least of. The
 * same bank gives the same selection. Reads item, item_version, item_kp and the
 * class's tasks. */
#include "assign/module.h"

#include "core/alloc.h"

#include <stdio.h>
#include <stdlib.h>

#define MAX_CANDIDATES 4000

static int dist3(int d) { return abs(d - 3); }

/* Best unpicked candidate of point among cand: fewest already chosen of its
 * difficulty (when by_count), then nearest difficulty 3, then lowest item. */
static int best(const assign_pick *cand, int n, const unsigned char *used, int64_t point, const int *per_diff,
                int by_count) {
    int b = -1;
    for (int i = 0; i < n; i++) {
        if (used[i] || cand[i].point != point)
            continue;
        if (b < 0) {
            b = i;
            continue;
        }
        int ci = by_count ? per_diff[cand[i].difficulty] : 0,
            cb = by_count ? per_diff[cand[b].difficulty] : 0;
        if (ci < cb || (ci == cb && dist3(cand[i].difficulty) < dist3(cand[b].difficulty)))
            b = i;
    }
    return b;
}

/* Mark every candidate row of the item as used (an item tagged with two points). */
static void take(const assign_pick *cand, int n, unsigned char *used, int64_t item) {
    for (int i = 0; i < n; i++)
        if (cand[i].item == item)
            used[i] = 1;
}

int assign_select(sh_conn *c, int64_t klass, int64_t task, const int64_t *points, int npoints, int count,
                  int diagnostic, assign_pick *out, sh_err *err) {
    if (diagnostic && count < npoints)
        return sh_err_add(err, 400, "too_few", "select.count", NULL,
                          "课前问学须覆盖每个知识点：题数不能少于知识点数（%d）", npoints);
    char ids[128], sql[1400], list[24 * 20 + 3];
    size_t len = 0;
    list[len++] = '[';
    for (int i = 0; i < npoints; i++)
        len += (size_t)snprintf(list + len, sizeof list - len, "%s%lld", i ? "," : "", (long long)points[i]);
    snprintf(list + len, sizeof list - len, "]");
    snprintf(sql, sizeof sql,
             "SELECT v.id, i.id, k.point_id, v.difficulty, v.score FROM item i"
             " JOIN item_version v ON v.item_id = i.id AND v.no = i.published AND v.status = 'published'"
             " JOIN item_kp k ON k.version_id = v.id WHERE k.point_id IN (%s)"
             " AND NOT EXISTS (SELECT 1 FROM assign_task t JOIN assign_task_item ti ON ti.task_id = t.id"
             " AND ti.school_id = t.school_id JOIN item_version uv ON uv.id = ti.item_version_id"
             " WHERE t.class_id = $2 AND t.id <> $3 AND uv.item_id = i.id) ORDER BY i.id, k.ordinal LIMIT %d",
             sh_sql_json_ids(c, 1, ids, sizeof ids), MAX_CANDIDATES);
    sh_stmt *s = sh_prepare(c, sql, err);
    if (!s)
        return SH_ERR;
    sh_bind_text(s, 1, list, -1);
    sh_bind_i64(s, 2, klass);
    sh_bind_i64(s, 3, task);
    assign_pick *cand = sh_malloc(MAX_CANDIDATES * sizeof *cand);
    unsigned char *used = sh_calloc(MAX_CANDIDATES, 1);
    int n = 0, rc = cand && used ? SH_ROW : SH_ERR;
    while (rc == SH_ROW && (rc = sh_step(s, err)) == SH_ROW) {
        int d = (int)sh_col_i64(s, 3);
        cand[n++] = (assign_pick){.version = sh_col_i64(s, 0),
                                  .item = sh_col_i64(s, 1),
                                  .point = sh_col_i64(s, 2),
                                  .difficulty = d < 1   ? 1
                                                : d > 5 ? 5
                                                        : d,
                                  .score = (int)sh_col_i64(s, 4)};
    }
    sh_stmt_done(s);
    if (!cand || !used) {
        rc = sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
        goto done;
    }
    if (rc == SH_ERR)
        goto done;
    int per_diff[6] = {0}, got = 0;
    if (diagnostic) {
        for (int p = 0; p < npoints; p++) {
            int b = best(cand, n, used, points[p], per_diff, 0);
            if (b < 0) {
                char field[48];
                snprintf(field, sizeof field, "select.knowledge_points[%d]", p);
                rc = sh_err_add(err, 400, "too_few", field, NULL,
                                "这个知识点没有可选的已发布题目（本班未做过的）");
                goto done;
            }
            out[got++] = cand[b];
            per_diff[cand[b].difficulty]++;
            take(cand, n, used, cand[b].item);
        }
    }
    for (int p = 0, idle = 0; got < count && idle < npoints; p = (p + 1) % npoints) {
        int b = best(cand, n, used, points[p], per_diff, 1);
        if (b < 0) {
            idle++;
            continue;
        }
        idle = 0;
        out[got++] = cand[b];
        per_diff[cand[b].difficulty]++;
        take(cand, n, used, cand[b].item);
    }
    rc = got == count ? SH_OK
                      : sh_err_add(err, 400, "too_few", "select.count", NULL,
                                   "题库中符合条件的已发布题目（本班未做过的）只有 %d 道", got);
done:
    sh_free(cand);
    sh_free(used);
    return rc == SH_OK ? SH_OK : SH_ERR;
}
