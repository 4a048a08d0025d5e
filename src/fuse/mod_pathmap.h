/*
 * mod_pathmap.h - the shape both built-in stacked modules share (subdir,
 * iconv): a struct fuse_fs that calls the file system below it with every
 * path rewritten, and a few names rewritten on the way back.
 *
 * A module embeds struct hl_pathmap first in its state and fills the
 * hooks; hl_pathmap_fs() gives the fuse_fs whose private data is that
 * state. Its operation table mirrors the one below (an operation the file
 * system lacks stays NULL), so the high level's "does it have mknod, lock,
 * read_buf..." decisions see through the module.
 */
#ifndef FSP_FUSE_MOD_PATHMAP_H
#define FSP_FUSE_MOD_PATHMAP_H

#include "fuse/hl_i.h"

struct hl_pathmap;

struct hl_pathmap_hooks {
    /* The path below for path (never NULL): a malloc()ed *out, 0 or -errno. */
    int (*path)(struct hl_pathmap *pm, const char *path, char **out);
    /* Optional: a symlink's target as given above -> as stored below. */
    int (*target_down)(struct hl_pathmap *pm, const char *target, char **out);
    /* Optional: readlink's answer below (in buf, size bytes) -> above, in
     * place. path is the link's path as seen above. 0 or -errno. */
    int (*target_up)(struct hl_pathmap *pm, const char *path, char *buf, size_t size);
    /* Optional: a listed name below -> above (malloc()ed); non-zero skips it. */
    int (*name_up)(struct hl_pathmap *pm, const char *name, char **out);
    /* Frees the module's state (pm included), after the fs below is gone. */
    void (*free)(struct hl_pathmap *pm);
};

struct hl_pathmap {
    struct fuse_fs *next;
    const struct hl_pathmap_hooks *hooks;
};

/* The module's fuse_fs over pm->next (NULL when out of memory; pm is then
 * not freed). */
struct fuse_fs *hl_pathmap_fs(struct hl_pathmap *pm);

#endif /* FSP_FUSE_MOD_PATHMAP_H */
