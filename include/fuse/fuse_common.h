/*
 * fuse_common.h - what FSP's FUSE 2 high-level and low-level APIs share:
 * open-file info, connection capabilities, data buffers, mounting, the
 * command line and signal helpers. Names, values and layouts match libfuse
 * 2.9, so programs built against Debian's libfuse2 run on FSP's
 * libfuse.so.2 and build against these headers unchanged.
 *
 * Include <fuse.h> or <fuse_lowlevel.h>, not this file.
 */
#if !defined(_FUSE_H_) && !defined(_FUSE_LOWLEVEL_H_)
#error "include <fuse.h> or <fuse_lowlevel.h>, not <fuse_common.h>"
#endif

#ifndef _FUSE_COMMON_H_
#define _FUSE_COMMON_H_

#include "fuse_opt.h"
#include <stdint.h>
#include <sys/types.h>

/* The libfuse API version this library implements. Note FUSE 2's scale:
 * major * 10 + minor (FUSE 3 uses * 100). */
#define FUSE_MAJOR_VERSION          2
#define FUSE_MINOR_VERSION          9
#define FUSE_MAKE_VERSION(maj, min) ((maj)*10 + (min))
#define FUSE_VERSION                FUSE_MAKE_VERSION(FUSE_MAJOR_VERSION, FUSE_MINOR_VERSION)

/* Programs say which API they were written for. FSP offers the 2.6 .. 2.9
 * API; the compatibility layouts of 2.1 .. 2.5 are not provided. */
#if !defined(FUSE_USE_VERSION) || FUSE_USE_VERSION < 26 || FUSE_USE_VERSION > 29
#error "define FUSE_USE_VERSION to 26 .. 29 (FSP offers the FUSE 2.6 - 2.9 API)"
#endif

/* The API passes file offsets as off_t: build with 64-bit offsets. */
#if !defined(_FILE_OFFSET_BITS) || _FILE_OFFSET_BITS != 64
#error "add -D_FILE_OFFSET_BITS=64 to the compiler flags (pkg-config --cflags fuse does)"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* State of one open file (FUSE 2 layout: fh_old and an int writepage come
 * before the bit fields). The bits the file system sets in open(),
 * create() and opendir() become the kernel's FOPEN_* flags. */
struct fuse_file_info {
    int flags;                      /* open(2) flags */
    unsigned long fh_old;           /* unused since 2.5; fh replaces it */
    int writepage;                  /* write comes from the page cache */
    unsigned int direct_io : 1;     /* bypass the page cache */
    unsigned int keep_cache : 1;    /* keep cached data on open */
    unsigned int flush : 1;         /* release or lock: flush as well */
    unsigned int nonseekable : 1;   /* the file is not seekable */
    unsigned int flock_release : 1; /* release: drop the flock lock */
    unsigned int padding : 27;
    uint64_t fh; /* the file system's handle */
    uint64_t lock_owner;
};

/* Capabilities (fuse_conn_info.capable / .want). */
#define FUSE_CAP_ASYNC_READ     (1 << 0)
#define FUSE_CAP_POSIX_LOCKS    (1 << 1)
#define FUSE_CAP_ATOMIC_O_TRUNC (1 << 3)
#define FUSE_CAP_EXPORT_SUPPORT (1 << 4)
#define FUSE_CAP_BIG_WRITES     (1 << 5)
#define FUSE_CAP_DONT_MASK      (1 << 6)
#define FUSE_CAP_SPLICE_WRITE   (1 << 7)
#define FUSE_CAP_SPLICE_MOVE    (1 << 8)
#define FUSE_CAP_SPLICE_READ    (1 << 9)
#define FUSE_CAP_FLOCK_LOCKS    (1 << 10)
#define FUSE_CAP_IOCTL_DIR      (1 << 11)

/* ioctl flags (the flags argument of the ioctl operations). */
#define FUSE_IOCTL_COMPAT       (1 << 0)
#define FUSE_IOCTL_UNRESTRICTED (1 << 1)
#define FUSE_IOCTL_RETRY        (1 << 2)
#define FUSE_IOCTL_DIR          (1 << 4)
#define FUSE_IOCTL_MAX_IOV      256

/* The connection as negotiated at INIT; init() may change want and the
 * sizes. */
struct fuse_conn_info {
    unsigned proto_major;
    unsigned proto_minor;
    unsigned async_read; /* reads may be sent in parallel */
    unsigned max_write;
    unsigned max_readahead;
    unsigned capable; /* FUSE_CAP_* the kernel offers */
    unsigned want;    /* FUSE_CAP_* the file system uses */
    unsigned max_background;
    unsigned congestion_threshold;
    unsigned reserved[23];
};

struct fuse_session;
struct fuse_chan;
struct fuse_pollhandle;

/*
 * Mount a file system at mountpoint with the mount options in args (they
 * are taken out of args; the rest is for fuse_new() or
 * fuse_lowlevel_new()). FSP mounts when the channel gets its session
 * (fuse_new or fuse_session_add_chan): until then fuse_chan_fd() is -1.
 */
struct fuse_chan *fuse_mount(const char *mountpoint, struct fuse_args *args);
/* Unmount and free the channel (ch may be NULL). */
void fuse_unmount(const char *mountpoint, struct fuse_chan *ch);

/* -h, -V, -d, -f, -s and the mount point; *mountpoint is malloc()ed. Any
 * of the out pointers may be NULL. */
int fuse_parse_cmdline(struct fuse_args *args, char **mountpoint, int *multithreaded,
                       int *foreground);
/* Detach into the background unless foreground; chdir("/") either way. */
int fuse_daemonize(int foreground);
int fuse_version(void);
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

#ifdef __cplusplus
}
#endif

#endif /* _FUSE_COMMON_H_ */
