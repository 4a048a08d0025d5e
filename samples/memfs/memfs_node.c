/*
 * memfs_node.c - MEMFS's tree: nodes, their names, per-directory skip lists,
 * path walks.
 *
 * A node is a file or directory; an entry is one of its names, the element
 * of a directory's skip list. Keeping them apart is what hard links need: a
 * file has one entry per link, all leading to the same node (one IndexNumber,
 * one contents), and the node lives until its last name is removed and its
 * last open context closed. A directory has exactly one entry.
 *
 * Each directory indexes its entries in a skip list keyed by name, so a path
 * walk costs O(log n) per component, a listing resumes after a marker in
 * O(log n), and a directory of a million entries is fine. An entry knows its
 * directory and its own last component only, which makes renaming a
 * directory O(log n) whatever lies beneath it: nothing below is rekeyed.
 *
 * Link counts (FSP_FSCTL_FILE_INFO.HardLinks, which FSP reports as st_nlink):
 * a file counts its names (memfs_entry_new and the deletion of an entry keep
 * it). A directory counts 2 + its subdirectories, as on ext4 and tmpfs: its
 * name in the parent, its own "." and the ".." of each subdirectory. Tools
 * rely on it: find(1) without -noleaf stops looking for subdirectories once
 * it has seen nlink - 2 of them. The count is adjusted where a directory's
 * entry enters or leaves an index (memfs_dir_insert/remove), which every
 * mkdir, rmdir and rename of a directory goes through.
 *
 * Locking: the adapter's operation guard makes every namespace change
 * (Create, Cleanup with delete, Rename, CreateHardLink) exclusive against
 * lookups, as WinFsp's FSD does, so the index itself needs no lock. Reference
 * counts are atomic (a Close runs outside the guard) and the orphan list has
 * a mutex.
 */
#include <stdlib.h>
#include <string.h>

#include "memfs.h"

UINT64 memfs_now(void)
{
    struct timespec ts;
    /* The clock the kernel stamps file times with (and tick-grained like
     * Windows' system time): with the writeback cache the kernel sets mtime
     * and ctime itself, and a finer clock here would put a new file's
     * CreationTime after the mtime its first write gets. */
    clock_gettime(CLOCK_REALTIME_COARSE, &ts);
    /* 116444736000000000 = 100 ns units from 1601-01-01 to 1970-01-01 */
    return (UINT64)ts.tv_sec * 10000000u + (UINT64)ts.tv_nsec / 100u + 116444736000000000ull;
}

UINT64 memfs_round_alloc(const struct memfs *m, UINT64 size)
{
    UINT64 unit = m->alloc_unit;
    return (size + unit - 1) / unit * unit;
}

/* A geometric level (p = 1/4) from a shared counter run through splitmix64:
 * thread-safe without a lock, and well enough distributed for balance. */
static int random_level(struct memfs *m)
{
    uint64_t z = atomic_fetch_add(&m->level_seed, 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    int level = 1;
    while (level < MEMFS_SKIP_MAXLEVEL && (z & 3) == 0) {
        level++;
        z >>= 2;
    }
    return level;
}

/* An entry with its skip-list links and, in the same allocation, its name:
 * a skip-list search compares names at every hop, and one cache miss per hop
 * is better than two. A rename to a longer name moves it to the heap. */
static struct memfs_entry *entry_alloc(struct memfs *m, const WCHAR *name, size_t namelen)
{
    int levels = random_level(m);
    size_t links = (size_t)levels * sizeof(struct memfs_entry *);
    struct memfs_entry *e = calloc(1, sizeof(*e) + links + namelen * sizeof(WCHAR));
    if (!e)
        return NULL;
    e->nlevels = (uint8_t)levels;
    e->name = (WCHAR *)((char *)e->next + links);
    e->inline_name_cap = (uint16_t)namelen;
    if (namelen)
        memcpy(e->name, name, namelen * sizeof(WCHAR));
    e->namelen = (uint16_t)namelen;
    return e;
}

static bool name_is_inline(const struct memfs_entry *e)
{
    return (const char *)e->name ==
           (const char *)e->next + (size_t)e->nlevels * sizeof(struct memfs_entry *);
}

static WCHAR *inline_name(struct memfs_entry *e)
{
    return (WCHAR *)((char *)e->next + (size_t)e->nlevels * sizeof(struct memfs_entry *));
}

static void entry_free(struct memfs_entry *e)
{
    if (!name_is_inline(e))
        free(e->name);
    free(e);
}

/* Put a detached entry on its node's list of names. */
static void add_name(struct memfs_node *node, struct memfs_entry *e)
{
    e->node = node;
    e->next_name = node->names;
    node->names = e;
    if (!node->dir)
        node->info.HardLinks++;
}

static void remove_name(struct memfs_node *node, struct memfs_entry *e)
{
    struct memfs_entry **p = &node->names;
    while (*p != e)
        p = &(*p)->next_name;
    *p = e->next_name;
    e->next_name = NULL;
    if (!node->dir)
        node->info.HardLinks--;
}

struct memfs_node *memfs_node_new(struct memfs *m, const WCHAR *name, size_t namelen,
                                  bool directory, const void *sd, uint32_t sdsize)
{
    struct memfs_node *node = calloc(1, sizeof(*node));
    struct memfs_entry *e = entry_alloc(m, name, namelen);
    if (!node || !e)
        goto fail;
    atomic_init(&node->refcount, 1);
    if (directory) {
        node->dir = calloc(1, sizeof(*node->dir));
        if (!node->dir)
            goto fail;
        node->info.FileAttributes = FILE_ATTRIBUTE_DIRECTORY;
        node->info.HardLinks = 2;
    }
    if (sdsize && !memfs_node_set_sd(node, sd, sdsize))
        goto fail;
    add_name(node, e);
    UINT64 now = memfs_now();
    node->info.CreationTime = node->info.LastAccessTime = node->info.LastWriteTime =
        node->info.ChangeTime = now;
    node->info.IndexNumber = atomic_fetch_add(&m->next_index, 1);
    return node;

fail:
    if (node)
        free(node->dir);
    free(node);
    free(e);
    return NULL;
}

struct memfs_entry *memfs_entry_new(struct memfs *m, struct memfs_node *node, const WCHAR *name,
                                    size_t namelen)
{
    struct memfs_entry *e = entry_alloc(m, name, namelen);
    if (e)
        add_name(node, e);
    return e;
}

void memfs_entry_discard(struct memfs_entry *entry)
{
    remove_name(entry->node, entry);
    entry_free(entry);
}

bool memfs_entry_name_prepare(const struct memfs_entry *entry, size_t namelen, WCHAR **pbuf)
{
    *pbuf = NULL;
    if (namelen <= entry->inline_name_cap)
        return true;
    *pbuf = malloc(namelen * sizeof(WCHAR));
    return *pbuf != NULL;
}

void memfs_entry_set_name(struct memfs_entry *entry, const WCHAR *name, size_t namelen, WCHAR *buf)
{
    if (!name_is_inline(entry))
        free(entry->name);
    entry->name = buf ? buf : inline_name(entry);
    memcpy(entry->name, name, namelen * sizeof(WCHAR));
    entry->namelen = (uint16_t)namelen;
}

bool memfs_node_set_sd(struct memfs_node *node, const void *sd, uint32_t sdsize)
{
    void *copy = malloc(sdsize ? sdsize : 1);
    if (!copy)
        return false;
    memcpy(copy, sd, sdsize);
    free(node->sd);
    node->sd = copy;
    node->sdsize = sdsize;
    return true;
}

/* Frees the node and whatever names it still has (none once deleted). */
static void free_node(struct memfs_node *node)
{
    /* Streams left at shutdown (at run time they go with the last name). */
    while (node->streams) {
        struct memfs_node *s = node->streams;
        node->streams = s->stream_next;
        free_node(s);
    }
    free(node->stream_name);
    while (node->names) {
        struct memfs_entry *e = node->names;
        node->names = e->next_name;
        entry_free(e);
    }
    memfs_data_free(&node->data);
    free(node->dir);
    free(node->sd);
    free(node->reparse);
    memfs_ea_clear(&node->eas);
    free(node);
}

void memfs_node_ref(struct memfs_node *node)
{
    atomic_fetch_add(&node->refcount, 1);
}

void memfs_node_release(struct memfs *m, struct memfs_node *node)
{
    if (atomic_fetch_sub(&node->refcount, 1) != 1)
        return;
    /* Only a node without names can reach zero: the tree holds a reference
     * to every node that has one. */
    if (node->orphan) {
        pthread_mutex_lock(&m->lock);
        if (node->orphan_prev)
            node->orphan_prev->orphan_next = node->orphan_next;
        else
            m->orphans = node->orphan_next;
        if (node->orphan_next)
            node->orphan_next->orphan_prev = node->orphan_prev;
        pthread_mutex_unlock(&m->lock);
    }
    free_node(node);
}

/* --- Reparse points ---------------------------------------------------------- */

/* The header is little-endian whatever the host, like the rest of Windows'
 * binary structures that FSP passes through. */
UINT32 memfs_reparse_tag(const void *buffer)
{
    const uint8_t *p = buffer;
    return (UINT32)p[0] | (UINT32)p[1] << 8 | (UINT32)p[2] << 16 | (UINT32)p[3] << 24;
}

NTSTATUS memfs_reparse_validate(const void *buffer, size_t size)
{
    if (!buffer || size < MEMFS_REPARSE_HEADER_SIZE)
        return STATUS_IO_REPARSE_DATA_INVALID;
    const uint8_t *p = buffer;
    size_t data_length = (size_t)(p[4] | p[5] << 8);
    /* Third-party tags (bit 31 clear) carry their owner's GUID after the
     * header, and ReparseDataLength does not count it. */
    size_t header = IsReparseTagMicrosoft(memfs_reparse_tag(buffer))
                        ? MEMFS_REPARSE_HEADER_SIZE
                        : REPARSE_GUID_DATA_BUFFER_HEADER_SIZE;
    if (size < header || data_length + header != size)
        return STATUS_IO_REPARSE_DATA_INVALID;
    /* Tags 0 and 1 are reserved by Windows and never valid on a file. */
    if (memfs_reparse_tag(buffer) <= 1)
        return STATUS_IO_REPARSE_TAG_INVALID;
    return STATUS_SUCCESS;
}

bool memfs_node_set_reparse(struct memfs_node *node, const void *buffer, uint32_t size)
{
    void *copy = malloc(size);
    if (!copy)
        return false;
    memcpy(copy, buffer, size);
    free(node->reparse);
    node->reparse = copy;
    node->reparse_size = size;
    node->info.FileAttributes |= FILE_ATTRIBUTE_REPARSE_POINT;
    node->info.ReparseTag = memfs_reparse_tag(copy);
    return true;
}

void memfs_node_clear_reparse(struct memfs_node *node)
{
    free(node->reparse);
    node->reparse = NULL;
    node->reparse_size = 0;
    node->info.FileAttributes &= ~FILE_ATTRIBUTE_REPARSE_POINT;
    node->info.ReparseTag = 0;
}

/* --- The skip list ----------------------------------------------------------- */

static int compare(const struct memfs *m, const struct memfs_entry *e, const WCHAR *name,
                   size_t namelen)
{
    return memfs_name_compare(e->name, e->namelen, name, namelen, m->case_insensitive);
}

/*
 * Finds the first entry >= Name. With Update, records for every level the
 * link array (of the head or of an entry) whose link at that level points at
 * or past the position: what insertion and removal rewrite.
 */
static struct memfs_entry *search(const struct memfs *m, struct memfs_dir *dir, const WCHAR *name,
                                  size_t namelen, struct memfs_entry ***update)
{
    struct memfs_entry **links = dir->head;
    for (int level = dir->level - 1; level >= 0; level--) {
        struct memfs_entry *n;
        while ((n = links[level]) && compare(m, n, name, namelen) < 0)
            links = n->next;
        if (update)
            update[level] = links;
    }
    return dir->level ? links[0] : NULL;
}

struct memfs_entry *memfs_dir_find(const struct memfs *m, const struct memfs_node *dir,
                                   const WCHAR *name, size_t namelen)
{
    if (!dir->dir)
        return NULL;
    struct memfs_entry *n = search(m, dir->dir, name, namelen, NULL);
    return (n && compare(m, n, name, namelen) == 0) ? n : NULL;
}

struct memfs_entry *memfs_dir_first_after(const struct memfs *m, const struct memfs_node *dir,
                                          const WCHAR *name, size_t namelen)
{
    if (!dir->dir)
        return NULL;
    if (!name)
        return dir->dir->head[0];
    struct memfs_entry *n = search(m, dir->dir, name, namelen, NULL);
    if (n && compare(m, n, name, namelen) == 0)
        n = n->next[0];
    return n;
}

struct memfs_entry *memfs_dir_insert(struct memfs *m, struct memfs_node *dir,
                                     struct memfs_entry *entry)
{
    struct memfs_dir *d = dir->dir;
    struct memfs_entry **update[MEMFS_SKIP_MAXLEVEL];
    /* One search both detects a collision and finds where to link. */
    struct memfs_entry *found = search(m, d, entry->name, entry->namelen, update);
    if (found && compare(m, found, entry->name, entry->namelen) == 0)
        return found;
    for (int level = d->level; level < entry->nlevels; level++)
        update[level] = d->head;
    if (entry->nlevels > d->level)
        d->level = entry->nlevels;
    for (int level = 0; level < entry->nlevels; level++) {
        entry->next[level] = update[level][level];
        update[level][level] = entry;
    }
    d->count++;
    entry->parent = dir;
    if (entry->node->dir)
        dir->info.HardLinks++; /* the child's ".." */
    return NULL;
}

void memfs_dir_remove(struct memfs *m, struct memfs_entry *entry)
{
    struct memfs_dir *d = entry->parent->dir;
    struct memfs_entry **update[MEMFS_SKIP_MAXLEVEL];
    search(m, d, entry->name, entry->namelen, update);
    for (int level = 0; level < entry->nlevels && level < d->level; level++) {
        if (update[level][level] == entry)
            update[level][level] = entry->next[level];
    }
    while (d->level > 0 && !d->head[d->level - 1])
        d->level--;
    d->count--;
    if (entry->node->dir)
        entry->parent->info.HardLinks--;
    memset(entry->next, 0, entry->nlevels * sizeof(entry->next[0]));
}

void memfs_entry_delete(struct memfs *m, struct memfs_entry *entry)
{
    struct memfs_node *node = entry->node;
    memfs_dir_remove(m, entry);
    remove_name(node, entry);
    entry_free(entry);
    atomic_fetch_sub(&m->node_count, 1);
    if (node->names)
        return;                        /* another hard link keeps the file */
    memfs_streams_delete_all(m, node); /* the file's streams die with it */
    /* Still open? Keep it findable for the shutdown sweep. */
    if (atomic_load(&node->refcount) > 1) {
        pthread_mutex_lock(&m->lock);
        node->orphan = true;
        node->orphan_prev = NULL;
        node->orphan_next = m->orphans;
        if (m->orphans)
            m->orphans->orphan_prev = node;
        m->orphans = node;
        pthread_mutex_unlock(&m->lock);
    }
    memfs_node_release(m, node);
}

/* --- Paths ----------------------------------------------------------------- */

NTSTATUS memfs_lookup_parent(const struct memfs *m, const WCHAR *path, struct memfs_node **pparent,
                             const WCHAR **pname, size_t *pnamelen)
{
    struct memfs_node *dir = m->root;
    const WCHAR *p = path;
    for (;;) {
        while (*p == u'\\')
            p++;
        const WCHAR *start = p;
        while (*p && *p != u'\\')
            p++;
        size_t len = (size_t)(p - start);
        const WCHAR *rest = p;
        while (*rest == u'\\')
            rest++;
        if (!*rest) {
            /* start..p is the last component (empty for the root). */
            *pparent = len ? dir : NULL;
            *pname = start;
            *pnamelen = len;
            return STATUS_SUCCESS;
        }
        if (!dir->dir)
            return STATUS_NOT_A_DIRECTORY;
        struct memfs_entry *child = memfs_dir_find(m, dir, start, len);
        if (!child)
            return STATUS_OBJECT_PATH_NOT_FOUND;
        dir = child->node;
    }
}

NTSTATUS memfs_lookup(const struct memfs *m, const WCHAR *path, struct memfs_entry **pentry)
{
    struct memfs_node *parent;
    const WCHAR *name;
    size_t namelen;
    NTSTATUS status = memfs_lookup_parent(m, path, &parent, &name, &namelen);
    if (!NT_SUCCESS(status))
        return status;
    if (!parent) {
        *pentry = memfs_node_entry(m->root);
        return STATUS_SUCCESS;
    }
    if (!parent->dir)
        return STATUS_NOT_A_DIRECTORY;
    struct memfs_entry *entry = memfs_dir_find(m, parent, name, namelen);
    if (!entry)
        return STATUS_OBJECT_NAME_NOT_FOUND;
    *pentry = entry;
    return STATUS_SUCCESS;
}

struct memfs_entry *memfs_entry_of(const struct memfs *m, struct memfs_node *node,
                                   const WCHAR *file_name)
{
    struct memfs_entry *entry;
    /* A single name is the one, whatever FileName says; of several, the one
     * FileName reaches. */
    if (node->names && !node->names->next_name)
        return node->names;
    if (file_name && NT_SUCCESS(memfs_lookup(m, file_name, &entry)) && entry->node == node)
        return entry;
    return NULL;
}

size_t memfs_entry_path(const struct memfs_entry *entry, WCHAR *buffer, size_t capacity)
{
    if (!entry->parent) {
        /* The root (a deleted node is never asked for its path). */
        if (capacity < sizeof(WCHAR))
            return 0;
        buffer[0] = u'\\';
        return sizeof(WCHAR);
    }
    size_t units = 0;
    for (const struct memfs_entry *e = entry; e->parent; e = memfs_node_entry(e->parent))
        units += 1 + e->namelen;
    if (units * sizeof(WCHAR) > capacity)
        return 0;
    /* Fill from the end, walking up. */
    size_t pos = units;
    for (const struct memfs_entry *e = entry; e->parent; e = memfs_node_entry(e->parent)) {
        pos -= e->namelen;
        memcpy(buffer + pos, e->name, e->namelen * sizeof(WCHAR));
        buffer[--pos] = u'\\';
    }
    return units * sizeof(WCHAR);
}

bool memfs_node_is_ancestor(const struct memfs_node *ancestor, const struct memfs_node *node)
{
    for (const struct memfs_node *n = node; n; n = memfs_node_parent(n))
        if (n == ancestor)
            return true;
    return false;
}

/* Frees a subtree depth-first without recursion on the C stack: a chain of
 * directories can be as deep as the path limit allows. A file goes with the
 * last of its names met; a directory's single entry is freed on the way up. */
static void free_subtree(struct memfs_node *top)
{
    struct memfs_node *n = top;
    while (n) {
        if (n->dir && n->dir->head[0]) {
            /* Detach the first entry; descend into a directory. */
            struct memfs_entry *child = n->dir->head[0];
            for (int level = 0; level < child->nlevels; level++)
                n->dir->head[level] = child->next[level];
            struct memfs_node *node = child->node;
            if (node->dir) {
                n = node;
                continue;
            }
            remove_name(node, child);
            entry_free(child);
            if (!node->names && !node->orphan)
                free_node(node);
            continue;
        }
        struct memfs_node *up = n == top ? NULL : memfs_node_parent(n);
        free_node(n);
        n = up;
    }
}

void memfs_free_all(struct memfs *m)
{
    /* Orphans first: a file can be both (open, its names removed) only if
     * it has no names, so the tree walk never meets one. */
    while (m->orphans) {
        struct memfs_node *n = m->orphans;
        m->orphans = n->orphan_next;
        free_node(n);
    }
    if (m->root) {
        free_subtree(m->root);
        m->root = NULL;
    }
}
