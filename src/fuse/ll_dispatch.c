/*
 * ll_dispatch.c - one session handler per FUSE opcode: decode the wire
 * arguments into libfuse's, call the file system's operation, or give
 * libfuse's default answer when the file system lacks it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>

#include "fuse/fuse_i.h"

/* The operations that allow_root lets through for every user: they work on
 * files opened already (libfuse's list). */
static bool allowed_for_others(uint32_t opcode)
{
    switch (opcode) {
    case FUSE_READ:
    case FUSE_WRITE:
    case FUSE_FSYNC:
    case FUSE_RELEASE:
    case FUSE_READDIR:
    case FUSE_FSYNCDIR:
    case FUSE_RELEASEDIR:
    case FUSE_NOTIFY_REPLY:
    case FUSE_READDIRPLUS:
        return true;
    }
    return false;
}

/* Set up the fuse_req at the start of the request's scratch. NULL when the
 * request was refused already. */
static struct fuse_req *begin(struct fsp_req *freq)
{
    struct fuse_session *se = fsp_session_userdata(fsp_req_session(freq));
    const struct fuse_in_header *h = fsp_req_header(freq);
    if (se->allow_root && h->uid != se->owner && h->uid != 0 && !allowed_for_others(h->opcode)) {
        fsp_reply_err(freq, EACCES);
        return NULL;
    }
    return fsp_fuse_req_begin(se, freq);
}

#define BEGIN()                                            \
    struct fuse_req *req = begin(freq);                    \
    if (!req)                                              \
        return;                                            \
    struct fuse_session *se = req->se;                     \
    const struct fuse_in_header *h = fsp_req_header(freq); \
    (void)se;                                              \
    (void)h

#define END() fsp_fuse_req_finish(req)

/* Operations the file system lacks answer ENOSYS, as libfuse does. */
#define CALL_OR_ENOSYS(member, ...)      \
    do {                                 \
        if (se->op.member)               \
            se->op.member(__VA_ARGS__);  \
        else                             \
            fuse_reply_err(req, ENOSYS); \
    } while (0)

static void do_lookup(struct fsp_req *freq, const void *arg, uint32_t arglen)
{
    BEGIN();
    CALL_OR_ENOSYS(lookup, req, h->nodeid, arg);
    END();
}

static void do_forget(struct fsp_req *freq, const void *arg, uint32_t arglen)
{
    BEGIN();
    const struct fuse_forget_in *in = arg;
    if (se->op.forget)
        se->op.forget(req, h->nodeid, in->nlookup);
    else
        fuse_reply_none(req);
    END();
}

static void do_batch_forget(struct fsp_req *freq, const void *arg, uint32_t arglen)
{
    BEGIN();
    const struct fuse_batch_forget_in *in = arg;
    /* The wire record and fuse_forget_data have the same layout. */
    struct fuse_forget_data *items = (void *)((char *)(uintptr_t)arg + sizeof(*in));
    if (se->op.forget_multi) {
        se->op.forget_multi(req, in->count, items);
    } else if (se->op.forget) {
        /* One forget per node, each on a stand-in request that takes the
         * reply_none; then release the real one. */
        for (uint32_t i = 0; i < in->count; i++) {
            struct fuse_req one = *req;
            one.fsp = NULL;
            se->op.forget(&one, items[i].ino, items[i].nlookup);
        }
        fuse_reply_none(req);
    } else {
        fuse_reply_none(req);
    }
    END();
}

static void do_getattr(struct fsp_req *freq, const void *arg, uint32_t arglen)
{
    BEGIN();
    const struct fuse_getattr_in *in = arg;
    struct fuse_file_info fi, *fip = NULL;
    if (in->getattr_flags & FUSE_GETATTR_FH) {
        memset(&fi, 0, sizeof(fi));
        fi.fh = in->fh;
        fip = &fi;
    }
    CALL_OR_ENOSYS(getattr, req, h->nodeid, fip);
    END();
}

static void do_setattr(struct fsp_req *freq, const void *arg, uint32_t arglen)
{
    BEGIN();
    const struct fuse_setattr_in *in = arg;
    req->kill_suidgid = (in->valid & FATTR_KILL_SUIDGID) != 0;
    if (!se->op.setattr) {
        fuse_reply_err(req, ENOSYS);
        END();
        return;
    }
    struct stat st;
    memset(&st, 0, sizeof(st));
    st.st_mode = in->mode;
    st.st_uid = in->uid;
    st.st_gid = in->gid;
    st.st_size = (off_t)in->size;
    st.st_atim.tv_sec = (time_t)in->atime;
    st.st_atim.tv_nsec = in->atimensec;
    st.st_mtim.tv_sec = (time_t)in->mtime;
    st.st_mtim.tv_nsec = in->mtimensec;
    st.st_ctim.tv_sec = (time_t)in->ctime;
    st.st_ctim.tv_nsec = in->ctimensec;
    struct fuse_file_info fi, *fip = NULL;
    if (in->valid & FATTR_FH) {
        memset(&fi, 0, sizeof(fi));
        fi.fh = in->fh;
        fip = &fi;
    }
    int to_set = (int)(in->valid &
                       (FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID |
                        FUSE_SET_ATTR_SIZE | FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME |
                        FUSE_SET_ATTR_KILL_SUID | FUSE_SET_ATTR_KILL_SGID |
                        FUSE_SET_ATTR_ATIME_NOW | FUSE_SET_ATTR_MTIME_NOW | FUSE_SET_ATTR_CTIME));
    se->op.setattr(req, h->nodeid, &st, to_set, fip);
    END();
}

static void do_readlink(struct fsp_req *freq, const void *arg, uint32_t arglen)
{
    BEGIN();
    CALL_OR_ENOSYS(readlink, req, h->nodeid);
    END();
}

static void do_mknod(struct fsp_req *freq, const void *arg, uint32_t arglen)
{
    BEGIN();
    const struct fuse_mknod_in *in = arg;
    req->ctx.umask = in->umask;
    CALL_OR_ENOSYS(mknod, req, h->nodeid, (const char *)(in + 1), in->mode, in->rdev);
    END();
}

static void do_mkdir(struct fsp_req *freq, const void *arg, uint32_t arglen)
{
    BEGIN();
    const struct fuse_mkdir_in *in = arg;
    req->ctx.umask = in->umask;
    CALL_OR_ENOSYS(mkdir, req, h->nodeid, (const char *)(in + 1), in->mode);
    END();
}

static void do_unlink(struct fsp_req *freq, const void *arg, uint32_t arglen)
{
    BEGIN();
    CALL_OR_ENOSYS(unlink, req, h->nodeid, arg);
    END();
}

static void do_rmdir(struct fsp_req *freq, const void *arg, uint32_t arglen)
{
    BEGIN();
    CALL_OR_ENOSYS(rmdir, req, h->nodeid, arg);
    END();
}

/* Two NUL-terminated names back to back; the session checked the last NUL. */
static const char *second_name(const char *first, const char *end)
{
    const char *nul = memchr(first, '\0', (size_t)(end - first));
    return nul && nul + 1 < end ? nul + 1 : NULL;
}

static void do_symlink(struct fsp_req *freq, const void *arg, uint32_t arglen)
{
    BEGIN();
    const char *name = arg, *target = second_name(name, name + arglen);
    if (!target)
        fuse_reply_err(req, EINVAL);
    else
        CALL_OR_ENOSYS(symlink, req, target, h->nodeid, name);
    END();
}

static void rename_common(struct fuse_req *req, uint64_t parent, uint64_t newdir, const char *names,
                          const char *end, unsigned flags)
{
    struct fuse_session *se = req->se;
    const char *newname = second_name(names, end);
    if (!newname)
        fuse_reply_err(req, EINVAL);
    else
        CALL_OR_ENOSYS(rename, req, parent, names, newdir, newname, flags);
}

static void do_rename(struct fsp_req *freq, const void *arg, uint32_t arglen)
{
    BEGIN();
    const struct fuse_rename_in *in = arg;
    rename_common(req, h->nodeid, in->newdir, (const char *)(in + 1), (const char *)arg + arglen,
                  0);
    END();
}

static void do_rename2(struct fsp_req *freq, const void *arg, uint32_t arglen)
{
    BEGIN();
    const struct fuse_rename2_in *in = arg;
    rename_common(req, h->nodeid, in->newdir, (const char *)(in + 1), (const char *)arg + arglen,
                  in->flags);
    END();
}

static void do_link(struct fsp_req *freq, const void *arg, uint32_t arglen)
{
    BEGIN();
    const struct fuse_link_in *in = arg;
    CALL_OR_ENOSYS(link, req, in->oldnodeid, h->nodeid, (const char *)(in + 1));
    END();
}

static void do_create(struct fsp_req *freq, const void *arg, uint32_t arglen)
{
    BEGIN();
    const struct fuse_create_in *in = arg;
    struct fuse_file_info fi;
    memset(&fi, 0, sizeof(fi));
    fi.flags = (int)in->flags;
    req->kill_suidgid = (in->open_flags & FUSE_OPEN_KILL_SUIDGID) != 0;
    req->ctx.umask = in->umask;
    CALL_OR_ENOSYS(create, req, h->nodeid, (const char *)(in + 1), in->mode, &fi);
    END();
}

static void do_open(struct fsp_req *freq, const void *arg, uint32_t arglen)
{
    BEGIN();
    const struct fuse_open_in *in = arg;
    struct fuse_file_info fi;
    memset(&fi, 0, sizeof(fi));
    fi.flags = (int)in->flags;
    req->kill_suidgid = (in->open_flags & FUSE_OPEN_KILL_SUIDGID) != 0;
    if (se->op.open)
        se->op.open(req, h->nodeid, &fi);
    else if (se->conn.want & FUSE_CAP_NO_OPEN_SUPPORT)
        fuse_reply_err(req, ENOSYS);
    else
        fuse_reply_open(req, &fi);
    END();
}

static void do_read(struct fsp_req *freq, const void *arg, uint32_t arglen)
{
    BEGIN();
    const struct fuse_read_in *in = arg;
    struct fuse_file_info fi;
    memset(&fi, 0, sizeof(fi));
    fi.fh = in->fh;
    fi.lock_owner = in->lock_owner;
    fi.flags = (int)in->flags;
    CALL_OR_ENOSYS(read, req, h->nodeid, in->size, (off_t)in->offset, &fi);
    END();
}

static void do_write(struct fsp_req *freq, const void *arg, uint32_t arglen)
{
    BEGIN();
    const struct fuse_write_in *in = arg;
    struct fuse_file_info fi;
    memset(&fi, 0, sizeof(fi));
    fi.fh = in->fh;
    fi.writepage = (in->write_flags & FUSE_WRITE_CACHE) != 0;
    /* Direct I/O writes carry the flag even without HANDLE_KILLPRIV_V2,
     * when the kernel clears the bits itself: only a layer that took the
     * job on may act on it (else a getattr per unprivileged write). */
    req->kill_suidgid = se->handle_killpriv_v2 && (in->write_flags & FUSE_WRITE_KILL_SUIDGID) != 0;
    fi.lock_owner = in->lock_owner;
    fi.flags = (int)in->flags;
    const char *data = (const char *)(in + 1);
    if (se->op.write_buf) {
        struct fuse_bufvec bv = FUSE_BUFVEC_INIT(in->size);
        bv.buf[0].mem = (void *)(uintptr_t)data;
        se->op.write_buf(req, h->nodeid, &bv, (off_t)in->offset, &fi);
    } else {
        CALL_OR_ENOSYS(write, req, h->nodeid, data, in->size, (off_t)in->offset, &fi);
    }
    END();
}

static void do_flush(struct fsp_req *freq, const void *arg, uint32_t arglen)
{
    BEGIN();
    const struct fuse_flush_in *in = arg;
    struct fuse_file_info fi;
    memset(&fi, 0, sizeof(fi));
    fi.fh = in->fh;
    fi.flush = 1;
    fi.lock_owner = in->lock_owner;
    CALL_OR_ENOSYS(flush, req, h->nodeid, &fi);
    END();
}

static void release_info(struct fuse_file_info *fi, const struct fuse_release_in *in)
{
    memset(fi, 0, sizeof(*fi));
    fi->flags = (int)in->flags;
    fi->fh = in->fh;
    fi->flush = (in->release_flags & FUSE_RELEASE_FLUSH) != 0;
    fi->lock_owner = in->lock_owner;
    fi->flock_release = (in->release_flags & FUSE_RELEASE_FLOCK_UNLOCK) != 0;
}

static void do_release(struct fsp_req *freq, const void *arg, uint32_t arglen)
{
    BEGIN();
    struct fuse_file_info fi;
    release_info(&fi, arg);
    if (se->op.release)
        se->op.release(req, h->nodeid, &fi);
    else
        fuse_reply_err(req, 0);
    END();
}

static void do_fsync(struct fsp_req *freq, const void *arg, uint32_t arglen)
{
    BEGIN();
    const struct fuse_fsync_in *in = arg;
    struct fuse_file_info fi;
    memset(&fi, 0, sizeof(fi));
    fi.fh = in->fh;
    CALL_OR_ENOSYS(fsync, req, h->nodeid, (int)(in->fsync_flags & FUSE_FSYNC_FDATASYNC), &fi);
    END();
}

static void do_opendir(struct fsp_req *freq, const void *arg, uint32_t arglen)
{
    BEGIN();
    const struct fuse_open_in *in = arg;
    struct fuse_file_info fi;
    memset(&fi, 0, sizeof(fi));
    fi.flags = (int)in->flags;
    if (se->op.opendir)
        se->op.opendir(req, h->nodeid, &fi);
    else if (se->conn.want & FUSE_CAP_NO_OPENDIR_SUPPORT)
        fuse_reply_err(req, ENOSYS);
    else
        fuse_reply_open(req, &fi);
    END();
}

static void do_readdir(struct fsp_req *freq, const void *arg, uint32_t arglen)
{
    BEGIN();
    const struct fuse_read_in *in = arg;
    struct fuse_file_info fi;
    memset(&fi, 0, sizeof(fi));
    fi.fh = in->fh;
    if (h->opcode == FUSE_READDIRPLUS)
        CALL_OR_ENOSYS(readdirplus, req, h->nodeid, in->size, (off_t)in->offset, &fi);
    else
        CALL_OR_ENOSYS(readdir, req, h->nodeid, in->size, (off_t)in->offset, &fi);
    END();
}

static void do_releasedir(struct fsp_req *freq, const void *arg, uint32_t arglen)
{
    BEGIN();
    struct fuse_file_info fi;
    release_info(&fi, arg);
    fi.flush = 0;
    fi.flock_release = 0;
    if (se->op.releasedir)
        se->op.releasedir(req, h->nodeid, &fi);
    else
        fuse_reply_err(req, 0);
    END();
}

static void do_fsyncdir(struct fsp_req *freq, const void *arg, uint32_t arglen)
{
    BEGIN();
    const struct fuse_fsync_in *in = arg;
    struct fuse_file_info fi;
    memset(&fi, 0, sizeof(fi));
    fi.fh = in->fh;
    CALL_OR_ENOSYS(fsyncdir, req, h->nodeid, (int)(in->fsync_flags & FUSE_FSYNC_FDATASYNC), &fi);
    END();
}

static void do_statfs(struct fsp_req *freq, const void *arg, uint32_t arglen)
{
    BEGIN();
    if (se->op.statfs) {
        se->op.statfs(req, h->nodeid);
    } else {
        struct statvfs st = {.f_namemax = 255, .f_bsize = 512};
        fuse_reply_statfs(req, &st);
    }
    END();
}

static void do_setxattr(struct fsp_req *freq, const void *arg, uint32_t arglen)
{
    BEGIN();
    const struct fuse_setxattr_in *in = arg;
    /* Without FUSE_SETXATTR_EXT (never asked for) the header is size+flags. */
    const char *name = (const char *)arg + 8;
    const char *value = name + strlen(name) + 1;
    CALL_OR_ENOSYS(setxattr, req, h->nodeid, name, value, in->size, (int)in->flags);
    END();
}

static void do_getxattr(struct fsp_req *freq, const void *arg, uint32_t arglen)
{
    BEGIN();
    const struct fuse_getxattr_in *in = arg;
    CALL_OR_ENOSYS(getxattr, req, h->nodeid, (const char *)(in + 1), in->size);
    END();
}

static void do_listxattr(struct fsp_req *freq, const void *arg, uint32_t arglen)
{
    BEGIN();
    const struct fuse_getxattr_in *in = arg;
    CALL_OR_ENOSYS(listxattr, req, h->nodeid, in->size);
    END();
}

static void do_removexattr(struct fsp_req *freq, const void *arg, uint32_t arglen)
{
    BEGIN();
    CALL_OR_ENOSYS(removexattr, req, h->nodeid, arg);
    END();
}

static void to_flock(const struct fuse_file_lock *lk, struct flock *fl)
{
    memset(fl, 0, sizeof(*fl));
    fl->l_type = (short)lk->type;
    fl->l_whence = SEEK_SET;
    fl->l_start = (off_t)lk->start;
    fl->l_len = lk->end == 0x7fffffffffffffffULL ? 0 : (off_t)(lk->end - lk->start + 1);
    fl->l_pid = (pid_t)lk->pid;
}

static void do_getlk(struct fsp_req *freq, const void *arg, uint32_t arglen)
{
    BEGIN();
    const struct fuse_lk_in *in = arg;
    struct fuse_file_info fi;
    memset(&fi, 0, sizeof(fi));
    fi.fh = in->fh;
    fi.lock_owner = in->owner;
    struct flock fl;
    to_flock(&in->lk, &fl);
    CALL_OR_ENOSYS(getlk, req, h->nodeid, &fi, &fl);
    END();
}

static void do_setlk(struct fsp_req *freq, const void *arg, uint32_t arglen)
{
    BEGIN();
    const struct fuse_lk_in *in = arg;
    int sleep = h->opcode == FUSE_SETLKW;
    struct fuse_file_info fi;
    memset(&fi, 0, sizeof(fi));
    fi.fh = in->fh;
    fi.lock_owner = in->owner;
    if (in->lk_flags & FUSE_LK_FLOCK) {
        int op = 0;
        switch (in->lk.type) {
        case F_RDLCK:
            op = LOCK_SH;
            break;
        case F_WRLCK:
            op = LOCK_EX;
            break;
        case F_UNLCK:
            op = LOCK_UN;
            break;
        }
        if (!sleep)
            op |= LOCK_NB;
        CALL_OR_ENOSYS(flock, req, h->nodeid, &fi, op);
    } else {
        struct flock fl;
        to_flock(&in->lk, &fl);
        CALL_OR_ENOSYS(setlk, req, h->nodeid, &fi, &fl, sleep);
    }
    END();
}

static void do_access(struct fsp_req *freq, const void *arg, uint32_t arglen)
{
    BEGIN();
    const struct fuse_access_in *in = arg;
    CALL_OR_ENOSYS(access, req, h->nodeid, (int)in->mask);
    END();
}

static void do_bmap(struct fsp_req *freq, const void *arg, uint32_t arglen)
{
    BEGIN();
    const struct fuse_bmap_in *in = arg;
    CALL_OR_ENOSYS(bmap, req, h->nodeid, in->blocksize, in->block);
    END();
}

static void do_ioctl(struct fsp_req *freq, const void *arg, uint32_t arglen)
{
    BEGIN();
    const struct fuse_ioctl_in *in = arg;
    if ((in->flags & FUSE_IOCTL_DIR) && !(se->conn.want & FUSE_CAP_IOCTL_DIR)) {
        fuse_reply_err(req, ENOTTY);
    } else if (in->in_size > arglen - sizeof(*in)) {
        fuse_reply_err(req, EINVAL);
    } else {
        struct fuse_file_info fi;
        memset(&fi, 0, sizeof(fi));
        fi.fh = in->fh;
        const void *in_buf = in->in_size ? (const void *)(in + 1) : NULL;
        CALL_OR_ENOSYS(ioctl, req, h->nodeid, in->cmd, (void *)(uintptr_t)in->arg, &fi, in->flags,
                       in_buf, in->in_size, in->out_size);
    }
    END();
}

static void do_poll(struct fsp_req *freq, const void *arg, uint32_t arglen)
{
    BEGIN();
    const struct fuse_poll_in *in = arg;
    if (!se->op.poll) {
        fuse_reply_err(req, ENOSYS);
        END();
        return;
    }
    struct fuse_file_info fi;
    memset(&fi, 0, sizeof(fi));
    fi.fh = in->fh;
    fi.poll_events = in->events;
    struct fuse_pollhandle *ph = NULL;
    if (in->flags & FUSE_POLL_SCHEDULE_NOTIFY) {
        /* The file system owns the handle (fuse_pollhandle_destroy). */
        ph = malloc(sizeof(*ph));
        if (!ph) {
            fuse_reply_err(req, ENOMEM);
            END();
            return;
        }
        ph->kh = in->kh;
        ph->se = se;
    }
    se->op.poll(req, h->nodeid, &fi, ph);
    END();
}

static void do_fallocate(struct fsp_req *freq, const void *arg, uint32_t arglen)
{
    BEGIN();
    const struct fuse_fallocate_in *in = arg;
    struct fuse_file_info fi;
    memset(&fi, 0, sizeof(fi));
    fi.fh = in->fh;
    CALL_OR_ENOSYS(fallocate, req, h->nodeid, (int)in->mode, (off_t)in->offset, (off_t)in->length,
                   &fi);
    END();
}

static void do_lseek(struct fsp_req *freq, const void *arg, uint32_t arglen)
{
    BEGIN();
    const struct fuse_lseek_in *in = arg;
    struct fuse_file_info fi;
    memset(&fi, 0, sizeof(fi));
    fi.fh = in->fh;
    CALL_OR_ENOSYS(lseek, req, h->nodeid, (off_t)in->offset, (int)in->whence, &fi);
    END();
}

static void do_copy_file_range(struct fsp_req *freq, const void *arg, uint32_t arglen)
{
    BEGIN();
    const struct fuse_copy_file_range_in *in = arg;
    struct fuse_file_info fi_in, fi_out;
    memset(&fi_in, 0, sizeof(fi_in));
    memset(&fi_out, 0, sizeof(fi_out));
    fi_in.fh = in->fh_in;
    fi_out.fh = in->fh_out;
    CALL_OR_ENOSYS(copy_file_range, req, h->nodeid, (off_t)in->off_in, &fi_in, in->nodeid_out,
                   (off_t)in->off_out, &fi_out, in->len, (int)in->flags);
    END();
}

static void do_notify_reply(struct fsp_req *freq, const void *arg, uint32_t arglen)
{
    fsp_fuse_notify_reply(freq, arg, arglen);
}

void fsp_fuse_fill_ops(struct fsp_session_ops *ops)
{
    fsp_op_fn **op = ops->op;
    op[FUSE_LOOKUP] = do_lookup;
    op[FUSE_FORGET] = do_forget;
    op[FUSE_GETATTR] = do_getattr;
    op[FUSE_SETATTR] = do_setattr;
    op[FUSE_READLINK] = do_readlink;
    op[FUSE_SYMLINK] = do_symlink;
    op[FUSE_MKNOD] = do_mknod;
    op[FUSE_MKDIR] = do_mkdir;
    op[FUSE_UNLINK] = do_unlink;
    op[FUSE_RMDIR] = do_rmdir;
    op[FUSE_RENAME] = do_rename;
    op[FUSE_LINK] = do_link;
    op[FUSE_OPEN] = do_open;
    op[FUSE_READ] = do_read;
    op[FUSE_WRITE] = do_write;
    op[FUSE_STATFS] = do_statfs;
    op[FUSE_RELEASE] = do_release;
    op[FUSE_FSYNC] = do_fsync;
    op[FUSE_SETXATTR] = do_setxattr;
    op[FUSE_GETXATTR] = do_getxattr;
    op[FUSE_LISTXATTR] = do_listxattr;
    op[FUSE_REMOVEXATTR] = do_removexattr;
    op[FUSE_FLUSH] = do_flush;
    op[FUSE_OPENDIR] = do_opendir;
    op[FUSE_READDIR] = do_readdir;
    op[FUSE_RELEASEDIR] = do_releasedir;
    op[FUSE_FSYNCDIR] = do_fsyncdir;
    op[FUSE_GETLK] = do_getlk;
    op[FUSE_SETLK] = do_setlk;
    op[FUSE_SETLKW] = do_setlk;
    op[FUSE_ACCESS] = do_access;
    op[FUSE_CREATE] = do_create;
    op[FUSE_BMAP] = do_bmap;
    op[FUSE_IOCTL] = do_ioctl;
    op[FUSE_POLL] = do_poll;
    op[FUSE_NOTIFY_REPLY] = do_notify_reply;
    op[FUSE_BATCH_FORGET] = do_batch_forget;
    op[FUSE_FALLOCATE] = do_fallocate;
    op[FUSE_READDIRPLUS] = do_readdir;
    op[FUSE_RENAME2] = do_rename2;
    op[FUSE_LSEEK] = do_lseek;
    op[FUSE_COPY_FILE_RANGE] = do_copy_file_range;
    /* SYNCFS, TMPFILE, STATX: not in the 3.14 API; the session answers. */
}
