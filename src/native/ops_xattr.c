/*
 * ops_xattr.c - GETXATTR, SETXATTR, LISTXATTR and REMOVEXATTR on the native
 * API: Linux extended attributes as WinFsp extended attributes (EAs).
 *
 * The mapping (doc/design.md, "Extended attributes", says the same):
 *
 * - Names. The Linux xattr "user.NAME" is the EA named NAME. Other
 *   namespaces (trusted., security., system.) are not EAs and answer
 *   EOPNOTSUPP, except the system.fsp.* names (Windows metadata:
 *   ops_winattr.c) and system.posix_acl_access/_default (ops_posixacl.c),
 *   which are offered every request first. One exception: the kernel asks for
 *   "security.capability" before every write(2), and is told ENODATA (no
 *   capabilities) at once, without a call into the file system (the round
 *   trip itself remains; see the design notes on FUSE_HANDLE_KILLPRIV_V2).
 *   NAME must be a valid EA name (1 to
 *   254 bytes, no control character and none of " * + , / : ; < = > ? [ \ ]
 *   |): setxattr answers EINVAL otherwise, and getxattr/removexattr ENODATA
 *   (no such EA can exist). listxattr skips the EAs whose "user." name Linux
 *   could not use (longer than 255 bytes).
 *
 * - Case. EA names are case-insensitive on Windows, always: getxattr of
 *   "user.foo" finds an EA stored as "FOO", and "user.Foo" and "user.foo" are
 *   one attribute. Unless VolumeParams.CasePreservedExtendedAttributes is
 *   set, the name is uppercased (ASCII) before SetEa, as WinFsp's FSD does,
 *   and listxattr/getfattr show what the file system returns ("user.FOO").
 *
 * - Values are 1 to 65535 bytes (EaValueLength is 16 bits): a longer one
 *   gives E2BIG. On Windows a zero-length value deletes the EA; Linux keeps an
 *   empty attribute. Neither reading can be honoured without surprising
 *   someone, so an empty value is refused with EINVAL: "setfattr -v ''" fails
 *   visibly instead of silently deleting (use removexattr for that).
 *
 * - Flags. XATTR_CREATE on an existing EA gives EEXIST, XATTR_REPLACE on a
 *   missing one ENODATA; the check (a GetEa) and the SetEa run under the
 *   file's exclusive lock, so nothing slips in between. removexattr of a
 *   missing EA gives ENODATA; otherwise it is SetEa with a zero-length value
 *   (Windows' delete).
 *
 * - Sizes. getxattr/listxattr with size 0 answer the size needed; a smaller
 *   buffer than the value or list gives ERANGE; a missing EA ENODATA.
 *
 * - Calls. Each request opens the file by path (FILE_READ_EA, plus
 *   FILE_WRITE_EA to change), calls GetEa or SetEa, and closes it (after a
 *   Cleanup with FspCleanupSetChangeTime when something changed); a file
 *   that lost its name is reached through one of its open handles. GetEa
 *   runs under the file's shared lock, SetEa under its exclusive one
 *   (node->io_lock), as the FSD serializes them.
 *
 * - GetEa's buffer. A file system fills it with FspFileSystemAddEa until one
 *   does not fit, and may not say that it stopped. The list is taken as
 *   complete only when the room left could have held the largest possible
 *   entry; otherwise the call is repeated with a larger buffer (first the
 *   worker's scratch buffer, then up to 64 MiB from the heap).
 *
 * - Support. A volume without VolumeParams.ExtendedAttributes, or a file
 *   system without GetEa (reading) or SetEa (changing), answers EOPNOTSUPP
 *   on each call. Never ENOSYS: the kernel would stop asking for xattrs on
 *   the whole mount, including the non-EA ones to come.
 */
#include <stdlib.h>
#include <sys/xattr.h>

#include "ea.h"
#include "native/gate.h"
#include "native/posixacl.h"
#include "ops_util.h"
#include "winattr.h"

#define USER_PREFIX     "user."
#define USER_PREFIX_LEN 5u
/* Linux limits an xattr name to 255 bytes (XATTR_NAME_MAX). */
#define XATTR_NAME_LIMIT 255u
#define EA_FETCH_MAX     (64u << 20)

enum xattr_kind { XA_GET, XA_LIST, XA_SET, XA_REMOVE };

struct xattr_call {
    enum xattr_kind kind;
    const char *name; /* the EA name (after "user.") */
    size_t namelen;
    const void *value; /* XA_SET */
    size_t size;
    uint32_t flags; /* XATTR_CREATE, XATTR_REPLACE */
    /* The EA list GetEa returned: in the scratch buffer, or on the heap. */
    void *scratch;
    size_t scratch_cap;
    FILE_FULL_EA_INFORMATION *list;
    size_t list_bytes, list_cap;
    bool list_owned;
};

static bool can_read_ea(struct fsp_native *nt)
{
    return nt->fs->VolumeParams.ExtendedAttributes && nt->fs->Interface->GetEa &&
           nt->fs->Interface->Open;
}

static bool can_write_ea(struct fsp_native *nt, bool needs_get)
{
    return nt->fs->VolumeParams.ExtendedAttributes && nt->fs->Interface->SetEa &&
           nt->fs->Interface->Open && (!needs_get || nt->fs->Interface->GetEa);
}

static void list_free(struct xattr_call *c)
{
    if (c->list_owned)
        free(c->list);
    c->list = NULL;
    c->list_owned = false;
}

/* Every EA of the open file into c->list (see "GetEa's buffer" above).
 * Called with the file's lock held. */
static NTSTATUS ea_fetch(struct fsp_native *nt, PVOID ctx, struct xattr_call *c)
{
    const FSP_FILE_SYSTEM_INTERFACE *fi = nt->fs->Interface;
    void *buf = c->scratch;
    size_t cap = c->scratch_cap & ~(size_t)7;
    bool owned = false;

    if (cap < FSP_EA_ENTRY_MAX) { /* too small to be worth a try */
        cap = 0;
        buf = NULL;
    }
    for (;;) {
        ULONG bytes = 0;
        NTSTATUS st = STATUS_BUFFER_OVERFLOW;
        if (cap) {
            fsp_guard_enter(nt, FSP_GUARD_NONE);
            st = fi->GetEa(nt->fs, ctx, buf, (ULONG)cap, &bytes);
            fsp_guard_leave(nt, FSP_GUARD_NONE);
        }
        if (st == STATUS_NO_EAS_ON_FILE) {
            st = STATUS_SUCCESS;
            bytes = 0;
        }
        if (NT_SUCCESS(st) && bytes > cap)
            st = STATUS_EA_CORRUPT_ERROR;
        bool maybe_more = st == STATUS_BUFFER_OVERFLOW || st == STATUS_BUFFER_TOO_SMALL ||
                          (NT_SUCCESS(st) && cap - bytes < FSP_EA_ENTRY_MAX);
        if (maybe_more && cap < EA_FETCH_MAX) {
            size_t ncap = cap < (256u << 10) ? (256u << 10) : cap * 4;
            if (ncap > EA_FETCH_MAX)
                ncap = EA_FETCH_MAX;
            if (owned)
                free(buf);
            buf = malloc(ncap);
            owned = buf != NULL;
            if (!buf)
                return STATUS_INSUFFICIENT_RESOURCES;
            cap = ncap;
            continue;
        }
        if (st == STATUS_BUFFER_OVERFLOW || st == STATUS_BUFFER_TOO_SMALL)
            st = STATUS_EA_TOO_LARGE; /* more than we are willing to hold */
        if (NT_SUCCESS(st))
            st = fsp_ea_list_from_fs(buf, bytes);
        if (!NT_SUCCESS(st)) {
            if (owned)
                free(buf);
            return st;
        }
        c->list = buf;
        c->list_bytes = bytes;
        c->list_cap = cap;
        c->list_owned = owned;
        return STATUS_SUCCESS;
    }
}

static NTSTATUS do_set(struct fsp_native *nt, PVOID ctx, struct xattr_call *c)
{
    const FSP_FILE_SYSTEM_INTERFACE *fi = nt->fs->Interface;
    const char *name = c->name;
    size_t namelen = c->namelen;
    const void *value = c->value;
    size_t size = c->size;

    if (c->kind == XA_REMOVE || (c->flags & (XATTR_CREATE | XATTR_REPLACE))) {
        NTSTATUS st = ea_fetch(nt, ctx, c);
        if (!NT_SUCCESS(st))
            return st;
        const FILE_FULL_EA_INFORMATION *old = fsp_ea_find(c->list, c->list_bytes, name, namelen);
        if (old && (c->flags & XATTR_CREATE))
            st = STATUS_OBJECT_NAME_COLLISION;
        else if (!old && (c->kind == XA_REMOVE || (c->flags & XATTR_REPLACE)))
            st = STATUS_NONEXISTENT_EA_ENTRY;
        list_free(c);
        if (!NT_SUCCESS(st))
            return st;
    }
    if (c->kind == XA_REMOVE) {
        value = NULL;
        size = 0;
    }

    FILE_FULL_EA_INFORMATION *ea = malloc(FSP_EA_HEADER_SIZE + namelen + 1 + size);
    if (!ea)
        return STATUS_INSUFFICIENT_RESOURCES;
    size_t easize = fsp_ea_build(ea, name, namelen, value, size, 0);
    if (!nt->fs->VolumeParams.CasePreservedExtendedAttributes) {
        char *p = (char *)ea + FSP_EA_HEADER_SIZE;
        for (size_t i = 0; i < namelen; i++)
            if (p[i] >= 'a' && p[i] <= 'z')
                p[i] = (char)(p[i] - 0x20);
    }
    FSP_FSCTL_FILE_INFO info;
    memset(&info, 0, sizeof info);
    fsp_guard_enter(nt, FSP_GUARD_NONE);
    NTSTATUS st = fi->SetEa(nt->fs, ctx, ea, (ULONG)easize, &info);
    fsp_guard_leave(nt, FSP_GUARD_NONE);
    free(ea);
    return st;
}

static NTSTATUS run_locked(struct fsp_native *nt, struct fsp_node *node, PVOID ctx,
                           struct xattr_call *c)
{
    NTSTATUS st;
    if (c->kind == XA_GET || c->kind == XA_LIST) {
        pthread_rwlock_rdlock(&node->io_lock);
        st = ea_fetch(nt, ctx, c);
        pthread_rwlock_unlock(&node->io_lock);
    } else {
        pthread_rwlock_wrlock(&node->io_lock);
        st = do_set(nt, ctx, c);
        pthread_rwlock_unlock(&node->io_lock);
    }
    return st;
}

static NTSTATUS run_cb(struct fsp_native *nt, struct fsp_node *node, PVOID ctx, void *arg)
{
    return run_locked(nt, node, ctx, arg);
}

/* Open the request's file, run the call, close; a change moves ChangeTime. */
static NTSTATUS xattr_run(struct fsp_req *req, struct xattr_call *c)
{
    bool change = c->kind == XA_SET || c->kind == XA_REMOVE;
    /* Windows' check of the EA rights beyond rwx (gate.c). */
    NTSTATUS gst = fsp_gate_node(req, NULL, change ? FILE_WRITE_EA : FILE_READ_EA);
    if (!NT_SUCCESS(gst))
        return gst;
    c->scratch = fsp_req_scratch(req, &c->scratch_cap);
    return fsp_with_file(req, FILE_READ_EA | (change ? FILE_WRITE_EA : 0), change,
                         FspCleanupSetChangeTime, run_cb, c);
}

/* The EA name of a Linux xattr name, or the errno to answer. */
static int ea_name_of(const char *name, const char **ea, size_t *len)
{
    if (strncmp(name, USER_PREFIX, USER_PREFIX_LEN) != 0)
        return EOPNOTSUPP;
    *ea = name + USER_PREFIX_LEN;
    *len = strlen(*ea);
    return 0;
}

/* Windows metadata and POSIX ACLs all live in "system."; every other name
 * (security.capability is asked before each write) skips their hooks. */
static bool is_system_name(const char *name)
{
    return !strncmp(name, "system.", 7);
}

static void op_getxattr(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    struct fsp_native *nt = fsp_native_of(req);
    const struct fuse_getxattr_in *in = arg;
    const char *xname = (const char *)(in + 1);
    struct xattr_call c = {.kind = XA_GET};

    if (is_system_name(xname)) {
        if (fsp_winattr_get(req, xname, in->size))
            return; /* Windows metadata, not an EA (ops_winattr.c) */
        if (fsp_posixacl_get(req, xname, in->size))
            return; /* a POSIX ACL: part of the descriptor (ops_posixacl.c) */
    }
    int err = ea_name_of(xname, &c.name, &c.namelen);
    if (err) {
        /* Asked before every write: answer without a call into the file
         * system. */
        if (!strcmp(xname, "security.capability") && can_read_ea(nt))
            err = ENODATA;
        fsp_reply_err(req, err);
        return;
    }
    if (!can_read_ea(nt)) {
        fsp_reply_err(req, EOPNOTSUPP);
        return;
    }
    if (!fsp_ea_name_valid(c.name, c.namelen)) {
        fsp_reply_err(req, ENODATA);
        return;
    }
    NTSTATUS st = xattr_run(req, &c);
    if (!NT_SUCCESS(st)) {
        fsp_reply_status(req, st);
        return;
    }
    const FILE_FULL_EA_INFORMATION *ea = fsp_ea_find(c.list, c.list_bytes, c.name, c.namelen);
    if (!ea)
        fsp_reply_err(req, ENODATA);
    else
        fsp_reply_xattr(req, in->size, fsp_ea_value(ea), ea->EaValueLength);
    list_free(&c);
}

/* Does this EA have a name Linux can use as "user.NAME"? */
static bool listable(const FILE_FULL_EA_INFORMATION *ea)
{
    return ea->EaNameLength > 0 && ea->EaNameLength <= XATTR_NAME_LIMIT - USER_PREFIX_LEN &&
           !memchr(fsp_ea_name(ea), '\0', ea->EaNameLength);
}

static void op_listxattr(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    struct fsp_native *nt = fsp_native_of(req);
    const struct fuse_getxattr_in *in = arg;
    struct xattr_call c = {.kind = XA_LIST};
    char acls[FSP_PACL_LIST_MAX];
    size_t acls_len;

    /* The POSIX ACLs a file has are listed first, as on tmpfs. */
    NTSTATUS st = fsp_posixacl_list(req, acls, &acls_len);
    if (!NT_SUCCESS(st)) {
        fsp_reply_status(req, st);
        return;
    }
    if (!can_read_ea(nt) && !acls_len) {
        fsp_reply_err(req, EOPNOTSUPP);
        return;
    }
    if (can_read_ea(nt))
        st = xattr_run(req, &c);
    if (!NT_SUCCESS(st)) {
        fsp_reply_status(req, st);
        return;
    }
    size_t total = acls_len;
    if (c.list_bytes)
        for (const FILE_FULL_EA_INFORMATION *e = c.list; e; e = fsp_ea_next(e))
            if (listable(e))
                total += USER_PREFIX_LEN + e->EaNameLength + 1;
    if (in->size == 0 || in->size < total || total == 0) {
        /* The size, ERANGE or the empty list: no names to gather. */
        fsp_reply_xattr(req, in->size, NULL, total);
        list_free(&c);
        return;
    }
    /* The names go after the list when it leaves room, else to the heap. */
    size_t at = (c.list_bytes + 7) & ~(size_t)7;
    char *room =
        c.list && at <= c.list_cap && total <= c.list_cap - at ? (char *)c.list + at : NULL;
    char *out = room ? room : malloc(total);
    if (!out) {
        fsp_reply_err(req, ENOMEM);
        list_free(&c);
        return;
    }
    char *p = out;
    memcpy(p, acls, acls_len);
    p += acls_len;
    for (const FILE_FULL_EA_INFORMATION *e = c.list; c.list_bytes && e; e = fsp_ea_next(e)) {
        if (!listable(e))
            continue;
        memcpy(p, USER_PREFIX, USER_PREFIX_LEN);
        memcpy(p + USER_PREFIX_LEN, fsp_ea_name(e), e->EaNameLength);
        p += USER_PREFIX_LEN + e->EaNameLength;
        *p++ = '\0';
    }
    fsp_reply_buf(req, out, total);
    if (out != room)
        free(out);
    list_free(&c);
}

static void change_common(struct fsp_req *req, struct fsp_native *nt, struct xattr_call *c,
                          const char *xname)
{
    int err = ea_name_of(xname, &c->name, &c->namelen);
    bool needs_get = c->kind == XA_REMOVE || (c->flags & (XATTR_CREATE | XATTR_REPLACE));
    if (!err && !can_write_ea(nt, needs_get))
        err = EOPNOTSUPP;
    if (!err && nt->fs->VolumeParams.ReadOnlyVolume)
        err = EROFS;
    if (!err && !fsp_ea_name_valid(c->name, c->namelen))
        err = c->kind == XA_REMOVE ? ENODATA : EINVAL;
    if (!err && c->kind == XA_SET && (c->size == 0 || c->size > FSP_EA_VALUE_MAX))
        err = c->size == 0 ? EINVAL : E2BIG;
    if (!err && (c->flags & ~(uint32_t)(XATTR_CREATE | XATTR_REPLACE)))
        err = EINVAL;
    if (err) {
        fsp_reply_err(req, err);
        return;
    }
    fsp_reply_status(req, xattr_run(req, c));
    list_free(c);
}

static void op_setxattr(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    struct fsp_native *nt = fsp_native_of(req);
    const struct fuse_setxattr_in *in = arg;
    /* Without FUSE_SETXATTR_EXT the kernel sends only size and flags; the
     * session has checked that name and value fit the request. */
    size_t fixed = (fsp_session_conn(fsp_req_session(req))->want & FUSE_SETXATTR_EXT)
                       ? sizeof(struct fuse_setxattr_in)
                       : 8;
    const char *xname = (const char *)arg + fixed;
    struct xattr_call c = {
        .kind = XA_SET,
        .value = xname + strlen(xname) + 1,
        .size = in->size,
        .flags = in->flags,
    };
    bool kill_sgid = fixed == sizeof(struct fuse_setxattr_in) &&
                     (in->setxattr_flags & FUSE_SETXATTR_ACL_KILL_SGID);
    if (is_system_name(xname) && (fsp_winattr_set(req, xname, c.value, c.size, c.flags) ||
                                  fsp_posixacl_set(req, xname, c.value, c.size, kill_sgid)))
        return;
    change_common(req, nt, &c, xname);
}

static void op_removexattr(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    struct xattr_call c = {.kind = XA_REMOVE};
    if (is_system_name(arg) && (fsp_winattr_remove(req, arg) || fsp_posixacl_remove(req, arg)))
        return;
    change_common(req, fsp_native_of(req), &c, arg);
}

void fsp_native_xattr_ops(struct fsp_session_ops *ops);
void fsp_native_xattr_ops(struct fsp_session_ops *ops)
{
    ops->op[FUSE_GETXATTR] = op_getxattr;
    ops->op[FUSE_SETXATTR] = op_setxattr;
    ops->op[FUSE_LISTXATTR] = op_listxattr;
    ops->op[FUSE_REMOVEXATTR] = op_removexattr;
}
