/*
 * ll_notify.c - fuse_lowlevel_notify_*(): cache invalidation, pushing and
 * pulling page-cache data, poll wake-ups. Protocol minors that lack a
 * notification get -ENOSYS, as libfuse gives.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fuse/fuse_i.h"

/* The session must be mounted and INIT done before the kernel listens. */
static int ready(struct fuse_session *se, unsigned min_minor)
{
    if (!se)
        return -EINVAL;
    if (!se->fsp || !atomic_load(&se->got_init))
        return -ENOTCONN;
    if (se->conn.proto_minor < min_minor)
        return -ENOSYS;
    return 0;
}

FSP_FUSE_EXPORT int fuse_lowlevel_notify_poll(struct fuse_pollhandle *ph)
{
    if (!ph)
        return -EINVAL;
    int rc = ready(ph->se, 11);
    if (rc)
        return rc;
    struct fuse_notify_poll_wakeup_out out = {.kh = ph->kh};
    struct iovec iov[2] = {{0}, {&out, sizeof(out)}};
    return fsp_notify_raw(ph->se->fsp, FUSE_NOTIFY_POLL, iov, 2);
}

FSP_FUSE_EXPORT void fuse_pollhandle_destroy(struct fuse_pollhandle *ph)
{
    free(ph);
}

FSP_FUSE_EXPORT int fuse_lowlevel_notify_inval_inode(struct fuse_session *se, fuse_ino_t ino,
                                                     off_t off, off_t len)
{
    int rc = ready(se, 12);
    return rc ? rc : fsp_notify_inval_inode(se->fsp, ino, off, len);
}

FSP_FUSE_EXPORT int fuse_lowlevel_notify_inval_entry(struct fuse_session *se, fuse_ino_t parent,
                                                     const char *name, size_t namelen)
{
    int rc = ready(se, 12);
    return rc ? rc : fsp_notify_inval_entry(se->fsp, parent, name, namelen);
}

FSP_FUSE_EXPORT int fuse_lowlevel_notify_expire_entry(struct fuse_session *se, fuse_ino_t parent,
                                                      const char *name, size_t namelen,
                                                      enum fuse_expire_flags flags)
{
    int rc = ready(se, 12);
    if (rc)
        return rc;
    /* Expiring without dropping the entry needs the kernel's EXPIRE_ONLY. */
    if (!(se->conn.capable & FUSE_CAP_EXPIRE_ONLY))
        return -ENOSYS;
    if (namelen > 1024)
        return -ENAMETOOLONG;
    struct fuse_notify_inval_entry_out out = {
        .parent = parent,
        .namelen = (uint32_t)namelen,
        .flags = (flags & FUSE_LL_EXPIRE_ONLY) ? FUSE_EXPIRE_ONLY : 0,
    };
    struct iovec iov[4] = {{0}, {&out, sizeof(out)}, {(void *)name, namelen}, {"", 1}};
    return fsp_notify_raw(se->fsp, FUSE_NOTIFY_INVAL_ENTRY, iov, 4);
}

FSP_FUSE_EXPORT int fuse_lowlevel_notify_delete(struct fuse_session *se, fuse_ino_t parent,
                                                fuse_ino_t child, const char *name, size_t namelen)
{
    int rc = ready(se, 18);
    return rc ? rc : fsp_notify_delete(se->fsp, parent, child, name, namelen);
}

FSP_FUSE_EXPORT int fuse_lowlevel_notify_store(struct fuse_session *se, fuse_ino_t ino,
                                               off_t offset, struct fuse_bufvec *bufv,
                                               enum fuse_buf_copy_flags flags)
{
    (void)flags;
    int rc = ready(se, 15);
    if (rc)
        return rc;
    size_t size = fuse_buf_size(bufv);
    struct fuse_notify_store_out out = {
        .nodeid = ino, .offset = (uint64_t)offset, .size = (uint32_t)size};
    struct iovec iov[3] = {{0}, {&out, sizeof(out)}, {NULL, 0}};

    /* Gather the data into one piece (it may sit in fds or many buffers). */
    void *data = NULL;
    if (size) {
        data = malloc(size);
        if (!data)
            return -ENOMEM;
        struct fuse_bufvec dst = FUSE_BUFVEC_INIT(size);
        dst.buf[0].mem = data;
        ssize_t n = fuse_buf_copy(&dst, bufv, 0);
        if (n < 0) {
            free(data);
            return (int)n;
        }
        out.size = (uint32_t)n;
        iov[2] = (struct iovec){data, (size_t)n};
    }
    rc = fsp_notify_raw(se->fsp, FUSE_NOTIFY_STORE, iov, 3);
    free(data);
    return rc;
}

FSP_FUSE_EXPORT int fuse_lowlevel_notify_retrieve(struct fuse_session *se, fuse_ino_t ino,
                                                  size_t size, off_t offset, void *cookie)
{
    int rc = ready(se, 15);
    if (rc)
        return rc;
    struct fuse_retrieve *r = malloc(sizeof(*r));
    if (!r)
        return -ENOMEM;
    r->cookie = cookie;
    pthread_mutex_lock(&se->lock);
    r->unique = ++se->retrieve_unique;
    r->next = se->retrieves;
    se->retrieves = r;
    pthread_mutex_unlock(&se->lock);

    struct fuse_notify_retrieve_out out = {
        .notify_unique = r->unique,
        .nodeid = ino,
        .offset = (uint64_t)offset,
        .size = (uint32_t)size,
    };
    struct iovec iov[2] = {{0}, {&out, sizeof(out)}};
    rc = fsp_notify_raw(se->fsp, FUSE_NOTIFY_RETRIEVE, iov, 2);
    if (rc) {
        pthread_mutex_lock(&se->lock);
        for (struct fuse_retrieve **p = &se->retrieves; *p; p = &(*p)->next) {
            if (*p == r) {
                *p = r->next;
                free(r);
                break;
            }
        }
        pthread_mutex_unlock(&se->lock);
    }
    return rc;
}

/* The kernel's answer to a RETRIEVE: hand the data to retrieve_reply. */
void fsp_fuse_notify_reply(struct fsp_req *freq, const void *arg, uint32_t arglen)
{
    struct fuse_session *se = fsp_session_userdata(fsp_req_session(freq));
    const struct fuse_in_header *h = fsp_req_header(freq);
    struct fuse_retrieve *r = NULL;

    pthread_mutex_lock(&se->lock);
    for (struct fuse_retrieve **p = &se->retrieves; *p; p = &(*p)->next) {
        if ((*p)->unique == h->unique) {
            r = *p;
            *p = r->next;
            break;
        }
    }
    pthread_mutex_unlock(&se->lock);

    const struct fuse_notify_retrieve_in *in = arg;
    if (!r || arglen < sizeof(*in) || in->size > arglen - sizeof(*in) || !se->op.retrieve_reply) {
        free(r);
        fsp_reply_none(freq);
        return;
    }
    struct fuse_bufvec bv = FUSE_BUFVEC_INIT(in->size);
    bv.buf[0].mem = (void *)(uintptr_t)(in + 1);
    void *cookie = r->cookie;
    free(r);
    struct fuse_req *req = fsp_fuse_req_begin(se, freq);
    se->op.retrieve_reply(req, cookie, h->nodeid, (off_t)in->offset, &bv);
    fsp_fuse_req_finish(req);
}

void fsp_fuse_retrieves_free(struct fuse_session *se)
{
    while (se->retrieves) {
        struct fuse_retrieve *r = se->retrieves;
        se->retrieves = r->next;
        free(r);
    }
}
