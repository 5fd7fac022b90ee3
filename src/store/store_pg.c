/* store_pg.c — the PostgreSQL backend of the store (libpq).
 *
 * Each pooled connection is one libpq session. Statements are prepared on the
 * server under a per-connection name and described once (parameter types, result
 * columns); the generic cache keeps them. Parameters travel as text, except bytes
 * (bytea parameters), which travel in binary. Results come back in text form and
 * are read whole: a statement's rows are held in memory until it is reset, so a
 * row loop may run other statements on the same connection (as on SQLite).
 *
 * Write transactions take one transaction-scoped advisory lock first, so they run
 * one at a time across every process, as SQLite's BEGIN IMMEDIATE does: the
 * modules' read-then-write steps (the audit chain head, natural-key upserts) keep
 * the meaning they have on SQLite. Statements run at READ COMMITTED, so a writer
 * that waited for the lock sees what the previous one committed.
 *
 * A statement with a LIKE runs as the unnamed statement instead (PQexecParams):
 * planned at every execution with its values, because the plan of a substring
 * search depends on the pattern. A prepared one changes to a generic plan after
 * five runs, and the generic plan of `name LIKE '%' || $1 || '%'` walks the primary
 * key and filters every row instead of asking the trigram index (measured in
 * docs/operations.md: 56–100 ms against 4 ms on 200,000 knowledge points).
 *
 * Statement timeouts follow the connection's deadline (SET statement_timeout, sent
 * only when the deadline changes noticeably). Outside a transaction a statement is
 * retried after a serialization failure or deadlock, and once after the session was
 * lost (the connection is reset and its statements prepared again). Inside a
 * transaction nothing is retried: the caller gets 503 and rolls back.
 *
 * The data version other processes' commits are noticed by is a hash of
 * pg_current_snapshot(): the set of transactions that had finished changes only
 * when a transaction that wrote something ends, so an unchanged snapshot means no
 * commit in between (writes of other databases of the cluster raise it too, which
 * only costs a rebuild). Tables written through this connection are marked from the
 * statement's text (INSERT INTO t, UPDATE t, DELETE FROM t; anything else that is
 * not a SELECT marks every table). The server's notices are dropped but for those
 * of Shushu's own SQL, which go to the event log. */
#include "store/backend.h"

#include "core/alloc.h"
#include "core/clock.h"
#include "core/log.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define BOOLOID 16
#define BYTEAOID 17
#define TEXTOID 25
#define MAX_PARAMS 64
#define WRITE_LOCK_KEY "7399170211" /* the advisory lock write transactions take */
#define RETRIES 3

typedef struct pg_conn {
    sh_conn base;
    PGconn *h;
    unsigned next_name;
    unsigned epoch; /* raised on reconnect: statements must be prepared again */
    int64_t changes;
    int timeout_ms;    /* statement_timeout in effect; -1 unknown */
    char dropped[512]; /* names of finalized statements to DEALLOCATE */
} pg_conn;

typedef struct pg_stmt {
    sh_stmt base;
    char name[16];
    unsigned epoch;
    uint64_t writes; /* table slots the statement writes */
    int per_call;    /* planned at each execution, with its values (a LIKE: see the header) */
    int nparams, ncols;
    Oid *types;
    char **names;  /* result column names */
    char **values; /* bound parameters (owned), NULL = SQL NULL */
    int *lengths, *formats;
    PGresult *res;
    int row, nrows, state; /* state: 0 not run, 1 rows, 2 done */
    char **decoded;        /* bytea values of the current row, decoded on demand */
    size_t *decoded_len;
} pg_stmt;

#define PG(c) (((pg_conn *)(c))->h)
#define PC(c) ((pg_conn *)(c))
#define ST(s) ((pg_stmt *)(s))

static int oom(sh_err *err) { return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足"); }

/* The server's message on one line, for the Chinese error text. */
static const char *server_message(PGconn *h, const PGresult *r, char *buf, size_t cap) {
    const char *m = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    snprintf(buf, cap, "%s", m ? m : (h ? PQerrorMessage(h) : "no connection"));
    for (char *p = buf; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    return buf;
}

/* Map a failed result (or a lost session, r NULL) to sh_err, as the SQLite backend does. */
static int fail(PGconn *h, const PGresult *r, sh_err *err, const char *what) {
    char msg[200];
    server_message(h, r, msg, sizeof msg);
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    if (!state || (h && PQstatus(h) == CONNECTION_BAD) || strncmp(state, "08", 2) == 0 ||
        strncmp(state, "57P", 3) == 0)
        return sh_err_set(err, 503, "store_unavailable", NULL, "与数据库的连接中断，请稍后重试（%s）", msg);
    if (strcmp(state, "23505") == 0)
        return sh_err_set(err, 409, "conflict", NULL, "记录已存在（唯一性冲突）");
    if (strcmp(state, "23503") == 0)
        return sh_err_set(err, 409, "reference_violation", NULL, "引用的记录不存在或仍被引用");
    if (strncmp(state, "23", 2) == 0 || strcmp(state, "P0001") == 0)
        return sh_err_set(err, 400, "constraint_violation", NULL, "数据不满足约束：%s", msg);
    if (strcmp(state, "57014") == 0)
        return sh_err_set(err, 503, "query_timeout", NULL, "查询超时，请缩小查询范围后重试");
    if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 || strcmp(state, "55P03") == 0 ||
        strncmp(state, "53", 2) == 0)
        return sh_err_set(err, 503, "store_busy", NULL, "数据库繁忙，请稍后重试");
    if (strcmp(state, "25006") == 0)
        return sh_err_set(err, 503, "store_readonly", NULL, "数据库为只读");
    if (strncmp(state, "22", 2) == 0)
        return sh_err_set(err, 400, "invalid_value", NULL, "数据格式不正确：%s", msg);
    if (strcmp(state, "25P02") == 0)
        return sh_err_set(err, 500, "store_error", NULL, "数据库事务已因先前的错误中止（%s）", what);
    return sh_err_set(err, 500, "store_error", NULL, "数据库错误（%s，%s）：%s", what, state, msg);
}

static int result_ok(const PGresult *r) {
    ExecStatusType st = PQresultStatus(r);
    return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

static int retryable(const PGresult *r) {
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    return state && (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0);
}

/* Notices are dropped ("relation … already exists, skipping"), except those Shushu's
 * own SQL raises for the operator ("shushu: …": a partition made, pg_trgm missing). */
static void notice(void *arg, const char *message) {
    (void)arg;
    const char *own = strstr(message, "shushu: ");
    if (!own)
        return;
    int warning = strncmp(message, "WARNING", 7) == 0;
    own += strlen("shushu: ");
    sh_log(warning ? SH_LOG_WARN : SH_LOG_INFO, "pg_notice", "%.*s", (int)strcspn(own, "\n"), own);
}

/* Run sql without parameters; SH_OK or SH_ERR with err filled. */
static int run_plain(pg_conn *c, const char *sql, sh_err *err, const char *what) {
    PGresult *r = PQexec(c->h, sql);
    int ok = r && result_ok(r);
    if (ok && PQcmdTuples(r)[0])
        c->changes = strtoll(PQcmdTuples(r), NULL, 10);
    if (!ok)
        fail(c->h, r, err, what);
    PQclear(r);
    return ok ? SH_OK : SH_ERR;
}

static int session_setup(pg_conn *c, const sh_db *db, sh_err *err) {
    PQsetNoticeProcessor(c->h, notice, NULL);
    c->timeout_ms = 0;
    c->dropped[0] = '\0';
    if (!(db->flags & SH_DB_READONLY))
        return SH_OK;
    return run_plain(c, "SET default_transaction_read_only = on", err, "open");
}

static int pg_conn_open(sh_db *db, sh_conn **out, sh_err *err) {
    pg_conn *c = sh_calloc(1, sizeof *c);
    if (!c)
        return oom(err);
    const char *keys[] = {"dbname", "fallback_application_name", "client_encoding", NULL};
    const char *vals[] = {db->url, "shushu", "UTF8", NULL};
    c->h = PQconnectdbParams(keys, vals, 1);
    if (!c->h || PQstatus(c->h) != CONNECTION_OK) {
        char msg[200];
        server_message(c->h, NULL, msg, sizeof msg);
        if (strstr(msg, "does not exist"))
            sh_err_set(err, 404, "db_not_found", "db", "PostgreSQL 数据库不存在或无权访问：%s", msg);
        else
            sh_err_set(err, 503, "store_unavailable", "db", "无法连接 PostgreSQL：%s", msg);
        PQfinish(c->h);
        sh_free(c);
        return SH_ERR;
    }
    if (session_setup(c, db, err) != SH_OK) {
        PQfinish(c->h);
        sh_free(c);
        return SH_ERR;
    }
    *out = &c->base;
    return SH_OK;
}

static void pg_conn_close(sh_conn *c) {
    PQfinish(PG(c));
    sh_free(c);
}

/* The session was lost outside a transaction: open it again. Statements are
 * prepared again on their next use (epoch). */
static int reconnect(pg_conn *c) {
    PQreset(c->h);
    if (PQstatus(c->h) != CONNECTION_OK)
        return SH_ERR;
    c->epoch++;
    return session_setup(c, c->base.db, NULL);
}

static int starts_with(const char *sql, const char *word) {
    while (*sql == ' ' || *sql == '\n' || *sql == '\t' || *sql == '(')
        sql++;
    size_t n = strlen(word);
    return strncasecmp(sql, word, n) == 0 && (sql[n] == ' ' || sql[n] == '\n' || sql[n] == ';' || !sql[n]);
}

/* Table slots a statement writes (see the header comment). */
static uint64_t written_tables(const char *sql) {
    static const char *const reads[] = {"SELECT",    "BEGIN",   "COMMIT",     "ROLLBACK", "SET", "SHOW",
                                        "SAVEPOINT", "RELEASE", "DEALLOCATE", "VALUES",   NULL};
    for (const char *const *w = reads; *w; w++)
        if (starts_with(sql, *w))
            return 0;
    static const char *const writes[] = {"INSERT INTO ", "UPDATE ", "DELETE FROM ", NULL};
    while (*sql == ' ' || *sql == '\n')
        sql++;
    for (const char *const *w = writes; *w; w++) {
        size_t n = strlen(*w);
        if (strncasecmp(sql, *w, n) != 0)
            continue;
        char table[64];
        size_t tn = strcspn(sql + n, " (\n;");
        if (!tn || tn >= sizeof table || strchr(sql, ';'))
            break;
        memcpy(table, sql + n, tn);
        table[tn] = '\0';
        return UINT64_C(1) << sh_table_slot(table);
    }
    return ~UINT64_C(0);
}

/* A LIKE in the statement (a pattern from a parameter, as the searches build them). */
static int mentions_like(const char *sql) {
    for (const char *p = sql; *p; p++)
        if ((*p == ' ' || *p == ')') && strncasecmp(p + 1, "LIKE ", 5) == 0)
            return 1;
    return 0;
}

/* DEALLOCATE statements finalized earlier, when the session can take a command. */
static void flush_dropped(pg_conn *c) {
    if (!c->dropped[0] || PQtransactionStatus(c->h) == PQTRANS_INERROR)
        return;
    PQclear(PQexec(c->h, c->dropped));
    c->dropped[0] = '\0';
}

/* A ROLLBACK undoes a SET made inside the transaction: the timeout is unknown then. */
static void after_plain(pg_conn *c, const char *sql) {
    if (starts_with(sql, "ROLLBACK"))
        c->timeout_ms = -1;
}

/* Run SQL without parameters; outside a transaction, again after a lost session
 * (once) or a serialization failure (RETRIES times). */
static int exec_retry(pg_conn *c, const char *sql, sh_err *err) {
    for (int attempt = 0;; attempt++) {
        PGresult *r = PQexec(c->h, sql);
        if (r && result_ok(r)) {
            uint64_t writes = written_tables(sql);
            if (writes) /* a read leaves the count of the last write, as on SQLite */
                c->changes = PQcmdTuples(r)[0] ? strtoll(PQcmdTuples(r), NULL, 10) : 0;
            PQclear(r);
            c->base.dirty |= writes;
            after_plain(c, sql);
            return SH_OK;
        }
        int lost = PQstatus(c->h) == CONNECTION_BAD, again = retryable(r);
        if (!c->base.in_tx &&
            ((lost && attempt == 0 && reconnect(c) == SH_OK) || (again && attempt < RETRIES))) {
            PQclear(r);
            continue;
        }
        fail(c->h, r, err, "exec");
        PQclear(r);
        after_plain(c, sql);
        return SH_ERR;
    }
}

/* Bound the next statement by the connection's deadline: 503 query_timeout when it
 * has passed; else make statement_timeout the time left, unless the timeout in
 * effect is within a quarter of it (so a request's statements send it once, and a
 * long import a handful of times as its time runs down). */
static int apply_deadline(pg_conn *c, sh_err *err) {
    int want = 0;
    if (c->base.deadline_ns) {
        uint64_t now = sh_mono_ns();
        if (now >= c->base.deadline_ns)
            return sh_err_set(err, 503, "query_timeout", NULL, "查询超时，请缩小查询范围后重试");
        uint64_t left = (c->base.deadline_ns - now) / 1000000u;
        want = left > 0 ? (left > 2000000000u ? 2000000000 : (int)left) : 1;
        if (c->timeout_ms > 0 && c->timeout_ms >= want - want / 4 && c->timeout_ms <= want + want / 4)
            return SH_OK;
    } else if (c->timeout_ms == 0) {
        return SH_OK;
    }
    if (PQtransactionStatus(c->h) == PQTRANS_INERROR)
        return SH_OK; /* the statement fails anyway; the rollback comes first */
    char sql[64];
    snprintf(sql, sizeof sql, "SET statement_timeout = %d", want);
    if (exec_retry(c, sql, err) != SH_OK)
        return SH_ERR;
    c->timeout_ms = want;
    return SH_OK;
}

static int pg_exec(sh_conn *base, const char *sql, sh_err *err) {
    pg_conn *c = PC(base);
    return apply_deadline(c, err) == SH_OK ? exec_retry(c, sql, err) : SH_ERR;
}

/* Parameters the SQL never mentions ($3 of "… $1 … $2 … $4") get the type text:
 * SQLite ignores them, PostgreSQL cannot infer a type for them. The rest are
 * inferred by the server (0). Returns how many types are given. */
static int unused_params(const char *sql, Oid types[MAX_PARAMS]) {
    unsigned char seen[MAX_PARAMS + 1] = {0};
    int max = 0;
    for (const char *p = strchr(sql, '$'); p; p = strchr(p + 1, '$')) {
        int n = 0;
        const char *q = p + 1;
        for (; *q >= '0' && *q <= '9' && n <= MAX_PARAMS; q++)
            n = n * 10 + (*q - '0');
        if (n >= 1 && n <= MAX_PARAMS) {
            seen[n] = 1;
            max = n > max ? n : max;
        }
    }
    for (int i = 1; i <= max; i++)
        types[i - 1] = seen[i] ? 0 : TEXTOID;
    return max;
}

/* Prepare s on the server under its name and learn its parameters and columns. */
static int server_prepare(pg_conn *c, pg_stmt *s, sh_err *err) {
    flush_dropped(c);
    Oid types[MAX_PARAMS];
    const char *sql = s->base.sql ? s->base.sql : "";
    int ntypes = unused_params(sql, types);
    PGresult *r = PQprepare(c->h, s->name, sql, ntypes, types);
    if ((!r || !result_ok(r)) && PQstatus(c->h) == CONNECTION_BAD && !c->base.in_tx &&
        reconnect(c) == SH_OK) {
        PQclear(r); /* the session was lost outside a transaction: once more on a new one */
        r = PQprepare(c->h, s->name, sql, ntypes, types);
    }
    if (!r || !result_ok(r)) {
        fail(c->h, r, err, "prepare");
        PQclear(r);
        return SH_ERR;
    }
    PQclear(r);
    s->epoch = c->epoch;
    return SH_OK;
}

static void free_names(pg_stmt *s) {
    for (int i = 0; s->names && i < s->ncols; i++)
        sh_free(s->names[i]);
    sh_free(s->names);
    s->names = NULL;
}

static int describe(pg_conn *c, pg_stmt *s, sh_err *err) {
    PGresult *d = PQdescribePrepared(c->h, s->name);
    if (!d || !result_ok(d)) {
        fail(c->h, d, err, "describe");
        PQclear(d);
        return SH_ERR;
    }
    s->nparams = PQnparams(d);
    s->ncols = PQnfields(d);
    int n = s->nparams > 0 ? s->nparams : 1, m = s->ncols > 0 ? s->ncols : 1;
    s->types = sh_calloc((size_t)n, sizeof *s->types);
    s->values = sh_calloc((size_t)n, sizeof *s->values);
    s->lengths = sh_calloc((size_t)n, sizeof *s->lengths);
    s->formats = sh_calloc((size_t)n, sizeof *s->formats);
    s->names = sh_calloc((size_t)m, sizeof *s->names);
    s->decoded = sh_calloc((size_t)m, sizeof *s->decoded);
    s->decoded_len = sh_calloc((size_t)m, sizeof *s->decoded_len);
    int ok = s->types && s->values && s->lengths && s->formats && s->names && s->decoded && s->decoded_len;
    for (int i = 0; ok && i < s->nparams; i++)
        s->types[i] = PQparamtype(d, i);
    for (int i = 0; ok && i < s->ncols; i++)
        ok = (s->names[i] = sh_strdup(PQfname(d, i))) != NULL;
    PQclear(d);
    return ok ? SH_OK : oom(err);
}

static void clear_row(pg_stmt *s) {
    for (int i = 0; i < s->ncols; i++)
        if (s->decoded[i]) {
            sh_free(s->decoded[i]);
            s->decoded[i] = NULL;
        }
}

static void clear_bindings(pg_stmt *s) {
    for (int i = 0; i < s->nparams; i++) {
        sh_free(s->values[i]);
        s->values[i] = NULL;
        s->lengths[i] = s->formats[i] = 0;
    }
}

static void pg_finalize(sh_stmt *base) {
    pg_stmt *s = ST(base);
    pg_conn *c = PC(base->conn);
    if (c && s->epoch == c->epoch && strlen(c->dropped) + 32 < sizeof c->dropped) {
        size_t n = strlen(c->dropped);
        snprintf(c->dropped + n, sizeof c->dropped - n, "DEALLOCATE %s;", s->name);
    }
    PQclear(s->res);
    if (s->values)
        clear_bindings(s);
    if (s->decoded)
        clear_row(s);
    free_names(s);
    sh_free(s->types);
    sh_free(s->values);
    sh_free(s->lengths);
    sh_free(s->formats);
    sh_free(s->decoded);
    sh_free(s->decoded_len);
    sh_free(s);
}

static sh_stmt *pg_prepare(sh_conn *base, const char *sql, sh_err *err) {
    pg_conn *c = PC(base);
    pg_stmt *s = sh_calloc(1, sizeof *s);
    if (!s) {
        oom(err);
        return NULL;
    }
    snprintf(s->name, sizeof s->name, "s%u", ++c->next_name);
    s->base.conn = base;
    s->base.sql = (char *)sql; /* only while preparing; store.c sets its own copy */
    s->writes = written_tables(sql);
    s->per_call = mentions_like(sql);
    int rc = server_prepare(c, s, err);
    s->base.sql = NULL;
    if (rc != SH_OK) {
        sh_free(s);
        return NULL;
    }
    if (describe(c, s, err) != SH_OK) {
        pg_finalize(&s->base);
        return NULL;
    }
    return &s->base;
}

static void pg_reset(sh_stmt *base) {
    pg_stmt *s = ST(base);
    clear_row(s);
    PQclear(s->res);
    s->res = NULL;
    s->state = 0;
    s->row = s->nrows = 0;
    clear_bindings(s);
}

/* Keep a copy of a parameter value (n is 1-based). */
static int put(sh_stmt *base, int n, const void *v, size_t len, int binary) {
    pg_stmt *s = ST(base);
    if (n < 1 || n > s->nparams)
        return SH_ERR;
    char *copy = sh_malloc(len + 1);
    if (!copy)
        return SH_ERR;
    memcpy(copy, v, len);
    copy[len] = '\0';
    sh_free(s->values[n - 1]);
    s->values[n - 1] = copy;
    s->lengths[n - 1] = (int)len;
    s->formats[n - 1] = binary;
    return SH_OK;
}

static int pg_bind_i64(sh_stmt *s, int n, int64_t v) {
    char t[24];
    int len = snprintf(t, sizeof t, "%lld", (long long)v);
    return put(s, n, t, (size_t)len, 0);
}
static int pg_bind_double(sh_stmt *s, int n, double v) {
    char t[40];
    int len = snprintf(t, sizeof t, "%.17g", v);
    return put(s, n, t, (size_t)len, 0);
}
/* Text into a bytea parameter is its bytes, as SQLite stores text in a BLOB column. */
static int pg_bind_text(sh_stmt *s, int n, const char *v, size_t len) {
    int bytes = n >= 1 && n <= ST(s)->nparams && ST(s)->types[n - 1] == BYTEAOID;
    return put(s, n, v, len, bytes);
}
static int pg_bind_blob(sh_stmt *s, int n, const void *v, size_t len) {
    return put(s, n, v ? v : "", len, 1);
}
static int pg_bind_null(sh_stmt *s, int n) {
    pg_stmt *q = ST(s);
    if (n < 1 || n > q->nparams)
        return SH_ERR;
    sh_free(q->values[n - 1]);
    q->values[n - 1] = NULL;
    return SH_OK;
}

static PGresult *execute(pg_conn *c, pg_stmt *s, sh_err *err) {
    if (s->per_call) /* the unnamed statement: parsed and planned with these values */
        return PQexecParams(c->h, s->base.sql, s->nparams, s->types, (const char *const *)s->values,
                            s->lengths, s->formats, 0);
    if (s->epoch != c->epoch && server_prepare(c, s, err) != SH_OK)
        return NULL;
    return PQexecPrepared(c->h, s->name, s->nparams, (const char *const *)s->values, s->lengths, s->formats,
                          0);
}

static int run(pg_conn *c, pg_stmt *s, sh_err *err) {
    if (apply_deadline(c, err) != SH_OK)
        return SH_ERR;
    for (int attempt = 0;; attempt++) {
        sh_err prep;
        sh_err_init(&prep);
        PGresult *r = execute(c, s, &prep);
        if (r && result_ok(r)) {
            sh_err_clear(&prep);
            s->res = r;
            s->nrows = PQresultStatus(r) == PGRES_TUPLES_OK ? PQntuples(r) : 0;
            if (s->writes) /* a read leaves the count of the last write, as on SQLite */
                c->changes = PQcmdTuples(r)[0] ? strtoll(PQcmdTuples(r), NULL, 10) : 0;
            s->base.conn->dirty |= s->writes;
            return SH_OK;
        }
        int lost = PQstatus(c->h) == CONNECTION_BAD, again = r && retryable(r);
        if (!c->base.in_tx &&
            ((lost && attempt == 0 && reconnect(c) == SH_OK) || (again && attempt < RETRIES))) {
            PQclear(r);
            sh_err_clear(&prep);
            if (again) {
                struct timespec ts = {0, (long)(5000000L << attempt)};
                nanosleep(&ts, NULL);
            }
            continue;
        }
        if (r || !prep.status)
            fail(c->h, r, err, "step");
        else if (err) {
            sh_err_clear(err);
            *err = prep; /* hands over the detail list */
            sh_err_init(&prep);
        }
        sh_err_clear(&prep);
        PQclear(r);
        return SH_ERR;
    }
}

static int pg_step(sh_stmt *base, sh_err *err) {
    pg_stmt *s = ST(base);
    pg_conn *c = PC(base->conn);
    clear_row(s);
    if (s->state == 2) { /* stepping past the end runs it again, as on SQLite */
        PQclear(s->res);
        s->res = NULL;
        s->state = 0;
    }
    if (s->state == 0) {
        if (run(c, s, err) != SH_OK)
            return SH_ERR;
        s->state = 1;
        s->row = 0;
    } else {
        s->row++;
    }
    if (s->row < s->nrows)
        return SH_ROW;
    s->state = 2;
    return SH_DONE;
}

static int on_row(const pg_stmt *s, int col) {
    return s->res && s->row < s->nrows && col >= 0 && col < s->ncols;
}

static int pg_col_count(sh_stmt *s) { return ST(s)->ncols; }
static const char *pg_col_name(sh_stmt *s, int col) {
    return col >= 0 && col < ST(s)->ncols ? ST(s)->names[col] : NULL;
}
static int pg_col_is_null(sh_stmt *s, int col) {
    return !on_row(ST(s), col) || PQgetisnull(ST(s)->res, ST(s)->row, col);
}

/* The value of a bytea column, decoded once per row and NUL-terminated. */
static const char *bytes_of(pg_stmt *s, int col) {
    if (!s->decoded[col]) {
        size_t n = 0;
        unsigned char *raw = PQunescapeBytea((const unsigned char *)PQgetvalue(s->res, s->row, col), &n);
        char *copy = raw ? sh_malloc(n + 1) : NULL;
        if (copy) {
            memcpy(copy, raw, n);
            copy[n] = '\0';
        }
        PQfreemem(raw);
        s->decoded[col] = copy;
        s->decoded_len[col] = copy ? n : 0;
    }
    return s->decoded[col];
}

static const char *pg_col_text(sh_stmt *base, int col) {
    pg_stmt *s = ST(base);
    if (pg_col_is_null(base, col))
        return NULL;
    Oid t = PQftype(s->res, col);
    if (t == BYTEAOID)
        return bytes_of(s, col);
    const char *v = PQgetvalue(s->res, s->row, col);
    if (t == BOOLOID) /* as an integer, like SQLite's 0 and 1 */
        return v[0] == 't' ? "1" : "0";
    return v;
}
static int64_t pg_col_i64(sh_stmt *s, int col) {
    const char *v = pg_col_text(s, col);
    return v ? strtoll(v, NULL, 10) : 0;
}
static double pg_col_double(sh_stmt *s, int col) {
    const char *v = pg_col_text(s, col);
    return v ? strtod(v, NULL) : 0.0;
}
static size_t pg_col_len(sh_stmt *base, int col) {
    pg_stmt *s = ST(base);
    const char *v = pg_col_text(base, col);
    if (!v)
        return 0;
    return PQftype(s->res, col) == BYTEAOID ? s->decoded_len[col] : strlen(v);
}
static const void *pg_col_blob(sh_stmt *s, int col) { return pg_col_text(s, col); }
static int64_t pg_changes(sh_conn *c) { return PC(c)->changes; }
static int pg_autocommit(sh_conn *c) {
    PGTransactionStatusType t = PQtransactionStatus(PG(c));
    return t == PQTRANS_IDLE || t == PQTRANS_UNKNOWN;
}

/* FNV-1a of the current snapshot's text: see the header comment. */
static int pg_data_version(sh_conn *base, int64_t *out, sh_err *err) {
    pg_conn *c = PC(base);
    PGresult *r = PQexec(c->h, "SELECT pg_current_snapshot()::text");
    if ((!r || !result_ok(r)) && PQstatus(c->h) == CONNECTION_BAD && reconnect(c) == SH_OK) {
        PQclear(r);
        r = PQexec(c->h, "SELECT pg_current_snapshot()::text");
    }
    if (!r || PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
        fail(c->h, r, err, "data_version");
        PQclear(r);
        return SH_ERR;
    }
    uint64_t h = 1469598103934665603ull;
    for (const char *p = PQgetvalue(r, 0, 0); *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    PQclear(r);
    *out = (int64_t)(h >> 1);
    return SH_OK;
}

/* ---- COPY … FROM STDIN (sh_copy_begin) ---- */

static int pg_copy_begin(sh_conn *base, const char *sql, sh_err *err) {
    pg_conn *c = PC(base);
    if (apply_deadline(c, err) != SH_OK)
        return SH_ERR;
    PGresult *r = PQexec(c->h, sql);
    int ok = r && PQresultStatus(r) == PGRES_COPY_IN;
    if (!ok)
        fail(c->h, r, err, "copy");
    PQclear(r);
    return ok ? SH_OK : SH_ERR;
}

static int pg_copy_data(sh_conn *base, const char *data, size_t len, sh_err *err) {
    pg_conn *c = PC(base);
    while (len) { /* PQputCopyData takes an int length */
        int part = len > (1u << 30) ? 1 << 30 : (int)len;
        if (PQputCopyData(c->h, data, part) != 1)
            return fail(c->h, NULL, err, "copy");
        data += part;
        len -= (size_t)part;
    }
    return SH_OK;
}

/* End the copy and read its outcome (a constraint broken by a row comes here). */
static int pg_copy_end(sh_conn *base, int abort, sh_err *err) {
    pg_conn *c = PC(base);
    int sent = PQputCopyEnd(c->h, abort ? "copy given up" : NULL) == 1, ok = sent && !abort;
    PGresult *r;
    while ((r = PQgetResult(c->h)) != NULL) {
        if (PQresultStatus(r) == PGRES_COMMAND_OK) {
            c->changes = PQcmdTuples(r)[0] ? strtoll(PQcmdTuples(r), NULL, 10) : 0;
        } else if (ok) {
            fail(c->h, r, err, "copy");
            ok = 0;
        }
        PQclear(r);
    }
    if (!sent)
        fail(c->h, NULL, err, "copy");
    return ok ? SH_OK : SH_ERR;
}

const sh_db_ops sh_pg_ops = {
    .name = "postgres",
    .kind = SH_DB_POSTGRES,
    .conn_open = pg_conn_open,
    .conn_close = pg_conn_close,
    .exec = pg_exec,
    .prepare = pg_prepare,
    .finalize = pg_finalize,
    .reset = pg_reset,
    .bind_i64 = pg_bind_i64,
    .bind_double = pg_bind_double,
    .bind_text = pg_bind_text,
    .bind_blob = pg_bind_blob,
    .bind_null = pg_bind_null,
    .step = pg_step,
    .col_count = pg_col_count,
    .col_name = pg_col_name,
    .col_is_null = pg_col_is_null,
    .col_i64 = pg_col_i64,
    .col_double = pg_col_double,
    .col_text = pg_col_text,
    .col_len = pg_col_len,
    .col_blob = pg_col_blob,
    .changes = pg_changes,
    .autocommit = pg_autocommit,
    .data_version = pg_data_version,
    .copy_begin = pg_copy_begin,
    .copy_data = pg_copy_data,
    .copy_end = pg_copy_end,
    .begin_sql = "BEGIN",
    .begin_write_sql = "BEGIN; SELECT pg_advisory_xact_lock(" WRITE_LOCK_KEY ")",
    .list_tables_sql =
        "SELECT c.relname FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace"
        " AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY 1",
    .table_columns_sql = "SELECT a.attname FROM pg_attribute a WHERE a.attrelid = to_regclass($1)"
                         " AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
};
