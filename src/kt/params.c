/* params.c — the parameters file of `shushu kt fit` / `kt predict`: a fitted
 * model written as JSON (per skill prior, learn, forget, guess, slip, and per
 * item guesses/slips keyed by item id with --multigs), and read back for the
 * skills of a data set with every value checked. The format is in
 * docs/knowledge-tracing.md. */
#include "core/alloc.h"
#include "kt/kt.h"

#include <jansson.h>
#include <string.h>

#define PMIN 1e-6 /* as in bkt.c: a guess or slip of 0 or 1 would make some answers impossible */

static json_t *item_values(const kt_data *d, int32_t s, const double *v, uint32_t n) {
    json_t *o = json_object();
    for (uint32_t i = 0; o && i < n; i++)
        json_object_set_new(o, kt_names_get(d->items, d->item_ids[d->skill_item0[s] + i]), json_real(v[i]));
    return o;
}

char *kt_model_json(const kt_data *d, const kt_model *m) {
    json_t *root = json_object(), *skills = json_object();
    if (!root || !skills) {
        json_decref(root);
        json_decref(skills);
        return NULL;
    }
    json_object_set_new(root, "model", json_string("BKT"));
    json_object_set_new(root, "forgets", json_boolean(m->forgets));
    json_object_set_new(root, "multigs", json_boolean(m->multigs));
    json_object_set_new(root, "responses", json_integer((json_int_t)d->n));
    json_object_set_new(root, "log_likelihood", json_real(m->log_likelihood));
    json_object_set_new(root, "iterations", json_integer(m->iterations));
    for (int32_t s = 0; s < m->nskills; s++) {
        const kt_bkt *p = &m->skill[s];
        json_t *o = json_pack("{s:f, s:f, s:f, s:f, s:f, s:f, s:i, s:I, s:I}", "prior", p->prior, "learn",
                              p->learn, "forget", p->forget, "guess", p->guess, "slip", p->slip,
                              "log_likelihood", p->log_likelihood, "iterations", p->iterations, "responses",
                              (json_int_t)(d->skill_start[s + 1] - d->skill_start[s]), "students",
                              (json_int_t)(d->skill_seq[s + 1] - d->skill_seq[s]));
        if (o && p->nitems && p->guesses) {
            json_object_set_new(o, "guesses", item_values(d, s, p->guesses, p->nitems));
            json_object_set_new(o, "slips", item_values(d, s, p->slips, p->nitems));
        }
        json_object_set_new(skills, kt_names_get(d->skills, s), o);
    }
    json_object_set_new(root, "skills", skills);
    char *text = json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
    json_decref(root);
    return text;
}

/* A probability at key k of o: SH_OK with *v, else an error naming the skill. */
static int prob(json_t *o, const char *k, const char *skill, int required, double dflt, double *v,
                sh_err *err) {
    json_t *x = json_object_get(o, k);
    if (!x && !required) {
        *v = dflt;
        return SH_OK;
    }
    if (!x || !json_is_number(x))
        return sh_err_set(err, 400, "invalid_params", k, "参数文件中知识点“%.60s”的 %s 缺失或不是数值", skill,
                          k);
    double n = json_number_value(x);
    if (!(n >= 0 && n <= 1))
        return sh_err_set(err, 400, "invalid_params", k,
                          "参数文件中知识点“%.60s”的 %s 为 %g，应在 0 到 1 之间", skill, k, n);
    int emission = strcmp(k, "guess") == 0 || strcmp(k, "slip") == 0;
    *v = !emission ? n : n < PMIN ? PMIN : n > 1 - PMIN ? 1 - PMIN : n;
    return SH_OK;
}

static int item_probs(json_t *o, const char *k, const kt_data *d, int32_t s, const char *skill, double dflt,
                      double *out, sh_err *err) {
    json_t *map = json_object_get(o, k);
    if (map && !json_is_object(map))
        return sh_err_set(err, 400, "invalid_params", k, "参数文件中知识点“%.60s”的 %s 应为按题目编号的对象",
                          skill, k);
    const char *item;
    json_t *x;
    json_object_foreach(map, item, x) {
        if (!json_is_number(x) || !(json_number_value(x) >= 0 && json_number_value(x) <= 1))
            return sh_err_set(err, 400, "invalid_params", k,
                              "参数文件中知识点“%.60s”题目“%.40s”的 %s 应为 0 到 1 之间的数值", skill, item,
                              k);
    }
    for (uint32_t i = 0; i < d->skill_nitems[s]; i++) {
        json_t *v =
            map ? json_object_get(map, kt_names_get(d->items, d->item_ids[d->skill_item0[s] + i])) : NULL;
        double n = v ? json_number_value(v) : dflt;
        out[i] = n < PMIN ? PMIN : n > 1 - PMIN ? 1 - PMIN : n;
    }
    return SH_OK;
}

static int read_skill(json_t *o, const kt_data *d, int32_t s, kt_bkt *p, sh_err *err) {
    const char *name = kt_names_get(d->skills, s);
    if (!json_is_object(o))
        return sh_err_set(err, 400, "missing_skill", "skills", "参数文件缺少知识点“%.80s”的参数", name);
    if (prob(o, "prior", name, 1, 0, &p->prior, err) != SH_OK ||
        prob(o, "learn", name, 1, 0, &p->learn, err) ||
        prob(o, "forget", name, 0, 0, &p->forget, err) != SH_OK ||
        prob(o, "guess", name, 1, 0, &p->guess, err) || prob(o, "slip", name, 1, 0, &p->slip, err) != SH_OK)
        return SH_ERR;
    if (!json_object_get(o, "guesses") && !json_object_get(o, "slips"))
        return SH_OK;
    p->nitems = d->skill_nitems[s];
    p->guesses = sh_malloc(p->nitems * sizeof *p->guesses);
    p->slips = sh_malloc(p->nitems * sizeof *p->slips);
    if (!p->guesses || !p->slips)
        return sh_err_set(err, 500, "out_of_memory", NULL, "读取参数文件时内存不足");
    if (item_probs(o, "guesses", d, s, name, p->guess, p->guesses, err) != SH_OK ||
        item_probs(o, "slips", d, s, name, p->slip, p->slips, err) != SH_OK)
        return SH_ERR;
    return SH_OK;
}

int kt_model_from_json(const char *text, size_t len, const kt_data *d, kt_model *out, sh_err *err) {
    memset(out, 0, sizeof *out);
    json_error_t je;
    json_t *root = json_loadb(text, len, 0, &je);
    if (!root)
        return sh_err_set(err, 400, "invalid_params", NULL,
                          "参数文件不是有效的 JSON（第 %d 行第 %d 列）：%.80s", je.line, je.column, je.text);
    json_t *skills = json_object_get(root, "skills");
    int rc = SH_ERR;
    if (!json_is_object(skills)) {
        sh_err_set(err, 400, "invalid_params", "skills", "参数文件缺少 skills 对象（shushu kt fit 的输出）");
        goto done;
    }
    out->skill = sh_calloc(d->nskills ? (size_t)d->nskills : 1, sizeof *out->skill);
    if (!out->skill) {
        sh_err_set(err, 500, "out_of_memory", NULL, "读取参数文件时内存不足");
        goto done;
    }
    out->nskills = d->nskills;
    for (int32_t s = 0; s < d->nskills; s++)
        if (read_skill(json_object_get(skills, kt_names_get(d->skills, s)), d, s, &out->skill[s], err) !=
            SH_OK)
            goto done;
    rc = SH_OK;
done:
    if (rc != SH_OK)
        kt_model_free(out);
    json_decref(root);
    return rc;
}
