/* fuzz_list_query.c — libFuzzer driver for list queries: the bytes are split into
 * name=value pairs at '&' and '=' (the HTTP library has already decoded them by
 * the time our parser sees them), then limit, cursor and filters are parsed and
 * the SQL built; a decoded cursor must re-encode to itself. */
#include "core/alloc.h"
#include "fuzz_entity.h"
#include "model/list.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static int init;
    if (!init) {
        sh_set_code_lookup(fuzz_codes);
        init = 1;
    }
    if (size > 4096)
        return 0;
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = 0;
    const char *keys[64], *vals[64];
    int n = 0;
    for (char *save = NULL, *pair = strtok_r(text, "&", &save); pair && n < 64;
         pair = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(pair, '=');
        if (eq)
            *eq++ = 0;
        keys[n] = pair;
        vals[n] = eq ? eq : "";
        n++;
    }
    sh_pool *p = sh_pool_create();
    sh_err e;
    sh_err_init(&e);
    sh_list_query q;
    if (sh_list_query_parse(p, &fuzz_entity, keys, vals, n, NULL, &q, &e) == SH_OK) {
        if (q.limit < 1 || q.limit > SH_LIST_MAX_LIMIT || q.after < 0)
            __builtin_trap();
        sh_buf sql;
        sh_buf_init(&sql, 0);
        if (sh_list_sql(&sql, &fuzz_entity, &q, NULL, 0) != SH_OK || strchr(sql.data, '\''))
            __builtin_trap(); /* values never reach SQL text */
        sh_buf_free(&sql);
    }
    for (int i = 0; i < n; i++) { /* every value tried as a cursor */
        int64_t k;
        if (sh_cursor_decode(vals[i], &k, NULL) == SH_OK) {
            char again[SH_CURSOR_MAX];
            sh_cursor_encode(k, again);
            if (strcmp(again, vals[i]) != 0)
                __builtin_trap();
        }
    }
    sh_err_clear(&e);
    sh_pool_destroy(p);
    free(text);
    return 0;
}
