/*
 * dirinfo.h - entry packing shared by dirinfo.c, dirbuf.c and streams.c
 * (internal). fsp_add_dir_info is FspFileSystemAddDirInfo with a const entry.
 */
#ifndef FSP_NATIVE_DIRINFO_H
#define FSP_NATIVE_DIRINFO_H

#include <winfsp/fsctl.h>

/* One entry of a packed listing (directory or stream entries alike): size
 * bytes at the next 8-byte aligned offset, padding zeroed; entry NULL
 * appends the end marker, a zero UINT16. FALSE, nothing written, when it
 * does not fit or size is below the entry's header_size (see dirinfo.c). */
BOOLEAN fsp_add_packed(const void *entry, ULONG size, ULONG header_size, PVOID Buffer, ULONG Length,
                       PULONG PBytesTransferred);
BOOLEAN fsp_add_dir_info(const FSP_FSCTL_DIR_INFO *DirInfo, PVOID Buffer, ULONG Length,
                         PULONG PBytesTransferred);

#endif /* FSP_NATIVE_DIRINFO_H */
