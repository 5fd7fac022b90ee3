/* uid.c — opaque public ids. See uid.h. */
#include "core/uid.h"

#include <sodium.h>

void sh_new_uid(char out[27]) {
    static const char alphabet[] = "0123456789abcdefghjkmnpqrstvwxyz"; /* Crockford base32 */
    unsigned char r[17];
    randombytes_buf(r, 16);
    r[16] = 0;
    int bit = 0;
    for (int i = 0; i < 26; i++, bit += 5) {
        int byte = bit / 8, off = bit % 8;
        unsigned v = ((unsigned)r[byte] << 8 | r[byte + 1]) >> (11 - off);
        out[i] = alphabet[v & 31];
    }
    out[26] = '\0';
}
