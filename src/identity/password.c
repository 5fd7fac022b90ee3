/* password.c — password policy checks and argon2id hashing. See password.h. */
#include "identity/password.h"

#include <ctype.h>
#include <sodium.h>
#include <string.h>

void sh_password_policy_defaults(sh_password_policy *p) {
    p->min_length = 8;
    p->min_classes = 3;
    p->history = 5;
    p->max_age_days = 90;
}

static size_t utf8_chars(const char *s) {
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* Case-insensitive (ASCII) substring test. */
static int contains_ci(const char *hay, const char *needle) {
    size_t n = strlen(needle);
    if (n == 0)
        return 0;
    for (const char *h = hay; *h; h++) {
        size_t i = 0;
        while (i < n && h[i] && tolower((unsigned char)h[i]) == tolower((unsigned char)needle[i]))
            i++;
        if (i == n)
            return 1;
    }
    return 0;
}

int sh_password_check(const sh_password_policy *p, const char *login, const char *password, sh_err *err) {
    size_t before = sh_err_count(err);
    size_t chars = utf8_chars(password);
    if (chars > SH_PASSWORD_MAX_LEN)
        return sh_err_add(err, 400, "password_too_long", "password", NULL, "密码不能超过 %d 个字符",
                          SH_PASSWORD_MAX_LEN);
    if (chars < (size_t)p->min_length)
        sh_err_add(err, 400, "password_too_short", "password", NULL, "密码至少需要 %d 个字符", p->min_length);
    int upper = 0, lower = 0, digit = 0, other = 0;
    for (const unsigned char *c = (const unsigned char *)password; *c; c++) {
        if (*c < 0x20 || *c == 0x7F)
            return sh_err_add(err, 400, "password_invalid", "password", NULL, "密码不能包含控制字符");
        if (isupper(*c))
            upper = 1;
        else if (islower(*c))
            lower = 1;
        else if (isdigit(*c))
            digit = 1;
        else
            other = 1; /* punctuation, spaces and non-ASCII characters */
    }
    int classes = upper + lower + digit + other;
    if (classes < p->min_classes)
        sh_err_add(err, 400, "password_too_simple", "password", NULL,
                   "密码须包含大写字母、小写字母、数字、其他符号中的至少 %d 类", p->min_classes);
    if (login && strlen(login) >= 3 && contains_ci(password, login))
        sh_err_add(err, 400, "password_contains_login", "password", NULL, "密码不能包含登录名");
    return sh_err_count(err) > before ? SH_ERR : SH_OK;
}

int sh_password_hash(const char *password, char out[SH_PASSWORD_HASH_MAX], sh_err *err) {
    if (crypto_pwhash_str_alg(out, password, strlen(password), SH_PASSWORD_OPSLIMIT,
                              (size_t)SH_PASSWORD_MEMLIMIT, crypto_pwhash_ALG_ARGON2ID13) != 0)
        return sh_err_set(err, 503, "out_of_memory", NULL, "服务器繁忙，暂时无法处理密码，请稍后重试");
    return SH_OK;
}

int sh_password_verify(const char *hash, const char *password) {
    if (!hash || !password || strlen(hash) >= SH_PASSWORD_HASH_MAX)
        return 0;
    return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

int sh_password_needs_rehash(const char *hash) {
    return crypto_pwhash_str_needs_rehash(hash, SH_PASSWORD_OPSLIMIT, (size_t)SH_PASSWORD_MEMLIMIT) != 0;
}

void sh_password_generate(char out[SH_PASSWORD_GENERATED + 1]) {
    static const char *classes[] = {"ABCDEFGHJKMNPQRSTUVWXYZ", "abcdefghjkmnpqrstuvwxyz", "23456789",
                                    "#%+=?@"};
    for (int i = 0; i < 14; i++) {
        const char *cl = classes[i < 4 ? i : i == 13 ? 3 : (int)randombytes_uniform(3)];
        out[i] = cl[randombytes_uniform((uint32_t)strlen(cl))];
    }
    for (int i = 13; i > 0; i--) { /* shuffle so the classes are not in fixed places */
        int j = (int)randombytes_uniform((uint32_t)i + 1);
        char t = out[i];
        out[i] = out[j];
        out[j] = t;
    }
    out[14] = '\0';
}
