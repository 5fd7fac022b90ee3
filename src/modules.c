/* modules.c — the capabilities compiled into shushu, in start order.
 *
 * Adding a capability: create src/NAME/ with one sh_module, then add one line
 * here (a module whose migrations reference another module's tables comes after
 * it). */
#include "app.h"
#include "assign/assign.h"
#include "audit/audit.h"
#include "changes/changes.h"
#include "codes/codes.h"
#include "dictionary/dictionary.h"
#include "flow/flow.h"
#include "identity/account.h"
#include "import/import.h"
#include "items/items.h"
#include "kg/kg.h"
#include "lifecycle/lifecycle.h"
#include "mastery/mastery.h"
#include "oneroster/oneroster.h"
#include "org/org.h"
#include "roster/roster.h"
#include "system/system.h"
#include "xapi/xapi.h"

const sh_module *const sh_modules[] = {
    &sh_system_module,     /* health, metrics, API document, deployment facts */
    &sh_audit_module,      /* the hash-chained audit log: others write to it */
    &sh_codes_module,      /* national code tables: others validate against them */
    &sh_org_module,        /* organisation tree */
    &sh_identity_module,   /* persons and accounts */
    &sh_changes_module,    /* the change log: versions, provenance, the change feed */
    &sh_roster_module,     /* the education base data: schools, classes, staff, students */
    &sh_import_module,     /* bulk imports of base data from CSV and XLSX files */
    &sh_flow_module,       /* the one approval mechanism: requests, steps, decisions */
    &sh_lifecycle_module,  /* 学籍异动: transfers, suspensions, class changes, promotion */
    &sh_oneroster_module,  /* OneRoster 1.2: rostering REST API, CSV zip export and import */
    &sh_xapi_module,       /* xAPI 1.0.3 Learning Record Store: statements, LRS clients */
    &sh_kg_module,         /* knowledge graph: knowledge points and prerequisite edges (a DAG) */
    &sh_items_module,      /* item bank: items in versions, review, answer checking */
    &sh_assign_module,     /* assignments: diagnostics, homework, practice; answers and grading */
    &sh_mastery_module,    /* 学情: per-student mastery (BKT, DINA), reports, tiers */
    &sh_dictionary_module, /* data dictionary API over every module's entities */
};
const int sh_nmodules = sizeof sh_modules / sizeof sh_modules[0];
