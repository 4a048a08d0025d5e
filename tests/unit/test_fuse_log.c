/*
 * test_fuse_log.c - fuse_set_log_func: the library's messages (here the
 * refusal of an unknown option by fuse_session_new) reach the function a
 * program installs, with their level, and go back to stderr after
 * fuse_set_log_func(NULL). fuse_log itself reaches the same function.
 */
#define _GNU_SOURCE
#define FUSE_USE_VERSION 314
#include <fuse_log.h>
#include <fuse_lowlevel.h>

#include <stdarg.h>
#include <stdio.h>

#include "check.h"

static char logged[512];
static int calls;
static enum fuse_log_level last_level;

static void capture(enum fuse_log_level level, const char *fmt, va_list ap)
{
    size_t n = strlen(logged);
    vsnprintf(logged + n, sizeof(logged) - n, fmt, ap);
    last_level = level;
    calls++;
}

static const struct fuse_lowlevel_ops no_ops;

TEST(library_messages_reach_the_log_function)
{
    fuse_set_log_func(capture);
    char *argv[] = {"prog", "-o", "no_such_option", NULL};
    struct fuse_args args = FUSE_ARGS_INIT(3, argv);
    struct fuse_session *se = fuse_session_new(&args, &no_ops, sizeof(no_ops), NULL);
    fuse_opt_free_args(&args);
    CHECK(se == NULL);
    CHECK(calls > 0);
    CHECK(strstr(logged, "unknown option(s)") != NULL);
    CHECK(strstr(logged, "no_such_option") != NULL);
    CHECK_EQ_INT((int)last_level, (int)FUSE_LOG_ERR);

    logged[0] = 0;
    fuse_log(FUSE_LOG_DEBUG, "value %d\n", 7);
    CHECK_EQ_STR(logged, "value 7\n");
    CHECK_EQ_INT((int)last_level, (int)FUSE_LOG_DEBUG);
}

TEST(null_restores_the_default)
{
    fuse_set_log_func(NULL);
    int before = calls;
    fuse_log(FUSE_LOG_ERR, "test_fuse_log: this line goes to stderr\n");
    CHECK_EQ_INT(calls, before);
}

int main(void)
{
    RUN(library_messages_reach_the_log_function);
    RUN(null_restores_the_default);
    return CHECK_DONE();
}
