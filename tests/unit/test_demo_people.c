/* test_demo_people.c — the demo's people generator (cli/demo_people.h): the same
 * seed gives the same people; every ID number is valid (GB 11643) and carries
 * the person's birth date and gender; no ID number is issued twice; parents are
 * 24–50 years older; phones, addresses and temporary 学籍号 are well formed;
 * surnames follow their real frequency and names look plausible. */
#include "harness.h"

#include "cli/demo_people.h"
#include "core/alloc.h"
#include "model/identifiers.h"

#include <stdlib.h>

static const sh_people_place weicheng = {.county = "370702", .prefix = "山东省潍坊市潍城区"};

static int32_t day(int y, int m, int d) { return sh_day_of(y, m, d); }

/* The person's ID number is valid and agrees with their birth date and gender. */
static int id_agrees(const sh_gen_person *p) {
    if (sh_id18_validate(p->id_number, "20261231") != SH_ID18_OK)
        return 0;
    char birth[11];
    if (sh_identifier_birth_date(p->id_number, birth) != SH_OK || strcmp(birth, p->birth) != 0)
        return 0;
    int odd = (p->id_number[16] - '0') % 2;
    return (odd && p->gender[0] == '1') || (!odd && p->gender[0] == '2');
}

TEST(demo_calendar) {
    CHECK(sh_day_of(1900, 1, 1) == 0);
    CHECK(sh_day_of(1900, 2, 29) == -1); /* 1900 is not a leap year */
    CHECK(sh_day_of(2000, 2, 29) > 0);
    CHECK(sh_day_of(2023, 13, 1) == -1);
    char iso[11];
    int32_t last = -1;
    for (int y = 1900; y <= 2199; y += 7)
        for (int m = 1; m <= 12; m++)
            for (int d = 1; d <= 31; d++) {
                int32_t n = sh_day_of(y, m, d);
                if (n < 0)
                    continue;
                int yy, mm, dd;
                sh_day_date(n, &yy, &mm, &dd);
                CHECK(yy == y && mm == m && dd == d);
                CHECK(n > last);
                last = n;
            }
    sh_day_iso(day(2020, 2, 29), iso);
    CHECK_STR(iso, "2020-02-29");
    sh_day_iso(sh_day_years_before(day(2020, 2, 29), 1), iso);
    CHECK_STR(iso, "2019-02-28");
    sh_day_iso(day(2026, 12, 31) + 1, iso);
    CHECK_STR(iso, "2027-01-01");
}

TEST(demo_rng_bounds) {
    sh_rng r;
    sh_rng_seed(&r, 7);
    int counts[10] = {0};
    for (int i = 0; i < 100000; i++) {
        uint32_t v = sh_rng_below(&r, 10);
        REQUIRE(v < 10);
        counts[v]++;
    }
    for (int i = 0; i < 10; i++)
        CHECK(counts[i] > 9000 && counts[i] < 11000);
    CHECK(sh_rng_below(&r, 0) == 0);
    CHECK(sh_rng_below(&r, 1) == 0);
}

static int same_person(const sh_gen_person *a, const sh_gen_person *b) {
    return strcmp(a->name, b->name) == 0 && strcmp(a->surname, b->surname) == 0 &&
           strcmp(a->gender, b->gender) == 0 && strcmp(a->birth, b->birth) == 0 &&
           a->birth_day == b->birth_day && strcmp(a->county, b->county) == 0 &&
           strcmp(a->id_number, b->id_number) == 0 && strcmp(a->phone, b->phone) == 0 &&
           strcmp(a->address, b->address) == 0;
}

TEST(demo_people_deterministic) {
    sh_people *a = sh_people_new(42), *b = sh_people_new(42), *c = sh_people_new(43);
    REQUIRE(a && b && c);
    sh_err e;
    sh_err_init(&e);
    int same = 1, differs = 0;
    for (int i = 0; i < 2000; i++) {
        sh_gen_person pa, pb, pc, fa, ma, fb, mb;
        REQUIRE(sh_people_make(a, &weicheng, 0, day(2010, 1, 1), day(2019, 12, 31), NULL, &pa, &e) == SH_OK);
        REQUIRE(sh_people_make(b, &weicheng, 0, day(2010, 1, 1), day(2019, 12, 31), NULL, &pb, &e) == SH_OK);
        REQUIRE(sh_people_make(c, &weicheng, 0, day(2010, 1, 1), day(2019, 12, 31), NULL, &pc, &e) == SH_OK);
        REQUIRE(sh_people_parents(a, &weicheng, &pa, &fa, &ma, &e) == SH_OK);
        REQUIRE(sh_people_parents(b, &weicheng, &pb, &fb, &mb, &e) == SH_OK);
        same &= same_person(&pa, &pb) && same_person(&fa, &fb) && same_person(&ma, &mb);
        differs += strcmp(pa.id_number, pc.id_number) != 0;
    }
    CHECK(same);
    CHECK(differs > 1900);
    CHECK(sh_people_issued(a) == 6000);
    sh_people_free(a);
    sh_people_free(b);
    sh_people_free(c);
    sh_err_clear(&e);
}

TEST(demo_people_valid_ids_phones_addresses) {
    sh_people *g = sh_people_new(1);
    REQUIRE(g);
    static const char *const others[] = {"370781", "370782", "370724"};
    const sh_people_place place = {
        .county = "370705", .prefix = "山东省潍坊市奎文区", .born_elsewhere = others, .nelsewhere = 3};
    const sh_people_place village = {.county = "370724", .prefix = "山东省潍坊市临朐县", .rural = 1};
    sh_err e;
    sh_err_init(&e);
    int bad = 0, elsewhere = 0;
    for (int i = 0; i < 20000; i++) {
        sh_gen_person p;
        const sh_people_place *pl = i % 4 ? &place : &village;
        REQUIRE(sh_people_make(g, pl,
                               i % 3 == 0   ? '1'
                               : i % 3 == 1 ? '2'
                                            : 0,
                               day(1930, 1, 1), day(2020, 8, 31), NULL, &p, &e) == SH_OK);
        bad += !id_agrees(&p);
        bad += !sh_valid_phone(p.phone);
        bad += (i % 3 == 0 && p.gender[0] != '1') || (i % 3 == 1 && p.gender[0] != '2');
        bad += strncmp(p.id_number, p.county, 6) != 0;
        elsewhere += strcmp(p.county, pl->county) != 0;
        /* the address starts with the county; masking cuts at the first 区/县/旗, which
         * must be the county's own */
        size_t n = strlen(pl->prefix);
        bad += strncmp(p.address, pl->prefix, n) != 0;
        bad += strstr(p.address + n, "区") || strstr(p.address + n, "县") || strstr(p.address + n, "旗");
        bad += strlen(p.address) > 360; /* 120 characters */
        if (bad) {
            fprintf(stderr, "    bad person: %s %s %s %s %s\n", p.name, p.gender, p.id_number, p.phone,
                    p.address);
            break;
        }
    }
    CHECK(bad == 0);
    CHECK(elsewhere > 500 && elsewhere < 3000); /* about one in eight of the town's people */
    char l[20];
    sh_people_temp_student_number(g, "370702", "2015-06-01", l);
    CHECK(strlen(l) == 19 && l[0] == 'L');
    CHECK(sh_valid_student_number(l, "20261231"));
    char g19[20];
    sh_gen_person p;
    REQUIRE(sh_people_make(g, &place, '2', day(2015, 1, 1), day(2015, 12, 31), NULL, &p, &e) == SH_OK);
    snprintf(g19, sizeof g19, "G%s", p.id_number);
    CHECK(sh_valid_student_number(g19, "20261231"));
    /* refused ranges */
    CHECK(sh_people_make(g, &place, 0, day(1920, 1, 1), day(1921, 1, 1), NULL, &p, &e) == SH_ERR);
    CHECK(sh_people_make(g, &place, 0, day(2015, 1, 2), day(2015, 1, 1), NULL, &p, &e) == SH_ERR);
    const sh_people_place nowhere = {.county = "37070", .prefix = ""};
    CHECK(sh_people_make(g, &nowhere, 0, day(2015, 1, 1), day(2015, 1, 2), NULL, &p, &e) == SH_ERR);
    sh_people_free(g);
    sh_err_clear(&e);
}

static int cmp_id(const void *a, const void *b) { return memcmp(a, b, 18); }

TEST(demo_people_unique_ids) {
    /* 200,000 people, 160,000 of them of one county born in half a year: about 460
     * per slot of (county, day, gender) out of 499, so many slots fill up and the
     * next person is born a day later */
    enum { N = 200000 };
    sh_people *g = sh_people_new(9);
    char(*ids)[19] = sh_malloc(sizeof *ids * N);
    REQUIRE(g && ids);
    const sh_people_place east = {.county = "370705", .prefix = "山东省潍坊市奎文区"};
    sh_err e;
    sh_err_init(&e);
    int bad = 0;
    for (int i = 0; i < N; i++) {
        sh_gen_person p;
        if (sh_people_make(g, i % 5 ? &weicheng : &east, 0, day(2015, 1, 1), day(2015, 6, 30), NULL, &p,
                           &e) != SH_OK) {
            bad++;
            break;
        }
        bad += !id_agrees(&p);
        memcpy(ids[i], p.id_number, 19);
    }
    CHECK(bad == 0);
    qsort(ids, N, sizeof *ids, cmp_id);
    int dups = 0;
    for (int i = 1; i < N; i++)
        dups += memcmp(ids[i - 1], ids[i], 18) == 0;
    CHECK(dups == 0);
    /* the counters are per county: two counties, 146 KB each */
    CHECK(sh_people_memory(g) < (size_t)400 * 1024);
    sh_free(ids);

    /* two days hold 2 × 499 men: a full day moves the next one to the other day,
     * and when both are full there is no number left */
    sh_gen_person p;
    const sh_people_place lonely = {.county = "370786", .prefix = "山东省潍坊市昌邑市"};
    int fifth = 0, sixth = 0;
    for (int i = 0; i < 2 * 499; i++) {
        REQUIRE(sh_people_make(g, &lonely, '1', day(2001, 5, 5), day(2001, 5, 6), NULL, &p, &e) == SH_OK);
        fifth += strcmp(p.birth, "2001-05-05") == 0;
        sixth += strcmp(p.birth, "2001-05-06") == 0;
        CHECK(id_agrees(&p));
    }
    CHECK(fifth == 499 && sixth == 499);
    CHECK(sh_people_make(g, &lonely, '1', day(2001, 5, 5), day(2001, 5, 6), NULL, &p, &e) == SH_ERR);
    CHECK_STR(e.first.code, "id_space_exhausted");
    CHECK(sh_people_make(g, &lonely, '2', day(2001, 5, 5), day(2001, 5, 5), NULL, &p, &e) == SH_OK);
    sh_people_free(g);
    sh_err_clear(&e);
}

TEST(demo_people_parents) {
    sh_people *g = sh_people_new(3);
    REQUIRE(g);
    sh_err e;
    sh_err_init(&e);
    int bad = 0, fathers_surname = 0;
    enum { N = 5000 };
    for (int i = 0; i < N && !bad; i++) {
        sh_gen_person child, father, mother;
        REQUIRE(sh_people_make(g, &weicheng, 0, day(2008, 9, 1), day(2020, 8, 31), NULL, &child, &e) ==
                SH_OK);
        REQUIRE(sh_people_parents(g, &weicheng, &child, &father, &mother, &e) == SH_OK);
        bad += father.gender[0] != '1' || mother.gender[0] != '2';
        bad += !id_agrees(&father) || !id_agrees(&mother);
        bad += !sh_valid_phone(father.phone) || !sh_valid_phone(mother.phone);
        bad +=
            strcmp(father.id_number, mother.id_number) == 0 || strcmp(father.id_number, child.id_number) == 0;
        bad += strcmp(father.address, child.address) != 0 || strcmp(mother.address, child.address) != 0;
        /* 24 to 50 full years older: born on or before the child's birthday 24 years
         * earlier, and after it 51 years earlier (so at least 18, as the brief asks) */
        for (const sh_gen_person *p = &father; p; p = p == &father ? &mother : NULL) {
            bad += p->birth_day > sh_day_years_before(child.birth_day, 24);
            bad += p->birth_day <= sh_day_years_before(child.birth_day, 51);
            bad += p->birth_day > sh_day_years_before(child.birth_day, 18);
        }
        fathers_surname += strcmp(father.surname, child.surname) == 0;
        /* the child carries the surname of one of the parents */
        bad += strcmp(father.surname, child.surname) != 0 && strcmp(mother.surname, child.surname) != 0;
        if (bad)
            fprintf(stderr, "    bad family: %s %s / %s %s / %s %s\n", child.name, child.birth, father.name,
                    father.birth, mother.name, mother.birth);
    }
    CHECK(bad == 0);
    CHECK(fathers_surname > N * 9 / 10 && fathers_surname < N);
    sh_people_free(g);
    sh_err_clear(&e);
}

/* Counting strings (surnames, names, characters) in a small open-addressing table. */
typedef struct counter {
    char key[SH_PEOPLE_NAME_MAX];
    int n;
} counter;
enum { TABLE = 1 << 16 };
static counter *count(counter *t, const char *key) {
    unsigned h = 2166136261u;
    for (const char *p = key; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    for (unsigned i = h % TABLE;; i = (i + 1) % TABLE) {
        if (!t[i].key[0]) {
            snprintf(t[i].key, sizeof t[i].key, "%s", key);
            t[i].n = 1;
            return &t[i];
        }
        if (strcmp(t[i].key, key) == 0) {
            t[i].n++;
            return &t[i];
        }
    }
}

TEST(demo_people_names_look_real) {
    enum { N = 30000 };
    sh_people *g = sh_people_new(5);
    counter *surnames = sh_calloc(TABLE, sizeof(counter)), *names = sh_calloc(TABLE, sizeof(counter)),
            *chars = sh_calloc(TABLE, sizeof(counter));
    REQUIRE(g && surnames && names && chars);
    sh_err e;
    sh_err_init(&e);
    int bad = 0, compound = 0, single = 0;
    for (int i = 0; i < N; i++) {
        sh_gen_person p;
        /* half children, half parents: both generations' pools */
        int32_t from = i % 2 ? day(1970, 1, 1) : day(2008, 9, 1),
                to = i % 2 ? day(1995, 12, 31) : day(2020, 8, 31);
        REQUIRE(sh_people_make(g, &weicheng, 0, from, to, NULL, &p, &e) == SH_OK);
        size_t nl = strlen(p.name), sl = strlen(p.surname);
        bad += nl % 3 != 0 || nl < 6 || nl > 12 || strncmp(p.name, p.surname, sl) != 0;
        compound += sl == 6;
        single += nl - sl == 3;
        count(surnames, p.surname);
        count(names, p.name);
        for (size_t k = sl; k + 3 <= nl; k += 3) {
            char ch[4];
            memcpy(ch, p.name + k, 3);
            ch[3] = '\0';
            count(chars, ch);
        }
    }
    CHECK(bad == 0);
    /* the three most common surnames are 王, 李 and 张 (about 7% each) */
    const counter *top[3] = {NULL, NULL, NULL};
    int distinct_surnames = 0, distinct_chars = 0, most_name = 0;
    for (int i = 0; i < TABLE; i++) {
        distinct_surnames += surnames[i].n > 0;
        distinct_chars += chars[i].n > 0;
        if (names[i].n > most_name)
            most_name = names[i].n;
        const counter *c = &surnames[i];
        if (!c->n)
            continue;
        for (int k = 0; k < 3; k++)
            if (!top[k] || c->n > top[k]->n) {
                for (int j = 2; j > k; j--)
                    top[j] = top[j - 1];
                top[k] = c;
                break;
            }
    }
    REQUIRE(top[2]);
    int found = 0;
    for (int k = 0; k < 3; k++) {
        found += strcmp(top[k]->key, "王") == 0 || strcmp(top[k]->key, "李") == 0 ||
                 strcmp(top[k]->key, "张") == 0;
        CHECK(top[k]->n > N * 5 / 100 && top[k]->n < N * 9 / 100);
    }
    CHECK(found == 3);
    CHECK(distinct_surnames >= 80);
    CHECK(compound > 0 && compound < N / 200); /* 欧阳, 司马 …: rare */
    CHECK(single > N / 20 && single < N / 3);  /* one-character given names: some */
    CHECK(distinct_chars >= 150);
    /* duplicates happen (王子涵 …) but no name is rampant */
    CHECK(most_name > 1 && most_name < N / 200);
    sh_free(surnames);
    sh_free(names);
    sh_free(chars);
    sh_people_free(g);
    sh_err_clear(&e);
}

/* ---- the demo roster on a small city (cli/demo_roster.h) ---- */

#include "app.h"
#include "cli/demo_roster.h"
#include "org/org.h"

/* A district of eight schools: seven primary schools (the first with two classes
 * of 一年级 and one of 三年级, the others one 一年级 class) and a 教学点: ten
 * classes. */
static int small_city(sh_conn *c, sh_err *e) {
    int64_t city, district, school, grade, cls;
    sh_org_new n = {.kind = SH_ORG_CITY, .name = "示范市", .region_code = "370700"};
    if (sh_begin_write(c, e) != SH_OK || sh_org_insert(c, &n, &city, e) != SH_OK)
        return SH_ERR;
    n = (sh_org_new){.kind = SH_ORG_DISTRICT, .name = "潍城区", .region_code = "370702", .parent = city};
    if (sh_org_insert(c, &n, &district, e) != SH_OK)
        return SH_ERR;
    for (int s = 0; s < 8; s++) {
        char name[64], code[24];
        snprintf(name, sizeof name, s == 7 ? "潍城区柳山镇前河村教学点" : "潍城区第%d小学", s + 1);
        snprintf(code, sizeof code, "21370000%02d", (s + 1) % 100);
        n = (sh_org_new){.kind = SH_ORG_SCHOOL,
                         .name = name,
                         .region_code = "370702",
                         .school_code = code,
                         .parent = district};
        if (sh_org_insert(c, &n, &school, e) != SH_OK)
            return SH_ERR;
        for (int g = 0; g < (s == 0 ? 2 : 1); g++) {
            n = (sh_org_new){
                .kind = SH_ORG_GRADE, .name = g ? "三年级" : "一年级", .parent = school, .school_id = school};
            if (sh_org_insert(c, &n, &grade, e) != SH_OK)
                return SH_ERR;
            for (int k = 0; k < (s == 0 && g == 0 ? 2 : 1); k++) {
                snprintf(name, sizeof name, "%s（%d）班", g ? "三年级" : "一年级", k + 1);
                n = (sh_org_new){.kind = SH_ORG_CLASS, .name = name, .parent = grade, .school_id = school};
                if (sh_org_insert(c, &n, &cls, e) != SH_OK)
                    return SH_ERR;
            }
        }
    }
    return sh_commit(c, e);
}

static int64_t count_of(sh_conn *c, const char *sql) {
    int64_t n = -1;
    sh_err e;
    sh_err_init(&e);
    if (sh_query_i64(c, sql, &n, &e) != SH_ROW)
        n = -1;
    sh_err_clear(&e);
    return n;
}

/* A digest of what the roster wrote that does not depend on the random uids. */
static unsigned long long roster_digest(sh_conn *c) {
    static const char *queries[] = {
        "SELECT name || gender || IFNULL(local_number, '') || status || entry_month FROM student ORDER BY id",
        "SELECT name || staff_number || IFNULL(subjects, '') || IFNULL(title, '') FROM staff ORDER BY id",
        "SELECT name || relation FROM guardian_link ORDER BY id",
        "SELECT IFNULL(number_mask, '') FROM person_document ORDER BY id",
    };
    unsigned long long h = 1469598103934665603ull;
    sh_err e;
    sh_err_init(&e);
    for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++) {
        sh_stmt *s = sh_prepare(c, queries[q], &e);
        if (!s)
            break;
        while (sh_step(s, &e) == SH_ROW)
            for (const char *p = sh_col_text(s, 0); p && *p; p++)
                h = (h ^ (unsigned char)*p) * 1099511628211ull;
        sh_stmt_done(s);
    }
    sh_err_clear(&e);
    return h;
}

static unsigned long long run_roster(const char *file, sh_demo_roster_stats *st, int checks) {
    sh_app app;
    memset(&app, 0, sizeof app);
    sh_app_defaults(&app.cfg);
    app.cfg.data_dir = "data";
    char path[512];
    snprintf(path, sizeof path, "%s/%s", sh_test_tmpdir(), file);
    sh_err e;
    sh_err_init(&e);
    unsigned long long digest = 0;
    sh_conn *c = NULL;
    if (sh_app_init(&app, &e) != SH_OK || sh_app_open_store(&app, path, SH_DB_CREATE, &e) != SH_OK ||
        !(c = sh_db_acquire(app.db, &e)) || small_city(c, &e) != SH_OK ||
        sh_demo_roster(c, 11, SH_DEMO_PEOPLE_ALL, NULL, st, &e) != SH_OK) {
        fprintf(stderr, "    %s\n", e.first.message);
        CHECK(0);
    } else {
        digest = roster_digest(c);
    }
    if (c && checks && digest) {
        /* every class has its profile, a head teacher of its own school and students */
        CHECK(count_of(c, "SELECT COUNT(*) FROM class_profile cp JOIN staff s ON s.id = cp.head_teacher_id"
                          " AND s.school_id = cp.school_id") == 10);
        CHECK(count_of(c, "SELECT COUNT(*) FROM org_unit o WHERE kind = 'class' AND NOT EXISTS (SELECT 1 FROM"
                          " enrollment e WHERE e.class_id = o.id AND e.exit_date IS NULL)") == 0);
        /* 一年级 pupils were born from 1 September 2018 (a few a year earlier) to 31 August 2020 */
        CHECK(
            count_of(c, "SELECT COUNT(*) FROM student WHERE entry_month = '2026-09' AND category = '21100'") >
            200);
        CHECK(count_of(c, "SELECT COUNT(*) FROM student WHERE student_number_mask NOT LIKE 'G%'"
                          " AND student_number_mask NOT LIKE 'L%'") == 0);
        /* two guardians per student row, father and mother */
        CHECK(count_of(
                  c, "SELECT COUNT(*) FROM student s WHERE (SELECT COUNT(*) FROM guardian_link g WHERE"
                     " g.student_id = s.id AND g.relation IN ('51', '52') AND g.is_guardian = 1) != 2") == 0);
        /* the terms, and teaching in the current one only */
        CHECK(count_of(c, "SELECT COUNT(*) FROM term") == 2);
        CHECK(count_of(c, "SELECT COUNT(DISTINCT term_id) FROM teaching_assignment") == 1);
        CHECK(count_of(c, "SELECT COUNT(*) FROM teaching_assignment t JOIN class_profile cp ON cp.class_id ="
                          " t.class_id WHERE t.subject IN ('13', '14')") == 20);
        /* a transfer: the enrolment closed with 转出 in one school, the same person 转入 in another */
        CHECK(count_of(c,
                       "SELECT COUNT(*) FROM enrollment a JOIN student sa ON sa.id = a.student_id"
                       " JOIN student sb ON sb.person_id = sa.person_id AND sb.school_id != sa.school_id"
                       " JOIN enrollment b ON b.student_id = sb.id WHERE a.exit_type = '21' AND sa.status ="
                       " '10' AND b.entry_type = '22' AND b.exit_date IS NULL") == 1);
        /* duplicate registrations: a person without a document whose name, gender and birth
         * date (match hash) are another's, for the pupil and both parents */
        CHECK(count_of(c,
                       "SELECT COUNT(*) FROM person_profile p WHERE NOT EXISTS (SELECT 1 FROM person_document"
                       " d WHERE d.person_id = p.person_id) AND EXISTS (SELECT 1 FROM person_profile q WHERE"
                       " q.match_hash = p.match_hash AND q.id != p.id)") == 3 * st->duplicates);
        CHECK(st->duplicates == 3);
        if (st->duplicates != 3)
            fprintf(stderr, "    %lld duplicates, %lld transfers\n", st->duplicates, st->transfers);
        CHECK(st->transfers == 1);
        /* written as the system, every row in the change log, sensitive values encrypted */
        CHECK(count_of(c, "SELECT COUNT(*) FROM change_log WHERE entity = 'student' AND source = 'system'") ==
              st->students + 1 /* the transfer's update */);
        CHECK(count_of(c, "SELECT COUNT(*) FROM person_profile WHERE birth_date LIKE '20%'") == 0);
    }
    if (c)
        sh_db_release(c);
    sh_app_close(&app);
    sh_err_clear(&e);
    return digest;
}

TEST(demo_roster_small_city) {
    sh_demo_roster_stats a = {0}, b = {0};
    unsigned long long first = run_roster("roster-a.db", &a, 1);
    unsigned long long second = run_roster("roster-b.db", &b, 0);
    CHECK(first && first == second); /* deterministic for a seed */
    CHECK(a.schools == 8 && a.classes == 10 && a.students == b.students && a.students > 250);
    CHECK(a.staff > 56); /* at least seven teachers a school */
}
