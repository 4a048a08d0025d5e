/*
 * compat_hl.c - the high-level entry points of FUSE 2.5 and older, under
 * the names and symbol versions libfuse 2.9 keeps for binaries built then:
 * fuse_mount and fuse_unmount by descriptor and mount point, fuse_new on a
 * descriptor, fuse_setup/fuse_teardown with one, fuse_main_real and
 * fuse_main for each table generation, and FUSE 2.1's unversioned
 * __fuse_* helpers. Each converts its arguments and runs today's code:
 * the tables through compat_ops.c, the mounts through compat_fd.c, and a
 * descriptor through a kernel channel (fuse_kern_chan_new).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuse2/compat_i.h"

/* FUSE_DEBUG_COMPAT1: fuse_new_compat1's flag for "-o debug". */
#define FUSE2_DEBUG_COMPAT1 (1 << 1)

/* An argument list holding "-o opts" (none when opts is NULL or empty). */
static int args_of_opts(struct fuse_args *args, const char *opts)
{
    *args = (struct fuse_args)FUSE_ARGS_INIT(0, NULL);
    if (fuse_opt_add_arg(args, "fuse") == -1)
        return -1;
    if (opts && *opts &&
        (fuse_opt_add_arg(args, "-o") == -1 || fuse_opt_add_arg(args, opts) == -1)) {
        fuse_opt_free_args(args);
        return -1;
    }
    return 0;
}

/* --- fuse_mount / fuse_unmount ------------------------------------------------- */

FSP_FUSE_EXPORT int fuse_mount_compat25(const char *mountpoint, struct fuse_args *args);
int fuse_mount_compat25(const char *mountpoint, struct fuse_args *args)
{
    return fuse2_compat_mount(mountpoint, args);
}

FSP_FUSE_EXPORT int fuse_mount_compat22(const char *mountpoint, const char *opts);
int fuse_mount_compat22(const char *mountpoint, const char *opts)
{
    struct fuse_args args;
    if (args_of_opts(&args, opts) == -1)
        return -1;
    int fd = fuse2_compat_mount(mountpoint, &args);
    fuse_opt_free_args(&args);
    return fd;
}

/* FUSE 1's mount arguments were fusermount's; libfuse 2.9 ignores them too. */
FSP_FUSE_EXPORT int fuse_mount_compat1(const char *mountpoint, const char *args[]);
int fuse_mount_compat1(const char *mountpoint, const char *args[])
{
    (void)args;
    return fuse2_compat_mount(mountpoint, NULL);
}

FSP_FUSE_EXPORT void fuse_unmount_compat22(const char *mountpoint);
void fuse_unmount_compat22(const char *mountpoint)
{
    fuse2_compat_unmount(mountpoint);
}

/* --- fuse_new on a descriptor ------------------------------------------------------ */

/* libfuse 2.9: the descriptor becomes a kernel channel, which the struct
 * fuse owns (the session closes the descriptor when destroyed). On failure
 * the descriptor stays the caller's. */
static struct fuse *new_on_fd(int fd, struct fuse_args *args, const void *op, size_t op_size,
                              int level)
{
    struct fuse_chan *ch = fuse2_kern_chan_new(fd);
    if (!ch)
        return NULL;
    struct fuse *f = fuse2_compat_new(ch, args, op, op_size, level);
    if (f)
        ((struct fuse2 *)f->compat)->old->ch = ch;
    else
        fuse2_unmount(NULL, ch); /* never attached: only frees it */
    return f;
}

FSP_FUSE_EXPORT struct fuse *fuse_new_compat25(int fd, struct fuse_args *args,
                                               const struct fuse2_operations_compat25 *op,
                                               size_t op_size);
struct fuse *fuse_new_compat25(int fd, struct fuse_args *args,
                               const struct fuse2_operations_compat25 *op, size_t op_size)
{
    return new_on_fd(fd, args, op, op_size, FUSE2_COMPAT25);
}

static struct fuse *new_on_fd_opts(int fd, const char *opts, const void *op, size_t op_size,
                                   int level)
{
    struct fuse_args args;
    if (args_of_opts(&args, opts) == -1)
        return NULL;
    struct fuse *f = new_on_fd(fd, &args, op, op_size, level);
    fuse_opt_free_args(&args);
    return f;
}

FSP_FUSE_EXPORT struct fuse *fuse_new_compat22(int fd, const char *opts,
                                               const struct fuse2_operations_compat22 *op,
                                               size_t op_size);
struct fuse *fuse_new_compat22(int fd, const char *opts, const struct fuse2_operations_compat22 *op,
                               size_t op_size)
{
    return new_on_fd_opts(fd, opts, op, op_size, FUSE2_COMPAT22);
}

FSP_FUSE_EXPORT struct fuse *fuse_new_compat2(int fd, const char *opts,
                                              const struct fuse2_operations_compat2 *op);
struct fuse *fuse_new_compat2(int fd, const char *opts, const struct fuse2_operations_compat2 *op)
{
    return new_on_fd_opts(fd, opts, op, sizeof(*op), FUSE2_COMPAT2);
}

FSP_FUSE_EXPORT struct fuse *fuse_new_compat1(int fd, int flags,
                                              const struct fuse2_operations_compat1 *op);
struct fuse *fuse_new_compat1(int fd, int flags, const struct fuse2_operations_compat1 *op)
{
    return new_on_fd_opts(fd, flags & FUSE2_DEBUG_COMPAT1 ? "debug" : NULL, op, sizeof(*op),
                          FUSE2_COMPAT1);
}

void fuse2_compat_free(struct fuse2_compat *old)
{
    if (old) {
        fuse2_chan_destroy(old->ch);
        free(old);
    }
}

/* --- fuse_setup / fuse_teardown with a descriptor ---------------------------------- */

static struct fuse *setup_common(int argc, char *argv[], const void *op, size_t op_size, int level,
                                 char **mountpoint, int *multithreaded, int *fd)
{
    struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
    char *mp = NULL;
    int fg = 0;
    struct fuse *f = NULL;

    if (fuse2_parse_cmdline(&args, &mp, multithreaded, &fg) == -1 || !mp)
        goto out; /* -h and -V printed their text; nothing to mount */
    int mfd = fuse2_compat_mount(mp, &args);
    if (mfd == -1)
        goto out;
    f = new_on_fd(mfd, &args, op, op_size, level);
    if (!f) {
        fuse2_compat_unmount(mp);
        close(mfd);
        goto out;
    }
    if (fuse_daemonize(fg) == -1 || fuse_set_signal_handlers(f->se) == -1) {
        fuse2_compat_unmount(mp);
        fuse2_destroy(f);
        f = NULL;
        goto out;
    }
    *mountpoint = mp;
    *fd = mfd;
    mp = NULL;
out:
    free(mp);
    fuse_opt_free_args(&args);
    return f;
}

FSP_FUSE_EXPORT struct fuse *fuse_setup_compat25(int argc, char *argv[],
                                                 const struct fuse2_operations_compat25 *op,
                                                 size_t op_size, char **mountpoint,
                                                 int *multithreaded, int *fd);
struct fuse *fuse_setup_compat25(int argc, char *argv[], const struct fuse2_operations_compat25 *op,
                                 size_t op_size, char **mountpoint, int *multithreaded, int *fd)
{
    return setup_common(argc, argv, op, op_size, FUSE2_COMPAT25, mountpoint, multithreaded, fd);
}

FSP_FUSE_EXPORT struct fuse *fuse_setup_compat22(int argc, char *argv[],
                                                 const struct fuse2_operations_compat22 *op,
                                                 size_t op_size, char **mountpoint,
                                                 int *multithreaded, int *fd);
struct fuse *fuse_setup_compat22(int argc, char *argv[], const struct fuse2_operations_compat22 *op,
                                 size_t op_size, char **mountpoint, int *multithreaded, int *fd)
{
    return setup_common(argc, argv, op, op_size, FUSE2_COMPAT22, mountpoint, multithreaded, fd);
}

FSP_FUSE_EXPORT struct fuse *fuse_setup_compat2(int argc, char *argv[],
                                                const struct fuse2_operations_compat2 *op,
                                                char **mountpoint, int *multithreaded, int *fd);
struct fuse *fuse_setup_compat2(int argc, char *argv[], const struct fuse2_operations_compat2 *op,
                                char **mountpoint, int *multithreaded, int *fd)
{
    return setup_common(argc, argv, op, sizeof(*op), FUSE2_COMPAT2, mountpoint, multithreaded, fd);
}

/* The descriptor belongs to the struct fuse (closed by fuse_destroy). */
FSP_FUSE_EXPORT void fuse_teardown_compat22(struct fuse *f, int fd, char *mountpoint);
void fuse_teardown_compat22(struct fuse *f, int fd, char *mountpoint)
{
    (void)fd;
    fuse_remove_signal_handlers(f->se);
    fuse2_compat_unmount(mountpoint);
    fuse2_destroy(f);
    free(mountpoint);
}

/* --- fuse_main_real / fuse_main ---------------------------------------------------- */

static int main_common(int argc, char *argv[], const void *op, size_t op_size, int level)
{
    char *mountpoint = NULL;
    int multithreaded = 0, fd = -1;
    struct fuse *f = setup_common(argc, argv, op, op_size, level, &mountpoint, &multithreaded, &fd);
    if (!f)
        return 1;
    int res = multithreaded ? fuse2_loop_mt(f) : fuse2_loop(f);
    fuse_teardown_compat22(f, fd, mountpoint);
    return res == -1 ? 1 : 0;
}

FSP_FUSE_EXPORT int fuse_main_real_compat25(int argc, char *argv[],
                                            const struct fuse2_operations_compat25 *op,
                                            size_t op_size);
int fuse_main_real_compat25(int argc, char *argv[], const struct fuse2_operations_compat25 *op,
                            size_t op_size)
{
    return main_common(argc, argv, op, op_size, FUSE2_COMPAT25);
}

FSP_FUSE_EXPORT int fuse_main_real_compat22(int argc, char *argv[],
                                            const struct fuse2_operations_compat22 *op,
                                            size_t op_size);
int fuse_main_real_compat22(int argc, char *argv[], const struct fuse2_operations_compat22 *op,
                            size_t op_size)
{
    return main_common(argc, argv, op, op_size, FUSE2_COMPAT22);
}

FSP_FUSE_EXPORT int fuse_main_compat2(int argc, char *argv[],
                                      const struct fuse2_operations_compat2 *op);
int fuse_main_compat2(int argc, char *argv[], const struct fuse2_operations_compat2 *op)
{
    return main_common(argc, argv, op, sizeof(*op), FUSE2_COMPAT2);
}

FSP_FUSE_EXPORT void fuse_main_compat1(int argc, char *argv[],
                                       const struct fuse2_operations_compat1 *op);
void fuse_main_compat1(int argc, char *argv[], const struct fuse2_operations_compat1 *op)
{
    main_common(argc, argv, op, sizeof(*op), FUSE2_COMPAT1);
}

/* --- FUSE 2.1's threaded API: unversioned __fuse_* ----------------------------------- */

/* fuse_loop_mt_proc with fuse_process_cmd as the processor (what FUSE 2.1's
 * fuse_loop_mt passed) is the ordinary threaded loop; another processor
 * would need raw commands, which FSP's workers keep to themselves. */
FSP_FUSE_EXPORT int fuse2_compat_loop_mt_proc(struct fuse *f, void *proc, void *data);
int fuse2_compat_loop_mt_proc(struct fuse *f, void *proc, void *data)
{
    if (proc == (void *)fuse2_process_cmd)
        return fuse2_loop_mt(f);
    return fuse2_loop_mt_proc(f, proc, data);
}

FSP_FUSE_EXPORT int fuse2_compat_exited(struct fuse *f);
int fuse2_compat_exited(struct fuse *f)
{
    return fuse2_exited(f);
}

FSP_FUSE_EXPORT void *fuse2_compat_read_cmd(struct fuse *f);
void *fuse2_compat_read_cmd(struct fuse *f)
{
    return fuse2_read_cmd(f);
}

FSP_FUSE_EXPORT void fuse2_compat_process_cmd(struct fuse *f, void *cmd);
void fuse2_compat_process_cmd(struct fuse *f, void *cmd)
{
    fuse2_process_cmd(f, cmd);
}

FSP_FUSE_EXPORT void fuse2_compat_set_getcontext_func(struct fuse_context *(*func)(void));
void fuse2_compat_set_getcontext_func(struct fuse_context *(*func)(void))
{
    fuse2_set_getcontext_func(func);
}

/* --- Symbol versions, as libfuse 2.9 has them ----------------------------------------- */

FUSE2_SYMBOL_OLD(fuse_mount_compat25, fuse_mount, "FUSE_2.5");
FUSE2_SYMBOL_OLD(fuse_mount_compat22, fuse_mount, "FUSE_2.2");
FUSE2_SYMBOL_OLD(fuse_unmount_compat22, fuse_unmount, "FUSE_2.2");
FUSE2_SYMBOL_OLD(fuse_new_compat25, fuse_new, "FUSE_2.5");
FUSE2_SYMBOL_OLD(fuse_new_compat22, fuse_new, "FUSE_2.2");
FUSE2_SYMBOL_OLD(fuse_setup_compat25, fuse_setup, "FUSE_2.5");
FUSE2_SYMBOL_OLD(fuse_setup_compat22, fuse_setup, "FUSE_2.2");
FUSE2_SYMBOL_OLD(fuse_teardown_compat22, fuse_teardown, "FUSE_2.2");
FUSE2_SYMBOL_OLD(fuse_main_real_compat25, fuse_main_real, "FUSE_2.5");
FUSE2_SYMBOL_OLD(fuse_main_real_compat22, fuse_main_real, "FUSE_2.2");
/* Unversioned: binaries linked with FUSE 2.1 and older. */
__asm__(".symver fuse_new_compat2,fuse_new@");
__asm__(".symver fuse_main_compat2,fuse_main@");
__asm__(".symver fuse_setup_compat2,__fuse_setup@");
__asm__(".symver fuse_teardown_compat22,__fuse_teardown@");
__asm__(".symver fuse2_compat_loop_mt_proc,__fuse_loop_mt@");
__asm__(".symver fuse2_compat_exited,__fuse_exited@");
__asm__(".symver fuse2_compat_read_cmd,__fuse_read_cmd@");
__asm__(".symver fuse2_compat_process_cmd,__fuse_process_cmd@");
__asm__(".symver fuse2_compat_set_getcontext_func,__fuse_set_getcontext_func@");
