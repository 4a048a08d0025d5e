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
 * This file is the FUSE 2 part: each callback of struct fuse_operations,
 * translated onto the file system itself, which knows nothing of FUSE and
 * lives in samples/memfs-common (memfs-fuse3 serves the same one through
 * FUSE 3). Its functions, declared in memfs_tree.h, take paths, plain C types
 * and an open file's handle, and return 0, a byte count or -errno: what a
 * FUSE callback returns. One lock inside it serializes the tree; the
 * library itself is multi-threaded. To build it by hand against a libfuse 2:
 *
 *   cc memfs_fuse2.c ../memfs-common/memfs_*.c \
 *       $(pkg-config --cflags --libs fuse) -o memfs-fuse2
 */
#define _GNU_SOURCE
#define FUSE_USE_VERSION 29

#include <fuse.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "../memfs-common/memfs_tree.h"

/* The tree this mount serves: main passes it to fuse_main as user data and
 * the library hands it back to every callback in its context. */
static struct memfs *tree(void)
{
    return fuse_get_context()->private_data;
}

/* An open file's handle is the tree's node for it, kept in fi->fh (open,
 * create and opendir set it). Callbacks that may concern an open file get
 * fi; it is NULL when the kernel asks by name alone. */
static struct memfs_node *handle(const struct fuse_file_info *fi)
{
    return fi ? (struct memfs_node *)(uintptr_t)fi->fh : NULL;
}

/* --- Attributes ---------------------------------------------------------------- */

/* FUSE 2 has separate callbacks for an open file: fgetattr (fstat) and
 * ftruncate get fi, getattr and truncate only the path. With
 * flag_nullpath_ok the path is NULL for a file unlinked while open. */
static int m_getattr(const char *path, struct stat *st)
{
    return memfs_getattr(tree(), path, NULL, st);
}

static int m_fgetattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
    return memfs_getattr(tree(), path, handle(fi), st);
}

static int m_truncate(const char *path, off_t size)
{
    return memfs_truncate(tree(), path, NULL, size);
}

static int m_ftruncate(const char *path, off_t size, struct fuse_file_info *fi)
{
    return memfs_truncate(tree(), path, handle(fi), size);
}

/* chmod, chown and utimens have no fi in FUSE 2: they always go by path,
 * so fchmod of a file unlinked while open cannot reach it. */
static int m_chmod(const char *path, mode_t mode)
{
    return memfs_chmod(tree(), path, NULL, mode);
}

static int m_chown(const char *path, uid_t uid, gid_t gid)
{
    return memfs_chown(tree(), path, NULL, uid, gid);
}

/* flag_utime_omit_ok: UTIME_NOW and UTIME_OMIT arrive as they are. */
static int m_utimens(const char *path, const struct timespec tv[2])
{
    return memfs_utimens(tree(), path, NULL, tv);
}

/* --- Names ----------------------------------------------------------------------- */

/* New files belong to the calling process's user and group, which the
 * library gives in its context. */
static int m_mknod(const char *path, mode_t mode, dev_t rdev)
{
    struct fuse_context *ctx = fuse_get_context();
    return memfs_mknod(tree(), path, mode, rdev, ctx->uid, ctx->gid);
}

static int m_mkdir(const char *path, mode_t mode)
{
    struct fuse_context *ctx = fuse_get_context();
    return memfs_mkdir(tree(), path, mode, ctx->uid, ctx->gid);
}

static int m_symlink(const char *target, const char *path)
{
    struct fuse_context *ctx = fuse_get_context();
    return memfs_symlink(tree(), target, path, ctx->uid, ctx->gid);
}

/* buf gets the target NUL-terminated (cut if need be); 0 means success. */
static int m_readlink(const char *path, char *buf, size_t size)
{
    return memfs_readlink(tree(), path, buf, size);
}

static int m_unlink(const char *path)
{
    return memfs_unlink(tree(), path);
}

static int m_rmdir(const char *path)
{
    return memfs_rmdir(tree(), path);
}

static int m_link(const char *from, const char *to)
{
    return memfs_link(tree(), from, to);
}

/* No flags in FUSE 2: the library refuses renameat2 with any. */
static int m_rename(const char *from, const char *to)
{
    return memfs_rename(tree(), from, to, 0);
}

/* --- Files ----------------------------------------------------------------------- */

/* O_TRUNC reaches open only with -o atomic_o_trunc; otherwise the kernel
 * truncates first, through truncate. */
static int m_open(const char *path, struct fuse_file_info *fi)
{
    struct memfs_node *file;
    int err = memfs_open(tree(), path, fi->flags, &file);
    if (!err)
        fi->fh = (uintptr_t)file;
    return err;
}

/* create is open(O_CREAT) in one step: make the file and open it. */
static int m_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
    struct fuse_context *ctx = fuse_get_context();
    struct memfs_node *file;
    int err = memfs_create(tree(), path, mode, ctx->uid, ctx->gid, &file);
    if (!err)
        fi->fh = (uintptr_t)file;
    return err;
}

/* The last close of an open file; the tree frees a file with no name left. */
static int m_release(const char *path, struct fuse_file_info *fi)
{
    (void)path;
    memfs_release(tree(), handle(fi));
    return 0;
}

static int m_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
    return memfs_read(tree(), path, handle(fi), buf, size, off);
}

static int m_write(const char *path, const char *buf, size_t size, off_t off,
                   struct fuse_file_info *fi)
{
    return memfs_write(tree(), path, handle(fi), buf, size, off);
}

static int m_fallocate(const char *path, int mode, off_t off, off_t len, struct fuse_file_info *fi)
{
    return memfs_fallocate(tree(), path, handle(fi), mode, off, len);
}

static int m_statfs(const char *path, struct statvfs *st)
{
    (void)path;
    return memfs_statfs(tree(), st);
}

/* --- Directories ---------------------------------------------------------------- */

static int m_opendir(const char *path, struct fuse_file_info *fi)
{
    struct memfs_node *dir;
    int err = memfs_opendir(tree(), path, &dir);
    if (!err)
        fi->fh = (uintptr_t)dir;
    return err;
}

/* What readdir's entry callback below needs to reach the library's filler. */
struct listing {
    void *buf;
    fuse_fill_dir_t filler;
};

/* Each entry with the offset the next readdir call resumes from. FUSE 2's
 * filler has no flags: the library uses the stat's type and inode number
 * (with use_ino) and nothing more. It returns 1 when the kernel's buffer is
 * full; the tree stops there. */
static int fill(void *ctx, const char *name, const struct stat *st, off_t next)
{
    struct listing *l = ctx;
    return l->filler(l->buf, name, st, next);
}

/* Offsets: 1 is ".", 2 is "..", then each entry's, which stays valid while
 * the directory changes. */
static int m_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t off,
                     struct fuse_file_info *fi)
{
    (void)path;
    struct listing l = {.buf = buf, .filler = filler};
    return memfs_readdir(tree(), handle(fi), off, fill, &l);
}

static int m_releasedir(const char *path, struct fuse_file_info *fi)
{
    return m_release(path, fi);
}

/* --- Extended attributes --------------------------------------------------------- */

/* By path only. flags: XATTR_CREATE, XATTR_REPLACE. With size 0, getxattr
 * and listxattr return the size they need. */
static int m_setxattr(const char *path, const char *name, const char *value, size_t size, int flags)
{
    return memfs_setxattr(tree(), path, name, value, size, flags);
}

static int m_getxattr(const char *path, const char *name, char *value, size_t size)
{
    return memfs_getxattr(tree(), path, name, value, size);
}

static int m_listxattr(const char *path, char *list, size_t size)
{
    return memfs_listxattr(tree(), path, list, size);
}

static int m_removexattr(const char *path, const char *name)
{
    return memfs_removexattr(tree(), path, name);
}

/* --- Life --------------------------------------------------------------------------- */

/* Without an init callback, the context's private_data stays the tree main
 * passed to fuse_main. FUSE 2 sets the library's behaviour through flag_*
 * fields here rather than in init. */
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
    /* The root directory belongs to whoever mounts. */
    struct memfs *fs = memfs_new(getuid(), getgid());
    if (!fs) {
        fprintf(stderr, "memfs-fuse2: out of memory\n");
        return 1;
    }
    /* fuse_main parses the FUSE options, mounts, serves until unmounted
     * or signalled, and unmounts. The tree outlives it. */
    int rc = fuse_main(argc, argv, &memfs_ops, fs);
    memfs_free(fs);
    return rc;
}
