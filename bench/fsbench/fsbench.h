/*
 * fsbench.h - shared declarations of fsbench, a POSIX port of the tests of
 * WinFsp's fsbench.
 *
 * fsbench runs in the current directory (a mounted file system under test).
 * Every test is self-contained: an untimed setup makes the files it needs, a
 * timed loop does the work (split across --threads threads), and an untimed
 * teardown checks the results and removes every file the test made.
 */
#ifndef FSBENCH_H
#define FSBENCH_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stddef.h>
#include <stdint.h>

/* Parameters; the defaults are WinFsp fsbench's. */
struct fsb_opts {
    unsigned files;   /* --files: files per file_* test */
    unsigned open;    /* --open: passes of file_open/attr/list_single/list_none */
    unsigned list;    /* --list: directory listings of file_list */
    unsigned rdwr_cc; /* --rdwr-cc: whole-file passes of rdwr_cc_* */
    unsigned rdwr_nc; /* --rdwr-nc: whole-file passes of rdwr_nc_* (O_DIRECT) */
    unsigned mmap;    /* --mmap: whole-file passes of mmap_* */
    unsigned threads; /* --threads: threads sharing each test's loop */
    int empty_cache;  /* --empty-cache: flush and drop cached data before each loop */
    size_t rdwr_size; /* size of the rdwr_* file (4 MiB) */
    size_t mmap_size; /* size of the mmap_* file (4 MiB) */
    size_t page;      /* the system page size */
};

/* What a test returns. */
enum fsb_status {
    FSB_OK = 0,
    FSB_ERROR = 1,       /* a call failed or a result was wrong (details on stderr) */
    FSB_UNSUPPORTED = 2, /* the file system lacks what the test needs (O_DIRECT) */
};

struct fsb_test {
    const char *name;
    /* Runs the test; on FSB_OK stores the timed loop's wall time in *seconds. */
    enum fsb_status (*run)(const struct fsb_opts *o, double *seconds);
};

/* A timed loop's body: thread tid of nthreads does its share of the work on
 * ctx. Returns 0, or -1 after reporting the failure with fsb_fail. */
typedef int (*fsb_work_fn)(void *ctx, unsigned tid, unsigned nthreads);

/* common.c */
/* The name of the running test, for messages. */
void fsb_set_current_test(const char *name);
/* Prints "fsbench: <test>: <message>[: strerror(errno)]" and returns -1. The
 * errno suffix is added when the message ends with ':'. */
int fsb_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The share [*begin, *end) of total items that thread tid of n works on. */
void fsb_share(uint64_t total, unsigned tid, unsigned n, uint64_t *begin, uint64_t *end);
/* --empty-cache: writes back the file system holding the current directory
 * (syncfs) and, for each given file, drops its cached pages (fdatasync, then
 * posix_fadvise DONTNEED). */
int fsb_empty_cache(const char *const *paths, unsigned npaths);
/* The byte that the data files hold at offset off: it differs between
 * neighbouring pages, so a page read or written at the wrong offset shows. */
static inline uint8_t fsb_pattern(uint64_t off)
{
    return (uint8_t)(off + (off >> 12) * 37 + 1);
}
/* Fills buf with the pattern of a file's first size bytes. */
void fsb_fill_pattern(uint8_t *buf, size_t size);
/* Writes size bytes of buf to fd from offset 0, with no short writes. */
int fsb_write_all(int fd, const uint8_t *buf, size_t size);
/* Reads size bytes at offset 0 of fd into buf; -1 on error or a short file. */
int fsb_read_all(int fd, uint8_t *buf, size_t size);

/* runner.c */
/* Runs fn on nthreads threads started together and returns the wall time
 * (CLOCK_MONOTONIC) from their common start until the last one ends, or a
 * negative value if any of them failed. */
double fsb_run_threads(unsigned nthreads, fsb_work_fn fn, void *ctx);

/* The tests, in WinFsp fsbench's order. */
enum fsb_status fsb_file_create(const struct fsb_opts *o, double *seconds);
enum fsb_status fsb_file_open(const struct fsb_opts *o, double *seconds);
enum fsb_status fsb_file_overwrite(const struct fsb_opts *o, double *seconds);
enum fsb_status fsb_file_attr(const struct fsb_opts *o, double *seconds);
enum fsb_status fsb_file_list(const struct fsb_opts *o, double *seconds);
enum fsb_status fsb_file_list_single(const struct fsb_opts *o, double *seconds);
enum fsb_status fsb_file_list_none(const struct fsb_opts *o, double *seconds);
enum fsb_status fsb_file_delete(const struct fsb_opts *o, double *seconds);
enum fsb_status fsb_file_mkdir(const struct fsb_opts *o, double *seconds);
enum fsb_status fsb_file_rmdir(const struct fsb_opts *o, double *seconds);

enum fsb_status fsb_rdwr_cc_write_page(const struct fsb_opts *o, double *seconds);
enum fsb_status fsb_rdwr_cc_read_page(const struct fsb_opts *o, double *seconds);
enum fsb_status fsb_rdwr_cc_write_large(const struct fsb_opts *o, double *seconds);
enum fsb_status fsb_rdwr_cc_read_large(const struct fsb_opts *o, double *seconds);
enum fsb_status fsb_rdwr_nc_write_page(const struct fsb_opts *o, double *seconds);
enum fsb_status fsb_rdwr_nc_read_page(const struct fsb_opts *o, double *seconds);
enum fsb_status fsb_rdwr_nc_write_large(const struct fsb_opts *o, double *seconds);
enum fsb_status fsb_rdwr_nc_read_large(const struct fsb_opts *o, double *seconds);

enum fsb_status fsb_mmap_write(const struct fsb_opts *o, double *seconds);
enum fsb_status fsb_mmap_read(const struct fsb_opts *o, double *seconds);

#endif /* FSBENCH_H */
