/*
 * withfile.c - run an operation on the file behind a request's node.
 *
 * Metadata requests without a handle (xattrs, Windows metadata) reach the
 * file the way WinFsp's FSD would: a short-lived Open by path with just the
 * access they need, the operation, Cleanup when something changed, Close. A
 * file that lost its name but is still open is reached through one of its
 * handles instead.
 */
#include "native/gate.h"
#include "ops_util.h"

NTSTATUS fsp_with_file(struct fsp_req *req, UINT32 access, bool change, ULONG cleanup_flags,
                       fsp_file_fn *fn, void *arg)
{
    struct fsp_native *nt = fsp_native_of(req);
    const FSP_FILE_SYSTEM_INTERFACE *fi = nt->fs->Interface;
    struct fsp_node *node = fsp_req_node(nt, req);
    WCHAR path[FSP_PATH_MAX];
    FSP_FSCTL_FILE_INFO info;
    PVOID ctx;
    NTSTATUS st;

    /* The name and the Open under the shared namespace guard, so that no
     * UNLINK or RENAME comes between them (we would reach a file that took
     * the name), and the context counted as open before the guard goes:
     * on a legacy volume a deletion meanwhile must hide the file, not delete
     * it under our context (legacydel.c). */
    fsp_guard_enter(nt, FSP_GUARD_SHARED);
    int len = fsp_node_path(nt, node, NULL, 0, path);
    if (len < 0) {
        fsp_guard_leave(nt, FSP_GUARD_SHARED);
        if (len == -ENOENT) /* unlinked but open: f*(2) calls come without a handle */
            return fsp_node_call_open(nt, node, fn, arg);
        return FspNtStatusFromErrno(-len);
    }
    st = fsp_open_path(nt, path, FILE_OPEN_REPARSE_POINT, access, &ctx, &info);
    if (NT_SUCCESS(st))
        fsp_legacy_closing(nt, node);
    fsp_guard_leave(nt, FSP_GUARD_SHARED);
    if (NT_SUCCESS(st)) {
        /* The descriptor may change: look again, unless fn reads the new
         * one for the reply (SETATTR does) and notes it (gate.c). */
        if (change)
            fsp_gate_forget(node);
        st = fn(nt, node, ctx, arg);
        if (change) {
            ULONG flags = NT_SUCCESS(st) ? cleanup_flags : 0;
            if (fi->Cleanup && (flags || !nt->fs->VolumeParams.PostCleanupWhenModifiedOnly))
                fi->Cleanup(nt->fs, ctx, NULL, flags);
        }
        fsp_fs_close(nt, ctx);
        fsp_legacy_closed(nt, node);
        fsp_node_put(nt, node); /* fsp_legacy_closing's reference */
    }
    return st;
}
