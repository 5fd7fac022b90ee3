/* static.c — loads web/dist into memory and finds files by path. See static.h. */
#include "http/static.h"

#include "core/alloc.h"
#include "core/buf.h"

#include <dirent.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_FILES 4096
#define MAX_TOTAL ((size_t)256 << 20)

struct sh_static {
    sh_static_file *files;
    size_t n, cap, total;
    const sh_static_file *index;
};

static const struct {
    const char *ext, *type;
} types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json"},
    {".map", "application/json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".jpeg", "image/jpeg"},
    {".gif", "image/gif"},
    {".webp", "image/webp"},
    {".ico", "image/x-icon"},
    {".woff", "font/woff"},
    {".woff2", "font/woff2"},
    {".ttf", "font/ttf"},
    {".txt", "text/plain; charset=utf-8"},
    {".csv", "text/csv; charset=utf-8"},
    {".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    {".pdf", "application/pdf"},
    {".wasm", "application/wasm"},
};

const char *sh_content_type_for(const char *path) {
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (dot && (!slash || dot > slash))
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
            if (strcmp(dot, types[i].ext) == 0)
                return types[i].type;
    return "application/octet-stream";
}

static int add_file(sh_static *s, const char *full, const char *rel, sh_err *err) {
    FILE *f = fopen(full, "rb");
    if (!f)
        return sh_err_set(err, 500, "static_read", NULL, "无法读取 %s", full);
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || st.st_size < 0 || (size_t)st.st_size > MAX_TOTAL - s->total) {
        fclose(f);
        return sh_err_set(err, 500, "static_too_big", NULL, "网页文件过大：%s", full);
    }
    size_t len = (size_t)st.st_size;
    unsigned char *data = sh_malloc(len ? len : 1);
    if (!data || fread(data, 1, len, f) != len) {
        sh_free(data);
        fclose(f);
        return sh_err_set(err, 500, "static_read", NULL, "无法读取 %s", full);
    }
    fclose(f);
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        sh_static_file *nf = cap <= MAX_FILES ? sh_realloc(s->files, cap * sizeof *nf) : NULL;
        if (!nf) {
            sh_free(data);
            return sh_err_set(err, 500, "static_too_many", NULL, "网页文件过多");
        }
        s->files = nf;
        s->cap = cap;
    }
    unsigned char h[16];
    crypto_generichash(h, sizeof h, data, len, NULL, 0);
    char hex[33], etag[40];
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    snprintf(etag, sizeof etag, "\"%s\"", hex);
    sh_static_file *sf = &s->files[s->n];
    sf->path = sh_strdup(rel);
    sf->etag = sh_strdup(etag);
    sf->content_type = sh_content_type_for(rel);
    sf->cache_control = strncmp(rel, "/assets/", 8) == 0 ? "public, max-age=31536000, immutable" : "no-cache";
    sf->data = data;
    sf->len = len;
    if (!sf->path || !sf->etag) {
        sh_free((void *)sf->path);
        sh_free((void *)sf->etag);
        sh_free(data);
        return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    }
    s->n++;
    s->total += len;
    return SH_OK;
}

static int walk(sh_static *s, const char *dir, const char *rel, int depth, sh_err *err) {
    if (depth > 8)
        return SH_OK;
    DIR *d = opendir(dir);
    if (!d)
        return SH_OK;
    struct dirent *de;
    int rc = SH_OK;
    while (rc == SH_OK && (de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue; /* also skips . and .. */
        char full[4096], r[2048];
        if (snprintf(full, sizeof full, "%s/%s", dir, de->d_name) >= (int)sizeof full ||
            snprintf(r, sizeof r, "%s/%s", rel, de->d_name) >= (int)sizeof r)
            continue;
        struct stat st;
        if (stat(full, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode))
            rc = walk(s, full, r, depth + 1, err);
        else if (S_ISREG(st.st_mode))
            rc = add_file(s, full, r, err);
    }
    closedir(d);
    return rc;
}

int sh_static_load(const char *dir, sh_static **out, sh_err *err) {
    sh_static *s = sh_calloc(1, sizeof *s);
    if (!s)
        return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    if (walk(s, dir, "", 0, err) != SH_OK) {
        sh_static_free(s);
        *out = NULL;
        return SH_ERR;
    }
    s->index = sh_static_find(s, "/index.html", 0);
    *out = s;
    return SH_OK;
}

void sh_static_free(sh_static *s) {
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++) {
        sh_free((void *)s->files[i].path);
        sh_free((void *)s->files[i].etag);
        sh_free((void *)s->files[i].data);
    }
    sh_free(s->files);
    sh_free(s);
}

size_t sh_static_count(const sh_static *s) { return s ? s->n : 0; }

const sh_static_file *sh_static_find(const sh_static *s, const char *path, int fallback) {
    if (!s)
        return NULL;
    if (strcmp(path, "/") == 0)
        return s->index;
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->files[i].path, path) == 0)
            return &s->files[i];
    if (!fallback)
        return NULL;
    const char *slash = strrchr(path, '/');
    if (slash && strchr(slash, '.'))
        return NULL; /* looks like a file that is not there: a real 404 */
    return s->index;
}
