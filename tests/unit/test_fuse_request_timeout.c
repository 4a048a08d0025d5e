/*
 * test_fuse_request_timeout.c - libfuse 3.18's fuse_conn_info.request_timeout
 * on a real mount: two low-level file systems whose read of "stall" does not
 * answer; one sets request_timeout in init(), the other does not.
 *
 * With the timeout the kernel (Linux 6.14+, FUSE_REQUEST_TIMEOUT) aborts the
 * connection: the stalled read fails with ECONNABORTED, the mount then
 * answers ENOTCONN, and the session's loop ends by itself and undoes the
 * mount. The kernel raises a timeout below 15 s to 15 s and
 * looks for late requests every 15 s, starting 15 s after INIT, so the
 * abort comes between 14 s and 15 + 15 s after the read began (plus slack).
 * Without the timeout the read stalled for 35 s (past the kernel's first two
 * looks) must still get its answer.
 *
 * The kernel's own fs.fuse.default_request_timeout / max_request_timeout
 * sysctls would give every mount a timeout: the test SKIPs when either is
 * set (it does not change them), and when the kernel has none.
 */
#define _GNU_SOURCE
#define FUSE_USE_VERSION 314
#include <fuse_lowlevel.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "fuse_harness.h"

#define INO_STALL   2
#define STALL_DATA  "late\n"
#define HOLD_NO_TMO 35 /* s: the untimed read's stall, past two timeout checks */
#define HOLD_MAX    60 /* s: no handler waits longer than this, whatever happens */

struct stallfs {
    uint16_t timeout; /* what init() asks for */
    unsigned hold;    /* s the read waits before answering (unless released) */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool released;
};

static void fill_attr(fuse_ino_t ino, struct stat *st)
{
    memset(st, 0, sizeof(*st));
    st->st_ino = ino;
    if (ino == FUSE_ROOT_ID) {
        st->st_mode = S_IFDIR | 0755;
        st->st_nlink = 2;
    } else {
        st->st_mode = S_IFREG | 0444;
        st->st_nlink = 1;
        st->st_size = sizeof(STALL_DATA) - 1;
    }
}

static void stall_init(void *userdata, struct fuse_conn_info *conn)
{
    struct stallfs *fs = userdata;
    conn->request_timeout = fs->timeout;
}

static void stall_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    if (parent != FUSE_ROOT_ID || strcmp(name, "stall") != 0) {
        fuse_reply_err(req, ENOENT);
        return;
    }
    struct fuse_entry_param e = {.ino = INO_STALL};
    fill_attr(INO_STALL, &e.attr);
    fuse_reply_entry(req, &e);
}

static void stall_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    struct stat st;
    fill_attr(ino, &st);
    fuse_reply_attr(req, &st, 0);
}

static void stall_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    fi->direct_io = 1; /* every read reaches the handler */
    fuse_reply_open(req, fi);
}

/* Answers only after fs->hold seconds or once the test releases it. */
static void stall_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                       struct fuse_file_info *fi)
{
    struct stallfs *fs = fuse_req_userdata(req);
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += fs->hold;
    pthread_mutex_lock(&fs->lock);
    while (!fs->released)
        if (pthread_cond_timedwait(&fs->cond, &fs->lock, &deadline) == ETIMEDOUT)
            break;
    pthread_mutex_unlock(&fs->lock);
    /* After an abort the kernel no longer takes the answer; that is fine. */
    fuse_reply_buf(req, STALL_DATA, sizeof(STALL_DATA) - 1);
}

static const struct fuse_lowlevel_ops stall_ops = {
    .init = stall_init,
    .lookup = stall_lookup,
    .getattr = stall_getattr,
    .open = stall_open,
    .read = stall_read,
};

static void release(struct stallfs *fs)
{
    pthread_mutex_lock(&fs->lock);
    fs->released = true;
    pthread_cond_broadcast(&fs->cond);
    pthread_mutex_unlock(&fs->lock);
}

/* What a reader child saw. */
struct outcome {
    ssize_t n;     /* read's result */
    int err;       /* its errno */
    long ms;       /* how long it took */
    int after_err; /* errno of a stat of the mount afterwards (0: it worked) */
    char data[16];
};

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* A child that reads MNT/stall and reports through a pipe; returns the
 * pipe's read end (the child's pid in *pid). The server stays here: a
 * process cannot be killed while it waits on its own server. */
static int start_reader(const char *mnt, const int *server_fds, int nfds, pid_t *pid)
{
    int p[2];
    if (pipe(p) != 0)
        return -1;
    *pid = fork();
    if (*pid == 0) {
        for (int i = 0; i < nfds; i++)
            close(server_fds[i]);
        close(p[0]);
        alarm(HOLD_MAX + 10);
        struct outcome o = {0};
        char path[256];
        snprintf(path, sizeof(path), "%s/stall", mnt);
        long t0 = now_ms();
        int fd = open(path, O_RDONLY);
        o.n = fd < 0 ? -1 : read(fd, o.data, sizeof(o.data) - 1);
        o.err = o.n < 0 ? errno : 0;
        o.ms = now_ms() - t0;
        if (fd >= 0)
            close(fd);
        struct stat st;
        o.after_err = stat(path, &st) == 0 ? 0 : errno;
        if (write(p[1], &o, sizeof(o)) != (ssize_t)sizeof(o))
            _exit(2);
        _exit(0);
    }
    close(p[1]);
    if (*pid < 0) {
        close(p[0]);
        return -1;
    }
    return p[0];
}

/* The child's outcome, waiting at most LIMIT seconds; false if none came. */
static bool collect(int fd, pid_t pid, unsigned limit, struct outcome *o)
{
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    bool got = poll(&pfd, 1, (int)limit * 1000) == 1 && read(fd, o, sizeof(*o)) == sizeof(*o);
    close(fd);
    if (!got)
        kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
    return got;
}

static bool mounted(const char *mnt)
{
    FILE *f = fopen("/proc/self/mounts", "r");
    char line[4096];
    bool found = false;
    size_t len = strlen(mnt);
    while (f && fgets(line, sizeof(line), f)) {
        char *sp = strchr(line, ' ');
        if (sp && strncmp(sp + 1, mnt, len) == 0 && sp[1 + len] == ' ')
            found = true;
    }
    if (f)
        fclose(f);
    return found;
}

/* -1: the file is missing (the kernel has no request timeouts). */
static long read_sysctl(const char *name)
{
    char path[128];
    snprintf(path, sizeof(path), "/proc/sys/fs/fuse/%s", name);
    FILE *f = fopen(path, "r");
    long v = -1;
    if (f) {
        if (fscanf(f, "%ld", &v) != 1)
            v = -1;
        fclose(f);
    }
    return v;
}

/* The two mounts, served by this process, each read by a child at once. */
static struct stallfs timed = {.timeout = 1, .hold = HOLD_MAX}; /* the kernel makes it 15 */
static struct stallfs untimed = {.hold = HOLD_NO_TMO};
static char mnt_t[64] = "/tmp/fsp-rto-t.XXXXXX", mnt_u[64] = "/tmp/fsp-rto-u.XXXXXX";
static struct fuse_session *se_t, *se_u;
static pthread_t loop_t, loop_u;
static pid_t reader_t, reader_u;
static int pipe_t = -1, pipe_u = -1;

static struct fuse_session *mount_stallfs(struct stallfs *fs, char *mnt)
{
    pthread_mutex_init(&fs->lock, NULL);
    pthread_cond_init(&fs->cond, NULL);
    char *argv[] = {"test_fuse_request_timeout", "-o", "fsname=stallfs,auto_unmount"};
    struct fuse_args args = FUSE_ARGS_INIT(3, argv);
    struct fuse_session *se = fuse_session_new(&args, &stall_ops, sizeof(stall_ops), fs);
    fuse_opt_free_args(&args);
    if (!se || !mkdtemp(mnt) || fuse_session_mount(se, mnt) != 0) {
        fprintf(stderr, "cannot mount on %s\n", mnt);
        exit(1);
    }
    return se;
}

TEST(timeout_aborts_the_connection)
{
    struct outcome o = {0};
    CHECK(collect(pipe_t, reader_t, HOLD_MAX - 10, &o));
    release(&timed);
    CHECK_EQ_INT(o.n, -1);
    CHECK_EQ_INT(o.err, ECONNABORTED);
    /* Not before the kernel's first look (15 s after INIT), nor much
     * after its second. */
    CHECK(o.ms >= 14000);
    CHECK(o.ms <= 40000);
    CHECK_EQ_INT(o.after_err, ENOTCONN);
    printf("timed: read failed with %s after %ld ms; then %s\n", strerror(o.err), o.ms,
           strerror(o.after_err));
    /* The session sees the abort (ECONNABORTED on /dev/fuse) and ends. */
    struct timespec by;
    clock_gettime(CLOCK_REALTIME, &by);
    by.tv_sec += 10;
    bool ended = pthread_timedjoin_np(loop_t, NULL, &by) == 0;
    CHECK(ended);
    /* The session undoes the aborted mount once its workers are gone (the
     * kernel keeps an aborted mount until someone unmounts it); the
     * program's own unmount after that is harmless. */
    CHECK(!ended || !mounted(mnt_t));
    fuse_session_unmount(se_t);
    CHECK(!mounted(mnt_t));
    if (!ended) {
        fuse_session_exit(se_t);
        pthread_join(loop_t, NULL);
    }
    fuse_session_destroy(se_t);
    rmdir(mnt_t);
}

TEST(no_timeout_waits)
{
    struct outcome o = {0};
    CHECK(collect(pipe_u, reader_u, HOLD_MAX, &o));
    CHECK_EQ_INT(o.n, sizeof(STALL_DATA) - 1);
    CHECK_EQ_STR(o.data, STALL_DATA);
    CHECK(o.ms >= (HOLD_NO_TMO - 1) * 1000L);
    CHECK_EQ_INT(o.after_err, 0);
    printf("untimed: read answered after %ld ms\n", o.ms);
    ll_unmount(se_u, loop_u, mnt_u);
    CHECK(!mounted(mnt_u));
}

int main(void)
{
    long def = read_sysctl("default_request_timeout"), max = read_sysctl("max_request_timeout");
    if (def < 0 || max < 0) {
        printf("SKIP request_timeout: this kernel has no FUSE request timeouts\n");
        return 0;
    }
    if (def != 0 || max != 0) {
        printf("SKIP request_timeout: fs.fuse.default_request_timeout=%ld max_request_timeout=%ld "
               "time out every mount\n",
               def, max);
        return 0;
    }
    alarm(3 * HOLD_MAX); /* the whole run */

    se_t = mount_stallfs(&timed, mnt_t);
    se_u = mount_stallfs(&untimed, mnt_u);
    pthread_create(&loop_t, NULL, ll_loop_mt, se_t);
    pthread_create(&loop_u, NULL, ll_loop_mt, se_u);
    /* Both readers stall at once, so the run takes one stall, not two. */
    int server_fds[2] = {fuse_session_fd(se_t), fuse_session_fd(se_u)};
    pipe_t = start_reader(mnt_t, server_fds, 2, &reader_t);
    pipe_u = start_reader(mnt_u, server_fds, 2, &reader_u);
    if (pipe_t < 0 || pipe_u < 0) {
        perror("fork");
        return 1;
    }

    RUN(timeout_aborts_the_connection);
    RUN(no_timeout_waits);

    for (struct stallfs *fs = &timed; fs; fs = fs == &timed ? &untimed : NULL) {
        pthread_mutex_destroy(&fs->lock);
        pthread_cond_destroy(&fs->cond);
    }
    return CHECK_DONE();
}
