/*
 * internal.h - the kernel session's private structures.
 *
 * Shared by the files of src/kernel only. The public face is session.h; the
 * adapters never see these structures.
 */
#ifndef FSP_KERNEL_INTERNAL_H
#define FSP_KERNEL_INTERNAL_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include "kernel/session.h"
#include "kernel/tune.h"

/* Lifecycle of one request, as seen by the reply functions. */
enum fsp_req_state {
    FSP_REQ_ACTIVE,   /* being handled on its worker */
    FSP_REQ_DEFERRED, /* detached: any thread may answer it */
    FSP_REQ_DONE,     /* answered (or released without answer) */
};

/*
 * A request together with the buffers it lives in. A worker owns one bufset
 * at a time; fsp_req_defer() gives the bufset to the request and the worker
 * takes a spare from the session's free list. The request header and its
 * arguments point into `in`; `scratch` is the reply workspace.
 */
struct fsp_req {
    struct fsp_session *se;
    struct fsp_worker *worker; /* NULL once deferred */
    const struct fuse_in_header *hdr;
    int fd; /* replies go back to the fd the request came from */
    enum fsp_req_state state;
    atomic_bool interrupted;
    bool noreply;                   /* FORGET & co: the kernel expects no answer */
    bool in_list;                   /* deferred, in se->inflight (INTERRUPT can find it) */
    struct fsp_uring_ent *ring_ent; /* came over io_uring: the reply commits this entry */
    struct fsp_req *prev, *next;    /* deferred requests' list (se->lock) */
    /* A request received by the caller (fsp_session_process) lives in the
     * caller's buffer, which is reused once the call returns: hdr points
     * here instead, so a deferred reply still finds its unique. */
    struct fuse_in_header hdr_copy;
    struct fsp_bufset *bs;
    /* fsp_req_on_interrupt (all under se->lock) */
    fsp_intr_fn *intr_fn;
    void *intr_data;
    unsigned intr_running; /* callbacks running now */
    bool release_pending;  /* answered while one ran: its thread gives the buffers back */
};

struct fsp_bufset {
    struct fsp_req req;
    struct fsp_bufset *next_free;
    size_t in_size, scratch_size;
    char *in;
    char *scratch;
};

/* Per-opcode request counts and handler time of one worker (stats.c). */
struct fsp_op_stats {
    uint64_t count[FSP_FUSE_OPCODE_MAX];
    uint64_t ns[FSP_FUSE_OPCODE_MAX];
};

struct fsp_worker {
    struct fsp_session *se;
    struct fsp_op_stats stats; /* written by this worker only */
    pthread_t thread;
    bool thread_started;
    bool exited;      /* under se->lock: left its loop; only then is it joined */
    int fd;           /* own clone of the session fd (or the session fd) */
    bool fd_owned;    /* close on destroy */
    bool lost_buffer; /* the current bufset went away with a deferred request */
    bool external;    /* requests come from the caller's buffer (fsp_session_process) */
    struct fsp_bufset *bs;
    /* How INTERRUPT finds a request that runs on this worker without being
     * deferred (worker.c): the request's unique while its handler runs,
     * else 0, written by this worker alone without the lock; INTERRUPT
     * reads it under se->lock and answers through intr_unique, which only
     * the request with that unique heeds (uniques are never reused). */
    _Atomic uint64_t cur_unique;
    _Atomic uint64_t intr_unique;
};

/* How the mount was made, which decides how it is undone. */
enum fsp_mount_kind {
    FSP_MOUNT_NONE,
    FSP_MOUNT_SYSCALL,     /* mount(2) as root */
    FSP_MOUNT_FUSERMOUNT3, /* through the set-uid helper */
};

/* Remembers pending INTERRUPTs that arrived before their request was
 * published (a worker can read the interrupt while another worker is still
 * between read() and publishing cur_unique). Uniques only grow, so a stale
 * entry (its request was answered first) never matches; but while any entry
 * is held every request takes se->lock to look, so stale ones are dropped
 * after FSP_PENDING_INTR_NS. */
#define FSP_PENDING_INTR    32
#define FSP_PENDING_INTR_NS (10ull * 1000 * 1000 * 1000)

struct fsp_pending_intr {
    uint64_t unique; /* 0: free */
    uint64_t when;   /* fsp_now_ns() at arrival */
};

struct fsp_session {
    /* Set at mount time, read-only afterwards. */
    struct fsp_session_ops ops;
    void *userdata;
    char *mountpoint; /* canonical absolute path */
    char *fsname;
    char *fstype; /* "fuse" or "fuse.<subtype>" */
    int fd;       /* the /dev/fuse fd the mount was made with (or attached) */
    enum fsp_mount_kind kind;
    bool attached; /* fsp_session_attach: someone else mounted; never unmount */
    /* Caller-supplied read/writev (fsp_session_set_transport); NULL members
     * mean the system calls. Set before any request, read-only afterwards. */
    struct fsp_transport io;
    bool custom_io; /* io.read or io.writev set: the workers share se->fd */
    /* CUSE (fsp_session_set_cuse): answer CUSE_INIT with these. */
    bool cuse;
    struct fsp_cuse_info cuse_info; /* .info points to cuse_strings */
    char *cuse_strings;
    unsigned dev_major, dev_minor; /* of our superblock; identifies our mount */
    bool dev_known;
    bool auto_unmount;
    pid_t watch_pid; /* our auto_unmount watcher */
    int watch_fd;    /* write end of its pipe */
    size_t buf_in_size, buf_scratch_size;
    uint32_t max_write_cap; /* what the buffers can carry */

    struct fsp_conn conn;
    atomic_bool got_init;
    atomic_bool debug;
    atomic_bool profile; /* time handlers for the stats (debug implies it) */

    /* Workers. */
    unsigned nworkers;
    struct fsp_worker *workers;
    bool started;
    bool waited;
    atomic_uint workers_running;
    atomic_int worker_error; /* first unexpected errno a worker ended with */

    /* Stop machinery: a pipe written from anywhere (signal handlers too)
     * wakes the stopper thread, which unmounts. */
    int stop_pipe[2];
    pthread_t stopper;
    bool stopper_started;
    volatile sig_atomic_t stop_requested;
    atomic_bool exited;

    /* Unmount is done once, by whoever gets there first. */
    pthread_mutex_t mount_lock;
    bool mounted;

    /* Deferred requests, spare buffers, deferred count, pending interrupts
     * (all under lock). The synchronous request path never takes the lock:
     * it reads pending_intr_count, which is atomic for that (worker.c). */
    pthread_mutex_t lock;
    pthread_cond_t cond; /* buffers returned, workers exited */
    struct fsp_req *inflight;
    struct fsp_bufset *free_bufs;
    unsigned ndeferred;
    struct fsp_pending_intr pending_intr[FSP_PENDING_INTR];
    unsigned pending_intr_next;
    atomic_uint pending_intr_count;

    atomic_bool destroy_called;

    /* FUSE over io_uring (uring.c); NULL when /dev/fuse serves alone. */
    struct fsp_tune tune; /* FSP_TUNE (tune.h): overrides for measurements */
    bool uring_wanted;
    bool uring_asked; /* by the mount options, not only by FSP_IO_URING */
    unsigned uring_depth;
    struct fsp_uring *uring;
};

/* mount.c */
int fsp_kmount(struct fsp_session *se, const struct fsp_mount_opts *opts);
void fsp_kunmount(struct fsp_session *se);
void fsp_kabort(struct fsp_session *se);
void fsp_kreap_watcher(struct fsp_session *se);

/* mountinfo.c: async-signal-safe (no malloc, no stdio), used by the watcher. */
struct fsp_mntent {
    unsigned major, minor;
    char fstype[64];
    char source[256];
};
/* Find the topmost mount at `mountpoint` (canonical path); 0 or -errno. */
int fsp_mountinfo_top(const char *mountpoint, struct fsp_mntent *ent);

/* init.c */
void fsp_do_init(struct fsp_req *req, const void *arg, uint32_t arglen);
/* cuse.c */
void fsp_do_cuse_init(struct fsp_req *req, const void *arg, uint32_t arglen);

/* worker.c */
void *fsp_worker_main(void *arg);
/* A request buffer of in_size bytes and a reply workspace of scratch_size. */
struct fsp_bufset *fsp_bufset_new(size_t in_size, size_t scratch_size);
void fsp_bufset_free(struct fsp_bufset *bs);
void fsp_session_end(struct fsp_session *se);
/* This thread serves se's requests; returns the session it served before. */
struct fsp_session *fsp_worker_bind(struct fsp_session *se);
/* A spare bufset: from the free list, else new (NULL once the session is over). */
struct fsp_bufset *fsp_bufset_take(struct fsp_session *se);
void fsp_dispatch(struct fsp_worker *w, struct fsp_bufset *bs, char *buf, size_t n);

/* uring.c: FUSE over io_uring. prepare: before an INIT reply that asks for
 * the ring (one queue per CPU: ring, buffers, thread); once that reply is
 * sent the kernel holds every request until each queue has registered, so
 * whatever may fail happens here, and on failure (-errno) the reply must
 * not ask. start: after the reply (the threads register). stop: end and
 * join the queue threads (after the workers). free: at the end. */
int fsp_uring_prepare(struct fsp_session *se);
void fsp_uring_start(struct fsp_session *se);
void fsp_uring_stop(struct fsp_session *se);
void fsp_uring_free(struct fsp_session *se);
/* Commit a reply over the ring: iov[0] is the out header, the rest its
 * payload; consumes the request. Returns 0 or -errno. */
int fsp_uring_reply(struct fsp_req *req, const struct iovec *iov, int count);
/* Hand an answered entry back to the kernel (its reply is in place).
 * other_thread: called off the entry's queue thread, which is then woken to
 * submit it; otherwise it goes with the queue thread's next wait. */
int fsp_uring_commit(struct fsp_uring_ent *ent, bool other_thread);
/* On a queue thread: submit the answers it has batched so far (before a
 * notification, which must not overtake them). Elsewhere: nothing. */
void fsp_uring_flush_answers(void);

/* external.c: read or write through the session's transport (-1 + errno). */
static inline ssize_t fsp_io_read(struct fsp_session *se, int fd, void *buf, size_t size)
{
    return se->io.read ? se->io.read(fd, buf, size, se->io.data) : read(fd, buf, size);
}
static inline ssize_t fsp_io_writev(struct fsp_session *se, int fd, const struct iovec *iov,
                                    int count)
{
    return se->io.writev ? se->io.writev(fd, iov, count, se->io.data) : writev(fd, iov, count);
}
/* Is a synchronous request with this unique running on a worker? Marks it
 * interrupted (se->lock held; uring.c for its queue threads). */
bool fsp_worker_mark_interrupt(struct fsp_worker *w, uint64_t unique);
bool fsp_uring_mark_interrupt(struct fsp_session *se, uint64_t unique);
/* fsp_req_defer: the deferred request leaves its worker's slot for the
 * se->inflight list, with any interrupt it got there (se->lock held). */
void fsp_worker_hand_over(struct fsp_worker *w, struct fsp_req *req);
/* Takes an INTERRUPT for req waiting in se->pending_intr, marking req
 * (takes se->lock): a worker's slow path, and the only way a request on a
 * caller's own loop (external.c; not among the workers INTERRUPT scans)
 * learns of one before it is deferred. */
void fsp_take_pending_interrupt(struct fsp_session *se, struct fsp_req *req);

/* reply.c */
int fsp_reply_raw(struct fsp_req *req, int err, const struct iovec *iov, int count);
/* Ends the request; false while an interrupt callback still looks at it (the
 * last one to return gives its buffers back, and commits a ring entry). */
bool fsp_req_release(struct fsp_req *req);
/* Run an interrupt callback taken (intr_running counted) under se->lock. */
void fsp_req_run_interrupt(struct fsp_req *req, fsp_intr_fn *fn, void *data);

/* stats.c */
uint64_t fsp_now_ns(void);
bool fsp_profiling(const struct fsp_session *se);
void fsp_stats_note(struct fsp_op_stats *st, uint32_t opcode, uint64_t ns);
void fsp_stats_sum(struct fsp_op_stats *sum, const struct fsp_op_stats *st);
void fsp_uring_sum_stats(struct fsp_session *se, struct fsp_op_stats *sum); /* uring.c */
/* session.c: hand the stopper thread a command byte (async-signal-safe). */
void fsp_session_signal_stopper(struct fsp_session *se, char cmd);

/* log.c */
const char *fsp_opcode_name(uint32_t opcode);
bool fsp_debug(const struct fsp_session *se);

#endif /* FSP_KERNEL_INTERNAL_H */
