/*
 * passthrough_fuse3.c - passthrough-fuse3: mirror a source directory
 * through the FUSE 3 high-level API (fuse_main).
 *
 *     passthrough-fuse3 [options] <source> <mountpoint>
 *     passthrough-fuse3 [options] -o source=DIR <mountpoint>
 *
 * The source is required. default_permissions is always on (the kernel
 * checks access against the source's modes and owners; we act as root).
 * Paths are rebuilt by the library, so a path longer than PATH_MAX below
 * the mount fails with ENAMETOOLONG here; passthrough-ll has no such limit.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pt_fuse3.h"

struct pt_source pt_src = {.fd = -1, .timeout = 1.0};

static void *pt_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
    /* The source's inode numbers; open files live on by their descriptors
     * (an unlinked open file is really unlinked, with nlink 0, as locally). */
    cfg->use_ino = 1;
    cfg->nullpath_ok = 1;
    cfg->hard_remove = 1;
    cfg->entry_timeout = pt_src.timeout;
    cfg->attr_timeout = pt_src.timeout;
    cfg->negative_timeout = 0;
    if (conn->capable & FUSE_CAP_FLOCK_LOCKS)
        conn->want |= FUSE_CAP_FLOCK_LOCKS;
    return NULL;
}

struct pt_opts {
    char *source;
    double timeout;
    int nonopts; /* plain arguments seen so far */
    int total;   /* plain arguments on the command line */
};

static const struct fuse_opt pt_opt_spec[] = {
    {"source=%s", offsetof(struct pt_opts, source), 0},
    {"timeout=%lf", offsetof(struct pt_opts, timeout), 0},
    FUSE_OPT_END,
};

/* With two plain arguments, the first is the source. */
static int pt_opt_proc(void *data, const char *arg, int key, struct fuse_args *outargs)
{
    struct pt_opts *o = data;
    if (key != FUSE_OPT_KEY_NONOPT || o->total < 2 || o->nonopts++ > 0 || o->source)
        return 1;
    o->source = strdup(arg);
    return o->source ? 0 : -1;
}

static int count_nonopts(int argc, char *argv[])
{
    int n = 0;
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] != '-')
            n++;
        else if (strcmp(argv[i], "-o") == 0)
            i++; /* its value */
    }
    return n;
}

static bool wants_help(int argc, char *argv[])
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help") || !strcmp(argv[i], "-V") ||
            !strcmp(argv[i], "--version"))
            return true;
    return false;
}

int main(int argc, char *argv[])
{
    struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
    struct pt_opts po = {.timeout = 1.0, .total = count_nonopts(argc, argv)};
    struct fuse_operations ops = {.init = pt_init};
    int ret = 1;

    pt_fill_path_ops(&ops);
    pt_fill_file_ops(&ops);
    if (fuse_opt_parse(&args, &po, pt_opt_spec, pt_opt_proc) != 0)
        goto out;
    if (wants_help(argc, argv)) {
        printf("passthrough-fuse3 options:\n"
               "    -o source=DIR          the directory to mirror (required)\n"
               "    -o timeout=SECONDS     entry and attribute cache time (1)\n\n");
        ret = fuse_main(args.argc, args.argv, &ops, NULL);
        goto out;
    }
    if (!po.source) {
        fprintf(stderr, "%s: no source directory (-o source=DIR or <source> <mountpoint>)\n",
                argv[0]);
        goto out;
    }
    pt_src.path = realpath(po.source, NULL);
    pt_src.fd = pt_src.path ? open(pt_src.path, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
    if (pt_src.fd < 0) {
        fprintf(stderr, "%s: %s: %s\n", argv[0], po.source, strerror(errno));
        goto out;
    }
    pt_src.timeout = po.timeout;
    pt_src.creds = geteuid() == 0;
    umask(0); /* the kernel applied the caller's umask already */
    if (fuse_opt_add_arg(&args, "-odefault_permissions") != 0)
        goto out;
    ret = fuse_main(args.argc, args.argv, &ops, NULL);
out:
    if (pt_src.fd >= 0)
        close(pt_src.fd);
    free(pt_src.path);
    free(po.source);
    fuse_opt_free_args(&args);
    return ret;
}
