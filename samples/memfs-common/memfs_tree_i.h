/*
 * memfs_tree_i.h - the tree's internals, shared by its source files:
 * memfs_tree.c (nodes, names, paths, life), memfs_names.c (operations on
 * names and listings), memfs_files.c (attributes, open files, contents) and
 * memfs_xattr.c (extended attributes). Callers see memfs_tree.h only.
 *
 * A file is a node; a name is a dentry linking a directory node to a node.
 * Every dentry is also in one hash table keyed by (directory, name), so a
 * path resolves in one probe per component. A node goes away with its last
 * name and its last open handle; one unlinked while open waits on the
 * orphan list, so that memfs_free finds it even if it is never closed.
 *
 * Every function here expects the caller to hold fs->lock.
 */
#ifndef MEMFS_TREE_I_H
#define MEMFS_TREE_I_H

#include "memfs_tree.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct xattr {
    struct xattr *next;
    char *name;
    char *value;
    size_t size;
};

struct dentry;

struct memfs_node {
    ino_t ino;
    mode_t mode;
    nlink_t nlink;
    uid_t uid;
    gid_t gid;
    dev_t rdev;
    struct timespec atime, mtime, ctime;
    char *data; /* file contents, or a symlink's target */
    size_t size, cap;
    struct xattr *xattrs;
    unsigned opens;
    /* Directories: entries in creation order, which is also the order of
     * their cookies (readdir offsets stay valid across changes). */
    struct dentry *first, *last;
    uint64_t next_cookie;
    struct memfs_node *parent;
    /* Unlinked while open: kept on the orphan list until released. */
    struct memfs_node *orphan_next, *orphan_prev;
    bool orphan;
};

struct dentry {
    struct dentry *next, *prev; /* in the directory */
    struct dentry *hnext;       /* hash chain */
    struct memfs_node *dir, *node;
    uint64_t cookie;
    char name[];
};

struct memfs {
    pthread_mutex_t lock;
    struct memfs_node *root;
    ino_t next_ino;
    struct dentry **hash;
    size_t hsize, hcount; /* hsize is a power of two; hcount counts dentries */
    struct memfs_node *orphans;
};

static inline void now(struct timespec *t)
{
    clock_gettime(CLOCK_REALTIME, t);
}

/* A directory's contents changed. */
static inline void touch_dir(struct memfs_node *dir)
{
    now(&dir->mtime);
    dir->ctime = dir->mtime;
}

/* --- Nodes (memfs_tree.c) ------------------------------------------------------ */

/* A new node owned by uid and gid, or by dir's group if dir is set-group-ID.
 * NULL when out of memory. */
struct memfs_node *node_new(struct memfs *fs, mode_t mode, const struct memfs_node *dir, uid_t uid,
                            gid_t gid);
void node_free(struct memfs_node *n);
/* Frees n if it has neither a name nor an open handle left; with no name but
 * a handle, keeps it on the orphan list. */
void node_maybe_free(struct memfs *fs, struct memfs_node *n);
void node_stat(const struct memfs_node *n, struct stat *st);

/* --- Directory entries (memfs_tree.c) ------------------------------------------ */

struct dentry *entry_find(const struct memfs *fs, const struct memfs_node *dir, const char *name);
/* Adds the name (dir, name), which must be free, for node; counts the link
 * of a directory's ".." in dir. */
int entry_add(struct memfs *fs, struct memfs_node *dir, const char *name, struct memfs_node *node);
/* Removes d and drops its node's link count; the caller decides about the
 * node (node_maybe_free). */
void entry_remove(struct memfs *fs, struct dentry *d);

/* --- Paths (memfs_tree.c) ------------------------------------------------------ */

int path_lookup(const struct memfs *fs, const char *path, struct memfs_node **n);
/* The directory that holds path's last component, and that component. */
int path_parent(const struct memfs *fs, const char *path, struct memfs_node **dir,
                const char **name);
/* The directory entry path names. */
int path_entry(const struct memfs *fs, const char *path, struct dentry **d);
/* The node an operation works on: the open file if given, else path's. */
int path_target(const struct memfs *fs, const char *path, struct memfs_node *file,
                struct memfs_node **n);

#endif
