/*
 * test_debuglog.c - FspDebugLog (newline added, long lines, one write per
 * call, threads not interleaving), FspDebugLogSetHandle and FspVersion.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <winfsp/winfsp.h>

#include "check.h"

static int pipefd[2];

/* Read what the log wrote: everything available (non-blocking), or with
 * `exact`, block until exactly cap bytes arrived. */
static size_t drain_ex(char *buf, size_t cap, int exact)
{
    size_t n = 0;
    int fl = fcntl(pipefd[0], F_GETFL);
    fcntl(pipefd[0], F_SETFL, exact ? (fl & ~O_NONBLOCK) : (fl | O_NONBLOCK));
    while (n < cap) {
        ssize_t r = read(pipefd[0], buf + n, cap - n);
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    return n;
}

static size_t drain(char *buf, size_t cap)
{
    return drain_ex(buf, cap, 0);
}

TEST(lines)
{
    char buf[8192];
    FspDebugLog("hello %d", 42);
    FspDebugLog("already\n");
    FspDebugLog("%s", "");
    size_t n = drain(buf, sizeof buf);
    buf[n] = 0;
    CHECK_EQ_STR(buf, "hello 42\nalready\n\n");
    /* errno is preserved */
    errno = EXDEV;
    FspDebugLog("x");
    CHECK_EQ_INT(errno, EXDEV);
    drain(buf, sizeof buf);
}

TEST(long_line)
{
    static char big[5000], buf[8192];
    memset(big, 'q', sizeof big - 1);
    FspDebugLog("<%s>", big);
    size_t n = drain(buf, sizeof buf);
    CHECK_EQ_INT(n, 5000 + 2);
    CHECK(buf[0] == '<' && buf[4999] == 'q' && buf[5000] == '>' && buf[5001] == '\n');
}

static void *logger(void *p)
{
    char line[300];
    memset(line, 'a' + (int)(intptr_t)p, sizeof line - 1);
    line[sizeof line - 1] = 0;
    for (int i = 0; i < 200; i++)
        FspDebugLog("%s", line);
    return NULL;
}

TEST(threads_do_not_interleave)
{
    enum { N = 4 };
    pthread_t th[N];
    for (intptr_t i = 0; i < N; i++)
        pthread_create(&th[i], NULL, logger, (void *)i);
    size_t total = (size_t)N * 200 * 300;
    char *buf = malloc(total + 1);
    size_t n = drain_ex(buf, total, 1); /* the pipe is smaller: read while they write */
    for (int i = 0; i < N; i++)
        pthread_join(th[i], NULL);
    CHECK_EQ_INT(n, total);
    size_t bad = 0;
    for (size_t l = 0; l + 300 <= n; l += 300) {
        for (size_t k = 1; k < 299; k++)
            bad += buf[l + k] != buf[l];
        bad += buf[l + 299] != '\n';
    }
    CHECK_EQ_INT(bad, 0);
    free(buf);
}

TEST(version)
{
    UINT32 v = 0;
    CHECK_EQ_INT(FspVersion(&v), STATUS_SUCCESS);
    CHECK_EQ_INT(v, (FSP_VERSION_MAJOR << 16) | FSP_VERSION_MINOR);
    CHECK_EQ_INT(FspVersion(NULL), STATUS_INVALID_PARAMETER);
}

TEST(disabled)
{
    char buf[64];
    FspDebugLogSetHandle(FSP_FD_TO_HANDLE(-1));
    FspDebugLog("dropped");
    CHECK_EQ_INT(drain(buf, sizeof buf), 0);
    FspDebugLogSetHandle(FSP_FD_TO_HANDLE(pipefd[1]));
    FspDebugLog("back");
    CHECK_EQ_INT(drain(buf, sizeof buf), 5);
}

int main(void)
{
    /* A pipe holds 64 KiB by default: enough for each test's output. */
    if (pipe(pipefd) != 0)
        return 1;
    FspDebugLogSetHandle(FSP_FD_TO_HANDLE(pipefd[1]));
    RUN(lines);
    RUN(long_line);
    RUN(version);
    RUN(threads_do_not_interleave);
    RUN(disabled);
    close(pipefd[1]);
    close(pipefd[0]);
    return CHECK_DONE();
}
