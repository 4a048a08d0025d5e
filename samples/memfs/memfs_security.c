/*
 * memfs_security.c - merging a SetSecurity modification into a descriptor.
 *
 * WinFsp file systems call FspSetSecurityDescriptor for this; FSP's public
 * header does not offer it yet, so MEMFS merges by hand. It only has to move
 * whole parts (owner, group, SACL, DACL) between two self-relative
 * descriptors in Windows' binary layout, which this file reads directly.
 * When the full security API arrives, memfs_merge_sd becomes a call to
 * FspSetSecurityDescriptor.
 */
#include <stdlib.h>
#include <string.h>

#include "memfs.h"

/* Self-relative header: Revision, Sbz1, Control, then the four offsets. */
#define SD_HEADER_SIZE         20
#define SE_OWNER_DEFAULTED     0x0001u
#define SE_GROUP_DEFAULTED     0x0002u
#define SE_DACL_PRESENT        0x0004u
#define SE_DACL_DEFAULTED      0x0008u
#define SE_SACL_PRESENT        0x0010u
#define SE_SACL_DEFAULTED      0x0020u
#define SE_DACL_AUTO_INHERITED 0x0400u
#define SE_SACL_AUTO_INHERITED 0x0800u
#define SE_DACL_PROTECTED      0x1000u
#define SE_SACL_PROTECTED      0x2000u
#define SE_SELF_RELATIVE       0x8000u

#define OWNER_BITS SE_OWNER_DEFAULTED
#define GROUP_BITS SE_GROUP_DEFAULTED
#define SACL_BITS  (SE_SACL_PRESENT | SE_SACL_DEFAULTED | SE_SACL_AUTO_INHERITED | SE_SACL_PROTECTED)
#define DACL_BITS  (SE_DACL_PRESENT | SE_DACL_DEFAULTED | SE_DACL_AUTO_INHERITED | SE_DACL_PROTECTED)

enum { PART_OWNER, PART_GROUP, PART_SACL, PART_DACL, PART_COUNT };

static const uint32_t part_offset_field[PART_COUNT] = {4, 8, 12, 16};
static const uint16_t part_control_bits[PART_COUNT] = {OWNER_BITS, GROUP_BITS, SACL_BITS,
                                                       DACL_BITS};
static const SECURITY_INFORMATION part_info[PART_COUNT] = {
    OWNER_SECURITY_INFORMATION, GROUP_SECURITY_INFORMATION, SACL_SECURITY_INFORMATION,
    DACL_SECURITY_INFORMATION};

/* The descriptor layout is little-endian whatever the host. */
static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

struct part {
    const uint8_t *data; /* NULL: absent (or a NULL ACL) */
    uint32_t size;
};

/* Locates one part of a self-relative descriptor; false if it is malformed. */
static bool get_part(const uint8_t *sd, uint32_t sdsize, int which, struct part *part)
{
    part->data = NULL;
    part->size = 0;
    if (sdsize < SD_HEADER_SIZE)
        return sdsize == 0; /* an empty descriptor has no parts */
    uint16_t control = get16(sd + 2);
    uint32_t offset = get32(sd + part_offset_field[which]);
    if (offset == 0)
        return true;
    if ((which == PART_SACL && !(control & SE_SACL_PRESENT)) ||
        (which == PART_DACL && !(control & SE_DACL_PRESENT)))
        return true;
    if (offset < SD_HEADER_SIZE || offset > sdsize - 8)
        return false;
    uint32_t size;
    if (which == PART_OWNER || which == PART_GROUP)
        size = 8 + 4u * sd[offset + 1]; /* SID: 8-byte header + SubAuthorityCount * 4 */
    else
        size = get16(sd + offset + 2); /* ACL: AclSize */
    if (size < 8 || size > sdsize - offset)
        return false;
    part->data = sd + offset;
    part->size = size;
    return true;
}

NTSTATUS memfs_merge_sd(const void *existing, uint32_t existing_size,
                        SECURITY_INFORMATION security_information, const void *modification,
                        void **pmerged, uint32_t *pmerged_size)
{
    if (!modification || !IsValidSecurityDescriptor((PSECURITY_DESCRIPTOR)modification))
        return STATUS_INVALID_SECURITY_DESCR;
    const uint8_t *mod = modification;
    uint32_t mod_size = GetSecurityDescriptorLength((PSECURITY_DESCRIPTOR)modification);
    if (mod_size < SD_HEADER_SIZE || !(get16(mod + 2) & SE_SELF_RELATIVE))
        return STATUS_INVALID_SECURITY_DESCR;

    const uint8_t *old = existing;
    uint16_t control = existing_size >= SD_HEADER_SIZE ? get16(old + 2) : 0;
    struct part parts[PART_COUNT];
    uint32_t total = SD_HEADER_SIZE;
    for (int i = 0; i < PART_COUNT; i++) {
        bool from_mod = (security_information & part_info[i]) != 0;
        bool ok = from_mod ? get_part(mod, mod_size, i, &parts[i])
                           : get_part(old, existing_size, i, &parts[i]);
        if (!ok)
            return from_mod ? STATUS_INVALID_SECURITY_DESCR : STATUS_INTERNAL_ERROR;
        if (from_mod)
            control = (uint16_t)((control & ~part_control_bits[i]) |
                                 (get16(mod + 2) & part_control_bits[i]));
        total += (parts[i].size + 3) & ~3u;
    }
    if (security_information & PROTECTED_DACL_SECURITY_INFORMATION)
        control |= SE_DACL_PROTECTED;
    if (security_information & UNPROTECTED_DACL_SECURITY_INFORMATION)
        control &= (uint16_t)~SE_DACL_PROTECTED;
    if (security_information & PROTECTED_SACL_SECURITY_INFORMATION)
        control |= SE_SACL_PROTECTED;
    if (security_information & UNPROTECTED_SACL_SECURITY_INFORMATION)
        control &= (uint16_t)~SE_SACL_PROTECTED;
    control |= SE_SELF_RELATIVE;

    uint8_t *out = calloc(1, total);
    if (!out)
        return STATUS_INSUFFICIENT_RESOURCES;
    out[0] = 1; /* SECURITY_DESCRIPTOR_REVISION */
    put16(out + 2, control);
    uint32_t pos = SD_HEADER_SIZE;
    for (int i = 0; i < PART_COUNT; i++) {
        if (!parts[i].data)
            continue;
        memcpy(out + pos, parts[i].data, parts[i].size);
        put32(out + part_offset_field[i], pos);
        pos += (parts[i].size + 3) & ~3u;
    }
    *pmerged = out;
    *pmerged_size = total;
    return STATUS_SUCCESS;
}
