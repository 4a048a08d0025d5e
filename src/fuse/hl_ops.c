/*
 * hl_ops.c - the high-level layer's low-level handlers for everything but
 * directories (hl_dir.c): each builds the path(s) of its nodes, calls the
 * file system through fuse_fs_*(), keeps the node table in step and replies.
 *
 * Paths of operations that have an open file follow libfuse: with
 * nullpath_ok the file system gets NULL (it has fi->fh), otherwise the
 * current path, or NULL once the file is unlinked.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>

#include "fuse/hl_i.h"

static void reply_err(fuse_req_t req, int err)
{
    fuse_reply_err(req, err < 0 ? -err : err);
}

void hl_adjust_stat(struct fuse *f, uint64_t id, struct stat *st)
{
    if (!f->conf.use_ino)
        st->st_ino = id;
    if (f->conf.set_mode)
        st->st_mode = (st->st_mode & S_IFMT) | (0777 & ~f->conf.umask);
    if (f->conf.set_uid)
        st->st_uid = f->conf.uid;
    if (f->conf.set_gid)
        st->st_gid = f->conf.gid;
}

/* After an operation made or found (parent, name): its attributes, counted
 * as one lookup. */
static int lookup_path(struct fuse *f, fuse_ino_t parent, const char *name, const char *path,
                       struct fuse_entry_param *e, struct fuse_file_info *fi)
{
    memset(e, 0, sizeof(*e));
    int err = fuse_fs_getattr(f->fs, path, &e->attr, fi);
    if (err)
        return err;
    e->ino = hl_remember(f, parent, name, &e->attr);
    if (!e->ino)
        return -ENOMEM;
    hl_adjust_stat(f, e->ino, &e->attr);
    e->entry_timeout = f->conf.entry_timeout;
    e->attr_timeout = f->conf.attr_timeout;
    if (f->conf.auto_cache)
        hl_cache_unchanged(f, e->ino, &e->attr);
    return 0;
}

/* Reply with an entry; a reply the kernel did not take is no lookup. */
static void reply_entry(struct fuse *f, fuse_req_t req, const struct fuse_entry_param *e, int err)
{
    if (err) {
        reply_err(req, err);
        return;
    }
    if (fuse_reply_entry(req, e) != 0 && e->ino)
        hl_forget(f, e->ino, 1);
}

/* mkdir, symlink, link: the file system made (parent, name) at path (unless
 * err): reply with its entry. */
static void reply_made(struct fuse *f, fuse_req_t req, fuse_ino_t parent, const char *name,
                       const char *path, int err)
{
    struct fuse_entry_param e;
    if (!err)
        err = lookup_path(f, parent, name, path, &e, NULL);
    reply_entry(f, req, &e, err);
}

/* getattr, setattr: the attributes the file system gave (unless err). */
static void reply_attr(struct fuse *f, fuse_req_t req, fuse_ino_t ino, struct stat *st, int err)
{
    if (err) {
        reply_err(req, err);
    } else {
        hl_adjust_stat(f, ino, st);
        fuse_reply_attr(req, st, f->conf.attr_timeout);
    }
}

/* --- init, destroy, lookup, forget -------------------------------------------- */

static void hl_init(void *userdata, struct fuse_conn_info *conn)
{
    struct fuse *f = userdata;
    hl_enter_init(f);
    fuse_fs_init(f->fs, conn, &f->conf);
    hl_killpriv_negotiate(f);
    hl_leave();
}

static void hl_destroy(void *userdata)
{
    struct fuse *f = userdata;
    hl_enter_init(f);
    hl_fs_shutdown(f);
    hl_leave();
}

static void hl_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    struct fuse *f = hl_enter(req);
    struct fuse_entry_param e;
    char *path;
    int err = hl_path(f, req, parent, name, &path);
    if (!err)
        err = lookup_path(f, parent, name, path, &e, NULL);
    hl_path_put(req, path);
    if (err == -ENOENT && f->conf.negative_timeout != 0.0) {
        /* A negative entry: the kernel caches the absence. */
        memset(&e, 0, sizeof(e));
        e.entry_timeout = f->conf.negative_timeout;
        err = 0;
    }
    reply_entry(f, req, &e, err);
    hl_leave();
}

static void hl_forget_one(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
    hl_forget(fuse_req_userdata(req), ino, nlookup);
    fuse_reply_none(req);
}

static void hl_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets)
{
    struct fuse *f = fuse_req_userdata(req);
    for (size_t i = 0; i < count; i++)
        hl_forget(f, forgets[i].ino, forgets[i].nlookup);
    fuse_reply_none(req);
}

/* --- Attributes -------------------------------------------------------------- */

/* getattr and setattr of an unlinked file that the kernel asks without a
 * handle (fstat after unlink): use a handle it has open, if the file system
 * takes NULL paths. */
static int attr_target(struct fuse *f, fuse_req_t req, fuse_ino_t ino, struct fuse_file_info **fi,
                       struct fuse_file_info *spare, char **path)
{
    if (*fi)
        return hl_path_fi(f, req, ino, path);
    int err = hl_path(f, req, ino, NULL, path);
    if (err == -ENOENT && f->conf.nullpath_ok && hl_node_fh(f, ino, &spare->fh)) {
        *fi = spare;
        return 0;
    }
    return err;
}

static void hl_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    struct fuse *f = hl_enter(req);
    struct fuse_file_info spare = {0};
    struct stat st;
    char *path;
    memset(&st, 0, sizeof(st));
    int err = attr_target(f, req, ino, &fi, &spare, &path);
    if (!err)
        err = fuse_fs_getattr(f->fs, path, &st, fi);
    hl_path_put(req, path);
    reply_attr(f, req, ino, &st, err);
    hl_leave();
}

/* setattr's time: a value, now, or left alone. */
static struct timespec set_time(int to_set, int bit, int now_bit, struct timespec t)
{
    if (to_set & now_bit)
        t.tv_nsec = UTIME_NOW;
    else if (!(to_set & bit))
        t.tv_nsec = UTIME_OMIT;
    return t;
}

/* The setuid/setgid event of a SETATTR, if it is one (HANDLE_KILLPRIV_V2):
 * a chown (flagged for files, not directories), an unprivileged truncation
 * (flagged), or chown(f, -1, -1), which the kernel sends as a SETATTR that
 * sets nothing. An explicit mode wins over all of them. */
static bool killpriv_event(struct fuse *f, fuse_req_t req, int valid, enum fsp_killpriv_event *ev)
{
    const int sets = FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID |
                     FUSE_SET_ATTR_SIZE | FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME |
                     FUSE_SET_ATTR_ATIME_NOW | FUSE_SET_ATTR_MTIME_NOW;
    if (!hl_killpriv_on(f) || (valid & FUSE_SET_ATTR_MODE))
        return false;
    if (valid & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)) {
        *ev = FSP_KILLPRIV_CHOWN;
        return req->kill_suidgid;
    }
    if (valid & FUSE_SET_ATTR_SIZE) {
        *ev = FSP_KILLPRIV_TRUNCATE;
        return req->kill_suidgid;
    }
    *ev = FSP_KILLPRIV_CHOWN;
    return !(valid & sets);
}

static void hl_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int valid,
                       struct fuse_file_info *fi)
{
    struct fuse *f = hl_enter(req);
    struct fuse_file_info spare = {0};
    enum fsp_killpriv_event ev = FSP_KILLPRIV_CHOWN;
    char *path;
    int err = attr_target(f, req, ino, &fi, &spare, &path);
    hl_killpriv_forget(f, ino); /* a new mode or owner: writes look again */
    /* With HANDLE_KILLPRIV_V2 the kernel leaves setuid/setgid to us: the old
     * mode decides what a chown or an unprivileged truncation drops. */
    struct stat old;
    mode_t kept = 0;
    bool kill =
        !err && killpriv_event(f, req, valid, &ev) && fuse_fs_getattr(f->fs, path, &old, fi) == 0;
    if (kill)
        kept = hl_killpriv_mode(req, ev, &old);
    /* In libfuse's order: mode, owner, size, times; then the result. */
    if (!err && (valid & FUSE_SET_ATTR_MODE))
        err = fuse_fs_chmod(f->fs, path, attr->st_mode, fi);
    if (!err && (valid & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID))) {
        uid_t uid = (valid & FUSE_SET_ATTR_UID) ? attr->st_uid : (uid_t)-1;
        gid_t gid = (valid & FUSE_SET_ATTR_GID) ? attr->st_gid : (gid_t)-1;
        err = fuse_fs_chown(f->fs, path, uid, gid, fi);
    }
    if (!err && (valid & FUSE_SET_ATTR_SIZE))
        err = fuse_fs_truncate(f->fs, path, attr->st_size, fi);
    if (!err && kill)
        err = hl_killpriv_apply(f, path, fi, &old, kept);
    if (!err && (valid & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_ATIME_NOW |
                          FUSE_SET_ATTR_MTIME_NOW))) {
        struct timespec tv[2] = {
            set_time(valid, FUSE_SET_ATTR_ATIME, FUSE_SET_ATTR_ATIME_NOW, attr->st_atim),
            set_time(valid, FUSE_SET_ATTR_MTIME, FUSE_SET_ATTR_MTIME_NOW, attr->st_mtim),
        };
        err = fuse_fs_utimens(f->fs, path, tv, fi);
    }
    struct stat st;
    memset(&st, 0, sizeof(st));
    if (!err)
        err = fuse_fs_getattr(f->fs, path, &st, fi);
    hl_path_put(req, path);
    reply_attr(f, req, ino, &st, err);
    hl_leave();
}

static void hl_readlink(fuse_req_t req, fuse_ino_t ino)
{
    struct fuse *f = hl_enter(req);
    char buf[PATH_MAX + 1];
    char *path;
    int err = hl_path(f, req, ino, NULL, &path);
    if (!err)
        err = fuse_fs_readlink(f->fs, path, buf, sizeof(buf));
    hl_path_put(req, path);
    if (err) {
        reply_err(req, err);
    } else {
        buf[PATH_MAX] = '\0';
        fuse_reply_readlink(req, buf);
    }
    hl_leave();
}

/* --- Names ------------------------------------------------------------------- */

static void hl_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev)
{
    struct fuse *f = hl_enter(req);
    struct fuse_entry_param e;
    char *path;
    int err = hl_path(f, req, parent, name, &path);
    mode &= ~f->create_file_umask;
    if (!err && S_ISREG(mode) && !f->fs->op.mknod && f->fs->op.create) {
        /* A regular file from a file system that only creates. */
        struct fuse_file_info fi = {.flags = O_CREAT | O_EXCL | O_WRONLY};
        err = fuse_fs_create(f->fs, path, mode, &fi);
        if (!err) {
            err = lookup_path(f, parent, name, path, &e, &fi);
            fuse_fs_release(f->fs, path, &fi);
        }
    } else if (!err) {
        err = fuse_fs_mknod(f->fs, path, mode, rdev);
        if (!err)
            err = lookup_path(f, parent, name, path, &e, NULL);
    }
    hl_path_put(req, path);
    reply_entry(f, req, &e, err);
    hl_leave();
}

static void hl_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
    struct fuse *f = hl_enter(req);
    char *path;
    int err = hl_path(f, req, parent, name, &path);
    if (!err)
        err = fuse_fs_mkdir(f->fs, path, mode & ~f->create_dir_umask);
    reply_made(f, req, parent, name, path, err);
    hl_path_put(req, path);
    hl_leave();
}

static void hl_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name)
{
    struct fuse *f = hl_enter(req);
    char *path;
    int err = hl_path(f, req, parent, name, &path);
    if (!err)
        err = fuse_fs_symlink(f->fs, link, path);
    reply_made(f, req, parent, name, path, err);
    hl_path_put(req, path);
    hl_leave();
}

static void hl_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname)
{
    struct fuse *f = hl_enter(req);
    char *from = NULL, *to = NULL;
    int err = hl_path(f, req, ino, NULL, &from);
    if (!err)
        err = hl_path(f, req, newparent, newname, &to);
    if (!err)
        err = fuse_fs_link(f->fs, from, to);
    reply_made(f, req, newparent, newname, to, err);
    hl_path_put(req, from);
    hl_path_put(req, to);
    hl_leave();
}

static void hl_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    struct fuse *f = hl_enter(req);
    char *path;
    int err = hl_path(f, req, parent, name, &path);
    if (!err) {
        /* An open file keeps its data under a hidden name until its last
         * release, unless hard_remove (then operations on it get NULL). */
        if (!f->conf.hard_remove && hl_is_open(f, parent, name)) {
            err = hl_hide(f, req, parent, name);
        } else {
            err = fuse_fs_unlink(f->fs, path);
            if (!err)
                hl_unlinked(f, parent, name);
        }
    }
    hl_path_put(req, path);
    reply_err(req, err);
    hl_leave();
}

static void hl_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    struct fuse *f = hl_enter(req);
    char *path;
    int err = hl_path(f, req, parent, name, &path);
    if (!err)
        err = fuse_fs_rmdir(f->fs, path);
    if (!err)
        hl_unlinked(f, parent, name);
    hl_path_put(req, path);
    reply_err(req, err);
    hl_leave();
}

static void hl_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
                      const char *newname, unsigned int flags)
{
    struct fuse *f = hl_enter(req);
    char *from = NULL, *to = NULL;
    int err = hl_path(f, req, parent, name, &from);
    if (!err)
        err = hl_path(f, req, newparent, newname, &to);
    /* An open target that the rename replaces is hidden first, like unlink. */
    if (!err && !f->conf.hard_remove && !(flags & (RENAME_EXCHANGE | RENAME_NOREPLACE)) &&
        hl_is_open(f, newparent, newname))
        err = hl_hide(f, req, newparent, newname);
    if (!err)
        err = fuse_fs_rename(f->fs, from, to, flags);
    if (!err)
        hl_renamed(f, parent, name, newparent, newname, flags);
    hl_path_put(req, from);
    hl_path_put(req, to);
    reply_err(req, err);
    hl_leave();
}

/* --- Files --------------------------------------------------------------------- */

/* What the configuration adds to an open file's flags. */
static void open_flags(struct fuse *f, fuse_ino_t ino, const char *path, struct fuse_file_info *fi)
{
    if (f->conf.direct_io)
        fi->direct_io = 1;
    if (f->conf.kernel_cache)
        fi->keep_cache = 1;
    if (f->conf.no_rofd_flush && (fi->flags & O_ACCMODE) == O_RDONLY)
        fi->noflush = 1;
    if (f->conf.auto_cache && !fi->keep_cache) {
        /* Keep the page cache only if the file did not change meanwhile. */
        struct stat st;
        memset(&st, 0, sizeof(st));
        if (fuse_fs_getattr(f->fs, path, &st, fi) == 0 && hl_cache_unchanged(f, ino, &st))
            fi->keep_cache = 1;
    }
}

static void hl_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    struct fuse *f = hl_enter(req);
    char *path;
    int err = hl_path(f, req, ino, NULL, &path);
    if (!err)
        err = fuse_fs_open(f->fs, path, fi);
    /* O_TRUNC by an unprivileged caller (HANDLE_KILLPRIV_V2). */
    if (!err && req->kill_suidgid && (fi->flags & O_TRUNC)) {
        err = hl_kill_suidgid(f, req, path, fi, FSP_KILLPRIV_OPEN_TRUNC);
        if (err)
            fuse_fs_release(f->fs, path, fi);
    }
    if (err) {
        reply_err(req, err);
    } else {
        open_flags(f, ino, path, fi);
        hl_opened(f, ino, fi->fh);
        if (fuse_reply_open(req, fi) != 0) {
            /* The opener is gone (interrupted): nobody will release it. */
            fuse_fs_release(f->fs, path, fi);
            hl_released(f, ino, fi->fh);
        }
    }
    hl_path_put(req, path);
    hl_leave();
}

static void hl_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
                      struct fuse_file_info *fi)
{
    struct fuse *f = hl_enter(req);
    struct fuse_entry_param e;
    char *path;
    int err = hl_path(f, req, parent, name, &path);
    /* A non-exclusive O_TRUNC create may truncate a file that exists: that
     * one loses its bits as after an O_TRUNC open (HANDLE_KILLPRIV_V2); a
     * new file keeps the mode it was made with. */
    struct stat st;
    bool existed = !err && req->kill_suidgid && (fi->flags & O_TRUNC) &&
                   fuse_fs_getattr(f->fs, path, &st, NULL) == 0;
    if (!err)
        err = fuse_fs_create(f->fs, path, mode & ~f->create_file_umask, fi);
    if (!err && existed) {
        err = hl_kill_suidgid(f, req, path, fi, FSP_KILLPRIV_OPEN_TRUNC);
        if (err)
            fuse_fs_release(f->fs, path, fi);
    }
    if (!err) {
        err = lookup_path(f, parent, name, path, &e, fi);
        if (err) {
            fuse_fs_release(f->fs, path, fi);
        } else {
            open_flags(f, e.ino, path, fi);
            hl_opened(f, e.ino, fi->fh);
            if (fuse_reply_create(req, &e, fi) != 0) {
                fuse_fs_release(f->fs, path, fi);
                hl_released(f, e.ino, fi->fh);
                hl_forget(f, e.ino, 1);
            }
        }
    }
    if (err)
        reply_err(req, err);
    hl_path_put(req, path);
    hl_leave();
}

static void hl_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                    struct fuse_file_info *fi)
{
    struct fuse *f = hl_enter(req);
    char *path;
    int err = hl_path_fi(f, req, ino, &path);
    if (!err && f->fs->op.read_buf) {
        struct fuse_bufvec *bv = NULL;
        err = fuse_fs_read_buf(f->fs, path, &bv, size, off, fi);
        if (!err) {
            fuse_reply_data(req, bv, FUSE_BUF_SPLICE_MOVE);
            hl_free_bufvec(bv);
        }
    } else if (!err) {
        /* The data goes to the scratch space the reply is built from. */
        char *mem, *buf = hl_buf(req, size, &mem);
        int res = buf ? fuse_fs_read(f->fs, path, buf, size, off, fi) : -ENOMEM;
        if (res >= 0)
            fuse_reply_buf(req, buf, (size_t)res < size ? (size_t)res : size);
        else
            err = res;
        free(mem);
    }
    if (err)
        reply_err(req, err);
    hl_path_put(req, path);
    hl_leave();
}

static void hl_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
                     struct fuse_file_info *fi)
{
    struct fuse *f = hl_enter(req);
    char *path;
    int res = hl_path_fi(f, req, ino, &path);
    /* An unprivileged writer (HANDLE_KILLPRIV_V2): setuid/setgid go first,
     * so nobody sees the new data under the old privileges. */
    if (!res && req->kill_suidgid)
        res = hl_kill_suidgid_write(f, req, ino, path, fi);
    if (!res)
        res = fuse_fs_write(f->fs, path, buf, size, off, fi);
    if (res < 0)
        reply_err(req, res);
    else
        fuse_reply_write(req, (size_t)res);
    hl_path_put(req, path);
    hl_leave();
}

static void hl_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    struct fuse *f = hl_enter(req);
    char *path;
    int err = hl_path_fi(f, req, ino, &path);
    if (!err) {
        err = fuse_fs_flush(f->fs, path, fi);
        /* close() drops the owner's POSIX locks. */
        if (f->fs->op.lock) {
            struct flock l = {.l_type = F_UNLCK, .l_whence = SEEK_SET};
            fuse_fs_lock(f->fs, path, fi, F_SETLK, &l);
            if (err == -ENOSYS)
                err = 0;
        }
    }
    hl_path_put(req, path);
    reply_err(req, err);
    hl_leave();
}

static void hl_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    struct fuse *f = hl_enter(req);
    char *path;
    hl_path_fi(f, req, ino, &path);
    if (fi->flock_release && f->fs->op.flock)
        fuse_fs_flock(f->fs, path, fi, LOCK_UN);
    fuse_fs_release(f->fs, path, fi);
    if (hl_released(f, ino, fi->fh)) {
        /* The last close of a hidden file removes it. */
        char *hidden;
        if (hl_path(f, req, ino, NULL, &hidden) == 0) {
            if (fuse_fs_unlink(f->fs, hidden) == 0)
                hl_unlinked_node(f, ino);
            hl_path_put(req, hidden);
        }
    }
    hl_path_put(req, path);
    reply_err(req, 0);
    hl_leave();
}

static void hl_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
    struct fuse *f = hl_enter(req);
    char *path;
    int err = hl_path_fi(f, req, ino, &path);
    if (!err)
        err = fuse_fs_fsync(f->fs, path, datasync, fi);
    hl_path_put(req, path);
    reply_err(req, err);
    hl_leave();
}

static void hl_statfs(fuse_req_t req, fuse_ino_t ino)
{
    struct fuse *f = hl_enter(req);
    struct statvfs st;
    char *path;
    memset(&st, 0, sizeof(st));
    int err = hl_path(f, req, ino, NULL, &path);
    if (!err)
        err = fuse_fs_statfs(f->fs, path, &st);
    hl_path_put(req, path);
    if (err)
        reply_err(req, err);
    else
        fuse_reply_statfs(req, &st);
    hl_leave();
}

/* --- Extended attributes -------------------------------------------------- */

static void hl_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value,
                        size_t size, int flags)
{
    struct fuse *f = hl_enter(req);
    char *path;
    int err = hl_path(f, req, ino, NULL, &path);
    if (!err)
        err = fuse_fs_setxattr(f->fs, path, name, value, size, flags);
    hl_path_put(req, path);
    reply_err(req, err);
    hl_leave();
}

/* getxattr and listxattr: size 0 asks for the length only. */
static void reply_xattr_data(fuse_req_t req, int res, const char *buf, size_t size)
{
    if (res < 0)
        reply_err(req, res);
    else if (size == 0)
        fuse_reply_xattr(req, (size_t)res);
    else
        fuse_reply_buf(req, buf, (size_t)res);
}

static void hl_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
    struct fuse *f = hl_enter(req);
    char *path, *mem;
    int res = hl_path(f, req, ino, NULL, &path);
    char *buf = hl_buf(req, size, &mem);
    if (!res)
        res = buf ? fuse_fs_getxattr(f->fs, path, name, size ? buf : NULL, size) : -ENOMEM;
    reply_xattr_data(req, res, buf, size);
    free(mem);
    hl_path_put(req, path);
    hl_leave();
}

static void hl_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
    struct fuse *f = hl_enter(req);
    char *path, *mem;
    int res = hl_path(f, req, ino, NULL, &path);
    char *buf = hl_buf(req, size, &mem);
    if (!res)
        res = buf ? fuse_fs_listxattr(f->fs, path, size ? buf : NULL, size) : -ENOMEM;
    reply_xattr_data(req, res, buf, size);
    free(mem);
    hl_path_put(req, path);
    hl_leave();
}

static void hl_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
    struct fuse *f = hl_enter(req);
    char *path;
    int err = hl_path(f, req, ino, NULL, &path);
    if (!err)
        err = fuse_fs_removexattr(f->fs, path, name);
    hl_path_put(req, path);
    reply_err(req, err);
    hl_leave();
}

static void hl_access(fuse_req_t req, fuse_ino_t ino, int mask)
{
    struct fuse *f = hl_enter(req);
    char *path;
    int err = hl_path(f, req, ino, NULL, &path);
    if (!err)
        err = fuse_fs_access(f->fs, path, mask);
    hl_path_put(req, path);
    reply_err(req, err);
    hl_leave();
}

/* --- Locks -------------------------------------------------------------------- */

static void hl_getlk(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, struct flock *lock)
{
    struct fuse *f = hl_enter(req);
    char *path;
    int err = hl_path_fi(f, req, ino, &path);
    if (!err)
        err = fuse_fs_lock(f->fs, path, fi, F_GETLK, lock);
    hl_path_put(req, path);
    if (err)
        reply_err(req, err);
    else
        fuse_reply_lock(req, lock);
    hl_leave();
}

static void hl_setlk(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, struct flock *lock,
                     int sleep)
{
    struct fuse *f = hl_enter(req);
    char *path;
    int err = hl_path_fi(f, req, ino, &path);
    if (!err)
        err = fuse_fs_lock(f->fs, path, fi, sleep ? F_SETLKW : F_SETLK, lock);
    hl_path_put(req, path);
    reply_err(req, err);
    hl_leave();
}

static void hl_flock(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, int op)
{
    struct fuse *f = hl_enter(req);
    char *path;
    int err = hl_path_fi(f, req, ino, &path);
    if (!err)
        err = fuse_fs_flock(f->fs, path, fi, op);
    hl_path_put(req, path);
    reply_err(req, err);
    hl_leave();
}

/* --- The rest ------------------------------------------------------------------- */

static void hl_bmap(fuse_req_t req, fuse_ino_t ino, size_t blocksize, uint64_t idx)
{
    struct fuse *f = hl_enter(req);
    char *path;
    int err = hl_path(f, req, ino, NULL, &path);
    if (!err)
        err = fuse_fs_bmap(f->fs, path, blocksize, &idx);
    hl_path_put(req, path);
    if (err)
        reply_err(req, err);
    else
        fuse_reply_bmap(req, idx);
    hl_leave();
}

static void hl_ioctl(fuse_req_t req, fuse_ino_t ino, unsigned int cmd, void *arg,
                     struct fuse_file_info *llfi, unsigned flags, const void *in_buf,
                     size_t in_bufsz, size_t out_bufsz)
{
    struct fuse *f = hl_enter(req);
    struct fuse_file_info fi = *llfi;
    if (flags & FUSE_IOCTL_DIR)
        fi.fh = hl_dir_fs_fh(fi.fh);
    size_t size = in_bufsz > out_bufsz ? in_bufsz : out_bufsz;
    char *path = NULL, *mem = NULL, *buf = NULL;
    int res = (flags & FUSE_IOCTL_COMPAT) ? -ENOSYS : hl_path_fi(f, req, ino, &path);
    if (!res && size) {
        buf = hl_buf(req, size, &mem);
        if (!buf)
            res = -ENOMEM;
        else if (in_bufsz)
            memcpy(buf, in_buf, in_bufsz);
    }
    if (!res)
        res = fuse_fs_ioctl(f->fs, path, cmd, arg, &fi, flags, buf);
    if (res < 0)
        reply_err(req, res);
    else
        fuse_reply_ioctl(req, res, buf, out_bufsz);
    free(mem);
    hl_path_put(req, path);
    hl_leave();
}

static void hl_poll(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
                    struct fuse_pollhandle *ph)
{
    struct fuse *f = hl_enter(req);
    unsigned revents = 0;
    char *path;
    int err = hl_path_fi(f, req, ino, &path);
    if (!err)
        err = fuse_fs_poll(f->fs, path, fi, ph, &revents);
    hl_path_put(req, path);
    if (err)
        reply_err(req, err);
    else
        fuse_reply_poll(req, revents);
    hl_leave();
}

static void hl_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t offset, off_t length,
                         struct fuse_file_info *fi)
{
    struct fuse *f = hl_enter(req);
    char *path;
    int err = hl_path_fi(f, req, ino, &path);
    if (!err)
        err = fuse_fs_fallocate(f->fs, path, mode, offset, length, fi);
    hl_path_put(req, path);
    reply_err(req, err);
    hl_leave();
}

static void hl_copy_file_range(fuse_req_t req, fuse_ino_t ino_in, off_t off_in,
                               struct fuse_file_info *fi_in, fuse_ino_t ino_out, off_t off_out,
                               struct fuse_file_info *fi_out, size_t len, int flags)
{
    struct fuse *f = hl_enter(req);
    char *in = NULL, *out = NULL;
    ssize_t res = hl_path_fi(f, req, ino_in, &in);
    if (!res)
        res = hl_path_fi(f, req, ino_out, &out);
    if (!res)
        res = fuse_fs_copy_file_range(f->fs, in, fi_in, off_in, out, fi_out, off_out, len, flags);
    if (res < 0)
        reply_err(req, (int)res);
    else
        fuse_reply_write(req, (size_t)res);
    hl_path_put(req, in);
    hl_path_put(req, out);
    hl_leave();
}

static void hl_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence,
                     struct fuse_file_info *fi)
{
    struct fuse *f = hl_enter(req);
    char *path;
    off_t res = hl_path_fi(f, req, ino, &path);
    if (!res)
        res = fuse_fs_lseek(f->fs, path, off, whence, fi);
    if (res < 0)
        reply_err(req, (int)res);
    else
        fuse_reply_lseek(req, res);
    hl_path_put(req, path);
    hl_leave();
}

void hl_fill_llops(struct fuse *f)
{
    struct fuse_lowlevel_ops *o = &f->llop;
    const struct fuse_operations *fs = &f->fs->op;
    o->init = hl_init;
    o->destroy = hl_destroy;
    o->lookup = hl_lookup;
    o->forget = hl_forget_one;
    o->forget_multi = hl_forget_multi;
    o->getattr = hl_getattr;
    o->setattr = hl_setattr;
    o->readlink = hl_readlink;
    o->mknod = hl_mknod;
    o->mkdir = hl_mkdir;
    o->unlink = hl_unlink;
    o->rmdir = hl_rmdir;
    o->symlink = hl_symlink;
    o->rename = hl_rename;
    o->link = hl_link;
    o->open = hl_open;
    o->read = hl_read;
    o->write = hl_write;
    o->flush = hl_flush;
    o->release = hl_release;
    o->fsync = hl_fsync;
    o->statfs = hl_statfs;
    o->setxattr = hl_setxattr;
    o->getxattr = hl_getxattr;
    o->listxattr = hl_listxattr;
    o->removexattr = hl_removexattr;
    o->access = hl_access;
    o->create = hl_create;
    /* Lock operations only when the file system has them: otherwise the
     * kernel keeps locks itself (the session asks for them by presence). */
    if (fs->lock) {
        o->getlk = hl_getlk;
        o->setlk = hl_setlk;
    }
    if (fs->flock)
        o->flock = hl_flock;
    o->bmap = hl_bmap;
    o->ioctl = hl_ioctl;
    o->poll = hl_poll;
    o->fallocate = hl_fallocate;
    o->copy_file_range = hl_copy_file_range;
    o->lseek = hl_lseek;
    hl_fill_dir_llops(f);
}
