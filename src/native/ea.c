/*
 * ea.c - extended attribute lists: WinFsp's public EA helpers and the checks
 * the adapter makes on the lists it exchanges with a file system.
 *
 * A list is a run of FILE_FULL_EA_INFORMATION entries: NextEntryOffset (the
 * distance to the next entry, 0 on the last), Flags, EaNameLength,
 * EaValueLength, then the name, a NUL, and the value. Each entry starts on a
 * 4-byte boundary. Lengths are host-endian here, as on Windows (x86 and ARM
 * are little-endian either way).
 */
#include <stdint.h>
#include <string.h>

#include "ea.h"

#define ALIGN4(x) (((x) + 3u) & ~(size_t)3u)

static const FILE_FULL_EA_INFORMATION *at(const void *base, size_t off)
{
    return (const FILE_FULL_EA_INFORMATION *)(const void *)((const char *)base + off);
}

FSP_API UINT32 FspFileSystemGetEaPackedSize(PFILE_FULL_EA_INFORMATION SingleEa)
{
    /* NTFS counts a packed entry as a 4-byte header (flags, name length,
     * value length) plus the name, its NUL and the value. */
    return 5u + SingleEa->EaNameLength + SingleEa->EaValueLength;
}

FSP_API BOOLEAN FspFileSystemAddEa(PFILE_FULL_EA_INFORMATION SingleEa, PFILE_FULL_EA_INFORMATION Ea,
                                   ULONG EaLength, PULONG PBytesTransferred)
{
    char *base = (char *)Ea;
    size_t used = *PBytesTransferred;

    if (!SingleEa) {
        /* End of the list: the last entry's NextEntryOffset becomes 0. Each
         * entry was added with an offset to where the next one would go, so
         * the last is the one whose offset reaches the end. */
        size_t off = 0;
        if (used < FSP_EA_HEADER_SIZE)
            return TRUE;
        for (;;) {
            FILE_FULL_EA_INFORMATION *e = (FILE_FULL_EA_INFORMATION *)(void *)(base + off);
            size_t next = e->NextEntryOffset;
            if (!next || off + next + FSP_EA_HEADER_SIZE > used) {
                e->NextEntryOffset = 0;
                return TRUE;
            }
            off += next;
        }
    }

    size_t pos = ALIGN4(used);
    size_t size = fsp_ea_entry_size(SingleEa);
    if (pos > EaLength || size > EaLength - pos)
        return FALSE;
    memset(base + used, 0, pos - used); /* padding: no stale bytes between entries */
    memcpy(base + pos, SingleEa, size);
    FILE_FULL_EA_INFORMATION *e = (FILE_FULL_EA_INFORMATION *)(void *)(base + pos);
    e->NextEntryOffset = (ULONG)ALIGN4(size);
    *PBytesTransferred = (ULONG)(pos + size);
    return TRUE;
}

FSP_API NTSTATUS
FspFileSystemEnumerateEa(FSP_FILE_SYSTEM *FileSystem,
                         NTSTATUS (*EnumerateEa)(FSP_FILE_SYSTEM *FileSystem, PVOID Context,
                                                 PFILE_FULL_EA_INFORMATION SingleEa),
                         PVOID Context, PFILE_FULL_EA_INFORMATION Ea, ULONG EaLength)
{
    /* The whole list is checked first, so a malformed one changes nothing. */
    NTSTATUS st = fsp_ea_list_check(Ea, EaLength);
    if (!NT_SUCCESS(st) || !EaLength)
        return st;
    for (const FILE_FULL_EA_INFORMATION *e = Ea; e; e = fsp_ea_next(e)) {
        st = EnumerateEa(FileSystem, Context, (PFILE_FULL_EA_INFORMATION)e);
        if (!NT_SUCCESS(st))
            return st;
    }
    return STATUS_SUCCESS;
}

bool fsp_ea_name_valid(const char *name, size_t len)
{
    if (len == 0 || len > FSP_EA_NAME_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c < 0x20 || strchr("\"*+,/:;<=>?[\\]|", c))
            return false;
    }
    return true;
}

static unsigned char ascii_upper(unsigned char c)
{
    return c >= 'a' && c <= 'z' ? (unsigned char)(c - 0x20) : c;
}

bool fsp_ea_name_equal(const char *a, size_t alen, const char *b, size_t blen)
{
    if (alen != blen)
        return false;
    for (size_t i = 0; i < alen; i++)
        if (ascii_upper((unsigned char)a[i]) != ascii_upper((unsigned char)b[i]))
            return false;
    return true;
}

/* The entry at Off lies inside Length bytes, with its name NUL-terminated. */
static bool entry_fits(const void *base, size_t off, size_t length)
{
    if (off > length || length - off < FSP_EA_HEADER_SIZE)
        return false;
    const FILE_FULL_EA_INFORMATION *e = at(base, off);
    if (fsp_ea_entry_size(e) > length - off)
        return false;
    return fsp_ea_name(e)[e->EaNameLength] == '\0';
}

NTSTATUS fsp_ea_list_check(const FILE_FULL_EA_INFORMATION *ea, size_t length)
{
    if (length == 0)
        return STATUS_SUCCESS;
    if (!ea || ((uintptr_t)ea & 3u))
        return STATUS_EA_LIST_INCONSISTENT;
    for (size_t off = 0;;) {
        if (!entry_fits(ea, off, length))
            return STATUS_EA_LIST_INCONSISTENT;
        const FILE_FULL_EA_INFORMATION *e = at(ea, off);
        if (!e->NextEntryOffset)
            return STATUS_SUCCESS;
        if (e->NextEntryOffset != ALIGN4(fsp_ea_entry_size(e)))
            return STATUS_EA_LIST_INCONSISTENT;
        off += e->NextEntryOffset;
    }
}

NTSTATUS fsp_ea_list_from_fs(FILE_FULL_EA_INFORMATION *ea, size_t length)
{
    if (length == 0)
        return STATUS_SUCCESS;
    if (!ea || ((uintptr_t)ea & 3u))
        return STATUS_EA_CORRUPT_ERROR;
    for (size_t off = 0;;) {
        if (!entry_fits(ea, off, length))
            return STATUS_EA_CORRUPT_ERROR;
        FILE_FULL_EA_INFORMATION *e = (FILE_FULL_EA_INFORMATION *)(void *)((char *)ea + off);
        size_t next = e->NextEntryOffset;
        if (!next)
            return STATUS_SUCCESS;
        if ((next & 3u) || next < fsp_ea_entry_size(e))
            return STATUS_EA_CORRUPT_ERROR;
        if (next >= length - off) {
            e->NextEntryOffset = 0; /* points past the end: this was the last */
            return STATUS_SUCCESS;
        }
        off += next;
    }
}

const FILE_FULL_EA_INFORMATION *fsp_ea_find(const FILE_FULL_EA_INFORMATION *ea, size_t length,
                                            const char *name, size_t namelen)
{
    if (!length)
        return NULL;
    for (const FILE_FULL_EA_INFORMATION *e = ea; e; e = fsp_ea_next(e))
        if (fsp_ea_name_equal(fsp_ea_name(e), e->EaNameLength, name, namelen))
            return e;
    return NULL;
}

size_t fsp_ea_build(void *buf, const char *name, size_t namelen, const void *value, size_t valuelen,
                    UCHAR flags)
{
    FILE_FULL_EA_INFORMATION *e = buf;
    e->NextEntryOffset = 0;
    e->Flags = flags;
    e->EaNameLength = (UCHAR)namelen;
    e->EaValueLength = (USHORT)valuelen;
    char *p = (char *)buf + FSP_EA_HEADER_SIZE;
    memcpy(p, name, namelen);
    p[namelen] = '\0';
    if (valuelen)
        memcpy(p + namelen + 1, value, valuelen);
    return FSP_EA_HEADER_SIZE + namelen + 1 + valuelen;
}
