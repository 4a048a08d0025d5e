/*
 * ops_entry.c - names: lookup and forget, creating, linking, removing and
 * renaming entries of a directory.
 *
 * New objects get the caller's owner the way a local file system gives
 * them: when we run as root, the creating call runs with the caller's fsuid
 * and fsgid (set for this thread only, through the raw system calls, which
 * unlike glibc's setuid family do not spread to all threads). So the source
 * applies its own rules (a set-group-ID parent's group, S_ISGID inheritance)
 * atomically, with no window where the object belongs to root. The
 * permission checks were made by the kernel (default_permissions).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pt_ll.h"

int pt_lookup_entry(struct pt_fs *fs, struct pt_inode *dir, const char *name,
                    struct fuse_entry_param *e)
{
    memset(e, 0, sizeof(*e));
    int fd = openat(dir->fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno;
    if (fstatat(fd, "", &e->attr, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) {
        int err = errno;
        close(fd);
        return err;
    }
    struct pt_inode *in = pt_inode_ref(fs, fd, &e->attr);
    if (!in)
        return ENOMEM;
    e->ino = in == &fs->root ? FUSE_ROOT_ID : (fuse_ino_t)(uintptr_t)in;
    e->attr_timeout = fs->timeout;
    e->entry_timeout = fs->timeout;
    return 0;
}

void pt_creds_enter(fuse_req_t req)
{
    if (!pt_fs(req)->creds)
        return;
    const struct fuse_ctx *ctx = fuse_req_ctx(req);
    syscall(SYS_setfsgid, ctx->gid);
    syscall(SYS_setfsuid, ctx->uid);
}

void pt_creds_leave(fuse_req_t req)
{
    if (!pt_fs(req)->creds)
        return;
    int saved = errno;
    syscall(SYS_setfsuid, 0);
    syscall(SYS_setfsgid, 0);
    errno = saved;
}

void pt_op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    struct fuse_entry_param e;
    int err = pt_lookup_entry(pt_fs(req), pt_inode(req, parent), name, &e);
    if (err)
        fuse_reply_err(req, err);
    else
        fuse_reply_entry(req, &e);
}

void pt_op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
    pt_inode_unref(pt_fs(req), pt_inode(req, ino), nlookup);
    fuse_reply_none(req);
}

void pt_op_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets)
{
    for (size_t i = 0; i < count; i++)
        pt_inode_unref(pt_fs(req), pt_inode(req, forgets[i].ino), forgets[i].nlookup);
    fuse_reply_none(req);
}

/* The tail of every creating operation: rc is the creating call's result. */
static void reply_created(fuse_req_t req, int rc, struct pt_inode *dir, const char *name)
{
    struct fuse_entry_param e;
    int err = rc != 0 ? errno : pt_lookup_entry(pt_fs(req), dir, name, &e);
    if (err)
        fuse_reply_err(req, err);
    else
        fuse_reply_entry(req, &e);
}

void pt_op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev)
{
    struct pt_inode *dir = pt_inode(req, parent);
    pt_creds_enter(req);
    int rc = mknodat(dir->fd, name, mode, rdev);
    pt_creds_leave(req);
    reply_created(req, rc, dir, name);
}

void pt_op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
    struct pt_inode *dir = pt_inode(req, parent);
    pt_creds_enter(req);
    int rc = mkdirat(dir->fd, name, mode);
    pt_creds_leave(req);
    reply_created(req, rc, dir, name);
}

void pt_op_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name)
{
    struct pt_inode *dir = pt_inode(req, parent);
    pt_creds_enter(req);
    int rc = symlinkat(link, dir->fd, name);
    pt_creds_leave(req);
    reply_created(req, rc, dir, name);
}

void pt_op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname)
{
    struct pt_inode *in = pt_inode(req, ino);
    struct pt_inode *dir = pt_inode(req, newparent);
    /* AT_EMPTY_PATH links the O_PATH descriptor's object itself (root has
     * the CAP_DAC_READ_SEARCH it needs); otherwise go through /proc. */
    int rc = linkat(in->fd, "", dir->fd, newname, AT_EMPTY_PATH);
    if (rc != 0 && (errno == ENOENT || errno == EPERM)) {
        char path[64];
        pt_fd_path(path, in->fd);
        rc = linkat(AT_FDCWD, path, dir->fd, newname, AT_SYMLINK_FOLLOW);
    }
    reply_created(req, rc, dir, newname);
}

void pt_op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    int rc = unlinkat(pt_inode(req, parent)->fd, name, 0);
    fuse_reply_err(req, rc == 0 ? 0 : errno);
}

void pt_op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    int rc = unlinkat(pt_inode(req, parent)->fd, name, AT_REMOVEDIR);
    fuse_reply_err(req, rc == 0 ? 0 : errno);
}

void pt_op_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
                  const char *newname, unsigned int flags)
{
    /* RENAME_NOREPLACE, RENAME_EXCHANGE and RENAME_WHITEOUT go to the
     * source as they are: it gives the same answers tmpfs would. */
    int rc =
        renameat2(pt_inode(req, parent)->fd, name, pt_inode(req, newparent)->fd, newname, flags);
    fuse_reply_err(req, rc == 0 ? 0 : errno);
}
