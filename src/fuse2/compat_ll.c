/*
 * compat_ll.c - the low-level API of FUSE 2.4 and 2.5 under libfuse 2.9's
 * names and versions: fuse_lowlevel_new@FUSE_2.4 (an option string and
 * 2.4's file info) and @FUSE_2.5, fuse_reply_open@FUSE_2.4,
 * fuse_reply_statfs@FUSE_2.4, fuse_chan_new@FUSE_2.4.
 *
 * The old table is kept in the session's struct fuse2_ll (old); today's
 * table handed to fuse_lowlevel_new holds the old handlers where nothing
 * changed and wrappers where something did: init (no connection info; run
 * by the bridge's INIT, see fuse2_ll_compat_init), statfs (no inode), and
 * for 2.4 every handler taking a file info (2.4's layout, whose fh is
 * today's fh_old: the wrapper fills it in).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>

#include "fuse2/compat_i.h"

static struct fuse2_ll_old *old_of(fuse_req_t req)
{
    return &((struct fuse2_ll *)fsp3_fuse_req_userdata(req))->old;
}

void fuse2_ll_compat_init(struct fuse2_ll *ll)
{
    /* init is the first member of both layouts */
    if (ll->old.op.o25.init)
        ll->old.op.o25.init(ll->userdata);
}

static void w_statfs(fuse_req_t req, fuse_ino_t ino)
{
    (void)ino;
    old_of(req)->op.o25.statfs(req); /* same place in both layouts */
}

/* 2.4's file info for a handler: a copy whose fh is the 2.4 one. */
static void fi_down(struct fuse2_file_info_compat *o, const struct fuse2_file_info *fi)
{
    memset(o, 0, sizeof(*o));
    if (fi) {
        o->flags = fi->flags;
        o->fh = (unsigned long)fi->fh;
        o->writepage = fi->writepage;
        o->direct_io = fi->direct_io;
        o->keep_cache = fi->keep_cache;
    }
}

#define OLD24(req) (old_of(req)->op.o24)

static void w_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse2_file_info *fi)
{
    struct fuse2_file_info_compat o;
    fi_down(&o, fi);
    OLD24(req).getattr(req, ino, fi ? &o : NULL);
}

static void w_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
                      struct fuse2_file_info *fi)
{
    struct fuse2_file_info_compat o;
    fi_down(&o, fi);
    OLD24(req).setattr(req, ino, attr, to_set, fi ? &o : NULL);
}

/* The handlers with a file info that is never NULL. */
#define W_FI(name, params, args)         \
    static void w_##name params          \
    {                                    \
        struct fuse2_file_info_compat o; \
        fi_down(&o, fi);                 \
        OLD24(req).name args;            \
    }

W_FI(open, (fuse_req_t req, fuse_ino_t ino, struct fuse2_file_info *fi), (req, ino, &o))
W_FI(read, (fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse2_file_info *fi),
     (req, ino, size, off, &o))
W_FI(write,
     (fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
      struct fuse2_file_info *fi),
     (req, ino, buf, size, off, &o))
W_FI(flush, (fuse_req_t req, fuse_ino_t ino, struct fuse2_file_info *fi), (req, ino, &o))
W_FI(release, (fuse_req_t req, fuse_ino_t ino, struct fuse2_file_info *fi), (req, ino, &o))
W_FI(fsync, (fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse2_file_info *fi),
     (req, ino, datasync, &o))
W_FI(opendir, (fuse_req_t req, fuse_ino_t ino, struct fuse2_file_info *fi), (req, ino, &o))
W_FI(readdir, (fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse2_file_info *fi),
     (req, ino, size, off, &o))
W_FI(releasedir, (fuse_req_t req, fuse_ino_t ino, struct fuse2_file_info *fi), (req, ino, &o))
W_FI(fsyncdir, (fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse2_file_info *fi),
     (req, ino, datasync, &o))
W_FI(create,
     (fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, struct fuse2_file_info *fi),
     (req, parent, name, mode, &o))

#define SET_IF(dst, src, wrapper) (dst) = (src) ? (wrapper) : NULL

static struct fuse_session *new_old(struct fuse_args *args, const void *op, size_t op_size,
                                    void *userdata, int level)
{
    struct fuse2_ll_old old;
    memset(&old, 0, sizeof(old));
    old.level = level;
    if (op_size > sizeof(old.op))
        op_size = sizeof(old.op);
    memcpy(&old.op, op, op_size);

    /* Members common to both: all but init, statfs and (2.4) the file info. */
    const struct fuse2_lowlevel_ops_compat25 *o = &old.op.o25;
    struct fuse2_lowlevel_ops now;
    memset(&now, 0, sizeof(now));
    now.destroy = o->destroy;
    now.lookup = o->lookup;
    now.forget = o->forget;
    now.readlink = o->readlink;
    now.mknod = o->mknod;
    now.mkdir = o->mkdir;
    now.unlink = o->unlink;
    now.rmdir = o->rmdir;
    now.symlink = o->symlink;
    now.rename = o->rename;
    now.link = o->link;
    now.setxattr = o->setxattr;
    now.getxattr = o->getxattr;
    now.listxattr = o->listxattr;
    now.removexattr = o->removexattr;
    now.access = o->access;
    SET_IF(now.statfs, o->statfs, w_statfs);
    if (level == 25) {
        now.getattr = o->getattr;
        now.setattr = o->setattr;
        now.open = o->open;
        now.read = o->read;
        now.write = o->write;
        now.flush = o->flush;
        now.release = o->release;
        now.fsync = o->fsync;
        now.opendir = o->opendir;
        now.readdir = o->readdir;
        now.releasedir = o->releasedir;
        now.fsyncdir = o->fsyncdir;
        now.create = o->create;
    } else {
        const struct fuse2_lowlevel_ops_compat *c = &old.op.o24;
        SET_IF(now.getattr, c->getattr, w_getattr);
        SET_IF(now.setattr, c->setattr, w_setattr);
        SET_IF(now.open, c->open, w_open);
        SET_IF(now.read, c->read, w_read);
        SET_IF(now.write, c->write, w_write);
        SET_IF(now.flush, c->flush, w_flush);
        SET_IF(now.release, c->release, w_release);
        SET_IF(now.fsync, c->fsync, w_fsync);
        SET_IF(now.opendir, c->opendir, w_opendir);
        SET_IF(now.readdir, c->readdir, w_readdir);
        SET_IF(now.releasedir, c->releasedir, w_releasedir);
        SET_IF(now.fsyncdir, c->fsyncdir, w_fsyncdir);
        SET_IF(now.create, c->create, w_create);
    }
    struct fuse_session *se = fuse2_lowlevel_new(args, &now, sizeof(now), userdata);
    if (se)
        ((struct fuse2_ll *)se->userdata)->old = old;
    return se;
}

FSP_FUSE_EXPORT struct fuse_session *
fuse_lowlevel_new_compat25(struct fuse_args *args, const struct fuse2_lowlevel_ops_compat25 *op,
                           size_t op_size, void *userdata);
struct fuse_session *fuse_lowlevel_new_compat25(struct fuse_args *args,
                                                const struct fuse2_lowlevel_ops_compat25 *op,
                                                size_t op_size, void *userdata)
{
    return new_old(args, op, op_size, userdata, 25);
}

FSP_FUSE_EXPORT struct fuse_session *
fuse_lowlevel_new_compat(const char *opts, const struct fuse2_lowlevel_ops_compat *op,
                         size_t op_size, void *userdata);
struct fuse_session *fuse_lowlevel_new_compat(const char *opts,
                                              const struct fuse2_lowlevel_ops_compat *op,
                                              size_t op_size, void *userdata)
{
    struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
    struct fuse_session *se = NULL;
    if (fuse_opt_add_arg(&args, "fuse") == 0 &&
        (!opts || !*opts ||
         (fuse_opt_add_arg(&args, "-o") == 0 && fuse_opt_add_arg(&args, opts) == 0)))
        se = new_old(&args, op, op_size, userdata, 24);
    fuse_opt_free_args(&args);
    return se;
}

/* --- Replies with 2.4's structures ----------------------------------------------- */

FSP_FUSE_EXPORT int fuse_reply_open_compat(fuse_req_t req, const struct fuse2_file_info_compat *fi);
int fuse_reply_open_compat(fuse_req_t req, const struct fuse2_file_info_compat *fi)
{
    struct fuse2_file_info now;
    memset(&now, 0, sizeof(now));
    now.flags = fi->flags;
    now.fh = fi->fh;
    now.direct_io = fi->direct_io;
    now.keep_cache = fi->keep_cache;
    return fuse2_reply_open(req, &now);
}

FSP_FUSE_EXPORT int fuse_reply_statfs_compat(fuse_req_t req, const struct statfs *stbuf);
int fuse_reply_statfs_compat(fuse_req_t req, const struct statfs *stbuf)
{
    struct statvfs v;
    memset(&v, 0, sizeof(v));
    v.f_bsize = (unsigned long)stbuf->f_bsize;
    v.f_frsize = (unsigned long)stbuf->f_bsize;
    v.f_blocks = stbuf->f_blocks;
    v.f_bfree = stbuf->f_bfree;
    v.f_bavail = stbuf->f_bavail;
    v.f_files = stbuf->f_files;
    v.f_ffree = stbuf->f_ffree;
    v.f_favail = stbuf->f_ffree;
    v.f_namemax = (unsigned long)stbuf->f_namelen;
    return fuse_reply_statfs(req, &v);
}

/* --- fuse_chan_new@FUSE_2.4 -------------------------------------------------------- */

/* FUSE 2.4's struct fuse_chan_ops: receive() got the channel itself, where
 * 2.6's gets a pointer to it (and may change it). */
struct fuse2_chan_ops_compat24 {
    int (*receive)(struct fuse_chan *ch, char *buf, size_t size);
    int (*send)(struct fuse_chan *ch, const struct iovec iov[], size_t count);
    void (*destroy)(struct fuse_chan *ch);
};

/* 2.6's receive() over the program's 2.4 one. As libfuse 2.9 does for such
 * a channel, the result goes on as it is (a count, or 0: nothing more),
 * except 2.4's error, -1, which carries no errno: the channel is over. */
static int receive24(struct fuse_chan **chp, char *buf, size_t size)
{
    int res = (*chp)->receive24(*chp, buf, size);
    return res == -1 ? -ENODEV : res;
}

FSP_FUSE_EXPORT struct fuse_chan *fuse_chan_new_compat24(const struct fuse2_chan_ops_compat24 *op,
                                                         int fd, size_t bufsize, void *data);
struct fuse_chan *fuse_chan_new_compat24(const struct fuse2_chan_ops_compat24 *op, int fd,
                                         size_t bufsize, void *data)
{
    if (!op) {
        fuse_log(FUSE_LOG_ERR, "fuse: fuse_chan_new: no channel operations\n");
        return NULL;
    }
    /* send() and destroy() kept their signatures. */
    struct fuse2_chan_ops now = {
        .receive = op->receive ? receive24 : NULL,
        .send = op->send,
        .destroy = op->destroy,
    };
    struct fuse_chan *ch = fuse2_chan_new(&now, fd, bufsize, data);
    if (ch)
        ch->receive24 = op->receive;
    return ch;
}

FUSE2_SYMBOL_OLD(fuse_lowlevel_new_compat25, fuse_lowlevel_new, "FUSE_2.5");
FUSE2_SYMBOL_OLD(fuse_lowlevel_new_compat, fuse_lowlevel_new, "FUSE_2.4");
FUSE2_SYMBOL_OLD(fuse_reply_open_compat, fuse_reply_open, "FUSE_2.4");
FUSE2_SYMBOL_OLD(fuse_reply_statfs_compat, fuse_reply_statfs, "FUSE_2.4");
FUSE2_SYMBOL_OLD(fuse_chan_new_compat24, fuse_chan_new, "FUSE_2.4");
