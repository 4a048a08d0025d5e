/*
 * ops_statx.c - STATX on the native API: GETATTR plus the birth time.
 *
 * Linux calls a file's creation time its birth time (statx(2) STATX_BTIME).
 * The kernel asks for it with STATX instead of GETATTR when a caller wants
 * btime and the cached attributes are stale; it then caches the answer like
 * a GETATTR's (only if every basic field is present, hence the full mask).
 * btime is FSP_FSCTL_FILE_INFO.CreationTime; a file system that keeps none
 * (CreationTime 0, which WinFsp also reads as "not set") reports no
 * STATX_BTIME rather than a birth in 1601.
 */
#include <linux/stat.h> /* STATX_* (glibc shows them only with _GNU_SOURCE) */
#include <sys/sysmacros.h>

#include "ops_util.h"

_Static_assert(sizeof(struct fuse_statx) == 256, "fuse_statx layout");
_Static_assert(sizeof(struct fuse_statx_out) == 288, "fuse_statx_out layout");

struct statx_result {
    struct fuse_attr attr;
    UINT64 creation_time;
};

static void sx_time(uint64_t sec, uint32_t nsec, struct fuse_sx_time *t)
{
    t->tv_sec = (int64_t)sec; /* fuse_attr keeps the signed value in a u64 */
    t->tv_nsec = nsec;
}

/* The attributes as GETATTR reports them (attr.c), plus CreationTime. */
static NTSTATUS statx_of_context(struct fsp_native *nt, struct fsp_node *node, PVOID ctx, void *arg)
{
    struct statx_result *res = arg;
    FSP_FSCTL_FILE_INFO info;
    NTSTATUS st = fsp_attr_query(nt, node, ctx, &info, &res->attr);
    if (NT_SUCCESS(st))
        res->creation_time = info.CreationTime;
    return st;
}

static void fill_statx(const struct statx_result *res, struct fuse_statx *sx)
{
    const struct fuse_attr *a = &res->attr;

    memset(sx, 0, sizeof *sx);
    sx->mask = STATX_BASIC_STATS;
    sx->blksize = a->blksize;
    sx->nlink = a->nlink;
    sx->uid = a->uid;
    sx->gid = a->gid;
    sx->mode = (uint16_t)a->mode;
    sx->ino = a->ino;
    sx->size = a->size;
    sx->blocks = a->blocks;
    sx_time(a->atime, a->atimensec, &sx->atime);
    sx_time(a->mtime, a->mtimensec, &sx->mtime);
    sx_time(a->ctime, a->ctimensec, &sx->ctime);
    /* fuse_attr.rdev is the kernel's 32-bit device encoding. */
    sx->rdev_major = major(a->rdev);
    sx->rdev_minor = minor(a->rdev);
    if (res->creation_time) {
        struct timespec ts;
        FspPosixFileTimeToUnixTime(res->creation_time, &ts);
        sx->btime.tv_sec = (int64_t)ts.tv_sec;
        sx->btime.tv_nsec = (uint32_t)ts.tv_nsec;
        sx->mask |= STATX_BTIME;
    }
}

static void op_statx(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    struct fsp_native *nt = fsp_native_of(req);
    const struct fuse_statx_in *in = arg;
    struct fsp_node *node = fsp_req_node(nt, req);
    struct statx_result res;
    NTSTATUS st;

    /* The kernel asks for everything it knows (basic stats and btime) and
     * ignores sx_flags' sync hints itself: answer the same fields always. */
    if ((in->getattr_flags & FUSE_GETATTR_FH) && in->fh)
        st = statx_of_context(nt, node, fsp_handle_of(in->fh)->context, &res);
    else
        st = fsp_with_file(req, FILE_READ_ATTRIBUTES | READ_CONTROL, false, 0, statx_of_context,
                           &res);
    if (!NT_SUCCESS(st)) {
        fsp_reply_status(req, st);
        return;
    }

    struct fuse_statx_out out;
    memset(&out, 0, sizeof out);
    out.attr_valid = nt->attr_sec;
    out.attr_valid_nsec = nt->attr_nsec;
    fill_statx(&res, &out.stat);
    fsp_reply_buf(req, &out, sizeof out);
}

void fsp_native_statx_ops(struct fsp_session_ops *ops);
void fsp_native_statx_ops(struct fsp_session_ops *ops)
{
    ops->op[FUSE_STATX] = op_statx;
}
