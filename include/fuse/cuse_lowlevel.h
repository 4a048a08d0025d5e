/*
 * cuse_lowlevel.h - CUSE: character devices served in user space, with
 * libfuse 2.9's names and layouts (FUSE_2.8 in libfuse.so.2).
 *
 * A CUSE server answers the kernel on /dev/cuse: CUSE_INIT names the
 * device (DEVNAME= among dev_info_argv) and the kernel creates
 * /dev/<name>, whose open, read, write, flush, release, fsync, ioctl and
 * poll come to these operations. The fuse_req_t calls of fuse_lowlevel.h
 * answer them (fuse_reply_open, fuse_reply_buf, fuse_reply_ioctl...).
 */
#ifndef CUSE_LOWLEVEL_H_
#define CUSE_LOWLEVEL_H_

#ifndef FUSE_USE_VERSION
#define FUSE_USE_VERSION 29
#endif

#include "fuse_lowlevel.h"

#include <fcntl.h>
#include <sys/types.h>
#include <sys/uio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* cuse_info.flags: ioctls may carry arguments of any shape (retries). */
#define CUSE_UNRESTRICTED_IOCTL (1 << 0)

struct fuse_session;

struct cuse_info {
    unsigned dev_major; /* 0: the kernel picks one */
    unsigned dev_minor;
    unsigned dev_info_argc;
    const char **dev_info_argv; /* "DEVNAME=name", ... */
    unsigned flags;
};

/* The device's operations; missing ones answer as in fuse_lowlevel.h. */
struct cuse_lowlevel_ops {
    void (*init)(void *userdata, struct fuse_conn_info *conn);
    void (*init_done)(void *userdata); /* after CUSE_INIT was answered */
    void (*destroy)(void *userdata);
    void (*open)(fuse_req_t req, struct fuse_file_info *fi);
    void (*read)(fuse_req_t req, size_t size, off_t off, struct fuse_file_info *fi);
    void (*write)(fuse_req_t req, const char *buf, size_t size, off_t off,
                  struct fuse_file_info *fi);
    void (*flush)(fuse_req_t req, struct fuse_file_info *fi);
    void (*release)(fuse_req_t req, struct fuse_file_info *fi);
    void (*fsync)(fuse_req_t req, int datasync, struct fuse_file_info *fi);
    void (*ioctl)(fuse_req_t req, int cmd, void *arg, struct fuse_file_info *fi, unsigned int flags,
                  const void *in_buf, size_t in_bufsz, size_t out_bufsz);
    void (*poll)(fuse_req_t req, struct fuse_file_info *fi, struct fuse_pollhandle *ph);
};

/* A session for a device; serve it on /dev/cuse (cuse_lowlevel_setup) or
 * on a channel of fuse_chan_new (fuse_session_add_chan). NULL on bad
 * arguments. */
struct fuse_session *cuse_lowlevel_new(struct fuse_args *args, const struct cuse_info *ci,
                                       const struct cuse_lowlevel_ops *clop, void *userdata);

/* Parse -f, -s, -d, open /dev/cuse, install the signal handlers and
 * daemonize unless -f: a session ready for its loop. */
struct fuse_session *cuse_lowlevel_setup(int argc, char *argv[], const struct cuse_info *ci,
                                         const struct cuse_lowlevel_ops *clop, int *multithreaded,
                                         void *userdata);
void cuse_lowlevel_teardown(struct fuse_session *se);

/* setup, the loop, teardown: 0, or 1 on failure. */
int cuse_lowlevel_main(int argc, char *argv[], const struct cuse_info *ci,
                       const struct cuse_lowlevel_ops *clop, void *userdata);

#ifdef __cplusplus
}
#endif

#endif /* CUSE_LOWLEVEL_H_ */
