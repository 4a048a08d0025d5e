/*
 * reparse.c - symlinks as reparse points.
 *
 * A Linux symlink is stored the way Windows stores one: REPARSE_DATA_BUFFER
 * with tag IO_REPARSE_TAG_SYMLINK, the target as both substitute and print
 * name, '/' written as '\' and characters Windows forbids in names mapped to
 * U+F000+c (so every POSIX target round-trips byte for byte). A target not
 * starting with '/' carries SYMLINK_FLAG_RELATIVE.
 *
 * Layout (little-endian): UINT32 ReparseTag, UINT16 ReparseDataLength,
 * UINT16 Reserved, then UINT16 SubstituteNameOffset, SubstituteNameLength,
 * PrintNameOffset, PrintNameLength (bytes, relative to PathBuffer), UINT32
 * Flags, WCHAR PathBuffer[].
 */
#include <errno.h>
#include <string.h>

#include "reparse.h"
#include "utf.h"

#define HDR   8u  /* tag, data length, reserved */
#define SLHDR 12u /* the symlink part before PathBuffer */

static void put16(UINT8 *p, UINT16 v)
{
    p[0] = (UINT8)v;
    p[1] = (UINT8)(v >> 8);
}

static void put32(UINT8 *p, UINT32 v)
{
    put16(p, (UINT16)v);
    put16(p + 2, (UINT16)(v >> 16));
}

static UINT16 get16(const UINT8 *p)
{
    return (UINT16)(p[0] | p[1] << 8);
}

static UINT32 get32(const UINT8 *p)
{
    return get16(p) | (UINT32)get16(p + 2) << 16;
}

int fsp_symlink_encode(const char *target, size_t len, struct fsp_reparse *rp)
{
    len = strnlen(target, len);
    if (len == 0)
        return ENOENT; /* symlink(2) refuses an empty target */
    WCHAR *path = (WCHAR *)(rp->data + HDR + SLHDR);
    int n = fsp_utf8_to_utf16(target, len, path, FSP_PATH_MAX, FSP_UTF_TRANSLATE | FSP_UTF_PATH);
    if (n < 0)
        return n == -ENAMETOOLONG ? ENAMETOOLONG : EINVAL;
    size_t bytes = (size_t)n * sizeof(WCHAR);
    if (HDR + SLHDR + bytes > 0xffff)
        return ENAMETOOLONG;
    /* One copy of the name serves as both substitute and print name. */
    put32(rp->data, IO_REPARSE_TAG_SYMLINK);
    put16(rp->data + 4, (UINT16)(SLHDR + bytes));
    put16(rp->data + 6, 0);
    put16(rp->data + 8, 0);
    put16(rp->data + 10, (UINT16)bytes);
    put16(rp->data + 12, 0);
    put16(rp->data + 14, (UINT16)bytes);
    put32(rp->data + 16, target[0] == '/' ? 0 : FSP_SYMLINK_FLAG_RELATIVE);
    rp->size = HDR + SLHDR + bytes;
    return 0;
}

int fsp_symlink_decode(const void *data, size_t size, char *target, size_t cap)
{
    const UINT8 *p = data;
    if (size < HDR + SLHDR || get32(p) != IO_REPARSE_TAG_SYMLINK)
        return -EINVAL;
    size_t datalen = get16(p + 4);
    if (HDR + datalen > size || datalen < SLHDR)
        return -EINVAL;
    size_t off = get16(p + 8), len = get16(p + 10);
    size_t pathbytes = datalen - SLHDR;
    if (off + len > pathbytes || (off | len) & 1)
        return -EINVAL;
    /* PathBuffer may be unaligned in a buffer from the file system. */
    WCHAR name[FSP_PATH_MAX];
    if (len / 2 > FSP_PATH_MAX)
        return -ENAMETOOLONG;
    memcpy(name, p + HDR + SLHDR + off, len);
    int n = fsp_utf16_to_utf8(name, len / 2, target, cap - 1, FSP_UTF_TRANSLATE | FSP_UTF_PATH);
    if (n < 0)
        return n;
    target[n] = 0;
    return n;
}
