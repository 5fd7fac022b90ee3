/* module.c — the assignment module: its route table, entities and migrations. */
#include "assign/module.h"

const sh_module sh_assign_module = {
    .name = "assign",
    .label = "作业",
    .migrations = sh_assign_migrations,
    .nmigrations = 1,
};
