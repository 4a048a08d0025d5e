/*
 * test_fuse_ownloop.c - programs that drive FSP's libfuse3 themselves:
 *   - their own loop of fuse_session_receive_buf / fuse_session_process_buf,
 *     on one thread and on four (as xdg-document-portal does); with four,
 *     two READs must be in the file system at the same time;
 *   - fuse_session_custom_io with counting read/writev functions on the
 *     /dev/fuse fd of fuse_open_channel (instead of mounting), and before
 *     fuse_session_mount;
 *   - fuse_open_channel + fuse_session_mount("/dev/fd/N"): the session
 *     serves a connection mounted by someone else and never unmounts it.
 * Each mount is exercised by a checker child (create, write, read back,
 * readdir, unlink, compared with the data written), bounded by alarm().
 *
 * Needs root (mount(2)) or fusermount3. Every mount is made with
 * auto_unmount and undone by the test on every path.
 */
#define _GNU_SOURCE
#define FUSE_USE_VERSION 314
#include <fuse.h> /* fuse_open_channel */
#include <fuse_lowlevel.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/uio.h>
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

static void fill_stat(fuse_ino_t ino, struct stat *st)
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

static struct file *file_of(fuse_ino_t ino)
{
    if (ino < 2 || ino >= 2 + MAX_FILES || !files[ino - 2].used)
        return NULL;
    return &files[ino - 2];
}

static void reply_entry(fuse_req_t req, fuse_ino_t ino)
{
    struct fuse_entry_param e = {.ino = ino};
    fill_stat(ino, &e.attr);
    fuse_reply_entry(req, &e);
}

static void t_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
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

static void t_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
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

static void t_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
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

static void t_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    fi->direct_io = 1;
    fuse_reply_open(req, fi);
}

static void t_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
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

static void t_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
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

static void t_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
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

static void t_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                      struct fuse_file_info *fi)
{
    char buf[4096];
    size_t len = 0;
    if (size > sizeof(buf))
        size = sizeof(buf);
    pthread_mutex_lock(&lock);
    /* Offsets: 1 ".", 2 "..", 3 + i the file in slot i. */
    for (off_t k = off; k < 3 + MAX_FILES; k++) {
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

static void reset_fs(void)
{
    pthread_mutex_lock(&lock);
    memset(files, 0, sizeof(files));
    want_overlap = false;
    reads_in = max_reads_in = 0;
    pthread_mutex_unlock(&lock);
    atomic_store(&requests, 0);
}

/* --- Checks (in a child) ------------------------------------------------------------- */

static bool listed(const char *dir, const char *name)
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
static int exercise(const char *mnt, bool parallel_reads)
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
                _exit(n == (ssize_t)sizeof(b) && !memcmp(b, pattern + 1000 * k, sizeof(b)) ? 0
                                                                                            : 1);
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
static bool run_checks(const char *mnt, bool parallel_reads, int server_fd)
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

static bool is_mounted(const char *mnt)
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
static void test_umount(const char *mnt)
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

static struct fuse_session *new_session(void)
{
    char *argv[] = {"test_fuse_ownloop", "-o", "auto_unmount", NULL};
    struct fuse_args args = FUSE_ARGS_INIT(3, argv);
    struct fuse_session *se = fuse_session_new(&args, &ops, sizeof(ops), NULL);
    fuse_opt_free_args(&args);
    return se;
}

/* Join a loop thread within 10 s; false if it did not end. */
static bool join_bounded(pthread_t t)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 10;
    return pthread_timedjoin_np(t, NULL, &ts) == 0;
}

/* --- Own loops -------------------------------------------------------------------------- */

static void *own_loop(void *arg)
{
    struct fuse_session *se = arg;
    struct fuse_buf buf = {.mem = NULL};
    int res;
    while (!fuse_session_exited(se)) {
        res = fuse_session_receive_buf(se, &buf);
        if (res == -EINTR)
            continue;
        if (res <= 0)
            break;
        fuse_session_process_buf(se, &buf);
        atomic_fetch_add(&requests, 1);
    }
    free(buf.mem);
    return NULL;
}

static void own_loop_test(int nthreads)
{
    char mnt[] = "/tmp/fsp-ownloop.XXXXXX";
    CHECK(mkdtemp(mnt) != NULL);
    reset_fs();
    want_overlap = nthreads > 1;
    struct fuse_session *se = new_session();
    CHECK(se != NULL);
    if (!se || fuse_session_mount(se, mnt) != 0) {
        CHECK(!"mounted");
        if (se)
            fuse_session_destroy(se);
        rmdir(mnt);
        return;
    }
    pthread_t threads[4];
    int started = 0;
    for (int i = 0; i < nthreads && i < 4; i++)
        if (pthread_create(&threads[i], NULL, own_loop, se) == 0)
            started++;
    CHECK_EQ_INT(started, nthreads);

    CHECK(run_checks(mnt, nthreads > 1, fuse_session_fd(se)));
    if (nthreads > 1)
        CHECK(max_reads_in >= 2);
    CHECK(atomic_load(&requests) > 10);

    /* Unmounting ends every receive_buf with 0 (ENODEV). */
    fuse_session_exit(se);
    fuse_session_unmount(se);
    bool joined = true;
    for (int i = 0; i < started; i++)
        joined &= join_bounded(threads[i]);
    CHECK(joined);
    CHECK(!is_mounted(mnt));
    test_umount(mnt);
    if (joined)
        fuse_session_destroy(se);
    rmdir(mnt);
}

TEST(own_loop_one_thread)
{
    own_loop_test(1);
}

TEST(own_loop_four_threads)
{
    own_loop_test(4);
}

/* receive_buf on an unmounted session fails instead of reading fd -1. */
TEST(receive_unmounted)
{
    struct fuse_session *se = new_session();
    CHECK(se != NULL);
    if (!se)
        return;
    struct fuse_buf buf = {.mem = NULL};
    CHECK(fuse_session_receive_buf(se, &buf) < 0);
    free(buf.mem);
    fuse_session_destroy(se);
}

/* --- Custom I/O ------------------------------------------------------------------------ */

static atomic_int io_reads, io_writes;
static void *io_userdata_seen;

static ssize_t count_read(int fd, void *buf, size_t len, void *userdata)
{
    atomic_fetch_add(&io_reads, 1);
    io_userdata_seen = userdata;
    return read(fd, buf, len);
}

static ssize_t count_writev(int fd, struct iovec *iov, int count, void *userdata)
{
    atomic_fetch_add(&io_writes, 1);
    return writev(fd, iov, count);
}

static const struct fuse_custom_io counting_io = {
    .writev = count_writev,
    .read = count_read,
};

static void *pool_loop(void *arg)
{
    fuse_session_loop((struct fuse_session *)arg);
    return NULL;
}

static int marker; /* the file system's userdata: custom I/O gets it */

/* Instead of mounting: the fd of fuse_open_channel, served through the
 * counting functions by the session's own loop. */
TEST(custom_io_on_open_channel)
{
    char mnt[] = "/tmp/fsp-customio.XXXXXX";
    CHECK(mkdtemp(mnt) != NULL);
    reset_fs();
    atomic_store(&io_reads, 0);
    atomic_store(&io_writes, 0);
    int fd = fuse_open_channel(mnt, "auto_unmount,fsname=customio");
    CHECK(fd >= 0);
    if (fd < 0) {
        rmdir(mnt);
        return;
    }
    CHECK(is_mounted(mnt));
    char *argv[] = {"test_fuse_ownloop", NULL};
    struct fuse_args args = FUSE_ARGS_INIT(1, argv);
    struct fuse_session *se = fuse_session_new(&args, &ops, sizeof(ops), &marker);
    fuse_opt_free_args(&args);
    CHECK(se != NULL);
    struct fuse_custom_io no_read = {.writev = count_writev};
    CHECK_EQ_INT(fuse_session_custom_io(se, &no_read, fd), -EINVAL);
    CHECK_EQ_INT(fuse_session_custom_io(se, &counting_io, -1), -EBADF);
    CHECK_EQ_INT(fuse_session_custom_io(se, &counting_io, fd), 0);
    CHECK_EQ_INT(fuse_session_fd(se), fd);

    pthread_t loop;
    bool started = pthread_create(&loop, NULL, pool_loop, se) == 0;
    CHECK(started);
    CHECK(run_checks(mnt, false, fd));
    /* INIT and every request came through our read; each answer through
     * our writev (LOOKUP, CREATE, WRITE, READ, UNLINK ... at least 8). */
    CHECK(atomic_load(&io_reads) >= 8);
    CHECK(atomic_load(&io_writes) >= 8);
    CHECK(io_userdata_seen == &marker);

    /* The session did not mount, so it does not unmount: the test does,
     * which ends the loop. */
    fuse_session_exit(se);
    fuse_session_unmount(se);
    CHECK(is_mounted(mnt));
    test_umount(mnt);
    CHECK(!is_mounted(mnt));
    bool joined = started && join_bounded(loop);
    CHECK(joined);
    if (joined || !started)
        fuse_session_destroy(se);
    rmdir(mnt);
}

/* Before mounting: the session mounts and its connection uses the
 * functions; an own loop this time. */
TEST(custom_io_then_mount)
{
    char mnt[] = "/tmp/fsp-customio.XXXXXX";
    CHECK(mkdtemp(mnt) != NULL);
    reset_fs();
    atomic_store(&io_reads, 0);
    atomic_store(&io_writes, 0);
    struct fuse_session *se = new_session();
    CHECK(se != NULL);
    int spare = open("/dev/null", O_RDWR | O_CLOEXEC);
    CHECK(fuse_session_custom_io(se, &counting_io, spare) == 0);
    if (!se || fuse_session_mount(se, mnt) != 0) {
        CHECK(!"mounted");
        if (se)
            fuse_session_destroy(se);
        close(spare);
        rmdir(mnt);
        return;
    }
    pthread_t loop;
    bool started = pthread_create(&loop, NULL, own_loop, se) == 0;
    CHECK(started);
    CHECK(run_checks(mnt, false, fuse_session_fd(se)));
    CHECK(atomic_load(&io_reads) >= 8);
    CHECK(atomic_load(&io_writes) >= 8);
    fuse_session_exit(se);
    fuse_session_unmount(se);
    CHECK(!is_mounted(mnt));
    bool joined = started && join_bounded(loop);
    CHECK(joined);
    test_umount(mnt);
    if (joined || !started)
        fuse_session_destroy(se);
    close(spare);
    rmdir(mnt);
}

/* --- /dev/fd/N ---------------------------------------------------------------------------- */

TEST(dev_fd_mountpoint)
{
    char mnt[] = "/tmp/fsp-devfd.XXXXXX";
    CHECK(mkdtemp(mnt) != NULL);
    reset_fs();
    int fd = fuse_open_channel(mnt, "auto_unmount,fsname=devfd");
    CHECK(fd >= 0);
    if (fd < 0) {
        rmdir(mnt);
        return;
    }
    struct fuse_session *se = new_session();
    CHECK(se != NULL);
    CHECK(fuse_session_mount(se, "/dev/fd/999999") != 0); /* not open */
    char devfd[32];
    snprintf(devfd, sizeof(devfd), "/dev/fd/%d", fd);
    int rc = se ? fuse_session_mount(se, devfd) : -1;
    CHECK_EQ_INT(rc, 0);
    if (rc != 0) {
        if (se)
            fuse_session_destroy(se);
        close(fd);
        test_umount(mnt);
        rmdir(mnt);
        return;
    }
    CHECK_EQ_INT(fuse_session_fd(se), fd);

    pthread_t loop;
    bool started = pthread_create(&loop, NULL, own_loop, se) == 0;
    CHECK(started);
    CHECK(run_checks(mnt, false, fd));

    /* Neither unmount nor destroy touches a mount the session did not
     * make; the loop ends when its owner unmounts. */
    fuse_session_exit(se);
    fuse_session_unmount(se);
    CHECK(is_mounted(mnt));
    test_umount(mnt);
    CHECK(!is_mounted(mnt));
    bool joined = started && join_bounded(loop);
    CHECK(joined);
    if (joined || !started)
        fuse_session_destroy(se);
    rmdir(mnt);
}

/* destroy without a loop: the mount stays until its owner unmounts. */
TEST(dev_fd_destroy_keeps_mount)
{
    char mnt[] = "/tmp/fsp-devfd.XXXXXX";
    CHECK(mkdtemp(mnt) != NULL);
    int fd = fuse_open_channel(mnt, "auto_unmount");
    CHECK(fd >= 0);
    if (fd < 0) {
        rmdir(mnt);
        return;
    }
    struct fuse_session *se = new_session();
    char devfd[32];
    snprintf(devfd, sizeof(devfd), "/dev/fd/%d", fd);
    CHECK(se && fuse_session_mount(se, devfd) == 0);
    if (se)
        fuse_session_destroy(se); /* closes fd, as libfuse does */
    CHECK(is_mounted(mnt));
    CHECK(fcntl(fd, F_GETFD) == -1 && errno == EBADF);
    test_umount(mnt);
    CHECK(!is_mounted(mnt));
    rmdir(mnt);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    alarm(240); /* the whole run; each checker child has its own 30 s */
    RUN(receive_unmounted);
    RUN(own_loop_one_thread);
    RUN(own_loop_four_threads);
    RUN(custom_io_on_open_channel);
    RUN(custom_io_then_mount);
    RUN(dev_fd_mountpoint);
    RUN(dev_fd_destroy_keeps_mount);
    return CHECK_DONE();
}
