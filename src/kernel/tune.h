/*
 * tune.h - FSP_TUNE, the knobs a benchmark turns to measure one setting of
 * the kernel session on and off without rebuilding the file system:
 *
 *   FSP_TUNE=threads=2,max_write=128K,readdirplus=0,parallel_dirops=0
 *
 *   threads=N          worker threads reading /dev/fuse (1..256)
 *   max_write=BYTES    largest READ/WRITE payload (4K..16M; K and M suffixes);
 *                      the kernel's max_pages follows it
 *   readdirplus=0|1    0: never READDIRPLUS (plain READDIR, then LOOKUPs)
 *   parallel_dirops=0|1 0: the kernel serialises lookups and readdirs of a
 *                      directory
 *
 * A knob given overrides what the file system asked for; a knob left out
 * changes nothing. 1 for a flag leaves the file system's choice as it is.
 */
#ifndef FSP_KERNEL_TUNE_H
#define FSP_KERNEL_TUNE_H

#include <stdint.h>

struct fsp_tune {
    unsigned threads;   /* 0: not given */
    uint32_t max_write; /* 0: not given */
    uint64_t want_off;  /* INIT flags never to ask for */
};

/* Parse SPEC into T (zeroed first). Returns 0, or -1 with *bad pointing at
 * the first item that is not understood (T is then all zero). */
int fsp_tune_parse(const char *spec, struct fsp_tune *t, const char **bad);

#endif
