/*
 * mod_subdir.c - the built-in "subdir" module (-o modules=subdir): the
 * mount shows one directory of the file system below as its root.
 *
 *   -o subdir=DIR   prefix every path with DIR (required)
 *   -o rellinks     readlink: an absolute target inside DIR becomes a
 *                   relative one, so it still resolves inside the mount
 *   -o norellinks   leave link targets alone (the default)
 *
 * DIR may be relative (then the paths below are too: a file system that
 * works relative to its current directory, as passthrough with a chdir).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuse/mod_pathmap.h"
#include "fuse/modules.h"

struct subdir {
    struct hl_pathmap pm; /* first: the module's private data is this */
    char *base;           /* DIR without trailing '/' ("" for "/") */
    size_t baselen;
    int rellinks;
};

struct subdir_opts {
    char *dir;
    int rellinks;
};

static const struct fuse_opt subdir_opts[] = {
    {"subdir=%s", offsetof(struct subdir_opts, dir), 0},
    {"rellinks", offsetof(struct subdir_opts, rellinks), 1},
    {"norellinks", offsetof(struct subdir_opts, rellinks), 0},
    FUSE_OPT_END,
};

/* "/" is the base itself; "/x" is base + "/x". With base "" (subdir=/)
 * paths are unchanged; with a relative base, "/" is the base. */
static int subdir_path(struct hl_pathmap *pm, const char *path, char **out)
{
    struct subdir *d = (struct subdir *)pm;
    bool root = strcmp(path, "/") == 0;
    if (d->baselen == 0 || (root && d->base[0] != '/'))
        *out = strdup(root && d->baselen ? d->base : path);
    else if (asprintf(out, "%s%s", d->base, root ? "" : path) < 0)
        *out = NULL;
    return *out ? 0 : -ENOMEM;
}

/* An absolute target under base, read from the link at path (as seen in
 * the mount): one "../" per directory between the link and the mount's
 * root, then the target's part below base. "/base" itself is ".". */
static int subdir_target_up(struct hl_pathmap *pm, const char *path, char *buf, size_t size)
{
    struct subdir *d = (struct subdir *)pm;
    if (!d->rellinks || d->base[0] != '/')
        return 0;
    size_t len = strlen(buf);
    if (len < d->baselen || memcmp(buf, d->base, d->baselen) != 0 ||
        (buf[d->baselen] != '/' && buf[d->baselen] != '\0'))
        return 0;
    const char *rest = buf + d->baselen;
    while (*rest == '/')
        rest++;
    size_t ups = 0;
    for (const char *s = path + 1; *s; s++)
        if (*s == '/')
            ups++;
    char *rel;
    size_t n = ups * 3 + strlen(rest) + 2;
    if (!(rel = malloc(n)))
        return -ENOMEM;
    char *w = rel;
    for (size_t i = 0; i < ups; i++, w += 3)
        memcpy(w, "../", 3);
    strcpy(w, rest);
    if (!rel[0])
        strcpy(rel, ".");
    else if (!rest[0])
        w[-1] = '\0'; /* "../../" -> "../.." */
    /* Like readlink(2), a result longer than the buffer is cut. */
    snprintf(buf, size, "%s", rel);
    free(rel);
    return 0;
}

static void subdir_free(struct hl_pathmap *pm)
{
    struct subdir *d = (struct subdir *)pm;
    free(d->base);
    free(d);
}

static const struct hl_pathmap_hooks subdir_hooks = {
    .path = subdir_path,
    .target_up = subdir_target_up,
    .free = subdir_free,
};

struct fuse_fs *hl_subdir_factory(struct fuse_args *args, struct fuse_fs *next[])
{
    struct subdir_opts o = {0};
    if (!next[0] || next[1]) {
        fuse_log(FUSE_LOG_ERR, "fuse-subdir: exactly one next filesystem required\n");
        return NULL;
    }
    if (fuse_opt_parse(args, &o, subdir_opts, NULL) == -1)
        return NULL;
    if (!o.dir) {
        fuse_log(FUSE_LOG_ERR, "fuse-subdir: missing 'subdir' option\n");
        return NULL;
    }
    struct subdir *d = calloc(1, sizeof(*d));
    if (!d) {
        free(o.dir);
        return NULL;
    }
    size_t len = strlen(o.dir);
    while (len > 0 && o.dir[len - 1] == '/')
        o.dir[--len] = '\0';
    d->base = o.dir;
    d->baselen = len;
    d->rellinks = o.rellinks;
    d->pm.next = next[0];
    d->pm.hooks = &subdir_hooks;
    struct fuse_fs *fs = hl_pathmap_fs(&d->pm);
    if (!fs)
        subdir_free(&d->pm);
    return fs;
}
