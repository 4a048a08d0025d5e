/*
 * fuse2_i.h - private structures of FSP's FUSE 2 layer (libfuse.so.2).
 *
 * libfuse.so.2 is FSP's FUSE 3 implementation (a second build of src/fuse,
 * see fuse3_names.h) plus this layer, which translates FUSE 2's objects to
 * FUSE 3's:
 *   - a FUSE 2 high-level file system becomes a FUSE 3 one whose operations
 *     (hl_bridge.c) call the FUSE 2 operations through fuse_fs_* (hl_fs.c);
 *   - a FUSE 2 low-level file system becomes a FUSE 3 session whose
 *     handlers (ll_bridge.c) call the FUSE 2 handlers with the same request;
 *   - a channel (fuse_mount) is a mount point and its mount options, mounted
 *     once a session exists (chan.c).
 * The code here sees FUSE 3's headers; FUSE 2's layouts appear under
 * fuse2_ names, checked against include/fuse by the asserts below and by
 * the FUSE 2 test program (the FUSE 2 program that tests/mount/fuse2.sh builds).
 */
#ifndef FSP_FUSE2_I_H
#define FSP_FUSE2_I_H

#include "fuse/hl_i.h"

#include <utime.h>

/* Exports the C function cname as FUSE 2's name@@node (node: a string). */
#define FUSE2_SYMBOL(cname, name, node) __asm__(".symver " #cname "," #name "@@" node)
/* The same for an older, non-default version (for binaries linked with it). */
#define FUSE2_SYMBOL_OLD(cname, name, node) __asm__(".symver " #cname "," #name "@" node)

/* --- FUSE 2 layouts (include/fuse) -------------------------------------------- */

struct fuse2_file_info {
    int flags;
    unsigned long fh_old;
    int writepage;
    unsigned int direct_io : 1;
    unsigned int keep_cache : 1;
    unsigned int flush : 1;
    unsigned int nonseekable : 1;
    unsigned int flock_release : 1;
    unsigned int padding : 27;
    uint64_t fh;
    uint64_t lock_owner;
};

/* FUSE_CAP_* bits 0-11 mean the same in FUSE 2 and 3, but for BIG_WRITES
 * (FUSE 2 only: FSP always allows big writes) and bit 2 (unused). */
#define FUSE2_CAP_BIG_WRITES (1u << 5)
#define FUSE2_CAPS           (0xfffu & ~(1u << 2) & ~FUSE2_CAP_BIG_WRITES)

struct fuse2_conn_info {
    unsigned proto_major;
    unsigned proto_minor;
    unsigned async_read;
    unsigned max_write;
    unsigned max_readahead;
    unsigned capable;
    unsigned want;
    unsigned max_background;
    unsigned congestion_threshold;
    unsigned reserved[23];
};

typedef int (*fuse2_fill_dir_t)(void *buf, const char *name, const struct stat *stbuf, off_t off);
typedef struct fuse_dirhandle *fuse2_dirh_t;
typedef int (*fuse2_dirfil_t)(fuse2_dirh_t h, const char *name, int type, ino_t ino);

struct fuse2_operations {
    int (*getattr)(const char *, struct stat *);
    int (*readlink)(const char *, char *, size_t);
    int (*getdir)(const char *, fuse2_dirh_t, fuse2_dirfil_t);
    int (*mknod)(const char *, mode_t, dev_t);
    int (*mkdir)(const char *, mode_t);
    int (*unlink)(const char *);
    int (*rmdir)(const char *);
    int (*symlink)(const char *, const char *);
    int (*rename)(const char *, const char *);
    int (*link)(const char *, const char *);
    int (*chmod)(const char *, mode_t);
    int (*chown)(const char *, uid_t, gid_t);
    int (*truncate)(const char *, off_t);
    int (*utime)(const char *, struct utimbuf *);
    int (*open)(const char *, struct fuse2_file_info *);
    int (*read)(const char *, char *, size_t, off_t, struct fuse2_file_info *);
    int (*write)(const char *, const char *, size_t, off_t, struct fuse2_file_info *);
    int (*statfs)(const char *, struct statvfs *);
    int (*flush)(const char *, struct fuse2_file_info *);
    int (*release)(const char *, struct fuse2_file_info *);
    int (*fsync)(const char *, int, struct fuse2_file_info *);
    int (*setxattr)(const char *, const char *, const char *, size_t, int);
    int (*getxattr)(const char *, const char *, char *, size_t);
    int (*listxattr)(const char *, char *, size_t);
    int (*removexattr)(const char *, const char *);
    int (*opendir)(const char *, struct fuse2_file_info *);
    int (*readdir)(const char *, void *, fuse2_fill_dir_t, off_t, struct fuse2_file_info *);
    int (*releasedir)(const char *, struct fuse2_file_info *);
    int (*fsyncdir)(const char *, int, struct fuse2_file_info *);
    void *(*init)(struct fuse2_conn_info *);
    void (*destroy)(void *);
    int (*access)(const char *, int);
    int (*create)(const char *, mode_t, struct fuse2_file_info *);
    int (*ftruncate)(const char *, off_t, struct fuse2_file_info *);
    int (*fgetattr)(const char *, struct stat *, struct fuse2_file_info *);
    int (*lock)(const char *, struct fuse2_file_info *, int, struct flock *);
    int (*utimens)(const char *, const struct timespec[2]);
    int (*bmap)(const char *, size_t, uint64_t *);
    unsigned int flag_nullpath_ok : 1;
    unsigned int flag_nopath : 1;
    unsigned int flag_utime_omit_ok : 1;
    unsigned int flag_reserved : 29;
    int (*ioctl)(const char *, int, void *, struct fuse2_file_info *, unsigned int, void *);
    int (*poll)(const char *, struct fuse2_file_info *, struct fuse_pollhandle *, unsigned *);
    int (*write_buf)(const char *, struct fuse_bufvec *, off_t, struct fuse2_file_info *);
    int (*read_buf)(const char *, struct fuse_bufvec **, size_t, off_t, struct fuse2_file_info *);
    int (*flock)(const char *, struct fuse2_file_info *, int);
    int (*fallocate)(const char *, int, off_t, off_t, struct fuse2_file_info *);
};

struct fuse2_lowlevel_ops {
    void (*init)(void *, struct fuse2_conn_info *);
    void (*destroy)(void *);
    void (*lookup)(fuse_req_t, fuse_ino_t, const char *);
    void (*forget)(fuse_req_t, fuse_ino_t, unsigned long);
    void (*getattr)(fuse_req_t, fuse_ino_t, struct fuse2_file_info *);
    void (*setattr)(fuse_req_t, fuse_ino_t, struct stat *, int, struct fuse2_file_info *);
    void (*readlink)(fuse_req_t, fuse_ino_t);
    void (*mknod)(fuse_req_t, fuse_ino_t, const char *, mode_t, dev_t);
    void (*mkdir)(fuse_req_t, fuse_ino_t, const char *, mode_t);
    void (*unlink)(fuse_req_t, fuse_ino_t, const char *);
    void (*rmdir)(fuse_req_t, fuse_ino_t, const char *);
    void (*symlink)(fuse_req_t, const char *, fuse_ino_t, const char *);
    void (*rename)(fuse_req_t, fuse_ino_t, const char *, fuse_ino_t, const char *);
    void (*link)(fuse_req_t, fuse_ino_t, fuse_ino_t, const char *);
    void (*open)(fuse_req_t, fuse_ino_t, struct fuse2_file_info *);
    void (*read)(fuse_req_t, fuse_ino_t, size_t, off_t, struct fuse2_file_info *);
    void (*write)(fuse_req_t, fuse_ino_t, const char *, size_t, off_t, struct fuse2_file_info *);
    void (*flush)(fuse_req_t, fuse_ino_t, struct fuse2_file_info *);
    void (*release)(fuse_req_t, fuse_ino_t, struct fuse2_file_info *);
    void (*fsync)(fuse_req_t, fuse_ino_t, int, struct fuse2_file_info *);
    void (*opendir)(fuse_req_t, fuse_ino_t, struct fuse2_file_info *);
    void (*readdir)(fuse_req_t, fuse_ino_t, size_t, off_t, struct fuse2_file_info *);
    void (*releasedir)(fuse_req_t, fuse_ino_t, struct fuse2_file_info *);
    void (*fsyncdir)(fuse_req_t, fuse_ino_t, int, struct fuse2_file_info *);
    void (*statfs)(fuse_req_t, fuse_ino_t);
    void (*setxattr)(fuse_req_t, fuse_ino_t, const char *, const char *, size_t, int);
    void (*getxattr)(fuse_req_t, fuse_ino_t, const char *, size_t);
    void (*listxattr)(fuse_req_t, fuse_ino_t, size_t);
    void (*removexattr)(fuse_req_t, fuse_ino_t, const char *);
    void (*access)(fuse_req_t, fuse_ino_t, int);
    void (*create)(fuse_req_t, fuse_ino_t, const char *, mode_t, struct fuse2_file_info *);
    void (*getlk)(fuse_req_t, fuse_ino_t, struct fuse2_file_info *, struct flock *);
    void (*setlk)(fuse_req_t, fuse_ino_t, struct fuse2_file_info *, struct flock *, int);
    void (*bmap)(fuse_req_t, fuse_ino_t, size_t, uint64_t);
    void (*ioctl)(fuse_req_t, fuse_ino_t, int, void *, struct fuse2_file_info *, unsigned,
                  const void *, size_t, size_t);
    void (*poll)(fuse_req_t, fuse_ino_t, struct fuse2_file_info *, struct fuse_pollhandle *);
    void (*write_buf)(fuse_req_t, fuse_ino_t, struct fuse_bufvec *, off_t,
                      struct fuse2_file_info *);
    void (*retrieve_reply)(fuse_req_t, void *, fuse_ino_t, off_t, struct fuse_bufvec *);
    void (*forget_multi)(fuse_req_t, size_t, struct fuse_forget_data *);
    void (*flock)(fuse_req_t, fuse_ino_t, struct fuse2_file_info *, int);
    void (*fallocate)(fuse_req_t, fuse_ino_t, int, off_t, off_t, struct fuse2_file_info *);
};

/* The x86-64 (LP64) layouts of libfuse 2.9. */
_Static_assert(sizeof(struct fuse2_file_info) == 40, "fuse_file_info");
_Static_assert(offsetof(struct fuse2_file_info, fh) == 24, "fuse_file_info.fh");
_Static_assert(sizeof(struct fuse2_conn_info) == 128, "fuse_conn_info");
_Static_assert(offsetof(struct fuse2_operations, ioctl) == 38 * sizeof(void *) + 8,
               "fuse_operations.ioctl");
_Static_assert(sizeof(struct fuse2_operations) == 44 * sizeof(void *) + 8, "fuse_operations");
_Static_assert(sizeof(struct fuse2_lowlevel_ops) == 41 * sizeof(void *), "fuse_lowlevel_ops");

/* --- Objects ------------------------------------------------------------------ */

/* FUSE 2's struct fuse_fs: its operations and private data. */
struct fuse2_fs {
    struct fuse2_operations op;
    void *user_data;
    bool initialized; /* fuse_fs_init ran */
    bool lib_owned;   /* fuse_new's own fs: destroy() only after init() */
};

/* FUSE 2's struct fuse_module (fuse_register_module, FUSE_REGISTER_MODULE). */
struct fuse2_module {
    const char *name;
    struct fuse2_fs *(*factory)(struct fuse_args *args, struct fuse2_fs *fs[]);
    struct fuse2_module *next;
    void *so;
    int ctr;
};

/* Connection settings from FUSE 2's low-level options (max_write=, big_writes,
 * no_remote_lock...), which FUSE 3 moved elsewhere; applied at INIT. */
struct fuse2_conn_opts {
    unsigned max_write, max_readahead, max_background, congestion_threshold;
    int async_read, sync_read, atomic_o_trunc;
    int no_remote_posix_lock, no_remote_flock;
    int big_writes, splice; /* accepted; FSP always allows big writes, never splices */
};

struct fuse_chan;
/* FUSE 2.6's struct fuse_chan_ops (fuse_chan_new). */
struct fuse2_chan_ops {
    int (*receive)(struct fuse_chan **chp, char *buf, size_t size);
    int (*send)(struct fuse_chan *ch, const struct iovec iov[], size_t count);
    void (*destroy)(struct fuse_chan *ch);
};

/* A mount point waiting for (or serving) a session; or a connection the
 * program made itself: fuse_kern_chan_new (a mounted /dev/fuse fd) or
 * fuse_chan_new (its own receive/send). */
struct fuse_chan {
    char *mountpoint;        /* NULL for a given connection */
    char *opts;              /* mount options, a -o list (NULL if none) */
    struct fuse_session *se; /* FUSE 3 session, once attached */
    struct fuse_chan **user; /* the session owner's pointer to this channel */
    bool custom;             /* fuse_chan_new: op serves the I/O */
    bool fd_given;           /* fuse_kern_chan_new's fd now belongs to the session */
    bool mounted_fd;         /* a fuse_mount channel a custom session mounted: fd is
                              * the mount's, unmounted and closed with the channel */
    struct fuse2_chan_ops op;
    /* fuse_chan_new@FUSE_2.4: the program's receive(), which takes the
     * channel itself; op.receive is then compat_ll.c's wrapper. */
    int (*receive24)(struct fuse_chan *ch, char *buf, size_t size);
    int fd; /* the program's fd (-1 for fuse_mount channels) */
    size_t bufsize;
    void *data;
};

/* FUSE 2's struct fuse_session_ops (fuse_session_new: custom sessions). */
struct fuse2_session_ops {
    void (*process)(void *data, const char *buf, size_t len, struct fuse_chan *ch);
    void (*exit)(void *data, int val);
    int (*exited)(void *data);
    void (*destroy)(void *data);
};

/* A FUSE 2 high-level file system: struct fuse's compat. */
struct fuse2 {
    struct fuse2_fs *fs;
    struct fuse2_conn_opts co;
    struct fuse_chan *ch;
    struct fuse2_compat *old; /* a pre-2.6 file system's own table (compat_ops.c) */
};

/* The file info up to 2.4: today's first members, with fh an unsigned long
 * where today's fh_old is. */
struct fuse2_file_info_compat {
    int flags;
    unsigned long fh;
    int writepage;
    unsigned int direct_io : 1;
    unsigned int keep_cache : 1;
};

/* The low-level tables of 2.4 (2.4's file info) and 2.5 (today's): today's
 * first 31 handlers, but init() takes no connection and statfs() no inode. */
#define FUSE2_LL_OLD_OPS(fi_t)                                                         \
    void (*init)(void *);                                                              \
    void (*destroy)(void *);                                                           \
    void (*lookup)(fuse_req_t, fuse_ino_t, const char *);                              \
    void (*forget)(fuse_req_t, fuse_ino_t, unsigned long);                             \
    void (*getattr)(fuse_req_t, fuse_ino_t, fi_t *);                                   \
    void (*setattr)(fuse_req_t, fuse_ino_t, struct stat *, int, fi_t *);               \
    void (*readlink)(fuse_req_t, fuse_ino_t);                                          \
    void (*mknod)(fuse_req_t, fuse_ino_t, const char *, mode_t, dev_t);                \
    void (*mkdir)(fuse_req_t, fuse_ino_t, const char *, mode_t);                       \
    void (*unlink)(fuse_req_t, fuse_ino_t, const char *);                              \
    void (*rmdir)(fuse_req_t, fuse_ino_t, const char *);                               \
    void (*symlink)(fuse_req_t, const char *, fuse_ino_t, const char *);               \
    void (*rename)(fuse_req_t, fuse_ino_t, const char *, fuse_ino_t, const char *);    \
    void (*link)(fuse_req_t, fuse_ino_t, fuse_ino_t, const char *);                    \
    void (*open)(fuse_req_t, fuse_ino_t, fi_t *);                                      \
    void (*read)(fuse_req_t, fuse_ino_t, size_t, off_t, fi_t *);                       \
    void (*write)(fuse_req_t, fuse_ino_t, const char *, size_t, off_t, fi_t *);        \
    void (*flush)(fuse_req_t, fuse_ino_t, fi_t *);                                     \
    void (*release)(fuse_req_t, fuse_ino_t, fi_t *);                                   \
    void (*fsync)(fuse_req_t, fuse_ino_t, int, fi_t *);                                \
    void (*opendir)(fuse_req_t, fuse_ino_t, fi_t *);                                   \
    void (*readdir)(fuse_req_t, fuse_ino_t, size_t, off_t, fi_t *);                    \
    void (*releasedir)(fuse_req_t, fuse_ino_t, fi_t *);                                \
    void (*fsyncdir)(fuse_req_t, fuse_ino_t, int, fi_t *);                             \
    void (*statfs)(fuse_req_t);                                                        \
    void (*setxattr)(fuse_req_t, fuse_ino_t, const char *, const char *, size_t, int); \
    void (*getxattr)(fuse_req_t, fuse_ino_t, const char *, size_t);                    \
    void (*listxattr)(fuse_req_t, fuse_ino_t, size_t);                                 \
    void (*removexattr)(fuse_req_t, fuse_ino_t, const char *);                         \
    void (*access)(fuse_req_t, fuse_ino_t, int);                                       \
    void (*create)(fuse_req_t, fuse_ino_t, const char *, mode_t, fi_t *);

struct fuse2_lowlevel_ops_compat25 {
    FUSE2_LL_OLD_OPS(struct fuse2_file_info)
};
struct fuse2_lowlevel_ops_compat {
    FUSE2_LL_OLD_OPS(struct fuse2_file_info_compat)
};

struct fuse2_ll_old {
    int level; /* 0 (a 2.6+ file system), 24 or 25 */
    union {
        struct fuse2_lowlevel_ops_compat25 o25;
        struct fuse2_lowlevel_ops_compat o24;
    } op;
};

/* A FUSE 2 low-level file system: its FUSE 3 session's userdata. */
struct fuse2_ll {
    struct fuse2_lowlevel_ops op;
    void *userdata;
    struct fuse2_conn_opts co;
    struct fuse_chan *ch;
    struct fuse_session *se;
    bool got_init;
    struct fuse2_ll_old old; /* a pre-2.6 file system's own table (compat_ll.c) */
};

/* compat_ll.c: INIT for a pre-2.6 low-level file system (init took no
 * connection info). */
void fuse2_ll_compat_init(struct fuse2_ll *ll);

/* --- Shared helpers ------------------------------------------------------------- */

/* convert.c: file info and connection, FUSE 3 <-> FUSE 2. */
void fuse2_fi_from3(struct fuse2_file_info *fi2, const struct fuse_file_info *fi3);
/* What the file system may set in open/create/opendir. */
void fuse2_fi_to3(struct fuse_file_info *fi3, const struct fuse2_file_info *fi2);
void fuse2_conn_from3(struct fuse2_conn_info *c2, const struct fuse_conn_info *c3);
void fuse2_conn_to3(struct fuse_conn_info *c3, const struct fuse2_conn_info *c2,
                    const struct fuse2_conn_opts *co);
/* Takes FUSE 2's low-level options out of args into co: 0 or -1. */
int fuse2_conn_opts_parse(struct fuse_args *args, struct fuse2_conn_opts *co);
bool fuse2_is_conn_option(const char *opt);

/* chan.c: mount the channel on session se (mount options included); *user
 * points to ch until fuse_unmount() frees it. */
int fuse2_chan_attach(struct fuse_chan *ch, struct fuse_session *se, struct fuse_chan **user);
/* The session is going away: the channel must not reach it any more. */
void fuse2_chan_detach(struct fuse_chan *ch);

/* hl_bridge.c: FUSE 3 operations that serve the FUSE 2 file system. */
void fuse2_fill_ops(struct fuse_operations *ops, const struct fuse2_operations *op2);

/* ll_bridge.c: FUSE 3 low-level handlers that serve a FUSE 2 one. */
void fuse2_fill_llops(struct fuse_lowlevel_ops *ops, const struct fuse2_lowlevel_ops *op2);
/* Whether se serves a FUSE 2 low-level file system (userdata: fuse2_ll). */
bool fuse2_is_ll_session(const struct fuse_session *se);
/* cuse.c: a CUSE session's device userdata and channel slot (NULL if not CUSE). */
void *fuse2_cuse_userdata(const struct fuse_session *se);
struct fuse_chan **fuse2_cuse_chan(struct fuse_session *se);

/* FUSE 2.9's struct cuse_lowlevel_ops: FUSE 2's file info and connection. */
struct fuse2_cuse_ops {
    void (*init)(void *userdata, struct fuse2_conn_info *conn);
    void (*init_done)(void *userdata);
    void (*destroy)(void *userdata);
    void (*open)(fuse_req_t req, struct fuse2_file_info *fi);
    void (*read)(fuse_req_t req, size_t size, off_t off, struct fuse2_file_info *fi);
    void (*write)(fuse_req_t req, const char *buf, size_t size, off_t off,
                  struct fuse2_file_info *fi);
    void (*flush)(fuse_req_t req, struct fuse2_file_info *fi);
    void (*release)(fuse_req_t req, struct fuse2_file_info *fi);
    void (*fsync)(fuse_req_t req, int datasync, struct fuse2_file_info *fi);
    void (*ioctl)(fuse_req_t req, int cmd, void *arg, struct fuse2_file_info *fi,
                  unsigned int flags, const void *in_buf, size_t in_bufsz, size_t out_bufsz);
    void (*poll)(fuse_req_t req, struct fuse2_file_info *fi, struct fuse_pollhandle *ph);
};

struct fuse_session *fuse2_cuse_lowlevel_new(struct fuse_args *args, const struct cuse_info *ci,
                                             const struct fuse2_cuse_ops *op, void *userdata);
struct fuse_session *fuse2_cuse_lowlevel_setup(int argc, char *argv[], const struct cuse_info *ci,
                                               const struct fuse2_cuse_ops *op, int *multithreaded,
                                               void *userdata);
void fuse2_cuse_lowlevel_teardown(struct fuse_session *se);
int fuse2_cuse_lowlevel_main(int argc, char *argv[], const struct cuse_info *ci,
                             const struct fuse2_cuse_ops *op, void *userdata);

/* --- FUSE 2's API under its C names (exported by FUSE2_SYMBOL) -------------- */

/* chan.c */
struct fuse_chan *fuse2_mount(const char *mountpoint, struct fuse_args *args);
void fuse2_unmount(const char *mountpoint, struct fuse_chan *ch);
int fuse2_chan_fd(struct fuse_chan *ch);
size_t fuse2_chan_bufsize(struct fuse_chan *ch);
void *fuse2_chan_data(struct fuse_chan *ch);
struct fuse_session *fuse2_chan_session(struct fuse_chan *ch);
void fuse2_chan_destroy(struct fuse_chan *ch);
struct fuse_chan *fuse2_chan_new(const struct fuse2_chan_ops *op, int fd, size_t bufsize,
                                 void *data);
struct fuse_chan *fuse2_kern_chan_new(int fd);
int fuse2_chan_recv(struct fuse_chan **ch, char *buf, size_t size);
int fuse2_chan_receive(struct fuse_chan *ch, char *buf, size_t size);
int fuse2_chan_send(struct fuse_chan *ch, const struct iovec iov[], size_t count);

/* cmdline.c */
int fuse2_parse_cmdline(struct fuse_args *args, char **mountpoint, int *multithreaded,
                        int *foreground);
int fuse2_version(void);

/* hl_main.c */
struct fuse *fuse2_new(struct fuse_chan *ch, struct fuse_args *args,
                       const struct fuse2_operations *op, size_t op_size, void *user_data);
void fuse2_destroy(struct fuse *f);
int fuse2_loop(struct fuse *f);
int fuse2_loop_mt(struct fuse *f);
int fuse2_exited(struct fuse *f);
int fuse2_invalidate(struct fuse *f, const char *path);
int fuse2_is_lib_option(const char *opt);
struct fuse *fuse2_setup(int argc, char *argv[], const struct fuse2_operations *op, size_t op_size,
                         char **mountpoint, int *multithreaded, void *user_data);
void fuse2_teardown(struct fuse *f, char *mountpoint);
int fuse2_main_real(int argc, char *argv[], const struct fuse2_operations *op, size_t op_size,
                    void *user_data);
struct fuse_cmd;
struct fuse_cmd *fuse2_read_cmd(struct fuse *f);
void fuse2_process_cmd(struct fuse *f, struct fuse_cmd *cmd);
int fuse2_loop_mt_proc(struct fuse *f, void (*proc)(struct fuse *, struct fuse_cmd *, void *),
                       void *data);
void fuse2_set_getcontext_func(struct fuse_context *(*func)(void));
void fuse2_register_module(struct fuse2_module *mod);
/* hl_modules.c: takes modules= out of args; stacks the program's FUSE 2
 * modules over st->fs and hands the built-in ones (which must come after
 * them) back to args for FUSE 3's fuse_new. 0, or -1 (said). */
int fuse2_modules_stack(struct fuse2 *st, struct fuse_args *args);
int fuse2_main_obsolete(void);

/* ll_session.c */
struct fuse_session *fuse2_lowlevel_new(struct fuse_args *args, const struct fuse2_lowlevel_ops *op,
                                        size_t op_size, void *userdata);
int fuse2_lowlevel_is_lib_option(const char *opt);
/* custom_session.c: fuse_session_new's sessions, and what the session and
 * channel functions do for them. */
struct fuse_session *fuse2_session_new(const struct fuse2_session_ops *op, void *data);
void fuse2_session_exit(struct fuse_session *se);
void fuse2_session_reset(struct fuse_session *se);
int fuse2_session_exited(struct fuse_session *se);
bool fuse2_is_custom_session(const struct fuse_session *se);
struct fuse_chan **fuse2_custom_chan(struct fuse_session *se);
void *fuse2_custom_data(struct fuse_session *se);
void fuse2_custom_add_chan(struct fuse_session *se, struct fuse_chan *ch);
void fuse2_custom_process(struct fuse_session *se, const char *buf, size_t len,
                          struct fuse_chan *ch);
void fuse2_custom_process_buf(struct fuse_session *se, const struct fuse_buf *buf,
                              struct fuse_chan *ch);
int fuse2_custom_loop(struct fuse_session *se);
void fuse2_custom_destroy(struct fuse_session *se);
int fuse2_custom_kern_recv(struct fuse_chan *ch, char *buf, size_t size);

/* compat_fd.c: unmount path (canonical) as libfuse does, through the
 * kernel session's fsp_unmount_path (lazily; root by itself, others
 * through fusermount3), logging a failure. */
void fuse2_unmount_path(const char *path);
void fuse2_session_add_chan(struct fuse_session *se, struct fuse_chan *ch);
void fuse2_session_remove_chan(struct fuse_chan *ch);
struct fuse_chan *fuse2_session_next_chan(struct fuse_session *se, struct fuse_chan *ch);
void fuse2_session_process(struct fuse_session *se, const char *buf, size_t len,
                           struct fuse_chan *ch);
void fuse2_session_process_buf(struct fuse_session *se, const struct fuse_buf *buf,
                               struct fuse_chan *ch);
int fuse2_session_receive_buf(struct fuse_session *se, struct fuse_buf *buf,
                              struct fuse_chan **chp);
void fuse2_session_destroy(struct fuse_session *se);
void *fuse2_session_data(struct fuse_session *se);
int fuse2_session_loop(struct fuse_session *se);
int fuse2_session_loop_mt(struct fuse_session *se);

/* ll_reply.c */
int fuse2_reply_open(fuse_req_t req, const struct fuse2_file_info *fi);
int fuse2_reply_create(fuse_req_t req, const struct fuse_entry_param *e,
                       const struct fuse2_file_info *fi);
void *fuse2_req_userdata(fuse_req_t req);
int fuse2_lowlevel_notify_inval_inode(struct fuse_chan *ch, fuse_ino_t ino, off_t off, off_t len);
int fuse2_lowlevel_notify_inval_entry(struct fuse_chan *ch, fuse_ino_t parent, const char *name,
                                      size_t namelen);
int fuse2_lowlevel_notify_delete(struct fuse_chan *ch, fuse_ino_t parent, fuse_ino_t child,
                                 const char *name, size_t namelen);
int fuse2_lowlevel_notify_store(struct fuse_chan *ch, fuse_ino_t ino, off_t offset,
                                struct fuse_bufvec *bufv, enum fuse_buf_copy_flags flags);
int fuse2_lowlevel_notify_retrieve(struct fuse_chan *ch, fuse_ino_t ino, size_t size, off_t offset,
                                   void *cookie);
size_t fuse2_dirent_size(size_t namelen);
char *fuse2_add_dirent(char *buf, const char *name, const struct stat *stbuf, off_t off);

/* compat.c */
struct fuse_context *fuse2_get_context_22(void);
const struct fuse_ctx *fuse2_req_ctx_24(fuse_req_t req);
int fuse2_opt_insert_arg_25(struct fuse_args *args, int pos, const char *arg);

/* hl_fs.c (FUSE 2's fuse_fs_*). */
struct fuse2_fs *fuse2_fs_new(const struct fuse2_operations *op, size_t op_size, void *user_data);
int fuse2_fs_getattr(struct fuse2_fs *fs, const char *path, struct stat *buf);
int fuse2_fs_fgetattr(struct fuse2_fs *fs, const char *path, struct stat *buf,
                      struct fuse2_file_info *fi);
int fuse2_fs_rename(struct fuse2_fs *fs, const char *oldpath, const char *newpath);
int fuse2_fs_unlink(struct fuse2_fs *fs, const char *path);
int fuse2_fs_rmdir(struct fuse2_fs *fs, const char *path);
int fuse2_fs_symlink(struct fuse2_fs *fs, const char *linkname, const char *path);
int fuse2_fs_link(struct fuse2_fs *fs, const char *oldpath, const char *newpath);
int fuse2_fs_release(struct fuse2_fs *fs, const char *path, struct fuse2_file_info *fi);
int fuse2_fs_open(struct fuse2_fs *fs, const char *path, struct fuse2_file_info *fi);
int fuse2_fs_read(struct fuse2_fs *fs, const char *path, char *buf, size_t size, off_t off,
                  struct fuse2_file_info *fi);
int fuse2_fs_read_buf(struct fuse2_fs *fs, const char *path, struct fuse_bufvec **bufp, size_t size,
                      off_t off, struct fuse2_file_info *fi);
int fuse2_fs_write(struct fuse2_fs *fs, const char *path, const char *buf, size_t size, off_t off,
                   struct fuse2_file_info *fi);
int fuse2_fs_write_buf(struct fuse2_fs *fs, const char *path, struct fuse_bufvec *buf, off_t off,
                       struct fuse2_file_info *fi);
int fuse2_fs_fsync(struct fuse2_fs *fs, const char *path, int datasync, struct fuse2_file_info *fi);
int fuse2_fs_flush(struct fuse2_fs *fs, const char *path, struct fuse2_file_info *fi);
int fuse2_fs_statfs(struct fuse2_fs *fs, const char *path, struct statvfs *buf);
int fuse2_fs_opendir(struct fuse2_fs *fs, const char *path, struct fuse2_file_info *fi);
int fuse2_fs_readdir(struct fuse2_fs *fs, const char *path, void *buf, fuse2_fill_dir_t filler,
                     off_t off, struct fuse2_file_info *fi);
int fuse2_fs_fsyncdir(struct fuse2_fs *fs, const char *path, int datasync,
                      struct fuse2_file_info *fi);
int fuse2_fs_releasedir(struct fuse2_fs *fs, const char *path, struct fuse2_file_info *fi);
int fuse2_fs_create(struct fuse2_fs *fs, const char *path, mode_t mode, struct fuse2_file_info *fi);
int fuse2_fs_lock(struct fuse2_fs *fs, const char *path, struct fuse2_file_info *fi, int cmd,
                  struct flock *lock);
int fuse2_fs_flock(struct fuse2_fs *fs, const char *path, struct fuse2_file_info *fi, int op);
int fuse2_fs_chmod(struct fuse2_fs *fs, const char *path, mode_t mode);
int fuse2_fs_chown(struct fuse2_fs *fs, const char *path, uid_t uid, gid_t gid);
int fuse2_fs_truncate(struct fuse2_fs *fs, const char *path, off_t size);
int fuse2_fs_ftruncate(struct fuse2_fs *fs, const char *path, off_t size,
                       struct fuse2_file_info *fi);
int fuse2_fs_utimens(struct fuse2_fs *fs, const char *path, const struct timespec tv[2]);
int fuse2_fs_access(struct fuse2_fs *fs, const char *path, int mask);
int fuse2_fs_readlink(struct fuse2_fs *fs, const char *path, char *buf, size_t len);
int fuse2_fs_mknod(struct fuse2_fs *fs, const char *path, mode_t mode, dev_t rdev);
int fuse2_fs_mkdir(struct fuse2_fs *fs, const char *path, mode_t mode);
int fuse2_fs_setxattr(struct fuse2_fs *fs, const char *path, const char *name, const char *value,
                      size_t size, int flags);
int fuse2_fs_getxattr(struct fuse2_fs *fs, const char *path, const char *name, char *value,
                      size_t size);
int fuse2_fs_listxattr(struct fuse2_fs *fs, const char *path, char *list, size_t size);
int fuse2_fs_removexattr(struct fuse2_fs *fs, const char *path, const char *name);
int fuse2_fs_bmap(struct fuse2_fs *fs, const char *path, size_t blocksize, uint64_t *idx);
int fuse2_fs_ioctl(struct fuse2_fs *fs, const char *path, int cmd, void *arg,
                   struct fuse2_file_info *fi, unsigned int flags, void *data);
int fuse2_fs_poll(struct fuse2_fs *fs, const char *path, struct fuse2_file_info *fi,
                  struct fuse_pollhandle *ph, unsigned *reventsp);
int fuse2_fs_fallocate(struct fuse2_fs *fs, const char *path, int mode, off_t offset, off_t length,
                       struct fuse2_file_info *fi);
void fuse2_fs_init(struct fuse2_fs *fs, struct fuse2_conn_info *conn);
void fuse2_fs_destroy(struct fuse2_fs *fs);

#endif /* FSP_FUSE2_I_H */
