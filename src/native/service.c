/*
 * service.c - WinFsp's service framework on Linux: a process that starts a
 * file system, runs until told to stop, stops it and exits with a status.
 *
 * WinFsp's services run under the SCM or, when allowed, on a console. Here
 * the roles map to a foreground process on a terminal (console mode), a
 * process started by systemd or detached into a daemon (service mode), and
 * the controls come as signals (see the header for the mapping). The thread
 * in FspServiceLoop owns the service: it runs OnStart, waits on a signalfd
 * and a stop pipe, and runs OnStop, so that a stop requested from a file
 * system's own thread never runs OnStop there (OnStop usually joins those
 * threads).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#include <winfsp/winfsp.h>
#pragma GCC diagnostic pop

#include "native/utf.h"

struct fsp_service_private {
    int stop_pipe[2]; /* FspServiceStop writes a byte; the loop polls the read end */
    int report_fd;    /* detached: where the waiting parent reads the start result */
    bool looping, starting;
};

/* The process's log mode: one per process, as WinFsp's event source is. */
enum log_mode { LOG_MODE_UNSET, LOG_MODE_CONSOLE, LOG_MODE_SERVICE };
static _Atomic int log_mode = LOG_MODE_UNSET;
/* Service mode while a detached child still has its parent's stderr: the
 * start messages also go there, so a failed start is visible to the user. */
static _Atomic bool log_stderr_too;
static char log_ident[128] = "fsp";

/* --- Where we run ------------------------------------------------------------ */

/* Started by systemd: stderr is the journal stream systemd named in
 * $JOURNAL_STREAM ("dev:ino"), or systemd (PID 1) is our parent and gave us
 * an $INVOCATION_ID. Either alone can be inherited by a shell, not both
 * conditions of one test. */
static bool under_systemd(void)
{
    const char *js = getenv("JOURNAL_STREAM");
    struct stat st;
    if (js && fstat(STDERR_FILENO, &st) == 0) {
        unsigned long long dev, ino;
        if (sscanf(js, "%llu:%llu", &dev, &ino) == 2 && dev == (unsigned long long)st.st_dev &&
            ino == (unsigned long long)st.st_ino)
            return true;
    }
    return getppid() == 1 && getenv("INVOCATION_ID");
}

static void set_log_mode(enum log_mode mode)
{
    if (mode == LOG_MODE_SERVICE && atomic_load(&log_mode) != LOG_MODE_SERVICE)
        openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
    atomic_store(&log_mode, mode);
}

FSP_API BOOLEAN FspServiceIsInteractive(VOID)
{
    int mode = atomic_load(&log_mode);
    if (mode == LOG_MODE_UNSET)
        return !under_systemd();
    return mode == LOG_MODE_CONSOLE;
}

/* --- Logging ----------------------------------------------------------------- */

FSP_API VOID FspServiceLogV(ULONG Type, const char *Format, va_list ap)
{
    char msg[1024];
    int saved = errno;
    vsnprintf(msg, sizeof msg, Format, ap);
    if (atomic_load(&log_mode) == LOG_MODE_SERVICE) {
        int prio = Type == EVENTLOG_ERROR_TYPE     ? LOG_ERR
                   : Type == EVENTLOG_WARNING_TYPE ? LOG_WARNING
                                                   : LOG_INFO;
        syslog(prio, "%s", msg);
        if (!atomic_load(&log_stderr_too)) {
            errno = saved;
            return;
        }
    }
    /* One write per line, so that lines from several threads never mix. */
    char line[1200];
    int n = snprintf(line, sizeof line, "%s: %s\n", log_ident, msg);
    if (n > (int)sizeof line - 1)
        n = (int)sizeof line - 1, line[n - 1] = '\n';
    ssize_t w = write(STDERR_FILENO, line, (size_t)n);
    (void)w;
    errno = saved;
}

FSP_API VOID FspServiceLog(ULONG Type, const char *Format, ...)
{
    va_list ap;
    va_start(ap, Format);
    FspServiceLogV(Type, Format, ap);
    va_end(ap);
}

/* --- systemd's notification protocol ------------------------------------------ */

/* One datagram to $NOTIFY_SOCKET ("/path" or "@abstract"); silent when unset:
 * the protocol is advisory. */
static void sd_notify_text(const char *text)
{
    const char *path = getenv("NOTIFY_SOCKET");
    if (!path || (path[0] != '/' && path[0] != '@'))
        return;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    size_t len = strlen(path);
    if (len >= sizeof sa.sun_path)
        return;
    memcpy(sa.sun_path, path, len);
    if (sa.sun_path[0] == '@')
        sa.sun_path[0] = '\0';
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return;
    ssize_t n = sendto(fd, text, strlen(text), MSG_NOSIGNAL, (struct sockaddr *)&sa,
                       (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len));
    (void)n;
    close(fd);
}

/* --- Service objects ------------------------------------------------------------ */

FSP_API NTSTATUS FspServiceCreate(PWSTR ServiceName, FSP_SERVICE_START *OnStart,
                                  FSP_SERVICE_STOP *OnStop, FSP_SERVICE_CONTROL *OnControl,
                                  FSP_SERVICE **PService)
{
    if (!PService)
        return STATUS_INVALID_PARAMETER;
    *PService = NULL;
    if (!ServiceName || !ServiceName[0] || fsp_wcslen(ServiceName) > 256)
        return STATUS_INVALID_PARAMETER;
    size_t len = fsp_wcslen(ServiceName);
    FSP_SERVICE *s = calloc(1, sizeof *s + (len + 1) * sizeof(WCHAR));
    struct fsp_service_private *p = calloc(1, sizeof *p);
    if (!s || !p || pipe2(p->stop_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
        free(s);
        free(p);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    p->report_fd = -1;
    memcpy(s->ServiceName, ServiceName, (len + 1) * sizeof(WCHAR));
    s->Version = sizeof *s;
    s->OnStart = OnStart;
    s->OnStop = OnStop;
    s->OnControl = OnControl;
    s->AcceptControl = SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN;
    s->ServiceStatus.dwCurrentState = SERVICE_STOPPED;
    pthread_mutex_init(&s->ServiceStatusGuard, NULL);
    s->Private = p;
    *PService = s;
    return STATUS_SUCCESS;
}

FSP_API VOID FspServiceDelete(FSP_SERVICE *Service)
{
    if (!Service)
        return;
    close(Service->Private->stop_pipe[0]);
    close(Service->Private->stop_pipe[1]);
    free(Service->Private);
    pthread_mutex_destroy(&Service->ServiceStatusGuard);
    free(Service);
}

FSP_API VOID FspServiceAllowConsoleMode(FSP_SERVICE *Service)
{
    Service->AllowConsoleMode = 1;
}

FSP_API VOID FspServiceAcceptControl(FSP_SERVICE *Service, ULONG Control)
{
    pthread_mutex_lock(&Service->ServiceStatusGuard);
    Service->AcceptControl = Control;
    Service->ServiceStatus.dwControlsAccepted = Control;
    pthread_mutex_unlock(&Service->ServiceStatusGuard);
}

FSP_API VOID FspServiceRequestTime(FSP_SERVICE *Service, ULONG Time)
{
    char msg[64];
    snprintf(msg, sizeof msg, "EXTEND_TIMEOUT_USEC=%llu", (unsigned long long)Time * 1000);
    sd_notify_text(msg);
}

FSP_API VOID FspServiceSetExitCode(FSP_SERVICE *Service, ULONG ExitCode)
{
    pthread_mutex_lock(&Service->ServiceStatusGuard);
    Service->ExitCode = ExitCode;
    Service->ServiceStatus.dwWin32ExitCode = ExitCode;
    pthread_mutex_unlock(&Service->ServiceStatusGuard);
}

FSP_API ULONG FspServiceGetExitCode(FSP_SERVICE *Service)
{
    pthread_mutex_lock(&Service->ServiceStatusGuard);
    ULONG code = Service->ExitCode;
    pthread_mutex_unlock(&Service->ServiceStatusGuard);
    return code;
}

static void set_state(FSP_SERVICE *s, DWORD state)
{
    pthread_mutex_lock(&s->ServiceStatusGuard);
    s->ServiceStatus.dwCurrentState = state;
    pthread_mutex_unlock(&s->ServiceStatusGuard);
}

FSP_API VOID FspServiceStop(FSP_SERVICE *Service)
{
    /* Async-signal-safe: a byte in a non-blocking pipe (a full pipe already
     * holds a stop request). */
    ssize_t n = write(Service->Private->stop_pipe[1], "s", 1);
    (void)n;
}

/* --- Daemon mode ----------------------------------------------------------------- */

/* The parent's side: wait for the child's start result and exit with it.
 * EOF without a result means the child died during OnStart. */
static void __attribute__((noreturn)) wait_for_child(pid_t child, int rfd)
{
    unsigned char code;
    ssize_t n;
    while ((n = read(rfd, &code, 1)) < 0 && errno == EINTR)
        ;
    if (n == 1)
        _exit(code);
    int status;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(status))
        _exit(WEXITSTATUS(status) ? WEXITSTATUS(status) : 1);
    _exit(WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1);
}

/* A daemon keeps none of the descriptors whoever started it left open (a
 * pipe a caller waits on would never see EOF). Those are the ones above
 * stderr without close-on-exec: any descriptor this process opened itself,
 * the framework's included, has it. */
static void close_inherited_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return;
    int self = dirfd(d);
    int fds[256], n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < (int)(sizeof fds / sizeof fds[0])) {
        int fd = atoi(e->d_name);
        if (fd > STDERR_FILENO && fd != self && e->d_name[0] != '.') {
            int flags = fcntl(fd, F_GETFD);
            if (flags >= 0 && !(flags & FD_CLOEXEC))
                fds[n++] = fd;
        }
    }
    closedir(d);
    for (int i = 0; i < n; i++)
        close(fds[i]);
}

FSP_API NTSTATUS FspServiceDetach(FSP_SERVICE *Service)
{
    struct fsp_service_private *p = Service->Private;
    if (!p->starting || p->report_fd >= 0)
        return STATUS_UNSUCCESSFUL;
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0)
        return FspNtStatusFromErrno(errno);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        int err = errno;
        close(fds[0]);
        close(fds[1]);
        return FspNtStatusFromErrno(err);
    }
    if (pid > 0) {
        close(fds[1]);
        wait_for_child(pid, fds[0]);
    }
    close(fds[0]);
    close_inherited_fds();
    setsid();
    p->report_fd = fds[1];
    atomic_store(&log_stderr_too, true);
    set_log_mode(LOG_MODE_SERVICE);
    return STATUS_SUCCESS;
}

/* The start is over: tell the parent, then let go of its terminal and
 * working directory (kept during OnStart for relative paths and messages). */
static void report_start(struct fsp_service_private *p, unsigned char code)
{
    if (p->report_fd < 0)
        return;
    fflush(stdout);
    fflush(stderr);
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        if (null > STDERR_FILENO)
            close(null);
    }
    atomic_store(&log_stderr_too, false);
    if (chdir("/") != 0) {
        /* harmless: only a busy directory stays busy */
    }
    ssize_t n = write(p->report_fd, &code, 1);
    (void)n;
    close(p->report_fd);
    p->report_fd = -1;
}

/* --- The command line ---------------------------------------------------------- */

/* UTF-8 to UTF-16 without path semantics; a byte that is not valid UTF-8
 * becomes U+FFFD, so that any command line converts. Returns the WCHARs
 * written (dst NULL: just counts). */
static size_t arg_to_utf16(const unsigned char *s, WCHAR *dst)
{
    size_t n = 0;
    while (*s) {
        WCHAR tmp[2] = {0xfffd, 0};
        int units = 1;
        size_t used = 1;
        if (*s < 0x80) {
            tmp[0] = *s;
        } else {
            /* The sequence's length from its lead byte; the strict converter
             * judges the rest ('/' and '\\' cannot occur in it). */
            size_t need = *s >= 0xf0 ? 4 : *s >= 0xe0 ? 3 : 2, have = 1;
            while (have < need && s[have])
                have++;
            int u = have == need ? fsp_utf8_to_utf16((const char *)s, need, tmp, 2, 0) : -1;
            if (u > 0) {
                units = u;
                used = need;
            } else
                tmp[0] = 0xfffd;
        }
        if (dst) {
            dst[n] = tmp[0];
            if (units == 2)
                dst[n + 1] = tmp[1];
        }
        n += (size_t)units;
        s += used;
    }
    return n;
}

/* /proc/self/cmdline as argc and a NULL-terminated array of UTF-16 strings
 * in one allocation. NULL when it cannot be read. */
static PWSTR *read_command_line(ULONG *pargc)
{
    int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    size_t cap = 4096, len = 0;
    unsigned char *buf = malloc(cap + 1);
    for (;;) {
        if (!buf)
            break;
        if (len == cap) {
            unsigned char *bigger = realloc(buf, cap * 2 + 1);
            if (!bigger) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    if (!buf)
        return NULL;
    buf[len] = '\0'; /* each argument ends in NUL; this guards a truncated last one */

    ULONG argc = 0;
    size_t units = 0;
    for (size_t i = 0; i < len; i += strlen((char *)buf + i) + 1) {
        argc++;
        units += arg_to_utf16(buf + i, NULL) + 1;
    }
    PWSTR *argv = malloc((argc + 1) * sizeof(PWSTR) + units * sizeof(WCHAR));
    if (argv) {
        WCHAR *w = (WCHAR *)(argv + argc + 1);
        ULONG k = 0;
        for (size_t i = 0; i < len; i += strlen((char *)buf + i) + 1) {
            argv[k++] = w;
            w += arg_to_utf16(buf + i, w);
            *w++ = 0;
        }
        argv[argc] = NULL;
        *pargc = argc;
    }
    free(buf);
    return argv;
}

/* --- The loop ------------------------------------------------------------------ */

/* What the process exits with when OnStart failed with Status. */
static ULONG start_failure_code(NTSTATUS status)
{
    int e = FspErrnoFromNtStatus(status);
    return e > 0 && e < 256 ? (ULONG)e : 1;
}

/* A stop control: OnStop on this thread. True when the service stopped. */
static bool do_stop(FSP_SERVICE *s)
{
    if (!(s->AcceptControl & (SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN))) {
        FspServiceLog(EVENTLOG_WARNING_TYPE,
                      "stop request ignored: the service does not accept it");
        return false;
    }
    set_state(s, SERVICE_STOP_PENDING);
    sd_notify_text("STOPPING=1");
    NTSTATUS st = s->OnStop ? s->OnStop(s) : STATUS_SUCCESS;
    if (!NT_SUCCESS(st)) {
        FspServiceLog(EVENTLOG_ERROR_TYPE, "the service failed to stop (status 0x%08x)",
                      (unsigned)st);
        set_state(s, SERVICE_RUNNING);
        return false;
    }
    set_state(s, SERVICE_STOPPED);
    return true;
}

/* A signal: true when it stopped the service. */
static bool on_signal(FSP_SERVICE *s, int sig, bool console)
{
    if (sig == SIGINT || sig == SIGTERM)
        return do_stop(s);
    /* SIGHUP */
    if (console)
        return do_stop(s);
    if ((s->AcceptControl & SERVICE_ACCEPT_PARAMCHANGE) && s->OnControl) {
        NTSTATUS st = s->OnControl(s, SERVICE_CONTROL_PARAMCHANGE, 0, NULL);
        if (!NT_SUCCESS(st))
            FspServiceLog(EVENTLOG_WARNING_TYPE, "SIGHUP (PARAMCHANGE) failed (status 0x%08x)",
                          (unsigned)st);
    }
    return false;
}

/* Pending stop signals would kill the process once unblocked: take them. */
static void drain_signals(int sfd)
{
    struct signalfd_siginfo si;
    while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si)
        ;
}

FSP_API NTSTATUS FspServiceLoop(FSP_SERVICE *Service)
{
    FSP_SERVICE *s = Service;
    struct fsp_service_private *p = s->Private;
    if (p->looping)
        return STATUS_INVALID_PARAMETER;

    if (fsp_utf16_to_utf8(s->ServiceName, FSP_UTF_NTS, log_ident, sizeof log_ident, 0) <= 0)
        snprintf(log_ident, sizeof log_ident, "fsp");

    ULONG argc = 0;
    PWSTR *argv = read_command_line(&argc);
    if (!argv)
        return STATUS_INSUFFICIENT_RESOURCES;

    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, &old);
    int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (sfd < 0) {
        int err = errno;
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        free(argv);
        return FspNtStatusFromErrno(err);
    }

    bool console = !under_systemd() && (s->AllowConsoleMode || isatty(STDIN_FILENO));
    set_log_mode(console ? LOG_MODE_CONSOLE : LOG_MODE_SERVICE);
    p->looping = true;
    set_state(s, SERVICE_START_PENDING);

    p->starting = true;
    NTSTATUS st = s->OnStart ? s->OnStart(s, argc, argv) : STATUS_SUCCESS;
    p->starting = false;
    /* FspServiceDetach may have turned this process into the daemon. */
    console = atomic_load(&log_mode) == LOG_MODE_CONSOLE;

    if (!NT_SUCCESS(st)) {
        pthread_mutex_lock(&s->ServiceStatusGuard);
        if (!s->ExitCode)
            s->ExitCode = start_failure_code(st);
        s->ServiceStatus.dwWin32ExitCode = s->ExitCode;
        s->ServiceStatus.dwCurrentState = SERVICE_STOPPED;
        pthread_mutex_unlock(&s->ServiceStatusGuard);
        report_start(p, (unsigned char)(s->ExitCode & 0xff ? s->ExitCode : 1));
    } else {
        set_state(s, SERVICE_RUNNING);
        sd_notify_text("READY=1");
        report_start(p, 0);
        for (;;) {
            struct pollfd pfd[2] = {{.fd = sfd, .events = POLLIN},
                                    {.fd = p->stop_pipe[0], .events = POLLIN}};
            if (poll(pfd, 2, -1) < 0)
                continue; /* EINTR (a stopped-and-continued process) */
            bool stopped = false;
            struct signalfd_siginfo si;
            while (!stopped && read(sfd, &si, sizeof si) == (ssize_t)sizeof si)
                stopped = on_signal(s, (int)si.ssi_signo, console);
            if (!stopped && (pfd[1].revents & POLLIN)) {
                char b[64];
                while (read(p->stop_pipe[0], b, sizeof b) > 0)
                    ;
                stopped = do_stop(s);
            }
            if (stopped)
                break;
        }
    }

    /* Leave the service reusable: no stale stop request for a next loop. */
    char b[64];
    while (read(p->stop_pipe[0], b, sizeof b) > 0)
        ;
    drain_signals(sfd);
    close(sfd);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    p->looping = false;
    free(argv);
    return STATUS_SUCCESS;
}

FSP_API ULONG FspServiceRunEx(PWSTR ServiceName, FSP_SERVICE_START *OnStart,
                              FSP_SERVICE_STOP *OnStop, FSP_SERVICE_CONTROL *OnControl,
                              PVOID UserContext)
{
    FSP_SERVICE *s;
    NTSTATUS st = FspServiceCreate(ServiceName, OnStart, OnStop, OnControl, &s);
    if (!NT_SUCCESS(st)) {
        FspServiceLog(EVENTLOG_ERROR_TYPE, "cannot create the service (status 0x%08x)",
                      (unsigned)st);
        return start_failure_code(st);
    }
    s->UserContext = UserContext;
    FspServiceAllowConsoleMode(s);
    st = FspServiceLoop(s);
    ULONG code = FspServiceGetExitCode(s);
    FspServiceDelete(s);
    if (!NT_SUCCESS(st)) {
        FspServiceLog(EVENTLOG_ERROR_TYPE, "cannot run the service (status 0x%08x)", (unsigned)st);
        return start_failure_code(st);
    }
    return code;
}
