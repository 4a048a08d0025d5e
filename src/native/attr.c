/*
 * attr.c - a file's POSIX face: FSP_FSCTL_FILE_INFO + security descriptor
 * -> struct fuse_attr.
 *
 * A WinFsp file system keeps Windows metadata: attributes, FILETIMEs and a
 * security descriptor. The kernel wants mode, uid, gid, nlink and timespecs.
 * Ownership and permission bits come from the descriptor through the POSIX
 * mapping; a file system without security gets the mounting user's ids and
 * conventional modes.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "native.h"
#include "native/gate.h"
#include "reparse.h"

NTSTATUS fsp_sd_query(struct fsp_native *nt, PVOID context, PWSTR path, void *buf, size_t bufsize,
                      PSECURITY_DESCRIPTOR *psd)
{
    const FSP_FILE_SYSTEM_INTERFACE *fi = nt->fs->Interface;
    SIZE_T size = bufsize;
    void *p = buf;
    NTSTATUS st;

    *psd = NULL;
    for (int attempt = 0; attempt < 3; attempt++) {
        if (context && fi->GetSecurity)
            st = fi->GetSecurity(nt->fs, context, p, &size);
        else if (path && fi->GetSecurityByName)
            st = fi->GetSecurityByName(nt->fs, path, NULL, p, &size);
        else
            st = STATUS_INVALID_DEVICE_REQUEST;
        if (st != STATUS_BUFFER_OVERFLOW && st != STATUS_BUFFER_TOO_SMALL)
            break;
        /* The file system told us the size it needs: retry off the stack. */
        if (p != buf)
            free(p);
        p = malloc(size);
        if (!p)
            return STATUS_INSUFFICIENT_RESOURCES;
    }
    if (NT_SUCCESS(st) && size > 0) {
        *psd = p;
        return st;
    }
    if (p != buf)
        free(p);
    return NT_SUCCESS(st) ? STATUS_INVALID_SECURITY_DESCR : st;
}

NTSTATUS fsp_sd_query_open(struct fsp_native *nt, PVOID context, void *buf, size_t bufsize,
                           PSECURITY_DESCRIPTOR *psd)
{
    fsp_guard_enter(nt, FSP_GUARD_NONE);
    NTSTATUS st = fsp_sd_query(nt, context, NULL, buf, bufsize, psd);
    fsp_guard_leave(nt, FSP_GUARD_NONE);
    return st;
}

void fsp_sd_release(PSECURITY_DESCRIPTOR sd, void *buf)
{
    if (sd && sd != buf)
        free(sd);
}

static void set_time(UINT64 ft, uint64_t *sec, uint32_t *nsec)
{
    struct timespec ts;
    FspPosixFileTimeToUnixTime(ft, &ts);
    *sec = (uint64_t)ts.tv_sec;
    *nsec = (uint32_t)ts.tv_nsec;
}

void fsp_attr_fill(struct fsp_native *nt, struct fsp_node *node, const FSP_FSCTL_FILE_INFO *info,
                   PSECURITY_DESCRIPTOR sd, struct fuse_attr *attr)
{
    const FSP_FSCTL_VOLUME_PARAMS *vp = &nt->fs->VolumeParams;
    bool dir = info->FileAttributes & FILE_ATTRIBUTE_DIRECTORY;
    UINT32 uid = nt->mount_uid, gid = nt->mount_gid, mode = dir ? 0755 : 0644;

    memset(attr, 0, sizeof *attr);
    if (sd && !NT_SUCCESS(FspPosixMapSecurityDescriptorToPermissions(sd, &uid, &gid, &mode))) {
        uid = nt->mount_uid;
        gid = nt->mount_gid;
        mode = dir ? 0755 : 0644;
    }
    attr->mode = (dir ? S_IFDIR : S_IFREG) | (mode & 07777);
    if (fsp_is_symlink(info))
        attr->mode = S_IFLNK | 0777; /* Linux ignores a symlink's own mode */
    attr->uid = uid;
    attr->gid = gid;
    attr->nlink = info->HardLinks ? info->HardLinks : (dir ? 2 : 1);
    if (node && (node->unlinked || __atomic_load_n(&node->delete_pending, __ATOMIC_RELAXED)))
        attr->nlink = 0;
    attr->ino = node ? node->ino : info->IndexNumber;
    attr->size = info->FileSize;
    attr->blocks = (info->AllocationSize + 511) / 512;
    uint32_t unit = (uint32_t)vp->SectorSize *
                    (vp->SectorsPerAllocationUnit ? vp->SectorsPerAllocationUnit : 1);
    attr->blksize = unit >= 512 ? unit : 4096;
    set_time(info->LastAccessTime, &attr->atime, &attr->atimensec);
    set_time(info->LastWriteTime, &attr->mtime, &attr->mtimensec);
    set_time(info->ChangeTime ? info->ChangeTime : info->LastWriteTime, &attr->ctime,
             &attr->ctimensec);
    if (node) {
        fsp_node_remember(node, attr);
        fsp_readonly_note(node, info->FileAttributes);
    }
    fsp_gate_note(nt, node, sd); /* is the descriptor POSIX-exact? (gate.c) */
}

/* What only the reparse data tells, read through the open file: a symlink's
 * st_size is the length of its target (NTFS-style file systems report 0 for a
 * reparse point), a special file's type and device number are in its NFS
 * reparse data (until read, fsp_attr_fill shows it as a regular file). */
void fsp_attr_reparse(struct fsp_native *nt, const FSP_FSCTL_FILE_INFO *info, PVOID context,
                      PWSTR path, struct fuse_attr *attr)
{
    const FSP_FILE_SYSTEM_INTERFACE *fi = nt->fs->Interface;
    struct fsp_reparse rp;
    char target[FSP_PATH_MAX];
    SIZE_T size = sizeof rp.data;
    bool special = fsp_is_special(info);

    if ((!S_ISLNK(attr->mode) && !special) || !fi->GetReparsePoint)
        return;
    if (!NT_SUCCESS(fi->GetReparsePoint(nt->fs, context, path, rp.data, &size)))
        return;
    if (special) {
        uint32_t type, rdev;
        if (fsp_special_decode(rp.data, size, &type, &rdev) == 0) {
            attr->mode = type | (attr->mode & 07777);
            attr->rdev = rdev;
        }
        return;
    }
    int n = fsp_symlink_decode(rp.data, size, target, sizeof target);
    if (n >= 0)
        attr->size = (uint64_t)n;
}

NTSTATUS fsp_attr_info_of_context(struct fsp_native *nt, struct fsp_node *node, PVOID context,
                                  FSP_FSCTL_FILE_INFO *pinfo, struct fuse_attr *attr)
{
    const FSP_FILE_SYSTEM_INTERFACE *fi = nt->fs->Interface;
    FSP_FSCTL_FILE_INFO info;
    char sdbuf[512];
    PSECURITY_DESCRIPTOR sd = NULL;
    NTSTATUS st;

    if (!fi->GetFileInfo)
        return STATUS_INVALID_DEVICE_REQUEST;
    memset(&info, 0, sizeof info);
    st = fi->GetFileInfo(nt->fs, context, &info);
    if (!NT_SUCCESS(st))
        return st;
    if (nt->has_security)
        fsp_sd_query(nt, context, NULL, sdbuf, sizeof sdbuf, &sd);
    fsp_attr_fill(nt, node, &info, sd, attr);
    fsp_sd_release(sd, sdbuf);
    fsp_attr_reparse(nt, &info, context, NULL, attr);
    if (pinfo)
        *pinfo = info;
    return STATUS_SUCCESS;
}

NTSTATUS fsp_attr_of_context(struct fsp_native *nt, struct fsp_node *node, PVOID context,
                             struct fuse_attr *attr)
{
    return fsp_attr_info_of_context(nt, node, context, NULL, attr);
}

NTSTATUS fsp_attr_query(struct fsp_native *nt, struct fsp_node *node, PVOID context,
                        FSP_FSCTL_FILE_INFO *info, struct fuse_attr *attr)
{
    fsp_guard_enter(nt, FSP_GUARD_NONE);
    pthread_rwlock_rdlock(&node->io_lock);
    NTSTATUS st = fsp_attr_info_of_context(nt, node, context, info, attr);
    pthread_rwlock_unlock(&node->io_lock);
    fsp_guard_leave(nt, FSP_GUARD_NONE);
    return st;
}

void fsp_entry_fill(struct fsp_native *nt, struct fsp_node *node, struct fuse_entry_out *entry)
{
    fsp_node_set_kind(node, entry->attr.mode); /* for the IndexNumber index */
    entry->nodeid = node->nodeid;
    entry->generation = 0;
    entry->entry_valid = nt->attr_sec;
    entry->entry_valid_nsec = nt->attr_nsec;
    entry->attr_valid = nt->attr_sec;
    entry->attr_valid_nsec = nt->attr_nsec;
}
