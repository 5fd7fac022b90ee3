/* identifiers.h — validation of Chinese national identifiers at the edge
 * (datahub.md §Identifiers): 学校（机构）标识码 today; 公民身份号码 (GB 11643) and
 * 学籍号 join as the roster needs them. Each check is an sh_check_fn usable in a
 * field declaration, and adds a Chinese error naming the field. */
#ifndef SH_IDENTIFIERS_H
#define SH_IDENTIFIERS_H

#include "model/entity.h"

/* 10 digits AABBCCCCCC: AA a known school category, BB a GB/T 2260 province. */
int sh_check_school_code(const sh_field *f, const char *v, sh_err *err);
/* The same check as a predicate: 1 when v is a well-formed 学校标识码. */
int sh_valid_school_code(const char *v);

#endif
