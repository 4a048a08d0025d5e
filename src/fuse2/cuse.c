/*
 * cuse.c - libfuse.so.2's CUSE (FUSE_2.8): a FUSE 3 CUSE session whose
 * device operations are FUSE 2's. Its userdata is a struct fuse2_cuse; the
 * calls here pass the device its own userdata and FUSE 2's file info and
 * connection, and fuse_req_userdata (ll_reply.c) looks through it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fuse2/fuse2_i.h"

struct fuse2_cuse {
    struct fuse2_cuse_ops op;
    void *userdata;
    struct fuse_chan *ch; /* the session's channel (fuse_session_add_chan) */
};

static struct fuse2_cuse *dev_of(fuse_req_t req)
{
    return fsp3_fuse_req_userdata(req);
}

static void d_init(void *userdata, struct fuse_conn_info *conn)
{
    struct fuse2_cuse *d = userdata;
    struct fuse2_conn_info c2;
    fuse2_conn_from3(&c2, conn);
    if (d->op.init)
        d->op.init(d->userdata, &c2);
    /* A device negotiates only max_write. */
    if (c2.max_write && c2.max_write < conn->max_write)
        conn->max_write = c2.max_write;
}

static void d_init_done(void *userdata)
{
    struct fuse2_cuse *d = userdata;
    d->op.init_done(d->userdata);
}

static void d_destroy(void *userdata)
{
    struct fuse2_cuse *d = userdata;
    if (d->op.destroy)
        d->op.destroy(d->userdata);
}

/* Runs call with fi2, FUSE 2's copy of the FUSE 3 file info fi. */
#define WITH_FI2(fi, fi2, call)     \
    do {                            \
        struct fuse2_file_info fi2; \
        fuse2_fi_from3(&fi2, (fi)); \
        call;                       \
    } while (0)

static void d_open(fuse_req_t req, struct fuse_file_info *fi)
{
    WITH_FI2(fi, fi2, dev_of(req)->op.open(req, &fi2));
}

static void d_read(fuse_req_t req, size_t size, off_t off, struct fuse_file_info *fi)
{
    WITH_FI2(fi, fi2, dev_of(req)->op.read(req, size, off, &fi2));
}

static void d_write(fuse_req_t req, const char *buf, size_t size, off_t off,
                    struct fuse_file_info *fi)
{
    WITH_FI2(fi, fi2, dev_of(req)->op.write(req, buf, size, off, &fi2));
}

static void d_flush(fuse_req_t req, struct fuse_file_info *fi)
{
    WITH_FI2(fi, fi2, dev_of(req)->op.flush(req, &fi2));
}

static void d_release(fuse_req_t req, struct fuse_file_info *fi)
{
    WITH_FI2(fi, fi2, dev_of(req)->op.release(req, &fi2));
}

static void d_fsync(fuse_req_t req, int datasync, struct fuse_file_info *fi)
{
    WITH_FI2(fi, fi2, dev_of(req)->op.fsync(req, datasync, &fi2));
}

static void d_ioctl(fuse_req_t req, int cmd, void *arg, struct fuse_file_info *fi,
                    unsigned int flags, const void *in_buf, size_t in_bufsz, size_t out_bufsz)
{
    WITH_FI2(fi, fi2,
             dev_of(req)->op.ioctl(req, cmd, arg, &fi2, flags, in_buf, in_bufsz, out_bufsz));
}

static void d_poll(fuse_req_t req, struct fuse_file_info *fi, struct fuse_pollhandle *ph)
{
    WITH_FI2(fi, fi2, dev_of(req)->op.poll(req, &fi2, ph));
}

static struct fuse_session *cuse2_new(struct fuse_args *args, const struct cuse_info *ci,
                                      const struct fuse2_cuse_ops *op, void *userdata)
{
    if (!op) {
        fuse_log(FUSE_LOG_ERR, "cuse: cuse_lowlevel_new: no operations\n");
        return NULL;
    }
    struct fuse2_cuse *d = calloc(1, sizeof(*d));
    if (!d) {
        fuse_log(FUSE_LOG_ERR, "cuse: failed to allocate cuse object\n");
        return NULL;
    }
    d->op = *op;
    d->userdata = userdata;
    struct cuse_lowlevel_ops clop = {
        .init = d_init,
        .init_done = op->init_done ? d_init_done : NULL,
        .destroy = d_destroy,
        .open = op->open ? d_open : NULL,
        .read = op->read ? d_read : NULL,
        .write = op->write ? d_write : NULL,
        .flush = op->flush ? d_flush : NULL,
        .release = op->release ? d_release : NULL,
        .fsync = op->fsync ? d_fsync : NULL,
        .ioctl = op->ioctl ? d_ioctl : NULL,
        .poll = op->poll ? d_poll : NULL,
    };
    struct fuse_session *se = fsp3_cuse_lowlevel_new(args, ci, &clop, d);
    if (!se) {
        free(d);
        return NULL;
    }
    se->cuse->compat = d; /* freed with the session */
    return se;
}

void *fuse2_cuse_userdata(const struct fuse_session *se)
{
    return se->cuse && se->cuse->compat ? ((struct fuse2_cuse *)se->cuse->compat)->userdata : NULL;
}

struct fuse_chan **fuse2_cuse_chan(struct fuse_session *se)
{
    return se->cuse && se->cuse->compat ? &((struct fuse2_cuse *)se->cuse->compat)->ch : NULL;
}

FSP_FUSE_EXPORT struct fuse_session *fuse2_cuse_lowlevel_new(struct fuse_args *args,
                                                             const struct cuse_info *ci,
                                                             const struct fuse2_cuse_ops *op,
                                                             void *userdata)
{
    return cuse2_new(args, ci, op, userdata);
}

struct cuse2_args {
    const struct cuse_info *ci;
    const struct fuse2_cuse_ops *op;
    void *userdata;
};

static struct fuse_session *make2(struct fuse_args *args, void *ctx)
{
    struct cuse2_args *a = ctx;
    return cuse2_new(args, a->ci, a->op, a->userdata);
}

FSP_FUSE_EXPORT struct fuse_session *fuse2_cuse_lowlevel_setup(int argc, char *argv[],
                                                               const struct cuse_info *ci,
                                                               const struct fuse2_cuse_ops *op,
                                                               int *multithreaded, void *userdata)
{
    struct cuse2_args a = {ci, op, userdata};
    return fsp_fuse_cuse_setup(argc, argv, multithreaded, make2, &a);
}

FSP_FUSE_EXPORT void fuse2_cuse_lowlevel_teardown(struct fuse_session *se)
{
    fuse_remove_signal_handlers(se);
    fuse2_session_destroy(se);
}

int fuse_session_loop_mt_312(struct fuse_session *se, struct fuse_loop_config *config);

FSP_FUSE_EXPORT int fuse2_cuse_lowlevel_main(int argc, char *argv[], const struct cuse_info *ci,
                                             const struct fuse2_cuse_ops *op, void *userdata)
{
    int mt = 0;
    struct fuse_session *se = fuse2_cuse_lowlevel_setup(argc, argv, ci, op, &mt, userdata);
    if (!se)
        return 1;
    int res = mt ? fuse_session_loop_mt_312(se, NULL) : fsp3_fuse_session_loop(se);
    fuse2_cuse_lowlevel_teardown(se);
    return res == -1 ? 1 : 0;
}

FUSE2_SYMBOL(fuse2_cuse_lowlevel_new, cuse_lowlevel_new, "FUSE_2.8");
FUSE2_SYMBOL(fuse2_cuse_lowlevel_setup, cuse_lowlevel_setup, "FUSE_2.8");
FUSE2_SYMBOL(fuse2_cuse_lowlevel_teardown, cuse_lowlevel_teardown, "FUSE_2.8");
FUSE2_SYMBOL(fuse2_cuse_lowlevel_main, cuse_lowlevel_main, "FUSE_2.8");
