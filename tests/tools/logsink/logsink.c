/*
 * logsink - a syslog socket for tests: `logsink SOCKET SECONDS`.
 *
 * Binds an AF_UNIX datagram socket at SOCKET (what syslog(3) sends to at
 * /dev/log) and writes every datagram it receives to stdout as one line,
 * as sent ("<PRI>TIMESTAMP IDENT[PID]: MESSAGE"), until SECONDS have passed
 * or SIGTERM. The socket exists once bound; a caller waits for it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
    (void)sig;
    stop = 1;
}

int main(int argc, char **argv)
{
    if (argc != 3 || atoi(argv[2]) <= 0) {
        fprintf(stderr, "usage: logsink SOCKET SECONDS\n");
        return 2;
    }
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(argv[1]) >= sizeof sa.sun_path) {
        fprintf(stderr, "logsink: %s: path too long\n", argv[1]);
        return 2;
    }
    strcpy(sa.sun_path, argv[1]);
    struct sigaction act = {.sa_handler = on_term};
    sigaction(SIGTERM, &act, NULL);

    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        fprintf(stderr, "logsink: %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    struct timespec end;
    clock_gettime(CLOCK_MONOTONIC, &end);
    end.tv_sec += atoi(argv[2]);
    while (!stop) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long ms = (end.tv_sec - now.tv_sec) * 1000 + (end.tv_nsec - now.tv_nsec) / 1000000;
        if (ms <= 0)
            break;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, (int)(ms > 1000 ? 1000 : ms)) <= 0)
            continue;
        char buf[2048];
        ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
        if (n <= 0)
            continue;
        /* One line per message: syslog(3) may end it with a newline. */
        while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\0'))
            n--;
        buf[n] = '\n';
        fwrite(buf, 1, (size_t)n + 1, stdout);
        fflush(stdout);
    }
    close(fd);
    unlink(argv[1]);
    return 0;
}
