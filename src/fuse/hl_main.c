/*
 * hl_main.c - a high-level file system's life: fuse_new (its -o options),
 * fuse_mount, the loops, fuse_exit, fuse_destroy, and fuse_main_real which
 * does all of it for a program's main().
 *
 * struct fuse owns a low-level session whose operations are the high-level
 * layer's handlers (hl_ops.c, hl_dir.c); everything about mounting, threads
 * and signals is the low-level API's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuse/hl_i.h"

/* From cmdline.c and ll_session.c (their versioned names are the exported
 * ones; the library calls them directly). */
int fuse_parse_cmdline_312(struct fuse_args *args, struct fuse_cmdline_opts *opts);
int fuse_session_loop_mt_312(struct fuse_session *se, struct fuse_loop_config *config);
int fuse_session_loop_mt_32(struct fuse_session *se, struct fuse_loop_config_v1 *config);
int fuse_session_loop_mt_31(struct fuse_session *se, int clone_fd);

/* --- Options ------------------------------------------------------------------ */

#define CONF_OPT(t, m, v)                     \
    {                                         \
        t, offsetof(struct fuse_config, m), v \
    }

static const struct fuse_opt hl_opts[] = {
    CONF_OPT("-h", show_help, 1),
    CONF_OPT("--help", show_help, 1),
    CONF_OPT("debug", debug, 1),
    CONF_OPT("-d", debug, 1),
    /* -d also reaches fuse_session_new, which traces requests. */
    FUSE_OPT_KEY("debug", FUSE_OPT_KEY_KEEP),
    FUSE_OPT_KEY("-d", FUSE_OPT_KEY_KEEP),
    CONF_OPT("kernel_cache", kernel_cache, 1),
    CONF_OPT("auto_cache", auto_cache, 1),
    CONF_OPT("noauto_cache", auto_cache, 0),
    CONF_OPT("no_rofd_flush", no_rofd_flush, 1),
    CONF_OPT("umask=", set_mode, 1),
    CONF_OPT("umask=%o", umask, 0),
    CONF_OPT("uid=", set_uid, 1),
    CONF_OPT("uid=%d", uid, 0),
    CONF_OPT("gid=", set_gid, 1),
    CONF_OPT("gid=%d", gid, 0),
    CONF_OPT("entry_timeout=%lf", entry_timeout, 0),
    CONF_OPT("attr_timeout=%lf", attr_timeout, 0),
    CONF_OPT("ac_attr_timeout=%lf", ac_attr_timeout, 0),
    CONF_OPT("ac_attr_timeout=", ac_attr_timeout_set, 1),
    CONF_OPT("negative_timeout=%lf", negative_timeout, 0),
    CONF_OPT("noforget", remember, -1),
    CONF_OPT("remember=%u", remember, 0),
    CONF_OPT("modules=%s", modules, 0),
    CONF_OPT("intr", intr, 1),
    CONF_OPT("intr_signal=%d", intr_signal, 0),
    CONF_OPT("hard_remove", hard_remove, 1),
    CONF_OPT("use_ino", use_ino, 1),
    CONF_OPT("readdir_ino", readdir_ino, 1),
    CONF_OPT("direct_io", direct_io, 1),
    CONF_OPT("nullpath_ok", nullpath_ok, 1),
    FUSE_OPT_END,
};

static int hl_opt_proc(void *data, const char *arg, int key, struct fuse_args *outargs)
{
    (void)data;
    (void)arg;
    (void)key;
    (void)outargs;
    return 1; /* everything else is fuse_session_new's to judge */
}

bool hl_is_option(const char *opt)
{
    return fuse_opt_match(hl_opts, opt) || hl_winfsp_is_option(opt);
}

FSP_FUSE_EXPORT void fuse_lib_help(struct fuse_args *args)
{
    (void)args;
    printf("    -o hard_remove         immediate removal (don't hide files)\n"
           "    -o use_ino             let filesystem set inode numbers\n"
           "    -o readdir_ino         try to fill in d_ino in readdir\n"
           "    -o direct_io           use direct I/O\n"
           "    -o kernel_cache        cache files in kernel\n"
           "    -o [no]auto_cache      enable caching based on modification times (off)\n"
           "    -o no_rofd_flush       disable flushing of read-only fd on close (off)\n"
           "    -o umask=M             set file permissions (octal)\n"
           "    -o uid=N               set file owner\n"
           "    -o gid=N               set file group\n"
           "    -o entry_timeout=T     cache timeout for names (1.0s)\n"
           "    -o negative_timeout=T  cache timeout for deleted names (0.0s)\n"
           "    -o attr_timeout=T      cache timeout for attributes (1.0s)\n"
           "    -o ac_attr_timeout=T   auto cache timeout for attributes (attr_timeout)\n"
           "    -o noforget            never forget cached inodes\n"
           "    -o remember=T          remember cached inodes (FSP: until unmount)\n"
           "    -o nullpath_ok         operations on open files may get a NULL path\n"
           "    -o [no_]intr           allow requests to be interrupted\n"
           "    -o intr_signal=NUM     signal to send on interrupt (%i)\n"
           "    -o modules=M1[:M2...]  names of modules to push onto filesystem stack\n"
           "WinFsp-FUSE options:\n"
           "    -o FileInfoTimeout=MS  attribute and name cache (-1: also keep file data)\n"
           "    -o DirInfoTimeout=MS   non-zero: keep directory listings in the kernel\n"
           "    -o ThreadCount=N       worker threads\n"
           "    -o VolumePrefix=\\S\\H  UNC name, the mount source //S/H (also UNC=)\n"
           "    -o volname=NAME        volume label, the mount source\n"
           "    -o FileSystemName=NAME file system name, the subtype (also fstypename=)\n"
           "\n",
           SIGUSR1);
    fuse_lowlevel_help();
}

/* --- fuse_new ------------------------------------------------------------------ */

static void fuse_free(struct fuse *f)
{
    if (f->se)
        fuse_session_destroy(f->se);
    hl_dirs_free(f);
    pthread_mutex_destroy(&f->dirs_lock);
    hl_table_free(f);
    hl_intr_teardown(f);
    hl_fs_shutdown(f); /* unless destroy() already did (hl_ops.c) */
    hl_winfsp_close_log(f);
    free(f->conf.modules);
    free(f);
}

FSP_FUSE_EXPORT struct fuse *fuse_new_31(struct fuse_args *args, const struct fuse_operations *op,
                                         size_t op_size, void *private_data);
struct fuse *fuse_new_31(struct fuse_args *args, const struct fuse_operations *op, size_t op_size,
                         void *private_data)
{
    struct hl_winfsp w = {0};
    struct fuse *f = calloc(1, sizeof(*f));
    if (!f) {
        fuse_log(FUSE_LOG_ERR, "fuse: failed to allocate fuse object\n");
        return NULL;
    }
    /* libfuse's defaults. */
    f->conf.entry_timeout = 1.0;
    f->conf.attr_timeout = 1.0;
    f->conf.negative_timeout = 0.0;
    f->conf.intr_signal = SIGUSR1;
    f->debug_log_fd = -1;
    pthread_mutex_init(&f->dirs_lock, NULL);
    if (fuse_opt_parse(args, &f->conf, hl_opts, hl_opt_proc) == -1)
        goto fail;
    if (f->conf.show_help) {
        fuse_lib_help(args);
        goto fail;
    }
    if (hl_winfsp_parse(f, args, &w) != 0)
        goto fail;
    if (f->conf.intr)
        hl_intr_setup(f);
    if (!f->conf.ac_attr_timeout_set)
        f->conf.ac_attr_timeout = f->conf.attr_timeout;
    f->fs = fuse_fs_new(op, op_size, private_data);
    if (!f->fs)
        goto fail;
    f->fs->lib_owned = true;
    if (hl_modules_stack(f, args) != 0 || hl_table_init(f) != 0)
        goto fail;
    hl_fill_llops(f);
    f->se = fuse_session_new(args, &f->llop, sizeof(f->llop), f);
    if (!f->se)
        goto fail;
    hl_winfsp_apply(f, &w);
    return f;

fail:
    hl_winfsp_free(&w);
    fuse_free(f);
    return NULL;
}

/* fuse_new@FUSE_3.0 printed the help itself for -h; so does this one. */
FSP_FUSE_EXPORT struct fuse *fuse_new_30(struct fuse_args *args, const struct fuse_operations *op,
                                         size_t op_size, void *private_data);
struct fuse *fuse_new_30(struct fuse_args *args, const struct fuse_operations *op, size_t op_size,
                         void *private_data)
{
    return fuse_new_31(args, op, op_size, private_data);
}

FSP_FUSE_SYMVER("fuse_new_30,fuse_new@FUSE_3.0");
FSP_FUSE_SYMVER("fuse_new_31,fuse_new@@FUSE_3.1");

FSP_FUSE_EXPORT int fuse_mount(struct fuse *f, const char *mountpoint)
{
    return fuse_session_mount(f->se, mountpoint);
}

FSP_FUSE_EXPORT void fuse_unmount(struct fuse *f)
{
    fuse_session_unmount(f->se);
}

/* Unmounts if needed; destroy() runs (once) if the file system was
 * initialized. */
FSP_FUSE_EXPORT void fuse_destroy(struct fuse *f)
{
    if (f)
        fuse_free(f);
}

FSP_FUSE_EXPORT struct fuse_session *fuse_get_session(struct fuse *f)
{
    return f->se;
}

FSP_FUSE_EXPORT void fuse_exit(struct fuse *f)
{
    fuse_session_exit(f->se);
}

/* --- Loops ----------------------------------------------------------------------- */

FSP_FUSE_EXPORT int fuse_loop(struct fuse *f)
{
    return f ? fuse_session_loop(f->se) : -1;
}

FSP_FUSE_EXPORT int fuse_loop_mt_312(struct fuse *f, struct fuse_loop_config *config);
int fuse_loop_mt_312(struct fuse *f, struct fuse_loop_config *config)
{
    return f ? fuse_session_loop_mt_312(f->se, config) : -1;
}

FSP_FUSE_EXPORT int fuse_loop_mt_32(struct fuse *f, struct fuse_loop_config_v1 *config);
int fuse_loop_mt_32(struct fuse *f, struct fuse_loop_config_v1 *config)
{
    return f ? fuse_session_loop_mt_32(f->se, config) : -1;
}

FSP_FUSE_EXPORT int fuse_loop_mt_31(struct fuse *f, int clone_fd);
int fuse_loop_mt_31(struct fuse *f, int clone_fd)
{
    return f ? fuse_session_loop_mt_31(f->se, clone_fd) : -1;
}

FSP_FUSE_SYMVER("fuse_loop_mt_31,fuse_loop_mt@FUSE_3.0");
FSP_FUSE_SYMVER("fuse_loop_mt_32,fuse_loop_mt@FUSE_3.2");
FSP_FUSE_SYMVER("fuse_loop_mt_312,fuse_loop_mt@@FUSE_3.12");

/* --- Odds and ends ----------------------------------------------------------------- */

FSP_FUSE_EXPORT int fuse_invalidate_path(struct fuse *f, const char *path)
{
    uint64_t id = hl_find_path(f, path);
    if (!id)
        return -ENOENT;
    return fuse_lowlevel_notify_inval_inode(f->se, id, 0, 0);
}

FSP_FUSE_EXPORT int fuse_notify_poll(struct fuse_pollhandle *ph)
{
    return fuse_lowlevel_notify_poll(ph);
}

FSP_FUSE_EXPORT int fuse_start_cleanup_thread(struct fuse *fuse)
{
    (void)fuse;
    return 0;
}

FSP_FUSE_EXPORT void fuse_stop_cleanup_thread(struct fuse *fuse)
{
    (void)fuse;
}

FSP_FUSE_EXPORT int fuse_clean_cache(struct fuse *fuse)
{
    (void)fuse;
    return 3600; /* seconds until it is worth calling again: never */
}

FSP_FUSE_EXPORT int fuse_open_channel(const char *mountpoint, const char *options)
{
    return fsp_fuse_open_channel(mountpoint, options);
}

/* --- fuse_main_real ------------------------------------------------------------------ */

FSP_FUSE_EXPORT int fuse_main_real(int argc, char *argv[], const struct fuse_operations *op,
                                   size_t op_size, void *private_data)
{
    struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
    struct fuse_cmdline_opts opts;
    struct fuse *f = NULL;
    int res;

    if (fuse_parse_cmdline_312(&args, &opts) != 0) {
        fuse_opt_free_args(&args);
        return 1;
    }
    if (opts.show_version) {
        printf("FUSE library version %s\n", fuse_pkgversion());
        fuse_lowlevel_version();
        res = 0;
        goto out;
    }
    if (opts.show_help) {
        if (args.argv[0][0] != '\0')
            printf("usage: %s [options] <mountpoint>\n\n", args.argv[0]);
        printf("FUSE options:\n");
        fuse_cmdline_help();
        fuse_lib_help(&args);
        res = 0;
        goto out;
    }
    if (!opts.mountpoint) {
        fuse_log(FUSE_LOG_ERR, "error: no mountpoint specified\n");
        res = 2;
        goto out;
    }
    f = fuse_new_31(&args, op, op_size, private_data);
    if (!f) {
        res = 3;
        goto out;
    }
    if (fuse_mount(f, opts.mountpoint) != 0) {
        res = 4;
        goto out;
    }
    if (fuse_daemonize(opts.foreground) != 0) {
        res = 5;
        goto out_unmount;
    }
    if (fuse_set_signal_handlers(f->se) != 0) {
        res = 6;
        goto out_unmount;
    }
    if (opts.singlethread) {
        res = fuse_loop(f);
    } else {
        struct fuse_loop_config *cfg = fuse_loop_cfg_create();
        if (cfg) {
            fuse_loop_cfg_set_clone_fd(cfg, (unsigned)opts.clone_fd);
            fuse_loop_cfg_set_idle_threads(cfg, opts.max_idle_threads);
            fuse_loop_cfg_set_max_threads(cfg, opts.max_threads);
        }
        res = fuse_loop_mt_312(f, cfg);
        fuse_loop_cfg_destroy(cfg);
    }
    /* A loop ended by SIGTERM/SIGINT/SIGHUP returns the signal: that is a
     * clean unmount, so the program exits 0; errors (-errno) give 7. */
    res = res < 0 ? 7 : 0;
    fuse_remove_signal_handlers(f->se);
out_unmount:
    fuse_unmount(f);
out:
    fuse_destroy(f);
    free(opts.mountpoint);
    fuse_opt_free_args(&args);
    return res;
}
