/*
 * external.c - what a program needs to drive the session itself: a
 * transport of its own (read/writev functions on an fd it chose) and
 * requests it receives and hands over one at a time, on as many threads as
 * it likes (libfuse's fuse_session_receive_buf/process_buf, FUSE 2's
 * fuse_chan_recv/fuse_session_process).
 *
 * A request handed over is decoded in place, in the caller's buffer; only
 * its header is copied (into the request), because a deferred reply and a
 * later INTERRUPT still need it after the caller has reused the buffer.
 * The request structure and reply scratch come from the session's spare
 * bufsets, so a deferred request keeps them as on a worker.
 */
#include <errno.h>

#include "kernel/internal.h"

int fsp_session_set_transport(struct fsp_session *se, const struct fsp_transport *io)
{
    if (se->started)
        return -EBUSY;
    se->io = io ? *io : (struct fsp_transport){0};
    se->custom_io = se->io.read || se->io.writev;
    return 0;
}

size_t fsp_session_bufsize(struct fsp_session *se)
{
    return se->buf_in_size;
}

ssize_t fsp_session_receive(struct fsp_session *se, void *buf, size_t size)
{
    ssize_t n = fsp_io_read(se, se->fd, buf, size);
    return n < 0 ? -errno : n;
}

void fsp_session_process(struct fsp_session *se, const void *buf, size_t size)
{
    struct fsp_bufset *bs = fsp_bufset_take(se);
    if (!bs) {
        fsp_log("fsp: no request buffer (session over); request dropped");
        return;
    }
    /* A worker for this one request: replies go to the session fd. Its
     * counters are not kept (the pool's statistics are the workers'). */
    struct fsp_worker w = {.se = se, .fd = se->fd, .external = true, .bs = bs};
    struct fsp_session *prev = fsp_worker_bind(se);
    fsp_dispatch(&w, bs, (char *)buf, size);
    fsp_worker_bind(prev);
    if (w.lost_buffer)
        return; /* deferred: the request owns bs until it is answered */
    pthread_mutex_lock(&se->lock);
    bs->next_free = se->free_bufs;
    se->free_bufs = bs;
    pthread_mutex_unlock(&se->lock);
}
