/* module.h — private to src/assign/: the migrations, the store side of tasks,
 * submissions and answers, and the route handlers. */
#ifndef SH_ASSIGN_MODULE_H
#define SH_ASSIGN_MODULE_H

#include "assign/assign.h"
#include "model/api.h"

extern const sh_migration sh_assign_migrations[];
extern const int sh_assign_nmigrations;

#endif
