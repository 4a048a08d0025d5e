/*
 * ops_ns.c - namespace changes on the native API: UNLINK, RMDIR, RENAME, LINK.
 *
 * Deletion is WinFsp's dance: Open(DELETE), ask SetDelete (or CanDelete),
 * then Cleanup with FspCleanupDelete and Close. Passing the delete flag on
 * our own private open gives POSIX semantics: the name goes at once, while
 * other open handles keep the file's data until they close. That is what
 * a volume with SupportsPosixUnlinkRename accepts; on one without it, a file
 * open elsewhere is hidden until its last close instead (legacydel.c).
 *
 * Rename adds what POSIX requires and WinFsp's Rename does not do: type
 * checks (EISDIR/ENOTDIR), replacing an empty directory, RENAME_NOREPLACE,
 * and doing nothing when both names are links to one file.
 *
 * LINK maps to FSP's CreateHardLink extension (winfsp.h).
 */
#include <sys/stat.h>

#include "native/gate.h"
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
    /* PostCleanupWhenModifiedOnly: a Cleanup only for a delete. */
    if (nt->fs->Interface->Cleanup && (flags || !nt->fs->VolumeParams.PostCleanupWhenModifiedOnly))
        nt->fs->Interface->Cleanup(nt->fs, ctx, flags & FspCleanupDelete ? path : NULL, flags);
    fsp_fs_close(nt, ctx);
}

/* Take back SetDelete(TRUE) when the delete does not happen after all. */
static void undo_delete(struct fsp_native *nt, PVOID ctx, PWSTR path)
{
    if (nt->fs->Interface->SetDelete)
        nt->fs->Interface->SetDelete(nt->fs, ctx, path, FALSE);
}

/* The name (dir, name) of the open file ctx (path), allowed to go: delete it
 * now with the Cleanup of our open, or on a legacy volume where the file is
 * open elsewhere, hide it until its last handle's Cleanup (then *hidden is
 * its node, +1 ref, when hidden is given). Closes ctx. */
static NTSTATUS remove_name(struct fsp_native *nt, struct fsp_node *dir, const WCHAR *name,
                            size_t namelen, PVOID ctx, PWSTR path, const FSP_FSCTL_FILE_INFO *info,
                            struct fsp_node **hidden, struct fsp_streams_gone *gone)
{
    struct fsp_node *open = fsp_legacy_must_hide(nt, dir, name, namelen, info);
    if (!open) {
        close_child(nt, ctx, path, FspCleanupDelete);
        fsp_node_unlink(nt, dir, name, namelen, gone);
        return STATUS_SUCCESS;
    }
    NTSTATUS st = fsp_legacy_hide(nt, dir, name, namelen, open, ctx, path, gone);
    if (!NT_SUCCESS(st))
        undo_delete(nt, ctx, path);
    close_child(nt, ctx, NULL, 0);
    if (NT_SUCCESS(st) && hidden)
        *hidden = open;
    else
        fsp_node_put(nt, open);
    return st;
}

/* Delete (parent, name), which must be a directory iff dir. Guard held. */
static NTSTATUS delete_child(struct fsp_native *nt, struct fsp_node *parent, const WCHAR *name,
                             size_t namelen, bool dir, struct fsp_streams_gone *gone)
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
    /* As WinFsp's DLL does before SetDelete/CanDelete: a READONLY file or
     * directory cannot be deleted (Linux shows it as immutable, EPERM). */
    if (NT_SUCCESS(st) && (info.FileAttributes & FILE_ATTRIBUTE_READONLY))
        st = STATUS_CANNOT_DELETE;
    if (NT_SUCCESS(st))
        st = fsp_may_delete(nt, ctx, path);
    if (NT_SUCCESS(st))
        return remove_name(nt, parent, name, namelen, ctx, path, &info, NULL, gone);
    close_child(nt, ctx, path, 0);
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
    struct fsp_streams_gone gone = {NULL, 0};
    NTSTATUS st = fsp_gate_remove(req, parent, wname, (size_t)n); /* gate.c */
    if (!NT_SUCCESS(st)) {
        fsp_reply_status(req, st);
        fsp_node_put(nt, parent);
        return;
    }
    fsp_guard_enter(nt, FSP_GUARD_EXCL);
    st = delete_child(nt, parent, wname, (size_t)n, dir, &gone);
    fsp_guard_leave(nt, FSP_GUARD_EXCL);
    fsp_reply_status(req, st);
    fsp_streams_forget(req, parent, &gone);
    fsp_node_put(nt, parent);
}

static void op_unlink(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    remove_common(req, arg, arglen, false);
}

static void op_rmdir(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    remove_common(req, arg, arglen, true);
}

static bool same_name_folded(const WCHAR *a, size_t alen, const WCHAR *b, size_t blen)
{
    if (alen != blen)
        return false;
    for (size_t i = 0; i < alen; i++)
        if (fsp_towupper(a[i]) != fsp_towupper(b[i]))
            return false;
    return true;
}

static NTSTATUS do_rename(struct fsp_native *nt, struct fsp_node *olddir, const WCHAR *oldname,
                          size_t oldlen, struct fsp_node *newdir, const WCHAR *newname,
                          size_t newlen, uint32_t flags, struct fsp_streams_gone *gone_old,
                          struct fsp_streams_gone *gone_new)
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
    struct fsp_node *hidden = NULL; /* the target, waiting for its last close */

    NTSTATUS tst = open_child(nt, newdir, newname, newlen, newpath, &tctx, &tinfo);
    if (NT_SUCCESS(tst)) {
        bool same = info.IndexNumber && info.IndexNumber == tinfo.IndexNumber;
        bool dst_dir = tinfo.FileAttributes & FILE_ATTRIBUTE_DIRECTORY;
        ULONG tflags = 0;
        if (same) {
            /* One file under two names: on a case-insensitive volume maybe
             * two spellings of one name, and only a case change is left to
             * do; otherwise two hard links, and POSIX says do nothing. */
            bool respelled = nt->case_insensitive && olddir == newdir &&
                             same_name_folded(oldname, oldlen, newname, newlen);
            if (!respelled || !memcmp(oldname, newname, oldlen * sizeof(WCHAR))) {
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
        } else if (tinfo.FileAttributes & FILE_ATTRIBUTE_READONLY) {
            /* WinFsp's read-only check on a replaced target: a file is
             * ACCESS_DENIED (EACCES); a directory, which must be deleted
             * first, CANNOT_DELETE (EPERM). */
            st = dst_dir ? STATUS_CANNOT_DELETE : STATUS_ACCESS_DENIED;
        } else if (dst_dir) {
            /* POSIX lets a directory replace an empty one; WinFsp's Rename
             * never replaces directories, so delete the target first (under
             * the exclusive guard, nobody can slip in between). */
            st = fsp_may_delete(nt, tctx, newpath);
            if (NT_SUCCESS(st))
                tflags = FspCleanupDelete;
        } else {
            struct fsp_node *open = fsp_legacy_must_hide(nt, newdir, newname, newlen, &tinfo);
            if (open) {
                /* A legacy volume never has an open file replaced: the
                 * target goes first, as if unlinked, and comes back if the
                 * rename fails. */
                fsp_node_put(nt, open);
                st = fsp_may_delete(nt, tctx, newpath);
                if (NT_SUCCESS(st))
                    tflags = FspCleanupDelete;
            } else
                replace = TRUE;
        }
        if (tflags)
            st = remove_name(nt, newdir, newname, newlen, tctx, newpath, &tinfo, &hidden, gone_new);
        else
            close_child(nt, tctx, newpath, 0);
    }
    if (NT_SUCCESS(st))
        st = fi->Rename(nt->fs, ctx, oldpath, newpath, replace);
    close_child(nt, ctx, NULL, 0);
    if (hidden) {
        /* A target hidden for nothing gets its name back. */
        if (!NT_SUCCESS(st))
            fsp_legacy_unhide(nt, hidden, newdir, newname, newlen);
        fsp_node_put(nt, hidden);
    }
    if (!NT_SUCCESS(st))
        return st;

    /* The file's streams moved with it, and a replaced target's died. */
    if (replace)
        fsp_node_unlink(nt, newdir, newname, newlen, gone_new);
    fsp_node_rename(nt, olddir, oldname, oldlen, newdir, newname, newlen, gone_old);
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
    /* WinFsp cannot rename streams; EXDEV lets mv(1) copy and delete. */
    if (fsp_stream_name_is(oldname, (size_t)on) || fsp_stream_name_is(newname, (size_t)nn)) {
        fsp_reply_err(req, EXDEV);
        return;
    }
    struct fsp_node *olddir = fsp_node_get(nt, fsp_req_header(req)->nodeid);
    struct fsp_node *newdir = fsp_node_get(nt, newdirid);
    struct fsp_streams_gone gone_old = {NULL, 0}, gone_new = {NULL, 0};
    NTSTATUS st =
        fsp_gate_rename(req, olddir, oldname, (size_t)on, newdir, newname, (size_t)nn); /* gate.c */
    if (!NT_SUCCESS(st)) {
        fsp_reply_status(req, st);
        fsp_node_put(nt, olddir);
        fsp_node_put(nt, newdir);
        return;
    }
    fsp_guard_enter(nt, FSP_GUARD_EXCL);
    fsp_notify_rename_lock(nt);
    st = do_rename(nt, olddir, oldname, (size_t)on, newdir, newname, (size_t)nn, flags, &gone_old,
                   &gone_new);
    fsp_notify_rename_unlock(nt);
    fsp_guard_leave(nt, FSP_GUARD_EXCL);
    fsp_reply_status(req, st);
    fsp_streams_forget(req, olddir, &gone_old);
    fsp_streams_forget(req, newdir, &gone_new);
    fsp_node_put(nt, olddir);
    fsp_node_put(nt, newdir);
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

/* LINK: open the source by (one of) its path(s), CreateHardLink, and answer
 * with the same node id (the kernel wants one inode per file) and the
 * attributes read after the link, so that st_nlink is right at once. */
static NTSTATUS do_link(struct fsp_native *nt, struct fsp_node *node, struct fsp_node *newdir,
                        const WCHAR *newname, size_t newlen, struct fuse_attr *attr)
{
    WCHAR oldpath[FSP_PATH_MAX], newpath[FSP_PATH_MAX];
    FSP_FSCTL_FILE_INFO info;
    PVOID ctx;

    /* The kernel refuses to link a file whose st_nlink it saw drop to 0,
     * but it may not have seen it: a file without a name has none to give. */
    int len = fsp_node_path(nt, node, NULL, 0, oldpath);
    if (len >= 0)
        len = fsp_node_path(nt, newdir, newname, newlen, newpath);
    if (len < 0)
        return FspNtStatusFromErrno(-len);
    NTSTATUS st =
        fsp_open_path(nt, oldpath, FILE_OPEN_REPARSE_POINT,
                      FILE_READ_ATTRIBUTES | FILE_WRITE_ATTRIBUTES | READ_CONTROL, &ctx, &info);
    if (!NT_SUCCESS(st))
        return st;
    if (info.FileAttributes & FILE_ATTRIBUTE_DIRECTORY)
        st = STATUS_FILE_IS_A_DIRECTORY; /* EPERM below: a directory has one name */
    else
        st = nt->fs->Interface->CreateHardLink(nt->fs, ctx, oldpath, newpath, &info);
    if (NT_SUCCESS(st))
        st = fsp_attr_of_context(nt, node, ctx, attr);
    close_child(nt, ctx, NULL, 0);
    if (NT_SUCCESS(st) && fsp_node_add_name(nt, node, newdir, newname, newlen))
        st = STATUS_INSUFFICIENT_RESOURCES;
    return st;
}

static void op_link(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    struct fsp_native *nt = fsp_native_of(req);
    const struct fuse_link_in *in = arg;
    WCHAR newname[FSP_NAME_MAX + 1];

    /* Without the extension the volume is one where names are files. */
    if (!nt->fs->VolumeParams.HardLinks || !nt->fs->Interface->CreateHardLink) {
        fsp_reply_err(req, EPERM);
        return;
    }
    int n = fsp_req_name(nt, (const char *)(in + 1), arglen - sizeof *in, newname);
    if (n < 0) {
        fsp_reply_err(req, -n);
        return;
    }
    if (nt->fs->VolumeParams.ReadOnlyVolume) {
        fsp_reply_err(req, EROFS);
        return;
    }
    struct fsp_node *node = fsp_node_get(nt, in->oldnodeid);
    /* A stream is part of its file, with no name of its own to add to. */
    if (fsp_stream_name_is(newname, (size_t)n) || node->stream) {
        fsp_node_put(nt, node);
        fsp_reply_err(req, EPERM);
        return;
    }
    struct fsp_node *newdir = fsp_node_get(nt, fsp_req_header(req)->nodeid);
    struct fuse_entry_out entry;
    memset(&entry, 0, sizeof entry);
    /* Windows' FILE_ADD_FILE on the directory, and the source's open as a
     * Create request for the file system (gate.h). */
    NTSTATUS st = fsp_gate_add(req, newdir, false);
    struct fsp_create_req cr;
    const UINT32 link_access = FILE_READ_ATTRIBUTES | FILE_WRITE_ATTRIBUTES | READ_CONTROL;
    fsp_opctx_set(req,
                  fsp_create_req_of_node(&cr, nt, req, node,
                                         FILE_OPEN << 24 | FILE_OPEN_REPARSE_POINT, link_access,
                                         link_access),
                  NULL);
    fsp_guard_enter(nt, FSP_GUARD_EXCL);
    if (NT_SUCCESS(st))
        st = do_link(nt, node, newdir, newname, (size_t)n, &entry.attr);
    fsp_guard_leave(nt, FSP_GUARD_EXCL);
    fsp_opctx_clear();
    if (NT_SUCCESS(st))
        fsp_entry_fill(nt, node, &entry);
    fsp_node_put(nt, node);
    fsp_node_put(nt, newdir);
    if (st == STATUS_FILE_IS_A_DIRECTORY)
        fsp_reply_err(req, EPERM);
    else if (NT_SUCCESS(st))
        fsp_reply_buf(req, &entry, sizeof entry);
    else
        fsp_reply_status(req, st);
}

void fsp_native_ns_ops(struct fsp_session_ops *ops);
void fsp_native_ns_ops(struct fsp_session_ops *ops)
{
    ops->op[FUSE_UNLINK] = op_unlink;
    ops->op[FUSE_RMDIR] = op_rmdir;
    ops->op[FUSE_RENAME] = op_rename;
    ops->op[FUSE_RENAME2] = op_rename2;
    ops->op[FUSE_LINK] = op_link;
}
