/*
 * mod_pathmap.c - the operations of a path-rewriting stacked module (see
 * mod_pathmap.h): each maps its path(s), calls the same fuse_fs_*() on the
 * file system below and frees the mapped path(s).
 *
 * The module's state is the private data fuse_fs_*() puts in the context
 * before calling an operation, so it is read first, before the call below
 * replaces it with the lower file system's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fuse/mod_pathmap.h"

static struct hl_pathmap *pm_get(void)
{
    return fuse_get_context()->private_data;
}

/* A path for below; NULL stays NULL (nullpath_ok, unlinked open files). */
static int pm_map(struct hl_pathmap *pm, const char *path, char **out)
{
    *out = NULL;
    return path ? pm->hooks->path(pm, path, out) : 0;
}

/* One mapped path around one call: P is the mapped path, CALL the result. */
#define PM_CALL1(path, call)          \
    struct hl_pathmap *pm = pm_get(); \
    char *p;                          \
    int err = pm_map(pm, path, &p);   \
    if (err)                          \
        return err;                   \
    err = (call);                     \
    free(p);                          \
    return err

static int pm_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
    PM_CALL1(path, fuse_fs_getattr(pm->next, p, st, fi));
}

static int pm_readlink(const char *path, char *buf, size_t size)
{
    struct hl_pathmap *pm = pm_get();
    char *p;
    int err = pm_map(pm, path, &p);
    if (err)
        return err;
    err = fuse_fs_readlink(pm->next, p, buf, size);
    free(p);
    if (!err && pm->hooks->target_up)
        err = pm->hooks->target_up(pm, path, buf, size);
    return err;
}

static int pm_mknod(const char *path, mode_t mode, dev_t rdev)
{
    PM_CALL1(path, fuse_fs_mknod(pm->next, p, mode, rdev));
}

static int pm_mkdir(const char *path, mode_t mode)
{
    PM_CALL1(path, fuse_fs_mkdir(pm->next, p, mode));
}

static int pm_unlink(const char *path)
{
    PM_CALL1(path, fuse_fs_unlink(pm->next, p));
}

static int pm_rmdir(const char *path)
{
    PM_CALL1(path, fuse_fs_rmdir(pm->next, p));
}

static int pm_symlink(const char *target, const char *path)
{
    struct hl_pathmap *pm = pm_get();
    char *t = NULL, *p;
    int err = pm->hooks->target_down ? pm->hooks->target_down(pm, target, &t) : 0;
    if (err)
        return err;
    err = pm_map(pm, path, &p);
    if (!err)
        err = fuse_fs_symlink(pm->next, t ? t : target, p);
    free(p);
    free(t);
    return err;
}

/* Two mapped paths (rename, link, copy_file_range). */
static int pm_map2(struct hl_pathmap *pm, const char *a, const char *b, char **pa, char **pb)
{
    int err = pm_map(pm, a, pa);
    if (!err) {
        err = pm_map(pm, b, pb);
        if (err) {
            free(*pa);
            *pa = NULL;
        }
    }
    return err;
}

static int pm_rename(const char *from, const char *to, unsigned int flags)
{
    struct hl_pathmap *pm = pm_get();
    char *a, *b;
    int err = pm_map2(pm, from, to, &a, &b);
    if (err)
        return err;
    err = fuse_fs_rename(pm->next, a, b, flags);
    free(a);
    free(b);
    return err;
}

static int pm_link(const char *from, const char *to)
{
    struct hl_pathmap *pm = pm_get();
    char *a, *b;
    int err = pm_map2(pm, from, to, &a, &b);
    if (err)
        return err;
    err = fuse_fs_link(pm->next, a, b);
    free(a);
    free(b);
    return err;
}

static int pm_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
    PM_CALL1(path, fuse_fs_chmod(pm->next, p, mode, fi));
}

static int pm_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
    PM_CALL1(path, fuse_fs_chown(pm->next, p, uid, gid, fi));
}

static int pm_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
    PM_CALL1(path, fuse_fs_truncate(pm->next, p, size, fi));
}

static int pm_open(const char *path, struct fuse_file_info *fi)
{
    PM_CALL1(path, fuse_fs_open(pm->next, p, fi));
}

static int pm_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
    PM_CALL1(path, fuse_fs_read(pm->next, p, buf, size, off, fi));
}

static int pm_write(const char *path, const char *buf, size_t size, off_t off,
                    struct fuse_file_info *fi)
{
    PM_CALL1(path, fuse_fs_write(pm->next, p, buf, size, off, fi));
}

static int pm_statfs(const char *path, struct statvfs *st)
{
    PM_CALL1(path, fuse_fs_statfs(pm->next, p, st));
}

static int pm_flush(const char *path, struct fuse_file_info *fi)
{
    PM_CALL1(path, fuse_fs_flush(pm->next, p, fi));
}

static int pm_release(const char *path, struct fuse_file_info *fi)
{
    PM_CALL1(path, fuse_fs_release(pm->next, p, fi));
}

static int pm_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
    PM_CALL1(path, fuse_fs_fsync(pm->next, p, datasync, fi));
}

static int pm_setxattr(const char *path, const char *name, const char *value, size_t size,
                       int flags)
{
    PM_CALL1(path, fuse_fs_setxattr(pm->next, p, name, value, size, flags));
}

static int pm_getxattr(const char *path, const char *name, char *value, size_t size)
{
    PM_CALL1(path, fuse_fs_getxattr(pm->next, p, name, value, size));
}

static int pm_listxattr(const char *path, char *list, size_t size)
{
    PM_CALL1(path, fuse_fs_listxattr(pm->next, p, list, size));
}

static int pm_removexattr(const char *path, const char *name)
{
    PM_CALL1(path, fuse_fs_removexattr(pm->next, p, name));
}

static int pm_opendir(const char *path, struct fuse_file_info *fi)
{
    PM_CALL1(path, fuse_fs_opendir(pm->next, p, fi));
}

/* readdir: the names below pass through name_up on their way to the
 * caller's filler. */
struct pm_fill {
    struct hl_pathmap *pm;
    void *buf;
    fuse_fill_dir_t fill;
};

static int pm_fill_name(void *buf, const char *name, const struct stat *st, off_t off,
                        enum fuse_fill_dir_flags flags)
{
    struct pm_fill *pf = buf;
    char *shown;
    if (pf->pm->hooks->name_up(pf->pm, name, &shown) != 0)
        return 0; /* a name that cannot be shown is left out, not an error */
    int res = pf->fill(pf->buf, shown, st, off, flags);
    free(shown);
    return res;
}

static int pm_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t off,
                      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
    struct hl_pathmap *pm = pm_get();
    struct pm_fill pf = {pm, buf, filler};
    char *p;
    int err = pm_map(pm, path, &p);
    if (err)
        return err;
    if (pm->hooks->name_up)
        err = fuse_fs_readdir(pm->next, p, &pf, pm_fill_name, off, fi, flags);
    else
        err = fuse_fs_readdir(pm->next, p, buf, filler, off, fi, flags);
    free(p);
    return err;
}

static int pm_releasedir(const char *path, struct fuse_file_info *fi)
{
    PM_CALL1(path, fuse_fs_releasedir(pm->next, p, fi));
}

static int pm_fsyncdir(const char *path, int datasync, struct fuse_file_info *fi)
{
    PM_CALL1(path, fuse_fs_fsyncdir(pm->next, p, datasync, fi));
}

static void *pm_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
    struct hl_pathmap *pm = pm_get();
    fuse_fs_init(pm->next, conn, cfg);
    return pm;
}

static void pm_destroy(void *data)
{
    struct hl_pathmap *pm = data;
    fuse_fs_destroy(pm->next);
    pm->hooks->free(pm);
}

static int pm_access(const char *path, int mask)
{
    PM_CALL1(path, fuse_fs_access(pm->next, p, mask));
}

static int pm_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
    PM_CALL1(path, fuse_fs_create(pm->next, p, mode, fi));
}

static int pm_lock(const char *path, struct fuse_file_info *fi, int cmd, struct flock *lock)
{
    PM_CALL1(path, fuse_fs_lock(pm->next, p, fi, cmd, lock));
}

static int pm_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
    PM_CALL1(path, fuse_fs_utimens(pm->next, p, tv, fi));
}

static int pm_bmap(const char *path, size_t blocksize, uint64_t *idx)
{
    PM_CALL1(path, fuse_fs_bmap(pm->next, p, blocksize, idx));
}

static int pm_ioctl(const char *path, unsigned int cmd, void *arg, struct fuse_file_info *fi,
                    unsigned int flags, void *data)
{
    PM_CALL1(path, fuse_fs_ioctl(pm->next, p, cmd, arg, fi, flags, data));
}

static int pm_poll(const char *path, struct fuse_file_info *fi, struct fuse_pollhandle *ph,
                   unsigned *reventsp)
{
    PM_CALL1(path, fuse_fs_poll(pm->next, p, fi, ph, reventsp));
}

static int pm_write_buf(const char *path, struct fuse_bufvec *buf, off_t off,
                        struct fuse_file_info *fi)
{
    PM_CALL1(path, fuse_fs_write_buf(pm->next, p, buf, off, fi));
}

static int pm_read_buf(const char *path, struct fuse_bufvec **bufp, size_t size, off_t off,
                       struct fuse_file_info *fi)
{
    PM_CALL1(path, fuse_fs_read_buf(pm->next, p, bufp, size, off, fi));
}

static int pm_flock(const char *path, struct fuse_file_info *fi, int op)
{
    PM_CALL1(path, fuse_fs_flock(pm->next, p, fi, op));
}

static int pm_fallocate(const char *path, int mode, off_t off, off_t len, struct fuse_file_info *fi)
{
    PM_CALL1(path, fuse_fs_fallocate(pm->next, p, mode, off, len, fi));
}

static ssize_t pm_copy_file_range(const char *path_in, struct fuse_file_info *fi_in, off_t off_in,
                                  const char *path_out, struct fuse_file_info *fi_out,
                                  off_t off_out, size_t size, int flags)
{
    struct hl_pathmap *pm = pm_get();
    char *a, *b;
    int err = pm_map2(pm, path_in, path_out, &a, &b);
    if (err)
        return err;
    ssize_t res =
        fuse_fs_copy_file_range(pm->next, a, fi_in, off_in, b, fi_out, off_out, size, flags);
    free(a);
    free(b);
    return res;
}

static off_t pm_lseek(const char *path, off_t off, int whence, struct fuse_file_info *fi)
{
    struct hl_pathmap *pm = pm_get();
    char *p;
    int err = pm_map(pm, path, &p);
    if (err)
        return err;
    off_t res = fuse_fs_lseek(pm->next, p, off, whence, fi);
    free(p);
    return res;
}

struct fuse_fs *hl_pathmap_fs(struct hl_pathmap *pm)
{
    const struct fuse_operations *below = &pm->next->op;
    struct fuse_operations op;
    memset(&op, 0, sizeof(op));
#define PM_OP(name)  \
    if (below->name) \
    op.name = pm_##name
    PM_OP(getattr);
    PM_OP(readlink);
    PM_OP(mknod);
    PM_OP(mkdir);
    PM_OP(unlink);
    PM_OP(rmdir);
    PM_OP(symlink);
    PM_OP(rename);
    PM_OP(link);
    PM_OP(chmod);
    PM_OP(chown);
    PM_OP(truncate);
    PM_OP(open);
    PM_OP(read);
    PM_OP(write);
    PM_OP(statfs);
    PM_OP(flush);
    PM_OP(release);
    PM_OP(fsync);
    PM_OP(setxattr);
    PM_OP(getxattr);
    PM_OP(listxattr);
    PM_OP(removexattr);
    PM_OP(opendir);
    PM_OP(readdir);
    PM_OP(releasedir);
    PM_OP(fsyncdir);
    PM_OP(access);
    PM_OP(create);
    PM_OP(lock);
    PM_OP(utimens);
    PM_OP(bmap);
    PM_OP(ioctl);
    PM_OP(poll);
    PM_OP(write_buf);
    PM_OP(read_buf);
    PM_OP(flock);
    PM_OP(fallocate);
    PM_OP(copy_file_range);
    PM_OP(lseek);
#undef PM_OP
    /* Always: the module's state lives until the fs below is destroyed. */
    op.init = pm_init;
    op.destroy = pm_destroy;
    return fuse_fs_new(&op, sizeof(op), pm);
}
