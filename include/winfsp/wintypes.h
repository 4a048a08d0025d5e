/*
 * winfsp/wintypes.h - the Windows types and constants the native API speaks.
 *
 * WinFsp file systems are written against Windows names (NTSTATUS, WCHAR,
 * FILE_ATTRIBUTE_*, CreateOptions, access masks). FSP keeps those names so a
 * WinFsp file system ports with few changes. WCHAR is UTF-16 (char16_t), so
 * wide literals are written u"..." rather than L"...".
 */
#ifndef FSP_WINTYPES_H
#define FSP_WINTYPES_H

#include <stddef.h>
#include <stdint.h>
#include <uchar.h>

typedef void VOID;
typedef void *PVOID;
typedef uint8_t BOOLEAN, *PBOOLEAN;
typedef int BOOL;
typedef uint8_t UINT8, UCHAR, BYTE, *PUINT8, *PUCHAR;
typedef char CHAR, *PSTR;
typedef int16_t INT16;
typedef uint16_t UINT16, USHORT, *PUINT16, *PUSHORT;
typedef int32_t INT32, LONG, NTSTATUS, *PNTSTATUS;
typedef uint32_t UINT32, ULONG, DWORD, *PUINT32, *PULONG, *PDWORD;
typedef int64_t INT64, LONGLONG;
typedef uint64_t UINT64, ULONGLONG, *PUINT64;
typedef uintptr_t ULONG_PTR, UINT_PTR, SIZE_T, *PSIZE_T;
typedef intptr_t LONG_PTR, INT_PTR;
typedef char16_t WCHAR, *PWSTR;
typedef const char16_t *PCWSTR;
typedef void *HANDLE;
typedef void *PSECURITY_DESCRIPTOR;
typedef void *PSID;
typedef uint32_t SECURITY_INFORMATION, *PSECURITY_INFORMATION;
typedef uint32_t ACCESS_MASK;
typedef const char *PCSTR;
typedef void *HLOCAL; /* memory from the Convert* functions; free with LocalFree */

/* How GENERIC_READ/WRITE/EXECUTE/ALL map to an object's specific rights. */
typedef struct _GENERIC_MAPPING {
    ACCESS_MASK GenericRead;
    ACCESS_MASK GenericWrite;
    ACCESS_MASK GenericExecute;
    ACCESS_MASK GenericAll;
} GENERIC_MAPPING, *PGENERIC_MAPPING;

#ifndef TRUE
#define TRUE  1
#define FALSE 0
#endif

#define INFINITE                0xffffffffu
#define INVALID_FILE_ATTRIBUTES 0xffffffffu

#define NT_SUCCESS(Status) (((NTSTATUS)(Status)) >= 0)

typedef struct _IO_STATUS_BLOCK {
    union {
        NTSTATUS Status;
        PVOID Pointer;
    };
    ULONG_PTR Information;
} IO_STATUS_BLOCK, *PIO_STATUS_BLOCK;

/* File attributes */
#define FILE_ATTRIBUTE_READONLY            0x00000001u
#define FILE_ATTRIBUTE_HIDDEN              0x00000002u
#define FILE_ATTRIBUTE_SYSTEM              0x00000004u
#define FILE_ATTRIBUTE_DIRECTORY           0x00000010u
#define FILE_ATTRIBUTE_ARCHIVE             0x00000020u
#define FILE_ATTRIBUTE_DEVICE              0x00000040u
#define FILE_ATTRIBUTE_NORMAL              0x00000080u
#define FILE_ATTRIBUTE_TEMPORARY           0x00000100u
#define FILE_ATTRIBUTE_SPARSE_FILE         0x00000200u
#define FILE_ATTRIBUTE_REPARSE_POINT       0x00000400u
#define FILE_ATTRIBUTE_COMPRESSED          0x00000800u
#define FILE_ATTRIBUTE_OFFLINE             0x00001000u
#define FILE_ATTRIBUTE_NOT_CONTENT_INDEXED 0x00002000u
#define FILE_ATTRIBUTE_ENCRYPTED           0x00004000u

/* CreateOptions (the low 24 bits; the disposition is in the high 8 bits) */
#define FILE_DIRECTORY_FILE            0x00000001u
#define FILE_WRITE_THROUGH             0x00000002u
#define FILE_SEQUENTIAL_ONLY           0x00000004u
#define FILE_NO_INTERMEDIATE_BUFFERING 0x00000008u
#define FILE_SYNCHRONOUS_IO_ALERT      0x00000010u
#define FILE_SYNCHRONOUS_IO_NONALERT   0x00000020u
#define FILE_NON_DIRECTORY_FILE        0x00000040u
#define FILE_CREATE_TREE_CONNECTION    0x00000080u
#define FILE_COMPLETE_IF_OPLOCKED      0x00000100u
#define FILE_NO_EA_KNOWLEDGE           0x00000200u
#define FILE_RANDOM_ACCESS             0x00000800u
#define FILE_DELETE_ON_CLOSE           0x00001000u
#define FILE_OPEN_BY_FILE_ID           0x00002000u
#define FILE_OPEN_FOR_BACKUP_INTENT    0x00004000u
#define FILE_NO_COMPRESSION            0x00008000u
#define FILE_OPEN_REPARSE_POINT        0x00200000u
#define FILE_OPEN_NO_RECALL            0x00400000u

/* Dispositions */
#define FILE_SUPERSEDE    0u
#define FILE_OPEN         1u
#define FILE_CREATE       2u
#define FILE_OPEN_IF      3u
#define FILE_OVERWRITE    4u
#define FILE_OVERWRITE_IF 5u

/* Access rights */
#define FILE_READ_DATA           0x0001u
#define FILE_LIST_DIRECTORY      0x0001u
#define FILE_WRITE_DATA          0x0002u
#define FILE_ADD_FILE            0x0002u
#define FILE_APPEND_DATA         0x0004u
#define FILE_ADD_SUBDIRECTORY    0x0004u
#define FILE_READ_EA             0x0008u
#define FILE_WRITE_EA            0x0010u
#define FILE_EXECUTE             0x0020u
#define FILE_TRAVERSE            0x0020u
#define FILE_DELETE_CHILD        0x0040u
#define FILE_READ_ATTRIBUTES     0x0080u
#define FILE_WRITE_ATTRIBUTES    0x0100u
#define DELETE                   0x00010000u
#define READ_CONTROL             0x00020000u
#define WRITE_DAC                0x00040000u
#define WRITE_OWNER              0x00080000u
#define SYNCHRONIZE              0x00100000u
#define STANDARD_RIGHTS_REQUIRED 0x000f0000u
#define STANDARD_RIGHTS_READ     READ_CONTROL
#define STANDARD_RIGHTS_WRITE    READ_CONTROL
#define STANDARD_RIGHTS_EXECUTE  READ_CONTROL
#define STANDARD_RIGHTS_ALL      0x001f0000u
#define ACCESS_SYSTEM_SECURITY   0x01000000u
#define MAXIMUM_ALLOWED          0x02000000u
#define GENERIC_ALL              0x10000000u
#define GENERIC_EXECUTE          0x20000000u
#define GENERIC_WRITE            0x40000000u
#define GENERIC_READ             0x80000000u
#define FILE_ALL_ACCESS          (STANDARD_RIGHTS_REQUIRED | SYNCHRONIZE | 0x1ffu)
#define FILE_GENERIC_READ \
    (STANDARD_RIGHTS_READ | FILE_READ_DATA | FILE_READ_ATTRIBUTES | FILE_READ_EA | SYNCHRONIZE)
#define FILE_GENERIC_WRITE                                                             \
    (STANDARD_RIGHTS_WRITE | FILE_WRITE_DATA | FILE_WRITE_ATTRIBUTES | FILE_WRITE_EA | \
     FILE_APPEND_DATA | SYNCHRONIZE)
#define FILE_GENERIC_EXECUTE \
    (STANDARD_RIGHTS_EXECUTE | FILE_READ_ATTRIBUTES | FILE_EXECUTE | SYNCHRONIZE)

/* SECURITY_INFORMATION */
#define OWNER_SECURITY_INFORMATION            0x00000001u
#define GROUP_SECURITY_INFORMATION            0x00000002u
#define DACL_SECURITY_INFORMATION             0x00000004u
#define SACL_SECURITY_INFORMATION             0x00000008u
#define LABEL_SECURITY_INFORMATION            0x00000010u
#define PROTECTED_DACL_SECURITY_INFORMATION   0x80000000u
#define PROTECTED_SACL_SECURITY_INFORMATION   0x40000000u
#define UNPROTECTED_DACL_SECURITY_INFORMATION 0x20000000u
#define UNPROTECTED_SACL_SECURITY_INFORMATION 0x10000000u

/* Reparse tags */
#define IO_REPARSE_TAG_MOUNT_POINT 0xA0000003u
#define IO_REPARSE_TAG_SYMLINK     0xA000000Cu
#define IO_REPARSE_TAG_NFS         0x80000014u

/* Extended attributes, as NtQueryEaFile returns them */
typedef struct _FILE_FULL_EA_INFORMATION {
    ULONG NextEntryOffset;
    UCHAR Flags;
    UCHAR EaNameLength;
    USHORT EaValueLength;
    CHAR EaName[1];
} FILE_FULL_EA_INFORMATION, *PFILE_FULL_EA_INFORMATION;

#define FILE_NEED_EA 0x00000080u

#endif /* FSP_WINTYPES_H */
