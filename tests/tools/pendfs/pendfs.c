/*
 * pendfs - an in-memory file system on the native API whose Read, Write and
 * ReadDirectory answer asynchronously: they return STATUS_PENDING and a
 * completion thread finishes them with FspFileSystemSendResponse.
 *
 *   pendfs -m MOUNTPOINT [--mode=late|early|sync] [-d]
 *
 * late:  the operation queues a job and returns STATUS_PENDING at once; a
 *        completion thread does the work after a random 0-5 ms delay, so the
 *        response comes after the adapter parked the request, and completions
 *        overtake each other (several completion threads).
 * early: the job is done and its response sent by a completion thread while
 *        the operation waits for that; only then does it return
 *        STATUS_PENDING. Every response thus arrives before the request was
 *        parked: the other side of the adapter's race.
 * sync:  no pending at all, for comparison.
 *
 * The volume is a flat root directory of regular files. One mutex guards the
 * whole file table: this is a test tool, correctness beats concurrency.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <winfsp/winfsp.h>

#include "../serve.h"

#define NAME_MAX_CHARS   255
#define ALLOC_UNIT       4096
#define VOLUME_SIZE      (1ULL << 32)
#define COMPLETE_THREADS 4
#define MAX_DELAY_US     5000

enum mode { MODE_LATE, MODE_EARLY, MODE_SYNC };

struct pfile {
    struct pfile *next; /* the root's list (sorted by name), or the orphans */
    WCHAR name[NAME_MAX_CHARS + 1];
    size_t namelen; /* in WCHARs; 0 for the root */
    bool is_dir;
    bool linked;   /* still in the root's list */
    unsigned refs; /* open contexts + queued jobs; freed at 0 once unlinked */
    char *data;
    size_t size, cap;
    UINT32 attributes;
    UINT64 ino, ctime, atime, mtime, chtime;
};

/* A pending operation, done and answered by a completion thread. */
struct job {
    struct job *next;
    UINT32 kind;
    UINT64 hint;
    struct pfile *file;
    void *buf;
    UINT64 offset;
    ULONG length;
    BOOLEAN append;
    bool has_marker;
    WCHAR marker[NAME_MAX_CHARS + 1];
    bool early, sent; /* early mode: the operation waits for sent */
};

static enum mode g_mode = MODE_LATE;
static FSP_FILE_SYSTEM *g_fs;

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER; /* the file table */
static struct pfile g_root = {.is_dir = true, .linked = true, .refs = 1};
static UINT64 g_next_ino = 2;
/* Unlinked files still open. If the session ends with files open, no Close
 * comes for them: main frees them from here. */
static struct pfile *g_orphans;

static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER; /* the job queue */
static pthread_cond_t q_cond = PTHREAD_COND_INITIALIZER;   /* new job, or stop */
static pthread_cond_t q_sent = PTHREAD_COND_INITIALIZER;   /* an early job was sent */
static struct job *q_head, *q_tail;
static bool q_stop;

/* --- The file table (all under g_lock) ------------------------------------ */

static UINT64 now_filetime(void)
{
    struct timespec ts;
    UINT64 ft;
    clock_gettime(CLOCK_REALTIME, &ts);
    FspPosixUnixTimeToFileTime(&ts, &ft);
    return ft;
}

static int name_cmp(const WCHAR *a, size_t alen, const WCHAR *b, size_t blen)
{
    size_t n = alen < blen ? alen : blen;
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    return alen < blen ? -1 : alen > blen;
}

static size_t wlen(const WCHAR *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

/* "\name" -> name; NULL for anything but a direct child of the root. */
static const WCHAR *leaf_of(PWSTR path, size_t *len)
{
    if (path[0] != u'\\')
        return NULL;
    const WCHAR *leaf = path + 1;
    size_t n = wlen(leaf);
    for (size_t i = 0; i < n; i++)
        if (leaf[i] == u'\\')
            return NULL;
    *len = n;
    return leaf;
}

static struct pfile *lookup(PWSTR path)
{
    size_t len;
    if (path[0] == u'\\' && path[1] == 0)
        return &g_root;
    const WCHAR *leaf = leaf_of(path, &len);
    if (!leaf)
        return NULL;
    for (struct pfile *f = g_root.next; f; f = f->next) {
        int c = name_cmp(f->name, f->namelen, leaf, len);
        if (c == 0)
            return f;
        if (c > 0)
            break;
    }
    return NULL;
}

static void link_sorted(struct pfile *nf)
{
    struct pfile **p = &g_root.next;
    while (*p && name_cmp((*p)->name, (*p)->namelen, nf->name, nf->namelen) < 0)
        p = &(*p)->next;
    nf->next = *p;
    *p = nf;
    nf->linked = true;
}

static void drop(struct pfile **head, struct pfile *f)
{
    for (struct pfile **p = head; *p; p = &(*p)->next)
        if (*p == f) {
            *p = f->next;
            break;
        }
    f->next = NULL;
}

static void file_free(struct pfile *f)
{
    free(f->data);
    free(f);
}

/* Take f out of the namespace; its data lives until the last reference. */
static void unlink_file(struct pfile *f)
{
    drop(&g_root.next, f);
    f->linked = false;
    if (f->refs) {
        f->next = g_orphans;
        g_orphans = f;
    } else
        file_free(f);
}

static void file_put(struct pfile *f)
{
    if (--f->refs == 0 && !f->linked && f != &g_root) {
        drop(&g_orphans, f);
        file_free(f);
    }
}

static void fill_info(const struct pfile *f, FSP_FSCTL_FILE_INFO *info)
{
    memset(info, 0, sizeof *info);
    info->FileAttributes = f->attributes;
    info->FileSize = f->size;
    info->AllocationSize = (f->size + ALLOC_UNIT - 1) / ALLOC_UNIT * ALLOC_UNIT;
    info->CreationTime = f->ctime;
    info->LastAccessTime = f->atime;
    info->LastWriteTime = f->mtime;
    info->ChangeTime = f->chtime;
    info->IndexNumber = f->ino;
}

static NTSTATUS set_size(struct pfile *f, UINT64 size)
{
    if (size > VOLUME_SIZE)
        return STATUS_DISK_FULL;
    if (size > f->cap) {
        size_t cap = f->cap ? f->cap : ALLOC_UNIT;
        while (cap < size)
            cap *= 2;
        char *p = realloc(f->data, cap);
        if (!p)
            return STATUS_INSUFFICIENT_RESOURCES;
        f->data = p;
        f->cap = cap;
    }
    if (size > f->size)
        memset(f->data + f->size, 0, size - f->size);
    f->size = size;
    return STATUS_SUCCESS;
}

/* --- The work behind Read, Write, ReadDirectory (take g_lock) -------------- */

static NTSTATUS do_read(struct pfile *f, void *buf, UINT64 offset, ULONG length, ULONG *bytes)
{
    pthread_mutex_lock(&g_lock);
    NTSTATUS st = STATUS_SUCCESS;
    *bytes = 0;
    if (offset >= f->size)
        st = STATUS_END_OF_FILE;
    else {
        size_t n = f->size - offset < length ? f->size - offset : length;
        memcpy(buf, f->data + offset, n);
        *bytes = (ULONG)n;
    }
    pthread_mutex_unlock(&g_lock);
    return st;
}

static NTSTATUS do_write(struct pfile *f, const void *buf, UINT64 offset, ULONG length,
                         BOOLEAN append, ULONG *bytes, FSP_FSCTL_FILE_INFO *info)
{
    pthread_mutex_lock(&g_lock);
    /* For appends the end of file is taken here, under the table lock, so
     * that appenders never overwrite each other's records. */
    if (append)
        offset = f->size;
    NTSTATUS st = STATUS_SUCCESS;
    *bytes = 0;
    if (offset + length > f->size)
        st = set_size(f, offset + length);
    if (NT_SUCCESS(st)) {
        memcpy(f->data + offset, buf, length);
        *bytes = length;
        f->mtime = f->chtime = now_filetime();
    }
    fill_info(f, info);
    pthread_mutex_unlock(&g_lock);
    return st;
}

static NTSTATUS do_readdir(struct pfile *dir, const WCHAR *marker, void *buf, ULONG length,
                           ULONG *bytes)
{
    union {
        FSP_FSCTL_DIR_INFO d;
        UINT8 b[sizeof(FSP_FSCTL_DIR_INFO) + NAME_MAX_CHARS * sizeof(WCHAR)];
    } u;
    size_t mlen = marker ? wlen(marker) : 0;
    int dot = 0; /* the first of ".", ".." still to list */

    /* "." and ".." come first, as a WinFsp file system lists them; a marker
     * naming one of them means the files have not started yet. */
    if (marker && mlen <= 2 && marker[0] == u'.' && (mlen == 1 || marker[1] == u'.')) {
        dot = (int)mlen;
        marker = NULL;
    } else if (marker)
        dot = 2;

    *bytes = 0;
    pthread_mutex_lock(&g_lock);
    {
        for (int i = dot; i < 2; i++) {
            memset(&u.d, 0, sizeof u.d);
            u.d.Size = (UINT16)(sizeof u.d + (i + 1) * sizeof(WCHAR));
            fill_info(dir, &u.d.FileInfo);
            u.d.FileNameBuf[0] = u.d.FileNameBuf[1] = u'.';
            if (!FspFileSystemAddDirInfo(&u.d, buf, length, bytes))
                goto out;
        }
    }
    for (struct pfile *f = g_root.next; f; f = f->next) {
        /* The list is sorted, so "after the marker" is "greater than it",
         * even if the marker's own file was deleted in between. */
        if (marker && name_cmp(f->name, f->namelen, marker, mlen) <= 0)
            continue;
        memset(&u.d, 0, sizeof u.d);
        u.d.Size = (UINT16)(sizeof u.d + f->namelen * sizeof(WCHAR));
        fill_info(f, &u.d.FileInfo);
        memcpy(u.d.FileNameBuf, f->name, f->namelen * sizeof(WCHAR));
        if (!FspFileSystemAddDirInfo(&u.d, buf, length, bytes))
            goto out; /* full: the adapter asks again after the last name */
    }
    FspFileSystemAddDirInfo(NULL, buf, length, bytes);
out:
    pthread_mutex_unlock(&g_lock);
    return STATUS_SUCCESS;
}

/* --- Completion ---------------------------------------------------------------- */

static void run_job(struct job *j)
{
    FSP_FSCTL_TRANSACT_RSP rsp;
    ULONG bytes = 0;
    NTSTATUS st;

    memset(&rsp, 0, sizeof rsp);
    rsp.Size = sizeof rsp;
    rsp.Kind = j->kind;
    rsp.Hint = j->hint;
    if (j->kind == FspFsctlTransactReadKind)
        st = do_read(j->file, j->buf, j->offset, j->length, &bytes);
    else if (j->kind == FspFsctlTransactWriteKind)
        st = do_write(j->file, j->buf, j->offset, j->length, j->append, &bytes,
                      &rsp.Rsp.Write.FileInfo);
    else
        st = do_readdir(j->file, j->has_marker ? j->marker : NULL, j->buf, j->length, &bytes);
    rsp.IoStatus.Status = (UINT32)st;
    rsp.IoStatus.Information = bytes;
    FspFileSystemSendResponse(g_fs, &rsp);
}

static void *completion_thread(void *arg)
{
    unsigned seed = (unsigned)(uintptr_t)arg * 2654435761u ^ (unsigned)time(NULL);
    for (;;) {
        pthread_mutex_lock(&q_lock);
        while (!q_head && !q_stop)
            pthread_cond_wait(&q_cond, &q_lock);
        struct job *j = q_head;
        if (!j) { /* stopping, and the queue is drained */
            pthread_mutex_unlock(&q_lock);
            return NULL;
        }
        q_head = j->next;
        if (!q_head)
            q_tail = NULL;
        pthread_mutex_unlock(&q_lock);

        if (!j->early) {
            struct timespec d = {0, (long)(rand_r(&seed) % (MAX_DELAY_US + 1)) * 1000};
            nanosleep(&d, NULL);
        }
        run_job(j);
        if (j->early) {
            /* The waiting operation owns the job and frees it. */
            pthread_mutex_lock(&q_lock);
            j->sent = true;
            pthread_cond_broadcast(&q_sent);
            pthread_mutex_unlock(&q_lock);
        } else {
            pthread_mutex_lock(&g_lock);
            file_put(j->file);
            pthread_mutex_unlock(&g_lock);
            free(j);
        }
    }
}

/*
 * Hand the operation to a completion thread; returns STATUS_PENDING, or
 * another status if the job could not be queued (the caller then does the
 * work itself). Takes ownership of j.
 */
static NTSTATUS pend(struct job *j)
{
    FSP_FILE_SYSTEM_OPERATION_CONTEXT *ctx = FspFileSystemGetOperationContext();
    if (!ctx || !ctx->Request) {
        free(j);
        return STATUS_SUCCESS;
    }
    j->hint = ctx->Request->Hint;
    j->kind = ctx->Request->Kind;
    j->early = g_mode == MODE_EARLY;
    if (!j->early) {
        /* A late job may outlive the operation: keep its file alive. */
        pthread_mutex_lock(&g_lock);
        j->file->refs++;
        pthread_mutex_unlock(&g_lock);
    }
    pthread_mutex_lock(&q_lock);
    if (q_tail)
        q_tail->next = j;
    else
        q_head = j;
    q_tail = j;
    pthread_cond_signal(&q_cond);
    if (j->early) {
        while (!j->sent)
            pthread_cond_wait(&q_sent, &q_lock);
        pthread_mutex_unlock(&q_lock);
        free(j);
    } else
        pthread_mutex_unlock(&q_lock);
    return STATUS_PENDING;
}

static struct job *new_job(struct pfile *f, void *buf, UINT64 offset, ULONG length)
{
    if (g_mode == MODE_SYNC)
        return NULL;
    struct job *j = calloc(1, sizeof *j);
    if (j) {
        j->file = f;
        j->buf = buf;
        j->offset = offset;
        j->length = length;
    }
    return j;
}

/* --- The file system interface ------------------------------------------------ */

static NTSTATUS GetVolumeInfo(FSP_FILE_SYSTEM *fs, FSP_FSCTL_VOLUME_INFO *vi)
{
    UINT64 used = 0;
    pthread_mutex_lock(&g_lock);
    for (struct pfile *f = g_root.next; f; f = f->next)
        used += (f->size + ALLOC_UNIT - 1) / ALLOC_UNIT * ALLOC_UNIT;
    pthread_mutex_unlock(&g_lock);
    memset(vi, 0, sizeof *vi);
    vi->TotalSize = VOLUME_SIZE;
    vi->FreeSize = used < VOLUME_SIZE ? VOLUME_SIZE - used : 0;
    static const WCHAR label[] = u"pendfs";
    vi->VolumeLabelLength = sizeof label - sizeof(WCHAR);
    memcpy(vi->VolumeLabel, label, vi->VolumeLabelLength);
    return STATUS_SUCCESS;
}

static NTSTATUS Create(FSP_FILE_SYSTEM *fs, PWSTR FileName, UINT32 CreateOptions,
                       UINT32 GrantedAccess, UINT32 FileAttributes,
                       PSECURITY_DESCRIPTOR SecurityDescriptor, UINT64 AllocationSize,
                       PVOID *PFileContext, FSP_FSCTL_FILE_INFO *FileInfo)
{
    size_t len;
    const WCHAR *leaf = leaf_of(FileName, &len);
    if (!leaf || len == 0)
        return STATUS_OBJECT_NAME_INVALID;
    if (len > NAME_MAX_CHARS)
        return STATUS_OBJECT_NAME_INVALID;
    if (CreateOptions & FILE_DIRECTORY_FILE)
        return STATUS_ACCESS_DENIED; /* flat: the root is the only directory */

    pthread_mutex_lock(&g_lock);
    NTSTATUS st = STATUS_SUCCESS;
    struct pfile *f = NULL;
    if (lookup(FileName))
        st = STATUS_OBJECT_NAME_COLLISION;
    else if (!(f = calloc(1, sizeof *f)))
        st = STATUS_INSUFFICIENT_RESOURCES;
    if (NT_SUCCESS(st)) {
        memcpy(f->name, leaf, len * sizeof(WCHAR));
        f->namelen = len;
        f->attributes = FileAttributes ? FileAttributes : FILE_ATTRIBUTE_NORMAL;
        f->ino = g_next_ino++;
        f->ctime = f->atime = f->mtime = f->chtime = now_filetime();
        f->refs = 1;
        link_sorted(f);
        fill_info(f, FileInfo);
        *PFileContext = f;
    }
    pthread_mutex_unlock(&g_lock);
    return st;
}

static NTSTATUS Open(FSP_FILE_SYSTEM *fs, PWSTR FileName, UINT32 CreateOptions,
                     UINT32 GrantedAccess, PVOID *PFileContext, FSP_FSCTL_FILE_INFO *FileInfo)
{
    pthread_mutex_lock(&g_lock);
    struct pfile *f = lookup(FileName);
    if (f) {
        f->refs++;
        fill_info(f, FileInfo);
        *PFileContext = f;
    }
    pthread_mutex_unlock(&g_lock);
    return f ? STATUS_SUCCESS : STATUS_OBJECT_NAME_NOT_FOUND;
}

static NTSTATUS Overwrite(FSP_FILE_SYSTEM *fs, PVOID FileContext, UINT32 FileAttributes,
                          BOOLEAN ReplaceFileAttributes, UINT64 AllocationSize,
                          FSP_FSCTL_FILE_INFO *FileInfo)
{
    struct pfile *f = FileContext;
    pthread_mutex_lock(&g_lock);
    if (ReplaceFileAttributes)
        f->attributes = FileAttributes ? FileAttributes : FILE_ATTRIBUTE_NORMAL;
    else
        f->attributes |= FileAttributes;
    f->size = 0;
    f->mtime = f->chtime = now_filetime();
    fill_info(f, FileInfo);
    pthread_mutex_unlock(&g_lock);
    return STATUS_SUCCESS;
}

static VOID Cleanup(FSP_FILE_SYSTEM *fs, PVOID FileContext, PWSTR FileName, ULONG Flags)
{
    struct pfile *f = FileContext;
    pthread_mutex_lock(&g_lock);
    UINT64 now = now_filetime();
    if (Flags & FspCleanupSetLastAccessTime)
        f->atime = now;
    if (Flags & FspCleanupSetLastWriteTime)
        f->mtime = now;
    if (Flags & FspCleanupSetChangeTime)
        f->chtime = now;
    if ((Flags & FspCleanupDelete) && FileName && f != &g_root && f->linked)
        unlink_file(f); /* the data lives on until the last Close */
    pthread_mutex_unlock(&g_lock);
}

static VOID Close(FSP_FILE_SYSTEM *fs, PVOID FileContext)
{
    pthread_mutex_lock(&g_lock);
    file_put(FileContext);
    pthread_mutex_unlock(&g_lock);
}

static NTSTATUS Read(FSP_FILE_SYSTEM *fs, PVOID FileContext, PVOID Buffer, UINT64 Offset,
                     ULONG Length, PULONG PBytesTransferred)
{
    struct job *j = new_job(FileContext, Buffer, Offset, Length);
    if (j && pend(j) == STATUS_PENDING)
        return STATUS_PENDING;
    return do_read(FileContext, Buffer, Offset, Length, PBytesTransferred);
}

static NTSTATUS Write(FSP_FILE_SYSTEM *fs, PVOID FileContext, PVOID Buffer, UINT64 Offset,
                      ULONG Length, BOOLEAN WriteToEndOfFile, BOOLEAN ConstrainedIo,
                      PULONG PBytesTransferred, FSP_FSCTL_FILE_INFO *FileInfo)
{
    struct job *j = new_job(FileContext, Buffer, Offset, Length);
    if (j) {
        j->append = WriteToEndOfFile;
        if (pend(j) == STATUS_PENDING)
            return STATUS_PENDING;
    }
    return do_write(FileContext, Buffer, Offset, Length, WriteToEndOfFile, PBytesTransferred,
                    FileInfo);
}

static NTSTATUS ReadDirectory(FSP_FILE_SYSTEM *fs, PVOID FileContext, PWSTR Pattern, PWSTR Marker,
                              PVOID Buffer, ULONG Length, PULONG PBytesTransferred)
{
    struct pfile *dir = FileContext;
    if (!dir->is_dir)
        return STATUS_NOT_A_DIRECTORY;
    struct job *j = new_job(dir, Buffer, 0, Length);
    if (j) {
        /* The marker belongs to the caller; a late job must not rely on it. */
        if (Marker) {
            size_t n = wlen(Marker);
            if (n > NAME_MAX_CHARS)
                n = NAME_MAX_CHARS;
            memcpy(j->marker, Marker, n * sizeof(WCHAR));
            j->marker[n] = 0;
            j->has_marker = true;
        }
        if (pend(j) == STATUS_PENDING)
            return STATUS_PENDING;
    }
    return do_readdir(dir, Marker, Buffer, Length, PBytesTransferred);
}

static NTSTATUS GetFileInfo(FSP_FILE_SYSTEM *fs, PVOID FileContext, FSP_FSCTL_FILE_INFO *FileInfo)
{
    pthread_mutex_lock(&g_lock);
    fill_info(FileContext, FileInfo);
    pthread_mutex_unlock(&g_lock);
    return STATUS_SUCCESS;
}

static NTSTATUS SetBasicInfo(FSP_FILE_SYSTEM *fs, PVOID FileContext, UINT32 FileAttributes,
                             UINT64 CreationTime, UINT64 LastAccessTime, UINT64 LastWriteTime,
                             UINT64 ChangeTime, FSP_FSCTL_FILE_INFO *FileInfo)
{
    struct pfile *f = FileContext;
    pthread_mutex_lock(&g_lock);
    if (FileAttributes != INVALID_FILE_ATTRIBUTES && FileAttributes != 0)
        f->attributes = FileAttributes;
    if (CreationTime)
        f->ctime = CreationTime;
    if (LastAccessTime)
        f->atime = LastAccessTime;
    if (LastWriteTime)
        f->mtime = LastWriteTime;
    if (ChangeTime)
        f->chtime = ChangeTime;
    fill_info(f, FileInfo);
    pthread_mutex_unlock(&g_lock);
    return STATUS_SUCCESS;
}

static NTSTATUS SetFileSize(FSP_FILE_SYSTEM *fs, PVOID FileContext, UINT64 NewSize,
                            BOOLEAN SetAllocationSize, FSP_FSCTL_FILE_INFO *FileInfo)
{
    struct pfile *f = FileContext;
    NTSTATUS st = STATUS_SUCCESS;
    pthread_mutex_lock(&g_lock);
    /* Allocation is implicit here; shrinking it below the size truncates. */
    if (!SetAllocationSize || NewSize < f->size)
        st = set_size(f, NewSize);
    if (NT_SUCCESS(st) && !SetAllocationSize)
        f->mtime = f->chtime = now_filetime();
    fill_info(f, FileInfo);
    pthread_mutex_unlock(&g_lock);
    return st;
}

static NTSTATUS CanDelete(FSP_FILE_SYSTEM *fs, PVOID FileContext, PWSTR FileName)
{
    return FileContext == &g_root ? STATUS_CANNOT_DELETE : STATUS_SUCCESS;
}

static NTSTATUS Rename(FSP_FILE_SYSTEM *fs, PVOID FileContext, PWSTR FileName, PWSTR NewFileName,
                       BOOLEAN ReplaceIfExists)
{
    struct pfile *f = FileContext;
    size_t len;
    const WCHAR *leaf = leaf_of(NewFileName, &len);
    if (!leaf || len == 0 || len > NAME_MAX_CHARS || f == &g_root)
        return STATUS_OBJECT_NAME_INVALID;

    NTSTATUS st = STATUS_SUCCESS;
    pthread_mutex_lock(&g_lock);
    struct pfile *target = lookup(NewFileName);
    if (target && target != f) {
        if (!ReplaceIfExists)
            st = STATUS_OBJECT_NAME_COLLISION;
        else if (target->is_dir)
            st = STATUS_ACCESS_DENIED;
        else
            unlink_file(target);
    }
    if (NT_SUCCESS(st)) {
        drop(&g_root.next, f); /* renamed in place: no orphan */
        memcpy(f->name, leaf, len * sizeof(WCHAR));
        f->namelen = len;
        f->chtime = now_filetime();
        link_sorted(f);
    }
    pthread_mutex_unlock(&g_lock);
    return st;
}

static const FSP_FILE_SYSTEM_INTERFACE pendfs_interface = {
    .GetVolumeInfo = GetVolumeInfo,
    .Create = Create,
    .Open = Open,
    .Overwrite = Overwrite,
    .Cleanup = Cleanup,
    .Close = Close,
    .Read = Read,
    .Write = Write,
    .GetFileInfo = GetFileInfo,
    .SetBasicInfo = SetBasicInfo,
    .SetFileSize = SetFileSize,
    .CanDelete = CanDelete,
    .Rename = Rename,
    .ReadDirectory = ReadDirectory,
};

/* --- Main ------------------------------------------------------------------------ */

static void usage(void)
{
    fprintf(stderr, "usage: pendfs -m MOUNTPOINT [--mode=late|early|sync] [-d]\n");
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"mode", required_argument, NULL, 'M'},
        {"mount", required_argument, NULL, 'm'},
        {"debug", no_argument, NULL, 'd'},
        {NULL, 0, NULL, 0},
    };
    const char *mountpoint = NULL;
    bool debug = false;
    int c;

    while ((c = getopt_long(argc, argv, "m:d", longopts, NULL)) != -1) {
        switch (c) {
        case 'm':
            mountpoint = optarg;
            break;
        case 'd':
            debug = true;
            break;
        case 'M':
            if (!strcmp(optarg, "late"))
                g_mode = MODE_LATE;
            else if (!strcmp(optarg, "early"))
                g_mode = MODE_EARLY;
            else if (!strcmp(optarg, "sync"))
                g_mode = MODE_SYNC;
            else {
                usage();
                return 2;
            }
            break;
        default:
            usage();
            return 2;
        }
    }
    if (!mountpoint || optind != argc) {
        usage();
        return 2;
    }

    g_root.attributes = FILE_ATTRIBUTE_DIRECTORY;
    g_root.ino = 1;
    g_root.ctime = g_root.atime = g_root.mtime = g_root.chtime = now_filetime();

    FSP_FSCTL_VOLUME_PARAMS vp;
    memset(&vp, 0, sizeof vp);
    vp.Version = sizeof vp;
    vp.SectorSize = 512;
    vp.SectorsPerAllocationUnit = ALLOC_UNIT / 512;
    vp.MaxComponentLength = NAME_MAX_CHARS;
    vp.VolumeCreationTime = g_root.ctime;
    vp.VolumeSerialNumber = 0x9e4d;
    vp.CaseSensitiveSearch = 1;
    vp.CasePreservedNames = 1;
    vp.UnicodeOnDisk = 1;
    memcpy(vp.FileSystemName, u"pendfs", sizeof u"pendfs");

    NTSTATUS st = FspFileSystemCreate(FSP_FSCTL_DISK_DEVICE_NAME, &vp, &pendfs_interface, &g_fs);
    if (!NT_SUCCESS(st)) {
        fprintf(stderr, "pendfs: FspFileSystemCreate: 0x%08x\n", (unsigned)st);
        return 1;
    }
    if (debug)
        FspFileSystemSetDebugLog(g_fs, (UINT32)-1);

    PWSTR wmount = NULL;
    st = FspPosixMapPosixToWindowsPathEx(mountpoint, &wmount, FALSE);
    if (NT_SUCCESS(st)) {
        st = FspFileSystemSetMountPoint(g_fs, wmount);
        FspPosixDeletePath(wmount);
    }
    if (!NT_SUCCESS(st)) {
        fprintf(stderr, "pendfs: cannot use mount point %s: 0x%08x\n", mountpoint, (unsigned)st);
        FspFileSystemDelete(g_fs);
        return 1;
    }

    /* Block the signals before any thread exists, so that every thread
     * inherits the mask and only the signal thread ever sees them. */
    struct serve_signals sig;
    serve_block_signals(&sig);

    pthread_t completers[COMPLETE_THREADS];
    int ncompleters = 0, rc = 1;
    for (; ncompleters < COMPLETE_THREADS; ncompleters++)
        if (pthread_create(&completers[ncompleters], NULL, completion_thread,
                           (void *)(uintptr_t)(ncompleters + 1)) != 0)
            break;
    if (ncompleters == 0) {
        fprintf(stderr, "pendfs: cannot start completion threads\n");
        goto out;
    }
    rc = NT_SUCCESS(serve_until_stopped(&sig, g_fs, "pendfs")) ? 0 : 1;

    /* No new requests can arrive now; the completion threads drain what is
     * queued (answering requests the session may still wait for) and end. */
    pthread_mutex_lock(&q_lock);
    q_stop = true;
    pthread_cond_broadcast(&q_cond);
    pthread_mutex_unlock(&q_lock);
    for (int i = 0; i < ncompleters; i++)
        pthread_join(completers[i], NULL);
out:
    FspFileSystemDelete(g_fs);
    /* What is still in the table is freed here, so leak checkers stay quiet. */
    for (struct pfile **head = &g_root.next; head; head = head == &g_orphans ? NULL : &g_orphans)
        while (*head) {
            struct pfile *f = *head;
            *head = f->next;
            file_free(f);
        }
    return rc;
}
