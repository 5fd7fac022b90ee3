/* schema.c — the mastery tables, written once for both stores (see
 * docs/teaching.md). mastery_param (BKT parameters per knowledge point) and
 * mastery_item (Elo difficulty per item) are city-wide; mastery_state (one row
 * per student and knowledge point: P(known) now) and mastery_event (its
 * history: one row per answer counted or diagnosis) are per school.
 * Probabilities are REAL on SQLite and DOUBLE PRECISION on PostgreSQL (its
 * REAL is single precision). */
#include "mastery/module.h"

#define MASTERY_TABLES(PK, INT64, FLOAT)                                                                     \
    "CREATE TABLE mastery_param (" PK ", uid TEXT NOT NULL UNIQUE, point_id " INT64                          \
    " NOT NULL UNIQUE REFERENCES kg_point(id), prior " FLOAT " NOT NULL, learn " FLOAT " NOT NULL,"          \
    " forget " FLOAT " NOT NULL, guess " FLOAT " NOT NULL, slip " FLOAT " NOT NULL, responses " INT64        \
    " NOT NULL,"                                                                                             \
    " log_likelihood " FLOAT ", fitted_at BIGINT, version " INT64 " NOT NULL, created_at BIGINT NOT NULL,"   \
    " updated_at BIGINT NOT NULL);"                                                                          \
    "CREATE TABLE mastery_item (" PK ", uid TEXT NOT NULL UNIQUE, item_id " INT64                            \
    " NOT NULL UNIQUE REFERENCES item(id), difficulty " FLOAT " NOT NULL, answers " INT64 " NOT NULL,"       \
    " version " INT64 " NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);"                  \
    "CREATE TABLE mastery_state (" PK ", uid TEXT NOT NULL UNIQUE,"                                          \
    " school_id " INT64 " NOT NULL REFERENCES org_unit(id), student_id " INT64                               \
    " NOT NULL REFERENCES student(id), point_id " INT64 " NOT NULL REFERENCES kg_point(id),"                 \
    " p_known " FLOAT " NOT NULL, answers INTEGER NOT NULL, rights INTEGER NOT NULL, source TEXT NOT NULL,"  \
    " ability " FLOAT " NOT NULL DEFAULT 0, version " INT64 " NOT NULL, created_at BIGINT NOT NULL,"         \
    " updated_at BIGINT NOT NULL, UNIQUE (student_id, point_id));"                                           \
    "CREATE INDEX mastery_state_school ON mastery_state(school_id, id);"                                     \
    "CREATE INDEX mastery_state_point ON mastery_state(point_id, student_id);"                               \
    "CREATE TABLE mastery_event (" PK ", school_id " INT64 " NOT NULL REFERENCES org_unit(id),"              \
    " student_id " INT64 " NOT NULL REFERENCES student(id), point_id " INT64                                 \
    " NOT NULL REFERENCES kg_point(id), answer_id " INT64 " REFERENCES assign_answer(id),"                   \
    " kind TEXT NOT NULL, correct INTEGER, p_correct " FLOAT ", p_known " FLOAT                              \
    " NOT NULL, at BIGINT NOT NULL,"                                                                         \
    " UNIQUE (answer_id, point_id));"                                                                        \
    "CREATE INDEX mastery_event_school ON mastery_event(school_id, id);"                                     \
    "CREATE INDEX mastery_event_student ON mastery_event(student_id, point_id, at);"

const sh_migration sh_mastery_migrations[] = {
    {1, "mastery: BKT parameters, item difficulty, each student's state and its history",
     MASTERY_TABLES("id INTEGER PRIMARY KEY", "INTEGER", "REAL"),
     MASTERY_TABLES("id BIGSERIAL PRIMARY KEY", "BIGINT", "DOUBLE PRECISION")},
};
const int sh_mastery_nmigrations = sizeof sh_mastery_migrations / sizeof sh_mastery_migrations[0];
