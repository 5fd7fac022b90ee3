/* harness.h — the small unit-test harness: TEST(name) registers a test, CHECK
 * records a failure with file and line and goes on, REQUIRE stops the test. The
 * runner (main.c) prints each failure and "N passed, N failed". Tests can include
 * a .c file to reach its static functions. */
#ifndef SH_HARNESS_H
#define SH_HARNESS_H

#include <stdio.h>
#include <string.h>

typedef void (*sh_test_fn)(void);
void sh_test_register(const char *name, sh_test_fn fn);
void sh_test_fail(const char *file, int line, const char *expr);
extern int sh_test_failed_now;

#define TEST(name)                                                                                           \
    static void test_##name(void);                                                                           \
    __attribute__((constructor)) static void register_##name(void) { sh_test_register(#name, test_##name); } \
    static void test_##name(void)

#define CHECK(expr)                                                                                          \
    do {                                                                                                     \
        if (!(expr))                                                                                         \
            sh_test_fail(__FILE__, __LINE__, #expr);                                                         \
    } while (0)

#define REQUIRE(expr)                                                                                        \
    do {                                                                                                     \
        if (!(expr)) {                                                                                       \
            sh_test_fail(__FILE__, __LINE__, #expr);                                                         \
            return;                                                                                          \
        }                                                                                                    \
    } while (0)

#define CHECK_STR(a, b)                                                                                      \
    do {                                                                                                     \
        const char *a_ = (a), *b_ = (b);                                                                     \
        if (!a_ || !b_ || strcmp(a_, b_) != 0) {                                                             \
            char m_[512];                                                                                    \
            snprintf(m_, sizeof m_, "%s == %s (\"%s\" vs \"%s\")", #a, #b, a_ ? a_ : "(null)",               \
                     b_ ? b_ : "(null)");                                                                    \
            sh_test_fail(__FILE__, __LINE__, m_);                                                            \
        }                                                                                                    \
    } while (0)

/* A temporary folder for this test run (created once). */
const char *sh_test_tmpdir(void);

#endif
