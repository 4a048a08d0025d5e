/*
 * hl_main.c - a FUSE 2 high-level file system's life: fuse_new on a
 * channel, the loops, fuse_destroy, fuse_setup/fuse_teardown and
 * fuse_main_real.
 *
 * The struct fuse a FUSE 2 program holds is FSP's FUSE 3 struct fuse
 * serving the bridge operations (hl_bridge.c); its compat member leads to
 * the FUSE 2 file system. So fuse_exit, fuse_get_context, fuse_get_session
 * and the other functions that mean the same in both APIs are FUSE 3's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuse2/compat_i.h"

/* FUSE 3's entry points under their C names (src/fuse). */
struct fuse *fuse_new_31(struct fuse_args *args, const struct fuse_operations *op, size_t op_size,
                         void *private_data);
int fuse_loop_mt_312(struct fuse *f, struct fuse_loop_config *config);
int fuse_parse_cmdline_312(struct fuse_args *args, struct fuse_cmdline_opts *opts);
/* cmdline.c */
int fuse2_parse_cmdline(struct fuse_args *args, char **mountpoint, int *multithreaded,
                        int *foreground);

/* The FUSE 2 stack goes with it: destroyed by destroy() (br_destroy) if the
 * file system was initialized, here otherwise. */
static void fuse2_free(struct fuse2 *st)
{
    if (st) {
        if (st->fs)
            fuse2_fs_destroy(st->fs);
        fuse2_compat_free(st->old);
        free(st);
    }
}

FSP_FUSE_EXPORT struct fuse *fuse2_new(struct fuse_chan *ch, struct fuse_args *args,
                                       const struct fuse2_operations *op, size_t op_size,
                                       void *user_data)
{
    char *none[] = {"fuse", NULL};
    struct fuse_args empty = FUSE_ARGS_INIT(1, none);
    if (!ch) {
        fuse_log(FUSE_LOG_ERR, "fuse: fuse_new needs the channel of fuse_mount()\n");
        return NULL;
    }
    /* libfuse 2 accepts a missing or empty argument list. */
    if (!args || args->argc == 0)
        args = &empty;
    struct fuse2 *st = calloc(1, sizeof(*st));
    if (!st) {
        fuse_log(FUSE_LOG_ERR, "fuse: failed to allocate fuse object\n");
        return NULL;
    }
    st->fs = fuse2_fs_new(op, op_size, user_data);
    if (!st->fs)
        goto fail;
    st->fs->lib_owned = true;
    if (fuse2_modules_stack(st, args) != 0 || fuse2_conn_opts_parse(args, &st->co) == -1)
        goto fail;
    struct fuse_operations ops3;
    fuse2_fill_ops(&ops3, &st->fs->op);
    struct fuse *f = fuse_new_31(args, &ops3, sizeof(ops3), user_data);
    if (!f)
        goto fail;
    f->compat = st;
    if (fuse2_chan_attach(ch, f->se, &st->ch) != 0) {
        fsp3_fuse_destroy(f);
        goto fail;
    }
    fuse_opt_free_args(&empty);
    return f;

fail:
    fuse_opt_free_args(&empty);
    fuse2_free(st);
    return NULL;
}

/* destroy() runs (once) if the file system was initialized. A channel not
 * yet unmounted loses its session: fuse_unmount() then only frees it. */
FSP_FUSE_EXPORT void fuse2_destroy(struct fuse *f)
{
    if (!f)
        return;
    struct fuse2 *st = f->compat;
    fuse2_chan_detach(st->ch);
    fsp3_fuse_destroy(f);
    fuse2_free(st);
}

/* FUSE 2's loops return 0 or -1; a loop ended by a signal ended cleanly. */
FSP_FUSE_EXPORT int fuse2_loop(struct fuse *f)
{
    return fsp3_fuse_loop(f) < 0 ? -1 : 0;
}

FSP_FUSE_EXPORT int fuse2_loop_mt(struct fuse *f)
{
    return f && fuse_loop_mt_312(f, NULL) >= 0 ? 0 : -1;
}

FSP_FUSE_EXPORT int fuse2_exited(struct fuse *f)
{
    return fuse_session_exited(f->se);
}

FSP_FUSE_EXPORT int fuse2_invalidate(struct fuse *f, const char *path)
{
    return fuse_invalidate_path(f, path);
}

FSP_FUSE_EXPORT int fuse2_is_lib_option(const char *opt)
{
    return hl_is_option(opt) || fsp_fuse_is_session_option(opt) || fuse2_is_conn_option(opt);
}

/* --- fuse_setup, fuse_teardown, fuse_main_real ------------------------------ */

FSP_FUSE_EXPORT struct fuse *fuse2_setup(int argc, char *argv[], const struct fuse2_operations *op,
                                         size_t op_size, char **mountpoint, int *multithreaded,
                                         void *user_data)
{
    struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
    char *mp = NULL;
    int fg = 0;
    struct fuse *f = NULL;
    struct fuse_chan *ch = NULL;

    if (fuse2_parse_cmdline(&args, &mp, multithreaded, &fg) == -1)
        goto out;
    if (!mp) {
        /* -h and -V printed their text; either way there is nothing to mount. */
        goto out;
    }
    ch = fuse2_mount(mp, &args);
    if (!ch)
        goto out;
    f = fuse2_new(ch, &args, op, op_size, user_data);
    if (!f) {
        fuse2_unmount(mp, ch);
        goto out;
    }
    if (fuse_daemonize(fg) == -1 || fuse_set_signal_handlers(f->se) == -1) {
        fuse2_unmount(mp, ch);
        fuse2_destroy(f);
        f = NULL;
        goto out;
    }
    *mountpoint = mp;
    mp = NULL;
out:
    free(mp);
    fuse_opt_free_args(&args);
    return f;
}

FSP_FUSE_EXPORT void fuse2_teardown(struct fuse *f, char *mountpoint)
{
    struct fuse2 *st = f->compat;
    fuse_remove_signal_handlers(f->se);
    fuse2_unmount(mountpoint, st->ch);
    fuse2_destroy(f);
    free(mountpoint);
}

FSP_FUSE_EXPORT int fuse2_main_real(int argc, char *argv[], const struct fuse2_operations *op,
                                    size_t op_size, void *user_data)
{
    char *mountpoint = NULL;
    int multithreaded = 0;
    struct fuse *f = fuse2_setup(argc, argv, op, op_size, &mountpoint, &multithreaded, user_data);
    if (!f)
        return 1;
    int res = multithreaded ? fuse2_loop_mt(f) : fuse2_loop(f);
    fuse2_teardown(f, mountpoint);
    return res == -1 ? 1 : 0;
}

/* --- What FSP does not do ------------------------------------------------------ */

/* --- Raw commands: a program's own loop over the high-level API ------------------ */

/* FUSE 2's struct fuse_cmd (opaque to programs): one request read. */
struct fuse_cmd {
    char *buf;
    size_t buflen;
    struct fuse_chan *ch;
};

static void cmd_free(struct fuse_cmd *cmd)
{
    free(cmd->buf);
    free(cmd);
}

/* One request, or NULL: interrupted (-EINTR, -EAGAIN: try again),
 * unmounted or exited (the file system then is exited), or an error (which
 * exits it, as libfuse 2.9 does). */
FSP_FUSE_EXPORT struct fuse_cmd *fuse2_read_cmd(struct fuse *f)
{
    struct fuse_chan *ch = fuse2_session_next_chan(f->se, NULL);
    if (!ch) {
        fuse_log(FUSE_LOG_ERR, "fuse: fuse_read_cmd: not mounted\n");
        return NULL;
    }
    size_t bufsize = fuse2_chan_bufsize(ch);
    struct fuse_cmd *cmd = calloc(1, sizeof(*cmd));
    if (cmd)
        cmd->buf = malloc(bufsize);
    if (!cmd || !cmd->buf) {
        fuse_log(FUSE_LOG_ERR, "fuse: failed to allocate cmd\n");
        free(cmd);
        return NULL;
    }
    int res = fuse2_chan_recv(&ch, cmd->buf, bufsize);
    if (res <= 0) {
        cmd_free(cmd);
        if (res < 0 && res != -EINTR && res != -EAGAIN)
            fuse_session_exit(f->se);
        return NULL;
    }
    cmd->buflen = (size_t)res;
    cmd->ch = ch;
    return cmd;
}

FSP_FUSE_EXPORT void fuse2_process_cmd(struct fuse *f, struct fuse_cmd *cmd)
{
    fuse2_session_process(f->se, cmd->buf, cmd->buflen, cmd->ch);
    cmd_free(cmd);
}

typedef void fuse2_processor_fn(struct fuse *f, struct fuse_cmd *cmd, void *data);

struct proc_loop {
    struct fuse *f;
    fuse2_processor_fn *proc;
    void *data;
};

static void *proc_thread(void *arg)
{
    struct proc_loop *pl = arg;
    while (!fuse_session_exited(pl->f->se)) {
        struct fuse_cmd *cmd = fuse2_read_cmd(pl->f);
        if (cmd)
            pl->proc(pl->f, cmd, pl->data);
    }
    return NULL;
}

#define PROC_THREADS 10 /* as many as FUSE 2's multi-threaded loop at most */

/* Several threads read requests and hand each to proc, which is expected
 * to call fuse_process_cmd; until unmounted or fuse_exit(). 0, or -1 when
 * no thread could start. */
FSP_FUSE_EXPORT int fuse2_loop_mt_proc(struct fuse *f, fuse2_processor_fn *proc, void *data)
{
    if (!f || !proc)
        return -1;
    struct proc_loop pl = {f, proc, data};
    pthread_t threads[PROC_THREADS];
    int started = 0;
    /* The program's signals are its business: the threads block them. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    for (int i = 0; i < PROC_THREADS; i++)
        if (pthread_create(&threads[i], NULL, proc_thread, &pl) == 0)
            started++;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    for (int i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    fuse_session_reset(f->se);
    return started ? 0 : -1;
}

/* Obsolete since 2.6: libfuse 2.9 ignores it too. */
FSP_FUSE_EXPORT void fuse2_set_getcontext_func(struct fuse_context *(*func)(void))
{
    (void)func;
}

/* The pre-2.2 fuse_main(void): libfuse 2.9 keeps the symbol only to say so. */
FSP_FUSE_EXPORT int fuse2_main_obsolete(void)
{
    fuse_log(FUSE_LOG_ERR, "fuse_main(): This function does not exist\n");
    return -1;
}

FUSE2_SYMBOL(fuse2_new, fuse_new, "FUSE_2.6");
FUSE2_SYMBOL(fuse2_destroy, fuse_destroy, "FUSE_2.2");
FUSE2_SYMBOL(fuse2_loop, fuse_loop, "FUSE_2.2");
FUSE2_SYMBOL(fuse2_loop_mt, fuse_loop_mt, "FUSE_2.2");
FUSE2_SYMBOL(fuse2_exited, fuse_exited, "FUSE_2.2");
FUSE2_SYMBOL(fuse2_invalidate, fuse_invalidate, "FUSE_2.2");
FUSE2_SYMBOL(fuse2_is_lib_option, fuse_is_lib_option, "FUSE_2.2");
FUSE2_SYMBOL(fuse2_setup, fuse_setup, "FUSE_2.6");
FUSE2_SYMBOL(fuse2_teardown, fuse_teardown, "FUSE_2.6");
FUSE2_SYMBOL(fuse2_main_real, fuse_main_real, "FUSE_2.6");
FUSE2_SYMBOL(fuse2_read_cmd, fuse_read_cmd, "FUSE_2.2");
FUSE2_SYMBOL(fuse2_process_cmd, fuse_process_cmd, "FUSE_2.2");
FUSE2_SYMBOL(fuse2_loop_mt_proc, fuse_loop_mt_proc, "FUSE_2.2");
FUSE2_SYMBOL(fuse2_set_getcontext_func, fuse_set_getcontext_func, "FUSE_2.2");
FUSE2_SYMBOL(fuse2_main_obsolete, fuse_main, "FUSE_2.2");
