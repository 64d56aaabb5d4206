/* testhelp.h - the whole unit test framework.
 *
 * CHECK(cond) prints "ok FILE:LINE cond" or "FAIL FILE:LINE cond"; the
 * runner (tests/run.sh) counts the lines.  CHECK_EQ and CHECK_STR print both
 * values when they differ.  TEST_DONE() is main's return value.
 */
#ifndef TT_TESTHELP_H
#define TT_TESTHELP_H

#include <stdio.h>
#include <string.h>

static int test_failed;

#define CHECK(cond)                                                       \
    do {                                                                  \
        int ok_ = !!(cond);                                               \
        printf("%s %s:%d %s\n", ok_ ? "ok" : "FAIL", __FILE__, __LINE__,  \
               #cond);                                                    \
        test_failed += !ok_;                                              \
    } while (0)

#define CHECK_EQ(a, b)                                                    \
    do {                                                                  \
        long long a_ = (long long)(a), b_ = (long long)(b);               \
        printf("%s %s:%d %s == %s", a_ == b_ ? "ok" : "FAIL", __FILE__,   \
               __LINE__, #a, #b);                                         \
        if (a_ != b_)                                                     \
            printf(" (%lld != %lld)", a_, b_);                            \
        putchar('\n');                                                    \
        test_failed += a_ != b_;                                          \
    } while (0)

#define CHECK_STR(a, b)                                                   \
    do {                                                                  \
        const char *a_ = (a), *b_ = (b);                                  \
        int ok_ = a_ && b_ && strcmp(a_, b_) == 0;                        \
        printf("%s %s:%d %s == %s", ok_ ? "ok" : "FAIL", __FILE__,        \
               __LINE__, #a, #b);                                         \
        if (!ok_)                                                         \
            printf("\n    got:      %s\n    expected: %s", a_ ? a_ : "(null)", \
                   b_ ? b_ : "(null)");                                   \
        putchar('\n');                                                    \
        test_failed += !ok_;                                              \
    } while (0)

/* Text a contains b. */
#define CHECK_STR_HAS(a, b)                                               \
    do {                                                                  \
        const char *a_ = (a), *b_ = (b);                                  \
        int ok_ = a_ && b_ && strstr(a_, b_) != NULL;                     \
        printf("%s %s:%d %s has \"%s\"", ok_ ? "ok" : "FAIL", __FILE__,   \
               __LINE__, #a, b_ ? b_ : "(null)");                         \
        if (!ok_)                                                         \
            printf("\n    in: %s", a_ ? a_ : "(null)");                   \
        putchar('\n');                                                    \
        test_failed += !ok_;                                              \
    } while (0)

#define TEST_DONE() (test_failed ? 1 : 0)

#endif
