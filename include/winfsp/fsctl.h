/*
 * winfsp/fsctl.h - the data structures shared by a file system and FSP.
 *
 * Same names, field order and sizes as WinFsp's fsctl.h, so that file system
 * code that fills these structures ports unchanged. On Linux there is no
 * transact device: the native adapter builds the request and response
 * structures itself from the kernel's FUSE requests.
 */
#ifndef FSP_FSCTL_H
#define FSP_FSCTL_H

#include <winfsp/ntstatus.h>
#include <winfsp/wintypes.h>

#define FSP_FSCTL_DISK_DEVICE_NAME u"WinFsp.Disk"
#define FSP_FSCTL_NET_DEVICE_NAME  u"WinFsp.Net"

#define FSP_FSCTL_VOLUME_NAME_SIZE      (64 * sizeof(WCHAR))
#define FSP_FSCTL_VOLUME_PREFIX_SIZE    (192 * sizeof(WCHAR))
#define FSP_FSCTL_VOLUME_FSNAME_SIZE    (16 * sizeof(WCHAR))
#define FSP_FSCTL_VOLUME_NAME_SIZEMAX   (FSP_FSCTL_VOLUME_NAME_SIZE + FSP_FSCTL_VOLUME_PREFIX_SIZE)
#define FSP_FSCTL_TRANSACT_PATH_SIZEMAX (1024 * sizeof(WCHAR))
#define FSP_FSCTL_TRANSACT_REQ_SIZEMAX  (16 * 1024 - 64)
#define FSP_FSCTL_TRANSACT_RSP_SIZEMAX  (16 * 1024)
#define FSP_FSCTL_DEVICECONTROL_SIZEMAX (4 * 1024)

#define FSP_FSCTL_DEFAULT_ALIGNMENT 8
#define FSP_FSCTL_ALIGN_UP(x, s)    (((x) + ((s)-1L)) & ~((s)-1L))

/* Transact kinds, in WinFsp's order. */
enum {
    FspFsctlTransactReservedKind = 0,
    FspFsctlTransactCreateKind,
    FspFsctlTransactOverwriteKind,
    FspFsctlTransactCleanupKind,
    FspFsctlTransactCloseKind,
    FspFsctlTransactReadKind,
    FspFsctlTransactWriteKind,
    FspFsctlTransactQueryInformationKind,
    FspFsctlTransactSetInformationKind,
    FspFsctlTransactQueryEaKind,
    FspFsctlTransactSetEaKind,
    FspFsctlTransactFlushBuffersKind,
    FspFsctlTransactQueryVolumeInformationKind,
    FspFsctlTransactSetVolumeInformationKind,
    FspFsctlTransactQueryDirectoryKind,
    FspFsctlTransactFileSystemControlKind,
    FspFsctlTransactDeviceControlKind,
    FspFsctlTransactShutdownKind,
    FspFsctlTransactLockControlKind,
    FspFsctlTransactQuerySecurityKind,
    FspFsctlTransactSetSecurityKind,
    FspFsctlTransactQueryStreamInformationKind,
    FspFsctlTransactKindCount,
};

/* Cleanup flags */
enum {
    FspCleanupDelete = 0x01,
    FspCleanupSetAllocationSize = 0x02,
    FspCleanupSetArchiveBit = 0x10,
    FspCleanupSetLastAccessTime = 0x20,
    FspCleanupSetLastWriteTime = 0x40,
    FspCleanupSetChangeTime = 0x80,
};

typedef struct {
    UINT16 Version; /* 0 or sizeof(FSP_FSCTL_VOLUME_PARAMS) */
    UINT16 SectorSize;
    UINT16 SectorsPerAllocationUnit;
    UINT16 MaxComponentLength; /* maximum file name component length (bytes) */
    UINT64 VolumeCreationTime;
    UINT32 VolumeSerialNumber;
    UINT32 TransactTimeout; /* deprecated */
    UINT32 IrpTimeout;
    UINT32 IrpCapacity;
    UINT32 FileInfoTimeout; /* ms; 0 = no caching; INFINITE = also keep the page cache */
    UINT32 CaseSensitiveSearch : 1;
    UINT32 CasePreservedNames : 1;
    UINT32 UnicodeOnDisk : 1;
    UINT32 PersistentAcls : 1;
    UINT32 ReparsePoints : 1;
    UINT32 ReparsePointsAccessCheck : 1;
    UINT32 NamedStreams : 1;
    /* FSP: files may have several names, told apart from other files by
     * IndexNumber (so it must be unique and stable); with
     * Interface->CreateHardLink, link(2) makes new ones. WinFsp leaves it 0. */
    UINT32 HardLinks : 1;
    UINT32 ExtendedAttributes : 1;
    UINT32 ReadOnlyVolume : 1;
    UINT32 PostCleanupWhenModifiedOnly : 1;
    UINT32 PassQueryDirectoryPattern : 1;
    UINT32 AlwaysUseDoubleBuffering : 1;
    UINT32 PassQueryDirectoryFileName : 1;
    UINT32 FlushAndPurgeOnCleanup : 1;
    UINT32 DeviceControl : 1;
    UINT32 UmFileContextIsUserContext2 : 1;
    UINT32 UmFileContextIsFullContext : 1;
    UINT32 UmNoReparsePointsDirCheck : 1;
    /* FSP: with FileInfoTimeout INFINITE, also cache writes and write them
     * back later (the kernel's FUSE writeback cache); see doc/design.md.
     * Takes a bit WinFsp keeps reserved for user mode. */
    UINT32 UmWritebackCache : 1;
    /* FSP: with NamedStreams, a Linux name "file:stream" opens that named
     * stream (':' is otherwise an ordinary character, translated to U+F03A);
     * see doc/windows-on-linux.md. Takes a bit WinFsp keeps reserved. */
    UINT32 UmNamedStreamNames : 1;
    UINT32 UmReservedFlags : 3;
    UINT32 AllowOpenInKernelMode : 1;
    UINT32 CasePreservedExtendedAttributes : 1;
    UINT32 WslFeatures : 1;
    UINT32 DirectoryMarkerAsNextOffset : 1;
    UINT32 RejectIrpPriorToTransact0 : 1;
    UINT32 SupportsPosixUnlinkRename : 1;
    UINT32 PostDispositionWhenNecessaryOnly : 1;
    UINT32 KmReservedFlags : 1;
    WCHAR Prefix[FSP_FSCTL_VOLUME_PREFIX_SIZE / sizeof(WCHAR)];
    WCHAR FileSystemName[FSP_FSCTL_VOLUME_FSNAME_SIZE / sizeof(WCHAR)];
    /* V1 fields (Version == sizeof(FSP_FSCTL_VOLUME_PARAMS)) */
    UINT32 VolumeInfoTimeoutValid : 1;
    UINT32 DirInfoTimeoutValid : 1;
    UINT32 SecurityTimeoutValid : 1;
    UINT32 StreamInfoTimeoutValid : 1;
    UINT32 EaTimeoutValid : 1;
    UINT32 KmAdditionalReservedFlags : 27;
    UINT32 VolumeInfoTimeout;
    UINT32 DirInfoTimeout;
    UINT32 SecurityTimeout;
    UINT32 StreamInfoTimeout;
    UINT32 EaTimeout;
    UINT32 FsextControlCode;
    UINT32 Reserved32[1];
    UINT64 Reserved64[2];
} FSP_FSCTL_VOLUME_PARAMS;

typedef struct {
    UINT64 TotalSize;
    UINT64 FreeSize;
    UINT16 VolumeLabelLength; /* bytes */
    WCHAR VolumeLabel[32];
} FSP_FSCTL_VOLUME_INFO;

typedef struct {
    UINT32 FileAttributes;
    UINT32 ReparseTag;
    UINT64 AllocationSize;
    UINT64 FileSize;
    UINT64 CreationTime; /* FILETIME: 100 ns units since 1601-01-01 UTC */
    UINT64 LastAccessTime;
    UINT64 LastWriteTime;
    UINT64 ChangeTime;
    UINT64 IndexNumber; /* becomes st_ino; 0 lets FSP pick one */
    UINT32 HardLinks;   /* st_nlink; 0 = unknown (FSP reports 1, or 2 for directories) */
    UINT32 EaSize;
} FSP_FSCTL_FILE_INFO;

typedef struct {
    FSP_FSCTL_FILE_INFO FileInfo;
    PWSTR NormalizedName;
    UINT16 NormalizedNameSize; /* bytes; capacity on entry, length on return */
} FSP_FSCTL_OPEN_FILE_INFO;

typedef struct {
    UINT16 Size; /* of the whole entry, name included */
    FSP_FSCTL_FILE_INFO FileInfo;
    union {
        UINT64 NextOffset;
        UINT8 Padding[24];
    };
    WCHAR FileNameBuf[]; /* not NUL-terminated */
} FSP_FSCTL_DIR_INFO;

typedef struct {
    UINT16 Size;
    UINT64 StreamSize;
    UINT64 StreamAllocationSize;
    WCHAR StreamNameBuf[];
} FSP_FSCTL_STREAM_INFO;

typedef struct {
    UINT16 Size;
    UINT32 Filter;
    UINT32 Action;
    WCHAR FileNameBuf[];
} FSP_FSCTL_NOTIFY_INFO;

typedef struct {
    UINT64 UserContext;
    UINT64 UserContext2;
} FSP_FSCTL_TRANSACT_FULL_CONTEXT;

typedef struct {
    UINT16 Offset;
    UINT16 Size;
} FSP_FSCTL_TRANSACT_BUF;

/*
 * A request as the file system sees it through FspFileSystemGetOperationContext.
 * FSP fills Kind, Hint and the member of Req for the operation in progress.
 * Hint identifies the request in a later FspFileSystemSendResponse.
 */
typedef struct {
    UINT16 Version;
    UINT16 Size;
    UINT32 Kind;
    UINT64 Hint;
    union {
        struct {
            UINT32 CreateOptions;
            UINT32 FileAttributes;
            UINT64 AllocationSize;
            UINT64 AccessToken; /* FSP: (pid << 32) | uid */
            UINT32 DesiredAccess;
            UINT32 GrantedAccess;
            UINT32 ShareAccess;
            UINT32 UserMode : 1;
            UINT32 HasTraversePrivilege : 1;
            UINT32 HasBackupPrivilege : 1;
            UINT32 HasRestorePrivilege : 1;
            UINT32 OpenTargetDirectory : 1;
            UINT32 CaseSensitive : 1;
            UINT32 HasTrailingBackslash : 1;
            UINT32 ReservedFlags : 25;
            UINT16 NamedStream;
        } Create;
        struct {
            UINT64 UserContext;
            UINT64 UserContext2;
            UINT32 FileAttributes;
            UINT64 AllocationSize;
            UINT32 Supersede : 1;
        } Overwrite;
        struct {
            UINT64 UserContext;
            UINT64 UserContext2;
            UINT32 Delete : 1;
            UINT32 SetAllocationSize : 1;
            UINT32 SetArchiveBit : 1;
            UINT32 SetLastAccessTime : 1;
            UINT32 SetLastWriteTime : 1;
            UINT32 SetChangeTime : 1;
        } Cleanup;
        struct {
            UINT64 UserContext;
            UINT64 UserContext2;
        } Close;
        struct {
            UINT64 UserContext;
            UINT64 UserContext2;
            UINT64 Address;
            UINT64 Offset;
            UINT32 Length;
            UINT32 Key;
        } Read;
        struct {
            UINT64 UserContext;
            UINT64 UserContext2;
            UINT64 Address;
            UINT64 Offset;
            UINT32 Length;
            UINT32 Key;
            UINT32 ConstrainedIo : 1;
        } Write;
        struct {
            UINT64 UserContext;
            UINT64 UserContext2;
            UINT64 Address;
            UINT32 Length;
            FSP_FSCTL_TRANSACT_BUF Pattern;
            FSP_FSCTL_TRANSACT_BUF Marker;
            UINT32 CaseSensitive : 1;
            UINT32 PatternIsFileName : 1;
        } QueryDirectory;
        struct {
            UINT64 UserContext;
            UINT64 UserContext2;
        } QueryInformation, SetInformation, FlushBuffers, QuerySecurity, SetSecurity;
    } Req;
    FSP_FSCTL_TRANSACT_BUF FileName;
    UINT8 Buffer[];
} FSP_FSCTL_TRANSACT_REQ;

typedef struct {
    UINT16 Version;
    UINT16 Size;
    UINT32 Kind;
    UINT64 Hint;
    struct {
        UINT32 Information;
        UINT32 Status;
    } IoStatus;
    union {
        union {
            struct {
                UINT64 UserContext;
                UINT64 UserContext2;
                UINT32 GrantedAccess;
                FSP_FSCTL_FILE_INFO FileInfo;
                UINT32 DisableCache : 1;
            } Opened;
        } Create;
        struct {
            FSP_FSCTL_FILE_INFO FileInfo;
        } Overwrite, Write, QueryInformation, SetInformation, FlushBuffers, SetEa;
        struct {
            FSP_FSCTL_VOLUME_INFO VolumeInfo;
        } QueryVolumeInformation, SetVolumeInformation;
    } Rsp;
    UINT8 Buffer[];
} FSP_FSCTL_TRANSACT_RSP;

#endif /* FSP_FSCTL_H */
