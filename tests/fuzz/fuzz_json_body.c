/* fuzz_json_body.c — libFuzzer driver for the JSON body path: jansson parses the
 * bytes exactly as the server does (duplicate keys refused), then the entity
 * mapper validates them in create and update mode, and the error body is built. */
#include "core/alloc.h"
#include "core/buf.h"
#include "fuzz_entity.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static int init;
    if (!init) {
        json_set_alloc_funcs(sh_malloc, sh_free);
        sh_set_code_lookup(fuzz_codes);
        init = 1;
    }
    json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    if (!j)
        return 0;
    for (int mode = 0; mode < 2; mode++) {
        sh_pool *p = sh_pool_create();
        sh_err e;
        sh_err_init(&e);
        sh_record r;
        if (sh_record_from_json(p, &fuzz_entity, j, mode ? SH_INPUT_UPDATE : SH_INPUT_CREATE, &r, &e) ==
                SH_ERR &&
            sh_err_count(&e) == 0 && e.status == 0)
            __builtin_trap(); /* a failure must always say why */
        sh_buf b;
        sh_buf_init(&b, 0);
        for (size_t i = 0; i < e.nmore; i++)
            sh_buf_json_str(&b, e.more[i].message, strlen(e.more[i].message));
        sh_buf_free(&b);
        sh_err_clear(&e);
        sh_pool_destroy(p);
    }
    json_decref(j);
    return 0;
}
