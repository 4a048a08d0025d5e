/*
 * mountinfo.c - find the mount at a path in /proc/self/mountinfo.
 *
 * Used to recognise our own mount (by the device number of its superblock)
 * before unmounting, so we never unmount somebody else's mount that later
 * took the same path. The auto_unmount watcher runs this in a forked child
 * of a possibly multithreaded process, so it is async-signal-safe: only
 * open/read/close, fixed buffers, no malloc, no stdio.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "kernel/internal.h"

/* Copy a mountinfo field (octal escapes like \040 decoded) into out. Returns
 * false if it does not fit. */
static bool unescape_field(const char *s, size_t len, char *out, size_t outsize)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '\\' && i + 3 < len && s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0' &&
            s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
            c = (char)((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
            i += 3;
        }
        if (o + 1 >= outsize)
            return false;
        out[o++] = c;
    }
    out[o] = '\0';
    return true;
}

/* Split off the next space-separated field of line[*pos..end). */
static bool next_field(const char *line, size_t end, size_t *pos, const char **f, size_t *flen)
{
    size_t p = *pos;
    while (p < end && line[p] == ' ')
        p++;
    if (p >= end)
        return false;
    size_t start = p;
    while (p < end && line[p] != ' ')
        p++;
    *f = line + start;
    *flen = p - start;
    *pos = p;
    return true;
}

static unsigned parse_uint(const char *s, size_t len, size_t *used)
{
    unsigned v = 0;
    size_t i = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9')
        v = v * 10 + (unsigned)(s[i++] - '0');
    *used = i;
    return v;
}

/* Parse one line; if its mount point is `mountpoint`, fill ent. */
static bool match_line(const char *line, size_t len, const char *mountpoint, struct fsp_mntent *ent)
{
    char path[4096];
    const char *f;
    size_t flen, pos = 0, used;
    unsigned major, minor;

    if (!next_field(line, len, &pos, &f, &flen)) /* mount id */
        return false;
    if (!next_field(line, len, &pos, &f, &flen)) /* parent id */
        return false;
    if (!next_field(line, len, &pos, &f, &flen)) /* major:minor */
        return false;
    major = parse_uint(f, flen, &used);
    if (used >= flen || f[used] != ':')
        return false;
    minor = parse_uint(f + used + 1, flen - used - 1, &used);
    if (!next_field(line, len, &pos, &f, &flen)) /* root */
        return false;
    if (!next_field(line, len, &pos, &f, &flen)) /* mount point */
        return false;
    if (!unescape_field(f, flen, path, sizeof(path)) || strcmp(path, mountpoint) != 0)
        return false;
    /* Optional fields end with a lone "-". */
    for (;;) {
        if (!next_field(line, len, &pos, &f, &flen))
            return false;
        if (flen == 1 && f[0] == '-')
            break;
    }
    if (!next_field(line, len, &pos, &f, &flen))
        return false;
    if (!unescape_field(f, flen, ent->fstype, sizeof(ent->fstype)))
        ent->fstype[0] = '\0';
    if (!next_field(line, len, &pos, &f, &flen))
        f = "", flen = 0;
    if (!unescape_field(f, flen, ent->source, sizeof(ent->source)))
        ent->source[0] = '\0';
    ent->major = major;
    ent->minor = minor;
    return true;
}

int fsp_mountinfo_top(const char *mountpoint, struct fsp_mntent *ent)
{
    char chunk[4096];
    char line[8192];
    size_t linelen = 0;
    bool overlong = false, found = false;
    struct fsp_mntent cur;

    int fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int err = -errno;
            close(fd);
            return err;
        }
        if (n == 0)
            break;
        for (ssize_t i = 0; i < n; i++) {
            if (chunk[i] != '\n') {
                if (linelen < sizeof(line))
                    line[linelen++] = chunk[i];
                else
                    overlong = true;
                continue;
            }
            /* Later lines are mounted on top of earlier ones: keep the last. */
            if (!overlong && match_line(line, linelen, mountpoint, &cur)) {
                *ent = cur;
                found = true;
            }
            linelen = 0;
            overlong = false;
        }
    }
    close(fd);
    return found ? 0 : -ENOENT;
}
