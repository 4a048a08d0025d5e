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
 *
 * FIFOs, sockets and devices are stored the way Windows' NFS server (and
 * WinFsp's FUSE layer) stores them: tag IO_REPARSE_TAG_NFS, a UINT64 type,
 * and for devices UINT32 major and UINT32 minor. Only the type lives in the
 * reparse data; owner and permission bits stay in the security descriptor.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "reparse.h"
#include "utf.h"

#define HDR   8u  /* tag, data length, reserved */
#define SLHDR 12u /* the symlink part before PathBuffer */

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
    fsp_put_le32(rp->data, IO_REPARSE_TAG_SYMLINK);
    fsp_put_le16(rp->data + 4, (UINT16)(SLHDR + bytes));
    fsp_put_le16(rp->data + 6, 0);
    fsp_put_le16(rp->data + 8, 0);
    fsp_put_le16(rp->data + 10, (UINT16)bytes);
    fsp_put_le16(rp->data + 12, 0);
    fsp_put_le16(rp->data + 14, (UINT16)bytes);
    fsp_put_le32(rp->data + 16, target[0] == '/' ? 0 : FSP_SYMLINK_FLAG_RELATIVE);
    rp->size = HDR + SLHDR + bytes;
    return 0;
}

int fsp_symlink_decode(const void *data, size_t size, char *target, size_t cap)
{
    const UINT8 *p = data;
    if (size < HDR + SLHDR || fsp_get_le32(p) != IO_REPARSE_TAG_SYMLINK)
        return -EINVAL;
    size_t datalen = fsp_get_le16(p + 4);
    if (HDR + datalen > size || datalen < SLHDR)
        return -EINVAL;
    size_t off = fsp_get_le16(p + 8), len = fsp_get_le16(p + 10);
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

static void put64(UINT8 *p, UINT64 v)
{
    fsp_put_le32(p, (UINT32)v);
    fsp_put_le32(p + 4, (UINT32)(v >> 32));
}

static UINT64 get64(const UINT8 *p)
{
    return fsp_get_le32(p) | (UINT64)fsp_get_le32(p + 4) << 32;
}

int fsp_special_encode(uint32_t mode, uint32_t rdev, struct fsp_reparse *rp)
{
    UINT64 type;
    bool dev = false;
    switch (mode & S_IFMT) {
    case S_IFIFO:
        type = FSP_NFS_SPECFILE_FIFO;
        break;
    case S_IFSOCK:
        type = FSP_NFS_SPECFILE_SOCK;
        break;
    case S_IFCHR:
        type = FSP_NFS_SPECFILE_CHR;
        dev = true;
        break;
    case S_IFBLK:
        type = FSP_NFS_SPECFILE_BLK;
        dev = true;
        break;
    default:
        return EINVAL;
    }
    UINT16 datalen = dev ? 16 : 8;
    fsp_put_le32(rp->data, IO_REPARSE_TAG_NFS);
    fsp_put_le16(rp->data + 4, datalen);
    fsp_put_le16(rp->data + 6, 0);
    put64(rp->data + HDR, type);
    if (dev) {
        fsp_put_le32(rp->data + HDR + 8, major(rdev));
        fsp_put_le32(rp->data + HDR + 12, minor(rdev));
    }
    rp->size = HDR + datalen;
    return 0;
}

int fsp_special_decode(const void *data, size_t size, uint32_t *type, uint32_t *rdev)
{
    const UINT8 *p = data;
    if (size < HDR + 8 || fsp_get_le32(p) != IO_REPARSE_TAG_NFS)
        return -EINVAL;
    size_t datalen = fsp_get_le16(p + 4);
    if (datalen < 8 || HDR + datalen > size)
        return -EINVAL;
    *rdev = 0;
    switch (get64(p + HDR)) {
    case FSP_NFS_SPECFILE_FIFO:
        *type = S_IFIFO;
        return 0;
    case FSP_NFS_SPECFILE_SOCK:
        *type = S_IFSOCK;
        return 0;
    case FSP_NFS_SPECFILE_CHR:
        *type = S_IFCHR;
        break;
    case FSP_NFS_SPECFILE_BLK:
        *type = S_IFBLK;
        break;
    default:
        return -EINVAL; /* NFS symlinks (LNK) and unknown types */
    }
    if (datalen < 16)
        return -EINVAL;
    /* The kernel's 32-bit dev_t encoding, as FUSE carries it. */
    *rdev = (uint32_t)makedev(fsp_get_le32(p + HDR + 8), fsp_get_le32(p + HDR + 12));
    return 0;
}
