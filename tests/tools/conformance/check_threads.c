/*
 * check_threads.c - concurrent writers on one file: distinct regions through
 * one descriptor, and appenders each with its own O_APPEND descriptor.
 *
 * Threads only do I/O and count; the main thread reports, so the transcript
 * order does not depend on scheduling.
 */
#include "conf.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NTHREADS 4
#define REGION   (1024 * 1024)
#define PIECE    (16 * 1024)

static pthread_barrier_t start;

struct region_arg {
    int fd, t, errors;
};

/* Pieces are written in an order that differs per thread, so that the
 * threads' writes interleave at the file system rather than run in turn. */
static void *region_writer(void *p)
{
    struct region_arg *a = p;
    char *data = malloc(REGION);
    if (!data)
        abort();
    fill_pattern(data, REGION, 100 + (uint64_t)a->t);
    pthread_barrier_wait(&start);
    const int npieces = REGION / PIECE;
    for (int k = 0; k < npieces; k++) {
        int piece = (k * 7 + a->t * 5) % npieces; /* 7 is coprime to 64 */
        off_t off = (off_t)a->t * REGION + (off_t)piece * PIECE;
        if (pwrite_full(a->fd, data + piece * PIECE, PIECE, off) != PIECE)
            a->errors++;
    }
    free(data);
    return NULL;
}

void check_threads_regions(void)
{
    pthread_t th[NTHREADS];
    struct region_arg args[NTHREADS];
    int fd = OK(open("r", O_CREAT | O_EXCL | O_RDWR, 0644));
    if (fd < 0)
        return;
    pthread_barrier_init(&start, NULL, NTHREADS);
    for (int t = 0; t < NTHREADS; t++) {
        args[t] = (struct region_arg){fd, t, 0};
        pthread_create(&th[t], NULL, region_writer, &args[t]);
    }
    int errors = 0;
    for (int t = 0; t < NTHREADS; t++) {
        pthread_join(th[t], NULL);
        errors += args[t].errors;
    }
    pthread_barrier_destroy(&start);
    ck_eq("failed writes", errors, 0);
    OK(close(fd));
    expect_stat("r", S_IFREG, 0644, 1, (long long)NTHREADS * REGION);

    char *got = malloc(REGION), *want = malloc(REGION);
    if (!got || !want)
        abort();
    fd = OK(open("r", O_RDONLY));
    for (int t = 0; t < NTHREADS; t++) {
        char what[48];
        fill_pattern(want, REGION, 100 + (uint64_t)t);
        ssize_t n = pread_full(fd, got, REGION, (off_t)t * REGION);
        snprintf(what, sizeof what, "region %d intact", t);
        ck_yes(what, n == REGION && !memcmp(got, want, REGION));
    }
    OK(close(fd));
    free(got);
    free(want);
}

#define RECORDS 500
#define RECLEN  128

/* A record names its writer and sequence number and carries a filler that
 * depends on both, ending in a newline: torn or interleaved records show. */
static void make_record(char *r, int t, int seq)
{
    int n = snprintf(r, RECLEN, "t=%d seq=%04d ", t, seq);
    for (int i = n; i < RECLEN - 1; i++)
        r[i] = (char)('a' + (t * 7 + seq * 3 + i) % 26);
    r[RECLEN - 1] = '\n';
}

struct append_arg {
    int t, errors;
};

static void *appender(void *p)
{
    struct append_arg *a = p;
    char rec[RECLEN];
    int fd = open("log", O_WRONLY | O_APPEND);
    if (fd < 0) {
        a->errors = RECORDS;
        pthread_barrier_wait(&start);
        return NULL;
    }
    pthread_barrier_wait(&start);
    for (int seq = 0; seq < RECORDS; seq++) {
        make_record(rec, a->t, seq);
        if (write(fd, rec, RECLEN) != RECLEN)
            a->errors++;
    }
    close(fd);
    return NULL;
}

void check_threads_append(void)
{
    pthread_t th[NTHREADS];
    struct append_arg args[NTHREADS];
    int fd = OK(open("log", O_CREAT | O_EXCL | O_WRONLY, 0644));
    if (fd < 0)
        return;
    OK(close(fd));
    pthread_barrier_init(&start, NULL, NTHREADS);
    for (int t = 0; t < NTHREADS; t++) {
        args[t] = (struct append_arg){t, 0};
        pthread_create(&th[t], NULL, appender, &args[t]);
    }
    int errors = 0;
    for (int t = 0; t < NTHREADS; t++) {
        pthread_join(th[t], NULL);
        errors += args[t].errors;
    }
    pthread_barrier_destroy(&start);
    ck_eq("failed appends", errors, 0);
    const size_t total = (size_t)NTHREADS * RECORDS * RECLEN;
    expect_stat("log", S_IFREG, 0644, 1, (long long)total);

    /* Every record whole, each exactly once, each writer's in its order. */
    char *data = malloc(total + 1), rec[RECLEN];
    if (!data)
        abort();
    ssize_t n = slurp("log", data, total + 1);
    ck_eq("bytes read", n, (long long)total);
    int next[NTHREADS] = {0}, intact = 0, torn = 0, misordered = 0;
    for (size_t off = 0; n > 0 && off + RECLEN <= (size_t)n; off += RECLEN) {
        int t, seq;
        if (sscanf(data + off, "t=%d seq=%d ", &t, &seq) != 2 || t < 0 || t >= NTHREADS ||
            seq < 0 || seq >= RECORDS) {
            torn++;
            continue;
        }
        make_record(rec, t, seq);
        if (memcmp(rec, data + off, RECLEN) != 0) {
            torn++;
            continue;
        }
        intact++;
        if (seq != next[t])
            misordered++;
        next[t] = seq + 1;
    }
    ck_eq("intact records", intact, NTHREADS * RECORDS);
    ck_eq("torn or interleaved records", torn, 0);
    ck_eq("records out of their writer's order", misordered, 0);
    free(data);
}
