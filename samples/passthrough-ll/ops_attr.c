/*
 * ops_attr.c - attributes, symbolic link targets, statfs and extended
 * attributes of an inode.
 *
 * An O_PATH descriptor serves fstatat, fchownat, utimensat and readlinkat
 * through AT_EMPTY_PATH. chmod, truncate and the xattr calls have no such
 * form, so they name the object as /proc/self/fd/N, which reaches the very
 * object the descriptor holds whatever its current path.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "pt_ll.h"

void pt_op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    struct stat st;
    if (fstatat(pt_inode(req, ino)->fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0)
        fuse_reply_err(req, errno);
    else
        fuse_reply_attr(req, &st, pt_fs(req)->timeout);
}

static int set_times(struct pt_inode *in, const struct stat *attr, int to_set,
                     struct fuse_file_info *fi)
{
    struct timespec tv[2] = {{.tv_nsec = UTIME_OMIT}, {.tv_nsec = UTIME_OMIT}};
    if (to_set & FUSE_SET_ATTR_ATIME_NOW)
        tv[0].tv_nsec = UTIME_NOW;
    else if (to_set & FUSE_SET_ATTR_ATIME)
        tv[0] = attr->st_atim;
    if (to_set & FUSE_SET_ATTR_MTIME_NOW)
        tv[1].tv_nsec = UTIME_NOW;
    else if (to_set & FUSE_SET_ATTR_MTIME)
        tv[1] = attr->st_mtim;
    if (fi)
        return futimens(pt_fh_fd(fi), tv);
    return utimensat(in->fd, "", tv, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
}

void pt_op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
                   struct fuse_file_info *fi)
{
    struct pt_inode *in = pt_inode(req, ino);
    char path[64];
    int rc = 0;
    pt_fd_path(path, in->fd);

    /* The kernel has checked the caller may do this, and has already
     * dropped S_ISGID from a mode the caller may not set: apply as root. */
    if (to_set & FUSE_SET_ATTR_MODE)
        rc = fi ? fchmod(pt_fh_fd(fi), attr->st_mode) : chmod(path, attr->st_mode);
    if (rc == 0 && (to_set & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID))) {
        uid_t uid = (to_set & FUSE_SET_ATTR_UID) ? attr->st_uid : (uid_t)-1;
        gid_t gid = (to_set & FUSE_SET_ATTR_GID) ? attr->st_gid : (gid_t)-1;
        rc = fchownat(in->fd, "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
    }
    /* A SETATTR that sets nothing is chown(f, -1, -1), or the kernel asking
     * to drop privileges: with FUSE_HANDLE_KILLPRIV_V2 (backing.c) it no
     * longer sends the SETATTR(mode) that clears setuid/setgid itself. The
     * same chown on the source clears what Linux clears (setgid as the
     * caller would see it: killpriv.c), and security.capability. */
    if ((to_set & (FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID | FUSE_SET_ATTR_SIZE |
                   FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_ATIME_NOW |
                   FUSE_SET_ATTR_MTIME_NOW)) == 0) {
        struct pt_killpriv k;
        pt_killpriv_enter(req, in->fd, &k);
        rc = fchownat(in->fd, "", (uid_t)-1, (gid_t)-1, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
        pt_killpriv_leave(&k);
    }
    if (rc == 0 && (to_set & FUSE_SET_ATTR_SIZE)) {
        struct pt_killpriv k;
        pt_killpriv_enter(req, fi ? pt_fh_fd(fi) : in->fd, &k);
        rc = fi ? ftruncate(pt_fh_fd(fi), attr->st_size) : truncate(path, attr->st_size);
        pt_killpriv_leave(&k);
    }
    if (rc == 0 && (to_set & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_ATIME_NOW |
                              FUSE_SET_ATTR_MTIME_NOW)))
        rc = set_times(in, attr, to_set, fi);
    if (rc != 0) {
        fuse_reply_err(req, errno);
        return;
    }
    pt_op_getattr(req, ino, fi);
}

void pt_op_readlink(fuse_req_t req, fuse_ino_t ino)
{
    char buf[PATH_MAX + 1];
    ssize_t n = readlinkat(pt_inode(req, ino)->fd, "", buf, sizeof(buf));
    if (n < 0)
        fuse_reply_err(req, errno);
    else if ((size_t)n >= sizeof(buf))
        fuse_reply_err(req, ENAMETOOLONG);
    else {
        buf[n] = '\0';
        fuse_reply_readlink(req, buf);
    }
}

void pt_op_statfs(fuse_req_t req, fuse_ino_t ino)
{
    struct statvfs sv;
    if (fstatvfs(pt_inode(req, ino)->fd, &sv) != 0)
        fuse_reply_err(req, errno);
    else
        fuse_reply_statfs(req, &sv);
}

/* --- Extended attributes ------------------------------------------------------ */

void pt_op_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value,
                    size_t size, int flags)
{
    char path[64];
    pt_fd_path(path, pt_inode(req, ino)->fd);
    fuse_reply_err(req, setxattr(path, name, value, size, flags) == 0 ? 0 : errno);
}

void pt_op_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
    char path[64];
    pt_fd_path(path, pt_inode(req, ino)->fd);
    fuse_reply_err(req, removexattr(path, name) == 0 ? 0 : errno);
}

/* getxattr and listxattr: size 0 asks for the length only. */
static void reply_xattr_value(fuse_req_t req, ssize_t n, char *buf, size_t size)
{
    if (n < 0)
        fuse_reply_err(req, errno);
    else if (size == 0)
        fuse_reply_xattr(req, (size_t)n);
    else
        fuse_reply_buf(req, buf, (size_t)n);
}

void pt_op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
    char path[64];
    char *buf = size ? malloc(size) : NULL;
    if (size && !buf) {
        fuse_reply_err(req, ENOMEM);
        return;
    }
    pt_fd_path(path, pt_inode(req, ino)->fd);
    reply_xattr_value(req, getxattr(path, name, buf, size), buf, size);
    free(buf);
}

void pt_op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
    char path[64];
    char *buf = size ? malloc(size) : NULL;
    if (size && !buf) {
        fuse_reply_err(req, ENOMEM);
        return;
    }
    pt_fd_path(path, pt_inode(req, ino)->fd);
    reply_xattr_value(req, listxattr(path, buf, size), buf, size);
    free(buf);
}
