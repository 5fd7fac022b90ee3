/* err.c — filling sh_err values. See err.h for the convention. */
#include "core/err.h"

#include "core/alloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void sh_err_init(sh_err *e) { memset(e, 0, sizeof *e); }

void sh_err_clear(sh_err *e) {
    if (!e)
        return;
    sh_free(e->more);
    memset(e, 0, sizeof *e);
}

static void copy_trunc(char *dst, size_t cap, const char *src) {
    if (!src) {
        dst[0] = '\0';
        return;
    }
    size_t n = strlen(src);
    if (n >= cap) {
        n = cap - 1;
        /* do not cut a UTF-8 sequence in half */
        while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static void fill_item(sh_err_item *it, const char *code, const char *field, const char *value,
                      const char *fmt, va_list ap) {
    memset(it, 0, sizeof *it);
    copy_trunc(it->code, sizeof it->code, code);
    copy_trunc(it->field, sizeof it->field, field);
    copy_trunc(it->value, sizeof it->value, value);
    char msg[1024]; /* formatted whole, then cut where a character ends */
    vsnprintf(msg, sizeof msg, fmt, ap);
    copy_trunc(it->message, sizeof it->message, msg);
}

int sh_err_set(sh_err *e, int status, const char *code, const char *field, const char *fmt, ...) {
    if (!e)
        return SH_ERR;
    va_list ap;
    va_start(ap, fmt);
    sh_free(e->more);
    e->more = NULL;
    e->nmore = e->capmore = 0;
    e->status = status;
    fill_item(&e->first, code, field, NULL, fmt, ap);
    va_end(ap);
    return SH_ERR;
}

int sh_err_add(sh_err *e, int status, const char *code, const char *field, const char *value, const char *fmt,
               ...) {
    if (!e)
        return SH_ERR;
    sh_err_item it;
    va_list ap;
    va_start(ap, fmt);
    fill_item(&it, code, field, value, fmt, ap);
    va_end(ap);
    if (e->status == 0) {
        e->status = status;
        e->first = it;
    }
    if (e->nmore == e->capmore) {
        size_t cap = e->capmore ? e->capmore * 2 : 8;
        if (cap > 10000)
            return SH_ERR; /* enough to report; the count stays bounded */
        sh_err_item *m = sh_realloc(e->more, cap * sizeof *m);
        if (!m)
            return SH_ERR;
        e->more = m;
        e->capmore = cap;
    }
    e->more[e->nmore++] = it;
    return SH_ERR;
}

int sh_err_add_at(sh_err *e, int status, const char *code, long row, long column, const char *value,
                  const char *fmt, ...) {
    if (!e)
        return SH_ERR;
    char msg[sizeof e->first.message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    int was_empty = e->status == 0;
    size_t before = e->nmore;
    sh_err_add(e, status, code, NULL, value, "%s", msg);
    if (was_empty) {
        e->first.row = row;
        e->first.column = column;
    }
    if (e->nmore > before) {
        e->more[e->nmore - 1].row = row;
        e->more[e->nmore - 1].column = column;
    }
    return SH_ERR;
}

size_t sh_err_count(const sh_err *e) {
    if (!e || e->status == 0)
        return 0;
    return e->nmore ? e->nmore : 1;
}
