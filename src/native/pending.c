/*
 * pending.c - asynchronous completion: STATUS_PENDING + FspFileSystemSendResponse.
 *
 * A file system may answer Read, Write or ReadDirectory with STATUS_PENDING,
 * keep Request->Hint, and complete later from any thread. The hint is known
 * to the file system before the operation returns, so its response can even
 * arrive before the worker has parked the request: both orders meet in this
 * registry. Parking is the rare path, so a plain list under a mutex will do;
 * the common (synchronous) path never touches it. A response for a hint that
 * never pended is a file system bug; its record stays until the process ends.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pending.h"

struct pending {
    struct pending *next;
    uint64_t hint;
    uint32_t kind;
    struct fsp_req *req; /* parked request (NULL: a waiter, or an early response) */
    void *buf;           /* where Read put its data */
    ULONG length;        /* ... and how much of it the kernel asked for */
    bool waiting, done;
    bool abandoned; /* the waiter timed out; a late response just frees this */
    FSP_FSCTL_TRANSACT_RSP rsp;
};

static pthread_mutex_t pending_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pending_cond = PTHREAD_COND_INITIALIZER;
static struct pending *pending_list;
static _Atomic uint64_t pending_next_hint = 1;

uint64_t fsp_pending_hint(void)
{
    return atomic_fetch_add_explicit(&pending_next_hint, 1, memory_order_relaxed);
}

static struct pending *take(uint64_t hint)
{
    for (struct pending **p = &pending_list; *p; p = &(*p)->next)
        if ((*p)->hint == hint) {
            struct pending *found = *p;
            *p = found->next;
            return found;
        }
    return NULL;
}

static struct pending *find(uint64_t hint)
{
    for (struct pending *p = pending_list; p; p = p->next)
        if (p->hint == hint)
            return p;
    return NULL;
}

/* Answer a parked request from its response. */
static void complete(struct fsp_req *req, uint32_t kind, void *buf, ULONG length,
                     const FSP_FSCTL_TRANSACT_RSP *rsp)
{
    NTSTATUS status = (NTSTATUS)rsp->IoStatus.Status;
    if (kind == FspFsctlTransactReadKind) {
        /* Never trust Information beyond the buffer we handed out. */
        ULONG bytes = rsp->IoStatus.Information;
        if (status == STATUS_END_OF_FILE)
            fsp_reply_buf(req, NULL, 0);
        else if (NT_SUCCESS(status))
            fsp_reply_buf(req, buf, bytes < length ? bytes : length);
        else
            fsp_reply_status(req, status);
    } else if (kind == FspFsctlTransactWriteKind) {
        if (NT_SUCCESS(status)) {
            struct fuse_write_out out = {.size = rsp->IoStatus.Information};
            fsp_reply_buf(req, &out, sizeof out);
        } else
            fsp_reply_status(req, status);
    } else {
        fsp_reply_err(req, EIO);
    }
}

void fsp_pending_park(uint64_t hint, struct fsp_req *req, uint32_t kind, void *buf, ULONG length)
{
    fsp_req_defer(req);
    pthread_mutex_lock(&pending_lock);
    struct pending *early = take(hint);
    if (early) {
        pthread_mutex_unlock(&pending_lock);
        complete(req, kind, buf, length, &early->rsp);
        free(early);
        return;
    }
    struct pending *p = calloc(1, sizeof *p);
    if (!p) {
        pthread_mutex_unlock(&pending_lock);
        fsp_reply_err(req, ENOMEM);
        return;
    }
    p->hint = hint;
    p->kind = kind;
    p->req = req;
    p->buf = buf;
    p->length = length;
    p->next = pending_list;
    pending_list = p;
    pthread_mutex_unlock(&pending_lock);
}

NTSTATUS fsp_pending_wait(uint64_t hint, uint32_t timeout_ms, ULONG *information)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
    if (deadline.tv_nsec >= 1000000000) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000;
    }

    pthread_mutex_lock(&pending_lock);
    struct pending *p = find(hint);
    if (!p) {
        p = calloc(1, sizeof *p);
        if (!p) {
            pthread_mutex_unlock(&pending_lock);
            return STATUS_INSUFFICIENT_RESOURCES;
        }
        p->hint = hint;
        p->waiting = true;
        p->next = pending_list;
        pending_list = p;
    }
    while (!p->done)
        if (pthread_cond_timedwait(&pending_cond, &pending_lock, &deadline) == ETIMEDOUT)
            break;
    if (!p->done) {
        /* Gone past IrpTimeout, as WinFsp cancels such requests. The file
         * system may still answer: leave the record for that answer to
         * collect. The caller must then not reuse the operation's buffer. */
        p->abandoned = true;
        pthread_mutex_unlock(&pending_lock);
        *information = 0;
        return STATUS_IO_TIMEOUT;
    }
    take(hint);
    pthread_mutex_unlock(&pending_lock);
    NTSTATUS status = (NTSTATUS)p->rsp.IoStatus.Status;
    *information = p->rsp.IoStatus.Information;
    free(p);
    return status;
}

FSP_API VOID FspFileSystemSendResponse(FSP_FILE_SYSTEM *FileSystem,
                                       FSP_FSCTL_TRANSACT_RSP *Response)
{
    (void)FileSystem;
    if (!Response)
        return;
    pthread_mutex_lock(&pending_lock);
    struct pending *p = find(Response->Hint);
    if (p && (p->req || p->abandoned)) {
        take(p->hint);
        pthread_mutex_unlock(&pending_lock);
        if (p->req)
            complete(p->req, p->kind, p->buf, p->length, Response);
        free(p);
        return;
    }
    if (!p) {
        /* Early: the worker has not parked the request yet. */
        p = calloc(1, sizeof *p);
        if (!p) {
            pthread_mutex_unlock(&pending_lock);
            return;
        }
        p->hint = Response->Hint;
        p->next = pending_list;
        pending_list = p;
    }
    p->rsp = *Response;
    p->done = true;
    pthread_cond_broadcast(&pending_cond);
    pthread_mutex_unlock(&pending_lock);
}
