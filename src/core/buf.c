/* buf.c — growable byte buffer with a hard cap. See buf.h. */
#include "core/buf.h"

#include "core/alloc.h"
#include "core/err.h"

#include <stdio.h>
#include <string.h>

#define DEFAULT_MAX ((size_t)64 << 20)

void sh_buf_init(sh_buf *b, size_t max) {
    memset(b, 0, sizeof *b);
    b->max = max ? max : DEFAULT_MAX;
}

void sh_buf_init_fixed(sh_buf *b, char *mem, size_t size) {
    memset(b, 0, sizeof *b);
    b->data = mem;
    b->cap = size;
    b->max = size - 1; /* grow() never needs to reallocate below cap */
    mem[0] = '\0';
}

void sh_buf_free(sh_buf *b) {
    sh_free(b->data);
    size_t max = b->max;
    memset(b, 0, sizeof *b);
    b->max = max;
}

void sh_buf_reset(sh_buf *b) {
    b->len = 0;
    b->failed = b->too_big = 0;
    if (b->data)
        b->data[0] = '\0';
}

static int grow(sh_buf *b, size_t need) {
    if (need > b->max) {
        b->failed = b->too_big = 1;
        return SH_ERR;
    }
    if (need + 1 <= b->cap)
        return SH_OK;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need + 1)
        cap *= 2;
    if (cap > b->max + 1)
        cap = b->max + 1;
    char *d = sh_realloc(b->data, cap);
    if (!d) {
        b->failed = 1;
        return SH_ERR;
    }
    b->data = d;
    b->cap = cap;
    return SH_OK;
}

int sh_buf_append(sh_buf *b, const void *p, size_t n) {
    if (b->failed)
        return SH_ERR;
    if (n > b->max - b->len) {
        b->failed = b->too_big = 1;
        return SH_ERR;
    }
    if (grow(b, b->len + n) != SH_OK)
        return SH_ERR;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return SH_OK;
}

int sh_buf_puts(sh_buf *b, const char *s) { return sh_buf_append(b, s, strlen(s)); }

int sh_buf_putc(sh_buf *b, char c) { return sh_buf_append(b, &c, 1); }

int sh_buf_vprintf(sh_buf *b, const char *fmt, va_list ap) {
    if (b->failed)
        return SH_ERR;
    va_list ap2;
    va_copy(ap2, ap);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        b->failed = 1;
        return SH_ERR;
    }
    if ((size_t)n < sizeof small)
        return sh_buf_append(b, small, (size_t)n);
    if ((size_t)n > b->max - b->len) {
        b->failed = b->too_big = 1;
        return SH_ERR;
    }
    if (grow(b, b->len + (size_t)n) != SH_OK)
        return SH_ERR;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return SH_OK;
}

int sh_buf_printf(sh_buf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int rc = sh_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

/* Bytes a JSON string must escape: controls, quote, backslash, and <> (so JSON is
 * safe to embed in HTML). One table lookup per byte. */
static const unsigned char json_escape[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
};

int sh_buf_json_str(sh_buf *b, const char *s, size_t n) {
    static const char hex[] = "0123456789abcdef";
    if (sh_buf_putc(b, '"') != SH_OK)
        return SH_ERR;
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!json_escape[c])
            continue;
        sh_buf_append(b, s + start, i - start);
        char esc[7] = {'\\', 0, 0, 0, 0, 0, 0};
        size_t elen = 2;
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default: /* control characters and <> */
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            elen = 6;
        }
        sh_buf_append(b, esc, elen);
        start = i + 1;
    }
    sh_buf_append(b, s + start, n - start);
    return sh_buf_putc(b, '"');
}

int sh_buf_ok(const sh_buf *b) { return b->failed ? SH_ERR : SH_OK; }

char *sh_buf_detach(sh_buf *b, size_t *len) {
    char *d = b->data;
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return d;
}
