/*
 * hello - the smallest useful file system on FSP's native API.
 *
 * A read-only volume with one directory of fixed files, written the way a
 * WinFsp file system is written: fill an FSP_FILE_SYSTEM_INTERFACE, and from
 * a service's start routine create the file system, mount it and start the
 * dispatcher. doc/tutorial.md walks through it.
 *
 *   hello -m MOUNTPOINT
 */
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <winfsp/winfsp.h>

/* The volume's contents. Index 0 is the root directory. */
struct entry {
    const WCHAR *name; /* path below the root, as the file system sees it */
    const char *data;  /* NULL for the directory */
};

static const struct entry entries[] = {
    {u"\\", NULL},
    {u"\\hello.txt", "Hello from FSP's native API!\n"},
    {u"\\README", "This volume is read-only; its files live in the program.\n"},
};
#define NENTRIES (sizeof entries / sizeof entries[0])

static UINT64 start_time; /* FILETIME of mount: every file's four times */
static PSECURITY_DESCRIPTOR root_sd, file_sd;

/* The FileContext for an open file is simply its index + 1 (never NULL). */
#define CONTEXT(i) ((PVOID)(uintptr_t)((i) + 1))
#define INDEX(ctx) ((size_t)(uintptr_t)(ctx)-1)

static size_t wlen(const WCHAR *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

static int find(PWSTR name)
{
    for (size_t i = 0; i < NENTRIES; i++) {
        size_t n = wlen(entries[i].name);
        if (n == wlen(name) && !memcmp(entries[i].name, name, n * sizeof(WCHAR)))
            return (int)i;
    }
    return -1;
}

static void fill_info(size_t i, FSP_FSCTL_FILE_INFO *info)
{
    memset(info, 0, sizeof *info);
    if (entries[i].data) {
        info->FileAttributes = FILE_ATTRIBUTE_READONLY;
        info->FileSize = strlen(entries[i].data);
        info->AllocationSize = (info->FileSize + 511) / 512 * 512;
    } else {
        info->FileAttributes = FILE_ATTRIBUTE_DIRECTORY;
    }
    info->CreationTime = info->LastAccessTime = info->LastWriteTime = info->ChangeTime = start_time;
    info->IndexNumber = i + 1; /* becomes st_ino; the root is 1 */
}

/* --- The interface ----------------------------------------------------- */

static NTSTATUS GetVolumeInfo(FSP_FILE_SYSTEM *fs, FSP_FSCTL_VOLUME_INFO *vi)
{
    vi->TotalSize = vi->FreeSize = 0;
    memcpy(vi->VolumeLabel, u"HELLO", 5 * sizeof(WCHAR));
    vi->VolumeLabelLength = 5 * sizeof(WCHAR);
    return STATUS_SUCCESS;
}

static NTSTATUS GetSecurityByName(FSP_FILE_SYSTEM *fs, PWSTR name, PUINT32 attrs,
                                  PSECURITY_DESCRIPTOR sd, SIZE_T *sdsize)
{
    int i = find(name);
    if (i < 0)
        return STATUS_OBJECT_NAME_NOT_FOUND;
    if (attrs)
        *attrs = entries[i].data ? FILE_ATTRIBUTE_READONLY : FILE_ATTRIBUTE_DIRECTORY;
    if (sdsize) {
        PSECURITY_DESCRIPTOR mine = entries[i].data ? file_sd : root_sd;
        SIZE_T need = GetSecurityDescriptorLength(mine);
        if (*sdsize < need) {
            *sdsize = need;
            return STATUS_BUFFER_OVERFLOW;
        }
        *sdsize = need;
        if (sd)
            memcpy(sd, mine, need);
    }
    return STATUS_SUCCESS;
}

static NTSTATUS Create(FSP_FILE_SYSTEM *fs, PWSTR name, UINT32 options, UINT32 access, UINT32 attrs,
                       PSECURITY_DESCRIPTOR sd, UINT64 size, PVOID *ctx, FSP_FSCTL_FILE_INFO *info)
{
    return STATUS_MEDIA_WRITE_PROTECTED; /* EROFS */
}

static NTSTATUS Open(FSP_FILE_SYSTEM *fs, PWSTR name, UINT32 options, UINT32 access, PVOID *ctx,
                     FSP_FSCTL_FILE_INFO *info)
{
    int i = find(name);
    if (i < 0)
        return STATUS_OBJECT_NAME_NOT_FOUND;
    *ctx = CONTEXT(i);
    fill_info((size_t)i, info);
    return STATUS_SUCCESS;
}

static NTSTATUS Overwrite(FSP_FILE_SYSTEM *fs, PVOID ctx, UINT32 attrs, BOOLEAN replace,
                          UINT64 size, FSP_FSCTL_FILE_INFO *info)
{
    return STATUS_MEDIA_WRITE_PROTECTED;
}

static VOID Close(FSP_FILE_SYSTEM *fs, PVOID ctx)
{
    /* Nothing to free: contexts are indexes into a constant table. */
}

static NTSTATUS Read(FSP_FILE_SYSTEM *fs, PVOID ctx, PVOID buf, UINT64 offset, ULONG length,
                     PULONG bytes)
{
    const char *data = entries[INDEX(ctx)].data;
    size_t size = data ? strlen(data) : 0;
    if (offset >= size)
        return STATUS_END_OF_FILE;
    if (length > size - offset)
        length = (ULONG)(size - offset);
    memcpy(buf, data + offset, length);
    *bytes = length;
    return STATUS_SUCCESS;
}

static NTSTATUS GetFileInfo(FSP_FILE_SYSTEM *fs, PVOID ctx, FSP_FSCTL_FILE_INFO *info)
{
    fill_info(INDEX(ctx), info);
    return STATUS_SUCCESS;
}

static NTSTATUS GetSecurity(FSP_FILE_SYSTEM *fs, PVOID ctx, PSECURITY_DESCRIPTOR sd, SIZE_T *sdsize)
{
    return GetSecurityByName(fs, (PWSTR)entries[INDEX(ctx)].name, NULL, sd, sdsize);
}

/*
 * List the root: entries come sorted by name, and each call returns those
 * after Marker (NULL = from the start), ending with FspFileSystemAddDirInfo
 * (NULL, ...) when everything fit.
 */
static NTSTATUS ReadDirectory(FSP_FILE_SYSTEM *fs, PVOID ctx, PWSTR pattern, PWSTR marker,
                              PVOID buf, ULONG length, PULONG bytes)
{
    union {
        FSP_FSCTL_DIR_INFO d;
        UINT8 space[sizeof(FSP_FSCTL_DIR_INFO) + 64 * sizeof(WCHAR)];
    } di;

    *bytes = 0;
    for (size_t i = 1; i < NENTRIES; i++) {      /* the table is already in name order */
        const WCHAR *name = entries[i].name + 1; /* skip the leading '\' */
        size_t n = wlen(name);
        if (marker) {
            size_t m = wlen(marker);
            int cmp = memcmp(name, marker, (n < m ? n : m) * sizeof(WCHAR));
            if (cmp < 0 || (cmp == 0 && n <= m))
                continue;
        }
        memset(&di.d, 0, sizeof di.d);
        di.d.Size = (UINT16)(sizeof(FSP_FSCTL_DIR_INFO) + n * sizeof(WCHAR));
        fill_info(i, &di.d.FileInfo);
        memcpy(di.d.FileNameBuf, name, n * sizeof(WCHAR));
        if (!FspFileSystemAddDirInfo(&di.d, buf, length, bytes))
            return STATUS_SUCCESS; /* full: the caller comes back with a marker */
    }
    FspFileSystemAddDirInfo(NULL, buf, length, bytes);
    return STATUS_SUCCESS;
}

/* The dispatcher ended. Not normally means the volume was unmounted from
 * outside (umount, fusermount3 -u): nothing is left to serve, so the
 * service stops (what WinFsp's FspFileSystemStopServiceIfNecessary does).
 * Normally: SvcStop stopped it, and the service is stopping already. */
static VOID DispatcherStopped(FSP_FILE_SYSTEM *fs, BOOLEAN normally)
{
    if (!normally)
        FspServiceStop(fs->UserContext);
}

static FSP_FILE_SYSTEM_INTERFACE hello_interface = {
    .GetVolumeInfo = GetVolumeInfo,
    .GetSecurityByName = GetSecurityByName,
    .Create = Create,
    .Open = Open,
    .Overwrite = Overwrite,
    .Close = Close,
    .Read = Read,
    .GetFileInfo = GetFileInfo,
    .GetSecurity = GetSecurity,
    .ReadDirectory = ReadDirectory,
    .DispatcherStopped = DispatcherStopped,
};

/* --- Bringing it up: a service ------------------------------------------ */

/*
 * Like WinFsp's samples, hello is a service of the service framework
 * (FspServiceRun): SvcStart gets the command line, creates, mounts and
 * starts the volume; SIGINT, SIGTERM or SIGHUP (or FspServiceStop from any
 * thread) make the framework call SvcStop, which stops and frees it.
 */
static FSP_FILE_SYSTEM *hello_fs;

static void teardown(void)
{
    if (hello_fs)
        FspFileSystemDelete(hello_fs); /* also undoes the mount */
    hello_fs = NULL;
    FspDeleteSecurityDescriptor(root_sd, (NTSTATUS(*)())FspPosixMapPermissionsToSecurityDescriptor);
    FspDeleteSecurityDescriptor(file_sd, (NTSTATUS(*)())FspPosixMapPermissionsToSecurityDescriptor);
    root_sd = file_sd = NULL;
}

static NTSTATUS SvcStart(FSP_SERVICE *service, ULONG argc, PWSTR *argv)
{
    /* argv is the whole command line, argv[0] included, in UTF-16. */
    if (argc != 3 || wlen(argv[1]) != 2 || memcmp(argv[1], u"-m", 2 * sizeof(WCHAR))) {
        FspServiceLog(EVENTLOG_ERROR_TYPE, "usage: hello -m MOUNTPOINT");
        FspServiceSetExitCode(service, 2);
        return STATUS_INVALID_PARAMETER;
    }

    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    FspPosixUnixTimeToFileTime(&now, &start_time);
    if (!NT_SUCCESS(
            FspPosixMapPermissionsToSecurityDescriptor(getuid(), getgid(), 0555, &root_sd)) ||
        !NT_SUCCESS(
            FspPosixMapPermissionsToSecurityDescriptor(getuid(), getgid(), 0444, &file_sd))) {
        FspServiceLog(EVENTLOG_ERROR_TYPE, "out of memory");
        FspServiceSetExitCode(service, 1);
        teardown();
        return STATUS_INSUFFICIENT_RESOURCES;
    }

    FSP_FSCTL_VOLUME_PARAMS vp;
    memset(&vp, 0, sizeof vp);
    vp.SectorSize = 512;
    vp.SectorsPerAllocationUnit = 1;
    vp.MaxComponentLength = 255;
    vp.FileInfoTimeout = INFINITE; /* nothing ever changes: cache it all */
    vp.CaseSensitiveSearch = 1;
    vp.CasePreservedNames = 1;
    vp.UnicodeOnDisk = 1;
    vp.PersistentAcls = 1;
    vp.ReadOnlyVolume = 1;
    memcpy(vp.FileSystemName, u"hello", 5 * sizeof(WCHAR));

    NTSTATUS st = FspFileSystemCreate(FSP_FSCTL_DISK_DEVICE_NAME, &vp, &hello_interface, &hello_fs);
    if (NT_SUCCESS(st)) {
        hello_fs->UserContext = service; /* for DispatcherStopped */
        /* The Linux path as given: a mount point reads '/' as '\\'. */
        st = FspFileSystemSetMountPoint(hello_fs, argv[2]);
    }
    if (NT_SUCCESS(st))
        st = FspFileSystemStartDispatcher(hello_fs, 0);
    if (!NT_SUCCESS(st)) {
        char *mountpoint = NULL;
        FspPosixMapWindowsToPosixPathEx(argv[2], &mountpoint, FALSE);
        FspServiceLog(EVENTLOG_ERROR_TYPE, "cannot mount on %s (status 0x%08x)",
                      mountpoint ? mountpoint : "?", (unsigned)st);
        FspPosixDeletePath(mountpoint);
        FspServiceSetExitCode(service, 1);
        teardown();
    }
    return st;
}

static NTSTATUS SvcStop(FSP_SERVICE *service)
{
    FspFileSystemStopDispatcher(hello_fs); /* unmounts; DispatcherStopped(TRUE) */
    teardown();
    return STATUS_SUCCESS;
}

int main(void)
{
    /* Runs until stopped, or until the volume is unmounted from outside;
     * returns the exit status (0 when stopped). */
    return (int)FspServiceRun(u"hello", SvcStart, SvcStop, NULL);
}
