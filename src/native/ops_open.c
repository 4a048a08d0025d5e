/*
 * ops_open.c - opening, creating and closing files on the native API.
 *
 * OPEN/OPENDIR -> Open (+ Overwrite for O_TRUNC); CREATE/MKDIR -> Create
 * with a security descriptor that makes the caller the owner; RELEASE ->
 * Cleanup (with the time flags WinFsp's FSD would pass) + Close.
 */
#include <sys/stat.h>

#include "native/gate.h"
#include "native/posixacl.h"
#include "ops_util.h"
#include "reparse.h"

static void reply_open(struct fsp_req *req, struct fsp_native *nt, struct fsp_handle *h)
{
    struct fuse_open_out out;
    memset(&out, 0, sizeof out);
    out.fh = (uint64_t)(uintptr_t)h;
    /* With FileInfoTimeout INFINITE WinFsp also keeps the data cache. */
    if (nt->keep_cache && !h->is_dir)
        out.open_flags |= FOPEN_KEEP_CACHE;
    /* A directory's listing is kept by the kernel, across opens, while
     * WinFsp would cache it (fs.c, DirInfo). */
    if (!h->is_dir)
        out.open_flags |= FOPEN_NOFLUSH; /* see op_flush */
    else if (nt->cache_dir)
        out.open_flags |= FOPEN_CACHE_DIR | FOPEN_KEEP_CACHE;
    fsp_reply_buf(req, &out, sizeof out);
}

static NTSTATUS overwrite(struct fsp_native *nt, PVOID ctx, FSP_FSCTL_FILE_INFO *info)
{
    const FSP_FILE_SYSTEM_INTERFACE *fi = nt->fs->Interface;
    if (fi->OverwriteEx)
        return fi->OverwriteEx(nt->fs, ctx, 0, FALSE, 0, NULL, 0, info);
    return fi->Overwrite(nt->fs, ctx, 0, FALSE, 0, info);
}

/* The kernel's flag for an open by execve(2) (__FMODE_EXEC: f_flags keeps it,
 * and FUSE passes f_flags on). */
#define FSP_O_EXEC 0x20

/* The rights an open asks of the access gate: what Windows asks of a
 * CreateFile with the matching access. */
static uint32_t gate_rights_of_open(uint32_t flags, bool dir)
{
    if (dir)
        return FILE_LIST_DIRECTORY;
    if (flags & FSP_O_EXEC)
        return FILE_EXECUTE;
    uint32_t write = flags & O_APPEND ? FILE_APPEND_DATA : FILE_WRITE_DATA, r;
    switch (flags & O_ACCMODE) {
    case O_WRONLY:
        r = write;
        break;
    case O_RDWR:
        r = FILE_READ_DATA | write;
        break;
    default:
        r = FILE_READ_DATA;
    }
    return r | (flags & O_TRUNC ? FILE_WRITE_DATA : 0);
}

/* OPEN of a node without a name, yet the kernel opens it: /proc/PID/fd/N of
 * an unlinked file. WinFsp cannot open by id; share an open handle's
 * context. False (nothing replied) if the node has no handle to share. */
static bool open_unnamed(struct fsp_req *req, struct fsp_native *nt, struct fsp_node *node,
                         const struct fuse_open_in *in, bool dir, bool *nomem)
{
    FSP_FSCTL_FILE_INFO info;
    if (!dir && fsp_readonly_refuses_open(node, in->flags)) {
        fsp_node_put(nt, node);
        fsp_reply_status(req, FSP_STATUS_READONLY_FILE);
        return true;
    }
    struct fsp_handle *h = fsp_handle_reopen(nt, node, dir, nomem);
    if (!h)
        return false;
    if (!dir && (in->flags & O_TRUNC)) {
        pthread_rwlock_wrlock(&node->io_lock);
        NTSTATUS st = overwrite(nt, h->context, &info);
        pthread_rwlock_unlock(&node->io_lock);
        if (!NT_SUCCESS(st)) {
            fsp_handle_unlink(nt, h);
            if (fsp_handle_last_user(nt, h)) /* the others closed meanwhile */
                fsp_fs_close(nt, h->context);
            fsp_legacy_closed(nt, node);
            fsp_handle_free(h);
            fsp_node_put(nt, node);
            fsp_reply_status(req, st);
            return true;
        }
    }
    reply_open(req, nt, h); /* h keeps the node ref */
    return true;
}

static void open_common(struct fsp_req *req, const struct fuse_open_in *in, bool dir)
{
    struct fsp_native *nt = fsp_native_of(req);
    WCHAR path[FSP_PATH_MAX];
    FSP_FSCTL_FILE_INFO info;
    PVOID ctx;
    bool nomem = false;

    if (!fsp_can_open(nt)) {
        fsp_reply_status(req, STATUS_INVALID_DEVICE_REQUEST);
        return;
    }
    struct fsp_node *node = fsp_node_get(nt, fsp_req_header(req)->nodeid);
    int len = fsp_node_path(nt, node, NULL, 0, path);
    if (len == -ENOENT) {
        if (open_unnamed(req, nt, node, in, dir, &nomem))
            return;
        len = nomem ? -ENOMEM : -ENOENT;
    }
    if (len < 0) {
        fsp_node_put(nt, node);
        fsp_reply_err(req, -len);
        return;
    }
    NTSTATUS st = fsp_gate_node(req, node, gate_rights_of_open(in->flags, dir));
    if (!NT_SUCCESS(st)) {
        fsp_node_put(nt, node);
        fsp_reply_status(req, st);
        return;
    }
    UINT32 access = dir ? FILE_LIST_DIRECTORY | FILE_TRAVERSE | FILE_READ_ATTRIBUTES | SYNCHRONIZE
                        : fsp_handle_access(nt, in->flags);
    UINT32 options = dir ? FILE_DIRECTORY_FILE : FILE_NON_DIRECTORY_FILE;
    /* The namespace guard from the node's name to its registered handle.
     * An UNLINK or RENAME (exclusive) then comes either wholly before: we
     * open what the name is after it (not a file that took the old name,
     * under this node); or wholly after: it finds the handle on the node's
     * list, and a legacy volume hides the file instead of deleting or
     * replacing it under our open context (legacydel.c). Shared for a plain
     * open; exclusive with O_TRUNC, as WinFsp takes it for every Create
     * whose disposition is not FILE_OPEN: Overwrite changes sizes that a
     * ReadDirectory (shared) may be reading. */
    enum fsp_guard guard = !dir && (in->flags & O_TRUNC) ? FSP_GUARD_EXCL : FSP_GUARD_SHARED;
    fsp_guard_enter(nt, guard);
    len = fsp_node_path(nt, node, NULL, 0, path);
    if (len < 0) {
        /* It lost its name since we looked. */
        fsp_guard_leave(nt, guard);
        if (len == -ENOENT && open_unnamed(req, nt, node, in, dir, &nomem))
            return;
        fsp_node_put(nt, node);
        fsp_reply_err(req, nomem ? ENOMEM : -len);
        return;
    }
    struct fsp_create_req cr;
    fsp_opctx_set(req,
                  fsp_create_req_fill(&cr, nt, req, path, (size_t)len,
                                      fsp_disposition_of_flags(dir ? 0 : in->flags) << 24 | options,
                                      0, dir ? access : fsp_access_of_flags(in->flags), access),
                  NULL);
    st = fsp_open_path(nt, path, options, access, &ctx, &info);
    if (NT_SUCCESS(st) && dir != !!(info.FileAttributes & FILE_ATTRIBUTE_DIRECTORY)) {
        fsp_fs_close(nt, ctx);
        st = dir ? STATUS_NOT_A_DIRECTORY : STATUS_FILE_IS_A_DIRECTORY;
    }
    if (NT_SUCCESS(st) && !dir) { /* READONLY: no writing (readonly.c) */
        fsp_readonly_note(node, info.FileAttributes);
        if (fsp_readonly_refuses_open(node, in->flags)) {
            fsp_fs_close(nt, ctx);
            st = FSP_STATUS_READONLY_FILE;
        }
    }
    if (NT_SUCCESS(st) && !dir && (in->flags & O_TRUNC)) {
        /* Part of the same Create request for WinFsp's FSD: under the
         * guard taken above; the file's lock comes after the guard. */
        pthread_rwlock_wrlock(&node->io_lock);
        st = overwrite(nt, ctx, &info);
        /* O_TRUNC by an unprivileged caller (HANDLE_KILLPRIV_V2). */
        if (NT_SUCCESS(st) && (in->open_flags & FUSE_OPEN_KILL_SUIDGID))
            st = fsp_kill_suidgid(nt, ctx, fsp_req_header(req), false);
        pthread_rwlock_unlock(&node->io_lock);
        if (!NT_SUCCESS(st)) {
            if (nt->fs->Interface->Cleanup)
                nt->fs->Interface->Cleanup(nt->fs, ctx, NULL, 0);
            fsp_fs_close(nt, ctx);
        }
    }
    fsp_opctx_clear();
    struct fsp_handle *h = NULL;
    if (NT_SUCCESS(st)) {
        h = fsp_handle_new(nt, node, ctx, dir); /* keeps the node ref */
        if (!h) {
            fsp_fs_close(nt, ctx);
            st = STATUS_INSUFFICIENT_RESOURCES;
        }
    }
    fsp_guard_leave(nt, guard);
    if (!h) {
        fsp_node_put(nt, node);
        fsp_reply_status(req, st);
        return;
    }
    reply_open(req, nt, h);
}

static void op_open(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    open_common(req, arg, false);
}

static void op_opendir(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    open_common(req, arg, true);
}

/*
 * Create name in parent as the caller: owner = caller's uid, group = caller's
 * gid or the directory's when it is setgid (and a new directory then
 * inherits the setgid bit), the mode the kernel passed. The umask applies
 * unless the directory has a default POSIX ACL, which gives the new file's
 * permissions instead (posixacl.c; the kernel leaves both to us with
 * FUSE_DONT_MASK).
 */
static NTSTATUS create_child(struct fsp_req *req, struct fsp_native *nt, struct fsp_node *parent,
                             const WCHAR *name, size_t namelen, uint32_t mode, uint32_t umask,
                             uint32_t flags, bool dir, const struct fsp_reparse *rp, PVOID *ctx,
                             FSP_FSCTL_FILE_INFO *info)
{
    const FSP_FILE_SYSTEM_INTERFACE *fi = nt->fs->Interface;
    const struct fuse_in_header *hdr = fsp_req_header(req);
    WCHAR path[FSP_PATH_MAX], ppath[FSP_PATH_MAX];
    PSECURITY_DESCRIPTOR sd = NULL;
    UINT32 uid = hdr->uid, gid = hdr->gid, perm = mode & 07777;
    NTSTATUS st;

    if (nt->fs->VolumeParams.ReadOnlyVolume)
        return STATUS_MEDIA_WRITE_PROTECTED;
    if (!fsp_can_open(nt))
        return STATUS_INVALID_DEVICE_REQUEST;
    int len = fsp_node_path(nt, parent, name, namelen, path);
    if (len < 0)
        return FspNtStatusFromErrno(-len);
    st = fsp_gate_add(req, parent, dir);
    if (!NT_SUCCESS(st))
        return st;

    if (nt->has_security) {
        char sdbuf[1024];
        PSECURITY_DESCRIPTOR psd = NULL;
        UINT32 puid, pgid, pmode;
        if (fsp_node_path(nt, parent, NULL, 0, ppath) >= 0 &&
            NT_SUCCESS(fsp_sd_query(nt, NULL, ppath, sdbuf, sizeof sdbuf, &psd)) &&
            NT_SUCCESS(FspPosixMapSecurityDescriptorToPermissions(psd, &puid, &pgid, &pmode)) &&
            (pmode & S_ISGID)) {
            gid = pgid;
            if (dir)
                perm |= S_ISGID;
        }
        st = STATUS_NOT_FOUND;
        if (psd && !S_ISLNK(mode))
            st = fsp_pacl_inherit(psd, fsp_sd_length(psd, FSP_SD_MAX_SIZE), uid, gid, perm, dir,
                                  &sd, NULL);
        fsp_sd_release(psd, sdbuf);
        if (st == STATUS_NOT_FOUND)
            st = FspPosixMapPermissionsToSecurityDescriptor(uid, gid, perm & ~umask, &sd);
        if (!NT_SUCCESS(st))
            return st;
    }

    UINT32 options = (FILE_CREATE << 24) | (dir ? FILE_DIRECTORY_FILE : FILE_NON_DIRECTORY_FILE);
    UINT32 access = dir ? FILE_ALL_ACCESS : fsp_handle_access(nt, flags) | DELETE;
    UINT32 attrs = dir ? FILE_ATTRIBUTE_DIRECTORY : FILE_ATTRIBUTE_ARCHIVE;
    FSP_FSCTL_OPEN_FILE_INFO oinfo;
    memset(&oinfo, 0, sizeof oinfo);
    if (rp)
        attrs |= FILE_ATTRIBUTE_REPARSE_POINT;
    /* CREATE carries O_CREAT (and O_EXCL, O_TRUNC as asked); MKDIR, MKNOD
     * and SYMLINK are CreateDirectory-like: FILE_CREATE. */
    UINT32 disposition = flags & O_CREAT ? fsp_disposition_of_flags(flags) : FILE_CREATE;
    struct fsp_create_req cr;
    fsp_opctx_set(req,
                  fsp_create_req_fill(&cr, nt, req, path, (size_t)len,
                                      disposition << 24 | (options & 0xffffff), attrs,
                                      dir ? access : fsp_access_of_flags(flags), access),
                  NULL);

    PVOID *slot = fsp_context_slot(nt, ctx); /* UmFileContextIsFullContext */
    bool made = false;                       /* a context to Close exists (or existed) */
    fsp_guard_enter(nt, FSP_GUARD_EXCL);
    if (!slot)
        st = STATUS_INSUFFICIENT_RESOURCES;
    else if (fi->CreateEx)
        made = NT_SUCCESS(st = fi->CreateEx(nt->fs, path, options, access, attrs, sd, 0,
                                            rp ? (PVOID)rp->data : NULL, rp ? rp->size : 0,
                                            rp != NULL, slot, &oinfo.FileInfo));
    else if (rp && !fi->SetReparsePoint)
        st = STATUS_INVALID_DEVICE_REQUEST;
    else {
        made = NT_SUCCESS(
            st = fi->Create(nt->fs, path, options, access, attrs, sd, 0, slot, &oinfo.FileInfo));
        /* Without CreateEx the FSD creates first and sets the reparse
         * point second; undo the create if that fails. */
        if (NT_SUCCESS(st) && rp) {
            NTSTATUS rst = fi->SetReparsePoint(nt->fs, *ctx, path, (PVOID)rp->data, rp->size);
            if (!NT_SUCCESS(rst)) {
                if (fi->Cleanup)
                    fi->Cleanup(nt->fs, *ctx, path, FspCleanupDelete);
                fsp_fs_close(nt, *ctx);
                st = rst;
            } else if (fi->GetFileInfo)
                fi->GetFileInfo(nt->fs, *ctx, &oinfo.FileInfo);
        }
    }
    fsp_guard_leave(nt, FSP_GUARD_EXCL);
    fsp_opctx_clear();
    if (slot && !made)
        fsp_context_drop(nt, *ctx);
    *info = oinfo.FileInfo;
    if (sd)
        FspDeleteSecurityDescriptor(sd, (NTSTATUS(*)())FspPosixMapPermissionsToSecurityDescriptor);
    return st;
}

static void reply_entry(struct fsp_req *req, struct fsp_native *nt, struct fsp_node *node,
                        PVOID ctx, struct fsp_handle *h)
{
    struct {
        struct fuse_entry_out entry;
        struct fuse_open_out open;
    } out;
    memset(&out, 0, sizeof out);
    NTSTATUS st = fsp_attr_of_context(nt, node, ctx, &out.entry.attr);
    if (!NT_SUCCESS(st)) {
        /* The file exists; report what we can rather than fail the create. */
        out.entry.attr.ino = node->ino;
    }
    fsp_entry_fill(nt, node, &out.entry);
    if (!h) {
        fsp_reply_buf(req, &out.entry, sizeof out.entry);
        return;
    }
    out.open.fh = (uint64_t)(uintptr_t)h;
    out.open.open_flags |= FOPEN_NOFLUSH; /* see op_flush */
    if (nt->keep_cache)
        out.open.open_flags |= FOPEN_KEEP_CACHE;
    fsp_reply_buf(req, &out, sizeof out);
}

/* CREATE, MKDIR and MKNOD(S_IFREG) share this: create, link the node, reply. */
static void create_common(struct fsp_req *req, const char *name, size_t maxname, uint32_t mode,
                          uint32_t umask, uint32_t flags, bool dir, bool want_handle,
                          const struct fsp_reparse *rp)
{
    struct fsp_native *nt = fsp_native_of(req);
    WCHAR wname[FSP_NAME_MAX + 1];
    FSP_FSCTL_FILE_INFO info = {0};
    PVOID ctx = NULL;

    int n = fsp_req_name(nt, name, maxname, wname);
    if (n < 0) {
        fsp_reply_err(req, -n);
        return;
    }
    if ((dir || rp) && fsp_stream_name_is(wname, (size_t)n)) {
        fsp_reply_err(req, EPERM); /* a stream holds data only */
        return;
    }
    struct fsp_node *parent = fsp_req_node(nt, req);
    NTSTATUS st =
        create_child(req, nt, parent, wname, (size_t)n, mode, umask, flags, dir, rp, &ctx, &info);
    if (!NT_SUCCESS(st)) {
        fsp_reply_status(req, st);
        return;
    }
    struct fsp_node *node = fsp_node_link(nt, parent, wname, (size_t)n, info.IndexNumber, true);
    struct fsp_handle *h = NULL;
    if (node && want_handle) {
        h = fsp_handle_new(nt, node, ctx, false);
        if (h)
            fsp_node_get(nt, node->nodeid); /* the handle's reference */
    }
    if (!node || (want_handle && !h)) {
        /* Out of memory after the file exists: it stays; the open fails. */
        fsp_fs_close(nt, ctx);
        if (node)
            fsp_node_forget(nt, node->nodeid, 1);
        fsp_reply_err(req, ENOMEM);
        return;
    }
    if (!want_handle) /* ctx outlives the reply: a legacy delete must wait */
        fsp_legacy_closing(nt, node);
    reply_entry(req, nt, node, ctx, h);
    if (!want_handle) {
        if (nt->fs->Interface->Cleanup && !nt->fs->VolumeParams.PostCleanupWhenModifiedOnly)
            nt->fs->Interface->Cleanup(nt->fs, ctx, NULL, 0);
        fsp_fs_close(nt, ctx);
        fsp_legacy_closed(nt, node);
        fsp_node_put(nt, node);
    }
}

static void op_create(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    const struct fuse_create_in *in = arg;
    create_common(req, (const char *)(in + 1), arglen - sizeof *in, in->mode, in->umask, in->flags,
                  false, true, NULL);
}

static void op_mkdir(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    const struct fuse_mkdir_in *in = arg;
    create_common(req, (const char *)(in + 1), arglen - sizeof *in, in->mode, in->umask, 0, true,
                  false, NULL);
}

static void op_mknod(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    struct fsp_native *nt = fsp_native_of(req);
    const struct fuse_mknod_in *in = arg;
    struct fsp_reparse rp;
    if (S_ISREG(in->mode)) {
        create_common(req, (const char *)(in + 1), arglen - sizeof *in, in->mode, in->umask, O_RDWR,
                      false, false, NULL);
        return;
    }
    /* FIFOs, sockets and devices are files with NFS reparse data, as
     * WinFsp's FUSE layer makes them; a volume without reparse points has
     * no place for them. */
    if (fsp_special_encode(in->mode, in->rdev, &rp)) {
        fsp_reply_err(req, EINVAL);
        return;
    }
    if (!nt->fs->VolumeParams.ReparsePoints) {
        fsp_reply_err(req, EPERM);
        return;
    }
    create_common(req, (const char *)(in + 1), arglen - sizeof *in, in->mode, in->umask, O_RDWR,
                  false, false, &rp);
}

static void op_symlink(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    struct fsp_native *nt = fsp_native_of(req);
    const char *name = arg;
    size_t first = strnlen(name, arglen) + 1;
    struct fsp_reparse rp;

    if (first >= arglen || !nt->fs->VolumeParams.ReparsePoints) {
        fsp_reply_err(req, first >= arglen ? EINVAL : EPERM);
        return;
    }
    int err = fsp_symlink_encode(name + first, arglen - first, &rp);
    if (err) {
        fsp_reply_err(req, err);
        return;
    }
    create_common(req, name, first, S_IFLNK | 0777, 0, O_RDWR, false, false, &rp);
}

static void release_common(struct fsp_req *req, const struct fuse_release_in *in)
{
    struct fsp_native *nt = fsp_native_of(req);
    struct fsp_handle *h = fsp_handle_of(in->fh);
    struct fsp_node *node = h->node;
    const FSP_FILE_SYSTEM_INTERFACE *fi = nt->fs->Interface;
    ULONG flags = 0;

    fsp_handle_unlink(nt, h);
    /* A context shared by reopened handles is cleaned up by the last. */
    bool last_user = fsp_handle_last_user(nt, h);
    if (last_user && !h->is_dir && node->dirty) {
        /* With the writeback cache the kernel keeps mtime and ctime and
         * sends them (SETATTR) when it writes back: Cleanup must not move
         * them to the time of the last close. */
        flags = nt->writeback ? FspCleanupSetArchiveBit
                              : FspCleanupSetLastWriteTime | FspCleanupSetChangeTime |
                                    FspCleanupSetArchiveBit;
        node->dirty = false;
    }
    if (last_user && fi->Cleanup && (flags || !nt->fs->VolumeParams.PostCleanupWhenModifiedOnly))
        fi->Cleanup(nt->fs, h->context, NULL, flags);
    if (last_user)
        fsp_fs_close(nt, h->context);
    /* A file unlinked while open on a legacy volume goes now. */
    fsp_legacy_closed(nt, node);
    uint64_t nodeid = node->nodeid;
    fsp_node_put(nt, node);
    fsp_handle_free(h);
    fsp_reply_err(req, 0);
    /* Cleanup moved the times on; the kernel's copy of them is stale now. */
    if ((flags & FspCleanupSetLastWriteTime) && (nt->attr_sec || nt->attr_nsec))
        fsp_notify_inval_inode(fsp_req_session(req), nodeid, -1, 0);
}

static void op_release(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    release_common(req, arg);
}

static void op_releasedir(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    release_common(req, arg);
}

static void op_flush(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    /* close(2) of one descriptor: WinFsp has no such event (Cleanup comes at
     * RELEASE), and the data is already with the file system. A FLUSH would
     * cost every close a round trip for nothing, so opens say FOPEN_NOFLUSH;
     * the kernel ignores that flag under the writeback cache (it flushes
     * dirty pages on close first), and ENOSYS here tells it to stop asking
     * (fc->no_flush) for the rest of the mount. */
    fsp_reply_err(req, ENOSYS);
}

static void op_fsync(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    struct fsp_native *nt = fsp_native_of(req);
    const struct fuse_fsync_in *in = arg;
    FSP_FSCTL_FILE_INFO info;
    NTSTATUS st = STATUS_SUCCESS;
    if (nt->fs->Interface->Flush)
        st = nt->fs->Interface->Flush(nt->fs, fsp_handle_of(in->fh)->context, &info);
    fsp_reply_status(req, st == STATUS_INVALID_DEVICE_REQUEST ? STATUS_SUCCESS : st);
}

void fsp_native_open_ops(struct fsp_session_ops *ops);
void fsp_native_open_ops(struct fsp_session_ops *ops)
{
    ops->op[FUSE_OPEN] = op_open;
    ops->op[FUSE_OPENDIR] = op_opendir;
    ops->op[FUSE_CREATE] = op_create;
    ops->op[FUSE_MKDIR] = op_mkdir;
    ops->op[FUSE_MKNOD] = op_mknod;
    ops->op[FUSE_SYMLINK] = op_symlink;
    ops->op[FUSE_RELEASE] = op_release;
    ops->op[FUSE_RELEASEDIR] = op_releasedir;
    ops->op[FUSE_FLUSH] = op_flush;
    ops->op[FUSE_FSYNC] = op_fsync;
    ops->op[FUSE_FSYNCDIR] = op_fsync;
}
