/* demo.c — `shushu demo`: create a deterministic demonstration city (示范市).
 *
 * This builds the database and the organisation skeleton: the city, its districts
 * and counties (real GB/T 2260 codes of one prefecture), schools with valid
 * 学校标识码 (primary, junior and senior secondary, rural 教学点), their grades and
 * classes, and one demo account per built-in role (cli/accounts.c), whose random
 * passwords and TOTP secrets go to DB.accounts.csv beside the database (beside the
 * key file on PostgreSQL). Then
 * cli/demo_roster.c fills the schools with people — staff, students and their
 * families, terms, class profiles and teaching assignments — one transaction per
 * school (--people school fills only the demo accounts' schools, --people none
 * nobody). The same --seed always gives the same city and people (the passwords
 * differ each time). The database is marked as a demo, which the console shows as
 * 演示环境. */
#include "cli/cli.h"

#include "audit/audit.h"
#include "cli/accounts.h"
#include "cli/demo_people.h"
#include "cli/demo_files.h"
#include "cli/demo_roster.h"
#include "org/org.h"
#include "system/system.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct rng {
    uint64_t s;
} rng;

static uint64_t next(rng *r) { return sh_splitmix64(&r->s); }
static int below(rng *r, int n) { return (int)(next(r) % (uint64_t)n); }

static const struct {
    const char *code, *name;
} districts[] = {
    {"370702", "潍城区"}, {"370703", "寒亭区"}, {"370704", "坊子区"}, {"370705", "奎文区"},
    {"370724", "临朐县"}, {"370725", "昌乐县"}, {"370781", "青州市"}, {"370782", "诸城市"},
    {"370783", "寿光市"}, {"370784", "安丘市"}, {"370785", "高密市"}, {"370786", "昌邑市"},
};

static const char *towns[] = {"城关", "东关",   "西关", "南苑", "北辰", "柳山", "营子",
                              "王坟", "五井",   "朱位", "辛寨", "寺头", "九山", "冶源",
                              "龙岗", "石家河", "大盛", "沂山", "杨善", "东夏"};
static const char *villages[] = {"杨家庄", "李家沟", "大王庄", "前河", "后岭", "石门", "张家坡", "刘家洼"};
static const char *cn_num[] = {"一",   "二",   "三",   "四",   "五",   "六",   "七",
                               "八",   "九",   "十",   "十一", "十二", "十三", "十四",
                               "十五", "十六", "十七", "十八", "十九", "二十"};

typedef enum { PRIMARY, JUNIOR, SENIOR, TEACHING_POINT } school_kind;

static const char *grade_names[][6] = {
    {"一年级", "二年级", "三年级", "四年级", "五年级", "六年级"},
    {"七年级", "八年级", "九年级"},
    {"高一", "高二", "高三"},
    {"一年级", "二年级", "三年级"},
};
static const int grade_count[] = {6, 3, 3, 3};
static const char *category[] = {"21", "31", "34", "21"};

typedef struct city_plan {
    int ndistricts, schools_per_district, classes_min, classes_span;
} city_plan;

static int add(sh_conn *c, const char *kind, const char *name, int64_t parent, const char *region,
               const char *school_code, int64_t school_id, int64_t *id, sh_err *err) {
    sh_org_new n = {.kind = kind,
                    .name = name,
                    .region_code = region,
                    .school_code = school_code,
                    .parent = parent,
                    .school_id = school_id};
    return sh_org_insert(c, &n, id, err);
}

static int build_city(sh_conn *c, const city_plan *plan, uint64_t seed, sh_progress *pg, int *nschools,
                      int *nclasses, sh_err *err) {
    rng r = {seed};
    int64_t city;
    if (add(c, SH_ORG_CITY, "示范市", 0, "370700", NULL, 0, &city, err) != SH_OK)
        return SH_ERR;
    int64_t dept;
    static const char *departments[] = {"示范市教育局办公室", "基础教育科", "教育督导室", "信息化管理中心"};
    for (size_t i = 0; i < 4; i++)
        if (add(c, SH_ORG_DEPARTMENT, departments[i], city, NULL, NULL, 0, &dept, err) != SH_OK)
            return SH_ERR;
    int seq = 1;
    for (int d = 0; d < plan->ndistricts; d++) {
        const char *dname = districts[d % 12].name, *dcode = districts[d % 12].code;
        char name[128];
        if (d >= 12) { /* city scale beyond the 12 real counties: numbered new areas */
            snprintf(name, sizeof name, "示范新区%d", d - 11);
            dname = name;
        }
        int64_t district;
        if (add(c, SH_ORG_DISTRICT, dname, city, dcode, NULL, 0, &district, err) != SH_OK)
            return SH_ERR;
        int counters[4] = {0, 0, 0, 0};
        for (int s = 0; s < plan->schools_per_district; s++) {
            /* mix per district: about half primary, a third junior, some senior, a few 教学点 */
            int roll = below(&r, 100);
            school_kind k = roll < 45 ? PRIMARY : roll < 78 ? JUNIOR : roll < 92 ? SENIOR : TEACHING_POINT;
            if (s == 0)
                k = SENIOR; /* every district has a 第一中学 */
            int nth = ++counters[k];
            char sname[160], code[16];
            int town = (d * 7 + nth) % 20;
            switch (k) {
            case PRIMARY:
                if (nth == 1)
                    snprintf(sname, sizeof sname, "%s实验小学", dname);
                else if (nth <= 21)
                    snprintf(sname, sizeof sname, "%s%s小学", dname, towns[town]);
                else
                    snprintf(sname, sizeof sname, "%s%s第%s小学", dname, towns[town],
                             cn_num[(nth / 20) % 20]);
                break;
            case JUNIOR:
                snprintf(sname, sizeof sname, "%s第%s初级中学", dname, cn_num[(nth - 1) % 20]);
                if (nth > 20)
                    snprintf(sname, sizeof sname, "%s%s初级中学", dname, towns[town]);
                break;
            case SENIOR:
                snprintf(sname, sizeof sname, "%s第%s中学", dname, cn_num[(nth - 1) % 20]);
                if (nth > 20)
                    snprintf(sname, sizeof sname, "%s%s中学", dname, towns[town]);
                break;
            case TEACHING_POINT:
                snprintf(sname, sizeof sname, "%s%s镇%s村教学点", dname, towns[town],
                         villages[(nth - 1) % 8]);
                break;
            }
            snprintf(code, sizeof code, "%s37%06d", category[k], seq++);
            int64_t school;
            if (add(c, SH_ORG_SCHOOL, sname, district, dcode, code, 0, &school, err) != SH_OK)
                return SH_ERR;
            (*nschools)++;
            int per_grade = k == TEACHING_POINT ? 1 : plan->classes_min + below(&r, plan->classes_span);
            for (int g = 0; g < grade_count[k]; g++) {
                int64_t grade;
                if (add(c, SH_ORG_GRADE, grade_names[k][g], school, NULL, NULL, school, &grade, err) != SH_OK)
                    return SH_ERR;
                for (int cl = 1; cl <= per_grade; cl++) {
                    char cname[64];
                    snprintf(cname, sizeof cname, "%s（%d）班", grade_names[k][g], cl);
                    int64_t cls;
                    if (add(c, SH_ORG_CLASS, cname, grade, NULL, NULL, school, &cls, err) != SH_OK)
                        return SH_ERR;
                    (*nclasses)++;
                }
            }
            sh_progress_step(pg, 1);
        }
    }
    return SH_OK;
}

static int audit_demo(sh_conn *c, int nschools, sh_err *err) {
    char detail[64];
    snprintf(detail, sizeof detail, "demo city with %d schools", nschools);
    sh_audit_event ev = {
        .event = "demo_created", .ok = 1, .actor = "cli", .object = "org_unit", .detail = detail};
    return sh_audit_write(c, &ev, err);
}

int cmd_demo(int argc, char **argv) {
    sh_opt opts[] = {
        {"db", 1, NULL, "要创建的 SQLite 数据库文件，或空的 PostgreSQL 数据库（postgres:// 地址）"},
        {"keys", 1, NULL, "密钥文件，默认为数据库旁的 .key 文件（PostgreSQL 必须指定；账号清单写在它旁边）"},
        {"scale", 1, NULL, "small（约 60 所学校，默认）或 city（百万学生规模，用于基准测试）"},
        {"seed", 1, NULL, "随机种子，相同种子生成相同的城市，默认 1"},
        {"people", 1, NULL,
         "all（每所学校的师生与家长，默认）、school（仅演示账号所在的两所学校）或 none（只建机构与账号）"},
        {"files", 1, NULL,
         "把学生与家庭成员写成导入文件（目录中的 students.csv、guardians.csv），数据库只建机构与账号"},
        {"force", 0, NULL, "数据库已存在时仍然继续（仅当其中没有机构数据）"},
        {NULL, 0, NULL, NULL},
    };
    const char *pos[1];
    int npos, rc = sh_cli_parse("demo", argc, argv, opts, pos, 0, &npos);
    if (rc)
        return rc < 0 ? 0 : rc;
    const char *db = sh_cli_get(opts, "db"), *scale = sh_cli_get(opts, "scale"),
               *seed_s = sh_cli_get(opts, "seed"), *people_s = sh_cli_get(opts, "people");
    if (!db) {
        fprintf(stderr, "shushu demo: 需要 --db（例如 --db demo.db）\n");
        sh_cli_usage("demo",
                     "--db PATH [--scale small|city] [--seed N] [--people all|school|none] [--files DIR]",
                     opts);
        return 2;
    }
    city_plan plan;
    if (!scale || strcmp(scale, "small") == 0)
        plan = (city_plan){6, 10, 2, 3};
    else if (strcmp(scale, "city") == 0)
        plan = (city_plan){20, 100, 2, 4}; /* 2,000 schools, about 1.25 million students */
    else {
        fprintf(stderr, "shushu demo: --scale 应为 small 或 city\n");
        return 2;
    }
    sh_demo_people people = SH_DEMO_PEOPLE_ALL;
    if (people_s && strcmp(people_s, "school") == 0)
        people = SH_DEMO_PEOPLE_SCHOOL;
    else if (people_s && strcmp(people_s, "none") == 0)
        people = SH_DEMO_PEOPLE_NONE;
    else if (people_s && strcmp(people_s, "all") != 0) {
        fprintf(stderr, "shushu demo: --people 应为 all、school 或 none\n");
        return 2;
    }
    const char *files_dir = sh_cli_get(opts, "files");
    if (files_dir && people_s && strcmp(people_s, "none") != 0) {
        fprintf(stderr, "shushu demo: --files 把人员写入文件，不能与 --people %s 同用\n", people_s);
        return 2;
    }
    if (files_dir)
        people = SH_DEMO_PEOPLE_NONE;
    uint64_t seed = 1;
    if (seed_s) {
        char *end;
        seed = strtoull(seed_s, &end, 10);
        if (*end || !*seed_s) {
            fprintf(stderr, "shushu demo: --seed 应为非负整数\n");
            return 2;
        }
    }
    struct stat st;
    if (stat(db, &st) == 0 && !sh_cli_get(opts, "force")) {
        fprintf(stderr, "shushu demo: %s 已存在；演示数据只写入新数据库（或加 --force）\n", db);
        return 1;
    }
    sh_app app = {0};
    sh_cli_config(&app.cfg);
    app.cfg.key_file = sh_cli_get(opts, "keys");
    sh_err err;
    sh_err_init(&err);
    rc = 1;
    if (sh_app_init(&app, &err) != SH_OK || sh_app_open_store(&app, db, SH_DB_CREATE, &err) != SH_OK) {
        sh_cli_error("无法创建数据库", &err);
        goto out;
    }
    sh_conn *c = sh_db_acquire(app.db, &err);
    if (!c) {
        sh_cli_error("无法打开数据库", &err);
        goto out;
    }
    int64_t existing = 0;
    sh_query_i64(c, "SELECT COUNT(*) FROM org_unit", &existing, &err);
    if (existing) {
        fprintf(stderr, "shushu demo: %s 中已有机构数据，不再生成\n", db);
        sh_db_release(c);
        goto out;
    }
    /* DB.accounts.csv beside an SQLite file; beside the key file (KEY without .key) otherwise */
    char csv_path[4200];
    const char *key = app.cfg.key_file;
    size_t kn = key ? strlen(key) : 0;
    if (sh_db_file(app.db) || !key)
        snprintf(csv_path, sizeof csv_path, "%s.accounts.csv", db);
    else
        snprintf(csv_path, sizeof csv_path, "%.*s.accounts.csv",
                 (int)(kn > 4 && strcmp(key + kn - 4, ".key") == 0 ? kn - 4 : kn), key);
    int fd = open(csv_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    FILE *csv = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!csv) {
        fprintf(stderr, "shushu demo: 无法写入演示账号清单 %s\n", csv_path);
        if (fd >= 0)
            close(fd);
        sh_db_release(c);
        goto out;
    }
    sh_progress pg;
    sh_progress_start(&pg, "生成示范市", (long long)plan.ndistricts * plan.schools_per_district);
    int nschools = 0, nclasses = 0;
    if (sh_begin_write(c, &err) != SH_OK ||
        build_city(c, &plan, seed, &pg, &nschools, &nclasses, &err) != SH_OK ||
        sh_cli_demo_accounts(c, csv, &err) != SH_OK || fflush(csv) != 0 ||
        sh_meta_set(c, "demo", "1", &err) != SH_OK || audit_demo(c, nschools, &err) != SH_OK ||
        sh_commit(c, &err) != SH_OK) {
        sh_rollback(c);
        sh_db_release(c);
        fclose(csv);
        unlink(csv_path);
        sh_progress_end(&pg);
        sh_cli_error("生成演示数据失败", &err);
        goto out;
    }
    sh_progress_end(&pg);
    fclose(csv);
    printf("示范市已生成：%d 个区县，%d 所学校，%d 个班级（种子 %llu）→ %s\n", plan.ndistricts, nschools,
           nclasses, (unsigned long long)seed, db);
    printf("演示账号（每个内置角色一个，另有初中数学教师与学生各一，含密码与动态验证码密钥）→ %s\n",
           csv_path);
    sh_demo_roster_stats made;
    if (people != SH_DEMO_PEOPLE_NONE)
        sh_progress_start(&pg, "生成师生与家长",
                          people == SH_DEMO_PEOPLE_SCHOOL ? SH_DEMO_ACCOUNT_SCHOOLS : nschools);
    int filled = sh_demo_roster(c, seed, people, &pg, &made, &err);
    if (people != SH_DEMO_PEOPLE_NONE)
        sh_progress_end(&pg);
    long long written = 0;
    if (filled == SH_OK && files_dir) {
        sh_progress_start(&pg, "写出导入文件", nschools);
        filled = sh_demo_files(c, seed, files_dir, &pg, &written, &err);
        sh_progress_end(&pg);
    }
    sh_db_release(c);
    if (filled != SH_OK) {
        sh_cli_error("生成演示人员失败（机构与账号已写入；可删除数据库后重试，或加 --people none）", &err);
        goto out;
    }
    if (people != SH_DEMO_PEOPLE_NONE)
        printf("师生与家长：%lld 所学校，%lld 名教职工，%lld 名学生（%lld 条家庭成员关系），共 %lld 人；"
               "另含 %lld 例转学、%lld 例疑似重复登记\n",
               made.schools, made.staff, made.students, made.guardians, made.persons, made.transfers,
               made.duplicates);
    long points = 0, items = 0;
    if (sh_cli_demo_content(&app, &points, &items, &err) != SH_OK) {
        sh_cli_error("导入知识图谱与题库失败", &err);
        goto out;
    }
    if (points || items)
        printf("知识图谱与题库：%ld 个知识点，%ld 道题（已发布）\n", points, items);
    if (files_dir)
        printf("导入文件：%lld 名学生 → %s/students.csv，%lld 名家庭成员 → %s/guardians.csv\n", written,
               files_dir, 2 * written, files_dir);
    rc = 0;
out:
    sh_app_close(&app);
    sh_err_clear(&err);
    return rc;
}
