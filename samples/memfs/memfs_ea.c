/*
 * memfs_ea.c - MEMFS's extended attributes.
 *
 * A node keeps its EAs as a list of FILE_FULL_EA_INFORMATION copies in the
 * order they were first set (the order GetEa reports them, as NTFS does).
 * Names compare without regard to ASCII case, as EA names always do on
 * Windows; a name is stored in the case it was last set with (the adapter
 * has already uppercased it unless the volume has
 * CasePreservedExtendedAttributes). FileInfo.EaSize is the sum of
 * FspFileSystemGetEaPackedSize over the list, as NTFS reports it.
 *
 * A list of several entries is applied entry by entry (the adapter sends one
 * at a time); running out of memory halfway leaves the earlier entries set.
 * OverwriteEx builds the new set aside and swaps it in, so a failure there
 * changes nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "memfs.h"

#define EA_HEADER 8u /* FILE_FULL_EA_INFORMATION up to EaName */

static size_t ea_size(const FILE_FULL_EA_INFORMATION *ea)
{
    return EA_HEADER + ea->EaNameLength + 1u + ea->EaValueLength;
}

static const char *ea_name(const FILE_FULL_EA_INFORMATION *ea)
{
    return (const char *)ea + EA_HEADER;
}

static bool name_equal(const FILE_FULL_EA_INFORMATION *a, const FILE_FULL_EA_INFORMATION *b)
{
    if (a->EaNameLength != b->EaNameLength)
        return false;
    const char *x = ea_name(a), *y = ea_name(b);
    for (size_t i = 0; i < a->EaNameLength; i++) {
        char cx = x[i] >= 'a' && x[i] <= 'z' ? (char)(x[i] - 0x20) : x[i];
        char cy = y[i] >= 'a' && y[i] <= 'z' ? (char)(y[i] - 0x20) : y[i];
        if (cx != cy)
            return false;
    }
    return true;
}

void memfs_ea_clear(struct memfs_ea_set *set)
{
    struct memfs_ea *e = set->head;
    while (e) {
        struct memfs_ea *next = e->next;
        free(e);
        e = next;
    }
    set->head = NULL;
    set->packed_size = 0;
}

/* EnumerateEa callback: set, replace or (empty value) delete one EA. */
static NTSTATUS set_one(FSP_FILE_SYSTEM *fs, PVOID context, PFILE_FULL_EA_INFORMATION single)
{
    struct memfs_ea_set *set = context;
    struct memfs_ea **link = &set->head;

    if (single->EaNameLength == 0)
        return STATUS_INVALID_EA_NAME;
    while (*link && !name_equal(&(*link)->ea, single))
        link = &(*link)->next;
    struct memfs_ea *old = *link;
    UINT32 old_packed = old ? FspFileSystemGetEaPackedSize(&old->ea) : 0;

    if (single->EaValueLength == 0) {
        /* Deleting an EA that does not exist is no error on Windows. */
        if (old) {
            *link = old->next;
            set->packed_size -= old_packed;
            free(old);
        }
        return STATUS_SUCCESS;
    }
    UINT32 new_packed = FspFileSystemGetEaPackedSize(single);
    if ((uint64_t)set->packed_size - old_packed + new_packed > MEMFS_EA_MAX_TOTAL)
        return STATUS_EA_TOO_LARGE;
    size_t size = ea_size(single);
    struct memfs_ea *e = malloc(offsetof(struct memfs_ea, ea) + size);
    if (!e)
        return STATUS_INSUFFICIENT_RESOURCES;
    memcpy(&e->ea, single, size);
    e->ea.NextEntryOffset = 0;
    /* A replaced EA keeps its place in the order. */
    e->next = old ? old->next : NULL;
    *link = e;
    free(old);
    set->packed_size = set->packed_size - old_packed + new_packed;
    return STATUS_SUCCESS;
}

NTSTATUS memfs_ea_apply(FSP_FILE_SYSTEM *fs, struct memfs_ea_set *set, PFILE_FULL_EA_INFORMATION ea,
                        ULONG ea_length)
{
    return FspFileSystemEnumerateEa(fs, set_one, set, ea, ea_length);
}

NTSTATUS memfs_ea_get(const struct memfs_ea_set *set, PFILE_FULL_EA_INFORMATION buffer,
                      ULONG length, PULONG pbytes_transferred)
{
    *pbytes_transferred = 0;
    for (struct memfs_ea *e = set->head; e; e = e->next)
        if (!FspFileSystemAddEa(&e->ea, buffer, length, pbytes_transferred))
            break; /* full: the caller sees a partial list and asks again */
    FspFileSystemAddEa(NULL, buffer, length, pbytes_transferred);
    return STATUS_SUCCESS;
}
