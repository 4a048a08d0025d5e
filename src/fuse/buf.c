/*
 * buf.c - fuse_buf_size / fuse_buf_copy: move data between memory buffers
 * and file descriptors (pread/pwrite when FUSE_BUF_FD_SEEK). FSP does not
 * splice; the splice flags are accepted and ignored.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuse/fuse_i.h"

FSP_FUSE_EXPORT size_t fuse_buf_size(const struct fuse_bufvec *bufv)
{
    size_t size = 0;
    for (size_t i = 0; i < bufv->count; i++) {
        if (bufv->buf[i].size == SIZE_MAX)
            return SIZE_MAX;
        size += bufv->buf[i].size;
    }
    return size;
}

static ssize_t fd_read(const struct fuse_buf *b, void *mem, size_t len, off_t off)
{
    ssize_t n;
    do
        n = (b->flags & FUSE_BUF_FD_SEEK) ? pread(b->fd, mem, len, b->pos + off)
                                          : read(b->fd, mem, len);
    while (n < 0 && errno == EINTR);
    return n < 0 ? -errno : n;
}

static ssize_t fd_write(const struct fuse_buf *b, const void *mem, size_t len, off_t off)
{
    ssize_t n;
    do
        n = (b->flags & FUSE_BUF_FD_SEEK) ? pwrite(b->fd, mem, len, b->pos + off)
                                          : write(b->fd, mem, len);
    while (n < 0 && errno == EINTR);
    return n < 0 ? -errno : n;
}

/* Move up to len bytes from src (at soff) to dst (at doff): a memory side
 * is addressed directly; with FD_RETRY an fd side loops until len or EOF. */
static ssize_t copy_one(const struct fuse_buf *dst, size_t doff, const struct fuse_buf *src,
                        size_t soff, size_t len)
{
    bool sfd = src->flags & FUSE_BUF_IS_FD, dfd = dst->flags & FUSE_BUF_IS_FD;
    if (!sfd && !dfd) {
        char *d = (char *)dst->mem + doff;
        const char *s = (const char *)src->mem + soff;
        if (d != s)
            memmove(d, s, len);
        return (ssize_t)len;
    }
    if (!dfd || !sfd) {
        size_t done = 0;
        const struct fuse_buf *fdb = sfd ? src : dst;
        bool retry = fdb->flags & FUSE_BUF_FD_RETRY;
        while (done < len) {
            ssize_t n =
                sfd ? fd_read(src, (char *)dst->mem + doff + done, len - done, (off_t)(soff + done))
                    : fd_write(dst, (const char *)src->mem + soff + done, len - done,
                               (off_t)(doff + done));
            if (n < 0)
                return done ? (ssize_t)done : n;
            if (n == 0)
                break;
            done += (size_t)n;
            if (!retry)
                break;
        }
        return (ssize_t)done;
    }
    /* fd to fd through a bounce buffer. */
    size_t chunk = len < 65536 ? len : 65536;
    char *tmp = malloc(chunk ? chunk : 1);
    if (!tmp)
        return -ENOMEM;
    size_t done = 0;
    ssize_t err = 0;
    while (done < len) {
        size_t want = len - done < chunk ? len - done : chunk;
        ssize_t n = fd_read(src, tmp, want, (off_t)(soff + done));
        if (n <= 0) {
            err = n;
            break;
        }
        struct fuse_buf mem = {.size = (size_t)n, .mem = tmp};
        ssize_t w = copy_one(dst, doff + done, &mem, 0, (size_t)n);
        if (w < 0) {
            err = w;
            break;
        }
        done += (size_t)w;
        if (w < n)
            break;
    }
    free(tmp);
    return done ? (ssize_t)done : err;
}

static const struct fuse_buf *cur(const struct fuse_bufvec *v)
{
    return v->idx < v->count ? &v->buf[v->idx] : NULL;
}

static bool advance(struct fuse_bufvec *v, size_t len)
{
    const struct fuse_buf *b = cur(v);
    if (!b)
        return false;
    v->off += len;
    if (v->off == b->size) {
        v->idx++;
        v->off = 0;
    }
    return true;
}

FSP_FUSE_EXPORT ssize_t fuse_buf_copy(struct fuse_bufvec *dstv, struct fuse_bufvec *srcv,
                                      enum fuse_buf_copy_flags flags)
{
    (void)flags;
    size_t copied = 0;
    if (dstv == srcv)
        return (ssize_t)fuse_buf_size(dstv);
    for (;;) {
        const struct fuse_buf *s = cur(srcv), *d = cur(dstv);
        if (!s || !d)
            break;
        size_t slen = s->size - srcv->off, dlen = d->size - dstv->off;
        size_t len = slen < dlen ? slen : dlen;
        ssize_t n = copy_one(d, dstv->off, s, srcv->off, len);
        if (n < 0)
            return copied ? (ssize_t)copied : n;
        copied += (size_t)n;
        if (!advance(srcv, (size_t)n) || !advance(dstv, (size_t)n))
            break;
        if ((size_t)n < len)
            break;
    }
    return (ssize_t)copied;
}
