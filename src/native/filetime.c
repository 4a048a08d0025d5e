/*
 * filetime.c - FspPosixFileTimeToUnixTime / FspPosixUnixTimeToFileTime.
 * The arithmetic lives in filetime.h for inline use by the adapter.
 */
#include <winfsp/winfsp.h>

#include "native/filetime.h"

FSP_API VOID FspPosixFileTimeToUnixTime(UINT64 FileTime, struct timespec *UnixTime)
{
    fsp_timespec_from_filetime(FileTime, UnixTime);
}

FSP_API VOID FspPosixUnixTimeToFileTime(const struct timespec *UnixTime, PUINT64 PFileTime)
{
    *PFileTime = fsp_filetime_from_timespec(UnixTime);
}
