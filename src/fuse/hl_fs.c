/*
 * hl_fs.c - struct fuse_fs and the fuse_fs_*() calls: each runs the file
 * system's operation, or gives libfuse's answer when it has none (-ENOSYS,
 * or a stand-in built from a sibling operation: read from read_buf, write
 * from write_buf and back, a minimal statfs).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fuse/hl_i.h"

/* libfuse's rule for stacked modules: an operation runs with its own file
 * system's private data in the context, so a module finds its state there
 * and the file system below it finds its own. */
static inline void hl_fs_enter(struct fuse_fs *fs)
{
    fuse_get_context()->private_data = fs->user_data;
}

FSP_FUSE_EXPORT struct fuse_fs *fuse_fs_new(const struct fuse_operations *op, size_t op_size,
                                            void *private_data)
{
    if (op_size > sizeof(struct fuse_operations)) {
        fuse_log(FUSE_LOG_ERR, "fuse: warning: library too old, some operations may not work\n");
        op_size = sizeof(struct fuse_operations);
    }
    struct fuse_fs *fs = calloc(1, sizeof(*fs));
    if (!fs) {
        fuse_log(FUSE_LOG_ERR, "fuse: failed to allocate fuse_fs object\n");
        return NULL;
    }
    /* Programs built for an older, shorter table leave the rest NULL. */
    if (op)
        memcpy(&fs->op, op, op_size);
    fs->user_data = private_data;
    return fs;
}

FSP_FUSE_EXPORT void fuse_fs_init(struct fuse_fs *fs, struct fuse_conn_info *conn,
                                  struct fuse_config *cfg)
{
    hl_fs_enter(fs);
    fs->initialized = true;
    if (fs->op.init)
        fs->user_data = fs->op.init(conn, cfg);
}

/* Calls destroy() and frees fs, as libfuse's does; but fuse_new's own file
 * system, under modules that were never mounted, gets no destroy() without
 * its init(). */
FSP_FUSE_EXPORT void fuse_fs_destroy(struct fuse_fs *fs)
{
    hl_fs_enter(fs);
    if (fs->op.destroy && (fs->initialized || !fs->lib_owned))
        fs->op.destroy(fs->user_data);
    free(fs);
}

FSP_FUSE_EXPORT int fuse_fs_read_buf(struct fuse_fs *fs, const char *path,
                                     struct fuse_bufvec **bufp, size_t size, off_t off,
                                     struct fuse_file_info *fi)
{
    hl_fs_enter(fs);
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

/* Frees a bufvec a read_buf() returned: the vector and its memory buffers. */
void hl_free_bufvec(struct fuse_bufvec *bv)
{
    for (size_t i = 0; i < bv->count; i++)
        if (!(bv->buf[i].flags & FUSE_BUF_IS_FD))
            free(bv->buf[i].mem);
    free(bv);
}

struct fuse_bufvec *hl_bufvec_new(size_t size)
{
    struct fuse_bufvec *bv = malloc(sizeof(*bv));
    void *mem = malloc(size ? size : 1);
    if (!bv || !mem) {
        free(bv);
        free(mem);
        return NULL;
    }
    *bv = FUSE_BUFVEC_INIT(size);
    bv->buf[0].mem = mem;
    return bv;
}

ssize_t hl_bufvec_flat(struct fuse_bufvec *buf, const char **data, char **tofree)
{
    size_t size = fuse_buf_size(buf);
    *tofree = NULL;
    /* One memory buffer (the usual case) goes straight through. */
    if (buf->count == 1 && buf->idx == 0 && buf->off == 0 &&
        !(buf->buf[0].flags & FUSE_BUF_IS_FD)) {
        *data = buf->buf[0].mem;
        return (ssize_t)size;
    }
    char *mem = malloc(size ? size : 1);
    if (!mem)
        return -ENOMEM;
    struct fuse_bufvec dst = FUSE_BUFVEC_INIT(size);
    dst.buf[0].mem = mem;
    ssize_t n = fuse_buf_copy(&dst, buf, 0);
    if (n < 0) {
        free(mem);
        return n;
    }
    *data = mem;
    *tofree = mem;
    return n;
}

void hl_statfs_default(struct statvfs *buf)
{
    memset(buf, 0, sizeof(*buf));
    buf->f_namemax = 255;
    buf->f_bsize = 512;
}

FSP_FUSE_EXPORT int fuse_fs_read(struct fuse_fs *fs, const char *path, char *buf, size_t size,
                                 off_t off, struct fuse_file_info *fi)
{
    hl_fs_enter(fs);
    if (fs->op.read)
        return fs->op.read(path, buf, size, off, fi);
    if (!fs->op.read_buf)
        return -ENOSYS;
    struct fuse_bufvec *src = NULL;
    int res = fs->op.read_buf(path, &src, size, off, fi);
    if (res < 0) {
        if (src) /* a file system may hand one back even on failure */
            hl_free_bufvec(src);
        return res;
    }
    struct fuse_bufvec dst = FUSE_BUFVEC_INIT(size);
    dst.buf[0].mem = buf;
    ssize_t n = fuse_buf_copy(&dst, src, 0);
    hl_free_bufvec(src);
    return (int)n;
}

FSP_FUSE_EXPORT int fuse_fs_write_buf(struct fuse_fs *fs, const char *path, struct fuse_bufvec *buf,
                                      off_t off, struct fuse_file_info *fi)
{
    hl_fs_enter(fs);
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

FSP_FUSE_EXPORT int fuse_fs_write(struct fuse_fs *fs, const char *path, const char *buf,
                                  size_t size, off_t off, struct fuse_file_info *fi)
{
    hl_fs_enter(fs);
    if (fs->op.write)
        return fs->op.write(path, buf, size, off, fi);
    struct fuse_bufvec bv = FUSE_BUFVEC_INIT(size);
    bv.buf[0].mem = (void *)buf;
    return fuse_fs_write_buf(fs, path, &bv, off, fi);
}

/* Without statfs a file system still answers df: libfuse's stand-in. */
FSP_FUSE_EXPORT int fuse_fs_statfs(struct fuse_fs *fs, const char *path, struct statvfs *buf)
{
    hl_fs_enter(fs);
    if (fs->op.statfs)
        return fs->op.statfs(path, buf);
    hl_statfs_default(buf);
    return 0;
}

/* --- The rest: the operation or -ENOSYS ------------------------------------- */

/* Except open, opendir, release and releasedir: a file system without them
 * keeps no per-open state, so opening always succeeds (as in libfuse). An
 * ENOSYS here would reach the kernel, which would then stop sending OPENDIR
 * and hand out handle-less directories. */

FSP_FUSE_EXPORT int fuse_fs_getattr(struct fuse_fs *fs, const char *path, struct stat *buf,
                                    struct fuse_file_info *fi)
{
    hl_fs_enter(fs);
    return fs->op.getattr ? fs->op.getattr(path, buf, fi) : -ENOSYS;
}

FSP_FUSE_EXPORT int fuse_fs_rename(struct fuse_fs *fs, const char *oldpath, const char *newpath,
                                   unsigned int flags)
{
    hl_fs_enter(fs);
    return fs->op.rename ? fs->op.rename(oldpath, newpath, flags) : -ENOSYS;
}

FSP_FUSE_EXPORT int fuse_fs_unlink(struct fuse_fs *fs, const char *path)
{
    hl_fs_enter(fs);
    return fs->op.unlink ? fs->op.unlink(path) : -ENOSYS;
}

FSP_FUSE_EXPORT int fuse_fs_rmdir(struct fuse_fs *fs, const char *path)
{
    hl_fs_enter(fs);
    return fs->op.rmdir ? fs->op.rmdir(path) : -ENOSYS;
}

FSP_FUSE_EXPORT int fuse_fs_symlink(struct fuse_fs *fs, const char *linkname, const char *path)
{
    hl_fs_enter(fs);
    return fs->op.symlink ? fs->op.symlink(linkname, path) : -ENOSYS;
}

FSP_FUSE_EXPORT int fuse_fs_link(struct fuse_fs *fs, const char *oldpath, const char *newpath)
{
    hl_fs_enter(fs);
    return fs->op.link ? fs->op.link(oldpath, newpath) : -ENOSYS;
}

FSP_FUSE_EXPORT int fuse_fs_release(struct fuse_fs *fs, const char *path, struct fuse_file_info *fi)
{
    hl_fs_enter(fs);
    return fs->op.release ? fs->op.release(path, fi) : 0;
}

FSP_FUSE_EXPORT int fuse_fs_open(struct fuse_fs *fs, const char *path, struct fuse_file_info *fi)
{
    hl_fs_enter(fs);
    return fs->op.open ? fs->op.open(path, fi) : 0;
}

FSP_FUSE_EXPORT int fuse_fs_fsync(struct fuse_fs *fs, const char *path, int datasync,
                                  struct fuse_file_info *fi)
{
    hl_fs_enter(fs);
    return fs->op.fsync ? fs->op.fsync(path, datasync, fi) : -ENOSYS;
}

FSP_FUSE_EXPORT int fuse_fs_flush(struct fuse_fs *fs, const char *path, struct fuse_file_info *fi)
{
    hl_fs_enter(fs);
    return fs->op.flush ? fs->op.flush(path, fi) : -ENOSYS;
}

FSP_FUSE_EXPORT int fuse_fs_opendir(struct fuse_fs *fs, const char *path, struct fuse_file_info *fi)
{
    hl_fs_enter(fs);
    return fs->op.opendir ? fs->op.opendir(path, fi) : 0;
}

FSP_FUSE_EXPORT int fuse_fs_readdir(struct fuse_fs *fs, const char *path, void *buf,
                                    fuse_fill_dir_t filler, off_t off, struct fuse_file_info *fi,
                                    enum fuse_readdir_flags flags)
{
    hl_fs_enter(fs);
    return fs->op.readdir ? fs->op.readdir(path, buf, filler, off, fi, flags) : -ENOSYS;
}

FSP_FUSE_EXPORT int fuse_fs_fsyncdir(struct fuse_fs *fs, const char *path, int datasync,
                                     struct fuse_file_info *fi)
{
    hl_fs_enter(fs);
    return fs->op.fsyncdir ? fs->op.fsyncdir(path, datasync, fi) : -ENOSYS;
}

FSP_FUSE_EXPORT int fuse_fs_releasedir(struct fuse_fs *fs, const char *path,
                                       struct fuse_file_info *fi)
{
    hl_fs_enter(fs);
    return fs->op.releasedir ? fs->op.releasedir(path, fi) : 0;
}

FSP_FUSE_EXPORT int fuse_fs_create(struct fuse_fs *fs, const char *path, mode_t mode,
                                   struct fuse_file_info *fi)
{
    hl_fs_enter(fs);
    return fs->op.create ? fs->op.create(path, mode, fi) : -ENOSYS;
}

FSP_FUSE_EXPORT int fuse_fs_lock(struct fuse_fs *fs, const char *path, struct fuse_file_info *fi,
                                 int cmd, struct flock *lock)
{
    hl_fs_enter(fs);
    return fs->op.lock ? fs->op.lock(path, fi, cmd, lock) : -ENOSYS;
}

FSP_FUSE_EXPORT int fuse_fs_flock(struct fuse_fs *fs, const char *path, struct fuse_file_info *fi,
                                  int op)
{
    hl_fs_enter(fs);
    return fs->op.flock ? fs->op.flock(path, fi, op) : -ENOSYS;
}

FSP_FUSE_EXPORT int fuse_fs_chmod(struct fuse_fs *fs, const char *path, mode_t mode,
                                  struct fuse_file_info *fi)
{
    hl_fs_enter(fs);
    return fs->op.chmod ? fs->op.chmod(path, mode, fi) : -ENOSYS;
}

FSP_FUSE_EXPORT int fuse_fs_chown(struct fuse_fs *fs, const char *path, uid_t uid, gid_t gid,
                                  struct fuse_file_info *fi)
{
    hl_fs_enter(fs);
    return fs->op.chown ? fs->op.chown(path, uid, gid, fi) : -ENOSYS;
}

FSP_FUSE_EXPORT int fuse_fs_truncate(struct fuse_fs *fs, const char *path, off_t size,
                                     struct fuse_file_info *fi)
{
    hl_fs_enter(fs);
    return fs->op.truncate ? fs->op.truncate(path, size, fi) : -ENOSYS;
}

FSP_FUSE_EXPORT int fuse_fs_utimens(struct fuse_fs *fs, const char *path,
                                    const struct timespec tv[2], struct fuse_file_info *fi)
{
    hl_fs_enter(fs);
    return fs->op.utimens ? fs->op.utimens(path, tv, fi) : -ENOSYS;
}

FSP_FUSE_EXPORT int fuse_fs_access(struct fuse_fs *fs, const char *path, int mask)
{
    hl_fs_enter(fs);
    return fs->op.access ? fs->op.access(path, mask) : -ENOSYS;
}

FSP_FUSE_EXPORT int fuse_fs_readlink(struct fuse_fs *fs, const char *path, char *buf, size_t len)
{
    hl_fs_enter(fs);
    return fs->op.readlink ? fs->op.readlink(path, buf, len) : -ENOSYS;
}

FSP_FUSE_EXPORT int fuse_fs_mknod(struct fuse_fs *fs, const char *path, mode_t mode, dev_t rdev)
{
    hl_fs_enter(fs);
    return fs->op.mknod ? fs->op.mknod(path, mode, rdev) : -ENOSYS;
}

FSP_FUSE_EXPORT int fuse_fs_mkdir(struct fuse_fs *fs, const char *path, mode_t mode)
{
    hl_fs_enter(fs);
    return fs->op.mkdir ? fs->op.mkdir(path, mode) : -ENOSYS;
}

FSP_FUSE_EXPORT int fuse_fs_setxattr(struct fuse_fs *fs, const char *path, const char *name,
                                     const char *value, size_t size, int flags)
{
    hl_fs_enter(fs);
    return fs->op.setxattr ? fs->op.setxattr(path, name, value, size, flags) : -ENOSYS;
}

FSP_FUSE_EXPORT int fuse_fs_getxattr(struct fuse_fs *fs, const char *path, const char *name,
                                     char *value, size_t size)
{
    hl_fs_enter(fs);
    return fs->op.getxattr ? fs->op.getxattr(path, name, value, size) : -ENOSYS;
}

FSP_FUSE_EXPORT int fuse_fs_listxattr(struct fuse_fs *fs, const char *path, char *list, size_t size)
{
    hl_fs_enter(fs);
    return fs->op.listxattr ? fs->op.listxattr(path, list, size) : -ENOSYS;
}

FSP_FUSE_EXPORT int fuse_fs_removexattr(struct fuse_fs *fs, const char *path, const char *name)
{
    hl_fs_enter(fs);
    return fs->op.removexattr ? fs->op.removexattr(path, name) : -ENOSYS;
}

FSP_FUSE_EXPORT int fuse_fs_bmap(struct fuse_fs *fs, const char *path, size_t blocksize,
                                 uint64_t *idx)
{
    hl_fs_enter(fs);
    return fs->op.bmap ? fs->op.bmap(path, blocksize, idx) : -ENOSYS;
}

FSP_FUSE_EXPORT int fuse_fs_ioctl(struct fuse_fs *fs, const char *path, unsigned int cmd, void *arg,
                                  struct fuse_file_info *fi, unsigned int flags, void *data)
{
    hl_fs_enter(fs);
    return fs->op.ioctl ? fs->op.ioctl(path, cmd, arg, fi, flags, data) : -ENOSYS;
}

FSP_FUSE_EXPORT int fuse_fs_poll(struct fuse_fs *fs, const char *path, struct fuse_file_info *fi,
                                 struct fuse_pollhandle *ph, unsigned *reventsp)
{
    hl_fs_enter(fs);
    return fs->op.poll ? fs->op.poll(path, fi, ph, reventsp) : -ENOSYS;
}

FSP_FUSE_EXPORT int fuse_fs_fallocate(struct fuse_fs *fs, const char *path, int mode, off_t offset,
                                      off_t length, struct fuse_file_info *fi)
{
    hl_fs_enter(fs);
    return fs->op.fallocate ? fs->op.fallocate(path, mode, offset, length, fi) : -ENOSYS;
}

FSP_FUSE_EXPORT ssize_t fuse_fs_copy_file_range(struct fuse_fs *fs, const char *path_in,
                                                struct fuse_file_info *fi_in, off_t off_in,
                                                const char *path_out, struct fuse_file_info *fi_out,
                                                off_t off_out, size_t len, int flags)
{
    hl_fs_enter(fs);
    return fs->op.copy_file_range ? fs->op.copy_file_range(path_in, fi_in, off_in, path_out, fi_out,
                                                           off_out, len, flags)
                                  : -ENOSYS;
}

FSP_FUSE_EXPORT off_t fuse_fs_lseek(struct fuse_fs *fs, const char *path, off_t off, int whence,
                                    struct fuse_file_info *fi)
{
    hl_fs_enter(fs);
    return fs->op.lseek ? fs->op.lseek(path, off, whence, fi) : -ENOSYS;
}
