/* schema.c — the assignment tables, written once for both stores (see
 * docs/teaching.md). Every table is per school: it carries school_id and an
 * index leading with it. assign_submission has one row per student the task is
 * given to (made when the task is published), holding the student's tier on a
 * tiered task; assign_task_item rows with a student are that student's own
 * items (tiered homework), rows without are everyone's. Probabilities are
 * REAL on SQLite and DOUBLE PRECISION on PostgreSQL (its REAL is single
 * precision). */
#include "assign/module.h"

#define ASSIGN_TABLES(PK, INT64, FLOAT)                                                                      \
    "CREATE TABLE assign_task (" PK ", uid TEXT NOT NULL UNIQUE,"                                            \
    " school_id " INT64 " NOT NULL REFERENCES org_unit(id), class_id " INT64                                 \
    " NOT NULL REFERENCES org_unit(id), subject TEXT NOT NULL, kind TEXT NOT NULL, title TEXT NOT NULL,"     \
    " status TEXT NOT NULL, tiered INTEGER NOT NULL DEFAULT 0, author_id " INT64 ", due_at BIGINT,"          \
    " published_at BIGINT, closed_at BIGINT, version " INT64 " NOT NULL, created_at BIGINT NOT NULL,"        \
    " updated_at BIGINT NOT NULL);"                                                                          \
    "CREATE INDEX assign_task_school ON assign_task(school_id, id);"                                         \
    "CREATE INDEX assign_task_class ON assign_task(class_id, status, id);"                                   \
    "CREATE TABLE assign_task_item (" PK ", uid TEXT NOT NULL UNIQUE,"                                       \
    " school_id " INT64 " NOT NULL REFERENCES org_unit(id), task_id " INT64                                  \
    " NOT NULL REFERENCES assign_task(id), item_version_id " INT64 " NOT NULL REFERENCES item_version(id),"  \
    " ordinal INTEGER NOT NULL, score INTEGER NOT NULL, student_id " INT64 " REFERENCES student(id),"        \
    " predicted " FLOAT ", version " INT64                                                                   \
    " NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);"                                    \
    "CREATE INDEX assign_task_item_school ON assign_task_item(school_id, id);"                               \
    "CREATE INDEX assign_task_item_task ON assign_task_item(task_id, student_id, ordinal);"                  \
    "CREATE TABLE assign_submission (" PK ", uid TEXT NOT NULL UNIQUE,"                                      \
    " school_id " INT64 " NOT NULL REFERENCES org_unit(id), task_id " INT64                                  \
    " NOT NULL REFERENCES assign_task(id), student_id " INT64 " NOT NULL REFERENCES student(id),"            \
    " tier TEXT, status TEXT NOT NULL, registration TEXT NOT NULL, started_at BIGINT, submitted_at BIGINT,"  \
    " scored_at BIGINT, score INTEGER, max_score INTEGER, version " INT64 " NOT NULL,"                       \
    " created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, UNIQUE (task_id, student_id));"                \
    "CREATE INDEX assign_submission_school ON assign_submission(school_id, id);"                             \
    "CREATE INDEX assign_submission_student ON assign_submission(student_id, status);"                       \
    "CREATE TABLE assign_answer (" PK ", uid TEXT NOT NULL UNIQUE,"                                          \
    " school_id " INT64 " NOT NULL REFERENCES org_unit(id), submission_id " INT64                            \
    " NOT NULL REFERENCES assign_submission(id), task_item_id " INT64                                        \
    " NOT NULL REFERENCES assign_task_item(id), item_version_id " INT64                                      \
    " NOT NULL REFERENCES item_version(id), response TEXT NOT NULL, verdict TEXT NOT NULL, score INTEGER,"   \
    " scorer_id " INT64 ", comment TEXT, answered_at BIGINT NOT NULL, scored_at BIGINT,"                     \
    " version " INT64 " NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,"                   \
    " UNIQUE (submission_id, task_item_id));"                                                                \
    "CREATE INDEX assign_answer_school ON assign_answer(school_id, id);"                                     \
    "CREATE INDEX assign_answer_item ON assign_answer(item_version_id, verdict);"

const sh_migration sh_assign_migrations[] = {
    {1, "assignments: tasks, their items, submissions and answers",
     ASSIGN_TABLES("id INTEGER PRIMARY KEY", "INTEGER", "REAL"),
     ASSIGN_TABLES("id BIGSERIAL PRIMARY KEY", "BIGINT", "DOUBLE PRECISION")},
};
const int sh_assign_nmigrations = sizeof sh_assign_migrations / sizeof sh_assign_migrations[0];
