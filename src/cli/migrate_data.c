/* migrate_data.c — `shushu migrate-data`: move a deployment from its SQLite file
 * to PostgreSQL. Creates the schema on the target (the modules' migrations),
 * copies every table in one transaction (store/transfer.h), writes the key file
 * for the target (the same keys: encrypted fields and the audit chain are copied
 * as they are), then checksums every table on both sides and prints the table.
 * The source is claimed exclusively (no server may run on it) and only read. */
#include "cli/cli.h"

#include "audit/audit.h"
#include "core/keys.h"
#include "store/backup.h"
#include "store/transfer.h"
#include "system/system.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEY_FILE_MAX 4096

static void progress(void *ctx, const char *table, int64_t done, int64_t total) {
    sh_progress *p = ctx;
    char note[64];
    snprintf(note, sizeof note, "%s %lld/%lld", table, (long long)done, (long long)total);
    sh_progress_at(p, done, total, note);
}

/* The bytes of the source's key file into buf; SH_ERR with a message otherwise. */
static int read_key_file(const char *path, char *buf, size_t cap, size_t *len, sh_err *err) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return sh_err_set(err, 404, "keys_missing", "keys", "找不到源数据库的密钥文件 %s", path);
    *len = fread(buf, 1, cap, f);
    int bad = ferror(f) || *len == cap;
    fclose(f);
    if (bad || !*len)
        return sh_err_set(err, 400, "keys_invalid", "keys", "源数据库的密钥文件 %s 无法读取", path);
    return SH_OK;
}

/* The target's key file: the source's keys. An existing file must hold the same. */
static int write_key_file(const char *path, const char *key, size_t len, int *written, sh_err *err) {
    char have[KEY_FILE_MAX];
    size_t n = 0;
    *written = 0;
    FILE *f = fopen(path, "rb");
    if (f) {
        n = fread(have, 1, sizeof have, f);
        fclose(f);
        if (n == len && memcmp(have, key, len) == 0)
            return SH_OK;
        return sh_err_set(err, 409, "keys_differ", "keys",
                          "目标密钥文件 %s 已存在且与源数据库的密钥不同：请换一个路径或移走它", path);
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return sh_err_set(err, 500, "keys_write_failed", "keys", "无法写入密钥文件 %s：%s", path,
                          strerror(errno));
    int ok = write(fd, key, len) == (ssize_t)len && fsync(fd) == 0;
    close(fd);
    if (!ok) {
        unlink(path);
        return sh_err_set(err, 500, "keys_write_failed", "keys", "无法写入密钥文件 %s：%s", path,
                          strerror(errno));
    }
    *written = 1;
    return SH_OK;
}

/* The verification table on stdout; the number of tables that differ. */
static int verify(sh_conn *src, sh_conn *dst, sh_xfer_plan *plan, sh_err *err) {
    int bad = 0;
    long long rows = 0;
    printf("%-26s %10s %10s  %-16s  %-16s  %s\n", "表", "源行数", "目标行数", "源校验和", "目标校验和",
           "结果");
    for (int i = 0; i < plan->n; i++) {
        sh_xfer_table *t = &plan->t[i];
        if (sh_xfer_checksum(src, t, 0, err) != SH_OK || sh_xfer_checksum(dst, t, 1, err) != SH_OK)
            return -1;
        int same = t->rows[0] == t->rows[1] && strcmp(t->sum[0], t->sum[1]) == 0;
        bad += !same;
        rows += t->rows[0];
        printf("%-26s %10lld %10lld  %.16s  %.16s  %s\n", t->name, (long long)t->rows[0],
               (long long)t->rows[1], t->sum[0], t->sum[1], same ? "一致" : "不一致");
    }
    printf("合计 %d 张表，%lld 行\n", plan->n, rows);
    return bad;
}

static int usage(const sh_opt *opts, const char *why) {
    fprintf(stderr, "shushu migrate-data: %s\n", why);
    sh_cli_usage("migrate-data", "--from SQLITE_PATH --to postgres://… --keys TARGET_KEY_FILE [--force]",
                 opts);
    return 2;
}

int cmd_migrate_data(int argc, char **argv) {
    sh_opt opts[] = {
        {"from", 1, NULL, "源 SQLite 数据库文件（服务须先停止；只读取，不改动）"},
        {"to", 1, NULL, "目标 PostgreSQL 数据库（postgres:// 地址；须为空库）"},
        {"keys", 1, NULL, "目标的密钥文件：写入源数据库的密钥（已存在时须相同）"},
        {"from-keys", 1, NULL, "源数据库的密钥文件，默认为其旁边的 .key 文件"},
        {"force", 0, NULL, "目标已有数据时仍然迁移：先清空目标中本系统的各表"},
        {NULL, 0, NULL, NULL},
    };
    const char *pos[1];
    int npos, rc = sh_cli_parse("migrate-data", argc, argv, opts, pos, 0, &npos);
    if (rc)
        return rc < 0 ? 0 : rc;
    const char *from = sh_cli_get(opts, "from"), *to = sh_cli_get(opts, "to"),
               *keys = sh_cli_get(opts, "keys");
    if (!from || !to || !keys)
        return usage(opts, "需要 --from、--to 和 --keys");
    if (sh_db_url_is_postgres(from) || !sh_db_url_is_postgres(to))
        return usage(opts, "--from 应为 SQLite 文件，--to 应为 postgres:// 地址");
    struct stat st;
    if (stat(from, &st) != 0 || !S_ISREG(st.st_mode)) {
        fprintf(stderr, "迁移失败：源数据库文件 %s 不存在（目标未改动）\n", from);
        return 1;
    }
    sh_err err;
    sh_err_init(&err);
    sh_db *src = NULL, *dst = NULL;
    sh_conn *sc = NULL, *dc = NULL;
    sh_xfer_plan plan = {0};
    char key_path[4200], which[80], key[KEY_FILE_MAX];
    size_t key_len = 0;
    int lock = -1, written = 0;
    const char *state = "目标未改动";
    rc = 1;
    if (sh_db_claim(from, 1, &lock, &err) != SH_OK ||
        sh_keys_path(from, sh_cli_get(opts, "from-keys"), key_path, sizeof key_path, &err) != SH_OK ||
        read_key_file(key_path, key, sizeof key, &key_len, &err) != SH_OK ||
        sh_keys_load(key_path, 0, &err) != SH_OK ||
        sh_db_open(from, SH_DB_READONLY, 1, &src, &err) != SH_OK || !(sc = sh_db_acquire(src, &err)))
        goto fail;
    char fp[65] = "", now[33];
    if (sh_meta_get(sc, "key_fingerprint", fp, sizeof fp, &err) == SH_ERR) {
        sh_err_set(&err, 400, "invalid_source", "from", "%s 不是 shushu 的数据库或已损坏", from);
        goto fail;
    }
    if (fp[0] && (sh_keys_fingerprint(now) != SH_OK || strcmp(fp, now) != 0)) {
        sh_err_set(&err, 400, "key_mismatch", "from-keys", "密钥文件 %s 与源数据库不符", key_path);
        goto fail;
    }
    sh_audit_report audit;
    if (sh_audit_verify(sc, &audit, &err) != SH_OK)
        goto fail;
    if (audit.first_bad) { /* the key decides the chain: a wrong key fails at the first entry */
        sh_err_set(
            &err, 400, "key_mismatch", "from-keys",
            "源数据库的审计链在序号 %lld 处校验失败（%s）：密钥文件 %s 与源数据库不符，或审计日志被改动",
            (long long)audit.first_bad, audit.reason, key_path);
        goto fail;
    }
    if (sh_db_open(to, 0, 1, &dst, &err) != SH_OK || !(dc = sh_db_acquire(dst, &err)) ||
        sh_xfer_target_in_use(sc, dc, which, sizeof which, &err) != SH_OK)
        goto fail;
    int force = sh_cli_get(opts, "force") != NULL;
    if (which[0] && !force) {
        sh_err_set(&err, 409, "target_not_empty", "to",
                   "目标数据库已有数据（表 %s 非空）；确要覆盖请加 --force", which);
        goto fail;
    }
    sh_db_release(dc); /* the migrations take a connection of their own */
    dc = NULL;
    sh_app app = {.modules = sh_modules, .nmodules = sh_nmodules};
    state = "目标库的表结构可能已建立或升级，数据未复制";
    if (sh_app_migrate(&app, dst, &err) != SH_OK || !(dc = sh_db_acquire(dst, &err)) ||
        sh_xfer_same_schema(sc, dc, &err) != SH_OK || sh_xfer_plan_read(sc, dc, &plan, &err) != SH_OK ||
        write_key_file(keys, key, key_len, &written, &err) != SH_OK)
        goto fail;
    state = written ? "复制已整体回滚，目标库的数据与开始前相同；密钥文件已写入"
                    : "复制已整体回滚，目标库的数据与开始前相同";
    sh_progress pg;
    sh_progress_start(&pg, "迁移数据", 1);
    int copied = sh_xfer_copy(sc, dc, &plan, progress, &pg, &err);
    sh_progress_end(&pg);
    if (copied != SH_OK)
        goto fail;
    state = "数据已复制并提交";
    int bad = verify(sc, dc, &plan, &err);
    if (bad < 0)
        goto fail;
    if (bad) {
        sh_err_set(&err, 500, "verify_failed", NULL, "%d 张表两边的行数或校验和不一致", bad);
        state = "数据已提交但未通过校验：请勿使用目标库，查明原因后加 --force 重新迁移";
        goto fail;
    }
    char detail[200];
    snprintf(detail, sizeof detail, "from sqlite, %d tables verified", plan.n);
    sh_db_release(dc);
    dc = NULL;
    if (sh_cli_audit(dst, "data_migrated", 1, "store", detail) != SH_OK)
        fprintf(stderr, "数据已迁移，但无法记入目标库的审计日志\n");
    printf("迁移完成：%s → PostgreSQL，%d 张表逐表校验一致%s；密钥文件 %s\n", from, plan.n,
           which[0] ? "（已覆盖原有数据）" : "", keys);
    rc = 0;
    goto out;
fail:
    sh_cli_error("迁移失败", &err);
    fprintf(stderr, "目标状态：%s\n", state);
out:
    sh_xfer_plan_free(&plan);
    sh_db_release(dc);
    sh_db_release(sc);
    sh_db_close(dst);
    sh_db_close(src);
    sh_db_unclaim(lock);
    sh_keys_unload();
    sh_err_clear(&err);
    return rc;
}
