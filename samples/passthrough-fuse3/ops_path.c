/*
 * ops_path.c - passthrough-fuse3's operations on names: attributes,
 * creating, linking, removing and renaming entries, extended attributes.
 * Where the library passes an open file (fi), its descriptor is used, so
 * these work on unlinked open files too.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "pt_fuse3.h"

#define RET(rc) return (rc) == 0 ? 0 : -errno

const char *pt_rel(const char *path)
{
    while (*path == '/')
        path++;
    return *path ? path : ".";
}

int pt_full(char *buf, const char *path)
{
    int n = snprintf(buf, PATH_MAX, "%s%s", pt_src.path, path);
    return n < 0 || n >= PATH_MAX ? -ENAMETOOLONG : 0;
}

/* The raw system calls change this thread's fsuid/fsgid only; the new
 * object gets the caller's owner (or a set-group-ID parent's group) from
 * the source itself. The kernel has checked permissions already. */
void pt_creds_enter(void)
{
    if (!pt_src.creds)
        return;
    struct fuse_context *ctx = fuse_get_context();
    syscall(SYS_setfsgid, ctx->gid);
    syscall(SYS_setfsuid, ctx->uid);
}

void pt_creds_leave(void)
{
    if (!pt_src.creds)
        return;
    int saved = errno;
    syscall(SYS_setfsuid, 0);
    syscall(SYS_setfsgid, 0);
    errno = saved;
}

static int pt_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
    if (fi)
        RET(fstat((int)fi->fh, st));
    RET(fstatat(pt_src.fd, pt_rel(path), st, AT_SYMLINK_NOFOLLOW));
}

static int pt_readlink(const char *path, char *buf, size_t size)
{
    ssize_t n = readlinkat(pt_src.fd, pt_rel(path), buf, size - 1);
    if (n < 0)
        return -errno;
    buf[n] = '\0';
    return 0;
}

static int pt_mknod(const char *path, mode_t mode, dev_t rdev)
{
    pt_creds_enter();
    int rc = mknodat(pt_src.fd, pt_rel(path), mode, rdev);
    pt_creds_leave();
    RET(rc);
}

static int pt_mkdir(const char *path, mode_t mode)
{
    pt_creds_enter();
    int rc = mkdirat(pt_src.fd, pt_rel(path), mode);
    pt_creds_leave();
    RET(rc);
}

static int pt_symlink(const char *target, const char *path)
{
    pt_creds_enter();
    int rc = symlinkat(target, pt_src.fd, pt_rel(path));
    pt_creds_leave();
    RET(rc);
}

static int pt_unlink(const char *path)
{
    RET(unlinkat(pt_src.fd, pt_rel(path), 0));
}

static int pt_rmdir(const char *path)
{
    RET(unlinkat(pt_src.fd, pt_rel(path), AT_REMOVEDIR));
}

static int pt_rename(const char *from, const char *to, unsigned int flags)
{
    RET(renameat2(pt_src.fd, pt_rel(from), pt_src.fd, pt_rel(to), flags));
}

static int pt_link(const char *from, const char *to)
{
    RET(linkat(pt_src.fd, pt_rel(from), pt_src.fd, pt_rel(to), 0));
}

static int pt_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
    if (fi)
        RET(fchmod((int)fi->fh, mode));
    RET(fchmodat(pt_src.fd, pt_rel(path), mode, 0));
}

static int pt_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
    if (fi)
        RET(fchown((int)fi->fh, uid, gid));
    RET(fchownat(pt_src.fd, pt_rel(path), uid, gid, AT_SYMLINK_NOFOLLOW));
}

static int pt_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
    if (fi)
        RET(ftruncate((int)fi->fh, size));
    char full[PATH_MAX];
    int err = pt_full(full, path);
    if (err)
        return err;
    RET(truncate(full, size));
}

static int pt_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
    if (fi)
        RET(futimens((int)fi->fh, tv));
    RET(utimensat(pt_src.fd, pt_rel(path), tv, AT_SYMLINK_NOFOLLOW));
}

static int pt_statfs(const char *path, struct statvfs *sv)
{
    RET(fstatvfs(pt_src.fd, sv));
}

/* --- Extended attributes (the l* calls: a symbolic link's own) -------------- */

static int pt_setxattr(const char *path, const char *name, const char *value, size_t size,
                       int flags)
{
    char full[PATH_MAX];
    int err = pt_full(full, path);
    if (err)
        return err;
    RET(lsetxattr(full, name, value, size, flags));
}

static int pt_getxattr(const char *path, const char *name, char *value, size_t size)
{
    char full[PATH_MAX];
    int err = pt_full(full, path);
    if (err)
        return err;
    ssize_t n = lgetxattr(full, name, value, size);
    return n < 0 ? -errno : (int)n;
}

static int pt_listxattr(const char *path, char *list, size_t size)
{
    char full[PATH_MAX];
    int err = pt_full(full, path);
    if (err)
        return err;
    ssize_t n = llistxattr(full, list, size);
    return n < 0 ? -errno : (int)n;
}

static int pt_removexattr(const char *path, const char *name)
{
    char full[PATH_MAX];
    int err = pt_full(full, path);
    if (err)
        return err;
    RET(lremovexattr(full, name));
}

void pt_fill_path_ops(struct fuse_operations *op)
{
    op->getattr = pt_getattr;
    op->readlink = pt_readlink;
    op->mknod = pt_mknod;
    op->mkdir = pt_mkdir;
    op->symlink = pt_symlink;
    op->unlink = pt_unlink;
    op->rmdir = pt_rmdir;
    op->rename = pt_rename;
    op->link = pt_link;
    op->chmod = pt_chmod;
    op->chown = pt_chown;
    op->truncate = pt_truncate;
    op->utimens = pt_utimens;
    op->statfs = pt_statfs;
    op->setxattr = pt_setxattr;
    op->getxattr = pt_getxattr;
    op->listxattr = pt_listxattr;
    op->removexattr = pt_removexattr;
}
