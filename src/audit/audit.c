/* audit.c — writing, verifying and purging the hash-chained audit log. */
#include "audit/audit.h"

#include "core/buf.h"
#include "core/clock.h"
#include "core/keys.h"
#include "identity/access.h"
#include "model/api.h"
#include "store/partition.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define HASH_HEX 65 /* SM3: 32 bytes */
#define GENESIS "0000000000000000000000000000000000000000000000000000000000000000"
/* The store refuses to change or remove entries (SQLite; PostgreSQL uses a trigger function). */
#define TRIGGERS_SQLITE                                                                                      \
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log"                                          \
    " BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;"                                           \
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log"                                          \
    " BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;"

static const sh_field audit_fields[] = {
    {.name = "seq",
     .column = "id",
     .type = SH_T_INT,
     .label = "序号",
     .grade = SH_L2,
     .flags = SH_F_READONLY},
    {.name = "at",
     .column = "ts",
     .type = SH_T_TIME,
     .label = "时间",
     .grade = SH_L2,
     .flags = SH_F_READONLY},
    {.name = "_account",
     .column = "account_id",
     .type = SH_T_INT,
     .label = "账号",
     .grade = SH_L2,
     .flags = SH_F_INTERNAL},
    {.name = "actor",
     .column = "actor",
     .type = SH_T_TEXT,
     .label = "操作人",
     .grade = SH_L3,
     .flags = SH_F_READONLY | SH_F_FILTER},
    {.name = "role",
     .column = "role",
     .type = SH_T_TEXT,
     .label = "角色",
     .grade = SH_L2,
     .flags = SH_F_READONLY | SH_F_FILTER},
    {.name = "ip",
     .column = "ip",
     .type = SH_T_TEXT,
     .label = "来源地址",
     .grade = SH_L3,
     .flags = SH_F_READONLY},
    {.name = "event",
     .column = "event",
     .type = SH_T_TEXT,
     .label = "事件",
     .grade = SH_L2,
     .flags = SH_F_READONLY | SH_F_FILTER},
    {.name = "object",
     .column = "object",
     .type = SH_T_TEXT,
     .label = "对象",
     .grade = SH_L2,
     .flags = SH_F_READONLY | SH_F_FILTER},
    {.name = "result",
     .column = "result",
     .type = SH_T_TEXT,
     .label = "结果",
     .grade = SH_L2,
     .flags = SH_F_READONLY | SH_F_FILTER},
    {.name = "detail",
     .column = "detail",
     .type = SH_T_TEXT,
     .label = "说明",
     .grade = SH_L3,
     .flags = SH_F_READONLY,
     .max_len = 500},
    {.name = "hash",
     .column = "hash",
     .type = SH_T_TEXT,
     .label = "链式摘要",
     .grade = SH_L1,
     .flags = SH_F_READONLY,
     .doc = "HMAC-SM3(上一条的摘要 ‖ 本条内容)，十六进制"},
};
static const sh_entity audit_entity = {
    .name = "audit_entry", .table = "audit_log", .label = "审计记录", SH_FIELDS(audit_fields)};

static const sh_field head_fields[] = {
    {.name = "id", .column = "id", .type = SH_T_INT, .label = "编号", .grade = SH_L1},
    {.name = "last_id", .column = "last_id", .type = SH_T_INT, .label = "链尾序号", .grade = SH_L1},
    {.name = "last_hash", .column = "last_hash", .type = SH_T_TEXT, .label = "链尾摘要", .grade = SH_L1},
    {.name = "base_id", .column = "base_id", .type = SH_T_INT, .label = "清理后起点序号", .grade = SH_L1},
    {.name = "base_hash",
     .column = "base_hash",
     .type = SH_T_TEXT,
     .label = "起点之前的摘要",
     .grade = SH_L1},
};
static const sh_entity head_entity = {.name = "audit_head",
                                      .table = "audit_head",
                                      .label = "审计链头",
                                      SH_FIELDS(head_fields),
                                      .flags = SH_E_INTERNAL};

static const sh_migration migrations[] = {
    {1, "audit log",
     "CREATE TABLE audit_log ("
     " id INTEGER PRIMARY KEY, ts BIGINT NOT NULL, account_id BIGINT, actor TEXT NOT NULL, role TEXT,"
     " ip TEXT, event TEXT NOT NULL, object TEXT, result TEXT NOT NULL, detail TEXT, hash TEXT NOT NULL);"
     "CREATE INDEX audit_log_ts ON audit_log(ts);"
     "CREATE INDEX audit_log_account ON audit_log(account_id, id);"
     "CREATE TABLE audit_head (id INTEGER PRIMARY KEY CHECK (id = 1), last_id BIGINT NOT NULL,"
     " last_hash TEXT NOT NULL, base_id BIGINT NOT NULL, base_hash TEXT NOT NULL);"
     "INSERT INTO audit_head VALUES (1, 0, '" GENESIS "', 1, '" GENESIS "');" TRIGGERS_SQLITE,
     "CREATE TABLE audit_log ("
     " id BIGINT PRIMARY KEY, ts BIGINT NOT NULL, account_id BIGINT, actor TEXT NOT NULL, role TEXT,"
     " ip TEXT, event TEXT NOT NULL, object TEXT, result TEXT NOT NULL, detail TEXT, hash TEXT NOT NULL);"
     "CREATE INDEX audit_log_ts ON audit_log(ts);"
     "CREATE INDEX audit_log_account ON audit_log(account_id, id);"
     "CREATE TABLE audit_head (id INTEGER PRIMARY KEY CHECK (id = 1), last_id BIGINT NOT NULL,"
     " last_hash TEXT NOT NULL, base_id BIGINT NOT NULL, base_hash TEXT NOT NULL);"
     "INSERT INTO audit_head VALUES (1, 0, '" GENESIS "', 1, '" GENESIS "');"
     "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS"
     " $$ BEGIN IF current_setting('shushu.audit_purge', true) = 'on' AND TG_OP = 'DELETE' THEN RETURN OLD; END IF;"
     " RAISE EXCEPTION 'audit log is append-only'; END $$;"
     "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log"
     " FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();"},
    /* PostgreSQL: partitioned by the month of ts (store/partition.h). The key is
     * (id, ts), as a partitioned table's keys must hold its partition key; ids stay
     * unique because each is the chain head's plus one under the write lock, and
     * `shushu verify audit` fails on a repeated or missing one. */
    {2, "audit log partitioned by month (PostgreSQL)", "SELECT 1",
     "ALTER TABLE audit_log RENAME TO audit_log_unpartitioned;"
     "ALTER TABLE audit_log_unpartitioned RENAME CONSTRAINT audit_log_pkey TO audit_log_unpartitioned_pkey;"
     "DROP INDEX audit_log_ts; DROP INDEX audit_log_account;"
     "CREATE TABLE audit_log ("
     " id BIGINT NOT NULL, ts BIGINT NOT NULL, account_id BIGINT, actor TEXT NOT NULL, role TEXT,"
     " ip TEXT, event TEXT NOT NULL, object TEXT, result TEXT NOT NULL, detail TEXT, hash TEXT NOT NULL)"
     " PARTITION BY RANGE (ts);" SH_PG_MONTHLY(
         "audit_log", "ts",
         "audit_log_unpartitioned") "INSERT INTO audit_log SELECT * FROM audit_log_unpartitioned;"
                                    "DROP TABLE audit_log_unpartitioned;"
                                    "ALTER TABLE audit_log ADD PRIMARY KEY (id, ts);"
                                    "CREATE INDEX audit_log_ts ON audit_log(ts);"
                                    "CREATE INDEX audit_log_account ON audit_log(account_id, id);"
                                    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log"
                                    " FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();"},
};

/* Length-prefixed fields: no two different entries serialise alike. */
static void put(sh_buf *b, const char *s) {
    if (!s) {
        sh_buf_puts(b, "-1:");
        return;
    }
    sh_buf_printf(b, "%zu:", strlen(s));
    sh_buf_puts(b, s);
}

static int chain_hash(const char *prev, int64_t id, int64_t ts, int64_t account, const char *actor,
                      const char *role, const char *ip, const char *event, const char *object,
                      const char *result, const char *detail, char out[HASH_HEX]) {
    unsigned char key[SH_KEY_BYTES];
    if (sh_keys_derive(SH_KEY_AUDIT, key) != SH_OK)
        return SH_ERR;
    char mem[4096];
    sh_buf b;
    sh_buf_init_fixed(&b, mem, sizeof mem);
    put(&b, prev);
    sh_buf_printf(&b, "|%lld|%lld|%lld|", (long long)id, (long long)ts, (long long)account);
    put(&b, actor);
    put(&b, role);
    put(&b, ip);
    put(&b, event);
    put(&b, object);
    put(&b, result);
    put(&b, detail);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    int ok = sh_buf_ok(&b) == SH_OK &&
             HMAC(EVP_sm3(), key, sizeof key, (const unsigned char *)b.data, b.len, mac, &maclen) != NULL &&
             maclen == 32;
    sodium_memzero(key, sizeof key);
    if (!ok)
        return SH_ERR;
    sodium_bin2hex(out, HASH_HEX, mac, 32);
    return SH_OK;
}

/* Keep free text short and on one line. */
static const char *clip(char *dst, size_t cap, const char *s) {
    if (!s)
        return NULL;
    size_t n = strlen(s);
    if (n >= cap) {
        n = cap - 1;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(dst, s, n);
    dst[n] = '\0';
    for (char *p = dst; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    return dst;
}

int sh_audit_write(sh_conn *c, const sh_audit_event *ev, sh_err *err) {
    if (!sh_keys_loaded())
        return sh_err_set(err, 503, "audit_unavailable", NULL, "审计密钥未加载，操作未执行");
    int own = !sh_in_tx(c);
    if (own && sh_begin_write(c, err) != SH_OK)
        return SH_ERR;
    char prev[HASH_HEX] = "", hash[HASH_HEX], detail[501], object[301], actor[129];
    int64_t last = 0, now = sh_now_ms();
    sh_stmt *s = sh_prepare(c, "SELECT last_id, last_hash FROM audit_head WHERE id = 1", err);
    int rc = s ? sh_step(s, err) : SH_ERR;
    if (rc == SH_ROW) {
        last = sh_col_i64(s, 0);
        snprintf(prev, sizeof prev, "%s", sh_col_text(s, 1));
    }
    sh_stmt_done(s);
    if (rc != SH_ROW) {
        if (rc == SH_DONE)
            sh_err_set(err, 500, "audit_unavailable", NULL, "审计链头缺失，操作未执行");
        goto fail;
    }
    const char *result = ev->ok ? "success" : "failure";
    const char *act = clip(actor, sizeof actor, ev->actor ? ev->actor : "-");
    const char *obj = clip(object, sizeof object, ev->object);
    const char *det = clip(detail, sizeof detail, ev->detail);
    int64_t id = last + 1;
    if (chain_hash(prev, id, now, ev->account_id, act, ev->role, ev->ip, ev->event, obj, result, det, hash) !=
        SH_OK) {
        sh_err_set(err, 503, "audit_unavailable", NULL, "无法计算审计摘要，操作未执行");
        goto fail;
    }
    s = sh_prepare(
        c,
        "INSERT INTO audit_log (id, ts, account_id, actor, role, ip, event, object, result, detail, hash)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        err);
    if (!s)
        goto fail;
    sh_bind_i64(s, 1, id);
    sh_bind_i64(s, 2, now);
    if (ev->account_id)
        sh_bind_i64(s, 3, ev->account_id);
    else
        sh_bind_null(s, 3);
    sh_bind_text(s, 4, act, -1);
    sh_bind_text(s, 5, ev->role, -1);
    sh_bind_text(s, 6, ev->ip, -1);
    sh_bind_text(s, 7, ev->event, -1);
    sh_bind_text(s, 8, obj, -1);
    sh_bind_text(s, 9, result, -1);
    sh_bind_text(s, 10, det, -1);
    sh_bind_text(s, 11, hash, -1);
    rc = sh_step(s, err);
    sh_stmt_done(s);
    if (rc == SH_ERR)
        goto fail;
    s = sh_prepare(c, "UPDATE audit_head SET last_id = $1, last_hash = $2 WHERE id = 1", err);
    if (!s)
        goto fail;
    sh_bind_i64(s, 1, id);
    sh_bind_text(s, 2, hash, -1);
    rc = sh_step(s, err);
    sh_stmt_done(s);
    if (rc == SH_ERR)
        goto fail;
    if (own && sh_commit(c, err) != SH_OK)
        return SH_ERR;
    return SH_OK;
fail:
    if (own)
        sh_rollback(c);
    return SH_ERR;
}

static const char *col(sh_stmt *s, int i) { return sh_col_is_null(s, i) ? NULL : sh_col_text(s, i); }

int sh_audit_verify(sh_conn *c, sh_audit_report *r, sh_err *err) {
    memset(r, 0, sizeof *r);
    if (!sh_keys_loaded())
        return sh_err_set(err, 400, "key_file_missing", NULL, "未加载密钥文件，无法校验审计链");
    char prev[HASH_HEX], head_hash[HASH_HEX];
    int64_t base = 1, head = 0;
    sh_stmt *s =
        sh_prepare(c, "SELECT last_id, last_hash, base_id, base_hash FROM audit_head WHERE id = 1", err);
    if (!s)
        return SH_ERR;
    int rc = sh_step(s, err);
    if (rc == SH_ROW) {
        head = sh_col_i64(s, 0);
        snprintf(head_hash, sizeof head_hash, "%s", sh_col_text(s, 1));
        base = sh_col_i64(s, 2);
        snprintf(prev, sizeof prev, "%s", sh_col_text(s, 3));
    }
    sh_stmt_done(s);
    if (rc != SH_ROW)
        return rc == SH_ERR ? SH_ERR : sh_err_set(err, 500, "audit_head_missing", NULL, "审计链头缺失");
    s = sh_prepare(c,
                   "SELECT id, ts, account_id, actor, role, ip, event, object, result, detail, hash"
                   " FROM audit_log ORDER BY id",
                   err);
    if (!s)
        return SH_ERR;
    int64_t expect = base;
    while ((rc = sh_step(s, err)) == SH_ROW) {
        int64_t id = sh_col_i64(s, 0);
        char want[HASH_HEX];
        if (id < base) /* left before a purge checkpoint: cannot be there */
            snprintf(r->reason, sizeof r->reason, "序号 %lld 早于清理起点 %lld", (long long)id,
                     (long long)base);
        else if (id != expect)
            snprintf(r->reason, sizeof r->reason, "缺少序号 %lld 的记录（被删除）", (long long)expect);
        else if (chain_hash(prev, id, sh_col_i64(s, 1), sh_col_i64(s, 2), col(s, 3), col(s, 4), col(s, 5),
                            col(s, 6), col(s, 7), col(s, 8), col(s, 9), want) != SH_OK)
            snprintf(r->reason, sizeof r->reason, "无法计算摘要");
        else if (strcmp(want, sh_col_text(s, 10)) != 0)
            snprintf(r->reason, sizeof r->reason, "序号 %lld 的内容或顺序被改动（摘要不符）", (long long)id);
        if (r->reason[0]) {
            r->first_bad = id < expect || id == expect ? id : expect;
            break;
        }
        snprintf(prev, sizeof prev, "%s", sh_col_text(s, 10));
        r->checked++;
        expect++;
    }
    sh_stmt_done(s);
    if (rc == SH_ERR)
        return SH_ERR;
    if (!r->first_bad && (expect - 1 != head || (head >= base && strcmp(prev, head_hash) != 0))) {
        r->first_bad = expect;
        snprintf(r->reason, sizeof r->reason, "链尾应为序号 %lld，实际只到 %lld（末尾记录被删除）",
                 (long long)head, (long long)(expect - 1));
    }
    return SH_OK;
}

int sh_audit_purge(sh_conn *c, int64_t before_ms, int64_t *deleted, sh_err *err) {
    *deleted = 0;
    int64_t min_age = (int64_t)SH_AUDIT_MIN_RETENTION_DAYS * 86400 * 1000;
    if (before_ms > sh_now_ms() - min_age)
        return sh_err_set(err, 400, "retention", NULL, "审计记录至少保留 %d 天，不能清理更新的记录",
                          SH_AUDIT_MIN_RETENTION_DAYS);
    if (sh_begin_write(c, err) != SH_OK)
        return SH_ERR;
    /* the first kept entry is the first one young enough (ids follow time, but a clock
     * set back must never make a young entry go): everything before it is old */
    int64_t first = 0;
    char base_hash[HASH_HEX] = "";
    sh_stmt *s = sh_prepare(c,
                            "SELECT COALESCE((SELECT MIN(id) FROM audit_log WHERE ts >= $1),"
                            " (SELECT last_id + 1 FROM audit_head)), (SELECT base_id FROM audit_head)",
                            err);
    if (s)
        sh_bind_i64(s, 1, before_ms);
    int rc = s ? sh_step(s, err) : SH_ERR;
    int64_t base = 1;
    if (rc == SH_ROW) {
        first = sh_col_i64(s, 0);
        base = sh_col_i64(s, 1);
    }
    sh_stmt_done(s);
    if (rc != SH_ROW)
        goto fail;
    if (first <= base) { /* nothing old enough */
        sh_rollback(c);
        return SH_OK;
    }
    s = sh_prepare(c, "SELECT hash FROM audit_log WHERE id = $1", err);
    if (!s)
        goto fail;
    sh_bind_i64(s, 1, first - 1);
    rc = sh_step(s, err);
    if (rc == SH_ROW)
        snprintf(base_hash, sizeof base_hash, "%s", sh_col_text(s, 0));
    sh_stmt_done(s);
    if (rc != SH_ROW) {
        if (rc == SH_DONE)
            sh_err_set(err, 409, "audit_broken", NULL, "审计链缺少序号 %lld，请先运行 shushu verify audit",
                       (long long)(first - 1));
        goto fail;
    }
    const char *unlock = sh_db_kind_of_conn(c) == SH_DB_POSTGRES
                             ? "SET LOCAL shushu.audit_purge = 'on'"
                             : "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;";
    if (sh_exec(c, unlock, err) != SH_OK)
        goto fail;
    s = sh_prepare(c, "DELETE FROM audit_log WHERE id < $1", err);
    if (!s)
        goto fail;
    sh_bind_i64(s, 1, first);
    rc = sh_step(s, err);
    *deleted = sh_changes(c);
    sh_stmt_done(s);
    if (rc == SH_ERR ||
        (sh_db_kind_of_conn(c) != SH_DB_POSTGRES && sh_exec(c, TRIGGERS_SQLITE, err) != SH_OK))
        goto fail;
    s = sh_prepare(c, "UPDATE audit_head SET base_id = $1, base_hash = $2 WHERE id = 1", err);
    if (!s)
        goto fail;
    sh_bind_i64(s, 1, first);
    sh_bind_text(s, 2, base_hash, -1);
    rc = sh_step(s, err);
    sh_stmt_done(s);
    char detail[96];
    snprintf(detail, sizeof detail, "deleted %lld entries before #%lld", (long long)*deleted,
             (long long)first);
    sh_audit_event ev = {
        .event = "audit_purge", .ok = 1, .actor = "cli", .object = "audit_log", .detail = detail};
    if (rc == SH_ERR || sh_audit_write(c, &ev, err) != SH_OK || sh_commit(c, err) != SH_OK)
        goto fail;
    return SH_OK;
fail:
    *deleted = 0;
    sh_rollback(c);
    return SH_ERR;
}

/* The audit administrator's view: every entry, filtered by event, actor, role,
 * object or result, oldest first with key-set paging. Nothing edits entries. The
 * entries name people and addresses (L3), so reading them is itself audited. */
typedef struct time_range {
    int64_t from, to;
} time_range;

static int bind_range(sh_stmt *s, void *ctx) {
    const time_range *r = ctx;
    return sh_bind_i64(s, 1, r->from) | sh_bind_i64(s, 2, r->to) ? SH_ERR : SH_OK;
}

static int list_audit(sh_req *req) {
    /* from (inclusive) and to (exclusive): a time window, ISO 8601 UTC */
    static const char *const window[] = {"from", "to", NULL};
    time_range *r = sh_pcalloc(req->pool, sizeof *r);
    if (!r)
        return sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
    r->to = INT64_MAX;
    int windowed = 0;
    for (int i = 0; i < 2; i++) {
        const char *v = sh_req_query(req, window[i]);
        windowed |= v != NULL;
        if (v && sh_parse_iso_ms(v, i ? &r->to : &r->from) != SH_OK)
            sh_err_add(&req->err, 400, "invalid_time", window[i], NULL,
                       "“%s”应为 ISO 8601 时间（UTC），例如 2026-11-22T08:30:00Z",
                       i ? "截止时间" : "起始时间");
    }
    if (sh_err_count(&req->err))
        return SH_ERR;
    sh_scope sc = {.where = "t.ts >= $1 AND t.ts < $2", .nparams = 2, .bind = bind_range, .ctx = r};
    /* without a window the list pages by id alone (no time predicate to plan around) */
    if (sh_api_list_with(req, &audit_entity, windowed ? &sc : NULL, window) != SH_OK)
        return SH_ERR;
    char detail[200] = "";
    static const char *const filters[] = {"event",  "actor", "role", "object",
                                          "result", "from",  "to",   "cursor"};
    for (size_t i = 0; i < sizeof filters / sizeof filters[0]; i++) {
        const char *v = sh_req_query(req, filters[i]);
        if (v)
            snprintf(detail + strlen(detail), sizeof detail - strlen(detail), "%s%s=%.40s",
                     detail[0] ? " " : "", filters[i], v);
    }
    return sh_audit_req(req, "audit_read", 1, "audit_log", detail[0] ? detail : NULL);
}

static const sh_route routes[] = {
    {SH_GET, "/api/v1/audit", "audit.read", list_audit,
     "查询审计日志（仅审计管理员；按操作人、事件、对象、结果筛选，from/to 为时间范围，ISO 8601 UTC，含起不含止）",
     NULL, &audit_entity, SH_ROUTE_LIST},
};

static const sh_entity *const entities[] = {&audit_entity, &head_entity};

const sh_module sh_audit_module = {
    .name = "audit",
    .label = "审计",
    .routes = routes,
    .nroutes = sizeof routes / sizeof routes[0],
    .migrations = migrations,
    .nmigrations = sizeof migrations / sizeof migrations[0],
    .entities = entities,
    .nentities = sizeof entities / sizeof entities[0],
};
