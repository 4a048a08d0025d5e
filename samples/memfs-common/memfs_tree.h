/*
 * memfs_tree - the in-memory file system that samples/memfs-fuse2 and
 * samples/memfs-fuse3 serve: directories, regular files, hard links,
 * symbolic links, FIFOs, sockets and device nodes, extended attributes,
 * owners, modes and times, rename with RENAME_NOREPLACE and RENAME_EXCHANGE.
 *
 * It knows nothing of FUSE: it speaks plain C (paths, struct stat, open(2)
 * and xattr flags). Each front end translates the callbacks of its FUSE API
 * version onto these functions; that translation is what the samples show.
 *
 * Conventions, chosen to match FUSE's high-level callbacks so that a front
 * end can return a result as it is:
 *   - a function returns 0, or a byte count, on success and -errno on
 *     failure;
 *   - paths are absolute and '/'-separated ("/", "/dir/file");
 *   - functions that work on one file take both a path and an open file
 *     (struct memfs_node *, from memfs_open, memfs_create or memfs_opendir,
 *     or NULL). The open file wins when given: that is how a file unlinked
 *     while open stays usable, since its path is then NULL.
 *
 * Permission checks are not done here: the samples leave them to the kernel
 * (-o default_permissions). One mutex inside serializes every call, so the
 * functions may be called from any thread.
 *
 * Build with 64-bit off_t (-D_FILE_OFFSET_BITS=64), as every FUSE program
 * is, so that both sides agree on struct stat and off_t.
 */
#ifndef MEMFS_TREE_H
#define MEMFS_TREE_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <time.h>

_Static_assert(sizeof(off_t) == 8, "memfs_tree: build with -D_FILE_OFFSET_BITS=64");

struct memfs;      /* a whole file system */
struct memfs_node; /* one file of any kind; also an open file's handle */

/* An empty file system: its root directory has mode 0755 and the given
 * owner. NULL when out of memory. */
struct memfs *memfs_new(uid_t uid, gid_t gid);
/* Frees everything, open files included. */
void memfs_free(struct memfs *fs);

/* --- Attributes --------------------------------------------------------------- */

int memfs_getattr(struct memfs *fs, const char *path, struct memfs_node *file, struct stat *st);
/* The permission bits (07777) of mode; the file type stays. */
int memfs_chmod(struct memfs *fs, const char *path, struct memfs_node *file, mode_t mode);
/* (uid_t)-1 or (gid_t)-1 leaves that one unchanged, as for chown(2). */
int memfs_chown(struct memfs *fs, const char *path, struct memfs_node *file, uid_t uid, gid_t gid);
int memfs_truncate(struct memfs *fs, const char *path, struct memfs_node *file, off_t size);
/* tv[0] is the access time, tv[1] the modification time; tv_nsec may be
 * UTIME_NOW or UTIME_OMIT, as for utimensat(2). */
int memfs_utimens(struct memfs *fs, const char *path, struct memfs_node *file,
                  const struct timespec tv[2]);

/* --- Names -------------------------------------------------------------------- */

/* New files belong to uid and gid (the caller), except that a set-group-ID
 * directory hands down its group, and to directories the bit itself. */
int memfs_mknod(struct memfs *fs, const char *path, mode_t mode, dev_t rdev, uid_t uid, gid_t gid);
int memfs_mkdir(struct memfs *fs, const char *path, mode_t mode, uid_t uid, gid_t gid);
int memfs_symlink(struct memfs *fs, const char *target, const char *path, uid_t uid, gid_t gid);
/* The target, cut to size - 1 bytes and always NUL-terminated. */
int memfs_readlink(struct memfs *fs, const char *path, char *buf, size_t size);
int memfs_unlink(struct memfs *fs, const char *path);
int memfs_rmdir(struct memfs *fs, const char *path);
/* A hard link: the name to, for the file at from. */
int memfs_link(struct memfs *fs, const char *from, const char *to);
/* flags: 0, RENAME_NOREPLACE or RENAME_EXCHANGE (as for renameat2(2)). */
int memfs_rename(struct memfs *fs, const char *from, const char *to, unsigned int flags);

/* --- Open files --------------------------------------------------------------- */

/* Opens the file at path; with O_TRUNC in flags a regular file is emptied.
 * *file stays valid, even after unlink, until memfs_release. */
int memfs_open(struct memfs *fs, const char *path, int flags, struct memfs_node **file);
/* Makes a regular file at path (mode's permission bits) and opens it. */
int memfs_create(struct memfs *fs, const char *path, mode_t mode, uid_t uid, gid_t gid,
                 struct memfs_node **file);
int memfs_opendir(struct memfs *fs, const char *path, struct memfs_node **dir);
/* Closes a file or directory from memfs_open, memfs_create or
 * memfs_opendir; a file with no name left goes with its last close. */
void memfs_release(struct memfs *fs, struct memfs_node *file);

/* Returns the number of bytes read (0 at or past the end). */
int memfs_read(struct memfs *fs, const char *path, struct memfs_node *file, char *buf, size_t size,
               off_t off);
/* Returns size; the file grows as needed (a gap reads as zeros). */
int memfs_write(struct memfs *fs, const char *path, struct memfs_node *file, const char *buf,
                size_t size, off_t off);
/* mode: 0 or FALLOC_FL_KEEP_SIZE (as for fallocate(2)); others fail
 * with -EOPNOTSUPP. */
int memfs_fallocate(struct memfs *fs, const char *path, struct memfs_node *file, int mode,
                    off_t off, off_t len);
int memfs_statfs(struct memfs *fs, struct statvfs *st);

/* --- Directories -------------------------------------------------------------- */

/* Called by memfs_readdir for each entry: its name, its attributes and the
 * offset at which a later call resumes after it. Returns nonzero to stop
 * (the caller's buffer is full). */
typedef int memfs_dirent_fn(void *ctx, const char *name, const struct stat *st, off_t next);

/* Lists the open directory dir from offset off on (0 at the start): ".",
 * "..", then the entries in creation order. Offsets stay valid while the
 * directory changes: an entry keeps its offset until it is removed. */
int memfs_readdir(struct memfs *fs, struct memfs_node *dir, off_t off, memfs_dirent_fn *fill,
                  void *ctx);

/* --- Extended attributes ------------------------------------------------------ */

/* flags: 0, XATTR_CREATE or XATTR_REPLACE (as for setxattr(2)). */
int memfs_setxattr(struct memfs *fs, const char *path, const char *name, const char *value,
                   size_t size, int flags);
/* Returns the value's size; with size 0 only that (value is not touched). */
int memfs_getxattr(struct memfs *fs, const char *path, const char *name, char *value, size_t size);
/* The names, each NUL-terminated, one after another; returns their total
 * size, and with size 0 only that. */
int memfs_listxattr(struct memfs *fs, const char *path, char *list, size_t size);
int memfs_removexattr(struct memfs *fs, const char *path, const char *name);

#endif
