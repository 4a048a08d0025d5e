/*
 * reply.c - answering requests (from any thread) and notifying the kernel.
 *
 * A reply is one writev() on the fd the request was read from: the out
 * header, then the caller's iovecs, no copy. Once written, the request is
 * released: a deferred request's buffers go back to the free list.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "kernel/internal.h"

/* Enough for any reply the adapters build; more is refused with EIO. */
#define FSP_REPLY_MAX_IOV 32
/* The kernel's limit on a name in a notification (FUSE_NAME_MAX). */
#define FSP_NOTIFY_NAME_MAX 1024

const struct fuse_in_header *fsp_req_header(const struct fsp_req *req)
{
    return req->hdr;
}

struct fsp_session *fsp_req_session(const struct fsp_req *req)
{
    return req->se;
}

bool fsp_req_interrupted(const struct fsp_req *req)
{
    if (atomic_load_explicit(&((struct fsp_req *)req)->interrupted, memory_order_relaxed))
        return true;
    /* Not deferred: an INTERRUPT marks the worker it runs on (worker.c). */
    struct fsp_worker *w = req->worker;
    if (!w)
        return false;
    if (atomic_load_explicit(&w->intr_unique, memory_order_relaxed) == req->hdr->unique)
        return true;
    /* A caller's own loop (external.c) is not among the workers INTERRUPT
     * scans: its INTERRUPT waits in the pending ring. */
    if (w->external && atomic_load(&req->se->pending_intr_count)) {
        struct fsp_req *r = (struct fsp_req *)req;
        fsp_take_pending_interrupt(r->se, r);
        return atomic_load(&r->interrupted);
    }
    return false;
}

void *fsp_req_scratch(struct fsp_req *req, size_t *size)
{
    if (size)
        *size = req->bs->scratch_size;
    return req->bs->scratch;
}

void fsp_req_defer(struct fsp_req *req)
{
    struct fsp_session *se = req->se;
    pthread_mutex_lock(&se->lock);
    if (req->state == FSP_REQ_ACTIVE && req->worker) {
        /* The worker sees lost_buffer when the handler returns and takes a
         * spare; the bufset now belongs to the request until it is answered. */
        req->worker->lost_buffer = true;
        fsp_worker_hand_over(req->worker, req); /* INTERRUPT now finds it listed */
        req->worker = NULL;
        req->state = FSP_REQ_DEFERRED;
        se->ndeferred++;
    }
    pthread_mutex_unlock(&se->lock);
}

/* A deferred request's buffers go back to the free list (se->lock held). A
 * ring entry keeps its buffers: its commit hands them back to the kernel. */
static void give_back(struct fsp_session *se, struct fsp_req *req)
{
    if (!req->ring_ent) {
        req->bs->next_free = se->free_bufs;
        se->free_bufs = req->bs;
    }
    se->ndeferred--;
    pthread_cond_broadcast(&se->cond);
}

bool fsp_req_release(struct fsp_req *req)
{
    struct fsp_session *se = req->se;
    bool free_now = true;
    if (!req->in_list && req->state != FSP_REQ_DEFERRED) {
        req->state = FSP_REQ_DONE; /* common case: nothing shared to touch */
        return true;
    }
    pthread_mutex_lock(&se->lock);
    if (req->in_list) {
        if (req->prev)
            req->prev->next = req->next;
        else
            se->inflight = req->next;
        if (req->next)
            req->next->prev = req->prev;
        req->in_list = false;
    }
    if (req->state == FSP_REQ_DEFERRED) {
        /* An interrupt callback still looks at the request: the last one
         * to finish gives the buffers back. */
        if (req->intr_running)
            req->release_pending = true;
        else
            give_back(se, req);
        free_now = !req->release_pending;
    }
    req->intr_fn = NULL;
    req->state = FSP_REQ_DONE;
    pthread_mutex_unlock(&se->lock);
    return free_now;
}

void fsp_req_run_interrupt(struct fsp_req *req, fsp_intr_fn *fn, void *data)
{
    struct fsp_session *se = req->se;
    struct fsp_uring_ent *commit = NULL;
    fn(req, data);
    pthread_mutex_lock(&se->lock);
    if (--req->intr_running == 0 && req->release_pending) {
        req->release_pending = false;
        give_back(se, req);
        commit = req->ring_ent; /* read before another thread may reuse req */
    }
    pthread_mutex_unlock(&se->lock);
    /* The reply of a ring request waited for us: hand its entry back now. */
    if (commit)
        fsp_uring_commit(commit, true);
}

void fsp_req_on_interrupt(struct fsp_req *req, fsp_intr_fn *fn, void *data)
{
    struct fsp_session *se = req->se;
    if (req->noreply)
        return; /* FORGET and the like are never interrupted */
    if (fn)
        fsp_req_defer(req); /* the buffers must outlive the worker's turn */
    pthread_mutex_lock(&se->lock);
    if (req->state == FSP_REQ_DONE) {
        pthread_mutex_unlock(&se->lock);
        return;
    }
    req->intr_fn = fn;
    req->intr_data = data;
    bool now = fn && atomic_load(&req->interrupted);
    if (now)
        req->intr_running++;
    pthread_mutex_unlock(&se->lock);
    if (now)
        fsp_req_run_interrupt(req, fn, data);
}

int fsp_reply_raw(struct fsp_req *req, int err, const struct iovec *iov, int count)
{
    struct fsp_session *se = req->se;
    struct iovec v[1 + FSP_REPLY_MAX_IOV];
    struct fuse_out_header oh;
    size_t size = 0;

    if (req->state == FSP_REQ_DONE) {
        fsp_log("fsp: second reply to unique=%llu ignored", (unsigned long long)req->hdr->unique);
        return -EINVAL;
    }
    if (req->noreply) {
        fsp_req_release(req);
        return 0;
    }
    if (err < 0)
        err = -err; /* be forgiving about the sign */
    /* The kernel accepts only errors in (-512, 0]. */
    if (err >= 512)
        err = EIO;
    if (count < 0 || count > FSP_REPLY_MAX_IOV || (count > 0 && !iov)) {
        fsp_log("fsp: reply with %d iovecs refused", count);
        err = EIO;
    }
    if (err)
        count = 0;
    for (int i = 0; i < count; i++) {
        v[1 + i] = iov[i];
        size += iov[i].iov_len;
    }
    oh.len = (uint32_t)(sizeof(oh) + size);
    oh.error = -err;
    oh.unique = req->hdr->unique;
    v[0].iov_base = &oh;
    v[0].iov_len = sizeof(oh);

    if (fsp_debug(se))
        fsp_log("fsp:    unique=%llu -> error=%d%s%s size=%zu", (unsigned long long)oh.unique, -err,
                err ? " " : "", err ? strerror(err) : "", size);

    if (req->ring_ent)
        return fsp_uring_reply(req, v, 1 + count);

    ssize_t n;
    do
        n = fsp_io_writev(se, req->fd, v, 1 + count);
    while (n < 0 && errno == EINTR);
    int rc = 0;
    if (n < 0) {
        int e = errno;
        /* ENOENT: the request was interrupted and is gone; normal. */
        if (e != ENOENT) {
            rc = -e;
            if (e != ENODEV && e != ECONNABORTED && e != ENOTCONN)
                fsp_log("fsp: reply to unique=%llu failed: %s", (unsigned long long)oh.unique,
                        strerror(e));
        }
    }
    fsp_req_release(req);
    return rc;
}

int fsp_reply_err(struct fsp_req *req, int err)
{
    return fsp_reply_raw(req, err, NULL, 0);
}

int fsp_reply_buf(struct fsp_req *req, const void *data, size_t size)
{
    struct iovec iov = {(void *)data, size};
    return fsp_reply_raw(req, 0, &iov, size ? 1 : 0);
}

int fsp_reply_iov(struct fsp_req *req, const struct iovec *iov, int count)
{
    return fsp_reply_raw(req, 0, iov, count);
}

void fsp_reply_none(struct fsp_req *req)
{
    if (req->state != FSP_REQ_DONE)
        fsp_req_release(req);
}

/* --- Notifications ---------------------------------------------------------- */

static int notify(struct fsp_session *se, int code, struct iovec *iov, int count)
{
    struct fuse_out_header oh;
    size_t size = 0;
    for (int i = 1; i < count; i++)
        size += iov[i].iov_len;
    oh.len = (uint32_t)(sizeof(oh) + size);
    oh.error = code; /* a notification: unique 0, the code in error */
    oh.unique = 0;
    iov[0].iov_base = &oh;
    iov[0].iov_len = sizeof(oh);
    if (se->fd < 0)
        return -ENOTCONN;
    /* On an io_uring queue thread, replies wait for its next io_uring_enter.
     * A notification must not overtake them: an INVAL_ENTRY sent after the
     * UNLINK reply would wait for the directory lock its caller holds until
     * that reply arrives. */
    fsp_uring_flush_answers();
    ssize_t n;
    do
        n = fsp_io_writev(se, se->fd, iov, count);
    while (n < 0 && errno == EINTR);
    int rc = n < 0 ? -errno : 0;
    if (fsp_debug(se))
        fsp_log("fsp: notify code=%d size=%zu -> %d", code, size, rc);
    return rc;
}

int fsp_notify_raw(struct fsp_session *se, int code, struct iovec *iov, int count)
{
    if (count < 1 || count > 8 || !iov)
        return -EINVAL;
    return notify(se, code, iov, count);
}

int fsp_notify_inval_inode(struct fsp_session *se, uint64_t nodeid, int64_t off, int64_t len)
{
    struct fuse_notify_inval_inode_out out = {.ino = nodeid, .off = off, .len = len};
    struct iovec iov[2] = {{0}, {&out, sizeof(out)}};
    return notify(se, FUSE_NOTIFY_INVAL_INODE, iov, 2);
}

int fsp_notify_inval_entry(struct fsp_session *se, uint64_t parent, const char *name,
                           size_t namelen)
{
    if (namelen > FSP_NOTIFY_NAME_MAX)
        return -ENAMETOOLONG;
    struct fuse_notify_inval_entry_out out = {.parent = parent, .namelen = (uint32_t)namelen};
    /* The kernel wants the name NUL-terminated. */
    struct iovec iov[4] = {{0}, {&out, sizeof(out)}, {(void *)name, namelen}, {"", 1}};
    return notify(se, FUSE_NOTIFY_INVAL_ENTRY, iov, 4);
}

int fsp_notify_delete(struct fsp_session *se, uint64_t parent, uint64_t child, const char *name,
                      size_t namelen)
{
    if (namelen > FSP_NOTIFY_NAME_MAX)
        return -ENAMETOOLONG;
    struct fuse_notify_delete_out out = {
        .parent = parent, .child = child, .namelen = (uint32_t)namelen};
    struct iovec iov[4] = {{0}, {&out, sizeof(out)}, {(void *)name, namelen}, {"", 1}};
    return notify(se, FUSE_NOTIFY_DELETE, iov, 4);
}
