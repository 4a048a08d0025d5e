/*
 * winfsp/fsp_ioctl.h - reaching a file system's Control operation (WinFsp's
 * DeviceIoControl) from Linux with ioctl(2).
 *
 * On Windows an application sends a control code (CTL_CODE(DeviceType,
 * Function, Method, Access)) with DeviceIoControl; WinFsp forwards it to the
 * file system's Control when the volume sets VolumeParams.DeviceControl, the
 * DeviceType has bit 0x8000 (a vendor code) and Method is METHOD_BUFFERED.
 * On Linux, FUSE passes a file's ioctl(2) to the file system only in the
 * "restricted" form: the number itself (_IOC dir/type/nr/size) tells the
 * kernel how many bytes to copy in and out. So FSP maps control codes to
 * read-write ioctl numbers:
 *
 *   ioctl number  _IOWR-style: _IOC(_IOC_READ | _IOC_WRITE, type, nr, size)
 *   ControlCode   CTL_CODE(0x8000 | type, nr, METHOD_BUFFERED, FILE_ANY_ACCESS)
 *   buffers       InputBuffer: the size bytes the caller's argument points to;
 *                 OutputBuffer: size bytes, copied back over the caller's
 *                 argument up to BytesTransferred (the rest keeps its input)
 *   result        ioctl returns BytesTransferred (>= 0), or -1 with errno
 *                 from the NTSTATUS (STATUS_INVALID_DEVICE_REQUEST: ENOTTY)
 *
 * So the codes that can be reached are those with DeviceType 0x8000-0x80FF,
 * Function 0-0xFF, METHOD_BUFFERED and FILE_ANY_ACCESS (the memfs sample's
 * CTL_CODE(0x8000 + 'M', 'R', METHOD_BUFFERED, FILE_ANY_ACCESS) becomes
 * _IOWR('M', 'R', ...)); InputBufferLength and OutputBufferLength are both
 * the size in the number (at most FSP_FSCTL_DEVICECONTROL_SIZEMAX, 4 KiB),
 * so a code that needs other lengths puts them in its data. Any other ioctl
 * (other directions, codes without a size) is not forwarded: ENOTTY, as
 * tmpfs answers. The ioctl works on an open file or directory.
 *
 *   char buf[64] = "hello";
 *   int n = ioctl(fd, FSP_IOCTL_FROM_CTL_CODE(MY_CODE, sizeof buf), buf);
 */
#ifndef FSP_IOCTL_H
#define FSP_IOCTL_H

#include <linux/ioctl.h>

#ifndef CTL_CODE
#define CTL_CODE(DeviceType, Function, Method, Access)                                           \
    (((unsigned)(DeviceType) << 16) | ((unsigned)(Access) << 14) | ((unsigned)(Function) << 2) | \
     (unsigned)(Method))
#endif
#ifndef METHOD_BUFFERED
#define METHOD_BUFFERED   0
#define METHOD_IN_DIRECT  1
#define METHOD_OUT_DIRECT 2
#define METHOD_NEITHER    3
#endif
#ifndef FILE_ANY_ACCESS
#define FILE_ANY_ACCESS   0
#define FILE_READ_ACCESS  1
#define FILE_WRITE_ACCESS 2
#endif
#ifndef DEVICE_TYPE_FROM_CTL_CODE
#define DEVICE_TYPE_FROM_CTL_CODE(ControlCode) (((unsigned)(ControlCode)&0xffff0000u) >> 16)
#define METHOD_FROM_CTL_CODE(ControlCode)      ((unsigned)(ControlCode)&3u)
#endif

/* Whether ControlCode has a Linux ioctl number: DeviceType 0x8000-0x80FF,
 * no access bits, Function below 0x100, METHOD_BUFFERED. */
#define FSP_CTL_CODE_HAS_IOCTL(ControlCode) \
    ((((unsigned)(ControlCode)) & 0xff00fc03u) == 0x80000000u)

/* The ioctl number that carries ControlCode with Size bytes in and out. */
#define FSP_IOCTL_FROM_CTL_CODE(ControlCode, Size)                        \
    _IOC(_IOC_READ | _IOC_WRITE, ((unsigned)(ControlCode) >> 16) & 0xffu, \
         ((unsigned)(ControlCode) >> 2) & 0xffu, (Size))

/* The control code an ioctl number carries; 0 when it carries none. */
#define FSP_CTL_CODE_FROM_IOCTL(Cmd)                                                          \
    (_IOC_DIR(Cmd) == (_IOC_READ | _IOC_WRITE)                                                \
         ? CTL_CODE(0x8000u | _IOC_TYPE(Cmd), _IOC_NR(Cmd), METHOD_BUFFERED, FILE_ANY_ACCESS) \
         : 0u)

#endif /* FSP_IOCTL_H */
