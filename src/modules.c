/* modules.c — the capabilities compiled into shushu, in start order.
 *
 * Adding a capability: create src/NAME/ with one sh_module, then add one line
 * here (a module whose migrations reference another module's tables comes after
 * it). */
#include "app.h"
#include "audit/audit.h"
#include "codes/codes.h"
#include "dictionary/dictionary.h"
#include "org/org.h"
#include "system/system.h"

const sh_module *const sh_modules[] = {
    &sh_system_module, &sh_audit_module, &sh_codes_module, &sh_org_module, &sh_dictionary_module,
};
const int sh_nmodules = sizeof sh_modules / sizeof sh_modules[0];
