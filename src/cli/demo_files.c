/* demo_files.c — the demo city's students and families as import files. See
 * demo_files.h.
 *
 * Classes are read from the organisation tree (school → grade → class), in the
 * order of their ids; each gets the class size of its stage, students born in
 * the school year of their grade, and a father and a mother with their own ID
 * numbers and phones. Rows go through the tabular writer (CSV with BOM), so the
 * files are what a school clerk's spreadsheet would export. */
#include "cli/demo_files.h"

#include "cli/demo_national.h"
#include "cli/demo_people.h"
#include "cli/demo_roster.h"
#include "tabular/writer.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define Y SH_DEMO_SCHOOL_YEAR

static const char *const student_headers[] = {"学校标识码", "姓名",       "性别", "出生日期", "身份证件类型",
                                              "身份证件号", "全国学籍号", "民族", "学生类别", "入学年月",
                                              "户口性质",   "就读方式",   "年级", "班级",     "入班日期",
                                              "联系电话",   "现住址"};
enum { NSTUDENT = sizeof student_headers / sizeof student_headers[0] };

static const char *const guardian_headers[] = {"学校标识码", "学生身份证件号", "成员姓名", "关系",
                                               "是否监护人", "成员身份证件号", "联系电话", "工作单位"};
enum { NGUARDIAN = sizeof guardian_headers / sizeof guardian_headers[0] };

static const char *const work_units[] = {"个体经营", "务农",   "自由职业", "人民医院", "供电公司",
                                         "税务局",   "机械厂", "超市",     "物流公司", "农商银行"};

/* One class of the tree, with what its rows need. */
typedef struct class_row {
    char school_code[16], region[8], district[64], grade[32], name[96];
    int teaching_point;
} class_row;

typedef struct files {
    sh_people *people;
    sh_rng *rng;
    sh_table_writer *students, *guardians;
    long long nstudents;
    sh_conn *c;
    char national_dir[4096];
    sh_demo_national *national; /* the current school's registry form */
    int schools;
} files;

/* The form's extra facts about a child, drawn from the ID number (so the import
 * files stay what they were): a few left-behind, migrant, aided and bus pupils. */
static void national_row(files *F, const class_row *k, int level, const sh_gen_person *child,
                         const sh_gen_person *dad, const sh_gen_person *mum, const char *const *cells,
                         sh_err *err, int *rc) {
    unsigned h = 2166136261u;
    for (const char *p = child->id_number; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    int rural = strcmp(cells[10], "2") == 0;
    char distance[8];
    snprintf(distance, sizeof distance, "%u.%u", h % 7, (h >> 3) % 10);
    sh_demo_national_student s = {
        .school_code = k->school_code,
        .grade = k->grade,
        .class_name = k->name,
        .entry_month = cells[9],
        .student_number = cells[6],
        .ethnicity = cells[7],
        .left_behind = rural && h % 100 < 8    ? "1"
                       : rural && h % 100 < 12 ? "2"
                                               : "0",
        .distance = distance,
        .father_work = work_units[(h >> 8) % (sizeof work_units / sizeof work_units[0])],
        .level = level,
        .rural = rural,
        .boarding = strcmp(cells[11], "2") == 0,
        .only_child = (h >> 4) % 10 < 4,
        .migrant = !rural && (h >> 6) % 100 < 10,
        .needs_aid = (h >> 10) % 100 < 6,
        .bus = level <= 9 && h % 7 >= 3 && (h >> 12) % 100 < 40,
        .child = child,
        .father = dad,
        .mother = mum,
    };
    if (*rc == SH_OK && F->national)
        *rc = sh_demo_national_row(F->national, &s, err);
}

static int write_parent(files *F, const class_row *k, const sh_gen_person *child, const sh_gen_person *p,
                        const char *relation, sh_err *err) {
    const char *cells[NGUARDIAN] = {
        k->school_code, child->id_number,
        p->name,        relation,
        "是",           p->id_number,
        p->phone,       work_units[sh_rng_below(F->rng, sizeof work_units / sizeof work_units[0])]};
    return sh_table_write_row(F->guardians, cells, NGUARDIAN, err);
}

static int write_class(files *F, const class_row *k, sh_err *err) {
    int level = sh_demo_grade_level(k->grade);
    if (!level)
        return SH_OK; /* a grade the demo does not know stays empty, as in the database demo */
    int first = level <= 6 ? 1 : level <= 9 ? 7 : 10;
    int entry_year = Y - (level - first);
    char entry_month[24], entry_date[24], prefix[128];
    snprintf(entry_month, sizeof entry_month, "%d-09", entry_year);
    snprintf(entry_date, sizeof entry_date, "%d-09-01", entry_year);
    snprintf(prefix, sizeof prefix, "山东省潍坊市%s", k->district);
    const char *category = level <= 6 ? "21100" : level <= 9 ? "31100" : "32100";
    int rural_per_mille = k->teaching_point ? 1000 : 400;
    int n = sh_demo_class_size(F->rng, level, k->teaching_point);
    for (int i = 0; i < n; i++) {
        int age_shift = sh_rng_chance(F->rng, 40) ? 1 : 0;
        int32_t from = sh_day_of(Y - 6 - level - age_shift, 9, 1),
                to = sh_day_of(Y - 5 - level - age_shift, 8, 31);
        int rural = sh_rng_chance(F->rng, (uint32_t)rural_per_mille);
        sh_people_place pl = {.county = k->region, .prefix = prefix, .rural = rural};
        sh_gen_person child, dad, mum;
        if (sh_people_make(F->people, &pl, 0, from, to, NULL, &child, err) != SH_OK ||
            sh_people_parents(F->people, &pl, &child, &dad, &mum, err) != SH_OK)
            return SH_ERR;
        char number[20];
        snprintf(number, sizeof number, "G%s", child.id_number);
        int phone = level >= 7 && sh_rng_chance(F->rng, level >= 10 ? 300 : 100);
        const char *cells[NSTUDENT] = {
            k->school_code,
            child.name,
            child.gender,
            child.birth,
            "1",
            child.id_number,
            number,
            sh_rng_chance(F->rng, 20) ? "03" : "01",
            category,
            entry_month,
            sh_rng_chance(F->rng, rural ? 700 : 150) ? "2" : "1",
            level >= 10 && sh_rng_chance(F->rng, 600) ? "2" : "1",
            k->grade,
            k->name,
            entry_date,
            phone ? child.phone : NULL,
            child.address,
        };
        int rc = SH_OK;
        national_row(F, k, level, &child, &dad, &mum, cells, err, &rc);
        if (rc != SH_OK || sh_table_write_row(F->students, cells, NSTUDENT, err) != SH_OK ||
            write_parent(F, k, &child, &dad, "51", err) != SH_OK ||
            write_parent(F, k, &child, &mum, "52", err) != SH_OK)
            return SH_ERR;
        F->nstudents++;
    }
    return SH_OK;
}

static int write_all(sh_conn *c, files *F, sh_progress *pg, sh_err *err) {
    sh_stmt *s =
        sh_prepare(c,
                   "SELECT s.school_code, COALESCE(d.region_code, ''), COALESCE(d.name, ''), g.name,"
                   " k.name, s.name, s.id FROM org_unit k JOIN org_unit g ON g.id = k.parent_id"
                   " JOIN org_unit s ON s.id = k.school_id LEFT JOIN org_unit d ON d.id = s.parent_id"
                   " WHERE k.kind = 'class' AND g.kind = 'grade' AND s.school_code IS NOT NULL"
                   " ORDER BY s.id, g.id, k.id",
                   err);
    if (!s)
        return SH_ERR;
    int rc;
    int64_t last_school = 0;
    while ((rc = sh_step(s, err)) == SH_ROW) {
        class_row k = {0};
        snprintf(k.school_code, sizeof k.school_code, "%s", sh_col_text(s, 0));
        snprintf(k.region, sizeof k.region, "%s",
                 strlen(sh_col_text(s, 1)) == 6 ? sh_col_text(s, 1) : "370702");
        snprintf(k.district, sizeof k.district, "%s", sh_col_text(s, 2));
        snprintf(k.grade, sizeof k.grade, "%s", sh_col_text(s, 3));
        snprintf(k.name, sizeof k.name, "%s", sh_col_text(s, 4));
        k.teaching_point = strstr(sh_col_text(s, 5), "教学点") != NULL;
        int64_t school = sh_col_i64(s, 6);
        if (pg && last_school && school != last_school)
            sh_progress_step(pg, 1);
        if (school != last_school) {
            if (F->national && sh_demo_national_close(F->national, 1, err) != SH_OK) {
                F->national = NULL;
                rc = SH_ERR;
                break;
            }
            F->national = NULL;
            if (sh_demo_national_open(c, F->national_dir, k.school_code, F->schools++, &F->national, err) !=
                SH_OK) {
                rc = SH_ERR;
                break;
            }
        }
        last_school = school;
        if (write_class(F, &k, err) != SH_OK) {
            rc = SH_ERR;
            break;
        }
    }
    sh_stmt_done(s);
    if (pg && last_school)
        sh_progress_step(pg, 1);
    if (F->national && sh_demo_national_close(F->national, rc != SH_ERR, err) != SH_OK)
        rc = SH_ERR;
    F->national = NULL;
    return rc == SH_ERR ? SH_ERR : SH_OK;
}

int sh_demo_files(sh_conn *c, uint64_t seed, const char *dir, sh_progress *pg, long long *students,
                  sh_err *err) {
    char spath[4096], gpath[4096];
    snprintf(spath, sizeof spath, "%s/students.csv", dir);
    snprintf(gpath, sizeof gpath, "%s/guardians.csv", dir);
    char ndir[4096];
    snprintf(ndir, sizeof ndir, "%s/national", dir);
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) /* the folder itself, as a newcomer names it */
        return sh_err_set(err, 500, "write_failed", NULL, "无法创建目录 %s：%s", dir, strerror(errno));
    if (mkdir(ndir, 0755) != 0 && errno != EEXIST)
        return sh_err_set(err, 500, "write_failed", NULL, "无法创建目录 %s", ndir);
    files F = {.people = sh_people_new(seed ^ 0xf11e5ull), .c = c};
    snprintf(F.national_dir, sizeof F.national_dir, "%s", ndir);
    if (!F.people)
        return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    F.rng = sh_people_rng(F.people);
    int rc = sh_table_writer_open(spath, SH_TABLE_CSV, "学生", &F.students, err);
    if (rc == SH_OK)
        rc = sh_table_writer_open(gpath, SH_TABLE_CSV, "家庭成员", &F.guardians, err);
    if (rc == SH_OK)
        rc = sh_table_write_header(F.students, student_headers, NULL, NSTUDENT, err);
    if (rc == SH_OK)
        rc = sh_table_write_header(F.guardians, guardian_headers, NULL, NGUARDIAN, err);
    if (rc == SH_OK)
        rc = write_all(c, &F, pg, err);
    if (rc == SH_OK) {
        rc = sh_table_writer_close(F.students, err);
        F.students = NULL;
    }
    if (rc == SH_OK) {
        rc = sh_table_writer_close(F.guardians, err);
        F.guardians = NULL;
    }
    if (F.students)
        sh_table_writer_abort(F.students);
    if (F.guardians)
        sh_table_writer_abort(F.guardians);
    if (rc != SH_OK) {
        remove(spath);
        remove(gpath);
    }
    *students = F.nstudents;
    sh_people_free(F.people);
    return rc;
}
