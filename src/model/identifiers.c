/* identifiers.c — national identifier checks. See identifiers.h. */
#include "model/identifiers.h"

#include <stdio.h>
#include <string.h>

static const char *school_categories[] = {"11", "21", "22", "31", "32", "33", "34", "35",
                                          "36", "37", "41", "42", "51", "91", "92", "93"};

int sh_valid_school_code(const char *v) {
    if (strlen(v) != 10)
        return 0;
    for (int i = 0; i < 10; i++)
        if (v[i] < '0' || v[i] > '9')
            return 0;
    int cat = 0;
    for (size_t i = 0; i < sizeof school_categories / sizeof school_categories[0]; i++)
        cat |= strncmp(v, school_categories[i], 2) == 0;
    if (!cat)
        return 0;
    char province[7];
    snprintf(province, sizeof province, "%.2s0000", v + 2);
    int known = sh_code_valid("gb2260_region", province);
    if (known < 0) /* region table not loaded: accept the special provinces and 11–65 */
        return (v[2] >= '1' && v[2] <= '8');
    return known == 1;
}

int sh_check_school_code(const sh_field *f, const char *v, sh_err *err) {
    if (sh_valid_school_code(v))
        return SH_OK;
    return sh_err_add(err, 400, "invalid_school_code", f->name, v,
                      "“%s”应为 10 位数字：前 2 位为学校类别码，第 3–4 位为省级行政区划码", f->label);
}
