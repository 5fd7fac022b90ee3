/* items.h — the item bank (题库): items of five types (single, multiple,
 * truefalse, numeric, subjective) tagged with knowledge points of the graph,
 * difficulty, source and score, in versions. A version moves draft → in_review
 * → published (→ retired); a published version never changes: editing the item
 * makes a new version, so whatever points at (item, version) keeps what it
 * saw. Reading needs items.read, writing drafts items.write, reviewing
 * items.review.
 *
 * Two pure, store-free parts other modules use: sh_item_parse (the validation
 * of an item's JSON, the layout of the shipped data/items files) and
 * sh_item_check (is a student's response right). */
#ifndef SH_ITEMS_H
#define SH_ITEMS_H

#include "app.h"
#include "model/write.h"

#include <jansson.h>

extern const sh_module sh_items_module;
extern const sh_entity sh_item_entity;
extern const sh_entity sh_item_version_entity;
extern const sh_entity sh_item_kp_entity;

#define SH_ITEM_MAX_KP 3
#define SH_ITEM_MAX_JSON ((size_t)64 * 1024) /* one item as JSON, in bytes */

/* An item's content, checked. content is the canonical JSON (type, stem,
 * options, answer, explanation, rubric, difficulty, source, score; no code and
 * no knowledge points), owned by the caller (json_decref). */
typedef struct sh_item {
    const char *code; /* NULL when not given (borrowed from the input) */
    const char *type;
    int difficulty, score;
    const char *kp[SH_ITEM_MAX_KP]; /* knowledge point codes, the main one first */
    int nkp;
    json_t *content;
} sh_item;

/* Check obj (an item as in data/items/…/chNN.jsonl) and fill out. Every
 * problem is a field error in err (400, Chinese, field named like
 * "options[2].key"); SH_ERR when there is any. Knowledge points are checked
 * only for their form here (their existence needs the store). */
int sh_item_parse(const json_t *obj, sh_item *out, sh_err *err);

/* The verdict on a response. */
typedef enum {
    SH_ANSWER_WRONG = 0,
    SH_ANSWER_RIGHT = 1,
    SH_ANSWER_NEEDS_SCORING = 2, /* subjective: a teacher scores it against the rubric */
    SH_ANSWER_INVALID = -1,      /* the response has the wrong form for the item's type */
} sh_answer_verdict;

/* Is response right for the item whose canonical content is content? single:
 * a key string; multiple: an array of keys, right only as exactly the answer's
 * set (order and duplicates ignored); truefalse: a boolean; numeric: a number
 * (or a numeric string) within the tolerance; subjective: any text, to be
 * scored. Pure: no store, no allocation that outlives the call. */
sh_answer_verdict sh_item_check(const json_t *content, const json_t *response);

/* Export the item bank as JSON Lines (the import layout) to path: the
 * published version of every item, or its latest when status_all. */
int sh_items_export(sh_conn *c, const char *path, int status_all, sh_err *err);

typedef struct sh_items_import_result {
    long lines, created, updated, unchanged, published;
    sh_err err; /* every problem, with its line (row) */
} sh_items_import_result;

/* Import JSON Lines (one item per line; upsert on code) in the caller's write
 * transaction: every line is checked first (JSON, fields, knowledge points in the
 * graph, codes unique in the input); on any problem nothing is written. A
 * changed item gets a new version (or its draft is changed); with publish the
 * new versions are published at once. name labels the input in errors (a file
 * of a folder). */
int sh_items_import(sh_conn *c, sh_pool *p, const char *data, size_t len, const char *name, int publish,
                    const sh_provenance *pv, sh_items_import_result *res);

#endif
