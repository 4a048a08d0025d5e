/*
 * test_fuse2_cuse.c - libfuse.so.2's CUSE (FUSE_2.8): a cuse_lowlevel_new
 * session on a fuse_chan_new channel over a SOCK_SEQPACKET socketpair,
 * this test playing the kernel: CUSE_INIT (device numbers, flags, the
 * DEVNAME= string, max_write from FUSE 2's init), then OPEN, WRITE, READ,
 * IOCTL and RELEASE with FUSE 2's file info and userdata. End to end on
 * /dev/cuse it cannot run: this kernel has no CUSE (CONFIG_CUSE unset).
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
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "kernel/fuse_wire.h"

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

static int sock_receive(struct fuse_chan **chp, char *buf, size_t size)
{
    ssize_t n = recv(fuse_chan_fd(*chp), buf, size, 0);
    return n < 0 ? -errno : (int)n;
}

static int sock_send(struct fuse_chan *ch, const struct iovec iov[], size_t count)
{
    struct msghdr msg = {.msg_iov = (struct iovec *)iov, .msg_iovlen = count};
    return sendmsg(fuse_chan_fd(ch), &msg, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

static void *loop_main(void *arg)
{
    fuse_session_loop(arg);
    return NULL;
}

static int kernel_fd;
static uint64_t next_unique = 1;
static char reply[4096];

static ssize_t call(uint32_t opcode, const void *a, size_t alen, const void *b, size_t blen,
                    int want_error)
{
    struct fuse_in_header h = {
        .len = (uint32_t)(sizeof(h) + alen + blen), .opcode = opcode, .unique = next_unique++};
    struct iovec iov[3] = {{&h, sizeof(h)}, {(void *)a, alen}, {(void *)b, blen}};
    CHECK_EQ_INT(writev(kernel_fd, iov, 3), h.len);
    ssize_t n = recv(kernel_fd, reply, sizeof(reply), 0);
    CHECK(n >= (ssize_t)sizeof(struct fuse_out_header));
    if (n < (ssize_t)sizeof(struct fuse_out_header))
        return -1;
    struct fuse_out_header oh;
    memcpy(&oh, reply, sizeof(oh));
    CHECK_EQ_INT(oh.len, n);
    CHECK_EQ_INT(oh.unique, h.unique);
    CHECK_EQ_INT(oh.error, want_error);
    return n - (ssize_t)sizeof(oh);
}

#define PAYLOAD (reply + sizeof(struct fuse_out_header))

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
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0);
    if (!se)
        return;
    CHECK(fuse_session_data(se) == &ud);
    kernel_fd = sv[0];
    struct timeval tv = {5, 0};
    setsockopt(kernel_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    struct fuse_chan_ops cops = {.receive = sock_receive, .send = sock_send};
    struct fuse_chan *ch = fuse_chan_new(&cops, sv[1], 1 << 20, NULL);
    CHECK(ch != NULL);
    fuse_session_add_chan(se, ch);
    CHECK(fuse_session_next_chan(se, NULL) == ch);
    pthread_t loop;
    bool started = pthread_create(&loop, NULL, loop_main, se) == 0;
    CHECK(started);

    struct cuse_init_in ii = {.major = 7, .minor = 29, .flags = 0};
    ssize_t n = call(CUSE_INIT, &ii, sizeof(ii), NULL, 0, 0);
    static const char strings[] = "DEVNAME=fsp-test-cuse2";
    CHECK_EQ_INT(n, sizeof(struct cuse_init_out) + sizeof(strings));
    if (n >= (ssize_t)sizeof(struct cuse_init_out)) {
        struct cuse_init_out out;
        memcpy(&out, PAYLOAD, sizeof(out));
        CHECK_EQ_INT(out.major, 7);
        CHECK_EQ_INT(out.minor, 29);
        CHECK_EQ_INT(out.flags, 0); /* not asked for unrestricted ioctls */
        CHECK_EQ_INT(out.dev_major, 241);
        CHECK_EQ_INT(out.dev_minor, 3);
        CHECK_EQ_INT(out.max_write, 32768);
        CHECK(!memcmp(PAYLOAD + sizeof(out), strings, sizeof(strings)));
    }
    CHECK_EQ_INT(atomic_load(&init_calls), 1);

    struct fuse_open_in oi = {.flags = O_RDWR};
    n = call(FUSE_OPEN, &oi, sizeof(oi), NULL, 0, 0);
    CHECK_EQ_INT(n, sizeof(struct fuse_open_out));
    struct fuse_open_out oo = {0};
    memcpy(&oo, PAYLOAD, sizeof(oo));
    CHECK_EQ_INT(oo.fh, 77);
    CHECK(oo.open_flags & FOPEN_DIRECT_IO);
    CHECK_EQ_INT(atomic_load(&init_done_calls), 1); /* before OPEN was read */

    struct fuse_write_in wi = {.fh = 77, .size = 6};
    CHECK_EQ_INT(call(FUSE_WRITE, &wi, sizeof(wi), "abcdef", 6, 0), sizeof(struct fuse_write_out));
    struct fuse_read_in ri = {.fh = 77, .offset = 2, .size = 10};
    n = call(FUSE_READ, &ri, sizeof(ri), NULL, 0, 0);
    CHECK(n == 4 && !memcmp(PAYLOAD, "cdef", 4));

    struct fuse_ioctl_in ci_in = {.fh = 77, .cmd = 0x42, .in_size = 3, .out_size = 2};
    n = call(FUSE_IOCTL, &ci_in, sizeof(ci_in), "xyz", 3, 0);
    CHECK_EQ_INT(n, sizeof(struct fuse_ioctl_out) + 2);
    struct fuse_ioctl_out co = {0};
    memcpy(&co, PAYLOAD, sizeof(co));
    CHECK_EQ_INT(co.result, 3);

    struct fuse_release_in rl = {.fh = 77};
    CHECK_EQ_INT(call(FUSE_RELEASE, &rl, sizeof(rl), NULL, 0, 0), 0);
    CHECK_EQ_INT(release_fh, 77);

    shutdown(kernel_fd, SHUT_RDWR);
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
    close(sv[0]);
    close(sv[1]);
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
