/*
 * check_big.c - a 256 MiB file written in 1 MiB chunks and read back.
 *
 * Chunk i holds the pattern of seed i, so data that lands in the wrong place
 * is caught, not only data that is lost. The file is read back twice:
 * sequentially in whole chunks, and at odd offsets that straddle chunks.
 */
#include "conf.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK  (1024 * 1024)
#define NCHUNK 256

/* The expected bytes [off, off + n) of the file (n <= CHUNK). */
static void expected(char *out, off_t off, size_t n, char *scratch)
{
    while (n) {
        size_t i = (size_t)(off / CHUNK), in = (size_t)(off % CHUNK);
        size_t k = CHUNK - in < n ? CHUNK - in : n;
        fill_pattern(scratch, CHUNK, i);
        memcpy(out, scratch + in, k);
        out += k;
        off += (off_t)k;
        n -= k;
    }
}

void check_bigfile(void)
{
    char *buf = malloc(CHUNK), *want = malloc(CHUNK), *scratch = malloc(CHUNK);
    if (!buf || !want || !scratch)
        abort();
    uint64_t wsum = 0xcbf29ce484222325ULL, rsum = wsum;

    int fd = OK(open("big", O_CREAT | O_EXCL | O_WRONLY, 0644));
    int written = 0;
    for (int i = 0; fd >= 0 && i < NCHUNK; i++) {
        fill_pattern(buf, CHUNK, (uint64_t)i);
        wsum = csum_update(wsum, buf, CHUNK);
        ssize_t r = write(fd, buf, CHUNK);
        if (r != CHUNK) {
            failf("write of chunk %d = %zd %s", i, r, r < 0 ? errname(errno) : "(short)");
            break;
        }
        written++;
    }
    ck_eq("chunks written", written, NCHUNK);
    note("csum written = %016llx", (unsigned long long)wsum);
    OK(fsync(fd));
    OK(close(fd));
    expect_stat("big", S_IFREG, 0644, 1, (long long)NCHUNK * CHUNK);

    fd = OK(open("big", O_RDONLY));
    int bad = 0, got = 0;
    for (int i = 0; fd >= 0 && i < NCHUNK; i++) {
        ssize_t r = pread_full(fd, buf, CHUNK, (off_t)i * CHUNK);
        if (r != CHUNK) {
            failf("read of chunk %d = %zd %s", i, r, r < 0 ? errname(errno) : "(short)");
            break;
        }
        got++;
        rsum = csum_update(rsum, buf, CHUNK);
        fill_pattern(want, CHUNK, (uint64_t)i);
        if (memcmp(buf, want, CHUNK) != 0 && bad++ == 0)
            note("first bad chunk = %d", i);
    }
    ck_eq("chunks read", got, NCHUNK);
    ck_eq("chunks differing from what was written", bad, 0);
    note("csum read = %016llx", (unsigned long long)rsum);
    ck_yes("read csum equals written csum", rsum == wsum);
    char tail;
    VAL(pread(fd, &tail, 1, (off_t)NCHUNK * CHUNK), 0);

    /* Odd sizes at odd offsets, many straddling a chunk boundary. */
    int odd_bad = 0;
    for (int j = 0; fd >= 0 && j < 64; j++) {
        off_t off = (off_t)j * 4 * CHUNK + (CHUNK - 777) + j * 13;
        size_t n = 5000 + (size_t)j * 111;
        if (pread_full(fd, buf, n, off) != (ssize_t)n) {
            odd_bad++;
            continue;
        }
        expected(want, off, n, scratch);
        odd_bad += memcmp(buf, want, n) != 0;
    }
    ck_eq("odd-offset reads differing", odd_bad, 0);
    if (fd >= 0)
        OK(close(fd));
    OK(unlink("big"));
    free(buf);
    free(want);
    free(scratch);
}
