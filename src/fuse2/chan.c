/*
 * chan.c - FUSE 2 channels: fuse_mount(), fuse_unmount() and fuse_chan_*.
 *
 * In libfuse 2 fuse_mount() opens /dev/fuse and mounts before any session
 * exists. FSP's mount belongs to a session (it starts the device clones
 * and workers with the session's handlers), so a channel here is the mount
 * point plus the mount options taken out of args; the mount happens when
 * the channel gets its session: in fuse_new() or fuse_session_add_chan().
 * A failed mount shows up there (fuse_new() returns NULL).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "fuse2/fuse2_i.h"

/* --- Mount options ------------------------------------------------------------ */

enum { KEY_MOUNT, KEY_DROP };

/* What fuse_mount() takes out of args. The options the FUSE 3 session knows
 * go on to it; the FUSE 2 options FUSE 3 dropped are accepted and ignored. */
static const struct fuse_opt mount_opts[] = {
    FUSE_OPT_KEY("allow_other", KEY_MOUNT),
    FUSE_OPT_KEY("allow_root", KEY_MOUNT),
    FUSE_OPT_KEY("auto_unmount", KEY_MOUNT),
    FUSE_OPT_KEY("default_permissions", KEY_MOUNT),
    FUSE_OPT_KEY("fsname=", KEY_MOUNT),
    FUSE_OPT_KEY("subtype=", KEY_MOUNT),
    FUSE_OPT_KEY("max_read=", KEY_MOUNT),
    FUSE_OPT_KEY("blkdev", KEY_MOUNT),
    FUSE_OPT_KEY("blksize=", KEY_MOUNT),
    FUSE_OPT_KEY("user=", KEY_MOUNT),
    FUSE_OPT_KEY("ro", KEY_MOUNT),
    FUSE_OPT_KEY("rw", KEY_MOUNT),
    FUSE_OPT_KEY("-r", KEY_MOUNT),
    FUSE_OPT_KEY("suid", KEY_MOUNT),
    FUSE_OPT_KEY("nosuid", KEY_MOUNT),
    FUSE_OPT_KEY("dev", KEY_MOUNT),
    FUSE_OPT_KEY("nodev", KEY_MOUNT),
    FUSE_OPT_KEY("exec", KEY_MOUNT),
    FUSE_OPT_KEY("noexec", KEY_MOUNT),
    FUSE_OPT_KEY("async", KEY_MOUNT),
    FUSE_OPT_KEY("sync", KEY_MOUNT),
    FUSE_OPT_KEY("dirsync", KEY_MOUNT),
    FUSE_OPT_KEY("atime", KEY_MOUNT),
    FUSE_OPT_KEY("noatime", KEY_MOUNT),
    FUSE_OPT_KEY("diratime", KEY_MOUNT),
    FUSE_OPT_KEY("nodiratime", KEY_MOUNT),
    FUSE_OPT_KEY("relatime", KEY_MOUNT),
    FUSE_OPT_KEY("norelatime", KEY_MOUNT),
    FUSE_OPT_KEY("strictatime", KEY_MOUNT),
    FUSE_OPT_KEY("nostrictatime", KEY_MOUNT),
    FUSE_OPT_KEY("context=", KEY_MOUNT),
    FUSE_OPT_KEY("fscontext=", KEY_MOUNT),
    FUSE_OPT_KEY("defcontext=", KEY_MOUNT),
    FUSE_OPT_KEY("rootcontext=", KEY_MOUNT),
    /* FUSE 2 only: the kernel mounts over non-empty directories anyway
     * since 3.0's days, and large reads are the default. */
    FUSE_OPT_KEY("nonempty", KEY_DROP),
    FUSE_OPT_KEY("large_read", KEY_DROP),
    FUSE_OPT_END,
};

static int mount_opt_proc(void *data, const char *arg, int key, struct fuse_args *outargs)
{
    struct fuse_chan *ch = data;
    (void)outargs;
    switch (key) {
    case KEY_MOUNT:
        /* "-r" is ro; everything else is an -o option already. */
        return fuse_opt_add_opt_escaped(&ch->opts, strcmp(arg, "-r") == 0 ? "ro" : arg);
    case KEY_DROP:
        return 0;
    }
    return 1; /* for fuse_new() or fuse_lowlevel_new() */
}

/* --- Channels --------------------------------------------------------------------- */

static void chan_free(struct fuse_chan *ch)
{
    free(ch->mountpoint);
    free(ch->opts);
    free(ch);
}

FSP_FUSE_EXPORT struct fuse_chan *fuse2_mount(const char *mountpoint, struct fuse_args *args)
{
    if (!mountpoint || !*mountpoint) {
        fuse_log(FUSE_LOG_ERR, "fuse: missing mountpoint parameter\n");
        return NULL;
    }
    struct fuse_chan *ch = calloc(1, sizeof(*ch));
    if (!ch)
        goto nomem;
    ch->fd = -1;
    ch->mountpoint = strdup(mountpoint);
    if (!ch->mountpoint)
        goto nomem;
    if (args && fuse_opt_parse(args, ch, mount_opts, mount_opt_proc) == -1) {
        chan_free(ch);
        return NULL;
    }
    return ch;

nomem:
    fuse_log(FUSE_LOG_ERR, "fuse: failed to allocate channel\n");
    if (ch)
        chan_free(ch);
    return NULL;
}

/* A fuse_chan_new channel's I/O, as the kernel session's transport: the
 * channel functions return a count or -errno, the transport -1 and errno. */
static ssize_t chan_read(int fd, void *buf, size_t size, void *data)
{
    struct fuse_chan *ch = data;
    (void)fd;
    int res = ch->op.receive(&ch, buf, size);
    if (res < 0) {
        errno = -res;
        return -1;
    }
    return res;
}

static ssize_t chan_writev(int fd, const struct iovec *iov, int count, void *data)
{
    struct fuse_chan *ch = data;
    (void)fd;
    int res = ch->op.send(ch, iov, (size_t)count);
    if (res < 0) {
        errno = -res;
        return -1;
    }
    size_t total = 0;
    for (int i = 0; i < count; i++)
        total += iov[i].iov_len;
    return (ssize_t)total;
}

/* A connection the program made: the session serves it instead of a mount. */
static int attach_given(struct fuse_chan *ch, struct fuse_session *se)
{
    if (!ch->custom) {
        /* fuse_kern_chan_new: the session takes the fd (and closes it). */
        fsp_fuse_use_fd(se, ch->fd, NULL);
        ch->fd_given = true;
        return 0;
    }
    /* The session owns and closes the fd it serves, but a custom channel's
     * fd stays the program's (its destroy function closes it, if anyone
     * does): give the session a duplicate, or a placeholder when the
     * channel has no fd (its functions do all the I/O). */
    int fd =
        ch->fd >= 0 ? fcntl(ch->fd, F_DUPFD_CLOEXEC, 0) : open("/dev/null", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        fuse_log(FUSE_LOG_ERR, "fuse: cannot serve the channel: %s\n", strerror(errno));
        return -1;
    }
    struct fsp_transport t = {
        .read = ch->op.receive ? chan_read : NULL,
        .writev = ch->op.send ? chan_writev : NULL,
        .data = ch,
    };
    fsp_fuse_use_fd(se, fd, &t);
    return 0;
}

int fuse2_chan_attach(struct fuse_chan *ch, struct fuse_session *se, struct fuse_chan **user)
{
    if (ch->se) {
        fuse_log(FUSE_LOG_ERR, "fuse: channel already belongs to a session\n");
        return -1;
    }
    if (se->fsp || se->has_io) {
        fuse_log(FUSE_LOG_ERR, "fuse: session already has a connection\n");
        return -1;
    }
    if (!ch->mountpoint) {
        if (attach_given(ch, se) != 0)
            return -1;
    } else {
        if (ch->opts) {
            char *argv[] = {"fuse", "-o", ch->opts, NULL};
            struct fuse_args margs = FUSE_ARGS_INIT(3, argv);
            int rc = fsp_fuse_session_opts(se, &margs);
            fuse_opt_free_args(&margs);
            if (rc != 0)
                return -1;
        }
        if (fuse_session_mount(se, ch->mountpoint) != 0)
            return -1;
    }
    ch->se = se;
    ch->user = user;
    *user = ch;
    return 0;
}

void fuse2_chan_detach(struct fuse_chan *ch)
{
    if (ch && ch->user) {
        *ch->user = NULL;
        ch->se = NULL;
        ch->user = NULL;
    }
}

/* Unmounts; the session (if any) stays until its owner destroys it. */
FSP_FUSE_EXPORT void fuse2_unmount(const char *mountpoint, struct fuse_chan *ch)
{
    (void)mountpoint;
    if (!ch)
        return;
    if (ch->mounted_fd) { /* mounted for a custom session */
        fuse2_unmount_path(ch->mountpoint);
        close(ch->fd);
    }
    if (ch->se && !fuse2_is_custom_session(ch->se)) {
        fuse_session_unmount(ch->se);
        *ch->user = NULL;
    } else if (ch->se) {
        *ch->user = NULL;
    }
    chan_free(ch);
}

/* A custom channel's fd is the program's; otherwise the connection's. */
FSP_FUSE_EXPORT int fuse2_chan_fd(struct fuse_chan *ch)
{
    if (!ch)
        return -1;
    if (ch->custom || !ch->se || fuse2_is_custom_session(ch->se))
        return ch->fd;
    return fuse_session_fd(ch->se);
}

/* The largest request the kernel sends (max_write plus headers). */
FSP_FUSE_EXPORT size_t fuse2_chan_bufsize(struct fuse_chan *ch)
{
    if (ch && ch->custom)
        return ch->bufsize;
    struct fuse_session *se = ch ? ch->se : NULL;
    if (se && se->fsp)
        return fsp_session_bufsize(se->fsp);
    return 1024u * 1024u + 4096; /* before INIT: the session's default */
}

FSP_FUSE_EXPORT void *fuse2_chan_data(struct fuse_chan *ch)
{
    return ch ? ch->data : NULL;
}

FSP_FUSE_EXPORT struct fuse_session *fuse2_chan_session(struct fuse_chan *ch)
{
    return ch->se;
}

/* A fuse_mount channel unmounts; a custom one runs its destroy function; a
 * kernel channel the session never took closes its fd. */
FSP_FUSE_EXPORT void fuse2_chan_destroy(struct fuse_chan *ch)
{
    if (!ch)
        return;
    if (ch->custom && ch->op.destroy)
        ch->op.destroy(ch);
    else if (!ch->custom && !ch->mountpoint && !ch->fd_given && ch->fd >= 0)
        close(ch->fd);
    fuse2_unmount(NULL, ch);
}

FSP_FUSE_EXPORT struct fuse_chan *fuse2_chan_new(const struct fuse2_chan_ops *op, int fd,
                                                 size_t bufsize, void *data)
{
    if (!op) {
        fuse_log(FUSE_LOG_ERR, "fuse: fuse_chan_new: no channel operations\n");
        return NULL;
    }
    struct fuse_chan *ch = calloc(1, sizeof(*ch));
    if (!ch) {
        fuse_log(FUSE_LOG_ERR, "fuse: failed to allocate channel\n");
        return NULL;
    }
    ch->custom = true;
    ch->op = *op;
    ch->fd = fd;
    ch->bufsize = bufsize;
    ch->data = data;
    return ch;
}

/* A /dev/fuse fd the program mounted itself. */
FSP_FUSE_EXPORT struct fuse_chan *fuse2_kern_chan_new(int fd)
{
    struct fuse_chan *ch = calloc(1, sizeof(*ch));
    if (!ch) {
        fuse_log(FUSE_LOG_ERR, "fuse: failed to allocate channel\n");
        return NULL;
    }
    ch->fd = fd;
    ch->bufsize = 1024u * 1024u + 4096; /* FSP's default request size */
    return ch;
}

/* libfuse 2.9: a kernel channel restarts reads the kernel interrupted
 * (ENOENT) and returns 0 once unmounted (the session then exited). */
FSP_FUSE_EXPORT int fuse2_chan_recv(struct fuse_chan **chp, char *buf, size_t size)
{
    struct fuse_chan *ch = *chp;
    if (ch->custom)
        return ch->op.receive ? ch->op.receive(chp, buf, size) : -ENOSYS;
    if (ch->se && fuse2_is_custom_session(ch->se))
        return fuse2_custom_kern_recv(ch, buf, size);
    if (!ch->se) {
        fuse_log(FUSE_LOG_ERR, "fuse: fuse_chan_recv: channel has no session\n");
        return -EINVAL;
    }
    return fsp_fuse_receive(ch->se, buf, size, true);
}

/* FUSE 2.4's form: the channel itself, and -1 for errors other than a
 * read to retry (which gives 0). */
FSP_FUSE_EXPORT int fuse2_chan_receive(struct fuse_chan *ch, char *buf, size_t size)
{
    int res = fuse2_chan_recv(&ch, buf, size);
    if (res >= 0)
        return res;
    return res == -EINTR || res == -EAGAIN ? 0 : -1;
}

/* 0 or -errno; ENOENT (the request was interrupted) is not worth a word. */
FSP_FUSE_EXPORT int fuse2_chan_send(struct fuse_chan *ch, const struct iovec iov[], size_t count)
{
    if (ch->custom && ch->op.send)
        return ch->op.send(ch, iov, count);
    ssize_t n;
    do
        n = writev(fuse2_chan_fd(ch), iov, (int)count);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        int err = errno;
        if (err != ENOENT && !(ch->se && fuse2_session_exited(ch->se)))
            fuse_log(FUSE_LOG_ERR, "fuse: writing device: %s\n", strerror(err));
        return -err;
    }
    return 0;
}

FUSE2_SYMBOL(fuse2_mount, fuse_mount, "FUSE_2.6");
FUSE2_SYMBOL(fuse2_unmount, fuse_unmount, "FUSE_2.6");
FUSE2_SYMBOL(fuse2_chan_fd, fuse_chan_fd, "FUSE_2.4");
FUSE2_SYMBOL(fuse2_chan_bufsize, fuse_chan_bufsize, "FUSE_2.4");
FUSE2_SYMBOL(fuse2_chan_data, fuse_chan_data, "FUSE_2.4");
FUSE2_SYMBOL(fuse2_chan_session, fuse_chan_session, "FUSE_2.4");
FUSE2_SYMBOL(fuse2_chan_destroy, fuse_chan_destroy, "FUSE_2.4");
FUSE2_SYMBOL(fuse2_chan_new, fuse_chan_new, "FUSE_2.6");
FUSE2_SYMBOL(fuse2_kern_chan_new, fuse_kern_chan_new, "FUSE_2.4");
FUSE2_SYMBOL(fuse2_chan_recv, fuse_chan_recv, "FUSE_2.6");
FUSE2_SYMBOL(fuse2_chan_receive, fuse_chan_receive, "FUSE_2.4");
FUSE2_SYMBOL(fuse2_chan_send, fuse_chan_send, "FUSE_2.4");
