/*
 * ops_ioctl.c - FUSE_IOCTL on the native API: ioctl(2) on an open file
 * reaches the file system's Control (WinFsp's DeviceIoControl), and chattr's
 * FS_IOC_GETFLAGS/SETFLAGS read and set FILE_ATTRIBUTE_READONLY.
 *
 * Control. FUSE hands a regular file system only "restricted" ioctls, whose
 * number tells the kernel the size to copy in and out, so control codes
 * travel as _IOWR-style numbers (include/winfsp/fsp_ioctl.h has the mapping
 * and the macro users call): type and nr give DeviceType 0x8000 | type and
 * Function nr, with METHOD_BUFFERED and FILE_ANY_ACCESS, the only codes
 * WinFsp forwards (a vendor DeviceType, buffered). The input is the size
 * bytes the kernel copied in; the output buffer has the same size and the
 * first BytesTransferred bytes of it go back; the ioctl returns
 * BytesTransferred. As in WinFsp, the volume must set DeviceControl and
 * have a Control operation; any other ioctl gets ENOTTY, which is what the
 * kernel and tmpfs answer for an ioctl nobody handles.
 *
 * Flags. FS_IMMUTABLE_FL ('i' in lsattr; FS_XFLAG_IMMUTABLE in the
 * FS_IOC_FSGETXATTR form) stands for FILE_ATTRIBUTE_READONLY
 * on files: both mean the contents cannot change and the file cannot be
 * deleted, and the kernel already restricts changing it to CAP_LINUX_IMMUTABLE
 * (Windows lets the owner set READONLY: that stays possible through
 * system.fsp.attributes, ops_winattr.c). The meanings differ at the edges:
 * READONLY does not forbid rename, hard links or attribute changes, and
 * READONLY on a directory is only a marker for Explorer, so directories
 * report no flags and refuse 'i'. Every other flag is EOPNOTSUPP on set (as
 * tmpfs answers for flags it does not keep) and never reported: no other
 * Windows attribute has a Linux flag with the same meaning.
 */
#include <linux/fs.h>
#include <sys/ioctl.h>

#include <winfsp/fsp_ioctl.h>

#include "ops_util.h"
#include "winattr.h"

/* FS_IOC_GETFLAGS and friends as the kernel sends them for fileattr_get/set
 * (an int's worth of data whatever the number says), and the 32-bit forms. */
#define IOC_GETFLAGS32 _IOR('f', 1, int)
#define IOC_SETFLAGS32 _IOW('f', 2, int)

static void reply_ioctl(struct fsp_req *req, int32_t result, const void *data, size_t size)
{
    struct fuse_ioctl_out out = {.result = result};
    struct iovec iov[2] = {{&out, sizeof out}, {(void *)data, size}};
    fsp_reply_iov(req, iov, size ? 2 : 1);
}

static void reply_ioctl_status(struct fsp_req *req, NTSTATUS st)
{
    int err = FspErrnoFromNtStatus(st);
    fsp_reply_err(req, err == ENOSYS ? ENOTTY : err);
}

/* The kernel asks with FS_IOC_GETFLAGS or FS_IOC_FSGETXATTR (struct fsxattr)
 * depending on the caller, and reads the current value the second way before
 * it changes flags; both carry the same bit here. */
static void get_flags(struct fsp_req *req, struct fsp_native *nt, struct fsp_handle *h,
                      const struct fuse_ioctl_in *in, bool xattr)
{
    FSP_FSCTL_FILE_INFO info;
    if (!nt->fs->Interface->GetFileInfo) {
        fsp_reply_err(req, ENOTTY);
        return;
    }
    pthread_rwlock_rdlock(&h->node->io_lock);
    NTSTATUS st = fsp_winattr_file_info(nt, h->context, &info);
    pthread_rwlock_unlock(&h->node->io_lock);
    if (!NT_SUCCESS(st)) {
        reply_ioctl_status(req, st);
        return;
    }
    bool immutable = (info.FileAttributes & FILE_ATTRIBUTE_READONLY) &&
                     !(info.FileAttributes & FILE_ATTRIBUTE_DIRECTORY);
    if (xattr) {
        struct fsxattr fa;
        memset(&fa, 0, sizeof fa);
        fa.fsx_xflags = immutable ? FS_XFLAG_IMMUTABLE : 0;
        reply_ioctl(req, 0, &fa, in->out_size < sizeof fa ? in->out_size : sizeof fa);
        return;
    }
    uint32_t flags = immutable ? FS_IMMUTABLE_FL : 0;
    reply_ioctl(req, 0, &flags, in->out_size < sizeof flags ? in->out_size : sizeof flags);
}

static void set_flags(struct fsp_req *req, struct fsp_native *nt, struct fsp_handle *h,
                      const struct fuse_ioctl_in *in, const void *data, uint32_t datalen,
                      bool xattr)
{
    const FSP_FILE_SYSTEM_INTERFACE *fi = nt->fs->Interface;
    FSP_FSCTL_FILE_INFO info;
    uint32_t flags = 0;

    if (!fi->GetFileInfo || !fi->SetBasicInfo) {
        fsp_reply_err(req, ENOTTY);
        return;
    }
    if (xattr) {
        struct fsxattr fa;
        if (in->in_size < sizeof fa || datalen < sizeof fa) {
            fsp_reply_err(req, EINVAL);
            return;
        }
        memcpy(&fa, data, sizeof fa);
        /* Only the flags: extent sizes and project ids have no meaning here. */
        if (fa.fsx_extsize || fa.fsx_projid || fa.fsx_cowextsize ||
            (fa.fsx_xflags & ~(uint32_t)FS_XFLAG_IMMUTABLE)) {
            fsp_reply_err(req, EOPNOTSUPP);
            return;
        }
        flags = fa.fsx_xflags & FS_XFLAG_IMMUTABLE ? FS_IMMUTABLE_FL : 0;
    } else {
        if (in->in_size < sizeof flags || datalen < sizeof flags) {
            fsp_reply_err(req, EINVAL);
            return;
        }
        memcpy(&flags, data, sizeof flags);
    }
    if (nt->fs->VolumeParams.ReadOnlyVolume) {
        fsp_reply_err(req, EROFS);
        return;
    }
    pthread_rwlock_wrlock(&h->node->io_lock);
    NTSTATUS st = fsp_winattr_file_info(nt, h->context, &info);
    bool dir = info.FileAttributes & FILE_ATTRIBUTE_DIRECTORY;
    if (NT_SUCCESS(st) && (flags & ~(uint32_t)FS_IMMUTABLE_FL || (dir && flags)))
        st = STATUS_NOT_SUPPORTED;
    if (NT_SUCCESS(st)) {
        UINT32 want = info.FileAttributes & ~(UINT32)FILE_ATTRIBUTE_READONLY;
        if (flags & FS_IMMUTABLE_FL)
            want |= FILE_ATTRIBUTE_READONLY;
        if (want != info.FileAttributes)
            st = fsp_winattr_set_basic(nt, h->context, want, 0);
        if (NT_SUCCESS(st))
            fsp_readonly_refresh(nt, h->node, h->context);
    }
    pthread_rwlock_unlock(&h->node->io_lock);
    if (!NT_SUCCESS(st)) {
        reply_ioctl_status(req, st);
        return;
    }
    /* Mode bits may follow READONLY; the attributes the kernel has are old. */
    fsp_notify_inval_inode(fsp_req_session(req), fsp_req_header(req)->nodeid, -1, 0);
    reply_ioctl(req, 0, NULL, 0);
}

static void control(struct fsp_req *req, struct fsp_native *nt, struct fsp_handle *h,
                    const struct fuse_ioctl_in *in, const void *data, uint32_t datalen)
{
    const FSP_FILE_SYSTEM_INTERFACE *fi = nt->fs->Interface;
    UINT32 code = FSP_CTL_CODE_FROM_IOCTL(in->cmd);
    uint32_t size = _IOC_SIZE(in->cmd);
    size_t cap;
    void *out = fsp_req_scratch(req, &cap);

    if (!nt->fs->VolumeParams.DeviceControl || !fi->Control || !code) {
        fsp_reply_err(req, ENOTTY);
        return;
    }
    /* The kernel copies exactly what the number says, both ways. */
    if (size > FSP_FSCTL_DEVICECONTROL_SIZEMAX || in->in_size != size || in->out_size != size ||
        datalen < size || cap < size) {
        fsp_reply_err(req, EINVAL);
        return;
    }
    memset(out, 0, size);
    ULONG bytes = 0;
    FSP_FSCTL_TRANSACT_REQ treq;
    memset(&treq, 0, sizeof treq);
    treq.Kind = FspFsctlTransactDeviceControlKind; /* for GetOperationContext */
    fsp_opctx_set(req, &treq, NULL);
    fsp_guard_enter(nt, FSP_GUARD_NONE);
    NTSTATUS st = fi->Control(nt->fs, h->context, code, (PVOID)data, size, out, size, &bytes);
    fsp_guard_leave(nt, FSP_GUARD_NONE);
    fsp_opctx_clear();
    if (!NT_SUCCESS(st)) {
        reply_ioctl_status(req, st);
        return;
    }
    if (bytes > size)
        bytes = size;
    reply_ioctl(req, (int32_t)bytes, out, bytes);
}

static void op_ioctl(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    struct fsp_native *nt = fsp_native_of(req);
    const struct fuse_ioctl_in *in = arg;
    const void *data = in + 1;
    uint32_t datalen = arglen - (uint32_t)sizeof *in;
    struct fsp_handle *h = fsp_handle_of(in->fh);

    if (!h) {
        fsp_reply_err(req, EBADF);
        return;
    }
    switch (in->cmd) {
    case FS_IOC_GETFLAGS:
    case IOC_GETFLAGS32:
        get_flags(req, nt, h, in, false);
        break;
    case FS_IOC_FSGETXATTR:
        get_flags(req, nt, h, in, true);
        break;
    case FS_IOC_SETFLAGS:
    case IOC_SETFLAGS32:
        set_flags(req, nt, h, in, data, datalen, false);
        break;
    case FS_IOC_FSSETXATTR:
        set_flags(req, nt, h, in, data, datalen, true);
        break;
    default:
        control(req, nt, h, in, data, datalen);
        break;
    }
}

void fsp_native_ioctl_ops(struct fsp_session_ops *ops);
void fsp_native_ioctl_ops(struct fsp_session_ops *ops)
{
    ops->op[FUSE_IOCTL] = op_ioctl;
}
