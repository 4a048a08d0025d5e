/*
 * test_fuse_hl_killpriv.c - the high-level layer's setuid/setgid clearing
 * on writes (src/fuse/hl_killpriv.c), on a real mount: another user's
 * writes to a file without the bits ask the file system's getattr once,
 * not once per write; after a chmod that sets setuid the next such write
 * looks again and clears it, as tmpfs would.
 *
 * Needs root (mount(2), and setuid to nobody for the writer); mounts with
 * auto_unmount, so even a crash leaves no mount behind, and alarm() bounds
 * the whole run.
 */
#define _GNU_SOURCE
#define FUSE_USE_VERSION 314
#include <fuse.h>

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "fuse_harness.h"

#define NOBODY 65534

/* Shared with the forked checks: the file's mode and how often the file
 * system was asked for its attributes. */
static struct shared {
    atomic_uint mode;
    atomic_int getattrs;
} * sh;

static int c_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
    memset(st, 0, sizeof(*st));
    if (!strcmp(path, "/")) {
        st->st_mode = S_IFDIR | 0755;
        st->st_nlink = 2;
        return 0;
    }
    if (strcmp(path, "/f"))
        return -ENOENT;
    atomic_fetch_add(&sh->getattrs, 1);
    st->st_mode = S_IFREG | atomic_load(&sh->mode);
    st->st_nlink = 1;
    return 0;
}

static int c_open(const char *path, struct fuse_file_info *fi)
{
    return 0;
}

static int c_write(const char *path, const char *buf, size_t size, off_t off,
                   struct fuse_file_info *fi)
{
    return (int)size;
}

static int c_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
    atomic_store(&sh->mode, mode & 07777);
    return 0;
}

static const struct fuse_operations c_ops = {
    .getattr = c_getattr,
    .open = c_open,
    .write = c_write,
    .chmod = c_chmod,
};

static char mnt[64];

/* N one-byte writes to /f as nobody (no CAP_FSETID: the kernel flags each
 * for clearing); returns the getattr calls they caused, or -1. */
static int writes_as_nobody(int n)
{
    int pipefd[2];
    if (pipe(pipefd) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        char path[128];
        snprintf(path, sizeof(path), "%s/f", mnt);
        int delta = -1;
        if (setgid(NOBODY) == 0 && setuid(NOBODY) == 0) {
            int fd = open(path, O_WRONLY);
            if (fd >= 0) {
                int before = atomic_load(&sh->getattrs);
                bool ok = true;
                for (int i = 0; i < n; i++)
                    ok = ok && pwrite(fd, "x", 1, i) == 1;
                delta = ok ? atomic_load(&sh->getattrs) - before : -1;
                close(fd);
            }
        }
        ssize_t w = write(pipefd[1], &delta, sizeof(delta));
        _exit(w == sizeof(delta) ? 0 : 1);
    }
    close(pipefd[1]);
    int delta = -1;
    if (pid < 0 || read(pipefd[0], &delta, sizeof(delta)) != sizeof(delta))
        delta = -1;
    close(pipefd[0]);
    if (pid > 0)
        waitpid(pid, NULL, 0);
    return delta;
}

TEST(first_writes_ask_once)
{
    int d = writes_as_nobody(8);
    CHECK(d >= 0 && d <= 1);
}

TEST(later_writes_do_not_ask)
{
    CHECK_EQ_INT(writes_as_nobody(8), 0);
}

TEST(chmod_makes_the_next_write_look)
{
    char path[128];
    struct stat st;
    snprintf(path, sizeof(path), "%s/f", mnt);
    CHECK_EQ_INT(chmod(path, 04766), 0);
    CHECK_EQ_INT((int)atomic_load(&sh->mode), 04766);
    CHECK(writes_as_nobody(1) >= 1); /* it looked (the kernel may ask too) */
    /* Cleared through the file system's chmod, as tmpfs clears it. */
    CHECK_EQ_INT((int)atomic_load(&sh->mode), 0766);
    CHECK_EQ_INT(stat(path, &st), 0);
    CHECK_EQ_INT((int)(st.st_mode & 07777), 0766);
}

static void checks(void)
{
    RUN(first_writes_ask_once);
    RUN(later_writes_do_not_ask);
    RUN(chmod_makes_the_next_write_look);
}

int main(void)
{
    alarm(120);
    if (geteuid() != 0) {
        printf("SKIP needs root (a second user writes)\n");
        return 0;
    }
    sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED)
        return 1;
    atomic_store(&sh->mode, 0666);
    struct fuse *f = hl_mount(
        mnt, sizeof(mnt), "/tmp/fsp-hlkillpriv.XXXXXX", "test_fuse_hl_killpriv",
        "auto_unmount,allow_other,attr_timeout=1000,entry_timeout=1000", &c_ops, sizeof(c_ops));
    if (!f)
        return 1;
    int rc = hl_run_checks(f, hl_loop_mt, checks);
    fuse_destroy(f);
    rmdir(mnt);
    return rc;
}
