/*
 * custom_session.c - FUSE 2's fuse_session_new(ops, data): a session whose
 * requests the program processes itself (libfuse 2.9's struct
 * fuse_session_ops: process, exit, exited, destroy).
 *
 * Such a session has no file system for FSP to serve: the library's part
 * is the plumbing around the program's callbacks. fuse_session_process
 * hands each request to op->process with the channel it came from;
 * fuse_session_loop reads requests from the session's channel and does so
 * until fuse_session_exited; exit and reset go to op->exit; destroy runs
 * op->destroy and destroys the channel still attached.
 *
 * The object is a FUSE 3 struct fuse_session that never connects (no
 * operations, no kernel session), so that the FUSE 2 functions sharing
 * FUSE 3's code (signal handlers, fuse_session_exit's flag) see a valid
 * session; its userdata is the struct fuse2_custom below, and its init
 * handler a marker that tells it apart.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "fuse2/fuse2_i.h"

struct fuse2_custom {
    struct fuse2_session_ops op;
    void *data;
    struct fuse_chan *ch;
};

/* Never called: only its address marks a custom session. */
static void custom_marker(void *userdata, struct fuse_conn_info *conn)
{
    (void)userdata;
    (void)conn;
}

bool fuse2_is_custom_session(const struct fuse_session *se)
{
    return se && se->op.init == custom_marker;
}

static struct fuse2_custom *custom_of(const struct fuse_session *se)
{
    return se->userdata;
}

struct fuse_chan **fuse2_custom_chan(struct fuse_session *se)
{
    return &custom_of(se)->ch;
}

void *fuse2_custom_data(struct fuse_session *se)
{
    return custom_of(se)->data;
}

FSP_FUSE_EXPORT struct fuse_session *fuse2_session_new(const struct fuse2_session_ops *op,
                                                       void *data)
{
    struct fuse_session *se = calloc(1, sizeof(*se));
    struct fuse2_custom *c = calloc(1, sizeof(*c));
    if (!se || !c) {
        fuse_log(FUSE_LOG_ERR, "fuse: failed to allocate session\n");
        free(se);
        free(c);
        return NULL;
    }
    if (op)
        c->op = *op;
    c->data = data;
    pthread_mutex_init(&se->lock, NULL);
    se->io_fd = -1;
    se->op.init = custom_marker;
    se->userdata = c;
    return se;
}

/* A channel of fuse_mount (2.6) has no mount yet, since FSP mounts for a
 * session it serves; a custom session serves nothing, so the channel's
 * mount is made here and its /dev/fuse fd becomes the channel's, as
 * libfuse's fuse_mount would have left it. */
static int mount_now(struct fuse_chan *ch)
{
    char *canonical = realpath(ch->mountpoint, NULL);
    if (!canonical) {
        fuse_log(FUSE_LOG_ERR, "fuse: bad mount point `%s': %s\n", ch->mountpoint, strerror(errno));
        return -1;
    }
    int fd = fsp_fuse_open_channel(canonical, ch->opts);
    if (fd < 0) {
        free(canonical);
        return -1;
    }
    free(ch->mountpoint);
    ch->mountpoint = canonical; /* fuse_unmount may come after a chdir */
    ch->fd = fd;
    ch->mounted_fd = true;
    return 0;
}

void fuse2_custom_add_chan(struct fuse_session *se, struct fuse_chan *ch)
{
    struct fuse2_custom *c = custom_of(se);
    if (ch->se) {
        fuse_log(FUSE_LOG_ERR, "fuse: channel already belongs to a session\n");
        return;
    }
    if (c->ch) {
        fuse_log(FUSE_LOG_ERR, "fuse: session already has a channel\n");
        return;
    }
    if (ch->mountpoint && !ch->mounted_fd && mount_now(ch) != 0)
        return;
    ch->se = se;
    ch->user = &c->ch;
    c->ch = ch;
}

void fuse2_custom_process(struct fuse_session *se, const char *buf, size_t len,
                          struct fuse_chan *ch)
{
    struct fuse2_custom *c = custom_of(se);
    if (c->op.process)
        c->op.process(c->data, buf, len, ch);
}

/* libfuse 2.9 processes a request in memory only (no splicing there). */
void fuse2_custom_process_buf(struct fuse_session *se, const struct fuse_buf *buf,
                              struct fuse_chan *ch)
{
    if (buf->flags & FUSE_BUF_IS_FD) {
        fuse_log(FUSE_LOG_ERR, "fuse: a custom session processes requests in memory only\n");
        return;
    }
    fuse2_custom_process(se, buf->mem, buf->size, ch);
}

/* The session's own flag is set too: FUSE 3's signal handlers (which FUSE
 * 2 programs install with fuse_set_signal_handlers) set only that one. */
FSP_FUSE_EXPORT void fuse2_session_exit(struct fuse_session *se)
{
    if (!fuse2_is_custom_session(se)) {
        fsp3_fuse_session_exit(se);
        return;
    }
    struct fuse2_custom *c = custom_of(se);
    if (c->op.exit)
        c->op.exit(c->data, 1);
    atomic_store(&se->exited, true);
}

FSP_FUSE_EXPORT void fuse2_session_reset(struct fuse_session *se)
{
    if (!fuse2_is_custom_session(se)) {
        fsp3_fuse_session_reset(se);
        return;
    }
    struct fuse2_custom *c = custom_of(se);
    if (c->op.exit)
        c->op.exit(c->data, 0);
    atomic_store(&se->exited, false);
}

/* As libfuse 2.9, op->exited decides when given; a signal's exit counts
 * as well (see fuse2_session_exit). */
FSP_FUSE_EXPORT int fuse2_session_exited(struct fuse_session *se)
{
    if (!fuse2_is_custom_session(se))
        return fsp3_fuse_session_exited(se);
    struct fuse2_custom *c = custom_of(se);
    if (atomic_load(&se->exited))
        return 1;
    return c->op.exited ? c->op.exited(c->data) : 0;
}

/* libfuse 2.9's loop: a buffer of the channel's size, one request at a
 * time on this thread, until exited, the channel's end (0) or an error;
 * interrupted reads are retried. 0, or -1 after an error. */
int fuse2_custom_loop(struct fuse_session *se)
{
    struct fuse_chan *ch = custom_of(se)->ch;
    if (!ch) {
        fuse_log(FUSE_LOG_ERR, "fuse: session has no channel\n");
        return -1;
    }
    size_t bufsize = fuse2_chan_bufsize(ch);
    char *buf = malloc(bufsize);
    if (!buf) {
        fuse_log(FUSE_LOG_ERR, "fuse: failed to allocate read buffer\n");
        return -1;
    }
    int res = 0;
    while (!fuse2_session_exited(se)) {
        struct fuse_chan *from = ch;
        res = fuse2_chan_recv(&from, buf, bufsize);
        if (res == -EINTR)
            continue;
        if (res <= 0)
            break;
        fuse2_custom_process(se, buf, (size_t)res, from);
    }
    free(buf);
    fuse2_session_reset(se);
    return res < 0 ? -1 : 0;
}

void fuse2_custom_destroy(struct fuse_session *se)
{
    struct fuse2_custom *c = custom_of(se);
    struct fuse_chan *ch = c->ch;
    if (c->op.destroy)
        c->op.destroy(c->data);
    fuse2_chan_detach(ch);
    fuse2_chan_destroy(ch);
    free(c);
    fsp_fuse_session_free(se);
}

/* A kernel channel of a custom session reads its fd itself, as libfuse
 * 2.9's did: interrupted requests are read again, unmounting exits the
 * session and reads 0. */
int fuse2_custom_kern_recv(struct fuse_chan *ch, char *buf, size_t size)
{
    struct fuse_session *se = ch->se;
    for (;;) {
        ssize_t n = read(ch->fd, buf, size);
        int err = errno;
        if (fuse2_session_exited(se))
            return 0;
        if (n >= 0) {
            if ((size_t)n < sizeof(struct fuse_in_header)) {
                fuse_log(FUSE_LOG_ERR, "short read on fuse device\n");
                return -EIO;
            }
            return (int)n;
        }
        if (err == ENOENT)
            continue;
        if (err == ENODEV) {
            fuse2_session_exit(se);
            return 0;
        }
        if (err != EINTR && err != EAGAIN)
            fuse_log(FUSE_LOG_ERR, "fuse: reading device: %s\n", strerror(err));
        return -err;
    }
}

FUSE2_SYMBOL(fuse2_session_new, fuse_session_new, "FUSE_2.4");
FUSE2_SYMBOL(fuse2_session_exit, fuse_session_exit, "FUSE_2.4");
FUSE2_SYMBOL(fuse2_session_reset, fuse_session_reset, "FUSE_2.4");
FUSE2_SYMBOL(fuse2_session_exited, fuse_session_exited, "FUSE_2.4");
