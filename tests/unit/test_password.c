/* test_password.c — SEC-02: each password rule refuses what it should and accepts
 * what it should, with a Chinese message on field "password"; argon2id hashes
 * verify, carry their cost, and never verify a wrong password. */
#include "harness.h"

#include "identity/password.h"

static int broken(const char *login, const char *password, const char *code) {
    sh_password_policy p;
    sh_password_policy_defaults(&p);
    sh_err e;
    sh_err_init(&e);
    int rc = sh_password_check(&p, login, password, &e);
    int found = 0;
    for (size_t i = 0; i < (e.nmore ? e.nmore : (e.status ? 1 : 0)); i++) {
        const sh_err_item *it = e.nmore ? &e.more[i] : &e.first;
        if (code && strcmp(it->code, code) == 0 && strcmp(it->field, "password") == 0)
            found = 1;
    }
    sh_err_clear(&e);
    return code ? (rc == SH_ERR && found) : rc == SH_ERR;
}

TEST(password_policy_table) {
    /* accepted: 3 or 4 classes, 8+ characters, login absent */
    CHECK(!broken("zhangsan", "Abcdef12", NULL));
    CHECK(!broken("zhangsan", "abcdef1!", NULL));
    CHECK(!broken("zhangsan", "ABCDEF1!", NULL));
    CHECK(!broken("zhangsan", "教育Data2026", NULL)); /* non-ASCII counts as "other" */
    CHECK(!broken("li", "li-Abc123", NULL));          /* logins shorter than 3 are not searched */
    /* each rule on its own */
    CHECK(broken("zhangsan", "Ab1!", "password_too_short"));
    CHECK(broken("zhangsan", "Abc1234", "password_too_short")); /* 7 */
    CHECK(broken("zhangsan", "abcdefgh", "password_too_simple"));
    CHECK(broken("zhangsan", "abcdef12", "password_too_simple")); /* 2 classes */
    CHECK(broken("zhangsan", "ABCDEFGH12", "password_too_simple"));
    CHECK(broken("zhangsan", "X1!ZhangSan", "password_contains_login")); /* case-insensitive */
    CHECK(broken("zhangsan",
                 "Abc\x01"
                 "defg1",
                 "password_invalid"));
    char longpw[200];
    memset(longpw, 'a', 150);
    memcpy(longpw, "A1!", 3);
    longpw[150] = 0;
    CHECK(broken("zhangsan", longpw, "password_too_long"));
    /* all broken rules reported at once */
    sh_password_policy p;
    sh_password_policy_defaults(&p);
    sh_err e;
    sh_err_init(&e);
    CHECK(sh_password_check(&p, "abc", "abc", &e) == SH_ERR);
    CHECK(sh_err_count(&e) == 3);
    CHECK(strstr(e.first.message, "8") != NULL);
    sh_err_clear(&e);
}

TEST(password_hash_verify_and_cost) {
    char h[SH_PASSWORD_HASH_MAX];
    sh_err e;
    sh_err_init(&e);
    REQUIRE(sh_password_hash("Correct-Horse-9", h, &e) == SH_OK);
    CHECK(strncmp(h, "$argon2id$", 10) == 0);
    CHECK(strstr(h, "m=65536,t=3") != NULL);
    CHECK(sh_password_verify(h, "Correct-Horse-9"));
    CHECK(!sh_password_verify(h, "correct-horse-9"));
    CHECK(!sh_password_verify(h, ""));
    CHECK(!sh_password_verify("not a hash", "Correct-Horse-9"));
    CHECK(!sh_password_verify(NULL, "x"));
    CHECK(!sh_password_needs_rehash(h));
    char weak[SH_PASSWORD_HASH_MAX];
    REQUIRE(crypto_pwhash_str_alg(weak, "x", 1, 1, 8192, crypto_pwhash_ALG_ARGON2ID13) == 0);
    CHECK(sh_password_needs_rehash(weak));
    char h2[SH_PASSWORD_HASH_MAX];
    REQUIRE(sh_password_hash("Correct-Horse-9", h2, &e) == SH_OK);
    CHECK(strcmp(h, h2) != 0); /* salted */
}
