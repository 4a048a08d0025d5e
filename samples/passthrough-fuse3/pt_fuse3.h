/*
 * pt_fuse3.h - passthrough-fuse3: mirror a source directory through the
 * FUSE 3 high-level API (paths and file handles).
 *
 * The library hands us paths relative to the mount root ("/a/b"); we work
 * on the source with the *at() calls relative to one descriptor of the
 * source directory, so the process's working directory never matters.
 * Open files and directories carry their own descriptor in fi->fh, and
 * every operation that gets one uses it (with nullpath_ok and hard_remove
 * an unlinked open file keeps working, as on a local file system).
 */
#ifndef PT_FUSE3_H
#define PT_FUSE3_H

#define FUSE_USE_VERSION 314
#include <fuse.h>

#include <stdbool.h>

struct pt_source {
    int fd;     /* O_PATH of the source directory */
    char *path; /* its absolute path, for the calls that have no *at() form */
    bool creds; /* running as root: create as the caller */
    double timeout;
};

extern struct pt_source pt_src;

/* "/a/b" -> "a/b", "/" -> "." : a name relative to pt_src.fd. */
const char *pt_rel(const char *path);
/* pt_src.path + path into buf (PATH_MAX); -ENAMETOOLONG if it does not fit. */
int pt_full(char *buf, const char *path);
/* Run a creating call as the caller (fuse_get_context), on this thread only. */
void pt_creds_enter(void);
void pt_creds_leave(void);

/* ops_path.c: names, attributes, xattrs; ops_file.c: open files and
 * directories. Each fills its part of the operations table. */
void pt_fill_path_ops(struct fuse_operations *op);
void pt_fill_file_ops(struct fuse_operations *op);

#endif /* PT_FUSE3_H */
