/*
 * winfsp/winfsp.h - FSP's native API: WinFsp's user-mode file system API on Linux.
 *
 * A file system fills an FSP_FILE_SYSTEM_INTERFACE, creates an FSP_FILE_SYSTEM
 * with FspFileSystemCreate, mounts it with FspFileSystemSetMountPoint and
 * serves requests with FspFileSystemStartDispatcher. Names, types and argument
 * order follow WinFsp; file names are UTF-16 with '\' separators, rooted at
 * the volume ("\dir\file"). Where Linux differs, the comment says so.
 */
#ifndef FSP_WINFSP_H
#define FSP_WINFSP_H

#include <pthread.h>
#include <stdarg.h>
#include <time.h>

#include <winfsp/fsctl.h>
#include <winfsp/ntstatus.h>
#include <winfsp/wintypes.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FSP_API __attribute__((visibility("default")))

typedef struct _FSP_FILE_SYSTEM FSP_FILE_SYSTEM;

typedef enum {
    FspFileSystemOperationGuardStrategyFine = 0, /* namespace read/write lock (default) */
    FspFileSystemOperationGuardStrategyCoarse,   /* one lock around every operation */
} FSP_FILE_SYSTEM_OPERATION_GUARD_STRATEGY;

/*
 * The file system interface: 64 slots, as in WinFsp. A NULL slot means the
 * operation is not supported. Create (or CreateEx), Open and Overwrite (or
 * OverwriteEx) are required for any open to succeed.
 */
typedef struct _FSP_FILE_SYSTEM_INTERFACE {
    NTSTATUS (*GetVolumeInfo)(FSP_FILE_SYSTEM *FileSystem, FSP_FSCTL_VOLUME_INFO *VolumeInfo);
    NTSTATUS(*SetVolumeLabel)
    (FSP_FILE_SYSTEM *FileSystem, PWSTR VolumeLabel, FSP_FSCTL_VOLUME_INFO *VolumeInfo);
    NTSTATUS(*GetSecurityByName)
    (FSP_FILE_SYSTEM *FileSystem, PWSTR FileName,
     PUINT32 PFileAttributes /* or ReparsePointIndex */, PSECURITY_DESCRIPTOR SecurityDescriptor,
     SIZE_T *PSecurityDescriptorSize);
    NTSTATUS(*Create)
    (FSP_FILE_SYSTEM *FileSystem, PWSTR FileName, UINT32 CreateOptions, UINT32 GrantedAccess,
     UINT32 FileAttributes, PSECURITY_DESCRIPTOR SecurityDescriptor, UINT64 AllocationSize,
     PVOID *PFileContext, FSP_FSCTL_FILE_INFO *FileInfo);
    NTSTATUS(*Open)
    (FSP_FILE_SYSTEM *FileSystem, PWSTR FileName, UINT32 CreateOptions, UINT32 GrantedAccess,
     PVOID *PFileContext, FSP_FSCTL_FILE_INFO *FileInfo);
    NTSTATUS(*Overwrite)
    (FSP_FILE_SYSTEM *FileSystem, PVOID FileContext, UINT32 FileAttributes,
     BOOLEAN ReplaceFileAttributes, UINT64 AllocationSize, FSP_FSCTL_FILE_INFO *FileInfo);
    VOID (*Cleanup)(FSP_FILE_SYSTEM *FileSystem, PVOID FileContext, PWSTR FileName, ULONG Flags);
    VOID (*Close)(FSP_FILE_SYSTEM *FileSystem, PVOID FileContext);
    NTSTATUS(*Read)
    (FSP_FILE_SYSTEM *FileSystem, PVOID FileContext, PVOID Buffer, UINT64 Offset, ULONG Length,
     PULONG PBytesTransferred);
    NTSTATUS(*Write)
    (FSP_FILE_SYSTEM *FileSystem, PVOID FileContext, PVOID Buffer, UINT64 Offset, ULONG Length,
     BOOLEAN WriteToEndOfFile, BOOLEAN ConstrainedIo, PULONG PBytesTransferred,
     FSP_FSCTL_FILE_INFO *FileInfo);
    NTSTATUS(*Flush)
    (FSP_FILE_SYSTEM *FileSystem, PVOID FileContext, FSP_FSCTL_FILE_INFO *FileInfo);
    NTSTATUS(*GetFileInfo)
    (FSP_FILE_SYSTEM *FileSystem, PVOID FileContext, FSP_FSCTL_FILE_INFO *FileInfo);
    NTSTATUS(*SetBasicInfo)
    (FSP_FILE_SYSTEM *FileSystem, PVOID FileContext, UINT32 FileAttributes, UINT64 CreationTime,
     UINT64 LastAccessTime, UINT64 LastWriteTime, UINT64 ChangeTime, FSP_FSCTL_FILE_INFO *FileInfo);
    NTSTATUS(*SetFileSize)
    (FSP_FILE_SYSTEM *FileSystem, PVOID FileContext, UINT64 NewSize, BOOLEAN SetAllocationSize,
     FSP_FSCTL_FILE_INFO *FileInfo);
    NTSTATUS (*CanDelete)(FSP_FILE_SYSTEM *FileSystem, PVOID FileContext, PWSTR FileName);
    NTSTATUS(*Rename)
    (FSP_FILE_SYSTEM *FileSystem, PVOID FileContext, PWSTR FileName, PWSTR NewFileName,
     BOOLEAN ReplaceIfExists);
    NTSTATUS(*GetSecurity)
    (FSP_FILE_SYSTEM *FileSystem, PVOID FileContext, PSECURITY_DESCRIPTOR SecurityDescriptor,
     SIZE_T *PSecurityDescriptorSize);
    NTSTATUS(*SetSecurity)
    (FSP_FILE_SYSTEM *FileSystem, PVOID FileContext, SECURITY_INFORMATION SecurityInformation,
     PSECURITY_DESCRIPTOR ModificationDescriptor);
    NTSTATUS(*ReadDirectory)
    (FSP_FILE_SYSTEM *FileSystem, PVOID FileContext, PWSTR Pattern, PWSTR Marker, PVOID Buffer,
     ULONG Length, PULONG PBytesTransferred);
    NTSTATUS(*ResolveReparsePoints)
    (FSP_FILE_SYSTEM *FileSystem, PWSTR FileName, UINT32 ReparsePointIndex,
     BOOLEAN ResolveLastPathComponent, PIO_STATUS_BLOCK PIoStatus, PVOID Buffer, PSIZE_T PSize);
    NTSTATUS(*GetReparsePoint)
    (FSP_FILE_SYSTEM *FileSystem, PVOID FileContext, PWSTR FileName, PVOID Buffer, PSIZE_T PSize);
    NTSTATUS(*SetReparsePoint)
    (FSP_FILE_SYSTEM *FileSystem, PVOID FileContext, PWSTR FileName, PVOID Buffer, SIZE_T Size);
    NTSTATUS(*DeleteReparsePoint)
    (FSP_FILE_SYSTEM *FileSystem, PVOID FileContext, PWSTR FileName, PVOID Buffer, SIZE_T Size);
    NTSTATUS(*GetStreamInfo)
    (FSP_FILE_SYSTEM *FileSystem, PVOID FileContext, PVOID Buffer, ULONG Length,
     PULONG PBytesTransferred);
    NTSTATUS(*GetDirInfoByName)
    (FSP_FILE_SYSTEM *FileSystem, PVOID FileContext, PWSTR FileName, FSP_FSCTL_DIR_INFO *DirInfo);
    NTSTATUS(*Control)
    (FSP_FILE_SYSTEM *FileSystem, PVOID FileContext, UINT32 ControlCode, PVOID InputBuffer,
     ULONG InputBufferLength, PVOID OutputBuffer, ULONG OutputBufferLength,
     PULONG PBytesTransferred);
    NTSTATUS(*SetDelete)
    (FSP_FILE_SYSTEM *FileSystem, PVOID FileContext, PWSTR FileName, BOOLEAN DeleteFile);
    NTSTATUS(*CreateEx)
    (FSP_FILE_SYSTEM *FileSystem, PWSTR FileName, UINT32 CreateOptions, UINT32 GrantedAccess,
     UINT32 FileAttributes, PSECURITY_DESCRIPTOR SecurityDescriptor, UINT64 AllocationSize,
     PVOID ExtraBuffer, ULONG ExtraLength, BOOLEAN ExtraBufferIsReparsePoint, PVOID *PFileContext,
     FSP_FSCTL_FILE_INFO *FileInfo);
    NTSTATUS(*OverwriteEx)
    (FSP_FILE_SYSTEM *FileSystem, PVOID FileContext, UINT32 FileAttributes,
     BOOLEAN ReplaceFileAttributes, UINT64 AllocationSize, PFILE_FULL_EA_INFORMATION Ea,
     ULONG EaLength, FSP_FSCTL_FILE_INFO *FileInfo);
    NTSTATUS(*GetEa)
    (FSP_FILE_SYSTEM *FileSystem, PVOID FileContext, PFILE_FULL_EA_INFORMATION Ea, ULONG EaLength,
     PULONG PBytesTransferred);
    NTSTATUS(*SetEa)
    (FSP_FILE_SYSTEM *FileSystem, PVOID FileContext, PFILE_FULL_EA_INFORMATION Ea, ULONG EaLength,
     FSP_FSCTL_FILE_INFO *FileInfo);
    NTSTATUS (*Obsolete0)(VOID);
    VOID (*DispatcherStopped)(FSP_FILE_SYSTEM *FileSystem, BOOLEAN Normally);
    /*
     * FSP extension (WinFsp has no such call; its slot is WinFsp's first
     * reserved one). Gives the open file FileContext, reached as FileName,
     * the additional name NewFileName in the same volume: a hard link, as
     * NTFS makes for FileLinkInformation without ReplaceIfExists. Both names
     * then open the same file, which keeps its IndexNumber and reports
     * FileInfo.HardLinks one higher (returned in FileInfo). An existing
     * NewFileName is STATUS_OBJECT_NAME_COLLISION; a directory is
     * STATUS_FILE_IS_A_DIRECTORY. Deleting one name (Cleanup with
     * FspCleanupDelete, or Rename over it) removes only that name; the
     * file lives until its last name is gone and its last handle closed.
     * Called only when VolumeParams.HardLinks is set, under the exclusive
     * operation guard like Rename. NULL: link(2) answers EPERM.
     */
    NTSTATUS(*CreateHardLink)
    (FSP_FILE_SYSTEM *FileSystem, PVOID FileContext, PWSTR FileName, PWSTR NewFileName,
     FSP_FSCTL_FILE_INFO *FileInfo);
    NTSTATUS (*Reserved[30])(VOID);
} FSP_FILE_SYSTEM_INTERFACE;

_Static_assert(sizeof(FSP_FILE_SYSTEM_INTERFACE) == 64 * sizeof(void (*)(void)),
               "FSP_FILE_SYSTEM_INTERFACE must have exactly 64 slots");

typedef struct fsp_native FSP_NATIVE; /* the adapter's private state */

struct _FSP_FILE_SYSTEM {
    UINT16 Version;
    PVOID UserContext; /* free for the file system's own use */
    WCHAR VolumeName[FSP_FSCTL_VOLUME_NAME_SIZEMAX / sizeof(WCHAR)];
    HANDLE VolumeHandle; /* unused on Linux */
    const FSP_FILE_SYSTEM_INTERFACE *Interface;
    FSP_FSCTL_VOLUME_PARAMS VolumeParams; /* a copy of what FspFileSystemCreate got */
    PWSTR MountPoint;                     /* set by SetMountPoint; UTF-16 path */
    UINT32 DebugLog;                      /* bitmask of 1 << TransactKind; -1 = all */
    FSP_FILE_SYSTEM_OPERATION_GUARD_STRATEGY OpGuardStrategy;
    pthread_rwlock_t OpGuardLock;
    ULONG DispatcherThreadCount;
    NTSTATUS DispatcherResult;
    BOOLEAN UmFileContextIsUserContext2, UmFileContextIsFullContext;
    FSP_NATIVE *Native;
};

typedef struct {
    FSP_FSCTL_TRANSACT_REQ *Request;
    FSP_FSCTL_TRANSACT_RSP *Response;
} FSP_FILE_SYSTEM_OPERATION_CONTEXT;

/* --- Lifecycle ------------------------------------------------------------ */

/* DevicePath is FSP_FSCTL_DISK_DEVICE_NAME or FSP_FSCTL_NET_DEVICE_NAME (kept
 * for source compatibility; both mount a FUSE file system). */
FSP_API NTSTATUS FspFileSystemCreate(PWSTR DevicePath, const FSP_FSCTL_VOLUME_PARAMS *VolumeParams,
                                     const FSP_FILE_SYSTEM_INTERFACE *Interface,
                                     FSP_FILE_SYSTEM **PFileSystem);
FSP_API VOID FspFileSystemDelete(FSP_FILE_SYSTEM *FileSystem);
/* MountPoint: a directory path (UTF-16). NULL picks a fresh directory under
 * the runtime directory ($XDG_RUNTIME_DIR/fsp or /run/fsp), like WinFsp's
 * "next free drive letter"; FspFileSystemMountPoint tells which. */
FSP_API NTSTATUS FspFileSystemSetMountPoint(FSP_FILE_SYSTEM *FileSystem, PWSTR MountPoint);
FSP_API NTSTATUS FspFileSystemSetMountPointEx(FSP_FILE_SYSTEM *FileSystem, PWSTR MountPoint,
                                              PSECURITY_DESCRIPTOR SecurityDescriptor);
FSP_API VOID FspFileSystemRemoveMountPoint(FSP_FILE_SYSTEM *FileSystem);
static inline PWSTR FspFileSystemMountPoint(FSP_FILE_SYSTEM *FileSystem)
{
    return FileSystem->MountPoint;
}
/* ThreadCount 0: the number of CPUs, clamped to [4, 16]. */
FSP_API NTSTATUS FspFileSystemStartDispatcher(FSP_FILE_SYSTEM *FileSystem, ULONG ThreadCount);
FSP_API VOID FspFileSystemStopDispatcher(FSP_FILE_SYSTEM *FileSystem);
/* FSP extension: block until the dispatcher has stopped (the volume was
 * unmounted from outside, or StopDispatcher was called). */
FSP_API NTSTATUS FspFileSystemWaitDispatcher(FSP_FILE_SYSTEM *FileSystem);
static inline NTSTATUS FspFileSystemGetDispatcherResult(FSP_FILE_SYSTEM *FileSystem)
{
    return FileSystem->DispatcherResult;
}
FSP_API VOID FspFileSystemSetDebugLogF(FSP_FILE_SYSTEM *FileSystem, UINT32 DebugLog);
static inline VOID FspFileSystemSetDebugLog(FSP_FILE_SYSTEM *FileSystem, UINT32 DebugLog)
{
    FspFileSystemSetDebugLogF(FileSystem, DebugLog);
}
static inline VOID
FspFileSystemSetOperationGuardStrategy(FSP_FILE_SYSTEM *FileSystem,
                                       FSP_FILE_SYSTEM_OPERATION_GUARD_STRATEGY GuardStrategy)
{
    FileSystem->OpGuardStrategy = GuardStrategy;
}

/* --- Operation context and asynchronous replies ---------------------------- */

FSP_API FSP_FILE_SYSTEM_OPERATION_CONTEXT *FspFileSystemGetOperationContext(VOID);
/* The process that caused the current operation (valid during the call). */
FSP_API UINT32 FspFileSystemOperationProcessIdF(VOID);
static inline UINT32 FspFileSystemOperationProcessId(VOID)
{
    return FspFileSystemOperationProcessIdF();
}
/* Complete a request that returned STATUS_PENDING (Read, Write, ReadDirectory).
 * Response->Hint is the Request->Hint of the pending operation. */
FSP_API VOID FspFileSystemSendResponse(FSP_FILE_SYSTEM *FileSystem,
                                       FSP_FSCTL_TRANSACT_RSP *Response);

/* --- Helpers for operations ------------------------------------------------ */

static inline FSP_FSCTL_OPEN_FILE_INFO *FspFileSystemGetOpenFileInfo(FSP_FSCTL_FILE_INFO *FileInfo)
{
    return (FSP_FSCTL_OPEN_FILE_INFO *)FileInfo;
}
/* Append DirInfo to Buffer; DirInfo NULL marks the end of the listing.
 * Returns FALSE when the buffer is full. */
FSP_API BOOLEAN FspFileSystemAddDirInfo(FSP_FSCTL_DIR_INFO *DirInfo, PVOID Buffer, ULONG Length,
                                        PULONG PBytesTransferred);

/* Append StreamInfo to Buffer (GetStreamInfo), packed as AddDirInfo packs;
 * StreamInfo NULL ends the list. Returns FALSE when the buffer is full. The
 * unnamed data stream has an empty name. */
FSP_API BOOLEAN FspFileSystemAddStreamInfo(FSP_FSCTL_STREAM_INFO *StreamInfo, PVOID Buffer,
                                           ULONG Length, PULONG PBytesTransferred);

/* Extended attributes, as lists of FILE_FULL_EA_INFORMATION entries (each
 * starting on a 4-byte boundary; the last one has NextEntryOffset 0).
 * AddEa appends a copy of SingleEa to Ea (Length bytes, *PBytesTransferred
 * used so far) and returns FALSE when it does not fit; SingleEa NULL ends the
 * list (GetEa calls it last). */
FSP_API BOOLEAN FspFileSystemAddEa(PFILE_FULL_EA_INFORMATION SingleEa, PFILE_FULL_EA_INFORMATION Ea,
                                   ULONG EaLength, PULONG PBytesTransferred);
/* What one EA counts towards FileInfo.EaSize: 5 + name + value, as NTFS
 * computes it. */
FSP_API UINT32 FspFileSystemGetEaPackedSize(PFILE_FULL_EA_INFORMATION SingleEa);
/* Call EnumerateEa for each entry of the list (SetEa, CreateEx, OverwriteEx
 * use it), stopping at the first failure, whose status it returns. A
 * malformed list gives STATUS_EA_LIST_INCONSISTENT before any call. */
FSP_API NTSTATUS
FspFileSystemEnumerateEa(FSP_FILE_SYSTEM *FileSystem,
                         NTSTATUS (*EnumerateEa)(FSP_FILE_SYSTEM *FileSystem, PVOID Context,
                                                 PFILE_FULL_EA_INFORMATION SingleEa),
                         PVOID Context, PFILE_FULL_EA_INFORMATION Ea, ULONG EaLength);

/* Directory buffers: a sorted per-directory listing the file system fills
 * once and serves many ReadDirectory calls from. */
FSP_API BOOLEAN FspFileSystemAcquireDirectoryBuffer(PVOID *PDirBuffer, BOOLEAN Reset,
                                                    PNTSTATUS PResult);
FSP_API BOOLEAN FspFileSystemAcquireDirectoryBufferEx(PVOID *PDirBuffer, BOOLEAN Reset,
                                                      ULONG CapacityHint, PNTSTATUS PResult);
FSP_API BOOLEAN FspFileSystemFillDirectoryBuffer(PVOID *PDirBuffer, FSP_FSCTL_DIR_INFO *DirInfo,
                                                 PNTSTATUS PResult);
FSP_API VOID FspFileSystemReleaseDirectoryBuffer(PVOID *PDirBuffer);
FSP_API VOID FspFileSystemReadDirectoryBuffer(PVOID *PDirBuffer, PWSTR Marker, PVOID Buffer,
                                              ULONG Length, PULONG PBytesTransferred);
FSP_API VOID FspFileSystemDeleteDirectoryBuffer(PVOID *PDirBuffer);

/* --- Reparse points ----------------------------------------------------------- */

/* Reparse data, laid out as on Windows (little-endian, packed as declared).
 * Microsoft tags (bit 31 set) use REPARSE_DATA_BUFFER: an 8-byte header and
 * ReparseDataLength bytes of data. Other tags use REPARSE_GUID_DATA_BUFFER:
 * the header, the owner's GUID, then ReparseDataLength bytes of data. */
typedef struct _GUID {
    UINT32 Data1;
    UINT16 Data2;
    UINT16 Data3;
    UINT8 Data4[8];
} GUID;

typedef struct _REPARSE_DATA_BUFFER {
    ULONG ReparseTag;
    USHORT ReparseDataLength;
    USHORT Reserved;
    union {
        struct {
            USHORT SubstituteNameOffset;
            USHORT SubstituteNameLength;
            USHORT PrintNameOffset;
            USHORT PrintNameLength;
            ULONG Flags;
            WCHAR PathBuffer[1];
        } SymbolicLinkReparseBuffer;
        struct {
            USHORT SubstituteNameOffset;
            USHORT SubstituteNameLength;
            USHORT PrintNameOffset;
            USHORT PrintNameLength;
            WCHAR PathBuffer[1];
        } MountPointReparseBuffer;
        struct {
            UCHAR DataBuffer[1];
        } GenericReparseBuffer;
    };
} REPARSE_DATA_BUFFER, *PREPARSE_DATA_BUFFER;

typedef struct _REPARSE_GUID_DATA_BUFFER {
    ULONG ReparseTag;
    USHORT ReparseDataLength;
    USHORT Reserved;
    GUID ReparseGuid;
    struct {
        UCHAR DataBuffer[1];
    } GenericReparseBuffer;
} REPARSE_GUID_DATA_BUFFER, *PREPARSE_GUID_DATA_BUFFER;

#define REPARSE_DATA_BUFFER_HEADER_SIZE      8u
#define REPARSE_GUID_DATA_BUFFER_HEADER_SIZE 24u
#define MAXIMUM_REPARSE_DATA_BUFFER_SIZE     (16u * 1024u)
#define SYMLINK_FLAG_RELATIVE                1u
/* IO_STATUS_BLOCK.Information with STATUS_REPARSE: a new name to open. */
#define IO_REPARSE 0u

#define IsReparseTagMicrosoft(Tag)     (((Tag)&0x80000000u) != 0)
#define IsReparseTagNameSurrogate(Tag) (((Tag)&0x20000000u) != 0)

/* GetReparsePointByName, as the helpers below call it: the reparse data of
 * FileName (a path prefix, "\a\b"; IsDirectory tells whether more of the
 * path follows it) into Buffer (*PSize bytes; size in *PSize on return).
 * Buffer may be NULL when only "is it a reparse point" is asked. Returns
 * STATUS_NOT_A_REPARSE_POINT for an ordinary file or directory,
 * STATUS_OBJECT_NAME_NOT_FOUND when there is no such name. */
typedef NTSTATUS FSP_GET_REPARSE_POINT_BY_NAME(FSP_FILE_SYSTEM *FileSystem, PVOID Context,
                                               PWSTR FileName, BOOLEAN IsDirectory, PVOID Buffer,
                                               PSIZE_T PSize);

/* Is a directory above FileName's last component a reparse point? TRUE, with
 * *PReparsePointIndex (may be NULL) the WCHAR index where the first such
 * component starts: what GetSecurityByName reports with STATUS_REPARSE.
 * The last component is never checked; a path with a stream (':') gives
 * FALSE, as does any error other than STATUS_NOT_A_REPARSE_POINT. */
FSP_API BOOLEAN FspFileSystemFindReparsePoint(FSP_FILE_SYSTEM *FileSystem,
                                              FSP_GET_REPARSE_POINT_BY_NAME *GetReparsePointByName,
                                              PVOID Context, PWSTR FileName,
                                              PUINT32 PReparsePointIndex);
/* The body of a ResolveReparsePoints operation. Starting at
 * ReparsePointIndex, walk FileName and substitute each symlink met
 * (IO_REPARSE_TAG_SYMLINK; the last component only when
 * ResolveLastPathComponent): a target starting with '\' replaces the whole
 * path, any other the link's own component; "." and ".." are folded as they
 * come. Results, all returning STATUS_REPARSE with PIoStatus->Status
 * STATUS_REPARSE:
 *  - a path: Buffer gets an IO_REPARSE_TAG_SYMLINK REPARSE_DATA_BUFFER
 *    whose substitute and print names are the resolved path, Flags
 *    SYMLINK_FLAG_RELATIVE (a volume path) or 0 (an absolute target that
 *    did not carry SYMLINK_FLAG_RELATIVE: a path outside the volume, where
 *    resolution stops); PIoStatus->Information IO_REPARSE_TAG_SYMLINK;
 *  - another reparse point (any other tag): its data, as returned by
 *    GetReparsePointByName, and its tag in PIoStatus->Information; for
 *    IO_REPARSE_TAG_MOUNT_POINT, Reserved holds the byte length of the path
 *    left after it.
 * Failures: STATUS_REPARSE_POINT_NOT_RESOLVED after 31 symlinks (the 32nd
 * is not followed) or when the result does not fit *PSize;
 * STATUS_OBJECT_NAME_NOT_FOUND for a missing directory (a missing last
 * component is a result, not an error); STATUS_OBJECT_PATH_NOT_FOUND for
 * any other error of GetReparsePointByName; STATUS_IO_REPARSE_DATA_INVALID
 * for a malformed symlink or data larger than *PSize. */
FSP_API NTSTATUS FspFileSystemResolveReparsePoints(
    FSP_FILE_SYSTEM *FileSystem, FSP_GET_REPARSE_POINT_BY_NAME *GetReparsePointByName,
    PVOID Context, PWSTR FileName, UINT32 ReparsePointIndex, BOOLEAN ResolveLastPathComponent,
    PIO_STATUS_BLOCK PIoStatus, PVOID Buffer, PSIZE_T PSize);
/* May reparse data replace the current one (SetReparsePoint,
 * DeleteReparsePoint)? STATUS_IO_REPARSE_TAG_MISMATCH if the tags differ;
 * for a non-Microsoft tag STATUS_REPARSE_ATTRIBUTE_CONFLICT unless both
 * carry the same GUID; STATUS_IO_REPARSE_DATA_INVALID if either is shorter
 * than a tag. */
FSP_API NTSTATUS FspFileSystemCanReplaceReparsePoint(PVOID CurrentReparseData,
                                                     SIZE_T CurrentReparseDataSize,
                                                     PVOID ReplaceReparseData,
                                                     SIZE_T ReplaceReparseDataSize);

/* --- Change notification ------------------------------------------------------ */

/* FSP_FSCTL_NOTIFY_INFO.Filter: what changed (Windows' FILE_NOTIFY_CHANGE_*). */
#define FILE_NOTIFY_CHANGE_FILE_NAME    0x00000001u
#define FILE_NOTIFY_CHANGE_DIR_NAME     0x00000002u
#define FILE_NOTIFY_CHANGE_NAME         0x00000003u
#define FILE_NOTIFY_CHANGE_ATTRIBUTES   0x00000004u
#define FILE_NOTIFY_CHANGE_SIZE         0x00000008u
#define FILE_NOTIFY_CHANGE_LAST_WRITE   0x00000010u
#define FILE_NOTIFY_CHANGE_LAST_ACCESS  0x00000020u
#define FILE_NOTIFY_CHANGE_CREATION     0x00000040u
#define FILE_NOTIFY_CHANGE_EA           0x00000080u
#define FILE_NOTIFY_CHANGE_SECURITY     0x00000100u
#define FILE_NOTIFY_CHANGE_STREAM_NAME  0x00000200u
#define FILE_NOTIFY_CHANGE_STREAM_SIZE  0x00000400u
#define FILE_NOTIFY_CHANGE_STREAM_WRITE 0x00000800u
/* FSP_FSCTL_NOTIFY_INFO.Action: how the name changed (FILE_ACTION_*). */
#define FILE_ACTION_ADDED            0x00000001u
#define FILE_ACTION_REMOVED          0x00000002u
#define FILE_ACTION_MODIFIED         0x00000003u
#define FILE_ACTION_RENAMED_OLD_NAME 0x00000004u
#define FILE_ACTION_RENAMED_NEW_NAME 0x00000005u

/* Tell the kernel about changes the file system made on its own (not
 * through the mount), so that cached names, attributes and data are dropped
 * (see native/notify.c for what each action does on Linux). NotifyBegin
 * holds off renames through the mount until NotifyEnd, so the names reported
 * stay valid; it waits at most Timeout ms (INFINITE: for ever) and returns
 * STATUS_CANT_WAIT when a rename holds on longer (retry later). Notify takes
 * records packed with FspFileSystemAddNotifyInfo (each 8-byte aligned; Size
 * is the record's header plus name); FileNameBuf is the full path
 * ("\dir\file"), with the case the file system stores. Notify outside
 * Begin/End brackets itself. Notifications reach the kernel by the time
 * NotifyEnd returns, except when called on a dispatcher thread (inside a
 * file system callback): then a helper thread sends them, since the kernel
 * may wait for that callback's reply before it can apply them. Do not hold
 * a lock your callbacks need across NotifyEnd, for the same reason. */
FSP_API NTSTATUS FspFileSystemNotifyBegin(FSP_FILE_SYSTEM *FileSystem, ULONG Timeout);
FSP_API NTSTATUS FspFileSystemNotifyEnd(FSP_FILE_SYSTEM *FileSystem);
FSP_API NTSTATUS FspFileSystemNotify(FSP_FILE_SYSTEM *FileSystem, FSP_FSCTL_NOTIFY_INFO *NotifyInfo,
                                     ULONG Size);
/* Append NotifyInfo (NotifyInfo->Size bytes) at *PBytesTransferred, padded
 * to 8 bytes; FALSE, writing nothing, when it does not fit. */
FSP_API BOOLEAN FspFileSystemAddNotifyInfo(FSP_FSCTL_NOTIFY_INFO *NotifyInfo, PVOID Buffer,
                                           ULONG Length, PULONG PBytesTransferred);

/* --- Status codes ----------------------------------------------------------- */

/* FSP extensions: NTSTATUS <-> errno (positive errno values). */
FSP_API NTSTATUS FspNtStatusFromErrno(int Errno);
FSP_API int FspErrnoFromNtStatus(NTSTATUS Status);

/* --- POSIX interoperability -------------------------------------------------- */

/* UTF-16 Windows path <-> UTF-8 POSIX path. '\' <-> '/'; with Translate, the
 * characters Windows forbids in names (0x01-0x1f and " * : < > ? \ |) are
 * mapped to U+F000+c on the Windows side and back. Free with FspPosixDeletePath. */
FSP_API NTSTATUS FspPosixMapWindowsToPosixPathEx(PWSTR WindowsPath, char **PPosixPath,
                                                 BOOLEAN Translate);
FSP_API NTSTATUS FspPosixMapPosixToWindowsPathEx(const char *PosixPath, PWSTR *PWindowsPath,
                                                 BOOLEAN Translate);
static inline NTSTATUS FspPosixMapWindowsToPosixPath(PWSTR WindowsPath, char **PPosixPath)
{
    return FspPosixMapWindowsToPosixPathEx(WindowsPath, PPosixPath, TRUE);
}
static inline NTSTATUS FspPosixMapPosixToWindowsPath(const char *PosixPath, PWSTR *PWindowsPath)
{
    return FspPosixMapPosixToWindowsPathEx(PosixPath, PWindowsPath, TRUE);
}
FSP_API VOID FspPosixDeletePath(void *Path);

/* FILETIME (100 ns since 1601) <-> struct timespec (since 1970). */
FSP_API VOID FspPosixFileTimeToUnixTime(UINT64 FileTime, struct timespec *UnixTime);
FSP_API VOID FspPosixUnixTimeToFileTime(const struct timespec *UnixTime, PUINT64 PFileTime);

/* Security descriptors (self-relative, Windows binary layout) and the
 * POSIX permission mapping. Descriptors and SIDs returned here are freed with
 * FspDeleteSecurityDescriptor(sd, (NTSTATUS (*)())Fn) / FspDeleteSid, where Fn is
 * the function that made them. */
FSP_API NTSTATUS FspPosixMapUidToSid(UINT32 Uid, PSID *PSid);
FSP_API NTSTATUS FspPosixMapSidToUid(PSID Sid, PUINT32 PUid);
FSP_API VOID FspDeleteSid(PSID Sid, NTSTATUS (*CreateFunc)(void));
FSP_API NTSTATUS FspPosixMapPermissionsToSecurityDescriptor(
    UINT32 Uid, UINT32 Gid, UINT32 Mode, PSECURITY_DESCRIPTOR *PSecurityDescriptor);
FSP_API NTSTATUS FspPosixMergePermissionsToSecurityDescriptor(
    UINT32 Uid, UINT32 Gid, UINT32 Mode, PSECURITY_DESCRIPTOR ExistingSecurityDescriptor,
    PSECURITY_DESCRIPTOR *PSecurityDescriptor);
FSP_API NTSTATUS FspPosixMapSecurityDescriptorToPermissions(PSECURITY_DESCRIPTOR SecurityDescriptor,
                                                            PUINT32 PUid, PUINT32 PGid,
                                                            PUINT32 PMode);
FSP_API VOID FspDeleteSecurityDescriptor(PSECURITY_DESCRIPTOR SecurityDescriptor,
                                         NTSTATUS (*CreateFunc)(void));
/* Win32 helpers that WinFsp file systems call on descriptors. */
FSP_API ULONG GetSecurityDescriptorLength(PSECURITY_DESCRIPTOR SecurityDescriptor);
FSP_API BOOL IsValidSecurityDescriptor(PSECURITY_DESCRIPTOR SecurityDescriptor);

/* Access checks, as WinFsp's DLL runs them on Create (see native/access.c).
 * Request is the Create request of the operation in progress: the name is
 * FileName.Size bytes of UTF-16 at Request->Buffer + FileName.Offset, and
 * Req.Create.AccessToken is, on FSP, (pid << 32) | uid of the caller, whose
 * groups come from /proc/<pid>/status (or the group database). The caller is
 * checked for FILE_TRAVERSE on every directory above the name (unless
 * AllowTraverseCheck is FALSE or Req.Create.HasTraversePrivilege is set),
 * then for DesiredAccess on the name itself, or with CheckParentOrMain on its
 * parent directory (FILE_ADD_FILE / FILE_ADD_SUBDIRECTORY for a create).
 * Descriptors come from the file system's GetSecurityByName; without it
 * everything is granted. On STATUS_REPARSE *PGrantedAccess is the reparse
 * point index GetSecurityByName reported. PSecurityDescriptor (may be NULL)
 * receives the checked object's descriptor: free it with
 * FspDeleteSecurityDescriptor(sd, (NTSTATUS (*)())FspAccessCheckEx). */
FSP_API PGENERIC_MAPPING FspGetFileGenericMapping(VOID);
FSP_API NTSTATUS FspAccessCheckEx(FSP_FILE_SYSTEM *FileSystem, FSP_FSCTL_TRANSACT_REQ *Request,
                                  BOOLEAN CheckParentOrMain, BOOLEAN AllowTraverseCheck,
                                  UINT32 DesiredAccess, PUINT32 PGrantedAccess,
                                  PSECURITY_DESCRIPTOR *PSecurityDescriptor);
static inline NTSTATUS FspAccessCheck(FSP_FILE_SYSTEM *FileSystem, FSP_FSCTL_TRANSACT_REQ *Request,
                                      BOOLEAN CheckParentOrMain, BOOLEAN AllowTraverseCheck,
                                      UINT32 DesiredAccess, PUINT32 PGrantedAccess)
{
    return FspAccessCheckEx(FileSystem, Request, CheckParentOrMain, AllowTraverseCheck,
                            DesiredAccess, PGrantedAccess, NULL);
}
/* The descriptor for a new file or directory (Request's CreateOptions tell
 * which): ACEs inherited from ParentDescriptor by Windows' rules, owner and
 * group from the requester. Free with FspDeleteSecurityDescriptor. */
FSP_API NTSTATUS FspCreateSecurityDescriptor(FSP_FILE_SYSTEM *FileSystem,
                                             FSP_FSCTL_TRANSACT_REQ *Request,
                                             PSECURITY_DESCRIPTOR ParentDescriptor,
                                             PSECURITY_DESCRIPTOR *PSecurityDescriptor);
/* For SetSecurity: InputDescriptor with the parts SecurityInformation names
 * (owner, group, DACL, SACL, label) taken from ModificationDescriptor;
 * PROTECTED_ / UNPROTECTED_DACL_SECURITY_INFORMATION set or clear
 * SE_DACL_PROTECTED (likewise for the SACL). Generic rights in the new ACLs'
 * effective ACEs are mapped to file rights. Free with
 * FspDeleteSecurityDescriptor. */
FSP_API NTSTATUS FspSetSecurityDescriptor(PSECURITY_DESCRIPTOR InputDescriptor,
                                          SECURITY_INFORMATION SecurityInformation,
                                          PSECURITY_DESCRIPTOR ModificationDescriptor,
                                          PSECURITY_DESCRIPTOR *PSecurityDescriptor);

/* SDDL (Security Descriptor Definition Language), with Windows' names (see
 * native/sddl.c for the grammar FSP supports). The W forms take and return
 * UTF-16, the A forms UTF-8. Results are freed with LocalFree. On failure
 * they return FALSE and set the thread's last error (GetLastError):
 *   ERROR_INVALID_PARAMETER      NULL arguments, malformed SDDL structure
 *   ERROR_UNKNOWN_REVISION       Revision is not SDDL_REVISION_1
 *   ERROR_INVALID_SID            a malformed "S-1-..." string
 *   ERROR_NONE_MAPPED            an unknown two-letter SID alias
 *   ERROR_INVALID_ACL            a malformed or unsupported ACE or ACL
 *   ERROR_INVALID_SECURITY_DESCR an invalid binary descriptor (to string)
 *   ERROR_NOT_ENOUGH_MEMORY      allocation failure */
#define SDDL_REVISION_1 1
#define SDDL_REVISION   SDDL_REVISION_1

#define ERROR_SUCCESS                0u
#define ERROR_NOT_ENOUGH_MEMORY      8u
#define ERROR_INVALID_PARAMETER      87u
#define ERROR_INSUFFICIENT_BUFFER    122u
#define ERROR_UNKNOWN_REVISION       1305u
#define ERROR_NONE_MAPPED            1332u
#define ERROR_INVALID_ACL            1336u
#define ERROR_INVALID_SID            1337u
#define ERROR_INVALID_SECURITY_DESCR 1338u

/* The calling thread's last Win32 error, set by the functions above. */
FSP_API DWORD GetLastError(VOID);
FSP_API VOID SetLastError(DWORD ErrorCode);
/* Frees what the Convert* functions return; returns NULL. */
FSP_API HLOCAL LocalFree(HLOCAL Mem);

FSP_API BOOL ConvertStringSecurityDescriptorToSecurityDescriptorW(
    PCWSTR StringSecurityDescriptor, DWORD StringSDRevision,
    PSECURITY_DESCRIPTOR *SecurityDescriptor, PULONG SecurityDescriptorSize);
FSP_API BOOL ConvertStringSecurityDescriptorToSecurityDescriptorA(
    PCSTR StringSecurityDescriptor, DWORD StringSDRevision,
    PSECURITY_DESCRIPTOR *SecurityDescriptor, PULONG SecurityDescriptorSize);
/* *StringSecurityDescriptorLen (may be NULL) counts characters including the
 * terminating NUL. */
FSP_API BOOL ConvertSecurityDescriptorToStringSecurityDescriptorW(
    PSECURITY_DESCRIPTOR SecurityDescriptor, DWORD RequestedStringSDRevision,
    SECURITY_INFORMATION SecurityInformation, PWSTR *StringSecurityDescriptor,
    PULONG StringSecurityDescriptorLen);
FSP_API BOOL ConvertSecurityDescriptorToStringSecurityDescriptorA(
    PSECURITY_DESCRIPTOR SecurityDescriptor, DWORD RequestedStringSDRevision,
    SECURITY_INFORMATION SecurityInformation, PSTR *StringSecurityDescriptor,
    PULONG StringSecurityDescriptorLen);
/* "S-1-5-32-544" or an SDDL alias ("BA") to a SID, and a SID to "S-1-...". */
FSP_API BOOL ConvertStringSidToSidW(PCWSTR StringSid, PSID *Sid);
FSP_API BOOL ConvertStringSidToSidA(PCSTR StringSid, PSID *Sid);
FSP_API BOOL ConvertSidToStringSidW(PSID Sid, PWSTR *StringSid);
FSP_API BOOL ConvertSidToStringSidA(PSID Sid, PSTR *StringSid);

/* --- Debug log ---------------------------------------------------------------- */

/* printf-style line to the debug log (stderr unless FspDebugLogSetHandle
 * chose a file; on Linux the HANDLE carries a file descriptor, see
 * FSP_FD_TO_HANDLE). */
#define FSP_FD_TO_HANDLE(fd) ((HANDLE)(intptr_t)(fd))
FSP_API VOID FspDebugLog(const char *Format, ...) __attribute__((format(printf, 1, 2)));
FSP_API VOID FspDebugLogSetHandle(HANDLE Handle);

/* --- Service framework (native/service.c) ----------------------------------- */

/*
 * A process that serves file systems: FspServiceRun(Name, OnStart, OnStop,
 * OnControl) creates the service, lets it run in console mode and loops until
 * it stops, like a WinFsp service under the SCM or on a console. On Linux:
 *
 * - OnStart gets the process's command line (/proc/self/cmdline, argv[0]
 *   included) as UTF-16 strings, as WinFsp's console mode passes it. It runs
 *   on the thread in FspServiceLoop, with SIGINT, SIGTERM and SIGHUP blocked,
 *   so every thread it creates inherits that mask and the loop alone takes
 *   those signals. A failure status stops the service at once (OnStop is not
 *   called).
 * - Modes. Console mode (interactive): AllowConsoleMode is set or stdin is a
 *   terminal; messages go to stderr. Service mode: started by systemd (stderr
 *   is the journal stream of $JOURNAL_STREAM, or the parent is PID 1 and
 *   $INVOCATION_ID is set), console mode not allowed on a non-terminal, or
 *   detached by FspServiceDetach; messages go to syslog (LOG_DAEMON, ident =
 *   the service name). With $NOTIFY_SOCKET set, systemd is told READY=1 once
 *   OnStart succeeded and STOPPING=1 when the stop begins, so Type=notify
 *   units work; no fork is needed under systemd.
 * - Controls. SIGINT and SIGTERM are SERVICE_CONTROL_STOP. SIGHUP is the
 *   terminal hanging up in console mode, which WinFsp's console handler also
 *   treats as a stop (SERVICE_CONTROL_SHUTDOWN); in service mode it is
 *   SERVICE_CONTROL_PARAMCHANGE, passed to OnControl when the service
 *   accepts SERVICE_ACCEPT_PARAMCHANGE and ignored otherwise. A stop runs
 *   OnStop on the loop's thread when the service accepts SERVICE_ACCEPT_STOP
 *   (the default); if OnStop fails, the service keeps running.
 * - Exit codes. ExitCode is the process exit status (0-255) FspServiceRun
 *   returns for main to return. If the service set none (0) and OnStart
 *   failed, it becomes FspErrnoFromNtStatus(status) (e.g. 2 for
 *   STATUS_OBJECT_NAME_NOT_FOUND, 13 for STATUS_ACCESS_DENIED), and 1 when
 *   that gives no errno. If the loop itself cannot run, FspServiceRun returns
 *   the errno of its failure.
 */
#define SERVICE_STOPPED             0x1
#define SERVICE_START_PENDING       0x2
#define SERVICE_STOP_PENDING        0x3
#define SERVICE_RUNNING             0x4
#define SERVICE_CONTROL_STOP        0x1
#define SERVICE_CONTROL_SHUTDOWN    0x5
#define SERVICE_CONTROL_PARAMCHANGE 0x6
#define SERVICE_ACCEPT_STOP         0x1
#define SERVICE_ACCEPT_SHUTDOWN     0x4
#define SERVICE_ACCEPT_PARAMCHANGE  0x8
#define EVENTLOG_SUCCESS            0x0
#define EVENTLOG_ERROR_TYPE         0x1
#define EVENTLOG_WARNING_TYPE       0x2
#define EVENTLOG_INFORMATION_TYPE   0x4

typedef struct _SERVICE_STATUS {
    DWORD dwServiceType, dwCurrentState, dwControlsAccepted, dwWin32ExitCode,
        dwServiceSpecificExitCode, dwCheckPoint, dwWaitHint;
} SERVICE_STATUS;

typedef struct _FSP_SERVICE FSP_SERVICE;
typedef NTSTATUS FSP_SERVICE_START(FSP_SERVICE *Service, ULONG argc, PWSTR *argv);
typedef NTSTATUS FSP_SERVICE_STOP(FSP_SERVICE *Service);
typedef NTSTATUS FSP_SERVICE_CONTROL(FSP_SERVICE *Service, ULONG Control, ULONG EventType,
                                     PVOID EventData);

typedef struct fsp_service_private FSP_SERVICE_PRIVATE; /* the loop's state */

struct _FSP_SERVICE {
    UINT16 Version;
    PVOID UserContext; /* free for the service's own use */
    FSP_SERVICE_START *OnStart;
    FSP_SERVICE_STOP *OnStop;
    FSP_SERVICE_CONTROL *OnControl;
    ULONG AcceptControl; /* SERVICE_ACCEPT_* */
    ULONG ExitCode;      /* the process exit status, see above */
    HANDLE StatusHandle; /* unused on Linux */
    SERVICE_STATUS ServiceStatus;
    pthread_mutex_t ServiceStatusGuard;
    FSP_SERVICE_PRIVATE *Private;
    UINT32 AllowConsoleMode : 1;
    WCHAR ServiceName[];
};

FSP_API NTSTATUS FspServiceCreate(PWSTR ServiceName, FSP_SERVICE_START *OnStart,
                                  FSP_SERVICE_STOP *OnStop, FSP_SERVICE_CONTROL *OnControl,
                                  FSP_SERVICE **PService);
FSP_API VOID FspServiceDelete(FSP_SERVICE *Service);
FSP_API VOID FspServiceAllowConsoleMode(FSP_SERVICE *Service);
FSP_API VOID FspServiceAcceptControl(FSP_SERVICE *Service, ULONG Control);
/* Asks the service manager for Time more milliseconds to start or stop
 * (systemd: EXTEND_TIMEOUT_USEC); nothing to do elsewhere. */
FSP_API VOID FspServiceRequestTime(FSP_SERVICE *Service, ULONG Time);
FSP_API VOID FspServiceSetExitCode(FSP_SERVICE *Service, ULONG ExitCode);
FSP_API ULONG FspServiceGetExitCode(FSP_SERVICE *Service);
/* Runs the service (OnStart, then wait for a stop) and returns when it has
 * stopped; STATUS_SUCCESS even when OnStart failed (see ExitCode). */
FSP_API NTSTATUS FspServiceLoop(FSP_SERVICE *Service);
/* Requests a stop; OnStop then runs on the loop's thread. Returns at once,
 * and may be called from any thread (OnStart and the file system's own
 * included) and from a signal handler. A stop requested during OnStart is
 * carried out right after a successful start. */
FSP_API VOID FspServiceStop(FSP_SERVICE *Service);
/* FALSE when the process runs as a service (see Modes above). */
FSP_API BOOLEAN FspServiceIsInteractive(VOID);
/* FSP extension: from OnStart, before it creates any thread, turn into a
 * daemon: fork, the parent waits until OnStart has returned and exits with
 * the service's start result (0 once started), the child goes on in a new
 * session, in service mode, with stdin, stdout and stderr on /dev/null once
 * OnStart returned, and without the descriptors it inherited (those above
 * stderr without close-on-exec). STATUS_UNSUCCESSFUL when called elsewhere. */
FSP_API NTSTATUS FspServiceDetach(FSP_SERVICE *Service);
/* Type is EVENTLOG_*_TYPE: syslog LOG_ERR, LOG_WARNING, LOG_INFO in service
 * mode; "Name: message" lines on stderr in console mode. */
FSP_API VOID FspServiceLog(ULONG Type, const char *Format, ...)
    __attribute__((format(printf, 2, 3)));
FSP_API VOID FspServiceLogV(ULONG Type, const char *Format, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Create, AllowConsoleMode, Loop, Delete: returns the process exit status. */
FSP_API ULONG FspServiceRunEx(PWSTR ServiceName, FSP_SERVICE_START *OnStart,
                              FSP_SERVICE_STOP *OnStop, FSP_SERVICE_CONTROL *OnControl,
                              PVOID UserContext);
static inline ULONG FspServiceRun(PWSTR ServiceName, FSP_SERVICE_START *OnStart,
                                  FSP_SERVICE_STOP *OnStop, FSP_SERVICE_CONTROL *OnControl)
{
    return FspServiceRunEx(ServiceName, OnStart, OnStop, OnControl, 0);
}

/* --- Version -------------------------------------------------------------------- */

#define FSP_VERSION_MAJOR 0
#define FSP_VERSION_MINOR 1
FSP_API NTSTATUS FspVersion(PUINT32 PVersion); /* major << 16 | minor */

#ifdef __cplusplus
}
#endif

#endif /* FSP_WINFSP_H */
