/*
 * check_attr.c - times, mode bits, ownership and statfs.
 */
#include "conf.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>
#include <unistd.h>

static void ck_ts(const char *what, const struct timespec *got, long long sec, long nsec)
{
    note("%s = %lld.%09ld", what, (long long)got->tv_sec, got->tv_nsec);
    if (got->tv_sec != sec || got->tv_nsec != nsec)
        failf("%s: expected %lld.%09ld", what, sec, nsec);
}

/* TIME is within a second of the interval [T0, T1] (the kernel's clock may
 * be coarser than clock_gettime's). */
static void ck_now(const char *what, const struct timespec *t, const struct timespec *t0,
                   const struct timespec *t1)
{
    int ok = t->tv_sec >= t0->tv_sec - 1 && t->tv_sec <= t1->tv_sec + 1;
    ck_yes(what, ok);
}

/* Sets explicit times and reads them back exactly. The nanoseconds are
 * multiples of 100 here, which every time format in use can hold (NTFS
 * counts 100 ns units); utimens_ns checks single nanoseconds. */
void check_utimens(void)
{
    struct stat st, before;
    struct timespec t0, t1;

    make_file("f", 0644, "data", 4);
    get_stat("f", &before);
    tick();
    struct timespec ts[2] = {{1000000000, 123456700}, {1234567890, 987654300}};
    OK(utimensat(AT_FDCWD, "f", ts, 0));
    get_stat("f", &st);
    ck_ts("atime", &st.st_atim, 1000000000, 123456700);
    ck_ts("mtime", &st.st_mtim, 1234567890, 987654300);
    ck_time("ctime after utimensat", &before.st_ctim, &st.st_ctim, T_CHANGED);

    /* UTIME_OMIT keeps one time while the other is set. */
    struct timespec omit_a[2] = {{0, UTIME_OMIT}, {1500000000, 200}};
    OK(utimensat(AT_FDCWD, "f", omit_a, 0));
    get_stat("f", &st);
    ck_ts("atime after UTIME_OMIT", &st.st_atim, 1000000000, 123456700);
    ck_ts("mtime set with atime omitted", &st.st_mtim, 1500000000, 200);
    struct timespec omit_m[2] = {{1600000000, 0}, {0, UTIME_OMIT}};
    OK(utimensat(AT_FDCWD, "f", omit_m, 0));
    get_stat("f", &st);
    ck_ts("atime set with mtime omitted", &st.st_atim, 1600000000, 0);
    ck_ts("mtime after UTIME_OMIT", &st.st_mtim, 1500000000, 200);
    struct timespec omit_both[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};
    OK(utimensat(AT_FDCWD, "f", omit_both, 0));
    get_stat("f", &st);
    ck_ts("atime after both omitted", &st.st_atim, 1600000000, 0);
    ck_ts("mtime after both omitted", &st.st_mtim, 1500000000, 200);

    /* UTIME_NOW, and a NULL array meaning both now. */
    struct timespec now_m[2] = {{0, UTIME_OMIT}, {0, UTIME_NOW}};
    clock_gettime(CLOCK_REALTIME, &t0);
    OK(utimensat(AT_FDCWD, "f", now_m, 0));
    clock_gettime(CLOCK_REALTIME, &t1);
    get_stat("f", &st);
    ck_ts("atime kept with mtime UTIME_NOW", &st.st_atim, 1600000000, 0);
    ck_now("mtime UTIME_NOW is now", &st.st_mtim, &t0, &t1);
    OK(utimensat(AT_FDCWD, "f", ts, 0));
    clock_gettime(CLOCK_REALTIME, &t0);
    OK(utimensat(AT_FDCWD, "f", NULL, 0));
    clock_gettime(CLOCK_REALTIME, &t1);
    get_stat("f", &st);
    ck_now("atime after NULL times is now", &st.st_atim, &t0, &t1);
    ck_now("mtime after NULL times is now", &st.st_mtim, &t0, &t1);

    /* Through a descriptor, and times before 1970 and after 2038. */
    int fd = OK(open("f", O_RDONLY));
    struct timespec old[2] = {{-31536000, 500000000}, {4102444800LL, 100}};
    OK(futimens(fd, old));
    get_fstat(fd, &st);
    ck_ts("atime 1969 via futimens", &st.st_atim, -31536000, 500000000);
    ck_ts("mtime 2100 via futimens", &st.st_mtim, 4102444800LL, 100);
    OK(close(fd));
    get_stat("f", &st);
    ck_ts("atime 1969 by path", &st.st_atim, -31536000, 500000000);

    /* Directories take times too. */
    OK(mkdir("d", 0755));
    OK(utimensat(AT_FDCWD, "d", ts, 0));
    get_stat("d", &st);
    ck_ts("dir atime", &st.st_atim, 1000000000, 123456700);
    ck_ts("dir mtime", &st.st_mtim, 1234567890, 987654300);
    ERR(utimensat(AT_FDCWD, "missing", ts, 0), ENOENT);
}

/* Linux file systems keep times to the nanosecond and FUSE carries them:
 * values that are not multiples of 100 ns must read back unchanged. */
void check_utimens_ns(void)
{
    struct stat st;
    make_file("f", 0644, "", 0);
    struct timespec ts[2] = {{1000000000, 123456789}, {1234567890, 999999999}};
    OK(utimensat(AT_FDCWD, "f", ts, 0));
    get_stat("f", &st);
    ck_ts("atime", &st.st_atim, 1000000000, 123456789);
    ck_ts("mtime", &st.st_mtim, 1234567890, 999999999);
    struct timespec ts2[2] = {{1, 1}, {2, 7}};
    OK(utimensat(AT_FDCWD, "f", ts2, 0));
    get_stat("f", &st);
    ck_ts("atime", &st.st_atim, 1, 1);
    ck_ts("mtime", &st.st_mtim, 2, 7);
}

static void chmod_to(const char *path, mode_t mode)
{
    struct stat st;
    char what[64];
    errno = 0;
    snprintf(what, sizeof what, "chmod(\"%s\", 0%04o)", path, (unsigned)mode);
    if (ck_ok(what, chmod(path, mode), errno) < 0)
        return;
    get_stat(path, &st);
    snprintf(what, sizeof what, "mode of %s", path);
    ck_mode(what, st.st_mode & 07777, mode);
}

void check_chmod(void)
{
    static const mode_t file_modes[] = {0600, 0755, 0, 0444, 04755, 02755, 06777, 01644, 0644};
    static const mode_t dir_modes[] = {0700, 02755, 01777, 03777, 0555, 0755};
    struct stat st, before;

    make_file("f", 0644, "data", 4);
    for (size_t i = 0; i < sizeof file_modes / sizeof file_modes[0]; i++)
        chmod_to("f", file_modes[i]);
    OK(mkdir("d", 0755));
    for (size_t i = 0; i < sizeof dir_modes / sizeof dir_modes[0]; i++)
        chmod_to("d", dir_modes[i]);

    /* chmod changes ctime only. */
    age("f");
    get_stat("f", &before);
    tick();
    OK(chmod("f", 0640));
    get_stat("f", &st);
    ck_time("ctime after chmod", &before.st_ctim, &st.st_ctim, T_CHANGED);
    ck_time("mtime after chmod", &before.st_mtim, &st.st_mtim, T_UNCHANGED);

    int fd = OK(open("f", O_RDONLY));
    OK(fchmod(fd, 0604));
    get_fstat(fd, &st);
    ck_mode("mode after fchmod", st.st_mode & 07777, 0604);
    OK(close(fd));
    ERR(chmod("missing", 0644), ENOENT);

    /* mkdir keeps the sticky bit but drops setgid (unless inherited) and
     * setuid; the kernel does this before the file system sees the mode. */
    OK(mkdir("s", 01777));
    expect_stat("s", S_IFDIR, 01777, 2, -1);
    OK(mkdir("g", 02777));
    expect_stat("g", S_IFDIR, 0777, 2, -1);
    OK(mkdir("u", 04755));
    expect_stat("u", S_IFDIR, 0755, 2, -1);
    fd = OK(open("su", O_CREAT | O_EXCL | O_WRONLY, 06755));
    OK(close(fd));
    expect_stat("su", S_IFREG, 06755, 1, 0);
}

void check_chown(void)
{
    struct stat st, before;

    make_file("f", 0644, "data", 4);
    get_stat("f", &before);
    tick();
    OK(chown("f", 1234, 5678));
    expect_stat("f", S_IFREG, 0644, 1, 4);
    get_stat("f", &st);
    ck_eq("uid", st.st_uid, 1234);
    ck_eq("gid", st.st_gid, 5678);
    ck_time("ctime after chown", &before.st_ctim, &st.st_ctim, T_CHANGED);
    ck_time("mtime after chown", &before.st_mtim, &st.st_mtim, T_UNCHANGED);

    OK(chown("f", (uid_t)-1, 42));
    get_stat("f", &st);
    ck_eq("uid after gid-only chown", st.st_uid, 1234);
    ck_eq("gid after gid-only chown", st.st_gid, 42);
    OK(chown("f", 77, (gid_t)-1));
    get_stat("f", &st);
    ck_eq("uid after uid-only chown", st.st_uid, 77);
    ck_eq("gid after uid-only chown", st.st_gid, 42);
    int fd = OK(open("f", O_RDONLY));
    OK(fchown(fd, 0, 0));
    get_fstat(fd, &st);
    ck_eq("uid after fchown", st.st_uid, 0);
    ck_eq("gid after fchown", st.st_gid, 0);
    OK(close(fd));
    OK(lchown("f", 1234, 5678));
    expect_stat("f", S_IFREG, 0644, 1, 4);

    /* Changing the owner of an executable clears setuid and setgid, even for
     * root; on a directory they stay. */
    OK(chmod("f", 06755));
    OK(chown("f", 4321, 8765));
    get_stat("f", &st);
    ck_mode("mode of a 06755 file after chown", st.st_mode & 07777, 0755);
    OK(mkdir("d", 02775));
    OK(chmod("d", 02775));
    OK(chown("d", 1234, 5678));
    expect_stat("d", S_IFDIR, 02775, 2, -1);
    get_stat("d", &st);
    ck_eq("dir uid", st.st_uid, 1234);
    ck_eq("dir gid", st.st_gid, 5678);
    ERR(chown("missing", 1, 1), ENOENT);
}

void check_statfs(void)
{
    struct statfs sf;
    struct statvfs sv;
    if (OK(statfs(".", &sf)) == 0) {
        ck_yes("f_bsize > 0", sf.f_bsize > 0);
        ck_eq("f_namelen", sf.f_namelen, 255);
        ck_yes("f_blocks >= f_bfree >= f_bavail",
               sf.f_blocks >= sf.f_bfree && sf.f_bfree >= sf.f_bavail);
    }
    if (OK(statvfs(".", &sv)) == 0) {
        ck_yes("f_frsize > 0", sv.f_frsize > 0);
        ck_eq("f_namemax", (long long)sv.f_namemax, 255);
        ck_yes("not ST_RDONLY", !(sv.f_flag & ST_RDONLY));
    }
    make_file("f", 0644, "x", 1);
    int fd = OK(open("f", O_RDONLY));
    if (OK(fstatfs(fd, &sf)) == 0)
        ck_eq("fstatfs f_namelen", sf.f_namelen, 255);
    OK(close(fd));
    ERR(statfs("missing", &sf), ENOENT);
}
