/* uid.h — opaque public ids: the handle clients use for every stored thing
 * (DESIGN §5 Identifiers). Internal integer keys never leave the server. */
#ifndef SH_UID_H
#define SH_UID_H

#define SH_UID_LEN 26

/* Make a new public id: 26 characters, Crockford base32 of 128 random bits. */
void sh_new_uid(char out[SH_UID_LEN + 1]);

#endif
