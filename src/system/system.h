/* system.h — the system module: /healthz, /metrics, the OpenAPI document, and the
 * shushu_meta table (facts about the deployment, e.g. that it is a demo). */
#ifndef SH_SYSTEM_H
#define SH_SYSTEM_H

#include "app.h"

extern const sh_module sh_system_module;

#define SHUSHU_VERSION "0.1.0"

/* Read and write deployment facts. sh_meta_get copies into out; SH_DONE when absent. */
int sh_meta_get(sh_conn *c, const char *key, char *out, size_t cap, sh_err *err);
int sh_meta_set(sh_conn *c, const char *key, const char *value, sh_err *err);

#endif
