/*
 * memfs_files.c - attributes (getattr, chmod, chown, truncate, utimens),
 * open files, their contents (read, write, fallocate), and statfs.
 */
#define _GNU_SOURCE

#include "memfs_tree_i.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* --- Attributes ---------------------------------------------------------------- */

int memfs_getattr(struct memfs *fs, const char *path, struct memfs_node *file, struct stat *st)
{
    pthread_mutex_lock(&fs->lock);
    struct memfs_node *n;
    int err = path_target(fs, path, file, &n);
    if (!err)
        node_stat(n, st);
    pthread_mutex_unlock(&fs->lock);
    return err;
}

int memfs_chmod(struct memfs *fs, const char *path, struct memfs_node *file, mode_t mode)
{
    pthread_mutex_lock(&fs->lock);
    struct memfs_node *n;
    int err = path_target(fs, path, file, &n);
    if (!err) {
        n->mode = (n->mode & S_IFMT) | (mode & 07777);
        now(&n->ctime);
    }
    pthread_mutex_unlock(&fs->lock);
    return err;
}

int memfs_chown(struct memfs *fs, const char *path, struct memfs_node *file, uid_t uid, gid_t gid)
{
    pthread_mutex_lock(&fs->lock);
    struct memfs_node *n;
    int err = path_target(fs, path, file, &n);
    if (!err) {
        if (uid != (uid_t)-1)
            n->uid = uid;
        if (gid != (gid_t)-1)
            n->gid = gid;
        now(&n->ctime);
    }
    pthread_mutex_unlock(&fs->lock);
    return err;
}

/* Grow or shrink the contents; new bytes read as zeros. */
static int resize(struct memfs_node *n, size_t size)
{
    if (size > n->cap) {
        size_t cap = n->cap ? n->cap : 4096;
        while (cap < size)
            cap = cap < (SIZE_MAX / 2) ? cap * 2 : size;
        char *data = realloc(n->data, cap);
        if (!data)
            return -ENOSPC;
        n->data = data;
        n->cap = cap;
    }
    if (size > n->size)
        memset(n->data + n->size, 0, size - n->size);
    n->size = size;
    if (size == 0) {
        free(n->data);
        n->data = NULL;
        n->cap = 0;
    }
    return 0;
}

int memfs_truncate(struct memfs *fs, const char *path, struct memfs_node *file, off_t size)
{
    pthread_mutex_lock(&fs->lock);
    struct memfs_node *n;
    int err = path_target(fs, path, file, &n);
    if (!err && S_ISDIR(n->mode))
        err = -EISDIR;
    if (!err && size < 0)
        err = -EINVAL;
    if (!err)
        err = resize(n, (size_t)size);
    if (!err) {
        now(&n->mtime);
        n->ctime = n->mtime;
    }
    pthread_mutex_unlock(&fs->lock);
    return err;
}

static void set_time(struct timespec *t, const struct timespec *v, const struct timespec *when)
{
    if (v->tv_nsec == UTIME_NOW)
        *t = *when;
    else if (v->tv_nsec != UTIME_OMIT)
        *t = *v;
}

int memfs_utimens(struct memfs *fs, const char *path, struct memfs_node *file,
                  const struct timespec tv[2])
{
    pthread_mutex_lock(&fs->lock);
    struct memfs_node *n;
    int err = path_target(fs, path, file, &n);
    if (!err) {
        struct timespec t;
        now(&t);
        set_time(&n->atime, &tv[0], &t);
        set_time(&n->mtime, &tv[1], &t);
        n->ctime = t;
    }
    pthread_mutex_unlock(&fs->lock);
    return err;
}

/* --- Open files and contents --------------------------------------------------- */

int memfs_open(struct memfs *fs, const char *path, int flags, struct memfs_node **file)
{
    pthread_mutex_lock(&fs->lock);
    struct memfs_node *n;
    int err = path_lookup(fs, path, &n);
    if (!err && (flags & O_TRUNC) && S_ISREG(n->mode)) {
        err = resize(n, 0);
        now(&n->mtime);
        n->ctime = n->mtime;
    }
    if (!err) {
        n->opens++;
        *file = n;
    }
    pthread_mutex_unlock(&fs->lock);
    return err;
}

int memfs_opendir(struct memfs *fs, const char *path, struct memfs_node **dir)
{
    pthread_mutex_lock(&fs->lock);
    struct memfs_node *n;
    int err = path_lookup(fs, path, &n);
    if (!err && !S_ISDIR(n->mode))
        err = -ENOTDIR;
    if (!err) {
        n->opens++;
        *dir = n;
    }
    pthread_mutex_unlock(&fs->lock);
    return err;
}

void memfs_release(struct memfs *fs, struct memfs_node *file)
{
    pthread_mutex_lock(&fs->lock);
    file->opens--;
    node_maybe_free(fs, file);
    pthread_mutex_unlock(&fs->lock);
}

int memfs_read(struct memfs *fs, const char *path, struct memfs_node *file, char *buf, size_t size,
               off_t off)
{
    pthread_mutex_lock(&fs->lock);
    struct memfs_node *n;
    int res = path_target(fs, path, file, &n);
    if (!res && S_ISDIR(n->mode))
        res = -EISDIR;
    if (!res && (size_t)off < n->size) {
        size_t len = n->size - (size_t)off;
        if (len > size)
            len = size;
        memcpy(buf, n->data + off, len);
        res = (int)len;
    }
    pthread_mutex_unlock(&fs->lock);
    return res;
}

int memfs_write(struct memfs *fs, const char *path, struct memfs_node *file, const char *buf,
                size_t size, off_t off)
{
    pthread_mutex_lock(&fs->lock);
    struct memfs_node *n;
    int res = path_target(fs, path, file, &n);
    if (!res && (off < 0 || size > (size_t)INT_MAX))
        res = -EINVAL;
    if (!res && (size_t)off + size > n->size)
        res = resize(n, (size_t)off + size);
    if (!res) {
        memcpy(n->data + off, buf, size);
        now(&n->mtime);
        n->ctime = n->mtime;
        res = (int)size;
    }
    pthread_mutex_unlock(&fs->lock);
    return res;
}

int memfs_fallocate(struct memfs *fs, const char *path, struct memfs_node *file, int mode,
                    off_t off, off_t len)
{
    if (mode & ~FALLOC_FL_KEEP_SIZE)
        return -EOPNOTSUPP;
    pthread_mutex_lock(&fs->lock);
    struct memfs_node *n;
    int err = path_target(fs, path, file, &n);
    if (!err && !(mode & FALLOC_FL_KEEP_SIZE) && (size_t)(off + len) > n->size) {
        err = resize(n, (size_t)(off + len));
        now(&n->ctime);
    }
    pthread_mutex_unlock(&fs->lock);
    return err;
}

int memfs_statfs(struct memfs *fs, struct statvfs *st)
{
    memset(st, 0, sizeof(*st));
    st->f_bsize = 4096;
    st->f_frsize = 4096;
    st->f_blocks = 1u << 20; /* nominal: memory is the limit */
    st->f_bfree = st->f_bavail = st->f_blocks;
    st->f_files = 1u << 20;
    pthread_mutex_lock(&fs->lock);
    st->f_ffree = st->f_favail = st->f_files - (fsfilcnt_t)fs->hcount;
    pthread_mutex_unlock(&fs->lock);
    st->f_namemax = NAME_MAX;
    return 0;
}
