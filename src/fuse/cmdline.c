/*
 * cmdline.c - the helpers around a FUSE program's main(): fuse_parse_cmdline
 * (-h -V -d -f -s, clone_fd, max_threads, the mount point), the help and
 * version texts, fuse_daemonize, and the library's version.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuse/fuse_i.h"

#define PKG_VERSION "3.14.0"

FSP_FUSE_EXPORT int fuse_version(void)
{
    return FUSE_VERSION;
}

FSP_FUSE_EXPORT const char *fuse_pkgversion(void)
{
    return PKG_VERSION;
}

FSP_FUSE_EXPORT void fuse_lowlevel_version(void)
{
    printf("using FUSE kernel interface version %i.%i (FSP)\n", FUSE_KERNEL_VERSION,
           FSP_FUSE_MINOR);
}

FSP_FUSE_EXPORT void fuse_cmdline_help(void)
{
    printf("    -h   --help            print help\n"
           "    -V   --version         print version\n"
           "    -d   -o debug          enable debug output (implies -f)\n"
           "    -f                     foreground operation\n"
           "    -s                     disable multi-threaded operation\n"
           "    -o clone_fd            use separate fuse device fd for each thread\n"
           "                           (FSP always does)\n"
           "    -o max_idle_threads    the maximum number of idle worker threads\n"
           "                           allowed (FSP keeps a fixed pool)\n"
           "    -o max_threads         the maximum number of worker threads\n"
           "                           allowed (default: 10)\n");
}

FSP_FUSE_EXPORT void fuse_lowlevel_help(void)
{
    printf("    -o allow_other         allow access by all users\n"
           "    -o allow_root          allow access by root\n"
           "    -o auto_unmount        auto unmount on process termination\n"
           "    -o default_permissions let the kernel check permissions\n"
           "    -o fsname=NAME         the mount's source name\n"
           "    -o subtype=NAME        the mount's type (fuse.NAME)\n"
           "    -o ro                  mount read-only\n"
           "    -o max_read=N          largest read request\n");
}

/* --- fuse_parse_cmdline ----------------------------------------------------- */

#define HELPER_OPT(t, m)                            \
    {                                               \
        t, offsetof(struct fuse_cmdline_opts, m), 1 \
    }

static const struct fuse_opt helper_opts[] = {
    HELPER_OPT("-h", show_help),
    HELPER_OPT("--help", show_help),
    HELPER_OPT("-V", show_version),
    HELPER_OPT("--version", show_version),
    HELPER_OPT("-d", debug),
    HELPER_OPT("debug", debug),
    HELPER_OPT("-d", foreground),
    HELPER_OPT("debug", foreground),
    /* -d and debug also reach fuse_session_new, which enables tracing. */
    FUSE_OPT_KEY("-d", FUSE_OPT_KEY_KEEP),
    FUSE_OPT_KEY("debug", FUSE_OPT_KEY_KEEP),
    HELPER_OPT("-f", foreground),
    HELPER_OPT("-s", singlethread),
    HELPER_OPT("fsname=", nodefault_subtype),
    FUSE_OPT_KEY("fsname=", FUSE_OPT_KEY_KEEP),
    HELPER_OPT("subtype=", nodefault_subtype),
    FUSE_OPT_KEY("subtype=", FUSE_OPT_KEY_KEEP),
    /* WinFsp-FUSE's names for the subtype (fuse_new takes them, hl_winfsp.c). */
    HELPER_OPT("FileSystemName=", nodefault_subtype),
    FUSE_OPT_KEY("FileSystemName=", FUSE_OPT_KEY_KEEP),
    HELPER_OPT("--FileSystemName=", nodefault_subtype),
    FUSE_OPT_KEY("--FileSystemName=", FUSE_OPT_KEY_KEEP),
    HELPER_OPT("fstypename=", nodefault_subtype),
    FUSE_OPT_KEY("fstypename=", FUSE_OPT_KEY_KEEP),
    HELPER_OPT("clone_fd", clone_fd),
    {"max_idle_threads=%u", offsetof(struct fuse_cmdline_opts, max_idle_threads), 0},
    {"max_threads=%u", offsetof(struct fuse_cmdline_opts, max_threads), 0},
    FUSE_OPT_END,
};

static int helper_opt_proc(void *data, const char *arg, int key, struct fuse_args *outargs)
{
    struct fuse_cmdline_opts *opts = data;
    (void)outargs;
    if (key != FUSE_OPT_KEY_NONOPT)
        return 1; /* for fuse_session_new to judge */
    if (opts->mountpoint) {
        fuse_log(FUSE_LOG_ERR, "fuse: invalid argument `%s'\n", arg);
        return -1;
    }
    char path[PATH_MAX];
    if (!realpath(arg, path)) {
        fuse_log(FUSE_LOG_ERR, "fuse: bad mount point `%s': %s\n", arg, strerror(errno));
        return -1;
    }
    return fuse_opt_add_opt(&opts->mountpoint, path);
}

/* Linux shows the program's name as the mount's type unless told otherwise. */
static int add_default_subtype(const char *progname, struct fuse_args *args)
{
    const char *base = strrchr(progname, '/');
    base = base ? base + 1 : progname;
    if (!*base)
        return 0;
    size_t len = strlen(base) + sizeof("-osubtype=");
    char *opt = malloc(len);
    if (!opt) {
        fuse_log(FUSE_LOG_ERR, "fuse: memory allocation failed\n");
        return -1;
    }
    /* Characters fuse_opt treats specially would break the -o list. */
    snprintf(opt, len, "-osubtype=%s", base);
    for (char *p = opt + sizeof("-osubtype=") - 1; *p; p++)
        if (*p == ',' || *p == '\\' || *p == ' ')
            *p = '_';
    int res = fuse_opt_insert_arg(args, 1, opt);
    free(opt);
    return res;
}

FSP_FUSE_EXPORT int fuse_parse_cmdline_312(struct fuse_args *args, struct fuse_cmdline_opts *opts);
int fuse_parse_cmdline_312(struct fuse_args *args, struct fuse_cmdline_opts *opts)
{
    memset(opts, 0, sizeof(*opts));
    opts->max_idle_threads = UINT_MAX;
    opts->max_threads = 10;
    if (fuse_opt_parse(args, opts, helper_opts, helper_opt_proc) == -1)
        return -1;
    if (!opts->nodefault_subtype && args->argc > 0 &&
        add_default_subtype(args->argv[0], args) == -1)
        return -1;
    return 0;
}

/* The 3.0-3.11 struct ends before max_threads. */
struct fuse_cmdline_opts_30 {
    int singlethread;
    int foreground;
    int debug;
    int nodefault_subtype;
    char *mountpoint;
    int show_version;
    int show_help;
    int clone_fd;
    unsigned int max_idle_threads;
};

FSP_FUSE_EXPORT int fuse_parse_cmdline_30(struct fuse_args *args, struct fuse_cmdline_opts_30 *out);
int fuse_parse_cmdline_30(struct fuse_args *args, struct fuse_cmdline_opts_30 *out)
{
    struct fuse_cmdline_opts opts;
    int rc = fuse_parse_cmdline_312(args, &opts);
    memcpy(out, &opts, sizeof(*out));
    return rc;
}

FSP_FUSE_SYMVER("fuse_parse_cmdline_30,fuse_parse_cmdline@FUSE_3.0");
FSP_FUSE_SYMVER("fuse_parse_cmdline_312,fuse_parse_cmdline@@FUSE_3.12");

/* --- fuse_daemonize ------------------------------------------------------------- */

FSP_FUSE_EXPORT int fuse_daemonize(int foreground)
{
    if (foreground) {
        if (chdir("/") != 0) {
            /* harmless: libfuse ignores it too */
        }
        return 0;
    }
    int waiter[2];
    if (pipe(waiter) != 0) {
        perror("fuse_daemonize: pipe");
        return -1;
    }
    char done = 0;
    switch (fork()) {
    case -1:
        perror("fuse_daemonize: fork");
        close(waiter[0]);
        close(waiter[1]);
        return -1;
    case 0:
        break;
    default:
        /* The parent leaves once the child has finished detaching, so the
         * shell gets its prompt back only when the daemon is ready. */
        if (read(waiter[0], &done, 1) < 0) {
            /* exit anyway */
        }
        _exit(0);
    }
    if (setsid() == -1) {
        perror("fuse_daemonize: setsid");
        return -1;
    }
    if (chdir("/") != 0) {
        /* as above */
    }
    int nullfd = open("/dev/null", O_RDWR);
    if (nullfd != -1) {
        dup2(nullfd, 0);
        dup2(nullfd, 1);
        dup2(nullfd, 2);
        if (nullfd > 2)
            close(nullfd);
    }
    done = 1;
    if (write(waiter[1], &done, 1) < 0) {
        /* the parent then sees EOF and exits as well */
    }
    close(waiter[0]);
    close(waiter[1]);
    return 0;
}
