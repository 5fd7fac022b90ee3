/* assign.h — assignments (作业): a teacher's 课前问学 diagnostic, 课后 homework or
 * a student's practice set for one class, built from chosen items or chosen
 * automatically over knowledge points; students answer in the portal, objective
 * items are graded at once and subjective ones scored by the teacher against
 * the rubric; every answer is an xAPI statement. The tables and their meaning
 * are in docs/teaching.md. */
#ifndef SH_ASSIGN_H
#define SH_ASSIGN_H

#include "app.h"

extern const sh_module sh_assign_module;

#endif
