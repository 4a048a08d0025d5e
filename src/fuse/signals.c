/*
 * signals.c - fuse_set_signal_handlers: SIGHUP, SIGINT and SIGTERM end the
 * session (the loop returns the signal number, as libfuse's does); SIGPIPE
 * is caught and ignored so that writing to a closed pipe cannot kill the
 * file system. Handlers are installed only where the program has none.
 */
#include <signal.h>
#include <stdatomic.h>
#include <string.h>

#include "fuse/fuse_i.h"

static struct fuse_session *_Atomic signal_session;

static void exit_handler(int sig)
{
    struct fuse_session *se = atomic_load(&signal_session);
    if (se) {
        se->error = sig;
        fuse_session_exit(se);
    }
}

static void do_nothing(int sig)
{
    (void)sig;
}

static int set_one(int sig, void (*handler)(int), int remove)
{
    struct sigaction sa, old;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = remove ? SIG_DFL : handler;
    sigemptyset(&sa.sa_mask);
    if (sigaction(sig, NULL, &old) == -1) {
        fuse_log(FUSE_LOG_ERR, "fuse: cannot get old signal handler\n");
        return -1;
    }
    /* Install over the default only; remove only what is ours. */
    if (old.sa_handler == (remove ? handler : SIG_DFL) && sigaction(sig, &sa, NULL) == -1) {
        fuse_log(FUSE_LOG_ERR, "fuse: cannot set signal handler\n");
        return -1;
    }
    return 0;
}

FSP_FUSE_EXPORT int fuse_set_signal_handlers(struct fuse_session *se)
{
    /* The session is published first so no signal finds it missing. */
    atomic_store(&signal_session, se);
    if (set_one(SIGHUP, exit_handler, 0) == -1 || set_one(SIGINT, exit_handler, 0) == -1 ||
        set_one(SIGTERM, exit_handler, 0) == -1 || set_one(SIGPIPE, do_nothing, 0) == -1)
        return -1;
    return 0;
}

FSP_FUSE_EXPORT void fuse_remove_signal_handlers(struct fuse_session *se)
{
    if (atomic_load(&signal_session) != se)
        fuse_log(FUSE_LOG_ERR, "fuse: fuse_remove_signal_handlers: unknown session\n");
    else
        atomic_store(&signal_session, NULL);
    set_one(SIGHUP, exit_handler, 1);
    set_one(SIGINT, exit_handler, 1);
    set_one(SIGTERM, exit_handler, 1);
    set_one(SIGPIPE, do_nothing, 1);
}
