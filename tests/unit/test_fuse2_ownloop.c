/*
 * test_fuse2_ownloop.c - FUSE 2 programs that drive FSP's libfuse.so.2
 * themselves, with libfuse 2.9's calls:
 *   - a low-level session on a fuse_mount channel served by the program's
 *     own loop: fuse_session_receive_buf / fuse_session_process_buf (2.9's
 *     loop), and fuse_chan_recv / fuse_session_process on four threads
 *     (two READs must be in the file system at once);
 *   - a high-level file system served by fuse_read_cmd / fuse_process_cmd,
 *     and by fuse_loop_mt_proc with a processor that counts the commands;
 *   - a channel of fuse_chan_new over a SOCK_SEQPACKET socketpair, this
 *     test playing the kernel (kernel_peer.h: INIT, GETATTR, LOOKUP, then
 *     EOF ends the loop);
 *     taken back before fuse_session_destroy, or destroyed with the
 *     session (its destroy() runs once either way); and the same with
 *     fuse_chan_new@FUSE_2.4 (2.4's receive() gets the channel itself);
 *   - custom sessions (fuse_session_new): process, process_buf, exit,
 *     exited, reset and destroy reach the program's callbacks, and
 *     fuse_session_loop / fuse_session_loop_mt serve a custom channel and
 *     a kernel channel (a socket standing for /dev/fuse).
 * Each mount is exercised by a checker child (ownloop_fs.h).
 *
 * Needs root (mount(2)) or fusermount3; mounts with auto_unmount and
 * unmounts on every path.
 */
#define _GNU_SOURCE
#define FUSE_USE_VERSION 26
#include <fuse.h>
#include <fuse_lowlevel.h>

#include <dlfcn.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "kernel_peer.h"
#include "ownloop_fs.h"

static struct fuse_chan *mount_chan(char *mnt)
{
    if (!mkdtemp(mnt))
        return NULL;
    char *argv[] = {"test_fuse2_ownloop", "-o", "auto_unmount", NULL};
    struct fuse_args args = FUSE_ARGS_INIT(3, argv);
    struct fuse_chan *ch = fuse_mount(mnt, &args);
    fuse_opt_free_args(&args);
    if (!ch)
        rmdir(mnt);
    return ch;
}

/* --- Low level ---------------------------------------------------------------------- */

/* libfuse 2.9's own loop, with the caller's buffer. */
static void *loop_receive_buf(void *arg)
{
    struct fuse_session *se = arg;
    struct fuse_chan *ch = fuse_session_next_chan(se, NULL);
    size_t bufsize = fuse_chan_bufsize(ch);
    char *mem = malloc(bufsize);
    while (mem && !fuse_session_exited(se)) {
        struct fuse_chan *tmp = ch;
        struct fuse_buf fbuf = {.mem = mem, .size = bufsize};
        int res = fuse_session_receive_buf(se, &fbuf, &tmp);
        if (res == -EINTR)
            continue;
        if (res <= 0)
            break;
        fuse_session_process_buf(se, &fbuf, tmp);
        atomic_fetch_add(&requests, 1);
    }
    free(mem);
    return NULL;
}

/* The older form: raw bytes from the channel. */
static void *loop_chan_recv(void *arg)
{
    struct fuse_session *se = arg;
    struct fuse_chan *ch = fuse_session_next_chan(se, NULL);
    size_t bufsize = fuse_chan_bufsize(ch);
    char *mem = malloc(bufsize);
    while (mem && !fuse_session_exited(se)) {
        struct fuse_chan *tmp = ch;
        int res = fuse_chan_recv(&tmp, mem, bufsize);
        if (res == -EINTR)
            continue;
        if (res <= 0)
            break;
        fuse_session_process(se, mem, (size_t)res, tmp);
        atomic_fetch_add(&requests, 1);
    }
    free(mem);
    return NULL;
}

static void ll_test(void *(*loop)(void *), int nthreads)
{
    char mnt[] = "/tmp/fsp-ownloop2.XXXXXX";
    reset_fs();
    want_overlap = nthreads > 1;
    struct fuse_chan *ch = mount_chan(mnt);
    CHECK(ch != NULL);
    if (!ch)
        return;
    char *argv[] = {"test_fuse2_ownloop", NULL};
    struct fuse_args args = FUSE_ARGS_INIT(1, argv);
    struct fuse_session *se = fuse_lowlevel_new(&args, &ops, sizeof(ops), NULL);
    fuse_opt_free_args(&args);
    CHECK(se != NULL);
    if (se)
        fuse_session_add_chan(se, ch); /* mounts */
    if (!se || !is_mounted(mnt)) {
        CHECK(!"mounted");
        if (se) {
            fuse_session_remove_chan(ch); /* fuse_unmount frees it */
            fuse_session_destroy(se);
        }
        fuse_unmount(mnt, ch);
        rmdir(mnt);
        return;
    }
    pthread_t threads[4];
    int started = 0;
    for (int i = 0; i < nthreads && i < 4; i++)
        if (pthread_create(&threads[i], NULL, loop, se) == 0)
            started++;
    CHECK_EQ_INT(started, nthreads);
    CHECK(run_checks(mnt, nthreads > 1, fuse_chan_fd(ch)));
    if (nthreads > 1)
        CHECK(max_reads_in >= 2);
    CHECK(atomic_load(&requests) > 10);

    /* Unmounting makes every receive return 0. The kernel's mount goes
     * first: fuse_unmount frees the channel the threads receive from, so
     * (as with libfuse) it may run only once they have returned. */
    fuse_session_exit(se);
    test_umount(mnt);
    bool joined = true;
    for (int i = 0; i < started; i++)
        joined &= join_bounded(threads[i]);
    CHECK(joined);
    if (joined)
        fuse_unmount(mnt, ch);
    CHECK(!is_mounted(mnt));
    if (joined)
        fuse_session_destroy(se);
    rmdir(mnt);
}

TEST(ll_receive_buf_loop)
{
    ll_test(loop_receive_buf, 1);
}

TEST(ll_chan_recv_loop_four_threads)
{
    ll_test(loop_chan_recv, 4);
}

/* --- High level ------------------------------------------------------------------------ */

static int slot_of(const char *path)
{
    for (int i = 0; i < MAX_FILES; i++)
        if (path[0] == '/' && files[i].used && !strcmp(files[i].name, path + 1))
            return i;
    return -1;
}

static int h_getattr(const char *path, struct stat *st)
{
    pthread_mutex_lock(&lock);
    int i = strcmp(path, "/") ? slot_of(path) : -2;
    if (i != -1)
        fill_stat(i == -2 ? FUSE_ROOT_ID : (fuse_ino_t)i + 2, st);
    pthread_mutex_unlock(&lock);
    return i == -1 ? -ENOENT : 0;
}

static int h_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t off,
                     struct fuse_file_info *fi)
{
    filler(buf, ".", NULL, 0);
    filler(buf, "..", NULL, 0);
    pthread_mutex_lock(&lock);
    for (int i = 0; i < MAX_FILES; i++)
        if (files[i].used)
            filler(buf, files[i].name, NULL, 0);
    pthread_mutex_unlock(&lock);
    return 0;
}

static int h_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
    pthread_mutex_lock(&lock);
    int err = -ENOSPC;
    for (int i = 0; i < MAX_FILES && err; i++) {
        if (!files[i].used) {
            files[i].used = true;
            files[i].size = 0;
            snprintf(files[i].name, sizeof(files[i].name), "%s", path + 1);
            err = 0;
        }
    }
    pthread_mutex_unlock(&lock);
    return err;
}

static int h_open(const char *path, struct fuse_file_info *fi)
{
    pthread_mutex_lock(&lock);
    int i = slot_of(path);
    pthread_mutex_unlock(&lock);
    return i < 0 ? -ENOENT : 0;
}

static int h_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
    pthread_mutex_lock(&lock);
    int i = slot_of(path), n = 0;
    if (i >= 0 && off >= 0 && (size_t)off < files[i].size) {
        n = (int)(files[i].size - (size_t)off < size ? files[i].size - (size_t)off : size);
        memcpy(buf, files[i].data + off, (size_t)n);
    }
    pthread_mutex_unlock(&lock);
    return i < 0 ? -ENOENT : n;
}

static int h_write(const char *path, const char *buf, size_t size, off_t off,
                   struct fuse_file_info *fi)
{
    pthread_mutex_lock(&lock);
    int i = slot_of(path);
    if (i >= 0 && off >= 0 && (size_t)off + size <= FILE_MAX) {
        memcpy(files[i].data + off, buf, size);
        if ((size_t)off + size > files[i].size)
            files[i].size = (size_t)off + size;
    }
    pthread_mutex_unlock(&lock);
    return i < 0 ? -ENOENT : (size_t)off + size > FILE_MAX ? -EFBIG : (int)size;
}

static int h_unlink(const char *path)
{
    pthread_mutex_lock(&lock);
    int i = slot_of(path);
    if (i >= 0)
        files[i].used = false;
    pthread_mutex_unlock(&lock);
    return i < 0 ? -ENOENT : 0;
}

static const struct fuse_operations hl_ops = {
    .getattr = h_getattr,
    .readdir = h_readdir,
    .create = h_create,
    .open = h_open,
    .read = h_read,
    .write = h_write,
    .unlink = h_unlink,
};

static atomic_int procs;

static void count_proc(struct fuse *f, struct fuse_cmd *cmd, void *data)
{
    atomic_fetch_add(&procs, 1);
    CHECK(data == &procs);
    fuse_process_cmd(f, cmd);
}

static void *hl_loop_mt_proc(void *arg)
{
    fuse_loop_mt_proc(arg, count_proc, &procs);
    return NULL;
}

static void *hl_read_cmd_loop(void *arg)
{
    struct fuse *f = arg;
    while (!fuse_exited(f)) {
        struct fuse_cmd *cmd = fuse_read_cmd(f);
        if (cmd) {
            atomic_fetch_add(&procs, 1);
            fuse_process_cmd(f, cmd);
        }
    }
    return NULL;
}

static void hl_test(void *(*loop)(void *))
{
    char mnt[] = "/tmp/fsp-ownloop2.XXXXXX";
    reset_fs();
    atomic_store(&procs, 0);
    struct fuse_chan *ch = mount_chan(mnt);
    CHECK(ch != NULL);
    if (!ch)
        return;
    char *argv[] = {"test_fuse2_ownloop", NULL};
    struct fuse_args args = FUSE_ARGS_INIT(1, argv);
    struct fuse *f = fuse_new(ch, &args, &hl_ops, sizeof(hl_ops), NULL);
    fuse_opt_free_args(&args);
    CHECK(f != NULL);
    if (!f) {
        fuse_unmount(mnt, ch);
        rmdir(mnt);
        return;
    }
    pthread_t thread;
    bool started = pthread_create(&thread, NULL, loop, f) == 0;
    CHECK(started);
    CHECK(run_checks(mnt, false, fuse_chan_fd(ch)));
    CHECK(atomic_load(&procs) > 10);
    /* As in ll_test: the loop ends before fuse_unmount frees its channel. */
    fuse_exit(f);
    test_umount(mnt);
    bool joined = started && join_bounded(thread);
    CHECK(joined);
    if (joined || !started)
        fuse_unmount(mnt, ch);
    CHECK(!is_mounted(mnt));
    if (joined || !started)
        fuse_destroy(f);
    rmdir(mnt);
}

TEST(hl_read_cmd_process_cmd)
{
    hl_test(hl_read_cmd_loop);
}

TEST(hl_loop_mt_proc)
{
    hl_test(hl_loop_mt_proc);
}

/* --- A custom channel: the test plays the kernel ---------------------------------------- */

/* The channels receive and send through kernel_peer.h's counting
 * functions (peer_chan_receives, peer_chan_sends). */
static atomic_int chan_destroys;
static int chan_sock = -1; /* the library's end */

static void sock_destroy(struct fuse_chan *ch)
{
    atomic_fetch_add(&chan_destroys, 1);
    CHECK(fuse_chan_data(ch) == &chan_sock);
    close(fuse_chan_fd(ch));
}

static void *session_loop(void *arg)
{
    fuse_session_loop(arg);
    return NULL;
}

/* FUSE 2.4's channel operations: receive() got the channel itself. */
static int sock_receive24(struct fuse_chan *ch, char *buf, size_t size)
{
    atomic_fetch_add(&peer_chan_receives, 1);
    ssize_t n = recv(fuse_chan_fd(ch), buf, size, 0);
    return n < 0 ? -1 : (int)n;
}

struct chan_ops24 {
    int (*receive)(struct fuse_chan *ch, char *buf, size_t size);
    int (*send)(struct fuse_chan *ch, const struct iovec iov[], size_t count);
    void (*destroy)(struct fuse_chan *ch);
};

/* INIT, GETATTR of the root and a LOOKUP of a missing name over the
 * channel's other end, each answered as the kernel expects. */
static void play_kernel(struct kernel_peer *kp)
{
    struct fuse_init_in init = {.major = 7, .minor = 31, .max_readahead = 65536};
    ssize_t n = peer_call(kp, FUSE_INIT, 0, &init, sizeof(init), NULL, 0, 0);
    CHECK(n >= 24);
    if (n < 0)
        return;
    struct fuse_init_out io;
    memset(&io, 0, sizeof(io));
    memcpy(&io, peer_payload(kp), (size_t)n < sizeof(io) ? (size_t)n : sizeof(io));
    CHECK_EQ_INT(io.major, 7);
    CHECK_EQ_INT(io.minor, 31);

    struct fuse_getattr_in ga = {0};
    n = peer_call(kp, FUSE_GETATTR, FUSE_ROOT_ID, &ga, sizeof(ga), NULL, 0, 0);
    CHECK_EQ_INT(n, sizeof(struct fuse_attr_out));
    if (n != (ssize_t)sizeof(struct fuse_attr_out))
        return;
    struct fuse_attr_out ao;
    memcpy(&ao, peer_payload(kp), sizeof(ao));
    CHECK_EQ_INT(ao.attr.mode, S_IFDIR | 0755);
    CHECK_EQ_INT(ao.attr.ino, FUSE_ROOT_ID);

    /* A lookup of a missing name comes back ENOENT. */
    static const char name[8] = "nofile";
    n = peer_call(kp, FUSE_LOOKUP, FUSE_ROOT_ID, name, sizeof(name), NULL, 0, -ENOENT);
    CHECK_EQ_INT(n, 0);
}

/* How the test ends: as a libfuse 2.9 program that takes its channel back
 * first, or by destroying the session with the channel still in it. */
enum chan_end { TAKE_BACK, DESTROY_WITH_SESSION };

/* A low-level session on ch (whose fd is kp's lib_fd) served by
 * fuse_session_loop, the test playing the kernel on kp; then EOF ends the
 * loop. */
static void serve_channel(struct fuse_chan *ch, struct kernel_peer *kp, enum chan_end end)
{
    atomic_store(&peer_chan_receives, 0);
    atomic_store(&peer_chan_sends, 0);
    atomic_store(&chan_destroys, 0);
    CHECK(ch != NULL);
    char *argv[] = {"test_fuse2_ownloop", NULL};
    struct fuse_args args = FUSE_ARGS_INIT(1, argv);
    struct fuse_session *se = fuse_lowlevel_new(&args, &ops, sizeof(ops), NULL);
    fuse_opt_free_args(&args);
    CHECK(se != NULL);
    if (!se || !ch) {
        close(kp->fd);
        close(kp->lib_fd);
        return;
    }
    CHECK(fuse_chan_fd(ch) == kp->lib_fd);
    CHECK(fuse_chan_data(ch) == &chan_sock);
    fuse_session_add_chan(se, ch);
    CHECK(fuse_chan_session(ch) == se);
    pthread_t loop;
    bool started = pthread_create(&loop, NULL, session_loop, se) == 0;
    CHECK(started);
    if (started)
        play_kernel(kp);
    CHECK(atomic_load(&peer_chan_receives) >= 3);
    CHECK_EQ_INT(atomic_load(&peer_chan_sends), 3);

    /* EOF on the channel ends the loop. */
    shutdown(kp->fd, SHUT_RDWR);
    bool joined = started && join_bounded(loop);
    CHECK(joined);
    close(kp->fd);
    if (!joined && started)
        return; /* the loop still uses the session */
    if (end == TAKE_BACK) {
        fuse_session_remove_chan(ch);
        fuse_session_destroy(se);
        CHECK_EQ_INT(atomic_load(&chan_destroys), 0);
        fuse_chan_destroy(ch);
    } else {
        /* libfuse 2.9: the session destroys the channel it still has. */
        fuse_session_destroy(se);
    }
    CHECK_EQ_INT(atomic_load(&chan_destroys), 1);
}

static struct fuse_chan *socket_chan(struct kernel_peer *kp)
{
    if (!peer_open(kp))
        return NULL;
    chan_sock = kp->lib_fd;
    struct fuse_chan_ops cops = {
        .receive = peer_chan_receive, .send = peer_chan_send, .destroy = sock_destroy};
    return fuse_chan_new(&cops, kp->lib_fd, 1 << 20, &chan_sock);
}

TEST(custom_channel)
{
    struct kernel_peer kp = {.fd = -1};
    struct fuse_chan *ch = socket_chan(&kp);
    CHECK(kp.fd >= 0);
    if (kp.fd >= 0)
        serve_channel(ch, &kp, TAKE_BACK);
}

TEST(custom_channel_destroyed_with_session)
{
    struct kernel_peer kp = {.fd = -1};
    struct fuse_chan *ch = socket_chan(&kp);
    CHECK(kp.fd >= 0);
    if (kp.fd >= 0)
        serve_channel(ch, &kp, DESTROY_WITH_SESSION);
}

/* A binary built for FUSE 2.4 binds fuse_chan_new@FUSE_2.4 and passes 2.4's
 * operations; its receive() must be called with the channel itself. */
TEST(custom_channel_compat24)
{
    struct fuse_chan *(*chan_new24)(const struct chan_ops24 *, int, size_t, void *) =
        (struct fuse_chan * (*)(const struct chan_ops24 *, int, size_t, void *))
            dlvsym(RTLD_DEFAULT, "fuse_chan_new", "FUSE_2.4");
    int (*chan_receive24)(struct fuse_chan *, char *, size_t) =
        (int (*)(struct fuse_chan *, char *, size_t))dlvsym(RTLD_DEFAULT, "fuse_chan_receive",
                                                            "FUSE_2.4");
    CHECK(chan_new24 != NULL);
    CHECK(chan_receive24 != NULL);
    struct kernel_peer kp;
    if (!chan_new24 || !chan_receive24 || !peer_open(&kp))
        return;
    chan_sock = kp.lib_fd;
    struct chan_ops24 cops = {
        .receive = sock_receive24, .send = peer_chan_send, .destroy = sock_destroy};
    struct fuse_chan *ch = chan_new24(&cops, kp.lib_fd, 1 << 20, &chan_sock);

    /* fuse_chan_receive@FUSE_2.4 reaches the 2.4 receive() too. */
    char msg[] = "ping", got[16];
    CHECK(send(kp.fd, msg, sizeof(msg), 0) == (ssize_t)sizeof(msg));
    CHECK(ch && chan_receive24(ch, got, sizeof(got)) == (int)sizeof(msg));
    CHECK(memcmp(got, msg, sizeof(msg)) == 0);
    serve_channel(ch, &kp, DESTROY_WITH_SESSION);
}

/* --- A custom session (fuse_session_new): the program processes requests ----------- */

struct custom_state {
    struct fuse_session *se;
    atomic_int processed, destroys;
    int exits[4], nexits; /* the values exit() got, in order */
    int exited;           /* what exited() says: the last exit() value */
    size_t last_len;
    struct fuse_chan *last_ch;
};

/* Echoes each request back on its channel; "quit..." ends the session. */
static void cs_process(void *data, const char *buf, size_t len, struct fuse_chan *ch)
{
    struct custom_state *cs = data;
    atomic_fetch_add(&cs->processed, 1);
    cs->last_len = len;
    cs->last_ch = ch;
    if (len >= 4 && memcmp(buf, "quit", 4) == 0) {
        fuse_session_exit(cs->se);
        return;
    }
    struct iovec iov[2] = {{"echo:", 5}, {(void *)buf, len}};
    fuse_chan_send(ch, iov, 2);
}

static void cs_exit(void *data, int val)
{
    struct custom_state *cs = data;
    if (cs->nexits < 4)
        cs->exits[cs->nexits++] = val;
    cs->exited = val;
}

static int cs_exited(void *data)
{
    return ((struct custom_state *)data)->exited;
}

static void cs_destroy(void *data)
{
    atomic_fetch_add(&((struct custom_state *)data)->destroys, 1);
}

static const struct fuse_session_ops cs_ops = {
    .process = cs_process, .exit = cs_exit, .exited = cs_exited, .destroy = cs_destroy};

static void *session_loop_mt(void *arg)
{
    fuse_session_loop_mt(arg);
    return NULL;
}

/* Send msg (len bytes) and expect "echo:" msg back within 5 s. */
static bool echoed(struct kernel_peer *kp, const void *msg, size_t len)
{
    char reply[256];
    ssize_t n = peer_exchange(kp, msg, len, reply, sizeof(reply));
    return n == (ssize_t)(5 + len) && memcmp(reply, "echo:", 5) == 0 &&
           memcmp(reply + 5, msg, len) == 0;
}

TEST(custom_session)
{
    struct kernel_peer kp = {.fd = -1};
    struct fuse_chan *ch = socket_chan(&kp);
    CHECK(ch != NULL);
    if (!ch)
        return;
    atomic_store(&chan_destroys, 0);
    struct custom_state cs = {0};
    struct fuse_session *se = fuse_session_new((struct fuse_session_ops *)&cs_ops, &cs);
    CHECK(se != NULL);
    if (!se) {
        fuse_chan_destroy(ch);
        close(kp.fd);
        return;
    }
    cs.se = se;
    CHECK(fuse_session_data(se) == &cs);
    CHECK(fuse_session_next_chan(se, NULL) == NULL);
    fuse_session_add_chan(se, ch);
    CHECK(fuse_session_next_chan(se, NULL) == ch);
    CHECK(fuse_session_next_chan(se, ch) == NULL);
    CHECK(fuse_chan_session(ch) == se);
    CHECK(fuse_chan_fd(ch) == kp.lib_fd);

    /* process and process_buf hand the request to op->process as it is. */
    fuse_session_process(se, "abc", 3, ch);
    CHECK_EQ_INT(atomic_load(&cs.processed), 1);
    CHECK_EQ_INT(cs.last_len, 3);
    CHECK(cs.last_ch == ch);
    char got[16];
    CHECK(recv(kp.fd, got, sizeof(got), MSG_DONTWAIT) == 8 && memcmp(got, "echo:abc", 8) == 0);
    struct fuse_buf fbuf = {.size = 2, .mem = "xy"};
    fuse_session_process_buf(se, &fbuf, ch);
    CHECK_EQ_INT(atomic_load(&cs.processed), 2);
    CHECK(recv(kp.fd, got, sizeof(got), MSG_DONTWAIT) == 7 && memcmp(got, "echo:xy", 7) == 0);

    /* exit/exited/reset go to the program's callbacks. */
    CHECK_EQ_INT(fuse_session_exited(se), 0);
    fuse_session_exit(se);
    CHECK_EQ_INT(fuse_session_exited(se), 1);
    fuse_session_reset(se);
    CHECK_EQ_INT(fuse_session_exited(se), 0);
    CHECK_EQ_INT(cs.nexits, 2);
    CHECK(cs.exits[0] == 1 && cs.exits[1] == 0);

    /* The loop reads the channel and processes until the session exits,
     * then resets it. */
    cs.nexits = 0;
    pthread_t loop;
    bool started = pthread_create(&loop, NULL, session_loop, se) == 0;
    CHECK(started);
    if (started) {
        CHECK(echoed(&kp, "ping1", 5));
        CHECK(echoed(&kp, "ping2", 5));
        CHECK(send(kp.fd, "quit", 4, 0) == 4);
    }
    bool joined = started && join_bounded(loop);
    CHECK(joined);
    CHECK_EQ_INT(atomic_load(&cs.processed), 5);
    CHECK_EQ_INT(cs.nexits, 2); /* exit(1) by "quit", exit(0) by the loop's reset */
    CHECK(cs.exits[0] == 1 && cs.exits[1] == 0);
    CHECK_EQ_INT(fuse_session_exited(se), 0);
    close(kp.fd);
    if (!joined && started)
        return;
    /* destroy runs op->destroy once and destroys the channel still in it. */
    fuse_session_destroy(se);
    CHECK_EQ_INT(atomic_load(&cs.destroys), 1);
    CHECK_EQ_INT(atomic_load(&chan_destroys), 1);
}

/* libfuse 2.9 exports it (FUSE_2.4) without declaring it in a public header. */
struct fuse_chan *fuse_kern_chan_new(int fd);

/* A kernel channel (here a socket standing for /dev/fuse) on a custom
 * session: the library reads and writes its fd itself; fuse_session_loop_mt
 * serves it too; destroying the session closes the fd. */
TEST(custom_session_kern_chan)
{
    struct kernel_peer kp;
    bool paired = peer_open(&kp);
    struct custom_state cs = {0};
    struct fuse_session *se = fuse_session_new((struct fuse_session_ops *)&cs_ops, &cs);
    struct fuse_chan *ch = fuse_kern_chan_new(kp.lib_fd);
    CHECK(se != NULL);
    CHECK(ch != NULL);
    if (!paired || !se || !ch) {
        close(kp.fd);
        close(kp.lib_fd);
        return;
    }
    cs.se = se;
    fuse_session_add_chan(se, ch);
    CHECK(fuse_chan_fd(ch) == kp.lib_fd);
    pthread_t loop;
    bool started = pthread_create(&loop, NULL, session_loop_mt, se) == 0;
    CHECK(started);
    /* Requests at least as long as a FUSE header, as from /dev/fuse. */
    char req[64], quit[64];
    memset(req, 'r', sizeof(req));
    memset(quit, 'q', sizeof(quit));
    memcpy(quit, "quit", 4);
    if (started) {
        CHECK(echoed(&kp, req, sizeof(req)));
        CHECK(send(kp.fd, quit, sizeof(quit), 0) == (ssize_t)sizeof(quit));
    }
    bool joined = started && join_bounded(loop);
    CHECK(joined);
    CHECK_EQ_INT(atomic_load(&cs.processed), 2);
    CHECK(cs.last_ch == ch);
    close(kp.fd);
    if (!joined && started)
        return;
    fuse_session_destroy(se);
    CHECK_EQ_INT(atomic_load(&cs.destroys), 1);
    CHECK(fcntl(kp.lib_fd, F_GETFD) == -1 && errno == EBADF); /* the channel closed it */
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    alarm(240);
    RUN(custom_channel);
    RUN(custom_channel_destroyed_with_session);
    RUN(custom_channel_compat24);
    RUN(custom_session);
    RUN(custom_session_kern_chan);
    RUN(ll_receive_buf_loop);
    RUN(ll_chan_recv_loop_four_threads);
    RUN(hl_read_cmd_process_cmd);
    RUN(hl_loop_mt_proc);
    return CHECK_DONE();
}
