/*
 * fileops - small file operations for the shell-level mount tests, where
 * the usual tools are too slow (100,000 files) or cannot do it (write through
 * a shared mapping).
 *
 *   fileops pattern SIZE            write the test pattern (SIZE bytes) to stdout
 *   fileops mmap-write FILE SIZE    size FILE to SIZE and store the pattern in it
 *                                   through a shared writable mapping (msync, munmap)
 *   fileops mkfiles DIR N           create DIR/f000000 .. f(N-1), empty
 *   fileops count DIR               print the number of entries of DIR (no . and ..)
 *   fileops rmfiles DIR N           unlink what mkfiles created
 *   fileops fill DIR MAX            create empty files until one fails or MAX are
 *                                   made; print "created N errno E NAME" (E 0 if none failed)
 *   fileops immutable FILE          open FILE read-write, make it immutable (chattr +i),
 *                                   try to change its data every way, print each
 *                                   result ("write: EPERM"), make it mutable again
 *
 * Exit status 0 on success, 1 on a failed operation (with a message naming
 * the file and the errno), 2 on a usage error. SIZE may end in K, M or G.
 */
#define _GNU_SOURCE /* strerrorname_np */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

static const char *prog = "fileops";

static int usage(void)
{
    fprintf(stderr,
            "usage: %s pattern SIZE | mmap-write FILE SIZE | mkfiles DIR N | count DIR |"
            " rmfiles DIR N | fill DIR MAX | immutable FILE\n",
            prog);
    return 2;
}

static int parse_size(const char *s, uint64_t *v)
{
    char *end;
    errno = 0;
    unsigned long long n = strtoull(s, &end, 10);
    if (errno || end == s || *s == '-')
        return -1;
    unsigned shift = 0;
    switch (*end) {
    case 'K':
        shift = 10;
        end++;
        break;
    case 'M':
        shift = 20;
        end++;
        break;
    case 'G':
        shift = 30;
        end++;
        break;
    default:
        break;
    }
    if (*end)
        return -1;
    *v = (uint64_t)n << shift;
    return 0;
}

/* Not periodic in any power of two below 2^32, so a misplaced page shows. */
static unsigned char pattern_at(uint64_t i)
{
    uint64_t x = i * 0x9e3779b97f4a7c15ull;
    return (unsigned char)((x >> 29) ^ (i >> 12) ^ i);
}

static int do_pattern(uint64_t size)
{
    unsigned char buf[65536];
    for (uint64_t off = 0; off < size;) {
        size_t n = size - off < sizeof buf ? (size_t)(size - off) : sizeof buf;
        for (size_t i = 0; i < n; i++)
            buf[i] = pattern_at(off + i);
        if (fwrite(buf, 1, n, stdout) != n) {
            perror("stdout");
            return 1;
        }
        off += n;
    }
    return fflush(stdout) == 0 ? 0 : 1;
}

static int fail(const char *what, const char *name)
{
    fprintf(stderr, "%s: %s %s: %s (errno %d)\n", prog, what, name, strerror(errno), errno);
    return 1;
}

static int do_mmap_write(const char *path, uint64_t size)
{
    int fd = open(path, O_RDWR | O_CREAT, 0644);
    if (fd < 0)
        return fail("open", path);
    if (ftruncate(fd, (off_t)size) != 0)
        return fail("ftruncate", path);
    unsigned char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        return fail("mmap", path);
    for (uint64_t i = 0; i < size; i++)
        p[i] = pattern_at(i);
    if (msync(p, size, MS_SYNC) != 0)
        return fail("msync", path);
    if (munmap(p, size) != 0)
        return fail("munmap", path);
    if (close(fd) != 0)
        return fail("close", path);
    return 0;
}

static int do_mkfiles(const char *dir, unsigned long n)
{
    char path[4096];
    for (unsigned long i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/f%06lu", dir, i);
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0)
            return fail("create", path);
        if (close(fd) != 0)
            return fail("close", path);
    }
    return 0;
}

static int do_rmfiles(const char *dir, unsigned long n)
{
    char path[4096];
    for (unsigned long i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/f%06lu", dir, i);
        if (unlink(path) != 0)
            return fail("unlink", path);
    }
    return 0;
}

static int do_count(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return fail("opendir", dir);
    unsigned long n = 0;
    struct dirent *e;
    errno = 0;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
        errno = 0;
    }
    if (errno)
        return fail("readdir", dir);
    closedir(d);
    printf("%lu\n", n);
    return 0;
}

static int do_fill(const char *dir, unsigned long max)
{
    char path[4096];
    unsigned long i;
    int err = 0;
    for (i = 0; i < max; i++) {
        snprintf(path, sizeof path, "%s/fill%06lu", dir, i);
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0) {
            err = errno;
            break;
        }
        close(fd);
    }
    printf("created %lu errno %d %s\n", i, err, err ? strerrorname_np(err) : "none");
    return 0;
}

static void report(const char *what, int rc)
{
    printf("%s: %s\n", what, rc < 0 ? strerrorname_np(errno) : "ok");
}

/* FILE's immutable flag on or off through fd. */
static int set_immutable(int fd, const char *path, bool on)
{
    int flags;
    if (ioctl(fd, FS_IOC_GETFLAGS, &flags) < 0)
        return fail("FS_IOC_GETFLAGS", path);
    flags = on ? flags | FS_IMMUTABLE_FL : flags & ~FS_IMMUTABLE_FL;
    if (ioctl(fd, FS_IOC_SETFLAGS, &flags) < 0)
        return fail("FS_IOC_SETFLAGS", path);
    return 0;
}

/* What changes of its data an immutable file refuses, through a descriptor
 * opened before the flag was set and through new opens. */
static int do_immutable(const char *path)
{
    int fd = open(path, O_RDWR);
    if (fd < 0)
        return fail("open", path);
    if (set_immutable(fd, path, true)) {
        close(fd);
        return 1;
    }
    report("write", (int)write(fd, "x", 1));
    report("pwrite", (int)pwrite(fd, "x", 1, 0));
    report("ftruncate", ftruncate(fd, 0));
    report("truncate", truncate(path, 0));
    static const struct {
        const char *name;
        int flags;
    } opens[] = {{"open O_WRONLY", O_WRONLY},
                 {"open O_RDWR", O_RDWR},
                 {"open O_WRONLY|O_APPEND", O_WRONLY | O_APPEND},
                 {"open O_RDONLY|O_TRUNC", O_RDONLY | O_TRUNC},
                 {"open O_RDONLY", O_RDONLY}};
    for (size_t i = 0; i < sizeof opens / sizeof opens[0]; i++) {
        int f = open(path, opens[i].flags);
        report(opens[i].name, f);
        if (f >= 0)
            close(f);
    }
    char buf[16];
    report("read", (int)pread(fd, buf, sizeof buf, 0));
    report("unlink", unlink(path));
    int rc = set_immutable(fd, path, false);
    report("write after the flag is cleared", (int)pwrite(fd, "y", 1, 0));
    close(fd);
    return rc;
}

int main(int argc, char **argv)
{
    uint64_t v;
    if (argc < 2)
        return usage();
    const char *cmd = argv[1];
    if (strcmp(cmd, "pattern") == 0 && argc == 3 && parse_size(argv[2], &v) == 0)
        return do_pattern(v);
    if (strcmp(cmd, "mmap-write") == 0 && argc == 4 && parse_size(argv[3], &v) == 0 && v > 0)
        return do_mmap_write(argv[2], v);
    if (strcmp(cmd, "mkfiles") == 0 && argc == 4 && parse_size(argv[3], &v) == 0)
        return do_mkfiles(argv[2], (unsigned long)v);
    if (strcmp(cmd, "rmfiles") == 0 && argc == 4 && parse_size(argv[3], &v) == 0)
        return do_rmfiles(argv[2], (unsigned long)v);
    if (strcmp(cmd, "count") == 0 && argc == 3)
        return do_count(argv[2]);
    if (strcmp(cmd, "fill") == 0 && argc == 4 && parse_size(argv[3], &v) == 0)
        return do_fill(argv[2], (unsigned long)v);
    if (strcmp(cmd, "immutable") == 0 && argc == 3)
        return do_immutable(argv[2]);
    return usage();
}
