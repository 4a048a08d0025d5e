/*
 * log.c - fuse_log and its redirection hook. The default writes to stderr.
 */
#include <stdarg.h>
#include <stdio.h>

#include "fuse/fuse_i.h"

static void default_log(enum fuse_log_level level, const char *fmt, va_list ap)
{
    (void)level;
    vfprintf(stderr, fmt, ap);
}

static fuse_log_func_t log_func = default_log;

FSP_FUSE_EXPORT void fuse_set_log_func(fuse_log_func_t func)
{
    log_func = func ? func : default_log;
}

FSP_FUSE_EXPORT void fuse_log(enum fuse_log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_func(level, fmt, ap);
    va_end(ap);
}
