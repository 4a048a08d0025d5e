/*
 * killpriv_rule.c - the VFS's rule for clearing setuid and setgid
 * (setattr_should_drop_suidgid and chown's), shared by the adapters that
 * negotiate FUSE_HANDLE_KILLPRIV_V2. See killpriv_rule.h.
 */
#include <sys/stat.h>

#include "kernel/killpriv_rule.h"
#include "kernel/proc_cred.h"

/* Rare: only asked for a setgid file without group execute whose group is
 * not the caller's fsgid, so reading /proc each time is fine. The thread
 * must still run as the request's caller (a thread id may be reused). */
bool fsp_killpriv_in_group(const struct fsp_killpriv_caller *who, uint32_t gid)
{
    if (who->gid == gid)
        return true;
    struct fsp_proc_cred cred;
    if (!who->pid || fsp_proc_cred_read(who->pid, &cred) < 0)
        return false;
    bool found = false;
    if (cred.fsuid == who->uid)
        for (size_t i = 0; i < cred.ngroups && !found; i++)
            found = cred.groups[i] == gid;
    fsp_proc_cred_free(&cred);
    return found;
}

bool fsp_killpriv_privileged(enum fsp_killpriv_event ev, const struct fsp_killpriv_caller *who)
{
    return ev == FSP_KILLPRIV_CHOWN && who->uid == 0;
}

uint32_t fsp_killpriv_kept(uint32_t mode, uint32_t file_gid, const struct fsp_killpriv_caller *who,
                           bool privileged)
{
    if (S_ISDIR(mode))
        return mode;
    uint32_t kept = mode & ~(uint32_t)S_ISUID;
    if ((mode & S_ISGID) &&
        ((mode & S_IXGRP) || (!privileged && !fsp_killpriv_in_group(who, file_gid))))
        kept &= ~(uint32_t)S_ISGID;
    return kept;
}

uint32_t fsp_killpriv_rule(enum fsp_killpriv_event ev, uint32_t mode, uint32_t file_gid,
                           const struct fsp_killpriv_caller *who)
{
    return fsp_killpriv_kept(mode, file_gid, who, fsp_killpriv_privileged(ev, who));
}
