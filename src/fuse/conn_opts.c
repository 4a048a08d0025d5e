/*
 * conn_opts.c - fuse_parse_conn_info_opts / fuse_apply_conn_info_opts: the
 * -o options by which a user tunes what a file system asks for at INIT
 * (max_write=, readdirplus=no, no_remote_lock, writeback_cache, ...),
 * parsed out of the arguments before the session sees them and applied to
 * the fuse_conn_info in the file system's init().
 *
 * The structure is opaque to programs, so it is simply the capabilities to
 * add and to remove plus the numbers given. A later option overrides an
 * earlier one about the same capability, as in libfuse.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "fuse/fuse_i.h"

enum conn_num {
    NUM_MAX_WRITE,
    NUM_MAX_READAHEAD,
    NUM_MAX_BACKGROUND,
    NUM_CONGESTION,
    NUM_TIME_GRAN,
    NUM_COUNT
};

struct fuse_conn_info_opts {
    unsigned want_on, want_off; /* FUSE_CAP_* */
    unsigned num_set;           /* bit (1 << enum conn_num): the number was given */
    unsigned num[NUM_COUNT];
};

/* Flag options: the capabilities each one turns on and off. */
static const struct {
    const char *name;
    unsigned on, off;
} conn_flags[] = {
    {"splice_read", FUSE_CAP_SPLICE_READ, 0},
    {"no_splice_read", 0, FUSE_CAP_SPLICE_READ},
    {"splice_write", FUSE_CAP_SPLICE_WRITE, 0},
    {"no_splice_write", 0, FUSE_CAP_SPLICE_WRITE},
    {"splice_move", FUSE_CAP_SPLICE_MOVE, 0},
    {"no_splice_move", 0, FUSE_CAP_SPLICE_MOVE},
    {"auto_inval_data", FUSE_CAP_AUTO_INVAL_DATA, 0},
    {"no_auto_inval_data", 0, FUSE_CAP_AUTO_INVAL_DATA},
    {"async_dio", FUSE_CAP_ASYNC_DIO, 0},
    {"no_async_dio", 0, FUSE_CAP_ASYNC_DIO},
    {"writeback_cache", FUSE_CAP_WRITEBACK_CACHE, 0},
    {"no_writeback_cache", 0, FUSE_CAP_WRITEBACK_CACHE},
    {"async_read", FUSE_CAP_ASYNC_READ, 0},
    {"sync_read", 0, FUSE_CAP_ASYNC_READ},
    {"no_remote_lock", 0, FUSE_CAP_POSIX_LOCKS | FUSE_CAP_FLOCK_LOCKS},
    {"no_remote_posix_lock", 0, FUSE_CAP_POSIX_LOCKS},
    {"no_remote_flock", 0, FUSE_CAP_FLOCK_LOCKS},
    /* readdirplus=: "yes" always, "no" never, "auto" as the kernel sees fit.
     * Neither yes nor auto adds a capability the file system did not want:
     * they only undo a "no". */
    {"readdirplus=yes", 0, FUSE_CAP_READDIRPLUS_AUTO},
    {"readdirplus=no", 0, FUSE_CAP_READDIRPLUS},
    {"readdirplus=auto", 0, 0},
};
#define READDIRPLUS_CAPS (FUSE_CAP_READDIRPLUS | FUSE_CAP_READDIRPLUS_AUTO)

static const char *const conn_nums[NUM_COUNT] = {
    [NUM_MAX_WRITE] = "max_write=",           [NUM_MAX_READAHEAD] = "max_readahead=",
    [NUM_MAX_BACKGROUND] = "max_background=", [NUM_CONGESTION] = "congestion_threshold=",
    [NUM_TIME_GRAN] = "time_gran=",
};

#define NFLAGS   (sizeof(conn_flags) / sizeof(conn_flags[0]))
#define KEY_FLAG 1000 /* + index in conn_flags */
#define KEY_NUM  2000 /* + enum conn_num */

static int conn_opt_proc(void *data, const char *arg, int key, struct fuse_args *outargs)
{
    struct fuse_conn_info_opts *o = data;
    if (key >= KEY_FLAG && key < KEY_FLAG + (int)NFLAGS) {
        unsigned i = (unsigned)(key - KEY_FLAG);
        if (!strncmp(conn_flags[i].name, "readdirplus=", 12)) {
            o->want_on &= ~READDIRPLUS_CAPS;
            o->want_off &= ~READDIRPLUS_CAPS;
        }
        o->want_on = (o->want_on & ~conn_flags[i].off) | conn_flags[i].on;
        o->want_off = (o->want_off & ~conn_flags[i].on) | conn_flags[i].off;
        return 0;
    }
    if (key >= KEY_NUM && key < KEY_NUM + NUM_COUNT) {
        unsigned i = (unsigned)(key - KEY_NUM);
        const char *value = arg + strlen(conn_nums[i]);
        char *end;
        errno = 0;
        unsigned long v = strtoul(value, &end, 0);
        if (!*value || *end || errno || v > UINT_MAX || *value == '-') {
            fuse_log(FUSE_LOG_ERR, "fuse: invalid parameter in option `%s'\n", arg);
            return -1;
        }
        o->num[i] = (unsigned)v;
        o->num_set |= 1u << i;
        return 0;
    }
    return 1; /* not ours: keep it for the session */
}

FSP_FUSE_EXPORT struct fuse_conn_info_opts *fuse_parse_conn_info_opts(struct fuse_args *args)
{
    struct fuse_opt spec[NFLAGS + NUM_COUNT + 1];
    size_t n = 0;
    for (size_t i = 0; i < NFLAGS; i++)
        spec[n++] = (struct fuse_opt)FUSE_OPT_KEY(conn_flags[i].name, KEY_FLAG + (int)i);
    for (int i = 0; i < NUM_COUNT; i++)
        spec[n++] = (struct fuse_opt)FUSE_OPT_KEY(conn_nums[i], KEY_NUM + i);
    spec[n] = (struct fuse_opt)FUSE_OPT_END;

    struct fuse_conn_info_opts *o = calloc(1, sizeof(*o));
    if (!o) {
        fuse_log(FUSE_LOG_ERR, "fuse: memory allocation failed\n");
        return NULL;
    }
    if (fuse_opt_parse(args, o, spec, conn_opt_proc) != 0) {
        free(o);
        return NULL;
    }
    return o;
}

FSP_FUSE_EXPORT void fuse_apply_conn_info_opts(struct fuse_conn_info_opts *opts,
                                               struct fuse_conn_info *conn)
{
    unsigned *const fields[NUM_COUNT] = {
        [NUM_MAX_WRITE] = &conn->max_write,
        [NUM_MAX_READAHEAD] = &conn->max_readahead,
        [NUM_MAX_BACKGROUND] = &conn->max_background,
        [NUM_CONGESTION] = &conn->congestion_threshold,
        [NUM_TIME_GRAN] = &conn->time_gran,
    };
    for (int i = 0; i < NUM_COUNT; i++)
        if (opts->num_set & (1u << i))
            *fields[i] = opts->num[i];
    conn->want = (conn->want | opts->want_on) & ~opts->want_off;
}
