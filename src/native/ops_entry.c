/*
 * ops_entry.c - LOOKUP, FORGET, GETATTR, SETATTR and STATFS on the native API.
 *
 * WinFsp has no "stat by path": the FSD opens the file (Open with
 * FILE_READ_ATTRIBUTES), reads its FileInfo and closes it. We do the same,
 * plus the security descriptor for owner and mode.
 */
#include <sys/stat.h>

#include "native/gate.h"
#include "ops_util.h"
#include "reparse.h"

/* FileInfo and attributes of (dir, name), or of dir itself when name is
 * NULL, through a short-lived open. The name is resolved under the shared
 * namespace guard, with the Open and Close: no UNLINK or RENAME comes
 * between them (we would answer for a file that took the name, or for
 * none), nor meets the open context. With lookup, the name's node is
 * linked (+1 lookup) into *lookup before the guard goes, so that a
 * deletion after it finds the node under that name. *plen is the path's
 * length, or the negative errno of a node without one (nothing done). */
static NTSTATUS stat_name(struct fsp_native *nt, struct fsp_node *dir, const WCHAR *name,
                          size_t namelen, int *plen, FSP_FSCTL_FILE_INFO *info,
                          struct fuse_attr *attr, struct fsp_node **lookup)
{
    const FSP_FILE_SYSTEM_INTERFACE *fi = nt->fs->Interface;
    WCHAR path[FSP_PATH_MAX];
    struct fsp_node *node = name ? NULL : dir; /* the attributes' node, if known */
    PVOID ctx;
    char sdbuf[512];
    PSECURITY_DESCRIPTOR sd = NULL;

    fsp_guard_enter(nt, FSP_GUARD_SHARED);
    *plen = fsp_node_path(nt, dir, name, namelen, path);
    if (*plen < 0) {
        fsp_guard_leave(nt, FSP_GUARD_SHARED);
        return FspNtStatusFromErrno(-*plen);
    }
    NTSTATUS st = !fi->Open ? STATUS_INVALID_DEVICE_REQUEST
                            : fsp_open_path(nt, path, FILE_OPEN_REPARSE_POINT,
                                            FILE_READ_ATTRIBUTES | READ_CONTROL, &ctx, info);
    if (NT_SUCCESS(st)) {
        if (nt->has_security)
            fsp_sd_query(nt, ctx, path, sdbuf, sizeof sdbuf, &sd);
        fsp_attr_fill(nt, node, info, sd, attr);
        fsp_attr_reparse(nt, info, ctx, path, attr);
        fsp_fs_close(nt, ctx);
        if (lookup) {
            *lookup = fsp_node_link(nt, dir, name, namelen, info->IndexNumber, true);
            if (!*lookup)
                st = STATUS_INSUFFICIENT_RESOURCES;
        }
    }
    fsp_guard_leave(nt, FSP_GUARD_SHARED);
    fsp_sd_release(sd, sdbuf);
    return st;
}

static void op_lookup(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    struct fsp_native *nt = fsp_native_of(req);
    WCHAR name[FSP_NAME_MAX + 1];
    int n = fsp_req_name(nt, arg, arglen, name);
    if (n < 0) {
        fsp_reply_err(req, -n);
        return;
    }
    struct fsp_node *parent = fsp_req_node(nt, req);
    if (fsp_legacy_hidden(nt, parent, name, (size_t)n)) {
        fsp_reply_err(req, ENOENT);
        return;
    }

    FSP_FSCTL_FILE_INFO info;
    struct fuse_entry_out entry;
    struct fsp_node *node = NULL;
    int len;
    memset(&entry, 0, sizeof entry);
    NTSTATUS st = stat_name(nt, parent, name, (size_t)n, &len, &info, &entry.attr, &node);
    if (len < 0) {
        fsp_reply_err(req, -len);
        return;
    }
    if (!NT_SUCCESS(st)) {
        int err = FspErrnoFromNtStatus(st);
        /* Cache the absence like any other answer, except where another
         * spelling of the name could exist (case-insensitive volumes), and
         * for streams, which a rename of their main file brings in. */
        if (err == ENOENT && !nt->case_insensitive && (nt->attr_sec || nt->attr_nsec) &&
            !fsp_stream_name_is(name, (size_t)n)) {
            entry.entry_valid = nt->attr_sec;
            entry.entry_valid_nsec = nt->attr_nsec;
            fsp_reply_buf(req, &entry, sizeof entry);
        } else
            fsp_reply_err(req, err == ENOSYS ? EOPNOTSUPP : err);
        return;
    }
    entry.attr.ino = node->ino;
    fsp_node_remember(node, &entry.attr);
    fsp_entry_fill(nt, node, &entry);
    fsp_reply_buf(req, &entry, sizeof entry);
}

static void op_forget(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    const struct fuse_forget_in *in = arg;
    fsp_node_forget(fsp_native_of(req), fsp_req_header(req)->nodeid, in->nlookup);
    fsp_reply_none(req);
}

static void op_batch_forget(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    const struct fuse_batch_forget_in *in = arg;
    const struct fuse_forget_one *one = (const void *)(in + 1);
    struct fsp_native *nt = fsp_native_of(req);
    /* The session has checked that count records fit the request. */
    for (uint32_t i = 0; i < in->count; i++)
        fsp_node_forget(nt, one[i].nodeid, one[i].nlookup);
    fsp_reply_none(req);
}

static void reply_attr(struct fsp_req *req, struct fsp_native *nt, struct fuse_attr *attr)
{
    struct fuse_attr_out out;
    memset(&out, 0, sizeof out);
    out.attr = *attr;
    out.attr_valid = nt->attr_sec;
    out.attr_valid_nsec = nt->attr_nsec;
    fsp_reply_buf(req, &out, sizeof out);
}

/* Through an open file: the file's lock shared, as for a QueryInformation. */
static NTSTATUS attr_cb(struct fsp_native *nt, struct fsp_node *node, PVOID ctx, void *attr)
{
    return fsp_attr_query(nt, node, ctx, NULL, attr);
}

static void op_getattr(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    struct fsp_native *nt = fsp_native_of(req);
    const struct fuse_getattr_in *in = arg;
    struct fsp_node *node = fsp_req_node(nt, req);
    struct fuse_attr attr;
    NTSTATUS st;

    if ((in->getattr_flags & FUSE_GETATTR_FH) && in->fh) {
        st = attr_cb(nt, node, fsp_handle_of(in->fh)->context, &attr);
    } else {
        FSP_FSCTL_FILE_INFO info;
        int len;
        st = stat_name(nt, node, NULL, 0, &len, &info, &attr, NULL);
        if (len == -ENOENT) /* unlinked but open: fstat(2) asks without a handle */
            st = fsp_node_call_open(nt, node, attr_cb, &attr);
    }
    if (NT_SUCCESS(st))
        reply_attr(req, nt, &attr);
    else
        fsp_reply_status(req, st);
}

static void filetime_of(const struct fuse_setattr_in *in, bool atime, UINT64 *ft)
{
    bool now = atime ? (in->valid & FATTR_ATIME_NOW) : (in->valid & FATTR_MTIME_NOW);
    if (now) {
        fsp_timespec_now_ft(ft);
        return;
    }
    struct timespec ts = {
        .tv_sec = (time_t)(atime ? in->atime : in->mtime),
        .tv_nsec = atime ? in->atimensec : in->mtimensec,
    };
    FspPosixUnixTimeToFileTime(&ts, ft);
    if (*ft == 0)
        *ft = 1; /* 0 means "leave unchanged" to SetBasicInfo */
}

/* chmod/chown: merge the new owner, group and mode into the descriptor. A
 * chown flagged FATTR_KILL_SUIDGID (HANDLE_KILLPRIV_V2) also clears
 * setuid/setgid by the rules of the old mode and group; the kernel flags
 * chown whoever the caller is, and only root may keep a setgid bit
 * without group execute. */
static NTSTATUS set_owner_mode(struct fsp_native *nt, PVOID ctx, const struct fuse_in_header *hdr,
                               const struct fuse_setattr_in *in)
{
    const FSP_FILE_SYSTEM_INTERFACE *fi = nt->fs->Interface;
    char sdbuf[512];
    PSECURITY_DESCRIPTOR sd = NULL;
    UINT32 uid, gid, mode;

    if (!fi->GetSecurity || !fi->SetSecurity)
        return STATUS_PRIVILEGE_NOT_HELD; /* EPERM: this volume has no ownership */
    NTSTATUS st = fsp_sd_query(nt, ctx, NULL, sdbuf, sizeof sdbuf, &sd);
    if (NT_SUCCESS(st))
        st = FspPosixMapSecurityDescriptorToPermissions(sd, &uid, &gid, &mode);
    if (NT_SUCCESS(st)) {
        if ((in->valid & FATTR_KILL_SUIDGID) && !(in->valid & FATTR_MODE))
            mode = fsp_killpriv_mode(hdr, mode, gid, hdr->uid == 0);
        if (in->valid & FATTR_UID)
            uid = in->uid;
        if (in->valid & FATTR_GID)
            gid = in->gid;
        if (in->valid & FATTR_MODE)
            mode = in->mode & 07777;
        st = fsp_set_posix_perms(nt, ctx, sd, uid, gid, mode);
    }
    fsp_sd_release(sd, sdbuf);
    return st;
}

static NTSTATUS do_setattr(struct fsp_native *nt, struct fsp_node *node, PVOID ctx,
                           const struct fuse_in_header *hdr, const struct fuse_setattr_in *in)
{
    const FSP_FILE_SYSTEM_INTERFACE *fi = nt->fs->Interface;
    FSP_FSCTL_FILE_INFO info;
    NTSTATUS st = STATUS_SUCCESS;
    UINT64 now;
    bool changed = false;

    fsp_timespec_now_ft(&now);
    /* What HANDLE_KILLPRIV_V2 leaves of a change that only clears
     * setuid/setgid: the kernel drops ATTR_KILL_SUID/SGID and the mode it
     * computed, and flags (FATTR_KILL_SUIDGID) only a chown that names an
     * owner and truncation, so chown(f, -1, -1) arrives as a SETATTR that
     * sets nothing (but ctime with the writeback cache). Clear the bits by
     * the chown rules and move ctime, as tmpfs does. (A write's own
     * privilege check may send one too, before its flagged WRITE.) */
    if (!(in->valid & ~(FATTR_FH | FATTR_LOCKOWNER | FATTR_CTIME))) {
        st = fsp_kill_suidgid(nt, ctx, hdr, hdr->uid == 0);
        if (!NT_SUCCESS(st))
            return st;
        changed = true;
    }
    if (in->valid & FATTR_SIZE) {
        if (!fi->SetFileSize)
            return STATUS_INVALID_DEVICE_REQUEST;
        memset(&info, 0, sizeof info);
        if (fi->GetFileInfo)
            fi->GetFileInfo(nt->fs, ctx, &info);
        if ((info.FileAttributes & FILE_ATTRIBUTE_READONLY) &&
            !(info.FileAttributes & FILE_ATTRIBUTE_DIRECTORY))
            return FSP_STATUS_READONLY_FILE; /* readonly.c */
        UINT64 old = info.FileSize;
        st = fi->SetFileSize(nt->fs, ctx, in->size, FALSE, &info);
        if (!NT_SUCCESS(st))
            return st;
        if (old != in->size && fi->SetBasicInfo)
            fi->SetBasicInfo(nt->fs, ctx, INVALID_FILE_ATTRIBUTES, 0, 0, now, now, &info);
        node->dirty = false; /* the times are right already */
        /* An unprivileged truncation (HANDLE_KILLPRIV_V2); a chown is
         * handled with the owner below. */
        if ((in->valid & FATTR_KILL_SUIDGID) &&
            !(in->valid & (FATTR_MODE | FATTR_UID | FATTR_GID))) {
            st = fsp_kill_suidgid(nt, ctx, hdr, false);
            if (!NT_SUCCESS(st))
                return st;
        }
    }
    if (in->valid & (FATTR_MODE | FATTR_UID | FATTR_GID)) {
        st = set_owner_mode(nt, ctx, hdr, in);
        if (!NT_SUCCESS(st))
            return st;
        changed = true;
    }
    if (in->valid & (FATTR_ATIME | FATTR_MTIME | FATTR_CTIME)) {
        if (!fi->SetBasicInfo)
            return STATUS_INVALID_DEVICE_REQUEST;
        UINT64 at = 0, mt = 0, ct = now;
        if (in->valid & FATTR_ATIME)
            filetime_of(in, true, &at);
        if (in->valid & FATTR_MTIME) {
            filetime_of(in, false, &mt);
            node->dirty = false; /* an explicit mtime wins over Cleanup's */
        }
        if (in->valid & FATTR_CTIME) {
            struct timespec ts = {.tv_sec = (time_t)in->ctime, .tv_nsec = in->ctimensec};
            FspPosixUnixTimeToFileTime(&ts, &ct);
        }
        st = fi->SetBasicInfo(nt->fs, ctx, INVALID_FILE_ATTRIBUTES, 0, at, mt, ct, &info);
        if (!NT_SUCCESS(st))
            return st;
        changed = false;
    }
    if (changed && fi->SetBasicInfo)
        fi->SetBasicInfo(nt->fs, ctx, INVALID_FILE_ATTRIBUTES, 0, 0, 0, now, &info);
    return st;
}

struct setattr_args {
    const struct fuse_in_header *hdr;
    const struct fuse_setattr_in *in;
    struct fuse_attr *attr;
};

/* A change of size, times or owner and mode, as WinFsp's FSD makes a
 * SetInformation other than a rename or a disposition: no namespace guard
 * under FINE, and the file's lock exclusive around every call (GetFileInfo,
 * SetFileSize, SetBasicInfo, GetSecurity/SetSecurity) and the attributes
 * read back for the reply. */
static NTSTATUS setattr_locked(struct fsp_native *nt, struct fsp_node *node, PVOID ctx,
                               const struct fuse_in_header *hdr, const struct fuse_setattr_in *in,
                               struct fuse_attr *attr)
{
    fsp_guard_enter(nt, FSP_GUARD_NONE);
    pthread_rwlock_wrlock(&node->io_lock);
    NTSTATUS st = do_setattr(nt, node, ctx, hdr, in);
    if (NT_SUCCESS(st))
        st = fsp_attr_of_context(nt, node, ctx, attr);
    pthread_rwlock_unlock(&node->io_lock);
    fsp_guard_leave(nt, FSP_GUARD_NONE);
    return st;
}

static NTSTATUS setattr_cb(struct fsp_native *nt, struct fsp_node *node, PVOID ctx, void *arg)
{
    struct setattr_args *a = arg;
    return setattr_locked(nt, node, ctx, a->hdr, a->in, a->attr);
}

#define FSP_FATTR_TIMES                                                                       \
    (FATTR_ATIME | FATTR_MTIME | FATTR_CTIME | FATTR_ATIME_NOW | FATTR_MTIME_NOW | FATTR_FH | \
     FATTR_LOCKOWNER)

/* The attributes of a file with no name and no handle left: nothing stored,
 * so what the kernel was last told, with the times it sets. */
static void gone_attr(struct fsp_node *node, const struct fuse_setattr_in *in,
                      struct fuse_attr *attr)
{
    memset(attr, 0, sizeof *attr);
    attr->ino = node->ino;
    attr->mode = __atomic_load_n(&node->mode, __ATOMIC_RELAXED);
    attr->uid = __atomic_load_n(&node->uid, __ATOMIC_RELAXED);
    attr->gid = __atomic_load_n(&node->gid, __ATOMIC_RELAXED);
    attr->blksize = 4096;
    attr->atime = in->atime;
    attr->atimensec = in->atimensec;
    attr->mtime = in->mtime;
    attr->mtimensec = in->mtimensec;
    attr->ctime = in->ctime;
    attr->ctimensec = in->ctimensec;
}

static void op_setattr(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    struct fsp_native *nt = fsp_native_of(req);
    const struct fuse_setattr_in *in = arg;
    struct fsp_node *node = fsp_req_node(nt, req);
    struct fuse_attr attr;
    struct setattr_args a = {fsp_req_header(req), in, &attr};
    NTSTATUS st;

    if (nt->fs->VolumeParams.ReadOnlyVolume) {
        fsp_reply_err(req, EROFS);
        return;
    }
    st = fsp_gate_setattr(req, in->valid); /* Windows' rights beyond rwx (gate.c) */
    if (!NT_SUCCESS(st)) {
        fsp_reply_status(req, st);
        return;
    }
    if ((in->valid & FATTR_FH) && in->fh) {
        st = setattr_cb(nt, node, fsp_handle_of(in->fh)->context, &a);
    } else if (!nt->fs->Interface->Open) {
        st = STATUS_NOT_SUPPORTED;
    } else {
        /* By name, or through a handle of a file that lost its name:
         * fchmod(2) and friends ask without one. */
        st = fsp_with_file(
            req, FILE_WRITE_ATTRIBUTES | FILE_WRITE_DATA | WRITE_DAC | WRITE_OWNER | READ_CONTROL,
            true, 0, setattr_cb, &a);
        if (st == STATUS_OBJECT_NAME_NOT_FOUND && !(in->valid & ~FSP_FATTR_TIMES) &&
            __atomic_load_n(&node->unlinked, __ATOMIC_ACQUIRE)) {
            /* The file is gone for good, but the kernel still flushes
             * the times it kept (the writeback cache does so when the
             * inode is written back): nothing is left to change, and an
             * error would be reported to the next syncfs(2). */
            gone_attr(node, in, &attr);
            st = STATUS_SUCCESS;
        }
    }
    if (NT_SUCCESS(st))
        reply_attr(req, nt, &attr);
    else
        fsp_reply_status(req, st);
}

static void op_statfs(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    struct fsp_native *nt = fsp_native_of(req);
    const FSP_FSCTL_VOLUME_PARAMS *vp = &nt->fs->VolumeParams;
    FSP_FSCTL_VOLUME_INFO vi;
    struct fuse_statfs_out out;

    memset(&vi, 0, sizeof vi);
    memset(&out, 0, sizeof out);
    if (nt->fs->Interface->GetVolumeInfo) {
        fsp_guard_enter(nt, FSP_GUARD_SHARED);
        NTSTATUS st = nt->fs->Interface->GetVolumeInfo(nt->fs, &vi);
        fsp_guard_leave(nt, FSP_GUARD_SHARED);
        if (!NT_SUCCESS(st)) {
            fsp_reply_status(req, st);
            return;
        }
    }
    uint32_t unit = (uint32_t)vp->SectorSize * vp->SectorsPerAllocationUnit;
    out.st.bsize = unit;
    out.st.frsize = unit;
    out.st.blocks = vi.TotalSize / unit;
    out.st.bfree = vi.FreeSize / unit;
    out.st.bavail = out.st.bfree;
    /* The native API has no inode counts; report what the space allows. */
    out.st.files = out.st.blocks;
    out.st.ffree = out.st.bfree;
    out.st.namelen = vp->MaxComponentLength;
    fsp_reply_buf(req, &out, sizeof out);
}

static void op_readlink(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    struct fsp_native *nt = fsp_native_of(req);
    const FSP_FILE_SYSTEM_INTERFACE *fi = nt->fs->Interface;
    WCHAR path[FSP_PATH_MAX];
    FSP_FSCTL_FILE_INFO info;
    struct fsp_reparse rp;
    PVOID ctx;
    size_t cap;
    char *target = fsp_req_scratch(req, &cap);

    if (!fi->GetReparsePoint || !fi->Open) {
        fsp_reply_err(req, EINVAL);
        return;
    }
    struct fsp_node *node = fsp_req_node(nt, req);
    /* The path under the guard: a rename (exclusive) cannot move it between
     * our reading the name and the open. */
    fsp_guard_enter(nt, FSP_GUARD_SHARED);
    int len = fsp_node_path(nt, node, NULL, 0, path);
    if (len < 0) {
        fsp_guard_leave(nt, FSP_GUARD_SHARED);
        fsp_reply_err(req, -len);
        return;
    }
    NTSTATUS st =
        fsp_open_path(nt, path, FILE_OPEN_REPARSE_POINT, FILE_READ_ATTRIBUTES, &ctx, &info);
    if (NT_SUCCESS(st)) {
        SIZE_T size = sizeof rp.data;
        st = fi->GetReparsePoint(nt->fs, ctx, path, rp.data, &size);
        rp.size = size;
        fsp_fs_close(nt, ctx);
    }
    fsp_guard_leave(nt, FSP_GUARD_SHARED);
    if (st == STATUS_NOT_A_REPARSE_POINT) {
        fsp_reply_err(req, EINVAL);
        return;
    }
    if (!NT_SUCCESS(st)) {
        fsp_reply_status(req, st);
        return;
    }
    int n = fsp_symlink_decode(rp.data, rp.size, target, cap);
    if (n < 0)
        fsp_reply_err(req, n == -ENAMETOOLONG ? ENAMETOOLONG : EINVAL);
    else
        fsp_reply_buf(req, target, (size_t)n);
}

void fsp_native_entry_ops(struct fsp_session_ops *ops);
void fsp_native_entry_ops(struct fsp_session_ops *ops)
{
    ops->op[FUSE_LOOKUP] = op_lookup;
    ops->op[FUSE_FORGET] = op_forget;
    ops->op[FUSE_BATCH_FORGET] = op_batch_forget;
    ops->op[FUSE_GETATTR] = op_getattr;
    ops->op[FUSE_SETATTR] = op_setattr;
    ops->op[FUSE_STATFS] = op_statfs;
    ops->op[FUSE_READLINK] = op_readlink;
}
