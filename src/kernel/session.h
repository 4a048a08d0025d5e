/*
 * session.h - the kernel session: FSP's stand-in for WinFsp's FSD.
 *
 * A session owns one FUSE mount: it mounts, negotiates INIT, runs a fixed
 * pool of worker threads (each on its own cloned /dev/fuse fd), decodes each
 * request and hands it to one entry of an operations table, and offers the
 * reply and notify functions. It knows the wire protocol and nothing about
 * paths, Windows or the file system's data model: the adapters (native, FUSE)
 * fill the operations table and never touch /dev/fuse themselves.
 *
 * Lifetime of a request: the worker reads it into its own buffer and calls
 * ops->op[opcode](req, arg, arglen). The handler must reply exactly once
 * (except for FORGET, BATCH_FORGET and INTERRUPT, which take no reply), either
 * before returning or later: fsp_req_defer() detaches the request from the
 * worker (which then switches to a spare buffer), and any thread may reply
 * afterwards. The common path allocates nothing.
 */
#ifndef FSP_KERNEL_SESSION_H
#define FSP_KERNEL_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "fuse_wire.h"

struct fsp_session;
struct fsp_req;

/* A request handler: arg/arglen are the opcode's payload after the header
 * (already checked to be at least as long as the opcode's fixed input). */
typedef void fsp_op_fn(struct fsp_req *req, const void *arg, uint32_t arglen);

/* What the kernel offered and what we settled on during INIT. */
struct fsp_conn {
    uint32_t proto_major, proto_minor; /* negotiated */
    uint64_t kernel_flags;             /* what the kernel offered (flags | flags2 << 32) */
    uint64_t want;                     /* filled by the adapter's init hook; the session masks
                                          it with kernel_flags before replying */
    uint32_t max_write;                /* bytes; the session sets its default before the hook */
    uint32_t max_readahead;
    uint16_t max_pages;
    uint16_t max_background;
    uint16_t congestion_threshold;
    uint32_t time_gran; /* ns */
    /* Passthrough: an adapter that wants backing files sets FUSE_PASSTHROUGH
     * in want (the session never does on its own). max_stack_depth is then
     * how many file system layers may lie under the backing files (1: they
     * live on an ordinary file system); default 1. */
    uint32_t max_stack_depth;
    /* Seconds the kernel may wait for any reply before it aborts the
     * connection (FUSE_REQUEST_TIMEOUT, Linux 6.14); 0 = never, the
     * default. The hook sets it; the session sends it when the kernel
     * offers the flag and leaves it 0 here when not. The kernel raises a
     * value below 15 s to 15 s and looks for late requests every 15 s. */
    uint16_t request_timeout;
};

struct fsp_session_ops {
    /* Called on a worker during INIT before the reply; may adjust conn->want etc. */
    void (*init)(void *userdata, struct fsp_conn *conn);
    /* Called on the worker after the INIT reply went out (optional). */
    void (*init_done)(void *userdata);
    /* Called once when the session ends (DESTROY received, or unmounted). */
    void (*destroy)(void *userdata);
    /* One handler per opcode; NULL answers ENOSYS (or EOPNOTSUPP where ENOSYS
     * would make the kernel disable the call for the whole mount). INIT,
     * DESTROY and INTERRUPT are the session's own and must stay NULL. */
    fsp_op_fn *op[FSP_FUSE_OPCODE_MAX];
};

/* Mount options: everything the session needs to mount and run. */
struct fsp_mount_opts {
    const char *mountpoint; /* an existing directory */
    const char *fsname;     /* shown as the mount source (df, findmnt); default "fsp" */
    const char *subtype;    /* shown as fuse.<subtype>; NULL for plain "fuse" */
    bool allow_other;
    bool default_permissions; /* let the kernel check mode bits */
    bool read_only;
    /* mount(2) flags (MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_NOATIME, ...), used
     * as given when mount_flags_set, else MS_NOSUID | MS_NODEV (libfuse's
     * default). read_only adds MS_RDONLY either way. */
    bool mount_flags_set;
    unsigned long mount_flags;
    bool auto_unmount;     /* unmount even when the process dies (watcher process) */
    uint32_t rootmode;     /* S_IFDIR | perms of the root, for the mount(2) option */
    unsigned thread_count; /* workers; 0 = a sensible default */
    uint32_t max_write;    /* 0 = 1 MiB */
    uint32_t max_read;     /* 0 = no limit; else the max_read= mount option (bytes per READ) */
    /* Transport: serve requests over FUSE-over-io_uring (one ring per CPU)
     * when the kernel offers it (module parameter enable_uring); otherwise,
     * or if the kernel refuses the ring, /dev/fuse as usual. */
    bool io_uring;
    unsigned io_uring_depth; /* ring entries per CPU queue; 0 = a default */
};

/* Create a session and mount it. On failure returns NULL with errno set and a
 * message written to the session log (stderr by default). */
struct fsp_session *fsp_session_mount(const struct fsp_mount_opts *opts,
                                      const struct fsp_session_ops *ops, void *userdata);

/* Start the worker pool; returns immediately (0 or -errno). */
int fsp_session_start(struct fsp_session *se);

/* Block until the session has ended (unmounted from outside, DESTROY, or
 * fsp_session_stop), then join the workers. Returns 0, or -errno on failure. */
int fsp_session_wait(struct fsp_session *se);

/* Ask the session to end: unmounts, which makes every worker leave its loop.
 * Safe from any thread and (via fsp_session_stop_async) from signal handlers. */
void fsp_session_stop(struct fsp_session *se);
void fsp_session_stop_async(struct fsp_session *se); /* async-signal-safe */

/* Unmount if still mounted, stop and join the workers, free everything. */
void fsp_session_destroy(struct fsp_session *se);

/* Accessors. */
void *fsp_session_userdata(struct fsp_session *se);
const struct fsp_conn *fsp_session_conn(struct fsp_session *se);
const char *fsp_session_mountpoint(struct fsp_session *se);
bool fsp_session_exited(struct fsp_session *se);
/* True on one of the session's worker threads: a handler must not wait for
 * the kernel to apply a notification (it may need the handler's reply). */
bool fsp_session_on_worker(struct fsp_session *se);

/* The /dev/fuse fd the mount was made with (for fuse_session_fd()). */
int fsp_session_fd(struct fsp_session *se);

/* Worker count for fsp_session_start(); before start only (else -EBUSY).
 * 0 picks the default. Lets an adapter mount first and choose later. */
int fsp_session_set_threads(struct fsp_session *se, unsigned count);

/* Debug: when set, the session logs INIT negotiation and each request/reply. */
void fsp_session_set_debug(struct fsp_session *se, bool on);

/* --- Connections made elsewhere, own transports, own loops ------------------ */

/* A session on `fd`, a FUSE connection (or any message transport) that the
 * caller mounted or obtained: libfuse's "/dev/fd/N" mount point (a
 * privileged helper mounted and passed the fd), fuse_session_custom_io(),
 * CUSE. The session takes the fd (closed at destroy) and never mounts or
 * unmounts: ending the connection is its owner's business. opts gives
 * buffers, threads and names; opts->mountpoint may be NULL. */
struct fsp_session *fsp_session_attach(int fd, const struct fsp_mount_opts *opts,
                                       const struct fsp_session_ops *ops, void *userdata);

/* Mount opts->mountpoint and return its /dev/fuse fd (or -errno) without a
 * session (libfuse's fuse_open_channel): the caller serves it (typically
 * through fsp_session_attach) and unmounts it. With auto_unmount the
 * watcher stays until the process exits. */
int fsp_mount_fd(const struct fsp_mount_opts *opts);

/* Unmount whatever FUSE mount sits at path (the caller knows it is its
 * own), as a session unmounts its mount: at once when idle, else lazily;
 * with umount2(2) as root, through fusermount3 -u otherwise or when root
 * may not (a user namespace). 0, or -errno (-EIO: fusermount3 failed). */
int fsp_unmount_path(const char *path);

/* Caller-supplied transport: read one whole request, write one reply or
 * notification; both return -1 with errno set on failure, as the system
 * calls do. A NULL member keeps the system call. Set before any request is
 * read (-EBUSY after fsp_session_start); the workers then all share the
 * session fd (a custom fd cannot be cloned). */
struct fsp_transport {
    ssize_t (*read)(int fd, void *buf, size_t size, void *data);
    ssize_t (*writev)(int fd, const struct iovec *iov, int count, void *data);
    void *data;
};
int fsp_session_set_transport(struct fsp_session *se, const struct fsp_transport *io);

/* Own event loops: the program reads requests on its own threads, any
 * number at once, instead of fsp_session_start's workers. bufsize: the
 * smallest buffer that holds any request. receive reads one request into
 * buf and returns its size, or -errno (-ENOENT: the request was
 * interrupted as it was read, read again; -ENODEV: unmounted; EINTR,
 * EAGAIN as read(2)). process decodes and answers it on this thread (or
 * defers it, as on a worker); buf may be reused once it returns. */
size_t fsp_session_bufsize(struct fsp_session *se);
ssize_t fsp_session_receive(struct fsp_session *se, void *buf, size_t size);
void fsp_session_process(struct fsp_session *se, const void *buf, size_t size);

/* --- CUSE ------------------------------------------------------------------ */

/* Make the session a character device server (/dev/cuse, or any transport
 * carrying the CUSE protocol): it answers CUSE_INIT rather than FUSE_INIT,
 * after the init hook, with the device numbers, flags (CUSE_UNRESTRICTED_IOCTL)
 * and info: info_len bytes of NUL-terminated "KEY=value" strings, DEVNAME=
 * among them (at most CUSE_INIT_INFO_MAX). Then OPEN, READ, WRITE, FLUSH,
 * RELEASE, FSYNC, IOCTL and POLL arrive as on a FUSE mount, for the device
 * (nodeid 0). Before the first request; 0 or -errno. */
struct fsp_cuse_info {
    uint32_t dev_major, dev_minor;
    uint32_t flags;
    const char *info;
    size_t info_len;
};
int fsp_session_set_cuse(struct fsp_session *se, const struct fsp_cuse_info *ci);

/* Open the CUSE device for a new character device server, as the session
 * opens /dev/fuse for a mount: the fd to serve (fsp_session_attach, then
 * fsp_session_set_cuse), or -errno; -ENOENT or -ENODEV when the kernel has
 * no CUSE (the cuse module is not loaded). */
#define FSP_CUSE_DEVICE "/dev/cuse"
int fsp_cuse_open(void);

/* --- Requests ------------------------------------------------------------ */

const struct fuse_in_header *fsp_req_header(const struct fsp_req *req);
struct fsp_session *fsp_req_session(const struct fsp_req *req);
/* Interrupt: true once the kernel has sent INTERRUPT for this request. */
bool fsp_req_interrupted(const struct fsp_req *req);

/* Interrupt callback: fn(req, data) runs once the kernel's INTERRUPT for req
 * arrives, on the worker that reads it, or at once on the caller if it has
 * arrived already; a NULL fn removes it. Setting one detaches the request
 * from its worker (as fsp_req_defer does), so that the request stays valid
 * while fn runs even if it is answered meanwhile, from fn itself or from
 * another thread: its buffers go back when both are done. */
typedef void fsp_intr_fn(struct fsp_req *req, void *data);
void fsp_req_on_interrupt(struct fsp_req *req, fsp_intr_fn *fn, void *data);

/* A per-worker scratch buffer of at least max_write + 4 KiB bytes, valid until
 * the reply is sent, for building reply payloads (read data, directory
 * listings) without allocating. A deferred request keeps its scratch. */
void *fsp_req_scratch(struct fsp_req *req, size_t *size);

/* Detach the request from its worker so it can be answered later, from any
 * thread. The worker continues with a spare buffer. The request pointer (and
 * its arg and scratch) stays valid until it is answered. */
void fsp_req_defer(struct fsp_req *req);

/* --- Replies: each consumes the request. --------------------------------- */

int fsp_reply_err(struct fsp_req *req, int err); /* err is a positive errno; 0 = success, no data */
int fsp_reply_buf(struct fsp_req *req, const void *data, size_t size);
int fsp_reply_iov(struct fsp_req *req, const struct iovec *iov, int count);
void fsp_reply_none(struct fsp_req *req); /* FORGET and friends: release without replying */

/* --- Notifications (any thread; return 0 or -errno; -ENOENT is normal). --- */

int fsp_notify_inval_inode(struct fsp_session *se, uint64_t nodeid, int64_t off, int64_t len);
int fsp_notify_inval_entry(struct fsp_session *se, uint64_t parent, const char *name,
                           size_t namelen);
int fsp_notify_delete(struct fsp_session *se, uint64_t parent, uint64_t child, const char *name,
                      size_t namelen);

/* Any other notification: iov[0] is left for the session's out header,
 * iov[1..count-1] carry the payload (count <= 8). */
int fsp_notify_raw(struct fsp_session *se, int code, struct iovec *iov, int count);

/* --- Passthrough: backing files (protocol 7.40, CAP_SYS_ADMIN) ------------- */

/* Register `fd` (an open file) as a backing file of this connection. Returns
 * the backing id (> 0) or -errno (-EPERM without CAP_SYS_ADMIN, -EOPNOTSUPP
 * when passthrough was not negotiated, -ELOOP when the file lies on too deep
 * a stack). The fd may be closed afterwards; the id keeps the file. */
int fsp_session_backing_open(struct fsp_session *se, int fd);
/* Drop a backing id (files already opened with it keep their backing). */
int fsp_session_backing_close(struct fsp_session *se, int backing_id);
/* Make an OPEN/CREATE reply pass the file's I/O straight to backing_id.
 * Returns 0, or -EOPNOTSUPP (reply unchanged) when passthrough is off. */
int fsp_open_out_passthrough(struct fsp_session *se, struct fuse_open_out *out, int backing_id);

/* --- Transport ------------------------------------------------------------- */

/* True once a request was served over io_uring (fsp_mount_opts.io_uring). */
bool fsp_session_uses_uring(struct fsp_session *se);

/* --- Profiling -------------------------------------------------------------- */

/* Log per-opcode request counts and handler time, summed over the workers
 * (each keeps its own counters; no lock on the request path). Also logged
 * when a session with debug on ends. The _async variant is safe in signal
 * handlers (e.g. SIGUSR1): the session's stopper thread does the dump. */
void fsp_session_dump_stats(struct fsp_session *se);
void fsp_session_dump_stats_async(struct fsp_session *se);
/* Counts are always kept; handler time only while profiling is on (two
 * clock reads per request), which debug implies. Off by default; the
 * environment variable FSP_PROFILE=1 turns it on for every session. */
void fsp_session_set_profiling(struct fsp_session *se, bool on);

/* --- Logging -------------------------------------------------------------- */

/* printf-style log used by the whole library (errors and debug traces).
 * Destination: stderr unless fsp_log_set_fd() chose another fd. */
void fsp_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fsp_log_set_fd(int fd);

#endif /* FSP_KERNEL_SESSION_H */
