/*
 * log.c - the library's log: one write() per line, so that lines from
 * concurrent threads never interleave, and opcode names for debug traces.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

#include "kernel/internal.h"

static atomic_int log_fd = 2;

void fsp_log_set_fd(int fd)
{
    atomic_store(&log_fd, fd);
}

void fsp_log(const char *fmt, ...)
{
    /* Lines longer than this are cut; a debug trace is never that long. */
    char line[2048];
    int saved = errno;
    va_list ap;

    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
    va_end(ap);
    if (n < 0) {
        errno = saved;
        return;
    }
    if ((size_t)n > sizeof(line) - 2)
        n = sizeof(line) - 2;
    if (n == 0 || line[n - 1] != '\n')
        line[n++] = '\n';

    int fd = atomic_load(&log_fd);
    const char *p = line;
    while (n > 0) {
        ssize_t w = write(fd, p, (size_t)n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        p += w;
        n -= (int)w;
    }
    errno = saved;
}

bool fsp_debug(const struct fsp_session *se)
{
    return atomic_load_explicit(&se->debug, memory_order_relaxed);
}

static const char *const opcode_names[FSP_FUSE_OPCODE_MAX] = {
    [FUSE_LOOKUP] = "LOOKUP",
    [FUSE_FORGET] = "FORGET",
    [FUSE_GETATTR] = "GETATTR",
    [FUSE_SETATTR] = "SETATTR",
    [FUSE_READLINK] = "READLINK",
    [FUSE_SYMLINK] = "SYMLINK",
    [FUSE_MKNOD] = "MKNOD",
    [FUSE_MKDIR] = "MKDIR",
    [FUSE_UNLINK] = "UNLINK",
    [FUSE_RMDIR] = "RMDIR",
    [FUSE_RENAME] = "RENAME",
    [FUSE_LINK] = "LINK",
    [FUSE_OPEN] = "OPEN",
    [FUSE_READ] = "READ",
    [FUSE_WRITE] = "WRITE",
    [FUSE_STATFS] = "STATFS",
    [FUSE_RELEASE] = "RELEASE",
    [FUSE_FSYNC] = "FSYNC",
    [FUSE_SETXATTR] = "SETXATTR",
    [FUSE_GETXATTR] = "GETXATTR",
    [FUSE_LISTXATTR] = "LISTXATTR",
    [FUSE_REMOVEXATTR] = "REMOVEXATTR",
    [FUSE_FLUSH] = "FLUSH",
    [FUSE_INIT] = "INIT",
    [FUSE_OPENDIR] = "OPENDIR",
    [FUSE_READDIR] = "READDIR",
    [FUSE_RELEASEDIR] = "RELEASEDIR",
    [FUSE_FSYNCDIR] = "FSYNCDIR",
    [FUSE_GETLK] = "GETLK",
    [FUSE_SETLK] = "SETLK",
    [FUSE_SETLKW] = "SETLKW",
    [FUSE_ACCESS] = "ACCESS",
    [FUSE_CREATE] = "CREATE",
    [FUSE_INTERRUPT] = "INTERRUPT",
    [FUSE_BMAP] = "BMAP",
    [FUSE_DESTROY] = "DESTROY",
    [FUSE_IOCTL] = "IOCTL",
    [FUSE_POLL] = "POLL",
    [FUSE_NOTIFY_REPLY] = "NOTIFY_REPLY",
    [FUSE_BATCH_FORGET] = "BATCH_FORGET",
    [FUSE_FALLOCATE] = "FALLOCATE",
    [FUSE_READDIRPLUS] = "READDIRPLUS",
    [FUSE_RENAME2] = "RENAME2",
    [FUSE_LSEEK] = "LSEEK",
    [FUSE_COPY_FILE_RANGE] = "COPY_FILE_RANGE",
    [FUSE_SETUPMAPPING] = "SETUPMAPPING",
    [FUSE_REMOVEMAPPING] = "REMOVEMAPPING",
    [FUSE_SYNCFS] = "SYNCFS",
    [FUSE_TMPFILE] = "TMPFILE",
    [FUSE_STATX] = "STATX",
};

const char *fsp_opcode_name(uint32_t opcode)
{
    if (opcode < FSP_FUSE_OPCODE_MAX && opcode_names[opcode])
        return opcode_names[opcode];
    return opcode == CUSE_INIT ? "CUSE_INIT" : "UNKNOWN";
}
