/*
 * ops_util.h - small pieces every native request handler uses.
 */
#ifndef FSP_NATIVE_OPS_UTIL_H
#define FSP_NATIVE_OPS_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "native.h"
#include "streams.h"
#include "utf.h"

/* A request name (UTF-8, NUL-terminated in the request) as a UTF-16 name.
 * Returns its length in WCHARs or a negative errno. */
static inline int fsp_req_name(struct fsp_native *nt, const char *name, size_t maxbytes, WCHAR *out)
{
    size_t len = strnlen(name, maxbytes);
    if (len == maxbytes)
        return -EINVAL; /* not NUL-terminated inside the request */
    if (len > 255)
        return -ENAMETOOLONG; /* NAME_MAX counts bytes on Linux */
    int n = fsp_utf8_to_utf16(name, len, out, FSP_NAME_MAX, FSP_UTF_TRANSLATE);
    if (n == -ENAMETOOLONG || (n >= 0 && (size_t)n > nt->fs->VolumeParams.MaxComponentLength))
        return -ENAMETOOLONG;
    if (n < 0)
        return -EINVAL;
    if (nt->stream_names)
        return fsp_stream_name_parse(out, (size_t)n); /* "file:stream" */
    return n;
}

/* WinFsp's GrantedAccess for the O_ flags of an open. */
static inline UINT32 fsp_access_of_flags(uint32_t flags)
{
    switch (flags & O_ACCMODE) {
    case O_WRONLY:
        return FILE_GENERIC_WRITE;
    case O_RDWR:
        return FILE_GENERIC_READ | FILE_GENERIC_WRITE;
    default:
        return FILE_GENERIC_READ;
    }
}

/* The access a file handle is opened with. With the writeback cache the
 * kernel reads through any handle to fill a partly written page, even one
 * opened O_WRONLY, so write-only opens get read access as well (the kernel
 * has checked the caller's permissions on the real flags). */
static inline UINT32 fsp_handle_access(struct fsp_native *nt, uint32_t flags)
{
    if (nt->writeback && (flags & O_ACCMODE) == O_WRONLY)
        return FILE_GENERIC_READ | FILE_GENERIC_WRITE;
    return fsp_access_of_flags(flags);
}

/* Open by path for a metadata operation: Open, then the caller Closes. */
static inline NTSTATUS fsp_open_path(struct fsp_native *nt, PWSTR path, UINT32 options,
                                     UINT32 access, PVOID *context, FSP_FSCTL_FILE_INFO *info)
{
    FSP_FSCTL_OPEN_FILE_INFO oinfo;
    memset(&oinfo, 0, sizeof oinfo);
    if (!nt->fs->Interface->Open) {
        memset(info, 0, sizeof *info);
        return STATUS_INVALID_DEVICE_REQUEST; /* every caller's answer for "no Open" */
    }
    PVOID *slot = fsp_context_slot(nt, context);
    if (!slot)
        return STATUS_INSUFFICIENT_RESOURCES;
    NTSTATUS st = nt->fs->Interface->Open(nt->fs, path, options, access, slot, &oinfo.FileInfo);
    if (!NT_SUCCESS(st))
        fsp_context_drop(nt, *context);
    *info = oinfo.FileInfo;
    return st;
}

/* May this open file be deleted? SetDelete takes precedence over CanDelete. */
static inline NTSTATUS fsp_may_delete(struct fsp_native *nt, PVOID ctx, PWSTR path)
{
    const FSP_FILE_SYSTEM_INTERFACE *fi = nt->fs->Interface;
    if (fi->SetDelete)
        return fi->SetDelete(nt->fs, ctx, path, TRUE);
    if (fi->CanDelete)
        return fi->CanDelete(nt->fs, ctx, path);
    return STATUS_SUCCESS;
}

static inline bool fsp_can_open(struct fsp_native *nt)
{
    const FSP_FILE_SYSTEM_INTERFACE *fi = nt->fs->Interface;
    return (fi->Create || fi->CreateEx) && fi->Open && (fi->Overwrite || fi->OverwriteEx);
}

static inline void fsp_timespec_now_ft(UINT64 *ft)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    FspPosixUnixTimeToFileTime(&now, ft);
}

/* The answer to a getxattr/listxattr of a value len bytes long: its size
 * when the caller asked with size 0, ERANGE when its buffer is shorter,
 * else the value. */
static inline void fsp_reply_xattr(struct fsp_req *req, uint32_t size, const void *value,
                                   size_t len)
{
    if (size == 0) {
        struct fuse_getxattr_out out;
        memset(&out, 0, sizeof out);
        out.size = (uint32_t)len;
        fsp_reply_buf(req, &out, sizeof out);
    } else if (size < len)
        fsp_reply_err(req, ERANGE);
    else
        fsp_reply_buf(req, value, len);
}

#endif /* FSP_NATIVE_OPS_UTIL_H */
