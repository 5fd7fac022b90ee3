/* fuzz_period.c — libFuzzer driver for the national form's 身份证件有效期 cell
 * (import/period.c): any text is read without a crash; a period read has real
 * dates with the end after the start, and written back the form's way it reads
 * again as the same period. */
#include "core/pool.h"
#include "import/template.h"
#include "model/entity.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 256)
        return 0;
    char text[257];
    memcpy(text, data, size);
    text[size] = 0;
    char from[11], to[11], bad[32];
    sh_period_problem r = sh_import_period_read(text, from, to, bad);
    if (r == SH_PERIOD_DATE && !bad[0])
        abort(); /* an impossible date is named */
    if (r != SH_PERIOD_OK)
        return 0;
    if (!sh_valid_date(from) || (to[0] && (!sh_valid_date(to) || strcmp(to, from) <= 0)))
        abort();
    sh_pool *p = sh_pool_create();
    const char *back = p ? sh_import_period_write(p, from, to) : NULL;
    char from2[11], to2[11];
    if (!back || sh_import_period_read(back, from2, to2, bad) != SH_PERIOD_OK || strcmp(from, from2) != 0 ||
        strcmp(to, to2) != 0)
        abort();
    sh_pool_destroy(p);
    return 0;
}
