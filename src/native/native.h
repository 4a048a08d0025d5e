/*
 * native.h - the native adapter's private state.
 *
 * The adapter is WinFsp's FSD re-expressed in user mode: it turns the FUSE
 * requests the kernel session decodes into FSP_FILE_SYSTEM_INTERFACE calls
 * with WinFsp semantics (full UTF-16 paths, Open/Create/Overwrite/Cleanup/
 * Close, NTSTATUS), and keeps what the kernel needs that a WinFsp file system
 * does not track: the inode table (FUSE node ids <-> names), open handles and
 * directory listings.
 */
#ifndef FSP_NATIVE_H
#define FSP_NATIVE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/types.h>

#include <winfsp/winfsp.h>

#include "kernel/session.h"

/* Longest path we build, in WCHARs (Linux PATH_MAX is 4096 bytes). */
#define FSP_PATH_MAX 4096
/* Longest single name, in WCHARs, before the volume's own limit applies. */
#define FSP_NAME_MAX 1024

/*
 * A node is the adapter's record of one kernel inode. It is named by its
 * parent and its name; paths are built by walking up to the root, so renaming
 * a directory renames everything below it for free. Nodes live until the
 * kernel forgets them (nlookup drops to 0) and no handle uses them.
 */
struct fsp_node {
    struct fsp_node *parent; /* NULL for the root and for unlinked nodes */
    struct fsp_node *hash_next;
    struct fsp_node *all_prev, *all_next; /* every live node, for teardown */
    WCHAR *name;                          /* stored case */
    uint16_t namelen;                     /* WCHARs */
    uint32_t hash;
    uint64_t nodeid;  /* what the kernel calls it */
    uint64_t ino;     /* st_ino: IndexNumber, or our own number */
    uint64_t nlookup; /* kernel references */
    uint32_t refs;    /* children, handles, in-flight requests */
    /* Type, mode and owner as last reported to the kernel: what is left to
     * say about a file whose name and last handle are gone (op_setattr);
     * st_blocks as last reported, for the writeback cache (op_write). */
    uint32_t mode, uid, gid;
    uint64_t blocks;
    bool unlinked;
    /* Legacy volumes (legacydel.c): open elsewhere when it was unlinked or
     * replaced, so it waits under a hidden name for its last Cleanup. */
    bool delete_pending;
    bool dirty;    /* written since the last Cleanup: pass the time flags */
    bool readonly; /* FILE_ATTRIBUTE_READONLY as last seen (readonly.c) */
    uint8_t kind;  /* FSP_NODE_UNKNOWN/FILE/DIR, from the attributes sent */
    bool stream;   /* a named stream, "file:stream" (streams.c); never changes */
    uint8_t gate;  /* FSP_GATE_UNKNOWN/EXACT/WINDOWS: is the descriptor POSIX-exact (gate.c) */
    /* Hard links (VolumeParams.HardLinks): the fields above hold the node's
     * first name; each further name is an alias record, a node that is only
     * a (parent, name) entry in the hash and never reaches the kernel. */
    struct fsp_node *alias_of;   /* in an alias record: the node it names */
    struct fsp_node *aliases;    /* the node's further names */
    struct fsp_node *alias_next; /* next alias record of the same node */
    struct fsp_node *ino_next;   /* chain in the IndexNumber index */
    bool ino_indexed;
    struct fsp_handle *handles; /* open handles, for files that lost their name */
    uint32_t closing;           /* handles off that list, not Closed yet; nodes_lock */
    pthread_rwlock_t io_lock;   /* per-file serialization, as the FSD does it */
};

/* One open file or directory (the kernel's fh). */
struct fsp_handle {
    struct fsp_node *node;
    struct fsp_handle *next_on_node; /* guarded by nodes_lock */
    uint32_t pins;                   /* fsp_node_call_open users; nodes_lock */
    PVOID context;                   /* the file system's FileContext */
    /* Handles sharing context (a reopen of a file without a name) share this
     * count, nodes_lock; NULL while the context is the handle's alone. */
    uint32_t *ctx_users;
    bool is_dir;
    /* Directory listing snapshot, taken at offset 0: stable cookies for
     * seekdir/telldir. Record i (1-based after "." and "..") is at
     * list_off[i]. */
    pthread_mutex_t list_lock;
    char *list; /* packed struct fsp_listent records */
    size_t list_size, list_cap;
    uint32_t *list_off;
    uint32_t list_count, list_offcap;
    bool list_valid;
};

struct fsp_listent {
    FSP_FSCTL_FILE_INFO info;
    uint16_t namelen; /* UTF-8 bytes */
    char name[];      /* UTF-8, NUL-terminated */
};

struct fsp_native {
    FSP_FILE_SYSTEM *fs;
    struct fsp_session *session;
    char *mountpoint;     /* UTF-8 */
    bool mountpoint_made; /* we created the directory (NULL mount point) */
    uint32_t mount_uid, mount_gid;

    /* Cache policy from FileInfoTimeout */
    uint64_t attr_sec;
    uint32_t attr_nsec;
    bool keep_cache;
    bool cache_dir; /* the kernel keeps directory listings (ops_open.c) */
    /* INFINITE with UmWritebackCache also caches writes
     * (FUSE_WRITEBACK_CACHE); set at INIT to what the kernel agreed to. */
    bool writeback;

    bool case_insensitive;
    /* "file:stream" names reach named streams (NamedStreams and
     * UmNamedStreamNames; streams.c) */
    bool stream_names;
    bool has_security; /* GetSecurity or GetSecurityByName */
    /* SupportsPosixUnlinkRename: names of open files may be deleted and
     * replaced at once; otherwise legacydel.c hides them until last close. */
    bool posix_unlink;

    /* Node table: keyed by (parent, name), case-folded on case-insensitive
     * volumes. Guarded by nodes_lock, which is never held across a call into
     * the file system. */
    pthread_mutex_t nodes_lock;
    pthread_cond_t pins_cond; /* a handle's last pin went (fsp_handle_unlink waits) */
    struct fsp_node **buckets;
    size_t nbuckets, nnodes;
    struct fsp_node *root;
    struct fsp_node *all_nodes; /* linked or not: unlinked ones leave the hash */
    uint64_t next_ino;
    /* With hard links a file is found by IndexNumber too, so that all its
     * names lead to one node id (the kernel needs one inode per file). Holds
     * named nodes whose ino is the file system's; nbuckets chains, like the
     * name hash. */
    bool hard_links;
    struct fsp_node **ino_buckets;

    /* The dispatcher */
    pthread_mutex_t state_lock;
    pthread_cond_t state_cond;
    bool started;     /* the dispatcher runs (until StopDispatcher) */
    bool stopped;     /* StopDispatcher asked; later also "it has ended" */
    bool waiter_done; /* the session ended and DispatcherStopped was called */
    bool stopping;    /* a StopDispatcher call is tearing down */
    pthread_t waiter;

    struct fsp_notify *notify; /* change notifications and the rename lock (notify.c) */
};

/* --- nodes.c -------------------------------------------------------------- */
enum { FSP_NODE_UNKNOWN, FSP_NODE_FILE, FSP_NODE_DIR };
int fsp_nodes_init(struct fsp_native *nt);
void fsp_nodes_fini(struct fsp_native *nt);
struct fsp_node *fsp_node_get(struct fsp_native *nt, uint64_t nodeid); /* +1 ref */
void fsp_node_put(struct fsp_native *nt, struct fsp_node *node);
/* Find or create the child (parent, name); takes a kernel lookup reference
 * when `lookup` is set (LOOKUP, CREATE, MKDIR, READDIRPLUS), else a ref. */
struct fsp_node *fsp_node_link(struct fsp_native *nt, struct fsp_node *parent, const WCHAR *name,
                               size_t namelen, uint64_t ino, bool lookup);
void fsp_node_forget(struct fsp_native *nt, uint64_t nodeid, uint64_t nlookup);
struct fsp_streams_gone;
/* The name (parent, name) is gone: detach its node, if we know it. With
 * gone (see fsp_node_unlink_streams), the file's streams go with it. */
void fsp_node_unlink(struct fsp_native *nt, struct fsp_node *parent, const WCHAR *name,
                     size_t namelen, struct fsp_streams_gone *gone);
/* The file (dir, name) was deleted or renamed, and its streams went with it:
 * the nodes named "name:..." in dir lose their names now (call under the
 * namespace guard, with the change), and their names are kept in gone (set,
 * not added to) for fsp_streams_forget. A no-op unless the volume has
 * stream names (streams.h). */
void fsp_node_unlink_streams(struct fsp_native *nt, struct fsp_node *dir, const WCHAR *name,
                             size_t namelen, struct fsp_streams_gone *gone);
/* Move node to (newparent, newname); the caller has unlinked any target. */
int fsp_node_move(struct fsp_native *nt, struct fsp_node *node, struct fsp_node *newparent,
                  const WCHAR *newname, size_t newlen);
/* The name (olddir, oldname) became (newdir, newname): move that name of its
 * node (one of several for a hard-linked file), if known. The caller has
 * unlinked any target. With gone, the file's streams lose their old names
 * (fsp_node_unlink_streams). */
int fsp_node_rename(struct fsp_native *nt, struct fsp_node *olddir, const WCHAR *oldname,
                    size_t oldlen, struct fsp_node *newdir, const WCHAR *newname, size_t newlen,
                    struct fsp_streams_gone *gone);
/* A hard link made node known as (parent, name) too: record the name and
 * take a kernel lookup reference (LINK's reply counts as one). */
int fsp_node_add_name(struct fsp_native *nt, struct fsp_node *node, struct fsp_node *parent,
                      const WCHAR *name, size_t namelen);
/* The node's own name is gone (it has no other): detach it. */
void fsp_node_drop(struct fsp_native *nt, struct fsp_node *node);
/* Record what the kernel was told the node is (from the mode). */
void fsp_node_set_kind(struct fsp_node *node, uint32_t mode);
/* Find the child (parent, name) without creating it; +1 ref or NULL. */
struct fsp_node *fsp_node_find(struct fsp_native *nt, struct fsp_node *parent, const WCHAR *name,
                               size_t namelen);
/* Write the node's full path ("\a\b"), NUL-terminated, into buf (FSP_PATH_MAX
 * WCHARs); with a name, the path of that child. Returns its length in WCHARs,
 * -ENOENT for an unlinked node, -ENAMETOOLONG. */
int fsp_node_path(struct fsp_native *nt, struct fsp_node *node, const WCHAR *child, size_t childlen,
                  WCHAR *buf);

/* --- legacydel.c: POSIX unlink/rename without SupportsPosixUnlinkRename -- */
/* Whether (dir, name) is a hidden name of a delete-pending file. */
bool fsp_legacy_hidden(struct fsp_native *nt, struct fsp_node *dir, const WCHAR *name,
                       size_t namelen);
/* The node (+1 ref) of (dir, name) if deleting that name must wait for its
 * open handles (legacy volume, a single name, open); else NULL. */
struct fsp_node *fsp_legacy_must_hide(struct fsp_native *nt, struct fsp_node *dir,
                                      const WCHAR *name, size_t namelen,
                                      const FSP_FSCTL_FILE_INFO *info);
/* Rename the open file ctx (path, node) to a hidden name, delete-pending;
 * its streams' names go into gone (fsp_node_rename). */
NTSTATUS fsp_legacy_hide(struct fsp_native *nt, struct fsp_node *dir, const WCHAR *name,
                         size_t namelen, struct fsp_node *node, PVOID ctx, PWSTR path,
                         struct fsp_streams_gone *gone);
/* Undo fsp_legacy_hide: the node is (dir, name) again. */
void fsp_legacy_unhide(struct fsp_native *nt, struct fsp_node *node, struct fsp_node *dir,
                       const WCHAR *name, size_t namelen);
/* A context of node outlives the request's reply (+1 node ref): it counts
 * as open until fsp_legacy_closed, which the caller follows by a put. */
void fsp_legacy_closing(struct fsp_native *nt, struct fsp_node *node);
/* A handle of node was Closed (after fsp_handle_unlink): if it was the last
 * of a delete-pending file, delete it now, as WinFsp's FSD does at the
 * Cleanup of a delete-pending file's last handle. */
void fsp_legacy_closed(struct fsp_native *nt, struct fsp_node *node);

/* --- readonly.c: READONLY files keep their data (EPERM, as immutable) ---- */
/* The status for a refused change of data: EPERM, what ext4 answers for
 * an immutable file. */
#define FSP_STATUS_READONLY_FILE STATUS_PRIVILEGE_NOT_HELD
/* Record the attributes the file system reported for node. */
void fsp_readonly_note(struct fsp_node *node, UINT32 attributes);
/* Read them again through ctx after the adapter changed them. */
void fsp_readonly_refresh(struct fsp_native *nt, struct fsp_node *node, PVOID ctx);
/* Whether an open with these O_ flags, or a WRITE, must be refused. */
bool fsp_readonly_refuses_open(struct fsp_node *node, uint32_t flags);
bool fsp_readonly_refuses_write(struct fsp_node *node);

/* --- notify.c ------------------------------------------------------------ */
int fsp_notify_init(struct fsp_native *nt);
/* Before the session goes away: wait for notifications being sent. */
void fsp_notify_quiesce(struct fsp_native *nt);
void fsp_notify_fini(struct fsp_native *nt);
/* Renames through the mount hold this (exclusive) while they change names,
 * NotifyBegin..NotifyEnd shared. Take it after the operation guard. */
void fsp_notify_rename_lock(struct fsp_native *nt);
void fsp_notify_rename_unlock(struct fsp_native *nt);

/* --- attr.c --------------------------------------------------------------- */
/* Fill a FUSE attribute from FileInfo and the file's descriptor (may be NULL). */
void fsp_attr_fill(struct fsp_native *nt, struct fsp_node *node, const FSP_FSCTL_FILE_INFO *info,
                   PSECURITY_DESCRIPTOR sd, struct fuse_attr *attr);
/* Security descriptor of an open file or a path (into buf, or a malloc'd
 * buffer when *psd != buf; free with fsp_sd_release). Returns NTSTATUS.
 * Like every call into the file system it runs under the operation guard,
 * which the caller holds: the one of its request (SHARED for a read by
 * path, as LOOKUP's), or FSP_GUARD_NONE on an open file. */
NTSTATUS fsp_sd_query(struct fsp_native *nt, PVOID context, PWSTR path, void *buf, size_t bufsize,
                      PSECURITY_DESCRIPTOR *psd);
/* fsp_sd_query of an open file for a caller that holds no guard: takes
 * FSP_GUARD_NONE around it, as every other call on an open file does. */
NTSTATUS fsp_sd_query_open(struct fsp_native *nt, PVOID context, void *buf, size_t bufsize,
                           PSECURITY_DESCRIPTOR *psd);
void fsp_sd_release(PSECURITY_DESCRIPTOR sd, void *buf);
/* The node's attributes through an open context. */
NTSTATUS fsp_attr_of_context(struct fsp_native *nt, struct fsp_node *node, PVOID context,
                             struct fuse_attr *attr);
/* The same, also giving the FSP_FSCTL_FILE_INFO it came from (info may be
 * NULL): STATX needs the CreationTime that fuse_attr has no room for. Both
 * call the file system under the caller's guard (see fsp_sd_query). */
NTSTATUS fsp_attr_info_of_context(struct fsp_native *nt, struct fsp_node *node, PVOID context,
                                  FSP_FSCTL_FILE_INFO *info, struct fuse_attr *attr);
/* The same for a caller that holds no lock (GETATTR, STATX), taking what
 * WinFsp's FSD takes for a QueryInformation: no namespace guard under FINE
 * (COARSE holds the whole request), and the file's lock (node->io_lock)
 * shared, so that GetFileInfo and GetSecurity never meet a write,
 * truncation or attribute change of the file; reads of it they may. */
NTSTATUS fsp_attr_query(struct fsp_native *nt, struct fsp_node *node, PVOID context,
                        FSP_FSCTL_FILE_INFO *info, struct fuse_attr *attr);
/* Complete attr from the reparse data: a symlink's size, a special file's
 * type and rdev. */
void fsp_attr_reparse(struct fsp_native *nt, const FSP_FSCTL_FILE_INFO *info, PVOID context,
                      PWSTR path, struct fuse_attr *attr);
void fsp_entry_fill(struct fsp_native *nt, struct fsp_node *node, struct fuse_entry_out *entry);
/* Keep what op_setattr needs for a file that is gone. Requests on one node
 * run in parallel, so the fields are stored and loaded atomically; any
 * recent value serves. */
static inline void fsp_node_remember(struct fsp_node *node, const struct fuse_attr *attr)
{
    __atomic_store_n(&node->mode, attr->mode, __ATOMIC_RELAXED);
    __atomic_store_n(&node->uid, attr->uid, __ATOMIC_RELAXED);
    __atomic_store_n(&node->gid, attr->gid, __ATOMIC_RELAXED);
    __atomic_store_n(&node->blocks, attr->blocks, __ATOMIC_RELAXED);
}

/* After a change of the file's allocation: whether st_blocks differs from
 * what the kernel was last told. If so, the new value is taken as told, as
 * the caller invalidates the kernel's attributes, which fetches it. */
static inline bool fsp_node_blocks_moved(struct fsp_node *node, UINT64 allocation_size)
{
    uint64_t blocks = (allocation_size + 511) / 512;
    return __atomic_exchange_n(&node->blocks, blocks, __ATOMIC_RELAXED) != blocks;
}

static inline bool fsp_is_symlink(const FSP_FSCTL_FILE_INFO *info)
{
    return (info->FileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) &&
           info->ReparseTag == IO_REPARSE_TAG_SYMLINK;
}

/* --- killpriv.c ----------------------------------------------------------- */
/* MODE with setuid/setgid cleared as Linux clears them after a write,
 * truncation or chown by the caller of hdr (file_gid: the file's group;
 * privileged: the caller holds CAP_FSETID, as far as we know). */
uint32_t fsp_killpriv_mode(const struct fuse_in_header *hdr, uint32_t mode, uint32_t file_gid,
                           bool privileged);
/* SetSecurity with sd's owner, group and DACL replaced by the POSIX ones. */
NTSTATUS fsp_set_posix_perms(struct fsp_native *nt, PVOID ctx, PSECURITY_DESCRIPTOR sd, UINT32 uid,
                             UINT32 gid, UINT32 mode);
/* Clear the open file's setuid/setgid after a write, truncation or chown by
 * the caller of hdr (the kernel's *_KILL_SUIDGID flags; privileged as for
 * fsp_killpriv_mode). The kernel drops its cached attributes after each of
 * those requests, so no notification is needed. */
NTSTATUS fsp_kill_suidgid(struct fsp_native *nt, PVOID ctx, const struct fuse_in_header *hdr,
                          bool privileged);

/* --- ops_*.c: request handlers ------------------------------------------- */
void fsp_native_fill_ops(struct fsp_session_ops *ops);
/* The operation guard (WinFsp's FINE/COARSE strategies). */
enum fsp_guard { FSP_GUARD_NONE, FSP_GUARD_SHARED, FSP_GUARD_EXCL };
void fsp_guard_enter(struct fsp_native *nt, enum fsp_guard kind);
void fsp_guard_leave(struct fsp_native *nt, enum fsp_guard kind);
/* Reply with the errno for a status. */
void fsp_reply_status(struct fsp_req *req, NTSTATUS status);
/* Per-operation context for FspFileSystemGetOperationContext. */
void fsp_opctx_set(struct fsp_req *req, FSP_FSCTL_TRANSACT_REQ *r, FSP_FSCTL_TRANSACT_RSP *p);
void fsp_opctx_clear(void);

/* An operation on an open file: fsp_node_call_open and fsp_with_file run it. */
typedef NTSTATUS fsp_file_fn(struct fsp_native *nt, struct fsp_node *node, PVOID context,
                             void *arg);
/* Run fn on the file of req's node through a short-lived Open with `access`
 * (or one of its handles if it has no name left); when `change`, a
 * successful fn is followed by Cleanup with cleanup_flags (withfile.c). */
NTSTATUS fsp_with_file(struct fsp_req *req, UINT32 access, bool change, ULONG cleanup_flags,
                       fsp_file_fn *fn, void *arg);

/* Handles: new links the handle into its node's list, free unlinks it;
 * unlink before Cleanup/Close so fsp_node_call_open never sees a closed one,
 * and call fsp_legacy_closed after Close (the node counts it as closing). */
struct fsp_handle *fsp_handle_new(struct fsp_native *nt, struct fsp_node *node, PVOID context,
                                  bool is_dir);
void fsp_handle_unlink(struct fsp_native *nt, struct fsp_handle *h);
void fsp_handle_free(struct fsp_handle *h);
/* A new handle on node sharing the context of one of its handles: an open
 * by node id (/proc/PID/fd/N) of a file that has no name to Open by. NULL
 * if nothing is open (or no memory: *nomem). */
struct fsp_handle *fsp_handle_reopen(struct fsp_native *nt, struct fsp_node *node, bool is_dir,
                                     bool *nomem);
/* After fsp_handle_unlink: whether h was the last user of its context, so
 * that Cleanup and Close are due. */
bool fsp_handle_last_user(struct fsp_native *nt, struct fsp_handle *h);
/* Run fn on the context of one of node's open handles (for an unlinked file
 * the kernel asks about without a handle: fstat, fchmod). Returns fn's
 * status, or STATUS_OBJECT_NAME_NOT_FOUND if nothing is open. */
NTSTATUS fsp_node_call_open(struct fsp_native *nt, struct fsp_node *node, fsp_file_fn *fn,
                            void *arg);
static inline struct fsp_handle *fsp_handle_of(uint64_t fh)
{
    return (struct fsp_handle *)(uintptr_t)fh;
}

static inline struct fsp_native *fsp_native_of(struct fsp_req *req)
{
    return (struct fsp_native *)fsp_session_userdata(fsp_req_session(req));
}

/* The node a request is about, without taking a reference (and without
 * nodes_lock): the kernel holds a lookup reference (nlookup > 0) on every
 * node it sends a request about, and forgets a node only once no request,
 * dentry or open file of its uses it, so the node outlives the request.
 * What must outlive the request (a handle) takes its own reference with
 * fsp_node_get. */
static inline struct fsp_node *fsp_req_node(struct fsp_native *nt, struct fsp_req *req)
{
    uint64_t nodeid = fsp_req_header(req)->nodeid;
    return nodeid == FUSE_ROOT_ID ? nt->root : (struct fsp_node *)(uintptr_t)nodeid;
}

/* Where Create and Open put the new FileContext. Usually ctx itself; with
 * UmFileContextIsFullContext, as in WinFsp, a FSP_FSCTL_TRANSACT_FULL_CONTEXT
 * whose UserContext and UserContext2 the file system fills in: *ctx becomes
 * that (malloc'd) structure, and is the FileContext of every later call on
 * the open. NULL when out of memory. After a failed Create/Open, call
 * fsp_context_drop(nt, *ctx). */
static inline PVOID *fsp_context_slot(struct fsp_native *nt, PVOID *ctx)
{
    if (!nt->fs->UmFileContextIsFullContext)
        return ctx;
    *ctx = calloc(1, sizeof(FSP_FSCTL_TRANSACT_FULL_CONTEXT));
    return *ctx;
}

static inline void fsp_context_drop(struct fsp_native *nt, PVOID context)
{
    if (nt->fs->UmFileContextIsFullContext)
        free(context);
}

static inline NTSTATUS fsp_fs_close(struct fsp_native *nt, PVOID context)
{
    if (nt->fs->Interface->Close)
        nt->fs->Interface->Close(nt->fs, context);
    fsp_context_drop(nt, context);
    return STATUS_SUCCESS;
}

#endif /* FSP_NATIVE_H */
