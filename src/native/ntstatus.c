/*
 * ntstatus.c - NTSTATUS <-> errno.
 *
 * Two tables, one per direction, written as X-macro lists and expanded into
 * switch statements (the compiler rejects a duplicate key, and builds a
 * jump table or a binary search: these run on every reply).
 *
 * NTSTATUS -> errno (FspErrnoFromNtStatus), the errno a Linux caller expects:
 *  - Success and informational codes (NT_SUCCESS: STATUS_SUCCESS, _PENDING,
 *    _REPARSE, _NOTIFY_*, ...) give 0. STATUS_PENDING and STATUS_REPARSE are
 *    not final results; the adapter must deal with them before it replies.
 *  - End-of-data statuses give 0 as well: STATUS_END_OF_FILE (a read at or
 *    past EOF is a successful read of 0 bytes), STATUS_NO_MORE_FILES (a
 *    directory read past the last entry returns nothing) and
 *    STATUS_NO_MORE_ENTRIES. The caller replies "success, 0 bytes".
 *  - STATUS_INVALID_DEVICE_REQUEST and STATUS_NOT_IMPLEMENTED give ENOSYS,
 *    which for most opcodes tells the kernel never to send that request
 *    again; the adapter decides where ENOSYS may reach the kernel.
 *  - STATUS_BUFFER_OVERFLOW / STATUS_BUFFER_TOO_SMALL give ERANGE (what
 *    getxattr, listxattr and friends return for a short buffer).
 *  - Anything not in the table (error or warning) gives EIO.
 *
 * errno -> NTSTATUS (FspNtStatusFromErrno): every errno a Linux file system
 * returns. Where an NTSTATUS maps back onto the same errno the pair round-trips
 * (e.g. EPERM -> STATUS_PRIVILEGE_NOT_HELD -> EPERM, not ACCESS_DENIED, which
 * would come back as EACCES). A few errnos have no NTSTATUS of their own and
 * share one (ETXTBSY -> SHARING_VIOLATION -> EBUSY, ENFILE -> EMFILE, ...).
 * 0 gives STATUS_SUCCESS; a negative value is taken as -errno; an unknown
 * errno gives STATUS_UNSUCCESSFUL (which maps back to EIO).
 */
#include <errno.h>

#include <winfsp/winfsp.h>

/* NTSTATUS -> errno */
#define FSP_STATUS_TO_ERRNO(X)                       \
    X(STATUS_END_OF_FILE, 0)                         \
    X(STATUS_NO_MORE_FILES, 0)                       \
    X(STATUS_NO_MORE_ENTRIES, 0)                     \
    X(STATUS_BUFFER_OVERFLOW, ERANGE)                \
    X(STATUS_INVALID_EA_NAME, EINVAL)                \
    X(STATUS_EA_LIST_INCONSISTENT, EINVAL)           \
    X(STATUS_BUFFER_TOO_SMALL, ERANGE)               \
    X(STATUS_DEVICE_BUSY, EBUSY)                     \
    X(STATUS_UNSUCCESSFUL, EIO)                      \
    X(STATUS_NOT_IMPLEMENTED, ENOSYS)                \
    X(STATUS_INVALID_DEVICE_REQUEST, ENOSYS)         \
    X(STATUS_INVALID_INFO_CLASS, EINVAL)             \
    X(STATUS_INFO_LENGTH_MISMATCH, EINVAL)           \
    X(STATUS_ACCESS_VIOLATION, EFAULT)               \
    X(STATUS_INVALID_HANDLE, EBADF)                  \
    X(STATUS_INVALID_PARAMETER, EINVAL)              \
    X(STATUS_NO_SUCH_DEVICE, ENODEV)                 \
    X(STATUS_NO_SUCH_FILE, ENOENT)                   \
    X(STATUS_NO_MEDIA_IN_DEVICE, ENOMEDIUM)          \
    X(STATUS_NO_MEMORY, ENOMEM)                      \
    X(STATUS_CONFLICTING_ADDRESSES, EINVAL)          \
    X(STATUS_ACCESS_DENIED, EACCES)                  \
    X(STATUS_OBJECT_TYPE_MISMATCH, EINVAL)           \
    X(STATUS_NOT_LOCKED, ENOLCK)                     \
    X(STATUS_DISK_CORRUPT_ERROR, EUCLEAN)            \
    X(STATUS_OBJECT_NAME_INVALID, EINVAL)            \
    X(STATUS_OBJECT_NAME_NOT_FOUND, ENOENT)          \
    X(STATUS_OBJECT_NAME_COLLISION, EEXIST)          \
    X(STATUS_OBJECT_PATH_INVALID, ENOTDIR)           \
    X(STATUS_OBJECT_PATH_NOT_FOUND, ENOENT)          \
    X(STATUS_OBJECT_PATH_SYNTAX_BAD, EINVAL)         \
    X(STATUS_DATA_ERROR, EIO)                        \
    X(STATUS_SHARING_VIOLATION, EBUSY)               \
    X(STATUS_QUOTA_EXCEEDED, EDQUOT)                 \
    X(STATUS_EAS_NOT_SUPPORTED, EOPNOTSUPP)          \
    X(STATUS_EA_TOO_LARGE, E2BIG)                    \
    X(STATUS_NONEXISTENT_EA_ENTRY, ENODATA)          \
    X(STATUS_NO_EAS_ON_FILE, ENODATA)                \
    X(STATUS_EA_CORRUPT_ERROR, EIO)                  \
    X(STATUS_FILE_LOCK_CONFLICT, EAGAIN)             \
    X(STATUS_LOCK_NOT_GRANTED, EAGAIN)               \
    X(STATUS_DELETE_PENDING, ENOENT)                 \
    X(STATUS_INVALID_OWNER, EPERM)                   \
    X(STATUS_PRIVILEGE_NOT_HELD, EPERM)              \
    X(STATUS_NONE_MAPPED, EINVAL)                    \
    X(STATUS_INVALID_ACL, EINVAL)                    \
    X(STATUS_INVALID_SID, EINVAL)                    \
    X(STATUS_INVALID_SECURITY_DESCR, EINVAL)         \
    X(STATUS_RANGE_NOT_LOCKED, ENOLCK)               \
    X(STATUS_DISK_FULL, ENOSPC)                      \
    X(STATUS_INTEGER_OVERFLOW, EOVERFLOW)            \
    X(STATUS_FILE_INVALID, ESTALE)                   \
    X(STATUS_INSUFFICIENT_RESOURCES, ENOMEM)         \
    X(STATUS_MEDIA_WRITE_PROTECTED, EROFS)           \
    X(STATUS_DEVICE_NOT_READY, EIO)                  \
    X(STATUS_IO_TIMEOUT, ETIMEDOUT)                  \
    X(STATUS_FILE_IS_A_DIRECTORY, EISDIR)            \
    X(STATUS_NOT_SUPPORTED, EOPNOTSUPP)              \
    X(STATUS_NOT_SAME_DEVICE, EXDEV)                 \
    X(STATUS_CANT_WAIT, EAGAIN)                      \
    X(STATUS_INTERNAL_ERROR, EIO)                    \
    X(STATUS_DIRECTORY_NOT_EMPTY, ENOTEMPTY)         \
    X(STATUS_FILE_CORRUPT_ERROR, EUCLEAN)            \
    X(STATUS_NOT_A_DIRECTORY, ENOTDIR)               \
    X(STATUS_NAME_TOO_LONG, ENAMETOOLONG)            \
    X(STATUS_TOO_MANY_OPENED_FILES, EMFILE)          \
    X(STATUS_CANCELLED, EINTR)                       \
    X(STATUS_CANNOT_DELETE, EPERM)                   \
    X(STATUS_FILE_DELETED, ENOENT)                   \
    X(STATUS_FILE_CLOSED, EBADF)                     \
    X(STATUS_INVALID_LEVEL, EINVAL)                  \
    X(STATUS_PIPE_BROKEN, EPIPE)                     \
    X(STATUS_ILLEGAL_CHARACTER, EILSEQ)              \
    X(STATUS_IO_DEVICE_ERROR, EIO)                   \
    X(STATUS_POSSIBLE_DEADLOCK, EDEADLK)             \
    X(STATUS_CONNECTION_DISCONNECTED, ENOTCONN)      \
    X(STATUS_TOO_MANY_LINKS, EMLINK)                 \
    X(STATUS_NOT_A_REPARSE_POINT, EINVAL)            \
    X(STATUS_IO_REPARSE_TAG_INVALID, EINVAL)         \
    X(STATUS_IO_REPARSE_TAG_MISMATCH, EEXIST)        \
    X(STATUS_REPARSE_ATTRIBUTE_CONFLICT, EEXIST)     \
    X(STATUS_IO_REPARSE_DATA_INVALID, EINVAL)        \
    X(STATUS_IO_REPARSE_TAG_NOT_HANDLED, EOPNOTSUPP) \
    X(STATUS_REPARSE_POINT_NOT_RESOLVED, ELOOP)      \
    X(STATUS_DIRECTORY_IS_A_REPARSE_POINT, ENOTDIR)  \
    X(STATUS_OBJECTID_NOT_FOUND, ENOENT)             \
    X(STATUS_FILE_TOO_LARGE, EFBIG)

/* errno -> NTSTATUS */
#define FSP_ERRNO_TO_STATUS(X)                      \
    X(EPERM, STATUS_PRIVILEGE_NOT_HELD)             \
    X(ENOENT, STATUS_OBJECT_NAME_NOT_FOUND)         \
    X(EIO, STATUS_IO_DEVICE_ERROR)                  \
    X(ENXIO, STATUS_NO_SUCH_DEVICE)                 \
    X(E2BIG, STATUS_EA_TOO_LARGE)                   \
    X(EBADF, STATUS_INVALID_HANDLE)                 \
    X(EAGAIN, STATUS_CANT_WAIT)                     \
    X(ENOMEM, STATUS_INSUFFICIENT_RESOURCES)        \
    X(EACCES, STATUS_ACCESS_DENIED)                 \
    X(EFAULT, STATUS_ACCESS_VIOLATION)              \
    X(EBUSY, STATUS_SHARING_VIOLATION)              \
    X(EEXIST, STATUS_OBJECT_NAME_COLLISION)         \
    X(EXDEV, STATUS_NOT_SAME_DEVICE)                \
    X(ENODEV, STATUS_NO_SUCH_DEVICE)                \
    X(ENOTDIR, STATUS_NOT_A_DIRECTORY)              \
    X(EISDIR, STATUS_FILE_IS_A_DIRECTORY)           \
    X(EINVAL, STATUS_INVALID_PARAMETER)             \
    X(ENFILE, STATUS_TOO_MANY_OPENED_FILES)         \
    X(EMFILE, STATUS_TOO_MANY_OPENED_FILES)         \
    X(ENOTTY, STATUS_INVALID_DEVICE_REQUEST)        \
    X(ETXTBSY, STATUS_SHARING_VIOLATION)            \
    X(EFBIG, STATUS_FILE_TOO_LARGE)                 \
    X(ENOSPC, STATUS_DISK_FULL)                     \
    X(ESPIPE, STATUS_INVALID_PARAMETER)             \
    X(EROFS, STATUS_MEDIA_WRITE_PROTECTED)          \
    X(EMLINK, STATUS_TOO_MANY_LINKS)                \
    X(EPIPE, STATUS_PIPE_BROKEN)                    \
    X(EDOM, STATUS_INVALID_PARAMETER)               \
    X(ERANGE, STATUS_BUFFER_TOO_SMALL)              \
    X(EDEADLK, STATUS_POSSIBLE_DEADLOCK)            \
    X(ENAMETOOLONG, STATUS_NAME_TOO_LONG)           \
    X(ENOLCK, STATUS_RANGE_NOT_LOCKED)              \
    X(ENOSYS, STATUS_NOT_IMPLEMENTED)               \
    X(ENOTEMPTY, STATUS_DIRECTORY_NOT_EMPTY)        \
    X(ELOOP, STATUS_REPARSE_POINT_NOT_RESOLVED)     \
    X(ENODATA, STATUS_NONEXISTENT_EA_ENTRY)         \
    X(EOVERFLOW, STATUS_INTEGER_OVERFLOW)           \
    X(EBADMSG, STATUS_DATA_ERROR)                   \
    X(EILSEQ, STATUS_ILLEGAL_CHARACTER)             \
    X(EOPNOTSUPP, STATUS_NOT_SUPPORTED)             \
    X(ESTALE, STATUS_FILE_INVALID)                  \
    X(EDQUOT, STATUS_QUOTA_EXCEEDED)                \
    X(ETIMEDOUT, STATUS_IO_TIMEOUT)                 \
    X(EINTR, STATUS_CANCELLED)                      \
    X(ECANCELED, STATUS_CANCELLED)                  \
    X(EUCLEAN, STATUS_FILE_CORRUPT_ERROR)           \
    X(ENOTCONN, STATUS_CONNECTION_DISCONNECTED)     \
    X(ECONNABORTED, STATUS_CONNECTION_DISCONNECTED) \
    X(ESHUTDOWN, STATUS_CONNECTION_DISCONNECTED)    \
    X(ENOMEDIUM, STATUS_NO_MEDIA_IN_DEVICE)         \
    X(EREMOTEIO, STATUS_IO_DEVICE_ERROR)            \
    X(ENOTBLK, STATUS_INVALID_PARAMETER)

FSP_API int FspErrnoFromNtStatus(NTSTATUS Status)
{
    if (NT_SUCCESS(Status))
        return 0;
    switch (Status) {
#define FSP_X(status, err) \
    case status:           \
        return err;
        FSP_STATUS_TO_ERRNO(FSP_X)
#undef FSP_X
    default:
        return EIO;
    }
}

FSP_API NTSTATUS FspNtStatusFromErrno(int Errno)
{
    if (Errno < 0 && Errno != -2147483647 - 1)
        Errno = -Errno;
    switch (Errno) {
    case 0:
        return STATUS_SUCCESS;
#define FSP_X(err, status) \
    case err:              \
        return status;
        FSP_ERRNO_TO_STATUS(FSP_X)
#undef FSP_X
    default:
        return STATUS_UNSUCCESSFUL;
    }
}
