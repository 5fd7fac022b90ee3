/* policy.c — the stored security policy, its bounds and its cache. See policy.h. */
#include "identity/policy.h"

#include "core/clock.h"

#include <pthread.h>
#include <stddef.h>
#include <string.h>

#define CACHE_MS 5000

/* Each setting: its name in JSON and in the store, where it lives in the struct,
 * and the range a level-3 system may use (rules.md §2.4). */
static const struct setting {
    const char *name, *label;
    size_t offset;
    int min, max;
} settings[] = {
    {"password_min_length", "密码最短长度", offsetof(sh_security_policy, password.min_length), 8, 64},
    {"password_min_classes", "密码字符类别数", offsetof(sh_security_policy, password.min_classes), 3, 4},
    {"password_history", "不得重复使用的历史密码个数", offsetof(sh_security_policy, password.history), 3, 24},
    {"password_max_age_days", "密码有效天数", offsetof(sh_security_policy, password.max_age_days), 1, 90},
    {"lock_threshold", "连续失败锁定次数", offsetof(sh_security_policy, lock_threshold), 3, 5},
    {"lock_minutes", "锁定时长（分钟）", offsetof(sh_security_policy, lock_minutes), 10, 1440},
    {"idle_minutes", "会话空闲超时（分钟）", offsetof(sh_security_policy, idle_minutes), 5, 30},
    {"session_hours", "会话最长有效时间（小时）", offsetof(sh_security_policy, session_hours), 1, 24},
    {"inactive_days", "闲置停用天数", offsetof(sh_security_policy, inactive_days), 30, 90},
};
#define NSETTINGS (sizeof settings / sizeof settings[0])

static int *slot(sh_security_policy *p, const struct setting *s) { return (int *)((char *)p + s->offset); }

void sh_security_policy_defaults(sh_security_policy *p) {
    memset(p, 0, sizeof *p);
    sh_password_policy_defaults(&p->password);
    p->lock_threshold = 5;
    p->lock_minutes = 30;
    p->idle_minutes = 15;
    p->session_hours = 12;
    p->inactive_days = 90;
}

static pthread_rwlock_t cache_lock = PTHREAD_RWLOCK_INITIALIZER; /* readers never wait for each other */
static sh_security_policy cached;
static int64_t cached_at = -1;

void sh_security_policy_forget(void) {
    pthread_rwlock_wrlock(&cache_lock);
    cached_at = -1;
    pthread_rwlock_unlock(&cache_lock);
}

int sh_security_policy_cached(sh_security_policy *p) {
    int64_t now = sh_now_ms();
    pthread_rwlock_rdlock(&cache_lock);
    int fresh = cached_at >= 0 && now - cached_at < CACHE_MS && now >= cached_at;
    if (fresh)
        *p = cached;
    pthread_rwlock_unlock(&cache_lock);
    return fresh;
}

int sh_security_policy_load(sh_conn *c, sh_security_policy *p, sh_err *err) {
    if (sh_security_policy_cached(p))
        return SH_OK;
    int64_t now = sh_now_ms();
    sh_security_policy_defaults(p);
    sh_stmt *s = sh_prepare(c, "SELECT name, value FROM security_policy", err);
    if (!s)
        return SH_ERR;
    int rc;
    while ((rc = sh_step(s, err)) == SH_ROW) {
        const char *name = sh_col_text(s, 0);
        int64_t v = sh_col_i64(s, 1);
        for (size_t i = 0; i < NSETTINGS; i++)
            if (strcmp(settings[i].name, name) == 0 && v >= settings[i].min && v <= settings[i].max)
                *slot(p, &settings[i]) = (int)v;
    }
    sh_stmt_done(s);
    if (rc == SH_ERR)
        return SH_ERR;
    pthread_rwlock_wrlock(&cache_lock);
    cached = *p;
    cached_at = now;
    pthread_rwlock_unlock(&cache_lock);
    return SH_OK;
}

int sh_security_policy_update(sh_security_policy *p, const json_t *changes, sh_err *err) {
    size_t before = sh_err_count(err);
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)changes, key, v) {
        const struct setting *s = NULL;
        for (size_t i = 0; i < NSETTINGS && !s; i++)
            if (strcmp(settings[i].name, key) == 0)
                s = &settings[i];
        if (!s) {
            sh_err_add(err, 400, "unknown_field", key, NULL, "没有名为“%s”的策略项", key);
            continue;
        }
        if (!json_is_integer(v) || json_integer_value(v) < s->min || json_integer_value(v) > s->max) {
            sh_err_add(err, 400, "out_of_range", key, NULL, "“%s”应为 %d 到 %d 之间的整数", s->label, s->min,
                       s->max);
            continue;
        }
        *slot(p, s) = (int)json_integer_value(v);
    }
    return sh_err_count(err) > before ? SH_ERR : SH_OK;
}

int sh_security_policy_save(sh_conn *c, const sh_security_policy *p, sh_err *err) {
    sh_stmt *s = sh_prepare(c,
                            "INSERT INTO security_policy (name, value) VALUES ($1, $2)"
                            " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                            err);
    if (!s)
        return SH_ERR;
    int rc = SH_DONE;
    for (size_t i = 0; i < NSETTINGS && rc != SH_ERR; i++) {
        sh_stmt_reset(s);
        sh_bind_text(s, 1, settings[i].name, -1);
        sh_bind_i64(s, 2, *slot((sh_security_policy *)p, &settings[i]));
        rc = sh_step(s, err);
    }
    sh_stmt_done(s);
    sh_security_policy_forget();
    return rc == SH_ERR ? SH_ERR : SH_OK;
}

json_t *sh_security_policy_json(const sh_security_policy *p) {
    json_t *o = json_object();
    for (size_t i = 0; o && i < NSETTINGS; i++)
        json_object_set_new(o, settings[i].name, json_integer(*slot((sh_security_policy *)p, &settings[i])));
    return o;
}
