/* openapi.h — the OpenAPI 3.1 document, generated from the route tables and the
 * entity declarations (nothing in it is written by hand). */
#ifndef SH_OPENAPI_H
#define SH_OPENAPI_H

#include "app.h"

/* Build the document; NULL when out of memory. */
json_t *sh_openapi_build(const sh_app *app, const char *version);

#endif
