/* dictionary.h — the data dictionary module: entity declarations published as an
 * API, and validation of a record against them without storing it. */
#ifndef SH_DICTIONARY_H
#define SH_DICTIONARY_H

#include "app.h"

extern const sh_module sh_dictionary_module;

#endif
