/*
 * ll_ownloop.c - programs that run their own event loop or bring their own
 * transport: fuse_session_receive_buf / fuse_session_process_buf,
 * fuse_session_custom_io, fuse_open_channel and the /dev/fd/N mount point.
 *
 * All of it sits on the kernel session's external entries (attach an fd,
 * swap read/writev, receive and process one request); the session still
 * decodes, dispatches and answers, so a request read by the program is
 * served exactly as one read by FSP's workers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "fuse/fuse_i.h"

/* --- Custom I/O ------------------------------------------------------------------ */

/* libfuse 3.14 passes the file system's userdata to the functions. */
static ssize_t io_read(int fd, void *buf, size_t size, void *data)
{
    struct fuse_session *se = data;
    return se->io.read(fd, buf, size, se->userdata);
}

static ssize_t io_writev(int fd, const struct iovec *iov, int count, void *data)
{
    struct fuse_session *se = data;
    return se->io.writev(fd, (struct iovec *)iov, count, se->userdata);
}

void fsp_fuse_apply_io(struct fuse_session *se)
{
    if (se->has_io && se->fsp)
        fsp_session_set_transport(se->fsp, &se->transport);
}

void fsp_fuse_use_fd(struct fuse_session *se, int fd, const struct fsp_transport *t)
{
    se->io_fd = fd;
    se->transport = t ? *t : (struct fsp_transport){0};
    se->has_io = true;
}

FSP_FUSE_EXPORT int fuse_session_custom_io(struct fuse_session *se, const struct fuse_custom_io *io,
                                           int fd)
{
    if (fd < 0) {
        fuse_log(FUSE_LOG_ERR,
                 "Invalid file descriptor value %d passed to fuse_session_custom_io()\n", fd);
        return -EBADF;
    }
    if (!io) {
        fuse_log(FUSE_LOG_ERR, "No custom IO passed to fuse_session_custom_io()\n");
        return -EINVAL;
    }
    /* As libfuse 3.14: both are required. FSP never splices, so
     * splice_receive and splice_send are kept but never called. */
    if (!io->read || !io->writev) {
        fuse_log(FUSE_LOG_ERR, "io passed to fuse_session_custom_io() must implement both "
                               "io->read() and io->writev\n");
        return -EINVAL;
    }
    if (se->fsp) {
        fuse_log(FUSE_LOG_ERR, "fuse: fuse_session_custom_io() after the session started\n");
        return -EBUSY;
    }
    se->io = *io;
    struct fsp_transport t = {.read = io_read, .writev = io_writev, .data = se};
    fsp_fuse_use_fd(se, fd, &t);
    return 0;
}

/* --- The connection --------------------------------------------------------------- */

/* Takes fd: on failure it is closed. */
int fsp_fuse_attach_fd(struct fuse_session *se, int fd)
{
    struct fsp_session_ops ops;
    struct fsp_mount_opts mo;
    fsp_fuse_session_ops(se, &ops);
    fsp_fuse_mount_opts(se, NULL, &mo);
    struct fsp_session *fsp = fsp_session_attach(fd, &mo, &ops, se);
    if (!fsp) {
        fuse_log(FUSE_LOG_ERR, "fuse: cannot serve fd %d: %s\n", fd, strerror(errno));
        close(fd); /* ours either way, as it would be the session's */
        return -1;
    }
    if (se->cuse && fsp_fuse_cuse_connect(se, fsp) != 0) {
        fsp_session_destroy(fsp); /* closes fd, as the session would have */
        return -1;
    }
    fsp_session_set_debug(fsp, se->debug);
    __atomic_store_n(&se->fsp, fsp, __ATOMIC_RELEASE);
    fsp_fuse_apply_io(se);
    return 0;
}

/* A session given custom I/O instead of a mount gets its connection on
 * first use, possibly from several of the program's threads at once. */
struct fsp_session *fsp_fuse_connection(struct fuse_session *se)
{
    struct fsp_session *fsp = __atomic_load_n(&se->fsp, __ATOMIC_ACQUIRE);
    if (fsp || !se->has_io)
        return fsp;
    pthread_mutex_lock(&se->lock);
    if (!se->fsp && se->io_fd >= 0) {
        int fd = se->io_fd;
        se->io_fd = -1; /* the connection's now, even if it fails */
        fsp_fuse_attach_fd(se, fd);
    }
    pthread_mutex_unlock(&se->lock);
    return se->fsp;
}

/* --- Own loops ---------------------------------------------------------------------- */

int fsp_fuse_receive(struct fuse_session *se, void *mem, size_t size, bool restart_enoent)
{
    struct fsp_session *fsp = fsp_fuse_connection(se);
    if (!fsp) {
        fuse_log(FUSE_LOG_ERR, "fuse: session is not mounted\n");
        return -EBADF;
    }
    ssize_t n;
    do
        n = fsp_session_receive(fsp, mem, size);
    while (n == -ENOENT && restart_enoent);
    if (fuse_session_exited(se))
        return 0;
    if (n < 0) {
        /* ENOENT: the request was interrupted while we read it. */
        if (n == -ENOENT)
            return -EINTR;
        if (n == -ENODEV) { /* unmounted: the loop is over */
            fuse_session_exit(se);
            return 0;
        }
        if (n != -EINTR && n != -EAGAIN)
            fuse_log(FUSE_LOG_ERR, "fuse: reading device: %s\n", strerror((int)-n));
        return (int)n;
    }
    if ((size_t)n < sizeof(struct fuse_in_header)) {
        fuse_log(FUSE_LOG_ERR, "short read on fuse device\n");
        return -EIO;
    }
    return (int)n;
}

FSP_FUSE_EXPORT int fuse_session_receive_buf(struct fuse_session *se, struct fuse_buf *buf)
{
    struct fsp_session *fsp = fsp_fuse_connection(se);
    if (!fsp) {
        fuse_log(FUSE_LOG_ERR, "fuse: session is not mounted\n");
        return -EBADF;
    }
    /* As libfuse: the buffer is the library's size, allocated on first
     * use; the program frees buf->mem when its loop ends. */
    size_t size = fsp_session_bufsize(fsp);
    if (!buf->mem) {
        buf->mem = malloc(size);
        if (!buf->mem) {
            fuse_log(FUSE_LOG_ERR, "fuse: failed to allocate read buffer\n");
            return -ENOMEM;
        }
    }
    int res = fsp_fuse_receive(se, buf->mem, size, false);
    if (res > 0) {
        buf->size = (size_t)res;
        buf->flags = 0;
    }
    return res;
}

FSP_FUSE_EXPORT void fuse_session_process_buf(struct fuse_session *se, const struct fuse_buf *buf)
{
    struct fsp_session *fsp = fsp_fuse_connection(se);
    if (!fsp) {
        fuse_log(FUSE_LOG_ERR, "fuse: session is not mounted\n");
        return;
    }
    if (!(buf->flags & FUSE_BUF_IS_FD)) {
        fsp_session_process(fsp, buf->mem, buf->size);
        return;
    }
    /* A request in a file (a pipe, as libfuse's splice path leaves it). */
    char *mem = malloc(buf->size ? buf->size : 1);
    if (!mem) {
        fuse_log(FUSE_LOG_ERR, "fuse: failed to allocate request buffer\n");
        return;
    }
    size_t got = 0;
    while (got < buf->size) {
        ssize_t n = buf->flags & FUSE_BUF_FD_SEEK
                        ? pread(buf->fd, mem + got, buf->size - got, buf->pos + (off_t)got)
                        : read(buf->fd, mem + got, buf->size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    if (got == buf->size)
        fsp_session_process(fsp, mem, got);
    else
        fuse_log(FUSE_LOG_ERR, "fuse: short read of a request from fd %d\n", buf->fd);
    free(mem);
}

/* --- fuse_open_channel ------------------------------------------------------------- */

int fsp_fuse_open_channel(const char *mountpoint, const char *options)
{
    if (!mountpoint || !*mountpoint) {
        fuse_log(FUSE_LOG_ERR, "fuse: missing mountpoint parameter\n");
        return -1;
    }
    /* The session's option parser, on a session that never serves. */
    struct fuse_session *se = calloc(1, sizeof(*se));
    if (!se)
        return -1;
    pthread_mutex_init(&se->lock, NULL);
    se->io_fd = -1;
    se->mount_flags = MS_NOSUID | MS_NODEV;
    char *argv[] = {"fuse", "-o", (char *)options, NULL};
    struct fuse_args args = FUSE_ARGS_INIT(options && *options ? 3 : 1, argv);
    int fd = -1;
    if (fsp_fuse_session_opts(se, &args) == 0) {
        struct fsp_mount_opts mo;
        fsp_fuse_mount_opts(se, mountpoint, &mo);
        fd = fsp_mount_fd(&mo);
        if (fd < 0)
            fd = -1; /* the kernel session said why */
    }
    fuse_opt_free_args(&args);
    fsp_fuse_session_free(se);
    return fd;
}
