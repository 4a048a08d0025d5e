/*
 * killpriv.c - clearing setuid and setgid as Linux does, for
 * FUSE_HANDLE_KILLPRIV_V2.
 *
 * Without HANDLE_KILLPRIV_V2 the kernel asks for security.capability before
 * every write (a GETXATTR round trip per write(2)) and clears the bits
 * itself with a SETATTR(mode). With it the kernel leaves the question out and
 * instead flags the requests after which the bits must go: WRITE with
 * FUSE_WRITE_KILL_SUIDGID, SETATTR with FATTR_KILL_SUIDGID (truncation,
 * chown) and OPEN with FUSE_OPEN_KILL_SUIDGID (O_TRUNC). The kernel sets the
 * flag on writes and truncations only when the caller lacks CAP_FSETID, on
 * chown always. The bits live in the file's security descriptor (the NULL
 * SID ACE of the POSIX mapping), so clearing them is GetSecurity, the
 * mapping, and SetSecurity with a merged descriptor.
 *
 * The rules are the VFS's (setattr_should_drop_suidgid): setuid always goes;
 * setgid goes when the file is group-executable (without group execute it
 * marks mandatory locking, not privilege), or when the caller is neither in
 * the file's group nor privileged (kernel/killpriv_rule.c).
 */
#include <sys/stat.h>

#include "kernel/killpriv_rule.h"
#include "native.h"

/* The rule itself is shared with the FUSE layer (kernel/killpriv_rule.c). */
uint32_t fsp_killpriv_mode(const struct fuse_in_header *hdr, uint32_t mode, uint32_t file_gid,
                           bool privileged)
{
    const struct fsp_killpriv_caller who = {.uid = hdr->uid, .gid = hdr->gid, .pid = hdr->pid};
    return fsp_killpriv_kept(mode, file_gid, &who, privileged);
}

NTSTATUS fsp_set_posix_perms(struct fsp_native *nt, PVOID ctx, PSECURITY_DESCRIPTOR sd, UINT32 uid,
                             UINT32 gid, UINT32 mode)
{
    PSECURITY_DESCRIPTOR merged = NULL;
    NTSTATUS st = FspPosixMergePermissionsToSecurityDescriptor(uid, gid, mode, sd, &merged);
    if (!NT_SUCCESS(st))
        return st;
    fsp_guard_enter(nt, FSP_GUARD_NONE);
    st = nt->fs->Interface->SetSecurity(nt->fs, ctx,
                                        OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION |
                                            DACL_SECURITY_INFORMATION,
                                        merged);
    fsp_guard_leave(nt, FSP_GUARD_NONE);
    FspDeleteSecurityDescriptor(merged,
                                (NTSTATUS(*)())FspPosixMergePermissionsToSecurityDescriptor);
    return st;
}

NTSTATUS fsp_kill_suidgid(struct fsp_native *nt, PVOID ctx, const struct fuse_in_header *hdr,
                          bool privileged)
{
    const FSP_FILE_SYSTEM_INTERFACE *fi = nt->fs->Interface;
    char sdbuf[512];
    PSECURITY_DESCRIPTOR sd = NULL;
    UINT32 uid, gid, mode;

    /* A volume that cannot store a descriptor has no setuid bits to clear. */
    if (!fi->GetSecurity || !fi->SetSecurity)
        return STATUS_SUCCESS;
    /* A descriptor that cannot be read or mapped shows no bits to clear
     * either (GETATTR reports the default mode then); only a failed change
     * fails the request. */
    NTSTATUS st = STATUS_SUCCESS;
    if (NT_SUCCESS(fsp_sd_query_open(nt, ctx, sdbuf, sizeof sdbuf, &sd)) &&
        NT_SUCCESS(FspPosixMapSecurityDescriptorToPermissions(sd, &uid, &gid, &mode)) &&
        (mode & (S_ISUID | S_ISGID))) {
        UINT32 kept = fsp_killpriv_mode(hdr, mode, gid, privileged);
        if (kept != mode)
            st = fsp_set_posix_perms(nt, ctx, sd, uid, gid, kept);
    }
    fsp_sd_release(sd, sdbuf);
    return st;
}
