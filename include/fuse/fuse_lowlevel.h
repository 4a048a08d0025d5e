/*
 * fuse_lowlevel.h - FSP's FUSE 2 low-level API (libfuse 2.9 compatible).
 *
 * The low-level API speaks in inode numbers: the file system fills a
 * struct fuse_lowlevel_ops, each handler gets a request and answers it with
 * one fuse_reply_*() call (on any thread, now or later). Sessions and
 * channels are libfuse 2's objects: fuse_mount() gives a channel,
 * fuse_lowlevel_new() a session, fuse_session_add_chan() joins them (and,
 * on FSP, mounts), fuse_session_loop*() serves.
 *
 * Define FUSE_USE_VERSION (26 .. 29) before including this header.
 */
#ifndef _FUSE_LOWLEVEL_H_
#define _FUSE_LOWLEVEL_H_

#ifndef FUSE_USE_VERSION
#error "define FUSE_USE_VERSION (26 .. 29) before including <fuse_lowlevel.h>"
#endif

#include "fuse_common.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <utime.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The root directory's inode number. */
#define FUSE_ROOT_ID 1

typedef unsigned long fuse_ino_t;
typedef struct fuse_req *fuse_req_t;

struct fuse_session;
struct fuse_chan;

/* A name's inode and how long the kernel may cache it. */
struct fuse_entry_param {
    fuse_ino_t ino; /* 0: a negative entry, cached for entry_timeout */
    unsigned long generation;
    struct stat attr;
    double attr_timeout;
    double entry_timeout;
};

/* Who made a request. */
struct fuse_ctx {
    uid_t uid;
    gid_t gid;
    pid_t pid;
    mode_t umask;
};

struct fuse_forget_data {
    uint64_t ino;
    uint64_t nlookup;
};

/* setattr's to_set bits. */
#define FUSE_SET_ATTR_MODE      (1 << 0)
#define FUSE_SET_ATTR_UID       (1 << 1)
#define FUSE_SET_ATTR_GID       (1 << 2)
#define FUSE_SET_ATTR_SIZE      (1 << 3)
#define FUSE_SET_ATTR_ATIME     (1 << 4)
#define FUSE_SET_ATTR_MTIME     (1 << 5)
#define FUSE_SET_ATTR_ATIME_NOW (1 << 7)
#define FUSE_SET_ATTR_MTIME_NOW (1 << 8)

/* The file system's handlers; any may be NULL (the kernel then gets
 * ENOSYS, or a default for open/opendir/flush/release and friends).
 * Member order and signatures are ABI. */
struct fuse_lowlevel_ops {
    void (*init)(void *userdata, struct fuse_conn_info *conn);
    void (*destroy)(void *userdata);
    void (*lookup)(fuse_req_t req, fuse_ino_t parent, const char *name);
    void (*forget)(fuse_req_t req, fuse_ino_t ino, unsigned long nlookup);
    void (*getattr)(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
    void (*setattr)(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
                    struct fuse_file_info *fi);
    void (*readlink)(fuse_req_t req, fuse_ino_t ino);
    void (*mknod)(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev);
    void (*mkdir)(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode);
    void (*unlink)(fuse_req_t req, fuse_ino_t parent, const char *name);
    void (*rmdir)(fuse_req_t req, fuse_ino_t parent, const char *name);
    void (*symlink)(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name);
    void (*rename)(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
                   const char *newname);
    void (*link)(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname);
    void (*open)(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
    void (*read)(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi);
    void (*write)(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
                  struct fuse_file_info *fi);
    void (*flush)(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
    void (*release)(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
    void (*fsync)(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi);
    void (*opendir)(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
    void (*readdir)(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                    struct fuse_file_info *fi);
    void (*releasedir)(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
    void (*fsyncdir)(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi);
    void (*statfs)(fuse_req_t req, fuse_ino_t ino);
    void (*setxattr)(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value,
                     size_t size, int flags);
    void (*getxattr)(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size);
    void (*listxattr)(fuse_req_t req, fuse_ino_t ino, size_t size);
    void (*removexattr)(fuse_req_t req, fuse_ino_t ino, const char *name);
    void (*access)(fuse_req_t req, fuse_ino_t ino, int mask);
    void (*create)(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
                   struct fuse_file_info *fi);
    void (*getlk)(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, struct flock *lock);
    void (*setlk)(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, struct flock *lock,
                  int sleep);
    void (*bmap)(fuse_req_t req, fuse_ino_t ino, size_t blocksize, uint64_t idx);
    void (*ioctl)(fuse_req_t req, fuse_ino_t ino, int cmd, void *arg, struct fuse_file_info *fi,
                  unsigned flags, const void *in_buf, size_t in_bufsz, size_t out_bufsz);
    void (*poll)(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
                 struct fuse_pollhandle *ph);
    void (*write_buf)(fuse_req_t req, fuse_ino_t ino, struct fuse_bufvec *bufv, off_t off,
                      struct fuse_file_info *fi);
    void (*retrieve_reply)(fuse_req_t req, void *cookie, fuse_ino_t ino, off_t offset,
                           struct fuse_bufvec *bufv);
    void (*forget_multi)(fuse_req_t req, size_t count, struct fuse_forget_data *forgets);
    void (*flock)(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, int op);
    void (*fallocate)(fuse_req_t req, fuse_ino_t ino, int mode, off_t offset, off_t length,
                      struct fuse_file_info *fi);
};

/* --- Replies: exactly one per request (none for forget) -------------------- */

int fuse_reply_err(fuse_req_t req, int err);
void fuse_reply_none(fuse_req_t req);
int fuse_reply_entry(fuse_req_t req, const struct fuse_entry_param *e);
int fuse_reply_create(fuse_req_t req, const struct fuse_entry_param *e,
                      const struct fuse_file_info *fi);
int fuse_reply_attr(fuse_req_t req, const struct stat *attr, double attr_timeout);
int fuse_reply_readlink(fuse_req_t req, const char *link);
int fuse_reply_open(fuse_req_t req, const struct fuse_file_info *fi);
int fuse_reply_write(fuse_req_t req, size_t count);
int fuse_reply_buf(fuse_req_t req, const char *buf, size_t size);
int fuse_reply_data(fuse_req_t req, struct fuse_bufvec *bufv, enum fuse_buf_copy_flags flags);
int fuse_reply_iov(fuse_req_t req, const struct iovec *iov, int count);
int fuse_reply_statfs(fuse_req_t req, const struct statvfs *stbuf);
int fuse_reply_xattr(fuse_req_t req, size_t count);
int fuse_reply_lock(fuse_req_t req, const struct flock *lock);
int fuse_reply_bmap(fuse_req_t req, uint64_t idx);
/* Append one directory entry to buf (returns the size it needs; nothing is
 * written when that is more than bufsize). */
size_t fuse_add_direntry(fuse_req_t req, char *buf, size_t bufsize, const char *name,
                         const struct stat *stbuf, off_t off);
int fuse_reply_ioctl_retry(fuse_req_t req, const struct iovec *in_iov, size_t in_count,
                           const struct iovec *out_iov, size_t out_count);
int fuse_reply_ioctl(fuse_req_t req, int result, const void *buf, size_t size);
int fuse_reply_ioctl_iov(fuse_req_t req, int result, const struct iovec *iov, int count);
int fuse_reply_poll(fuse_req_t req, unsigned revents);

/* --- Notifications (the channel names the mount) ---------------------------- */

int fuse_lowlevel_notify_poll(struct fuse_pollhandle *ph);
int fuse_lowlevel_notify_inval_inode(struct fuse_chan *ch, fuse_ino_t ino, off_t off, off_t len);
int fuse_lowlevel_notify_inval_entry(struct fuse_chan *ch, fuse_ino_t parent, const char *name,
                                     size_t namelen);
int fuse_lowlevel_notify_delete(struct fuse_chan *ch, fuse_ino_t parent, fuse_ino_t child,
                                const char *name, size_t namelen);
int fuse_lowlevel_notify_store(struct fuse_chan *ch, fuse_ino_t ino, off_t offset,
                               struct fuse_bufvec *bufv, enum fuse_buf_copy_flags flags);
int fuse_lowlevel_notify_retrieve(struct fuse_chan *ch, fuse_ino_t ino, size_t size, off_t offset,
                                  void *cookie);

/* --- The request ------------------------------------------------------------- */

void *fuse_req_userdata(fuse_req_t req);
const struct fuse_ctx *fuse_req_ctx(fuse_req_t req);
int fuse_req_getgroups(fuse_req_t req, int size, gid_t list[]);
typedef void (*fuse_interrupt_func_t)(fuse_req_t req, void *data);
void fuse_req_interrupt_func(fuse_req_t req, fuse_interrupt_func_t func, void *data);
int fuse_req_interrupted(fuse_req_t req);

/* --- Sessions ------------------------------------------------------------------ */

int fuse_lowlevel_is_lib_option(const char *opt);
/* A session for op; consumes args' low-level options. */
struct fuse_session *fuse_lowlevel_new(struct fuse_args *args, const struct fuse_lowlevel_ops *op,
                                       size_t op_size, void *userdata);

/* A session with custom processing: FSP refuses these (NULL). */
struct fuse_session_ops {
    void (*process)(void *data, const char *buf, size_t len, struct fuse_chan *ch);
    void (*exit)(void *data, int val);
    int (*exited)(void *data);
    void (*destroy)(void *data);
};
struct fuse_session *fuse_session_new(struct fuse_session_ops *op, void *data);

/* Attach a fuse_mount() channel: FSP mounts here. */
void fuse_session_add_chan(struct fuse_session *se, struct fuse_chan *ch);
void fuse_session_remove_chan(struct fuse_chan *ch);
struct fuse_chan *fuse_session_next_chan(struct fuse_session *se, struct fuse_chan *ch);
/* Own loops: receive a request (0 once unmounted) and process it. */
void fuse_session_process(struct fuse_session *se, const char *buf, size_t len,
                          struct fuse_chan *ch);
void fuse_session_process_buf(struct fuse_session *se, const struct fuse_buf *buf,
                              struct fuse_chan *ch);
int fuse_session_receive_buf(struct fuse_session *se, struct fuse_buf *buf, struct fuse_chan **chp);
void fuse_session_destroy(struct fuse_session *se);
void fuse_session_exit(struct fuse_session *se);
void fuse_session_reset(struct fuse_session *se);
int fuse_session_exited(struct fuse_session *se);
void *fuse_session_data(struct fuse_session *se);
/* Serve until unmounted or fuse_session_exit(): 0, or -1 on error. */
int fuse_session_loop(struct fuse_session *se);
int fuse_session_loop_mt(struct fuse_session *se);

/* --- Channels ------------------------------------------------------------------- */

/* A channel with custom I/O: the session reads requests with receive and
 * answers with send (both return a count or -errno). */
struct fuse_chan_ops {
    int (*receive)(struct fuse_chan **chp, char *buf, size_t size);
    int (*send)(struct fuse_chan *ch, const struct iovec iov[], size_t count);
    void (*destroy)(struct fuse_chan *ch);
};
struct fuse_chan *fuse_chan_new(struct fuse_chan_ops *op, int fd, size_t bufsize, void *data);
/* The /dev/fuse descriptor (-1 until a fuse_mount channel's session has
 * mounted); a custom channel's own fd. */
int fuse_chan_fd(struct fuse_chan *ch);
size_t fuse_chan_bufsize(struct fuse_chan *ch);
void *fuse_chan_data(struct fuse_chan *ch);
struct fuse_session *fuse_chan_session(struct fuse_chan *ch);
int fuse_chan_recv(struct fuse_chan **ch, char *buf, size_t size);
int fuse_chan_send(struct fuse_chan *ch, const struct iovec iov[], size_t count);
void fuse_chan_destroy(struct fuse_chan *ch);

#ifdef __cplusplus
}
#endif

#endif /* _FUSE_LOWLEVEL_H_ */
