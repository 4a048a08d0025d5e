/*
 * le.h - little-endian fields of Windows structures (SIDs, ACLs, security
 * descriptors, reparse buffers, POSIX ACL xattrs). They are little-endian
 * whatever the host and may sit at any alignment in a request: read and
 * write them a byte at a time.
 */
#ifndef FSP_NATIVE_LE_H
#define FSP_NATIVE_LE_H

#include <winfsp/wintypes.h>

static inline UINT16 fsp_get_le16(const void *p)
{
    const UINT8 *b = p;
    return (UINT16)(b[0] | b[1] << 8);
}

static inline UINT32 fsp_get_le32(const void *p)
{
    const UINT8 *b = p;
    return fsp_get_le16(b) | (UINT32)fsp_get_le16(b + 2) << 16;
}

static inline void fsp_put_le16(void *p, UINT16 v)
{
    UINT8 *b = p;
    b[0] = (UINT8)v;
    b[1] = (UINT8)(v >> 8);
}

static inline void fsp_put_le32(void *p, UINT32 v)
{
    UINT8 *b = p;
    fsp_put_le16(b, (UINT16)v);
    fsp_put_le16(b + 2, (UINT16)(v >> 16));
}

#endif /* FSP_NATIVE_LE_H */
