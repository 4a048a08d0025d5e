/*
 * ownloop_fs.h - a tiny flat in-memory low-level file system and the checks
 * a child runs on its mount, shared by the FUSE 3 and FUSE 2 own-loop tests
 * (the low-level calls it uses have the same form in both APIs; include
 * the API's fuse_lowlevel.h first).
 *
 * The checks: create, write 40,000 bytes, stat, read back and compare,
 * optionally two concurrent readers (each READ waits, bounded, for a
 * second one), readdir, unlink, ENOENT afterwards.
 */
#ifndef FSP_TEST_OWNLOOP_FS_H
#define FSP_TEST_OWNLOOP_FS_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

/* --- A tiny flat file system ------------------------------------------------------ */

#define MAX_FILES 8
#define FILE_MAX  (64 * 1024)

struct file {
    bool used;
    char name[64];
    size_t size;
    char data[FILE_MAX];
};

static struct file files[MAX_FILES]; /* ino = index + 2 */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static bool want_overlap;   /* READs wait (bounded) for a second one */
static int reads_in;        /* READs in the file system now */
static int max_reads_in;    /* the most at once */
static atomic_int requests; /* processed by the own loops */

static inline void fill_stat(fuse_ino_t ino, struct stat *st)
{
    memset(st, 0, sizeof(*st));
    st->st_ino = ino;
    if (ino == FUSE_ROOT_ID) {
        st->st_mode = S_IFDIR | 0755;
        st->st_nlink = 2;
    } else {
        st->st_mode = S_IFREG | 0644;
        st->st_nlink = 1;
        st->st_size = (off_t)files[ino - 2].size;
    }
}

static inline struct file *file_of(fuse_ino_t ino)
{
    if (ino < 2 || ino >= 2 + MAX_FILES || !files[ino - 2].used)
        return NULL;
    return &files[ino - 2];
}

static inline void reply_entry(fuse_req_t req, fuse_ino_t ino)
{
    struct fuse_entry_param e = {.ino = ino};
    fill_stat(ino, &e.attr);
    fuse_reply_entry(req, &e);
}

static inline void t_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    pthread_mutex_lock(&lock);
    for (int i = 0; i < MAX_FILES; i++) {
        if (parent == FUSE_ROOT_ID && files[i].used && !strcmp(files[i].name, name)) {
            reply_entry(req, (fuse_ino_t)i + 2);
            pthread_mutex_unlock(&lock);
            return;
        }
    }
    pthread_mutex_unlock(&lock);
    fuse_reply_err(req, ENOENT);
}

static inline void t_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    struct stat st;
    pthread_mutex_lock(&lock);
    bool ok = ino == FUSE_ROOT_ID || file_of(ino);
    if (ok)
        fill_stat(ino, &st);
    pthread_mutex_unlock(&lock);
    if (ok)
        fuse_reply_attr(req, &st, 0);
    else
        fuse_reply_err(req, ENOENT);
}

static inline void t_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
                            struct fuse_file_info *fi)
{
    pthread_mutex_lock(&lock);
    int slot = -1;
    for (int i = 0; i < MAX_FILES; i++)
        if (!files[i].used && slot < 0)
            slot = i;
    if (slot < 0 || strlen(name) >= sizeof(files[0].name)) {
        pthread_mutex_unlock(&lock);
        fuse_reply_err(req, slot < 0 ? ENOSPC : ENAMETOOLONG);
        return;
    }
    files[slot].used = true;
    files[slot].size = 0;
    snprintf(files[slot].name, sizeof(files[slot].name), "%s", name);
    struct fuse_entry_param e = {.ino = (fuse_ino_t)slot + 2};
    fill_stat(e.ino, &e.attr);
    pthread_mutex_unlock(&lock);
    fi->direct_io = 1; /* every read reaches us */
    fuse_reply_create(req, &e, fi);
}

static inline void t_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    fi->direct_io = 1;
    fuse_reply_open(req, fi);
}

static inline void t_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
                           struct fuse_file_info *fi)
{
    pthread_mutex_lock(&lock);
    struct file *f = file_of(ino);
    if (!f || off < 0 || (size_t)off + size > FILE_MAX) {
        pthread_mutex_unlock(&lock);
        fuse_reply_err(req, f ? EFBIG : ENOENT);
        return;
    }
    memcpy(f->data + off, buf, size);
    if ((size_t)off + size > f->size)
        f->size = (size_t)off + size;
    pthread_mutex_unlock(&lock);
    fuse_reply_write(req, size);
}

static inline void t_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                          struct fuse_file_info *fi)
{
    pthread_mutex_lock(&lock);
    if (want_overlap) {
        /* Wait up to 5 s for another READ: only a loop on several threads
         * can have two in here at once. */
        reads_in++;
        if (reads_in > max_reads_in)
            max_reads_in = reads_in;
        pthread_cond_broadcast(&cond);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 5;
        while (max_reads_in < 2 && pthread_cond_timedwait(&cond, &lock, &ts) == 0)
            ;
        reads_in--;
    }
    struct file *f = file_of(ino);
    char *copy = NULL;
    size_t n = 0;
    if (f && off >= 0 && (size_t)off < f->size) {
        n = f->size - (size_t)off < size ? f->size - (size_t)off : size;
        copy = malloc(n);
        if (copy)
            memcpy(copy, f->data + off, n);
    }
    pthread_mutex_unlock(&lock);
    if (!f)
        fuse_reply_err(req, ENOENT);
    else if (n && !copy)
        fuse_reply_err(req, ENOMEM);
    else
        fuse_reply_buf(req, copy, n);
    free(copy);
}

static inline void t_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    int err = ENOENT;
    pthread_mutex_lock(&lock);
    for (int i = 0; i < MAX_FILES; i++) {
        if (parent == FUSE_ROOT_ID && files[i].used && !strcmp(files[i].name, name)) {
            files[i].used = false;
            err = 0;
        }
    }
    pthread_mutex_unlock(&lock);
    fuse_reply_err(req, err);
}

static inline void t_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                             struct fuse_file_info *fi)
{
    char buf[4096];
    size_t len = 0;
    if (size > sizeof(buf))
        size = sizeof(buf);
    pthread_mutex_lock(&lock);
    /* Entry k: 0 ".", 1 "..", 2 + i the file in slot i; its offset is k + 1. */
    for (off_t k = off; k < 2 + MAX_FILES; k++) {
        struct stat st = {.st_mode = S_IFDIR};
        const char *name = k == 0 ? "." : k == 1 ? ".." : NULL;
        if (k >= 2) {
            if (!files[k - 2].used)
                continue;
            name = files[k - 2].name;
            st.st_mode = S_IFREG;
            st.st_ino = (ino_t)k;
        }
        size_t need = fuse_add_direntry(req, buf + len, size - len, name, &st, k + 1);
        if (need > size - len)
            break;
        len += need;
    }
    pthread_mutex_unlock(&lock);
    fuse_reply_buf(req, buf, len);
}

static const struct fuse_lowlevel_ops ops = {
    .lookup = t_lookup,
    .getattr = t_getattr,
    .create = t_create,
    .open = t_open,
    .write = t_write,
    .read = t_read,
    .unlink = t_unlink,
    .readdir = t_readdir,
};

static inline void reset_fs(void)
{
    pthread_mutex_lock(&lock);
    memset(files, 0, sizeof(files));
    want_overlap = false;
    reads_in = max_reads_in = 0;
    pthread_mutex_unlock(&lock);
    atomic_store(&requests, 0);
}

/* --- Checks (in a child) ------------------------------------------------------------- */

static inline bool listed(const char *dir, const char *name)
{
    DIR *d = opendir(dir);
    bool found = false;
    if (!d)
        return false;
    struct dirent *de;
    while ((de = readdir(d)))
        if (!strcmp(de->d_name, name))
            found = true;
    closedir(d);
    return found;
}

static char pattern[40000];

/* Create, write, read back, list, unlink: the child's exit status is the
 * number of failed checks (0: all passed). */
static inline int exercise(const char *mnt, bool parallel_reads)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/file", mnt);
    for (size_t i = 0; i < sizeof(pattern); i++)
        pattern[i] = (char)('a' + (i * 7 + i / 251) % 26);

    check_failed_in_test = 0;
    int fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0644);
    CHECK(fd >= 0);
    CHECK_EQ_INT(write(fd, pattern, sizeof(pattern)), sizeof(pattern));
    CHECK_EQ_INT(close(fd), 0);

    struct stat st;
    CHECK_EQ_INT(stat(path, &st), 0);
    CHECK_EQ_INT(st.st_size, sizeof(pattern));
    CHECK(S_ISREG(st.st_mode));

    static char back[sizeof(pattern)];
    fd = open(path, O_RDONLY);
    CHECK(fd >= 0);
    CHECK_EQ_INT(pread(fd, back, sizeof(back), 0), sizeof(back));
    CHECK(memcmp(back, pattern, sizeof(back)) == 0);
    CHECK_EQ_INT(close(fd), 0);

    if (parallel_reads) {
        /* Two readers at once: the file system's READ waits for a second
         * READ, which only another loop thread can hand it. */
        pid_t kids[2];
        for (int k = 0; k < 2; k++) {
            kids[k] = fork();
            if (kids[k] == 0) {
                char b[100];
                int rfd = open(path, O_RDONLY);
                ssize_t n = rfd >= 0 ? pread(rfd, b, sizeof(b), 1000 * k) : -1;
                _exit(n == (ssize_t)sizeof(b) && !memcmp(b, pattern + 1000 * k, sizeof(b)) ? 0 : 1);
            }
        }
        for (int k = 0; k < 2; k++) {
            int status = 1;
            CHECK(kids[k] > 0 && waitpid(kids[k], &status, 0) == kids[k]);
            CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        }
    }

    CHECK(listed(mnt, "file"));
    CHECK_EQ_INT(unlink(path), 0);
    CHECK(!listed(mnt, "file"));
    CHECK(stat(path, &st) != 0 && errno == ENOENT);
    return check_failed_in_test;
}

/* The checks in a child bounded by 30 s; true when they all passed. */
static inline bool run_checks(const char *mnt, bool parallel_reads, int server_fd)
{
    fflush(NULL);
    pid_t child = fork();
    if (child == 0) {
        /* Not a server: a dead parent must end the connection for us. */
        if (server_fd >= 0)
            close(server_fd);
        alarm(30);
        _exit(exercise(mnt, parallel_reads) ? 1 : 0);
    }
    int status = 0;
    while (child > 0 && waitpid(child, &status, 0) < 0 && errno == EINTR)
        ;
    if (child > 0 && WIFSIGNALED(status))
        fprintf(stderr, "  checks killed by signal %d\n", WTERMSIG(status));
    return child > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* --- Mount helpers -------------------------------------------------------------------- */

static inline bool is_mounted(const char *mnt)
{
    FILE *f = fopen("/proc/self/mountinfo", "r");
    char line[4096];
    bool found = false;
    if (!f)
        return false;
    while (fgets(line, sizeof(line), f)) {
        char point[4096];
        if (sscanf(line, "%*s %*s %*s %*s %4095s", point) == 1 && !strcmp(point, mnt))
            found = true;
    }
    fclose(f);
    return found;
}

/* The test's own unmount (the session must not do it in these cases). */
static inline void test_umount(const char *mnt)
{
    if (!is_mounted(mnt))
        return;
    if (geteuid() == 0) {
        if (umount2(mnt, 0) != 0)
            umount2(mnt, MNT_DETACH);
        return;
    }
    pid_t p = fork();
    if (p == 0) {
        execlp("fusermount3", "fusermount3", "-u", "-z", "--", mnt, (char *)NULL);
        _exit(127);
    }
    while (p > 0 && waitpid(p, NULL, 0) < 0 && errno == EINTR)
        ;
}

/* Join a loop thread within 10 s; false if it did not end. */
static inline bool join_bounded(pthread_t t)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 10;
    return pthread_timedjoin_np(t, NULL, &ts) == 0;
}

#endif /* FSP_TEST_OWNLOOP_FS_H */
