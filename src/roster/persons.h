/* persons.h — one person, one record (一人一号): people are found by the keyed
 * hash of an identity document (type + number), and registered once with their
 * profile and document. People without a document carry a keyed hash of name,
 * gender and birth date (match_hash) that the duplicate-candidates report and
 * imports compare. Every function runs inside the caller's write transaction. */
#ifndef SH_ROSTER_PERSONS_H
#define SH_ROSTER_PERSONS_H

#include "model/fieldcrypt.h"
#include "model/write.h"

/* Check and normalise an identity document and what it implies: type defaults
 * to "1" (居民身份证) when a number is given; x becomes X; a 居民身份证 number is
 * checked per GB 11643; the birth date and gender it carries must agree with
 * *birth and *gender (fields birth_date, gender) and fill them when not given.
 * Errors are added to err with the fields id_number, birth_date, gender. */
int sh_person_check_document(sh_pool *p, const char **type, const char **number, sh_value *birth,
                             sh_value *gender, sh_err *err);

/* The person holding this document: its key, 0 when nobody does, SH_ERR on failure. */
int64_t sh_person_by_document(sh_conn *c, const char *type, const char *number, sh_err *err);
/* The key of the document itself (its person_document row); 0 when none, SH_ERR on failure. */
int64_t sh_person_document_key(sh_conn *c, const char *type, const char *number, sh_err *err);

/* Hex of the keyed hash of name|gender|birth (either may be NULL) into out. The
 * name is normalised first (spaces dropped, full-width forms made ASCII, the dots
 * of transliterated names made one), and the hashed text carries a domain tag so
 * it never equals an ID number's lookup hash. SH_ERR without a key or a name. */
int sh_person_match_hex(const char *name, const char *gender, const char *birth,
                        char out[SH_LOOKUP_HASH_BYTES * 2 + 1]);

/* Register a new person: the person row (name), its profile (the values set in
 * *profile, a person_profile record; person and the match hash are filled here)
 * and, when number is given, its document of type (default "1"). *person gets
 * the new key. The caller has checked there is no person with this document. */
int sh_person_register(sh_conn *c, sh_pool *p, const char *name, const char *type, const char *number,
                       sh_record *profile, const sh_provenance *pv, int64_t *person, sh_err *err);

/* Give a registered person a document (of a type they do not hold yet), with
 * its period of validity when valid_from is given (YYYY-MM-DD; valid_to NULL:
 * no end, 长期). */
int sh_person_add_document(sh_conn *c, sh_pool *p, int64_t person, const char *type, const char *number,
                           const char *valid_from, const char *valid_to, const sh_provenance *pv,
                           sh_err *err);

/* Key rotation: recompute every profile's match hash under the lookup key in use
 * (birth dates decrypted under the field key in use), written directly — the
 * values do not change, so no version and no change log. *n gets how many. */
int sh_person_match_rehash(sh_conn *c, long *n, sh_err *err);

/* The under-14 flag (rules.md DR-03) of a birth date (YYYY-MM-DD) on the day
 * today (YYYY-MM-DD, sh_today_iso): 1 under 14, 0 not, -1 unknown. A person is 14
 * from their 14th birthday on; one born on 29 February from 1 March. */
int sh_under_14(const char *birth, const char *today);
/* The same from the birth year alone (text starting with the year: a date or its
 * year-only mask "2012-**-**"): 1 or 0 when the year decides it, -1 when the
 * person was born in the boundary year (today's year - 14) and the day must be
 * read, or the text has no year. */
int sh_under_14_by_year(const char *birth_year, const char *today);

#endif
