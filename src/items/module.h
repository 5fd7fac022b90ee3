/* module.h — private to src/items/: migrations, the store side of items and
 * versions, and the route handlers. */
#ifndef SH_ITEMS_MODULE_H
#define SH_ITEMS_MODULE_H

#include "items/items.h"
#include "model/api.h"

#include <string.h>

extern const sh_migration sh_items_migrations[];
extern const int sh_items_nmigrations;

/* An item as the store holds it. */
typedef struct item_row {
    int64_t key, author;
    const char *uid, *code, *status; /* status of the latest version */
    int latest, published;
} item_row;

/* Find the item with public id or code ref: SH_ROW, SH_DONE (404 set), SH_ERR. */
int items_find(sh_conn *c, sh_pool *p, const char *ref, item_row *out, sh_err *err);
/* Keys of the item's knowledge points (codes); each unknown one is a field
 * error (at row `line` when not 0). */
int items_kp_keys(sh_conn *c, const sh_item *it, int64_t *keys, long line, sh_err *err);
/* Save content as the item's new state: a new item (row NULL), the latest
 * version changed in place (a draft or one in review, which returns to draft
 * unless status says otherwise), or a new version (after a published or retired
 * one). status: "draft", or "published" (imports with publish). *changed is 0
 * when the content and knowledge points were already those; *uid names the item. */
int items_save(sh_conn *c, sh_pool *p, const item_row *row, const sh_item *it, const int64_t *kp, int64_t org,
               int64_t author, const char *status, const sh_provenance *pv, int *changed, const char **uid,
               sh_err *err);
/* Move the item's latest version to status (in_review, published, draft with a
 * note, retired); a publication retires the version published before. */
int items_set_status(sh_conn *c, sh_pool *p, const item_row *row, const char *status, int64_t reviewer,
                     const char *note, const sh_provenance *pv, sh_err *err);

/* The columns items_row_json reads, over item i and item_version v. */
#define ITEMS_COLUMNS                                                                                        \
    "i.uid, i.code, v.id, v.no, v.status, v.content, v.review_note, v.published_at, v.created_at,"           \
    " v.updated_at, i.latest, i.published, i.id"
/* The version at the statement's current row as JSON (with "_vid" for
 * items_fill_kp); NULL when its content cannot be read. */
json_t *items_row_json(sh_stmt *s);
/* Replace each item's "_vid" with its "knowledge_points" [{id, code, name}],
 * in one query. */
int items_fill_kp(sh_conn *c, json_t *items, sh_err *err);

int items_list(sh_req *req);
int items_create(sh_req *req);
int items_get(sh_req *req);
int items_put(sh_req *req);
int items_versions(sh_req *req);
int items_submit(sh_req *req);
int items_review(sh_req *req);
int items_retire(sh_req *req);
int items_check_api(sh_req *req);
int items_import_api(sh_req *req);
int items_export_api(sh_req *req);

#endif
