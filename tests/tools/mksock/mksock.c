/*
 * mksock.c - make a Unix domain socket file: mksock PATH.
 *
 * bind(2) of an AF_UNIX socket is the only way to create one from the
 * shell without python or netcat; the socket is closed at once and the file
 * stays behind, as a socket file does.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    struct sockaddr_un sa;
    if (argc != 2 || strlen(argv[1]) >= sizeof sa.sun_path) {
        fprintf(stderr, "usage: mksock PATH (shorter than %zu bytes)\n", sizeof sa.sun_path);
        return 2;
    }
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    strcpy(sa.sun_path, argv[1]);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        fprintf(stderr, "mksock: %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    close(fd);
    return 0;
}
