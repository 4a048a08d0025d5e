/*
 * dirinfo.h - directory entry packing shared by dirinfo.c and dirbuf.c
 * (internal). fsp_add_dir_info is FspFileSystemAddDirInfo with a const entry.
 */
#ifndef FSP_NATIVE_DIRINFO_H
#define FSP_NATIVE_DIRINFO_H

#include <winfsp/fsctl.h>

BOOLEAN fsp_add_dir_info(const FSP_FSCTL_DIR_INFO *DirInfo, PVOID Buffer, ULONG Length,
                         PULONG PBytesTransferred);

#endif /* FSP_NATIVE_DIRINFO_H */
