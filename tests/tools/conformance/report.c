/*
 * report.c - transcript lines, expectations and small file helpers.
 */
#include "conf.h"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

const char *ck_name = "conformance";
int ck_fails;

void note(const char *fmt, ...)
{
    va_list ap;
    printf("%s: ", ck_name);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}

void failf(const char *fmt, ...)
{
    va_list ap;
    printf("FAIL %s: ", ck_name);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    ck_fails++;
}

/* Names, not numbers or strerror text: the transcript must not depend on
 * the C library's messages or locale. */
static const struct {
    int e;
    const char *name;
} errnames[] = {
    {EPERM, "EPERM"},
    {ENOENT, "ENOENT"},
    {EINTR, "EINTR"},
    {EIO, "EIO"},
    {ENXIO, "ENXIO"},
    {E2BIG, "E2BIG"},
    {EBADF, "EBADF"},
    {EAGAIN, "EAGAIN"},
    {ENOMEM, "ENOMEM"},
    {EACCES, "EACCES"},
    {EFAULT, "EFAULT"},
    {EBUSY, "EBUSY"},
    {EEXIST, "EEXIST"},
    {EXDEV, "EXDEV"},
    {ENODEV, "ENODEV"},
    {ENOTDIR, "ENOTDIR"},
    {EISDIR, "EISDIR"},
    {EINVAL, "EINVAL"},
    {ENFILE, "ENFILE"},
    {EMFILE, "EMFILE"},
    {ENOTTY, "ENOTTY"},
    {ETXTBSY, "ETXTBSY"},
    {EFBIG, "EFBIG"},
    {ENOSPC, "ENOSPC"},
    {ESPIPE, "ESPIPE"},
    {EROFS, "EROFS"},
    {EMLINK, "EMLINK"},
    {ERANGE, "ERANGE"},
    {ENOSYS, "ENOSYS"},
    {ENOTEMPTY, "ENOTEMPTY"},
    {ELOOP, "ELOOP"},
    {ENODATA, "ENODATA"},
    {ESTALE, "ESTALE"},
    {EOVERFLOW, "EOVERFLOW"},
    {EOPNOTSUPP, "EOPNOTSUPP"},
    {EDQUOT, "EDQUOT"},
    {EILSEQ, "EILSEQ"},
    {ENOTCONN, "ENOTCONN"},
    {ECONNABORTED, "ECONNABORTED"},
    {ENAMETOOLONG, "ENAMETOOLONG"},
};

const char *errname(int e)
{
    static char buf[32];
    for (size_t i = 0; i < sizeof errnames / sizeof errnames[0]; i++)
        if (errnames[i].e == e)
            return errnames[i].name;
    snprintf(buf, sizeof buf, "errno%d", e);
    return buf;
}

long ck_ok(const char *what, long r, int err)
{
    if (r < 0) {
        note("%s = -1 %s", what, errname(err));
        failf("%s: expected success, got %s", what, errname(err));
    } else {
        note("%s = ok", what);
    }
    return r;
}

long ck_val(const char *what, long r, int err, long want)
{
    if (r < 0 && r != want)
        note("%s = -1 %s", what, errname(err));
    else
        note("%s = %ld", what, r);
    if (r != want)
        failf("%s: expected %ld, got %ld (%s)", what, want, r, r < 0 ? errname(err) : "-");
    return r;
}

long ck_err(const char *what, long r, int err, int want1, int want2)
{
    if (r >= 0) {
        note("%s = succeeded", what);
        failf("%s: expected %s, but it succeeded", what, errname(want1));
        return r;
    }
    note("%s = -1 %s", what, errname(err));
    if (err != want1 && err != want2) {
        char want[80];
        snprintf(want, sizeof want, "%s", errname(want1));
        if (want2 != want1)
            snprintf(want + strlen(want), sizeof want - strlen(want), " or %s", errname(want2));
        failf("%s: expected %s, got %s", what, want, errname(err));
    }
    return r;
}

long ck_rec(const char *what, long r, int err)
{
    if (r < 0)
        note("%s = -1 %s", what, errname(err));
    else
        note("%s = %ld", what, r);
    return r;
}

void ck_eq(const char *what, long long got, long long want)
{
    note("%s = %lld", what, got);
    if (got != want)
        failf("%s: expected %lld, got %lld", what, want, got);
}

void ck_mode(const char *what, mode_t got, mode_t want)
{
    note("%s = 0%03o", what, (unsigned)got);
    if (got != want)
        failf("%s: expected 0%03o, got 0%03o", what, (unsigned)want, (unsigned)got);
}

void ck_str(const char *what, const char *got, const char *want)
{
    note("%s = \"%s\"", what, got ? got : "(null)");
    if (!got || strcmp(got, want) != 0)
        failf("%s: expected \"%s\"", what, want);
}

void ck_yes(const char *what, int cond)
{
    note("%s: %s", what, cond ? "yes" : "no");
    if (!cond)
        failf("%s: expected yes", what);
}

int ts_eq(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

void ck_time(const char *what, const struct timespec *before, const struct timespec *after,
             int want)
{
    int changed = !ts_eq(before, after);
    note("%s %s", what, changed ? "changed" : "unchanged");
    if (want != T_ANY && changed != want)
        failf("%s: expected %s", what, want ? "changed" : "unchanged");
}

/* Longer than any kernel clock tick (HZ >= 100), so a timestamp taken after
 * it differs from one taken before even on a coarse clock. */
void tick(void)
{
    struct timespec ts = {0, 30 * 1000 * 1000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Long paths (deep nesting) are abbreviated in transcript lines: the head
 * and the byte count identify them well enough. Rotating buffers let a line
 * show two paths. */
const char *short_path(const char *path)
{
    static char bufs[4][96];
    static int next;
    size_t n = strlen(path);
    if (n <= 64)
        return path;
    char *b = bufs[next++ % 4];
    snprintf(b, sizeof bufs[0], "%.24s...%s (%zu bytes)", path, path + n - 12, n);
    return b;
}

int get_stat(const char *path, struct stat *st)
{
    if (stat(path, st) == 0)
        return 0;
    note("stat(\"%s\") = -1 %s", short_path(path), errname(errno));
    failf("stat(\"%s\"): %s", short_path(path), errname(errno));
    memset(st, 0, sizeof *st);
    return -1;
}

int get_fstat(int fd, struct stat *st)
{
    if (fstat(fd, st) == 0)
        return 0;
    note("fstat = -1 %s", errname(errno));
    failf("fstat: %s", errname(errno));
    memset(st, 0, sizeof *st);
    return -1;
}

static const char *type_name(mode_t m)
{
    switch (m & S_IFMT) {
    case S_IFREG:
        return "reg";
    case S_IFDIR:
        return "dir";
    case S_IFLNK:
        return "lnk";
    default:
        return "other";
    }
}

/* Directory sizes and block counts are file-system specific (tmpfs counts
 * entries in bogus units); only regular files show whether blocks exist. */
void note_stat(const char *label, const struct stat *st)
{
    if (S_ISREG(st->st_mode))
        note("%s: %s 0%03o nlink=%lu size=%lld uid=%u gid=%u blocks>0=%s", label,
             type_name(st->st_mode), (unsigned)(st->st_mode & 07777), (unsigned long)st->st_nlink,
             (long long)st->st_size, (unsigned)st->st_uid, (unsigned)st->st_gid,
             st->st_blocks > 0 ? "yes" : "no");
    else
        note("%s: %s 0%03o nlink=%lu uid=%u gid=%u", label, type_name(st->st_mode),
             (unsigned)(st->st_mode & 07777), (unsigned long)st->st_nlink, (unsigned)st->st_uid,
             (unsigned)st->st_gid);
}

void expect_stat(const char *path, mode_t type, int mode, long nlink, long long size)
{
    struct stat st;
    char label[300];
    if (get_stat(path, &st))
        return;
    snprintf(label, sizeof label, "stat %s", short_path(path));
    path = short_path(path);
    note_stat(label, &st);
    if ((st.st_mode & S_IFMT) != type)
        failf("%s: type %s, expected %s", path, type_name(st.st_mode), type_name(type));
    if (mode >= 0 && (int)(st.st_mode & 07777) != mode)
        failf("%s: mode 0%o, expected 0%o", path, (unsigned)(st.st_mode & 07777), mode);
    if (nlink >= 0 && (long)st.st_nlink != nlink)
        failf("%s: nlink %lu, expected %ld", path, (unsigned long)st.st_nlink, nlink);
    if (size >= 0 && S_ISREG(st.st_mode) && st.st_size != size)
        failf("%s: size %lld, expected %lld", path, (long long)st.st_size, size);
}

/* FNV-1a style over 64-bit words (with a shift to mix the high bits down):
 * fast enough for 256 MiB, and any change of a byte changes the sum. Chunks
 * fed to csum_update must be multiples of 8 bytes except the last. */
uint64_t csum_update(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    const uint64_t prime = 0x100000001b3ULL;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, b, 8);
        h = (h ^ w) * prime;
        h ^= h >> 29;
        b += 8;
        n -= 8;
    }
    while (n--)
        h = (h ^ *b++) * prime;
    return h;
}

uint64_t csum(const void *p, size_t n)
{
    return csum_update(0xcbf29ce484222325ULL, p, n);
}

/* xorshift64* seeded through splitmix64: cheap, and each seed gives a
 * distinct stream, so misplaced data is detected. */
void fill_pattern(void *buf, size_t n, uint64_t seed)
{
    uint64_t x = seed + 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    x ^= x >> 31;
    if (!x)
        x = 1;
    unsigned char *b = buf;
    while (n) {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        uint64_t v = x * 0x2545f4914f6cdd1dULL;
        size_t k = n < 8 ? n : 8;
        memcpy(b, &v, k);
        b += k;
        n -= k;
    }
}

ssize_t pread_full(int fd, void *buf, size_t n, off_t off)
{
    size_t done = 0;
    while (done < n) {
        ssize_t r = pread(fd, (char *)buf + done, n - done, off + (off_t)done);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        done += (size_t)r;
    }
    return (ssize_t)done;
}

ssize_t pwrite_full(int fd, const void *buf, size_t n, off_t off)
{
    size_t done = 0;
    while (done < n) {
        ssize_t r = pwrite(fd, (const char *)buf + done, n - done, off + (off_t)done);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        done += (size_t)r;
    }
    return (ssize_t)done;
}

int is_zero(const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return 0;
    return 1;
}

int make_file(const char *path, mode_t mode, const void *data, size_t n)
{
    const char *label = short_path(path);
    int fd = open(path, O_CREAT | O_EXCL | O_WRONLY, mode);
    if (fd < 0) {
        note("create %s = -1 %s", label, errname(errno));
        failf("create %s: %s", label, errname(errno));
        return -1;
    }
    int rc = 0;
    if (n && pwrite_full(fd, data, n, 0) != (ssize_t)n) {
        note("write %s = -1 %s", label, errname(errno));
        failf("write %s: %s", label, errname(errno));
        rc = -1;
    }
    if (close(fd) != 0) {
        note("close %s = -1 %s", label, errname(errno));
        failf("close %s: %s", label, errname(errno));
        rc = -1;
    }
    if (rc == 0)
        note("create %s (%zu bytes, 0%o) = ok", label, n, (unsigned)mode);
    return rc;
}

ssize_t slurp(const char *path, void *buf, size_t n)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    ssize_t r = pread_full(fd, buf, n, 0);
    int e = errno;
    close(fd);
    errno = e;
    return r;
}

void expect_content(const char *path, const void *data, size_t n)
{
    char *buf = malloc(n + 1);
    if (!buf)
        abort();
    ssize_t r = slurp(path, buf, n + 1);
    path = short_path(path);
    if (r < 0) {
        note("content %s = -1 %s", path, errname(errno));
        failf("read %s: %s", path, errname(errno));
    } else {
        note("content %s: %zd bytes csum=%016llx", path, r,
             (unsigned long long)csum(buf, (size_t)r));
        if ((size_t)r != n || memcmp(buf, data, n) != 0)
            failf("content %s differs from what was written (%zd bytes, expected %zu)", path, r, n);
    }
    free(buf);
}

void age(const char *path)
{
    const struct timespec old[2] = {{1000000000, 0}, {1000000000, 0}};
    if (utimensat(AT_FDCWD, path, old, 0) != 0)
        failf("utimensat(%s) to age it: %s", path, errname(errno));
}

void run_as(uid_t uid, gid_t gid, void (*fn)(void *), void *arg)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        failf("fork: %s", errname(errno));
        return;
    }
    if (pid == 0) {
        ck_fails = 0;
        if (setgroups(0, NULL) != 0 || setresgid(gid, gid, gid) != 0 ||
            setresuid(uid, uid, uid) != 0) {
            failf("drop privileges to %u:%u: %s", (unsigned)uid, (unsigned)gid, errname(errno));
            fflush(stdout);
            _exit(1);
        }
        fn(arg);
        fflush(stdout);
        _exit(ck_fails ? 1 : 0);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(status))
        failf("child as %u died (signal %d)", (unsigned)uid,
              WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    else if (WEXITSTATUS(status) != 0)
        ck_fails++; /* the child printed its FAIL lines */
}

/* Names are collected before removing anything: removing entries while
 * reading a directory leaves the stream position to the file system. */
int remove_tree(int dirfd, const char *path)
{
    int fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    if (fd < 0)
        return unlinkat(dirfd, path, 0);
    int rc = 0;
    for (;;) {
        DIR *d = fdopendir(dup(fd));
        if (!d) {
            rc = -1;
            break;
        }
        char **names = NULL;
        size_t count = 0, cap = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
            if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                continue;
            if (count == cap) {
                cap = cap ? cap * 2 : 64;
                names = realloc(names, cap * sizeof *names);
                if (!names)
                    abort();
            }
            names[count++] = strdup(de->d_name);
        }
        closedir(d);
        for (size_t i = 0; i < count; i++) {
            struct stat st;
            if (fstatat(fd, names[i], &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)) {
                if (remove_tree(fd, names[i]) != 0)
                    rc = -1;
            } else if (unlinkat(fd, names[i], 0) != 0) {
                rc = -1;
            }
            free(names[i]);
        }
        free(names);
        if (count == 0 || rc != 0)
            break;
    }
    close(fd);
    if (rc == 0)
        rc = unlinkat(dirfd, path, AT_REMOVEDIR);
    return rc;
}
