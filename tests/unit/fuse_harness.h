/*
 * fuse_harness.h - mount a FUSE file system served by the test process
 * itself, for tests/unit/test_fuse_*.c: a low-level session (ll_mount,
 * ll_unmount) or a high-level file system whose checks run in a child
 * (hl_mount, hl_run_checks).
 *
 * In the high-level tests the checks run in a child: if the library were broken and left a request
 * unanswered, only the child would hang, and its alarm() can kill it (a
 * process cannot be killed while it waits on its own server, which is why
 * the server stays in the parent).
 */
#ifndef FSP_TEST_FUSE_HARNESS_H
#define FSP_TEST_FUSE_HARNESS_H

#include <fuse.h>
#include <fuse_lowlevel.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

/* ll_mount: a fresh directory from TEMPLATE (written into MNT, SIZE bytes)
 * and a session PROG -o OPTS with OPS mounted on it, or NULL (said on
 * stderr, the directory removed). */
static inline struct fuse_session *ll_mount(char *mnt, size_t size, const char *template,
                                            const char *prog, const char *opts,
                                            const struct fuse_lowlevel_ops *ops, size_t ops_size)
{
    snprintf(mnt, size, "%s", template);
    if (!mkdtemp(mnt)) {
        perror("mkdtemp");
        return NULL;
    }
    char *argv[] = {(char *)prog, "-o", (char *)opts};
    struct fuse_args args = FUSE_ARGS_INIT(3, argv);
    struct fuse_session *se = fuse_session_new(&args, ops, ops_size, NULL);
    fuse_opt_free_args(&args);
    if (!se || fuse_session_mount(se, mnt) != 0) {
        fprintf(stderr, "cannot mount on %s\n", mnt);
        if (se)
            fuse_session_destroy(se);
        rmdir(mnt);
        return NULL;
    }
    return se;
}

/* ll_loop_mt: serve the session ARG with up to four threads, so that a
 * request (an INTERRUPT, a notification's reply) can be answered while
 * another waits. */
static inline void *ll_loop_mt(void *arg)
{
    struct fuse_loop_config *cfg = fuse_loop_cfg_create();
    if (!cfg)
        return NULL;
    fuse_loop_cfg_set_max_threads(cfg, 4);
    fuse_session_loop_mt((struct fuse_session *)arg, cfg);
    fuse_loop_cfg_destroy(cfg);
    return NULL;
}

/* ll_unmount: end SE's loop (served by the thread LOOP), unmount, destroy
 * the session and remove its directory MNT. */
static inline void ll_unmount(struct fuse_session *se, pthread_t loop, const char *mnt)
{
    fuse_session_exit(se);
    fuse_session_unmount(se);
    pthread_join(loop, NULL);
    fuse_session_destroy(se);
    rmdir(mnt);
}

/* hl_mount: a fresh directory from TEMPLATE (written into MNT, SIZE bytes)
 * and a file system PROG -o OPTS with OPS mounted on it, or NULL (said on
 * stderr, the directory removed). */
static inline struct fuse *hl_mount(char *mnt, size_t size, const char *template, const char *prog,
                                    const char *opts, const struct fuse_operations *ops,
                                    size_t ops_size)
{
    snprintf(mnt, size, "%s", template);
    if (!mkdtemp(mnt)) {
        perror("mkdtemp");
        return NULL;
    }
    char *argv[] = {(char *)prog, "-o", (char *)opts};
    struct fuse_args args = FUSE_ARGS_INIT(3, argv);
    struct fuse *f = fuse_new(&args, ops, ops_size, NULL);
    fuse_opt_free_args(&args);
    if (!f || fuse_mount(f, mnt) != 0) {
        fprintf(stderr, "cannot mount on %s\n", mnt);
        if (f)
            fuse_destroy(f);
        rmdir(mnt);
        return NULL;
    }
    return f;
}

/* The server loops for hl_run_checks: one thread, or several (an
 * INTERRUPT needs a second worker while the first waits). */
static inline void *hl_loop(void *arg)
{
    fuse_loop((struct fuse *)arg);
    return NULL;
}

static inline void *hl_loop_mt(void *arg)
{
    fuse_loop_mt((struct fuse *)arg, NULL);
    return NULL;
}

/* hl_run_checks: CHECKS in a child bounded by 30 s while LOOP serves F in
 * a thread of this process, then F unmounted (the caller destroys it and
 * removes the directory); the child's exit status: 0 when every check
 * passed. */
static inline int hl_run_checks(struct fuse *f, void *(*loop)(void *), void (*checks)(void))
{
    pid_t child = fork();
    if (child == 0) {
        /* Not a server: without the device fd, a dead parent ends the
         * connection and the child's pending calls fail at once. */
        close(fuse_session_fd(fuse_get_session(f)));
        alarm(30);
        checks();
        _exit(CHECK_DONE());
    }
    pthread_t thread;
    pthread_create(&thread, NULL, loop, f);
    int status = 0;
    while (child > 0 && waitpid(child, &status, 0) < 0 && errno == EINTR)
        ;
    int rc = child > 0 && WIFEXITED(status) ? WEXITSTATUS(status) : 1;
    if (child > 0 && !WIFEXITED(status))
        fprintf(stderr, "checks killed by signal %d\n", WTERMSIG(status));

    fuse_exit(f);
    fuse_unmount(f);
    pthread_join(thread, NULL);
    return rc;
}

/* What the lock calls of the test file systems answer (their getlk and
 * setlk): bytes 10 to 14 are held for reading by another owner, so F_GETLK
 * of a write lock reports that lock and F_SETLK of one is refused. */
static inline void check_foreign_read_lock(int fd)
{
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 100};
    CHECK_EQ_INT(fcntl(fd, F_GETLK, &fl), 0);
    CHECK_EQ_INT(fl.l_type, F_RDLCK);
    CHECK_EQ_INT((int)fl.l_start, 10);
    CHECK_EQ_INT((int)fl.l_len, 5);
    fl = (struct flock){.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_len = 1};
    CHECK(fcntl(fd, F_SETLK, &fl) != 0 && (errno == EAGAIN || errno == EACCES));
}

#endif
