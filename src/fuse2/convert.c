/*
 * convert.c - FUSE 2 <-> FUSE 3 conversions shared by the high-level and
 * low-level bridges: open-file info, the INIT connection, and FUSE 2's
 * connection options (max_write=, no_remote_lock...), which FUSE 3 dropped
 * from the option parser.
 */
#include <stddef.h>
#include <string.h>

#include "fuse2/fuse2_i.h"

void fuse2_fi_from3(struct fuse2_file_info *fi2, const struct fuse_file_info *fi3)
{
    memset(fi2, 0, sizeof(*fi2));
    if (!fi3)
        return;
    fi2->flags = fi3->flags;
    fi2->fh_old = (unsigned long)fi3->fh;
    fi2->writepage = fi3->writepage;
    fi2->direct_io = fi3->direct_io;
    fi2->keep_cache = fi3->keep_cache;
    fi2->flush = fi3->flush;
    fi2->nonseekable = fi3->nonseekable;
    fi2->flock_release = fi3->flock_release;
    fi2->fh = fi3->fh;
    fi2->lock_owner = fi3->lock_owner;
}

void fuse2_fi_to3(struct fuse_file_info *fi3, const struct fuse2_file_info *fi2)
{
    fi3->fh = fi2->fh;
    fi3->direct_io = fi2->direct_io;
    fi3->keep_cache = fi2->keep_cache;
    fi3->nonseekable = fi2->nonseekable;
}

void fuse2_conn_from3(struct fuse2_conn_info *c2, const struct fuse_conn_info *c3)
{
    memset(c2, 0, sizeof(*c2));
    c2->proto_major = c3->proto_major;
    c2->proto_minor = c3->proto_minor;
    c2->async_read = !!(c3->want & FUSE_CAP_ASYNC_READ);
    c2->max_write = c3->max_write;
    c2->max_readahead = c3->max_readahead;
    /* FSP always writes big: FUSE 2 file systems see it as granted. */
    c2->capable = (c3->capable & FUSE2_CAPS) | FUSE2_CAP_BIG_WRITES;
    c2->want = (c3->want & FUSE2_CAPS) | FUSE2_CAP_BIG_WRITES;
    c2->max_background = c3->max_background;
    c2->congestion_threshold = c3->congestion_threshold;
}

static void want_bit(struct fuse_conn_info *c3, unsigned cap, int on)
{
    if (on)
        c3->want |= cap & c3->capable;
    else
        c3->want &= ~cap;
}

void fuse2_conn_to3(struct fuse_conn_info *c3, const struct fuse2_conn_info *c2,
                    const struct fuse2_conn_opts *co)
{
    /* Capabilities FUSE 2 cannot name keep FUSE 3's defaults. */
    c3->want = (c3->want & ~FUSE2_CAPS) | (c2->want & FUSE2_CAPS);
    want_bit(c3, FUSE_CAP_ASYNC_READ, c2->async_read && (c2->want & FUSE_CAP_ASYNC_READ));
    c3->max_write = c2->max_write;
    c3->max_readahead = c2->max_readahead;
    c3->max_background = c2->max_background;
    c3->congestion_threshold = c2->congestion_threshold;
    /* The command line has the last word, as in libfuse 2. */
    if (co->max_write && co->max_write < c3->max_write)
        c3->max_write = co->max_write;
    if (co->max_readahead && co->max_readahead < c3->max_readahead)
        c3->max_readahead = co->max_readahead;
    if (co->max_background)
        c3->max_background = co->max_background;
    if (co->congestion_threshold)
        c3->congestion_threshold = co->congestion_threshold;
    if (co->async_read)
        want_bit(c3, FUSE_CAP_ASYNC_READ, 1);
    if (co->sync_read)
        want_bit(c3, FUSE_CAP_ASYNC_READ, 0);
    if (co->atomic_o_trunc)
        want_bit(c3, FUSE_CAP_ATOMIC_O_TRUNC, 1);
    if (co->no_remote_posix_lock)
        want_bit(c3, FUSE_CAP_POSIX_LOCKS, 0);
    if (co->no_remote_flock)
        want_bit(c3, FUSE_CAP_FLOCK_LOCKS, 0);
}

/* --- FUSE 2's connection options ------------------------------------------- */

#define CO_OPT(t, m, v)                           \
    {                                             \
        t, offsetof(struct fuse2_conn_opts, m), v \
    }

static const struct fuse_opt conn_opts[] = {
    CO_OPT("max_write=%u", max_write, 0),
    CO_OPT("max_readahead=%u", max_readahead, 0),
    CO_OPT("max_background=%u", max_background, 0),
    CO_OPT("congestion_threshold=%u", congestion_threshold, 0),
    CO_OPT("async_read", async_read, 1),
    CO_OPT("sync_read", sync_read, 1),
    CO_OPT("atomic_o_trunc", atomic_o_trunc, 1),
    CO_OPT("no_remote_lock", no_remote_posix_lock, 1),
    CO_OPT("no_remote_lock", no_remote_flock, 1),
    CO_OPT("no_remote_flock", no_remote_flock, 1),
    CO_OPT("no_remote_posix_lock", no_remote_posix_lock, 1),
    CO_OPT("big_writes", big_writes, 1),
    CO_OPT("splice_write", splice, 1),
    CO_OPT("no_splice_write", splice, 0),
    CO_OPT("splice_move", splice, 1),
    CO_OPT("no_splice_move", splice, 0),
    CO_OPT("splice_read", splice, 1),
    CO_OPT("no_splice_read", splice, 0),
    FUSE_OPT_END,
};

static int keep_rest(void *data, const char *arg, int key, struct fuse_args *outargs)
{
    (void)data;
    (void)arg;
    (void)key;
    (void)outargs;
    return 1;
}

int fuse2_conn_opts_parse(struct fuse_args *args, struct fuse2_conn_opts *co)
{
    memset(co, 0, sizeof(*co));
    return fuse_opt_parse(args, co, conn_opts, keep_rest);
}

bool fuse2_is_conn_option(const char *opt)
{
    return fuse_opt_match(conn_opts, opt);
}
