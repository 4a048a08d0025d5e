/*
 * native/gate.c - the access gate on requests.
 *
 * WinFsp's DLL runs Windows' access check on every Create with the
 * descriptor from GetSecurityByName. FSP lets the kernel check rwx against
 * the POSIX view of the descriptor (default_permissions, FUSE_POSIX_ACL);
 * the gate adds, after the kernel's check and on volumes with
 * GetSecurityByName, Windows' check for what rwx cannot say: deny ACEs and
 * rights beyond read/write/execute (gate_rule.c):
 *
 *   open            FILE_READ_DATA / FILE_WRITE_DATA (FILE_APPEND_DATA for
 *                   O_APPEND) / FILE_EXECUTE (an exec) from the flags,
 *                   FILE_LIST_DIRECTORY for a directory, FILE_WRITE_DATA
 *                   for O_TRUNC
 *   create, mknod,  FILE_ADD_FILE on the directory (FILE_ADD_SUBDIRECTORY
 *   symlink, link   for mkdir)
 *   unlink, rmdir   DELETE on the entry or FILE_DELETE_CHILD on the directory
 *   rename          the same for the source and a replaced target, and
 *                   FILE_ADD_FILE / FILE_ADD_SUBDIRECTORY on the target's
 *                   directory
 *   setattr         WRITE_DAC (mode), WRITE_OWNER (owner, group),
 *                   FILE_WRITE_DATA (size), FILE_WRITE_ATTRIBUTES (times)
 *   POSIX ACLs      WRITE_DAC to set
 *   user xattrs     FILE_READ_EA to read or list, FILE_WRITE_EA to change
 *
 * Cost: each node remembers whether its descriptor is POSIX-exact (noted
 * when the adapter reads the descriptor for the attributes, which LOOKUP
 * does before any open). For an exact node the gate is one load, and the
 * attribute path skips the check; only descriptors with Windows-only content
 * cost a GetSecurityByName and a token (the caller's groups from /proc) per
 * gated request. What may change a descriptor makes the node unknown again
 * (fsp_gate_forget): a change through the adapter (fsp_with_file, SETATTR of
 * a mode or owner) or a FILE_ACTION_MODIFIED notification from the file
 * system; the next look reads it afresh. (A GETATTR racing a change may
 * note the old descriptor; it holds until the next forget.)
 *
 * Root: requests from uid 0 pass. The kernel has already applied root's
 * capabilities to them (CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH for rwx and
 * traverse, CAP_FOWNER for chmod, times and ACLs, CAP_CHOWN for chown), and
 * those are what Windows' backup, restore and take-ownership privileges are
 * to an access check; a Windows ACE cannot take them away on Linux either.
 * (The request carries the fs uid, not the capability set: a uid 0 process
 * without capabilities is still stopped by the kernel's rwx check, but not by
 * the gate.)
 */
#include <stdlib.h>
#include <sys/stat.h>

#include "native/gate.h"
#include "ops_util.h"

bool fsp_gate_on(struct fsp_native *nt)
{
    return nt->fs->Interface->GetSecurityByName != NULL;
}

static uint8_t gate_state(struct fsp_node *node)
{
    return __atomic_load_n(&node->gate, __ATOMIC_RELAXED);
}

static void set_state(struct fsp_node *node, bool exact)
{
    __atomic_store_n(&node->gate, exact ? FSP_GATE_EXACT : FSP_GATE_WINDOWS, __ATOMIC_RELAXED);
}

void fsp_gate_note(struct fsp_native *nt, struct fsp_node *node, const void *sd)
{
    /* Exact stays exact until something forgets it: the attribute path
     * reads descriptors all the time, and should not pay for the check. */
    if (!node || !sd || gate_state(node) == FSP_GATE_EXACT || !fsp_gate_on(nt))
        return;
    size_t len = fsp_sd_length(sd, FSP_SD_MAX_SIZE);
    set_state(node, len && fsp_gate_sd_posix_exact_valid(sd, len));
}

void fsp_gate_forget(struct fsp_node *node)
{
    __atomic_store_n(&node->gate, FSP_GATE_UNKNOWN, __ATOMIC_RELAXED);
}

/* One object's descriptor, read for a decision. */
struct fetched {
    struct fsp_gate_obj obj;
    UINT32 attrs;
    bool found;
    void *heap;
    _Alignas(8) uint8_t buf[1024];
};

static void fetched_free(struct fetched *f)
{
    free(f->heap);
    f->heap = NULL;
}

/* GetSecurityByName(path) into f, retrying with the size asked for. A
 * missing name is found = false and success. */
static NTSTATUS fetch(struct fsp_native *nt, PWSTR path, struct fetched *f)
{
    FSP_FILE_SYSTEM *fs = nt->fs;
    SIZE_T size = sizeof f->buf;
    void *p = f->buf;
    NTSTATUS st = STATUS_SUCCESS;

    memset(&f->obj, 0, sizeof f->obj);
    f->heap = NULL;
    f->found = false;
    f->attrs = 0;
    for (int attempt = 0; attempt < 3; attempt++) {
        fsp_guard_enter(nt, FSP_GUARD_SHARED);
        st = fs->Interface->GetSecurityByName(fs, path, &f->attrs, p, &size);
        fsp_guard_leave(nt, FSP_GUARD_SHARED);
        if (st != STATUS_BUFFER_OVERFLOW || size > FSP_SD_MAX_SIZE)
            break;
        free(f->heap);
        p = f->heap = malloc(size);
        if (!p)
            return STATUS_INSUFFICIENT_RESOURCES;
    }
    if (st == STATUS_OBJECT_NAME_NOT_FOUND || st == STATUS_OBJECT_PATH_NOT_FOUND)
        return STATUS_SUCCESS;
    if (!NT_SUCCESS(st) || st == STATUS_REPARSE) {
        fetched_free(f);
        return st == STATUS_REPARSE ? STATUS_SUCCESS : st;
    }
    f->found = true;
    if (size > 0 && fsp_sd_valid(p, size)) {
        f->obj.sd = p;
        f->obj.len = size;
    }
    f->obj.exact = fsp_gate_sd_posix_exact(f->obj.sd, f->obj.len);
    return STATUS_SUCCESS;
}

/* Fetch node's descriptor (or of its child name when name is not NULL),
 * noting its exactness on the node it belongs to. */
static NTSTATUS fetch_node(struct fsp_native *nt, struct fsp_node *node, const WCHAR *name,
                           size_t namelen, struct fsp_node *child, struct fetched *f)
{
    WCHAR path[FSP_PATH_MAX];
    int len = fsp_node_path(nt, node, name, namelen, path);
    if (len < 0) {
        memset(f, 0, offsetof(struct fetched, buf));
        return len == -ENOENT ? STATUS_SUCCESS : FspNtStatusFromErrno(-len);
    }
    NTSTATUS st = fetch(nt, path, f);
    struct fsp_node *owner = name ? child : node;
    if (NT_SUCCESS(st) && f->found && owner)
        set_state(owner, f->obj.exact);
    return st;
}

struct caller {
    uint32_t uid;
    uint64_t access_token;
    FSP_TOKEN token;
    bool have_token;
};

static void caller_init(struct caller *c, struct fsp_req *req)
{
    const struct fuse_in_header *hdr = fsp_req_header(req);
    c->uid = hdr->uid;
    c->access_token = (uint64_t)hdr->pid << 32 | hdr->uid;
    c->have_token = false;
}

static NTSTATUS caller_token(struct caller *c, const FSP_TOKEN **pt)
{
    if (!c->have_token) {
        NTSTATUS st = fsp_token_from_access_token(&c->token, c->access_token);
        if (!NT_SUCCESS(st))
            return st;
        c->have_token = true;
    }
    *pt = &c->token;
    return STATUS_SUCCESS;
}

static void caller_fini(struct caller *c)
{
    if (c->have_token)
        fsp_token_free(&c->token);
}

/* Is there nothing to ask for this request at all? */
static bool skip(struct fsp_native *nt, struct fsp_req *req)
{
    return fsp_req_header(req)->uid == 0 || !fsp_gate_on(nt);
}

static NTSTATUS decide(struct caller *c, const struct fetched *f, uint32_t rights)
{
    const FSP_TOKEN *t;
    if (!f->found || !fsp_gate_needs_check(c->uid, f->obj.exact) || !rights)
        return STATUS_SUCCESS;
    NTSTATUS st = caller_token(c, &t);
    return NT_SUCCESS(st) ? fsp_gate_decide(c->uid, t, &f->obj, rights) : st;
}

NTSTATUS fsp_gate_node(struct fsp_req *req, struct fsp_node *node, uint32_t rights)
{
    struct fsp_native *nt = fsp_native_of(req);
    if (!node)
        node = fsp_req_node(nt, req);
    if (!rights || skip(nt, req) || gate_state(node) == FSP_GATE_EXACT)
        return STATUS_SUCCESS;
    struct fetched f;
    struct caller c;
    NTSTATUS st = fetch_node(nt, node, NULL, 0, NULL, &f);
    if (!NT_SUCCESS(st))
        return st;
    caller_init(&c, req);
    st = decide(&c, &f, rights);
    caller_fini(&c);
    fetched_free(&f);
    return st;
}

NTSTATUS fsp_gate_add(struct fsp_req *req, struct fsp_node *dir, bool subdir)
{
    return fsp_gate_node(req, dir, subdir ? FILE_ADD_SUBDIRECTORY : FILE_ADD_FILE);
}

/* The delete rule for (dir, name); *is_dir and *exists tell what was found. */
static NTSTATUS remove_check(struct fsp_native *nt, struct caller *c, struct fsp_node *dir,
                             const WCHAR *name, size_t namelen, bool *is_dir, bool *exists)
{
    struct fsp_node *child = fsp_node_find(nt, dir, name, namelen);
    bool fast = child && gate_state(child) == FSP_GATE_EXACT && gate_state(dir) == FSP_GATE_EXACT;
    struct fetched fc, fp;
    NTSTATUS st;

    *exists = true;
    if (fast && (!is_dir || child->kind != FSP_NODE_UNKNOWN)) {
        if (is_dir)
            *is_dir = child->kind == FSP_NODE_DIR;
        fsp_node_put(nt, child);
        return STATUS_SUCCESS;
    }
    st = fetch_node(nt, dir, name, namelen, child, &fc);
    if (child)
        fsp_node_put(nt, child);
    if (!NT_SUCCESS(st))
        return st;
    *exists = fc.found;
    if (is_dir)
        *is_dir = (fc.attrs & FILE_ATTRIBUTE_DIRECTORY) != 0;
    if (!fc.found || fast) {
        fetched_free(&fc);
        return STATUS_SUCCESS;
    }
    st = fetch_node(nt, dir, NULL, 0, NULL, &fp);
    if (NT_SUCCESS(st) && fp.found && fsp_gate_needs_check(c->uid, fc.obj.exact && fp.obj.exact)) {
        const FSP_TOKEN *t;
        st = caller_token(c, &t);
        if (NT_SUCCESS(st))
            st = fsp_gate_decide_delete(c->uid, t, &fc.obj, &fp.obj);
    }
    fetched_free(&fp);
    fetched_free(&fc);
    return st;
}

NTSTATUS fsp_gate_remove(struct fsp_req *req, struct fsp_node *dir, const WCHAR *name,
                         size_t namelen)
{
    struct fsp_native *nt = fsp_native_of(req);
    if (skip(nt, req))
        return STATUS_SUCCESS;
    struct caller c;
    bool exists;
    caller_init(&c, req);
    NTSTATUS st = remove_check(nt, &c, dir, name, namelen, NULL, &exists);
    caller_fini(&c);
    return st;
}

NTSTATUS fsp_gate_rename(struct fsp_req *req, struct fsp_node *olddir, const WCHAR *oldname,
                         size_t oldlen, struct fsp_node *newdir, const WCHAR *newname,
                         size_t newlen)
{
    struct fsp_native *nt = fsp_native_of(req);
    if (skip(nt, req))
        return STATUS_SUCCESS;
    struct caller c;
    bool is_dir = false, exists;
    caller_init(&c, req);
    NTSTATUS st = remove_check(nt, &c, olddir, oldname, oldlen, &is_dir, &exists);
    if (NT_SUCCESS(st) && exists)
        st = fsp_gate_add(req, newdir, is_dir);
    if (NT_SUCCESS(st) && exists)
        st = remove_check(nt, &c, newdir, newname, newlen, NULL, &exists);
    caller_fini(&c);
    return st;
}

NTSTATUS fsp_gate_setattr(struct fsp_req *req, uint32_t valid)
{
    struct fsp_native *nt = fsp_native_of(req);
    struct fsp_node *node = fsp_req_node(nt, req);
    const uint32_t times = FATTR_ATIME | FATTR_MTIME | FATTR_ATIME_NOW | FATTR_MTIME_NOW;
    uint32_t owner_rights = 0, data = 0, attrs = 0;

    /* A new mode or owner is a new descriptor (SETATTR's reply notes it). */
    if (valid & (FATTR_MODE | FATTR_UID | FATTR_GID))
        fsp_gate_forget(node);
    if (valid & FATTR_MODE)
        owner_rights |= WRITE_DAC;
    if (valid & (FATTR_UID | FATTR_GID))
        owner_rights |= WRITE_OWNER;
    /* Through a handle, the size is the handle's business (its open was
     * checked), as on Windows. */
    if ((valid & FATTR_SIZE) && !(valid & FATTR_FH))
        data = FILE_WRITE_DATA;
    /* With the writeback cache the kernel flushes the times it kept
     * (mtime and ctime, no atime): part of the writes, not a request of
     * the caller's. */
    if ((valid & times) && !((valid & FATTR_CTIME) && !(valid & (FATTR_ATIME | FATTR_ATIME_NOW))))
        attrs = FILE_WRITE_ATTRIBUTES;
    if (!(owner_rights | data | attrs) || skip(nt, req) || gate_state(node) == FSP_GATE_EXACT)
        return STATUS_SUCCESS;

    struct fetched f;
    struct caller c;
    NTSTATUS st = fetch_node(nt, node, NULL, 0, NULL, &f);
    if (!NT_SUCCESS(st))
        return st;
    caller_init(&c, req);
    st = decide(&c, &f, owner_rights);
    if (st == STATUS_ACCESS_DENIED)
        st = STATUS_PRIVILEGE_NOT_HELD; /* EPERM: what Linux tells a non-owner */
    if (NT_SUCCESS(st))
        st = decide(&c, &f, data);
    if (NT_SUCCESS(st)) {
        st = decide(&c, &f, attrs);
        /* Times set to "now" need write access on Linux (EACCES); explicit
         * times need ownership (EPERM). */
        bool now =
            (valid & (FATTR_ATIME_NOW | FATTR_MTIME_NOW)) == (FATTR_ATIME_NOW | FATTR_MTIME_NOW);
        if (st == STATUS_ACCESS_DENIED && !now)
            st = STATUS_PRIVILEGE_NOT_HELD;
    }
    caller_fini(&c);
    fetched_free(&f);
    return st;
}
