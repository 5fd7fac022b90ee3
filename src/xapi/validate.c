/* validate.c — strict validation of xAPI 1.0.3 statements (Data 2.x–4.x of the
 * specification): required and unknown properties, JSON types, UUIDs, IRIs,
 * timestamps, durations, language maps, activity definitions with interaction
 * components, result and score ranges, context rules, agents with exactly one
 * inverse functional identifier, sub-statements and the voiding form. It
 * touches no store and allocates only through jansson (the normalisation of
 * contextActivities to arrays), so the fuzz driver calls it directly.
 *
 * Every failure is one 400 "invalid_statement" naming the property path. */
#include "xapi/x_impl.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

typedef struct vctx {
    sh_err *err;
} vctx;

#define PATH_MAX_LEN 64

static int fail(vctx *v, const char *path, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(vctx *v, const char *path, const char *fmt, ...) {
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return sh_err_set(v->err, 400, "invalid_statement", path, "%s：%s", path[0] ? path : "语句", msg);
}

/* Paths are for messages only: a long one is cut short. Built on every property
 * checked, so without printf (which cost more than the checks themselves). */
static void sub(char *out, const char *path, const char *key) {
    size_t n = strnlen(path, PATH_MAX_LEN - 1);
    memmove(out, path, n);
    if (n && n < PATH_MAX_LEN - 1)
        out[n++] = '.';
    size_t k = strnlen(key, PATH_MAX_LEN - 1 - n);
    memcpy(out + n, key, k);
    out[n + k] = '\0';
}
static void idx(char *out, const char *path, size_t i) {
    if (snprintf(out, PATH_MAX_LEN, "%s[%zu]", path, i) >= PATH_MAX_LEN)
        out[PATH_MAX_LEN - 1] = '\0';
}

/* Unknown keys: every key of o must be in allowed (exact case). */
static int only_keys(vctx *v, const json_t *o, const char *path, const char *const *allowed) {
    const char *k;
    json_t *val;
    json_object_foreach((json_t *)o, k, val) {
        int ok = 0;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = strcmp(*a, k) == 0;
        if (!ok) {
            char p[PATH_MAX_LEN];
            sub(p, path, k);
            return fail(v, p, "不认识的属性（xAPI 1.0.3 无此属性，注意大小写）");
        }
    }
    return SH_OK;
}

static int is_hex(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

int x_valid_uuid(const char *s) {
    if (!s || strlen(s) != 36)
        return 0;
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return 0;
        } else if (!isxdigit((unsigned char)s[i])) {
            return 0;
        }
    }
    return 1;
}

/* An absolute IRI: a scheme, a colon, something after it, no spaces or
 * control characters. */
int x_valid_iri(const char *s) {
    if (!s || !isalpha((unsigned char)s[0]))
        return 0;
    const char *p = s;
    while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.')
        p++;
    if (*p != ':' || !p[1])
        return 0;
    for (const unsigned char *q = (const unsigned char *)s; *q; q++)
        if (*q <= 0x20 || *q == 0x7f || *q == '<' || *q == '>' || *q == '"' || *q == '{' || *q == '}' ||
            *q == '|' || *q == '\\' || *q == '^' || *q == '`')
            return 0;
    return 1;
}

/* RFC 5646, structurally: a primary subtag of 2–8 letters (or the private-use
 * and grandfathered singletons x and i), then subtags of 1–8 letters or digits. */
int x_valid_lang_tag(const char *s) {
    if (!s || !*s)
        return 0;
    int first = 1;
    const char *p = s;
    while (*p) {
        size_t n = 0;
        int alpha = 1;
        while (p[n] && p[n] != '-') {
            if (!isalnum((unsigned char)p[n]))
                return 0;
            if (!isalpha((unsigned char)p[n]))
                alpha = 0;
            n++;
        }
        if (n == 0 || n > 8)
            return 0;
        if (first && (!alpha || (n == 1 && *p != 'x' && *p != 'X' && *p != 'i' && *p != 'I')))
            return 0;
        first = 0;
        p += n;
        if (*p == '-' && !*++p)
            return 0;
    }
    return 1;
}

static int digits(const char *s, int n, int *out) {
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 1;
}

static int64_t days_from_civil(int y, int m, int d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int x_parse_time(const char *s, int64_t *ms) {
    int y, mo, d, h, mi, sec = 0, frac = 0;
    if (!s || strlen(s) < 16 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
        !digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') || !digits(s + 11, 2, &h) || s[13] != ':' ||
        !digits(s + 14, 2, &mi))
        return SH_ERR;
    const char *p = s + 16;
    if (*p == ':') {
        if (!digits(p + 1, 2, &sec))
            return SH_ERR;
        p += 3;
        if (*p == '.' || *p == ',') {
            p++;
            int n = 0;
            while (isdigit((unsigned char)p[n])) {
                if (n < 3)
                    frac = frac * 10 + (p[n] - '0');
                n++;
            }
            if (!n || n > 9)
                return SH_ERR;
            for (int k = n; k < 3; k++)
                frac *= 10;
            p += n;
        }
    }
    int64_t off = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om = 0;
        int neg = *p == '-';
        if (!digits(p + 1, 2, &oh))
            return SH_ERR;
        p += 3;
        if (*p == ':')
            p++;
        if (isdigit((unsigned char)*p)) {
            if (!digits(p, 2, &om))
                return SH_ERR;
            p += 2;
        }
        if (oh > 23 || om > 59 || (neg && oh == 0 && om == 0)) /* -00:00: offset unknown (RFC 3339) */
            return SH_ERR;
        off = (int64_t)(oh * 60 + om) * 60000 * (neg ? -1 : 1);
    }
    if (*p)
        return SH_ERR;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || sec > 60)
        return SH_ERR;
    if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return SH_ERR;
    *ms = ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60000LL + sec * 1000LL + frac - off;
    return SH_OK;
}

/* ISO 8601 duration: PnYnMnDTnHnMnS (seconds may have a fraction) or PnW. */
int x_valid_duration(const char *s) {
    if (!s || s[0] != 'P' || !s[1])
        return 0;
    const char *p = s + 1;
    const char *date_units = "YMWD", *time_units = "HMS";
    int in_time = 0, any = 0, last = -1, weeks = 0;
    while (*p) {
        if (*p == 'T') {
            if (in_time)
                return 0;
            in_time = 1, last = -1, p++;
            if (!*p)
                return 0;
            continue;
        }
        int n = 0, dot = 0;
        while (isdigit((unsigned char)p[n]) || ((p[n] == '.' || p[n] == ',') && !dot++))
            n++;
        if (!n || p[n - 1] == '.' || p[n - 1] == ',')
            return 0;
        const char *units = in_time ? time_units : date_units;
        const char *u = p[n] ? strchr(units, p[n]) : NULL;
        if (!u || (int)(u - units) <= last)
            return 0;
        if (dot && !(in_time && *u == 'S'))
            return 0;
        if (*u == 'W' && !in_time)
            weeks = 1;
        last = (int)(u - units);
        any = 1;
        p += n + 1;
    }
    if (weeks && (strchr(s, 'T') || strchr(s, 'Y') || strchr(s, 'D') || strchr(s + 1, 'M')))
        return 0;
    return any;
}

static int check_string(vctx *v, const json_t *j, const char *path) {
    return json_is_string(j) ? SH_OK : fail(v, path, "应为字符串");
}
static int check_iri(vctx *v, const json_t *j, const char *path) {
    if (!json_is_string(j))
        return fail(v, path, "应为 IRI 字符串");
    return x_valid_iri(json_string_value(j)) ? SH_OK : fail(v, path, "不是带协议名的 IRI");
}
static int check_uuid(vctx *v, const json_t *j, const char *path) {
    return json_is_string(j) && x_valid_uuid(json_string_value(j)) ? SH_OK
                                                                   : fail(v, path, "应为标准形式的 UUID");
}
static int check_time(vctx *v, const json_t *j, const char *path) {
    int64_t ms;
    return json_is_string(j) && x_parse_time(json_string_value(j), &ms) == SH_OK
               ? SH_OK
               : fail(v, path, "应为 ISO 8601 时间（如 2026-03-05T08:30:00.000Z）");
}

static int check_langmap(vctx *v, const json_t *j, const char *path) {
    if (!json_is_object(j))
        return fail(v, path, "应为语言映射（以 RFC 5646 语言标签为键的对象）");
    const char *k;
    json_t *val;
    json_object_foreach((json_t *)j, k, val) {
        char p[PATH_MAX_LEN];
        sub(p, path, k);
        if (!x_valid_lang_tag(k))
            return fail(v, p, "不是 RFC 5646 语言标签");
        if (!json_is_string(val))
            return fail(v, p, "应为字符串");
    }
    return SH_OK;
}

static int check_extensions(vctx *v, const json_t *j, const char *path) {
    if (!json_is_object(j))
        return fail(v, path, "应为以 IRI 为键的对象");
    const char *k;
    json_t *val;
    json_object_foreach((json_t *)j, k, val) {
        if (!x_valid_iri(k)) {
            char p[PATH_MAX_LEN];
            sub(p, path, k);
            return fail(v, p, "扩展的键应为 IRI");
        }
    }
    return SH_OK;
}

/* The inverse functional identifiers of an agent or group: count, and each one's form. */
static int check_ifis(vctx *v, const json_t *a, const char *path, int *count) {
    char p[PATH_MAX_LEN];
    *count = 0;
    const json_t *j;
    if ((j = json_object_get(a, "mbox"))) {
        (*count)++;
        sub(p, path, "mbox");
        const char *s = json_string_value(j);
        if (!s || strncmp(s, "mailto:", 7) != 0 || !strchr(s + 7, '@') || s[7] == '@')
            return fail(v, p, "应为 mailto: 开头的电子邮件 IRI");
    }
    if ((j = json_object_get(a, "mbox_sha1sum"))) {
        (*count)++;
        sub(p, path, "mbox_sha1sum");
        const char *s = json_string_value(j);
        if (!s || strlen(s) != 40 || !is_hex(s, 40))
            return fail(v, p, "应为 40 位十六进制 SHA-1");
    }
    if ((j = json_object_get(a, "openid"))) {
        (*count)++;
        sub(p, path, "openid");
        if (check_iri(v, j, p) != SH_OK)
            return SH_ERR;
    }
    if ((j = json_object_get(a, "account"))) {
        (*count)++;
        sub(p, path, "account");
        if (!json_is_object(j))
            return fail(v, p, "应为对象 {homePage, name}");
        static const char *const keys[] = {"homePage", "name", NULL};
        if (only_keys(v, j, p, keys) != SH_OK)
            return SH_ERR;
        char q[PATH_MAX_LEN];
        sub(q, p, "homePage");
        if (!json_object_get(j, "homePage"))
            return fail(v, q, "缺少");
        if (check_iri(v, json_object_get(j, "homePage"), q) != SH_OK)
            return SH_ERR;
        sub(q, p, "name");
        if (!json_object_get(j, "name"))
            return fail(v, q, "缺少");
        if (check_string(v, json_object_get(j, "name"), q) != SH_OK)
            return SH_ERR;
    }
    return SH_OK;
}

/* kind: 0 Agent or Group (objectType optional, Agent assumed), 1 the same with
 * objectType required (statement object), 2 Agent only (group members). */
static int check_agent(vctx *v, const json_t *a, const char *path, int kind) {
    if (!json_is_object(a))
        return fail(v, path, "应为 Agent 或 Group 对象");
    const json_t *ot = json_object_get(a, "objectType");
    const char *type = ot ? json_string_value(ot) : "Agent";
    char p[PATH_MAX_LEN];
    sub(p, path, "objectType");
    if (!type || (strcmp(type, "Agent") != 0 && strcmp(type, "Group") != 0))
        return fail(v, p, "应为 \"Agent\" 或 \"Group\"");
    if (kind == 1 && !ot)
        return fail(v, p, "作为语句对象的 Agent/Group 必须写明 objectType");
    int group = strcmp(type, "Group") == 0;
    if (kind == 2 && group)
        return fail(v, p, "群组成员只能是 Agent");
    static const char *const agent_keys[] = {"objectType", "name",    "mbox", "mbox_sha1sum",
                                             "openid",     "account", NULL};
    static const char *const group_keys[] = {"objectType", "name",    "mbox",   "mbox_sha1sum",
                                             "openid",     "account", "member", NULL};
    if (only_keys(v, a, path, group ? group_keys : agent_keys) != SH_OK)
        return SH_ERR;
    if (json_object_get(a, "name")) {
        sub(p, path, "name");
        if (check_string(v, json_object_get(a, "name"), p) != SH_OK)
            return SH_ERR;
    }
    int n;
    if (check_ifis(v, a, path, &n) != SH_OK)
        return SH_ERR;
    if (n > 1)
        return fail(v, path, "只能有一个标识（mbox、mbox_sha1sum、openid、account 之一）");
    const json_t *m = json_object_get(a, "member");
    if (!group) {
        if (n == 0)
            return fail(v, path, "Agent 须有且只有一个标识（mbox、mbox_sha1sum、openid、account 之一）");
        return SH_OK;
    }
    sub(p, path, "member");
    if (n == 0 && !m)
        return fail(v, p, "匿名群组须列出成员");
    if (m) {
        if (!json_is_array(m))
            return fail(v, p, "应为 Agent 数组");
        if (n == 0 && json_array_size(m) == 0)
            return fail(v, p, "匿名群组须列出成员");
        size_t i;
        json_t *e;
        json_array_foreach(m, i, e) {
            char q[PATH_MAX_LEN];
            idx(q, p, i);
            if (check_agent(v, e, q, 2) != SH_OK)
                return SH_ERR;
        }
    }
    return SH_OK;
}

int x_validate_agent(const json_t *a, const char *path, sh_err *err) {
    vctx v = {err};
    return check_agent(&v, a, path, 0);
}

static int check_components(vctx *v, const json_t *list, const char *path) {
    if (!json_is_array(list))
        return fail(v, path, "应为交互组件数组");
    size_t i;
    json_t *c;
    json_array_foreach(list, i, c) {
        char p[PATH_MAX_LEN], q[PATH_MAX_LEN];
        idx(p, path, i);
        if (!json_is_object(c))
            return fail(v, p, "应为对象 {id, description}");
        static const char *const keys[] = {"id", "description", NULL};
        if (only_keys(v, c, p, keys) != SH_OK)
            return SH_ERR;
        sub(q, p, "id");
        const char *id = json_string_value(json_object_get(c, "id"));
        if (!id || !*id)
            return fail(v, q, "缺少或不是字符串");
        for (size_t k = 0; k < i; k++)
            if (strcmp(json_string_value(json_object_get(json_array_get(list, k), "id")), id) == 0)
                return fail(v, q, "交互组件 id 重复");
        sub(q, p, "description");
        if (json_object_get(c, "description") &&
            check_langmap(v, json_object_get(c, "description"), q) != SH_OK)
            return SH_ERR;
    }
    return SH_OK;
}

static int check_definition(vctx *v, const json_t *d, const char *path) {
    if (!json_is_object(d))
        return fail(v, path, "应为对象");
    static const char *const keys[] = {"name",
                                       "description",
                                       "type",
                                       "moreInfo",
                                       "extensions",
                                       "interactionType",
                                       "correctResponsesPattern",
                                       "choices",
                                       "scale",
                                       "source",
                                       "target",
                                       "steps",
                                       NULL};
    if (only_keys(v, d, path, keys) != SH_OK)
        return SH_ERR;
    char p[PATH_MAX_LEN];
    const json_t *j;
    if ((j = json_object_get(d, "name")) && (sub(p, path, "name"), check_langmap(v, j, p)) != SH_OK)
        return SH_ERR;
    if ((j = json_object_get(d, "description")) &&
        (sub(p, path, "description"), check_langmap(v, j, p)) != SH_OK)
        return SH_ERR;
    if ((j = json_object_get(d, "type")) && (sub(p, path, "type"), check_iri(v, j, p)) != SH_OK)
        return SH_ERR;
    if ((j = json_object_get(d, "moreInfo")) && (sub(p, path, "moreInfo"), check_iri(v, j, p)) != SH_OK)
        return SH_ERR;
    if ((j = json_object_get(d, "extensions")) &&
        (sub(p, path, "extensions"), check_extensions(v, j, p)) != SH_OK)
        return SH_ERR;
    const json_t *it = json_object_get(d, "interactionType");
    const char *type = NULL;
    if (it) {
        sub(p, path, "interactionType");
        static const char *const types[] = {"true-false", "choice",      "fill-in",    "long-fill-in",
                                            "matching",   "performance", "sequencing", "likert",
                                            "numeric",    "other",       NULL};
        type = json_string_value(it);
        int ok = 0;
        for (const char *const *t = types; type && *t && !ok; t++)
            ok = strcmp(*t, type) == 0;
        if (!ok)
            return fail(v, p, "不是 xAPI 规定的交互类型（注意大小写）");
    }
    if ((j = json_object_get(d, "correctResponsesPattern"))) {
        sub(p, path, "correctResponsesPattern");
        if (!type)
            return fail(v, p, "须同时给出 interactionType");
        if (!json_is_array(j))
            return fail(v, p, "应为字符串数组");
        size_t i;
        json_t *e;
        json_array_foreach(j, i, e) {
            if (!json_is_string(e)) {
                char q[PATH_MAX_LEN];
                idx(q, p, i);
                return fail(v, q, "应为字符串");
            }
        }
    }
    /* which component lists each interaction type may carry */
    static const struct {
        const char *list, *types;
    } lists[] = {{"choices", " choice sequencing "},
                 {"scale", " likert "},
                 {"source", " matching "},
                 {"target", " matching "},
                 {"steps", " performance "}};
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        if (!(j = json_object_get(d, lists[i].list)))
            continue;
        sub(p, path, lists[i].list);
        char t[40];
        snprintf(t, sizeof t, " %s ", type ? type : "");
        if (!type || !strstr(lists[i].types, t))
            return fail(v, p, "交互类型 %s 不能带有此组件列表", type ? type : "（未给出）");
        if (check_components(v, j, p) != SH_OK)
            return SH_ERR;
    }
    return SH_OK;
}

static int check_activity(vctx *v, const json_t *a, const char *path) {
    if (!json_is_object(a))
        return fail(v, path, "应为 Activity 对象");
    static const char *const keys[] = {"objectType", "id", "definition", NULL};
    if (only_keys(v, a, path, keys) != SH_OK)
        return SH_ERR;
    char p[PATH_MAX_LEN];
    const json_t *ot = json_object_get(a, "objectType");
    sub(p, path, "objectType");
    if (ot && (!json_is_string(ot) || strcmp(json_string_value(ot), "Activity") != 0))
        return fail(v, p, "应为 \"Activity\"");
    sub(p, path, "id");
    if (!json_object_get(a, "id"))
        return fail(v, p, "缺少活动 id");
    if (check_iri(v, json_object_get(a, "id"), p) != SH_OK)
        return SH_ERR;
    const json_t *d = json_object_get(a, "definition");
    sub(p, path, "definition");
    return d ? check_definition(v, d, p) : SH_OK;
}

static int check_statement_ref(vctx *v, const json_t *o, const char *path) {
    static const char *const keys[] = {"objectType", "id", NULL};
    if (!json_is_object(o))
        return fail(v, path, "应为 StatementRef 对象");
    if (only_keys(v, o, path, keys) != SH_OK)
        return SH_ERR;
    char p[PATH_MAX_LEN];
    sub(p, path, "objectType");
    const char *t = json_string_value(json_object_get(o, "objectType"));
    if (!t || strcmp(t, "StatementRef") != 0)
        return fail(v, p, "应为 \"StatementRef\"");
    sub(p, path, "id");
    return check_uuid(v, json_object_get(o, "id"), p);
}

static int check_statement_body(vctx *v, json_t *st, const char *path, int substatement);

static int check_object(vctx *v, json_t *o, const char *path, int substatement) {
    if (!json_is_object(o))
        return fail(v, path, "应为对象");
    const json_t *ot = json_object_get(o, "objectType");
    char p[PATH_MAX_LEN];
    sub(p, path, "objectType");
    if (ot && !json_is_string(ot))
        return fail(v, p, "应为字符串");
    const char *t = ot ? json_string_value(ot) : "Activity";
    if (strcmp(t, "Activity") == 0)
        return check_activity(v, o, path);
    if (strcmp(t, "Agent") == 0 || strcmp(t, "Group") == 0)
        return check_agent(v, o, path, 1);
    if (strcmp(t, "StatementRef") == 0)
        return check_statement_ref(v, o, path);
    if (strcmp(t, "SubStatement") == 0) {
        if (substatement)
            return fail(v, p, "子语句不能再嵌套子语句");
        return check_statement_body(v, o, path, 1);
    }
    return fail(v, p, "应为 Activity、Agent、Group、StatementRef 或 SubStatement（注意大小写）");
}

static int check_score(vctx *v, const json_t *s, const char *path) {
    if (!json_is_object(s))
        return fail(v, path, "应为对象");
    static const char *const keys[] = {"scaled", "raw", "min", "max", NULL};
    if (only_keys(v, s, path, keys) != SH_OK)
        return SH_ERR;
    double val[4];
    int has[4];
    for (int i = 0; i < 4; i++) {
        const json_t *j = json_object_get(s, keys[i]);
        has[i] = j != NULL;
        char p[PATH_MAX_LEN];
        sub(p, path, keys[i]);
        if (j && !json_is_number(j))
            return fail(v, p, "应为数值");
        val[i] = j ? json_number_value(j) : 0;
    }
    if (has[0] && (val[0] < -1 || val[0] > 1))
        return fail(v, path, "scaled 应在 -1 到 1 之间");
    if (has[2] && has[3] && val[2] >= val[3])
        return fail(v, path, "min 应小于 max");
    if (has[1] && has[2] && val[1] < val[2])
        return fail(v, path, "raw 不应小于 min");
    if (has[1] && has[3] && val[1] > val[3])
        return fail(v, path, "raw 不应大于 max");
    return SH_OK;
}

static int check_result(vctx *v, const json_t *r, const char *path) {
    if (!json_is_object(r))
        return fail(v, path, "应为对象");
    static const char *const keys[] = {"score",    "success",    "completion", "response",
                                       "duration", "extensions", NULL};
    if (only_keys(v, r, path, keys) != SH_OK)
        return SH_ERR;
    char p[PATH_MAX_LEN];
    const json_t *j;
    if ((j = json_object_get(r, "score")) && (sub(p, path, "score"), check_score(v, j, p)) != SH_OK)
        return SH_ERR;
    if ((j = json_object_get(r, "success")) && !json_is_boolean(j))
        return sub(p, path, "success"), fail(v, p, "应为 true 或 false");
    if ((j = json_object_get(r, "completion")) && !json_is_boolean(j))
        return sub(p, path, "completion"), fail(v, p, "应为 true 或 false");
    if ((j = json_object_get(r, "response")) && (sub(p, path, "response"), check_string(v, j, p)) != SH_OK)
        return SH_ERR;
    if ((j = json_object_get(r, "duration")) && !x_valid_duration(json_string_value(j)))
        return sub(p, path, "duration"), fail(v, p, "应为 ISO 8601 时长（如 PT1H30M）");
    if ((j = json_object_get(r, "extensions")) &&
        (sub(p, path, "extensions"), check_extensions(v, j, p)) != SH_OK)
        return SH_ERR;
    return SH_OK;
}

static int check_context(vctx *v, json_t *c, const char *path, const json_t *object) {
    if (!json_is_object(c))
        return fail(v, path, "应为对象");
    static const char *const keys[] = {"registration", "instructor", "team",     "contextActivities",
                                       "revision",     "platform",   "language", "statement",
                                       "extensions",   NULL};
    if (only_keys(v, c, path, keys) != SH_OK)
        return SH_ERR;
    char p[PATH_MAX_LEN];
    json_t *j;
    if ((j = json_object_get(c, "registration")) &&
        (sub(p, path, "registration"), check_uuid(v, j, p)) != SH_OK)
        return SH_ERR;
    if ((j = json_object_get(c, "instructor")) &&
        (sub(p, path, "instructor"), check_agent(v, j, p, 0)) != SH_OK)
        return SH_ERR;
    if ((j = json_object_get(c, "team"))) {
        sub(p, path, "team");
        const char *t = json_string_value(json_object_get(j, "objectType"));
        if (!json_is_object(j) || !t || strcmp(t, "Group") != 0)
            return fail(v, p, "应为 Group（须写明 objectType）");
        if (check_agent(v, j, p, 1) != SH_OK)
            return SH_ERR;
    }
    const char *ot = json_string_value(json_object_get(object, "objectType"));
    int activity = !ot || strcmp(ot, "Activity") == 0;
    if ((j = json_object_get(c, "revision"))) {
        sub(p, path, "revision");
        if (check_string(v, j, p) != SH_OK)
            return SH_ERR;
        if (!activity)
            return fail(v, p, "只有对象为 Activity 时才能给出 revision");
    }
    if ((j = json_object_get(c, "platform"))) {
        sub(p, path, "platform");
        if (check_string(v, j, p) != SH_OK)
            return SH_ERR;
        if (!activity)
            return fail(v, p, "只有对象为 Activity 时才能给出 platform");
    }
    if ((j = json_object_get(c, "language"))) {
        sub(p, path, "language");
        if (!json_is_string(j) || !x_valid_lang_tag(json_string_value(j)))
            return fail(v, p, "应为 RFC 5646 语言标签");
    }
    if ((j = json_object_get(c, "statement")) &&
        (sub(p, path, "statement"), check_statement_ref(v, j, p)) != SH_OK)
        return SH_ERR;
    if ((j = json_object_get(c, "extensions")) &&
        (sub(p, path, "extensions"), check_extensions(v, j, p)) != SH_OK)
        return SH_ERR;
    json_t *ca = json_object_get(c, "contextActivities");
    if (ca) {
        sub(p, path, "contextActivities");
        if (!json_is_object(ca))
            return fail(v, p, "应为对象 {parent, grouping, category, other}");
        static const char *const cakeys[] = {"parent", "grouping", "category", "other", NULL};
        if (only_keys(v, ca, p, cakeys) != SH_OK)
            return SH_ERR;
        for (const char *const *k = cakeys; *k; k++) {
            json_t *list = json_object_get(ca, *k);
            if (!list)
                continue;
            char q[PATH_MAX_LEN];
            sub(q, p, *k);
            if (json_is_object(list)) { /* a single Activity: returned as an array of one */
                json_t *arr = json_array();
                if (!arr || json_array_append(arr, list) != 0 || json_object_set_new(ca, *k, arr) != 0)
                    return sh_err_set(v->err, 500, "out_of_memory", NULL, "内存不足");
                list = arr;
            }
            if (!json_is_array(list))
                return fail(v, q, "应为 Activity 或 Activity 数组");
            size_t i;
            json_t *e;
            json_array_foreach(list, i, e) {
                char r[PATH_MAX_LEN];
                idx(r, q, i);
                if (check_activity(v, e, r) != SH_OK)
                    return SH_ERR;
            }
        }
    }
    return SH_OK;
}

static int check_attachments(vctx *v, const json_t *list, const char *path) {
    if (!json_is_array(list))
        return fail(v, path, "应为附件数组");
    size_t i;
    json_t *a;
    json_array_foreach(list, i, a) {
        char p[PATH_MAX_LEN], q[PATH_MAX_LEN];
        idx(p, path, i);
        if (!json_is_object(a))
            return fail(v, p, "应为对象");
        static const char *const keys[] = {"usageType", "display", "description", "contentType",
                                           "length",    "sha2",    "fileUrl",     NULL};
        if (only_keys(v, a, p, keys) != SH_OK)
            return SH_ERR;
        static const char *const required[] = {"usageType", "display", "contentType", "length", "sha2", NULL};
        for (const char *const *k = required; *k; k++)
            if (!json_object_get(a, *k))
                return sub(q, p, *k), fail(v, q, "缺少");
        if (sub(q, p, "usageType"), check_iri(v, json_object_get(a, "usageType"), q) != SH_OK)
            return SH_ERR;
        if (sub(q, p, "display"), check_langmap(v, json_object_get(a, "display"), q) != SH_OK)
            return SH_ERR;
        const json_t *j;
        if ((j = json_object_get(a, "description")) &&
            (sub(q, p, "description"), check_langmap(v, j, q)) != SH_OK)
            return SH_ERR;
        sub(q, p, "contentType");
        const char *ct = json_string_value(json_object_get(a, "contentType"));
        if (!ct || !strchr(ct, '/'))
            return fail(v, q, "应为 MIME 类型（如 image/png）");
        sub(q, p, "length");
        j = json_object_get(a, "length");
        if (!json_is_integer(j) || json_integer_value(j) < 0)
            return fail(v, q, "应为非负整数");
        sub(q, p, "sha2");
        const char *h = json_string_value(json_object_get(a, "sha2"));
        size_t hl = h ? strlen(h) : 0;
        if (!h || (hl != 56 && hl != 64 && hl != 96 && hl != 128) || !is_hex(h, hl))
            return fail(v, q, "应为十六进制的 SHA-2 摘要");
        if ((j = json_object_get(a, "fileUrl")) && (sub(q, p, "fileUrl"), check_iri(v, j, q)) != SH_OK)
            return SH_ERR;
    }
    return SH_OK;
}

static int check_statement_body(vctx *v, json_t *st, const char *path, int substatement) {
    if (!json_is_object(st))
        return fail(v, path, "应为 JSON 对象");
    static const char *const keys[] = {"id",        "actor",   "verb",        "object",
                                       "result",    "context", "timestamp",   "stored",
                                       "authority", "version", "attachments", NULL};
    static const char *const subkeys[] = {"objectType", "actor",     "verb",        "object", "result",
                                          "context",    "timestamp", "attachments", NULL};
    if (only_keys(v, st, path, substatement ? subkeys : keys) != SH_OK)
        return SH_ERR;
    char p[PATH_MAX_LEN];
    json_t *j;
    if ((j = json_object_get(st, "id")) && (sub(p, path, "id"), check_uuid(v, j, p)) != SH_OK)
        return SH_ERR;
    sub(p, path, "actor");
    if (!(j = json_object_get(st, "actor")))
        return fail(v, p, "缺少（actor、verb、object 必填）");
    if (check_agent(v, j, p, 0) != SH_OK)
        return SH_ERR;
    sub(p, path, "verb");
    const json_t *verb = json_object_get(st, "verb");
    if (!verb)
        return fail(v, p, "缺少（actor、verb、object 必填）");
    if (!json_is_object(verb))
        return fail(v, p, "应为对象 {id, display}");
    static const char *const vkeys[] = {"id", "display", NULL};
    if (only_keys(v, verb, p, vkeys) != SH_OK)
        return SH_ERR;
    char q[PATH_MAX_LEN];
    sub(q, p, "id");
    if (!json_object_get(verb, "id"))
        return fail(v, q, "缺少");
    if (check_iri(v, json_object_get(verb, "id"), q) != SH_OK)
        return SH_ERR;
    if ((j = json_object_get(verb, "display")) && (sub(q, p, "display"), check_langmap(v, j, q)) != SH_OK)
        return SH_ERR;
    sub(p, path, "object");
    json_t *object = json_object_get(st, "object");
    if (!object)
        return fail(v, p, "缺少（actor、verb、object 必填）");
    if (check_object(v, object, p, substatement) != SH_OK)
        return SH_ERR;
    if (strcmp(json_string_value(json_object_get(verb, "id")), X_VOIDED_VERB) == 0) {
        const char *ot = json_string_value(json_object_get(object, "objectType"));
        if (!ot || strcmp(ot, "StatementRef") != 0)
            return fail(v, p, "作废语句（verb 为 voided）的对象须为 StatementRef");
    }
    if ((j = json_object_get(st, "result")) && (sub(p, path, "result"), check_result(v, j, p)) != SH_OK)
        return SH_ERR;
    if ((j = json_object_get(st, "context")) &&
        (sub(p, path, "context"), check_context(v, j, p, object)) != SH_OK)
        return SH_ERR;
    if ((j = json_object_get(st, "timestamp")) && (sub(p, path, "timestamp"), check_time(v, j, p)) != SH_OK)
        return SH_ERR;
    if ((j = json_object_get(st, "stored")) && (sub(p, path, "stored"), check_time(v, j, p)) != SH_OK)
        return SH_ERR;
    if ((j = json_object_get(st, "version"))) {
        sub(p, path, "version");
        const char *s = json_string_value(j);
        int ok = s && strncmp(s, "1.0", 3) == 0 && (!s[3] || s[3] == '.');
        for (const char *c = s && s[3] ? s + 4 : ""; ok && *c; c++)
            ok = isdigit((unsigned char)*c);
        if (!ok || (s[3] == '.' && !s[4]))
            return fail(v, p, "只接受 1.0 或 1.0.x");
    }
    if ((j = json_object_get(st, "authority"))) {
        sub(p, path, "authority");
        if (check_agent(v, j, p, 0) != SH_OK)
            return SH_ERR;
        const char *t = json_string_value(json_object_get(j, "objectType"));
        if (t && strcmp(t, "Group") == 0) {
            const json_t *m = json_object_get(j, "member");
            if (!m || json_array_size(m) != 2)
                return fail(v, p, "作为 authority 的 Group 须恰好由两个 Agent 组成");
        }
    }
    if ((j = json_object_get(st, "attachments")) &&
        (sub(p, path, "attachments"), check_attachments(v, j, p)) != SH_OK)
        return SH_ERR;
    if (substatement) {
        sub(p, path, "objectType");
        const char *t = json_string_value(json_object_get(st, "objectType"));
        if (!t || strcmp(t, "SubStatement") != 0)
            return fail(v, p, "应为 \"SubStatement\"");
    }
    return SH_OK;
}

int x_validate_statement(json_t *st, const char *prefix, sh_err *err) {
    vctx v = {err};
    return check_statement_body(&v, st, prefix ? prefix : "", 0);
}
