/*
 * killpriv.c - letting the source clear setuid and setgid.
 *
 * A low-level program on the 3.14 API cannot take clearing setuid/setgid
 * over from the kernel (FUSE_HANDLE_KILLPRIV_V2 would need the kernel's
 * per-request flags), so the kernel keeps its fallback: before a write or
 * truncation it sends a SETATTR(mode) without setuid, and without setgid
 * only when the file is group-executable. Two cases stay open: setgid
 * without group execute, which Linux also drops when the writer is not in
 * the file's group, and O_TRUNC opens, after which the fallback clears
 * nothing. Running as root, our own writes would keep every bit.
 *
 * So a write, truncation or O_TRUNC open of a setuid/setgid file by a caller
 * other than root runs with the caller's fsuid, fsgid and supplementary
 * groups, and the source file system applies Linux's own rules: the caller
 * lacks CAP_FSETID (a non-zero fsuid drops it) and in_group_p sees the
 * caller's groups. The raw system calls change only this thread. Files
 * without the bits, and root's calls, cost one fstat at most.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pt_ll.h"

bool pt_killpriv_enter(fuse_req_t req, int fd, struct pt_killpriv *k)
{
    const struct fuse_ctx *ctx = fuse_req_ctx(req);
    struct stat st;
    k->active = false;
    if (!pt_fs(req)->creds || ctx->uid == 0)
        return false;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || !(st.st_mode & (S_ISUID | S_ISGID)))
        return false;
    int saved = errno;
    gid_t groups[PT_KILLPRIV_GROUPS];
    int n = fuse_req_getgroups(req, PT_KILLPRIV_GROUPS, groups);
    if (n < 0 || n > PT_KILLPRIV_GROUPS)
        n = 0; /* unknown: only the fsgid counts, which errs towards clearing */
    long own = syscall(SYS_getgroups, PT_KILLPRIV_GROUPS, k->groups);
    if (own < 0 || syscall(SYS_setgroups, (size_t)n, groups) != 0) {
        errno = saved;
        return false;
    }
    k->ngroups = (size_t)own;
    syscall(SYS_setfsgid, ctx->gid);
    syscall(SYS_setfsuid, ctx->uid);
    k->active = true;
    errno = saved;
    return true;
}

void pt_killpriv_leave(struct pt_killpriv *k)
{
    if (!k->active)
        return;
    int saved = errno;
    syscall(SYS_setfsuid, 0);
    syscall(SYS_setfsgid, 0);
    syscall(SYS_setgroups, k->ngroups, k->groups);
    k->active = false;
    errno = saved;
}
