/*
 * runner.c - runs a test's timed loop on --threads threads.
 *
 * The threads are created first and wait for a start signal; the clock starts
 * when it is given and stops when the last thread has been joined, so thread
 * creation is not timed.
 */
#include "fsbench.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

struct start {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int go;    /* the timed loop may start */
    int abort; /* ...or not: a thread could not be created */
};

struct worker {
    pthread_t thread;
    struct start *start;
    fsb_work_fn fn;
    void *ctx;
    unsigned tid, nthreads;
    int rc;
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct start *s = w->start;

    pthread_mutex_lock(&s->lock);
    while (!s->go)
        pthread_cond_wait(&s->cond, &s->lock);
    int abort = s->abort;
    pthread_mutex_unlock(&s->lock);
    w->rc = abort ? -1 : w->fn(w->ctx, w->tid, w->nthreads);
    return NULL;
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double fsb_run_threads(unsigned nthreads, fsb_work_fn fn, void *ctx)
{
    struct start s = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};
    struct worker *w = calloc(nthreads, sizeof(*w));
    unsigned started = 0;
    int failed = 0;

    if (w == NULL) {
        fsb_fail("out of memory");
        return -1;
    }
    for (; started < nthreads; started++) {
        struct worker *x = &w[started];
        x->start = &s;
        x->fn = fn;
        x->ctx = ctx;
        x->tid = started;
        x->nthreads = nthreads;
        int err = pthread_create(&x->thread, NULL, worker_main, x);
        if (err != 0) {
            errno = err;
            fsb_fail("pthread_create:");
            failed = 1;
            break;
        }
    }
    double t0 = now();
    pthread_mutex_lock(&s.lock);
    s.go = 1;
    s.abort = failed;
    pthread_cond_broadcast(&s.cond);
    pthread_mutex_unlock(&s.lock);
    for (unsigned i = 0; i < started; i++) {
        pthread_join(w[i].thread, NULL);
        failed |= w[i].rc != 0;
    }
    double t1 = now();
    free(w);
    return failed ? -1 : t1 - t0;
}
