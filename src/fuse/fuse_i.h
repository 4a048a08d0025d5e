/*
 * fuse_i.h - private structures of FSP's FUSE 3 low-level adapter.
 *
 * The adapter sits on the kernel session (kernel/session.h): it fills the
 * session's operations table with one handler per opcode, converts each
 * request into the libfuse call, and turns fuse_reply_*() back into session
 * replies. It never touches /dev/fuse itself.
 */
#ifndef FSP_FUSE_I_H
#define FSP_FUSE_I_H

#define FUSE_USE_VERSION 314
#include <cuse_lowlevel.h>
#include <fuse_lowlevel.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "kernel/session.h"

#define FSP_FUSE_EXPORT __attribute__((visibility("default")))

/* Binds a C function to a versioned libfuse3 symbol. libfuse.so.2 (src/fuse2)
 * links a second build of these sources with FSP_FUSE_NO_SYMVER: it has no
 * FUSE 3 version nodes and exports FUSE 2's names instead. */
#ifdef FSP_FUSE_NO_SYMVER
#define FSP_FUSE_SYMVER(spec) _Static_assert(1, "no symbol version")
#else
#define FSP_FUSE_SYMVER(spec) __asm__(".symver " spec)
#endif

/* A CUSE device's session (cuse.c): its operations and CUSE_INIT data. */
struct fsp_fuse_cuse {
    struct cuse_lowlevel_ops clop;
    struct fsp_cuse_info info; /* .info: the joined dev_info strings */
    char *strings;
    void *compat; /* libfuse.so.2's device (its userdata here), freed with us */
};

/* A pending RETRIEVE, matched to its NOTIFY_REPLY by unique. */
struct fuse_retrieve {
    struct fuse_retrieve *next;
    uint64_t unique;
    void *cookie;
};

struct fuse_session {
    struct fuse_lowlevel_ops op;
    void *userdata;
    struct fsp_session *fsp; /* NULL until mounted */

    /* From the -o options of fuse_session_new(). */
    char *fsname, *subtype;
    bool debug, allow_other, allow_root, default_permissions, read_only, auto_unmount;
    unsigned max_read;         /* 0 = no limit */
    unsigned long mount_flags; /* MS_* for mount(2); read_only adds MS_RDONLY */
    bool io_uring;             /* -o io_uring: serve over FUSE-over-io_uring if offered */
    unsigned io_uring_depth;
    uid_t owner;           /* allow_root lets this user (and root) in */
    unsigned thread_count; /* 0, or the workers of every multi-threaded loop */

    /* A connection given rather than mounted (fuse_session_custom_io, FUSE
     * 2's fuse_chan_new/fuse_kern_chan_new): its fd and transport (NULL
     * members: the system calls), used once the session first needs it, or
     * on the mount's fd if the session is mounted after all. */
    bool has_io;
    int io_fd;
    struct fsp_transport transport;
    struct fuse_custom_io io;   /* fuse_session_custom_io's functions */
    struct fsp_fuse_cuse *cuse; /* a CUSE device (cuse_lowlevel_new), else NULL */

    struct fuse_conn_info conn;
    /* The high-level layer clears setuid/setgid itself (hl_killpriv.c):
     * set by its init() to ask for FUSE_HANDLE_KILLPRIV_V2, left set only
     * when the kernel agreed. Never set for low-level programs, which
     * cannot see the kernel's flags through the 3.14 API. */
    bool handle_killpriv_v2;
    atomic_bool got_init, got_destroy;
    atomic_bool exited;
    int error; /* what the loop returns: -errno, or the signal that ended it */

    pthread_mutex_t lock; /* retrieves */
    struct fuse_retrieve *retrieves;
    uint64_t retrieve_unique;
};

/*
 * A request as the file system sees it. It lives at the start of the
 * session request's scratch buffer, so it costs no allocation and follows
 * the request if that is answered later from another thread.
 */
struct fuse_req {
    struct fuse_session *se;
    struct fsp_req *fsp; /* NULL: a stand-in that takes no reply (batch forget) */
    struct fuse_ctx ctx;
    bool answered_inline; /* replied on the worker, before the handler returned */
    fuse_interrupt_func_t ifunc;
    void *idata;
    /* The kernel's *_KILL_SUIDGID flag of a WRITE, SETATTR, OPEN or CREATE
     * (HANDLE_KILLPRIV_V2): the caller lacks CAP_FSETID, or it is a chown.
     * libfuse 3.14 has no way to pass it; the high-level layer reads it. */
    bool kill_suidgid;
};

/* The poll handle given to the poll operation. */
struct fuse_pollhandle {
    uint64_t kh;
    struct fuse_session *se;
};

/* ll_session.c: the -o options of fuse_session_new() (0, or -1 after a message). */
int fsp_fuse_session_opts(struct fuse_session *se, struct fuse_args *args);
bool fsp_fuse_is_session_option(const char *opt);

/* ll_session.c: the session's operations table and mount options. */
void fsp_fuse_session_ops(struct fuse_session *se, struct fsp_session_ops *ops);
void fsp_fuse_mount_opts(struct fuse_session *se, const char *mountpoint,
                         struct fsp_mount_opts *mo);
void fsp_fuse_session_free(struct fuse_session *se);

/* ll_ownloop.c: the kernel session of se, made on first use for a session
 * that has custom I/O but no mount (NULL: neither). */
struct fsp_session *fsp_fuse_connection(struct fuse_session *se);
/* Serve the connection on fd (libfuse's /dev/fd/N mount point); takes fd
 * (closed on failure). */
int fsp_fuse_attach_fd(struct fuse_session *se, int fd);
/* After a mount: use the custom I/O, if any, on it. */
void fsp_fuse_apply_io(struct fuse_session *se);
/* Serve fd through t (NULL: the system calls) instead of a mount; the
 * session closes fd when destroyed. */
void fsp_fuse_use_fd(struct fuse_session *se, int fd, const struct fsp_transport *t);
/* One request into mem (size bytes): libfuse's receive result. */
int fsp_fuse_receive(struct fuse_session *se, void *mem, size_t size, bool restart_enoent);
int fsp_fuse_open_channel(const char *mountpoint, const char *options);

/* cuse.c: a CUSE session's INIT hooks and session setup; its data freed. */
void fsp_fuse_cuse_ops(struct fsp_session_ops *ops);
int fsp_fuse_cuse_connect(struct fuse_session *se, struct fsp_session *fsp);
void fsp_fuse_cuse_free(struct fsp_fuse_cuse *cuse);
/* cuse_lowlevel_setup for either API: make creates the session from the
 * options left in args. */
typedef struct fuse_session *fsp_fuse_cuse_make(struct fuse_args *args, void *ctx);
struct fuse_session *fsp_fuse_cuse_setup(int argc, char *argv[], int *multithreaded,
                                         fsp_fuse_cuse_make *make, void *ctx);

/* ll_dispatch.c */
void fsp_fuse_fill_ops(struct fsp_session_ops *ops);

/* ll_reply.c */
void fsp_fuse_req_start(struct fuse_req *req); /* the handler runs on this thread now */
/* The fuse_req of a request from the kernel: set up at the start of its
 * scratch (the caller's ids from the header) and started. */
struct fuse_req *fsp_fuse_req_begin(struct fuse_session *se, struct fsp_req *freq);
void fsp_fuse_req_finish(struct fuse_req *req);
/* Scratch space past the fuse_req, for building reply payloads. */
void *fsp_fuse_req_space(struct fuse_req *req, size_t *size);

/* ll_notify.c */
void fsp_fuse_notify_reply(struct fsp_req *freq, const void *arg, uint32_t arglen);
void fsp_fuse_retrieves_free(struct fuse_session *se);

/* ll_reply.c: wire conversions shared by replies and directory entries. */
void fsp_fuse_fill_attr(struct fuse_attr *a, const struct stat *st);
void fsp_fuse_fill_entry(struct fuse_entry_out *out, const struct fuse_entry_param *e);

#endif /* FSP_FUSE_I_H */
