/* codes.h — national code tables (GB/T 2260, GB/T 3304, JY/T 1001, …) as data.
 *
 * Tables are CSV files under data/codes/ (tables.csv lists them). At start each
 * file's BLAKE2b hash is compared with the stored version; a changed or new file is
 * loaded as a new version (old versions stay, only the current one validates). The
 * current codes are held in memory for validation of SH_T_CODE fields. */
#ifndef SH_CODES_H
#define SH_CODES_H

#include "app.h"

extern const sh_module sh_codes_module;

/* Load or refresh tables from dir into db and rebuild the in-memory index. */
int sh_codes_sync(sh_db *db, const char *dir, int *loaded, sh_err *err);
/* Name of a code in a table (current version), copied into out; SH_DONE if absent. */
int sh_codes_name(sh_conn *c, const char *table, const char *code, char *out, size_t cap, sh_err *err);

/* Code of a name in a table (current version), e.g. 汉族 → 01, copied into out;
 * SH_DONE if no code has that name. */
int sh_codes_code_of(sh_conn *c, const char *table, const char *name, char *out, size_t cap, sh_err *err);

/* The codes of a table with their names, "1 农业户口，2 非农业户口", into out
 * (cut with … when longer than cap), for messages naming the expected codes. */
int sh_codes_list(sh_conn *c, const char *table, char *out, size_t cap, sh_err *err);

#endif
