/*
 * ops_io.c - READ and WRITE on the native API.
 *
 * Read lands straight in the worker's reply scratch buffer and Write reads
 * straight from the request buffer: no copy besides the file system's own.
 * Reads of one file run concurrently; writes are exclusive per file (the
 * FSD's per-file serialization), which is also what keeps concurrent
 * appenders from interleaving. Either may return STATUS_PENDING and finish
 * later through FspFileSystemSendResponse; the per-file lock is released when
 * the operation returns, so pending writes to one file are not exclusive
 * (as in WinFsp, a file system that pends owns its own ordering).
 */
#include "ops_util.h"
#include "pending.h"

static void op_read(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    struct fsp_native *nt = fsp_native_of(req);
    const struct fuse_read_in *in = arg;
    struct fsp_handle *h = fsp_handle_of(in->fh);
    size_t cap;
    void *buf = fsp_req_scratch(req, &cap);
    ULONG length = in->size < cap ? in->size : (ULONG)cap, bytes = 0;

    if (!nt->fs->Interface->Read) {
        fsp_reply_err(req, EOPNOTSUPP);
        return;
    }
    FSP_FSCTL_TRANSACT_REQ treq;
    memset(&treq, 0, sizeof treq);
    treq.Kind = FspFsctlTransactReadKind;
    treq.Hint = fsp_pending_hint();
    treq.Req.Read.UserContext = (UINT64)(uintptr_t)h->context;
    treq.Req.Read.Address = (UINT64)(uintptr_t)buf;
    treq.Req.Read.Offset = in->offset;
    treq.Req.Read.Length = length;
    fsp_opctx_set(req, &treq, NULL);

    pthread_rwlock_rdlock(&h->node->io_lock);
    NTSTATUS st = nt->fs->Interface->Read(nt->fs, h->context, buf, in->offset, length, &bytes);
    pthread_rwlock_unlock(&h->node->io_lock);
    fsp_opctx_clear();

    if (st == STATUS_PENDING)
        fsp_pending_park(treq.Hint, req, FspFsctlTransactReadKind, buf, length);
    else if (st == STATUS_END_OF_FILE)
        fsp_reply_buf(req, NULL, 0);
    else if (NT_SUCCESS(st))
        fsp_reply_buf(req, buf, bytes < length ? bytes : length);
    else
        fsp_reply_status(req, st);
}

static void op_write(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    struct fsp_native *nt = fsp_native_of(req);
    const struct fuse_write_in *in = arg;
    struct fsp_handle *h = fsp_handle_of(in->fh);
    void *data = (void *)(in + 1);
    ULONG bytes = 0;
    FSP_FSCTL_FILE_INFO info;

    if (!nt->fs->Interface->Write) {
        fsp_reply_err(req, EOPNOTSUPP);
        return;
    }
    /* O_APPEND: the file system puts the data at its own end of file, so
     * appenders through different descriptors never overwrite each other.
     * With the writeback cache the kernel owns the file size and has placed
     * every write itself (cached pages carry no O_APPEND meaning). */
    BOOLEAN append = !nt->writeback && (in->flags & O_APPEND) != 0;
    UINT64 offset = append ? (UINT64)-1 : in->offset;

    FSP_FSCTL_TRANSACT_REQ treq;
    memset(&treq, 0, sizeof treq);
    treq.Kind = FspFsctlTransactWriteKind;
    treq.Hint = fsp_pending_hint();
    treq.Req.Write.UserContext = (UINT64)(uintptr_t)h->context;
    treq.Req.Write.Address = (UINT64)(uintptr_t)data;
    treq.Req.Write.Offset = offset;
    treq.Req.Write.Length = in->size;
    fsp_opctx_set(req, &treq, NULL);

    pthread_rwlock_wrlock(&h->node->io_lock);
    /* An unprivileged writer (HANDLE_KILLPRIV_V2): setuid/setgid go first,
     * so nobody sees the new data under the old privileges. */
    NTSTATUS st = STATUS_SUCCESS;
    if (fsp_readonly_refuses_write(h->node))
        st = FSP_STATUS_READONLY_FILE; /* even through a descriptor opened before */
    else if (in->write_flags & FUSE_WRITE_KILL_SUIDGID)
        st = fsp_kill_suidgid(nt, h->context, fsp_req_header(req), false);
    if (NT_SUCCESS(st)) {
        memset(&info, 0, sizeof info);
        st = nt->fs->Interface->Write(nt->fs, h->context, data, offset, in->size, append, FALSE,
                                      &bytes, &info);
    }
    h->node->dirty = true;
    pthread_rwlock_unlock(&h->node->io_lock);
    fsp_opctx_clear();

    if (st == STATUS_PENDING) {
        fsp_pending_park(treq.Hint, req, FspFsctlTransactWriteKind, NULL, 0);
    } else if (NT_SUCCESS(st)) {
        struct fuse_write_out out = {.size = bytes};
        /* With the writeback cache the kernel keeps size and times but
         * takes st_blocks from us, and does not ask again after writing
         * back: make it ask when the allocation is no longer what it was
         * told. Before the reply, so that an fsync(2) waiting for this
         * write finds the attributes already stale. The inode cannot be in
         * eviction meanwhile: a write-back in flight holds its file open. */
        if (nt->writeback && fsp_node_blocks_moved(h->node, info.AllocationSize))
            fsp_notify_inval_inode(fsp_req_session(req), h->node->nodeid, -1, 0);
        fsp_reply_buf(req, &out, sizeof out);
    } else
        fsp_reply_status(req, st);
}

static void op_fallocate(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    /* The native API has no preallocation call with POSIX semantics; say so
     * per call (ENOSYS would switch fallocate off for the whole mount). */
    fsp_reply_err(req, EOPNOTSUPP);
}

void fsp_native_io_ops(struct fsp_session_ops *ops);
void fsp_native_io_ops(struct fsp_session_ops *ops)
{
    ops->op[FUSE_READ] = op_read;
    ops->op[FUSE_WRITE] = op_write;
    ops->op[FUSE_FALLOCATE] = op_fallocate;
}
