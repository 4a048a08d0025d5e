/*
 * memfs.h - MEMFS internals shared by the sample's source files.
 *
 * MEMFS is the reference in-memory file system written only against FSP's
 * public native API (<winfsp/winfsp.h>). This header is private to the
 * sample: it describes the node tree (memfs_node.c), the file contents
 * (memfs_data.c), names (memfs_name.c), descriptors (memfs_security.c) and
 * the interface table (memfs_ops.c).
 */
#ifndef MEMFS_H
#define MEMFS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * winfsp.h declares FspDeleteSid/FspDeleteSecurityDescriptor with WinFsp's
 * unprototyped "NTSTATUS (*CreateFunc)()" parameter, which the build's
 * -Wstrict-prototypes -Werror rejects; keep WinFsp's spelling and silence that
 * one warning around the include only.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#include <winfsp/winfsp.h>
#pragma GCC diagnostic pop

#define MEMFS_MAX_COMPONENT 255 /* WCHARs per name component */

/* --- File contents (memfs_data.c) ------------------------------------------ */

/* 64 KiB chunks: large enough that a 1 GiB file needs only 16 Ki chunk
 * pointers, small enough that a sparse file costs little. The first chunk
 * starts as small as its first write and doubles up to the full size, so a
 * small file costs about what it holds. */
#define MEMFS_CHUNK_SHIFT 16
#define MEMFS_CHUNK_SIZE  ((size_t)1 << MEMFS_CHUNK_SHIFT)

struct memfs_data {
    uint8_t **chunks; /* chunk i holds bytes [i << SHIFT, (i + 1) << SHIFT); NULL = hole */
    size_t nchunks;   /* length of the chunks array (not of the file) */
    size_t first_cap; /* bytes allocated for chunks[0] (others: MEMFS_CHUNK_SIZE) */
};

/* Copies [Offset, Offset + Length) into Buffer; holes read as zeros. */
void memfs_data_read(const struct memfs_data *data, void *buffer, uint64_t offset, size_t length);
/* Stores Length bytes at Offset. Returns false when memory runs out (the
 * chunks written so far keep their new contents). */
bool memfs_data_write(struct memfs_data *data, const void *buffer, uint64_t offset, size_t length);
/* Drops everything at or beyond NewSize: whole chunks are freed, the tail of
 * the last one is zeroed, so that a later extension reads zeros. */
void memfs_data_truncate(struct memfs_data *data, uint64_t new_size);
void memfs_data_free(struct memfs_data *data);

/* --- Extended attributes (memfs_ea.c) --------------------------------------- */

/* Sum of FspFileSystemGetEaPackedSize over one file's EAs: at most 1 MiB
 * (NTFS allows 64 KiB; Linux programs expect more room than that). */
#define MEMFS_EA_MAX_TOTAL (1u << 20)

struct memfs_ea {
    struct memfs_ea *next;
    FILE_FULL_EA_INFORMATION ea; /* name, NUL and value follow; NextEntryOffset 0 */
};

struct memfs_ea_set {
    struct memfs_ea *head; /* in the order the names were first set */
    UINT32 packed_size;    /* what FileInfo.EaSize reports */
};

/* Applies a FILE_FULL_EA_INFORMATION list: each entry sets or replaces the
 * EA of its name (case-insensitively), or deletes it if its value is empty.
 * STATUS_EA_LIST_INCONSISTENT for a malformed list (nothing changed),
 * STATUS_EA_TOO_LARGE past MEMFS_EA_MAX_TOTAL. */
NTSTATUS memfs_ea_apply(FSP_FILE_SYSTEM *fs, struct memfs_ea_set *set, PFILE_FULL_EA_INFORMATION ea,
                        ULONG ea_length);
/* Every EA into Buffer with FspFileSystemAddEa, as many as fit. */
NTSTATUS memfs_ea_get(const struct memfs_ea_set *set, PFILE_FULL_EA_INFORMATION buffer,
                      ULONG length, PULONG pbytes_transferred);
void memfs_ea_clear(struct memfs_ea_set *set);

/* --- Nodes, names and the directory index (memfs_node.c) -------------------- */

#define MEMFS_SKIP_MAXLEVEL 24 /* p = 1/4: enough for 4^24 entries per directory */

struct memfs_node;
struct memfs_entry;

/* A directory's entries: a skip list ordered by name (ordinal, or by the
 * case fold on a case-insensitive volume), so a lookup is O(log n) and a
 * listing resumes after a marker in O(log n) too. */
struct memfs_dir {
    struct memfs_entry *head[MEMFS_SKIP_MAXLEVEL];
    int level; /* levels in use */
    uint64_t count;
};

/*
 * A name: one entry in a directory's index, naming a file or directory (the
 * node). A file has one entry per hard link; a directory exactly one. The
 * root's entry has no parent and an empty name.
 */
struct memfs_entry {
    struct memfs_node *parent;     /* the directory; NULL for the root's entry */
    struct memfs_node *node;       /* what it names */
    struct memfs_entry *next_name; /* the node's other names */
    WCHAR *name;                   /* in the case it was created with; not NUL-terminated */
    uint16_t namelen;
    uint16_t inline_name_cap;   /* WCHARs of name room after next[] */
    uint8_t nlevels;            /* height of this entry in its directory's skip list */
    struct memfs_entry *next[]; /* skip-list links, nlevels of them */
};

/* A file or directory: everything but its names. */
struct memfs_node {
    struct memfs_entry *names; /* NULL once the last name is gone */
    struct memfs_dir *dir;     /* non-NULL exactly for directories */
    struct memfs_data data;    /* files only */
    FSP_FSCTL_FILE_INFO info;  /* info.HardLinks: names (files), 2 + subdirectories (dirs) */
    void *sd;                  /* self-relative security descriptor (malloc'ed copy) */
    uint32_t sdsize;
    /* The whole REPARSE_DATA_BUFFER (header included) as it was set, or NULL.
     * info.FileAttributes has FILE_ATTRIBUTE_REPARSE_POINT and info.ReparseTag
     * the tag exactly when this is non-NULL. */
    void *reparse;
    uint32_t reparse_size;
    /* Extended attributes; info.EaSize is eas.packed_size. */
    struct memfs_ea_set eas;
    /* One reference while the node has a name, plus one per open context:
     * Close may race with an Open of the same name, hence atomic. */
    atomic_long refcount;
    bool orphan; /* every name removed while still open */
    /* SetDelete(TRUE) (or, without SetDelete, CanDelete) allowed a delete
     * that Cleanup has not done yet: WinFsp asks before every
     * FspCleanupDelete, and MEMFS reports a Cleanup that was not asked. */
    bool delete_allowed;
    struct memfs_node *orphan_prev, *orphan_next;
    /* Named streams (memfs_streams.c). A main file lists its streams; a
     * stream has no names (entries), only its stream name and its main. */
    struct memfs_node *streams;     /* main file: its named streams */
    struct memfs_node *main;        /* stream: its main file; NULL otherwise */
    struct memfs_node *stream_next; /* stream: next of the main's list */
    WCHAR *stream_name;             /* stream: its name, not NUL-terminated */
    uint16_t stream_namelen;
};

struct memfs {
    FSP_FILE_SYSTEM *fs;
    struct memfs_node *root;
    bool case_insensitive;
    /* -L: a legacy volume (no SupportsPosixUnlinkRename). WinFsp promises
     * such a file system never to delete or replace a file that is still
     * open elsewhere; MEMFS checks that promise (legacy_open_elsewhere). */
    bool legacy_unlink;
    bool can_delete_only; /* -C: the interface has CanDelete, no SetDelete */
    uint64_t max_nodes;
    uint64_t max_file_size;
    uint32_t alloc_unit;              /* SectorSize * SectorsPerAllocationUnit */
    atomic_uint_least64_t node_count; /* names in the tree, the root included */
    atomic_uint_least64_t next_index; /* IndexNumber of the next node */
    atomic_uint_least64_t level_seed; /* skip-list level generator */
    pthread_mutex_t lock;             /* the label and the orphan list */
    WCHAR label[32];
    uint16_t label_bytes;
    struct memfs_node *orphans;
    struct memfs_slowio *slowio; /* -M/-P/-R, NULL when off (memfs_slowio.c) */
};

/* Current time as a FILETIME (100 ns units since 1601). */
UINT64 memfs_now(void);
UINT64 memfs_round_alloc(const struct memfs *m, UINT64 size);

/* Allocates a node with one name, detached (refcount 1: the tree's
 * reference). SD is copied; NULL gives an empty descriptor. If it never
 * enters the tree, memfs_node_release frees it. */
struct memfs_node *memfs_node_new(struct memfs *m, const WCHAR *name, size_t namelen,
                                  bool directory, const void *sd, uint32_t sdsize);
/* A further, detached name for a file (a hard link in the making). */
struct memfs_entry *memfs_entry_new(struct memfs *m, struct memfs_node *node, const WCHAR *name,
                                    size_t namelen);
/* Frees a detached name that never entered the tree. */
void memfs_entry_discard(struct memfs_entry *entry);
static inline struct memfs_entry *memfs_node_entry(const struct memfs_node *node)
{
    return node->names; /* for a directory, its only name */
}
/* The directory holding (one of) node's names; NULL for the root and for a
 * node without names. */
static inline struct memfs_node *memfs_node_parent(const struct memfs_node *node)
{
    return node->names ? node->names->parent : NULL;
}
void memfs_node_ref(struct memfs_node *node);
/* Renaming in two steps, so that the only allocation comes before any
 * change: Prepare gets room for a name that does not fit the entry's own
 * (*PBuf NULL if it fits); SetName, with the entry out of its directory
 * index, stores the name. */
bool memfs_entry_name_prepare(const struct memfs_entry *entry, size_t namelen, WCHAR **pbuf);
void memfs_entry_set_name(struct memfs_entry *entry, const WCHAR *name, size_t namelen, WCHAR *buf);
/* Drops one reference; frees the node at zero. */
void memfs_node_release(struct memfs *m, struct memfs_node *node);
bool memfs_node_set_sd(struct memfs_node *node, const void *sd, uint32_t sdsize);

/* --- Reparse points (memfs_node.c) ------------------------------------------ */

/* A REPARSE_DATA_BUFFER starts with UINT32 ReparseTag, UINT16
 * ReparseDataLength, UINT16 Reserved (little-endian, as on Windows). */
#define MEMFS_REPARSE_HEADER_SIZE 8u

/* The tag of a buffer at least MEMFS_REPARSE_HEADER_SIZE bytes long. */
UINT32 memfs_reparse_tag(const void *buffer);
/* STATUS_SUCCESS if Buffer is a well-formed header (plus the GUID for a
 * non-Microsoft tag) whose data length accounts for exactly Size bytes and
 * whose tag is not reserved. */
NTSTATUS memfs_reparse_validate(const void *buffer, size_t size);
/* Replaces the node's reparse data with a copy of Buffer (validated) and
 * keeps the attribute and tag in step. False when memory runs out (the node
 * is then unchanged). */
bool memfs_node_set_reparse(struct memfs_node *node, const void *buffer, uint32_t size);
void memfs_node_clear_reparse(struct memfs_node *node);

struct memfs_entry *memfs_dir_find(const struct memfs *m, const struct memfs_node *dir,
                                   const WCHAR *name, size_t namelen);
/* The first entry strictly after Name in the directory's order (Name NULL: the
 * first entry). */
struct memfs_entry *memfs_dir_first_after(const struct memfs *m, const struct memfs_node *dir,
                                          const WCHAR *name, size_t namelen);
static inline struct memfs_entry *memfs_dir_next(const struct memfs_entry *entry)
{
    return entry->next[0];
}
/* Links a detached entry under Dir, unless an entry of that name exists:
 * then returns that entry and links nothing. */
struct memfs_entry *memfs_dir_insert(struct memfs *m, struct memfs_node *dir,
                                     struct memfs_entry *entry);
/* Unlinks an entry from its directory's index only (parent kept). */
void memfs_dir_remove(struct memfs *m, struct memfs_entry *entry);

/* Removes one name from the tree. With its last name the node loses the
 * tree's reference; a node still open lives on (on the orphan list) until
 * its last Close. */
void memfs_entry_delete(struct memfs *m, struct memfs_entry *entry);

/* Walks "\a\b\c". memfs_lookup_parent stops before the last component and
 * returns it in *pname and *pnamelen (length 0 for the root itself). */
NTSTATUS memfs_lookup_parent(const struct memfs *m, const WCHAR *path, struct memfs_node **pparent,
                             const WCHAR **pname, size_t *pnamelen);
/* The entry a path names (the root's for "\"). */
NTSTATUS memfs_lookup(const struct memfs *m, const WCHAR *path, struct memfs_entry **pentry);
/* The name Cleanup and Rename act on: a node's only name, or of a file with
 * several the one FileName reaches (NULL if it reaches none of them). */
struct memfs_entry *memfs_entry_of(const struct memfs *m, struct memfs_node *node,
                                   const WCHAR *file_name);

/* Writes the entry's full path ("\a\b", stored case, no NUL) into Buffer.
 * Returns its size in bytes, or 0 if it does not fit in Capacity bytes. */
size_t memfs_entry_path(const struct memfs_entry *entry, WCHAR *buffer, size_t capacity);

bool memfs_node_is_ancestor(const struct memfs_node *ancestor, const struct memfs_node *node);

/* Frees every node: the tree and the orphans (at shutdown, when no
 * operation can run any more). */
void memfs_free_all(struct memfs *m);

/* --- Named streams (memfs_streams.c) ---------------------------------------- */

/* Does the last component of path name a stream ("file:stream")? */
bool memfs_path_is_stream(const WCHAR *path);
/* Resolves "\dirile:name[:$DATA]": the main file's entry, the stream's
 * name and the stream (NULL if the file has none of that name). An empty
 * name ("file::$DATA") is the main file itself. */
NTSTATUS memfs_stream_lookup(const struct memfs *m, const WCHAR *path,
                             struct memfs_entry **pmain_entry, struct memfs_node **pstream,
                             const WCHAR **pname, size_t *pnamelen);
/* A new empty stream attached to main (refcount 1: main's reference). */
struct memfs_node *memfs_stream_new(struct memfs *m, struct memfs_node *main, const WCHAR *name,
                                    size_t namelen);
/* Detaches a stream from its main file and drops main's reference. */
void memfs_stream_delete(struct memfs *m, struct memfs_node *stream);
/* Every stream of main goes (main lost its last name). */
void memfs_streams_delete_all(struct memfs *m, struct memfs_node *main);
/* The stream's FileInfo: its main file's, with its own sizes and one link,
 * never a directory or reparse point. */
void memfs_stream_info(const struct memfs_node *stream, FSP_FSCTL_FILE_INFO *info);
/* "\dirile:stream" into Buffer (bytes, like memfs_entry_path); 0 if it
 * does not fit. */
size_t memfs_stream_path(const struct memfs_entry *main_entry, const struct memfs_node *stream,
                         WCHAR *buffer, size_t capacity);
NTSTATUS memfs_get_stream_info(FSP_FILE_SYSTEM *fs, PVOID file_context, PVOID buffer, ULONG length,
                               PULONG pbytes_transferred);

/* --- Names (memfs_name.c) --------------------------------------------------- */

size_t memfs_wcslen(const WCHAR *s);
/* Ordinal (case-sensitive) or case-folded comparison of two counted names. */
int memfs_name_compare(const WCHAR *a, size_t alen, const WCHAR *b, size_t blen,
                       bool case_insensitive);

/* --- Security descriptors (memfs_security.c) --------------------------------- */

/* A new self-relative descriptor: the parts SecurityInformation names come
 * from Modification, the others from Existing. Free with free(). */
NTSTATUS memfs_merge_sd(const void *existing, uint32_t existing_size,
                        SECURITY_INFORMATION security_information, const void *modification,
                        void **pmerged, uint32_t *pmerged_size);

/* --- Slow I/O (memfs_slowio.c) ------------------------------------------------ */

struct memfs_slowio;

/* -M MaxDelay (ms; 0 = off), -P PercentDelay (0-100), -R RarefyDelay. */
NTSTATUS memfs_slowio_create(struct memfs *m, uint32_t max_delay, uint32_t percent_delay,
                             uint32_t rarefy_delay);
/* Waits for every delayed response to be sent, then frees the state. */
void memfs_slowio_delete(struct memfs *m);
void memfs_slowio_drain(struct memfs *m);
/* Read, Write and ReadDirectory end with this: with slow I/O on, it delays
 * their result, or sends it later from another thread and returns
 * STATUS_PENDING. Info is Write's FileInfo (NULL for the others). */
NTSTATUS memfs_slowio_finish(FSP_FILE_SYSTEM *fs, NTSTATUS status, PULONG pbytes_transferred,
                             const FSP_FSCTL_FILE_INFO *info);

/* --- The interface (memfs_ops.c) -------------------------------------------- */

extern const FSP_FILE_SYSTEM_INTERFACE memfs_interface;
/* memfs_control.c: the ROT13 demo control code */
NTSTATUS memfs_control(FSP_FILE_SYSTEM *fs, PVOID file_context, UINT32 control_code, PVOID input,
                       ULONG input_length, PVOID output, ULONG output_length,
                       PULONG bytes_transferred);

#endif /* MEMFS_H */
