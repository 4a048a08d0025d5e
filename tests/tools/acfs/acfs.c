/*
 * acfs - a file system that does its own access checks, as a WinFsp file
 * system may: Open and Create call FspAccessCheckEx with the Create request
 * of the operation in progress (FspFileSystemGetOperationContext()->Request),
 * and Create builds the new file's descriptor with FspCreateSecurityDescriptor
 * from the root's inheritable ACEs. It shows that the native adapter fills
 * that request (doc/windows-on-linux.md, "Security descriptors and ACLs").
 *
 *   acfs -m MOUNTPOINT -l LOG [-r ROOT-SDDL]
 *
 * Every check is logged, one line each:
 *   open NAME uid=U pid=P disp=D opts=0xO desired=0xA granted=0xG st=0xS
 *   create NAME uid=U pid=P disp=D opts=0xO attrs=0xF desired=0xA st=0xS
 * (D: the disposition's name; S: FspAccessCheckEx's status). Opens the
 * adapter makes for itself (lookups, attributes) come without a Create
 * request and are not checked.
 *
 * The volume is a flat root directory of regular files, one mutex for all:
 * a test tool.
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

#include <winfsp/winfsp.h>

#include "../serve.h"

#define NAME_MAX_CHARS 255
#define ALLOC_UNIT     4096

struct afile {
    struct afile *next; /* the root's list, or the orphans */
    WCHAR name[NAME_MAX_CHARS + 1];
    size_t namelen;
    bool is_dir, linked;
    unsigned refs;
    char *data;
    size_t size;
    UINT32 attributes;
    UINT64 ino, time;
    PSECURITY_DESCRIPTOR sd; /* malloc'd by the Fsp* function that made it */
    ULONG sdlen;
};

static FSP_FILE_SYSTEM *g_fs;
static FILE *g_log;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static struct afile g_root = {.is_dir = true, .linked = true, .refs = 1};
static struct afile *g_orphans;
static UINT64 g_next_ino = 2;

static UINT64 now_filetime(void)
{
    struct timespec ts;
    UINT64 ft;
    clock_gettime(CLOCK_REALTIME, &ts);
    FspPosixUnixTimeToFileTime(&ts, &ft);
    return ft;
}

static size_t wlen(const WCHAR *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

static struct afile *lookup(PWSTR path)
{
    if (path[0] != u'\\')
        return NULL;
    if (path[1] == 0)
        return &g_root;
    size_t n = wlen(path + 1);
    for (struct afile *f = g_root.next; f; f = f->next)
        if (f->namelen == n && !memcmp(f->name, path + 1, n * sizeof(WCHAR)))
            return f;
    return NULL;
}

static void drop(struct afile **head, struct afile *f)
{
    for (struct afile **p = head; *p; p = &(*p)->next)
        if (*p == f) {
            *p = f->next;
            break;
        }
    f->next = NULL;
}

static void file_free(struct afile *f)
{
    free(f->data);
    free(f->sd);
    free(f);
}

static void file_put(struct afile *f)
{
    if (--f->refs == 0 && !f->linked && f != &g_root) {
        drop(&g_orphans, f);
        file_free(f);
    }
}

static void fill_info(const struct afile *f, FSP_FSCTL_FILE_INFO *info)
{
    memset(info, 0, sizeof *info);
    info->FileAttributes = f->attributes;
    info->FileSize = f->size;
    info->AllocationSize = (f->size + ALLOC_UNIT - 1) / ALLOC_UNIT * ALLOC_UNIT;
    info->CreationTime = info->LastAccessTime = info->LastWriteTime = info->ChangeTime = f->time;
    info->IndexNumber = f->ino;
}

/* --- The checks ------------------------------------------------------------ */

static const char *disposition_name(UINT32 options)
{
    static const char *const names[] = {"FILE_SUPERSEDE", "FILE_OPEN",      "FILE_CREATE",
                                        "FILE_OPEN_IF",   "FILE_OVERWRITE", "FILE_OVERWRITE_IF"};
    UINT32 d = options >> 24;
    return d < 6 ? names[d] : "?";
}

static void log_name(PWSTR name)
{
    char *posix = NULL;
    if (NT_SUCCESS(FspPosixMapWindowsToPosixPathEx(name, &posix, FALSE))) {
        fputs(posix, g_log);
        FspPosixDeletePath(posix);
    } else
        fputs("?", g_log);
}

/* The Create request in progress, or NULL for the adapter's own opens. */
static FSP_FSCTL_TRANSACT_REQ *create_request(void)
{
    FSP_FSCTL_TRANSACT_REQ *r = FspFileSystemGetOperationContext()->Request;
    return r && r->Kind == FspFsctlTransactCreateKind ? r : NULL;
}

/* --- The file system interface ----------------------------------------------- */

static NTSTATUS GetVolumeInfo(FSP_FILE_SYSTEM *fs, FSP_FSCTL_VOLUME_INFO *vi)
{
    memset(vi, 0, sizeof *vi);
    vi->TotalSize = 1ULL << 30;
    vi->FreeSize = 1ULL << 29;
    return STATUS_SUCCESS;
}

static NTSTATUS GetSecurityByName(FSP_FILE_SYSTEM *fs, PWSTR FileName, PUINT32 PFileAttributes,
                                  PSECURITY_DESCRIPTOR SecurityDescriptor, SIZE_T *PSize)
{
    NTSTATUS st = STATUS_SUCCESS;
    pthread_mutex_lock(&g_lock);
    struct afile *f = lookup(FileName);
    if (!f)
        st = STATUS_OBJECT_NAME_NOT_FOUND;
    else {
        if (PFileAttributes)
            *PFileAttributes = f->attributes;
        if (PSize) {
            if (*PSize < f->sdlen)
                st = STATUS_BUFFER_OVERFLOW;
            else if (SecurityDescriptor)
                memcpy(SecurityDescriptor, f->sd, f->sdlen);
            *PSize = f->sdlen;
        }
    }
    pthread_mutex_unlock(&g_lock);
    return st;
}

static NTSTATUS Create(FSP_FILE_SYSTEM *fs, PWSTR FileName, UINT32 CreateOptions,
                       UINT32 GrantedAccess, UINT32 FileAttributes,
                       PSECURITY_DESCRIPTOR SecurityDescriptor, UINT64 AllocationSize,
                       PVOID *PFileContext, FSP_FSCTL_FILE_INFO *FileInfo)
{
    FSP_FSCTL_TRANSACT_REQ *r = create_request();
    PSECURITY_DESCRIPTOR parent = NULL, sd = NULL;
    UINT32 granted = 0;
    NTSTATUS st;

    if (!r)
        return STATUS_INVALID_DEVICE_REQUEST; /* every create comes with one */
    if (CreateOptions & FILE_DIRECTORY_FILE)
        return STATUS_ACCESS_DENIED; /* flat */
    size_t len = wlen(FileName);
    if (len < 2 || len - 1 > NAME_MAX_CHARS)
        return STATUS_OBJECT_NAME_INVALID;
    for (size_t i = 1; i < len; i++)
        if (FileName[i] == u'\\')
            return STATUS_OBJECT_NAME_INVALID; /* flat */
    /* What WinFsp's DLL does before calling Create. */
    st = FspAccessCheckEx(fs, r, TRUE, TRUE, FILE_ADD_FILE, &granted, &parent);
    if (NT_SUCCESS(st))
        st = FspCreateSecurityDescriptor(fs, r, parent, &sd);
    pthread_mutex_lock(&g_lock);
    fprintf(g_log, "create ");
    log_name(FileName);
    fprintf(g_log, " uid=%u pid=%u disp=%s opts=0x%x attrs=0x%x desired=0x%x st=0x%08x\n",
            (unsigned)r->Req.Create.AccessToken, (unsigned)(r->Req.Create.AccessToken >> 32),
            disposition_name(r->Req.Create.CreateOptions),
            (unsigned)(r->Req.Create.CreateOptions & 0xffffff),
            (unsigned)r->Req.Create.FileAttributes, (unsigned)r->Req.Create.DesiredAccess,
            (unsigned)st);
    struct afile *f = NULL;
    if (NT_SUCCESS(st) && lookup(FileName))
        st = STATUS_OBJECT_NAME_COLLISION;
    else if (NT_SUCCESS(st) && !(f = calloc(1, sizeof *f)))
        st = STATUS_INSUFFICIENT_RESOURCES;
    if (NT_SUCCESS(st)) {
        memcpy(f->name, FileName + 1, (len - 1) * sizeof(WCHAR));
        f->namelen = len - 1;
        f->attributes = FileAttributes ? FileAttributes : FILE_ATTRIBUTE_NORMAL;
        f->ino = g_next_ino++;
        f->time = now_filetime();
        f->refs = 1;
        f->linked = true;
        f->sd = sd;
        f->sdlen = GetSecurityDescriptorLength(sd);
        sd = NULL;
        f->next = g_root.next;
        g_root.next = f;
        fill_info(f, FileInfo);
        *PFileContext = f;
    }
    pthread_mutex_unlock(&g_lock);
    FspDeleteSecurityDescriptor(parent, (NTSTATUS(*)())FspAccessCheckEx);
    FspDeleteSecurityDescriptor(sd, (NTSTATUS(*)())FspCreateSecurityDescriptor);
    return st;
}

static NTSTATUS Open(FSP_FILE_SYSTEM *fs, PWSTR FileName, UINT32 CreateOptions,
                     UINT32 GrantedAccess, PVOID *PFileContext, FSP_FSCTL_FILE_INFO *FileInfo)
{
    FSP_FSCTL_TRANSACT_REQ *r = create_request();
    NTSTATUS st = STATUS_SUCCESS;
    UINT32 granted = 0;

    if (r) {
        st = FspAccessCheckEx(fs, r, FALSE, TRUE, r->Req.Create.DesiredAccess, &granted, NULL);
        pthread_mutex_lock(&g_lock);
        fprintf(g_log, "open ");
        log_name(FileName);
        fprintf(g_log, " uid=%u pid=%u disp=%s opts=0x%x desired=0x%x granted=0x%x st=0x%08x\n",
                (unsigned)r->Req.Create.AccessToken, (unsigned)(r->Req.Create.AccessToken >> 32),
                disposition_name(r->Req.Create.CreateOptions),
                (unsigned)(r->Req.Create.CreateOptions & 0xffffff),
                (unsigned)r->Req.Create.DesiredAccess, (unsigned)granted, (unsigned)st);
        pthread_mutex_unlock(&g_lock);
        if (!NT_SUCCESS(st))
            return st;
    }
    pthread_mutex_lock(&g_lock);
    struct afile *f = lookup(FileName);
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
    struct afile *f = FileContext;
    pthread_mutex_lock(&g_lock);
    f->size = 0;
    f->time = now_filetime();
    fill_info(f, FileInfo);
    pthread_mutex_unlock(&g_lock);
    return STATUS_SUCCESS;
}

static VOID Cleanup(FSP_FILE_SYSTEM *fs, PVOID FileContext, PWSTR FileName, ULONG Flags)
{
    struct afile *f = FileContext;
    pthread_mutex_lock(&g_lock);
    if ((Flags & FspCleanupDelete) && f != &g_root && f->linked) {
        drop(&g_root.next, f);
        f->linked = false;
        f->next = g_orphans;
        g_orphans = f;
    }
    pthread_mutex_unlock(&g_lock);
}

static VOID Close(FSP_FILE_SYSTEM *fs, PVOID FileContext)
{
    pthread_mutex_lock(&g_lock);
    file_put(FileContext);
    pthread_mutex_unlock(&g_lock);
}

static NTSTATUS Read(FSP_FILE_SYSTEM *fs, PVOID FileContext, PVOID Buffer, UINT64 Offset,
                     ULONG Length, PULONG PBytes)
{
    struct afile *f = FileContext;
    NTSTATUS st = STATUS_SUCCESS;
    pthread_mutex_lock(&g_lock);
    *PBytes = 0;
    if (Offset >= f->size)
        st = STATUS_END_OF_FILE;
    else {
        size_t n = f->size - Offset < Length ? f->size - Offset : Length;
        memcpy(Buffer, f->data + Offset, n);
        *PBytes = (ULONG)n;
    }
    pthread_mutex_unlock(&g_lock);
    return st;
}

static NTSTATUS Write(FSP_FILE_SYSTEM *fs, PVOID FileContext, PVOID Buffer, UINT64 Offset,
                      ULONG Length, BOOLEAN WriteToEndOfFile, BOOLEAN ConstrainedIo, PULONG PBytes,
                      FSP_FSCTL_FILE_INFO *FileInfo)
{
    struct afile *f = FileContext;
    NTSTATUS st = STATUS_SUCCESS;
    pthread_mutex_lock(&g_lock);
    if (WriteToEndOfFile)
        Offset = f->size;
    if (Offset + Length > f->size) {
        char *p = realloc(f->data, Offset + Length);
        if (!p)
            st = STATUS_INSUFFICIENT_RESOURCES;
        else {
            memset(p + f->size, 0, Offset + Length - f->size);
            f->data = p;
            f->size = Offset + Length;
        }
    }
    if (NT_SUCCESS(st)) {
        memcpy(f->data + Offset, Buffer, Length);
        *PBytes = Length;
        f->time = now_filetime();
    }
    fill_info(f, FileInfo);
    pthread_mutex_unlock(&g_lock);
    return st;
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
    return GetFileInfo(fs, FileContext, FileInfo);
}

static NTSTATUS SetFileSize(FSP_FILE_SYSTEM *fs, PVOID FileContext, UINT64 NewSize,
                            BOOLEAN SetAllocationSize, FSP_FSCTL_FILE_INFO *FileInfo)
{
    struct afile *f = FileContext;
    pthread_mutex_lock(&g_lock);
    if (!SetAllocationSize && NewSize < f->size)
        f->size = NewSize;
    fill_info(f, FileInfo);
    pthread_mutex_unlock(&g_lock);
    return STATUS_SUCCESS;
}

static NTSTATUS CanDelete(FSP_FILE_SYSTEM *fs, PVOID FileContext, PWSTR FileName)
{
    return FileContext == &g_root ? STATUS_CANNOT_DELETE : STATUS_SUCCESS;
}

static NTSTATUS GetSecurity(FSP_FILE_SYSTEM *fs, PVOID FileContext,
                            PSECURITY_DESCRIPTOR SecurityDescriptor, SIZE_T *PSize)
{
    struct afile *f = FileContext;
    NTSTATUS st = STATUS_SUCCESS;
    pthread_mutex_lock(&g_lock);
    if (*PSize < f->sdlen)
        st = STATUS_BUFFER_OVERFLOW;
    else
        memcpy(SecurityDescriptor, f->sd, f->sdlen);
    *PSize = f->sdlen;
    pthread_mutex_unlock(&g_lock);
    return st;
}

static NTSTATUS SetSecurity(FSP_FILE_SYSTEM *fs, PVOID FileContext, SECURITY_INFORMATION Info,
                            PSECURITY_DESCRIPTOR Modification)
{
    struct afile *f = FileContext;
    PSECURITY_DESCRIPTOR merged = NULL;
    pthread_mutex_lock(&g_lock);
    NTSTATUS st = FspSetSecurityDescriptor(f->sd, Info, Modification, &merged);
    if (NT_SUCCESS(st)) {
        free(f->sd);
        f->sd = merged;
        f->sdlen = GetSecurityDescriptorLength(merged);
    }
    pthread_mutex_unlock(&g_lock);
    return st;
}

static NTSTATUS ReadDirectory(FSP_FILE_SYSTEM *fs, PVOID FileContext, PWSTR Pattern, PWSTR Marker,
                              PVOID Buffer, ULONG Length, PULONG PBytes)
{
    union {
        FSP_FSCTL_DIR_INFO d;
        UINT8 b[sizeof(FSP_FSCTL_DIR_INFO) + NAME_MAX_CHARS * sizeof(WCHAR)];
    } u;
    bool past = Marker == NULL;
    *PBytes = 0;
    pthread_mutex_lock(&g_lock);
    /* The list is in creation order (newest first); a marker resumes after
     * its own name, so listings are a single pass. */
    for (struct afile *f = g_root.next; f; f = f->next) {
        if (!past) {
            past =
                f->namelen == wlen(Marker) && !memcmp(f->name, Marker, f->namelen * sizeof(WCHAR));
            continue;
        }
        memset(&u.d, 0, sizeof u.d);
        u.d.Size = (UINT16)(sizeof u.d + f->namelen * sizeof(WCHAR));
        fill_info(f, &u.d.FileInfo);
        memcpy(u.d.FileNameBuf, f->name, f->namelen * sizeof(WCHAR));
        if (!FspFileSystemAddDirInfo(&u.d, Buffer, Length, PBytes))
            goto out;
    }
    FspFileSystemAddDirInfo(NULL, Buffer, Length, PBytes);
out:
    pthread_mutex_unlock(&g_lock);
    return STATUS_SUCCESS;
}

static const FSP_FILE_SYSTEM_INTERFACE acfs_interface = {
    .GetVolumeInfo = GetVolumeInfo,
    .GetSecurityByName = GetSecurityByName,
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
    .GetSecurity = GetSecurity,
    .SetSecurity = SetSecurity,
    .ReadDirectory = ReadDirectory,
};

int main(int argc, char **argv)
{
    const char *mountpoint = NULL, *logname = NULL;
    const char *root_sddl = "O:BAG:BAD:P(A;;FA;;;WD)(A;OICIIO;FA;;;CO)";
    int c;

    while ((c = getopt(argc, argv, "m:l:r:")) != -1) {
        switch (c) {
        case 'm':
            mountpoint = optarg;
            break;
        case 'l':
            logname = optarg;
            break;
        case 'r':
            root_sddl = optarg;
            break;
        default:
            mountpoint = NULL;
            optind = argc + 1;
        }
    }
    if (!mountpoint || !logname || optind != argc) {
        fprintf(stderr, "usage: acfs -m MOUNTPOINT -l LOG [-r ROOT-SDDL]\n");
        return 2;
    }
    g_log = fopen(logname, "a");
    if (!g_log) {
        fprintf(stderr, "acfs: %s: %s\n", logname, strerror(errno));
        return 1;
    }
    setvbuf(g_log, NULL, _IOLBF, 0);
    PSECURITY_DESCRIPTOR root_sd = NULL;
    if (!ConvertStringSecurityDescriptorToSecurityDescriptorA(root_sddl, SDDL_REVISION_1, &root_sd,
                                                              &g_root.sdlen)) {
        fprintf(stderr, "acfs: bad root SDDL: %u\n", (unsigned)GetLastError());
        fclose(g_log);
        return 2;
    }
    /* Every descriptor here is malloc'd (SetSecurity replaces with free). */
    g_root.sd = malloc(g_root.sdlen);
    if (g_root.sd)
        memcpy(g_root.sd, root_sd, g_root.sdlen);
    LocalFree(root_sd);
    if (!g_root.sd) {
        fclose(g_log);
        return 1;
    }
    g_root.attributes = FILE_ATTRIBUTE_DIRECTORY;
    g_root.ino = 1;
    g_root.time = now_filetime();

    FSP_FSCTL_VOLUME_PARAMS vp;
    memset(&vp, 0, sizeof vp);
    vp.Version = sizeof vp;
    vp.SectorSize = 512;
    vp.SectorsPerAllocationUnit = ALLOC_UNIT / 512;
    vp.MaxComponentLength = NAME_MAX_CHARS;
    vp.CaseSensitiveSearch = 1;
    vp.CasePreservedNames = 1;
    vp.UnicodeOnDisk = 1;
    vp.PersistentAcls = 1;
    memcpy(vp.FileSystemName, u"acfs", sizeof u"acfs");

    int rc = 1;
    NTSTATUS st = FspFileSystemCreate(FSP_FSCTL_DISK_DEVICE_NAME, &vp, &acfs_interface, &g_fs);
    if (!NT_SUCCESS(st)) {
        fprintf(stderr, "acfs: FspFileSystemCreate: 0x%08x\n", (unsigned)st);
        goto out_sd;
    }
    PWSTR wmount = NULL;
    st = FspPosixMapPosixToWindowsPathEx(mountpoint, &wmount, FALSE);
    if (NT_SUCCESS(st)) {
        st = FspFileSystemSetMountPoint(g_fs, wmount);
        FspPosixDeletePath(wmount);
    }
    if (!NT_SUCCESS(st)) {
        fprintf(stderr, "acfs: cannot use mount point %s: 0x%08x\n", mountpoint, (unsigned)st);
        goto out_fs;
    }

    struct serve_signals sig;
    serve_block_signals(&sig);
    rc = NT_SUCCESS(serve_until_stopped(&sig, g_fs, "acfs")) ? 0 : 1;
out_fs:
    FspFileSystemDelete(g_fs);
    for (struct afile **head = &g_root.next; head; head = head == &g_orphans ? NULL : &g_orphans)
        while (*head) {
            struct afile *f = *head;
            *head = f->next;
            file_free(f);
        }
out_sd:
    free(g_root.sd);
    fclose(g_log);
    return rc;
}
