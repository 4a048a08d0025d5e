/*
 * cuse.c - CUSE (character devices in user space) on the FUSE 3 session.
 *
 * A CUSE session is a low-level session whose operations forward to the
 * device's (struct cuse_lowlevel_ops, which has no inode arguments), and
 * whose kernel session answers CUSE_INIT (kernel/cuse.c) with the device
 * numbers and the dev_info strings. It is served on /dev/cuse
 * (cuse_lowlevel_setup) or on any transport given by
 * fuse_session_custom_io; requests, replies and loops are the low-level
 * API's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuse/fuse_i.h"

static const struct cuse_lowlevel_ops *clop_of(fuse_req_t req)
{
    return &req->se->cuse->clop;
}

/* --- The device's operations, as low-level ones (the inode is the device) --- */

static void c_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    (void)ino;
    clop_of(req)->open(req, fi);
}

static void c_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                   struct fuse_file_info *fi)
{
    (void)ino;
    clop_of(req)->read(req, size, off, fi);
}

static void c_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
                    struct fuse_file_info *fi)
{
    (void)ino;
    clop_of(req)->write(req, buf, size, off, fi);
}

static void c_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    (void)ino;
    clop_of(req)->flush(req, fi);
}

static void c_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    (void)ino;
    clop_of(req)->release(req, fi);
}

static void c_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
    (void)ino;
    clop_of(req)->fsync(req, datasync, fi);
}

static void c_ioctl(fuse_req_t req, fuse_ino_t ino, unsigned int cmd, void *arg,
                    struct fuse_file_info *fi, unsigned flags, const void *in_buf, size_t in_bufsz,
                    size_t out_bufsz)
{
    (void)ino;
    clop_of(req)->ioctl(req, (int)cmd, arg, fi, flags, in_buf, in_bufsz, out_bufsz);
}

static void c_poll(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
                   struct fuse_pollhandle *ph)
{
    (void)ino;
    clop_of(req)->poll(req, fi, ph);
}

/* --- CUSE_INIT ---------------------------------------------------------------- */

/* Before the reply: the device's init() sees the protocol and may lower
 * max_write; none of FUSE's capabilities apply to a device. */
static void cuse_init_hook(void *userdata, struct fsp_conn *fc)
{
    struct fuse_session *se = userdata;
    struct fuse_conn_info *conn = &se->conn;
    conn->proto_major = fc->proto_major;
    conn->proto_minor = fc->proto_minor;
    conn->capable = 0;
    conn->want = 0;
    conn->max_write = fc->max_write;
    conn->max_read = 0;
    conn->max_readahead = 0;
    conn->max_background = 0;
    conn->congestion_threshold = 0;
    conn->time_gran = 1;
    atomic_store(&se->got_init, true);
    if (se->op.init)
        se->op.init(se->userdata, conn);
    if (conn->max_write && conn->max_write < fc->max_write)
        fc->max_write = conn->max_write;
}

static void cuse_init_done(void *userdata)
{
    struct fuse_session *se = userdata;
    if (se->cuse->clop.init_done)
        se->cuse->clop.init_done(se->userdata);
}

void fsp_fuse_cuse_ops(struct fsp_session_ops *ops)
{
    ops->init = cuse_init_hook;
    ops->init_done = cuse_init_done;
}

int fsp_fuse_cuse_connect(struct fuse_session *se, struct fsp_session *fsp)
{
    int rc = fsp_session_set_cuse(fsp, &se->cuse->info);
    if (rc < 0)
        fuse_log(FUSE_LOG_ERR, "cuse: cannot set up the device: %s\n", strerror(-rc));
    return rc;
}

void fsp_fuse_cuse_free(struct fsp_fuse_cuse *cuse)
{
    if (!cuse)
        return;
    free(cuse->strings);
    free(cuse->compat);
    free(cuse);
}

/* --- Sessions ------------------------------------------------------------------- */

/* "a\0b\0...": the dev_info strings as CUSE_INIT carries them. */
static char *join_info(const struct cuse_info *ci, size_t *len)
{
    size_t total = 0;
    for (unsigned i = 0; i < ci->dev_info_argc; i++)
        total += strlen(ci->dev_info_argv[i]) + 1;
    if (total > CUSE_INIT_INFO_MAX) {
        fuse_log(FUSE_LOG_ERR, "cuse: dev_info (%zu) too large, limit=%u\n", total,
                 CUSE_INIT_INFO_MAX);
        return NULL;
    }
    char *buf = malloc(total ? total : 1);
    if (!buf)
        return NULL;
    char *p = buf;
    for (unsigned i = 0; i < ci->dev_info_argc; i++) {
        size_t n = strlen(ci->dev_info_argv[i]) + 1;
        memcpy(p, ci->dev_info_argv[i], n);
        p += n;
    }
    *len = total;
    return buf;
}

FSP_FUSE_EXPORT struct fuse_session *cuse_lowlevel_new(struct fuse_args *args,
                                                       const struct cuse_info *ci,
                                                       const struct cuse_lowlevel_ops *clop,
                                                       void *userdata)
{
    if (!ci || !clop || (ci->dev_info_argc && !ci->dev_info_argv)) {
        fuse_log(FUSE_LOG_ERR, "cuse: cuse_lowlevel_new: missing device information\n");
        return NULL;
    }
    struct fsp_fuse_cuse *cuse = calloc(1, sizeof(*cuse));
    if (!cuse) {
        fuse_log(FUSE_LOG_ERR, "cuse: failed to allocate cuse object\n");
        return NULL;
    }
    size_t len = 0;
    cuse->strings = join_info(ci, &len);
    if (!cuse->strings) {
        free(cuse);
        return NULL;
    }
    cuse->clop = *clop;
    cuse->info = (struct fsp_cuse_info){
        .dev_major = ci->dev_major,
        .dev_minor = ci->dev_minor,
        .flags = ci->flags & CUSE_UNRESTRICTED_IOCTL,
        .info = cuse->strings,
        .info_len = len,
    };

    struct fuse_lowlevel_ops lop = {
        .init = clop->init,
        .destroy = clop->destroy,
        .open = clop->open ? c_open : NULL,
        .read = clop->read ? c_read : NULL,
        .write = clop->write ? c_write : NULL,
        .flush = clop->flush ? c_flush : NULL,
        .release = clop->release ? c_release : NULL,
        .fsync = clop->fsync ? c_fsync : NULL,
        .ioctl = clop->ioctl ? c_ioctl : NULL,
        .poll = clop->poll ? c_poll : NULL,
    };
    char *none[] = {"cuse", NULL};
    struct fuse_args empty = FUSE_ARGS_INIT(1, none);
    struct fuse_session *se =
        fuse_session_new(args && args->argc ? args : &empty, &lop, sizeof(lop), userdata);
    if (!se) {
        fsp_fuse_cuse_free(cuse);
        return NULL;
    }
    se->cuse = cuse;
    return se;
}

/* cuse_lowlevel_setup's command line: -f, -s and -d (also kept for the
 * session, which then logs). */
struct cuse_cmdline {
    int foreground, singlethread;
};

enum { KEY_DEBUG = 1 };

static const struct fuse_opt cuse_cmdline_spec[] = {
    {"-f", offsetof(struct cuse_cmdline, foreground), 1},
    {"-s", offsetof(struct cuse_cmdline, singlethread), 1},
    FUSE_OPT_KEY("-d", KEY_DEBUG),
    FUSE_OPT_KEY("debug", KEY_DEBUG),
    FUSE_OPT_END,
};

static int cuse_cmdline_proc(void *data, const char *arg, int key, struct fuse_args *outargs)
{
    struct cuse_cmdline *c = data;
    (void)arg;
    (void)outargs;
    if (key == KEY_DEBUG)
        c->foreground = 1;
    return 1; /* keep: the session's option too, or an error there */
}

struct fuse_session *fsp_fuse_cuse_setup(int argc, char *argv[], int *multithreaded,
                                         fsp_fuse_cuse_make *make, void *ctx)
{
    struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
    struct cuse_cmdline c = {0};
    struct fuse_session *se = NULL;
    if (fuse_opt_parse(&args, &c, cuse_cmdline_spec, cuse_cmdline_proc) == -1)
        goto out;

    /* The device fd must not become 0, 1 or 2 (stdio closed by a parent):
     * fuse_daemonize points those at /dev/null, which would close it. So
     * any free one of them is taken by /dev/null first, for good. */
    int fd;
    do {
        fd = open("/dev/null", O_RDWR);
        if (fd > 2)
            close(fd);
    } while (fd >= 0 && fd <= 2);

    se = make(&args, ctx);
    if (!se)
        goto out;
    fd = fsp_cuse_open();
    if (fd < 0) {
        if (fd == -ENODEV || fd == -ENOENT)
            fuse_log(FUSE_LOG_ERR, "cuse: device not found, try 'modprobe cuse' first\n");
        else
            fuse_log(FUSE_LOG_ERR, "cuse: failed to open %s: %s\n", FSP_CUSE_DEVICE, strerror(-fd));
        goto fail;
    }
    if (fsp_fuse_attach_fd(se, fd) != 0)
        goto fail;
    if (fuse_set_signal_handlers(se) == -1)
        goto fail;
    if (fuse_daemonize(c.foreground) == -1) {
        fuse_remove_signal_handlers(se);
        goto fail;
    }
    if (multithreaded)
        *multithreaded = !c.singlethread;
    goto out;

fail:
    /* The session has no channel here, so the plain destroy suits FUSE 2's
     * sessions too. */
    fuse_session_destroy(se);
    se = NULL;
out:
    fuse_opt_free_args(&args);
    return se;
}

struct cuse3_args {
    const struct cuse_info *ci;
    const struct cuse_lowlevel_ops *clop;
    void *userdata;
};

static struct fuse_session *make3(struct fuse_args *args, void *ctx)
{
    struct cuse3_args *a = ctx;
    return cuse_lowlevel_new(args, a->ci, a->clop, a->userdata);
}

FSP_FUSE_EXPORT struct fuse_session *cuse_lowlevel_setup(int argc, char *argv[],
                                                         const struct cuse_info *ci,
                                                         const struct cuse_lowlevel_ops *clop,
                                                         int *multithreaded, void *userdata)
{
    struct cuse3_args a = {ci, clop, userdata};
    return fsp_fuse_cuse_setup(argc, argv, multithreaded, make3, &a);
}

FSP_FUSE_EXPORT void cuse_lowlevel_teardown(struct fuse_session *se)
{
    fuse_remove_signal_handlers(se);
    fuse_session_destroy(se);
}

int fuse_session_loop_mt_312(struct fuse_session *se, struct fuse_loop_config *config);

FSP_FUSE_EXPORT int cuse_lowlevel_main(int argc, char *argv[], const struct cuse_info *ci,
                                       const struct cuse_lowlevel_ops *clop, void *userdata)
{
    int mt = 0;
    struct fuse_session *se = cuse_lowlevel_setup(argc, argv, ci, clop, &mt, userdata);
    if (!se)
        return 1;
    int res = mt ? fuse_session_loop_mt_312(se, NULL) : fuse_session_loop(se);
    cuse_lowlevel_teardown(se);
    return res == -1 ? 1 : 0;
}
