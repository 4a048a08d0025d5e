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

#include "kernel_peer.h"
#include "ownloop_fs.h"

static struct fuse_session *new_session(void)
{
    char *argv[] = {"test_fuse_ownloop", "-o", "auto_unmount", NULL};
    struct fuse_args args = FUSE_ARGS_INIT(3, argv);
    struct fuse_session *se = fuse_session_new(&args, &ops, sizeof(ops), NULL);
    fuse_opt_free_args(&args);
    return se;
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

/* The counting read and writev of kernel_peer.h, on /dev/fuse. */
static const struct fuse_custom_io counting_io = {
    .writev = peer_io_writev,
    .read = peer_io_read,
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
    atomic_store(&peer_io_reads, 0);
    atomic_store(&peer_io_writes, 0);
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
    struct fuse_custom_io no_read = {.writev = peer_io_writev};
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
    CHECK(atomic_load(&peer_io_reads) >= 8);
    CHECK(atomic_load(&peer_io_writes) >= 8);
    CHECK(peer_io_userdata == &marker);

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

/* A given fd belongs to the session even if it never serves it. */
TEST(custom_io_fd_closed_unserved)
{
    int p[2];
    CHECK(pipe(p) == 0);
    struct fuse_session *se = new_session();
    CHECK(se != NULL);
    if (!se)
        return;
    CHECK_EQ_INT(fuse_session_custom_io(se, &counting_io, p[0]), 0);
    CHECK_EQ_INT(fuse_session_fd(se), p[0]);
    fuse_session_destroy(se);
    CHECK(fcntl(p[0], F_GETFD) == -1 && errno == EBADF);
    close(p[1]);
}

/* Before mounting: the session mounts and its connection uses the
 * functions; an own loop this time. */
TEST(custom_io_then_mount)
{
    char mnt[] = "/tmp/fsp-customio.XXXXXX";
    CHECK(mkdtemp(mnt) != NULL);
    reset_fs();
    atomic_store(&peer_io_reads, 0);
    atomic_store(&peer_io_writes, 0);
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
    CHECK(atomic_load(&peer_io_reads) >= 8);
    CHECK(atomic_load(&peer_io_writes) >= 8);
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
    RUN(custom_io_fd_closed_unserved);
    RUN(custom_io_then_mount);
    RUN(dev_fd_mountpoint);
    RUN(dev_fd_destroy_keeps_mount);
    return CHECK_DONE();
}
