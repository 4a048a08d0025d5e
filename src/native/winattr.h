/*
 * winattr.h - Windows metadata as Linux xattrs (ops_winattr.c): the
 * security descriptor as SDDL, the FileAttributes, the CreationTime, the
 * reparse point, the stored name and the list of streams.
 *
 * ops_xattr.c offers each request to these first. Each returns false when
 * the name is not one of the Windows-metadata names (the request is then
 * the EA code's), true when it has answered the request.
 */
#ifndef FSP_NATIVE_WINATTR_H
#define FSP_NATIVE_WINATTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/session.h"
#include "native/native.h"

bool fsp_winattr_get(struct fsp_req *req, const char *name, uint32_t size);
bool fsp_winattr_set(struct fsp_req *req, const char *name, const void *value, size_t size,
                     uint32_t flags);
bool fsp_winattr_remove(struct fsp_req *req, const char *name);

/* FileAttributes of an open file (GetFileInfo), and SetBasicInfo with new
 * attributes (INVALID_FILE_ATTRIBUTES: keep) and creation time (0: keep)
 * that also moves the change time; shared with ops_ioctl.c. */
NTSTATUS fsp_winattr_file_info(struct fsp_native *nt, PVOID ctx, FSP_FSCTL_FILE_INFO *info);
NTSTATUS fsp_winattr_set_basic(struct fsp_native *nt, PVOID ctx, UINT32 attributes, UINT64 crtime);

#endif /* FSP_NATIVE_WINATTR_H */
