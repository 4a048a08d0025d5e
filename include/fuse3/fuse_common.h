/*
 * fuse_common.h - what FSP's FUSE 3 high-level and low-level APIs share:
 * open-file info, connection capabilities, data buffers, the loop
 * configuration, daemon and signal helpers. Names, values and layouts
 * match libfuse 3.14, so programs built against libfuse run on FSP.
 *
 * Include <fuse.h> or <fuse_lowlevel.h>, not this file.
 */
#if !defined(FUSE_H_) && !defined(FUSE_LOWLEVEL_H_)
#error "include <fuse.h> or <fuse_lowlevel.h>, not <fuse_common.h>"
#endif

#ifndef FUSE_COMMON_H_
#define FUSE_COMMON_H_

#include "fuse_log.h"
#include "fuse_opt.h"
#include "libfuse_config.h"
#include <stdint.h>
#include <sys/types.h>

/* The libfuse API version this library implements. */
#define FUSE_MAJOR_VERSION          3
#define FUSE_MINOR_VERSION          14
#define FUSE_MAKE_VERSION(maj, min) ((maj)*100 + (min))
#define FUSE_VERSION                FUSE_MAKE_VERSION(FUSE_MAJOR_VERSION, FUSE_MINOR_VERSION)

/* Programs must say which API they were written for (30 .. 314). */
#if !defined(FUSE_USE_VERSION) || FUSE_USE_VERSION < 30
#error "define FUSE_USE_VERSION to 30 or more (FSP offers the FUSE 3 API)"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* State of one open file, passed to open/read/write/release and friends.
 * The flags the file system sets in open()/create() become FOPEN_* bits. */
struct fuse_file_info {
    int flags;                      /* open(2) flags */
    unsigned int writepage : 1;     /* write comes from the page cache */
    unsigned int direct_io : 1;     /* bypass the page cache */
    unsigned int keep_cache : 1;    /* keep cached data on open */
    unsigned int flush : 1;         /* release: flush as well */
    unsigned int nonseekable : 1;   /* the file is not seekable */
    unsigned int flock_release : 1; /* release: drop the flock lock */
    unsigned int cache_readdir : 1; /* opendir: the kernel may cache entries */
    unsigned int noflush : 1;       /* no FLUSH on close */
    unsigned int padding : 24;
    unsigned int padding2 : 32;
    uint64_t fh; /* the file system's handle */
    uint64_t lock_owner;
    uint32_t poll_events; /* poll: requested events */
    /* open/create: a backing id from fuse_passthrough_open() to pass this
     * file's I/O straight to the backing file (libfuse 3.17's field). It
     * fills what was tail padding in 3.14's layout, so the struct keeps its
     * size and a 3.14 program (which never sets it) leaves it 0. */
    int32_t backing_id;
};

/* Before 3.12 the loop configuration was a public two-field struct; since
 * then it is opaque (fuse_loop_cfg_*) and the old one is the _v1. */
#if FUSE_USE_VERSION < FUSE_MAKE_VERSION(3, 12)
struct fuse_loop_config_v1;
struct fuse_loop_config {
#else
struct fuse_loop_config_v1 {
#endif
    int clone_fd;
    unsigned int max_idle_threads;
};

/* Capabilities (fuse_conn_info.capable / .want). */
#define FUSE_CAP_ASYNC_READ          (1 << 0)
#define FUSE_CAP_POSIX_LOCKS         (1 << 1)
#define FUSE_CAP_ATOMIC_O_TRUNC      (1 << 3)
#define FUSE_CAP_EXPORT_SUPPORT      (1 << 4)
#define FUSE_CAP_DONT_MASK           (1 << 6)
#define FUSE_CAP_SPLICE_WRITE        (1 << 7)
#define FUSE_CAP_SPLICE_MOVE         (1 << 8)
#define FUSE_CAP_SPLICE_READ         (1 << 9)
#define FUSE_CAP_FLOCK_LOCKS         (1 << 10)
#define FUSE_CAP_IOCTL_DIR           (1 << 11)
#define FUSE_CAP_AUTO_INVAL_DATA     (1 << 12)
#define FUSE_CAP_READDIRPLUS         (1 << 13)
#define FUSE_CAP_READDIRPLUS_AUTO    (1 << 14)
#define FUSE_CAP_ASYNC_DIO           (1 << 15)
#define FUSE_CAP_WRITEBACK_CACHE     (1 << 16)
#define FUSE_CAP_NO_OPEN_SUPPORT     (1 << 17)
#define FUSE_CAP_PARALLEL_DIROPS     (1 << 18)
#define FUSE_CAP_POSIX_ACL           (1 << 19)
#define FUSE_CAP_HANDLE_KILLPRIV     (1 << 20)
#define FUSE_CAP_HANDLE_KILLPRIV_V2  (1 << 21) /* 3.17: we clear setuid/setgid */
#define FUSE_CAP_CACHE_SYMLINKS      (1 << 23)
#define FUSE_CAP_NO_OPENDIR_SUPPORT  (1 << 24)
#define FUSE_CAP_EXPLICIT_INVAL_DATA (1 << 25)
#define FUSE_CAP_EXPIRE_ONLY         (1 << 26)
#define FUSE_CAP_PASSTHROUGH         (1 << 29) /* backing files; see fuse_passthrough_open */

/* ioctl flags (the flags argument of the ioctl operation). */
#define FUSE_IOCTL_COMPAT       (1 << 0)
#define FUSE_IOCTL_UNRESTRICTED (1 << 1)
#define FUSE_IOCTL_RETRY        (1 << 2)
#define FUSE_IOCTL_DIR          (1 << 4)
#define FUSE_IOCTL_MAX_IOV      256

/* The connection as negotiated at INIT; init() may change want and sizes. */
struct fuse_conn_info {
    unsigned proto_major;
    unsigned proto_minor;
    unsigned max_write;
    unsigned max_read;
    unsigned max_readahead;
    unsigned capable; /* FUSE_CAP_* the kernel offers */
    unsigned want;    /* FUSE_CAP_* the file system uses */
    unsigned max_background;
    unsigned congestion_threshold;
    unsigned time_gran;
    /* libfuse 3.17 put max_backing_stack_depth, a flags word, capable_ext
     * and want_ext here; FSP does not offer them (passthrough takes its
     * stack depth as FSP chooses), so their 24 bytes stay reserved. */
    unsigned reserved_317[6];
    /* libfuse 3.18: seconds the kernel gives each request before it aborts
     * the whole connection (a hung server then fails its callers with
     * ECONNABORTED and the mount with ENOTCONN instead of hanging them).
     * 0, the default, is none. Set it in init(); it takes effect when the
     * kernel offers FUSE_REQUEST_TIMEOUT (Linux 6.14), which also raises it
     * to at least 15 s and checks every 15 s. At byte 64, as in libfuse, so
     * the structure keeps 3.14's size and every earlier member's place. */
    uint16_t request_timeout;
    uint16_t reserved16;
    unsigned reserved[15];
};

struct fuse_session;
struct fuse_pollhandle;
struct fuse_conn_info_opts;

struct fuse_conn_info_opts *fuse_parse_conn_info_opts(struct fuse_args *args);
void fuse_apply_conn_info_opts(struct fuse_conn_info_opts *opts, struct fuse_conn_info *conn);

/* Detach into the background unless foreground; chdir("/") either way. */
int fuse_daemonize(int foreground);
int fuse_version(void);
const char *fuse_pkgversion(void);
void fuse_pollhandle_destroy(struct fuse_pollhandle *ph);

/* --- Data buffers: memory or a file descriptor ----------------------------- */

enum fuse_buf_flags {
    FUSE_BUF_IS_FD = (1 << 1),    /* fd is valid, mem is not */
    FUSE_BUF_FD_SEEK = (1 << 2),  /* use pos (pread/pwrite) */
    FUSE_BUF_FD_RETRY = (1 << 3), /* loop until size bytes or EOF */
};

enum fuse_buf_copy_flags {
    FUSE_BUF_NO_SPLICE = (1 << 1),
    FUSE_BUF_FORCE_SPLICE = (1 << 2),
    FUSE_BUF_SPLICE_MOVE = (1 << 3),
    FUSE_BUF_SPLICE_NONBLOCK = (1 << 4),
};

struct fuse_buf {
    size_t size;
    enum fuse_buf_flags flags;
    void *mem;
    int fd;
    off_t pos;
};

/* A list of buffers with a cursor (idx, off) into it. */
struct fuse_bufvec {
    size_t count;
    size_t idx;
    size_t off;
    struct fuse_buf buf[1];
};

/* One empty memory buffer of size__ bytes. */
#define FUSE_BUFVEC_INIT(size__) \
    ((struct fuse_bufvec){1, 0, 0, {{(size__), (enum fuse_buf_flags)0, NULL, -1, 0}}})

size_t fuse_buf_size(const struct fuse_bufvec *bufv);
ssize_t fuse_buf_copy(struct fuse_bufvec *dst, struct fuse_bufvec *src,
                      enum fuse_buf_copy_flags flags);

/* --- Signals: SIGHUP/SIGINT/SIGTERM end the session, SIGPIPE is ignored. --- */

int fuse_set_signal_handlers(struct fuse_session *se);
void fuse_remove_signal_handlers(struct fuse_session *se);

/* --- Loop configuration (3.12 and later) ----------------------------------- */

struct fuse_loop_config *fuse_loop_cfg_create(void);
void fuse_loop_cfg_destroy(struct fuse_loop_config *config);
void fuse_loop_cfg_set_idle_threads(struct fuse_loop_config *config, unsigned int value);
void fuse_loop_cfg_set_max_threads(struct fuse_loop_config *config, unsigned int value);
void fuse_loop_cfg_set_clone_fd(struct fuse_loop_config *config, unsigned int value);
void fuse_loop_cfg_convert(struct fuse_loop_config *config, struct fuse_loop_config_v1 *v1_conf);

#ifdef __cplusplus
}
#endif

/* The API passes file offsets as off_t: build with 64-bit offsets. */
#ifndef __cplusplus
_Static_assert(sizeof(off_t) == 8, "FUSE needs a 64-bit off_t (-D_FILE_OFFSET_BITS=64)");
#endif

#endif /* FUSE_COMMON_H_ */
