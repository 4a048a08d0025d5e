/*
 * test_fuse_hl_minimal.c - a high-level file system with no open, opendir,
 * release or releasedir (as many small FUSE programs are written, bindfs
 * among them) still lists its directories and reads its files: libfuse
 * treats the missing calls as successes, and so must FSP, or the kernel
 * learns "OPENDIR is not implemented" and hands out handle-less directories.
 *
 * Needs root (mount(2)) or fusermount3; mounts with auto_unmount, so even
 * a crash leaves no mount behind; alarm() bounds the checks and the run.
 */
#define _GNU_SOURCE
#define FUSE_USE_VERSION 35
#include <fuse.h>
#include <fuse_lowlevel.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "fuse_harness.h"

static const char file_data[] = "minimal\n";

static int m_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
    memset(st, 0, sizeof(*st));
    if (!strcmp(path, "/") || !strcmp(path, "/sub")) {
        st->st_mode = S_IFDIR | 0755;
        st->st_nlink = 2;
        return 0;
    }
    if (!strcmp(path, "/file") || !strcmp(path, "/sub/inner")) {
        st->st_mode = S_IFREG | 0644;
        st->st_nlink = 1;
        st->st_size = sizeof(file_data) - 1;
        return 0;
    }
    return -ENOENT;
}

static int m_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
                     struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
    fill(buf, ".", NULL, 0, 0);
    fill(buf, "..", NULL, 0, 0);
    if (!strcmp(path, "/")) {
        fill(buf, "file", NULL, 0, 0);
        fill(buf, "sub", NULL, 0, 0);
    } else if (!strcmp(path, "/sub")) {
        fill(buf, "inner", NULL, 0, 0);
    } else {
        return -ENOENT;
    }
    return 0;
}

static int m_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
    size_t len = sizeof(file_data) - 1;
    if ((size_t)off >= len)
        return 0;
    if (size > len - (size_t)off)
        size = len - (size_t)off;
    memcpy(buf, file_data + off, size);
    return (int)size;
}

static const struct fuse_operations m_ops = {
    .getattr = m_getattr,
    .readdir = m_readdir,
    .read = m_read,
};

static char mnt[64];

/* The names in DIR (without . and ..), space-separated in listing order. */
static void list(const char *dir, char *out, size_t cap)
{
    char path[128];
    snprintf(path, sizeof(path), "%s%s", mnt, dir);
    out[0] = 0;
    DIR *d = opendir(path);
    if (!d) {
        snprintf(out, cap, "opendir: %s", strerror(errno));
        return;
    }
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        size_t n = strlen(out);
        snprintf(out + n, cap - n, "%s%s", n ? " " : "", de->d_name);
    }
    closedir(d);
}

static void read_file(const char *name, char *out, size_t cap)
{
    char path[128];
    snprintf(path, sizeof(path), "%s%s", mnt, name);
    out[0] = 0;
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        snprintf(out, cap, "open: %s", strerror(errno));
        return;
    }
    ssize_t n = read(fd, out, cap - 1);
    out[n > 0 ? n : 0] = 0;
    close(fd);
}

TEST(listing_without_opendir)
{
    char names[128];
    list("/", names, sizeof(names));
    CHECK_EQ_STR(names, "file sub");
    list("/sub", names, sizeof(names));
    CHECK_EQ_STR(names, "inner");
    list("/", names, sizeof(names)); /* again: the kernel must still ask */
    CHECK_EQ_STR(names, "file sub");
}

TEST(reading_without_open)
{
    char data[64];
    read_file("/file", data, sizeof(data));
    CHECK_EQ_STR(data, file_data);
    read_file("/sub/inner", data, sizeof(data));
    CHECK_EQ_STR(data, file_data);
}

static void checks(void)
{
    RUN(listing_without_opendir);
    RUN(reading_without_open);
}

int main(void)
{
    alarm(60);
    struct fuse *f = hl_mount(mnt, sizeof(mnt), "/tmp/fsp-hlmin.XXXXXX", "test_fuse_hl_minimal",
                              "auto_unmount", &m_ops, sizeof(m_ops));
    if (!f)
        return 1;
    int rc = hl_run_checks(f, hl_loop, checks);
    fuse_destroy(f);
    rmdir(mnt);
    return rc;
}
