/*
 * memfs-fuse3 - an in-memory file system written against the FUSE 3
 * high-level API (<fuse.h>, FUSE_USE_VERSION 31): regular files,
 * directories, hard links, symbolic links, FIFOs, sockets and device nodes,
 * extended attributes, ownership taken from the caller, rename with
 * RENAME_NOREPLACE and RENAME_EXCHANGE, statfs.
 *
 *   memfs-fuse3 [--plain-readdir] [FUSE options] MOUNTPOINT
 *   e.g. memfs-fuse3 -f -o default_permissions,use_ino /mnt/memfs
 *
 * --plain-readdir lists directories the simple way (whole, without offsets
 * or attributes) instead of in offset-addressed pieces with attributes.
 *
 * It leaves permission checks to the kernel (-o default_permissions), as a
 * disk file system does, and sets nullpath_ok: every operation on an open
 * file works through fi->fh, so files stay usable after unlink.
 *
 * This file is the FUSE 3 part: each callback of struct fuse_operations,
 * translated onto the file system itself, which knows nothing of FUSE and
 * lives in samples/memfs-common (memfs-fuse2 serves the same one through
 * FUSE 2). Its functions, declared in memfs_tree.h, take paths, plain C types
 * and an open file's handle, and return 0, a byte count or -errno: what a
 * FUSE callback returns. One lock inside it serializes the tree; the
 * library itself is multi-threaded. To build it by hand against a libfuse3:
 *
 *   cc memfs_fuse3.c ../memfs-common/memfs_*.c \
 *       $(pkg-config --cflags --libs fuse3) -o memfs-fuse3
 */
#define _GNU_SOURCE
#define FUSE_USE_VERSION 31

#include <fuse.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../memfs-common/memfs_tree.h"

/* The program's own command-line options, picked out by fuse_opt_parse. */
static struct {
    int plain_readdir;
} options;

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

/* FUSE 3 passes fi to getattr, chmod, chown, truncate and utimens when the
 * kernel names an open file (fstat, fchmod, ftruncate, futimens...). With
 * nullpath_ok the path is then NULL for a file unlinked while open. */
static int m_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
    return memfs_getattr(tree(), path, handle(fi), st);
}

static int m_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
    return memfs_chmod(tree(), path, handle(fi), mode);
}

static int m_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
    return memfs_chown(tree(), path, handle(fi), uid, gid);
}

static int m_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
    return memfs_truncate(tree(), path, handle(fi), size);
}

/* UTIME_NOW and UTIME_OMIT arrive as they are in tv[].tv_nsec. */
static int m_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
    return memfs_utimens(tree(), path, handle(fi), tv);
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

/* FUSE 3 passes renameat2's flags: RENAME_NOREPLACE and RENAME_EXCHANGE
 * are done by the tree; anything else fails with EINVAL there. */
static int m_rename(const char *from, const char *to, unsigned int flags)
{
    return memfs_rename(tree(), from, to, flags);
}

/* --- Files ----------------------------------------------------------------------- */

/* The kernel passes O_TRUNC on to open (a FUSE 3 library asks for
 * atomic_o_trunc), so open empties the file itself. */
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

/* What readdir's entry callbacks below need to reach the library's filler. */
struct listing {
    void *buf;
    fuse_fill_dir_t filler;
};

static bool is_dot(const char *name)
{
    return strcmp(name, ".") == 0 || strcmp(name, "..") == 0;
}

/* With offsets: each entry with the offset the next readdir call resumes
 * from, and a complete stat, which FUSE_FILL_DIR_PLUS tells the library to
 * use for READDIRPLUS (sparing the kernel a lookup per entry). "." and ".."
 * go without it: the kernel never looks them up. The filler returns 1 when
 * the kernel's buffer is full; the tree stops there. */
static int fill_with_offsets(void *ctx, const char *name, const struct stat *st, off_t next)
{
    struct listing *l = ctx;
    return l->filler(l->buf, name, st, next, is_dot(name) ? 0 : FUSE_FILL_DIR_PLUS);
}

/* Without offsets (offset 0): every entry in one call, with its type and
 * inode number only; the library keeps the listing and serves it in
 * pieces. "." and ".." carry their type alone. */
static int fill_whole(void *ctx, const char *name, const struct stat *st, off_t next)
{
    struct listing *l = ctx;
    struct stat type;
    (void)next;
    memset(&type, 0, sizeof(type));
    type.st_mode = st->st_mode & S_IFMT;
    if (!is_dot(name))
        type.st_ino = st->st_ino;
    l->filler(l->buf, name, &type, 0, 0);
    return 0; /* go on to the end */
}

/* FUSE 3's readdir has a flags argument (FUSE_READDIR_PLUS when the kernel
 * asks for READDIRPLUS) and a filler with a flags argument of its own.
 * Offsets: 1 is ".", 2 is "..", then each entry's, which stays valid while
 * the directory changes. */
static int m_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t off,
                     struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
    (void)path;
    (void)flags;
    struct listing l = {.buf = buf, .filler = filler};
    if (options.plain_readdir)
        return memfs_readdir(tree(), handle(fi), 0, fill_whole, &l);
    return memfs_readdir(tree(), handle(fi), off, fill_with_offsets, &l);
}

static int m_releasedir(const char *path, struct fuse_file_info *fi)
{
    return m_release(path, fi);
}

/* --- Extended attributes --------------------------------------------------------- */

/* By path only, in both FUSE versions. flags: XATTR_CREATE, XATTR_REPLACE.
 * With size 0, getxattr and listxattr return the size they need. */
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

/* FUSE 3's init gets the library's configuration to adjust. What it returns
 * becomes the context's private_data: the tree main passed in. */
static void *m_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
    (void)conn;
    /* Every operation on an open file uses fi->fh: paths are not needed,
     * and unlinked open files keep working. */
    cfg->nullpath_ok = 1;
    return fuse_get_context()->private_data;
}

static const struct fuse_operations memfs_ops = {
    .getattr = m_getattr,
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
    .init = m_init,
    .create = m_create,
    .utimens = m_utimens,
    .fallocate = m_fallocate,
};

static const struct fuse_opt memfs_opts[] = {
    {"--plain-readdir", offsetof(__typeof__(options), plain_readdir), 1},
    FUSE_OPT_END,
};

int main(int argc, char *argv[])
{
    struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
    if (fuse_opt_parse(&args, &options, memfs_opts, NULL) == -1)
        return 1;
    /* The root directory belongs to whoever mounts. */
    struct memfs *fs = memfs_new(getuid(), getgid());
    if (!fs) {
        fprintf(stderr, "memfs-fuse3: out of memory\n");
        fuse_opt_free_args(&args);
        return 1;
    }
    /* fuse_main parses the FUSE options, mounts, serves until unmounted
     * or signalled, and unmounts. The tree outlives it. */
    int rc = fuse_main(args.argc, args.argv, &memfs_ops, fs);
    fuse_opt_free_args(&args);
    memfs_free(fs);
    return rc;
}
