/*
 * ops_ns.c - namespace changes on the native API: UNLINK, RMDIR, RENAME.
 *
 * Deletion is WinFsp's dance: Open(DELETE), ask SetDelete (or CanDelete),
 * then Cleanup with FspCleanupDelete and Close. Passing the delete flag on
 * our own private open gives POSIX semantics: the name goes at once, while
 * other open handles keep the file's data until they close.
 *
 * Rename adds what POSIX requires and WinFsp's Rename does not do: type
 * checks (EISDIR/ENOTDIR), replacing an empty directory, RENAME_NOREPLACE.
 */
#include <sys/stat.h>

#include "ops_util.h"

/* Open (parent, name) for a namespace change; guard held by the caller. */
static NTSTATUS open_child(struct fsp_native *nt, struct fsp_node *parent, const WCHAR *name,
                           size_t namelen, WCHAR *path, PVOID *ctx, FSP_FSCTL_FILE_INFO *info)
{
    int len = fsp_node_path(nt, parent, name, namelen, path);
    if (len < 0)
        return FspNtStatusFromErrno(-len);
    return fsp_open_path(nt, path, FILE_OPEN_REPARSE_POINT, DELETE | FILE_READ_ATTRIBUTES, ctx,
                         info);
}

static void close_child(struct fsp_native *nt, PVOID ctx, PWSTR path, ULONG flags)
{
    if (nt->fs->Interface->Cleanup)
        nt->fs->Interface->Cleanup(nt->fs, ctx, flags & FspCleanupDelete ? path : NULL, flags);
    fsp_fs_close(nt, ctx);
}

/* May this open file be deleted? SetDelete takes precedence over CanDelete. */
static NTSTATUS may_delete(struct fsp_native *nt, PVOID ctx, PWSTR path)
{
    const FSP_FILE_SYSTEM_INTERFACE *fi = nt->fs->Interface;
    if (fi->SetDelete)
        return fi->SetDelete(nt->fs, ctx, path, TRUE);
    if (fi->CanDelete)
        return fi->CanDelete(nt->fs, ctx, path);
    return STATUS_SUCCESS;
}

/* Delete (parent, name), which must be a directory iff dir. Guard held. */
static NTSTATUS delete_child(struct fsp_native *nt, struct fsp_node *parent, const WCHAR *name,
                             size_t namelen, bool dir)
{
    WCHAR path[FSP_PATH_MAX];
    FSP_FSCTL_FILE_INFO info;
    PVOID ctx;

    NTSTATUS st = open_child(nt, parent, name, namelen, path, &ctx, &info);
    if (!NT_SUCCESS(st))
        return st;
    bool is_dir = info.FileAttributes & FILE_ATTRIBUTE_DIRECTORY;
    if (is_dir != dir)
        st = dir ? STATUS_NOT_A_DIRECTORY : STATUS_FILE_IS_A_DIRECTORY;
    if (NT_SUCCESS(st))
        st = may_delete(nt, ctx, path);
    close_child(nt, ctx, path, NT_SUCCESS(st) ? FspCleanupDelete : 0);
    if (NT_SUCCESS(st))
        fsp_node_unlink(nt, parent, name, namelen);
    return st;
}

static void remove_common(struct fsp_req *req, const char *name, uint32_t maxname, bool dir)
{
    struct fsp_native *nt = fsp_native_of(req);
    WCHAR wname[FSP_NAME_MAX + 1];

    int n = fsp_req_name(nt, name, maxname, wname);
    if (n < 0) {
        fsp_reply_err(req, -n);
        return;
    }
    if (nt->fs->VolumeParams.ReadOnlyVolume || !nt->fs->Interface->Open) {
        fsp_reply_err(req, nt->fs->VolumeParams.ReadOnlyVolume ? EROFS : EPERM);
        return;
    }
    struct fsp_node *parent = fsp_node_get(nt, fsp_req_header(req)->nodeid);
    fsp_guard_enter(nt, FSP_GUARD_EXCL);
    NTSTATUS st = delete_child(nt, parent, wname, (size_t)n, dir);
    fsp_guard_leave(nt, FSP_GUARD_EXCL);
    fsp_node_put(nt, parent);
    fsp_reply_status(req, st);
}

static void op_unlink(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    remove_common(req, arg, arglen, false);
}

static void op_rmdir(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    remove_common(req, arg, arglen, true);
}

static NTSTATUS do_rename(struct fsp_native *nt, struct fsp_node *olddir, const WCHAR *oldname,
                          size_t oldlen, struct fsp_node *newdir, const WCHAR *newname,
                          size_t newlen, uint32_t flags)
{
    const FSP_FILE_SYSTEM_INTERFACE *fi = nt->fs->Interface;
    WCHAR oldpath[FSP_PATH_MAX], newpath[FSP_PATH_MAX];
    FSP_FSCTL_FILE_INFO info, tinfo;
    PVOID ctx, tctx;

    if (!fi->Rename)
        return STATUS_INVALID_DEVICE_REQUEST;
    NTSTATUS st = open_child(nt, olddir, oldname, oldlen, oldpath, &ctx, &info);
    if (!NT_SUCCESS(st))
        return st;
    bool src_dir = info.FileAttributes & FILE_ATTRIBUTE_DIRECTORY;
    BOOLEAN replace = FALSE;

    NTSTATUS tst = open_child(nt, newdir, newname, newlen, newpath, &tctx, &tinfo);
    if (NT_SUCCESS(tst)) {
        bool same = info.IndexNumber && info.IndexNumber == tinfo.IndexNumber;
        bool dst_dir = tinfo.FileAttributes & FILE_ATTRIBUTE_DIRECTORY;
        ULONG tflags = 0;
        if (same) {
            /* One file under two spellings: only a case change is left to do. */
            if (olddir == newdir && oldlen == newlen &&
                !memcmp(oldname, newname, oldlen * sizeof(WCHAR))) {
                close_child(nt, tctx, NULL, 0);
                close_child(nt, ctx, NULL, 0);
                return STATUS_SUCCESS;
            }
        } else if (flags & FSP_RENAME_NOREPLACE) {
            st = STATUS_OBJECT_NAME_COLLISION;
        } else if (src_dir && !dst_dir) {
            st = STATUS_NOT_A_DIRECTORY;
        } else if (!src_dir && dst_dir) {
            st = STATUS_FILE_IS_A_DIRECTORY;
        } else if (dst_dir) {
            /* POSIX lets a directory replace an empty one; WinFsp's Rename
             * never replaces directories, so delete the target first (under
             * the exclusive guard, nobody can slip in between). */
            st = may_delete(nt, tctx, newpath);
            if (NT_SUCCESS(st))
                tflags = FspCleanupDelete;
        } else {
            replace = TRUE;
        }
        close_child(nt, tctx, newpath, tflags);
        if (tflags)
            fsp_node_unlink(nt, newdir, newname, newlen);
    }
    if (NT_SUCCESS(st))
        st = fi->Rename(nt->fs, ctx, oldpath, newpath, replace);
    close_child(nt, ctx, NULL, 0);
    if (!NT_SUCCESS(st))
        return st;

    struct fsp_node *node = fsp_node_find(nt, olddir, oldname, oldlen);
    if (replace)
        fsp_node_unlink(nt, newdir, newname, newlen);
    if (node) {
        fsp_node_move(nt, node, newdir, newname, newlen);
        fsp_node_put(nt, node);
    }
    return STATUS_SUCCESS;
}

static void rename_common(struct fsp_req *req, uint64_t newdirid, uint32_t flags, const char *names,
                          uint32_t size)
{
    struct fsp_native *nt = fsp_native_of(req);
    WCHAR oldname[FSP_NAME_MAX + 1], newname[FSP_NAME_MAX + 1];

    if (flags & ~FSP_RENAME_NOREPLACE) {
        /* RENAME_EXCHANGE and RENAME_WHITEOUT have no native equivalent. */
        fsp_reply_err(req, EINVAL);
        return;
    }
    int on = fsp_req_name(nt, names, size, oldname);
    if (on < 0) {
        fsp_reply_err(req, -on);
        return;
    }
    size_t first = strlen(names) + 1;
    int nn = fsp_req_name(nt, names + first, size - first, newname);
    if (nn < 0) {
        fsp_reply_err(req, -nn);
        return;
    }
    if (nt->fs->VolumeParams.ReadOnlyVolume) {
        fsp_reply_err(req, EROFS);
        return;
    }
    struct fsp_node *olddir = fsp_node_get(nt, fsp_req_header(req)->nodeid);
    struct fsp_node *newdir = fsp_node_get(nt, newdirid);
    fsp_guard_enter(nt, FSP_GUARD_EXCL);
    fsp_notify_rename_lock(nt);
    NTSTATUS st = do_rename(nt, olddir, oldname, (size_t)on, newdir, newname, (size_t)nn, flags);
    fsp_notify_rename_unlock(nt);
    fsp_guard_leave(nt, FSP_GUARD_EXCL);
    fsp_node_put(nt, olddir);
    fsp_node_put(nt, newdir);
    fsp_reply_status(req, st);
}

static void op_rename(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    const struct fuse_rename_in *in = arg;
    rename_common(req, in->newdir, 0, (const char *)(in + 1), arglen - sizeof *in);
}

static void op_rename2(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    const struct fuse_rename2_in *in = arg;
    rename_common(req, in->newdir, in->flags, (const char *)(in + 1), arglen - sizeof *in);
}

/* Hard links need the hard-link extension of the interface, which this
 * adapter does not map yet: answer as a file system without them. */
static void op_not_permitted(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    fsp_reply_err(req, EPERM);
}

void fsp_native_ns_ops(struct fsp_session_ops *ops);
void fsp_native_ns_ops(struct fsp_session_ops *ops)
{
    ops->op[FUSE_UNLINK] = op_unlink;
    ops->op[FUSE_RMDIR] = op_rmdir;
    ops->op[FUSE_RENAME] = op_rename;
    ops->op[FUSE_RENAME2] = op_rename2;
    ops->op[FUSE_LINK] = op_not_permitted;
}
