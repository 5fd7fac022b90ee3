/* kinds.h — the import kinds (one file each) and what their row functions share:
 * building records, single-value queries, upserts that count what happened, and
 * the person of a row (found by document or registered). */
#ifndef SH_IMPORT_KINDS_H
#define SH_IMPORT_KINDS_H

#include "import/import.h"
#include "roster/persons.h"

#include <string.h>

extern const sh_import_kind sh_import_classes;
extern const sh_import_kind sh_import_students;
extern const sh_import_kind sh_import_staff;
extern const sh_import_kind sh_import_guardians;

/* An empty record of e in the row's pool (v NULL when out of memory). */
sh_record sh_import_record(sh_pool *p, const sh_entity *e);
/* The value of a declared field of r. */
sh_value *sh_import_value(sh_record *r, const char *name);
/* One integer of a query taking $1 = a and, when given, $2 = a blob or a text;
 * 0 when no row, SH_ERR on failure. */
int64_t sh_import_i64(sh_import *im, const char *sql, int64_t a, const void *blob, size_t blen,
                      const char *text, sh_err *err);
/* The same with $1 = a and $2 = b, both keys. */
int64_t sh_import_i64_2(sh_import *im, const char *sql, int64_t a, int64_t b, sh_err *err);
/* Insert r when *key is 0 (then *key is the new row), else update the fields set
 * in r. count: add to the result's created/updated/unchanged. */
int sh_import_upsert(sh_import *im, sh_record *r, int64_t *key, int64_t school, int count, sh_err *err);

/* The identity document columns of a row, read and checked: type and number
 * (NULL when not given); fills prof's birth_date and gender from the number. */
int sh_import_document(sh_import *im, const sh_import_row *row, int type_col, int number_col, sh_record *prof,
                       const char **type, const char **number, sh_err *err);

/* A document's period of validity as a row gives it (the national form's
 * 身份证件有效期): given when the cell was filled; to NULL for 长期 (no end). */
typedef struct sh_import_period {
    int given;
    const char *from, *to; /* YYYY-MM-DD */
} sh_import_period;

/* Keep the person of a row: update the profile of *person (giving them one if
 * they have none), or register a new person (name, document, profile) when
 * *person is 0. period (may be NULL): when given, the document's period of
 * validity, set on the new document or updated on the person's existing one. */
int sh_import_person(sh_import *im, int64_t *person, const char *name, const char *type, const char *number,
                     const sh_import_period *period, sh_record *prof, sh_err *err);

/* The columns of a family block (the national form has two), as offsets from
 * the block's first column in its kind. */
enum {
    SH_MEMBER_NAME,
    SH_MEMBER_RELATION,
    SH_MEMBER_RELATION_NOTE,
    SH_MEMBER_ADDRESS,
    SH_MEMBER_HUKOU_PLACE,
    SH_MEMBER_PHONE,
    SH_MEMBER_GUARDIAN,
    SH_MEMBER_ID_TYPE,
    SH_MEMBER_ID_NUMBER,
    SH_MEMBER_ETHNICITY,
    SH_MEMBER_WORK_UNIT,
    SH_MEMBER_POSITION,
    SH_MEMBER_COLUMNS
};

/* A family member as a row gives them: the link to the student (name,
 * relation, 是否监护人 …), their profile and their identity document. */
typedef struct sh_import_member {
    sh_record link, prof;
    const char *type, *number;
} sh_import_member;

/* Read the family block starting at kind column base: 0 when all its cells are
 * empty, 1 when read into *m, SH_ERR with the errors (a member needs a name and
 * a relation; a guardian must be an adult). */
int sh_import_member_read(sh_import *im, const sh_import_row *row, int base, sh_import_member *m,
                          sh_err *err);
/* A member marked 是否监护人 must be an adult today when the birth date is known;
 * else an error on kind column col. */
int sh_import_member_adult(sh_import *im, sh_import_member *m, int col, sh_err *err);
/* Keep the member: find the person (by document, else the student's member of
 * that name and relation), update or register them, and upsert the link
 * (count as in sh_import_upsert). */
int sh_import_member_write(sh_import *im, int64_t school, int64_t student, sh_import_member *m, int count,
                           sh_err *err);

#endif
