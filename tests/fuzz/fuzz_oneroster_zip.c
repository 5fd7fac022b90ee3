/* fuzz_oneroster_zip.c — libFuzzer driver for reading an uploaded OneRoster
 * zip (src/oneroster/zipread.c): the bytes are opened as a zip and the
 * manifest and each file of the binding are read. Checks: a failure always says
 * why; what is read is NUL-terminated and within the inflation budget.
 *
 * Seeds in tests/fuzz/corpus/oneroster_zip/: small zips made with the zip
 * command line (a manifest alone, a manifest with orgs.csv, a stored and a
 * deflated entry, an entry in a folder). */
#include "core/alloc.h"
#include "oneroster/zipread.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const char *const names[] = {"manifest.csv", "orgs.csv",        "academicSessions.csv",
                                        "courses.csv",  "classes.csv",     "roles.csv",
                                        "users.csv",    "enrollments.csv", "demographics.csv"};
    sh_err err;
    sh_err_init(&err);
    sh_or_zip *z;
    if (sh_or_zip_open(data, size, &z, &err) != SH_OK) {
        if (!err.status || !err.first.code[0] || !err.first.message[0])
            __builtin_trap();
        sh_err_clear(&err);
        return 0;
    }
    unsigned long long total = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char *bytes;
        size_t len;
        int rc = sh_or_zip_read(z, names[i], &bytes, &len, &err);
        if (rc == SH_ROW) {
            if (bytes[len] != '\0')
                __builtin_trap();
            total += len;
            sh_free(bytes);
        } else if (rc == SH_ERR) {
            if (!err.status || !err.first.message[0])
                __builtin_trap();
            sh_err_clear(&err);
            sh_err_init(&err);
        }
    }
    if (total > SH_OR_ZIP_BUDGET)
        __builtin_trap();
    sh_or_zip_close(z);
    sh_err_clear(&err);
    return 0;
}
