/* schema.c — the roster's tables, written once for both stores: the same DDL
 * expands with SQLite's and PostgreSQL's key and binary types. Every per-school
 * table carries school_id and indexes that lead with it (the scope filter and,
 * on Citus, the distribution column). Encrypted fields keep their ciphertext in
 * the column, the masked form in column_mask and the keyed hash in column_hash. */
#include "roster/module.h"

#define ROSTER_TABLES(PK, INT64, BYTES)                                                                        \
    "CREATE TABLE person_profile (" PK ", uid TEXT NOT NULL UNIQUE,"                                           \
    " person_id " INT64 " NOT NULL UNIQUE REFERENCES person(id), gender TEXT, birth_date " BYTES ","           \
    " birth_date_mask TEXT, ethnicity " BYTES ", nationality TEXT, phone " BYTES ", phone_mask TEXT,"          \
    " phone_hash " BYTES ", address " BYTES ", address_mask TEXT, work_unit TEXT, match_hash TEXT,"            \
    " version " INT64 " NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);"                    \
    "CREATE INDEX person_profile_match ON person_profile(match_hash);"                                         \
    "CREATE INDEX person_profile_phone ON person_profile(phone_hash);"                                         \
    "CREATE TABLE person_document (" PK ", uid TEXT NOT NULL UNIQUE,"                                          \
    " person_id " INT64 " NOT NULL REFERENCES person(id), doc_type TEXT NOT NULL, number " BYTES               \
    " NOT NULL,"                                                                                               \
    " number_mask TEXT, number_hash " BYTES " NOT NULL, valid_to TEXT, version " INT64 " NOT NULL,"            \
    " created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, UNIQUE (doc_type, number_hash));"                \
    "CREATE INDEX person_document_person ON person_document(person_id);"                                       \
    "CREATE INDEX person_document_hash ON person_document(number_hash);"                                       \
    "CREATE TABLE school_profile (" PK ", uid TEXT NOT NULL UNIQUE,"                                           \
    " school_id " INT64 " NOT NULL UNIQUE REFERENCES org_unit(id), school_type TEXT, stages TEXT,"             \
    " running_body TEXT, urban_rural TEXT, address TEXT, founded TEXT, version " INT64 " NOT NULL,"            \
    " created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);"                                                \
    "CREATE TABLE term (" PK                                                                                   \
    ", uid TEXT NOT NULL UNIQUE, school_year TEXT NOT NULL, semester TEXT NOT NULL,"                           \
    " name TEXT NOT NULL, start_date TEXT NOT NULL, end_date TEXT NOT NULL, version " INT64 " NOT NULL,"       \
    " created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, UNIQUE (school_year, semester));"                \
    "CREATE TABLE staff (" PK ", uid TEXT NOT NULL UNIQUE,"                                                    \
    " school_id " INT64 " NOT NULL REFERENCES org_unit(id), person_id " INT64                                  \
    " NOT NULL REFERENCES person(id),"                                                                         \
    " name TEXT NOT NULL, staff_number TEXT NOT NULL, category TEXT, education TEXT, title TEXT,"              \
    " staffing TEXT, status TEXT, subjects TEXT, version " INT64 " NOT NULL, created_at BIGINT NOT NULL,"      \
    " updated_at BIGINT NOT NULL, UNIQUE (school_id, staff_number));"                                          \
    "CREATE INDEX staff_person ON staff(person_id);"                                                           \
    "CREATE TABLE class_profile (" PK ", uid TEXT NOT NULL UNIQUE,"                                            \
    " school_id " INT64 " NOT NULL REFERENCES org_unit(id), class_id " INT64 " NOT NULL UNIQUE"                \
    " REFERENCES org_unit(id), class_number TEXT, class_type TEXT, entry_year INTEGER,"                        \
    " head_teacher_id " INT64 " REFERENCES staff(id), version " INT64 " NOT NULL,"                             \
    " created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);"                                                \
    "CREATE INDEX class_profile_school ON class_profile(school_id, id);"                                       \
    "CREATE TABLE student (" PK ", uid TEXT NOT NULL UNIQUE,"                                                  \
    " school_id " INT64 " NOT NULL REFERENCES org_unit(id), person_id " INT64                                  \
    " NOT NULL REFERENCES person(id),"                                                                         \
    " name TEXT NOT NULL, gender TEXT, student_number " BYTES ", student_number_mask TEXT,"                    \
    " student_number_hash " BYTES ", local_number TEXT, category TEXT, status TEXT NOT NULL,"                  \
    " entry_month TEXT, hukou_type " BYTES ", attendance_mode TEXT, inclusive " BYTES ","                      \
    " version " INT64 " NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);"                    \
    "CREATE INDEX student_school ON student(school_id, id);"                                                   \
    "CREATE INDEX student_person ON student(person_id);"                                                       \
    "CREATE INDEX student_number ON student(student_number_hash);"                                             \
    "CREATE TABLE guardian_link (" PK ", uid TEXT NOT NULL UNIQUE,"                                            \
    " school_id " INT64 " NOT NULL REFERENCES org_unit(id), student_id " INT64 " NOT NULL"                     \
    " REFERENCES student(id), person_id " INT64 " NOT NULL REFERENCES person(id), name TEXT NOT NULL,"         \
    " relation TEXT NOT NULL, is_guardian INTEGER NOT NULL, version " INT64 " NOT NULL,"                       \
    " created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, UNIQUE (student_id, person_id));"                \
    "CREATE INDEX guardian_link_school ON guardian_link(school_id, id);"                                       \
    "CREATE INDEX guardian_link_person ON guardian_link(person_id);"                                           \
    "CREATE TABLE enrollment (" PK ", uid TEXT NOT NULL UNIQUE,"                                               \
    " school_id " INT64 " NOT NULL REFERENCES org_unit(id), student_id " INT64 " NOT NULL"                     \
    " REFERENCES student(id), class_id " INT64                                                                 \
    " NOT NULL REFERENCES org_unit(id), entry_date TEXT NOT NULL,"                                             \
    " entry_type TEXT, exit_date TEXT, exit_type TEXT, version " INT64 " NOT NULL,"                            \
    " created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);"                                                \
    "CREATE INDEX enrollment_student ON enrollment(student_id, exit_date);"                                    \
    "CREATE INDEX enrollment_class ON enrollment(class_id, exit_date, student_id);"                            \
    "CREATE INDEX enrollment_school ON enrollment(school_id, id);"                                             \
    "CREATE TABLE teaching_assignment (" PK ", uid TEXT NOT NULL UNIQUE,"                                      \
    " school_id " INT64 " NOT NULL REFERENCES org_unit(id), staff_id " INT64                                   \
    " NOT NULL REFERENCES staff(id),"                                                                          \
    " class_id " INT64 " NOT NULL REFERENCES org_unit(id), subject TEXT NOT NULL,"                             \
    " term_id " INT64 " NOT NULL REFERENCES term(id), version " INT64 " NOT NULL,"                             \
    " created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, UNIQUE (staff_id, class_id, subject, term_id));" \
    "CREATE INDEX teaching_assignment_school ON teaching_assignment(school_id, id);"                           \
    "CREATE INDEX teaching_assignment_class ON teaching_assignment(class_id);"

/* The national student-registry form's fields (datahub.md §5.5): person
 * attributes on the profile, 学籍 attributes and flags on the student. */
#define REGISTRY_FORM_COLUMNS(BYTES)                                                                         \
    "ALTER TABLE person_profile ADD COLUMN work_position TEXT;"                                              \
    "ALTER TABLE person_profile ADD COLUMN birth_place TEXT;"                                                \
    "ALTER TABLE person_profile ADD COLUMN native_place TEXT;"                                               \
    "ALTER TABLE person_profile ADD COLUMN hukou_place TEXT;"                                                \
    "ALTER TABLE person_profile ADD COLUMN political_status TEXT;"                                           \
    "ALTER TABLE person_profile ADD COLUMN hmt_overseas TEXT;"                                               \
    "ALTER TABLE person_profile ADD COLUMN health " BYTES ";"                                                \
    "ALTER TABLE person_profile ADD COLUMN name_pinyin TEXT;"                                                \
    "ALTER TABLE person_profile ADD COLUMN former_name TEXT;"                                                \
    "ALTER TABLE student ADD COLUMN admission_mode TEXT;"                                                    \
    "ALTER TABLE student ADD COLUMN student_source TEXT;"                                                    \
    "ALTER TABLE student ADD COLUMN class_number TEXT;"                                                      \
    "ALTER TABLE student ADD COLUMN specialty TEXT;"                                                         \
    "ALTER TABLE student ADD COLUMN mail_address " BYTES ";"                                                 \
    "ALTER TABLE student ADD COLUMN mail_address_mask TEXT;"                                                 \
    "ALTER TABLE student ADD COLUMN home_address " BYTES ";"                                                 \
    "ALTER TABLE student ADD COLUMN home_address_mask TEXT;"                                                 \
    "ALTER TABLE student ADD COLUMN postcode TEXT;"                                                          \
    "ALTER TABLE student ADD COLUMN email TEXT;"                                                             \
    "ALTER TABLE student ADD COLUMN homepage TEXT;"                                                          \
    "ALTER TABLE student ADD COLUMN only_child TEXT;"                                                        \
    "ALTER TABLE student ADD COLUMN preschool TEXT;"                                                         \
    "ALTER TABLE student ADD COLUMN left_behind " BYTES ";"                                                  \
    "ALTER TABLE student ADD COLUMN migrant_child " BYTES ";"                                                \
    "ALTER TABLE student ADD COLUMN orphan " BYTES ";"                                                       \
    "ALTER TABLE student ADD COLUMN martyr_child " BYTES ";"                                                 \
    "ALTER TABLE student ADD COLUMN disability_type " BYTES ";"                                              \
    "ALTER TABLE student ADD COLUMN gov_degree " BYTES ";"                                                   \
    "ALTER TABLE student ADD COLUMN needs_aid " BYTES ";"                                                    \
    "ALTER TABLE student ADD COLUMN one_subsidy " BYTES ";"                                                  \
    "ALTER TABLE student ADD COLUMN distance TEXT;"                                                          \
    "ALTER TABLE student ADD COLUMN commute_mode TEXT;"                                                      \
    "ALTER TABLE student ADD COLUMN school_bus TEXT;"                                                        \
    "ALTER TABLE guardian_link ADD COLUMN relation_note TEXT;"

const sh_migration sh_roster_migrations[SH_ROSTER_NMIGRATIONS] = {
    {1,
     "education base data: persons' profiles and documents, schools, terms, classes, staff, students,"
     " guardians, enrolments, teaching assignments",
     ROSTER_TABLES("id INTEGER PRIMARY KEY", "INTEGER", "BLOB"),
     ROSTER_TABLES("id BIGSERIAL PRIMARY KEY", "BIGINT", "BYTEA")},
    {2, "the national student-registry form's fields", REGISTRY_FORM_COLUMNS("BLOB"),
     REGISTRY_FORM_COLUMNS("BYTEA")},
    /* the form's 身份证件有效期 is a period: its start beside the existing end */
    {3, "the start of an identity document's period of validity",
     "ALTER TABLE person_document ADD COLUMN valid_from TEXT;", NULL},
};
