/* session.c — sessions in the store, their tokens and CSRF tokens. See session.h. */
#include "identity/session.h"

#include "core/clock.h"
#include "core/keys.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define TOUCH_MS 30000 /* last_seen_at is refreshed at most this often */

static void b64url(const unsigned char *bin, size_t n, char out[SH_TOKEN_TEXT]) {
    sodium_bin2base64(out, SH_TOKEN_TEXT, bin, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

void sh_token_new(char token[SH_TOKEN_TEXT]) {
    unsigned char r[32];
    randombytes_buf(r, sizeof r);
    b64url(r, sizeof r, token);
    sodium_memzero(r, sizeof r);
}

void sh_token_hash(const char *token, char hex[SH_TOKEN_HASH_HEX]) {
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)token, strlen(token), NULL, 0);
    sodium_bin2hex(hex, SH_TOKEN_HASH_HEX, h, sizeof h);
}

int sh_session_csrf(const char *token, char out[SH_TOKEN_TEXT]) {
    unsigned char key[SH_KEY_BYTES], h[32];
    if (sh_keys_derive(SH_KEY_CSRF, key) != SH_OK)
        return SH_ERR;
    crypto_generichash(h, sizeof h, (const unsigned char *)token, strlen(token), key, sizeof key);
    sodium_memzero(key, sizeof key);
    b64url(h, sizeof h, out);
    return SH_OK;
}

int sh_session_create(sh_conn *c, int64_t account_id, const char *stage, const char *ip,
                      const sh_security_policy *p, char token[SH_TOKEN_TEXT], sh_session *out, sh_err *err) {
    char hash[SH_TOKEN_HASH_HEX];
    sh_token_new(token);
    sh_token_hash(token, hash);
    int64_t now = sh_now_ms();
    sh_stmt *s =
        sh_prepare(c,
                   "INSERT INTO session (token_hash, account_id, stage, ip, created_at, last_seen_at,"
                   " expires_at) VALUES ($1, $2, $3, $4, $5, $5, $6) RETURNING id",
                   err);
    if (!s)
        return SH_ERR;
    sh_bind_text(s, 1, hash, -1);
    sh_bind_i64(s, 2, account_id);
    sh_bind_text(s, 3, stage, -1);
    sh_bind_text(s, 4, ip, -1);
    sh_bind_i64(s, 5, now);
    sh_bind_i64(s, 6, now + (int64_t)p->session_hours * 3600000);
    int rc = sh_step(s, err);
    if (rc == SH_ROW) {
        memset(out, 0, sizeof *out);
        out->id = sh_col_i64(s, 0);
        out->account_id = account_id;
        out->created_at = out->last_seen_at = now;
        out->expires_at = now + (int64_t)p->session_hours * 3600000;
        snprintf(out->stage, sizeof out->stage, "%s", stage);
    }
    sh_stmt_done(s);
    return rc == SH_ROW ? SH_OK : SH_ERR;
}

int sh_session_validate(sh_conn *c, sh_session *ses, const sh_security_policy *p, sh_session_end_reason *why,
                        sh_err *err) {
    *why = SH_SESSION_NONE;
    int64_t now = sh_now_ms();
    if (now - ses->last_seen_at >= (int64_t)p->idle_minutes * 60000)
        *why = SH_SESSION_IDLE;
    else if (now >= ses->expires_at)
        *why = SH_SESSION_EXPIRED;
    if (*why != SH_SESSION_NONE)
        return sh_session_end(c, ses->id, 0, *why == SH_SESSION_IDLE ? "idle" : "expired", err) == SH_OK
                   ? SH_DONE
                   : SH_ERR;
    if (now - ses->last_seen_at < TOUCH_MS)
        return SH_ROW;
    sh_stmt *s = sh_prepare(c, "UPDATE session SET last_seen_at = $1 WHERE id = $2", err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, now);
    sh_bind_i64(s, 2, ses->id);
    int rc = sh_step(s, err);
    sh_stmt_done(s);
    if (rc == SH_ERR)
        return SH_ERR;
    ses->last_seen_at = now;
    return SH_ROW;
}

int sh_session_set_stage(sh_conn *c, int64_t id, const char *stage, sh_err *err) {
    sh_stmt *s = sh_prepare(c, "UPDATE session SET stage = $1 WHERE id = $2", err);
    if (!s)
        return SH_ERR;
    sh_bind_text(s, 1, stage, -1);
    sh_bind_i64(s, 2, id);
    int rc = sh_step(s, err);
    sh_stmt_done(s);
    return rc == SH_ERR ? SH_ERR : SH_OK;
}

int sh_session_end(sh_conn *c, int64_t id, int64_t account_id, const char *reason, sh_err *err) {
    sh_stmt *s = sh_prepare(c,
                            id ? "UPDATE session SET ended_at = $1, end_reason = $2 WHERE id = $3"
                               : "UPDATE session SET ended_at = $1, end_reason = $2"
                                 " WHERE account_id = $3 AND ended_at IS NULL",
                            err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, sh_now_ms());
    sh_bind_text(s, 2, reason, -1);
    sh_bind_i64(s, 3, id ? id : account_id);
    int rc = sh_step(s, err);
    sh_stmt_done(s);
    return rc == SH_ERR ? SH_ERR : SH_OK;
}

int sh_session_end_others(sh_conn *c, int64_t account_id, int64_t keep, sh_err *err) {
    sh_stmt *s = sh_prepare(c,
                            "UPDATE session SET ended_at = $1, end_reason = 'password_changed'"
                            " WHERE account_id = $2 AND id <> $3 AND ended_at IS NULL",
                            err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, sh_now_ms());
    sh_bind_i64(s, 2, account_id);
    sh_bind_i64(s, 3, keep);
    int rc = sh_step(s, err);
    sh_stmt_done(s);
    return rc == SH_ERR ? SH_ERR : SH_OK;
}

int sh_session_settled(const sh_session *ses, const sh_security_policy *p, int64_t now) {
    return now - ses->last_seen_at < TOUCH_MS && now - ses->last_seen_at < (int64_t)p->idle_minutes * 60000 &&
           now < ses->expires_at;
}
