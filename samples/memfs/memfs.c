/*
 * memfs.c - MEMFS's command line, volume setup and lifetime.
 *
 * memfs [-i] [-r] [-u] [-t FileInfoTimeout] [-n MaxFileNodes] [-s MaxFileSize]
 *       [-F FileSystemName] [-d DebugFlags] [-D DebugLogFile] [-m MountPoint]
 *
 * The process serves the volume until SIGINT, SIGTERM or SIGHUP, or until the
 * volume is unmounted from outside (fusermount -u), then frees everything.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "memfs.h"

#define DEFAULT_MAX_NODES     1024
#define DEFAULT_MAX_FILE_SIZE (16u * 1024 * 1024)
/* A hundred million names: memory, not the code, is the real limit. */
#define MAX_MAX_NODES 100000000ull

struct options {
    const char *mount_point; /* NULL: let FSP pick one */
    UINT32 file_info_timeout;
    uint64_t max_nodes;
    uint64_t max_file_size;
    bool case_insensitive;
    bool read_only;
    bool ea_uppercase; /* CasePreservedExtendedAttributes 0 */
    const char *fs_name;
    UINT32 debug_flags;
    const char *debug_log_file;
};

static void usage(FILE *out, const char *prog)
{
    fprintf(out,
            "usage: %s [options]\n"
            "\n"
            "MEMFS: an in-memory file system on FSP's native API.\n"
            "\n"
            "options:\n"
            "  -m MountPoint       directory to mount on ('*' or omitted: pick one and print it)\n"
            "  -t FileInfoTimeout  metadata cache timeout in ms (-1 = infinite; default -1)\n"
            "  -n MaxFileNodes     maximum number of files and directories (default %u)\n"
            "  -s MaxFileSize      maximum size of a file in bytes, suffix K/M/G/T allowed\n"
            "                      (default 16M)\n"
            "  -i                  case-insensitive names (case preserved)\n"
            "  -r                  read-only volume\n"
            "  -u                  uppercase extended attribute names, as Windows does by\n"
            "                      default (they are case-preserved otherwise)\n"
            "  -F FileSystemName   file system name, shown as the mount source (default MEMFS;\n"
            "                      up to 15 printable ASCII characters)\n"
            "  -d DebugFlags       debug log of requests: bit mask of request kinds (-1 = all)\n"
            "  -D DebugLogFile     debug log file ('-' = stderr, the default)\n"
            "  -h                  show this help\n",
            prog, DEFAULT_MAX_NODES);
}

static void __attribute__((format(printf, 2, 3))) bad_usage(const char *prog, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    usage(stderr, prog);
    exit(2);
}

/* A whole unsigned number, with an optional binary K/M/G/T suffix when
 * Suffixes is set. False on anything else, including overflow. */
static bool parse_u64(const char *s, bool suffixes, uint64_t *pvalue)
{
    if (!*s || *s == '-' || *s == '+' || *s == ' ')
        return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || end == s)
        return false;
    unsigned shift = 0;
    if (suffixes && *end) {
        switch (*end) {
        case 'k':
        case 'K':
            shift = 10;
            break;
        case 'm':
        case 'M':
            shift = 20;
            break;
        case 'g':
        case 'G':
            shift = 30;
            break;
        case 't':
        case 'T':
            shift = 40;
            break;
        default:
            return false;
        }
        end++;
        if ((*end == 'i' && end[1] == 'B') || *end == 'B') /* 16MiB, 16MB */
            end += *end == 'i' ? 2 : 1;
    }
    if (*end)
        return false;
    if (shift && v > (UINT64_MAX >> shift))
        return false;
    *pvalue = (uint64_t)v << shift;
    return true;
}

static void parse_options(int argc, char **argv, struct options *o)
{
    const char *prog = argv[0];
    uint64_t v;
    int c;

    o->mount_point = NULL;
    o->file_info_timeout = INFINITE;
    o->max_nodes = DEFAULT_MAX_NODES;
    o->max_file_size = DEFAULT_MAX_FILE_SIZE;
    o->case_insensitive = false;
    o->read_only = false;
    o->ea_uppercase = false;
    o->fs_name = "MEMFS";
    o->debug_flags = 0;
    o->debug_log_file = NULL;

    opterr = 0; /* our own messages */
    while ((c = getopt(argc, argv, ":m:t:n:s:iF:d:D:ruh")) != -1) {
        switch (c) {
        case 'm':
            o->mount_point = strcmp(optarg, "*") == 0 ? NULL : optarg;
            break;
        case 't':
            if (strcmp(optarg, "-1") == 0)
                o->file_info_timeout = INFINITE;
            else if (parse_u64(optarg, false, &v) && v < INFINITE)
                o->file_info_timeout = (UINT32)v;
            else
                bad_usage(prog, "bad FileInfoTimeout '%s' (milliseconds, or -1)", optarg);
            break;
        case 'n':
            if (!parse_u64(optarg, false, &v) || v < 1 || v > MAX_MAX_NODES)
                bad_usage(prog, "bad MaxFileNodes '%s' (1 to %llu)", optarg, MAX_MAX_NODES);
            o->max_nodes = v;
            break;
        case 's':
            if (!parse_u64(optarg, true, &v) || v < 1 || v > (UINT64_MAX >> 1))
                bad_usage(prog, "bad MaxFileSize '%s' (bytes, suffix K/M/G/T allowed)", optarg);
            o->max_file_size = v;
            break;
        case 'i':
            o->case_insensitive = true;
            break;
        case 'r':
            o->read_only = true;
            break;
        case 'u':
            o->ea_uppercase = true;
            break;
        case 'F': {
            size_t len = strlen(optarg);
            if (len == 0 || len >= FSP_FSCTL_VOLUME_FSNAME_SIZE / sizeof(WCHAR))
                bad_usage(prog, "bad FileSystemName '%s' (1 to 15 characters)", optarg);
            for (size_t i = 0; i < len; i++)
                if (optarg[i] <= ' ' || optarg[i] > '~' || optarg[i] == ',')
                    bad_usage(prog, "bad FileSystemName '%s' (printable ASCII, no space or comma)",
                              optarg);
            o->fs_name = optarg;
            break;
        }
        case 'd': {
            errno = 0;
            char *end;
            long long d = strtoll(optarg, &end, 0);
            if (errno || end == optarg || *end || d < -1 || d > (long long)UINT32_MAX)
                bad_usage(prog, "bad DebugFlags '%s' (a bit mask, or -1 for all)", optarg);
            o->debug_flags = d == -1 ? UINT32_MAX : (UINT32)d;
            break;
        }
        case 'D':
            o->debug_log_file = optarg;
            break;
        case 'h':
            usage(stdout, prog);
            exit(0);
        case ':':
            bad_usage(prog, "option -%c needs a value", optopt);
            break;
        default:
            bad_usage(prog, "unknown option -%c", optopt);
            break;
        }
    }
    if (optind < argc)
        bad_usage(prog, "unexpected argument '%s'", argv[optind]);
}

/* Sets up the debug log; returns the fd to close at exit, or -1. */
static int open_debug_log(const char *prog, const char *path)
{
    if (!path)
        return -1;
    if (strcmp(path, "-") == 0) {
        FspDebugLogSetHandle(FSP_FD_TO_HANDLE(STDERR_FILENO));
        return -1;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        fprintf(stderr, "%s: cannot open debug log '%s': %s\n", prog, path, strerror(errno));
        exit(1);
    }
    FspDebugLogSetHandle(FSP_FD_TO_HANDLE(fd));
    return fd;
}

static NTSTATUS create_root(struct memfs *m)
{
    PSECURITY_DESCRIPTOR sd;
    NTSTATUS status = FspPosixMapPermissionsToSecurityDescriptor(getuid(), getgid(), 0777, &sd);
    if (!NT_SUCCESS(status))
        return status;
    m->root = memfs_node_new(m, NULL, 0, true, sd, GetSecurityDescriptorLength(sd));
    /* WinFsp's deleter takes the creating function as an unprototyped
     * pointer; see memfs.h. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
    FspDeleteSecurityDescriptor(sd, (NTSTATUS(*)())FspPosixMapPermissionsToSecurityDescriptor);
#pragma GCC diagnostic pop
    if (!m->root)
        return STATUS_INSUFFICIENT_RESOURCES;
    atomic_store(&m->node_count, 1);
    return STATUS_SUCCESS;
}

struct signal_thread_args {
    FSP_FILE_SYSTEM *fs;
    sigset_t set;
};

/* Waits for a termination signal and stops the dispatcher; SIGUSR1 is the
 * main thread telling it the volume is already gone. */
static void *signal_thread(void *arg)
{
    struct signal_thread_args *a = arg;
    int sig;
    while (sigwait(&a->set, &sig) != 0)
        ;
    if (sig != SIGUSR1)
        FspFileSystemStopDispatcher(a->fs);
    return NULL;
}

int main(int argc, char **argv)
{
    const char *prog = argv[0];
    struct options o;
    parse_options(argc, argv, &o);

    /* Block the termination signals before FSP creates any thread (and
     * before the mount exists), so that every worker inherits the mask and
     * only signal_thread takes them; one that arrives during setup waits. */
    struct signal_thread_args sa = {.fs = NULL};
    sigemptyset(&sa.set);
    sigaddset(&sa.set, SIGINT);
    sigaddset(&sa.set, SIGTERM);
    sigaddset(&sa.set, SIGHUP);
    sigaddset(&sa.set, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &sa.set, NULL);

    struct memfs m;
    memset(&m, 0, sizeof(m));
    m.case_insensitive = o.case_insensitive;
    m.max_nodes = o.max_nodes;
    m.max_file_size = o.max_file_size;
    m.alloc_unit = 512;
    atomic_init(&m.node_count, 0);
    atomic_init(&m.next_index, 1); /* the root is inode 1 */
    atomic_init(&m.level_seed, (uint64_t)time(NULL) * 0x2545f4914f6cdd1dull);
    pthread_mutex_init(&m.lock, NULL);
    static const WCHAR label[] = u"MEMFS";
    memcpy(m.label, label, sizeof(label) - sizeof(WCHAR));
    m.label_bytes = sizeof(label) - sizeof(WCHAR);

    int exit_code = 1;
    int log_fd = open_debug_log(prog, o.debug_log_file);
    FSP_FILE_SYSTEM *fs = NULL;
    PWSTR wmount = NULL;
    char *resolved = NULL;
    NTSTATUS status = create_root(&m);
    if (!NT_SUCCESS(status)) {
        fprintf(stderr, "%s: cannot create the root directory (status 0x%08" PRIx32 ")\n", prog,
                (uint32_t)status);
        goto out;
    }

    FSP_FSCTL_VOLUME_PARAMS vp;
    memset(&vp, 0, sizeof(vp));
    vp.Version = sizeof(vp);
    vp.SectorSize = 512;
    vp.SectorsPerAllocationUnit = 1;
    vp.MaxComponentLength = MEMFS_MAX_COMPONENT;
    vp.VolumeCreationTime = memfs_now();
    vp.VolumeSerialNumber = (UINT32)(vp.VolumeCreationTime / (10000ull * 1000));
    vp.FileInfoTimeout = o.file_info_timeout;
    vp.CaseSensitiveSearch = !o.case_insensitive;
    vp.CasePreservedNames = 1;
    vp.UnicodeOnDisk = 1;
    vp.PersistentAcls = 1;
    /* Reparse points carry Linux symlinks. MEMFS itself does no access
     * checks on them (ReparsePointsAccessCheck 0): the checks made when the
     * file was opened are the only ones. */
    vp.ReparsePoints = 1;
    vp.ReparsePointsAccessCheck = 0;
    /* Extended attributes: Linux "user." xattrs through FSP's adapter. EA
     * names are case-insensitive either way; -u stores them uppercased. */
    vp.ExtendedAttributes = 1;
    vp.CasePreservedExtendedAttributes = !o.ea_uppercase;
    vp.PostCleanupWhenModifiedOnly = 1;
    vp.PassQueryDirectoryFileName = 1;
    vp.DeviceControl = 1; /* memfs_control.c */
    vp.ReadOnlyVolume = o.read_only;
    for (size_t i = 0; o.fs_name[i]; i++) /* validated: printable ASCII, < 16 */
        vp.FileSystemName[i] = (WCHAR)o.fs_name[i];

    status = FspFileSystemCreate(FSP_FSCTL_DISK_DEVICE_NAME, &vp, &memfs_interface, &fs);
    if (!NT_SUCCESS(status)) {
        fprintf(stderr, "%s: cannot create the file system (status 0x%08" PRIx32 ")\n", prog,
                (uint32_t)status);
        fs = NULL;
        goto out;
    }
    fs->UserContext = &m;
    m.fs = fs;
    FspFileSystemSetDebugLog(fs, o.debug_flags);

    if (o.mount_point) {
        /* An absolute path, so that what we print and what the kernel sees
         * do not depend on the working directory. */
        resolved = realpath(o.mount_point, NULL);
        if (!resolved) {
            fprintf(stderr, "%s: mount point '%s': %s\n", prog, o.mount_point, strerror(errno));
            goto out;
        }
        status = FspPosixMapPosixToWindowsPath(resolved, &wmount);
        if (!NT_SUCCESS(status)) {
            fprintf(stderr, "%s: mount point '%s': bad path\n", prog, resolved);
            goto out;
        }
    }
    status = FspFileSystemSetMountPoint(fs, wmount);
    if (!NT_SUCCESS(status)) {
        fprintf(stderr, "%s: cannot mount on %s: %s\n", prog, resolved ? resolved : "(auto)",
                strerror(FspErrnoFromNtStatus(status)));
        goto out;
    }

    status = FspFileSystemStartDispatcher(fs, 0);
    if (!NT_SUCCESS(status)) {
        fprintf(stderr, "%s: cannot start the dispatcher: %s\n", prog,
                strerror(FspErrnoFromNtStatus(status)));
        goto out;
    }
    sa.fs = fs;
    pthread_t sig_thread;
    int err = pthread_create(&sig_thread, NULL, signal_thread, &sa);
    if (err) {
        fprintf(stderr, "%s: cannot start the signal thread: %s\n", prog, strerror(err));
        FspFileSystemStopDispatcher(fs);
        goto out;
    }

    char *posix_mount = NULL;
    if (NT_SUCCESS(FspPosixMapWindowsToPosixPath(FspFileSystemMountPoint(fs), &posix_mount))) {
        printf("%s\n", posix_mount);
        FspPosixDeletePath(posix_mount);
    }
    fflush(stdout);

    FspFileSystemWaitDispatcher(fs);
    /* Unmounted from outside, or stopped by a signal: either way wake the
     * signal thread (a no-op if it already returned) and wait for it, so
     * that no StopDispatcher call can overlap the teardown. */
    pthread_kill(sig_thread, SIGUSR1);
    pthread_join(sig_thread, NULL);
    /* FspFileSystemDelete below undoes the mount. */
    FspFileSystemStopDispatcher(fs);
    exit_code = 0;

out:
    if (fs)
        FspFileSystemDelete(fs);
    if (wmount)
        FspPosixDeletePath(wmount);
    free(resolved);
    memfs_free_all(&m);
    pthread_mutex_destroy(&m.lock);
    if (log_fd >= 0) {
        FspDebugLogSetHandle(FSP_FD_TO_HANDLE(STDERR_FILENO));
        close(log_fd);
    }
    return exit_code;
}
