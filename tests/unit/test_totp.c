/* test_totp.c — SEC-06: the second factor's codes are RFC 4226/6238 exactly (the
 * RFCs' own test vectors), a code is accepted once (replay protection) and only
 * near the current time step, and typed codes are read the way people type them. */
#include "harness.h"

#include "core/err.h"
#include "identity/totp.h"

static const unsigned char rfc_key[] = "12345678901234567890";

TEST(hotp_rfc4226_vectors) {
    static const uint32_t expect[] = {755224, 287082, 359152, 969429, 338314,
                                      254676, 287922, 162583, 399871, 520489};
    for (uint64_t i = 0; i < 10; i++)
        CHECK(sh_hotp(rfc_key, 20, i, 6) == expect[i]);
}

TEST(totp_rfc6238_sha1_vectors) {
    static const struct {
        int64_t t;
        uint32_t code;
    } v[] = {{59, 94287082},         {1111111109, 7081804},  {1111111111, 14050471},
             {1234567890, 89005924}, {2000000000, 69279037}, {20000000000, 65353130}};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        CHECK(sh_hotp(rfc_key, 20, (uint64_t)(v[i].t / 30), 8) == v[i].code);
}

TEST(base32_rfc4648_vectors_and_errors) {
    char out[64];
    sh_base32_encode((const unsigned char *)"f", 1, out);
    CHECK_STR(out, "MY");
    sh_base32_encode((const unsigned char *)"fo", 2, out);
    CHECK_STR(out, "MZXQ");
    sh_base32_encode((const unsigned char *)"foobar", 6, out);
    CHECK_STR(out, "MZXW6YTBOI");
    unsigned char bin[32];
    CHECK(sh_base32_decode("mzxw 6ytb oi======", bin, sizeof bin) == 6 && memcmp(bin, "foobar", 6) == 0);
    CHECK(sh_base32_decode("MZ1W", bin, sizeof bin) == -1); /* 1 is not base32 */
    CHECK(sh_base32_decode("MZXW6YTBOI", bin, 3) == -1);    /* does not fit */
    unsigned char secret[SH_TOTP_SECRET_BYTES], back[SH_TOTP_SECRET_BYTES];
    sh_totp_new_secret(secret);
    sh_base32_encode(secret, sizeof secret, out);
    CHECK(strlen(out) == SH_TOTP_BASE32_LEN);
    CHECK(sh_base32_decode(out, back, sizeof back) == SH_TOTP_SECRET_BYTES &&
          memcmp(secret, back, sizeof back) == 0);
}

/* The code of step t/30 as a string. */
static void code_at(int64_t t, char out[8]) {
    snprintf(out, 8, "%06u", (unsigned)sh_hotp(rfc_key, 20, (uint64_t)(t / 30), 6));
}

TEST(totp_window_and_replay) {
    const int64_t now = 1700000000; /* step 56666666 */
    char code[8];
    int64_t last = 0;
    code_at(now, code);
    CHECK(sh_totp_verify(rfc_key, 20, code, now, &last) == SH_TOTP_OK);
    CHECK(last == now / 30);
    CHECK(sh_totp_verify(rfc_key, 20, code, now, &last) == SH_TOTP_REPLAYED);
    code_at(now + 30, code); /* next step, a phone slightly ahead */
    CHECK(sh_totp_verify(rfc_key, 20, code, now, &last) == SH_TOTP_OK);
    code_at(now - 30, code); /* an earlier step after a later one was used */
    CHECK(sh_totp_verify(rfc_key, 20, code, now, &last) == SH_TOTP_REPLAYED);
    last = 0;
    CHECK(sh_totp_verify(rfc_key, 20, code, now, &last) == SH_TOTP_OK); /* previous step is in the window */
    code_at(now - 60, code);
    last = 0;
    CHECK(sh_totp_verify(rfc_key, 20, code, now, &last) == SH_TOTP_WRONG); /* two steps away */
    code_at(now + 60, code);
    CHECK(sh_totp_verify(rfc_key, 20, code, now, &last) == SH_TOTP_WRONG);
}

TEST(totp_reads_codes_as_typed) {
    const int64_t now = 1700000000;
    char code[8], typed[64];
    code_at(now, code);
    int64_t last = 0;
    snprintf(typed, sizeof typed, " %.3s %.3s ", code, code + 3);
    CHECK(sh_totp_verify(rfc_key, 20, typed, now, &last) == SH_TOTP_OK);
    /* full-width digits, as a Chinese input method gives them */
    size_t n = 0;
    for (int i = 0; i < 6; i++) {
        typed[n++] = (char)0xEF;
        typed[n++] = (char)0xBC;
        typed[n++] = (char)(0x90 + (code[i] - '0'));
    }
    typed[n] = '\0';
    last = 0;
    CHECK(sh_totp_verify(rfc_key, 20, typed, now, &last) == SH_TOTP_OK);
    static const char *bad[] = {"12345", "1234567", "12a456", "", "１２３", "123-456"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(sh_totp_verify(rfc_key, 20, bad[i], now, &last) == SH_TOTP_BAD_FORMAT);
    CHECK(sh_totp_verify(rfc_key, 20, NULL, now, &last) == SH_TOTP_BAD_FORMAT);
}

TEST(totp_uri_for_authenticator_apps) {
    char uri[200];
    CHECK(sh_totp_uri("数枢", "zhang.san", (const unsigned char *)"foobar", 6, uri, sizeof uri) == SH_OK);
    CHECK_STR(uri, "otpauth://totp/%E6%95%B0%E6%9E%A2:zhang.san?secret=MZXW6YTBOI&issuer=%E6%95%B0%E6%9E%A2"
                   "&algorithm=SHA1&digits=6&period=30");
    CHECK(sh_totp_uri("数枢", "zhang.san", (const unsigned char *)"foobar", 6, uri, 20) == SH_ERR);
}
