/*
 * hellofs - the smallest file system on the kernel session's operations
 * table: a root directory holding one read-only file, "hello".
 *
 * It exercises the session directly (no adapter): mount, INIT, lookups,
 * readdirplus, reads (optionally answered later from another thread with
 * fsp_req_defer), and a clean unmount on SIGINT/SIGTERM/SIGHUP.
 *
 *   hellofs -m MOUNTPOINT [-d] [--defer] [-T THREADS]
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel/session.h"

#define HELLO_INO 2
static const char hello_name[] = "hello";
static const char hello_data[] = "Hello, FSP!\n";

static struct fsp_session *g_se;
static uid_t g_uid;
static gid_t g_gid;

static void fill_attr(uint64_t ino, struct fuse_attr *a)
{
    memset(a, 0, sizeof(*a));
    a->ino = ino;
    a->uid = g_uid;
    a->gid = g_gid;
    a->blksize = 4096;
    if (ino == FUSE_ROOT_ID) {
        a->mode = S_IFDIR | 0755;
        a->nlink = 2;
    } else {
        a->mode = S_IFREG | 0444;
        a->nlink = 1;
        a->size = sizeof(hello_data) - 1;
        a->blocks = 1;
    }
}

static void fill_entry(uint64_t ino, struct fuse_entry_out *e)
{
    memset(e, 0, sizeof(*e));
    e->nodeid = ino;
    e->entry_valid = 1;
    e->attr_valid = 1;
    fill_attr(ino, &e->attr);
}

static void op_lookup(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    struct fuse_entry_out e;
    if (fsp_req_header(req)->nodeid != FUSE_ROOT_ID || strcmp(arg, hello_name) != 0) {
        fsp_reply_err(req, ENOENT);
        return;
    }
    fill_entry(HELLO_INO, &e);
    fsp_reply_buf(req, &e, sizeof(e));
}

static void op_forget(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    fsp_reply_none(req); /* nothing to count: our inodes are eternal */
}

static bool known(uint64_t ino)
{
    return ino == FUSE_ROOT_ID || ino == HELLO_INO;
}

static void op_getattr(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    uint64_t ino = fsp_req_header(req)->nodeid;
    struct fuse_attr_out out;
    if (!known(ino)) {
        fsp_reply_err(req, ENOENT);
        return;
    }
    memset(&out, 0, sizeof(out));
    out.attr_valid = 1;
    fill_attr(ino, &out.attr);
    fsp_reply_buf(req, &out, sizeof(out));
}

static void op_open(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    const struct fuse_open_in *in = arg;
    uint64_t ino = fsp_req_header(req)->nodeid;
    struct fuse_open_out out;
    if (ino != HELLO_INO) {
        fsp_reply_err(req, ino == FUSE_ROOT_ID ? EISDIR : ENOENT);
        return;
    }
    if ((in->flags & O_ACCMODE) != O_RDONLY) {
        fsp_reply_err(req, EACCES);
        return;
    }
    memset(&out, 0, sizeof(out));
    fsp_reply_buf(req, &out, sizeof(out));
}

static void op_opendir(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    struct fuse_open_out out;
    if (fsp_req_header(req)->nodeid != FUSE_ROOT_ID) {
        fsp_reply_err(req, ENOTDIR);
        return;
    }
    memset(&out, 0, sizeof(out));
    fsp_reply_buf(req, &out, sizeof(out));
}

static void op_release(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    fsp_reply_err(req, 0);
}

/* --- READ, optionally deferred to another thread ----------------------------- */

static void answer_read(struct fsp_req *req)
{
    const struct fuse_read_in *in =
        (const void *)((const char *)fsp_req_header(req) + sizeof(struct fuse_in_header));
    size_t len = sizeof(hello_data) - 1;
    if (in->offset >= len) {
        fsp_reply_buf(req, NULL, 0);
        return;
    }
    size_t n = len - in->offset;
    if (n > in->size)
        n = in->size;
    /* Build the reply in the scratch buffer, as a real file system would. */
    size_t cap;
    char *buf = fsp_req_scratch(req, &cap);
    memcpy(buf, hello_data + in->offset, n);
    fsp_reply_buf(req, buf, n);
}

#define QCAP 1024
static struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct fsp_req *q[QCAP];
    unsigned head, count;
    bool quit;
} dq = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, {0}, 0, 0, false};

static void *deferred_main(void *arg)
{
    pthread_mutex_lock(&dq.lock);
    for (;;) {
        while (!dq.count && !dq.quit)
            pthread_cond_wait(&dq.cond, &dq.lock);
        if (!dq.count && dq.quit)
            break;
        struct fsp_req *req = dq.q[dq.head];
        dq.head = (dq.head + 1) % QCAP;
        dq.count--;
        pthread_mutex_unlock(&dq.lock);
        answer_read(req);
        pthread_mutex_lock(&dq.lock);
    }
    pthread_mutex_unlock(&dq.lock);
    return NULL;
}

static void op_read(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    answer_read(req);
}

static void op_read_deferred(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    pthread_mutex_lock(&dq.lock);
    if (dq.count == QCAP) {
        pthread_mutex_unlock(&dq.lock);
        answer_read(req);
        return;
    }
    fsp_req_defer(req);
    dq.q[(dq.head + dq.count) % QCAP] = req;
    dq.count++;
    pthread_cond_signal(&dq.cond);
    pthread_mutex_unlock(&dq.lock);
}

/* --- Directories ---------------------------------------------------------------- */

/* Append one entry at index idx (offsets are 1-based "next entry" cookies). */
static size_t add_dirent(char *buf, size_t cap, size_t used, bool plus, uint64_t ino,
                         const char *name, uint64_t off, uint32_t type)
{
    size_t namelen = strlen(name);
    size_t rec = plus ? FUSE_DIRENTPLUS_SIZE(namelen) : FUSE_DIRENT_SIZE(namelen);
    if (used + rec > cap)
        return 0;
    memset(buf + used, 0, rec);
    struct fuse_dirent *d;
    if (plus) {
        struct fuse_direntplus *dp = (void *)(buf + used);
        /* "." and ".." are not looked up: a zero nodeid tells the kernel. */
        if (strcmp(name, ".") != 0 && strcmp(name, "..") != 0)
            fill_entry(ino, &dp->entry_out);
        d = &dp->dirent;
    } else {
        d = (void *)(buf + used);
    }
    d->ino = ino;
    d->off = off;
    d->namelen = (uint32_t)namelen;
    d->type = type;
    memcpy(d->name, name, namelen);
    return rec;
}

static void readdir_common(struct fsp_req *req, const void *arg, bool plus)
{
    const struct fuse_read_in *in = arg;
    static const struct {
        const char *name;
        uint64_t ino;
        uint32_t type;
    } ents[] = {{".", FUSE_ROOT_ID, S_IFDIR >> 12},
                {"..", FUSE_ROOT_ID, S_IFDIR >> 12},
                {hello_name, HELLO_INO, S_IFREG >> 12}};
    size_t cap;
    char *buf = fsp_req_scratch(req, &cap);
    if (cap > in->size)
        cap = in->size;
    size_t used = 0;
    for (uint64_t i = in->offset; i < sizeof(ents) / sizeof(ents[0]); i++) {
        size_t rec =
            add_dirent(buf, cap, used, plus, ents[i].ino, ents[i].name, i + 1, ents[i].type);
        if (!rec)
            break;
        used += rec;
    }
    fsp_reply_buf(req, buf, used);
}

static void op_readdir(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    readdir_common(req, arg, false);
}

static void op_readdirplus(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    readdir_common(req, arg, true);
}

static void op_statfs(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    struct fuse_statfs_out out;
    memset(&out, 0, sizeof(out));
    out.st.bsize = 4096;
    out.st.frsize = 4096;
    out.st.blocks = 1;
    out.st.files = 2;
    out.st.namelen = 255;
    fsp_reply_buf(req, &out, sizeof(out));
}

/* --- main ------------------------------------------------------------------------- */

static void on_signal(int sig)
{
    if (g_se)
        fsp_session_stop_async(g_se);
}

static void usage(void)
{
    fprintf(stderr, "usage: hellofs -m MOUNTPOINT [-d] [--defer] [-T THREADS]\n");
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"defer", no_argument, NULL, 'D'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    const char *mountpoint = NULL;
    bool debug = false, defer = false;
    unsigned threads = 0;
    int c;

    while ((c = getopt_long(argc, argv, "m:dT:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'm':
            mountpoint = optarg;
            break;
        case 'd':
            debug = true;
            break;
        case 'D':
            defer = true;
            break;
        case 'T': {
            char *end;
            unsigned long v = strtoul(optarg, &end, 10);
            if (*end || v == 0 || v > 256) {
                fprintf(stderr, "hellofs: -T wants a thread count in 1..256\n");
                return 2;
            }
            threads = (unsigned)v;
            break;
        }
        case 'h':
            usage();
            return 0;
        default:
            usage();
            return 2;
        }
    }
    if (!mountpoint || optind != argc) {
        usage();
        return 2;
    }
    g_uid = getuid();
    g_gid = getgid();

    struct fsp_session_ops ops;
    memset(&ops, 0, sizeof(ops));
    ops.op[FUSE_LOOKUP] = op_lookup;
    ops.op[FUSE_FORGET] = op_forget;
    ops.op[FUSE_BATCH_FORGET] = op_forget;
    ops.op[FUSE_GETATTR] = op_getattr;
    ops.op[FUSE_OPEN] = op_open;
    ops.op[FUSE_READ] = defer ? op_read_deferred : op_read;
    ops.op[FUSE_RELEASE] = op_release;
    ops.op[FUSE_OPENDIR] = op_opendir;
    ops.op[FUSE_READDIR] = op_readdir;
    ops.op[FUSE_READDIRPLUS] = op_readdirplus;
    ops.op[FUSE_RELEASEDIR] = op_release;
    ops.op[FUSE_STATFS] = op_statfs;

    struct fsp_mount_opts mo = {
        .mountpoint = mountpoint,
        .fsname = "hellofs",
        .subtype = "hellofs",
        .auto_unmount = true, /* a test tool: never leave a mount behind */
        .rootmode = S_IFDIR | 0755,
        .thread_count = threads,
    };

    /* Signals first, so a signal at any point after mounting unmounts. */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    sigprocmask(SIG_BLOCK, &block, &old);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);

    g_se = fsp_session_mount(&mo, &ops, NULL);
    if (!g_se) {
        fprintf(stderr, "hellofs: cannot mount %s: %s\n", mountpoint, strerror(errno));
        return 1;
    }
    fsp_session_set_debug(g_se, debug);

    pthread_t dthread;
    bool dthread_started = false;
    if (defer) {
        sigset_t all, prev;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &prev);
        dthread_started = pthread_create(&dthread, NULL, deferred_main, NULL) == 0;
        pthread_sigmask(SIG_SETMASK, &prev, NULL);
    }

    int rc = fsp_session_start(g_se);
    sigprocmask(SIG_SETMASK, &old, NULL); /* pending signals are delivered now */
    if (rc == 0)
        rc = fsp_session_wait(g_se);
    if (rc < 0)
        fprintf(stderr, "hellofs: session failed: %s\n", strerror(-rc));

    if (dthread_started) {
        pthread_mutex_lock(&dq.lock);
        dq.quit = true;
        pthread_cond_signal(&dq.cond);
        pthread_mutex_unlock(&dq.lock);
        pthread_join(dthread, NULL);
    }
    struct fsp_session *se = g_se;
    g_se = NULL;
    fsp_session_destroy(se);
    return rc < 0 ? 1 : 0;
}
