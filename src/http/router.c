/* router.c — compiles the modules' route tables and matches requests.
 *
 * Patterns are split into segments once; literal segments compare byte for byte,
 * {name} segments capture one non-empty segment. Matching walks the compiled list,
 * which is small (hundreds of routes at most) and cheap compared with the store. */
#include "http/router.h"

#include "core/alloc.h"

#include <string.h>

#define MAX_SEGS 12

typedef struct seg {
    const char *text; /* literal, or parameter name */
    unsigned short len;
    unsigned char is_param;
} seg;

typedef struct compiled {
    sh_route_ref ref;
    seg segs[MAX_SEGS];
    int nsegs;
} compiled;

struct sh_router {
    compiled *routes;
    int n;
};

const char *sh_method_name(int m) {
    switch (m) {
    case SH_GET: return "GET";
    case SH_HEAD: return "HEAD";
    case SH_POST: return "POST";
    case SH_PUT: return "PUT";
    case SH_PATCH: return "PATCH";
    case SH_DELETE: return "DELETE";
    case SH_OPTIONS: return "OPTIONS";
    default: return "?";
    }
}

int sh_method_parse(const char *name) {
    static const int all[] = {SH_GET, SH_HEAD, SH_POST, SH_PUT, SH_PATCH, SH_DELETE, SH_OPTIONS};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (strcmp(name, sh_method_name(all[i])) == 0)
            return all[i];
    return 0;
}

static int compile(const sh_route *rt, compiled *c, sh_err *err) {
    const char *p = rt->path;
    if (!p || p[0] != '/')
        return sh_err_set(err, 500, "bad_route", NULL, "路由路径必须以 / 开头：%s", p ? p : "(空)");
    c->nsegs = 0;
    p++;
    while (*p) {
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (c->nsegs == MAX_SEGS || len == 0 || len > 200)
            return sh_err_set(err, 500, "bad_route", NULL, "路由路径不合法：%s", rt->path);
        seg *s = &c->segs[c->nsegs++];
        if (p[0] == '{' && p[len - 1] == '}' && len > 2) {
            s->is_param = 1;
            s->text = p + 1;
            s->len = (unsigned short)(len - 2);
            for (int i = 0; i < c->nsegs - 1; i++)
                if (c->segs[i].is_param && c->segs[i].len == s->len &&
                    memcmp(c->segs[i].text, s->text, s->len) == 0)
                    return sh_err_set(err, 500, "bad_route", NULL, "路径参数重复：%s", rt->path);
        } else {
            s->is_param = 0;
            s->text = p;
            s->len = (unsigned short)len;
        }
        p += len;
        if (*p == '/')
            p++;
    }
    return SH_OK;
}

static int same_pattern(const compiled *a, const compiled *b) {
    if (a->nsegs != b->nsegs)
        return 0;
    for (int i = 0; i < a->nsegs; i++) {
        if (a->segs[i].is_param != b->segs[i].is_param)
            return 0;
        if (!a->segs[i].is_param && (a->segs[i].len != b->segs[i].len ||
                                     memcmp(a->segs[i].text, b->segs[i].text, a->segs[i].len) != 0))
            return 0;
    }
    return 1;
}

int sh_router_build(const sh_module *const *mods, int n, sh_router **out, sh_err *err) {
    *out = NULL;
    int total = 0;
    for (int m = 0; m < n; m++)
        total += mods[m]->nroutes;
    sh_router *r = sh_calloc(1, sizeof *r);
    if (!r || !(r->routes = sh_calloc((size_t)(total ? total : 1), sizeof(compiled)))) {
        sh_free(r);
        return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    }
    for (int m = 0; m < n; m++) {
        for (int i = 0; i < mods[m]->nroutes; i++) {
            const sh_route *rt = &mods[m]->routes[i];
            compiled *c = &r->routes[r->n];
            if (!rt->permission || !*rt->permission) {
                sh_router_free(r);
                return sh_err_set(err, 500, "route_without_permission", NULL,
                                  "路由 %s %s 未声明权限，拒绝注册", sh_method_name(rt->method), rt->path);
            }
            if (!rt->handler || !rt->summary || sh_method_name(rt->method)[0] == '?') {
                sh_router_free(r);
                return sh_err_set(err, 500, "bad_route", NULL, "路由 %s 缺少方法、处理函数或说明",
                                  rt->path ? rt->path : "(空)");
            }
            if (compile(rt, c, err) != SH_OK) {
                sh_router_free(r);
                return SH_ERR;
            }
            for (int j = 0; j < r->n; j++)
                if (r->routes[j].ref.route->method == rt->method && same_pattern(&r->routes[j], c)) {
                    sh_router_free(r);
                    return sh_err_set(err, 500, "duplicate_route", NULL, "路由重复：%s %s",
                                      sh_method_name(rt->method), rt->path);
                }
            c->ref.route = rt;
            c->ref.module = mods[m];
            r->n++;
        }
    }
    *out = r;
    return SH_OK;
}

void sh_router_free(sh_router *r) {
    if (!r)
        return;
    sh_free(r->routes);
    sh_free(r);
}

int sh_router_count(const sh_router *r) { return r->n; }
const sh_route_ref *sh_router_at(const sh_router *r, int i) {
    return i >= 0 && i < r->n ? &r->routes[i].ref : NULL;
}

/* Split path into segments (pointers into path; no copies). */
static int split(const char *path, const char **segs, size_t *lens) {
    int n = 0;
    const char *p = path;
    if (*p != '/')
        return -1;
    p++;
    while (*p) {
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == 0) /* "//" or trailing "/" never match a route */
            return -1;
        if (n == MAX_SEGS)
            return -1;
        segs[n] = p;
        lens[n++] = len;
        p += len;
        if (*p == '/')
            p++;
        if (*p == '\0' && p[-1] == '/')
            return -1;
    }
    return n;
}

int sh_router_match(const sh_router *r, sh_req *req, int *allowed) {
    const char *segs[MAX_SEGS];
    size_t lens[MAX_SEGS];
    int n = split(req->path, segs, lens);
    *allowed = 0;
    if (n < 0)
        return -1;
    int found = -1, best = -1;
    for (int i = 0; i < r->n; i++) {
        const compiled *c = &r->routes[i];
        if (c->nsegs != n)
            continue;
        int ok = 1, literals = 0;
        for (int s = 0; s < n && ok; s++) {
            ok = c->segs[s].is_param ||
                 (c->segs[s].len == lens[s] && memcmp(c->segs[s].text, segs[s], lens[s]) == 0);
            literals += !c->segs[s].is_param;
        }
        if (!ok)
            continue;
        int m = c->ref.route->method;
        *allowed |= m | (m == SH_GET ? SH_HEAD : 0);
        /* a literal segment beats a parameter: /orgs/tree wins over /orgs/{id} */
        if ((m == req->method || (m == SH_GET && req->method == SH_HEAD)) && literals > best) {
            found = i;
            best = literals;
        }
    }
    if (found < 0)
        return *allowed ? -2 : -1;
    const compiled *c = &r->routes[found];
    req->nparams = 0;
    for (int s = 0; s < n; s++) {
        if (!c->segs[s].is_param || req->nparams == SH_MAX_PATH_PARAMS)
            continue;
        req->param_names[req->nparams] = sh_pstrndup(req->pool, c->segs[s].text, c->segs[s].len);
        req->param_values[req->nparams] = sh_pstrndup(req->pool, segs[s], lens[s]);
        if (!req->param_names[req->nparams] || !req->param_values[req->nparams])
            return -1;
        req->nparams++;
    }
    return found;
}
