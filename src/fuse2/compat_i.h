/*
 * compat_i.h - the layouts of FUSE 2 before 2.6 (libfuse 2.9 keeps them in
 * fuse_compat.h, fuse_common_compat.h and fuse_lowlevel_compat.h), as FSP's
 * compat_*.c read them, and what those files share.
 *
 * Generations of the high-level operations table, newest first:
 *   2.5 (compat25): today's table up to fgetattr, but init() takes nothing;
 *   2.2 (compat22): up to destroy; the 2.4 file info and struct statfs;
 *   2.1 (compat2):  up to removexattr; open/release get the open flags,
 *                   read/write/flush/fsync no file info, getdir's filler
 *                   no inode number;
 *   1.x (compat1):  as 2.1 without flush and xattrs, and statfs() fills a
 *                   struct of its own without a path.
 * Every operation whose signature never changed is called as it is.
 */
#ifndef FSP_FUSE2_COMPAT_I_H
#define FSP_FUSE2_COMPAT_I_H

#include "fuse2/fuse2_i.h"

#include <sys/statfs.h>

typedef int (*fuse2_dirfil_compat_t)(fuse2_dirh_t h, const char *name, int type);

struct fuse2_statfs_compat1 {
    long block_size;
    long blocks;
    long blocks_free;
    long files;
    long files_free;
    long namelen;
};

/* Operations 0-13 (getattr ... utime) of every generation. */
#define FUSE2_COMPAT_COMMON_OPS(dirfil_t)                \
    int (*getattr)(const char *, struct stat *);         \
    int (*readlink)(const char *, char *, size_t);       \
    int (*getdir)(const char *, fuse2_dirh_t, dirfil_t); \
    int (*mknod)(const char *, mode_t, dev_t);           \
    int (*mkdir)(const char *, mode_t);                  \
    int (*unlink)(const char *);                         \
    int (*rmdir)(const char *);                          \
    int (*symlink)(const char *, const char *);          \
    int (*rename)(const char *, const char *);           \
    int (*link)(const char *, const char *);             \
    int (*chmod)(const char *, mode_t);                  \
    int (*chown)(const char *, uid_t, gid_t);            \
    int (*truncate)(const char *, off_t);                \
    int (*utime)(const char *, struct utimbuf *);

#define FUSE2_COMPAT_XATTR_OPS                                              \
    int (*setxattr)(const char *, const char *, const char *, size_t, int); \
    int (*getxattr)(const char *, const char *, char *, size_t);            \
    int (*listxattr)(const char *, char *, size_t);                         \
    int (*removexattr)(const char *, const char *);

struct fuse2_operations_compat25 {
    FUSE2_COMPAT_COMMON_OPS(fuse2_dirfil_t)
    int (*open)(const char *, struct fuse2_file_info *);
    int (*read)(const char *, char *, size_t, off_t, struct fuse2_file_info *);
    int (*write)(const char *, const char *, size_t, off_t, struct fuse2_file_info *);
    int (*statfs)(const char *, struct statvfs *);
    int (*flush)(const char *, struct fuse2_file_info *);
    int (*release)(const char *, struct fuse2_file_info *);
    int (*fsync)(const char *, int, struct fuse2_file_info *);
    FUSE2_COMPAT_XATTR_OPS
    int (*opendir)(const char *, struct fuse2_file_info *);
    int (*readdir)(const char *, void *, fuse2_fill_dir_t, off_t, struct fuse2_file_info *);
    int (*releasedir)(const char *, struct fuse2_file_info *);
    int (*fsyncdir)(const char *, int, struct fuse2_file_info *);
    void *(*init)(void);
    void (*destroy)(void *);
    int (*access)(const char *, int);
    int (*create)(const char *, mode_t, struct fuse2_file_info *);
    int (*ftruncate)(const char *, off_t, struct fuse2_file_info *);
    int (*fgetattr)(const char *, struct stat *, struct fuse2_file_info *);
};

struct fuse2_operations_compat22 {
    FUSE2_COMPAT_COMMON_OPS(fuse2_dirfil_t)
    int (*open)(const char *, struct fuse2_file_info_compat *);
    int (*read)(const char *, char *, size_t, off_t, struct fuse2_file_info_compat *);
    int (*write)(const char *, const char *, size_t, off_t, struct fuse2_file_info_compat *);
    int (*statfs)(const char *, struct statfs *);
    int (*flush)(const char *, struct fuse2_file_info_compat *);
    int (*release)(const char *, struct fuse2_file_info_compat *);
    int (*fsync)(const char *, int, struct fuse2_file_info_compat *);
    FUSE2_COMPAT_XATTR_OPS
    int (*opendir)(const char *, struct fuse2_file_info_compat *);
    int (*readdir)(const char *, void *, fuse2_fill_dir_t, off_t, struct fuse2_file_info_compat *);
    int (*releasedir)(const char *, struct fuse2_file_info_compat *);
    int (*fsyncdir)(const char *, int, struct fuse2_file_info_compat *);
    void *(*init)(void);
    void (*destroy)(void *);
};

struct fuse2_operations_compat2 {
    FUSE2_COMPAT_COMMON_OPS(fuse2_dirfil_compat_t)
    int (*open)(const char *, int);
    int (*read)(const char *, char *, size_t, off_t);
    int (*write)(const char *, const char *, size_t, off_t);
    int (*statfs)(const char *, struct statfs *);
    int (*flush)(const char *);
    int (*release)(const char *, int);
    int (*fsync)(const char *, int);
    FUSE2_COMPAT_XATTR_OPS
};

struct fuse2_operations_compat1 {
    FUSE2_COMPAT_COMMON_OPS(fuse2_dirfil_compat_t)
    int (*open)(const char *, int);
    int (*read)(const char *, char *, size_t, off_t);
    int (*write)(const char *, const char *, size_t, off_t);
    int (*statfs)(struct fuse2_statfs_compat1 *);
    int (*release)(const char *, int);
    int (*fsync)(const char *, int);
};

/* x86-64 sizes (pointers only). */
_Static_assert(sizeof(struct fuse2_file_info_compat) == 24, "fuse_file_info_compat");
_Static_assert(sizeof(struct fuse2_operations_compat25) == 35 * sizeof(void *), "compat25");
_Static_assert(sizeof(struct fuse2_operations_compat22) == 31 * sizeof(void *), "compat22");
_Static_assert(sizeof(struct fuse2_operations_compat2) == 25 * sizeof(void *), "compat2");
_Static_assert(sizeof(struct fuse2_operations_compat1) == 20 * sizeof(void *), "compat1");
_Static_assert(sizeof(struct fuse2_lowlevel_ops_compat25) == 31 * sizeof(void *), "ll compat25");

/* The generations, as libfuse numbers them. */
enum { FUSE2_COMPAT1 = 11, FUSE2_COMPAT2 = 21, FUSE2_COMPAT22 = 22, FUSE2_COMPAT25 = 25 };

/* An old file system's table (struct fuse2's old): the original, copied. */
struct fuse2_compat {
    int level;
    struct fuse_chan *ch; /* the kernel channel on fuse_new's descriptor */
    union {
        struct fuse2_operations_compat25 o25;
        struct fuse2_operations_compat22 o22;
        struct fuse2_operations_compat2 o2;
        struct fuse2_operations_compat1 o1;
    } op;
};

/* compat_ops.c: today's table for old (wrappers where signatures differ). */
void fuse2_compat_fill_ops(struct fuse2_operations *op, const struct fuse2_compat *old);
/* fuse_new for an old table of op_size bytes at level, on channel ch. */
struct fuse *fuse2_compat_new(struct fuse_chan *ch, struct fuse_args *args, const void *op,
                              size_t op_size, int level);

/* Frees old (NULL: nothing) and the channel it owns. */
void fuse2_compat_free(struct fuse2_compat *old);

/* compat_fd.c: fuse_mount() before 2.6 mounted at once and returned the
 * /dev/fuse descriptor (or -1); fuse_unmount() took the mount point, and
 * unmounts only what fuse2_compat_mount mounted under that name. */
int fuse2_compat_mount(const char *mountpoint, struct fuse_args *args);
void fuse2_compat_unmount(const char *mountpoint);

#endif /* FSP_FUSE2_COMPAT_I_H */
