/* demo_people.c — realistic synthetic people for the demo city. See
 * demo_people.h. The surname weights follow the published frequency of Chinese
 * surnames (per 10,000 people, rounded); given names come from pools by gender
 * and generation (伟/芳 for parents, 浩宇/欣怡 for their children). All pool
 * characters are CJK ideographs of three UTF-8 bytes. */
#include "cli/demo_people.h"

#include "core/alloc.h"
#include "model/identifiers.h"

#include <stdio.h>
#include <string.h>

/* ---- calendar ---- */

static int leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
static int month_len(int y, int m) {
    static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : len[m - 1];
}
/* Leap years in 1900 .. y-1. */
static int leaps_before(int y) {
    int n = y - 1;
    return (n / 4 - n / 100 + n / 400) - (1899 / 4 - 1899 / 100 + 1899 / 400);
}
static int32_t year_start(int y) { return (int32_t)(365 * (y - 1900) + leaps_before(y)); }

int32_t sh_day_of(int y, int m, int d) {
    if (y < 1900 || y > 2199 || m < 1 || m > 12 || d < 1 || d > month_len(y, m))
        return -1;
    int32_t day = year_start(y);
    for (int i = 1; i < m; i++)
        day += month_len(y, i);
    return day + d - 1;
}

void sh_day_date(int32_t day, int *y, int *m, int *d) {
    int yy = 1900 + day / 366; /* at or before the year: every year has at most 366 days */
    while (year_start(yy + 1) <= day)
        yy++;
    int32_t rest = day - year_start(yy);
    int mm = 1;
    while (rest >= month_len(yy, mm))
        rest -= month_len(yy, mm++);
    *y = yy;
    *m = mm;
    *d = (int)rest + 1;
}

void sh_day_iso(int32_t day, char out[11]) {
    int y, m, d;
    sh_day_date(day, &y, &m, &d);
    snprintf(out, 11, "%04d-%02d-%02d", y, m, d);
}

int32_t sh_day_years_before(int32_t day, int years) {
    int y, m, d;
    sh_day_date(day, &y, &m, &d);
    y -= years;
    if (m == 2 && d == 29 && !leap(y))
        d = 28;
    return sh_day_of(y, m, d);
}

/* ---- pools ---- */

static const struct {
    const char *s;
    int w;
} surnames[] = {
    {"王", 712}, {"李", 700}, {"张", 674}, {"刘", 510}, {"陈", 461}, {"杨", 322}, {"黄", 245}, {"赵", 229},
    {"吴", 205}, {"周", 200}, {"徐", 167}, {"孙", 154}, {"马", 144}, {"朱", 126}, {"胡", 119}, {"郭", 114},
    {"何", 111}, {"林", 101}, {"高", 100}, {"罗", 88},  {"郑", 86},  {"梁", 82},  {"谢", 72},  {"宋", 70},
    {"唐", 69},  {"许", 65},  {"韩", 62},  {"冯", 61},  {"邓", 60},  {"曹", 58},  {"彭", 57},  {"曾", 55},
    {"肖", 55},  {"田", 52},  {"董", 51},  {"袁", 49},  {"潘", 48},  {"于", 48},  {"蒋", 47},  {"蔡", 46},
    {"余", 45},  {"杜", 44},  {"叶", 43},  {"程", 42},  {"苏", 41},  {"魏", 40},  {"吕", 40},  {"丁", 39},
    {"任", 38},  {"沈", 37},  {"姚", 36},  {"卢", 35},  {"姜", 35},  {"崔", 34},  {"钟", 33},  {"谭", 32},
    {"陆", 31},  {"汪", 30},  {"范", 30},  {"金", 29},  {"石", 29},  {"廖", 28},  {"贾", 28},  {"夏", 27},
    {"韦", 27},  {"付", 26},  {"方", 26},  {"白", 25},  {"邹", 25},  {"孟", 24},  {"熊", 24},  {"秦", 23},
    {"邱", 23},  {"江", 22},  {"尹", 22},  {"薛", 21},  {"闫", 21},  {"段", 20},  {"雷", 20},  {"侯", 19},
    {"龙", 19},  {"史", 18},  {"陶", 18},  {"黎", 17},  {"贺", 17},  {"顾", 16},  {"毛", 16},  {"郝", 16},
    {"龚", 15},  {"邵", 15},  {"万", 15},  {"钱", 15},  {"严", 14},  {"武", 14},  {"戴", 13},  {"孔", 13},
    {"常", 12},  {"葛", 11},  {"牛", 11},  {"管", 10},  {"单", 10},  {"房", 9},   {"鞠", 8},   {"隋", 6},
    {"逄", 4},   {"綦", 3},   {"欧阳", 2}, {"司马", 1}, {"诸葛", 1}, {"上官", 1}, {"皇甫", 1}, {"司徒", 1},
};
#define NSURNAMES (sizeof surnames / sizeof surnames[0])

/* Given-name characters, most popular first, by gender and generation (old:
 * born before about 1990; young: after). Neutral ones may start a name of
 * either gender. */
static const char male_old[] =
    "伟强磊军勇杰涛斌超明刚平辉鹏华飞波林建国峰亮成东海兵志新锋龙春永庆宏利忠文俊德胜学光金良"
    "卫民福祥荣";
static const char female_old[] = "芳娜敏静丽艳娟霞秀玲桂英梅红燕萍雪琴云莉兰凤洁琳婷慧颖倩晶丹玉珍莹翠香月美"
                                 "荣";
static const char male_young[] = "浩宇轩梓俊睿泽博铭航宸皓豪杰辰逸阳晨熙然瑞烨鑫嘉煜霖天毅恒翔骏哲彦楷凯锦奕"
                                 "鸣程昊铄晟弘朗远衡硕";
static const char female_young[] = "涵欣怡萱彤琪瑶璐悦妍雨诗梦佳可馨语思桐婉晴依若菲雯琳玥漫清安颖露蕊雅静"
                                   "婧茜沐汐芮萌歆珊钰";
static const char neutral_old[] = "晓春海志红建永新秀丽玉国立小";
static const char neutral_young[] = "子一梓欣雨思嘉佳可安若乐亦诗心语书星";

#define CJK ((size_t)3) /* bytes of one pool character */

static const char *phone_prefixes[] = {"130", "131", "132", "133", "134", "135", "136", "137", "138", "139",
                                       "150", "151", "152", "153", "155", "156", "157", "158", "159", "166",
                                       "176", "177", "178", "180", "181", "182", "183", "184", "185", "186",
                                       "187", "188", "189", "191", "193", "195", "198", "199"};

/* Street and estate names carry none of 区, 县, 旗: address masking keeps the
 * text up to the first of them (the county). */
static const char *roads[] = {"胜利街", "东风街", "健康街", "福寿街", "和平路", "北海路", "四平路", "新华路",
                              "文化路", "青年路", "人民路", "光明街", "长松路", "樱前街", "民生街", "北宫街",
                              "鸢飞路", "玉清街", "东方路", "银海路", "向阳路", "宝通街", "幸福街", "金宝街",
                              "清平路", "友爱路", "虞河路", "安顺路", "北苑路", "梨园街"};
static const char *estates[] = {"阳光花园", "幸福家园", "锦绣华庭", "金色家园", "和谐佳苑",
                                "东方花园", "富华新村", "银河公寓", "翡翠城",   "福润园",
                                "城市花园", "怡景苑",   "华安小镇", "泰华城",   "恒信御园",
                                "绿城百合", "公园壹号", "书香门第", "康城",     "盛世华府"};
static const char *towns[] = {"柳山", "营子", "王坟", "五井", "朱位", "辛寨", "寺头", "九山", "冶源", "龙岗",
                              "大盛", "杨善", "东夏", "高柳", "阿陀", "姜庄", "双台", "凤凰", "石埠", "田柳"};
static const char *villages[] = {"杨家庄", "李家沟", "大王庄", "前河",  "后岭", "石门",
                                 "张家坡", "刘家洼", "东营",   "西营",  "南流", "北辛",
                                 "孙家庄", "马家楼", "高家店", "赵家埠"};

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- generator state ---- */

#define SLOT_CODES 499  /* sequence codes per (county, day, gender): 001–997 odd, 002–998 even */
#define SLOT_STRIDE 211 /* coprime with 499 (a prime): n -> n*211+k mod 499 is a permutation */

typedef struct county_slots {
    char code[7];
    uint16_t *issued; /* [day - first day][gender] */
} county_slots;

struct sh_people {
    sh_rng rng;
    int32_t first_day, ndays;
    county_slots *counties;
    int ncounties, capcounties;
    uint64_t issued;
    uint32_t temp_numbers;
    int surname_total;
};

sh_people *sh_people_new(uint64_t seed) {
    sh_people *g = sh_calloc(1, sizeof *g);
    if (!g)
        return NULL;
    sh_rng_seed(&g->rng, seed);
    g->first_day = sh_day_of(SH_PEOPLE_FIRST_YEAR, 1, 1);
    g->ndays = sh_day_of(SH_PEOPLE_LAST_YEAR, 12, 31) - g->first_day + 1;
    for (size_t i = 0; i < NSURNAMES; i++)
        g->surname_total += surnames[i].w;
    return g;
}

void sh_people_free(sh_people *g) {
    if (!g)
        return;
    for (int i = 0; i < g->ncounties; i++)
        sh_free(g->counties[i].issued);
    sh_free(g->counties);
    sh_free(g);
}

sh_rng *sh_people_rng(sh_people *g) { return &g->rng; }
uint64_t sh_people_issued(const sh_people *g) { return g->issued; }

size_t sh_people_memory(const sh_people *g) {
    return sizeof *g + (size_t)g->capcounties * sizeof(county_slots) +
           (size_t)g->ncounties * (size_t)g->ndays * 2 * sizeof(uint16_t);
}

/* The counters of a county, made on first use; NULL when out of memory. */
static county_slots *county_of(sh_people *g, const char *code) {
    for (int i = 0; i < g->ncounties; i++)
        if (memcmp(g->counties[i].code, code, 6) == 0)
            return &g->counties[i];
    if (g->ncounties == g->capcounties) {
        int cap = g->capcounties ? g->capcounties * 2 : 16;
        county_slots *more = sh_realloc(g->counties, sizeof *more * (size_t)cap);
        if (!more)
            return NULL;
        g->counties = more;
        g->capcounties = cap;
    }
    county_slots *cs = &g->counties[g->ncounties];
    cs->issued = sh_calloc((size_t)g->ndays * 2, sizeof(uint16_t));
    if (!cs->issued)
        return NULL;
    memcpy(cs->code, code, 6);
    cs->code[6] = '\0';
    g->ncounties++;
    return cs;
}

/* A well-mixed offset of a slot, so that each slot walks its codes differently. */
static uint32_t slot_offset(const char *county, int32_t day, int male) {
    uint64_t h = (uint64_t)day * 2 + (uint64_t)male;
    for (int i = 0; i < 6; i++)
        h = h * 31 + (uint64_t)(county[i] - '0');
    return (uint32_t)(sh_splitmix64(&h) % SLOT_CODES);
}

static int valid_county(const char *c) {
    if (!c || strlen(c) != 6)
        return 0;
    for (int i = 0; i < 6; i++)
        if (c[i] < '0' || c[i] > '9')
            return 0;
    return 1;
}

/* ---- names ---- */

static int pool_len(const char *pool) { return (int)(strlen(pool) / CJK); }

/* A character of a pool, the first ones more often (half the draws favour them). */
static const char *pick_char(sh_rng *r, const char *pool) {
    uint32_t n = (uint32_t)pool_len(pool), i = sh_rng_below(r, n);
    if (sh_rng_below(r, 2)) {
        uint32_t j = sh_rng_below(r, n);
        if (j < i)
            i = j;
    }
    return pool + (size_t)i * CJK;
}

const char *sh_people_surname(sh_people *g) {
    int x = (int)sh_rng_below(&g->rng, (uint32_t)g->surname_total);
    for (size_t i = 0; i < NSURNAMES; i++) {
        if (x < surnames[i].w)
            return surnames[i].s;
        x -= surnames[i].w;
    }
    return surnames[0].s;
}

void sh_people_name(sh_people *g, const char *surname, char gender, int birth_year,
                    char out[SH_PEOPLE_NAME_MAX]) {
    sh_rng *r = &g->rng;
    /* generation: old pools for those born before 1980, young from 2000, a mix between */
    int young = birth_year >= 2000   ? 1
                : birth_year <= 1980 ? 0
                                     : (int)sh_rng_below(r, 20) < birth_year - 1980;
    int male = gender == '1';
    const char *own = male ? (young ? male_young : male_old) : (young ? female_young : female_old);
    const char *neutral = young ? neutral_young : neutral_old;
    uint32_t single = young ? 80 : birth_year < 1975 ? 350 : 250; /* per mille with a one-character name */
    char given[2 * CJK + 1];
    if (sh_rng_chance(r, single)) {
        memcpy(given, pick_char(r, own), CJK);
        given[CJK] = '\0';
    } else {
        const char *first, *second;
        do {
            first = pick_char(r, sh_rng_below(r, 5) < 2 ? neutral : own);
            second = pick_char(r, own);
        } while (memcmp(first, second, CJK) == 0);
        memcpy(given, first, CJK);
        memcpy(given + CJK, second, CJK);
        given[2 * CJK] = '\0';
    }
    snprintf(out, SH_PEOPLE_NAME_MAX, "%s%s", surname, given);
}

/* ---- phone and address ---- */

void sh_people_phone(sh_people *g, char out[12]) {
    const char *p = phone_prefixes[sh_rng_below(&g->rng, NELEMS(phone_prefixes))];
    snprintf(out, 12, "%s%08u", p, sh_rng_below(&g->rng, 100000000));
}

void sh_people_address(sh_people *g, const sh_people_place *place, char *out, size_t size) {
    sh_rng *r = &g->rng;
    const char *prefix = place->prefix ? place->prefix : "";
    if (place->rural) {
        snprintf(out, size, "%s%s镇%s村%u号", prefix, towns[sh_rng_below(r, NELEMS(towns))],
                 villages[sh_rng_below(r, NELEMS(villages))], 1 + sh_rng_below(r, 260));
        return;
    }
    unsigned storey = 1 + sh_rng_below(r, 18), room = 1 + sh_rng_below(r, 4);
    snprintf(out, size, "%s%s%u号%s%u号楼%u单元%u%02u室", prefix, roads[sh_rng_below(r, NELEMS(roads))],
             1 + sh_rng_below(r, 398), estates[sh_rng_below(r, NELEMS(estates))], 1 + sh_rng_below(r, 30),
             1 + sh_rng_below(r, 4), storey, room);
}

void sh_people_site_address(sh_people *g, const sh_people_place *place, char *out, size_t size) {
    sh_rng *r = &g->rng;
    const char *prefix = place->prefix ? place->prefix : "";
    if (place->rural)
        snprintf(out, size, "%s%s镇%s村", prefix, towns[sh_rng_below(r, NELEMS(towns))],
                 villages[sh_rng_below(r, NELEMS(villages))]);
    else
        snprintf(out, size, "%s%s%u号", prefix, roads[sh_rng_below(r, NELEMS(roads))],
                 1 + sh_rng_below(r, 398));
}

void sh_people_temp_student_number(sh_people *g, const char *county, const char *birth, char out[20]) {
    unsigned n = g->temp_numbers++ % 10000;
    snprintf(out, 20, "L%.6s%.4s%.2s%.2s%04u", county, birth, birth + 5, birth + 8, n);
}

/* ---- people ---- */

/* Issue an ID number for a person born on a day of [from, to], starting at
 * *day and moving on a day while the slot is full. */
static int issue_id(sh_people *g, const char *county, int male, int32_t from, int32_t to, int32_t *day,
                    char out[19], sh_err *err) {
    county_slots *cs = county_of(g, county);
    if (!cs)
        return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    int32_t span = to - from + 1;
    for (int32_t k = 0; k < span; k++) {
        int32_t d = from + (*day - from + k) % span;
        uint16_t *n = &cs->issued[(size_t)(d - g->first_day) * 2 + (size_t)male];
        if (*n >= SLOT_CODES)
            continue;
        uint32_t perm = ((uint32_t)*n * SLOT_STRIDE + slot_offset(county, d, male)) % SLOT_CODES;
        unsigned seq = 2 * perm + (male ? 1 : 2);
        (*n)++;
        g->issued++;
        int y, m, dd;
        sh_day_date(d, &y, &m, &dd);
        snprintf(out, 19, "%.6s%04d%02d%02d%03u", county, y, m, dd, seq);
        out[17] = sh_id18_check_char(out);
        out[18] = '\0';
        *day = d;
        return SH_OK;
    }
    return sh_err_set(err, 500, "id_space_exhausted", NULL,
                      "县（区）%s 在该出生日期范围内已无可用的身份证顺序码", county);
}

int sh_people_make(sh_people *g, const sh_people_place *place, char gender, int32_t born_from,
                   int32_t born_to, const char *surname, sh_gen_person *out, sh_err *err) {
    if (born_from < g->first_day || born_to >= g->first_day + g->ndays || born_from > born_to)
        return sh_err_set(err, 400, "invalid_birth_range", NULL, "出生日期范围应在 %d–%d 年之间且不为空",
                          SH_PEOPLE_FIRST_YEAR, SH_PEOPLE_LAST_YEAR);
    if (!valid_county(place->county))
        return sh_err_set(err, 400, "invalid_county", NULL, "县（区）代码应为 6 位数字");
    sh_rng *r = &g->rng;
    memset(out, 0, sizeof *out);
    const char *county = place->county;
    if (place->nelsewhere > 0 && sh_rng_chance(r, 120)) {
        const char *other = place->born_elsewhere[sh_rng_below(r, (uint32_t)place->nelsewhere)];
        if (valid_county(other))
            county = other;
    }
    int male = gender ? gender == '1' : sh_rng_chance(r, 523);
    int32_t day = born_from + (int32_t)sh_rng_below(r, (uint32_t)(born_to - born_from + 1));
    if (issue_id(g, county, male, born_from, born_to, &day, out->id_number, err) != SH_OK)
        return SH_ERR;
    snprintf(out->county, sizeof out->county, "%s", county);
    out->gender[0] = male ? '1' : '2';
    out->birth_day = day;
    sh_day_iso(day, out->birth);
    snprintf(out->surname, sizeof out->surname, "%s", surname ? surname : sh_people_surname(g));
    int y, m, d;
    sh_day_date(day, &y, &m, &d);
    sh_people_name(g, out->surname, out->gender[0], y, out->name);
    sh_people_phone(g, out->phone);
    sh_people_address(g, place, out->address, sizeof out->address);
    return SH_OK;
}

/* Years a parent is older than the child: 24 and up, mostly late twenties to mid
 * thirties, a few much older; at most 48 for fathers and 43 for mothers. */
static int parent_gap(sh_rng *r, int father) {
    if (father)
        return 24 + (int)(sh_rng_below(r, 4) + sh_rng_below(r, 4) + sh_rng_below(r, 5)) +
               (sh_rng_chance(r, 100) ? (int)sh_rng_below(r, 15) : 0);
    return 24 + (int)(sh_rng_below(r, 3) + sh_rng_below(r, 4) + sh_rng_below(r, 4)) +
           (sh_rng_chance(r, 80) ? (int)sh_rng_below(r, 12) : 0);
}

/* A parent exactly `gap` full years older than the child. */
static int make_parent(sh_people *g, const sh_people_place *place, const sh_gen_person *child, char gender,
                       int gap, const char *surname, sh_gen_person *out, sh_err *err) {
    int32_t to = sh_day_years_before(child->birth_day, gap);
    int32_t from = sh_day_years_before(child->birth_day, gap + 1) + 1;
    if (to < 0 || from < 0)
        return sh_err_set(err, 400, "invalid_birth_range", NULL, "无法为该出生日期生成父母");
    if (sh_people_make(g, place, gender, from, to, surname, out, err) != SH_OK)
        return SH_ERR;
    snprintf(out->address, sizeof out->address, "%s", child->address);
    return SH_OK;
}

int sh_people_parents(sh_people *g, const sh_people_place *place, const sh_gen_person *child,
                      sh_gen_person *father, sh_gen_person *mother, sh_err *err) {
    sh_rng *r = &g->rng;
    const char *father_name = child->surname, *mother_name = NULL;
    if (sh_rng_chance(r, 40)) { /* named after the mother */
        mother_name = child->surname;
        do
            father_name = sh_people_surname(g);
        while (strcmp(father_name, child->surname) == 0);
    }
    if (make_parent(g, place, child, '1', parent_gap(r, 1), father_name, father, err) != SH_OK ||
        make_parent(g, place, child, '2', parent_gap(r, 0), mother_name, mother, err) != SH_OK)
        return SH_ERR;
    return SH_OK;
}
