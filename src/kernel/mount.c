/*
 * mount.c - making and undoing the FUSE mount.
 *
 * As root we call mount(2) ourselves; otherwise the set-uid helper
 * fusermount3 mounts for us and passes the /dev/fuse fd back over a unix
 * socket (the _FUSE_COMMFD protocol, fd in an SCM_RIGHTS message).
 *
 * auto_unmount guarantees that no mount outlives the process, even after
 * SIGKILL. A tiny watcher process, forked before /dev/fuse is opened, holds
 * the read end of a pipe; EOF means the file system process is gone, and the
 * watcher lazily unmounts the mount if it is still ours (same superblock
 * device in /proc/self/mountinfo): with umount2 as root, else by exec'ing
 * fusermount3 -u -z.
 */
#define _GNU_SOURCE /* pipe2, close_range */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kernel/internal.h"

extern char **environ;

/* --- The auto_unmount watcher ----------------------------------------------- */

/* What the watcher learns over its pipe once the mount exists. */
struct watch_msg {
    uint32_t major, minor;
    uint32_t kind; /* enum fsp_mount_kind: how to unmount */
    uint32_t dev_known;
};

static bool entry_is_ours(const struct fsp_mntent *e, const struct watch_msg *m, const char *fstype,
                          const char *fsname)
{
    if (m->dev_known)
        return e->major == m->major && e->minor == m->minor;
    return strcmp(e->fstype, fstype) == 0 && strcmp(e->source, fsname) == 0;
}

/* Runs in the forked child: async-signal-safe calls only (the parent may
 * have had threads). Never returns. */
static void watcher_main(int rfd, const char *mountpoint, const char *fstype, const char *fsname,
                         const char *fusermount3)
{
    static const int ignored[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGUSR1, SIGUSR2};
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_IGN;
    for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
        sigaction(ignored[i], &sa, NULL);
    /* Out of the terminal's process group (a ^C must not kill us before
     * the file system), out of any directory, holding no other fd (stderr
     * aside, for fusermount3's messages). */
    setsid();
    if (chdir("/") != 0) {
        /* nothing to do: we only need not to pin a directory */
    }
    /* Nor stdin and stdout: a caller reading the file system's output up
     * to EOF (out=$(memfs -b ...)) must not wait for us. */
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
        if (null > STDERR_FILENO && null != rfd)
            close(null);
    }
    if (rfd > 3)
        close_range(3, (unsigned)rfd - 1, 0);
    close_range((unsigned)rfd + 1, ~0u, 0);
    prctl(PR_SET_NAME, "fsp-unmount", 0, 0, 0);

    struct watch_msg msg = {0};
    bool mounted = false;
    for (;;) {
        char buf[sizeof(msg)];
        ssize_t n = read(rfd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (n == (ssize_t)sizeof(msg)) {
            memcpy(&msg, buf, sizeof(msg));
            mounted = msg.kind != FSP_MOUNT_NONE;
        }
    }
    /* EOF: the file system process is gone, or done with us. */
    struct fsp_mntent e;
    if (!mounted || fsp_mountinfo_top(mountpoint, &e) != 0 ||
        !entry_is_ours(&e, &msg, fstype, fsname))
        _exit(0);
    if (msg.kind == FSP_MOUNT_SYSCALL) {
        umount2(mountpoint, MNT_DETACH | UMOUNT_NOFOLLOW);
    } else if (fusermount3) {
        /* fusermount3's own auto_unmount cannot see a mount without
         * allow_other (it checks as root), so we unmount through it. */
        char *argv[] = {"fusermount3", "-u", "-q", "-z", "--", (char *)mountpoint, NULL};
        execve(fusermount3, argv, environ);
    }
    _exit(0);
}

static bool find_fusermount3(char *out, size_t size);

static int start_watcher(struct fsp_session *se)
{
    char prog[4096];
    int p[2];
    if (!find_fusermount3(prog, sizeof(prog)))
        prog[0] = '\0';
    if (pipe2(p, O_CLOEXEC) != 0)
        return -errno;
    pid_t pid = fork();
    if (pid < 0) {
        int err = -errno;
        close(p[0]);
        close(p[1]);
        return err;
    }
    if (pid == 0) {
        if (p[0] != 3) {
            /* keep fds 0-2, put the pipe at 3 */
            dup2(p[0], 3);
            p[0] = 3;
        }
        watcher_main(p[0], se->mountpoint, se->fstype, se->fsname, prog[0] ? prog : NULL);
    }
    close(p[0]);
    se->watch_pid = pid;
    se->watch_fd = p[1];
    return 0;
}

static void watcher_send(struct fsp_session *se)
{
    if (se->watch_fd < 0)
        return;
    struct watch_msg m = {se->dev_major, se->dev_minor, se->mounted ? se->kind : FSP_MOUNT_NONE,
                          se->dev_known};
    ssize_t n;
    do
        n = write(se->watch_fd, &m, sizeof(m));
    while (n < 0 && errno == EINTR);
}

/* Wait a bounded time for the watcher to exit, so that no zombie stays. */
static void reap_bounded(pid_t pid, int ms)
{
    for (int i = 0; i <= ms; i += 10) {
        pid_t r = waitpid(pid, NULL, WNOHANG);
        if (r == pid || (r < 0 && errno != EINTR))
            return;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

void fsp_kreap_watcher(struct fsp_session *se)
{
    /* EOF tells the watcher we are done; it checks that the mount is gone
     * and exits. */
    if (se->watch_fd >= 0) {
        close(se->watch_fd);
        se->watch_fd = -1;
    }
    if (se->watch_pid > 0) {
        reap_bounded(se->watch_pid, 3000);
        se->watch_pid = -1;
    }
}

/* --- mount(2) as root ------------------------------------------------------ */

static unsigned long mount_flags(const struct fsp_mount_opts *opts)
{
    unsigned long flags = opts->mount_flags_set ? opts->mount_flags : MS_NOSUID | MS_NODEV;
    return flags | (opts->read_only ? MS_RDONLY : 0);
}

static int mount_syscall(struct fsp_session *se, const struct fsp_mount_opts *opts)
{
    char data[256], max_read[32] = "";
    unsigned long flags = mount_flags(opts);
    if (opts->max_read)
        snprintf(max_read, sizeof(max_read), ",max_read=%u", (unsigned)opts->max_read);
    int n = snprintf(data, sizeof(data), "fd=%d,rootmode=%o,user_id=%u,group_id=%u%s%s%s", se->fd,
                     (unsigned)opts->rootmode, (unsigned)getuid(), (unsigned)getgid(),
                     opts->default_permissions ? ",default_permissions" : "",
                     opts->allow_other ? ",allow_other" : "", max_read);
    if (n < 0 || (size_t)n >= sizeof(data))
        return -EINVAL;
    if (mount(se->fsname, se->mountpoint, se->fstype, flags, data) != 0)
        return -errno;
    return 0;
}

/* --- fusermount3 ----------------------------------------------------------- */

/* Locate fusermount3 before forking (the child may not allocate). */
static bool find_fusermount3(char *out, size_t size)
{
    const char *env = getenv("FSP_FUSERMOUNT3");
    if (env && *env && (size_t)snprintf(out, size, "%s", env) < size)
        return true;
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    while (*path) {
        const char *end = strchr(path, ':');
        size_t len = end ? (size_t)(end - path) : strlen(path);
        if (len > 0 && (size_t)snprintf(out, size, "%.*s/fusermount3", (int)len, path) < size &&
            access(out, X_OK) == 0)
            return true;
        path += len + (end ? 1 : 0);
    }
    for (const char *const *p =
             (const char *const[]){"/usr/bin/fusermount3", "/bin/fusermount3", NULL};
         *p; p++) {
        if (access(*p, X_OK) == 0 && (size_t)snprintf(out, size, "%s", *p) < size)
            return true;
    }
    return false;
}

/* Append ",key" or ",key=value" to an option string, escaping the commas and
 * backslashes fusermount3 would otherwise split on. */
static bool opt_add(char *buf, size_t size, const char *key, const char *value)
{
    size_t len = strlen(buf);
    const char *parts[2] = {key, value};
    if (len && len + 1 < size)
        buf[len++] = ',';
    for (int k = 0; k < 2 && parts[k]; k++) {
        if (k == 1) {
            if (len + 1 >= size)
                return false;
            buf[len++] = '=';
        }
        for (const char *s = parts[k]; *s; s++) {
            if (*s == ',' || *s == '\\') {
                if (len + 1 >= size)
                    return false;
                buf[len++] = '\\';
            }
            if (len + 1 >= size)
                return false;
            buf[len++] = *s;
        }
    }
    buf[len] = '\0';
    return true;
}

static int receive_fd(int sock)
{
    char byte;
    struct iovec iov = {&byte, 1};
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int))];
    } ctl;
    struct msghdr msg = {.msg_iov = &iov,
                         .msg_iovlen = 1,
                         .msg_control = ctl.buf,
                         .msg_controllen = sizeof(ctl.buf)};
    ssize_t n;
    do
        n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return -errno;
    if (n == 0)
        return -EIO; /* fusermount3 failed; it said why on stderr */
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
            c->cmsg_len == CMSG_LEN(sizeof(int))) {
            int fd;
            memcpy(&fd, CMSG_DATA(c), sizeof(fd));
            return fd;
        }
    }
    return -EIO;
}

/* The mount flags fusermount3 (3.14) takes as options. It starts from
 * nosuid,nodev and ignores suid and dev for users, so only set flags are
 * passed, as libfuse does. */
static const struct {
    unsigned long flag;
    const char *name;
} fusermount3_flags[] = {
    {MS_NOSUID, "nosuid"},    {MS_NODEV, "nodev"},     {MS_NOEXEC, "noexec"},
    {MS_SYNCHRONOUS, "sync"}, {MS_NOATIME, "noatime"}, {MS_DIRSYNC, "dirsync"},
};

static bool add_flag_opts(char *buf, size_t size, unsigned long flags)
{
    if (!opt_add(buf, size, flags & MS_RDONLY ? "ro" : "rw", NULL))
        return false;
    flags &= ~(unsigned long)MS_RDONLY;
    for (size_t i = 0; i < sizeof(fusermount3_flags) / sizeof(fusermount3_flags[0]); i++) {
        if (!(flags & fusermount3_flags[i].flag))
            continue;
        if (!opt_add(buf, size, fusermount3_flags[i].name, NULL))
            return false;
        flags &= ~fusermount3_flags[i].flag;
    }
    /* MS_RELATIME is the kernel's default anyway; the rest fusermount3
     * would refuse as unknown, failing the whole mount. */
    flags &= ~(unsigned long)MS_RELATIME;
    if (flags)
        fsp_log("fsp: mount flags 0x%lx dropped: fusermount3 cannot set them", flags);
    return true;
}

static int mount_fusermount3(struct fsp_session *se, const struct fsp_mount_opts *opts)
{
    char prog[4096], optstr[2048] = "", commenv[32], max_read[16];
    if (!find_fusermount3(prog, sizeof(prog))) {
        fsp_log("fsp: cannot mount as non-root: fusermount3 not found (install fuse3)");
        return -ENOENT;
    }
    bool ok = opt_add(optstr, sizeof(optstr), "fsname", se->fsname) &&
              (!opts->subtype || opt_add(optstr, sizeof(optstr), "subtype", opts->subtype)) &&
              add_flag_opts(optstr, sizeof(optstr), mount_flags(opts)) &&
              (!opts->allow_other || opt_add(optstr, sizeof(optstr), "allow_other", NULL)) &&
              (!opts->default_permissions ||
               opt_add(optstr, sizeof(optstr), "default_permissions", NULL));
    snprintf(max_read, sizeof(max_read), "%u", (unsigned)opts->max_read);
    ok = ok && (!opts->max_read || opt_add(optstr, sizeof(optstr), "max_read", max_read));
    /* Not auto_unmount: fusermount3 (3.14) checks the mount as root, which
     * a mount without allow_other denies, so it never unmounts and only
     * complains on a clean stop. Our watcher does the job instead. */
    if (!ok)
        return -ENAMETOOLONG;

    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return -errno;
    snprintf(commenv, sizeof(commenv), "_FUSE_COMMFD=%d", sv[1]);

    /* Our environment plus _FUSE_COMMFD, built before fork. */
    size_t nenv = 0;
    while (environ && environ[nenv])
        nenv++;
    char **envp = calloc(nenv + 2, sizeof(char *));
    if (!envp) {
        close(sv[0]);
        close(sv[1]);
        return -ENOMEM;
    }
    size_t k = 0;
    for (size_t i = 0; i < nenv; i++)
        if (strncmp(environ[i], "_FUSE_COMMFD=", 13) != 0)
            envp[k++] = environ[i];
    envp[k++] = commenv;
    envp[k] = NULL;
    char *argv[] = {"fusermount3", "-o", optstr, "--", se->mountpoint, NULL};

    pid_t pid = fork();
    if (pid < 0) {
        int err = -errno;
        free(envp);
        close(sv[0]);
        close(sv[1]);
        return err;
    }
    if (pid == 0) {
        /* The helper must inherit exactly this end of the socket. */
        fcntl(sv[1], F_SETFD, 0);
        execve(prog, argv, envp);
        static const char msg[] = "fsp: cannot run fusermount3\n";
        ssize_t w = write(2, msg, sizeof(msg) - 1);
        (void)w;
        _exit(127);
    }
    free(envp);
    close(sv[1]);

    /* The helper exits right after the handover. */
    int fd = receive_fd(sv[0]);
    close(sv[0]);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
    if (fd < 0) {
        if (fd == -EIO)
            fsp_log("fsp: fusermount3 did not mount %s (its reason is above)", se->mountpoint);
        return fd;
    }
    se->fd = fd;
    return 0;
}

/* --- Unmounting ----------------------------------------------------------- */

/* At once when idle, else lazily: a busy mount then goes as soon as its
 * last user lets go. 0 or -errno. */
static int unmount_syscall(const char *path)
{
    if (umount2(path, UMOUNT_NOFOLLOW) == 0 || umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
        return 0;
    return -errno;
}

/* Lazily through fusermount3; -EIO when it ran and failed (quietly: -q). */
static int unmount_fusermount3(const char *mountpoint)
{
    char prog[4096];
    if (!find_fusermount3(prog, sizeof(prog)))
        return -ENOENT;
    char *argv[] = {"fusermount3", "-u", "-q", "-z", "--", (char *)mountpoint, NULL};
    pid_t pid;
    int rc = posix_spawn(&pid, prog, NULL, NULL, argv, environ);
    if (rc != 0)
        return -rc;
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -errno;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

int fsp_unmount_path(const char *path)
{
    if (geteuid() == 0) {
        int err = unmount_syscall(path);
        if (err != -EPERM)
            return err;
    }
    return unmount_fusermount3(path);
}

/* --- Public (to the session) ------------------------------------------------ */

/* Remember the device of our superblock: it tells our mount from any other
 * mount that may later sit on the same path. */
static void learn_dev(struct fsp_session *se)
{
    struct fsp_mntent e;
    if (fsp_mountinfo_top(se->mountpoint, &e) == 0 && strcmp(e.fstype, se->fstype) == 0) {
        se->dev_major = e.major;
        se->dev_minor = e.minor;
        se->dev_known = true;
    }
}

int fsp_kmount(struct fsp_session *se, const struct fsp_mount_opts *opts)
{
    int err = -EPERM;
    bool root = geteuid() == 0;

    /* The watcher must exist before /dev/fuse is open, so that it never
     * holds the fd (that would keep a dead connection alive). */
    if (opts->auto_unmount) {
        err = start_watcher(se);
        if (err < 0) {
            fsp_log("fsp: cannot start the auto_unmount watcher: %s", strerror(-err));
            return err;
        }
        err = -EPERM;
    }
    if (root) {
        se->fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
        if (se->fd < 0) {
            err = -errno;
            fsp_log("fsp: cannot open /dev/fuse: %s", strerror(errno));
        } else {
            err = mount_syscall(se, opts);
            if (err == 0)
                se->kind = FSP_MOUNT_SYSCALL;
            else {
                close(se->fd);
                se->fd = -1;
            }
        }
    }
    /* Non-root, or a root without the right to mount (user namespaces). */
    if (!root || err == -EPERM) {
        err = mount_fusermount3(se, opts);
        if (err == 0)
            se->kind = FSP_MOUNT_FUSERMOUNT3;
    }
    if (err < 0) {
        fsp_log("fsp: cannot mount %s: %s", se->mountpoint, strerror(-err));
        fsp_kreap_watcher(se);
        return err;
    }
    se->mounted = true;
    learn_dev(se);
    watcher_send(se);
    return 0;
}

static bool still_mounted(struct fsp_session *se)
{
    struct fsp_mntent e;
    if (fsp_mountinfo_top(se->mountpoint, &e) != 0)
        return false;
    if (se->dev_known)
        return e.major == se->dev_major && e.minor == se->dev_minor;
    return strcmp(e.fstype, se->fstype) == 0 && strcmp(e.source, se->fsname) == 0;
}

/* Undo the mount once. Lazy when busy: the workers then see ENODEV as soon
 * as the last user lets go (or fsp_kabort cuts the connection). */
void fsp_kunmount(struct fsp_session *se)
{
    pthread_mutex_lock(&se->mount_lock);
    if (se->mounted && still_mounted(se)) {
        if (se->kind == FSP_MOUNT_SYSCALL) {
            int err = unmount_syscall(se->mountpoint);
            if (err < 0)
                fsp_log("fsp: cannot unmount %s: %s", se->mountpoint, strerror(-err));
        } else if (se->kind == FSP_MOUNT_FUSERMOUNT3) {
            int err = unmount_fusermount3(se->mountpoint);
            if (err < 0 && still_mounted(se))
                fsp_log("fsp: fusermount3 -u %s failed: %s", se->mountpoint, strerror(-err));
        }
    }
    se->mounted = false;
    pthread_mutex_unlock(&se->mount_lock);
}

/* Cut the connection through the fuse control file system, if it is
 * mounted: every blocked read then fails and the workers leave. Used when an
 * unmount was lazy and the mount is still held busy by some process. */
void fsp_kabort(struct fsp_session *se)
{
    if (!se->dev_known)
        return;
    char path[96];
    snprintf(path, sizeof(path), "/sys/fs/fuse/connections/%u/abort",
             (se->dev_major << 20) | se->dev_minor);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    ssize_t n = write(fd, "1", 1);
    (void)n;
    close(fd);
}
