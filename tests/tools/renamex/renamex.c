/*
 * renamex - renameat2(2) from the shell: `renamex [--exchange|--noreplace]
 * OLD NEW`. Debian 12's mv has no --exchange, and the tests must not depend
 * on a scripting language being installed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    unsigned flags = 0;
    int i = 1;
    if (argc == 4 && !strcmp(argv[1], "--exchange"))
        flags = RENAME_EXCHANGE, i = 2;
    else if (argc == 4 && !strcmp(argv[1], "--noreplace"))
        flags = RENAME_NOREPLACE, i = 2;
    else if (argc != 3) {
        fprintf(stderr, "usage: renamex [--exchange|--noreplace] OLD NEW\n");
        return 2;
    }
    if (renameat2(AT_FDCWD, argv[i], AT_FDCWD, argv[i + 1], flags) != 0) {
        fprintf(stderr, "renamex: %s -> %s: %s\n", argv[i], argv[i + 1], strerror(errno));
        return 1;
    }
    return 0;
}
