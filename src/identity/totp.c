/* totp.c — RFC 6238/4226 codes with OpenSSL's HMAC-SHA1, base32 and the otpauth
 * URI. See totp.h. */
#include "identity/totp.h"

#include "core/err.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

static const char b32_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

void sh_totp_new_secret(unsigned char secret[SH_TOTP_SECRET_BYTES]) {
    randombytes_buf(secret, SH_TOTP_SECRET_BYTES);
}

void sh_base32_encode(const unsigned char *in, size_t n, char *out) {
    size_t o = 0;
    unsigned buffer = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        buffer = (buffer << 8) | in[i];
        bits += 8;
        while (bits >= 5) {
            out[o++] = b32_alphabet[(buffer >> (bits - 5)) & 31];
            bits -= 5;
        }
    }
    if (bits > 0)
        out[o++] = b32_alphabet[(buffer << (5 - bits)) & 31];
    out[o] = '\0';
}

int sh_base32_decode(const char *in, unsigned char *out, size_t cap) {
    size_t o = 0;
    unsigned buffer = 0;
    int bits = 0;
    for (; *in; in++) {
        char ch = *in;
        if (ch == ' ' || ch == '=')
            continue;
        if (ch >= 'a' && ch <= 'z')
            ch = (char)(ch - 'a' + 'A');
        const char *p = strchr(b32_alphabet, ch);
        if (!p || !ch)
            return -1;
        buffer = (buffer << 5) | (unsigned)(p - b32_alphabet);
        bits += 5;
        if (bits >= 8) {
            if (o == cap)
                return -1;
            out[o++] = (unsigned char)((buffer >> (bits - 8)) & 0xFF);
            bits -= 8;
        }
    }
    return (int)o;
}

uint32_t sh_hotp(const unsigned char *key, size_t keylen, uint64_t counter, int digits) {
    unsigned char msg[8], mac[EVP_MAX_MD_SIZE];
    unsigned maclen = 0;
    for (int i = 7; i >= 0; i--, counter >>= 8)
        msg[i] = (unsigned char)(counter & 0xFF);
    HMAC(EVP_sha1(), key, (int)keylen, msg, sizeof msg, mac, &maclen);
    int off = mac[maclen - 1] & 0x0F;
    uint32_t bin = ((uint32_t)(mac[off] & 0x7F) << 24) | ((uint32_t)mac[off + 1] << 16) |
                   ((uint32_t)mac[off + 2] << 8) | mac[off + 3];
    sodium_memzero(mac, sizeof mac);
    uint32_t mod = 1;
    for (int i = 0; i < digits; i++)
        mod *= 10;
    return bin % mod;
}

/* The six digits a person typed: spaces dropped, full-width digits (U+FF10…FF19) made ASCII. */
static int normalise_code(const char *in, char out[SH_TOTP_DIGITS + 1]) {
    int n = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p;) {
        int d = -1;
        if (*p == ' ' || *p == '\t') {
            p++;
            continue;
        }
        if (*p >= '0' && *p <= '9') {
            d = *p - '0';
            p++;
        } else if (p[0] == 0xEF && p[1] == 0xBC && p[2] >= 0x90 && p[2] <= 0x99) {
            d = p[2] - 0x90;
            p += 3;
        } else {
            return SH_ERR;
        }
        if (n == SH_TOTP_DIGITS)
            return SH_ERR;
        out[n++] = (char)('0' + d);
    }
    out[n] = '\0';
    return n == SH_TOTP_DIGITS ? SH_OK : SH_ERR;
}

int sh_totp_verify(const unsigned char *secret, size_t secretlen, const char *code, int64_t unix_seconds,
                   int64_t *last_step) {
    char typed[SH_TOTP_DIGITS + 1];
    if (!code || normalise_code(code, typed) != SH_OK)
        return SH_TOTP_BAD_FORMAT;
    int64_t now = unix_seconds / SH_TOTP_PERIOD;
    int replayed = 0;
    /* latest step first, so a code matching a fresh step wins over an old one */
    for (int64_t step = now + SH_TOTP_WINDOW; step >= now - SH_TOTP_WINDOW; step--) {
        char expect[SH_TOTP_DIGITS + 1];
        snprintf(expect, sizeof expect, "%0*u", SH_TOTP_DIGITS,
                 (unsigned)sh_hotp(secret, secretlen, (uint64_t)step, SH_TOTP_DIGITS));
        if (sodium_memcmp(expect, typed, SH_TOTP_DIGITS) != 0)
            continue;
        if (step <= *last_step) {
            replayed = 1;
            continue;
        }
        *last_step = step;
        return SH_TOTP_OK;
    }
    return replayed ? SH_TOTP_REPLAYED : SH_TOTP_WRONG;
}

static int put_encoded(const char *s, char *out, size_t cap, size_t *o) {
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        int plain = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
                    *p == '-' || *p == '.' || *p == '_' || *p == '~';
        if (*o + (plain ? 1 : 3) >= cap)
            return SH_ERR;
        if (plain) {
            out[(*o)++] = (char)*p;
        } else {
            out[(*o)++] = '%';
            out[(*o)++] = hex[*p >> 4];
            out[(*o)++] = hex[*p & 15];
        }
    }
    out[*o] = '\0';
    return SH_OK;
}

int sh_totp_uri(const char *issuer, const char *login, const unsigned char *secret, size_t secretlen,
                char *out, size_t cap) {
    char b32[128];
    if (secretlen > 64)
        return SH_ERR;
    sh_base32_encode(secret, secretlen, b32);
    size_t o = 0;
    int rc = SH_OK;
    int w = snprintf(out, cap, "otpauth://totp/");
    if (w < 0 || (size_t)w >= cap)
        return SH_ERR;
    o = (size_t)w;
    rc |= put_encoded(issuer, out, cap, &o);
    rc |= o + 1 < cap ? (out[o++] = ':', out[o] = '\0', SH_OK) : SH_ERR;
    rc |= put_encoded(login, out, cap, &o);
    if (rc != SH_OK)
        return SH_ERR;
    w = snprintf(out + o, cap - o, "?secret=%s&issuer=", b32);
    if (w < 0 || (size_t)w >= cap - o)
        return SH_ERR;
    o += (size_t)w;
    if (put_encoded(issuer, out, cap, &o) != SH_OK)
        return SH_ERR;
    w = snprintf(out + o, cap - o, "&algorithm=SHA1&digits=%d&period=%d", SH_TOTP_DIGITS, SH_TOTP_PERIOD);
    sodium_memzero(b32, sizeof b32);
    return w < 0 || (size_t)w >= cap - o ? SH_ERR : SH_OK;
}
