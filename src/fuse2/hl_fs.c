/*
 * hl_fs.c - FUSE 2's struct fuse_fs: a file system's operations called with
 * libfuse 2's fallbacks (fgetattr -> getattr, ftruncate -> truncate,
 * utimens -> utime, readdir -> getdir, read/write <-> read_buf/write_buf,
 * harmless defaults for open, release and statfs). The high-level bridge
 * (hl_bridge.c) calls the file system only through these.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fuse2/fuse2_i.h"

/* As in libfuse 2.7+: each operation runs with its own file system's
 * private data in the context, which stacked modules rely on. */
static inline void fuse2_fs_enter(struct fuse2_fs *fs)
{
    fuse_get_context()->private_data = fs->user_data;
}

FSP_FUSE_EXPORT struct fuse2_fs *fuse2_fs_new(const struct fuse2_operations *op, size_t op_size,
                                              void *user_data)
{
    if (op_size > sizeof(struct fuse2_operations)) {
        fuse_log(FUSE_LOG_ERR, "fuse: warning: library too old, some operations may not work\n");
        op_size = sizeof(struct fuse2_operations);
    }
    struct fuse2_fs *fs = calloc(1, sizeof(*fs));
    if (!fs) {
        fuse_log(FUSE_LOG_ERR, "fuse: failed to allocate fuse_fs object\n");
        return NULL;
    }
    memcpy(&fs->op, op, op_size);
    fs->user_data = user_data;
    return fs;
}

FSP_FUSE_EXPORT void fuse2_fs_init(struct fuse2_fs *fs, struct fuse2_conn_info *conn)
{
    fuse2_fs_enter(fs);
    fs->initialized = true;
    if (fs->op.init)
        fs->user_data = fs->op.init(conn);
}

/* Calls destroy() and frees fs, as libfuse's does; fuse_new's own file
 * system (under modules never mounted) gets no destroy() without init(). */
FSP_FUSE_EXPORT void fuse2_fs_destroy(struct fuse2_fs *fs)
{
    fuse2_fs_enter(fs);
    if (fs->op.destroy && (fs->initialized || !fs->lib_owned))
        fs->op.destroy(fs->user_data);
    free(fs);
}

/* --- Attributes ---------------------------------------------------------------- */

FSP_FUSE_EXPORT int fuse2_fs_getattr(struct fuse2_fs *fs, const char *path, struct stat *buf)
{
    fuse2_fs_enter(fs);
    return fs->op.getattr ? fs->op.getattr(path, buf) : -ENOSYS;
}

FSP_FUSE_EXPORT int fuse2_fs_fgetattr(struct fuse2_fs *fs, const char *path, struct stat *buf,
                                      struct fuse2_file_info *fi)
{
    fuse2_fs_enter(fs);
    if (fs->op.fgetattr)
        return fs->op.fgetattr(path, buf, fi);
    if (path && fs->op.getattr)
        return fs->op.getattr(path, buf);
    return -ENOSYS;
}

FSP_FUSE_EXPORT int fuse2_fs_chmod(struct fuse2_fs *fs, const char *path, mode_t mode)
{
    fuse2_fs_enter(fs);
    return fs->op.chmod ? fs->op.chmod(path, mode) : -ENOSYS;
}

FSP_FUSE_EXPORT int fuse2_fs_chown(struct fuse2_fs *fs, const char *path, uid_t uid, gid_t gid)
{
    fuse2_fs_enter(fs);
    return fs->op.chown ? fs->op.chown(path, uid, gid) : -ENOSYS;
}

FSP_FUSE_EXPORT int fuse2_fs_truncate(struct fuse2_fs *fs, const char *path, off_t size)
{
    fuse2_fs_enter(fs);
    return fs->op.truncate ? fs->op.truncate(path, size) : -ENOSYS;
}

FSP_FUSE_EXPORT int fuse2_fs_ftruncate(struct fuse2_fs *fs, const char *path, off_t size,
                                       struct fuse2_file_info *fi)
{
    fuse2_fs_enter(fs);
    if (fs->op.ftruncate)
        return fs->op.ftruncate(path, size, fi);
    if (path && fs->op.truncate)
        return fs->op.truncate(path, size);
    return -ENOSYS;
}

/* utime() knows whole seconds only; the caller resolved UTIME_NOW/OMIT. */
FSP_FUSE_EXPORT int fuse2_fs_utimens(struct fuse2_fs *fs, const char *path,
                                     const struct timespec tv[2])
{
    fuse2_fs_enter(fs);
    if (fs->op.utimens)
        return fs->op.utimens(path, tv);
    if (fs->op.utime) {
        struct utimbuf ub = {.actime = tv[0].tv_sec, .modtime = tv[1].tv_sec};
        return fs->op.utime(path, &ub);
    }
    return -ENOSYS;
}

FSP_FUSE_EXPORT int fuse2_fs_access(struct fuse2_fs *fs, const char *path, int mask)
{
    fuse2_fs_enter(fs);
    return fs->op.access ? fs->op.access(path, mask) : -ENOSYS;
}

/* --- Names ---------------------------------------------------------------------- */

FSP_FUSE_EXPORT int fuse2_fs_readlink(struct fuse2_fs *fs, const char *path, char *buf, size_t len)
{
    fuse2_fs_enter(fs);
    return fs->op.readlink ? fs->op.readlink(path, buf, len) : -ENOSYS;
}

FSP_FUSE_EXPORT int fuse2_fs_mknod(struct fuse2_fs *fs, const char *path, mode_t mode, dev_t rdev)
{
    fuse2_fs_enter(fs);
    return fs->op.mknod ? fs->op.mknod(path, mode, rdev) : -ENOSYS;
}

FSP_FUSE_EXPORT int fuse2_fs_mkdir(struct fuse2_fs *fs, const char *path, mode_t mode)
{
    fuse2_fs_enter(fs);
    return fs->op.mkdir ? fs->op.mkdir(path, mode) : -ENOSYS;
}

FSP_FUSE_EXPORT int fuse2_fs_unlink(struct fuse2_fs *fs, const char *path)
{
    fuse2_fs_enter(fs);
    return fs->op.unlink ? fs->op.unlink(path) : -ENOSYS;
}

FSP_FUSE_EXPORT int fuse2_fs_rmdir(struct fuse2_fs *fs, const char *path)
{
    fuse2_fs_enter(fs);
    return fs->op.rmdir ? fs->op.rmdir(path) : -ENOSYS;
}

FSP_FUSE_EXPORT int fuse2_fs_symlink(struct fuse2_fs *fs, const char *linkname, const char *path)
{
    fuse2_fs_enter(fs);
    return fs->op.symlink ? fs->op.symlink(linkname, path) : -ENOSYS;
}

FSP_FUSE_EXPORT int fuse2_fs_rename(struct fuse2_fs *fs, const char *oldpath, const char *newpath)
{
    fuse2_fs_enter(fs);
    return fs->op.rename ? fs->op.rename(oldpath, newpath) : -ENOSYS;
}

FSP_FUSE_EXPORT int fuse2_fs_link(struct fuse2_fs *fs, const char *oldpath, const char *newpath)
{
    fuse2_fs_enter(fs);
    return fs->op.link ? fs->op.link(oldpath, newpath) : -ENOSYS;
}

FSP_FUSE_EXPORT int fuse2_fs_statfs(struct fuse2_fs *fs, const char *path, struct statvfs *buf)
{
    fuse2_fs_enter(fs);
    if (fs->op.statfs)
        return fs->op.statfs(path, buf);
    hl_statfs_default(buf);
    return 0;
}

/* --- Extended attributes ------------------------------------------------------------ */

FSP_FUSE_EXPORT int fuse2_fs_setxattr(struct fuse2_fs *fs, const char *path, const char *name,
                                      const char *value, size_t size, int flags)
{
    fuse2_fs_enter(fs);
    return fs->op.setxattr ? fs->op.setxattr(path, name, value, size, flags) : -ENOSYS;
}

FSP_FUSE_EXPORT int fuse2_fs_getxattr(struct fuse2_fs *fs, const char *path, const char *name,
                                      char *value, size_t size)
{
    fuse2_fs_enter(fs);
    return fs->op.getxattr ? fs->op.getxattr(path, name, value, size) : -ENOSYS;
}

FSP_FUSE_EXPORT int fuse2_fs_listxattr(struct fuse2_fs *fs, const char *path, char *list,
                                       size_t size)
{
    fuse2_fs_enter(fs);
    return fs->op.listxattr ? fs->op.listxattr(path, list, size) : -ENOSYS;
}

FSP_FUSE_EXPORT int fuse2_fs_removexattr(struct fuse2_fs *fs, const char *path, const char *name)
{
    fuse2_fs_enter(fs);
    return fs->op.removexattr ? fs->op.removexattr(path, name) : -ENOSYS;
}

/* --- Open files ------------------------------------------------------------------------ */

FSP_FUSE_EXPORT int fuse2_fs_open(struct fuse2_fs *fs, const char *path, struct fuse2_file_info *fi)
{
    fuse2_fs_enter(fs);
    return fs->op.open ? fs->op.open(path, fi) : 0;
}

FSP_FUSE_EXPORT int fuse2_fs_create(struct fuse2_fs *fs, const char *path, mode_t mode,
                                    struct fuse2_file_info *fi)
{
    fuse2_fs_enter(fs);
    return fs->op.create ? fs->op.create(path, mode, fi) : -ENOSYS;
}

FSP_FUSE_EXPORT int fuse2_fs_release(struct fuse2_fs *fs, const char *path,
                                     struct fuse2_file_info *fi)
{
    fuse2_fs_enter(fs);
    return fs->op.release ? fs->op.release(path, fi) : 0;
}

FSP_FUSE_EXPORT int fuse2_fs_flush(struct fuse2_fs *fs, const char *path,
                                   struct fuse2_file_info *fi)
{
    fuse2_fs_enter(fs);
    return fs->op.flush ? fs->op.flush(path, fi) : -ENOSYS;
}

FSP_FUSE_EXPORT int fuse2_fs_fsync(struct fuse2_fs *fs, const char *path, int datasync,
                                   struct fuse2_file_info *fi)
{
    fuse2_fs_enter(fs);
    return fs->op.fsync ? fs->op.fsync(path, datasync, fi) : -ENOSYS;
}

FSP_FUSE_EXPORT int fuse2_fs_read_buf(struct fuse2_fs *fs, const char *path,
                                      struct fuse_bufvec **bufp, size_t size, off_t off,
                                      struct fuse2_file_info *fi)
{
    fuse2_fs_enter(fs);
    if (fs->op.read_buf)
        return fs->op.read_buf(path, bufp, size, off, fi);
    if (!fs->op.read)
        return -ENOSYS;
    struct fuse_bufvec *bv = hl_bufvec_new(size);
    if (!bv)
        return -ENOMEM;
    int res = fs->op.read(path, bv->buf[0].mem, size, off, fi);
    if (res < 0) {
        hl_free_bufvec(bv);
        return res;
    }
    bv->buf[0].size = (size_t)res;
    *bufp = bv;
    return 0;
}

FSP_FUSE_EXPORT int fuse2_fs_read(struct fuse2_fs *fs, const char *path, char *buf, size_t size,
                                  off_t off, struct fuse2_file_info *fi)
{
    fuse2_fs_enter(fs);
    if (fs->op.read)
        return fs->op.read(path, buf, size, off, fi);
    if (!fs->op.read_buf)
        return -ENOSYS;
    struct fuse_bufvec *src = NULL;
    int res = fs->op.read_buf(path, &src, size, off, fi);
    if (res == 0) {
        struct fuse_bufvec dst = FUSE_BUFVEC_INIT(size);
        dst.buf[0].mem = buf;
        res = (int)fuse_buf_copy(&dst, src, 0);
    }
    if (src)
        hl_free_bufvec(src);
    return res;
}

FSP_FUSE_EXPORT int fuse2_fs_write_buf(struct fuse2_fs *fs, const char *path,
                                       struct fuse_bufvec *buf, off_t off,
                                       struct fuse2_file_info *fi)
{
    fuse2_fs_enter(fs);
    if (fs->op.write_buf)
        return fs->op.write_buf(path, buf, off, fi);
    if (!fs->op.write)
        return -ENOSYS;
    const char *data;
    char *tofree;
    ssize_t n = hl_bufvec_flat(buf, &data, &tofree);
    int res = n < 0 ? (int)n : fs->op.write(path, data, (size_t)n, off, fi);
    free(tofree);
    return res;
}

FSP_FUSE_EXPORT int fuse2_fs_write(struct fuse2_fs *fs, const char *path, const char *buf,
                                   size_t size, off_t off, struct fuse2_file_info *fi)
{
    fuse2_fs_enter(fs);
    if (fs->op.write)
        return fs->op.write(path, buf, size, off, fi);
    if (!fs->op.write_buf)
        return -ENOSYS;
    struct fuse_bufvec bv = FUSE_BUFVEC_INIT(size);
    bv.buf[0].mem = (void *)buf;
    return fs->op.write_buf(path, &bv, off, fi);
}

FSP_FUSE_EXPORT int fuse2_fs_lock(struct fuse2_fs *fs, const char *path, struct fuse2_file_info *fi,
                                  int cmd, struct flock *lock)
{
    fuse2_fs_enter(fs);
    return fs->op.lock ? fs->op.lock(path, fi, cmd, lock) : -ENOSYS;
}

FSP_FUSE_EXPORT int fuse2_fs_flock(struct fuse2_fs *fs, const char *path,
                                   struct fuse2_file_info *fi, int op)
{
    fuse2_fs_enter(fs);
    return fs->op.flock ? fs->op.flock(path, fi, op) : -ENOSYS;
}

FSP_FUSE_EXPORT int fuse2_fs_fallocate(struct fuse2_fs *fs, const char *path, int mode,
                                       off_t offset, off_t length, struct fuse2_file_info *fi)
{
    fuse2_fs_enter(fs);
    return fs->op.fallocate ? fs->op.fallocate(path, mode, offset, length, fi) : -ENOSYS;
}

FSP_FUSE_EXPORT int fuse2_fs_bmap(struct fuse2_fs *fs, const char *path, size_t blocksize,
                                  uint64_t *idx)
{
    fuse2_fs_enter(fs);
    return fs->op.bmap ? fs->op.bmap(path, blocksize, idx) : -ENOSYS;
}

FSP_FUSE_EXPORT int fuse2_fs_ioctl(struct fuse2_fs *fs, const char *path, int cmd, void *arg,
                                   struct fuse2_file_info *fi, unsigned int flags, void *data)
{
    fuse2_fs_enter(fs);
    return fs->op.ioctl ? fs->op.ioctl(path, cmd, arg, fi, flags, data) : -ENOSYS;
}

FSP_FUSE_EXPORT int fuse2_fs_poll(struct fuse2_fs *fs, const char *path, struct fuse2_file_info *fi,
                                  struct fuse_pollhandle *ph, unsigned *reventsp)
{
    fuse2_fs_enter(fs);
    return fs->op.poll ? fs->op.poll(path, fi, ph, reventsp) : -ENOSYS;
}

/* --- Directories -------------------------------------------------------------------------- */

FSP_FUSE_EXPORT int fuse2_fs_opendir(struct fuse2_fs *fs, const char *path,
                                     struct fuse2_file_info *fi)
{
    fuse2_fs_enter(fs);
    return fs->op.opendir ? fs->op.opendir(path, fi) : 0;
}

/* getdir's handle: its entries go to a readdir filler. */
struct fuse_dirhandle {
    fuse2_fill_dir_t filler;
    void *buf;
};

static int getdir_fill(fuse2_dirh_t h, const char *name, int type, ino_t ino)
{
    struct stat st = {.st_ino = ino, .st_mode = (mode_t)type << 12};
    return h->filler(h->buf, name, &st, 0) ? -ENOMEM : 0;
}

FSP_FUSE_EXPORT int fuse2_fs_readdir(struct fuse2_fs *fs, const char *path, void *buf,
                                     fuse2_fill_dir_t filler, off_t off, struct fuse2_file_info *fi)
{
    fuse2_fs_enter(fs);
    if (fs->op.readdir)
        return fs->op.readdir(path, buf, filler, off, fi);
    if (fs->op.getdir) {
        struct fuse_dirhandle dh = {filler, buf};
        return fs->op.getdir(path, &dh, getdir_fill);
    }
    return -ENOSYS;
}

FSP_FUSE_EXPORT int fuse2_fs_releasedir(struct fuse2_fs *fs, const char *path,
                                        struct fuse2_file_info *fi)
{
    fuse2_fs_enter(fs);
    return fs->op.releasedir ? fs->op.releasedir(path, fi) : 0;
}

FSP_FUSE_EXPORT int fuse2_fs_fsyncdir(struct fuse2_fs *fs, const char *path, int datasync,
                                      struct fuse2_file_info *fi)
{
    fuse2_fs_enter(fs);
    return fs->op.fsyncdir ? fs->op.fsyncdir(path, datasync, fi) : -ENOSYS;
}

/* --- Exported names ------------------------------------------------------------------------- */

FUSE2_SYMBOL(fuse2_fs_new, fuse_fs_new, "FUSE_2.7");
FUSE2_SYMBOL(fuse2_fs_init, fuse_fs_init, "FUSE_2.7");
FUSE2_SYMBOL(fuse2_fs_destroy, fuse_fs_destroy, "FUSE_2.7");
FUSE2_SYMBOL(fuse2_fs_getattr, fuse_fs_getattr, "FUSE_2.7");
FUSE2_SYMBOL(fuse2_fs_fgetattr, fuse_fs_fgetattr, "FUSE_2.7");
FUSE2_SYMBOL(fuse2_fs_chmod, fuse_fs_chmod, "FUSE_2.7");
FUSE2_SYMBOL(fuse2_fs_chown, fuse_fs_chown, "FUSE_2.7");
FUSE2_SYMBOL(fuse2_fs_truncate, fuse_fs_truncate, "FUSE_2.7");
FUSE2_SYMBOL(fuse2_fs_ftruncate, fuse_fs_ftruncate, "FUSE_2.7");
FUSE2_SYMBOL(fuse2_fs_utimens, fuse_fs_utimens, "FUSE_2.7");
FUSE2_SYMBOL(fuse2_fs_access, fuse_fs_access, "FUSE_2.7");
FUSE2_SYMBOL(fuse2_fs_readlink, fuse_fs_readlink, "FUSE_2.7");
FUSE2_SYMBOL(fuse2_fs_mknod, fuse_fs_mknod, "FUSE_2.7");
FUSE2_SYMBOL(fuse2_fs_mkdir, fuse_fs_mkdir, "FUSE_2.7");
FUSE2_SYMBOL(fuse2_fs_unlink, fuse_fs_unlink, "FUSE_2.7");
FUSE2_SYMBOL(fuse2_fs_rmdir, fuse_fs_rmdir, "FUSE_2.7");
FUSE2_SYMBOL(fuse2_fs_symlink, fuse_fs_symlink, "FUSE_2.7");
FUSE2_SYMBOL(fuse2_fs_rename, fuse_fs_rename, "FUSE_2.7");
FUSE2_SYMBOL(fuse2_fs_link, fuse_fs_link, "FUSE_2.7");
FUSE2_SYMBOL(fuse2_fs_statfs, fuse_fs_statfs, "FUSE_2.7");
FUSE2_SYMBOL(fuse2_fs_setxattr, fuse_fs_setxattr, "FUSE_2.7");
FUSE2_SYMBOL(fuse2_fs_getxattr, fuse_fs_getxattr, "FUSE_2.7");
FUSE2_SYMBOL(fuse2_fs_listxattr, fuse_fs_listxattr, "FUSE_2.7");
FUSE2_SYMBOL(fuse2_fs_removexattr, fuse_fs_removexattr, "FUSE_2.7");
FUSE2_SYMBOL(fuse2_fs_open, fuse_fs_open, "FUSE_2.7");
FUSE2_SYMBOL(fuse2_fs_create, fuse_fs_create, "FUSE_2.7");
FUSE2_SYMBOL(fuse2_fs_release, fuse_fs_release, "FUSE_2.7");
FUSE2_SYMBOL(fuse2_fs_flush, fuse_fs_flush, "FUSE_2.7");
FUSE2_SYMBOL(fuse2_fs_fsync, fuse_fs_fsync, "FUSE_2.7");
FUSE2_SYMBOL(fuse2_fs_read, fuse_fs_read, "FUSE_2.7");
FUSE2_SYMBOL(fuse2_fs_write, fuse_fs_write, "FUSE_2.7");
FUSE2_SYMBOL(fuse2_fs_lock, fuse_fs_lock, "FUSE_2.7");
FUSE2_SYMBOL(fuse2_fs_bmap, fuse_fs_bmap, "FUSE_2.7");
FUSE2_SYMBOL(fuse2_fs_opendir, fuse_fs_opendir, "FUSE_2.7");
FUSE2_SYMBOL(fuse2_fs_readdir, fuse_fs_readdir, "FUSE_2.7");
FUSE2_SYMBOL(fuse2_fs_releasedir, fuse_fs_releasedir, "FUSE_2.7");
FUSE2_SYMBOL(fuse2_fs_fsyncdir, fuse_fs_fsyncdir, "FUSE_2.7");
FUSE2_SYMBOL(fuse2_fs_ioctl, fuse_fs_ioctl, "FUSE_2.8");
FUSE2_SYMBOL(fuse2_fs_poll, fuse_fs_poll, "FUSE_2.8");
FUSE2_SYMBOL(fuse2_fs_read_buf, fuse_fs_read_buf, "FUSE_2.9");
FUSE2_SYMBOL(fuse2_fs_write_buf, fuse_fs_write_buf, "FUSE_2.9");
FUSE2_SYMBOL(fuse2_fs_flock, fuse_fs_flock, "FUSE_2.9");
FUSE2_SYMBOL(fuse2_fs_fallocate, fuse_fs_fallocate, "FUSE_2.9.1");
