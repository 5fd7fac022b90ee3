/* test_model.c — JSON body mapping with field errors, cursors, list query parsing,
 * masking and identifier checks, all driven by a test entity declared here. */
#include "harness.h"

#include "core/alloc.h"
#include "model/identifiers.h"
#include "model/list.h"

static int fake_codes(const char *table, const char *code) {
    if (strcmp(table, "gb2261_1_sex") == 0)
        return strcmp(code, "1") == 0 || strcmp(code, "2") == 0;
    if (strcmp(table, "gb2260_region") == 0)
        return strcmp(code, "370000") == 0 || strcmp(code, "110000") == 0;
    return -1;
}

static const sh_field fields[] = {
    SH_FIELD_KEY,
    SH_FIELD_UID("标识"),
    {.name = "name",
     .column = "name",
     .type = SH_T_TEXT,
     .label = "姓名",
     .grade = SH_L3,
     .max_len = 5,
     .flags = SH_F_REQUIRED | SH_F_FILTER,
     .mask = SH_MASK_NAME},
    {.name = "sex",
     .column = "sex",
     .type = SH_T_CODE,
     .code_table = "gb2261_1_sex",
     .label = "性别",
     .grade = SH_L3,
     .flags = SH_F_FILTER},
    {.name = "birth", .column = "birth", .type = SH_T_DATE, .label = "出生日期", .grade = SH_L3},
    {.name = "age",
     .column = "age",
     .type = SH_T_INT,
     .label = "年龄",
     .grade = SH_L2,
     .min = 3,
     .max = 25,
     .flags = SH_F_FILTER},
    {.name = "active",
     .column = "active",
     .type = SH_T_BOOL,
     .label = "在读",
     .grade = SH_L1,
     .flags = SH_F_FILTER},
    {.name = "school_code",
     .column = "school_code",
     .type = SH_T_TEXT,
     .label = "学校标识码",
     .grade = SH_L1,
     .max_len = 10,
     .check = sh_check_school_code,
     .flags = SH_F_IMMUTABLE},
    SH_FIELD_CREATED_AT,
    {.name = "secret", .column = "secret", .type = SH_T_BLOB, .label = "密文", .grade = SH_L4},
};
static const sh_entity person = {
    .name = "t_person", .table = "t_person", .label = "测试人员", SH_FIELDS(fields)};

static int map(const char *text, sh_input_mode mode, sh_err *e, sh_record *r, sh_pool *p) {
    json_error_t je;
    json_t *j = json_loads(text, JSON_ALLOW_NUL, &je);
    if (!j)
        return -2;
    int rc = sh_record_from_json(p, &person, j, mode, r, e);
    json_decref(j);
    return rc;
}

static int has_error(const sh_err *e, const char *code, const char *field) {
    for (size_t i = 0; i < (e->nmore ? e->nmore : 1); i++) {
        const sh_err_item *it = e->nmore ? &e->more[i] : &e->first;
        if (strcmp(it->code, code) == 0 && strcmp(it->field, field) == 0)
            return 1;
    }
    return 0;
}

TEST(record_valid_input_is_normalised) {
    sh_set_code_lookup(fake_codes);
    sh_pool *p = sh_pool_create();
    sh_err e;
    sh_err_init(&e);
    sh_record r;
    int rc = map("{\"name\":\" 张三 \",\"sex\":\"１\",\"birth\":\"2012-02-29\",\"age\":14,\"active\":true,"
                 "\"school_code\":\"2137000001\"}",
                 SH_INPUT_CREATE, &e, &r, p);
    CHECK(rc == SH_OK);
    CHECK(sh_err_count(&e) == 0);
    CHECK_STR(r.v[2].s, "张三");
    CHECK_STR(r.v[3].s, "1");
    CHECK(r.v[5].i == 14);
    CHECK(r.v[6].i == 1);
    sh_err_clear(&e);
    sh_pool_destroy(p);
}

TEST(record_reports_every_problem_with_its_field) {
    sh_set_code_lookup(fake_codes);
    sh_pool *p = sh_pool_create();
    sh_err e;
    sh_err_init(&e);
    sh_record r;
    int rc =
        map("{\"sex\":\"9\",\"birth\":\"2023-02-29\",\"age\":99,\"active\":\"yes\",\"id\":\"x\","
            "\"created_at\":1,\"nickname\":\"a\",\"_key\":5,\"secret\":\"s\",\"school_code\":\"9937000001\"}",
            SH_INPUT_CREATE, &e, &r, p);
    CHECK(rc == SH_ERR);
    CHECK(e.status == 400);
    CHECK(has_error(&e, "invalid_code", "sex"));
    CHECK(has_error(&e, "invalid_date", "birth"));
    CHECK(has_error(&e, "out_of_range", "age"));
    CHECK(has_error(&e, "invalid_type", "active"));
    CHECK(has_error(&e, "read_only", "id"));
    CHECK(has_error(&e, "read_only", "created_at"));
    CHECK(has_error(&e, "unknown_field", "nickname"));
    CHECK(has_error(&e, "unknown_field", "_key"));
    CHECK(has_error(&e, "unknown_field", "secret"));
    CHECK(has_error(&e, "invalid_school_code", "school_code"));
    CHECK(has_error(&e, "required", "name"));
    CHECK(sh_err_count(&e) == 11);
    /* messages speak Chinese and name the field's label */
    CHECK(strstr(e.more[0].message, "性别") || strstr(e.more[0].message, "字段"));
    sh_err_clear(&e);
    sh_pool_destroy(p);
}

TEST(record_text_limits) {
    sh_set_code_lookup(fake_codes);
    sh_pool *p = sh_pool_create();
    sh_err e;
    sh_err_init(&e);
    sh_record r;
    CHECK(map("{\"name\":\"一二三四五\"}", SH_INPUT_CREATE, &e, &r, p) == SH_OK); /* 5 characters */
    CHECK(map("{\"name\":\"一二三四五六\"}", SH_INPUT_CREATE, &e, &r, p) == SH_ERR);
    CHECK(has_error(&e, "too_long", "name"));
    sh_err_clear(&e);
    CHECK(map("{\"name\":\"a\\u0000b\"}", SH_INPUT_CREATE, &e, &r, p) == SH_ERR);
    CHECK(has_error(&e, "invalid_characters", "name"));
    sh_err_clear(&e);
    CHECK(map("{\"name\":\"a\\u0007b\"}", SH_INPUT_CREATE, &e, &r, p) == SH_ERR);
    CHECK(has_error(&e, "invalid_characters", "name"));
    sh_err_clear(&e);
    CHECK(map("{\"name\":\"   \"}", SH_INPUT_CREATE, &e, &r, p) == SH_ERR);
    CHECK(has_error(&e, "required", "name"));
    sh_err_clear(&e);
    CHECK(map("{\"name\":null}", SH_INPUT_CREATE, &e, &r, p) == SH_ERR);
    sh_err_clear(&e);
    CHECK(map("[1,2]", SH_INPUT_CREATE, &e, &r, p) == SH_ERR);
    CHECK_STR(e.first.code, "invalid_body");
    sh_err_clear(&e);
    /* update: nothing required, immutable refused */
    CHECK(map("{\"age\":10}", SH_INPUT_UPDATE, &e, &r, p) == SH_OK);
    CHECK(map("{\"school_code\":\"2137000001\"}", SH_INPUT_UPDATE, &e, &r, p) == SH_ERR);
    CHECK(has_error(&e, "immutable", "school_code"));
    sh_err_clear(&e);
    sh_pool_destroy(p);
}

TEST(record_mapping_survives_allocation_failures) {
    sh_set_code_lookup(fake_codes);
    const char *text = "{\"name\":\"张三\",\"sex\":\"2\",\"age\":7,\"nick\":1,\"birth\":\"2019-01-01\"}";
    json_t *j = json_loads(text, 0, NULL);
    REQUIRE(j);
    for (size_t n = 1; n < 40; n++) {
        sh_pool *p = sh_pool_create();
        if (!p)
            continue;
        sh_err e;
        sh_err_init(&e);
        sh_record r;
        sh_alloc_fail_at(n);
        int rc = sh_record_from_json(p, &person, j, SH_INPUT_CREATE, &r, &e);
        sh_alloc_fail_at(0);
        CHECK(rc == SH_ERR); /* "nick" is unknown, so it always fails — but never crashes */
        sh_err_clear(&e);
        sh_pool_destroy(p);
    }
    json_decref(j);
}

TEST(cursor_round_trip_and_rejects) {
    char c[SH_CURSOR_MAX];
    int64_t k = 0;
    sh_cursor_encode(123456789012LL, c);
    CHECK(sh_cursor_decode(c, &k, NULL) == SH_OK && k == 123456789012LL);
    sh_cursor_encode(1, c);
    CHECK(sh_cursor_decode(c, &k, NULL) == SH_OK && k == 1);
    const char *bad[] = {"",       "zzz",      "azEu",
                         "azEuMA", "azEuLTE",  "azIuMw",
                         "YWJj",   "azEuMw==", "azEuMTIzNDU2Nzg5MDEyMzQ1Njc4OTA",
                         "az!uMw", NULL};
    /* azEu = "k1." (no digits), azEuMA = "k1.0", azEuLTE = "k1.-1", azIuMw = "k2.3" */
    for (int i = 0; bad[i]; i++) {
        sh_err e;
        sh_err_init(&e);
        CHECK(sh_cursor_decode(bad[i], &k, &e) == SH_ERR);
        CHECK_STR(e.first.code, "invalid_cursor");
        CHECK(e.status == 400);
    }
}

TEST(list_query_parse_filters_and_errors) {
    sh_pool *p = sh_pool_create();
    sh_list_query q;
    sh_err e;
    sh_err_init(&e);
    const char *k1[] = {"limit", "sex", "age", "active"}, *v1[] = {"20", "2", "9", "false"};
    CHECK(sh_list_query_parse(p, &person, k1, v1, 4, NULL, &q, &e) == SH_OK);
    CHECK(q.limit == 20 && q.nfilters == 3);
    CHECK(q.filters[1].v.i == 9 && q.filters[2].v.i == 0);
    const char *k2[] = {"limit", "cursor", "birth", "age", "age", "bogus", "active"},
               *v2[] = {"0", "??", "2020-01-01", "x", "1", "1", "maybe"};
    CHECK(sh_list_query_parse(p, &person, k2, v2, 7, NULL, &q, &e) == SH_ERR);
    CHECK(has_error(&e, "invalid_limit", "limit"));
    CHECK(has_error(&e, "invalid_cursor", "cursor"));
    CHECK(has_error(&e, "unknown_parameter", "birth")); /* not declared filterable */
    CHECK(has_error(&e, "invalid_filter", "age"));
    CHECK(has_error(&e, "unknown_parameter", "bogus"));
    CHECK(has_error(&e, "invalid_filter", "active"));
    sh_err_clear(&e);
    const char *k3[] = {"limit", "limit"}, *v3[] = {"5", "6"};
    CHECK(sh_list_query_parse(p, &person, k3, v3, 2, NULL, &q, &e) == SH_ERR);
    sh_err_clear(&e);
    const char *also[] = {"q", NULL};
    const char *k4[] = {"q"}, *v4[] = {"张"};
    CHECK(sh_list_query_parse(p, &person, k4, v4, 1, also, &q, &e) == SH_OK);
    CHECK(q.limit == SH_LIST_DEFAULT_LIMIT);
    sh_pool_destroy(p);
}

TEST(list_sql_is_built_from_declarations_only) {
    sh_pool *p = sh_pool_create();
    sh_list_query q;
    sh_err e;
    sh_err_init(&e);
    const char *k[] = {"name", "age"}, *v[] = {"';--", "3"};
    if (sh_list_query_parse(p, &person, k, v, 2, NULL, &q, &e) != SH_OK) {
        CHECK(0);
        sh_err_clear(&e);
        sh_pool_destroy(p);
        return;
    }
    sh_buf sql;
    sh_buf_init(&sql, 0);
    CHECK(sh_list_sql(&sql, &person, &q, "t.school_id = $1", 1) == SH_OK);
    CHECK(strchr(sql.data, '\'') == NULL); /* values are parameters, never text */
    CHECK(strstr(sql.data, "t.id > $2") != NULL);
    CHECK(strstr(sql.data, "t.name = $3") && strstr(sql.data, "t.age = $4") && strstr(sql.data, "LIMIT $5"));
    CHECK(strstr(sql.data, "(t.school_id = $1)") != NULL);
    CHECK(strstr(sql.data, "secret") == NULL); /* blobs never selected */
    sh_buf_free(&sql);
    sh_pool_destroy(p);
}

TEST(mask_values) {
    sh_pool *p = sh_pool_create();
    CHECK_STR(sh_mask_value(p, SH_MASK_NAME, "张三丰"), "张**");
    CHECK_STR(sh_mask_value(p, SH_MASK_NAME, "李"), "李*");
    CHECK_STR(sh_mask_value(p, SH_MASK_ID, "110105201203041234"), "110105********1234");
    CHECK_STR(sh_mask_value(p, SH_MASK_PHONE, "13812341234"), "138****1234");
    CHECK_STR(sh_mask_value(p, SH_MASK_PHONE, "1234"), "****");
    CHECK_STR(sh_mask_value(p, SH_MASK_ADDRESS, "山东省潍坊市奎文区东风街 12 号"), "山东省潍坊市奎文区****");
    CHECK_STR(sh_mask_value(p, SH_MASK_DATE, "2012-03-04"), "2012-**-**");
    CHECK(sh_mask_value(p, SH_MASK_HIDE, "x") == NULL);
    sh_pool_destroy(p);
}

TEST(school_code_structure) {
    sh_set_code_lookup(fake_codes);
    CHECK(sh_valid_school_code("2137000001"));
    CHECK(sh_valid_school_code("3411000123"));
    CHECK(!sh_valid_school_code("2199000001")); /* no province 99 */
    CHECK(!sh_valid_school_code("1037000001")); /* no category 10 */
    CHECK(!sh_valid_school_code("213700001"));
    CHECK(!sh_valid_school_code("21370000011"));
    CHECK(!sh_valid_school_code("21370A0001"));
}

TEST(entity_grade_is_the_highest) { CHECK(sh_entity_grade(&person) == SH_L4); /* 就高从严 */ }
