/* test_router.c — route tables: refusal of routes without a permission,
 * duplicates, path parameters, literal-over-parameter precedence, 405. */
#include "harness.h"

#include "http/router.h"

static int h(sh_req *r) {
    (void)r;
    return SH_OK;
}

static const sh_route good[] = {
    {SH_GET, "/api/v1/orgs", "org.read", h, "列表", NULL, NULL, 0},
    {SH_GET, "/api/v1/orgs/{id}", "org.read", h, "详情", NULL, NULL, 0},
    {SH_GET, "/api/v1/orgs/tree", "org.read", h, "树", NULL, NULL, 0},
    {SH_PATCH, "/api/v1/orgs/{id}", "org.write", h, "修改", NULL, NULL, 0},
    {SH_GET, "/api/v1/orgs/{id}/children/{child}", "org.read", h, "下级", NULL, NULL, 0},
};
static const sh_module good_mod = {.name = "t", .label = "测试", .routes = good, .nroutes = 5};

static sh_req *new_req(sh_pool *p, int method, const char *path) {
    sh_req *r = sh_pcalloc(p, sizeof *r);
    r->pool = p;
    r->method = method;
    r->path = path;
    return r;
}

TEST(router_matches_params_and_prefers_literals) {
    const sh_module *mods[] = {&good_mod};
    sh_router *r;
    sh_err e;
    sh_err_init(&e);
    REQUIRE(sh_router_build(mods, 1, &r, &e) == SH_OK);
    sh_pool *p = sh_pool_create();
    int allowed;
    sh_req *q = new_req(p, SH_GET, "/api/v1/orgs/abc123");
    CHECK(sh_router_match(r, q, &allowed) == 1);
    CHECK_STR(sh_req_param(q, "id"), "abc123");
    q = new_req(p, SH_GET, "/api/v1/orgs/tree");
    CHECK(sh_router_match(r, q, &allowed) == 2);
    q = new_req(p, SH_HEAD, "/api/v1/orgs");
    CHECK(sh_router_match(r, q, &allowed) == 0);
    q = new_req(p, SH_GET, "/api/v1/orgs/a/children/b");
    CHECK(sh_router_match(r, q, &allowed) == 4);
    CHECK_STR(sh_req_param(q, "child"), "b");
    q = new_req(p, SH_DELETE, "/api/v1/orgs/x");
    CHECK(sh_router_match(r, q, &allowed) == -2);
    CHECK(allowed & SH_GET && allowed & SH_PATCH && !(allowed & SH_POST));
    const char *misses[] = {"/api/v1/org",
                            "/api/v1/orgs/",
                            "/api/v1/orgs//x",
                            "//api/v1/orgs",
                            "api/v1/orgs",
                            "/api/v1/orgs/a/b",
                            "/",
                            ""};
    for (size_t i = 0; i < sizeof misses / sizeof misses[0]; i++) {
        q = new_req(p, SH_GET, misses[i]);
        CHECK(sh_router_match(r, q, &allowed) == -1);
    }
    sh_pool_destroy(p);
    sh_router_free(r);
}

TEST(router_refuses_route_without_permission) {
    static const sh_route bad[] = {{SH_GET, "/api/v1/x", NULL, h, "无权限", NULL, NULL, 0}};
    static const sh_module m = {.name = "bad", .label = "坏", .routes = bad, .nroutes = 1};
    const sh_module *mods[] = {&m};
    sh_router *r;
    sh_err e;
    sh_err_init(&e);
    CHECK(sh_router_build(mods, 1, &r, &e) == SH_ERR);
    CHECK_STR(e.first.code, "route_without_permission");
    static const sh_route empty[] = {{SH_GET, "/api/v1/x", "", h, "空权限", NULL, NULL, 0}};
    static const sh_module m2 = {.name = "bad", .label = "坏", .routes = empty, .nroutes = 1};
    const sh_module *mods2[] = {&m2};
    CHECK(sh_router_build(mods2, 1, &r, &e) == SH_ERR);
}

TEST(router_refuses_duplicates_and_bad_patterns) {
    static const sh_route dup[] = {{SH_GET, "/a/{x}", "p", h, "1", NULL, NULL, 0},
                                   {SH_GET, "/a/{y}", "p", h, "2", NULL, NULL, 0}};
    static const sh_module m = {.name = "d", .label = "d", .routes = dup, .nroutes = 2};
    const sh_module *mods[] = {&m};
    sh_router *r;
    sh_err e;
    sh_err_init(&e);
    CHECK(sh_router_build(mods, 1, &r, &e) == SH_ERR);
    CHECK_STR(e.first.code, "duplicate_route");
    static const sh_route rep[] = {{SH_GET, "/a/{x}/{x}", "p", h, "1", NULL, NULL, 0}};
    static const sh_module m2 = {.name = "d", .label = "d", .routes = rep, .nroutes = 1};
    const sh_module *mods2[] = {&m2};
    CHECK(sh_router_build(mods2, 1, &r, &e) == SH_ERR);
    static const sh_route rel[] = {{SH_GET, "a", "p", h, "1", NULL, NULL, 0}};
    static const sh_module m3 = {.name = "d", .label = "d", .routes = rel, .nroutes = 1};
    const sh_module *mods3[] = {&m3};
    CHECK(sh_router_build(mods3, 1, &r, &e) == SH_ERR);
}

TEST(every_shipped_route_declares_permission_and_summary) {
    sh_router *r;
    sh_err e;
    sh_err_init(&e);
    REQUIRE(sh_router_build(sh_modules, sh_nmodules, &r, &e) == SH_OK);
    CHECK(sh_router_count(r) >= 5);
    for (int i = 0; i < sh_router_count(r); i++) {
        const sh_route *rt = sh_router_at(r, i)->route;
        CHECK(rt->permission && rt->permission[0]);
        CHECK(rt->summary && rt->summary[0]);
    }
    sh_router_free(r);
}
