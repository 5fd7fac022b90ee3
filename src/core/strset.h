/* strset.h — a set of strings for fast membership tests (open addressing).
 *
 * Built once, then read by many threads without locks (code-table validation).
 * Keys are copied. */
#ifndef SH_STRSET_H
#define SH_STRSET_H

#include <stddef.h>

typedef struct sh_strset sh_strset;

sh_strset *sh_strset_new(size_t expected);
void sh_strset_free(sh_strset *s);
/* SH_OK, or SH_ERR when out of memory. Adding a present key is a no-op. */
int sh_strset_add(sh_strset *s, const char *key, size_t len);
int sh_strset_has(const sh_strset *s, const char *key, size_t len);
size_t sh_strset_count(const sh_strset *s);

#endif
