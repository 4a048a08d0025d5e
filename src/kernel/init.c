/*
 * init.c - FUSE_INIT: settle the protocol version and the features with the
 * kernel.
 *
 * The session proposes its defaults, lets the adapter's init hook adjust
 * them, keeps only what the kernel offered, and fits the sizes to the
 * buffers the workers own (a request must never exceed them).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kernel/internal.h"

#define FSP_PAGE 4096u

/* What every FSP mount wants unless the adapter says otherwise. Not
 * EXPORT_SUPPORT (NFS export needs lookups of "." and ".." that the adapters
 * do not offer), not WRITEBACK_CACHE (the adapter must opt in), not
 * HANDLE_KILLPRIV_V2 (it would make clearing suid/sgid our job). */
#define FSP_DEFAULT_WANT                                                                   \
    (FUSE_ASYNC_READ | FUSE_BIG_WRITES | FUSE_MAX_PAGES | FUSE_DO_READDIRPLUS |            \
     FUSE_READDIRPLUS_AUTO | FUSE_PARALLEL_DIROPS | FUSE_ATOMIC_O_TRUNC | FUSE_ASYNC_DIO | \
     FUSE_INIT_EXT)

static const char *const flag_names[64] = {
    "ASYNC_READ",
    "POSIX_LOCKS",
    "FILE_OPS",
    "ATOMIC_O_TRUNC",
    "EXPORT_SUPPORT",
    "BIG_WRITES",
    "DONT_MASK",
    "SPLICE_WRITE",
    "SPLICE_MOVE",
    "SPLICE_READ",
    "FLOCK_LOCKS",
    "HAS_IOCTL_DIR",
    "AUTO_INVAL_DATA",
    "DO_READDIRPLUS",
    "READDIRPLUS_AUTO",
    "ASYNC_DIO",
    "WRITEBACK_CACHE",
    "NO_OPEN_SUPPORT",
    "PARALLEL_DIROPS",
    "HANDLE_KILLPRIV",
    "POSIX_ACL",
    "ABORT_ERROR",
    "MAX_PAGES",
    "CACHE_SYMLINKS",
    "NO_OPENDIR",
    "EXPLICIT_INVAL",
    "MAP_ALIGNMENT",
    "SUBMOUNTS",
    "HANDLE_KILLPRIV_V2",
    "SETXATTR_EXT",
    "INIT_EXT",
    "INIT_RESERVED",
    "SECURITY_CTX",
    "HAS_INODE_DAX",
    "CREATE_SUPP_GROUP",
    "HAS_EXPIRE_ONLY",
    "DIRECT_IO_ALLOW_MMAP",
    "PASSTHROUGH",
    "NO_EXPORT_SUPPORT",
    "HAS_RESEND",
    "ALLOW_IDMAP",
    "OVER_IO_URING",
    "REQUEST_TIMEOUT",
};

static void format_flags(uint64_t flags, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    for (unsigned i = 0; i < 64 && len < size; i++) {
        if (!(flags & (1ULL << i)))
            continue;
        int n;
        if (flag_names[i])
            n = snprintf(buf + len, size - len, "%s%s", len ? " " : "", flag_names[i]);
        else
            n = snprintf(buf + len, size - len, "%sbit%u", len ? " " : "", i);
        if (n < 0)
            break;
        len += (size_t)n;
    }
}

void fsp_do_init(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    struct fsp_session *se = req->se;
    struct fuse_init_in in;
    struct fuse_init_out out;
    struct fsp_conn *conn = &se->conn;

    /* Older kernels send a shorter fuse_init_in; the rest reads as zero. */
    memset(&in, 0, sizeof(in));
    memcpy(&in, arg, arglen < sizeof(in) ? arglen : sizeof(in));
    memset(&out, 0, sizeof(out));

    if (atomic_load(&se->got_init)) {
        fsp_log("fsp: second INIT ignored");
        fsp_reply_err(req, EPROTO);
        return;
    }
    if (in.major < FUSE_KERNEL_VERSION) {
        fsp_log("fsp: kernel FUSE protocol %u.%u is too old (need 7.x)", in.major, in.minor);
        fsp_reply_err(req, EPROTO);
        fsp_session_stop_async(se);
        return;
    }
    if (in.major > FUSE_KERNEL_VERSION) {
        /* Protocol: answer with only our version; the kernel then sends a
         * new INIT in the major we speak (or gives up). */
        out.major = FUSE_KERNEL_VERSION;
        out.minor = FSP_FUSE_MINOR;
        if (fsp_debug(se))
            fsp_log("fsp: INIT: kernel offers %u.%u, proposing %u.%u", in.major, in.minor,
                    out.major, out.minor);
        fsp_reply_buf(req, &out, sizeof(out));
        return;
    }

    uint64_t kflags = in.flags;
    if (in.flags & FUSE_INIT_EXT)
        kflags |= (uint64_t)in.flags2 << 32;

    conn->proto_major = FUSE_KERNEL_VERSION;
    conn->proto_minor = in.minor < FSP_FUSE_MINOR ? in.minor : FSP_FUSE_MINOR;
    conn->kernel_flags = kflags;
    conn->want = FSP_DEFAULT_WANT;
    conn->max_write = se->max_write_cap;
    conn->max_readahead = in.max_readahead;
    conn->max_pages = (uint16_t)(se->max_write_cap / FSP_PAGE);
    conn->max_background = 0;       /* 0 keeps the kernel's default */
    conn->congestion_threshold = 0; /* likewise */
    conn->time_gran = 1;
    conn->max_stack_depth = 1;
    conn->request_timeout = 0;

    if (se->ops.init)
        se->ops.init(se->userdata, conn);
    conn->want &= ~se->tune.want_off; /* FSP_TUNE outranks the hook */

    /* The transport is the session's choice (mount option), not the hook's.
     * FSP_IO_URING=1, a default for every adapter, passes over a program
     * that reads the requests in its own loop (fuse_session_receive_buf):
     * the rings would hand them to threads the program does not know. An
     * io_uring mount option still applies there, as in libfuse. */
    bool own_loop = req->worker && req->worker->external;
    if (se->uring_wanted && !se->custom_io && (se->uring_asked || !own_loop))
        conn->want |= FUSE_OVER_IO_URING;
    /* The kernel does not combine passthrough with the writeback cache. */
    if ((conn->want & FUSE_PASSTHROUGH) && (conn->want & FUSE_WRITEBACK_CACHE)) {
        fsp_log("fsp: passthrough and the writeback cache exclude each other; "
                "passthrough not used");
        conn->want &= ~FUSE_PASSTHROUGH;
    }
    /* The flag follows the value: a timeout is asked for by giving one. */
    if (conn->request_timeout)
        conn->want |= FUSE_REQUEST_TIMEOUT;
    else
        conn->want &= ~FUSE_REQUEST_TIMEOUT;
    uint64_t asked = conn->want;
    conn->want &= kflags;
    /* Requests and READ replies must fit the buffers allocated at start. */
    if (conn->max_write > se->max_write_cap)
        conn->max_write = se->max_write_cap;
    if (conn->max_write < FSP_PAGE)
        conn->max_write = FSP_PAGE;
    uint32_t page_cap = se->max_write_cap / FSP_PAGE;
    if (conn->max_pages == 0)
        conn->max_pages = (uint16_t)((conn->max_write + FSP_PAGE - 1) / FSP_PAGE);
    if (conn->max_pages > page_cap)
        conn->max_pages = (uint16_t)page_cap;
    if (conn->max_readahead > in.max_readahead)
        conn->max_readahead = in.max_readahead;
    if (conn->time_gran == 0 || conn->time_gran > 1000000000u)
        conn->time_gran = 1;
    /* The rings exist before the reply that announces them (see
     * fsp_uring_prepare); if they cannot, /dev/fuse serves alone. */
    if ((conn->want & FUSE_OVER_IO_URING) && fsp_uring_prepare(se) != 0)
        conn->want &= ~FUSE_OVER_IO_URING;

    out.major = FUSE_KERNEL_VERSION;
    out.minor = conn->proto_minor;
    out.max_readahead = conn->max_readahead;
    out.flags = (uint32_t)conn->want;
    if (conn->want & FUSE_INIT_EXT)
        out.flags2 = (uint32_t)(conn->want >> 32);
    else
        conn->want &= 0xffffffffu;
    if (conn->want & FUSE_REQUEST_TIMEOUT)
        out.request_timeout = conn->request_timeout;
    else
        conn->request_timeout = 0;
    out.max_background = conn->max_background;
    out.congestion_threshold = conn->congestion_threshold;
    out.max_write = conn->max_write;
    out.time_gran = conn->time_gran;
    if (conn->want & FUSE_MAX_PAGES)
        out.max_pages = conn->max_pages;
    if (conn->want & FUSE_PASSTHROUGH) {
        /* The kernel takes 1 or 2 (FILESYSTEM_MAX_STACK_DEPTH). */
        if (conn->max_stack_depth < 1)
            conn->max_stack_depth = 1;
        if (conn->max_stack_depth > 2)
            conn->max_stack_depth = 2;
        out.max_stack_depth = conn->max_stack_depth;
    }

    if (fsp_debug(se)) {
        char buf[1024];
        format_flags(kflags, buf, sizeof(buf));
        fsp_log("fsp: INIT: kernel %u.%u max_readahead=%u flags=0x%llx [%s]", in.major, in.minor,
                in.max_readahead, (unsigned long long)kflags, buf);
        format_flags(conn->want, buf, sizeof(buf));
        fsp_log("fsp: INIT: using %u.%u max_write=%u max_pages=%u max_readahead=%u "
                "max_background=%u congestion_threshold=%u time_gran=%u request_timeout=%u "
                "flags=0x%llx [%s]",
                out.major, out.minor, out.max_write, out.max_pages, out.max_readahead,
                out.max_background, out.congestion_threshold, out.time_gran, out.request_timeout,
                (unsigned long long)conn->want, buf);
        if (asked & ~kflags) {
            format_flags(asked & ~kflags, buf, sizeof(buf));
            fsp_log("fsp: INIT: not offered by the kernel: [%s]", buf);
        }
    }

    /* Reply sizes of older protocol minors. */
    size_t outsize = sizeof(out);
    if (out.minor < 5)
        outsize = 8;
    else if (out.minor < 23)
        outsize = 24;

    atomic_store_explicit(&se->got_init, true, memory_order_release);
    int rc = fsp_reply_buf(req, &out, outsize);
    /* The kernel takes ring registrations only once INIT is answered (a
     * failed reply leaves the prepared rings to the session's end). */
    if (rc == 0 && (conn->want & FUSE_OVER_IO_URING))
        fsp_uring_start(se);
    if (rc == 0 && se->ops.init_done)
        se->ops.init_done(se->userdata);
}
