/* backup.c — online backup, manifest, verification and restore for SQLite, and
 * the dispatch to the PostgreSQL path (backup_pg.c). See backup.h. */
#include "store/backup.h"

#include "core/alloc.h"
#include "core/clock.h"
#include "store/backend.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

int sh_file_sha256(const char *path, char hex[65], long long *size, sh_err *err) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return sh_err_set(err, 404, "file_not_found", NULL, "无法读取文件 %s", path);
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    unsigned char buf[1 << 16];
    size_t n;
    long long total = 0;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        crypto_hash_sha256_update(&st, buf, n);
        total += (long long)n;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad)
        return sh_err_set(err, 500, "read_failed", NULL, "读取文件 %s 失败", path);
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&st, h);
    sodium_bin2hex(hex, 65, h, sizeof h);
    *size = total;
    return SH_OK;
}

int sh_fsync_path(const char *path) {
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

static int integrity_ok(sqlite3 *h, char *msg, size_t cap) {
    sqlite3_stmt *s;
    int ok = 0;
    if (sqlite3_prepare_v2(h, "PRAGMA integrity_check", -1, &s, NULL) == SQLITE_OK) {
        if (sqlite3_step(s) == SQLITE_ROW) {
            const char *r = (const char *)sqlite3_column_text(s, 0);
            ok = r && strcmp(r, "ok") == 0;
            snprintf(msg, cap, "%s", r ? r : "?");
        }
        sqlite3_finalize(s);
    }
    return ok;
}

/* Row counts per table and schema versions, as a JSON object. */
static json_t *describe(sqlite3 *h) {
    json_t *tables = json_object(), *schema = json_object();
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(
            h, "SELECT name FROM sqlite_schema WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
            -1, &s, NULL) == SQLITE_OK) {
        while (sqlite3_step(s) == SQLITE_ROW) {
            const char *t = (const char *)sqlite3_column_text(s, 0);
            char *q = sqlite3_mprintf("SELECT COUNT(*) FROM \"%w\"", t);
            sqlite3_stmt *c;
            if (q && sqlite3_prepare_v2(h, q, -1, &c, NULL) == SQLITE_OK) {
                if (sqlite3_step(c) == SQLITE_ROW)
                    json_object_set_new(tables, t, json_integer(sqlite3_column_int64(c, 0)));
                sqlite3_finalize(c);
            }
            sqlite3_free(q);
        }
        sqlite3_finalize(s);
    }
    if (sqlite3_prepare_v2(h, "SELECT module, MAX(version) FROM schema_migrations GROUP BY module", -1, &s,
                           NULL) == SQLITE_OK) {
        while (sqlite3_step(s) == SQLITE_ROW)
            json_object_set_new(schema, (const char *)sqlite3_column_text(s, 0),
                                json_integer(sqlite3_column_int64(s, 1)));
        sqlite3_finalize(s);
    }
    return json_pack("{s:o,s:o}", "tables", tables, "schema", schema);
}

/* Finish a backup: fsync part, put its size and SHA-256 with the format, time,
 * file name and store into manifest m, write DEST.manifest.json (through a .part
 * file) and rename part to dest. */
int sh_backup_seal(json_t *m, const char *store, const char *part, const char *dest, sh_err *err) {
    char hex[65], manifest[4200], manifest_part[4300];
    long long size = -1;
    snprintf(manifest, sizeof manifest, "%s.manifest.json", dest);
    snprintf(manifest_part, sizeof manifest_part, "%s.part", manifest);
    if (sh_fsync_path(part) != 0 || sh_file_sha256(part, hex, &size, err) != SH_OK) {
        if (!err || !err->status)
            sh_err_set(err, 500, "backup_failed", NULL, "写入备份失败：%s", strerror(errno));
        return SH_ERR;
    }
    const char *base = strrchr(dest, '/');
    char iso[SH_ISO_LEN];
    sh_fmt_iso_ms(sh_now_ms(), iso);
    json_object_set_new(m, "format", json_string(SH_BACKUP_FORMAT));
    json_object_set_new(m, "created_at", json_string(iso));
    json_object_set_new(m, "file", json_string(base ? base + 1 : dest));
    json_object_set_new(m, "bytes", json_integer(size));
    json_object_set_new(m, "sha256", json_string(hex));
    json_object_set_new(m, "store", json_string(store));
    int rc = SH_OK;
    if (json_dump_file(m, manifest_part, JSON_INDENT(2) | JSON_SORT_KEYS) != 0 ||
        sh_fsync_path(manifest_part) != 0 || rename(part, dest) != 0 ||
        rename(manifest_part, manifest) != 0) {
        rc = sh_err_set(err, 500, "backup_failed", NULL, "写入备份清单失败：%s", strerror(errno));
        unlink(dest);
    }
    unlink(manifest_part);
    return rc;
}

int sh_backup(sh_db *db, const char *dest, sh_err *err) {
    if (sh_db_kind_of(db) == SH_DB_POSTGRES)
        return sh_backup_pg(db, dest, err);
    struct stat st;
    if (stat(dest, &st) == 0)
        return sh_err_set(err, 409, "exists", "dest", "备份文件 %s 已存在，不会覆盖", dest);
    char part[4200];
    snprintf(part, sizeof part, "%s.part", dest);
    unlink(part);
    sqlite3 *src = NULL, *dst = NULL;
    int rc = SH_ERR;
    json_t *m = NULL;
    if (sqlite3_open_v2(sh_db_file(db), &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_open_v2(part, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        sh_err_set(err, 500, "backup_failed", NULL, "无法打开数据库或备份文件：%s",
                   sqlite3_errmsg(dst ? dst : src));
        goto out;
    }
    sqlite3_busy_timeout(src, 10000);
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
    if (!b) {
        sh_err_set(err, 500, "backup_failed", NULL, "无法开始备份：%s", sqlite3_errmsg(dst));
        goto out;
    }
    int s;
    /* one step copies everything inside one read transaction: a consistent snapshot */
    while ((s = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || s == SQLITE_LOCKED)
        sqlite3_sleep(20);
    sqlite3_backup_finish(b);
    if (s != SQLITE_DONE) {
        sh_err_set(err, 500, "backup_failed", NULL, "备份失败：%s", sqlite3_errstr(s));
        goto out;
    }
    sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL); /* a self-contained file */
    char msg[256];
    if (!integrity_ok(dst, msg, sizeof msg)) {
        sh_err_set(err, 500, "backup_corrupt", NULL, "备份副本未通过完整性检查：%s", msg);
        goto out;
    }
    m = describe(dst);
    sqlite3_close(dst);
    dst = NULL;
    if (sh_backup_seal(m, "sqlite", part, dest, err) != SH_OK)
        goto out;
    rc = SH_OK;
out:
    json_decref(m);
    sqlite3_close(dst);
    sqlite3_close(src);
    unlink(part);
    return rc;
}

int sh_backup_verify(const char *backup, sh_err *err) {
    char manifest[4200];
    snprintf(manifest, sizeof manifest, "%s.manifest.json", backup);
    json_error_t je;
    json_t *m = json_load_file(manifest, JSON_REJECT_DUPLICATES, &je);
    if (!m)
        return sh_err_set(err, 400, "manifest_missing", NULL, "找不到或无法读取备份清单 %s", manifest);
    int rc = SH_ERR;
    const char *format = json_string_value(json_object_get(m, "format"));
    const char *want = json_string_value(json_object_get(m, "sha256"));
    json_int_t bytes = json_integer_value(json_object_get(m, "bytes"));
    char hex[65];
    long long size = -1;
    sqlite3 *h = NULL;
    const char *store = json_string_value(json_object_get(m, "store"));
    if (store && strcmp(store, "postgres") == 0) {
        json_decref(m);
        return sh_backup_verify_pg(backup, NULL, err);
    }
    if (!format || strcmp(format, SH_BACKUP_FORMAT) != 0 || !want) {
        sh_err_set(err, 400, "manifest_invalid", NULL, "备份清单格式不正确：%s", manifest);
        goto out;
    }
    if (sh_file_sha256(backup, hex, &size, err) != SH_OK)
        goto out;
    if (size != bytes || strcmp(hex, want) != 0) {
        sh_err_set(err, 400, "checksum_mismatch", NULL,
                   "备份文件与清单不符（大小或 SHA-256 不一致），可能已损坏或被改动");
        goto out;
    }
    char msg[256];
    if (sqlite3_open_v2(backup, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        !integrity_ok(h, msg, sizeof msg)) {
        sh_err_set(err, 400, "backup_corrupt", NULL, "备份文件未通过完整性检查");
        goto out;
    }
    json_t *now = describe(h);
    int same = json_equal(json_object_get(now, "tables"), json_object_get(m, "tables"));
    json_decref(now);
    if (!same) {
        sh_err_set(err, 400, "rowcount_mismatch", NULL, "备份中各表的行数与清单不符");
        goto out;
    }
    rc = SH_OK;
out:
    sqlite3_close(h);
    json_decref(m);
    return rc;
}

static int copy_file(const char *from, const char *to, sh_err *err) {
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    int rc = SH_OK;
    if (!in || !out) {
        rc = sh_err_set(err, 500, "restore_failed", NULL, "无法复制 %s 到 %s：%s", from, to, strerror(errno));
    } else {
        unsigned char buf[1 << 16];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, in)) > 0)
            if (fwrite(buf, 1, n, out) != n) {
                rc = sh_err_set(err, 500, "restore_failed", NULL, "写入 %s 失败：%s", to, strerror(errno));
                break;
            }
        if (rc == SH_OK && (fflush(out) != 0 || fsync(fileno(out)) != 0))
            rc = sh_err_set(err, 500, "restore_failed", NULL, "写入 %s 失败：%s", to, strerror(errno));
    }
    if (in)
        fclose(in);
    if (out)
        fclose(out);
    return rc;
}

int sh_restore(const char *backup, const char *target, sh_err *err) {
    if (sh_db_url_is_postgres(target))
        return sh_restore_pg(backup, target, err);
    if (sh_backup_verify(backup, err) != SH_OK)
        return SH_ERR;
    int lock = -1;
    if (sh_db_claim(target, 1, &lock, err) != SH_OK)
        return SH_ERR;
    char tmp[4200], wal[4200], shm[4200];
    snprintf(tmp, sizeof tmp, "%s.restoring", target);
    snprintf(wal, sizeof wal, "%s-wal", target);
    snprintf(shm, sizeof shm, "%s-shm", target);
    int rc = SH_ERR;
    char want[65], hex[65];
    long long size = -1;
    if (sh_file_sha256(backup, want, &size, err) != SH_OK || copy_file(backup, tmp, err) != SH_OK ||
        sh_file_sha256(tmp, hex, &size, err) != SH_OK)
        goto out;
    if (strcmp(want, hex) != 0) {
        sh_err_set(err, 500, "restore_failed", NULL, "复制后的文件校验不一致，未替换 %s", target);
        goto out;
    }
    unlink(wal);
    unlink(shm);
    if (rename(tmp, target) != 0) {
        sh_err_set(err, 500, "restore_failed", NULL, "替换 %s 失败：%s", target, strerror(errno));
        goto out;
    }
    rc = SH_OK;
out:
    unlink(tmp);
    sh_db_unclaim(lock);
    return rc;
}

/* ---- exclusive claim of a database file by one server or one restore ---- */

int sh_db_claim(const char *file, int exclusive, int *fd, sh_err *err) {
    char path[4200];
    snprintf(path, sizeof path, "%s.lock", file);
    *fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (*fd < 0)
        return sh_err_set(err, 500, "lock_failed", NULL, "无法创建锁文件 %s：%s", path, strerror(errno));
    if (flock(*fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0) {
        close(*fd);
        *fd = -1;
        return sh_err_set(err, 409, "db_in_use", NULL, "数据库 %s 正被运行中的 shushu 服务使用，请先停止服务",
                          file);
    }
    return SH_OK;
}

void sh_db_unclaim(int fd) {
    if (fd >= 0)
        close(fd);
}
