/*
 * memfs_security.c - merging a SetSecurity modification into a descriptor.
 *
 * As a WinFsp file system does, MEMFS hands the work to
 * FspSetSecurityDescriptor: the parts SecurityInformation names (owner,
 * group, DACL, SACL) come from the modification, the rest from the stored
 * descriptor, PROTECTED_/UNPROTECTED_ flags set or clear the DACL's and
 * SACL's protection, and generic rights in the new ACLs are mapped to file
 * rights, as Windows stores them. So "owner only" or "DACL only" changes
 * (chown, chmod, setfacl, system.fsp.sddl with one component) leave the
 * other parts alone.
 */
#include <stdlib.h>
#include <string.h>

#include "memfs.h"

NTSTATUS memfs_merge_sd(const void *existing, uint32_t existing_size,
                        SECURITY_INFORMATION security_information, const void *modification,
                        void **pmerged, uint32_t *pmerged_size)
{
    /* A node created without a descriptor has none to merge into: start
     * from an empty one (no owner, group or ACLs). */
    static const uint8_t empty[20] = {1, 0, 0x00, 0x80}; /* revision 1, SE_SELF_RELATIVE */
    PSECURITY_DESCRIPTOR merged = NULL;

    if (!modification || !IsValidSecurityDescriptor((PSECURITY_DESCRIPTOR)modification))
        return STATUS_INVALID_SECURITY_DESCR;
    NTSTATUS status =
        FspSetSecurityDescriptor((PSECURITY_DESCRIPTOR)(existing_size ? existing : empty),
                                 security_information, (PSECURITY_DESCRIPTOR)modification, &merged);
    if (!NT_SUCCESS(status))
        return status;
    uint32_t size = GetSecurityDescriptorLength(merged);
    void *copy = malloc(size);
    if (copy)
        memcpy(copy, merged, size);
    FspDeleteSecurityDescriptor(merged, (NTSTATUS(*)())FspSetSecurityDescriptor);
    if (!copy)
        return STATUS_INSUFFICIENT_RESOURCES;
    *pmerged = copy;
    *pmerged_size = size;
    return STATUS_SUCCESS;
}
