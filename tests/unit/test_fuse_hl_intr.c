/*
 * test_fuse_hl_intr.c - the high-level -o intr: a reader interrupted by a
 * signal while the file system's read sleeps makes the kernel send
 * INTERRUPT; the library must then send intr_signal to the thread running
 * that read, so the sleep ends early with EINTR and fuse_interrupted() says
 * so. The read here sleeps 20 s unless interrupted; the reader must be back
 * within a few seconds with EINTR (the file system's answer). Also: the
 * library gives intr_signal a handler (the signal would otherwise kill the
 * process) and takes it back at fuse_destroy.
 *
 * Needs root (mount(2)) or fusermount3; mounts with auto_unmount, so even
 * a crash leaves no mount behind; alarm() bounds the checks and the run.
 */
#define _GNU_SOURCE
#define FUSE_USE_VERSION 312
#include <fuse.h>
#include <fuse_lowlevel.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "fuse_harness.h"

/* What the slow read saw: set in the server, read by the child via /status. */
static atomic_int slow_calls, slow_eintr, slow_interrupted;

static int i_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
    memset(st, 0, sizeof(*st));
    if (!strcmp(path, "/")) {
        st->st_mode = S_IFDIR | 0755;
        st->st_nlink = 2;
        return 0;
    }
    if (!strcmp(path, "/slow") || !strcmp(path, "/status")) {
        st->st_mode = S_IFREG | 0644;
        st->st_nlink = 1;
        st->st_size = 64;
        return 0;
    }
    return -ENOENT;
}

static int i_open(const char *path, struct fuse_file_info *fi)
{
    fi->direct_io = 1; /* every read reaches us */
    return 0;
}

static int i_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
    if (!strcmp(path, "/status")) {
        int n = snprintf(buf, size, "calls=%d eintr=%d interrupted=%d", atomic_load(&slow_calls),
                         atomic_load(&slow_eintr), atomic_load(&slow_interrupted));
        return off ? 0 : n;
    }
    atomic_fetch_add(&slow_calls, 1);
    struct timespec ts = {20, 0};
    if (nanosleep(&ts, NULL) != 0 && errno == EINTR) {
        atomic_fetch_add(&slow_eintr, 1);
        if (fuse_interrupted())
            atomic_fetch_add(&slow_interrupted, 1);
        return -EINTR;
    }
    memset(buf, 'x', size);
    return (int)size;
}

static const struct fuse_operations i_ops = {
    .getattr = i_getattr,
    .open = i_open,
    .read = i_read,
};

static char mnt[64];

static void on_signal(int sig)
{
    (void)sig;
}

static void *poke(void *arg)
{
    struct timespec ts = {0, 300 * 1000 * 1000};
    nanosleep(&ts, NULL);
    pthread_kill(*(pthread_t *)arg, SIGUSR2);
    return NULL;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

TEST(interrupted_read_ends_early)
{
    char path[128], buf[128];
    /* A handler without SA_RESTART: the read is interrupted, not restarted. */
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGUSR2, &sa, NULL);

    snprintf(path, sizeof(path), "%s/slow", mnt);
    int fd = open(path, O_RDONLY);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    pthread_t self = pthread_self(), t;
    pthread_create(&t, NULL, poke, &self);
    double start = now();
    ssize_t n = read(fd, buf, sizeof(buf));
    int err = errno;
    double took = now() - start;
    pthread_join(t, NULL);
    close(fd);
    CHECK_EQ_INT((int)n, -1);
    CHECK_EQ_INT(err, EINTR);
    CHECK(took < 10.0);

    snprintf(path, sizeof(path), "%s/status", mnt);
    fd = open(path, O_RDONLY);
    CHECK(fd >= 0);
    n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
    buf[n > 0 ? n : 0] = 0;
    if (fd >= 0)
        close(fd);
    CHECK_EQ_STR(buf, "calls=1 eintr=1 interrupted=1");
}

static bool handler_is_default(int sig)
{
    struct sigaction old;
    return sigaction(sig, NULL, &old) == 0 && old.sa_handler == SIG_DFL;
}

static void checks(void)
{
    RUN(interrupted_read_ends_early);
}

int main(void)
{
    alarm(60);
    struct fuse *f = hl_mount(mnt, sizeof(mnt), "/tmp/fsp-hlintr.XXXXXX", "test_fuse_hl_intr",
                              "auto_unmount,intr", &i_ops, sizeof(i_ops));
    if (!f)
        return 1;
    int rc = 0;
    if (handler_is_default(SIGUSR1)) {
        fprintf(stderr, "FAIL: -o intr left SIGUSR1 without a handler\n");
        rc = 1;
    }
    if (hl_run_checks(f, hl_loop_mt, checks) != 0)
        rc = 1;
    fuse_destroy(f);
    if (!handler_is_default(SIGUSR1)) {
        fprintf(stderr, "FAIL: fuse_destroy left its SIGUSR1 handler\n");
        rc = 1;
    }
    rmdir(mnt);
    return rc;
}
