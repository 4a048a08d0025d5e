/*
 * reparse_resolve.c - WinFsp's reparse point helpers: finding a reparse
 * point on a path, resolving symlinks along a path, deciding whether reparse
 * data may replace a file's current one, and checking reparse data the way
 * Windows does before a file system sees it.
 *
 * On Windows the I/O manager follows reparse points: a file system that
 * meets one while opening a path answers STATUS_REPARSE, and WinFsp's FSD
 * asks the file system's ResolveReparsePoints operation for the new path,
 * which most file systems implement with FspFileSystemResolveReparsePoints.
 * On Linux the kernel walks paths itself, one LOOKUP per component, and
 * follows a symlink by reading it (READLINK), so the adapter never needs a
 * path resolved (doc/windows-on-linux.md, "Reparse points"). The helpers
 * are here for file systems that use them directly, with WinFsp's results.
 *
 * Paths are worked on in a private copy, never in the caller's FileName.
 */
#include <stdlib.h>
#include <string.h>

#include "reparse.h"
#include "utf.h"

#define HDR          REPARSE_DATA_BUFFER_HEADER_SIZE      /* tag, length, reserved */
#define GUID_HDR     REPARSE_GUID_DATA_BUFFER_HEADER_SIZE /* ... and the GUID */
#define SYMLINK_HDR  12u                                  /* name offsets and lengths, flags */
#define MOUNTPT_HDR  8u                                   /* name offsets and lengths */
#define SYMLINK_PATH (HDR + SYMLINK_HDR)

/* WinFsp allows 31 symlinks on one path; the 32nd fails. */
#define MAX_SYMLINKS 31

/* Is [start, start + len) within the data of a buffer of `datalen` bytes
 * after a header of `hdr` bytes? Names are whole WCHARs. */
static bool name_inside(size_t datalen, size_t hdr, size_t off, size_t len)
{
    return datalen >= hdr && off + len <= datalen - hdr && !((off | len) & 1);
}

NTSTATUS fsp_reparse_validate(const void *data, size_t size)
{
    const UINT8 *p = data;
    if (!data || size < HDR || size > MAXIMUM_REPARSE_DATA_BUFFER_SIZE)
        return STATUS_IO_REPARSE_DATA_INVALID;
    UINT32 tag = fsp_get_le32(p);
    if (tag <= 2 || (tag & ~0xF000FFFFu))
        return STATUS_IO_REPARSE_TAG_INVALID;
    size_t datalen = fsp_get_le16(p + 4);
    size_t hdr = IsReparseTagMicrosoft(tag) ? HDR : GUID_HDR;
    if (size < hdr || hdr + datalen != size)
        return STATUS_IO_REPARSE_DATA_INVALID;
    if (tag == IO_REPARSE_TAG_SYMLINK || tag == IO_REPARSE_TAG_MOUNT_POINT) {
        size_t namehdr = tag == IO_REPARSE_TAG_SYMLINK ? SYMLINK_HDR : MOUNTPT_HDR;
        if (datalen < namehdr ||
            !name_inside(datalen, namehdr, fsp_get_le16(p + 8), fsp_get_le16(p + 10)) ||
            !name_inside(datalen, namehdr, fsp_get_le16(p + 12), fsp_get_le16(p + 14)))
            return STATUS_IO_REPARSE_DATA_INVALID;
    }
    return STATUS_SUCCESS;
}

FSP_API NTSTATUS FspFileSystemCanReplaceReparsePoint(PVOID CurrentReparseData,
                                                     SIZE_T CurrentReparseDataSize,
                                                     PVOID ReplaceReparseData,
                                                     SIZE_T ReplaceReparseDataSize)
{
    if (CurrentReparseDataSize < 4 || ReplaceReparseDataSize < 4)
        return STATUS_IO_REPARSE_DATA_INVALID;
    UINT32 tag = fsp_get_le32(CurrentReparseData);
    if (tag != fsp_get_le32(ReplaceReparseData))
        return STATUS_IO_REPARSE_TAG_MISMATCH;
    /* A third-party tag belongs to whoever's GUID it carries. */
    if (!IsReparseTagMicrosoft(tag) &&
        (CurrentReparseDataSize < GUID_HDR || ReplaceReparseDataSize < GUID_HDR ||
         memcmp((UINT8 *)CurrentReparseData + HDR, (UINT8 *)ReplaceReparseData + HDR,
                GUID_HDR - HDR) != 0))
        return STATUS_REPARSE_ATTRIBUTE_CONFLICT;
    return STATUS_SUCCESS;
}

/* A private, NUL-terminated copy of FileName, or NULL. */
static WCHAR *copy_path(const WCHAR *name, size_t cap)
{
    size_t n = fsp_wcslen(name);
    if (cap < n + 1)
        cap = n + 1;
    WCHAR *p = malloc(cap * sizeof(WCHAR));
    if (p)
        memcpy(p, name, (n + 1) * sizeof(WCHAR));
    return p;
}

FSP_API BOOLEAN FspFileSystemFindReparsePoint(FSP_FILE_SYSTEM *FileSystem,
                                              FSP_GET_REPARSE_POINT_BY_NAME *GetReparsePointByName,
                                              PVOID Context, PWSTR FileName,
                                              PUINT32 PReparsePointIndex)
{
    WCHAR *path = copy_path(FileName, 0);
    BOOLEAN found = FALSE;
    if (!path)
        return FALSE;
    for (size_t pos = 0;;) {
        while (path[pos] == u'\\')
            pos++;
        size_t start = pos;
        while (path[pos] && path[pos] != u'\\' && path[pos] != u':')
            pos++;
        if (path[pos] != u'\\')
            break; /* the last component (or a stream) is not looked at */
        path[pos] = 0;
        NTSTATUS st = GetReparsePointByName(FileSystem, Context, path, TRUE, NULL, NULL);
        path[pos] = u'\\';
        if (st == STATUS_NOT_A_REPARSE_POINT)
            continue;
        if (NT_SUCCESS(st)) {
            if (PReparsePointIndex)
                *PReparsePointIndex = (UINT32)start;
            found = TRUE;
        }
        break;
    }
    free(path);
    return found;
}

/* The path being resolved: path[0 .. len) plus a NUL, room for cap WCHARs. */
struct rpath {
    WCHAR *path;
    size_t len, cap;
};

/* Replace path[from, to) with `with` (n WCHARs). False if it does not fit. */
static bool splice(struct rpath *r, size_t from, size_t to, const UINT8 *with, size_t n)
{
    size_t tail = r->len - to;
    if (from + n + tail + 1 > r->cap)
        return false;
    memmove(r->path + from + n, r->path + to, (tail + 1) * sizeof(WCHAR));
    if (n)
        memcpy(r->path + from, with, n * sizeof(WCHAR));
    r->len = from + n + tail;
    return true;
}

/* Where a "." at `start` (or a ".." whose parent starts before `start`) is
 * cut back to: the separator before the component to drop. */
static size_t back_to_separator(const WCHAR *path, size_t at)
{
    while (at > 0 && path[at - 1] != u'\\')
        at--;
    return at > 0 ? at - 1 : 0;
}

static size_t back_over_separators(const WCHAR *path, size_t at)
{
    while (at > 0 && path[at - 1] == u'\\')
        at--;
    return at;
}

/* Write the resolved path as an IO_REPARSE_TAG_SYMLINK buffer. */
static NTSTATUS symlink_result(const struct rpath *r, UINT32 flags, PIO_STATUS_BLOCK iosb,
                               UINT8 *out, PSIZE_T psize)
{
    size_t bytes = r->len * sizeof(WCHAR);
    if (SYMLINK_PATH + bytes > *psize || SYMLINK_HDR + bytes > 0xffff)
        return STATUS_REPARSE_POINT_NOT_RESOLVED;
    fsp_put_le32(out, IO_REPARSE_TAG_SYMLINK);
    fsp_put_le16(out + 4, (UINT16)(SYMLINK_HDR + bytes));
    fsp_put_le16(out + 6, 0);
    fsp_put_le16(out + 8, 0);
    fsp_put_le16(out + 10, (UINT16)bytes);
    fsp_put_le16(out + 12, 0);
    fsp_put_le16(out + 14, (UINT16)bytes);
    fsp_put_le32(out + 16, flags);
    memcpy(out + SYMLINK_PATH, r->path, bytes);
    if (SYMLINK_PATH + bytes + sizeof(WCHAR) <= *psize)
        memset(out + SYMLINK_PATH + bytes, 0, sizeof(WCHAR)); /* a courtesy NUL */
    *psize = SYMLINK_PATH + bytes;
    iosb->Status = STATUS_REPARSE;
    iosb->Information = IO_REPARSE_TAG_SYMLINK;
    return STATUS_REPARSE;
}

/* The walk; scratch holds one reparse point (MAXIMUM_REPARSE_DATA_BUFFER_SIZE). */
static NTSTATUS resolve(FSP_FILE_SYSTEM *fs, FSP_GET_REPARSE_POINT_BY_NAME *get, PVOID context,
                        struct rpath *r, size_t pos, BOOLEAN resolve_last0, UINT8 *scratch,
                        PIO_STATUS_BLOCK iosb, UINT8 *out, PSIZE_T psize)
{
    BOOLEAN resolve_last = resolve_last0;
    int links = 0;

    for (;;) {
        while (pos < r->len && r->path[pos] == u'\\')
            pos++;
        size_t start = pos;
        while (pos < r->len && r->path[pos] != u'\\' && r->path[pos] != u':')
            pos++;
        bool more = pos < r->len && r->path[pos] == u'\\';
        if (!more) {
            if (!resolve_last)
                return symlink_result(r, SYMLINK_FLAG_RELATIVE, iosb, out, psize);
            resolve_last = FALSE; /* this one, once */
        }

        /* "." and ".." are folded into the path as they are met. */
        size_t n = pos - start;
        if (n >= 1 && n <= 2 && r->path[start] == u'.' && (n == 1 || r->path[start + 1] == u'.')) {
            size_t cut = n == 1 ? back_to_separator(r->path, start)
                                : back_to_separator(r->path, back_over_separators(r->path, start));
            splice(r, cut, pos, NULL, 0); /* shrinks: always fits */
            pos = cut;
            resolve_last = resolve_last0;
            continue;
        }

        WCHAR saved = r->path[pos];
        r->path[pos] = 0;
        SIZE_T size = MAXIMUM_REPARSE_DATA_BUFFER_SIZE;
        NTSTATUS st = get(fs, context, r->path, more, scratch, &size);
        r->path[pos] = saved;
        if (st == STATUS_NOT_A_REPARSE_POINT)
            continue;
        if (st == STATUS_OBJECT_NAME_NOT_FOUND && !more)
            return symlink_result(r, SYMLINK_FLAG_RELATIVE, iosb, out, psize);
        if (!NT_SUCCESS(st))
            return st == STATUS_OBJECT_NAME_NOT_FOUND ? st : STATUS_OBJECT_PATH_NOT_FOUND;
        if (size < 4 || size > MAXIMUM_REPARSE_DATA_BUFFER_SIZE)
            return STATUS_IO_REPARSE_DATA_INVALID;

        UINT32 tag = fsp_get_le32(scratch);
        if (tag != IO_REPARSE_TAG_SYMLINK) {
            /* Not ours to follow: hand the reparse point to the caller. */
            if (size > *psize)
                return STATUS_IO_REPARSE_DATA_INVALID;
            memcpy(out, scratch, size);
            if (tag == IO_REPARSE_TAG_MOUNT_POINT && size >= HDR)
                fsp_put_le16(out + 6, (UINT16)((r->len - pos) * sizeof(WCHAR)));
            *psize = size;
            iosb->Status = STATUS_REPARSE;
            iosb->Information = tag;
            return STATUS_REPARSE;
        }
        if (++links > MAX_SYMLINKS)
            return STATUS_REPARSE_POINT_NOT_RESOLVED;

        size_t datalen = size >= HDR ? fsp_get_le16(scratch + 4) : 0;
        if (size < SYMLINK_PATH || HDR + datalen > size || datalen < SYMLINK_HDR)
            return STATUS_IO_REPARSE_DATA_INVALID;
        size_t off = fsp_get_le16(scratch + 8), len = fsp_get_le16(scratch + 10);
        if (!name_inside(datalen, SYMLINK_HDR, off, len))
            return STATUS_IO_REPARSE_DATA_INVALID;
        const UINT8 *target = scratch + SYMLINK_PATH + off;
        size_t tlen = len / sizeof(WCHAR);
        bool rooted = tlen > 0 && fsp_get_le16(target) == u'\\';
        bool relative = fsp_get_le32(scratch + 16) & SYMLINK_FLAG_RELATIVE;

        /* A rooted target replaces the whole path, any other the link. */
        size_t from = rooted ? 0 : start;
        if (!splice(r, from, pos, target, tlen))
            return STATUS_REPARSE_POINT_NOT_RESOLVED;
        if (rooted && !relative) /* outside the volume: resolution stops */
            return symlink_result(r, 0, iosb, out, psize);
        pos = from;
        resolve_last = resolve_last0;
    }
}

FSP_API NTSTATUS FspFileSystemResolveReparsePoints(
    FSP_FILE_SYSTEM *FileSystem, FSP_GET_REPARSE_POINT_BY_NAME *GetReparsePointByName,
    PVOID Context, PWSTR FileName, UINT32 ReparsePointIndex, BOOLEAN ResolveLastPathComponent,
    PIO_STATUS_BLOCK PIoStatus, PVOID Buffer, PSIZE_T PSize)
{
    size_t n = fsp_wcslen(FileName);
    if (*PSize < SYMLINK_PATH + (n + 1) * sizeof(WCHAR))
        return STATUS_REPARSE_POINT_NOT_RESOLVED;
    if (ReparsePointIndex > n)
        return STATUS_INVALID_PARAMETER;
    /* The result must fit the caller's buffer as a symlink path. */
    struct rpath r = {.len = n, .cap = (*PSize - SYMLINK_PATH) / sizeof(WCHAR)};
    r.path = copy_path(FileName, r.cap);
    UINT8 *scratch = malloc(MAXIMUM_REPARSE_DATA_BUFFER_SIZE);
    NTSTATUS st = STATUS_INSUFFICIENT_RESOURCES;
    if (r.path && scratch)
        st = resolve(FileSystem, GetReparsePointByName, Context, &r, ReparsePointIndex,
                     ResolveLastPathComponent, scratch, PIoStatus, Buffer, PSize);
    free(scratch);
    free(r.path);
    return st;
}
