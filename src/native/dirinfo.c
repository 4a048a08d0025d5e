/*
 * dirinfo.c - FspFileSystemAddDirInfo: pack directory entries into a
 * ReadDirectory buffer, WinFsp style.
 *
 * Each entry is copied as DirInfo->Size bytes (header plus name, unaligned)
 * and occupies Size rounded up to FSP_FSCTL_DEFAULT_ALIGNMENT (8) bytes; the
 * padding is zeroed. *PBytesTransferred is the offset of the next entry and
 * grows by the aligned size. DirInfo NULL appends the end-of-listing marker:
 * a zero UINT16 Size (2 bytes, counted in *PBytesTransferred). A consumer
 * walks entries until a zero Size or until *PBytesTransferred.
 * Returns FALSE, writing nothing, when the entry (or the marker) does not fit,
 * or when DirInfo->Size is smaller than the FSP_FSCTL_DIR_INFO header.
 */
#include <string.h>

#include <winfsp/winfsp.h>

#include "native/dirinfo.h"

BOOLEAN fsp_add_packed(const void *entry, ULONG size, ULONG header_size, PVOID Buffer, ULONG Length,
                       PULONG PBytesTransferred)
{
    UINT8 *buf = Buffer;
    ULONG pos = *PBytesTransferred;

    if (!entry) {
        if (pos > Length || Length - pos < sizeof(UINT16))
            return FALSE;
        memset(buf + pos, 0, sizeof(UINT16));
        *PBytesTransferred = pos + (ULONG)sizeof(UINT16);
        return TRUE;
    }

    ULONG aligned = (ULONG)FSP_FSCTL_ALIGN_UP(size, FSP_FSCTL_DEFAULT_ALIGNMENT);
    if (size < header_size)
        return FALSE;
    if (pos > Length || Length - pos < aligned)
        return FALSE;
    memcpy(buf + pos, entry, size);
    memset(buf + pos + size, 0, aligned - size);
    *PBytesTransferred = pos + aligned;
    return TRUE;
}

BOOLEAN fsp_add_dir_info(const FSP_FSCTL_DIR_INFO *DirInfo, PVOID Buffer, ULONG Length,
                         PULONG PBytesTransferred)
{
    return fsp_add_packed(DirInfo, DirInfo ? DirInfo->Size : 0, sizeof *DirInfo, Buffer, Length,
                          PBytesTransferred);
}

FSP_API BOOLEAN FspFileSystemAddDirInfo(FSP_FSCTL_DIR_INFO *DirInfo, PVOID Buffer, ULONG Length,
                                        PULONG PBytesTransferred)
{
    return fsp_add_dir_info(DirInfo, Buffer, Length, PBytesTransferred);
}
