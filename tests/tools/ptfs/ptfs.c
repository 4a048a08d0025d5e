/*
 * ptfs - a pass-through file system on the kernel session API, with FUSE
 * passthrough (backing files) for regular files.
 *
 *   ptfs [-d] [--no-passthrough] [--writeback] [--uring] BACKING_DIR MOUNTPOINT
 *
 * Every node is an O_PATH fd of the backing object. OPEN and CREATE open the
 * backing file and, when the kernel agreed to passthrough at INIT, register
 * it as a backing file (one backing id per inode, shared by its opens, as
 * the kernel wants one backing file per inode at a time): the kernel then serves that open file's
 * read, write and mmap itself and this daemon never sees READ or WRITE for it. When the kernel
 * refuses (no CAP_SYS_ADMIN, the writeback cache asked for, too deep a stack), the file is served
 * the ordinary way, through READ and WRITE. -d logs every request, which is how tests count
 * READ/WRITE requests; SIGUSR1 logs the session's per-opcode request counts and times.
 *
 * A test tool: one lock around the node table, no hard links bookkeeping
 * beyond lookups, no xattrs, no special files.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "kernel/session.h"

struct node {
    struct node *next; /* in the table */
    uint64_t nodeid;
    dev_t dev;
    ino_t ino;
    int fd; /* O_PATH */
    uint64_t nlookup;
    /* The kernel gives an inode one backing file at a time: every open of
     * this node shares one backing id, dropped when the last one closes. */
    int backing_id;
    unsigned backing_users;
};

/* An open file or directory. */
struct handle {
    int fd;
    struct node *node; /* regular files: whose backing id we share, if any */
    bool passthrough;  /* the kernel does this file's I/O */
    DIR *dir;
    off_t dir_off; /* the offset dir is at */
};

static struct fsp_session *g_se;
static bool g_passthrough = true, g_writeback;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static struct node g_root = {.nodeid = FUSE_ROOT_ID, .nlookup = 1};
static struct node *g_nodes = &g_root;

static struct node *node_of(uint64_t nodeid)
{
    return nodeid == FUSE_ROOT_ID ? &g_root : (struct node *)(uintptr_t)nodeid;
}

/* /proc/self/fd/N: reopens an O_PATH fd with real access. */
static void fd_path(int fd, char *buf, size_t size)
{
    snprintf(buf, size, "/proc/self/fd/%d", fd);
}

static void fill_attr(struct fuse_attr *a, const struct stat *st)
{
    memset(a, 0, sizeof(*a));
    a->ino = st->st_ino;
    a->size = (uint64_t)st->st_size;
    a->blocks = (uint64_t)st->st_blocks;
    a->atime = (uint64_t)st->st_atim.tv_sec;
    a->mtime = (uint64_t)st->st_mtim.tv_sec;
    a->ctime = (uint64_t)st->st_ctim.tv_sec;
    a->atimensec = (uint32_t)st->st_atim.tv_nsec;
    a->mtimensec = (uint32_t)st->st_mtim.tv_nsec;
    a->ctimensec = (uint32_t)st->st_ctim.tv_nsec;
    a->mode = st->st_mode;
    a->nlink = (uint32_t)st->st_nlink;
    a->uid = st->st_uid;
    a->gid = st->st_gid;
    a->rdev = (uint32_t)st->st_rdev;
    a->blksize = (uint32_t)st->st_blksize;
}

/* Find or add the node for name in parent; counts one lookup. */
static int do_lookup(struct node *parent, const char *name, struct fuse_entry_out *out)
{
    int fd = openat(parent->fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno;
    struct stat st;
    if (fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) {
        int e = errno;
        close(fd);
        return e;
    }
    pthread_mutex_lock(&g_lock);
    struct node *n;
    for (n = g_nodes; n; n = n->next)
        if (n->dev == st.st_dev && n->ino == st.st_ino)
            break;
    if (n) {
        close(fd);
    } else {
        n = calloc(1, sizeof(*n));
        if (!n) {
            pthread_mutex_unlock(&g_lock);
            close(fd);
            return ENOMEM;
        }
        n->fd = fd;
        n->dev = st.st_dev;
        n->ino = st.st_ino;
        n->nodeid = (uint64_t)(uintptr_t)n;
        n->next = g_nodes;
        g_nodes = n;
    }
    n->nlookup++;
    pthread_mutex_unlock(&g_lock);
    memset(out, 0, sizeof(*out));
    out->nodeid = n->nodeid;
    out->entry_valid = 1;
    out->attr_valid = 1;
    fill_attr(&out->attr, &st);
    return 0;
}

static void forget_one(uint64_t nodeid, uint64_t nlookup)
{
    if (nodeid == FUSE_ROOT_ID)
        return;
    struct node *n = node_of(nodeid);
    pthread_mutex_lock(&g_lock);
    n->nlookup = nlookup > n->nlookup ? 0 : n->nlookup - nlookup;
    if (n->nlookup == 0) {
        for (struct node **pp = &g_nodes; *pp; pp = &(*pp)->next)
            if (*pp == n) {
                *pp = n->next;
                break;
            }
        close(n->fd);
        free(n);
    }
    pthread_mutex_unlock(&g_lock);
}

/* --- Handlers ----------------------------------------------------------------- */

static void op_lookup(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    struct fuse_entry_out out;
    int e = do_lookup(node_of(fsp_req_header(req)->nodeid), arg, &out);
    if (e)
        fsp_reply_err(req, e);
    else
        fsp_reply_buf(req, &out, sizeof(out));
}

static void op_forget(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    const struct fuse_forget_in *in = arg;
    forget_one(fsp_req_header(req)->nodeid, in->nlookup);
    fsp_reply_none(req);
}

static void op_batch_forget(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    const struct fuse_batch_forget_in *in = arg;
    const struct fuse_forget_one *one = (const void *)(in + 1);
    for (uint32_t i = 0; i < in->count; i++)
        forget_one(one[i].nodeid, one[i].nlookup);
    fsp_reply_none(req);
}

static void reply_attr(struct fsp_req *req, int fd)
{
    struct stat st;
    if (fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) {
        fsp_reply_err(req, errno);
        return;
    }
    struct fuse_attr_out out;
    memset(&out, 0, sizeof(out));
    out.attr_valid = 1;
    fill_attr(&out.attr, &st);
    fsp_reply_buf(req, &out, sizeof(out));
}

static void op_getattr(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    reply_attr(req, node_of(fsp_req_header(req)->nodeid)->fd);
}

static void op_setattr(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    const struct fuse_setattr_in *in = arg;
    struct node *n = node_of(fsp_req_header(req)->nodeid);
    char path[64];
    fd_path(n->fd, path, sizeof(path));
    int rc = 0;
    if (in->valid & FATTR_MODE)
        rc = chmod(path, in->mode & 07777);
    if (rc == 0 && (in->valid & (FATTR_UID | FATTR_GID)))
        rc = lchown(path, (in->valid & FATTR_UID) ? in->uid : (uid_t)-1,
                    (in->valid & FATTR_GID) ? in->gid : (gid_t)-1);
    if (rc == 0 && (in->valid & FATTR_SIZE)) {
        if (in->valid & FATTR_FH)
            rc = ftruncate(((struct handle *)(uintptr_t)in->fh)->fd, (off_t)in->size);
        else
            rc = truncate(path, (off_t)in->size);
    }
    if (rc == 0 && (in->valid & (FATTR_ATIME | FATTR_MTIME | FATTR_ATIME_NOW | FATTR_MTIME_NOW))) {
        struct timespec ts[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};
        if (in->valid & FATTR_ATIME_NOW)
            ts[0].tv_nsec = UTIME_NOW;
        else if (in->valid & FATTR_ATIME)
            ts[0] = (struct timespec){(time_t)in->atime, (long)in->atimensec};
        if (in->valid & FATTR_MTIME_NOW)
            ts[1].tv_nsec = UTIME_NOW;
        else if (in->valid & FATTR_MTIME)
            ts[1] = (struct timespec){(time_t)in->mtime, (long)in->mtimensec};
        rc = utimensat(AT_FDCWD, path, ts, 0);
    }
    if (rc != 0) {
        fsp_reply_err(req, errno);
        return;
    }
    reply_attr(req, n->fd);
}

/* Fill an open reply for a freshly opened backing fd; passthrough when the
 * kernel lets us, the ordinary way otherwise. */
static int make_handle(struct node *n, int fd, struct fuse_open_out *out)
{
    struct handle *h = calloc(1, sizeof(*h));
    if (!h)
        return ENOMEM;
    h->fd = fd;
    h->node = n;
    memset(out, 0, sizeof(*out));
    if (g_passthrough) {
        pthread_mutex_lock(&g_lock);
        int id = n->backing_id;
        if (id <= 0)
            id = fsp_session_backing_open(g_se, fd);
        if (id > 0 && fsp_open_out_passthrough(g_se, out, id) == 0) {
            n->backing_id = id;
            n->backing_users++;
            h->passthrough = true;
        } else if (id < 0) {
            fsp_log("ptfs: no passthrough for this file (%s); serving it", strerror(-id));
        }
        pthread_mutex_unlock(&g_lock);
    }
    out->fh = (uint64_t)(uintptr_t)h;
    return 0;
}

static void op_open(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    const struct fuse_open_in *in = arg;
    char path[64];
    fd_path(node_of(fsp_req_header(req)->nodeid)->fd, path, sizeof(path));
    int fd = open(path, (int)(in->flags & ~(O_CREAT | O_EXCL | O_NOCTTY)) | O_CLOEXEC);
    if (fd < 0) {
        fsp_reply_err(req, errno);
        return;
    }
    struct fuse_open_out out;
    int e = make_handle(node_of(fsp_req_header(req)->nodeid), fd, &out);
    if (e) {
        close(fd);
        fsp_reply_err(req, e);
        return;
    }
    fsp_reply_buf(req, &out, sizeof(out));
}

static void op_create(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    const struct fuse_create_in *in = arg;
    const char *name = (const char *)(in + 1);
    struct node *parent = node_of(fsp_req_header(req)->nodeid);
    int fd =
        openat(parent->fd, name, (int)(in->flags | O_CREAT) | O_CLOEXEC, in->mode & ~in->umask);
    if (fd < 0) {
        fsp_reply_err(req, errno);
        return;
    }
    struct {
        struct fuse_entry_out e;
        struct fuse_open_out o;
    } out;
    int e = do_lookup(parent, name, &out.e);
    if (!e)
        e = make_handle(node_of(out.e.nodeid), fd, &out.o);
    if (e) {
        close(fd);
        fsp_reply_err(req, e);
        return;
    }
    fsp_reply_buf(req, &out, sizeof(out));
}

static void op_read(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    const struct fuse_read_in *in = arg;
    struct handle *h = (struct handle *)(uintptr_t)in->fh;
    size_t cap;
    char *buf = fsp_req_scratch(req, &cap);
    size_t size = in->size < cap ? in->size : cap;
    ssize_t n = pread(h->fd, buf, size, (off_t)in->offset);
    if (n < 0)
        fsp_reply_err(req, errno);
    else
        fsp_reply_buf(req, buf, (size_t)n);
}

static void op_write(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    const struct fuse_write_in *in = arg;
    struct handle *h = (struct handle *)(uintptr_t)in->fh;
    ssize_t n = pwrite(h->fd, in + 1, in->size, (off_t)in->offset);
    if (n < 0) {
        fsp_reply_err(req, errno);
        return;
    }
    struct fuse_write_out out = {.size = (uint32_t)n};
    fsp_reply_buf(req, &out, sizeof(out));
}

static void op_release(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    const struct fuse_release_in *in = arg;
    struct handle *h = (struct handle *)(uintptr_t)in->fh;
    if (h->passthrough) {
        pthread_mutex_lock(&g_lock);
        if (--h->node->backing_users == 0) {
            fsp_session_backing_close(g_se, h->node->backing_id);
            h->node->backing_id = 0;
        }
        pthread_mutex_unlock(&g_lock);
    }
    if (h->dir)
        closedir(h->dir);
    else
        close(h->fd);
    free(h);
    fsp_reply_err(req, 0);
}

static void op_flush(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    fsp_reply_err(req, 0);
}

static void op_fsync(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    const struct fuse_fsync_in *in = arg;
    struct handle *h = (struct handle *)(uintptr_t)in->fh;
    int rc = (in->fsync_flags & FUSE_FSYNC_FDATASYNC) ? fdatasync(h->fd) : fsync(h->fd);
    fsp_reply_err(req, rc ? errno : 0);
}

static void op_opendir(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    int fd =
        openat(node_of(fsp_req_header(req)->nodeid)->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct handle *h = fd >= 0 ? calloc(1, sizeof(*h)) : NULL;
    DIR *d = h ? fdopendir(fd) : NULL;
    if (!d) {
        int e = fd < 0 ? errno : ENOMEM;
        if (fd >= 0)
            close(fd);
        free(h);
        fsp_reply_err(req, e);
        return;
    }
    h->fd = fd;
    h->dir = d;
    struct fuse_open_out out = {.fh = (uint64_t)(uintptr_t)h};
    fsp_reply_buf(req, &out, sizeof(out));
}

static void op_readdir(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    const struct fuse_read_in *in = arg;
    struct handle *h = (struct handle *)(uintptr_t)in->fh;
    size_t cap;
    char *buf = fsp_req_scratch(req, &cap);
    size_t limit = in->size < cap ? in->size : cap, len = 0;
    if ((off_t)in->offset != h->dir_off) {
        seekdir(h->dir, (long)in->offset);
        h->dir_off = (off_t)in->offset;
    }
    for (;;) {
        errno = 0;
        struct dirent *de = readdir(h->dir);
        if (!de)
            break;
        size_t namelen = strlen(de->d_name);
        size_t rec = FUSE_DIRENT_SIZE(namelen);
        if (len + rec > limit) {
            seekdir(h->dir, h->dir_off); /* not sent: read it again next time */
            break;
        }
        struct fuse_dirent *fd = (void *)(buf + len);
        memset(fd, 0, rec);
        fd->ino = de->d_ino;
        fd->off = (uint64_t)de->d_off;
        fd->namelen = (uint32_t)namelen;
        fd->type = de->d_type;
        memcpy(fd->name, de->d_name, namelen);
        len += rec;
        h->dir_off = de->d_off;
    }
    fsp_reply_buf(req, buf, len);
}

static void op_unlink(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    int rc = unlinkat(node_of(fsp_req_header(req)->nodeid)->fd, arg, 0);
    fsp_reply_err(req, rc ? errno : 0);
}

static void op_rmdir(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    int rc = unlinkat(node_of(fsp_req_header(req)->nodeid)->fd, arg, AT_REMOVEDIR);
    fsp_reply_err(req, rc ? errno : 0);
}

static void op_mkdir(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    const struct fuse_mkdir_in *in = arg;
    const char *name = (const char *)(in + 1);
    struct node *parent = node_of(fsp_req_header(req)->nodeid);
    if (mkdirat(parent->fd, name, in->mode & ~in->umask) != 0) {
        fsp_reply_err(req, errno);
        return;
    }
    struct fuse_entry_out out;
    int e = do_lookup(parent, name, &out);
    if (e)
        fsp_reply_err(req, e);
    else
        fsp_reply_buf(req, &out, sizeof(out));
}

static void op_statfs(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    struct statvfs sv;
    if (fstatvfs(g_root.fd, &sv) != 0) {
        fsp_reply_err(req, errno);
        return;
    }
    struct fuse_statfs_out out;
    memset(&out, 0, sizeof(out));
    out.st.blocks = sv.f_blocks;
    out.st.bfree = sv.f_bfree;
    out.st.bavail = sv.f_bavail;
    out.st.files = sv.f_files;
    out.st.ffree = sv.f_ffree;
    out.st.bsize = (uint32_t)sv.f_bsize;
    out.st.frsize = (uint32_t)sv.f_frsize;
    out.st.namelen = (uint32_t)sv.f_namemax;
    fsp_reply_buf(req, &out, sizeof(out));
}

static void ptfs_init(void *userdata, struct fsp_conn *conn)
{
    /* Plain READDIR only; passthrough unless told otherwise. */
    conn->want &= ~(FUSE_DO_READDIRPLUS | FUSE_READDIRPLUS_AUTO);
    if (g_passthrough)
        conn->want |= FUSE_PASSTHROUGH;
    if (g_writeback)
        conn->want |= FUSE_WRITEBACK_CACHE;
}

static void on_signal(int sig)
{
    if (sig == SIGUSR1)
        fsp_session_dump_stats_async(g_se);
    else
        fsp_session_stop_async(g_se);
}

static void usage(void)
{
    fprintf(stderr, "usage: ptfs [-d] [--no-passthrough] [--writeback] [--uring] "
                    "BACKING_DIR MOUNTPOINT\n");
    exit(2);
}

int main(int argc, char **argv)
{
    bool debug = false, uring = false;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "-d"))
            debug = true;
        else if (!strcmp(argv[i], "--no-passthrough"))
            g_passthrough = false;
        else if (!strcmp(argv[i], "--writeback"))
            g_writeback = true;
        else if (!strcmp(argv[i], "--uring"))
            uring = true;
        else
            usage();
    }
    if (argc - i != 2)
        usage();
    g_root.fd = open(argv[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (g_root.fd < 0) {
        perror(argv[i]);
        return 1;
    }

    struct fsp_session_ops ops = {.init = ptfs_init};
    ops.op[FUSE_LOOKUP] = op_lookup;
    ops.op[FUSE_FORGET] = op_forget;
    ops.op[FUSE_BATCH_FORGET] = op_batch_forget;
    ops.op[FUSE_GETATTR] = op_getattr;
    ops.op[FUSE_SETATTR] = op_setattr;
    ops.op[FUSE_OPEN] = op_open;
    ops.op[FUSE_CREATE] = op_create;
    ops.op[FUSE_READ] = op_read;
    ops.op[FUSE_WRITE] = op_write;
    ops.op[FUSE_RELEASE] = op_release;
    ops.op[FUSE_FLUSH] = op_flush;
    ops.op[FUSE_FSYNC] = op_fsync;
    ops.op[FUSE_OPENDIR] = op_opendir;
    ops.op[FUSE_READDIR] = op_readdir;
    ops.op[FUSE_RELEASEDIR] = op_release;
    ops.op[FUSE_UNLINK] = op_unlink;
    ops.op[FUSE_RMDIR] = op_rmdir;
    ops.op[FUSE_MKDIR] = op_mkdir;
    ops.op[FUSE_STATFS] = op_statfs;

    struct fsp_mount_opts mo = {
        .mountpoint = argv[i + 1], .fsname = "ptfs", .subtype = "ptfs", .io_uring = uring};
    g_se = fsp_session_mount(&mo, &ops, NULL);
    if (!g_se)
        return 1;
    fsp_session_set_debug(g_se, debug);
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    int rc = fsp_session_start(g_se);
    if (rc == 0)
        rc = fsp_session_wait(g_se);
    fsp_session_destroy(g_se);
    while (g_nodes != &g_root) {
        struct node *n = g_nodes;
        g_nodes = n->next;
        close(n->fd);
        free(n);
    }
    close(g_root.fd);
    return rc ? 1 : 0;
}
