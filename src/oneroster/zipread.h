/* zipread.h — the files of an uploaded OneRoster zip, read within the limits the
 * XLSX reader applies to zip packages (declared and actual sizes, compression
 * ratio, entry count). Private to src/oneroster/. */
#ifndef SH_OR_ZIPREAD_H
#define SH_OR_ZIPREAD_H

#include "core/err.h"

#include <stddef.h>

/* Everything inflated from one zip: the reader's default for XLSX (1 GiB). */
#define SH_OR_ZIP_BUDGET ((unsigned long long)1 << 30)

typedef struct sh_or_zip sh_or_zip;

/* Open len bytes at data (which must outlive the zip). SH_ERR (400 invalid_zip)
 * when they are not a readable zip. */
int sh_or_zip_open(const void *data, size_t len, sh_or_zip **out, sh_err *err);
/* The entry called name, inflated into *data (sh_free; NUL-terminated) and *len:
 * SH_ROW; SH_DONE when there is no such entry; SH_ERR (400 invalid_zip, 413
 * zip_too_large) otherwise. */
int sh_or_zip_read(sh_or_zip *z, const char *name, char **data, size_t *len, sh_err *err);
void sh_or_zip_close(sh_or_zip *z);

#endif
