/* module.c — the mastery (学情) module: its route table, entities and migrations. */
#include "mastery/module.h"

const sh_module sh_mastery_module = {
    .name = "mastery",
    .label = "学情",
    .migrations = sh_mastery_migrations,
    .nmigrations = 1,
};
