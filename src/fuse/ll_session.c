/*
 * ll_session.c - fuse_session_*: options, mount, the event loops, exit and
 * teardown, and the INIT/DESTROY hooks that translate between libfuse's
 * fuse_conn_info and the session's negotiation.
 *
 * libfuse runs its loop on the caller's thread; FSP's session runs a worker
 * pool and the caller waits for it, so "single-threaded" means one worker.
 * Ending the loop is an unmount (the only thing that wakes workers blocked
 * in read), which is why fuse_session_exit() unmounts.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuse/fuse_i.h"

/* --- INIT and DESTROY ------------------------------------------------------- */

/* FUSE_CAP_* bit <-> kernel INIT flag. */
static const struct {
    unsigned cap;
    uint64_t flag;
} cap_map[] = {
    {FUSE_CAP_ASYNC_READ, FUSE_ASYNC_READ},
    {FUSE_CAP_POSIX_LOCKS, FUSE_POSIX_LOCKS},
    {FUSE_CAP_ATOMIC_O_TRUNC, FUSE_ATOMIC_O_TRUNC},
    {FUSE_CAP_EXPORT_SUPPORT, FUSE_EXPORT_SUPPORT},
    {FUSE_CAP_DONT_MASK, FUSE_DONT_MASK},
    {FUSE_CAP_FLOCK_LOCKS, FUSE_FLOCK_LOCKS},
    {FUSE_CAP_IOCTL_DIR, FUSE_HAS_IOCTL_DIR},
    {FUSE_CAP_AUTO_INVAL_DATA, FUSE_AUTO_INVAL_DATA},
    {FUSE_CAP_READDIRPLUS, FUSE_DO_READDIRPLUS},
    {FUSE_CAP_READDIRPLUS_AUTO, FUSE_READDIRPLUS_AUTO},
    {FUSE_CAP_ASYNC_DIO, FUSE_ASYNC_DIO},
    {FUSE_CAP_WRITEBACK_CACHE, FUSE_WRITEBACK_CACHE},
    {FUSE_CAP_NO_OPEN_SUPPORT, FUSE_NO_OPEN_SUPPORT},
    {FUSE_CAP_PARALLEL_DIROPS, FUSE_PARALLEL_DIROPS},
    {FUSE_CAP_POSIX_ACL, FUSE_POSIX_ACL},
    {FUSE_CAP_HANDLE_KILLPRIV, FUSE_HANDLE_KILLPRIV},
    {FUSE_CAP_HANDLE_KILLPRIV_V2, FUSE_HANDLE_KILLPRIV_V2}, /* only when init() asks for it */
    {FUSE_CAP_CACHE_SYMLINKS, FUSE_CACHE_SYMLINKS},
    {FUSE_CAP_NO_OPENDIR_SUPPORT, FUSE_NO_OPENDIR_SUPPORT},
    {FUSE_CAP_EXPLICIT_INVAL_DATA, FUSE_EXPLICIT_INVAL_DATA},
    {FUSE_CAP_PASSTHROUGH, FUSE_PASSTHROUGH}, /* only when init() asks for it */
};

#define SPLICE_CAPS (FUSE_CAP_SPLICE_READ | FUSE_CAP_SPLICE_WRITE | FUSE_CAP_SPLICE_MOVE)

static void ll_init(void *userdata, struct fsp_conn *fc)
{
    struct fuse_session *se = userdata;
    struct fuse_conn_info *conn = &se->conn;

    conn->proto_major = fc->proto_major;
    conn->proto_minor = fc->proto_minor;
    conn->capable = 0;
    for (size_t i = 0; i < sizeof(cap_map) / sizeof(cap_map[0]); i++)
        if (fc->kernel_flags & cap_map[i].flag)
            conn->capable |= cap_map[i].cap;
    if (fc->proto_minor >= 38)
        conn->capable |= FUSE_CAP_EXPIRE_ONLY;
    /* FSP never splices, but libfuse reports these as available from 7.14
     * and programs may ask for them: accept and ignore. */
    if (fc->proto_minor >= 14)
        conn->capable |= SPLICE_CAPS;

    /* libfuse's defaults for modern file systems. */
    unsigned want = FUSE_CAP_ASYNC_READ | FUSE_CAP_AUTO_INVAL_DATA | FUSE_CAP_ASYNC_DIO |
                    FUSE_CAP_IOCTL_DIR | FUSE_CAP_ATOMIC_O_TRUNC;
    if (se->op.write_buf)
        want |= FUSE_CAP_SPLICE_READ;
    if (se->op.getlk && se->op.setlk)
        want |= FUSE_CAP_POSIX_LOCKS;
    if (se->op.flock)
        want |= FUSE_CAP_FLOCK_LOCKS;
    if (se->op.readdirplus)
        want |= FUSE_CAP_READDIRPLUS;
    if (se->op.readdirplus && se->op.readdir)
        want |= FUSE_CAP_READDIRPLUS_AUTO;
    conn->want = want & conn->capable;
    conn->max_write = fc->max_write;
    conn->max_readahead = fc->max_readahead;
    conn->max_read = se->max_read;
    conn->max_background = fc->max_background;
    conn->congestion_threshold = fc->congestion_threshold;
    conn->time_gran = 1;
    conn->request_timeout = 0;

    atomic_store(&se->got_init, true);
    if (se->op.init)
        se->op.init(se->userdata, conn);

    if (conn->want & ~conn->capable) {
        fuse_log(FUSE_LOG_ERR,
                 "fuse: error: filesystem requested capabilities 0x%x that are not supported "
                 "by kernel, aborting.\n",
                 conn->want & ~conn->capable);
        se->error = -EPROTO;
        fuse_session_exit(se);
        conn->want &= conn->capable;
    }
    if (conn->max_read != se->max_read) {
        fuse_log(FUSE_LOG_ERR,
                 "fuse: error: init() and fuse_session_new() requested different maximum read "
                 "size (%u vs %u)\n",
                 conn->max_read, se->max_read);
        se->error = -EPROTO;
        fuse_session_exit(se);
    }

    uint64_t flags = FUSE_BIG_WRITES | FUSE_MAX_PAGES | FUSE_INIT_EXT;
    for (size_t i = 0; i < sizeof(cap_map) / sizeof(cap_map[0]); i++)
        if (conn->want & cap_map[i].cap)
            flags |= cap_map[i].flag;
    if (se->handle_killpriv_v2 && (fc->kernel_flags & FUSE_HANDLE_KILLPRIV_V2))
        flags |= FUSE_HANDLE_KILLPRIV_V2;
    else
        se->handle_killpriv_v2 = false;
    fc->want = flags;
    if (conn->max_write < fc->max_write)
        fc->max_write = conn->max_write;
    fc->max_pages = 0; /* the session derives it from max_write */
    fc->max_readahead = conn->max_readahead;
    if (conn->max_background >= (1u << 16))
        conn->max_background = (1u << 16) - 1;
    if (conn->congestion_threshold > conn->max_background)
        conn->congestion_threshold = conn->max_background;
    if (!conn->congestion_threshold)
        conn->congestion_threshold = conn->max_background * 3 / 4;
    fc->max_background = (uint16_t)conn->max_background;
    fc->congestion_threshold = (uint16_t)conn->congestion_threshold;
    fc->time_gran = conn->time_gran;
    fc->request_timeout = conn->request_timeout; /* sent if the kernel offers it */
}

/* Programs built with libfuse 3.18's header set request_timeout at byte 64;
 * the structure must stay 3.14's size. */
_Static_assert(offsetof(struct fuse_conn_info, request_timeout) == 64,
               "fuse_conn_info.request_timeout where libfuse 3.18 has it");
_Static_assert(sizeof(struct fuse_conn_info) == 128, "fuse_conn_info keeps 3.14's size");

/* Called once by the session when it ends; libfuse calls destroy() only
 * for a session that saw INIT. */
static void ll_destroy(void *userdata)
{
    struct fuse_session *se = userdata;
    if (atomic_load(&se->got_init) && !atomic_exchange(&se->got_destroy, true) && se->op.destroy)
        se->op.destroy(se->userdata);
}

/* --- fuse_session_new: -o options ------------------------------------------ */

struct ll_opts {
    int debug, allow_root, allow_other, auto_unmount, default_permissions, io_uring;
    unsigned max_read, io_uring_q_depth;
    char *fsname, *subtype;
    unsigned long mount_flags; /* starts as the session's; options change it in order */
};

enum { KEY_IGNORED = 1, KEY_RO, KEY_MOUNT_FLAG };

/* What each mount flag option does to the MS_* flags: libfuse 3.14's table
 * plus the atime variants mount(8) knows, which libfuse leaves out. The
 * last option about a flag wins ("rw,ro" is read-only). One list makes
 * both mount_flag_opts and the option keys of ll_opt_spec. */
/* clang-format off */
#define MOUNT_FLAG_OPTS(X)                                       \
    X("ro", MS_RDONLY, 0),                                       \
    X("rw", 0, MS_RDONLY),                                       \
    X("suid", 0, MS_NOSUID),                                     \
    X("nosuid", MS_NOSUID, 0),                                   \
    X("dev", 0, MS_NODEV),                                       \
    X("nodev", MS_NODEV, 0),                                     \
    X("exec", 0, MS_NOEXEC),                                     \
    X("noexec", MS_NOEXEC, 0),                                   \
    X("async", 0, MS_SYNCHRONOUS),                               \
    X("sync", MS_SYNCHRONOUS, 0),                                \
    X("dirsync", MS_DIRSYNC, 0),                                 \
    X("atime", 0, MS_NOATIME),                                   \
    X("noatime", MS_NOATIME, MS_RELATIME | MS_STRICTATIME),      \
    X("diratime", 0, MS_NODIRATIME),                             \
    X("nodiratime", MS_NODIRATIME, 0),                           \
    X("relatime", MS_RELATIME, MS_NOATIME | MS_STRICTATIME),     \
    X("norelatime", 0, MS_RELATIME),                             \
    X("strictatime", MS_STRICTATIME, MS_NOATIME | MS_RELATIME),  \
    X("nostrictatime", 0, MS_STRICTATIME)
/* clang-format on */

#define MOUNT_FLAG_ROW(name, set, clear) \
    {                                    \
        name, set, clear                 \
    }
static const struct {
    const char *name;
    unsigned long set, clear;
} mount_flag_opts[] = {MOUNT_FLAG_OPTS(MOUNT_FLAG_ROW)};

#define LL_OPT(t, m, v)                   \
    {                                     \
        t, offsetof(struct ll_opts, m), v \
    }
#define MOUNT_FLAG_KEY(name, set, clear) FUSE_OPT_KEY(name, KEY_MOUNT_FLAG)
static const struct fuse_opt ll_opt_spec[] = {
    LL_OPT("debug", debug, 1),
    LL_OPT("-d", debug, 1),
    LL_OPT("--debug", debug, 1),
    LL_OPT("allow_root", allow_root, 1),
    LL_OPT("allow_other", allow_other, 1),
    LL_OPT("auto_unmount", auto_unmount, 1),
    LL_OPT("default_permissions", default_permissions, 1),
    LL_OPT("fsname=%s", fsname, 0),
    LL_OPT("subtype=%s", subtype, 0),
    LL_OPT("max_read=%u", max_read, 0),
    /* libfuse 3.18's transport options: FUSE over io_uring when the kernel
     * offers it (enable_uring), /dev/fuse otherwise. */
    LL_OPT("io_uring", io_uring, 1),
    LL_OPT("io_uring_q_depth=%u", io_uring_q_depth, 0),
    FUSE_OPT_KEY("-r", KEY_RO),
    /* Mount flags, for mount(2) or fusermount3 (mount_flag_opts). */
    MOUNT_FLAG_OPTS(MOUNT_FLAG_KEY),
    FUSE_OPT_KEY("blkdev", KEY_IGNORED),
    FUSE_OPT_KEY("blksize=", KEY_IGNORED),
    FUSE_OPT_KEY("user=", KEY_IGNORED),
    FUSE_OPT_KEY("-n", KEY_IGNORED),
    FUSE_OPT_KEY("context=", KEY_IGNORED),
    FUSE_OPT_KEY("fscontext=", KEY_IGNORED),
    FUSE_OPT_KEY("defcontext=", KEY_IGNORED),
    FUSE_OPT_KEY("rootcontext=", KEY_IGNORED),
    FUSE_OPT_END,
};

static int ll_opt_proc(void *data, const char *arg, int key, struct fuse_args *outargs)
{
    struct ll_opts *o = data;
    (void)arg;
    (void)outargs;
    switch (key) {
    case KEY_IGNORED:
        return 0;
    case KEY_RO:
        o->mount_flags |= MS_RDONLY;
        return 0;
    case KEY_MOUNT_FLAG:
        for (size_t i = 0; i < sizeof(mount_flag_opts) / sizeof(mount_flag_opts[0]); i++) {
            if (strcmp(arg, mount_flag_opts[i].name) == 0) {
                o->mount_flags =
                    (o->mount_flags | mount_flag_opts[i].set) & ~mount_flag_opts[i].clear;
                return 0;
            }
        }
        return 1;
    }
    return 1; /* unknown: keep, reported below */
}

bool fsp_fuse_is_session_option(const char *opt)
{
    return fuse_opt_match(ll_opt_spec, opt);
}

void fsp_fuse_session_free(struct fuse_session *se)
{
    fsp_fuse_retrieves_free(se);
    fsp_fuse_cuse_free(se->cuse);
    pthread_mutex_destroy(&se->lock);
    free(se->fsname);
    free(se->subtype);
    free(se);
}

/* Parses args' -o options into se. A second call (libfuse.so.2 adds the
 * mount options of fuse_mount() this way) adds to what the first set. */
int fsp_fuse_session_opts(struct fuse_session *se, struct fuse_args *args)
{
    struct ll_opts o = {.mount_flags = se->mount_flags};
    if (fuse_opt_parse(args, &o, ll_opt_spec, ll_opt_proc) == -1)
        goto fail;
    /* se->allow_other is also set by allow_root: only alone is it allow_other. */
    bool root = o.allow_root || se->allow_root;
    bool other = o.allow_other || (se->allow_other && !se->allow_root);
    if (root && other) {
        fuse_log(FUSE_LOG_ERR, "fuse: 'allow_other' and 'allow_root' options are mutually "
                               "exclusive\n");
        goto fail;
    }
    if (args->argc == 1 && args->argv[0][0] == '-') {
        fuse_log(FUSE_LOG_ERR, "fuse: warning: argv[0] looks like an option, but will be "
                               "ignored\n");
    } else if (args->argc != 1) {
        fuse_log(FUSE_LOG_ERR, "fuse: unknown option(s): `");
        int i;
        for (i = 1; i < args->argc - 1; i++)
            fuse_log(FUSE_LOG_ERR, "%s ", args->argv[i]);
        fuse_log(FUSE_LOG_ERR, "%s'\n", args->argv[i]);
        goto fail;
    }
    if (o.fsname) {
        free(se->fsname);
        se->fsname = o.fsname;
    }
    if (o.subtype) {
        free(se->subtype);
        se->subtype = o.subtype;
    }
    se->debug |= o.debug;
    se->allow_root |= o.allow_root;
    /* allow_root is allow_other at the mount plus our own check per request. */
    se->allow_other |= o.allow_other || o.allow_root;
    se->auto_unmount |= o.auto_unmount;
    se->default_permissions |= o.default_permissions;
    se->mount_flags = o.mount_flags;
    se->read_only = (o.mount_flags & MS_RDONLY) != 0;
    if (o.max_read) {
        se->max_read = o.max_read;
        se->conn.max_read = o.max_read;
    }
    se->io_uring |= o.io_uring;
    if (o.io_uring_q_depth)
        se->io_uring_depth = o.io_uring_q_depth;
    return 0;

fail:
    free(o.fsname);
    free(o.subtype);
    return -1;
}

FSP_FUSE_EXPORT struct fuse_session *fuse_session_new(struct fuse_args *args,
                                                      const struct fuse_lowlevel_ops *op,
                                                      size_t op_size, void *userdata)
{
    if (op_size > sizeof(struct fuse_lowlevel_ops)) {
        fuse_log(FUSE_LOG_ERR, "fuse: warning: library too old, some operations may not work\n");
        op_size = sizeof(struct fuse_lowlevel_ops);
    }
    if (args->argc == 0) {
        fuse_log(FUSE_LOG_ERR, "fuse: empty argv passed to fuse_session_new().\n");
        return NULL;
    }
    struct fuse_session *se = calloc(1, sizeof(*se));
    if (!se) {
        fuse_log(FUSE_LOG_ERR, "fuse: failed to allocate fuse object\n");
        return NULL;
    }
    pthread_mutex_init(&se->lock, NULL);
    memcpy(&se->op, op, op_size);
    se->userdata = userdata;
    se->io_fd = -1;
    se->owner = getuid();
    se->mount_flags = MS_NOSUID | MS_NODEV; /* libfuse's default */
    if (fsp_fuse_session_opts(se, args) != 0) {
        fsp_fuse_session_free(se);
        return NULL;
    }
    return se;
}

void fsp_fuse_session_ops(struct fuse_session *se, struct fsp_session_ops *ops)
{
    *ops = (struct fsp_session_ops){.init = ll_init, .destroy = ll_destroy};
    fsp_fuse_fill_ops(ops);
    if (se->cuse)
        fsp_fuse_cuse_ops(ops);
}

void fsp_fuse_mount_opts(struct fuse_session *se, const char *mountpoint, struct fsp_mount_opts *mo)
{
    *mo = (struct fsp_mount_opts){
        .mountpoint = mountpoint,
        .fsname = se->fsname ? se->fsname : se->subtype,
        .subtype = se->subtype,
        .allow_other = se->allow_other,
        .default_permissions = se->default_permissions,
        .read_only = se->read_only,
        .mount_flags_set = true,
        .mount_flags = se->mount_flags,
        .auto_unmount = se->auto_unmount,
        .rootmode = S_IFDIR | 0755,
        .max_read = se->max_read,
        .io_uring = se->io_uring,
        .io_uring_depth = se->io_uring_depth,
    };
    if (!mo->fsname)
        mo->fsname = "/dev/fuse"; /* what libfuse shows when nothing names the mount */
}

/* "/dev/fd/N": the fd number, else -1. */
static int dev_fd_number(const char *mountpoint)
{
    static const char prefix[] = "/dev/fd/";
    if (strncmp(mountpoint, prefix, sizeof(prefix) - 1) != 0)
        return -1;
    const char *p = mountpoint + sizeof(prefix) - 1;
    if (!*p)
        return -1;
    long n = 0;
    for (; *p; p++) {
        if (*p < '0' || *p > '9' || n > 1000000000L)
            return -1;
        n = n * 10 + (*p - '0');
    }
    return (int)n;
}

FSP_FUSE_EXPORT int fuse_session_mount(struct fuse_session *se, const char *mountpoint)
{
    if (se->fsp) {
        fuse_log(FUSE_LOG_ERR, "fuse: session is already mounted\n");
        return -1;
    }
    if (!mountpoint || !*mountpoint) {
        fuse_log(FUSE_LOG_ERR, "fuse: missing mountpoint parameter\n");
        return -1;
    }
    /* An already mounted /dev/fuse connection, opened by someone with the
     * right to mount (a privileged helper) and passed on: serve it, and
     * leave mounting and unmounting to its owner. */
    int fd = dev_fd_number(mountpoint);
    if (fd >= 0) {
        if (fcntl(fd, F_GETFD) == -1) {
            fuse_log(FUSE_LOG_ERR, "fuse: Invalid file descriptor %s\n", mountpoint);
            return -1;
        }
        return fsp_fuse_attach_fd(se, fd);
    }
    struct fsp_session_ops ops;
    struct fsp_mount_opts mo;
    if (se->cuse) {
        fuse_log(FUSE_LOG_ERR, "fuse: a CUSE session is served on /dev/cuse, not mounted\n");
        return -1;
    }
    fsp_fuse_session_ops(se, &ops);
    fsp_fuse_mount_opts(se, mountpoint, &mo);
    struct fsp_session *fsp = fsp_session_mount(&mo, &ops, se);
    if (!fsp)
        return -1;
    fsp_session_set_debug(fsp, se->debug);
    __atomic_store_n(&se->fsp, fsp, __ATOMIC_RELEASE);
    fsp_fuse_apply_io(se);
    return 0;
}

FSP_FUSE_EXPORT int fuse_session_fd(struct fuse_session *se)
{
    if (se->fsp)
        return fsp_session_fd(se->fsp);
    return se->io_fd; /* given, not yet served; else -1 */
}

/* --- Loops ---------------------------------------------------------------------- */

static int run(struct fuse_session *se, unsigned threads)
{
    if (!fsp_fuse_connection(se)) {
        fuse_log(FUSE_LOG_ERR, "fuse: session is not mounted\n");
        return -EINVAL;
    }
    int rc = 0;
    if (threads > 1 && se->thread_count)
        threads = se->thread_count; /* WinFsp-FUSE's -o ThreadCount= (hl_winfsp.c) */
    if (!atomic_load(&se->exited)) {
        fsp_session_set_threads(se->fsp, threads);
        rc = fsp_session_start(se->fsp);
        if (rc != -EBUSY) {
            int wrc = fsp_session_wait(se->fsp);
            if (rc == 0)
                rc = wrc;
        }
    }
    if (se->error != 0)
        rc = se->error;
    fuse_session_reset(se);
    return rc;
}

FSP_FUSE_EXPORT int fuse_session_loop(struct fuse_session *se)
{
    return run(se, 1);
}

/* Since 3.12 the configuration is opaque; version_id tells ours apart. */
#define LOOP_CFG_V2     2
#define DEFAULT_THREADS 10

struct fuse_loop_config {
    int version_id;
    int clone_fd;
    unsigned max_idle_threads;
    unsigned max_threads;
};

FSP_FUSE_EXPORT struct fuse_loop_config *fuse_loop_cfg_create(void)
{
    struct fuse_loop_config *c = calloc(1, sizeof(*c));
    if (c) {
        c->version_id = LOOP_CFG_V2;
        c->max_idle_threads = ~0u;
        c->max_threads = DEFAULT_THREADS;
    }
    return c;
}

FSP_FUSE_EXPORT void fuse_loop_cfg_destroy(struct fuse_loop_config *config)
{
    free(config);
}

FSP_FUSE_EXPORT void fuse_loop_cfg_set_idle_threads(struct fuse_loop_config *config,
                                                    unsigned int value)
{
    config->max_idle_threads = value; /* the pool is fixed; kept for the record */
}

FSP_FUSE_EXPORT void fuse_loop_cfg_set_max_threads(struct fuse_loop_config *config,
                                                   unsigned int value)
{
    config->max_threads = value;
}

FSP_FUSE_EXPORT void fuse_loop_cfg_set_clone_fd(struct fuse_loop_config *config, unsigned int value)
{
    config->clone_fd = (int)value; /* every FSP worker has its own clone anyway */
}

FSP_FUSE_EXPORT void fuse_loop_cfg_convert(struct fuse_loop_config *config,
                                           struct fuse_loop_config_v1 *v1_conf)
{
    config->clone_fd = v1_conf->clone_fd;
    config->max_idle_threads = v1_conf->max_idle_threads;
}

/* fuse_session_loop_mt@@FUSE_3.12: the opaque configuration (or NULL). */
FSP_FUSE_EXPORT int fuse_session_loop_mt_312(struct fuse_session *se,
                                             struct fuse_loop_config *config);
int fuse_session_loop_mt_312(struct fuse_session *se, struct fuse_loop_config *config)
{
    unsigned threads = config && config->max_threads ? config->max_threads : DEFAULT_THREADS;
    return run(se, threads);
}

/* fuse_session_loop_mt@FUSE_3.2: the two-field configuration of 3.2-3.11. */
FSP_FUSE_EXPORT int fuse_session_loop_mt_32(struct fuse_session *se,
                                            struct fuse_loop_config_v1 *config);
int fuse_session_loop_mt_32(struct fuse_session *se, struct fuse_loop_config_v1 *config)
{
    (void)config;
    return run(se, DEFAULT_THREADS);
}

/* fuse_session_loop_mt@FUSE_3.0: just clone_fd. */
FSP_FUSE_EXPORT int fuse_session_loop_mt_31(struct fuse_session *se, int clone_fd);
int fuse_session_loop_mt_31(struct fuse_session *se, int clone_fd)
{
    (void)clone_fd;
    return run(se, DEFAULT_THREADS);
}

FSP_FUSE_SYMVER("fuse_session_loop_mt_31,fuse_session_loop_mt@FUSE_3.0");
FSP_FUSE_SYMVER("fuse_session_loop_mt_32,fuse_session_loop_mt@FUSE_3.2");
FSP_FUSE_SYMVER("fuse_session_loop_mt_312,fuse_session_loop_mt@@FUSE_3.12");

/* --- Exit and teardown ---------------------------------------------------------- */

/* Async-signal-safe: the signal handlers call it. */
FSP_FUSE_EXPORT void fuse_session_exit(struct fuse_session *se)
{
    atomic_store(&se->exited, true);
    if (se->fsp)
        fsp_session_stop_async(se->fsp);
}

FSP_FUSE_EXPORT void fuse_session_reset(struct fuse_session *se)
{
    atomic_store(&se->exited, false);
    se->error = 0;
}

FSP_FUSE_EXPORT int fuse_session_exited(struct fuse_session *se)
{
    return atomic_load(&se->exited);
}

FSP_FUSE_EXPORT void fuse_session_unmount(struct fuse_session *se)
{
    if (se->fsp)
        fsp_session_stop(se->fsp);
}

FSP_FUSE_EXPORT void fuse_session_destroy(struct fuse_session *se)
{
    if (!se)
        return;
    if (se->fsp)
        fsp_session_destroy(se->fsp);
    else if (se->has_io && se->io_fd >= 0)
        close(se->io_fd); /* given but never served: ours all the same */
    /* A session destroyed without ever running its loop still owes the
     * file system its destroy() if INIT happened (it cannot have). */
    ll_destroy(se);
    fsp_fuse_session_free(se);
}
