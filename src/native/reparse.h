/*
 * reparse.h - Linux symlinks as Windows reparse points (IO_REPARSE_TAG_SYMLINK)
 * and special files as NFS reparse points (IO_REPARSE_TAG_NFS).
 */
#ifndef FSP_NATIVE_REPARSE_H
#define FSP_NATIVE_REPARSE_H

#include "le.h"
#include "native.h"

/* A reparse buffer built on the stack: header + symlink header + one name. */
struct fsp_reparse {
    size_t size;
    union {
        UINT8 data[16 + 2 * FSP_PATH_MAX * sizeof(WCHAR)];
        UINT32 align;
    };
};

#define FSP_SYMLINK_FLAG_RELATIVE 1u

/* Is this well-formed reparse data that a file may carry? What Windows'
 * FsRtlValidateReparsePointBuffer checks before FSCTL_SET_REPARSE_POINT
 * reaches a file system: at least a header and at most
 * MAXIMUM_REPARSE_DATA_BUFFER_SIZE bytes; a tag that is not reserved (0, 1,
 * 2) and has no bits outside 0xF000FFFF (else STATUS_IO_REPARSE_TAG_INVALID);
 * ReparseDataLength matching the size (a non-Microsoft tag counts a 24-byte
 * header: tag, lengths and GUID); for symlinks and mount points, names
 * inside the data. STATUS_IO_REPARSE_DATA_INVALID otherwise. */
NTSTATUS fsp_reparse_validate(const void *data, size_t size);

/* Encode a POSIX symlink target (len bytes, NUL optional) as reparse data.
 * Returns 0 or a positive errno. */
int fsp_symlink_encode(const char *target, size_t len, struct fsp_reparse *rp);
/* Decode IO_REPARSE_TAG_SYMLINK data into a POSIX target (UTF-8, NUL-
 * terminated). Returns its length or a negative errno. */
int fsp_symlink_decode(const void *data, size_t size, char *target, size_t cap);

/* IO_REPARSE_TAG_NFS data: a UINT64 type (MS-FSCC 2.1.2.6), then for
 * character and block devices UINT32 major, UINT32 minor. */
#define FSP_NFS_SPECFILE_LNK  0x00000000014B4E4Cull /* "LNK" */
#define FSP_NFS_SPECFILE_CHR  0x0000000000524843ull /* "CHR" */
#define FSP_NFS_SPECFILE_BLK  0x00000000004B4C42ull /* "BLK" */
#define FSP_NFS_SPECFILE_FIFO 0x000000004F464946ull /* "FIFO" */
#define FSP_NFS_SPECFILE_SOCK 0x000000004B434F53ull /* "SOCK" */

/* Encode a FIFO, socket or device (mode's S_IFMT; rdev as the FUSE protocol
 * carries it, i.e. the kernel's 32-bit encoding) as IO_REPARSE_TAG_NFS data.
 * Returns 0, or EINVAL for any other file type. */
int fsp_special_encode(uint32_t mode, uint32_t rdev, struct fsp_reparse *rp);
/* Decode IO_REPARSE_TAG_NFS data: *type gets S_IFIFO, S_IFCHR, S_IFBLK or
 * S_IFSOCK and *rdev the device (0 for FIFOs and sockets). Returns 0 or
 * -EINVAL (malformed, or an NFS type that is not a special file). */
int fsp_special_decode(const void *data, size_t size, uint32_t *type, uint32_t *rdev);

static inline bool fsp_is_special(const FSP_FSCTL_FILE_INFO *info)
{
    return (info->FileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) &&
           info->ReparseTag == IO_REPARSE_TAG_NFS;
}

#endif /* FSP_NATIVE_REPARSE_H */
