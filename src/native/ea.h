/*
 * ea.h - extended attribute lists (FILE_FULL_EA_INFORMATION) for the native
 * adapter: the checks WinFsp's FSD makes on the lists it passes and gets
 * back, and name lookups. The public helpers (FspFileSystemAddEa,
 * FspFileSystemGetEaPackedSize, FspFileSystemEnumerateEa) are in winfsp.h.
 */
#ifndef FSP_NATIVE_EA_H
#define FSP_NATIVE_EA_H

#include <stdbool.h>
#include <stddef.h>

#include <winfsp/winfsp.h>

/* Bytes before EaName in an entry. */
#define FSP_EA_HEADER_SIZE 8u
/* Longest EA name, in bytes, that WinFsp accepts (FastFat's rule). */
#define FSP_EA_NAME_MAX 254u
/* Longest value (EaValueLength is 16 bits). */
#define FSP_EA_VALUE_MAX 65535u
/* The largest entry a list can hold, padding included. */
#define FSP_EA_ENTRY_MAX (FSP_EA_HEADER_SIZE + 255u + 1u + FSP_EA_VALUE_MAX + 3u)

static inline size_t fsp_ea_entry_size(const FILE_FULL_EA_INFORMATION *ea)
{
    return FSP_EA_HEADER_SIZE + ea->EaNameLength + 1u + ea->EaValueLength;
}

static inline const char *fsp_ea_name(const FILE_FULL_EA_INFORMATION *ea)
{
    return (const char *)ea + FSP_EA_HEADER_SIZE;
}

static inline const void *fsp_ea_value(const FILE_FULL_EA_INFORMATION *ea)
{
    return (const char *)ea + FSP_EA_HEADER_SIZE + ea->EaNameLength + 1u;
}

/* An EA name WinFsp accepts: 1 to 254 bytes, none of them a control
 * character or one FAT forbids (" * + , / : ; < = > ? [ \ ] |). */
bool fsp_ea_name_valid(const char *name, size_t len);

/* EA names compare without regard to ASCII case, always (Windows' rule;
 * CasePreservedExtendedAttributes only decides what is stored). */
bool fsp_ea_name_equal(const char *a, size_t alen, const char *b, size_t blen);

/* Strict check of a list the adapter hands to a file system (what
 * IoCheckEaBufferValidity demands): every entry inside Length, its name
 * NUL-terminated, each NextEntryOffset exactly the entry's size rounded up
 * to 4, the last one 0. An empty list (Length 0) is valid. */
NTSTATUS fsp_ea_list_check(const FILE_FULL_EA_INFORMATION *ea, size_t length);

/* Lenient check of a list a file system returned (Length = its
 * BytesTransferred), as WinFsp's FSD takes them: offsets need only be
 * 4-aligned and past the entry, and a last entry whose NextEntryOffset
 * points at or past the end is the last one; that offset is set to 0 here,
 * so the list can be walked with fsp_ea_next. STATUS_EA_CORRUPT_ERROR if
 * anything lies outside the buffer. */
NTSTATUS fsp_ea_list_from_fs(FILE_FULL_EA_INFORMATION *ea, size_t length);

/* The next entry of a checked list, or NULL after the last. */
static inline const FILE_FULL_EA_INFORMATION *fsp_ea_next(const FILE_FULL_EA_INFORMATION *ea)
{
    return ea->NextEntryOffset
               ? (const FILE_FULL_EA_INFORMATION *)(const void *)((const char *)ea +
                                                                  ea->NextEntryOffset)
               : NULL;
}

/* The first entry of a checked list (Length bytes) named Name, or NULL. */
const FILE_FULL_EA_INFORMATION *fsp_ea_find(const FILE_FULL_EA_INFORMATION *ea, size_t length,
                                            const char *name, size_t namelen);

/* Write one entry (NextEntryOffset 0) into Buf, which must hold
 * FSP_EA_HEADER_SIZE + namelen + 1 + valuelen bytes; returns that size. */
size_t fsp_ea_build(void *buf, const char *name, size_t namelen, const void *value, size_t valuelen,
                    UCHAR flags);

#endif /* FSP_NATIVE_EA_H */
