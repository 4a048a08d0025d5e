/*
 * memfs_control.c - MEMFS's Control operation: WinFsp's MEMFS demo control
 * code, which returns its input ROT13-encoded.
 *
 * From Linux the code is the ioctl FSP_IOCTL_FROM_CTL_CODE(MEMFS_CTL_ROT13,
 * size) on any open file of the volume (winfsp/fsp_ioctl.h): the argument
 * holds size bytes in, and gets them back encoded; the ioctl returns size.
 */
#include <winfsp/fsp_ioctl.h>

#include "memfs.h"

#define MEMFS_CTL_ROT13 CTL_CODE(0x8000 + 'M', 'R', METHOD_BUFFERED, FILE_ANY_ACCESS)

static char rot13(char c)
{
    if (c >= 'a' && c <= 'z')
        return (char)('a' + (c - 'a' + 13) % 26);
    if (c >= 'A' && c <= 'Z')
        return (char)('A' + (c - 'A' + 13) % 26);
    return c;
}

NTSTATUS memfs_control(FSP_FILE_SYSTEM *fs, PVOID file_context, UINT32 control_code, PVOID input,
                       ULONG input_length, PVOID output, ULONG output_length,
                       PULONG bytes_transferred)
{
    if (control_code != MEMFS_CTL_ROT13)
        return STATUS_INVALID_DEVICE_REQUEST;
    if (output_length < input_length)
        return STATUS_BUFFER_TOO_SMALL;
    const char *in = input;
    char *out = output;
    for (ULONG i = 0; i < input_length; i++)
        out[i] = rot13(in[i]);
    *bytes_transferred = input_length;
    return STATUS_SUCCESS;
}
