/*
 * memfs-fuse2 - an in-memory file system written against the FUSE 2
 * high-level API (<fuse.h>, FUSE_USE_VERSION 29) and linked with FSP's
 * libfuse.so.2 (it builds against Debian's libfuse 2.9 as well): regular
 * files, directories, hard links, symbolic links, FIFOs, sockets and device
 * nodes, extended attributes, ownership taken from the caller, utimens with
 * UTIME_NOW/UTIME_OMIT, truncate and ftruncate, rename, statfs.
 *
 *   memfs-fuse2 [FUSE options] MOUNTPOINT
 *   e.g. memfs-fuse2 -f -o default_permissions,use_ino /mnt/memfs
 *
 * It leaves permission checks to the kernel (-o default_permissions), as a
 * disk file system does, and sets flag_nullpath_ok: every operation on an
 * open file works through fi->fh, so files stay usable after unlink.
 * FUSE 2 has no rename flags: renameat2(RENAME_NOREPLACE or
 * RENAME_EXCHANGE) fails with EINVAL, as with libfuse 2.
 *
 * One lock serializes the whole tree; the library itself is multi-threaded.
 */
#define _GNU_SOURCE
#define FUSE_USE_VERSION 29

#include <fuse.h>

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

struct xattr {
    struct xattr *next;
    char *name;
    char *value;
    size_t size;
};

struct dentry;

struct node {
    ino_t ino;
    mode_t mode;
    nlink_t nlink;
    uid_t uid;
    gid_t gid;
    dev_t rdev;
    struct timespec atime, mtime, ctime;
    char *data; /* file contents, or a symlink's target */
    size_t size, cap;
    struct xattr *xattrs;
    unsigned opens;
    /* Directories: entries in creation order, which is also the order of
     * their cookies (readdir offsets stay valid across changes). */
    struct dentry *first, *last;
    uint64_t next_cookie;
    struct node *parent;
    /* Unlinked while open: kept on the orphan list until released, so that
     * destroy() frees them even if the kernel never sends the release. */
    struct node *orphan_next, *orphan_prev;
    bool orphan;
};

struct dentry {
    struct dentry *next, *prev; /* in the directory */
    struct dentry *hnext;       /* hash chain */
    struct node *dir, *node;
    uint64_t cookie;
    char name[];
};

static struct {
    pthread_mutex_t lock;
    struct node *root;
    ino_t next_ino;
    struct dentry **hash;
    size_t hsize, hcount;
    struct node *orphans;
} fs = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* --- Nodes and names --------------------------------------------------------- */

static size_t hash_of(const struct node *dir, const char *name)
{
    size_t h = (size_t)(uintptr_t)dir * 31;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = (h ^ *p) * 0x100000001b3ULL;
    return h;
}

static void now(struct timespec *t)
{
    clock_gettime(CLOCK_REALTIME, t);
}

static void touch_dir(struct node *dir)
{
    now(&dir->mtime);
    dir->ctime = dir->mtime;
}

static struct dentry *find(const struct node *dir, const char *name)
{
    struct dentry *d = fs.hash[hash_of(dir, name) & (fs.hsize - 1)];
    while (d && (d->dir != dir || strcmp(d->name, name) != 0))
        d = d->hnext;
    return d;
}

static void hash_grow(void)
{
    size_t size = fs.hsize * 2;
    struct dentry **h = calloc(size, sizeof(*h));
    if (!h)
        return; /* longer chains, still correct */
    for (size_t i = 0; i < fs.hsize; i++) {
        for (struct dentry *d = fs.hash[i], *next; d; d = next) {
            next = d->hnext;
            size_t j = hash_of(d->dir, d->name) & (size - 1);
            d->hnext = h[j];
            h[j] = d;
        }
    }
    free(fs.hash);
    fs.hash = h;
    fs.hsize = size;
}

static int add_entry(struct node *dir, const char *name, struct node *node)
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
    if (fs.hcount >= fs.hsize)
        hash_grow();
    size_t i = hash_of(dir, name) & (fs.hsize - 1);
    d->hnext = fs.hash[i];
    fs.hash[i] = d;
    fs.hcount++;
    if (S_ISDIR(node->mode)) {
        node->parent = dir;
        dir->nlink++;
    }
    touch_dir(dir);
    return 0;
}

static void free_node(struct node *n)
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
static void maybe_free(struct node *n)
{
    if (n->nlink != 0)
        return;
    if (n->opens == 0) {
        if (n->orphan) {
            if (n->orphan_prev)
                n->orphan_prev->orphan_next = n->orphan_next;
            else
                fs.orphans = n->orphan_next;
            if (n->orphan_next)
                n->orphan_next->orphan_prev = n->orphan_prev;
        }
        free_node(n);
    } else if (!n->orphan) {
        n->orphan = true;
        n->orphan_prev = NULL;
        n->orphan_next = fs.orphans;
        if (fs.orphans)
            fs.orphans->orphan_prev = n;
        fs.orphans = n;
    }
}

static void remove_entry(struct dentry *d)
{
    struct node *dir = d->dir, *node = d->node;
    for (struct dentry **p = &fs.hash[hash_of(dir, d->name) & (fs.hsize - 1)]; *p;
         p = &(*p)->hnext) {
        if (*p == d) {
            *p = d->hnext;
            break;
        }
    }
    fs.hcount--;
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

static struct node *new_node(mode_t mode, struct node *dir)
{
    struct node *n = calloc(1, sizeof(*n));
    if (!n)
        return NULL;
    struct fuse_context *ctx = fuse_get_context();
    n->ino = ++fs.next_ino;
    n->mode = mode;
    n->nlink = S_ISDIR(mode) ? 2 : 1;
    n->uid = ctx->uid;
    n->gid = ctx->gid;
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

/* --- Paths ------------------------------------------------------------------- */

/* Walk path's components; with last set, stop before the final one and
 * point *last at it. */
static int walk(const char *path, struct node **out, const char **last)
{
    struct node *n = fs.root;
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
        struct dentry *d = find(n, name);
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

static int lookup(const char *path, struct node **n)
{
    return walk(path, n, NULL);
}

static int parent_of(const char *path, struct node **dir, const char **name)
{
    *name = NULL;
    int err = walk(path, dir, name);
    if (!err && !S_ISDIR((*dir)->mode))
        err = -ENOTDIR;
    return err;
}

/* The node an operation works on: the open file, or the path's. */
static int target(const char *path, const struct fuse_file_info *fi, struct node **n)
{
    if (fi && fi->fh) {
        *n = (struct node *)(uintptr_t)fi->fh;
        return 0;
    }
    if (!path)
        return -ESTALE;
    return lookup(path, n);
}

/* --- Attributes ---------------------------------------------------------------- */

static void fill_stat(const struct node *n, struct stat *st)
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

static int getattr_of(const char *path, struct stat *st, struct fuse_file_info *fi)
{
    pthread_mutex_lock(&fs.lock);
    struct node *n;
    int err = target(path, fi, &n);
    if (!err)
        fill_stat(n, st);
    pthread_mutex_unlock(&fs.lock);
    return err;
}

static int m_getattr(const char *path, struct stat *st)
{
    return getattr_of(path, st, NULL);
}

static int m_fgetattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
    return getattr_of(path, st, fi);
}

static int m_chmod(const char *path, mode_t mode)
{
    struct fuse_file_info *fi = NULL;
    pthread_mutex_lock(&fs.lock);
    struct node *n;
    int err = target(path, fi, &n);
    if (!err) {
        n->mode = (n->mode & S_IFMT) | (mode & 07777);
        now(&n->ctime);
    }
    pthread_mutex_unlock(&fs.lock);
    return err;
}

static int m_chown(const char *path, uid_t uid, gid_t gid)
{
    struct fuse_file_info *fi = NULL;
    pthread_mutex_lock(&fs.lock);
    struct node *n;
    int err = target(path, fi, &n);
    if (!err) {
        if (uid != (uid_t)-1)
            n->uid = uid;
        if (gid != (gid_t)-1)
            n->gid = gid;
        now(&n->ctime);
    }
    pthread_mutex_unlock(&fs.lock);
    return err;
}

/* Grow or shrink the contents; new bytes read as zeros. */
static int resize(struct node *n, size_t size)
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

static int truncate_of(const char *path, off_t size, struct fuse_file_info *fi)
{
    pthread_mutex_lock(&fs.lock);
    struct node *n;
    int err = target(path, fi, &n);
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
    pthread_mutex_unlock(&fs.lock);
    return err;
}

static int m_truncate(const char *path, off_t size)
{
    return truncate_of(path, size, NULL);
}

static int m_ftruncate(const char *path, off_t size, struct fuse_file_info *fi)
{
    return truncate_of(path, size, fi);
}

static void set_time(struct timespec *t, const struct timespec *v, const struct timespec *when)
{
    if (v->tv_nsec == UTIME_NOW)
        *t = *when;
    else if (v->tv_nsec != UTIME_OMIT)
        *t = *v;
}

/* flag_utime_omit_ok: UTIME_NOW and UTIME_OMIT arrive as they are. */
static int m_utimens(const char *path, const struct timespec tv[2])
{
    struct fuse_file_info *fi = NULL;
    pthread_mutex_lock(&fs.lock);
    struct node *n;
    int err = target(path, fi, &n);
    if (!err) {
        struct timespec t;
        now(&t);
        set_time(&n->atime, &tv[0], &t);
        set_time(&n->mtime, &tv[1], &t);
        n->ctime = t;
    }
    pthread_mutex_unlock(&fs.lock);
    return err;
}

/* --- Names ----------------------------------------------------------------------- */

/* Make a node of any kind at path. */
static int make(const char *path, mode_t mode, dev_t rdev, const char *link, struct node **out)
{
    struct node *dir, *n;
    const char *name;
    int err = parent_of(path, &dir, &name);
    if (err)
        return err;
    if (find(dir, name))
        return -EEXIST;
    n = new_node(mode, dir);
    if (!n)
        return -ENOMEM;
    n->rdev = rdev;
    if (link) {
        n->size = strlen(link);
        n->data = strdup(link);
        if (!n->data) {
            free_node(n);
            return -ENOMEM;
        }
    }
    err = add_entry(dir, name, n);
    if (err) {
        free_node(n);
        return err;
    }
    if (out)
        *out = n;
    return 0;
}

static int m_mknod(const char *path, mode_t mode, dev_t rdev)
{
    pthread_mutex_lock(&fs.lock);
    int err = make(path, mode, rdev, NULL, NULL);
    pthread_mutex_unlock(&fs.lock);
    return err;
}

static int m_mkdir(const char *path, mode_t mode)
{
    pthread_mutex_lock(&fs.lock);
    int err = make(path, S_IFDIR | (mode & 07777), 0, NULL, NULL);
    pthread_mutex_unlock(&fs.lock);
    return err;
}

static int m_symlink(const char *link, const char *path)
{
    pthread_mutex_lock(&fs.lock);
    int err = make(path, S_IFLNK | 0777, 0, link, NULL);
    pthread_mutex_unlock(&fs.lock);
    return err;
}

static int m_readlink(const char *path, char *buf, size_t size)
{
    pthread_mutex_lock(&fs.lock);
    struct node *n;
    int err = lookup(path, &n);
    if (!err && !S_ISLNK(n->mode))
        err = -EINVAL;
    if (!err && size > 0) {
        size_t len = n->size < size - 1 ? n->size : size - 1;
        memcpy(buf, n->data, len);
        buf[len] = '\0';
    }
    pthread_mutex_unlock(&fs.lock);
    return err;
}

static int entry_of(const char *path, struct dentry **d)
{
    struct node *dir;
    const char *name;
    int err = parent_of(path, &dir, &name);
    if (err)
        return err;
    *d = find(dir, name);
    return *d ? 0 : -ENOENT;
}

static int m_unlink(const char *path)
{
    pthread_mutex_lock(&fs.lock);
    struct dentry *d;
    int err = entry_of(path, &d);
    if (!err && S_ISDIR(d->node->mode))
        err = -EISDIR;
    if (!err) {
        struct node *n = d->node;
        remove_entry(d);
        maybe_free(n);
    }
    pthread_mutex_unlock(&fs.lock);
    return err;
}

static int m_rmdir(const char *path)
{
    pthread_mutex_lock(&fs.lock);
    struct dentry *d;
    int err = entry_of(path, &d);
    if (!err && !S_ISDIR(d->node->mode))
        err = -ENOTDIR;
    if (!err && d->node->first)
        err = -ENOTEMPTY;
    if (!err) {
        struct node *n = d->node;
        remove_entry(d);
        maybe_free(n);
    }
    pthread_mutex_unlock(&fs.lock);
    return err;
}

static int m_link(const char *from, const char *to)
{
    pthread_mutex_lock(&fs.lock);
    struct node *n, *dir;
    const char *name;
    int err = lookup(from, &n);
    if (!err && S_ISDIR(n->mode))
        err = -EPERM;
    if (!err)
        err = parent_of(to, &dir, &name);
    if (!err && find(dir, name))
        err = -EEXIST;
    if (!err)
        err = add_entry(dir, name, n);
    if (!err) {
        n->nlink++;
        now(&n->ctime);
    }
    pthread_mutex_unlock(&fs.lock);
    return err;
}

/* Move entry d to (dir, name), which is free: the same file, a new name. */
static int move(struct dentry *d, struct node *dir, const char *name)
{
    struct node *n = d->node;
    nlink_t links = n->nlink;
    int err = add_entry(dir, name, n);
    if (err)
        return err;
    remove_entry(d);
    n->nlink = links;
    return 0;
}

static int m_rename(const char *from, const char *to)
{
    pthread_mutex_lock(&fs.lock);
    struct dentry *src, *dst;
    struct node *dir;
    const char *name;
    int err = entry_of(from, &src);
    if (!err)
        err = parent_of(to, &dir, &name);
    if (err)
        goto out;
    dst = find(dir, name);
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
        struct node *old = dst->node;
        remove_entry(dst);
        maybe_free(old);
    }
    err = move(src, dir, name);
out:
    pthread_mutex_unlock(&fs.lock);
    return err;
}

/* --- Files ----------------------------------------------------------------------- */

static int m_open(const char *path, struct fuse_file_info *fi)
{
    pthread_mutex_lock(&fs.lock);
    struct node *n;
    int err = lookup(path, &n);
    if (!err && (fi->flags & O_TRUNC) && S_ISREG(n->mode)) {
        err = resize(n, 0);
        now(&n->mtime);
        n->ctime = n->mtime;
    }
    if (!err) {
        n->opens++;
        fi->fh = (uintptr_t)n;
    }
    pthread_mutex_unlock(&fs.lock);
    return err;
}

static int m_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
    pthread_mutex_lock(&fs.lock);
    struct node *n;
    int err = make(path, S_IFREG | (mode & 07777), 0, NULL, &n);
    if (!err) {
        n->opens++;
        fi->fh = (uintptr_t)n;
    }
    pthread_mutex_unlock(&fs.lock);
    return err;
}

static int m_release(const char *path, struct fuse_file_info *fi)
{
    (void)path;
    pthread_mutex_lock(&fs.lock);
    struct node *n = (struct node *)(uintptr_t)fi->fh;
    n->opens--;
    maybe_free(n);
    pthread_mutex_unlock(&fs.lock);
    return 0;
}

static int m_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
    pthread_mutex_lock(&fs.lock);
    struct node *n;
    int res = target(path, fi, &n);
    if (!res && S_ISDIR(n->mode))
        res = -EISDIR;
    if (!res && (size_t)off < n->size) {
        size_t len = n->size - (size_t)off;
        if (len > size)
            len = size;
        memcpy(buf, n->data + off, len);
        res = (int)len;
    }
    pthread_mutex_unlock(&fs.lock);
    return res;
}

static int m_write(const char *path, const char *buf, size_t size, off_t off,
                   struct fuse_file_info *fi)
{
    pthread_mutex_lock(&fs.lock);
    struct node *n;
    int res = target(path, fi, &n);
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
    pthread_mutex_unlock(&fs.lock);
    return res;
}

static int m_fallocate(const char *path, int mode, off_t off, off_t len, struct fuse_file_info *fi)
{
    if (mode & ~FALLOC_FL_KEEP_SIZE)
        return -EOPNOTSUPP;
    pthread_mutex_lock(&fs.lock);
    struct node *n;
    int err = target(path, fi, &n);
    if (!err && !(mode & FALLOC_FL_KEEP_SIZE) && (size_t)(off + len) > n->size) {
        err = resize(n, (size_t)(off + len));
        now(&n->ctime);
    }
    pthread_mutex_unlock(&fs.lock);
    return err;
}

static int m_statfs(const char *path, struct statvfs *st)
{
    (void)path;
    memset(st, 0, sizeof(*st));
    st->f_bsize = 4096;
    st->f_frsize = 4096;
    st->f_blocks = 1u << 20; /* nominal: memory is the limit */
    st->f_bfree = st->f_bavail = st->f_blocks;
    st->f_files = 1u << 20;
    pthread_mutex_lock(&fs.lock);
    st->f_ffree = st->f_favail = st->f_files - (fsfilcnt_t)fs.hcount;
    pthread_mutex_unlock(&fs.lock);
    st->f_namemax = NAME_MAX;
    return 0;
}

/* --- Directories ---------------------------------------------------------------- */

static int m_opendir(const char *path, struct fuse_file_info *fi)
{
    pthread_mutex_lock(&fs.lock);
    struct node *n;
    int err = lookup(path, &n);
    if (!err && !S_ISDIR(n->mode))
        err = -ENOTDIR;
    if (!err) {
        n->opens++;
        fi->fh = (uintptr_t)n;
    }
    pthread_mutex_unlock(&fs.lock);
    return err;
}

/* Offsets: 1 is ".", 2 is "..", an entry's is its cookie + 2. */
static int m_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t off,
                     struct fuse_file_info *fi)
{
    (void)path;
    pthread_mutex_lock(&fs.lock);
    struct node *dir = (struct node *)(uintptr_t)fi->fh;
    struct stat st;
    int full = 0;
    if (off < 1) {
        fill_stat(dir, &st);
        full = filler(buf, ".", &st, 1);
    }
    if (!full && off < 2) {
        fill_stat(dir->parent ? dir->parent : dir, &st);
        full = filler(buf, "..", &st, 2);
    }
    for (struct dentry *d = dir->first; d && !full; d = d->next) {
        if ((off_t)d->cookie + 2 <= off)
            continue;
        fill_stat(d->node, &st);
        full = filler(buf, d->name, &st, (off_t)d->cookie + 2);
    }
    pthread_mutex_unlock(&fs.lock);
    return 0;
}

static int m_releasedir(const char *path, struct fuse_file_info *fi)
{
    return m_release(path, fi);
}

/* --- Extended attributes --------------------------------------------------------- */

static struct xattr **find_xattr(struct node *n, const char *name)
{
    struct xattr **p = &n->xattrs;
    while (*p && strcmp((*p)->name, name) != 0)
        p = &(*p)->next;
    return p;
}

static int m_setxattr(const char *path, const char *name, const char *value, size_t size, int flags)
{
    pthread_mutex_lock(&fs.lock);
    struct node *n;
    int err = lookup(path, &n);
    struct xattr **p = err ? NULL : find_xattr(n, name);
    if (!err && *p && (flags & XATTR_CREATE))
        err = -EEXIST;
    if (!err && !*p && (flags & XATTR_REPLACE))
        err = -ENODATA;
    if (!err) {
        char *v = malloc(size ? size : 1);
        struct xattr *x = *p ? *p : calloc(1, sizeof(*x));
        if (!v || !x || (!x->name && !(x->name = strdup(name)))) {
            free(v);
            if (x && !*p) {
                free(x->name);
                free(x);
            }
            err = -ENOSPC;
        } else {
            memcpy(v, value, size);
            free(x->value);
            x->value = v;
            x->size = size;
            if (!*p)
                *p = x;
            now(&n->ctime);
        }
    }
    pthread_mutex_unlock(&fs.lock);
    return err;
}

static int m_getxattr(const char *path, const char *name, char *value, size_t size)
{
    pthread_mutex_lock(&fs.lock);
    struct node *n;
    int res = lookup(path, &n);
    struct xattr *x = res ? NULL : *find_xattr(n, name);
    if (!res && !x)
        res = -ENODATA;
    if (!res) {
        res = (int)x->size;
        if (size && x->size > size)
            res = -ERANGE;
        else if (size)
            memcpy(value, x->value, x->size);
    }
    pthread_mutex_unlock(&fs.lock);
    return res;
}

static int m_listxattr(const char *path, char *list, size_t size)
{
    pthread_mutex_lock(&fs.lock);
    struct node *n;
    int res = lookup(path, &n);
    if (!res) {
        size_t len = 0;
        for (struct xattr *x = n->xattrs; x; x = x->next) {
            size_t l = strlen(x->name) + 1;
            if (size && len + l > size) {
                res = -ERANGE;
                break;
            }
            if (size)
                memcpy(list + len, x->name, l);
            len += l;
        }
        if (!res)
            res = (int)len;
    }
    pthread_mutex_unlock(&fs.lock);
    return res;
}

static int m_removexattr(const char *path, const char *name)
{
    pthread_mutex_lock(&fs.lock);
    struct node *n;
    int err = lookup(path, &n);
    struct xattr **p = err ? NULL : find_xattr(n, name);
    if (!err && !*p)
        err = -ENODATA;
    if (!err) {
        struct xattr *x = *p;
        *p = x->next;
        free(x->name);
        free(x->value);
        free(x);
        now(&n->ctime);
    }
    pthread_mutex_unlock(&fs.lock);
    return err;
}

/* --- Life --------------------------------------------------------------------------- */

static void free_tree(struct node *dir)
{
    for (struct dentry *d = dir->first, *next; d; d = next) {
        next = d->next;
        struct node *n = d->node;
        if (S_ISDIR(n->mode))
            free_tree(n);
        else if (--n->nlink == 0)
            free_node(n);
        free(d);
    }
    free_node(dir);
}

static void m_destroy(void *private_data)
{
    (void)private_data;
    pthread_mutex_lock(&fs.lock);
    free_tree(fs.root);
    fs.root = NULL;
    while (fs.orphans) {
        struct node *n = fs.orphans;
        fs.orphans = n->orphan_next;
        free_node(n);
    }
    free(fs.hash);
    fs.hash = NULL;
    pthread_mutex_unlock(&fs.lock);
}

static const struct fuse_operations memfs_ops = {
    .getattr = m_getattr,
    .fgetattr = m_fgetattr,
    .readlink = m_readlink,
    .mknod = m_mknod,
    .mkdir = m_mkdir,
    .unlink = m_unlink,
    .rmdir = m_rmdir,
    .symlink = m_symlink,
    .rename = m_rename,
    .link = m_link,
    .chmod = m_chmod,
    .chown = m_chown,
    .truncate = m_truncate,
    .ftruncate = m_ftruncate,
    .open = m_open,
    .read = m_read,
    .write = m_write,
    .statfs = m_statfs,
    .release = m_release,
    .setxattr = m_setxattr,
    .getxattr = m_getxattr,
    .listxattr = m_listxattr,
    .removexattr = m_removexattr,
    .opendir = m_opendir,
    .readdir = m_readdir,
    .releasedir = m_releasedir,
    .destroy = m_destroy,
    .create = m_create,
    .utimens = m_utimens,
    .fallocate = m_fallocate,
    /* Every operation on an open file uses fi->fh: unlinked open files
     * (NULL path) keep working. */
    .flag_nullpath_ok = 1,
    .flag_utime_omit_ok = 1,
};

int main(int argc, char *argv[])
{
    fs.hsize = 1024;
    fs.hash = calloc(fs.hsize, sizeof(*fs.hash));
    fs.root = calloc(1, sizeof(*fs.root));
    if (!fs.hash || !fs.root) {
        fprintf(stderr, "memfs-fuse2: out of memory\n");
        return 1;
    }
    fs.next_ino = 1;
    fs.root->ino = 1;
    fs.root->mode = S_IFDIR | 0755;
    fs.root->nlink = 2;
    fs.root->uid = getuid();
    fs.root->gid = getgid();
    now(&fs.root->atime);
    fs.root->mtime = fs.root->ctime = fs.root->atime;
    int rc = fuse_main(argc, argv, &memfs_ops, NULL);
    if (fs.root) { /* never mounted: destroy() did not run */
        free_tree(fs.root);
        free(fs.hash);
    }
    return rc;
}
