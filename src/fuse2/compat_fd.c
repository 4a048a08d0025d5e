/*
 * compat_fd.c - fuse_mount() and fuse_unmount() as they were before 2.6:
 * fuse_mount() mounts at once and returns the mount's /dev/fuse descriptor,
 * which the program hands to fuse_new(fd, ...) or to fuse_kern_chan_new(fd)
 * and a low-level session; fuse_unmount() takes only the mount point.
 *
 * The kernel session serves a connection mounted elsewhere (the session of
 * fuse_new or fuse_lowlevel_new never mounts or unmounts it), so here the
 * mount is made without a session, as fuse_open_channel() does, and each
 * mount is remembered with its canonical path: fuse_unmount() unmounts what
 * this process mounted under that name, and nothing else (libfuse would
 * unmount whatever sits there). The canonical path is taken before the
 * mount and used after it because the program may have changed directory
 * since (fuse_daemonize), and because resolving a path into the mount
 * would ask the file system, which may no longer be served.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "fuse2/compat_i.h"

struct old_mount {
    struct old_mount *next;
    char *given;     /* the mount point as the program spelled it */
    char *canonical; /* realpath() of it, before the mount */
};

static pthread_mutex_t mounts_lock = PTHREAD_MUTEX_INITIALIZER;
static struct old_mount *mounts;

int fuse2_compat_mount(const char *mountpoint, struct fuse_args *args)
{
    /* fuse_mount's option parsing: the mount options leave args. */
    struct fuse_chan *ch = fuse2_mount(mountpoint, args);
    if (!ch)
        return -1;
    int fd = -1;
    struct old_mount *m = calloc(1, sizeof(*m));
    if (m) {
        m->given = strdup(mountpoint);
        m->canonical = realpath(mountpoint, NULL);
    }
    if (!m || !m->given) {
        fuse_log(FUSE_LOG_ERR, "fuse: failed to allocate memory\n");
    } else if (!m->canonical) {
        fuse_log(FUSE_LOG_ERR, "fuse: bad mount point `%s': %s\n", mountpoint, strerror(errno));
    } else {
        fd = fsp_fuse_open_channel(m->canonical, ch->opts);
    }
    fuse2_unmount(NULL, ch); /* never attached: only frees it */
    if (fd < 0) {
        if (m) {
            free(m->given);
            free(m->canonical);
            free(m);
        }
        return -1;
    }
    pthread_mutex_lock(&mounts_lock);
    m->next = mounts;
    mounts = m;
    pthread_mutex_unlock(&mounts_lock);
    return fd;
}

/* As libfuse 2's fuse_kern_unmount: lazily, so that a busy mount goes as
 * soon as it is let go. A failed fusermount3 (-EIO) stays quiet, as
 * fusermount3 -q does: the mount may be gone already. */
void fuse2_unmount_path(const char *path)
{
    int err = fsp_unmount_path(path);
    if (err < 0 && err != -EIO)
        fuse_log(FUSE_LOG_ERR, "fuse: cannot unmount %s: %s\n", path, strerror(-err));
}

void fuse2_compat_unmount(const char *mountpoint)
{
    struct old_mount *found = NULL;
    pthread_mutex_lock(&mounts_lock);
    for (struct old_mount **p = &mounts; mountpoint && *p; p = &(*p)->next) {
        if (strcmp((*p)->given, mountpoint) == 0 || strcmp((*p)->canonical, mountpoint) == 0) {
            found = *p;
            *p = found->next;
            break;
        }
    }
    pthread_mutex_unlock(&mounts_lock);
    if (!found)
        return;
    fuse2_unmount_path(found->canonical);
    free(found->given);
    free(found->canonical);
    free(found);
}
