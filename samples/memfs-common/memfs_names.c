/*
 * memfs_names.c - operations on names: making files of every kind (create
 * also opens the new file), symlink targets, unlink and rmdir, hard links,
 * rename with its flags, and directory listings.
 */
#define _GNU_SOURCE

#include "memfs_tree_i.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- Making and removing names ------------------------------------------------- */

/* Make a node of any kind at path. */
static int make(struct memfs *fs, const char *path, mode_t mode, dev_t rdev, const char *link,
                uid_t uid, gid_t gid, struct memfs_node **out)
{
    struct memfs_node *dir, *n;
    const char *name;
    int err = path_parent(fs, path, &dir, &name);
    if (err)
        return err;
    if (entry_find(fs, dir, name))
        return -EEXIST;
    n = node_new(fs, mode, dir, uid, gid);
    if (!n)
        return -ENOMEM;
    n->rdev = rdev;
    if (link) {
        n->size = strlen(link);
        n->data = strdup(link);
        if (!n->data) {
            node_free(n);
            return -ENOMEM;
        }
    }
    err = entry_add(fs, dir, name, n);
    if (err) {
        node_free(n);
        return err;
    }
    if (out)
        *out = n;
    return 0;
}

int memfs_mknod(struct memfs *fs, const char *path, mode_t mode, dev_t rdev, uid_t uid, gid_t gid)
{
    pthread_mutex_lock(&fs->lock);
    int err = make(fs, path, mode, rdev, NULL, uid, gid, NULL);
    pthread_mutex_unlock(&fs->lock);
    return err;
}

int memfs_create(struct memfs *fs, const char *path, mode_t mode, uid_t uid, gid_t gid,
                 struct memfs_node **file)
{
    pthread_mutex_lock(&fs->lock);
    struct memfs_node *n;
    int err = make(fs, path, S_IFREG | (mode & 07777), 0, NULL, uid, gid, &n);
    if (!err) {
        n->opens++;
        *file = n;
    }
    pthread_mutex_unlock(&fs->lock);
    return err;
}

int memfs_mkdir(struct memfs *fs, const char *path, mode_t mode, uid_t uid, gid_t gid)
{
    pthread_mutex_lock(&fs->lock);
    int err = make(fs, path, S_IFDIR | (mode & 07777), 0, NULL, uid, gid, NULL);
    pthread_mutex_unlock(&fs->lock);
    return err;
}

int memfs_symlink(struct memfs *fs, const char *link, const char *path, uid_t uid, gid_t gid)
{
    pthread_mutex_lock(&fs->lock);
    int err = make(fs, path, S_IFLNK | 0777, 0, link, uid, gid, NULL);
    pthread_mutex_unlock(&fs->lock);
    return err;
}

int memfs_readlink(struct memfs *fs, const char *path, char *buf, size_t size)
{
    pthread_mutex_lock(&fs->lock);
    struct memfs_node *n;
    int err = path_lookup(fs, path, &n);
    if (!err && !S_ISLNK(n->mode))
        err = -EINVAL;
    if (!err && size > 0) {
        size_t len = n->size < size - 1 ? n->size : size - 1;
        memcpy(buf, n->data, len);
        buf[len] = '\0';
    }
    pthread_mutex_unlock(&fs->lock);
    return err;
}

/* unlink (dir false) and rmdir (dir true): the name goes, and with it the
 * file, unless it has other names or open handles. */
static int remove_name(struct memfs *fs, const char *path, bool dir)
{
    pthread_mutex_lock(&fs->lock);
    struct dentry *d;
    int err = path_entry(fs, path, &d);
    if (!err && S_ISDIR(d->node->mode) != dir)
        err = dir ? -ENOTDIR : -EISDIR;
    if (!err && dir && d->node->first)
        err = -ENOTEMPTY;
    if (!err) {
        struct memfs_node *n = d->node;
        entry_remove(fs, d);
        node_maybe_free(fs, n);
    }
    pthread_mutex_unlock(&fs->lock);
    return err;
}

int memfs_unlink(struct memfs *fs, const char *path)
{
    return remove_name(fs, path, false);
}

int memfs_rmdir(struct memfs *fs, const char *path)
{
    return remove_name(fs, path, true);
}

int memfs_link(struct memfs *fs, const char *from, const char *to)
{
    pthread_mutex_lock(&fs->lock);
    struct memfs_node *n, *dir;
    const char *name;
    int err = path_lookup(fs, from, &n);
    if (!err && S_ISDIR(n->mode))
        err = -EPERM;
    if (!err)
        err = path_parent(fs, to, &dir, &name);
    if (!err && entry_find(fs, dir, name))
        err = -EEXIST;
    if (!err)
        err = entry_add(fs, dir, name, n);
    if (!err) {
        n->nlink++;
        now(&n->ctime);
    }
    pthread_mutex_unlock(&fs->lock);
    return err;
}

/* --- Rename -------------------------------------------------------------------- */

/* Move entry d to (dir, name), which is free: the same file, a new name. */
static int move(struct memfs *fs, struct dentry *d, struct memfs_node *dir, const char *name)
{
    struct memfs_node *n = d->node;
    nlink_t links = n->nlink;
    int err = entry_add(fs, dir, name, n);
    if (err)
        return err;
    entry_remove(fs, d);
    n->nlink = links;
    return 0;
}

/* RENAME_EXCHANGE: the entries stay; their files trade places. */
static void exchange(struct dentry *src, struct dentry *dst)
{
    struct memfs_node *a = src->node, *b = dst->node;
    src->node = b;
    dst->node = a;
    /* A directory's ".." counts as a link of its parent. */
    if (S_ISDIR(a->mode) != S_ISDIR(b->mode) && src->dir != dst->dir) {
        struct memfs_node *da = S_ISDIR(a->mode) ? dst->dir : src->dir;
        struct memfs_node *db = S_ISDIR(a->mode) ? src->dir : dst->dir;
        da->nlink++;
        db->nlink--;
    }
    if (S_ISDIR(a->mode))
        a->parent = dst->dir;
    if (S_ISDIR(b->mode))
        b->parent = src->dir;
    touch_dir(src->dir);
    touch_dir(dst->dir);
    now(&a->ctime);
    b->ctime = a->ctime;
}

int memfs_rename(struct memfs *fs, const char *from, const char *to, unsigned int flags)
{
    if (flags & ~(unsigned)(RENAME_NOREPLACE | RENAME_EXCHANGE))
        return -EINVAL;
    pthread_mutex_lock(&fs->lock);
    struct dentry *src, *dst;
    struct memfs_node *dir;
    const char *name;
    int err = path_entry(fs, from, &src);
    if (!err)
        err = path_parent(fs, to, &dir, &name);
    if (err)
        goto out;
    dst = entry_find(fs, dir, name);
    if (flags & RENAME_EXCHANGE) {
        if (!dst)
            err = -ENOENT;
        else
            exchange(src, dst);
        goto out;
    }
    if (dst && (flags & RENAME_NOREPLACE)) {
        err = -EEXIST;
        goto out;
    }
    if (dst == src || (dst && dst->node == src->node))
        goto out; /* the same file: nothing to do */
    if (dst) {
        bool sdir = S_ISDIR(src->node->mode), ddir = S_ISDIR(dst->node->mode);
        if (sdir && !ddir)
            err = -ENOTDIR;
        else if (!sdir && ddir)
            err = -EISDIR;
        else if (ddir && dst->node->first)
            err = -ENOTEMPTY;
        if (err)
            goto out;
        struct memfs_node *old = dst->node;
        entry_remove(fs, dst);
        node_maybe_free(fs, old);
    }
    err = move(fs, src, dir, name);
out:
    pthread_mutex_unlock(&fs->lock);
    return err;
}

/* --- Listings ------------------------------------------------------------------ */

/* Offsets: 1 is ".", 2 is "..", an entry's is its cookie + 2. */
int memfs_readdir(struct memfs *fs, struct memfs_node *dir, off_t off, memfs_dirent_fn *fill,
                  void *ctx)
{
    pthread_mutex_lock(&fs->lock);
    struct stat st;
    int full = 0;
    if (off < 1) {
        node_stat(dir, &st);
        full = fill(ctx, ".", &st, 1);
    }
    if (!full && off < 2) {
        node_stat(dir->parent ? dir->parent : dir, &st);
        full = fill(ctx, "..", &st, 2);
    }
    for (struct dentry *d = dir->first; d && !full; d = d->next) {
        if ((off_t)d->cookie + 2 <= off)
            continue;
        node_stat(d->node, &st);
        full = fill(ctx, d->name, &st, (off_t)d->cookie + 2);
    }
    pthread_mutex_unlock(&fs->lock);
    return 0;
}
