/*
 * fs.c - FSP_FILE_SYSTEM lifecycle: create, mount point, dispatcher, delete.
 *
 * WinFsp splits bringing a volume up into FspFileSystemCreate (the volume),
 * SetMountPoint (where it appears) and StartDispatcher (threads that serve
 * it). Here the mount itself happens when the dispatcher starts, because the
 * kernel begins sending requests the moment the mount exists.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "native.h"
#include "utf.h"

#define FSP_FILEINFO_INFINITE_SEC (365ull * 24 * 3600)

/* FileInfoTimeout INFINITE is WinFsp's "cache data too": the kernel keeps
 * pages across opens and, when the volume asks (UmWritebackCache), writes
 * behind (FUSE_WRITEBACK_CACHE, asked for at INIT). Write-behind is not the
 * default because it changes what a file system sees: WinFsp's cache
 * manager extends a file through the file system before caching a write, so
 * a full disk fails the write(2); the kernel's writeback cache learns of it
 * only when writing back (close, fsync) and keeps the size it cached. Not
 * on case-insensitive volumes either: there a name unlinked under another
 * spelling leaves the kernel's entry for the first spelling behind, and
 * only the attribute refresh that follows the unlink finds it gone; with
 * the writeback cache the kernel keeps ctime itself and skips that refresh. */
static void apply_cache_policy(struct fsp_native *nt, const FSP_FSCTL_VOLUME_PARAMS *vp)
{
    UINT32 timeout = vp->FileInfoTimeout;
    if (timeout == INFINITE) {
        nt->attr_sec = FSP_FILEINFO_INFINITE_SEC;
        nt->attr_nsec = 0;
        nt->keep_cache = true;
        nt->writeback = vp->UmWritebackCache && !nt->case_insensitive; /* if the kernel agrees */
    } else {
        nt->attr_sec = timeout / 1000;
        nt->attr_nsec = (timeout % 1000) * 1000000u;
        nt->keep_cache = false;
        nt->writeback = false;
    }
    /* Listings are WinFsp's DirInfo cache: as FileInfo, unless a V1
     * DirInfoTimeout says otherwise. The kernel keeps a listing until it is
     * invalidated (FOPEN_CACHE_DIR), never for a time, so only INFINITE
     * lets it; changes through the mount invalidate it in the kernel, and
     * the file system's own reach it through FspFileSystemNotify
     * (notify.c). */
    UINT32 dir_timeout = timeout;
    if (vp->Version >= sizeof(*vp) && vp->DirInfoTimeoutValid)
        dir_timeout = vp->DirInfoTimeout;
    nt->cache_dir = dir_timeout == INFINITE;
}

FSP_API NTSTATUS FspFileSystemCreate(PWSTR DevicePath, const FSP_FSCTL_VOLUME_PARAMS *VolumeParams,
                                     const FSP_FILE_SYSTEM_INTERFACE *Interface,
                                     FSP_FILE_SYSTEM **PFileSystem)
{
    *PFileSystem = NULL;
    if (!VolumeParams || !Interface)
        return STATUS_INVALID_PARAMETER;
    if (DevicePath && fsp_wcscmp(DevicePath, FSP_FSCTL_DISK_DEVICE_NAME) != 0 &&
        fsp_wcscmp(DevicePath, FSP_FSCTL_NET_DEVICE_NAME) != 0)
        return STATUS_INVALID_PARAMETER;

    FSP_FILE_SYSTEM *fs = calloc(1, sizeof *fs);
    struct fsp_native *nt = calloc(1, sizeof *nt);
    if (!fs || !nt) {
        free(fs);
        free(nt);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    fs->Version = sizeof *fs;
    fs->Interface = Interface;
    fs->VolumeParams = *VolumeParams;
    if (!fs->VolumeParams.SectorSize)
        fs->VolumeParams.SectorSize = 512;
    if (!fs->VolumeParams.SectorsPerAllocationUnit)
        fs->VolumeParams.SectorsPerAllocationUnit = 1;
    if (!fs->VolumeParams.MaxComponentLength || fs->VolumeParams.MaxComponentLength > 255)
        fs->VolumeParams.MaxComponentLength = 255;
    fs->UmFileContextIsUserContext2 = VolumeParams->UmFileContextIsUserContext2;
    fs->UmFileContextIsFullContext = VolumeParams->UmFileContextIsFullContext;
    fs->OpGuardStrategy = FspFileSystemOperationGuardStrategyFine;
    pthread_rwlock_init(&fs->OpGuardLock, NULL);
    fs->Native = nt;

    nt->fs = fs;
    nt->mount_uid = getuid();
    nt->mount_gid = getgid();
    nt->case_insensitive = !VolumeParams->CaseSensitiveSearch;
    nt->posix_unlink = VolumeParams->SupportsPosixUnlinkRename;
    nt->stream_names = VolumeParams->NamedStreams && VolumeParams->UmNamedStreamNames;
    nt->has_security = Interface->GetSecurity || Interface->GetSecurityByName;
    apply_cache_policy(nt, VolumeParams);
    pthread_mutex_init(&nt->state_lock, NULL);
    pthread_cond_init(&nt->state_cond, NULL);
    pthread_cond_init(&nt->pins_cond, NULL);
    if (fsp_nodes_init(nt) || fsp_notify_init(nt)) {
        fsp_notify_fini(nt);
        fsp_nodes_fini(nt);
        pthread_cond_destroy(&nt->pins_cond);
        free(nt);
        free(fs);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    *PFileSystem = fs;
    return STATUS_SUCCESS;
}

FSP_API VOID FspFileSystemDelete(FSP_FILE_SYSTEM *FileSystem)
{
    if (!FileSystem)
        return;
    struct fsp_native *nt = FileSystem->Native;
    FspFileSystemStopDispatcher(FileSystem);
    FspFileSystemRemoveMountPoint(FileSystem);
    fsp_notify_fini(nt);
    fsp_nodes_fini(nt);
    pthread_mutex_destroy(&nt->state_lock);
    pthread_cond_destroy(&nt->state_cond);
    pthread_cond_destroy(&nt->pins_cond);
    pthread_rwlock_destroy(&FileSystem->OpGuardLock);
    free(nt);
    free(FileSystem);
}

/* A fresh directory for a NULL mount point: the first free <runtime>/fsp/N. */
static char *pick_mountpoint(void)
{
    const char *rt = getenv("XDG_RUNTIME_DIR");
    char base[256];
    snprintf(base, sizeof base, "%s/fsp", rt && *rt ? rt : (geteuid() == 0 ? "/run" : "/tmp"));
    if (mkdir(base, 0755) != 0 && errno != EEXIST)
        return NULL;
    for (int n = 0; n < 10000; n++) {
        char path[300];
        snprintf(path, sizeof path, "%s/%d", base, n);
        if (mkdir(path, 0755) == 0)
            return strdup(path);
        if (errno != EEXIST)
            return NULL;
    }
    return NULL;
}

FSP_API NTSTATUS FspFileSystemSetMountPointEx(FSP_FILE_SYSTEM *FileSystem, PWSTR MountPoint,
                                              PSECURITY_DESCRIPTOR SecurityDescriptor)
{
    struct fsp_native *nt = FileSystem->Native;
    char *posix = NULL;
    bool made = false;
    struct stat st;

    if (nt->mountpoint)
        return STATUS_INVALID_PARAMETER; /* already set */
    if (MountPoint) {
        NTSTATUS status = FspPosixMapWindowsToPosixPathEx(MountPoint, &posix, FALSE);
        if (!NT_SUCCESS(status))
            return status;
        NTSTATUS bad = STATUS_SUCCESS;
        if (stat(posix, &st) != 0)
            bad = FspNtStatusFromErrno(errno);
        else if (!S_ISDIR(st.st_mode))
            bad = STATUS_NOT_A_DIRECTORY;
        if (!NT_SUCCESS(bad)) {
            FspPosixDeletePath(posix);
            return bad;
        }
        nt->mountpoint = strdup(posix);
        FspPosixDeletePath(posix);
    } else {
        nt->mountpoint = pick_mountpoint();
        made = true;
    }
    if (!nt->mountpoint)
        return STATUS_INSUFFICIENT_RESOURCES;
    nt->mountpoint_made = made;

    /* Remember the mount point in its Windows form for FspFileSystemMountPoint. */
    PWSTR wide = NULL;
    if (!NT_SUCCESS(FspPosixMapPosixToWindowsPathEx(nt->mountpoint, &wide, FALSE))) {
        FspFileSystemRemoveMountPoint(FileSystem);
        return STATUS_OBJECT_NAME_INVALID;
    }
    FileSystem->MountPoint = wide;
    if (SecurityDescriptor) {
        UINT32 uid, gid, mode;
        if (NT_SUCCESS(
                FspPosixMapSecurityDescriptorToPermissions(SecurityDescriptor, &uid, &gid, &mode)))
            chmod(nt->mountpoint, mode & 07777);
    }
    return STATUS_SUCCESS;
}

FSP_API NTSTATUS FspFileSystemSetMountPoint(FSP_FILE_SYSTEM *FileSystem, PWSTR MountPoint)
{
    return FspFileSystemSetMountPointEx(FileSystem, MountPoint, NULL);
}

FSP_API VOID FspFileSystemRemoveMountPoint(FSP_FILE_SYSTEM *FileSystem)
{
    struct fsp_native *nt = FileSystem->Native;
    if (nt->session) {
        fsp_session_stop(nt->session);
    }
    if (nt->mountpoint && nt->mountpoint_made && !nt->session)
        rmdir(nt->mountpoint);
    free(nt->mountpoint);
    nt->mountpoint = NULL;
    FspPosixDeletePath(FileSystem->MountPoint);
    FileSystem->MountPoint = NULL;
}

/* Waits for the session to end, then reports it the way WinFsp does. */
static void *dispatcher_waiter(void *arg)
{
    FSP_FILE_SYSTEM *fs = arg;
    struct fsp_native *nt = fs->Native;
    int rc = fsp_session_wait(nt->session);

    pthread_mutex_lock(&nt->state_lock);
    bool normally = nt->stopped; /* StopDispatcher asked for it */
    pthread_mutex_unlock(&nt->state_lock);
    fs->DispatcherResult = rc ? FspNtStatusFromErrno(-rc) : STATUS_SUCCESS;
    if (fs->Interface->DispatcherStopped)
        fs->Interface->DispatcherStopped(fs, normally);

    pthread_mutex_lock(&nt->state_lock);
    nt->stopped = true;
    nt->waiter_done = true;
    pthread_cond_broadcast(&nt->state_cond);
    pthread_mutex_unlock(&nt->state_lock);
    return NULL;
}

static void ascii_lower(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s += 'a' - 'A';
}

/* One operations table serves every native file system in the process. */
static struct fsp_session_ops ops;
static pthread_once_t ops_once = PTHREAD_ONCE_INIT;
static void fill_ops_once(void)
{
    fsp_native_fill_ops(&ops);
}

FSP_API NTSTATUS FspFileSystemStartDispatcher(FSP_FILE_SYSTEM *FileSystem, ULONG ThreadCount)
{
    struct fsp_native *nt = FileSystem->Native;
    char fsname[64] = "fsp", subtype[64] = "fsp";

    if (nt->session)
        return STATUS_INVALID_PARAMETER;
    if (!nt->mountpoint) {
        NTSTATUS st = FspFileSystemSetMountPoint(FileSystem, NULL);
        if (!NT_SUCCESS(st))
            return st;
    }
    pthread_once(&ops_once, fill_ops_once);

    const FSP_FSCTL_VOLUME_PARAMS *vp = &FileSystem->VolumeParams;
    size_t n = 0;
    while (n < 16 && vp->FileSystemName[n])
        n++;
    if (n && fsp_utf16_to_utf8(vp->FileSystemName, n, fsname, sizeof fsname, 0) > 0) {
        snprintf(subtype, sizeof subtype, "%s", fsname[0] == '-' ? fsname + 1 : fsname);
        ascii_lower(subtype);
        for (char *p = subtype; *p; p++)
            if (*p == ',' || *p == ' ')
                *p = '_';
        for (char *p = fsname; *p; p++)
            if (*p == ',' || *p == ' ')
                *p = '_';
    }

    /* A network volume (VolumeParams.Prefix "\Server\Share", WinFsp's UNC
     * prefix) shows as the source "//Server/Share", as Linux shows CIFS
     * shares; the file system name still gives the subtype. */
    char prefix[3 * FSP_FSCTL_VOLUME_PREFIX_SIZE / 2 + 2];
    const char *source = fsname;
    size_t plen = 0;
    while (plen < FSP_FSCTL_VOLUME_PREFIX_SIZE / sizeof(WCHAR) && vp->Prefix[plen])
        plen++;
    if (plen && plen < FSP_FSCTL_VOLUME_PREFIX_SIZE / sizeof(WCHAR) &&
        fsp_utf16_to_utf8(vp->Prefix, plen, prefix + 1, sizeof prefix - 1, FSP_UTF_PATH) > 0) {
        prefix[0] = '/';
        for (char *p = prefix; *p; p++)
            if (*p == ',' || *p == ' ')
                *p = '_';
        source = prefix;
    }

    struct fsp_mount_opts opts = {
        .mountpoint = nt->mountpoint,
        .fsname = source,
        .subtype = subtype,
        .allow_other = geteuid() == 0,
        .default_permissions = true,
        .read_only = vp->ReadOnlyVolume,
        .auto_unmount = true,
        .rootmode = S_IFDIR | 0755,
        .thread_count = ThreadCount,
    };
    nt->session = fsp_session_mount(&opts, &ops, nt);
    if (!nt->session)
        return FspNtStatusFromErrno(errno ? errno : EIO);
    fsp_session_set_debug(nt->session, FileSystem->DebugLog != 0);
    FileSystem->DispatcherThreadCount = ThreadCount;
    nt->stopped = false;
    nt->waiter_done = false;
    int rc = fsp_session_start(nt->session);
    if (rc) {
        fsp_session_destroy(nt->session);
        nt->session = NULL;
        return FspNtStatusFromErrno(-rc);
    }
    nt->started = true;
    if (pthread_create(&nt->waiter, NULL, dispatcher_waiter, FileSystem) != 0) {
        fsp_session_stop(nt->session);
        fsp_session_wait(nt->session);
        fsp_session_destroy(nt->session);
        nt->session = NULL;
        nt->started = false;
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    return STATUS_SUCCESS;
}

FSP_API NTSTATUS FspFileSystemWaitDispatcher(FSP_FILE_SYSTEM *FileSystem)
{
    struct fsp_native *nt = FileSystem->Native;
    pthread_mutex_lock(&nt->state_lock);
    while (nt->session && nt->started && !nt->waiter_done)
        pthread_cond_wait(&nt->state_cond, &nt->state_lock);
    pthread_mutex_unlock(&nt->state_lock);
    return FileSystem->DispatcherResult;
}

/* Any thread may call this, several at once (a signal thread and the main
 * thread's teardown, say): one of them tears the session down, the others
 * wait until it is gone. */
FSP_API VOID FspFileSystemStopDispatcher(FSP_FILE_SYSTEM *FileSystem)
{
    struct fsp_native *nt = FileSystem->Native;
    pthread_mutex_lock(&nt->state_lock);
    if (nt->stopping) {
        while (nt->session)
            pthread_cond_wait(&nt->state_cond, &nt->state_lock);
        pthread_mutex_unlock(&nt->state_lock);
        return;
    }
    struct fsp_session *se = nt->session;
    if (!se) {
        pthread_mutex_unlock(&nt->state_lock);
        return;
    }
    nt->stopping = true;
    if (nt->started)
        nt->stopped = true; /* tells the waiter this stop was asked for */
    pthread_mutex_unlock(&nt->state_lock);

    fsp_session_stop(se);
    FspFileSystemWaitDispatcher(FileSystem);
    pthread_join(nt->waiter, NULL);
    fsp_notify_quiesce(nt);
    fsp_session_destroy(se);
    if (nt->mountpoint && nt->mountpoint_made)
        rmdir(nt->mountpoint);

    pthread_mutex_lock(&nt->state_lock);
    nt->session = NULL;
    nt->started = false;
    nt->stopping = false;
    pthread_cond_broadcast(&nt->state_cond);
    pthread_mutex_unlock(&nt->state_lock);
}

FSP_API VOID FspFileSystemSetDebugLogF(FSP_FILE_SYSTEM *FileSystem, UINT32 DebugLog)
{
    FileSystem->DebugLog = DebugLog;
    if (FileSystem->Native->session)
        fsp_session_set_debug(FileSystem->Native->session, DebugLog != 0);
}
