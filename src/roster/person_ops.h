/* person_ops.h — one person, one record, after the fact: the duplicate-candidates
 * report (persons sharing the match hash of name, gender and birth date, at
 * least one of them without a 居民身份证 number: two persons never share one, and
 * two different valid numbers are two people) and the merge of a duplicate into the person kept. Used by the
 * API (person_api.c) and the command line (`shushu duplicates`). Nothing here
 * checks who is asking: callers pass the scope predicate and check permissions. */
#ifndef SH_ROSTER_PERSON_OPS_H
#define SH_ROSTER_PERSON_OPS_H

#include "model/write.h"

#include <jansson.h>

/* Persons in reach: `where` is SQL over the person row aliased pe, and
 * role_where[] over a role row aliased t (student, staff, guardian_link, in that
 * order), all with the same parameters from $1 (bound by bind). where NULL:
 * every person and every role. */
typedef struct sh_person_scope {
    const char *where;
    const char *role_where[3];
    int nparams;
    int (*bind)(sh_stmt *s, void *ctx);
    void *ctx;
} sh_person_scope;

/* One page of duplicate groups, ordered by the smallest person key of each group
 * (the key-set cursor: groups after `after`). *groups gets a new JSON array of
 * {"persons":[{id, name, gender, birth_date, documents, roles}]}, every sensitive
 * value masked and only roles in reach listed; *next the cursor key of the last
 * group when there may be more (0: none). SH_ERR on a store failure. */
int sh_duplicates_page(sh_conn *c, sh_pool *p, const sh_person_scope *sc, int64_t after, int limit,
                       json_t **groups, int64_t *next, sh_err *err);

/* The person with public id uid that is not merged: its key; 0 when there is no
 * such person; SH_ERR on failure. *merged_into (pool, may be NULL) gets the public
 * id of the person it was merged into when it was. */
int64_t sh_person_key(sh_conn *c, sh_pool *p, const char *uid, const char **merged_into, sh_err *err);

/* The schools whose rows hold either person (student, staff, family member),
 * as a NULL-free array of keys in *schools (pool), *n of them. */
int sh_person_schools(sh_conn *c, sh_pool *p, int64_t a, int64_t b, int64_t **schools, int *n, sh_err *err);

/* Merge person `from` into `into`, inside the caller's write transaction, every
 * row through the write path: role rows (student, staff, family member),
 * identity documents of a type `into` lacks, accounts, and the profile fields
 * `into` lacks move to `into`; `from` stays as a record with merged_into set.
 * Refuses (nothing written): 400 same_person, 404 not_found, 409 already_merged,
 * id_number_conflict (both hold a document of one type with different numbers),
 * same_school_student, same_school_staff, same_family_member (both listed for
 * one student), guardian_of_self. warnings (may be NULL) gets Chinese notes on
 * what the schools should look at (two current 学籍 after the merge). */
int sh_person_merge(sh_conn *c, sh_pool *p, int64_t from, int64_t into, const sh_provenance *pv,
                    json_t *warnings, sh_err *err);

/* Recompute the match hash of a person's profile from its stored name, gender
 * and birth date (decrypted), through the write path; no profile: nothing. */
int sh_person_refresh_match(sh_conn *c, sh_pool *p, int64_t person, const sh_provenance *pv, sh_err *err);

#endif
