/*
 * memfs_slowio.c - MEMFS's slow I/O mode (-M MaxDelay, -P PercentDelay,
 * -R RarefyDelay), as in WinFsp's MEMFS: Read, Write and ReadDirectory take
 * a random time, and a given share of them completes asynchronously, with
 * STATUS_PENDING and a later FspFileSystemSendResponse from another thread.
 * It exists to exercise the asynchronous path of FSP (and of a client) with
 * a file system whose answers are otherwise ordinary.
 *
 * Every such operation sleeps  random(0..MaxDelay) >> random(0..RarefyDelay)
 * milliseconds: the shift makes long delays rarer as RarefyDelay grows.
 * PercentDelay percent of them (chosen at random) return STATUS_PENDING; a
 * thread of their own sleeps and sends the response. The others sleep in
 * the dispatcher thread and return normally.
 *
 * One difference from WinFsp's MEMFS, and why: there the pending thread
 * performs the operation after its sleep, while WinFsp's FSD keeps the
 * file's locks until the response arrives. FSP's adapter releases its
 * per-file locks when the operation returns, so an operation performed
 * later could race a truncate or another write of the same file. Here the
 * operation is performed at once, under the adapter's locks, and only its
 * response is delayed; what a client sees (STATUS_PENDING, then a response
 * from another thread after a delay) is the same.
 */
#define _GNU_SOURCE /* pthread_setname_np */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "memfs.h"

struct memfs_slowio {
    uint32_t max_delay, percent_delay, rarefy_delay;
    pthread_mutex_t lock;
    pthread_cond_t idle; /* signalled when running drops to 0 */
    unsigned running;    /* response threads not yet finished */
};

struct slowio_job {
    FSP_FILE_SYSTEM *fs;
    struct memfs_slowio *sio;
    FSP_FSCTL_TRANSACT_RSP rsp;
};

/* A per-thread xorshift generator: the quality needed is "not obviously
 * periodic", and no lock is taken on the I/O path. */
static uint32_t slowio_random(uint32_t bound)
{
    static _Thread_local uint64_t state;
    if (!state) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        state = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)(uintptr_t)&ts ^ 0x9e3779b97f4a7c15ull;
    }
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return bound ? (uint32_t)(state % bound) : 0;
}

static void slowio_snooze(const struct memfs_slowio *sio)
{
    uint32_t ms = slowio_random(sio->max_delay + 1) >> slowio_random(sio->rarefy_delay + 1);
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

NTSTATUS memfs_slowio_create(struct memfs *m, uint32_t max_delay, uint32_t percent_delay,
                             uint32_t rarefy_delay)
{
    m->slowio = NULL;
    if (!max_delay)
        return STATUS_SUCCESS; /* off, as in WinFsp: no delay, nothing pends */
    struct memfs_slowio *sio = calloc(1, sizeof *sio);
    if (!sio)
        return STATUS_INSUFFICIENT_RESOURCES;
    sio->max_delay = max_delay;
    sio->percent_delay = percent_delay;
    sio->rarefy_delay = rarefy_delay;
    pthread_mutex_init(&sio->lock, NULL);
    pthread_cond_init(&sio->idle, NULL);
    m->slowio = sio;
    return STATUS_SUCCESS;
}

void memfs_slowio_delete(struct memfs *m)
{
    struct memfs_slowio *sio = m->slowio;
    if (!sio)
        return;
    memfs_slowio_drain(m);
    pthread_mutex_destroy(&sio->lock);
    pthread_cond_destroy(&sio->idle);
    free(sio);
    m->slowio = NULL;
}

void memfs_slowio_drain(struct memfs *m)
{
    struct memfs_slowio *sio = m->slowio;
    if (!sio)
        return;
    pthread_mutex_lock(&sio->lock);
    while (sio->running)
        pthread_cond_wait(&sio->idle, &sio->lock);
    pthread_mutex_unlock(&sio->lock);
}

static void *slowio_thread(void *arg)
{
    struct slowio_job *job = arg;
    struct memfs_slowio *sio = job->sio;
    /* Named, so that a test (or a curious user) sees responses in flight
     * in /proc/PID/task/N/comm. */
    pthread_setname_np(pthread_self(), "memfs-slowio");
    slowio_snooze(sio);
    FspFileSystemSendResponse(job->fs, &job->rsp);
    free(job);
    pthread_mutex_lock(&sio->lock);
    if (--sio->running == 0)
        pthread_cond_broadcast(&sio->idle);
    pthread_mutex_unlock(&sio->lock);
    return NULL;
}

/* Hands the finished operation's response to a thread of its own; false
 * when that cannot be done (the caller then answers synchronously). */
static bool slowio_pend(FSP_FILE_SYSTEM *fs, struct memfs_slowio *sio, NTSTATUS status, ULONG bytes,
                        const FSP_FSCTL_FILE_INFO *info)
{
    FSP_FILE_SYSTEM_OPERATION_CONTEXT *ctx = FspFileSystemGetOperationContext();
    if (!ctx || !ctx->Request)
        return false;
    struct slowio_job *job = calloc(1, sizeof *job);
    if (!job)
        return false;
    job->fs = fs;
    job->sio = sio;
    job->rsp.Size = sizeof job->rsp;
    job->rsp.Kind = ctx->Request->Kind;
    job->rsp.Hint = ctx->Request->Hint;
    job->rsp.IoStatus.Status = (UINT32)status;
    job->rsp.IoStatus.Information = NT_SUCCESS(status) ? bytes : 0;
    if (info)
        job->rsp.Rsp.Write.FileInfo = *info;

    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_mutex_lock(&sio->lock);
    sio->running++;
    pthread_t t;
    int err = pthread_create(&t, &attr, slowio_thread, job);
    if (err)
        sio->running--;
    pthread_mutex_unlock(&sio->lock);
    pthread_attr_destroy(&attr);
    if (err) {
        free(job);
        return false;
    }
    return true;
}

NTSTATUS memfs_slowio_finish(FSP_FILE_SYSTEM *fs, NTSTATUS status, PULONG pbytes_transferred,
                             const FSP_FSCTL_FILE_INFO *info)
{
    struct memfs *m = fs->UserContext;
    struct memfs_slowio *sio = m->slowio;
    if (!sio)
        return status;
    if (slowio_random(100) < sio->percent_delay &&
        slowio_pend(fs, sio, status, *pbytes_transferred, info))
        return STATUS_PENDING;
    slowio_snooze(sio);
    return status;
}
