/*
 * check_times.c - birth time and change time, as tmpfs keeps them.
 *
 * btime (statx STATX_BTIME) is set when a file is created and never changes
 * afterwards: not by writes, truncation, chmod, chown, new times, renames,
 * links or xattrs. ctime moves with every change of the inode (data or
 * metadata), mtime only with the data. On an FSP native volume btime is the
 * file's CreationTime and ctime its ChangeTime (doc/windows-on-linux.md,
 * "Times"), so the same transcript must come out of MEMFS as out of tmpfs.
 */
#include "conf.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/xattr.h>
#include <unistd.h>

/* statx PATH (or FD with an empty path) asking for the basic stats and
 * btime. Returns 1 with *bt set if btime came back, 0 if not, -1 on error. */
static int get_btime(int fd, const char *path, struct statx *sx, struct timespec *bt)
{
    int flags = path ? AT_SYMLINK_NOFOLLOW : AT_EMPTY_PATH;
    if (statx(path ? AT_FDCWD : fd, path ? path : "", flags, STATX_BASIC_STATS | STATX_BTIME, sx) !=
        0) {
        failf("statx(%s): %s", path ? path : "fd", errname(errno));
        return -1;
    }
    if (!(sx->stx_mask & STATX_BTIME))
        return 0;
    bt->tv_sec = sx->stx_btime.tv_sec;
    bt->tv_nsec = sx->stx_btime.tv_nsec;
    return 1;
}

static struct timespec ts_of(const struct statx_timestamp *t)
{
    struct timespec ts = {t->tv_sec, t->tv_nsec};
    return ts;
}

static int ts_le(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec <= b->tv_nsec);
}

/* btime of PATH must still be *b0 after WHAT. */
static void btime_kept(const char *path, const char *what, const struct timespec *b0)
{
    struct statx sx;
    struct timespec bt;
    char label[96];
    snprintf(label, sizeof label, "btime of %s after %s", path, what);
    if (get_btime(-1, path, &sx, &bt) == 1)
        ck_time(label, b0, &bt, T_UNCHANGED);
    else
        failf("%s: btime gone", label);
}

void check_btime(void)
{
    struct statx sx;
    struct timespec b0, bt, t;

    make_file("f", 0644, "data", 4);
    /* A volume without btime stops here, with exactly one FAIL line: the
     * FUSE API programs (libfuse 3.14 has no statx operation) are held to
     * that (tests/conformance-lib.sh, no_btime). */
    int have = get_btime(-1, "f", &sx, &b0);
    if (have < 0)
        return;
    if (!have) {
        failf("statx(f) reports no STATX_BTIME");
        return;
    }
    note("statx(f) reports STATX_BTIME");
    t = ts_of(&sx.stx_mtime);
    ck_yes("btime <= mtime at creation", ts_le(&b0, &t));
    t = ts_of(&sx.stx_ctime);
    ck_yes("btime <= ctime at creation", ts_le(&b0, &t));

    /* A later file is born later. */
    tick();
    make_file("g", 0644, "", 0);
    if (get_btime(-1, "g", &sx, &bt) == 1)
        ck_yes("btime of a newer file is later", !ts_le(&bt, &b0));

    /* Nothing that happens to f afterwards moves its birth. */
    tick();
    int fd = OK(open("f", O_WRONLY | O_APPEND));
    VAL(write(fd, "more", 4), 4);
    if (get_btime(fd, NULL, &sx, &bt) == 1)
        ck_time("btime by fd after write", &b0, &bt, T_UNCHANGED);
    OK(close(fd));
    btime_kept("f", "write", &b0);
    OK(truncate("f", 1));
    btime_kept("f", "truncate", &b0);
    OK(chmod("f", 0600));
    btime_kept("f", "chmod", &b0);
    OK(chown("f", 1234, 5678));
    btime_kept("f", "chown", &b0);
    age("f"); /* mtime and atime now lie before btime: allowed */
    btime_kept("f", "utimensat to 2001", &b0);
    if (get_btime(-1, "f", &sx, &bt) == 1) {
        t = ts_of(&sx.stx_mtime);
        ck_yes("mtime set before btime is kept", t.tv_sec == 1000000000 && !ts_le(&bt, &t));
    }
    OK(setxattr("f", "user.test", "v", 1, 0));
    btime_kept("f", "setxattr", &b0);
    OK(link("f", "f2"));
    btime_kept("f2", "link", &b0);
    OK(rename("f", "h"));
    btime_kept("h", "rename", &b0);
    OK(rename("h", "g")); /* over g: the moved file keeps its birth */
    btime_kept("g", "rename over it", &b0);
    OK(unlink("f2"));
    btime_kept("g", "unlink of another link", &b0);

    /* Directories: adding and removing entries changes mtime, not btime. */
    OK(mkdir("d", 0755));
    if (get_btime(-1, "d", &sx, &b0) == 1) {
        note("statx(d) reports STATX_BTIME");
        tick();
        make_file("d/x", 0644, "x", 1);
        OK(unlink("d/x"));
        btime_kept("d", "create and unlink inside", &b0);
        OK(rename("d", "e"));
        btime_kept("e", "rename", &b0);
    } else
        failf("statx(d) reports no STATX_BTIME");
}

/* Metadata changes move ctime and leave mtime (chmod and chown are in
 * check_attr.c, write and truncate in check_rdwr.c). */
void check_ctime_ops(void)
{
    struct stat before, st;

    make_file("f", 0644, "data", 4);
    age("f");
    get_stat("f", &before);
    tick();
    OK(setxattr("f", "user.a", "1", 1, 0));
    get_stat("f", &st);
    ck_time("ctime after setxattr", &before.st_ctim, &st.st_ctim, T_CHANGED);
    ck_time("mtime after setxattr", &before.st_mtim, &st.st_mtim, T_UNCHANGED);

    before = st;
    tick();
    OK(removexattr("f", "user.a"));
    get_stat("f", &st);
    ck_time("ctime after removexattr", &before.st_ctim, &st.st_ctim, T_CHANGED);
    ck_time("mtime after removexattr", &before.st_mtim, &st.st_mtim, T_UNCHANGED);

    before = st;
    tick();
    OK(rename("f", "g"));
    get_stat("g", &st);
    ck_time("ctime after rename", &before.st_ctim, &st.st_ctim, T_CHANGED);
    ck_time("mtime after rename", &before.st_mtim, &st.st_mtim, T_UNCHANGED);
    ck_time("atime after rename", &before.st_atim, &st.st_atim, T_UNCHANGED);

    before = st;
    tick();
    OK(link("g", "l"));
    get_stat("g", &st);
    ck_time("ctime after link", &before.st_ctim, &st.st_ctim, T_CHANGED);
    ck_time("mtime after link", &before.st_mtim, &st.st_mtim, T_UNCHANGED);

    /* A failed change changes nothing. */
    before = st;
    tick();
    ERR(removexattr("g", "user.missing"), ENODATA);
    get_stat("g", &st);
    ck_time("ctime after a failed removexattr", &before.st_ctim, &st.st_ctim, T_UNCHANGED);
}
