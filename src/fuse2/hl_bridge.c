/*
 * hl_bridge.c - the FUSE 3 operations a FUSE 2 high-level file system is
 * served through. FSP's FUSE 3 high-level layer keeps the node table and
 * builds the paths; each operation here converts the arguments (FUSE 2's
 * struct fuse_file_info, no rename flags, a filler without flags, init
 * without fuse_config) and calls the file system through FUSE 2's fuse_fs_*
 * (hl_fs.c), which supply libfuse 2's fallbacks.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <time.h>

#include "fuse2/fuse2_i.h"

static struct fuse2 *cur(void)
{
    return fuse_get_context()->fuse->compat;
}

/*
 * The path an operation on an open file gets: always NULL with flag_nopath;
 * NULL for a file without a name (unlinked with hard_remove) with
 * flag_nullpath_ok (see br_init); otherwise such a file gets -ENOENT, as in
 * libfuse 2.
 */
static int fh_path(const struct fuse2_fs *fs, const char **path)
{
    if (fs->op.flag_nopath)
        *path = NULL;
    else if (!*path && !fs->op.flag_nullpath_ok)
        return -ENOENT;
    return 0;
}

/* chmod, chown and utimens of an unlinked open file (fchmod after unlink
 * with hard_remove) come with a handle and no path; FUSE 2's versions take
 * no handle, so they cannot reach the file (libfuse 2 passes them NULL). */
static int name_path(const char *path)
{
    return path ? 0 : -ENOENT;
}

/* --- init, destroy ------------------------------------------------------------ */

static void *br_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
    struct fuse2 *st = cur();
    struct fuse2_conn_info c2;
    /* A file system that takes NULL paths gets them, as in libfuse 2, only
     * for open files that have lost their name (flag_nopath: always), and
     * fstat of such files reaches it through the open handle. */
    cfg->nullpath_ok = st->fs->op.flag_nullpath_ok || st->fs->op.flag_nopath;
    fuse_get_context()->fuse->nullpath_if_unlinked = !st->fs->op.flag_nopath;
    fuse2_conn_from3(&c2, conn);
    fuse2_fs_init(st->fs, &c2);
    fuse2_conn_to3(conn, &c2, &st->co);
    return st->fs->user_data;
}

static void br_destroy(void *private_data)
{
    struct fuse2 *st = cur();
    st->fs->user_data = private_data;
    fuse2_fs_destroy(st->fs);
    st->fs = NULL;
}

/* --- Attributes ------------------------------------------------------------------ */

static int br_getattr(const char *path, struct stat *stbuf, struct fuse_file_info *fi)
{
    struct fuse2_fs *fs = cur()->fs;
    if (!fi)
        return fuse2_fs_getattr(fs, path, stbuf);
    struct fuse2_file_info fi2;
    int err = fh_path(fs, &path);
    if (err)
        return err;
    fuse2_fi_from3(&fi2, fi);
    return fuse2_fs_fgetattr(fs, path, stbuf, &fi2);
}

static int br_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
    (void)fi;
    return name_path(path) ?: fuse2_fs_chmod(cur()->fs, path, mode);
}

static int br_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
    (void)fi;
    return name_path(path) ?: fuse2_fs_chown(cur()->fs, path, uid, gid);
}

static int br_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
    struct fuse2_fs *fs = cur()->fs;
    if (!fi)
        return fuse2_fs_truncate(fs, path, size);
    struct fuse2_file_info fi2;
    int err = fh_path(fs, &path);
    if (err)
        return err;
    fuse2_fi_from3(&fi2, fi);
    return fuse2_fs_ftruncate(fs, path, size, &fi2);
}

/* Without flag_utime_omit_ok libfuse 2 hands utimens real times only:
 * UTIME_NOW becomes the clock, UTIME_OMIT the file's current time. */
static int br_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
    struct fuse2_fs *fs = cur()->fs;
    int err = name_path(path);
    if (err)
        return err;
    struct timespec t[2] = {tv[0], tv[1]};
    if (!fs->op.flag_utime_omit_ok || !fs->op.utimens) {
        struct timespec now;
        struct stat stbuf;
        bool have_st = false;
        clock_gettime(CLOCK_REALTIME, &now);
        for (int i = 0; i < 2; i++) {
            if (t[i].tv_nsec == UTIME_NOW) {
                t[i] = now;
            } else if (t[i].tv_nsec == UTIME_OMIT) {
                if (!have_st) {
                    err = br_getattr(path, &stbuf, fi);
                    if (err)
                        return err;
                    have_st = true;
                }
                t[i] = i == 0 ? stbuf.st_atim : stbuf.st_mtim;
            }
        }
    }
    return fuse2_fs_utimens(fs, path, t);
}

static int br_access(const char *path, int mask)
{
    return fuse2_fs_access(cur()->fs, path, mask);
}

/* --- Names ------------------------------------------------------------------------ */

static int br_readlink(const char *path, char *buf, size_t size)
{
    return fuse2_fs_readlink(cur()->fs, path, buf, size);
}

static int br_mknod(const char *path, mode_t mode, dev_t rdev)
{
    return fuse2_fs_mknod(cur()->fs, path, mode, rdev);
}

static int br_mkdir(const char *path, mode_t mode)
{
    return fuse2_fs_mkdir(cur()->fs, path, mode);
}

static int br_unlink(const char *path)
{
    return fuse2_fs_unlink(cur()->fs, path);
}

static int br_rmdir(const char *path)
{
    return fuse2_fs_rmdir(cur()->fs, path);
}

static int br_symlink(const char *target, const char *path)
{
    return fuse2_fs_symlink(cur()->fs, target, path);
}

/* FUSE 2 renames replace, nothing else (no RENAME_NOREPLACE/EXCHANGE). */
static int br_rename(const char *from, const char *to, unsigned int flags)
{
    return flags ? -EINVAL : fuse2_fs_rename(cur()->fs, from, to);
}

static int br_link(const char *from, const char *to)
{
    return fuse2_fs_link(cur()->fs, from, to);
}

static int br_statfs(const char *path, struct statvfs *stbuf)
{
    return fuse2_fs_statfs(cur()->fs, path, stbuf);
}

/* --- Extended attributes ------------------------------------------------------------ */

static int br_setxattr(const char *path, const char *name, const char *value, size_t size,
                       int flags)
{
    return fuse2_fs_setxattr(cur()->fs, path, name, value, size, flags);
}

static int br_getxattr(const char *path, const char *name, char *value, size_t size)
{
    return fuse2_fs_getxattr(cur()->fs, path, name, value, size);
}

static int br_listxattr(const char *path, char *list, size_t size)
{
    return fuse2_fs_listxattr(cur()->fs, path, list, size);
}

static int br_removexattr(const char *path, const char *name)
{
    return fuse2_fs_removexattr(cur()->fs, path, name);
}

/* --- Open files ------------------------------------------------------------------------ */

static int br_open(const char *path, struct fuse_file_info *fi)
{
    struct fuse2_file_info fi2;
    fuse2_fi_from3(&fi2, fi);
    int res = fuse2_fs_open(cur()->fs, path, &fi2);
    if (res == 0)
        fuse2_fi_to3(fi, &fi2);
    return res;
}

static int br_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
    struct fuse2_file_info fi2;
    fuse2_fi_from3(&fi2, fi);
    int res = fuse2_fs_create(cur()->fs, path, mode, &fi2);
    if (res == 0)
        fuse2_fi_to3(fi, &fi2);
    return res;
}

/* Runs a FUSE 2 operation on an open file: the path as FUSE 2 gives it and
 * the file info in FUSE 2's layout. */
#define WITH_FI2(fs, path, fi, fi2, call)  \
    do {                                   \
        struct fuse2_file_info fi2;        \
        int err_ = fh_path((fs), &(path)); \
        if (err_)                          \
            return err_;                   \
        fuse2_fi_from3(&fi2, (fi));        \
        return call;                       \
    } while (0)

static int br_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
    struct fuse2_fs *fs = cur()->fs;
    WITH_FI2(fs, path, fi, fi2, fuse2_fs_read(fs, path, buf, size, off, &fi2));
}

static int br_read_buf(const char *path, struct fuse_bufvec **bufp, size_t size, off_t off,
                       struct fuse_file_info *fi)
{
    struct fuse2_fs *fs = cur()->fs;
    WITH_FI2(fs, path, fi, fi2, fuse2_fs_read_buf(fs, path, bufp, size, off, &fi2));
}

static int br_write(const char *path, const char *buf, size_t size, off_t off,
                    struct fuse_file_info *fi)
{
    struct fuse2_fs *fs = cur()->fs;
    WITH_FI2(fs, path, fi, fi2, fuse2_fs_write(fs, path, buf, size, off, &fi2));
}

static int br_write_buf(const char *path, struct fuse_bufvec *buf, off_t off,
                        struct fuse_file_info *fi)
{
    struct fuse2_fs *fs = cur()->fs;
    WITH_FI2(fs, path, fi, fi2, fuse2_fs_write_buf(fs, path, buf, off, &fi2));
}

static int br_flush(const char *path, struct fuse_file_info *fi)
{
    struct fuse2_fs *fs = cur()->fs;
    WITH_FI2(fs, path, fi, fi2, fuse2_fs_flush(fs, path, &fi2));
}

static int br_release(const char *path, struct fuse_file_info *fi)
{
    struct fuse2_fs *fs = cur()->fs;
    WITH_FI2(fs, path, fi, fi2, fuse2_fs_release(fs, path, &fi2));
}

static int br_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
    struct fuse2_fs *fs = cur()->fs;
    WITH_FI2(fs, path, fi, fi2, fuse2_fs_fsync(fs, path, datasync, &fi2));
}

static int br_lock(const char *path, struct fuse_file_info *fi, int cmd, struct flock *lock)
{
    struct fuse2_fs *fs = cur()->fs;
    WITH_FI2(fs, path, fi, fi2, fuse2_fs_lock(fs, path, &fi2, cmd, lock));
}

static int br_flock(const char *path, struct fuse_file_info *fi, int op)
{
    struct fuse2_fs *fs = cur()->fs;
    WITH_FI2(fs, path, fi, fi2, fuse2_fs_flock(fs, path, &fi2, op));
}

static int br_fallocate(const char *path, int mode, off_t off, off_t len, struct fuse_file_info *fi)
{
    struct fuse2_fs *fs = cur()->fs;
    WITH_FI2(fs, path, fi, fi2, fuse2_fs_fallocate(fs, path, mode, off, len, &fi2));
}

static int br_ioctl(const char *path, unsigned int cmd, void *arg, struct fuse_file_info *fi,
                    unsigned int flags, void *data)
{
    struct fuse2_fs *fs = cur()->fs;
    WITH_FI2(fs, path, fi, fi2, fuse2_fs_ioctl(fs, path, (int)cmd, arg, &fi2, flags, data));
}

static int br_poll(const char *path, struct fuse_file_info *fi, struct fuse_pollhandle *ph,
                   unsigned *reventsp)
{
    struct fuse2_fs *fs = cur()->fs;
    WITH_FI2(fs, path, fi, fi2, fuse2_fs_poll(fs, path, &fi2, ph, reventsp));
}

static int br_bmap(const char *path, size_t blocksize, uint64_t *idx)
{
    return fuse2_fs_bmap(cur()->fs, path, blocksize, idx);
}

/* --- Directories ---------------------------------------------------------------------- */

static int br_opendir(const char *path, struct fuse_file_info *fi)
{
    struct fuse2_file_info fi2;
    fuse2_fi_from3(&fi2, fi);
    int res = fuse2_fs_opendir(cur()->fs, path, &fi2);
    if (res == 0)
        fuse2_fi_to3(fi, &fi2);
    return res;
}

/* FUSE 2's filler has no flags: its buf is this, which holds FUSE 3's. */
struct fill3 {
    fuse_fill_dir_t filler;
    void *buf;
};

static int fill2(void *buf, const char *name, const struct stat *stbuf, off_t off)
{
    struct fill3 *f3 = buf;
    return f3->filler(f3->buf, name, stbuf, off, 0);
}

static int br_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t off,
                      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
    struct fuse2_fs *fs = cur()->fs;
    struct fill3 f3 = {filler, buf};
    (void)flags; /* FUSE 2 cannot fill READDIRPLUS: the library looks entries up */
    WITH_FI2(fs, path, fi, fi2, fuse2_fs_readdir(fs, path, &f3, fill2, off, &fi2));
}

static int br_releasedir(const char *path, struct fuse_file_info *fi)
{
    struct fuse2_fs *fs = cur()->fs;
    WITH_FI2(fs, path, fi, fi2, fuse2_fs_releasedir(fs, path, &fi2));
}

static int br_fsyncdir(const char *path, int datasync, struct fuse_file_info *fi)
{
    struct fuse2_fs *fs = cur()->fs;
    WITH_FI2(fs, path, fi, fi2, fuse2_fs_fsyncdir(fs, path, datasync, &fi2));
}

/* Only the operations the FUSE 2 file system has (or a fallback for), so
 * the FUSE 3 layer's own defaults apply to the rest; but open, opendir,
 * their releases and statfs always: they carry FUSE 2's file info across
 * and give libfuse 2's defaults (success) when the file system has none. */
void fuse2_fill_ops(struct fuse_operations *o, const struct fuse2_operations *op)
{
    memset(o, 0, sizeof(*o));
    o->init = br_init;
    o->destroy = op->destroy ? br_destroy : NULL;
    o->getattr = op->getattr || op->fgetattr ? br_getattr : NULL;
    o->readlink = op->readlink ? br_readlink : NULL;
    o->mknod = op->mknod ? br_mknod : NULL;
    o->mkdir = op->mkdir ? br_mkdir : NULL;
    o->unlink = op->unlink ? br_unlink : NULL;
    o->rmdir = op->rmdir ? br_rmdir : NULL;
    o->symlink = op->symlink ? br_symlink : NULL;
    o->rename = op->rename ? br_rename : NULL;
    o->link = op->link ? br_link : NULL;
    o->chmod = op->chmod ? br_chmod : NULL;
    o->chown = op->chown ? br_chown : NULL;
    o->truncate = op->truncate || op->ftruncate ? br_truncate : NULL;
    o->open = br_open;
    o->read = op->read ? br_read : NULL;
    o->read_buf = op->read_buf ? br_read_buf : NULL;
    o->write = op->write ? br_write : NULL;
    o->write_buf = op->write_buf ? br_write_buf : NULL;
    o->statfs = br_statfs;
    o->flush = op->flush ? br_flush : NULL;
    o->release = br_release;
    o->fsync = op->fsync ? br_fsync : NULL;
    o->setxattr = op->setxattr ? br_setxattr : NULL;
    o->getxattr = op->getxattr ? br_getxattr : NULL;
    o->listxattr = op->listxattr ? br_listxattr : NULL;
    o->removexattr = op->removexattr ? br_removexattr : NULL;
    o->opendir = br_opendir;
    o->readdir = op->readdir || op->getdir ? br_readdir : NULL;
    o->releasedir = br_releasedir;
    o->fsyncdir = op->fsyncdir ? br_fsyncdir : NULL;
    o->access = op->access ? br_access : NULL;
    o->create = op->create ? br_create : NULL;
    o->lock = op->lock ? br_lock : NULL;
    o->utimens = op->utimens || op->utime ? br_utimens : NULL;
    o->bmap = op->bmap ? br_bmap : NULL;
    o->ioctl = op->ioctl ? br_ioctl : NULL;
    o->poll = op->poll ? br_poll : NULL;
    o->flock = op->flock ? br_flock : NULL;
    o->fallocate = op->fallocate ? br_fallocate : NULL;
}
