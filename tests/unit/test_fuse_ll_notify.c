/*
 * test_fuse_ll_notify.c - the low-level calls no sample makes, on a real
 * mount: the notifications (inval_entry ends a cached negative lookup,
 * inval_inode a cached size, expire_entry makes the next use look up
 * again, delete drops an entry, store puts data into the page cache that
 * retrieve then reads back, notify_poll wakes a waiting poll()), the ioctl,
 * lock and poll replies, and fuse_req_getgroups. The file system caches everything for 1000 s, so
 * only a notification can make the kernel ask again.
 *
 * Needs root (mount(2)) or fusermount3; mounts with auto_unmount, so even
 * a crash leaves no mount behind, and alarm() bounds the whole run.
 */
#define _GNU_SOURCE
#define FUSE_USE_VERSION 314
#include <fuse_lowlevel.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "fuse_harness.h"

#define INO_FILE     2
#define INO_LATE     3 /* "late": absent until late_exists */
#define CACHE_SECS   1000.0
#define IOCTL_ANSWER _IOR('F', 1, int)

static atomic_bool late_exists;
static atomic_long file_size = 16;
static const char file_data[] = "0123456789abcdef";
static atomic_int lookups_of_late, getattrs_of_file, reads_of_file;
static atomic_int groups_seen = -1;

/* What retrieve_reply got. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static char retrieved[16];
static size_t retrieved_len;
static void *retrieved_cookie;
static bool retrieved_done;

static void fill_attr(fuse_ino_t ino, struct stat *st)
{
    memset(st, 0, sizeof(*st));
    st->st_ino = ino;
    st->st_nlink = ino == FUSE_ROOT_ID ? 2 : 1;
    st->st_mode = ino == FUSE_ROOT_ID ? S_IFDIR | 0755 : S_IFREG | 0644;
    if (ino == INO_FILE)
        st->st_size = atomic_load(&file_size);
}

static void n_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    struct fuse_entry_param e = {.entry_timeout = CACHE_SECS, .attr_timeout = CACHE_SECS};
    if (parent != FUSE_ROOT_ID) {
        fuse_reply_err(req, ENOENT);
        return;
    }
    if (!strcmp(name, "file")) {
        e.ino = INO_FILE;
    } else if (!strcmp(name, "late")) {
        atomic_fetch_add(&lookups_of_late, 1);
        if (atomic_load(&late_exists))
            e.ino = INO_LATE;
    } else if (!strcmp(name, "groups")) {
        gid_t list[64];
        atomic_store(&groups_seen, fuse_req_getgroups(req, 64, list));
        fuse_reply_err(req, ENOENT);
        return;
    } else {
        fuse_reply_err(req, ENOENT);
        return;
    }
    if (e.ino)
        fill_attr(e.ino, &e.attr);
    fuse_reply_entry(req, &e); /* ino 0: a negative entry, cached for 1000 s */
}

static void n_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    struct stat st;
    if (ino == INO_FILE)
        atomic_fetch_add(&getattrs_of_file, 1);
    fill_attr(ino, &st);
    fuse_reply_attr(req, &st, CACHE_SECS);
}

static void n_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    fi->keep_cache = 1; /* the page cache is where store and retrieve act */
    fuse_reply_open(req, fi);
}

static void n_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                   struct fuse_file_info *fi)
{
    atomic_fetch_add(&reads_of_file, 1);
    size_t len = sizeof(file_data) - 1;
    if ((size_t)off >= len)
        size = 0;
    else if (size > len - (size_t)off)
        size = len - (size_t)off;
    fuse_reply_buf(req, file_data + off, size);
}

static void n_ioctl(fuse_req_t req, fuse_ino_t ino, unsigned int cmd, void *arg,
                    struct fuse_file_info *fi, unsigned flags, const void *in_buf, size_t in_bufsz,
                    size_t out_bufsz)
{
    int answer = 42;
    if (cmd != IOCTL_ANSWER || out_bufsz < sizeof(answer))
        fuse_reply_err(req, ENOTTY);
    else
        fuse_reply_ioctl(req, 7, &answer, sizeof(answer));
}

/* Every range is held by someone else, for reading, from 10 on. */
static void n_getlk(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, struct flock *lk)
{
    struct flock held = {.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 10, .l_len = 5};
    fuse_reply_lock(req, &held);
}

static void n_setlk(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, struct flock *lk,
                    int sleep)
{
    fuse_reply_err(req, EAGAIN);
}

/* poll: ready at once, unless poll_wait_mode; then not ready (keeping the
 * handle for notify_poll) until poll_ready. */
static atomic_bool poll_wait_mode, poll_ready;
static struct fuse_pollhandle *poll_handle;

static void n_poll(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
                   struct fuse_pollhandle *ph)
{
    if (atomic_load(&poll_wait_mode) && !atomic_load(&poll_ready)) {
        pthread_mutex_lock(&lock);
        if (ph && !poll_handle) {
            poll_handle = ph;
            ph = NULL;
        }
        pthread_cond_broadcast(&cond);
        pthread_mutex_unlock(&lock);
        if (ph)
            fuse_pollhandle_destroy(ph);
        fuse_reply_poll(req, 0);
        return;
    }
    if (ph)
        fuse_pollhandle_destroy(ph);
    fuse_reply_poll(req, POLLIN | POLLPRI);
}

static void n_retrieve_reply(fuse_req_t req, void *cookie, fuse_ino_t ino, off_t offset,
                             struct fuse_bufvec *bufv)
{
    pthread_mutex_lock(&lock);
    const struct fuse_buf *b = &bufv->buf[bufv->idx];
    retrieved_len = b->size < sizeof(retrieved) ? b->size : sizeof(retrieved);
    if (!(b->flags & FUSE_BUF_IS_FD))
        memcpy(retrieved, (const char *)b->mem + bufv->off, retrieved_len);
    retrieved_cookie = cookie;
    retrieved_done = true;
    pthread_cond_broadcast(&cond);
    pthread_mutex_unlock(&lock);
    fuse_reply_none(req);
}

static const struct fuse_lowlevel_ops n_ops = {
    .lookup = n_lookup,
    .getattr = n_getattr,
    .open = n_open,
    .read = n_read,
    .ioctl = n_ioctl,
    .getlk = n_getlk,
    .setlk = n_setlk,
    .poll = n_poll,
    .retrieve_reply = n_retrieve_reply,
};

static char mnt[64];
static struct fuse_session *se;

static int open_file(int flags)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/file", mnt);
    return open(path, flags);
}

TEST(inval_entry_ends_a_negative_entry)
{
    char path[128];
    struct stat st;
    snprintf(path, sizeof(path), "%s/late", mnt);
    CHECK(stat(path, &st) != 0 && errno == ENOENT);
    CHECK(stat(path, &st) != 0 && errno == ENOENT);
    CHECK_EQ_INT(atomic_load(&lookups_of_late), 1); /* the second came from the cache */
    atomic_store(&late_exists, true);
    CHECK(stat(path, &st) != 0); /* still cached */
    CHECK_EQ_INT(fuse_lowlevel_notify_inval_entry(se, FUSE_ROOT_ID, "late", 4), 0);
    CHECK_EQ_INT(stat(path, &st), 0);
    CHECK_EQ_INT(atomic_load(&lookups_of_late), 2);
}

TEST(inval_inode_ends_cached_attributes)
{
    char path[128];
    struct stat st;
    snprintf(path, sizeof(path), "%s/file", mnt);
    CHECK_EQ_INT(stat(path, &st), 0);
    CHECK_EQ_INT((int)st.st_size, 16);
    atomic_store(&file_size, 8);
    CHECK_EQ_INT(stat(path, &st), 0);
    CHECK_EQ_INT((int)st.st_size, 16); /* cached */
    CHECK_EQ_INT(fuse_lowlevel_notify_inval_inode(se, INO_FILE, -1, 0), 0);
    CHECK_EQ_INT(stat(path, &st), 0);
    CHECK_EQ_INT((int)st.st_size, 8);
    atomic_store(&file_size, 16);
    CHECK_EQ_INT(fuse_lowlevel_notify_inval_inode(se, INO_FILE, -1, 0), 0);
}

TEST(store_then_retrieve)
{
    char buf[32] = "";
    int fd = open_file(O_RDONLY);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    CHECK_EQ_INT((int)pread(fd, buf, 16, 0), 16); /* fills the page cache */
    int reads = atomic_load(&reads_of_file);

    struct fuse_bufvec bv = FUSE_BUFVEC_INIT(3);
    bv.buf[0].mem = "XYZ";
    CHECK_EQ_INT(fuse_lowlevel_notify_store(se, INO_FILE, 0, &bv, 0), 0);
    memset(buf, 0, sizeof(buf));
    CHECK_EQ_INT((int)pread(fd, buf, 16, 0), 16);
    CHECK_EQ_STR(buf, "XYZ3456789abcdef"); /* from the cache: the server still has 012 */
    CHECK_EQ_INT(atomic_load(&reads_of_file), reads);

    static int cookie;
    CHECK_EQ_INT(fuse_lowlevel_notify_retrieve(se, INO_FILE, 5, 0, &cookie), 0);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 10;
    pthread_mutex_lock(&lock);
    while (!retrieved_done && pthread_cond_timedwait(&cond, &lock, &ts) == 0)
        ;
    bool done = retrieved_done;
    size_t len = retrieved_len;
    char got[17] = "";
    memcpy(got, retrieved, len < 16 ? len : 16);
    void *c = retrieved_cookie;
    pthread_mutex_unlock(&lock);
    CHECK(done);
    CHECK_EQ_INT((int)len, 5);
    CHECK_EQ_STR(got, "XYZ34");
    CHECK(c == &cookie);
    close(fd);
}

TEST(ioctl_lock_poll_replies)
{
    int fd = open_file(O_RDWR);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    int v = 0;
    CHECK_EQ_INT(ioctl(fd, IOCTL_ANSWER, &v), 7);
    CHECK_EQ_INT(v, 42);

    check_foreign_read_lock(fd);

    struct pollfd p = {.fd = fd, .events = POLLIN | POLLPRI};
    CHECK_EQ_INT(poll(&p, 1, 5000), 1);
    CHECK_EQ_INT(p.revents & (POLLIN | POLLPRI), POLLIN | POLLPRI);
    close(fd);
}

TEST(expire_and_delete_entries)
{
    char path[128];
    struct stat st;
    snprintf(path, sizeof(path), "%s/late", mnt);
    CHECK_EQ_INT(stat(path, &st), 0); /* cached since inval_entry's test */
    int before = atomic_load(&lookups_of_late);
    CHECK_EQ_INT(stat(path, &st), 0);
    CHECK_EQ_INT(atomic_load(&lookups_of_late), before);
    /* Expired: still there, but the next use asks again. */
    CHECK_EQ_INT(
        fuse_lowlevel_notify_expire_entry(se, FUSE_ROOT_ID, "late", 4, FUSE_LL_EXPIRE_ONLY), 0);
    CHECK_EQ_INT(stat(path, &st), 0);
    CHECK_EQ_INT(atomic_load(&lookups_of_late), before + 1);
    /* Deleted: gone from the kernel's cache; the file system says so too. */
    atomic_store(&late_exists, false);
    CHECK_EQ_INT(fuse_lowlevel_notify_delete(se, FUSE_ROOT_ID, INO_LATE, "late", 4), 0);
    CHECK(stat(path, &st) != 0 && errno == ENOENT);
    CHECK_EQ_INT(atomic_load(&lookups_of_late), before + 2);
}

static void *poller_main(void *arg)
{
    struct pollfd *p = arg;
    return (void *)(intptr_t)poll(p, 1, 10000);
}

TEST(notify_poll_wakes_a_poller)
{
    int fd = open_file(O_RDONLY);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    atomic_store(&poll_wait_mode, true);
    struct pollfd p = {.fd = fd, .events = POLLIN};
    pthread_t t;
    pthread_create(&t, NULL, poller_main, &p);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 10;
    pthread_mutex_lock(&lock);
    while (!poll_handle && pthread_cond_timedwait(&cond, &lock, &ts) == 0)
        ;
    struct fuse_pollhandle *ph = poll_handle;
    poll_handle = NULL;
    pthread_mutex_unlock(&lock);
    CHECK(ph != NULL);
    atomic_store(&poll_ready, true);
    if (ph) {
        CHECK_EQ_INT(fuse_lowlevel_notify_poll(ph), 0);
        fuse_pollhandle_destroy(ph);
    }
    void *res;
    pthread_join(t, &res);
    CHECK_EQ_INT((int)(intptr_t)res, 1); /* woken well before its 10 s */
    CHECK_EQ_INT(p.revents & POLLIN, POLLIN);
    atomic_store(&poll_wait_mode, false);
    close(fd);
}

TEST(getgroups_of_the_caller)
{
    char path[128];
    struct stat st;
    snprintf(path, sizeof(path), "%s/groups", mnt);
    CHECK(stat(path, &st) != 0);
    CHECK_EQ_INT(atomic_load(&groups_seen), getgroups(0, NULL));
}

int main(void)
{
    alarm(120);
    se = ll_mount(mnt, sizeof(mnt), "/tmp/fsp-notify.XXXXXX", "test_fuse_ll_notify", "auto_unmount",
                  &n_ops, sizeof(n_ops));
    if (!se)
        return 1;
    CHECK_EQ_INT(fuse_lowlevel_notify_inval_inode(se, INO_FILE, 0, 0), -ENOTCONN); /* no INIT yet */
    pthread_t loop;
    pthread_create(&loop, NULL, ll_loop_mt, se);

    RUN(inval_entry_ends_a_negative_entry);
    RUN(inval_inode_ends_cached_attributes);
    RUN(store_then_retrieve);
    RUN(ioctl_lock_poll_replies);
    RUN(expire_and_delete_entries);
    RUN(notify_poll_wakes_a_poller);
    RUN(getgroups_of_the_caller);

    ll_unmount(se, loop, mnt);
    return CHECK_DONE();
}
