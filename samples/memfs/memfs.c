/*
 * memfs.c - MEMFS's command line, volume setup and lifetime.
 *
 * memfs [-i] [-r] [-U] [-w] [-H] [-N] [-b] [-t FileInfoTimeout]
 *       [-n MaxFileNodes] [-s MaxFileSize] [-F FileSystemName] [-u \Server\Share] [-S RootSddl]
 *       [-M MaxDelay] [-P PercentDelay] [-R RarefyDelay] [-d DebugFlags]
 *       [-D DebugLogFile] [-m MountPoint]
 * (memfs -h explains each.)
 *
 * MEMFS is a service of FSP's service framework (FspServiceRun), as WinFsp's
 * MEMFS is: it serves the volume until SIGINT or SIGTERM (or SIGHUP in the
 * foreground), or until the volume is unmounted from outside (fusermount
 * -u), then frees everything.
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
/* WCHARs of a -u prefix, its NUL included (VolumeParams.Prefix's size). */
#define MAX_PREFIX (FSP_FSCTL_VOLUME_PREFIX_SIZE / sizeof(WCHAR))
/* Slow I/O delays beyond 10 s would outlast FSP's wait for late answers at
 * unmount. */
#define MAX_SLOWIO_DELAY 10000u

struct options {
    const char *mount_point; /* NULL: let FSP pick one */
    UINT32 file_info_timeout;
    uint64_t max_nodes;
    uint64_t max_file_size;
    bool case_insensitive;
    bool read_only;
    bool ea_uppercase;  /* CasePreservedExtendedAttributes 0 */
    bool writeback;     /* UmWritebackCache */
    bool no_hard_links; /* VolumeParams.HardLinks 0 */
    bool stream_names;  /* -N: VolumeParams.UmNamedStreamNames */
    bool legacy_unlink; /* -L: SupportsPosixUnlinkRename 0 */
    bool can_delete;    /* -C: CanDelete only, no SetDelete */
    bool detach;        /* -b: run as a daemon */
    const char *fs_name;
    const char *root_sddl;     /* NULL: the caller's uid/gid, mode 0777 */
    WCHAR prefix[MAX_PREFIX];  /* -u, "\Server\Share"; empty: none */
    uint32_t slowio_max_delay; /* -M, -P, -R: see memfs_slowio.c */
    uint32_t slowio_percent_delay;
    uint32_t slowio_rarefy_delay;
    UINT32 debug_flags;
    const char *debug_log_file;
};

/* What parse_options decided. */
enum parse_result { PARSE_RUN, PARSE_HELP, PARSE_BAD_USAGE };

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
            "  -U                  uppercase extended attribute names, as Windows does by\n"
            "                      default (they are case-preserved otherwise)\n"
            "  -w                  with -t -1: let the kernel cache writes and write them\n"
            "                      back later (faster small writes; a full file system\n"
            "                      fails at close or fsync instead of at write)\n"
            "  -H                  no hard links (VolumeParams.HardLinks 0: link(2) is EPERM)\n"
            "  -N                  names 'file:stream' open named streams (cat f:s, echo >\n"
            "                      f:s, rm f:s); ':' is an ordinary character otherwise\n"
            "  -L                  legacy unlink/rename (SupportsPosixUnlinkRename 0): files\n"
            "                      still open are deleted at their last close\n"
            "  -C                  offer CanDelete instead of SetDelete (both are tested)\n"
            "  -F FileSystemName   file system name, shown as the mount source (default MEMFS;\n"
            "                      up to 15 printable ASCII characters)\n"
            "  -u \\Server\\Share    network volume prefix, shown as the mount source\n"
            "                      //Server/Share (instead of the file system name)\n"
            "  -S RootSddl         root directory security, as SDDL, e.g.\n"
            "                      'O:BAG:BAD:P(A;;FA;;;SY)(A;;FA;;;BA)(A;;FA;;;WD)'\n"
            "                      (default: the caller as owner and group, mode 0777)\n"
            "  -M MaxDelay         slow I/O: Read, Write and ReadDirectory take up to\n"
            "                      MaxDelay ms (0 = off, the default; at most %u)\n"
            "  -P PercentDelay     slow I/O: percent of them answered asynchronously\n"
            "                      (STATUS_PENDING, then a response from another thread)\n"
            "  -R RarefyDelay      slow I/O: delay = random(0..MaxDelay) >>\n"
            "                      random(0..RarefyDelay), so long delays get rarer\n"
            "  -b                  run in the background (a daemon): return once mounted,\n"
            "                      with the mount's status; messages then go to syslog\n"
            "  -d DebugFlags       debug log of requests: bit mask of request kinds (-1 = all)\n"
            "  -D DebugLogFile     debug log file ('-' = stderr, the default)\n"
            "  -h                  show this help\n"
            "\n"
            "SIGINT, SIGTERM (and SIGHUP in the foreground) unmount and exit 0.\n"
            "Exit status: 0 after a clean stop, 1 when the volume cannot be set up or\n"
            "mounted, 2 for a usage error.\n",
            prog, DEFAULT_MAX_NODES, MAX_SLOWIO_DELAY);
}

static enum parse_result __attribute__((format(printf, 2, 3)))
bad_usage(const char *prog, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    usage(stderr, prog);
    return PARSE_BAD_USAGE;
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

/* -u: "\Server\Share" (or "\\Server\Share") to WinFsp's prefix form
 * "\Server\Share": two non-empty components of printable ASCII without
 * space or comma. */
static bool parse_prefix(const char *s, WCHAR *prefix)
{
    if (s[0] == '\\' && s[1] == '\\')
        s++;
    size_t len = strlen(s), components = 0;
    if (len < 4 || len >= MAX_PREFIX || s[0] != '\\')
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '\\') {
            if (i + 1 == len || s[i + 1] == '\\')
                return false;
            components++;
        } else if (c <= ' ' || c > '~' || c == ',' || c == '/')
            return false;
        prefix[i] = (WCHAR)c;
    }
    prefix[len] = 0;
    return components == 2;
}

static bool parse_u32_max(const char *s, uint32_t max, uint32_t *pvalue)
{
    uint64_t v;
    if (!parse_u64(s, false, &v) || v > max)
        return false;
    *pvalue = (uint32_t)v;
    return true;
}

static enum parse_result parse_options(int argc, char **argv, struct options *o)
{
    const char *prog = argv[0];
    uint64_t v;
    int c;

    memset(o, 0, sizeof *o);
    o->file_info_timeout = INFINITE;
    o->max_nodes = DEFAULT_MAX_NODES;
    o->max_file_size = DEFAULT_MAX_FILE_SIZE;
    o->fs_name = "MEMFS";

    opterr = 0; /* our own messages */
    optind = 1;
    while ((c = getopt(argc, argv, ":m:t:n:s:iF:d:D:rUu:S:M:P:R:bwHNLCh")) != -1) {
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
                return bad_usage(prog, "bad FileInfoTimeout '%s' (milliseconds, or -1)", optarg);
            break;
        case 'n':
            if (!parse_u64(optarg, false, &v) || v < 1 || v > MAX_MAX_NODES)
                return bad_usage(prog, "bad MaxFileNodes '%s' (1 to %llu)", optarg, MAX_MAX_NODES);
            o->max_nodes = v;
            break;
        case 's':
            if (!parse_u64(optarg, true, &v) || v < 1 || v > (UINT64_MAX >> 1))
                return bad_usage(prog, "bad MaxFileSize '%s' (bytes, suffix K/M/G/T allowed)",
                                 optarg);
            o->max_file_size = v;
            break;
        case 'i':
            o->case_insensitive = true;
            break;
        case 'r':
            o->read_only = true;
            break;
        case 'U':
            o->ea_uppercase = true;
            break;
        case 'w':
            o->writeback = true;
            break;
        case 'H':
            o->no_hard_links = true;
            break;
        case 'N':
            o->stream_names = true;
            break;
        case 'L':
            o->legacy_unlink = true;
            break;
        case 'C':
            o->can_delete = true;
            break;
        case 'b':
            o->detach = true;
            break;
        case 'F': {
            size_t len = strlen(optarg);
            if (len == 0 || len >= FSP_FSCTL_VOLUME_FSNAME_SIZE / sizeof(WCHAR))
                return bad_usage(prog, "bad FileSystemName '%s' (1 to 15 characters)", optarg);
            for (size_t i = 0; i < len; i++)
                if (optarg[i] <= ' ' || optarg[i] > '~' || optarg[i] == ',')
                    return bad_usage(prog,
                                     "bad FileSystemName '%s' (printable ASCII, no space or comma)",
                                     optarg);
            o->fs_name = optarg;
            break;
        }
        case 'u':
            if (!parse_prefix(optarg, o->prefix))
                return bad_usage(prog,
                                 "bad volume prefix '%s' (\\Server\\Share: two names of "
                                 "printable ASCII, no space, comma or slash)",
                                 optarg);
            break;
        case 'S': {
            /* Checked here, so that a typo is a usage error, not a failed
             * start; create_root converts it again. */
            PSECURITY_DESCRIPTOR sd;
            if (!ConvertStringSecurityDescriptorToSecurityDescriptorA(optarg, SDDL_REVISION_1, &sd,
                                                                      NULL))
                return bad_usage(prog, "bad RootSddl '%s' (Win32 error %u)", optarg,
                                 (unsigned)GetLastError());
            LocalFree(sd);
            o->root_sddl = optarg;
            break;
        }
        case 'M':
            if (!parse_u32_max(optarg, MAX_SLOWIO_DELAY, &o->slowio_max_delay))
                return bad_usage(prog, "bad MaxDelay '%s' (milliseconds, 0 to %u)", optarg,
                                 MAX_SLOWIO_DELAY);
            break;
        case 'P':
            if (!parse_u32_max(optarg, 100, &o->slowio_percent_delay))
                return bad_usage(prog, "bad PercentDelay '%s' (0 to 100)", optarg);
            break;
        case 'R':
            if (!parse_u32_max(optarg, 31, &o->slowio_rarefy_delay))
                return bad_usage(prog, "bad RarefyDelay '%s' (0 to 31)", optarg);
            break;
        case 'd': {
            errno = 0;
            char *end;
            long long d = strtoll(optarg, &end, 0);
            if (errno || end == optarg || *end || d < -1 || d > (long long)UINT32_MAX)
                return bad_usage(prog, "bad DebugFlags '%s' (a bit mask, or -1 for all)", optarg);
            o->debug_flags = d == -1 ? UINT32_MAX : (UINT32)d;
            break;
        }
        case 'D':
            o->debug_log_file = optarg;
            break;
        case 'h':
            usage(stdout, prog);
            return PARSE_HELP;
        case ':':
            return bad_usage(prog, "option -%c needs a value", optopt);
        default:
            return bad_usage(prog, "unknown option -%c", optopt);
        }
    }
    if (optind < argc)
        return bad_usage(prog, "unexpected argument '%s'", argv[optind]);
    return PARSE_RUN;
}

/* Sets up the debug log: *PFd is the fd to close at the end, or -1. False
 * when the file cannot be opened. */
static bool open_debug_log(const char *path, int *pfd)
{
    *pfd = -1;
    if (!path)
        return true;
    if (strcmp(path, "-") == 0) {
        FspDebugLogSetHandle(FSP_FD_TO_HANDLE(STDERR_FILENO));
        return true;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        FspServiceLog(EVENTLOG_ERROR_TYPE, "cannot open debug log '%s': %s", path, strerror(errno));
        return false;
    }
    FspDebugLogSetHandle(FSP_FD_TO_HANDLE(fd));
    *pfd = fd;
    return true;
}

/* The root directory, with the -S descriptor or the caller's permissions. */
static NTSTATUS create_root(struct memfs *m, const char *sddl)
{
    PSECURITY_DESCRIPTOR sd;
    if (sddl) {
        ULONG size;
        if (!ConvertStringSecurityDescriptorToSecurityDescriptorA(sddl, SDDL_REVISION_1, &sd,
                                                                  &size))
            return STATUS_INVALID_PARAMETER;
        m->root = memfs_node_new(m, NULL, 0, true, sd, size);
        LocalFree(sd);
    } else {
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
    }
    if (!m->root)
        return STATUS_INSUFFICIENT_RESOURCES;
    atomic_store(&m->node_count, 1);
    return STATUS_SUCCESS;
}

/* --- The service --------------------------------------------------------------- */

/*
 * MEMFS runs as a service, like WinFsp's: SvcStart parses the command line
 * and creates, mounts and starts the volume; SvcStop (on SIGINT, SIGTERM,
 * SIGHUP in the foreground, or when the volume is unmounted from outside)
 * stops and frees it. Everything lives in one struct, the service's
 * UserContext.
 */
struct memfs_service {
    struct memfs m;
    bool m_ready; /* m's lock initialized: memfs_free_all needed */
    FSP_FILE_SYSTEM *fs;
    FSP_FILE_SYSTEM_INTERFACE interface; /* memfs_interface, less SetDelete with -C */
    int log_fd;
    PWSTR wmount;
    char *resolved;
    pthread_t watcher; /* stops the service when the volume goes away */
    bool watcher_started;
    int argc;
    char **argv; /* UTF-8 copy of the command line */
};

/* UTF-16 to a malloc'ed UTF-8 string (the command line FSP passes us is
 * UTF-16, as WinFsp's). Lone surrogates become U+FFFD. */
static char *utf16_to_utf8_dup(const WCHAR *w)
{
    size_t n = 0;
    while (w[n])
        n++;
    char *out = malloc(3 * n + 1), *o = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = w[i];
        if (c >= 0xd800 && c <= 0xdbff && i + 1 < n && w[i + 1] >= 0xdc00 && w[i + 1] <= 0xdfff)
            c = 0x10000 + ((c - 0xd800) << 10) + (w[++i] - 0xdc00);
        else if (c >= 0xd800 && c <= 0xdfff)
            c = 0xfffd;
        if (c < 0x80)
            *o++ = (char)c;
        else if (c < 0x800) {
            *o++ = (char)(0xc0 | c >> 6);
            *o++ = (char)(0x80 | (c & 0x3f));
        } else if (c < 0x10000) {
            *o++ = (char)(0xe0 | c >> 12);
            *o++ = (char)(0x80 | ((c >> 6) & 0x3f));
            *o++ = (char)(0x80 | (c & 0x3f));
        } else {
            *o++ = (char)(0xf0 | c >> 18);
            *o++ = (char)(0x80 | ((c >> 12) & 0x3f));
            *o++ = (char)(0x80 | ((c >> 6) & 0x3f));
            *o++ = (char)(0x80 | (c & 0x3f));
        }
    }
    *o = '\0';
    return out;
}

static void free_args(struct memfs_service *svc)
{
    if (svc->argv)
        for (int i = 0; i < svc->argc; i++)
            free(svc->argv[i]);
    free(svc->argv);
    svc->argv = NULL;
}

static bool copy_args(struct memfs_service *svc, ULONG argc, PWSTR *wargv)
{
    svc->argv = calloc((size_t)argc + 1, sizeof(char *));
    if (!svc->argv)
        return false;
    svc->argc = (int)argc;
    for (ULONG i = 0; i < argc; i++)
        if (!(svc->argv[i] = utf16_to_utf8_dup(wargv[i])))
            return false;
    return true;
}

/* Waits for the dispatcher to end, which an outside unmount or SvcStop
 * causes, and stops the service (a no-op once it is stopping). */
static void *watcher_main(void *arg)
{
    FSP_SERVICE *service = arg;
    struct memfs_service *svc = service->UserContext;
    FspFileSystemWaitDispatcher(svc->fs);
    FspServiceStop(service);
    return NULL;
}

/* Frees everything SvcStart made; the dispatcher must be stopped. */
static void teardown(struct memfs_service *svc)
{
    if (svc->fs)
        FspFileSystemDelete(svc->fs); /* also undoes the mount */
    svc->fs = NULL;
    memfs_slowio_delete(&svc->m);
    if (svc->wmount)
        FspPosixDeletePath(svc->wmount);
    svc->wmount = NULL;
    free(svc->resolved);
    svc->resolved = NULL;
    if (svc->m_ready) {
        memfs_free_all(&svc->m);
        pthread_mutex_destroy(&svc->m.lock);
        svc->m_ready = false;
    }
    if (svc->log_fd >= 0) {
        FspDebugLogSetHandle(FSP_FD_TO_HANDLE(STDERR_FILENO));
        close(svc->log_fd);
        svc->log_fd = -1;
    }
    free_args(svc);
}

/* Creates, mounts and starts the volume. */
static NTSTATUS start_volume(FSP_SERVICE *service, struct memfs_service *svc,
                             const struct options *o)
{
    struct memfs *m = &svc->m;
    m->case_insensitive = o->case_insensitive;
    m->legacy_unlink = o->legacy_unlink;
    m->can_delete_only = o->can_delete;
    m->max_nodes = o->max_nodes;
    m->max_file_size = o->max_file_size;
    m->alloc_unit = 512;
    atomic_init(&m->node_count, 0);
    atomic_init(&m->next_index, 1); /* the root is inode 1 */
    atomic_init(&m->level_seed, (uint64_t)time(NULL) * 0x2545f4914f6cdd1dull);
    pthread_mutex_init(&m->lock, NULL);
    svc->m_ready = true;
    static const WCHAR label[] = u"MEMFS";
    memcpy(m->label, label, sizeof(label) - sizeof(WCHAR));
    m->label_bytes = sizeof(label) - sizeof(WCHAR);

    if (!open_debug_log(o->debug_log_file, &svc->log_fd))
        return STATUS_UNSUCCESSFUL;
    NTSTATUS status = create_root(m, o->root_sddl);
    if (!NT_SUCCESS(status)) {
        FspServiceLog(EVENTLOG_ERROR_TYPE, "cannot create the root directory (status 0x%08x)",
                      (unsigned)status);
        return status;
    }
    status = memfs_slowio_create(m, o->slowio_max_delay, o->slowio_percent_delay,
                                 o->slowio_rarefy_delay);
    if (!NT_SUCCESS(status))
        return status;

    FSP_FSCTL_VOLUME_PARAMS vp;
    memset(&vp, 0, sizeof(vp));
    vp.Version = sizeof(vp);
    vp.SectorSize = 512;
    vp.SectorsPerAllocationUnit = 1;
    vp.MaxComponentLength = MEMFS_MAX_COMPONENT;
    vp.VolumeCreationTime = memfs_now();
    vp.VolumeSerialNumber = (UINT32)(vp.VolumeCreationTime / (10000ull * 1000));
    vp.FileInfoTimeout = o->file_info_timeout;
    vp.CaseSensitiveSearch = !o->case_insensitive;
    vp.CasePreservedNames = 1;
    vp.UnicodeOnDisk = 1;
    vp.PersistentAcls = 1;
    /* Reparse points carry Linux symlinks. MEMFS itself does no access
     * checks on them (ReparsePointsAccessCheck 0): the checks made when the
     * file was opened are the only ones. */
    vp.ReparsePoints = 1;
    vp.ReparsePointsAccessCheck = 0;
    /* Extended attributes: Linux "user." xattrs through FSP's adapter. EA
     * names are case-insensitive either way; -U stores them uppercased. */
    vp.ExtendedAttributes = 1;
    vp.HardLinks = !o->no_hard_links; /* with CreateHardLink: link(2) works */
    vp.CasePreservedExtendedAttributes = !o->ea_uppercase;
    vp.PostCleanupWhenModifiedOnly = 1;
    /* MEMFS's Cleanup deletes a name while other handles of the file stay
     * usable, which is what POSIX unlink and rename need. */
    vp.SupportsPosixUnlinkRename = !o->legacy_unlink;
    vp.PassQueryDirectoryFileName = 1;
    vp.DeviceControl = 1; /* memfs_control.c */
    vp.ReadOnlyVolume = o->read_only;
    vp.UmWritebackCache = o->writeback;
    /* Named streams, as in WinFsp's MEMFS (system.fsp.streams lists them);
     * -N also opens them by Linux names "file:stream". */
    vp.NamedStreams = 1;
    vp.UmNamedStreamNames = o->stream_names;
    for (size_t i = 0; o->fs_name[i]; i++) /* validated: printable ASCII, < 16 */
        vp.FileSystemName[i] = (WCHAR)o->fs_name[i];
    memcpy(vp.Prefix, o->prefix, sizeof vp.Prefix);

    /* WinFsp picks the network device for a prefixed volume; on FSP both
     * devices mount the same way, the prefix names the mount source. */
    /* Without SetDelete the adapter asks CanDelete, as WinFsp's DLL does. */
    svc->interface = memfs_interface;
    if (o->can_delete)
        svc->interface.SetDelete = NULL;
    status =
        FspFileSystemCreate(o->prefix[0] ? FSP_FSCTL_NET_DEVICE_NAME : FSP_FSCTL_DISK_DEVICE_NAME,
                            &vp, &svc->interface, &svc->fs);
    if (!NT_SUCCESS(status)) {
        FspServiceLog(EVENTLOG_ERROR_TYPE, "cannot create the file system (status 0x%08x)",
                      (unsigned)status);
        svc->fs = NULL;
        return status;
    }
    svc->fs->UserContext = m;
    m->fs = svc->fs;
    FspFileSystemSetDebugLog(svc->fs, o->debug_flags);

    if (o->mount_point) {
        /* An absolute path, so that what we print and what the kernel sees
         * do not depend on the working directory. */
        svc->resolved = realpath(o->mount_point, NULL);
        if (!svc->resolved) {
            int err = errno;
            FspServiceLog(EVENTLOG_ERROR_TYPE, "mount point '%s': %s", o->mount_point,
                          strerror(err));
            return FspNtStatusFromErrno(err);
        }
        status = FspPosixMapPosixToWindowsPath(svc->resolved, &svc->wmount);
        if (!NT_SUCCESS(status)) {
            FspServiceLog(EVENTLOG_ERROR_TYPE, "mount point '%s': bad path", svc->resolved);
            return status;
        }
    }
    status = FspFileSystemSetMountPoint(svc->fs, svc->wmount);
    if (!NT_SUCCESS(status)) {
        FspServiceLog(EVENTLOG_ERROR_TYPE, "cannot mount on %s: %s",
                      svc->resolved ? svc->resolved : "(auto)",
                      strerror(FspErrnoFromNtStatus(status)));
        return status;
    }
    status = FspFileSystemStartDispatcher(svc->fs, 0);
    if (!NT_SUCCESS(status)) {
        FspServiceLog(EVENTLOG_ERROR_TYPE, "cannot start the dispatcher: %s",
                      strerror(FspErrnoFromNtStatus(status)));
        return status;
    }
    int err = pthread_create(&svc->watcher, NULL, watcher_main, service);
    if (err) {
        FspServiceLog(EVENTLOG_ERROR_TYPE, "cannot start the watcher thread: %s", strerror(err));
        FspFileSystemStopDispatcher(svc->fs);
        return FspNtStatusFromErrno(err);
    }
    svc->watcher_started = true;

    char *posix_mount = NULL;
    if (NT_SUCCESS(FspPosixMapWindowsToPosixPath(FspFileSystemMountPoint(svc->fs), &posix_mount))) {
        printf("%s\n", posix_mount);
        FspPosixDeletePath(posix_mount);
    }
    fflush(stdout);
    return STATUS_SUCCESS;
}

static NTSTATUS SvcStart(FSP_SERVICE *service, ULONG argc, PWSTR *argv)
{
    struct memfs_service *svc = service->UserContext;
    struct options o;

    svc->log_fd = -1;
    if (!copy_args(svc, argc, argv) || argc < 1) {
        FspServiceLog(EVENTLOG_ERROR_TYPE, "cannot read the command line");
        FspServiceSetExitCode(service, 1);
        teardown(svc);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    switch (parse_options(svc->argc, svc->argv, &o)) {
    case PARSE_RUN:
        break;
    case PARSE_HELP:
        /* Nothing to serve: stop as soon as started. */
        FspServiceStop(service);
        return STATUS_SUCCESS;
    case PARSE_BAD_USAGE:
        FspServiceSetExitCode(service, 2);
        teardown(svc);
        return STATUS_INVALID_PARAMETER;
    }
    /* Before any thread exists: the daemon is a forked child. */
    if (o.detach) {
        NTSTATUS status = FspServiceDetach(service);
        if (!NT_SUCCESS(status)) {
            FspServiceLog(EVENTLOG_ERROR_TYPE, "cannot run in the background (status 0x%08x)",
                          (unsigned)status);
            FspServiceSetExitCode(service, 1);
            teardown(svc);
            return status;
        }
    }
    NTSTATUS status = start_volume(service, svc, &o);
    if (!NT_SUCCESS(status)) {
        FspServiceSetExitCode(service, 1);
        if (svc->fs)
            FspFileSystemStopDispatcher(svc->fs);
        teardown(svc);
    }
    return status;
}

static NTSTATUS SvcStop(FSP_SERVICE *service)
{
    struct memfs_service *svc = service->UserContext;
    if (svc->fs) {
        /* Unmounts, waits for the requests in progress (slow I/O answers
         * included: their threads still run), then the watcher ends. */
        FspFileSystemStopDispatcher(svc->fs);
        if (svc->watcher_started)
            pthread_join(svc->watcher, NULL);
        svc->watcher_started = false;
        memfs_slowio_drain(&svc->m);
    }
    teardown(svc);
    return STATUS_SUCCESS;
}

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv; /* the service framework hands SvcStart the command line */
    static struct memfs_service svc;
    return (int)FspServiceRunEx(u"memfs", SvcStart, SvcStop, NULL, &svc);
}
