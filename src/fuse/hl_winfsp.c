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
 *   UserName=NAME,       uid= and gid= by name (the passwd and group
 *   GroupName=NAME       databases); an unknown name fails fuse_new
 *   create_umask=M       octal bits taken out of the mode of files and
 *                        directories made through the file system
 *   create_file_umask=M, the same for files (create, mknod) or directories
 *   create_dir_umask=M   (mkdir) only; each wins over create_umask
 *   DebugLog=FILE        the trace -d turns on goes to FILE (appended)
 *                        rather than to stderr; without -d FILE stays empty
 *   KeepFileCache        file data stays cached between opens (kernel_cache);
 *                        WinFsp's default of purging it at each close is
 *                        FUSE's default too
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
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
    char *user, *group, *debug_log;
    unsigned create_umask, file_umask, dir_umask;
    int create_set, file_set, dir_set, keep_cache;
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
    W_OPT("UserName=%s", user, 0),
    W_OPT("--UserName=%s", user, 0),
    W_OPT("GroupName=%s", group, 0),
    W_OPT("--GroupName=%s", group, 0),
    W_OPT("create_umask=%o", create_umask, 0),
    W_OPT("create_umask=", create_set, 1),
    W_OPT("create_file_umask=%o", file_umask, 0),
    W_OPT("create_file_umask=", file_set, 1),
    W_OPT("create_dir_umask=%o", dir_umask, 0),
    W_OPT("create_dir_umask=", dir_set, 1),
    W_OPT("DebugLog=%s", debug_log, 0),
    W_OPT("KeepFileCache", keep_cache, 1),
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

/* UserName= and GroupName=: the ids they name into f's uid= and gid=.
 * 0, or -1 (said on stderr) for a name the system does not know. */
static int owner_by_name(struct fuse *f, const char *user, const char *group)
{
    if (user) {
        struct passwd *pw = getpwnam(user);
        if (!pw) {
            fuse_log(FUSE_LOG_ERR, "fuse: unknown user in 'UserName=%s'\n", user);
            return -1;
        }
        f->conf.set_uid = 1;
        f->conf.uid = pw->pw_uid;
    }
    if (group) {
        struct group *gr = getgrnam(group);
        if (!gr) {
            fuse_log(FUSE_LOG_ERR, "fuse: unknown group in 'GroupName=%s'\n", group);
            return -1;
        }
        f->conf.set_gid = 1;
        f->conf.gid = gr->gr_gid;
    }
    return 0;
}

/* DebugLog=FILE: the session's trace (fsp_log) goes to FILE from now on.
 * Appended, as WinFsp does, so that a log survives remounts. */
static int open_debug_log(struct fuse *f, const char *file)
{
    int fd = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        fuse_log(FUSE_LOG_ERR, "fuse: cannot open 'DebugLog=%s': %s\n", file, strerror(errno));
        return -1;
    }
    f->debug_log_fd = fd;
    fsp_log_set_fd(fd);
    return 0;
}

void hl_winfsp_close_log(struct fuse *f)
{
    if (f->debug_log_fd < 0)
        return;
    fsp_log_set_fd(2);
    close(f->debug_log_fd);
    f->debug_log_fd = -1;
}

int hl_winfsp_parse(struct fuse *f, struct fuse_args *args, struct hl_winfsp *out)
{
    struct winfsp_opts o = {0};
    if (fuse_opt_parse(args, &o, winfsp_opts, NULL) == -1)
        return -1;
    int err = owner_by_name(f, o.user, o.group);
    if (!err && o.debug_log)
        err = open_debug_log(f, o.debug_log);
    free(o.user);
    free(o.group);
    free(o.debug_log);
    if (err) {
        free(o.volname);
        free(o.prefix);
        free(o.fstypename);
        return -1;
    }
    f->create_file_umask = f->create_dir_umask = o.create_set ? (o.create_umask & 07777) : 0;
    if (o.file_set)
        f->create_file_umask = o.file_umask & 07777;
    if (o.dir_set)
        f->create_dir_umask = o.dir_umask & 07777;
    if (o.keep_cache)
        f->conf.kernel_cache = 1;
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
