/* test_items.c — the item bank's pure parts: the item rules of sh_item_parse
 * (one test per rule, and hostile input) and answer checking (sh_item_check). */
#include "harness.h"

#include "items/items.h"

#include <stdlib.h>
#include <string.h>

static const char *single =
    "{\"code\":\"T-I-01-001\",\"type\":\"single\",\"stem\":\"下列各数中，是负数的是（　　）\","
    "\"options\":[{\"key\":\"A\",\"text\":\"$0$\"},{\"key\":\"B\",\"text\":\"$3$\",\"misconception\":\"x\"},"
    "{\"key\":\"C\",\"text\":\"$-2$\"},{\"key\":\"D\",\"text\":\"$1$\"}],\"answer\":\"C\",\"explanation\":\"解\","
    "\"knowledge_points\":[\"RJM-1.1\"],\"difficulty\":2,\"source\":\"数枢原创\",\"score\":3}";

/* Parse text after replacing the member `name` with `value` (JSON text; NULL
 * removes it); returns the first error code, or "" when it parses. */
static const char *rule(const char *base, const char *name, const char *value) {
    static char code[64];
    json_t *o = json_loads(base, 0, NULL);
    if (value)
        json_object_set_new(o, name, json_loads(value, JSON_DECODE_ANY, NULL));
    else if (name)
        json_object_del(o, name);
    sh_item it;
    sh_err err;
    sh_err_init(&err);
    int rc = sh_item_parse(o, &it, &err);
    snprintf(code, sizeof code, "%s", rc == SH_OK ? "" : err.first.code);
    if (rc == SH_OK)
        json_decref(it.content);
    else
        CHECK(strlen(err.first.message) > 0);
    sh_err_clear(&err);
    json_decref(o);
    return code;
}

TEST(items_parse_valid_of_each_type) {
    CHECK_STR(rule(single, NULL, NULL), "");
    CHECK_STR(rule(single, "type", "\"multiple\""), "invalid_answer"); /* a multiple answer is an array */
    json_t *o = json_loads(single, 0, NULL);
    json_object_set_new(o, "type", json_string("multiple"));
    json_object_set_new(o, "answer", json_pack("[s,s]", "A", "C"));
    sh_item it;
    sh_err err;
    sh_err_init(&err);
    CHECK(sh_item_parse(o, &it, &err) == SH_OK);
    CHECK(it.nkp == 1 && strcmp(it.kp[0], "RJM-1.1") == 0 && it.score == 3 && it.difficulty == 2);
    CHECK(json_object_get(it.content, "code") == NULL); /* content carries no code */
    json_decref(it.content);
    json_decref(o);
    const char *tf = "{\"type\":\"truefalse\",\"stem\":\"0 是正数\",\"answer\":false,\"explanation\":\"解\","
                     "\"knowledge_points\":[\"K\"],\"difficulty\":1,\"source\":\"数枢原创\",\"score\":2}";
    CHECK_STR(rule(tf, NULL, NULL), "");
    CHECK_STR(rule(tf, "answer", "\"false\""), "invalid_answer");
    CHECK_STR(rule(tf, "options", "[]"), "unexpected_field");
    const char *num =
        "{\"type\":\"numeric\",\"stem\":\"计算\",\"answer\":{\"value\":-10,\"tolerance\":0},"
        "\"explanation\":\"解\",\"knowledge_points\":[\"K\"],\"difficulty\":3,\"source\":\"s\",\"score\":3}";
    CHECK_STR(rule(num, NULL, NULL), "");
    CHECK_STR(rule(num, "answer", "{\"value\":1,\"tolerance\":-0.5}"), "invalid_answer");
    CHECK_STR(rule(num, "answer", "{\"value\":1,\"tolerance\":0,\"unit\":\"cm\"}"), "");
    CHECK_STR(rule(num, "answer", "{\"value\":\"1\",\"tolerance\":0}"), "invalid_answer");
    CHECK_STR(rule(num, "answer", "{\"value\":1,\"tolerance\":0,\"extra\":1}"), "invalid_answer");
}

TEST(items_parse_subjective_rubric) {
    const char *sub =
        "{\"type\":\"subjective\",\"stem\":\"证明\",\"answer\":\"证：…\",\"rubric\":["
        "{\"points\":2,\"criterion\":\"a\"},{\"points\":4,\"criterion\":\"b\"}],\"explanation\":\"解\","
        "\"knowledge_points\":[\"K\",\"L\"],\"difficulty\":4,\"source\":\"s\",\"score\":6}";
    CHECK_STR(rule(sub, NULL, NULL), "");
    CHECK_STR(rule(sub, "score", "8"), "rubric_sum"); /* 2 + 4 is not 8 */
    CHECK_STR(rule(sub, "rubric", NULL), "invalid_rubric");
    CHECK_STR(rule(sub, "rubric", "[{\"points\":0,\"criterion\":\"a\"},{\"points\":6,\"criterion\":\"b\"}]"),
              "invalid_rubric");
    CHECK_STR(rule(sub, "rubric", "[{\"points\":6}]"), "invalid_rubric");
    CHECK_STR(rule(sub, "answer", "\"  \""), "required");
    CHECK_STR(rule(single, "rubric", "[{\"points\":3,\"criterion\":\"a\"}]"), "unexpected_field");
}

TEST(items_parse_one_rule_each) {
    CHECK_STR(rule(single, "type", "\"essay\""), "invalid_type");
    CHECK_STR(rule(single, "stem", NULL), "required");
    CHECK_STR(rule(single, "stem", "42"), "invalid_type");
    CHECK_STR(rule(single, "explanation", "\"\""), "required");
    CHECK_STR(rule(single, "source", NULL), "required");
    CHECK_STR(rule(single, "difficulty", "6"), "out_of_range");
    CHECK_STR(rule(single, "difficulty", "2.5"), "out_of_range");
    CHECK_STR(rule(single, "score", "0"), "out_of_range");
    CHECK_STR(rule(single, "knowledge_points", "[]"), "invalid_knowledge_points");
    CHECK_STR(rule(single, "knowledge_points", "[\"a\",\"b\",\"c\",\"d\"]"), "invalid_knowledge_points");
    CHECK_STR(rule(single, "knowledge_points", "[\"a\",\"a\"]"), "duplicate");
    CHECK_STR(rule(single, "knowledge_points", "\"RJM-1.1\""), "invalid_knowledge_points");
    CHECK_STR(rule(single, "code", "\"坏 编码\""), "invalid_code");
    CHECK_STR(rule(single, "colour", "\"red\""), "unknown_field");
    CHECK_STR(rule(single, "answer", "\"E\""), "invalid_answer");
    CHECK_STR(rule(single, "answer", NULL), "required");
    CHECK_STR(rule(single, "options", NULL), "required");
    CHECK_STR(rule(single, "options", "[{\"key\":\"A\",\"text\":\"1\"}]"), "invalid_options");
    CHECK_STR(rule(single, "options", "[{\"key\":\"A\",\"text\":\"1\"},{\"key\":\"C\",\"text\":\"2\"}]"),
              "invalid_key");
    CHECK_STR(rule(single, "options", "[{\"key\":\"A\",\"text\":\"1\"},{\"key\":\"B\",\"text\":\"\"}]"),
              "required");
    CHECK_STR(
        rule(single, "options", "[{\"key\":\"A\",\"text\":\"1\"},{\"key\":\"B\",\"text\":\"2\",\"x\":1}]"),
        "unknown_field");
    CHECK_STR(rule(single, "options", "[1,2]"), "invalid_type");
    const char *multi_base =
        "{\"type\":\"multiple\",\"stem\":\"s\",\"options\":[{\"key\":\"A\",\"text\":\"1\"},"
        "{\"key\":\"B\",\"text\":\"2\"},{\"key\":\"C\",\"text\":\"3\"}],\"answer\":[\"A\",\"B\"],"
        "\"explanation\":\"e\",\"knowledge_points\":[\"K\"],\"difficulty\":1,\"source\":\"s\","
        "\"score\":3}";
    CHECK_STR(rule(multi_base, NULL, NULL), "");
    CHECK_STR(rule(multi_base, "answer", "[\"B\",\"A\"]"), "invalid_answer"); /* not sorted */
    CHECK_STR(rule(multi_base, "answer", "[\"A\"]"), "invalid_answer");       /* fewer than two */
    CHECK_STR(rule(multi_base, "answer", "[\"A\",\"A\"]"), "invalid_answer"); /* repeated */
    CHECK_STR(rule(multi_base, "answer", "[\"A\",\"D\"]"), "invalid_answer"); /* not an option */
}

TEST(items_parse_hostile_input) {
    /* a huge stem */
    size_t n = 1 << 20;
    char *big = malloc(n + 3);
    REQUIRE(big);
    big[0] = '"';
    memset(big + 1, 'x', n);
    big[n + 1] = '"';
    big[n + 2] = 0;
    CHECK_STR(rule(single, "stem", big), "too_long");
    free(big);
    /* 10,000 options */
    json_t *o = json_loads(single, 0, NULL), *opts = json_array();
    for (int i = 0; i < 10000; i++)
        json_array_append_new(opts, json_pack("{s:s,s:s}", "key", "A", "text", "x"));
    json_object_set_new(o, "options", opts);
    sh_item it;
    sh_err err;
    sh_err_init(&err);
    CHECK(sh_item_parse(o, &it, &err) == SH_ERR);
    CHECK_STR(err.first.code, "invalid_options");
    CHECK(sh_err_count(&err) == 1); /* refused as a whole, not 10,000 errors */
    sh_err_clear(&err);
    json_decref(o);
    /* not an object, a NUL inside a text, a non-finite number cannot come from JSON */
    sh_err_init(&err);
    json_t *arr = json_array();
    CHECK(sh_item_parse(arr, &it, &err) == SH_ERR);
    json_decref(arr);
    sh_err_clear(&err);
    o = json_loads(single, 0, NULL);
    json_object_set_new(o, "stem", json_stringn("a\0b", 3));
    sh_err_init(&err);
    CHECK(sh_item_parse(o, &it, &err) == SH_ERR);
    CHECK_STR(err.first.code, "invalid_text");
    sh_err_clear(&err);
    json_decref(o);
}

static sh_answer_verdict check(const char *content, const char *response) {
    json_t *c = json_loads(content, 0, NULL), *r = json_loads(response, JSON_DECODE_ANY, NULL);
    sh_answer_verdict v = sh_item_check(c, r);
    json_decref(c);
    json_decref(r);
    return v;
}

TEST(items_check_answers) {
    const char *s = "{\"type\":\"single\",\"answer\":\"C\"}";
    CHECK(check(s, "\"C\"") == SH_ANSWER_RIGHT);
    CHECK(check(s, "\"A\"") == SH_ANSWER_WRONG);
    CHECK(check(s, "[\"C\"]") == SH_ANSWER_INVALID);
    const char *m = "{\"type\":\"multiple\",\"answer\":[\"A\",\"C\"]}";
    CHECK(check(m, "[\"A\",\"C\"]") == SH_ANSWER_RIGHT);
    CHECK(check(m, "[\"C\",\"A\"]") == SH_ANSWER_RIGHT);       /* order does not matter */
    CHECK(check(m, "[\"A\"]") == SH_ANSWER_WRONG);             /* a subset is wrong */
    CHECK(check(m, "[\"A\",\"B\",\"C\"]") == SH_ANSWER_WRONG); /* a superset is wrong */
    CHECK(check(m, "[]") == SH_ANSWER_WRONG);
    CHECK(check(m, "[\"Z\"]") == SH_ANSWER_INVALID);
    CHECK(check(m, "\"A\"") == SH_ANSWER_INVALID);
    const char *tf = "{\"type\":\"truefalse\",\"answer\":false}";
    CHECK(check(tf, "false") == SH_ANSWER_RIGHT);
    CHECK(check(tf, "true") == SH_ANSWER_WRONG);
    CHECK(check(tf, "\"false\"") == SH_ANSWER_INVALID);
    const char *num = "{\"type\":\"numeric\",\"answer\":{\"value\":0.3,\"tolerance\":0.01}}";
    CHECK(check(num, "0.3") == SH_ANSWER_RIGHT);
    CHECK(check(num, "0.31") == SH_ANSWER_RIGHT); /* the edge is inside */
    CHECK(check(num, "0.2899") == SH_ANSWER_WRONG);
    CHECK(check(num, "\" 0.305 \"") == SH_ANSWER_RIGHT);
    CHECK(check(num, "\"三\"") == SH_ANSWER_INVALID);
    CHECK(check(num, "\"1e999\"") == SH_ANSWER_INVALID);
    const char *exact = "{\"type\":\"numeric\",\"answer\":{\"value\":0.3,\"tolerance\":0}}";
    CHECK(check(exact, "0.30000000000000004") == SH_ANSWER_RIGHT); /* 0.1 + 0.2 */
    CHECK(check(exact, "0.3001") == SH_ANSWER_WRONG);
    const char *sub = "{\"type\":\"subjective\",\"answer\":\"证明：…\"}";
    CHECK(check(sub, "\"我的证明\"") == SH_ANSWER_NEEDS_SCORING);
    CHECK(check(sub, "1") == SH_ANSWER_INVALID);
    CHECK(sh_item_check(NULL, NULL) == SH_ANSWER_INVALID);
}
