/* validate.c — the check of one item's JSON (sh_item_parse): the layout of the
 * shipped item files, every rule with a Chinese field error, and hostile input
 * (huge texts, thousands of options, wrong types) refused before anything else
 * looks at it. Pure: no store. Builds the canonical content JSON. */
#include "items/items.h"

#include "core/buf.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define MAX_STEM 6000 /* bytes of UTF-8: about 2,000 Chinese characters */
#define MAX_TEXT 2000
#define MAX_EXPLANATION 12000
#define MAX_OPTIONS 8
#define MAX_RUBRIC 20
#define MAX_CODE 40

static const char *const types[] = {"single", "multiple", "truefalse", "numeric", "subjective"};
static const char *const known[] = {
    "code",       "type",   "stem",  "options", "answer", "explanation", "knowledge_points",
    "difficulty", "source", "score", "rubric",  NULL};

static int add(sh_err *err, const char *code, const char *field, const char *fmt, const char *a) {
    return sh_err_add(err, 400, code, field, NULL, fmt, a);
}

/* A required text of at most max bytes; NULL (error added) when not. */
static const char *text(const json_t *obj, const char *key, const char *name, const char *label, size_t max,
                        int required, sh_err *err) {
    const json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) {
        if (required)
            add(err, "required", name, "请填写“%s”", label);
        return NULL;
    }
    if (!json_is_string(v)) {
        add(err, "invalid_type", name, "“%s”应为文本", label);
        return NULL;
    }
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (n > max) {
        sh_err_add(err, 400, "too_long", name, NULL, "“%s”太长：%zu 字节，上限 %zu 字节", label, n, max);
        return NULL;
    }
    if (strlen(s) != n) {
        add(err, "invalid_text", name, "“%s”含有空字符", label);
        return NULL;
    }
    size_t i = 0;
    while (s[i] == ' ' || s[i] == '\t' || s[i] == '\n')
        i++;
    if (!s[i] && required) {
        add(err, "required", name, "请填写“%s”", label);
        return NULL;
    }
    return s;
}

static int integer(const json_t *obj, const char *name, const char *label, int lo, int hi, int *out,
                   sh_err *err) {
    const json_t *v = json_object_get(obj, name);
    if (!v)
        return sh_err_add(err, 400, "required", name, NULL, "请填写“%s”", label);
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
        return sh_err_add(err, 400, "out_of_range", name, NULL, "“%s”应为 %d 到 %d 的整数", label, lo, hi);
    *out = (int)json_integer_value(v);
    return SH_OK;
}

static int check_code(const char *s, sh_err *err) {
    if (!*s || strlen(s) > MAX_CODE)
        return add(err, "invalid_code", "code", "“题目编码”应为 1 到 40 个字符，如 %s", "RJM-I-01-001");
    for (const char *c = s; *c; c++)
        if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-' ||
              *c == '.' || *c == '_'))
            return add(err, "invalid_code", "code", "“题目编码”只能由字母、数字、点、横线和下划线组成，如 %s",
                       "RJM-I-01-001");
    return SH_OK;
}

/* Options of a choice item: 2..8 objects {key, text, misconception?} with keys
 * A, B, C … in order. Returns the checked copy (NULL on error). */
static json_t *options(const json_t *a, sh_err *err) {
    if (!json_is_array(a)) {
        add(err, a ? "invalid_type" : "required", "options", "%s", a ? "“选项”应为数组" : "选择题须有“选项”");
        return NULL;
    }
    size_t n = json_array_size(a);
    if (n < 2 || n > MAX_OPTIONS) {
        sh_err_add(err, 400, "invalid_options", "options", NULL, "选择题应有 2 到 %d 个选项，实际 %zu 个",
                   MAX_OPTIONS, n);
        return NULL;
    }
    json_t *out = json_array();
    size_t before = sh_err_count(err);
    for (size_t i = 0; i < n; i++) {
        const json_t *o = json_array_get(a, i);
        char field[32], label[32];
        snprintf(field, sizeof field, "options[%zu]", i);
        if (!json_is_object(o)) {
            add(err, "invalid_type", field, "%s", "每个选项应为 {key, text} 对象");
            continue;
        }
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)o, k, v) {
            if (strcmp(k, "key") != 0 && strcmp(k, "text") != 0 && strcmp(k, "misconception") != 0)
                sh_err_add(err, 400, "unknown_field", field, NULL, "选项中不认识的字段“%.40s”", k);
        }
        snprintf(label, sizeof label, "选项 %c", (char)('A' + i));
        const char *key = json_string_value(json_object_get(o, "key"));
        char want[2] = {(char)('A' + i), 0};
        if (!key || strcmp(key, want) != 0)
            sh_err_add(err, 400, "invalid_key", field, NULL, "第 %zu 个选项的 key 应为“%s”", i + 1, want);
        snprintf(field, sizeof field, "options[%zu].text", i);
        const char *t = text(o, "text", field, label, MAX_TEXT, 1, err);
        snprintf(field, sizeof field, "options[%zu].misconception", i);
        const char *m = text(o, "misconception", field, "易错原因", 400, 0, err);
        json_t *c = json_pack("{s:s,s:s}", "key", want, "text", t ? t : "");
        if (m && *m)
            json_object_set_new(c, "misconception", json_string(m));
        json_array_append_new(out, c);
    }
    if (sh_err_count(err) > before) {
        json_decref(out);
        return NULL;
    }
    return out;
}

static int has_key(const json_t *opts, const char *key) {
    return key && strlen(key) == 1 && key[0] >= 'A' && (size_t)(key[0] - 'A') < json_array_size(opts);
}

/* The answer of the item's type, checked against its options; a copy or NULL. */
static json_t *answer(const char *type, const json_t *a, const json_t *opts, sh_err *err) {
    if (!a)
        return add(err, "required", "answer", "请填写“%s”", "答案"), NULL;
    if (strcmp(type, "single") == 0) {
        if (!json_is_string(a) || (opts && !has_key(opts, json_string_value(a))))
            return add(err, "invalid_answer", "answer", "%s", "单选题的答案应为一个选项的 key，如 \"B\""),
                   NULL;
        return json_incref((json_t *)a);
    }
    if (strcmp(type, "multiple") == 0) {
        if (!json_is_array(a) || json_array_size(a) < 2 || json_array_size(a) > MAX_OPTIONS)
            return add(err, "invalid_answer", "answer", "%s",
                       "多选题的答案应为至少两个选项 key 的数组，如 [\"A\",\"C\"]"),
                   NULL;
        const char *prev = "";
        for (size_t i = 0; i < json_array_size(a); i++) {
            const char *k = json_string_value(json_array_get(a, i));
            if (!k || (opts && !has_key(opts, k)))
                return add(err, "invalid_answer", "answer", "多选题答案中的“%s”不是选项的 key",
                           k ? k : "（非文本）"),
                       NULL;
            if (strcmp(k, prev) <= 0)
                return add(err, "invalid_answer", "answer", "%s", "多选题的答案应按字母顺序排列且不重复"),
                       NULL;
            prev = k;
        }
        return json_incref((json_t *)a);
    }
    if (strcmp(type, "truefalse") == 0) {
        if (!json_is_boolean(a))
            return add(err, "invalid_answer", "answer", "%s", "判断题的答案应为 true 或 false"), NULL;
        return json_incref((json_t *)a);
    }
    if (strcmp(type, "numeric") == 0) {
        const json_t *v = json_object_get(a, "value"), *t = json_object_get(a, "tolerance");
        const json_t *u = json_object_get(a, "unit");
        if (!json_is_object(a) || !json_is_number(v) || !json_is_number(t) || json_number_value(t) < 0 ||
            !isfinite(json_number_value(v)) || !isfinite(json_number_value(t)) || json_object_size(a) > 3 ||
            (u && (!json_is_string(u) || json_string_length(u) > 20)) ||
            json_object_size(a) != 2u + (u != NULL))
            return add(err, "invalid_answer", "answer", "%s",
                       "填空题的答案应为 {\"value\": 数值, \"tolerance\": 不小于 0 的允许误差, \"unit\": 可选单位}"),
                   NULL;
        return json_incref((json_t *)a);
    }
    /* subjective: the reference solution */
    json_t *holder = json_pack("{s:O}", "answer", a);
    const char *s = text(holder, "answer", "answer", "参考答案", MAX_EXPLANATION, 1, err);
    json_decref(holder);
    return s ? json_string(s) : NULL;
}

static json_t *rubric(const json_t *a, int score, sh_err *err) {
    if (!json_is_array(a) || json_array_size(a) < 1 || json_array_size(a) > MAX_RUBRIC) {
        add(err, "invalid_rubric", "rubric", "%s", "主观题须有评分标准：1 到 20 条 {points, criterion}");
        return NULL;
    }
    json_t *out = json_array();
    long sum = 0;
    size_t before = sh_err_count(err);
    for (size_t i = 0; i < json_array_size(a); i++) {
        const json_t *r = json_array_get(a, i);
        char field[32];
        snprintf(field, sizeof field, "rubric[%zu]", i);
        const json_t *pts = json_object_get(r, "points");
        const char *crit = json_string_value(json_object_get(r, "criterion"));
        if (!json_is_object(r) || json_object_size(r) != 2 || !json_is_integer(pts) ||
            json_integer_value(pts) < 1 || json_integer_value(pts) > 100 || !crit || !*crit ||
            strlen(crit) > MAX_TEXT) {
            sh_err_add(err, 400, "invalid_rubric", field, NULL,
                       "第 %zu 条评分标准应为 {\"points\": 正整数, \"criterion\": \"评分要点\"}", i + 1);
            continue;
        }
        sum += (long)json_integer_value(pts);
        json_array_append_new(out,
                              json_pack("{s:I,s:s}", "points", json_integer_value(pts), "criterion", crit));
    }
    if (sh_err_count(err) == before && sum != score)
        sh_err_add(err, 400, "rubric_sum", "rubric", NULL, "评分标准各条分值之和为 %ld，应等于题目分值 %d",
                   sum, score);
    if (sh_err_count(err) > before) {
        json_decref(out);
        return NULL;
    }
    return out;
}

int sh_item_parse(const json_t *obj, sh_item *out, sh_err *err) {
    memset(out, 0, sizeof *out);
    if (!json_is_object(obj))
        return sh_err_add(err, 400, "invalid_type", NULL, NULL, "题目应为 JSON 对象");
    size_t before = sh_err_count(err);
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)obj, k, v) {
        int ok = 0;
        for (const char *const *n = known; *n && !ok; n++)
            ok = strcmp(*n, k) == 0;
        if (!ok)
            sh_err_add(err, 400, "unknown_field", "item", NULL, "不认识的字段“%.40s”", k);
    }
    out->code = text(obj, "code", "code", "题目编码", (size_t)MAX_CODE * 4, 0, err);
    if (out->code)
        check_code(out->code, err);
    const char *type = json_string_value(json_object_get(obj, "type"));
    for (size_t i = 0; type && i < sizeof types / sizeof types[0]; i++)
        if (strcmp(type, types[i]) == 0)
            out->type = types[i];
    if (!out->type)
        add(err, "invalid_type", "type", "%s",
            "“题型”应为 single（单选）、multiple（多选）、truefalse（判断）、numeric（数值填空）或 subjective（主观）");
    const char *stem = text(obj, "stem", "stem", "题干", MAX_STEM, 1, err);
    const char *expl = text(obj, "explanation", "explanation", "解析", MAX_EXPLANATION, 1, err);
    const char *source = text(obj, "source", "source", "来源", 120, 1, err);
    int diff_ok = integer(obj, "difficulty", "难度", 1, 5, &out->difficulty, err) == SH_OK;
    int score_ok = integer(obj, "score", "分值", 1, 100, &out->score, err) == SH_OK;
    /* knowledge points: 1..3 codes, the main one first */
    const json_t *kp = json_object_get(obj, "knowledge_points");
    if (!json_is_array(kp) || json_array_size(kp) < 1 || json_array_size(kp) > SH_ITEM_MAX_KP)
        add(err, "invalid_knowledge_points", "knowledge_points", "%s",
            "“知识点”应为 1 到 3 个知识点编码的数组，第一个为主知识点");
    else
        for (size_t i = 0; i < json_array_size(kp); i++) {
            const char *c = json_string_value(json_array_get(kp, i));
            if (!c || !*c || strlen(c) > MAX_CODE)
                add(err, "invalid_knowledge_points", "knowledge_points", "%s",
                    "知识点应为知识点编码（文本）");
            else
                for (int j = 0; j < out->nkp; j++)
                    if (strcmp(out->kp[j], c) == 0)
                        add(err, "duplicate", "knowledge_points", "知识点“%s”重复", c);
            if (c && out->nkp < SH_ITEM_MAX_KP)
                out->kp[out->nkp++] = c;
        }
    json_t *opts = NULL, *ans = NULL, *rub = NULL;
    int choice = out->type && (strcmp(out->type, "single") == 0 || strcmp(out->type, "multiple") == 0);
    if (choice)
        opts = options(json_object_get(obj, "options"), err);
    else if (out->type && json_object_get(obj, "options"))
        add(err, "unexpected_field", "options", "%s", "只有单选题和多选题有“选项”");
    if (out->type && (!choice || opts))
        ans = answer(out->type, json_object_get(obj, "answer"), opts, err);
    int subjective = out->type && strcmp(out->type, "subjective") == 0;
    if (subjective && score_ok)
        rub = rubric(json_object_get(obj, "rubric"), out->score, err);
    else if (!subjective && json_object_get(obj, "rubric"))
        add(err, "unexpected_field", "rubric", "%s", "只有主观题有“评分标准”");
    if (sh_err_count(err) > before || !stem || !expl || !source || !diff_ok || !score_ok || !ans) {
        json_decref(opts);
        json_decref(ans);
        json_decref(rub);
        return sh_err_count(err) > before ? SH_ERR
                                          : sh_err_add(err, 400, "invalid_item", NULL, NULL, "题目不完整");
    }
    out->content =
        json_pack("{s:s,s:s,s:o,s:s,s:i,s:s,s:i}", "type", out->type, "stem", stem, "answer", ans,
                  "explanation", expl, "difficulty", out->difficulty, "source", source, "score", out->score);
    if (opts)
        json_object_set_new(out->content, "options", opts);
    if (rub)
        json_object_set_new(out->content, "rubric", rub);
    return SH_OK;
}
