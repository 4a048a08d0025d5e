/*
 * debuglog.c - FspDebugLog, FspDebugLogSetHandle and FspVersion.
 *
 * Each FspDebugLog call formats its message into one buffer (on the stack,
 * or on the heap when it is long), adds a newline if the message lacks one,
 * and hands it to the log descriptor with a single write() (repeated only
 * for a partial write), so lines from concurrent threads do not interleave.
 * The log goes to stderr until FspDebugLogSetHandle picks another
 * descriptor; a negative descriptor (e.g. FSP_FD_TO_HANDLE(-1)) disables it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <winfsp/winfsp.h>

#include "kernel/session.h"

static int fsp_debuglog_fd = STDERR_FILENO;

static void fsp_debuglog_write(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        buf += n;
        len -= (size_t)n;
    }
}

FSP_API VOID FspDebugLog(const char *Format, ...)
{
    int fd = __atomic_load_n(&fsp_debuglog_fd, __ATOMIC_RELAXED);
    char stackbuf[1024], *buf = stackbuf;
    va_list ap;
    int len;

    if (fd < 0)
        return;
    int saved_errno = errno;
    va_start(ap, Format);
    len = vsnprintf(stackbuf, sizeof stackbuf - 1, Format, ap);
    va_end(ap);
    if (len < 0)
        goto out;
    if ((size_t)len >= sizeof stackbuf - 1) {
        /* Room for the text, a newline and the NUL. */
        buf = malloc((size_t)len + 2);
        if (buf) {
            va_start(ap, Format);
            len = vsnprintf(buf, (size_t)len + 1, Format, ap);
            va_end(ap);
            if (len < 0)
                goto out;
        } else {
            /* No memory: log what fits. */
            buf = stackbuf;
            len = (int)sizeof stackbuf - 2;
        }
    }
    if (len == 0 || buf[len - 1] != '\n')
        buf[len++] = '\n';
    fsp_debuglog_write(fd, buf, (size_t)len);
out:
    if (buf != stackbuf)
        free(buf);
    errno = saved_errno;
}

FSP_API VOID FspDebugLogSetHandle(HANDLE Handle)
{
    int fd = (int)(intptr_t)Handle;
    __atomic_store_n(&fsp_debuglog_fd, fd, __ATOMIC_RELAXED);
    /* The per-request trace of the kernel session belongs in the same log. */
    fsp_log_set_fd(fd);
}

FSP_API NTSTATUS FspVersion(PUINT32 PVersion)
{
    if (!PVersion)
        return STATUS_INVALID_PARAMETER;
    *PVersion = ((UINT32)FSP_VERSION_MAJOR << 16) | FSP_VERSION_MINOR;
    return STATUS_SUCCESS;
}
