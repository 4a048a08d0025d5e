/*
 * common.c - helpers shared by the tests: failure messages, work shares,
 * --empty-cache, and the data pattern of the rdwr_* and mmap_* files.
 */
#include "fsbench.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *current_test = "fsbench";

void fsb_set_current_test(const char *name)
{
    current_test = name;
}

int fsb_fail(const char *fmt, ...)
{
    int err = errno;
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    size_t len = strlen(msg);
    if (len > 0 && msg[len - 1] == ':')
        fprintf(stderr, "fsbench: %s: %s %s\n", current_test, msg, strerror(err));
    else
        fprintf(stderr, "fsbench: %s: %s\n", current_test, msg);
    return -1;
}

void fsb_share(uint64_t total, unsigned tid, unsigned n, uint64_t *begin, uint64_t *end)
{
    *begin = total * tid / n;
    *end = total * (tid + 1) / n;
}

int fsb_empty_cache(const char *const *paths, unsigned npaths)
{
    int dirfd = open(".", O_RDONLY | O_DIRECTORY);
    if (dirfd < 0)
        return fsb_fail("--empty-cache: open .:");
    if (syncfs(dirfd) < 0) {
        fsb_fail("--empty-cache: syncfs:");
        close(dirfd);
        return -1;
    }
    close(dirfd);
    for (unsigned i = 0; i < npaths; i++) {
        int fd = open(paths[i], O_RDONLY);
        if (fd < 0)
            return fsb_fail("--empty-cache: open %s:", paths[i]);
        int rc = fdatasync(fd);
        if (rc == 0)
            rc = errno = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
        close(fd);
        if (rc != 0)
            return fsb_fail("--empty-cache: drop %s:", paths[i]);
    }
    return 0;
}

void fsb_fill_pattern(uint8_t *buf, size_t size)
{
    for (size_t i = 0; i < size; i++)
        buf[i] = fsb_pattern(i);
}

int fsb_write_all(int fd, const uint8_t *buf, size_t size)
{
    for (size_t done = 0; done < size;) {
        ssize_t n = pwrite(fd, buf + done, size - done, (off_t)done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? -1 : (errno = EIO, -1);
        done += (size_t)n;
    }
    return 0;
}

int fsb_read_all(int fd, uint8_t *buf, size_t size)
{
    for (size_t done = 0; done < size;) {
        ssize_t n = pread(fd, buf + done, size - done, (off_t)done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0) {
            errno = ENODATA;
            return -1;
        }
        done += (size_t)n;
    }
    return 0;
}
