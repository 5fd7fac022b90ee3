/* write.h — the one path by which records are written (DESIGN §3.3).
 *
 * Insert, update and delete of any declared entity: references resolved from
 * public ids, sensitive fields encrypted with their mask and lookup hash beside
 * them (fieldcrypt.h), created_at/updated_at kept, and every change given a new
 * change version from one increasing sequence and a row in change_log saying who,
 * when, through what (console, API client, import batch) and which fields — the
 * provenance (溯源) a record's history and the change feed are read from. Values of
 * fields graded L3 or above never enter the log, only their names. All three must
 * run inside the caller's write transaction. */
#ifndef SH_WRITE_H
#define SH_WRITE_H

#include "model/entity.h"
#include "store/store.h"

typedef struct sh_provenance {
    int64_t actor;          /* account id; 0 = the system itself */
    const char *source;     /* "console" | "api" | "import" | "sync" | "system" */
    const char *source_ref; /* the import batch, API token or client uid; may be NULL */
} sh_provenance;

/* Insert r. Fields not set are stored as NULL (or their column default). A UID
 * field is generated unless set. school_id names the school the row belongs to
 * for the change feed's scope (0: none, city-wide data). On success *key and *uid
 * (pool) describe the new row. SH_ERR with 400 unknown_reference when a reference
 * names nothing, 409 conflict on a unique key, 500 otherwise. */
int sh_record_insert(sh_conn *c, sh_pool *p, const sh_record *r, int64_t school_id, const sh_provenance *pv,
                     int64_t *key, const char **uid, sh_err *err);

/* Update the fields set in r on the row with internal key `key`. Fields whose value
 * does not change are left alone; when nothing changes nothing is written and
 * *changed is 0 (re-importing the same file changes nothing). SH_ERR with 404
 * not_found when the row does not exist. */
int sh_record_update(sh_conn *c, sh_pool *p, const sh_record *r, int64_t key, int64_t school_id,
                     const sh_provenance *pv, int *changed, sh_err *err);

/* Delete the row, leaving a tombstone in change_log that carries its public id
 * and its plain natural keys (fields marked SH_F_UNIQUE and not encrypted). */
int sh_record_delete(sh_conn *c, sh_pool *p, const sh_entity *e, int64_t key, int64_t school_id,
                     const sh_provenance *pv, sh_err *err);

/* Resolve the public ids of r's reference fields to internal keys (v.i). Every
 * unknown one is reported (400 unknown_reference). */
int sh_record_resolve_refs(sh_conn *c, const sh_record *r, sh_err *err);

#endif
