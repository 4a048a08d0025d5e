/*
 * memfs_tree.c - the tree itself: nodes, directory entries and their hash
 * table, path resolution, and the file system's life (memfs_new,
 * memfs_free). See memfs_tree_i.h for how the pieces fit.
 */
#define _GNU_SOURCE

#include "memfs_tree_i.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* --- Directory entries --------------------------------------------------------- */

static size_t hash_of(const struct memfs_node *dir, const char *name)
{
    size_t h = (size_t)(uintptr_t)dir * 31;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = (h ^ *p) * 0x100000001b3ULL;
    return h;
}

struct dentry *entry_find(const struct memfs *fs, const struct memfs_node *dir, const char *name)
{
    struct dentry *d = fs->hash[hash_of(dir, name) & (fs->hsize - 1)];
    while (d && (d->dir != dir || strcmp(d->name, name) != 0))
        d = d->hnext;
    return d;
}

static void hash_grow(struct memfs *fs)
{
    size_t size = fs->hsize * 2;
    struct dentry **h = calloc(size, sizeof(*h));
    if (!h)
        return; /* longer chains, still correct */
    for (size_t i = 0; i < fs->hsize; i++) {
        for (struct dentry *d = fs->hash[i], *next; d; d = next) {
            next = d->hnext;
            size_t j = hash_of(d->dir, d->name) & (size - 1);
            d->hnext = h[j];
            h[j] = d;
        }
    }
    free(fs->hash);
    fs->hash = h;
    fs->hsize = size;
}

int entry_add(struct memfs *fs, struct memfs_node *dir, const char *name, struct memfs_node *node)
{
    size_t len = strlen(name);
    if (len > NAME_MAX)
        return -ENAMETOOLONG;
    struct dentry *d = calloc(1, sizeof(*d) + len + 1);
    if (!d)
        return -ENOMEM;
    memcpy(d->name, name, len + 1);
    d->dir = dir;
    d->node = node;
    d->cookie = ++dir->next_cookie;
    d->prev = dir->last;
    if (dir->last)
        dir->last->next = d;
    else
        dir->first = d;
    dir->last = d;
    if (fs->hcount >= fs->hsize)
        hash_grow(fs);
    size_t i = hash_of(dir, name) & (fs->hsize - 1);
    d->hnext = fs->hash[i];
    fs->hash[i] = d;
    fs->hcount++;
    if (S_ISDIR(node->mode)) {
        node->parent = dir;
        dir->nlink++;
    }
    touch_dir(dir);
    return 0;
}

void entry_remove(struct memfs *fs, struct dentry *d)
{
    struct memfs_node *dir = d->dir, *node = d->node;
    for (struct dentry **p = &fs->hash[hash_of(dir, d->name) & (fs->hsize - 1)]; *p;
         p = &(*p)->hnext) {
        if (*p == d) {
            *p = d->hnext;
            break;
        }
    }
    fs->hcount--;
    if (d->prev)
        d->prev->next = d->next;
    else
        dir->first = d->next;
    if (d->next)
        d->next->prev = d->prev;
    else
        dir->last = d->prev;
    free(d);
    touch_dir(dir);
    now(&node->ctime);
    if (S_ISDIR(node->mode)) {
        dir->nlink--;
        node->nlink = 0; /* its "." and its name */
    } else {
        node->nlink--;
    }
}

/* --- Nodes --------------------------------------------------------------------- */

struct memfs_node *node_new(struct memfs *fs, mode_t mode, const struct memfs_node *dir, uid_t uid,
                            gid_t gid)
{
    struct memfs_node *n = calloc(1, sizeof(*n));
    if (!n)
        return NULL;
    n->ino = ++fs->next_ino;
    n->mode = mode;
    n->nlink = S_ISDIR(mode) ? 2 : 1;
    n->uid = uid;
    n->gid = gid;
    /* A set-group-ID directory hands its group down (and, to directories,
     * the bit itself). */
    if (dir && (dir->mode & S_ISGID)) {
        n->gid = dir->gid;
        if (S_ISDIR(mode))
            n->mode |= S_ISGID;
    }
    now(&n->atime);
    n->mtime = n->ctime = n->atime;
    return n;
}

void node_free(struct memfs_node *n)
{
    for (struct xattr *x = n->xattrs, *next; x; x = next) {
        next = x->next;
        free(x->name);
        free(x->value);
        free(x);
    }
    free(n->data);
    free(n);
}

/* A node goes with its last name and its last open file. */
void node_maybe_free(struct memfs *fs, struct memfs_node *n)
{
    if (n->nlink != 0)
        return;
    if (n->opens == 0) {
        if (n->orphan) {
            if (n->orphan_prev)
                n->orphan_prev->orphan_next = n->orphan_next;
            else
                fs->orphans = n->orphan_next;
            if (n->orphan_next)
                n->orphan_next->orphan_prev = n->orphan_prev;
        }
        node_free(n);
    } else if (!n->orphan) {
        n->orphan = true;
        n->orphan_prev = NULL;
        n->orphan_next = fs->orphans;
        if (fs->orphans)
            fs->orphans->orphan_prev = n;
        fs->orphans = n;
    }
}

void node_stat(const struct memfs_node *n, struct stat *st)
{
    memset(st, 0, sizeof(*st));
    st->st_ino = n->ino;
    st->st_mode = n->mode;
    st->st_nlink = n->nlink;
    st->st_uid = n->uid;
    st->st_gid = n->gid;
    st->st_rdev = n->rdev;
    st->st_size = (off_t)n->size;
    st->st_blksize = 4096;
    st->st_blocks = S_ISLNK(n->mode) ? 0 : (blkcnt_t)((n->cap + 4095) / 4096 * 8);
    st->st_atim = n->atime;
    st->st_mtim = n->mtime;
    st->st_ctim = n->ctime;
}

/* --- Paths --------------------------------------------------------------------- */

/* Walk path's components; with last set, stop before the final one and
 * point *last at it. */
static int path_walk(const struct memfs *fs, const char *path, struct memfs_node **out,
                     const char **last)
{
    struct memfs_node *n = fs->root;
    const char *p = path;
    while (*p == '/')
        p++;
    for (;;) {
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == 0)
            break;
        if (last && !end) {
            *last = p;
            break;
        }
        if (!S_ISDIR(n->mode))
            return -ENOTDIR;
        char name[NAME_MAX + 1];
        if (len > NAME_MAX)
            return -ENAMETOOLONG;
        memcpy(name, p, len);
        name[len] = '\0';
        struct dentry *d = entry_find(fs, n, name);
        if (!d)
            return -ENOENT;
        n = d->node;
        if (!end)
            break;
        p = end + 1;
    }
    if (last && !*last)
        return -EINVAL; /* the root has no parent */
    *out = n;
    return 0;
}

int path_lookup(const struct memfs *fs, const char *path, struct memfs_node **n)
{
    return path_walk(fs, path, n, NULL);
}

int path_parent(const struct memfs *fs, const char *path, struct memfs_node **dir,
                const char **name)
{
    *name = NULL;
    int err = path_walk(fs, path, dir, name);
    if (!err && !S_ISDIR((*dir)->mode))
        err = -ENOTDIR;
    return err;
}

int path_entry(const struct memfs *fs, const char *path, struct dentry **d)
{
    struct memfs_node *dir;
    const char *name;
    int err = path_parent(fs, path, &dir, &name);
    if (err)
        return err;
    *d = entry_find(fs, dir, name);
    return *d ? 0 : -ENOENT;
}

int path_target(const struct memfs *fs, const char *path, struct memfs_node *file,
                struct memfs_node **n)
{
    if (file) {
        *n = file;
        return 0;
    }
    if (!path)
        return -ESTALE;
    return path_lookup(fs, path, n);
}

/* --- Life ---------------------------------------------------------------------- */

struct memfs *memfs_new(uid_t uid, gid_t gid)
{
    struct memfs *fs = calloc(1, sizeof(*fs));
    if (!fs)
        return NULL;
    pthread_mutex_init(&fs->lock, NULL);
    fs->hsize = 1024;
    fs->hash = calloc(fs->hsize, sizeof(*fs->hash));
    fs->root = node_new(fs, S_IFDIR | 0755, NULL, uid, gid); /* inode 1 */
    if (!fs->hash || !fs->root) {
        memfs_free(fs);
        return NULL;
    }
    return fs;
}

static void free_tree(struct memfs_node *dir)
{
    for (struct dentry *d = dir->first, *next; d; d = next) {
        next = d->next;
        struct memfs_node *n = d->node;
        if (S_ISDIR(n->mode))
            free_tree(n);
        else if (--n->nlink == 0)
            node_free(n);
        free(d);
    }
    node_free(dir);
}

void memfs_free(struct memfs *fs)
{
    if (!fs)
        return;
    if (fs->root)
        free_tree(fs->root);
    while (fs->orphans) {
        struct memfs_node *n = fs->orphans;
        fs->orphans = n->orphan_next;
        node_free(n);
    }
    free(fs->hash);
    pthread_mutex_destroy(&fs->lock);
    free(fs);
}
