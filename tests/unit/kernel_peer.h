/*
 * kernel_peer.h - the test plays the kernel: a SOCK_SEQPACKET socketpair
 * (message boundaries as on /dev/fuse and /dev/cuse) whose one end the
 * library serves as its device while the test writes requests and reads
 * the replies on the other; and the transports a test gives the library
 * (fuse_session_custom_io in FUSE 3, fuse_chan_new in FUSE 2), which count
 * what passes through them. For tests/unit/test_fuse*_{cuse,ownloop}.c;
 * include the API's fuse_lowlevel.h first.
 *
 * Every wait is bounded: a reply is awaited at most 5 s.
 */
#ifndef FSP_TEST_KERNEL_PEER_H
#define FSP_TEST_KERNEL_PEER_H

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>

#include "check.h"
#include "kernel/fuse_wire.h"

struct kernel_peer {
    int fd;     /* the kernel's end: requests go out, replies come in */
    int lib_fd; /* the library's end: its device */
    uint64_t next_unique;
    char reply[8192]; /* peer_call's last reply, header first */
};

/* A new pair (both ends close-on-exec), replies awaited at most 5 s;
 * false (checked) when none. */
static inline bool peer_open(struct kernel_peer *kp)
{
    int sv[2];
    bool ok = socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0;
    CHECK(ok);
    kp->fd = ok ? sv[0] : -1;
    kp->lib_fd = ok ? sv[1] : -1;
    kp->next_unique = 1;
    if (ok) {
        struct timeval tv = {5, 0};
        setsockopt(kp->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    }
    return ok;
}

/* Send opcode for nodeid (0: a CUSE device) with the argument parts a and
 * b, as the caller, and read the reply into kp->reply: its payload size,
 * or -1 (after a failed check). The reply must carry the request's unique
 * and want_error (0 or -errno). */
static inline ssize_t peer_call(struct kernel_peer *kp, uint32_t opcode, uint64_t nodeid,
                                const void *a, size_t alen, const void *b, size_t blen,
                                int want_error)
{
    struct fuse_in_header h = {
        .len = (uint32_t)(sizeof(h) + alen + blen),
        .opcode = opcode,
        .unique = kp->next_unique++,
        .nodeid = nodeid,
        .uid = getuid(),
        .gid = getgid(),
        .pid = (uint32_t)getpid(),
    };
    struct iovec iov[3] = {{&h, sizeof(h)}, {(void *)a, alen}, {(void *)b, blen}};
    CHECK_EQ_INT(writev(kp->fd, iov, 3), h.len);
    ssize_t n = recv(kp->fd, kp->reply, sizeof(kp->reply), 0);
    CHECK(n >= (ssize_t)sizeof(struct fuse_out_header));
    if (n < (ssize_t)sizeof(struct fuse_out_header))
        return -1;
    struct fuse_out_header oh;
    memcpy(&oh, kp->reply, sizeof(oh));
    CHECK_EQ_INT(oh.len, n);
    CHECK_EQ_INT(oh.unique, h.unique);
    CHECK_EQ_INT(oh.error, want_error);
    return n - (ssize_t)sizeof(oh);
}

/* The last reply's payload. */
static inline const char *peer_payload(const struct kernel_peer *kp)
{
    return kp->reply + sizeof(struct fuse_out_header);
}

/* One message out and one back into buf, for what is not a FUSE request:
 * the answer's size, or -1. */
static inline ssize_t peer_exchange(struct kernel_peer *kp, const void *msg, size_t len, void *buf,
                                    size_t size)
{
    if (send(kp->fd, msg, len, MSG_NOSIGNAL) != (ssize_t)len)
        return -1;
    return recv(kp->fd, buf, size, 0);
}

/* --- Transports that count ---------------------------------------------------------- */

#if FUSE_MAJOR_VERSION >= 3

/* fuse_session_custom_io's read and writev on the fd as it is; they count
 * their calls and keep the userdata they were given. */
static atomic_int peer_io_reads, peer_io_writes;
static void *peer_io_userdata;

static inline ssize_t peer_io_read(int fd, void *buf, size_t len, void *userdata)
{
    atomic_fetch_add(&peer_io_reads, 1);
    peer_io_userdata = userdata;
    return read(fd, buf, len);
}

static inline ssize_t peer_io_writev(int fd, struct iovec *iov, int count, void *userdata)
{
    (void)userdata;
    atomic_fetch_add(&peer_io_writes, 1);
    return writev(fd, iov, count);
}

#else

/* fuse_chan_new's receive and send on the channel's socket; they count
 * their calls. */
static atomic_int peer_chan_receives, peer_chan_sends;

static inline int peer_chan_receive(struct fuse_chan **chp, char *buf, size_t size)
{
    atomic_fetch_add(&peer_chan_receives, 1);
    ssize_t n = recv(fuse_chan_fd(*chp), buf, size, 0);
    return n < 0 ? -errno : (int)n;
}

static inline int peer_chan_send(struct fuse_chan *ch, const struct iovec iov[], size_t count)
{
    atomic_fetch_add(&peer_chan_sends, 1);
    struct msghdr msg = {.msg_iov = (struct iovec *)iov, .msg_iovlen = count};
    return sendmsg(fuse_chan_fd(ch), &msg, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

#endif

#endif /* FSP_TEST_KERNEL_PEER_H */
