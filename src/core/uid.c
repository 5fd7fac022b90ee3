/* uid.c — opaque public ids. See uid.h. */
#include "core/uid.h"

#include "core/clock.h"

#include <pthread.h>
#include <stdint.h>
#include <sodium.h>
#include <string.h>

static pthread_mutex_t last_lock = PTHREAD_MUTEX_INITIALIZER;
static int64_t last_ms;
static unsigned char last_random[10];

/* The 80 random bits of an id made at now_ms: fresh in a new millisecond, the
 * previous ones plus one within the same (or an earlier, if the clock stepped
 * back) millisecond. */
static int64_t next_random(int64_t now_ms, unsigned char r[10]) {
    pthread_mutex_lock(&last_lock);
    if (now_ms > last_ms) {
        last_ms = now_ms;
        randombytes_buf(last_random, sizeof last_random);
        last_random[0] &= 0x7f; /* room to count up without overflowing into the time */
    } else {
        for (int i = 9; i >= 0 && ++last_random[i] == 0; i--)
            ;
    }
    memcpy(r, last_random, sizeof last_random);
    int64_t ms = last_ms;
    pthread_mutex_unlock(&last_lock);
    return ms;
}

void sh_new_uid(char out[27]) {
    static const char alphabet[] = "0123456789abcdefghjkmnpqrstvwxyz"; /* Crockford base32 */
    unsigned char b[17];
    int64_t ms = next_random(sh_now_ms(), b + 6);
    for (int i = 0; i < 6; i++)
        b[i] = (unsigned char)((uint64_t)ms >> (40 - 8 * i));
    b[16] = 0;
    int bit = 0;
    for (int i = 0; i < 26; i++, bit += 5) {
        int byte = bit / 8, off = bit % 8;
        unsigned v = ((unsigned)b[byte] << 8 | b[byte + 1]) >> (11 - off);
        out[i] = alphabet[v & 31];
    }
    out[26] = '\0';
}

void sh_new_uuid(char out[SH_UUID_LEN + 1]) {
    unsigned char b[16];
    randombytes_buf(b, sizeof b);
    uint64_t ms = (uint64_t)sh_now_ms();
    for (int i = 5; i >= 0; i--, ms >>= 8)
        b[i] = (unsigned char)(ms & 0xff);
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x70);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    static const char hex[] = "0123456789abcdef";
    char *o = out;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *o++ = '-';
        *o++ = hex[b[i] >> 4];
        *o++ = hex[b[i] & 15];
    }
    *o = '\0';
}
