/*
 * legacydel.c - POSIX unlink and rename on a volume without
 * SupportsPosixUnlinkRename.
 *
 * With the flag, a file system accepts WinFsp's POSIX semantics: Cleanup with
 * FspCleanupDelete (or a Rename replacing the target) while other handles of
 * the file are still open. Without it (a "legacy" file system) WinFsp's FSD
 * only marks such a file delete-pending, keeps its name, and sends the delete
 * with the Cleanup of its last handle; and it refuses to replace an open
 * target. Linux programs expect neither: the name must go at once (a new file
 * may take it), and rename over an open file must work.
 *
 * So, on a legacy volume, a file that is open elsewhere is not deleted but
 * moved (Rename, which every file system allows on an open file) into a
 * hidden directory at the root, HIDDEN_DIR, and marked delete-pending; once
 * its last handle is Closed, a Cleanup with FspCleanupDelete and that hidden
 * path deletes it (on a private open: the last handle's context is gone by
 * then), as WinFsp's legacy disposition does. The directory it left can be
 * removed at once, a new file can take its name, and the file keeps a path,
 * so it can be reopened through /proc/PID/fd. HIDDEN_DIR is reserved on such
 * volumes: LOOKUP answers ENOENT and READDIR leaves it out. What a crash
 * leaves in it stays there (hidden) until removed by other means.
 */
#include <inttypes.h>
#include <stdio.h>

#include "ops_util.h"

static const WCHAR hidden_dir[] = u".fsp-deleted";
#define HIDDEN_DIR_LEN (sizeof hidden_dir / sizeof(WCHAR) - 1)

bool fsp_legacy_hidden(struct fsp_native *nt, struct fsp_node *dir, const WCHAR *name,
                       size_t namelen)
{
    if (nt->posix_unlink || dir != nt->root || namelen != HIDDEN_DIR_LEN)
        return false;
    for (size_t i = 0; i < namelen; i++)
        if (nt->case_insensitive ? fsp_towupper(name[i]) != fsp_towupper(hidden_dir[i])
                                 : name[i] != hidden_dir[i])
            return false;
    return true;
}

struct fsp_node *fsp_legacy_must_hide(struct fsp_native *nt, struct fsp_node *dir,
                                      const WCHAR *name, size_t namelen,
                                      const FSP_FSCTL_FILE_INFO *info)
{
    /* Another name of a hard-linked file keeps it alive: deleting this one
     * at once does not pull the file from under its handles. (A directory's
     * HardLinks counts "." and its subdirectories' "..".) */
    bool is_dir = info->FileAttributes & FILE_ATTRIBUTE_DIRECTORY;
    if (nt->posix_unlink || (!is_dir && info->HardLinks > 1) || !nt->fs->Interface->Rename)
        return NULL;
    struct fsp_node *node = fsp_node_find(nt, dir, name, namelen);
    if (!node)
        return NULL;
    pthread_mutex_lock(&nt->nodes_lock);
    bool open = node->handles || node->closing;
    pthread_mutex_unlock(&nt->nodes_lock);
    if (!open) {
        fsp_node_put(nt, node);
        return NULL;
    }
    return node;
}

/* The hidden directory's node (+1 ref), made if it does not exist yet. */
static NTSTATUS hidden_dir_node(struct fsp_native *nt, struct fsp_node **pnode)
{
    const FSP_FILE_SYSTEM_INTERFACE *fi = nt->fs->Interface;
    WCHAR path[FSP_PATH_MAX];
    FSP_FSCTL_FILE_INFO info;
    PVOID ctx;

    fsp_node_path(nt, nt->root, hidden_dir, HIDDEN_DIR_LEN, path);
    NTSTATUS st = fsp_open_path(nt, path, FILE_DIRECTORY_FILE, FILE_READ_ATTRIBUTES, &ctx, &info);
    if (st == STATUS_OBJECT_NAME_NOT_FOUND) {
        /* Root's alone: nobody reaches it through the mount anyway. */
        PSECURITY_DESCRIPTOR sd = NULL;
        if (nt->has_security)
            FspPosixMapPermissionsToSecurityDescriptor(0, 0, 0700, &sd);
        UINT32 options = (FILE_CREATE << 24) | FILE_DIRECTORY_FILE;
        UINT32 attrs = FILE_ATTRIBUTE_DIRECTORY | FILE_ATTRIBUTE_HIDDEN;
        /* Create's FileInfo is the head of an FSP_FSCTL_OPEN_FILE_INFO, which
         * the file system may reach (FspFileSystemGetOpenFileInfo). */
        FSP_FSCTL_OPEN_FILE_INFO oinfo;
        memset(&oinfo, 0, sizeof oinfo);
        PVOID *slot = fsp_context_slot(nt, &ctx); /* UmFileContextIsFullContext */
        if (!slot)
            st = STATUS_INSUFFICIENT_RESOURCES;
        else if (fi->CreateEx)
            st = fi->CreateEx(nt->fs, path, options, FILE_ALL_ACCESS, attrs, sd, 0, NULL, 0, FALSE,
                              slot, &oinfo.FileInfo);
        else if (fi->Create)
            st = fi->Create(nt->fs, path, options, FILE_ALL_ACCESS, attrs, sd, 0, slot,
                            &oinfo.FileInfo);
        info = oinfo.FileInfo;
        if (slot && !NT_SUCCESS(st))
            fsp_context_drop(nt, ctx);
        if (sd)
            FspDeleteSecurityDescriptor(sd,
                                        (NTSTATUS(*)())FspPosixMapPermissionsToSecurityDescriptor);
    }
    if (!NT_SUCCESS(st))
        return st;
    if (fi->Cleanup && !nt->fs->VolumeParams.PostCleanupWhenModifiedOnly)
        fi->Cleanup(nt->fs, ctx, NULL, 0);
    fsp_fs_close(nt, ctx);
    if (!(info.FileAttributes & FILE_ATTRIBUTE_DIRECTORY))
        return STATUS_OBJECT_NAME_COLLISION; /* a file took the reserved name */
    *pnode = fsp_node_link(nt, nt->root, hidden_dir, HIDDEN_DIR_LEN, info.IndexNumber, false);
    return *pnode ? STATUS_SUCCESS : STATUS_INSUFFICIENT_RESOURCES;
}

NTSTATUS fsp_legacy_hide(struct fsp_native *nt, struct fsp_node *dir, const WCHAR *name,
                         size_t namelen, struct fsp_node *node, PVOID ctx, PWSTR path,
                         struct fsp_streams_gone *gone)
{
    static uint64_t seq;
    char hidden8[64];
    WCHAR hidden[64], hpath[FSP_PATH_MAX];
    struct fsp_node *hdir;

    NTSTATUS st = hidden_dir_node(nt, &hdir);
    if (!NT_SUCCESS(st))
        return st;
    int n8 = snprintf(hidden8, sizeof hidden8, "%" PRIx64 "-%" PRIu64, node->ino,
                      __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED));
    size_t hlen = 0;
    for (; hlen < (size_t)n8; hlen++)
        hidden[hlen] = (WCHAR)hidden8[hlen];
    int len = fsp_node_path(nt, hdir, hidden, hlen, hpath);
    st = len < 0 ? FspNtStatusFromErrno(-len)
                 : nt->fs->Interface->Rename(nt->fs, ctx, path, hpath, FALSE);
    if (NT_SUCCESS(st)) {
        if (fsp_node_rename(nt, dir, name, namelen, hdir, hidden, hlen, gone))
            st = STATUS_INSUFFICIENT_RESOURCES;
        else
            __atomic_store_n(&node->delete_pending, true, __ATOMIC_RELEASE);
    }
    fsp_node_put(nt, hdir);
    return st;
}

void fsp_legacy_closing(struct fsp_native *nt, struct fsp_node *node)
{
    pthread_mutex_lock(&nt->nodes_lock);
    node->closing++;
    node->refs++;
    pthread_mutex_unlock(&nt->nodes_lock);
}

void fsp_legacy_closed(struct fsp_native *nt, struct fsp_node *node)
{
    const FSP_FILE_SYSTEM_INTERFACE *fi = nt->fs->Interface;
    WCHAR path[FSP_PATH_MAX];
    FSP_FSCTL_FILE_INFO info;
    PVOID ctx;

    /* Only once every handle is Closed, not merely off the list: a legacy
     * file system must see no other open context when the delete comes. */
    pthread_mutex_lock(&nt->nodes_lock);
    node->closing--;
    bool last = node->delete_pending && !node->handles && !node->closing;
    pthread_mutex_unlock(&nt->nodes_lock);
    if (!last)
        return;
    /* Claimed under the exclusive guard: an OPEN of the node (by its hidden
     * name, under the shared guard) may have registered a handle since we
     * looked, and then its close deletes the file. Of several handles
     * closing at once, the first here claims it. */
    fsp_guard_enter(nt, FSP_GUARD_EXCL);
    pthread_mutex_lock(&nt->nodes_lock);
    last = node->delete_pending && !node->handles && !node->closing;
    if (last)
        node->delete_pending = false;
    pthread_mutex_unlock(&nt->nodes_lock);
    if (!last) {
        fsp_guard_leave(nt, FSP_GUARD_EXCL);
        return;
    }
    /* The handles' contexts are gone: the last Cleanup is that of a private
     * open, which asks SetDelete (or CanDelete) again like any delete. */
    if (fsp_node_path(nt, node, NULL, 0, path) >= 0 &&
        NT_SUCCESS(fsp_open_path(nt, path, FILE_OPEN_REPARSE_POINT, DELETE | FILE_READ_ATTRIBUTES,
                                 &ctx, &info))) {
        NTSTATUS st = fsp_may_delete(nt, ctx, path);
        if (fi->Cleanup && (NT_SUCCESS(st) || !nt->fs->VolumeParams.PostCleanupWhenModifiedOnly))
            fi->Cleanup(nt->fs, ctx, NT_SUCCESS(st) ? path : NULL,
                        NT_SUCCESS(st) ? FspCleanupDelete : 0);
        fsp_fs_close(nt, ctx);
    }
    fsp_node_drop(nt, node);
    fsp_guard_leave(nt, FSP_GUARD_EXCL);
}

void fsp_legacy_unhide(struct fsp_native *nt, struct fsp_node *node, struct fsp_node *dir,
                       const WCHAR *name, size_t namelen)
{
    WCHAR hpath[FSP_PATH_MAX], path[FSP_PATH_MAX];
    FSP_FSCTL_FILE_INFO info;
    PVOID ctx;

    if (fsp_node_path(nt, node, NULL, 0, hpath) < 0 ||
        fsp_node_path(nt, dir, name, namelen, path) < 0)
        return;
    if (!NT_SUCCESS(fsp_open_path(nt, hpath, FILE_OPEN_REPARSE_POINT, DELETE | FILE_READ_ATTRIBUTES,
                                  &ctx, &info)))
        return;
    NTSTATUS st = nt->fs->Interface->Rename(nt->fs, ctx, hpath, path, FALSE);
    if (NT_SUCCESS(st) && nt->fs->Interface->SetDelete)
        nt->fs->Interface->SetDelete(nt->fs, ctx, path, FALSE);
    if (nt->fs->Interface->Cleanup && !nt->fs->VolumeParams.PostCleanupWhenModifiedOnly)
        nt->fs->Interface->Cleanup(nt->fs, ctx, NULL, 0);
    fsp_fs_close(nt, ctx);
    if (NT_SUCCESS(st) && !fsp_node_move(nt, node, dir, name, namelen))
        __atomic_store_n(&node->delete_pending, false, __ATOMIC_RELEASE);
}
