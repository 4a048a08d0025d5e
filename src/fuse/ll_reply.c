/*
 * ll_reply.c - fuse_reply_*(), directory entries and the request accessors.
 *
 * Each reply builds the opcode's wire struct on the stack and hands it, with
 * the caller's data, to the session as an iovec list: no copy of the data
 * unless it sits in a file descriptor.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuse/fuse_i.h"
#include "kernel/proc_cred.h"

/* The request whose handler is running on this thread (see
 * fsp_fuse_req_finish for why that matters). */
static _Thread_local struct fuse_req *tls_running;

void fsp_fuse_req_start(struct fuse_req *req)
{
    req->answered_inline = false;
    tls_running = req;
}

struct fuse_req *fsp_fuse_req_begin(struct fuse_session *se, struct fsp_req *freq)
{
    const struct fuse_in_header *h = fsp_req_header(freq);
    size_t size;
    struct fuse_req *req = fsp_req_scratch(freq, &size);
    memset(req, 0, sizeof(*req));
    req->se = se;
    req->fsp = freq;
    req->ctx.uid = h->uid;
    req->ctx.gid = h->gid;
    req->ctx.pid = (pid_t)h->pid;
    fsp_fuse_req_start(req);
    return req;
}

/*
 * The handler returned. If it already answered on this thread, the session
 * may reuse the buffers at once. Otherwise the answer will come (or is
 * coming right now) from another thread, so detach the request from the
 * worker: the session makes that safe even if the answer races with us.
 */
void fsp_fuse_req_finish(struct fuse_req *req)
{
    tls_running = NULL;
    if (!req->answered_inline && req->fsp)
        fsp_req_defer(req->fsp);
}

void *fsp_fuse_req_space(struct fuse_req *req, size_t *size)
{
    size_t total;
    char *base = fsp_req_scratch(req->fsp, &total);
    size_t skip = (sizeof(struct fuse_req) + 63) & ~(size_t)63;
    *size = total - skip;
    return base + skip;
}

/* Every reply ends here. After this the request is gone. */
static int send_iov(fuse_req_t req, int err, const struct iovec *iov, int count)
{
    struct fsp_req *freq = req->fsp;
    if (!freq)
        return 0;
    if (tls_running == req)
        req->answered_inline = true;
    return err ? fsp_reply_err(freq, err) : fsp_reply_iov(freq, iov, count);
}

static int send_buf(fuse_req_t req, const void *data, size_t size)
{
    struct iovec iov = {(void *)data, size};
    return send_iov(req, 0, &iov, size ? 1 : 0);
}

/* --- Conversions -------------------------------------------------------------- */

static uint64_t timeout_sec(double t)
{
    if (t > (double)ULONG_MAX)
        return ULONG_MAX;
    if (t < 0.0)
        return 0;
    return (uint64_t)t;
}

static uint32_t timeout_nsec(double t)
{
    double f = t - (double)timeout_sec(t);
    if (f < 0.0)
        return 0;
    if (f >= 0.999999999)
        return 999999999;
    return (uint32_t)(f * 1.0e9);
}

void fsp_fuse_fill_attr(struct fuse_attr *a, const struct stat *st)
{
    a->ino = st->st_ino;
    a->mode = st->st_mode;
    a->nlink = (uint32_t)st->st_nlink;
    a->uid = st->st_uid;
    a->gid = st->st_gid;
    a->rdev = (uint32_t)st->st_rdev;
    a->size = (uint64_t)st->st_size;
    a->blksize = (uint32_t)st->st_blksize;
    a->blocks = (uint64_t)st->st_blocks;
    a->atime = (uint64_t)st->st_atim.tv_sec;
    a->mtime = (uint64_t)st->st_mtim.tv_sec;
    a->ctime = (uint64_t)st->st_ctim.tv_sec;
    a->atimensec = (uint32_t)st->st_atim.tv_nsec;
    a->mtimensec = (uint32_t)st->st_mtim.tv_nsec;
    a->ctimensec = (uint32_t)st->st_ctim.tv_nsec;
    a->flags = 0;
}

void fsp_fuse_fill_entry(struct fuse_entry_out *out, const struct fuse_entry_param *e)
{
    memset(out, 0, sizeof(*out));
    out->nodeid = e->ino;
    out->generation = e->generation;
    out->entry_valid = timeout_sec(e->entry_timeout);
    out->entry_valid_nsec = timeout_nsec(e->entry_timeout);
    out->attr_valid = timeout_sec(e->attr_timeout);
    out->attr_valid_nsec = timeout_nsec(e->attr_timeout);
    fsp_fuse_fill_attr(&out->attr, &e->attr);
}

static void fill_open(fuse_req_t req, struct fuse_open_out *o, const struct fuse_file_info *fi)
{
    memset(o, 0, sizeof(*o));
    o->fh = fi->fh;
    if (fi->direct_io)
        o->open_flags |= FOPEN_DIRECT_IO;
    if (fi->keep_cache)
        o->open_flags |= FOPEN_KEEP_CACHE;
    if (fi->nonseekable)
        o->open_flags |= FOPEN_NONSEEKABLE;
    if (fi->cache_readdir)
        o->open_flags |= FOPEN_CACHE_DIR;
    if (fi->noflush)
        o->open_flags |= FOPEN_NOFLUSH;
    if (fi->backing_id > 0 && req->se->fsp &&
        fsp_open_out_passthrough(req->se->fsp, o, fi->backing_id) != 0)
        fuse_log(FUSE_LOG_ERR, "fuse: backing_id %d ignored: passthrough is not enabled\n",
                 fi->backing_id);
}

FSP_FUSE_EXPORT int fuse_passthrough_open(fuse_req_t req, int fd)
{
    int id = req->se->fsp ? fsp_session_backing_open(req->se->fsp, fd) : -ENOTCONN;
    if (id < 0) {
        fuse_log(FUSE_LOG_ERR, "fuse: passthrough_open: %s\n", strerror(-id));
        errno = -id;
        return 0;
    }
    return id;
}

FSP_FUSE_EXPORT int fuse_passthrough_close(fuse_req_t req, int backing_id)
{
    int rc = req->se->fsp ? fsp_session_backing_close(req->se->fsp, backing_id) : -ENOTCONN;
    if (rc < 0) {
        fuse_log(FUSE_LOG_ERR, "fuse: passthrough_close: %s\n", strerror(-rc));
        errno = -rc;
        return -1;
    }
    return 0;
}

/* --- Replies ----------------------------------------------------------------- */

FSP_FUSE_EXPORT int fuse_reply_err(fuse_req_t req, int err)
{
    /* libfuse takes positive errno values below 1000 and 0 (success). */
    if (err < 0 || err >= 1000) {
        fuse_log(FUSE_LOG_ERR, "fuse: bad error value: %i\n", -err);
        err = ERANGE;
    }
    return send_iov(req, err, NULL, 0);
}

FSP_FUSE_EXPORT void fuse_reply_none(fuse_req_t req)
{
    if (!req->fsp)
        return;
    if (tls_running == req)
        req->answered_inline = true;
    fsp_reply_none(req->fsp);
}

FSP_FUSE_EXPORT int fuse_reply_entry(fuse_req_t req, const struct fuse_entry_param *e)
{
    struct fuse_entry_out out;
    fsp_fuse_fill_entry(&out, e);
    return send_buf(req, &out, sizeof(out));
}

FSP_FUSE_EXPORT int fuse_reply_create(fuse_req_t req, const struct fuse_entry_param *e,
                                      const struct fuse_file_info *fi)
{
    struct {
        struct fuse_entry_out e;
        struct fuse_open_out o;
    } out;
    fsp_fuse_fill_entry(&out.e, e);
    fill_open(req, &out.o, fi);
    return send_buf(req, &out, sizeof(out));
}

FSP_FUSE_EXPORT int fuse_reply_attr(fuse_req_t req, const struct stat *attr, double attr_timeout)
{
    struct fuse_attr_out out;
    memset(&out, 0, sizeof(out));
    out.attr_valid = timeout_sec(attr_timeout);
    out.attr_valid_nsec = timeout_nsec(attr_timeout);
    fsp_fuse_fill_attr(&out.attr, attr);
    return send_buf(req, &out, sizeof(out));
}

FSP_FUSE_EXPORT int fuse_reply_readlink(fuse_req_t req, const char *link)
{
    return send_buf(req, link, strlen(link));
}

FSP_FUSE_EXPORT int fuse_reply_open(fuse_req_t req, const struct fuse_file_info *fi)
{
    struct fuse_open_out out;
    fill_open(req, &out, fi);
    return send_buf(req, &out, sizeof(out));
}

FSP_FUSE_EXPORT int fuse_reply_write(fuse_req_t req, size_t count)
{
    struct fuse_write_out out = {.size = (uint32_t)count};
    return send_buf(req, &out, sizeof(out));
}

FSP_FUSE_EXPORT int fuse_reply_buf(fuse_req_t req, const char *buf, size_t size)
{
    return send_buf(req, buf, size);
}

/* The session takes a bounded number of iovecs; longer lists are gathered
 * into scratch space first. */
#define MAX_DIRECT_IOV 31

FSP_FUSE_EXPORT int fuse_reply_iov(fuse_req_t req, const struct iovec *iov, int count)
{
    if (count < 0)
        return fuse_reply_err(req, EINVAL);
    if (count <= MAX_DIRECT_IOV || !req->fsp)
        return send_iov(req, 0, iov, count);
    size_t room, len = 0;
    char *space = fsp_fuse_req_space(req, &room);
    for (int i = 0; i < count; i++) {
        if (iov[i].iov_len > room - len)
            return fuse_reply_err(req, EIO);
        memcpy(space + len, iov[i].iov_base, iov[i].iov_len);
        len += iov[i].iov_len;
    }
    return send_buf(req, space, len);
}

FSP_FUSE_EXPORT int fuse_reply_data(fuse_req_t req, struct fuse_bufvec *bufv,
                                    enum fuse_buf_copy_flags flags)
{
    (void)flags; /* FSP does not splice */
    struct iovec iov[MAX_DIRECT_IOV];
    size_t n = 0;
    bool all_mem = bufv->count - bufv->idx <= MAX_DIRECT_IOV;
    for (size_t i = bufv->idx; all_mem && i < bufv->count; i++) {
        const struct fuse_buf *b = &bufv->buf[i];
        if (b->flags & FUSE_BUF_IS_FD) {
            all_mem = false;
            break;
        }
        size_t off = i == bufv->idx ? bufv->off : 0;
        if (off >= b->size)
            continue;
        iov[n].iov_base = (char *)b->mem + off;
        iov[n].iov_len = b->size - off;
        n++;
    }
    if (all_mem)
        return send_iov(req, 0, iov, (int)n);
    if (!req->fsp)
        return 0;

    /* Data in a file descriptor: copy it into the request's scratch. */
    size_t room;
    void *space = fsp_fuse_req_space(req, &room);
    size_t want = fuse_buf_size(bufv);
    if (want < room)
        room = want;
    struct fuse_bufvec dst = FUSE_BUFVEC_INIT(room);
    dst.buf[0].mem = space;
    ssize_t got = fuse_buf_copy(&dst, bufv, 0);
    if (got < 0)
        return fuse_reply_err(req, (int)-got);
    return send_buf(req, space, (size_t)got);
}

FSP_FUSE_EXPORT int fuse_reply_statfs(fuse_req_t req, const struct statvfs *st)
{
    struct fuse_statfs_out out;
    memset(&out, 0, sizeof(out));
    out.st.bsize = (uint32_t)st->f_bsize;
    out.st.frsize = (uint32_t)st->f_frsize;
    out.st.blocks = st->f_blocks;
    out.st.bfree = st->f_bfree;
    out.st.bavail = st->f_bavail;
    out.st.files = st->f_files;
    out.st.ffree = st->f_ffree;
    out.st.namelen = (uint32_t)st->f_namemax;
    return send_buf(req, &out, sizeof(out));
}

FSP_FUSE_EXPORT int fuse_reply_xattr(fuse_req_t req, size_t count)
{
    struct fuse_getxattr_out out = {.size = (uint32_t)count};
    return send_buf(req, &out, sizeof(out));
}

/* The protocol's "to the end of the file". */
#define FSP_OFFSET_MAX 0x7fffffffffffffffULL

FSP_FUSE_EXPORT int fuse_reply_lock(fuse_req_t req, const struct flock *lock)
{
    struct fuse_lk_out out;
    memset(&out, 0, sizeof(out));
    out.lk.type = (uint32_t)lock->l_type;
    if (lock->l_type != F_UNLCK) {
        out.lk.start = (uint64_t)lock->l_start;
        out.lk.end =
            lock->l_len == 0 ? FSP_OFFSET_MAX : (uint64_t)(lock->l_start + lock->l_len - 1);
    }
    out.lk.pid = (uint32_t)lock->l_pid;
    return send_buf(req, &out, sizeof(out));
}

FSP_FUSE_EXPORT int fuse_reply_bmap(fuse_req_t req, uint64_t idx)
{
    struct fuse_bmap_out out = {.block = idx};
    return send_buf(req, &out, sizeof(out));
}

FSP_FUSE_EXPORT int fuse_reply_ioctl_retry(fuse_req_t req, const struct iovec *in_iov,
                                           size_t in_count, const struct iovec *out_iov,
                                           size_t out_count)
{
    if (in_count > FUSE_IOCTL_MAX_IOV || out_count > FUSE_IOCTL_MAX_IOV)
        return fuse_reply_err(req, ENOMEM);
    if (!req->fsp)
        return 0;
    size_t room;
    struct fuse_ioctl_iovec *v = fsp_fuse_req_space(req, &room);
    if ((in_count + out_count) * sizeof(*v) > room)
        return fuse_reply_err(req, ENOMEM);
    for (size_t i = 0; i < in_count; i++)
        v[i] = (struct fuse_ioctl_iovec){(uintptr_t)in_iov[i].iov_base, in_iov[i].iov_len};
    for (size_t i = 0; i < out_count; i++)
        v[in_count + i] =
            (struct fuse_ioctl_iovec){(uintptr_t)out_iov[i].iov_base, out_iov[i].iov_len};
    struct fuse_ioctl_out out = {
        .flags = FUSE_IOCTL_RETRY, .in_iovs = (uint32_t)in_count, .out_iovs = (uint32_t)out_count};
    struct iovec iov[2] = {{&out, sizeof(out)}, {v, (in_count + out_count) * sizeof(*v)}};
    return send_iov(req, 0, iov, in_count + out_count ? 2 : 1);
}

FSP_FUSE_EXPORT int fuse_reply_ioctl(fuse_req_t req, int result, const void *buf, size_t size)
{
    struct fuse_ioctl_out out = {.result = result};
    struct iovec iov[2] = {{&out, sizeof(out)}, {(void *)buf, size}};
    return send_iov(req, 0, iov, size ? 2 : 1);
}

FSP_FUSE_EXPORT int fuse_reply_ioctl_iov(fuse_req_t req, int result, const struct iovec *iov,
                                         int count)
{
    if (count < 0 || count > MAX_DIRECT_IOV - 1)
        return fuse_reply_err(req, count < 0 ? EINVAL : ENOMEM);
    struct fuse_ioctl_out out = {.result = result};
    struct iovec v[MAX_DIRECT_IOV];
    v[0] = (struct iovec){&out, sizeof(out)};
    for (int i = 0; i < count; i++)
        v[1 + i] = iov[i];
    return send_iov(req, 0, v, 1 + count);
}

FSP_FUSE_EXPORT int fuse_reply_poll(fuse_req_t req, unsigned revents)
{
    struct fuse_poll_out out = {.revents = revents};
    return send_buf(req, &out, sizeof(out));
}

FSP_FUSE_EXPORT int fuse_reply_lseek(fuse_req_t req, off_t off)
{
    struct fuse_lseek_out out = {.offset = (uint64_t)off};
    return send_buf(req, &out, sizeof(out));
}

/* --- Directory entries ----------------------------------------------------------- */

FSP_FUSE_EXPORT size_t fuse_add_direntry(fuse_req_t req, char *buf, size_t bufsize,
                                         const char *name, const struct stat *stbuf, off_t off)
{
    (void)req;
    size_t namelen = strlen(name);
    size_t len = sizeof(struct fuse_dirent) + namelen;
    size_t padded = FUSE_DIRENT_SIZE(namelen);
    if (!buf || padded > bufsize)
        return padded;
    struct fuse_dirent *d = (struct fuse_dirent *)(void *)buf;
    d->ino = stbuf->st_ino;
    d->off = (uint64_t)off;
    d->namelen = (uint32_t)namelen;
    d->type = (stbuf->st_mode & S_IFMT) >> 12;
    memcpy(d->name, name, namelen);
    memset(buf + len, 0, padded - len);
    return padded;
}

FSP_FUSE_EXPORT size_t fuse_add_direntry_plus(fuse_req_t req, char *buf, size_t bufsize,
                                              const char *name, const struct fuse_entry_param *e,
                                              off_t off)
{
    (void)req;
    size_t namelen = strlen(name);
    size_t len = sizeof(struct fuse_direntplus) + namelen;
    size_t padded = FUSE_DIRENTPLUS_SIZE(namelen);
    if (!buf || padded > bufsize)
        return padded;
    struct fuse_direntplus *dp = (struct fuse_direntplus *)(void *)buf;
    fsp_fuse_fill_entry(&dp->entry_out, e);
    dp->dirent.ino = e->attr.st_ino;
    dp->dirent.off = (uint64_t)off;
    dp->dirent.namelen = (uint32_t)namelen;
    dp->dirent.type = (e->attr.st_mode & S_IFMT) >> 12;
    memcpy(dp->dirent.name, name, namelen);
    memset(buf + len, 0, padded - len);
    return padded;
}

/* --- The request ------------------------------------------------------------------ */

FSP_FUSE_EXPORT void *fuse_req_userdata(fuse_req_t req)
{
    return req->se->userdata;
}

FSP_FUSE_EXPORT const struct fuse_ctx *fuse_req_ctx(fuse_req_t req)
{
    return &req->ctx;
}

FSP_FUSE_EXPORT int fuse_req_getgroups(fuse_req_t req, int size, gid_t list[])
{
    struct fsp_proc_cred cred;
    int err = fsp_proc_cred_read(req->ctx.pid, &cred);
    if (err)
        return err;
    size_t room = size > 0 ? (size_t)size : 0;
    for (size_t i = 0; i < cred.ngroups && i < room; i++)
        list[i] = (gid_t)cred.groups[i];
    int count = (int)cred.ngroups;
    fsp_proc_cred_free(&cred);
    return count;
}

/* The session calls this when the kernel's INTERRUPT for the request comes
 * (or at once if it came first); the request stays valid meanwhile. */
static void run_interrupt_func(struct fsp_req *freq, void *data)
{
    struct fuse_req *req = data;
    req->ifunc(req, req->idata);
}

/* func and data are stored before the session is told (under its lock), so
 * the callback, which reads them after taking that lock, sees them whole.
 * Replacing a function while its callback is running is not supported (as
 * a file system registers one per request, that does not arise). */
FSP_FUSE_EXPORT void fuse_req_interrupt_func(fuse_req_t req, fuse_interrupt_func_t func, void *data)
{
    if (!req->fsp)
        return;
    if (!func) {
        fsp_req_on_interrupt(req->fsp, NULL, NULL);
        return;
    }
    req->ifunc = func;
    req->idata = data;
    fsp_req_on_interrupt(req->fsp, run_interrupt_func, req);
}

FSP_FUSE_EXPORT int fuse_req_interrupted(fuse_req_t req)
{
    return req->fsp ? fsp_req_interrupted(req->fsp) : 0;
}
