/* export.h — any list as a spreadsheet file (CSV or XLSX), the way the list
 * itself answers: the same filters, the same scope, masked for the reader unless
 * the read was unmasked; Chinese column headers from the declarations; formula
 * text neutralised by the tabular writer. The file is written to an unlinked
 * temporary file and streamed from there, so a large export does not sit in
 * memory and nothing stays on disk. */
#ifndef SH_MODEL_EXPORT_H
#define SH_MODEL_EXPORT_H

#include "model/api.h"
#include "tabular/reader.h"

/* The most rows one export holds (narrow it with filters beyond that). */
#define SH_EXPORT_MAX_ROWS 1000000

/* The format asked for with ?format=csv|xlsx: 1 and *fmt when asked, 0 when the
 * request is a plain list, SH_ERR (400 invalid_format) for anything else. */
int sh_export_format(sh_req *req, sh_table_format *fmt);

/* Reply with the list of e under scope as a file of fmt, named after the
 * entity's Chinese label; *rows gets the number of rows written. More than
 * SH_EXPORT_MAX_ROWS rows: 413 export_too_large, nothing sent. */
int sh_api_export(sh_req *req, const sh_entity *e, const sh_scope *scope, sh_table_format fmt, long *rows);

#endif
