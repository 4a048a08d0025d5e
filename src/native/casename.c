/*
 * casename.c - a file's name as the file system stores it, and the
 * case-only rename, for the system.fsp.name xattr (ops_winattr.c).
 *
 * On a case-insensitive volume "Foo" and "foo" name one file. rename(2)
 * from one spelling to the other never reaches a FUSE file system: the VFS
 * looks both names up, finds one inode, and vfs_rename() returns 0 when
 * source and target are the same inode (doc/windows-on-linux.md,
 * "Case-insensitive volumes", says why the adapter does not work around it
 * with alias inodes). So the case change is asked for explicitly: setting
 * system.fsp.name to the new spelling calls the file system's Rename with
 * the file's path and the new one in the same directory, exactly as WinFsp
 * does for MoveFile("Foo", "foo").
 */
#include "ops_util.h"

#include "casename.h"

NTSTATUS fsp_stored_name(struct fsp_native *nt, struct fsp_node *node, WCHAR *name, size_t *plen)
{
    const FSP_FILE_SYSTEM_INTERFACE *fi = nt->fs->Interface;
    WCHAR path[FSP_PATH_MAX], normalized[FSP_PATH_MAX];
    FSP_FSCTL_OPEN_FILE_INFO oinfo;
    PVOID ctx;

    fsp_guard_enter(nt, FSP_GUARD_SHARED);
    int len = fsp_node_path(nt, node, NULL, 0, path);
    NTSTATUS st = len < 0 ? FspNtStatusFromErrno(-len) : STATUS_SUCCESS;
    memset(&oinfo, 0, sizeof oinfo);
    oinfo.NormalizedName = normalized;
    oinfo.NormalizedNameSize = (UINT16)sizeof normalized - sizeof(WCHAR);
    PVOID *slot = NT_SUCCESS(st) ? fsp_context_slot(nt, &ctx) : NULL;
    if (NT_SUCCESS(st) && !slot)
        st = STATUS_INSUFFICIENT_RESOURCES;
    if (NT_SUCCESS(st)) {
        st = fi->Open(nt->fs, path, FILE_OPEN_REPARSE_POINT, FILE_READ_ATTRIBUTES, slot,
                      &oinfo.FileInfo);
        if (!NT_SUCCESS(st))
            fsp_context_drop(nt, ctx);
        else /* under the guard: no delete may meet this context */
            fsp_fs_close(nt, ctx);
    }
    fsp_guard_leave(nt, FSP_GUARD_SHARED);
    if (!NT_SUCCESS(st))
        return st;

    /* The last component of the normalized path; a file system that does
     * not normalize leaves the size alone, and the name looked up stands. */
    const WCHAR *src = path;
    size_t n = (size_t)len;
    if (oinfo.NormalizedNameSize != sizeof normalized - sizeof(WCHAR) &&
        oinfo.NormalizedNameSize >= sizeof(WCHAR)) {
        src = normalized;
        n = oinfo.NormalizedNameSize / sizeof(WCHAR);
    }
    size_t start = n;
    while (start > 0 && src[start - 1] != u'\\')
        start--;
    if (n - start > FSP_NAME_MAX)
        return STATUS_NAME_TOO_LONG;
    memcpy(name, src + start, (n - start) * sizeof(WCHAR));
    *plen = n - start;
    return STATUS_SUCCESS;
}

NTSTATUS fsp_case_rename(struct fsp_native *nt, struct fsp_node *node, PVOID ctx,
                         const WCHAR *newname, size_t newlen, uint64_t *dir)
{
    const FSP_FILE_SYSTEM_INTERFACE *fi = nt->fs->Interface;
    WCHAR oldpath[FSP_PATH_MAX], newpath[FSP_PATH_MAX];
    FSP_FSCTL_FILE_INFO info, tinfo;
    PVOID tctx;
    NTSTATUS st;

    /* Renames take the namespace exclusively (ops_ns.c), so the node's
     * parent cannot change under us. */
    fsp_guard_enter(nt, FSP_GUARD_EXCL);
    struct fsp_node *parent = node->parent;
    int len = fsp_node_path(nt, node, NULL, 0, oldpath);
    if (len < 0) {
        st = FspNtStatusFromErrno(-len);
        goto out;
    }
    if (!parent) {
        st = STATUS_INVALID_PARAMETER; /* the root has no name to change */
        goto out;
    }
    len = fsp_node_path(nt, parent, newname, newlen, newpath);
    if (len < 0) {
        st = FspNtStatusFromErrno(-len);
        goto out;
    }

    /* The new name must already reach this very file: a case change (or
     * whatever else the file system takes as the same name), never a move
     * or a replacement, which are rename(2)'s. */
    memset(&info, 0, sizeof info);
    st = fi->GetFileInfo ? fi->GetFileInfo(nt->fs, ctx, &info) : STATUS_INVALID_DEVICE_REQUEST;
    if (!NT_SUCCESS(st))
        goto out;
    st = fsp_open_path(nt, newpath, FILE_OPEN_REPARSE_POINT, FILE_READ_ATTRIBUTES, &tctx, &tinfo);
    if (!NT_SUCCESS(st)) {
        if (st == STATUS_OBJECT_NAME_NOT_FOUND || st == STATUS_OBJECT_PATH_NOT_FOUND)
            st = STATUS_INVALID_PARAMETER;
        goto out;
    }
    bool same = info.IndexNumber && info.IndexNumber == tinfo.IndexNumber;
    fsp_fs_close(nt, tctx);
    if (!same) {
        st = STATUS_INVALID_PARAMETER;
        goto out;
    }
    st = fi->Rename(nt->fs, ctx, oldpath, newpath, FALSE);
    /* The node table hashes case-folded names, so a node left with the old
     * spelling (no memory for the new one) is still found: keep going. */
    if (NT_SUCCESS(st)) {
        (void)fsp_node_move(nt, node, parent, newname, newlen);
        *dir = parent->nodeid;
    }
out:
    fsp_guard_leave(nt, FSP_GUARD_EXCL);
    return st;
}
