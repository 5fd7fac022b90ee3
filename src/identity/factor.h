/* factor.h — second factors (SEC-06). A factor kind is a small table of
 * functions, so a certificate factor (SM2 USB key) can be added beside TOTP
 * without touching sign-in: sign-in asks the account's active factor to verify
 * the proof the client sent. Recovery codes stand in for a lost device. */
#ifndef SH_FACTOR_H
#define SH_FACTOR_H

#include "store/store.h"

#include <jansson.h>

#define SH_RECOVERY_CODES 10
#define SH_RECOVERY_CODE_TEXT 10 /* "abcd-efgh" */

typedef struct sh_factor_kind {
    const char *kind;  /* stored in auth_factor.kind: "totp" */
    const char *label; /* Chinese */
    /* Start (or restart) enrolment: keep pending secret material and put what the
     * person needs (secret, otpauth URI) into reply. */
    int (*enrol_begin)(sh_conn *c, int64_t account_id, const char *login, json_t *reply, sh_err *err);
    /* Check a proof against the pending (enrolling) or active factor. */
    int (*verify)(sh_conn *c, int64_t account_id, int pending, const json_t *proof, sh_err *err);
} sh_factor_kind;

extern const sh_factor_kind sh_factor_totp;

/* The account's active factor kind, or NULL when it has none (SH_ERR on failure
 * is reported through err with NULL). */
const sh_factor_kind *sh_factor_active(sh_conn *c, int64_t account_id, sh_err *err);
/* Make the pending factor active, replacing any earlier one. */
int sh_factor_activate(sh_conn *c, int64_t account_id, const sh_factor_kind *k, sh_err *err);
/* New recovery codes (the old ones stop working); codes receives them for display. */
int sh_recovery_codes_new(sh_conn *c, int64_t account_id,
                          char codes[SH_RECOVERY_CODES][SH_RECOVERY_CODE_TEXT], sh_err *err);
/* Use one recovery code: SH_OK when it was valid and unused (it is then spent). */
int sh_recovery_code_use(sh_conn *c, int64_t account_id, const char *code, sh_err *err);

/* Give an account an active TOTP factor at once (demo accounts, whose secrets are
 * written to the demo CSV); b32 receives the secret in base32. */
int sh_factor_totp_enrol_active(sh_conn *c, int64_t account_id, char b32[40], sh_err *err);

/* Key rotation: re-seal every second-factor secret, opened under the master key
 * in use and sealed under `other` (core/keys.h sh_keys_swap_master), inside the
 * caller's write transaction. *n gets how many. SH_ERR when one does not open. */
int sh_factor_rekey(sh_conn *c, unsigned char other[32], long *n, sh_err *err);

#endif
