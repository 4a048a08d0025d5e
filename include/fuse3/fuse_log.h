/*
 * fuse_log.h - FSP's FUSE 3 logging hook (libfuse-compatible API).
 *
 * Every message the FUSE library prints goes through fuse_log(); a program
 * may redirect them (to syslog, say) with fuse_set_log_func().
 */
#ifndef FUSE_LOG_H_
#define FUSE_LOG_H_

#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Same order and values as syslog's LOG_EMERG..LOG_DEBUG. */
enum fuse_log_level {
    FUSE_LOG_EMERG,
    FUSE_LOG_ALERT,
    FUSE_LOG_CRIT,
    FUSE_LOG_ERR,
    FUSE_LOG_WARNING,
    FUSE_LOG_NOTICE,
    FUSE_LOG_INFO,
    FUSE_LOG_DEBUG
};

typedef void (*fuse_log_func_t)(enum fuse_log_level level, const char *fmt, va_list ap);

/* NULL restores the default (stderr). */
void fuse_set_log_func(fuse_log_func_t func);
void fuse_log(enum fuse_log_level level, const char *fmt, ...);

#ifdef __cplusplus
}
#endif

#endif /* FUSE_LOG_H_ */
