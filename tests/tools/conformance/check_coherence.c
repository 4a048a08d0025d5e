/*
 * check_coherence.c - what a file system with a write-back cache must keep
 * consistent: partial-page writes through write-only descriptors (the page
 * must be read first), sizes seen at once by stat and by other descriptors,
 * truncation of a file with unwritten data, mmap stores against read and
 * stat, and data that survives dropping the cached pages.
 */
#include "conf.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PG 4096

static void *xmalloc(size_t n)
{
    void *p = malloc(n);
    if (!p)
        abort();
    return p;
}

/* Drop PATH's cached pages after writing them back, then compare its
 * content with WANT (what reads straight from the file system see). */
static void expect_stored(const char *path, const void *want, size_t n)
{
    int fd = OK(open(path, O_RDONLY));
    if (fd < 0)
        return;
    OK(fdatasync(fd));
    VAL(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED), 0);
    OK(close(fd));
    expect_content(path, want, n);
}

void check_cache_coherence(void)
{
    char *img = xmalloc(3 * PG), *buf = xmalloc(3 * PG);
    struct stat st;

    /* Write-only descriptors, writes that cover part of a page: the rest of
     * the page must come from the file, not zeros. */
    fill_pattern(img, 3 * PG, 21);
    make_file("wo", 0644, img, 3 * PG);
    expect_stored("wo", img, 3 * PG);
    int fd = OK(open("wo", O_WRONLY));
    if (fd >= 0) {
        VAL(pwrite(fd, "across", 6, PG - 3), 6);
        VAL(pwrite(fd, "mid", 3, 2 * PG + 100), 3);
        OK(close(fd));
    }
    memcpy(img + PG - 3, "across", 6);
    memcpy(img + 2 * PG + 100, "mid", 3);
    expect_content("wo", img, 3 * PG);
    expect_stored("wo", img, 3 * PG);

    /* Two appenders, through different write-only descriptors. */
    make_file("ap", 0644, "0", 1);
    int a1 = OK(open("ap", O_WRONLY | O_APPEND)), a2 = OK(open("ap", O_WRONLY | O_APPEND));
    if (a1 >= 0 && a2 >= 0) {
        VAL(write(a1, "a", 1), 1);
        VAL(write(a2, "bb", 2), 2);
        VAL(write(a1, "ccc", 3), 3);
        get_fstat(a2, &st);
        ck_eq("size after three appends", st.st_size, 7);
    }
    if (a1 >= 0)
        OK(close(a1));
    if (a2 >= 0)
        OK(close(a2));
    expect_content("ap", "0abbccc", 7);
    expect_stored("ap", "0abbccc", 7);

    /* An extending write is seen at once by stat and another descriptor. */
    fd = OK(open("grow", O_CREAT | O_EXCL | O_RDWR, 0644));
    int rd = OK(open("grow", O_RDONLY));
    if (fd >= 0 && rd >= 0) {
        fill_pattern(img, 2 * PG + 10, 22);
        VAL(pwrite_full(fd, img, 2 * PG + 10, 0), 2 * PG + 10);
        get_stat("grow", &st);
        ck_eq("size by path after the write", st.st_size, 2 * PG + 10);
        get_fstat(rd, &st);
        ck_eq("size by the reader", st.st_size, 2 * PG + 10);
        VAL(pread_full(rd, buf, 3 * PG, 0), 2 * PG + 10);
        ck_yes("the reader sees the data", !memcmp(buf, img, 2 * PG + 10));

        /* Truncate by path while the writer's data may still be cached,
         * then write past the new end: a hole of zeros between. */
        OK(truncate("grow", 100));
        get_fstat(fd, &st);
        ck_eq("size after truncate by path", st.st_size, 100);
        VAL(pwrite(fd, "end", 3, 200), 3);
        get_stat("grow", &st);
        ck_eq("size after writing past the truncation", st.st_size, 203);
        memset(img + 100, 0, 100);
        memcpy(img + 200, "end", 3);
        VAL(pread_full(rd, buf, PG, 0), 203);
        ck_yes("truncated data is gone, the hole reads as zeros", !memcmp(buf, img, 203));
        OK(fsync(fd));
        get_fstat(fd, &st);
        ck_yes("blocks counted after fsync", st.st_blocks > 0);
    }
    if (fd >= 0)
        OK(close(fd));
    if (rd >= 0)
        OK(close(rd));
    expect_stored("grow", img, 203);

    /* mmap stores: read(2) sees them, the size does not move, and they
     * reach the file system by msync. */
    fill_pattern(img, 2 * PG, 23);
    make_file("mm", 0644, img, 2 * PG);
    fd = OK(open("mm", O_RDWR));
    if (fd >= 0) {
        errno = 0;
        char *p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        ck_yes("mmap shared rw", p != MAP_FAILED);
        if (p != MAP_FAILED) {
            memcpy(p + PG - 2, "mapped", 6);
            memcpy(img + PG - 2, "mapped", 6);
            VAL(pread_full(fd, buf, 2 * PG, 0), 2 * PG);
            ck_yes("read sees the stores", !memcmp(buf, img, 2 * PG));
            get_fstat(fd, &st);
            ck_eq("size after the stores", st.st_size, 2 * PG);
            OK(msync(p, 2 * PG, MS_SYNC));
            OK(munmap(p, 2 * PG));
        }
        OK(close(fd));
    }
    expect_stored("mm", img, 2 * PG);
    free(img);
    free(buf);
}
