/* buf.h — the one growable byte buffer of Shushu, with a hard cap per instance.
 *
 * Request bodies, JSON output and SQL text all use it. Appending past the cap or
 * running out of memory fails with SH_ERR and sets a sticky flag, so a caller may
 * append many times and check once (sh_buf_ok). The content is always
 * NUL-terminated when len > 0 or after any successful append. */
#ifndef SH_BUF_H
#define SH_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct sh_buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max;  /* hard cap on len; 0 means the default (64 MiB) */
    int failed;  /* sticky: an append was refused */
    int too_big; /* sticky: the refusal was because of max */
} sh_buf;

void sh_buf_init(sh_buf *b, size_t max);
/* A buffer over caller memory (e.g. on the stack) that never grows: appends that
 * would not fit in size - 1 bytes fail. Do not sh_buf_free or detach it. */
void sh_buf_init_fixed(sh_buf *b, char *mem, size_t size);
void sh_buf_free(sh_buf *b);
void sh_buf_reset(sh_buf *b); /* len = 0, keeps memory and cap, clears the flags */

int sh_buf_append(sh_buf *b, const void *p, size_t n);
int sh_buf_puts(sh_buf *b, const char *s);
int sh_buf_putc(sh_buf *b, char c);
int sh_buf_printf(sh_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int sh_buf_vprintf(sh_buf *b, const char *fmt, va_list ap);
/* Append s (n bytes of UTF-8) as a JSON string literal with quotes. */
int sh_buf_json_str(sh_buf *b, const char *s, size_t n);
/* SH_OK when no append has failed since init/reset. */
int sh_buf_ok(const sh_buf *b);
/* Hand the memory over to the caller (free with sh_free); the buffer becomes empty. */
char *sh_buf_detach(sh_buf *b, size_t *len);

#endif
