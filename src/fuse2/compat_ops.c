/*
 * compat_ops.c - a high-level file system written for FUSE 2.5 or older
 * served as a 2.6 one: fuse2_compat_fill_ops() makes today's table, taking
 * the operations whose signatures never changed as they are and putting a
 * wrapper where they did (see compat_i.h for the generations).
 *
 * A wrapper finds the old table through the request's struct fuse (the
 * context's fuse, whose compat is the FUSE 2 state, whose old is the copy
 * of the program's table), so any number of old file systems can coexist.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fuse2/compat_i.h"

static const struct fuse2_compat *old_fs(void)
{
    struct fuse2 *st = fuse_get_context()->fuse->compat;
    return st->old;
}

/* --- The 2.4 file info (2.2 - 2.4 tables) ---------------------------------- */

static void fi_down(struct fuse2_file_info_compat *o, const struct fuse2_file_info *fi)
{
    memset(o, 0, sizeof(*o));
    o->flags = fi->flags;
    o->fh = (unsigned long)fi->fh;
    o->writepage = fi->writepage;
    o->direct_io = fi->direct_io;
    o->keep_cache = fi->keep_cache;
}

/* What an open may have set: its handle and the two flags it had then. */
static void fi_up(struct fuse2_file_info *fi, const struct fuse2_file_info_compat *o)
{
    fi->fh = o->fh;
    fi->direct_io = o->direct_io;
    fi->keep_cache = o->keep_cache;
}

/* One call with the old file info: o is the 2.4 copy of fi. */
#define WITH_OLD_FI(fi, call)            \
    do {                                 \
        struct fuse2_file_info_compat o; \
        fi_down(&o, fi);                 \
        int res_ = (call);               \
        fi_up(fi, &o);                   \
        return res_;                     \
    } while (0)

/* --- init: no connection info before 2.6 ---------------------------------------- */

static void *w_init(struct fuse2_conn_info *conn)
{
    const struct fuse2_compat *old = old_fs();
    (void)conn;
    void *(*init)(void) = old->level == FUSE2_COMPAT25 ? old->op.o25.init : old->op.o22.init;
    return init();
}

/* --- statfs: struct statfs (2.1 - 2.4) or FUSE 1's own struct ---------------------- */

static void statvfs_of(struct statvfs *v, const struct statfs *s)
{
    memset(v, 0, sizeof(*v));
    v->f_bsize = (unsigned long)s->f_bsize;
    v->f_frsize = (unsigned long)s->f_bsize;
    v->f_blocks = s->f_blocks;
    v->f_bfree = s->f_bfree;
    v->f_bavail = s->f_bavail;
    v->f_files = s->f_files;
    v->f_ffree = s->f_ffree;
    v->f_favail = s->f_ffree;
    v->f_namemax = (unsigned long)s->f_namelen;
}

static int w_statfs(const char *path, struct statvfs *buf)
{
    const struct fuse2_compat *old = old_fs();
    if (old->level == FUSE2_COMPAT1) {
        struct fuse2_statfs_compat1 s1;
        memset(&s1, 0, sizeof(s1));
        int res = old->op.o1.statfs(&s1);
        if (res == 0) {
            memset(buf, 0, sizeof(*buf));
            buf->f_bsize = buf->f_frsize = (unsigned long)s1.block_size;
            buf->f_blocks = (fsblkcnt_t)s1.blocks;
            buf->f_bfree = buf->f_bavail = (fsblkcnt_t)s1.blocks_free;
            buf->f_files = (fsfilcnt_t)s1.files;
            buf->f_ffree = buf->f_favail = (fsfilcnt_t)s1.files_free;
            buf->f_namemax = (unsigned long)s1.namelen;
        }
        return res;
    }
    int (*fn)(const char *, struct statfs *) =
        old->level == FUSE2_COMPAT22 ? old->op.o22.statfs : old->op.o2.statfs;
    struct statfs s;
    memset(&s, 0, sizeof(s));
    int res = fn(path, &s);
    if (res == 0)
        statvfs_of(buf, &s);
    return res;
}

/* --- getdir before 2.2: the filler had no inode number --------------------------- */

struct getdir_ctx {
    fuse2_dirh_t h;
    fuse2_dirfil_t fill;
};

static int fill_compat(fuse2_dirh_t h, const char *name, int type)
{
    struct getdir_ctx *c = (struct getdir_ctx *)h;
    return c->fill(c->h, name, type, 0);
}

static int w_getdir(const char *path, fuse2_dirh_t h, fuse2_dirfil_t fill)
{
    struct getdir_ctx c = {h, fill};
    return old_fs()->op.o2.getdir(path, (fuse2_dirh_t)&c, fill_compat);
}

/* --- File operations: 2.4's file info, or before 2.2 none ------------------------ */

static int w_open(const char *path, struct fuse2_file_info *fi)
{
    const struct fuse2_compat *old = old_fs();
    if (old->level == FUSE2_COMPAT22)
        WITH_OLD_FI(fi, old->op.o22.open(path, &o));
    return old->op.o2.open(path, fi->flags); /* o1's open is at the same place */
}

static int w_read(const char *path, char *buf, size_t size, off_t off, struct fuse2_file_info *fi)
{
    const struct fuse2_compat *old = old_fs();
    if (old->level == FUSE2_COMPAT22)
        WITH_OLD_FI(fi, old->op.o22.read(path, buf, size, off, &o));
    return old->op.o2.read(path, buf, size, off);
}

static int w_write(const char *path, const char *buf, size_t size, off_t off,
                   struct fuse2_file_info *fi)
{
    const struct fuse2_compat *old = old_fs();
    if (old->level == FUSE2_COMPAT22)
        WITH_OLD_FI(fi, old->op.o22.write(path, buf, size, off, &o));
    return old->op.o2.write(path, buf, size, off);
}

static int w_flush(const char *path, struct fuse2_file_info *fi)
{
    const struct fuse2_compat *old = old_fs();
    if (old->level == FUSE2_COMPAT22)
        WITH_OLD_FI(fi, old->op.o22.flush(path, &o));
    return old->op.o2.flush(path);
}

static int w_release(const char *path, struct fuse2_file_info *fi)
{
    const struct fuse2_compat *old = old_fs();
    if (old->level == FUSE2_COMPAT22)
        WITH_OLD_FI(fi, old->op.o22.release(path, &o));
    if (old->level == FUSE2_COMPAT1)
        return old->op.o1.release(path, fi->flags);
    return old->op.o2.release(path, fi->flags);
}

static int w_fsync(const char *path, int datasync, struct fuse2_file_info *fi)
{
    const struct fuse2_compat *old = old_fs();
    if (old->level == FUSE2_COMPAT22)
        WITH_OLD_FI(fi, old->op.o22.fsync(path, datasync, &o));
    if (old->level == FUSE2_COMPAT1)
        return old->op.o1.fsync(path, datasync);
    return old->op.o2.fsync(path, datasync);
}

/* Directories (2.2 - 2.4 only: before, there was getdir alone). */
static int w_opendir(const char *path, struct fuse2_file_info *fi)
{
    WITH_OLD_FI(fi, old_fs()->op.o22.opendir(path, &o));
}

static int w_readdir(const char *path, void *buf, fuse2_fill_dir_t fill, off_t off,
                     struct fuse2_file_info *fi)
{
    WITH_OLD_FI(fi, old_fs()->op.o22.readdir(path, buf, fill, off, &o));
}

static int w_releasedir(const char *path, struct fuse2_file_info *fi)
{
    WITH_OLD_FI(fi, old_fs()->op.o22.releasedir(path, &o));
}

static int w_fsyncdir(const char *path, int datasync, struct fuse2_file_info *fi)
{
    WITH_OLD_FI(fi, old_fs()->op.o22.fsyncdir(path, datasync, &o));
}

/* --- The table -------------------------------------------------------------------- */

/* Here op is today's table and o the old one, of the generation at hand:
 * SAME takes an operation as it is, WRAP puts its wrapper w_<name> in its
 * place when the old table has it. */
#define SAME(name) op->name = o->name
#define WRAP(name) op->name = o->name ? w_##name : NULL

/* 0-13 are the same in every generation but for getdir's filler. */
static void fill_common(struct fuse2_operations *op, const struct fuse2_operations_compat2 *o)
{
    SAME(getattr);
    SAME(readlink);
    SAME(mknod);
    SAME(mkdir);
    SAME(unlink);
    SAME(rmdir);
    SAME(symlink);
    SAME(rename);
    SAME(link);
    SAME(chmod);
    SAME(chown);
    SAME(truncate);
    SAME(utime);
}

void fuse2_compat_fill_ops(struct fuse2_operations *op, const struct fuse2_compat *old)
{
    memset(op, 0, sizeof(*op));
    fill_common(op, &old->op.o2);
    switch (old->level) {
    case FUSE2_COMPAT25: {
        const struct fuse2_operations_compat25 *o = &old->op.o25;
        SAME(getdir);
        SAME(open);
        SAME(read);
        SAME(write);
        SAME(statfs);
        SAME(flush);
        SAME(release);
        SAME(fsync);
        SAME(setxattr);
        SAME(getxattr);
        SAME(listxattr);
        SAME(removexattr);
        SAME(opendir);
        SAME(readdir);
        SAME(releasedir);
        SAME(fsyncdir);
        WRAP(init);
        SAME(destroy);
        SAME(access);
        SAME(create);
        SAME(ftruncate);
        SAME(fgetattr);
        break;
    }
    case FUSE2_COMPAT22: {
        const struct fuse2_operations_compat22 *o = &old->op.o22;
        SAME(getdir);
        WRAP(open);
        WRAP(read);
        WRAP(write);
        WRAP(statfs);
        WRAP(flush);
        WRAP(release);
        WRAP(fsync);
        SAME(setxattr);
        SAME(getxattr);
        SAME(listxattr);
        SAME(removexattr);
        WRAP(opendir);
        WRAP(readdir);
        WRAP(releasedir);
        WRAP(fsyncdir);
        WRAP(init);
        SAME(destroy);
        break;
    }
    case FUSE2_COMPAT2: {
        const struct fuse2_operations_compat2 *o = &old->op.o2;
        WRAP(getdir);
        WRAP(open);
        WRAP(read);
        WRAP(write);
        WRAP(statfs);
        WRAP(flush);
        WRAP(release);
        WRAP(fsync);
        SAME(setxattr);
        SAME(getxattr);
        SAME(listxattr);
        SAME(removexattr);
        break;
    }
    case FUSE2_COMPAT1: {
        const struct fuse2_operations_compat1 *o = &old->op.o1;
        WRAP(getdir);
        WRAP(open);
        WRAP(read);
        WRAP(write);
        WRAP(statfs);
        WRAP(release);
        WRAP(fsync);
        break;
    }
    }
}

#undef SAME
#undef WRAP

struct fuse *fuse2_compat_new(struct fuse_chan *ch, struct fuse_args *args, const void *op,
                              size_t op_size, int level)
{
    size_t full = level == FUSE2_COMPAT25   ? sizeof(struct fuse2_operations_compat25)
                  : level == FUSE2_COMPAT22 ? sizeof(struct fuse2_operations_compat22)
                  : level == FUSE2_COMPAT2  ? sizeof(struct fuse2_operations_compat2)
                                            : sizeof(struct fuse2_operations_compat1);
    if (op_size > full)
        op_size = full;
    struct fuse2_compat *old = calloc(1, sizeof(*old));
    if (!old) {
        fuse_log(FUSE_LOG_ERR, "fuse: failed to allocate fuse object\n");
        return NULL;
    }
    old->level = level;
    memcpy(&old->op, op, op_size); /* a shorter table leaves the rest NULL */
    struct fuse2_operations now;
    fuse2_compat_fill_ops(&now, old);
    struct fuse *f = fuse2_new(ch, args, &now, sizeof(now), NULL);
    if (!f) {
        free(old);
        return NULL;
    }
    ((struct fuse2 *)f->compat)->old = old;
    return f;
}
