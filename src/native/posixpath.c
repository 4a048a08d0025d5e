/*
 * posixpath.c - FspPosixMapWindowsToPosixPathEx, FspPosixMapPosixToWindowsPathEx
 * and FspPosixDeletePath: allocating wrappers over the utf.c converters, in
 * path mode ('\' <-> '/'), with WinFsp's character translation when
 * Translate is set. Invalid input (bad UTF-8, lone surrogates) gives
 * STATUS_OBJECT_NAME_INVALID.
 */
#include <errno.h>
#include <stdlib.h>

#include <winfsp/winfsp.h>

#include "native/utf.h"

static NTSTATUS fsp_posixpath_status(int err)
{
    return err == -ENAMETOOLONG ? STATUS_NAME_TOO_LONG : STATUS_OBJECT_NAME_INVALID;
}

FSP_API NTSTATUS FspPosixMapWindowsToPosixPathEx(PWSTR WindowsPath, char **PPosixPath,
                                                 BOOLEAN Translate)
{
    unsigned flags = FSP_UTF_PATH | (Translate ? FSP_UTF_TRANSLATE : 0);
    size_t srclen;
    int len;

    *PPosixPath = NULL;
    if (!WindowsPath)
        return STATUS_INVALID_PARAMETER;
    srclen = fsp_wcslen(WindowsPath);
    len = fsp_utf16_to_utf8(WindowsPath, srclen, NULL, 0, flags);
    if (len < 0)
        return fsp_posixpath_status(len);
    char *p = malloc((size_t)len + 1);
    if (!p)
        return STATUS_INSUFFICIENT_RESOURCES;
    len = fsp_utf16_to_utf8(WindowsPath, srclen, p, (size_t)len + 1, flags);
    if (len < 0) {
        free(p);
        return fsp_posixpath_status(len);
    }
    *PPosixPath = p;
    return STATUS_SUCCESS;
}

FSP_API NTSTATUS FspPosixMapPosixToWindowsPathEx(const char *PosixPath, PWSTR *PWindowsPath,
                                                 BOOLEAN Translate)
{
    unsigned flags = FSP_UTF_PATH | (Translate ? FSP_UTF_TRANSLATE : 0);
    int len;

    *PWindowsPath = NULL;
    if (!PosixPath)
        return STATUS_INVALID_PARAMETER;
    len = fsp_utf8_to_utf16(PosixPath, FSP_UTF_NTS, NULL, 0, flags);
    if (len < 0)
        return fsp_posixpath_status(len);
    WCHAR *p = malloc(((size_t)len + 1) * sizeof(WCHAR));
    if (!p)
        return STATUS_INSUFFICIENT_RESOURCES;
    len = fsp_utf8_to_utf16(PosixPath, FSP_UTF_NTS, p, (size_t)len + 1, flags);
    if (len < 0) {
        free(p);
        return fsp_posixpath_status(len);
    }
    *PWindowsPath = p;
    return STATUS_SUCCESS;
}

FSP_API VOID FspPosixDeletePath(void *Path)
{
    free(Path);
}
