/*
 * tests_mmap.c - the mmap_write and mmap_read tests: whole-file passes over a
 * 4 MiB file, fsbench-mmap, mapped shared.
 *
 * mmap_write writes zeros to every byte (memset, one call per pass) and ends
 * with msync(MS_SYNC); mmap_read sums every byte. Thread t of n works on its
 * own range of pages in every pass, and msyncs that range.
 *
 * Setup (untimed) fills the file with the data pattern and maps it; the
 * mapping is made once, outside the timed loop. Teardown (untimed) checks
 * the result: mmap_read's sum must be the pattern's sum times the passes,
 * and after mmap_write the file read back through read() must be all zeros.
 */
#include "fsbench.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MMAP_FILE "fsbench-mmap"

struct ctx {
    uint8_t *map;
    size_t size, page;
    unsigned passes;
    int write;
    uint64_t *sums; /* each thread's sum (mmap_read) */
};

/* Keeps the compiler from merging or dropping passes over the mapping. */
#define BARRIER() __asm__ __volatile__("" ::: "memory")

/* Sums len bytes (a multiple of 8), eight at a time: each 64-bit word adds
 * its bytes into four 16-bit lanes, which are folded into the total every
 * 128 words, before they can overflow. A plain byte loop is not vectorized
 * by GCC at -O2 and would let the summing, not the file system, dominate. */
static uint64_t sum_bytes(const uint8_t *p, size_t len)
{
    const uint64_t even = 0x00ff00ff00ff00ffULL;
    uint64_t sum = 0;

    for (size_t i = 0; i < len;) {
        size_t stop = len - i > 8 * 128 ? i + 8 * 128 : len;
        uint64_t lanes = 0;
        for (; i < stop; i += 8) {
            uint64_t w;
            memcpy(&w, p + i, sizeof(w));
            lanes += (w & even) + ((w >> 8) & even);
        }
        sum += (lanes & 0xffff) + (lanes >> 16 & 0xffff) + (lanes >> 32 & 0xffff) + (lanes >> 48);
    }
    return sum;
}

static int work(void *arg, unsigned tid, unsigned n)
{
    struct ctx *c = arg;
    uint64_t begin, end;

    fsb_share(c->size / c->page, tid, n, &begin, &end);
    uint8_t *p = c->map + begin * c->page;
    size_t len = (size_t)(end - begin) * c->page;
    if (len == 0)
        return 0;
    if (c->write) {
        for (unsigned pass = 0; pass < c->passes; pass++) {
            memset(p, 0, len);
            BARRIER();
        }
        if (msync(p, len, MS_SYNC) < 0)
            return fsb_fail("msync:");
    } else {
        uint64_t sum = 0;
        for (unsigned pass = 0; pass < c->passes; pass++) {
            sum += sum_bytes(p, len);
            BARRIER();
        }
        c->sums[tid] = sum;
    }
    return 0;
}

static int make_file(const uint8_t *image, size_t size)
{
    int fd = open(MMAP_FILE, O_CREAT | O_EXCL | O_WRONLY, 0644);
    if (fd < 0)
        return fsb_fail("setup: create " MMAP_FILE ":");
    int rc = fsb_write_all(fd, image, size);
    if (rc < 0)
        fsb_fail("setup: write " MMAP_FILE ":");
    close(fd);
    return rc;
}

static int check(const struct ctx *c, const uint8_t *image, unsigned nthreads)
{
    if (!c->write) {
        uint64_t want = 0, got = 0;
        for (size_t i = 0; i < c->size; i++)
            want += image[i];
        want *= c->passes;
        for (unsigned t = 0; t < nthreads; t++)
            got += c->sums[t];
        if (got != want)
            return fsb_fail("sum of the bytes read is %llu, not %llu", (unsigned long long)got,
                            (unsigned long long)want);
        return 0;
    }
    const char *path = MMAP_FILE;
    uint8_t *back = malloc(c->size);
    int rc = -1;
    if (back == NULL)
        return fsb_fail("out of memory");
    if (fsb_empty_cache(&path, 1) == 0) {
        int fd = open(MMAP_FILE, O_RDONLY);
        if (fd < 0)
            fsb_fail("verify: open " MMAP_FILE ":");
        else if (fsb_read_all(fd, back, c->size) < 0)
            fsb_fail("verify: read " MMAP_FILE ":");
        else if (back[0] != 0 || memcmp(back, back + 1, c->size - 1) != 0)
            fsb_fail("verify: " MMAP_FILE " is not all zeros after mmap_write");
        else
            rc = 0;
        if (fd >= 0)
            close(fd);
    }
    free(back);
    return rc;
}

static enum fsb_status run(const struct fsb_opts *o, double *seconds, int write)
{
    struct ctx c = {MAP_FAILED, o->mmap_size, o->page, o->mmap, write, NULL};
    enum fsb_status status = FSB_ERROR;
    const char *path = MMAP_FILE;
    uint8_t *image = malloc(c.size);
    int made = 0, fd = -1;

    c.sums = calloc(o->threads, sizeof(*c.sums));
    if (image == NULL || c.sums == NULL) {
        fsb_fail("out of memory");
        goto out;
    }
    fsb_fill_pattern(image, c.size);
    if (make_file(image, c.size) < 0)
        goto out;
    made = 1;
    if (o->empty_cache && fsb_empty_cache(&path, 1) < 0)
        goto out;
    fd = open(MMAP_FILE, write ? O_RDWR : O_RDONLY);
    if (fd < 0) {
        fsb_fail("open " MMAP_FILE ":");
        goto out;
    }
    c.map = mmap(NULL, c.size, write ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED, fd, 0);
    if (c.map == MAP_FAILED) {
        fsb_fail("mmap " MMAP_FILE ":");
        goto out;
    }
    *seconds = fsb_run_threads(o->threads, work, &c);
    munmap(c.map, c.size);
    close(fd);
    fd = -1;
    if (*seconds >= 0 && check(&c, image, o->threads) == 0)
        status = FSB_OK;
out:
    if (fd >= 0)
        close(fd);
    if (made && unlink(MMAP_FILE) < 0) {
        fsb_fail("unlink " MMAP_FILE ":");
        status = FSB_ERROR;
    }
    free(c.sums);
    free(image);
    return status;
}

enum fsb_status fsb_mmap_write(const struct fsb_opts *o, double *seconds)
{
    return run(o, seconds, 1);
}

enum fsb_status fsb_mmap_read(const struct fsb_opts *o, double *seconds)
{
    return run(o, seconds, 0);
}
