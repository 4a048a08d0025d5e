/*
 * ops_file.c - open files: fi->fh holds a real descriptor of the source
 * file (pt_fh_fd), and data goes through it with pread/pwrite (the library
 * copies between the request and the descriptor), so nothing is cached
 * here. With -o passthrough the kernel does the I/O of most files itself
 * (backing.c) and READ/WRITE come only for files it refused.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <unistd.h>

#include "pt_ll.h"

/* Flags the source must not see: O_NOFOLLOW would refuse the /proc link,
 * O_CREAT/O_EXCL belong to create(). */
static int open_flags(int flags)
{
    return (flags & ~(O_NOFOLLOW | O_CREAT | O_EXCL | O_NOCTTY)) | O_CLOEXEC;
}

void pt_op_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
                  struct fuse_file_info *fi)
{
    struct pt_inode *dir = pt_inode(req, parent);
    pt_creds_enter(req);
    int fd = openat(dir->fd, name, open_flags(fi->flags) | O_CREAT | (fi->flags & O_EXCL), mode);
    pt_creds_leave(req);
    if (fd < 0) {
        fuse_reply_err(req, errno);
        return;
    }
    struct fuse_entry_param e;
    int err = pt_lookup_entry(pt_fs(req), dir, name, &e);
    if (err) {
        close(fd);
        fuse_reply_err(req, err);
        return;
    }
    struct pt_inode *in = pt_inode(req, e.ino);
    fi->fh = (uint64_t)fd;
    pt_backing_attach(req, in, fi);
    if (fuse_reply_create(req, &e, fi) != 0) {
        /* The opener is gone: nobody will release this. */
        pt_backing_detach(req, in, fi);
        close(fd);
        pt_inode_unref(pt_fs(req), in, 1);
    }
}

void pt_op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    struct pt_inode *in = pt_inode(req, ino);
    char path[64];
    struct pt_killpriv k;
    int pfd = in->fd;
    pt_fd_path(path, pfd);
    /* O_TRUNC: the source truncates, so let it judge setuid/setgid. */
    if (fi->flags & O_TRUNC)
        pt_killpriv_enter(req, pfd, &k);
    else
        k.active = false;
    int fd = open(path, open_flags(fi->flags));
    pt_killpriv_leave(&k);
    if (fd < 0) {
        fuse_reply_err(req, errno);
        return;
    }
    fi->fh = (uint64_t)fd;
    pt_backing_attach(req, in, fi);
    if (fuse_reply_open(req, fi) != 0) {
        pt_backing_detach(req, in, fi);
        close(fd);
    }
}

void pt_op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
    struct fuse_bufvec buf = FUSE_BUFVEC_INIT(size);
    buf.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
    buf.buf[0].fd = pt_fh_fd(fi);
    buf.buf[0].pos = off;
    fuse_reply_data(req, &buf, FUSE_BUF_SPLICE_MOVE);
}

void pt_op_write_buf(fuse_req_t req, fuse_ino_t ino, struct fuse_bufvec *in, off_t off,
                     struct fuse_file_info *fi)
{
    struct fuse_bufvec out = FUSE_BUFVEC_INIT(fuse_buf_size(in));
    out.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
    out.buf[0].fd = pt_fh_fd(fi);
    out.buf[0].pos = off;
    struct pt_killpriv k;
    pt_killpriv_enter(req, pt_fh_fd(fi), &k);
    ssize_t n = fuse_buf_copy(&out, in, 0);
    pt_killpriv_leave(&k);
    if (n < 0)
        fuse_reply_err(req, (int)-n);
    else
        fuse_reply_write(req, (size_t)n);
}

/* Called at each close() of a descriptor of the file: closing a duplicate
 * makes the source see the close too (its locks, its write-back errors). */
void pt_op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    int fd = dup(pt_fh_fd(fi));
    int rc = fd < 0 ? -1 : close(fd);
    fuse_reply_err(req, rc == 0 ? 0 : errno);
}

void pt_op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    pt_backing_detach(req, pt_inode(req, ino), fi);
    close(pt_fh_fd(fi));
    fuse_reply_err(req, 0);
}

void pt_op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
    int fd = pt_fh_fd(fi);
    int rc = datasync ? fdatasync(fd) : fsync(fd);
    fuse_reply_err(req, rc == 0 ? 0 : errno);
}

void pt_op_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t off, off_t len,
                     struct fuse_file_info *fi)
{
    int rc = fallocate(pt_fh_fd(fi), mode, off, len);
    fuse_reply_err(req, rc == 0 ? 0 : errno);
}

void pt_op_copy_file_range(fuse_req_t req, fuse_ino_t ino_in, off_t off_in,
                           struct fuse_file_info *fi_in, fuse_ino_t ino_out, off_t off_out,
                           struct fuse_file_info *fi_out, size_t len, int flags)
{
    ssize_t n =
        copy_file_range(pt_fh_fd(fi_in), &off_in, pt_fh_fd(fi_out), &off_out, len, (unsigned)flags);
    if (n < 0)
        fuse_reply_err(req, errno);
    else
        fuse_reply_write(req, (size_t)n);
}

void pt_op_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence, struct fuse_file_info *fi)
{
    off_t res = lseek(pt_fh_fd(fi), off, whence);
    if (res < 0)
        fuse_reply_err(req, errno);
    else
        fuse_reply_lseek(req, res);
}

void pt_op_flock(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, int op)
{
    fuse_reply_err(req, flock(pt_fh_fd(fi), op) == 0 ? 0 : errno);
}
