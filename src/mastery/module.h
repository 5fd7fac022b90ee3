/* module.h — private to src/mastery/: the migrations, the model side (states,
 * parameters, DINA seeding) and the report handlers. */
#ifndef SH_MASTERY_MODULE_H
#define SH_MASTERY_MODULE_H

#include "mastery/mastery.h"
#include "model/api.h"

extern const sh_migration sh_mastery_migrations[];
extern const int sh_mastery_nmigrations;

#endif
