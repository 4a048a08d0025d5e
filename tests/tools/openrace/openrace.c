/*
 * openrace - opens racing the deletion and re-creation of the same name:
 * `openrace DIR SECONDS [READERS [WRITERS]]`.
 *
 * Readers open DIR/f, read all of it through the descriptor (twice, the
 * second time after yielding, when the name may well be gone) and close.
 * Writers make each new incarnation of f under a private name, write it
 * whole, then either unlink f and rename the new file to f, or (three times
 * in four) rename it over f directly (a replacement). Every incarnation records its own inode
 * number, its size and a generation that seeds its bytes, so a reader can
 * tell that what its descriptor reads is exactly the file it opened: an
 * adapter that opened another incarnation under the old inode, or let the
 * file go from under a descriptor, shows here as a mismatch.
 *
 * What a file system must not see meanwhile (a legacy volume's delete of a
 * file open elsewhere) is for the caller to check in its log. Exits 0 when
 * every read matched and both sides made progress; 1 otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAGIC    0x6563617236707366ull /* "fsp6race" */
#define MAX_SIZE 40000
#define MAX_THR  32

struct header {
    uint64_t magic, gen, ino, size;
};

static const char *dir;
static struct timespec deadline;
static atomic_uint_fast64_t next_gen = 1;
static atomic_long opened, vanished, unlinked, replaced, made, bad;

static uint8_t pattern(uint64_t gen, size_t i)
{
    return (uint8_t)(gen * 131 + i * 7 + (i >> 8));
}

static bool time_left(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec < deadline.tv_sec ||
           (now.tv_sec == deadline.tv_sec && now.tv_nsec < deadline.tv_nsec);
}

static void report(const char *what, const char *path, int err)
{
    atomic_fetch_add(&bad, 1);
    fprintf(stderr, "openrace: %s %s: %s\n", what, path, err ? strerror(err) : "mismatch");
}

/* Read all of fd from offset 0 and check it is the incarnation whose inode
 * fstat shows. */
static void verify(int fd, const char *path, uint8_t *buf)
{
    struct stat st;
    if (fstat(fd, &st) != 0) {
        report("fstat", path, errno);
        return;
    }
    size_t got = 0;
    for (;;) {
        ssize_t n = pread(fd, buf + got, MAX_SIZE + 1 - got, (off_t)got);
        if (n < 0) {
            report("read", path, errno);
            return;
        }
        if (n == 0 || got + (size_t)n > MAX_SIZE)
            break;
        got += (size_t)n;
    }
    struct header h;
    if (got < sizeof h) {
        fprintf(stderr, "openrace: %s: %zu bytes, no header\n", path, got);
        report("content of", path, 0);
        return;
    }
    memcpy(&h, buf, sizeof h);
    bool ok = h.magic == MAGIC && h.ino == (uint64_t)st.st_ino && h.size == got &&
              (uint64_t)st.st_size == got;
    for (size_t i = sizeof h; ok && i < got; i++)
        ok = buf[i] == pattern(h.gen, i);
    if (!ok) {
        fprintf(stderr,
                "openrace: %s: read %zu bytes of generation %" PRIu64 " (inode %" PRIu64
                ", size %" PRIu64 ") through a descriptor of inode %ju, size %jd\n",
                path, got, h.gen, h.ino, h.size, (uintmax_t)st.st_ino, (intmax_t)st.st_size);
        report("content of", path, 0);
    }
}

static void *reader(void *arg)
{
    char path[4096];
    uint8_t *buf = malloc(MAX_SIZE + 1);
    (void)arg;
    if (!buf) {
        report("malloc for", dir, ENOMEM);
        return NULL;
    }
    snprintf(path, sizeof path, "%s/f", dir);
    while (time_left()) {
        int fd = open(path, O_RDONLY);
        if (fd < 0) {
            if (errno == ENOENT)
                atomic_fetch_add(&vanished, 1);
            else
                report("open", path, errno);
            continue;
        }
        atomic_fetch_add(&opened, 1);
        verify(fd, path, buf);
        sched_yield(); /* let the writers take the name meanwhile */
        verify(fd, path, buf);
        close(fd);
    }
    free(buf);
    return NULL;
}

/* One incarnation, complete, under the private name tmp. */
static bool make_file(const char *tmp, uint8_t *buf)
{
    uint64_t gen = atomic_fetch_add(&next_gen, 1);
    size_t size = sizeof(struct header) + (size_t)(gen * 7919 % (MAX_SIZE - 64));
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0644);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        report("create", tmp, errno);
        if (fd >= 0)
            close(fd);
        return false;
    }
    struct header h = {MAGIC, gen, (uint64_t)st.st_ino, size};
    memcpy(buf, &h, sizeof h);
    for (size_t i = sizeof h; i < size; i++)
        buf[i] = pattern(gen, i);
    bool ok = write(fd, buf, size) == (ssize_t)size;
    if (!ok)
        report("write", tmp, errno);
    if (close(fd) != 0 && ok) {
        report("close", tmp, errno);
        ok = false;
    }
    return ok;
}

static void *writer(void *arg)
{
    char path[4096], tmp[4096];
    uint8_t *buf = malloc(MAX_SIZE);
    unsigned turn = 0;
    if (!buf) {
        report("malloc for", dir, ENOMEM);
        return NULL;
    }
    snprintf(path, sizeof path, "%s/f", dir);
    snprintf(tmp, sizeof tmp, "%s/w%ju.tmp", dir, (uintmax_t)(uintptr_t)arg);
    while (time_left() && make_file(tmp, buf)) {
        /* One time in four the name goes first (unlink, then a new file
         * takes it); else the new file replaces the old one in one rename,
         * so that the name mostly exists and the readers' opens reach the
         * file system rather than a cached absence. */
        if (turn++ % 4 == 0) {
            if (unlink(path) == 0)
                atomic_fetch_add(&unlinked, 1);
            else if (errno != ENOENT)
                report("unlink", path, errno);
        } else if (access(path, F_OK) == 0)
            atomic_fetch_add(&replaced, 1);
        if (rename(tmp, path) != 0) {
            report("rename to", path, errno);
            unlink(tmp);
            break;
        }
        atomic_fetch_add(&made, 1);
    }
    free(buf);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 5) {
        fprintf(stderr, "usage: openrace DIR SECONDS [READERS [WRITERS]]\n");
        return 2;
    }
    dir = argv[1];
    int secs = atoi(argv[2]), nr = argc > 3 ? atoi(argv[3]) : 4, nw = argc > 4 ? atoi(argv[4]) : 4;
    if (secs <= 0 || nr <= 0 || nw <= 0 || nr + nw > MAX_THR) {
        fprintf(stderr, "openrace: bad arguments\n");
        return 2;
    }
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += secs;

    pthread_t thr[MAX_THR];
    int n = 0;
    for (int i = 0; i < nw; i++)
        if (pthread_create(&thr[n], NULL, writer, (void *)(uintptr_t)i) == 0)
            n++;
    for (int i = 0; i < nr; i++)
        if (pthread_create(&thr[n], NULL, reader, NULL) == 0)
            n++;
    for (int i = 0; i < n; i++)
        pthread_join(thr[i], NULL);

    char path[4096];
    snprintf(path, sizeof path, "%s/f", dir);
    if (unlink(path) != 0 && errno != ENOENT)
        report("final unlink", path, errno);
    printf("openrace: %ld opens (%ld found no file), %ld incarnations, %ld after an unlink, "
           "%ld replacing one\n",
           atomic_load(&opened), atomic_load(&vanished), atomic_load(&made), atomic_load(&unlinked),
           atomic_load(&replaced));
    if (n != nr + nw || atomic_load(&opened) == 0 || atomic_load(&unlinked) == 0 ||
        atomic_load(&replaced) == 0) {
        fprintf(stderr, "openrace: the race did not run (%d threads)\n", n);
        return 1;
    }
    return atomic_load(&bad) ? 1 : 0;
}
