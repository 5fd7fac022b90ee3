/* job.c — the record of each import (table import_job): who ran which kind,
 * dry run or not, its state, the counts and the errors kept (values of
 * sensitive columns already masked by the engine), and the audit entry written
 * with its outcome. See jobs.h. */
#include "import/jobs.h"
#include "import/template.h"

#include "audit/audit.h"
#include "core/alloc.h"
#include "core/clock.h"
#include "identity/access.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Errors kept with the job (the CSV report gives them all, up to the engine's cap). */
#define JOB_ERRORS_KEPT 8192

static const sh_field job_fields[] = {
    SH_FIELD_KEY,
    SH_FIELD_UID("导入标识"),
    {.name = "kind", .column = "kind", .type = SH_T_TEXT, .label = "数据类别", .grade = SH_L1},
    {.name = "_actor",
     .column = "actor_id",
     .type = SH_T_INT,
     .label = "导入者",
     .grade = SH_L2,
     .flags = SH_F_INTERNAL},
    {.name = "dry_run", .column = "dry_run", .type = SH_T_BOOL, .label = "仅校验", .grade = SH_L1},
    {.name = "state",
     .column = "state",
     .type = SH_T_TEXT,
     .label = "状态",
     .grade = SH_L1,
     .doc =
         "queued 排队中、running 导入中、done 已结束（看 committed 与 error_count）、interrupted 服务重启而中断"
         "（未写入任何数据）、failed 存储出错（未写入任何数据）"},
    {.name = "committed", .column = "committed", .type = SH_T_BOOL, .label = "已写入", .grade = SH_L1},
    {.name = "rows", .column = "rows", .type = SH_T_INT, .label = "数据行数", .grade = SH_L1},
    {.name = "created", .column = "created", .type = SH_T_INT, .label = "新建", .grade = SH_L1},
    {.name = "updated", .column = "updated", .type = SH_T_INT, .label = "更新", .grade = SH_L1},
    {.name = "unchanged", .column = "unchanged", .type = SH_T_INT, .label = "无变化", .grade = SH_L1},
    {.name = "error_count", .column = "error_count", .type = SH_T_INT, .label = "错误数", .grade = SH_L1},
    {.name = "encoding", .column = "encoding", .type = SH_T_TEXT, .label = "文件编码", .grade = SH_L1},
    {.name = "template",
     .column = "template",
     .type = SH_T_TEXT,
     .label = "导入模板",
     .grade = SH_L1,
     .doc = "读取文件所用的模板：shushu（数枢导入模板）、national（全国学籍系统学生基本信息表）"},
    {.name = "ignored_columns",
     .column = "ignored_columns",
     .type = SH_T_TEXT,
     .label = "未使用的列",
     .grade = SH_L1},
    {.name = "_errors",
     .column = "errors",
     .type = SH_T_TEXT,
     .label = "错误明细（JSON，值已按分级脱敏）",
     .grade = SH_L3,
     .flags = SH_F_INTERNAL},
    {.name = "_runner",
     .column = "runner",
     .type = SH_T_TEXT,
     .label = "执行进程",
     .grade = SH_L1,
     .flags = SH_F_INTERNAL},
    SH_FIELD_CREATED_AT,
    {.name = "finished_at",
     .column = "finished_at",
     .type = SH_T_TIME,
     .label = "结束时间",
     .grade = SH_L1,
     .flags = SH_F_READONLY},
};
const sh_entity sh_import_job_entity = {
    .name = "import_job", .table = "import_job", .label = "导入记录", SH_FIELDS(job_fields)};

#define JOB_TABLE(PK, INT64)                                                                                 \
    "CREATE TABLE import_job (" PK ", uid TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, actor_id " INT64 ","     \
    " dry_run INTEGER NOT NULL, committed INTEGER NOT NULL, rows " INT64 " NOT NULL, created " INT64         \
    " NOT NULL, updated " INT64 " NOT NULL, unchanged " INT64 " NOT NULL, error_count " INT64 " NOT NULL,"   \
    " encoding TEXT, ignored_columns TEXT, errors TEXT NOT NULL, created_at BIGINT NOT NULL);"               \
    "CREATE INDEX import_job_actor ON import_job(actor_id, id);"
#define JOB_STATE                                                                                            \
    "ALTER TABLE import_job ADD COLUMN state TEXT NOT NULL DEFAULT 'done';"                                  \
    "ALTER TABLE import_job ADD COLUMN runner TEXT;"                                                         \
    "ALTER TABLE import_job ADD COLUMN finished_at BIGINT;"                                                  \
    "CREATE INDEX import_job_state ON import_job(state);"

const sh_migration sh_import_job_migrations[SH_IMPORT_JOB_NMIGRATIONS] = {
    {1, "import jobs: who imported what, the counts and the errors",
     JOB_TABLE("id INTEGER PRIMARY KEY", "INTEGER"), JOB_TABLE("id BIGSERIAL PRIMARY KEY", "BIGINT")},
    {2, "import jobs run in the background: state, the process running it, when it ended", JOB_STATE,
     JOB_STATE},
    {3, "import jobs: the template the file was read with",
     "ALTER TABLE import_job ADD COLUMN template TEXT;", "ALTER TABLE import_job ADD COLUMN template TEXT;"},
};

const char *sh_import_runner_name(void) {
    static char name[128];
    if (!name[0]) {
        char host[64] = "";
        gethostname(host, sizeof host - 1);
        snprintf(name, sizeof name, "%s:%ld", host, (long)getpid());
    }
    return name;
}

/* The kept errors as JSON. */
static json_t *errors_json(const sh_err *e, size_t max) {
    json_t *a = json_array();
    size_t n = sh_err_count(e);
    for (size_t i = 0; a && i < n && i < max; i++) {
        const sh_err_item *it = e->nmore ? &e->more[i] : &e->first;
        json_t *o =
            json_pack("{s:I,s:I,s:s,s:s,s:s}", "row", (json_int_t)it->row, "column", (json_int_t)it->column,
                      "field", it->field, "code", it->code, "message", it->message);
        if (o && it->value[0])
            json_object_set_new(o, "value", json_string(it->value));
        json_array_append_new(a, o);
    }
    return a;
}

int sh_import_job_begin(sh_req *req, const char *uid, const char *kind, int dry_run, const char *state) {
    const sh_principal *p = sh_principal_of(req);
    sh_conn *c = sh_req_conn(req);
    if (!c || sh_begin_write(c, &req->err) != SH_OK)
        return SH_ERR;
    sh_stmt *s = sh_prepare(c,
                            "INSERT INTO import_job (uid, kind, actor_id, dry_run, committed, rows, created,"
                            " updated, unchanged, error_count, errors, state, runner, created_at)"
                            " VALUES ($1, $2, $3, $4, 0, 0, 0, 0, 0, 0, '[]', $5, $6, $7)",
                            &req->err);
    int rc = SH_ERR;
    if (s) {
        sh_bind_text(s, 1, uid, -1);
        sh_bind_text(s, 2, kind, -1);
        sh_bind_i64(s, 3, p ? p->account_id : 0);
        sh_bind_i64(s, 4, dry_run);
        sh_bind_text(s, 5, state, -1);
        sh_bind_text(s, 6, sh_import_runner_name(), -1);
        sh_bind_i64(s, 7, sh_now_ms());
        rc = sh_step(s, &req->err) == SH_DONE ? SH_OK : SH_ERR;
        sh_stmt_done(s);
    }
    if (rc == SH_OK && sh_commit(c, &req->err) == SH_OK)
        return SH_OK;
    sh_rollback(c);
    return SH_ERR;
}

int sh_import_job_running(sh_req *req, const char *uid) {
    sh_conn *c = sh_req_conn(req);
    if (!c || sh_begin_write(c, &req->err) != SH_OK)
        return SH_ERR;
    sh_stmt *s = sh_prepare(c, "UPDATE import_job SET state = 'running' WHERE uid = $1", &req->err);
    int rc = SH_ERR;
    if (s) {
        sh_bind_text(s, 1, uid, -1);
        rc = sh_step(s, &req->err) == SH_DONE ? SH_OK : SH_ERR;
        sh_stmt_done(s);
    }
    if (rc == SH_OK && sh_commit(c, &req->err) == SH_OK)
        return SH_OK;
    sh_rollback(c);
    return SH_ERR;
}

int sh_import_job_finish(sh_req *req, const char *uid, const char *kind, int dry_run,
                         const sh_import_result *res) {
    json_t *errs = errors_json(&res->err, JOB_ERRORS_KEPT);
    char *text = errs ? json_dumps(errs, JSON_COMPACT) : NULL;
    json_decref(errs);
    if (!text)
        return sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
    int failed = res->err.status >= 500;
    sh_conn *c = sh_req_conn(req);
    int rc = c ? sh_begin_write(c, &req->err) : SH_ERR;
    sh_stmt *s = rc == SH_OK
                     ? sh_prepare(c,
                                  "UPDATE import_job SET committed = $2, rows = $3, created = $4,"
                                  " updated = $5, unchanged = $6, error_count = $7, encoding = $8,"
                                  " ignored_columns = $9, errors = $10, state = $11, finished_at = $12,"
                                  " template = $13"
                                  " WHERE uid = $1",
                                  &req->err)
                     : NULL;
    if (s) {
        sh_bind_text(s, 1, uid, -1);
        sh_bind_i64(s, 2, res->committed);
        sh_bind_i64(s, 3, res->rows);
        sh_bind_i64(s, 4, res->created);
        sh_bind_i64(s, 5, res->updated);
        sh_bind_i64(s, 6, res->unchanged);
        sh_bind_i64(s, 7, res->nerrors);
        sh_bind_text(s, 8, res->encoding, -1);
        sh_bind_text(s, 9, res->ignored[0] ? res->ignored : NULL, -1);
        sh_bind_text(s, 10, text, -1);
        sh_bind_text(s, 11, failed ? "failed" : "done", -1);
        sh_bind_i64(s, 12, sh_now_ms());
        sh_bind_text(s, 13, res->template_used ? res->template_used->name : NULL, -1);
        rc = sh_step(s, &req->err) == SH_DONE ? SH_OK : SH_ERR;
        sh_stmt_done(s);
    } else {
        rc = SH_ERR;
    }
    sh_free(text);
    char detail[200];
    snprintf(detail, sizeof detail, "%s (%s) %s: %ld rows, %ld created, %ld updated, %ld errors", kind,
             res->template_used ? res->template_used->name : "-",
             failed           ? "failed"
             : dry_run        ? "dry run"
             : res->committed ? "committed"
                              : "refused",
             res->rows, res->created, res->updated, res->nerrors);
    if (rc == SH_OK &&
        sh_audit_req(req, "import", res->committed || (dry_run && !failed), uid, detail) == SH_OK &&
        sh_commit(c, &req->err) == SH_OK)
        return SH_OK;
    if (c)
        sh_rollback(c);
    return SH_ERR;
}

json_t *sh_import_job_reply(const char *uid, const char *kind, int dry_run, const sh_import_result *res) {
    const sh_import_template *t = res->template_used;
    return json_pack("{s:s,s:s,s:s?,s:s?,s:b,s:s,s:b,s:I,s:I,s:I,s:I,s:I,s:s?,s:s?,s:o}", "id", uid, "kind",
                     kind, "template", t ? t->name : NULL, "template_label", t ? t->label : NULL, "dry_run",
                     dry_run, "state", res->err.status >= 500 ? "failed" : "done", "committed",
                     res->committed, "rows", (json_int_t)res->rows, "created", (json_int_t)res->created,
                     "updated", (json_int_t)res->updated, "unchanged", (json_int_t)res->unchanged,
                     "error_count", (json_int_t)res->nerrors, "encoding", res->encoding, "ignored_columns",
                     res->ignored[0] ? res->ignored : NULL, "errors",
                     errors_json(&res->err, SH_IMPORT_REPLY_ERRORS));
}

/* Is runner ("host:pid") a process of this host that is gone? */
static int gone(const char *runner) {
    const char *me = sh_import_runner_name(), *colon = runner ? strrchr(runner, ':') : NULL;
    size_t host = strrchr(me, ':') - me;
    if (!colon || (size_t)(colon - runner) != host || strncmp(runner, me, host) != 0)
        return 0; /* another host's: it answers for its own jobs */
    long pid = strtol(colon + 1, NULL, 10);
    return pid <= 0 || pid == (long)getpid() || (kill((pid_t)pid, 0) != 0 && errno == ESRCH);
}

int sh_import_jobs_recover(sh_conn *c, sh_err *err) {
    sh_stmt *s =
        sh_prepare(c, "SELECT uid, runner FROM import_job WHERE state IN ('queued', 'running')", err);
    if (!s)
        return SH_ERR;
    char(*stale)[32] = NULL;
    size_t n = 0, cap = 0;
    int rc;
    while ((rc = sh_step(s, err)) == SH_ROW) {
        if (!gone(sh_col_text(s, 1)))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            void *more = sh_realloc(stale, cap * sizeof *stale);
            if (!more) {
                rc = sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
                break;
            }
            stale = more;
        }
        snprintf(stale[n++], sizeof stale[0], "%s", sh_col_text(s, 0));
    }
    sh_stmt_done(s);
    if (rc != SH_ERR && n && sh_begin_write(c, err) == SH_OK) {
        for (size_t i = 0; rc != SH_ERR && i < n; i++) {
            sh_stmt *u = sh_prepare(
                c, "UPDATE import_job SET state = 'interrupted', finished_at = $2 WHERE uid = $1", err);
            if (!u) {
                rc = SH_ERR;
                break;
            }
            sh_bind_text(u, 1, stale[i], -1);
            sh_bind_i64(u, 2, sh_now_ms());
            rc = sh_step(u, err) == SH_DONE ? SH_DONE : SH_ERR;
            sh_stmt_done(u);
        }
        if (rc == SH_ERR || sh_commit(c, err) != SH_OK) {
            sh_rollback(c);
            rc = SH_ERR;
        }
    } else if (n && rc != SH_ERR) {
        rc = SH_ERR;
    }
    sh_free(stale);
    return rc == SH_ERR ? SH_ERR : SH_OK;
}
