/*
 * check_mmap.c - shared and private mappings against read(2)/write(2).
 */
#include "conf.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MAPLEN (4 * 4096)

static char *map(int fd, int prot, int flags, const char *what)
{
    errno = 0;
    void *p = mmap(NULL, MAPLEN, prot, flags, fd, 0);
    if (p == MAP_FAILED) {
        note("%s = -1 %s", what, errname(errno));
        failf("%s: %s", what, errname(errno));
        return NULL;
    }
    note("%s = ok", what);
    return p;
}

void check_mmap(void)
{
    char buf[64], *whole = malloc(MAPLEN);
    if (!whole)
        abort();
    int fd = OK(open("m", O_CREAT | O_EXCL | O_RDWR, 0644));
    OK(ftruncate(fd, MAPLEN));

    /* Stores through a shared mapping reach read(2), before and after
     * msync; pwrite reaches the mapping. */
    char *p = map(fd, PROT_READ | PROT_WRITE, MAP_SHARED, "mmap shared rw");
    if (p) {
        memcpy(p + 100, "mapped-write", 12);
        VAL(pread(fd, buf, 12, 100), 12);
        ck_yes("read sees the store before msync", !memcmp(buf, "mapped-write", 12));
        memcpy(p + 3 * 4096 - 2, "span", 4); /* across a page boundary */
        OK(msync(p, MAPLEN, MS_SYNC));
        VAL(pread(fd, buf, 4, 3 * 4096 - 2), 4);
        ck_yes("read sees the store across pages after msync", !memcmp(buf, "span", 4));
        VAL(pwrite(fd, "written", 7, 5000), 7);
        ck_yes("mapping sees pwrite", !memcmp(p + 5000, "written", 7));
        OK(munmap(p, MAPLEN));
    }
    OK(close(fd));

    /* The stores persist after unmap and close. */
    VAL(slurp("m", whole, MAPLEN), MAPLEN);
    ck_yes("stores persisted", !memcmp(whole + 100, "mapped-write", 12) &&
                                   !memcmp(whole + 3 * 4096 - 2, "span", 4) &&
                                   !memcmp(whole + 5000, "written", 7));
    note("csum = %016llx", (unsigned long long)csum(whole, MAPLEN));

    /* A private mapping's stores stay private. */
    fd = OK(open("m", O_RDWR));
    p = map(fd, PROT_READ | PROT_WRITE, MAP_PRIVATE, "mmap private rw");
    if (p) {
        ck_yes("private mapping reads the file", !memcmp(p + 100, "mapped-write", 12));
        memcpy(p + 100, "PRIVATE", 7);
        VAL(pread(fd, buf, 12, 100), 12);
        ck_yes("read does not see a private store", !memcmp(buf, "mapped-write", 12));
        OK(munmap(p, MAPLEN));
    }
    OK(close(fd));

    /* A read-only descriptor maps read-only, and refuses a shared writable map. */
    fd = OK(open("m", O_RDONLY));
    p = map(fd, PROT_READ, MAP_SHARED, "mmap shared ro");
    if (p) {
        ck_yes("read-only mapping reads the file", !memcmp(p + 5000, "written", 7));
        OK(munmap(p, MAPLEN));
    }
    errno = 0;
    void *q = mmap(NULL, MAPLEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ck_err("mmap shared rw of an O_RDONLY fd", q == MAP_FAILED ? -1 : 0, errno, EACCES, EACCES);
    if (q != MAP_FAILED)
        munmap(q, MAPLEN);
    OK(close(fd));

    /* A file grown with ftruncate while mapped: the new page is usable. */
    fd = OK(open("g", O_CREAT | O_EXCL | O_RDWR, 0644));
    OK(ftruncate(fd, 4096));
    p = map(fd, PROT_READ | PROT_WRITE, MAP_SHARED, "mmap shared rw of a 1-page file");
    if (p) {
        OK(ftruncate(fd, 2 * 4096));
        memcpy(p + 4096 + 10, "grown", 5);
        OK(msync(p, 2 * 4096, MS_SYNC));
        VAL(pread(fd, buf, 5, 4096 + 10), 5);
        ck_yes("store into grown page visible", !memcmp(buf, "grown", 5));
        OK(munmap(p, MAPLEN));
    }
    OK(close(fd));
    free(whole);
}
