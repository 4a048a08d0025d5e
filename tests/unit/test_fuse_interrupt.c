/*
 * test_fuse_interrupt.c - fuse_req_interrupt_func on a real mount: the
 * function registered by a read handler runs when the kernel's INTERRUPT
 * arrives after the registration (a reader thread gets a signal while the
 * handler waits), and at once when the INTERRUPT came first; requests
 * answered without an interrupt give their buffers back as usual.
 *
 * Needs root (mount(2)) or fusermount3; mounts with auto_unmount, so even
 * a crash leaves no mount behind, and alarm() bounds the whole run.
 */
#define _GNU_SOURCE
#define FUSE_USE_VERSION 314
#include <fuse_lowlevel.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "fuse_harness.h"

enum { INO_LATE = 2, INO_EARLY, INO_QUICK };
static const char *const names[] = {
    [INO_LATE] = "late", [INO_EARLY] = "early", [INO_QUICK] = "quick"};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static bool in_handler; /* a slow read handler is waiting */
static bool fired;      /* the interrupt function ran */
static int fired_count;
static bool fired_inline; /* it ran inside fuse_req_interrupt_func */
static atomic_int quick_calls;

static void on_interrupt(fuse_req_t req, void *data)
{
    pthread_mutex_lock(&lock);
    fired = true;
    fired_count++;
    pthread_cond_broadcast(&cond);
    pthread_mutex_unlock(&lock);
}

static void never_called(fuse_req_t req, void *data)
{
    abort();
}

static void deadline(struct timespec *ts, int seconds)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += seconds;
}

static void t_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    struct fuse_entry_param e = {0};
    for (fuse_ino_t i = INO_LATE; i <= INO_QUICK; i++) {
        if (parent == FUSE_ROOT_ID && !strcmp(name, names[i])) {
            e.ino = i;
            e.attr.st_ino = i;
            e.attr.st_mode = S_IFREG | 0444;
            e.attr.st_nlink = 1;
            e.attr.st_size = 4;
            fuse_reply_entry(req, &e);
            return;
        }
    }
    fuse_reply_err(req, ENOENT);
}

static void t_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    struct stat st = {.st_ino = ino, .st_nlink = ino == FUSE_ROOT_ID ? 2 : 1};
    st.st_mode = ino == FUSE_ROOT_ID ? S_IFDIR | 0755 : S_IFREG | 0444;
    st.st_size = ino == FUSE_ROOT_ID ? 0 : 4;
    fuse_reply_attr(req, &st, 0);
}

static void t_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    fi->direct_io = 1; /* every read reaches us */
    fuse_reply_open(req, fi);
}

static void t_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                   struct fuse_file_info *fi)
{
    struct timespec ts;
    if (ino == INO_QUICK) {
        /* Registered, then answered without any interrupt. */
        fuse_req_interrupt_func(req, never_called, NULL);
        atomic_fetch_add(&quick_calls, 1);
        fuse_reply_buf(req, "fast", off == 0 ? 4 : 0);
        return;
    }
    pthread_mutex_lock(&lock);
    fired = false;
    fired_inline = false;
    pthread_mutex_unlock(&lock);
    if (ino == INO_LATE) {
        /* Registered before the test sends the signal (it waits for
         * in_handler): the INTERRUPT can only come afterwards. */
        fuse_req_interrupt_func(req, on_interrupt, NULL);
        pthread_mutex_lock(&lock);
        fired_inline = fired;
        in_handler = true;
        pthread_cond_broadcast(&cond);
        pthread_mutex_unlock(&lock);
    } else {
        /* Wait for the INTERRUPT first; registering then must call back. */
        pthread_mutex_lock(&lock);
        in_handler = true;
        pthread_cond_broadcast(&cond);
        pthread_mutex_unlock(&lock);
        for (int i = 0; i < 1000 && !fuse_req_interrupted(req); i++)
            usleep(10000);
        fuse_req_interrupt_func(req, on_interrupt, NULL);
        pthread_mutex_lock(&lock);
        fired_inline = fired;
        pthread_mutex_unlock(&lock);
    }
    pthread_mutex_lock(&lock);
    deadline(&ts, 10);
    while (!fired && pthread_cond_timedwait(&cond, &lock, &ts) == 0)
        ;
    bool interrupted = fired;
    in_handler = false;
    pthread_mutex_unlock(&lock);
    if (interrupted)
        fuse_reply_err(req, EINTR);
    else
        fuse_reply_buf(req, "slow", 4);
}

static const struct fuse_lowlevel_ops t_ops = {
    .lookup = t_lookup,
    .getattr = t_getattr,
    .open = t_open,
    .read = t_read,
};

static char mnt[64];

struct reader {
    pthread_t thread;
    const char *name;
    ssize_t result;
    int err;
};

static void *reader_main(void *arg)
{
    struct reader *r = arg;
    char path[128], buf[16];
    snprintf(path, sizeof(path), "%s/%s", mnt, r->name);
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        r->result = -2;
        r->err = errno;
        return NULL;
    }
    r->result = read(fd, buf, sizeof(buf));
    r->err = r->result < 0 ? errno : 0;
    close(fd);
    return NULL;
}

static void on_sigusr1(int sig)
{
}

/* Read NAME on a thread, signal it once the handler waits; the read's errno. */
static int interrupted_read(const char *name)
{
    struct reader r = {.name = name};
    struct timespec ts;
    pthread_create(&r.thread, NULL, reader_main, &r);
    pthread_mutex_lock(&lock);
    deadline(&ts, 10);
    while (!in_handler && pthread_cond_timedwait(&cond, &lock, &ts) == 0)
        ;
    bool waiting = in_handler;
    pthread_mutex_unlock(&lock);
    CHECK(waiting);
    pthread_kill(r.thread, SIGUSR1);
    pthread_join(r.thread, NULL);
    return r.result < 0 ? r.err : 0;
}

static struct fuse_session *se;

/* Several workers: one must be free to read the INTERRUPT while the
 * handler waits on another. */
TEST(interrupt_after_registration)
{
    fired_count = 0;
    time_t start = time(NULL);
    CHECK_EQ_INT(interrupted_read("late"), EINTR);
    CHECK(fired);
    CHECK(!fired_inline); /* it ran when the INTERRUPT came */
    CHECK_EQ_INT(fired_count, 1);
    CHECK(time(NULL) - start < 5); /* not the handler's 10 s fallback */
}

TEST(interrupt_before_registration)
{
    fired_count = 0;
    CHECK_EQ_INT(interrupted_read("early"), EINTR);
    CHECK(fired_inline);
    CHECK_EQ_INT(fired_count, 1);
}

TEST(registered_but_not_interrupted)
{
    char path[128], buf[16];
    snprintf(path, sizeof(path), "%s/quick", mnt);
    int ok = 0;
    for (int i = 0; i < 200; i++) {
        int fd = open(path, O_RDONLY);
        if (fd < 0)
            continue;
        ok += read(fd, buf, sizeof(buf)) == 4 && !memcmp(buf, "fast", 4);
        close(fd);
    }
    CHECK_EQ_INT(ok, 200);
    CHECK(atomic_load(&quick_calls) >= 200);
}

int main(void)
{
    alarm(120);
    struct sigaction sa = {.sa_handler = on_sigusr1}; /* no SA_RESTART */
    sigaction(SIGUSR1, &sa, NULL);
    se = ll_mount(mnt, sizeof(mnt), "/tmp/fsp-intr.XXXXXX", "test_fuse_interrupt", "auto_unmount",
                  &t_ops, sizeof(t_ops));
    if (!se)
        return 1;
    pthread_t loop;
    pthread_create(&loop, NULL, ll_loop_mt, se);

    RUN(interrupt_after_registration);
    RUN(interrupt_before_registration);
    RUN(registered_but_not_interrupted);

    ll_unmount(se, loop, mnt);
    return CHECK_DONE();
}
