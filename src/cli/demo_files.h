/* demo_files.h — the people of the demo city written as import files instead of
 * into the database (`shushu demo --files DIR`): students.csv and guardians.csv in
 * the project's own import templates (src/import/kind_students.c,
 * kind_guardians.c), one student per seat of every class of the organisation tree
 * and the student's father and mother, drawn by the same people generator as the
 * database demo (demo_people.h). `shushu import students DIR/students.csv` then
 * `shushu import guardians DIR/guardians.csv` load them into the same database.
 * This is how the import benchmark gets its city-scale file. */
#ifndef SH_DEMO_FILES_H
#define SH_DEMO_FILES_H

#include "cli/cli.h"

#include <stdint.h>

/* Write DIR/students.csv and DIR/guardians.csv for every class of c's
 * organisation tree. pg (may be NULL) steps once per school; *students gets the
 * number of student rows. SH_ERR with err when a file cannot be written (the
 * unfinished files are removed). */
int sh_demo_files(sh_conn *c, uint64_t seed, const char *dir, sh_progress *pg, long long *students,
                  sh_err *err);

#endif
