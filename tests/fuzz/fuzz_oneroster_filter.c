/* fuzz_oneroster_filter.c — libFuzzer driver for the query parameters of the
 * OneRoster REST API (src/oneroster/filter.c): the first byte picks the
 * collection, the rest is split into name=value pairs at '&' and '=' (decoded
 * already, as the HTTP library hands them over) and limit, offset, sort,
 * orderBy, filter and fields are parsed, masked and unmasked. Checks: a failure
 * always says why (a 400 with a code and a message); on success the limits hold
 * and the SQL built carries no quote of its own beyond the LIKE escape clause,
 * i.e. values are bound, never spliced.
 *
 * Seeds in tests/fuzz/corpus/oneroster_filter/: written by hand (the examples of
 * filter.c, quoting, AND/OR chains, bad operators, times, fields). */
#include "core/alloc.h"
#include "oneroster/or_impl.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *const collections[] = {"orgs",  "academicSessions", "courses",     "classes",
                                          "users", "enrollments",      "demographics"};

/* Remove every occurrence of pat from s (in place). */
static void strip(char *s, const char *pat) {
    size_t n = strlen(pat);
    char *p;
    while ((p = strstr(s, pat)) != NULL)
        memmove(p, p + n, strlen(p + n) + 1);
}

static void check_sql(const sh_or_entity *e, const sh_or_query *q) {
    sh_buf where, order;
    sh_buf_init(&where, 0);
    sh_buf_init(&order, 0);
    if (sh_or_query_sql(e, q, 3, &where, &order) != SH_OK)
        __builtin_trap();
    if (where.data) { /* the only quotes of our own: ESCAPE '\' and COALESCE(x, '') */
        strip(where.data, "ESCAPE '\\'");
        strip(where.data, ", '')");
        if (strchr(where.data, '\'') || strchr(where.data, '"'))
            __builtin_trap();
    }
    if (!order.data || strchr(order.data, '\'') || strchr(order.data, '"'))
        __builtin_trap();
    sh_buf_free(&where);
    sh_buf_free(&order);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1 || size > 4096)
        return 0;
    const sh_or_entity *e = sh_or_entity_named(collections[data[0] % 7]);
    char *text = malloc(size);
    memcpy(text, data + 1, size - 1);
    text[size - 1] = 0;
    const char *v[6] = {NULL, NULL, NULL, NULL, NULL, NULL};
    static const char *const names[6] = {"limit", "offset", "sort", "orderBy", "filter", "fields"};
    for (char *save = NULL, *pair = strtok_r(text, "&", &save); pair; pair = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(pair, '=');
        if (!eq)
            continue;
        *eq++ = 0;
        for (int i = 0; i < 6; i++)
            if (strcmp(pair, names[i]) == 0)
                v[i] = eq;
    }
    for (int unmasked = 0; unmasked < 2; unmasked++) {
        sh_pool *p = sh_pool_create();
        sh_err err;
        sh_err_init(&err);
        sh_or_query q;
        if (sh_or_query_parse(p, e, v[0], v[1], v[2], v[3], v[4], v[5], unmasked, &q, &err) == SH_OK) {
            if (q.limit < 1 || q.limit > 1000 || q.offset < 0 || q.npred < 0 ||
                q.npred > SH_OR_MAX_PREDICATES)
                __builtin_trap();
            check_sql(e, &q);
        } else if (err.status != 400 || !err.first.code[0] || !err.first.message[0]) {
            __builtin_trap(); /* a refusal always says why */
        }
        sh_err_clear(&err);
        sh_pool_destroy(p);
    }
    free(text);
    return 0;
}
