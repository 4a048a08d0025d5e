/*
 * fuse.h - FSP's FUSE 2 high-level API (libfuse 2.9 compatible).
 *
 * The high-level API speaks in paths: the file system fills a struct
 * fuse_operations whose functions return 0 (or a byte count) on success and
 * -errno on failure; the library keeps the inode table, turns each kernel
 * request into a path and calls the matching operation. FSP serves it with
 * its FUSE 3 implementation underneath; no libfuse involved.
 *
 * Define FUSE_USE_VERSION (26 .. 29) before including this header and
 * build with `pkg-config --cflags --libs fuse`.
 */
#ifndef _FUSE_H_
#define _FUSE_H_

#ifndef FUSE_USE_VERSION
#error "define FUSE_USE_VERSION (26 .. 29) before including <fuse.h>"
#endif

#include "fuse_common.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>
#include <utime.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One mounted high-level file system (opaque). */
struct fuse;
/* A raw request (fuse_read_cmd), for fuse_process_cmd. */
struct fuse_cmd;

/*
 * readdir's callback: adds one entry. off is 0 when the file system lists
 * the whole directory at once, or the offset of the NEXT entry when it lists
 * in pieces. Returns 1 when the reply buffer is full, 0 otherwise.
 */
typedef int (*fuse_fill_dir_t)(void *buf, const char *name, const struct stat *stbuf, off_t off);

/* The pre-2.3 directory listing (getdir): one call per entry. */
typedef struct fuse_dirhandle *fuse_dirh_t;
typedef int (*fuse_dirfil_t)(fuse_dirh_t h, const char *name, int type, ino_t ino);

/*
 * The file system's operations; any may be NULL. Paths are absolute from
 * the mount's root. Member order, the flag bits and signatures are ABI:
 * never reorder.
 */
struct fuse_operations {
    int (*getattr)(const char *path, struct stat *st);
    int (*readlink)(const char *path, char *buf, size_t size);
    int (*getdir)(const char *path, fuse_dirh_t h, fuse_dirfil_t filler); /* use readdir */
    int (*mknod)(const char *path, mode_t mode, dev_t rdev);
    int (*mkdir)(const char *path, mode_t mode);
    int (*unlink)(const char *path);
    int (*rmdir)(const char *path);
    int (*symlink)(const char *target, const char *path);
    int (*rename)(const char *from, const char *to);
    int (*link)(const char *from, const char *to);
    int (*chmod)(const char *path, mode_t mode);
    int (*chown)(const char *path, uid_t uid, gid_t gid);
    int (*truncate)(const char *path, off_t size);
    int (*utime)(const char *path, struct utimbuf *times); /* use utimens */
    int (*open)(const char *path, struct fuse_file_info *fi);
    int (*read)(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi);
    int (*write)(const char *path, const char *buf, size_t size, off_t off,
                 struct fuse_file_info *fi);
    int (*statfs)(const char *path, struct statvfs *st);
    int (*flush)(const char *path, struct fuse_file_info *fi);
    int (*release)(const char *path, struct fuse_file_info *fi);
    int (*fsync)(const char *path, int datasync, struct fuse_file_info *fi);
    int (*setxattr)(const char *path, const char *name, const char *value, size_t size, int flags);
    int (*getxattr)(const char *path, const char *name, char *value, size_t size);
    int (*listxattr)(const char *path, char *list, size_t size);
    int (*removexattr)(const char *path, const char *name);
    int (*opendir)(const char *path, struct fuse_file_info *fi);
    int (*readdir)(const char *path, void *buf, fuse_fill_dir_t filler, off_t off,
                   struct fuse_file_info *fi);
    int (*releasedir)(const char *path, struct fuse_file_info *fi);
    int (*fsyncdir)(const char *path, int datasync, struct fuse_file_info *fi);
    /* Its result becomes fuse_get_context()->private_data. */
    void *(*init)(struct fuse_conn_info *conn);
    void (*destroy)(void *private_data);
    int (*access)(const char *path, int mask);
    int (*create)(const char *path, mode_t mode, struct fuse_file_info *fi);
    int (*ftruncate)(const char *path, off_t size, struct fuse_file_info *fi);
    int (*fgetattr)(const char *path, struct stat *st, struct fuse_file_info *fi);
    int (*lock)(const char *path, struct fuse_file_info *fi, int cmd, struct flock *lock);
    int (*utimens)(const char *path, const struct timespec tv[2]);
    int (*bmap)(const char *path, size_t blocksize, uint64_t *idx);

    /* Operations with a file handle accept a NULL path (unlinked files). */
    unsigned int flag_nullpath_ok : 1;
    /* Operations with a file handle always get a NULL path. */
    unsigned int flag_nopath : 1;
    /* utimens understands UTIME_NOW and UTIME_OMIT. */
    unsigned int flag_utime_omit_ok : 1;
    unsigned int flag_reserved : 29;

    int (*ioctl)(const char *path, int cmd, void *arg, struct fuse_file_info *fi,
                 unsigned int flags, void *data);
    int (*poll)(const char *path, struct fuse_file_info *fi, struct fuse_pollhandle *ph,
                unsigned *reventsp);
    int (*write_buf)(const char *path, struct fuse_bufvec *buf, off_t off,
                     struct fuse_file_info *fi);
    int (*read_buf)(const char *path, struct fuse_bufvec **bufp, size_t size, off_t off,
                    struct fuse_file_info *fi);
    int (*flock)(const char *path, struct fuse_file_info *fi, int op);
    int (*fallocate)(const char *path, int mode, off_t off, off_t len, struct fuse_file_info *fi);
};

/* Who made the request being served (fuse_get_context()). */
struct fuse_context {
    struct fuse *fuse;
    uid_t uid;
    gid_t gid;
    pid_t pid;
    void *private_data; /* init()'s result, or fuse_new()'s user_data */
    mode_t umask;       /* set for mknod, mkdir and create */
};

/*
 * The whole program in one call: parses the command line (-h, -V, -d, -f,
 * -s, -o ...), mounts, daemonizes unless -f, serves until unmounted or
 * signalled, and cleans up. Returns 0, or 1 on any failure.
 */
int fuse_main_real(int argc, char *argv[], const struct fuse_operations *op, size_t op_size,
                   void *user_data);
#define fuse_main(argc, argv, op, user_data) \
    fuse_main_real(argc, argv, op, sizeof(*(op)), user_data)

/* A file system on a channel from fuse_mount(); consumes args' options. */
struct fuse *fuse_new(struct fuse_chan *ch, struct fuse_args *args,
                      const struct fuse_operations *op, size_t op_size, void *user_data);
/* Frees the file system (destroy() runs if it was initialized). Call
 * fuse_unmount() first. */
void fuse_destroy(struct fuse *f);

/* Serve requests until unmounted or fuse_exit(): 0, or -1 on error. */
int fuse_loop(struct fuse *f);
int fuse_loop_mt(struct fuse *f);
void fuse_exit(struct fuse *f);

/* The request being served on this thread (valid inside operations). */
struct fuse_context *fuse_get_context(void);
int fuse_getgroups(int size, gid_t list[]);
int fuse_interrupted(void);

/* Drop the kernel's cached data and attributes of path. */
int fuse_invalidate(struct fuse *f, const char *path);
/* Whether opt is one fuse_new() accepts. */
int fuse_is_lib_option(const char *opt);

/* Node cache cleanup: FSP frees nodes as the kernel forgets them, so these
 * have nothing to do. */
int fuse_start_cleanup_thread(struct fuse *fuse);
void fuse_stop_cleanup_thread(struct fuse *fuse);
int fuse_clean_cache(struct fuse *fuse);

/* --- A file system as an object: calls its operations with defaults. ------ */

struct fuse_fs;

int fuse_fs_getattr(struct fuse_fs *fs, const char *path, struct stat *buf);
int fuse_fs_fgetattr(struct fuse_fs *fs, const char *path, struct stat *buf,
                     struct fuse_file_info *fi);
int fuse_fs_rename(struct fuse_fs *fs, const char *oldpath, const char *newpath);
int fuse_fs_unlink(struct fuse_fs *fs, const char *path);
int fuse_fs_rmdir(struct fuse_fs *fs, const char *path);
int fuse_fs_symlink(struct fuse_fs *fs, const char *linkname, const char *path);
int fuse_fs_link(struct fuse_fs *fs, const char *oldpath, const char *newpath);
int fuse_fs_release(struct fuse_fs *fs, const char *path, struct fuse_file_info *fi);
int fuse_fs_open(struct fuse_fs *fs, const char *path, struct fuse_file_info *fi);
int fuse_fs_read(struct fuse_fs *fs, const char *path, char *buf, size_t size, off_t off,
                 struct fuse_file_info *fi);
int fuse_fs_read_buf(struct fuse_fs *fs, const char *path, struct fuse_bufvec **bufp, size_t size,
                     off_t off, struct fuse_file_info *fi);
int fuse_fs_write(struct fuse_fs *fs, const char *path, const char *buf, size_t size, off_t off,
                  struct fuse_file_info *fi);
int fuse_fs_write_buf(struct fuse_fs *fs, const char *path, struct fuse_bufvec *buf, off_t off,
                      struct fuse_file_info *fi);
int fuse_fs_fsync(struct fuse_fs *fs, const char *path, int datasync, struct fuse_file_info *fi);
int fuse_fs_flush(struct fuse_fs *fs, const char *path, struct fuse_file_info *fi);
int fuse_fs_statfs(struct fuse_fs *fs, const char *path, struct statvfs *buf);
int fuse_fs_opendir(struct fuse_fs *fs, const char *path, struct fuse_file_info *fi);
int fuse_fs_readdir(struct fuse_fs *fs, const char *path, void *buf, fuse_fill_dir_t filler,
                    off_t off, struct fuse_file_info *fi);
int fuse_fs_fsyncdir(struct fuse_fs *fs, const char *path, int datasync, struct fuse_file_info *fi);
int fuse_fs_releasedir(struct fuse_fs *fs, const char *path, struct fuse_file_info *fi);
int fuse_fs_create(struct fuse_fs *fs, const char *path, mode_t mode, struct fuse_file_info *fi);
int fuse_fs_lock(struct fuse_fs *fs, const char *path, struct fuse_file_info *fi, int cmd,
                 struct flock *lock);
int fuse_fs_flock(struct fuse_fs *fs, const char *path, struct fuse_file_info *fi, int op);
int fuse_fs_chmod(struct fuse_fs *fs, const char *path, mode_t mode);
int fuse_fs_chown(struct fuse_fs *fs, const char *path, uid_t uid, gid_t gid);
int fuse_fs_truncate(struct fuse_fs *fs, const char *path, off_t size);
int fuse_fs_ftruncate(struct fuse_fs *fs, const char *path, off_t size, struct fuse_file_info *fi);
int fuse_fs_utimens(struct fuse_fs *fs, const char *path, const struct timespec tv[2]);
int fuse_fs_access(struct fuse_fs *fs, const char *path, int mask);
int fuse_fs_readlink(struct fuse_fs *fs, const char *path, char *buf, size_t len);
int fuse_fs_mknod(struct fuse_fs *fs, const char *path, mode_t mode, dev_t rdev);
int fuse_fs_mkdir(struct fuse_fs *fs, const char *path, mode_t mode);
int fuse_fs_setxattr(struct fuse_fs *fs, const char *path, const char *name, const char *value,
                     size_t size, int flags);
int fuse_fs_getxattr(struct fuse_fs *fs, const char *path, const char *name, char *value,
                     size_t size);
int fuse_fs_listxattr(struct fuse_fs *fs, const char *path, char *list, size_t size);
int fuse_fs_removexattr(struct fuse_fs *fs, const char *path, const char *name);
int fuse_fs_bmap(struct fuse_fs *fs, const char *path, size_t blocksize, uint64_t *idx);
int fuse_fs_ioctl(struct fuse_fs *fs, const char *path, int cmd, void *arg,
                  struct fuse_file_info *fi, unsigned int flags, void *data);
int fuse_fs_poll(struct fuse_fs *fs, const char *path, struct fuse_file_info *fi,
                 struct fuse_pollhandle *ph, unsigned *reventsp);
int fuse_fs_fallocate(struct fuse_fs *fs, const char *path, int mode, off_t offset, off_t length,
                      struct fuse_file_info *fi);
void fuse_fs_init(struct fuse_fs *fs, struct fuse_conn_info *conn);
void fuse_fs_destroy(struct fuse_fs *fs);

/* Tell the kernel that a polled file is ready. */
int fuse_notify_poll(struct fuse_pollhandle *ph);

struct fuse_fs *fuse_fs_new(const struct fuse_operations *op, size_t op_size, void *user_data);

/* Stacked modules (-o modules=a:b: a over the file system, b over a). A
 * factory gets the arguments (it takes its own options out) and fs[0], the
 * file system below (fs[1] is NULL), and returns a fuse_fs serving through
 * fuse_fs_*() on fs[0]. FUSE_REGISTER_MODULE registers one when the program
 * (or libfusemod_NAME.so, loaded by name) starts. Built in: subdir and
 * iconv, which FSP stacks above the program's modules: list those first. */
struct fuse_module {
    const char *name;
    struct fuse_fs *(*factory)(struct fuse_args *args, struct fuse_fs *fs[]);
    struct fuse_module *next;
    struct fusemod_so *so;
    int ctr;
};
void fuse_register_module(struct fuse_module *mod);
#define FUSE_REGISTER_MODULE(name_, factory_)                              \
    static __attribute__((constructor)) void name_##_register_module(void) \
    {                                                                      \
        static struct fuse_module mod = {#name_, factory_, NULL, NULL, 0}; \
        fuse_register_module(&mod);                                        \
    }

/* --- Advanced: set up and tear down by hand ------------------------------ */

typedef void (*fuse_processor_t)(struct fuse *, struct fuse_cmd *, void *);

/* fuse_main_real without the loop: parse, mount, fuse_new, daemonize,
 * signal handlers. */
struct fuse *fuse_setup(int argc, char *argv[], const struct fuse_operations *op, size_t op_size,
                        char **mountpoint, int *multithreaded, void *user_data);
void fuse_teardown(struct fuse *fuse, char *mountpoint);

/* Raw request processing: FSP's workers read the device themselves, so
 * these refuse (NULL, -1) with a message. */
struct fuse_cmd *fuse_read_cmd(struct fuse *f);
void fuse_process_cmd(struct fuse *f, struct fuse_cmd *cmd);
int fuse_loop_mt_proc(struct fuse *f, fuse_processor_t proc, void *data);

int fuse_exited(struct fuse *f);
/* Obsolete hook (no effect, as in libfuse 2.9). */
void fuse_set_getcontext_func(struct fuse_context *(*func)(void));
struct fuse_session *fuse_get_session(struct fuse *f);

#ifdef __cplusplus
}
#endif

#endif /* _FUSE_H_ */
