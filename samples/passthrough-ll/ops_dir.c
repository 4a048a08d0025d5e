/*
 * ops_dir.c - directory listings. An open directory is a DIR stream of the
 * source directory; the offsets the kernel passes back are the stream's own
 * telldir() positions, so a listing resumes exactly where it stopped even
 * while entries come and go.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pt_ll.h"

struct pt_dir {
    DIR *dp;
    off_t offset;         /* where the stream stands */
    struct dirent *entry; /* read but not yet given to the kernel */
};

static struct pt_dir *dir_of(struct fuse_file_info *fi)
{
    return (struct pt_dir *)(uintptr_t)fi->fh;
}

void pt_op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    struct pt_dir *d = calloc(1, sizeof(*d));
    if (!d) {
        fuse_reply_err(req, ENOMEM);
        return;
    }
    int fd = openat(pt_inode(req, ino)->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || !(d->dp = fdopendir(fd))) {
        int err = errno;
        if (fd >= 0)
            close(fd);
        free(d);
        fuse_reply_err(req, err);
        return;
    }
    fi->fh = (uint64_t)(uintptr_t)d;
    if (fuse_reply_open(req, fi) != 0) {
        closedir(d->dp);
        free(d);
    }
}

static bool is_dot_or_dotdot(const char *name)
{
    return name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'));
}

/* Add one entry to buf; returns its size, which exceeds rem if it did not
 * fit (nothing was then added). With plus, looks the entry up: the kernel
 * takes a lookup reference for each entry it receives. */
static size_t add_entry(fuse_req_t req, struct pt_inode *dir, bool plus, char *buf, size_t rem,
                        const struct dirent *de, int *err)
{
    if (!plus) {
        struct stat st = {.st_ino = de->d_ino, .st_mode = (mode_t)DTTOIF(de->d_type)};
        return fuse_add_direntry(req, buf, rem, de->d_name, &st, de->d_off);
    }
    struct fuse_entry_param e;
    if (is_dot_or_dotdot(de->d_name)) {
        /* No node id: the kernel makes no dentry for these. */
        memset(&e, 0, sizeof(e));
        e.attr.st_ino = de->d_ino;
        e.attr.st_mode = (mode_t)DTTOIF(de->d_type);
    } else {
        *err = pt_lookup_entry(pt_fs(req), dir, de->d_name, &e);
        if (*err)
            return 0;
    }
    size_t n = fuse_add_direntry_plus(req, buf, rem, de->d_name, &e, de->d_off);
    if (n > rem && e.ino)
        pt_inode_unref(pt_fs(req), pt_inode(req, e.ino), 1);
    return n;
}

static void list(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi,
                 bool plus)
{
    struct pt_dir *d = dir_of(fi);
    struct pt_inode *dir = pt_inode(req, ino);
    char *buf = malloc(size);
    size_t used = 0;
    int err = 0;
    if (!buf) {
        fuse_reply_err(req, ENOMEM);
        return;
    }
    if (off != d->offset) {
        seekdir(d->dp, off);
        d->entry = NULL;
        d->offset = off;
    }
    for (;;) {
        if (!d->entry) {
            errno = 0;
            d->entry = readdir(d->dp);
            if (!d->entry) {
                err = errno;
                break;
            }
        }
        int lerr = 0;
        size_t n = add_entry(req, dir, plus, buf + used, size - used, d->entry, &lerr);
        if (lerr == ENOENT) { /* gone since readdir: skip it */
            d->offset = d->entry->d_off;
            d->entry = NULL;
            continue;
        }
        if (lerr) {
            err = lerr;
            break;
        }
        if (n > size - used)
            break;
        used += n;
        d->offset = d->entry->d_off;
        d->entry = NULL;
    }
    /* An error after some entries: give those, the next call sees it again. */
    if (err && used == 0)
        fuse_reply_err(req, err);
    else
        fuse_reply_buf(req, buf, used);
    free(buf);
}

void pt_op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                   struct fuse_file_info *fi)
{
    list(req, ino, size, off, fi, false);
}

void pt_op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                       struct fuse_file_info *fi)
{
    list(req, ino, size, off, fi, true);
}

void pt_op_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    struct pt_dir *d = dir_of(fi);
    closedir(d->dp);
    free(d);
    fuse_reply_err(req, 0);
}

void pt_op_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
    int fd = dirfd(dir_of(fi)->dp);
    int rc = datasync ? fdatasync(fd) : fsync(fd);
    fuse_reply_err(req, rc == 0 ? 0 : errno);
}
