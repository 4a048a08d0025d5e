/*
 * check.h - the unit tests' tiny harness.
 *
 * A test file defines test functions with TEST(name) and lists them in
 * main() via RUN(name). CHECK(cond) records a failure and carries on, so
 * one run reports every broken expectation; each test prints PASS or FAIL,
 * and the program ends with "N passed, N failed" and a matching exit code.
 */
#ifndef FSP_TEST_CHECK_H
#define FSP_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failed_in_test;
static int check_tests_passed, check_tests_failed;

#define TEST(name) static void test_##name(void)

#define CHECK(cond)                                                                    \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
            check_failed_in_test = 1;                                                  \
        }                                                                              \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                                      \
    do {                                                                                        \
        long long check_a_ = (long long)(a), check_b_ = (long long)(b);                         \
        if (check_a_ != check_b_) {                                                             \
            fprintf(stderr, "  %s:%d: %s == %s failed: %lld != %lld\n", __FILE__, __LINE__, #a, \
                    #b, check_a_, check_b_);                                                    \
            check_failed_in_test = 1;                                                           \
        }                                                                                       \
    } while (0)

#define CHECK_EQ_STR(a, b)                                                                      \
    do {                                                                                        \
        const char *check_a_ = (a), *check_b_ = (b);                                            \
        if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_) != 0) {                        \
            fprintf(stderr, "  %s:%d: %s == %s failed: \"%s\" != \"%s\"\n", __FILE__, __LINE__, \
                    #a, #b, check_a_ ? check_a_ : "(null)", check_b_ ? check_b_ : "(null)");    \
            check_failed_in_test = 1;                                                           \
        }                                                                                       \
    } while (0)

#define RUN(name)                       \
    do {                                \
        check_failed_in_test = 0;       \
        test_##name();                  \
        if (check_failed_in_test) {     \
            check_tests_failed++;       \
            printf("FAIL %s\n", #name); \
        } else {                        \
            check_tests_passed++;       \
            printf("PASS %s\n", #name); \
        }                               \
        fflush(stdout);                 \
    } while (0)

#define CHECK_DONE()                                                           \
    (printf("%d passed, %d failed\n", check_tests_passed, check_tests_failed), \
     check_tests_failed ? 1 : 0)

#endif /* FSP_TEST_CHECK_H */
