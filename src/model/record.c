/* record.c — JSON input mapped onto entity declarations, with field-level errors.
 *
 * This is the only place JSON bodies become typed values. It refuses undeclared
 * fields (DR-17, minimum necessary), read-only fields, wrong JSON types, text that
 * is too long or carries control characters, impossible dates and unknown codes,
 * and reports every problem at once, each naming its field in Chinese. */
#include "model/entity.h"

#include <string.h>

static sh_code_lookup_fn code_lookup;

void sh_set_code_lookup(sh_code_lookup_fn fn) { code_lookup = fn; }

int sh_code_valid(const char *table, const char *code) { return code_lookup ? code_lookup(table, code) : -1; }

int sh_record_blank(sh_pool *p, const sh_entity *e, sh_record *r) {
    r->e = e;
    r->v = sh_pcalloc(p, (size_t)e->nfields * sizeof *r->v);
    return r->v ? SH_OK : SH_ERR;
}

void sh_record_set_i(sh_record *r, const char *name, int64_t v) {
    r->v[sh_entity_field_index(r->e, name)] = (sh_value){.set = 1, .i = v};
}

void sh_record_set_s(sh_record *r, const char *name, const char *v) {
    r->v[sh_entity_field_index(r->e, name)] = (sh_value){.set = 1, .s = v, .is_null = v == NULL};
}

const sh_field *sh_entity_field(const sh_entity *e, const char *name) {
    int i = sh_entity_field_index(e, name);
    return i < 0 ? NULL : &e->fields[i];
}

int sh_entity_field_index(const sh_entity *e, const char *name) {
    for (int i = 0; i < e->nfields; i++)
        if (strcmp(e->fields[i].name, name) == 0)
            return i;
    return -1;
}

sh_grade sh_entity_grade(const sh_entity *e) {
    sh_grade g = SH_L1;
    for (int i = 0; i < e->nfields; i++)
        if (e->fields[i].grade > g)
            g = e->fields[i].grade;
    return g;
}

/* Decode one UTF-8 sequence at s (known valid: jansson checks input). */
static unsigned utf8_next(const unsigned char *s, int *len) {
    if (s[0] < 0x80) {
        *len = 1;
        return s[0];
    }
    if ((s[0] & 0xE0) == 0xC0 && s[1]) {
        *len = 2;
        return ((s[0] & 0x1Fu) << 6) | (s[1] & 0x3Fu);
    }
    if ((s[0] & 0xF0) == 0xE0 && s[1] && s[2]) {
        *len = 3;
        return ((s[0] & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu);
    }
    if ((s[0] & 0xF8) == 0xF0 && s[1] && s[2] && s[3]) {
        *len = 4;
        return ((s[0] & 0x07u) << 18) | ((s[1] & 0x3Fu) << 12) | ((s[2] & 0x3Fu) << 6) | (s[3] & 0x3Fu);
    }
    *len = 1; /* invalid byte: step over it */
    return 0xFFFD;
}

static int is_space(unsigned cp) {
    return cp == ' ' || cp == '\t' || cp == '\r' || cp == '\n' || cp == 0x3000 || cp == 0xA0 || cp == 0xFEFF;
}

char *sh_normalise_text(sh_pool *p, const char *in) {
    size_t n = strlen(in);
    char *out = sh_palloc(p, n + 1);
    if (!out)
        return NULL;
    const unsigned char *s = (const unsigned char *)in;
    size_t o = 0, last_non_space = 0;
    int started = 0;
    while (*s) {
        int len;
        unsigned cp = utf8_next(s, &len);
        if (!started && is_space(cp)) {
            s += len;
            continue;
        }
        started = 1;
        if (cp >= 0xFF10 && cp <= 0xFF19) { /* full-width digits */
            out[o++] = (char)('0' + (cp - 0xFF10));
        } else if (cp >= 0xFF21 && cp <= 0xFF3A) { /* full-width Latin capitals */
            out[o++] = (char)('A' + (cp - 0xFF21));
        } else if (cp >= 0xFF41 && cp <= 0xFF5A) { /* full-width Latin small letters */
            out[o++] = (char)('a' + (cp - 0xFF41));
        } else if (cp == 0x3000) {
            out[o++] = ' ';
        } else {
            memcpy(out + o, s, (size_t)len);
            o += (size_t)len;
        }
        if (!is_space(cp))
            last_non_space = o;
        s += len;
    }
    out[last_non_space] = '\0';
    return out;
}

static size_t utf8_chars(const char *s) {
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

int sh_valid_date(const char *s) {
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return 0;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[5] - '0') * 10 + (s[6] - '0');
    int d = (s[8] - '0') * 10 + (s[9] - '0');
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1900 || y > 2100 || m < 1 || m > 12 || d < 1)
        return 0;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    int max = mdays[m - 1] + (m == 2 && leap);
    return d <= max;
}

int sh_field_parse_text(sh_pool *p, const sh_field *f, const char *in, const char **norm, sh_err *err) {
    char *v = sh_normalise_text(p, in);
    if (!v)
        return sh_err_add(err, 500, "out_of_memory", f->name, NULL, "内存不足");
    for (const unsigned char *c = (const unsigned char *)v; *c; c++)
        if (*c < 0x20 || *c == 0x7F)
            return sh_err_add(err, 400, "invalid_characters", f->name, NULL, "“%s”含有不允许的控制字符",
                              f->label);
    int max = f->max_len ? f->max_len : 200;
    if (utf8_chars(v) > (size_t)max)
        return sh_err_add(err, 400, "too_long", f->name, NULL, "“%s”不能超过 %d 个字符", f->label, max);
    if (f->flags & SH_F_REQUIRED && !*v)
        return sh_err_add(err, 400, "required", f->name, NULL, "“%s”不能为空", f->label);
    if (f->type == SH_T_DATE && *v && !sh_valid_date(v))
        return sh_err_add(err, 400, "invalid_date", f->name, v,
                          "“%s”不是有效日期，应为 YYYY-MM-DD 格式的真实日期", f->label);
    if (f->type == SH_T_CODE && *v && f->code_table) {
        int ok = sh_code_valid(f->code_table, v);
        if (ok == 0)
            return sh_err_add(err, 400, "invalid_code", f->name, v, "“%s”的代码“%s”不在代码表中", f->label,
                              v);
        if (ok < 0)
            return sh_err_add(err, 500, "code_table_missing", f->name, NULL, "代码表 %s 未加载，无法校验“%s”",
                              f->code_table, f->label);
    }
    if (f->check && *v && f->check(f, v, err) != SH_OK)
        return SH_ERR;
    *norm = v;
    return SH_OK;
}

static const char *json_type_word(sh_type t) {
    switch (t) {
    case SH_T_INT:
    case SH_T_TIME: return "整数";
    case SH_T_BOOL: return "布尔值（true/false）";
    default: return "文本";
    }
}

static int map_value(sh_pool *p, const sh_field *f, const json_t *j, sh_value *v, sh_err *err) {
    v->set = 1;
    if (json_is_null(j)) {
        if (f->flags & SH_F_REQUIRED)
            return sh_err_add(err, 400, "required", f->name, NULL, "“%s”为必填项", f->label);
        v->is_null = 1;
        return SH_OK;
    }
    switch (f->type) {
    case SH_T_INT:
        if (!json_is_integer(j))
            break;
        v->i = json_integer_value(j);
        if ((f->min || f->max) && (v->i < f->min || v->i > f->max))
            return sh_err_add(err, 400, "out_of_range", f->name, NULL, "“%s”应在 %lld 到 %lld 之间", f->label,
                              (long long)f->min, (long long)f->max);
        return SH_OK;
    case SH_T_BOOL:
        if (!json_is_boolean(j))
            break;
        v->i = json_is_true(j);
        return SH_OK;
    case SH_T_TEXT:
    case SH_T_DATE:
    case SH_T_CODE:
    case SH_T_REF:
    case SH_T_UID:
        if (!json_is_string(j))
            break;
        if (strlen(json_string_value(j)) != json_string_length(j))
            return sh_err_add(err, 400, "invalid_characters", f->name, NULL, "“%s”含有不允许的空字符",
                              f->label);
        return sh_field_parse_text(p, f, json_string_value(j), &v->s, err);
    default: break;
    }
    return sh_err_add(err, 400, "invalid_type", f->name, NULL, "“%s”应为%s", f->label,
                      json_type_word(f->type));
}

int sh_record_from_json(sh_pool *p, const sh_entity *e, const json_t *obj, sh_input_mode mode, sh_record *out,
                        sh_err *err) {
    out->e = e;
    out->v = sh_pcalloc(p, sizeof(sh_value) * (size_t)(e->nfields ? e->nfields : 1));
    if (!out->v)
        return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    if (!json_is_object(obj))
        return sh_err_set(err, 400, "invalid_body", NULL, "请求体应为 JSON 对象");
    size_t before = sh_err_count(err);
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)obj, key, val) {
        int i = sh_entity_field_index(e, key);
        const sh_field *f = i >= 0 ? &e->fields[i] : NULL;
        if (!f || (f->flags & SH_F_INTERNAL) || f->type == SH_T_KEY || f->type == SH_T_BLOB) {
            sh_err_add(err, 400, "unknown_field", key, NULL, "不认识的字段“%.60s”", key);
            continue;
        }
        if (f->flags & SH_F_READONLY || f->type == SH_T_UID) {
            sh_err_add(err, 400, "read_only", key, NULL, "“%s”由系统生成，不能写入", f->label);
            continue;
        }
        if (mode == SH_INPUT_UPDATE && (f->flags & SH_F_IMMUTABLE)) {
            sh_err_add(err, 400, "immutable", key, NULL, "“%s”创建后不能修改", f->label);
            continue;
        }
        map_value(p, f, val, &out->v[i], err);
    }
    if (mode == SH_INPUT_CREATE) {
        for (int i = 0; i < e->nfields; i++) {
            const sh_field *f = &e->fields[i];
            if ((f->flags & SH_F_REQUIRED) && !out->v[i].set)
                sh_err_add(err, 400, "required", f->name, NULL, "缺少必填项“%s”", f->label);
        }
    }
    return sh_err_count(err) > before ? SH_ERR : SH_OK;
}
