/*
 * inode.c - the inode table of passthrough-ll.
 *
 * A hash table of the source objects the kernel holds references to, keyed
 * by (st_dev, st_ino): a hard-linked file seen through two names is one
 * inode with one node id, as in the source. Each entry owns an O_PATH
 * descriptor, which pins the object (the source may rename it freely) and
 * serves as the base of every *at() call on it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "pt_ll.h"

static size_t bucket_of(const struct pt_fs *fs, dev_t dev, ino_t ino)
{
    uint64_t h = (uint64_t)ino * 0x9E3779B97F4A7C15ull ^ (uint64_t)dev;
    return (size_t)(h ^ (h >> 29)) & (fs->nbuckets - 1);
}

int pt_table_init(struct pt_fs *fs, const char *source)
{
    struct stat st;
    fs->root.fd = open(source, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fs->root.fd < 0)
        return errno;
    if (fstat(fs->root.fd, &st) != 0) {
        int err = errno;
        close(fs->root.fd);
        return err;
    }
    fs->root.dev = st.st_dev;
    fs->root.ino = st.st_ino;
    fs->root.type = S_IFDIR;
    fs->root.nlookup = 1; /* never reaches 0: the root is never freed */
    fs->nbuckets = 1024;
    fs->buckets = calloc(fs->nbuckets, sizeof(*fs->buckets));
    if (!fs->buckets) {
        close(fs->root.fd);
        return ENOMEM;
    }
    pthread_mutex_init(&fs->lock, NULL);
    fs->buckets[bucket_of(fs, st.st_dev, st.st_ino)] = &fs->root;
    fs->count = 1;
    return 0;
}

void pt_table_free(struct pt_fs *fs)
{
    for (size_t i = 0; i < fs->nbuckets; i++) {
        struct pt_inode *in = fs->buckets[i], *next;
        for (; in; in = next) {
            next = in->next;
            close(in->fd);
            if (in != &fs->root)
                free(in);
        }
    }
    free(fs->buckets);
    pthread_mutex_destroy(&fs->lock);
}

struct pt_inode *pt_inode(fuse_req_t req, fuse_ino_t ino)
{
    if (ino == FUSE_ROOT_ID)
        return &pt_fs(req)->root;
    return (struct pt_inode *)(uintptr_t)ino;
}

/* Double the table when chains grow long (under fs->lock). A failed
 * allocation leaves the table as it was: only slower. */
static void grow(struct pt_fs *fs)
{
    size_t old = fs->nbuckets;
    struct pt_inode **ob = fs->buckets;
    struct pt_inode **nb = calloc(old * 2, sizeof(*nb));
    if (!nb)
        return;
    fs->buckets = nb;
    fs->nbuckets = old * 2;
    for (size_t i = 0; i < old; i++) {
        struct pt_inode *in = ob[i], *next;
        for (; in; in = next) {
            next = in->next;
            size_t b = bucket_of(fs, in->dev, in->ino);
            in->next = nb[b];
            nb[b] = in;
        }
    }
    free(ob);
}

struct pt_inode *pt_inode_ref(struct pt_fs *fs, int fd, const struct stat *st)
{
    pthread_mutex_lock(&fs->lock);
    size_t b = bucket_of(fs, st->st_dev, st->st_ino);
    struct pt_inode *in;
    for (in = fs->buckets[b]; in; in = in->next)
        if (in->dev == st->st_dev && in->ino == st->st_ino)
            break;
    if (in) {
        in->nlookup++;
        pthread_mutex_unlock(&fs->lock);
        close(fd); /* the inode has its own descriptor of the same object */
        return in;
    }
    in = calloc(1, sizeof(*in));
    if (!in) {
        pthread_mutex_unlock(&fs->lock);
        close(fd);
        return NULL;
    }
    in->dev = st->st_dev;
    in->ino = st->st_ino;
    in->fd = fd;
    in->type = st->st_mode & S_IFMT;
    in->nlookup = 1;
    in->next = fs->buckets[b];
    fs->buckets[b] = in;
    if (++fs->count > fs->nbuckets * 2)
        grow(fs);
    pthread_mutex_unlock(&fs->lock);
    return in;
}

void pt_inode_unref(struct pt_fs *fs, struct pt_inode *in, uint64_t n)
{
    pthread_mutex_lock(&fs->lock);
    if (n > in->nlookup)
        n = in->nlookup; /* the kernel never does this; do not wrap */
    in->nlookup -= n;
    if (in->nlookup || in == &fs->root) {
        pthread_mutex_unlock(&fs->lock);
        return;
    }
    struct pt_inode **p = &fs->buckets[bucket_of(fs, in->dev, in->ino)];
    while (*p != in)
        p = &(*p)->next;
    *p = in->next;
    fs->count--;
    pthread_mutex_unlock(&fs->lock);
    close(in->fd);
    free(in);
}

void pt_fd_path(char buf[64], int fd)
{
    snprintf(buf, 64, "/proc/self/fd/%d", fd);
}
