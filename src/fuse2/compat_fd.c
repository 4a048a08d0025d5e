/*
 * compat_fd.c - the file descriptor that fuse_mount() returned before 2.6.
 *
 * Then, fuse_mount() opened /dev/fuse, mounted, and handed the descriptor
 * to fuse_new(fd, ...). FSP mounts only once a session exists (chan.c), so
 * here the descriptor is a token for a channel waiting for its file system:
 * an open /dev/null (a real descriptor the program may poll or close
 * without harm), noted with the channel and the mount point. fuse_new
 * claims the channel (and, as libfuse 2.9 did, the descriptor: it is
 * closed when that struct fuse is destroyed); fuse_unmount(mountpoint)
 * finds it again by its mount point.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuse2/compat_i.h"

struct fd_chan {
    struct fd_chan *next;
    int fd; /* -1 once a struct fuse claimed it */
    char *mountpoint;
    struct fuse_chan *ch;
};

static pthread_mutex_t fd_lock = PTHREAD_MUTEX_INITIALIZER;
static struct fd_chan *fd_chans;

int fuse2_compat_mount(const char *mountpoint, struct fuse_args *args)
{
    struct fd_chan *e = calloc(1, sizeof(*e));
    if (!e)
        return -1;
    e->ch = fuse2_mount(mountpoint, args);
    e->mountpoint = mountpoint ? strdup(mountpoint) : NULL;
    e->fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (!e->ch || !e->mountpoint || e->fd < 0) {
        if (e->ch)
            fuse2_unmount(mountpoint, e->ch);
        if (e->fd >= 0)
            close(e->fd);
        free(e->mountpoint);
        free(e);
        return -1;
    }
    pthread_mutex_lock(&fd_lock);
    e->next = fd_chans;
    fd_chans = e;
    pthread_mutex_unlock(&fd_lock);
    return e->fd;
}

struct fuse_chan *fuse2_compat_claim(int fd)
{
    struct fuse_chan *ch = NULL;
    pthread_mutex_lock(&fd_lock);
    for (struct fd_chan *e = fd_chans; e; e = e->next) {
        if (e->fd == fd && fd >= 0) {
            ch = e->ch;
            e->fd = -1;
            break;
        }
    }
    pthread_mutex_unlock(&fd_lock);
    if (!ch)
        fuse_log(FUSE_LOG_ERR, "fuse: fd %d does not come from fuse_mount()\n", fd);
    return ch;
}

void fuse2_compat_unmount(const char *mountpoint)
{
    struct fd_chan *found = NULL;
    pthread_mutex_lock(&fd_lock);
    for (struct fd_chan **p = &fd_chans; *p; p = &(*p)->next) {
        if (mountpoint && strcmp((*p)->mountpoint, mountpoint) == 0) {
            found = *p;
            *p = found->next;
            break;
        }
    }
    pthread_mutex_unlock(&fd_lock);
    if (!found)
        return;
    fuse2_unmount(mountpoint, found->ch);
    if (found->fd >= 0) /* never claimed: still ours */
        close(found->fd);
    free(found->mountpoint);
    free(found);
}
