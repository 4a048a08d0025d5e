/*
 * test_fuse_passthrough.c - libfuse 3.17's passthrough API on FSP's
 * libfuse3: a low-level file system asks for FUSE_CAP_PASSTHROUGH in
 * init(), opens a backing file with fuse_passthrough_open() and puts the id
 * in fi->backing_id; reads and writes of the file then go to the backing
 * file in the kernel, so the file system sees no READ or WRITE, and the
 * bytes are the backing file's; fuse_passthrough_close() at release.
 *
 * Needs root (mount(2); backing files need CAP_SYS_ADMIN) and a kernel with
 * FUSE passthrough (6.9+); without them it says SKIP. Mounts with
 * auto_unmount, and alarm() bounds the whole run.
 */
#define _GNU_SOURCE
#define FUSE_USE_VERSION 314
#include <fuse_lowlevel.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "fuse_harness.h"

#define INO_FILE 2

static char backing[64];
static atomic_int reads, writes, closes, open_errors;
static atomic_bool capable;

static void p_init(void *userdata, struct fuse_conn_info *conn)
{
    if (conn->capable & FUSE_CAP_PASSTHROUGH) {
        conn->want |= FUSE_CAP_PASSTHROUGH;
        atomic_store(&capable, true);
    }
}

static void p_stat(fuse_ino_t ino, struct stat *st)
{
    memset(st, 0, sizeof(*st));
    st->st_ino = ino;
    if (ino == FUSE_ROOT_ID) {
        st->st_mode = S_IFDIR | 0755;
        st->st_nlink = 2;
    } else {
        struct stat b;
        st->st_mode = S_IFREG | 0644;
        st->st_nlink = 1;
        st->st_size = stat(backing, &b) == 0 ? b.st_size : 0;
    }
}

static void p_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    struct fuse_entry_param e = {.ino = INO_FILE};
    if (parent != FUSE_ROOT_ID || strcmp(name, "f")) {
        fuse_reply_err(req, ENOENT);
        return;
    }
    p_stat(INO_FILE, &e.attr);
    fuse_reply_entry(req, &e);
}

static void p_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    struct stat st;
    p_stat(ino, &st);
    fuse_reply_attr(req, &st, 0);
}

static void p_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    int fd = open(backing, O_RDWR);
    int id = fd >= 0 ? fuse_passthrough_open(req, fd) : -errno;
    if (fd >= 0)
        close(fd); /* the kernel holds the backing file now */
    if (id <= 0) {
        atomic_fetch_add(&open_errors, 1);
        fuse_reply_err(req, id < 0 ? -id : EIO);
        return;
    }
    fi->backing_id = id;
    fi->fh = (uint64_t)id;
    fuse_reply_open(req, fi);
}

static void p_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    if (fuse_passthrough_close(req, (int)fi->fh) == 0)
        atomic_fetch_add(&closes, 1);
    fuse_reply_err(req, 0);
}

static void p_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                   struct fuse_file_info *fi)
{
    atomic_fetch_add(&reads, 1);
    fuse_reply_err(req, EIO);
}

static void p_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
                    struct fuse_file_info *fi)
{
    atomic_fetch_add(&writes, 1);
    fuse_reply_err(req, EIO);
}

static const struct fuse_lowlevel_ops p_ops = {
    .init = p_init,
    .lookup = p_lookup,
    .getattr = p_getattr,
    .open = p_open,
    .release = p_release,
    .read = p_read,
    .write = p_write,
};

static char mnt[64];
static struct fuse_session *se;

TEST(reads_and_writes_go_to_the_backing_file)
{
    char path[128], buf[64] = "";
    snprintf(path, sizeof(path), "%s/f", mnt);
    int fd = open(path, O_RDWR);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    CHECK_EQ_INT((int)pread(fd, buf, sizeof(buf) - 1, 0), 12);
    CHECK_EQ_STR(buf, "from backing");
    CHECK_EQ_INT((int)pwrite(fd, "FROM", 4, 0), 4);
    close(fd);

    int bfd = open(backing, O_RDONLY);
    memset(buf, 0, sizeof(buf));
    CHECK_EQ_INT((int)read(bfd, buf, sizeof(buf) - 1), 12);
    close(bfd);
    CHECK_EQ_STR(buf, "FROM backing");
    CHECK_EQ_INT(atomic_load(&reads), 0);
    CHECK_EQ_INT(atomic_load(&writes), 0);
    CHECK_EQ_INT(atomic_load(&open_errors), 0);
    /* RELEASE comes in the background after close: wait for it, bounded. */
    for (int i = 0; i < 500 && atomic_load(&closes) == 0; i++)
        usleep(10 * 1000);
    CHECK_EQ_INT(atomic_load(&closes), 1);
}

static void *loop_main(void *arg)
{
    fuse_session_loop_mt(se, NULL);
    return NULL;
}

int main(void)
{
    alarm(120);
    if (geteuid() != 0) {
        printf("SKIP backing files need root\n");
        return 0;
    }
    snprintf(backing, sizeof(backing), "/tmp/fsp-llpt-backing.XXXXXX");
    int bfd = mkstemp(backing);
    if (bfd < 0) {
        perror("mkstemp");
        return 1;
    }
    if (write(bfd, "from backing", 12) != 12)
        return 1;
    close(bfd);

    se = ll_mount(mnt, sizeof(mnt), "/tmp/fsp-llpt.XXXXXX", "test_fuse_passthrough", "auto_unmount",
                  &p_ops, sizeof(p_ops));
    if (!se) {
        unlink(backing);
        return 1;
    }
    pthread_t loop;
    pthread_create(&loop, NULL, loop_main, NULL);

    struct stat st;
    char root[80];
    snprintf(root, sizeof(root), "%s/.", mnt);
    stat(root, &st); /* INIT is done once the kernel answers */
    if (!atomic_load(&capable)) {
        printf("SKIP the kernel offers no FUSE passthrough\n");
    } else {
        RUN(reads_and_writes_go_to_the_backing_file);
    }

    ll_unmount(se, loop, mnt);
    unlink(backing);
    return CHECK_DONE();
}
