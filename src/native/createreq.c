/*
 * native/createreq.c - the Create request a file system sees.
 *
 * On WinFsp, Open, Create and Overwrite run inside the transaction of a
 * Create request, and a file system may read that request through
 * FspFileSystemGetOperationContext()->Request: FspAccessCheckEx and
 * FspCreateSecurityDescriptor take it as is. The adapter fills the same
 * fields from the FUSE request around those calls (ops_open.c, the LINK of
 * ops_ns.c):
 *
 *   CreateOptions     the options passed to the call, with the disposition
 *                     in the high byte: FILE_OPEN, FILE_OVERWRITE (O_TRUNC),
 *                     FILE_CREATE (O_CREAT|O_EXCL, mkdir, mknod, symlink),
 *                     FILE_OPEN_IF (O_CREAT), FILE_OVERWRITE_IF
 *                     (O_CREAT|O_TRUNC); FILE_OPEN_FOR_BACKUP_INTENT for root
 *   FileAttributes    those of a new file (0 for an open)
 *   AccessToken       (pid << 32) | uid of the caller: FSP's token
 *                     (access.c builds the Windows token from it)
 *   DesiredAccess     what the caller asked for (the open flags' rights)
 *   GrantedAccess     what the adapter grants the new handle (the call's
 *                     GrantedAccess argument)
 *   ShareAccess       read | write | delete: POSIX opens share everything
 *   UserMode          1
 *   HasTraversePrivilege  1: the kernel has checked search (x) permission
 *                     on every directory of the path already, as on Windows
 *                     where every user holds SeChangeNotifyPrivilege by
 *                     default and the FSD's own check stands
 *   HasBackupPrivilege, HasRestorePrivilege  uid 0 (root's
 *                     CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH), with backup intent
 *   CaseSensitive     the volume's CaseSensitiveSearch
 *   NamedStream       byte offset of the ':' of "file:stream" (0 if none)
 *   FileName          the full path, NUL included in Size
 */
#include "native/gate.h"
#include "ops_util.h"

_Static_assert(FSP_CREATE_REQ_SIZE >=
                   sizeof(FSP_FSCTL_TRANSACT_REQ) + (FSP_PATH_MAX + 1) * sizeof(WCHAR),
               "a Create request holds the longest path");

/* FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE (Windows' values). */
#define SHARE_ALL 7u

uint32_t fsp_disposition_of_flags(uint32_t flags)
{
    if (flags & O_CREAT) {
        if (flags & O_EXCL)
            return FILE_CREATE;
        return flags & O_TRUNC ? FILE_OVERWRITE_IF : FILE_OPEN_IF;
    }
    return flags & O_TRUNC ? FILE_OVERWRITE : FILE_OPEN;
}

FSP_FSCTL_TRANSACT_REQ *fsp_create_req_fill(struct fsp_create_req *cr, struct fsp_native *nt,
                                            struct fsp_req *req, const WCHAR *path, size_t len,
                                            uint32_t create_options, uint32_t attributes,
                                            uint32_t desired, uint32_t granted)
{
    FSP_FSCTL_TRANSACT_REQ *r = (FSP_FSCTL_TRANSACT_REQ *)cr->buf;
    const struct fuse_in_header *hdr = fsp_req_header(req);
    size_t bytes = (len + 1) * sizeof(WCHAR);
    bool root = hdr->uid == 0;

    memset(r, 0, sizeof *r);
    r->Version = sizeof *r;
    r->Size = (UINT16)(sizeof *r + bytes);
    r->Kind = FspFsctlTransactCreateKind;
    r->Req.Create.CreateOptions = create_options | (root ? FILE_OPEN_FOR_BACKUP_INTENT : 0);
    r->Req.Create.FileAttributes = attributes;
    r->Req.Create.AccessToken = (UINT64)hdr->pid << 32 | hdr->uid;
    r->Req.Create.DesiredAccess = desired;
    r->Req.Create.GrantedAccess = granted;
    r->Req.Create.ShareAccess = SHARE_ALL;
    r->Req.Create.UserMode = 1;
    r->Req.Create.HasTraversePrivilege = 1;
    r->Req.Create.HasBackupPrivilege = root;
    r->Req.Create.HasRestorePrivilege = root;
    r->Req.Create.CaseSensitive = nt->fs->VolumeParams.CaseSensitiveSearch;
    if (nt->stream_names) {
        /* The stream's ':' is the only real one in a name (streams.c). */
        for (size_t i = len; i > 0 && path[i - 1] != '\\'; i--)
            if (path[i - 1] == ':') {
                r->Req.Create.NamedStream = (UINT16)((i - 1) * sizeof(WCHAR));
                break;
            }
    }
    r->FileName.Offset = 0;
    r->FileName.Size = (UINT16)bytes;
    memcpy(r->Buffer, path, len * sizeof(WCHAR));
    ((WCHAR *)r->Buffer)[len] = 0;
    return r;
}

FSP_FSCTL_TRANSACT_REQ *fsp_create_req_of_node(struct fsp_create_req *cr, struct fsp_native *nt,
                                               struct fsp_req *req, struct fsp_node *node,
                                               uint32_t create_options, uint32_t desired,
                                               uint32_t granted)
{
    WCHAR path[FSP_PATH_MAX];
    int len = fsp_node_path(nt, node, NULL, 0, path);
    if (len < 0)
        return NULL;
    return fsp_create_req_fill(cr, nt, req, path, (size_t)len, create_options, 0, desired, granted);
}
