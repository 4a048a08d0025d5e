/*
 * hl_intr.c - -o intr: when the kernel interrupts a request (the caller
 * got a signal), the thread running the file system's operation for it
 * gets intr_signal (SIGUSR1 by default), as libfuse does, so that a
 * blocking system call in the operation returns EINTR and the operation
 * can give up early. Off by default: registering the interrupt callback
 * detaches each request from its worker, which costs a buffer switch.
 *
 * Each worker thread has one record: the request it is running now. The
 * callback runs on another worker and signals the thread only if that
 * thread still runs this very request (checked under intr_lock); a request
 * answered meanwhile cannot be confused with a later one, since the session
 * keeps the request's buffer until the callback is done.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <string.h>

#include "fuse/hl_i.h"

struct hl_intr_thread {
    struct fuse *f;
    pthread_t thread;
    fuse_req_t req; /* NULL between operations */
    bool unblocked; /* intr_signal is unblocked on this thread */
};

static _Thread_local struct hl_intr_thread self;

/* Its only job is to exist: a signal with a handler (and no SA_RESTART)
 * interrupts a blocking call instead of killing the process. */
static void intr_handler(int sig)
{
    (void)sig;
}

void hl_intr_setup(struct fuse *f)
{
    pthread_mutex_init(&f->intr_lock, NULL);
    f->intr_ready = true;
    struct sigaction old;
    if (sigaction(f->conf.intr_signal, NULL, &old) != 0 || old.sa_handler != SIG_DFL)
        return; /* the program handles it itself */
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = intr_handler;
    sigemptyset(&sa.sa_mask);
    if (sigaction(f->conf.intr_signal, &sa, NULL) == 0)
        f->intr_installed = true;
}

void hl_intr_teardown(struct fuse *f)
{
    if (!f->intr_ready)
        return;
    if (f->intr_installed) {
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = SIG_DFL;
        sigemptyset(&sa.sa_mask);
        sigaction(f->conf.intr_signal, &sa, NULL);
        f->intr_installed = false;
    }
    pthread_mutex_destroy(&f->intr_lock);
    f->intr_ready = false;
}

static void intr_fire(fuse_req_t req, void *data)
{
    struct hl_intr_thread *t = data;
    struct fuse *f = t->f;
    pthread_mutex_lock(&f->intr_lock);
    if (t->req == req)
        pthread_kill(t->thread, f->conf.intr_signal);
    pthread_mutex_unlock(&f->intr_lock);
}

void hl_intr_enter(struct fuse *f, fuse_req_t req)
{
    if (!self.unblocked) {
        /* The session starts its workers with every signal blocked; this
         * one must get through (libfuse's workers block only the
         * terminating signals). */
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, f->conf.intr_signal);
        pthread_sigmask(SIG_UNBLOCK, &set, NULL);
        self.unblocked = true;
    }
    pthread_mutex_lock(&f->intr_lock);
    self.f = f;
    self.thread = pthread_self();
    self.req = req;
    pthread_mutex_unlock(&f->intr_lock);
    /* Last: if the INTERRUPT came already, intr_fire runs now, here. */
    fuse_req_interrupt_func(req, intr_fire, &self);
}

void hl_intr_leave(struct fuse *f)
{
    pthread_mutex_lock(&f->intr_lock);
    self.req = NULL;
    pthread_mutex_unlock(&f->intr_lock);
}
