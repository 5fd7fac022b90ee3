/* uid.h — opaque public ids: the handle clients use for every stored thing
 * (DESIGN §5 Identifiers). Internal integer keys never leave the server. */
#ifndef SH_UID_H
#define SH_UID_H

#define SH_UID_LEN 26

/* Make a new public id: 26 characters of Crockford base32 over 128 bits, the
 * first 48 the creation time in milliseconds and the other 80 random (the layout
 * of ULID and UUIDv7). Ids made later sort after earlier ones, so the unique
 * indexes over them grow at their end instead of at random places — inserting a
 * million rows touches a few hot pages, not the whole index. Within one
 * millisecond of one process the random part counts up from a random start, so
 * ids stay ordered and distinct. The time an id reveals is the row's created_at,
 * which readers see anyway. Thread-safe. */
void sh_new_uid(char out[SH_UID_LEN + 1]);

/* A UUID in standard form (36 characters) laid out as version 7 (time first):
 * xAPI statement ids and registrations. */
#define SH_UUID_LEN 36
void sh_new_uuid(char out[SH_UUID_LEN + 1]);

#endif
