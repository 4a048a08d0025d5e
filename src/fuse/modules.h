/*
 * modules.h - the stacked modules built into the library (-o modules=).
 * Each factory takes its options out of args and returns a fuse_fs over
 * next[0] (next[1] is NULL), or NULL after saying why.
 */
#ifndef FSP_FUSE_MODULES_H
#define FSP_FUSE_MODULES_H

#include "fuse/hl_i.h"

struct fuse_fs *hl_subdir_factory(struct fuse_args *args,
                                  struct fuse_fs *next[]);                        /* mod_subdir.c */
struct fuse_fs *hl_iconv_factory(struct fuse_args *args, struct fuse_fs *next[]); /* mod_iconv.c */

#endif /* FSP_FUSE_MODULES_H */
