/*
 * session.c - the session's lifecycle: mount, start the workers, stop,
 * wait, destroy.
 *
 * Stopping is always an unmount: the kernel then fails every blocked read
 * with ENODEV and the workers leave their loops by themselves. Requests to
 * stop may come from signal handlers, so they only write a byte to a pipe;
 * a small stopper thread reads it and does the unmount (which may need to
 * run fusermount3, or wait for workers to answer a final request).
 */
#define _GNU_SOURCE /* pipe2, close_range */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kernel/internal.h"

#define FSP_DEFAULT_MAX_WRITE (1024u * 1024u)
#define FSP_MAX_MAX_WRITE     (16u * 1024u * 1024u)
#define FSP_MAX_THREADS       256u
/* After an unmount, how long workers may take to see ENODEV before we cut
 * the connection (the mount was busy and only lazily detached). */
#define FSP_ABORT_GRACE_MS 1000

static unsigned default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 4)
        n = 4;
    if (n > 16)
        n = 16;
    return (unsigned)n;
}

static void session_free(struct fsp_session *se)
{
    fsp_uring_free(se);
    if (se->workers) {
        for (unsigned i = 0; i < se->nworkers; i++) {
            struct fsp_worker *w = &se->workers[i];
            if (w->fd_owned)
                close(w->fd);
            fsp_bufset_free(w->bs);
        }
        free(se->workers);
    }
    while (se->free_bufs) {
        struct fsp_bufset *bs = se->free_bufs;
        se->free_bufs = bs->next_free;
        fsp_bufset_free(bs);
    }
    if (se->fd >= 0)
        close(se->fd);
    for (int i = 0; i < 2; i++)
        if (se->stop_pipe[i] >= 0)
            close(se->stop_pipe[i]);
    pthread_mutex_destroy(&se->lock);
    pthread_mutex_destroy(&se->mount_lock);
    pthread_cond_destroy(&se->cond);
    free(se->cuse_strings);
    free(se->mountpoint);
    free(se->fsname);
    free(se->fstype);
    free(se);
}

/* Everything but the connection: names, buffers, threads, the stop pipe.
 * mountpoint_needed: a mount will be made there (it must be a directory). */
static struct fsp_session *session_new(const struct fsp_mount_opts *opts,
                                       const struct fsp_session_ops *ops, void *userdata,
                                       bool mountpoint_needed)
{
    if (!opts || (mountpoint_needed && !opts->mountpoint) || !ops || ops->op[FUSE_INIT] ||
        ops->op[FUSE_DESTROY] || ops->op[FUSE_INTERRUPT]) {
        fsp_log("fsp: fsp_session_mount: invalid arguments");
        errno = EINVAL;
        return NULL;
    }
    if (opts->subtype && (!*opts->subtype || strpbrk(opts->subtype, ", \t\n/"))) {
        fsp_log("fsp: invalid subtype \"%s\"", opts->subtype);
        errno = EINVAL;
        return NULL;
    }

    struct fsp_session *se = calloc(1, sizeof(*se));
    if (!se) {
        errno = ENOMEM;
        return NULL;
    }
    se->ops = *ops;
    se->userdata = userdata;
    se->fd = -1;
    se->watch_fd = -1;
    se->watch_pid = -1;
    se->stop_pipe[0] = se->stop_pipe[1] = -1;
    pthread_mutex_init(&se->lock, NULL);
    pthread_mutex_init(&se->mount_lock, NULL);
    pthread_cond_init(&se->cond, NULL);

    int err = 0;
    struct stat st;
    if (mountpoint_needed) {
        se->mountpoint = realpath(opts->mountpoint, NULL);
        if (!se->mountpoint) {
            err = errno;
            fsp_log("fsp: mount point %s: %s", opts->mountpoint, strerror(err));
            goto fail;
        }
        if (stat(se->mountpoint, &st) != 0)
            err = errno;
        else if (!S_ISDIR(st.st_mode))
            err = ENOTDIR;
        if (err) {
            fsp_log("fsp: mount point %s: %s", se->mountpoint, strerror(err));
            goto fail;
        }
    } else if (opts->mountpoint) {
        se->mountpoint = strdup(opts->mountpoint); /* for the record only */
        if (!se->mountpoint) {
            err = ENOMEM;
            goto fail;
        }
    }
    se->fsname = strdup(opts->fsname && *opts->fsname ? opts->fsname : "fsp");
    if (opts->subtype) {
        size_t len = strlen(opts->subtype) + sizeof("fuse.");
        se->fstype = malloc(len);
        if (se->fstype)
            snprintf(se->fstype, len, "fuse.%s", opts->subtype);
    } else {
        se->fstype = strdup("fuse");
    }
    if (!se->fsname || !se->fstype) {
        err = ENOMEM;
        goto fail;
    }

    const char *tune = getenv("FSP_TUNE"), *bad;
    if (tune && fsp_tune_parse(tune, &se->tune, &bad) != 0)
        fsp_log("fsp: FSP_TUNE: cannot use '%s' (at '%s'); ignored", tune, bad);

    /* Buffers: the largest WRITE (header + fuse_write_in + data) fits in
     * max_write + 4 KiB, and so does the largest READ reply in scratch. */
    uint32_t mw = se->tune.max_write ? se->tune.max_write
                  : opts->max_write  ? opts->max_write
                                     : FSP_DEFAULT_MAX_WRITE;
    if (mw < 4096)
        mw = 4096;
    if (mw > FSP_MAX_MAX_WRITE)
        mw = FSP_MAX_MAX_WRITE;
    mw = (mw + 4095) & ~4095u;
    se->max_write_cap = mw;
    se->buf_in_size = (size_t)mw + 4096;
    se->buf_scratch_size = (size_t)mw + 4096;

    fsp_session_set_threads(se, opts->thread_count);
    /* FSP_IO_URING=1 in the environment asks for the ring in every adapter. */
    const char *env = getenv("FSP_IO_URING");
    se->uring_asked = opts->io_uring;
    se->uring_wanted = opts->io_uring || (env && strcmp(env, "1") == 0);
    se->uring_depth = opts->io_uring_depth;

    if (pipe2(se->stop_pipe, O_CLOEXEC) != 0) {
        err = errno;
        goto fail;
    }
    /* A signal handler must never block on a full pipe. */
    fcntl(se->stop_pipe[1], F_SETFL, O_NONBLOCK);
    se->auto_unmount = opts->auto_unmount;
    return se;

fail:
    session_free(se);
    errno = err;
    return NULL;
}

/* The mount(2) options: rootmode defaults to a directory 0755. */
static int session_kmount(struct fsp_session *se, const struct fsp_mount_opts *opts)
{
    struct fsp_mount_opts mo = *opts;
    if ((mo.rootmode & S_IFMT) == 0)
        mo.rootmode |= S_IFDIR | (mo.rootmode ? 0 : 0755);
    return fsp_kmount(se, &mo);
}

struct fsp_session *fsp_session_mount(const struct fsp_mount_opts *opts,
                                      const struct fsp_session_ops *ops, void *userdata)
{
    struct fsp_session *se = session_new(opts, ops, userdata, true);
    if (!se)
        return NULL;
    int err = -session_kmount(se, opts);
    if (err) {
        session_free(se);
        errno = err;
        return NULL;
    }
    return se;
}

struct fsp_session *fsp_session_attach(int fd, const struct fsp_mount_opts *opts,
                                       const struct fsp_session_ops *ops, void *userdata)
{
    if (fd < 0) {
        errno = EBADF;
        return NULL;
    }
    struct fsp_session *se = session_new(opts, ops, userdata, false);
    if (!se)
        return NULL;
    se->fd = fd;
    se->attached = true; /* kind stays FSP_MOUNT_NONE: nothing to unmount */
    return se;
}

int fsp_mount_fd(const struct fsp_mount_opts *opts)
{
    static const struct fsp_session_ops none;
    struct fsp_session *se = session_new(opts, &none, NULL, true);
    if (!se)
        return -errno;
    int err = session_kmount(se, opts);
    int fd = se->fd;
    se->fd = -1; /* the caller's now */
    /* The auto_unmount watcher unmounts once its pipe closes: keep the
     * write end open (close-on-exec) for the life of the process. */
    se->watch_fd = -1;
    session_free(se);
    return err < 0 ? err : fd;
}

/* --- Stopping -------------------------------------------------------------- */

void fsp_session_signal_stopper(struct fsp_session *se, char cmd)
{
    int saved = errno;
    ssize_t n = write(se->stop_pipe[1], &cmd, 1); /* EAGAIN: a byte is pending anyway */
    (void)n;
    errno = saved;
}

void fsp_session_stop_async(struct fsp_session *se)
{
    se->stop_requested = 1;
    fsp_session_signal_stopper(se, 's');
}

void fsp_session_stop(struct fsp_session *se)
{
    fsp_session_stop_async(se);
    /* A worker must not unmount itself: the unmount may need a worker to
     * answer. Elsewhere, unmount now so that on return the mount is gone. */
    if (!fsp_session_on_worker(se))
        fsp_kunmount(se);
}

static unsigned workers_running(struct fsp_session *se)
{
    return atomic_load(&se->workers_running);
}

static void *stopper_main(void *arg)
{
    struct fsp_session *se = arg;
    bool unmounted = false, aborted = false;

    for (;;) {
        struct pollfd pfd = {.fd = se->stop_pipe[0], .events = POLLIN};
        int timeout = unmounted && !aborted && workers_running(se) ? FSP_ABORT_GRACE_MS : -1;
        int rc = poll(&pfd, 1, timeout);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc == 0) {
            /* Still not ENODEV: the mount was busy and only detached. Cut
             * the connection if the fuse control fs lets us; in any case
             * make the workers leave their read(). Closing the fds at
             * destroy then fails whatever still uses the detached mount. */
            if (workers_running(se)) {
                if (fsp_debug(se))
                    fsp_log("fsp: mount still busy after unmount; ending the workers");
                fsp_kabort(se);
                /* A caller's read function may hold anything when
                 * cancelled: its transport must end its own reads. Only a
                 * worker still in its loop is cancelled: the waiter joins
                 * (and so frees) a thread only once it has left, and both
                 * look under the lock. */
                pthread_mutex_lock(&se->lock);
                for (unsigned i = 0; !se->io.read && i < se->nworkers; i++)
                    if (se->workers[i].thread_started && !se->workers[i].exited)
                        pthread_cancel(se->workers[i].thread);
                pthread_mutex_unlock(&se->lock);
            }
            aborted = true;
            continue;
        }
        char c;
        ssize_t n = read(se->stop_pipe[0], &c, 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0 || c == 'q')
            break;
        if (c == 'd')
            fsp_session_dump_stats(se);
        if (c == 's' && !unmounted) {
            fsp_kunmount(se);
            unmounted = true;
        }
    }
    return NULL;
}

/* --- Start, wait, destroy ---------------------------------------------------- */

/* Worker i>0 reads from its own clone of the session fd, so that it has its
 * own processing queue (the reply must go to the same fd). */
static int worker_fd(struct fsp_session *se, unsigned i, bool *owned)
{
    *owned = false;
    if (i == 0 || se->custom_io)
        return se->fd;
    int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
    if (fd >= 0) {
        uint32_t src = (uint32_t)se->fd;
        if (ioctl(fd, FUSE_DEV_IOC_CLONE, &src) == 0) {
            *owned = true;
            return fd;
        }
        close(fd);
    }
    if (fsp_debug(se))
        fsp_log("fsp: cannot clone the /dev/fuse fd (%s); worker %u shares it", strerror(errno), i);
    return se->fd;
}

int fsp_session_start(struct fsp_session *se)
{
    if (se->started)
        return -EBUSY;
    if (se->tune.threads)
        se->nworkers = se->tune.threads;
    se->workers = calloc(se->nworkers, sizeof(*se->workers));
    if (!se->workers)
        return -ENOMEM;
    for (unsigned i = 0; i < se->nworkers; i++) {
        struct fsp_worker *w = &se->workers[i];
        w->se = se;
        w->fd = worker_fd(se, i, &w->fd_owned);
        w->bs = fsp_bufset_new(se->buf_in_size, se->buf_scratch_size);
        if (!w->bs)
            return -ENOMEM; /* freed by destroy */
    }

    /* Threads start with every signal blocked: signals are the
     * application's business, handled on its own threads. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&se->stopper, NULL, stopper_main, se);
    if (rc == 0)
        se->stopper_started = true;
    for (unsigned i = 0; rc == 0 && i < se->nworkers; i++) {
        struct fsp_worker *w = &se->workers[i];
        atomic_fetch_add(&se->workers_running, 1);
        pthread_mutex_lock(&se->lock); /* the stopper reads it under the lock */
        rc = pthread_create(&w->thread, NULL, fsp_worker_main, w);
        if (rc == 0)
            w->thread_started = true;
        pthread_mutex_unlock(&se->lock);
        if (rc != 0)
            atomic_fetch_sub(&se->workers_running, 1);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    se->started = true;
    if (rc != 0) {
        fsp_log("fsp: cannot start worker threads: %s", strerror(rc));
        fsp_session_stop(se);
        return -rc;
    }
    return 0;
}

int fsp_session_wait(struct fsp_session *se)
{
    if (!se->started)
        return -EINVAL;
    if (!se->waited) {
        for (unsigned i = 0; i < se->nworkers; i++) {
            struct fsp_worker *w = &se->workers[i];
            if (!w->thread_started)
                continue;
            /* Not joined before it has left: the stopper may still cancel
             * it until then (see stopper_main). */
            pthread_mutex_lock(&se->lock);
            while (!w->exited)
                pthread_cond_wait(&se->cond, &se->lock);
            pthread_mutex_unlock(&se->lock);
            pthread_join(w->thread, NULL);
        }
        fsp_uring_stop(se);
        if (fsp_debug(se))
            fsp_session_dump_stats(se);
        if (se->stopper_started) {
            for (;;) {
                ssize_t n = write(se->stop_pipe[1], "q", 1);
                if (n == 1 || (n < 0 && errno != EAGAIN && errno != EINTR))
                    break;
                struct timespec ts = {0, 1000 * 1000};
                nanosleep(&ts, NULL);
            }
            pthread_join(se->stopper, NULL);
        }
        atomic_store(&se->exited, true);
        /* The workers are gone; if our mount is still there (the connection
         * was aborted rather than unmounted), undo it now. */
        fsp_kunmount(se);
        if (!atomic_exchange(&se->destroy_called, true) && se->ops.destroy)
            se->ops.destroy(se->userdata);
        se->waited = true;
    }
    int e = atomic_load(&se->worker_error);
    return e ? -e : 0;
}

void fsp_session_destroy(struct fsp_session *se)
{
    if (!se)
        return;
    if (se->started && !se->waited) {
        fsp_session_stop(se);
        fsp_session_wait(se);
    }
    fsp_kunmount(se);

    /* A deferred request still holds its buffers and a pointer to us. Give
     * its owner a bounded time to answer; if it never does, leaking is
     * better than a use after free. */
    pthread_mutex_lock(&se->lock);
    for (int i = 0; se->ndeferred && i < 100; i++) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 100 * 1000 * 1000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&se->cond, &se->lock, &ts);
    }
    unsigned left = se->ndeferred;
    pthread_mutex_unlock(&se->lock);

    /* Closing every fd of the connection also aborts it, should any mount
     * reference remain; then let the watcher go. */
    if (left) {
        fsp_log("fsp: %u deferred requests never answered; session memory leaked", left);
        return;
    }
    if (se->workers)
        for (unsigned i = 0; i < se->nworkers; i++)
            if (se->workers[i].fd_owned) {
                close(se->workers[i].fd);
                se->workers[i].fd_owned = false;
            }
    if (se->fd >= 0) {
        close(se->fd);
        se->fd = -1;
    }
    fsp_kreap_watcher(se);
    session_free(se);
}

/* --- Accessors --------------------------------------------------------------- */

void *fsp_session_userdata(struct fsp_session *se)
{
    return se->userdata;
}

const struct fsp_conn *fsp_session_conn(struct fsp_session *se)
{
    return &se->conn;
}

const char *fsp_session_mountpoint(struct fsp_session *se)
{
    return se->mountpoint;
}

bool fsp_session_exited(struct fsp_session *se)
{
    return atomic_load(&se->exited);
}

int fsp_session_fd(struct fsp_session *se)
{
    return se->fd;
}

int fsp_session_set_threads(struct fsp_session *se, unsigned count)
{
    if (se->started)
        return -EBUSY;
    se->nworkers = count ? count : default_threads();
    if (se->nworkers > FSP_MAX_THREADS)
        se->nworkers = FSP_MAX_THREADS;
    return 0;
}

void fsp_session_set_debug(struct fsp_session *se, bool on)
{
    atomic_store(&se->debug, on);
}
