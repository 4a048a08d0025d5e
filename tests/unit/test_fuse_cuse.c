/*
 * test_fuse_cuse.c - CUSE through libfuse3's cuse_lowlevel_new, served
 * through fuse_session_custom_io over a SOCK_SEQPACKET socketpair (message
 * boundaries as on /dev/cuse), with this test playing the kernel
 * (kernel_peer.h): it sends CUSE_INIT and checks the reply (version,
 * flags, device numbers, sizes and the DEVNAME=... strings), then OPEN,
 * WRITE, READ, IOCTL, POLL, FLUSH, FSYNC and RELEASE, and checks each
 * reply and what the device's operations saw. End to end on /dev/cuse it
 * cannot run here: the kernel FSP is developed on has no CUSE
 * (CONFIG_CUSE unset).
 *
 * Every wait is bounded (socket timeouts, alarm); nothing is mounted.
 */
#define _GNU_SOURCE
#define FUSE_USE_VERSION 314
#include <cuse_lowlevel.h>
#include <fuse_lowlevel.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "kernel_peer.h"

/* --- The device ---------------------------------------------------------------------- */

#define DEV_FH    42
#define DEV_IOCTL 0x1234
#define MAX_WRITE 65536

static int ud; /* the device's userdata */
static atomic_int init_calls, init_done_calls, destroy_calls, flushes, releases;
static atomic_bool init_done_after_init;
static int fsync_datasync = -1;
static uint64_t release_fh;
static char stored[256];
static size_t stored_len;
static unsigned conn_proto_major;

static void d_init(void *userdata, struct fuse_conn_info *conn)
{
    CHECK(userdata == &ud);
    conn_proto_major = conn->proto_major;
    conn->max_write = MAX_WRITE; /* must come back in cuse_init_out */
    atomic_fetch_add(&init_calls, 1);
}

static void d_init_done(void *userdata)
{
    CHECK(userdata == &ud);
    atomic_store(&init_done_after_init, atomic_load(&init_calls) == 1);
    atomic_fetch_add(&init_done_calls, 1);
}

static void d_destroy(void *userdata)
{
    CHECK(userdata == &ud);
    atomic_fetch_add(&destroy_calls, 1);
}

static void d_open(fuse_req_t req, struct fuse_file_info *fi)
{
    CHECK(fuse_req_userdata(req) == &ud);
    fi->fh = DEV_FH;
    fuse_reply_open(req, fi);
}

static void d_read(fuse_req_t req, size_t size, off_t off, struct fuse_file_info *fi)
{
    CHECK_EQ_INT(fi->fh, DEV_FH);
    if (off < 0 || (size_t)off >= stored_len) {
        fuse_reply_buf(req, NULL, 0);
        return;
    }
    size_t n = stored_len - (size_t)off < size ? stored_len - (size_t)off : size;
    fuse_reply_buf(req, stored + off, n);
}

static void d_write(fuse_req_t req, const char *buf, size_t size, off_t off,
                    struct fuse_file_info *fi)
{
    CHECK_EQ_INT(fi->fh, DEV_FH);
    if (off < 0 || (size_t)off + size > sizeof(stored)) {
        fuse_reply_err(req, ENOSPC);
        return;
    }
    memcpy(stored + off, buf, size);
    if ((size_t)off + size > stored_len)
        stored_len = (size_t)off + size;
    fuse_reply_write(req, size);
}

static void d_flush(fuse_req_t req, struct fuse_file_info *fi)
{
    atomic_fetch_add(&flushes, 1);
    fuse_reply_err(req, 0);
}

static void d_release(fuse_req_t req, struct fuse_file_info *fi)
{
    release_fh = fi->fh;
    atomic_fetch_add(&releases, 1);
    fuse_reply_err(req, 0);
}

static void d_fsync(fuse_req_t req, int datasync, struct fuse_file_info *fi)
{
    fsync_datasync = datasync;
    fuse_reply_err(req, 0);
}

static void d_ioctl(fuse_req_t req, int cmd, void *arg, struct fuse_file_info *fi,
                    unsigned int flags, const void *in_buf, size_t in_bufsz, size_t out_bufsz)
{
    if (cmd != DEV_IOCTL) {
        fuse_reply_err(req, ENOTTY);
        return;
    }
    bool ping = in_bufsz == 4 && !memcmp(in_buf, "ping", 4) && out_bufsz >= 4;
    fuse_reply_ioctl(req, ping ? 7 : -1, "pong", ping ? 4 : 0);
}

static void d_poll(fuse_req_t req, struct fuse_file_info *fi, struct fuse_pollhandle *ph)
{
    fuse_pollhandle_destroy(ph);
    fuse_reply_poll(req, POLLIN | POLLOUT);
}

static const struct cuse_lowlevel_ops dev_ops = {
    .init = d_init,
    .init_done = d_init_done,
    .destroy = d_destroy,
    .open = d_open,
    .read = d_read,
    .write = d_write,
    .flush = d_flush,
    .release = d_release,
    .fsync = d_fsync,
    .ioctl = d_ioctl,
    .poll = d_poll,
};

static void *loop_main(void *arg)
{
    fuse_session_loop((struct fuse_session *)arg);
    return NULL;
}

/* --- The kernel's side ------------------------------------------------------------------ */

/* Its requests carry node 0: on CUSE they are for the device. */
static struct kernel_peer kernel;

static bool wait_for(atomic_int *counter, int value)
{
    for (int i = 0; i < 200 && atomic_load(counter) < value; i++) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return atomic_load(counter) >= value;
}

TEST(cuse_session_over_socketpair)
{
    static const char *info[] = {"DEVNAME=fsp-test-cuse", "MODE=0600"};
    struct cuse_info ci = {
        .dev_major = 240,
        .dev_minor = 7,
        .dev_info_argc = 2,
        .dev_info_argv = info,
        .flags = CUSE_UNRESTRICTED_IOCTL,
    };
    char *argv[] = {"test_fuse_cuse", NULL};
    struct fuse_args args = FUSE_ARGS_INIT(1, argv);
    struct fuse_session *se = cuse_lowlevel_new(&args, &ci, &dev_ops, &ud);
    fuse_opt_free_args(&args);
    CHECK(se != NULL);
    bool paired = peer_open(&kernel);
    if (!se || !paired) {
        if (se)
            fuse_session_destroy(se);
        return;
    }
    struct fuse_custom_io io = {.writev = peer_io_writev, .read = peer_io_read};
    CHECK_EQ_INT(fuse_session_custom_io(se, &io, kernel.lib_fd), 0);
    /* A CUSE session is not mounted. */
    CHECK(fuse_session_mount(se, "/tmp") != 0);
    pthread_t loop;
    bool started = pthread_create(&loop, NULL, loop_main, se) == 0;
    CHECK(started);

    /* CUSE_INIT: the device's numbers, flags, sizes and strings. */
    struct cuse_init_in ii = {.major = 7, .minor = 31, .flags = CUSE_UNRESTRICTED_IOCTL};
    ssize_t n = peer_call(&kernel, CUSE_INIT, 0, &ii, sizeof(ii), NULL, 0, 0);
    static const char strings[] = "DEVNAME=fsp-test-cuse\0MODE=0600";
    CHECK_EQ_INT(n, sizeof(struct cuse_init_out) + sizeof(strings));
    if (n >= (ssize_t)sizeof(struct cuse_init_out)) {
        struct cuse_init_out out;
        memcpy(&out, peer_payload(&kernel), sizeof(out));
        CHECK_EQ_INT(out.major, 7);
        CHECK_EQ_INT(out.minor, 31);
        CHECK_EQ_INT(out.flags, CUSE_UNRESTRICTED_IOCTL);
        CHECK_EQ_INT(out.dev_major, 240);
        CHECK_EQ_INT(out.dev_minor, 7);
        CHECK_EQ_INT(out.max_write, MAX_WRITE);
        CHECK(out.max_read >= 4096);
        CHECK(n == (ssize_t)(sizeof(out) + sizeof(strings)) &&
              !memcmp((const char *)peer_payload(&kernel) + sizeof(out), strings, sizeof(strings)));
    }
    CHECK_EQ_INT(conn_proto_major, 7);
    CHECK_EQ_INT(atomic_load(&init_calls), 1);
    CHECK(wait_for(&init_done_calls, 1));
    CHECK(atomic_load(&init_done_after_init));
    /* A second CUSE_INIT is a protocol error. */
    peer_call(&kernel, CUSE_INIT, 0, &ii, sizeof(ii), NULL, 0, -EPROTO);

    struct fuse_open_in oi = {.flags = O_RDWR};
    n = peer_call(&kernel, FUSE_OPEN, 0, &oi, sizeof(oi), NULL, 0, 0);
    CHECK_EQ_INT(n, sizeof(struct fuse_open_out));
    struct fuse_open_out oo = {0};
    memcpy(&oo, peer_payload(&kernel), sizeof(oo));
    CHECK_EQ_INT(oo.fh, DEV_FH);

    struct fuse_write_in wi = {.fh = DEV_FH, .offset = 0, .size = 11};
    n = peer_call(&kernel, FUSE_WRITE, 0, &wi, sizeof(wi), "hello world", 11, 0);
    CHECK_EQ_INT(n, sizeof(struct fuse_write_out));
    struct fuse_write_out wo = {0};
    memcpy(&wo, peer_payload(&kernel), sizeof(wo));
    CHECK_EQ_INT(wo.size, 11);
    CHECK(stored_len == 11 && !memcmp(stored, "hello world", 11));

    struct fuse_read_in ri = {.fh = DEV_FH, .offset = 6, .size = 100};
    n = peer_call(&kernel, FUSE_READ, 0, &ri, sizeof(ri), NULL, 0, 0);
    CHECK(n == 5 && !memcmp(peer_payload(&kernel), "world", 5));

    struct fuse_ioctl_in ci_in = {.fh = DEV_FH, .cmd = DEV_IOCTL, .in_size = 4, .out_size = 4};
    n = peer_call(&kernel, FUSE_IOCTL, 0, &ci_in, sizeof(ci_in), "ping", 4, 0);
    CHECK_EQ_INT(n, sizeof(struct fuse_ioctl_out) + 4);
    if (n == (ssize_t)sizeof(struct fuse_ioctl_out) + 4) {
        struct fuse_ioctl_out co;
        memcpy(&co, peer_payload(&kernel), sizeof(co));
        CHECK_EQ_INT(co.result, 7);
        CHECK(!memcmp((const char *)peer_payload(&kernel) + sizeof(co), "pong", 4));
    }
    ci_in.cmd = 0x9999; /* unknown to the device */
    peer_call(&kernel, FUSE_IOCTL, 0, &ci_in, sizeof(ci_in), "ping", 4, -ENOTTY);

    struct fuse_poll_in pi = {.fh = DEV_FH, .events = POLLIN};
    n = peer_call(&kernel, FUSE_POLL, 0, &pi, sizeof(pi), NULL, 0, 0);
    CHECK_EQ_INT(n, sizeof(struct fuse_poll_out));
    struct fuse_poll_out po = {0};
    memcpy(&po, peer_payload(&kernel), sizeof(po));
    CHECK_EQ_INT(po.revents, POLLIN | POLLOUT);

    struct fuse_flush_in fl = {.fh = DEV_FH};
    CHECK_EQ_INT(peer_call(&kernel, FUSE_FLUSH, 0, &fl, sizeof(fl), NULL, 0, 0), 0);
    CHECK_EQ_INT(atomic_load(&flushes), 1);

    struct fuse_fsync_in fs = {.fh = DEV_FH, .fsync_flags = 1};
    CHECK_EQ_INT(peer_call(&kernel, FUSE_FSYNC, 0, &fs, sizeof(fs), NULL, 0, 0), 0);
    CHECK_EQ_INT(fsync_datasync, 1);

    struct fuse_release_in rl = {.fh = DEV_FH, .flags = O_RDWR};
    CHECK_EQ_INT(peer_call(&kernel, FUSE_RELEASE, 0, &rl, sizeof(rl), NULL, 0, 0), 0);
    CHECK_EQ_INT(atomic_load(&releases), 1);
    CHECK_EQ_INT(release_fh, DEV_FH);

    /* Operations a device does not have: ENOSYS, as on a FUSE mount. */
    struct fuse_getattr_in gi = {0};
    peer_call(&kernel, FUSE_GETATTR, 0, &gi, sizeof(gi), NULL, 0, -ENOSYS);

    /* Every request came through our read, every reply through writev. */
    CHECK(atomic_load(&peer_io_reads) >= 12);
    CHECK(atomic_load(&peer_io_writes) >= 12);

    /* The device closing ends the loop; destroy() runs once. */
    shutdown(kernel.fd, SHUT_RDWR);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 10;
    bool joined = started && pthread_timedjoin_np(loop, NULL, &ts) == 0;
    CHECK(joined);
    if (joined || !started) {
        fuse_session_destroy(se);
        CHECK_EQ_INT(atomic_load(&destroy_calls), 1);
    }
    close(kernel.fd);
}

/* Without /dev/cuse (this kernel has no CUSE) setup fails cleanly; with it,
 * it would need root and create a device, which this test does not do. */
TEST(cuse_setup_without_device)
{
    if (access("/dev/cuse", F_OK) == 0) {
        printf("  /dev/cuse exists: setup not exercised here\n");
        return;
    }
    static const char *info[] = {"DEVNAME=fsp-test-none"};
    struct cuse_info ci = {.dev_info_argc = 1, .dev_info_argv = info};
    char *argv[] = {"test_fuse_cuse", "-f", NULL};
    int mt = -1;
    struct fuse_session *se = cuse_lowlevel_setup(2, argv, &ci, &dev_ops, &mt, &ud);
    CHECK(se == NULL);
    CHECK_EQ_INT(mt, -1);
    CHECK_EQ_INT(cuse_lowlevel_main(2, argv, &ci, &dev_ops, &ud), 1);
}

/* Device information larger than CUSE_INIT can carry is refused. */
TEST(cuse_info_too_large)
{
    static char big[5000];
    memset(big, 'x', sizeof(big) - 1);
    const char *info[] = {big};
    struct cuse_info ci = {.dev_info_argc = 1, .dev_info_argv = info};
    CHECK(cuse_lowlevel_new(NULL, &ci, &dev_ops, &ud) == NULL);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    alarm(60);
    RUN(cuse_session_over_socketpair);
    RUN(cuse_setup_without_device);
    RUN(cuse_info_too_large);
    return CHECK_DONE();
}
