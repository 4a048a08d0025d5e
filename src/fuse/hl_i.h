/*
 * hl_i.h - private structures of FSP's FUSE 3 high-level (path based) API.
 *
 * The high-level layer is a low-level file system: it fills a
 * fuse_lowlevel_ops table whose handlers turn node ids into paths through
 * the node table, call the file system's fuse_operations and reply.
 *
 * Node table: one hl_node per node id the kernel holds (nlookup > 0) or
 * that is the parent of a remembered name. Each node has one or more names
 * (hl_name: parent node + component); paths are built from the first. With
 * use_ino a lookup that finds a known st_ino adds a name to that node, so a
 * hard link is one kernel inode, as on a disk file system; without it each
 * name is its own node, as libfuse does.
 *
 * Locking: tree (a rwlock) covers the whole table. Path building takes it
 * shared and copies the path out, so a path is a consistent snapshot even
 * while a rename runs; every table change takes it exclusively, after the
 * file system's operation succeeded.
 */
#ifndef FSP_FUSE_HL_I_H
#define FSP_FUSE_HL_I_H

#include "fuse/fuse_i.h"
#include "kernel/killpriv_rule.h"

#include <fuse.h>

struct hl_node;
struct hl_dir;

struct hl_name {
    struct hl_name *hash_next;  /* chain in the name hash */
    struct hl_name *alias_next; /* the node's next name */
    struct hl_node *parent;     /* holds a reference (refs) on it */
    struct hl_node *node;
    char name[];
};

struct hl_node {
    struct hl_node *id_next, *ino_next; /* hash chains */
    uint64_t nodeid;
    uint64_t nlookup;    /* the kernel's references */
    unsigned refs;       /* names whose parent this is */
    unsigned open_count; /* open files: their handles in fhs[] */
    unsigned fh_cap;
    uint64_t *fhs;         /* for getattr/setattr of an unlinked file, which come without one */
    struct hl_name *names; /* NULL once unlinked */
    ino_t ino;             /* the file system's st_ino (use_ino) */
    mode_t type;           /* S_IFMT bits */
    bool in_ino_hash;
    bool hidden;      /* names is a .fuse_hidden name: remove at last release */
    bool cache_valid; /* auto_cache: mtime/size of the last getattr */
    struct timespec cache_mtime;
    off_t cache_size;
    /* hl_killpriv.c: until when (CLOCK_MONOTONIC ns) the file is known to
     * have neither setuid nor setgid; 0: not known. Atomic: read and set
     * under the tree lock taken for reading. */
    _Atomic uint64_t nosec_until;
};

struct hl_hash {
    void **buckets;
    size_t size, count; /* size is a power of two */
};

struct fuse_fs {
    struct fuse_operations op;
    void *user_data;
    bool initialized; /* fuse_fs_init ran */
    bool lib_owned;   /* fuse_new's own fs: destroy() only after init() */
};

struct fuse {
    struct fuse_session *se;
    struct fuse_fs *fs;
    struct fuse_config conf;
    struct fuse_lowlevel_ops llop;

    pthread_rwlock_t tree;
    struct hl_hash ids, names, inos;
    struct hl_node *root;
    uint64_t next_id;
    unsigned hidden_ctr;

    pthread_mutex_t dirs_lock;
    struct hl_dir *dirs; /* open directories (hl_dir.c) */

    bool cache_dirs; /* DirInfoTimeout: opendir asks the kernel to keep listings */
    /* create_umask, create_file_umask, create_dir_umask: bits taken out of
     * the mode of every file (create, mknod) and directory (mkdir) made */
    mode_t create_file_umask, create_dir_umask;
    int debug_log_fd; /* DebugLog=FILE: the trace's file, or -1 (closed at the end) */
    /* -o intr: the threads running an operation, for intr_signal (hl_intr.c) */
    pthread_mutex_t intr_lock;
    bool intr_ready;     /* intr_lock is initialized */
    bool intr_installed; /* we set intr_signal's handler; restore at the end */

    void *compat; /* libfuse.so.2: the FUSE 2 file system this one serves (src/fuse2) */
    /* FUSE 2's flag_nullpath_ok: operations on open files get their path
     * when the file still has one, and NULL only once it has none (FUSE 3's
     * nullpath_ok gives NULL always). */
    bool nullpath_if_unlinked;
};

/* hl_main.c: whether fuse_new() takes opt (for libfuse.so.2's fuse_is_lib_option). */
bool hl_is_option(const char *opt);

/* hl_modules.c: -o modules=a:b stacks a over f->fs, then b over a (each
 * factory takes its options out of args). 0, or -1 (said on stderr). */
int hl_modules_stack(struct fuse *f, struct fuse_args *args);
/* The file system is done: destroy the stack (destroy() of the program's
 * own fs only if it was initialized) and free it. */
void hl_fs_shutdown(struct fuse *f);

/* hl_winfsp.c: WinFsp-FUSE's options. hl_winfsp_parse takes them out of
 * args into f's configuration and w (before fuse_session_new); apply hands
 * w's names and thread count to the session (after it). */
struct hl_winfsp {
    char *fsname, *subtype;
    unsigned thread_count;
};
bool hl_winfsp_is_option(const char *opt);
int hl_winfsp_parse(struct fuse *f, struct fuse_args *args, struct hl_winfsp *w);
void hl_winfsp_apply(struct fuse *f, struct hl_winfsp *w);
void hl_winfsp_free(struct hl_winfsp *w);
/* Closes the DebugLog= file, if any; the trace goes back to stderr. */
void hl_winfsp_close_log(struct fuse *f);

/* hl_intr.c: -o intr (setup when conf.intr; teardown undoes it, if done). */
void hl_intr_setup(struct fuse *f);
void hl_intr_teardown(struct fuse *f);
void hl_intr_enter(struct fuse *f, fuse_req_t req); /* the thread now runs req */
void hl_intr_leave(struct fuse *f);

/* hl_nodes.c: the node table. */
int hl_table_init(struct fuse *f);
void hl_table_free(struct fuse *f);

/* A path for node id (and, when name is not NULL, its child name). The
 * result points into the request's scratch space or, for very long paths,
 * into memory hl_path_put frees. -ENOENT if the node has no name. */
int hl_path(struct fuse *f, fuse_req_t req, uint64_t id, const char *name, char **path);
void hl_path_put(fuse_req_t req, char *path);
/* hl_path for an operation on an open file: NULL with nullpath_ok, or once
 * the file is unlinked. */
int hl_path_fi(struct fuse *f, fuse_req_t req, uint64_t id, char **path);
/* size bytes from the request's scratch, or malloc()ed (hl_path_put). */
char *hl_path_alloc(fuse_req_t req, size_t size);
/* size bytes of the request's scratch left after the paths taken so far or, when it is short, of
 * malloc()ed memory that *mem points to (the caller frees *mem). NULL if out of memory. */
void *hl_buf(fuse_req_t req, size_t size, char **mem);

/* The kernel now knows (parent, name) as the file with attributes st:
 * count a lookup and return the node id (0 if out of memory). */
uint64_t hl_remember(struct fuse *f, uint64_t parent, const char *name, const struct stat *st);
void hl_forget(struct fuse *f, uint64_t id, uint64_t nlookup);
/* The name is gone from the file system. */
void hl_unlinked(struct fuse *f, uint64_t parent, const char *name);
/* Every name of the node is gone (its hidden name, at last release). */
void hl_unlinked_node(struct fuse *f, uint64_t id);
/* The file system renamed (with rename(2)'s flags). */
void hl_renamed(struct fuse *f, uint64_t olddir, const char *oldname, uint64_t newdir,
                const char *newname, unsigned flags);
/* Node id of (parent, name) if known, else 0. */
uint64_t hl_child(struct fuse *f, uint64_t parent, const char *name);
/* Node id of an absolute path if every component is known, else 0. */
uint64_t hl_find_path(struct fuse *f, const char *path);

/* Open files: counts, the handle used for path-less getattr, and hiding. */
void hl_opened(struct fuse *f, uint64_t id, uint64_t fh);
/* Returns true when the node was hidden and this was its last open file. */
bool hl_released(struct fuse *f, uint64_t id, uint64_t fh);
bool hl_is_open(struct fuse *f, uint64_t parent, const char *name);
/* Give the node at (parent, name) a fresh .fuse_hidden name through the file
 * system's rename: -errno or 0. */
int hl_hide(struct fuse *f, fuse_req_t req, uint64_t parent, const char *name);
/* For getattr/setattr of a node without a name: an open handle, if any. */
bool hl_node_fh(struct fuse *f, uint64_t id, uint64_t *fh);
/* auto_cache: true if mtime and size are what they were (then records st). */
bool hl_cache_unchanged(struct fuse *f, uint64_t id, const struct stat *st);
/* The node's nosec_until (0 for an unknown node), and setting it. */
uint64_t hl_nosec_until(struct fuse *f, uint64_t id);
void hl_set_nosec_until(struct fuse *f, uint64_t id, uint64_t until);

/* hl_fs.c: the stand-ins the FUSE 3 and FUSE 2 fuse_fs_*() calls share.
 * Frees a bufvec read_buf() returned, with its memory buffers. */
void hl_free_bufvec(struct fuse_bufvec *bv);
/* A bufvec of one new memory buffer of size bytes (freed by hl_free_bufvec),
 * for a read() standing in for read_buf(); NULL when out of memory. */
struct fuse_bufvec *hl_bufvec_new(size_t size);
/* The bytes of buf in one piece, for a write() standing in for write_buf():
 * one memory buffer as it is (*tofree NULL), anything else gathered into
 * memory the caller frees (*tofree). Returns the byte count or -errno. */
ssize_t hl_bufvec_flat(struct fuse_bufvec *buf, const char **data, char **tofree);
/* libfuse's statfs answer for a file system without statfs. */
void hl_statfs_default(struct statvfs *buf);

/* hl_ops.c / hl_dir.c: the low-level handlers. */
uint64_t hl_dir_fs_fh(uint64_t fh); /* the file system's handle of a directory */
void hl_dirs_free(struct fuse *f);  /* directories the kernel never released */
void hl_fill_llops(struct fuse *f);
void hl_fill_dir_llops(struct fuse *f);
/* Attributes as the configuration shows them (ino, mode, uid, gid). */
void hl_adjust_stat(struct fuse *f, uint64_t id, struct stat *st);

/* hl_killpriv.c: clearing setuid/setgid (FUSE_HANDLE_KILLPRIV_V2). */
/* From init(): ask for it when the file system has getattr and chmod. */
void hl_killpriv_negotiate(struct fuse *f);
/* The kernel agreed: flagged requests and chown(f, -1, -1) are ours. */
bool hl_killpriv_on(const struct fuse *f);
/* st's mode without the bits the caller of req loses by ev. */
mode_t hl_killpriv_mode(fuse_req_t req, enum fsp_killpriv_event ev, const struct stat *st);
/* chmod to kept if it differs from old's mode: 0 or -errno. */
int hl_killpriv_apply(struct fuse *f, const char *path, struct fuse_file_info *fi,
                      const struct stat *old, mode_t kept);
/* getattr, then hl_killpriv_apply with the bits ev drops: 0 or -errno. */
int hl_kill_suidgid(struct fuse *f, fuse_req_t req, const char *path, struct fuse_file_info *fi,
                    enum fsp_killpriv_event ev);
/* The same for a write to node ino, without the getattr while the node is
 * known to have no setuid/setgid (see hl_killpriv.c). */
int hl_kill_suidgid_write(struct fuse *f, fuse_req_t req, uint64_t ino, const char *path,
                          struct fuse_file_info *fi);
/* A SETATTR may set the bits: forget what writes remembered. */
void hl_killpriv_forget(struct fuse *f, uint64_t ino);

/* hl_context.c: the thread's current request, for fuse_get_context(). */
struct fuse *hl_enter(fuse_req_t req);
void hl_leave(void);
void hl_enter_init(struct fuse *f); /* init(): no request */

#endif /* FSP_FUSE_HL_I_H */
