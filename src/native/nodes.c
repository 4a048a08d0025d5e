/*
 * nodes.c - the inode table: FUSE node ids <-> (parent, name).
 *
 * The kernel names files by node id; a WinFsp file system names them by
 * path. Each node remembers its parent and its own name, so a path is a walk
 * to the root and renaming a directory costs O(1). A hash on (parent, name)
 * (case-folded on case-insensitive volumes) lets LOOKUP find the node the
 * kernel already knows, so one file never gets two inodes.
 *
 * Node ids are node addresses (the root is FUSE_ROOT_ID); the kernel only
 * hands back ids we gave it and has not forgotten.
 *
 * Hard links: the kernel must see one node id per file, whichever name it
 * came through, or two inodes would cache one file's pages and attributes
 * apart. On a volume with VolumeParams.HardLinks a second index, by
 * IndexNumber, finds the node of a file already known under another name;
 * that name becomes an alias record of the node (a bare hash entry). Paths
 * are built from the node's first name; when it goes, an alias takes its
 * place, and the node is unlinked only when its last name is gone.
 * Directories never get aliases (they have one name).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "native.h"
#include "streams.h"
#include "utf.h"

static uint32_t name_hash(struct fsp_native *nt, const struct fsp_node *parent, const WCHAR *name,
                          size_t len)
{
    uint32_t h = 2166136261u ^ (uint32_t)((uintptr_t)parent >> 4);
    for (size_t i = 0; i < len; i++) {
        WCHAR c = nt->case_insensitive ? fsp_towupper(name[i]) : name[i];
        h = (h ^ c) * 16777619u;
    }
    return h;
}

static bool name_equal(struct fsp_native *nt, const WCHAR *a, size_t alen, const WCHAR *b,
                       size_t blen)
{
    if (alen != blen)
        return false;
    if (!nt->case_insensitive)
        return memcmp(a, b, alen * sizeof(WCHAR)) == 0;
    for (size_t i = 0; i < alen; i++)
        if (fsp_towupper(a[i]) != fsp_towupper(b[i]))
            return false;
    return true;
}

static size_t ino_index(uint64_t ino, size_t nbuckets)
{
    return (size_t)((ino * 0x9e3779b97f4a7c15ull) >> 32) & (nbuckets - 1);
}

static int grow_buckets(struct fsp_native *nt)
{
    size_t n = nt->nbuckets ? nt->nbuckets * 2 : 1024;
    struct fsp_node **b = calloc(n, sizeof *b);
    struct fsp_node **ib = nt->hard_links ? calloc(n, sizeof *ib) : NULL;
    if (!b || (nt->hard_links && !ib)) {
        free(b);
        return -ENOMEM;
    }
    for (size_t i = 0; i < nt->nbuckets; i++) {
        struct fsp_node *node = nt->buckets[i], *next;
        for (; node; node = next) {
            next = node->hash_next;
            node->hash_next = b[node->hash & (n - 1)];
            b[node->hash & (n - 1)] = node;
        }
        if (!ib)
            continue;
        for (node = nt->ino_buckets[i]; node; node = next) {
            next = node->ino_next;
            node->ino_next = ib[ino_index(node->ino, n)];
            ib[ino_index(node->ino, n)] = node;
        }
    }
    free(nt->buckets);
    free(nt->ino_buckets);
    nt->buckets = b;
    nt->ino_buckets = ib;
    nt->nbuckets = n;
    return 0;
}

/* The IndexNumber index, on hard-link volumes only: named nodes numbered by
 * the file system (ino_indexed); ino_find passes over directories. */
static void ino_insert(struct fsp_native *nt, struct fsp_node *node)
{
    struct fsp_node **slot = &nt->ino_buckets[ino_index(node->ino, nt->nbuckets)];
    node->ino_next = *slot;
    *slot = node;
    node->ino_indexed = true;
}

static void ino_remove(struct fsp_native *nt, struct fsp_node *node)
{
    if (!node->ino_indexed)
        return;
    struct fsp_node **p = &nt->ino_buckets[ino_index(node->ino, nt->nbuckets)];
    for (; *p; p = &(*p)->ino_next)
        if (*p == node) {
            *p = node->ino_next;
            break;
        }
    node->ino_next = NULL;
    node->ino_indexed = false;
}

/* A directory has one name only: one found under another name was moved
 * behind our back, and stays a separate node. */
static struct fsp_node *ino_find(struct fsp_native *nt, uint64_t ino)
{
    struct fsp_node *n = nt->ino_buckets[ino_index(ino, nt->nbuckets)];
    while (n && (n->ino != ino || __atomic_load_n(&n->kind, __ATOMIC_RELAXED) == FSP_NODE_DIR))
        n = n->ino_next;
    return n;
}

static void hash_insert(struct fsp_native *nt, struct fsp_node *node)
{
    if (nt->nnodes >= nt->nbuckets)
        grow_buckets(nt); /* on failure the chains just get longer */
    struct fsp_node **slot = &nt->buckets[node->hash & (nt->nbuckets - 1)];
    node->hash_next = *slot;
    *slot = node;
    nt->nnodes++;
}

static void hash_remove(struct fsp_native *nt, struct fsp_node *node)
{
    struct fsp_node **p = &nt->buckets[node->hash & (nt->nbuckets - 1)];
    for (; *p; p = &(*p)->hash_next)
        if (*p == node) {
            *p = node->hash_next;
            node->hash_next = NULL;
            nt->nnodes--;
            return;
        }
}

static struct fsp_node *hash_find(struct fsp_native *nt, struct fsp_node *parent, const WCHAR *name,
                                  size_t len, uint32_t hash)
{
    struct fsp_node *n = nt->buckets[hash & (nt->nbuckets - 1)];
    for (; n; n = n->hash_next)
        if (n->hash == hash && n->parent == parent &&
            name_equal(nt, n->name, n->namelen, name, len))
            return n;
    return NULL;
}

static void node_free(struct fsp_native *nt, struct fsp_node *node)
{
    if (node->all_prev)
        node->all_prev->all_next = node->all_next;
    else if (nt->all_nodes == node)
        nt->all_nodes = node->all_next;
    if (node->all_next)
        node->all_next->all_prev = node->all_prev;
    pthread_rwlock_destroy(&node->io_lock);
    free(node->name);
    free(node);
}

/* Drop the parent link of a node that leaves the namespace. Called with
 * nodes_lock held; may free a chain of ancestors that nothing else holds. */
static void maybe_free(struct fsp_native *nt, struct fsp_node *node);

/* Free an alias record already off its node's list. */
static void free_alias(struct fsp_native *nt, struct fsp_node *alias)
{
    struct fsp_node *parent = alias->parent;
    hash_remove(nt, alias);
    node_free(nt, alias);
    parent->refs--;
    maybe_free(nt, parent);
}

static void detach(struct fsp_native *nt, struct fsp_node *node)
{
    struct fsp_node *parent = node->parent;
    if (!parent)
        return;
    hash_remove(nt, node);
    node->parent = NULL;
    parent->refs--;
    maybe_free(nt, parent);
}

static void maybe_free(struct fsp_native *nt, struct fsp_node *node)
{
    while (node && node != nt->root && node->nlookup == 0 && node->refs == 0) {
        /* Aliases are files' names, and files are nobody's parent: this
         * recursion is one level deep. */
        while (node->aliases) {
            struct fsp_node *alias = node->aliases;
            node->aliases = alias->alias_next;
            free_alias(nt, alias);
        }
        ino_remove(nt, node);
        struct fsp_node *parent = node->parent;
        if (parent) {
            hash_remove(nt, node);
            parent->refs--;
        }
        node_free(nt, node);
        node = parent;
    }
}

/* Remove one name (a node's own or an alias record) from the table; the
 * node is unlinked when it was the last. Lock held; the caller holds a
 * reference on the node. */
static void drop_name(struct fsp_native *nt, struct fsp_node *entry)
{
    struct fsp_node *node = entry->alias_of;
    if (node) {
        struct fsp_node **p = &node->aliases;
        while (*p != entry)
            p = &(*p)->alias_next;
        *p = entry->alias_next;
        free_alias(nt, entry);
        return;
    }
    node = entry;
    struct fsp_node *alias = node->aliases;
    if (!alias) {
        node->unlinked = true;
        ino_remove(nt, node);
        detach(nt, node);
        return;
    }
    /* Another name takes over: the node keeps its id, paths now go
     * through the alias's name (whose parent reference it inherits). */
    struct fsp_node *oldparent = node->parent;
    node->aliases = alias->alias_next;
    hash_remove(nt, node);
    hash_remove(nt, alias);
    free(node->name);
    node->name = alias->name;
    node->namelen = alias->namelen;
    node->hash = alias->hash;
    node->parent = alias->parent;
    alias->name = NULL;
    node_free(nt, alias);
    hash_insert(nt, node);
    oldparent->refs--;
    maybe_free(nt, oldparent);
}

static struct fsp_node *node_new(struct fsp_native *nt, const WCHAR *name, size_t len)
{
    struct fsp_node *node = calloc(1, sizeof *node);
    if (!node)
        return NULL;
    node->name = malloc((len + 1) * sizeof(WCHAR));
    if (!node->name) {
        free(node);
        return NULL;
    }
    memcpy(node->name, name, len * sizeof(WCHAR));
    node->name[len] = 0;
    node->namelen = (uint16_t)len;
    node->nodeid = (uint64_t)(uintptr_t)node;
    pthread_rwlock_init(&node->io_lock, NULL);
    node->all_next = nt->all_nodes;
    if (nt->all_nodes)
        nt->all_nodes->all_prev = node;
    nt->all_nodes = node;
    return node;
}

int fsp_nodes_init(struct fsp_native *nt)
{
    pthread_mutex_init(&nt->nodes_lock, NULL);
    nt->hard_links = nt->fs->VolumeParams.HardLinks;
    if (grow_buckets(nt))
        return -ENOMEM;
    nt->root = node_new(nt, u"", 0);
    if (!nt->root)
        return -ENOMEM;
    nt->root->nodeid = FUSE_ROOT_ID;
    nt->root->nlookup = 1;
    nt->next_ino = 2;
    return 0;
}

void fsp_nodes_fini(struct fsp_native *nt)
{
    /* The kernel forgets every node and releases every handle before a
     * normal unmount ends, but not when the connection is aborted or the
     * unmount is lazy: close what is still open so the file system can
     * free its contexts, then free every node, named or not. */
    while (nt->all_nodes) {
        struct fsp_node *node = nt->all_nodes;
        while (node->handles) {
            struct fsp_handle *h = node->handles;
            node->handles = h->next_on_node;
            bool last = !h->ctx_users || --*h->ctx_users == 0;
            if (h->ctx_users && last)
                free(h->ctx_users);
            if (last)
                fsp_fs_close(nt, h->context);
            fsp_handle_free(h);
        }
        node_free(nt, node);
    }
    free(nt->buckets);
    free(nt->ino_buckets);
    nt->buckets = NULL;
    nt->ino_buckets = NULL;
    nt->nbuckets = nt->nnodes = 0;
    nt->root = NULL;
    pthread_mutex_destroy(&nt->nodes_lock);
}

struct fsp_node *fsp_node_get(struct fsp_native *nt, uint64_t nodeid)
{
    struct fsp_node *node =
        nodeid == FUSE_ROOT_ID ? nt->root : (struct fsp_node *)(uintptr_t)nodeid;
    if (!node)
        return NULL;
    pthread_mutex_lock(&nt->nodes_lock);
    node->refs++;
    pthread_mutex_unlock(&nt->nodes_lock);
    return node;
}

void fsp_node_put(struct fsp_native *nt, struct fsp_node *node)
{
    if (!node)
        return;
    pthread_mutex_lock(&nt->nodes_lock);
    node->refs--;
    maybe_free(nt, node);
    pthread_mutex_unlock(&nt->nodes_lock);
}

/* Give node the further name (parent, name). Lock held. */
static bool add_alias(struct fsp_native *nt, struct fsp_node *node, struct fsp_node *parent,
                      const WCHAR *name, size_t namelen, uint32_t hash)
{
    struct fsp_node *alias = node_new(nt, name, namelen);
    if (!alias)
        return false;
    alias->hash = hash;
    alias->parent = parent;
    alias->ino = node->ino;
    alias->alias_of = node;
    alias->refs = 1; /* owned by node: maybe_free never takes it */
    alias->alias_next = node->aliases;
    node->aliases = alias;
    parent->refs++;
    hash_insert(nt, alias);
    return true;
}

struct fsp_node *fsp_node_link(struct fsp_native *nt, struct fsp_node *parent, const WCHAR *name,
                               size_t namelen, uint64_t ino, bool lookup)
{
    /* A named stream reports its main file's IndexNumber, or its own: either
     * way it is a node of its own with a number of ours (streams.h). Without
     * stream names a ':' (in a name a file system lists) is nothing special. */
    bool stream = nt->stream_names && fsp_stream_name_is(name, namelen);
    if (stream)
        ino = 0;
    uint32_t hash = name_hash(nt, parent, name, namelen);
    pthread_mutex_lock(&nt->nodes_lock);
    struct fsp_node *entry = hash_find(nt, parent, name, namelen, hash);
    struct fsp_node *node = entry && entry->alias_of ? entry->alias_of : entry;
    if (node && ino && node->ino != ino) {
        /* A different file now has this name (replaced outside our view):
         * the name leaves the old node, the kernel will forget it. */
        node->refs++;
        drop_name(nt, entry);
        node->refs--;
        maybe_free(nt, node);
        node = NULL;
    }
    if (!node && ino && nt->hard_links) {
        /* Another name of a file the kernel knows: the same node. */
        node = ino_find(nt, ino);
        if (node && !add_alias(nt, node, parent, name, namelen, hash)) {
            pthread_mutex_unlock(&nt->nodes_lock);
            return NULL;
        }
    }
    if (!node) {
        node = node_new(nt, name, namelen);
        if (!node) {
            pthread_mutex_unlock(&nt->nodes_lock);
            return NULL;
        }
        node->hash = hash;
        node->parent = parent;
        node->ino = ino ? ino : (stream ? FSP_STREAM_INO_BIT : 0) | nt->next_ino++;
        node->stream = stream;
        parent->refs++;
        hash_insert(nt, node);
        if (ino && nt->hard_links)
            ino_insert(nt, node);
    }
    if (lookup)
        node->nlookup++;
    else
        node->refs++;
    pthread_mutex_unlock(&nt->nodes_lock);
    return node;
}

struct fsp_node *fsp_node_find(struct fsp_native *nt, struct fsp_node *parent, const WCHAR *name,
                               size_t namelen)
{
    uint32_t hash = name_hash(nt, parent, name, namelen);
    pthread_mutex_lock(&nt->nodes_lock);
    struct fsp_node *node = hash_find(nt, parent, name, namelen, hash);
    if (node && node->alias_of)
        node = node->alias_of;
    if (node)
        node->refs++;
    pthread_mutex_unlock(&nt->nodes_lock);
    return node;
}

void fsp_node_forget(struct fsp_native *nt, uint64_t nodeid, uint64_t nlookup)
{
    struct fsp_node *node =
        nodeid == FUSE_ROOT_ID ? nt->root : (struct fsp_node *)(uintptr_t)nodeid;
    if (!node || node == nt->root)
        return;
    pthread_mutex_lock(&nt->nodes_lock);
    node->nlookup = nlookup > node->nlookup ? 0 : node->nlookup - nlookup;
    maybe_free(nt, node);
    pthread_mutex_unlock(&nt->nodes_lock);
}

static void unlink_name(struct fsp_native *nt, struct fsp_node *parent, const WCHAR *name,
                        size_t namelen)
{
    uint32_t hash = name_hash(nt, parent, name, namelen);
    pthread_mutex_lock(&nt->nodes_lock);
    struct fsp_node *entry = hash_find(nt, parent, name, namelen, hash);
    if (entry) {
        struct fsp_node *node = entry->alias_of ? entry->alias_of : entry;
        node->refs++; /* keep it while detaching */
        drop_name(nt, entry);
        node->refs--;
        maybe_free(nt, node);
    }
    pthread_mutex_unlock(&nt->nodes_lock);
}

/* Is node's name "name:..." (the stream of that file)? */
static bool is_stream_of(struct fsp_native *nt, const struct fsp_node *node, const WCHAR *name,
                         size_t namelen)
{
    if (node->namelen <= namelen + 1 || node->name[namelen] != u':')
        return false;
    if (nt->case_insensitive)
        return fsp_wcsicmp_len(node->name, namelen, name, namelen) == 0;
    return memcmp(node->name, name, namelen * sizeof(WCHAR)) == 0;
}

void fsp_node_unlink_streams(struct fsp_native *nt, struct fsp_node *dir, const WCHAR *name,
                             size_t namelen, struct fsp_streams_gone *gone)
{
    WCHAR **names = NULL;
    size_t count = 0, cap = 0;

    gone->names = NULL;
    gone->count = 0;
    if (!nt->stream_names || !dir)
        return;
    /* Collect first: unlink_name takes nodes_lock itself. Stream nodes
     * exist only while the kernel uses them, so the walk is short in
     * practice; it runs only on volumes with stream names. */
    pthread_mutex_lock(&nt->nodes_lock);
    for (struct fsp_node *n = nt->all_nodes; n; n = n->all_next) {
        if (n->parent != dir || n->alias_of || !is_stream_of(nt, n, name, namelen))
            continue;
        if (count == cap) {
            size_t ncap = cap ? 2 * cap : 8;
            WCHAR **grown = realloc(names, ncap * sizeof *names);
            if (!grown)
                break;
            names = grown;
            cap = ncap;
        }
        WCHAR *copy = malloc(((size_t)n->namelen + 1) * sizeof(WCHAR));
        if (!copy)
            break;
        memcpy(copy, n->name, n->namelen * sizeof(WCHAR));
        copy[n->namelen] = 0;
        names[count++] = copy;
    }
    pthread_mutex_unlock(&nt->nodes_lock);

    /* Without memory for the kernel's names, the nodes still lose theirs:
     * the kernel's entries then fail until they expire. */
    char **names8 = count ? calloc(count, sizeof *names8) : NULL;
    for (size_t i = 0; i < count; i++) {
        size_t len = fsp_wcslen(names[i]);
        unlink_name(nt, dir, names[i], len);
        /* The stream's own colon is a real ':' here; the conversion gives
         * ':' for it as for U+F03A. */
        char *name8 = names8 ? malloc(3 * len + 1) : NULL;
        int n8 =
            name8 ? fsp_utf16_to_utf8(names[i], len, name8, 3 * len + 1, FSP_UTF_TRANSLATE) : -1;
        if (n8 > 0) {
            name8[n8] = 0;
            names8[i] = name8;
        } else {
            free(name8);
        }
        free(names[i]);
    }
    free(names);
    gone->names = names8;
    gone->count = names8 ? count : 0;
}

void fsp_node_unlink(struct fsp_native *nt, struct fsp_node *parent, const WCHAR *name,
                     size_t namelen, struct fsp_streams_gone *gone)
{
    unlink_name(nt, parent, name, namelen);
    if (!gone)
        return;
    /* The file's streams died with it; a stream has none of its own. */
    gone->names = NULL;
    gone->count = 0;
    if (!fsp_stream_name_is(name, namelen))
        fsp_node_unlink_streams(nt, parent, name, namelen, gone);
}

int fsp_node_move(struct fsp_native *nt, struct fsp_node *node, struct fsp_node *newparent,
                  const WCHAR *newname, size_t newlen)
{
    WCHAR *copy = malloc((newlen + 1) * sizeof(WCHAR));
    if (!copy)
        return -ENOMEM;
    memcpy(copy, newname, newlen * sizeof(WCHAR));
    copy[newlen] = 0;
    pthread_mutex_lock(&nt->nodes_lock);
    struct fsp_node *oldparent = node->parent;
    if (oldparent)
        hash_remove(nt, node);
    free(node->name);
    node->name = copy;
    node->namelen = (uint16_t)newlen;
    node->parent = newparent;
    node->unlinked = false;
    node->hash = name_hash(nt, newparent, copy, newlen);
    newparent->refs++;
    hash_insert(nt, node);
    if (oldparent) {
        oldparent->refs--;
        maybe_free(nt, oldparent);
    }
    pthread_mutex_unlock(&nt->nodes_lock);
    return 0;
}

int fsp_node_rename(struct fsp_native *nt, struct fsp_node *olddir, const WCHAR *oldname,
                    size_t oldlen, struct fsp_node *newdir, const WCHAR *newname, size_t newlen,
                    struct fsp_streams_gone *gone)
{
    uint32_t hash = name_hash(nt, olddir, oldname, oldlen);
    pthread_mutex_lock(&nt->nodes_lock);
    struct fsp_node *entry = hash_find(nt, olddir, oldname, oldlen, hash);
    if (entry)
        entry->refs++;
    pthread_mutex_unlock(&nt->nodes_lock);
    int err = 0;
    if (entry) {
        /* An alias record moves like a node: same fields, same hash. */
        err = fsp_node_move(nt, entry, newdir, newname, newlen);
        fsp_node_put(nt, entry);
    }
    /* The file's streams moved with it, under a name their nodes do not
     * have (known or not, the main file's node may never have been looked
     * up: "cat f:s" asks for the stream alone). */
    if (gone)
        fsp_node_unlink_streams(nt, olddir, oldname, oldlen, gone);
    return err;
}

int fsp_node_add_name(struct fsp_native *nt, struct fsp_node *node, struct fsp_node *parent,
                      const WCHAR *name, size_t namelen)
{
    uint32_t hash = name_hash(nt, parent, name, namelen);
    pthread_mutex_lock(&nt->nodes_lock);
    if (!node->parent) { /* no name left to add one to (link(2) checks first) */
        pthread_mutex_unlock(&nt->nodes_lock);
        return -ENOENT;
    }
    struct fsp_node *entry = hash_find(nt, parent, name, namelen, hash);
    struct fsp_node *owner = entry && entry->alias_of ? entry->alias_of : entry;
    if (entry && owner != node) {
        /* A stale name of a file gone behind our back. */
        owner->refs++;
        drop_name(nt, entry);
        owner->refs--;
        maybe_free(nt, owner);
        entry = NULL;
    }
    if (!entry && !add_alias(nt, node, parent, name, namelen, hash)) {
        pthread_mutex_unlock(&nt->nodes_lock);
        return -ENOMEM;
    }
    node->nlookup++;
    pthread_mutex_unlock(&nt->nodes_lock);
    return 0;
}

void fsp_node_drop(struct fsp_native *nt, struct fsp_node *node)
{
    pthread_mutex_lock(&nt->nodes_lock);
    if (node->parent) {
        node->refs++; /* keep it while detaching */
        drop_name(nt, node);
        node->refs--;
        maybe_free(nt, node);
    }
    pthread_mutex_unlock(&nt->nodes_lock);
}

void fsp_node_set_kind(struct fsp_node *node, uint32_t mode)
{
    uint8_t kind = S_ISDIR(mode) ? FSP_NODE_DIR : FSP_NODE_FILE;
    if (mode && __atomic_load_n(&node->kind, __ATOMIC_RELAXED) != kind)
        __atomic_store_n(&node->kind, kind, __ATOMIC_RELAXED);
}

int fsp_node_path(struct fsp_native *nt, struct fsp_node *node, const WCHAR *child, size_t childlen,
                  WCHAR *buf)
{
    /* Build from the end of the buffer towards its start, then slide down. */
    size_t end = FSP_PATH_MAX - 1, pos = end;
    buf[end] = 0;
    if (child) {
        if (childlen + 1 > pos)
            return -ENAMETOOLONG;
        pos -= childlen;
        memcpy(buf + pos, child, childlen * sizeof(WCHAR));
        buf[--pos] = u'\\';
    }
    pthread_mutex_lock(&nt->nodes_lock);
    for (struct fsp_node *n = node; n != nt->root; n = n->parent) {
        if (!n->parent) {
            pthread_mutex_unlock(&nt->nodes_lock);
            return -ENOENT;
        }
        if (n->namelen + 1u > pos) {
            pthread_mutex_unlock(&nt->nodes_lock);
            return -ENAMETOOLONG;
        }
        pos -= n->namelen;
        memcpy(buf + pos, n->name, n->namelen * sizeof(WCHAR));
        buf[--pos] = u'\\';
    }
    pthread_mutex_unlock(&nt->nodes_lock);
    if (pos == end)
        buf[--pos] = u'\\'; /* the root itself */
    size_t len = end - pos;
    memmove(buf, buf + pos, (len + 1) * sizeof(WCHAR));
    return (int)len;
}
