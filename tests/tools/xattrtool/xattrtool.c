/*
 * xattrtool - the xattr system calls with the arguments setfattr/getfattr
 * cannot pass (flags, exact buffer sizes, values from a file, an unlinked
 * file), for tests/mount/xattr.sh.
 *
 *   xattrtool set FILE NAME VALUE [create|replace]   setxattr with VALUE's bytes
 *   xattrtool setfile FILE NAME DATAFILE [create|replace]
 *   xattrtool get FILE NAME [BUFSIZE]     value to stdout (BUFSIZE: the buffer passed)
 *   xattrtool size FILE NAME              getxattr with size 0: the size needed
 *   xattrtool list FILE [BUFSIZE]         names, one a line
 *   xattrtool listsize FILE               listxattr with size 0
 *   xattrtool remove FILE NAME
 *   xattrtool unlinked FILE NAME VALUE    create FILE, unlink it, then fsetxattr,
 *                                         fgetxattr, flistxattr, fremovexattr on it
 *
 * On failure it prints the errno's name (ENODATA, ERANGE, ...) on stdout and
 * exits 1; bad usage exits 2.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#define MAXBUF (1u << 20)

static const char *errno_name(int e)
{
    switch (e) {
    case ENODATA:
        return "ENODATA";
    case ERANGE:
        return "ERANGE";
    case EEXIST:
        return "EEXIST";
    case EOPNOTSUPP:
        return "EOPNOTSUPP";
    case EINVAL:
        return "EINVAL";
    case E2BIG:
        return "E2BIG";
    case ENOSPC:
        return "ENOSPC";
    case EPERM:
        return "EPERM";
    case EACCES:
        return "EACCES";
    case ENOENT:
        return "ENOENT";
    case EROFS:
        return "EROFS";
    case ENOSYS:
        return "ENOSYS";
    case EIO:
        return "EIO";
    default:
        return "EOTHER";
    }
}

static int fail(void)
{
    printf("%s\n", errno_name(errno));
    return 1;
}

static int usage(void)
{
    fprintf(stderr, "usage: xattrtool set|setfile|get|size|list|listsize|remove|unlinked ...\n");
    return 2;
}

static int parse_flags(const char *s, int *flags)
{
    if (!s)
        *flags = 0;
    else if (!strcmp(s, "create"))
        *flags = XATTR_CREATE;
    else if (!strcmp(s, "replace"))
        *flags = XATTR_REPLACE;
    else
        return -1;
    return 0;
}

static char *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(MAXBUF);
    if (buf)
        *size = fread(buf, 1, MAXBUF, f);
    fclose(f);
    return buf;
}

static int print_list(const char *list, ssize_t n)
{
    for (ssize_t i = 0; i < n;) {
        size_t len = strnlen(list + i, (size_t)(n - i));
        printf("%.*s\n", (int)len, list + i);
        i += (ssize_t)len + 1;
    }
    return 0;
}

static int do_unlinked(const char *path, const char *name, const char *value)
{
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || unlink(path) < 0)
        return fail();
    char buf[4096];
    int rc = 0;
    if (fsetxattr(fd, name, value, strlen(value), 0) < 0) {
        printf("fsetxattr ");
        rc = fail();
    }
    ssize_t n = fgetxattr(fd, name, buf, sizeof buf);
    if (n < 0) {
        printf("fgetxattr ");
        rc = fail();
    } else
        printf("value %.*s\n", (int)n, buf);
    n = flistxattr(fd, buf, sizeof buf);
    if (n < 0) {
        printf("flistxattr ");
        rc = fail();
    } else
        print_list(buf, n);
    if (fremovexattr(fd, name) < 0) {
        printf("fremovexattr ");
        rc = fail();
    }
    if (fgetxattr(fd, name, buf, sizeof buf) >= 0 || errno != ENODATA) {
        printf("still there after fremovexattr\n");
        rc = 1;
    }
    close(fd);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return usage();
    const char *cmd = argv[1], *file = argv[2];
    int flags;

    if (!strcmp(cmd, "set") && (argc == 5 || argc == 6)) {
        if (parse_flags(argc == 6 ? argv[5] : NULL, &flags) < 0)
            return usage();
        if (setxattr(file, argv[3], argv[4], strlen(argv[4]), flags) < 0)
            return fail();
        return 0;
    }
    if (!strcmp(cmd, "setfile") && (argc == 5 || argc == 6)) {
        size_t size = 0;
        if (parse_flags(argc == 6 ? argv[5] : NULL, &flags) < 0)
            return usage();
        char *data = read_file(argv[4], &size);
        if (!data) {
            perror(argv[4]);
            return 2;
        }
        int rc = setxattr(file, argv[3], data, size, flags) < 0 ? fail() : 0;
        free(data);
        return rc;
    }
    if (!strcmp(cmd, "get") && (argc == 4 || argc == 5)) {
        size_t size = argc == 5 ? strtoul(argv[4], NULL, 0) : MAXBUF;
        char *buf = malloc(size ? size : 1);
        if (!buf)
            return 2;
        ssize_t n = getxattr(file, argv[3], buf, size);
        int rc = n < 0 ? fail() : (fwrite(buf, 1, (size_t)n, stdout), 0);
        free(buf);
        return rc;
    }
    if (!strcmp(cmd, "size") && argc == 4) {
        ssize_t n = getxattr(file, argv[3], NULL, 0);
        if (n < 0)
            return fail();
        printf("%zd\n", n);
        return 0;
    }
    if (!strcmp(cmd, "list") && (argc == 3 || argc == 4)) {
        size_t size = argc == 4 ? strtoul(argv[3], NULL, 0) : MAXBUF;
        char *buf = malloc(size ? size : 1);
        if (!buf)
            return 2;
        ssize_t n = listxattr(file, buf, size);
        int rc = n < 0 ? fail() : print_list(buf, n);
        free(buf);
        return rc;
    }
    if (!strcmp(cmd, "listsize") && argc == 3) {
        ssize_t n = listxattr(file, NULL, 0);
        if (n < 0)
            return fail();
        printf("%zd\n", n);
        return 0;
    }
    if (!strcmp(cmd, "remove") && argc == 4)
        return removexattr(file, argv[3]) < 0 ? fail() : 0;
    if (!strcmp(cmd, "unlinked") && argc == 5)
        return do_unlinked(file, argv[3], argv[4]);
    return usage();
}
