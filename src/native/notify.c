/*
 * notify.c - FspFileSystemNotifyBegin/Notify/NotifyEnd: a file system tells
 * the kernel about changes it made itself (not through the mount), so that
 * caches kept with a long FileInfoTimeout show them at once.
 *
 * WinFsp's FSD invalidates its own caches and raises directory change
 * notifications; here the caches are the kernel's (dentries, attributes, page
 * cache), so each record becomes FUSE notifications about what the kernel
 * knows. A name is resolved against the node table without creating
 * anything: a file or directory the kernel never looked up has nothing
 * cached, and needs nothing.
 *
 *   FILE_ACTION_ADDED            inval_entry(parent, name): drops a cached
 *                                "no such file" (and a stale positive entry,
 *                                whose inode is invalidated too)
 *   FILE_ACTION_REMOVED          delete(parent, child, name): the kernel drops
 *                                the dentry and the inode loses its link (open
 *                                descriptors see st_nlink 0); the node leaves
 *                                the table. inval_entry when the kernel cannot
 *                                do that (a directory with cached children, an
 *                                unknown child). No FUSE notification raises
 *                                inotify events (Linux 6.18 checked): only
 *                                changes through the mount do.
 *   FILE_ACTION_MODIFIED         inval_inode(child): attributes, and the page
 *                                cache too when the Filter says the data may
 *                                have changed (SIZE, LAST_WRITE, STREAM_*, or
 *                                no filter bits at all)
 *   FILE_ACTION_RENAMED_OLD_NAME inval_entry on the old name; the node is
 *   + RENAMED_NEW_NAME           moved to the new name, so the kernel's inode
 *                                (and whoever holds it open) carries over
 *   anything else                inval_inode(child) and inval_entry
 * The parent's attributes (mtime, nlink) are invalidated by the kernel with
 * every inval_entry and delete. On a volume with stream names
 * (UmNamedStreamNames), a file removed or renamed takes its streams' names
 * along ("file:stream" nodes, streams.c): they leave the node table and get
 * an inval_entry each, as after an UNLINK or RENAME through the mount, so a
 * later file of that name never reaches the old file's stream nodes.
 *
 * Locking. NotifyBegin takes the rename lock shared (renames through the
 * mount take it exclusive, ops_ns.c), so the names the file system reports
 * mean the same files to the node table while it notifies; STATUS_CANT_WAIT
 * when a rename holds it longer than Timeout ms. The kernel, however, takes
 * the parent directory's lock to apply a notification, and a create, unlink
 * or rename through the mount holds that lock while it waits for our reply:
 * sending while holding the rename lock could deadlock with a rename waiting
 * for it. So Notify only resolves names and queues what to send; NotifyEnd
 * releases the lock and then sends. A caller on one of the session's worker
 * threads (the file system notifying from inside a callback) must not block
 * in the kernel either: its notifications go to a helper thread instead.
 * Otherwise they have reached the kernel when NotifyEnd returns.
 */
#define _GNU_SOURCE /* pthread_rwlock_clockrdlock, pthread_rwlockattr_setkind_np */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "native.h"
#include "native/gate.h"
#include "streams.h"
#include "utf.h"

/* One FUSE notification waiting to be sent. */
enum rec_kind { REC_INVAL_ENTRY, REC_DELETE, REC_INVAL_INODE };

struct rec {
    enum rec_kind kind;
    uint64_t parent; /* inval_entry, delete */
    uint64_t child;  /* delete, inval_inode */
    int64_t off;     /* inval_inode: 0 = attributes and data, -1 = attributes */
    char *name;      /* UTF-8, as the kernel names it */
    size_t namelen;
};

/* The notifications of one NotifyBegin..NotifyEnd on one thread. */
struct batch {
    FSP_FILE_SYSTEM *fs;
    struct batch *next; /* the thread's other batches, or the helper's queue */
    unsigned depth;     /* nested NotifyBegin calls */
    bool locked;        /* holds the rename lock (not when we are the renamer):
                           only then does the batch change the node table */
    struct rec *recs;
    size_t count, cap;
    /* A RENAMED_OLD_NAME waiting for its RENAMED_NEW_NAME. */
    struct fsp_node *old_parent, *old_node;
    WCHAR *old_name;
    size_t old_len;
    /* The directory whose kept listing the last record dropped: a run of
     * changes in one directory needs that only once, as all are sent at
     * NotifyEnd, after the file system made them. */
    uint64_t listing_dropped;
};

struct fsp_notify {
    pthread_rwlock_t rename_lock;
    /* Senders and the helper thread; guarded by lock. */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    unsigned senders;
    struct batch *queue, *queue_tail;
    bool helper_running, helper_stop;
    pthread_t helper;
};

static _Thread_local struct batch *tls_batches;

/* --- Lifecycle --------------------------------------------------------------- */

int fsp_notify_init(struct fsp_native *nt)
{
    struct fsp_notify *n = calloc(1, sizeof *n);
    if (!n)
        return -ENOMEM;
    /* Readers first (glibc's default, made explicit): a file system that
     * nests NotifyBegin inside a callback must not wait behind a rename. */
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_READER_NP);
    pthread_rwlock_init(&n->rename_lock, &attr);
    pthread_rwlockattr_destroy(&attr);
    pthread_mutex_init(&n->lock, NULL);
    pthread_cond_init(&n->cond, NULL);
    nt->notify = n;
    return 0;
}

static void batch_free(struct batch *b)
{
    for (size_t i = 0; i < b->count; i++)
        free(b->recs[i].name);
    free(b->recs);
    free(b->old_name);
    free(b);
}

void fsp_notify_quiesce(struct fsp_native *nt)
{
    struct fsp_notify *n = nt->notify;
    if (!n)
        return;
    pthread_mutex_lock(&n->lock);
    bool join = n->helper_running;
    n->helper_stop = true;
    pthread_cond_broadcast(&n->cond);
    while (n->senders)
        pthread_cond_wait(&n->cond, &n->lock);
    pthread_mutex_unlock(&n->lock);
    if (join)
        pthread_join(n->helper, NULL);
    pthread_mutex_lock(&n->lock);
    n->helper_running = false;
    n->helper_stop = false;
    pthread_mutex_unlock(&n->lock);
}

void fsp_notify_fini(struct fsp_native *nt)
{
    struct fsp_notify *n = nt->notify;
    if (!n)
        return;
    fsp_notify_quiesce(nt);
    while (n->queue) {
        struct batch *b = n->queue;
        n->queue = b->next;
        batch_free(b);
    }
    pthread_rwlock_destroy(&n->rename_lock);
    pthread_mutex_destroy(&n->lock);
    pthread_cond_destroy(&n->cond);
    free(n);
    nt->notify = NULL;
}

void fsp_notify_rename_lock(struct fsp_native *nt)
{
    pthread_rwlock_wrlock(&nt->notify->rename_lock);
}

void fsp_notify_rename_unlock(struct fsp_native *nt)
{
    pthread_rwlock_unlock(&nt->notify->rename_lock);
}

/* --- Sending ---------------------------------------------------------------- */

/* Send a batch's notifications. The session may be going away: a sender
 * counts itself while it uses it, and fsp_notify_quiesce (called before the
 * session is destroyed) waits for the count to drop. -ENOENT is the kernel
 * saying it has nothing cached under that id or name: nothing to do. */
static void send_batch(struct fsp_native *nt, struct batch *b)
{
    struct fsp_notify *n = nt->notify;
    pthread_mutex_lock(&nt->state_lock);
    struct fsp_session *se = nt->stopping ? NULL : nt->session;
    pthread_mutex_lock(&n->lock);
    if (se)
        n->senders++;
    pthread_mutex_unlock(&n->lock);
    pthread_mutex_unlock(&nt->state_lock);
    if (!se)
        return;

    for (size_t i = 0; i < b->count; i++) {
        const struct rec *r = &b->recs[i];
        switch (r->kind) {
        case REC_INVAL_ENTRY:
            fsp_notify_inval_entry(se, r->parent, r->name, r->namelen);
            break;
        case REC_DELETE:
            /* Refused for a directory with cached children (ENOTEMPTY) or
             * when the cached dentry is another inode: then just drop it. */
            if (fsp_notify_delete(se, r->parent, r->child, r->name, r->namelen) < 0)
                fsp_notify_inval_entry(se, r->parent, r->name, r->namelen);
            break;
        case REC_INVAL_INODE:
            fsp_notify_inval_inode(se, r->child, r->off, 0);
            break;
        }
    }

    pthread_mutex_lock(&n->lock);
    n->senders--;
    pthread_cond_broadcast(&n->cond);
    pthread_mutex_unlock(&n->lock);
}

static void *helper_main(void *arg)
{
    struct fsp_native *nt = arg;
    struct fsp_notify *n = nt->notify;
    pthread_mutex_lock(&n->lock);
    for (;;) {
        while (!n->queue && !n->helper_stop)
            pthread_cond_wait(&n->cond, &n->lock);
        if (!n->queue)
            break;
        struct batch *b = n->queue;
        n->queue = b->next;
        if (!n->queue)
            n->queue_tail = NULL;
        pthread_mutex_unlock(&n->lock);
        send_batch(nt, b);
        batch_free(b);
        pthread_mutex_lock(&n->lock);
    }
    pthread_mutex_unlock(&n->lock);
    return NULL;
}

/* Called on a worker thread: hand the batch to the helper. */
static void post_batch(struct fsp_native *nt, struct batch *b)
{
    struct fsp_notify *n = nt->notify;
    pthread_mutex_lock(&n->lock);
    if (n->helper_stop) {
        pthread_mutex_unlock(&n->lock);
        batch_free(b); /* the session is going: nothing left to invalidate */
        return;
    }
    if (!n->helper_running) {
        if (pthread_create(&n->helper, NULL, helper_main, nt) != 0) {
            pthread_mutex_unlock(&n->lock);
            fsp_log("fsp: cannot start the notification thread; notifications dropped");
            batch_free(b);
            return;
        }
        n->helper_running = true;
    }
    b->next = NULL;
    if (n->queue_tail)
        n->queue_tail->next = b;
    else
        n->queue = b;
    n->queue_tail = b;
    pthread_cond_broadcast(&n->cond);
    pthread_mutex_unlock(&n->lock);
}

static void deliver(struct fsp_native *nt, struct batch *b)
{
    if (!b->count) {
        batch_free(b);
        return;
    }
    pthread_mutex_lock(&nt->state_lock);
    bool on_worker = nt->session && fsp_session_on_worker(nt->session);
    pthread_mutex_unlock(&nt->state_lock);
    if (on_worker) {
        post_batch(nt, b);
        return;
    }
    send_batch(nt, b);
    batch_free(b);
}

/* --- Resolving names ------------------------------------------------------------ */

/* Room for one more record, zeroed (not yet counted), or NULL. */
static struct rec *next_rec(struct batch *b)
{
    if (b->count == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 8;
        struct rec *r = realloc(b->recs, cap * sizeof *r);
        if (!r)
            return NULL;
        b->recs = r;
        b->cap = cap;
    }
    struct rec *r = &b->recs[b->count];
    memset(r, 0, sizeof *r);
    return r;
}

static bool add_rec(struct batch *b, enum rec_kind kind, uint64_t parent, uint64_t child,
                    int64_t off, const WCHAR *name, size_t len)
{
    struct rec *r = next_rec(b);
    if (!r)
        return false;
    r->kind = kind;
    r->parent = parent;
    r->child = child;
    r->off = off;
    if (name) {
        int n = fsp_utf16_to_utf8(name, len, NULL, 0, FSP_UTF_TRANSLATE);
        if (n < 0)
            return true; /* no name the kernel could have looked up */
        r->name = malloc((size_t)n + 1);
        if (!r->name)
            return false;
        fsp_utf16_to_utf8(name, len, r->name, (size_t)n + 1, FSP_UTF_TRANSLATE);
        r->namelen = (size_t)n;
    }
    b->count++;
    return true;
}

/* The stream nodes named in gone (fsp_node_unlink_streams) lost their file:
 * the kernel drops its entries for them too. Takes the names over, and
 * frees gone; FALSE when out of memory. */
static bool add_gone(struct batch *b, uint64_t parent, struct fsp_streams_gone *gone)
{
    bool ok = true;
    for (size_t i = 0; i < gone->count; i++) {
        struct rec *r = gone->names[i] && ok ? next_rec(b) : NULL;
        if (!r) {
            ok = ok && !gone->names[i]; /* a name nodes.c could not convert */
            free(gone->names[i]);
            continue;
        }
        r->kind = REC_INVAL_ENTRY;
        r->parent = parent;
        r->name = gone->names[i];
        r->namelen = strlen(r->name);
        b->count++;
    }
    free(gone->names);
    gone->names = NULL;
    gone->count = 0;
    return ok;
}

/* The node of the directory "\a\b" (len WCHARs; "" is the root), +1 ref,
 * or NULL when the kernel does not know it. */
static struct fsp_node *find_dir(struct fsp_native *nt, const WCHAR *path, size_t len)
{
    struct fsp_node *node = fsp_node_get(nt, FUSE_ROOT_ID);
    size_t i = 0;
    while (node && i < len) {
        while (i < len && path[i] == u'\\')
            i++;
        size_t start = i;
        while (i < len && path[i] != u'\\')
            i++;
        if (i == start)
            break;
        struct fsp_node *child = fsp_node_find(nt, node, path + start, i - start);
        fsp_node_put(nt, node);
        node = child;
    }
    return node;
}

/* Data bits of a Filter: the page cache may be stale. */
#define DATA_FILTER                                                                             \
    (FILE_NOTIFY_CHANGE_SIZE | FILE_NOTIFY_CHANGE_LAST_WRITE | FILE_NOTIFY_CHANGE_STREAM_SIZE | \
     FILE_NOTIFY_CHANGE_STREAM_WRITE)

/* The end of a rename: a RENAMED_OLD_NAME that no RENAMED_NEW_NAME followed
 * (the file moved somewhere the kernel does not know, its old name is simply
 * gone), or one whose file already moved to its new name. Either way the
 * file's streams went with it: their nodes lose the old names, whether or
 * not the file's own node was known ("cat f:s" looks up the stream alone).
 * FALSE when out of memory. */
static bool drop_old(struct fsp_native *nt, struct batch *b)
{
    struct fsp_streams_gone gone = {NULL, 0};
    if (b->old_node) {
        fsp_node_unlink(nt, b->old_parent, b->old_name, b->old_len, NULL);
        fsp_node_put(nt, b->old_node);
    }
    if (!fsp_stream_name_is(b->old_name, b->old_len))
        fsp_node_unlink_streams(nt, b->old_parent, b->old_name, b->old_len, &gone);
    bool ok = add_gone(b, b->old_parent->nodeid, &gone);
    fsp_node_put(nt, b->old_parent);
    free(b->old_name);
    b->old_parent = b->old_node = NULL;
    b->old_name = NULL;
    return ok;
}

static bool remember_old(struct batch *b, struct fsp_node *parent, struct fsp_node *node,
                         const WCHAR *name, size_t len)
{
    b->old_name = malloc((len + 1) * sizeof(WCHAR));
    if (!b->old_name)
        return false;
    memcpy(b->old_name, name, len * sizeof(WCHAR));
    b->old_name[len] = 0;
    b->old_len = len;
    b->old_parent = parent;
    b->old_node = node;
    return true;
}

/* Turn one record into notifications; FALSE when out of memory. */
static bool resolve(struct fsp_native *nt, struct batch *b, const FSP_FSCTL_NOTIFY_INFO *info)
{
    size_t len = (info->Size - sizeof *info) / sizeof(WCHAR);
    const WCHAR *path = info->FileNameBuf;
    while (len > 1 && path[len - 1] == u'\\')
        len--; /* "\dir\" names "\dir" */
    size_t slash = len;
    while (slash > 0 && path[slash - 1] != u'\\')
        slash--;
    const WCHAR *name = path + slash;
    size_t namelen = len - slash;

    bool dropped = true; /* no memory lacked for an earlier rename's streams */
    if (info->Action != FILE_ACTION_RENAMED_NEW_NAME && b->old_parent)
        dropped = drop_old(nt, b);

    if (namelen == 0) {
        /* The root itself: only its attributes and listing can change. */
        return add_rec(b, REC_INVAL_INODE, 0, FUSE_ROOT_ID, -1, NULL, 0) && dropped;
    }
    struct fsp_node *parent = find_dir(nt, path, slash ? slash - 1 : 0);
    if (!parent) {
        if (b->old_parent)
            dropped = drop_old(nt, b);
        return dropped; /* the kernel caches nothing under it */
    }
    struct fsp_node *child = fsp_node_find(nt, parent, name, namelen);
    uint64_t pid = parent->nodeid, cid = child ? child->nodeid : 0;
    struct fsp_streams_gone gone;
    bool ok = true;

    /* The kernel knows the name in the case it was looked up with, which on
     * a case-insensitive volume need not be the file system's: tell it about
     * its own spelling (the node's). */
    WCHAR kname[FSP_NAME_MAX + 1];
    const WCHAR *kn = name;
    size_t klen = namelen;
    if (child && nt->case_insensitive) {
        pthread_mutex_lock(&nt->nodes_lock);
        if (child->namelen <= FSP_NAME_MAX) {
            memcpy(kname, child->name, child->namelen * sizeof(WCHAR));
            kn = kname;
            klen = child->namelen;
        }
        pthread_mutex_unlock(&nt->nodes_lock);
    }

    /* A listing the kernel keeps (FOPEN_CACHE_DIR) goes with the
     * directory's pages: an inval_entry alone marks the directory changed
     * only where the kernel has a dentry for the name. */
    bool listing_ok = true;
    if (nt->cache_dir && info->Action != FILE_ACTION_MODIFIED && b->listing_dropped != pid) {
        listing_ok = add_rec(b, REC_INVAL_INODE, 0, pid, 0, NULL, 0);
        if (listing_ok)
            b->listing_dropped = pid;
    }

    switch (info->Action) {
    case FILE_ACTION_ADDED:
        ok = add_rec(b, REC_INVAL_ENTRY, pid, 0, 0, kn, klen);
        if (ok && child) /* a stale entry for a file that was replaced */
            ok = add_rec(b, REC_INVAL_INODE, 0, cid, 0, NULL, 0);
        break;
    case FILE_ACTION_REMOVED:
        if (child)
            ok = add_rec(b, REC_DELETE, pid, cid, 0, kn, klen);
        else
            ok = add_rec(b, REC_INVAL_ENTRY, pid, 0, 0, name, namelen);
        if (b->locked) {
            /* The file's streams die with it, known or not its own node. */
            fsp_node_unlink(nt, parent, name, namelen, &gone);
            ok = add_gone(b, pid, &gone) && ok;
        }
        break;
    case FILE_ACTION_MODIFIED:
        if (child)
            fsp_gate_forget(child); /* its descriptor too, perhaps (gate.c) */
        if (child)
            ok = add_rec(b, REC_INVAL_INODE, 0, cid,
                         !info->Filter || (info->Filter & DATA_FILTER) ? 0 : -1, NULL, 0);
        else /* perhaps cached as absent: the file system never said ADDED */
            ok = add_rec(b, REC_INVAL_ENTRY, pid, 0, 0, name, namelen);
        break;
    case FILE_ACTION_RENAMED_OLD_NAME:
        ok = add_rec(b, REC_INVAL_ENTRY, pid, 0, 0, kn, klen);
        if (ok && b->locked && remember_old(b, parent, child, name, namelen))
            return dropped && listing_ok; /* both references now belong to the batch */
        break;
    case FILE_ACTION_RENAMED_NEW_NAME:
        ok = add_rec(b, REC_INVAL_ENTRY, pid, 0, 0, kn, klen);
        if (b->old_parent && (!child || child != b->old_node)) {
            /* The new name replaced whatever had it, streams and all (a
             * case-only change finds the renamed file itself there). */
            fsp_node_unlink(nt, parent, name, namelen, &gone);
            ok = add_gone(b, pid, &gone) && ok;
        }
        if (b->old_node) {
            /* The file keeps its node, and so its kernel inode (after a
             * case-only change, with the new case). */
            if (fsp_node_move(nt, b->old_node, parent, name, namelen) != 0)
                fsp_node_unlink(nt, b->old_parent, b->old_name, b->old_len, NULL);
            fsp_node_put(nt, b->old_node);
            b->old_node = NULL;
        }
        if (b->old_parent) /* the old name's streams */
            ok = drop_old(nt, b) && ok;
        if (ok && child)
            ok = add_rec(b, REC_INVAL_INODE, 0, cid, 0, NULL, 0);
        break;
    default:
        if (child)
            ok = add_rec(b, REC_INVAL_INODE, 0, cid, 0, NULL, 0);
        if (ok)
            ok = add_rec(b, REC_INVAL_ENTRY, pid, 0, 0, kn, klen);
        break;
    }
    fsp_node_put(nt, child);
    fsp_node_put(nt, parent);
    return ok && dropped && listing_ok;
}

/* --- The API --------------------------------------------------------------------- */

static struct batch *find_batch(FSP_FILE_SYSTEM *fs)
{
    for (struct batch *b = tls_batches; b; b = b->next)
        if (b->fs == fs)
            return b;
    return NULL;
}

static void unlink_batch(struct batch *b)
{
    for (struct batch **p = &tls_batches; *p; p = &(*p)->next)
        if (*p == b) {
            *p = b->next;
            b->next = NULL;
            return;
        }
}

/* Shared rename lock, waiting at most timeout ms (INFINITE: for ever).
 * 0, ETIMEDOUT/EBUSY, or EDEADLK when this thread is renaming. */
static int lock_shared(struct fsp_notify *n, ULONG timeout)
{
    if (timeout == INFINITE)
        return pthread_rwlock_rdlock(&n->rename_lock);
    if (timeout == 0)
        return pthread_rwlock_tryrdlock(&n->rename_lock);
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += timeout / 1000;
    until.tv_nsec += (long)(timeout % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    return pthread_rwlock_clockrdlock(&n->rename_lock, CLOCK_MONOTONIC, &until);
}

FSP_API NTSTATUS FspFileSystemNotifyBegin(FSP_FILE_SYSTEM *FileSystem, ULONG Timeout)
{
    struct fsp_notify *n = FileSystem->Native->notify;
    struct batch *b = find_batch(FileSystem);
    if (b) {
        b->depth++;
        return STATUS_SUCCESS;
    }
    b = calloc(1, sizeof *b);
    if (!b)
        return STATUS_INSUFFICIENT_RESOURCES;
    int rc = lock_shared(n, Timeout);
    if (rc == EDEADLK) {
        /* Called from inside the file system's own Rename (through the
         * mount): the namespace cannot change under this thread, and the
         * adapter moves its nodes itself once Rename returns, so this batch
         * only invalidates and leaves the node table alone (!locked). */
        rc = 0;
    } else if (rc == 0)
        b->locked = true;
    if (rc != 0) {
        free(b);
        return STATUS_CANT_WAIT;
    }
    b->fs = FileSystem;
    b->depth = 1;
    b->next = tls_batches;
    tls_batches = b;
    return STATUS_SUCCESS;
}

FSP_API NTSTATUS FspFileSystemNotifyEnd(FSP_FILE_SYSTEM *FileSystem)
{
    struct fsp_native *nt = FileSystem->Native;
    struct batch *b = find_batch(FileSystem);
    if (!b)
        return STATUS_INVALID_PARAMETER; /* no NotifyBegin */
    if (--b->depth)
        return STATUS_SUCCESS;
    if (b->old_parent)
        drop_old(nt, b);
    unlink_batch(b);
    if (b->locked)
        pthread_rwlock_unlock(&nt->notify->rename_lock);
    deliver(nt, b);
    return STATUS_SUCCESS;
}

/* Records: Size (header and name) each, starting on 8-byte boundaries. */
static bool valid_records(const UINT8 *buf, ULONG size)
{
    ULONG pos = 0;
    while (pos < size) {
        if (size - pos < sizeof(FSP_FSCTL_NOTIFY_INFO))
            return false;
        const FSP_FSCTL_NOTIFY_INFO *info = (const void *)(buf + pos);
        ULONG rsize = info->Size;
        if (rsize < sizeof *info || rsize > size - pos || (rsize - sizeof *info) % sizeof(WCHAR))
            return false;
        pos += (ULONG)FSP_FSCTL_ALIGN_UP(rsize, FSP_FSCTL_DEFAULT_ALIGNMENT);
    }
    return true;
}

FSP_API NTSTATUS FspFileSystemNotify(FSP_FILE_SYSTEM *FileSystem, FSP_FSCTL_NOTIFY_INFO *NotifyInfo,
                                     ULONG Size)
{
    struct fsp_native *nt = FileSystem->Native;
    const UINT8 *buf = (const UINT8 *)NotifyInfo;
    if (!NotifyInfo || ((uintptr_t)buf & (FSP_FSCTL_DEFAULT_ALIGNMENT - 1)) ||
        !valid_records(buf, Size))
        return STATUS_INVALID_PARAMETER;

    /* Outside NotifyBegin/End: a batch of its own, sent before returning. */
    bool own = !find_batch(FileSystem);
    if (own) {
        NTSTATUS st = FspFileSystemNotifyBegin(FileSystem, INFINITE);
        if (!NT_SUCCESS(st))
            return st;
    }
    struct batch *b = find_batch(FileSystem);
    NTSTATUS st = STATUS_SUCCESS;
    for (ULONG pos = 0; pos < Size;) {
        const FSP_FSCTL_NOTIFY_INFO *info = (const void *)(buf + pos);
        if (!resolve(nt, b, info))
            st = STATUS_INSUFFICIENT_RESOURCES;
        pos += (ULONG)FSP_FSCTL_ALIGN_UP(info->Size, FSP_FSCTL_DEFAULT_ALIGNMENT);
    }
    if (own)
        FspFileSystemNotifyEnd(FileSystem);
    return st;
}

FSP_API BOOLEAN FspFileSystemAddNotifyInfo(FSP_FSCTL_NOTIFY_INFO *NotifyInfo, PVOID Buffer,
                                           ULONG Length, PULONG PBytesTransferred)
{
    UINT8 *buf = Buffer;
    ULONG pos = *PBytesTransferred;
    ULONG size = NotifyInfo->Size;
    ULONG aligned = (ULONG)FSP_FSCTL_ALIGN_UP(size, FSP_FSCTL_DEFAULT_ALIGNMENT);
    if (size < sizeof *NotifyInfo || pos > Length || Length - pos < aligned)
        return FALSE;
    memcpy(buf + pos, NotifyInfo, size);
    memset(buf + pos + size, 0, aligned - size);
    *PBytesTransferred = pos + aligned;
    return TRUE;
}
