/*
 * fspinotify - watch one directory with inotify(7) and print what happens,
 * so tests can compare the events an FSP mount raises with tmpfs's (the
 * package inotify-tools would do the same; this keeps the test dependency
 * free).
 *
 *   fspinotify -n COUNT -t MS DIR
 *
 * Watches DIR for IN_CREATE, IN_DELETE, IN_MODIFY, IN_MOVED_FROM and
 * IN_MOVED_TO; prints "ready" once the watch is set, then one line per
 * event ("CREATE name", "DELETE name", ...). Exits 0 after COUNT events,
 * 1 when MS milliseconds pass without reaching COUNT, 2 on errors.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static const char *event_name(uint32_t mask)
{
    if (mask & IN_CREATE)
        return "CREATE";
    if (mask & IN_DELETE)
        return "DELETE";
    if (mask & IN_MODIFY)
        return "MODIFY";
    if (mask & IN_MOVED_FROM)
        return "MOVED_FROM";
    if (mask & IN_MOVED_TO)
        return "MOVED_TO";
    return "OTHER";
}

int main(int argc, char **argv)
{
    long count = -1, timeout = -1;
    int opt;
    while ((opt = getopt(argc, argv, "n:t:")) != -1) {
        if (opt == 'n')
            count = atol(optarg);
        else if (opt == 't')
            timeout = atol(optarg);
        else
            count = -1, optind = argc + 1;
    }
    if (count < 1 || timeout < 1 || optind != argc - 1) {
        fprintf(stderr, "usage: fspinotify -n COUNT -t MS DIR\n");
        return 2;
    }
    int fd = inotify_init1(IN_CLOEXEC);
    if (fd < 0 ||
        inotify_add_watch(fd, argv[optind],
                          IN_CREATE | IN_DELETE | IN_MODIFY | IN_MOVED_FROM | IN_MOVED_TO) < 0) {
        fprintf(stderr, "fspinotify: %s: %s\n", argv[optind], strerror(errno));
        return 2;
    }
    printf("ready\n");
    fflush(stdout);

    long deadline = now_ms() + timeout, seen = 0;
    _Alignas(struct inotify_event) char buf[4096];
    while (seen < count) {
        long left = deadline - now_ms();
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (left <= 0 || poll(&p, 1, (int)left) == 0)
            return 1;
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            perror("fspinotify: read");
            return 2;
        }
        for (char *p2 = buf; p2 < buf + n;) {
            struct inotify_event *ev = (struct inotify_event *)p2;
            printf("%s %s\n", event_name(ev->mask), ev->len ? ev->name : "");
            seen++;
            p2 += sizeof *ev + ev->len;
        }
        fflush(stdout);
    }
    return 0;
}
