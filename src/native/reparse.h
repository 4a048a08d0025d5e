/*
 * reparse.h - Linux symlinks as Windows reparse points (IO_REPARSE_TAG_SYMLINK).
 */
#ifndef FSP_NATIVE_REPARSE_H
#define FSP_NATIVE_REPARSE_H

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

/* Encode a POSIX symlink target (len bytes, NUL optional) as reparse data.
 * Returns 0 or a positive errno. */
int fsp_symlink_encode(const char *target, size_t len, struct fsp_reparse *rp);
/* Decode IO_REPARSE_TAG_SYMLINK data into a POSIX target (UTF-8, NUL-
 * terminated). Returns its length or a negative errno. */
int fsp_symlink_decode(const void *data, size_t size, char *target, size_t cap);

#endif /* FSP_NATIVE_REPARSE_H */
