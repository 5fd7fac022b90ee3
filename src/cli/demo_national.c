/* demo_national.c — the demo city's students as national registry forms
 * (全国学籍系统《学生基本信息表》), one file per school, for trying the import with
 * a real-looking file: the form's headers from its template declaration
 * (import/tpl_national.c), a student's fields and flags (with the period of
 * validity of the child's 居民身份证 where they have one), and the father and
 * mother as the two family blocks. Files vary as real ones do: every third school
 * writes GB18030 (Excel on Chinese Windows), every fourth an XLSX, every other
 * one the words (男, 汉族, 农业户口, 是) instead of the codes. See demo_national.h. */
#include "cli/demo_national.h"

#include "cli/demo_roster.h"
#include "codes/codes.h"
#include "core/alloc.h"
#include "import/template.h"
#include "tabular/writer.h"

#include <stdio.h>
#include <string.h>

#define MAX_PAIRS 64

struct sh_demo_national {
    sh_conn *c;
    sh_table_writer *w;
    int words;
    const char *cells[128];
    /* names of the codes met so far (the demo uses few) */
    struct {
        char table[32], code[8], name[64];
    } names[96];
    int nnames;
};

/* Columns written as words in a words file, and their code table. */
static const struct {
    const char *key, *table;
} worded[] = {
    {"gender", "gb2261_1_sex"},
    {"ethnicity", "gb3304_ethnicity"},
    {"hukou_type", "xjxt_hukou_type"},
    {"health", "xjxt_health"},
    {"attendance_mode", "jyt_attendance_mode"},
    {"admission_mode", "xjxt_admission_mode"},
    {"left_behind", "xjxt_left_behind"},
    {"migrant_child", "jyt_yes_no"},
    {"orphan", "jyt_yes_no"},
    {"needs_aid", "jyt_yes_no"},
    {"school_bus", "jyt_yes_no"},
    {"m1_relation", "gb4761_family_relation"},
    {"m2_relation", "gb4761_family_relation"},
    {"m1_is_guardian", "jyt_yes_no"},
    {"m2_is_guardian", "jyt_yes_no"},
};

static const char *word(sh_demo_national *n, const char *table, const char *code, sh_err *err) {
    for (int i = 0; i < n->nnames; i++)
        if (strcmp(n->names[i].table, table) == 0 && strcmp(n->names[i].code, code) == 0)
            return n->names[i].name;
    if (n->nnames == (int)(sizeof n->names / sizeof n->names[0]))
        return code;
    char name[64];
    if (sh_codes_name(n->c, table, code, name, sizeof name, err) != SH_ROW)
        return code;
    int i = n->nnames++;
    snprintf(n->names[i].table, sizeof n->names[i].table, "%s", table);
    snprintf(n->names[i].code, sizeof n->names[i].code, "%s", code);
    snprintf(n->names[i].name, sizeof n->names[i].name, "%s", name);
    return n->names[i].name;
}

int sh_demo_national_open(sh_conn *c, const char *dir, const char *school_code, int index,
                          sh_demo_national **out, sh_err *err) {
    sh_demo_national *n = sh_calloc(1, sizeof *n);
    if (!n)
        return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    n->c = c;
    n->words = index % 2 == 1;
    sh_table_format fmt = index % 4 == 3   ? SH_TABLE_XLSX
                          : index % 3 == 1 ? SH_TABLE_CSV_GB18030
                                           : SH_TABLE_CSV;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s-学生基本信息表.%s", dir, school_code,
             fmt == SH_TABLE_XLSX ? "xlsx" : "csv");
    const sh_import_template *t = &sh_template_national;
    const char *heads[128];
    for (int i = 0; i < t->ncolumns && i < 128; i++)
        heads[i] = t->columns[i].header;
    if (sh_table_writer_open(path, fmt, "学生基本信息", &n->w, err) != SH_OK ||
        sh_table_write_header(n->w, heads, NULL, t->ncolumns, err) != SH_OK) {
        if (n->w)
            sh_table_writer_abort(n->w);
        sh_free(n);
        return SH_ERR;
    }
    *out = n;
    return SH_OK;
}

/* The child's 居民身份证 period of validity as the form writes it, drawn from the
 * ID number (the same child, the same period), on the first day of the demo
 * school year: from 16 a card is compulsory (applied for within three months of
 * the 16th birthday) and valid 10 years; a younger child's card is valid 5
 * years, and about one child in four has one. Empty when the child has none. */
static void id_period(const sh_gen_person *ch, char out[32]) {
    unsigned h = 2166136261u ^ 0x5eedu;
    for (const char *p = ch->id_number; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    int32_t today = sh_day_of(SH_DEMO_SCHOOL_YEAR, 9, 1), sixteen = sh_day_years_before(ch->birth_day, -16);
    int32_t first = sixteen, last = sixteen + 90, years = 10;
    out[0] = '\0';
    if (sixteen < 0 || sixteen > today) { /* under 16 */
        if (h % 100 >= 25)
            return;
        years = 5;
        first = sh_day_years_before(today, 5) + 1; /* still valid today */
        if (first < ch->birth_day + 30)
            first = ch->birth_day + 30;
        last = today;
    }
    if (last > today)
        last = today;
    if (first > last)
        return;
    int32_t start = first + (int32_t)((h >> 8) % (uint32_t)(last - first + 1));
    char from[11], to[11];
    sh_day_iso(start, from);
    sh_day_iso(sh_day_years_before(start, -years), to);
    snprintf(out, 32, "%.4s.%.2s.%.2s-%.4s.%.2s.%.2s", from, from + 5, from + 8, to, to + 5, to + 8);
}

int sh_demo_national_row(sh_demo_national *n, const sh_demo_national_student *s, sh_err *err) {
    const sh_gen_person *ch = s->child, *dad = s->father, *mum = s->mother;
    char birth[9], dad_guardian[2] = "1", entry[7], period[32];
    id_period(ch, period);
    snprintf(birth, sizeof birth, "%.4s%.2s%.2s", ch->birth, ch->birth + 5, ch->birth + 8);
    snprintf(entry, sizeof entry, "%.4s%.2s", s->entry_month, s->entry_month + 5);
    const char *pairs[][2] = {
        {"school_code", s->school_code},
        {"name", ch->name},
        {"gender", ch->gender},
        {"birth_date", birth},
        {"birth_place", ch->county},
        {"native_place", ch->county},
        {"ethnicity", s->ethnicity},
        {"nationality", "CHN"},
        {"id_type", "1"},
        {"id_number", ch->id_number},
        {"id_valid", period[0] ? period : NULL},
        {"hmt_overseas", "00"},
        {"political_status", s->level >= 7 ? "03" : "13"},
        {"health", "10"},
        {"hukou_place", ch->county},
        {"hukou_type", s->rural ? "1" : "2"},
        {"student_number", s->student_number},
        {"grade", s->grade},
        {"class", s->class_name},
        {"entry_month", entry},
        {"admission_mode", s->level >= 10 ? "21" : "11"},
        {"attendance_mode", s->boarding ? "2" : "1"},
        {"student_source", s->level >= 10 ? NULL : "1"},
        {"address", ch->address},
        {"mail_address", ch->address},
        {"home_address", ch->address},
        {"phone", dad->phone},
        {"postcode", "261000"},
        {"only_child", s->only_child ? "1" : "0"},
        {"preschool", "1"},
        {"left_behind", s->left_behind},
        {"migrant_child", s->migrant ? "1" : "0"},
        {"orphan", "0"},
        {"martyr_child", "0"},
        {"inclusive", "0"},
        {"needs_aid", s->needs_aid ? "1" : "0"},
        {"distance", s->distance},
        {"school_bus", s->bus ? "1" : "0"},
        {"m1_name", dad->name},
        {"m1_relation", "51"},
        {"m1_address", dad->address},
        {"m1_hukou_place", dad->county},
        {"m1_phone", dad->phone},
        {"m1_is_guardian", dad_guardian},
        {"m1_id_type", "1"},
        {"m1_id_number", dad->id_number},
        {"m1_ethnicity", s->ethnicity},
        {"m1_work_unit", s->father_work},
        {"m2_name", mum->name},
        {"m2_relation", "52"},
        {"m2_address", mum->address},
        {"m2_hukou_place", mum->county},
        {"m2_phone", mum->phone},
        {"m2_is_guardian", "1"},
        {"m2_id_type", "1"},
        {"m2_id_number", mum->id_number},
        {"m2_ethnicity", s->ethnicity},
    };
    const sh_import_template *t = &sh_template_national;
    for (int i = 0; i < t->ncolumns && i < 128; i++) {
        const char *key = t->columns[i].key, *v = NULL;
        for (size_t p = 0; p < sizeof pairs / sizeof pairs[0] && !v; p++)
            if (strcmp(pairs[p][0], key) == 0)
                v = pairs[p][1];
        for (size_t w = 0; v && n->words && w < sizeof worded / sizeof worded[0]; w++)
            if (strcmp(worded[w].key, key) == 0)
                v = word(n, worded[w].table, v, err);
        n->cells[i] = v;
    }
    return sh_table_write_row(n->w, n->cells, t->ncolumns, err);
}

int sh_demo_national_close(sh_demo_national *n, int ok, sh_err *err) {
    int rc = SH_OK;
    if (ok)
        rc = sh_table_writer_close(n->w, err);
    else
        sh_table_writer_abort(n->w);
    sh_free(n);
    return rc;
}
