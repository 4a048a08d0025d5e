/*
 * ops_table.c - the native adapter's operations table for the kernel session.
 *
 * Opcodes left NULL are answered ENOSYS by the session, which makes the
 * kernel stop asking and fall back to its own behaviour (ACCESS, LSEEK,
 * COPY_FILE_RANGE, POLL). Operations whose ENOSYS would be wrong for the
 * whole mount have explicit handlers (the xattr calls: ops_xattr.c).
 */
#include "native.h"
#include "native/posixacl.h"

void fsp_native_entry_ops(struct fsp_session_ops *ops);
void fsp_native_open_ops(struct fsp_session_ops *ops);
void fsp_native_io_ops(struct fsp_session_ops *ops);
void fsp_native_dir_ops(struct fsp_session_ops *ops);
void fsp_native_ns_ops(struct fsp_session_ops *ops);
void fsp_native_xattr_ops(struct fsp_session_ops *ops);
void fsp_native_ioctl_ops(struct fsp_session_ops *ops);
void fsp_native_statx_ops(struct fsp_session_ops *ops);

static void native_init(void *userdata, struct fsp_conn *conn)
{
    struct fsp_native *nt = userdata;
    /* Write-behind only where the volume asked for it (fs.c); otherwise
     * each write(2) reaches the file system as it happens. */
    if (nt->writeback && (conn->kernel_flags & FUSE_WRITEBACK_CACHE))
        conn->want |= FUSE_WRITEBACK_CACHE;
    else {
        conn->want &= ~FUSE_WRITEBACK_CACHE;
        nt->writeback = false;
    }
    /* The adapter clears setuid/setgid itself (killpriv.c): the kernel then
     * stops asking for security.capability before every write. */
    conn->want |= FUSE_HANDLE_KILLPRIV_V2;
    /* POSIX ACLs are part of the descriptor (posixacl.c): the kernel reads
     * them for its permission checks (default_permissions) and getfacl.
     * A default ACL overrides the umask, so the umask is ours to apply
     * (DONT_MASK; the VFS leaves it alone on an ACL-capable mount). */
    if (fsp_posixacl_supported(nt) && (conn->kernel_flags & FUSE_POSIX_ACL)) {
        conn->want |= FUSE_POSIX_ACL | FUSE_DONT_MASK;
        /* The kernel leaves the mode to us when an ACL is set; with the
         * extended setxattr it says when setgid must go (the setter is
         * outside the file's group and lacks CAP_FSETID). */
        conn->want |= FUSE_SETXATTR_EXT;
    }
    /* FILETIME counts 100 ns; let the kernel round the times it makes to
     * what the file system can store. */
    conn->time_gran = 100;
    /* Control (DeviceIoControl) works on directories too (ops_ioctl.c). */
    conn->want |= FUSE_HAS_IOCTL_DIR;
}

static void native_destroy(void *userdata)
{
}

/* The handlers the table below dispatches to. */
static fsp_op_fn *native_op[FSP_FUSE_OPCODE_MAX];

/* COARSE (FspFileSystemSetOperationGuardStrategy): every request of the
 * volume runs alone, reads and writes included, as under WinFsp's single
 * lock. The strategy may be set until the dispatcher starts, so it is read
 * per request; under FINE this costs one comparison. */
static void guarded_op(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    struct fsp_native *nt = fsp_native_of(req);
    fsp_op_fn *fn = native_op[fsp_req_header(req)->opcode];
    if (nt->fs->OpGuardStrategy != FspFileSystemOperationGuardStrategyCoarse) {
        fn(req, arg, arglen);
        return;
    }
    pthread_rwlock_wrlock(&nt->fs->OpGuardLock);
    fn(req, arg, arglen);
    pthread_rwlock_unlock(&nt->fs->OpGuardLock);
}

void fsp_native_fill_ops(struct fsp_session_ops *ops)
{
    ops->init = native_init;
    ops->destroy = native_destroy;
    fsp_native_entry_ops(ops);
    fsp_native_open_ops(ops);
    fsp_native_io_ops(ops);
    fsp_native_dir_ops(ops);
    fsp_native_ns_ops(ops);
    fsp_native_xattr_ops(ops);
    fsp_native_ioctl_ops(ops);
    fsp_native_statx_ops(ops);
    for (size_t i = 0; i < FSP_FUSE_OPCODE_MAX; i++) {
        native_op[i] = ops->op[i];
        if (ops->op[i])
            ops->op[i] = guarded_op;
    }
}
