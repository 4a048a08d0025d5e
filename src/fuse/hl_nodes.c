/*
 * hl_nodes.c - the high-level layer's node table: node ids <-> names, the
 * lookup counts the kernel holds, and paths built from them (see hl_i.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuse/hl_i.h"

/* --- Hashing ---------------------------------------------------------------- */

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
}

static uint64_t name_key(uint64_t parent, const char *name)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = (h ^ *p) * 0x100000001b3ULL;
    return mix(h ^ parent);
}

/* Each table chains its entries through a next pointer at next_off. */
static void **next_ptr(void *e, size_t next_off)
{
    return (void **)((char *)e + next_off);
}

static int hash_init(struct hl_hash *h)
{
    h->size = 256;
    h->count = 0;
    h->buckets = calloc(h->size, sizeof(void *));
    return h->buckets ? 0 : -ENOMEM;
}

/* Doubles the table when it gets full; a failed grow only costs speed. */
static void hash_add(struct hl_hash *h, void *e, uint64_t key, size_t next_off,
                     uint64_t (*key_of)(const void *))
{
    if (h->count >= h->size) {
        size_t size = h->size * 2;
        void **b = calloc(size, sizeof(void *));
        if (b) {
            for (size_t i = 0; i < h->size; i++) {
                void *x = h->buckets[i];
                while (x) {
                    void *next = *next_ptr(x, next_off);
                    size_t j = key_of(x) & (size - 1);
                    *next_ptr(x, next_off) = b[j];
                    b[j] = x;
                    x = next;
                }
            }
            free(h->buckets);
            h->buckets = b;
            h->size = size;
        }
    }
    void **slot = &h->buckets[key & (h->size - 1)];
    *next_ptr(e, next_off) = *slot;
    *slot = e;
    h->count++;
}

static void hash_del(struct hl_hash *h, void *e, uint64_t key, size_t next_off)
{
    for (void **p = &h->buckets[key & (h->size - 1)]; *p; p = next_ptr(*p, next_off)) {
        if (*p == e) {
            *p = *next_ptr(e, next_off);
            h->count--;
            return;
        }
    }
}

static uint64_t id_key_of(const void *e)
{
    return mix(((const struct hl_node *)e)->nodeid);
}

static uint64_t ino_key_of(const void *e)
{
    return mix((uint64_t)((const struct hl_node *)e)->ino);
}

static uint64_t name_key_of(const void *e)
{
    const struct hl_name *n = e;
    return name_key(n->parent->nodeid, n->name);
}

#define ID_NEXT   offsetof(struct hl_node, id_next)
#define INO_NEXT  offsetof(struct hl_node, ino_next)
#define NAME_NEXT offsetof(struct hl_name, hash_next)

static struct hl_node *find_id(struct fuse *f, uint64_t id)
{
    struct hl_node *n = f->ids.buckets[mix(id) & (f->ids.size - 1)];
    while (n && n->nodeid != id)
        n = n->id_next;
    return n;
}

static struct hl_name *find_name(struct fuse *f, uint64_t parent, const char *name)
{
    struct hl_name *n = f->names.buckets[name_key(parent, name) & (f->names.size - 1)];
    while (n && (n->parent->nodeid != parent || strcmp(n->name, name) != 0))
        n = n->hash_next;
    return n;
}

/* A live node (one with a name) of this inode number and file type. */
static struct hl_node *find_ino(struct fuse *f, ino_t ino, mode_t type)
{
    struct hl_node *n = f->inos.buckets[mix((uint64_t)ino) & (f->inos.size - 1)];
    while (n && (n->ino != ino || n->type != type || !n->names))
        n = n->ino_next;
    return n;
}

/* --- Nodes and names ---------------------------------------------------------- */

static struct hl_node *new_node(struct fuse *f, const struct stat *st)
{
    struct hl_node *n = calloc(1, sizeof(*n));
    if (!n)
        return NULL;
    n->nodeid = f->next_id++;
    n->ino = st->st_ino;
    n->type = st->st_mode & S_IFMT;
    hash_add(&f->ids, n, mix(n->nodeid), ID_NEXT, id_key_of);
    if (f->conf.use_ino) {
        hash_add(&f->inos, n, mix((uint64_t)n->ino), INO_NEXT, ino_key_of);
        n->in_ino_hash = true;
    }
    return n;
}

static struct hl_name *add_name(struct fuse *f, struct hl_node *node, struct hl_node *parent,
                                const char *name)
{
    size_t len = strlen(name);
    struct hl_name *n = malloc(sizeof(*n) + len + 1);
    if (!n)
        return NULL;
    memcpy(n->name, name, len + 1);
    n->parent = parent;
    n->node = node;
    n->alias_next = NULL;
    parent->refs++;
    /* Appended: the first name, which paths use, stays the same. */
    struct hl_name **p = &node->names;
    while (*p)
        p = &(*p)->alias_next;
    *p = n;
    hash_add(&f->names, n, name_key(parent->nodeid, name), NAME_NEXT, name_key_of);
    /* A node that lost its last name (a rename drops the old name before it
     * adds the new one) left the inode index: back in, or a later hard
     * link to it would get a second node, and the kernel a second inode. */
    if (f->conf.use_ino && !node->in_ino_hash) {
        hash_add(&f->inos, node, mix((uint64_t)node->ino), INO_NEXT, ino_key_of);
        node->in_ino_hash = true;
    }
    return n;
}

static void maybe_free(struct fuse *f, struct hl_node *node);

/* Unhook one name; its parent may go with it (its node is the caller's). */
static void unhook_name(struct fuse *f, struct hl_name *n)
{
    struct hl_node *node = n->node, *parent = n->parent;
    hash_del(&f->names, n, name_key(parent->nodeid, n->name), NAME_NEXT);
    for (struct hl_name **p = &node->names; *p; p = &(*p)->alias_next) {
        if (*p == n) {
            *p = n->alias_next;
            break;
        }
    }
    free(n);
    if (!node->names) {
        node->hidden = false;
        /* A nameless node must not catch a new file that reuses its st_ino. */
        if (node->in_ino_hash) {
            hash_del(&f->inos, node, mix((uint64_t)node->ino), INO_NEXT);
            node->in_ino_hash = false;
        }
    }
    parent->refs--;
    maybe_free(f, parent);
}

/* Forget one name; its node and parent may go with it. */
static void drop_name(struct fuse *f, struct hl_name *n)
{
    struct hl_node *node = n->node;
    unhook_name(f, n);
    maybe_free(f, node);
}

/* A node goes when neither the kernel nor a child name refers to it
 * (unless -o noforget/remember keeps them all until unmount). */
static void maybe_free(struct fuse *f, struct hl_node *node)
{
    if (node == f->root || node->nlookup || node->refs || f->conf.remember)
        return;
    while (node->names)
        unhook_name(f, node->names);
    hash_del(&f->ids, node, mix(node->nodeid), ID_NEXT);
    if (node->in_ino_hash)
        hash_del(&f->inos, node, mix((uint64_t)node->ino), INO_NEXT);
    free(node->fhs);
    free(node);
}

int hl_table_init(struct fuse *f)
{
    if (pthread_rwlock_init(&f->tree, NULL) != 0)
        return -ENOMEM;
    if (hash_init(&f->ids) || hash_init(&f->names) || hash_init(&f->inos))
        return -ENOMEM;
    struct stat st = {.st_ino = FUSE_ROOT_ID, .st_mode = S_IFDIR};
    f->next_id = FUSE_ROOT_ID;
    bool use_ino = f->conf.use_ino;
    f->conf.use_ino = 0; /* the root is never found by inode number */
    f->root = new_node(f, &st);
    f->conf.use_ino = use_ino;
    if (!f->root)
        return -ENOMEM;
    f->root->nlookup = 1;
    return 0;
}

void hl_table_free(struct fuse *f)
{
    if (!f->ids.buckets)
        return; /* never set up (fuse_new failed early) */
    if (f->names.buckets) {
        for (size_t i = 0; i < f->names.size; i++) {
            for (struct hl_name *n = f->names.buckets[i], *next; n; n = next) {
                next = n->hash_next;
                free(n);
            }
        }
    }
    for (size_t i = 0; i < f->ids.size; i++) {
        for (struct hl_node *n = f->ids.buckets[i], *next; n; n = next) {
            next = n->id_next;
            free(n->fhs);
            free(n);
        }
    }
    free(f->names.buckets);
    free(f->ids.buckets);
    free(f->inos.buckets);
    pthread_rwlock_destroy(&f->tree);
}

/* --- Paths ---------------------------------------------------------------------- */

/* A path is built back to front into a buffer of the exact length. */
int hl_path(struct fuse *f, fuse_req_t req, uint64_t id, const char *name, char **path)
{
    *path = NULL;
    size_t namelen = name ? strlen(name) : 0;
    pthread_rwlock_rdlock(&f->tree);
    struct hl_node *node = find_id(f, id);
    int err = 0;
    if (!node) {
        err = -ESTALE;
        goto out;
    }
    size_t len = name ? namelen + 1 : 0;
    for (struct hl_node *n = node; n != f->root; n = n->names->parent) {
        if (!n->names) {
            err = -ENOENT; /* unlinked */
            goto out;
        }
        len += strlen(n->names->name) + 1;
    }
    if (len == 0)
        len = 1; /* "/" */
    char *buf = hl_path_alloc(req, len + 1);
    if (!buf) {
        err = -ENOMEM;
        goto out;
    }
    char *p = buf + len;
    *p = '\0';
    if (name) {
        p -= namelen;
        memcpy(p, name, namelen);
        *--p = '/';
    }
    for (struct hl_node *n = node; n != f->root; n = n->names->parent) {
        size_t l = strlen(n->names->name);
        p -= l;
        memcpy(p, n->names->name, l);
        *--p = '/';
    }
    if (p > buf)
        *--p = '/';
    *path = buf;
out:
    pthread_rwlock_unlock(&f->tree);
    return err;
}

int hl_path_fi(struct fuse *f, fuse_req_t req, uint64_t id, char **path)
{
    *path = NULL;
    if (f->conf.nullpath_ok && !f->nullpath_if_unlinked)
        return 0;
    int err = hl_path(f, req, id, NULL, path);
    return err == -ENOENT ? 0 : err;
}

uint64_t hl_child(struct fuse *f, uint64_t parent, const char *name)
{
    pthread_rwlock_rdlock(&f->tree);
    struct hl_name *n = find_name(f, parent, name);
    uint64_t id = n ? n->node->nodeid : 0;
    pthread_rwlock_unlock(&f->tree);
    return id;
}

uint64_t hl_find_path(struct fuse *f, const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return 0;
    uint64_t id = FUSE_ROOT_ID;
    pthread_rwlock_rdlock(&f->tree);
    char *save = NULL;
    for (char *c = strtok_r(copy, "/", &save); c && id; c = strtok_r(NULL, "/", &save)) {
        struct hl_name *n = find_name(f, id, c);
        id = n ? n->node->nodeid : 0;
    }
    pthread_rwlock_unlock(&f->tree);
    free(copy);
    return id;
}

/* --- Changes ------------------------------------------------------------------- */

uint64_t hl_remember(struct fuse *f, uint64_t parent, const char *name, const struct stat *st)
{
    uint64_t id = 0;
    mode_t type = st->st_mode & S_IFMT;
    pthread_rwlock_wrlock(&f->tree);
    struct hl_node *dir = find_id(f, parent);
    if (!dir)
        goto out;
    struct hl_name *n = find_name(f, parent, name);
    /* A different file under a known name was replaced behind the kernel's
     * back: the name now belongs to a new node. */
    if (n && (n->node->type != type || (f->conf.use_ino && n->node->ino != st->st_ino))) {
        struct hl_node *old = n->node;
        old->nlookup++; /* keep it while its name goes */
        drop_name(f, n);
        old->nlookup--;
        maybe_free(f, old);
        n = NULL;
    }
    struct hl_node *node;
    if (n) {
        node = n->node;
    } else {
        node = f->conf.use_ino ? find_ino(f, st->st_ino, type) : NULL;
        bool fresh = !node;
        if (fresh && !(node = new_node(f, st)))
            goto out;
        if (!add_name(f, node, dir, name)) {
            if (fresh)
                maybe_free(f, node);
            goto out;
        }
    }
    node->nlookup++;
    id = node->nodeid;
out:
    pthread_rwlock_unlock(&f->tree);
    return id;
}

void hl_forget(struct fuse *f, uint64_t id, uint64_t nlookup)
{
    pthread_rwlock_wrlock(&f->tree);
    struct hl_node *node = find_id(f, id);
    if (node && node != f->root) {
        node->nlookup = node->nlookup > nlookup ? node->nlookup - nlookup : 0;
        maybe_free(f, node);
    }
    pthread_rwlock_unlock(&f->tree);
}

void hl_unlinked(struct fuse *f, uint64_t parent, const char *name)
{
    pthread_rwlock_wrlock(&f->tree);
    struct hl_name *n = find_name(f, parent, name);
    if (n)
        drop_name(f, n);
    pthread_rwlock_unlock(&f->tree);
}

void hl_unlinked_node(struct fuse *f, uint64_t id)
{
    pthread_rwlock_wrlock(&f->tree);
    struct hl_node *node = find_id(f, id);
    if (node) {
        node->nlookup++; /* pinned until its last name is gone */
        while (node->names)
            unhook_name(f, node->names);
        node->nlookup--;
        maybe_free(f, node);
    }
    pthread_rwlock_unlock(&f->tree);
}

void hl_renamed(struct fuse *f, uint64_t olddir, const char *oldname, uint64_t newdir,
                const char *newname, unsigned flags)
{
    pthread_rwlock_wrlock(&f->tree);
    struct hl_node *to = find_id(f, newdir), *from = find_id(f, olddir);
    struct hl_name *src = find_name(f, olddir, oldname);
    struct hl_name *dst = find_name(f, newdir, newname);
    struct hl_node *snode = src ? src->node : NULL, *dnode = dst ? dst->node : NULL;
    /* Pinned while names move, so nothing is freed half way. */
    if (snode)
        snode->nlookup++;
    if (dnode)
        dnode->nlookup++;
    if (dst)
        drop_name(f, dst);
    if (src)
        drop_name(f, src);
    if (snode && to && !add_name(f, snode, to, newname))
        fsp_log("fuse: out of memory renaming %s\n", newname);
    if (dnode && from && (flags & RENAME_EXCHANGE) && !add_name(f, dnode, from, oldname))
        fsp_log("fuse: out of memory renaming %s\n", oldname);
    if (snode) {
        snode->nlookup--;
        maybe_free(f, snode);
    }
    if (dnode) {
        dnode->nlookup--;
        maybe_free(f, dnode);
    }
    pthread_rwlock_unlock(&f->tree);
}

/* --- Open files --------------------------------------------------------------- */

void hl_opened(struct fuse *f, uint64_t id, uint64_t fh)
{
    pthread_rwlock_wrlock(&f->tree);
    struct hl_node *node = find_id(f, id);
    if (node) {
        if (node->open_count == node->fh_cap) {
            unsigned cap = node->fh_cap ? node->fh_cap * 2 : 2;
            uint64_t *fhs = realloc(node->fhs, cap * sizeof(*fhs));
            if (fhs) {
                node->fhs = fhs;
                node->fh_cap = cap;
            }
        }
        /* Without room the handle is only counted: hiding still works,
         * only the fstat-after-unlink stand-in may lack a handle. */
        if (node->open_count < node->fh_cap)
            node->fhs[node->open_count] = fh;
        node->open_count++;
    }
    pthread_rwlock_unlock(&f->tree);
}

bool hl_released(struct fuse *f, uint64_t id, uint64_t fh)
{
    bool last_hidden = false;
    pthread_rwlock_wrlock(&f->tree);
    struct hl_node *node = find_id(f, id);
    if (node && node->open_count) {
        unsigned n = node->open_count < node->fh_cap ? node->open_count : node->fh_cap;
        for (unsigned i = 0; i < n; i++) {
            if (node->fhs[i] == fh) {
                node->fhs[i] = node->fhs[n - 1];
                break;
            }
        }
        node->open_count--;
        last_hidden = !node->open_count && node->hidden;
    }
    pthread_rwlock_unlock(&f->tree);
    return last_hidden;
}

bool hl_is_open(struct fuse *f, uint64_t parent, const char *name)
{
    pthread_rwlock_rdlock(&f->tree);
    struct hl_name *n = find_name(f, parent, name);
    /* Hiding keeps an open file's data; with another name left it is kept
     * anyway. */
    bool open = n && n->node->open_count && !n->node->names->alias_next;
    pthread_rwlock_unlock(&f->tree);
    return open;
}

bool hl_node_fh(struct fuse *f, uint64_t id, uint64_t *fh)
{
    pthread_rwlock_rdlock(&f->tree);
    struct hl_node *node = find_id(f, id);
    bool ok = node && node->open_count && node->fh_cap;
    if (ok)
        *fh = node->fhs[0];
    pthread_rwlock_unlock(&f->tree);
    return ok;
}

bool hl_cache_unchanged(struct fuse *f, uint64_t id, const struct stat *st)
{
    pthread_rwlock_wrlock(&f->tree);
    struct hl_node *node = find_id(f, id);
    bool same = false;
    if (node) {
        same = node->cache_valid && node->cache_size == st->st_size &&
               node->cache_mtime.tv_sec == st->st_mtim.tv_sec &&
               node->cache_mtime.tv_nsec == st->st_mtim.tv_nsec;
        node->cache_valid = true;
        node->cache_size = st->st_size;
        node->cache_mtime = st->st_mtim;
    }
    pthread_rwlock_unlock(&f->tree);
    return same;
}

uint64_t hl_nosec_until(struct fuse *f, uint64_t id)
{
    pthread_rwlock_rdlock(&f->tree);
    struct hl_node *node = find_id(f, id);
    uint64_t until = node ? atomic_load_explicit(&node->nosec_until, memory_order_relaxed) : 0;
    pthread_rwlock_unlock(&f->tree);
    return until;
}

void hl_set_nosec_until(struct fuse *f, uint64_t id, uint64_t until)
{
    pthread_rwlock_rdlock(&f->tree);
    struct hl_node *node = find_id(f, id);
    if (node)
        atomic_store_explicit(&node->nosec_until, until, memory_order_relaxed);
    pthread_rwlock_unlock(&f->tree);
}

int hl_hide(struct fuse *f, fuse_req_t req, uint64_t parent, const char *name)
{
    char *from, *to, hidden[40];
    int err = hl_path(f, req, parent, name, &from);
    if (err)
        return err;
    uint64_t id = hl_child(f, parent, name);
    for (int tries = 0; tries < 10; tries++) {
        pthread_rwlock_wrlock(&f->tree);
        unsigned ctr = ++f->hidden_ctr;
        pthread_rwlock_unlock(&f->tree);
        snprintf(hidden, sizeof(hidden), ".fuse_hidden%08x%08x", (unsigned)id, ctr);
        err = hl_path(f, req, parent, hidden, &to);
        if (err)
            break;
        struct stat st;
        /* Never clobber a file that happens to have this name. */
        err = fuse_fs_getattr(f->fs, to, &st, NULL);
        if (err == 0) {
            hl_path_put(req, to);
            err = -EBUSY;
            continue;
        }
        err = fuse_fs_rename(f->fs, from, to, 0);
        hl_path_put(req, to);
        if (err == 0) {
            hl_renamed(f, parent, name, parent, hidden, 0);
            pthread_rwlock_wrlock(&f->tree);
            struct hl_name *n = find_name(f, parent, hidden);
            if (n)
                n->node->hidden = true;
            pthread_rwlock_unlock(&f->tree);
        }
        break;
    }
    hl_path_put(req, from);
    return err;
}
