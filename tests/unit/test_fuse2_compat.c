/*
 * test_fuse2_compat.c - build/libfuse.so.2 serves binaries built for FUSE
 * 2.5 and older: this program declares the old layouts itself (as such a
 * binary's headers did), binds the old symbol versions with dlvsym() as
 * its dynamic linker would, and checks through a real mount that getattr,
 * readdir, read and statfs reach each generation's operations with the
 * arguments of its time:
 *   fuse_main_real@FUSE_2.5 (2.5 table, init without arguments),
 *   fuse_main_real@FUSE_2.2 (2.4 file info: the fh an open sets reaches
 *     read; struct statfs),
 *   fuse_main_compat2 (fuse_main@ of 2.1: open flags, no file info, the
 *     getdir filler without inode),
 *   fuse_main_compat1 (FUSE 1: its own statfs struct, release moved up),
 *   fuse_mount@FUSE_2.2 + fuse_new@FUSE_2.2 on the descriptor +
 *     fuse_unmount@FUSE_2.2 (the program drives the loop; the mount
 *     returns the /dev/fuse descriptor, fuse_unmount removes the mount),
 *   fuse_lowlevel_new@FUSE_2.4 with fuse_reply_open@FUSE_2.4 and
 *     fuse_reply_statfs@FUSE_2.4, and fuse_lowlevel_new@FUSE_2.5 (init
 *     with only the userdata, statfs without inode), each on 2.6's
 *     fuse_mount and as 2.4/2.5 programs did: fuse_mount@FUSE_2.2/2.5's
 *     descriptor in fuse_kern_chan_new, unmounted by fuse_unmount@FUSE_2.2.
 * Each file system runs in a child; the parent checks, then SIGTERM ends it
 * (exit status 0 and the mount gone expected). Needs root or fusermount3;
 * every mount uses auto_unmount, alarm() bounds everything.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utime.h>

#include "check.h"

/* --- The old API, declared as its headers did --------------------------------- */

typedef struct fuse_dirhandle *dirh_t;
typedef int (*dirfil_t)(dirh_t, const char *, int, ino_t); /* 2.2+ */
typedef int (*dirfil_old_t)(dirh_t, const char *, int);    /* before */
typedef int (*fill_dir_t)(void *, const char *, const struct stat *, off_t);

struct fi_now { /* 2.5's (and 2.6's) struct fuse_file_info */
    int flags;
    unsigned long fh_old;
    int writepage;
    unsigned int direct_io : 1, keep_cache : 1, flush : 1, nonseekable : 1, padding : 28;
    uint64_t fh;
    uint64_t lock_owner;
};

struct fi_24 { /* struct fuse_file_info_compat */
    int flags;
    unsigned long fh;
    int writepage;
    unsigned int direct_io : 1, keep_cache : 1;
};

struct statfs1 {
    long block_size, blocks, blocks_free, files, files_free, namelen;
};

#define COMMON(dirfil)                                                                         \
    int (*getattr)(const char *, struct stat *);                                               \
    int (*readlink)(const char *, char *, size_t);                                             \
    int (*getdir)(const char *, dirh_t, dirfil);                                               \
    void *mknod, *mkdir, *unlink, *rmdir, *symlink, *rename, *link, *chmod, *chown, *truncate, \
        *utime;

struct ops25 {
    COMMON(dirfil_t)
    int (*open)(const char *, struct fi_now *);
    int (*read)(const char *, char *, size_t, off_t, struct fi_now *);
    void *write;
    int (*statfs)(const char *, struct statvfs *);
    void *flush, *release, *fsync, *setxattr, *getxattr, *listxattr, *removexattr;
    void *opendir;
    int (*readdir)(const char *, void *, fill_dir_t, off_t, struct fi_now *);
    void *releasedir, *fsyncdir;
    void *(*init)(void);
    void (*destroy)(void *);
    void *access, *create, *ftruncate, *fgetattr;
};

struct ops22 {
    COMMON(dirfil_t)
    int (*open)(const char *, struct fi_24 *);
    int (*read)(const char *, char *, size_t, off_t, struct fi_24 *);
    void *write;
    int (*statfs)(const char *, struct statfs *);
    void *flush;
    int (*release)(const char *, struct fi_24 *);
    void *fsync, *setxattr, *getxattr, *listxattr, *removexattr;
    void *opendir, *readdir, *releasedir, *fsyncdir, *init, *destroy;
};

struct ops2 {
    COMMON(dirfil_old_t)
    int (*open)(const char *, int);
    int (*read)(const char *, char *, size_t, off_t);
    void *write;
    int (*statfs)(const char *, struct statfs *);
    void *flush;
    int (*release)(const char *, int);
    void *fsync, *setxattr, *getxattr, *listxattr, *removexattr;
};

struct ops1 {
    COMMON(dirfil_old_t)
    int (*open)(const char *, int);
    int (*read)(const char *, char *, size_t, off_t);
    void *write;
    int (*statfs)(struct statfs1 *);
    int (*release)(const char *, int);
    void *fsync;
};

static void *lib;

static void *sym(const char *name, const char *version)
{
    void *p = version ? dlvsym(lib, name, version) : dlsym(lib, name);
    if (!p) {
        fprintf(stderr, "  no %s@%s in libfuse.so.2\n", name, version ? version : "");
        _exit(3);
    }
    return p;
}

/* --- One file system, every generation: / and /hello ------------------------------- */

static const char hello[] = "compat\n";

static int fill_stat(const char *path, struct stat *st)
{
    memset(st, 0, sizeof(*st));
    if (!strcmp(path, "/")) {
        st->st_mode = S_IFDIR | 0755;
        st->st_nlink = 2;
    } else if (!strcmp(path, "/hello")) {
        st->st_mode = S_IFREG | 0644;
        st->st_nlink = 1;
        st->st_size = sizeof(hello) - 1;
    } else {
        return -ENOENT;
    }
    return 0;
}

static int copy_hello(char *buf, size_t size, off_t off)
{
    size_t len = sizeof(hello) - 1;
    if ((size_t)off >= len)
        return 0;
    if (size > len - (size_t)off)
        size = len - (size_t)off;
    memcpy(buf, hello + off, size);
    return (int)size;
}

static int getdir_now(const char *path, dirh_t h, dirfil_t fill)
{
    if (strcmp(path, "/"))
        return -ENOENT;
    fill(h, ".", DT_DIR, 0);
    fill(h, "..", DT_DIR, 0);
    fill(h, "hello", DT_REG, 0);
    return 0;
}

static int getdir_old(const char *path, dirh_t h, dirfil_old_t fill)
{
    if (strcmp(path, "/"))
        return -ENOENT;
    fill(h, ".", DT_DIR);
    fill(h, "..", DT_DIR);
    fill(h, "hello", DT_REG);
    return 0;
}

/* 2.5: readdir, init() without arguments whose result is private_data. */
static char init_mark[] = "init ran";
static void *init25(void)
{
    return init_mark;
}

static int read25(const char *path, char *buf, size_t size, off_t off, struct fi_now *fi)
{
    struct {
        void *fuse;
        uid_t uid;
        gid_t gid;
        pid_t pid;
        void *private_data;
    } * (*ctx)(void) = sym("fuse_get_context", "FUSE_2.2");
    (void)fi;
    if (strcmp(path, "/hello") || ctx()->private_data != init_mark)
        return -EIO;
    return copy_hello(buf, size, off);
}

static int readdir25(const char *path, void *buf, fill_dir_t fill, off_t off, struct fi_now *fi)
{
    (void)off;
    (void)fi;
    if (strcmp(path, "/"))
        return -ENOENT;
    fill(buf, ".", NULL, 0);
    fill(buf, "..", NULL, 0);
    fill(buf, "hello", NULL, 0);
    return 0;
}

static int statfs25(const char *path, struct statvfs *st)
{
    (void)path;
    memset(st, 0, sizeof(*st));
    st->f_bsize = 4096;
    st->f_namemax = 125;
    return 0;
}

/* 2.2: the handle open sets (in 2.4's fh) must come back to read. */
static int open22(const char *path, struct fi_24 *fi)
{
    (void)path;
    fi->fh = 4242;
    return 0;
}

static int read22(const char *path, char *buf, size_t size, off_t off, struct fi_24 *fi)
{
    (void)path;
    return fi->fh == 4242 ? copy_hello(buf, size, off) : -EBADF;
}

static int release22(const char *path, struct fi_24 *fi)
{
    (void)path;
    return fi->fh == 4242 ? 0 : -EBADF;
}

static int statfs_old(const char *path, struct statfs *st)
{
    (void)path;
    memset(st, 0, sizeof(*st));
    st->f_bsize = 4096;
    st->f_namelen = 122;
    return 0;
}

/* 2.1 and 1.x: open gets the flags, read no file info. */
static int open_old(const char *path, int flags)
{
    return strcmp(path, "/hello") || (flags & O_ACCMODE) != O_RDONLY ? -EACCES : 0;
}

static int read_old(const char *path, char *buf, size_t size, off_t off)
{
    (void)path;
    return copy_hello(buf, size, off);
}

static int release_old(const char *path, int flags)
{
    (void)path;
    (void)flags;
    return 0;
}

static int statfs1(struct statfs1 *st)
{
    memset(st, 0, sizeof(*st));
    st->block_size = 4096;
    st->namelen = 111;
    return 0;
}

/* --- Servers (in the child) ------------------------------------------------------------ */

static char mnt[64];

static int serve_main25(void)
{
    struct ops25 op = {.getattr = fill_stat,
                       .read = read25,
                       .readdir = readdir25,
                       .statfs = statfs25,
                       .init = init25};
    int (*main_real)(int, char **, const struct ops25 *, size_t) =
        sym("fuse_main_real", "FUSE_2.5");
    char *argv[] = {"compat25", "-f", "-s", "-o", "auto_unmount", mnt, NULL};
    return main_real(6, argv, &op, sizeof(op));
}

static int serve_main22(void)
{
    struct ops22 op = {.getattr = fill_stat,
                       .getdir = getdir_now,
                       .open = open22,
                       .read = read22,
                       .release = release22,
                       .statfs = statfs_old};
    int (*main_real)(int, char **, const struct ops22 *, size_t) =
        sym("fuse_main_real", "FUSE_2.2");
    char *argv[] = {"compat22", "-f", "-o", "auto_unmount", mnt, NULL};
    return main_real(5, argv, &op, sizeof(op));
}

static int serve_main2(void)
{
    struct ops2 op = {.getattr = fill_stat,
                      .getdir = getdir_old,
                      .open = open_old,
                      .read = read_old,
                      .release = release_old,
                      .statfs = statfs_old};
    int (*main2)(int, char **, const struct ops2 *) = sym("fuse_main_compat2", "FUSE_2.2");
    char *argv[] = {"compat2", "-f", "-o", "auto_unmount", mnt, NULL};
    return main2(5, argv, &op);
}

static int serve_main1(void)
{
    struct ops1 op = {.getattr = fill_stat,
                      .getdir = getdir_old,
                      .open = open_old,
                      .read = read_old,
                      .release = release_old,
                      .statfs = statfs1};
    void (*main1)(int, char **, const struct ops1 *) = sym("fuse_main_compat1", "FUSE_2.2");
    char *argv[] = {"compat1", "-f", "-o", "auto_unmount", mnt, NULL};
    main1(5, argv, &op);
    return 0;
}

static int mounted(void);

/* The program drives it: fuse_mount -> fd -> fuse_new(fd) -> loop. */
static int serve_fd22(void)
{
    struct ops22 op = {.getattr = fill_stat,
                       .getdir = getdir_now,
                       .open = open22,
                       .read = read22,
                       .release = release22,
                       .statfs = statfs_old};
    int (*mount22)(const char *, const char *) = sym("fuse_mount", "FUSE_2.2");
    void *(*new22)(int, const char *, const struct ops22 *, size_t) = sym("fuse_new", "FUSE_2.2");
    void (*unmount22)(const char *) = sym("fuse_unmount", "FUSE_2.2");
    void *(*get_session)(void *) = sym("fuse_get_session", "FUSE_2.6");
    int (*set_handlers)(void *) = sym("fuse_set_signal_handlers", "FUSE_2.5");
    void (*remove_handlers)(void *) = sym("fuse_remove_signal_handlers", "FUSE_2.5");
    int (*loop)(void *) = sym("fuse_loop", "FUSE_2.2");
    void (*destroy)(void *) = sym("fuse_destroy", "FUSE_2.2");
    int fd = mount22(mnt, "auto_unmount");
    if (fd < 0)
        return 10;
    void *f = new22(fd, NULL, &op, sizeof(op));
    if (!f)
        return 11;
    void *se = get_session(f);
    if (set_handlers(se) != 0)
        return 12;
    int res = loop(f);
    remove_handlers(se);
    destroy(f);
    unmount22(mnt);
    if (mounted()) /* fuse_unmount itself, not auto_unmount at exit */
        return 14;
    return res == 0 ? 0 : 13;
}

/* --- 2.4's low-level API ------------------------------------------------------------- */

typedef struct fuse_req *req_t;
struct entry_param {
    uint64_t ino, generation;
    struct stat attr;
    double attr_timeout, entry_timeout;
};

static int (*reply_entry)(req_t, const struct entry_param *);
static int (*reply_attr)(req_t, const struct stat *, double);
static int (*reply_err)(req_t, int);
static int (*reply_buf)(req_t, const char *, size_t);
static int (*reply_open24)(req_t, const struct fi_24 *);
static int (*reply_statfs24)(req_t, const struct statfs *);
static size_t (*dirent_size)(size_t);
static char *(*add_dirent)(char *, const char *, const struct stat *, off_t);
static int ll_inited;

static void ll_init(void *userdata)
{
    ll_inited = userdata == &ll_inited;
}

static void ll_lookup(req_t req, uint64_t parent, const char *name)
{
    struct entry_param e;
    memset(&e, 0, sizeof(e));
    if (parent != 1 || strcmp(name, "hello") || !ll_inited) {
        reply_err(req, ENOENT);
        return;
    }
    e.ino = 2;
    fill_stat("/hello", &e.attr);
    e.attr.st_ino = 2;
    reply_entry(req, &e);
}

static void ll_getattr(req_t req, uint64_t ino, struct fi_24 *fi)
{
    struct stat st;
    (void)fi;
    if (fill_stat(ino == 1 ? "/" : ino == 2 ? "/hello" : "/none", &st) != 0) {
        reply_err(req, ENOENT);
        return;
    }
    st.st_ino = ino;
    reply_attr(req, &st, 1.0);
}

static void ll_open(req_t req, uint64_t ino, struct fi_24 *fi)
{
    (void)ino;
    fi->fh = 2424;
    reply_open24(req, fi);
}

static void ll_read(req_t req, uint64_t ino, size_t size, off_t off, struct fi_24 *fi)
{
    char buf[64];
    (void)ino;
    if (fi->fh != 2424) {
        reply_err(req, EBADF);
        return;
    }
    int n = copy_hello(buf, size < sizeof(buf) ? size : sizeof(buf), off);
    reply_buf(req, buf, (size_t)n);
}

static void ll_readdir(req_t req, uint64_t ino, size_t size, off_t off, struct fi_24 *fi)
{
    char buf[512];
    char *p = buf;
    struct stat st;
    const char *names[] = {".", "..", "hello"};
    (void)fi;
    if (ino != 1) {
        reply_err(req, ENOTDIR);
        return;
    }
    memset(&st, 0, sizeof(st));
    for (int i = 0; i < 3; i++) {
        st.st_ino = i == 2 ? 2 : 1;
        p = add_dirent(p, names[i], &st, (off_t)(p - buf + (long)dirent_size(strlen(names[i]))));
    }
    size_t len = (size_t)(p - buf);
    if ((size_t)off >= len)
        reply_buf(req, NULL, 0);
    else
        reply_buf(req, buf + off, len - (size_t)off < size ? len - (size_t)off : size);
}

static void ll_statfs(req_t req)
{
    struct statfs st;
    memset(&st, 0, sizeof(st));
    st.f_bsize = 4096;
    st.f_namelen = 124;
    reply_statfs24(req, &st);
}

/* 2.5: today's file info and fuse_reply_open/statfs@FUSE_2.5. */
static int (*reply_open25)(req_t, const struct fi_now *);
static int (*reply_statfs25)(req_t, const struct statvfs *);

static void ll_getattr25(req_t req, uint64_t ino, struct fi_now *fi)
{
    (void)fi;
    ll_getattr(req, ino, NULL);
}

static void ll_open25(req_t req, uint64_t ino, struct fi_now *fi)
{
    (void)ino;
    fi->fh = 2525;
    reply_open25(req, fi);
}

static void ll_read25(req_t req, uint64_t ino, size_t size, off_t off, struct fi_now *fi)
{
    struct fi_24 o = {.fh = fi->fh == 2525 ? 2424 : 0};
    ll_read(req, ino, size, off, &o);
}

static void ll_readdir25(req_t req, uint64_t ino, size_t size, off_t off, struct fi_now *fi)
{
    (void)fi;
    ll_readdir(req, ino, size, off, NULL);
}

static void ll_statfs25(req_t req)
{
    struct statvfs st;
    memset(&st, 0, sizeof(st));
    st.f_bsize = 4096;
    st.f_namemax = 126;
    reply_statfs25(req, &st);
}

struct ll_ops24 {
    void (*init)(void *);
    void *destroy;
    void (*lookup)(req_t, uint64_t, const char *);
    void *forget;
    void (*getattr)(req_t, uint64_t, struct fi_24 *);
    void *setattr, *readlink, *mknod, *mkdir, *unlink, *rmdir, *symlink, *rename, *link;
    void (*open)(req_t, uint64_t, struct fi_24 *);
    void (*read)(req_t, uint64_t, size_t, off_t, struct fi_24 *);
    void *write, *flush, *release, *fsync, *opendir;
    void (*readdir)(req_t, uint64_t, size_t, off_t, struct fi_24 *);
    void *releasedir, *fsyncdir;
    void (*statfs)(req_t);
    void *setxattr, *getxattr, *listxattr, *removexattr, *access, *create;
};

struct ll_ops25 {
    void (*init)(void *);
    void *destroy;
    void (*lookup)(req_t, uint64_t, const char *);
    void *forget;
    void (*getattr)(req_t, uint64_t, struct fi_now *);
    void *setattr, *readlink, *mknod, *mkdir, *unlink, *rmdir, *symlink, *rename, *link;
    void (*open)(req_t, uint64_t, struct fi_now *);
    void (*read)(req_t, uint64_t, size_t, off_t, struct fi_now *);
    void *write, *flush, *release, *fsync, *opendir;
    void (*readdir)(req_t, uint64_t, size_t, off_t, struct fi_now *);
    void *releasedir, *fsyncdir;
    void (*statfs)(req_t);
    void *setxattr, *getxattr, *listxattr, *removexattr, *access, *create;
};

/* A low-level file system of 2.4 (version 24) or 2.5 (25), mounted with
 * 2.6's fuse_mount (its channel), or (by_fd) as programs of that time did:
 * fuse_mount@FUSE_2.2 (2.4) or @FUSE_2.5 (2.5) for the descriptor, a
 * channel on it from fuse_kern_chan_new, fuse_session_destroy taking the
 * channel with it, and fuse_unmount@FUSE_2.2 by mount point. */
static int serve_ll(int version, bool by_fd)
{
    struct ll_ops24 op24 = {.init = ll_init,
                            .lookup = ll_lookup,
                            .getattr = ll_getattr,
                            .open = ll_open,
                            .read = ll_read,
                            .readdir = ll_readdir,
                            .statfs = ll_statfs};
    struct ll_ops25 op25 = {.init = ll_init,
                            .lookup = ll_lookup,
                            .getattr = ll_getattr25,
                            .open = ll_open25,
                            .read = ll_read25,
                            .readdir = ll_readdir25,
                            .statfs = ll_statfs25};
    reply_open25 = sym("fuse_reply_open", "FUSE_2.5");
    reply_statfs25 = sym("fuse_reply_statfs", "FUSE_2.5");
    reply_entry = sym("fuse_reply_entry", "FUSE_2.4");
    reply_attr = sym("fuse_reply_attr", "FUSE_2.4");
    reply_err = sym("fuse_reply_err", "FUSE_2.4");
    reply_buf = sym("fuse_reply_buf", "FUSE_2.4");
    reply_open24 = sym("fuse_reply_open", "FUSE_2.4");
    reply_statfs24 = sym("fuse_reply_statfs", "FUSE_2.4");
    dirent_size = sym("fuse_dirent_size", "FUSE_2.4");
    add_dirent = sym("fuse_add_dirent", "FUSE_2.4");
    void *(*ll_new24)(const char *, const struct ll_ops24 *, size_t, void *) =
        sym("fuse_lowlevel_new", "FUSE_2.4");
    void *(*ll_new25)(void *, const struct ll_ops25 *, size_t, void *) =
        sym("fuse_lowlevel_new", "FUSE_2.5");
    struct {
        int argc;
        char **argv;
        int allocated;
    } args = {0, NULL, 0};
    void *(*mount26)(const char *, void *) = sym("fuse_mount", "FUSE_2.6");
    void (*unmount26)(const char *, void *) = sym("fuse_unmount", "FUSE_2.6");
    void (*add_chan)(void *, void *) = sym("fuse_session_add_chan", "FUSE_2.4");
    void (*remove_chan)(void *) = sym("fuse_session_remove_chan", "FUSE_2.6");
    int (*set_handlers)(void *) = sym("fuse_set_signal_handlers", "FUSE_2.5");
    void (*remove_handlers)(void *) = sym("fuse_remove_signal_handlers", "FUSE_2.5");
    int (*loop)(void *) = sym("fuse_session_loop", "FUSE_2.4");
    void (*destroy)(void *) = sym("fuse_session_destroy", "FUSE_2.4");
    char *argv[] = {"ll24", "-o", "auto_unmount", NULL};
    args.argc = 3;
    args.argv = argv;
    int (*mount22)(const char *, const char *) = sym("fuse_mount", "FUSE_2.2");
    int (*mount25)(const char *, void *) = sym("fuse_mount", "FUSE_2.5");
    void *(*kern_chan_new)(int) = sym("fuse_kern_chan_new", "FUSE_2.4");
    void (*unmount22)(const char *) = sym("fuse_unmount", "FUSE_2.2");
    void *ch;
    if (by_fd) {
        int fd = version == 24 ? mount22(mnt, "auto_unmount") : mount25(mnt, &args);
        if (fd < 0) /* (not stat: nothing serves the mount yet) */
            return 15;
        ch = kern_chan_new(fd);
    } else {
        ch = mount26(mnt, &args);
    }
    if (!ch)
        return 10;
    void *se = version == 24 ? ll_new24(NULL, &op24, sizeof(op24), &ll_inited)
                             : ll_new25(&args, &op25, sizeof(op25), &ll_inited);
    if (!se)
        return 11;
    if (set_handlers(se) != 0)
        return 12;
    add_chan(se, ch);
    int res = loop(se);
    remove_handlers(se);
    if (by_fd) {
        destroy(se); /* and the channel, which closes the descriptor */
        unmount22(mnt);
        if (mounted()) /* fuse_unmount itself, not auto_unmount at exit */
            return 14;
    } else {
        remove_chan(ch);
        destroy(se);
        unmount26(mnt, ch);
    }
    void (*free_args)(void *) = sym("fuse_opt_free_args", "FUSE_2.5");
    free_args(&args); /* fuse_mount took its options out: a new list */
    return res == 0 ? 0 : 13;
}

/* --- Checks (in the parent) --------------------------------------------------------- */

static int mounted(void)
{
    struct stat a, b;
    char parent[sizeof(mnt) + 4];
    snprintf(parent, sizeof(parent), "%s/..", mnt);
    return stat(mnt, &a) == 0 && stat(parent, &b) == 0 && a.st_dev != b.st_dev;
}

static void check_mount(long namemax)
{
    char path[128], data[64] = "";
    struct stat st;
    snprintf(path, sizeof(path), "%s/hello", mnt);
    CHECK_EQ_INT(stat(path, &st), 0);
    CHECK_EQ_INT(st.st_size, sizeof(hello) - 1);
    int fd = open(path, O_RDONLY);
    CHECK(fd >= 0);
    if (fd >= 0) {
        ssize_t n = read(fd, data, sizeof(data) - 1);
        data[n > 0 ? n : 0] = 0;
        CHECK_EQ_STR(data, hello);
        close(fd);
    }
    DIR *d = opendir(mnt);
    int seen = 0;
    CHECK(d != NULL);
    if (d) {
        struct dirent *de;
        while ((de = readdir(d)))
            seen += !strcmp(de->d_name, "hello");
        closedir(d);
    }
    CHECK_EQ_INT(seen, 1);
    struct statvfs sv;
    CHECK_EQ_INT(statvfs(mnt, &sv), 0);
    CHECK_EQ_INT(sv.f_namemax, namemax);
}

/* Serve with SERVE in a child; check; SIGTERM; it must exit 0 and unmount. */
static void run(int (*serve)(void), long namemax)
{
    snprintf(mnt, sizeof(mnt), "/tmp/fsp-compat2.XXXXXX");
    if (!mkdtemp(mnt)) {
        CHECK(!"mkdtemp");
        return;
    }
    pid_t pid = fork();
    if (pid == 0) {
        alarm(30);
        exit(serve()); /* exit, not _exit: LeakSanitizer checks the child too */
    }
    for (int i = 0; i < 200 && !mounted(); i++)
        usleep(50000);
    CHECK(mounted());
    if (mounted())
        check_mount(namemax);
    kill(pid, SIGTERM);
    int status = 0;
    for (int i = 0; i < 200 && waitpid(pid, &status, WNOHANG) == 0; i++)
        usleep(50000);
    if (waitpid(pid, &status, WNOHANG) == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        CHECK(!"the file system ends on SIGTERM");
    }
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status))
        fprintf(stderr, "  exit status %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    for (int i = 0; i < 100 && mounted(); i++)
        usleep(50000);
    CHECK(!mounted());
    if (mounted())
        umount2(mnt, MNT_DETACH);
    rmdir(mnt);
}

TEST(main_real_25)
{
    run(serve_main25, 125);
}
TEST(main_real_22)
{
    run(serve_main22, 122);
}
TEST(main_21)
{
    run(serve_main2, 122);
}
TEST(main_1)
{
    run(serve_main1, 111);
}
TEST(mount_new_fd_22)
{
    run(serve_fd22, 122);
}
static int serve_ll24(void)
{
    return serve_ll(24, false);
}

static int serve_ll25(void)
{
    return serve_ll(25, false);
}

static int serve_ll24_fd(void)
{
    return serve_ll(24, true);
}

static int serve_ll25_fd(void)
{
    return serve_ll(25, true);
}

TEST(lowlevel_25)
{
    run(serve_ll25, 126);
}

TEST(lowlevel_24)
{
    run(serve_ll24, 124);
}

TEST(lowlevel_24_mount_fd)
{
    run(serve_ll24_fd, 124);
}

TEST(lowlevel_25_mount_fd)
{
    run(serve_ll25_fd, 126);
}

int main(int argc, char **argv)
{
    char self[PATH_MAX], path[PATH_MAX + 32];
    (void)argc;
    (void)argv;
    alarm(240);
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0)
        return 1;
    self[n] = 0;
    snprintf(path, sizeof(path), "%s/../libfuse.so.2", dirname(self));
    lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        fprintf(stderr, "dlopen %s: %s\n", path, dlerror());
        return 1;
    }
    RUN(main_real_25);
    RUN(main_real_22);
    RUN(main_21);
    RUN(main_1);
    RUN(mount_new_fd_22);
    RUN(lowlevel_24);
    RUN(lowlevel_25);
    RUN(lowlevel_24_mount_fd);
    RUN(lowlevel_25_mount_fd);
    dlclose(lib);
    return CHECK_DONE();
}
