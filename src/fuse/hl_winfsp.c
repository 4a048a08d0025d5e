/*
 * hl_winfsp.c - the -o options of WinFsp's FUSE layer that have a meaning
 * on Linux, so that a command line written for a WinFsp-FUSE file system
 * mounts the same here. WinFsp takes them in fuse_new() (its high-level
 * API), and so do we; the low-level API knows none of them, as on WinFsp.
 *
 *   FileInfoTimeout=MS   attributes and names are cached MS milliseconds
 *                        (attr_timeout and entry_timeout); -1 is WinFsp's
 *                        INFINITE, which also keeps file data cached
 *                        between opens (kernel_cache)
 *   DirInfoTimeout=MS    non-zero: the kernel keeps directory listings
 *                        between opens (cache_readdir) until the directory
 *                        changes; FUSE has no timed listing cache
 *   ThreadCount=N        worker threads of the multi-threaded loops
 *   VolumePrefix=\S\H,   the UNC name, shown as the mount source //S/H
 *   UNC=\S\H             (unless fsname= names it)
 *   volname=NAME         the volume label: the mount source, unless
 *                        fsname= or a UNC name gives one
 *   FileSystemName=NAME, the file system name FUSE-NAME: the subtype
 *   fstypename=NAME      (unless subtype= gives one)
 *   uid=-1, gid=-1       the mounting user and group (WinFsp's meaning of -1)
 */
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuse/hl_i.h"

/* WinFsp's INFINITE, in seconds: longer than any mount lives. */
#define FOREVER_SECONDS 1e9

struct winfsp_opts {
    int file_info_timeout, dir_info_timeout;
    int file_info_set, dir_info_set;
    unsigned thread_count;
    char *volname, *prefix, *fstypename;
};

#define W_OPT(t, m, v)                        \
    {                                         \
        t, offsetof(struct winfsp_opts, m), v \
    }
static const struct fuse_opt winfsp_opts[] = {
    W_OPT("FileInfoTimeout=%d", file_info_timeout, 0),
    W_OPT("FileInfoTimeout=", file_info_set, 1),
    W_OPT("DirInfoTimeout=%d", dir_info_timeout, 0),
    W_OPT("DirInfoTimeout=", dir_info_set, 1),
    W_OPT("ThreadCount=%u", thread_count, 0),
    W_OPT("volname=%s", volname, 0),
    W_OPT("VolumePrefix=%s", prefix, 0),
    W_OPT("--VolumePrefix=%s", prefix, 0),
    W_OPT("UNC=%s", prefix, 0),
    W_OPT("--UNC=%s", prefix, 0),
    W_OPT("FileSystemName=%s", fstypename, 0),
    W_OPT("--FileSystemName=%s", fstypename, 0),
    W_OPT("fstypename=%s", fstypename, 0),
    FUSE_OPT_END,
};

bool hl_winfsp_is_option(const char *opt)
{
    return fuse_opt_match(winfsp_opts, opt);
}

/* \server\share (or with forward slashes, or a doubled leading one) as the
 * //server/share Linux shows network shares by. */
static char *unc_source(const char *prefix)
{
    while (*prefix == '\\' || *prefix == '/')
        prefix++;
    size_t len = strlen(prefix);
    char *s = malloc(len + 3);
    if (!s)
        return NULL;
    s[0] = s[1] = '/';
    for (size_t i = 0; i <= len; i++)
        s[i + 2] = prefix[i] == '\\' ? '/' : prefix[i];
    return s;
}

/* *field takes value (which it then owns) unless it is set already. */
static void name_default(char **field, char *value)
{
    if (*field || !value)
        free(value);
    else
        *field = value;
}

int hl_winfsp_parse(struct fuse *f, struct fuse_args *args, struct hl_winfsp *out)
{
    struct winfsp_opts o = {0};
    if (fuse_opt_parse(args, &o, winfsp_opts, NULL) == -1)
        return -1;
    if (o.file_info_set) {
        if (o.file_info_timeout < 0) {
            f->conf.attr_timeout = f->conf.entry_timeout = FOREVER_SECONDS;
            f->conf.kernel_cache = 1;
        } else {
            f->conf.attr_timeout = f->conf.entry_timeout = o.file_info_timeout / 1000.0;
        }
    }
    f->cache_dirs = o.dir_info_set && o.dir_info_timeout != 0;
    out->thread_count = o.thread_count;
    out->fsname = NULL;
    if (o.prefix) {
        out->fsname = unc_source(o.prefix);
        free(o.volname);
    } else {
        out->fsname = o.volname;
    }
    free(o.prefix);
    out->subtype = o.fstypename;
    /* WinFsp's -1: whoever mounts. */
    if (f->conf.set_uid && f->conf.uid == UINT_MAX)
        f->conf.uid = getuid();
    if (f->conf.set_gid && f->conf.gid == UINT_MAX)
        f->conf.gid = getgid();
    return 0;
}

void hl_winfsp_apply(struct fuse *f, struct hl_winfsp *w)
{
    struct fuse_session *se = f->se;
    name_default(&se->fsname, w->fsname);
    name_default(&se->subtype, w->subtype);
    w->fsname = w->subtype = NULL;
    if (w->thread_count)
        se->thread_count = w->thread_count;
}

void hl_winfsp_free(struct hl_winfsp *w)
{
    free(w->fsname);
    free(w->subtype);
    w->fsname = w->subtype = NULL;
}
