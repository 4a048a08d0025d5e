/*
 * streams.c - named streams: WinFsp file systems with
 * VolumeParams.NamedStreams keep more than one data stream per file, opened
 * on Windows as "file:stream". Linux has no such thing, so FSP offers two
 * ways in (doc/windows-on-linux.md, "Named streams"):
 *
 * - system.fsp.streams, a read-only xattr: GetStreamInfo as text;
 * - with VolumeParams.UmNamedStreamNames, a LOOKUP of "file:stream" reaches
 *   the stream itself: the name keeps its colon (every other ':' a Linux
 *   name holds is translated to U+F03A), so Open, Create, Cleanup and the
 *   rest get "\dir\file:stream" exactly as from WinFsp's FSD, and cat, cp,
 *   echo > and rm work on streams.
 *
 * A stream's node is a child of the directory named "file:stream", with an
 * st_ino of its own. Such nodes do not follow their main file: when it is
 * deleted (its streams die with it) or renamed (they now live under the new
 * name), the inode table drops their names (fsp_node_unlink and
 * fsp_node_rename in nodes.c), and fsp_streams_forget the kernel's; a
 * deletion or rename the file system reports itself (FspFileSystemNotify)
 * does the same in notify.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <winfsp/winfsp.h>

#include "native/dirinfo.h"
#include "native/streams.h"
#include "native/utf.h"

#define FSP_TRANSLATED_COLON 0xF03Au

int fsp_stream_name_parse(WCHAR *name, size_t len)
{
    size_t colon = len;
    for (size_t i = 0; i < len; i++) {
        if (name[i] != FSP_TRANSLATED_COLON)
            continue;
        if (colon != len)
            return -EINVAL; /* a type ("f:s:$DATA") or a second colon */
        colon = i;
    }
    if (colon == len)
        return (int)len;
    if (colon == 0 || colon == len - 1)
        return -EINVAL; /* no file or no stream name */
    name[colon] = u':';
    return (int)len;
}

/*
 * FspFileSystemAddStreamInfo: entries are packed like directory entries,
 * Size bytes each (header plus name) at 8-byte aligned offsets; NULL adds
 * the end marker, a zero UINT16. FALSE, nothing written, when it does not
 * fit: GetStreamInfo then returns what it has, and the caller, not finding
 * the marker, asks again with more room.
 */
FSP_API BOOLEAN FspFileSystemAddStreamInfo(FSP_FSCTL_STREAM_INFO *StreamInfo, PVOID Buffer,
                                           ULONG Length, PULONG PBytesTransferred)
{
    return fsp_add_packed(StreamInfo, StreamInfo ? StreamInfo->Size : 0, sizeof *StreamInfo, Buffer,
                          Length, PBytesTransferred);
}

/* Append to out what fits; count it all. */
static void put(char *out, size_t cap, size_t *pos, const char *s, size_t n)
{
    if (*pos < cap)
        memcpy(out + *pos, s, n <= cap - *pos ? n : cap - *pos);
    *pos += n;
}

long fsp_streams_format(const void *buf, ULONG bytes, char *out, size_t cap, bool *complete)
{
    const UINT8 *p = buf;
    size_t pos = 0;
    ULONG off = 0;

    *complete = false;
    while (off < bytes) {
        if (bytes - off < sizeof(UINT16))
            return -EIO;
        FSP_FSCTL_STREAM_INFO hdr;
        UINT16 size;
        memcpy(&size, p + off, sizeof size);
        if (size == 0) {
            *complete = true;
            break;
        }
        if (size < sizeof hdr || size > bytes - off || (size - sizeof hdr) % sizeof(WCHAR))
            return -EIO;
        memcpy(&hdr, p + off, sizeof hdr);
        size_t nlen = (size - sizeof hdr) / sizeof(WCHAR);
        WCHAR name[256];
        char name8[3 * 256 + 1];
        if (nlen > 255)
            return -EIO; /* longer than any NTFS name */
        memcpy(name, p + off + sizeof hdr, nlen * sizeof(WCHAR));
        int n8 = fsp_utf16_to_utf8(name, nlen, name8, sizeof name8, FSP_UTF_TRANSLATE);
        if (n8 < 0)
            return -EIO;
        char line[64];
        int ln = snprintf(line, sizeof line, "\t%llu\t%llu\n", (unsigned long long)hdr.StreamSize,
                          (unsigned long long)hdr.StreamAllocationSize);
        if (nlen == 0) {
            put(out, cap, &pos, "::$DATA", 7);
        } else {
            put(out, cap, &pos, ":", 1);
            put(out, cap, &pos, name8, (size_t)n8);
            put(out, cap, &pos, ":$DATA", 6);
        }
        put(out, cap, &pos, line, (size_t)ln);
        off += (ULONG)FSP_FSCTL_ALIGN_UP(size, FSP_FSCTL_DEFAULT_ALIGNMENT);
    }
    return (long)pos;
}

/* Room for GetStreamInfo: grows until the list ends inside the buffer. */
#define FSP_STREAMS_FIRST (64u << 10)
#define FSP_STREAMS_MAX   (16u << 20)

NTSTATUS fsp_streams_text(struct fsp_native *nt, PVOID ctx, char **ptext, size_t *plen)
{
    const FSP_FILE_SYSTEM_INTERFACE *fi = nt->fs->Interface;
    ULONG cap = FSP_STREAMS_FIRST;
    bool complete = false;
    void *buf = NULL;
    ULONG bytes = 0;

    *ptext = NULL;
    while (!complete) {
        if (cap > FSP_STREAMS_MAX) {
            free(buf);
            return STATUS_INSUFFICIENT_RESOURCES;
        }
        void *nbuf = realloc(buf, cap);
        if (!nbuf) {
            free(buf);
            return STATUS_INSUFFICIENT_RESOURCES;
        }
        buf = nbuf;
        bytes = 0;
        NTSTATUS st = fi->GetStreamInfo(nt->fs, ctx, buf, cap, &bytes);
        if (!NT_SUCCESS(st)) {
            free(buf);
            return st;
        }
        if (bytes > cap)
            bytes = cap;
        if (fsp_streams_format(buf, bytes, NULL, 0, &complete) < 0) {
            free(buf);
            return STATUS_INVALID_PARAMETER;
        }
        cap *= 2;
    }
    long len = fsp_streams_format(buf, bytes, NULL, 0, &complete);
    char *text = malloc((size_t)len + 1);
    if (!text) {
        free(buf);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    fsp_streams_format(buf, bytes, text, (size_t)len + 1, &complete);
    free(buf);
    *ptext = text;
    *plen = (size_t)len;
    return STATUS_SUCCESS;
}

void fsp_streams_forget(struct fsp_req *req, struct fsp_node *dir, struct fsp_streams_gone *gone)
{
    for (size_t i = 0; i < gone->count; i++) {
        if (gone->names[i])
            fsp_notify_inval_entry(fsp_req_session(req), dir->nodeid, gone->names[i],
                                   strlen(gone->names[i]));
        free(gone->names[i]);
    }
    free(gone->names);
    gone->names = NULL;
    gone->count = 0;
}
