/*
 * pt_ll.h - passthrough-ll: a low-level FUSE 3 file system that mirrors a
 * source directory.
 *
 * Every inode the kernel knows is an entry of a table keyed by the source's
 * (st_dev, st_ino), holding an O_PATH descriptor of the source object. All
 * operations work relative to those descriptors with the *at() calls, so
 * no path is ever rebuilt: paths of any length work, and a rename in the
 * source does not confuse us. The kernel's node id of an inode is the
 * address of its table entry.
 */
#ifndef PT_LL_H
#define PT_LL_H

#define FUSE_USE_VERSION 314
#include <fuse_lowlevel.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

struct pt_inode {
    struct pt_inode *next; /* hash chain */
    dev_t dev;
    ino_t ino;
    int fd;           /* O_PATH | O_NOFOLLOW */
    uint64_t nlookup; /* the kernel's references; freed at 0 (never the root) */
    mode_t type;      /* S_IFMT bits, fixed for the inode's life */
    /* -o passthrough (backing.c), under pt_fs.backing_lock: the backing id
     * all opens of this inode share (0: none) and how many hold it. */
    int backing_id;
    unsigned backing_users;
};

struct pt_fs {
    struct pt_inode root;
    double timeout;                        /* entry and attribute timeout, seconds */
    bool creds;                            /* running as root: create as the caller (setfsuid) */
    bool passthrough;                      /* -o passthrough, until the kernel refuses it */
    pthread_mutex_t backing_lock;          /* passthrough and every inode's backing_id */
    struct fuse_conn_info_opts *conn_opts; /* -o max_write=, readdirplus=, ... */
    pthread_mutex_t lock;                  /* the table */
    struct pt_inode **buckets;
    size_t nbuckets, count;
};

/* inode.c */
int pt_table_init(struct pt_fs *fs, const char *source);
void pt_table_free(struct pt_fs *fs);
struct pt_inode *pt_inode(fuse_req_t req, fuse_ino_t ino);
/* Find the inode of *st (opened as fd) or add it; takes one lookup
 * reference. Consumes fd: either keeps it or closes it. NULL: ENOMEM. */
struct pt_inode *pt_inode_ref(struct pt_fs *fs, int fd, const struct stat *st);
void pt_inode_unref(struct pt_fs *fs, struct pt_inode *in, uint64_t n);
/* "/proc/self/fd/N" for calls that have no *at() form on an O_PATH fd. */
void pt_fd_path(char buf[64], int fd);

static inline struct pt_fs *pt_fs(fuse_req_t req)
{
    return fuse_req_userdata(req);
}

/* An open file's fi->fh: the source descriptor in the low 32 bits, and
 * PT_FH_PASSTHROUGH when the open shares its inode's backing id. */
#define PT_FH_PASSTHROUGH (UINT64_C(1) << 32)

static inline int pt_fh_fd(const struct fuse_file_info *fi)
{
    return (int)(uint32_t)fi->fh;
}

/* backing.c */
/* At INIT: ask for passthrough if -o passthrough and the kernel can. */
void pt_backing_init(struct pt_fs *fs, struct fuse_conn_info *conn);
/* In open/create, fi->fh already set: pass the file's I/O to the kernel
 * when possible (sets fi->backing_id); otherwise leave fi as it is. */
void pt_backing_attach(fuse_req_t req, struct pt_inode *in, struct fuse_file_info *fi);
/* In release (or a failed open reply): drop this open's share. */
void pt_backing_detach(fuse_req_t req, struct pt_inode *in, const struct fuse_file_info *fi);

/* ops_entry.c */
/* Look name up in dir: fill e and take one lookup reference. 0 or errno. */
int pt_lookup_entry(struct pt_fs *fs, struct pt_inode *dir, const char *name,
                    struct fuse_entry_param *e);
/* Run the rest of a create operation with the caller's fsuid/fsgid. */
void pt_creds_enter(fuse_req_t req);
void pt_creds_leave(fuse_req_t req);
/* killpriv.c: a write, truncation or O_TRUNC open of fd's file by a caller
 * other than root runs as the caller (fsuid, fsgid, groups) when the file
 * has setuid or setgid, so that the source clears them as Linux does. */
#define PT_KILLPRIV_GROUPS 256
struct pt_killpriv {
    bool active;
    size_t ngroups;
    gid_t groups[PT_KILLPRIV_GROUPS]; /* ours, restored by leave */
};
bool pt_killpriv_enter(fuse_req_t req, int fd, struct pt_killpriv *k);
void pt_killpriv_leave(struct pt_killpriv *k);

void pt_op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name);
void pt_op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup);
void pt_op_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets);
void pt_op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev);
void pt_op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode);
void pt_op_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name);
void pt_op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname);
void pt_op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name);
void pt_op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name);
void pt_op_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
                  const char *newname, unsigned int flags);

/* ops_attr.c */
void pt_op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void pt_op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
                   struct fuse_file_info *fi);
void pt_op_readlink(fuse_req_t req, fuse_ino_t ino);
void pt_op_statfs(fuse_req_t req, fuse_ino_t ino);
void pt_op_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value,
                    size_t size, int flags);
void pt_op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size);
void pt_op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size);
void pt_op_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name);

/* ops_file.c */
void pt_op_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
                  struct fuse_file_info *fi);
void pt_op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void pt_op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi);
void pt_op_write_buf(fuse_req_t req, fuse_ino_t ino, struct fuse_bufvec *in, off_t off,
                     struct fuse_file_info *fi);
void pt_op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void pt_op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void pt_op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi);
void pt_op_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t off, off_t len,
                     struct fuse_file_info *fi);
void pt_op_copy_file_range(fuse_req_t req, fuse_ino_t ino_in, off_t off_in,
                           struct fuse_file_info *fi_in, fuse_ino_t ino_out, off_t off_out,
                           struct fuse_file_info *fi_out, size_t len, int flags);
void pt_op_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence, struct fuse_file_info *fi);
void pt_op_flock(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, int op);

/* ops_dir.c */
void pt_op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void pt_op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                   struct fuse_file_info *fi);
void pt_op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                       struct fuse_file_info *fi);
void pt_op_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void pt_op_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi);

#endif /* PT_LL_H */
