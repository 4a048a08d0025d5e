/*
 * killpriv_rule.c - the VFS's rule for clearing setuid and setgid
 * (setattr_should_drop_suidgid and chown's), shared by the adapters that
 * negotiate FUSE_HANDLE_KILLPRIV_V2. See killpriv_rule.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kernel/killpriv_rule.h"

/* Rare: only asked for a setgid file without group execute whose group is
 * not the caller's fsgid, so reading /proc each time is fine. */
bool fsp_killpriv_in_group(const struct fsp_killpriv_caller *who, uint32_t gid)
{
    if (who->gid == gid)
        return true;
    if (!who->pid)
        return false;
    char path[64], line[4096];
    snprintf(path, sizeof path, "/proc/%u/status", (unsigned)who->pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return false;
    bool found = false;
    while (!found && fgets(line, sizeof line, f)) {
        if (strncmp(line, "Groups:", 7) != 0)
            continue;
        for (char *p = line + 7, *end; *p && *p != '\n'; p = end) {
            unsigned long g = strtoul(p, &end, 10);
            if (end == p)
                break;
            if (g == gid)
                found = true;
        }
        break;
    }
    fclose(f);
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
