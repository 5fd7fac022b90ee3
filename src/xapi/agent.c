/* agent.c — the identity of agents and the walk over a statement's agents and
 * activities (for the indexes behind the agent, activity, related_agents and
 * related_activities filters, and for the scope check). No store access. */
#include "xapi/x_impl.h"

#include <stdio.h>
#include <string.h>

/* homePage names this deployment: equal to base, or base with a trailing slash. */
static int our_home(const char *home, const char *base) {
    size_t n = strlen(base);
    return n && strncmp(home, base, n) == 0 && (home[n] == '\0' || (home[n] == '/' && home[n + 1] == '\0'));
}

const char *x_agent_person(const json_t *a, const char *base) {
    const json_t *acc = json_object_get(a, "account");
    const char *home = json_string_value(json_object_get(acc, "homePage"));
    const char *name = json_string_value(json_object_get(acc, "name"));
    return home && name && base && our_home(home, base) ? name : NULL;
}

int x_agent_key(const json_t *a, const char *base, char *out, size_t cap) {
    const char *s;
    int w;
    if ((s = json_string_value(json_object_get(a, "mbox"))))
        w = snprintf(out, cap, "mbox:%s", s);
    else if ((s = json_string_value(json_object_get(a, "mbox_sha1sum"))))
        w = snprintf(out, cap, "sha1:%s", s);
    else if ((s = json_string_value(json_object_get(a, "openid"))))
        w = snprintf(out, cap, "openid:%s", s);
    else if ((s = x_agent_person(a, base)))
        w = snprintf(out, cap, "person:%s", s);
    else if (json_object_get(a, "account"))
        w = snprintf(out, cap, "account:%s %s",
                     json_string_value(json_object_get(json_object_get(a, "account"), "homePage")),
                     json_string_value(json_object_get(json_object_get(a, "account"), "name")));
    else
        return SH_ERR;
    return w > 0 && (size_t)w < cap ? SH_OK : SH_ERR;
}

typedef void (*agent_fn)(void *ctx, const json_t *agent, int related);

static void visit_agent(const json_t *a, int related, agent_fn fn, void *ctx) {
    if (!json_is_object(a))
        return;
    fn(ctx, a, related);
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(a, "member"), i, m) { fn(ctx, m, 1); }
}

static int is_agent_object(const json_t *o) {
    const char *t = json_string_value(json_object_get(o, "objectType"));
    return t && (strcmp(t, "Agent") == 0 || strcmp(t, "Group") == 0);
}

static void walk_agents(const json_t *st, int sub, agent_fn fn, void *ctx) {
    visit_agent(json_object_get(st, "actor"), sub, fn, ctx);
    const json_t *o = json_object_get(st, "object");
    if (is_agent_object(o))
        visit_agent(o, sub, fn, ctx);
    const json_t *c = json_object_get(st, "context");
    visit_agent(json_object_get(c, "instructor"), 1, fn, ctx);
    visit_agent(json_object_get(c, "team"), 1, fn, ctx);
    if (!sub) {
        visit_agent(json_object_get(st, "authority"), 1, fn, ctx);
        const char *t = json_string_value(json_object_get(o, "objectType"));
        if (t && strcmp(t, "SubStatement") == 0)
            walk_agents(o, 1, fn, ctx);
    }
}

void x_each_agent(const json_t *st, agent_fn fn, void *ctx) { walk_agents(st, 0, fn, ctx); }

static void walk_activities(const json_t *st, int sub, agent_fn fn, void *ctx) {
    const json_t *o = json_object_get(st, "object");
    const char *t = json_string_value(json_object_get(o, "objectType"));
    if (json_is_object(o) && (!t || strcmp(t, "Activity") == 0))
        fn(ctx, o, sub);
    const json_t *ca = json_object_get(json_object_get(st, "context"), "contextActivities");
    const char *k;
    json_t *list;
    json_object_foreach((json_t *)ca, k, list) {
        size_t i;
        json_t *a;
        json_array_foreach(list, i, a) { fn(ctx, a, 1); }
    }
    if (!sub && t && strcmp(t, "SubStatement") == 0)
        walk_activities(o, 1, fn, ctx);
}

void x_each_activity(const json_t *st, agent_fn fn, void *ctx) { walk_activities(st, 0, fn, ctx); }
