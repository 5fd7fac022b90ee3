/* lifecycle.h — 学籍异动: the changes of a student's registration, each typed by
 * its JY/T 1001 异动类别 and 原因 codes, with effective date, approval date and
 * document number (文号), kept as student_change records. Transfers between
 * schools, suspension and resumption, withdrawal and class changes are requested
 * by a student and the year-end promotion (升级) by a school; each goes through
 * an approval flow (flow/flow.h) and takes effect on the final approval through
 * the one write path: enrolments are ended and started, never overwritten, and
 * the student's status changes, so histories and the change feed show each step. */
#ifndef SH_LIFECYCLE_H
#define SH_LIFECYCLE_H

#include "app.h"

extern const sh_module sh_lifecycle_module;
extern const sh_entity sh_student_change_entity;

#endif
