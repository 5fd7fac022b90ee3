/* keys.c — `shushu keys rotate`: a new master key for field encryption, lookup
 * hashes and CSRF, everything stored re-encrypted and re-hashed under it in one
 * transaction, the audit chain's key carried over (core/keys.h explains the key
 * file and how an interrupted rotation is settled). The server must be stopped:
 * the command takes the database's exclusive claim, as a restore does. */
#include "cli/cli.h"

#include "audit/audit.h"
#include "core/keys.h"
#include "identity/factor.h"
#include "model/rekey.h"
#include "roster/persons.h"
#include "store/backup.h"
#include "system/system.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

/* Everything under the new key, in the caller's transaction; the new master is
 * in use afterwards (and m holds the old one) when it succeeds. */
static int rotate(sh_conn *c, unsigned char m[SH_KEY_BYTES], long counts[3], int *swapped, sh_err *err) {
    char fp[33], detail[160];
    if (sh_rekey_entities(c, m, &counts[0], err) != SH_OK || sh_factor_rekey(c, m, &counts[1], err) != SH_OK)
        return SH_ERR;
    sh_keys_swap_master(m);
    *swapped = 1;
    if (sh_person_match_rehash(c, &counts[2], err) != SH_OK || sh_keys_fingerprint(fp) != SH_OK ||
        sh_meta_set(c, "key_fingerprint", fp, err) != SH_OK)
        return SH_ERR;
    snprintf(detail, sizeof detail, "重新加密 %ld 个字段值、%ld 个动态验证码密钥，重算 %ld 个查重摘要",
             counts[0], counts[1], counts[2]);
    sh_audit_event ev = {.event = "key_rotate", .ok = 1, .actor = "cli", .object = "keys", .detail = detail};
    return sh_audit_write(c, &ev, err);
}

int cmd_keys(int argc, char **argv) {
    sh_opt opts[] = {
        {"db", 1, NULL, "数据库（服务须先停止）"},
        {"keys", 1, NULL, "密钥文件，默认为数据库旁的 .key 文件"},
        {NULL, 0, NULL, NULL},
    };
    const char *pos[1];
    int npos, rc = sh_cli_parse("keys", argc, argv, opts, pos, 1, &npos);
    if (rc)
        return rc < 0 ? 0 : rc;
    const char *db = sh_cli_get(opts, "db");
    if (npos != 1 || strcmp(pos[0], "rotate") != 0 || !db) {
        fprintf(stderr, "shushu keys: 用法为 shushu keys rotate --db PATH [--keys PATH]\n");
        sh_cli_usage("keys", "rotate --db PATH [--keys PATH]", opts);
        return 2;
    }
    sh_app app = {0};
    sh_cli_config(&app.cfg);
    app.cfg.key_file = sh_cli_get(opts, "keys");
    sh_err err;
    sh_err_init(&err);
    int lock = -1, swapped = 0, pending = 0;
    unsigned char m[SH_KEY_BYTES];
    char path[4200];
    long counts[3] = {0, 0, 0};
    sh_conn *c = NULL;
    sh_keys_new_master(m);
    rc = 1;
    /* the claim keeps servers on an SQLite file away; on PostgreSQL the servers must
     * be stopped by the operator (docs/operations.md) */
    if ((!sh_db_url_is_postgres(db) && sh_db_claim(db, 1, &lock, &err) != SH_OK) ||
        sh_app_init(&app, &err) != SH_OK || sh_app_open_store(&app, db, 0, &err) != SH_OK ||
        sh_keys_path(sh_db_file(app.db), app.cfg.key_file, path, sizeof path, &err) != SH_OK) {
        sh_cli_error("无法轮换密钥", &err);
        goto done;
    }
    if (sh_keys_write_pending(path, m, &err) != SH_OK) {
        sh_cli_error("无法轮换密钥（未做任何改动）", &err);
        goto done;
    }
    pending = 1;
    if (!(c = sh_db_acquire(app.db, &err)) || sh_begin_write(c, &err) != SH_OK) {
        sh_cli_error("无法轮换密钥（未做任何改动）", &err);
        goto done;
    }
    if (rotate(c, m, counts, &swapped, &err) != SH_OK || sh_commit(c, &err) != SH_OK) {
        sh_rollback(c);
        sh_cli_error("无法轮换密钥（未做任何改动）", &err);
        goto done;
    }
    pending = 0; /* committed: the pending file is the key now, whatever happens next */
    if (sh_keys_commit_file(path, &err) != SH_OK) {
        sh_cli_error("数据已用新密钥加密，但密钥文件未能替换；下次打开数据库时会自动完成", &err);
        goto done;
    }
    printf(
        "密钥已轮换：重新加密 %ld 个字段值、%ld 个动态验证码密钥，重算 %ld 个查重摘要；审计链密钥保持不变 → %s\n",
        counts[0], counts[1], counts[2], path);
    rc = 0;
done:
    if (pending) { /* nothing committed: the old key stays, the new one goes */
        if (swapped)
            sh_keys_swap_master(m);
        sh_err e2;
        sh_err_init(&e2);
        sh_keys_settle(path, NULL, &e2);
        sh_err_clear(&e2);
    }
    sodium_memzero(m, sizeof m);
    sh_db_release(c);
    sh_app_close(&app);
    sh_db_unclaim(lock);
    sh_err_clear(&err);
    return rc;
}
