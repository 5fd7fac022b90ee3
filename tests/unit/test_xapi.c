/* test_xapi.c — the xAPI statement validator's building blocks (times,
 * durations, language tags, UUIDs, IRIs), a few whole statements, agent keys
 * and the canonical format's choice of language. */
#include "harness.h"

#include "xapi/x_impl.h"

static int valid(const char *text) {
    json_t *j = json_loads(text, 0, NULL);
    sh_err e;
    sh_err_init(&e);
    int rc = j ? x_validate_statement(j, "", &e) : SH_ERR;
    sh_err_clear(&e);
    json_decref(j);
    return rc == SH_OK;
}

TEST(xapi_times_are_iso8601_with_offsets_in_utc_milliseconds) {
    int64_t ms = 0;
    CHECK(x_parse_time("1970-01-01T00:00:00Z", &ms) == SH_OK && ms == 0);
    CHECK(x_parse_time("1970-01-01T08:00:00.5+08:00", &ms) == SH_OK && ms == 500);
    CHECK(x_parse_time("1970-01-01T00:00:01.123456789Z", &ms) == SH_OK && ms == 1123);
    CHECK(x_parse_time("1970-01-01T05:30:00+0530", &ms) == SH_OK && ms == 0);
    CHECK(x_parse_time("2024-02-29T00:00:00Z", &ms) == SH_OK);
    CHECK(x_parse_time("2023-02-29T00:00:00Z", &ms) == SH_ERR);
    CHECK(x_parse_time("2026-03-05T08:30:00-00:00", &ms) == SH_ERR); /* RFC 3339: offset unknown */
    CHECK(x_parse_time("2026-03-05", &ms) == SH_ERR);
    CHECK(x_parse_time("2026-03-05 08:30:00Z", &ms) == SH_ERR);
    CHECK(x_parse_time("2026-03-05T08:30:00Zjunk", &ms) == SH_ERR);
    CHECK(x_parse_time("2026-03-05T24:00:00Z", &ms) == SH_ERR);
}

TEST(xapi_durations_follow_iso8601) {
    CHECK(x_valid_duration("PT1H30M"));
    CHECK(x_valid_duration("P1Y2M3DT4H5M6.7S"));
    CHECK(x_valid_duration("P2W"));
    CHECK(x_valid_duration("PT0S"));
    CHECK(!x_valid_duration("P"));
    CHECK(!x_valid_duration("PT"));
    CHECK(!x_valid_duration("P1H"));
    CHECK(!x_valid_duration("PT1M2H"));
    CHECK(!x_valid_duration("P1W1D"));
    CHECK(!x_valid_duration("PT1.5M"));
    CHECK(!x_valid_duration("1D"));
}

TEST(xapi_language_tags_uuids_and_iris) {
    CHECK(x_valid_lang_tag("zh-CN") && x_valid_lang_tag("zh-Hans-CN") && x_valid_lang_tag("x-klingon"));
    CHECK(!x_valid_lang_tag("zh_CN") && !x_valid_lang_tag("") && !x_valid_lang_tag("en-") &&
          !x_valid_lang_tag("1en"));
    CHECK(x_valid_uuid("12345678-1234-4123-8123-123456789ABC"));
    CHECK(!x_valid_uuid("12345678123441238123123456789abc") &&
          !x_valid_uuid("12345678-1234-4123-8123-123456789ab"));
    CHECK(x_valid_iri("http://example.org/a") && x_valid_iri("urn:uuid:1") &&
          x_valid_iri("http://例子.中国/活动"));
    CHECK(!x_valid_iri("example.org/a") && !x_valid_iri("http://a b") && !x_valid_iri("http:") &&
          !x_valid_iri(""));
}

TEST(xapi_statements_accepted_and_refused) {
    CHECK(valid(
        "{\"actor\":{\"mbox\":\"mailto:a@b.c\"},\"verb\":{\"id\":\"http://v\"},\"object\":{\"id\":\"http://a\"}}"));
    CHECK(!valid("{\"actor\":{\"mbox\":\"mailto:a@b.c\"},\"verb\":{\"id\":\"http://v\"}}"));
    CHECK(!valid(
        "{\"actor\":{\"mbox\":\"mailto:a@b.c\",\"openid\":\"http://o\"},\"verb\":{\"id\":\"http://v\"},"
        "\"object\":{\"id\":\"http://a\"}}"));
    CHECK(!valid(
        "{\"actor\":{\"mbox\":\"mailto:a@b.c\"},\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/voided\"},"
        "\"object\":{\"id\":\"http://a\"}}"));
    CHECK(!valid(
        "{\"actor\":{\"mbox\":\"mailto:a@b.c\"},\"verb\":{\"id\":\"http://v\"},\"object\":{\"id\":\"http://a\"},"
        "\"result\":{\"score\":{\"raw\":11,\"max\":10}}}"));
}

TEST(xapi_context_activities_become_arrays) {
    json_t *j = json_loads("{\"actor\":{\"mbox\":\"mailto:a@b.c\"},\"verb\":{\"id\":\"http://v\"},"
                           "\"object\":{\"id\":\"http://a\"},\"context\":{\"contextActivities\":"
                           "{\"parent\":{\"id\":\"http://p\"}}}}",
                           0, NULL);
    sh_err e;
    sh_err_init(&e);
    REQUIRE(j && x_validate_statement(j, "", &e) == SH_OK);
    json_t *parent =
        json_object_get(json_object_get(json_object_get(j, "context"), "contextActivities"), "parent");
    CHECK(json_is_array(parent) && json_array_size(parent) == 1);
    json_decref(j);
    sh_err_clear(&e);
}

TEST(xapi_agent_keys_name_platform_people_by_uid) {
    char key[X_AGENT_KEY_MAX];
    json_t *a = json_loads("{\"account\":{\"homePage\":\"http://h:1/\",\"name\":\"01ABC\"}}", 0, NULL);
    CHECK(x_agent_key(a, "http://h:1", key, sizeof key) == SH_OK);
    CHECK(strcmp(key, "person:01ABC") == 0);
    CHECK(x_agent_key(a, "http://other", key, sizeof key) == SH_OK);
    CHECK(strcmp(key, "account:http://h:1/ 01ABC") == 0);
    json_decref(a);
    json_t *g = json_loads("{\"objectType\":\"Group\",\"member\":[{\"mbox\":\"mailto:a@b.c\"}]}", 0, NULL);
    CHECK(x_agent_key(g, "http://h:1", key, sizeof key) == SH_ERR); /* an anonymous group has no key */
    json_decref(g);
}

TEST(xapi_canonical_picks_the_accepted_language) {
    json_t *st = json_loads(
        "{\"verb\":{\"id\":\"http://v\",\"display\":{\"en-US\":\"read\",\"zh-CN\":\"阅读\"}}}", 0, NULL);
    x_format_canonical(st, "fr, zh;q=0.8");
    json_t *d = json_object_get(json_object_get(st, "verb"), "display");
    CHECK(json_object_size(d) == 1 && json_object_get(d, "zh-CN"));
    json_decref(st);
}
