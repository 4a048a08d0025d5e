/*
 * uring.c - FUSE over io_uring (protocol 7.42): requests and replies through
 * io_uring command SQEs on /dev/fuse instead of read() and write().
 *
 * The kernel keeps one request queue per possible CPU and hands a request to
 * the queue of the CPU its caller runs on. We run one thread per queue, each
 * with its own io_uring instance (raw syscalls and mmap, no liburing) and
 * `depth` entries. An entry is a header buffer and a payload buffer the
 * kernel fills with a request; FUSE_IO_URING_CMD_REGISTER hands an entry to
 * the kernel the first time, FUSE_IO_URING_CMD_COMMIT_AND_FETCH answers its
 * request and gives it back for the next, in one submission. The ring is used
 * only once every queue has an entry registered; until then, and for FORGET,
 * INTERRUPT and our notifications always, /dev/fuse stays the channel, so the
 * worker pool keeps running beside the queue threads.
 *
 * A request from the ring is rebuilt contiguously (in header, the opcode's
 * fixed argument, payload) in front of the payload buffer, so handlers see
 * the same layout as from read(); see take_request. Replies are copied into
 * the payload buffer. The queue thread's own answers are committed in one
 * batch per loop.
 *
 * Only the queue thread ever enters the kernel to submit. io_uring ties a
 * command to the task that submitted it and cancels it when that task
 * exits, so a FETCH submitted by a short-lived thread (a file system that
 * completes a deferred request on a thread of its own, as WinFsp's
 * FspFileSystemSendResponse allows) would take its entry away from us when
 * the thread ends. A deferred reply therefore only queues its commit (SQ
 * access is under the queue's lock) and wakes the queue thread through an
 * eventfd, which the thread always has a READ pending on in its own ring.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kernel/internal.h"

/* --- The io_uring ABI (our own definitions of the kernel's layouts) --------- */

#ifndef SYS_io_uring_setup
#define SYS_io_uring_setup 425
#endif
#ifndef SYS_io_uring_enter
#define SYS_io_uring_enter 426
#endif

#define IORING_SETUP_SQE128     (1u << 10)
#define IORING_FEAT_SINGLE_MMAP (1u << 0)
#define IORING_ENTER_GETEVENTS  (1u << 0)
#define IORING_OFF_SQ_RING      0ULL
#define IORING_OFF_CQ_RING      0x8000000ULL
#define IORING_OFF_SQES         0x10000000ULL
#define IORING_OP_READ          22
#define IORING_OP_URING_CMD     46

struct uring_sqring_offsets {
    uint32_t head, tail, ring_mask, ring_entries, flags, dropped, array, resv1;
    uint64_t user_addr;
};

struct uring_cqring_offsets {
    uint32_t head, tail, ring_mask, ring_entries, overflow, cqes, flags, resv1;
    uint64_t user_addr;
};

struct uring_params {
    uint32_t sq_entries, cq_entries, flags, sq_thread_cpu, sq_thread_idle, features, wq_fd;
    uint32_t resv[3];
    struct uring_sqring_offsets sq_off;
    struct uring_cqring_offsets cq_off;
};

/* A 128-byte SQE (IORING_SETUP_SQE128): the usual 48 bytes of fields, then
 * 80 bytes of command area (fuse_uring_cmd_req for /dev/fuse). */
struct uring_sqe128 {
    uint8_t opcode;
    uint8_t flags;
    uint16_t ioprio;
    int32_t fd;
    union {
        uint64_t off; /* file offset of a READ */
        struct {
            uint32_t cmd_op; /* the command of a URING_CMD */
            uint32_t pad1;
        };
    };
    uint64_t addr;
    uint32_t len;
    uint32_t op_flags;
    uint64_t user_data;
    uint16_t buf_index;
    uint16_t personality;
    int32_t file_index;
    uint8_t cmd[80];
};

struct uring_cqe {
    uint64_t user_data;
    int32_t res;
    uint32_t flags;
};

_Static_assert(sizeof(struct uring_params) == 120, "io_uring_params layout");
_Static_assert(sizeof(struct uring_sqe128) == 128, "SQE128 layout");
_Static_assert(sizeof(struct fuse_uring_req_header) == 288, "fuse_uring_req_header layout");
_Static_assert(sizeof(struct fuse_uring_cmd_req) <= 80, "fuse_uring_cmd_req fits the SQE");

/* --- Our structures ------------------------------------------------------------- */

#define FSP_URING_DEFAULT_DEPTH 4
#define FSP_URING_MAX_DEPTH     64
/* Room in front of the payload buffer to rebuild in header + fixed argument. */
#define FSP_URING_ROOM (sizeof(struct fuse_in_header) + FUSE_URING_OP_IN_OUT_SZ + 88)
#define WAKE_TOKEN     1 /* user_data of the eventfd READ that wakes a queue thread */

struct fsp_uring_ent {
    struct fuse_uring_req_header hdr; /* iov[0], written by the kernel and by us */
    struct iovec iov[2];
    struct fsp_uring_queue *q;
    struct fsp_bufset *bs; /* in = room + payload (iov[1]); scratch */
    size_t payload_size;
    struct fsp_uring_ent *batch_next; /* in q->batch */
};

struct fsp_uring_queue {
    struct fsp_uring *ur;
    unsigned qid;
    int ring_fd;
    void *sq_map, *cq_map, *sqe_map;
    size_t sq_map_size, cq_map_size, sqe_map_size;
    uint32_t *sq_head, *sq_tail, *sq_array, sq_mask;
    uint32_t *cq_head, *cq_tail, cq_mask;
    struct uring_sqe128 *sqes;
    struct uring_cqe *cqes;
    uint32_t sq_local_tail; /* under sq_lock */
    pthread_mutex_t sq_lock;
    bool closed;         /* under sq_lock: the ring fd is gone, commits are dropped */
    int wake_fd;         /* eventfd: another thread has queued SQEs, or stop */
    uint64_t wake_count; /* where the pending READ of wake_fd lands */

    struct fsp_worker worker; /* what the dispatcher needs to know of us */
    /* Entries answered on the queue thread itself, committed together at
     * its next wait: one sq_lock per loop instead of one per request. Only
     * the queue thread touches the list. */
    struct fsp_uring_ent *batch;
    pthread_t thread;
    bool thread_started;
    unsigned nents, live; /* entries; those the kernel still holds */
    struct fsp_uring_ent *ents;
    uint64_t served;
};

struct fsp_uring {
    struct fsp_session *se;
    unsigned nqueues;
    struct fsp_uring_queue *queues;
    /* The threads exist before the INIT reply and register only after it. */
    pthread_mutex_t go_lock;
    pthread_cond_t go_cond;
    bool go; /* under go_lock: INIT is answered, register */
    atomic_bool stopping;
    atomic_bool set_up; /* every queue exists: a stats dump may look */
};

static int sys_setup(unsigned entries, struct uring_params *p)
{
    return (int)syscall(SYS_io_uring_setup, entries, p);
}

static int sys_enter(int fd, unsigned to_submit, unsigned min_complete, unsigned flags)
{
    return (int)syscall(SYS_io_uring_enter, fd, to_submit, min_complete, flags, NULL, 0);
}

/* --- One ring --------------------------------------------------------------------- */

static void ring_close(struct fsp_uring_queue *q)
{
    if (q->sqe_map && q->sqe_map != MAP_FAILED)
        munmap(q->sqe_map, q->sqe_map_size);
    if (q->cq_map && q->cq_map != MAP_FAILED && q->cq_map != q->sq_map)
        munmap(q->cq_map, q->cq_map_size);
    if (q->sq_map && q->sq_map != MAP_FAILED)
        munmap(q->sq_map, q->sq_map_size);
    q->sqe_map = q->cq_map = q->sq_map = NULL;
    if (q->ring_fd >= 0)
        close(q->ring_fd);
    q->ring_fd = -1;
}

static int ring_open(struct fsp_uring_queue *q, unsigned entries)
{
    struct uring_params p;
    memset(&p, 0, sizeof(p));
    p.flags = IORING_SETUP_SQE128;
    q->ring_fd = sys_setup(entries, &p);
    if (q->ring_fd < 0)
        return -errno;

    q->sq_map_size = p.sq_off.array + p.sq_entries * sizeof(uint32_t);
    q->cq_map_size = p.cq_off.cqes + p.cq_entries * sizeof(struct uring_cqe);
    if (p.features & IORING_FEAT_SINGLE_MMAP) {
        if (q->cq_map_size > q->sq_map_size)
            q->sq_map_size = q->cq_map_size;
        q->cq_map_size = q->sq_map_size;
    }
    q->sq_map = mmap(NULL, q->sq_map_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
                     q->ring_fd, IORING_OFF_SQ_RING);
    if (q->sq_map == MAP_FAILED)
        goto fail;
    if (p.features & IORING_FEAT_SINGLE_MMAP)
        q->cq_map = q->sq_map;
    else {
        q->cq_map = mmap(NULL, q->cq_map_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
                         q->ring_fd, IORING_OFF_CQ_RING);
        if (q->cq_map == MAP_FAILED)
            goto fail;
    }
    q->sqe_map_size = p.sq_entries * sizeof(struct uring_sqe128);
    q->sqe_map = mmap(NULL, q->sqe_map_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
                      q->ring_fd, IORING_OFF_SQES);
    if (q->sqe_map == MAP_FAILED)
        goto fail;

    char *sq = q->sq_map, *cq = q->cq_map;
    q->sq_head = (uint32_t *)(void *)(sq + p.sq_off.head);
    q->sq_tail = (uint32_t *)(void *)(sq + p.sq_off.tail);
    q->sq_mask = *(uint32_t *)(void *)(sq + p.sq_off.ring_mask);
    q->sq_array = (uint32_t *)(void *)(sq + p.sq_off.array);
    q->cq_head = (uint32_t *)(void *)(cq + p.cq_off.head);
    q->cq_tail = (uint32_t *)(void *)(cq + p.cq_off.tail);
    q->cq_mask = *(uint32_t *)(void *)(cq + p.cq_off.ring_mask);
    q->cqes = (struct uring_cqe *)(void *)(cq + p.cq_off.cqes);
    q->sqes = q->sqe_map;
    q->sq_local_tail = *q->sq_tail;
    return 0;

fail:;
    int e = errno;
    ring_close(q);
    return -e;
}

/* Put one SQE on the ring (caller holds sq_lock). The SQ never fills: each
 * entry has at most one command in flight, plus one wake-up NOP. */
static struct uring_sqe128 *sqe_get(struct fsp_uring_queue *q)
{
    uint32_t idx = q->sq_local_tail & q->sq_mask;
    struct uring_sqe128 *sqe = &q->sqes[idx];
    memset(sqe, 0, sizeof(*sqe));
    q->sq_array[idx] = idx;
    return sqe;
}

static void sqe_publish(struct fsp_uring_queue *q)
{
    q->sq_local_tail++;
    __atomic_store_n(q->sq_tail, q->sq_local_tail, __ATOMIC_RELEASE);
}

/* SQEs published but not yet taken by the kernel (caller holds sq_lock). */
static unsigned sq_pending(struct fsp_uring_queue *q)
{
    return q->sq_local_tail - __atomic_load_n(q->sq_head, __ATOMIC_ACQUIRE);
}

/* Tell the queue thread to look at its SQ (and at `stopping`). */
static void wake(struct fsp_uring_queue *q)
{
    uint64_t one = 1;
    while (write(q->wake_fd, &one, sizeof(one)) < 0 && errno == EINTR)
        ;
}

static void prep_cmd(struct fsp_uring_queue *q, struct fsp_uring_ent *ent, uint32_t cmd_op,
                     uint64_t commit_id)
{
    struct uring_sqe128 *sqe = sqe_get(q);
    sqe->opcode = IORING_OP_URING_CMD;
    sqe->fd = q->ur->se->fd;
    sqe->cmd_op = cmd_op;
    sqe->user_data = (uint64_t)(uintptr_t)ent;
    if (cmd_op == FUSE_IO_URING_CMD_REGISTER) {
        sqe->addr = (uint64_t)(uintptr_t)ent->iov;
        sqe->len = 2;
    }
    struct fuse_uring_cmd_req cr;
    memset(&cr, 0, sizeof(cr));
    cr.commit_id = commit_id;
    cr.qid = (uint16_t)q->qid;
    memcpy(sqe->cmd, &cr, sizeof(cr));
    sqe_publish(q);
}

/* The READ of the wake eventfd that the queue thread keeps pending (caller
 * holds sq_lock). It completes at the first write and takes the count. */
static void prep_wake_read(struct fsp_uring_queue *q)
{
    struct uring_sqe128 *sqe = sqe_get(q);
    sqe->opcode = IORING_OP_READ;
    sqe->fd = q->wake_fd;
    sqe->off = (uint64_t)-1; /* "the current position": eventfd has none */
    sqe->addr = (uint64_t)(uintptr_t)&q->wake_count;
    sqe->len = sizeof(q->wake_count);
    sqe->user_data = WAKE_TOKEN;
    sqe_publish(q);
}

/* --- Replies ------------------------------------------------------------------------ */

int fsp_uring_reply(struct fsp_req *req, const struct iovec *iov, int count)
{
    struct fsp_uring_ent *ent = req->ring_ent;
    struct fuse_out_header oh = *(const struct fuse_out_header *)iov[0].iov_base;
    char *payload = ent->iov[1].iov_base;
    size_t size = 0;
    for (int i = 1; i < count; i++)
        size += iov[i].iov_len;
    if (size > ent->payload_size) {
        fsp_log("fsp: reply to unique=%llu too large for the ring (%zu bytes); answering EIO",
                (unsigned long long)oh.unique, size);
        oh.error = -EIO;
        size = 0;
    }
    /* A reply may quote the request (which lies in the payload buffer):
     * then gather it in a temporary buffer first. Rare, so it may allocate. */
    bool overlap = false;
    for (int i = 1; i < count && size; i++) {
        const char *b = iov[i].iov_base;
        if (b < payload + ent->payload_size && b + iov[i].iov_len > payload)
            overlap = true;
    }
    char *tmp = overlap ? malloc(size) : NULL;
    if (overlap && !tmp) {
        oh.error = -ENOMEM;
        size = 0;
    }
    char *dst = overlap ? tmp : payload;
    size_t off = 0;
    for (int i = 1; i < count && size; i++) {
        if (iov[i].iov_len)
            memcpy(dst + off, iov[i].iov_base, iov[i].iov_len);
        off += iov[i].iov_len;
    }
    if (tmp) {
        memcpy(payload, tmp, size);
        free(tmp);
    }
    oh.len = (uint32_t)(sizeof(oh) + size);
    memcpy(ent->hdr.in_out, &oh, sizeof(oh));
    ent->hdr.ring_ent_in_out.payload_sz = (uint32_t)size;

    /* Deferred: answered off the queue thread, which is (or soon will be)
     * asleep in the kernel, so wake it. On the queue thread the commit goes
     * with its next wait. */
    bool deferred = req->worker == NULL;
    /* Release before the commit: once submitted, the kernel may put the
     * next request into this entry at once. While an interrupt callback
     * still looks at the request, the commit waits for it to return. */
    if (!fsp_req_release(req))
        return 0;
    return fsp_uring_commit(ent, deferred);
}

/* Queue the commit of an answered entry (caller holds sq_lock). */
static void prep_commit(struct fsp_uring_queue *q, struct fsp_uring_ent *ent)
{
    struct fuse_out_header oh;
    memcpy(&oh, ent->hdr.in_out, sizeof(oh));
    prep_cmd(q, ent, FUSE_IO_URING_CMD_COMMIT_AND_FETCH, oh.unique);
}

/* Queue the commits of the queue thread's batch (caller holds sq_lock). */
static void prep_batch(struct fsp_uring_queue *q)
{
    for (struct fsp_uring_ent *ent = q->batch; ent; ent = ent->batch_next)
        if (!q->closed)
            prep_commit(q, ent);
    q->batch = NULL;
}

/* The queue this thread serves, if it is a queue thread. */
static _Thread_local struct fsp_uring_queue *current_queue;

void fsp_uring_flush_answers(void)
{
    struct fsp_uring_queue *q = current_queue;
    if (!q || !q->batch)
        return;
    pthread_mutex_lock(&q->sq_lock);
    prep_batch(q);
    unsigned pending = sq_pending(q);
    pthread_mutex_unlock(&q->sq_lock);
    /* Submit only; the queue thread is the one that may (see the top). */
    while (pending && sys_enter(q->ring_fd, pending, 0, 0) < 0 && errno == EINTR)
        ;
}

int fsp_uring_commit(struct fsp_uring_ent *ent, bool other_thread)
{
    struct fsp_uring_queue *q = ent->q;
    if (!other_thread) {
        /* Answered on the queue thread (not deferred): goes with its next
         * wait, prepared there together with the others (queue_main). */
        ent->batch_next = q->batch;
        q->batch = ent;
        return 0;
    }
    pthread_mutex_lock(&q->sq_lock);
    bool closed = q->closed;
    if (!closed)
        prep_commit(q, ent);
    pthread_mutex_unlock(&q->sq_lock);
    if (closed)
        return -ENOTCONN;
    wake(q);
    return 0;
}

/* --- The queue thread ------------------------------------------------------------ */

/* Rebuild the fetched request contiguously in front of the payload and run
 * it: [in header][fixed argument][payload], as read() would deliver it. */
static void take_request(struct fsp_uring_queue *q, struct fsp_uring_ent *ent)
{
    struct fuse_in_header h;
    memcpy(&h, ent->hdr.in_out, sizeof(h));
    uint32_t payload_sz = ent->hdr.ring_ent_in_out.payload_sz;
    char *payload = ent->iov[1].iov_base;
    size_t fixed = (size_t)h.len - sizeof(h) - payload_sz;
    if (h.len < sizeof(h) + payload_sz || payload_sz > ent->payload_size ||
        fixed > FUSE_URING_OP_IN_OUT_SZ) {
        fsp_log("fsp: io_uring: malformed request unique=%llu (len %u, payload %u)",
                (unsigned long long)h.unique, h.len, payload_sz);
        /* Answer it anyway so that the entry comes back. */
        fixed = 0;
        h.len = (uint32_t)sizeof(h) + 1; /* dispatch then answers EIO */
        payload_sz = 0;
    }
    char *start = payload - fixed - sizeof(h);
    memcpy(start, &h, sizeof(h));
    memcpy(start + sizeof(h), ent->hdr.op_in, fixed);

    struct fsp_req *req = &ent->bs->req;
    req->ring_ent = ent;
    __atomic_fetch_add(&q->served, 1, __ATOMIC_RELAXED);
    fsp_dispatch(&q->worker, ent->bs, start, sizeof(h) + fixed + payload_sz);
    /* Deferred or not, the entry stays ours: nothing to take back. */
    q->worker.lost_buffer = false;
}

/* The kernel puts a request on the queue of the CPU its caller runs on and
 * wakes that queue's thread. With the thread on the same CPU the hand-over
 * is a local switch (the caller sleeps, we run, we wake it) rather than a
 * wake-up of another CPU each way, which in a virtual machine is an exit to
 * the host. A CPU outside our affinity (cpuset, taskset) keeps the thread
 * where the scheduler puts it. */
static void pin_to_queue_cpu(unsigned qid)
{
    cpu_set_t allowed, one;
    if (qid >= CPU_SETSIZE || sched_getaffinity(0, sizeof(allowed), &allowed) != 0 ||
        !CPU_ISSET(qid, &allowed))
        return;
    CPU_ZERO(&one);
    CPU_SET(qid, &one);
    (void)pthread_setaffinity_np(pthread_self(), sizeof(one), &one);
}

/* "fsp-uring<qid>" in top -H, perf and /proc/PID/task/TID/comm. */
static void name_queue_thread(unsigned qid)
{
    char name[16];
    snprintf(name, sizeof(name), "fsp-uring%u", qid);
    (void)pthread_setname_np(pthread_self(), name);
}

static void *queue_main(void *arg)
{
    struct fsp_uring_queue *q = arg;
    struct fsp_uring *ur = q->ur;
    struct fsp_session *se = ur->se;

    fsp_worker_bind(se);
    current_queue = q;
    name_queue_thread(q->qid);
    pin_to_queue_cpu(q->qid);
    pthread_mutex_lock(&ur->go_lock);
    while (!ur->go && !atomic_load(&ur->stopping))
        pthread_cond_wait(&ur->go_cond, &ur->go_lock);
    pthread_mutex_unlock(&ur->go_lock);
    /* Our entries and the wake READ are submitted by this thread, which
     * outlives them all (see the top of the file): they go in with the
     * first wait below. */
    pthread_mutex_lock(&q->sq_lock);
    for (unsigned e = 0; e < q->nents; e++)
        prep_cmd(q, &q->ents[e], FUSE_IO_URING_CMD_REGISTER, 0);
    prep_wake_read(q);
    pthread_mutex_unlock(&q->sq_lock);
    while (q->live && !atomic_load(&ur->stopping)) {
        pthread_mutex_lock(&q->sq_lock);
        prep_batch(q);
        unsigned pending = sq_pending(q);
        pthread_mutex_unlock(&q->sq_lock);
        /* Our own commits go in with the wait: one system call per
         * request. SQEs queued by other threads after `pending` was read
         * come with a wake-up, so the next loop submits them. */
        int n = sys_enter(q->ring_fd, pending, 1, IORING_ENTER_GETEVENTS);
        if (n < 0 && errno != EINTR && errno != EAGAIN && errno != EBUSY) {
            fsp_log("fsp: io_uring: queue %u: io_uring_enter: %s; queue stopped", q->qid,
                    strerror(errno));
            break;
        }
        uint32_t head = *q->cq_head;
        uint32_t tail = __atomic_load_n(q->cq_tail, __ATOMIC_ACQUIRE);
        for (; head != tail; head++) {
            struct uring_cqe cqe = q->cqes[head & q->cq_mask];
            __atomic_store_n(q->cq_head, head + 1, __ATOMIC_RELEASE);
            if (cqe.user_data == WAKE_TOKEN) {
                if (cqe.res < 0 && !atomic_load(&ur->stopping)) {
                    fsp_log("fsp: io_uring: queue %u: wake-up read: %s; queue stopped", q->qid,
                            strerror(-cqe.res));
                    q->live = 0;
                    break;
                }
                pthread_mutex_lock(&q->sq_lock);
                prep_wake_read(q);
                pthread_mutex_unlock(&q->sq_lock);
                continue;
            }
            struct fsp_uring_ent *ent = (struct fsp_uring_ent *)(uintptr_t)cqe.user_data;
            if (cqe.res < 0) {
                /* The kernel gave the entry back for good: the connection
                 * is going away, or it refused the entry. A queue without
                 * entries would hold its CPU's requests forever (and one
                 * that never registered, every request), so a refusal ends
                 * the session rather than leave a mount that hangs. */
                q->live--;
                if (cqe.res != -ENOTCONN && cqe.res != -ECONNABORTED && !fsp_session_exited(se) &&
                    !atomic_load(&ur->stopping)) {
                    fsp_log("fsp: io_uring: queue %u: entry refused: %s; stopping", q->qid,
                            strerror(-cqe.res));
                    fsp_session_stop_async(se);
                }
                continue;
            }
            take_request(q, ent);
        }
    }
    return NULL;
}

/* --- Start and stop ------------------------------------------------------------- */

/* The kernel has a queue per possible CPU and wants every one served. */
static unsigned possible_cpus(void)
{
    FILE *f = fopen("/sys/devices/system/cpu/possible", "re");
    unsigned last = 0;
    if (f) {
        char buf[256];
        if (fgets(buf, sizeof(buf), f)) {
            /* "0-3" or "0,2-5": the highest number is at the end. */
            char *p = buf + strcspn(buf, "\n");
            while (p > buf && (p[-1] >= '0' && p[-1] <= '9'))
                p--;
            last = (unsigned)strtoul(p, NULL, 10);
        }
        fclose(f);
        return last + 1;
    }
    long n = sysconf(_SC_NPROCESSORS_CONF);
    return n > 0 ? (unsigned)n : 1;
}

static int queue_setup(struct fsp_uring_queue *q, unsigned depth)
{
    struct fsp_session *se = q->ur->se;
    pthread_mutex_init(&q->sq_lock, NULL);
    q->ring_fd = -1;
    q->worker.se = se;
    q->worker.fd = -1;
    q->wake_fd = eventfd(0, EFD_CLOEXEC);
    if (q->wake_fd < 0)
        return -errno;
    int rc = ring_open(q, depth + 1);
    if (rc)
        return rc;
    q->ents = calloc(depth, sizeof(*q->ents));
    if (!q->ents)
        return -ENOMEM;
    /* The kernel wants payload buffers of at least the negotiated request
     * size, and never less than FUSE_MIN_READ_BUFFER. */
    size_t payload = se->max_write_cap;
    if (payload < FUSE_MIN_READ_BUFFER)
        payload = FUSE_MIN_READ_BUFFER;
    for (unsigned i = 0; i < depth; i++) {
        struct fsp_uring_ent *ent = &q->ents[i];
        struct fsp_bufset *bs = fsp_bufset_new(FSP_URING_ROOM + payload, se->buf_scratch_size);
        if (!bs)
            return -ENOMEM;
        ent->bs = bs;
        ent->q = q;
        ent->payload_size = payload;
        ent->iov[0] = (struct iovec){&ent->hdr, sizeof(ent->hdr)};
        ent->iov[1] = (struct iovec){bs->in + FSP_URING_ROOM, payload};
        q->nents++;
    }
    return 0;
}

int fsp_uring_prepare(struct fsp_session *se)
{
    if (se->uring)
        return 0;
    struct fsp_uring *ur = calloc(1, sizeof(*ur));
    if (!ur)
        return -ENOMEM;
    ur->se = se;
    pthread_mutex_init(&ur->go_lock, NULL);
    pthread_cond_init(&ur->go_cond, NULL);
    ur->nqueues = possible_cpus();
    ur->queues = calloc(ur->nqueues, sizeof(*ur->queues));
    if (!ur->queues) {
        pthread_cond_destroy(&ur->go_cond);
        pthread_mutex_destroy(&ur->go_lock);
        free(ur);
        return -ENOMEM;
    }
    __atomic_store_n(&se->uring, ur, __ATOMIC_RELEASE);
    unsigned depth = se->uring_depth ? se->uring_depth : FSP_URING_DEFAULT_DEPTH;
    if (depth > FSP_URING_MAX_DEPTH)
        depth = FSP_URING_MAX_DEPTH;

    int rc = 0;
    for (unsigned i = 0; rc == 0 && i < ur->nqueues; i++) {
        struct fsp_uring_queue *q = &ur->queues[i];
        q->ur = ur;
        q->qid = i;
        rc = queue_setup(q, depth);
        if (rc)
            fsp_log("fsp: io_uring: cannot set up queue %u: %s; staying on /dev/fuse", i,
                    strerror(-rc));
    }
    if (rc == 0)
        atomic_store(&ur->set_up, true);
    for (unsigned i = 0; rc == 0 && i < ur->nqueues; i++) {
        struct fsp_uring_queue *q = &ur->queues[i];
        q->live = q->nents;
        rc = -pthread_create(&q->thread, NULL, queue_main, q);
        if (rc == 0)
            q->thread_started = true;
        else
            fsp_log("fsp: io_uring: cannot start the thread of queue %u: %s; staying on /dev/fuse",
                    i, strerror(-rc));
    }
    if (rc) {
        fsp_uring_stop(se);
        fsp_uring_free(se);
        return rc;
    }
    if (fsp_debug(se))
        fsp_log("fsp: io_uring: %u queues x %u entries (payload %zu bytes)", ur->nqueues, depth,
                ur->queues[0].ents[0].payload_size);
    return 0;
}

void fsp_uring_start(struct fsp_session *se)
{
    struct fsp_uring *ur = se->uring;
    if (!ur)
        return;
    pthread_mutex_lock(&ur->go_lock);
    ur->go = true;
    pthread_cond_broadcast(&ur->go_cond);
    pthread_mutex_unlock(&ur->go_lock);
}

void fsp_uring_stop(struct fsp_session *se)
{
    struct fsp_uring *ur = se->uring;
    if (!ur)
        return;
    atomic_store(&ur->stopping, true);
    pthread_mutex_lock(&ur->go_lock); /* threads still waiting for INIT */
    pthread_cond_broadcast(&ur->go_cond);
    pthread_mutex_unlock(&ur->go_lock);
    uint64_t served = 0;
    for (unsigned i = 0; i < ur->nqueues; i++) {
        struct fsp_uring_queue *q = &ur->queues[i];
        if (!q->ur) /* never set up */
            continue;
        if (q->thread_started) {
            wake(q);
            pthread_join(q->thread, NULL);
            q->thread_started = false;
        }
        served += __atomic_load_n(&q->served, __ATOMIC_RELAXED);
        /* No more commits: a request still deferred is dropped on reply.
         * Closing the ring cancels what the kernel still holds. */
        pthread_mutex_lock(&q->sq_lock);
        q->closed = true;
        ring_close(q);
        pthread_mutex_unlock(&q->sq_lock);
    }
    if (fsp_debug(se))
        fsp_log("fsp: io_uring: served %llu requests on %u queues", (unsigned long long)served,
                ur->nqueues);
}

void fsp_uring_free(struct fsp_session *se)
{
    struct fsp_uring *ur = se->uring;
    if (!ur)
        return;
    for (unsigned i = 0; i < ur->nqueues; i++) {
        struct fsp_uring_queue *q = &ur->queues[i];
        if (!q->ur) /* never set up */
            continue;
        if (q->thread_started) /* still running: the session never waited */
            continue;
        ring_close(q);
        if (q->wake_fd >= 0)
            close(q->wake_fd);
        for (unsigned e = 0; e < q->nents; e++)
            fsp_bufset_free(q->ents[e].bs);
        free(q->ents);
        pthread_mutex_destroy(&q->sq_lock);
    }
    free(ur->queues);
    pthread_cond_destroy(&ur->go_cond);
    pthread_mutex_destroy(&ur->go_lock);
    free(ur);
    se->uring = NULL;
}

void fsp_uring_sum_stats(struct fsp_session *se, struct fsp_op_stats *sum)
{
    /* May run on the stopper thread (a dump) while INIT sets the ring up. */
    struct fsp_uring *ur = __atomic_load_n(&se->uring, __ATOMIC_ACQUIRE);
    if (!ur || !atomic_load(&ur->set_up))
        return;
    for (unsigned i = 0; i < ur->nqueues; i++)
        fsp_stats_sum(sum, &ur->queues[i].worker.stats);
}

bool fsp_uring_mark_interrupt(struct fsp_session *se, uint64_t unique)
{
    struct fsp_uring *ur = __atomic_load_n(&se->uring, __ATOMIC_ACQUIRE);
    if (!ur || !atomic_load(&ur->set_up))
        return false;
    for (unsigned i = 0; i < ur->nqueues; i++)
        if (fsp_worker_mark_interrupt(&ur->queues[i].worker, unique))
            return true;
    return false;
}

bool fsp_session_uses_uring(struct fsp_session *se)
{
    struct fsp_uring *ur = se->uring;
    if (!ur)
        return false;
    for (unsigned i = 0; i < ur->nqueues; i++)
        if (__atomic_load_n(&ur->queues[i].served, __ATOMIC_RELAXED))
            return true;
    return false;
}
