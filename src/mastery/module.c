/* module.c — the mastery (学情) module: its route table, entities and migrations. */
#include "mastery/module.h"

static const sh_entity *const entities[] = {&sh_mastery_param_entity, &sh_mastery_item_entity,
                                            &sh_mastery_state_entity, &sh_mastery_event_entity};

const sh_module sh_mastery_module = {
    .name = "mastery",
    .label = "学情",
    .migrations = sh_mastery_migrations,
    .nmigrations = 1,
    .entities = entities,
    .nentities = sizeof entities / sizeof entities[0],
};
