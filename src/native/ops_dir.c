/*
 * ops_dir.c - READDIR and READDIRPLUS on the native API.
 *
 * ReadDirectory speaks in markers ("entries after this name"); the kernel
 * speaks in offsets it may seek back to (telldir/seekdir). At offset 0 we
 * read the whole listing into the handle, as WinFsp's directory buffers do,
 * and offset i then means "after entry i" for the life of that listing.
 * FSP_FSCTL_DIR_INFO carries full FileInfo, so READDIRPLUS costs no extra
 * file system calls beyond the owner lookup.
 */
#include <stdlib.h>
#include <sys/stat.h>

#include "ops_util.h"
#include "pending.h"
#include "reparse.h"

#define LISTING_CHUNK (64 * 1024)

static int list_append(struct fsp_handle *h, const FSP_FSCTL_FILE_INFO *info, const char *name,
                       size_t namelen)
{
    size_t recsize = (sizeof(struct fsp_listent) + namelen + 1 + 7) & ~(size_t)7;
    if (h->list_size + recsize > h->list_cap) {
        size_t cap = h->list_cap ? h->list_cap * 2 : 16384;
        while (cap < h->list_size + recsize)
            cap *= 2;
        char *p = realloc(h->list, cap);
        if (!p)
            return -ENOMEM;
        h->list = p;
        h->list_cap = cap;
    }
    if (h->list_count == h->list_offcap) {
        uint32_t cap = h->list_offcap ? h->list_offcap * 2 : 256;
        uint32_t *p = realloc(h->list_off, cap * sizeof *p);
        if (!p)
            return -ENOMEM;
        h->list_off = p;
        h->list_offcap = cap;
    }
    struct fsp_listent *e = (struct fsp_listent *)(h->list + h->list_size);
    e->info = *info;
    e->namelen = (uint16_t)namelen;
    memcpy(e->name, name, namelen);
    e->name[namelen] = 0;
    h->list_off[h->list_count++] = (uint32_t)h->list_size;
    h->list_size += recsize;
    return 0;
}

static bool is_dot_name(const WCHAR *name, size_t len)
{
    return (len == 1 && name[0] == u'.') || (len == 2 && name[0] == u'.' && name[1] == u'.');
}

/* One ReadDirectory call, waiting if the file system pends it. */
static NTSTATUS read_directory(struct fsp_native *nt, struct fsp_handle *h, PWSTR marker, void *buf,
                               ULONG *bytes)
{
    FSP_FSCTL_TRANSACT_REQ treq;
    memset(&treq, 0, sizeof treq);
    treq.Kind = FspFsctlTransactQueryDirectoryKind;
    treq.Hint = fsp_pending_hint();
    treq.Req.QueryDirectory.UserContext = (UINT64)(uintptr_t)h->context;
    treq.Req.QueryDirectory.Address = (UINT64)(uintptr_t)buf;
    treq.Req.QueryDirectory.Length = LISTING_CHUNK;
    fsp_opctx_set(NULL, &treq, NULL);
    fsp_guard_enter(nt, FSP_GUARD_SHARED);
    NTSTATUS st = nt->fs->Interface->ReadDirectory(nt->fs, h->context, NULL, marker, buf,
                                                   LISTING_CHUNK, bytes);
    fsp_guard_leave(nt, FSP_GUARD_SHARED);
    fsp_opctx_clear();
    if (st == STATUS_PENDING) {
        UINT32 timeout = nt->fs->VolumeParams.IrpTimeout ? nt->fs->VolumeParams.IrpTimeout : 300000;
        st = fsp_pending_wait(treq.Hint, timeout, bytes);
    }
    return st;
}

static NTSTATUS load_listing(struct fsp_native *nt, struct fsp_handle *h)
{
    WCHAR marker[FSP_NAME_MAX + 1];
    bool have_marker = false;
    char name[FSP_NAME_MAX * 3 + 1];
    NTSTATUS st = STATUS_SUCCESS;

    h->list_size = 0;
    h->list_count = 0;
    h->list_valid = false;
    if (!nt->fs->Interface->ReadDirectory)
        return STATUS_INVALID_DEVICE_REQUEST;
    char *buf = malloc(LISTING_CHUNK);
    if (!buf)
        return STATUS_INSUFFICIENT_RESOURCES;
    for (;;) {
        ULONG bytes = 0;
        st = read_directory(nt, h, have_marker ? marker : NULL, buf, &bytes);
        if (!NT_SUCCESS(st))
            break;
        if (bytes > LISTING_CHUNK)
            bytes = LISTING_CHUNK;
        bool end = bytes == 0, progress = false;
        for (size_t off = 0; off + sizeof(UINT16) <= bytes;) {
            const FSP_FSCTL_DIR_INFO *di = (const void *)(buf + off);
            if (di->Size == 0) {
                end = true;
                break;
            }
            if (di->Size < sizeof *di || off + di->Size > bytes) {
                end = true; /* a malformed entry ends the listing */
                break;
            }
            size_t wlen = (di->Size - sizeof *di) / sizeof(WCHAR);
            if (wlen == 0 || wlen > FSP_NAME_MAX) {
                end = true;
                break;
            }
            memcpy(marker, di->FileNameBuf, wlen * sizeof(WCHAR));
            marker[wlen] = 0;
            have_marker = progress = true;
            off += FSP_FSCTL_ALIGN_UP(di->Size, FSP_FSCTL_DEFAULT_ALIGNMENT);
            if (is_dot_name(marker, wlen) || fsp_legacy_hidden(nt, h->node, marker, wlen))
                continue;
            int n = fsp_utf16_to_utf8(marker, wlen, name, sizeof name, FSP_UTF_TRANSLATE);
            if (n <= 0)
                continue; /* a name Linux cannot spell is left out */
            if (list_append(h, &di->FileInfo, name, (size_t)n)) {
                st = STATUS_INSUFFICIENT_RESOURCES;
                end = true;
                break;
            }
        }
        if (end || !progress)
            break;
    }
    /* After a timeout the file system may still fill buf: let it have it. */
    if (st != STATUS_IO_TIMEOUT)
        free(buf);
    if (NT_SUCCESS(st))
        h->list_valid = true;
    return st;
}

/* The d_type of a listed entry. A special file's type is in its reparse
 * data, which the listing does not carry: read it through a short open. */
static uint32_t entry_type(struct fsp_native *nt, struct fsp_node *dir, const struct fsp_listent *e)
{
    const FSP_FILE_SYSTEM_INTERFACE *fi = nt->fs->Interface;
    if (!e || (e->info.FileAttributes & FILE_ATTRIBUTE_DIRECTORY))
        return S_IFDIR >> 12;
    if (fsp_is_symlink(&e->info))
        return S_IFLNK >> 12;
    if (!fsp_is_special(&e->info))
        return S_IFREG >> 12;
    WCHAR wname[FSP_NAME_MAX + 1], path[FSP_PATH_MAX];
    FSP_FSCTL_FILE_INFO info;
    struct fsp_reparse rp;
    SIZE_T size = sizeof rp.data;
    uint32_t type = 0, rdev; /* DT_UNKNOWN if we cannot tell */
    PVOID ctx;
    int wl = fsp_utf8_to_utf16(e->name, e->namelen, wname, FSP_NAME_MAX, FSP_UTF_TRANSLATE);
    if (wl <= 0 || !fi->Open || !fi->GetReparsePoint)
        return 0;
    /* The path under the guard: a rename (exclusive) cannot move it between
     * our reading the name and the open. */
    fsp_guard_enter(nt, FSP_GUARD_SHARED);
    if (fsp_node_path(nt, dir, wname, (size_t)wl, path) >= 0 &&
        NT_SUCCESS(
            fsp_open_path(nt, path, FILE_OPEN_REPARSE_POINT, FILE_READ_ATTRIBUTES, &ctx, &info))) {
        if (NT_SUCCESS(fi->GetReparsePoint(nt->fs, ctx, path, rp.data, &size)) &&
            fsp_special_decode(rp.data, size, &type, &rdev) == 0)
            type >>= 12;
        else
            type = 0;
        fsp_fs_close(nt, ctx);
    }
    fsp_guard_leave(nt, FSP_GUARD_SHARED);
    return type;
}

static void op_readdir_common(struct fsp_req *req, const struct fuse_read_in *in, bool plus)
{
    struct fsp_native *nt = fsp_native_of(req);
    struct fsp_handle *h = fsp_handle_of(in->fh);
    struct fsp_node *dir = h->node;
    size_t cap;
    char *out = fsp_req_scratch(req, &cap);
    size_t limit = in->size < cap ? in->size : cap, used = 0;
    WCHAR wname[FSP_NAME_MAX + 1], path[FSP_PATH_MAX];

    pthread_mutex_lock(&h->list_lock);
    if (in->offset == 0 || !h->list_valid) {
        NTSTATUS st = load_listing(nt, h);
        if (!NT_SUCCESS(st)) {
            pthread_mutex_unlock(&h->list_lock);
            fsp_reply_status(req, st);
            return;
        }
    }
    for (uint64_t i = in->offset; i < 2 + (uint64_t)h->list_count; i++) {
        const char *name;
        size_t namelen;
        const struct fsp_listent *e = NULL;
        if (i < 2) {
            name = i == 0 ? "." : "..";
            namelen = i + 1;
        } else {
            e = (const void *)(h->list + h->list_off[i - 2]);
            name = e->name;
            namelen = e->namelen;
        }
        size_t recsize = plus ? FUSE_DIRENTPLUS_SIZE(namelen) : FUSE_DIRENT_SIZE(namelen);
        if (used + recsize > limit)
            break;

        struct fuse_dirent *de;
        struct fsp_node *node = NULL;
        if (plus) {
            struct fuse_direntplus *dp = (void *)(out + used);
            memset(dp, 0, sizeof *dp);
            de = &dp->dirent;
            /* A symlink's size needs its target, a special file's type its
             * reparse data: leave both to LOOKUP by returning no node id
             * (the kernel then just lists the name). */
            if (e && !fsp_is_symlink(&e->info) && !fsp_is_special(&e->info)) {
                /* The kernel takes a lookup reference on every entry we
                 * return with a node id: link it like LOOKUP would. */
                int wl =
                    fsp_utf8_to_utf16(e->name, e->namelen, wname, FSP_NAME_MAX, FSP_UTF_TRANSLATE);
                if (wl > 0)
                    node = fsp_node_link(nt, dir, wname, (size_t)wl, e->info.IndexNumber, true);
                if (node) {
                    char sdbuf[512];
                    PSECURITY_DESCRIPTOR sd = NULL;
                    if (nt->has_security) {
                        /* by path, as LOOKUP reads it: under the shared guard */
                        fsp_guard_enter(nt, FSP_GUARD_SHARED);
                        if (fsp_node_path(nt, dir, wname, (size_t)wl, path) >= 0)
                            fsp_sd_query(nt, NULL, path, sdbuf, sizeof sdbuf, &sd);
                        fsp_guard_leave(nt, FSP_GUARD_SHARED);
                    }
                    fsp_attr_fill(nt, node, &e->info, sd, &dp->entry_out.attr);
                    fsp_sd_release(sd, sdbuf);
                    fsp_entry_fill(nt, node, &dp->entry_out);
                }
            }
        } else {
            de = (void *)(out + used);
        }
        if (e)
            de->ino = node ? node->ino : (e->info.IndexNumber ? e->info.IndexNumber : 0xffffffffu);
        else
            de->ino = dir->ino ? dir->ino : FUSE_ROOT_ID;
        de->off = i + 1;
        de->namelen = (uint32_t)namelen;
        de->type = entry_type(nt, dir, e);
        memcpy(de->name, name, namelen);
        /* Zero the record's tail padding: it reaches user space. */
        size_t head = (size_t)((char *)de->name - (out + used)) + namelen;
        memset(out + used + head, 0, recsize - head);
        used += recsize;
    }
    pthread_mutex_unlock(&h->list_lock);
    fsp_reply_buf(req, out, used);
}

static void op_readdir(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    op_readdir_common(req, arg, false);
}

static void op_readdirplus(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    op_readdir_common(req, arg, true);
}

void fsp_native_dir_ops(struct fsp_session_ops *ops);
void fsp_native_dir_ops(struct fsp_session_ops *ops)
{
    ops->op[FUSE_READDIR] = op_readdir;
    ops->op[FUSE_READDIRPLUS] = op_readdirplus;
}
