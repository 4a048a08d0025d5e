/*
 * test_ntstatus.c - NTSTATUS <-> errno, both directions, over every status
 * in winfsp/ntstatus.h and every errno a Linux file system returns.
 */
#include <errno.h>
#include <stdlib.h>

#include <winfsp/winfsp.h>

#include "check.h"

static const struct {
    NTSTATUS status;
    const char *name;
    int err;
} status_table[] = {
    {STATUS_SUCCESS, "SUCCESS", 0},
    {STATUS_PENDING, "PENDING", 0},
    {STATUS_REPARSE, "REPARSE", 0},
    {STATUS_NOTIFY_CLEANUP, "NOTIFY_CLEANUP", 0},
    {STATUS_NOTIFY_ENUM_DIR, "NOTIFY_ENUM_DIR", 0},
    {STATUS_BUFFER_OVERFLOW, "BUFFER_OVERFLOW", ERANGE},
    {STATUS_INVALID_EA_NAME, "INVALID_EA_NAME", EINVAL},
    {STATUS_EA_LIST_INCONSISTENT, "EA_LIST_INCONSISTENT", EINVAL},
    {STATUS_NO_MORE_FILES, "NO_MORE_FILES", 0},
    {STATUS_NO_MORE_ENTRIES, "NO_MORE_ENTRIES", 0},
    {STATUS_DEVICE_BUSY, "DEVICE_BUSY", EBUSY},
    {STATUS_UNSUCCESSFUL, "UNSUCCESSFUL", EIO},
    {STATUS_NOT_IMPLEMENTED, "NOT_IMPLEMENTED", ENOSYS},
    {STATUS_INVALID_INFO_CLASS, "INVALID_INFO_CLASS", EINVAL},
    {STATUS_INFO_LENGTH_MISMATCH, "INFO_LENGTH_MISMATCH", EINVAL},
    {STATUS_ACCESS_VIOLATION, "ACCESS_VIOLATION", EFAULT},
    {STATUS_INVALID_HANDLE, "INVALID_HANDLE", EBADF},
    {STATUS_INVALID_PARAMETER, "INVALID_PARAMETER", EINVAL},
    {STATUS_NO_SUCH_DEVICE, "NO_SUCH_DEVICE", ENODEV},
    {STATUS_NO_SUCH_FILE, "NO_SUCH_FILE", ENOENT},
    {STATUS_INVALID_DEVICE_REQUEST, "INVALID_DEVICE_REQUEST", ENOSYS},
    {STATUS_END_OF_FILE, "END_OF_FILE", 0},
    {STATUS_NO_MEDIA_IN_DEVICE, "NO_MEDIA_IN_DEVICE", ENOMEDIUM},
    {STATUS_NO_MEMORY, "NO_MEMORY", ENOMEM},
    {STATUS_CONFLICTING_ADDRESSES, "CONFLICTING_ADDRESSES", EINVAL},
    {STATUS_ACCESS_DENIED, "ACCESS_DENIED", EACCES},
    {STATUS_BUFFER_TOO_SMALL, "BUFFER_TOO_SMALL", ERANGE},
    {STATUS_OBJECT_TYPE_MISMATCH, "OBJECT_TYPE_MISMATCH", EINVAL},
    {STATUS_NOT_LOCKED, "NOT_LOCKED", ENOLCK},
    {STATUS_DISK_CORRUPT_ERROR, "DISK_CORRUPT_ERROR", EUCLEAN},
    {STATUS_OBJECT_NAME_INVALID, "OBJECT_NAME_INVALID", EINVAL},
    {STATUS_OBJECT_NAME_NOT_FOUND, "OBJECT_NAME_NOT_FOUND", ENOENT},
    {STATUS_OBJECT_NAME_COLLISION, "OBJECT_NAME_COLLISION", EEXIST},
    {STATUS_OBJECT_PATH_INVALID, "OBJECT_PATH_INVALID", ENOTDIR},
    {STATUS_OBJECT_PATH_NOT_FOUND, "OBJECT_PATH_NOT_FOUND", ENOENT},
    {STATUS_OBJECT_PATH_SYNTAX_BAD, "OBJECT_PATH_SYNTAX_BAD", EINVAL},
    {STATUS_DATA_ERROR, "DATA_ERROR", EIO},
    {STATUS_SHARING_VIOLATION, "SHARING_VIOLATION", EBUSY},
    {STATUS_QUOTA_EXCEEDED, "QUOTA_EXCEEDED", EDQUOT},
    {STATUS_EAS_NOT_SUPPORTED, "EAS_NOT_SUPPORTED", EOPNOTSUPP},
    {STATUS_EA_TOO_LARGE, "EA_TOO_LARGE", E2BIG},
    {STATUS_NONEXISTENT_EA_ENTRY, "NONEXISTENT_EA_ENTRY", ENODATA},
    {STATUS_NO_EAS_ON_FILE, "NO_EAS_ON_FILE", ENODATA},
    {STATUS_EA_CORRUPT_ERROR, "EA_CORRUPT_ERROR", EIO},
    {STATUS_FILE_LOCK_CONFLICT, "FILE_LOCK_CONFLICT", EAGAIN},
    {STATUS_LOCK_NOT_GRANTED, "LOCK_NOT_GRANTED", EAGAIN},
    {STATUS_DELETE_PENDING, "DELETE_PENDING", ENOENT},
    {STATUS_PRIVILEGE_NOT_HELD, "PRIVILEGE_NOT_HELD", EPERM},
    {STATUS_DISK_FULL, "DISK_FULL", ENOSPC},
    {STATUS_INSUFFICIENT_RESOURCES, "INSUFFICIENT_RESOURCES", ENOMEM},
    {STATUS_MEDIA_WRITE_PROTECTED, "MEDIA_WRITE_PROTECTED", EROFS},
    {STATUS_FILE_IS_A_DIRECTORY, "FILE_IS_A_DIRECTORY", EISDIR},
    {STATUS_NOT_SUPPORTED, "NOT_SUPPORTED", EOPNOTSUPP},
    {STATUS_IO_TIMEOUT, "IO_TIMEOUT", ETIMEDOUT},
    {STATUS_INTERNAL_ERROR, "INTERNAL_ERROR", EIO},
    {STATUS_DIRECTORY_NOT_EMPTY, "DIRECTORY_NOT_EMPTY", ENOTEMPTY},
    {STATUS_FILE_CORRUPT_ERROR, "FILE_CORRUPT_ERROR", EUCLEAN},
    {STATUS_NOT_A_DIRECTORY, "NOT_A_DIRECTORY", ENOTDIR},
    {STATUS_NAME_TOO_LONG, "NAME_TOO_LONG", ENAMETOOLONG},
    {STATUS_CANCELLED, "CANCELLED", EINTR},
    {STATUS_CANNOT_DELETE, "CANNOT_DELETE", EPERM},
    {STATUS_FILE_DELETED, "FILE_DELETED", ENOENT},
    {STATUS_FILE_CLOSED, "FILE_CLOSED", EBADF},
    {STATUS_INVALID_LEVEL, "INVALID_LEVEL", EINVAL},
    {STATUS_TOO_MANY_LINKS, "TOO_MANY_LINKS", EMLINK},
    {STATUS_NOT_A_REPARSE_POINT, "NOT_A_REPARSE_POINT", EINVAL},
    {STATUS_IO_REPARSE_TAG_INVALID, "IO_REPARSE_TAG_INVALID", EINVAL},
    {STATUS_IO_REPARSE_TAG_MISMATCH, "IO_REPARSE_TAG_MISMATCH", EEXIST},
    {STATUS_REPARSE_ATTRIBUTE_CONFLICT, "REPARSE_ATTRIBUTE_CONFLICT", EEXIST},
    {STATUS_IO_REPARSE_DATA_INVALID, "IO_REPARSE_DATA_INVALID", EINVAL},
    {STATUS_IO_REPARSE_TAG_NOT_HANDLED, "IO_REPARSE_TAG_NOT_HANDLED", EOPNOTSUPP},
    {STATUS_REPARSE_POINT_NOT_RESOLVED, "REPARSE_POINT_NOT_RESOLVED", ELOOP},
    {STATUS_DIRECTORY_IS_A_REPARSE_POINT, "DIRECTORY_IS_A_REPARSE_POINT", ENOTDIR},
    {STATUS_CANT_WAIT, "CANT_WAIT", EAGAIN},
    {STATUS_INVALID_SECURITY_DESCR, "INVALID_SECURITY_DESCR", EINVAL},
    {STATUS_INVALID_SID, "INVALID_SID", EINVAL},
    {STATUS_INVALID_ACL, "INVALID_ACL", EINVAL},
    {STATUS_INVALID_OWNER, "INVALID_OWNER", EPERM},
    {STATUS_NONE_MAPPED, "NONE_MAPPED", EINVAL},
    {STATUS_RANGE_NOT_LOCKED, "RANGE_NOT_LOCKED", ENOLCK},
    {STATUS_NOT_SAME_DEVICE, "NOT_SAME_DEVICE", EXDEV},
    {STATUS_FILE_TOO_LARGE, "FILE_TOO_LARGE", EFBIG},
    {STATUS_DEVICE_NOT_READY, "DEVICE_NOT_READY", EIO},
    {STATUS_OBJECTID_NOT_FOUND, "OBJECTID_NOT_FOUND", ENOENT},
    {STATUS_INTEGER_OVERFLOW, "INTEGER_OVERFLOW", EOVERFLOW},
    {STATUS_FILE_INVALID, "FILE_INVALID", ESTALE},
    {STATUS_TOO_MANY_OPENED_FILES, "TOO_MANY_OPENED_FILES", EMFILE},
    {STATUS_PIPE_BROKEN, "PIPE_BROKEN", EPIPE},
    {STATUS_ILLEGAL_CHARACTER, "ILLEGAL_CHARACTER", EILSEQ},
    {STATUS_IO_DEVICE_ERROR, "IO_DEVICE_ERROR", EIO},
    {STATUS_POSSIBLE_DEADLOCK, "POSSIBLE_DEADLOCK", EDEADLK},
    {STATUS_CONNECTION_DISCONNECTED, "CONNECTION_DISCONNECTED", ENOTCONN},
};

/* errno -> the NTSTATUS expected, and the errno that status maps back to
 * (the same errno unless the pair is documented as lossy). */
static const struct {
    int err;
    NTSTATUS status;
    int back;
} errno_table[] = {
    {0, STATUS_SUCCESS, 0},
    {EPERM, STATUS_PRIVILEGE_NOT_HELD, EPERM},
    {ENOENT, STATUS_OBJECT_NAME_NOT_FOUND, ENOENT},
    {EIO, STATUS_IO_DEVICE_ERROR, EIO},
    {ENXIO, STATUS_NO_SUCH_DEVICE, ENODEV},
    {E2BIG, STATUS_EA_TOO_LARGE, E2BIG},
    {EBADF, STATUS_INVALID_HANDLE, EBADF},
    {EAGAIN, STATUS_CANT_WAIT, EAGAIN},
    {EWOULDBLOCK, STATUS_CANT_WAIT, EAGAIN},
    {ENOMEM, STATUS_INSUFFICIENT_RESOURCES, ENOMEM},
    {EACCES, STATUS_ACCESS_DENIED, EACCES},
    {EFAULT, STATUS_ACCESS_VIOLATION, EFAULT},
    {EBUSY, STATUS_SHARING_VIOLATION, EBUSY},
    {EEXIST, STATUS_OBJECT_NAME_COLLISION, EEXIST},
    {EXDEV, STATUS_NOT_SAME_DEVICE, EXDEV},
    {ENODEV, STATUS_NO_SUCH_DEVICE, ENODEV},
    {ENOTDIR, STATUS_NOT_A_DIRECTORY, ENOTDIR},
    {EISDIR, STATUS_FILE_IS_A_DIRECTORY, EISDIR},
    {EINVAL, STATUS_INVALID_PARAMETER, EINVAL},
    {ENFILE, STATUS_TOO_MANY_OPENED_FILES, EMFILE},
    {EMFILE, STATUS_TOO_MANY_OPENED_FILES, EMFILE},
    {ENOTTY, STATUS_INVALID_DEVICE_REQUEST, ENOSYS},
    {ETXTBSY, STATUS_SHARING_VIOLATION, EBUSY},
    {EFBIG, STATUS_FILE_TOO_LARGE, EFBIG},
    {ENOSPC, STATUS_DISK_FULL, ENOSPC},
    {ESPIPE, STATUS_INVALID_PARAMETER, EINVAL},
    {EROFS, STATUS_MEDIA_WRITE_PROTECTED, EROFS},
    {EMLINK, STATUS_TOO_MANY_LINKS, EMLINK},
    {EPIPE, STATUS_PIPE_BROKEN, EPIPE},
    {EDOM, STATUS_INVALID_PARAMETER, EINVAL},
    {ERANGE, STATUS_BUFFER_TOO_SMALL, ERANGE},
    {EDEADLK, STATUS_POSSIBLE_DEADLOCK, EDEADLK},
    {ENAMETOOLONG, STATUS_NAME_TOO_LONG, ENAMETOOLONG},
    {ENOLCK, STATUS_RANGE_NOT_LOCKED, ENOLCK},
    {ENOSYS, STATUS_NOT_IMPLEMENTED, ENOSYS},
    {ENOTEMPTY, STATUS_DIRECTORY_NOT_EMPTY, ENOTEMPTY},
    {ELOOP, STATUS_REPARSE_POINT_NOT_RESOLVED, ELOOP},
    {ENODATA, STATUS_NONEXISTENT_EA_ENTRY, ENODATA},
    {EOVERFLOW, STATUS_INTEGER_OVERFLOW, EOVERFLOW},
    {EBADMSG, STATUS_DATA_ERROR, EIO},
    {EILSEQ, STATUS_ILLEGAL_CHARACTER, EILSEQ},
    {EOPNOTSUPP, STATUS_NOT_SUPPORTED, EOPNOTSUPP},
    {ENOTSUP, STATUS_NOT_SUPPORTED, EOPNOTSUPP},
    {ESTALE, STATUS_FILE_INVALID, ESTALE},
    {EDQUOT, STATUS_QUOTA_EXCEEDED, EDQUOT},
    {ETIMEDOUT, STATUS_IO_TIMEOUT, ETIMEDOUT},
    {EINTR, STATUS_CANCELLED, EINTR},
    {ECANCELED, STATUS_CANCELLED, EINTR},
    {EUCLEAN, STATUS_FILE_CORRUPT_ERROR, EUCLEAN},
    {ENOTCONN, STATUS_CONNECTION_DISCONNECTED, ENOTCONN},
    {ECONNABORTED, STATUS_CONNECTION_DISCONNECTED, ENOTCONN},
    {ESHUTDOWN, STATUS_CONNECTION_DISCONNECTED, ENOTCONN},
    {ENOMEDIUM, STATUS_NO_MEDIA_IN_DEVICE, ENOMEDIUM},
    {EREMOTEIO, STATUS_IO_DEVICE_ERROR, EIO},
    {ENOTBLK, STATUS_INVALID_PARAMETER, EINVAL},
};

TEST(status_to_errno)
{
    for (size_t i = 0; i < sizeof status_table / sizeof status_table[0]; i++) {
        int e = FspErrnoFromNtStatus(status_table[i].status);
        if (e != status_table[i].err)
            fprintf(stderr, "  STATUS_%s -> %d, expected %d\n", status_table[i].name, e,
                    status_table[i].err);
        CHECK_EQ_INT(e, status_table[i].err);
        /* Never a negative errno, and only success-class or documented
         * end-of-data statuses give 0. */
        CHECK(e >= 0);
        if (e == 0 && !NT_SUCCESS(status_table[i].status))
            CHECK(status_table[i].status == STATUS_END_OF_FILE ||
                  status_table[i].status == STATUS_NO_MORE_FILES ||
                  status_table[i].status == STATUS_NO_MORE_ENTRIES);
    }
}

/* Every STATUS_ name in winfsp/ntstatus.h is in status_table (so a status
 * added to the header without an errno decision fails here). The header is
 * found from $FSP_TOP (set by run-tests.sh) or the current directory. */
TEST(table_covers_header)
{
    const char *top = getenv("FSP_TOP");
    char path[4096], line[512];
    snprintf(path, sizeof path, "%s/include/winfsp/ntstatus.h", top ? top : ".");
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "  cannot open %s; set FSP_TOP\n", path);
        CHECK(f != NULL);
        return;
    }
    int names = 0;
    while (fgets(line, sizeof line, f)) {
        char name[128];
        if (sscanf(line, "#define STATUS_%127[A-Z_0-9]", name) != 1)
            continue;
        names++;
        int found = 0;
        for (size_t i = 0; i < sizeof status_table / sizeof status_table[0]; i++)
            found |= strcmp(status_table[i].name, name) == 0;
        if (!found)
            fprintf(stderr, "  STATUS_%s is not in the test table\n", name);
        CHECK(found);
    }
    fclose(f);
    CHECK(names >= (int)(sizeof status_table / sizeof status_table[0]));
}

TEST(errno_to_status)
{
    for (size_t i = 0; i < sizeof errno_table / sizeof errno_table[0]; i++) {
        NTSTATUS s = FspNtStatusFromErrno(errno_table[i].err);
        if (s != errno_table[i].status)
            fprintf(stderr, "  errno %d -> 0x%08x, expected 0x%08x\n", errno_table[i].err,
                    (unsigned)s, (unsigned)errno_table[i].status);
        CHECK_EQ_INT(s, errno_table[i].status);
        CHECK_EQ_INT(FspErrnoFromNtStatus(s), errno_table[i].back);
        /* Any error gives a failure status. */
        if (errno_table[i].err)
            CHECK(!NT_SUCCESS(s));
        /* -errno is accepted as well. */
        CHECK_EQ_INT(FspNtStatusFromErrno(-errno_table[i].err), errno_table[i].status);
    }
}

TEST(roundtrip_every_errno)
{
    /* Every errno value either maps to a status that maps back to a
     * positive errno, or is unknown (UNSUCCESSFUL -> EIO). */
    for (int e = 1; e < 200; e++) {
        NTSTATUS s = FspNtStatusFromErrno(e);
        CHECK(!NT_SUCCESS(s));
        int back = FspErrnoFromNtStatus(s);
        CHECK(back > 0);
        if (s == STATUS_UNSUCCESSFUL)
            CHECK_EQ_INT(back, EIO);
    }
}

TEST(unknowns)
{
    /* Unknown errors and warnings -> EIO; unknown success/informational -> 0. */
    CHECK_EQ_INT(FspErrnoFromNtStatus((NTSTATUS)0xC0FFEE00), EIO);
    CHECK_EQ_INT(FspErrnoFromNtStatus((NTSTATUS)0xC0000001 + 0x7000), EIO);
    CHECK_EQ_INT(FspErrnoFromNtStatus((NTSTATUS)0x80001234), EIO);
    CHECK_EQ_INT(FspErrnoFromNtStatus((NTSTATUS)0xFFFFFFFF), EIO);
    CHECK_EQ_INT(FspErrnoFromNtStatus((NTSTATUS)0x00001234), 0);
    CHECK_EQ_INT(FspErrnoFromNtStatus((NTSTATUS)0x40000001), 0);
    CHECK_EQ_INT(FspErrnoFromNtStatus((NTSTATUS)0x7FFFFFFF), 0);
    /* Unknown errnos -> UNSUCCESSFUL */
    CHECK_EQ_INT(FspNtStatusFromErrno(9999), STATUS_UNSUCCESSFUL);
    CHECK_EQ_INT(FspNtStatusFromErrno(-9999), STATUS_UNSUCCESSFUL);
    CHECK_EQ_INT(FspNtStatusFromErrno(ECHILD), STATUS_UNSUCCESSFUL);
    CHECK_EQ_INT(FspNtStatusFromErrno(-2147483647 - 1), STATUS_UNSUCCESSFUL);
    CHECK_EQ_INT(FspNtStatusFromErrno(0), STATUS_SUCCESS);
}

int main(void)
{
    RUN(status_to_errno);
    RUN(table_covers_header);
    RUN(errno_to_status);
    RUN(roundtrip_every_errno);
    RUN(unknowns);
    return CHECK_DONE();
}
