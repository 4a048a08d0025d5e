/*
 * readonly.c - FILE_ATTRIBUTE_READONLY keeps a file's data as it is.
 *
 * Linux shows READONLY as the immutable flag (chattr +i, ops_ioctl.c), so
 * the data of such a file is refused as ext4 refuses it for an immutable
 * file: opens for writing or with O_TRUNC, truncation, and writes, even
 * through a descriptor opened before the flag was set, fail with EPERM.
 * WinFsp's FSD checks READONLY at open (and the file system may refuse
 * writes on its own); doing it here gives every native file system the
 * same behaviour. Deletion and replacement are refused in ops_ns.c.
 * Directories are left alone (READONLY means little on a directory).
 *
 * The check on WRITE uses what the adapter last saw of the attributes
 * (every attribute reply, and its own changes of them) rather than a
 * GetFileInfo per write; a change made inside the file system is seen at
 * the next attribute request.
 */
#include "ops_util.h"

void fsp_readonly_note(struct fsp_node *node, UINT32 attributes)
{
    bool ro = (attributes & FILE_ATTRIBUTE_READONLY) && !(attributes & FILE_ATTRIBUTE_DIRECTORY);
    if (__atomic_load_n(&node->readonly, __ATOMIC_RELAXED) != ro)
        __atomic_store_n(&node->readonly, ro, __ATOMIC_RELAXED);
}

void fsp_readonly_refresh(struct fsp_native *nt, struct fsp_node *node, PVOID ctx)
{
    FSP_FSCTL_FILE_INFO info;
    if (nt->fs->Interface->GetFileInfo &&
        NT_SUCCESS(nt->fs->Interface->GetFileInfo(nt->fs, ctx, &info)))
        fsp_readonly_note(node, info.FileAttributes);
}

bool fsp_readonly_refuses_open(struct fsp_node *node, uint32_t flags)
{
    bool writes = (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC);
    return writes && __atomic_load_n(&node->readonly, __ATOMIC_RELAXED);
}

bool fsp_readonly_refuses_write(struct fsp_node *node)
{
    return __atomic_load_n(&node->readonly, __ATOMIC_RELAXED);
}
