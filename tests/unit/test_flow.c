/* test_flow.c — the flow engine's step logic (which state and step follow a
 * decision), its registry's checks of a declaration, and the lifecycle's grade
 * succession and class numbers. */
#include "harness.h"

#include "flow/module.h"
#include "lifecycle/module.h"

static const sh_flow_step two[] = {
    {"转出学校审核", "roster.approve", SH_FLOW_AT_SCHOOL},
    {"转入学校审核", "roster.approve", SH_FLOW_AT_TARGET_SCHOOL},
};
static const sh_flow two_steps = {.name = "test_two_steps", .label = "两步", .steps = two, .nsteps = 2};

TEST(flow_step_logic_moves_through_the_steps) {
    sh_flow_next n = sh_flow_after(&two_steps, 1, 1);
    CHECK_STR(n.state, "pending");
    CHECK(n.step == 2 && !n.final);
    n = sh_flow_after(&two_steps, 2, 1);
    CHECK_STR(n.state, "approved");
    CHECK(n.step == 2 && n.final);
}

TEST(flow_rejection_at_any_step_ends_the_request) {
    for (int step = 1; step <= 2; step++) {
        sh_flow_next n = sh_flow_after(&two_steps, step, 0);
        CHECK_STR(n.state, "rejected");
        CHECK(n.step == step && n.final);
    }
}

TEST(flow_a_step_outside_the_flow_moves_nothing) {
    sh_flow_next n = sh_flow_after(&two_steps, 3, 1);
    CHECK_STR(n.state, "pending");
    CHECK(n.step == 3 && !n.final);
    n = sh_flow_after(&two_steps, 0, 1);
    CHECK(!n.final);
}

TEST(flow_step_orgs_follow_the_declaration) {
    sh_err e;
    sh_err_init(&e);
    CHECK(sh_flow_step_org(NULL, &two_steps, 1, 10, 20, &e) == 10);
    CHECK(sh_flow_step_org(NULL, &two_steps, 2, 10, 20, &e) == 20);
    CHECK(sh_flow_step_org(NULL, &two_steps, 2, 10, 0, &e) == 0);
    CHECK_STR(e.first.code, "no_target_school");
    sh_err_clear(&e);
    CHECK(sh_flow_step_org(NULL, &two_steps, 3, 10, 20, &e) == 0);
    sh_err_clear(&e);
}

TEST(flow_registry_refuses_malformed_declarations) {
    sh_err e;
    sh_err_init(&e);
    static const sh_flow_step bad_perm[] = {{"审核", "roster.approve'; --", SH_FLOW_AT_SCHOOL}};
    static const sh_flow bad = {.name = "test_bad", .label = "坏", .steps = bad_perm, .nsteps = 1};
    CHECK(sh_flow_register(&bad, &e) == SH_ERR);
    sh_err_clear(&e);
    static const sh_flow empty = {.name = "test_empty", .label = "空", .steps = two, .nsteps = 0};
    CHECK(sh_flow_register(&empty, &e) == SH_ERR);
    sh_err_clear(&e);
    CHECK(sh_flow_register(&two_steps, &e) == SH_OK);
    CHECK(sh_flow_register(&two_steps, &e) == SH_OK); /* again: no-op */
    static const sh_flow same_name = {.name = "test_two_steps", .label = "重名", .steps = two, .nsteps = 1};
    CHECK(sh_flow_register(&same_name, &e) == SH_ERR);
    sh_err_clear(&e);
    CHECK(sh_flow_find("test_two_steps") == &two_steps);
    const char *perms[8];
    int n = sh_flow_permissions(perms, 8);
    int found = 0;
    for (int i = 0; i < n; i++)
        found += strcmp(perms[i], "roster.approve") == 0;
    CHECK(found == 1); /* listed once however many steps use it */
}

TEST(grade_succession_follows_the_stages) {
    int stage, year, ns, ny;
    REQUIRE(sh_grade_parse("一年级", &stage, &year));
    CHECK(stage == SH_STAGE_PRIMARY && year == 1);
    CHECK(sh_grade_next(stage, year, 0, &ns, &ny) == 1);
    CHECK_STR(sh_grade_name(ns, ny), "二年级");
    REQUIRE(sh_grade_parse("六年级", &stage, &year));
    CHECK(sh_grade_next(stage, year, 0, &ns, &ny) == 0); /* a primary school: graduates */
    CHECK(sh_grade_next(stage, year, 1, &ns, &ny) == 1); /* 九年一贯制: on to 七年级 */
    CHECK_STR(sh_grade_name(ns, ny), "七年级");
    REQUIRE(sh_grade_parse("初二", &stage, &year));
    CHECK(sh_grade_next(stage, year, 1, &ns, &ny) == 1);
    CHECK_STR(sh_grade_name(ns, ny), "九年级");
    REQUIRE(sh_grade_parse("九年级", &stage, &year));
    CHECK(sh_grade_next(stage, year, 1, &ns, &ny) == 0); /* 中考: always graduates */
    REQUIRE(sh_grade_parse("高二", &stage, &year));
    CHECK(sh_grade_next(stage, year, 0, &ns, &ny) == 1);
    CHECK_STR(sh_grade_name(ns, ny), "高三");
    REQUIRE(sh_grade_parse("高三", &stage, &year));
    CHECK(sh_grade_next(stage, year, 0, &ns, &ny) == 0);
    CHECK(!sh_grade_parse("学前班", &stage, &year));
    CHECK(sh_grade_next(SH_STAGE_JUNIOR, 4, 0, &ns, &ny) == -1);
}

TEST(grade_jyt_codes_skip_the_grouped_codes) {
    CHECK_STR(sh_grade_jyt_code(1), "1");
    CHECK_STR(sh_grade_jyt_code(3), "3");
    CHECK_STR(sh_grade_jyt_code(4), "5"); /* 4 is 三年级及以上 */
    CHECK_STR(sh_grade_jyt_code(5), "7");
    CHECK_STR(sh_grade_jyt_code(6), "9");
    CHECK(sh_grade_jyt_code(7) == NULL);
}

TEST(class_numbers_come_from_class_names) {
    CHECK(sh_lc_class_number("七年级（3）班") == 3);
    CHECK(sh_lc_class_number("高一（12）班") == 12);
    CHECK(sh_lc_class_number("7(2)班") == 2);
    CHECK(sh_lc_class_number("火箭班") == 0);
    CHECK(sh_lc_class_number("七年级（3班") == 0);
    CHECK(sh_lc_class_number("") == 0);
}
