/* static.h — the built web console (web/dist) served from memory.
 *
 * At start every file under the folder is read once, with its content type and a
 * content-hash ETag. Files under assets/ carry a hash in their names and are
 * cached for a year; everything else (index.html) must be revalidated. Paths that
 * are not files and look like console routes get index.html (SPA fallback). */
#ifndef SH_STATIC_H
#define SH_STATIC_H

#include "core/err.h"

#include <stddef.h>

typedef struct sh_static sh_static;

typedef struct sh_static_file {
    const char *path; /* "/assets/index-abc123.js" */
    const char *content_type;
    const char *etag; /* quoted */
    const char *cache_control;
    const unsigned char *data;
    size_t len;
} sh_static_file;

/* Load the folder. A missing folder is not an error: the server then answers the
 * console's pages with a short Chinese note saying the console is not built. */
int sh_static_load(const char *dir, sh_static **out, sh_err *err);
void sh_static_free(sh_static *s);
/* Find a file for a GET path; with fallback, return index.html for unknown paths
 * without a file extension. NULL when nothing fits. */
const sh_static_file *sh_static_find(const sh_static *s, const char *path, int fallback);
size_t sh_static_count(const sh_static *s);
const char *sh_content_type_for(const char *path);

#endif
