/* kept.h — replies kept in memory while the data they show is unchanged.
 *
 * Some replies are read far more often than their data changes: a head teacher's
 * class roster, an organisation's record. A handler may keep such a reply under a
 * key that names everything the reply depends on besides the data (the resource,
 * the caller's reach, the day when the reply shows something computed from
 * it) together with the data generation of the tables it reads
 * (sh_db_generation, read before the reply is built). A later request with the
 * same key is answered with the kept bytes and their ETag while the generation
 * is the same; any committed write to one of those tables raises it, so a reply
 * older than the data is never served. The caller still authenticates and
 * checks permissions first; a reply that discloses more than the key says
 * (unmasked fields, audited reads) must not be kept.
 *
 * Bounded: a fixed table of slots (the key's hash picks one), a kept reply
 * replaced on collision; replies larger than SH_KEPT_MAX_BYTES are not kept. */
#ifndef SH_HTTP_KEPT_H
#define SH_HTTP_KEPT_H

#include "http/http.h"

#include <stdint.h>

#define SH_KEPT_MAX_BYTES ((size_t)512 * 1024)

/* Answer req with the JSON reply kept under key at generation (status 200):
 * 1 when there was one, 0 when it must be built (also for a NULL key), SH_ERR
 * with req->err when memory is short. */
int sh_kept_reply(sh_req *req, const char *key, uint64_t generation);
/* Keep a copy of req's 200 reply, built from data read at generation (nothing
 * when memory is short or the reply too large). */
void sh_kept_keep(sh_req *req, const char *key, uint64_t generation);

#endif
