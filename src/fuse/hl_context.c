/*
 * hl_context.c - the request a high-level operation serves: its context
 * (fuse_get_context, fuse_getgroups, fuse_interrupted) and the scratch
 * space its paths are built in.
 *
 * High-level handlers always answer before they return, on the worker
 * thread that received the request, so a thread-local "current request" is
 * exact; no lock and no allocation per request.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fuse/hl_i.h"

struct hl_current {
    struct fuse_context ctx;
    fuse_req_t req;
    size_t used; /* scratch bytes taken by paths */
};

static _Thread_local struct hl_current cur;

struct fuse *hl_enter(fuse_req_t req)
{
    struct fuse *f = fuse_req_userdata(req);
    const struct fuse_ctx *c = fuse_req_ctx(req);
    cur.ctx.fuse = f;
    cur.ctx.uid = c->uid;
    cur.ctx.gid = c->gid;
    cur.ctx.pid = c->pid;
    cur.ctx.umask = c->umask;
    cur.ctx.private_data = f->fs->user_data;
    cur.req = req;
    cur.used = 0;
    if (f->conf.intr)
        hl_intr_enter(f, req);
    return f;
}

void hl_enter_init(struct fuse *f)
{
    memset(&cur, 0, sizeof(cur));
    cur.ctx.fuse = f;
    cur.ctx.private_data = f->fs->user_data;
}

void hl_leave(void)
{
    if (cur.req && cur.ctx.fuse->conf.intr)
        hl_intr_leave(cur.ctx.fuse);
    cur.req = NULL;
}

/* Paths take the front of the scratch (past the low-level fuse_req);
 * hl_space hands out what is left, for read data and listings (hl_buf). */
char *hl_path_alloc(fuse_req_t req, size_t size)
{
    size_t room;
    char *base = fsp_fuse_req_space(req, &room);
    size_t off = (cur.used + 15) & ~(size_t)15;
    if (req == cur.req && off + size <= room / 2) {
        cur.used = off + size;
        return base + off;
    }
    return malloc(size);
}

void hl_path_put(fuse_req_t req, char *path)
{
    if (!path)
        return;
    size_t room;
    char *base = fsp_fuse_req_space(req, &room);
    if (path < base || path >= base + room)
        free(path);
}

static void *hl_space(fuse_req_t req, size_t *size)
{
    size_t room;
    char *base = fsp_fuse_req_space(req, &room);
    size_t off = req == cur.req ? (cur.used + 63) & ~(size_t)63 : 0;
    *size = off < room ? room - off : 0;
    return base + off;
}

void *hl_buf(fuse_req_t req, size_t size, char **mem)
{
    size_t room;
    void *buf = hl_space(req, &room);
    *mem = NULL;
    if (room < size)
        buf = *mem = malloc(size);
    return buf;
}

FSP_FUSE_EXPORT struct fuse_context *fuse_get_context(void)
{
    return &cur.ctx;
}

FSP_FUSE_EXPORT int fuse_getgroups(int size, gid_t list[])
{
    if (!cur.req)
        return -EINVAL;
    return fuse_req_getgroups(cur.req, size, list);
}

FSP_FUSE_EXPORT int fuse_interrupted(void)
{
    return cur.req ? fuse_req_interrupted(cur.req) : 0;
}
