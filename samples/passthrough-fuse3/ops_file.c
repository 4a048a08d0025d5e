/*
 * ops_file.c - passthrough-fuse3's open files and directories. fi->fh is a
 * descriptor of the source file (a DIR stream for directories); data moves
 * between it and the request by pread/pwrite in the library (read_buf and
 * write_buf hand it the descriptor), so nothing is copied here.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <unistd.h>

#include "pt_fuse3.h"

/* O_NOFOLLOW: the kernel resolved the path already; O_CREAT belongs to create(). */
static int open_flags(int flags)
{
    return (flags & ~(O_NOFOLLOW | O_CREAT | O_EXCL | O_NOCTTY)) | O_CLOEXEC;
}

static int pt_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
    pt_creds_enter();
    int fd = openat(pt_src.fd, pt_rel(path), open_flags(fi->flags) | O_CREAT | (fi->flags & O_EXCL),
                    mode);
    pt_creds_leave();
    if (fd < 0)
        return -errno;
    fi->fh = (uint64_t)fd;
    return 0;
}

static int pt_open(const char *path, struct fuse_file_info *fi)
{
    int fd = openat(pt_src.fd, pt_rel(path), open_flags(fi->flags));
    if (fd < 0)
        return -errno;
    fi->fh = (uint64_t)fd;
    return 0;
}

static int pt_read_buf(const char *path, struct fuse_bufvec **bufp, size_t size, off_t off,
                       struct fuse_file_info *fi)
{
    struct fuse_bufvec *bv = malloc(sizeof(*bv));
    if (!bv)
        return -ENOMEM;
    *bv = (struct fuse_bufvec)FUSE_BUFVEC_INIT(size);
    bv->buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
    bv->buf[0].fd = (int)fi->fh;
    bv->buf[0].pos = off;
    *bufp = bv;
    return 0;
}

static int pt_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
    ssize_t n = pread((int)fi->fh, buf, size, off);
    return n < 0 ? -errno : (int)n;
}

static int pt_write_buf(const char *path, struct fuse_bufvec *in, off_t off,
                        struct fuse_file_info *fi)
{
    struct fuse_bufvec out = FUSE_BUFVEC_INIT(fuse_buf_size(in));
    out.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
    out.buf[0].fd = (int)fi->fh;
    out.buf[0].pos = off;
    return (int)fuse_buf_copy(&out, in, 0);
}

static int pt_write(const char *path, const char *buf, size_t size, off_t off,
                    struct fuse_file_info *fi)
{
    ssize_t n = pwrite((int)fi->fh, buf, size, off);
    return n < 0 ? -errno : (int)n;
}

/* Each close() of a descriptor: closing a duplicate lets the source see it. */
static int pt_flush(const char *path, struct fuse_file_info *fi)
{
    int fd = dup((int)fi->fh);
    if (fd < 0 || close(fd) != 0)
        return -errno;
    return 0;
}

static int pt_release(const char *path, struct fuse_file_info *fi)
{
    close((int)fi->fh);
    return 0;
}

static int pt_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
    int fd = (int)fi->fh;
    return (datasync ? fdatasync(fd) : fsync(fd)) == 0 ? 0 : -errno;
}

static int pt_fallocate(const char *path, int mode, off_t off, off_t len, struct fuse_file_info *fi)
{
    return fallocate((int)fi->fh, mode, off, len) == 0 ? 0 : -errno;
}

static ssize_t pt_copy_file_range(const char *path_in, struct fuse_file_info *fi_in, off_t off_in,
                                  const char *path_out, struct fuse_file_info *fi_out,
                                  off_t off_out, size_t len, int flags)
{
    ssize_t n =
        copy_file_range((int)fi_in->fh, &off_in, (int)fi_out->fh, &off_out, len, (unsigned)flags);
    return n < 0 ? -errno : n;
}

static off_t pt_lseek(const char *path, off_t off, int whence, struct fuse_file_info *fi)
{
    off_t res = lseek((int)fi->fh, off, whence);
    return res < 0 ? -errno : res;
}

static int pt_flock(const char *path, struct fuse_file_info *fi, int op)
{
    return flock((int)fi->fh, op) == 0 ? 0 : -errno;
}

/* --- Directories: a DIR stream; offsets are its telldir() positions ------------ */

static int pt_opendir(const char *path, struct fuse_file_info *fi)
{
    int fd = openat(pt_src.fd, pt_rel(path), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    DIR *dp = fdopendir(fd);
    if (!dp) {
        int err = errno;
        close(fd);
        return -err;
    }
    fi->fh = (uint64_t)(uintptr_t)dp;
    return 0;
}

static int pt_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
                      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
    DIR *dp = (DIR *)(uintptr_t)fi->fh;
    seekdir(dp, off);
    for (;;) {
        errno = 0;
        long here = telldir(dp);
        struct dirent *de = readdir(dp);
        if (!de)
            return -errno;
        struct stat st = {.st_ino = de->d_ino, .st_mode = (mode_t)DTTOIF(de->d_type)};
        if (fill(buf, de->d_name, &st, de->d_off, 0)) {
            seekdir(dp, here); /* full: this entry comes first next time */
            return 0;
        }
    }
}

static int pt_releasedir(const char *path, struct fuse_file_info *fi)
{
    closedir((DIR *)(uintptr_t)fi->fh);
    return 0;
}

static int pt_fsyncdir(const char *path, int datasync, struct fuse_file_info *fi)
{
    int fd = dirfd((DIR *)(uintptr_t)fi->fh);
    return (datasync ? fdatasync(fd) : fsync(fd)) == 0 ? 0 : -errno;
}

void pt_fill_file_ops(struct fuse_operations *op)
{
    op->create = pt_create;
    op->open = pt_open;
    op->read = pt_read;
    op->read_buf = pt_read_buf;
    op->write = pt_write;
    op->write_buf = pt_write_buf;
    op->flush = pt_flush;
    op->release = pt_release;
    op->fsync = pt_fsync;
    op->fallocate = pt_fallocate;
    op->copy_file_range = pt_copy_file_range;
    op->lseek = pt_lseek;
    op->flock = pt_flock;
    op->opendir = pt_opendir;
    op->readdir = pt_readdir;
    op->releasedir = pt_releasedir;
    op->fsyncdir = pt_fsyncdir;
}
