/* roster.h — the education base data (教育基础数据库): schools, terms, classes,
 * staff, students, guardians, enrolments and teaching assignments, with their
 * national identifiers validated at the edge and sensitive fields graded,
 * encrypted and masked. Reads go through the scope filter (a school's rows reach
 * whoever holds roster.read at or above the school; a class's students reach its
 * teachers); writes go through model/write.h, so every change has a version and a
 * provenance. */
#ifndef SH_ROSTER_H
#define SH_ROSTER_H

#include "app.h"

extern const sh_module sh_roster_module;

extern const sh_entity sh_person_profile_entity;
extern const sh_entity sh_person_document_entity;
extern const sh_entity sh_school_profile_entity;
extern const sh_entity sh_term_entity;
extern const sh_entity sh_class_profile_entity;
extern const sh_entity sh_staff_entity;
extern const sh_entity sh_student_entity;
extern const sh_entity sh_guardian_entity;
extern const sh_entity sh_enrollment_entity;
extern const sh_entity sh_teaching_entity;

/* The under-14 flag computed on read (under14.c), and its decision for one row:
 * the year-only mask, the profile's uid and the birth date's ciphertext (may be
 * NULL when the year decides). 1 under 14, 0 not, -1 unknown. */
extern const sh_computed sh_under_14_computed;
int sh_under_14_of_row(const char *mask, const char *profile_uid, const void *ct, size_t n);

#endif
