/* csv_writer.c — the CSV form of the tabular writer: UTF-8 with a byte order
 * mark (so Excel on Chinese Windows shows Chinese text), CRLF line ends, RFC 4180
 * quoting of a cell that holds a comma, a double quote, CR or LF (quotes inside
 * doubled), every cell neutralised against formula injection first (writer.c).
 * Writes go through stdio with a 64 KiB buffer; every fwrite and the final
 * fclose are checked, and a failure makes the writer answer write_failed (the
 * temporary file is then removed by writer.c). Header hints are not written:
 * CSV has nowhere to put them. On request the bytes are GB18030 instead, as
 * Excel on Chinese Windows saves CSV (iconv; no byte order mark). */
#include "tabular/writer_impl.h"

#include "core/alloc.h"

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define CSV_BUFFER ((size_t)64 * 1024)

typedef struct csv_impl {
    FILE *f;
    char *vbuf; /* stdio's buffer: freed only after fclose */
    iconv_t gb; /* UTF-8 → GB18030, or (iconv_t)-1 for UTF-8 files */
} csv_impl;

static int put(sh_table_writer *w, const void *p, size_t n, sh_err *err) {
    csv_impl *c = w->impl;
    if (c->gb == (iconv_t)-1) {
        if (n && fwrite(p, 1, n, c->f) != n)
            return sh_table_write_failed(w, err, errno);
        return SH_OK;
    }
    /* pieces split only at ASCII bytes, so each is whole UTF-8 text */
    char out[1024];
    char *in = (char *)p;
    while (n) {
        char *o = out;
        size_t room = sizeof out;
        size_t rc = iconv(c->gb, &in, &n, &o, &room);
        if (rc == (size_t)-1 && errno != E2BIG)
            return sh_table_write_failed(w, err, errno);
        if (o > out && fwrite(out, 1, (size_t)(o - out), c->f) != (size_t)(o - out))
            return sh_table_write_failed(w, err, errno);
    }
    return SH_OK;
}

static int put_cell(sh_table_writer *w, const char *v, sh_err *err) {
    size_t n = strlen(v);
    if (strcspn(v, ",\"\r\n") == n)
        return put(w, v, n, err);
    if (put(w, "\"", 1, err) != SH_OK)
        return SH_ERR;
    const char *p = v;
    const char *q;
    while ((q = strchr(p, '"')) != NULL) {
        /* up to and including the quote, then the quote once more */
        if (put(w, p, (size_t)(q - p) + 1, err) != SH_OK || put(w, "\"", 1, err) != SH_OK)
            return SH_ERR;
        p = q + 1;
    }
    if (put(w, p, strlen(p), err) != SH_OK)
        return SH_ERR;
    return put(w, "\"", 1, err);
}

static int csv_line(sh_table_writer *w, const char *const *cells, int n, sh_err *err) {
    for (int i = 0; i < n; i++) {
        if (i > 0 && put(w, ",", 1, err) != SH_OK)
            return SH_ERR;
        const char *v = sh_table_writer_cell(w, cells[i], err);
        if (!v || put_cell(w, v, err) != SH_OK)
            return SH_ERR;
    }
    return put(w, "\r\n", 2, err);
}

static int csv_header(sh_table_writer *w, const char *const *names, const char *const *hints, int n,
                      sh_err *err) {
    (void)hints;
    return csv_line(w, names, n, err);
}

static int csv_row(sh_table_writer *w, const char *const *cells, int n, sh_err *err) {
    return csv_line(w, cells, n, err);
}

static void csv_release(sh_table_writer *w) {
    csv_impl *c = w->impl;
    if (c->gb != (iconv_t)-1)
        iconv_close(c->gb);
    sh_free(c->vbuf);
    sh_free(c);
    w->impl = NULL;
}

static int csv_finish(sh_table_writer *w, sh_err *err) {
    csv_impl *c = w->impl;
    int failed = ferror(c->f);
    int e = failed ? EIO : 0;
    if (fclose(c->f) != 0) {
        failed = 1;
        e = errno;
    }
    c->f = NULL;
    csv_release(w);
    return failed ? sh_table_write_failed(w, err, e) : SH_OK;
}

static void csv_discard(sh_table_writer *w) {
    csv_impl *c = w->impl;
    if (!c)
        return;
    if (c->f)
        fclose(c->f);
    csv_release(w);
}

static const sh_table_writer_ops csv_ops = {csv_header, csv_row, csv_finish, csv_discard};

int sh_csv_writer_start(sh_table_writer *w, int fd, int gb18030, sh_err *err) {
    csv_impl *c = sh_calloc(1, sizeof *c);
    char *vbuf = sh_malloc(CSV_BUFFER);
    if (!c || !vbuf) {
        sh_free(c);
        sh_free(vbuf);
        close(fd);
        return sh_table_writer_nomem(w, err);
    }
    c->vbuf = vbuf;
    c->gb = gb18030 ? iconv_open("GB18030", "UTF-8") : (iconv_t)-1;
    if (gb18030 && c->gb == (iconv_t)-1) {
        close(fd);
        sh_free(vbuf);
        sh_free(c);
        return sh_table_writer_nomem(w, err);
    }
    c->f = fdopen(fd, "wb");
    if (!c->f) {
        int e = errno;
        close(fd);
        if (c->gb != (iconv_t)-1)
            iconv_close(c->gb);
        sh_free(vbuf);
        sh_free(c);
        return sh_table_write_failed(w, err, e);
    }
    setvbuf(c->f, vbuf, _IOFBF, CSV_BUFFER);
    w->impl = c;
    w->ops = &csv_ops;
    if (!gb18030 && put(w, "\xEF\xBB\xBF", 3, err) != SH_OK) {
        csv_discard(w);
        return SH_ERR;
    }
    return SH_OK;
}
