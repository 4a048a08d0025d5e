/*
 * hl_killpriv.c - clearing setuid and setgid for high-level file systems,
 * as tmpfs does.
 *
 * Left to the kernel, a FUSE file system gets the fallback of fs/fuse's
 * setattr: a SETATTR(mode) before a write that clears setgid only with
 * group execute (not when the writer is outside the file's group), and
 * nothing at all for an O_TRUNC open with atomic_o_trunc. So the layer
 * negotiates FUSE_HANDLE_KILLPRIV_V2 whenever the file system can report
 * and change a mode (getattr, chmod), and then does the clearing itself
 * through those two operations, by the rule the native adapter uses
 * (kernel/killpriv_rule.c). The kernel's flags arrive on the request
 * (fuse_req.kill_suidgid, from ll_dispatch.c). libfuse leaves this to the
 * kernel; file systems see only ordinary chmod calls, with the caller's
 * context, as after a chmod(2) of the caller's own file.
 *
 * The kernel flags every write of a caller without CAP_FSETID, so clearing
 * would cost a getattr per write. A file seen without setuid and setgid is
 * remembered as such on its node for attr_timeout (as long as the kernel
 * itself trusts the mode it has), and forgotten at any SETATTR through the
 * node: until then its writes skip the getattr. A mode changed behind the
 * layer's back (by the file system itself, or through another node of a
 * hard link) is seen again when that time is up.
 */
#include <stdatomic.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "fuse/hl_i.h"

void hl_killpriv_negotiate(struct fuse *f)
{
    f->se->handle_killpriv_v2 = f->fs->op.getattr && f->fs->op.chmod;
}

bool hl_killpriv_on(const struct fuse *f)
{
    return f->se->handle_killpriv_v2;
}

mode_t hl_killpriv_mode(fuse_req_t req, enum fsp_killpriv_event ev, const struct stat *st)
{
    const struct fuse_ctx *ctx = fuse_req_ctx(req);
    const struct fsp_killpriv_caller who = {
        .uid = ctx->uid, .gid = ctx->gid, .pid = (uint32_t)ctx->pid};
    if (!(st->st_mode & (S_ISUID | S_ISGID)))
        return st->st_mode;
    return (mode_t)fsp_killpriv_rule(ev, st->st_mode, st->st_gid, &who);
}

int hl_killpriv_apply(struct fuse *f, const char *path, struct fuse_file_info *fi,
                      const struct stat *old, mode_t kept)
{
    if (kept == old->st_mode)
        return 0;
    return fuse_fs_chmod(f->fs, path, kept, fi);
}

int hl_kill_suidgid(struct fuse *f, fuse_req_t req, const char *path, struct fuse_file_info *fi,
                    enum fsp_killpriv_event ev)
{
    struct stat st;
    memset(&st, 0, sizeof(st));
    /* A file whose attributes cannot be read shows no bits to clear; only
     * a failed change fails the request. */
    if (fuse_fs_getattr(f->fs, path, &st, fi) != 0)
        return 0;
    return hl_killpriv_apply(f, path, fi, &st, hl_killpriv_mode(req, ev, &st));
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int hl_kill_suidgid_write(struct fuse *f, fuse_req_t req, uint64_t ino, const char *path,
                          struct fuse_file_info *fi)
{
    double timeout = f->conf.attr_timeout;
    if (timeout <= 0)
        return hl_kill_suidgid(f, req, path, fi, FSP_KILLPRIV_WRITE);
    uint64_t now = now_ns();
    if (now < hl_nosec_until(f, ino))
        return 0;
    struct stat st;
    memset(&st, 0, sizeof(st));
    if (fuse_fs_getattr(f->fs, path, &st, fi) != 0)
        return 0; /* as hl_kill_suidgid; nothing remembered */
    if (!(st.st_mode & (S_ISUID | S_ISGID))) {
        /* Timeouts beyond what fits (-1: "forever" for WinFsp's samples,
         * 10^6 s and more) are capped at ~292 years. */
        double ns = timeout * 1e9;
        uint64_t span = ns >= 9e18 ? UINT64_C(9000000000000000000) : (uint64_t)ns;
        hl_set_nosec_until(f, ino, now + span);
        return 0;
    }
    return hl_killpriv_apply(f, path, fi, &st, hl_killpriv_mode(req, FSP_KILLPRIV_WRITE, &st));
}

void hl_killpriv_forget(struct fuse *f, uint64_t ino)
{
    hl_set_nosec_until(f, ino, 0);
}
