/*
 * hl_dir.c - directories for the high-level layer: opendir, readdir and
 * readdirplus, releasedir, fsyncdir.
 *
 * A file system lists a directory one of two ways. With offsets, its filler
 * gets each entry's "next" offset and readdir is called again from there:
 * entries go straight into the kernel's reply buffer. Without (offset 0), it
 * lists the whole directory in one call: the listing is kept with the open
 * directory and served from there by index, so telldir/seekdir stay exact
 * until the next rewind.
 *
 * For READDIRPLUS, entries whose filler call carried FUSE_FILL_DIR_PLUS
 * (a complete stat) count as lookups and carry a node id; the others go
 * out as plain entries and the kernel looks them up when it needs them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fuse/hl_i.h"

#define UNKNOWN_INO 0xffffffffu /* d_ino when the file system's is not used */

struct hl_dirent {
    char *name;
    struct stat st;
    bool plus;
};

/* An open directory; fi->fh points to it. */
struct hl_dir {
    struct hl_dir *next, *prev; /* in struct fuse's list of open directories */
    uint64_t fh;                /* the file system's handle */
    pthread_mutex_t lock;       /* the kernel may read one handle from several threads */
    struct hl_dirent *ents;
    size_t count, cap;
    bool listed;  /* ents is a whole listing (no offsets) */
    bool offsets; /* the file system lists with offsets */
};

/* One readdir request being filled. */
struct fill {
    struct fuse *f;
    fuse_req_t req;
    fuse_ino_t dir;
    struct hl_dir *dh;
    char *buf;
    size_t size, used;
    bool plus;
    int error;
};

uint64_t hl_dir_fs_fh(uint64_t fh)
{
    return ((struct hl_dir *)(uintptr_t)fh)->fh;
}

static void clear_listing(struct hl_dir *dh)
{
    for (size_t i = 0; i < dh->count; i++)
        free(dh->ents[i].name);
    free(dh->ents);
    dh->ents = NULL;
    dh->count = dh->cap = 0;
    dh->listed = false;
}

/* Open directories are listed so that fuse_destroy() frees those the kernel
 * never released (the session ended first). */
static void link_dir(struct fuse *f, struct hl_dir *dh)
{
    pthread_mutex_lock(&f->dirs_lock);
    dh->prev = NULL;
    dh->next = f->dirs;
    if (f->dirs)
        f->dirs->prev = dh;
    f->dirs = dh;
    pthread_mutex_unlock(&f->dirs_lock);
}

static void free_dir(struct fuse *f, struct hl_dir *dh)
{
    pthread_mutex_lock(&f->dirs_lock);
    if (dh->prev)
        dh->prev->next = dh->next;
    else
        f->dirs = dh->next;
    if (dh->next)
        dh->next->prev = dh->prev;
    pthread_mutex_unlock(&f->dirs_lock);
    clear_listing(dh);
    pthread_mutex_destroy(&dh->lock);
    free(dh);
}

void hl_dirs_free(struct fuse *f)
{
    while (f->dirs)
        free_dir(f, f->dirs);
}

/* Add one entry to the reply; false when it does not fit. */
static bool add_entry(struct fill *c, const char *name, const struct stat *stp, bool plus_ok,
                      off_t off)
{
    struct fuse *f = c->f;
    struct stat st;
    if (stp)
        st = *stp;
    else
        memset(&st, 0, sizeof(st));
    /* readdir(3) skips entries whose d_ino is 0. */
    if (!st.st_ino)
        st.st_ino = UNKNOWN_INO;
    bool dots = !strcmp(name, ".") || !strcmp(name, "..");
    if (!c->plus) {
        if (!f->conf.use_ino) {
            uint64_t id = f->conf.readdir_ino && !dots ? hl_child(f, c->dir, name) : 0;
            st.st_ino = id ? id : UNKNOWN_INO;
        }
        size_t need = fuse_add_direntry(c->req, NULL, 0, name, &st, off);
        if (c->used + need > c->size)
            return false;
        fuse_add_direntry(c->req, c->buf + c->used, c->size - c->used, name, &st, off);
        c->used += need;
        return true;
    }
    struct fuse_entry_param e;
    memset(&e, 0, sizeof(e));
    e.attr = st;
    size_t need = fuse_add_direntry_plus(c->req, NULL, 0, name, &e, off);
    if (c->used + need > c->size)
        return false;
    if (plus_ok && stp && !dots) {
        e.ino = hl_remember(f, c->dir, name, &st);
        if (e.ino) {
            hl_adjust_stat(f, e.ino, &e.attr);
            e.entry_timeout = f->conf.entry_timeout;
            e.attr_timeout = f->conf.attr_timeout;
        }
    }
    if (!e.ino && !f->conf.use_ino)
        e.attr.st_ino = UNKNOWN_INO;
    fuse_add_direntry_plus(c->req, c->buf + c->used, c->size - c->used, name, &e, off);
    c->used += need;
    return true;
}

static int filler(void *buf, const char *name, const struct stat *st, off_t off,
                  enum fuse_fill_dir_flags flags)
{
    struct fill *c = buf;
    bool plus = flags & FUSE_FILL_DIR_PLUS;
    if (off) {
        c->dh->offsets = true;
        return add_entry(c, name, st, plus, off) ? 0 : 1;
    }
    struct hl_dir *dh = c->dh;
    if (dh->count == dh->cap) {
        size_t cap = dh->cap ? dh->cap * 2 : 64;
        struct hl_dirent *e = realloc(dh->ents, cap * sizeof(*e));
        if (!e) {
            c->error = -ENOMEM;
            return 1;
        }
        dh->ents = e;
        dh->cap = cap;
    }
    struct hl_dirent *e = &dh->ents[dh->count];
    e->name = strdup(name);
    if (!e->name) {
        c->error = -ENOMEM;
        return 1;
    }
    if (st)
        e->st = *st;
    else
        memset(&e->st, 0, sizeof(e->st));
    e->plus = plus && st;
    dh->count++;
    return 0;
}

static void serve_listing(struct fill *c, off_t off)
{
    struct hl_dir *dh = c->dh;
    for (size_t i = (size_t)off; i < dh->count; i++) {
        struct hl_dirent *e = &dh->ents[i];
        if (!add_entry(c, e->name, &e->st, e->plus, (off_t)i + 1))
            break;
    }
}

static void do_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                       struct fuse_file_info *llfi, bool plus)
{
    struct fuse *f = hl_enter(req);
    struct hl_dir *dh = (struct hl_dir *)(uintptr_t)llfi->fh;
    struct fill c = {.f = f, .req = req, .dir = ino, .dh = dh, .size = size, .plus = plus};
    char *path, *mem;
    int err = hl_path_fi(f, req, ino, &path);
    c.buf = hl_buf(req, size, &mem);
    if (!c.buf)
        err = -ENOMEM;
    pthread_mutex_lock(&dh->lock);
    if (!err && !(dh->listed && off != 0)) {
        clear_listing(dh);
        struct fuse_file_info fi = *llfi;
        fi.fh = dh->fh;
        err = fuse_fs_readdir(f->fs, path, &c, filler, off, &fi,
                              plus ? FUSE_READDIR_PLUS : (enum fuse_readdir_flags)0);
        if (!err)
            err = c.error;
        if (!err && !dh->offsets) {
            /* A whole listing (or none: an empty directory). */
            dh->listed = true;
            serve_listing(&c, off);
        } else if (err) {
            clear_listing(dh);
        }
    } else if (!err) {
        serve_listing(&c, off);
    }
    pthread_mutex_unlock(&dh->lock);
    if (err)
        fuse_reply_err(req, -err);
    else
        fuse_reply_buf(req, c.buf, c.used);
    free(mem);
    hl_path_put(req, path);
    hl_leave();
}

static void hl_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                       struct fuse_file_info *fi)
{
    do_readdir(req, ino, size, off, fi, false);
}

static void hl_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                           struct fuse_file_info *fi)
{
    do_readdir(req, ino, size, off, fi, true);
}

static void hl_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    struct fuse *f = hl_enter(req);
    struct hl_dir *dh = calloc(1, sizeof(*dh));
    char *path = NULL;
    int err = dh ? hl_path(f, req, ino, NULL, &path) : -ENOMEM;
    if (!err)
        err = fuse_fs_opendir(f->fs, path, fi);
    if (err) {
        free(dh);
        fuse_reply_err(req, -err);
    } else {
        pthread_mutex_init(&dh->lock, NULL);
        dh->fh = fi->fh;
        fi->fh = (uintptr_t)dh;
        link_dir(f, dh);
        if (f->cache_dirs)
            fi->cache_readdir = fi->keep_cache = 1;
        if (fuse_reply_open(req, fi) != 0) {
            fi->fh = dh->fh;
            fuse_fs_releasedir(f->fs, path, fi);
            free_dir(f, dh);
        }
    }
    hl_path_put(req, path);
    hl_leave();
}

static void hl_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *llfi)
{
    struct fuse *f = hl_enter(req);
    struct hl_dir *dh = (struct hl_dir *)(uintptr_t)llfi->fh;
    char *path;
    hl_path_fi(f, req, ino, &path);
    struct fuse_file_info fi = *llfi;
    fi.fh = dh->fh;
    fuse_fs_releasedir(f->fs, path, &fi);
    free_dir(f, dh);
    hl_path_put(req, path);
    fuse_reply_err(req, 0);
    hl_leave();
}

static void hl_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *llfi)
{
    struct fuse *f = hl_enter(req);
    char *path;
    int err = hl_path_fi(f, req, ino, &path);
    struct fuse_file_info fi = *llfi;
    fi.fh = hl_dir_fs_fh(llfi->fh);
    if (!err)
        err = fuse_fs_fsyncdir(f->fs, path, datasync, &fi);
    hl_path_put(req, path);
    fuse_reply_err(req, -err);
    hl_leave();
}

void hl_fill_dir_llops(struct fuse *f)
{
    struct fuse_lowlevel_ops *o = &f->llop;
    o->opendir = hl_opendir;
    o->readdir = hl_readdir;
    o->releasedir = hl_releasedir;
    o->fsyncdir = hl_fsyncdir;
    /* READDIRPLUS only helps when the file system can list. */
    if (f->fs->op.readdir)
        o->readdirplus = hl_readdirplus;
}
