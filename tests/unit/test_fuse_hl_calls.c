/*
 * test_fuse_hl_calls.c - high-level paths no sample takes, on a real
 * mount: ioctl (data out and the result), lock (F_GETLK sees the file
 * system's answer, F_SETLK its refusal), poll, fuse_invalidate_path (ends
 * attributes cached for 1000 s), fuse_getgroups, and uid=-1/gid=-1 (the
 * mounting user, as on WinFsp).
 *
 * Needs root (mount(2)) or fusermount3; mounts with auto_unmount, so even
 * a crash leaves no mount behind, and alarm() bounds the whole run.
 */
#define _GNU_SOURCE
#define FUSE_USE_VERSION 314
#include <fuse.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "fuse_harness.h"

#define IOCTL_ANSWER _IOR('F', 2, int)

static atomic_long file_size = 16;
static atomic_int groups_seen = -2;

static int c_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
    memset(st, 0, sizeof(*st));
    st->st_uid = 4242; /* uid=-1 must hide this */
    st->st_gid = 4242;
    if (!strcmp(path, "/")) {
        st->st_mode = S_IFDIR | 0755;
        st->st_nlink = 2;
        return 0;
    }
    if (!strcmp(path, "/f")) {
        st->st_mode = S_IFREG | 0644;
        st->st_nlink = 1;
        st->st_size = atomic_load(&file_size);
        return 0;
    }
    if (!strcmp(path, "/groups")) {
        gid_t list[64];
        atomic_store(&groups_seen, fuse_getgroups(64, list));
    }
    return -ENOENT;
}

static int c_open(const char *path, struct fuse_file_info *fi)
{
    return 0;
}

static int c_ioctl(const char *path, unsigned int cmd, void *arg, struct fuse_file_info *fi,
                   unsigned int flags, void *data)
{
    if (cmd != IOCTL_ANSWER)
        return -ENOTTY;
    *(int *)data = 42;
    return 5;
}

static int c_lock(const char *path, struct fuse_file_info *fi, int cmd, struct flock *lk)
{
    if (cmd == F_GETLK) {
        lk->l_type = F_RDLCK;
        lk->l_whence = SEEK_SET;
        lk->l_start = 10;
        lk->l_len = 5;
        return 0;
    }
    return -EAGAIN;
}

static int c_poll(const char *path, struct fuse_file_info *fi, struct fuse_pollhandle *ph,
                  unsigned *reventsp)
{
    if (ph)
        fuse_pollhandle_destroy(ph);
    *reventsp = POLLOUT;
    return 0;
}

static const struct fuse_operations c_ops = {
    .getattr = c_getattr,
    .open = c_open,
    .ioctl = c_ioctl,
    .lock = c_lock,
    .poll = c_poll,
};

static char mnt[64];
static struct fuse *f;

static int open_f(void)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/f", mnt);
    return open(path, O_RDWR);
}

TEST(ioctl_lock_poll)
{
    int fd = open_f();
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    int v = 0;
    CHECK_EQ_INT(ioctl(fd, IOCTL_ANSWER, &v), 5);
    CHECK_EQ_INT(v, 42);

    check_foreign_read_lock(fd);

    struct pollfd p = {.fd = fd, .events = POLLIN | POLLOUT};
    CHECK_EQ_INT(poll(&p, 1, 5000), 1);
    CHECK_EQ_INT(p.revents & (POLLIN | POLLOUT), POLLOUT);
    close(fd);
}

TEST(invalidate_path_and_owner)
{
    char path[128];
    struct stat st;
    snprintf(path, sizeof(path), "%s/f", mnt);
    CHECK_EQ_INT(stat(path, &st), 0);
    CHECK_EQ_INT((int)st.st_size, 16);
    CHECK_EQ_INT((int)st.st_uid, (int)getuid()); /* uid=-1 */
    CHECK_EQ_INT((int)st.st_gid, (int)getgid()); /* gid=-1 */
    atomic_store(&file_size, 8);
    CHECK_EQ_INT(stat(path, &st), 0);
    CHECK_EQ_INT((int)st.st_size, 16); /* cached for 1000 s */
    CHECK_EQ_INT(fuse_invalidate_path(f, "/f"), 0);
    CHECK_EQ_INT(stat(path, &st), 0);
    CHECK_EQ_INT((int)st.st_size, 8);
    CHECK_EQ_INT(fuse_invalidate_path(f, "/never-looked-up"), -ENOENT);
}

TEST(getgroups_of_the_caller)
{
    char path[128];
    struct stat st;
    snprintf(path, sizeof(path), "%s/groups", mnt);
    CHECK(stat(path, &st) != 0);
    CHECK_EQ_INT(atomic_load(&groups_seen), getgroups(0, NULL));
}

static void *loop_main(void *arg)
{
    fuse_loop_mt(f, NULL);
    return NULL;
}

int main(void)
{
    alarm(120);
    f = hl_mount(mnt, sizeof(mnt), "/tmp/fsp-hlcalls.XXXXXX", "test_fuse_hl_calls",
                 "auto_unmount,attr_timeout=1000,entry_timeout=1000,uid=-1,gid=-1", &c_ops,
                 sizeof(c_ops));
    if (!f)
        return 1;
    pthread_t loop;
    pthread_create(&loop, NULL, loop_main, NULL);

    RUN(ioctl_lock_poll);
    RUN(invalidate_path_and_owner);
    RUN(getgroups_of_the_caller);

    fuse_exit(f);
    fuse_unmount(f);
    pthread_join(loop, NULL);
    fuse_destroy(f);
    rmdir(mnt);
    return CHECK_DONE();
}
