/* factor.c — storage of second factors and recovery codes, and the TOTP factor
 * (RFC 6238) whose secret is kept encrypted under the field key. See factor.h. */
#include "identity/factor.h"

#include "core/clock.h"
#include "core/keys.h"
#include "identity/totp.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define SEALED_SECRET (SH_TOTP_SECRET_BYTES + SH_SEAL_OVERHEAD)

static void secret_ad(int64_t account_id, char ad[48]) {
    snprintf(ad, 48, "totp:%lld", (long long)account_id);
}

static int totp_enrol_begin(sh_conn *c, int64_t account_id, const char *login, json_t *reply, sh_err *err) {
    unsigned char secret[SH_TOTP_SECRET_BYTES], sealed[SEALED_SECRET];
    char ad[48], b32[SH_TOTP_BASE32_LEN + 8], uri[512];
    sh_totp_new_secret(secret);
    secret_ad(account_id, ad);
    if (sh_seal(SH_KEY_FIELD, ad, secret, sizeof secret, sealed) != SH_OK) {
        sodium_memzero(secret, sizeof secret);
        return sh_err_set(err, 500, "keys_missing", NULL, "服务器密钥未加载");
    }
    sh_base32_encode(secret, sizeof secret, b32);
    int urc = sh_totp_uri("数枢", login, secret, sizeof secret, uri, sizeof uri);
    sodium_memzero(secret, sizeof secret);
    sh_stmt *s =
        sh_prepare(c,
                   "INSERT INTO auth_factor (account_id, kind, state, secret, last_step, created_at)"
                   " VALUES ($1, 'totp', 'pending', $2, 0, $3) ON CONFLICT (account_id, kind, state)"
                   " DO UPDATE SET secret = excluded.secret, last_step = 0, created_at = excluded.created_at",
                   err);
    if (!s)
        goto fail;
    sh_bind_i64(s, 1, account_id);
    sh_bind_blob(s, 2, sealed, sizeof sealed);
    sh_bind_i64(s, 3, sh_now_ms());
    int rc = sh_step(s, err);
    sh_stmt_done(s);
    if (rc == SH_ERR || urc != SH_OK)
        goto fail;
    json_object_set_new(reply, "secret", json_string(b32));
    json_object_set_new(reply, "otpauth_uri", json_string(uri));
    sodium_memzero(b32, sizeof b32);
    return SH_OK;
fail:
    sodium_memzero(b32, sizeof b32);
    return err->status ? SH_ERR : sh_err_set(err, 500, "internal", NULL, "无法生成绑定信息");
}

static int totp_verify(sh_conn *c, int64_t account_id, int pending, const json_t *proof, sh_err *err) {
    const char *code = json_string_value(json_object_get(proof, "code"));
    if (!code)
        return sh_err_set(err, 400, "required", "code", "请输入动态验证码");
    sh_stmt *s =
        sh_prepare(c,
                   "SELECT id, secret, last_step FROM auth_factor WHERE account_id = $1 AND kind = 'totp'"
                   " AND state = $2",
                   err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, account_id);
    sh_bind_text(s, 2, pending ? "pending" : "active", -1);
    int rc = sh_step(s, err);
    unsigned char secret[SH_TOTP_SECRET_BYTES];
    int64_t id = 0, last = 0;
    int opened = SH_ERR;
    if (rc == SH_ROW) {
        char ad[48];
        secret_ad(account_id, ad);
        id = sh_col_i64(s, 0);
        last = sh_col_i64(s, 2);
        if (sh_col_len(s, 1) == SEALED_SECRET)
            opened = sh_unseal(SH_KEY_FIELD, ad, sh_col_blob(s, 1), SEALED_SECRET, secret);
    }
    sh_stmt_done(s);
    if (rc == SH_ERR)
        return SH_ERR;
    if (rc == SH_DONE)
        return sh_err_set(err, 400, "mfa_not_enrolled", NULL,
                          pending ? "请先开始绑定动态验证码" : "账号未绑定动态验证码");
    if (opened != SH_OK)
        return sh_err_set(err, 500, "factor_unreadable", NULL, "动态验证码密钥无法解密（密钥文件不匹配？）");
    int v = sh_totp_verify(secret, sizeof secret, code, sh_now_ms() / 1000, &last);
    sodium_memzero(secret, sizeof secret);
    if (v == SH_TOTP_BAD_FORMAT)
        return sh_err_set(err, 400, "invalid_code", "code", "动态验证码应为 6 位数字");
    if (v == SH_TOTP_REPLAYED)
        return sh_err_set(err, 401, "code_reused", "code", "此验证码已用过，请等待下一个验证码");
    if (v != SH_TOTP_OK)
        return sh_err_set(err, 401, "wrong_code", "code", "动态验证码不正确");
    s = sh_prepare(c, "UPDATE auth_factor SET last_step = $1 WHERE id = $2", err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, last);
    sh_bind_i64(s, 2, id);
    rc = sh_step(s, err);
    sh_stmt_done(s);
    return rc == SH_ERR ? SH_ERR : SH_OK;
}

const sh_factor_kind sh_factor_totp = {"totp", "动态验证码（TOTP）", totp_enrol_begin, totp_verify};

static const sh_factor_kind *const kinds[] = {&sh_factor_totp};

const sh_factor_kind *sh_factor_active(sh_conn *c, int64_t account_id, sh_err *err) {
    sh_stmt *s =
        sh_prepare(c, "SELECT kind FROM auth_factor WHERE account_id = $1 AND state = 'active'", err);
    if (!s)
        return NULL;
    sh_bind_i64(s, 1, account_id);
    const sh_factor_kind *found = NULL;
    if (sh_step(s, err) == SH_ROW)
        for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
            if (strcmp(kinds[i]->kind, sh_col_text(s, 0)) == 0)
                found = kinds[i];
    sh_stmt_done(s);
    return found;
}

int sh_factor_activate(sh_conn *c, int64_t account_id, const sh_factor_kind *k, sh_err *err) {
    sh_stmt *s = sh_prepare(c, "DELETE FROM auth_factor WHERE account_id = $1 AND state = 'active'", err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, account_id);
    int rc = sh_step(s, err);
    sh_stmt_done(s);
    if (rc == SH_ERR)
        return SH_ERR;
    s = sh_prepare(
        c,
        "UPDATE auth_factor SET state = 'active', confirmed_at = $1 WHERE account_id = $2 AND kind = $3"
        " AND state = 'pending'",
        err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, sh_now_ms());
    sh_bind_i64(s, 2, account_id);
    sh_bind_text(s, 3, k->kind, -1);
    rc = sh_step(s, err);
    sh_stmt_done(s);
    return rc == SH_ERR ? SH_ERR : SH_OK;
}

/* Keyed hash of a recovery code as typed: lower case, without spaces and dashes. */
static int code_hash(const char *code, char hex[65]) {
    char norm[32];
    size_t n = 0;
    for (; *code && n < sizeof norm - 1; code++)
        if (*code != '-' && *code != ' ')
            norm[n++] = (char)tolower((unsigned char)*code);
    norm[n] = '\0';
    unsigned char key[SH_KEY_BYTES], h[32];
    if (sh_keys_derive(SH_KEY_RECOVERY, key) != SH_OK) /* survives key rotation: codes are not stored */
        return SH_ERR;
    crypto_generichash(h, sizeof h, (const unsigned char *)norm, n, key, sizeof key);
    sodium_memzero(key, sizeof key);
    sodium_bin2hex(hex, 65, h, sizeof h);
    return SH_OK;
}

int sh_recovery_codes_new(sh_conn *c, int64_t account_id,
                          char codes[SH_RECOVERY_CODES][SH_RECOVERY_CODE_TEXT], sh_err *err) {
    static const char alphabet[] = "abcdefghjkmnpqrstuvwxyz23456789"; /* no 0/o, 1/l/i */
    sh_stmt *s = sh_prepare(c, "DELETE FROM recovery_code WHERE account_id = $1", err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, account_id);
    int rc = sh_step(s, err);
    sh_stmt_done(s);
    if (rc == SH_ERR ||
        !(s = sh_prepare(c, "INSERT INTO recovery_code (account_id, code_hash) VALUES ($1, $2)", err)))
        return SH_ERR;
    for (int i = 0; i < SH_RECOVERY_CODES && rc != SH_ERR; i++) {
        for (int j = 0; j < 9; j++)
            codes[i][j] = j == 4 ? '-' : alphabet[randombytes_uniform(sizeof alphabet - 1)];
        codes[i][9] = '\0';
        char hex[65];
        if (code_hash(codes[i], hex) != SH_OK) {
            rc = sh_err_set(err, 500, "keys_missing", NULL, "服务器密钥未加载");
            break;
        }
        sh_stmt_reset(s);
        sh_bind_i64(s, 1, account_id);
        sh_bind_text(s, 2, hex, -1);
        rc = sh_step(s, err);
    }
    sh_stmt_done(s);
    return rc == SH_ERR ? SH_ERR : SH_OK;
}

int sh_recovery_code_use(sh_conn *c, int64_t account_id, const char *code, sh_err *err) {
    char hex[65];
    if (strlen(code) > 20 || code_hash(code, hex) != SH_OK)
        return sh_err_set(err, 401, "wrong_code", "recovery_code", "恢复码不正确或已用过");
    sh_stmt *s = sh_prepare(c,
                            "UPDATE recovery_code SET used_at = $1 WHERE account_id = $2 AND code_hash = $3"
                            " AND used_at IS NULL",
                            err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, sh_now_ms());
    sh_bind_i64(s, 2, account_id);
    sh_bind_text(s, 3, hex, -1);
    int rc = sh_step(s, err);
    sh_stmt_done(s);
    if (rc == SH_ERR)
        return SH_ERR;
    return sh_changes(c) == 1 ? SH_OK
                              : sh_err_set(err, 401, "wrong_code", "recovery_code", "恢复码不正确或已用过");
}

int sh_factor_totp_enrol_active(sh_conn *c, int64_t account_id, char b32[40], sh_err *err) {
    unsigned char secret[SH_TOTP_SECRET_BYTES], sealed[SEALED_SECRET];
    char ad[48];
    sh_totp_new_secret(secret);
    secret_ad(account_id, ad);
    int sealed_ok = sh_seal(SH_KEY_FIELD, ad, secret, sizeof secret, sealed);
    sh_base32_encode(secret, sizeof secret, b32);
    sodium_memzero(secret, sizeof secret);
    if (sealed_ok != SH_OK)
        return sh_err_set(err, 500, "keys_missing", NULL, "服务器密钥未加载");
    sh_stmt *s = sh_prepare(c,
                            "INSERT INTO auth_factor (account_id, kind, state, secret, last_step, created_at,"
                            " confirmed_at) VALUES ($1, 'totp', 'active', $2, 0, $3, $3)",
                            err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, account_id);
    sh_bind_blob(s, 2, sealed, sizeof sealed);
    sh_bind_i64(s, 3, sh_now_ms());
    int rc = sh_step(s, err);
    sh_stmt_done(s);
    return rc == SH_ERR ? SH_ERR : SH_OK;
}

int sh_factor_rekey(sh_conn *c, unsigned char other[32], long *n, sh_err *err) {
    int64_t after = 0;
    *n = 0;
    for (;;) {
        sh_stmt *s = sh_prepare(
            c, "SELECT id, account_id, secret FROM auth_factor WHERE id > $1 ORDER BY id LIMIT 1", err);
        if (!s)
            return SH_ERR;
        sh_bind_i64(s, 1, after);
        int rc = sh_step(s, err);
        unsigned char secret[SH_TOTP_SECRET_BYTES], sealed[SEALED_SECRET];
        char ad[48];
        int ok = SH_OK;
        if (rc == SH_ROW) {
            after = sh_col_i64(s, 0);
            secret_ad(sh_col_i64(s, 1), ad);
            ok = sh_col_len(s, 2) == SEALED_SECRET
                     ? sh_unseal(SH_KEY_FIELD, ad, sh_col_blob(s, 2), SEALED_SECRET, secret)
                     : SH_ERR;
        }
        sh_stmt_done(s);
        if (rc != SH_ROW)
            return rc == SH_ERR ? SH_ERR : SH_OK;
        if (ok != SH_OK)
            return sh_err_set(err, 500, "decryption_failed", NULL,
                              "动态验证码密钥无法用当前密钥解密（记录 %lld）", (long long)after);
        sh_keys_swap_master(other);
        ok = sh_seal(SH_KEY_FIELD, ad, secret, sizeof secret, sealed);
        sh_keys_swap_master(other);
        sodium_memzero(secret, sizeof secret);
        s = ok == SH_OK ? sh_prepare(c, "UPDATE auth_factor SET secret = $1 WHERE id = $2", err) : NULL;
        if (!s)
            return ok == SH_OK ? SH_ERR : sh_err_set(err, 500, "keys_missing", NULL, "未加载密钥");
        sh_bind_blob(s, 1, sealed, sizeof sealed);
        sh_bind_i64(s, 2, after);
        rc = sh_step(s, err);
        sh_stmt_done(s);
        if (rc == SH_ERR)
            return SH_ERR;
        (*n)++;
    }
}
