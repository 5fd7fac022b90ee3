/* fuzz_xapi_statement.c — libFuzzer driver for the xAPI statement validator
 * (src/xapi/validate.c) and what reads validated statements (agent keys, the
 * walks behind the filter indexes, the ids and canonical formats). The bytes are
 * parsed as the server parses a statements body (duplicate keys refused); a
 * single statement or each statement of an array is validated. Checks: a
 * rejection is always a 400 with a code, a message and a field; an accepted
 * statement validates again unchanged after its normalisation (idempotent), its
 * contextActivities are arrays, and the formats and walks run clean. The first
 * string value of the input also goes through the time, duration, UUID, IRI and
 * language-tag checks.
 *
 * Seeds in tests/fuzz/corpus/xapi_statement/: written by hand (minimal, full,
 * sub-statement, group, interaction, attachment, voiding and broken ones). */
#include "core/alloc.h"
#include "xapi/x_impl.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static void count_agent(void *ctx, const json_t *a, int related) {
    char key[X_AGENT_KEY_MAX];
    (void)related;
    if (x_agent_key(a, "http://127.0.0.1:8080", key, sizeof key) == SH_OK && !key[0])
        __builtin_trap();
    ++*(int *)ctx;
}

static void count_activity(void *ctx, const json_t *a, int related) {
    (void)related;
    if (!json_string_value(json_object_get(a, "id")))
        __builtin_trap(); /* validated activities always have an id */
    ++*(int *)ctx;
}

static void check_one(json_t *st) {
    sh_err e;
    sh_err_init(&e);
    if (x_validate_statement(st, "", &e) != SH_OK) {
        if (e.status != 400 || !e.first.code[0] || !e.first.message[0])
            __builtin_trap(); /* a rejection always says why */
        sh_err_clear(&e);
        return;
    }
    json_t *again = json_deep_copy(st);
    if (!again || x_validate_statement(again, "", &e) != SH_OK || !json_equal(again, st))
        __builtin_trap(); /* normalisation is idempotent */
    const json_t *ca = json_object_get(json_object_get(st, "context"), "contextActivities");
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)ca, k, v) {
        if (!json_is_array(v))
            __builtin_trap();
    }
    int n = 0;
    x_each_agent(st, count_agent, &n);
    x_each_activity(st, count_activity, &n);
    json_t *ids = json_deep_copy(st), *canon = json_deep_copy(st);
    x_format_ids(ids);
    x_format_canonical(canon, "zh-CN, en;q=0.5");
    json_decref(ids);
    json_decref(canon);
    json_decref(again);
    sh_err_clear(&e);
}

static void check_string(const char *s) {
    int64_t ms;
    x_parse_time(s, &ms);
    x_valid_duration(s);
    x_valid_uuid(s);
    x_valid_iri(s);
    x_valid_lang_tag(s);
}

static const char *first_string(const json_t *j) {
    if (json_is_string(j))
        return json_string_value(j);
    size_t i;
    json_t *v;
    const char *k;
    if (json_is_array(j)) {
        json_array_foreach(j, i, v) {
            const char *s = first_string(v);
            if (s)
                return s;
        }
    }
    json_object_foreach((json_t *)j, k, v) {
        const char *s = first_string(v);
        if (s)
            return s;
    }
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static int init;
    if (!init) {
        json_set_alloc_funcs(sh_malloc, sh_free);
        init = 1;
    }
    json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    if (!j)
        return 0;
    if (json_is_array(j)) {
        size_t i;
        json_t *st;
        json_array_foreach(j, i, st) { check_one(st); }
    } else {
        check_one(j);
    }
    const char *s = first_string(j);
    if (s)
        check_string(s);
    json_decref(j);
    return 0;
}
