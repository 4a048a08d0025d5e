/*
 * guardfs - a small native file system that watches how the adapter calls
 * it: the operation guard's concurrency, the FileContext it is handed, which
 * Cleanups arrive, and how DispatcherStopped is called. It prints what it saw
 * as key=value lines on stdout when it ends.
 *
 *   guardfs -m MOUNTPOINT [-g fine|coarse] [-c node|user2|full] [-p] [-w MS]
 *
 * -g  the operation guard strategy (FspFileSystemSetOperationGuardStrategy).
 * -c  what FileContext is: the file ("node", WinFsp's default), a per-open
 *     descriptor (UmFileContextIsUserContext2), or, with
 *     UmFileContextIsFullContext, a FSP_FSCTL_TRANSACT_FULL_CONTEXT holding
 *     both; every call checks that it got what Open/Create gave.
 * -p  VolumeParams.PostCleanupWhenModifiedOnly.
 * -w  a Read waits up to MS ms for a second Read to be running (so two
 *     readers meet if the guard lets them), and a Rename or an Overwrite
 *     takes MS ms (so lookups and listings sent meanwhile would meet it).
 *     Default 300.
 *
 * Per file, as WinFsp's FSD serializes the calls on one file: Read and
 * GetFileInfo may run together (shared), Write, Overwrite, SetBasicInfo and
 * SetFileSize only alone (exclusive); SetFileSize takes HOLD_MS, so that a
 * call on the same file sent meanwhile would meet it.
 *
 * Report: max_active (most operations running at once), max_reads (Reads at
 * once), excl_overlaps (Open, Create or ReadDirectory running together
 * with a Rename or an Overwrite, which WinFsp's FINE guard runs alone, or two
 * of those), file_overlaps (an exclusive call on a file
 * running together with any other call on it), file_infos (GetFileInfo
 * calls, each a chance to overlap), bad_contexts, cleanups_plain
 * (Cleanup without flags), cleanups_flagged, opens and closes (must match),
 * stopped (DispatcherStopped's Normally: 1, 0, or none if never called).
 *
 * The volume is a flat root directory of at most MAX_FILES small files.
 */
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

#define MAX_FILES  16
#define MAX_NAME   32
#define MAX_DATA   4096
#define DESC_MAGIC 0x64657363u
#define HOLD_MS    20

struct gfile {
    bool used, dir;
    WCHAR name[MAX_NAME];
    size_t namelen;
    char data[MAX_DATA];
    UINT64 size, index, time;
    int sharers, owners; /* calls on the file running now (file_enter) */
};

/* A per-open descriptor (-c user2, -c full). */
struct gdesc {
    uint32_t magic;
    struct gfile *file;
};

enum ctx_mode { CTX_NODE, CTX_USER2, CTX_FULL };
enum op_kind { OP_OTHER, OP_READ, OP_NAMES, OP_EXCL };

static struct gfile g_root = {.used = true, .dir = true, .index = 1};
static struct gfile g_files[MAX_FILES];
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER; /* the table, briefly */
static FSP_FILE_SYSTEM *g_fs;
static enum ctx_mode g_ctx = CTX_NODE;
static unsigned g_wait_ms = 300;

static int n_active, max_active, n_reads, max_reads, n_names, n_excls;
static int excl_overlaps, file_overlaps, file_infos, bad_contexts, cleanups_plain, cleanups_flagged,
    opens, closes;
static int stopped = -1;

static void raise_max(int *max, int now)
{
    int m = __atomic_load_n(max, __ATOMIC_RELAXED);
    while (now > m &&
           !__atomic_compare_exchange_n(max, &m, now, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        ;
}

static void enter(enum op_kind kind)
{
    raise_max(&max_active, __atomic_add_fetch(&n_active, 1, __ATOMIC_SEQ_CST));
    if (kind == OP_READ)
        raise_max(&max_reads, __atomic_add_fetch(&n_reads, 1, __ATOMIC_SEQ_CST));
    if (kind == OP_NAMES) {
        __atomic_add_fetch(&n_names, 1, __ATOMIC_SEQ_CST);
        if (__atomic_load_n(&n_excls, __ATOMIC_SEQ_CST))
            __atomic_add_fetch(&excl_overlaps, 1, __ATOMIC_RELAXED);
    }
    if (kind == OP_EXCL) {
        if (__atomic_add_fetch(&n_excls, 1, __ATOMIC_SEQ_CST) > 1 ||
            __atomic_load_n(&n_names, __ATOMIC_SEQ_CST))
            __atomic_add_fetch(&excl_overlaps, 1, __ATOMIC_RELAXED);
    }
}

static void leave(enum op_kind kind)
{
    if (kind == OP_READ)
        __atomic_sub_fetch(&n_reads, 1, __ATOMIC_SEQ_CST);
    if (kind == OP_NAMES)
        __atomic_sub_fetch(&n_names, 1, __ATOMIC_SEQ_CST);
    if (kind == OP_EXCL)
        __atomic_sub_fetch(&n_excls, 1, __ATOMIC_SEQ_CST);
    __atomic_sub_fetch(&n_active, 1, __ATOMIC_SEQ_CST);
}

/* A call on file f begins: exclusive or shared. Counts a call that meets an
 * exclusive one, as the FSD's per-file lock would never let it. */
static void file_enter(struct gfile *f, bool exclusive)
{
    int *mine = exclusive ? &f->owners : &f->sharers;
    int *theirs = exclusive ? &f->sharers : &f->owners;
    int before = __atomic_fetch_add(mine, 1, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(theirs, __ATOMIC_SEQ_CST) || (exclusive && before))
        __atomic_add_fetch(&file_overlaps, 1, __ATOMIC_RELAXED);
}

static void file_leave(struct gfile *f, bool exclusive)
{
    __atomic_sub_fetch(exclusive ? &f->owners : &f->sharers, 1, __ATOMIC_SEQ_CST);
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static UINT64 now_filetime(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ((UINT64)ts.tv_sec + 11644473600ULL) * 10000000ULL + (UINT64)ts.tv_nsec / 100;
}

/* --- Contexts ---------------------------------------------------------------- */

/* Hand out the context for an open of f, in the mode asked for. */
static NTSTATUS give_context(PVOID *pctx, struct gfile *f)
{
    __atomic_add_fetch(&opens, 1, __ATOMIC_RELAXED);
    if (g_ctx == CTX_NODE) {
        *pctx = f;
        return STATUS_SUCCESS;
    }
    struct gdesc *d = malloc(sizeof *d);
    if (!d) {
        __atomic_sub_fetch(&opens, 1, __ATOMIC_RELAXED);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    d->magic = DESC_MAGIC;
    d->file = f;
    if (g_ctx == CTX_USER2) {
        *pctx = d;
    } else {
        /* What WinFsp passes as PFileContext under UmFileContextIsFullContext. */
        FSP_FSCTL_TRANSACT_FULL_CONTEXT *full = (FSP_FSCTL_TRANSACT_FULL_CONTEXT *)pctx;
        full->UserContext = (UINT64)(uintptr_t)f;
        full->UserContext2 = (UINT64)(uintptr_t)d;
    }
    return STATUS_SUCCESS;
}

/* The file behind a FileContext, checking it is what give_context made. */
static struct gfile *file_of(PVOID ctx)
{
    struct gdesc *d = NULL;
    struct gfile *f = NULL;
    if (g_ctx == CTX_NODE)
        f = ctx;
    else if (g_ctx == CTX_USER2)
        d = ctx, f = d ? d->file : NULL;
    else if (ctx) {
        FSP_FSCTL_TRANSACT_FULL_CONTEXT *full = ctx;
        f = (struct gfile *)(uintptr_t)full->UserContext;
        d = (struct gdesc *)(uintptr_t)full->UserContext2;
        if (d && d->file != f)
            d = NULL;
    }
    bool ok = f && (f == &g_root || (f >= g_files && f < g_files + MAX_FILES)) &&
              (g_ctx == CTX_NODE || (d && d->magic == DESC_MAGIC));
    if (!ok) {
        __atomic_add_fetch(&bad_contexts, 1, __ATOMIC_RELAXED);
        fprintf(stderr, "guardfs: a FileContext that Open/Create did not give\n");
        return &g_root; /* harmless; the report shows the error */
    }
    return f;
}

/* --- The table --------------------------------------------------------------- */

static const WCHAR *leaf_of(const WCHAR *path, size_t *len)
{
    const WCHAR *leaf = path;
    for (const WCHAR *p = path; *p; p++)
        if (*p == u'\\')
            leaf = p + 1;
    *len = 0;
    while (leaf[*len])
        (*len)++;
    return leaf;
}

static struct gfile *lookup(const WCHAR *path)
{
    size_t len;
    const WCHAR *leaf = leaf_of(path, &len);
    if (len == 0)
        return &g_root;
    for (int i = 0; i < MAX_FILES; i++)
        if (g_files[i].used && g_files[i].namelen == len &&
            !memcmp(g_files[i].name, leaf, len * sizeof(WCHAR)))
            return &g_files[i];
    return NULL;
}

static void fill_info(const struct gfile *f, FSP_FSCTL_FILE_INFO *info)
{
    memset(info, 0, sizeof *info);
    info->FileAttributes = f->dir ? FILE_ATTRIBUTE_DIRECTORY : FILE_ATTRIBUTE_NORMAL;
    info->FileSize = f->size;
    info->AllocationSize = (f->size + 4095) / 4096 * 4096;
    info->CreationTime = info->LastAccessTime = info->LastWriteTime = info->ChangeTime = f->time;
    info->IndexNumber = f->index;
}

/* --- Operations -------------------------------------------------------------- */

static NTSTATUS GetVolumeInfo(FSP_FILE_SYSTEM *fs, FSP_FSCTL_VOLUME_INFO *vi)
{
    memset(vi, 0, sizeof *vi);
    vi->TotalSize = vi->FreeSize = MAX_FILES * MAX_DATA;
    return STATUS_SUCCESS;
}

static NTSTATUS Create(FSP_FILE_SYSTEM *fs, PWSTR name, UINT32 options, UINT32 access,
                       UINT32 attributes, PSECURITY_DESCRIPTOR sd, UINT64 alloc, PVOID *pctx,
                       FSP_FSCTL_FILE_INFO *info)
{
    size_t len;
    const WCHAR *leaf = leaf_of(name, &len);
    NTSTATUS st = STATUS_SUCCESS;
    enter(OP_NAMES);
    pthread_mutex_lock(&g_lock);
    struct gfile *f = NULL;
    if (len == 0 || len > MAX_NAME || (options & FILE_DIRECTORY_FILE))
        st = STATUS_ACCESS_DENIED; /* flat: files in the root only */
    else if (lookup(name))
        st = STATUS_OBJECT_NAME_COLLISION;
    for (int i = 0; NT_SUCCESS(st) && !f && i < MAX_FILES; i++)
        if (!g_files[i].used)
            f = &g_files[i];
    if (NT_SUCCESS(st) && !f)
        st = STATUS_DISK_FULL;
    if (NT_SUCCESS(st)) {
        memset(f, 0, sizeof *f);
        f->used = true;
        memcpy(f->name, leaf, len * sizeof(WCHAR));
        f->namelen = len;
        f->index = 2 + (UINT64)(f - g_files);
        f->time = now_filetime();
        st = give_context(pctx, f);
        if (!NT_SUCCESS(st))
            f->used = false;
        else
            fill_info(f, info);
    }
    pthread_mutex_unlock(&g_lock);
    leave(OP_NAMES);
    return st;
}

static NTSTATUS Open(FSP_FILE_SYSTEM *fs, PWSTR name, UINT32 options, UINT32 access, PVOID *pctx,
                     FSP_FSCTL_FILE_INFO *info)
{
    enter(OP_NAMES);
    pthread_mutex_lock(&g_lock);
    struct gfile *f = lookup(name);
    NTSTATUS st = f ? give_context(pctx, f) : STATUS_OBJECT_NAME_NOT_FOUND;
    if (NT_SUCCESS(st))
        fill_info(f, info);
    pthread_mutex_unlock(&g_lock);
    leave(OP_NAMES);
    return st;
}

static NTSTATUS Overwrite(FSP_FILE_SYSTEM *fs, PVOID ctx, UINT32 attributes, BOOLEAN replace,
                          UINT64 alloc, FSP_FSCTL_FILE_INFO *info)
{
    struct gfile *f = file_of(ctx);
    enter(OP_EXCL);
    sleep_ms(g_wait_ms); /* room for a listing to come in, if the guard let it */
    file_enter(f, true);
    f->size = 0;
    fill_info(f, info);
    file_leave(f, true);
    leave(OP_EXCL);
    return STATUS_SUCCESS;
}

static VOID Cleanup(FSP_FILE_SYSTEM *fs, PVOID ctx, PWSTR name, ULONG flags)
{
    struct gfile *f = file_of(ctx);
    enter(OP_OTHER);
    __atomic_add_fetch(flags ? &cleanups_flagged : &cleanups_plain, 1, __ATOMIC_RELAXED);
    if ((flags & FspCleanupDelete) && f != &g_root)
        f->used = false;
    leave(OP_OTHER);
}

static VOID Close(FSP_FILE_SYSTEM *fs, PVOID ctx)
{
    enter(OP_OTHER);
    struct gfile *f = file_of(ctx);
    (void)f;
    if (g_ctx == CTX_USER2)
        free(ctx);
    else if (g_ctx == CTX_FULL)
        free((void *)(uintptr_t)((FSP_FSCTL_TRANSACT_FULL_CONTEXT *)ctx)->UserContext2);
    __atomic_add_fetch(&closes, 1, __ATOMIC_RELAXED);
    leave(OP_OTHER);
}

static NTSTATUS Read(FSP_FILE_SYSTEM *fs, PVOID ctx, PVOID buf, UINT64 offset, ULONG length,
                     PULONG bytes)
{
    struct gfile *f = file_of(ctx);
    enter(OP_READ);
    file_enter(f, false);
    /* Wait (bounded) for another reader: under FINE they meet. */
    for (unsigned waited = 0; waited < g_wait_ms; waited += 5) {
        if (__atomic_load_n(&n_reads, __ATOMIC_SEQ_CST) >= 2)
            break;
        sleep_ms(5);
    }
    NTSTATUS st = STATUS_END_OF_FILE;
    if (offset < f->size) {
        *bytes = (ULONG)(f->size - offset < length ? f->size - offset : length);
        memcpy(buf, f->data + offset, *bytes);
        st = STATUS_SUCCESS;
    }
    file_leave(f, false);
    leave(OP_READ);
    return st;
}

static NTSTATUS Write(FSP_FILE_SYSTEM *fs, PVOID ctx, PVOID buf, UINT64 offset, ULONG length,
                      BOOLEAN to_end, BOOLEAN constrained, PULONG bytes, FSP_FSCTL_FILE_INFO *info)
{
    struct gfile *f = file_of(ctx);
    enter(OP_OTHER);
    file_enter(f, true);
    if (to_end)
        offset = f->size;
    NTSTATUS st = STATUS_DISK_FULL;
    if (offset <= MAX_DATA && length <= MAX_DATA - offset) {
        memcpy(f->data + offset, buf, length);
        if (offset + length > f->size)
            f->size = offset + length;
        *bytes = length;
        fill_info(f, info);
        st = STATUS_SUCCESS;
    }
    file_leave(f, true);
    leave(OP_OTHER);
    return st;
}

static NTSTATUS GetFileInfo(FSP_FILE_SYSTEM *fs, PVOID ctx, FSP_FSCTL_FILE_INFO *info)
{
    struct gfile *f = file_of(ctx);
    enter(OP_OTHER);
    __atomic_add_fetch(&file_infos, 1, __ATOMIC_RELAXED);
    file_enter(f, false);
    fill_info(f, info);
    file_leave(f, false);
    leave(OP_OTHER);
    return STATUS_SUCCESS;
}

static NTSTATUS SetBasicInfo(FSP_FILE_SYSTEM *fs, PVOID ctx, UINT32 attributes, UINT64 crtime,
                             UINT64 atime, UINT64 mtime, UINT64 ctime, FSP_FSCTL_FILE_INFO *info)
{
    struct gfile *f = file_of(ctx);
    enter(OP_OTHER);
    file_enter(f, true);
    fill_info(f, info);
    file_leave(f, true);
    leave(OP_OTHER);
    return STATUS_SUCCESS;
}

static NTSTATUS SetFileSize(FSP_FILE_SYSTEM *fs, PVOID ctx, UINT64 size, BOOLEAN alloc,
                            FSP_FSCTL_FILE_INFO *info)
{
    struct gfile *f = file_of(ctx);
    enter(OP_OTHER);
    file_enter(f, true);
    sleep_ms(HOLD_MS); /* room for a call on the same file, if the adapter let it in */
    if (!alloc && size <= MAX_DATA) {
        if (size > f->size)
            memset(f->data + f->size, 0, size - f->size);
        f->size = size;
    }
    fill_info(f, info);
    file_leave(f, true);
    leave(OP_OTHER);
    return size <= MAX_DATA ? STATUS_SUCCESS : STATUS_DISK_FULL;
}

static NTSTATUS CanDelete(FSP_FILE_SYSTEM *fs, PVOID ctx, PWSTR name)
{
    return file_of(ctx) == &g_root ? STATUS_CANNOT_DELETE : STATUS_SUCCESS;
}

static NTSTATUS Rename(FSP_FILE_SYSTEM *fs, PVOID ctx, PWSTR name, PWSTR newname, BOOLEAN replace)
{
    struct gfile *f = file_of(ctx);
    size_t len;
    const WCHAR *leaf = leaf_of(newname, &len);
    enter(OP_EXCL);
    sleep_ms(g_wait_ms); /* room for a lookup to come in, if the guard let it */
    NTSTATUS st = STATUS_SUCCESS;
    pthread_mutex_lock(&g_lock);
    struct gfile *target = lookup(newname);
    if (len == 0 || len > MAX_NAME || f == &g_root)
        st = STATUS_OBJECT_NAME_INVALID;
    else if (target && target != f && !replace)
        st = STATUS_OBJECT_NAME_COLLISION;
    if (NT_SUCCESS(st)) {
        if (target && target != f)
            target->used = false;
        memcpy(f->name, leaf, len * sizeof(WCHAR));
        f->namelen = len;
    }
    pthread_mutex_unlock(&g_lock);
    leave(OP_EXCL);
    return st;
}

static NTSTATUS ReadDirectory(FSP_FILE_SYSTEM *fs, PVOID ctx, PWSTR pattern, PWSTR marker,
                              PVOID buf, ULONG length, PULONG bytes)
{
    union {
        FSP_FSCTL_DIR_INFO d;
        UINT8 b[sizeof(FSP_FSCTL_DIR_INFO) + MAX_NAME * sizeof(WCHAR)];
    } u;
    (void)file_of(ctx);
    enter(OP_NAMES);
    *bytes = 0;
    pthread_mutex_lock(&g_lock);
    /* Small enough to list in one go: a marker means "all given already". */
    for (int i = 0; !marker && i < MAX_FILES; i++) {
        if (!g_files[i].used)
            continue;
        memset(&u.d, 0, sizeof u.d);
        u.d.Size = (UINT16)(sizeof u.d + g_files[i].namelen * sizeof(WCHAR));
        fill_info(&g_files[i], &u.d.FileInfo);
        memcpy(u.d.FileNameBuf, g_files[i].name, g_files[i].namelen * sizeof(WCHAR));
        if (!FspFileSystemAddDirInfo(&u.d, buf, length, bytes))
            break;
    }
    FspFileSystemAddDirInfo(NULL, buf, length, bytes);
    pthread_mutex_unlock(&g_lock);
    leave(OP_NAMES);
    return STATUS_SUCCESS;
}

static VOID DispatcherStopped(FSP_FILE_SYSTEM *fs, BOOLEAN normally)
{
    stopped = normally ? 1 : 0;
}

static const FSP_FILE_SYSTEM_INTERFACE guardfs_interface = {
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
    .DispatcherStopped = DispatcherStopped,
};

/* --- Main -------------------------------------------------------------------- */

static int usage(void)
{
    fprintf(stderr, "usage: guardfs -m MOUNTPOINT [-g fine|coarse] [-c node|user2|full] [-p]"
                    " [-w MS]\n");
    return 2;
}

int main(int argc, char **argv)
{
    const char *mountpoint = NULL;
    bool coarse = false, post_modified = false;
    int c;
    while ((c = getopt(argc, argv, "m:g:c:pw:")) != -1) {
        switch (c) {
        case 'm':
            mountpoint = optarg;
            break;
        case 'g':
            if (strcmp(optarg, "fine") && strcmp(optarg, "coarse"))
                return usage();
            coarse = !strcmp(optarg, "coarse");
            break;
        case 'c':
            if (!strcmp(optarg, "node"))
                g_ctx = CTX_NODE;
            else if (!strcmp(optarg, "user2"))
                g_ctx = CTX_USER2;
            else if (!strcmp(optarg, "full"))
                g_ctx = CTX_FULL;
            else
                return usage();
            break;
        case 'p':
            post_modified = true;
            break;
        case 'w':
            g_wait_ms = (unsigned)atoi(optarg);
            break;
        default:
            return usage();
        }
    }
    if (!mountpoint || optind != argc)
        return usage();

    g_root.time = now_filetime();
    FSP_FSCTL_VOLUME_PARAMS vp;
    memset(&vp, 0, sizeof vp);
    vp.Version = sizeof vp;
    vp.SectorSize = 512;
    vp.SectorsPerAllocationUnit = 8;
    vp.MaxComponentLength = MAX_NAME;
    vp.CaseSensitiveSearch = 1;
    vp.CasePreservedNames = 1;
    vp.UnicodeOnDisk = 1;
    vp.PostCleanupWhenModifiedOnly = post_modified;
    vp.UmFileContextIsUserContext2 = g_ctx == CTX_USER2;
    vp.UmFileContextIsFullContext = g_ctx == CTX_FULL;
    memcpy(vp.FileSystemName, u"guardfs", sizeof u"guardfs");
    NTSTATUS st = FspFileSystemCreate(FSP_FSCTL_DISK_DEVICE_NAME, &vp, &guardfs_interface, &g_fs);
    if (!NT_SUCCESS(st)) {
        fprintf(stderr, "guardfs: FspFileSystemCreate: 0x%08x\n", (unsigned)st);
        return 1;
    }
    if (coarse)
        FspFileSystemSetOperationGuardStrategy(g_fs, FspFileSystemOperationGuardStrategyCoarse);
    PWSTR wmount = NULL;
    st = FspPosixMapPosixToWindowsPathEx(mountpoint, &wmount, FALSE);
    if (NT_SUCCESS(st)) {
        st = FspFileSystemSetMountPoint(g_fs, wmount);
        FspPosixDeletePath(wmount);
    }
    if (!NT_SUCCESS(st)) {
        fprintf(stderr, "guardfs: cannot mount on %s: 0x%08x\n", mountpoint, (unsigned)st);
        FspFileSystemDelete(g_fs);
        return 1;
    }

    struct serve_signals sig;
    serve_block_signals(&sig);
    int rc = NT_SUCCESS(serve_until_stopped(&sig, g_fs, "guardfs")) ? 0 : 1;
    FspFileSystemDelete(g_fs);

    printf("max_active=%d\nmax_reads=%d\nexcl_overlaps=%d\nfile_overlaps=%d\nfile_infos=%d\n"
           "bad_contexts=%d\ncleanups_plain=%d\ncleanups_flagged=%d\nopens=%d\ncloses=%d\n",
           max_active, max_reads, excl_overlaps, file_overlaps, file_infos, bad_contexts,
           cleanups_plain, cleanups_flagged, opens, closes);
    if (stopped < 0)
        printf("stopped=none\n");
    else
        printf("stopped=%d\n", stopped);
    return rc;
}
