/* main.c — runs every registered unit test and prints "N passed, N failed".
 * Run one test: build/asan/unit NAME. */
#include "harness.h"

#include "core/alloc.h"
#include "core/log.h"

#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <unistd.h>

#define MAX_TESTS 512

static struct {
    const char *name;
    sh_test_fn fn;
} tests[MAX_TESTS];
static int ntests;
int sh_test_failed_now;

void sh_test_register(const char *name, sh_test_fn fn) {
    if (ntests < MAX_TESTS) {
        tests[ntests].name = name;
        tests[ntests].fn = fn;
        ntests++;
    }
}

void sh_test_fail(const char *file, int line, const char *expr) {
    fprintf(stderr, "    %s:%d: CHECK failed: %s\n", file, line, expr);
    sh_test_failed_now = 1;
}

static char tmpdir[256];

const char *sh_test_tmpdir(void) {
    if (!tmpdir[0]) {
        snprintf(tmpdir, sizeof tmpdir, "/tmp/shushu-unit-XXXXXX");
        if (!mkdtemp(tmpdir))
            abort();
    }
    return tmpdir;
}

int main(int argc, char **argv) {
    if (sodium_init() < 0)
        return 1;
    json_set_alloc_funcs(sh_malloc, sh_free);
    sh_log_set_level(SH_LOG_ERROR + 1); /* expected failures would otherwise log */
    int passed = 0, failed = 0;
    for (int i = 0; i < ntests; i++) {
        if (argc > 1 && strcmp(argv[1], tests[i].name) != 0)
            continue;
        sh_test_failed_now = 0;
        tests[i].fn();
        if (sh_test_failed_now) {
            fprintf(stderr, "FAIL %s\n", tests[i].name);
            failed++;
        } else {
            passed++;
        }
    }
    if (tmpdir[0]) {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", tmpdir);
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
