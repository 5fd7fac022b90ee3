/* xapi.h — the Learning Record Store (xAPI 1.0.3) module: statements, about,
 * agents and activities under /xapi/, and the LRS client credentials under
 * /api/v1/xapi/clients. The module's internals are declared in x_impl.h. */
#ifndef SH_XAPI_H
#define SH_XAPI_H

#include "app.h"

extern const sh_module sh_xapi_module;

#endif
