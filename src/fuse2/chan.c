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
#include <limits.h>
#include <stdlib.h>
#include <string.h>

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

int fuse2_chan_attach(struct fuse_chan *ch, struct fuse_session *se, struct fuse_chan **user)
{
    if (ch->se) {
        fuse_log(FUSE_LOG_ERR, "fuse: channel already belongs to a session\n");
        return -1;
    }
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
    if (ch->se) {
        fuse_session_unmount(ch->se);
        *ch->user = NULL;
    }
    chan_free(ch);
}

FSP_FUSE_EXPORT int fuse2_chan_fd(struct fuse_chan *ch)
{
    return ch && ch->se ? fuse_session_fd(ch->se) : -1;
}

/* The largest request the kernel sends (max_write plus headers). */
FSP_FUSE_EXPORT size_t fuse2_chan_bufsize(struct fuse_chan *ch)
{
    struct fuse_session *se = ch ? ch->se : NULL;
    uint32_t mw = se && se->fsp ? fsp_session_conn(se->fsp)->max_write : 0;
    return (size_t)(mw ? mw : 1024u * 1024u) + 4096; /* before INIT: the session's default */
}

FSP_FUSE_EXPORT void *fuse2_chan_data(struct fuse_chan *ch)
{
    (void)ch;
    return NULL;
}

FSP_FUSE_EXPORT struct fuse_session *fuse2_chan_session(struct fuse_chan *ch)
{
    return ch->se;
}

FSP_FUSE_EXPORT void fuse2_chan_destroy(struct fuse_chan *ch)
{
    fuse2_unmount(NULL, ch);
}

/* Channels with custom I/O and raw request passing: FSP's workers own the
 * device, so there is nothing to hand out or feed in. */
FSP_FUSE_EXPORT struct fuse_chan *fuse2_chan_new(void *op, int fd, size_t bufsize, void *data)
{
    (void)op;
    (void)fd;
    (void)bufsize;
    (void)data;
    fuse_log(FUSE_LOG_ERR, "fuse: fuse_chan_new: custom channels are not supported by FSP "
                           "(use fuse_mount)\n");
    return NULL;
}

FSP_FUSE_EXPORT struct fuse_chan *fuse2_kern_chan_new(int fd)
{
    return fuse2_chan_new(NULL, fd, 0, NULL);
}

FSP_FUSE_EXPORT int fuse2_chan_recv(struct fuse_chan **ch, char *buf, size_t size)
{
    (void)ch;
    (void)buf;
    (void)size;
    fuse_log(FUSE_LOG_ERR, "fuse: fuse_chan_recv is not supported by FSP; use "
                           "fuse_session_loop\n");
    return -ENOSYS;
}

FSP_FUSE_EXPORT int fuse2_chan_send(struct fuse_chan *ch, const struct iovec iov[], size_t count)
{
    (void)ch;
    (void)iov;
    (void)count;
    fuse_log(FUSE_LOG_ERR, "fuse: fuse_chan_send is not supported by FSP\n");
    return -ENOSYS;
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
FUSE2_SYMBOL(fuse2_chan_recv, fuse_chan_receive, "FUSE_2.4");
FUSE2_SYMBOL(fuse2_chan_send, fuse_chan_send, "FUSE_2.4");
