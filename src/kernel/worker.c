/*
 * worker.c - the worker pool's read loop: read a request, check it, hand it
 * to the operations table.
 *
 * Each worker reads from its own clone of the session fd (the kernel keeps a
 * processing queue per fd, so the reply must go to the fd the request came
 * from) into a buffer it owns; nothing on this path allocates. INTERRUPT is
 * handled here by marking the target request.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kernel/internal.h"

/* --- Buffers --------------------------------------------------------------- */

struct fsp_bufset *fsp_bufset_new(size_t in_size, size_t scratch_size)
{
    struct fsp_bufset *bs = calloc(1, sizeof(*bs));
    if (!bs)
        return NULL;
    bs->req.bs = bs;
    bs->in_size = in_size;
    bs->scratch_size = scratch_size;
    bs->in = malloc(bs->in_size);
    bs->scratch = malloc(bs->scratch_size);
    if (!bs->in || !bs->scratch) {
        fsp_bufset_free(bs);
        return NULL;
    }
    return bs;
}

void fsp_bufset_free(struct fsp_bufset *bs)
{
    if (!bs)
        return;
    free(bs->in);
    free(bs->scratch);
    free(bs);
}

/* A worker whose buffer left with a deferred request takes a spare one: from
 * the free list if possible, else a new one; if memory is short it waits for
 * a deferred reply to return one. NULL only when the session is over. */
struct fsp_bufset *fsp_bufset_take(struct fsp_session *se)
{
    struct fsp_bufset *bs;

    pthread_mutex_lock(&se->lock);
    for (;;) {
        bs = se->free_bufs;
        if (bs) {
            se->free_bufs = bs->next_free;
            break;
        }
        pthread_mutex_unlock(&se->lock);
        bs = fsp_bufset_new(se->buf_in_size, se->buf_scratch_size);
        pthread_mutex_lock(&se->lock);
        if (bs)
            break;
        if (atomic_load(&se->exited))
            break;
        fsp_log("fsp: out of memory for a request buffer; waiting for one to free up");
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 1;
        pthread_cond_timedwait(&se->cond, &se->lock, &ts);
    }
    pthread_mutex_unlock(&se->lock);
    return bs;
}

/* --- Request shape checks -------------------------------------------------- */

/* Fixed input size per opcode (as the kernel sends it at our minor), and
 * whether the payload ends in a NUL-terminated name, so handlers may use
 * string functions on it safely. */
struct op_shape {
    uint16_t min;
    bool ends_in_name;
};

#define FIXED(s)                \
    {                           \
        sizeof(struct s), false \
    }
#define NAMED(s)                   \
    {                              \
        sizeof(struct s) + 1, true \
    }

static const struct op_shape shapes[FSP_FUSE_OPCODE_MAX] = {
    [FUSE_LOOKUP] = {1, true},
    [FUSE_FORGET] = FIXED(fuse_forget_in),
    [FUSE_GETATTR] = FIXED(fuse_getattr_in),
    [FUSE_SETATTR] = FIXED(fuse_setattr_in),
    [FUSE_SYMLINK] = {2, true},
    [FUSE_MKNOD] = NAMED(fuse_mknod_in),
    [FUSE_MKDIR] = NAMED(fuse_mkdir_in),
    [FUSE_UNLINK] = {1, true},
    [FUSE_RMDIR] = {1, true},
    [FUSE_RENAME] = {sizeof(struct fuse_rename_in) + 2, true},
    [FUSE_LINK] = NAMED(fuse_link_in),
    [FUSE_OPEN] = FIXED(fuse_open_in),
    [FUSE_READ] = FIXED(fuse_read_in),
    [FUSE_WRITE] = FIXED(fuse_write_in),
    [FUSE_RELEASE] = FIXED(fuse_release_in),
    [FUSE_FSYNC] = FIXED(fuse_fsync_in),
    /* Without FUSE_SETXATTR_EXT the kernel sends only size and flags. */
    [FUSE_SETXATTR] = {8 + 1, false},
    [FUSE_GETXATTR] = NAMED(fuse_getxattr_in),
    [FUSE_LISTXATTR] = FIXED(fuse_getxattr_in),
    [FUSE_REMOVEXATTR] = {1, true},
    [FUSE_FLUSH] = FIXED(fuse_flush_in),
    /* Kernels before 7.36 send only major, minor, max_readahead, flags. */
    [FUSE_INIT] = {8, false},
    [FUSE_OPENDIR] = FIXED(fuse_open_in),
    [FUSE_READDIR] = FIXED(fuse_read_in),
    [FUSE_RELEASEDIR] = FIXED(fuse_release_in),
    [FUSE_FSYNCDIR] = FIXED(fuse_fsync_in),
    [FUSE_GETLK] = FIXED(fuse_lk_in),
    [FUSE_SETLK] = FIXED(fuse_lk_in),
    [FUSE_SETLKW] = FIXED(fuse_lk_in),
    [FUSE_ACCESS] = FIXED(fuse_access_in),
    [FUSE_CREATE] = NAMED(fuse_create_in),
    [FUSE_INTERRUPT] = FIXED(fuse_interrupt_in),
    [FUSE_BMAP] = FIXED(fuse_bmap_in),
    [FUSE_IOCTL] = FIXED(fuse_ioctl_in),
    [FUSE_POLL] = FIXED(fuse_poll_in),
    [FUSE_BATCH_FORGET] = FIXED(fuse_batch_forget_in),
    [FUSE_FALLOCATE] = FIXED(fuse_fallocate_in),
    [FUSE_READDIRPLUS] = FIXED(fuse_read_in),
    [FUSE_RENAME2] = {sizeof(struct fuse_rename2_in) + 2, true},
    [FUSE_LSEEK] = FIXED(fuse_lseek_in),
    [FUSE_COPY_FILE_RANGE] = FIXED(fuse_copy_file_range_in),
    [FUSE_SYNCFS] = {8, false},
    [FUSE_TMPFILE] = NAMED(fuse_create_in),
    [FUSE_STATX] = FIXED(fuse_statx_in),
};

/* Returns 0 if the payload is well formed for its opcode, else EINVAL. */
static int check_shape(struct fsp_session *se, uint32_t opcode, const char *arg, uint32_t arglen)
{
    if (opcode >= FSP_FUSE_OPCODE_MAX)
        return 0; /* answered ENOSYS later */
    const struct op_shape *s = &shapes[opcode];
    uint32_t min = s->min;
    if (opcode == FUSE_SETXATTR && (se->conn.want & FUSE_SETXATTR_EXT))
        min = sizeof(struct fuse_setxattr_in) + 1;
    if (arglen < min)
        return EINVAL;
    if (s->ends_in_name && arg[arglen - 1] != '\0')
        return EINVAL;

    switch (opcode) {
    case FUSE_WRITE: {
        const struct fuse_write_in *in = (const void *)arg;
        if (in->size > arglen - sizeof(*in))
            return EINVAL;
        break;
    }
    case FUSE_SETXATTR: {
        /* name\0 then `size` bytes of value */
        uint32_t fixed = min - 1, size = ((const struct fuse_setxattr_in *)(const void *)arg)->size;
        if (size > arglen - fixed - 1 || !memchr(arg + fixed, '\0', arglen - fixed - size))
            return EINVAL;
        break;
    }
    case FUSE_BATCH_FORGET: {
        uint32_t count = ((const struct fuse_batch_forget_in *)(const void *)arg)->count;
        if (count > (arglen - sizeof(struct fuse_batch_forget_in)) / sizeof(struct fuse_forget_one))
            return EINVAL;
        break;
    }
    }
    return 0;
}

static bool takes_no_reply(uint32_t opcode)
{
    return opcode == FUSE_FORGET || opcode == FUSE_BATCH_FORGET || opcode == FUSE_INTERRUPT ||
           opcode == FUSE_NOTIFY_REPLY;
}

/* --- Interrupts ------------------------------------------------------------ */

/*
 * How an INTERRUPT finds its request without the request path taking
 * se->lock. A deferred request is in se->inflight (fsp_req_defer puts it
 * there under the lock). A synchronous one is found through its worker's
 * cur_unique, which the worker publishes before running the handler. The
 * one race: the INTERRUPT is read by another worker after our read() but
 * before we publish. Then INTERRUPT, under the lock, first records the
 * unique in se->pending_intr (counting it in pending_intr_count) and only
 * then scans the workers; the worker first publishes cur_unique and only
 * then reads pending_intr_count (all sequentially consistent). One of the
 * two sees the other's store: either INTERRUPT finds the worker, or the
 * worker sees a pending entry and takes the lock to look for its unique.
 */

/* Drop pending entries older than FSP_PENDING_INTR_NS (se->lock held):
 * their requests were answered before the INTERRUPT was read. */
static void purge_pending(struct fsp_session *se, uint64_t now)
{
    for (unsigned i = 0; i < FSP_PENDING_INTR; i++) {
        struct fsp_pending_intr *p = &se->pending_intr[i];
        if (p->unique && now - p->when > FSP_PENDING_INTR_NS) {
            p->unique = 0;
            atomic_fetch_sub(&se->pending_intr_count, 1);
        }
    }
}

/* The slow path of a worker that saw pending interrupts: is one ours? */
void fsp_take_pending_interrupt(struct fsp_session *se, struct fsp_req *req)
{
    pthread_mutex_lock(&se->lock);
    for (unsigned i = 0; i < FSP_PENDING_INTR; i++) {
        struct fsp_pending_intr *p = &se->pending_intr[i];
        if (p->unique == req->hdr->unique) {
            p->unique = 0;
            atomic_fetch_sub(&se->pending_intr_count, 1);
            atomic_store(&req->interrupted, true);
        }
    }
    if (atomic_load(&se->pending_intr_count))
        purge_pending(se, fsp_now_ns());
    pthread_mutex_unlock(&se->lock);
}

bool fsp_worker_mark_interrupt(struct fsp_worker *w, uint64_t unique)
{
    if (atomic_load(&w->cur_unique) != unique)
        return false;
    atomic_store(&w->intr_unique, unique);
    return true;
}

void fsp_worker_hand_over(struct fsp_worker *w, struct fsp_req *req)
{
    struct fsp_session *se = w->se;
    uint64_t unique = req->hdr->unique;
    if (atomic_load(&w->intr_unique) == unique)
        atomic_store(&req->interrupted, true);
    atomic_store(&w->cur_unique, 0);
    /* An INTERRUPT that found no slot (a worker the scan does not know)
     * waits in the ring: a deferred request still gets it. */
    if (atomic_load(&se->pending_intr_count)) {
        for (unsigned i = 0; i < FSP_PENDING_INTR; i++) {
            struct fsp_pending_intr *p = &se->pending_intr[i];
            if (p->unique == unique) {
                p->unique = 0;
                atomic_fetch_sub(&se->pending_intr_count, 1);
                atomic_store(&req->interrupted, true);
            }
        }
    }
    if (req->noreply)
        return;
    req->prev = NULL;
    req->next = se->inflight;
    if (se->inflight)
        se->inflight->prev = req;
    se->inflight = req;
    req->in_list = true;
}

static void handle_interrupt(struct fsp_session *se, const struct fuse_interrupt_in *in)
{
    bool found = false, on_worker = false;
    struct fsp_req *target = NULL;
    fsp_intr_fn *fn = NULL;
    void *data = NULL;
    pthread_mutex_lock(&se->lock);
    for (struct fsp_req *r = se->inflight; r; r = r->next) {
        if (r->hdr->unique == in->unique) {
            atomic_store(&r->interrupted, true);
            found = true;
            if (r->intr_fn) {
                /* Counted, so the request's buffers stay while it runs. */
                target = r;
                fn = r->intr_fn;
                data = r->intr_data;
                r->intr_running++;
            }
            break;
        }
    }
    if (!found) {
        /* Record first, then look at the workers (see above). */
        uint64_t now = fsp_now_ns();
        purge_pending(se, now);
        unsigned slot = se->pending_intr_next++ % FSP_PENDING_INTR;
        struct fsp_pending_intr *p = &se->pending_intr[slot];
        if (p->unique == 0)
            atomic_fetch_add(&se->pending_intr_count, 1);
        p->unique = in->unique;
        p->when = now;
        for (unsigned i = 0; se->workers && !on_worker && i < se->nworkers; i++)
            on_worker = fsp_worker_mark_interrupt(&se->workers[i], in->unique);
        if (!on_worker)
            on_worker = fsp_uring_mark_interrupt(se, in->unique);
        if (on_worker) {
            p->unique = 0;
            atomic_fetch_sub(&se->pending_intr_count, 1);
        }
    }
    pthread_mutex_unlock(&se->lock);
    if (fsp_debug(se))
        fsp_log("fsp: INTERRUPT of unique=%llu (%s)", (unsigned long long)in->unique,
                found       ? "deferred, in flight"
                : on_worker ? "running"
                            : "not yet seen");
    if (target)
        fsp_req_run_interrupt(target, fn, data);
}

/* --- Dispatch -------------------------------------------------------------- */

static void handle_destroy(struct fsp_req *req)
{
    struct fsp_session *se = req->se;
    if (!atomic_exchange(&se->destroy_called, true) && se->ops.destroy)
        se->ops.destroy(se->userdata);
    fsp_reply_err(req, 0);
    fsp_session_end(se);
}

/* Decode the request of n bytes at buf (inside bs->in) and run its handler.
 * Shared by the /dev/fuse workers and the io_uring queue threads, whose
 * requests carry req->ring_ent (set before the call). */
void fsp_dispatch(struct fsp_worker *w, struct fsp_bufset *bs, char *buf, size_t n)
{
    struct fsp_session *se = w->se;
    const struct fuse_in_header *h = (const void *)buf;
    struct fsp_req *req = &bs->req;

    if (n < sizeof(*h)) {
        /* Without a whole header there is no unique to answer to. */
        fsp_log("fsp: short read from /dev/fuse (%zu bytes), ignored", n);
        return;
    }
    req->se = se;
    req->worker = w;
    req->hdr = h;
    if (w->external) {
        /* The caller's buffer is reused once we return; a deferred reply
         * and INTERRUPT still need the header. */
        memcpy(&req->hdr_copy, h, sizeof(*h));
        req->hdr = &req->hdr_copy;
    }
    req->fd = w->fd;
    req->state = FSP_REQ_ACTIVE;
    req->noreply = takes_no_reply(h->opcode);
    req->in_list = false;
    req->intr_fn = NULL;
    req->intr_running = 0;
    req->release_pending = false;
    atomic_store_explicit(&req->interrupted, false, memory_order_relaxed);

    if (fsp_debug(se))
        fsp_log("fsp: unique=%llu %s(%u) nodeid=%llu len=%u uid=%u gid=%u pid=%u",
                (unsigned long long)h->unique, fsp_opcode_name(h->opcode), h->opcode,
                (unsigned long long)h->nodeid, h->len, h->uid, h->gid, h->pid);

    size_t ext = (size_t)h->total_extlen * 8;
    if (h->len != n || ext > n - sizeof(*h)) {
        fsp_log("fsp: malformed request unique=%llu (len %u, read %zu, extlen %zu)",
                (unsigned long long)h->unique, h->len, n, ext);
        fsp_reply_err(req, EIO);
        return;
    }
    const char *arg = buf + sizeof(*h);
    uint32_t arglen = (uint32_t)(n - sizeof(*h) - ext);
    uint32_t opcode = h->opcode;

    int bad = check_shape(se, opcode, arg, arglen);
    if (bad) {
        fsp_log("fsp: malformed %s request unique=%llu (%u argument bytes)",
                fsp_opcode_name(opcode), (unsigned long long)h->unique, arglen);
        fsp_reply_err(req, bad);
        return;
    }

    switch (opcode) {
    case FUSE_INTERRUPT:
        handle_interrupt(se, (const void *)arg);
        fsp_reply_none(req);
        return;
    case FUSE_INIT:
        fsp_do_init(req, arg, arglen);
        return;
    case CUSE_INIT:
        if (se->cuse)
            fsp_do_cuse_init(req, arg, arglen);
        else
            fsp_reply_err(req, ENOSYS);
        return;
    case FUSE_DESTROY:
        handle_destroy(req);
        return;
    }
    if (!atomic_load_explicit(&se->got_init, memory_order_acquire)) {
        fsp_reply_err(req, EIO); /* the kernel never does this */
        return;
    }

    fsp_op_fn *fn = opcode < FSP_FUSE_OPCODE_MAX ? se->ops.op[opcode] : NULL;
    if (!fn) {
        if (req->noreply)
            fsp_reply_none(req);
        else
            fsp_reply_err(req, ENOSYS);
        return;
    }
    if (!req->noreply) {
        /* Publish, then look for an INTERRUPT that overtook us (see
         * "Interrupts" above): both sequentially consistent. */
        atomic_store(&w->cur_unique, h->unique);
        if (atomic_load(&se->pending_intr_count))
            fsp_take_pending_interrupt(se, req);
    }
    /* The clock only for a profile: two clock reads cost more than the
     * rest of a cached GETATTR's trip through here. */
    bool timed = fsp_profiling(se);
    uint64_t t0 = timed ? fsp_now_ns() : 0;
    fn(req, arg, arglen);
    fsp_stats_note(&w->stats, opcode, timed ? fsp_now_ns() - t0 : 0);

    /* Deferred: the request is no longer ours to look at (and has left
     * cur_unique: fsp_worker_hand_over). */
    if (w->lost_buffer)
        return;
    if (!req->noreply)
        atomic_store_explicit(&w->cur_unique, 0, memory_order_release);
    if (req->state == FSP_REQ_ACTIVE) {
        if (!req->noreply)
            fsp_log("fsp: %s handler returned without replying (unique=%llu); answering EIO",
                    fsp_opcode_name(opcode), (unsigned long long)h->unique);
        fsp_reply_err(req, EIO);
    }
}

/* Mark the session as over (the mount is gone, or DESTROY came). */
void fsp_session_end(struct fsp_session *se)
{
    atomic_store(&se->exited, true);
}

static _Thread_local struct fsp_session *current_session;

bool fsp_session_on_worker(struct fsp_session *se)
{
    return current_session == se;
}

struct fsp_session *fsp_worker_bind(struct fsp_session *se)
{
    struct fsp_session *prev = current_session;
    current_session = se;
    return prev;
}

/* Runs when the worker leaves, normally or cancelled in read(). */
static void worker_exit(void *arg)
{
    struct fsp_worker *w = arg;
    struct fsp_session *se = w->se;
    fsp_session_end(se);
    pthread_mutex_lock(&se->lock);
    w->exited = true;
    se->workers_running--;
    pthread_cond_broadcast(&se->cond);
    pthread_mutex_unlock(&se->lock);
}

void *fsp_worker_main(void *arg)
{
    struct fsp_worker *w = arg;
    struct fsp_session *se = w->se;

    fsp_worker_bind(se);
    /* A worker can be cancelled only while it waits in read(), holding
     * nothing: the stopper does so when an unmount was merely lazy (the
     * mount is busy) and ENODEV would not come. */
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
    pthread_cleanup_push(worker_exit, w);
    for (;;) {
        if (!w->bs) {
            w->bs = fsp_bufset_take(se);
            if (!w->bs)
                break;
        }
        pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
        ssize_t n = fsp_io_read(se, w->fd, w->bs->in, w->bs->in_size);
        int e = errno;
        pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
        if (n < 0) {
            /* ENOENT: the request was interrupted while we read it. */
            if (e == EINTR || e == EAGAIN || e == ENOENT)
                continue;
            /* ENODEV: unmounted. ECONNABORTED: the connection was aborted. */
            if (e != ENODEV && e != ECONNABORTED) {
                fsp_log("fsp: reading /dev/fuse failed: %s; stopping", strerror(e));
                int zero = 0;
                atomic_compare_exchange_strong(&se->worker_error, &zero, e);
                fsp_session_stop_async(se);
            }
            break;
        }
        if (n == 0) {
            fsp_session_stop_async(se);
            break;
        }
        fsp_dispatch(w, w->bs, w->bs->in, (size_t)n);
        if (w->lost_buffer) {
            w->lost_buffer = false;
            w->bs = NULL;
        }
    }
    pthread_cleanup_pop(1);
    return NULL;
}
