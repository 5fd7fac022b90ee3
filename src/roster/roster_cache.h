/* roster_cache.h — class rosters kept as their reply, checked against the data.
 *
 * A head teacher's class roster is read far more often than it changes. The
 * masked reply (the same for every reader who may see the class and did not ask
 * to unmask) is kept per class with the change version it was built at and the
 * day (the under-14 flag depends on it). Every write of the rows it shows —
 * students, enrolments, profiles — goes through the write path and so raises
 * the change log's version, which the handler reads before using a kept reply:
 * a reply built before any later write is never served. Readers still pass the
 * scope check first; only the building is saved. Bounded: one reply per slot of
 * a fixed table (class id modulo its size), replaced on collision.
 *
 * The version is read before the roster is built, so a reply is never labelled
 * newer than the data it shows. This relies on versions becoming visible in
 * their order, as they do with SQLite's single writer; on PostgreSQL a
 * transaction holding a lower version can commit after a higher one, which the
 * change feed must handle as well (a commit-ordered version) before this cache
 * may be trusted there. */
#ifndef SH_ROSTER_CACHE_H
#define SH_ROSTER_CACHE_H

#include "core/buf.h"

#include <stdint.h>

/* Append the kept reply of class built at version on day to out: 1 when there
 * was one, 0 when it must be built. */
int sh_roster_cache_get(int64_t class_id, int64_t version, const char *day, sh_buf *out);
/* Keep a reply (copied). Nothing when memory is short. */
void sh_roster_cache_put(int64_t class_id, int64_t version, const char *day, const char *body, size_t len);

#endif
