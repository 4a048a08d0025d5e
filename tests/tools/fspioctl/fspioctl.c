/*
 * fspioctl - send control codes to a file through ioctl(2), the way
 * include/winfsp/fsp_ioctl.h tells users to, and print what came back.
 *
 *   fspioctl rot13 FILE TEXT   MEMFS's ROT13 code with a 64-byte buffer
 *                              holding TEXT; prints "N OUTPUT" (N is the
 *                              ioctl's result, BytesTransferred)
 *   fspioctl code FILE TYPE NR SIZE
 *                              an _IOWR(TYPE, NR, SIZE) control code with a
 *                              zeroed buffer; prints the result or the errno
 *                              name
 *   fspioctl raw FILE DIR TYPE NR SIZE
 *                              any _IOC(DIR, TYPE, NR, SIZE) number (DIR 0-3)
 *   fspioctl getflags FILE     FS_IOC_GETFLAGS: the flags in hex, or errno
 * Errors print the errno's name (ENOTTY, ...) and exit 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <winfsp/fsp_ioctl.h>

#define MEMFS_CTL_ROT13 CTL_CODE(0x8000 + 'M', 'R', METHOD_BUFFERED, FILE_ANY_ACCESS)

static int report_errno(void)
{
    const char *name = errno == ENOTTY       ? "ENOTTY"
                       : errno == EINVAL     ? "EINVAL"
                       : errno == EOPNOTSUPP ? "EOPNOTSUPP"
                       : errno == ENOSYS     ? "ENOSYS"
                       : errno == EPERM      ? "EPERM"
                       : errno == EACCES     ? "EACCES"
                                             : NULL;
    if (name)
        printf("%s\n", name);
    else
        printf("errno %d\n", errno);
    return 1;
}

static unsigned number(const char *s)
{
    if (s[0] && !s[1] && (s[0] < '0' || s[0] > '9'))
        return (unsigned char)s[0]; /* a character, as in _IOWR('M', 'R', ...) */
    return (unsigned)strtoul(s, NULL, 0);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: fspioctl rot13|code|raw|getflags FILE ...\n");
        return 2;
    }
    int fd = open(argv[2], O_RDONLY);
    if (fd < 0) {
        perror(argv[2]);
        return 2;
    }
    if (!strcmp(argv[1], "rot13") && argc == 4) {
        char buf[64] = {0};
        strncpy(buf, argv[3], sizeof buf - 1);
        int n = ioctl(fd, FSP_IOCTL_FROM_CTL_CODE(MEMFS_CTL_ROT13, sizeof buf), buf);
        if (n < 0)
            return report_errno();
        printf("%d %s\n", n, buf);
    } else if (!strcmp(argv[1], "code") && argc == 6) {
        static char buf[16384];
        unsigned size = number(argv[5]);
        if (size > sizeof buf)
            return 2;
        int n =
            ioctl(fd, _IOC(_IOC_READ | _IOC_WRITE, number(argv[3]), number(argv[4]), size), buf);
        if (n < 0)
            return report_errno();
        printf("%d\n", n);
    } else if (!strcmp(argv[1], "raw") && argc == 7) {
        static char buf[16384];
        unsigned size = number(argv[6]);
        if (size > sizeof buf)
            return 2;
        int n = ioctl(fd, _IOC(number(argv[3]), number(argv[4]), number(argv[5]), size), buf);
        if (n < 0)
            return report_errno();
        printf("%d\n", n);
    } else if (!strcmp(argv[1], "getflags")) {
        int flags = 0;
        if (ioctl(fd, FS_IOC_GETFLAGS, &flags) < 0)
            return report_errno();
        printf("0x%x\n", flags);
    } else {
        fprintf(stderr, "fspioctl: bad arguments\n");
        return 2;
    }
    close(fd);
    return 0;
}
