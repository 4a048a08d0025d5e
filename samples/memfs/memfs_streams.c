/*
 * memfs_streams.c - named streams, as WinFsp's MEMFS keeps them: a stream
 * is a node of its own (its data, its size), attached to its main file and
 * reached by the path "\dir\file:stream". Everything else about it (times,
 * attributes, security, EAs) is the main file's, so a stream's FileInfo is
 * the main file's with the stream's sizes, and never a directory's: a
 * directory may have streams too.
 *
 * Lifetime: the main file holds one reference to each of its streams; an
 * open stream holds one on itself and one on its main file, so a main file
 * outlives its open streams. A stream goes when deleted (Cleanup with
 * delete) or when its main file loses its last name.
 *
 * Names: the first ':' of a path's last component starts the stream name.
 * A type may follow (":s:$DATA"); "$DATA" is the only one, and
 * "file::$DATA" is the main file itself. The adapter only passes plain
 * "file:stream" (doc/windows-on-linux.md), but any WinFsp caller may.
 */
#include <stdlib.h>
#include <string.h>

#include "memfs.h"

static const WCHAR data_type[] = u"$DATA";
#define DATA_TYPE_LEN 5

/* Where the stream part of path's last component starts (at its ':'), or
 * NULL when the path names a file. */
static const WCHAR *stream_part(const WCHAR *path)
{
    const WCHAR *colon = NULL;
    for (const WCHAR *p = path; *p; p++) {
        if (*p == u'\\')
            colon = NULL;
        else if (*p == u':' && !colon)
            colon = p;
    }
    return colon;
}

bool memfs_path_is_stream(const WCHAR *path)
{
    return stream_part(path) != NULL;
}

/* Split ":name[:type]" into the stream name; STATUS_OBJECT_NAME_INVALID for
 * a type other than $DATA, an empty name with no type, or a name too long. */
static NTSTATUS split_stream(const struct memfs *m, const WCHAR *colon, const WCHAR **pname,
                             size_t *pnamelen)
{
    const WCHAR *name = colon + 1;
    const WCHAR *end = name;
    while (*end && *end != u':')
        end++;
    size_t namelen = (size_t)(end - name);
    if (*end == u':') {
        size_t typelen = memfs_wcslen(end + 1);
        if (memfs_name_compare(end + 1, typelen, data_type, DATA_TYPE_LEN, true) != 0)
            return STATUS_OBJECT_NAME_INVALID;
    } else if (namelen == 0) {
        return STATUS_OBJECT_NAME_INVALID; /* "file:" */
    }
    if (namelen > MEMFS_MAX_COMPONENT)
        return STATUS_OBJECT_NAME_INVALID;
    *pname = name;
    *pnamelen = namelen;
    return STATUS_SUCCESS;
}

NTSTATUS memfs_stream_lookup(const struct memfs *m, const WCHAR *path,
                             struct memfs_entry **pmain_entry, struct memfs_node **pstream,
                             const WCHAR **pname, size_t *pnamelen)
{
    const WCHAR *colon = stream_part(path);
    NTSTATUS status = split_stream(m, colon, pname, pnamelen);
    if (!NT_SUCCESS(status))
        return status;
    size_t mainlen = (size_t)(colon - path);
    WCHAR *main_path = malloc((mainlen + 1) * sizeof(WCHAR));
    if (!main_path)
        return STATUS_INSUFFICIENT_RESOURCES;
    memcpy(main_path, path, mainlen * sizeof(WCHAR));
    main_path[mainlen] = 0;
    status = memfs_lookup(m, main_path, pmain_entry);
    free(main_path);
    if (!NT_SUCCESS(status))
        return status;
    *pstream = NULL;
    for (struct memfs_node *s = (*pmain_entry)->node->streams; s; s = s->stream_next)
        if (!memfs_name_compare(s->stream_name, s->stream_namelen, *pname, *pnamelen,
                                m->case_insensitive)) {
            *pstream = s;
            break;
        }
    return STATUS_SUCCESS;
}

struct memfs_node *memfs_stream_new(struct memfs *m, struct memfs_node *main, const WCHAR *name,
                                    size_t namelen)
{
    struct memfs_node *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->stream_name = malloc((namelen ? namelen : 1) * sizeof(WCHAR));
    if (!s->stream_name) {
        free(s);
        return NULL;
    }
    memcpy(s->stream_name, name, namelen * sizeof(WCHAR));
    s->stream_namelen = (uint16_t)namelen;
    atomic_init(&s->refcount, 1); /* the main file's */
    s->main = main;
    s->info.FileAttributes = FILE_ATTRIBUTE_ARCHIVE;
    s->stream_next = main->streams;
    main->streams = s;
    atomic_fetch_add(&m->node_count, 1);
    return s;
}

void memfs_stream_delete(struct memfs *m, struct memfs_node *stream)
{
    struct memfs_node *main = stream->main;
    struct memfs_node **p = &main->streams;
    while (*p && *p != stream)
        p = &(*p)->stream_next;
    if (!*p)
        return; /* deleted already (a second handle with delete disposition) */
    *p = stream->stream_next;
    stream->stream_next = NULL;
    atomic_fetch_sub(&m->node_count, 1);
    memfs_node_release(m, stream);
}

void memfs_streams_delete_all(struct memfs *m, struct memfs_node *main)
{
    while (main->streams)
        memfs_stream_delete(m, main->streams);
}

void memfs_stream_info(const struct memfs_node *stream, FSP_FSCTL_FILE_INFO *info)
{
    *info = stream->main->info;
    info->FileAttributes &= ~(UINT32)(FILE_ATTRIBUTE_DIRECTORY | FILE_ATTRIBUTE_REPARSE_POINT);
    info->ReparseTag = 0;
    info->HardLinks = 1; /* no names of its own; st_nlink 1, as for a plain file */
    info->FileSize = stream->info.FileSize;
    info->AllocationSize = stream->info.AllocationSize;
}

size_t memfs_stream_path(const struct memfs_entry *main_entry, const struct memfs_node *stream,
                         WCHAR *buffer, size_t capacity)
{
    size_t n = memfs_entry_path(main_entry, buffer, capacity);
    size_t extra = (1 + (size_t)stream->stream_namelen) * sizeof(WCHAR);
    if (!n || extra > capacity - n)
        return 0;
    buffer[n / sizeof(WCHAR)] = u':';
    memcpy(buffer + n / sizeof(WCHAR) + 1, stream->stream_name,
           stream->stream_namelen * sizeof(WCHAR));
    return n + extra;
}

/* One FSP_FSCTL_STREAM_INFO: the header plus a maximal name. */
union stream_info_buf {
    FSP_FSCTL_STREAM_INFO info;
    uint8_t bytes[sizeof(FSP_FSCTL_STREAM_INFO) + MEMFS_MAX_COMPONENT * sizeof(WCHAR)];
};

static bool add_stream(const WCHAR *name, size_t namelen, const FSP_FSCTL_FILE_INFO *info,
                       PVOID buffer, ULONG length, PULONG pbytes_transferred)
{
    union stream_info_buf b;
    memset(&b.info, 0, sizeof b.info);
    b.info.Size = (UINT16)(sizeof(FSP_FSCTL_STREAM_INFO) + namelen * sizeof(WCHAR));
    b.info.StreamSize = info->FileSize;
    b.info.StreamAllocationSize = info->AllocationSize;
    memcpy(b.info.StreamNameBuf, name, namelen * sizeof(WCHAR));
    return FspFileSystemAddStreamInfo(&b.info, buffer, length, pbytes_transferred);
}

NTSTATUS memfs_get_stream_info(FSP_FILE_SYSTEM *fs, PVOID file_context, PVOID buffer, ULONG length,
                               PULONG pbytes_transferred)
{
    struct memfs_node *node = file_context;
    if (node->main)
        node = node->main; /* a stream's handle lists its file's streams */
    *pbytes_transferred = 0;
    /* A directory has no unnamed data stream, only named ones. */
    if (!node->dir && !add_stream(u"", 0, &node->info, buffer, length, pbytes_transferred))
        return STATUS_SUCCESS;
    for (const struct memfs_node *s = node->streams; s; s = s->stream_next)
        if (!add_stream(s->stream_name, s->stream_namelen, &s->info, buffer, length,
                        pbytes_transferred))
            return STATUS_SUCCESS; /* full: no end marker, the caller asks again */
    FspFileSystemAddStreamInfo(NULL, buffer, length, pbytes_transferred);
    return STATUS_SUCCESS;
}
