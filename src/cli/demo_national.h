/* demo_national.h — `shushu demo --files DIR` also writes each school's
 * students as the national registry form DIR/national/<学校标识码>-学生基本信息表
 * (.csv in UTF-8 or GB18030, or .xlsx; codes or words), which `shushu import
 * students FILE` reads as it reads a school clerk's file. */
#ifndef SH_DEMO_NATIONAL_H
#define SH_DEMO_NATIONAL_H

#include "cli/cli.h"
#include "cli/demo_people.h"

typedef struct sh_demo_national sh_demo_national;

/* One student row: the people and what the form asks beyond them. */
typedef struct sh_demo_national_student {
    const char *school_code, *grade, *class_name, *entry_month /* YYYY-MM */, *student_number;
    const char *ethnicity, *left_behind /* 0/1/2 */, *distance /* km */, *father_work;
    int level, rural, boarding, only_child, migrant, needs_aid, bus;
    const sh_gen_person *child, *father, *mother;
} sh_demo_national_student;

/* Open the file of the index-th school (its index decides encoding, format and
 * words). SH_ERR with err when it cannot be created. */
int sh_demo_national_open(sh_conn *c, const char *dir, const char *school_code, int index,
                          sh_demo_national **out, sh_err *err);
int sh_demo_national_row(sh_demo_national *n, const sh_demo_national_student *s, sh_err *err);
/* Finish (ok) or drop the file, and free n. */
int sh_demo_national_close(sh_demo_national *n, int ok, sh_err *err);

#endif
