/*
 * casename.h - the stored spelling of a file's name and the case-only
 * rename behind the system.fsp.name xattr (casename.c).
 */
#ifndef FSP_NATIVE_CASENAME_H
#define FSP_NATIVE_CASENAME_H

#include "native.h"

/* The last component of node's name as the file system reports it in
 * FSP_FSCTL_OPEN_FILE_INFO.NormalizedName (or as the kernel looked it up,
 * when the file system does not normalize): into name (FSP_NAME_MAX
 * WCHARs), length in *plen. */
NTSTATUS fsp_stored_name(struct fsp_native *nt, struct fsp_node *node, WCHAR *name, size_t *plen);
/* Rename node (open as ctx, with DELETE access) to newname in the same
 * directory, provided newname already names this file (same IndexNumber):
 * the case-only rename rename(2) cannot ask for. STATUS_INVALID_PARAMETER
 * when newname is another file, no file, or node is the root. Takes the
 * namespace guard exclusively. On success *dir is the directory's node id:
 * its listing changed without the kernel knowing. */
NTSTATUS fsp_case_rename(struct fsp_native *nt, struct fsp_node *node, PVOID ctx,
                         const WCHAR *newname, size_t newlen, uint64_t *dir);

#endif /* FSP_NATIVE_CASENAME_H */
