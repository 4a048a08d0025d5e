/*
 * statx - statx(2) from the shell, for the birth time tests:
 *
 *   statx [--btime-only] [--sync] [--fd] PATH FIELD...
 *
 * asks for the basic stats and btime (--btime-only: STATX_BTIME alone, as
 * `stat -c %W` does), with AT_STATX_FORCE_SYNC if --sync, through an open
 * descriptor if --fd (PATH "-N" is the inherited descriptor N, which may
 * belong to an unlinked file), and prints one line per FIELD (btime, mtime, ctime,
 * atime) as SECONDS.NANOSECONDS, or "none" when the kernel left the field out
 * of stx_mask. Debian 12's stat(1) shows btime but cannot choose the mask
 * or the sync mode.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void show(const struct statx *sx, const char *field)
{
    const struct statx_timestamp *t;
    unsigned bit;
    if (!strcmp(field, "btime"))
        t = &sx->stx_btime, bit = STATX_BTIME;
    else if (!strcmp(field, "mtime"))
        t = &sx->stx_mtime, bit = STATX_MTIME;
    else if (!strcmp(field, "ctime"))
        t = &sx->stx_ctime, bit = STATX_CTIME;
    else if (!strcmp(field, "atime"))
        t = &sx->stx_atime, bit = STATX_ATIME;
    else {
        printf("%s unknown\n", field);
        return;
    }
    if (sx->stx_mask & bit)
        printf("%lld.%09u\n", (long long)t->tv_sec, t->tv_nsec);
    else
        printf("none\n");
}

int main(int argc, char **argv)
{
    unsigned mask = STATX_BASIC_STATS | STATX_BTIME;
    int flags = AT_SYMLINK_NOFOLLOW, use_fd = 0, i = 1;

    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "--btime-only"))
            mask = STATX_BTIME;
        else if (!strcmp(argv[i], "--sync"))
            flags |= AT_STATX_FORCE_SYNC;
        else if (!strcmp(argv[i], "--fd"))
            use_fd = 1;
        else
            break;
    }
    if (argc - i < 2) {
        fprintf(stderr, "usage: statx [--btime-only] [--sync] [--fd] PATH FIELD...\n");
        return 2;
    }
    const char *path = argv[i++];
    struct statx sx;
    int r;
    if (use_fd && path[0] == '-') {
        r = statx(atoi(path + 1), "", flags | AT_EMPTY_PATH, mask, &sx);
    } else if (use_fd) {
        int fd = open(path, O_RDONLY | O_NOFOLLOW);
        if (fd < 0) {
            fprintf(stderr, "statx: open %s: %s\n", path, strerror(errno));
            return 1;
        }
        r = statx(fd, "", flags | AT_EMPTY_PATH, mask, &sx);
        close(fd);
    } else
        r = statx(AT_FDCWD, path, flags, mask, &sx);
    if (r != 0) {
        fprintf(stderr, "statx: %s: %s\n", path, strerror(errno));
        return 1;
    }
    for (; i < argc; i++)
        show(&sx, argv[i]);
    return 0;
}
