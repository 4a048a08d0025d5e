/*
 * cmdline.c - FUSE 2's command line helper and version: fuse_parse_cmdline
 * with out-parameters instead of FUSE 3's struct, on top of FUSE 3's parser
 * (the same -h -V -d -f -s options and default subtype).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>

#include "fuse2/fuse2_i.h"

#define FUSE2_PKG_VERSION "2.9.9"

int fuse_parse_cmdline_312(struct fuse_args *args, struct fuse_cmdline_opts *opts);
int fuse2_parse_cmdline(struct fuse_args *args, char **mountpoint, int *multithreaded,
                        int *foreground);

static void help(const char *progname)
{
    printf("usage: %s mountpoint [options]\n\n", progname);
    printf("general options:\n"
           "    -o opt,[opt...]        mount options\n"
           "    -h   --help            print help\n"
           "    -V   --version         print version\n"
           "\nFUSE options:\n"
           "    -d   -o debug          enable debug output (implies -f)\n"
           "    -f                     foreground operation\n"
           "    -s                     disable multi-threaded operation\n"
           "\n");
    fuse_lowlevel_help();
    printf("    -o max_write=N         set maximum size of write requests\n"
           "    -o max_readahead=N     set maximum readahead\n"
           "    -o async_read          perform reads asynchronously (default)\n"
           "    -o sync_read           perform reads synchronously\n"
           "    -o atomic_o_trunc      enable atomic open+truncate support\n"
           "    -o no_remote_lock      disable remote file locking\n");
    fuse_lib_help(NULL);
}

/* -h and -V print and leave *mountpoint NULL, so fuse_setup() and programs
 * that check the mount point stop there. */
FSP_FUSE_EXPORT int fuse2_parse_cmdline(struct fuse_args *args, char **mountpoint,
                                        int *multithreaded, int *foreground)
{
    struct fuse_cmdline_opts o;
    if (fuse_parse_cmdline_312(args, &o) == -1) {
        free(o.mountpoint);
        return -1;
    }
    if (o.show_help || o.show_version) {
        if (o.show_help)
            help(args->argc > 0 ? args->argv[0] : "fuse");
        else
            printf("FUSE library version: %s (FSP)\n", FUSE2_PKG_VERSION);
        free(o.mountpoint);
        o.mountpoint = NULL;
    }
    if (mountpoint)
        *mountpoint = o.mountpoint;
    else
        free(o.mountpoint);
    if (multithreaded)
        *multithreaded = !o.singlethread;
    if (foreground)
        *foreground = o.foreground;
    return 0;
}

FSP_FUSE_EXPORT int fuse2_version(void)
{
    return 29; /* FUSE 2's FUSE_VERSION: 2 * 10 + 9 */
}

FUSE2_SYMBOL(fuse2_parse_cmdline, fuse_parse_cmdline, "FUSE_2.5");
FUSE2_SYMBOL(fuse2_version, fuse_version, "FUSE_2.7");
