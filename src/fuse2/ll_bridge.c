/*
 * ll_bridge.c - the FUSE 3 low-level handlers a FUSE 2 low-level file
 * system is served through. The request is FUSE 3's and goes to the FUSE 2
 * handler as it is: the replies FUSE 2 shares with FUSE 3 work on it
 * unchanged, and fuse_reply_open/create and fuse_req_userdata (ll_reply.c)
 * translate. What differs is the file info layout, rename's flags, ioctl's
 * cmd type, and INIT's connection.
 */
#include <errno.h>
#include <string.h>

#include "fuse2/fuse2_i.h"

static struct fuse2_ll *ll_of(fuse_req_t req)
{
    return fsp3_fuse_req_userdata(req);
}

static void br_init(void *userdata, struct fuse_conn_info *conn)
{
    struct fuse2_ll *ll = userdata;
    struct fuse2_conn_info c2;
    fuse2_conn_from3(&c2, conn);
    ll->got_init = true;
    if (ll->old.level)
        fuse2_ll_compat_init(ll);
    else if (ll->op.init)
        ll->op.init(ll->userdata, &c2);
    fuse2_conn_to3(conn, &c2, &ll->co);
}

static void br_destroy(void *userdata)
{
    struct fuse2_ll *ll = userdata;
    if (ll->op.destroy)
        ll->op.destroy(ll->userdata);
}

bool fuse2_is_ll_session(const struct fuse_session *se)
{
    return se->op.init == br_init;
}

/* Runs call with fi2, FUSE 2's copy of the FUSE 3 file info fi. */
#define WITH_FI2(fi, fi2, call)     \
    do {                            \
        struct fuse2_file_info fi2; \
        fuse2_fi_from3(&fi2, (fi)); \
        call;                       \
    } while (0)

/* fi comes with fstat(2) only (as in libfuse 2.9); NULL otherwise. */
static void br_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    struct fuse2_ll *ll = ll_of(req);
    if (!fi) {
        ll->op.getattr(req, ino, NULL);
        return;
    }
    WITH_FI2(fi, fi2, ll->op.getattr(req, ino, &fi2));
}

/* The to_set bits FUSE 2 knows (FUSE 3 adds ctime and friends). */
#define FUSE2_SET_ATTR_MASK 0x1bf

static void br_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
                       struct fuse_file_info *fi)
{
    struct fuse2_ll *ll = ll_of(req);
    to_set &= FUSE2_SET_ATTR_MASK;
    if (!fi) {
        ll->op.setattr(req, ino, attr, to_set, NULL);
        return;
    }
    WITH_FI2(fi, fi2, ll->op.setattr(req, ino, attr, to_set, &fi2));
}

static void br_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
                      const char *newname, unsigned int flags)
{
    if (flags) {
        fuse_reply_err(req, EINVAL); /* FUSE 2 renames replace, nothing else */
        return;
    }
    ll_of(req)->op.rename(req, parent, name, newparent, newname);
}

static void br_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    WITH_FI2(fi, fi2, ll_of(req)->op.open(req, ino, &fi2));
}

static void br_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                    struct fuse_file_info *fi)
{
    WITH_FI2(fi, fi2, ll_of(req)->op.read(req, ino, size, off, &fi2));
}

static void br_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
                     struct fuse_file_info *fi)
{
    WITH_FI2(fi, fi2, ll_of(req)->op.write(req, ino, buf, size, off, &fi2));
}

static void br_write_buf(fuse_req_t req, fuse_ino_t ino, struct fuse_bufvec *bufv, off_t off,
                         struct fuse_file_info *fi)
{
    WITH_FI2(fi, fi2, ll_of(req)->op.write_buf(req, ino, bufv, off, &fi2));
}

static void br_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    WITH_FI2(fi, fi2, ll_of(req)->op.flush(req, ino, &fi2));
}

static void br_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    WITH_FI2(fi, fi2, ll_of(req)->op.release(req, ino, &fi2));
}

static void br_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
    WITH_FI2(fi, fi2, ll_of(req)->op.fsync(req, ino, datasync, &fi2));
}

static void br_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    WITH_FI2(fi, fi2, ll_of(req)->op.opendir(req, ino, &fi2));
}

static void br_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                       struct fuse_file_info *fi)
{
    WITH_FI2(fi, fi2, ll_of(req)->op.readdir(req, ino, size, off, &fi2));
}

static void br_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    WITH_FI2(fi, fi2, ll_of(req)->op.releasedir(req, ino, &fi2));
}

static void br_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
    WITH_FI2(fi, fi2, ll_of(req)->op.fsyncdir(req, ino, datasync, &fi2));
}

static void br_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
                      struct fuse_file_info *fi)
{
    WITH_FI2(fi, fi2, ll_of(req)->op.create(req, parent, name, mode, &fi2));
}

static void br_getlk(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, struct flock *lock)
{
    WITH_FI2(fi, fi2, ll_of(req)->op.getlk(req, ino, &fi2, lock));
}

static void br_setlk(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, struct flock *lock,
                     int sleep)
{
    WITH_FI2(fi, fi2, ll_of(req)->op.setlk(req, ino, &fi2, lock, sleep));
}

static void br_ioctl(fuse_req_t req, fuse_ino_t ino, unsigned int cmd, void *arg,
                     struct fuse_file_info *fi, unsigned flags, const void *in_buf, size_t in_bufsz,
                     size_t out_bufsz)
{
    WITH_FI2(
        fi, fi2,
        ll_of(req)->op.ioctl(req, ino, (int)cmd, arg, &fi2, flags, in_buf, in_bufsz, out_bufsz));
}

static void br_poll(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
                    struct fuse_pollhandle *ph)
{
    WITH_FI2(fi, fi2, ll_of(req)->op.poll(req, ino, &fi2, ph));
}

static void br_flock(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, int op)
{
    WITH_FI2(fi, fi2, ll_of(req)->op.flock(req, ino, &fi2, op));
}

static void br_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t offset, off_t length,
                         struct fuse_file_info *fi)
{
    WITH_FI2(fi, fi2, ll_of(req)->op.fallocate(req, ino, mode, offset, length, &fi2));
}

/* Handlers whose FUSE 2 and FUSE 3 signatures are the same go in as they
 * are; the rest through the converters above, only when the file system
 * has them (FUSE 3's defaults answer for the missing ones). */
void fuse2_fill_llops(struct fuse_lowlevel_ops *o, const struct fuse2_lowlevel_ops *op)
{
    memset(o, 0, sizeof(*o));
    o->init = br_init;
    o->destroy = br_destroy;
    o->lookup = op->lookup;
    o->forget = op->forget;
    o->forget_multi = op->forget_multi;
    o->getattr = op->getattr ? br_getattr : NULL;
    o->setattr = op->setattr ? br_setattr : NULL;
    o->readlink = op->readlink;
    o->mknod = op->mknod;
    o->mkdir = op->mkdir;
    o->unlink = op->unlink;
    o->rmdir = op->rmdir;
    o->symlink = op->symlink;
    o->rename = op->rename ? br_rename : NULL;
    o->link = op->link;
    o->open = op->open ? br_open : NULL;
    o->read = op->read ? br_read : NULL;
    o->write = op->write ? br_write : NULL;
    o->write_buf = op->write_buf ? br_write_buf : NULL;
    o->flush = op->flush ? br_flush : NULL;
    o->release = op->release ? br_release : NULL;
    o->fsync = op->fsync ? br_fsync : NULL;
    o->opendir = op->opendir ? br_opendir : NULL;
    o->readdir = op->readdir ? br_readdir : NULL;
    o->releasedir = op->releasedir ? br_releasedir : NULL;
    o->fsyncdir = op->fsyncdir ? br_fsyncdir : NULL;
    o->statfs = op->statfs;
    o->setxattr = op->setxattr;
    o->getxattr = op->getxattr;
    o->listxattr = op->listxattr;
    o->removexattr = op->removexattr;
    o->access = op->access;
    o->create = op->create ? br_create : NULL;
    o->getlk = op->getlk ? br_getlk : NULL;
    o->setlk = op->setlk ? br_setlk : NULL;
    o->bmap = op->bmap;
    o->ioctl = op->ioctl ? br_ioctl : NULL;
    o->poll = op->poll ? br_poll : NULL;
    o->retrieve_reply = op->retrieve_reply;
    o->flock = op->flock ? br_flock : NULL;
    o->fallocate = op->fallocate ? br_fallocate : NULL;
}
