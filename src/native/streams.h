/*
 * streams.h - named streams (VolumeParams.NamedStreams) on Linux: the
 * "file:stream" names LOOKUP may carry, GetStreamInfo as text for the
 * system.fsp.streams xattr, and the kernel's entries of streams whose main
 * file went away or moved (streams.c; the inode table's side is nodes.c's).
 */
#ifndef FSP_NATIVE_STREAMS_H
#define FSP_NATIVE_STREAMS_H

#include <stdbool.h>
#include <stddef.h>

#include "native.h"

/* st_ino of a stream node: the adapter's own number with the top bit set,
 * apart from every IndexNumber a file system hands out (a stream usually
 * reports its main file's, which would make cp(1) see one file). */
#define FSP_STREAM_INO_BIT (1ull << 63)

/* A request name converted with WinFsp's POSIX convention holds ':' as
 * U+F03A. With stream names on, "file:stream" (one colon, both parts
 * non-empty) gets its colon back, so the path the file system sees is
 * "\dir\file:stream". Returns len for a plain or stream name, -EINVAL for
 * any other name with a colon (":s", "f:", "f:s:$DATA", "f::$DATA"). */
int fsp_stream_name_parse(WCHAR *name, size_t len);

/* Does a converted name (as stored in a node) name a stream? */
static inline bool fsp_stream_name_is(const WCHAR *name, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (name[i] == u':')
            return true;
    return false;
}

/* GetStreamInfo's buffer as text, one stream a line: its Windows name
 * ("::$DATA" for the unnamed data stream, ":s:$DATA"), a tab, StreamSize, a
 * tab, StreamAllocationSize. Returns the text length (written only when it
 * fits in cap; out may be NULL with cap 0), or -EIO for a malformed buffer.
 * *complete tells whether the buffer held the end marker. */
long fsp_streams_format(const void *buf, ULONG bytes, char *out, size_t cap, bool *complete);

/* The open file's streams as malloc'd text (fsp_streams_format). */
NTSTATUS fsp_streams_text(struct fsp_native *nt, PVOID ctx, char **ptext, size_t *plen);

/* Names of stream nodes that lost their file (UTF-8, malloc'd). */
struct fsp_streams_gone {
    char **names;
    size_t count;
};

/* fsp_node_unlink and fsp_node_rename (nodes.c) fill it: the names of the
 * nodes of a deleted or renamed file's streams. Tell the kernel to drop its entries for them, and
 * free gone. Call after the reply: the kernel holds the directory locked until then, and an
 * invalidation would wait for that lock. */
void fsp_streams_forget(struct fsp_req *req, struct fsp_node *dir, struct fsp_streams_gone *gone);

#endif /* FSP_NATIVE_STREAMS_H */
