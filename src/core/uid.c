/* uid.c — opaque public ids. See uid.h. */
#include "core/uid.h"

#include "core/clock.h"

#include <pthread.h>
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
