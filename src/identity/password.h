/* password.h — password policy (rules.md §2.4, SEC-02/03) and argon2id hashing.
 *
 * The policy is data with the assessors' defaults: at least 8 characters, 3 of the
 * 4 classes (upper, lower, digit, other), not containing the login, not one of the
 * last 5, changed every 90 days. Hashes are libsodium argon2id strings (salt and
 * cost inside), so a later cost increase re-hashes on the next sign-in. */
#ifndef SH_PASSWORD_H
#define SH_PASSWORD_H

#include "core/err.h"

#include <sodium.h>

#define SH_PASSWORD_HASH_MAX crypto_pwhash_STRBYTES
#define SH_PASSWORD_MAX_LEN 128 /* characters; longer input is refused before hashing */
/* argon2id cost: 3 passes over 64 MiB (stated in the README) */
#define SH_PASSWORD_OPSLIMIT 3ULL
#define SH_PASSWORD_MEMLIMIT (64ULL << 20)

typedef struct sh_password_policy {
    int min_length;   /* characters */
    int min_classes;  /* of upper, lower, digit, other */
    int history;      /* the last N passwords may not be reused */
    int max_age_days; /* a change is forced after this many days */
} sh_password_policy;

void sh_password_policy_defaults(sh_password_policy *p);

/* Check a new password against the policy and the login. Every broken rule is
 * added to err (field "password", Chinese message); SH_OK when none is. The
 * history rule is checked separately (sh_password_verify against old hashes). */
int sh_password_check(const sh_password_policy *p, const char *login, const char *password, sh_err *err);

/* Hash with argon2id at the cost above. SH_ERR when out of memory. */
int sh_password_hash(const char *password, char out[SH_PASSWORD_HASH_MAX], sh_err *err);
/* 1 when password matches hash, 0 otherwise (also for malformed hashes). */
int sh_password_verify(const char *hash, const char *password);
/* 1 when hash was made at another cost and should be re-made after a sign-in. */
int sh_password_needs_rehash(const char *hash);

/* A random one-time password (initial or reset) that meets any allowed policy:
 * 14 characters drawn from all four classes, without look-alike characters. */
#define SH_PASSWORD_GENERATED 14
void sh_password_generate(char out[SH_PASSWORD_GENERATED + 1]);

#endif
