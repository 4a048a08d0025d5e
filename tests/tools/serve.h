/*
 * serve.h - how the test file systems (acfs, guardfs, pendfs) run: until
 * unmounted, or until SIGINT, SIGTERM or SIGHUP stops the dispatcher.
 *
 * The signals are blocked before any thread exists (serve_block_signals),
 * so every thread inherits the mask and only a dedicated thread ever sees
 * them, in sigwait; it ends when serve_until_stopped sends it SIGUSR1 once
 * the dispatcher is gone. Header-only: each tool is one program.
 */
#ifndef FSP_TESTS_TOOLS_SERVE_H
#define FSP_TESTS_TOOLS_SERVE_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include <winfsp/winfsp.h>

struct serve_signals {
    sigset_t set;
    FSP_FILE_SYSTEM *fs;
};

/* Call first in main, before any thread starts. */
static inline void serve_block_signals(struct serve_signals *s)
{
    sigemptyset(&s->set);
    sigaddset(&s->set, SIGINT);
    sigaddset(&s->set, SIGTERM);
    sigaddset(&s->set, SIGHUP);
    sigaddset(&s->set, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &s->set, NULL);
}

static inline void *serve_signal_thread(void *arg)
{
    struct serve_signals *s = arg;
    bool stopped = false;
    for (;;) {
        int sig;
        if (sigwait(&s->set, &sig) != 0)
            continue;
        if (sig == SIGUSR1) /* serve_until_stopped: the dispatcher is gone */
            return NULL;
        if (!stopped)
            FspFileSystemStopDispatcher(s->fs);
        stopped = true;
    }
}

/* Serve fs until it is unmounted or a signal stops it: the dispatcher's
 * status (a failure to start is reported on stderr under name). */
static inline NTSTATUS serve_until_stopped(struct serve_signals *s, FSP_FILE_SYSTEM *fs,
                                           const char *name)
{
    pthread_t thr;
    s->fs = fs;
    if (pthread_create(&thr, NULL, serve_signal_thread, s) != 0) {
        fprintf(stderr, "%s: cannot start the signal thread\n", name);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    NTSTATUS st = FspFileSystemStartDispatcher(fs, 0);
    if (!NT_SUCCESS(st))
        fprintf(stderr, "%s: FspFileSystemStartDispatcher: 0x%08x\n", name, (unsigned)st);
    else
        st = FspFileSystemWaitDispatcher(fs);
    pthread_kill(thr, SIGUSR1);
    pthread_join(thr, NULL);
    return st;
}

#endif /* FSP_TESTS_TOOLS_SERVE_H */
