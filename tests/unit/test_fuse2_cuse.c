/*
 * test_fuse2_cuse.c - libfuse.so.2's CUSE (FUSE_2.8): a cuse_lowlevel_new
 * session on a fuse_chan_new channel over a SOCK_SEQPACKET socketpair,
 * this test playing the kernel (kernel_peer.h): CUSE_INIT (device
 * numbers, flags, the DEVNAME= string, max_write from FUSE 2's init), then
 * OPEN, WRITE, READ, IOCTL and RELEASE with FUSE 2's file info and
 * userdata. End to end on /dev/cuse it cannot run: this kernel has no CUSE
 * (CONFIG_CUSE unset).
 */
#define _GNU_SOURCE
#define FUSE_USE_VERSION 29
#include <cuse_lowlevel.h>
#include <fuse_lowlevel.h>

#include <errno.h>
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

static int ud;
static atomic_int init_calls, init_done_calls, destroy_calls, releases;
static char stored[64];
static size_t stored_len;
static uint64_t release_fh;

static void d_init(void *userdata, struct fuse_conn_info *conn)
{
    CHECK(userdata == &ud);
    CHECK_EQ_INT(conn->proto_major, 7);
    conn->max_write = 32768;
    atomic_fetch_add(&init_calls, 1);
}

static void d_init_done(void *userdata)
{
    CHECK(userdata == &ud);
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
    fi->fh = 77;
    fi->direct_io = 1;
    fuse_reply_open(req, fi);
}

static void d_read(fuse_req_t req, size_t size, off_t off, struct fuse_file_info *fi)
{
    CHECK_EQ_INT(fi->fh, 77);
    size_t n = (size_t)off < stored_len ? stored_len - (size_t)off : 0;
    fuse_reply_buf(req, stored + off, n < size ? n : size);
}

static void d_write(fuse_req_t req, const char *buf, size_t size, off_t off,
                    struct fuse_file_info *fi)
{
    CHECK_EQ_INT(fi->fh, 77);
    if ((size_t)off + size > sizeof(stored)) {
        fuse_reply_err(req, ENOSPC);
        return;
    }
    memcpy(stored + off, buf, size);
    stored_len = (size_t)off + size > stored_len ? (size_t)off + size : stored_len;
    fuse_reply_write(req, size);
}

static void d_release(fuse_req_t req, struct fuse_file_info *fi)
{
    release_fh = fi->fh;
    atomic_fetch_add(&releases, 1);
    fuse_reply_err(req, 0);
}

static void d_ioctl(fuse_req_t req, int cmd, void *arg, struct fuse_file_info *fi,
                    unsigned int flags, const void *in_buf, size_t in_bufsz, size_t out_bufsz)
{
    CHECK_EQ_INT(fi->fh, 77);
    fuse_reply_ioctl(req, cmd == 0x42 ? (int)in_bufsz : -1, "ok", out_bufsz >= 2 ? 2 : 0);
}

static const struct cuse_lowlevel_ops dev_ops = {
    .init = d_init,
    .init_done = d_init_done,
    .destroy = d_destroy,
    .open = d_open,
    .read = d_read,
    .write = d_write,
    .release = d_release,
    .ioctl = d_ioctl,
};

static void *loop_main(void *arg)
{
    fuse_session_loop(arg);
    return NULL;
}

/* The kernel's side. Its requests carry node 0: on CUSE they are for the
 * device. */
static struct kernel_peer kernel;

TEST(cuse2_over_channel)
{
    static const char *info[] = {"DEVNAME=fsp-test-cuse2"};
    struct cuse_info ci = {
        .dev_major = 241, .dev_minor = 3, .dev_info_argc = 1, .dev_info_argv = info};
    char *argv[] = {"test_fuse2_cuse", NULL};
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
    CHECK(fuse_session_data(se) == &ud);
    struct fuse_chan_ops cops = {.receive = peer_chan_receive, .send = peer_chan_send};
    struct fuse_chan *ch = fuse_chan_new(&cops, kernel.lib_fd, 1 << 20, NULL);
    CHECK(ch != NULL);
    fuse_session_add_chan(se, ch);
    CHECK(fuse_session_next_chan(se, NULL) == ch);
    pthread_t loop;
    bool started = pthread_create(&loop, NULL, loop_main, se) == 0;
    CHECK(started);

    struct cuse_init_in ii = {.major = 7, .minor = 29, .flags = 0};
    ssize_t n = peer_call(&kernel, CUSE_INIT, 0, &ii, sizeof(ii), NULL, 0, 0);
    static const char strings[] = "DEVNAME=fsp-test-cuse2";
    CHECK_EQ_INT(n, sizeof(struct cuse_init_out) + sizeof(strings));
    if (n >= (ssize_t)sizeof(struct cuse_init_out)) {
        struct cuse_init_out out;
        memcpy(&out, peer_payload(&kernel), sizeof(out));
        CHECK_EQ_INT(out.major, 7);
        CHECK_EQ_INT(out.minor, 29);
        CHECK_EQ_INT(out.flags, 0); /* not asked for unrestricted ioctls */
        CHECK_EQ_INT(out.dev_major, 241);
        CHECK_EQ_INT(out.dev_minor, 3);
        CHECK_EQ_INT(out.max_write, 32768);
        CHECK(!memcmp(peer_payload(&kernel) + sizeof(out), strings, sizeof(strings)));
    }
    CHECK_EQ_INT(atomic_load(&init_calls), 1);

    struct fuse_open_in oi = {.flags = O_RDWR};
    n = peer_call(&kernel, FUSE_OPEN, 0, &oi, sizeof(oi), NULL, 0, 0);
    CHECK_EQ_INT(n, sizeof(struct fuse_open_out));
    struct fuse_open_out oo = {0};
    memcpy(&oo, peer_payload(&kernel), sizeof(oo));
    CHECK_EQ_INT(oo.fh, 77);
    CHECK(oo.open_flags & FOPEN_DIRECT_IO);
    CHECK_EQ_INT(atomic_load(&init_done_calls), 1); /* before OPEN was read */

    struct fuse_write_in wi = {.fh = 77, .size = 6};
    CHECK_EQ_INT(peer_call(&kernel, FUSE_WRITE, 0, &wi, sizeof(wi), "abcdef", 6, 0),
                 sizeof(struct fuse_write_out));
    struct fuse_read_in ri = {.fh = 77, .offset = 2, .size = 10};
    n = peer_call(&kernel, FUSE_READ, 0, &ri, sizeof(ri), NULL, 0, 0);
    CHECK(n == 4 && !memcmp(peer_payload(&kernel), "cdef", 4));

    struct fuse_ioctl_in ci_in = {.fh = 77, .cmd = 0x42, .in_size = 3, .out_size = 2};
    n = peer_call(&kernel, FUSE_IOCTL, 0, &ci_in, sizeof(ci_in), "xyz", 3, 0);
    CHECK_EQ_INT(n, sizeof(struct fuse_ioctl_out) + 2);
    struct fuse_ioctl_out co = {0};
    memcpy(&co, peer_payload(&kernel), sizeof(co));
    CHECK_EQ_INT(co.result, 3);

    struct fuse_release_in rl = {.fh = 77};
    CHECK_EQ_INT(peer_call(&kernel, FUSE_RELEASE, 0, &rl, sizeof(rl), NULL, 0, 0), 0);
    CHECK_EQ_INT(release_fh, 77);

    shutdown(kernel.fd, SHUT_RDWR);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 10;
    bool joined = started && pthread_timedjoin_np(loop, NULL, &ts) == 0;
    CHECK(joined);
    if (joined || !started) {
        fuse_session_remove_chan(ch);
        fuse_session_destroy(se);
        fuse_chan_destroy(ch);
        CHECK_EQ_INT(atomic_load(&destroy_calls), 1);
    }
    close(kernel.fd);
    close(kernel.lib_fd);
}

TEST(cuse2_setup_without_device)
{
    if (access("/dev/cuse", F_OK) == 0)
        return; /* not exercised where the device exists */
    static const char *info[] = {"DEVNAME=fsp-test-none"};
    struct cuse_info ci = {.dev_info_argc = 1, .dev_info_argv = info};
    char *argv[] = {"test_fuse2_cuse", "-f", NULL};
    CHECK_EQ_INT(cuse_lowlevel_main(2, argv, &ci, &dev_ops, &ud), 1);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    alarm(60);
    RUN(cuse2_over_channel);
    RUN(cuse2_setup_without_device);
    return CHECK_DONE();
}
