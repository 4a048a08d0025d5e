/*
 * tests_rdwr.c - the rdwr_{cc,nc}_{write,read}_{page,large} tests: whole-file
 * passes of sequential pwrite or pread over a 4 MiB file, fsbench-rdwr, in
 * chunks of 1 page (page) or 16 pages (large).
 *
 * cc ("cached") uses the page cache; nc ("non-cached") opens the file with
 * O_DIRECT and uses page-aligned buffers, as FILE_FLAG_NO_BUFFERING does on
 * Windows. A file system that refuses O_DIRECT (EINVAL at open or at the
 * first aligned transfer) makes the nc tests unsupported.
 *
 * Setup (untimed) creates the file: write tests give it its size with
 * ftruncate (as SetEndOfFile does), read tests fill it with the data pattern.
 * The timed loop does count passes; thread t of n does its own range of
 * chunks in every pass. Teardown (untimed) writes back and drops the file's
 * cached pages, reads the file back through a plain descriptor and compares
 * it with the pattern, then removes it.
 */
#include "fsbench.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RDWR_FILE "fsbench-rdwr"

struct ctx {
    int fd;
    int write;
    size_t size, chunk;
    unsigned passes;
    const uint8_t *image; /* the pattern: what the file holds, or will */
    uint8_t **bufs;       /* each thread's read buffer */
};

static int work(void *arg, unsigned tid, unsigned n)
{
    struct ctx *c = arg;
    uint64_t begin, end;

    fsb_share(c->size / c->chunk, tid, n, &begin, &end);
    for (unsigned p = 0; p < c->passes; p++)
        for (uint64_t k = begin; k < end; k++) {
            off_t off = (off_t)(k * c->chunk);
            ssize_t done = c->write ? pwrite(c->fd, c->image + off, c->chunk, off)
                                    : pread(c->fd, c->bufs[tid], c->chunk, off);
            if (done < 0)
                return fsb_fail("%s at %lld:", c->write ? "pwrite" : "pread", (long long)off);
            if ((size_t)done != c->chunk)
                return fsb_fail("short %s at %lld: %zd bytes", c->write ? "pwrite" : "pread",
                                (long long)off, done);
        }
    return 0;
}

static void *alloc_aligned(size_t align, size_t size)
{
    void *p = NULL;

    return posix_memalign(&p, align, size) == 0 ? p : NULL;
}

/* Makes the file: with data (the pattern) or empty with the given size. */
static int make_file(const struct ctx *c)
{
    int fd = open(RDWR_FILE, O_CREAT | O_EXCL | O_WRONLY, 0644);
    if (fd < 0)
        return fsb_fail("setup: create " RDWR_FILE ":");
    int rc = c->write ? ftruncate(fd, (off_t)c->size) : fsb_write_all(fd, c->image, c->size);
    if (rc < 0)
        fsb_fail("setup: %s " RDWR_FILE ":", c->write ? "ftruncate" : "write");
    close(fd);
    return rc;
}

/* Tries one aligned transfer outside the timed loop: -2 if O_DIRECT I/O is
 * refused (EINVAL), -1 on another error. */
static int probe_direct(const struct ctx *c)
{
    ssize_t n =
        c->write ? pwrite(c->fd, c->image, c->chunk, 0) : pread(c->fd, c->bufs[0], c->chunk, 0);
    if (n < 0 && errno == EINVAL)
        return -2;
    if (n < 0)
        return fsb_fail("setup: O_DIRECT %s:", c->write ? "pwrite" : "pread");
    return 0;
}

/* Reads the file back through a plain descriptor and compares it. */
static int verify(const struct ctx *c)
{
    const char *path = RDWR_FILE;
    uint8_t *back = malloc(c->size);
    int rc = -1;

    if (back == NULL)
        return fsb_fail("out of memory");
    if (fsb_empty_cache(&path, 1) < 0)
        goto out;
    int fd = open(RDWR_FILE, O_RDONLY);
    if (fd < 0) {
        fsb_fail("verify: open " RDWR_FILE ":");
        goto out;
    }
    if (fsb_read_all(fd, back, c->size) < 0)
        fsb_fail("verify: read " RDWR_FILE ":");
    else if (memcmp(back, c->image, c->size) != 0)
        fsb_fail("verify: " RDWR_FILE " does not hold the data written");
    else
        rc = 0;
    close(fd);
out:
    free(back);
    return rc;
}

static enum fsb_status run(const struct fsb_opts *o, double *seconds, int write, int direct,
                           size_t pages)
{
    struct ctx c = {-1,   write, o->rdwr_size, pages * o->page, direct ? o->rdwr_nc : o->rdwr_cc,
                    NULL, NULL};
    enum fsb_status status = FSB_ERROR;
    const char *path = RDWR_FILE;
    uint8_t *image = alloc_aligned(o->page, c.size);
    int made = 0;

    c.image = image;
    c.bufs = calloc(o->threads, sizeof(*c.bufs));
    if (image == NULL || c.bufs == NULL)
        goto nomem;
    for (unsigned t = 0; t < o->threads; t++)
        if ((c.bufs[t] = alloc_aligned(o->page, c.chunk)) == NULL)
            goto nomem;
    fsb_fill_pattern(image, c.size);

    if (make_file(&c) < 0)
        goto out;
    made = 1;
    c.fd = open(RDWR_FILE, (write ? O_WRONLY : O_RDONLY) | (direct ? O_DIRECT : 0));
    if (c.fd < 0 && direct && errno == EINVAL) {
        status = FSB_UNSUPPORTED;
        goto out;
    }
    if (c.fd < 0) {
        fsb_fail("open " RDWR_FILE ":");
        goto out;
    }
    if (direct) {
        int rc = probe_direct(&c);
        if (rc < 0) {
            status = rc == -2 ? FSB_UNSUPPORTED : FSB_ERROR;
            goto out;
        }
    }
    if (o->empty_cache && fsb_empty_cache(&path, 1) < 0)
        goto out;
    *seconds = fsb_run_threads(o->threads, work, &c);
    if (*seconds >= 0 && verify(&c) == 0)
        status = FSB_OK;
    goto out;
nomem:
    fsb_fail("out of memory");
out:
    if (c.fd >= 0)
        close(c.fd);
    if (made && unlink(RDWR_FILE) < 0) {
        fsb_fail("unlink " RDWR_FILE ":");
        status = FSB_ERROR;
    }
    if (c.bufs != NULL)
        for (unsigned t = 0; t < o->threads; t++)
            free(c.bufs[t]);
    free(c.bufs);
    free(image);
    return status;
}

enum fsb_status fsb_rdwr_cc_write_page(const struct fsb_opts *o, double *seconds)
{
    return run(o, seconds, 1, 0, 1);
}

enum fsb_status fsb_rdwr_cc_read_page(const struct fsb_opts *o, double *seconds)
{
    return run(o, seconds, 0, 0, 1);
}

enum fsb_status fsb_rdwr_cc_write_large(const struct fsb_opts *o, double *seconds)
{
    return run(o, seconds, 1, 0, 16);
}

enum fsb_status fsb_rdwr_cc_read_large(const struct fsb_opts *o, double *seconds)
{
    return run(o, seconds, 0, 0, 16);
}

enum fsb_status fsb_rdwr_nc_write_page(const struct fsb_opts *o, double *seconds)
{
    return run(o, seconds, 1, 1, 1);
}

enum fsb_status fsb_rdwr_nc_read_page(const struct fsb_opts *o, double *seconds)
{
    return run(o, seconds, 0, 1, 1);
}

enum fsb_status fsb_rdwr_nc_write_large(const struct fsb_opts *o, double *seconds)
{
    return run(o, seconds, 1, 1, 16);
}

enum fsb_status fsb_rdwr_nc_read_large(const struct fsb_opts *o, double *seconds)
{
    return run(o, seconds, 0, 1, 16);
}
