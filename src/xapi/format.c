/* format.c — the statement formats of GET /xapi/statements besides "exact":
 * "ids" keeps only the identifiers of agents, activities and verbs; "canonical"
 * keeps one language of every language map, the best match for the
 * Accept-Language header (else "und", else the first). Both work in place on a
 * copy of the stored statement. */
#include "xapi/x_impl.h"

#include "core/alloc.h"

#include <string.h>
#include <strings.h>

static void agent_ids(json_t *a) {
    if (!json_is_object(a))
        return;
    json_object_del(a, "name");
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(a, "member"), i, m) { agent_ids(m); }
}

static void activity_ids(json_t *a) {
    if (json_is_object(a))
        json_object_del(a, "definition");
}

static void object_do(json_t *o, void (*activity)(json_t *, const char *), void (*agent)(json_t *),
                      void (*sub)(json_t *, const char *), const char *lang) {
    const char *t = json_string_value(json_object_get(o, "objectType"));
    if (!t || strcmp(t, "Activity") == 0)
        activity(o, lang);
    else if (strcmp(t, "Agent") == 0 || strcmp(t, "Group") == 0)
        agent(o);
    else if (strcmp(t, "SubStatement") == 0)
        sub(o, lang);
}

static void activity_ids_l(json_t *a, const char *lang) {
    (void)lang;
    activity_ids(a);
}

static void context_activities(json_t *st, void (*fn)(json_t *, const char *), const char *lang) {
    json_t *ca = json_object_get(json_object_get(st, "context"), "contextActivities");
    const char *k;
    json_t *list;
    json_object_foreach(ca, k, list) {
        size_t i;
        json_t *a;
        json_array_foreach(list, i, a) { fn(a, lang); }
    }
}

static void ids(json_t *st, const char *lang) {
    agent_ids(json_object_get(st, "actor"));
    json_object_del(json_object_get(st, "verb"), "display");
    object_do(json_object_get(st, "object"), activity_ids_l, agent_ids, ids, lang);
    json_t *c = json_object_get(st, "context");
    agent_ids(json_object_get(c, "instructor"));
    agent_ids(json_object_get(c, "team"));
    context_activities(st, activity_ids_l, lang);
    agent_ids(json_object_get(st, "authority"));
}

void x_format_ids(json_t *st) { ids(st, NULL); }

/* The key of lm that best matches the Accept-Language list. */
static const char *pick(json_t *lm, const char *accept) {
    const char *p = accept;
    while (p && *p) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t n = strcspn(p, ",;");
        const char *k;
        json_t *v;
        if (n && !(n == 1 && *p == '*')) {
            json_object_foreach(lm, k, v) {
                if (strlen(k) == n && strncasecmp(k, p, n) == 0)
                    return k;
            }
            json_object_foreach(lm, k, v) {
                if (strncasecmp(k, p, strcspn(p, "-,;")) == 0)
                    return k;
            }
        }
        p += n;
        p += strcspn(p, ",");
    }
    if (json_object_get(lm, "und"))
        return "und";
    void *it = json_object_iter(lm);
    return it ? json_object_iter_key(it) : NULL;
}

static void reduce(json_t *lm, const char *accept) {
    if (!json_is_object(lm) || json_object_size(lm) < 2)
        return;
    const char *keep = pick(lm, accept);
    json_t *v = json_incref(json_object_get(lm, keep));
    char *k = sh_strdup(keep);
    json_object_clear(lm);
    if (k && v)
        json_object_set(lm, k, v);
    json_decref(v);
    sh_free(k);
}

static void activity_canonical(json_t *a, const char *lang) {
    json_t *d = json_object_get(a, "definition");
    reduce(json_object_get(d, "name"), lang);
    reduce(json_object_get(d, "description"), lang);
    static const char *const lists[] = {"choices", "scale", "source", "target", "steps", NULL};
    for (const char *const *l = lists; *l; l++) {
        size_t i;
        json_t *c;
        json_array_foreach(json_object_get(d, *l), i, c) { reduce(json_object_get(c, "description"), lang); }
    }
}

static void no_agent(json_t *a) { (void)a; }

static void canonical(json_t *st, const char *lang) {
    reduce(json_object_get(json_object_get(st, "verb"), "display"), lang);
    object_do(json_object_get(st, "object"), activity_canonical, no_agent, canonical, lang);
    context_activities(st, activity_canonical, lang);
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(st, "attachments"), i, a) {
        reduce(json_object_get(a, "display"), lang);
        reduce(json_object_get(a, "description"), lang);
    }
}

void x_format_canonical(json_t *st, const char *accept_language) { canonical(st, accept_language); }
