/* totp.h — one-time codes of RFC 6238 (TOTP) over RFC 4226 (HOTP): HMAC-SHA1,
 * 6 digits, 30-second steps, one step of drift either side, and replay protection
 * (a step once used is refused), plus the base32 text and otpauth:// URI that
 * authenticator apps read. */
#ifndef SH_TOTP_H
#define SH_TOTP_H

#include <stddef.h>
#include <stdint.h>

#define SH_TOTP_SECRET_BYTES 20
#define SH_TOTP_DIGITS 6
#define SH_TOTP_PERIOD 30
#define SH_TOTP_WINDOW 1      /* steps accepted either side of now (clock drift) */
#define SH_TOTP_BASE32_LEN 32 /* base32 text of a 20-byte secret, no padding */

enum { SH_TOTP_OK = 0, SH_TOTP_BAD_FORMAT = 1, SH_TOTP_WRONG = 2, SH_TOTP_REPLAYED = 3 };

void sh_totp_new_secret(unsigned char secret[SH_TOTP_SECRET_BYTES]);
/* RFC 4648 base32, upper case, no padding. out needs 8*ceil(n/5)+1 bytes. */
void sh_base32_encode(const unsigned char *in, size_t n, char *out);
/* Decode ignoring case, spaces and '=' padding; bytes written, or -1 on a bad
 * character or when cap is too small. */
int sh_base32_decode(const char *in, unsigned char *out, size_t cap);
/* The HOTP value for a counter (RFC 4226) with digits digits. */
uint32_t sh_hotp(const unsigned char *key, size_t keylen, uint64_t counter, int digits);
/* Check a code as a person typed it (spaces around and inside, full-width digits
 * allowed) against the steps around unix_seconds. A step <= *last_step is refused
 * as a replay; on success *last_step becomes the matched step. */
int sh_totp_verify(const unsigned char *secret, size_t secretlen, const char *code, int64_t unix_seconds,
                   int64_t *last_step);
/* otpauth://totp/ISSUER:LOGIN?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30,
 * with issuer and login percent-encoded. SH_ERR when cap is too small. */
int sh_totp_uri(const char *issuer, const char *login, const unsigned char *secret, size_t secretlen,
                char *out, size_t cap);

#endif
