/*
 * memfs_xattr.c - extended attributes: a list of (name, value) pairs per
 * node, in the order they were first set.
 */
#define _GNU_SOURCE

#include "memfs_tree_i.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>

static struct xattr **find_xattr(struct memfs_node *n, const char *name)
{
    struct xattr **p = &n->xattrs;
    while (*p && strcmp((*p)->name, name) != 0)
        p = &(*p)->next;
    return p;
}

int memfs_setxattr(struct memfs *fs, const char *path, const char *name, const char *value,
                   size_t size, int flags)
{
    pthread_mutex_lock(&fs->lock);
    struct memfs_node *n;
    int err = path_lookup(fs, path, &n);
    struct xattr **p = err ? NULL : find_xattr(n, name);
    if (!err && *p && (flags & XATTR_CREATE))
        err = -EEXIST;
    if (!err && !*p && (flags & XATTR_REPLACE))
        err = -ENODATA;
    if (!err) {
        char *v = malloc(size ? size : 1);
        struct xattr *x = *p ? *p : calloc(1, sizeof(*x));
        if (!v || !x || (!x->name && !(x->name = strdup(name)))) {
            free(v);
            if (x && !*p) {
                free(x->name);
                free(x);
            }
            err = -ENOSPC;
        } else {
            memcpy(v, value, size);
            free(x->value);
            x->value = v;
            x->size = size;
            if (!*p)
                *p = x;
            now(&n->ctime);
        }
    }
    pthread_mutex_unlock(&fs->lock);
    return err;
}

int memfs_getxattr(struct memfs *fs, const char *path, const char *name, char *value, size_t size)
{
    pthread_mutex_lock(&fs->lock);
    struct memfs_node *n;
    int res = path_lookup(fs, path, &n);
    struct xattr *x = res ? NULL : *find_xattr(n, name);
    if (!res && !x)
        res = -ENODATA;
    if (!res) {
        res = (int)x->size;
        if (size && x->size > size)
            res = -ERANGE;
        else if (size)
            memcpy(value, x->value, x->size);
    }
    pthread_mutex_unlock(&fs->lock);
    return res;
}

int memfs_listxattr(struct memfs *fs, const char *path, char *list, size_t size)
{
    pthread_mutex_lock(&fs->lock);
    struct memfs_node *n;
    int res = path_lookup(fs, path, &n);
    if (!res) {
        size_t len = 0;
        for (struct xattr *x = n->xattrs; x; x = x->next) {
            size_t l = strlen(x->name) + 1;
            if (size && len + l > size) {
                res = -ERANGE;
                break;
            }
            if (size)
                memcpy(list + len, x->name, l);
            len += l;
        }
        if (!res)
            res = (int)len;
    }
    pthread_mutex_unlock(&fs->lock);
    return res;
}

int memfs_removexattr(struct memfs *fs, const char *path, const char *name)
{
    pthread_mutex_lock(&fs->lock);
    struct memfs_node *n;
    int err = path_lookup(fs, path, &n);
    struct xattr **p = err ? NULL : find_xattr(n, name);
    if (!err && !*p)
        err = -ENODATA;
    if (!err) {
        struct xattr *x = *p;
        *p = x->next;
        free(x->name);
        free(x->value);
        free(x);
        now(&n->ctime);
    }
    pthread_mutex_unlock(&fs->lock);
    return err;
}
