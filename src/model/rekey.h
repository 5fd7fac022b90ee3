/* rekey.h — key rotation of declared entities: every SH_F_ENCRYPT column of
 * every registered entity re-encrypted (still bound to table, column and row
 * uid), and every lookup hash beside one recomputed, under another master key.
 * Values do not change, so rows keep their version and no change is logged.
 * Entities without a public id hold values sealed by their own module with its
 * own associated data (second-factor secrets): that module re-seals them. */
#ifndef SH_MODEL_REKEY_H
#define SH_MODEL_REKEY_H

#include "store/store.h"

/* Inside the caller's write transaction: open each stored value under the master
 * key in use, seal it (and hash it) under `other` (core/keys.h
 * sh_keys_swap_master; the key in use is the same again afterwards). *values
 * gets how many were re-encrypted. SH_ERR (500 decryption_failed naming the
 * table and column) when a value does not open: nothing must be committed then. */
int sh_rekey_entities(sh_conn *c, unsigned char other[32], long *values, sh_err *err);

#endif
