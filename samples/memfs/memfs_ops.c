/*
 * memfs_ops.c - MEMFS's FSP_FILE_SYSTEM_INTERFACE.
 *
 * FileContext is the node itself, the same for every open of any of its
 * names (the default WinFsp convention). Calls that act on one name of a
 * hard-linked file (Cleanup with delete, Rename) find it from FileName. The adapter provides
 * WinFsp's guarantees, which this code relies on exactly as WinFsp's own MEMFS does: namespace
 * changes (Create, Cleanup with delete, Rename, SetVolumeLabel) run exclusively against lookups,
 * and per file the writes, size, attribute, security and delete changes are serialized while reads
 * may run together.
 */
#include <stdlib.h>
#include <string.h>

#include "memfs.h"

static struct memfs *get_memfs(FSP_FILE_SYSTEM *fs)
{
    return fs->UserContext;
}

static void get_info(const struct memfs_node *node, FSP_FSCTL_FILE_INFO *info)
{
    if (node->main)
        memfs_stream_info(node, info);
    else
        *info = node->info;
}

/* Whose metadata (times, attributes, security, EAs, reparse data) a context
 * changes: a stream's are its main file's. */
static struct memfs_node *meta_node(struct memfs_node *node)
{
    return node->main ? node->main : node;
}

/* POSIX wants a directory's mtime and ctime to move when an entry is added
 * or removed; NTFS does the same for LastWriteTime. */
static void touch_dir(struct memfs_node *dir)
{
    if (dir) {
        UINT64 now = memfs_now();
        dir->info.LastWriteTime = dir->info.ChangeTime = now;
    }
}

/* FILE_ATTRIBUTE_DIRECTORY and FILE_ATTRIBUTE_REPARSE_POINT describe what a
 * node is (it has an index; it has reparse data), so callers can neither set
 * nor clear them through attributes: they are dropped from what a caller
 * passes and derived from the node. NORMAL only means "no other attribute". */
static UINT32 caller_attributes(UINT32 file_attributes)
{
    return file_attributes &
           ~(FILE_ATTRIBUTE_NORMAL | FILE_ATTRIBUTE_DIRECTORY | FILE_ATTRIBUTE_REPARSE_POINT);
}

static UINT32 nature_attributes(const struct memfs_node *node)
{
    return (node->dir ? FILE_ATTRIBUTE_DIRECTORY : 0) |
           (node->reparse ? FILE_ATTRIBUTE_REPARSE_POINT : 0);
}

/* Security descriptors are handed out by copy with WinFsp's size protocol:
 * a small buffer gets STATUS_BUFFER_OVERFLOW and the size needed. */
static NTSTATUS copy_sd(const struct memfs_node *node, PSECURITY_DESCRIPTOR sd, SIZE_T *psize)
{
    if (!psize)
        return STATUS_SUCCESS;
    if (node->sdsize > *psize) {
        *psize = node->sdsize;
        return STATUS_BUFFER_OVERFLOW;
    }
    *psize = node->sdsize;
    if (sd)
        memcpy(sd, node->sd, node->sdsize);
    return STATUS_SUCCESS;
}

static void set_normalized_name(const struct memfs_entry *entry, FSP_FSCTL_FILE_INFO *info)
{
    FSP_FSCTL_OPEN_FILE_INFO *open_info = FspFileSystemGetOpenFileInfo(info);
    if (!open_info->NormalizedName)
        return;
    /* A name that does not fit is not reported (size 0); the adapter then
     * keeps the name the caller used. */
    open_info->NormalizedNameSize =
        (UINT16)memfs_entry_path(entry, open_info->NormalizedName, open_info->NormalizedNameSize);
}

/* Resizes a file's data. Only the end-of-file size touches the contents;
 * allocation size is bookkeeping here, since the storage is sparse. */
static NTSTATUS set_file_size(struct memfs *m, struct memfs_node *node, UINT64 new_size,
                              BOOLEAN set_allocation_size)
{
    FSP_FSCTL_FILE_INFO *info = &node->info;
    if (new_size > m->max_file_size)
        return STATUS_DISK_FULL;
    if (set_allocation_size) {
        UINT64 alloc = memfs_round_alloc(m, new_size);
        if (info->FileSize > new_size) {
            memfs_data_truncate(&node->data, new_size);
            info->FileSize = new_size;
        }
        info->AllocationSize = alloc;
    } else {
        if (new_size < info->FileSize)
            memfs_data_truncate(&node->data, new_size);
        info->FileSize = new_size;
        if (info->AllocationSize < new_size)
            info->AllocationSize = memfs_round_alloc(m, new_size);
    }
    return STATUS_SUCCESS;
}

static NTSTATUS GetVolumeInfo(FSP_FILE_SYSTEM *fs, FSP_FSCTL_VOLUME_INFO *volume_info)
{
    struct memfs *m = get_memfs(fs);
    uint64_t count = atomic_load(&m->node_count);
    uint64_t free_nodes = count < m->max_nodes ? m->max_nodes - count : 0;
    /* Saturate rather than wrap for huge -n and -s values. */
    volume_info->TotalSize =
        m->max_nodes > UINT64_MAX / m->max_file_size ? UINT64_MAX : m->max_nodes * m->max_file_size;
    volume_info->FreeSize =
        free_nodes > UINT64_MAX / m->max_file_size ? UINT64_MAX : free_nodes * m->max_file_size;
    pthread_mutex_lock(&m->lock);
    memcpy(volume_info->VolumeLabel, m->label, m->label_bytes);
    volume_info->VolumeLabelLength = m->label_bytes;
    pthread_mutex_unlock(&m->lock);
    return STATUS_SUCCESS;
}

static NTSTATUS SetVolumeLabel(FSP_FILE_SYSTEM *fs, PWSTR volume_label,
                               FSP_FSCTL_VOLUME_INFO *volume_info)
{
    struct memfs *m = get_memfs(fs);
    size_t len = memfs_wcslen(volume_label);
    if (len > sizeof(m->label) / sizeof(WCHAR))
        len = sizeof(m->label) / sizeof(WCHAR); /* NTFS also truncates to 32 */
    pthread_mutex_lock(&m->lock);
    memcpy(m->label, volume_label, len * sizeof(WCHAR));
    m->label_bytes = (uint16_t)(len * sizeof(WCHAR));
    pthread_mutex_unlock(&m->lock);
    return GetVolumeInfo(fs, volume_info);
}

static NTSTATUS GetSecurityByName(FSP_FILE_SYSTEM *fs, PWSTR file_name, PUINT32 pfile_attributes,
                                  PSECURITY_DESCRIPTOR sd, SIZE_T *psd_size)
{
    struct memfs_entry *entry;
    NTSTATUS status;
    if (memfs_path_is_stream(file_name)) {
        /* A stream has its file's security; attributes say it is a file. */
        struct memfs_node *stream;
        const WCHAR *sname;
        size_t snamelen;
        status = memfs_stream_lookup(get_memfs(fs), file_name, &entry, &stream, &sname, &snamelen);
        if (!NT_SUCCESS(status))
            return status;
        if (!stream && snamelen)
            return STATUS_OBJECT_NAME_NOT_FOUND;
        if (pfile_attributes)
            *pfile_attributes = entry->node->info.FileAttributes &
                                (stream ? ~(UINT32)FILE_ATTRIBUTE_DIRECTORY : ~(UINT32)0);
        return copy_sd(entry->node, sd, psd_size);
    }
    status = memfs_lookup(get_memfs(fs), file_name, &entry);
    if (!NT_SUCCESS(status))
        return status;
    const struct memfs_node *node = entry->node;
    if (pfile_attributes)
        *pfile_attributes = node->info.FileAttributes;
    return copy_sd(node, sd, psd_size);
}

/* Open of "file:stream" (or "file::$DATA", the file itself). */
static NTSTATUS open_stream(struct memfs *m, PWSTR file_name, PVOID *pfile_context,
                            FSP_FSCTL_FILE_INFO *info)
{
    struct memfs_entry *entry;
    struct memfs_node *stream;
    const WCHAR *sname;
    size_t snamelen;
    NTSTATUS status = memfs_stream_lookup(m, file_name, &entry, &stream, &sname, &snamelen);
    if (!NT_SUCCESS(status))
        return status;
    FSP_FSCTL_OPEN_FILE_INFO *open_info = FspFileSystemGetOpenFileInfo(info);
    if (!snamelen) {
        if (entry->node->dir)
            return STATUS_FILE_IS_A_DIRECTORY; /* a directory has no unnamed data stream */
        memfs_node_ref(entry->node);
        *pfile_context = entry->node;
        get_info(entry->node, info);
        if (open_info->NormalizedName)
            open_info->NormalizedNameSize = (UINT16)memfs_entry_path(
                entry, open_info->NormalizedName, open_info->NormalizedNameSize);
        return STATUS_SUCCESS;
    }
    if (!stream)
        return STATUS_OBJECT_NAME_NOT_FOUND;
    memfs_node_ref(stream);
    memfs_node_ref(stream->main); /* an open stream keeps its file (Close drops both) */
    *pfile_context = stream;
    get_info(stream, info);
    if (open_info->NormalizedName)
        open_info->NormalizedNameSize = (UINT16)memfs_stream_path(
            entry, stream, open_info->NormalizedName, open_info->NormalizedNameSize);
    return STATUS_SUCCESS;
}

/* Create of "file:stream": the file must exist (NTFS would create it; FSP's
 * adapter never asks that). A stream holds data only: no directory, no
 * reparse point, no EAs of its own. */
static NTSTATUS create_stream(struct memfs *m, PWSTR file_name, UINT32 create_options,
                              UINT64 allocation_size, bool extra, PVOID *pfile_context,
                              FSP_FSCTL_FILE_INFO *info)
{
    struct memfs_entry *entry;
    struct memfs_node *stream;
    const WCHAR *sname;
    size_t snamelen;
    if (create_options & FILE_DIRECTORY_FILE)
        return STATUS_NOT_A_DIRECTORY;
    if (extra)
        return STATUS_INVALID_PARAMETER;
    NTSTATUS status = memfs_stream_lookup(m, file_name, &entry, &stream, &sname, &snamelen);
    if (!NT_SUCCESS(status))
        return status;
    if (stream || !snamelen)
        return STATUS_OBJECT_NAME_COLLISION;
    if (atomic_load(&m->node_count) >= m->max_nodes || allocation_size > m->max_file_size)
        return STATUS_DISK_FULL;
    stream = memfs_stream_new(m, entry->node, sname, snamelen);
    if (!stream)
        return STATUS_INSUFFICIENT_RESOURCES;
    stream->info.AllocationSize = memfs_round_alloc(m, allocation_size);
    entry->node->info.ChangeTime = memfs_now();
    return open_stream(m, file_name, pfile_context, info);
}

/*
 * Create with an optional extra buffer. ExtraBufferIsReparsePoint: the buffer
 * is a REPARSE_DATA_BUFFER the new node starts with (how a symlink is created
 * in one step). Otherwise it is a FILE_FULL_EA_INFORMATION list: the EAs the
 * new file starts with.
 */
static NTSTATUS CreateEx(FSP_FILE_SYSTEM *fs, PWSTR file_name, UINT32 create_options,
                         UINT32 granted_access, UINT32 file_attributes, PSECURITY_DESCRIPTOR sd,
                         UINT64 allocation_size, PVOID extra_buffer, ULONG extra_length,
                         BOOLEAN extra_buffer_is_reparse_point, PVOID *pfile_context,
                         FSP_FSCTL_FILE_INFO *info)
{
    struct memfs *m = get_memfs(fs);
    const void *reparse = NULL;
    PFILE_FULL_EA_INFORMATION ea = NULL;
    if (memfs_path_is_stream(file_name))
        return create_stream(m, file_name, create_options, allocation_size,
                             extra_buffer && extra_length, pfile_context, info);
    if (extra_buffer && extra_buffer_is_reparse_point) {
        /* Checked before anything changes, so a bad buffer leaves no node. */
        NTSTATUS status = memfs_reparse_validate(extra_buffer, extra_length);
        if (!NT_SUCCESS(status))
            return status;
        reparse = extra_buffer;
    } else if (extra_buffer && extra_length > 0) {
        ea = extra_buffer;
    }

    struct memfs_node *parent;
    const WCHAR *name;
    size_t namelen;
    NTSTATUS status = memfs_lookup_parent(m, file_name, &parent, &name, &namelen);
    if (!NT_SUCCESS(status))
        return status;
    if (!parent) /* the root always exists */
        return STATUS_OBJECT_NAME_COLLISION;
    if (!parent->dir)
        return STATUS_NOT_A_DIRECTORY;
    if (namelen > MEMFS_MAX_COMPONENT)
        return STATUS_OBJECT_NAME_INVALID;
    /* An existing name is a collision even on a full volume; the common
     * case learns of collisions from the insertion below instead. */
    if (atomic_load(&m->node_count) >= m->max_nodes || allocation_size > m->max_file_size)
        return memfs_dir_find(m, parent, name, namelen) ? STATUS_OBJECT_NAME_COLLISION
                                                        : STATUS_DISK_FULL;

    /* Without a descriptor from the caller, take the parent's, so that every
     * node answers GetSecurity. */
    const void *sd_src = sd ? sd : parent->sd;
    uint32_t sd_size = sd ? GetSecurityDescriptorLength(sd) : parent->sdsize;
    bool directory = (create_options & FILE_DIRECTORY_FILE) != 0;
    struct memfs_node *node = memfs_node_new(m, name, namelen, directory, sd_src, sd_size);
    if (!node)
        return STATUS_INSUFFICIENT_RESOURCES;

    /* New files get the archive bit, as on NTFS. */
    node->info.FileAttributes = caller_attributes(file_attributes) | nature_attributes(node) |
                                (directory ? 0 : FILE_ATTRIBUTE_ARCHIVE);
    node->info.AllocationSize = memfs_round_alloc(m, allocation_size);
    /* A new directory is empty, so it may carry reparse data like a file. */
    if (reparse && !memfs_node_set_reparse(node, reparse, extra_length)) {
        memfs_node_release(m, node);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    /* The EAs go on while the node is still detached: a bad list leaves no
     * file behind. */
    if (ea) {
        status = memfs_ea_apply(fs, &node->eas, ea, extra_length);
        if (!NT_SUCCESS(status)) {
            memfs_node_release(m, node);
            return status;
        }
        node->info.EaSize = node->eas.packed_size;
    }

    if (memfs_dir_insert(m, parent, memfs_node_entry(node))) {
        memfs_node_release(m, node);
        return STATUS_OBJECT_NAME_COLLISION;
    }
    atomic_fetch_add(&m->node_count, 1);
    touch_dir(parent);

    memfs_node_ref(node); /* the open context's reference */
    *pfile_context = node;
    get_info(node, info);
    set_normalized_name(memfs_node_entry(node), info);
    return STATUS_SUCCESS;
}

/* Kept for file systems that read MEMFS as an example of the plain call;
 * the adapter prefers CreateEx when both are present. */
static NTSTATUS Create(FSP_FILE_SYSTEM *fs, PWSTR file_name, UINT32 create_options,
                       UINT32 granted_access, UINT32 file_attributes, PSECURITY_DESCRIPTOR sd,
                       UINT64 allocation_size, PVOID *pfile_context, FSP_FSCTL_FILE_INFO *info)
{
    return CreateEx(fs, file_name, create_options, granted_access, file_attributes, sd,
                    allocation_size, NULL, 0, FALSE, pfile_context, info);
}

static NTSTATUS Open(FSP_FILE_SYSTEM *fs, PWSTR file_name, UINT32 create_options,
                     UINT32 granted_access, PVOID *pfile_context, FSP_FSCTL_FILE_INFO *info)
{
    struct memfs_entry *entry;
    if (memfs_path_is_stream(file_name))
        return open_stream(get_memfs(fs), file_name, pfile_context, info);
    NTSTATUS status = memfs_lookup(get_memfs(fs), file_name, &entry);
    if (!NT_SUCCESS(status))
        return status;
    struct memfs_node *node = entry->node;
    memfs_node_ref(node);
    *pfile_context = node;
    get_info(node, info);
    set_normalized_name(entry, info);
    return STATUS_SUCCESS;
}

static NTSTATUS Overwrite(FSP_FILE_SYSTEM *fs, PVOID file_context, UINT32 file_attributes,
                          BOOLEAN replace_file_attributes, UINT64 allocation_size,
                          FSP_FSCTL_FILE_INFO *info)
{
    struct memfs *m = get_memfs(fs);
    struct memfs_node *node = file_context;
    if (allocation_size > m->max_file_size)
        return STATUS_DISK_FULL;
    memfs_data_free(&node->data);
    node->info.FileSize = 0;
    node->info.AllocationSize = memfs_round_alloc(m, allocation_size);

    /* Reparse data is not contents: it survives the truncation, and so does
     * its attribute even when the attributes are replaced. */
    file_attributes = caller_attributes(file_attributes) | FILE_ATTRIBUTE_ARCHIVE;
    if (replace_file_attributes)
        node->info.FileAttributes = file_attributes | nature_attributes(node);
    else
        node->info.FileAttributes |= file_attributes;

    UINT64 now = memfs_now();
    struct memfs_node *meta = meta_node(node); /* a stream's times are its file's */
    meta->info.LastAccessTime = meta->info.LastWriteTime = meta->info.ChangeTime = now;
    get_info(node, info);
    return STATUS_SUCCESS;
}

/*
 * Overwrite that may also replace the file's EAs: with a list, the file's EAs
 * become exactly those in it (built aside first, so a bad list changes
 * nothing); without one they stay, which is what Linux expects of O_TRUNC.
 */
static NTSTATUS OverwriteEx(FSP_FILE_SYSTEM *fs, PVOID file_context, UINT32 file_attributes,
                            BOOLEAN replace_file_attributes, UINT64 allocation_size,
                            PFILE_FULL_EA_INFORMATION ea, ULONG ea_length,
                            FSP_FSCTL_FILE_INFO *info)
{
    struct memfs_node *node = file_context;
    struct memfs_ea_set eas = {NULL, 0};
    bool replace_eas = ea && ea_length > 0;
    NTSTATUS status = STATUS_SUCCESS;
    if (replace_eas)
        status = memfs_ea_apply(fs, &eas, ea, ea_length);
    if (NT_SUCCESS(status))
        status = Overwrite(fs, file_context, file_attributes, replace_file_attributes,
                           allocation_size, info);
    if (!NT_SUCCESS(status) || !replace_eas) {
        memfs_ea_clear(&eas);
        return status;
    }
    memfs_ea_clear(&node->eas);
    node->eas = eas;
    node->info.EaSize = eas.packed_size;
    get_info(node, info);
    return STATUS_SUCCESS;
}

/* Every EA of the file, as many as fit (FspFileSystemAddEa's protocol). */
static NTSTATUS GetEa(FSP_FILE_SYSTEM *fs, PVOID file_context, PFILE_FULL_EA_INFORMATION ea,
                      ULONG ea_length, PULONG pbytes_transferred)
{
    const struct memfs_node *node = meta_node(file_context);
    return memfs_ea_get(&node->eas, ea, ea_length, pbytes_transferred);
}

/* Set, replace or (empty value) delete the EAs the list names. */
static NTSTATUS SetEa(FSP_FILE_SYSTEM *fs, PVOID file_context, PFILE_FULL_EA_INFORMATION ea,
                      ULONG ea_length, FSP_FSCTL_FILE_INFO *info)
{
    struct memfs_node *node = meta_node(file_context);
    NTSTATUS status = memfs_ea_apply(fs, &node->eas, ea, ea_length);
    /* Entries applied before a failure stay: keep EaSize in step anyway. */
    node->info.EaSize = node->eas.packed_size;
    if (!NT_SUCCESS(status))
        return status;
    node->info.ChangeTime = memfs_now(); /* setxattr(2) moves ctime */
    get_info(file_context, info);
    return STATUS_SUCCESS;
}

/* On a legacy volume: whether node, which the caller's own open (if
 * mine_open) and its names hold, is open elsewhere, which the FSD's legacy
 * semantics rule out for a delete or a replacement. MEMFS would cope, but a
 * legacy file system may not: report it, so that tests catch the adapter. */
static bool legacy_open_elsewhere(struct memfs *m, struct memfs_node *node, bool mine_open,
                                  const char *what)
{
    if (!m->legacy_unlink)
        return false;
    long others = atomic_load(&node->refcount) - (node->names ? 1 : 0) - (mine_open ? 1 : 0);
    if (others <= 0)
        return false;
    FspServiceLog(EVENTLOG_ERROR_TYPE, "legacy volume: %s of a file open %ld more time(s)", what,
                  others);
    return true;
}

static VOID Cleanup(FSP_FILE_SYSTEM *fs, PVOID file_context, PWSTR file_name, ULONG flags)
{
    struct memfs *m = get_memfs(fs);
    struct memfs_node *node = file_context;
    struct memfs_node *meta = meta_node(node);

    if ((flags & FspCleanupSetArchiveBit) && !meta->dir)
        meta->info.FileAttributes |= FILE_ATTRIBUTE_ARCHIVE;
    if (flags &
        (FspCleanupSetLastAccessTime | FspCleanupSetLastWriteTime | FspCleanupSetChangeTime)) {
        UINT64 now = memfs_now();
        if (flags & FspCleanupSetLastAccessTime)
            meta->info.LastAccessTime = now;
        if (flags & FspCleanupSetLastWriteTime)
            meta->info.LastWriteTime = now;
        if (flags & FspCleanupSetChangeTime)
            meta->info.ChangeTime = now;
    }
    if ((flags & FspCleanupSetAllocationSize) && !node->dir)
        set_file_size(m, node, node->info.FileSize, TRUE);

    if ((flags & FspCleanupDelete) && !node->delete_allowed)
        FspServiceLog(EVENTLOG_ERROR_TYPE, "Cleanup(Delete) without %s first",
                      m->can_delete_only ? "CanDelete" : "SetDelete(TRUE)");
    if (flags & FspCleanupDelete)
        node->delete_allowed = false;
    if ((flags & FspCleanupDelete) && node->main) {
        memfs_stream_delete(m, node); /* once; a second delete finds it gone */
        meta->info.ChangeTime = memfs_now();
        return;
    }

    if (flags & FspCleanupDelete) {
        /* Deleting a name already gone (a second handle with delete
         * disposition), the root, or a directory that gained entries since
         * CanDelete does nothing, as in WinFsp's MEMFS. Of a file with
         * several names, the one opened goes. */
        struct memfs_entry *entry = memfs_entry_of(m, node, file_name);
        if (entry && !node->names->next_name)
            legacy_open_elsewhere(m, node, true, "Cleanup(Delete)");
        if (entry && entry->parent && !(node->dir && node->dir->count)) {
            struct memfs_node *parent = entry->parent;
            memfs_entry_delete(m, entry);
            touch_dir(parent);
            if (node->names)
                node->info.ChangeTime = memfs_now(); /* its link count changed */
        }
    }
}

static VOID Close(FSP_FILE_SYSTEM *fs, PVOID file_context)
{
    struct memfs_node *node = file_context;
    struct memfs_node *main = node->main; /* an open stream holds its file */
    memfs_node_release(get_memfs(fs), node);
    if (main)
        memfs_node_release(get_memfs(fs), main);
}

static NTSTATUS read_now(FSP_FILE_SYSTEM *fs, PVOID file_context, PVOID buffer, UINT64 offset,
                         ULONG length, PULONG pbytes_transferred)
{
    struct memfs_node *node = file_context;
    UINT64 size = node->info.FileSize;
    if (offset >= size)
        return STATUS_END_OF_FILE;
    UINT64 end = length > size - offset ? size : offset + length;
    memfs_data_read(&node->data, buffer, offset, (size_t)(end - offset));
    *pbytes_transferred = (ULONG)(end - offset);
    return STATUS_SUCCESS;
}

static NTSTATUS write_now(FSP_FILE_SYSTEM *fs, PVOID file_context, PVOID buffer, UINT64 offset,
                          ULONG length, BOOLEAN write_to_end_of_file, BOOLEAN constrained_io,
                          PULONG pbytes_transferred, FSP_FSCTL_FILE_INFO *info)
{
    struct memfs *m = get_memfs(fs);
    struct memfs_node *node = file_context;
    UINT64 size = node->info.FileSize;
    UINT64 end;

    if (constrained_io) {
        /* Paging I/O never extends the file: clip at the current size. */
        if (offset >= size) {
            *pbytes_transferred = 0;
            get_info(node, info);
            return STATUS_SUCCESS;
        }
        end = length > size - offset ? size : offset + length;
    } else {
        if (write_to_end_of_file)
            offset = size;
        if (offset > m->max_file_size || length > m->max_file_size - offset)
            return STATUS_DISK_FULL;
        end = offset + length;
    }

    if (!memfs_data_write(&node->data, buffer, offset, (size_t)(end - offset))) {
        /* Restore the invariant that nothing past EOF is non-zero. */
        if (end > size)
            memfs_data_truncate(&node->data, size);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    if (end > size)
        set_file_size(m, node, end, FALSE);

    UINT64 now = memfs_now();
    meta_node(node)->info.LastWriteTime = meta_node(node)->info.ChangeTime = now;
    *pbytes_transferred = (ULONG)(end - offset);
    get_info(node, info);
    return STATUS_SUCCESS;
}

static NTSTATUS Flush(FSP_FILE_SYSTEM *fs, PVOID file_context, FSP_FSCTL_FILE_INFO *info)
{
    /* Nothing to write back. A NULL context flushes the volume. */
    if (file_context)
        get_info(file_context, info);
    return STATUS_SUCCESS;
}

static NTSTATUS GetFileInfo(FSP_FILE_SYSTEM *fs, PVOID file_context, FSP_FSCTL_FILE_INFO *info)
{
    get_info(file_context, info);
    return STATUS_SUCCESS;
}

static NTSTATUS SetBasicInfo(FSP_FILE_SYSTEM *fs, PVOID file_context, UINT32 file_attributes,
                             UINT64 creation_time, UINT64 last_access_time, UINT64 last_write_time,
                             UINT64 change_time, FSP_FSCTL_FILE_INFO *info)
{
    struct memfs_node *node = meta_node(file_context);
    if (file_attributes != INVALID_FILE_ATTRIBUTES)
        node->info.FileAttributes = caller_attributes(file_attributes) | nature_attributes(node);
    if (creation_time)
        node->info.CreationTime = creation_time;
    if (last_access_time)
        node->info.LastAccessTime = last_access_time;
    if (last_write_time)
        node->info.LastWriteTime = last_write_time;
    /* Any metadata change moves the change time (POSIX ctime). */
    node->info.ChangeTime = change_time ? change_time : memfs_now();
    get_info(file_context, info);
    return STATUS_SUCCESS;
}

static NTSTATUS SetFileSize(FSP_FILE_SYSTEM *fs, PVOID file_context, UINT64 new_size,
                            BOOLEAN set_allocation_size, FSP_FSCTL_FILE_INFO *info)
{
    struct memfs_node *node = file_context;
    UINT64 old_size = node->info.FileSize;
    NTSTATUS status = set_file_size(get_memfs(fs), node, new_size, set_allocation_size);
    if (!NT_SUCCESS(status))
        return status;
    /* truncate(2) moves mtime and ctime when the size changes. */
    if (node->info.FileSize != old_size)
        meta_node(node)->info.LastWriteTime = meta_node(node)->info.ChangeTime = memfs_now();
    get_info(node, info);
    return STATUS_SUCCESS;
}

static NTSTATUS check_delete(const struct memfs_node *node)
{
    if (node->main)
        return STATUS_SUCCESS; /* a stream: nothing depends on it */
    if (!memfs_node_parent(node))
        return STATUS_CANNOT_DELETE; /* the root, or already deleted */
    if (node->dir && node->dir->count)
        return STATUS_DIRECTORY_NOT_EMPTY;
    return STATUS_SUCCESS;
}

static NTSTATUS CanDelete(FSP_FILE_SYSTEM *fs, PVOID file_context, PWSTR file_name)
{
    struct memfs_node *node = file_context;
    NTSTATUS status = check_delete(node);
    /* With SetDelete in the interface, CanDelete must not be the one asked. */
    if (!get_memfs(fs)->can_delete_only)
        FspServiceLog(EVENTLOG_ERROR_TYPE, "CanDelete called although SetDelete exists");
    else if (NT_SUCCESS(status))
        node->delete_allowed = true;
    return status;
}

static NTSTATUS SetDelete(FSP_FILE_SYSTEM *fs, PVOID file_context, PWSTR file_name,
                          BOOLEAN delete_file)
{
    /* The deletion itself happens in Cleanup; clearing it needs no check. */
    struct memfs_node *node = file_context;
    NTSTATUS status = delete_file ? check_delete(node) : STATUS_SUCCESS;
    if (NT_SUCCESS(status))
        node->delete_allowed = delete_file;
    return status;
}

static NTSTATUS Rename(FSP_FILE_SYSTEM *fs, PVOID file_context, PWSTR file_name,
                       PWSTR new_file_name, BOOLEAN replace_if_exists)
{
    struct memfs *m = get_memfs(fs);
    struct memfs_node *node = file_context;
    struct memfs_entry *entry = memfs_entry_of(m, node, file_name);
    struct memfs_node *new_parent;
    const WCHAR *name;
    size_t namelen;

    /* Streams are not renamed here, and no file becomes one. */
    if (node->main || memfs_path_is_stream(new_file_name))
        return STATUS_INVALID_PARAMETER;
    if (!entry)
        return STATUS_OBJECT_NAME_NOT_FOUND; /* deleted meanwhile */
    if (!entry->parent)
        return STATUS_ACCESS_DENIED; /* the root cannot move */
    NTSTATUS status = memfs_lookup_parent(m, new_file_name, &new_parent, &name, &namelen);
    if (!NT_SUCCESS(status))
        return status;
    if (!new_parent)
        return STATUS_ACCESS_DENIED; /* onto the root */
    if (!new_parent->dir)
        return STATUS_NOT_A_DIRECTORY;
    if (namelen > MEMFS_MAX_COMPONENT)
        return STATUS_OBJECT_NAME_INVALID;
    /* A directory cannot move below itself. */
    if (node->dir && memfs_node_is_ancestor(node, new_parent))
        return STATUS_INVALID_PARAMETER;

    struct memfs_entry *target = memfs_dir_find(m, new_parent, name, namelen);
    if (target && target != entry) {
        /* Another name of the same file: POSIX rename does nothing. */
        if (target->node == node)
            return STATUS_SUCCESS;
        if (!replace_if_exists)
            return STATUS_OBJECT_NAME_COLLISION;
        /* Replacing a directory is the adapter's business (POSIX rename onto
         * an empty directory); NT never does it. */
        if (target->node->dir)
            return STATUS_ACCESS_DENIED;
        /* WinFsp's FSD refuses to replace an open file on a legacy volume. */
        if (!target->node->names->next_name &&
            legacy_open_elsewhere(m, target->node, false, "Rename replacing the target"))
            return STATUS_ACCESS_DENIED;
    }

    /* Allocate before changing anything, so that failure leaves no trace. */
    WCHAR *name_buf;
    if (!memfs_entry_name_prepare(entry, namelen, &name_buf))
        return STATUS_INSUFFICIENT_RESOURCES;

    if (target && target != entry) {
        /* Only that name: its file may have others, whose link count (and
         * so ctime) changes. */
        struct memfs_node *replaced = target->node;
        bool linked = replaced->names->next_name != NULL; /* else it may be freed */
        memfs_entry_delete(m, target);
        if (linked)
            replaced->info.ChangeTime = memfs_now();
    }

    struct memfs_node *old_parent = entry->parent;
    memfs_dir_remove(m, entry);
    memfs_entry_set_name(entry, name, namelen, name_buf);
    memfs_dir_insert(m, new_parent, entry); /* cannot collide: the target is gone */

    node->info.ChangeTime = memfs_now();
    touch_dir(old_parent);
    if (new_parent != old_parent)
        touch_dir(new_parent);
    return STATUS_SUCCESS;
}

static NTSTATUS GetSecurity(FSP_FILE_SYSTEM *fs, PVOID file_context, PSECURITY_DESCRIPTOR sd,
                            SIZE_T *psd_size)
{
    return copy_sd(meta_node(file_context), sd, psd_size);
}

static NTSTATUS SetSecurity(FSP_FILE_SYSTEM *fs, PVOID file_context,
                            SECURITY_INFORMATION security_information,
                            PSECURITY_DESCRIPTOR modification_descriptor)
{
    struct memfs_node *node = meta_node(file_context);
    void *merged;
    uint32_t merged_size;
    /* Only the parts SecurityInformation names are replaced. */
    NTSTATUS status = memfs_merge_sd(node->sd, node->sdsize, security_information,
                                     modification_descriptor, &merged, &merged_size);
    if (!NT_SUCCESS(status))
        return status;
    free(node->sd);
    node->sd = merged;
    node->sdsize = merged_size;
    node->info.ChangeTime = memfs_now();
    return STATUS_SUCCESS;
}

/*
 * Reparse points. MEMFS stores the buffer and hands it back; it never
 * interprets the data (the adapter turns IO_REPARSE_TAG_SYMLINK into a Linux
 * symlink). On Linux the kernel follows a symlink itself after reading it,
 * so no open ever reaches a file system with a reparse point in the middle
 * of its path and GetSecurityByName need not stop at one; the adapter never
 * calls ResolveReparsePoints. MEMFS still implements it the WinFsp way, with
 * FspFileSystemResolveReparsePoints over its own tree, for callers of the
 * interface that want a path resolved.
 */
static NTSTATUS GetReparsePointByName(FSP_FILE_SYSTEM *fs, PVOID context, PWSTR file_name,
                                      BOOLEAN is_directory, PVOID buffer, PSIZE_T psize)
{
    struct memfs_entry *entry;
    NTSTATUS status = memfs_lookup(get_memfs(fs), file_name, &entry);
    if (!NT_SUCCESS(status))
        return status == STATUS_NOT_A_DIRECTORY ? STATUS_OBJECT_PATH_NOT_FOUND : status;
    const struct memfs_node *node = entry->node;
    if (!node->reparse)
        return STATUS_NOT_A_REPARSE_POINT;
    if (buffer) {
        if (*psize < node->reparse_size)
            return STATUS_BUFFER_TOO_SMALL;
        memcpy(buffer, node->reparse, node->reparse_size);
        *psize = node->reparse_size;
    }
    return STATUS_SUCCESS;
}

static NTSTATUS ResolveReparsePoints(FSP_FILE_SYSTEM *fs, PWSTR file_name,
                                     UINT32 reparse_point_index,
                                     BOOLEAN resolve_last_path_component, PIO_STATUS_BLOCK piosb,
                                     PVOID buffer, PSIZE_T psize)
{
    return FspFileSystemResolveReparsePoints(fs, GetReparsePointByName, NULL, file_name,
                                             reparse_point_index, resolve_last_path_component,
                                             piosb, buffer, psize);
}

static NTSTATUS GetReparsePoint(FSP_FILE_SYSTEM *fs, PVOID file_context, PWSTR file_name,
                                PVOID buffer, PSIZE_T psize)
{
    const struct memfs_node *node = file_context;
    if (!node->reparse)
        return STATUS_NOT_A_REPARSE_POINT;
    if (*psize < node->reparse_size) {
        *psize = node->reparse_size;
        return STATUS_BUFFER_TOO_SMALL;
    }
    memcpy(buffer, node->reparse, node->reparse_size);
    *psize = node->reparse_size;
    return STATUS_SUCCESS;
}

static NTSTATUS SetReparsePoint(FSP_FILE_SYSTEM *fs, PVOID file_context, PWSTR file_name,
                                PVOID buffer, SIZE_T size)
{
    struct memfs_node *node = file_context;
    if (node->main)
        return STATUS_INVALID_PARAMETER; /* reparse data is the file's, never a stream's */
    NTSTATUS status = memfs_reparse_validate(buffer, size);
    if (!NT_SUCCESS(status))
        return status;
    /* FUSE needs its root to stay a directory. */
    if (node == get_memfs(fs)->root)
        return STATUS_ACCESS_DENIED;
    /* Replacing reparse data keeps its kind (tag, and owner GUID for a
     * third-party tag): changing it takes a DeleteReparsePoint first, as on
     * NTFS. */
    if (node->reparse) {
        status =
            FspFileSystemCanReplaceReparsePoint(node->reparse, node->reparse_size, buffer, size);
        if (!NT_SUCCESS(status))
            return status;
    }
    /* Entries under a reparse point could no longer be reached by name. */
    if (!node->reparse && node->dir && node->dir->count)
        return STATUS_DIRECTORY_NOT_EMPTY;
    if (!memfs_node_set_reparse(node, buffer, (uint32_t)size))
        return STATUS_INSUFFICIENT_RESOURCES;
    node->info.ChangeTime = memfs_now();
    return STATUS_SUCCESS;
}

/* Buffer is a REPARSE_DATA_BUFFER naming the tag to remove (with the GUID
 * for a third-party tag); its data, if any, is not compared (NTFS wants
 * none, and the tag identifies the point). */
static NTSTATUS DeleteReparsePoint(FSP_FILE_SYSTEM *fs, PVOID file_context, PWSTR file_name,
                                   PVOID buffer, SIZE_T size)
{
    struct memfs_node *node = file_context;
    if (!buffer || size < MEMFS_REPARSE_HEADER_SIZE)
        return STATUS_IO_REPARSE_DATA_INVALID;
    if (!node->reparse)
        return STATUS_NOT_A_REPARSE_POINT;
    NTSTATUS status =
        FspFileSystemCanReplaceReparsePoint(node->reparse, node->reparse_size, buffer, size);
    if (!NT_SUCCESS(status))
        return status;
    memfs_node_clear_reparse(node);
    node->info.ChangeTime = memfs_now();
    return STATUS_SUCCESS;
}

/* A directory entry: the header plus up to MaxComponentLength characters. */
union dir_info_buf {
    FSP_FSCTL_DIR_INFO info;
    uint8_t bytes[sizeof(FSP_FSCTL_DIR_INFO) + MEMFS_MAX_COMPONENT * sizeof(WCHAR)];
};

static void fill_dir_info(union dir_info_buf *buf, const FSP_FSCTL_FILE_INFO *info,
                          const WCHAR *name, size_t namelen)
{
    memset(&buf->info, 0, sizeof(buf->info));
    buf->info.Size = (UINT16)(sizeof(FSP_FSCTL_DIR_INFO) + namelen * sizeof(WCHAR));
    buf->info.FileInfo = *info;
    memcpy(buf->info.FileNameBuf, name, namelen * sizeof(WCHAR));
}

static NTSTATUS read_directory_now(FSP_FILE_SYSTEM *fs, PVOID file_context, PWSTR marker,
                                   PVOID buffer, ULONG length, PULONG pbytes_transferred)
{
    struct memfs *m = get_memfs(fs);
    struct memfs_node *dir = file_context;
    union dir_info_buf entry;
    struct memfs_entry *child;

    if (!dir->dir)
        return STATUS_NOT_A_DIRECTORY;
    *pbytes_transferred = 0;

    /* "." and ".." lead every non-root listing; they are not in the index,
     * so a marker naming one of them is handled here. A real name can never
     * be "." or "..". */
    bool is_dot = marker && marker[0] == u'.' && marker[1] == 0;
    bool is_dotdot = marker && marker[0] == u'.' && marker[1] == u'.' && marker[2] == 0;
    if (dir != m->root && (!marker || is_dot)) {
        if (!marker) {
            fill_dir_info(&entry, &dir->info, u".", 1);
            if (!FspFileSystemAddDirInfo(&entry.info, buffer, length, pbytes_transferred))
                return STATUS_SUCCESS;
        }
        /* A deleted directory has no parent any more: show itself. */
        const struct memfs_node *parent = memfs_node_parent(dir) ? memfs_node_parent(dir) : dir;
        fill_dir_info(&entry, &parent->info, u"..", 2);
        if (!FspFileSystemAddDirInfo(&entry.info, buffer, length, pbytes_transferred))
            return STATUS_SUCCESS;
    }
    if (!marker || is_dot || is_dotdot)
        child = memfs_dir_first_after(m, dir, NULL, 0);
    else
        child = memfs_dir_first_after(m, dir, marker, memfs_wcslen(marker));

    for (; child; child = memfs_dir_next(child)) {
        fill_dir_info(&entry, &child->node->info, child->name, child->namelen);
        if (!FspFileSystemAddDirInfo(&entry.info, buffer, length, pbytes_transferred))
            return STATUS_SUCCESS; /* full: the caller comes back with a marker */
    }
    FspFileSystemAddDirInfo(NULL, buffer, length, pbytes_transferred);
    return STATUS_SUCCESS;
}

/* Read, Write and ReadDirectory go through slow I/O (-M/-P/-R), which may
 * delay their result or complete them asynchronously (memfs_slowio.c). */
static NTSTATUS Read(FSP_FILE_SYSTEM *fs, PVOID file_context, PVOID buffer, UINT64 offset,
                     ULONG length, PULONG pbytes_transferred)
{
    NTSTATUS st = read_now(fs, file_context, buffer, offset, length, pbytes_transferred);
    return memfs_slowio_finish(fs, st, pbytes_transferred, NULL);
}

static NTSTATUS Write(FSP_FILE_SYSTEM *fs, PVOID file_context, PVOID buffer, UINT64 offset,
                      ULONG length, BOOLEAN write_to_end_of_file, BOOLEAN constrained_io,
                      PULONG pbytes_transferred, FSP_FSCTL_FILE_INFO *info)
{
    NTSTATUS st = write_now(fs, file_context, buffer, offset, length, write_to_end_of_file,
                            constrained_io, pbytes_transferred, info);
    return memfs_slowio_finish(fs, st, pbytes_transferred, NT_SUCCESS(st) ? info : NULL);
}

static NTSTATUS ReadDirectory(FSP_FILE_SYSTEM *fs, PVOID file_context, PWSTR pattern, PWSTR marker,
                              PVOID buffer, ULONG length, PULONG pbytes_transferred)
{
    NTSTATUS st = read_directory_now(fs, file_context, marker, buffer, length, pbytes_transferred);
    return memfs_slowio_finish(fs, st, pbytes_transferred, NULL);
}

static NTSTATUS GetDirInfoByName(FSP_FILE_SYSTEM *fs, PVOID file_context, PWSTR file_name,
                                 FSP_FSCTL_DIR_INFO *dir_info)
{
    struct memfs *m = get_memfs(fs);
    struct memfs_node *dir = file_context;
    if (!dir->dir)
        return STATUS_NOT_A_DIRECTORY;
    struct memfs_entry *child = memfs_dir_find(m, dir, file_name, memfs_wcslen(file_name));
    if (!child)
        return STATUS_OBJECT_NAME_NOT_FOUND;
    /* The caller's buffer holds a header plus a maximal component, like the
     * entries ReadDirectory produces; the stored case is reported. */
    memset(dir_info, 0, sizeof(*dir_info));
    dir_info->Size = (UINT16)(sizeof(FSP_FSCTL_DIR_INFO) + child->namelen * sizeof(WCHAR));
    dir_info->FileInfo = child->node->info;
    memcpy(dir_info->FileNameBuf, child->name, child->namelen * sizeof(WCHAR));
    return STATUS_SUCCESS;
}

/*
 * FSP's hard-link extension: one more name for the open file. The new entry
 * leads to the same node, so contents, IndexNumber and metadata are shared;
 * HardLinks counts the names.
 */
static NTSTATUS CreateHardLink(FSP_FILE_SYSTEM *fs, PVOID file_context, PWSTR file_name,
                               PWSTR new_file_name, FSP_FSCTL_FILE_INFO *info)
{
    struct memfs *m = get_memfs(fs);
    struct memfs_node *node = file_context;
    struct memfs_node *parent;
    const WCHAR *name;
    size_t namelen;

    if (node->dir)
        return STATUS_FILE_IS_A_DIRECTORY;
    if (node->main || memfs_path_is_stream(new_file_name))
        return STATUS_INVALID_PARAMETER; /* a stream has no name of its own */
    if (!node->names)
        return STATUS_OBJECT_NAME_NOT_FOUND; /* no name left to add to */
    NTSTATUS status = memfs_lookup_parent(m, new_file_name, &parent, &name, &namelen);
    if (!NT_SUCCESS(status))
        return status;
    if (!parent) /* the root */
        return STATUS_OBJECT_NAME_COLLISION;
    if (!parent->dir)
        return STATUS_NOT_A_DIRECTORY;
    if (namelen > MEMFS_MAX_COMPONENT)
        return STATUS_OBJECT_NAME_INVALID;
    /* A name costs a node's worth of the volume, as in CreateEx. */
    if (atomic_load(&m->node_count) >= m->max_nodes)
        return memfs_dir_find(m, parent, name, namelen) ? STATUS_OBJECT_NAME_COLLISION
                                                        : STATUS_DISK_FULL;
    struct memfs_entry *entry = memfs_entry_new(m, node, name, namelen);
    if (!entry)
        return STATUS_INSUFFICIENT_RESOURCES;
    if (memfs_dir_insert(m, parent, entry)) {
        memfs_entry_discard(entry);
        return STATUS_OBJECT_NAME_COLLISION;
    }
    atomic_fetch_add(&m->node_count, 1);
    touch_dir(parent);
    node->info.ChangeTime = memfs_now(); /* link(2) moves the file's ctime */
    get_info(node, info);
    return STATUS_SUCCESS;
}

const FSP_FILE_SYSTEM_INTERFACE memfs_interface = {
    .GetVolumeInfo = GetVolumeInfo,
    .SetVolumeLabel = SetVolumeLabel,
    .GetSecurityByName = GetSecurityByName,
    .Create = Create,
    .Open = Open,
    .Overwrite = Overwrite,
    .Cleanup = Cleanup,
    .Close = Close,
    .Read = Read,
    .Write = Write,
    .Flush = Flush,
    .GetFileInfo = GetFileInfo,
    .SetBasicInfo = SetBasicInfo,
    .SetFileSize = SetFileSize,
    .CanDelete = CanDelete,
    .Rename = Rename,
    .GetSecurity = GetSecurity,
    .SetSecurity = SetSecurity,
    .ReadDirectory = ReadDirectory,
    .ResolveReparsePoints = ResolveReparsePoints,
    .GetReparsePoint = GetReparsePoint,
    .SetReparsePoint = SetReparsePoint,
    .DeleteReparsePoint = DeleteReparsePoint,
    .GetDirInfoByName = GetDirInfoByName,
    .SetDelete = SetDelete,
    .CreateEx = CreateEx,
    .OverwriteEx = OverwriteEx,
    .GetEa = GetEa,
    .SetEa = SetEa,
    .CreateHardLink = CreateHardLink,
    .Control = memfs_control,
    .GetStreamInfo = memfs_get_stream_info,
};
