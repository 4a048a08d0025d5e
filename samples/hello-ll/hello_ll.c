/*
 * hello-ll - a FUSE 3 low-level file system: one read-only file, "hello",
 * in the root directory. Written against include/fuse3 only; it builds
 * unchanged against libfuse and runs on FSP's libfuse3.
 *
 *   hello-ll [FUSE options] MOUNTPOINT     (-f foreground, -d debug, -s single thread)
 */
#define FUSE_USE_VERSION 34

#include <fuse_lowlevel.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HELLO_INO 2
static const char hello_name[] = "hello";
static const char hello_data[] = "Hello, FUSE on FSP!\n";

static int hello_stat(fuse_ino_t ino, struct stat *st)
{
    memset(st, 0, sizeof(*st));
    st->st_ino = ino;
    st->st_uid = getuid();
    st->st_gid = getgid();
    if (ino == FUSE_ROOT_ID) {
        st->st_mode = S_IFDIR | 0755;
        st->st_nlink = 2;
    } else if (ino == HELLO_INO) {
        st->st_mode = S_IFREG | 0444;
        st->st_nlink = 1;
        st->st_size = sizeof(hello_data) - 1;
    } else {
        return -1;
    }
    return 0;
}

static void hello_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    struct fuse_entry_param e;
    memset(&e, 0, sizeof(e));
    if (parent != FUSE_ROOT_ID || strcmp(name, hello_name) != 0) {
        fuse_reply_err(req, ENOENT);
        return;
    }
    e.ino = HELLO_INO;
    e.attr_timeout = 1.0;
    e.entry_timeout = 1.0;
    hello_stat(e.ino, &e.attr);
    fuse_reply_entry(req, &e);
}

static void hello_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    struct stat st;
    (void)fi;
    if (hello_stat(ino, &st) != 0)
        fuse_reply_err(req, ENOENT);
    else
        fuse_reply_attr(req, &st, 1.0);
}

/* Reply with the part of a listing buffer that the offset asks for. */
static void reply_window(fuse_req_t req, const char *buf, size_t len, off_t off, size_t max)
{
    if ((size_t)off >= len)
        fuse_reply_buf(req, NULL, 0);
    else
        fuse_reply_buf(req, buf + off, len - (size_t)off < max ? len - (size_t)off : max);
}

static void hello_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                          struct fuse_file_info *fi)
{
    (void)fi;
    if (ino != FUSE_ROOT_ID) {
        fuse_reply_err(req, ENOTDIR);
        return;
    }
    static const struct {
        const char *name;
        fuse_ino_t ino;
    } ents[] = {{".", FUSE_ROOT_ID}, {"..", FUSE_ROOT_ID}, {hello_name, HELLO_INO}};
    char buf[512];
    size_t len = 0;
    for (size_t i = 0; i < sizeof(ents) / sizeof(ents[0]); i++) {
        struct stat st = {.st_ino = ents[i].ino};
        hello_stat(ents[i].ino, &st);
        len +=
            fuse_add_direntry(req, buf + len, sizeof(buf) - len, ents[i].name, &st,
                              (off_t)(len + fuse_add_direntry(req, NULL, 0, ents[i].name, &st, 0)));
    }
    reply_window(req, buf, len, off, size);
}

static void hello_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    if (ino != HELLO_INO)
        fuse_reply_err(req, EISDIR);
    else if ((fi->flags & O_ACCMODE) != O_RDONLY)
        fuse_reply_err(req, EACCES);
    else
        fuse_reply_open(req, fi);
}

static void hello_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                       struct fuse_file_info *fi)
{
    (void)ino;
    (void)fi;
    reply_window(req, hello_data, sizeof(hello_data) - 1, off, size);
}

static const struct fuse_lowlevel_ops hello_ops = {
    .lookup = hello_lookup,
    .getattr = hello_getattr,
    .readdir = hello_readdir,
    .open = hello_open,
    .read = hello_read,
};

int main(int argc, char *argv[])
{
    struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
    struct fuse_cmdline_opts opts;
    int ret = 1;

    if (fuse_parse_cmdline(&args, &opts) != 0)
        return 1;
    if (opts.show_help) {
        printf("usage: %s [options] <mountpoint>\n\n", argv[0]);
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
    if (!opts.mountpoint) {
        printf("usage: %s [options] <mountpoint>\n", argv[0]);
        printf("       %s --help\n", argv[0]);
        goto out;
    }

    struct fuse_session *se = fuse_session_new(&args, &hello_ops, sizeof(hello_ops), NULL);
    if (!se)
        goto out;
    if (fuse_set_signal_handlers(se) != 0)
        goto destroy;
    if (fuse_session_mount(se, opts.mountpoint) != 0)
        goto remove_handlers;
    fuse_daemonize(opts.foreground);
    if (opts.singlethread) {
        ret = fuse_session_loop(se);
    } else {
        struct fuse_loop_config config = {.clone_fd = opts.clone_fd,
                                          .max_idle_threads = opts.max_idle_threads};
        ret = fuse_session_loop_mt(se, &config);
    }
    /* A positive value is the signal that ended the loop: a clean stop. */
    ret = ret < 0 ? 1 : 0;
    fuse_session_unmount(se);
remove_handlers:
    fuse_remove_signal_handlers(se);
destroy:
    fuse_session_destroy(se);
out:
    free(opts.mountpoint);
    fuse_opt_free_args(&args);
    return ret;
}
