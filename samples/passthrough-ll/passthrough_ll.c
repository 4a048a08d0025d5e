/*
 * passthrough_ll.c - passthrough-ll: mirror a source directory through the
 * FUSE 3 low-level API.
 *
 *     passthrough-ll [options] <mountpoint>   with -o source=DIR (required)
 *     passthrough-ll [options] <source> <mountpoint>
 *
 * Options: -o source=DIR, -o timeout=SECONDS (entry and attribute cache
 * time, default 1), -o passthrough (the kernel reads and writes open files
 * on the source itself: backing.c), the connection options of fuse_parse_conn_info_opts
 * (max_write=, readdirplus=no, ...), and the usual session and mount ones.
 * default_permissions is always on: the kernel checks access with the
 * source's modes and owners, while we act on the source as root.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pt_ll.h"

/* The user's -o tuning of the connection (fuse_parse_conn_info_opts). */
static void pt_init(void *userdata, struct fuse_conn_info *conn)
{
    struct pt_fs *fs = userdata;
    fuse_apply_conn_info_opts(fs->conn_opts, conn);
    pt_backing_init(fs, conn);
}

static const struct fuse_lowlevel_ops pt_ops = {
    .init = pt_init,
    .lookup = pt_op_lookup,
    .forget = pt_op_forget,
    .forget_multi = pt_op_forget_multi,
    .getattr = pt_op_getattr,
    .setattr = pt_op_setattr,
    .readlink = pt_op_readlink,
    .mknod = pt_op_mknod,
    .mkdir = pt_op_mkdir,
    .symlink = pt_op_symlink,
    .link = pt_op_link,
    .unlink = pt_op_unlink,
    .rmdir = pt_op_rmdir,
    .rename = pt_op_rename,
    .create = pt_op_create,
    .open = pt_op_open,
    .read = pt_op_read,
    .write_buf = pt_op_write_buf,
    .flush = pt_op_flush,
    .release = pt_op_release,
    .fsync = pt_op_fsync,
    .fallocate = pt_op_fallocate,
    .copy_file_range = pt_op_copy_file_range,
    .lseek = pt_op_lseek,
    .flock = pt_op_flock,
    .opendir = pt_op_opendir,
    .readdir = pt_op_readdir,
    .readdirplus = pt_op_readdirplus,
    .releasedir = pt_op_releasedir,
    .fsyncdir = pt_op_fsyncdir,
    .statfs = pt_op_statfs,
    .setxattr = pt_op_setxattr,
    .getxattr = pt_op_getxattr,
    .listxattr = pt_op_listxattr,
    .removexattr = pt_op_removexattr,
};

struct pt_opts {
    char *source;
    double timeout;
    int passthrough;
};

static const struct fuse_opt pt_opt_spec[] = {
    {"source=%s", offsetof(struct pt_opts, source), 0},
    {"timeout=%lf", offsetof(struct pt_opts, timeout), 0},
    {"passthrough", offsetof(struct pt_opts, passthrough), 1},
    FUSE_OPT_END,
};

/* The first non-option argument is the source when two are given. */
static int pt_opt_proc(void *data, const char *arg, int key, struct fuse_args *outargs)
{
    struct pt_opts *o = data;
    if (key != FUSE_OPT_KEY_NONOPT || o->source)
        return 1;
    o->source = strdup(arg);
    return o->source ? 0 : -1;
}

static void usage(const char *prog)
{
    printf("usage: %s [options] <source> <mountpoint>\n"
           "       %s [options] -o source=DIR <mountpoint>\n\n"
           "passthrough-ll options:\n"
           "    -o source=DIR          the directory to mirror (required)\n"
           "    -o timeout=SECONDS     entry and attribute cache time (1)\n"
           "    -o passthrough         the kernel does open files' I/O on the source\n"
           "                           (FUSE passthrough: kernel 6.9+, CAP_SYS_ADMIN)\n\n",
           prog, prog);
}

static int count_nonopts(int argc, char *argv[])
{
    int n = 0;
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] != '-') {
            n++;
        } else if (strcmp(argv[i], "-o") == 0) {
            i++; /* its value */
        }
    }
    return n;
}

int main(int argc, char *argv[])
{
    struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
    struct fuse_cmdline_opts opts = {0};
    struct pt_opts po = {.timeout = 1.0};
    struct pt_fs fs = {0};
    struct fuse_session *se = NULL;
    int ret = 1;

    /* With two plain arguments, the first is the source: take it out
     * before fuse_parse_cmdline sees two mount points. */
    int nonopts = count_nonopts(argc, argv);
    if (fuse_opt_parse(&args, &po, pt_opt_spec, nonopts >= 2 ? pt_opt_proc : NULL) != 0)
        goto out;
    fs.conn_opts = fuse_parse_conn_info_opts(&args);
    if (!fs.conn_opts)
        goto out;
    if (fuse_parse_cmdline(&args, &opts) != 0)
        goto out;
    if (opts.show_help) {
        usage(argv[0]);
        fuse_cmdline_help();
        fuse_lowlevel_help();
        ret = 0;
        goto out;
    }
    if (opts.show_version) {
        printf("FUSE library version %s\n", fuse_pkgversion());
        fuse_lowlevel_version();
        ret = 0;
        goto out;
    }
    if (!opts.mountpoint || !po.source) {
        usage(argv[0]);
        fprintf(stderr, "%s: %s\n", argv[0],
                !po.source ? "no source directory (-o source=DIR)" : "no mount point");
        goto out;
    }
    int err = pt_table_init(&fs, po.source);
    if (err) {
        fprintf(stderr, "%s: %s: %s\n", argv[0], po.source, strerror(err));
        goto out;
    }
    fs.timeout = po.timeout;
    fs.creds = geteuid() == 0;
    fs.passthrough = po.passthrough != 0;
    pthread_mutex_init(&fs.backing_lock, NULL);
    /* The kernel applied the caller's umask already. */
    umask(0);

    if (fuse_opt_add_arg(&args, "-odefault_permissions") != 0)
        goto free_table;
    se = fuse_session_new(&args, &pt_ops, sizeof(pt_ops), &fs);
    if (!se)
        goto free_table;
    if (fuse_set_signal_handlers(se) != 0)
        goto destroy;
    if (fuse_session_mount(se, opts.mountpoint) != 0)
        goto remove_handlers;
    fuse_daemonize(opts.foreground);
    if (opts.singlethread) {
        ret = fuse_session_loop(se);
    } else {
        struct fuse_loop_config *config = fuse_loop_cfg_create();
        if (!config)
            goto unmount;
        fuse_loop_cfg_set_clone_fd(config, (unsigned)opts.clone_fd);
        fuse_loop_cfg_set_max_threads(config, opts.max_threads);
        ret = fuse_session_loop_mt(se, config);
        fuse_loop_cfg_destroy(config);
    }
    ret = ret < 0 ? 1 : 0; /* a signal ended the loop: a clean stop */
unmount:
    fuse_session_unmount(se);
remove_handlers:
    fuse_remove_signal_handlers(se);
destroy:
    fuse_session_destroy(se);
free_table:
    pthread_mutex_destroy(&fs.backing_lock);
    pt_table_free(&fs);
out:
    free(opts.mountpoint);
    free(po.source);
    free(fs.conn_opts);
    fuse_opt_free_args(&args);
    return ret;
}
