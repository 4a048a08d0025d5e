/*
 * fuse.h - FSP's FUSE 3 high-level API (libfuse 3.14 compatible).
 *
 * The high-level API speaks in paths: the file system fills a struct
 * fuse_operations whose functions return 0 (or a byte count) on success and
 * -errno on failure. The library keeps the table of inodes the kernel knows,
 * turns each request into a path, and calls the matching operation.
 * FSP implements it on top of its own low-level API; no libfuse involved.
 *
 * Define FUSE_USE_VERSION (30 .. 314) before including this header.
 */
#ifndef FUSE_H_
#define FUSE_H_

#ifndef FUSE_USE_VERSION
#error "define FUSE_USE_VERSION before including <fuse.h>"
#endif

#include "fuse_common.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One mounted high-level file system (opaque). */
struct fuse;

/* readdir's flags: PLUS means the kernel asked for READDIRPLUS, so stat
 * data given to the filler saves the kernel one lookup per entry. */
enum fuse_readdir_flags {
    FUSE_READDIR_PLUS = (1 << 0),
};

/* The filler's flags: PLUS says stbuf is complete (all fields valid). */
enum fuse_fill_dir_flags {
    FUSE_FILL_DIR_PLUS = (1 << 1),
};

/*
 * readdir's callback: adds one entry. off is 0 when the file system lists the
 * whole directory at once, or the offset of the NEXT entry when it lists in
 * pieces (then readdir is called again with that offset). Returns 1 when the
 * reply buffer is full (stop and return 0), 0 otherwise.
 */
typedef int (*fuse_fill_dir_t)(void *buf, const char *name, const struct stat *stbuf, off_t off,
                               enum fuse_fill_dir_flags flags);

/*
 * Settings of the library for one file system, from fuse_new()'s -o options;
 * init() receives them and may change them. Member order is ABI.
 */
struct fuse_config {
    int set_gid; /* report gid instead of the file system's st_gid */
    unsigned int gid;
    int set_uid; /* report uid instead of st_uid */
    unsigned int uid;
    int set_mode; /* report permissions as 0777 & ~umask */
    unsigned int umask;
    double entry_timeout;    /* seconds the kernel caches a name */
    double negative_timeout; /* seconds it caches a missing name (0 = not) */
    double attr_timeout;     /* seconds it caches attributes */
    int intr;                /* requests may be interrupted */
    int intr_signal;         /* signal used for that (not used by FSP) */
    int remember;            /* seconds to keep forgotten nodes; -1 = forever */
    int hard_remove;         /* unlink open files at once instead of hiding them */
    int use_ino;             /* report the file system's st_ino */
    int readdir_ino;         /* without use_ino: known inode numbers in readdir */
    int direct_io;           /* every open bypasses the page cache */
    int kernel_cache;        /* keep the page cache across opens */
    int auto_cache;          /* keep it while mtime and size stay the same */
    int no_rofd_flush;       /* no flush for files opened read-only */
    int ac_attr_timeout_set;
    double ac_attr_timeout; /* auto_cache's attribute timeout */
    int nullpath_ok;        /* operations with a file handle may get a NULL path */
    int show_help;
    char *modules; /* -o modules=a:b: module names to stack, a first */
    int debug;
};

/*
 * The file system's operations; any may be NULL. Paths are absolute from
 * the mount's root ("/", "/dir/file"). Member order and signatures are ABI:
 * never reorder.
 */
struct fuse_operations {
    int (*getattr)(const char *path, struct stat *st, struct fuse_file_info *fi);
    int (*readlink)(const char *path, char *buf, size_t size);
    int (*mknod)(const char *path, mode_t mode, dev_t rdev);
    int (*mkdir)(const char *path, mode_t mode);
    int (*unlink)(const char *path);
    int (*rmdir)(const char *path);
    int (*symlink)(const char *target, const char *path);
    int (*rename)(const char *from, const char *to, unsigned int flags);
    int (*link)(const char *from, const char *to);
    int (*chmod)(const char *path, mode_t mode, struct fuse_file_info *fi);
    int (*chown)(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi);
    int (*truncate)(const char *path, off_t size, struct fuse_file_info *fi);
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
                   struct fuse_file_info *fi, enum fuse_readdir_flags flags);
    int (*releasedir)(const char *path, struct fuse_file_info *fi);
    int (*fsyncdir)(const char *path, int datasync, struct fuse_file_info *fi);
    /* Its result becomes fuse_get_context()->private_data. */
    void *(*init)(struct fuse_conn_info *conn, struct fuse_config *cfg);
    void (*destroy)(void *private_data);
    int (*access)(const char *path, int mask);
    int (*create)(const char *path, mode_t mode, struct fuse_file_info *fi);
    int (*lock)(const char *path, struct fuse_file_info *fi, int cmd, struct flock *lock);
    int (*utimens)(const char *path, const struct timespec tv[2], struct fuse_file_info *fi);
    int (*bmap)(const char *path, size_t blocksize, uint64_t *idx);
#if FUSE_USE_VERSION < 35
    int (*ioctl)(const char *path, int cmd, void *arg, struct fuse_file_info *fi,
                 unsigned int flags, void *data);
#else
    int (*ioctl)(const char *path, unsigned int cmd, void *arg, struct fuse_file_info *fi,
                 unsigned int flags, void *data);
#endif
    int (*poll)(const char *path, struct fuse_file_info *fi, struct fuse_pollhandle *ph,
                unsigned *reventsp);
    int (*write_buf)(const char *path, struct fuse_bufvec *buf, off_t off,
                     struct fuse_file_info *fi);
    int (*read_buf)(const char *path, struct fuse_bufvec **bufp, size_t size, off_t off,
                    struct fuse_file_info *fi);
    int (*flock)(const char *path, struct fuse_file_info *fi, int op);
    int (*fallocate)(const char *path, int mode, off_t off, off_t len, struct fuse_file_info *fi);
    ssize_t (*copy_file_range)(const char *path_in, struct fuse_file_info *fi_in, off_t off_in,
                               const char *path_out, struct fuse_file_info *fi_out, off_t off_out,
                               size_t size, int flags);
    off_t (*lseek)(const char *path, off_t off, int whence, struct fuse_file_info *fi);
};

/* Who made the request being served (fuse_get_context()). */
struct fuse_context {
    struct fuse *fuse;
    uid_t uid;
    gid_t gid;
    pid_t pid;
    void *private_data; /* init()'s result, or fuse_new()'s private_data */
    mode_t umask;       /* set for mknod, mkdir and create */
};

/*
 * The whole program in one call: parses the command line (-h, -V, -d, -f,
 * -s, -o ...), mounts, daemonizes unless -f, serves until unmounted or
 * signalled, and cleans up. Returns 0, or 1..7 as libfuse does (2: no mount
 * point, 3: bad options, 4: mount failed, 5: daemonize failed, 6: signal
 * handlers, 7: the loop failed).
 */
int fuse_main_real(int argc, char *argv[], const struct fuse_operations *op, size_t op_size,
                   void *private_data);
#define fuse_main(argc, argv, op, private_data) \
    fuse_main_real(argc, argv, op, sizeof(*(op)), private_data)

/* Print the options fuse_new() accepts. */
void fuse_lib_help(struct fuse_args *args);

#if FUSE_USE_VERSION == 30
struct fuse *fuse_new_30(struct fuse_args *args, const struct fuse_operations *op, size_t op_size,
                         void *private_data);
#define fuse_new(args, op, size, data) fuse_new_30(args, op, size, data)
#else
/* Create a file system (not yet mounted); consumes its -o options. */
struct fuse *fuse_new(struct fuse_args *args, const struct fuse_operations *op, size_t op_size,
                      void *private_data);
#endif
int fuse_mount(struct fuse *f, const char *mountpoint);
void fuse_unmount(struct fuse *f);
void fuse_destroy(struct fuse *f);

/* Serve requests until unmounted or fuse_exit(); 0, -errno, or the signal
 * that ended it. */
int fuse_loop(struct fuse *f);
void fuse_exit(struct fuse *f);

#if FUSE_USE_VERSION < 32
int fuse_loop_mt_31(struct fuse *f, int clone_fd);
#define fuse_loop_mt(f, clone_fd) fuse_loop_mt_31(f, clone_fd)
#elif FUSE_USE_VERSION < FUSE_MAKE_VERSION(3, 12)
int fuse_loop_mt_32(struct fuse *f, struct fuse_loop_config *config);
#define fuse_loop_mt(f, config) fuse_loop_mt_32(f, config)
#else
int fuse_loop_mt(struct fuse *f, struct fuse_loop_config *config);
#endif

/* The request being served on this thread (valid inside operations). */
struct fuse_context *fuse_get_context(void);
int fuse_getgroups(int size, gid_t list[]);
int fuse_interrupted(void);

/* Drop the kernel's cached data and attributes of path (-ENOENT if the
 * kernel does not know it). */
int fuse_invalidate_path(struct fuse *f, const char *path);

/* Node cache cleanup: FSP frees nodes as the kernel forgets them, so these
 * have nothing to do. */
int fuse_start_cleanup_thread(struct fuse *fuse);
void fuse_stop_cleanup_thread(struct fuse *fuse);
int fuse_clean_cache(struct fuse *fuse);

/* --- A file system as an object: calls its operations with defaults. ------ */

struct fuse_fs;

int fuse_fs_getattr(struct fuse_fs *fs, const char *path, struct stat *buf,
                    struct fuse_file_info *fi);
int fuse_fs_rename(struct fuse_fs *fs, const char *oldpath, const char *newpath,
                   unsigned int flags);
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
                    off_t off, struct fuse_file_info *fi, enum fuse_readdir_flags flags);
int fuse_fs_fsyncdir(struct fuse_fs *fs, const char *path, int datasync, struct fuse_file_info *fi);
int fuse_fs_releasedir(struct fuse_fs *fs, const char *path, struct fuse_file_info *fi);
int fuse_fs_create(struct fuse_fs *fs, const char *path, mode_t mode, struct fuse_file_info *fi);
int fuse_fs_lock(struct fuse_fs *fs, const char *path, struct fuse_file_info *fi, int cmd,
                 struct flock *lock);
int fuse_fs_flock(struct fuse_fs *fs, const char *path, struct fuse_file_info *fi, int op);
int fuse_fs_chmod(struct fuse_fs *fs, const char *path, mode_t mode, struct fuse_file_info *fi);
int fuse_fs_chown(struct fuse_fs *fs, const char *path, uid_t uid, gid_t gid,
                  struct fuse_file_info *fi);
int fuse_fs_truncate(struct fuse_fs *fs, const char *path, off_t size, struct fuse_file_info *fi);
int fuse_fs_utimens(struct fuse_fs *fs, const char *path, const struct timespec tv[2],
                    struct fuse_file_info *fi);
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
#if FUSE_USE_VERSION < 35
int fuse_fs_ioctl(struct fuse_fs *fs, const char *path, int cmd, void *arg,
                  struct fuse_file_info *fi, unsigned int flags, void *data);
#else
int fuse_fs_ioctl(struct fuse_fs *fs, const char *path, unsigned int cmd, void *arg,
                  struct fuse_file_info *fi, unsigned int flags, void *data);
#endif
int fuse_fs_poll(struct fuse_fs *fs, const char *path, struct fuse_file_info *fi,
                 struct fuse_pollhandle *ph, unsigned *reventsp);
int fuse_fs_fallocate(struct fuse_fs *fs, const char *path, int mode, off_t offset, off_t length,
                      struct fuse_file_info *fi);
ssize_t fuse_fs_copy_file_range(struct fuse_fs *fs, const char *path_in,
                                struct fuse_file_info *fi_in, off_t off_in, const char *path_out,
                                struct fuse_file_info *fi_out, off_t off_out, size_t len,
                                int flags);
off_t fuse_fs_lseek(struct fuse_fs *fs, const char *path, off_t off, int whence,
                    struct fuse_file_info *fi);
void fuse_fs_init(struct fuse_fs *fs, struct fuse_conn_info *conn, struct fuse_config *cfg);
void fuse_fs_destroy(struct fuse_fs *fs);

/* Tell the kernel that a polled file is ready. */
int fuse_notify_poll(struct fuse_pollhandle *ph);

struct fuse_fs *fuse_fs_new(const struct fuse_operations *op, size_t op_size, void *private_data);

/* Stacked modules (-o modules=a:b): a factory gets the arguments (it takes
 * its own options out) and fs[0], the file system below it (fs[1] is
 * NULL), and returns a fuse_fs that serves through fuse_fs_*() calls on
 * fs[0]. Built in: subdir and iconv. FUSE_REGISTER_MODULE defines the
 * variable fuse_new looks up by name: in the program itself (exported,
 * e.g. linked with -rdynamic; the macro gives it default visibility even
 * under -fvisibility=hidden) or in a library libfusemod_NAME.so. */
typedef struct fuse_fs *(*fuse_module_factory_t)(struct fuse_args *args, struct fuse_fs *fs[]);
#define FUSE_REGISTER_MODULE(name_, factory_)                                                    \
    __attribute__((visibility("default"))) fuse_module_factory_t fuse_module_##name_##_factory = \
        factory_

struct fuse_session *fuse_get_session(struct fuse *f);

/* Mount and hand back the /dev/fuse fd (-1 on failure); serve it with
 * fuse_session_mount(se, "/dev/fd/N") and unmount it yourself. */
int fuse_open_channel(const char *mountpoint, const char *options);

#ifdef __cplusplus
}
#endif

#endif /* FUSE_H_ */
