/*
 * test_notify.c - FspFileSystemNotify* without a mount: record packing and
 * validation, Begin/End pairing, the rename lock's timeout, and what the
 * records do to the node table (native/notify.c).
 */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "check.h"
#include "native/native.h"

static const FSP_FILE_SYSTEM_INTERFACE iface; /* nothing is ever called */

/* A volume, case-insensitive or not, with "file:stream" names or not. */
static FSP_FILE_SYSTEM *make_volume(bool case_insensitive, bool stream_names)
{
    FSP_FSCTL_VOLUME_PARAMS vp;
    FSP_FILE_SYSTEM *fs = NULL;
    memset(&vp, 0, sizeof vp);
    vp.CaseSensitiveSearch = !case_insensitive;
    vp.NamedStreams = stream_names;
    vp.UmNamedStreamNames = stream_names;
    FspFileSystemCreate(NULL, &vp, &iface, &fs);
    return fs;
}

static FSP_FILE_SYSTEM *make_fs_ci(bool case_insensitive)
{
    return make_volume(case_insensitive, false);
}

static FSP_FILE_SYSTEM *make_fs(void)
{
    return make_fs_ci(false);
}

/* Append one record for path (ASCII) to buf. */
static BOOLEAN add(UINT8 *buf, ULONG cap, ULONG *size, UINT32 action, const char *path)
{
    union {
        FSP_FSCTL_NOTIFY_INFO info;
        UINT8 space[sizeof(FSP_FSCTL_NOTIFY_INFO) + 256 * sizeof(WCHAR)];
    } rec;
    size_t n = strlen(path);
    rec.info.Size = (UINT16)(sizeof rec.info + n * sizeof(WCHAR));
    rec.info.Filter = FILE_NOTIFY_CHANGE_FILE_NAME;
    rec.info.Action = action;
    for (size_t i = 0; i < n; i++)
        rec.info.FileNameBuf[i] = (WCHAR)path[i];
    return FspFileSystemAddNotifyInfo(&rec.info, buf, cap, size);
}

TEST(add_notify_info_aligns_records)
{
    _Alignas(8) UINT8 buf[64];
    ULONG size = 0;
    memset(buf, 0xAA, sizeof buf);
    CHECK(add(buf, sizeof buf, &size, FILE_ACTION_ADDED, "\\a")); /* 12 + 4 = 16 */
    CHECK_EQ_INT(size, 16);
    CHECK(add(buf, sizeof buf, &size, FILE_ACTION_ADDED, "\\abc")); /* 12 + 8 = 20 -> 24 */
    CHECK_EQ_INT(size, 40);
    CHECK_EQ_INT(buf[36], 0);                                               /* padding zeroed */
    CHECK(!add(buf, sizeof buf, &size, FILE_ACTION_ADDED, "\\abcdefghij")); /* 34 -> 40 */
    CHECK_EQ_INT(size, 40);
}

TEST(notify_validates_records)
{
    FSP_FILE_SYSTEM *fs = make_fs();
    _Alignas(8) UINT8 buf[64];
    FSP_FSCTL_NOTIFY_INFO *info = (FSP_FSCTL_NOTIFY_INFO *)buf;
    ULONG size = 0;
    add(buf, sizeof buf, &size, FILE_ACTION_MODIFIED, "\\a");
    CHECK_EQ_INT(FspFileSystemNotify(fs, info, size), STATUS_SUCCESS); /* nothing known */
    CHECK_EQ_INT(FspFileSystemNotify(fs, info, 0), STATUS_SUCCESS);
    info->Size = 11; /* shorter than the header */
    CHECK_EQ_INT(FspFileSystemNotify(fs, info, size), STATUS_INVALID_PARAMETER);
    info->Size = 15; /* half a WCHAR */
    CHECK_EQ_INT(FspFileSystemNotify(fs, info, size), STATUS_INVALID_PARAMETER);
    info->Size = 40; /* past the end */
    CHECK_EQ_INT(FspFileSystemNotify(fs, info, size), STATUS_INVALID_PARAMETER);
    info->Size = 16;
    CHECK_EQ_INT(FspFileSystemNotify(fs, info, 8), STATUS_INVALID_PARAMETER); /* cut header */
    CHECK_EQ_INT(FspFileSystemNotify(fs, (FSP_FSCTL_NOTIFY_INFO *)(buf + 1), 8),
                 STATUS_INVALID_PARAMETER); /* misaligned */
    FspFileSystemDelete(fs);
}

TEST(begin_end_pairing)
{
    FSP_FILE_SYSTEM *fs = make_fs();
    CHECK_EQ_INT(FspFileSystemNotifyEnd(fs), STATUS_INVALID_PARAMETER);
    CHECK_EQ_INT(FspFileSystemNotifyBegin(fs, 0), STATUS_SUCCESS);
    CHECK_EQ_INT(FspFileSystemNotifyBegin(fs, 0), STATUS_SUCCESS); /* nested */
    CHECK_EQ_INT(FspFileSystemNotifyEnd(fs), STATUS_SUCCESS);
    CHECK_EQ_INT(FspFileSystemNotifyEnd(fs), STATUS_SUCCESS);
    CHECK_EQ_INT(FspFileSystemNotifyEnd(fs), STATUS_INVALID_PARAMETER);
    FspFileSystemDelete(fs);
}

struct renamer {
    FSP_FILE_SYSTEM *fs;
    pthread_mutex_t m;
    pthread_cond_t c;
    int state; /* 1: holds the rename lock; 2: told to let go */
};

static void *renamer_main(void *arg)
{
    struct renamer *r = arg;
    fsp_notify_rename_lock(r->fs->Native);
    pthread_mutex_lock(&r->m);
    r->state = 1;
    pthread_cond_broadcast(&r->c);
    while (r->state != 2)
        pthread_cond_wait(&r->c, &r->m);
    pthread_mutex_unlock(&r->m);
    fsp_notify_rename_unlock(r->fs->Native);
    return NULL;
}

static long elapsed_ms(const struct timespec *since)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - since->tv_sec) * 1000 + (now.tv_nsec - since->tv_nsec) / 1000000;
}

TEST(begin_times_out_during_a_rename)
{
    struct renamer r = {.fs = make_fs()};
    pthread_t t;
    pthread_mutex_init(&r.m, NULL);
    pthread_cond_init(&r.c, NULL);
    pthread_create(&t, NULL, renamer_main, &r);
    pthread_mutex_lock(&r.m);
    while (r.state != 1)
        pthread_cond_wait(&r.c, &r.m);
    pthread_mutex_unlock(&r.m);

    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    CHECK_EQ_INT(FspFileSystemNotifyBegin(r.fs, 0), STATUS_CANT_WAIT);
    CHECK_EQ_INT(FspFileSystemNotifyBegin(r.fs, 200), STATUS_CANT_WAIT);
    long ms = elapsed_ms(&start);
    CHECK(ms >= 190 && ms < 5000);
    CHECK_EQ_INT(FspFileSystemNotifyEnd(r.fs), STATUS_INVALID_PARAMETER); /* no Begin held */

    pthread_mutex_lock(&r.m);
    r.state = 2;
    pthread_cond_broadcast(&r.c);
    pthread_mutex_unlock(&r.m);
    pthread_join(t, NULL);
    CHECK_EQ_INT(FspFileSystemNotifyBegin(r.fs, 1000), STATUS_SUCCESS);
    CHECK_EQ_INT(FspFileSystemNotifyEnd(r.fs), STATUS_SUCCESS);
    FspFileSystemDelete(r.fs);
    pthread_mutex_destroy(&r.m);
    pthread_cond_destroy(&r.c);
}

static struct fsp_node *link_name(struct fsp_native *nt, struct fsp_node *parent, const WCHAR *name,
                                  uint64_t ino)
{
    size_t n = 0;
    while (name[n])
        n++;
    return fsp_node_link(nt, parent, name, n, ino, true); /* as LOOKUP does */
}

static struct fsp_node *find_name(struct fsp_native *nt, struct fsp_node *parent, const WCHAR *name)
{
    size_t n = 0;
    while (name[n])
        n++;
    struct fsp_node *node = fsp_node_find(nt, parent, name, n);
    if (node)
        fsp_node_put(nt, node);
    return node;
}

TEST(records_update_the_node_table)
{
    FSP_FILE_SYSTEM *fs = make_fs();
    struct fsp_native *nt = fs->Native;
    struct fsp_node *dir = link_name(nt, nt->root, u"dir", 2);
    struct fsp_node *f = link_name(nt, dir, u"f", 3);
    struct fsp_node *g = link_name(nt, dir, u"g", 4);
    struct fsp_node *h = link_name(nt, dir, u"h", 5);
    _Alignas(8) UINT8 buf[256];
    ULONG size = 0;

    /* A removed name leaves the table. */
    add(buf, sizeof buf, &size, FILE_ACTION_REMOVED, "\\dir\\f");
    CHECK_EQ_INT(FspFileSystemNotify(fs, (FSP_FSCTL_NOTIFY_INFO *)buf, size), STATUS_SUCCESS);
    CHECK(find_name(nt, dir, u"f") == NULL);
    CHECK(f->unlinked);

    /* A rename pair moves the node, replacing the target's. */
    size = 0;
    add(buf, sizeof buf, &size, FILE_ACTION_RENAMED_OLD_NAME, "\\dir\\g");
    add(buf, sizeof buf, &size, FILE_ACTION_RENAMED_NEW_NAME, "\\dir\\h");
    CHECK_EQ_INT(FspFileSystemNotify(fs, (FSP_FSCTL_NOTIFY_INFO *)buf, size), STATUS_SUCCESS);
    CHECK(find_name(nt, dir, u"g") == NULL);
    CHECK(find_name(nt, dir, u"h") == g);
    CHECK(h->unlinked);

    /* An old name without its new one: the name is gone. */
    size = 0;
    add(buf, sizeof buf, &size, FILE_ACTION_RENAMED_OLD_NAME, "\\dir\\h");
    add(buf, sizeof buf, &size, FILE_ACTION_MODIFIED, "\\dir");
    CHECK_EQ_INT(FspFileSystemNotify(fs, (FSP_FSCTL_NOTIFY_INFO *)buf, size), STATUS_SUCCESS);
    CHECK(find_name(nt, dir, u"h") == NULL);
    CHECK(find_name(nt, nt->root, u"dir") == dir);

    /* Names under an unknown directory, and added names, create nothing. */
    size_t before = nt->nnodes;
    size = 0;
    add(buf, sizeof buf, &size, FILE_ACTION_ADDED, "\\other\\x");
    add(buf, sizeof buf, &size, FILE_ACTION_ADDED, "\\dir\\new");
    CHECK_EQ_INT(FspFileSystemNotify(fs, (FSP_FSCTL_NOTIFY_INFO *)buf, size), STATUS_SUCCESS);
    CHECK_EQ_INT(nt->nnodes, before);
    FspFileSystemDelete(fs);
}

TEST(case_insensitive_names_find_the_kernel_spelling)
{
    FSP_FILE_SYSTEM *fs = make_fs_ci(true);
    struct fsp_native *nt = fs->Native;
    struct fsp_node *dir = link_name(nt, nt->root, u"Dir", 2);
    struct fsp_node *f = link_name(nt, dir, u"File", 3);
    _Alignas(8) UINT8 buf[256];
    ULONG size = 0;
    add(buf, sizeof buf, &size, FILE_ACTION_RENAMED_OLD_NAME, "\\DIR\\FILE");
    add(buf, sizeof buf, &size, FILE_ACTION_RENAMED_NEW_NAME, "\\DIR\\Other");
    CHECK_EQ_INT(FspFileSystemNotify(fs, (FSP_FSCTL_NOTIFY_INFO *)buf, size), STATUS_SUCCESS);
    CHECK(find_name(nt, dir, u"OTHER") == f);
    CHECK(f->namelen == 5 && !memcmp(f->name, u"Other", 5 * sizeof(WCHAR))); /* new case */
    size = 0;
    add(buf, sizeof buf, &size, FILE_ACTION_REMOVED, "\\dir\\other");
    CHECK_EQ_INT(FspFileSystemNotify(fs, (FSP_FSCTL_NOTIFY_INFO *)buf, size), STATUS_SUCCESS);
    CHECK(find_name(nt, dir, u"Other") == NULL);
    CHECK(f->unlinked);
    FspFileSystemDelete(fs);
}

/* notify sends each record of buf (size bytes) and expects success. */
static void notify_all(FSP_FILE_SYSTEM *fs, UINT8 *buf, ULONG size)
{
    CHECK_EQ_INT(FspFileSystemNotify(fs, (FSP_FSCTL_NOTIFY_INFO *)buf, size), STATUS_SUCCESS);
}

TEST(removed_and_renamed_files_take_their_streams)
{
    FSP_FILE_SYSTEM *fs = make_volume(false, true);
    struct fsp_native *nt = fs->Native;
    struct fsp_node *dir = link_name(nt, nt->root, u"dir", 2);
    struct fsp_node *f = link_name(nt, dir, u"f", 3);
    struct fsp_node *f_s = link_name(nt, dir, u"f:s", 3);
    struct fsp_node *fx_s = link_name(nt, dir, u"fx:s", 4); /* another file's */
    struct fsp_node *g_s = link_name(nt, dir, u"g:s", 5);   /* "g" never looked up */
    struct fsp_node *h = link_name(nt, dir, u"h", 6);
    struct fsp_node *h_t = link_name(nt, dir, u"h:t", 6);
    struct fsp_node *m_u = link_name(nt, dir, u"m:u", 7);
    struct fsp_node *p_s = link_name(nt, dir, u"p:s", 8);
    _Alignas(8) UINT8 buf[256];
    ULONG size = 0;
    CHECK(f_s->stream && h_t->stream && !f->stream);

    /* Removed: the file's streams lose their names, another file's keep
     * theirs; so do a file's whose own node the kernel never met. */
    add(buf, sizeof buf, &size, FILE_ACTION_REMOVED, "\\dir\\f");
    add(buf, sizeof buf, &size, FILE_ACTION_REMOVED, "\\dir\\g");
    notify_all(fs, buf, size);
    CHECK(find_name(nt, dir, u"f") == NULL && f->unlinked);
    CHECK(find_name(nt, dir, u"f:s") == NULL && f_s->unlinked);
    CHECK(find_name(nt, dir, u"g:s") == NULL && g_s->unlinked);
    CHECK(find_name(nt, dir, u"fx:s") == fx_s && !fx_s->unlinked);

    /* Renamed onto m: h's streams now live under the new name (the kernel
     * looks them up again), and m's died with the file m was. */
    size = 0;
    add(buf, sizeof buf, &size, FILE_ACTION_RENAMED_OLD_NAME, "\\dir\\h");
    add(buf, sizeof buf, &size, FILE_ACTION_RENAMED_NEW_NAME, "\\dir\\m");
    notify_all(fs, buf, size);
    CHECK(find_name(nt, dir, u"m") == h);
    CHECK(find_name(nt, dir, u"h:t") == NULL && h_t->unlinked);
    CHECK(find_name(nt, dir, u"m:u") == NULL && m_u->unlinked);

    /* An old name whose new one is somewhere the kernel does not know. */
    size = 0;
    add(buf, sizeof buf, &size, FILE_ACTION_RENAMED_OLD_NAME, "\\dir\\p");
    add(buf, sizeof buf, &size, FILE_ACTION_RENAMED_NEW_NAME, "\\elsewhere\\p");
    notify_all(fs, buf, size);
    CHECK(find_name(nt, dir, u"p:s") == NULL && p_s->unlinked);

    /* A new file of an old name meets none of the old streams. */
    struct fsp_node *f2_s = link_name(nt, dir, u"f:s", 9);
    CHECK(f2_s != f_s && f2_s->ino != f_s->ino);
    FspFileSystemDelete(fs);
}

int main(void)
{
    RUN(add_notify_info_aligns_records);
    RUN(notify_validates_records);
    RUN(begin_end_pairing);
    RUN(begin_times_out_during_a_rename);
    RUN(records_update_the_node_table);
    RUN(case_insensitive_names_find_the_kernel_spelling);
    RUN(removed_and_renamed_files_take_their_streams);
    return CHECK_DONE();
}
