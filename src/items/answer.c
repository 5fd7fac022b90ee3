/* answer.c — is a student's response right (sh_item_check): pure, store-free,
 * the one place the rules live that grading calls. Multiple choice is right
 * only as exactly the answer's set of keys; numeric answers are right within
 * the item's tolerance (inclusive, with a relative slack of 1e-9 for decimal
 * input such as 0.1 + 0.2); subjective answers wait for the teacher. */
#include "items/items.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_KEYS 8

/* The keys of a multiple-choice response as a bit set; -1 when malformed. */
static int key_set(const json_t *a) {
    if (!json_is_array(a) || json_array_size(a) > 32)
        return -1;
    int set = 0;
    for (size_t i = 0; i < json_array_size(a); i++) {
        const char *k = json_string_value(json_array_get(a, i));
        if (!k || strlen(k) != 1 || k[0] < 'A' || k[0] >= 'A' + MAX_KEYS)
            return -1;
        set |= 1 << (k[0] - 'A');
    }
    return set;
}

/* A number from a JSON number or a numeric string ("3.5", " -2 "); 0 when not. */
static int number(const json_t *v, double *out) {
    if (json_is_number(v)) {
        *out = json_number_value(v);
        return isfinite(*out);
    }
    const char *s = json_string_value(v);
    if (!s || !*s || strlen(s) > 64)
        return 0;
    char *end;
    *out = strtod(s, &end);
    while (*end == ' ')
        end++;
    return end != s && !*end && isfinite(*out);
}

sh_answer_verdict sh_item_check(const json_t *content, const json_t *response) {
    const char *type = json_string_value(json_object_get(content, "type"));
    const json_t *ans = json_object_get(content, "answer");
    if (!type || !ans || !response)
        return SH_ANSWER_INVALID;
    if (strcmp(type, "single") == 0) {
        if (!json_is_string(response))
            return SH_ANSWER_INVALID;
        return strcmp(json_string_value(response), json_string_value(ans)) == 0 ? SH_ANSWER_RIGHT
                                                                                : SH_ANSWER_WRONG;
    }
    if (strcmp(type, "multiple") == 0) {
        int got = key_set(response), want = key_set(ans);
        if (got < 0 || want < 0)
            return SH_ANSWER_INVALID;
        return got == want ? SH_ANSWER_RIGHT : SH_ANSWER_WRONG;
    }
    if (strcmp(type, "truefalse") == 0) {
        if (!json_is_boolean(response))
            return SH_ANSWER_INVALID;
        return json_is_true(response) == json_is_true(ans) ? SH_ANSWER_RIGHT : SH_ANSWER_WRONG;
    }
    if (strcmp(type, "numeric") == 0) {
        double got, want = json_number_value(json_object_get(ans, "value"));
        double tol = json_number_value(json_object_get(ans, "tolerance"));
        if (!number(response, &got))
            return SH_ANSWER_INVALID;
        double slack = 1e-9 * fmax(1.0, fabs(want));
        return fabs(got - want) <= tol + slack ? SH_ANSWER_RIGHT : SH_ANSWER_WRONG;
    }
    if (strcmp(type, "subjective") == 0)
        return json_is_string(response) ? SH_ANSWER_NEEDS_SCORING : SH_ANSWER_INVALID;
    return SH_ANSWER_INVALID;
}
